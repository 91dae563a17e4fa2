/*
 * proposal.c - the lifecycle of a proposal (governance-and-users §5.2) as
 * a state machine, its calls (propose, top up, respond, vote, appeal,
 * withdraw) and the block step that moves it on:
 *
 *   propose --deposit complete--> NOTICE --voting_start--> VOTING --round_end--> tally
 *     (deposit short: PENDING_DEPOSIT, top-ups until the deadline, else EXPIRED)
 *   tally: veto -> VETOED (deposit burned); both houses pass -> TIMELOCK; else REJECTED
 *   TIMELOCK --owner appeals in the window--> APPEAL (fresh snapshot, timelock paused)
 *       --confirmed--> TIMELOCK (bond back unless vetoed) | --appeal wins--> REVERSED
 *   TIMELOCK --end (stretched by the veto escrow)--> [rage exit] -> ENACTED
 *   any open state --proposer withdraws--> WITHDRAWN; target subnet gone -> EXPIRED
 *
 * The block step runs before the block's transactions, so a tally or an
 * enactment happens before any transaction of its block: a vote in the
 * closing block is refused, and nothing a vote does can take effect in the
 * block it was cast. gov_enact is the only caller of the EAA setters.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/eaa.h"
#include "gov/emergency.h"
#include "gov/gov.h"
#include "yuma/emission.h"
#include "yuma/pool.h"

static bool same(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

static uint8_t audit_class(const gov_proposal *p)
{
    return p->netuid == GOV_NETUID_GLOBAL ? GOV_AUDIT_EAA_GLOBAL : GOV_AUDIT_EAA_TARGETED;
}

static bool audit(call_ctx *cx, const gov_proposal *p, uint8_t class_, uint16_t id)
{
    uint8_t h[32];
    gov_proposal_hash(p, h);
    return gov_audit_proposal(cx, p, class_, id, NULL, h);
}

/* ---- derived values ---- */

bool gov_proposal_disabling(const gov_proposal *p)
{
    if (p->netuid == GOV_NETUID_GLOBAL) return false;
    for (uint32_t i = 0; i < p->action_count; i++)
        if ((p->actions[i].kind == EAA_EMISSION && p->actions[i].value == 0) || p->actions[i].kind == EAA_DISSOLVE)
            return true;
    return false;
}

static bool changes_governance(const gov_proposal *p)
{
    for (uint32_t i = 0; i < p->action_count; i++)
        if (eaa_changes_governance(&p->actions[i])) return true;
    return false;
}

uint64_t gov_timelock_end(const gov_proposal *p, const yuma_gov_params *g)
{
    uint64_t len = p->timelock_base;
    /* §5.5: R above the first seal stretches the timelock linearly to its
     * maximum as R approaches the second seal. */
    if (p->netuid != GOV_NETUID_GLOBAL && p->escrow_peak_ppm > g->escrow_extend_ppm &&
        g->timelock_max_blocks > len) {
        uint64_t span = g->timelock_max_blocks - len;
        if (p->escrow_peak_ppm >= g->escrow_rage_ppm) len = g->timelock_max_blocks;
        else
            len += (uint64_t)((unsigned __int128)span * (p->escrow_peak_ppm - g->escrow_extend_ppm) /
                              (g->escrow_rage_ppm - g->escrow_extend_ppm));
    }
    return p->timelock_start + len + p->paused;
}

bool gov_voting_open(const gov_proposal *p, uint64_t now)
{
    return (p->state == GOV_VOTING || p->state == GOV_APPEAL) && p->snapshot_taken && now >= p->round_start &&
           now < p->round_end;
}

uint64_t gov_required_deposit(const ykv *kv, const yuma_chain_params *params, uint16_t netuid)
{
    const yuma_gov_params *g = &params->gov;
    if (netuid == GOV_NETUID_GLOBAL) return g->min_deposit;
    /* The target's share of the block emission is its EMA price over the
     * emitting subnets' (the coinbase's rule), so its emission over the
     * window is estimated as E * window * share. */
    yu128 sum = 0, mine = 0;
    for (uint16_t n = 1; n <= subnet_netuid_bound(params); n++) {
        subnet_rec s;
        if (!subnet_get(kv, n, &s) || s.first_emission_block == 0 || !gov_subnet_emits(kv, n)) continue;
        sum += s.moving_price;
        if (n == netuid) mine = s.moving_price;
    }
    uint64_t e = yuma_block_emission(supply_get(kv).total_issuance);
    yu128 window = (yu128)e * g->deposit_window_blocks, est = 0, dep;
    if (sum > 0 && !yu128_mul_div(window, mine, sum, &est)) est = 0;
    if (!yu128_mul_div(est, g->deposit_emission_ppm, 1000000u, &dep)) dep = 0;
    if (dep > UINT64_MAX) dep = UINT64_MAX;
    return (uint64_t)dep > g->min_deposit ? (uint64_t)dep : g->min_deposit;
}

/* ---- the open list ---- */

static bool open_add(ykv *kv, uint64_t id)
{
    uint64_t ids[GOV_MAX_OPEN];
    size_t n = gov_open_get(kv, ids);
    if (n == GOV_MAX_OPEN) return false;
    ids[n++] = id; /* ids only grow: the list stays ascending */
    return gov_open_put(kv, ids, n);
}

static bool open_remove(ykv *kv, uint64_t id)
{
    uint64_t ids[GOV_MAX_OPEN];
    size_t n = gov_open_get(kv, ids), m = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] != id) ids[m++] = ids[i];
    return gov_open_put(kv, ids, m);
}

/* ---- deposits ---- */

static size_t deposit_key(uint8_t k[41], uint64_t id, const yuma_account *a)
{
    k[0] = REC_GOV_DEPOSIT;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    memcpy(k + 9, a->bytes, 32);
    return 41;
}

