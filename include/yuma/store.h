/*
 * store.h - the node's persistence: one SQLite database (WAL journal,
 * synchronous FULL) holding the blocks, their transactions with each call's
 * result, and the chain's state records as of the last committed block
 * (docs/STORE.md gives the schema).
 *
 * A block and the state it produced are written by one SQLite transaction:
 * after a crash (a killed process or a power loss) the database holds
 * every block whose yuma_store_commit_block() returned YUMA_STORE_OK, and a
 * state that is exactly the state after the last of them. A restart
 * therefore loads the chain at that block (yuma_store_load) and continues.
 *
 * The store is bound to one genesis: yuma_store_bind_genesis() records its
 * hash, chain id and the node's own genesis document (opaque bytes: the
 * node owns that format) and refuses another genesis afterwards.
 *
 * A yuma_store handle is used by one thread at a time, with one exception:
 * yuma_store_write_staged() writes through a connection of its own and may
 * run beside any other call but the commit functions (queries then see the
 * blocks committed before it). Several handles (threads or processes) may
 * read the same file while one writes (WAL), but only one may commit
 * blocks.
 */
#ifndef YUMA_STORE_H
#define YUMA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "yuma/chain.h"

/* The schema this build writes and reads; a newer file is refused. */
#define YUMA_STORE_SCHEMA_VERSION 2

typedef struct yuma_store yuma_store;

typedef enum {
    YUMA_STORE_OK = 0,
    YUMA_STORE_ERR_NOMEM,
    YUMA_STORE_ERR_OPEN,             /* the file cannot be opened or created */
    YUMA_STORE_ERR_NOT_YUMA,         /* not a SQLite file, or another application's database */
    YUMA_STORE_ERR_SCHEMA_NEWER,     /* written by a newer yuma: this build cannot read it */
    YUMA_STORE_ERR_NO_GENESIS,       /* no genesis bound yet (yuma_store_bind_genesis) */
    YUMA_STORE_ERR_GENESIS_MISMATCH, /* the store belongs to another genesis */
    YUMA_STORE_ERR_GENESIS,          /* the genesis itself is invalid (the chain refuses it) */
    YUMA_STORE_ERR_SEQUENCE,         /* the block is not the next one to commit, or not the chain's last */
    YUMA_STORE_ERR_IO,               /* SQLite could not read or write (disk full, I/O error, locked) */
    YUMA_STORE_ERR_CORRUPT,          /* the contents contradict themselves (state root, replay, rows) */
    YUMA_STORE_ERR_NOT_FOUND,        /* a query found no such block or transaction */
} yuma_store_status;

/* One line saying what a status means, never NULL. */
const char *yuma_store_strerror(yuma_store_status s);

/* Opens the store at path, creating it (and its schema) when the file does
 * not exist or is empty. On failure *out is NULL and msg (if not NULL)
 * receives the details: the path, SQLite's own message, the versions. */
yuma_store_status yuma_store_open(const char *path, yuma_store **out, char *msg, size_t msg_len);
void yuma_store_close(yuma_store *s);

/* The details of the last failure of a call on this store ("" if none). */
const char *yuma_store_message(const yuma_store *s);

/* Binds an unbound store to genesis g (its hash and chain id, computed by
 * the chain, and doc, the node's genesis file as given: may be NULL when
 * doc_len is 0). On a bound store it only checks that g is the same
 * genesis (the document is not compared: the hash decides). */
yuma_store_status yuma_store_bind_genesis(yuma_store *s, const yuma_genesis *g, const void *doc, size_t doc_len);
/* A copy of the bound genesis document (caller frees with free()), so a
 * node can restart from its data directory alone. */
yuma_store_status yuma_store_genesis_doc(yuma_store *s, uint8_t **doc, size_t *doc_len);

/* Height of the last committed block (0 when none). */
uint64_t yuma_store_height(const yuma_store *s);

/* Persists a block that chain has just applied (block and result are what
 * yuma_chain_apply_block took and gave), with its transactions, each call's
 * status and every state record the chain changed since the last commit,
 * in one SQLite transaction. The block must be the store's next height and
 * the chain's last block (YUMA_STORE_ERR_SEQUENCE otherwise, nothing done).
 *
 * On any other failure nothing of this block is written and the store
 * keeps the changes it took from the chain, so the same call may be
 * repeated (once the cause is gone) and then writes everything. The node
 * must not apply another block before a commit succeeds; stopping is the
 * safe reaction: a restart loads the last committed block. */
