/*
 * node.c - a yuma node: opening the data directory (store + genesis),
 * loading the chain, the mempool, the block producer, and the JSON-RPC
 * methods a client needs (docs/RPC.md). See node.h for the locking rule.
 */
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chain/call_recs.h"
#include "chain/chain_internal.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "node/node_internal.h"
#include "yuma/cluster.h"
#include "yuma/mempool.h"
#include "yuma/node.h"
#include "yuma/rpc.h"
#include "yuma/store.h"

const char *const yuma_dev_names[] = {"alice", "bob", "charlie", "dave", "eve", "ferdie", NULL};

/* ---- small JSON helpers ---- */

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * 64 + 1];
    to_hex(b, n, buf);
    return json_string(buf);
}

/* A hex digit's value plus one; 0 for anything else. A table, because a
 * batch of submissions decodes megabytes of hex. */
static const uint8_t hex_digit[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Decodes hex (optional 0x) into a malloc'd buffer. */
static uint8_t *from_hex(const char *s, size_t *len)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    size_t n = strlen(s);
    if (n % 2) return NULL;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b) return NULL;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned hi = hex_digit[u[2 * i]], lo = hex_digit[u[2 * i + 1]];
        if (!hi || !lo) {
            free(b);
            return NULL;
        }
        b[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
    }
    *len = n / 2;
    return b;
}

static json_t *address_json(const yuma_account *a)
{
    char addr[YUMA_SS58_MAX];
    yuma_pubkey pub;
    memcpy(pub.bytes, a->bytes, 32);
    yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, addr);
    return json_string(addr);
}

/* An account parameter: an SS58 (prefix 42) address. */
static bool param_account(const json_t *params, size_t pos, const char *name, yuma_account *out, yuma_rpc_error *err)
{
    const char *s;
    if (!yuma_rpc_param_string(params, pos, name, true, &s, err)) return false;
    yuma_pubkey pub;
    uint16_t prefix;
    char why[128] = "";
    if (yuma_ss58_decode(s, &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK || prefix != YUMA_SS58_PREFIX) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"%s\": not a yuma address (%s)", name,
                           why[0] ? why : "SS58 prefix must be 42");
        return false;
    }
    memcpy(out->bytes, pub.bytes, 32);
    return true;
}

static bool param_netuid(const json_t *params, size_t pos, yuma_rpc_error *err, uint16_t *out)
{
    uint64_t v;
    if (!yuma_rpc_param_u64(params, pos, "netuid", true, &v, err)) return false;
    if (v > 65535) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"netuid\": %llu is above 65535", (unsigned long long)v);
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

/* For the method files (node_internal.h). */
json_t *node_hex_json(const uint8_t *b, size_t n)
{
    return hex_json(b, n);
}

json_t *node_address_json(const yuma_account *a)
{
    return address_json(a);
}

uint8_t *node_from_hex(const char *s, size_t *len)
{
    return from_hex(s, len);
}

bool node_param_account(const json_t *params, size_t pos, const char *name, yuma_account *out, yuma_rpc_error *err)
{
    return param_account(params, pos, name, out, err);
}

bool node_param_netuid(const json_t *params, size_t pos, yuma_rpc_error *err, uint16_t *out)
{
    return param_netuid(params, pos, err, out);
}

/* ---- methods ---- */

static json_t *m_head(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_node *n = node_of(call);
    uint8_t hash[32], root[32], genesis[32];
    pthread_mutex_lock(&n->lock);
    /* The head a client may rely on: persisted (see yuma_node_produce). */
    uint64_t height = n->writing ? n->persisted_height : yuma_chain_height(n->chain);
    if (n->writing) {
        memcpy(hash, n->persisted_hash, 32);
        memcpy(root, n->persisted_root, 32);
    } else {
        yuma_chain_last_hash(n->chain, hash);
        yuma_chain_state_root(n->chain, root);
    }
    yuma_chain_genesis_hash(n->chain, genesis);
    uint64_t chain_id = yuma_chain_id(n->chain);
    pthread_mutex_unlock(&n->lock);
    return json_pack("{s:I, s:o, s:o, s:o, s:I}", "height", (json_int_t)height, "hash", hex_json(hash, 32),
                     "state_root", hex_json(root, 32), "genesis_hash", hex_json(genesis, 32), "chain_id",
                     (json_int_t)chain_id);
}

