/*
 * math.c - the epoch's vector helpers (subtensor's epoch/math.rs) with the
 * reference's exact rounding: normalisation, the stake-weighted median (the
 * reference's pivot walk and an O(n) closed form of the same result), top-k
 * permits, max-upscaling to u16, the liquid-alpha bond EMA kernel and the
 * liquid-alpha sigmoid. Integer fixed point only; see spec sections 1-2.
 */
#include "consensus/math.h"

#include "consensus/divide.h"

#include <limits.h>
#include <stdlib.h>

/* The reference's iter().sum() of I32F32 values: a plain add that wraps in
 * release builds. Unsigned arithmetic keeps the wrap defined in C. */
static yfx plain_sum(const yfx *x, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s += (uint64_t)x[i];
    return (yfx)s;
}

/* When every x_i >= 0 and the sum did not wrap, each x_i <= s and the
 * divisions go through one exact reciprocal of s (divide.h). */
static bool sum_is_exact_nonneg(const yfx *x, size_t n, yfx s)
{
    yfx_u128 exact = 0;
    bool nonneg = true;
    for (size_t i = 0; i < n; i++) {
        nonneg &= x[i] >= 0;
        exact += (uint64_t)x[i];
    }
    return nonneg && s > 0 && exact == (yfx_u128)s;
}

void ymath_normalize(yfx *x, size_t n)
{
    yfx s = plain_sum(x, n);
    if (s == 0) return;
    if (sum_is_exact_nonneg(x, n, s)) {
        ydiv r = ydiv_make((uint64_t)s);
        for (size_t i = 0; i < n; i++) x[i] = (yfx)ydiv_q((uint64_t)x[i], &r);
        return;
    }
    for (size_t i = 0; i < n; i++) x[i] = yfx_safe_div(x[i], s);
}

/* ---------------------------------------------------------------------------
 * Weighted median, the reference's algorithm verbatim. The current partition
 * lives in one of two scratch halves; each round writes lower (in order) to
 * the front of the other half and upper to its back (reversed, then put back
 * in order if chosen), so list order - which decides the pivot - is kept.
 * ------------------------------------------------------------------------ */
yfx ymath_weighted_median(const yfx *stake, const yfx *score, const uint32_t *partition,
                          size_t count, yfx minority, yfx lo, yfx hi, uint32_t *scratch)
{
    const uint32_t *cur = partition;
    size_t len = count;
    size_t iter = 0;
    int half = 0;

    for (;;) {
        if (len == 0) return 0;
        if (len == 1) return score[cur[0]];
        yfx pivot = score[cur[len / 2]];
        uint32_t *out = scratch + (size_t)half * count;
        size_t nl = 0, nu = 0;
        yfx lo_s = 0, hi_s = 0;
        for (size_t k = 0; k < len; k++) {
            uint32_t idx = cur[k];
            yfx s = score[idx];
            if (s == pivot) continue;
            if (s < pivot) {
                lo_s = yfx_sat_add(lo_s, stake[idx]);
                out[nl++] = idx;
            } else {
                hi_s = yfx_sat_add(hi_s, stake[idx]);
                out[len - 1 - nu++] = idx;
            }
        }
        if (minority < yfx_sat_add(lo, lo_s) && nl > 0) {
            cur = out;
            len = nl;
            hi = yfx_sat_add(lo, lo_s);
        } else if (yfx_sat_sub(hi, hi_s) <= minority && nu > 0) {
            uint32_t *up = out + (len - nu);
            for (size_t a = 0, b = nu - 1; a < b; a++, b--) {
                uint32_t t = up[a];
                up[a] = up[b];
                up[b] = t;
            }
            cur = up;
            len = nu;
            lo = yfx_sat_sub(hi, hi_s);
        } else {
            return pivot;
        }
        half ^= 1;
        iter++;
        if (iter > count) return 0;
    }
}

/* ---------------------------------------------------------------------------
 * Weighted quantile, closed form: weighted quickselect on (score, stake)
 * pairs with a median-of-three pivot and a three-way partition. `below` is
 * the stake of everything already known to score below the current range;
 * invariant: every score below the range has cum <= m. After a bounded
 * number of rounds the rest is sorted, so the worst case is O(n log n).
 * ------------------------------------------------------------------------ */
struct wq_pair {
    yfx score;
    yfx stake;
};

static int wq_cmp(const void *a, const void *b)
{
    const struct wq_pair *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    if (x->stake != y->stake) return x->stake < y->stake ? -1 : 1;
    return 0;
}

