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
#include "yuma/gov_audit.h"
#include "yuma/tx.h"


/* The emission due process (docs/GOVERNANCE.md, governance-and-users §5.9).
 * Durations are in blocks (7,200 blocks a day on mainnet); fractions are
 * num/den pairs, compared exactly in integers. */
typedef struct {
    uint64_t notice_blocks;               /* deposit complete -> voting opens (2 d) */
    uint64_t voting_blocks;               /* 7 d */
    uint64_t timelock_blocks;             /* 7 d base */
    uint64_t timelock_max_blocks;         /* 30 d: the veto escrow stretches up to this */
    uint64_t param_timelock_blocks;       /* 14 d: proposals that change governance parameters */
    uint64_t appeal_window_blocks;        /* 72 h from the timelock's start */
    uint64_t appeal_voting_blocks;        /* 7 d */
    uint64_t topup_window_blocks;         /* 3 d to complete a deposit */
    uint64_t cooldown_blocks;             /* 30 d per subnet after a failed targeted proposal */
    uint64_t lock_period_blocks;          /* conviction lock period (7 d) */
    uint64_t min_deposit;                 /* rao (100 TAO) */
    uint32_t deposit_emission_ppm;        /* 5000 = 0.5% of the target's 30-day emission */
    uint64_t deposit_window_blocks;       /* the "30-day" of the deposit rule */
    uint32_t min_initial_deposit_ppm;     /* of the required deposit, paid at submission */
    uint32_t appeal_bond_ppm;             /* 250000 = 25% of the deposit */
    uint32_t s_pass_num, s_pass_den;      /* House S: aye > 1/2 of non-abstain votes */
    uint32_t s_appeal_num, s_appeal_den;  /* appeal: aye > 3/5 */
    uint32_t c_pass_num, c_pass_den;      /* House C: aye >= 2/3 of seats voting */
    uint32_t c_appeal_num, c_appeal_den;  /* appeal: >= 3/4 */
    uint32_t c_raised_num, c_raised_den;  /* when House S's NC(1/2) < nc_min: >= 3/4 */
    uint32_t nc_min;                      /* 5 */
    uint32_t c_turnout_num, c_turnout_den;/* House C: seats voting >= 1/2 of seats */
    uint32_t veto_num, veto_den;          /* no_with_veto > 1/3 in either house burns the deposit */
    uint32_t entity_cap_num, entity_cap_den;   /* a coldkey counts at most 1/10 of the votes cast */
    uint32_t cross_subnet_num, cross_subnet_den; /* stake outside the target counts 1/2 on targeted EAAs */
    uint32_t quorum_min_ppm, quorum_max_ppm, quorum_initial_ppm; /* House S quorum band 10%..40% */
    uint32_t quorum_ema_ppm;              /* weight of the last turnout in the quorum's EMA */
    uint32_t escrow_extend_ppm;           /* R above 5% stretches the timelock */
    uint32_t escrow_rage_ppm;             /* R at or above 25% at the 30-day mark: rage exit */
    uint16_t economic_seats, builder_seats, miner_seats; /* 64, 32, 32 */
    uint64_t seat_warmup_blocks;          /* 30 d */
    uint64_t builder_min_age_blocks;      /* 180 d */
    uint16_t miner_min_subnets;           /* 3 */
    uint32_t miner_top_ppm;               /* top decile: 100000 */
    uint64_t seat_sample_blocks;          /* blocks between seat EMA samples */
    uint32_t seat_ema_ppm;                /* 20000: alpha of the 30-day EMA per sample */
    uint64_t owner_term_blocks;           /* the lock refund is pro rata to what remains of it */
    uint64_t exit_registration_blocks;    /* neurons keep a free registration for 30 d */
    uint32_t exit_slippage_ppm;           /* rage exit through the AMM: the sale may move the price at most this */
    uint64_t price_ema_blocks;            /* window of the exit price's EMA (7 d), sampled every seat_sample_blocks */
} yuma_gov_params;

/* Mainnet values (§5.9) and the devnet preset (one "day" = 4 blocks). */
yuma_gov_params yuma_gov_params_default(void);
yuma_gov_params yuma_gov_params_devnet(void);

/* What the reference leaves to its root key is configuration here, fixed at
 * genesis; only an enacted governance proposal changes it later. */
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
    yuma_gov_params gov;                    /* the emission due process */
    yuma_gov_audit_params audit;            /* audit log, emission history, emergency lane (gov_audit.h) */
} yuma_chain_params;

/* The reference's production values (economics.md). */
yuma_chain_params yuma_chain_params_default(void);

/* Every chain parameter by id (1..yuma_param_count(); src/gov/params.c):
 * its genesis-file name, where it lives in yuma_chain_params, and the range
 * an enacted global proposal (or a genesis file) may give it. Ids are part
 * of the transaction format (the EAA_CHAIN_PARAM action names them). */
typedef enum {
    YUMA_PARAM_EMISSION = 0,   /* part of the emission formula or eligibility: a global EAA (§5.1) */
    YUMA_PARAM_GOVERNANCE = 1, /* a rule of the due process itself: 14-day timelock (§5.9) */
    YUMA_PARAM_OTHER = 2,      /* fees, rate limits, takes: still changed only by a global proposal */
} yuma_param_class;

typedef struct {
    const char *name;
    size_t offset;             /* in yuma_chain_params */
    uint8_t width;             /* bytes: 1, 2, 4 or 8 */
    uint64_t min, max;
    yuma_param_class cls;
} yuma_param_info;