static json_t *m_genesis(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    /* The genesis as the chain took it: every parameter explicit, with the
     * defaults a hand-written file left out (clients read fees from it). */
    char *text = yuma_genesis_to_json(&node_of(call)->genesis.genesis);
    json_error_t je;
    json_t *r = text ? json_loads(text, 0, &je) : NULL;
    free(text);
    if (!r) yuma_rpc_error_set(err, -32603, NULL, "out of memory");
    return r;
}

/* The block's encoding (include/yuma/cluster.h) as hex: what a cluster
 * peer catching up executes. Called with the node's lock held. */
static json_t *encoded_block(yuma_node *n, const yuma_store_block_info *info)
{
    yuma_store_txs t;
    if (yuma_store_block_txs(n->store, info->height, &t) != YUMA_STORE_OK) return NULL;
    yuma_block b = {.height = info->height, .author = info->author, .tx_count = t.count, .txs = t.txs};
    yuma_block_result r = {.tx_count = t.count, .call_status = t.call_status};
    memcpy(b.parent_hash, info->parent_hash, 32);
    memcpy(r.state_root, info->state_root, 32);
    memcpy(r.block_hash, info->hash, 32);
    uint8_t *enc = NULL;
    size_t len = 0;
    char *hex = yuma_block_encode(&b, &r, &enc, &len) ? malloc(2 * len + 1) : NULL;
    if (hex) to_hex(enc, len, hex);
    json_t *out = hex ? json_string(hex) : NULL;
    free(hex);
    free(enc);
    yuma_store_txs_free(&t);
    return out;
}

static json_t *m_block(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"height", "encoded", NULL};
    uint64_t height;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "height", true, &height, err))
        return NULL;
    const json_t *want = yuma_rpc_param(params, 1, "encoded");
    if (want && !json_is_boolean(want)) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"encoded\": true or false");
        return NULL;
    }
    yuma_node *n = node_of(call);
    yuma_store_block_info b;
    json_t *enc = NULL;
    pthread_mutex_lock(&n->lock);
    yuma_store_status st = yuma_store_block(n->store, height, &b);
    if (st == YUMA_STORE_OK && json_is_true(want) && !(enc = encoded_block(n, &b))) st = YUMA_STORE_ERR_NOMEM;
    pthread_mutex_unlock(&n->lock);
    if (st != YUMA_STORE_OK) {
        yuma_rpc_error_set(err, -32004, NULL, "no block at height %llu (%s)", (unsigned long long)height,
                           yuma_store_strerror(st));
        return NULL;
    }
    json_t *out = json_pack("{s:I, s:o, s:o, s:o, s:o, s:I}", "height", (json_int_t)b.height, "hash",
                            hex_json(b.hash, 32), "parent_hash", hex_json(b.parent_hash, 32), "author",
                            address_json(&b.author), "state_root", hex_json(b.state_root, 32), "tx_count",
                            (json_int_t)b.tx_count);
    if (out && enc) json_object_set_new(out, "encoded", enc);
    else json_decref(enc);
    return out;
}

/* Built field by field: a batch answers with thousands of these, and
 * json_pack parses its format string for every one. */
static json_t *submit_result(const yuma_mempool_result *r)
{
    json_t *o = json_object();
    if (o && (json_object_set_new(o, "id", hex_json(r->id, 32)) != 0 ||
              json_object_set_new(o, "accepted", json_boolean(r->status == YUMA_MEMPOOL_OK)) != 0 ||
              json_object_set_new(o, "message", json_string(r->message)) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *m_submit(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"tx", NULL};
    const char *hex;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_string(params, 0, "tx", true, &hex, err))
        return NULL;
    size_t len;
    uint8_t *bytes = from_hex(hex, &len);
    if (!bytes) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"tx\": not hex");
        return NULL;
    }
    yuma_node *n = node_of(call);
    yuma_mempool_result r;
    char why[600];
    pthread_mutex_lock(&n->lock);
    bool refused = n->hooks.refuse_writes && n->hooks.refuse_writes(n->hooks.user, why, sizeof why);
    if (!refused) yuma_mempool_submit(n->pool, n->chain, bytes, len, &r);
    if (!refused && r.status == YUMA_MEMPOOL_OK && n->hooks.accepted) n->hooks.accepted(n->hooks.user, bytes, len);
    pthread_mutex_unlock(&n->lock);
    free(bytes);
    if (refused) {
        yuma_rpc_error_set(err, YUMA_RPC_UNAVAILABLE, NULL, "unavailable: %s", why);
        return NULL;
    }
    if (r.status != YUMA_MEMPOOL_OK) {
        yuma_rpc_error_set(err, -32010, json_pack("{s:i}", "status", (int)r.status), "%s", r.message);
        return NULL;
    }
    return submit_result(&r);
}