static void wq_swap(yfx *score, yfx *stake, size_t i, size_t j)
{
    yfx t = score[i];
    score[i] = score[j];
    score[j] = t;
    t = stake[i];
    stake[i] = stake[j];
    stake[j] = t;
}

static yfx median3(yfx a, yfx b, yfx c)
{
    if (a > b) { yfx t = a; a = b; b = t; }
    if (b > c) b = c;
    return a > b ? a : b;
}

/* Sort [l, r) and scan it: the fallback once quickselect took too long.
 * Returns false (nothing changed) if there is no memory for the sort. */
static bool wq_sorted_scan(yfx *score, yfx *stake, size_t l, size_t r, yfx below, yfx m,
                           yfx *out)
{
    size_t n = r - l;
    struct wq_pair *p = malloc(n * sizeof *p);
    if (p == NULL) return false;
    for (size_t i = 0; i < n; i++) p[i] = (struct wq_pair){score[l + i], stake[l + i]};
    qsort(p, n, sizeof *p, wq_cmp);
    for (size_t i = 0; i < n; i++) {
        score[l + i] = p[i].score;
        stake[l + i] = p[i].stake;
    }
    free(p);
    yfx cum = below;
    size_t i = l;
    while (i < r) {
        yfx v = score[i];
        while (i < r && score[i] == v) cum += stake[i++];
        if (cum > m) {
            *out = v;
            return true;
        }
    }
    *out = score[r - 1];
    return true;
}

/* Partition rounds allowed before sorting: YMATH_WQ_ROUNDS + 2*log2(count).
 * Overridable so that a test build can force the sorting path. */
#ifndef YMATH_WQ_ROUNDS
#define YMATH_WQ_ROUNDS 8
#endif

yfx ymath_weighted_quantile(yfx *score, yfx *stake, size_t count, yfx m)
{
    if (count == 0) return 0;
    size_t l = 0, r = count;
    yfx below = 0;
    int budget = YMATH_WQ_ROUNDS;
    for (size_t c = count; c > 1; c >>= 1) budget += 2;

    for (;;) {
        if (r - l == 1) return score[l];
        if (budget-- <= 0) {
            yfx v;
            if (wq_sorted_scan(score, stake, l, r, below, m, &v)) return v;
            budget = INT_MAX; /* no memory: finish the quickselect instead */
        }
        yfx pivot = median3(score[l], score[l + (r - l) / 2], score[r - 1]);
        /* Dutch national flag: [l,lt) < pivot, [lt,i) == pivot, (gt,r) > pivot. */
        size_t lt = l, i = l, gt = r;
        yfx ls = 0, es = 0;
        while (i < gt) {
            yfx s = score[i];
            if (s < pivot) {
                ls += stake[i];
                wq_swap(score, stake, lt++, i++);
            } else if (s > pivot) {
                wq_swap(score, stake, i, --gt);
            } else {
                es += stake[i++];
            }
        }
        if (below + ls > m && lt > l) {
            r = lt;
        } else if (below + ls + es > m || gt == r) {
            return pivot;
        } else {
            below += ls + es;
            l = gt;
        }
    }
}

/* ---------------------------------------------------------------------------
 * Top-k: a stable ascending sort is a sort on (value, index), so the uids
 * kept are the k largest keys (value, index). A radix selection finds them
 * without sorting: most significant byte of the value first (sign bit
 * flipped, so that unsigned byte order is value order), one pass counts
 * the candidates per byte; buckets above the one holding the k-th largest
 * key are kept whole, buckets below are cleared, and the search goes on
 * inside that bucket with the candidates in index order. After the last
 * byte the candidates share one value, and the largest indices win. At
 * most eight passes over n, whatever the values.
 * ------------------------------------------------------------------------ */
static unsigned value_byte(yfx v, int byte)
{
    return (unsigned)((((uint64_t)v ^ ((uint64_t)1 << 63)) >> (8 * byte)) & 0xff);
}

