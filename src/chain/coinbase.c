/*
 * coinbase.c - the block step (economics §2-§4): the neuron burn price
 * decays, the block's TAO emission is split across the subnets whose
 * emission has started (by their EMA prices), injected into their pools or
 * used for chain buys, each subnet's alpha emission is minted and split
 * (owner cut, miners, validators, root), due subnets run their epoch (at
 * most max_epochs_per_block per block, the rest deferred a block) and the
 * epoch's outputs are paid to real stake. EMA prices move after they were
 * used.
 *
 * Accounting invariants the supply audit checks every block:
 *   TAO:   issuance = free balances + root stake + every pool's TAO + fees
 *          kept on subnet accounts;
 *   alpha: per subnet, alpha_out = stake of every hotkey + pending emission
 *          + protocol alpha + burned alpha.
 * Minted TAO that no pool takes is never minted (the reference mints then
 * recycles it: the issuance counter ends the same).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/commit_reveal.h"
#include "chain/delegation.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/emission.h"
#include "yuma/epoch.h"
#include "yuma/pool.h"

#define MAX_TEMPO 50400
/* SubnetMovingAlpha 0.000003 as I96F32: floor(0.000003 * 2^32). */
#define SUBNET_MOVING_ALPHA ((yu128)12884)

typedef struct {
    uint16_t netuid;
    subnet_rec s;
    bool emits;
} subnet_slot;

static bool load_subnets(const ykv *kv, uint16_t bound, subnet_slot **out, size_t *count)
{
    subnet_slot *v = NULL;
    size_t n = 0, cap = 0;
    for (uint16_t netuid = 1; netuid <= bound; netuid++) {
        subnet_rec s;
        if (!subnet_get(kv, netuid, &s)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            subnet_slot *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                return false;
            }
            v = nv;
        }
        v[n++] = (subnet_slot){netuid, s, false};
    }
    *out = v;
    *count = n;
    return true;
}

/* U96F32 share of the block emission for each emitting subnet: its EMA
 * price over the sum of them, weighted by the miner incentive it did not
 * withhold (economics §3.2). */
static void tao_shares(subnet_slot *v, size_t n, uint64_t emission, uint64_t *tao_out)
{
    yu128 sum = 0, wsum = 0, w[YUMA_MAX_NETUID + 1];
    for (size_t i = 0; i < n; i++)
        if (v[i].emits) sum += v[i].s.moving_price;
    for (size_t i = 0; i < n; i++) {
        tao_out[i] = 0;
        w[i] = 0;
        if (!v[i].emits || sum == 0) continue;
        yu128 share0 = yu64f64_div(v[i].s.moving_price, sum);
        uint64_t burned = v[i].s.miner_burned_ppb > 1000000000u ? 1000000000u : v[i].s.miner_burned_ppb;
        w[i] = share0 - (yu128)((share0 / 1000000000u) * burned);
        wsum += w[i];
    }
    for (size_t i = 0; i < n; i++) {
        if (!v[i].emits || sum == 0) continue;
        yu128 share = wsum > 0 ? yu64f64_div(w[i], wsum) : yu64f64_div(v[i].s.moving_price, sum);
        tao_out[i] = yu64f64_to_u64(yu64f64_mul(share, yu64f64_from_u64(emission)));
    }
}

/* Pool injection or chain buys for one subnet (§3.3, steps a-d); returns
 * the TAO it minted into the pool. */
