/*
 * audit_rpc.c - the governance transparency methods (docs/RPC.md,
 * "Governance audit"): the hash-chained audit log and its verification,
 * each subnet's emission-share history, concentration metrics, and the
 * emergency lane's signers, safe mode and actions. Everything is read
 * from chain state under the node lock; nothing here writes.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/emergency.h"
#include "gov/emission_history.h"
#include "gov/gov.h"
#include "gov/metrics.h"
#include "node/node_internal.h"

enum { MAX_LOG_ENTRIES = 1000, MAX_ACTIONS = 1000 };

static bool zero32(const uint8_t *b)
{
    for (int i = 0; i < 32; i++)
        if (b[i]) return false;
    return true;
}

static json_t *hash_or_null(const uint8_t *b)
{
    return zero32(b) ? json_null() : node_hex_json(b, 32);
}

/* What a call_id means in its class. */
static const char *event_name(const gov_audit_entry *e)
{
    if (e->class_ == GOV_AUDIT_EMERGENCY) return gov_emergency_event_name(e->call_id);
    if (e->class_ == GOV_AUDIT_RULE) return e->call_id == GOV_RULE_SHARE_CHANGE ? "emission_share_change" : "unknown";
    return NULL; /* EAA and appeal ids are the EAA module's (docs/GOVERNANCE.md) */
}

static json_t *entry_json(const gov_audit_entry *e)
{
    uint8_t h[32];
    gov_audit_entry_hash(e, h);
    /* origin is an account for proposals, signers and strikes; zeros are
     * "the protocol". */
    yuma_account origin;
    memcpy(origin.bytes, e->origin, 32);
    const char *ev = event_name(e);
    json_t *j = json_pack(
        "{s:I, s:I, s:s, s:i, s:o, s:i, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:o, s:o}", "seq",
        (json_int_t)e->seq, "block", (json_int_t)e->block, "class", gov_audit_class_name(e->class_), "class_id",
        e->class_, "netuid", e->netuid == GOV_AUDIT_NETUID_GLOBAL ? json_null() : json_integer(e->netuid), "call_id",
        e->call_id, "event", ev ? json_string(ev) : json_null(), "before_hash", node_hex_json(e->before_hash, 32),
        "after_hash", node_hex_json(e->after_hash, 32), "proposal_id", (json_int_t)e->proposal_id, "origin",
        zero32(e->origin) ? json_string("protocol") : node_address_json(&origin), "rationale_hash",
        hash_or_null(e->rationale_hash), "response_hash", hash_or_null(e->response_hash), "tallies", "s_aye",
        (json_int_t)e->tally_s_aye, "s_nay", (json_int_t)e->tally_s_nay, "c_aye", (json_int_t)e->tally_c_aye, "c_nay",
        (json_int_t)e->tally_c_nay, "prev_entry_hash", node_hex_json(e->prev_entry_hash, 32), "hash",
        node_hex_json(h, 32));
    return j;
}

static bool nomem(yuma_rpc_error *err)
{
    yuma_rpc_error_set(err, -32603, NULL, "out of memory");
    return false;
}

/* gov_log(from_seq, to_seq, netuid): entries in [from, to] (to defaults
 * to the last), at most 1000, optionally only one subnet's (global
 * entries included, as they apply to every subnet). */
json_t *node_m_gov_log(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"from_seq", "to_seq", "netuid", NULL};
    uint64_t from = 0, to = UINT64_MAX;
    uint16_t netuid = 0;
    bool filter = yuma_rpc_param(params, 2, "netuid") != NULL;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "from_seq", false, &from, err) ||
        !yuma_rpc_param_u64(params, 1, "to_seq", false, &to, err) ||
        (filter && !node_param_netuid(params, 2, err, &netuid)))
        return NULL;
    if (to < from) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"to_seq\": %llu is before from_seq %llu", (unsigned long long)to,
                           (unsigned long long)from);
        return NULL;
    }
    yuma_node *n = node_of(call);
    json_t *list = json_array(), *out = NULL;
    if (!list) return nomem(err), NULL;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    uint64_t count = gov_audit_count(kv);
    uint8_t head[32];
    gov_audit_head_hash(kv, head);
    bool ok = true, truncated = false;
    if (from >= count && count > 0) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"from_seq\": %llu is past the last entry (%llu entries)",
                           (unsigned long long)from, (unsigned long long)count);
        ok = false;
    }
    uint64_t last = to < count ? to : count ? count - 1 : 0;
    for (uint64_t seq = from; ok && count > 0 && seq <= last; seq++) {
        gov_audit_entry e;
        if (gov_audit_get(kv, seq, &e) != GOV_AUDIT_OK) {
            yuma_rpc_error_set(err, -32000, NULL, "audit entry %llu is unreadable: run gov_logVerify",
                               (unsigned long long)seq);
            ok = false;
            break;
        }
        if (filter && e.netuid != netuid && e.netuid != GOV_AUDIT_NETUID_GLOBAL) continue;
        if (json_array_size(list) == MAX_LOG_ENTRIES) {
            truncated = true;
            break;
        }
        json_t *j = entry_json(&e);
        if (!j || json_array_append_new(list, j) != 0) ok = nomem(err);
    }
    pthread_mutex_unlock(&n->lock);
    if (ok) out = json_pack("{s:I, s:o, s:b, s:O}", "count", (json_int_t)count, "head_hash", node_hex_json(head, 32),
                            "truncated", truncated, "entries", list);
    json_decref(list);
    if (ok && !out) nomem(err);
    return out;
}

