/*
 * test_update_format.c - the binary update file (include/yuma/update.h;
 * training-subnet spec §7.5, checks of §3.5): CRC-32 against its standard
 * check value, the payload sizes of §7.9 for the T1 model of §7.3 (which
 * must come out of the encoder exactly), round trips in every value
 * encoding, and one test per refusal of a malformed file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/train.h"
#include "yuma/update.h"

static const uint8_t DIGEST[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

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

/* ---- CRC-32 ------------------------------------------------------------- */

/* The textbook bit-at-a-time CRC-32, to check the table-driven one. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(yuma_crc32(0, "123456789", 9), 0xCBF43926u); /* the standard check value */
    assert_int_equal(yuma_crc32(0, "", 0), 0);
    assert_int_equal(yuma_crc32(0, "a", 1), 0xE8B7BE43u);          /* zlib.crc32(b"a") */
    uint8_t buf[1000];
    uint64_t s = 1;
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)mix(&s);
    assert_int_equal(yuma_crc32(0, buf, sizeof buf), crc_bitwise(buf, sizeof buf));
    /* continuing from a previous result is the same as one pass */
    assert_int_equal(yuma_crc32(yuma_crc32(0, buf, 333), buf + 333, 667), yuma_crc32(0, buf, sizeof buf));
}

/* ---- the T1 model (§7.3: vocab 256, ctx 128, d 128, 4 layers, d_ff 512) -- */

#define T1_TENSORS 27
static yuma_tensor_desc t1[T1_TENSORS];

static void add(size_t *n, size_t *off, uint32_t ndims, uint32_t rows, uint32_t cols)
{
    t1[*n] = (yuma_tensor_desc){(uint32_t)*n, ndims, {rows, ndims == 2 ? cols : 0}, *off};
    *off += (size_t)rows * (ndims == 2 ? cols : 1);
    (*n)++;
}

/* Token embedding 256x128 (tied), positions 128x128, per layer: RMSNorm
 * gain 128, qkv 128x384, projection 128x128, gain 128, fc 128x512, fc2
 * 512x128; a final gain 128. */
static yuma_tensor_list t1_model(void)
{
    size_t n = 0, off = 0;
    add(&n, &off, 2, 256, 128);
    add(&n, &off, 2, 128, 128);
    for (int l = 0; l < 4; l++) {
        add(&n, &off, 1, 128, 0);
        add(&n, &off, 2, 128, 384);
        add(&n, &off, 2, 128, 128);
        add(&n, &off, 1, 128, 0);
        add(&n, &off, 2, 128, 512);
        add(&n, &off, 2, 512, 128);
    }
    add(&n, &off, 1, 128, 0);
    return (yuma_tensor_list){t1, n, off};
}

static void compress_random(const yuma_tensor_list *tl, yuma_value_encoding enc, uint64_t seed, uint64_t window,
                            uint16_t uid, yuma_sparse_update *u)
{
    float *delta = malloc(tl->total * sizeof *delta), *ef = calloc(tl->total, sizeof *ef);
    for (size_t i = 0; i < tl->total; i++) delta[i] = 1e-3f * uniform(&seed);
    yuma_compress_params p = yuma_compress_defaults();
    p.encoding = enc;
    assert_int_equal(yuma_compress(tl, &p, delta, ef, window, uid, DIGEST, 160, u), YUMA_COMPRESS_OK);
    free(delta);
    free(ef);
}

/*
 * §7.9: T1 keeps 14,208 values per upload: 835,584 matrix parameters in
 * 204 tiles of 4096 with 64 kept each (13,056), and the 1,152 gains sent
 * in full. As stored (12-bit index + 1-byte code = 2.5 B each) that is
 * 35,520 B; with 2-bit codes (1.75 B each) 24,864 B; dense fp32 is
 * 836,736 * 4 = 3,346,944 B, so 94.2x and 134.6x; on the matrices alone
 * 3,342,336 / 32,640 = 102.4x and / 22,848 = 146.3x. The file adds its
 * header (41 B), the tensor headers (18 matrices * 19 B + 9 gains * 13 B
 * = 459 B), the quantizer parameters (27 * (shift, scale, LUT[4]) = 27 *
 * 24 = 648 B) and the CRC (4 B).
 */