yuma_store_status yuma_store_commit_block(yuma_store *s, yuma_chain *chain, const yuma_block *block,
                                          const yuma_block_result *result);

/* yuma_store_commit_block in two steps, so that a node can let other
 * threads use the chain and query the store while the block is written and
 * synced. Stage checks the block (as commit does) and takes its state
 * changes from the chain: call it with the chain just as commit needs it.
 * Write then commits the staged block in one SQLite transaction without
 * touching the chain; block and result (with the chain-owned arrays in
 * result) must stay as they were, so the chain must not apply another block
 * until write returns. Write fails with YUMA_STORE_ERR_SEQUENCE unless
 * block is the staged one; on a failure the changes stay staged and write
 * may be repeated. Its failures are described by yuma_store_write_message
 * (not yuma_store_message, which queries running beside it reset). */
yuma_store_status yuma_store_stage_block(yuma_store *s, yuma_chain *chain, const yuma_block *block,
                                         const yuma_block_result *result);
yuma_store_status yuma_store_write_staged(yuma_store *s, const yuma_block *block, const yuma_block_result *result);
const char *yuma_store_write_message(const yuma_store *s);

/* A new chain at the last committed block: created from g (which must be
 * the bound genesis), its state replaced by the stored records, and the
 * recomputed state root checked against the stored block's
 * (YUMA_STORE_ERR_CORRUPT when they differ). With no block committed it is
 * the genesis chain. The caller frees *out with yuma_chain_free(). */
yuma_store_status yuma_store_load(yuma_store *s, const yuma_genesis *g, yuma_chain **out);

/* Re-executes every stored block from genesis g in a fresh chain, signatures
 * verified, checking each block's hash, state root and call statuses
 * against the stored ones; *root and *height (either may be NULL) receive
 * the final state root and height. An audit: its cost is the whole chain. */
yuma_store_status yuma_store_replay(yuma_store *s, const yuma_genesis *g, uint8_t root[32], uint64_t *height);

/* Queries for the node's RPC. */
typedef struct {
    uint64_t height;
    uint8_t hash[32];
    uint8_t parent_hash[32];
    yuma_account author;
    uint8_t state_root[32];
    uint64_t tx_count;
} yuma_store_block_info;

typedef struct {
    uint64_t height;                /* the block that includes it */
    uint64_t index;                 /* its position in that block */
    yuma_call_status call_status;   /* the call's result (the fee is paid either way) */
    uint64_t retry_at;              /* refused by a rate limit: the block at which it clears; else 0 */
} yuma_store_tx_info;

/* YUMA_STORE_ERR_NOT_FOUND when no block of that height is stored. */
yuma_store_status yuma_store_block(yuma_store *s, uint64_t height, yuma_store_block_info *out);
/* By transaction id (BLAKE2b-256 of its encoding, yuma_tx_hash);
 * YUMA_STORE_ERR_NOT_FOUND when no stored block includes it. */
yuma_store_status yuma_store_tx(yuma_store *s, const uint8_t id[32], yuma_store_tx_info *out);

/* The transactions of a stored block, in order, with each call's status
 * (a cluster peer serves a block from them); free with yuma_store_txs_free.
 * YUMA_STORE_ERR_NOT_FOUND when no block of that height is stored. */
typedef struct {
    size_t count;
    yuma_tx_bytes *txs;
    yuma_call_status *call_status;
    uint8_t **copies;               /* the bytes txs point to */
} yuma_store_txs;
yuma_store_status yuma_store_block_txs(yuma_store *s, uint64_t height, yuma_store_txs *out);
void yuma_store_txs_free(yuma_store_txs *t);

/* The events of blocks from..to (inclusive), in block and emission order,
 * at most `limit` of them, optionally only those of one subnet
 * (netuid != YUMA_EVENT_NO_NETUID) or naming one account as who or other
 * (account != NULL). fn gets each with its block height; returning false
 * stops early. Blocks committed by a schema-1 store have no events. */
typedef bool (*yuma_store_event_fn)(uint64_t height, const yuma_event *e, void *ctx);
yuma_store_status yuma_store_events(yuma_store *s, uint64_t from, uint64_t to, uint16_t netuid,
                                    const yuma_account *account, size_t limit, yuma_store_event_fn fn, void *ctx);

#endif
