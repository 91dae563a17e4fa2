/*
 * fixed128.h - the reference's 128-bit unsigned fixed-point types (U64F64,
 * U96F32) and the 256-bit intermediate products the chain's economic
 * modules (emission, pool, share pool) need.
 *
 * A value is its raw integer: U64F64 = raw / 2^64, U96F32 = raw / 2^32,
 * both held in an unsigned __int128. The rounding rules are substrate-fixed's
 * (spec economics.md section 0.1): products and quotients truncate the extra
 * fractional bits, "saturating" operations clamp to the type's range,
 * "safe" division gives 0 on a zero divisor and on overflow, conversion to
 * an integer truncates toward zero (and saturates).
 *
 * These live apart from fixed.h (the epoch's I32F32 family) on purpose: the
 * two families are used by different parts of the chain and evolve apart.
 */
#ifndef YUMA_FIXED128_H
#define YUMA_FIXED128_H

#include <stdbool.h>
#include <stdint.h>

typedef unsigned __int128 yu128;

#define YU128_MAX (~(yu128)0)
#define YU64F64_ONE ((yu128)1 << 64)
#define YU96F32_ONE ((yu128)1 << 32)

/* Full 128x128 -> 256-bit product, as (hi, lo) halves. */
static inline void yu128_mul_wide(yu128 a, yu128 b, yu128 *hi, yu128 *lo)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    yu128 p00 = (yu128)a0 * b0, p01 = (yu128)a0 * b1;
    yu128 p10 = (yu128)a1 * b0, p11 = (yu128)a1 * b1;
    yu128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10; /* < 3 * 2^64 */
    *lo = (mid << 64) | (uint64_t)p00;
    *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

/*
 * floor((hi:lo) / d) for d != 0. Returns false (and sets *q to YU128_MAX)
 * when the quotient does not fit 128 bits. *rem, when given, receives the
 * remainder (only meaningful when the quotient fits). Restoring binary long
 * division: slow-ish (128 steps) but simple, exact and branch-deterministic.
 */
static inline bool yu256_div128(yu128 hi, yu128 lo, yu128 d, yu128 *q, yu128 *rem)
{
    if (hi == 0) {
        *q = lo / d;
        if (rem) *rem = lo % d;
        return true;
    }
    if (hi >= d) { /* quotient >= 2^128 */
        *q = YU128_MAX;
        return false;
    }
    yu128 r = hi, quo = 0;
    for (int i = 127; i >= 0; i--) {
        bool carry = (r >> 127) != 0; /* r << 1 would drop this bit */
        r = (r << 1) | ((lo >> i) & 1);
        quo <<= 1;
        if (carry || r >= d) {
            r -= d; /* wraps correctly when carry is set: true r < 2d */
            quo |= 1;
        }
    }
    *q = quo;
    if (rem) *rem = r;
    return true;
}

/* floor(a * b / d); false when d == 0 or the result exceeds 128 bits. */
static inline bool yu128_mul_div(yu128 a, yu128 b, yu128 d, yu128 *out)
{
    if (d == 0) { *out = 0; return false; }
    yu128 hi, lo;
    yu128_mul_wide(a, b, &hi, &lo);
    return yu256_div128(hi, lo, d, out, 0);
}

/* ceil(a * b / d); false when d == 0 or the result exceeds 128 bits. */
static inline bool yu128_mul_div_ceil(yu128 a, yu128 b, yu128 d, yu128 *out)
{
    if (d == 0) { *out = 0; return false; }
    yu128 hi, lo, rem = 0;
    yu128_mul_wide(a, b, &hi, &lo);
    if (!yu256_div128(hi, lo, d, out, &rem)) return false;
    if (rem != 0) {
        if (*out == YU128_MAX) return false;
        *out += 1;
    }
    return true;
}

static inline yu128 yu128_sat_add(yu128 a, yu128 b)
{
    yu128 r = a + b;
    return r < a ? YU128_MAX : r;
}

static inline yu128 yu128_sat_sub(yu128 a, yu128 b)
{
    return a > b ? a - b : 0;
}

static inline uint64_t yu64_sat_add(uint64_t a, uint64_t b)
{
    uint64_t r = a + b;
    return r < a ? UINT64_MAX : r;
}

static inline uint64_t yu64_sat_sub(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static inline uint64_t yu64_sat_mul(uint64_t a, uint64_t b)
{
    yu128 p = (yu128)a * b;
    return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

/* ---- U64F64 ---------------------------------------------------------- */

static inline yu128 yu64f64_from_u64(uint64_t v)
{
    return (yu128)v << 64;
}

/* saturating_to_num::<u64>(): the integer part always fits 64 bits. */
static inline uint64_t yu64f64_to_u64(yu128 raw)
{
    return (uint64_t)(raw >> 64);
}

/* saturating_mul: floor(a*b / 2^64), clamped to the type's maximum. */
static inline yu128 yu64f64_mul(yu128 a, yu128 b)
{
    yu128 hi, lo;
    yu128_mul_wide(a, b, &hi, &lo);
    if (hi >> 64) return YU128_MAX;
    return (hi << 64) | (lo >> 64);
}

/* safe_div: floor(a * 2^64 / b); 0 when b == 0 or the quotient overflows. */
static inline yu128 yu64f64_div(yu128 a, yu128 b)
{
    yu128 q;
    if (!yu128_mul_div(a, YU64F64_ONE, b, &q)) return 0;
    return q;
}

/* ---- U96F32 ---------------------------------------------------------- */

static inline yu128 yu96f32_from_u64(uint64_t v)
{
    return (yu128)v << 32;
}

static inline uint64_t yu96f32_to_u64(yu128 raw)
{
    yu128 i = raw >> 32;
    return i > UINT64_MAX ? UINT64_MAX : (uint64_t)i;
}

/* saturating_mul: floor(a*b / 2^32), clamped. */
static inline yu128 yu96f32_mul(yu128 a, yu128 b)
{
    yu128 hi, lo;
    yu128_mul_wide(a, b, &hi, &lo);
    if (hi >> 32) return YU128_MAX;
    return (hi << 96) | (lo >> 32);
}

/* safe_div / checked_div: floor(a * 2^32 / b); false on b == 0 or overflow. */
static inline bool yu96f32_checked_div(yu128 a, yu128 b, yu128 *out)
{
    return yu128_mul_div(a, YU96F32_ONE, b, out);
}

#endif
