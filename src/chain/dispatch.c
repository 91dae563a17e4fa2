/*
 * dispatch.c - routes each call to the module that implements it, and runs
 * the block step. Calls that this version of the chain does not offer yet
 * fail with YUMA_CALL_ERR_UNSUPPORTED (the fee is still paid, nothing else
 * changes), so clients get a clear answer rather than a silent no-op.
 */
#include "chain/calls.h"

yuma_chain_status block_step(call_ctx *cx)
{
    return run_coinbase(cx);
}

yuma_call_status dispatch_call(call_ctx *cx, const yuma_call *call)
{
    switch (call->kind) {
    case YUMA_CALL_TRANSFER: return call_transfer(cx, call);
    case YUMA_CALL_REGISTER_NETWORK: return call_register_network(cx, call);
    case YUMA_CALL_START_CALL: return call_start_call(cx, call);
    case YUMA_CALL_BURNED_REGISTER: return call_burned_register(cx, call);
    case YUMA_CALL_SET_WEIGHTS: return call_set_weights(cx, call);
    case YUMA_CALL_TRIGGER_EPOCH: return call_trigger_epoch(cx, call);
    case YUMA_CALL_ADD_STAKE: return call_add_stake(cx, call);
    case YUMA_CALL_REMOVE_STAKE: return call_remove_stake(cx, call);
    case YUMA_CALL_MOVE_STAKE: return call_move_stake(cx, call);
    case YUMA_CALL_TRANSFER_STAKE: return call_transfer_stake(cx, call);
    case YUMA_CALL_SWAP_STAKE: return call_swap_stake(cx, call);
    case YUMA_CALL_SERVE_AXON: return call_serve_axon(cx, call);
    case YUMA_CALL_SET_COMMITMENT: return call_set_commitment(cx, call);
    case YUMA_CALL_COMMIT_WEIGHTS: return call_commit_weights(cx, call);
    case YUMA_CALL_REVEAL_WEIGHTS: return call_reveal_weights(cx, call);
    case YUMA_CALL_DECREASE_TAKE: return call_decrease_take(cx, call);
    case YUMA_CALL_INCREASE_TAKE: return call_increase_take(cx, call);
    case YUMA_CALL_SET_CHILDREN: return call_set_children(cx, call);
    case YUMA_CALL_SET_CHILDKEY_TAKE: return call_set_childkey_take(cx, call);
    case YUMA_CALL_SET_HYPERPARAMETER: return call_set_hyperparameter(cx, call);
    /* root_register needs the root subnet's own neurons (64 slots, root
     * tempo, replacement by root stake), which this chain does not keep. */
    default: return YUMA_CALL_ERR_UNSUPPORTED;
    }
}
