/*
 * balances.c - free TAO balances: the transfer call. Accounts are never
 * reaped (there is no existential deposit), so a signer's nonce never resets
 * and an old transaction can never become valid again.
 */
#include "chain/calls.h"
#include "chain/records.h"

yuma_call_status call_transfer(call_ctx *cx, const yuma_call *call)
{
    if (call->amount == 0) return YUMA_CALL_ERR_ZERO_AMOUNT;
    if (memcmp(call->dest.bytes, cx->signer->bytes, 32) == 0) return YUMA_CALL_ERR_SELF_TRANSFER;
    account_rec from = account_get(cx->kv, cx->signer);
    if (from.balance < call->amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    account_rec to = account_get(cx->kv, &call->dest);
    if (to.balance > UINT64_MAX - call->amount) return YUMA_CALL_ERR_OVERFLOW;
    from.balance -= call->amount;
    to.balance += call->amount;
    if (!account_put(cx->kv, cx->signer, from) || !account_put(cx->kv, &call->dest, to))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}
