/*
 * args.c - strict parsing of numeric option values (args.h).
 *
 * strtoull alone accepts a leading space, a sign ("-1" wraps to 2^64-1)
 * and the empty string (as 0), so the first character is checked to be a
 * digit before it is called.
 */
#include "cli/args.h"

#include <errno.h>
#include <stdlib.h>

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
