/*
 * net_internal.h - what the training subnet's network processes share
 * (net_store.c, net_node.c): the process's state, its peers as found on
 * chain, and publishing and mirroring artefacts over axons.
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

#endif
