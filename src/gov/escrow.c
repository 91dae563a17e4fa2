/*
 * escrow.c - what protects the affected minority (governance-and-users
 * §5.3-§5.6): conviction locks that keep voted stake in place, the
 * Lido-style veto escrow that stretches a targeted proposal's timelock and,
 * past its second seal, lets the escrowed stakers leave at the
 * pre-proposal price before the action takes effect, and the exit rights
 * of a team whose subnet governance switches off or dissolves.
 *
 * Money moves only between existing holdings (stake, the subnet's pool,
 * balances), so the supply audit holds after every step.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/gov.h"
#include "yuma/pool.h"

/* ---- conviction locks ---- */

static size_t lock_key(uint8_t k[67], const yuma_account *coldkey, const yuma_account *hotkey, uint16_t netuid)
{
    k[0] = REC_GOV_LOCK;
    memcpy(k + 1, coldkey->bytes, 32);
    memcpy(k + 33, hotkey->bytes, 32);
    k[65] = (uint8_t)(netuid >> 8);
    k[66] = (uint8_t)netuid;
    return 67;
}

static bool lock_get(const ykv *kv, const yuma_account *coldkey, const yuma_account *hotkey, uint16_t netuid,
                     uint64_t *amount, uint64_t *until)
{
    uint8_t key[67];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, lock_key(key, coldkey, hotkey, netuid), &vlen);
    *amount = *until = 0;
    if (!v || vlen != 16) return false;
    *amount = get_u64(v);
    *until = get_u64(v + 8);
    return true;
}

bool gov_lock_add(ykv *kv, const yuma_account *coldkey, const yuma_account *hotkey, uint16_t netuid, uint64_t amount,
                  uint64_t until)
{
    uint64_t a, u;
    /* Overlapping locks on one position keep the larger amount and the
     * later end (one stake can back several votes, as in Polkadot). A lock
     * that has ended no longer counts. */
    if (lock_get(kv, coldkey, hotkey, netuid, &a, &u) && u > 0) {
        if (a > amount) amount = a;
        if (u > until) until = u;
    }
    uint8_t key[67], v[16];
    put_u64(v, amount);
    put_u64(v + 8, until);
    return ykv_put(kv, key, lock_key(key, coldkey, hotkey, netuid), v, sizeof v);
}

/* ---- veto escrow ---- */

/* id + both accounts would not fit a key (72 bytes at most): the key
 * names the position by BLAKE2b-256(coldkey || hotkey) for alpha on the
 * target, BLAKE2b-256(coldkey || hotkey || 0x00) for TAO delegated (root
 * stake) to one of its validators, and the value carries the accounts. */
static size_t escrow_key(uint8_t k[41], uint64_t id, const yuma_account *coldkey, const yuma_account *hotkey,
                         uint8_t source)
{
    uint8_t both[65];
    k[0] = REC_GOV_ESCROW;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    memcpy(both, coldkey->bytes, 32);
    memcpy(both + 32, hotkey->bytes, 32);
    both[64] = 0;
    crypto_generichash(k + 9, 32, both, source == GOV_ESCROW_ROOT ? 65 : 64, NULL, 0);
    return 41;
}

/* The value: coldkey, hotkey, amount (u64 BE: alpha, or TAO for root),
 * then the exit the position chose (GOV_EXIT_PRICE or GOV_EXIT_AMM; a
 * 72-byte value is the price exit), then for root stake the source byte
 * GOV_ESCROW_ROOT (74 bytes; alpha positions keep their 73). */
gov_escrow_position gov_escrow_get(const ykv *kv, uint64_t id, const yuma_account *coldkey,
                                   const yuma_account *hotkey, uint8_t source)
{
    uint8_t key[41];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, escrow_key(key, id, coldkey, hotkey, source), &vlen);
    gov_escrow_position pos = {.amount = 0, .exit_mode = GOV_EXIT_PRICE};
    bool root = source == GOV_ESCROW_ROOT;
    if (!v || (root ? vlen != 74 || v[73] != GOV_ESCROW_ROOT : vlen != 72 && vlen != 73)) return pos;
    pos.amount = get_u64(v + 64);
    if (vlen >= 73) pos.exit_mode = v[72];
    return pos;
}

