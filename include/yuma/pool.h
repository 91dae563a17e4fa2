/*
 * pool.h - the dynamic-TAO pool of a subnet: a weighted (Balancer-style)
 * two-asset pool of alpha (base, reserve x) and TAO (quote, reserve y) with
 * invariant x^w1 * y^w2, w1 + w2 = 1 (spec economics.md section 5).
 *
 * Everything here is pure: functions read a yuma_pool value and return
 * amounts; yuma_pool_apply_swap and yuma_pool_reweight_for_injection are
 * the only writers, and only to the struct they are given. The chain
 * state machine owns storage (SubnetAlphaIn, SubnetTAO, SwapBalancer),
 * fee routing and the order of operations of the coinbase (section 3.3).
 *
 * Number formats are the reference's: amounts are u64 rao, prices are
 * U64F64 raws (yu128, value = raw / 2^64), the quote weight w2 is a
 * Perquintill (u64 parts of 1e18). The exponentiation (a/b)^(p/q) is our
 * own integer algorithm (yuma_pow_ratio_1e18, see docs/POOLS.md) which
 * returns floor(1e18 * (a/b)^(p/q)) like the reference's pow_ratio_scaled.
 *
 * Not handled here (the caller's job): root and stable subnets (no pool,
 * price 1, no fee); the "first swap initialises the weight to 0.5" rule of
 * section 5.4 (call yuma_pool_weight_valid / set w2 = YUMA_POOL_HALF first);
 * the simulated, rolled-back transaction (these functions never mutate).
 */
#ifndef YUMA_POOL_H
#define YUMA_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "yuma/fixed128.h"

#define YUMA_POOL_ACCURACY 1000000000000000000ULL   /* Perquintill one = 1e18 parts */
#define YUMA_POOL_MIN_WEIGHT 10000000000000000ULL   /* 0.01 */
#define YUMA_POOL_MAX_WEIGHT (YUMA_POOL_ACCURACY - YUMA_POOL_MIN_WEIGHT) /* 0.99 */
#define YUMA_POOL_HALF 500000000000000000ULL        /* default w2 = 0.5 */
#define YUMA_POOL_MIN_RESERVE 1000000ULL            /* MinimumReserve, rao */
#define YUMA_POOL_MAX_INPUT_RATIO 1000ULL           /* net input <= 1000 x input reserve */
#define YUMA_POOL_DEFAULT_FEE_RATE 33u              /* 33/65535 ~ 0.05 % */
#define YUMA_POOL_MAX_FEE_RATE 10000u               /* MaxFeeRate */
#define YUMA_POOL_MAX_PRICE_RAO 1000000000000000ULL /* default buy limit: 1e6 TAO per alpha */
#define YUMA_POOL_MIN_PRICE_RAO 1000ULL             /* default sell limit: 1e-6 TAO */

typedef struct {
    uint64_t alpha_in; /* x = SubnetAlphaIn, base reserve */
    uint64_t tao;      /* y = SubnetTAO, quote reserve */
    uint64_t w2;       /* quote weight, Perquintill parts; w1 = 1e18 - w2 */
} yuma_pool;

typedef enum {
    YUMA_SWAP_BUY = 0, /* TAO in, alpha out (stake) */
    YUMA_SWAP_SELL = 1 /* alpha in, TAO out (unstake) */
} yuma_swap_dir;

typedef struct {
    uint64_t delta_in;  /* net input that joins the input reserve */
    uint64_t fee;       /* fee taken on top of delta_in (in the input asset) */
    uint64_t delta_out; /* paid out of the output reserve */
    uint64_t unused;    /* amount - delta_in - fee (saturating): refund it */
    bool limited;       /* true when the price limit cut the trade short */
} yuma_swap_result;

typedef enum {
    YUMA_POOL_OK = 0,
    YUMA_POOL_ERR_INVALID_ARGUMENT,       /* NULL pointer or unknown direction */
    YUMA_POOL_ERR_BAD_WEIGHT,             /* stored w2 outside [0.01, 0.99] */
    YUMA_POOL_ERR_RESERVES_TOO_LOW,       /* output reserve < MinimumReserve */
    YUMA_POOL_ERR_PRICE_LIMIT,            /* limit not beyond the current price */
    YUMA_POOL_ERR_INPUT_TOO_LARGE,        /* net input > 1000 x input reserve */
    YUMA_POOL_ERR_ZERO_OUTPUT,            /* non-zero input, zero output */
    YUMA_POOL_ERR_INSUFFICIENT_LIQUIDITY, /* output exceeds the output reserve */
    YUMA_POOL_ERR_OUT_OF_BALANCE,         /* new weight would leave [0.01, 0.99] */
    YUMA_POOL_ERR_ZERO_MAX_AMOUNT         /* nothing can execute within the limit */
} yuma_pool_status;

/* A fixed English message for every status (never NULL). */
const char *yuma_pool_strerror(yuma_pool_status status);

/* w2 within [MIN_WEIGHT, 1 - MIN_WEIGHT], the reference's check_constraints. */
bool yuma_pool_weight_valid(uint64_t w2);

/* ---- exponentiation ---------------------------------------------------- */

typedef enum {
    YUMA_POW_OK = 0,
    YUMA_POW_OVERFLOW,  /* result > UINT64_MAX; *out = UINT64_MAX */
    YUMA_POW_UNDEFINED  /* base or exponent denominator is 0; *out = 0 */
} yuma_pow_status;

/*
 * *out = floor(1e18 * (base_num/base_den)^(exp_num/exp_den)), the
 * reference's pow_ratio_scaled(.., scale = 1e18). 0 when base_num is 0
 * (even for exponent 0, as the reference), 1e18 when exp_num is 0.
 * Exact whenever the result is not within 2^-64 of an integer, and also at
 * such near-ties when the exact integer check fits 4,096 bits; see
 * docs/POOLS.md for the error bound of the approximation itself.
 */
