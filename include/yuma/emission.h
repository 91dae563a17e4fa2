/*
 * emission.h - state-free economic formulas of the chain: block emission
 * and halving, subnet lock cost, neuron burn-price decay and bump, root
 * proportion and the EMA price update (spec economics.md sections 1.1,
 * 3.4-3.5, 6.1, 8.1). Pure functions of their arguments; the chain state
 * machine reads storage, calls these and writes the results back.
 *
 * Every formula reproduces the reference's fixed-point truncation points
 * (I96F32/U96F32 for emission and root proportion, I64F64 for the lock
 * interval, Q32 for burn decay, U64F64 for the EMA). No floating point.
 */
#ifndef YUMA_EMISSION_H
#define YUMA_EMISSION_H

#include <stdint.h>

#include "yuma/fixed128.h"

#define YUMA_RAO_PER_TAO 1000000000ULL
#define YUMA_TOTAL_SUPPLY 21000000000000000ULL     /* 21e6 TAO in rao */
#define YUMA_DEFAULT_BLOCK_EMISSION 1000000000ULL  /* 1 TAO */

/* Lock cost defaults (section 6.1). */
#define YUMA_NETWORK_MIN_LOCK_COST 1000000000000ULL     /* 1,000 TAO */
#define YUMA_NETWORK_LOCK_REDUCTION_INTERVAL 57600ULL   /* after migration */

/* Neuron burn defaults (section 8.1). */
#define YUMA_BURN_HALF_LIFE_DEFAULT 360u
#define YUMA_MIN_BURN_DEFAULT 500000ULL
#define YUMA_MAX_BURN_DEFAULT 100000000000ULL   /* 100 TAO */
#define YUMA_Q32_ONE ((uint64_t)1 << 32)

/* EMA defaults (section 3.5). */
#define YUMA_EMA_PRICE_HALVING_BLOCKS 201600ULL

/*
 * E(I) of section 1.1: the block emission (rao) for a given issuance. Used
 * for TAO (I = subtensor TotalIssuance) and for every subnet's alpha
 * (I = alpha issuance). 0 at or above the 21e15 cap.
 */
uint64_t yuma_block_emission(uint64_t issuance);

/*
 * Effective lock reduction interval: floor(interval * E/1e9) in I64F64, so
 * it halves with each TAO halving. block_emission is E(TotalIssuance).
 */
uint64_t yuma_lock_reduction_interval(uint64_t interval, uint64_t block_emission);

/*
 * Subnet registration (lock) cost of section 6.1:
 *   max(min_lock, last_lock*mult - floor(last_lock/interval)*(now - last_block))
 * mult = 1 when no subnet was ever registered (last_block == 0) else 2;
 * saturating arithmetic; interval 0 gives no decay (safe_div -> 0).
 * `interval` is the effective one (yuma_lock_reduction_interval).
 */
uint64_t yuma_lock_cost(uint64_t last_lock, uint64_t last_lock_block, uint64_t now,
                        uint64_t min_lock, uint64_t interval);

/* Q32 helpers of the burn decay: floor(value*f / 2^32) saturated to u64,
 * and base^exp by square-and-multiply with that truncating product. */
uint64_t yuma_mul_by_q32(uint64_t value, uint64_t factor_q32);
uint64_t yuma_pow_q32(uint64_t base_q32, uint16_t exp);

/* Largest Q32 f in [0, 2^32) with pow_q32(f, half_life) <= 0.5 (binary
 * search, as the reference); 2^32 (1.0) for half_life 0. */
uint64_t yuma_decay_factor_q32(uint16_t half_life);

/* Clamp: raise to min_burn first, then cap at max_burn (so max wins when
 * min > max), exactly the reference's order. */
uint64_t yuma_burn_clamp(uint64_t burn, uint64_t min_burn, uint64_t max_burn);

/*
 * Per-block burn decay (step 1 of the block pipeline): burn*f >> 32 unless
 * block <= 1 or half_life == 0, then always the clamp.
 */
uint64_t yuma_burn_decay(uint64_t burn, uint16_t half_life, uint64_t block,
                         uint64_t min_burn, uint64_t max_burn);

/*
 * Registration bump: clamp(floor(burn * max(mult, 1))), mult a U64F64 raw
 * (BurnIncreaseMult; default 1.26), the product saturating.
 */
uint64_t yuma_burn_bump(uint64_t burn, yu128 mult_u64f64, uint64_t min_burn,
                        uint64_t max_burn);

/* TaoWeight (u64-normalized) as U96F32: floor(tao_weight * 2^32 / (2^64-1)). */
yu128 yuma_tao_weight_u96f32(uint64_t tao_weight);

/*
 * root_proportion of section 3.3 as U96F32 raw:
 *   w*R / (w*R + alpha_issuance), w = TaoWeight/(2^64-1), R = root SubnetTAO;
 * 0 when the denominator is 0.
 */
yu128 yuma_root_proportion(uint64_t tao_weight, uint64_t root_tao, uint64_t alpha_issuance);

/*
 * EMA price update of section 3.5, in U64F64 as the reference computes it:
 *   b = now - (first_emission_block - 1)            (saturating)
 *   a = moving_alpha * (b / (b + halving_blocks))
 *   new = a * min(spot, 1) + (1 - a) * old
 * moving_alpha and the stored EMA are I96F32 raws (non-negative), spot is a
 * U64F64 raw; returns the new EMA as an I96F32 raw (truncated).
 */
yu128 yuma_moving_price_update(yu128 old_ema_i96f32, yu128 spot_u64f64,
                               yu128 moving_alpha_i96f32, uint64_t halving_blocks,
                               uint64_t first_emission_block, uint64_t now);

#endif
