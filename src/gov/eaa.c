/*
 * eaa.c - the setters of emission-affecting state (see eaa.h): a subnet's
 * governance switches (emission, registration, owner cut), its owner, its
 * dissolution outside the pruning rule, its governance-only
 * hyperparameters, and every chain parameter.
 *
 * This file is the hard rule of §5.1 in code: nothing else writes these
 * records, and these functions do nothing unless gov_enact (proposal.c)
 * has opened an enactment. A refused attempt is counted, so a test can
 * prove that no call path reaches a setter (tests/test_gov_eaa.c).
 */
#include <stdatomic.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/hyperparams.h"
#include "chain/records.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/eaa.h"
#include "gov/emergency.h"
#include "gov/gov.h"

#define YEAR_BLOCKS (365ull * 7200)
#define MAX_UIDS 256

static _Thread_local int enacting;
static atomic_uint_fast64_t enacted_calls, refused_calls;

void eaa_enact_begin(void)
{
    enacting++;
}

void eaa_enact_end(void)
{
    if (enacting > 0) enacting--;
}

uint64_t eaa_enacted_invocations(void)
{
    return atomic_load(&enacted_calls);
}

uint64_t eaa_refused_invocations(void)
{
    return atomic_load(&refused_calls);
}

const char *eaa_kind_name(uint16_t kind)
{
    switch ((eaa_kind)kind) {
    case EAA_EMISSION: return "emission";
    case EAA_REGISTRATION: return "registration";
    case EAA_OWNER_CUT: return "owner_cut";
    case EAA_OWNER_CHANGE: return "owner_change";
    case EAA_DISSOLVE: return "dissolve";
    case EAA_HYPERPARAM: return "hyperparameter";
    case EAA_RATIFY_ESCROW: return "ratify_escrow";
    case EAA_CHAIN_PARAM: return "chain_param";
    case EAA_GUARDIAN_ADD: return "guardian_add";
    case EAA_GUARDIAN_REMOVE: return "guardian_remove";
    }
    return "unknown";
}

bool eaa_is_targeted(uint16_t kind)
{
    return kind >= EAA_EMISSION && kind <= EAA_RATIFY_ESCROW;
}

static bool is_guardian_kind(uint16_t kind)
{
    return kind == EAA_GUARDIAN_ADD || kind == EAA_GUARDIAN_REMOVE;
}

bool eaa_guardian_election(const yuma_gov_action *a, uint32_t count)
{
    if (count == 0) return false;
    for (uint32_t i = 0; i < count; i++)
        if (!is_guardian_kind(a[i].kind)) return false;
    return true;
}

bool eaa_org_pack(const char *name, uint64_t *value)
{
    size_t n = strlen(name);
    if (n == 0 || n > 8) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        uint8_t c = i < n ? (uint8_t)name[i] : 0;
        if (i < n && (c < 0x21 || c > 0x7e)) return false;
        v = v << 8 | c;
    }
    *value = v;
    return true;
}

bool eaa_org_unpack(uint64_t value, char out[9])
{
    size_t n = 0;
    bool ended = false;
    for (int i = 0; i < 8; i++) {
        uint8_t c = (uint8_t)(value >> (56 - 8 * i));
        if (c == 0) {
            ended = true;
            continue;
        }
        if (ended || c < 0x21 || c > 0x7e) return false; /* a gap, or not printable */
        out[n++] = (char)c;
    }
    out[n] = 0;
    return n > 0;
}

bool eaa_changes_governance(const yuma_gov_action *a)
{
    const yuma_param_info *f = a->kind == EAA_CHAIN_PARAM ? yuma_param_info_of(a->param) : NULL;
    return f && f->cls == YUMA_PARAM_GOVERNANCE;
}

static bool hyperparam_in_range(uint16_t param, uint64_t v, const subnet_rec *s)
{
    switch (param) {
    case HP_WEIGHTS_RATE_LIMIT: return v <= YEAR_BLOCKS;
    case HP_KAPPA: return v <= UINT16_MAX;
    case HP_MAX_ALLOWED_VALIDATORS: return v >= 1 && v <= (s ? s->max_uids : MAX_UIDS);
    default: return false;
    }
}

