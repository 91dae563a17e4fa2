/*
 * fixed.h - the reference's fixed-point arithmetic, bit for bit.
 *
 * Consensus code never uses floating point. Every value of the epoch is a
 * raw integer of one of the reference's fixed-point types (substrate-fixed):
 *
 *   I32F32  int64_t   raw / 2^32   almost all epoch maths
 *   I64F64  __int128  raw / 2^64   stake before normalisation
 *   I96F32  __int128  raw / 2^32   shares turned into token amounts
 *
 * The rounding rules are the reference's, not the "nice" ones: products
 * floor (arithmetic shift), quotients truncate toward zero, a safe division
 * gives 0 on a zero divisor *and* on overflow, conversions to integers floor
 * and clamp. See ../shared/specs/yuma-consensus.md section 1.
 *
 * Products and quotients are formed in 128 bits; we never shift a negative
 * value left (undefined in C), we multiply by 2^32 instead.
 */
#ifndef YUMA_FIXED_H
#define YUMA_FIXED_H

#include <stdbool.h>
#include <stdint.h>

typedef int64_t yfx;              /* I32F32 raw */
typedef __int128 yfx_i128;        /* I64F64 / I96F32 raw */
typedef unsigned __int128 yfx_u128;

#define YFX_FRAC 32
#define YFX_ONE ((yfx)1 << 32)
#define YFX_HALF ((yfx)1 << 31)
#define YFX_MAX INT64_MAX
#define YFX_MIN INT64_MIN
#define YFX_U16_MAX_RAW ((yfx)65535 << 32)

static inline yfx yfx_clamp128(yfx_i128 v)
{
    if (v > (yfx_i128)YFX_MAX) return YFX_MAX;
    if (v < (yfx_i128)YFX_MIN) return YFX_MIN;
    return (yfx)v;
}

/* floor(v / 2^32) of a signed 128-bit value; C's >> on negative signed
 * integers is implementation-defined, so floor is spelled out. */
static inline yfx_i128 yfx_floor_shift32(yfx_i128 v)
{
    yfx_i128 q = v / ((yfx_i128)1 << 32);
    if (v < 0 && q * ((yfx_i128)1 << 32) != v) q -= 1;
    return q;
}

static inline yfx yfx_sat_add(yfx a, yfx b)
{
    yfx r;
    if (__builtin_add_overflow(a, b, &r)) return a < 0 ? YFX_MIN : YFX_MAX;
    return r;
}

static inline yfx yfx_sat_sub(yfx a, yfx b)
{
    yfx r;
    if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? YFX_MIN : YFX_MAX;
    return r;
}

/* saturating_mul: floor(a*b / 2^32), clamped (MIN when signs differ). */
static inline yfx yfx_mul(yfx a, yfx b)
{
    return yfx_clamp128(yfx_floor_shift32((yfx_i128)a * b));
}

/* The common case in the epoch: both operands non-negative. */
static inline yfx yfx_mul_nonneg(yfx a, yfx b)
{
    yfx_u128 p = ((yfx_u128)(uint64_t)a * (uint64_t)b) >> 32;
    return p > (yfx_u128)YFX_MAX ? YFX_MAX : (yfx)p;
}

/* checked_mul: false on overflow (callers map it to 0). */
static inline bool yfx_checked_mul(yfx a, yfx b, yfx *out)
{
    yfx_i128 r = yfx_floor_shift32((yfx_i128)a * b);
    if (r > (yfx_i128)YFX_MAX || r < (yfx_i128)YFX_MIN) return false;
    *out = (yfx)r;
    return true;
}

/* checked_div: trunc(a*2^32 / b); false on b == 0 or out of range. */
static inline bool yfx_checked_div(yfx a, yfx b, yfx *out)
{
    if (b == 0) return false;
    yfx_i128 q = ((yfx_i128)a * ((yfx_i128)1 << 32)) / b;
    if (q > (yfx_i128)YFX_MAX || q < (yfx_i128)YFX_MIN) return false;
    *out = (yfx)q;
    return true;
}