static uint64_t inject(subnet_rec *s, uint64_t tao_emission, uint64_t alpha_emit, yu128 rp)
{
    yu128 price = yuma_pool_price(&s->pool) >> 32; /* U64F64 -> U96F32, floored */
    uint64_t alpha_in = 0, tao_in = tao_emission;
    yu128 q;
    if (price != 0 && yu96f32_checked_div(yu96f32_from_u64(tao_emission), price, &q)) alpha_in = yu96f32_to_u64(q);
    uint64_t cap = yu96f32_to_u64(yu96f32_mul(rp, yu96f32_from_u64(alpha_emit)));
    if (alpha_in > cap) {
        alpha_in = cap;
        tao_in = yu96f32_to_u64(yu96f32_mul(yu96f32_from_u64(alpha_in), price));
    }
    uint64_t excess = tao_emission - tao_in;
    if (!s->pool_initialized) {
        s->pool.w2 = YUMA_POOL_HALF;
        s->pool_initialized = true;
    }
    if (yuma_pool_reweight_for_injection(&s->pool, tao_in, alpha_in) != YUMA_POOL_OK) tao_in = alpha_in = 0;
    uint64_t minted = 0;
    yuma_swap_result r;
    if (excess > 0 && yuma_pool_swap(&s->pool, YUMA_SWAP_BUY, excess, YUMA_POOL_MAX_PRICE_RAO, 0, true, &r) == YUMA_POOL_OK &&
        yuma_pool_apply_swap(&s->pool, YUMA_SWAP_BUY, &r) == YUMA_POOL_OK) {
        s->alpha_out += r.delta_out;
        s->protocol_alpha += r.delta_out;
        minted += r.delta_in;
    }
    s->pool.alpha_in += alpha_in;
    s->pool.tao += tao_in;
    return minted + tao_in;
}

/* Mints and splits one block of a subnet's alpha (§3.4). */
static void emit_alpha(subnet_rec *s, uint64_t alpha_emit, const yuma_chain_params *p, uint64_t root_tao,
                       bool root_sell)
{
    s->alpha_out += alpha_emit;
    uint64_t out = alpha_emit;
    yu128 cut_frac = ((yu128)p->subnet_owner_cut << 32) / 65535u;
    uint64_t cut = yu96f32_to_u64(yu96f32_mul(yu96f32_from_u64(out), cut_frac));
    out -= cut;
    s->pending_owner += cut;
    yu128 rp = yuma_root_proportion(p->tao_weight, root_tao, s->pool.alpha_in + s->alpha_out);
    uint64_t root_alpha = yu96f32_to_u64(yu96f32_mul(rp, yu96f32_from_u64(out)) / 2);
    uint64_t server = out / 2;
    s->pending_server += server;
    s->pending_validator += out - server - root_alpha;
    if (root_sell) s->pending_root += root_alpha;
    else s->alpha_out -= root_alpha; /* recycled */
}

/* ---- paying an epoch (§4.4, without child keys or root claims) ---- */

typedef struct {
    yuma_epoch_input in;
    uint64_t *alpha, *root, *last_update, *registered;
    bool *permit;
    uint64_t *commit_block;
    size_t *woff, *boff;
    yuma_entry *w, *b;
    yuma_account *hotkeys;
} epoch_build;

static void free_build(epoch_build *e)
{
    free(e->alpha);
    free(e->root);
    free(e->last_update);
    free(e->registered);
    free(e->permit);
    free(e->commit_block);
    free(e->woff);
    free(e->boff);
    free(e->w);
    free(e->b);
    free(e->hotkeys);
}

