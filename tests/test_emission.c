/*
 * test_emission.c - block emission, lock cost, burn decay/bump, root
 * proportion and EMA price (include/yuma/emission.h) against spec
 * economics.md sections 1.1, 3.4-3.5, 6.1, 8.1 and vectors 10.1, 10.6,
 * 10.13-10.16. Exact where the spec says exact or T; the spec's tolerance
 * otherwise. Tolerances are checked on raws with integer arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "yuma/emission.h"

/* floor(raw * 10^digits / 2^frac) */
static yu128 dec(yu128 raw, unsigned frac, unsigned digits)
{
    yu128 p = 1;
    for (unsigned i = 0; i < digits; i++) p *= 10;
    yu128 q;
    assert_true(yu128_mul_div(raw, p, (yu128)1 << frac, &q));
    return q;
}

static yu128 absdiff(yu128 a, yu128 b)
{
    return a > b ? a - b : b - a;
}

/* 10.1 and the thresholds of section 1.1 */
static void test_block_emission(void **state)
{
    (void)state;
    assert_true(yuma_block_emission(0) == 1000000000ULL);
    assert_true(yuma_block_emission(10499999999999999ULL) == 1000000000ULL);
    assert_true(yuma_block_emission(10500000000000000ULL) == 500000000ULL);
    assert_true(yuma_block_emission(15749999999999999ULL) == 500000000ULL);
    assert_true(yuma_block_emission(15750000000000000ULL) == 250000000ULL);
    assert_true(yuma_block_emission(18375000000000000ULL) == 125000000ULL);
    assert_true(yuma_block_emission(19687500000000000ULL) == 62500000ULL);
    /* one rao below the cap, q truncates to 1 - 2^-32: k = 32, B/2^32 < 1 */
    assert_true(yuma_block_emission(20999999999999999ULL) == 0);
    /* S (1 - 2^-12) = 20,994,873,046,875,000: twelve halvings, 1e9/4096 */
    assert_true(yuma_block_emission(20994873046875000ULL) == 244140ULL);
    assert_true(yuma_block_emission(20994873046874999ULL) == 488281ULL);
    assert_true(yuma_block_emission(21000000000000000ULL) == 0);
    assert_true(yuma_block_emission(UINT64_MAX) == 0);
    /* non-increasing in the issuance, and always B / 2^k */
    uint64_t prev = yuma_block_emission(0);
    for (uint64_t i = 0; i < YUMA_TOTAL_SUPPLY; i += 37000000000000ULL) {
        uint64_t e = yuma_block_emission(i);
        assert_true(e <= prev);
        bool halving = false;
        for (int k = 0; k < 64; k++) halving = halving || e == YUMA_DEFAULT_BLOCK_EMISSION >> k;
        assert_true(halving);
        prev = e;
    }
}

/* 10.15 and section 6.1 */
static void test_lock_cost(void **state)
{
    (void)state;
    const uint64_t B = 5000000, last = 1250000000000ULL, min = YUMA_NETWORK_MIN_LOCK_COST;
    uint64_t interval = yuma_lock_reduction_interval(YUMA_NETWORK_LOCK_REDUCTION_INTERVAL, 1000000000ULL);
    assert_true(interval == 57600);
    assert_true(yuma_lock_cost(last, B, B, min, interval) == 2500000000000ULL);
    assert_true(yuma_lock_cost(last, B, B + 1, min, interval) == 2499978298612ULL);
    assert_true(2500000000000ULL - yuma_lock_cost(last, B, B + 10, min, interval) == 10 * 21701388ULL);
    /* after the first halving the interval halves and the decrement doubles */
    uint64_t halved = yuma_lock_reduction_interval(YUMA_NETWORK_LOCK_REDUCTION_INTERVAL, 500000000ULL);
    assert_true(halved == 28800);
    assert_true(2500000000000ULL - yuma_lock_cost(last, B, B + 1, min, halved) == 43402777ULL);
    /* reaching last_lock after `interval` blocks, the floor afterwards */
    assert_true(yuma_lock_cost(last, B, B + 57600, min, interval) ==
                2500000000000ULL - 57600 * 21701388ULL);
    assert_true(yuma_lock_cost(last, B, B + 10 * 57600, min, interval) == min);
    /* never registered: multiplier 1 (last_lock_block 0) */
    assert_true(yuma_lock_cost(3000000000000ULL, 0, 0, min, interval) == 3000000000000ULL);
    /* interval 0: no decay (safe_div gives 0) */
    assert_true(yuma_lock_cost(last, B, B + 1000000, min, 0) == 2500000000000ULL);
    /* a clock before the last lock counts as no elapsed time */
    assert_true(yuma_lock_cost(last, B, B - 1, min, interval) == 2500000000000ULL);
    /* saturation: last_lock * 2 and I64F64's signed range */
    assert_true(yuma_lock_cost(UINT64_MAX, 1, 1, min, 0) == UINT64_MAX);
    assert_true(yuma_lock_reduction_interval(UINT64_MAX, 1000000000ULL) == (uint64_t)INT64_MAX);
    assert_true(yuma_lock_reduction_interval(57600, 0) == 0);
}

