/*
 * sharepool.c - stake share pools (spec economics.md section 7.1) in u128
 * integer shares. Every division rounds toward the pool so that no
 * sequence of deposits and withdrawals lets a holder take out more than
 * its exact share: that is the property the reference's decimal SafeFloat
 * approximates and this representation guarantees.
 */
#include "yuma/sharepool.h"

#include <stddef.h>

const char *yuma_sharepool_strerror(yuma_share_status status)
{
    switch (status) {
    case YUMA_SHARE_OK: return "ok";
    case YUMA_SHARE_ERR_INVALID_ARGUMENT: return "invalid argument (NULL pointer)";
    case YUMA_SHARE_ERR_ZERO_SHARES: return "deposit is worth less than one share (InsufficientLiquidity)";
    case YUMA_SHARE_ERR_INSUFFICIENT: return "withdrawal exceeds the holder's stake";
    case YUMA_SHARE_ERR_OVERFLOW: return "pool value would exceed 2^64-1 rao";
    case YUMA_SHARE_ERR_INCONSISTENT: return "holder has more shares than the pool denominator";
    }
    return "unknown share pool status";
}

uint64_t yuma_sharepool_value_of(const yuma_sharepool *pool, yu128 shares)
{
    if (!pool || pool->denom == 0) return 0;
    yu128 v;
    /* Only an inconsistent share (> denom) can exceed the pool value. */
    if (!yu128_mul_div(pool->value, shares, pool->denom, &v) || v > UINT64_MAX) return UINT64_MAX;
    return (uint64_t)v;
}

yuma_share_status yuma_sharepool_shares_for(const yuma_sharepool *pool, uint64_t amount,
                                            yu128 *shares_out)
{
    if (!pool || !shares_out) return YUMA_SHARE_ERR_INVALID_ARGUMENT;
    *shares_out = 0;
    if (pool->denom == 0) {
        *shares_out = (yu128)amount * YUMA_SHARE_UNIT; /* < 2^128 */
        return YUMA_SHARE_OK;
    }
    if (pool->value == 0) return YUMA_SHARE_OK; /* worthless shares: mint nothing */
    /* floor: the depositor gets at most its exact share */
    if (!yu128_mul_div(amount, pool->denom, pool->value, shares_out)) return YUMA_SHARE_ERR_OVERFLOW;
    return YUMA_SHARE_OK;
}

yuma_share_status yuma_sharepool_add(yuma_sharepool *pool, yu128 *shares, uint64_t amount)
{
    if (!pool || !shares) return YUMA_SHARE_ERR_INVALID_ARGUMENT;
    if (*shares > pool->denom) return YUMA_SHARE_ERR_INCONSISTENT;
    if (amount == 0) return YUMA_SHARE_OK;
    if (pool->value > UINT64_MAX - amount) return YUMA_SHARE_ERR_OVERFLOW;
    yu128 s;
    yuma_share_status st = yuma_sharepool_shares_for(pool, amount, &s);
    if (st != YUMA_SHARE_OK) return st;
    if (s == 0) return YUMA_SHARE_ERR_ZERO_SHARES;
    if (pool->denom > YU128_MAX - s) return YUMA_SHARE_ERR_OVERFLOW;
    pool->denom += s;
    *shares += s; /* <= denom, so cannot overflow either */
    pool->value += amount;
    return YUMA_SHARE_OK;
}

yuma_share_status yuma_sharepool_remove(yuma_sharepool *pool, yu128 *shares, uint64_t amount)
{
    if (!pool || !shares) return YUMA_SHARE_ERR_INVALID_ARGUMENT;
    if (*shares > pool->denom) return YUMA_SHARE_ERR_INCONSISTENT;
    if (amount == 0) return YUMA_SHARE_OK;
    if (amount > yuma_sharepool_value_of(pool, *shares)) return YUMA_SHARE_ERR_INSUFFICIENT;
    /* ceil: the holder gives up at least its exact share. Since amount <=
     * floor(value*shares/denom), amount*denom/value <= shares and the
     * ceiling cannot exceed the (integer) shares held; value > 0 here. */
    yu128 s;
    (void)yu128_mul_div_ceil(amount, pool->denom, pool->value, &s);
    pool->denom -= s;
    *shares -= s;
    pool->value -= amount;
    return YUMA_SHARE_OK;
}

yuma_share_status yuma_sharepool_remove_all(yuma_sharepool *pool, yu128 *shares,
                                            uint64_t *removed)
{
    if (!pool || !shares) return YUMA_SHARE_ERR_INVALID_ARGUMENT;
    if (*shares > pool->denom) return YUMA_SHARE_ERR_INCONSISTENT;
    uint64_t have = yuma_sharepool_value_of(pool, *shares); /* floor: dust stays */
    pool->denom -= *shares;
    *shares = 0;
    pool->value -= have;
    if (removed) *removed = have;
    return YUMA_SHARE_OK;
}

yuma_share_status yuma_sharepool_distribute(yuma_sharepool *pool, uint64_t amount)
{
    if (!pool) return YUMA_SHARE_ERR_INVALID_ARGUMENT;
    if (pool->value > UINT64_MAX - amount) return YUMA_SHARE_ERR_OVERFLOW;
    pool->value += amount;
    return YUMA_SHARE_OK;
}