static json_t *m_submit_batch(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"txs", NULL};
    if (!yuma_rpc_params_only(params, names, err)) return NULL;
    const json_t *arr = yuma_rpc_param(params, 0, "txs");
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 10000) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"txs\": an array of 1..10000 hex transactions");
        return NULL;
    }
    size_t count = json_array_size(arr);
    yuma_tx_bytes *txs = calloc(count, sizeof *txs);
    yuma_mempool_result *res = calloc(count, sizeof *res);
    json_t *out = NULL;
    bool ok = txs && res;
    for (size_t i = 0; ok && i < count; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        size_t len = 0;
        uint8_t *b = s ? from_hex(s, &len) : NULL;
        if (!b) {
            yuma_rpc_error_set(err, -32602, NULL, "param \"txs\"[%zu]: not hex", i);
            ok = false;
        }
        txs[i] = (yuma_tx_bytes){b, len};
    }
    if (ok) {
        yuma_node *n = node_of(call);
        /* Signatures are checked on all cores without the node lock; only
         * the state checks run under it. */
        yuma_mempool_checked *k = yuma_mempool_check(n->pool, txs, count);
        char why[600];
        if (!k) {
            yuma_rpc_error_set(err, -32603, NULL, "out of memory");
            ok = false;
        } else {
            pthread_mutex_lock(&n->lock);
            bool refused = n->hooks.refuse_writes && n->hooks.refuse_writes(n->hooks.user, why, sizeof why);
            if (refused) yuma_mempool_checked_free(k);
            else yuma_mempool_admit(n->pool, n->chain, k, res);
            for (size_t i = 0; !refused && n->hooks.accepted && i < count; i++)
                if (res[i].status == YUMA_MEMPOOL_OK) n->hooks.accepted(n->hooks.user, txs[i].data, txs[i].len);
            pthread_mutex_unlock(&n->lock);
            if (refused) {
                yuma_rpc_error_set(err, YUMA_RPC_UNAVAILABLE, NULL, "unavailable: %s", why);
                ok = false;
            }
        }
    }
    if (ok) {
        out = json_array();
        for (size_t i = 0; i < count; i++) json_array_append_new(out, submit_result(&res[i]));
    }
    for (size_t i = 0; txs && i < count; i++) free((void *)txs[i].data);
    free(txs);
    free(res);
    return out;
}

static json_t *m_tx_status(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"id", NULL};
    const char *hex;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_string(params, 0, "id", true, &hex, err))
        return NULL;
    size_t len;
    uint8_t *id = from_hex(hex, &len);
    if (!id || len != 32) {
        free(id);
        yuma_rpc_error_set(err, -32602, NULL, "param \"id\": 32 bytes of hex");
        return NULL;
    }
    yuma_node *n = node_of(call);
    yuma_store_tx_info info;
    pthread_mutex_lock(&n->lock);
    bool pending = yuma_mempool_contains(n->pool, id);
    yuma_store_status st = pending ? YUMA_STORE_ERR_NOT_FOUND : yuma_store_tx(n->store, id, &info);
    pthread_mutex_unlock(&n->lock);
    free(id);
    if (pending) return json_pack("{s:s}", "status", "pending");
    if (st != YUMA_STORE_OK) return json_pack("{s:s}", "status", "unknown");
    json_t *r = json_pack("{s:s, s:I, s:I, s:b, s:s}", "status", "included", "height", (json_int_t)info.height,
                          "index", (json_int_t)info.index, "ok", info.call_status == YUMA_CALL_OK, "result",
                          yuma_call_strerror(info.call_status));
    /* A rate limit says when it clears, so that clients can say when to retry. */
    if (r && info.retry_at) json_object_set_new(r, "retry_at_block", json_integer((json_int_t)info.retry_at));
    return r;
}

static json_t *m_account(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"address", NULL};
    yuma_account a;
    if (!yuma_rpc_params_only(params, names, err) || !param_account(params, 0, "address", &a, err)) return NULL;
    yuma_node *n = node_of(call);
    pthread_mutex_lock(&n->lock);
    uint64_t balance = yuma_chain_balance(n->chain, &a), nonce = yuma_chain_nonce(n->chain, &a);
    uint64_t next = yuma_mempool_next_nonce(n->pool, n->chain, &a);
    pthread_mutex_unlock(&n->lock);
    return json_pack("{s:I, s:I, s:I}", "balance", (json_int_t)balance, "nonce", (json_int_t)nonce, "next_nonce",
                     (json_int_t)next);
}

