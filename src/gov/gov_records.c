/*
 * gov_records.c - the due process's records in chain state (layout in
 * gov.h) and their canonical little-endian encodings, the deposit account
 * and its money movements, the read-only hooks the coinbase, registration
 * and stake calls consult, and the audit entries about proposals.
 */
#include <sodium.h>
#include <string.h>

#include "chain/records.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/eaa.h"
#include "gov/gov.h"

/* ---- a bounds-checked cursor ---- */

typedef struct {
    uint8_t *w;           /* writing, or NULL */
    const uint8_t *r;     /* reading */
    size_t pos, len;
    bool bad;
} cur;

static void c_bytes(cur *c, void *p, size_t n)
{
    if (c->w) {
        memcpy(c->w + c->pos, p, n);
    } else if (c->pos + n > c->len) {
        c->bad = true;
        memset(p, 0, n);
        return;
    } else {
        memcpy(p, c->r + c->pos, n);
    }
    c->pos += n;
}

static void c_uint(cur *c, void *v, size_t width)
{
    uint8_t b[16];
    if (c->w) {
        uint64_t x = 0;
        if (width == 1) x = *(uint8_t *)v;
        else if (width == 2) x = *(uint16_t *)v;
        else if (width == 4) x = *(uint32_t *)v;
        else x = *(uint64_t *)v;
        for (size_t i = 0; i < width; i++) b[i] = (uint8_t)(x >> (8 * i));
        c_bytes(c, b, width);
        return;
    }
    c_bytes(c, b, width);
    uint64_t x = 0;
    for (size_t i = 0; i < width; i++) x |= (uint64_t)b[i] << (8 * i);
    if (width == 1) *(uint8_t *)v = (uint8_t)x;
    else if (width == 2) *(uint16_t *)v = (uint16_t)x;
    else if (width == 4) *(uint32_t *)v = (uint32_t)x;
    else *(uint64_t *)v = x;
}

#define U8(c, f) c_uint(c, &(f), 1)
#define U16(c, f) c_uint(c, &(f), 2)
#define U32(c, f) c_uint(c, &(f), 4)
#define U64(c, f) c_uint(c, &(f), 8)

static void c_bool(cur *c, bool *b)
{
    uint8_t x = *b;
    U8(c, x);
    if (!c->w) {
        if (x > 1) c->bad = true;
        *b = x == 1;
    }
}

static void c_u128(cur *c, yu128 *v)
{
    uint64_t lo = (uint64_t)*v, hi = (uint64_t)(*v >> 64);
    U64(c, lo);
    U64(c, hi);
    if (!c->w) *v = ((yu128)hi << 64) | lo;
}

/* ---- proposals ---- */

static void walk_tally(cur *c, gov_tally *t)
{
    U64(c, t->s_aye);
    U64(c, t->s_nay);
    U64(c, t->s_abstain);
    U64(c, t->s_veto);
    U64(c, t->s_turnout);
    U64(c, t->s_eligible);
    U32(c, t->s_quorum_ppm);
    U32(c, t->s_nakamoto);
    U32(c, t->c_aye);
    U32(c, t->c_nay);
    U32(c, t->c_abstain);
    U32(c, t->c_veto);
    U32(c, t->c_seats);
    c_bool(c, &t->s_pass);
    c_bool(c, &t->c_pass);
    c_bool(c, &t->veto);
    c_bool(c, &t->tallied);
}

static void walk_proposal(cur *c, gov_proposal *p)
{
    U64(c, p->id);
    U8(c, p->state);
    U8(c, p->round);
    U16(c, p->netuid);
    U64(c, p->target_registered_at);
    c_bytes(c, p->proposer.bytes, 32);
    c_bytes(c, p->rationale_hash, 32);
    c_bytes(c, p->response_hash, 32);
    U8(c, p->responses);
    U64(c, p->deposit_required);
    U64(c, p->deposit_total);
    U64(c, p->submitted_at);
    U64(c, p->deposit_deadline);
    U64(c, p->voting_start);
    U64(c, p->round_start);
    U64(c, p->round_end);
    c_bool(c, &p->snapshot_taken);
    U64(c, p->timelock_start);
    U64(c, p->timelock_base);
    U64(c, p->paused);
    U64(c, p->escrow_total);
    U32(c, p->escrow_peak_ppm);
    c_u128(c, &p->pre_price);
    c_bytes(c, p->appellant.bytes, 32);
    U64(c, p->appeal_bond);
    U64(c, p->closed_at);
    walk_tally(c, &p->tally[0]);
    walk_tally(c, &p->tally[1]);
    U32(c, p->action_count);
    if (p->action_count > YUMA_TX_MAX_GOV_ACTIONS) {
        c->bad = true;
        return;
    }
    for (uint32_t i = 0; i < p->action_count; i++) {
        U16(c, p->actions[i].kind);
        U16(c, p->actions[i].param);
        U64(c, p->actions[i].value);
        c_bytes(c, p->actions[i].account.bytes, 32);
    }
}

