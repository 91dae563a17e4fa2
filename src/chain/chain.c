/*
 * chain.c - the chain state machine: genesis, block validation and
 * application, transaction admission (chain, signature, nonce, fee) and the
 * dispatch of calls to the modules that own them.
 *
 * A block runs inside one savepoint of the state store: any invalid
 * transaction rolls the whole block back. Each call runs inside a nested
 * savepoint: a failing call is rolled back while its fee and nonce stay.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/calls.h"
#include "chain/chain_internal.h"
#include "chain/kv.h"
#include "chain/records.h"
#include "chain/subnet_rec.h"
#include "gov/emergency.h"
#include "yuma/chain.h"

struct yuma_chain {
    ykv *kv;
    uint64_t chain_id;
    uint8_t genesis_hash[32];
    yuma_chain_params params;
    uint64_t height;
    uint8_t last_hash[32];
    yuma_tx *scratch;          /* decoded transaction, reused (the struct is large) */
    chain_events events;       /* of the last applied block (yuma_block_result.events) */
    uint64_t *retry_at;        /* of the last applied block, per transaction */
    size_t retry_cap;
};

yuma_chain_params yuma_chain_params_default(void)
{
    yuma_chain_params p = {
        .min_fee = 100000,                         /* 0.0001 TAO */
        .fee_per_byte = 100,
        .default_block_emission = 1000000000ull,
        .tao_weight = 3320413933267719290ull,      /* 0.18, as on mainnet */
        .subnet_owner_cut = 11796,
        .max_epochs_per_block = 2,
        .network_min_lock_cost = 1000ull * YUMA_RAO_PER_TAO,
        .network_lock_reduction_interval = 57600,
        .network_rate_limit = 28800,
        .subnet_limit = 128,
        .start_call_delay = 0,
        .network_immunity_period = 864000,
        .min_stake = 2000000,
        .stake_threshold = 0,
        .min_delegate_take = 0,
        .max_delegate_take = 11796,
        .tx_delegate_take_rate_limit = 216000,
        .max_childkey_take = 11796,
        .pending_childkey_cooldown = 7200,
        .fee_rate = 33,
        .commitment_rate_limit = 100,
        .serving_rate_limit = 50,
        .admin_freeze_window = 10,
        .owner_hyperparam_rate_limit = 2,
        .gov = yuma_gov_params_default(),
        .audit = yuma_gov_audit_params_mainnet(),
    };
    return p;
}

const char *yuma_chain_strerror(yuma_chain_status s)
{
    switch (s) {
    case YUMA_CHAIN_OK: return "ok";
    case YUMA_CHAIN_ERR_NOMEM: return "out of memory";
    case YUMA_CHAIN_ERR_GENESIS: return "invalid genesis: duplicate account or supply above 21M TAO";
    case YUMA_CHAIN_ERR_HEIGHT: return "block height is not the next height";
    case YUMA_CHAIN_ERR_PARENT: return "block's parent hash is not the last block's hash";
    case YUMA_CHAIN_ERR_TX_CHAIN: return "transaction is for another chain (chain id or genesis hash)";
    case YUMA_CHAIN_ERR_TX_SIGNATURE: return "transaction signature does not verify";
    case YUMA_CHAIN_ERR_TX_NONCE: return "transaction nonce is not the signer's next nonce";
    case YUMA_CHAIN_ERR_TX_FEE_TOO_LOW: return "transaction fee is below the minimum for its size";
    case YUMA_CHAIN_ERR_TX_CANNOT_PAY_FEE: return "signer's balance cannot pay the transaction fee";
    case YUMA_CHAIN_ERR_TX_SIZE: return "transaction is larger than the maximum size";
    case YUMA_CHAIN_ERR_TX_DECODE: return "transaction is not a canonical encoding";
    }
    return "unknown chain status";
}

