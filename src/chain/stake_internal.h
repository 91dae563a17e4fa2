/*
 * stake_internal.h - helpers of the staking calls (stake_calls.c) that
 * the stake moves (stake_moves.c) reuse, so both route fees and report
 * share-pool errors the same way.
 */
#ifndef YUMA_CHAIN_STAKE_INTERNAL_H
#define YUMA_CHAIN_STAKE_INTERNAL_H

#include "chain/calls.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"

/* Adds amount to an account's free balance (bounded by the supply cap). */
yuma_call_status stake_credit(call_ctx *cx, const yuma_account *who, uint64_t amount);

/* The call status of a share-pool status. */
yuma_call_status stake_call_status(stake_status s);

/* A sell's alpha fee: sold fee-free, its TAO to the block's author; burned
 * when the pool cannot price it (economics §5.5). Updates *s (alpha_out,
 * alpha_burned, the pool); the caller writes *s back. */
yuma_call_status stake_pay_alpha_fee(call_ctx *cx, subnet_rec *s, uint64_t fee_alpha);

#endif