#define PROPOSAL_MAX 1024

static size_t encode_proposal(const gov_proposal *p, uint8_t out[PROPOSAL_MAX])
{
    gov_proposal copy = *p;
    cur c = {.w = out};
    walk_proposal(&c, &copy);
    return c.pos;
}

static size_t proposal_key(uint8_t k[9], uint64_t id)
{
    k[0] = REC_GOV_PROPOSAL;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    return 9;
}

bool gov_proposal_get(const ykv *kv, uint64_t id, gov_proposal *out)
{
    uint8_t key[9];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, proposal_key(key, id), &vlen);
    if (!v) return false;
    memset(out, 0, sizeof *out);
    cur c = {.r = v, .len = vlen};
    walk_proposal(&c, out);
    return !c.bad && c.pos == vlen;
}

bool gov_proposal_put(ykv *kv, const gov_proposal *p)
{
    uint8_t key[9], buf[PROPOSAL_MAX];
    size_t n = encode_proposal(p, buf);
    return ykv_put(kv, key, proposal_key(key, p->id), buf, n);
}

void gov_proposal_hash(const gov_proposal *p, uint8_t out[32])
{
    uint8_t buf[PROPOSAL_MAX];
    gov_audit_param_hash(buf, encode_proposal(p, buf), out);
}

const char *gov_state_name(uint8_t s)
{
    switch ((gov_state)s) {
    case GOV_PENDING_DEPOSIT: return "pending_deposit";
    case GOV_NOTICE: return "notice";
    case GOV_VOTING: return "voting";
    case GOV_TIMELOCK: return "timelock";
    case GOV_APPEAL: return "appeal";
    case GOV_ENACTED: return "enacted";
    case GOV_REJECTED: return "rejected";
    case GOV_VETOED: return "vetoed";
    case GOV_REVERSED: return "reversed";
    case GOV_WITHDRAWN: return "withdrawn";
    case GOV_EXPIRED: return "expired";
    }
    return "unknown";
}

const char *gov_choice_name(uint8_t ch)
{
    switch ((gov_choice)ch) {
    case GOV_AYE: return "aye";
    case GOV_NAY: return "nay";
    case GOV_ABSTAIN: return "abstain";
    case GOV_VETO: return "no_with_veto";
    }
    return "unknown";
}

/* ---- global record and open list ---- */

gov_global_rec gov_global_get(const ykv *kv, const yuma_gov_params *g)
{
    uint8_t key[1] = {REC_GOV_GLOBAL};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, 1, &vlen);
    gov_global_rec r = {.next_id = 1, .quorum_ppm = g->quorum_initial_ppm, .enactments = 0};
    if (v && vlen == 20) {
        r.next_id = get_u64(v);
        r.quorum_ppm = (uint32_t)(v[8] | v[9] << 8 | v[10] << 16 | (uint32_t)v[11] << 24);
        r.enactments = get_u64(v + 12);
    }
    return r;
}

bool gov_global_put(ykv *kv, const gov_global_rec *r)
{
    uint8_t key[1] = {REC_GOV_GLOBAL}, v[20];
    put_u64(v, r->next_id);
    for (int i = 0; i < 4; i++) v[8 + i] = (uint8_t)(r->quorum_ppm >> (8 * i));
    put_u64(v + 12, r->enactments);
    return ykv_put(kv, key, 1, v, sizeof v);
}

size_t gov_open_get(const ykv *kv, uint64_t ids[GOV_MAX_OPEN])
{
    uint8_t key[1] = {REC_GOV_OPEN};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, 1, &vlen);
    if (!v || vlen % 8 || vlen / 8 > GOV_MAX_OPEN) return 0;
    for (size_t i = 0; i < vlen / 8; i++) ids[i] = get_u64(v + 8 * i);
    return vlen / 8;
}

