/*
 * args.c - strict parsing of numeric option values, and usage errors
 * (args.h).
 *
 * strtoull alone accepts a leading space, a sign ("-1" wraps to 2^64-1)
 * and the empty string (as 0), so the first character is checked to be a
 * digit before it is called. Amounts are parsed by hand, in integers: a
 * double cannot hold every rao amount (2^64 rao is past 2^53).
 */
#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "yuma/emission.h" /* YUMA_RAO_PER_TAO */

bool cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = (uint64_t)v;
    return true;
}

bool cli_parse_real(const char *s, double lo_excl, double hi, double *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > lo_excl && v <= hi)) return false;
    *out = v;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool cli_parse_amount(const char *s, uint64_t *rao)
{
    if (!s) return false;
    uint64_t whole = 0, frac = 0;
    int whole_digits = 0, frac_digits = 0;
    const char *p = s;
    for (; is_digit(*p); p++, whole_digits++) {
        /* Past UINT64_MAX / 10^9 whole TAO it is too large already; the
         * check also keeps whole * 10 from wrapping. */
        if (whole > UINT64_MAX / YUMA_RAO_PER_TAO) return false;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; is_digit(*p); p++, frac_digits++) {
            if (frac_digits == 9) return false; /* finer than a rao */
            frac = frac * 10 + (uint64_t)(*p - '0');
        }
    }
    if (*p || whole_digits + frac_digits == 0) return false;
    for (int d = frac_digits; d < 9; d++) frac *= 10;
    if (whole > (UINT64_MAX - frac) / YUMA_RAO_PER_TAO) return false;
    *rao = whole * YUMA_RAO_PER_TAO + frac;
    return true;
}

int cli_vusage_error(const char *who, const char *hint, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", who);
    vfprintf(stderr, fmt, ap);
    if (hint) fprintf(stderr, " (%s)", hint);
    fputc('\n', stderr);
    return 2;
}

int cli_usage_error(const char *who, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = cli_vusage_error(who, hint, fmt, ap);
    va_end(ap);
    return status;
}
