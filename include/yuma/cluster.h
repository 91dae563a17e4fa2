/*
 * cluster.h - cluster mode (docs/CLUSTER.md): several yumad nodes run one
 * chain, its blocks ordered by etcd. No consensus protocol of our own:
 * etcd's Raft orders, and every node executes and verifies.
 *
 *  - Election: each node holds an etcd lease (TTL 2 s, renewed every
 *    500 ms); the node that creates the leader key with its lease is the
 *    producer, until the lease expires or is revoked.
 *  - Commit: the producer executes a block and commits it with one etcd
 *    transaction that creates /yuma/<genesis hash>/blocks/<height, 20
 *    digits> only if that key does not exist and the leader key is still
 *    the producer's own (same create revision): two blocks at one height
 *    are impossible, and a producer that lost its lease cannot commit.
 *    Only then does it persist the block and report its transactions.
 *  - Apply: every node reads the block keys in order and, before
 *    persisting a block, checks its encoding, signatures, execution, state
 *    root, block hash and each call's result. A node that disagrees stops
 *    producing, applying and accepting writes, and raises an alarm on
 *    /health (HTTP 503, "diverged") and /metrics (yuma_cluster_diverged).
 *  - Transactions sent to any node are admitted to its mempool and
 *    forwarded to the producer's RPC (its URL is in the leader key).
 *  - The producer keeps the newest retain_blocks blocks in etcd; a node
 *    further behind fetches the older ones from its peers (chain_getBlock
 *    with "encoded"), checks them against the hash chain ending at the
 *    oldest block etcd still has, and executes them.
 *
 * Blocks in etcd (and from peers) are yuma_block_encode()'s bytes.
 */
#ifndef YUMA_CLUSTER_H
#define YUMA_CLUSTER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/chain.h"
#include "yuma/node.h"

/* ---- the block encoding ---- */

/* "YBK1", then little-endian: height u64, parent hash, author, state root,
 * block hash (32 bytes each), tx count u32, then per transaction: call
 * status u16, length u32, the transaction's canonical bytes. */
#define YUMA_BLOCK_MAGIC "YBK1"
#define YUMA_BLOCK_HEADER_SIZE (4 + 8 + 4 * 32 + 4)

typedef struct {
    uint64_t height;
    uint8_t parent_hash[32];
    yuma_account author;
    uint8_t state_root[32];
    uint8_t hash[32];
    size_t tx_count;
    yuma_tx_bytes *txs;            /* point into the decoded buffer */
    yuma_call_status *call_status; /* per transaction */
    uint8_t *owned;                /* the copy txs point into */
} yuma_cluster_block;

/* Encodes an applied block (the block and the result the chain gave);
 * malloc'd into *out. False when out of memory or too large. */
bool yuma_block_encode(const yuma_block *b, const yuma_block_result *r, uint8_t **out, size_t *len);

/* Decodes strictly (magic, lengths, counts, nothing left over); copies
 * the bytes. False with a one-line message naming what is wrong. */
bool yuma_block_decode(const uint8_t *buf, size_t len, yuma_cluster_block *out, char *err, size_t errlen);
void yuma_cluster_block_free(yuma_cluster_block *b);

/* The block hash its header and transactions commit to (the chain's
 * definition: BLAKE2b-256 of height, parent, author, the transactions'
 * root and the state root), so a block from a peer can be checked against
 * its successor's parent hash before it is executed. */
void yuma_cluster_block_hash(const yuma_cluster_block *b, uint8_t out[32]);

/* ---- cluster mode ---- */

typedef struct {
    const char *endpoints;     /* etcd client URLs, comma-separated (required) */
    const char *name;          /* this node's name in the cluster, unique (required; [A-Za-z0-9_.-], 1..64) */
    const char *advertise_url; /* where peers reach this node's RPC; default http://127.0.0.1:<rpc port>/ */
    const char *rpc_token;     /* the cluster's RPC token for forwarded writes (NULL: none) */
    unsigned lease_ttl_s;      /* default 2 */
    unsigned keepalive_ms;     /* default 500 */
    uint64_t retain_blocks;    /* block keys kept in etcd (default 10000, at least 2) */
    size_t max_block_bytes;    /* transaction bytes in one block (default 768 KiB: fits etcd's default 1.5 MiB) */
    /* Test-only fault: from this height on (0 = never) this node executes
     * every block with a perturbed author, so its state diverges. yumad
     * sets it from YUMA_TEST_CORRUPT_AT_HEIGHT. */
    uint64_t test_corrupt_at_height;
} yuma_cluster_config;

typedef struct yuma_cluster yuma_cluster;

/* Joins the cluster: checks the node's chain against etcd (a store ahead of
 * the cluster, or holding another block at its height, is refused),
 * registers the node, starts the lease keepalive, block applier and
 * transaction forwarder threads, and installs the node's hooks. NULL with
 * a one-line message when etcd cannot be reached or the chain disagrees. */
yuma_cluster *yuma_cluster_start(yuma_node *n, const yuma_cluster_config *cfg, char *err, size_t errlen);

/* The node's main loop in cluster mode: campaigns for the leader key,
 * produces a block every interval while holding it, follows otherwise.
 * Returns when *stop becomes non-zero (true) or on a fatal error (false,
 * with a message: a block that cannot be persisted). */
bool yuma_cluster_run(yuma_cluster *c, volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Stops the threads, revokes the lease (a clean stop hands the producer
 * role over at once), removes the hooks and frees. The node stays open. */
void yuma_cluster_stop(yuma_cluster *c);

/* The key prefix of the chain in etcd: "/yuma/<genesis hash hex>/". */
void yuma_cluster_prefix(const uint8_t genesis_hash[32], char out[80]);

#endif