const char *yuma_call_strerror(yuma_call_status s)
{
    switch (s) {
    case YUMA_CALL_OK: return "ok";
    case YUMA_CALL_ERR_INSUFFICIENT_BALANCE: return "balance is too low for this amount";
    case YUMA_CALL_ERR_ZERO_AMOUNT: return "amount must be greater than zero";
    case YUMA_CALL_ERR_SELF_TRANSFER: return "cannot transfer to the sending account";
    case YUMA_CALL_ERR_UNSUPPORTED: return "this call is not offered by this version of the chain";
    case YUMA_CALL_ERR_OVERFLOW: return "amount overflows the recipient's balance";
    case YUMA_CALL_ERR_NOMEM: return "out of memory";
    case YUMA_CALL_ERR_ROOT_NETUID: return "this call is not allowed on the root subnet (netuid 0)";
    case YUMA_CALL_ERR_NO_SUBNET: return "no subnet with this netuid";
    case YUMA_CALL_ERR_NOT_OWNER: return "only the subnet's owner coldkey may do this";
    case YUMA_CALL_ERR_HOTKEY_OWNED: return "the hotkey belongs to another coldkey";
    case YUMA_CALL_ERR_ALREADY_REGISTERED: return "the hotkey is already registered on this subnet";
    case YUMA_CALL_ERR_NOT_REGISTERED: return "the hotkey is not registered on this subnet";
    case YUMA_CALL_ERR_ALREADY_STARTED: return "the subnet's emission has already started";
    case YUMA_CALL_ERR_START_TOO_EARLY: return "start_call is allowed only after the start delay";
    case YUMA_CALL_ERR_NETWORK_RATE_LIMIT: return "a subnet was registered too recently (network rate limit)";
    case YUMA_CALL_ERR_SUBNET_LIMIT: return "the subnet limit is reached and no subnet can be pruned";
    case YUMA_CALL_ERR_NO_NEURON_SLOT: return "the subnet is full and no uid can be pruned";
    case YUMA_CALL_ERR_TOO_MANY_WEIGHTS: return "more weights than uids on the subnet";
    case YUMA_CALL_ERR_STAKE_BELOW_THRESHOLD: return "the hotkey's stake is below the stake threshold for setting weights";
    case YUMA_CALL_ERR_VERSION_KEY: return "weights version key is older than the subnet requires";
    case YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT: return "weights were set too recently (weights rate limit)";
    case YUMA_CALL_ERR_NO_VALIDATOR_PERMIT: return "only validators with a permit may weight other uids";
    case YUMA_CALL_ERR_DUPLICATE_UID: return "a uid appears twice in the weights";
    case YUMA_CALL_ERR_UID_OUT_OF_RANGE: return "a weighted uid does not exist on the subnet";
    case YUMA_CALL_ERR_TOO_FEW_WEIGHTS: return "fewer weights than the subnet's minimum";
    case YUMA_CALL_ERR_POOL: return "the subnet's pool cannot execute this swap";
    case YUMA_CALL_ERR_PRICE_LIMIT: return "the price is already beyond the limit";
    case YUMA_CALL_ERR_AMOUNT_TOO_LOW: return "amount is below the minimum stake";
    case YUMA_CALL_ERR_NOT_ENOUGH_STAKE: return "not enough stake for this amount";
    case YUMA_CALL_ERR_SUBTOKEN_DISABLED: return "the subnet's token is not enabled until the owner calls start_call";
    case YUMA_CALL_ERR_NO_HOTKEY: return "the hotkey is not registered on any subnet";
    case YUMA_CALL_ERR_EPOCH_TRIGGER_PENDING: return "an epoch trigger is already pending for this subnet";
    case YUMA_CALL_ERR_EPOCH_TOO_CLOSE: return "the next epoch is already within the freeze window";
    case YUMA_CALL_ERR_INVALID_IP: return "the axon's IP address is unspecified, loopback or broadcast";
    case YUMA_CALL_ERR_INVALID_PORT: return "the axon's port must not be 0";
    case YUMA_CALL_ERR_SERVING_RATE_LIMIT: return "the axon was served too recently (serving rate limit)";
    case YUMA_CALL_ERR_COMMITMENT_RATE_LIMIT: return "a commitment was set too recently (commitment rate limit)";
    case YUMA_CALL_ERR_COMMIT_REVEAL_ENABLED: return "the subnet uses commit-reveal: commit and reveal weights instead";
    case YUMA_CALL_ERR_COMMIT_REVEAL_DISABLED: return "commit-reveal is not enabled on this subnet";
    case YUMA_CALL_ERR_TOO_MANY_COMMITS: return "too many unrevealed weight commits (at most 10)";
    case YUMA_CALL_ERR_NO_COMMIT: return "the hotkey has no pending weight commit on this subnet";
    case YUMA_CALL_ERR_COMMIT_MISMATCH: return "the revealed weights match no pending commit";
    case YUMA_CALL_ERR_COMMIT_EXPIRED: return "the revealed weights match only an expired commit";
    case YUMA_CALL_ERR_REVEAL_TOO_EARLY: return "the commit's reveal window has not opened yet";
    case YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS: return "the take is outside the allowed bounds";
    case YUMA_CALL_ERR_TAKE_NOT_LOWER: return "decrease_take needs a take strictly lower than the current one";
    case YUMA_CALL_ERR_TAKE_NOT_HIGHER: return "increase_take needs a take strictly higher than the current one";
    case YUMA_CALL_ERR_TAKE_RATE_LIMIT: return "the take was raised or changed too recently (take rate limit)";
    case YUMA_CALL_ERR_DUPLICATE_CHILD: return "a child appears twice";
    case YUMA_CALL_ERR_SELF_CHILD: return "a hotkey cannot be its own child";
    case YUMA_CALL_ERR_PROPORTION_OVERFLOW: return "the children's proportions sum to more than 1";
    case YUMA_CALL_ERR_CHILD_IS_PARENT: return "a child is already a parent of this hotkey";
    case YUMA_CALL_ERR_CHILDREN_RATE_LIMIT: return "children were set too recently (children rate limit)";
    case YUMA_CALL_ERR_CHILDREN_STAKE_THRESHOLD: return "the hotkey's stake is below the stake threshold for setting children";
    case YUMA_CALL_ERR_UNKNOWN_HYPERPARAM: return "no hyperparameter with this id";
    case YUMA_CALL_ERR_HYPERPARAM_GOVERNANCE: return "this hyperparameter is set by governance, not by the subnet owner";
    case YUMA_CALL_ERR_HYPERPARAM_OUT_OF_RANGE: return "the value is outside the hyperparameter's allowed range";
    case YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT: return "this hyperparameter was set too recently (owner rate limit)";
    case YUMA_CALL_ERR_ADMIN_FREEZE_WINDOW: return "hyperparameters are frozen just before the subnet's epoch";
    case YUMA_CALL_ERR_SAME_STAKE_POSITION: return "the origin and destination of the stake are the same";
    case YUMA_CALL_ERR_GOV_NO_PROPOSAL: return "no governance proposal with this id";
    case YUMA_CALL_ERR_GOV_BAD_ACTIONS: return "the proposal's actions are missing, unknown, out of range or do not fit its target";
    case YUMA_CALL_ERR_GOV_OPEN_PROPOSAL: return "the subnet already has an open targeted proposal (at most one)";
    case YUMA_CALL_ERR_GOV_COOLDOWN: return "the subnet is in its cooldown after a failed proposal";
    case YUMA_CALL_ERR_GOV_DEPOSIT_TOO_LOW: return "the initial deposit is below its minimum share of the required deposit";
    case YUMA_CALL_ERR_GOV_WRONG_STATE: return "the proposal is not in a state (or window) that allows this";
    case YUMA_CALL_ERR_GOV_RESPONSE_LIMIT: return "this responder (the owner, or a top validator) already filed a response and its one amendment";
    case YUMA_CALL_ERR_GOV_BAD_CHOICE: return "choice must be 1 aye, 2 nay, 3 abstain or 4 no_with_veto (escrow: 0 lock, 1 unlock, 2 lock with an AMM exit, 3 lock root TAO on a validator of the target, 4 unlock it)";
    case YUMA_CALL_ERR_GOV_BAD_CONVICTION: return "conviction must be 0..5";
    case YUMA_CALL_ERR_GOV_RECUSED: return "the target subnet's owner and the proposer are recused from this vote";
    case YUMA_CALL_ERR_GOV_ALREADY_VOTED: return "this coldkey already voted in this round";
    case YUMA_CALL_ERR_GOV_NO_VOTING_POWER: return "no stake in the vote's snapshot and no council seat";
    case YUMA_CALL_ERR_GOV_NOT_PROPOSER: return "only the proposer may withdraw a proposal";
    case YUMA_CALL_ERR_GOV_STAKE_LOCKED: return "this stake is locked by a conviction vote or the veto escrow";
    case YUMA_CALL_ERR_GOV_NOT_TARGETED: return "only proposals that target one subnet allow this";
    case YUMA_CALL_ERR_GOV_NO_EXIT_RIGHT: return "owner transfer is an exit right: only during the timelock of a passed EAA that disables or dissolves the subnet";
    case YUMA_CALL_ERR_GOV_NOT_ESCROWED: return "more than this coldkey escrowed on this hotkey";
    case YUMA_CALL_ERR_REGISTRATION_CLOSED: return "registration on this subnet was closed by an enacted governance proposal";
    case YUMA_CALL_ERR_SAFE_MODE: return "the chain is in safe mode: only remove_stake, gov_* and guardian_* calls are allowed";
    case YUMA_CALL_ERR_NOT_GUARDIAN: return "the signer is not an active guardian signer";
    case YUMA_CALL_ERR_GUARDIAN_KIND: return "guardian action must be 1 escrow, 2 safe mode or 3 extend safe mode";
    case YUMA_CALL_ERR_GUARDIAN_DURATION: return "the duration must be 1 block up to the action's cap (gov_emergency_escrow_blocks, gov_safe_mode_blocks, gov_safe_mode_extension_blocks)";
    case YUMA_CALL_ERR_GUARDIAN_NO_HASH: return "the exploit statement or rationale hash must not be zero";
    case YUMA_CALL_ERR_GUARDIAN_QUARTER_CAP: return "this guardian signer already signed its emergency actions for this quarter";
    case YUMA_CALL_ERR_GUARDIAN_NO_ACTION: return "no emergency action with this id";
    case YUMA_CALL_ERR_GUARDIAN_NOT_PENDING: return "the emergency action is no longer collecting approvals (it took effect, expired or was reverted)";
    case YUMA_CALL_ERR_GUARDIAN_ALREADY_SIGNED: return "this guardian signer already approved the action";
    case YUMA_CALL_ERR_GUARDIAN_ESCROW_ACTIVE: return "the subnet's emission is already in escrow";
    case YUMA_CALL_ERR_GUARDIAN_SAFE_MODE_STATE: return "safe mode is already on (or, to extend it: not on, or already extended once)";
    case YUMA_CALL_ERR_GUARDIAN_RATIONALE: return "a rationale can be posted once, within the rationale window, for an action that took effect";
    case YUMA_CALL_ERR_GUARDIAN_TOO_MANY_OPEN: return "too many emergency actions are open at once";
    case YUMA_CALL_ERR_GOV_NOT_RESPONDER: return "only the target subnet's owner coldkey or the hotkey of one of its top-3 validators (permit holders by alpha stake) may respond";
    case YUMA_CALL_ERR_GUARDIAN_TERM_ENDED: return "the guardian signer's term has ended: it may sign again once House C re-elects it (guardian_add)";
    case YUMA_CALL_ERR_GOV_BAD_TRACK: return "the delegation track must be 0 (targeted proposals) or 1 (global proposals)";
    case YUMA_CALL_ERR_GOV_SELF_DELEGATION: return "an account cannot delegate its vote to itself";
    case YUMA_CALL_ERR_GOV_NOT_DELEGATED: return "there is no delegation on this track to remove";
    case YUMA_CALL_ERR_GOV_NOT_TARGET_VALIDATOR: return "only TAO delegated to a validator of the target subnet (a hotkey with a validator permit there) can be escrowed";
    }
    return "unknown call status";
}

