/*
 * subnet_rec.h - the records of subnets and their neurons, and their
 * canonical encodings: the subnet (hyperparameters, pool reserves, pending
 * emission, epoch bookkeeping), each neuron (uid -> hotkey and the epoch's
 * stored outputs), the reverse index hotkey -> uid, weight and bond rows,
 * and the hotkey -> owning coldkey map.
 */
#ifndef YUMA_CHAIN_SUBNET_REC_H
#define YUMA_CHAIN_SUBNET_REC_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/kv.h"
#include "yuma/chain.h"
#include "yuma/epoch.h"
#include "yuma/fixed128.h"
#include "yuma/pool.h"
#include "yuma/tx.h"

enum {
    REC_NETWORK = 0x03,    /* global: subnet registration state */
    REC_SUBNET = 0x04,     /* + netuid (big endian, so scans run in netuid order) */
    REC_NEURON = 0x05,     /* + netuid + uid */
    REC_UID = 0x06,        /* + netuid + hotkey -> uid */
    REC_WEIGHTS = 0x07,    /* + netuid + uid -> (uid, value) pairs in submission order */
    REC_BONDS = 0x08,      /* + netuid + uid -> (uid, value) pairs as stored */
    REC_HOTKEY = 0x09,     /* + hotkey -> owning coldkey, take */
    REC_ALPHA_POOL = 0x0A, /* + hotkey + netuid -> stake value and share denominator */
    REC_ALPHA_SHARE = 0x0B,/* + hotkey + netuid + coldkey -> shares */
};

/* Registration takes the lowest free netuid and the count never exceeds
 * the subnet limit, so every subnet's netuid is at most that limit. */
#define YUMA_MAX_NETUID 4095
static inline uint16_t subnet_netuid_bound(const yuma_chain_params *p)
{
    return p->subnet_limit < YUMA_MAX_NETUID ? p->subnet_limit : YUMA_MAX_NETUID;
}

typedef struct {
    uint64_t last_lock;
    uint64_t last_lock_block;
} network_rec;

typedef struct {
    yuma_account owner_coldkey, owner_hotkey;
    uint64_t registered_at;
    uint64_t first_emission_block;   /* 0 until start_call */
    uint64_t lock;
    uint16_t n, max_uids;
    uint64_t burn, min_burn, max_burn;
    uint16_t burn_half_life;
    yu128 burn_increase_mult;        /* U64F64 */
    uint64_t immunity_period;
    uint16_t min_allowed_weights;
    uint64_t weights_rate_limit;
    uint64_t weights_version_key;
    yuma_hyperparams hp;             /* the epoch's hyperparameters */
    yuma_pool pool;
    bool pool_initialized;           /* the first swap sets the weight to 0.5 */
    uint64_t alpha_out;              /* alpha outside the pool (staked, pending, protocol) */
    uint64_t protocol_alpha;         /* alpha bought by chain buys, owned by no one */
    uint64_t fee_tao;                /* registration fees kept on the subnet account */
    uint64_t alpha_burned;           /* burned alpha: destroyed, still counted in issuance */
    uint64_t pending_server, pending_validator, pending_root, pending_owner;
    uint64_t last_epoch_block, pending_epoch_at, blocks_since_last_step, epoch_index;
    uint64_t last_step_block;        /* LastMechansimStepBlock */
    yu128 moving_price;              /* I96F32, EMA of the spot price */
    uint64_t miner_burned_ppb;       /* share of the last epoch's incentive withheld, 1e9 = all */
    /* Owner-settable switches of neuron_calls.c and commit_reveal.c. The
     * reference turns commit-reveal on for new subnets; it is off here
     * until the coinbase applies its mask (and the existing weight tests
     * assume plain set_weights). */
    bool commit_reveal;              /* CommitRevealWeightsEnabled */
    uint64_t reveal_period_epochs;   /* RevealPeriodEpochs, 1..100 */
    bool bonds_reset;                /* BondsResetOn: a commitment clears the bonds on its uid */
    uint64_t serving_rate_limit;     /* ServingRateLimit, blocks between serve_axon */
} subnet_rec;

typedef struct {
    yuma_account hotkey;
    uint64_t registered_at;
    uint64_t last_update;
    bool validator_permit;
    bool active;
    uint16_t consensus, incentive, dividends, validator_trust, stake_weight;
    uint64_t emission;
} neuron_rec;

typedef struct {
    yuma_account owner;
    uint16_t take;
    uint64_t last_take_block;
} hotkey_rec;

bool network_get(const ykv *kv, network_rec *out);
bool network_put(ykv *kv, const network_rec *r);

bool subnet_get(const ykv *kv, uint16_t netuid, subnet_rec *out);
bool subnet_put(ykv *kv, uint16_t netuid, const subnet_rec *s);
bool subnet_exists(const ykv *kv, uint16_t netuid);

bool neuron_get(const ykv *kv, uint16_t netuid, uint16_t uid, neuron_rec *out);
bool neuron_put(ykv *kv, uint16_t netuid, uint16_t uid, const neuron_rec *r);

/* uid of hotkey on netuid; false when not registered there. */
bool uid_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey, uint16_t *uid);
bool uid_put(ykv *kv, uint16_t netuid, const yuma_account *hotkey, uint16_t uid);
bool uid_del(ykv *kv, uint16_t netuid, const yuma_account *hotkey);

/* Weight and bond rows: count entries read into out (at most cap). */
size_t row_get(const ykv *kv, int rec, uint16_t netuid, uint16_t uid, yuma_entry *out, size_t cap);
bool row_put(ykv *kv, int rec, uint16_t netuid, uint16_t uid, const yuma_entry *e, size_t count);

bool hotkey_get(const ykv *kv, const yuma_account *hotkey, hotkey_rec *out);
bool hotkey_put(ykv *kv, const yuma_account *hotkey, const hotkey_rec *r);

#endif
