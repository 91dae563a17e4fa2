/*
 * test_trainsim.c - the training-subnet simulation as a whole
 * (include/yuma/trainsim.h, training-subnet.md §7.2, §7.7, §7.8):
 * determinism (the same seed gives the same model hash, scores and
 * emissions twice, and on 1 or 2 threads; another seed does not), the
 * baselines (the centralized run of one miner is the single miner bit for
 * bit; dense averaging of one miner follows it to rounding), emissions
 * (the chain's epoch pays what it should, to the rao but for fixed-point
 * rounding, only to weighted miners and the validators), and two validators with different secrets staying in sync.
 * Runs on a small synthetic corpus, so it needs no data file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainsim_fixture.h"
#include "yuma/trainsim.h"

static yuma_corpus corpus;

typedef struct {
    uint64_t windows;
    uint8_t hash[16][32];
    double heldout[16];
    yuma_trainsim_miner_report m[16][8];
    size_t miners;
    uint64_t val_emission[16][4];
    uint32_t epochs[16], nodes[16], in_sync[16];
} record;

static void run(yuma_trainsim_config *c, record *r)
{
    trainsim_run fx;
    yuma_trainsim *s = trainsim_run_start(&fx, "/tmp/test-trainsim-XXXXXX", c);
    char err[512];
    memset(r, 0, sizeof *r);
    r->windows = c->windows;
    for (uint64_t w = 0; w < c->windows; w++) {
        const yuma_trainsim_window_report *rep;
        if (!yuma_trainsim_step(s, &rep, err, sizeof err)) fail_msg("window %llu: %s", (unsigned long long)w, err);
        memcpy(r->hash[w], rep->model_hash, 32);
        r->heldout[w] = rep->heldout;
        r->miners = rep->miner_count;
        if (rep->miner_count) memcpy(r->m[w], rep->m, rep->miner_count * sizeof *rep->m);
        for (uint32_t j = 0; rep->validator_emission && j < c->validators; j++)
            r->val_emission[w][j] = rep->validator_emission[j];
        r->epochs[w] = rep->epochs;
        r->nodes[w] = rep->nodes;
        r->in_sync[w] = rep->nodes_in_sync;
    }
    trainsim_run_end(&fx);
}

static yuma_trainsim_config small(uint64_t seed)
{
    yuma_trainsim_config c;
    assert_true(yuma_trainsim_defaults("T0", &c));
    c.corpus = &corpus;
    c.seed = seed;
    c.windows = 6;
    c.inner_steps = 2;
    c.heldout_windows = 16;
    c.gauntlet.binary_alpha = 0.5; /* scores move within a few windows */
    c.gauntlet.binary_threshold = 0.0;
    c.miners = 5;
    c.n_adversaries = 2;
    c.adversaries[0] = (yuma_adversary){YUMA_MINER_NOISE, 3, 0, UINT64_MAX, 0};
    c.adversaries[1] = (yuma_adversary){YUMA_MINER_COPIER, 4, 0, UINT64_MAX, 0};
    c.proto.checkpoint_every = 3;
    return c;
}

/* The same bytes of everything a report says. */
static void assert_same(const record *a, const record *b)
{
    assert_int_equal(a->windows, b->windows);
    for (uint64_t w = 0; w < a->windows; w++) {
        assert_memory_equal(a->hash[w], b->hash[w], 32);
        assert_memory_equal(&a->heldout[w], &b->heldout[w], sizeof(double));
        for (size_t u = 0; u < a->miners; u++) {
            const yuma_trainsim_miner_report *x = &a->m[w][u], *y = &b->m[w][u];
            assert_memory_equal(&x->g, &y->g, sizeof x->g);
            assert_memory_equal(&x->B, &y->B, sizeof x->B);
            assert_memory_equal(&x->F, &y->F, sizeof x->F);
            assert_memory_equal(&x->weight, &y->weight, sizeof x->weight);
            assert_int_equal(x->emission, y->emission);
            assert_int_equal(x->upload_bytes, y->upload_bytes);
        }
        assert_memory_equal(a->val_emission[w], b->val_emission[w], sizeof a->val_emission[w]);
    }
}

