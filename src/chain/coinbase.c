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
 * recycles it: the issuance counter ends the same). The rao the
 * reference's truncations drop from minted alpha stay in alpha_out with no
 * owner, counted as burned (docs/CHAIN.md, "Coinbase and payout").
 *
 * Each step is a function of coinbase.h, in the reference's fixed-point
 * types, so the economics §10 vectors test it directly.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/coinbase.h"
#include "chain/commit_reveal.h"
#include "chain/delegation.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/emission_history.h"
#include "gov/gov.h"
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

/* w_i of §3.2: share0 less the fraction of the last epoch's miner
 * incentive the subnet withheld (MinerBurned, kept in parts per 1e9). */
static yu128 unburned_share(yu128 share0, uint64_t miner_burned_ppb)
{
    uint64_t burned = miner_burned_ppb > 1000000000u ? 1000000000u : miner_burned_ppb;
    return share0 - (yu128)((share0 / 1000000000u) * burned);
}

void coinbase_tao_shares(size_t n, const yu128 *moving_price, const uint64_t *miner_burned_ppb, const bool *emits,
                         uint64_t block_emission, yu128 *tao_out)
{
    yu128 sum = 0, wsum = 0;
    /* I96F32 raws: their ratios are the U64F64 ratios of the values. */
    for (size_t i = 0; i < n; i++)
        if (emits[i]) sum += moving_price[i];
    for (size_t i = 0; i < n; i++) {
        tao_out[i] = 0;
        if (emits[i] && sum != 0) wsum += unburned_share(yu64f64_div(moving_price[i], sum), miner_burned_ppb[i]);
    }
    for (size_t i = 0; i < n; i++) {
        if (!emits[i] || sum == 0) continue;
        yu128 share0 = yu64f64_div(moving_price[i], sum);
        yu128 share = wsum > 0 ? yu64f64_div(unburned_share(share0, miner_burned_ppb[i]), wsum) : share0;
        /* U64F64(E) * share, then U96F32::from_num: the low 32 bits go. */
        tao_out[i] = yu64f64_mul(share, yu64f64_from_u64(block_emission)) >> 32;
    }
}

bool coinbase_root_sell(yu128 moving_price_sum)
{
    return moving_price_sum > YU96F32_ONE;
}

yu128 coinbase_price_u96f32(yu128 spot_u64f64)
{
    return spot_u64f64 >> 32;
}

coinbase_terms coinbase_subnet_terms(yu128 tao_emission, yu128 spot_u64f64, uint64_t alpha_emit, yu128 rp)
{
    yu128 price = coinbase_price_u96f32(spot_u64f64);
    coinbase_terms t = {.tao_in = tao_emission, .alpha_in = 0, .excess = 0};
    /* safe_div_or(price, 0): a zero price or an overflowing quotient gives 0. */
    if (price == 0 || !yu96f32_checked_div(tao_emission, price, &t.alpha_in)) t.alpha_in = 0;
    yu128 cap = yu96f32_mul(rp, yu96f32_from_u64(alpha_emit));
    if (t.alpha_in > cap) {
        t.alpha_in = cap;
        t.tao_in = yu96f32_mul(t.alpha_in, price);
    }
    /* The terms stay U96F32 until the injection: truncating alpha_in
     * before tao_in = alpha_in * price would move a rao into the excess. */
    t.excess = yu128_sat_sub(tao_emission, t.tao_in);
    return t;
}