static void test_t1_sizes(void **state)
{
    (void)state;
    yuma_tensor_list tl = t1_model();
    assert_int_equal(tl.total, 835584 + 1152);
    struct {
        yuma_value_encoding enc;
        size_t value_bytes, quant_bytes, total;
    } cases[4] = {
        {YUMA_VALUES_STORED, 14208, 648, 41 + 459 + 648 + 35520 + 4},
        {YUMA_VALUES_PACKED2, 3552, 648, 41 + 459 + 648 + 24864 + 4},
        {YUMA_VALUES_Q8, 14208, 27 * (8 + 256 * 4), 41 + 459 + 27 * 1032 + 35520 + 4},
        {YUMA_VALUES_FP32, 14208 * 4, 0, 41 + 459 + 21312 + 56832 + 4},
    };
    for (int c = 0; c < 4; c++) {
        yuma_sparse_update u;
        compress_random(&tl, cases[c].enc, 5, 1, 1, &u);
        yuma_update_size sz;
        assert_int_equal(yuma_update_size_of(&u, &sz), YUMA_UPDATE_OK);
        assert_int_equal(sz.kept_2d, 13056);
        assert_int_equal(sz.kept_1d, 1152);
        assert_int_equal(sz.index_bytes, 21312);
        assert_int_equal(sz.value_bytes, cases[c].value_bytes);
        assert_int_equal(sz.quant_bytes, cases[c].quant_bytes);
        assert_int_equal(sz.tensor_header_bytes, 459);
        assert_int_equal(sz.total_bytes, cases[c].total);
        uint8_t *buf;
        size_t len;
        assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_OK);
        assert_int_equal(len, cases[c].total);
        if (cases[c].enc == YUMA_VALUES_STORED) {
            assert_int_equal(sz.index_bytes + sz.value_bytes, 35520);
            assert_float_equal(3346944.0 / 35520.0, 94.2, 0.05);
        }
        if (cases[c].enc == YUMA_VALUES_PACKED2) {
            assert_int_equal(sz.index_bytes + sz.value_bytes, 24864);
            assert_float_equal(3346944.0 / 24864.0, 134.6, 0.05);
        }
        free(buf);
        yuma_sparse_update_free(&u);
    }
}

/* decode(encode(u)) is u, field by field, and encodes to the same bytes;
 * compressing the same input twice gives the same bytes. */