static bool escrow_put(ykv *kv, uint64_t id, const yuma_account *coldkey, const yuma_account *hotkey, uint8_t source,
                       uint64_t amount, uint8_t mode)
{
    uint8_t key[41], v[74];
    size_t klen = escrow_key(key, id, coldkey, hotkey, source);
    if (amount == 0) return ykv_del(kv, key, klen);
    memcpy(v, coldkey->bytes, 32);
    memcpy(v + 32, hotkey->bytes, 32);
    put_u64(v + 64, amount);
    v[72] = mode;
    v[73] = GOV_ESCROW_ROOT;
    return ykv_put(kv, key, klen, v, source == GOV_ESCROW_ROOT ? 74 : 73);
}

/* Root stake escrowed for any open targeted proposal in its timelock (or
 * appeal): the largest, since one stake can back several escrows. */
static uint64_t root_escrowed(const ykv *kv, const yuma_account *coldkey, const yuma_account *hotkey)
{
    uint64_t ids[GOV_MAX_OPEN], locked = 0;
    size_t n = gov_open_get(kv, ids);
    for (size_t i = 0; i < n; i++) {
        gov_proposal p;
        if (!gov_proposal_get(kv, ids[i], &p) || p.netuid == GOV_NETUID_GLOBAL ||
            (p.state != GOV_TIMELOCK && p.state != GOV_APPEAL))
            continue;
        uint64_t e = gov_escrow_get(kv, p.id, coldkey, hotkey, GOV_ESCROW_ROOT).amount;
        if (e > locked) locked = e;
    }
    return locked;
}

uint64_t gov_locked_stake(const ykv *kv, const yuma_account *coldkey, const yuma_account *hotkey, uint16_t netuid,
                          uint64_t now)
{
    uint64_t amount, until, locked = 0;
    if (lock_get(kv, coldkey, hotkey, netuid, &amount, &until) && until > now) locked = amount;
    if (netuid == 0) {
        uint64_t e = root_escrowed(kv, coldkey, hotkey);
        return e > locked ? e : locked;
    }
    gov_subnet_rec g = gov_subnet_get(kv, netuid);
    gov_proposal p;
    if (g.open_id && gov_proposal_get(kv, g.open_id, &p) && (p.state == GOV_TIMELOCK || p.state == GOV_APPEAL)) {
        uint64_t e = gov_escrow_get(kv, p.id, coldkey, hotkey, GOV_ESCROW_ALPHA).amount;
        if (e > locked) locked = e;
    }
    return locked;
}

/* The alpha the subnet's stakers hold: alpha out less what no one owns or
 * is still pending (the supply audit's identity). */
static uint64_t held_alpha(const subnet_rec *s)
{
    uint64_t other = s->protocol_alpha + s->alpha_burned + s->pending_server + s->pending_validator +
                     s->pending_root + s->pending_owner;
    return s->alpha_out > other ? s->alpha_out - other : 0;
}

uint32_t gov_escrow_ratio_ppm(const ykv *kv, const gov_proposal *p)
{
    subnet_rec s;
    if (p->netuid == GOV_NETUID_GLOBAL || !subnet_get(kv, p->netuid, &s)) return 0;
    uint64_t held = held_alpha(&s);
    if (held == 0) return 0;
    unsigned __int128 r = (unsigned __int128)p->escrow_total * 1000000u / held;
    return r > 1000000u ? 1000000u : (uint32_t)r;
}

/* Root TAO counted in R (§5.5 "and TAO delegators to its validators"):
 * converted into alpha at the proposal's pre-proposal price, the price
 * fixed at submission that the rage exit pays, so pushing the spot price
 * during the timelock cannot move R. A price of 0 counts nothing. */
uint64_t gov_escrow_root_alpha(const gov_proposal *p, uint64_t tao)
{
    yu128 a;
    if (p->pre_price == 0 || tao == 0) return 0;
    if (!yu128_mul_div(tao, YU96F32_ONE, p->pre_price, &a) || a > UINT64_MAX) return UINT64_MAX;
    return (uint64_t)a;
}

/* The hotkey holds a validator permit on the target (checked when its
 * delegators lock: a permit lost later does not free the escrow). */
