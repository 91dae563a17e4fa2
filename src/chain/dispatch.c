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
    default: return YUMA_CALL_ERR_UNSUPPORTED;
    }
}
