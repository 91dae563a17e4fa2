/*
 * mempool.h - the node's pool of pending transactions, from which the
 * block producer takes each block's transactions.
 *
 * Admission uses only the chain's read-only queries: a transaction enters
 * the pool when it is a canonical encoding no longer than the pool's size
 * limit, names this chain (chain id and genesis hash), carries a valid
 * signature, offers at least yuma_chain_min_fee() for its size, has a nonce
 * between the signer's current nonce and current + nonce_window, comes from
 * an account whose balance covers its fee, is not already pending, and fits
 * the pool's limits (count, bytes, per sender). A transaction with the same
 * signer and nonce as a pending one replaces it only when it offers a
 * strictly higher fee. Every refusal has its own status and a one-line
 * message with the numbers involved and what to do about it.
 *
 * yuma_mempool_next_block() picks a sequence the chain will accept: per
 * signer, consecutive nonces starting at the account's nonce (a signer with
 * a gap contributes only what precedes the gap, and nothing when its next
 * nonce is missing) while its balance covers the fees; across signers, the
 * highest fee first, ties broken by the lower transaction id, so the choice
 * is the same on every machine. A call that spends the balance (a transfer,
 * a stake) can still leave a later fee unpayable, which makes the block
 * invalid: the producer then drops the offending transaction with
 * yuma_mempool_remove() (yuma_block_result.failed_tx says which) and asks
 * again.
 *
 * yuma_mempool_submit_batch() checks decoding and signatures of a whole
 * batch on all cores (a pthread pool of one worker per online CPU, created
 * with the pool) before taking the pool's lock, then admits the batch in
 * order, exactly as yuma_mempool_submit() would one by one.
 *
 * Thread safety: every function may be called from any thread; the pool
 * has its own lock. The chain is only read, under the pool's lock; the
 * caller must keep it from being modified (yuma_chain_apply_block) while a
 * pool function that takes it runs.
 */
#ifndef YUMA_MEMPOOL_H
#define YUMA_MEMPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/chain.h"
#include "yuma/tx.h"

/* A zero field takes its default. */
typedef struct {
    size_t max_count;      /* pending transactions (default 8192) */
    size_t max_bytes;      /* encoded bytes of all pending transactions (default 32 MiB) */
    size_t max_per_sender; /* pending transactions of one signer (default 64) */
    uint64_t nonce_window; /* nonces accepted: account nonce .. nonce + window (default 64) */
    size_t max_tx_size;    /* longest encoding accepted (default and cap: YUMA_TX_MAX_ENCODED) */
    unsigned workers;      /* signature-checking threads; 0 = one per online CPU */
} yuma_mempool_config;

yuma_mempool_config yuma_mempool_config_default(void);

typedef enum {
    YUMA_MEMPOOL_OK = 0,
    YUMA_MEMPOOL_ERR_NOMEM,
    YUMA_MEMPOOL_ERR_TOO_LARGE,      /* encoding longer than max_tx_size */
    YUMA_MEMPOOL_ERR_DECODE,         /* not a canonical transaction encoding */
    YUMA_MEMPOOL_ERR_CHAIN,          /* signed for another chain id or genesis */
    YUMA_MEMPOOL_ERR_SIGNATURE,      /* signature does not verify */
    YUMA_MEMPOOL_ERR_DUPLICATE,      /* this exact transaction is already pending */
    YUMA_MEMPOOL_ERR_FEE_TOO_LOW,    /* below yuma_chain_min_fee() for its size */
    YUMA_MEMPOOL_ERR_NONCE_USED,     /* below the signer's current nonce */
    YUMA_MEMPOOL_ERR_NONCE_TOO_FAR,  /* above the signer's nonce + nonce_window */
    YUMA_MEMPOOL_ERR_CANNOT_PAY_FEE, /* the signer's balance is below the fee */
    YUMA_MEMPOOL_ERR_UNDERPRICED,    /* same signer and nonce pending with a fee at least as high */
    YUMA_MEMPOOL_ERR_SENDER_LIMIT,   /* the signer has max_per_sender pending */
    YUMA_MEMPOOL_ERR_POOL_FULL,      /* the pool holds max_count transactions */
    YUMA_MEMPOOL_ERR_POOL_BYTES,     /* the transaction would take the pool past max_bytes */
} yuma_mempool_status;

/* What a status means, one line, never NULL. */
const char *yuma_mempool_strerror(yuma_mempool_status s);

