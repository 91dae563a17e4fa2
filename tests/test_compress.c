/*
 * test_compress.c - the training subnet's compressor (include/yuma/
 * compress.h; training-subnet spec §3.4, §7.5): tiling c(n) and the tile
 * geometry, top-k with ties to the lower index, the 4-level quantizer
 * against values worked out by hand from its thresholds (-2.25, -0.75,
 * +0.75 sigma), the 8-bit and unquantized modes, the error-feedback
 * identity, and every error path (which must leave the buffer unchanged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/compress.h"

static const uint8_t DIGEST[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* SplitMix64: a fixed stream of test values. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float uniform(uint64_t *s)
{
    return (float)((double)(mix(s) >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static void test_chunk_size(void **state)
{
    (void)state;
    assert_int_equal(yuma_chunk_size(256, 64), 64);
    assert_int_equal(yuma_chunk_size(128, 64), 64);
    assert_int_equal(yuma_chunk_size(96, 64), 48);  /* 96 = 2 * 48 */
    assert_int_equal(yuma_chunk_size(12, 64), 12);
    assert_int_equal(yuma_chunk_size(73, 64), 1);   /* prime: the pitfall of §3.4 */
    assert_int_equal(yuma_chunk_size(100, 64), 50);
}

static void test_geometry(void **state)
{
    (void)state;
    yuma_tile_geom g;
    yuma_tensor_desc tok = {1, 2, {256, 128}, 0};
    assert_int_equal(yuma_tile_geometry(&tok, 64, 64, &g), YUMA_COMPRESS_OK);
    assert_int_equal(g.tile[0], 64);
    assert_int_equal(g.tile[1], 64);
    assert_int_equal(g.grid[0], 4);
    assert_int_equal(g.grid[1], 2);
    assert_int_equal(g.n_tiles, 8);
    assert_int_equal(g.tile_size, 4096);
    assert_int_equal(g.k, 64);
    assert_int_equal(g.numel, 32768);
    /* 1-D gains: rows of 64 with k = 64, sent in full */
    yuma_tensor_desc gain = {2, 1, {128, 0}, 0};
    assert_int_equal(yuma_tile_geometry(&gain, 64, 64, &g), YUMA_COMPRESS_OK);
    assert_int_equal(g.tile[0], 64);
    assert_int_equal(g.tile[1], 1);
    assert_int_equal(g.n_tiles, 2);
    assert_int_equal(g.k, 64);
    /* k is clamped to the tile and forced even: a 15-value tile keeps 14 */
    yuma_tensor_desc odd = {3, 1, {15, 0}, 0};
    assert_int_equal(yuma_tile_geometry(&odd, 64, 64, &g), YUMA_COMPRESS_OK);
    assert_int_equal(g.tile_size, 15);
    assert_int_equal(g.k, 14);
    /* one prime dimension of a matrix collapses to rows of the other */
    yuma_tensor_desc rows = {4, 2, {73, 128}, 0};
    assert_int_equal(yuma_tile_geometry(&rows, 64, 64, &g), YUMA_COMPRESS_OK);
    assert_int_equal(g.tile[0], 1);
    assert_int_equal(g.tile_size, 64);
    yuma_tensor_desc prime = {5, 1, {73, 0}, 0};
    assert_int_equal(yuma_tile_geometry(&prime, 64, 64, &g), YUMA_COMPRESS_ERR_UNTILEABLE);
    yuma_tensor_desc prime2 = {6, 2, {73, 73}, 0};
    assert_int_equal(yuma_tile_geometry(&prime2, 64, 64, &g), YUMA_COMPRESS_ERR_UNTILEABLE);
}

/* Tile 4 of a 128 x 192 matrix (grid 2 x 3: tile row 1, tile column 1),
 * local index 65 (row 1, column 1 of the tile): row 65, column 65, so the
 * flat position is 65 * 192 + 65 = 12545. */