static json_t *m_stake(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"hotkey", "coldkey", "netuid", NULL};
    yuma_account hk, ck;
    uint16_t netuid;
    if (!yuma_rpc_params_only(params, names, err) || !param_account(params, 0, "hotkey", &hk, err) ||
        !param_account(params, 1, "coldkey", &ck, err) || !param_netuid(params, 2, err, &netuid))
        return NULL;
    yuma_node *n = node_of(call);
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    uint64_t own = stake_of(kv, &hk, &ck, netuid), total = stake_total(kv, &hk, netuid);
    pthread_mutex_unlock(&n->lock);
    return json_pack("{s:I, s:I}", "stake", (json_int_t)own, "hotkey_total", (json_int_t)total);
}

static json_t *subnet_json(uint16_t netuid, const subnet_rec *s)
{
    const yuma_hyperparams *h = &s->hp;
    json_t *hp = json_pack("{s:i, s:I, s:i, s:i, s:I, s:i, s:b, s:b, s:i, s:i, s:i, s:I, s:i, s:I, s:I, s:b, s:I}",
                           "tempo", h->tempo, "activity_cutoff_factor_milli", (json_int_t)h->activity_cutoff_factor_milli,
                           "kappa", h->kappa, "bonds_penalty", h->bonds_penalty, "bonds_moving_average",
                           (json_int_t)h->bonds_moving_average, "max_allowed_validators", h->max_allowed_validators,
                           "yuma3", h->yuma3, "liquid_alpha", h->liquid_alpha, "alpha_low", h->alpha_low,
                           "alpha_high", h->alpha_high, "alpha_sigmoid_steepness", h->alpha_sigmoid_steepness,
                           "stake_threshold", (json_int_t)h->stake_threshold, "min_allowed_weights",
                           s->min_allowed_weights, "weights_rate_limit", (json_int_t)s->weights_rate_limit,
                           "immunity_period", (json_int_t)s->immunity_period, "commit_reveal", s->commit_reveal,
                           "max_allowed_uids", (json_int_t)s->max_uids);
    return json_pack("{s:i, s:o, s:o, s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "netuid", netuid,
                     "owner_coldkey", address_json(&s->owner_coldkey), "owner_hotkey", address_json(&s->owner_hotkey),
                     "registered_at", (json_int_t)s->registered_at, "first_emission_block",
                     (json_int_t)s->first_emission_block, "n", s->n, "burn", (json_int_t)s->burn, "pool_tao",
                     (json_int_t)s->pool.tao, "pool_alpha", (json_int_t)s->pool.alpha_in, "alpha_out",
                     (json_int_t)s->alpha_out, "last_epoch_block", (json_int_t)s->last_epoch_block, "epoch_index",
                     (json_int_t)s->epoch_index, "lock", (json_int_t)s->lock, "hyperparameters", hp);
}

static json_t *m_subnets(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_node *n = node_of(call);
    json_t *arr = json_array();
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    for (uint16_t id = 1; id <= YUMA_MAX_NETUID; id++) {
        subnet_rec s;
        if (subnet_get(kv, id, &s)) json_array_append_new(arr, subnet_json(id, &s));
    }
    pthread_mutex_unlock(&n->lock);
    return arr;
}

static json_t *m_subnet(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", NULL};
    uint16_t netuid;
    if (!yuma_rpc_params_only(params, names, err) || !param_netuid(params, 0, err, &netuid)) return NULL;
    yuma_node *n = node_of(call);
    subnet_rec s;
    pthread_mutex_lock(&n->lock);
    bool found = subnet_get(yuma_chain_state(n->chain), netuid, &s);
    pthread_mutex_unlock(&n->lock);
    if (!found) {
        yuma_rpc_error_set(err, -32004, NULL, "no subnet %u: `yuma subnet list` shows the subnets", netuid);
        return NULL;
    }
    return subnet_json(netuid, &s);
}

