/*
 * test_math.c - unit tests of the epoch's vector helpers (src/consensus/math.c)
 * against the vectors of spec section 5.12 (subtensor's tests/math.rs), the
 * set_weights examples of section 4.1 and the liquid-alpha table of 2.9.3,
 * plus a seeded property test of the weighted median against a naive scan.
 * Floating point appears here only to turn the reference's f32/f64 literals
 * into I32F32 raws (from_num: round to nearest, ties to even).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consensus/math.h"

#define ONE YFX_ONE
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* I32F32::from_num(f64): round(d * 2^32), ties to even. d * 2^32 is exact. */
static yfx f64_raw(double d)
{
    double x = d * 4294967296.0;
    int64_t t = (int64_t)x; /* toward zero */
    double fr = x - (double)t;
    if (fr > 0.5 || (fr == 0.5 && (t & 1))) t++;
    else if (fr < -0.5 || (fr == -0.5 && (t & 1))) t--;
    return t;
}

/* I32F32::from_num(f32) of a Rust f32 literal. */
static yfx f32_raw(float f) { return f64_raw((double)f); }

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

/* ------------------------------------------------------------------------ */
/* weighted median                                                           */
/* ------------------------------------------------------------------------ */

/* Runs the pivot walk and the closed form on the same input, checks that
 * they agree and returns the result. */
static yfx median_both(const yfx *stake, const yfx *score, size_t n, yfx m, yfx lo, yfx hi)
{
    uint32_t *part = xmalloc(n * sizeof *part);
    uint32_t *scratch = xmalloc(2 * n * sizeof *scratch);
    yfx *sc = xmalloc(n * sizeof *sc), *st = xmalloc(n * sizeof *st);
    for (size_t i = 0; i < n; i++) part[i] = (uint32_t)i;
    yfx a = ymath_weighted_median(stake, score, part, n, m, lo, hi, scratch);
    memcpy(sc, score, n * sizeof *sc);
    memcpy(st, stake, n * sizeof *st);
    yfx b = ymath_weighted_quantile(sc, st, n, m);
    assert_int_equal(a, b);
    free(part);
    free(scratch);
    free(sc);
    free(st);
    return a;
}

struct wm_case {
    size_t n;
    float stake[10];
    float score[10];
    bool normalize;
    float expect;
};

static void test_weighted_median_table(void **state)
{
    (void)state;
    static const struct wm_case cases[] = {
        {0, {0}, {0}, false, 0.0f},
        {1, {0.51f}, {1.0f}, true, 1.0f},
        {2, {0.49f, 0.51f}, {0.5f, 1.0f}, false, 1.0f},
        {2, {0.51f, 0.49f}, {0.5f, 1.0f}, false, 0.5f},
        {3, {0.49f, 0.0f, 0.51f}, {0.5f, 0.7f, 1.0f}, false, 1.0f},
        {3, {0.49f, 0.01f, 0.5f}, {0.5f, 0.7f, 1.0f}, false, 0.7f},
        {3, {0.49f, 0.51f, 0.0f}, {0.5f, 0.7f, 1.0f}, false, 0.7f},
        {3, {0.0f, 0.49f, 0.51f}, {0.5f, 0.7f, 1.0f}, false, 1.0f},
        {4, {0.0f, 0.49f, 0.0f, 0.51f}, {0.5f, 0.5f, 1.0f, 1.0f}, false, 1.0f},
        {5, {0.0f, 0.49f, 0.0f, 0.51f, 0.0f}, {0.5f, 0.5f, 1.0f, 1.0f, 0.5f}, false, 1.0f},
        {5, {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, {0.8f, 0.2f, 1.0f, 0.6f, 0.4f}, false, 0.6f},
        {10,
         {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f},
         {0.8f, 0.8f, 0.2f, 0.2f, 1.0f, 1.0f, 0.6f, 0.6f, 0.4f, 0.4f},
         false,
         0.6f},
    };
    const yfx minority = ONE - f32_raw(0.51f);
    /* the note under the table: f32 0.49 and 1 - f32(0.51) share one raw */
    assert_int_equal(f32_raw(0.49f), minority);
    for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
        const struct wm_case *t = &cases[c];
        yfx stake[10], score[10];
        for (size_t i = 0; i < t->n; i++) {
            stake[i] = f32_raw(t->stake[i]);
            score[i] = f32_raw(t->score[i]);
        }
        if (t->normalize) ymath_normalize(stake, t->n);
        yfx hi = 0;
        for (size_t i = 0; i < t->n; i++) hi += stake[i];
        yfx got = median_both(stake, score, t->n, minority, 0, hi);
        assert_int_equal(got, f32_raw(t->expect));
    }
}