static void test_tile_position(void **state)
{
    (void)state;
    yuma_tensor_desc t = {1, 2, {128, 192}, 0};
    yuma_tile_geom g;
    assert_int_equal(yuma_tile_geometry(&t, 64, 64, &g), YUMA_COMPRESS_OK);
    assert_int_equal(yuma_tile_position(&g, 4, 65), 12545);
    assert_int_equal(yuma_tile_position(&g, 0, 0), 0);
    assert_int_equal(yuma_tile_position(&g, 5, 4095), 128 * 192 - 1);
    yuma_tensor_desc v = {2, 1, {256, 0}, 0};
    assert_int_equal(yuma_tile_geometry(&v, 64, 64, &g), YUMA_COMPRESS_OK);
    assert_int_equal(yuma_tile_position(&g, 3, 5), 197);
}

/* A 64x64 matrix, top-4 in FP32 mode: every |value| is 1 except -5 at 100
 * and 3 at 7; the ties among the 1s go to the lowest indices 0 and 1. The
 * error buffer starts at zero, so e = delta, and what was sent leaves it. */
static void test_topk_ties(void **state)
{
    (void)state;
    yuma_tensor_desc t = {1, 2, {64, 64}, 0};
    yuma_tensor_list tl = {&t, 1, 4096};
    float *delta = malloc(4096 * sizeof *delta), *ef = calloc(4096, sizeof *ef);
    for (int i = 0; i < 4096; i++) delta[i] = (i % 2) ? 1.0f : -1.0f;
    delta[100] = -5.0f;
    delta[7] = 3.0f;
    yuma_compress_params p = yuma_compress_defaults();
    p.topk = 4;
    p.encoding = YUMA_VALUES_FP32;
    yuma_sparse_update u;
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 9, 3, DIGEST, 40, &u), YUMA_COMPRESS_OK);
    assert_int_equal(u.t[0].count, 4);
    const uint16_t want[4] = {0, 1, 7, 100};
    const float vals[4] = {-1.0f, 1.0f, 3.0f, -5.0f};
    for (int j = 0; j < 4; j++) {
        assert_int_equal(u.t[0].idx[j], want[j]);
        assert_true(u.t[0].val[j] == vals[j]);
        assert_true(ef[want[j]] == 0.0f);
    }
    assert_true(ef[2] == -1.0f && ef[3] == 1.0f && ef[4095] == 1.0f);
    assert_true(u.window == 9 && u.uid == 3 && u.sample_count == 40 && memcmp(u.sample_digest, DIGEST, 16) == 0);
    assert_null(u.t[0].code);
    yuma_sparse_update_free(&u);
    free(delta);
    free(ef);
}

/*
 * The 4-level quantizer by hand. Kept values (a 1-D tensor of 8, sent in
 * full) v = 10 + {-4, -2, -1, 0, 0, 1, 2, 4}: shift = 10, c = v - 10,
 * sum c^2 = 42, sigma = sqrt(42/7) = sqrt(6) = 2.449, scale = 6 sigma/4.
 * The bins' edges are -2.25 sigma = -5.51, -0.75 sigma = -1.84 and +0.75
 * sigma = +1.84, so the codes are 1,1,2,2,2,2,3,3; the LUT holds each
 * bin's mean of c: bin 1 {-4,-2} -3, bin 2 {-1,0,0,1} 0, bin 3 {2,4} 3, and
 * the empty bin 0 its centre -2*scale. Decoded: 7,7,10,10,10,10,13,13;
 * the error buffer keeps v - decoded: -1,1,-1,0,0,1,-1,1.
 */
