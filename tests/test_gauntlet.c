/*
 * test_gauntlet.c - the validator's scoring math (include/yuma/gauntlet.h;
 * training-subnet spec §4.2-4.5, §7.6 and the calibration box at the top
 * of §7): the binary indicator and its moving average, the sync score, the
 * final score with its B threshold, the slash table, inactivity, copy
 * detection by index overlap, the weight schedule and the chain's u16
 * form, each against values derived by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "yuma/gauntlet.h"

static void test_params(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    assert_int_equal(yuma_gauntlet_params_check(&p), YUMA_GAUNTLET_OK);
    assert_true(p.mu0 == 25 && fabs(p.sigma0 - 25.0 / 3) < 1e-15 && p.beta == 7 && p.tau == 0.1 &&
                p.kappa == 1e-4);
    assert_true(p.binary_alpha == 0.05 && p.binary_threshold == 0.3 && p.burn_rate == 0);
    assert_true(p.overlap_warmup == 5 && !p.overlap_include_1d && p.overlap_threshold == 0.4);
    yuma_gauntlet_params b;
    b = p, b.sigma0 = 0;
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    b = p, b.binary_alpha = 1.5;
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    b = p, b.overlap_max = 0.3; /* below the threshold */
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    b = p, b.burn_rate = 0.5; /* burning needs a burn uid */
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    b.burn_uid = 1;
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_OK);
    b = p, b.gather_top_ratio = 0.5;
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    b = p, b.slash_factor = NAN;
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    b = p, b.scheme = (yuma_weight_scheme)5;
    assert_int_equal(yuma_gauntlet_params_check(&b), YUMA_GAUNTLET_ERR_PARAMS);
    assert_int_equal(yuma_gauntlet_params_check(NULL), YUMA_GAUNTLET_ERR_ARG);
}

/* I_own = (2.0 - 1.9)/2.0 = 0.05 > I_rand = (2.0 - 1.95)/2.0 = 0.025:
 * b = +1, g = 0.025. Equal improvements are not "better": b = -1. */
static void test_indicator(void **state)
{
    (void)state;
    double g;
    int b;
    assert_int_equal(yuma_gauntlet_indicator(2.0, 1.9, 2.0, 1.95, &g, &b), YUMA_GAUNTLET_OK);
    assert_float_equal(g, 0.025, 1e-15);
    assert_int_equal(b, 1);
    assert_int_equal(yuma_gauntlet_indicator(4.0, 3.9, 2.0, 1.95, &g, &b), YUMA_GAUNTLET_OK);
    assert_int_equal(b, -1); /* 0.025 vs 0.025 */
    assert_int_equal(yuma_gauntlet_indicator(2.0, 2.1, 2.0, 2.0, &g, &b), YUMA_GAUNTLET_OK);
    assert_int_equal(b, -1);
    assert_float_equal(g, 0.0, 0);
    assert_int_equal(yuma_gauntlet_indicator(0.0, 1.0, 2.0, 1.0, &g, &b), YUMA_GAUNTLET_ERR_LOSS);
    assert_int_equal(yuma_gauntlet_indicator(2.0, NAN, 2.0, 1.0, &g, &b), YUMA_GAUNTLET_ERR_LOSS);
    assert_int_equal(yuma_gauntlet_indicator(2.0, 1.0, INFINITY, 1.0, &g, &b), YUMA_GAUNTLET_ERR_LOSS);
    assert_int_equal(yuma_gauntlet_indicator(2.0, 1.0, 2.0, 1.0, NULL, &b), YUMA_GAUNTLET_ERR_ARG);
}

/* From 0, n indicators of +1 give B = 1 - 0.95^n (geometric sum):
 * 0.05 after one, 1 - 0.95^20 = 0.641514 after twenty. A -1 after the first
 * +1: 0.95 * 0.05 - 0.05 = -0.0025. */
static void test_binary_ema(void **state)
{
    (void)state;
    assert_float_equal(yuma_binary_ema(0, 1, 0.05), 0.05, 1e-15);
    assert_float_equal(yuma_binary_ema(0.05, -1, 0.05), -0.0025, 1e-15);
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peer;
    yuma_gauntlet_peer_init(&peer, &p);
    for (int i = 0; i < 20; i++) yuma_gauntlet_record_eval(&peer, &p, 0.01, 1, 1.0);
    assert_float_equal(peer.B, 1 - pow(0.95, 20), 1e-12);
    assert_float_equal(peer.B, 0.6415140775914581, 1e-12);
    assert_int_equal(peer.evals, 20);
    assert_int_equal(peer.plus, 20);
    yuma_gauntlet_record_eval(&peer, &p, 0.01, -1, 0.5);
    assert_int_equal(peer.b, -1);
    assert_int_equal(peer.plus, 20);
    assert_true(peer.sync == 0.5 && peer.g == 0.01);
}