static void test_round_trip(void **state)
{
    (void)state;
    yuma_tensor_list tl = t1_model();
    const yuma_value_encoding modes[4] = {YUMA_VALUES_STORED, YUMA_VALUES_PACKED2, YUMA_VALUES_Q8,
                                          YUMA_VALUES_FP32};
    for (int m = 0; m < 4; m++) {
        yuma_sparse_update u, u2, d;
        compress_random(&tl, modes[m], 11 + (uint64_t)m, 77, 300, &u);
        compress_random(&tl, modes[m], 11 + (uint64_t)m, 77, 300, &u2);
        uint8_t *buf, *buf2, *again;
        size_t len, len2, len3;
        assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_OK);
        assert_int_equal(yuma_update_encode(&u2, &buf2, &len2), YUMA_UPDATE_OK);
        assert_int_equal(len, len2);
        assert_memory_equal(buf, buf2, len);
        yuma_update_expect ex = {&tl, 64, 64, modes[m], 1, 77, 1, 300};
        assert_int_equal(yuma_update_decode(buf, len, &ex, &d), YUMA_UPDATE_OK);
        assert_true(d.window == 77 && d.uid == 300 && d.sample_count == 160 && d.encoding == modes[m]);
        assert_memory_equal(d.sample_digest, DIGEST, 16);
        assert_int_equal(d.n_tensors, T1_TENSORS);
        for (size_t i = 0; i < T1_TENSORS; i++) {
            const yuma_sparse_tensor *a = &u.t[i], *b = &d.t[i];
            assert_int_equal(a->id, b->id);
            assert_int_equal(a->count, b->count);
            assert_true(a->shift == b->shift && a->scale == b->scale);
            assert_memory_equal(a->lut, b->lut, a->n_bins * sizeof(float));
            assert_memory_equal(a->idx, b->idx, a->count * sizeof(uint16_t));
            assert_memory_equal(a->val, b->val, a->count * sizeof(float));
            if (a->code) assert_memory_equal(a->code, b->code, a->count);
        }
        assert_true(yuma_sparse_update_matches(&d, &tl));
        assert_int_equal(yuma_update_encode(&d, &again, &len3), YUMA_UPDATE_OK);
        assert_int_equal(len3, len);
        assert_memory_equal(again, buf, len);
        free(buf), free(buf2), free(again);
        yuma_sparse_update_free(&u);
        yuma_sparse_update_free(&u2);
        yuma_sparse_update_free(&d);
    }
}

/* ---- refusals ------------------------------------------------------------- */

/*
 * A small model: tensor 21, 128x64 (2 tiles, 128 kept), and tensor 22, a
 * gain of 64. Stored one code per byte, the file is laid out as
 *   0 magic, 4 version, 6 encoding, 7 window, 15 uid, 17 n_tensors,
 *   21 digest, 37 sample_count;
 *   41 id, 45 ndims, 46 shape, 54 tile, 58 k, 60 shift, 64 scale,
 *   68 LUT, 84 indices (64 pairs), 276 codes (128);
 *   404 id, 408 ndims, 409 shape, 413 tile, 415 k, 417 shift, 421 scale,
 *   425 LUT, 441 indices (32 pairs), 537 codes (64); 601 CRC; 605 bytes.
 */
static const yuma_tensor_desc SMALL[2] = {{21, 2, {128, 64}, 0}, {22, 1, {64, 0}, 8192}};
static const yuma_tensor_list SMALL_LIST = {SMALL, 2, 8192 + 64};
#define SMALL_LEN 605