yuma_call_status eaa_check(const call_ctx *cx, uint16_t netuid, const yuma_gov_action *a)
{
    bool global = netuid == GOV_NETUID_GLOBAL;
    /* A subnet's action belongs to a targeted proposal, a chain parameter
     * to a global one. */
    bool global_kind = a->kind == EAA_CHAIN_PARAM || is_guardian_kind(a->kind);
    if (global_kind ? !global : (!eaa_is_targeted(a->kind) || global)) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    subnet_rec s;
    bool have = !global && subnet_get(cx->kv, netuid, &s);
    switch ((eaa_kind)a->kind) {
    case EAA_EMISSION:
    case EAA_REGISTRATION: return a->value <= 1 ? YUMA_CALL_OK : YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    case EAA_OWNER_CUT: return a->value <= 65536 ? YUMA_CALL_OK : YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    case EAA_OWNER_CHANGE: {
        static const yuma_account zero;
        if (memcmp(a->account.bytes, zero.bytes, 32) == 0) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
        hotkey_rec h;
        if (hotkey_get(cx->kv, &a->account, &h) && memcmp(h.owner.bytes, a->account.bytes, 32) != 0)
            return YUMA_CALL_ERR_HOTKEY_OWNED;
        return YUMA_CALL_OK;
    }
    case EAA_DISSOLVE: return YUMA_CALL_OK;
    case EAA_RATIFY_ESCROW: return a->value > 0 ? YUMA_CALL_OK : YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    case EAA_HYPERPARAM:
        return hyperparam_in_range(a->param, a->value, have ? &s : NULL) ? YUMA_CALL_OK
                                                                         : YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    case EAA_GUARDIAN_ADD:
    case EAA_GUARDIAN_REMOVE: {
        /* Whether the set still fits the lane's rules (how many, per
         * organisation) is checked at enactment, against the set then. */
        static const yuma_account zero;
        char org[9];
        if (memcmp(a->account.bytes, zero.bytes, 32) == 0 || a->param != 0) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
        if (a->kind == EAA_GUARDIAN_ADD ? !eaa_org_unpack(a->value, org) : a->value != 0)
            return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
        return YUMA_CALL_OK;
    }
    case EAA_CHAIN_PARAM: {
        const yuma_param_info *f = yuma_param_info_of(a->param);
        yuma_chain_params p = *cx->params;
        if (!f || !yuma_param_write(&p, f, a->value) || !yuma_chain_params_valid(&p, NULL, 0))
            return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
        return YUMA_CALL_OK;
    }
    }
    return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
}

/* ---- state hashes for the audit log ---- */

static void hash_subnet_state(const ykv *kv, uint16_t netuid, uint8_t out[32])
{
    /* The switches, the owner and whether the subnet exists. */
    uint8_t buf[1 + 2 + 1 + 64 + 2 + 2 + 8];
    memset(buf, 0, sizeof buf);
    gov_subnet_rec g = gov_subnet_get(kv, netuid);
    subnet_rec s;
    bool have = subnet_get(kv, netuid, &s);
    buf[0] = g.flags;
    put_u16(buf + 1, g.owner_cut);
    buf[3] = have;
    if (have) {
        memcpy(buf + 4, s.owner_coldkey.bytes, 32);
        memcpy(buf + 36, s.owner_hotkey.bytes, 32);
        put_u16(buf + 68, s.hp.kappa);
        put_u16(buf + 70, s.hp.max_allowed_validators);
        put_u64(buf + 72, s.weights_rate_limit);
    }
    gov_audit_param_hash(buf, sizeof buf, out);
}

static void hash_params(const ykv *kv, uint8_t out[32])
{
    yuma_chain_params p;
    uint8_t buf[CHAIN_PARAMS_MAX];
    size_t n = chain_params_load(kv, &p) ? chain_params_encode(&p, buf) : 0;
    gov_audit_param_hash(buf, n, out);
}