static bool build_epoch(const ykv *kv, const yuma_chain_params *p, uint16_t netuid, const subnet_rec *s,
                        uint64_t block, uint64_t rao, epoch_build *e)
{
    memset(e, 0, sizeof *e);
    size_t n = s->n;
    e->alpha = calloc(n + 1, 8);
    e->root = calloc(n + 1, 8);
    e->last_update = calloc(n + 1, 8);
    e->registered = calloc(n + 1, 8);
    e->permit = calloc(n + 1, 1);
    e->commit_block = calloc(n + 1, 8);
    e->woff = calloc(n + 1, sizeof(size_t));
    e->boff = calloc(n + 1, sizeof(size_t));
    e->w = malloc((n * n + 1) * sizeof(yuma_entry));
    e->b = malloc((n * n + 1) * sizeof(yuma_entry));
    e->hotkeys = calloc(n + 1, sizeof(yuma_account));
    if (!e->alpha || !e->root || !e->last_update || !e->registered || !e->permit || !e->commit_block || !e->woff || !e->boff ||
        !e->w || !e->b || !e->hotkeys)
        return false;
    int32_t owner = YUMA_NO_OWNER;
    for (uint16_t uid = 0; uid < n; uid++) {
        neuron_rec nr;
        if (!neuron_get(kv, netuid, uid, &nr)) return false;
        e->hotkeys[uid] = nr.hotkey;
        if (memcmp(nr.hotkey.bytes, s->owner_hotkey.bytes, 32) == 0) owner = uid;
        if (!stake_weight_parts(kv, &nr.hotkey, netuid, &e->alpha[uid], &e->root[uid])) return false;
        e->last_update[uid] = nr.last_update;
        e->registered[uid] = nr.registered_at;
        e->permit[uid] = nr.validator_permit;
        e->woff[uid + 1] = e->woff[uid] + row_get(kv, REC_WEIGHTS, netuid, uid, e->w + e->woff[uid], n);
        e->boff[uid + 1] = e->boff[uid] + row_get(kv, REC_BONDS, netuid, uid, e->b + e->boff[uid], n);
    }
    /* The slot of this epoch counts before expiry is judged (§3.5). */
    commit_reveal_fill_mask(kv, netuid, s, s->epoch_index + 1, e->hotkeys, (uint32_t)n, e->commit_block);
    e->in = (yuma_epoch_input){
        .n = (uint32_t)n, .hp = s->hp, .block = block, .last_epoch_block = s->last_step_block, .emission = rao,
        .owner_uid = owner, .alpha_stake = e->alpha, .root_stake = e->root,
        .tao_weight_raw32 = (uint64_t)yuma_tao_weight_u96f32(p->tao_weight), .last_update = e->last_update,
        .registered_at = e->registered, .validator_permit = e->permit, .commit_block = e->commit_block,
        .weights = {e->woff, e->w}, .bonds = {e->boff, e->b},
    };
    return true;
}

static bool owner_of(const ykv *kv, const yuma_account *hotkey, yuma_account *owner)
{
    hotkey_rec h;
    if (!hotkey_get(kv, hotkey, &h)) return false;
    *owner = h.owner;
    return true;
}


/* A hotkey's own stake weight as U96F32 raw: alpha + tau * root. */
static yu128 own_weight(const ykv *kv, const yuma_account *hk, uint16_t netuid, yu128 tau)
{
    return ((yu128)stake_total(kv, hk, netuid) << 32) + (yu128)stake_total(kv, hk, 0) * tau;
}

typedef struct {
    yuma_account hotkey;
    uint64_t d;          /* dividend weight after the parent/child split */
} dividend;

typedef struct {
    dividend *v;
    size_t n, cap;
} dividends;

static bool credit_dividend(dividends *ds, const yuma_account *hk, uint64_t amount)
{
    if (amount == 0) return true;
    for (size_t i = 0; i < ds->n; i++)
        if (memcmp(ds->v[i].hotkey.bytes, hk->bytes, 32) == 0) {
            ds->v[i].d += amount;
            return true;
        }
    if (ds->n == ds->cap) {
        size_t ncap = ds->cap ? ds->cap * 2 : 64;
        dividend *nv = realloc(ds->v, ncap * sizeof *nv);
        if (!nv) return false;
        ds->v = nv;
        ds->cap = ncap;
    }
    ds->v[ds->n++] = (dividend){*hk, amount};
    return true;
}

/* Splits a validator's dividend with its parents (economics §7.6): shares
 * follow the stake each contributes (own stakes: the hotkey's minus what it
 * gives its children, each parent's times the proportion it gives); a
 * parent of another coldkey leaves the child its childkey take. */