static uint8_t *small_file(yuma_value_encoding enc, size_t *len)
{
    yuma_sparse_update u;
    compress_random(&SMALL_LIST, enc, 3, 12, 4, &u);
    uint8_t *buf;
    assert_int_equal(yuma_update_encode(&u, &buf, len), YUMA_UPDATE_OK);
    yuma_sparse_update_free(&u);
    return buf;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void putf(uint8_t *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put32(p, v);
}

static void fix_crc(uint8_t *buf, size_t len)
{
    put32(buf + len - 4, yuma_crc32(0, buf, len - 4));
}

static const yuma_update_expect EXPECT_SMALL = {&SMALL_LIST, 64, 64, 0, 0, 0, 0, 0};

/* Decoding is refused with `want`, and leaves the output empty. */
static void refused(const uint8_t *buf, size_t len, const yuma_update_expect *ex, yuma_update_status want)
{
    yuma_sparse_update d;
    memset(&d, 0x5A, sizeof d);
    assert_int_equal(yuma_update_decode(buf, len, ex, &d), want);
    assert_null(d.t);
    assert_int_equal(d.n_tensors, 0);
    assert_null(d.block_);
    assert_true(strlen(yuma_update_strerror(want)) > 10);
}

/* Patches a copy of the small file with f, fixes its CRC, and expects want. */
#define PATCHED(want, stmt) \
    do { \
        uint8_t *b = malloc(len); \
        memcpy(b, good, len); \
        stmt; \
        fix_crc(b, len); \
        refused(b, len, &EXPECT_SMALL, want); \
        free(b); \
    } while (0)

static void test_small_layout(void **state)
{
    (void)state;
    size_t len;
    uint8_t *good = small_file(YUMA_VALUES_STORED, &len);
    assert_int_equal(len, SMALL_LEN);
    assert_memory_equal(good, "YUPD", 4);
    assert_int_equal(good[4] | good[5] << 8, yuma_train_format_version());
    assert_int_equal(good[6], YUMA_VALUES_STORED);
    assert_int_equal(good[7], 12);                 /* window */
    assert_int_equal(good[15], 4);                 /* uid */
    assert_int_equal(good[17], 2);                 /* n_tensors */
    assert_memory_equal(good + 21, DIGEST, 16);
    assert_int_equal(good[37], 160);               /* sample_count */
    assert_int_equal(good[41], 21);
    assert_int_equal(good[45], 2);
    assert_int_equal(good[46] | good[47] << 8, 128);
    assert_int_equal(good[54], 64);
    assert_int_equal(good[58], 64);
    assert_int_equal(good[404], 22);
    assert_int_equal(good[408], 1);
    assert_int_equal(good[409], 64);
    assert_int_equal(good[415], 64);
    yuma_sparse_update d;
    assert_int_equal(yuma_update_decode(good, len, &EXPECT_SMALL, &d), YUMA_UPDATE_OK);
    /* a gain is sent in full: its 64 indices are 0..63, in pairs a | b << 12 */
    for (int j = 0; j < 64; j += 2) {
        uint32_t v = (uint32_t)good[441 + 3 * j / 2] | (uint32_t)good[442 + 3 * j / 2] << 8 |
                     (uint32_t)good[443 + 3 * j / 2] << 16;
        assert_int_equal(v & 0xFFF, j);
        assert_int_equal(v >> 12, j + 1);
        assert_int_equal(d.t[1].idx[j], j);
    }
    yuma_sparse_update_free(&d);
    free(good);
}

static void test_refuse_framing(void **state)
{
    (void)state;
    size_t len;
    uint8_t *good = small_file(YUMA_VALUES_STORED, &len);
    /* truncation anywhere: in the magic, the header, a tensor, the CRC */
    const size_t cuts[6] = {0, 2, 30, 100, 500, SMALL_LEN - 1};
    for (int c = 0; c < 6; c++) refused(good, cuts[c], &EXPECT_SMALL, YUMA_UPDATE_ERR_TRUNCATED);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, good, len);
    longer[len] = 0;
    refused(longer, len + 1, &EXPECT_SMALL, YUMA_UPDATE_ERR_TRAILING);
    free(longer);
    PATCHED(YUMA_UPDATE_ERR_MAGIC, b[0] = 'X');
    PATCHED(YUMA_UPDATE_ERR_VERSION, b[4]++);
    PATCHED(YUMA_UPDATE_ERR_ENCODING, b[6] = 9);
    PATCHED(YUMA_UPDATE_ERR_ENCODING, b[6] = 0);
    yuma_update_expect want_packed = EXPECT_SMALL;
    want_packed.encoding = YUMA_VALUES_PACKED2;
    refused(good, len, &want_packed, YUMA_UPDATE_ERR_ENCODING);
    yuma_update_expect other_window = EXPECT_SMALL;
    other_window.check_window = 1, other_window.window = 13;
    refused(good, len, &other_window, YUMA_UPDATE_ERR_WINDOW);
    other_window.window = 12;
    yuma_sparse_update d;
    assert_int_equal(yuma_update_decode(good, len, &other_window, &d), YUMA_UPDATE_OK);
    yuma_sparse_update_free(&d);
    yuma_update_expect other_uid = EXPECT_SMALL;
    other_uid.check_uid = 1, other_uid.uid = 5;
    refused(good, len, &other_uid, YUMA_UPDATE_ERR_UID);
    /* corruption that keeps every field valid is caught by the CRC: a code
     * 1 <-> 0 or 2 <-> 3, and the CRC itself */
    uint8_t *b = malloc(len);
    memcpy(b, good, len);
    b[300] ^= 1;
    refused(b, len, &EXPECT_SMALL, YUMA_UPDATE_ERR_CRC);
    memcpy(b, good, len);
    b[SMALL_LEN - 2] ^= 0x80;
    refused(b, len, &EXPECT_SMALL, YUMA_UPDATE_ERR_CRC);
    free(b);
    /* the expected model must itself be valid */
    yuma_tensor_list empty = {SMALL, 0, 0};
    yuma_update_expect bad_model = {&empty, 64, 64, 0, 0, 0, 0, 0};
    refused(good, len, &bad_model, YUMA_UPDATE_ERR_MODEL);
    yuma_update_expect bad_chunk = {&SMALL_LIST, 65, 64, 0, 0, 0, 0, 0};
    refused(good, len, &bad_chunk, YUMA_UPDATE_ERR_MODEL);
    refused(NULL, 10, &EXPECT_SMALL, YUMA_UPDATE_ERR_ARG);
    refused(good, len, NULL, YUMA_UPDATE_ERR_ARG);
    assert_int_equal(yuma_update_decode(good, len, &EXPECT_SMALL, NULL), YUMA_UPDATE_ERR_ARG);
    free(good);
}