/* (1 - x/5)^2.5: x = 1 gives 0.8^2.5 = 0.5724334022399462; x = 2.5 gives
 * 0.5^2.5 = 0.1767766952966369; x >= 5 and x = inf give 0. */
static void test_sync_from_steps(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    assert_float_equal(yuma_sync_from_steps(&p, 0), 1.0, 0);
    assert_float_equal(yuma_sync_from_steps(&p, 1), 0.5724334022399462, 1e-15);
    assert_float_equal(yuma_sync_from_steps(&p, 2.5), 0.1767766952966369, 1e-15);
    assert_float_equal(yuma_sync_from_steps(&p, 5), 0.0, 0);
    assert_float_equal(yuma_sync_from_steps(&p, 12), 0.0, 0);
    assert_float_equal(yuma_sync_from_steps(&p, INFINITY), 0.0, 0);
    assert_float_equal(yuma_sync_from_steps(&p, NAN), 0.0, 0);
}

/*
 * Steps behind = |validator - miner| / max(a, 1e-9):
 *   validator {1, 2, 3, 4}, miner {1, 2.5, 3, 6}, a {0.5, 0.5, 0.1, 1}
 *   -> {0, 1, 0, 2}, lower median 0, sync 1.
 *   miner {1.25, 5, 4} against {1, 2, 3} with a {0.5, 1, 1}
 *   -> {0.5, 3, 1}, median 1, sync 0.8^2.5.
 * Without an EMA the outer lr (1.0) stands in: {0.25, 3, 1} -> 1.
 */
