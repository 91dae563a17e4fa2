/*
 * test_aggregate.c - aggregation and the outer step (include/yuma/
 * aggregate.h; training-subnet spec §3.6, §4.2 step 6.4, §7.5, §7.8):
 * median-norm clipping with the lower middle of an even count,
 * scatter-mean over contributors against hand-computed coordinates, the
 * paper's 1/R mean, the validator's trial step, the dense averaging
 * baseline, bit-identical results whatever order the peers come in, and
 * every error path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/aggregate.h"
#include "yuma/update.h"

/* A 64x64 matrix (one tile) and a 64-gain, two values kept per tile. */
static const yuma_tensor_desc TWO[2] = {{1, 2, {64, 64}, 0}, {2, 1, {64, 0}, 4096}};
static const yuma_tensor_list TWO_LIST = {TWO, 2, 4160};

/* An FP32 update with the given kept values: matrix (i0, v0), (i1, v1),
 * gain entries 0 and 1 = (1, 0). */
static void peer(yuma_sparse_update *u, uint16_t uid, uint16_t i0, float v0, uint16_t i1, float v1)
{
    assert_int_equal(yuma_sparse_update_alloc(&TWO_LIST, 64, 2, YUMA_VALUES_FP32, u), YUMA_COMPRESS_OK);
    u->uid = uid;
    u->t[0].idx[0] = i0, u->t[0].val[0] = v0;
    u->t[0].idx[1] = i1, u->t[0].val[1] = v1;
    u->t[1].idx[0] = 0, u->t[1].val[0] = 1.0f;
    u->t[1].idx[1] = 1, u->t[1].val[1] = 0.0f;
}

static void test_median(void **state)
{
    (void)state;
    double odd[3] = {3, 1, 2}, even[4] = {4, 1, 3, 2}, one[1] = {5};
    assert_true(yuma_median_lower(odd, 3) == 2);
    assert_true(yuma_median_lower(even, 4) == 2); /* lower middle, as torch.median */
    assert_true(yuma_median_lower(one, 1) == 5);
}

/*
 * Three peers, given out of uid order. Matrix norms: uid 3 {3,4} -> 5,
 * uid 5 {6,8} -> 10, uid 7 {0.6,0.8} -> 1; median 5, so uid 5 is scaled
 * by 5/10 and the others not (uid 3 by 5/(5+1e-8)). Coordinates:
 *   0: uid 3 (3) and uid 7 (0.6): mean over contributors 1.8, over peers 1.2
 *   1: uid 3 (4) and uid 5 (6*0.5 = 3): 3.5 and 7/3
 *   2: uid 5 (8*0.5 = 4) alone: 4 and 4/3
 *   3: uid 7 (0.8) alone: 0.8 and 0.8/3
 * The gain: every peer sends (1, 0) with norm 1 = the median: 1/(1+1e-8).
 */
static void test_scatter_mean(void **state)
{
    (void)state;
    yuma_sparse_update a, b, c;
    peer(&a, 7, 0, 0.6f, 3, 0.8f);
    peer(&b, 3, 0, 3.0f, 1, 4.0f);
    peer(&c, 5, 1, 6.0f, 2, 8.0f);
    const yuma_sparse_update *peers[3] = {&a, &b, &c};
    double norms[2];
    assert_int_equal(yuma_clip_norms(peers, 3, &TWO_LIST, norms), YUMA_AGG_OK);
    assert_float_equal(norms[0], 5.0, 1e-6);
    assert_float_equal(norms[1], 1.0, 1e-12);
    float *agg = malloc(4160 * sizeof *agg), *theta = malloc(4160 * sizeof *theta);
    size_t skipped = 99;
    assert_int_equal(yuma_aggregate(peers, 3, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, &skipped), YUMA_AGG_OK);
    assert_int_equal(skipped, 0);
    const double want[4] = {1.8, 3.5, 4.0, 0.8};
    for (int i = 0; i < 4; i++) assert_float_equal(agg[i], want[i], 1e-6);
    for (int i = 4; i < 4096; i++) assert_true(agg[i] == 0.0f);
    assert_float_equal(agg[4096], 1.0, 1e-7);
    assert_true(agg[4097] == 0.0f);
    assert_int_equal(yuma_aggregate(peers, 3, &TWO_LIST, YUMA_AGG_MEAN_OVER_PEERS, agg, NULL), YUMA_AGG_OK);
    const double want_r[4] = {1.2, 7.0 / 3, 4.0 / 3, 0.8 / 3};
    for (int i = 0; i < 4; i++) assert_float_equal(agg[i], want_r[i], 1e-6);
    /* the outer step: theta -= 1.0 * agg */
    assert_int_equal(yuma_aggregate(peers, 3, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL), YUMA_AGG_OK);
    for (int i = 0; i < 4160; i++) theta[i] = 10.0f;
    assert_int_equal(yuma_outer_step(theta, agg, &TWO_LIST, 1.0f), YUMA_AGG_OK);
    assert_float_equal(theta[0], 8.2, 1e-5);
    assert_float_equal(theta[1], 6.5, 1e-5);
    assert_float_equal(theta[2], 6.0, 1e-5);
    assert_float_equal(theta[3], 9.2, 1e-5);
    assert_true(theta[4] == 10.0f);
    assert_float_equal(theta[4096], 9.0, 1e-6);
    /* any order of the same peers gives the same bits */
    const yuma_sparse_update *again[3] = {&c, &a, &b};
    float *agg2 = malloc(4160 * sizeof *agg2);
    assert_int_equal(yuma_aggregate(again, 3, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg2, NULL), YUMA_AGG_OK);
    assert_memory_equal(agg, agg2, 4160 * sizeof *agg);
    free(agg), free(agg2), free(theta);
    yuma_sparse_update_free(&a), yuma_sparse_update_free(&b), yuma_sparse_update_free(&c);
}

