/*
 * gov_rpc.c - the emission due process over RPC (docs/RPC.md,
 * "Governance"): proposals with their tallies, timelock and escrow, the
 * notices an owner or staker must see, a voter's snapshot, the council,
 * the parameters, the deposit a proposal needs, and the rationale and
 * response texts whose hashes are on chain.
 *
 * The texts are not chain state: the node keeps them as files named by
 * their BLAKE2b-256 under <data dir>/gov-docs/, written atomically, so
 * anyone can check a text against the hash a proposal carries. Everything
 * else is read from chain state under the node lock.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain/chain_internal.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/eaa.h"
#include "gov/gov.h"
#include "node/node_internal.h"

#define GOV_DOC_MAX 32768
enum { MAX_LISTED = 1000 };

static bool zero32(const uint8_t *b)
{
    for (int i = 0; i < 32; i++)
        if (b[i]) return false;
    return true;
}

/* ---- documents ---- */

static void doc_path(const yuma_node *n, const uint8_t hash[32], char *out, size_t len)
{
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    snprintf(out, len, "%s/gov-docs/%s", n->cfg.data_dir, hex);
}

/* The stored text of hash (malloc'd, NUL-terminated), or NULL. */
static char *doc_read(const yuma_node *n, const uint8_t hash[32])
{
    char path[4200];
    doc_path(n, hash, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(GOV_DOC_MAX + 1);
    size_t got = buf ? fread(buf, 1, GOV_DOC_MAX + 1, f) : 0;
    fclose(f);
    uint8_t check[32];
    /* A file that does not hash to its name is not served. */
    if (!buf || got > GOV_DOC_MAX || crypto_generichash(check, 32, (const uint8_t *)buf, got, NULL, 0) != 0 ||
        memcmp(check, hash, 32) != 0) {
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    return buf;
}

static bool doc_write(const yuma_node *n, const uint8_t hash[32], const char *text, size_t len, char *why,
                      size_t why_len)
{
    char dir[4200], path[4200], tmp[4300];
    snprintf(dir, sizeof dir, "%s/gov-docs", n->cfg.data_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(why, why_len, "cannot create %.200s: %.60s", dir, strerror(errno));
        return false;
    }
    doc_path(n, hash, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(text, 1, len, f) == len;
    if (f && fflush(f) != 0) ok = false;
    if (f && fsync(fileno(f)) != 0) ok = false;
    if (f && fclose(f) != 0) ok = false;
    if (ok && rename(tmp, path) != 0) ok = false;
    if (!ok) {
        snprintf(why, why_len, "cannot write %.200s: %.60s", path, strerror(errno));
        unlink(tmp);
    }
    return ok;
}

static bool param_hash(const json_t *params, size_t pos, const char *name, uint8_t out[32], yuma_rpc_error *err)
{
    const char *s;
    size_t len = 0;
    if (!yuma_rpc_param_string(params, pos, name, true, &s, err)) return false;
    uint8_t *b = node_from_hex(s, &len);
    if (!b || len != 32) {
        free(b);
        yuma_rpc_error_set(err, -32602, NULL, "param \"%s\": must be 32 bytes of hex (64 digits)", name);
        return false;
    }
    memcpy(out, b, 32);
    free(b);
    return true;
}

/* gov_putDocument(text): stores a rationale or response text, returns its
 * hash (what gov_propose and gov_respond carry). */
static json_t *m_put_document(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"text", NULL};
    const char *text;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_string(params, 0, "text", true, &text, err))
        return NULL;
    size_t len = strlen(text);
    if (len == 0 || len > GOV_DOC_MAX) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"text\": must be 1 to %d bytes, not %zu", GOV_DOC_MAX, len);
        return NULL;
    }
    uint8_t hash[32];
    crypto_generichash(hash, 32, (const uint8_t *)text, len, NULL, 0);
    char why[300];
    if (!doc_write(node_of(call), hash, text, len, why, sizeof why)) {
        yuma_rpc_error_set(err, -32603, NULL, "%s", why);
        return NULL;
    }
    return json_pack("{s:o, s:I}", "hash", node_hex_json(hash, 32), "bytes", (json_int_t)len);
}