/* ---- genesis ---- */

/* Every parameter in the order of the parameter table (src/gov/params.c),
 * each little-endian in its own width. */
size_t chain_params_encode(const yuma_chain_params *p, uint8_t out[CHAIN_PARAMS_MAX])
{
    size_t n = 0;
    for (size_t id = 1; id <= yuma_param_count(); id++) {
        const yuma_param_info *f = yuma_param_info_of(id);
        uint64_t v = yuma_param_read(p, f);
        for (uint8_t i = 0; i < f->width; i++) out[n++] = (uint8_t)(v >> (8 * i));
    }
    return n;
}

/* Stores v in the field as is: the record holds what genesis or an
 * enactment wrote (ranges are checked there, not here). */
static void param_store(yuma_chain_params *p, const yuma_param_info *f, uint64_t v)
{
    uint8_t *base = (uint8_t *)p + f->offset;
    uint8_t v8 = (uint8_t)v;
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;
    if (f->width == 1) memcpy(base, &v8, 1);
    else if (f->width == 2) memcpy(base, &v16, 2);
    else if (f->width == 4) memcpy(base, &v32, 4);
    else memcpy(base, &v, 8);
}

bool chain_params_decode(const uint8_t *in, size_t len, yuma_chain_params *p)
{
    yuma_chain_params q = yuma_chain_params_default();
    size_t n = 0;
    for (size_t id = 1; id <= yuma_param_count(); id++) {
        const yuma_param_info *f = yuma_param_info_of(id);
        uint64_t v = 0;
        if (n + f->width > len) return false;
        for (uint8_t i = 0; i < f->width; i++) v |= (uint64_t)in[n++] << (8 * i);
        param_store(&q, f, v);
    }
    if (n != len) return false;
    *p = q;
    return true;
}