static void test_quantize_by_hand(void **state)
{
    (void)state;
    yuma_tensor_desc t = {7, 1, {8, 0}, 0};
    yuma_tensor_list tl = {&t, 1, 8};
    float delta[8] = {6, 8, 9, 10, 10, 11, 12, 14}, ef[8] = {0};
    yuma_compress_params p = yuma_compress_defaults();
    yuma_sparse_update u;
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
    const yuma_sparse_tensor *s = &u.t[0];
    assert_int_equal(s->count, 8);
    assert_true(s->shift == 10.0f);
    assert_float_equal(s->scale, 1.5 * sqrt(6.0), 1e-6);
    const uint8_t codes[8] = {1, 1, 2, 2, 2, 2, 3, 3};
    const float dec[8] = {7, 7, 10, 10, 10, 10, 13, 13}, left[8] = {-1, 1, -1, 0, 0, 1, -1, 1};
    for (int j = 0; j < 8; j++) {
        assert_int_equal(s->idx[j], j);
        assert_int_equal(s->code[j], codes[j]);
        assert_true(s->val[j] == dec[j]);
        assert_true(yuma_dequantize(s, s->code[j]) == dec[j]);
        assert_true(ef[j] == left[j]);
    }
    assert_true(s->lut[1] == -3.0f && s->lut[2] == 0.0f && s->lut[3] == 3.0f);
    assert_float_equal(s->lut[0], -3.0 * sqrt(6.0), 1e-5);
    yuma_sparse_update_free(&u);
}

/* e = beta*e + alpha*delta before selection: e0 = 1 everywhere, delta 10
 * at 5 and -20 at 4000; top-2 keeps those two (10.95 and -19.05) and sends
 * them exactly (FP32), leaving 0 there and 0.95 everywhere else. */
static void test_error_feedback_update(void **state)
{
    (void)state;
    yuma_tensor_desc t = {1, 2, {64, 64}, 0};
    yuma_tensor_list tl = {&t, 1, 4096};
    float *delta = calloc(4096, sizeof *delta), *ef = malloc(4096 * sizeof *ef);
    for (int i = 0; i < 4096; i++) ef[i] = 1.0f;
    delta[5] = 10.0f;
    delta[4000] = -20.0f;
    yuma_compress_params p = yuma_compress_defaults();
    p.topk = 2;
    p.encoding = YUMA_VALUES_FP32;
    yuma_sparse_update u;
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
    assert_int_equal(u.t[0].idx[0], 5);
    assert_int_equal(u.t[0].idx[1], 4000);
    assert_float_equal(u.t[0].val[0], 10.95, 1e-5);
    assert_float_equal(u.t[0].val[1], -19.05, 1e-5);
    for (int i = 0; i < 4096; i++) assert_true(ef[i] == ((i == 5 || i == 4000) ? 0.0f : 0.95f));
    yuma_sparse_update_free(&u);
    free(delta);
    free(ef);
}

/* A mixed model with gains: 2-D 128x192 at 0, 1-D 64 at 24576, a gap,
 * then 2-D 64x128 at 24650. */
static const yuma_tensor_desc MIXED[3] = {{10, 2, {128, 192}, 0}, {11, 1, {64, 0}, 24576}, {12, 2, {64, 128}, 24650}};
#define MIXED_TOTAL (24650 + 8192)

/* For every mode: what a receiver decodes plus what the buffer keeps is the
 * updated buffer beta*e + alpha*delta, up to one float rounding; nothing
 * outside the tensors is touched; the same input gives the same bits. */