static void test_refuse_tensor_list(void **state)
{
    (void)state;
    size_t len;
    uint8_t *good = small_file(YUMA_VALUES_STORED, &len);
    PATCHED(YUMA_UPDATE_ERR_TENSOR_COUNT, put32(b + 17, 3));
    PATCHED(YUMA_UPDATE_ERR_TENSOR_COUNT, put32(b + 17, 1));
    PATCHED(YUMA_UPDATE_ERR_MISSING_TENSOR, put32(b + 41, 22));   /* 21 skipped */
    PATCHED(YUMA_UPDATE_ERR_UNKNOWN_TENSOR, put32(b + 41, 999));
    PATCHED(YUMA_UPDATE_ERR_DUPLICATE_TENSOR, put32(b + 404, 21));
    PATCHED(YUMA_UPDATE_ERR_SHAPE, b[45] = 1);                     /* ndims */
    PATCHED(YUMA_UPDATE_ERR_SHAPE, put32(b + 46, 192));
    PATCHED(YUMA_UPDATE_ERR_SHAPE, put32(b + 409, 128));
    PATCHED(YUMA_UPDATE_ERR_TILE, b[54] = 32);
    PATCHED(YUMA_UPDATE_ERR_TILE, b[413] = 32);
    PATCHED(YUMA_UPDATE_ERR_K, b[58] = 62);                        /* wrong count per tile */
    PATCHED(YUMA_UPDATE_ERR_K, b[415] = 66);
    /* a file for another model: the gain has 128 entries there */
    yuma_tensor_desc other[2] = {{21, 2, {128, 64}, 0}, {22, 1, {128, 0}, 8192}};
    yuma_tensor_list other_list = {other, 2, 8192 + 128};
    yuma_update_expect ex = {&other_list, 64, 64, 0, 0, 0, 0, 0};
    refused(good, len, &ex, YUMA_UPDATE_ERR_SHAPE);
    free(good);
}

