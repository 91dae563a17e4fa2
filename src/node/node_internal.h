/*
 * node_internal.h - what the node's RPC method files share with node.c:
 * the node's struct (see node.h for the locking rule: hold n->lock while
 * touching the chain or the store) and the JSON helpers every method uses.
 * Method files (events, governance, audit, cluster) register their
 * methods through node.c's table.
 */
#ifndef YUMA_NODE_INTERNAL_H
#define YUMA_NODE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "yuma/genesis.h"
#include "yuma/mempool.h"
#include "yuma/node.h"
#include "yuma/rpc.h"
#include "yuma/store.h"

struct yuma_node {
    yuma_node_config cfg;
    pthread_mutex_t lock;       /* the chain and the store */
    yuma_chain *chain;
    yuma_store *store;
    yuma_mempool *pool;
    yuma_rpc_server *rpc;
    yuma_genesis_file genesis;
    char *genesis_json;
    yuma_node_hooks hooks;      /* cluster mode (node.h); all NULL in a single node */
    atomic_bool hooked;         /* hooks are set: /metrics takes the lock only then */
    /* While the producer writes a block to the store without the lock, the
     * chain is one block ahead of the store: chain_head answers with the
     * last persisted block, kept here (node.c, yuma_node_produce). */
    bool writing;
    uint64_t persisted_height;
    uint8_t persisted_hash[32], persisted_root[32];
};

static inline yuma_node *node_of(const yuma_rpc_call *call)
{
    return call->user;
}

json_t *node_hex_json(const uint8_t *b, size_t n);
json_t *node_address_json(const yuma_account *a);
/* Hex (optional 0x) into a malloc'd buffer; NULL when not hex. */
uint8_t *node_from_hex(const char *s, size_t *len);
/* An SS58 (prefix 42) address parameter; on error sets err (-32602). */
bool node_param_account(const json_t *params, size_t pos, const char *name, yuma_account *out, yuma_rpc_error *err);
bool node_param_netuid(const json_t *params, size_t pos, yuma_rpc_error *err, uint16_t *out);

/* events_rpc.c */
json_t *node_m_events(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
/* audit_rpc.c (the governance audit log, emission history, metrics, emergency lane) */
json_t *node_m_gov_log(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
json_t *node_m_gov_log_verify(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
json_t *node_m_gov_emission_history(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
json_t *node_m_gov_concentration(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
json_t *node_m_gov_guardians(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
/* gov_rpc.c: registers the due process's methods (gov_proposal, ...). */
bool gov_rpc_methods(yuma_node *n, char *err, size_t errlen);
/* commits_rpc.c */
json_t *node_m_pending_commits(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
json_t *node_m_commitment(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);

#endif