/* Four peers with matrix norms 5, 10, 1, 20: the clip norm is the lower
 * middle 5 (not 7.5), so uid 9's {12, 16} becomes {3, 4}. */
static void test_even_median_clip(void **state)
{
    (void)state;
    yuma_sparse_update a, b, c, d;
    peer(&a, 7, 0, 0.6f, 3, 0.8f);
    peer(&b, 3, 0, 3.0f, 1, 4.0f);
    peer(&c, 5, 1, 6.0f, 2, 8.0f);
    peer(&d, 9, 5, 12.0f, 6, 16.0f);
    const yuma_sparse_update *peers[4] = {&a, &b, &c, &d};
    double norms[2];
    assert_int_equal(yuma_clip_norms(peers, 4, &TWO_LIST, norms), YUMA_AGG_OK);
    assert_float_equal(norms[0], 5.0, 1e-6);
    float *agg = malloc(4160 * sizeof *agg);
    assert_int_equal(yuma_aggregate(peers, 4, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL), YUMA_AGG_OK);
    assert_float_equal(agg[5], 3.0, 1e-6);
    assert_float_equal(agg[6], 4.0, 1e-6);
    assert_float_equal(agg[2], 4.0, 1e-6);
    free(agg);
    yuma_sparse_update_free(&a), yuma_sparse_update_free(&b), yuma_sparse_update_free(&c),
        yuma_sparse_update_free(&d);
}

/* §4.2 step 6.4: theta - 0.2 * clip(v_u). uid 5 (norm 10) against clip
 * norm 5 moves coordinates 1 and 2 by 0.2 * {6, 8} * 0.5 = {0.6, 0.8};
 * unclipped by {1.2, 1.6}. */
static void test_apply_update(void **state)
{
    (void)state;
    yuma_sparse_update c;
    peer(&c, 5, 1, 6.0f, 2, 8.0f);
    float *theta = calloc(4160, sizeof *theta);
    double norms[2] = {5.0, 1.0};
    assert_int_equal(yuma_apply_update(theta, &c, &TWO_LIST, norms, 0.2), YUMA_AGG_OK);
    assert_float_equal(theta[1], -0.6, 1e-6);
    assert_float_equal(theta[2], -0.8, 1e-6);
    assert_float_equal(theta[4096], -0.2, 1e-7);
    memset(theta, 0, 4160 * sizeof *theta);
    assert_int_equal(yuma_apply_update(theta, &c, &TWO_LIST, NULL, 0.2), YUMA_AGG_OK);
    assert_float_equal(theta[1], -1.2, 1e-6);
    assert_float_equal(theta[2], -1.6, 1e-6);
    assert_int_equal(yuma_apply_update(theta, &c, &TWO_LIST, NULL, NAN), YUMA_AGG_ERR_PARAMS);
    assert_int_equal(yuma_apply_update(NULL, &c, &TWO_LIST, NULL, 0.2), YUMA_AGG_ERR_ARG);
    free(theta);
    yuma_sparse_update_free(&c);
}

/* A tensor whose aggregate is not finite is left out of the step (§3.6
 * step 5); the others still move. Only a hand-built update can carry a
 * NaN: the decoder refuses non-finite values. */
