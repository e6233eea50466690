/*
 * test_iso8601.c - ISO 8601 times as Zeek's JSON writer puts them: table
 * rows of accepted and refused forms, and random dates against timegm.
 */
#define _DEFAULT_SOURCE /* timegm */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iso8601.h"

static bool parse(const char *s, double *out)
{
    return iso8601_parse(s, strlen(s), out);
}

Test(iso8601, rows)
{
    static const struct {
        const char *s;
        bool ok;
        double want;
    } rows[] = {
        {"1970-01-01T00:00:00Z", true, 0},
        {"1970-01-01T00:00:00", true, 0},
        {"1970-01-01 00:00:01Z", true, 1},
        {"2011-03-18T19:06:07.096535Z", true, 1300475167.096535},
        {"2011-03-18T19:06:07.1Z", true, 1300475167.1},
        {"2011-03-18T14:06:07.096535-05:00", true, 1300475167.096535},
        {"2011-03-19T00:36:07.096535+05:30", true, 1300475167.096535},
        {"2000-02-29T12:00:00Z", true, 951825600},
        {"1969-12-31T23:59:59Z", true, -1},
        {"2016-12-31T23:59:60Z", true, 1483228800},
        {"1970-01-01T00:00:00.123456789999Z", true, 0.123456789},
        {"", false, 0},
        {"2011-03-18", false, 0},
        {"2011-03-18T19:06Z", false, 0},
        {"2011-13-18T19:06:07Z", false, 0},
        {"2011-00-18T19:06:07Z", false, 0},
        {"2011-03-32T19:06:07Z", false, 0},
        {"2011-03-18T24:06:07Z", false, 0},
        {"2011-03-18T19:60:07Z", false, 0},
        {"2011-03-18T19:06:61Z", false, 0},
        {"2011-03-18X19:06:07Z", false, 0},
        {"2011/03/18T19:06:07Z", false, 0},
        {"2011-03-18T19:06:07.Z", false, 0},
        {"2011-03-18T19:06:07ZZ", false, 0},
        {"2011-03-18T19:06:07+0500", false, 0},
        {"2011-03-18T19:06:07+24:00", false, 0},
        {"2011-03-18T19:06:07+05:60", false, 0},
        {"2011-03-18T19:06:07 ", false, 0},
        {"1300475167.096535", false, 0},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        double v = -12345;
        cr_assert_eq(parse(rows[k].s, &v), rows[k].ok, "'%s'", rows[k].s);
        if (rows[k].ok)
            cr_assert(v == rows[k].want, "'%s': %.9f, expected %.9f", rows[k].s, v, rows[k].want);
        else
            cr_assert(v == -12345, "'%s': the result is written on failure", rows[k].s);
    }
}

/* Random valid dates from year 1 to 9999 with and without zones, whole
 * seconds: the value timegm gives for the same fields. */
Test(iso8601, random_dates_equal_timegm)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    uint64_t st = 31;
    for (int n = 0; n < 50000; n++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        int y = 1 + (int)((st >> 20) % 9999), mo = 1 + (int)((st >> 34) % 12);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int dmax = mdays[mo - 1] + (mo == 2 && leap);
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        int d = 1 + (int)((st >> 20) % (uint64_t)dmax), h = (int)((st >> 30) % 24);
        int mi = (int)((st >> 40) % 60), se = (int)((st >> 50) % 60);
        int zone = (int)((st >> 8) % 3), oh = (int)((st >> 12) % 24), om = (int)((st >> 4) % 60);
        char s[64];
        int len = snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, se);
        long off = 0;
        if (zone == 1) {
            snprintf(s + len, sizeof s - (size_t)len, "Z");
        } else if (zone == 2) {
            bool neg = (st >> 2) & 1;
            snprintf(s + len, sizeof s - (size_t)len, "%c%02d:%02d", neg ? '-' : '+', oh, om);
            off = (neg ? -1 : 1) * (oh * 3600L + om * 60L);
        }
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = se;
        double want = (double)(timegm(&tm) - off), got;
        cr_assert(parse(s, &got), "'%s'", s);
        cr_assert(got == want, "'%s': %.0f, timegm %.0f", s, got, want);
    }
}

/* A fraction of up to six digits gives the value of the decimal written
 * out, as strtod reads "secs.frac". */
Test(iso8601, fraction_rounds_like_the_decimal)
{
    uint64_t st = 8;
    for (int n = 0; n < 20000; n++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        unsigned frac = (unsigned)((st >> 30) % 1000000);
        int nd = 1 + (int)((st >> 10) % 6);
        unsigned scaled = frac;
        for (int k = nd; k < 6; k++)
            scaled /= 10;
        char s[64], dec[64];
        snprintf(s, sizeof s, "2011-03-18T19:06:07.%0*uZ", nd, scaled);
        snprintf(dec, sizeof dec, "1300475167.%0*u", nd, scaled);
        double got;
        cr_assert(parse(s, &got), "'%s'", s);
        cr_assert(got == strtod(dec, NULL), "'%s': %.9f, expected %s", s, got, dec);
    }
}
