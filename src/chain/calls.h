/*
 * calls.h - what chain.c hands to the modules that implement calls and the
 * block step: the state store, the parameters, the block height and the
 * signer. Each call validates everything before it writes, and returns a
 * yuma_call_status; chain.c rolls back whatever a failing call wrote.
 */
#ifndef YUMA_CHAIN_CALLS_H
#define YUMA_CHAIN_CALLS_H

#include "chain/kv.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/tx.h"

typedef struct {
    yuma_event *v;
    size_t n, cap;
} chain_events;

typedef struct {
    ykv *kv;
    const yuma_chain_params *params;
    uint64_t block;
    const yuma_account *signer;
    const yuma_account *author;    /* the block's author: receives swap fees */
    chain_events *events;          /* what the block did, for clients (events.c) */
    int32_t tx_index;              /* the transaction being applied; -1 in the block step */
    uint64_t retry_at;             /* set by a rate limit that refuses the call: when it clears */
} call_ctx;

/* events.c: appends one event; false only when out of memory. */
bool chain_event(call_ctx *cx, uint16_t kind, uint16_t netuid, const yuma_account *who, const yuma_account *other,
                 uint64_t amount, uint64_t value);
/* The event of a call that succeeded: its kind, signer and main arguments. */
bool chain_event_for_call(call_ctx *cx, const yuma_call *call);
/* A rate limit refused the call: it clears at block last + wait (the
 * client is told when; saturates rather than wraps for huge limits). */
static inline yuma_call_status rate_limited(call_ctx *cx, uint64_t last, uint64_t wait, yuma_call_status st)
{
    cx->retry_at = last > UINT64_MAX - wait ? UINT64_MAX : last + wait;
    return st;
}

/* The per-block work that precedes the transactions (spec economics §2). */
yuma_chain_status block_step(call_ctx *cx);

yuma_call_status dispatch_call(call_ctx *cx, const yuma_call *call);

/* balances.c */
yuma_call_status call_transfer(call_ctx *cx, const yuma_call *call);

/* subnets.c */
yuma_call_status call_register_network(call_ctx *cx, const yuma_call *call);
yuma_call_status call_start_call(call_ctx *cx, const yuma_call *call);
yuma_call_status call_burned_register(call_ctx *cx, const yuma_call *call);
yuma_call_status call_set_weights(call_ctx *cx, const yuma_call *call);
yuma_call_status call_trigger_epoch(call_ctx *cx, const yuma_call *call);
uint64_t subnet_lock_cost(const ykv *kv, const yuma_chain_params *p, uint64_t now);
/* The uid a full subnet gives up to a registration (economics §8.3);
 * false when none can go. */
bool neuron_prune_candidate(const ykv *kv, uint16_t netuid, const subnet_rec *s, uint64_t now, uint16_t *out);

/* dissolve.c */
bool subnet_prune_candidate(const ykv *kv, const yuma_chain_params *p, uint64_t now, uint16_t *out);
yuma_call_status subnet_dissolve(call_ctx *cx, uint16_t netuid);
/* set_weights' checks and storage for the signer; reveal = true skips the
 * rate limit and keeps last_update (reveal_weights, yuma-consensus §3.2). */
yuma_call_status weights_apply(call_ctx *cx, const yuma_call *call, bool reveal);

/* neuron_calls.c */
yuma_call_status call_serve_axon(call_ctx *cx, const yuma_call *call);
yuma_call_status call_set_commitment(call_ctx *cx, const yuma_call *call);

/* commit_reveal.c (the epoch's mask: commit_reveal.h) */
yuma_call_status call_commit_weights(call_ctx *cx, const yuma_call *call);
yuma_call_status call_reveal_weights(call_ctx *cx, const yuma_call *call);

/* delegation.c (pending children at an epoch: delegation.h) */
yuma_call_status call_decrease_take(call_ctx *cx, const yuma_call *call);
yuma_call_status call_increase_take(call_ctx *cx, const yuma_call *call);
yuma_call_status call_set_children(call_ctx *cx, const yuma_call *call);
yuma_call_status call_set_childkey_take(call_ctx *cx, const yuma_call *call);

/* hyperparams.c */
yuma_call_status call_set_hyperparameter(call_ctx *cx, const yuma_call *call);

/* stake_calls.c */
yuma_call_status call_add_stake(call_ctx *cx, const yuma_call *call);
yuma_call_status call_remove_stake(call_ctx *cx, const yuma_call *call);

/* stake_moves.c */
yuma_call_status call_move_stake(call_ctx *cx, const yuma_call *call);
yuma_call_status call_transfer_stake(call_ctx *cx, const yuma_call *call);
yuma_call_status call_swap_stake(call_ctx *cx, const yuma_call *call);

/* coinbase.c */
yuma_chain_status run_coinbase(call_ctx *cx);

#endif
