/*
 * client.c - the SDK's chain client (include/yuma/sdk_client.h): one RPC
 * connection, signing and submitting calls, following them to inclusion
 * with the node's long poll, and the neuron calls (register, serve_axon,
 * set_commitment). Weights live in weights.c.
 *
 * The chain id, genesis hash and fee rule are read once per client: they
 * are fixed by the genesis. The nonce is read for every call from
 * account_get.next_nonce, which counts the signer's pending transactions,
 * so several calls in a row need no local bookkeeping and a restarted
 * process picks up where the chain is.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/sdk/sdk_internal.h"
#include "yuma/sdk_client.h"

struct yuma_sdk_client {
    yuma_rpc_client *rpc;
    bool owns_rpc;
    unsigned wait_blocks;
    bool have_chain;
    uint64_t chain_id;
    uint8_t genesis_hash[32];
    uint64_t min_fee, fee_per_byte;
};

yuma_sdk_client *yuma_sdk_client_new(const yuma_sdk_config *cfg, char *err, size_t errlen)
{
    yuma_sdk_config d = cfg ? *cfg : (yuma_sdk_config){0};
    yuma_rpc_client_config rc = {.url = d.url && *d.url ? d.url : "http://127.0.0.1:9944/",
                                 .auth_token = d.auth_token,
                                 .timeout_ms = d.timeout_ms};
    yuma_rpc_client *rpc = yuma_rpc_client_new(&rc);
    yuma_sdk_client *c = rpc ? yuma_sdk_client_wrap(rpc, d.wait_blocks) : NULL;
    if (!c) {
        yuma_rpc_client_free(rpc);
        sdk_msg(err, errlen, "cannot make an RPC client for %s (out of memory, or libcurl failed to start)", rc.url);
        return NULL;
    }
    c->owns_rpc = true;
    return c;
}

yuma_sdk_client *yuma_sdk_client_wrap(yuma_rpc_client *rpc, unsigned wait_blocks)
{
    if (!rpc) return NULL;
    yuma_sdk_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->rpc = rpc;
    c->wait_blocks = wait_blocks ? wait_blocks : 64;
    return c;
}

void yuma_sdk_client_free(yuma_sdk_client *c)
{
    if (!c) return;
    if (c->owns_rpc) yuma_rpc_client_free(c->rpc);
    free(c);
}

yuma_rpc_client *yuma_sdk_rpc(yuma_sdk_client *c)
{
    return c->rpc;
}

json_t *yuma_sdk_call(yuma_sdk_client *c, const char *method, json_t *params, char *err, size_t errlen)
{
    yuma_rpc_client_error e;
    json_t *r = yuma_rpc_client_call(c->rpc, method, params, &e);
    json_decref(params);
    if (!r) sdk_msg(err, errlen, "%s", e.message);
    return r;
}

static uint64_t u64_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v) : 0;
}

bool yuma_sdk_head(yuma_sdk_client *c, uint64_t *height, char *err, size_t errlen)
{
    json_t *h = yuma_sdk_call(c, "chain_head", NULL, err, errlen);
    if (!h) return false;
    *height = u64_of(h, "height");
    json_decref(h);
    return true;
}

bool yuma_sdk_wait_block(yuma_sdk_client *c, uint64_t after, unsigned timeout_ms, uint64_t *height, char *err,
                         size_t errlen)
{
    yuma_rpc_client_error e;
    bool timed_out;
    if (yuma_rpc_client_wait_block(c->rpc, after, timeout_ms, height, &timed_out, &e)) return true;
    sdk_msg(err, errlen, "%s", e.message);
    return false;
}

const char *yuma_sdk_outcome_name(yuma_sdk_outcome o)
{
    switch (o) {
    case YUMA_SDK_ERROR: return "error";
    case YUMA_SDK_REFUSED: return "refused";
    case YUMA_SDK_PENDING: return "pending";
    case YUMA_SDK_DROPPED: return "dropped";
    case YUMA_SDK_TIMEOUT: return "timeout";
    case YUMA_SDK_FAILED: return "failed";
    case YUMA_SDK_OK: return "ok";
    }
    return "unknown";
}

/* The genesis facts every transaction carries, read once. */
static bool load_chain(yuma_sdk_client *c, char *err, size_t errlen)
{
    if (c->have_chain) return true;
    json_t *head = yuma_sdk_call(c, "chain_head", NULL, err, errlen);
    json_t *gen = head ? yuma_sdk_call(c, "chain_genesis", NULL, err, errlen) : NULL;
    bool ok = head && gen && sdk_unhex(json_string_value(json_object_get(head, "genesis_hash")), c->genesis_hash, 32);
    if (ok) {
        const json_t *p = json_object_get(gen, "params");
        c->chain_id = u64_of(head, "chain_id");
        c->min_fee = u64_of(p, "min_fee");
        c->fee_per_byte = u64_of(p, "fee_per_byte");
        c->have_chain = true;
    } else if (head && gen) {
        sdk_msg(err, errlen, "chain_head answered without a genesis hash; is this a yuma node?");
    }
    json_decref(head);
    json_decref(gen);
    return ok;
}

