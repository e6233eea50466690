/* name_pattern.c - -w PATTERN's file names per interval, and their check (see name_pattern.h). */
#include "config.h"

#include "name_pattern.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool format_at(const char *pattern, double t, char *out, size_t n, long *gmtoff)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (localtime_r(&tt, &tm) == NULL)
        return false;
    *gmtoff = tm.tm_gmtoff;
    /* the pattern is the user's, as tcpdump -w takes it with -G */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t len = strftime(out, n, pattern, &tm);
#pragma GCC diagnostic pop
    return len > 0 && len < n;
}

bool name_pattern_format(const char *pattern, double t, char *out, size_t n)
{
    long gmtoff;
    return format_at(pattern, t, out, n, &gmtoff);
}

/* One pair of neighbouring intervals, the first the one holding t.
 * Returns 0 when their names differ or the offset from UTC changes
 * between them, 1 when they are the same, -1 when a name is empty or too
 * long; a and b hold the names. */
static int pair_same(const char *pattern, double t, long long ilen, char *a, char *b, size_t n)
{
    t = floor(t / (double)ilen) * (double)ilen;
    long ga, gb;
    if (!format_at(pattern, t, a, n, &ga) || !format_at(pattern, t + (double)ilen, b, n, &gb))
        return -1;
    return ga == gb && strcmp(a, b) == 0;
}

/* 2000 intervals in a row from now, then 400 starts over the next year
 * that move by a day, an hour, a minute and a second each time, so that a
 * pattern missing a conversion is caught whatever the clock says now
 * (starts a whole number of hours apart all kept the minute of now, and
 * let %H pass with -i 60 during the last minute of an hour). */
const char *name_pattern_check(const char *pattern, long long ilen, double now, char *why, size_t n)
{
    char a[NAME_PATTERN_MAX], b[NAME_PATTERN_MAX];
    if (ilen <= 0) {
        snprintf(why, n, "-w '%.120s': no interval length", pattern);
        return why;
    }
    for (int i = 0; i < 2400; i++) {
        double t = i < 2000 ? now + (double)i * (double)ilen
                            : now + (double)(i - 2000) * (86400.0 + 3600.0 + 60.0 + 1.0);
        int r = pair_same(pattern, t, ilen, a, b, sizeof a);
        if (r < 0) {
            snprintf(why, n, "-w '%.120s' gives an empty name or one over %d bytes", pattern,
                     NAME_PATTERN_MAX - 1);
            return why;
        }
        if (r > 0) {
            snprintf(
                why, n,
                "-w '%.120s' gives two intervals of -i %lld s one name ('%.120s'): the pattern "
                "needs strftime conversions down to the interval (e.g. %%Y%%m%%d-%%H%%M%%S)",
                pattern, ilen, a);
            return why;
        }
    }
    return NULL;
}
