/*
 * test_divide.c - the epoch's exact fast kernels against their plain
 * definitions: the reciprocal division of divide.h against 128-bit
 * division (random and edge numerators and divisors, both estimate forms),
 * the column quantile of quantile.c against ymath_weighted_quantile, the
 * division-free exp_safe against yfx_exp_safe, and the two-step liquid
 * alpha against ymath_liquid_alpha. Seeded, so failures reproduce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consensus/divide.h"
#include "consensus/math.h"
#include "consensus/quantile.h"

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(rng *r, uint64_t b) { return b ? next(r) % b : 0; }

/* A value of random bit length in [1, 2^bits). */
static uint64_t random_bits(rng *r, unsigned bits)
{
    unsigned len = 1 + (unsigned)below(r, bits);
    uint64_t v = next(r) >> (64 - len);
    return v ? v : 1;
}

static void check_div(uint64_t a, uint64_t d)
{
    ydiv r = ydiv_make(d);
    uint64_t want = (uint64_t)(((yfx_u128)a << 32) / d);
    uint64_t got = ydiv_q(a, &r);
    if (got != want) fail_msg("ydiv(%llu, %llu) = %llu, want %llu", (unsigned long long)a,
                              (unsigned long long)d, (unsigned long long)got, (unsigned long long)want);
}

/* Numerators that stress the estimate: 0, 1, d, d - 1, and the neighbours
 * of every multiple of d / 2^32 that is close to an integer quotient. */
static void check_div_edges(uint64_t d)
{
    check_div(0, d);
    check_div(d, d);
    if (d > 1) {
        check_div(1, d);
        check_div(d - 1, d);
        check_div(d / 2, d);
        check_div(d / 2 + 1, d);
    }
}

static void test_divide_edges(void **state)
{
    (void)state;
    for (unsigned len = 1; len <= 63; len++) {
        uint64_t lo = (uint64_t)1 << (len - 1), hi = ((uint64_t)1 << len) - 1;
        check_div_edges(lo);      /* powers of two: e = 1 in the narrow form */
        check_div_edges(hi);
        check_div_edges(lo + 1);
        if (hi > 2) check_div_edges(hi - 1);
    }
    const uint64_t special[] = {1, 2, 3, 65535, 65536, 4294967295ull, 4294967296ull, 4294967297ull,
                                (uint64_t)INT64_MAX, (uint64_t)INT64_MAX - 1, 6700417, 641,
                                1000000, 2147483647, 2147483648ull, 2147483649ull};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) check_div_edges(special[k]);
}

static void test_divide_random(void **state)
{
    (void)state;
    rng r = {1};
    for (int t = 0; t < 200000; t++) {
        uint64_t d = random_bits(&r, 63);
        check_div(below(&r, d + 1), d);
        check_div(d - below(&r, d < 1000 ? d : 1000), d);
        /* numerators that make a * 2^32 / d land just below an integer */
        uint64_t q = below(&r, (uint64_t)1 << 32);
        yfx_u128 n = (yfx_u128)q * d;
        uint64_t a = (uint64_t)(n >> 32);
        if (a <= d) check_div(a, d);
        if (a + 1 <= d) check_div(a + 1, d);
    }
    /* the epoch's shapes: u16 weights over row sums, shares over sums */
    for (int t = 0; t < 200000; t++) {
        uint64_t s = 1 + below(&r, ((uint64_t)1 << 31) - 1);
        check_div(below(&r, (s < 65536 ? s : 65535) + 1), s);
        uint64_t cs = 1 + below(&r, (uint64_t)1 << (33 + below(&r, 20)));
        check_div(below(&r, cs + 1), cs);
    }
}

/* ---- quantile.c against the closed form ---- */

static yfx column_reference(const yfx *score, const yfx *stake, size_t cnt, size_t voters, yfx sigma,
                            yfx m)
{
    if (cnt == 0) return 0;
    yfx listed = 0;
    for (size_t k = 0; k < cnt; k++) listed += stake[k];
    yfx zero_mass = sigma - listed;
    bool has_zero = cnt < voters;
    if (has_zero && zero_mass > m) return 0;
    yfx rest = has_zero ? m - zero_mass : m;
    yfx *sc = malloc(cnt * sizeof *sc), *st = malloc(cnt * sizeof *st);
    assert_non_null(sc);
    assert_non_null(st);
    memcpy(sc, score, cnt * sizeof *sc);
    memcpy(st, stake, cnt * sizeof *st);
    yfx v = ymath_weighted_quantile(sc, st, cnt, rest);
    free(sc);
    free(st);
    return v;
}

static yfx random_score(rng *r, int mode)
{
    switch (mode) {
    case 0: return 1 + (yfx)below(r, (uint64_t)1 << 32);            /* spread over (0, 1] */
    case 1: return 1 + (yfx)below(r, 5) * 1000;                      /* heavy ties */
    case 2: return 1 + (yfx)below(r, 1u << 21);                      /* bench-like */
    case 3: return (yfx)1 << 32;                                     /* all at the top */
    default: return below(r, 2) ? 1 : 1 + (yfx)below(r, (uint64_t)1 << 32);
    }
}