static void test_error_feedback_identity(void **state)
{
    (void)state;
    yuma_tensor_list tl = {MIXED, 3, MIXED_TOTAL};
    const yuma_value_encoding modes[4] = {YUMA_VALUES_STORED, YUMA_VALUES_PACKED2, YUMA_VALUES_Q8,
                                          YUMA_VALUES_FP32};
    float *delta = malloc(MIXED_TOTAL * sizeof *delta), *ef = malloc(MIXED_TOTAL * sizeof *ef);
    float *ef2 = malloc(MIXED_TOTAL * sizeof *ef2), *want = malloc(MIXED_TOTAL * sizeof *want);
    float *dense = malloc(MIXED_TOTAL * sizeof *dense);
    for (int m = 0; m < 4; m++) {
        uint64_t seed = 42 + (uint64_t)m;
        for (size_t i = 0; i < MIXED_TOTAL; i++) {
            delta[i] = 0.01f * uniform(&seed);
            ef[i] = ef2[i] = 0.02f * uniform(&seed);
            want[i] = (i >= 24640 && i < 24650) ? ef[i] : 0.95f * ef[i] + delta[i];
        }
        yuma_compress_params p = yuma_compress_defaults();
        p.encoding = modes[m];
        yuma_sparse_update u, u2;
        assert_int_equal(yuma_compress(&tl, &p, delta, ef, 1, 2, DIGEST, 3, &u), YUMA_COMPRESS_OK);
        assert_int_equal(yuma_compress(&tl, &p, delta, ef2, 1, 2, DIGEST, 3, &u2), YUMA_COMPRESS_OK);
        assert_memory_equal(ef, ef2, MIXED_TOTAL * sizeof *ef);
        assert_int_equal(u.t[0].count, 6 * 64);
        assert_int_equal(u.t[1].count, 64);
        assert_int_equal(u.t[2].count, 2 * 64);
        assert_true(yuma_sparse_update_matches(&u, &tl));
        assert_int_equal(yuma_sparse_to_dense(&u, &tl, dense), YUMA_COMPRESS_OK);
        for (size_t i = 0; i < MIXED_TOTAL; i++) assert_float_equal(dense[i] + ef[i], want[i], 1e-7);
        for (size_t i = 24640; i < 24650; i++) assert_true(ef[i] == want[i]);
        for (size_t j = 0; j < u.t[1].count; j++) assert_int_equal(u.t[1].idx[j], j % 64); /* gains in full */
        if (modes[m] == YUMA_VALUES_FP32)
            for (size_t j = 0; j < 64; j++) assert_true(ef[24576 + j] == 0.0f);
        yuma_sparse_update_free(&u);
        yuma_sparse_update_free(&u2);
    }
    free(delta), free(ef), free(ef2), free(want), free(dense);
}

/* Inside the quantizer's range every value lands in a bin of width scale
 * that also holds its LUT mean, so |v - decoded| < scale; the 8-bit mode's
 * bins are 64 times narrower. The top-k of each tile really are its
 * largest magnitudes. */
static void test_quantizer_bounds(void **state)
{
    (void)state;
    yuma_tensor_desc t = {1, 2, {128, 128}, 0};
    yuma_tensor_list tl = {&t, 1, 16384};
    float *delta = malloc(16384 * sizeof *delta), *ef = malloc(16384 * sizeof *ef);
    for (int m = 0; m < 2; m++) {
        uint64_t seed = 7;
        for (int i = 0; i < 16384; i++) {
            delta[i] = uniform(&seed) + uniform(&seed) + uniform(&seed);
            ef[i] = 0;
        }
        yuma_compress_params p = yuma_compress_defaults();
        p.encoding = m ? YUMA_VALUES_Q8 : YUMA_VALUES_STORED;
        yuma_sparse_update u;
        assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
        const yuma_sparse_tensor *s = &u.t[0];
        assert_int_equal(s->n_bins, m ? 256 : 4);
        double lo = m ? -127.5 : -1.5, hi = m ? 126.5 : 0.5; /* edges of the closed bins, in scales */
        for (uint32_t j = 0; j < s->count; j++) {
            float v = delta[yuma_tile_position(&s->geom, j / s->geom.k, s->idx[j])];
            double c = ((double)v - s->shift) / s->scale;
            if (c >= lo && c < hi) assert_true(fabs((double)v - s->val[j]) < s->scale);
        }
        /* top-k: no unsent value of a tile is larger than the smallest sent */
        for (uint32_t tile = 0; tile < s->geom.n_tiles; tile++) {
            float smallest = INFINITY;
            char sent[4096] = {0};
            for (uint32_t j = tile * 64; j < tile * 64 + 64; j++) {
                float v = fabsf(delta[yuma_tile_position(&s->geom, tile, s->idx[j])]);
                smallest = v < smallest ? v : smallest;
                sent[s->idx[j]] = 1;
            }
            for (uint32_t i = 0; i < 4096; i++)
                if (!sent[i]) assert_true(fabsf(delta[yuma_tile_position(&s->geom, tile, i)]) <= smallest);
        }
        yuma_sparse_update_free(&u);
    }
    free(delta);
    free(ef);
}