static yuma_call_status take_deposit(call_ctx *cx, gov_proposal *p, uint64_t amount)
{
    yuma_call_status st = gov_pay_in(cx, cx->signer, amount);
    if (st != YUMA_CALL_OK) return st;
    uint8_t key[41], v[8];
    size_t vlen, klen = deposit_key(key, p->id, cx->signer);
    const uint8_t *old = ykv_get(cx->kv, key, klen, &vlen);
    put_u64(v, (old && vlen == 8 ? get_u64(old) : 0) + amount);
    p->deposit_total += amount;
    return ykv_put(cx->kv, key, klen, v, sizeof v) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

typedef struct {
    yuma_account who;
    uint64_t amount;
} contribution;

typedef struct {
    contribution *v;
    size_t n, cap;
    bool nomem;
} contribution_scan;

static bool collect_contribution(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    contribution_scan *sc = ctx;
    if (klen != 41 || vlen != 8) return true;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 8;
        contribution *nv = realloc(sc->v, ncap * sizeof *nv);
        if (!nv) return !(sc->nomem = true);
        sc->v = nv;
        sc->cap = ncap;
    }
    memcpy(sc->v[sc->n].who.bytes, key + 9, 32);
    sc->v[sc->n++].amount = get_u64(val);
    return true;
}

/* Settles the deposit: burn_ppm of it is burned, the rest goes back to
 * each contributor pro rata (floored; the dust is burned too). */
static yuma_call_status settle_deposit(call_ctx *cx, gov_proposal *p, uint32_t burn_ppm)
{
    uint8_t prefix[9];
    prefix[0] = REC_GOV_DEPOSIT;
    for (int i = 0; i < 8; i++) prefix[1 + i] = (uint8_t)(p->id >> (56 - 8 * i));
    contribution_scan sc = {0};
    if (!ykv_scan_prefix(cx->kv, prefix, sizeof prefix, collect_contribution, &sc) || sc.nomem) {
        free(sc.v);
        return YUMA_CALL_ERR_NOMEM;
    }
    uint64_t total = p->deposit_total, paid = 0;
    uint64_t keep = total - (uint64_t)((unsigned __int128)total * burn_ppm / 1000000u);
    yuma_call_status st = YUMA_CALL_OK;
    for (size_t i = 0; i < sc.n && st == YUMA_CALL_OK; i++) {
        uint64_t back = total ? (uint64_t)((unsigned __int128)sc.v[i].amount * keep / total) : 0;
        st = gov_pay_out(cx, &sc.v[i].who, back);
        paid += back;
        uint8_t key[41];
        if (st == YUMA_CALL_OK && !ykv_del(cx->kv, key, deposit_key(key, p->id, &sc.v[i].who))) st = YUMA_CALL_ERR_NOMEM;
    }
    free(sc.v);
    if (st == YUMA_CALL_OK) st = gov_burn(cx, total - paid);
    return st;
}

static yuma_call_status settle_bond(call_ctx *cx, gov_proposal *p, bool burn)
{
    uint64_t bond = p->appeal_bond;
    p->appeal_bond = 0;
    return burn ? gov_burn(cx, bond) : gov_pay_out(cx, &p->appellant, bond);
}

/* Drops the escrow records of a closed proposal (its locks end with it). */
typedef struct {
    uint8_t (*keys)[41];
    size_t n, cap;
    bool nomem;
} key_scan;

static bool collect_key41(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    key_scan *sc = ctx;
    if (klen != 41) return true;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 16;
        uint8_t(*nk)[41] = realloc(sc->keys, ncap * 41);
        if (!nk) return !(sc->nomem = true);
        sc->keys = nk;
        sc->cap = ncap;
    }
    memcpy(sc->keys[sc->n++], key, 41);
    return true;
}