bool gov_open_put(ykv *kv, const uint64_t *ids, size_t n)
{
    uint8_t key[1] = {REC_GOV_OPEN}, v[8 * GOV_MAX_OPEN];
    if (n == 0) return ykv_del(kv, key, 1);
    for (size_t i = 0; i < n; i++) put_u64(v + 8 * i, ids[i]);
    return ykv_put(kv, key, 1, v, 8 * n);
}

/* ---- per-subnet switches ---- */

static size_t subnet_key(uint8_t k[3], uint16_t netuid)
{
    k[0] = REC_GOV_SUBNET;
    k[1] = (uint8_t)(netuid >> 8);
    k[2] = (uint8_t)netuid;
    return 3;
}

gov_subnet_rec gov_subnet_get(const ykv *kv, uint16_t netuid)
{
    uint8_t key[3];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, subnet_key(key, netuid), &vlen);
    gov_subnet_rec r = {0};
    if (v && vlen == 19) {
        r.flags = v[0];
        r.owner_cut = get_u16(v + 1);
        r.open_id = get_u64(v + 3);
        r.cooldown_until = get_u64(v + 11);
    }
    return r;
}

bool gov_subnet_put(ykv *kv, uint16_t netuid, const gov_subnet_rec *r)
{
    uint8_t key[3], v[19];
    size_t klen = subnet_key(key, netuid);
    if (r->flags == 0 && r->owner_cut == 0 && r->open_id == 0 && r->cooldown_until == 0) return ykv_del(kv, key, klen);
    v[0] = r->flags;
    put_u16(v + 1, r->owner_cut);
    put_u64(v + 3, r->open_id);
    put_u64(v + 11, r->cooldown_until);
    return ykv_put(kv, key, klen, v, sizeof v);
}

bool gov_subnet_emits(const ykv *kv, uint16_t netuid)
{
    return !(gov_subnet_get(kv, netuid).flags & GOV_SUBNET_EMISSION_OFF);
}

uint16_t gov_owner_cut(const ykv *kv, uint16_t netuid, uint16_t chain_cut)
{
    gov_subnet_rec r = gov_subnet_get(kv, netuid);
    return r.flags & GOV_SUBNET_OWNER_CUT ? r.owner_cut : chain_cut;
}

bool gov_registration_allowed(const ykv *kv, uint16_t netuid)
{
    return !(gov_subnet_get(kv, netuid).flags & GOV_SUBNET_REGISTRATION_OFF);
}

bool gov_subnet_dissolved(ykv *kv, uint16_t netuid)
{
    /* The switches go with the subnet; an open proposal on it notices the
     * subnet is gone at the next block and expires. */
    gov_subnet_rec r = gov_subnet_get(kv, netuid);
    r.flags = 0;
    r.owner_cut = 0;
    return gov_subnet_put(kv, netuid, &r);
}

/* ---- votes, snapshots, seats ---- */

static size_t round_key(uint8_t k[42], uint8_t rec, uint64_t id, uint8_t round, const yuma_account *a)
{
    k[0] = rec;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    k[9] = round;
    memcpy(k + 10, a->bytes, 32);
    return 42;
}

bool gov_vote_get(const ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, gov_vote_rec *out)
{
    uint8_t key[42];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, round_key(key, REC_GOV_VOTE, id, round, coldkey), &vlen);
    if (!v || (vlen != 12 && vlen != 13)) return false;
    out->choice = v[0];
    out->conviction = v[1];
    out->weight = get_u64(v + 2);
    out->seats = get_u16(v + 10);
    out->delegated = vlen == 13 && v[12] != 0;
    return true;
}

bool gov_vote_put(ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, const gov_vote_rec *r)
{
    /* A delegated vote carries a 13th byte; a direct one keeps the 12. */
    uint8_t key[42], v[13];
    v[0] = r->choice;
    v[1] = r->conviction;
    put_u64(v + 2, r->weight);
    put_u16(v + 10, r->seats);
    v[12] = 1;
    return ykv_put(kv, key, round_key(key, REC_GOV_VOTE, id, round, coldkey), v, r->delegated ? 13 : 12);
}

