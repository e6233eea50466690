/* err.c - the error value of every fallible function, and the one errno formatter (see err.h). */
#include "config.h"

#include "err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ts_err_set(struct ts_err *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

const char *ts_strerror(int errnum, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    snprintf(buf, n, "%s", strerror(errnum));
    /* "No such file" -> "no such file", but keep "EOF" or "I/O" as they are */
    if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
        buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

int ts_err_errno(struct ts_err *err, int code, int errnum, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg - 2) {
        char sys[128];
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
                 ts_strerror(errnum, sys, sizeof sys));
    }
    return code;
}

void ts_err_clear(struct ts_err *err)
{
    if (err == NULL)
        return;
    err->code = TS_OK;
    err->msg[0] = '\0';
}
