/*
 * events_rpc.c - chain_getEvents: what stored blocks did (transfers,
 * stake moves, registrations, epochs, governance notices), filtered by
 * subnet or account. With chain_waitForBlock it is how a client follows
 * the chain without polling in a loop: wait for a block after the last
 * one seen, then read the events of the blocks in between (docs/RPC.md).
 */
#include <stdlib.h>

#include "node/node_internal.h"
#include "yuma/chain.h"

enum { MAX_EVENT_RANGE = 10000, DEFAULT_EVENT_LIMIT = 1000, MAX_EVENT_LIMIT = 10000 };

typedef struct {
    json_t *list;
    uint64_t last_height;
    bool nomem;
} event_out;

static bool zero_account(const yuma_account *a)
{
    for (int i = 0; i < 32; i++)
        if (a->bytes[i]) return false;
    return true;
}

static bool add_event(uint64_t height, const yuma_event *e, void *ctx)
{
    event_out *o = ctx;
    const char *name = yuma_event_name(e->kind);
    json_t *j = json_pack("{s:I, s:I, s:s, s:I, s:o, s:I, s:I}", "height", (json_int_t)height, "tx_index",
                          (json_int_t)e->tx_index, "kind", name ? name : "unknown", "kind_id", (json_int_t)e->kind,
                          "netuid", e->netuid == YUMA_EVENT_NO_NETUID ? json_null() : json_integer(e->netuid),
                          "amount", (json_int_t)e->amount, "value", (json_int_t)e->value);
    if (j && !zero_account(&e->who)) json_object_set_new(j, "who", node_address_json(&e->who));
    if (j && !zero_account(&e->other)) json_object_set_new(j, "other", node_address_json(&e->other));
    if (!j || json_array_append_new(o->list, j) != 0) {
        o->nomem = true;
        return false;
    }
    o->last_height = height;
    return true;
}

json_t *node_m_events(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const names[] = {"from_height", "to_height", "netuid", "account", "limit", NULL};
    uint64_t from = 0, to = UINT64_MAX, limit = DEFAULT_EVENT_LIMIT;
    uint16_t netuid = YUMA_EVENT_NO_NETUID;
    yuma_account account, *filter = NULL;
    if (!yuma_rpc_params_only(params, names, err) ||
        !yuma_rpc_param_u64(params, 0, "from_height", true, &from, err) ||
        !yuma_rpc_param_u64(params, 1, "to_height", false, &to, err) ||
        !yuma_rpc_param_u64(params, 4, "limit", false, &limit, err))
        return NULL;
    if (yuma_rpc_param(params, 2, "netuid") && !node_param_netuid(params, 2, err, &netuid)) return NULL;
    if (netuid == YUMA_EVENT_NO_NETUID && yuma_rpc_param(params, 2, "netuid")) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"netuid\": 65535 is not a subnet");
        return NULL;
    }
    if (yuma_rpc_param(params, 3, "account")) {
        if (!node_param_account(params, 3, "account", &account, err)) return NULL;
        filter = &account;
    }
    if (from == 0) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"from_height\": blocks start at 1");
        return NULL;
    }
    if (limit == 0 || limit > MAX_EVENT_LIMIT) {
        yuma_rpc_error_set(err, -32602, NULL, "param \"limit\": must be 1..%d", MAX_EVENT_LIMIT);
        return NULL;
    }
    yuma_node *n = node_of(call);
    event_out o = {.list = json_array()};
    if (!o.list) {
        yuma_rpc_error_set(err, -32603, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&n->lock);
    uint64_t head = yuma_store_height(n->store);
    if (to > head) to = head;
    if (from <= to && to - from >= MAX_EVENT_RANGE) to = from + MAX_EVENT_RANGE - 1;
    uint64_t covered = from <= to ? to : from - 1;
    yuma_store_status st = YUMA_STORE_OK;
    /* One more than the limit tells whether the last block is cut short. */
    if (from <= to) st = yuma_store_events(n->store, from, to, netuid, filter, (size_t)limit + 1, add_event, &o);
    if (st == YUMA_STORE_OK && !o.nomem && json_array_size(o.list) > limit) {
        /* Whole blocks only: the cut block is left for the next call, unless
         * it is the first one, which is then returned whole (a block can
         * hold more events than any limit, and a client must progress). */
        uint64_t cut = o.last_height;
        size_t keep = json_array_size(o.list);
        while (keep > 0 &&
               (uint64_t)json_integer_value(json_object_get(json_array_get(o.list, keep - 1), "height")) == cut)
            keep--;
        if (keep > 0) {
            while (json_array_size(o.list) > keep) json_array_remove(o.list, json_array_size(o.list) - 1);
            covered = cut - 1;
        } else {
            json_array_clear(o.list);
            st = yuma_store_events(n->store, cut, cut, netuid, filter, SIZE_MAX, add_event, &o);
            covered = cut;
        }
    }
    if (st != YUMA_STORE_OK) yuma_rpc_error_set(err, -32603, NULL, "reading events: %s", yuma_store_message(n->store));
    else if (o.nomem) yuma_rpc_error_set(err, -32603, NULL, "out of memory");
    pthread_mutex_unlock(&n->lock);
    if (st != YUMA_STORE_OK || o.nomem) {
        json_decref(o.list);
        return NULL;
    }
    json_t *res;
    res = json_pack("{s:o, s:I, s:I, s:I}", "events", o.list, "from_height", (json_int_t)from, "to_height",
                    (json_int_t)covered, "next_from_height", (json_int_t)(covered + 1));
    return res;
}