bool chain_params_load(const ykv *kv, yuma_chain_params *p)
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_PARAMS};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sizeof key, &vlen);
    return v && chain_params_decode(v, vlen, p);
}

static size_t encode_params(const yuma_chain_params *p, uint8_t *out)
{
    return chain_params_encode(p, out);
}

static int cmp_genesis_balance(const void *a, const void *b)
{
    return memcmp(((const yuma_genesis_balance *)a)->account.bytes,
                  ((const yuma_genesis_balance *)b)->account.bytes, 32);
}

/* genesis hash = BLAKE2b-256("yuma-genesis-v1" || chain id || params ||
 * count || (account || balance) in ascending account order) */
static yuma_chain_status hash_genesis(const yuma_genesis *g, const yuma_genesis_balance *sorted,
                                      uint8_t out[32])
{
    crypto_generichash_state st;
    uint8_t buf[CHAIN_PARAMS_MAX];
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"yuma-genesis-v1", 15);
    put_u64(buf, g->chain_id);
    crypto_generichash_update(&st, buf, 8);
    crypto_generichash_update(&st, buf, encode_params(&g->params, buf));
    put_u64(buf, g->balance_count);
    crypto_generichash_update(&st, buf, 8);
    for (size_t i = 0; i < g->balance_count; i++) {
        crypto_generichash_update(&st, sorted[i].account.bytes, 32);
        put_u64(buf, sorted[i].balance);
        crypto_generichash_update(&st, buf, 8);
    }
    /* The guardian signers, in slot order (a chain without them hashes as
     * before they existed). */
    if (g->guardian_count) {
        put_u64(buf, g->guardian_count);
        crypto_generichash_update(&st, buf, 8);
        for (size_t i = 0; i < g->guardian_count; i++) {
            crypto_generichash_update(&st, g->guardians[i].account.bytes, 32);
            crypto_generichash_update(&st, (const uint8_t *)g->guardians[i].org, YUMA_GUARDIAN_ORG_LEN);
        }
    }
    crypto_generichash_final(&st, out, 32);
    return YUMA_CHAIN_OK;
}