/* Every per-uid field of the reference's metagraph that this chain has. */
static json_t *m_metagraph(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", NULL};
    uint16_t netuid;
    if (!yuma_rpc_params_only(params, names, err) || !param_netuid(params, 0, err, &netuid)) return NULL;
    yuma_node *n = node_of(call);
    json_t *uids = json_array(), *out = NULL;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    subnet_rec s;
    if (subnet_get(kv, netuid, &s)) {
        for (uint16_t uid = 0; uid < s.n; uid++) {
            neuron_rec nr;
            hotkey_rec h;
            if (!neuron_get(kv, netuid, uid, &nr)) continue;
            bool owned = hotkey_get(kv, &nr.hotkey, &h);
            axon_rec ax;
            json_t *axon = json_null();
            if (axon_get(kv, netuid, &nr.hotkey, &ax)) {
                char ip[40];
                to_hex(ax.ip, 16, ip);
                axon = json_pack("{s:s, s:i, s:i, s:I}", "ip", ip, "port", ax.port, "protocol", ax.protocol,
                                 "version", (json_int_t)ax.version);
            }
            json_array_append_new(
                uids, json_pack("{s:i, s:o, s:o, s:I, s:I, s:i, s:i, s:i, s:i, s:i, s:I, s:b, s:b, s:I, s:I, s:o}",
                                "uid", uid, "hotkey", address_json(&nr.hotkey), "coldkey",
                                owned ? address_json(&h.owner) : json_null(), "stake",
                                (json_int_t)stake_total(kv, &nr.hotkey, netuid), "root_stake",
                                (json_int_t)stake_total(kv, &nr.hotkey, 0), "consensus", nr.consensus, "incentive",
                                nr.incentive, "dividends", nr.dividends, "validator_trust", nr.validator_trust,
                                "stake_weight", nr.stake_weight, "emission", (json_int_t)nr.emission,
                                "validator_permit", nr.validator_permit, "active", nr.active, "last_update",
                                (json_int_t)nr.last_update, "registered_at", (json_int_t)nr.registered_at, "axon",
                                axon));
        }
        out = json_pack("{s:i, s:I, s:o}", "netuid", netuid, "block", (json_int_t)yuma_chain_height(n->chain), "uids",
                        uids);
    }
    pthread_mutex_unlock(&n->lock);
    if (!out) {
        json_decref(uids);
        yuma_rpc_error_set(err, -32004, NULL, "no subnet %u: `yuma subnet list` shows the subnets", netuid);
    }
    return out;
}

static json_t *health(void *user)
{
    yuma_node *n = user;
    pthread_mutex_lock(&n->lock);
    uint64_t h = n->writing ? n->persisted_height : yuma_chain_height(n->chain); /* as chain_head */
    size_t pending = yuma_mempool_count(n->pool);
    json_t *out = json_pack("{s:s, s:I, s:I}", "status", "ok", "height", (json_int_t)h, "mempool", (json_int_t)pending);
    if (out && n->hooks.health) n->hooks.health(n->hooks.user, out);
    pthread_mutex_unlock(&n->lock);
    return out;
}

static char *metrics(void *user)
{
    yuma_node *n = user;
    if (!atomic_load(&n->hooked)) return NULL; /* a single node: nothing to add, no lock */
    pthread_mutex_lock(&n->lock);
    char *text = n->hooks.metrics ? n->hooks.metrics(n->hooks.user) : NULL;
    pthread_mutex_unlock(&n->lock);
    return text;
}

void yuma_node_set_hooks(yuma_node *n, const yuma_node_hooks *h)
{
    pthread_mutex_lock(&n->lock);
    if (h) n->hooks = *h;
    else memset(&n->hooks, 0, sizeof n->hooks);
    atomic_store(&n->hooked, h != NULL);
    pthread_mutex_unlock(&n->lock);
}

static bool add_methods(yuma_node *n, char *err, size_t errlen)
{
    const yuma_rpc_method methods[] = {
        {"chain_head", m_head, 0, n},          {"chain_genesis", m_genesis, 0, n},
        {"chain_getBlock", m_block, 0, n},     {"tx_submit", m_submit, YUMA_RPC_WRITE, n},
        {"tx_submitBatch", m_submit_batch, YUMA_RPC_WRITE, n},
        {"tx_status", m_tx_status, 0, n},      {"account_get", m_account, 0, n},
        {"stake_get", m_stake, 0, n},          {"subnet_list", m_subnets, 0, n},
        {"subnet_get", m_subnet, 0, n},        {"metagraph_get", m_metagraph, 0, n},
        {"chain_getEvents", node_m_events, 0, n},
        {"weights_pendingCommits", node_m_pending_commits, 0, n},
        {"commitment_get", node_m_commitment, 0, n},
        {"gov_log", node_m_gov_log, 0, n},
        {"gov_logVerify", node_m_gov_log_verify, 0, n},
        {"gov_emissionHistory", node_m_gov_emission_history, 0, n},
        {"gov_concentration", node_m_gov_concentration, 0, n},
        {"gov_guardians", node_m_gov_guardians, 0, n},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!yuma_rpc_add_method(n->rpc, &methods[i], err, errlen)) return false;
    return gov_rpc_methods(n, err, errlen); /* gov_rpc.c: proposals, votes, council, documents */
}

