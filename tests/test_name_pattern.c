/*
 * test_name_pattern.c - -w PATTERN's names per interval: a pattern that
 * gives two neighbouring intervals one name is refused whatever the time
 * of day the capture starts (the last minute of an hour, the last second
 * of a day among them), one that names them apart is taken, and the end
 * of summer time, which repeats an hour of local time, is not held
 * against a pattern (the capture appends the interval number then).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "name_pattern.h"

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* 2026-03-04 00:00:00 UTC, a Wednesday */
#define BASE 1772582400.0

/* starts at awkward moments: the last second of a minute, of an hour, of a
 * day, of a month, and a plain one */
static const double starts[] = {
    BASE + 12 * 3600 + 17 * 60 + 5, BASE + 59, BASE + 3599, BASE + 3540 + 30, BASE + 86399,
    BASE + 27 * 86400 + 86399,
};

struct row {
    const char *pattern;
    long long ilen;
    bool ok;
};

static const struct row rows[] = {
    {"sum-%Y%m%d-%H.tss", 60, false},   {"sum-%Y%m%d-%H%M.tss", 60, true},
    {"sum-%M.tss", 3600, false},        {"sum-%H.tss", 3600, true},
    {"sum.tss", 86400, false},          {"sum-%F.tss", 86400, true},
    {"s-%H%M.tss", 1, false},           {"s-%H%M%S.tss", 1, true},
    {"s-%Y%m.tss", 86400, false},       {"s-%Y%m%d.tss", 3600, false},
    {"s-%Y%m%d-%H%M%S.tss", 300, true}, {"s-%s.tss", 10, true},
    {"s-%Y-%W.tss", 86400, false},      {"s-%Y-%W.tss", 7 * 86400, true},
};

Test(name_pattern, refused_whatever_the_start)
{
    set_tz("UTC");
    char why[512];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (size_t j = 0; j < sizeof starts / sizeof starts[0]; j++) {
            const char *r =
                name_pattern_check(rows[i].pattern, rows[i].ilen, starts[j], why, sizeof why);
            if (rows[i].ok)
                cr_expect_null(r, "'%s' -i %lld at %.0f: refused: %s", rows[i].pattern,
                               rows[i].ilen, starts[j], r);
            else
                cr_expect_not_null(r, "'%s' -i %lld at %.0f: taken", rows[i].pattern, rows[i].ilen,
                                   starts[j]);
        }
}

Test(name_pattern, summer_time_end_is_not_a_repeat)
{
    set_tz("Europe/Berlin");
    char why[512];
    /* from a day before the end of summer time (2026-10-25 01:00 UTC) */
    double before = 1792890000.0 - 86400.0;
    cr_expect_null(name_pattern_check("sum-%Y%m%d-%H%M%S.tss", 3600, before, why, sizeof why),
                   "refused: %s", why);
    cr_expect_null(name_pattern_check("sum-%Y%m%d-%H.tss", 3600, before, why, sizeof why),
                   "refused: %s", why);
    cr_expect_not_null(name_pattern_check("sum-%Y%m%d.tss", 3600, before, why, sizeof why));
    set_tz("UTC");
}

Test(name_pattern, names)
{
    set_tz("UTC");
    char name[64];
    cr_assert(name_pattern_format("sum-%Y%m%d-%H%M%S.tss", BASE + 3661, name, sizeof name));
    cr_expect_str_eq(name, "sum-20260304-010101.tss");
    cr_expect(!name_pattern_format("", BASE, name, sizeof name), "an empty name");
    cr_expect(!name_pattern_format("%Y%m%d%H%M%S%Y%m%d", BASE, name, 8), "a name too long");
    char why[64];
    cr_expect_not_null(name_pattern_check("", 60, BASE, why, sizeof why));
}