static bool write_params(ykv *kv, const yuma_chain_params *p)
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_PARAMS}, buf[CHAIN_PARAMS_MAX];
    return ykv_put(kv, key, sizeof key, buf, encode_params(p, buf));
}

static bool write_head(ykv *kv, uint64_t height, const uint8_t parent[32])
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_HEAD}, val[40];
    put_u64(val, height);
    memcpy(val + 8, parent, 32);
    return ykv_put(kv, key, sizeof key, val, sizeof val);
}

yuma_chain_status yuma_chain_new(const yuma_genesis *g, yuma_chain **out)
{
    *out = NULL;
    if (sodium_init() < 0) return YUMA_CHAIN_ERR_NOMEM;
    yuma_chain *c = calloc(1, sizeof *c);
    yuma_genesis_balance *sorted = malloc(sizeof(yuma_genesis_balance) * (g->balance_count + 1));
    if (c) {
        c->kv = ykv_new();
        c->scratch = malloc(sizeof(yuma_tx));
    }
    if (!c || !sorted || !c->kv || !c->scratch) {
        free(sorted);
        yuma_chain_free(c);
        return YUMA_CHAIN_ERR_NOMEM;
    }
    if (g->balance_count) memcpy(sorted, g->balances, sizeof(yuma_genesis_balance) * g->balance_count);
    qsort(sorted, g->balance_count, sizeof *sorted, cmp_genesis_balance);
    uint64_t total = 0;
    yuma_chain_status st = YUMA_CHAIN_OK;
    for (size_t i = 0; i < g->balance_count && st == YUMA_CHAIN_OK; i++) {
        if (i > 0 && cmp_genesis_balance(&sorted[i - 1], &sorted[i]) == 0) st = YUMA_CHAIN_ERR_GENESIS;
        else if (__builtin_add_overflow(total, sorted[i].balance, &total) || total > YUMA_TOTAL_SUPPLY)
            st = YUMA_CHAIN_ERR_GENESIS;
        else if (!account_put(c->kv, &sorted[i].account, (account_rec){sorted[i].balance, 0}))
            st = YUMA_CHAIN_ERR_NOMEM;
    }
    static const uint8_t zero[32];
    if (st == YUMA_CHAIN_OK && gov_lane_genesis_check(&g->params.audit, g->guardians, g->guardian_count))
        st = YUMA_CHAIN_ERR_GENESIS;
    if (st == YUMA_CHAIN_OK && !gov_lane_genesis_write(c->kv, g->guardians, g->guardian_count))
        st = YUMA_CHAIN_ERR_NOMEM;
    if (st == YUMA_CHAIN_OK) {
        c->chain_id = g->chain_id;
        c->params = g->params;
        hash_genesis(g, sorted, c->genesis_hash);
        memcpy(c->last_hash, c->genesis_hash, 32);
        if (!supply_put(c->kv, (supply_rec){total, 0}) || !write_params(c->kv, &g->params) ||
            !write_head(c->kv, 0, zero))
            st = YUMA_CHAIN_ERR_NOMEM;
    }
    free(sorted);
    if (st != YUMA_CHAIN_OK) {
        yuma_chain_free(c);
        return st;
    }
    *out = c;
    return YUMA_CHAIN_OK;
}