static bool split_with_parents(const ykv *kv, uint16_t netuid, const yuma_account *hk, uint64_t d, yu128 tau,
                               dividends *ds)
{
    yuma_child *parents = NULL, children[YUMA_TX_MAX_CHILDREN];
    size_t np = 0;
    if (!parents_get(kv, netuid, hk, &parents, &np)) return false;
    if (np == 0) return credit_dividend(ds, hk, d);
    size_t nc = children_get(kv, netuid, hk, children);
    yu128 given = 0;
    for (size_t c = 0; c < nc; c++) given += children[c].proportion;
    const yu128 all = UINT64_MAX;
    yu128 kept = given >= all ? 0 : all - given, self = 0, total = 0, contrib[64];
    if (np > 64) np = 64;
    bool ok = yu128_mul_div(own_weight(kv, hk, netuid, tau), kept, all, &self);
    total = self;
    for (size_t p = 0; ok && p < np; p++) {
        ok = yu128_mul_div(own_weight(kv, &parents[p].child, netuid, tau), parents[p].proportion, all, &contrib[p]);
        total += contrib[p];
    }
    yuma_account child_owner;
    ok = ok && owner_of(kv, hk, &child_owner);
    uint16_t ck_take = childkey_take_get(kv, netuid, hk);
    uint64_t to_parents = 0, takes = 0;
    for (size_t p = 0; ok && p < np && total > 0; p++) {
        yu128 share;
        if (!yu128_mul_div(d, contrib[p], total, &share)) continue;
        uint64_t amount = (uint64_t)share, take = 0;
        yuma_account parent_owner;
        if (owner_of(kv, &parents[p].child, &parent_owner) &&
            memcmp(parent_owner.bytes, child_owner.bytes, 32) != 0)
            take = (uint64_t)(((yu128)amount * ck_take) / 65535u);
        to_parents += amount;
        takes += take;
        ok = credit_dividend(ds, &parents[p].child, amount - take);
    }
    ok = ok && credit_dividend(ds, hk, d - to_parents + takes);
    free(parents);
    return ok;
}

/* Pays one hotkey's alpha: its delegate take staked to its owner, the rest
 * to all of its stakers on the subnet. */
static bool pay_hotkey(ykv *kv, uint16_t netuid, const yuma_account *hk, uint64_t amount)
{
    hotkey_rec h;
    if (amount == 0) return true;
    if (!hotkey_get(kv, hk, &h)) return false;
    uint64_t take = (uint64_t)(((yu128)amount * h.take) / 65535u);
    return stake_add(kv, hk, &h.owner, netuid, take) == STAKE_OK && stake_emit(kv, hk, netuid, amount - take) == STAKE_OK;
}

/* Pays the epoch's outputs (economics §4.4); *paid receives the alpha paid. */
static bool pay_epoch(ykv *kv, const yuma_chain_params *params, uint16_t netuid, subnet_rec *s, const epoch_build *e,
                      const yuma_epoch_output *o, uint64_t server, uint64_t validator, uint64_t root, uint64_t *paid)
{
    uint32_t n = o->n;
    uint64_t incentive_total = 0, withheld = 0;
    yu128 tau = yuma_tao_weight_u96f32(params->tao_weight);
    dividends ds = {0};
    bool ok = true;
    *paid = 0;
    for (uint32_t i = 0; ok && i < n; i++) {
        incentive_total += o->server_emission[i];
        if (o->validator_emission[i]) ok = split_with_parents(kv, netuid, &e->hotkeys[i], o->validator_emission[i], tau, &ds);
    }
    /* Incentives: exactly the epoch's amounts (spec §2.16); the owner's own
     * miners earn nothing (burned). */
    for (uint32_t i = 0; ok && i < n; i++) {
        uint64_t inc = o->server_emission[i];
        yuma_account owner;
        if (!inc) continue;
        if (!owner_of(kv, &e->hotkeys[i], &owner)) ok = false;
        else if (memcmp(owner.bytes, s->owner_coldkey.bytes, 32) == 0) {
            s->alpha_burned += inc;
            withheld += inc;
        } else if (stake_add(kv, &e->hotkeys[i], &owner, netuid, inc) != STAKE_OK) {
            ok = false;
        }
        *paid += inc;
    }
    /* Dividends: split by each recipient's own alpha : tau*root stake into
     * the validator pool (with no miner earning, the miners' half too) and
     * the root pool, each paid pro rata. */
    uint64_t validator_pool = incentive_total == 0 ? validator + server : validator;
    yu128 *ad = calloc(ds.n + 1, sizeof(yu128)), *rd = calloc(ds.n + 1, sizeof(yu128)), sum_ad = 0, sum_rd = 0;
    ok = ok && ad && rd;
    for (size_t k = 0; ok && k < ds.n; k++) {
        yu128 a = (yu128)stake_total(kv, &ds.v[k].hotkey, netuid) << 32;
        yu128 r = (yu128)stake_total(kv, &ds.v[k].hotkey, 0) * tau;
        rd[k] = 0;
        if (a + r > 0) yu128_mul_div(ds.v[k].d, r, a + r, &rd[k]);
        ad[k] = ds.v[k].d - rd[k];
        sum_ad += ad[k];
        sum_rd += rd[k];
    }
    for (size_t k = 0; ok && k < ds.n; k++) {
        yu128 va = 0, vr = 0;
        if (sum_ad) yu128_mul_div(validator_pool, ad[k], sum_ad, &va);
        if (sum_rd) yu128_mul_div(root, rd[k], sum_rd, &vr);
        /* Root stakers' claims on root dividends are not modelled yet: the
         * root share joins the hotkey's stakers on this subnet. */
        ok = pay_hotkey(kv, netuid, &ds.v[k].hotkey, (uint64_t)(va + vr));
        *paid += (uint64_t)(va + vr);
    }
    free(ad);
    free(rd);
    free(ds.v);
    s->miner_burned_ppb = incentive_total ? (uint64_t)(((yu128)withheld * 1000000000u) / incentive_total) : 0;
    return ok;
}