static void test_determinism(void **state)
{
    (void)state;
    static record a, b, t2, other;
    yuma_trainsim_config c = small(11);
    run(&c, &a);
    c = small(11);
    run(&c, &b);
    assert_same(&a, &b);
    c = small(11);
    c.threads = 2; /* the kernels split work by fixed ranges: the same bits */
    run(&c, &t2);
    assert_same(&a, &t2);
    c = small(12);
    run(&c, &other);
    assert_memory_not_equal(a.hash[c.windows - 1], other.hash[c.windows - 1], 32);
    /* the run trained: the held-out loss fell from about ln 256 */
    assert_true(a.heldout[0] < log(256.0));
    assert_true(a.heldout[c.windows - 1] < a.heldout[0]);
    /* every node that applies the aggregate holds the lead's model */
    for (uint64_t w = 0; w < c.windows; w++) assert_int_equal(a.in_sync[w], a.nodes[w]);
}

/* Emissions: each epoch distributes tempo * emission_per_block rao; miners
 * without a weight get nothing. */
static void test_emissions(void **state)
{
    (void)state;
    static record r;
    yuma_trainsim_config c = small(5);
    c.validators = 2;
    run(&c, &r);
    uint64_t w = c.windows - 1;
    /* the chain is at block start(6) + put + 1 = 63: epochs at 20, 40 and 60 */
    assert_int_equal(r.epochs[w], 3);
    uint64_t due = 3ull * c.tempo * c.emission_per_block, paid = 0;
    for (size_t u = 0; u < r.miners; u++) paid += r.m[w][u].emission;
    for (uint32_t j = 0; j < c.validators; j++) {
        assert_true(r.val_emission[w][j] > 0); /* both validators earn dividends */
        paid += r.val_emission[w][j];
    }
    /* the epoch normalises in 32-bit-fraction fixed point: a relative
     * rounding of a few 2^-32 per step, never more than it was given */
    if (!(paid <= due && (double)(due - paid) < 1e-9 * (double)due))
        fail_msg("paid %llu rao, due %llu", (unsigned long long)paid, (unsigned long long)due);
    assert_int_equal(r.m[w][3].emission, 0); /* the noise miner never had a weight */
    uint64_t honest = r.m[w][0].emission + r.m[w][1].emission + r.m[w][2].emission;
    assert_true(honest > 0);
    for (size_t u = 0; u < r.miners; u++) /* no weight ever, no emission */
        if (r.m[w][u].emission > 0) {
            bool weighted = false;
            for (uint64_t k = 0; k <= w; k++) weighted = weighted || r.m[k][u].weight > 0;
            assert_true(weighted);
        }
    /* the two validators (different secrets, different random data) hold the same model */
    for (uint64_t k = 0; k < c.windows; k++) assert_int_equal(r.in_sync[k], r.nodes[k]);
}

static void test_baselines(void **state)
{
    (void)state;
    static record single, central, dense;
    yuma_trainsim_config c;
    assert_true(yuma_trainsim_defaults("T0", &c));
    c.corpus = &corpus;
    c.windows = 4;
    c.heldout_windows = 16;
    c.miners = 1;
    c.mode = YUMA_SIM_SINGLE;
    run(&c, &single);
    /* one model on the union of one miner's pools with batch 1 x B is the
     * single miner (AdamW state kept, the same schedule): the same bits */
    c.mode = YUMA_SIM_CENTRAL;
    run(&c, &central);
    for (uint64_t w = 0; w < c.windows; w++) assert_memory_equal(single.hash[w], central.hash[w], 32);
    /* dense averaging of one miner steps by theta_start - theta_end: the
     * single miner's model up to the rounding of that subtraction */
    c.mode = YUMA_SIM_DENSE;
    run(&c, &dense);
    for (uint64_t w = 0; w < c.windows; w++) assert_true(fabs(dense.heldout[w] - single.heldout[w]) < 1e-3);
    assert_true(single.heldout[c.windows - 1] < single.heldout[0]);
    assert_int_equal(single.miners, 0); /* the baselines have no scores */
}

int main(void)
{
    char err[128];
    if (!trainsim_synthetic_corpus(&corpus, err, sizeof err)) {
        fprintf(stderr, "synthetic corpus: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_emissions),
        cmocka_unit_test(test_baselines),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    yuma_corpus_free(&corpus);
    return rc;
}
