/*
 * fixed.c - the transcendental part of the reference's fixed-point library:
 * exp as substrate-fixed computes it (a truncated Taylor series, not libm's
 * exp) and the sigmoid built on it. Both must be copied as they are, their
 * inaccuracy included, because liquid alpha feeds them into consensus.
 */
#include "yuma/fixed.h"

/* e stored with 23 fraction bits (I9F23 raw 22802600), widened to I32F32. */
#define YFX_E_23BIT ((yfx)22802600 << 9)

static bool exp_series(yfx x, yfx *out)
{
    if (x == 0) { *out = YFX_ONE; return true; }
    if (x == YFX_ONE) { *out = YFX_E_23BIT; return true; }
    bool neg = x < 0;
    if (x == YFX_MIN) return false;
    yfx y = neg ? -x : x;
    yfx result, term = y;
    if (__builtin_add_overflow(y, YFX_ONE, &result)) return false;
    for (int64_t i = 2; i <= 31; i++) {
        if (!yfx_checked_mul(term, y, &term)) return false;
        if (!yfx_checked_div(term, i * YFX_ONE, &term)) return false;
        if (__builtin_add_overflow(result, term, &result)) return false;
    }
    if (neg) return yfx_checked_div(YFX_ONE, result, out);
    *out = result;
    return true;
}

yfx yfx_exp_safe(yfx x)
{
    const yfx limit = 20 * YFX_ONE;
    if (x > limit) x = limit;
    if (x < -limit) x = -limit;
    yfx r;
    if (exp_series(x, &r)) return r;
    return x <= 0 ? 0 : YFX_MAX;
}

yfx yfx_sigmoid_safe(yfx x, yfx rho, yfx kappa)
{
    yfx neg_rho = yfx_mul(rho, -YFX_ONE);
    yfx e = yfx_exp_safe(yfx_mul(neg_rho, yfx_sat_sub(x, kappa)));
    return yfx_safe_div(YFX_ONE, yfx_sat_add(e, YFX_ONE));
}