/* Runs one subnet's epoch on its drained pending emission and pays it. */
static yuma_chain_status distribute(call_ctx *cx, uint16_t netuid, subnet_rec *s)
{
    uint64_t server = s->pending_server, validator = s->pending_validator, root = s->pending_root,
             owner_cut = s->pending_owner;
    s->pending_server = s->pending_validator = s->pending_root = s->pending_owner = 0;
    epoch_build e;
    yuma_epoch_output o;
    if (!build_epoch(cx->kv, cx->params, netuid, s, cx->block, server + validator + root, &e) ||
        yuma_epoch(&e.in, NULL, &o) != YUMA_OK) {
        free_build(&e);
        return YUMA_CHAIN_ERR_NOMEM;
    }
    yuma_chain_status st = YUMA_CHAIN_OK;
    for (uint16_t uid = 0; uid < o.n && st == YUMA_CHAIN_OK; uid++) {
        neuron_rec nr;
        if (!neuron_get(cx->kv, netuid, uid, &nr)) st = YUMA_CHAIN_ERR_NOMEM;
        nr.validator_permit = o.validator_permit[uid];
        nr.active = o.active[uid];
        nr.consensus = o.consensus[uid];
        nr.incentive = o.incentive[uid];
        nr.dividends = o.dividends[uid];
        nr.validator_trust = o.validator_trust[uid];
        nr.stake_weight = o.stake_weight[uid];
        nr.emission = o.emission[uid];
        if (st == YUMA_CHAIN_OK &&
            (!neuron_put(cx->kv, netuid, uid, &nr) ||
             !row_put(cx->kv, REC_BONDS, netuid, uid, o.bonds + o.bond_offsets[uid],
                      o.bond_offsets[uid + 1] - o.bond_offsets[uid])))
            st = YUMA_CHAIN_ERR_NOMEM;
    }
    uint64_t paid = 0;
    if (st == YUMA_CHAIN_OK && !pay_epoch(cx->kv, cx->params, netuid, s, &e, &o, server, validator, root, &paid))
        st = YUMA_CHAIN_ERR_NOMEM;
    /* The owner cut is staked to the owner's hotkey. */
    if (st == YUMA_CHAIN_OK && owner_cut &&
        stake_add(cx->kv, &s->owner_hotkey, &s->owner_coldkey, netuid, owner_cut) != STAKE_OK)
        st = YUMA_CHAIN_ERR_NOMEM;
    /* What flooring left unpaid is recycled; if the epoch's exact miner
     * amounts came to a few rao more than the pending pools, those rao are
     * minted, as the reference stakes the amounts without a cap. */
    uint64_t drained = server + validator + root;
    s->alpha_out = s->alpha_out - drained + paid;
    s->last_step_block = cx->block;
    yuma_epoch_output_free(&o);
    free_build(&e);
    return st;
}