static bool sign_tx(yuma_sdk_client *c, const yuma_keypair *kp, const yuma_call *call, uint64_t nonce, yuma_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->chain_id = c->chain_id;
    memcpy(tx->genesis_hash, c->genesis_hash, 32);
    memcpy(tx->signer.bytes, kp->pub.bytes, 32);
    tx->nonce = nonce;
    tx->call = *call;
    tx->fee = c->min_fee + c->fee_per_byte * yuma_tx_encoded_size(tx);
    return yuma_tx_sign(tx, kp->secret);
}

static void set_failed_message(yuma_sdk_tx_result *r)
{
    if (r->retry_at_block)
        sdk_msg(r->message, sizeof r->message,
                "included in block %llu but failed: %s (the fee was paid); it clears at block %llu (%llu blocks "
                "after this one): send it again then",
                (unsigned long long)r->height, r->result, (unsigned long long)r->retry_at_block,
                (unsigned long long)(r->retry_at_block - r->height));
    else
        sdk_msg(r->message, sizeof r->message, "included in block %llu but failed: %s (the fee was paid)",
                (unsigned long long)r->height, r->result);
}

/* Reads tx_status once: 1 = included (r filled), 0 = pending, -1 = the
 * node does not know it, -2 = no answer. */
static int poll_status(yuma_sdk_client *c, yuma_sdk_tx_result *r)
{
    json_t *st = yuma_sdk_call(c, "tx_status", json_pack("{s:s}", "id", r->id), r->message, sizeof r->message);
    if (!st) return -2;
    const char *s = json_string_value(json_object_get(st, "status"));
    int out = s && strcmp(s, "included") == 0 ? 1 : s && strcmp(s, "pending") == 0 ? 0 : -1;
    if (out == 1) {
        r->height = u64_of(st, "height");
        r->index = (uint32_t)u64_of(st, "index");
        r->retry_at_block = u64_of(st, "retry_at_block");
        const char *res = json_string_value(json_object_get(st, "result"));
        sdk_msg(r->result, sizeof r->result, "%s", res ? res : "");
        if (json_is_true(json_object_get(st, "ok"))) {
            r->outcome = YUMA_SDK_OK;
            sdk_msg(r->message, sizeof r->message, "included in block %llu (%s)", (unsigned long long)r->height,
                    r->id);
        } else {
            r->outcome = YUMA_SDK_FAILED;
            set_failed_message(r);
        }
    }
    json_decref(st);
    return out;
}

/* Follows new blocks (long poll) until the transaction is in one, or
 * wait_blocks blocks have passed. */
static void follow(yuma_sdk_client *c, uint64_t height, yuma_sdk_tx_result *r)
{
    uint64_t start = height;
    bool unknown_once = false;
    for (;;) {
        int st = poll_status(c, r);
        if (st == 1) return;
        if (st == -2) {
            r->outcome = YUMA_SDK_ERROR;
            return;
        }
        if (st == -1) {
            /* Unknown twice, a block apart: it left the pool unincluded. */
            if (unknown_once) {
                r->outcome = YUMA_SDK_DROPPED;
                sdk_msg(r->message, sizeof r->message,
                        "transaction %s left the node's pool without being included (replaced or evicted); send "
                        "it again",
                        r->id);
                return;
            }
            unknown_once = true;
        }
        if (height - start >= c->wait_blocks) break;
        char why[512];
        uint64_t h = height;
        if (!yuma_sdk_wait_block(c, height, 15000, &h, why, sizeof why)) {
            r->outcome = YUMA_SDK_ERROR;
            sdk_msg(r->message, sizeof r->message, "lost the node while waiting for %s: %s", r->id, why);
            return;
        }
        height = h;
    }
    r->outcome = YUMA_SDK_TIMEOUT;
    sdk_msg(r->message, sizeof r->message,
            "transaction %s was not included in %u blocks; it may still be: check it with 'yuma tx %s'", r->id,
            c->wait_blocks, r->id);
}

static bool submit(yuma_sdk_client *c, const yuma_tx *tx, yuma_sdk_tx_result *r)
{
    static _Thread_local uint8_t buf[YUMA_TX_MAX_ENCODED];
    size_t len = yuma_tx_encode(tx, buf, sizeof buf);
    char *hex = len ? malloc(2 * len + 1) : NULL;
    if (!hex) {
        sdk_msg(r->message, sizeof r->message, "the call cannot be encoded (check its arguments)");
        return false;
    }
    sdk_hex(buf, len, hex);
    yuma_rpc_client_error e;
    json_t *params = json_pack("{s:s}", "tx", hex);
    free(hex);
    json_t *res = params ? yuma_rpc_client_call(c->rpc, "tx_submit", params, &e) : NULL;
    json_decref(params);
    if (!params) {
        sdk_msg(r->message, sizeof r->message, "out of memory");
        return false;
    }
    if (!res) {
        if (e.status == YUMA_RPC_CLIENT_REMOTE) {
            r->outcome = YUMA_SDK_REFUSED;
            sdk_msg(r->message, sizeof r->message, "the node refused the transaction: %s", e.message);
        } else {
            sdk_msg(r->message, sizeof r->message, "%s; transaction %s may or may not have reached the node", e.message,
                    r->id);
        }
        return false;
    }
    json_decref(res);
    return true;
}