/* Equal kept values have sigma 0: scale 0, every code the middle bin and
 * the value sent exactly (the format refuses such a file). */
static void test_constant_update(void **state)
{
    (void)state;
    yuma_tensor_desc t = {1, 1, {64, 0}, 0};
    yuma_tensor_list tl = {&t, 1, 64};
    float delta[64] = {0}, ef[64] = {0};
    yuma_compress_params p = yuma_compress_defaults();
    yuma_sparse_update u;
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
    assert_true(u.t[0].scale == 0.0f && u.t[0].shift == 0.0f);
    for (int j = 0; j < 64; j++) assert_true(u.t[0].code[j] == 2 && u.t[0].val[j] == 0.0f && ef[j] == 0.0f);
    yuma_sparse_update_free(&u);
}

/* Every refusal: the named status, a message, the buffer untouched and the
 * output zeroed. */
static void expect_refused(const yuma_tensor_list *tl, const yuma_compress_params *p, const float *delta,
                           yuma_compress_status want)
{
    float ef[256], before[256];
    for (int i = 0; i < 256; i++) ef[i] = before[i] = 0.5f + (float)i;
    yuma_sparse_update u;
    memset(&u, 0xAB, sizeof u);
    assert_int_equal(yuma_compress(tl, p, delta, ef, 0, 0, DIGEST, 0, &u), want);
    assert_memory_equal(ef, before, sizeof ef);
    assert_null(u.t);
    assert_int_equal(u.n_tensors, 0);
    assert_true(strlen(yuma_compress_strerror(want)) > 10);
}