static void test_sync_score(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    double x, s;
    const float v4[4] = {1, 2, 3, 4}, m4[4] = {1, 2.5f, 3, 6}, a4[4] = {0.5f, 0.5f, 0.1f, 1};
    assert_int_equal(yuma_sync_score(&p, v4, m4, a4, NULL, 4, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_float_equal(x, 0.0, 1e-12);
    assert_float_equal(s, 1.0, 1e-12);
    const float v3[3] = {1, 2, 3}, m3[3] = {1.25f, 5, 4}, a3[3] = {0.5f, 1, 1};
    assert_int_equal(yuma_sync_score(&p, v3, m3, a3, NULL, 3, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_float_equal(x, 1.0, 1e-12);
    assert_float_equal(s, 0.5724334022399462, 1e-12);
    const bool none[3] = {false, false, false};
    assert_int_equal(yuma_sync_score(&p, v3, m3, a3, none, 3, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_float_equal(x, 1.0, 1e-12);
    assert_int_equal(yuma_sync_score(&p, v3, m3, NULL, NULL, 3, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_float_equal(x, 1.0, 1e-12);
    /* a published hash that differs, no debug object, or nothing compared: x = inf */
    assert_int_equal(yuma_sync_score(&p, v3, v3, a3, NULL, 3, false, &x, &s), YUMA_GAUNTLET_OK);
    assert_true(isinf(x) && s == 0);
    assert_int_equal(yuma_sync_score(&p, v3, NULL, a3, NULL, 3, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_true(isinf(x) && s == 0);
    assert_int_equal(yuma_sync_score(&p, v3, m3, a3, NULL, 0, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_true(isinf(x) && s == 0);
    /* non-finite debug values count as infinitely behind: {inf, inf, 0} -> inf */
    const float bad[3] = {NAN, INFINITY, 3};
    assert_int_equal(yuma_sync_score(&p, v3, bad, a3, NULL, 3, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_true(isinf(x) && s == 0);
    /* a zero EMA is floored at 1e-9: 0.25 / 1e-9 steps */
    const float zero[3] = {0, 0, 0}, m0[3] = {1.25f, 2, 3};
    assert_int_equal(yuma_sync_score(&p, v3, m0, zero, NULL, 3, true, &x, &s), YUMA_GAUNTLET_OK);
    assert_float_equal(x, 0.0, 0);
    assert_int_equal(yuma_sync_score(&p, v3, m3, a3, NULL, 3, true, NULL, &s), YUMA_GAUNTLET_ERR_ARG);
}

/* The EMA of |change| (alpha 0.2): a first change of 0.4 sets it; a next
 * change of 0.9 gives 0.8 * 0.4 + 0.2 * 0.9 = 0.5. */
static void test_sync_change(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    float avg[2] = {0, 0};
    bool have[2] = {false, false};
    const float b0[2] = {1.0f, 5.0f}, a0[2] = {0.6f, 5.5f}, a1[2] = {1.5f, 5.0f};
    yuma_sync_change_update(&p, avg, have, b0, a0, 2);
    assert_true(have[0] && have[1]);
    assert_float_equal(avg[0], 0.4, 1e-6);
    assert_float_equal(avg[1], 0.5, 1e-6);
    yuma_sync_change_update(&p, avg, have, a0, a1, 2);
    assert_float_equal(avg[0], 0.5, 1e-6);
    assert_float_equal(avg[1], 0.8 * 0.5 + 0.2 * 0.5, 1e-6);
}

/* Positions 10 and 11 of every tensor, modulo a tensor of 8: 2 and 3. */
static void test_debug_positions(void **state)
{
    (void)state;
    const yuma_tensor_desc t[2] = {{1, 2, {64, 64}, 0}, {2, 1, {8, 0}, 5000}};
    const yuma_tensor_list tl = {t, 2, 5008};
    size_t pos[4];
    yuma_debug_positions(&tl, pos);
    assert_int_equal(pos[0], 10);
    assert_int_equal(pos[1], 11);
    assert_int_equal(pos[2], 5002);
    assert_int_equal(pos[3], 5003);
}

/* F = (mu - 3 sigma) * max(0, B - 0.3) * sync: (30 - 15) * 0.2 * 0.8 = 2.4;
 * at B = 0.2 the threshold zeroes it; Templar's rule (threshold 0) gives
 * 15 * 0.2 * 0.8 = 2.4 at B = 0.2. */
static void test_final_score(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peer;
    yuma_gauntlet_peer_init(&peer, &p);
    peer.mu = 30, peer.sigma = 5, peer.B = 0.5, peer.sync = 0.8;
    assert_float_equal(yuma_gauntlet_final_score(&p, &peer), 2.4, 1e-12);
    peer.B = 0.2;
    assert_float_equal(yuma_gauntlet_final_score(&p, &peer), 0.0, 0);
    p.binary_threshold = 0;
    assert_float_equal(yuma_gauntlet_final_score(&p, &peer), 2.4, 1e-12);
    peer.B = -0.5;
    assert_float_equal(yuma_gauntlet_final_score(&p, &peer), 0.0, 0);
}

/* A match of three fresh uids (g 0.3 > 0.2 > 0.1, the hand case of
 * test_openskill.c) updates exactly their ratings and recomputes their F;
 * a uid outside the match keeps its F. */
static void test_rate_match(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peers[5];
    for (int u = 0; u < 5; u++) yuma_gauntlet_peer_init(&peers[u], &p);
    peers[4].F = 7.0;
    const double g[3] = {0.1, 0.3, 0.2};
    const uint16_t uids[3] = {0, 2, 3};
    for (int i = 0; i < 3; i++) {
        peers[uids[i]].B = 0.8;
        yuma_gauntlet_record_eval(&peers[uids[i]], &p, g[i], 1, 1.0);
    }
    assert_int_equal(yuma_gauntlet_rate_match(&p, peers, 5, uids, 3), YUMA_GAUNTLET_OK);
    assert_float_equal(peers[2].mu, 27.456249477209283, 1e-12);
    assert_float_equal(peers[3].mu, 25.61406236930232, 1e-12);
    assert_float_equal(peers[0].mu, 21.929688153488396, 1e-12);
    /* B = 0.95 * 0.8 + 0.05 = 0.81 */
    double want = (27.456249477209283 - 3 * 8.253534696231965) * (0.81 - 0.3) * 1.0;
    assert_float_equal(peers[2].F, want, 1e-12);
    assert_true(peers[0].F < 0); /* last place: ordinal below 0 */
    assert_true(peers[4].F == 7.0 && peers[1].mu == 25);
    const uint16_t bad[2] = {0, 5}, twice[2] = {2, 2};
    assert_int_equal(yuma_gauntlet_rate_match(&p, peers, 5, bad, 2), YUMA_GAUNTLET_ERR_RANGE);
    assert_int_equal(yuma_gauntlet_rate_match(&p, peers, 5, twice, 2), YUMA_GAUNTLET_ERR_RANGE);
    assert_float_equal(peers[2].mu, 27.456249477209283, 1e-12);
    /* one uid alone is no match: its rating stays, its F is recomputed */
    peers[1].B = 0.5, peers[1].sync = 1, peers[1].mu = 30, peers[1].sigma = 5;
    const uint16_t solo[1] = {1};
    assert_int_equal(yuma_gauntlet_rate_match(&p, peers, 5, solo, 1), YUMA_GAUNTLET_OK);
    assert_true(peers[1].mu == 30 && peers[1].sigma == 5);
    assert_float_equal(peers[1].F, 15 * 0.2, 1e-12);
}

/*
 * §4.4: missing upload and out of sync multiply F and B by 0.75 while
 * positive; F under 1e-4 becomes 0; a gather miss is x0 when the gather
 * success rate is under 0.4; an invalid payload zeroes F.
 */
static void test_slashes(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peer;
    yuma_gauntlet_peer_init(&peer, &p);
    peer.F = 1.0, peer.B = 0.8;
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_MISSING, 0);
    assert_float_equal(peer.F, 0.75, 1e-15);
    assert_float_equal(peer.B, 0.6, 1e-15);
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_OUT_OF_SYNC, 0);
    assert_float_equal(peer.F, 0.5625, 1e-15);
    assert_float_equal(peer.B, 0.45, 1e-15);
    peer.F = 1.3e-4;
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_MISSING, 0); /* 9.75e-5 < 1e-4 */
    assert_true(peer.F == 0);
    /* negative scores are never raised by a slash */
    peer.F = -2, peer.B = -0.4;
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_MISSING, 0);
    assert_true(peer.F == -2 && peer.B == -0.4);
    peer.F = 2, peer.B = 0.4;
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_GATHER_MISS, 0.5);
    assert_float_equal(peer.F, 1.5, 1e-15);
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_GATHER_MISS, 0.39);
    assert_true(peer.F == 0 && peer.B == 0);
    peer.F = 2, peer.B = 0.4;
    yuma_gauntlet_slash(&peer, &p, YUMA_SLASH_INVALID, 0);
    assert_true(peer.F == 0 && peer.B == 0.4);
}

/* Inactive windows: F x0.75, x0.75, then a reset on the third; an active
 * window clears the count. */
static void test_inactivity(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peer;
    yuma_gauntlet_peer_init(&peer, &p);
    peer.F = 1.0, peer.B = 0.7, peer.mu = 31, peer.sigma = 2, peer.evals = 9;
    yuma_gauntlet_activity(&peer, &p, false);
    assert_float_equal(peer.F, 0.75, 1e-15);
    yuma_gauntlet_activity(&peer, &p, true);
    assert_int_equal(peer.inactive, 0);
    yuma_gauntlet_activity(&peer, &p, false);
    yuma_gauntlet_activity(&peer, &p, false);
    assert_float_equal(peer.F, 0.75 * 0.75 * 0.75, 1e-15);
    assert_true(peer.B == 0.7);
    yuma_gauntlet_activity(&peer, &p, false);
    assert_true(peer.F == 0 && peer.B == 0 && peer.mu == 25 && peer.evals == 0);
    assert_float_equal(peer.sigma, 25.0 / 3, 1e-15);
}

/* Updates with chosen indices on one 64x128 matrix (2 tiles, k = 4) and a
 * gain of 64 (k = 4 here). */
static const yuma_tensor_desc OV[2] = {{1, 2, {64, 128}, 0}, {2, 1, {64, 0}, 8192}};
static const yuma_tensor_list OV_LIST = {OV, 2, 8256};

static void make(yuma_sparse_update *u, uint16_t uid, const uint16_t idx[8])
{
    assert_int_equal(yuma_sparse_update_alloc(&OV_LIST, 64, 4, YUMA_VALUES_FP32, u), YUMA_COMPRESS_OK);
    u->uid = uid;
    memcpy(u->t[0].idx, idx, 8 * sizeof *idx);
    for (uint16_t j = 0; j < 4; j++) u->t[1].idx[j] = j;
}

/* Tiles {0,1,2,3} | {0,1,2,3} against {0,1,9,10} | {3,4,5,6}: 2 + 1 of 8
 * shared, 0.375; counting the gains (4 of 4 shared): 7/12. */
static void test_overlap(void **state)
{
    (void)state;
    yuma_sparse_update a, b;
    const uint16_t ia[8] = {0, 1, 2, 3, 0, 1, 2, 3}, ib[8] = {0, 1, 9, 10, 3, 4, 5, 6};
    make(&a, 1, ia);
    make(&b, 2, ib);
    double ov;
    assert_int_equal(yuma_update_overlap(&a, &b, false, &ov), YUMA_GAUNTLET_OK);
    assert_float_equal(ov, 0.375, 1e-15);
    assert_int_equal(yuma_update_overlap(&a, &b, true, &ov), YUMA_GAUNTLET_OK);
    assert_float_equal(ov, 7.0 / 12, 1e-15);
    assert_int_equal(yuma_update_overlap(&a, &a, false, &ov), YUMA_GAUNTLET_OK);
    assert_float_equal(ov, 1.0, 0);
    yuma_sparse_update c;
    const yuma_tensor_desc other[2] = {{1, 2, {64, 64}, 0}, {2, 1, {64, 0}, 4096}};
    const yuma_tensor_list other_list = {other, 2, 4160};
    assert_int_equal(yuma_sparse_update_alloc(&other_list, 64, 4, YUMA_VALUES_FP32, &c), YUMA_COMPRESS_OK);
    assert_int_equal(yuma_update_overlap(&a, &c, false, &ov), YUMA_GAUNTLET_ERR_MISMATCH);
    assert_int_equal(yuma_update_overlap(&a, NULL, false, &ov), YUMA_GAUNTLET_ERR_ARG);
    yuma_sparse_update_free(&a), yuma_sparse_update_free(&b), yuma_sparse_update_free(&c);
}

/* One 64x64 tile with k = 10: sharing s of 10 indices is overlap s/10. */
static const yuma_tensor_desc ONE[1] = {{1, 2, {64, 64}, 0}};
static const yuma_tensor_list ONE_LIST = {ONE, 1, 4096};

static void shared(yuma_sparse_update *u, uint16_t uid, int s)
{
    assert_int_equal(yuma_sparse_update_alloc(&ONE_LIST, 64, 10, YUMA_VALUES_FP32, u), YUMA_COMPRESS_OK);
    u->uid = uid;
    for (int j = 0; j < 10; j++) u->t[0].idx[j] = (uint16_t)(j < s ? j : 100 + j);
}

static void test_copy_levels(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    const yuma_copy_level want[5] = {YUMA_COPY_NONE, YUMA_COPY_HIGH, YUMA_COPY_MAX, YUMA_COPY_MEGA, YUMA_COPY_MEGA};
    const int s[5] = {3, 4, 5, 6, 10};
    for (int c = 0; c < 5; c++) {
        yuma_sparse_update a, b;
        shared(&a, 1, 10);
        shared(&b, 2, s[c]);
        const yuma_sparse_update *u[2] = {&a, &b};
        const uint64_t stamps[2] = {100, 101};
        yuma_copy_verdict v[2];
        assert_int_equal(yuma_copy_check(&p, 5, u, stamps, 2, v), YUMA_GAUNTLET_OK);
        assert_int_equal(v[0].level, YUMA_COPY_NONE);
        assert_int_equal(v[1].level, want[c]);
        if (want[c] != YUMA_COPY_NONE) {
            assert_float_equal(v[1].overlap, s[c] / 10.0, 1e-15);
            assert_int_equal(v[1].victim, 1);
        }
        yuma_sparse_update_free(&a), yuma_sparse_update_free(&b);
    }
}

/* A copier (uid 5) of uid 2's indices: the later upload is blamed; with
 * the stamps the other way round the original is; equal stamps blame the
 * larger uid; nothing before round 5. */
static void test_copy_check(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_sparse_update a, b, c;
    const uint16_t orig[8] = {0, 1, 2, 3, 0, 1, 2, 3}, other[8] = {20, 21, 22, 23, 20, 21, 22, 23};
    make(&a, 2, orig);
    make(&b, 5, orig);
    make(&c, 1, other);
    const yuma_sparse_update *u[3] = {&a, &b, &c};
    uint64_t stamps[3] = {10, 12, 11};
    yuma_copy_verdict v[3];
    assert_int_equal(yuma_copy_check(&p, 5, u, stamps, 3, v), YUMA_GAUNTLET_OK);
    assert_int_equal(v[0].level, YUMA_COPY_NONE);
    assert_int_equal(v[1].level, YUMA_COPY_MEGA);
    assert_float_equal(v[1].overlap, 1.0, 0);
    assert_int_equal(v[1].victim, 2);
    assert_int_equal(v[2].level, YUMA_COPY_NONE); /* shares only the gains, left out */
    stamps[1] = 8;
    assert_int_equal(yuma_copy_check(&p, 5, u, stamps, 3, v), YUMA_GAUNTLET_OK);
    assert_int_equal(v[0].level, YUMA_COPY_MEGA);
    assert_int_equal(v[0].victim, 5);
    assert_int_equal(v[1].level, YUMA_COPY_NONE);
    stamps[1] = 10;
    assert_int_equal(yuma_copy_check(&p, 5, u, stamps, 3, v), YUMA_GAUNTLET_OK);
    assert_int_equal(v[1].level, YUMA_COPY_MEGA);
    assert_int_equal(yuma_copy_check(&p, 4, u, stamps, 3, v), YUMA_GAUNTLET_OK);
    for (int i = 0; i < 3; i++) assert_int_equal(v[i].level, YUMA_COPY_NONE);
    /* with the gains counted, c shares 4 of 12 with each: 0.333, still none */
    p.overlap_include_1d = true;
    assert_int_equal(yuma_copy_check(&p, 5, u, stamps, 3, v), YUMA_GAUNTLET_OK);
    assert_int_equal(v[2].level, YUMA_COPY_NONE);
    assert_int_equal(yuma_copy_check(&p, 5, u, NULL, 3, v), YUMA_GAUNTLET_ERR_ARG);
    yuma_sparse_update_free(&a), yuma_sparse_update_free(&b), yuma_sparse_update_free(&c);
}

/* HIGH halves F and B; MAX resets; MEGA resets and bans for 200 windows,
 * and the ban survives a re-registration (a MAX record does not). */
static void test_copy_penalties(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peer;
    yuma_gauntlet_peer_init(&peer, &p);
    peer.F = 2, peer.B = 0.6, peer.mu = 28, peer.evals = 4;
    yuma_gauntlet_apply_copy(&peer, &p, YUMA_COPY_NONE, 30);
    assert_true(peer.F == 2 && peer.B == 0.6);
    yuma_gauntlet_apply_copy(&peer, &p, YUMA_COPY_HIGH, 30);
    assert_true(peer.F == 1 && peer.B == 0.3 && peer.mu == 28);
    yuma_gauntlet_apply_copy(&peer, &p, YUMA_COPY_MAX, 30);
    assert_true(peer.F == 0 && peer.B == 0 && peer.mu == 25 && peer.evals == 0 && peer.banned_until == 0);
    yuma_gauntlet_reregister(&peer, &p);
    assert_true(peer.banned_until == 0 && !peer.mega);
    peer.F = 3;
    yuma_gauntlet_apply_copy(&peer, &p, YUMA_COPY_MEGA, 30);
    assert_true(peer.F == 0 && peer.banned_until == 230 && peer.mega);
    yuma_gauntlet_reregister(&peer, &p);
    assert_true(peer.banned_until == 230 && peer.mega && peer.mu == 25);
}

/* Five uids with F {1, 4, 3, 2, 0} (uid order), gather 3, reserve 10:
 * gather ramp {2, 1.5, 1} / 4.5 * 0.75 = {1/3, 1/4, 1/6}; the one reserve
 * gets 0.25 > 1/6, so it is cut to 1/6 * 0.5 = 1/12; the total 10/12 is
 * rescaled to 1: uid 1 0.4, uid 2 0.3, uid 3 0.2, uid 0 0.1, uid 4 0. */
static void test_weights_rank(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    p.gather_count = 3, p.reserve_count = 10;
    yuma_gauntlet_peer peers[5];
    const double F[5] = {1, 4, 3, 2, 0};
    for (int u = 0; u < 5; u++) {
        yuma_gauntlet_peer_init(&peers[u], &p);
        peers[u].F = F[u];
        peers[u].evals = 1;
    }
    double w[5];
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 5, 0, w), YUMA_GAUNTLET_OK);
    const double want[5] = {0.1, 0.4, 0.3, 0.2, 0};
    for (int u = 0; u < 5; u++) {
        assert_float_equal(w[u], want[u], 1e-12);
        assert_float_equal(peers[u].weight, want[u], 1e-12);
    }
    /* gather 2, reserve 2, F {5,4,3,2,1}: {0.5, 0.25}, reserves
     * {1, 0.5}/1.5 * 0.25 = {1/6, 1/12} (not above 0.25: kept); the fifth
     * is past both tiers */
    p.gather_count = 2, p.reserve_count = 2;
    const double F2[5] = {5, 4, 3, 2, 1};
    for (int u = 0; u < 5; u++) peers[u].F = F2[u];
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 5, 0, w), YUMA_GAUNTLET_OK);
    const double want2[5] = {0.5, 0.25, 1.0 / 6, 1.0 / 12, 0};
    for (int u = 0; u < 5; u++) assert_float_equal(w[u], want2[u], 1e-12);
    /* the defaults (gather 8): five ranked uids get the ramp {2, 1.75, 1.5,
     * 1.25, 1} / 7.5; the last 1/7.5 = 13.3 % (training-calibration §7) */
    p = yuma_gauntlet_defaults();
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 5, 0, w), YUMA_GAUNTLET_OK);
    const double ramp[5] = {2 / 7.5, 1.75 / 7.5, 1.5 / 7.5, 1.25 / 7.5, 1 / 7.5};
    for (int u = 0; u < 5; u++) assert_float_equal(w[u], ramp[u], 1e-12);
}

/* Who is ranked: evaluated, F > 0, not banned, not the burn uid; equal F
 * goes to the lower uid first. */
static void test_weights_eligibility(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peers[6];
    for (int u = 0; u < 6; u++) {
        yuma_gauntlet_peer_init(&peers[u], &p);
        peers[u].F = 1, peers[u].evals = 1;
    }
    peers[0].evals = 0;         /* never evaluated */
    peers[1].F = -1;            /* negative */
    peers[2].banned_until = 10; /* banned until window 10 */
    double w[6];
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_OK);
    /* uids 3, 4, 5 tie: ramp {2, 1.5, 1} / 4.5 in uid order */
    assert_true(w[0] == 0 && w[1] == 0 && w[2] == 0);
    assert_float_equal(w[3], 2 / 4.5, 1e-12);
    assert_float_equal(w[4], 1.5 / 4.5, 1e-12);
    assert_float_equal(w[5], 1 / 4.5, 1e-12);
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 10, w), YUMA_GAUNTLET_OK);
    assert_float_equal(w[2], 2 / 6.0, 1e-12); /* the ban is over: uid 2 leads the tie */
    /* burn 0.5 to uid 3: the others share the rest */
    p.burn_rate = 0.5, p.burn_uid = 3;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_OK);
    assert_float_equal(w[3], 0.5, 1e-15);
    assert_float_equal(w[4], 0.5 * 2 / 3, 1e-12);
    assert_float_equal(w[5], 0.5 * 1 / 3, 1e-12);
    /* nobody qualifies: everything to the burn uid, or nothing at all */
    for (int u = 0; u < 6; u++) peers[u].F = 0;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_OK);
    for (int u = 0; u < 6; u++) assert_true(w[u] == (u == 3 ? 1.0 : 0.0));
    p.burn_rate = 0, p.burn_uid = -1;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_OK);
    for (int u = 0; u < 6; u++) assert_true(w[u] == 0);
    /* errors */
    p.burn_uid = 6;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_ERR_RANGE);
    p.burn_uid = -1;
    peers[4].F = NAN;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_ERR_SCORE);
    peers[4].F = 0;
    p.gather_share = 0;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 6, 5, w), YUMA_GAUNTLET_ERR_PARAMS);
}