static json_t *m_document(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"hash", NULL};
    uint8_t hash[32];
    if (!yuma_rpc_params_only(params, names, err) || !param_hash(params, 0, "hash", hash, err)) return NULL;
    char *text = doc_read(node_of(call), hash);
    if (!text) {
        yuma_rpc_error_set(err, -32004, NULL, "no document with this hash is stored on this node");
        return NULL;
    }
    json_t *out = json_pack("{s:o, s:s}", "hash", node_hex_json(hash, 32), "text", text);
    free(text);
    return out;
}

/* ---- proposals ---- */

static json_t *tally_json(const gov_tally *t)
{
    return json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:b}, s:{s:i, s:i, s:i, s:i, s:i, s:b}, s:b}",
                     "tallied", t->tallied, "stake", "aye", (json_int_t)t->s_aye, "nay", (json_int_t)t->s_nay,
                     "abstain", (json_int_t)t->s_abstain, "no_with_veto", (json_int_t)t->s_veto, "turnout",
                     (json_int_t)t->s_turnout, "eligible", (json_int_t)t->s_eligible, "quorum_ppm",
                     (json_int_t)t->s_quorum_ppm, "nakamoto", (int)t->s_nakamoto, "passed", t->s_pass, "council",
                     "aye", (int)t->c_aye, "nay", (int)t->c_nay, "abstain", (int)t->c_abstain, "no_with_veto",
                     (int)t->c_veto, "seats", (int)t->c_seats, "passed", t->c_pass, "veto", t->veto);
}

static json_t *action_json(const yuma_gov_action *a)
{
    json_t *j = json_pack("{s:s, s:i, s:i, s:I}", "kind", eaa_kind_name(a->kind), "kind_id", a->kind, "param",
                          a->param, "value", (json_int_t)a->value);
    if (a->kind == EAA_CHAIN_PARAM) {
        const yuma_param_info *f = yuma_param_info_of(a->param);
        json_object_set_new(j, "param_name", f ? json_string(f->name) : json_null());
    }
    if (a->kind == EAA_OWNER_CHANGE || a->kind == EAA_GUARDIAN_ADD || a->kind == EAA_GUARDIAN_REMOVE)
        json_object_set_new(j, "account", node_address_json(&a->account));
    char org[9];
    if (a->kind == EAA_GUARDIAN_ADD && eaa_org_unpack(a->value, org)) json_object_set_new(j, "org", json_string(org));
    return j;
}

static json_t *doc_or_null(const yuma_node *n, const uint8_t *hash)
{
    if (zero32(hash)) return json_null();
    char *text = doc_read(n, hash);
    json_t *j = text ? json_string(text) : json_null();
    free(text);
    return j;
}

