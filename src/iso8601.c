/* iso8601.c - ISO 8601 date and time text (as Zeek's JSON writer puts ts) into epoch seconds. */
#include "config.h"

#include "iso8601.h"

#include <stdint.h>

#include "text_scan.h"

static int days_from_civil(int y, unsigned m, unsigned d)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int)doe - 719468;
}

static bool digits_n(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (unsigned)(s[k] - '0');
    }
    *out = v;
    return true;
}

bool iso8601_parse(const char *s, size_t len, double *out)
{
    unsigned y, mo, d, h, mi, se;
    if (len < 19 || !digits_n(s, 4, &y) || s[4] != '-' || !digits_n(s + 5, 2, &mo) || s[7] != '-' ||
        !digits_n(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits_n(s + 11, 2, &h) ||
        s[13] != ':' || !digits_n(s + 14, 2, &mi) || s[16] != ':' || !digits_n(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    size_t i = 19;
    uint64_t frac = 0;
    int nfrac = 0;
    if (i < len && s[i] == '.') {
        i++;
        size_t st = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (nfrac < 9) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                nfrac++;
            }
        if (i == st)
            return false;
    }
    long off = 0;
    if (i < len && s[i] == 'Z') {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        unsigned oh, om;
        if (len - i != 6 || !digits_n(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            !digits_n(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (long)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    }
    if (i != len)
        return false;
    int64_t secs = (int64_t)days_from_civil((int)y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    /* secs.frac as one decimal, so it rounds like the number written out. */
    if (secs >= 0 && secs < (INT64_C(1) << 33) && nfrac <= 6) {
        uint64_t scale = 1;
        for (int k = 0; k < nfrac; k++)
            scale *= 10;
        *out = (double)((uint64_t)secs * scale + frac) / scan_pow10[nfrac];
    } else {
        *out = (double)secs + (double)frac / scan_pow10[nfrac];
    }
    return true;
}
