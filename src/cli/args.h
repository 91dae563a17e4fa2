/*
 * args.h - strict parsing of the CLI's numeric option values, shared by
 * every command so that all of them accept and refuse the same spellings.
 */
#ifndef YUMA_CLI_ARGS_H
#define YUMA_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal integer in [lo, hi]: digits only (no sign, no space, no
 * empty string, no hex), no overflow. */
bool cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* A decimal real in (lo_excl, hi] (strtod's syntax, nothing after it;
 * NaN and infinities never fall in the range). */
bool cli_parse_real(const char *s, double lo_excl, double hi, double *out);

#endif
