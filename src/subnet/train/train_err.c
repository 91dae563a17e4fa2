/*
 * train_err.c - the training subnet's error messages (train_err.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "subnet/train/train_err.h"

bool train_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

bool ts_fail(ts_err *e, const char *fmt, ...)
{
    if (e && e->msg && e->len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, e->len, fmt, ap);
        va_end(ap);
    }
    return false;
}