static bool target_validator(const ykv *kv, uint16_t netuid, const yuma_account *hotkey)
{
    uint16_t uid;
    neuron_rec nr;
    return uid_get(kv, netuid, hotkey, &uid) && neuron_get(kv, netuid, uid, &nr) && nr.validator_permit;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* TAO delegators (choice 3 lock, 4 unlock): root stake on a validator of
 * the target, 1:1 TAO at a rage exit whatever the exit. */
static yuma_call_status escrow_root(call_ctx *cx, gov_proposal *p, const yuma_call *call)
{
    uint64_t have = gov_escrow_get(cx->kv, p->id, cx->signer, &call->hotkey, GOV_ESCROW_ROOT).amount;
    uint64_t next;
    if (call->choice == 3) {
        if (!target_validator(cx->kv, p->netuid, &call->hotkey)) return YUMA_CALL_ERR_GOV_NOT_TARGET_VALIDATOR;
        uint64_t stake = stake_of(cx->kv, &call->hotkey, cx->signer, 0);
        if (call->amount > stake || have > stake - call->amount) return YUMA_CALL_ERR_NOT_ENOUGH_STAKE;
        next = have + call->amount;
    } else {
        if (call->amount > have) return YUMA_CALL_ERR_GOV_NOT_ESCROWED;
        next = have - call->amount;
    }
    /* escrow_total holds each root position's alpha equivalent: take the
     * old one out, put the new one in (no rounding drift). */
    uint64_t old_eq = gov_escrow_root_alpha(p, have);
    p->escrow_total = sat_add(p->escrow_total > old_eq ? p->escrow_total - old_eq : 0, gov_escrow_root_alpha(p, next));
    return escrow_put(cx->kv, p->id, cx->signer, &call->hotkey, GOV_ESCROW_ROOT, next, GOV_EXIT_PRICE)
               ? YUMA_CALL_OK
               : YUMA_CALL_ERR_NOMEM;
}

/* choice 0 locks alpha for the exit at the pre-proposal price, 2 locks
 * for the exit through the AMM (§5.5's alternative); the latest lock sets
 * the position's exit. 1 unlocks (the exit chosen stays for what is left).
 * 3 and 4 lock and unlock TAO delegated to one of the target's validators. */
yuma_call_status gov_call_escrow(call_ctx *cx, const yuma_call *call)
{
    gov_proposal p;
    if (!gov_proposal_get(cx->kv, call->proposal_id, &p)) return YUMA_CALL_ERR_GOV_NO_PROPOSAL;
    if (p.netuid == GOV_NETUID_GLOBAL) return YUMA_CALL_ERR_GOV_NOT_TARGETED;
    if (call->choice > 4) return YUMA_CALL_ERR_GOV_BAD_CHOICE;
    if (p.state != GOV_TIMELOCK && p.state != GOV_APPEAL) return YUMA_CALL_ERR_GOV_WRONG_STATE;
    if (call->amount == 0) return YUMA_CALL_ERR_ZERO_AMOUNT;
    if (call->choice >= 3) {
        yuma_call_status st = escrow_root(cx, &p, call);
        if (st != YUMA_CALL_OK) return st;
        uint32_t r = gov_escrow_ratio_ppm(cx->kv, &p);
        if (r > p.escrow_peak_ppm) p.escrow_peak_ppm = r;
        return gov_proposal_put(cx->kv, &p) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
    }
    gov_escrow_position pos = gov_escrow_get(cx->kv, p.id, cx->signer, &call->hotkey, GOV_ESCROW_ALPHA);
    if (call->choice != 1) {
        uint64_t stake = stake_of(cx->kv, &call->hotkey, cx->signer, p.netuid);
        if (call->amount > stake || pos.amount > stake - call->amount) return YUMA_CALL_ERR_NOT_ENOUGH_STAKE;
        pos.amount += call->amount;
        p.escrow_total += call->amount;
        pos.exit_mode = call->choice == 2 ? GOV_EXIT_AMM : GOV_EXIT_PRICE;
    } else {
        if (call->amount > pos.amount) return YUMA_CALL_ERR_GOV_NOT_ESCROWED;
        pos.amount -= call->amount;
        p.escrow_total -= call->amount;
    }
    /* The stretch follows the highest R seen, so leaving the escrow cannot
     * shorten a timelock others relied on. */
    uint32_t r = gov_escrow_ratio_ppm(cx->kv, &p);
    if (r > p.escrow_peak_ppm) p.escrow_peak_ppm = r;
    if (!escrow_put(cx->kv, p.id, cx->signer, &call->hotkey, GOV_ESCROW_ALPHA, pos.amount, pos.exit_mode) ||
        !gov_proposal_put(cx->kv, &p))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

/* ---- rage exit ---- */

typedef struct {
    yuma_account coldkey, hotkey;
    uint64_t alpha, tao;             /* root positions: alpha = tao = the TAO escrowed */
    uint8_t mode;
    uint8_t source;                  /* GOV_ESCROW_ALPHA or GOV_ESCROW_ROOT */
} exit_entry;

typedef struct {
    exit_entry *v;
    size_t n, cap;
    bool nomem;
} exit_scan;

static bool collect_exit(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    exit_scan *sc = ctx;
    (void)key;
    if (klen != 41 || (vlen != 72 && vlen != 73 && vlen != 74)) return true;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 32;
        exit_entry *nv = realloc(sc->v, ncap * sizeof *nv);
        if (!nv) return !(sc->nomem = true);
        sc->v = nv;
        sc->cap = ncap;
    }
    exit_entry *e = &sc->v[sc->n++];
    memcpy(e->coldkey.bytes, val, 32);
    memcpy(e->hotkey.bytes, val + 32, 32);
    e->alpha = get_u64(val + 64);
    e->tao = 0;
    e->mode = vlen >= 73 ? val[72] : GOV_EXIT_PRICE;
    e->source = vlen == 74 && val[73] == GOV_ESCROW_ROOT ? GOV_ESCROW_ROOT : GOV_ESCROW_ALPHA;
    return true;
}

static yuma_call_status credit(call_ctx *cx, const yuma_account *who, uint64_t amount)
{
    if (amount == 0) return YUMA_CALL_OK;
    account_rec a = account_get(cx->kv, who);
    a.balance += amount; /* bounded by the supply cap */
    return account_put(cx->kv, who, a) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* The price exits: each position at the pre-proposal price, but never
 * more than its pro-rata share of the pool's TAO (what dissolving the
 * subnet would pay it), so leaving never takes TAO that backs the others'
 * alpha. If the pool still cannot pay them all (it keeps its minimum
 * reserve), all are cut pro rata. */
static yuma_call_status exit_at_price(call_ctx *cx, const gov_proposal *p, subnet_rec *s, exit_entry *v, size_t n)
{
    unsigned __int128 owed = 0, issued = (unsigned __int128)s->pool.alpha_in + s->alpha_out;
    for (size_t i = 0; i < n; i++) {
        if (v[i].mode == GOV_EXIT_AMM || v[i].source == GOV_ESCROW_ROOT) continue;
        yu128 t, share;
        if (!yu128_mul_div(v[i].alpha, p->pre_price, YU96F32_ONE, &t) || t > UINT64_MAX) t = UINT64_MAX;
        if (!yu128_mul_div(s->pool.tao, v[i].alpha, issued, &share)) share = 0;
        v[i].tao = (uint64_t)(t < share ? t : share);
        owed += v[i].tao;
    }
    uint64_t avail = s->pool.tao > YUMA_POOL_MIN_RESERVE ? s->pool.tao - YUMA_POOL_MIN_RESERVE : 0;
    for (size_t i = 0; i < n; i++) {
        exit_entry *e = &v[i];
        if (e->mode == GOV_EXIT_AMM || e->source == GOV_ESCROW_ROOT) continue;
        if (owed > avail) e->tao = (uint64_t)((unsigned __int128)e->tao * avail / owed);
        if (e->alpha && stake_remove(cx->kv, &e->hotkey, &e->coldkey, p->netuid, e->alpha) != STAKE_OK)
            return YUMA_CALL_ERR_NOMEM;
        s->pool.alpha_in += e->alpha;
        s->alpha_out -= e->alpha;
        s->pool.tao -= e->tao;
        yuma_call_status st = credit(cx, &e->coldkey, e->tao);
        if (st != YUMA_CALL_OK) return st;
    }
    return YUMA_CALL_OK;
}

/* The AMM exits (§5.5's alternative), after the price exits, in key
 * order: each position is sold into the pool without a fee, down to a
 * price at most exit_slippage_ppm below the spot price before its sale;
 * what the ceiling leaves unsold stays staked (out of the escrow). */
static yuma_call_status exit_through_amm(call_ctx *cx, const gov_proposal *p, subnet_rec *s, exit_entry *v, size_t n)
{
    uint32_t slip = cx->params->gov.exit_slippage_ppm;
    for (size_t i = 0; i < n; i++) {
        exit_entry *e = &v[i];
        if (e->mode != GOV_EXIT_AMM || e->source == GOV_ESCROW_ROOT || e->alpha == 0) continue;
        /* The floor in rao, rounded up (towards the spot price), so the
         * sale never goes past the ceiling; a ceiling of 0 sells nothing. */
        yu128 floor_rao;
        if (!yu128_mul_div_ceil(yuma_pool_price(&s->pool), (yu128)(1000000u - slip) * YUMA_RAO_PER_TAO,
                                ((yu128)1 << 64) * 1000000u, &floor_rao) ||
            floor_rao > UINT64_MAX)
            continue;
        uint64_t limit = floor_rao > YUMA_POOL_MIN_PRICE_RAO ? (uint64_t)floor_rao : YUMA_POOL_MIN_PRICE_RAO;
        yuma_swap_result r;
        if (yuma_pool_swap(&s->pool, YUMA_SWAP_SELL, e->alpha, limit, 0, true, &r) != YUMA_POOL_OK) continue;
        if (yuma_pool_apply_swap(&s->pool, YUMA_SWAP_SELL, &r) != YUMA_POOL_OK) continue;
        if (stake_remove(cx->kv, &e->hotkey, &e->coldkey, p->netuid, r.delta_in) != STAKE_OK)
            return YUMA_CALL_ERR_NOMEM;
        s->alpha_out -= r.delta_in;
        e->tao = r.delta_out;
        e->alpha = r.delta_in;
        yuma_call_status st = credit(cx, &e->coldkey, r.delta_out);
        if (st != YUMA_CALL_OK) return st;
    }
    return YUMA_CALL_OK;
}

/* TAO delegators leave the target's validator first: root stake is TAO,
 * unstaked 1:1 to the coldkey (no pool, no price), as remove_stake would. */
static yuma_call_status exit_root(call_ctx *cx, exit_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        exit_entry *e = &v[i];
        if (e->source != GOV_ESCROW_ROOT || e->alpha == 0) continue;
        if (stake_remove(cx->kv, &e->hotkey, &e->coldkey, 0, e->alpha) != STAKE_OK) return YUMA_CALL_ERR_NOMEM;
        e->tao = e->alpha;
        yuma_call_status st = credit(cx, &e->coldkey, e->tao);
        if (st != YUMA_CALL_OK) return st;
    }
    return YUMA_CALL_OK;
}

