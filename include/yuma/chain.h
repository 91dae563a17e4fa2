/*
 * chain.h - the chain as a deterministic state machine: genesis, blocks of
 * signed transactions, per-block emission and each subnet's epoch.
 *
 * yuma_chain_apply_block() runs the block step (emission, coinbase,
 * epochs) and then the block's transactions, in order. A transaction that
 * is invalid (wrong chain, bad signature, wrong nonce, fee below the
 * minimum or unaffordable) makes the whole block invalid and changes
 * nothing. A valid transaction pays its fee and advances its nonce even if
 * its call then fails; a failed call changes nothing else and its error is
 * reported. After the block the state root commits to the whole state.
 *
 * Nothing here reads a clock, randomness or the network: the same genesis
 * and blocks give the same state and roots on every machine.
 */
#ifndef YUMA_CHAIN_H
#define YUMA_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/emission.h"
#include "yuma/tx.h"


/* What the reference leaves to its root key is configuration here, fixed at
 * genesis (changing it later is the governance module's job). */
typedef struct {
    uint64_t min_fee;                       /* rao per transaction */
    uint64_t fee_per_byte;                  /* rao per encoded byte */
    uint64_t default_block_emission;        /* rao per block before halvings (1 TAO) */
    uint64_t tao_weight;                    /* of 2^64 - 1 */
    uint16_t subnet_owner_cut;              /* u16 proportion (18%) */
    uint8_t max_epochs_per_block;
    uint64_t network_min_lock_cost;
    uint64_t network_lock_reduction_interval;
    uint64_t network_rate_limit;
    uint16_t subnet_limit;
    uint64_t start_call_delay;
    uint64_t network_immunity_period;
    uint64_t min_stake;                     /* DefaultMinStake */
    uint64_t stake_threshold;
    uint16_t min_delegate_take, max_delegate_take;
    uint64_t tx_delegate_take_rate_limit;
    uint16_t max_childkey_take;
    uint64_t pending_childkey_cooldown;
    uint16_t fee_rate;                      /* swap fee, u16 proportion */
    uint64_t commitment_rate_limit;         /* blocks between commitments */
    uint64_t serving_rate_limit;
    uint64_t admin_freeze_window;
    uint64_t owner_hyperparam_rate_limit;   /* in tempos */
} yuma_chain_params;

/* The reference's production values (economics.md). */
yuma_chain_params yuma_chain_params_default(void);

typedef struct {
    yuma_account account;
    uint64_t balance;
} yuma_genesis_balance;

typedef struct {
    uint64_t chain_id;
    yuma_chain_params params;
    size_t balance_count;
    const yuma_genesis_balance *balances;
} yuma_genesis;

typedef struct yuma_chain yuma_chain;

typedef enum {
    YUMA_CHAIN_OK = 0,
    YUMA_CHAIN_ERR_NOMEM,
    YUMA_CHAIN_ERR_GENESIS,         /* duplicate account or supply over the cap */
    YUMA_CHAIN_ERR_HEIGHT,          /* block height is not the next one */
    YUMA_CHAIN_ERR_PARENT,          /* parent hash is not the last block's */
    YUMA_CHAIN_ERR_TX_CHAIN,        /* transaction for another chain id or genesis */
    YUMA_CHAIN_ERR_TX_SIGNATURE,
    YUMA_CHAIN_ERR_TX_NONCE,
    YUMA_CHAIN_ERR_TX_FEE_TOO_LOW,
    YUMA_CHAIN_ERR_TX_CANNOT_PAY_FEE,
    YUMA_CHAIN_ERR_TX_SIZE,
    YUMA_CHAIN_ERR_TX_DECODE,       /* not a canonical transaction encoding */
} yuma_chain_status;

const char *yuma_chain_strerror(yuma_chain_status s);