yuma_pow_status yuma_pow_ratio_1e18(yu128 base_num, yu128 base_den, uint64_t exp_num,
                                    uint64_t exp_den, uint64_t *out);

/* ---- prices and fees --------------------------------------------------- */

/* (w1/w2) * (y/x) as U64F64 (each quotient truncated); 0 when x == 0. */
yu128 yuma_pool_price(const yuma_pool *pool);

/* Rao price limit -> U64F64 price: floor(limit * 2^64 / 1e9). */
yu128 yuma_pool_limit_price(uint64_t limit_rao);

/* Fee on a gross amount: floor(amount * r), r = rate/65535 truncated to
 * U64F64 (one rao below the rational formula on exact multiples). */
uint64_t yuma_pool_fee(uint64_t amount, uint16_t fee_rate);

/* Fee on a net delta cut by a price limit: floor(delta * r'), r' =
 * rate/(65535 - rate) truncated to U64F64; 0 for rate 65535. */
uint64_t yuma_pool_fee_for_delta(uint64_t delta, uint16_t fee_rate);

/* ---- balancer primitives (exposed for tests and the chain's simulations) */

/*
 * (r/(r +- d))^(w1/w2) when base_quote, else ^(w2/w1), as U64F64: the
 * pow result divided by 1e18. 0 when r -+ d is 0 or the power does not fit
 * u64; clamped to <= 1 for a positive d.
 */
yu128 yuma_balancer_exp(uint64_t w2, uint64_t reserve, uint64_t delta, bool delta_negative,
                        bool base_quote);

/* TAO needed to move the price up from `current` to `target` (U64F64):
 * floor(y * ((target/current)^w1 - 1)); 0 when target <= current. */
uint64_t yuma_balancer_quote_delta_in(uint64_t w2, yu128 current, yu128 target, uint64_t tao);

/* Alpha needed to move the price down to `target`:
 * floor(x * ((current/target)^w2 - 1)); 0 when target >= current. */
uint64_t yuma_balancer_base_delta_in(uint64_t w2, yu128 current, yu128 target, uint64_t alpha);

/* Alpha to sell to receive delta_tao: floor(x * ((y/(y - dy))^(w2/w1) - 1)). */
uint64_t yuma_balancer_base_needed_for_quote(uint64_t w2, uint64_t tao, uint64_t alpha,
                                             uint64_t delta_tao);

/* ---- swaps ------------------------------------------------------------- */

/*
 * One swap of `amount` (gross, fee included) in direction `dir`, stopping
 * at the rao price limit (buy: the price may rise to it; sell: fall to it).
 * fee_rate is FeeRate (u16-normalized), drop_fees skips the fee (chain
 * buys, root claims). Checks, in this order: the stored weight, the output
 * reserve against MinimumReserve, the limit against the current price, the
 * net input against 1000 x the input reserve, and after pricing the trade,
 * a zero output for a non-zero input. Does not modify the pool.
 */
yuma_pool_status yuma_pool_swap(const yuma_pool *pool, yuma_swap_dir dir, uint64_t amount,
                                uint64_t limit_rao, uint16_t fee_rate, bool drop_fees,
                                yuma_swap_result *out);

/*
 * Commit a swap result to the reserves (section 5.6): buy y += delta_in,
 * x -= delta_out; sell x += delta_in, y -= delta_out. The fee never joins
 * the pool. Fails with INSUFFICIENT_LIQUIDITY, leaving the pool unchanged,
 * if delta_out exceeds the output reserve (a result priced on other
 * reserves). The input reserve saturates at UINT64_MAX, as the reference.
 */
yuma_pool_status yuma_pool_apply_swap(yuma_pool *pool, yuma_swap_dir dir,
                                      const yuma_swap_result *result);

/*
 * get_max_amount_add / _remove: the gross amount (fee included) that moves
 * the price exactly to the limit, from a simulated swap of UINT64_MAX that
 * skips the 1000x input cap. Errors of the swap propagate (PRICE_LIMIT when
 * the limit is not beyond the price); ZERO_MAX_AMOUNT when it is 0.
 */
yuma_pool_status yuma_pool_max_amount_add(const yuma_pool *pool, uint64_t limit_rao,
                                          uint16_t fee_rate, uint64_t *out);
yuma_pool_status yuma_pool_max_amount_remove(const yuma_pool *pool, uint64_t limit_rao,
                                             uint16_t fee_rate, uint64_t *out);

/* ---- weights ----------------------------------------------------------- */

/*
 * Initial quote weight for reserves (x, y) and a known U64F64 price P:
 * w2 = y / (P*x + y) (Perquintill, rounded down), P*x computed as
 * int(P)*x + floor(x*frac(P)). OUT_OF_BALANCE when P*x + y is 0 or w2 is
 * outside [0.01, 0.99].
 */
yuma_pool_status yuma_pool_weight_from_price(uint64_t alpha_in, uint64_t tao, yu128 price,
                                             uint64_t *w2_out);

/*
 * Protocol injection (section 5.4): set w2 so that the price of the
 * to-be reserves (x + alpha_delta, y + tao_delta) equals today's. Only
 * the weight changes; the caller adds the reserves later (after the chain
 * buy, section 3.3). OUT_OF_BALANCE, pool unchanged, when the new weight
 * would leave [0.01, 0.99]: the injection is then cancelled.
 */
yuma_pool_status yuma_pool_reweight_for_injection(yuma_pool *pool, uint64_t tao_delta,
                                                  uint64_t alpha_delta);

#endif