json_t *node_m_gov_log_verify(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_node *n = node_of(call);
    gov_audit_verify_result r;
    pthread_mutex_lock(&n->lock);
    gov_audit_verify(yuma_chain_state(n->chain), &r);
    uint64_t height = yuma_chain_height(n->chain);
    pthread_mutex_unlock(&n->lock);
    json_t *out = json_pack("{s:b, s:I, s:I, s:o, s:s}", "ok", r.ok, "count", (json_int_t)r.count, "height",
                            (json_int_t)height, "head_hash", node_hex_json(r.head_hash, 32), "detail", r.detail);
    if (out && !r.ok) json_object_set_new(out, "bad_seq", json_integer((json_int_t)r.bad_seq));
    return out;
}

/* ---- emission-share history ---- */

static const char *cause_of(uint8_t flags)
{
    if (flags & GOV_HISTORY_GOV_CHANGE) return "governance";
    if (flags & GOV_HISTORY_RULE_CHANGE) return "rule";
    return NULL;
}

json_t *node_m_gov_emission_history(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", NULL};
    uint16_t netuid;
    if (!yuma_rpc_params_only(params, names, err) || !node_param_netuid(params, 0, err, &netuid)) return NULL;
    yuma_node *n = node_of(call);
    gov_history_sample *s = NULL;
    gov_history_head h;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    bool found = gov_history_head_get(kv, netuid, &h);
    if (found) s = malloc((h.ring_len ? h.ring_len : 1) * sizeof *s);
    size_t count = s ? gov_history_read(kv, netuid, s, h.ring_len) : 0;
    yuma_chain_params p;
    if (!chain_params_load(kv, &p)) p = yuma_chain_params_default();
    pthread_mutex_unlock(&n->lock);
    if (found && !s) return nomem(err), NULL;
    if (!found) {
        yuma_rpc_error_set(err, -32004, NULL, "no emission history for subnet %u: `yuma subnet list` shows the subnets",
                           netuid);
        return NULL;
    }
    json_t *list = json_array();
    bool ok = list != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        const char *cause = cause_of(s[i].flags);
        json_t *j = json_pack("{s:I, s:I, s:I, s:o, s:b, s:b, s:o}", "block", (json_int_t)s[i].block, "share_ppb",
                              (json_int_t)s[i].share_ppb, "tao", (json_int_t)s[i].tao, "change",
                              cause ? json_string(cause) : json_null(), "governance_action",
                              (s[i].flags & GOV_HISTORY_GOV_ACTION) != 0, "escrowed",
                              (s[i].flags & GOV_HISTORY_ESCROWED) != 0, "seq",
                              s[i].seq == GOV_HISTORY_NO_SEQ ? json_null() : json_integer((json_int_t)s[i].seq));
        ok = j && json_array_append_new(list, j) == 0;
    }
    free(s);
    json_t *out = ok ? json_pack("{s:i, s:I, s:I, s:I, s:I, s:i, s:I, s:o}", "netuid", netuid, "registered_at",
                                 (json_int_t)h.registered_at, "reference_block", (json_int_t)h.ref_block,
                                 "reference_share_ppb", (json_int_t)h.ref_share, "interval_blocks",
                                 (json_int_t)p.audit.history_interval_blocks, "threshold_pct",
                                 p.audit.rule_change_pct, "day_blocks", (json_int_t)p.audit.rule_day_blocks,
                                 "samples", list)
                     : NULL;
    if (!out) {
        json_decref(list);
        nomem(err);
    }
    return out;
}

/* ---- concentration ---- */

