/*
 * args.h - strict parsing of the CLI's numeric option values, shared by
 * every command so that all of them accept and refuse the same spellings,
 * and the one-line usage error they print when a value is refused.
 */
#ifndef YUMA_CLI_ARGS_H
#define YUMA_CLI_ARGS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/* A decimal integer in [lo, hi]: digits only (no sign, no space, no
 * empty string, no hex), no overflow. */
bool cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* A decimal real in (lo_excl, hi] (strtod's syntax, nothing after it;
 * NaN and infinities never fall in the range). */
bool cli_parse_real(const char *s, double lo_excl, double hi, double *out);

/* An amount of TAO (or alpha) such as "1.5" into rao (10^9 rao a TAO):
 * decimal digits with at most one point and at most 9 digits after it
 * ("2", "0.000000001", "1." and ".5" too), at least one digit, no sign,
 * space or exponent, at most UINT64_MAX rao. False for NULL. */
bool cli_parse_amount(const char *s, uint64_t *rao);

/* A command line that cannot be run: "WHO: MESSAGE (HINT)" as one line on
 * stderr ("WHO: MESSAGE" when hint is NULL), MESSAGE formatted as printf
 * does. Returns 2, the exit status of a usage error. A command defines its
 * usage_error(...) as this with its own WHO and HINT. */
__attribute__((format(printf, 3, 4))) int cli_usage_error(const char *who, const char *hint, const char *fmt, ...);
__attribute__((format(printf, 3, 0))) int cli_vusage_error(const char *who, const char *hint, const char *fmt,
                                                           va_list ap);

#endif