yuma_call_status gov_rage_exit(call_ctx *cx, gov_proposal *p)
{
    subnet_rec s;
    if (!subnet_get(cx->kv, p->netuid, &s)) return YUMA_CALL_OK;
    uint8_t prefix[9];
    prefix[0] = REC_GOV_ESCROW;
    for (int i = 0; i < 8; i++) prefix[1 + i] = (uint8_t)(p->id >> (56 - 8 * i));
    exit_scan sc = {0};
    if (!ykv_scan_prefix(cx->kv, prefix, sizeof prefix, collect_exit, &sc) || sc.nomem) {
        free(sc.v);
        return YUMA_CALL_ERR_NOMEM;
    }
    uint8_t before[32], after[32];
    gov_audit_param_hash(&s.pool, sizeof s.pool, before);
    for (size_t i = 0; i < sc.n; i++) {
        uint16_t from = sc.v[i].source == GOV_ESCROW_ROOT ? 0 : p->netuid;
        uint64_t held = stake_of(cx->kv, &sc.v[i].hotkey, &sc.v[i].coldkey, from);
        if (sc.v[i].alpha > held) sc.v[i].alpha = held;
    }
    yuma_call_status st = exit_root(cx, sc.v, sc.n);
    if (st == YUMA_CALL_OK) st = exit_at_price(cx, p, &s, sc.v, sc.n);
    if (st == YUMA_CALL_OK) st = exit_through_amm(cx, p, &s, sc.v, sc.n);
    /* Every position leaves the escrow, sold or not. */
    for (size_t i = 0; i < sc.n && st == YUMA_CALL_OK; i++)
        if (!escrow_put(cx->kv, p->id, &sc.v[i].coldkey, &sc.v[i].hotkey, sc.v[i].source, 0, 0))
            st = YUMA_CALL_ERR_NOMEM;
    free(sc.v);
    if (st != YUMA_CALL_OK) return st;
    p->escrow_total = 0;
    if (!subnet_put(cx->kv, p->netuid, &s)) return YUMA_CALL_ERR_NOMEM;
    gov_audit_param_hash(&s.pool, sizeof s.pool, after);
    return gov_audit_proposal(cx, p, p->netuid == GOV_NETUID_GLOBAL ? 2 : 1, GOV_AUDIT_ID_RAGE_EXIT, before, after)
               ? YUMA_CALL_OK
               : YUMA_CALL_ERR_NOMEM;
}