uint64_t coinbase_inject(subnet_rec *s, const coinbase_terms *t)
{
    uint64_t tao_in = yu96f32_to_u64(t->tao_in), alpha_in = yu96f32_to_u64(t->alpha_in);
    uint64_t excess = yu96f32_to_u64(t->excess);
    /* A pool no swap has initialised yet is priced at weight 0.5. */
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

coinbase_alpha_split coinbase_split_alpha(uint64_t alpha_out, uint16_t owner_cut, yu128 rp_after)
{
    const yu128 half = YU96F32_ONE >> 1;
    /* get_float_subnet_owner_cut: U96F32(cut) / U96F32(65535). */
    yu128 cut_frac = ((yu128)owner_cut << 32) / 65535u;
    yu128 a = yu96f32_from_u64(alpha_out);
    yu128 owner = yu96f32_mul(a, cut_frac);
    a -= owner; /* cut_frac <= 1, so owner <= a */
    yu128 root = yu96f32_mul(yu96f32_mul(rp_after, a), half);
    yu128 server = yu96f32_mul(a, half);
    yu128 validator = yu128_sat_sub(a - server, root);
    return (coinbase_alpha_split){yu96f32_to_u64(owner), yu96f32_to_u64(server), yu96f32_to_u64(validator),
                                  yu96f32_to_u64(root)};
}

void coinbase_emit_alpha(subnet_rec *s, uint64_t alpha_emit, const yuma_chain_params *p, uint64_t root_tao,
                         bool root_sell)
{
    s->alpha_out += alpha_emit;
    /* rp' counts this block's alpha_in and alpha_out (§3.4); the chain buy
     * only moved alpha from the pool to alpha_out. */
    yu128 rp = yuma_root_proportion(p->tao_weight, root_tao, s->pool.alpha_in + s->alpha_out);
    coinbase_alpha_split x = coinbase_split_alpha(alpha_emit, p->subnet_owner_cut, rp);
    s->pending_owner += x.owner;
    s->pending_server += x.server;
    s->pending_validator += x.validator;
    if (root_sell) s->pending_root += x.root;
    else s->alpha_out -= x.root; /* recycled */
    /* The reference mints all of alpha_emit into SubnetAlphaOut and
     * accumulates the truncated parts: the few rao between stay in the
     * issuance with no owner, which the audit counts as burned. */
    s->alpha_burned += alpha_emit - x.owner - x.server - x.validator - x.root;
}

uint64_t coinbase_emit_subnet(subnet_rec *s, yu128 tao_emission, const yuma_chain_params *p, uint64_t root_tao,
                              bool root_sell)
{
    /* The injection cap reads the issuance before this block (§3.3). */
    uint64_t alpha_issuance = s->pool.alpha_in + s->alpha_out;
    uint64_t alpha_emit = yuma_block_emission(alpha_issuance);
    yu128 rp = yuma_root_proportion(p->tao_weight, root_tao, alpha_issuance);
    coinbase_terms t = coinbase_subnet_terms(tao_emission, yuma_pool_price(&s->pool), alpha_emit, rp);
    uint64_t minted = coinbase_inject(s, &t);
    coinbase_emit_alpha(s, alpha_emit, p, root_tao, root_sell);
    return minted;
}

/* ---- paying an epoch (§4.4, §7.6; root claims are not modelled) ---- */

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

static bool same_account(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

/* A u64-normalised proportion as U96F32: U96F32(p) / U96F32(2^64 - 1). */
static yu128 proportion_u96f32(uint64_t p)
{
    return ((yu128)p << 32) / UINT64_MAX;
}

/* The stake a hotkey contributes through a proportion of itself (§7.6):
 * alpha * prop + root * prop * w, each product truncated (U96F32). */
static yu128 contribution(uint64_t alpha, uint64_t root, yu128 prop, yu128 tau)
{
    return yu128_sat_add(yu96f32_mul(yu96f32_from_u64(alpha), prop),
                         yu96f32_mul(yu96f32_mul(yu96f32_from_u64(root), prop), tau));
}

void coinbase_parent_split(uint64_t d, uint64_t self_contribution, const coinbase_parent *parents, size_t np,
                           uint16_t ck_take, uint64_t *to_parent, uint64_t *to_self)
{
    const yu128 emission = yu96f32_from_u64(d);
    yu128 remaining = emission, takes = 0, total = yu96f32_from_u64(self_contribution), factor;
    yu128 take_frac = ((yu128)ck_take << 32) / 65535u;
    for (size_t p = 0; p < np; p++) total = yu128_sat_add(total, parents[p].contribution);
    for (size_t p = 0; p < np; p++) {
        if (!yu96f32_checked_div(parents[p].contribution, total, &factor)) factor = 0;
        yu128 share = yu96f32_mul(emission, factor);
        remaining = yu128_sat_sub(remaining, share);
        /* CKBurn is 0 (the reference's default; no parameter here). */
        if (parents[p].other_coldkey) {
            yu128 take = yu96f32_mul(take_frac, share);
            share -= take;
            takes += take;
        }
        to_parent[p] = yu96f32_to_u64(share);
    }
    *to_self = yu96f32_to_u64(yu128_sat_add(remaining, takes));
}

typedef struct {
    yuma_account hotkey;
    uint64_t d;          /* dividend after the parent/child split */
} dividend;

typedef struct {
    dividend *v;
    size_t n, cap;
} dividends;

/* Sums a hotkey's dividends (the reference's BTreeMap by hotkey). Zero
 * amounts are kept out: they would receive nothing anyway. */
static bool credit_dividend(dividends *ds, const yuma_account *hk, uint64_t amount)
{
    if (amount == 0) return true;
    for (size_t i = 0; i < ds->n; i++)
        if (same_account(&ds->v[i].hotkey, hk)) {
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

/* Splits a validator's dividend with its parents (economics §7.6) from the
 * stakes as they were before anything of this epoch was paid. */
static bool split_with_parents(const ykv *kv, uint16_t netuid, const yuma_account *hk, uint64_t d, yu128 tau,
                               dividends *ds)
{
    yuma_child *parents = NULL, children[YUMA_TX_MAX_CHILDREN];
    size_t np = 0;
    if (!parents_get(kv, netuid, hk, &parents, &np)) return false;
    if (np == 0) return credit_dividend(ds, hk, d);
    size_t nc = children_get(kv, netuid, hk, children);
    /* get_self_contribution: 1 minus each child's proportion (saturating),
     * the result truncated to whole rao. */
    yu128 kept = YU96F32_ONE;
    for (size_t c = 0; c < nc; c++) kept = yu128_sat_sub(kept, proportion_u96f32(children[c].proportion));
    uint64_t self = yu96f32_to_u64(contribution(stake_total(kv, hk, netuid), stake_total(kv, hk, 0), kept, tau));
    coinbase_parent *pc = calloc(np, sizeof *pc);
    uint64_t *to_parent = calloc(np, sizeof *to_parent), to_self = 0;
    yuma_account child_owner, parent_owner;
    bool ok = pc && to_parent && owner_of(kv, hk, &child_owner);
    for (size_t p = 0; ok && p < np; p++) {
        const yuma_account *ph = &parents[p].child;
        pc[p].contribution = contribution(stake_total(kv, ph, netuid), stake_total(kv, ph, 0),
                                          proportion_u96f32(parents[p].proportion), tau);
        pc[p].other_coldkey = !owner_of(kv, ph, &parent_owner) || !same_account(&parent_owner, &child_owner);
    }
    if (ok) coinbase_parent_split(d, self, pc, np, childkey_take_get(kv, netuid, hk), to_parent, &to_self);
    for (size_t p = 0; ok && p < np; p++) ok = credit_dividend(ds, &parents[p].child, to_parent[p]);
    ok = ok && credit_dividend(ds, hk, to_self);
    free(pc);
    free(to_parent);
    free(parents);
    return ok;
}

void coinbase_dividend_split(size_t n, const uint64_t *d, const uint64_t *alpha, const uint64_t *root, yu128 tau,
                             uint64_t validator_pool, uint64_t root_pool, yu128 *alpha_div, yu128 *root_div)
{
    yu128 sum_ad = 0, sum_rd = 0, share;
    for (size_t k = 0; k < n; k++) {
        yu128 r = yu96f32_mul(yu96f32_from_u64(root[k]), tau);
        yu128 rootfrac;
        if (!yu96f32_checked_div(r, yu128_sat_add(yu96f32_from_u64(alpha[k]), r), &rootfrac)) rootfrac = 0;
        root_div[k] = yu96f32_mul(yu96f32_from_u64(d[k]), rootfrac);
        alpha_div[k] = yu128_sat_sub(yu96f32_from_u64(d[k]), root_div[k]);
        sum_ad = yu128_sat_add(sum_ad, alpha_div[k]);
        sum_rd = yu128_sat_add(sum_rd, root_div[k]);
    }
    /* Each share is truncated to 32 fractional bits before it scales the
     * pool, so the pools are paid a little short (economics §10.7). */
    for (size_t k = 0; k < n; k++) {
        if (!yu96f32_checked_div(alpha_div[k], sum_ad, &share)) share = 0;
        alpha_div[k] = yu96f32_mul(yu96f32_from_u64(validator_pool), share);
        if (!yu96f32_checked_div(root_div[k], sum_rd, &share)) share = 0;
        root_div[k] = yu96f32_mul(yu96f32_from_u64(root_pool), share);
    }
}

/* Pays one hotkey a dividend (U96F32): its delegate take, take/65535 of
 * it, is staked to its owner, the rest goes to all of its stakers on the
 * subnet; each part truncated to rao. Returns the alpha paid, or
 * UINT64_MAX when out of memory. */
static uint64_t pay_hotkey(ykv *kv, uint16_t netuid, const yuma_account *hk, yu128 amount)
{
    hotkey_rec h;
    if (amount == 0) return 0;
    if (!hotkey_get(kv, hk, &h)) return UINT64_MAX;
    yu128 take_frac = ((yu128)h.take << 32) / 65535u; /* get_hotkey_take_float */
    yu128 take = yu96f32_mul(take_frac, amount);
    uint64_t t = yu96f32_to_u64(take), rest = yu96f32_to_u64(amount - take);
    if (stake_add(kv, hk, &h.owner, netuid, t) != STAKE_OK || stake_emit(kv, hk, netuid, rest) != STAKE_OK)
        return UINT64_MAX;
    return t + rest;
}

/* The root stakers of a hotkey, in key (coldkey) order, with the value of
 * their root stake. */
typedef struct {
    yuma_account coldkey;
    uint64_t value;
} root_holder;

typedef struct {
    const ykv *kv;
    const yuma_account *hotkey;
    root_holder *v;
    size_t n, cap;
    bool nomem;
} root_scan;

static bool collect_root_holder(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    root_scan *sc = ctx;
    if (klen != 67 || key[33] != 0 || key[34] != 0) return true; /* root is netuid 0 */
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 16;
        root_holder *nv = realloc(sc->v, ncap * sizeof *nv);
        if (!nv) return !(sc->nomem = true);
        sc->v = nv;
        sc->cap = ncap;
    }
    memcpy(sc->v[sc->n].coldkey.bytes, key + 35, 32);
    sc->v[sc->n].value = stake_of(sc->kv, sc->hotkey, &sc->v[sc->n].coldkey, 0);
    sc->n++;
    return true;
}

/* Pays a hotkey's root dividend (economics §4.4 step 8): its take is staked
 * to its owner as subnet alpha; the rest goes to the hotkey's root stakers
 * pro rata to their root stake, as alpha stake on this subnet with the
 * hotkey (what the reference's "Keep" claim gives them; its claim ledger
 * and the default "Swap" claim type are not modelled). Rounding leftovers
 * join the hotkey's stakers on the subnet. Returns the alpha paid, or
 * UINT64_MAX when out of memory. */
static uint64_t pay_root_dividend(ykv *kv, uint16_t netuid, const yuma_account *hk, yu128 amount)
{
    hotkey_rec h;
    if (amount == 0) return 0;
    if (!hotkey_get(kv, hk, &h)) return UINT64_MAX;
    yu128 take_frac = ((yu128)h.take << 32) / 65535u;
    yu128 take = yu96f32_mul(take_frac, amount);
    uint64_t t = yu96f32_to_u64(take), rest = yu96f32_to_u64(amount - take);
    if (stake_add(kv, hk, &h.owner, netuid, t) != STAKE_OK) return UINT64_MAX;
    root_scan sc = {.kv = kv, .hotkey = hk};
    uint8_t prefix[33] = {REC_ALPHA_SHARE};
    memcpy(prefix + 1, hk->bytes, 32);
    if (!ykv_scan_prefix(kv, prefix, sizeof prefix, collect_root_holder, &sc) || sc.nomem) {
        free(sc.v);
        return UINT64_MAX;
    }
    unsigned __int128 total = 0;
    for (size_t i = 0; i < sc.n; i++) total += sc.v[i].value;
    uint64_t given = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < sc.n && total > 0; i++) {
        uint64_t part = (uint64_t)(((unsigned __int128)rest * sc.v[i].value) / total);
        ok = stake_add(kv, hk, &sc.v[i].coldkey, netuid, part) == STAKE_OK;
        given += part;
    }
    free(sc.v);
    if (!ok || stake_emit(kv, hk, netuid, rest - given) != STAKE_OK) return UINT64_MAX;
    return t + rest;
}

/* Pays the epoch's outputs (economics §4.4) in the reference's order: the
 * dividends are split from the stakes before anything is paid, then the
 * owner cut, the incentives, the alpha dividends and the root dividends
 * are staked. *paid receives the alpha paid. */
static bool pay_epoch(ykv *kv, const yuma_chain_params *params, uint16_t netuid, subnet_rec *s, const epoch_build *e,
                      const yuma_epoch_output *o, uint64_t server, uint64_t validator, uint64_t root,
                      uint64_t owner_cut, uint64_t *paid)
{
    uint32_t n = o->n;
    uint64_t incentive_total = 0, withheld = 0;
    yu128 tau = yuma_tao_weight_u96f32(params->tao_weight);
    dividends ds = {0};
    bool ok = true;
    *paid = 0;
    for (uint32_t i = 0; ok && i < n; i++) {
        incentive_total += o->server_emission[i];
        if (o->validator_emission[i])
            ok = split_with_parents(kv, netuid, &e->hotkeys[i], o->validator_emission[i], tau, &ds);
    }
    /* With no miner earning, the validators get the miners' half too. */
    uint64_t validator_pool = incentive_total == 0 ? validator + server : validator;
    size_t nd = ds.n;
    uint64_t *d = calloc(nd + 1, 8), *alpha = calloc(nd + 1, 8), *rootst = calloc(nd + 1, 8);
    yu128 *ad = calloc(nd + 1, sizeof(yu128)), *rd = calloc(nd + 1, sizeof(yu128));
    ok = ok && d && alpha && rootst && ad && rd;
    for (size_t k = 0; ok && k < nd; k++) {
        d[k] = ds.v[k].d;
        alpha[k] = stake_total(kv, &ds.v[k].hotkey, netuid);
        rootst[k] = stake_total(kv, &ds.v[k].hotkey, 0);
    }
    if (ok) coinbase_dividend_split(nd, d, alpha, rootst, tau, validator_pool, root, ad, rd);
    /* The owner cut is staked to the owner's hotkey. */
    if (ok && owner_cut && stake_add(kv, &s->owner_hotkey, &s->owner_coldkey, netuid, owner_cut) != STAKE_OK)
        ok = false;
    /* Incentives: exactly the epoch's amounts (spec §2.16); the owner's own
     * miners earn nothing (burned). */
    for (uint32_t i = 0; ok && i < n; i++) {
        uint64_t inc = o->server_emission[i];
        yuma_account owner;
        if (!inc) continue;
        if (!owner_of(kv, &e->hotkeys[i], &owner)) ok = false;
        else if (same_account(&owner, &s->owner_coldkey)) {
            s->alpha_burned += inc;
            withheld += inc;
        } else if (stake_add(kv, &e->hotkeys[i], &owner, netuid, inc) != STAKE_OK) {
            ok = false;
        }
        *paid += inc;
    }
    /* Alpha dividends, then root dividends (to the hotkeys' root stakers). */
    for (int pool = 0; pool < 2; pool++)
        for (size_t k = 0; ok && k < nd; k++) {
            uint64_t got = pool == 0 ? pay_hotkey(kv, netuid, &ds.v[k].hotkey, ad[k])
                                     : pay_root_dividend(kv, netuid, &ds.v[k].hotkey, rd[k]);
            if (got == UINT64_MAX) ok = false;
            else *paid += got;
        }
    free(d);
    free(alpha);
    free(rootst);
    free(ad);
    free(rd);
    free(ds.v);
    s->miner_burned_ppb = incentive_total ? (uint64_t)(((yu128)withheld * 1000000000u) / incentive_total) : 0;
    return ok;
}

yuma_chain_status coinbase_distribute(call_ctx *cx, uint16_t netuid, subnet_rec *s)
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
    if (st == YUMA_CHAIN_OK &&
        !pay_epoch(cx->kv, cx->params, netuid, s, &e, &o, server, validator, root, owner_cut, &paid))
        st = YUMA_CHAIN_ERR_NOMEM;
    /* The pending pools were minted into alpha_out block by block. What
     * flooring leaves unpaid stays there with no owner, as in the
     * reference (counted as burned); if the epoch's exact miner amounts
     * came to a few rao more than the pools, those rao are minted, as the
     * reference stakes the amounts without a cap. */
    uint64_t drained = server + validator + root;
    if (paid <= drained) s->alpha_burned += drained - paid;
    else s->alpha_out += paid - drained;
    s->last_step_block = cx->block;
    if (st == YUMA_CHAIN_OK && !chain_event(cx, YUMA_EVENT_EPOCH, netuid, NULL, NULL, paid, s->epoch_index))
        st = YUMA_CHAIN_ERR_NOMEM;
    yuma_epoch_output_free(&o);
    free_build(&e);
    return st;
}

bool coinbase_epoch_due(const subnet_rec *s, uint64_t now)
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
    yu128 price_sum = 0, *prices = malloc(n * sizeof *prices), *tao = malloc(n * sizeof *tao);
    uint64_t *burned = malloc(n * sizeof *burned);
    bool *emits = malloc(n * sizeof *emits);
    if (!prices || !tao || !burned || !emits) {
        free(prices);
        free(tao);
        free(burned);
        free(emits);
        free(v);
        return YUMA_CHAIN_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        subnet_rec *s = &v[i].s;
        s->burn = yuma_burn_decay(s->burn, s->burn_half_life, cx->block, s->min_burn, s->max_burn);
        s->blocks_since_last_step++;
        /* Emission starts by rule (start_call); only an enacted governance
         * proposal switches it off (src/gov/eaa.c). */
        v[i].emits = s->first_emission_block != 0 && cx->block >= s->first_emission_block &&
                     gov_subnet_emits(cx->kv, v[i].netuid);
        emits[i] = v[i].emits;
        prices[i] = s->moving_price;
        burned[i] = s->miner_burned_ppb;
        if (v[i].emits) price_sum += s->moving_price;
    }
    coinbase_tao_shares(n, prices, burned, emits, emission, tao);
    bool root_sell = coinbase_root_sell(price_sum);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].emits) continue;
        /* An enacted owner-cut override applies to its subnet only. */
        yuma_chain_params own = *cx->params;
        own.subnet_owner_cut = gov_owner_cut(cx->kv, v[i].netuid, cx->params->subnet_owner_cut);
        sup.total_issuance += coinbase_emit_subnet(&v[i].s, tao[i], &own, root_tao, root_sell);
    }
    /* Governance (src/gov/emission_history.h): an emergency escrow takes
     * the subnet's pending emission before its epoch; each subnet's share
     * goes to the emission-share history. */
    yuma_chain_status st = YUMA_CHAIN_OK;
    for (size_t i = 0; i < n && st == YUMA_CHAIN_OK; i++)
        if (!gov_coinbase_subnet(cx, v[i].netuid, &v[i].s, tao[i], emission)) st = YUMA_CHAIN_ERR_NOMEM;
    free(prices);
    free(tao);
    free(burned);
    free(emits);
    unsigned epochs = 0;
    for (size_t i = 0; i < n && st == YUMA_CHAIN_OK; i++) {
        subnet_rec *s = &v[i].s;
        if (!coinbase_epoch_due(s, cx->block)) continue;
        if (epochs >= cx->params->max_epochs_per_block) {
            s->pending_epoch_at = cx->block + 1; /* deferred to the next block */
            continue;
        }
        epochs++;
        st = coinbase_distribute(cx, v[i].netuid, s);
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