/* Call with the node lock held. */
static json_t *proposal_json(const yuma_node *n, const ykv *kv, const yuma_chain_params *prm, const gov_proposal *p)
{
    bool targeted = p->netuid != GOV_NETUID_GLOBAL;
    json_t *actions = json_array();
    for (uint32_t i = 0; i < p->action_count; i++) json_array_append_new(actions, action_json(&p->actions[i]));
    bool timelocked = p->state == GOV_TIMELOCK || p->state == GOV_APPEAL;
    /* pre_price is I96F32 TAO per alpha: in rao per alpha, floored. */
    uint64_t pre_rao = (uint64_t)(((unsigned __int128)p->pre_price * YUMA_RAO_PER_TAO) >> 32);
    json_t *j = json_pack(
        "{s:I, s:s, s:i, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "id",
        (json_int_t)p->id, "state", gov_state_name(p->state), "round", p->round, "targeted", targeted, "netuid",
        targeted ? json_integer(p->netuid) : json_null(), "proposer", node_address_json(&p->proposer),
        "rationale_hash", node_hex_json(p->rationale_hash, 32), "rationale", doc_or_null(n, p->rationale_hash),
        "response_hash", zero32(p->response_hash) ? json_null() : node_hex_json(p->response_hash, 32), "response",
        doc_or_null(n, p->response_hash), "responses", p->responses, "deposit_required",
        (json_int_t)p->deposit_required, "deposit_total", (json_int_t)p->deposit_total, "submitted_at",
        (json_int_t)p->submitted_at, "deposit_deadline", (json_int_t)p->deposit_deadline, "voting_start",
        (json_int_t)p->voting_start, "round_start", (json_int_t)p->round_start, "round_end",
        (json_int_t)p->round_end, "disabling", gov_proposal_disabling(p));
    json_object_set_new(j, "actions", actions);
    json_object_set_new(j, "timelock_start", timelocked || p->timelock_start ? json_integer((json_int_t)p->timelock_start)
                                                                             : json_null());
    json_object_set_new(j, "timelock_end",
                        timelocked ? json_integer((json_int_t)gov_timelock_end(p, &prm->gov)) : json_null());
    json_object_set_new(j, "paused", json_integer((json_int_t)p->paused));
    json_object_set_new(j, "escrow", json_pack("{s:I, s:I, s:I}", "alpha", (json_int_t)p->escrow_total, "ratio_ppm",
                                               (json_int_t)gov_escrow_ratio_ppm(kv, p), "peak_ppm",
                                               (json_int_t)p->escrow_peak_ppm));
    json_object_set_new(j, "exit_price_rao", targeted ? json_integer((json_int_t)pre_rao) : json_null());
    json_object_set_new(j, "appeal", p->round == 1 ? json_pack("{s:o, s:I}", "appellant", node_address_json(&p->appellant),
                                                               "bond", (json_int_t)p->appeal_bond)
                                                   : json_null());
    json_object_set_new(j, "closed_at", gov_state_open(p->state) ? json_null() : json_integer((json_int_t)p->closed_at));
    json_object_set_new(j, "tally", json_pack("[o, o]", tally_json(&p->tally[0]), tally_json(&p->tally[1])));
    /* The top validators' responses beside the owner's (§5.2), and who may
     * still file one. */
    json_t *vr = json_array();
    gov_validator_response r[GOV_RESPONDING_VALIDATORS * 4];
    size_t nr = gov_validator_responses(kv, p->id, r, sizeof r / sizeof r[0]);
    for (size_t i = 0; i < nr && i < sizeof r / sizeof r[0]; i++)
        json_array_append_new(vr, json_pack("{s:o, s:o, s:o, s:i, s:I}", "hotkey", node_address_json(&r[i].hotkey),
                                            "hash", node_hex_json(r[i].hash, 32), "text", doc_or_null(n, r[i].hash),
                                            "count", r[i].count, "block", (json_int_t)r[i].block));
    json_object_set_new(j, "validator_responses", vr);
    json_object_set_new(j, "house_c_alone", json_boolean(eaa_guardian_election(p->actions, p->action_count)));
    json_t *top = json_array();
    yuma_account tv[GOV_RESPONDING_VALIDATORS];
    size_t nt = targeted ? gov_top_validators(kv, p->netuid, tv) : 0;
    for (size_t i = 0; i < nt; i++) json_array_append_new(top, node_address_json(&tv[i]));
    json_object_set_new(j, "top_validators", top);
    return j;
}

static json_t *m_proposal(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"id", NULL};
    uint64_t id;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "id", true, &id, err)) return NULL;
    yuma_node *n = node_of(call);
    json_t *out = NULL;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    yuma_chain_params prm;
    gov_proposal p;
    if (chain_params_load(kv, &prm) && gov_proposal_get(kv, id, &p)) out = proposal_json(n, kv, &prm, &p);
    pthread_mutex_unlock(&n->lock);
    if (!out) yuma_rpc_error_set(err, -32004, NULL, "no proposal %llu: `yuma gov list` shows them", (unsigned long long)id);
    return out;
}

/* The subnets where coldkey holds stake, as a bitmap over netuids. */
typedef struct {
    yuma_account coldkey;
    uint8_t *staked;
} stake_scan;