static void hash_guardians(const ykv *kv, uint8_t out[32])
{
    gov_guardian_rec g[GOV_GUARDIAN_MAX];
    memset(g, 0, sizeof g);
    for (uint8_t i = 0; i < GOV_GUARDIAN_MAX; i++)
        if (!gov_guardian_get(kv, i, &g[i])) memset(&g[i], 0, sizeof g[i]);
    /* The accounts, organisations, whether each is active, and its term
     * (its start and whether it ended), so a re-election shows. */
    enum { SLOT = 32 + YUMA_GUARDIAN_ORG_LEN + 1 + 8 + 1 };
    uint8_t buf[GOV_GUARDIAN_MAX * SLOT];
    for (size_t i = 0; i < GOV_GUARDIAN_MAX; i++) {
        uint8_t *b = buf + i * SLOT;
        memcpy(b, g[i].account.bytes, 32);
        memcpy(b + 32, g[i].org, YUMA_GUARDIAN_ORG_LEN);
        b[32 + YUMA_GUARDIAN_ORG_LEN] = g[i].active;
        put_u64(b + 33 + YUMA_GUARDIAN_ORG_LEN, g[i].elected_at);
        b[41 + YUMA_GUARDIAN_ORG_LEN] = g[i].term_ended;
    }
    gov_audit_param_hash(buf, sizeof buf, out);
}

/* ---- setters ---- */