static bool topk_clear(const yfx *v, size_t n, size_t k, bool *out)
{
    if (n <= k) return true;
    size_t *cand = malloc(n * sizeof *cand), *next = malloc(n * sizeof *next);
    if (!cand || !next) {
        free(cand);
        free(next);
        return false;
    }
    size_t m = n, need = k; /* keep `need` of the m candidates */
    for (size_t i = 0; i < n; i++) cand[i] = i;
    for (int byte = 7; byte >= 0 && m > need; byte--) {
        size_t cnt[256] = {0}, above = 0;
        for (size_t q = 0; q < m; q++) cnt[value_byte(v[cand[q]], byte)]++;
        unsigned top = 255;
        while (above + cnt[top] < need) above += cnt[top--]; /* need <= m: stops at top >= 0 */
        size_t m2 = 0;
        for (size_t q = 0; q < m; q++) {
            unsigned b = value_byte(v[cand[q]], byte);
            if (b < top) out[cand[q]] = false;
            else if (b == top) next[m2++] = cand[q];
        }
        size_t *t = cand;
        cand = next;
        next = t;
        m = m2;
        need -= above;
    }
    for (size_t q = 0; q + need < m; q++) out[cand[q]] = false; /* one value left: lowest indices go */
    free(cand);
    free(next);
    return true;
}

bool ymath_is_topk_nonzero(const yfx *v, size_t n, size_t k, bool *out)
{
    for (size_t i = 0; i < n; i++) out[i] = v[i] != 0;
    return topk_clear(v, n, k, out);
}

bool ymath_is_topk(const yfx *v, size_t n, size_t k, bool *out)
{
    for (size_t i = 0; i < n; i++) out[i] = true;
    return topk_clear(v, n, k, out);
}

/* ---------------------------------------------------------------------------
 * Max-upscaling to u16 (vec_max_upscale_to_u16). Above 32768 the ratio
 * 65535/max is taken first so that v*65535 cannot saturate.
 * ------------------------------------------------------------------------ */
static uint16_t upscale_one(yfx e, yfx max)
{
    if (max == 0) return yfx_to_u16(yfx_mul(e, YFX_U16_MAX_RAW));
    if (max > ((yfx)32768 << 32))
        return yfx_to_u16(yfx_round(yfx_mul(e, yfx_safe_div(YFX_U16_MAX_RAW, max))));
    return yfx_to_u16(yfx_round(yfx_safe_div(yfx_mul(e, YFX_U16_MAX_RAW), max)));
}

void ymath_vec_max_upscale_to_u16(const yfx *v, size_t n, uint16_t *out)
{
    if (n == 0) return;
    yfx max = v[0];
    for (size_t i = 1; i < n; i++)
        if (v[i] > max) max = v[i];
    for (size_t i = 0; i < n; i++) out[i] = upscale_one(v[i], max);
}

void ymath_vec_u16_max_upscale_to_u16(const uint16_t *v, size_t n, uint16_t *out)
{
    if (n == 0) return;
    uint16_t max = v[0];
    for (size_t i = 1; i < n; i++)
        if (v[i] > max) max = v[i];
    for (size_t i = 0; i < n; i++) out[i] = upscale_one(yfx_from_int(v[i]), yfx_from_int(max));
}

/* check_vec_max_limited: normalise as I32F32 (plain, wrapping sum), then
 * compare the largest share with safe_div(limit, 65535). */
bool ymath_check_vec_max_limited(const uint16_t *v, size_t n, uint16_t limit)
{
    if (n == 0) return true;
    yfx max_limit = yfx_safe_div(yfx_from_int(limit), YFX_U16_MAX_RAW);
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s += (uint64_t)yfx_from_int(v[i]);
    yfx sum = (yfx)s;
    yfx max = YFX_MIN;
    for (size_t i = 0; i < n; i++) {
        yfx x = yfx_from_int(v[i]);
        if (sum != 0) x = yfx_safe_div(x, sum);
        if (x > max) max = x;
    }
    return max <= max_limit;
}

/* ---------------------------------------------------------------------------
 * One row of mat_ema_alpha_sparse. dense[j] holds old_j while the row is
 * processed (the last old entry of a column wins, as in the reference);
 * alpha[k] is A_ij for j = new_col[k], so the decay is taken per new entry.
 * ------------------------------------------------------------------------ */
size_t ymath_ema_alpha_row(const uint16_t *new_col, const yfx *new_val, const yfx *alpha,
                           size_t new_count, const uint16_t *old_col, const yfx *old_val,
                           size_t old_count, yfx *dense, uint16_t *out_col, yfx *out_val)
{
    for (size_t k = 0; k < old_count; k++) dense[old_col[k]] = old_val[k];
    size_t w = 0;
    for (size_t k = 0; k < new_count; k++) {
        uint16_t j = new_col[k];
        yfx a = alpha[k];
        yfx dec = yfx_mul(yfx_sat_sub(YFX_ONE, a), dense[j]);
        yfx inc = yfx_mul(a, new_val[k]);
        if (inc < 0) inc = 0;
        yfx val = yfx_sat_add(dec, inc);
        if (val > YFX_ONE) val = YFX_ONE;
        if (val > 0) {
            out_col[w] = j;
            out_val[w] = val;
            w++;
        }
    }
    for (size_t k = 0; k < old_count; k++) dense[old_col[k]] = 0;
    return w;
}

