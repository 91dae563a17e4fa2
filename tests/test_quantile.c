/*
 * test_quantile.c - the epoch's bucketed consensus kernel (yq_column)
 * against the closed form (ymath_weighted_quantile, itself checked against
 * the reference's pivot algorithm in test_math.c) on random columns: long
 * and short lists, ties, voters scoring 0, and m below zero (kappa above
 * the voters' total stake), the case the fuzzer found reading before the
 * start of an empty bucket's list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/math.h"
#include "consensus/quantile.h"

static uint64_t state = 12345;
static uint64_t rnd(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 17;
}

static void test_against_closed_form(void **st)
{
    (void)st;
    enum { MAXV = 600 };
    yfx *stake = malloc(MAXV * sizeof(yfx)), *score = malloc(MAXV * sizeof(yfx)), *wstake = malloc(MAXV * sizeof(yfx));
    uint64_t *key = malloc(MAXV * sizeof(uint64_t)), *tmp = malloc(MAXV * sizeof(uint64_t));
    yfx *hist = calloc(YQ_MAX_BUCKETS + 16, sizeof(yfx));
    for (int round = 0; round < 4000; round++) {
        size_t voters = 1 + rnd() % MAXV;
        yfx sigma = 0;
        for (size_t v = 0; v < voters; v++) {
            stake[v] = 1 + (yfx)(rnd() % ((uint64_t)1 << 24));
            sigma += stake[v];
        }
        /* m from far below zero to above sigma */
        int64_t kind = (int64_t)(rnd() % 4);
        yfx m = kind == 0 ? -(yfx)(rnd() % 1000) - 1 : kind == 1 ? sigma - (yfx)(rnd() % (uint64_t)sigma)
                : kind == 2 ? (yfx)(rnd() % (uint64_t)sigma) : sigma + (yfx)(rnd() % 100);
        size_t count = 0;
        uint32_t max1 = 0;
        uint64_t range = 1 + rnd() % ((uint64_t)1 << 32);
        for (size_t v = 0; v < voters; v++) {
            if (rnd() % 5 == 0) continue; /* scores 0: absent from the list */
            uint64_t sc = 1 + rnd() % range;
            if (rnd() % 4 == 0) sc = 1 + (range / 2); /* ties */
            key[count++] = YQ_KEY(sc, v);
            if (sc - 1 > max1) max1 = (uint32_t)(sc - 1);
        }
        yq_voters vs = {.stake = stake, .voters = voters, .sigma = sigma, .m = m};
        yq_scratch sc = {.hist = hist, .tmp = tmp};
        yfx got = yq_column(key, count, max1, &vs, &sc);
        /* the closed form over every voter, zeros included */
        size_t listed = 0;
        for (size_t v = 0; v < voters; v++) {
            yfx s = 0;
            for (size_t k = 0; k < count; k++)
                if ((key[k] & 0xffff) == v) s = (yfx)(key[k] >> 16) + 1;
            score[listed] = s;
            wstake[listed++] = stake[v];
        }
        yfx want = count == 0 ? 0 : ymath_weighted_quantile(score, wstake, listed, m);
        if (got != want) {
            print_error("round %d: voters %zu listed %zu m %lld: got %lld want %lld\n", round, voters, count,
                        (long long)m, (long long)got, (long long)want);
            fail();
        }
    }
    free(stake);
    free(score);
    free(wstake);
    free(key);
    free(tmp);
    free(hist);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_against_closed_form)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