/* Errors of calls (the transaction is included, its fee paid). */
typedef enum {
    YUMA_CALL_OK = 0,
    YUMA_CALL_ERR_INSUFFICIENT_BALANCE,
    YUMA_CALL_ERR_ZERO_AMOUNT,
    YUMA_CALL_ERR_SELF_TRANSFER,
    YUMA_CALL_ERR_UNSUPPORTED,       /* a call this version of the chain does not offer */
    YUMA_CALL_ERR_OVERFLOW,
    YUMA_CALL_ERR_NOMEM,             /* the node ran out of memory: the block fails */
    YUMA_CALL_ERR_ROOT_NETUID,       /* the call is not allowed on the root subnet (0) */
    YUMA_CALL_ERR_NO_SUBNET,
    YUMA_CALL_ERR_NOT_OWNER,         /* signer is not the subnet's owner coldkey */
    YUMA_CALL_ERR_HOTKEY_OWNED,      /* hotkey belongs to another coldkey */
    YUMA_CALL_ERR_ALREADY_REGISTERED,
    YUMA_CALL_ERR_NOT_REGISTERED,    /* hotkey has no uid on this subnet */
    YUMA_CALL_ERR_ALREADY_STARTED,
    YUMA_CALL_ERR_START_TOO_EARLY,
    YUMA_CALL_ERR_NETWORK_RATE_LIMIT,
    YUMA_CALL_ERR_SUBNET_LIMIT,
    YUMA_CALL_ERR_NO_NEURON_SLOT,    /* subnet full and no uid can be pruned */
    YUMA_CALL_ERR_TOO_MANY_WEIGHTS,
    YUMA_CALL_ERR_STAKE_BELOW_THRESHOLD,
    YUMA_CALL_ERR_VERSION_KEY,
    YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT,
    YUMA_CALL_ERR_NO_VALIDATOR_PERMIT,
    YUMA_CALL_ERR_DUPLICATE_UID,
    YUMA_CALL_ERR_UID_OUT_OF_RANGE,
    YUMA_CALL_ERR_TOO_FEW_WEIGHTS,
    YUMA_CALL_ERR_POOL,              /* the subnet's pool refused the swap (see pool status) */
    YUMA_CALL_ERR_PRICE_LIMIT,
    YUMA_CALL_ERR_AMOUNT_TOO_LOW,    /* below the minimum stake */
    YUMA_CALL_ERR_NOT_ENOUGH_STAKE,
    YUMA_CALL_ERR_SUBTOKEN_DISABLED, /* staking before the owner's start_call */
    YUMA_CALL_ERR_NO_HOTKEY,         /* hotkey is not registered anywhere */
    YUMA_CALL_ERR_EPOCH_TRIGGER_PENDING,
    YUMA_CALL_ERR_EPOCH_TOO_CLOSE,   /* the next epoch is already within the freeze window */
    YUMA_CALL_ERR_INVALID_IP,        /* serve_axon: unspecified, loopback or broadcast address */
    YUMA_CALL_ERR_INVALID_PORT,      /* serve_axon: port 0 */
    YUMA_CALL_ERR_SERVING_RATE_LIMIT,
    YUMA_CALL_ERR_COMMITMENT_RATE_LIMIT,
    YUMA_CALL_ERR_COMMIT_REVEAL_ENABLED,  /* set_weights on a commit-reveal subnet */
    YUMA_CALL_ERR_COMMIT_REVEAL_DISABLED, /* commit/reveal on a subnet without commit-reveal */
    YUMA_CALL_ERR_TOO_MANY_COMMITS,  /* 10 unrevealed commits pending */
    YUMA_CALL_ERR_NO_COMMIT,         /* no pending commit at all */
    YUMA_CALL_ERR_COMMIT_MISMATCH,   /* the reveal hashes to no pending commit */
    YUMA_CALL_ERR_COMMIT_EXPIRED,    /* the reveal matches only an expired commit */
    YUMA_CALL_ERR_REVEAL_TOO_EARLY,
    YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS,
    YUMA_CALL_ERR_TAKE_NOT_LOWER,
    YUMA_CALL_ERR_TAKE_NOT_HIGHER,
    YUMA_CALL_ERR_TAKE_RATE_LIMIT,
    YUMA_CALL_ERR_DUPLICATE_CHILD,
    YUMA_CALL_ERR_SELF_CHILD,
    YUMA_CALL_ERR_PROPORTION_OVERFLOW, /* children's proportions sum above 2^64 - 1 */
    YUMA_CALL_ERR_CHILD_IS_PARENT,
    YUMA_CALL_ERR_CHILDREN_RATE_LIMIT,
    YUMA_CALL_ERR_CHILDREN_STAKE_THRESHOLD,
    YUMA_CALL_ERR_UNKNOWN_HYPERPARAM,
    YUMA_CALL_ERR_HYPERPARAM_GOVERNANCE, /* root-only in the reference: governance sets it */
    YUMA_CALL_ERR_HYPERPARAM_OUT_OF_RANGE,
    YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT,
    YUMA_CALL_ERR_ADMIN_FREEZE_WINDOW,
    YUMA_CALL_ERR_SAME_STAKE_POSITION,   /* a move whose origin is its destination */
} yuma_call_status;

