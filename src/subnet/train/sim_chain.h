/*
 * sim_chain.h - the chain under the training-subnet simulation
 * (sim_chain.c), which only the one-process loop (sim.c) drives: a node on
 * a real chain sets weights by transactions instead.
 */
#ifndef YUMA_SIM_CHAIN_H
#define YUMA_SIM_CHAIN_H

#include "subnet/train/train_err.h"
#include "yuma/epoch.h"
#include "yuma/trainsim.h"

typedef struct {
    uint32_t n;
    yuma_hyperparams hp;
    uint64_t *stake, *registered_at, *last_update, *emission;
    bool *permit;
    yuma_entry *rows;              /* n rows of n entries: row i's first row_len[i] */
    uint32_t *row_len;
    size_t *w_off, *b_off;
    yuma_entry *w_ent, *b_ent;
    size_t b_cap;
    uint64_t block, last_epoch_block;
    uint64_t emission_per_epoch;
    uint32_t epochs;
    yuma_workspace *ws;
} ts_chain;

bool ts_chain_init(ts_chain *c, const yuma_trainsim_config *cfg, ts_err *e);
void ts_chain_free(ts_chain *c);
/* set_weights from validator uid at the current block (u16 values already
 * scaled to a maximum of 65535). */
void ts_chain_set_weights(ts_chain *c, uint16_t uid, const uint16_t *uids, const uint16_t *values, size_t count);
/* Advances to block `to`, running an epoch at every multiple of tempo. */
bool ts_chain_advance(ts_chain *c, uint64_t to, ts_err *e);

#endif