/* 10.13: burn decay in Q32, exact */
static void test_burn_decay(void **state)
{
    (void)state;
    assert_true(yuma_decay_factor_q32(360) == 4286705684ULL);
    assert_true(yuma_decay_factor_q32(2) == 3037000500ULL);
    assert_true(yuma_decay_factor_q32(1000) == 4291991283ULL);
    assert_true(yuma_decay_factor_q32(1) == 2147483648ULL);
    assert_true(yuma_decay_factor_q32(0) == YUMA_Q32_ONE);

    const uint64_t lo = 0, hi = UINT64_MAX;
    uint64_t b = 1024;
    for (int i = 0; i < 2; i++) b = yuma_burn_decay(b, 2, 100, lo, hi);
    assert_true(b == 511);
    for (int i = 0; i < 2; i++) b = yuma_burn_decay(b, 2, 100, lo, hi);
    assert_true(b == 255);
    assert_true(yuma_burn_decay(1000, 1000, 100, lo, hi) == 999);
    assert_true(yuma_burn_decay(2000, 1000, 100, lo, hi) == 1998);
    b = 1000000000ULL;
    for (int i = 0; i < 360; i++) b = yuma_burn_decay(b, 360, 100 + (uint64_t)i, lo, hi);
    assert_true(b == 499999865ULL);

    /* no multiplication at block <= 1 or half-life 0, but the clamp runs */
    assert_true(yuma_burn_decay(1000, 360, 1, lo, hi) == 1000);
    assert_true(yuma_burn_decay(1000, 360, 0, 2000, hi) == 2000);
    assert_true(yuma_burn_decay(1000, 0, 500, lo, hi) == 1000);
    assert_true(yuma_burn_decay(5000, 0, 500, lo, 3000) == 3000);
    /* mul_by_q32 saturates */
    assert_true(yuma_mul_by_q32(UINT64_MAX, UINT64_MAX) == UINT64_MAX);
    assert_true(yuma_mul_by_q32(1000, YUMA_Q32_ONE) == 1000);
    assert_true(yuma_pow_q32(YUMA_Q32_ONE >> 1, 0) == YUMA_Q32_ONE);
    assert_true(yuma_pow_q32(YUMA_Q32_ONE >> 1, 3) == YUMA_Q32_ONE >> 3);
}

/* 10.14: bump and clamp order */
static void test_burn_bump(void **state)
{
    (void)state;
    const yu128 one = YU64F64_ONE;
    assert_true(yuma_burn_bump(1000, 3 * one, 0, UINT64_MAX) == 3000);
    uint64_t b = yuma_burn_bump(100000, 2 * one, 100000, 150000);
    assert_true(b == 150000);
    b = yuma_burn_decay(b, 1, 10, 100000, 150000); /* halves to 75,000, raised to Min */
    assert_true(b == 100000);
    /* mult below 1 acts as 1; 1.26 truncates */
    assert_true(yuma_burn_bump(1000, one / 2, 0, UINT64_MAX) == 1000);
    assert_true(yuma_burn_bump(1000000000ULL, one + one * 26 / 100, 0, UINT64_MAX) == 1259999999ULL);
    /* MinBurn > MaxBurn: MaxBurn wins */
    assert_true(yuma_burn_clamp(5, 100, 50) == 50);
    assert_true(yuma_burn_clamp(500, 100, 50) == 50);
    assert_true(yuma_burn_clamp(75, 50, 100) == 75);
    /* the product saturates */
    assert_true(yuma_burn_bump(UINT64_MAX, 3 * one, 0, UINT64_MAX) == UINT64_MAX);
}