void yuma_chain_free(yuma_chain *c)
{
    if (!c) return;
    ykv_free(c->kv);
    free(c->scratch);
    free(c->events.v);
    free(c->retry_at);
    free(c);
}

void yuma_chain_genesis_hash(const yuma_chain *c, uint8_t out[32]) { memcpy(out, c->genesis_hash, 32); }
uint64_t yuma_chain_id(const yuma_chain *c) { return c->chain_id; }
uint64_t yuma_chain_height(const yuma_chain *c) { return c->height; }
void yuma_chain_last_hash(const yuma_chain *c, uint8_t out[32]) { memcpy(out, c->last_hash, 32); }

void yuma_chain_state_root(yuma_chain *c, uint8_t out[32])
{
    if (!ykv_root(c->kv, out)) memset(out, 0, 32);
}

uint64_t yuma_chain_balance(const yuma_chain *c, const yuma_account *a)
{
    return account_get(c->kv, a).balance;
}

uint64_t yuma_chain_nonce(const yuma_chain *c, const yuma_account *a)
{
    return account_get(c->kv, a).nonce;
}

uint64_t yuma_chain_total_issuance(const yuma_chain *c)
{
    return supply_get(c->kv).total_issuance;
}

uint64_t yuma_chain_min_fee(const yuma_chain *c, size_t encoded_len)
{
    uint64_t per = c->params.fee_per_byte, f;
    if (__builtin_mul_overflow(per, (uint64_t)encoded_len, &f) ||
        __builtin_add_overflow(f, c->params.min_fee, &f))
        return UINT64_MAX;
    return f;
}

/* ---- supply audit ---- */

#define AUDIT_NETUIDS 4096

typedef struct {
    unsigned __int128 balances;
    unsigned __int128 *stake; /* per netuid */
} audit_ctx;

static bool sum_balances(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)key;
    (void)klen;
    if (vlen == 16) ((audit_ctx *)ctx)->balances += get_u64(val);
    return true;
}

static bool sum_stake(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    if (klen == 35 && vlen == 24) {
        uint16_t netuid = (uint16_t)((key[33] << 8) | key[34]);
        if (netuid < AUDIT_NETUIDS) ((audit_ctx *)ctx)->stake[netuid] += get_u64(val);
    }
    return true;
}

bool yuma_chain_audit_supply(const yuma_chain *c, char *detail, size_t detail_len)
{
    audit_ctx a = {0, calloc(AUDIT_NETUIDS, sizeof(unsigned __int128))};
    uint8_t accounts = REC_ACCOUNT, pools = REC_ALPHA_POOL;
    if (!a.stake || !ykv_scan_prefix(c->kv, &accounts, 1, sum_balances, &a) ||
        !ykv_scan_prefix(c->kv, &pools, 1, sum_stake, &a)) {
        free(a.stake);
        snprintf(detail, detail_len, "out of memory while auditing");
        return false;
    }
    if (a.stake[0] != root_tao_get(c->kv)) {
        snprintf(detail, detail_len, "root stake pools hold %llu but the root total says %llu",
                 (unsigned long long)a.stake[0], (unsigned long long)root_tao_get(c->kv));
        free(a.stake);
        return false;
    }
    unsigned __int128 tao = a.balances + a.stake[0];
    for (uint16_t netuid = 1; netuid < AUDIT_NETUIDS; netuid++) {
        subnet_rec s;
        if (!subnet_get(c->kv, netuid, &s)) continue;
        tao += (unsigned __int128)s.pool.tao + s.fee_tao;
        unsigned __int128 held = a.stake[netuid] + s.pending_server + s.pending_validator + s.pending_root +
                                 s.pending_owner + s.protocol_alpha + s.alpha_burned;
        if (held != s.alpha_out) {
            snprintf(detail, detail_len, "subnet %u: alpha_out %llu but stake, pending, protocol and burned alpha hold %llu",
                     netuid, (unsigned long long)s.alpha_out, (unsigned long long)held);
            free(a.stake);
            return false;
        }
    }
    free(a.stake);
    supply_rec sup = supply_get(c->kv);
    if (tao != sup.total_issuance) {
        snprintf(detail, detail_len, "issuance %llu but balances, stake and pools hold %llu",
                 (unsigned long long)sup.total_issuance, (unsigned long long)tao);
        return false;
    }
    snprintf(detail, detail_len, "issuance %llu = balances + root stake + pools", (unsigned long long)sup.total_issuance);
    return true;
}

