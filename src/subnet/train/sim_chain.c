/*
 * sim_chain.c - the chain under the training-subnet simulation: one subnet
 * whose miners (uids 0..M-1, no stake) and validators (uids M.., stake
 * descending) are registered at block 0, validators' set_weights rows, and
 * libyuma's real Yuma Consensus epoch (yuma_epoch, the same function the
 * node runs) every tempo blocks, whose emissions are summed per uid. Bonds
 * and permits carry from one epoch to the next as the chain keeps them.
 */
#include <stdlib.h>
#include <string.h>

#include "subnet/train/sim_chain.h"

bool ts_chain_init(ts_chain *c, const yuma_trainsim_config *cfg, ts_err *e)
{
    memset(c, 0, sizeof *c);
    uint32_t n = cfg->miners + cfg->validators;
    c->n = n;
    c->hp = yuma_hyperparams_default();
    c->hp.tempo = (uint16_t)cfg->tempo;
    c->emission_per_epoch = cfg->emission_per_block * cfg->tempo;
    c->stake = calloc(n, sizeof *c->stake);
    c->registered_at = calloc(n, sizeof *c->registered_at);
    c->last_update = calloc(n, sizeof *c->last_update);
    c->emission = calloc(n, sizeof *c->emission);
    c->permit = calloc(n, sizeof *c->permit);
    c->rows = calloc((size_t)n * n, sizeof *c->rows);
    c->row_len = calloc(n, sizeof *c->row_len);
    c->w_off = calloc((size_t)n + 1, sizeof *c->w_off);
    c->b_off = calloc((size_t)n + 1, sizeof *c->b_off);
    c->w_ent = calloc((size_t)n * n, sizeof *c->w_ent);
    c->ws = yuma_workspace_new();
    if (!c->stake || !c->registered_at || !c->last_update || !c->emission || !c->permit || !c->rows || !c->row_len ||
        !c->w_off || !c->b_off || !c->w_ent || !c->ws)
        return ts_fail(e, "out of memory (chain)");
    for (uint32_t j = 0; j < cfg->validators; j++) {
        /* validator j holds (V - j) / V of the lead's stake; permits as if a
         * previous epoch had granted them (the top stakes) */
        c->stake[cfg->miners + j] = cfg->validator_stake / cfg->validators * (cfg->validators - j);
        c->permit[cfg->miners + j] = true;
    }
    return true;
}

void ts_chain_free(ts_chain *c)
{
    free(c->stake);
    free(c->registered_at);
    free(c->last_update);
    free(c->emission);
    free(c->permit);
    free(c->rows);
    free(c->row_len);
    free(c->w_off);
    free(c->b_off);
    free(c->w_ent);
    free(c->b_ent);
    yuma_workspace_free(c->ws);
    memset(c, 0, sizeof *c);
}

void ts_chain_set_weights(ts_chain *c, uint16_t uid, const uint16_t *uids, const uint16_t *values, size_t count)
{
    yuma_entry *row = c->rows + (size_t)uid * c->n;
    for (size_t k = 0; k < count; k++) row[k] = (yuma_entry){uids[k], values[k]};
    c->row_len[uid] = (uint32_t)count;
    c->last_update[uid] = c->block;
}

static bool run_epoch(ts_chain *c, ts_err *e)
{
    size_t at = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        memcpy(c->w_ent + at, c->rows + (size_t)i * c->n, c->row_len[i] * sizeof *c->w_ent);
        at += c->row_len[i];
        c->w_off[i + 1] = at;
    }
    yuma_epoch_input in = {
        .n = c->n,
        .hp = c->hp,
        .block = c->block,
        .last_epoch_block = c->last_epoch_block,
        .emission = c->emission_per_epoch,
        .owner_uid = YUMA_NO_OWNER,
        .alpha_stake = c->stake,
        .root_stake = NULL,
        .tao_weight_raw32 = 0,
        .last_update = c->last_update,
        .registered_at = c->registered_at,
        .validator_permit = c->permit,
        .commit_block = NULL,
        .weights = {c->w_off, c->w_ent},
        .bonds = {c->b_off, c->b_ent},
    };
    yuma_epoch_output out;
    yuma_status rc = yuma_epoch(&in, c->ws, &out);
    if (rc != YUMA_OK) return ts_fail(e, "Yuma epoch at block %llu: %s", (unsigned long long)c->block, yuma_status_str(rc));
    for (uint32_t i = 0; i < c->n; i++) c->emission[i] += out.emission[i];
    memcpy(c->permit, out.validator_permit, c->n * sizeof *c->permit);
    size_t nb = out.bond_offsets[c->n];
    if (nb > c->b_cap) {
        yuma_entry *b = realloc(c->b_ent, nb * sizeof *b);
        if (!b) {
            yuma_epoch_output_free(&out);
            return ts_fail(e, "out of memory (bonds)");
        }
        c->b_ent = b;
        c->b_cap = nb;
    }
    memcpy(c->b_off, out.bond_offsets, ((size_t)c->n + 1) * sizeof *c->b_off);
    if (nb) memcpy(c->b_ent, out.bonds, nb * sizeof *c->b_ent);
    yuma_epoch_output_free(&out);
    c->last_epoch_block = c->block;
    c->epochs++;
    return true;
}

bool ts_chain_advance(ts_chain *c, uint64_t to, ts_err *e)
{
    while (c->block < to) {
        c->block++;
        if (c->block % c->hp.tempo == 0 && !run_epoch(c, e)) return false;
    }
    return true;
}