static bool mark_stake(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    stake_scan *sc = ctx;
    if (klen == 67 && memcmp(key + 35, sc->coldkey.bytes, 32) == 0) {
        uint16_t netuid = (uint16_t)(key[33] << 8 | key[34]);
        if (netuid <= YUMA_MAX_NETUID) sc->staked[netuid] = 1;
    }
    return true;
}

/* gov_proposals(netuid, state, address): newest first, at most 1000;
 * state "open" (default), "closed" or "all"; address: only proposals that
 * concern it (it proposed, owns the target, or stakes on the target). */
static json_t *m_proposals(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", "state", "address", NULL};
    uint64_t netuid = UINT64_MAX;
    const char *which = "open";
    yuma_account who;
    bool by_who = yuma_rpc_param(params, 2, "address") != NULL;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "netuid", false, &netuid, err) ||
        !yuma_rpc_param_string(params, 1, "state", false, &which, err) ||
        (by_who && !node_param_account(params, 2, "address", &who, err)))
        return NULL;
    int mode = strcmp(which, "open") == 0 ? 0 : strcmp(which, "closed") == 0 ? 1 : strcmp(which, "all") == 0 ? 2 : -1;
    if (mode < 0) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"state\": \"open\", \"closed\" or \"all\", not \"%s\"", which);
        return NULL;
    }
    if (netuid != UINT64_MAX && netuid > 65535) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"netuid\": %llu is above 65535", (unsigned long long)netuid);
        return NULL;
    }
    yuma_node *n = node_of(call);
    json_t *arr = json_array();
    uint8_t *staked = by_who ? calloc(YUMA_MAX_NETUID + 1, 1) : NULL;
    if (by_who && !staked) {
        json_decref(arr);
        yuma_rpc_error_set(err, -32603, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    yuma_chain_params prm;
    if (!chain_params_load(kv, &prm)) prm = yuma_chain_params_default();
    if (by_who) {
        stake_scan sc = {who, staked};
        uint8_t rec = REC_ALPHA_SHARE;
        ykv_scan_prefix(kv, &rec, 1, mark_stake, &sc);
    }
    uint64_t last = gov_global_get(kv, &prm.gov).next_id;
    for (uint64_t id = last; id-- > 1 && json_array_size(arr) < MAX_LISTED;) {
        gov_proposal p;
        if (!gov_proposal_get(kv, id, &p)) continue;
        bool open = gov_state_open(p.state);
        if ((mode == 0 && !open) || (mode == 1 && open)) continue;
        if (netuid != UINT64_MAX && p.netuid != netuid) continue;
        if (by_who) {
            subnet_rec s;
            bool mine = memcmp(p.proposer.bytes, who.bytes, 32) == 0;
            if (p.netuid != GOV_NETUID_GLOBAL) {
                if (subnet_get(kv, p.netuid, &s) && memcmp(s.owner_coldkey.bytes, who.bytes, 32) == 0) mine = true;
                if (p.netuid <= YUMA_MAX_NETUID && staked[p.netuid]) mine = true;
            }
            if (!mine) continue;
        }
        json_array_append_new(arr, proposal_json(n, kv, &prm, &p));
    }
    pthread_mutex_unlock(&n->lock);
    free(staked);
    return arr;
}

/* gov_notices(address): the open proposals that target a subnet the
 * address owns or stakes on, with its role: what a client must show it. */
static json_t *m_notices(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"address", NULL};
    yuma_account who;
    if (!yuma_rpc_params_only(params, names, err) || !node_param_account(params, 0, "address", &who, err)) return NULL;
    yuma_node *n = node_of(call);
    uint8_t *staked = calloc(YUMA_MAX_NETUID + 1, 1);
    json_t *arr = json_array();
    if (!staked) {
        json_decref(arr);
        yuma_rpc_error_set(err, -32603, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    yuma_chain_params prm;
    if (!chain_params_load(kv, &prm)) prm = yuma_chain_params_default();
    stake_scan sc = {who, staked};
    uint8_t rec = REC_ALPHA_SHARE;
    ykv_scan_prefix(kv, &rec, 1, mark_stake, &sc);
    uint64_t ids[GOV_MAX_OPEN];
    size_t count = gov_open_get(kv, ids);
    for (size_t i = 0; i < count; i++) {
        gov_proposal p;
        subnet_rec s;
        if (!gov_proposal_get(kv, ids[i], &p) || p.netuid == GOV_NETUID_GLOBAL || !subnet_get(kv, p.netuid, &s)) continue;
        bool owner = memcmp(s.owner_coldkey.bytes, who.bytes, 32) == 0;
        bool staker = p.netuid <= YUMA_MAX_NETUID && staked[p.netuid];
        if (!owner && !staker) continue;
        json_t *j = proposal_json(n, kv, &prm, &p);
        json_object_set_new(j, "role", json_string(owner ? "owner" : "staker"));
        json_array_append_new(arr, j);
    }
    pthread_mutex_unlock(&n->lock);
    free(staked);
    return arr;
}

/* gov_voter(id, address, round): the voter's snapshot, seats, vote and
 * delegation on the proposal's track. */
static json_t *m_voter(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"id", "address", "round", NULL};
    uint64_t id, round = UINT64_MAX;
    yuma_account who;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "id", true, &id, err) ||
        !node_param_account(params, 1, "address", &who, err) ||
        !yuma_rpc_param_u64(params, 2, "round", false, &round, err))
        return NULL;
    if (round != UINT64_MAX && round > 1) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"round\": 0 (the vote) or 1 (the appeal)");
        return NULL;
    }
    yuma_node *n = node_of(call);
    json_t *out = NULL;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    gov_proposal p;
    if (gov_proposal_get(kv, id, &p)) {
        uint8_t r = round == UINT64_MAX ? p.round : (uint8_t)round;
        gov_snapshot_rec snap;
        gov_vote_rec v;
        bool has_snap = gov_snapshot_get(kv, id, r, &who, &snap), voted = gov_vote_get(kv, id, r, &who, &v);
        json_t *pos = json_array();
        for (uint32_t i = 0; has_snap && i < snap.count; i++)
            json_array_append_new(pos, json_pack("{s:o, s:i, s:I, s:I}", "hotkey", node_address_json(&snap.pos[i].hotkey),
                                                 "netuid", snap.pos[i].netuid, "alpha", (json_int_t)snap.pos[i].alpha,
                                                 "weight", (json_int_t)snap.pos[i].weight));
        out = json_pack("{s:I, s:i, s:I, s:o, s:i, s:o}", "id", (json_int_t)id, "round", r, "weight",
                        (json_int_t)(has_snap ? snap.weight : 0), "positions", pos, "seats",
                        gov_seats_get(kv, id, r, &who), "vote",
                        voted ? json_pack("{s:s, s:i, s:I, s:i, s:b}", "choice", gov_choice_name(v.choice), "conviction",
                                          v.conviction, "weight", (json_int_t)v.weight, "seats", v.seats,
                                          "delegated", v.delegated)
                              : json_null());
        /* Its House S delegation on this proposal's track (§5.3), if any. */
        gov_delegation_rec d;
        uint8_t track = p.netuid == GOV_NETUID_GLOBAL ? GOV_TRACK_GLOBAL : GOV_TRACK_TARGETED;
        json_object_set_new(out, "delegation",
                            gov_delegation_get(kv, track, &who, &d)
                                ? json_pack("{s:o, s:i, s:I, s:b}", "delegate", node_address_json(&d.delegate),
                                            "conviction", d.conviction, "since", (json_int_t)d.since, "before_snapshot",
                                            d.since < p.round_start)
                                : json_null());
    }
    pthread_mutex_unlock(&n->lock);
    if (!out) yuma_rpc_error_set(err, -32004, NULL, "no proposal %llu: `yuma gov list` shows them", (unsigned long long)id);
    return out;
}