/* ---------------------------------------------------------------------------
 * exp_safe without 128-bit divisions. y = |x| <= 20 after the clamp, terms
 * are non-negative, so checked_div(term, i * 2^32) is floor(term / i); the
 * steps are unrolled so that each i is a constant the compiler divides by
 * with a multiplication. Overflow checks are kept as the series has them.
 * ------------------------------------------------------------------------ */
#define YFX_E_23BIT ((yfx)22802600 << 9)

#define EXP_STEP(i)                                              \
    do {                                                         \
        yfx_u128 p_ = ((yfx_u128)term * y) >> 32;                \
        if (p_ > (yfx_u128)YFX_MAX) return false;                \
        term = (uint64_t)p_ / (i);                               \
        result += term;                                          \
        if (result > (uint64_t)YFX_MAX) return false;            \
    } while (0)

static bool exp_series_fast(uint64_t y, uint64_t *out)
{
    uint64_t result = y + (uint64_t)YFX_ONE, term = y;
    EXP_STEP(2); EXP_STEP(3); EXP_STEP(4); EXP_STEP(5); EXP_STEP(6); EXP_STEP(7);
    EXP_STEP(8); EXP_STEP(9); EXP_STEP(10); EXP_STEP(11); EXP_STEP(12); EXP_STEP(13);
    EXP_STEP(14); EXP_STEP(15); EXP_STEP(16); EXP_STEP(17); EXP_STEP(18); EXP_STEP(19);
    EXP_STEP(20); EXP_STEP(21); EXP_STEP(22); EXP_STEP(23); EXP_STEP(24); EXP_STEP(25);
    EXP_STEP(26); EXP_STEP(27); EXP_STEP(28); EXP_STEP(29); EXP_STEP(30); EXP_STEP(31);
    *out = result;
    return true;
}

yfx ymath_exp_safe(yfx x)
{
    const yfx limit = 20 * YFX_ONE;
    if (x > limit) x = limit;
    if (x < -limit) x = -limit;
    if (x == 0) return YFX_ONE;
    if (x == YFX_ONE) return YFX_E_23BIT;
    uint64_t r;
    if (!exp_series_fast((uint64_t)(x < 0 ? -x : x), &r)) return x <= 0 ? 0 : YFX_MAX;
    if (x > 0) return (yfx)r;
    yfx q; /* 1 / result: checked_div(ONE, result), r > 2^32 so it fits */
    return yfx_checked_div(YFX_ONE, (yfx)r, &q) ? q : 0;
}

/* ---------------------------------------------------------------------------
 * Liquid alpha (spec 2.9.3): alpha = lo + sigmoid(-(s/100)(d - 1/2))(hi - lo).
 * ------------------------------------------------------------------------ */
static yfx clamp_value(yfx v, yfx lo, yfx hi)
{
    if (v > hi) v = hi;
    if (v < lo) v = lo;
    return v;
}

ymath_liquid_params ymath_liquid_prepare(yfx lo, yfx hi, int16_t steepness)
{
    ymath_liquid_params p = {lo, hi, yfx_sat_div(yfx_from_int(steepness), -100 * YFX_ONE)};
    return p;
}

yfx ymath_liquid_d(yfx w, yfx b, yfx c)
{
    yfx diff_buy = clamp_value(yfx_sat_sub(w, c), 0, YFX_ONE);
    yfx diff_sell = clamp_value(yfx_sat_sub(b, w), 0, YFX_ONE);
    return w >= b ? diff_buy : diff_sell;
}

yfx ymath_liquid_alpha_d(const ymath_liquid_params *p, yfx d)
{
    yfx x = yfx_mul(p->slope, yfx_sat_sub(d, YFX_HALF));
    yfx sig = yfx_sat_div(YFX_ONE, yfx_sat_add(YFX_ONE, ymath_exp_safe(x)));
    yfx alpha = yfx_sat_add(p->lo, yfx_mul(sig, yfx_sat_sub(p->hi, p->lo)));
    return clamp_value(alpha, p->lo, p->hi);
}

yfx ymath_liquid_alpha(yfx w, yfx b, yfx c, yfx lo, yfx hi, int16_t steepness)
{
    ymath_liquid_params p = ymath_liquid_prepare(lo, hi, steepness);
    return ymath_liquid_alpha_d(&p, ymath_liquid_d(w, b, c));
}