typedef struct {
    yuma_mempool_status status;
    uint8_t id[32];          /* the transaction's id; zero when it did not decode */
    bool replaced;           /* OK only: it replaced a pending transaction ... */
    uint8_t replaced_id[32]; /* ... with this id */
    /* The status with this transaction's numbers and what to do, e.g.
     * "fee 1000 rao is below the minimum 119400 rao for 194 bytes; offer at
     * least 119400". "accepted" or "accepted, replacing ..." on success. */
    char message[256];
} yuma_mempool_result;

typedef struct yuma_mempool yuma_mempool;

/* NULL when memory or a worker thread cannot be had. cfg NULL = defaults. */
yuma_mempool *yuma_mempool_new(const yuma_mempool_config *cfg);
void yuma_mempool_free(yuma_mempool *p);

/* Signature-checking threads the pool runs. */
unsigned yuma_mempool_workers(const yuma_mempool *p);

/* Admits one transaction (its canonical encoding); returns res->status. */
yuma_mempool_status yuma_mempool_submit(yuma_mempool *p, const yuma_chain *c, const uint8_t *data, size_t len,
                                        yuma_mempool_result *res);

/* Admits n transactions in order, results[i] for txs[i]: the same results
 * and the same pool as n calls of yuma_mempool_submit(), with decoding,
 * signatures and ids computed on all workers first. */
void yuma_mempool_submit_batch(yuma_mempool *p, const yuma_chain *c, const yuma_tx_bytes *txs, size_t n,
                               yuma_mempool_result *results);

/* The same in two phases, for a node that must hold its own chain lock
 * while the pool reads the chain: yuma_mempool_check() decodes and checks
 * signatures on all workers and needs no lock; yuma_mempool_admit() then
 * runs the state checks (under the caller's chain lock) and frees the
 * checked batch. txs must stay valid and unchanged in between. check
 * returns NULL when out of memory; yuma_mempool_checked_free() discards a
 * batch without admitting it. submit_batch is check followed by admit. */
typedef struct yuma_mempool_checked yuma_mempool_checked;
yuma_mempool_checked *yuma_mempool_check(yuma_mempool *p, const yuma_tx_bytes *txs, size_t n);
void yuma_mempool_admit(yuma_mempool *p, const yuma_chain *c, yuma_mempool_checked *k, yuma_mempool_result *results);
void yuma_mempool_checked_free(yuma_mempool_checked *k);

/* Decoding and signature only, on all workers: ok[i] is true when txs[i]
 * is a canonical encoding no longer than max_tx_size whose signature
 * verifies. Touches neither the pool nor any chain. */
void yuma_mempool_verify_batch(yuma_mempool *p, const yuma_tx_bytes *txs, size_t n, bool *ok);

/* A producer's selection; the caller owns it (yuma_mempool_block_free). */
typedef struct {
    size_t count;
    yuma_tx_bytes *txs;  /* copies, ready for yuma_block.txs */
    uint8_t (*ids)[32];  /* ids[i] of txs[i] */
    uint64_t total_fees; /* rao the author receives */
} yuma_mempool_block;

/* Up to max_txs transactions the chain's current state accepts, in block
 * order (see the top of this file). Signatures are verified: the block may
 * set signatures_verified. YUMA_MEMPOOL_ERR_NOMEM leaves *out empty. */
yuma_mempool_status yuma_mempool_next_block(yuma_mempool *p, const yuma_chain *c, size_t max_txs,
                                            yuma_mempool_block *out);
void yuma_mempool_block_free(yuma_mempool_block *b);

/* After the chain applied a block: drops the block's transactions and
 * every pending transaction whose nonce the chain has now passed (one
 * included from another node, or replaced on chain). Returns how many
 * were dropped. */
size_t yuma_mempool_remove_included(yuma_mempool *p, const yuma_chain *c, const yuma_tx_bytes *txs, size_t n);

/* Drops one pending transaction (for example one that made a block
 * invalid); false when it is not pending. */
bool yuma_mempool_remove(yuma_mempool *p, const uint8_t id[32]);

bool yuma_mempool_contains(yuma_mempool *p, const uint8_t id[32]);
size_t yuma_mempool_count(yuma_mempool *p);
size_t yuma_mempool_bytes(yuma_mempool *p);
size_t yuma_mempool_sender_count(yuma_mempool *p, const yuma_account *a);

/* The nonce a wallet should sign next: the account's chain nonce followed
 * by its consecutive pending nonces. */
uint64_t yuma_mempool_next_nonce(yuma_mempool *p, const yuma_chain *c, const yuma_account *a);

#endif