static yuma_call_status set_switch(call_ctx *cx, uint16_t netuid, uint8_t flag, bool on, uint16_t cut)
{
    if (!subnet_exists(cx->kv, netuid)) return YUMA_CALL_ERR_NO_SUBNET;
    gov_subnet_rec g = gov_subnet_get(cx->kv, netuid);
    if (on) g.flags |= flag;
    else g.flags &= (uint8_t)~flag;
    if (flag == GOV_SUBNET_OWNER_CUT) g.owner_cut = on ? cut : 0;
    return gov_subnet_put(cx->kv, netuid, &g) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status set_owner(call_ctx *cx, uint16_t netuid, const yuma_account *owner)
{
    subnet_rec s;
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    hotkey_rec h;
    if (hotkey_get(cx->kv, owner, &h)) {
        if (memcmp(h.owner.bytes, owner->bytes, 32) != 0) return YUMA_CALL_ERR_HOTKEY_OWNED;
    } else {
        /* The owner hotkey must be a hotkey its coldkey controls, so the
         * owner cut staked to it can be unstaked. */
        h = (hotkey_rec){.owner = *owner, .take = cx->params->max_delegate_take, .last_take_block = 0};
        if (!hotkey_put(cx->kv, owner, &h)) return YUMA_CALL_ERR_NOMEM;
    }
    s.owner_coldkey = *owner;
    s.owner_hotkey = *owner;
    return subnet_put(cx->kv, netuid, &s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status set_hyperparam(call_ctx *cx, uint16_t netuid, uint16_t param, uint64_t v)
{
    subnet_rec s;
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (!hyperparam_in_range(param, v, &s)) return YUMA_CALL_ERR_HYPERPARAM_OUT_OF_RANGE;
    if (param == HP_WEIGHTS_RATE_LIMIT) s.weights_rate_limit = v;
    else if (param == HP_KAPPA) s.hp.kappa = (uint16_t)v;
    else s.hp.max_allowed_validators = (uint16_t)v;
    return subnet_put(cx->kv, netuid, &s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status set_chain_param(call_ctx *cx, uint16_t id, uint64_t v)
{
    yuma_chain_params p;
    const yuma_param_info *f = yuma_param_info_of(id);
    if (!f || !chain_params_load(cx->kv, &p)) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    if (!yuma_param_write(&p, f, v) || !yuma_chain_params_valid(&p, NULL, 0)) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_PARAMS}, buf[CHAIN_PARAMS_MAX];
    return ykv_put(cx->kv, key, sizeof key, buf, chain_params_encode(&p, buf)) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* The holders are paid out as by the pruning rule; dissolve.c clears the
 * subnet's governance switches with it. */
static yuma_call_status dissolve(call_ctx *cx, uint16_t netuid)
{
    return subnet_dissolve(cx, netuid);
}

/* The emergency lane's escrow is confirmed: its alpha is recycled
 * (docs/GOVERNANCE_AUDIT.md). */
static yuma_call_status ratify(call_ctx *cx, uint64_t proposal_id, uint64_t action_id)
{
    gov_ratify_status st = gov_emergency_ratify(cx->kv, cx->block, action_id, proposal_id, true);
    if (st == GOV_RATIFY_ERR_NOMEM) return YUMA_CALL_ERR_NOMEM;
    return st == GOV_RATIFY_OK ? YUMA_CALL_OK : YUMA_CALL_ERR_GOV_BAD_ACTIONS;
}

/* One seat of the guardian elected or vacated: the new set is the active
 * signers (struck ones leave at an election) with this one added (or its
 * organisation updated) or removed, under the lane's rules
 * (gov_guardians_replace: how many, how many per organisation). */
static yuma_call_status set_guardian(call_ctx *cx, uint64_t proposal_id, const yuma_gov_action *a)
{
    yuma_guardian g[GOV_GUARDIAN_MAX + 1];
    size_t n = 0;
    bool found = false, add = a->kind == EAA_GUARDIAN_ADD;
    char org[9];
    if (add && !eaa_org_unpack(a->value, org)) return YUMA_CALL_ERR_GOV_BAD_ACTIONS;
    memset(g, 0, sizeof g);
    for (uint8_t i = 0; i < GOV_GUARDIAN_MAX; i++) {
        gov_guardian_rec m;
        if (!gov_guardian_get(cx->kv, i, &m) || !m.active) continue;
        bool it = memcmp(m.account.bytes, a->account.bytes, 32) == 0;
        found |= it;
        if (it && !add) continue;
        g[n].account = m.account;
        memcpy(g[n].org, m.org, YUMA_GUARDIAN_ORG_LEN);
        if (it) {
            memset(g[n].org, 0, YUMA_GUARDIAN_ORG_LEN);
            memcpy(g[n].org, org, strlen(org));
        }
        n++;
    }
    if (!add && !found) return YUMA_CALL_ERR_NOT_GUARDIAN;
    if (add && !found) {
        g[n].account = a->account;
        memcpy(g[n].org, org, strlen(org));
        n++;
    }
    const char *why = NULL;
    /* An added signer (new, or re-elected) starts a fresh term (§5.7). */
    if (gov_guardians_replace(cx->kv, cx->block, proposal_id, g, n, add ? &a->account : NULL, &why))
        return YUMA_CALL_OK;
    return why && strcmp(why, "out of memory") == 0 ? YUMA_CALL_ERR_NOMEM : YUMA_CALL_ERR_GOV_BAD_ACTIONS;
}

yuma_call_status eaa_apply(call_ctx *cx, uint64_t proposal_id, uint16_t netuid, const yuma_gov_action *a,
                           uint8_t before[32], uint8_t after[32])
{
    if (enacting == 0) {
        atomic_fetch_add(&refused_calls, 1);
        return YUMA_CALL_ERR_UNSUPPORTED;
    }
    atomic_fetch_add(&enacted_calls, 1);
    bool global = a->kind == EAA_CHAIN_PARAM, guardians = is_guardian_kind(a->kind);
    if (guardians) hash_guardians(cx->kv, before);
    else if (global) hash_params(cx->kv, before);
    else hash_subnet_state(cx->kv, netuid, before);
    yuma_call_status st;
    switch ((eaa_kind)a->kind) {
    case EAA_EMISSION: st = set_switch(cx, netuid, GOV_SUBNET_EMISSION_OFF, a->value == 0, 0); break;
    case EAA_REGISTRATION: st = set_switch(cx, netuid, GOV_SUBNET_REGISTRATION_OFF, a->value == 0, 0); break;
    case EAA_OWNER_CUT:
        st = set_switch(cx, netuid, GOV_SUBNET_OWNER_CUT, a->value <= 65535, (uint16_t)(a->value & 0xffff));
        break;
    case EAA_OWNER_CHANGE: st = set_owner(cx, netuid, &a->account); break;
    case EAA_DISSOLVE: st = dissolve(cx, netuid); break;
    case EAA_HYPERPARAM: st = set_hyperparam(cx, netuid, a->param, a->value); break;
    case EAA_RATIFY_ESCROW: st = ratify(cx, proposal_id, a->value); break;
    case EAA_CHAIN_PARAM: st = set_chain_param(cx, a->param, a->value); break;
    case EAA_GUARDIAN_ADD:
    case EAA_GUARDIAN_REMOVE: st = set_guardian(cx, proposal_id, a); break;
    default: st = YUMA_CALL_ERR_GOV_BAD_ACTIONS; break;
    }
    if (guardians) hash_guardians(cx->kv, after);
    else if (global) hash_params(cx->kv, after);
    else hash_subnet_state(cx->kv, netuid, after);
    return st;
}