static json_t *m_council(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_node *n = node_of(call);
    gov_seat *seats = NULL;
    size_t count = 0;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    yuma_chain_params prm;
    uint64_t now = yuma_chain_height(n->chain);
    bool ok = chain_params_load(kv, &prm) && gov_council(kv, &prm, now, &seats, &count);
    pthread_mutex_unlock(&n->lock);
    if (!ok) {
        yuma_rpc_error_set(err, -32603, NULL, "out of memory");
        return NULL;
    }
    json_t *arr = json_array();
    int e = 0, b = 0, m = 0;
    for (size_t i = 0; i < count; i++) {
        json_array_append_new(arr, json_pack("{s:o, s:b, s:b, s:b, s:i}", "coldkey", node_address_json(&seats[i].coldkey),
                                             "economic", seats[i].economic, "builder", seats[i].builder, "miner",
                                             seats[i].miner, "seats",
                                             seats[i].economic + seats[i].builder + seats[i].miner));
        e += seats[i].economic;
        b += seats[i].builder;
        m += seats[i].miner;
    }
    free(seats);
    return json_pack("{s:I, s:o, s:{s:i, s:i, s:i, s:i}}", "block", (json_int_t)now, "members", arr, "seats",
                     "economic", e, "builder", b, "miner", m, "total", e + b + m);
}