/* weighted_median_col(_sparse) of spec 2.6 step 1 on top of the kernels:
 * U = positive stakes normalised, m = sat_sub(sum U, kappa). */
static void median_col(const float *stake_f, size_t rows, const float *w_f, size_t cols,
                       float kappa_f, yfx *out)
{
    yfx *u = xmalloc(rows * sizeof *u);
    size_t *row_of = xmalloc(rows * sizeof *row_of);
    size_t nu = 0;
    for (size_t i = 0; i < rows; i++) {
        yfx s = f32_raw(stake_f[i]);
        if (s > 0) {
            u[nu] = s;
            row_of[nu++] = i;
        }
    }
    ymath_normalize(u, nu);
    yfx sigma = 0;
    for (size_t k = 0; k < nu; k++) sigma += u[k];
    yfx m = yfx_sat_sub(sigma, f32_raw(kappa_f));
    yfx *score = xmalloc(rows * sizeof *score);
    for (size_t j = 0; j < cols; j++) {
        if (nu == 0) {
            out[j] = 0;
            continue;
        }
        for (size_t k = 0; k < nu; k++) score[k] = f32_raw(w_f[row_of[k] * cols + j]);
        out[j] = median_both(u, score, nu, m, 0, sigma);
    }
    free(u);
    free(row_of);
    free(score);
}

static void test_weighted_median_col(void **state)
{
    (void)state;
    yfx out[3];
    const float w1[] = {0.0f, 0.1f, 0.0f, 0.0f, 0.2f, 0.4f, 0.0f, 0.3f, 0.1f, 0.0f, 0.4f, 0.5f};
    const float s1[] = {0.0f, 0.75f, 0.25f, 0.0f};

    median_col(s1, 4, w1, 3, 0.24f, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], f32_raw(0.3f));
    assert_int_equal(out[2], f32_raw(0.4f));

    median_col(s1, 4, w1, 3, 0.26f, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], f32_raw(0.2f));
    assert_int_equal(out[2], f32_raw(0.4f));

    median_col(s1, 4, w1, 3, 0.76f, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], f32_raw(0.2f));
    assert_int_equal(out[2], f32_raw(0.1f));

    const float w2[] = {0.0f, 0.1f, 0.0f, 0.0f, 0.2f, 0.4f, 0.0f, 0.3f, 0.1f, 0.0f, 0.0f, 0.5f};
    const float s2[] = {0.0f, 0.3f, 0.2f, 0.5f};
    median_col(s2, 4, w2, 3, 0.51f, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], f32_raw(0.4f));

    /* all-zero stake: all-zero consensus */
    const float s0[] = {0.0f, 0.0f};
    const float w0[] = {0.0f, 0.0f, 0.0f, 0.0f};
    out[0] = out[1] = 77;
    median_col(s0, 2, w0, 2, 0.5f, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);

    /* empty: nothing computed, the kernels return 0 on empty input */
    median_col(NULL, 0, NULL, 0, 0.5f, out);
    assert_int_equal(ymath_weighted_median(NULL, NULL, NULL, 0, 0, 0, 0, NULL), 0);
    assert_int_equal(ymath_weighted_quantile(NULL, NULL, 0, 0), 0);
}

/* xorshift64*, deterministic */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

