/*
 * math.h - the vector and matrix helpers of the reference's epoch
 * (subtensor's epoch/math.rs), internal to libyuma. Each has the
 * reference's exact rounding; the unit vectors are in spec section 5.12.
 * All fixed-point values are I32F32 raws (yfx).
 */
#ifndef YUMA_CONSENSUS_MATH_H
#define YUMA_CONSENSUS_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/fixed.h"

/* inplace_normalize: s = sum(x) (plain); if s != 0, x_i = safe_div(x_i, s). */
void ymath_normalize(yfx *x, size_t n);

/* The reference's weighted_median: deterministic pivot partition over
 * partition[0..count) (indices into stake/score), with minority m and the
 * cumulative bounds lo, hi. scratch must hold 2*count indices. */
yfx ymath_weighted_median(const yfx *stake, const yfx *score, const uint32_t *partition,
                          size_t count, yfx minority, yfx lo, yfx hi, uint32_t *scratch);

/* The closed form of the same result: the smallest score v with
 * cum(v) = sum of stake over scores <= v strictly greater than m; the
 * largest score if none; 0 for an empty list. Reorders score/stake in place;
 * expected O(count). */
yfx ymath_weighted_quantile(yfx *score, yfx *stake, size_t count, yfx m);

/* is_topk_nonzero(v, k): r_i = v_i != 0, then (if n >= k) the n-k smallest by a
 * stable ascending sort (ties: lower index is smaller) are cleared. Returns
 * false only on allocation failure. */
bool ymath_is_topk_nonzero(const yfx *v, size_t n, size_t k, bool *out);
/* is_topk(v, k): the same without the non-zero rule (all true if n <= k). */
bool ymath_is_topk(const yfx *v, size_t n, size_t k, bool *out);

/* vec_max_upscale_to_u16 (I32F32 input), as math.rs. */
void ymath_vec_max_upscale_to_u16(const yfx *v, size_t n, uint16_t *out);
/* vec_u16_max_upscale_to_u16: what set_weights stores (spec section 4.1). */
void ymath_vec_u16_max_upscale_to_u16(const uint16_t *v, size_t n, uint16_t *out);
/* check_vec_max_limited(v, limit). */
bool ymath_check_vec_max_limited(const uint16_t *v, size_t n, uint16_t limit);

/* The bond EMA's per-row kernels. Rows are (column, value) lists.
 * mat_ema_alpha_sparse for one row: dec_j = mul(ONE - a_j, old_j) over old
 * entries; for each new entry (j, w) in order emit
 * (j, min(sat_add(dec_j, max(mul(a_j, w), 0)), ONE)) when > 0. alpha[k] is the
 * alpha of new entry k. dense is n zeroed scratch (left zeroed). Returns the
 * number of entries written to out_col/out_val. */
size_t ymath_ema_alpha_row(const uint16_t *new_col, const yfx *new_val, const yfx *alpha,
                           size_t new_count, const uint16_t *old_col, const yfx *old_val,
                           size_t old_count, yfx *dense, uint16_t *out_col, yfx *out_val);

/* alpha_sigmoid of liquid alpha (spec 2.9.3) for one (w, b, c). */
yfx ymath_liquid_alpha(yfx w, yfx b, yfx c, yfx lo, yfx hi, int16_t steepness);

/* The same in two steps, so that the epoch can memoise the expensive one:
 * alpha depends on (w, b, c) only through d = ymath_liquid_d(w, b, c), and
 * ymath_liquid_alpha(w, b, c, lo, hi, s) equals
 * ymath_liquid_alpha_d(&p, ymath_liquid_d(w, b, c)) with
 * p = ymath_liquid_prepare(lo, hi, s). */
typedef struct {
    yfx lo, hi;
    yfx slope; /* steepness / -100 as I32F32 */
} ymath_liquid_params;

ymath_liquid_params ymath_liquid_prepare(yfx lo, yfx hi, int16_t steepness);
yfx ymath_liquid_d(yfx w, yfx b, yfx c);
yfx ymath_liquid_alpha_d(const ymath_liquid_params *p, yfx d);

/* yfx_exp_safe, bit for bit, without 128-bit divisions: the series' step
 * checked_div(term, i * 2^32) = trunc(term * 2^32 / (i * 2^32)) is exactly
 * floor(term / i) for the non-negative terms, a division by a constant. */
yfx ymath_exp_safe(yfx x);

#endif