static json_t *m_params(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_node *n = node_of(call);
    yuma_chain_params prm;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    bool ok = chain_params_load(kv, &prm);
    uint32_t quorum = ok ? gov_global_get(kv, &prm.gov).quorum_ppm : 0;
    pthread_mutex_unlock(&n->lock);
    if (!ok) {
        yuma_rpc_error_set(err, -32603, NULL, "the chain's parameter record does not decode");
        return NULL;
    }
    json_t *out = json_object(), *list = json_array();
    for (size_t id = 1; id <= yuma_param_count(); id++) {
        const yuma_param_info *f = yuma_param_info_of(id);
        static const char *const cls[] = {"emission", "governance", "other"};
        json_array_append_new(list, json_pack("{s:i, s:s, s:I, s:s, s:I, s:I}", "id", (int)id, "name", f->name, "value",
                                              (json_int_t)yuma_param_read(&prm, f), "class", cls[f->cls], "min",
                                              (json_int_t)f->min, "max", (json_int_t)(f->max > INT64_MAX ? INT64_MAX : f->max)));
    }
    json_object_set_new(out, "params", list);
    json_object_set_new(out, "quorum_ppm", json_integer(quorum));
    return out;
}

static json_t *m_deposit(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", NULL};
    uint16_t netuid;
    if (!yuma_rpc_params_only(params, names, err) || !node_param_netuid(params, 0, err, &netuid)) return NULL;
    yuma_node *n = node_of(call);
    yuma_chain_params prm;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    bool ok = chain_params_load(kv, &prm);
    bool exists = netuid == GOV_NETUID_GLOBAL || subnet_exists(kv, netuid);
    uint64_t dep = ok ? gov_required_deposit(kv, &prm, netuid) : 0;
    pthread_mutex_unlock(&n->lock);
    if (!exists || netuid == 0) {
        yuma_rpc_error_set(err, -32004, NULL, "no subnet %u to target (65535: a global proposal)", netuid);
        return NULL;
    }
    uint64_t min = (uint64_t)((unsigned __int128)dep * prm.gov.min_initial_deposit_ppm / 1000000u);
    return json_pack("{s:I, s:I}", "required", (json_int_t)dep, "min_initial", (json_int_t)min);
}

bool gov_rpc_methods(yuma_node *n, char *err, size_t errlen)
{
    const yuma_rpc_method methods[] = {
        {"gov_proposal", m_proposal, 0, n},   {"gov_proposals", m_proposals, 0, n},
        {"gov_notices", m_notices, 0, n},     {"gov_voter", m_voter, 0, n},
        {"gov_council", m_council, 0, n},     {"gov_params", m_params, 0, n},
        {"gov_deposit", m_deposit, 0, n},     {"gov_document", m_document, 0, n},
        {"gov_putDocument", m_put_document, YUMA_RPC_WRITE, n},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!yuma_rpc_add_method(n->rpc, &methods[i], err, errlen)) return false;
    return true;
}