static void test_refuse_values(void **state)
{
    (void)state;
    size_t len;
    uint8_t *good = small_file(YUMA_VALUES_STORED, &len);
    PATCHED(YUMA_UPDATE_ERR_SHIFT, putf(b + 60, NAN));
    PATCHED(YUMA_UPDATE_ERR_SHIFT, putf(b + 417, -INFINITY));
    const float bad_scales[6] = {0.0f, 1e-13f, -1e-13f, 2e4f, -1e4f, INFINITY};
    for (int s = 0; s < 6; s++) PATCHED(YUMA_UPDATE_ERR_SCALE, putf(b + 64, bad_scales[s]));
    PATCHED(YUMA_UPDATE_ERR_SCALE, putf(b + 421, NAN));
    PATCHED(YUMA_UPDATE_ERR_LUT, putf(b + 80, INFINITY));         /* LUT[3] */
    PATCHED(YUMA_UPDATE_ERR_LUT, putf(b + 425, NAN));             /* LUT[0] of the gain */
    /* an index of 64 in a 64-value gain tile; 4095 too */
    PATCHED(YUMA_UPDATE_ERR_INDEX_RANGE, (b[441] = 64, b[442] &= 0xF0));
    PATCHED(YUMA_UPDATE_ERR_INDEX_RANGE, (b[441] = 0xFF, b[442] |= 0x0F));
    /* the first pair of tile 0 made (a, a); and a repeat across pairs */
    PATCHED(YUMA_UPDATE_ERR_DUPLICATE_INDEX, (b[85] = (uint8_t)((b[85] & 0x0F) | (b[84] & 0x0F) << 4),
                                              b[86] = (uint8_t)(b[84] >> 4 | (b[85] & 0x0F) << 4)));
    PATCHED(YUMA_UPDATE_ERR_DUPLICATE_INDEX, (b[444] = b[441], b[445] = (uint8_t)((b[445] & 0xF0) | (b[442] & 0x0F))));
    PATCHED(YUMA_UPDATE_ERR_CODE, b[276] = 4);
    PATCHED(YUMA_UPDATE_ERR_CODE, b[600] = 255);
    free(good);

    /* tile 1 of tensor 21 may repeat tile 0's indices: duplicates are per tile */
    good = small_file(YUMA_VALUES_STORED, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, good, len);
    memcpy(copy + 84 + 96, copy + 84, 96);
    fix_crc(copy, len);
    yuma_sparse_update d;
    assert_int_equal(yuma_update_decode(copy, len, &EXPECT_SMALL, &d), YUMA_UPDATE_OK);
    assert_memory_equal(d.t[0].idx, d.t[0].idx + 64, 64 * sizeof(uint16_t));
    yuma_sparse_update_free(&d);
    /* a negative scale inside the bounds is accepted (only |scale| is checked) */
    memcpy(copy, good, len);
    putf(copy + 64, -0.5f);
    fix_crc(copy, len);
    assert_int_equal(yuma_update_decode(copy, len, &EXPECT_SMALL, &d), YUMA_UPDATE_OK);
    yuma_sparse_update_free(&d);
    free(copy);
    free(good);

    /* FP32: tensor 21's values start at 41 + 19 + 192 = 252 */
    good = small_file(YUMA_VALUES_FP32, &len);
    assert_int_equal(len, 41 + 19 + 192 + 512 + 13 + 96 + 256 + 4);
    PATCHED(YUMA_UPDATE_ERR_VALUE, putf(b + 252, NAN));
    PATCHED(YUMA_UPDATE_ERR_VALUE, putf(b + len - 8, -INFINITY));
    free(good);
}

/*
 * Packed 2-bit codes with a count that is not a multiple of 4: a 64x64
 * matrix (64 kept, 16 bytes) and a 6-value gain (6 kept: 2 bytes, the last
 * holding 2 codes in its low 4 bits). Layout: 41 id..k (19), 60 shift,
 * scale, LUT (24), 84 indices (96), 180 codes (16); 196 id..k (13), 209
 * quant (24), 233 indices (9), 242 codes (2); 244 CRC; 248 bytes.
 */
