/*
 * commits_rpc.c - weights_pendingCommits: a hotkey's unrevealed weight
 * commits on a subnet, with the epoch each one may be revealed in and
 * whether that is now. Weight-setting failures around commit-reveal are a
 * known pain of the reference's users; this answers "when can I reveal?"
 * without trial and error.
 */
#include <stdlib.h>

#include "chain/call_recs.h"
#include "chain/chain_internal.h"
#include "chain/commit_reveal.h"
#include "chain/subnet_rec.h"
#include "node/node_internal.h"
#include "yuma/chain.h"

json_t *node_m_pending_commits(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", "hotkey", NULL};
    uint16_t netuid;
    yuma_account hotkey;
    if (!yuma_rpc_params_only(params, names, err) || !node_param_netuid(params, 0, err, &netuid) ||
        !node_param_account(params, 1, "hotkey", &hotkey, err))
        return NULL;
    yuma_node *n = node_of(call);
    weight_commit c[MAX_WEIGHT_COMMITS];
    subnet_rec s;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    bool exists = subnet_get(kv, netuid, &s);
    uint64_t block = yuma_chain_height(n->chain) + 1; /* commits are judged in the next block */
    size_t count = exists ? weight_commits_get(kv, netuid, &hotkey, c) : 0;
    pthread_mutex_unlock(&n->lock);
    if (!exists) {
        yuma_rpc_error_set(err, -32004, NULL, "no subnet %u: `yuma subnet list` shows the subnets", netuid);
        return NULL;
    }
    uint64_t index = commit_epoch_lookahead(&s, block);
    json_t *list = json_array();
    for (size_t i = 0; list && i < count; i++) {
        uint64_t reveal = c[i].commit_epoch + s.reveal_period_epochs;
        if (reveal < c[i].commit_epoch) reveal = UINT64_MAX;
        const char *state = index < reveal ? "waiting" : index == reveal ? "revealable" : "expired";
        json_array_append_new(list, json_pack("{s:o, s:I, s:I, s:I, s:s}", "hash", node_hex_json(c[i].hash, 32),
                                              "commit_block", (json_int_t)c[i].commit_block, "commit_epoch",
                                              (json_int_t)c[i].commit_epoch, "reveal_epoch", (json_int_t)reveal,
                                              "state", state));
    }
    return json_pack("{s:b, s:I, s:I, s:o}", "commit_reveal", s.commit_reveal, "reveal_period_epochs",
                     (json_int_t)s.reveal_period_epochs, "epoch_index", (json_int_t)index, "commits",
                     list ? list : json_array());
}

static json_t *hex_any(const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *buf = malloc(2 * n + 1);
    if (!buf) return NULL;
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = digits[b[i] >> 4];
        buf[2 * i + 1] = digits[b[i] & 15];
    }
    buf[2 * n] = 0;
    json_t *j = json_string(buf);
    free(buf);
    return j;
}

/* commitment_get: what a hotkey published on a subnet with set_commitment
 * (e.g. where its artefacts live), and in which block. */
json_t *node_m_commitment(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"netuid", "hotkey", NULL};
    uint16_t netuid;
    yuma_account hotkey;
    if (!yuma_rpc_params_only(params, names, err) || !node_param_netuid(params, 0, err, &netuid) ||
        !node_param_account(params, 1, "hotkey", &hotkey, err))
        return NULL;
    yuma_node *n = node_of(call);
    subnet_rec s;
    commitment_rec c;
    pthread_mutex_lock(&n->lock);
    const ykv *kv = yuma_chain_state(n->chain);
    bool exists = subnet_get(kv, netuid, &s);
    bool found = exists && commitment_get(kv, netuid, &hotkey, &c);
    pthread_mutex_unlock(&n->lock);
    if (!exists) {
        yuma_rpc_error_set(err, -32004, NULL, "no subnet %u: `yuma subnet list` shows the subnets", netuid);
        return NULL;
    }
    if (!found) {
        yuma_rpc_error_set(err, -32004, NULL, "no commitment of this hotkey on subnet %u (`yuma commit` publishes one)",
                           netuid);
        return NULL;
    }
    /* The data always as hex, and as text too when it is printable ASCII. */
    bool text = true;
    for (uint32_t i = 0; i < c.len; i++)
        if (c.data[i] < 0x20 || c.data[i] > 0x7e) text = false;
    json_t *r = json_pack("{s:I, s:o}", "block", (json_int_t)c.block, "data", hex_any(c.data, c.len));
    if (r && text) json_object_set_new(r, "text", json_stringn((const char *)c.data, c.len));
    return r;
}