/* ---- opening ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) break;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

yuma_node *yuma_node_open(const yuma_node_config *cfg, char *err, size_t errlen)
{
    /* glibc gives threads that allocate at the same time arenas of their
     * own, and memory freed in one arena serves only that one: with RPC
     * threads parsing two batches of megabytes at once, the benchmark
     * node's peak resident memory was 64 MB with the default (up to 8 per
     * core) and 57 MB with 2, at the same CPU time (docs/PERFORMANCE.md). */
    mallopt(M_ARENA_MAX, 2);
    yuma_node *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    if (!n->cfg.block_interval_ms) n->cfg.block_interval_ms = 12000;
    if (!n->cfg.max_block_txs) n->cfg.max_block_txs = 10000;
    pthread_mutex_init(&n->lock, NULL);
    if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the data directory %s: %s", cfg->data_dir, strerror(errno));
        yuma_node_close(n);
        return NULL;
    }
    char path[4096], msg[512];
    snprintf(path, sizeof path, "%s/yuma.db", cfg->data_dir);
    yuma_store_status st = yuma_store_open(path, &n->store, msg, sizeof msg);
    if (st != YUMA_STORE_OK) {
        snprintf(err, errlen, "%s", msg);
        yuma_node_close(n);
        return NULL;
    }
    /* The genesis: the store's own copy, else the file, else the devnet's. */
    uint8_t *doc = NULL;
    size_t doc_len = 0;
    char *text = NULL;
    if (yuma_store_genesis_doc(n->store, &doc, &doc_len) == YUMA_STORE_OK && doc_len) {
        text = malloc(doc_len + 1);
        if (text) {
            memcpy(text, doc, doc_len);
            text[doc_len] = 0;
        }
        free(doc);
    } else if (cfg->genesis_path) {
        text = read_file(cfg->genesis_path, &doc_len);
        if (!text) {
            snprintf(err, errlen, "cannot read the genesis file %s: %s", cfg->genesis_path, strerror(errno));
            yuma_node_close(n);
            return NULL;
        }
    } else if (cfg->dev_genesis) {
        const char *const *names = yuma_dev_names;
        size_t count = 0;
        while (names[count]) count++;
        yuma_genesis_file dev;
        if (!yuma_genesis_devnet(names, count, 1000000 * YUMA_RAO_PER_TAO, &dev)) {
            snprintf(err, errlen, "out of memory");
            yuma_node_close(n);
            return NULL;
        }
        text = yuma_genesis_to_json(&dev.genesis);
        yuma_genesis_file_free(&dev);
        doc_len = text ? strlen(text) : 0;
    } else {
        snprintf(err, errlen, "a new data directory needs a genesis: pass --genesis FILE (or --dev for a devnet)");
        yuma_node_close(n);
        return NULL;
    }
    char why[256];
    if (!text || !yuma_genesis_parse(text, strlen(text), &n->genesis, why, sizeof why)) {
        snprintf(err, errlen, "genesis: %s", text ? why : "out of memory");
        free(text);
        yuma_node_close(n);
        return NULL;
    }
    n->genesis_json = text;
    if ((st = yuma_store_bind_genesis(n->store, &n->genesis.genesis, text, strlen(text))) != YUMA_STORE_OK ||
        (st = yuma_store_load(n->store, &n->genesis.genesis, &n->chain)) != YUMA_STORE_OK) {
        snprintf(err, errlen, "store %s: %s (%s)", path, yuma_store_strerror(st), yuma_store_message(n->store));
        yuma_node_close(n);
        return NULL;
    }
    yuma_mempool_config mc = yuma_mempool_config_default();
    if (cfg->mempool_capacity) mc.max_count = cfg->mempool_capacity;
    if (cfg->mempool_per_sender) {
        mc.max_per_sender = cfg->mempool_per_sender;
        if (mc.nonce_window < mc.max_per_sender) mc.nonce_window = mc.max_per_sender;
    }
    n->pool = yuma_mempool_new(&mc);
    yuma_rpc_config rc = {.address = cfg->rpc_address, .port = cfg->rpc_port, .auth_token = cfg->rpc_token,
                          .rate_per_s = 2000, .health = health, .health_user = n, .metrics = metrics,
                          .metrics_user = n};
    n->rpc = n->pool ? yuma_rpc_new(&rc) : NULL;
    if (!n->rpc || !add_methods(n, err, errlen) || !yuma_rpc_start(n->rpc, err, errlen)) {
        if (!n->rpc) snprintf(err, errlen, "out of memory");
        yuma_node_close(n);
        return NULL;
    }
    return n;
}