/* ---- exit rights ---- */

static size_t credit_key(uint8_t k[33], const yuma_account *hotkey)
{
    k[0] = REC_GOV_REG_CREDIT;
    memcpy(k + 1, hotkey->bytes, 32);
    return 33;
}

bool gov_take_registration_credit(ykv *kv, const yuma_account *hotkey, uint64_t now, bool *used)
{
    uint8_t key[33];
    size_t vlen, klen = credit_key(key, hotkey);
    const uint8_t *v = ykv_get(kv, key, klen, &vlen);
    *used = false;
    if (!v || vlen != 8) return true;
    if (get_u64(v) <= now) return ykv_del(kv, key, klen); /* expired: forget it */
    *used = true;
    return ykv_del(kv, key, klen);
}

yuma_call_status gov_exit_rights(call_ctx *cx, const gov_proposal *p)
{
    const yuma_gov_params *g = &cx->params->gov;
    subnet_rec s;
    if (!subnet_get(cx->kv, p->netuid, &s)) return YUMA_CALL_OK;
    uint8_t before[32], after[32];
    gov_audit_param_hash(&s.pool, sizeof s.pool, before);
    /* The owner's lock, pro rata to what remains of the ownership term,
     * from the pool the lock went into (keeping its minimum reserve). */
    uint64_t end = s.registered_at + g->owner_term_blocks;
    uint64_t remaining = end > cx->block ? end - cx->block : 0;
    uint64_t refund = g->owner_term_blocks ? (uint64_t)((unsigned __int128)s.lock * remaining / g->owner_term_blocks) : 0;
    uint64_t avail = s.pool.tao > YUMA_POOL_MIN_RESERVE ? s.pool.tao - YUMA_POOL_MIN_RESERVE : 0;
    if (refund > avail) refund = avail;
    s.pool.tao -= refund;
    yuma_call_status st = credit(cx, &s.owner_coldkey, refund);
    if (st == YUMA_CALL_OK && !subnet_put(cx->kv, p->netuid, &s)) st = YUMA_CALL_ERR_NOMEM;
    /* Every neuron may register once more without burn for the exit
     * period, so it can move to a successor subnet without paying again. */
    for (uint16_t uid = 0; st == YUMA_CALL_OK && uid < s.n; uid++) {
        neuron_rec nr;
        if (!neuron_get(cx->kv, p->netuid, uid, &nr)) continue;
        uint8_t key[33], v[8];
        put_u64(v, cx->block + g->exit_registration_blocks);
        if (!ykv_put(cx->kv, key, credit_key(key, &nr.hotkey), v, sizeof v)) st = YUMA_CALL_ERR_NOMEM;
    }
    if (st != YUMA_CALL_OK) return st;
    gov_audit_param_hash(&s.pool, sizeof s.pool, after);
    return gov_audit_proposal(cx, p, 1, GOV_AUDIT_ID_LOCK_REFUND, before, after) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status gov_call_owner_transfer(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    if (call->netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, call->netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (memcmp(s.owner_coldkey.bytes, cx->signer->bytes, 32) != 0) return YUMA_CALL_ERR_NOT_OWNER;
    gov_subnet_rec g = gov_subnet_get(cx->kv, call->netuid);
    gov_proposal p;
    if (!g.open_id || !gov_proposal_get(cx->kv, g.open_id, &p) ||
        (p.state != GOV_TIMELOCK && p.state != GOV_APPEAL) || !gov_proposal_disabling(&p))
        return YUMA_CALL_ERR_GOV_NO_EXIT_RIGHT;
    hotkey_rec h;
    if (hotkey_get(cx->kv, &call->hotkey, &h)) {
        if (memcmp(h.owner.bytes, call->dest.bytes, 32) != 0) return YUMA_CALL_ERR_HOTKEY_OWNED;
    } else {
        h = (hotkey_rec){.owner = call->dest, .take = cx->params->max_delegate_take, .last_take_block = 0};
        if (!hotkey_put(cx->kv, &call->hotkey, &h)) return YUMA_CALL_ERR_NOMEM;
    }
    uint8_t before[32], after[32];
    gov_audit_param_hash(s.owner_coldkey.bytes, 32, before);
    s.owner_coldkey = call->dest;
    s.owner_hotkey = call->hotkey;
    gov_audit_param_hash(s.owner_coldkey.bytes, 32, after);
    if (!subnet_put(cx->kv, call->netuid, &s)) return YUMA_CALL_ERR_NOMEM;
    return gov_audit_proposal(cx, &p, 1, GOV_AUDIT_ID_OWNER_TRANSFER, before, after) ? YUMA_CALL_OK
                                                                                      : YUMA_CALL_ERR_NOMEM;
}
