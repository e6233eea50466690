/*
 * fuzz_fmt.c - the option values the user types (-i, -U, -V) and the
 * report's number and time formats: fmt_parse_duration and
 * fmt_parse_iso_time on a NUL-terminated copy of the input,
 * fmt_val and fmt_iso_time on the value parsed and on the input's first
 * eight bytes taken as a double.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_val(double v)
{
    char buf[FMT_VAL_MAX];
    /* fmt_val's callers pass counts: finite or infinite, never negative or
     * NaN (both would convert out of range to long long in fmt.c; see the
     * hostile-input report) */
    if (!(v >= 0))
        return;
    for (int f = 0; f < 2; f++) {
        const char *s = fmt_val(buf, sizeof buf, v, f);
        if (s != buf || memchr(buf, '\0', sizeof buf) == NULL)
            __builtin_trap();
    }
}

static void check_time(double t)
{
    char buf[FMT_TIME_MAX];
    if (fmt_iso_time(buf, sizeof buf, t) != buf || memchr(buf, '\0', sizeof buf) == NULL)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    long long secs = -1;
    if (fmt_parse_duration(s, &secs) == 0) {
        if (secs < 0)
            __builtin_trap();
        check_val((double)secs);
        check_time((double)secs);
    }
    double t = 0;
    if (fmt_parse_iso_time(s, &t) == 0) {
        if (!isfinite(t))
            __builtin_trap();
        check_time(t);
    }
    if (size >= 8) {
        double d;
        memcpy(&d, data, sizeof d);
        check_val(d);
        check_time(d);
    }
    char *end;
    double v = strtod(s, &end);
    check_val(v);
    check_time(v);
    free(s);
    return 0;
}
