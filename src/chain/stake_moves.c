/*
 * stake_moves.c - move_stake, transfer_stake and swap_stake (economics
 * §7.3): a coldkey's alpha on (hotkey, subnet) moves to another hotkey
 * (move), another coldkey (transfer) or another subnet (swap; move and
 * transfer may change subnet too). All three are one operation,
 * (coldkey, hotkey, netuid) -> (coldkey', hotkey', netuid'):
 *
 * - same subnet: the stake is re-assigned as is, no swap and no fee; the
 *   amount must be worth at least the minimum stake at the spot price;
 * - across subnets: the alpha is sold on the origin's pool (root: 1:1) and
 *   the TAO bought into the destination (root: 1:1). Exactly one swap fee
 *   is paid (§5.5): on the sell when the origin is a subnet, on the buy
 *   when the origin is root; the fee goes to the block's author as in
 *   add/remove_stake. The TAO the sell yields must exceed the minimum
 *   stake (§7.2).
 *
 * A non-zero limit_price bounds the ratio price(origin)/price(destination)
 * in rao (1e9 = 1.0) the move may push down to: the amount is clipped to
 * the reference's get_max_amount_move (refused when clipping without
 * allow_partial). The limit is meaningless within one subnet and ignored
 * there. The reference's TransferToggle (owners may forbid transfers) does
 * not exist on this chain.
 *
 * Both legs are simulated before anything is written, so every refusal
 * happens before the first write. Supply stays audited: TAO leaves one
 * pool (or root stake) and enters the other (or root stake) with the fee
 * to the author; alpha leaves one subnet's stake with its pool's reserve
 * and enters the other's.
 */
#include <string.h>

#include "chain/calls.h"
#include "chain/records.h"
#include "chain/stake_internal.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/gov.h"
#include "yuma/pool.h"

#define RAO_PER_TAO_SQUARED 1000000000000000000ULL /* 1e18: inverts a rao price ratio */

typedef struct {
    const yuma_account *cold, *hot;
    uint16_t netuid;
} position;

