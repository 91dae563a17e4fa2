/*
 * fuzz_update.c - libFuzzer target: any bytes through the training
 * subnet's update decoder (include/yuma/update.h), checked against a small
 * fixed model. Whatever decodes must re-encode to exactly the same bytes
 * (one encoding per update), and must go through the overlap statistic,
 * the aggregate and the validator's trial step with a reference update
 * without a sanitizer report and with a finite result.
 *
 * A random file almost never carries a matching CRC, so each input is
 * tried three ways: as it is, with its last 4 bytes replaced by the right
 * CRC, and as a list of (offset, byte) patches to a valid file of one of
 * the four value encodings (CRC fixed), which reaches the per-field checks
 * and the success path without seeds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/aggregate.h"
#include "yuma/gauntlet.h"
#include "yuma/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const yuma_tensor_desc MODEL[3] = {{21, 2, {128, 64}, 0}, {22, 1, {64, 0}, 8192}, {23, 1, {6, 0}, 8256}};
static const yuma_tensor_list LIST = {MODEL, 3, 8262};

static yuma_sparse_update reference;
static uint8_t *valid[4];
static size_t valid_len[4];

/* Valid files of every encoding, and the reference update (uid 0). */
static void setup(void)
{
    static int done;
    if (done) return;
    done = 1;
    float *delta = malloc(LIST.total * sizeof *delta), *ef = calloc(LIST.total, sizeof *ef);
    uint64_t s = 12345;
    for (size_t i = 0; i < LIST.total; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        delta[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
    uint8_t digest[16] = {0};
    yuma_compress_params p = yuma_compress_defaults();
    for (int e = 0; e < 4; e++) {
        p.encoding = (yuma_value_encoding)(e + 1);
        yuma_sparse_update u;
        memset(ef, 0, LIST.total * sizeof *ef);
        if (yuma_compress(&LIST, &p, delta, ef, 7, 1, digest, 40, &u) != YUMA_COMPRESS_OK) abort();
        if (yuma_update_encode(&u, &valid[e], &valid_len[e]) != YUMA_UPDATE_OK) abort();
        if (e == 0) reference = u;
        else yuma_sparse_update_free(&u);
    }
    reference.uid = 0;
    free(delta);
    free(ef);
}

static void exercise(const uint8_t *file, size_t len)
{
    static const yuma_update_expect ex = {&LIST, 64, 64, 0, 0, 0, 0, 0};
    yuma_sparse_update d;
    if (yuma_update_decode(file, len, &ex, &d) != YUMA_UPDATE_OK) {
        if (d.t || d.n_tensors) abort(); /* a refusal leaves nothing behind */
        return;
    }
    uint8_t *again;
    size_t again_len;
    if (yuma_update_encode(&d, &again, &again_len) != YUMA_UPDATE_OK) abort();
    if (again_len != len || memcmp(again, file, len) != 0) abort();
    free(again);
    double ov;
    if (yuma_update_overlap(&d, &reference, true, &ov) != YUMA_GAUNTLET_OK || !(ov >= 0 && ov <= 1)) abort();
    static float agg[8262], theta[8262];
    const yuma_sparse_update *peers[2] = {&reference, &d};
    yuma_agg_status st = yuma_aggregate(peers, 2, &LIST, YUMA_AGG_MEAN_OVER_CONTRIBUTORS, agg, NULL);
    if (st != YUMA_AGG_OK && !(st == YUMA_AGG_ERR_DUPLICATE_UID && d.uid == 0)) abort();
    for (size_t i = 0; i < LIST.total && st == YUMA_AGG_OK; i++)
        if (!isfinite(agg[i])) abort();
    double norms[3];
    if (yuma_clip_norms(peers, 1, &LIST, norms) != YUMA_AGG_OK) abort();
    memset(theta, 0, sizeof theta);
    if (yuma_apply_update(theta, &d, &LIST, norms, 0.2) != YUMA_AGG_OK) abort();
    yuma_sparse_update_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    exercise(data, size);
    static uint8_t buf[8192];
    if (size >= 4 && size <= sizeof buf) {
        memcpy(buf, data, size);
        uint32_t crc = yuma_crc32(0, buf, size - 4);
        for (int i = 0; i < 4; i++) buf[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        exercise(buf, size);
    }
    if (size >= 1) {
        int e = data[0] % 4;
        size_t len = valid_len[e];
        memcpy(buf, valid[e], len);
        for (size_t i = 1; i + 2 < size; i += 3) buf[(data[i] | (size_t)data[i + 1] << 8) % len] = data[i + 2];
        uint32_t crc = yuma_crc32(0, buf, len - 4);
        for (int i = 0; i < 4; i++) buf[len - 4 + i] = (uint8_t)(crc >> (8 * i));
        exercise(buf, len);
    }
    return 0;
}
