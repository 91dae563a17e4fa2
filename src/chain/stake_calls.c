/*
 * stake_calls.c - add_stake and remove_stake (economics §7.3): TAO is
 * swapped through the subnet's pool for alpha (or staked 1:1 on root,
 * netuid 0), with an optional price limit that either refuses or, with
 * allow_partial, executes only what the limit allows. Swap fees go to the
 * block's author: in TAO on a buy; on a sell the alpha fee is sold fee-free
 * and its TAO goes to the author. The helpers declared in
 * stake_internal.h are shared with the stake moves (stake_moves.c).
 */
#include <string.h>

#include "chain/calls.h"
#include "chain/records.h"
#include "chain/stake_internal.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/gov.h"
#include "yuma/pool.h"

yuma_call_status stake_credit(call_ctx *cx, const yuma_account *who, uint64_t amount)
{
    if (amount == 0) return YUMA_CALL_OK;
    account_rec a = account_get(cx->kv, who);
    a.balance += amount; /* bounded by the supply cap */
    return account_put(cx->kv, who, a) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

static yuma_call_status debit(call_ctx *cx, const yuma_account *who, uint64_t amount)
{
    account_rec a = account_get(cx->kv, who);
    if (a.balance < amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    a.balance -= amount;
    return account_put(cx->kv, who, a) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status stake_call_status(stake_status s)
{
    switch (s) {
    case STAKE_OK: return YUMA_CALL_OK;
    case STAKE_ERR_NOMEM: return YUMA_CALL_ERR_NOMEM;
    case STAKE_ERR_TOO_SMALL: return YUMA_CALL_ERR_AMOUNT_TOO_LOW;
    case STAKE_ERR_INSUFFICIENT: return YUMA_CALL_ERR_NOT_ENOUGH_STAKE;
    case STAKE_ERR_OVERFLOW: return YUMA_CALL_ERR_OVERFLOW;
    }
    return YUMA_CALL_ERR_NOMEM;
}

/* The subnet of a staking call, ready to swap. */
static yuma_call_status staking_subnet(call_ctx *cx, const yuma_call *call, subnet_rec *s)
{
    hotkey_rec h;
    if (!hotkey_get(cx->kv, &call->hotkey, &h)) return YUMA_CALL_ERR_NO_HOTKEY;
    if (call->amount == 0) return YUMA_CALL_ERR_ZERO_AMOUNT;
    if (call->netuid == 0) return YUMA_CALL_OK;
    if (!subnet_get(cx->kv, call->netuid, s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (s->first_emission_block == 0) return YUMA_CALL_ERR_SUBTOKEN_DISABLED;
    if (!s->pool_initialized) {
        s->pool.w2 = YUMA_POOL_HALF; /* the first swap sets the weight (economics §5.4) */
        s->pool_initialized = true;
    }
    return YUMA_CALL_OK;
}

/* Clips amount to what the price limit allows; refuses when it must clip
 * and partial execution was not asked for. */
static yuma_call_status apply_limit(const subnet_rec *s, const yuma_call *call, uint16_t fee_rate, bool buy,
                                    uint64_t *amount)
{
    if (call->limit_price == 0) return YUMA_CALL_OK;
    uint64_t max;
    yuma_pool_status ps = buy ? yuma_pool_max_amount_add(&s->pool, call->limit_price, fee_rate, &max)
                              : yuma_pool_max_amount_remove(&s->pool, call->limit_price, fee_rate, &max);
    if (ps == YUMA_POOL_ERR_PRICE_LIMIT || ps == YUMA_POOL_ERR_ZERO_MAX_AMOUNT) return YUMA_CALL_ERR_PRICE_LIMIT;
    if (ps != YUMA_POOL_OK) return YUMA_CALL_ERR_POOL;
    if (*amount > max) {
        if (!call->allow_partial) return YUMA_CALL_ERR_PRICE_LIMIT;
        *amount = max;
    }
    return YUMA_CALL_OK;
}

yuma_call_status call_add_stake(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    yuma_call_status st = staking_subnet(cx, call, &s);
    if (st != YUMA_CALL_OK) return st;
    uint64_t amount = call->amount;
    if (amount < cx->params->min_stake) return YUMA_CALL_ERR_AMOUNT_TOO_LOW;
    if (account_get(cx->kv, cx->signer).balance < amount) return YUMA_CALL_ERR_INSUFFICIENT_BALANCE;
    if (call->netuid == 0) {
        /* Root stake is TAO itself, 1:1 and without a fee. */
        if ((st = debit(cx, cx->signer, amount)) != YUMA_CALL_OK) return st;
        return stake_call_status(stake_add(cx->kv, &call->hotkey, cx->signer, 0, amount));
    }
    uint16_t fee_rate = cx->params->fee_rate;
    if ((st = apply_limit(&s, call, fee_rate, true, &amount)) != YUMA_CALL_OK) return st;
    uint64_t limit = call->limit_price ? call->limit_price : YUMA_POOL_MAX_PRICE_RAO;
    yuma_swap_result r;
    if (yuma_pool_swap(&s.pool, YUMA_SWAP_BUY, amount, limit, fee_rate, false, &r) != YUMA_POOL_OK ||
        yuma_pool_apply_swap(&s.pool, YUMA_SWAP_BUY, &r) != YUMA_POOL_OK)
        return YUMA_CALL_ERR_POOL;
    s.alpha_out += r.delta_out;
    if ((st = debit(cx, cx->signer, r.delta_in + r.fee)) != YUMA_CALL_OK ||
        (st = stake_credit(cx, cx->author, r.fee)) != YUMA_CALL_OK ||
        (st = stake_call_status(stake_add(cx->kv, &call->hotkey, cx->signer, call->netuid, r.delta_out))) !=
            YUMA_CALL_OK)
        return st;
    return subnet_put(cx->kv, call->netuid, &s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* Sells alpha the author earned as a fee, fee-free; if the pool cannot
 * price it the alpha is burned (economics §5.5). */
yuma_call_status stake_pay_alpha_fee(call_ctx *cx, subnet_rec *s, uint64_t fee_alpha)
{
    if (fee_alpha == 0) return YUMA_CALL_OK;
    yuma_swap_result r;
    if (yuma_pool_swap(&s->pool, YUMA_SWAP_SELL, fee_alpha, YUMA_POOL_MIN_PRICE_RAO, 0, true, &r) == YUMA_POOL_OK &&
        yuma_pool_apply_swap(&s->pool, YUMA_SWAP_SELL, &r) == YUMA_POOL_OK) {
        s->alpha_out -= r.delta_in;
        s->alpha_burned += r.unused; /* none in practice: the sell has no limit */
        return stake_credit(cx, cx->author, r.delta_out);
    }
    /* Burned alpha is destroyed but stays counted in issuance (economics
     * §1.2): it leaves the stake and is tallied as burned. */
    s->alpha_burned += fee_alpha;
    return YUMA_CALL_OK;
}

yuma_call_status call_remove_stake(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    yuma_call_status st = staking_subnet(cx, call, &s);
    if (st != YUMA_CALL_OK) return st;
    uint64_t held = stake_of(cx->kv, &call->hotkey, cx->signer, call->netuid);
    uint64_t amount = call->amount < held ? call->amount : held; /* capped to holdings */
    if (amount == 0) return YUMA_CALL_ERR_NOT_ENOUGH_STAKE;
    /* Stake behind a conviction vote or in a veto escrow stays put. */
    if (held - amount < gov_locked_stake(cx->kv, cx->signer, &call->hotkey, call->netuid, cx->block))
        return YUMA_CALL_ERR_GOV_STAKE_LOCKED;
    if (call->netuid == 0) {
        if (amount < held && amount < cx->params->min_stake) return YUMA_CALL_ERR_AMOUNT_TOO_LOW;
        if ((st = stake_call_status(stake_remove(cx->kv, &call->hotkey, cx->signer, 0, amount))) != YUMA_CALL_OK)
            return st;
        return stake_credit(cx, cx->signer, amount);
    }
    uint16_t fee_rate = cx->params->fee_rate;
    if ((st = apply_limit(&s, call, fee_rate, false, &amount)) != YUMA_CALL_OK) return st;
    uint64_t limit = call->limit_price ? call->limit_price : YUMA_POOL_MIN_PRICE_RAO;
    yuma_swap_result r;
    if (yuma_pool_swap(&s.pool, YUMA_SWAP_SELL, amount, limit, fee_rate, false, &r) != YUMA_POOL_OK ||
        yuma_pool_apply_swap(&s.pool, YUMA_SWAP_SELL, &r) != YUMA_POOL_OK)
        return YUMA_CALL_ERR_POOL;
    uint64_t sold = r.delta_in + r.fee;
    if (sold < held && r.delta_out < cx->params->min_stake) return YUMA_CALL_ERR_AMOUNT_TOO_LOW;
    s.alpha_out -= r.delta_in;
    if ((st = stake_call_status(stake_remove(cx->kv, &call->hotkey, cx->signer, call->netuid, sold))) != YUMA_CALL_OK ||
        (st = stake_pay_alpha_fee(cx, &s, r.fee)) != YUMA_CALL_OK ||
        (st = stake_credit(cx, cx->signer, r.delta_out)) != YUMA_CALL_OK)
        return st;
    return subnet_put(cx->kv, call->netuid, &s) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}