/* Power-2 normalisation: F {3, 1} -> {9, 1}/10; with 0.5 burned to uid 2:
 * {0.45, 0.05, 0.5}. */
static void test_weights_power(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    p.scheme = YUMA_WEIGHTS_POWER;
    yuma_gauntlet_peer peers[3];
    for (int u = 0; u < 3; u++) {
        yuma_gauntlet_peer_init(&peers[u], &p);
        peers[u].evals = 1;
    }
    peers[0].F = 3, peers[1].F = 1;
    double w[3];
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 3, 0, w), YUMA_GAUNTLET_OK);
    assert_float_equal(w[0], 0.9, 1e-15);
    assert_float_equal(w[1], 0.1, 1e-15);
    assert_true(w[2] == 0);
    p.burn_rate = 0.5, p.burn_uid = 2;
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 3, 0, w), YUMA_GAUNTLET_OK);
    assert_float_equal(w[0], 0.45, 1e-15);
    assert_float_equal(w[1], 0.05, 1e-15);
    assert_float_equal(w[2], 0.5, 1e-15);
}

/* The chain's form: scaled so the largest is 65535, halves to even as
 * Python's round (0.25/0.5 * 65535 = 32767.5 -> 32768; with the largest
 * 65535, 2.5 -> 2, 3.5 -> 4 and 0.5 -> 0, left out), zeros left out, uids
 * ascending. */
