/*
 * fuzz_epoch.c - libFuzzer target: the bytes become one epoch's inputs
 * directly (hyperparameters, stakes, blocks, permits, weights and bonds,
 * including malformed matrices) so the epoch sees shapes no scenario
 * produces. Invariants: malformed input is refused with an error, valid
 * input never pays more than the emission, and permits go only to at most
 * k uids plus the owner.
 */
#include <stdlib.h>
#include <string.h>

#include "yuma/epoch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *p;
    size_t left;
} reader;

static uint64_t take(reader *r, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v = (v << 8) | (r->left ? *r->p : 0);
        if (r->left) { r->p++; r->left--; }
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    uint32_t n = 1 + (uint32_t)(take(&r, 1) % 48);
    yuma_epoch_input in = {.n = n, .hp = yuma_hyperparams_default()};
    in.hp.tempo = (uint16_t)take(&r, 2);
    in.hp.activity_cutoff_factor_milli = (uint32_t)take(&r, 2);
    in.hp.kappa = (uint16_t)take(&r, 2);
    in.hp.bonds_penalty = (uint16_t)take(&r, 2);
    in.hp.bonds_moving_average = take(&r, 3) % 1000002; /* 1000001 must be refused */
    in.hp.max_allowed_validators = (uint16_t)(take(&r, 1) % 64);
    uint64_t flags = take(&r, 1);
    in.hp.yuma3 = flags & 1;
    in.hp.liquid_alpha = flags & 2;
    in.hp.alpha_low = (uint16_t)take(&r, 2);
    in.hp.alpha_high = (uint16_t)take(&r, 2);
    in.hp.alpha_sigmoid_steepness = (int16_t)take(&r, 2);
    in.hp.stake_threshold = take(&r, 1);
    in.block = take(&r, 2);
    in.last_epoch_block = take(&r, 1);
    in.emission = take(&r, 5);
    in.owner_uid = (flags & 4) ? (int32_t)(take(&r, 1) % (n + 1)) : YUMA_NO_OWNER;

    uint64_t *alpha = calloc(n, 8), *root = calloc(n, 8), *lu = calloc(n, 8), *reg = calloc(n, 8),
             *cb = calloc(n, 8);
    bool *permit = calloc(n, 1);
    size_t *woff = calloc(n + 1, sizeof(size_t)), *boff = calloc(n + 1, sizeof(size_t));
    yuma_entry *w = calloc((size_t)n * 8 + 1, sizeof(yuma_entry));
    yuma_entry *b = calloc((size_t)n * 8 + 1, sizeof(yuma_entry));
    for (uint32_t i = 0; i < n; i++) {
        alpha[i] = take(&r, 5);
        root[i] = take(&r, 3);
        lu[i] = take(&r, 2);
        reg[i] = take(&r, 1);
        cb[i] = take(&r, 1) == 255 ? UINT64_MAX : take(&r, 2);
        permit[i] = take(&r, 1) & 1;
        uint32_t wc = (uint32_t)(take(&r, 1) % 9), bc = (uint32_t)(take(&r, 1) % 9);
        woff[i + 1] = woff[i];
        for (uint32_t k = 0; k < wc; k++) {
            w[woff[i + 1]].uid = (uint16_t)(take(&r, 1) % (n + 1)); /* may be out of range */
            w[woff[i + 1]++].value = (uint16_t)take(&r, 2);
        }
        boff[i + 1] = boff[i];
        for (uint32_t k = 0; k < bc; k++) {
            b[boff[i + 1]].uid = (uint16_t)(take(&r, 1) % (n + 1));
            b[boff[i + 1]++].value = (uint16_t)take(&r, 2);
        }
    }
    in.alpha_stake = alpha;
    in.root_stake = (flags & 8) ? root : NULL;
    in.tao_weight_raw32 = take(&r, 4);
    in.last_update = lu;
    in.registered_at = reg;
    in.validator_permit = permit;
    in.commit_block = (flags & 16) ? cb : NULL;
    in.weights = (yuma_sparse_view){woff, w};
    in.bonds = (yuma_sparse_view){boff, b};

    yuma_epoch_output out;
    yuma_status s = yuma_epoch(&in, NULL, &out);
    if (s == YUMA_OK) {
        unsigned __int128 paid = 0;
        uint32_t permits = 0;
        for (uint32_t i = 0; i < n; i++) {
            paid += out.emission[i];
            permits += out.validator_permit[i];
        }
        if (paid > in.emission) abort();
        if (permits > (uint32_t)in.hp.max_allowed_validators + (in.owner_uid >= 0)) abort();
        yuma_epoch_output_free(&out);
    } else if (s == YUMA_ERR_NOMEM) {
        abort();
    }
    free(alpha); free(root); free(lu); free(reg); free(cb); free(permit);
    free(woff); free(boff); free(w); free(b);
    return 0;
}
