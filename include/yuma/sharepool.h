/*
 * sharepool.h - the per-(hotkey, subnet) stake share pool of spec
 * economics.md section 7.1: a pool value (TotalHotkeyAlpha, u64 rao), a
 * share denominator, and each coldkey's shares; a coldkey's stake is
 * value * shares / denominator, emissions raise the value without minting
 * shares.
 *
 * Representation (ours, not the reference's decimal SafeFloat): shares are
 * u128 integers with YUMA_SHARE_UNIT = 2^64 shares per rao at the pool's
 * first deposit. Every rounding favours the pool: deposits mint
 * floor(amount * denom / value) shares, withdrawals burn
 * ceil(amount * denom / value), values read floor(value * shares / denom).
 * So denom / value never rises above 2^64 and denom stays below 2^128 for
 * any u64 value; a deposit is refused only when it is worth less than one
 * share, i.e. below value / denom rao, which with the 2^64 unit does not
 * happen before emissions have multiplied the value per share by 2^64.
 *
 * The functions are pure apart from the pool and share they are given.
 * The caller keeps one yu128 share balance per coldkey.
 */
#ifndef YUMA_SHAREPOOL_H
#define YUMA_SHAREPOOL_H

#include <stdint.h>

#include "yuma/fixed128.h"

#define YUMA_SHARE_UNIT ((yu128)1 << 64)

typedef struct {
    uint64_t value; /* TotalHotkeyAlpha: rao owned by all share holders */
    yu128 denom;    /* TotalHotkeySharesV2: total shares outstanding */
} yuma_sharepool;

typedef enum {
    YUMA_SHARE_OK = 0,
    YUMA_SHARE_ERR_INVALID_ARGUMENT, /* NULL pointer */
    YUMA_SHARE_ERR_ZERO_SHARES,      /* deposit worth less than one share */
    YUMA_SHARE_ERR_INSUFFICIENT,     /* withdrawal above the holder's value */
    YUMA_SHARE_ERR_OVERFLOW,         /* the value (or shares) would overflow */
    YUMA_SHARE_ERR_INCONSISTENT      /* holder has more shares than exist */
} yuma_share_status;

/* A fixed English message for every status (never NULL). */
const char *yuma_sharepool_strerror(yuma_share_status status);

/* floor(value * shares / denom); 0 when denom is 0. */
uint64_t yuma_sharepool_value_of(const yuma_sharepool *pool, yu128 shares);

/*
 * Shares a deposit of `amount` would mint: amount * UNIT into an empty
 * pool (denom 0), else floor(amount * denom / value), 0 when value is 0
 * (existing shares are worth nothing). Use it to pre-check a staking op:
 * the reference rejects it (InsufficientLiquidity) when this is 0.
 */
yuma_share_status yuma_sharepool_shares_for(const yuma_sharepool *pool, uint64_t amount,
                                            yu128 *shares_out);

/*
 * Deposit `amount` rao for the holder of *shares. An empty pool (denom 0)
 * is initialised with denom = shares = amount * UNIT, and the holder also
 * receives any value left there (the reference's behaviour). Errors leave
 * pool and shares unchanged: ZERO_SHARES when amount > 0 mints nothing,
 * OVERFLOW when value + amount > UINT64_MAX. amount 0 is a no-op.
 */
yuma_share_status yuma_sharepool_add(yuma_sharepool *pool, yu128 *shares, uint64_t amount);

/*
 * Withdraw `amount` rao from the holder: burns ceil(amount * denom / value)
 * shares. INSUFFICIENT when amount exceeds yuma_sharepool_value_of(shares),
 * INCONSISTENT when *shares > denom. Errors change nothing.
 */
yuma_share_status yuma_sharepool_remove(yuma_sharepool *pool, yu128 *shares, uint64_t amount);

/* Withdraw the holder's whole value and burn all its shares; *removed
 * receives the rao taken out (may be NULL). */
yuma_share_status yuma_sharepool_remove_all(yuma_sharepool *pool, yu128 *shares,
                                            uint64_t *removed);

/* Emission to every holder: value += amount (no shares minted); OVERFLOW
 * when the value would pass UINT64_MAX. */
yuma_share_status yuma_sharepool_distribute(yuma_sharepool *pool, uint64_t amount);

#endif