static bool same(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

/* A side's subnet, ready to swap (root has no record and no pool). */
static yuma_call_status side_subnet(call_ctx *cx, uint16_t netuid, subnet_rec *s)
{
    if (netuid == 0) return YUMA_CALL_OK;
    if (!subnet_get(cx->kv, netuid, s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (s->first_emission_block == 0) return YUMA_CALL_ERR_SUBTOKEN_DISABLED;
    if (!s->pool_initialized) {
        s->pool.w2 = YUMA_POOL_HALF; /* the first swap sets the weight (economics §5.4) */
        s->pool_initialized = true;
    }
    return YUMA_CALL_OK;
}

static yuma_call_status from_pool_limit(yuma_pool_status ps)
{
    if (ps == YUMA_POOL_OK) return YUMA_CALL_OK;
    if (ps == YUMA_POOL_ERR_PRICE_LIMIT || ps == YUMA_POOL_ERR_ZERO_MAX_AMOUNT) return YUMA_CALL_ERR_PRICE_LIMIT;
    return YUMA_CALL_ERR_POOL;
}

/* get_max_amount_move: the origin alpha that moves the price ratio to the
 * limit. Root on one side makes it the destination's max add (at the
 * inverted limit) or the origin's max remove. Between two subnets it is
 * the reference's closed form
 *     alpha_in2 * t1/(t1+t2) / L - alpha_in1 * t2/(t1+t2)
 * (t = pool TAO, alpha_in = pool alpha, L = limit / 1e9), here in integers
 * with each quotient floored; refused when L is above the current ratio. */
static yuma_call_status max_move(const subnet_rec *s1, uint16_t n1, const subnet_rec *s2, uint16_t n2, uint64_t limit,
                                 uint16_t fee_rate, uint64_t *out)
{
    if (n1 == 0) /* the destination's own price limit: 1 / L */
        return from_pool_limit(yuma_pool_max_amount_add(&s2->pool, RAO_PER_TAO_SQUARED / limit, fee_rate, out));
    if (n2 == 0) return from_pool_limit(yuma_pool_max_amount_remove(&s1->pool, limit, fee_rate, out));
    yu128 p1 = yuma_pool_price(&s1->pool), p2 = yuma_pool_price(&s2->pool), ratio, a, b, x;
    yu128 t = (yu128)s1->pool.tao + s2->pool.tao;
    if (p2 == 0 || t == 0 || !yu128_mul_div(p1, YUMA_RAO_PER_TAO, p2, &ratio) || limit > ratio)
        return YUMA_CALL_ERR_PRICE_LIMIT;
    yu128_mul_div(s2->pool.alpha_in, s1->pool.tao, t, &a); /* both fit: factors below 2^64, t1 <= t */
    yu128_mul_div(s1->pool.alpha_in, s2->pool.tao, t, &b);
    yu128_mul_div(a, YUMA_RAO_PER_TAO, limit, &x);
    if (x <= b) return YUMA_CALL_ERR_PRICE_LIMIT;
    *out = x - b > UINT64_MAX ? UINT64_MAX : (uint64_t)(x - b);
    return YUMA_CALL_OK;
}

/* Re-assignment within one subnet: no swap, no fee. */
static yuma_call_status move_within(call_ctx *cx, const subnet_rec *s, position from, position to, uint64_t amount)
{
    uint64_t value = amount;
    if (from.netuid != 0) value = yu64f64_to_u64(yu64f64_mul(yu64f64_from_u64(amount), yuma_pool_price(&s->pool)));
    if (value < cx->params->min_stake) return YUMA_CALL_ERR_AMOUNT_TOO_LOW;
    yuma_call_status st = stake_call_status(stake_remove(cx->kv, from.hot, from.cold, from.netuid, amount));
    if (st != YUMA_CALL_OK) return st;
    return stake_call_status(stake_add(cx->kv, to.hot, to.cold, to.netuid, amount));
}

static yuma_call_status transition(call_ctx *cx, const yuma_call *call, position from, position to)
{
    if (same(from.cold, to.cold) && same(from.hot, to.hot) && from.netuid == to.netuid)
        return YUMA_CALL_ERR_SAME_STAKE_POSITION;
    if (call->amount == 0) return YUMA_CALL_ERR_ZERO_AMOUNT;
    hotkey_rec h;
    if (!hotkey_get(cx->kv, from.hot, &h) || !hotkey_get(cx->kv, to.hot, &h)) return YUMA_CALL_ERR_NO_HOTKEY;
    subnet_rec s1, s2; /* root has no record: its side stays zero */
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    yuma_call_status st = side_subnet(cx, from.netuid, &s1);
    if (st == YUMA_CALL_OK) st = side_subnet(cx, to.netuid, &s2);
    if (st != YUMA_CALL_OK) return st;
    uint64_t amount = call->amount, held = stake_of(cx->kv, from.hot, from.cold, from.netuid);
    if (amount > held) return YUMA_CALL_ERR_NOT_ENOUGH_STAKE;
    /* Stake behind a conviction vote or in a veto escrow stays put. */
    if (held - amount < gov_locked_stake(cx->kv, from.cold, from.hot, from.netuid, cx->block))
        return YUMA_CALL_ERR_GOV_STAKE_LOCKED;
    if (from.netuid == to.netuid) return move_within(cx, &s1, from, to, amount);

    uint16_t fee_rate = cx->params->fee_rate;
    if (call->limit_price != 0) {
        uint64_t max;
        if ((st = max_move(&s1, from.netuid, &s2, to.netuid, call->limit_price, fee_rate, &max)) != YUMA_CALL_OK)
            return st;
        if (amount > max) {
            if (!call->allow_partial) return YUMA_CALL_ERR_PRICE_LIMIT;
            amount = max;
        }
    }
    /* Simulate both legs on the records in hand: the sell (fee-paying
     * unless the origin is root) and the buy (fee-paying only then). */
    yuma_swap_result sell = {0}, buy = {0};
    uint64_t tao = amount;
    if (from.netuid != 0) {
        if (yuma_pool_swap(&s1.pool, YUMA_SWAP_SELL, amount, YUMA_POOL_MIN_PRICE_RAO, fee_rate, false, &sell) !=
                YUMA_POOL_OK ||
            yuma_pool_apply_swap(&s1.pool, YUMA_SWAP_SELL, &sell) != YUMA_POOL_OK)
            return YUMA_CALL_ERR_POOL;
        tao = sell.delta_out;
    }
    if (tao <= cx->params->min_stake) return YUMA_CALL_ERR_AMOUNT_TOO_LOW;
    if (to.netuid != 0 &&
        (yuma_pool_swap(&s2.pool, YUMA_SWAP_BUY, tao, YUMA_POOL_MAX_PRICE_RAO, fee_rate, from.netuid != 0, &buy) !=
             YUMA_POOL_OK ||
         yuma_pool_apply_swap(&s2.pool, YUMA_SWAP_BUY, &buy) != YUMA_POOL_OK))
        return YUMA_CALL_ERR_POOL;

    /* Origin leg: the sold alpha leaves the stake (what the sell left
     * unexecuted stays staked); its fee is paid to the author. */
    uint64_t sold = from.netuid == 0 ? amount : sell.delta_in + sell.fee;
    if ((st = stake_call_status(stake_remove(cx->kv, from.hot, from.cold, from.netuid, sold))) != YUMA_CALL_OK)
        return st;
    if (from.netuid != 0) {
        s1.alpha_out -= sell.delta_in;
        if ((st = stake_pay_alpha_fee(cx, &s1, sell.fee)) != YUMA_CALL_OK) return st;
        if (!subnet_put(cx->kv, from.netuid, &s1)) return YUMA_CALL_ERR_NOMEM;
    }
    /* Destination leg: root takes the TAO 1:1; a subnet's pool sells alpha
     * for it, and TAO the buy left unexecuted returns to the signer. */
    if (to.netuid == 0) return stake_call_status(stake_add(cx->kv, to.hot, to.cold, 0, tao));
    s2.alpha_out += buy.delta_out;
    if ((st = stake_credit(cx, cx->author, buy.fee)) != YUMA_CALL_OK ||
        (st = stake_credit(cx, cx->signer, buy.unused)) != YUMA_CALL_OK ||
        (st = stake_call_status(stake_add(cx->kv, to.hot, to.cold, to.netuid, buy.delta_out))) != YUMA_CALL_OK)
        return st;
    return subnet_put(cx->kv, to.netuid, &s2) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status call_move_stake(call_ctx *cx, const yuma_call *call)
{
    position from = {cx->signer, &call->hotkey, call->netuid}, to = {cx->signer, &call->dest_hotkey, call->dest_netuid};
    return transition(cx, call, from, to);
}

yuma_call_status call_transfer_stake(call_ctx *cx, const yuma_call *call)
{
    position from = {cx->signer, &call->hotkey, call->netuid}, to = {&call->dest, &call->hotkey, call->dest_netuid};
    return transition(cx, call, from, to);
}

yuma_call_status call_swap_stake(call_ctx *cx, const yuma_call *call)
{
    position from = {cx->signer, &call->hotkey, call->netuid}, to = {cx->signer, &call->hotkey, call->dest_netuid};
    return transition(cx, call, from, to);
}