static json_t *conc_json(const gov_concentration *c)
{
    char total[48];
    /* The total can pass 2^64 (a sum of u64 powers): decimal text. */
    unsigned __int128 t = c->total;
    char buf[48];
    int i = 47;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + (int)(t % 10));
        t /= 10;
    } while (t);
    strcpy(total, buf + i);
    return json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "holders", (json_int_t)c->holders,
                     "total", total, "nakamoto_third", (json_int_t)c->nc_third, "nakamoto_half",
                     (json_int_t)c->nc_half, "nakamoto_two_thirds", (json_int_t)c->nc_two_thirds, "gini_ppb",
                     (json_int_t)c->gini_ppb, "hhi_ppb", (json_int_t)c->hhi_ppb, "hhi", (json_int_t)c->hhi,
                     "effective_holders_milli", (json_int_t)c->effective_milli, "top5_ppb", (json_int_t)c->top5_ppb,
                     "top10_ppb", (json_int_t)c->top10_ppb);
}

/* The council as it would be seated now, one entry per seat. */
static bool council_metrics(const ykv *kv, const yuma_chain_params *p, uint64_t now, gov_concentration *out)
{
    gov_seat *seats = NULL;
    size_t count = 0;
    if (!gov_council(kv, p, now, &seats, &count)) return false;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += (size_t)seats[i].economic + seats[i].builder + seats[i].miner;
    yuma_account *holders = malloc((total ? total : 1) * sizeof *holders);
    bool ok = holders != NULL;
    size_t k = 0;
    for (size_t i = 0; ok && i < count; i++)
        for (unsigned s = 0; s < (unsigned)seats[i].economic + seats[i].builder + seats[i].miner; s++)
            holders[k++] = seats[i].coldkey;
    ok = ok && gov_metrics_council(holders, k, out);
    free(holders);
    free(seats);
    return ok;
}

json_t *node_m_gov_concentration(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", NULL};
    uint16_t netuid = 0;
    bool one = yuma_rpc_param(params, 0, "netuid") != NULL;
    if (!yuma_rpc_params_only(params, names, err) || (one && !node_param_netuid(params, 0, err, &netuid)))
        return NULL;
    yuma_node *n = node_of(call);
    gov_concentration house, root, council;
    json_t *subnets = json_array();
    if (!subnets) return nomem(err), NULL;
    bool ok = true, missing = false;
    uint32_t nc;
    bool raised = false;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    uint64_t height = yuma_chain_height(n->chain);
    yuma_chain_params p;
    if (!chain_params_load(kv, &p)) p = yuma_chain_params_default();
    ok = gov_metrics_stake_house(kv, &house) && gov_metrics_root(kv, &root) &&
         council_metrics(kv, &p, height, &council) && gov_metrics_stake_house_nc(kv, &nc, &raised);
    for (uint16_t id = one ? netuid : 1; ok && id <= (one ? netuid : YUMA_MAX_NETUID); id++) {
        gov_concentration c;
        if (!subnet_exists(kv, id)) {
            missing = one;
            continue;
        }
        ok = gov_metrics_subnet(kv, id, &c);
        json_t *j = ok ? conc_json(&c) : NULL;
        if (j) json_object_set_new(j, "netuid", json_integer(id));
        ok = ok && j && json_array_append_new(subnets, j) == 0;
    }
    pthread_mutex_unlock(&n->lock);
    if (missing) {
        json_decref(subnets);
        yuma_rpc_error_set(err, -32004, NULL, "no subnet %u: `yuma subnet list` shows the subnets", netuid);
        return NULL;
    }
    json_t *out = ok ? json_pack("{s:I, s:o, s:o, s:o, s:o, s:{s:I, s:I, s:b}}", "block", (json_int_t)height,
                                 "stake_house", conc_json(&house), "council", conc_json(&council), "root",
                                 conc_json(&root), "subnets", subnets, "threshold_rule", "stake_house_nakamoto_half",
                                 (json_int_t)nc, "limit", (json_int_t)p.gov.nc_min, "council_threshold_raised", raised)
                     : NULL;
    if (!out) {
        if (!ok) json_decref(subnets);
        nomem(err);
    }
    return out;
}

/* ---- the emergency lane ---- */