/* ---- transactions ---- */

/* Admission: everything that makes a transaction invalid (so the block
 * that carries it is invalid). On success the fee is charged to the signer
 * and credited to the author, and the nonce advanced. */
static yuma_chain_status admit(yuma_chain *c, const yuma_block *b, const yuma_tx_bytes *raw, yuma_tx *tx)
{
    if (raw->len > YUMA_TX_MAX_SIZE) return YUMA_CHAIN_ERR_TX_SIZE;
    size_t payload_len;
    if (yuma_tx_decode(raw->data, raw->len, tx, &payload_len) != YUMA_TX_OK) return YUMA_CHAIN_ERR_TX_DECODE;
    if (tx->chain_id != c->chain_id || memcmp(tx->genesis_hash, c->genesis_hash, 32) != 0)
        return YUMA_CHAIN_ERR_TX_CHAIN;
    if (!b->signatures_verified &&
        crypto_sign_verify_detached(raw->data + payload_len, raw->data, payload_len, tx->signer.bytes) != 0)
        return YUMA_CHAIN_ERR_TX_SIGNATURE;
    account_rec signer = account_get(c->kv, &tx->signer);
    if (tx->nonce != signer.nonce) return YUMA_CHAIN_ERR_TX_NONCE;
    if (tx->fee < yuma_chain_min_fee(c, raw->len)) return YUMA_CHAIN_ERR_TX_FEE_TOO_LOW;
    if (signer.balance < tx->fee || signer.nonce == UINT64_MAX) return YUMA_CHAIN_ERR_TX_CANNOT_PAY_FEE;
    signer.balance -= tx->fee;
    signer.nonce++;
    if (!account_put(c->kv, &tx->signer, signer)) return YUMA_CHAIN_ERR_NOMEM;
    account_rec author = account_get(c->kv, &b->author);
    author.balance += tx->fee; /* cannot overflow: all balances together stay below the supply cap */
    if (!account_put(c->kv, &b->author, author)) return YUMA_CHAIN_ERR_NOMEM;
    return YUMA_CHAIN_OK;
}

static void block_hash(const yuma_block *b, const uint8_t tx_root[32], const uint8_t state_root[32], uint8_t out[32])
{
    uint8_t buf[8 + 32 + 32 + 32 + 32];
    put_u64(buf, b->height);
    memcpy(buf + 8, b->parent_hash, 32);
    memcpy(buf + 40, b->author.bytes, 32);
    memcpy(buf + 72, tx_root, 32);
    memcpy(buf + 104, state_root, 32);
    crypto_generichash(out, 32, buf, sizeof buf, NULL, 0);
}