static void test_errors(void **state)
{
    (void)state;
    float delta[256] = {0};
    yuma_tensor_desc ok[2] = {{1, 2, {8, 16}, 0}, {2, 1, {64, 0}, 128}};
    yuma_tensor_list tl = {ok, 2, 256};
    yuma_compress_params p = yuma_compress_defaults();
    yuma_compress_params bad = p;
    bad.chunk = 65;
    expect_refused(&tl, &bad, delta, YUMA_COMPRESS_ERR_PARAMS);
    bad = p, bad.chunk = 0;
    expect_refused(&tl, &bad, delta, YUMA_COMPRESS_ERR_PARAMS);
    bad = p, bad.topk = 1;
    expect_refused(&tl, &bad, delta, YUMA_COMPRESS_ERR_PARAMS);
    bad = p, bad.ef_beta = NAN;
    expect_refused(&tl, &bad, delta, YUMA_COMPRESS_ERR_PARAMS);
    bad = p, bad.range_sigmas = 0;
    expect_refused(&tl, &bad, delta, YUMA_COMPRESS_ERR_PARAMS);
    bad = p, bad.encoding = (yuma_value_encoding)9;
    expect_refused(&tl, &bad, delta, YUMA_COMPRESS_ERR_PARAMS);

    yuma_tensor_list empty = {ok, 0, 256};
    expect_refused(&empty, &p, delta, YUMA_COMPRESS_ERR_TENSOR_LIST);
    yuma_tensor_desc three[1] = {{1, 3, {8, 8}, 0}};
    yuma_tensor_list l3 = {three, 1, 256};
    expect_refused(&l3, &p, delta, YUMA_COMPRESS_ERR_TENSOR_LIST);
    yuma_tensor_desc zero[1] = {{1, 2, {0, 8}, 0}};
    yuma_tensor_list lz = {zero, 1, 256};
    expect_refused(&lz, &p, delta, YUMA_COMPRESS_ERR_TENSOR_LIST);
    yuma_tensor_desc dup[2] = {{1, 2, {8, 16}, 0}, {1, 1, {64, 0}, 128}};
    yuma_tensor_list ld = {dup, 2, 256};
    expect_refused(&ld, &p, delta, YUMA_COMPRESS_ERR_TENSOR_LIST);
    yuma_tensor_desc overlap[2] = {{1, 2, {8, 16}, 0}, {2, 1, {64, 0}, 127}};
    yuma_tensor_list lo = {overlap, 2, 256};
    expect_refused(&lo, &p, delta, YUMA_COMPRESS_ERR_LAYOUT);
    yuma_tensor_desc outside[2] = {{1, 2, {8, 16}, 0}, {2, 1, {64, 0}, 193}};
    yuma_tensor_list lout = {outside, 2, 256};
    expect_refused(&lout, &p, delta, YUMA_COMPRESS_ERR_LAYOUT);
    yuma_tensor_desc prime[1] = {{1, 1, {73, 0}, 0}};
    yuma_tensor_list lp = {prime, 1, 256};
    expect_refused(&lp, &p, delta, YUMA_COMPRESS_ERR_UNTILEABLE);

    float nan_delta[256] = {0};
    nan_delta[150] = NAN;
    expect_refused(&tl, &p, nan_delta, YUMA_COMPRESS_ERR_NONFINITE);
    nan_delta[150] = INFINITY;
    expect_refused(&tl, &p, nan_delta, YUMA_COMPRESS_ERR_NONFINITE);
    /* finite input whose buffer update overflows: 2 * FLT_MAX in the second
     * tensor, found after the first tensor was encoded; still nothing changes */
    float big[256] = {0};
    for (int i = 128; i < 256; i++) big[i] = FLT_MAX;
    bad = p, bad.ef_alpha = 2.0f;
    expect_refused(&tl, &bad, big, YUMA_COMPRESS_ERR_NONFINITE);

    /* a non-finite error buffer is refused too */
    float ef[256] = {0};
    ef[3] = NAN;
    yuma_sparse_update u;
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_ERR_NONFINITE);
    assert_true(isnan(ef[3]));
    /* positions outside every tensor may hold anything */
    float gap_ef[300] = {0}, gap_delta[300] = {0};
    gap_ef[299] = NAN;
    yuma_tensor_list wide = {ok, 2, 300};
    assert_int_equal(yuma_compress(&wide, &p, gap_delta, gap_ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
    yuma_sparse_update_free(&u);

    assert_int_equal(yuma_compress(NULL, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_ERR_ARG);
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, NULL), YUMA_COMPRESS_ERR_ARG);
    assert_int_equal(yuma_compress(&tl, &p, NULL, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_ERR_ARG);
    assert_int_equal(yuma_sparse_to_dense(NULL, &tl, delta), YUMA_COMPRESS_ERR_ARG);
    yuma_sparse_update_free(NULL);

    /* an update does not fit another list */
    ef[3] = 0;
    assert_int_equal(yuma_compress(&tl, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
    yuma_tensor_desc other[2] = {{1, 2, {16, 8}, 0}, {2, 1, {64, 0}, 128}};
    yuma_tensor_list lother = {other, 2, 256};
    float dense[256];
    assert_false(yuma_sparse_update_matches(&u, &lother));
    assert_int_equal(yuma_sparse_to_dense(&u, &lother, dense), YUMA_COMPRESS_ERR_TENSOR_LIST);
    yuma_sparse_update_free(&u);

    const char *seen[8];
    for (int s = 0; s <= YUMA_COMPRESS_ERR_NONFINITE; s++) {
        seen[s] = yuma_compress_strerror((yuma_compress_status)s);
        for (int q = 0; q < s; q++) assert_string_not_equal(seen[q], seen[s]);
    }
    assert_string_equal(yuma_compress_strerror((yuma_compress_status)99), "unknown compression status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_size),
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_tile_position),
        cmocka_unit_test(test_topk_ties),
        cmocka_unit_test(test_quantize_by_hand),
        cmocka_unit_test(test_error_feedback_update),
        cmocka_unit_test(test_error_feedback_identity),
        cmocka_unit_test(test_quantizer_bounds),
        cmocka_unit_test(test_constant_update),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
