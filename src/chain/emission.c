/*
 * emission.c - block emission with halving, lock cost, burn decay/bump,
 * root proportion and EMA price (spec economics.md sections 1.1, 3.3-3.5,
 * 6.1, 8.1). Each function mirrors the reference's fixed-point types step
 * by step, because the chain's results must agree with it to the rao.
 */
#include "yuma/emission.h"

uint64_t yuma_block_emission(uint64_t issuance)
{
    if (issuance >= YUMA_TOTAL_SUPPLY) return 0;
    /* q = I / (2 * 10.5e15) in I96F32: one truncating division. */
    yu128 q = ((yu128)issuance << 32) / ((yu128)YUMA_TOTAL_SUPPLY);
    yu128 one_minus_q = YU96F32_ONE - q; /* > 0 since I < S */
    /* v = 1 / (1 - q), again truncated to 32 fractional bits. */
    yu128 v = (YU96F32_ONE << 32) / one_minus_q;
    /* floor(log2(v)) for v >= 1: the position of the top bit above the
     * binary point. The reference's log2 is exact in its integer part. */
    int bits = 0;
    for (yu128 t = v; t > 1; t >>= 1) bits++;
    int k = bits - 32; /* v >= 1 so bits >= 32 */
    /* 1/2^k in I96F32 is 0 once k > 32, so the emission is 0 there. */
    if (k > 32) return 0;
    yu128 pct = YU96F32_ONE >> k;
    return (uint64_t)((pct * YUMA_DEFAULT_BLOCK_EMISSION) >> 32);
}

uint64_t yuma_lock_reduction_interval(uint64_t interval, uint64_t block_emission)
{
    /* halving = E / 1e9 as I64F64 (truncated), then interval * halving,
     * truncated to an integer. E < 2^64 so E*2^64 fits 128 bits. */
    yu128 halving = ((yu128)block_emission << 64) / YUMA_RAO_PER_TAO;
    yu128 prod = yu64f64_mul((yu128)interval << 64, halving);
    uint64_t r = yu64f64_to_u64(prod);
    /* I64F64 is signed: from_num and the product saturate at 2^63 - 2^-64,
     * whose integer part is INT64_MAX. */
    return r > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : r;
}

uint64_t yuma_lock_cost(uint64_t last_lock, uint64_t last_lock_block, uint64_t now,
                        uint64_t min_lock, uint64_t interval)
{
    uint64_t mult = last_lock_block == 0 ? 1 : 2;
    uint64_t per_block = interval == 0 ? 0 : last_lock / interval;
    uint64_t decay = yu64_sat_mul(per_block, yu64_sat_sub(now, last_lock_block));
    uint64_t cost = yu64_sat_sub(yu64_sat_mul(last_lock, mult), decay);
    return cost < min_lock ? min_lock : cost;
}

uint64_t yuma_mul_by_q32(uint64_t value, uint64_t factor_q32)
{
    yu128 shifted = ((yu128)value * factor_q32) >> 32;
    return shifted > UINT64_MAX ? UINT64_MAX : (uint64_t)shifted;
}

uint64_t yuma_pow_q32(uint64_t base_q32, uint16_t exp)
{
    uint64_t result = YUMA_Q32_ONE, factor = base_q32;
    uint32_t power = exp;
    while (power > 0) {
        if (power & 1) result = yuma_mul_by_q32(result, factor);
        power >>= 1;
        /* The reference skips the last squaring; it cannot change the
         * result but keeping the same step list keeps it obviously equal. */
        if (power > 0) factor = yuma_mul_by_q32(factor, factor);
    }
    return result;
}

uint64_t yuma_decay_factor_q32(uint16_t half_life)
{
    if (half_life == 0) return YUMA_Q32_ONE;
    uint64_t lo = 0, hi = YUMA_Q32_ONE;
    const uint64_t half = YUMA_Q32_ONE >> 1;
    while (lo + 1 < hi) {
        uint64_t mid = lo + ((hi - lo) >> 1);
        if (yuma_pow_q32(mid, half_life) > half) hi = mid;
        else lo = mid;
    }
    return lo;
}

uint64_t yuma_burn_clamp(uint64_t burn, uint64_t min_burn, uint64_t max_burn)
{
    if (burn < min_burn) burn = min_burn;
    if (burn > max_burn) burn = max_burn;
    return burn;
}

uint64_t yuma_burn_decay(uint64_t burn, uint16_t half_life, uint64_t block,
                         uint64_t min_burn, uint64_t max_burn)
{
    if (half_life > 0 && block > 1)
        burn = yuma_mul_by_q32(burn, yuma_decay_factor_q32(half_life));
    return yuma_burn_clamp(burn, min_burn, max_burn);
}

uint64_t yuma_burn_bump(uint64_t burn, yu128 mult_u64f64, uint64_t min_burn,
                        uint64_t max_burn)
{
    if (mult_u64f64 < YU64F64_ONE) mult_u64f64 = YU64F64_ONE;
    uint64_t bumped = yu64f64_to_u64(yu64f64_mul(yu64f64_from_u64(burn), mult_u64f64));
    return yuma_burn_clamp(bumped, min_burn, max_burn);
}

yu128 yuma_tao_weight_u96f32(uint64_t tao_weight)
{
    yu128 w = 0;
    /* U96F32(tw) / U96F32(u64::MAX): the 2^32 scales cancel to this. */
    (void)yu96f32_checked_div(yu96f32_from_u64(tao_weight), yu96f32_from_u64(UINT64_MAX), &w);
    return w;
}

yu128 yuma_root_proportion(uint64_t tao_weight, uint64_t root_tao, uint64_t alpha_issuance)
{
    yu128 weighted = yu96f32_mul(yu96f32_from_u64(root_tao), yuma_tao_weight_u96f32(tao_weight));
    yu128 denom = yu128_sat_add(weighted, yu96f32_from_u64(alpha_issuance));
    yu128 rp;
    /* checked_div(...).unwrap_or(0) */
    if (!yu96f32_checked_div(weighted, denom, &rp)) return 0;
    return rp;
}

yu128 yuma_moving_price_update(yu128 old_ema_i96f32, yu128 spot_u64f64,
                               yu128 moving_alpha_i96f32, uint64_t halving_blocks,
                               uint64_t first_emission_block, uint64_t now)
{
    /* I96F32 -> U64F64 is exact for the small non-negative values stored;
     * saturate rather than wrap if a raw would not fit. */
    yu128 ma = moving_alpha_i96f32 >> 96 ? YU128_MAX : moving_alpha_i96f32 << 32;
    yu128 old = old_ema_i96f32 >> 96 ? YU128_MAX : old_ema_i96f32 << 32;
    uint64_t b = yu64_sat_sub(now, yu64_sat_sub(first_emission_block, 1));
    yu128 bf = yu64f64_from_u64(b);
    yu128 ratio = yu64f64_div(bf, yu128_sat_add(bf, yu64f64_from_u64(halving_blocks)));
    yu128 alpha = yu64f64_mul(ma, ratio);
    yu128 one_minus = yu128_sat_sub(YU64F64_ONE, alpha);
    yu128 spot = spot_u64f64 < YU64F64_ONE ? spot_u64f64 : YU64F64_ONE;
    yu128 sum = yu128_sat_add(yu64f64_mul(alpha, spot), yu64f64_mul(one_minus, old));
    return sum >> 32; /* U64F64 -> I96F32 drops 32 fractional bits */
}