yuma_chain_status yuma_chain_apply_block(yuma_chain *c, const yuma_block *b, yuma_block_result *res)
{
    memset(res, 0, sizeof *res);
    if (b->height != c->height + 1) return YUMA_CHAIN_ERR_HEIGHT;
    if (memcmp(b->parent_hash, c->last_hash, 32) != 0) return YUMA_CHAIN_ERR_PARENT;
    yuma_call_status *status = calloc(b->tx_count ? b->tx_count : 1, sizeof *status);
    if (!status) return YUMA_CHAIN_ERR_NOMEM;
    if (b->tx_count > c->retry_cap) {
        uint64_t *r = realloc(c->retry_at, b->tx_count * sizeof *r);
        if (!r) {
            free(status);
            return YUMA_CHAIN_ERR_NOMEM;
        }
        c->retry_at = r;
        c->retry_cap = b->tx_count;
    }
    if (b->tx_count) memset(c->retry_at, 0, b->tx_count * sizeof *c->retry_at);
    c->events.n = 0;
    call_ctx cx = {.kv = c->kv, .params = &c->params, .block = b->height, .author = &b->author,
                   .events = &c->events, .tx_index = -1};
    size_t block_mark = ykv_savepoint(c->kv);
    yuma_chain_status st = write_head(c->kv, b->height, b->parent_hash) ? YUMA_CHAIN_OK : YUMA_CHAIN_ERR_NOMEM;
    if (st == YUMA_CHAIN_OK) st = block_step(&cx);
    /* An enacted global proposal may have changed the parameters: the
     * block's transactions and the blocks after it see the new ones. */
    if (st == YUMA_CHAIN_OK && !chain_params_load(c->kv, &c->params)) st = YUMA_CHAIN_ERR_NOMEM;
    crypto_generichash_state txs;
    crypto_generichash_init(&txs, NULL, 0, 32);
    for (size_t i = 0; i < b->tx_count && st == YUMA_CHAIN_OK; i++) {
        st = admit(c, b, &b->txs[i], c->scratch);
        if (st != YUMA_CHAIN_OK) {
            res->failed_tx = i;
            break;
        }
        uint8_t id[32];
        crypto_generichash(id, 32, b->txs[i].data, b->txs[i].len, NULL, 0);
        crypto_generichash_update(&txs, id, 32);
        size_t call_mark = ykv_savepoint(c->kv);
        size_t event_mark = c->events.n;
        cx.signer = &c->scratch->signer;
        cx.tx_index = (int32_t)i;
        cx.retry_at = 0;
        status[i] = dispatch_call(&cx, &c->scratch->call);
        if (status[i] == YUMA_CALL_OK && !chain_event_for_call(&cx, &c->scratch->call))
            status[i] = YUMA_CALL_ERR_NOMEM;
        if (status[i] == YUMA_CALL_ERR_NOMEM) st = YUMA_CHAIN_ERR_NOMEM;
        if (status[i] != YUMA_CALL_OK) {
            ykv_rollback(c->kv, call_mark);
            c->events.n = event_mark; /* a failed call did nothing, so it says nothing */
            c->retry_at[i] = cx.retry_at;
        } else {
            ykv_release(c->kv, call_mark);
        }
    }
    uint8_t tx_root[32], state_root[32];
    crypto_generichash_final(&txs, tx_root, 32);
    if (st == YUMA_CHAIN_OK && !ykv_root(c->kv, state_root)) st = YUMA_CHAIN_ERR_NOMEM;
    if (st != YUMA_CHAIN_OK) {
        ykv_rollback(c->kv, block_mark);
        chain_params_load(c->kv, &c->params); /* the record as it was before the block */
        c->events.n = 0;
        free(status);
        return st;
    }
    ykv_release(c->kv, block_mark);
    c->height = b->height;
    block_hash(b, tx_root, state_root, c->last_hash);
    memcpy(res->state_root, state_root, 32);
    memcpy(res->block_hash, c->last_hash, 32);
    res->tx_count = b->tx_count;
    res->call_status = status;
    res->retry_at = c->retry_at;
    res->events = c->events.v;
    res->event_count = c->events.n;
    return YUMA_CHAIN_OK;
}

const ykv *yuma_chain_state(const yuma_chain *c)
{
    return c->kv;
}

bool yuma_chain_drain_changes(yuma_chain *c, ykv_change_fn fn, void *ctx)
{
    return ykv_drain_changes(c->kv, fn, ctx);
}

static bool forget_change(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)key;
    (void)klen;
    (void)val;
    (void)vlen;
    (void)ctx;
    return true;
}

bool yuma_chain_restore(yuma_chain *c, uint64_t height, const uint8_t last_hash[32], yuma_chain_fill_fn fill,
                        void *ctx, uint8_t root[32])
{
    /* A fresh store, swapped in only once it is complete, so a failed
     * restore leaves the chain as it was. */
    ykv *kv = ykv_new();
    if (!kv || !fill(kv, ctx) || !ykv_root(kv, root) || !ykv_drain_changes(kv, forget_change, NULL)) {
        ykv_free(kv);
        return false;
    }
    yuma_chain_params params;
    if (!chain_params_load(kv, &params)) {
        ykv_free(kv);
        return false;
    }
    ykv_free(c->kv);
    c->kv = kv;
    c->params = params;
    c->height = height;
    memcpy(c->last_hash, last_hash, 32);
    return true;
}
