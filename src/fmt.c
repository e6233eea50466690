/* fmt.c - the original's number, share and time formats (see fmt.h). */
#include "config.h"

#include "fmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *fmt_val(char *buf, size_t n, double v, bool is_float)
{
    if (!(v >= 0)) /* negative or NaN: cannot come from a count */
        v = 0;
    if (v >= 1e9)
        snprintf(buf, n, "%3.1fg", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%3.1fm", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%3.1fk", v / 1e3);
    else if (v >= 1)
        snprintf(buf, n, " %3.1f", v);
    else if (is_float)
        snprintf(buf, n, "%.1f", v);
    else
        snprintf(buf, n, "%lld", (long long)v);
    return buf;
}

const char *fmt_iso_time(char *buf, size_t n, double t)
{
    if (t == 0 || t == 1e20 || !isfinite(t) || t > 1e15 || t < -1e15) {
        snprintf(buf, n, "N/A");
        return buf;
    }
    time_t secs = (time_t)floor(t);
    struct tm tm;
    if (localtime_r(&secs, &tm) == NULL || strftime(buf, n, "%Y-%m-%d-%H-%M-%S", &tm) == 0)
        snprintf(buf, n, "N/A");
    return buf;
}

/* Reads exactly `digits` decimal digits into *out. */
static int take_digits(const char **p, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += digits;
    *out = v;
    return 0;
}

int fmt_parse_iso_time(const char *s, double *out)
{
    static const int width[6] = {4, 2, 2, 2, 2, 2};
    int f[6];
    const char *p = s;
    for (int i = 0; i < 6; i++) {
        if (take_digits(&p, width[i], &f[i]) != 0)
            return -1;
        if (i < 5 && *p++ != '-')
            return -1;
    }
    if (*p != '\0')
        return -1;
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 61)
        return -1;
    struct tm tm = {0};
    tm.tm_year = f[0] - 1900;
    tm.tm_mon = f[1] - 1;
    tm.tm_mday = f[2];
    tm.tm_hour = f[3];
    tm.tm_min = f[4];
    tm.tm_sec = f[5];
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && !(f[0] == 1969 && f[1] == 12 && f[2] == 31))
        return -1;
    *out = (double)t;
    return 0;
}

int fmt_parse_duration(const char *s, long long *secs)
{
    if (s == NULL || *s == '\0')
        return -1;
    size_t len = strlen(s);
    long long mult = 1;
    char num[32];
    if (s[len - 1] == 'm' || s[len - 1] == 'h') {
        mult = s[len - 1] == 'm' ? 60 : 3600;
        len--;
    }
    if (len == 0 || len >= sizeof num)
        return -1;
    memcpy(num, s, len);
    num[len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(num, &end, 10);
    if (errno != 0 || *end != '\0' || end == num || v < 0)
        return -1;
    if (v > LLONG_MAX / mult)
        return -1;
    *secs = v * mult;
    return 0;
}

const char *fmt_addr(char *buf, size_t n, const unsigned char *addr, size_t len)
{
    if (len == 4) {
        if (inet_ntop(AF_INET, addr, buf, (socklen_t)n) == NULL)
            snprintf(buf, n, "?");
    } else if (len == 16) {
        if (inet_ntop(AF_INET6, addr, buf, (socklen_t)n) == NULL)
            snprintf(buf, n, "?");
    } else {
        snprintf(buf, n, "?");
    }
    return buf;
}