static void test_nonfinite_tensor_skipped(void **state)
{
    (void)state;
    yuma_sparse_update a, b;
    peer(&a, 1, 0, 3.0f, 1, 4.0f);
    peer(&b, 2, 0, 3.0f, 1, 4.0f);
    b.t[1].val[1] = NAN;
    const yuma_sparse_update *peers[2] = {&a, &b};
    float *agg = malloc(4160 * sizeof *agg);
    size_t skipped = 0;
    assert_int_equal(yuma_aggregate(peers, 2, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, &skipped), YUMA_AGG_OK);
    assert_int_equal(skipped, 1);
    assert_float_equal(agg[0], 3.0, 1e-6);
    for (int i = 4096; i < 4160; i++) assert_true(agg[i] == 0.0f);
    free(agg);
    yuma_sparse_update_free(&a), yuma_sparse_update_free(&b);
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Miners compress, encode and upload; two "nodes" decode the files,
 * gather them in different orders and step: their models are bit-identical.
 * One peer alone moves theta by its decoded values times s/(s + 1e-8). */
static void test_nodes_agree(void **state)
{
    (void)state;
    const yuma_tensor_desc model[3] = {{1, 2, {128, 128}, 0}, {2, 1, {128, 0}, 16384}, {3, 2, {64, 192}, 16512}};
    const yuma_tensor_list tl = {model, 3, 16512 + 12288};
    enum { MINERS = 4 };
    yuma_sparse_update dec[MINERS];
    float *delta = malloc(tl.total * sizeof *delta), *ef = malloc(tl.total * sizeof *ef);
    yuma_compress_params p = yuma_compress_defaults();
    uint8_t digest[16] = {0};
    for (int m = 0; m < MINERS; m++) {
        uint64_t s = 100 + (uint64_t)m;
        for (size_t i = 0; i < tl.total; i++) {
            delta[i] = (float)((double)(mix(&s) >> 11) / 9007199254740992.0 - 0.5) * 1e-2f;
            ef[i] = 0;
        }
        yuma_sparse_update u;
        assert_int_equal(yuma_compress(&tl, &p, delta, ef, 3, (uint16_t)(10 - m), digest, 0, &u), YUMA_COMPRESS_OK);
        uint8_t *file;
        size_t len;
        assert_int_equal(yuma_update_encode(&u, &file, &len), YUMA_UPDATE_OK);
        yuma_update_expect ex = {&tl, 64, 64, YUMA_VALUES_STORED, 1, 3, 1, (uint16_t)(10 - m)};
        assert_int_equal(yuma_update_decode(file, len, &ex, &dec[m]), YUMA_UPDATE_OK);
        free(file);
        yuma_sparse_update_free(&u);
    }
    float *theta1 = calloc(tl.total, sizeof *theta1), *theta2 = calloc(tl.total, sizeof *theta2);
    float *agg = malloc(tl.total * sizeof *agg);
    const yuma_sparse_update *order1[MINERS] = {&dec[0], &dec[1], &dec[2], &dec[3]};
    const yuma_sparse_update *order2[MINERS] = {&dec[2], &dec[0], &dec[3], &dec[1]};
    assert_int_equal(yuma_aggregate(order1, MINERS, &tl, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL), YUMA_AGG_OK);
    assert_int_equal(yuma_outer_step(theta1, agg, &tl, 1.0f), YUMA_AGG_OK);
    assert_int_equal(yuma_aggregate(order2, MINERS, &tl, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL), YUMA_AGG_OK);
    assert_int_equal(yuma_outer_step(theta2, agg, &tl, 1.0f), YUMA_AGG_OK);
    assert_memory_equal(theta1, theta2, tl.total * sizeof *theta1);
    /* one peer: its own norm is the median */
    float *dense = malloc(tl.total * sizeof *dense);
    assert_int_equal(yuma_aggregate(order1, 1, &tl, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL), YUMA_AGG_OK);
    assert_int_equal(yuma_sparse_to_dense(&dec[0], &tl, dense), YUMA_COMPRESS_OK);
    for (size_t i = 0; i < tl.total; i++) assert_float_equal(agg[i], dense[i], 1e-8);
    free(theta1), free(theta2), free(agg), free(dense), free(delta), free(ef);
    for (int m = 0; m < MINERS; m++) yuma_sparse_update_free(&dec[m]);
}

/*
 * Dense baseline: deltas {1, 2} and {3, 6} average {2, 4}; theta {10, 10}
 * becomes {8, 6} at lr 1 without momentum. With mu 0.5 (buf from 0):
 * plain momentum steps buf = {2, 4} then {3, 6}: theta {8, 6}, {5, 0};
 * Nesterov's first step is avg + 0.5 * buf = {3, 6}: theta {7, 4}.
 */
static void test_dense_baseline(void **state)
{
    (void)state;
    const float d1[2] = {1, 2}, d2[2] = {3, 6};
    const float *deltas[2] = {d1, d2};
    float theta[2] = {10, 10}, buf[2] = {0, 0};
    assert_int_equal(yuma_dense_outer_step(deltas, 2, 2, 1.0f, 0.0f, false, NULL, theta), YUMA_AGG_OK);
    assert_true(theta[0] == 8 && theta[1] == 6);
    theta[0] = theta[1] = 10;
    assert_int_equal(yuma_dense_outer_step(deltas, 2, 2, 1.0f, 0.5f, false, buf, theta), YUMA_AGG_OK);
    assert_true(theta[0] == 8 && theta[1] == 6);
    assert_int_equal(yuma_dense_outer_step(deltas, 2, 2, 1.0f, 0.5f, false, buf, theta), YUMA_AGG_OK);
    assert_true(theta[0] == 5 && theta[1] == 0);
    theta[0] = theta[1] = 10, buf[0] = buf[1] = 0;
    assert_int_equal(yuma_dense_outer_step(deltas, 2, 2, 1.0f, 0.5f, true, buf, theta), YUMA_AGG_OK);
    assert_true(theta[0] == 7 && theta[1] == 4);
    assert_int_equal(yuma_dense_outer_step(deltas, 2, 2, 1.0f, 0.5f, false, NULL, theta), YUMA_AGG_ERR_ARG);
    assert_int_equal(yuma_dense_outer_step(deltas, 0, 2, 1.0f, 0.0f, false, NULL, theta), YUMA_AGG_ERR_NO_PEERS);
    assert_int_equal(yuma_dense_outer_step(deltas, 2, 2, NAN, 0.0f, false, NULL, theta), YUMA_AGG_ERR_PARAMS);
    assert_true(theta[0] == 7 && theta[1] == 4);
}

static void test_errors(void **state)
{
    (void)state;
    yuma_sparse_update a, b;
    peer(&a, 4, 0, 3.0f, 1, 4.0f);
    peer(&b, 4, 2, 3.0f, 3, 4.0f);
    const yuma_sparse_update *dup[2] = {&a, &b};
    float *agg = malloc(4160 * sizeof *agg);
    double norms[2];
    assert_int_equal(yuma_aggregate(dup, 2, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL),
                     YUMA_AGG_ERR_DUPLICATE_UID);
    assert_int_equal(yuma_clip_norms(dup, 2, &TWO_LIST, norms), YUMA_AGG_ERR_DUPLICATE_UID);
    assert_int_equal(yuma_aggregate(dup, 0, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL),
                     YUMA_AGG_ERR_NO_PEERS);
    assert_int_equal(yuma_aggregate(NULL, 2, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL), YUMA_AGG_ERR_ARG);
    assert_int_equal(yuma_aggregate(dup, 2, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, NULL, NULL), YUMA_AGG_ERR_ARG);
    /* an update for another model: the gain is 128 long there */
    const yuma_tensor_desc other[2] = {{1, 2, {64, 64}, 0}, {2, 1, {128, 0}, 4096}};
    const yuma_tensor_list other_list = {other, 2, 4224};
    const yuma_sparse_update *one[1] = {&a};
    assert_int_equal(yuma_aggregate(one, 1, &other_list, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL),
                     YUMA_AGG_ERR_MISMATCH);
    float theta[4224] = {0};
    assert_int_equal(yuma_apply_update(theta, &a, &other_list, NULL, 1.0), YUMA_AGG_ERR_MISMATCH);
    /* an index outside its tile makes an update not match */
    a.t[1].idx[0] = 64;
    assert_int_equal(yuma_aggregate(one, 1, &TWO_LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL),
                     YUMA_AGG_ERR_MISMATCH);
    const yuma_tensor_desc outside[1] = {{1, 2, {64, 64}, 100}};
    const yuma_tensor_list outside_list = {outside, 1, 4096};
    assert_int_equal(yuma_outer_step(theta, agg, &outside_list, 1.0f), YUMA_AGG_ERR_MISMATCH);
    assert_int_equal(yuma_outer_step(theta, agg, &TWO_LIST, INFINITY), YUMA_AGG_ERR_PARAMS);
    for (int i = 0; i < 4224; i++) assert_true(theta[i] == 0.0f);
    for (int s = 0; s <= YUMA_AGG_ERR_PARAMS; s++)
        for (int q = 0; q < s; q++)
            assert_string_not_equal(yuma_agg_strerror((yuma_agg_status)q), yuma_agg_strerror((yuma_agg_status)s));
    assert_string_equal(yuma_agg_strerror((yuma_agg_status)99), "unknown aggregation status");
    free(agg);
    yuma_sparse_update_free(&a), yuma_sparse_update_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_scatter_mean),
        cmocka_unit_test(test_even_median_clip),
        cmocka_unit_test(test_apply_update),
        cmocka_unit_test(test_nonfinite_tensor_skipped),
        cmocka_unit_test(test_nodes_agree),
        cmocka_unit_test(test_dense_baseline),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