static void test_refuse_padding(void **state)
{
    (void)state;
    const yuma_tensor_desc pad[2] = {{31, 2, {64, 64}, 0}, {32, 1, {6, 0}, 4096}};
    const yuma_tensor_list pad_list = {pad, 2, 4102};
    yuma_sparse_update u;
    compress_random(&pad_list, YUMA_VALUES_PACKED2, 8, 0, 0, &u);
    uint8_t *good;
    size_t len;
    assert_int_equal(yuma_update_encode(&u, &good, &len), YUMA_UPDATE_OK);
    assert_int_equal(len, 248);
    assert_int_equal(good[243] >> 4, 0);
    for (int j = 0; j < 4; j++) assert_int_equal(good[242] >> (2 * j) & 3, u.t[1].code[j]);
    for (int j = 4; j < 6; j++) assert_int_equal(good[243] >> (2 * (j - 4)) & 3, u.t[1].code[j]);
    yuma_update_expect ex = {&pad_list, 64, 64, 0, 0, 0, 0, 0};
    yuma_sparse_update d;
    assert_int_equal(yuma_update_decode(good, len, &ex, &d), YUMA_UPDATE_OK);
    assert_memory_equal(d.t[1].code, u.t[1].code, 6);
    yuma_sparse_update_free(&d);
    uint8_t *b = malloc(len);
    memcpy(b, good, len);
    b[243] |= 0x40;
    fix_crc(b, len);
    refused(b, len, &ex, YUMA_UPDATE_ERR_PADDING);
    free(b);
    free(good);
    yuma_sparse_update_free(&u);
}

/* An all-zero upload (§7.10 A5b) has sigma 0, hence scale 0: refused. */
static void test_refuse_zero_update(void **state)
{
    (void)state;
    float *delta = calloc(SMALL_LIST.total, sizeof *delta), *ef = calloc(SMALL_LIST.total, sizeof *ef);
    yuma_compress_params p = yuma_compress_defaults();
    yuma_sparse_update u;
    assert_int_equal(yuma_compress(&SMALL_LIST, &p, delta, ef, 0, 0, DIGEST, 0, &u), YUMA_COMPRESS_OK);
    uint8_t *buf;
    size_t len;
    assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_OK);
    refused(buf, len, &EXPECT_SMALL, YUMA_UPDATE_ERR_SCALE);
    free(buf);
    yuma_sparse_update_free(&u);
    free(delta);
    free(ef);
}

/* The encoder refuses an in-memory update its format cannot carry. */
static void test_encode_errors(void **state)
{
    (void)state;
    yuma_sparse_update u;
    compress_random(&SMALL_LIST, YUMA_VALUES_STORED, 3, 0, 0, &u);
    uint8_t *buf = (uint8_t *)&u;
    size_t len = 1;
    u.t[1].code[5] = 4;
    assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_ERR_UPDATE);
    assert_null(buf);
    assert_int_equal(len, 0);
    u.t[1].code[5] = 0;
    u.t[1].idx[5] = 64;
    assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_ERR_UPDATE);
    u.t[1].idx[5] = 5;
    u.encoding = (yuma_value_encoding)7;
    assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_ERR_UPDATE);
    u.encoding = YUMA_VALUES_STORED;
    assert_int_equal(yuma_update_encode(NULL, &buf, &len), YUMA_UPDATE_ERR_ARG);
    assert_int_equal(yuma_update_encode(&u, NULL, &len), YUMA_UPDATE_ERR_ARG);
    assert_int_equal(yuma_update_encode(&u, &buf, &len), YUMA_UPDATE_OK);
    free(buf);
    yuma_sparse_update_free(&u);
    /* every status has its own message */
    for (int s = 0; s <= YUMA_UPDATE_ERR_UPDATE; s++)
        for (int q = 0; q < s; q++)
            assert_string_not_equal(yuma_update_strerror((yuma_update_status)q),
                                    yuma_update_strerror((yuma_update_status)s));
    assert_string_equal(yuma_update_strerror((yuma_update_status)99), "unknown update status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_t1_sizes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_small_layout),
        cmocka_unit_test(test_refuse_framing),
        cmocka_unit_test(test_refuse_tensor_list),
        cmocka_unit_test(test_refuse_values),
        cmocka_unit_test(test_refuse_padding),
        cmocka_unit_test(test_refuse_zero_update),
        cmocka_unit_test(test_encode_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