static bool epoch_due(const subnet_rec *s, uint64_t now)
{
    if (s->hp.tempo == 0) return false;
    return (s->pending_epoch_at > 0 && now >= s->pending_epoch_at) || s->blocks_since_last_step > MAX_TEMPO ||
           now - s->last_epoch_block >= s->hp.tempo;
}

yuma_chain_status run_coinbase(call_ctx *cx)
{
    subnet_slot *v;
    size_t n;
    if (!load_subnets(cx->kv, subnet_netuid_bound(cx->params), &v, &n)) return YUMA_CHAIN_ERR_NOMEM;
    if (n == 0) {
        free(v);
        return YUMA_CHAIN_OK;
    }
    supply_rec sup = supply_get(cx->kv);
    uint64_t emission = yuma_block_emission(sup.total_issuance);
    uint64_t root_tao = root_tao_get(cx->kv);
    yu128 price_sum = 0;
    for (size_t i = 0; i < n; i++) {
        subnet_rec *s = &v[i].s;
        s->burn = yuma_burn_decay(s->burn, s->burn_half_life, cx->block, s->min_burn, s->max_burn);
        s->blocks_since_last_step++;
        v[i].emits = s->first_emission_block != 0 && cx->block >= s->first_emission_block;
        if (v[i].emits) price_sum += s->moving_price;
    }
    uint64_t tao[YUMA_MAX_NETUID + 1];
    tao_shares(v, n, emission, tao);
    bool root_sell = price_sum > YU96F32_ONE;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].emits) continue;
        subnet_rec *s = &v[i].s;
        uint64_t alpha_issuance = s->pool.alpha_in + s->alpha_out;
        uint64_t alpha_emit = yuma_block_emission(alpha_issuance);
        yu128 rp = yuma_root_proportion(cx->params->tao_weight, root_tao, alpha_issuance);
        sup.total_issuance += inject(s, tao[i], alpha_emit, rp);
        emit_alpha(s, alpha_emit, cx->params, root_tao, root_sell);
    }
    yuma_chain_status st = YUMA_CHAIN_OK;
    unsigned epochs = 0;
    for (size_t i = 0; i < n && st == YUMA_CHAIN_OK; i++) {
        subnet_rec *s = &v[i].s;
        if (!epoch_due(s, cx->block)) continue;
        if (epochs >= cx->params->max_epochs_per_block) {
            s->pending_epoch_at = cx->block + 1; /* deferred to the next block */
            continue;
        }
        epochs++;
        st = distribute(cx, v[i].netuid, s);
        /* Child keys whose cooldown ended take effect at the subnet's epoch. */
        if (st == YUMA_CHAIN_OK && !children_apply_pending(cx->kv, v[i].netuid, cx->block)) st = YUMA_CHAIN_ERR_NOMEM;
        s->blocks_since_last_step = 0;
        s->last_epoch_block = cx->block;
        s->pending_epoch_at = 0;
        s->epoch_index++;
    }
    for (size_t i = 0; i < n && st == YUMA_CHAIN_OK; i++) {
        subnet_rec *s = &v[i].s;
        if (v[i].emits)
            s->moving_price = yuma_moving_price_update(s->moving_price, yuma_pool_price(&s->pool), SUBNET_MOVING_ALPHA,
                                                       YUMA_EMA_PRICE_HALVING_BLOCKS, s->first_emission_block, cx->block);
        if (!subnet_put(cx->kv, v[i].netuid, s)) st = YUMA_CHAIN_ERR_NOMEM;
    }
    if (st == YUMA_CHAIN_OK && !supply_put(cx->kv, sup)) st = YUMA_CHAIN_ERR_NOMEM;
    free(v);
    return st;
}