/* The closed form of spec 2.6 by brute force: scan distinct scores in
 * ascending order; the first with cum > m, else the largest; 0 if empty. */
static yfx naive_quantile(const yfx *stake, const yfx *score, size_t n, yfx m)
{
    if (n == 0) return 0;
    yfx best = 0;
    bool found = false;
    yfx largest = score[0];
    for (size_t i = 0; i < n; i++) {
        if (score[i] > largest) largest = score[i];
        yfx cum = 0;
        for (size_t k = 0; k < n; k++)
            if (score[k] <= score[i]) cum += stake[k];
        if (cum > m && (!found || score[i] < best)) {
            best = score[i];
            found = true;
        }
    }
    return found ? best : largest;
}

static void test_weighted_median_random(void **state)
{
    (void)state;
    /* majorities of 5.12, as f32 literals */
    const float maj_f[] = {0.0f, 0.0000001f, 0.25f, 0.49f, 0.5f, 0.51f, 0.9999999f, 1.0f};
    yfx stake[100], score[100], ps[100], pc[100];
    size_t checks = 0;
    for (int round = 0; round < 600; round++) {
        size_t n = 1 + rnd_below(100);
        int mode = round % 4;
        yfx last = 0;
        for (size_t i = 0; i < n; i++) {
            switch (mode) {
            case 0: /* the reference test: 0/1 stakes, non-decreasing scores */
                stake[i] = (rnd() & 1) ? ONE : 0;
                if (rnd() & 1) last += ONE;
                score[i] = last;
                break;
            case 1: /* distinct scores, equal stakes */
                stake[i] = ONE;
                score[i] = yfx_from_int((int64_t)i);
                break;
            case 2: /* random stakes (some zero), few distinct scores */
                stake[i] = rnd_below(3) == 0 ? 0 : (yfx)(1 + rnd_below(1000000));
                score[i] = (yfx)rnd_below(1 + n / 4) * (ONE / 8);
                break;
            default: /* weight-like scores with ties, tiny and zero stakes */
                stake[i] = rnd_below(4) == 0 ? 0 : (yfx)(1 + rnd_below(rnd_below(2) ? 5 : ONE));
                score[i] = rnd_below(3) == 0 ? 0 : (yfx)rnd_below(ONE + 1);
                if (i > 0 && rnd_below(4) == 0) score[i] = score[rnd_below(i)];
                break;
            }
        }
        ymath_normalize(stake, n);
        yfx total = 0;
        for (size_t i = 0; i < n; i++) total += stake[i];
        for (size_t k = 0; k < ARRAY_LEN(maj_f); k++) {
            yfx majority = f32_raw(maj_f[k]);
            for (int clamp = 0; clamp < 2; clamp++) {
                yfx m = total - majority;
                if (clamp && m < 0) m = 0; /* the reference test clamps at 0 */
                yfx want = naive_quantile(stake, score, n, m);
                assert_int_equal(median_both(stake, score, n, m, 0, total), want);
                checks++;
                for (int p = 0; p < 3; p++) {
                    memcpy(ps, stake, n * sizeof *ps);
                    memcpy(pc, score, n * sizeof *pc);
                    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
                        size_t j = rnd_below(i);
                        yfx t = ps[i - 1];
                        ps[i - 1] = ps[j];
                        ps[j] = t;
                        t = pc[i - 1];
                        pc[i - 1] = pc[j];
                        pc[j] = t;
                    }
                    assert_int_equal(median_both(ps, pc, n, m, 0, total), want);
                    checks++;
                }
            }
        }
    }
    assert_true(checks > 30000);
}