static void test_quantile_random(void **state)
{
    (void)state;
    rng r = {7};
    const size_t maxv = 3000;
    yfx *stake = malloc(maxv * sizeof *stake), *score = malloc(maxv * sizeof *score);
    yfx *lstake = malloc(maxv * sizeof *lstake);
    uint64_t *key = malloc(maxv * sizeof *key), *tmp = malloc(maxv * sizeof *tmp);
    yfx hist[YQ_MAX_BUCKETS];
    assert_true(stake && score && lstake && key && tmp);
    for (int t = 0; t < 20000; t++) {
        size_t voters = 1 + (size_t)below(&r, t % 10 == 0 ? maxv : 300);
        yfx sigma = 0;
        for (size_t v = 0; v < voters; v++) {
            stake[v] = below(&r, 5) == 0 ? 1 : 1 + (yfx)below(&r, ((uint64_t)1 << 33) / voters);
            sigma += stake[v];
        }
        size_t cnt = 0;
        uint64_t max1 = 0;
        int mode = (int)below(&r, 5);
        for (size_t v = 0; v < voters; v++) {
            if (below(&r, 4) == 0) continue; /* scores 0 */
            score[cnt] = random_score(&r, mode);
            lstake[cnt] = stake[v];
            key[cnt] = YQ_KEY(score[cnt], v);
            if ((uint64_t)score[cnt] - 1 > max1) max1 = (uint64_t)score[cnt] - 1;
            cnt++;
        }
        yfx kappa = below(&r, 3) ? 2147450879 : (yfx)below(&r, ((uint64_t)1 << 32) + 1);
        yfx m = yfx_sat_sub(sigma, kappa);
        if (cnt > 0 && below(&r, 3) == 0) {
            /* m exactly on a cumulative sum: reaching m must not select */
            yfx pivot = score[below(&r, cnt)], cum = sigma;
            for (size_t k = 0; k < cnt; k++)
                if (score[k] > pivot) cum -= lstake[k];
            m = cum;
        }
        yq_voters vs = {stake, voters, sigma, m};
        yq_scratch s = {hist, tmp};
        uint64_t bound = below(&r, 2) ? max1 : 0xffffffffu; /* a tight or a loose bound */
        yfx got = yq_column(key, cnt, (uint32_t)bound, &vs, &s);
        yfx want = column_reference(score, lstake, cnt, voters, sigma, m);
        if (got != want) fail_msg("case %d: quantile %lld, want %lld", t, (long long)got, (long long)want);
    }
    free(stake);
    free(score);
    free(lstake);
    free(key);
    free(tmp);
}

/* ---- exp_safe and liquid alpha ---- */

static void check_exp(yfx x)
{
    yfx want = yfx_exp_safe(x), got = ymath_exp_safe(x);
    if (got != want) fail_msg("exp(%lld) = %lld, want %lld", (long long)x, (long long)got, (long long)want);
}

static void test_exp_matches(void **state)
{
    (void)state;
    const yfx special[] = {0, 1, -1, YFX_ONE, -YFX_ONE, YFX_HALF, -YFX_HALF, 20 * YFX_ONE, -20 * YFX_ONE,
                           20 * YFX_ONE + 1, -20 * YFX_ONE - 1, 5 * YFX_ONE, -5 * YFX_ONE, YFX_MAX, YFX_MIN,
                           YFX_ONE + 1, YFX_ONE - 1};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) check_exp(special[k]);
    rng r = {3};
    for (int t = 0; t < 20000; t++) {
        check_exp((yfx)below(&r, 42 * (uint64_t)YFX_ONE) - 21 * YFX_ONE);
        check_exp((yfx)next(&r));
    }
}

static yfx clamp_ref(yfx v, yfx lo, yfx hi)
{
    if (v > hi) v = hi;
    if (v < lo) v = lo;
    return v;
}

/* The original one-step liquid alpha (spec 2.9.3) on yfx_exp_safe. */
static yfx liquid_reference(yfx w, yfx b, yfx c, yfx lo, yfx hi, int16_t steepness)
{
    yfx diff_buy = clamp_ref(yfx_sat_sub(w, c), 0, YFX_ONE);
    yfx diff_sell = clamp_ref(yfx_sat_sub(b, w), 0, YFX_ONE);
    yfx d = w >= b ? diff_buy : diff_sell;
    yfx s = yfx_sat_div(yfx_from_int(steepness), -100 * YFX_ONE);
    yfx x = yfx_mul(s, yfx_sat_sub(d, YFX_HALF));
    yfx sig = yfx_sat_div(YFX_ONE, yfx_sat_add(YFX_ONE, yfx_exp_safe(x)));
    return clamp_ref(yfx_sat_add(lo, yfx_mul(sig, yfx_sat_sub(hi, lo))), lo, hi);
}

static void test_liquid_split(void **state)
{
    (void)state;
    rng r = {5};
    for (int t = 0; t < 20000; t++) {
        yfx w = (yfx)below(&r, (uint64_t)YFX_ONE + 1), b = (yfx)below(&r, (uint64_t)YFX_ONE + 1);
        yfx c = (yfx)below(&r, (uint64_t)YFX_ONE + 1);
        if (below(&r, 4) == 0) b = w;
        yfx lo = yfx_from_u16_proportion((uint16_t)next(&r)), hi = yfx_from_u16_proportion((uint16_t)next(&r));
        int16_t st = below(&r, 2) ? 1000 : (int16_t)next(&r);
        ymath_liquid_params p = ymath_liquid_prepare(lo, hi, st);
        yfx want = liquid_reference(w, b, c, lo, hi, st);
        assert_int_equal(ymath_liquid_alpha_d(&p, ymath_liquid_d(w, b, c)), want);
        assert_int_equal(ymath_liquid_alpha(w, b, c, lo, hi, st), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_divide_edges),
        cmocka_unit_test(test_divide_random),
        cmocka_unit_test(test_quantile_random),
        cmocka_unit_test(test_exp_matches),
        cmocka_unit_test(test_liquid_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
