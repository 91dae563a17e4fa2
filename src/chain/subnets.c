/*
 * subnets.c - subnets and their neurons: register_network (lock cost,
 * pool creation), start_call (emission starts by rule, after a delay, never
 * by an admin's approval), burned_register (the registration price, its
 * decay and bump, pruning the lowest neuron of a full subnet) and
 * set_weights with every check of the reference, in its order
 * (yuma-consensus.md §4.1). Spec: economics.md §6 and §8.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/calls.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "consensus/math.h"
#include "gov/gov.h"
#include "yuma/emission.h"
#include "yuma/pool.h"

#define NEW_SUBNET_TEMPO 360
#define NEW_SUBNET_MAX_UIDS 256
#define NEW_SUBNET_MAX_VALIDATORS 64
#define NEW_SUBNET_IMMUNITY 5000
#define NEW_SUBNET_BURN YUMA_RAO_PER_TAO
#define MIN_NON_IMMUNE_UIDS 10

static bool same(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

/* The hotkey is free or already the signer's; records ownership if free. */
static yuma_call_status claim_hotkey(call_ctx *cx, const yuma_account *hotkey)
{
    hotkey_rec h;
    if (hotkey_get(cx->kv, hotkey, &h)) return same(&h.owner, cx->signer) ? YUMA_CALL_OK : YUMA_CALL_ERR_HOTKEY_OWNED;
    h = (hotkey_rec){.owner = *cx->signer, .take = cx->params->max_delegate_take, .last_take_block = 0};
    return hotkey_put(cx->kv, hotkey, &h) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status debit(call_ctx *cx, const yuma_account *who, uint64_t amount)
{
    account_rec a = account_get(cx->kv, who);
    if (a.balance < amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    a.balance -= amount;
    return account_put(cx->kv, who, a) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static int cmp_u128(const void *a, const void *b)
{
    yu128 x = *(const yu128 *)a, y = *(const yu128 *)b;
    return (x > y) - (x < y);
}

/* Median spot price of the existing subnets (positive prices only; the mean
 * of the two middle ones for an even count; 1.0 when there is none). */
static yu128 median_price(const ykv *kv, uint16_t bound)
{
    yu128 prices[YUMA_MAX_NETUID + 1];
    size_t n = 0;
    for (uint16_t netuid = 1; netuid <= bound; netuid++) {
        subnet_rec s;
        if (!subnet_get(kv, netuid, &s)) continue;
        yu128 p = yuma_pool_price(&s.pool);
        if (p > 0) prices[n++] = p;
    }
    if (n == 0) return YU64F64_ONE;
    qsort(prices, n, sizeof prices[0], cmp_u128);
    if (n % 2) return prices[n / 2];
    return prices[n / 2 - 1] / 2 + prices[n / 2] / 2 + ((prices[n / 2 - 1] & 1) & (prices[n / 2] & 1));
}

uint64_t subnet_lock_cost(const ykv *kv, const yuma_chain_params *p, uint64_t now)
{
    network_rec net;
    network_get(kv, &net);
    uint64_t e = yuma_block_emission(supply_get(kv).total_issuance);
    uint64_t interval = yuma_lock_reduction_interval(p->network_lock_reduction_interval, e);
    return yuma_lock_cost(net.last_lock, net.last_lock_block, now, p->network_min_lock_cost, interval);
}

static void new_subnet_defaults(subnet_rec *s, const yuma_chain_params *p)
{
    memset(s, 0, sizeof *s);
    s->max_uids = NEW_SUBNET_MAX_UIDS;
    s->burn = NEW_SUBNET_BURN;
    s->min_burn = YUMA_MIN_BURN_DEFAULT;
    s->max_burn = YUMA_MAX_BURN_DEFAULT;
    s->burn_half_life = YUMA_BURN_HALF_LIFE_DEFAULT;
    s->burn_increase_mult = (YU64F64_ONE / 100) * 126; /* 1.26 */
    s->immunity_period = NEW_SUBNET_IMMUNITY;
    s->min_allowed_weights = 1;
    s->weights_rate_limit = 100;
    s->hp = yuma_hyperparams_default();
    s->hp.tempo = NEW_SUBNET_TEMPO;
    s->hp.max_allowed_validators = NEW_SUBNET_MAX_VALIDATORS;
    s->hp.yuma3 = true;
    s->hp.stake_threshold = p->stake_threshold;
    s->reveal_period_epochs = 1;
    s->serving_rate_limit = p->serving_rate_limit;
    s->pool.w2 = YUMA_POOL_HALF;
}

yuma_call_status call_register_network(call_ctx *cx, const yuma_call *call)
{
    const yuma_chain_params *p = cx->params;
    network_rec net;
    if (!network_get(cx->kv, &net)) return YUMA_CALL_ERR_NOMEM;
    if (net.last_lock_block != 0 && cx->block - net.last_lock_block < p->network_rate_limit)
        return rate_limited(cx, net.last_lock_block, p->network_rate_limit, YUMA_CALL_ERR_NETWORK_RATE_LIMIT);
    uint16_t netuid = 0, count = 0;
    for (uint16_t id = 1; id <= subnet_netuid_bound(p); id++) {
        if (subnet_exists(cx->kv, id)) count++;
        else if (netuid == 0) netuid = id;
    }
    yuma_call_status st = claim_hotkey(cx, &call->hotkey);
    if (st != YUMA_CALL_OK) return st;
    uint64_t cost = subnet_lock_cost(cx->kv, p, cx->block);
    if (account_get(cx->kv, cx->signer).balance < cost) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    /* At the limit the lowest-priced non-immune subnet makes room
     * (economics §6.4): it is dissolved and its netuid reused. */
    if (count >= p->subnet_limit || netuid == 0) {
        if (!subnet_prune_candidate(cx->kv, p, cx->block, &netuid)) return YUMA_CALL_ERR_SUBNET_LIMIT;
        if ((st = subnet_dissolve(cx, netuid)) != YUMA_CALL_OK) return st;
    }
    yu128 price = median_price(cx->kv, subnet_netuid_bound(p));

    subnet_rec s;
    new_subnet_defaults(&s, p);
    s.owner_coldkey = *cx->signer;
    s.owner_hotkey = call->hotkey;
    s.registered_at = cx->block;
    s.lock = cost;
    s.pool.tao = cost; /* the lock stays in the pool; the cost never falls below the minimum lock */
    yu128 alpha;
    s.pool.alpha_in = yu128_mul_div(s.pool.tao, YU64F64_ONE, price, &alpha) && alpha <= UINT64_MAX
                          ? (uint64_t)alpha : 0;
    s.last_epoch_block = cx->block - (uint64_t)(netuid % s.hp.tempo);
    s.n = 1;
    neuron_rec owner = {.hotkey = call->hotkey, .registered_at = cx->block, .last_update = cx->block,
                        .active = true};
    if ((st = debit(cx, cx->signer, cost)) != YUMA_CALL_OK) return st;
    net.last_lock = cost;
    net.last_lock_block = cx->block;
    if (!subnet_put(cx->kv, netuid, &s) || !neuron_put(cx->kv, netuid, 0, &owner) ||
        !uid_put(cx->kv, netuid, &call->hotkey, 0) || !network_put(cx->kv, &net))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

yuma_call_status call_start_call(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    if (call->netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, call->netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (!same(&s.owner_coldkey, cx->signer)) return YUMA_CALL_ERR_NOT_OWNER;
    if (s.first_emission_block != 0) return YUMA_CALL_ERR_ALREADY_STARTED;
    if (cx->block < s.registered_at + cx->params->start_call_delay) return YUMA_CALL_ERR_START_TOO_EARLY;
    s.first_emission_block = cx->block + 1;
    return subnet_put(cx->kv, call->netuid, &s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* An owner may bring the next epoch forward (economics §4.1): not while a
 * trigger is pending, and only when the automatic epoch is at least the
 * freeze window away; the epoch then runs a freeze window later. */
yuma_call_status call_trigger_epoch(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    if (call->netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, call->netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (!same(&s.owner_coldkey, cx->signer)) return YUMA_CALL_ERR_NOT_OWNER;
    if (s.pending_epoch_at != 0) return YUMA_CALL_ERR_EPOCH_TRIGGER_PENDING;
    uint64_t next = s.last_epoch_block + s.hp.tempo;
    uint64_t until = next > cx->block ? next - cx->block : 0;
    if (s.hp.tempo == 0 || until < cx->params->admin_freeze_window) return YUMA_CALL_ERR_EPOCH_TOO_CLOSE;
    s.pending_epoch_at = cx->block + cx->params->admin_freeze_window;
    return subnet_put(cx->kv, call->netuid, &s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* The uid a full subnet gives up (economics §8.3): the owner's hotkey is
 * never pruned; among the rest the lowest (emission, registration block,
 * uid), from the non-immune uids when more than MIN_NON_IMMUNE_UIDS of them
 * exist, else from the immune ones. */
bool neuron_prune_candidate(const ykv *kv, uint16_t netuid, const subnet_rec *s, uint64_t now, uint16_t *out)
{
    bool found[2] = {false, false};
    neuron_rec best[2];
    uint16_t best_uid[2] = {0, 0};
    uint32_t non_immune = 0;
    for (uint16_t uid = 0; uid < s->n; uid++) {
        neuron_rec nr;
        if (!neuron_get(kv, netuid, uid, &nr) || same(&nr.hotkey, &s->owner_hotkey)) continue;
        int immune = now - nr.registered_at < s->immunity_period;
        non_immune += !immune;
        bool better = !found[immune] || nr.emission < best[immune].emission ||
                      (nr.emission == best[immune].emission && nr.registered_at < best[immune].registered_at);
        if (better) {
            found[immune] = true;
            best[immune] = nr;
            best_uid[immune] = uid;
        }
    }
    if (found[0] && non_immune > MIN_NON_IMMUNE_UIDS) *out = best_uid[0];
    else if (found[1]) *out = best_uid[1];
    else return false;
    return true;
}

/* Replacing a uid (yuma-consensus §4.2): its rows go, other rows keep an
 * explicit zero on it, its hotkey loses the uid. */
static yuma_call_status vacate_uid(call_ctx *cx, uint16_t netuid, const subnet_rec *s, uint16_t uid)
{
    neuron_rec old;
    if (!neuron_get(cx->kv, netuid, uid, &old)) return YUMA_CALL_ERR_NOMEM;
    if (!uid_del(cx->kv, netuid, &old.hotkey) || !row_put(cx->kv, REC_WEIGHTS, netuid, uid, NULL, 0) ||
        !row_put(cx->kv, REC_BONDS, netuid, uid, NULL, 0))
        return YUMA_CALL_ERR_NOMEM;
    yuma_entry *row = malloc(sizeof(yuma_entry) * YUMA_MAX_UIDS);
    if (!row) return YUMA_CALL_ERR_NOMEM;
    yuma_call_status st = YUMA_CALL_OK;
    for (uint16_t i = 0; i < s->n && st == YUMA_CALL_OK; i++) {
        size_t len = row_get(cx->kv, REC_WEIGHTS, netuid, i, row, YUMA_MAX_UIDS);
        bool changed = false;
        for (size_t k = 0; k < len; k++)
            if (row[k].uid == uid && row[k].value != 0) row[k].value = 0, changed = true;
        if (changed && !row_put(cx->kv, REC_WEIGHTS, netuid, i, row, len)) st = YUMA_CALL_ERR_NOMEM;
    }
    free(row);
    return st;
}

/* Pays `amount` TAO into the pool and destroys the alpha it buys (the
 * registration burn, economics §8.1): the TAO joins the pool, alpha supply
 * shrinks, the fee stays on the subnet account. */
static yuma_call_status burn_into_pool(call_ctx *cx, subnet_rec *s, uint64_t amount)
{
    if (!s->pool_initialized) {
        s->pool.w2 = YUMA_POOL_HALF;
        s->pool_initialized = true;
    }
    yuma_swap_result r;
    if (yuma_pool_swap(&s->pool, YUMA_SWAP_BUY, amount, YUMA_POOL_MAX_PRICE_RAO, cx->params->fee_rate, false, &r) !=
            YUMA_POOL_OK ||
        yuma_pool_apply_swap(&s->pool, YUMA_SWAP_BUY, &r) != YUMA_POOL_OK)
        return YUMA_CALL_ERR_POOL;
    s->fee_tao += r.fee;
    return debit(cx, cx->signer, r.delta_in + r.fee);
}

yuma_call_status call_burned_register(call_ctx *cx, const yuma_call *call)
{
    uint16_t netuid = call->netuid, uid;
    subnet_rec s;
    if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (uid_get(cx->kv, netuid, &call->hotkey, &uid)) return YUMA_CALL_ERR_ALREADY_REGISTERED;
    if (!gov_registration_allowed(cx->kv, netuid)) return YUMA_CALL_ERR_REGISTRATION_CLOSED;
    /* A neuron of a subnet governance switched off registers once without
     * burn during its exit period (governance-and-users §5.6). */
    bool free_reg;
    if (!gov_take_registration_credit(cx->kv, &call->hotkey, cx->block, &free_reg)) return YUMA_CALL_ERR_NOMEM;
    if (!free_reg && account_get(cx->kv, cx->signer).balance < s.burn) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    if (s.n >= s.max_uids && !neuron_prune_candidate(cx->kv, netuid, &s, cx->block, &uid))
        return YUMA_CALL_ERR_NO_NEURON_SLOT;
    yuma_call_status st = claim_hotkey(cx, &call->hotkey);
    if (st == YUMA_CALL_OK && !free_reg) st = burn_into_pool(cx, &s, s.burn);
    if (st != YUMA_CALL_OK) return st;
    if (s.n < s.max_uids) uid = s.n++;
    else if ((st = vacate_uid(cx, netuid, &s, uid)) != YUMA_CALL_OK) return st;
    neuron_rec nr = {.hotkey = call->hotkey, .registered_at = cx->block, .last_update = cx->block, .active = true};
    s.burn = yuma_burn_bump(s.burn, s.burn_increase_mult, s.min_burn, s.max_burn);
    if (!neuron_put(cx->kv, netuid, uid, &nr) || !uid_put(cx->kv, netuid, &call->hotkey, uid) ||
        !subnet_put(cx->kv, netuid, &s))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

/* The epoch's stake of a hotkey as the reference combines it (§2.2):
 * floor(alpha + tau * root), both inherited through child keys. */
static bool combined_stake(call_ctx *cx, const yuma_account *hotkey, uint16_t netuid, uint64_t *out)
{
    uint64_t alpha, root;
    if (!stake_weight_parts(cx->kv, hotkey, netuid, &alpha, &root)) return false;
    yu128 tau = yuma_tao_weight_u96f32(cx->params->tao_weight);
    yu128 x = (((yu128)alpha << 32) + (yu128)root * tau) >> 32;
    *out = x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
    return true;
}

/* set_weights' validation and storage (yuma-consensus §4.1) for the signer,
 * shared with reveal_weights (§3.2): a reveal skips the rate limit (step 8)
 * and leaves last_update alone (step 15), since the commit already counted
 * as the update; a plain set_weights is refused on a commit-reveal subnet. */
yuma_call_status weights_apply(call_ctx *cx, const yuma_call *call, bool reveal)
{
    uint16_t netuid = call->netuid, uid;
    subnet_rec s;
    if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (!reveal && s.commit_reveal) return YUMA_CALL_ERR_COMMIT_REVEAL_ENABLED;
    if (call->weight_count > s.n) return YUMA_CALL_ERR_TOO_MANY_WEIGHTS;
    if (!uid_get(cx->kv, netuid, cx->signer, &uid)) return YUMA_CALL_ERR_NOT_REGISTERED;
    bool owner = same(cx->signer, &s.owner_hotkey);
    uint64_t stake;
    if (!owner && !combined_stake(cx, cx->signer, netuid, &stake)) return YUMA_CALL_ERR_NOMEM;
    if (!owner && stake < s.hp.stake_threshold) return YUMA_CALL_ERR_STAKE_BELOW_THRESHOLD;
    if (s.weights_version_key != 0 && call->version_key < s.weights_version_key) return YUMA_CALL_ERR_VERSION_KEY;
    neuron_rec nr;
    if (!neuron_get(cx->kv, netuid, uid, &nr)) return YUMA_CALL_ERR_NOMEM;
    if (!reveal && nr.last_update != 0 && cx->block - nr.last_update < s.weights_rate_limit)
        return rate_limited(cx, nr.last_update, s.weights_rate_limit, YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT);
    bool self_only = call->weight_count == 1 && call->uids[0] == uid;
    if (!self_only && !owner && !nr.validator_permit) return YUMA_CALL_ERR_NO_VALIDATOR_PERMIT;
    uint8_t seen[YUMA_MAX_UIDS / 8 + 1] = {0};
    for (uint32_t k = 0; k < call->weight_count; k++) {
        uint16_t j = call->uids[k];
        if (seen[j / 8] & (1u << (j % 8))) return YUMA_CALL_ERR_DUPLICATE_UID;
        seen[j / 8] |= (uint8_t)(1u << (j % 8));
        if (j >= s.n) return YUMA_CALL_ERR_UID_OUT_OF_RANGE;
    }
    uint32_t min = s.min_allowed_weights < s.n ? s.min_allowed_weights : s.n;
    if (!self_only && call->weight_count < min) return YUMA_CALL_ERR_TOO_FEW_WEIGHTS;
    uint16_t upscaled[YUMA_TX_MAX_WEIGHTS];
    ymath_vec_u16_max_upscale_to_u16(call->values, call->weight_count, upscaled);
    yuma_entry row[YUMA_TX_MAX_WEIGHTS];
    for (uint32_t k = 0; k < call->weight_count; k++) row[k] = (yuma_entry){call->uids[k], upscaled[k]};
    if (!row_put(cx->kv, REC_WEIGHTS, netuid, uid, row, call->weight_count)) return YUMA_CALL_ERR_NOMEM;
    if (reveal) return YUMA_CALL_OK;
    nr.last_update = cx->block;
    return neuron_put(cx->kv, netuid, uid, &nr) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status call_set_weights(call_ctx *cx, const yuma_call *call)
{
    return weights_apply(cx, call, false);
}
