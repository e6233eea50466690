#include "config.h"

#include "err.h"

#include <stdarg.h>
#include <stdio.h>

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

void ts_err_clear(struct ts_err *err)
{
    if (err == NULL)
        return;
    err->code = TS_OK;
    err->msg[0] = '\0';
}