static bool drop_escrow(ykv *kv, uint64_t id)
{
    uint8_t prefix[9];
    prefix[0] = REC_GOV_ESCROW;
    for (int i = 0; i < 8; i++) prefix[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    key_scan sc = {0};
    bool ok = ykv_scan_prefix(kv, prefix, sizeof prefix, collect_key41, &sc) && !sc.nomem;
    for (size_t i = 0; ok && i < sc.n; i++) ok = ykv_del(kv, sc.keys[i], 41);
    free(sc.keys);
    return ok;
}

/* The emergency escrows p names: told p's outcome (a failed proposal
 * lets them be paid back; an enacted one ratified them in gov_enact). */
static yuma_call_status escrows_failed(call_ctx *cx, const gov_proposal *p)
{
    for (uint32_t i = 0; i < p->action_count; i++)
        if (p->actions[i].kind == EAA_RATIFY_ESCROW &&
            gov_emergency_ratify(cx->kv, cx->block, p->actions[i].value, p->id, false) == GOV_RATIFY_ERR_NOMEM)
            return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

/* Closes p in a final state; a failure of a targeted proposal starts the
 * subnet's cooldown. */
static yuma_call_status close_proposal(call_ctx *cx, gov_proposal *p, gov_state final, bool cooldown)
{
    if (final != GOV_ENACTED && escrows_failed(cx, p) != YUMA_CALL_OK) return YUMA_CALL_ERR_NOMEM;
    p->state = (uint8_t)final;
    p->closed_at = cx->block;
    p->escrow_total = 0;
    if (!open_remove(cx->kv, p->id) || !drop_escrow(cx->kv, p->id)) return YUMA_CALL_ERR_NOMEM;
    if (p->netuid != GOV_NETUID_GLOBAL) {
        gov_subnet_rec g = gov_subnet_get(cx->kv, p->netuid);
        if (g.open_id == p->id) g.open_id = 0;
        if (cooldown) g.cooldown_until = cx->block + cx->params->gov.cooldown_blocks;
        if (!gov_subnet_put(cx->kv, p->netuid, &g)) return YUMA_CALL_ERR_NOMEM;
    }
    return gov_proposal_put(cx->kv, p) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* Deposit complete: notice is given and the hearing opens. */
static bool give_notice(call_ctx *cx, gov_proposal *p)
{
    p->state = GOV_NOTICE;
    p->voting_start = cx->block + cx->params->gov.notice_blocks;
    return audit(cx, p, audit_class(p), GOV_AUDIT_ID_NOTICE);
}

/* ---- calls ---- */

static size_t open_globals(const ykv *kv)
{
    uint64_t ids[GOV_MAX_OPEN];
    size_t n = gov_open_get(kv, ids), globals = 0;
    for (size_t i = 0; i < n; i++) {
        gov_proposal p;
        if (gov_proposal_get(kv, ids[i], &p) && p.netuid == GOV_NETUID_GLOBAL) globals++;
    }
    return globals;
}

yuma_call_status gov_call_propose(call_ctx *cx, const yuma_call *call)
{
    const yuma_gov_params *g = &cx->params->gov;
    uint16_t netuid = call->netuid;
    bool targeted = netuid != GOV_NETUID_GLOBAL;
    subnet_rec s;
    uint64_t ids[GOV_MAX_OPEN];
    if (call->action_count == 0 || call->action_count > YUMA_TX_MAX_GOV_ACTIONS) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    if (targeted) {
        if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
        if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
        gov_subnet_rec gs = gov_subnet_get(cx->kv, netuid);
        if (gs.open_id) return YUMA_CALL_ERR_GOV_OPEN_PROPOSAL;
        if (cx->block < gs.cooldown_until) return YUMA_CALL_ERR_GOV_COOLDOWN;
    } else if (open_globals(cx->kv) >= GOV_MAX_GLOBAL_OPEN) {
        return YUMA_CALL_ERR_GOV_OPEN_PROPOSAL;
    }
    if (gov_open_get(cx->kv, ids) >= GOV_MAX_OPEN) return YUMA_CALL_ERR_GOV_OPEN_PROPOSAL;
    for (uint32_t i = 0; i < call->action_count; i++) {
        yuma_call_status st = eaa_check(cx, netuid, &call->actions[i]);
        if (st != YUMA_CALL_OK) return st;
    }
    uint64_t required = gov_required_deposit(cx->kv, cx->params, netuid);
    uint64_t min_initial = (uint64_t)((unsigned __int128)required * g->min_initial_deposit_ppm / 1000000u);
    if (call->amount == 0 || call->amount < min_initial) return YUMA_CALL_ERR_GOV_DEPOSIT_TOO_LOW;
    uint64_t pay = call->amount < required ? call->amount : required;
    if (account_get(cx->kv, cx->signer).balance < pay) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;

    gov_global_rec gr = gov_global_get(cx->kv, g);
    gov_proposal p;
    memset(&p, 0, sizeof p);
    p.id = gr.next_id++;
    p.state = GOV_PENDING_DEPOSIT;
    p.netuid = netuid;
    p.proposer = *cx->signer;
    memcpy(p.rationale_hash, call->doc_hash, 32);
    p.deposit_required = required;
    p.submitted_at = cx->block;
    p.deposit_deadline = cx->block + g->topup_window_blocks;
    if (targeted) {
        p.target_registered_at = s.registered_at;
        /* The exit price of §5.5: the subnet's 7-day EMA price, or the
         * spot price now if higher, so a dump just before a proposal
         * cannot cheapen the escrowed stakers' exit. */
        yu128 spot = yuma_pool_price(&s.pool) >> 32, ema;
        p.pre_price = gov_price_ema(cx->kv, call->netuid, &ema) && ema > spot ? ema : spot;
    }
    p.action_count = call->action_count;
    memcpy(p.actions, call->actions, sizeof p.actions[0] * call->action_count);
    yuma_call_status st = take_deposit(cx, &p, pay);
    if (st != YUMA_CALL_OK) return st;
    /* An emergency escrow this proposal would ratify waits for it. */
    for (uint32_t i = 0; i < p.action_count; i++) {
        if (p.actions[i].kind != EAA_RATIFY_ESCROW) continue;
        gov_ratify_status rs = gov_emergency_ratify_opened(cx->kv, cx->block, p.actions[i].value, p.id);
        if (rs == GOV_RATIFY_ERR_NOMEM) return YUMA_CALL_ERR_NOMEM;
        if (rs != GOV_RATIFY_OK) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    }
    if (p.deposit_total >= required && !give_notice(cx, &p)) return YUMA_CALL_ERR_NOMEM;
    if (targeted) {
        gov_subnet_rec gs = gov_subnet_get(cx->kv, netuid);
        gs.open_id = p.id;
        if (!gov_subnet_put(cx->kv, netuid, &gs)) return YUMA_CALL_ERR_NOMEM;
    }
    if (!open_add(cx->kv, p.id) || !gov_global_put(cx->kv, &gr) || !gov_proposal_put(cx->kv, &p))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

yuma_call_status gov_call_topup(call_ctx *cx, const yuma_call *call)
{
    gov_proposal p;
    if (!gov_proposal_get(cx->kv, call->proposal_id, &p)) return YUMA_CALL_ERR_GOV_NO_PROPOSAL;
    if (p.state != GOV_PENDING_DEPOSIT || cx->block >= p.deposit_deadline) return YUMA_CALL_ERR_GOV_WRONG_STATE;
    if (call->amount == 0) return YUMA_CALL_ERR_ZERO_AMOUNT;
    uint64_t missing = p.deposit_required - p.deposit_total;
    uint64_t pay = call->amount < missing ? call->amount : missing;
    yuma_call_status st = take_deposit(cx, &p, pay);
    if (st != YUMA_CALL_OK) return st;
    if (p.deposit_total >= p.deposit_required && !give_notice(cx, &p)) return YUMA_CALL_ERR_NOMEM;
    return gov_proposal_put(cx->kv, &p) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* The target subnet's owner coldkey now (false for a global proposal or a
 * subnet that is gone). */
static bool target_owner(const ykv *kv, const gov_proposal *p, yuma_account *owner)
{
    subnet_rec s;
    if (p->netuid == GOV_NETUID_GLOBAL || !subnet_get(kv, p->netuid, &s)) return false;
    *owner = s.owner_coldkey;
    return true;
}

/* ---- the target's top validators (§5.2: they may respond as the owner may) ---- */

static size_t vresp_key(uint8_t k[41], uint64_t id, const yuma_account *hotkey)
{
    k[0] = REC_GOV_VALIDATOR_RESPONSE;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    memcpy(k + 9, hotkey->bytes, 32);
    return 41;
}

static bool vresp_decode(const uint8_t *key, const uint8_t *v, size_t vlen, gov_validator_response *out)
{
    if (vlen != 41) return false;
    memcpy(out->hotkey.bytes, key + 9, 32);
    memcpy(out->hash, v, 32);
    out->count = v[32];
    out->block = get_u64(v + 33);
    return true;
}

static bool vresp_get(const ykv *kv, uint64_t id, const yuma_account *hotkey, gov_validator_response *out)
{
    uint8_t key[41];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, vresp_key(key, id, hotkey), &vlen);
    return v && vresp_decode(key, v, vlen, out);
}

static bool vresp_put(ykv *kv, uint64_t id, const gov_validator_response *r)
{
    uint8_t key[41], v[41];
    memcpy(v, r->hash, 32);
    v[32] = r->count;
    put_u64(v + 33, r->block);
    return ykv_put(kv, key, vresp_key(key, id, &r->hotkey), v, sizeof v);
}

typedef struct {
    gov_validator_response *out;
    size_t n, cap;
} vresp_scan;

static bool collect_vresp(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    vresp_scan *sc = ctx;
    gov_validator_response r;
    if (klen == 41 && vresp_decode(key, val, vlen, &r)) {
        if (sc->n < sc->cap) sc->out[sc->n] = r;
        sc->n++;
    }
    return true;
}

size_t gov_validator_responses(const ykv *kv, uint64_t id, gov_validator_response *out, size_t cap)
{
    uint8_t prefix[9];
    prefix[0] = REC_GOV_VALIDATOR_RESPONSE;
    for (int i = 0; i < 8; i++) prefix[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    vresp_scan sc = {out, 0, cap};
    ykv_scan_prefix(kv, prefix, sizeof prefix, collect_vresp, &sc);
    return sc.n;
}

/* Whether a ranks before b: more alpha stake, then the lower hotkey (a
 * total order, so every node picks the same three). */
static bool ranks_before(uint64_t sa, const yuma_account *a, uint64_t sb, const yuma_account *b)
{
    return sa != sb ? sa > sb : memcmp(a->bytes, b->bytes, 32) < 0;
}

size_t gov_top_validators(const ykv *kv, uint16_t netuid, yuma_account out[GOV_RESPONDING_VALIDATORS])
{
    subnet_rec s;
    uint64_t stake[GOV_RESPONDING_VALIDATORS];
    size_t n = 0;
    if (netuid == GOV_NETUID_GLOBAL || !subnet_get(kv, netuid, &s)) return 0;
    for (uint16_t uid = 0; uid < s.n; uid++) {
        neuron_rec nr;
        if (!neuron_get(kv, netuid, uid, &nr) || !nr.validator_permit) continue;
        uint64_t st = stake_total(kv, &nr.hotkey, netuid);
        if (st == 0) continue;
        /* Insertion into the sorted top list. */
        size_t at = n;
        while (at > 0 && ranks_before(st, &nr.hotkey, stake[at - 1], &out[at - 1])) at--;
        if (at >= GOV_RESPONDING_VALIDATORS) continue;
        size_t last = n < GOV_RESPONDING_VALIDATORS ? n : GOV_RESPONDING_VALIDATORS - 1;
        for (size_t j = last; j > at; j--) {
            out[j] = out[j - 1];
            stake[j] = stake[j - 1];
        }
        out[at] = nr.hotkey;
        stake[at] = st;
        if (n < GOV_RESPONDING_VALIDATORS) n++;
    }
    return n;
}

static bool top_validator(const ykv *kv, uint16_t netuid, const yuma_account *hotkey)
{
    yuma_account top[GOV_RESPONDING_VALIDATORS];
    size_t n = gov_top_validators(kv, netuid, top);
    for (size_t i = 0; i < n; i++)
        if (same(&top[i], hotkey)) return true;
    return false;
}

/* A top validator's response: signed by its hotkey (the key that names
 * the validator on chain), once with one amendment, in the same window as
 * the owner's. Who ranks is read when it files: a validator that ranked
 * when it filed keeps its response. */
static yuma_call_status validator_respond(call_ctx *cx, gov_proposal *p, const yuma_call *call)
{
    if (!top_validator(cx->kv, p->netuid, cx->signer)) return YUMA_CALL_ERR_GOV_NOT_RESPONDER;
    if (p->state != GOV_PENDING_DEPOSIT && p->state != GOV_NOTICE && p->state != GOV_VOTING)
        return YUMA_CALL_ERR_GOV_WRONG_STATE;
    gov_validator_response r;
    if (!vresp_get(cx->kv, p->id, cx->signer, &r)) r = (gov_validator_response){.hotkey = *cx->signer};
    if (r.count >= 2) return YUMA_CALL_ERR_GOV_RESPONSE_LIMIT;
    memcpy(r.hash, call->doc_hash, 32);
    r.count++;
    r.block = cx->block;
    if (!vresp_put(cx->kv, p->id, &r)) return YUMA_CALL_ERR_NOMEM;
    /* The entry names the validator (before: its hotkey) and its text's
     * hash (after); the owner's response stays in response_hash. */
    return gov_audit_proposal(cx, p, audit_class(p), GOV_AUDIT_ID_VALIDATOR_RESPONSE, cx->signer->bytes, r.hash)
               ? YUMA_CALL_OK
               : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status gov_call_respond(call_ctx *cx, const yuma_call *call)
{
    gov_proposal p;
    yuma_account owner;
    if (!gov_proposal_get(cx->kv, call->proposal_id, &p)) return YUMA_CALL_ERR_GOV_NO_PROPOSAL;
    if (p.netuid == GOV_NETUID_GLOBAL) return YUMA_CALL_ERR_GOV_NOT_TARGETED;
    if (!target_owner(cx->kv, &p, &owner)) return YUMA_CALL_ERR_GOV_NOT_RESPONDER;
    if (!same(&owner, cx->signer)) return validator_respond(cx, &p, call);
    /* The hearing opens at submission and closes with the vote. */
    if (p.state != GOV_PENDING_DEPOSIT && p.state != GOV_NOTICE && p.state != GOV_VOTING)
        return YUMA_CALL_ERR_GOV_WRONG_STATE;
    if (p.responses >= 2) return YUMA_CALL_ERR_GOV_RESPONSE_LIMIT;
    memcpy(p.response_hash, call->doc_hash, 32);
    p.responses++;
    if (!gov_proposal_put(cx->kv, &p)) return YUMA_CALL_ERR_NOMEM;
    return audit(cx, &p, audit_class(&p), GOV_AUDIT_ID_RESPONSE) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* The part of the snapshot the voter still holds: stake acquired after the
 * snapshot adds nothing, stake sold since counts no more. Conviction locks
 * hold exactly that part. */
static yuma_call_status held_weight(call_ctx *cx, const gov_proposal *p, const yuma_account *coldkey,
                                    const gov_snapshot_rec *snap, uint8_t conviction, uint64_t *weight)
{
    unsigned __int128 w = 0;
    uint64_t until = p->round_end + (uint64_t)gov_conviction_periods(conviction) * cx->params->gov.lock_period_blocks;
    for (uint32_t i = 0; i < snap->count; i++) {
        const gov_position *pos = &snap->pos[i];
        uint64_t now = stake_of(cx->kv, &pos->hotkey, coldkey, pos->netuid);
        uint64_t held = now < pos->alpha ? now : pos->alpha;
        if (held == 0) continue;
        w += (unsigned __int128)pos->weight * held / pos->alpha;
        if (conviction > 0 && !gov_lock_add(cx->kv, coldkey, &pos->hotkey, pos->netuid, held, until))
            return YUMA_CALL_ERR_NOMEM;
    }
    *weight = w > UINT64_MAX ? UINT64_MAX : (uint64_t)w;
    return YUMA_CALL_OK;
}

yuma_call_status gov_call_vote(call_ctx *cx, const yuma_call *call)
{
    gov_proposal p;
    yuma_account owner;
    gov_vote_rec v;
    if (!gov_proposal_get(cx->kv, call->proposal_id, &p)) return YUMA_CALL_ERR_GOV_NO_PROPOSAL;
    if (call->choice < GOV_AYE || call->choice > GOV_VETO) return YUMA_CALL_ERR_GOV_BAD_CHOICE;
    if (call->conviction > GOV_CONVICTION_MAX) return YUMA_CALL_ERR_GOV_BAD_CONVICTION;
    if (!gov_voting_open(&p, cx->block)) return YUMA_CALL_ERR_GOV_WRONG_STATE;
    if (same(cx->signer, &p.proposer) || (target_owner(cx->kv, &p, &owner) && same(cx->signer, &owner)))
        return YUMA_CALL_ERR_GOV_RECUSED;
    if (gov_vote_get(cx->kv, p.id, p.round, cx->signer, &v)) return YUMA_CALL_ERR_GOV_ALREADY_VOTED;
    gov_snapshot_rec snap;
    gov_snapshot_get(cx->kv, p.id, p.round, cx->signer, &snap);
    v = (gov_vote_rec){.choice = call->choice, .conviction = call->conviction, .weight = 0,
                       .seats = gov_seats_get(cx->kv, p.id, p.round, cx->signer)};
    yuma_call_status st = held_weight(cx, &p, cx->signer, &snap, call->conviction, &v.weight);
    if (st != YUMA_CALL_OK) return st;
    if (v.weight == 0 && v.seats == 0) return YUMA_CALL_ERR_GOV_NO_VOTING_POWER;
    return gov_vote_put(cx->kv, p.id, p.round, cx->signer, &v) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* ---- per-track delegation (§5.3 "directly or through per-track delegation") ---- */

static size_t delegation_key(uint8_t k[34], uint8_t track, const yuma_account *delegator)
{
    k[0] = REC_GOV_DELEGATION;
    k[1] = track;
    memcpy(k + 2, delegator->bytes, 32);
    return 34;
}

#define DELEGATION_SIZE (32 + 1 + 8)

static void delegation_decode(const uint8_t *v, gov_delegation_rec *out)
{
    memcpy(out->delegate.bytes, v, 32);
    out->conviction = v[32];
    out->since = get_u64(v + 33);
}

bool gov_delegation_get(const ykv *kv, uint8_t track, const yuma_account *delegator, gov_delegation_rec *out)
{
    uint8_t key[34];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, delegation_key(key, track, delegator), &vlen);
    if (!v || vlen != DELEGATION_SIZE) return false;
    delegation_decode(v, out);
    return true;
}

static const yuma_account NOBODY;

/* A staker hands its House S vote on one track to another account (or,
 * dest all zero, takes it back). Setting or changing it restarts `since`,
 * so a delegation made after a round's snapshot carries nothing in that
 * round (no flash delegation). */
yuma_call_status gov_call_delegate(call_ctx *cx, const yuma_call *call)
{
    if (call->choice != GOV_TRACK_TARGETED && call->choice != GOV_TRACK_GLOBAL) return YUMA_CALL_ERR_GOV_BAD_TRACK;
    if (call->conviction > GOV_CONVICTION_MAX) return YUMA_CALL_ERR_GOV_BAD_CONVICTION;
    uint8_t key[34], v[DELEGATION_SIZE];
    size_t klen = delegation_key(key, call->choice, cx->signer);
    if (same(&call->dest, &NOBODY)) {
        gov_delegation_rec d;
        if (!gov_delegation_get(cx->kv, call->choice, cx->signer, &d)) return YUMA_CALL_ERR_GOV_NOT_DELEGATED;
        return ykv_del(cx->kv, key, klen) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
    }
    if (same(&call->dest, cx->signer)) return YUMA_CALL_ERR_GOV_SELF_DELEGATION;
    memcpy(v, call->dest.bytes, 32);
    v[32] = call->conviction;
    put_u64(v + 33, cx->block);
    return ykv_put(cx->kv, key, klen, v, sizeof v) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

typedef struct {
    yuma_account delegator;
    gov_delegation_rec d;
} delegation_entry;

typedef struct {
    delegation_entry *v;
    size_t n, cap;
    bool nomem;
} delegation_scan;

static bool collect_delegation(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    delegation_scan *sc = ctx;
    if (klen != 34 || vlen != DELEGATION_SIZE) return true;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 64;
        delegation_entry *nv = realloc(sc->v, ncap * sizeof *nv);
        if (!nv) return !(sc->nomem = true);
        sc->v = nv;
        sc->cap = ncap;
    }
    memcpy(sc->v[sc->n].delegator.bytes, key + 2, 32);
    delegation_decode(val, &sc->v[sc->n].d);
    sc->n++;
    return true;
}

yuma_call_status gov_apply_delegations(call_ctx *cx, gov_proposal *p)
{
    uint8_t prefix[2] = {REC_GOV_DELEGATION, p->netuid == GOV_NETUID_GLOBAL ? GOV_TRACK_GLOBAL : GOV_TRACK_TARGETED};
    delegation_scan sc = {0};
    if (!ykv_scan_prefix(cx->kv, prefix, sizeof prefix, collect_delegation, &sc) || sc.nomem) {
        free(sc.v);
        return YUMA_CALL_ERR_NOMEM;
    }
    gov_snapshot_rec *snap = sc.n ? malloc(sizeof *snap) : NULL; /* large for the stack */
    yuma_call_status st = sc.n && !snap ? YUMA_CALL_ERR_NOMEM : YUMA_CALL_OK;
    for (size_t i = 0; i < sc.n && st == YUMA_CALL_OK; i++) {
        const delegation_entry *e = &sc.v[i];
        gov_vote_rec own, theirs;
        /* Set after the snapshot: nothing this round. Voted itself: its
         * own vote stands. The delegate must have voted itself (a vote it
         * only carries for others is not passed on: no chains). */
        if (e->d.since >= p->round_start || gov_vote_get(cx->kv, p->id, p->round, &e->delegator, &own) ||
            !gov_vote_get(cx->kv, p->id, p->round, &e->d.delegate, &theirs) || theirs.delegated)
            continue;
        if (!gov_snapshot_get(cx->kv, p->id, p->round, &e->delegator, snap)) continue; /* recused or no stake */
        gov_vote_rec v = {.choice = theirs.choice, .conviction = e->d.conviction, .delegated = true};
        st = held_weight(cx, p, &e->delegator, snap, e->d.conviction, &v.weight);
        if (st == YUMA_CALL_OK && v.weight > 0 && !gov_vote_put(cx->kv, p->id, p->round, &e->delegator, &v))
            st = YUMA_CALL_ERR_NOMEM;
    }
    free(snap);
    free(sc.v);
    return st;
}

yuma_call_status gov_call_appeal(call_ctx *cx, const yuma_call *call)
{
    const yuma_gov_params *g = &cx->params->gov;
    gov_proposal p;
    yuma_account owner;
    if (!gov_proposal_get(cx->kv, call->proposal_id, &p)) return YUMA_CALL_ERR_GOV_NO_PROPOSAL;
    if (p.netuid == GOV_NETUID_GLOBAL) return YUMA_CALL_ERR_GOV_NOT_TARGETED;
    if (!target_owner(cx->kv, &p, &owner) || !same(&owner, cx->signer)) return YUMA_CALL_ERR_NOT_OWNER;
    /* Once, within the window at the start of the timelock. */
    if (p.state != GOV_TIMELOCK || p.round != 0 || cx->block >= p.timelock_start + g->appeal_window_blocks)
        return YUMA_CALL_ERR_GOV_WRONG_STATE;
    uint64_t bond = (uint64_t)((unsigned __int128)p.deposit_total * g->appeal_bond_ppm / 1000000u);
    yuma_call_status st = gov_pay_in(cx, cx->signer, bond);
    if (st != YUMA_CALL_OK) return st;
    p.appeal_bond = bond;
    p.appellant = *cx->signer;
    p.state = GOV_APPEAL;
    p.round = 1;
    /* The fresh snapshot is taken by the next block step. */
    p.round_start = cx->block + 1;
    p.round_end = 0;
    p.snapshot_taken = false;
    if (!gov_proposal_put(cx->kv, &p)) return YUMA_CALL_ERR_NOMEM;
    return audit(cx, &p, GOV_AUDIT_APPEAL, GOV_AUDIT_ID_APPEAL_FILED) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status gov_call_withdraw(call_ctx *cx, const yuma_call *call)
{
    gov_proposal p;
    if (!gov_proposal_get(cx->kv, call->proposal_id, &p)) return YUMA_CALL_ERR_GOV_NO_PROPOSAL;
    if (!same(cx->signer, &p.proposer)) return YUMA_CALL_ERR_GOV_NOT_PROPOSER;
    if (!gov_state_open(p.state)) return YUMA_CALL_ERR_GOV_WRONG_STATE;
    /* Once voting has opened, a withdrawal counts as a failure for the
     * subnet's cooldown (no harassment by propose-and-withdraw). */
    bool voted = p.state >= GOV_VOTING;
    yuma_call_status st = settle_deposit(cx, &p, 0);
    if (st == YUMA_CALL_OK) st = settle_bond(cx, &p, false);
    if (st == YUMA_CALL_OK) st = close_proposal(cx, &p, GOV_WITHDRAWN, voted && p.netuid != GOV_NETUID_GLOBAL);
    if (st != YUMA_CALL_OK) return st;
    return audit(cx, &p, audit_class(&p), GOV_AUDIT_ID_WITHDRAWN) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* ---- enactment ---- */

/* The only caller of eaa_apply: applies the passed proposal's actions, in
 * order, each logged with the hashes of what it changed. An action that
 * no longer fits the chain is logged as failed and the others go on. */
static yuma_call_status gov_enact(call_ctx *cx, gov_proposal *p)
{
    yuma_call_status st = YUMA_CALL_OK;
    if (gov_proposal_disabling(p)) st = gov_exit_rights(cx, p);
    eaa_enact_begin();
    for (uint32_t i = 0; i < p->action_count && st == YUMA_CALL_OK; i++) {
        uint8_t before[32], after[32];
        size_t mark = ykv_savepoint(cx->kv);
        yuma_call_status a = eaa_apply(cx, p->id, p->netuid, &p->actions[i], before, after);
        if (a == YUMA_CALL_ERR_NOMEM) st = a;
        if (a != YUMA_CALL_OK) ykv_rollback(cx->kv, mark);
        else ykv_release(cx->kv, mark);
        uint16_t id = (uint16_t)(a == YUMA_CALL_OK ? p->actions[i].kind : GOV_AUDIT_ID_ACTION_FAILED | p->actions[i].kind);
        if (st == YUMA_CALL_OK && !gov_audit_proposal(cx, p, audit_class(p), id, before, after))
            st = YUMA_CALL_ERR_NOMEM;
    }
    eaa_enact_end();
    return st;
}

/* ---- the block step ---- */

static void update_quorum(call_ctx *cx, const gov_tally *t)
{
    const yuma_gov_params *g = &cx->params->gov;
    gov_global_rec gr = gov_global_get(cx->kv, g);
    uint64_t turnout = t->s_eligible ? (uint64_t)((unsigned __int128)t->s_turnout * 1000000u / t->s_eligible) : 0;
    if (turnout > 1000000u) turnout = 1000000u;
    int64_t q = gr.quorum_ppm;
    q += ((int64_t)turnout - q) * (int64_t)g->quorum_ema_ppm / 1000000;
    if (q < (int64_t)g->quorum_min_ppm) q = g->quorum_min_ppm;
    if (q > (int64_t)g->quorum_max_ppm) q = g->quorum_max_ppm;
    gr.quorum_ppm = (uint32_t)q;
    gov_global_put(cx->kv, &gr);
}

static yuma_call_status end_vote(call_ctx *cx, gov_proposal *p)
{
    const yuma_gov_params *g = &cx->params->gov;
    uint32_t quorum = gov_global_get(cx->kv, g).quorum_ppm;
    if (gov_apply_delegations(cx, p) != YUMA_CALL_OK || !gov_tally_round(cx->kv, g, p, quorum))
        return YUMA_CALL_ERR_NOMEM;
    gov_tally *t = &p->tally[0];
    update_quorum(cx, t);
    bool targeted = p->netuid != GOV_NETUID_GLOBAL;
    yuma_call_status st;
    if (t->veto) {
        st = settle_deposit(cx, p, 1000000u);
        if (st == YUMA_CALL_OK) st = close_proposal(cx, p, GOV_VETOED, targeted);
        return st == YUMA_CALL_OK && !audit(cx, p, audit_class(p), GOV_AUDIT_ID_VETOED) ? YUMA_CALL_ERR_NOMEM : st;
    }
    /* §5.7: the guardian's members are elected by House C; House S's
     * tally stands on record (and its veto still burns). */
    bool passed = eaa_guardian_election(p->actions, p->action_count) ? t->c_pass : t->s_pass && t->c_pass;
    if (!passed) {
        st = settle_deposit(cx, p, 0);
        if (st == YUMA_CALL_OK) st = close_proposal(cx, p, GOV_REJECTED, targeted);
        return st == YUMA_CALL_OK && !audit(cx, p, audit_class(p), GOV_AUDIT_ID_REJECTED) ? YUMA_CALL_ERR_NOMEM : st;
    }
    p->state = GOV_TIMELOCK;
    p->timelock_start = cx->block;
    p->timelock_base = changes_governance(p) ? g->param_timelock_blocks : g->timelock_blocks;
    if (!gov_proposal_put(cx->kv, p)) return YUMA_CALL_ERR_NOMEM;
    return audit(cx, p, audit_class(p), GOV_AUDIT_ID_PASSED) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status end_appeal(call_ctx *cx, gov_proposal *p)
{
    const yuma_gov_params *g = &cx->params->gov;
    if (gov_apply_delegations(cx, p) != YUMA_CALL_OK ||
        !gov_tally_round(cx->kv, g, p, gov_global_get(cx->kv, g).quorum_ppm))
        return YUMA_CALL_ERR_NOMEM;
    gov_tally *t = &p->tally[1];
    yuma_call_status st;
    if (t->s_pass && t->c_pass) {
        /* The EAA is confirmed: the timelock resumes where it paused; the
         * bond comes back unless the appeal was vetoed as frivolous. */
        p->paused += cx->block - (p->round_start - 1);
        p->state = GOV_TIMELOCK;
        st = settle_bond(cx, p, t->veto);
        if (st == YUMA_CALL_OK && !gov_proposal_put(cx->kv, p)) st = YUMA_CALL_ERR_NOMEM;
        return st == YUMA_CALL_OK && !audit(cx, p, GOV_AUDIT_APPEAL, GOV_AUDIT_ID_APPEAL_LOST) ? YUMA_CALL_ERR_NOMEM : st;
    }
    /* The appeal wins: the EAA is reversed and half the deposit burned. */
    st = settle_bond(cx, p, false);
    if (st == YUMA_CALL_OK) st = settle_deposit(cx, p, 500000u);
    if (st == YUMA_CALL_OK) st = close_proposal(cx, p, GOV_REVERSED, true);
    return st == YUMA_CALL_OK && !audit(cx, p, GOV_AUDIT_APPEAL, GOV_AUDIT_ID_APPEAL_WON) ? YUMA_CALL_ERR_NOMEM : st;
}

static yuma_call_status end_timelock(call_ctx *cx, gov_proposal *p)
{
    const yuma_gov_params *g = &cx->params->gov;
    yuma_call_status st = YUMA_CALL_OK;
    /* §5.5: at the stretched timelock's end, R at or above the second seal
     * lets the escrowed stakers out first, at the pre-proposal price. */
    if (p->netuid != GOV_NETUID_GLOBAL && p->escrow_peak_ppm >= g->escrow_rage_ppm &&
        gov_escrow_ratio_ppm(cx->kv, p) >= g->escrow_rage_ppm)
        st = gov_rage_exit(cx, p);
    if (st == YUMA_CALL_OK) st = gov_enact(cx, p);
    if (st == YUMA_CALL_OK) st = settle_deposit(cx, p, 0);
    if (st == YUMA_CALL_OK) st = close_proposal(cx, p, GOV_ENACTED, false);
    if (st != YUMA_CALL_OK) return st;
    gov_global_rec gr = gov_global_get(cx->kv, g);
    gr.enactments++;
    return gov_global_put(cx->kv, &gr) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status expire(call_ctx *cx, gov_proposal *p)
{
    yuma_call_status st = settle_deposit(cx, p, 0);
    if (st == YUMA_CALL_OK) st = settle_bond(cx, p, false);
    if (st == YUMA_CALL_OK) st = close_proposal(cx, p, GOV_EXPIRED, false);
    return st == YUMA_CALL_OK && !audit(cx, p, audit_class(p), GOV_AUDIT_ID_EXPIRED) ? YUMA_CALL_ERR_NOMEM : st;
}

static yuma_call_status step_proposal(call_ctx *cx, gov_proposal *p)
{
    const yuma_gov_params *g = &cx->params->gov;
    uint64_t now = cx->block;
    if (p->netuid != GOV_NETUID_GLOBAL) {
        subnet_rec s;
        if (!subnet_get(cx->kv, p->netuid, &s) || s.registered_at != p->target_registered_at) return expire(cx, p);
    }
    switch ((gov_state)p->state) {
    case GOV_PENDING_DEPOSIT:
        return now >= p->deposit_deadline ? expire(cx, p) : YUMA_CALL_OK;
    case GOV_NOTICE:
        if (now < p->voting_start) return YUMA_CALL_OK;
        p->state = GOV_VOTING;
        p->round_start = now;
        p->round_end = now + g->voting_blocks;
        if (!gov_take_snapshot(cx, p)) return YUMA_CALL_ERR_NOMEM;
        return gov_proposal_put(cx->kv, p) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
    case GOV_VOTING:
        return now >= p->round_end ? end_vote(cx, p) : YUMA_CALL_OK;
    case GOV_APPEAL:
        if (!p->snapshot_taken) {
            if (now < p->round_start) return YUMA_CALL_OK;
            p->round_end = now + g->appeal_voting_blocks;
            if (!gov_take_snapshot(cx, p)) return YUMA_CALL_ERR_NOMEM;
            return gov_proposal_put(cx->kv, p) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
        }
        return now >= p->round_end ? end_appeal(cx, p) : YUMA_CALL_OK;
    case GOV_TIMELOCK:
        return now >= gov_timelock_end(p, g) ? end_timelock(cx, p) : YUMA_CALL_OK;
    default:
        return YUMA_CALL_OK;
    }
}

yuma_chain_status gov_block_step(call_ctx *cx)
{
    const yuma_gov_params *g = &cx->params->gov;
    if (g->seat_sample_blocks && cx->block % g->seat_sample_blocks == 0 &&
        (!gov_sample_seats(cx) || !gov_sample_prices(cx)))
        return YUMA_CHAIN_ERR_NOMEM;
    uint64_t ids[GOV_MAX_OPEN];
    size_t n = gov_open_get(cx->kv, ids);
    for (size_t i = 0; i < n; i++) {
        gov_proposal p;
        if (!gov_proposal_get(cx->kv, ids[i], &p)) continue;
        /* Anything but running out of memory is a transition that could
         * not happen this block (it is retried next block). */
        size_t mark = ykv_savepoint(cx->kv);
        yuma_call_status st = step_proposal(cx, &p);
        if (st == YUMA_CALL_ERR_NOMEM) {
            ykv_rollback(cx->kv, mark);
            return YUMA_CHAIN_ERR_NOMEM;
        }
        if (st != YUMA_CALL_OK) ykv_rollback(cx->kv, mark);
        else ykv_release(cx->kv, mark);
    }
    return YUMA_CHAIN_OK;
}