void yuma_node_close(yuma_node *n)
{
    if (!n) return;
    yuma_rpc_free(n->rpc);
    yuma_mempool_free(n->pool);
    yuma_chain_free(n->chain);
    yuma_store_close(n->store);
    yuma_genesis_file_free(&n->genesis);
    free(n->genesis_json);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

uint16_t yuma_node_rpc_port(const yuma_node *n)
{
    return yuma_rpc_port(n->rpc);
}

uint64_t yuma_node_height(yuma_node *n)
{
    pthread_mutex_lock(&n->lock);
    uint64_t h = yuma_chain_height(n->chain);
    pthread_mutex_unlock(&n->lock);
    return h;
}

/* ---- producing ---- */

/* Persists the block the chain has just applied. In cluster mode (a
 * commit hook) everything stays under the lock, as the hooks expect.
 * Alone, the node stages the block's changes under the lock, then lets go
 * of it while SQLite writes and fsyncs the block (the longest step), so
 * that submissions are checked against the chain meanwhile; chain_head
 * keeps answering with the persisted head until the write returns, the
 * block's transactions stay in the mempool (tx_status: "pending") until
 * then, and the block is announced only after it. Nothing else applies
 * blocks to a single node's chain, so it stays one block ahead of the
 * store at most, and a crash loses only what was never reported. Called
 * with the lock held; returns with it released. */
static yuma_store_status persist(yuma_node *n, const yuma_block *b, const yuma_block_result *res, const uint8_t prev_hash[32],
                                 const uint8_t prev_root[32], char *why, size_t whylen)
{
    yuma_store_status st;
    if (n->hooks.commit) {
        st = yuma_store_commit_block(n->store, n->chain, b, res);
        if (st == YUMA_STORE_OK) yuma_mempool_remove_included(n->pool, n->chain, b->txs, b->tx_count);
        else snprintf(why, whylen, "%s", yuma_store_message(n->store));
        pthread_mutex_unlock(&n->lock);
        return st;
    }
    st = yuma_store_stage_block(n->store, n->chain, b, res);
    if (st != YUMA_STORE_OK) {
        snprintf(why, whylen, "%s", yuma_store_message(n->store));
        pthread_mutex_unlock(&n->lock);
        return st;
    }
    n->writing = true;
    n->persisted_height = b->height - 1;
    memcpy(n->persisted_hash, prev_hash, 32);
    memcpy(n->persisted_root, prev_root, 32);
    pthread_mutex_unlock(&n->lock);
    st = yuma_store_write_staged(n->store, b, res);
    if (st != YUMA_STORE_OK) snprintf(why, whylen, "%s", yuma_store_write_message(n->store));
    pthread_mutex_lock(&n->lock);
    if (st == YUMA_STORE_OK) {
        yuma_mempool_remove_included(n->pool, n->chain, b->txs, b->tx_count);
        n->writing = false;
    }
    /* After a failed write the node stops: chain_head stays at the
     * persisted block, which is where a restart continues. */
    pthread_mutex_unlock(&n->lock);
    return st;
}

bool yuma_node_produce(yuma_node *n, char *err, size_t errlen)
{
    pthread_mutex_lock(&n->lock);
    yuma_mempool_block sel;
    bool ok = yuma_mempool_next_block(n->pool, n->chain, n->cfg.max_block_txs, &sel) == YUMA_MEMPOOL_OK;
    if (!ok) {
        pthread_mutex_unlock(&n->lock);
        snprintf(err, errlen, "out of memory selecting transactions");
        return false;
    }
    /* A byte limit keeps a prefix of the selection, which the chain
     * accepts as well: per signer it is a prefix of consecutive nonces. */
    size_t count = sel.count, bytes = 0;
    for (size_t i = 0; n->cfg.max_block_bytes && i < sel.count; i++)
        if ((bytes += sel.txs[i].len) > n->cfg.max_block_bytes) {
            count = i ? i : 1;
            break;
        }
    yuma_block b = {.height = yuma_chain_height(n->chain) + 1, .author = n->cfg.author, .tx_count = count,
                    .txs = sel.txs, .signatures_verified = true};
    uint8_t prev_root[32];
    yuma_chain_last_hash(n->chain, b.parent_hash);
    yuma_chain_state_root(n->chain, prev_root);
    yuma_block_result res;
    yuma_chain_status cs = yuma_chain_apply_block(n->chain, &b, &res);
    if (cs != YUMA_CHAIN_OK) {
        /* The selection is supposed to be valid; drop the offender and let
         * the next interval try again rather than stopping the chain. */
        if (cs != YUMA_CHAIN_ERR_NOMEM && res.failed_tx < count) yuma_mempool_remove(n->pool, sel.ids[res.failed_tx]);
        yuma_mempool_block_free(&sel);
        pthread_mutex_unlock(&n->lock);
        if (cs == YUMA_CHAIN_ERR_NOMEM) {
            snprintf(err, errlen, "out of memory applying a block");
            return false;
        }
        return true;
    }
    /* Cluster mode: the block counts only once etcd committed it. */
    int commit = n->hooks.commit ? n->hooks.commit(n->hooks.user, &b, &res, err, errlen) : YUMA_NODE_COMMIT_OK;
    if (commit != YUMA_NODE_COMMIT_OK) {
        free(res.call_status);
        yuma_mempool_block_free(&sel);
        pthread_mutex_unlock(&n->lock);
        return commit == YUMA_NODE_COMMIT_SKIP;
    }
    char why[512] = "";
    yuma_store_status st = persist(n, &b, &res, b.parent_hash, prev_root, why, sizeof why); /* unlocks */
    uint64_t height = b.height;
    json_t *info = st == YUMA_STORE_OK ? json_pack("{s:I, s:o, s:I}", "height", (json_int_t)height, "hash",
                                                   hex_json(res.block_hash, 32), "tx_count", (json_int_t)count)
                                       : NULL;
    free(res.call_status);
    yuma_mempool_block_free(&sel);
    if (st != YUMA_STORE_OK) {
        snprintf(err, errlen, "cannot persist block %llu: %s (%s); stopping: a restart continues from the last "
                              "committed block", (unsigned long long)height, yuma_store_strerror(st), why);
        return false;
    }
    yuma_rpc_notify_block_info(n->rpc, height, info);
    return true;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool yuma_node_run(yuma_node *n, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    /* Blocks start every interval, whatever producing one took: the
     * interval is the chain's pace, not a pause between blocks. A block that
     * took longer than the interval is followed at once (no catching up
     * with a burst of blocks). */
    uint64_t next = monotonic_ms();
    while (!*stop) {
        next += n->cfg.block_interval_ms;
        if (!yuma_node_produce(n, err, errlen)) return false;
        uint64_t now = monotonic_ms();
        if (now >= next) next = now;
        /* Sleep in short steps so Ctrl-C is honoured promptly. */
        while (!*stop && (now = monotonic_ms()) < next) sleep_ms(next - now < 50 ? next - now : 50);
    }
    return true;
}

bool yuma_node_verify(const char *data_dir, uint64_t *height, char *err, size_t errlen)
{
    char path[4096], msg[512];
    snprintf(path, sizeof path, "%s/yuma.db", data_dir);
    yuma_store *store;
    if (yuma_store_open(path, &store, msg, sizeof msg) != YUMA_STORE_OK) {
        snprintf(err, errlen, "%s", msg);
        return false;
    }
    uint8_t *doc = NULL;
    size_t len = 0;
    yuma_genesis_file g = {0};
    char why[256];
    bool ok = yuma_store_genesis_doc(store, &doc, &len) == YUMA_STORE_OK && doc;
    char *text = ok ? malloc(len + 1) : NULL;
    if (text) {
        memcpy(text, doc, len);
        text[len] = 0;
    }
    ok = text && yuma_genesis_parse(text, len, &g, why, sizeof why);
    if (!ok) snprintf(err, errlen, "%s has no readable genesis", path);
    yuma_chain *loaded = NULL;
    uint8_t replayed[32], current[32];
    uint64_t replay_height = 0;
    yuma_store_status st = YUMA_STORE_OK;
    if (ok && (st = yuma_store_load(store, &g.genesis, &loaded)) != YUMA_STORE_OK) ok = false;
    if (ok && (st = yuma_store_replay(store, &g.genesis, replayed, &replay_height)) != YUMA_STORE_OK) ok = false;
    if (!ok && st != YUMA_STORE_OK)
        snprintf(err, errlen, "%s: %s (%s)", path, yuma_store_strerror(st), yuma_store_message(store));
    if (ok) {
        yuma_chain_state_root(loaded, current);
        *height = yuma_chain_height(loaded);
        if (replay_height != *height || memcmp(current, replayed, 32) != 0) {
            snprintf(err, errlen, "%s: the stored state at height %llu differs from a replay of its blocks", path,
                     (unsigned long long)*height);
            ok = false;
        }
    }
    yuma_chain_free(loaded);
    yuma_genesis_file_free(&g);
    free(text);
    free(doc);
    yuma_store_close(store);
    return ok;
}