bool gov_snapshot_get(const ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, gov_snapshot_rec *out)
{
    uint8_t key[42];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, round_key(key, REC_GOV_SNAPSHOT, id, round, coldkey), &vlen);
    memset(out, 0, sizeof *out);
    if (!v || vlen < 10) return false;
    out->weight = get_u64(v);
    out->count = get_u16(v + 8);
    if (out->count > GOV_MAX_POSITIONS || vlen != 10 + (size_t)out->count * 50) return false;
    for (uint32_t i = 0; i < out->count; i++) {
        const uint8_t *q = v + 10 + 50 * i;
        memcpy(out->pos[i].hotkey.bytes, q, 32);
        out->pos[i].netuid = get_u16(q + 32);
        out->pos[i].alpha = get_u64(q + 34);
        out->pos[i].weight = get_u64(q + 42);
    }
    return true;
}

uint16_t gov_seats_get(const ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey)
{
    uint8_t key[42];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, round_key(key, REC_GOV_SEATS, id, round, coldkey), &vlen);
    return v && vlen == 2 ? get_u16(v) : 0;
}

/* ---- the deposit account and money ---- */

const yuma_account *gov_deposit_account(void)
{
    /* The ASCII "yuma/gov/deposits", zero padded, last byte 1: a chosen
     * point, so no one holds its secret key (finding one is as hard as
     * breaking ed25519) and no transaction can spend from it. */
    static const yuma_account acct = {{0x79, 0x75, 0x6d, 0x61, 0x2f, 0x67, 0x6f, 0x76, 0x2f, 0x64, 0x65,
                                       0x70, 0x6f, 0x73, 0x69, 0x74, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}};
    return &acct;
}