size_t yuma_param_count(void);
const yuma_param_info *yuma_param_info_of(size_t id);          /* NULL outside 1..count */
const yuma_param_info *yuma_param_find(const char *name, size_t *id);
uint64_t yuma_param_read(const yuma_chain_params *p, const yuma_param_info *f);
/* False (p unchanged) when v is outside the parameter's range. */
bool yuma_param_write(yuma_chain_params *p, const yuma_param_info *f, uint64_t v);
/* Every parameter in range and the cross-field rules (fractions at most 1,
 * quorum band ordered, ...); *why gets a one-line reason when false. */
bool yuma_chain_params_valid(const yuma_chain_params *p, char *why, size_t why_len);

typedef struct {
    yuma_account account;
    uint64_t balance;
} yuma_genesis_balance;

typedef struct {
    uint64_t chain_id;
    yuma_chain_params params;
    size_t balance_count;
    const yuma_genesis_balance *balances;
    /* The emergency lane's guardian signers (src/gov/emergency.h); none
     * is allowed: a chain without an emergency lane. */
    size_t guardian_count;
    const yuma_guardian *guardians;
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
    /* emission due process (src/gov) */
    YUMA_CALL_ERR_GOV_NO_PROPOSAL,       /* no proposal with this id */
    YUMA_CALL_ERR_GOV_BAD_ACTIONS,       /* no action, an unknown one, or one that does not fit the target */
    YUMA_CALL_ERR_GOV_OPEN_PROPOSAL,     /* the subnet already has an open targeted proposal */
    YUMA_CALL_ERR_GOV_COOLDOWN,          /* the subnet is in its cooldown after a failed proposal */
    YUMA_CALL_ERR_GOV_DEPOSIT_TOO_LOW,   /* the initial deposit is below its minimum share */
    YUMA_CALL_ERR_GOV_WRONG_STATE,       /* the proposal's state does not allow this */
    YUMA_CALL_ERR_GOV_RESPONSE_LIMIT,    /* one response and one amendment were already filed */
    YUMA_CALL_ERR_GOV_BAD_CHOICE,        /* vote choice not 1..4, or escrow direction not 0/1 */
    YUMA_CALL_ERR_GOV_BAD_CONVICTION,    /* conviction above 5 */
    YUMA_CALL_ERR_GOV_RECUSED,           /* the target's owner and the proposer do not vote */
    YUMA_CALL_ERR_GOV_ALREADY_VOTED,
    YUMA_CALL_ERR_GOV_NO_VOTING_POWER,   /* no stake in the snapshot and no council seat */
    YUMA_CALL_ERR_GOV_NOT_PROPOSER,
    YUMA_CALL_ERR_GOV_STAKE_LOCKED,      /* stake held by a conviction lock or the veto escrow */
    YUMA_CALL_ERR_GOV_NOT_TARGETED,      /* only for proposals that target one subnet */
    YUMA_CALL_ERR_GOV_NO_EXIT_RIGHT,     /* owner_transfer only in the timelock of a disabling EAA */
    YUMA_CALL_ERR_GOV_NOT_ESCROWED,      /* unlocking more than was escrowed */
    YUMA_CALL_ERR_REGISTRATION_CLOSED,   /* governance closed the subnet's registration */
    /* emergency lane (src/gov/emergency.h) */
    YUMA_CALL_ERR_SAFE_MODE,             /* safe mode lets only unstaking and governance calls through */
    YUMA_CALL_ERR_NOT_GUARDIAN,          /* the signer is not an active guardian signer */
    YUMA_CALL_ERR_GUARDIAN_KIND,         /* not 1 escrow, 2 safe mode or 3 extend safe mode */
    YUMA_CALL_ERR_GUARDIAN_DURATION,     /* 0 or above the action's cap */
    YUMA_CALL_ERR_GUARDIAN_NO_HASH,      /* the statement or rationale hash is zero */
    YUMA_CALL_ERR_GUARDIAN_QUARTER_CAP,  /* the signer signed its actions for this quarter */
    YUMA_CALL_ERR_GUARDIAN_NO_ACTION,
    YUMA_CALL_ERR_GUARDIAN_NOT_PENDING,  /* the action took effect, expired (approval window) or was reverted */
    YUMA_CALL_ERR_GUARDIAN_ALREADY_SIGNED,
    YUMA_CALL_ERR_GUARDIAN_ESCROW_ACTIVE,/* the subnet's emission is already in escrow */
    YUMA_CALL_ERR_GUARDIAN_SAFE_MODE_STATE, /* safe mode already on, or not on / already extended */
    YUMA_CALL_ERR_GUARDIAN_RATIONALE,    /* posted already, window closed, or the action never took effect */
    YUMA_CALL_ERR_GUARDIAN_TOO_MANY_OPEN,
    YUMA_CALL_ERR_GOV_NOT_RESPONDER,     /* gov_respond: not the target's owner coldkey nor a top-3 validator hotkey */
    YUMA_CALL_ERR_GUARDIAN_TERM_ENDED,   /* the guardian signer's term ended; House C re-elects (guardian_add) */
    YUMA_CALL_ERR_GOV_NOT_TARGET_VALIDATOR, /* gov_escrow of root TAO: the hotkey has no validator permit on the target */
    YUMA_CALL_ERR_GOV_BAD_TRACK,         /* gov_delegate: the track is 0 targeted or 1 global */
    YUMA_CALL_ERR_GOV_SELF_DELEGATION,   /* gov_delegate: to the signer itself */
    YUMA_CALL_ERR_GOV_NOT_DELEGATED,     /* gov_delegate to nobody: no delegation on that track */
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