/* 10.16 */
static void test_root_proportion(void **state)
{
    (void)state;
    /* TaoWeight 0.18 of u64::MAX: 3,320,413,933,267,719,290 */
    const uint64_t tw = 3320413933267719290ULL;
    yu128 rp = yuma_root_proportion(tw, 1000000000000ULL, 100000000000ULL);
    /* 1.8e11 / 2.8e11 = 0.642857142857..; U96F32 carries ~9 digits */
    assert_true(absdiff(dec(rp, 32, 9), 642857142) <= 1);
    /* 10.3: rp = 0.25 with root TAO 1e9, w = 1, alpha issuance 3e9 */
    rp = yuma_root_proportion(UINT64_MAX, 1000000000ULL, 3000000000ULL);
    assert_true(absdiff(rp, YU96F32_ONE / 4) <= 1);
    /* no root stake: 0; nothing at all: 0 / 0 -> 0 */
    assert_true(yuma_root_proportion(tw, 0, 1000) == 0);
    assert_true(yuma_root_proportion(tw, 0, 0) == 0);
    assert_true(yuma_root_proportion(0, 1000, 0) == 0);
    /* only root: 1 */
    assert_true(yuma_root_proportion(UINT64_MAX, 1000, 0) == YU96F32_ONE);
    assert_true(yuma_tao_weight_u96f32(UINT64_MAX) == YU96F32_ONE);
    assert_true(yuma_tao_weight_u96f32(0) == 0);
}

/* 10.6: the EMA price, within the spec's tolerances */
static void test_moving_price(void **state)
{
    (void)state;
    const yu128 one64 = YU64F64_ONE;
    /* SubnetMovingAlpha 0.1 (I96F32), b = h = 201,600 => a = 0.05;
     * 14 updates from 0 at spot 1.0 => 1 - 0.95^14 = 0.512325 (+-0.001) */
    yu128 ma = (YU96F32_ONE + 5) / 10;
    yu128 ema = 0;
    for (int i = 0; i < 14; i++)
        ema = yuma_moving_price_update(ema, one64, ma, 201600, 1, 201600);
    assert_true(absdiff(dec(ema, 32, 6), 512325) <= 1000);

    /* alpha 0.5, b = 144,000,001 => a = 0.4993010 => EMA ~0.4993 (within
     * 0.001 of 0.5) */
    ema = yuma_moving_price_update(0, one64, YU96F32_ONE / 2, YUMA_EMA_PRICE_HALVING_BLOCKS, 1,
                                   144000001ULL);
    assert_true(absdiff(dec(ema, 32, 7), 4993010) <= 10);
    assert_true(absdiff(dec(ema, 32, 3), 500) <= 1);

    /* b = 11 => a = 2.728e-5 => EMA < 0.001 */
    ema = yuma_moving_price_update(0, one64, YU96F32_ONE / 2, YUMA_EMA_PRICE_HALVING_BLOCKS, 1, 11);
    assert_true(dec(ema, 32, 3) == 0);
    assert_true(absdiff(dec(ema, 32, 8), 2728) <= 1);

    /* the spot is clamped at 1.0 before entering the EMA */
    yu128 e2 = yuma_moving_price_update(0, 5 * one64, YU96F32_ONE / 2, YUMA_EMA_PRICE_HALVING_BLOCKS, 1,
                                        144000001ULL);
    assert_true(e2 == yuma_moving_price_update(0, one64, YU96F32_ONE / 2, YUMA_EMA_PRICE_HALVING_BLOCKS,
                                               1, 144000001ULL));
    /* a constant price is a fixed point (up to truncation) */
    yu128 half = YU96F32_ONE / 2;
    yu128 same = yuma_moving_price_update(half, one64 / 2, YU96F32_ONE / 10, 201600, 1, 1000);
    assert_true(absdiff(same, half) <= 1);
    /* alpha 0: the EMA does not move; first emission block 0 counts from 0 */
    assert_true(yuma_moving_price_update(half, one64, 0, 201600, 0, 50) == half);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_emission), cmocka_unit_test(test_lock_cost),
        cmocka_unit_test(test_burn_decay),     cmocka_unit_test(test_burn_bump),
        cmocka_unit_test(test_root_proportion), cmocka_unit_test(test_moving_price),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