yuma_call_status gov_pay_in(call_ctx *cx, const yuma_account *from, uint64_t amount)
{
    account_rec a = account_get(cx->kv, from);
    if (a.balance < amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    a.balance -= amount;
    account_rec d = account_get(cx->kv, gov_deposit_account());
    d.balance += amount; /* bounded by the supply cap */
    return account_put(cx->kv, from, a) && account_put(cx->kv, gov_deposit_account(), d) ? YUMA_CALL_OK
                                                                                        : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status gov_pay_out(call_ctx *cx, const yuma_account *to, uint64_t amount)
{
    if (amount == 0) return YUMA_CALL_OK;
    account_rec d = account_get(cx->kv, gov_deposit_account());
    if (d.balance < amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE; /* never: deposits are tracked */
    d.balance -= amount;
    if (!account_put(cx->kv, gov_deposit_account(), d)) return YUMA_CALL_ERR_NOMEM;
    account_rec a = account_get(cx->kv, to);
    a.balance += amount;
    return account_put(cx->kv, to, a) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status gov_burn(call_ctx *cx, uint64_t amount)
{
    if (amount == 0) return YUMA_CALL_OK;
    account_rec d = account_get(cx->kv, gov_deposit_account());
    if (d.balance < amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    d.balance -= amount;
    supply_rec s = supply_get(cx->kv);
    s.total_issuance -= amount;
    s.total_recycled += amount;
    return account_put(cx->kv, gov_deposit_account(), d) && supply_put(cx->kv, s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* ---- audit ---- */

bool gov_audit_proposal(call_ctx *cx, const gov_proposal *p, uint8_t class_, uint16_t call_id,
                        const uint8_t before[32], const uint8_t after[32])
{
    gov_audit_entry e;
    memset(&e, 0, sizeof e);
    e.class_ = class_;
    e.netuid = p->netuid;
    e.call_id = call_id;
    if (before) memcpy(e.before_hash, before, 32);
    if (after) memcpy(e.after_hash, after, 32);
    e.proposal_id = p->id;
    memcpy(e.origin, p->proposer.bytes, 32);
    memcpy(e.rationale_hash, p->rationale_hash, 32);
    memcpy(e.response_hash, p->response_hash, 32);
    const gov_tally *t = &p->tally[p->round];
    e.tally_s_aye = t->s_aye;
    e.tally_s_nay = t->s_nay + t->s_veto;
    e.tally_c_aye = t->c_aye;
    e.tally_c_nay = (uint64_t)t->c_nay + t->c_veto;
    if (gov_audit_append(cx->kv, cx->block, &e) != GOV_AUDIT_OK) return false;
    uint16_t kind = 0, action = 0;
    switch (call_id) {
    case GOV_AUDIT_ID_NOTICE: kind = GOV_EVENT_NOTICE; break;
    case GOV_AUDIT_ID_REJECTED: kind = GOV_EVENT_REJECTED; break;
    case GOV_AUDIT_ID_VETOED: kind = GOV_EVENT_VETOED; break;
    case GOV_AUDIT_ID_WITHDRAWN: kind = GOV_EVENT_WITHDRAWN; break;
    case GOV_AUDIT_ID_EXPIRED: kind = GOV_EVENT_EXPIRED; break;
    case GOV_AUDIT_ID_PASSED: kind = GOV_EVENT_PASSED; break;
    case GOV_AUDIT_ID_RESPONSE: kind = GOV_EVENT_RESPONSE; break;
    case GOV_AUDIT_ID_VALIDATOR_RESPONSE: kind = GOV_EVENT_VALIDATOR_RESPONSE; break;
    case GOV_AUDIT_ID_APPEAL_FILED: kind = GOV_EVENT_APPEAL_FILED; break;
    case GOV_AUDIT_ID_APPEAL_LOST: kind = GOV_EVENT_APPEAL_LOST; break;
    case GOV_AUDIT_ID_APPEAL_WON: kind = GOV_EVENT_APPEAL_WON; break;
    case GOV_AUDIT_ID_RAGE_EXIT: kind = GOV_EVENT_RAGE_EXIT; break;
    case GOV_AUDIT_ID_LOCK_REFUND: kind = GOV_EVENT_LOCK_REFUND; break;
    case GOV_AUDIT_ID_OWNER_TRANSFER: kind = GOV_EVENT_OWNER_TRANSFER; break;
    default:
        kind = call_id & GOV_AUDIT_ID_ACTION_FAILED ? GOV_EVENT_ACTION_FAILED : GOV_EVENT_ENACTED;
        action = call_id & (uint16_t)~GOV_AUDIT_ID_ACTION_FAILED;
        break;
    }
    uint16_t netuid = p->netuid == GOV_NETUID_GLOBAL ? YUMA_EVENT_NO_NETUID : p->netuid;
    return chain_event(cx, kind, netuid, &p->proposer, NULL, action, p->id);
}

const char *gov_event_name(uint16_t kind)
{
    static const char *const names[] = {"gov_notice", "gov_rejected", "gov_vetoed", "gov_withdrawn", "gov_expired",
                                        "gov_passed", "gov_response", "gov_appeal_filed", "gov_appeal_lost",
                                        "gov_appeal_won", "gov_rage_exit", "gov_lock_refund", "gov_owner_transfer",
                                        "gov_enacted", "gov_action_failed", "gov_validator_response",
                                        "gov_guardian_term_ended"};
    if (kind < GOV_EVENT_NOTICE || kind > GOV_EVENT_LAST) return NULL;
    return names[kind - GOV_EVENT_NOTICE];
}

const char *gov_audit_id_name(uint16_t call_id)
{
    switch (call_id) {
    case GOV_AUDIT_ID_NOTICE: return "notice";
    case GOV_AUDIT_ID_REJECTED: return "rejected";
    case GOV_AUDIT_ID_VETOED: return "vetoed";
    case GOV_AUDIT_ID_WITHDRAWN: return "withdrawn";
    case GOV_AUDIT_ID_EXPIRED: return "expired";
    case GOV_AUDIT_ID_PASSED: return "passed";
    case GOV_AUDIT_ID_RESPONSE: return "response";
    case GOV_AUDIT_ID_VALIDATOR_RESPONSE: return "validator_response";
    case GOV_AUDIT_ID_APPEAL_FILED: return "appeal_filed";
    case GOV_AUDIT_ID_APPEAL_LOST: return "appeal_lost";
    case GOV_AUDIT_ID_APPEAL_WON: return "appeal_won";
    case GOV_AUDIT_ID_RAGE_EXIT: return "rage_exit";
    case GOV_AUDIT_ID_LOCK_REFUND: return "lock_refund";
    case GOV_AUDIT_ID_OWNER_TRANSFER: return "owner_transfer";
    default: break;
    }
    const char *k = eaa_kind_name(call_id & (uint16_t)~GOV_AUDIT_ID_ACTION_FAILED);
    if (strcmp(k, "unknown") == 0) return NULL;
    return call_id & GOV_AUDIT_ID_ACTION_FAILED ? "action_failed" : k;
}
