/*
 * dispatch.c - routes each call to the module that implements it, and runs
 * the block step. Calls that this version of the chain does not offer yet
 * fail with YUMA_CALL_ERR_UNSUPPORTED (the fee is still paid, nothing else
 * changes), so clients get a clear answer rather than a silent no-op.
 */
#include "chain/calls.h"
#include "gov/emergency.h"
#include "gov/gov.h"

yuma_chain_status block_step(call_ctx *cx)
{
    /* The emergency lane's timers first: an escrow that ends or reverts
     * settles before this block's coinbase. */
    yuma_chain_status st = gov_lane_block_step(cx);
    if (st == YUMA_CHAIN_OK) st = run_coinbase(cx);
    /* The due process after the coinbase: what a proposal enacts applies
     * from the block's transactions on (the chain reloads its parameters
     * after this step) and to the next block's coinbase. */
    return st == YUMA_CHAIN_OK ? gov_block_step(cx) : st;
}

yuma_call_status dispatch_call(call_ctx *cx, const yuma_call *call)
{
    if (!gov_safe_mode_allows(call->kind) && gov_safe_mode_active(cx->kv, cx->block)) return YUMA_CALL_ERR_SAFE_MODE;
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
    case YUMA_CALL_GOV_PROPOSE: return gov_call_propose(cx, call);
    case YUMA_CALL_GOV_TOPUP: return gov_call_topup(cx, call);
    case YUMA_CALL_GOV_RESPOND: return gov_call_respond(cx, call);
    case YUMA_CALL_GOV_VOTE: return gov_call_vote(cx, call);
    case YUMA_CALL_GOV_APPEAL: return gov_call_appeal(cx, call);
    case YUMA_CALL_GOV_ESCROW: return gov_call_escrow(cx, call);
    case YUMA_CALL_GOV_WITHDRAW: return gov_call_withdraw(cx, call);
    case YUMA_CALL_GOV_OWNER_TRANSFER: return gov_call_owner_transfer(cx, call);
    case YUMA_CALL_GUARDIAN_PROPOSE: return gov_call_guardian_propose(cx, call);
    case YUMA_CALL_GUARDIAN_APPROVE: return gov_call_guardian_approve(cx, call);
    case YUMA_CALL_GUARDIAN_RATIONALE: return gov_call_guardian_rationale(cx, call);
    case YUMA_CALL_GOV_DELEGATE: return gov_call_delegate(cx, call);
    /* root_register needs the root subnet's own neurons (64 slots, root
     * tempo, replacement by root stake), which this chain does not keep. */
    default: return YUMA_CALL_ERR_UNSUPPORTED;
    }
}
