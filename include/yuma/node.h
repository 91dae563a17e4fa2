/*
 * node.h - a yuma node (what yumad runs): the chain, its SQLite store, a
 * mempool, a block producer and the JSON-RPC server, in one process.
 *
 * yuma_node_open() loads the chain at the last committed block of its data
 * directory (or creates it from a genesis on first start) and starts the
 * RPC server; yuma_node_produce() makes one block from the mempool,
 * persists it and announces it; yuma_node_run() calls it every interval
 * until asked to stop. One lock guards the chain: RPC readers take it
 * briefly, the producer holds it while applying a block and staging its
 * changes, then (alone, not in cluster mode) lets go of it while the store
 * writes and syncs the block; chain_head answers with the persisted block
 * meanwhile, and the block is announced only once it is persisted.
 */
#ifndef YUMA_NODE_H
#define YUMA_NODE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/genesis.h"

typedef struct {
    const char *data_dir;         /* holds yuma.db; created if missing */
    const char *genesis_path;     /* needed on first start; later the store has it */
    bool dev_genesis;             /* first start without a file: the devnet genesis */
    const char *rpc_address;      /* default 127.0.0.1 */
    uint16_t rpc_port;            /* 0 = any free port */
    const char *rpc_token;        /* bearer token for write methods, NULL = open */
    uint64_t block_interval_ms;   /* default 12000; devnet 1000 */
    size_t max_block_txs;         /* default 10000 */
    size_t max_block_bytes;       /* transaction bytes per block, 0 = no limit (cluster mode sets one) */
    size_t mempool_capacity;      /* pending transactions; 0 = the mempool's default (8192) */
    size_t mempool_per_sender;    /* pending transactions of one signer; 0 = default (64) */
    yuma_account author;          /* receives fees */
} yuma_node_config;

typedef struct yuma_node yuma_node;

/* NULL with a one-line message on failure. */
yuma_node *yuma_node_open(const yuma_node_config *cfg, char *err, size_t errlen);
void yuma_node_close(yuma_node *n);

uint16_t yuma_node_rpc_port(const yuma_node *n);
uint64_t yuma_node_height(yuma_node *n);

/* Produces, persists and announces one block (possibly empty). False with
 * a message when the block cannot be applied or persisted: the node must
 * stop (a restart continues from the last committed block). */
bool yuma_node_produce(yuma_node *n, char *err, size_t errlen);

/* Produces a block every interval until *stop becomes non-zero. */
bool yuma_node_run(yuma_node *n, volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Audits a data directory: loads the chain at its last committed block,
 * replays every stored block from genesis, and compares the two state
 * roots. True when they agree; *height receives the height. */
bool yuma_node_verify(const char *data_dir, uint64_t *height, char *err, size_t errlen);

/* ---- cluster mode (src/cluster, docs/CLUSTER.md) ----
 * The cluster drives the node through these hooks; with none set (the
 * single-node mode) the node behaves exactly as described above. Every
 * hook runs with the node's lock held. */
struct json_t;
enum { YUMA_NODE_COMMIT_OK, YUMA_NODE_COMMIT_SKIP, YUMA_NODE_COMMIT_FATAL };
typedef struct {
    void *user;
    /* yuma_node_produce() after the chain applied block b, before it is
     * persisted: OK persists and announces it; SKIP drops it (the hook has
     * put the chain back at the last persisted block); FATAL stops the
     * node with err. */
    int (*commit)(void *user, const yuma_block *b, const yuma_block_result *r, char *err, size_t errlen);
    /* Before a write method admits anything: true (with why) refuses it. */
    bool (*refuse_writes)(void *user, char *why, size_t len);
    /* A transaction the mempool accepted through RPC. */
    void (*accepted)(void *user, const uint8_t *tx, size_t len);
    /* Adds fields to GET /health (a "status" other than "ok" answers 503). */
    void (*health)(void *user, struct json_t *fields);
    /* Text appended to GET /metrics (malloc'd, or NULL). */
    char *(*metrics)(void *user);
} yuma_node_hooks;

/* Installs hooks (copied), or removes them with NULL. */
void yuma_node_set_hooks(yuma_node *n, const yuma_node_hooks *h);

/* The devnet's development key names (alice, bob, ...), NULL-terminated. */
extern const char *const yuma_dev_names[];

#endif
