/*
 * net_internal.h - what the training subnet's network processes share
 * (net_store.c, net_node.c, net_state.c): the process's state, its peers
 * as found on chain, publishing and mirroring artefacts over axons, and
 * the state file a restart resumes from.
 */
#ifndef YUMA_NET_INTERNAL_H
#define YUMA_NET_INTERNAL_H

#include "subnet/train/sim_internal.h"
#include "yuma/axon.h"
#include "yuma/dendrite.h"
#include "yuma/metagraph.h"
#include "yuma/sdk_client.h"
#include "yuma/trainnet.h"

#define TN_MAX_NODES (YUMA_TRAINSIM_MAX_MINERS + YUMA_TRAINSIM_MAX_VALIDATORS)

#define TN_STATE_FILE "state.bin"

/* What a state file must match (net_state.c): whose it is, the run, the model's sizes. */
typedef struct {
    yuma_trainnet_role role;
    uint32_t self;                /* training uid */
    uint32_t miners, validators;
    uint64_t seed, start_block;
    size_t n_params, n_norms, n_dbg; /* parameters, tensors (miner norms), debug values (validator) */
    const yuma_tensor_list *tl;   /* a stale miner's kept update is decoded against it (NULL: refused) */
    uint32_t chunk, topk;
} tn_state_id;

typedef struct {
    bool known;                   /* its commitment names this training uid */
    int chain_uid;
    yuma_dendrite_target target;
    bool have_target;
} tn_peer;

typedef struct {
    const yuma_trainnet_config *cfg;
    FILE *log;
    volatile sig_atomic_t *stop;
    uint16_t self;                /* this process's training uid */
    char store_dir[4096], pub_dir[4096];
    ts_env env;
    yuma_gpt *genesis;
    yuma_adversary adv;
    ts_miner miner;
    ts_validator val;
    bool miner_ready, val_ready;
    const uint8_t **heldout;
    size_t n_heldout;
    yuma_sdk_client *client;
    yuma_metagraph mg;
    yuma_axon *axon;
    yuma_dendrite *dendrite;
    tn_peer peers[TN_MAX_NODES];  /* by training uid */
    uint64_t head;                /* the newest chain height seen */
    uint64_t fetched, refused;    /* files mirrored, files refused */
    tn_state_id state_id;
    bool state_refused;           /* the saved state could not be trusted: nothing started */
    bool restored;                /* the saved state was loaded: it is as after window restored_window */
    uint64_t restored_window;
} tn_node;

/* Real chain block of logical block b (trainsim's blocks count from window 0). */
uint64_t tn_block(const tn_node *n, uint64_t logical);

/* Copies every file of store/<self>/ not yet in pub/ into pub/, stamped
 * with the chain head now, and restamps the store's copy the same way. */
bool tn_publish(tn_node *n, ts_err *e);

/* Removes from store/<self>/ what was written but never published (a
 * process killed between writing an upload and its put window): no peer
 * has it, so this node must not gather it either. */
bool tn_drop_unpublished(tn_node *n, ts_err *e);

/* Reads the metagraph and the commitments of neurons not known yet. */
bool tn_refresh_peers(tn_node *n, ts_err *e);

/* Fetches from each known peer (or only `only`, when >= 0) the files its
 * axon lists that the local mirror lacks, checking them. Failures to reach
 * a peer are logged, not fatal. */
bool tn_mirror(tn_node *n, int only, ts_err *e);

/* ---- state across restarts (net_state.c) ---------------------------------- */

/* The whole file for a miner (m) or a validator (v) after `window`. */
bool tn_state_encode(const tn_state_id *id, uint64_t window, const ts_miner *m, const ts_validator *v, uint8_t **out,
                     size_t *len, ts_err *e);
/* Checks a file against id and loads it into m or v (already initialised
 * for this role and model); false with the reason (which may have written
 * part of m or v: the caller then does not use them). */
bool tn_state_decode(const tn_state_id *id, const uint8_t *data, size_t len, uint64_t *window, ts_miner *m,
                     ts_validator *v, ts_err *e);
/* dir/state.bin written atomically; sum gets the file's checksum. */
bool tn_state_save(const char *dir, const tn_state_id *id, uint64_t window, const ts_miner *m, const ts_validator *v,
                   uint8_t sum[32], ts_err *e);
/* 1 loaded (window and sum set), 0 no file, -1 refused or unreadable (e
 * says why and how to start cold). */
int tn_state_load(const char *dir, const tn_state_id *id, uint64_t *window, ts_miner *m, ts_validator *v,
                  uint8_t sum[32], ts_err *e);

#endif