static json_t *action_json(const gov_action_rec *a, const ykv *kv)
{
    gov_guardian_rec proposer;
    json_t *signers = json_array();
    for (uint8_t i = 0; signers && i < GOV_GUARDIAN_MAX; i++) {
        gov_guardian_rec m;
        if ((a->approvals >> i & 1) && gov_guardian_get(kv, i, &m))
            json_array_append_new(signers, node_address_json(&m.account));
    }
    bool named = gov_guardian_get(kv, a->proposer, &proposer);
    return json_pack("{s:I, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:o, s:I, s:{s:I, s:I, s:I, s:I}, "
                     "s:I, s:s, s:I}",
                     "id", (json_int_t)a->id, "kind", gov_action_kind_name(a->kind), "status",
                     gov_action_status_name(a->status), "netuid",
                     a->netuid == GOV_AUDIT_NETUID_GLOBAL ? json_null() : json_integer(a->netuid), "duration",
                     (json_int_t)a->duration, "statement", node_hex_json(a->statement, 32), "proposer",
                     named ? node_address_json(&proposer.account) : json_null(), "signers", signers, "proposed_at",
                     (json_int_t)a->proposed_at, "activated_at", (json_int_t)a->activated_at, "ends_at",
                     (json_int_t)a->ends_at, "rationale", a->rationale_at ? node_hex_json(a->rationale, 32) : json_null(),
                     "rationale_at", (json_int_t)a->rationale_at, "escrow", "server", (json_int_t)a->escrow_server,
                     "validator", (json_int_t)a->escrow_validator, "root", (json_int_t)a->escrow_root, "owner",
                     (json_int_t)a->escrow_owner, "ratify_proposal", (json_int_t)a->ratify_proposal, "ratified",
                     a->ratified == 1 ? "ratified" : a->ratified == 2 ? "rejected" : "undecided", "settled_at",
                     (json_int_t)a->settled_at);
}

/* gov_guardians(): the signers, the safe mode in force and the actions
 * (newest first, at most 1000). */
json_t *node_m_gov_guardians(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_node *n = node_of(call);
    json_t *members = json_array(), *actions = json_array(), *out = NULL;
    if (!members || !actions) {
        json_decref(members);
        json_decref(actions);
        return nomem(err), NULL;
    }
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    uint64_t height = yuma_chain_height(n->chain);
    yuma_chain_params p;
    if (!chain_params_load(kv, &p)) p = yuma_chain_params_default();
    uint64_t quarter = height / p.audit.quarter_blocks;
    for (uint8_t i = 0; i < GOV_GUARDIAN_MAX; i++) {
        gov_guardian_rec m;
        if (!gov_guardian_get(kv, i, &m)) continue;
        /* Terms (§5.7): in_term says whether it may sign in the next block. */
        uint64_t term_end = m.elected_at > UINT64_MAX - p.audit.guardian_term_blocks
                                ? UINT64_MAX
                                : m.elected_at + p.audit.guardian_term_blocks;
        json_array_append_new(members,
                              json_pack("{s:i, s:o, s:s, s:b, s:i, s:i, s:I, s:I, s:b}", "slot", i, "address",
                                        node_address_json(&m.account), "org", m.org, "active", m.active, "strikes",
                                        m.strikes, "signed_this_quarter", m.quarter == quarter ? m.signed_in_quarter : 0,
                                        "elected_at", (json_int_t)m.elected_at, "term_ends", (json_int_t)term_end,
                                        "in_term", gov_guardian_in_term(&m, &p.audit, height + 1)));
    }
    gov_lane_state st = gov_lane_state_get(kv);
    for (uint64_t id = st.next_id; id-- > 1 && json_array_size(actions) < MAX_ACTIONS;) {
        gov_action_rec a;
        if (gov_action_get(kv, id, &a)) json_array_append_new(actions, action_json(&a, kv));
    }
    bool safe = gov_safe_mode_active(kv, height + 1);
    out = json_pack("{s:I, s:{s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i}, s:o, s:{s:b, s:I, s:I, s:I, s:I}, s:o}",
                    "block", (json_int_t)height, "rules", "threshold", p.audit.guardian_threshold, "max",
                    p.audit.guardian_max, "per_org", p.audit.guardian_per_org, "escrow_max_blocks",
                    (json_int_t)p.audit.emergency_escrow_blocks, "safe_mode_max_blocks",
                    (json_int_t)p.audit.safe_mode_blocks, "extension_max_blocks",
                    (json_int_t)p.audit.safe_mode_extension_blocks, "rationale_window_blocks",
                    (json_int_t)p.audit.rationale_window_blocks, "ratify_window_blocks",
                    (json_int_t)p.audit.ratify_window_blocks, "quarter_blocks", (json_int_t)p.audit.quarter_blocks,
                    "actions_per_quarter", p.audit.guardian_actions_per_quarter, "max_strikes",
                    p.audit.guardian_max_strikes, "members", members, "safe_mode", "next_block", safe, "action",
                    (json_int_t)st.safe_action, "from", (json_int_t)st.safe_from, "until", (json_int_t)st.safe_until,
                    "extension", (json_int_t)st.extension_action, "actions", actions);
    pthread_mutex_unlock(&n->lock);
    if (!out) nomem(err);
    return out;
}