/* The closed form must stay fast on inputs that break naive quickselect. */
static void test_weighted_quantile_large(void **state)
{
    (void)state;
    const size_t n = 200000;
    yfx *score = xmalloc(n * sizeof *score), *stake = xmalloc(n * sizeof *stake);
    yfx *s2 = xmalloc(n * sizeof *s2), *t2 = xmalloc(n * sizeof *t2);
    for (int shape = 0; shape < 5; shape++) {
        for (size_t i = 0; i < n; i++) {
            stake[i] = 1 + (yfx)(i % 7);
            switch (shape) {
            case 0: score[i] = (yfx)i; break;                          /* sorted */
            case 1: score[i] = (yfx)(n - i); break;                    /* reversed */
            case 2: score[i] = 5; break;                               /* all equal */
            case 3: score[i] = (yfx)(i < n / 2 ? i : n - i); break;    /* organ pipe */
            default: score[i] = (yfx)(i % 2 ? i : n + (i % 1000)); break;
            }
        }
        yfx total = 0;
        for (size_t i = 0; i < n; i++) total += stake[i];
        const yfx ms[] = {-1, 0, total / 3, total / 2, total - 1, total};
        for (size_t k = 0; k < ARRAY_LEN(ms); k++) {
            memcpy(s2, score, n * sizeof *s2);
            memcpy(t2, stake, n * sizeof *t2);
            yfx got = ymath_weighted_quantile(s2, t2, n, ms[k]);
            bool present = false;
            for (size_t i = 0; i < n && !present; i++) present = score[i] == got;
            assert_true(present);
            /* check it against the definition in O(n) with a pass over values */
            yfx cum_le = 0, cum_lt = 0;
            bool has_lt = false;
            for (size_t i = 0; i < n; i++) {
                if (score[i] <= got) cum_le += stake[i];
                if (score[i] < got) {
                    cum_lt += stake[i];
                    has_lt = true;
                }
            }
            if (cum_le > ms[k]) {
                /* got is the smallest v with cum(v) > m: cum of the next
                 * smaller score (if any) is <= m */
                assert_true(!has_lt || cum_lt <= ms[k]);
            } else {
                /* none exceeds m: got must be the largest score */
                for (size_t i = 0; i < n; i++) assert_true(score[i] <= got);
            }
        }
    }
    free(score);
    free(stake);
    free(s2);
    free(t2);
}

/* ------------------------------------------------------------------------ */
/* normalize                                                                 */
/* ------------------------------------------------------------------------ */