static void test_weights_to_u16(void **state)
{
    (void)state;
    const double w[5] = {0, 0.5, 0.25, 0.25, 1e-6};
    uint16_t uids[5], vals[5];
    size_t n = 99;
    assert_int_equal(yuma_weights_to_u16(w, 5, uids, vals, &n), YUMA_GAUNTLET_OK);
    assert_int_equal(n, 3);
    assert_true(uids[0] == 1 && uids[1] == 2 && uids[2] == 3);
    assert_true(vals[0] == 65535 && vals[1] == 32768 && vals[2] == 32768);
    const double halves[4] = {65535, 2.5, 3.5, 0.5};
    assert_int_equal(yuma_weights_to_u16(halves, 4, uids, vals, &n), YUMA_GAUNTLET_OK);
    assert_int_equal(n, 3);
    assert_true(vals[0] == 65535 && vals[1] == 2 && vals[2] == 4 && uids[2] == 2);
    const double zero[3] = {0, 0, 0};
    assert_int_equal(yuma_weights_to_u16(zero, 3, uids, vals, &n), YUMA_GAUNTLET_OK);
    assert_int_equal(n, 0);
    const double neg[2] = {0.5, -0.1}, nan[2] = {0.5, NAN};
    assert_int_equal(yuma_weights_to_u16(neg, 2, uids, vals, &n), YUMA_GAUNTLET_ERR_WEIGHTS);
    assert_int_equal(n, 0);
    assert_int_equal(yuma_weights_to_u16(nan, 2, uids, vals, &n), YUMA_GAUNTLET_ERR_WEIGHTS);
    assert_int_equal(yuma_weights_to_u16(w, 70000, uids, vals, &n), YUMA_GAUNTLET_ERR_RANGE);
    assert_int_equal(yuma_weights_to_u16(w, 5, NULL, vals, &n), YUMA_GAUNTLET_ERR_ARG);
    for (int s = 0; s <= YUMA_GAUNTLET_ERR_WEIGHTS; s++)
        for (int q = 0; q < s; q++)
            assert_string_not_equal(yuma_gauntlet_strerror((yuma_gauntlet_status)q),
                                    yuma_gauntlet_strerror((yuma_gauntlet_status)s));
    assert_string_equal(yuma_gauntlet_strerror((yuma_gauntlet_status)99), "unknown scoring status");
}

