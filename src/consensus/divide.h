/*
 * divide.h - exact division by a per-row or per-column sum through a
 * precomputed reciprocal (Granlund-Montgomery style, one correction step).
 *
 * The epoch's normalisations divide many numerators by the same divisor:
 * safe_div(a, d) = floor(a * 2^32 / d) for 0 <= a <= d (an entry of a
 * non-negative row or column divided by the row/column sum or maximum). A
 * 128-bit division per entry costs tens of cycles; with the reciprocal below
 * it is two multiplications and a compare, and the result is the same
 * integer, not an approximation.
 *
 * Exactness. Let d in [2^(L-1), 2^L), 1 <= L <= 63, x = a * 2^32 / d,
 * q = floor(x), and 0 <= a <= d, so a < 2^L. Two estimates q' of q:
 *
 * narrow (L <= 32): f = floor((2^(32+L) - 1) / d) = 2^(32+L)/d - e with
 *   0 < e <= 1. Then a * f < a * 2^(32+L) / d <= 2^(32+L) <= 2^64 fits 64
 *   bits, and q' = floor(a * f / 2^L) = floor(x - a*e/2^L) with
 *   0 <= a*e/2^L < 1.
 * wide (L > 32): f = floor(2^(32+L) / d) = 2^(32+L)/d - e with 0 <= e < 1,
 *   t = 64 - L, so a << t < 2^64, and q' = floor((a << t) * f / 2^64) =
 *   floor(x - a*e/2^L) from the high half of a 128-bit product.
 *
 * Either way q' is q or q - 1. The remainder rho = a * 2^32 - q' * d then
 * lies in [0, 2d), and 2d < 2^64 (d < 2^63), so rho computed modulo 2^64
 * is rho itself; q = q' + (rho >= d). tests/test_divide.c checks this
 * against plain division.
 */
#ifndef YUMA_CONSENSUS_DIVIDE_H
#define YUMA_CONSENSUS_DIVIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "yuma/fixed.h"

typedef struct {
    uint64_t f; /* the reciprocal estimate above */
    uint64_t d; /* the divisor, 0 < d < 2^63; L, narrow or wide follow from it */
} ydiv;

/* Reciprocal of 0 < d < 2^63 (one division, paid once per divisor). */
static inline ydiv ydiv_make(uint64_t d)
{
    uint32_t len = 64u - (uint32_t)__builtin_clzll(d);
    yfx_u128 p = (yfx_u128)1 << (32 + len);
    ydiv r = {(uint64_t)(len > 32 ? p / d : (p - 1) / d), d};
    return r;
}

/* floor(a * 2^32 / d) for 0 <= a <= d: the proof above needs a <= d. */
static inline uint64_t ydiv_q(uint64_t a, const ydiv *r)
{
    uint32_t z = (uint32_t)__builtin_clzll(r->d); /* 64 - L */
    uint64_t q = (r->d >> 32) ? (uint64_t)(((yfx_u128)(a << z) * r->f) >> 64) : (a * r->f) >> (64 - z);
    uint64_t rho = (a << 32) - q * r->d; /* wraps: true value < 2^64 */
    return q + (rho >= r->d);
}

/* safe_div(a, d) of two I32F32 raws through a reciprocal of d when its
 * precondition holds, the plain 128-bit division otherwise. */
static inline yfx ydiv_safe(yfx a, yfx d, const ydiv *r)
{
    if (a >= 0 && a <= d) return (yfx)ydiv_q((uint64_t)a, r);
    return yfx_safe_div(a, d);
}

#endif