static void test_normalize(void **state)
{
    (void)state;
    /* spec 2.2 example: stakes [1,2,3,4] */
    yfx x[] = {ONE, 2 * ONE, 3 * ONE, 4 * ONE};
    ymath_normalize(x, 4);
    assert_int_equal(x[0], 429496729);
    assert_int_equal(x[1], 858993459);
    assert_int_equal(x[2], 1288490188);
    assert_int_equal(x[3], 1717986918);
    /* pitfall 2: the normalised vector sums to raw 4294967294 */
    assert_int_equal(x[0] + x[1] + x[2] + x[3], 4294967294LL);
    /* spec 2.5 example row [16383, 32767, 49149, 65535] */
    yfx w[] = {16383 * ONE, 32767 * ONE, 49149 * ONE, 65535 * ONE};
    ymath_normalize(w, 4);
    assert_int_equal(w[0], 429486243);
    assert_int_equal(w[1], 858998702);
    assert_int_equal(w[2], 1288458730);
    assert_int_equal(w[3], 1718023619);
    /* zero sum: unchanged */
    yfx z[] = {0, 0, 0};
    ymath_normalize(z, 3);
    assert_int_equal(z[0] | z[1] | z[2], 0);
    yfx zs[] = {ONE, -ONE};
    ymath_normalize(zs, 2);
    assert_int_equal(zs[0], ONE);
    assert_int_equal(zs[1], -ONE);
    ymath_normalize(NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* top-k                                                                     */
/* ------------------------------------------------------------------------ */

static void ints_to_fixed(const int *v, size_t n, yfx *out)
{
    for (size_t i = 0; i < n; i++) out[i] = yfx_from_int(v[i]);
}

static void expect_bools(const bool *got, const bool *want, size_t n)
{
    for (size_t i = 0; i < n; i++) assert_int_equal(got[i], want[i]);
}

static void test_is_topk(void **state)
{
    (void)state;
    const int up[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int mixed[] = {9, 0, 8, 1, 7, 2, 6, 3, 5, 4};
    const int ties[] = {0, 1, 2, 3, 4, 5, 5, 5, 5, 6};
    const bool last5[] = {false, false, false, false, false, true, true, true, true, true};
    const bool none[10] = {false};
    const bool all[] = {true, true, true, true, true, true, true, true, true, true};
    const bool alt[] = {true, false, true, false, true, false, true, false, true, false};
    yfx v[10];
    bool r[10];

    ints_to_fixed(up, 10, v);
    assert_true(ymath_is_topk(v, 10, 5, r));
    expect_bools(r, last5, 10);
    assert_true(ymath_is_topk(v, 10, 0, r));
    expect_bools(r, none, 10);
    assert_true(ymath_is_topk(v, 10, 10, r));
    expect_bools(r, all, 10);
    assert_true(ymath_is_topk(v, 10, 100, r));
    expect_bools(r, all, 10);

    ints_to_fixed(mixed, 10, v);
    assert_true(ymath_is_topk(v, 10, 5, r));
    expect_bools(r, alt, 10);

    ints_to_fixed(ties, 10, v);
    assert_true(ymath_is_topk(v, 10, 5, r));
    expect_bools(r, last5, 10);

    assert_true(ymath_is_topk(NULL, 0, 5, r));
    assert_true(ymath_is_topk(NULL, 0, 0, r));

    /* is_topk_nonzero: the same selection, and zero values never selected */
    ints_to_fixed(up, 10, v);
    assert_true(ymath_is_topk_nonzero(v, 10, 5, r));
    expect_bools(r, last5, 10);
    assert_true(ymath_is_topk_nonzero(v, 10, 0, r));
    expect_bools(r, none, 10);
    const bool all_but_zero[] = {false, true, true, true, true, true, true, true, true, true};
    assert_true(ymath_is_topk_nonzero(v, 10, 10, r));
    expect_bools(r, all_but_zero, 10);
    assert_true(ymath_is_topk_nonzero(v, 10, 100, r));
    expect_bools(r, all_but_zero, 10);
    ints_to_fixed(mixed, 10, v);
    assert_true(ymath_is_topk_nonzero(v, 10, 5, r));
    expect_bools(r, alt, 10);
    ints_to_fixed(ties, 10, v);
    assert_true(ymath_is_topk_nonzero(v, 10, 5, r));
    expect_bools(r, last5, 10);

    /* spec 2.3 tie rule: among equal values the lower index loses */
    const int eq[] = {5, 5, 5, 5};
    ints_to_fixed(eq, 4, v);
    assert_true(ymath_is_topk_nonzero(v, 4, 2, r));
    const bool eq_want[] = {false, false, true, true};
    expect_bools(r, eq_want, 4);
    const int eq2[] = {3, 7, 3, 0, 3};
    ints_to_fixed(eq2, 5, v);
    assert_true(ymath_is_topk_nonzero(v, 5, 3, r));
    const bool eq2_want[] = {false, true, true, false, true};
    expect_bools(r, eq2_want, 5);
}

/* n = 65535 with many ties: O(n log n), checked against the definition. */
static void test_is_topk_large(void **state)
{
    (void)state;
    const size_t n = 65535, k = 1000;
    yfx *v = xmalloc(n * sizeof *v);
    bool *r = xmalloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) v[i] = (yfx)rnd_below(500);
    assert_true(ymath_is_topk_nonzero(v, n, k, r));
    /* selected: value > t, or value == t and index among the highest ones */
    size_t cnt[500] = {0};
    for (size_t i = 0; i < n; i++) cnt[v[i]]++;
    size_t above = 0, t = 500;
    while (t > 0 && above + cnt[t - 1] <= k) above += cnt[--t];
    /* values >= t are all in; k - above of value t - 1 (highest indices) */
    size_t need = k - above, seen_t = 0;
    for (size_t i = n; i-- > 0;) {
        bool want;
        if (v[i] >= (yfx)t) want = true;
        else if (t > 0 && v[i] == (yfx)t - 1) want = seen_t++ < need;
        else want = false;
        if (v[i] == 0) want = false;
        assert_int_equal(r[i], want);
    }
    free(v);
    free(r);
}

/* ------------------------------------------------------------------------ */
/* max-upscale, check_vec_max_limited                                        */
/* ------------------------------------------------------------------------ */

static void expect_u16(const uint16_t *got, const uint16_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) assert_int_equal(got[i], want[i]);
}

static void test_vec_max_upscale(void **state)
{
    (void)state;
    uint16_t out[10];
    {
        const yfx v[] = {0, f32_raw(0.000000001f)};
        const uint16_t want[] = {0, 65535};
        ymath_vec_max_upscale_to_u16(v, 2, out);
        expect_u16(out, want, 2);
    }
    {
        const yfx v[] = {0, f32_raw(0.000016f), ONE};
        const uint16_t want[] = {0, 1, 65535};
        ymath_vec_max_upscale_to_u16(v, 3, out);
        expect_u16(out, want, 3);
    }
    {
        const float f[] = {0.000001f, 0.000006f, 0.000007f, 0.0001f, 0.001f,
                           0.01f,     0.1f,      0.2f,      0.3f,    0.4f};
        yfx v[10];
        for (size_t i = 0; i < 10; i++) v[i] = f32_raw(f[i]);
        const uint16_t want[] = {0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535};
        ymath_vec_max_upscale_to_u16(v, 10, out);
        expect_u16(out, want, 10);
    }
    {
        const yfx v[] = {0, YFX_HALF, ONE, ONE + YFX_HALF, 2 * ONE, yfx_from_int(32768),
                         yfx_from_int(32769)};
        const uint16_t want[] = {0, 1, 2, 3, 4, 65533, 65535};
        ymath_vec_max_upscale_to_u16(v, 7, out);
        expect_u16(out, want, 7);
    }
    {
        const yfx v[] = {0, ONE, yfx_from_int(32768), yfx_from_int(32769), YFX_MAX};
        const uint16_t want[] = {0, 0, 1, 1, 65535};
        ymath_vec_max_upscale_to_u16(v, 5, out);
        expect_u16(out, want, 5);
    }
    {
        const yfx v[] = {0, 0};
        out[0] = out[1] = 9;
        ymath_vec_max_upscale_to_u16(v, 2, out);
        assert_int_equal(out[0], 0);
        assert_int_equal(out[1], 0);
        ymath_vec_max_upscale_to_u16(NULL, 0, out);
    }
}

static void test_vec_u16_max_upscale(void **state)
{
    (void)state;
    uint16_t out[7];
    {
        const uint16_t v[] = {0, 1, 65534};
        const uint16_t want[] = {0, 1, 65535};
        ymath_vec_u16_max_upscale_to_u16(v, 3, out);
        expect_u16(out, want, 3);
    }
    {
        const uint16_t v[] = {0, 1, 2, 3, 4, 65533, 65535};
        ymath_vec_u16_max_upscale_to_u16(v, 7, out);
        expect_u16(out, v, 7);
    }
    { /* spec 4.1 */
        const uint16_t v[] = {16383, 32767, 49149, 65535};
        ymath_vec_u16_max_upscale_to_u16(v, 4, out);
        expect_u16(out, v, 4);
    }
    {
        const uint16_t v[] = {100, 200, 300};
        const uint16_t want[] = {21845, 43690, 65535};
        ymath_vec_u16_max_upscale_to_u16(v, 3, out);
        expect_u16(out, want, 3);
    }
    { /* m == 0: unchanged zeros */
        const uint16_t v[] = {0, 0};
        out[0] = out[1] = 5;
        ymath_vec_u16_max_upscale_to_u16(v, 2, out);
        expect_u16(out, v, 2);
        ymath_vec_u16_max_upscale_to_u16(NULL, 0, out);
    }
}

static void test_check_vec_max_limited(void **state)
{
    (void)state;
    const uint16_t one_max[] = {65535};
    assert_false(ymath_check_vec_max_limited(one_max, 1, 65534));
    const uint16_t two[] = {0, 65535, 65535};
    assert_false(ymath_check_vec_max_limited(two, 3, 32767));
    assert_true(ymath_check_vec_max_limited(two, 3, 32768));
    const uint16_t three[] = {0, 65535, 65535, 65535};
    assert_false(ymath_check_vec_max_limited(three, 4, 21844));
    assert_true(ymath_check_vec_max_limited(three, 4, 21845));
    assert_true(ymath_check_vec_max_limited(NULL, 0, 0));
    assert_true(ymath_check_vec_max_limited(NULL, 0, 65535));
}

/* ------------------------------------------------------------------------ */
/* mat_ema_alpha_sparse rows                                                 */
/* ------------------------------------------------------------------------ */

/* A 4x3 matrix given as f32 literals (row-major, every entry non-zero),
 * through ymath_ema_alpha_row with one alpha for every entry. */
static void ema_dense_case(const float *old_f, const float *new_f, yfx alpha, yfx *out)
{
    yfx dense[3] = {0, 0, 0};
    for (size_t i = 0; i < 4; i++) {
        uint16_t col[3] = {0, 1, 2}, out_col[3];
        yfx nv[3], ov[3], al[3] = {alpha, alpha, alpha}, out_val[3];
        for (size_t j = 0; j < 3; j++) {
            nv[j] = f32_raw(new_f[i * 3 + j]);
            ov[j] = f32_raw(old_f[i * 3 + j]);
        }
        size_t w = ymath_ema_alpha_row(col, nv, al, 3, col, ov, 3, dense, out_col, out_val);
        assert_int_equal(w, 3);
        for (size_t j = 0; j < 3; j++) {
            assert_int_equal(out_col[j], j);
            out[i * 3 + j] = out_val[j];
        }
        assert_int_equal(dense[0] | dense[1] | dense[2], 0); /* left zeroed */
    }
}

static void test_ema_alpha(void **state)
{
    (void)state;
    const float old_f[] = {0.1f, 0.2f, 3.0f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f, 0.09f, 0.10f, 0.11f, 0.12f};
    const float new_f[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    /* 5.12 lists the first six; the rest follow the same 0.9 old + 0.1 new, capped at 1 */
    const double want[] = {0.19, 0.38, 1.0, 0.436, 0.545, 0.654, 0.763, 0.872, 0.981, 1.0, 1.0, 1.0};
    const yfx eps = f64_raw(1e-4); /* the reference test's tolerance */
    yfx out[12];
    ema_dense_case(old_f, new_f, f32_raw(0.1f), out);
    for (size_t k = 0; k < 12; k++) {
        yfx d = out[k] - f64_raw(want[k]);
        assert_true(d <= eps && d >= -eps);
        assert_true(out[k] <= ONE);
    }
    assert_int_equal(out[2], ONE); /* capped */
    assert_int_equal(out[9], ONE);

    /* alpha = 0: the old values (capped at 1), exactly */
    ema_dense_case(old_f, new_f, 0, out);
    for (size_t k = 0; k < 12; k++) {
        yfx o = f32_raw(old_f[k]);
        assert_int_equal(out[k], o > ONE ? ONE : o);
    }
    /* alpha = 1: the new values (capped at 1), exactly */
    const float new_small[] = {0.1f, 0.2f, 3.0f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f, 0.09f, 0.10f, 0.11f, 0.12f};
    ema_dense_case(old_f, new_small, ONE, out);
    for (size_t k = 0; k < 12; k++) {
        yfx nv = f32_raw(new_small[k]);
        assert_int_equal(out[k], nv > ONE ? ONE : nv);
    }

    /* deletion: old has only (0,0) = 1, new only (1,1) = 2, alpha 0.1 */
    yfx dense[2] = {0, 0};
    uint16_t out_col[2];
    yfx out_val[2];
    const uint16_t c0 = 0, c1 = 1;
    const yfx one = ONE, two = 2 * ONE, a = f32_raw(0.1f);
    /* row 0: old (0, 1), no new entries -> empty row */
    size_t w = ymath_ema_alpha_row(NULL, NULL, NULL, 0, &c0, &one, 1, dense, out_col, out_val);
    assert_int_equal(w, 0);
    assert_int_equal(dense[0] | dense[1], 0);
    /* row 1: new (1, 2), no old -> (1, 0.2) */
    w = ymath_ema_alpha_row(&c1, &two, &a, 1, NULL, NULL, 0, dense, out_col, out_val);
    assert_int_equal(w, 1);
    assert_int_equal(out_col[0], 1);
    yfx d = out_val[0] - f64_raw(0.2);
    assert_true(d <= eps && d >= -eps);

    /* an explicit zero weight decays the old bond; a zero result is dropped */
    const uint16_t cols[] = {0, 1};
    const yfx nvals[] = {0, 0}, alphas[] = {a, ONE}, ovals[] = {ONE, ONE};
    w = ymath_ema_alpha_row(cols, nvals, alphas, 2, cols, ovals, 2, dense, out_col, out_val);
    assert_int_equal(w, 1);
    assert_int_equal(out_col[0], 0);
    assert_int_equal(out_val[0], yfx_mul(ONE - a, ONE));
    assert_int_equal(dense[0] | dense[1], 0);
}

/* ------------------------------------------------------------------------ */
/* liquid alpha (spec 2.9.3 table)                                           */
/* ------------------------------------------------------------------------ */

static void test_liquid_alpha(void **state)
{
    (void)state;
    const yfx lo = 3006509875LL, hi = 3865503334LL;
    assert_int_equal(yfx_from_u16_proportion(45875), lo);
    assert_int_equal(yfx_from_u16_proportion(58982), hi);
    assert_int_equal(f64_raw(0.3), 1288490189);
    assert_int_equal(f64_raw(0.4), 1717986918);
    assert_int_equal(f64_raw(0.1), 429496730);
    /* columns: c, w, b, alpha raw */
    const struct {
        double c, w, b;
        yfx alpha;
    } rows[] = {
        {0, 0, 0, 3012258989LL},
        {0.5, 1, 0, 3436006604LL},
        {0, 1, 0, 3859754218LL},
        {0, 0, 1, 3859754218LL},
        {0.3, 0.4, 0.1, 3021959911LL},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        yfx got = ymath_liquid_alpha(f64_raw(rows[i].w), f64_raw(rows[i].b), f64_raw(rows[i].c),
                                     lo, hi, 1000);
        assert_int_equal(got, rows[i].alpha);
    }
    /* clamped into [lo, hi] for any steepness */
    const int16_t steep[] = {-32768, -1000, 0, 1, 32767};
    for (size_t i = 0; i < ARRAY_LEN(steep); i++)
        for (size_t k = 0; k < ARRAY_LEN(rows); k++) {
            yfx got = ymath_liquid_alpha(f64_raw(rows[k].w), f64_raw(rows[k].b),
                                         f64_raw(rows[k].c), lo, hi, steep[i]);
            assert_true(got >= lo && got <= hi);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_weighted_median_table),
        cmocka_unit_test(test_weighted_median_col),
        cmocka_unit_test(test_weighted_median_random),
        cmocka_unit_test(test_weighted_quantile_large),
        cmocka_unit_test(test_is_topk),
        cmocka_unit_test(test_is_topk_large),
        cmocka_unit_test(test_vec_max_upscale),
        cmocka_unit_test(test_vec_u16_max_upscale),
        cmocka_unit_test(test_check_vec_max_limited),
        cmocka_unit_test(test_ema_alpha),
        cmocka_unit_test(test_liquid_alpha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
