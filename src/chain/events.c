/*
 * events.c - the events a block emits for clients: one per successful call
 * (its kind, signer and main arguments) and those the block step and the
 * governance modules add (an epoch that ran, a proposal noticed). They are
 * collected while the block is applied, in order, and dropped with a call
 * that fails, so they describe exactly what the committed block did. The
 * node stores them with the block and serves them over RPC.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/calls.h"
#include "gov/gov.h"

bool chain_event(call_ctx *cx, uint16_t kind, uint16_t netuid, const yuma_account *who, const yuma_account *other,
                 uint64_t amount, uint64_t value)
{
    chain_events *ev = cx->events;
    if (!ev) return true; /* a caller that does not collect events (tests of one module) */
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? 2 * ev->cap : 64;
        yuma_event *v = realloc(ev->v, cap * sizeof *v);
        if (!v) return false;
        ev->v = v;
        ev->cap = cap;
    }
    yuma_event *e = &ev->v[ev->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->netuid = netuid;
    e->tx_index = cx->tx_index;
    if (who) e->who = *who;
    if (other) e->other = *other;
    e->amount = amount;
    e->value = value;
    return true;
}

bool chain_event_for_call(call_ctx *cx, const yuma_call *c)
{
    const uint16_t none = YUMA_EVENT_NO_NETUID;
    const yuma_account *signer = cx->signer;
    uint16_t kind = (uint16_t)c->kind;
    switch (c->kind) {
    case YUMA_CALL_TRANSFER: return chain_event(cx, kind, none, signer, &c->dest, c->amount, 0);
    case YUMA_CALL_REGISTER_NETWORK: return chain_event(cx, kind, none, signer, &c->hotkey, 0, 0);
    case YUMA_CALL_ADD_STAKE:
    case YUMA_CALL_REMOVE_STAKE: return chain_event(cx, kind, c->netuid, signer, &c->hotkey, c->amount, 0);
    case YUMA_CALL_MOVE_STAKE: return chain_event(cx, kind, c->netuid, signer, &c->dest_hotkey, c->amount, c->dest_netuid);
    case YUMA_CALL_TRANSFER_STAKE: return chain_event(cx, kind, c->netuid, signer, &c->dest, c->amount, c->dest_netuid);
    case YUMA_CALL_SWAP_STAKE: return chain_event(cx, kind, c->netuid, signer, &c->hotkey, c->amount, c->dest_netuid);
    case YUMA_CALL_DECREASE_TAKE:
    case YUMA_CALL_INCREASE_TAKE: return chain_event(cx, kind, none, signer, &c->hotkey, 0, c->take);
    case YUMA_CALL_SET_CHILDKEY_TAKE: return chain_event(cx, kind, c->netuid, signer, &c->hotkey, 0, c->take);
    case YUMA_CALL_SET_CHILDREN: return chain_event(cx, kind, c->netuid, signer, &c->hotkey, 0, c->child_count);
    case YUMA_CALL_BURNED_REGISTER: return chain_event(cx, kind, c->netuid, signer, &c->hotkey, 0, 0);
    case YUMA_CALL_SET_WEIGHTS:
    case YUMA_CALL_REVEAL_WEIGHTS: return chain_event(cx, kind, c->netuid, signer, NULL, 0, c->weight_count);
    case YUMA_CALL_SET_HYPERPARAMETER: return chain_event(cx, kind, c->netuid, signer, NULL, c->value, c->param);
    /* The due process: value is the proposal (the propose call's id is in
     * the gov_notice event of the same block, when its deposit is complete). */
    case YUMA_CALL_GOV_PROPOSE: return chain_event(cx, kind, c->netuid, signer, NULL, c->amount, c->action_count);
    case YUMA_CALL_GOV_TOPUP:
    case YUMA_CALL_GOV_RESPOND:
    case YUMA_CALL_GOV_APPEAL:
    case YUMA_CALL_GOV_WITHDRAW: return chain_event(cx, kind, none, signer, NULL, c->amount, c->proposal_id);
    case YUMA_CALL_GOV_VOTE: return chain_event(cx, kind, none, signer, NULL, c->choice, c->proposal_id);
    case YUMA_CALL_GOV_ESCROW: return chain_event(cx, kind, none, signer, &c->hotkey, c->amount, c->proposal_id);
    case YUMA_CALL_GOV_OWNER_TRANSFER: return chain_event(cx, kind, c->netuid, signer, &c->dest, 0, 0);
    case YUMA_CALL_GOV_DELEGATE: return chain_event(cx, kind, none, signer, &c->dest, c->conviction, c->choice);
    default: return chain_event(cx, kind, c->netuid, signer, NULL, 0, 0);
    }
}

const char *yuma_event_name(uint16_t kind)
{
    if (kind >= 1 && kind <= YUMA_EVENT_CALL_MAX) return yuma_call_name((yuma_call_kind)kind);
    switch (kind) {
    case YUMA_EVENT_EPOCH: return "epoch";
    default: return gov_event_name(kind); /* the due process's kinds (src/gov/gov.h); NULL for others */
    }
}