/* safe_div: checked_div, or 0 when it fails (zero divisor or overflow). */
static inline yfx yfx_safe_div(yfx a, yfx b)
{
    yfx q;
    return yfx_checked_div(a, b, &q) ? q : 0;
}

/* saturating_div: trunc(a*2^32 / b), clamped; b must not be 0. */
static inline yfx yfx_sat_div(yfx a, yfx b)
{
    return yfx_clamp128(((yfx_i128)a * ((yfx_i128)1 << 32)) / b);
}

/* safe_div for 0 <= a, 0 < b, the epoch's normalisations: 64-bit division
 * when the numerator fits, which it does for every quotient <= 1. */
static inline yfx yfx_div_nonneg(yfx a, yfx b)
{
    if (b <= 0) return b == 0 ? 0 : yfx_safe_div(a, b);
    if (a < YFX_ONE) {
        uint64_t q = ((uint64_t)a << 32) / (uint64_t)b;
        return q > (uint64_t)YFX_MAX ? 0 : (yfx)q; /* overflow: 0, as safe_div */
    }
    yfx_u128 q = ((yfx_u128)(uint64_t)a << 32) / (uint64_t)b;
    return q > (yfx_u128)YFX_MAX ? 0 : (yfx)q;
}

static inline yfx yfx_from_int(int64_t v)
{
    return yfx_clamp128((yfx_i128)v * ((yfx_i128)1 << 32));
}

/* to_num::<u16>() and friends: floor, then clamp to [0, max]. */
static inline uint16_t yfx_to_u16(yfx x)
{
    yfx_i128 f = yfx_floor_shift32(x);
    if (f < 0) return 0;
    if (f > 65535) return 65535;
    return (uint16_t)f;
}

static inline uint64_t yfx_to_u64(yfx x)
{
    return x < 0 ? 0 : (uint64_t)x >> 32;
}

/* u16_proportion_to_fixed: floor(v * 2^32 / 65535). */
static inline yfx yfx_from_u16_proportion(uint16_t v)
{
    return (yfx)(((uint64_t)v << 32) / 65535u);
}

/* fixed_proportion_to_u16: to_u16(saturating_mul(x, 65535)). */
static inline uint16_t yfx_to_u16_proportion(yfx x)
{
    return yfx_to_u16(yfx_mul(x, YFX_U16_MAX_RAW));
}

/* round(): nearest integer, ties away from zero (result is a raw). */
static inline yfx yfx_round(yfx x)
{
    if (x >= 0) {
        if (x > YFX_MAX - YFX_HALF) return (yfx)((uint64_t)YFX_MAX & ~(uint64_t)(YFX_ONE - 1));
        return (x + YFX_HALF) & ~(YFX_ONE - 1);
    }
    yfx_i128 m = -(yfx_i128)x;
    m = (m + YFX_HALF) & ~(yfx_i128)(YFX_ONE - 1);
    return yfx_clamp128(-m);
}

/* I64F64 -> I32F32 (fixed64_to_fixed32): floor(raw / 2^32), clamped. */
static inline yfx yfx_from_i64f64(yfx_i128 raw64)
{
    return yfx_clamp128(yfx_floor_shift32(raw64));
}

/* amount(x) of section 2.10: floor(x * R) as I96F32 then to u64. */
static inline uint64_t yfx_amount(yfx share, uint64_t rao)
{
    if (share <= 0) return 0;
    yfx_u128 p = ((yfx_u128)(uint64_t)share * rao) >> 32;
    return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

/* exp_safe (30-term Taylor series, e with 23 fraction bits) and the
 * sigmoid of the reference's math.rs; see spec section 1.4. */
yfx yfx_exp_safe(yfx x);
yfx yfx_sigmoid_safe(yfx x, yfx rho, yfx kappa);

#endif