const char *yuma_call_strerror(yuma_call_status s);

typedef struct {
    const uint8_t *data;            /* a transaction's canonical encoding */
    size_t len;
} yuma_tx_bytes;

typedef struct {
    uint64_t height;
    uint8_t parent_hash[32];
    yuma_account author;            /* receives the fees */
    size_t tx_count;
    const yuma_tx_bytes *txs;
    /* Set by a caller that has already verified every signature (the node
     * does so on all cores as transactions arrive); otherwise the chain
     * verifies them itself. */
    bool signatures_verified;
} yuma_block;

/* Events say what a block did, for clients (docs/RPC.md "Events"). They
 * are derived deterministically while the block is applied, but they are
 * an output of the block, not state: the state root does not cover them. */
enum {
    /* 1..255: a successful call of that kind (yuma_call_kind); who is the
     * signer, other/netuid/amount the call's main arguments. */
    YUMA_EVENT_CALL_MAX = 255,
    YUMA_EVENT_EPOCH = 256,             /* netuid ran its epoch; amount = alpha paid, value = epoch number */
    YUMA_EVENT_GOVERNANCE_BASE = 512,   /* 512..767: governance events (src/gov) */
    YUMA_EVENT_GOVERNANCE_MAX = 767,
};
#define YUMA_EVENT_NO_NETUID 0xFFFFu
typedef struct {
    uint16_t kind;
    uint16_t netuid;                /* YUMA_EVENT_NO_NETUID when none */
    int32_t tx_index;               /* the transaction's index in the block; -1 for the block step */
    yuma_account who;               /* the acting account (a call's signer) */
    yuma_account other;             /* a counterparty or hotkey, zero when none */
    uint64_t amount;
    uint64_t value;
} yuma_event;

/* "transfer", "epoch", ...; NULL for a kind no module defines. */
const char *yuma_event_name(uint16_t kind);

typedef struct {
    uint8_t state_root[32];
    uint8_t block_hash[32];
    size_t tx_count;
    yuma_call_status *call_status;  /* per transaction (caller frees with free()) */
    size_t failed_tx;               /* with a transaction error: the offending index */
    /* Owned by the chain, valid until its next yuma_chain_apply_block: */
    const uint64_t *retry_at;       /* per transaction: for a call refused by a rate limit, the
                                       first block at which it would pass; 0 otherwise */
    const yuma_event *events;       /* in the order they happened */
    size_t event_count;
} yuma_block_result;

yuma_chain_status yuma_chain_new(const yuma_genesis *g, yuma_chain **out);
void yuma_chain_free(yuma_chain *c);

/* BLAKE2b-256 of the genesis' canonical encoding; signed into every tx. */
void yuma_chain_genesis_hash(const yuma_chain *c, uint8_t out[32]);
uint64_t yuma_chain_id(const yuma_chain *c);
uint64_t yuma_chain_height(const yuma_chain *c);   /* last applied block, 0 = genesis */
void yuma_chain_last_hash(const yuma_chain *c, uint8_t out[32]);
void yuma_chain_state_root(yuma_chain *c, uint8_t out[32]);

/* Validates and applies a block; on error nothing changes. */
yuma_chain_status yuma_chain_apply_block(yuma_chain *c, const yuma_block *b, yuma_block_result *res);

/* The minimum fee of a transaction of this encoded size. */
uint64_t yuma_chain_min_fee(const yuma_chain *c, size_t encoded_len);

/* Queries. */
uint64_t yuma_chain_balance(const yuma_chain *c, const yuma_account *a);
uint64_t yuma_chain_nonce(const yuma_chain *c, const yuma_account *a);
uint64_t yuma_chain_total_issuance(const yuma_chain *c);

/* Supply audit: recomputes every holding from the records and compares it
 * with the issuance counter. Returns true when they agree; *detail gets a
 * one-line explanation otherwise. */
bool yuma_chain_audit_supply(const yuma_chain *c, char *detail, size_t detail_len);

#endif