/*
 * Thirty windows of four honest uids (b = +1) and a data-skipper (b
 * alternating +1, -1) with the same g every time, so every match is a
 * five-way tie: no mu moves, sigma shrinks, every ordinal turns positive.
 * Honest B = 1 - 0.95^30 = 0.785 > 0.3; the skipper's alternating sum is
 * at most its first term, 0.05, below the threshold: F = 0, weight 0, and
 * the honest uids share the ramp {2, 5/3, 4/3, 1}/6 in uid order.
 */
static void test_skipper_gets_nothing(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    yuma_gauntlet_peer peers[5];
    for (int u = 0; u < 5; u++) yuma_gauntlet_peer_init(&peers[u], &p);
    const uint16_t uids[5] = {0, 1, 2, 3, 4};
    for (int w = 0; w < 30; w++) {
        for (int u = 0; u < 5; u++) yuma_gauntlet_record_eval(&peers[u], &p, 0.0025, u < 4 || w % 2 == 0 ? 1 : -1, 1.0);
        assert_int_equal(yuma_gauntlet_rate_match(&p, peers, 5, uids, 5), YUMA_GAUNTLET_OK);
    }
    for (int u = 0; u < 4; u++) {
        assert_float_equal(peers[u].B, 1 - pow(0.95, 30), 1e-12);
        assert_float_equal(peers[u].mu, 25.0, 1e-9);
        assert_true(peers[u].F > 0);
    }
    assert_true(fabs(peers[4].B) <= 0.05 && peers[4].F == 0);
    assert_int_equal(peers[4].plus, 15);
    double w[5];
    assert_int_equal(yuma_gauntlet_weights(&p, peers, 5, 30, w), YUMA_GAUNTLET_OK);
    const double want[5] = {2 / 6.0, (5 / 3.0) / 6, (4 / 3.0) / 6, 1 / 6.0, 0};
    for (int u = 0; u < 5; u++) assert_float_equal(w[u], want[u], 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_indicator),
        cmocka_unit_test(test_binary_ema),
        cmocka_unit_test(test_sync_from_steps),
        cmocka_unit_test(test_sync_score),
        cmocka_unit_test(test_sync_change),
        cmocka_unit_test(test_debug_positions),
        cmocka_unit_test(test_final_score),
        cmocka_unit_test(test_rate_match),
        cmocka_unit_test(test_slashes),
        cmocka_unit_test(test_inactivity),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_copy_levels),
        cmocka_unit_test(test_copy_check),
        cmocka_unit_test(test_copy_penalties),
        cmocka_unit_test(test_weights_rank),
        cmocka_unit_test(test_weights_eligibility),
        cmocka_unit_test(test_weights_power),
        cmocka_unit_test(test_weights_to_u16),
        cmocka_unit_test(test_skipper_gets_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