bool yuma_sdk_send(yuma_sdk_client *c, const yuma_keypair *signer, const yuma_call *call, bool wait,
                   yuma_sdk_tx_result *r)
{
    memset(r, 0, sizeof *r);
    if (yuma_call_check(call) != YUMA_TX_OK) {
        sdk_msg(r->message, sizeof r->message, "the call cannot be encoded: %s",
                yuma_tx_strerror(yuma_call_check(call)));
        return false;
    }
    if (!load_chain(c, r->message, sizeof r->message)) return false;
    yuma_pubkey pub = signer->pub;
    char addr[YUMA_SS58_MAX];
    sdk_ss58(&pub, addr);
    uint64_t height;
    if (!yuma_sdk_head(c, &height, r->message, sizeof r->message)) return false;
    json_t *acct = yuma_sdk_call(c, "account_get", json_pack("{s:s}", "address", addr), r->message, sizeof r->message);
    if (!acct) return false;
    uint64_t nonce = u64_of(acct, "next_nonce");
    json_decref(acct);
    yuma_tx *tx = malloc(sizeof *tx);
    bool signed_ok = tx && sign_tx(c, signer, call, nonce, tx);
    uint8_t id[32];
    if (!signed_ok || !yuma_tx_hash(tx, id)) {
        free(tx);
        sdk_msg(r->message, sizeof r->message, "the call cannot be signed (out of memory, or a bad argument)");
        return false;
    }
    sdk_hex(id, 32, r->id);
    r->nonce = nonce;
    r->fee = tx->fee;
    bool sent = submit(c, tx, r);
    free(tx);
    if (!sent) return false;
    if (!wait) {
        r->outcome = YUMA_SDK_PENDING;
        sdk_msg(r->message, sizeof r->message, "submitted %s (fee %llu rao)", r->id, (unsigned long long)r->fee);
        return true;
    }
    follow(c, height, r);
    return r->outcome == YUMA_SDK_OK;
}

/* ---- the neuron calls ---- */

static yuma_call new_call(yuma_call_kind kind, uint16_t netuid)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.netuid = netuid;
    return c;
}

bool yuma_sdk_register(yuma_sdk_client *c, const yuma_keypair *coldkey, const yuma_pubkey *hotkey, uint16_t netuid,
                       yuma_sdk_tx_result *r)
{
    yuma_call call = new_call(YUMA_CALL_BURNED_REGISTER, netuid);
    memcpy(call.hotkey.bytes, hotkey->bytes, 32);
    return yuma_sdk_send(c, coldkey, &call, true, r);
}

/* IPv4 text becomes the IPv4-mapped form the chain stores. */
static bool parse_ip(const char *ip, uint8_t out[16])
{
    struct in_addr v4;
    struct in6_addr v6;
    if (ip && inet_pton(AF_INET, ip, &v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &v4, 4);
        return true;
    }
    if (ip && inet_pton(AF_INET6, ip, &v6) == 1) {
        memcpy(out, &v6, 16);
        return true;
    }
    return false;
}

bool yuma_sdk_serve_axon(yuma_sdk_client *c, const yuma_keypair *hotkey, uint16_t netuid, const char *ip,
                         uint16_t port, uint8_t protocol, uint32_t version, yuma_sdk_tx_result *r)
{
    yuma_call call = new_call(YUMA_CALL_SERVE_AXON, netuid);
    if (!parse_ip(ip, call.axon_ip)) {
        memset(r, 0, sizeof *r);
        sdk_msg(r->message, sizeof r->message, "\"%.64s\" is not an IPv4 or IPv6 address", ip ? ip : "");
        return false;
    }
    call.axon_port = port;
    call.axon_protocol = protocol;
    call.axon_version = version;
    return yuma_sdk_send(c, hotkey, &call, true, r);
}

bool yuma_sdk_set_commitment(yuma_sdk_client *c, const yuma_keypair *hotkey, uint16_t netuid, const void *data,
                             size_t len, yuma_sdk_tx_result *r)
{
    if (len > YUMA_TX_MAX_COMMITMENT || (len && !data)) {
        memset(r, 0, sizeof *r);
        sdk_msg(r->message, sizeof r->message, "a commitment holds at most %d bytes, not %zu",
                YUMA_TX_MAX_COMMITMENT, len);
        return false;
    }
    yuma_call call = new_call(YUMA_CALL_SET_COMMITMENT, netuid);
    if (len) memcpy(call.data, data, len);
    call.data_len = (uint32_t)len;
    return yuma_sdk_send(c, hotkey, &call, true, r);
}
