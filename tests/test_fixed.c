/*
 * test_fixed.c - unit tests of the fixed-point primitives (include/yuma/fixed.h)
 * against spec sections 1.2-1.4 and the sigmoid vectors of section 5.12.
 * Floating point appears here only to turn the reference's f64 literals into
 * I32F32 raws (from_num: round to nearest, ties to even).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "yuma/fixed.h"

#define ONE YFX_ONE

/* I32F32::from_num(f64): round(d * 2^32), ties to even. d * 2^32 is exact. */
static yfx f64_raw(double d)
{
    double x = d * 4294967296.0;
    int64_t t = (int64_t)x; /* toward zero */
    double fr = x - (double)t;
    if (fr > 0.5 || (fr == 0.5 && (t & 1))) t++;
    else if (fr < -0.5 || (fr == -0.5 && (t & 1))) t--;
    return t;
}

static void test_add_sub(void **state)
{
    (void)state;
    assert_int_equal(yfx_sat_add(ONE, ONE), 2 * ONE);
    assert_int_equal(yfx_sat_add(YFX_MAX, 1), YFX_MAX);
    assert_int_equal(yfx_sat_add(YFX_MIN, -1), YFX_MIN);
    assert_int_equal(yfx_sat_add(YFX_MAX, YFX_MIN), -1);
    assert_int_equal(yfx_sat_sub(ONE, 2 * ONE), -ONE);
    assert_int_equal(yfx_sat_sub(YFX_MIN, 1), YFX_MIN);
    assert_int_equal(yfx_sat_sub(YFX_MAX, -1), YFX_MAX);
    assert_int_equal(yfx_sat_sub(0, YFX_MIN), YFX_MAX);
    assert_int_equal(yfx_sat_sub(-1, YFX_MIN), YFX_MAX);
    assert_int_equal(yfx_sat_sub(-2, YFX_MAX), YFX_MIN);
}

static void test_mul(void **state)
{
    (void)state;
    /* floor(a*b / 2^32): toward -inf for negative products. */
    assert_int_equal(yfx_mul(2 * ONE, 3 * ONE), 6 * ONE);
    assert_int_equal(yfx_mul(3, YFX_HALF), 1);           /* 1.5 raw -> 1 */
    assert_int_equal(yfx_mul(-3, YFX_HALF), -2);         /* -1.5 raw -> -2 */
    assert_int_equal(yfx_mul(-1, YFX_HALF), -1);         /* -0.5 raw -> -1, not 0 */
    assert_int_equal(yfx_mul(YFX_HALF, -1), -1);
    assert_int_equal(yfx_mul(-ONE, -ONE), ONE);
    assert_int_equal(yfx_mul(-1, -1), 0);                /* +2^-64 -> 0 */
    assert_int_equal(yfx_mul(ONE / 3, 3 * ONE), ONE - 1); /* 1431655765 * 3 */
    /* saturation: MAX when the signs agree, MIN when they differ */
    assert_int_equal(yfx_mul(YFX_MAX, 2 * ONE), YFX_MAX);
    assert_int_equal(yfx_mul(YFX_MAX, -2 * ONE), YFX_MIN);
    assert_int_equal(yfx_mul(YFX_MIN, -ONE), YFX_MAX);
    assert_int_equal(yfx_mul(YFX_MIN, ONE), YFX_MIN);
    assert_int_equal(yfx_mul(YFX_MIN, 2 * ONE), YFX_MIN);
    /* the non-negative fast path agrees */
    assert_int_equal(yfx_mul_nonneg(3, YFX_HALF), 1);
    assert_int_equal(yfx_mul_nonneg(ONE / 3, 3 * ONE), ONE - 1);
    assert_int_equal(yfx_mul_nonneg(YFX_MAX, 2 * ONE), YFX_MAX);
    assert_int_equal(yfx_mul_nonneg(YFX_MAX, ONE), YFX_MAX);
    assert_int_equal(yfx_mul_nonneg(0, YFX_MAX), 0);

    yfx r = 12345;
    assert_true(yfx_checked_mul(-1, YFX_HALF, &r));
    assert_int_equal(r, -1);
    assert_true(yfx_checked_mul(YFX_MIN, ONE, &r));
    assert_int_equal(r, YFX_MIN);
    r = 777;
    assert_false(yfx_checked_mul(YFX_MAX, 2 * ONE, &r));
    assert_false(yfx_checked_mul(YFX_MIN, -ONE, &r));
    assert_false(yfx_checked_mul(YFX_MAX, -2 * ONE, &r));
    assert_int_equal(r, 777); /* untouched on failure */
}

static void test_div(void **state)
{
    (void)state;
    yfx r = 0;
    /* trunc(a * 2^32 / b) toward zero */
    assert_true(yfx_checked_div(ONE, 3 * ONE, &r));
    assert_int_equal(r, 1431655765);
    assert_true(yfx_checked_div(-ONE, 3 * ONE, &r));
    assert_int_equal(r, -1431655765);
    assert_true(yfx_checked_div(-1, 3 * ONE, &r));
    assert_int_equal(r, 0); /* -1/3 raw truncates to 0 (floor would be -1) */
    assert_true(yfx_checked_div(2 * ONE, -ONE, &r));
    assert_int_equal(r, -2 * ONE);
    assert_true(yfx_checked_div(YFX_MIN, ONE, &r));
    assert_int_equal(r, YFX_MIN);
    r = 99;
    assert_false(yfx_checked_div(ONE, 0, &r));          /* zero divisor */
    assert_false(yfx_checked_div(YFX_MAX, YFX_HALF, &r)); /* overflow */
    assert_false(yfx_checked_div(YFX_MIN, -ONE, &r));   /* 2^63 overflow */
    assert_int_equal(r, 99);

    /* safe_div: 0 on a zero divisor and on overflow */
    assert_int_equal(yfx_safe_div(ONE, 0), 0);
    assert_int_equal(yfx_safe_div(0, 0), 0);
    assert_int_equal(yfx_safe_div(YFX_MAX, YFX_HALF), 0);
    assert_int_equal(yfx_safe_div(YFX_MIN, YFX_HALF), 0);
    assert_int_equal(yfx_safe_div(YFX_MIN, -ONE), 0);
    assert_int_equal(yfx_safe_div(ONE, 3 * ONE), 1431655765);
    assert_int_equal(yfx_safe_div(3 * ONE, 2 * ONE), ONE + YFX_HALF);
    assert_int_equal(yfx_safe_div(6640 * ONE, 65535 * ONE), 435165680);

    /* saturating_div: clamps instead */
    assert_int_equal(yfx_sat_div(YFX_MAX, YFX_HALF), YFX_MAX);
    assert_int_equal(yfx_sat_div(YFX_MIN, YFX_HALF), YFX_MIN);
    assert_int_equal(yfx_sat_div(YFX_MAX, -YFX_HALF), YFX_MIN);
    assert_int_equal(yfx_sat_div(YFX_MIN, -ONE), YFX_MAX);
    assert_int_equal(yfx_sat_div(1000 * ONE, -100 * ONE), -10 * ONE);
    assert_int_equal(yfx_sat_div(-1, 3 * ONE), 0);
    assert_int_equal(yfx_sat_div(ONE, 3 * ONE), 1431655765);

    /* the non-negative fast path equals safe_div */
    static const yfx nums[] = {0, 1, 7, ONE - 1, ONE, ONE + 1, 3 * ONE, 65535 * ONE, YFX_MAX / 2, YFX_MAX};
    static const yfx dens[] = {0, 1, 3, ONE - 1, ONE, ONE + 7, 3 * ONE, 65535 * ONE, YFX_MAX};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        for (size_t j = 0; j < sizeof dens / sizeof dens[0]; j++)
            assert_int_equal(yfx_div_nonneg(nums[i], dens[j]), yfx_safe_div(nums[i], dens[j]));
}

static void test_conversions(void **state)
{
    (void)state;
    assert_int_equal(yfx_from_int(0), 0);
    assert_int_equal(yfx_from_int(65535), YFX_U16_MAX_RAW);
    assert_int_equal(yfx_from_int(-5), -5 * ONE);
    assert_int_equal(yfx_from_int((int64_t)1 << 31), YFX_MAX);   /* saturates */
    assert_int_equal(yfx_from_int(((int64_t)1 << 31) - 1), YFX_MAX - (ONE - 1));
    assert_int_equal(yfx_from_int(-((int64_t)1 << 31)), YFX_MIN); /* exact */
    assert_int_equal(yfx_from_int(-((int64_t)1 << 31) - 1), YFX_MIN);
    assert_int_equal(yfx_from_int(INT64_MAX), YFX_MAX);

    /* to u16: floor, then clamp */
    assert_int_equal(yfx_to_u16(0), 0);
    assert_int_equal(yfx_to_u16(2 * ONE - 1), 1);
    assert_int_equal(yfx_to_u16(-1), 0);
    assert_int_equal(yfx_to_u16(YFX_MIN), 0);
    assert_int_equal(yfx_to_u16(YFX_U16_MAX_RAW), 65535);
    assert_int_equal(yfx_to_u16(65536 * ONE), 65535);
    assert_int_equal(yfx_to_u16(YFX_MAX), 65535);
    /* to u64 */
    assert_int_equal(yfx_to_u64(-1), 0);
    assert_int_equal(yfx_to_u64(YFX_MIN), 0);
    assert_int_equal(yfx_to_u64(3 * ONE + 5), 3);
    assert_int_equal(yfx_to_u64(YFX_MAX), ((uint64_t)1 << 31) - 1);

    /* section 1.3 / 1.6 examples */
    assert_int_equal(yfx_to_u16_proportion(YFX_HALF), 32767);
    assert_int_equal(yfx_to_u16_proportion(ONE), 65535);
    assert_int_equal(yfx_to_u16_proportion(0), 0);
    assert_int_equal(yfx_to_u16_proportion(-ONE), 0);
    assert_int_equal(yfx_to_u16_proportion(2 * ONE), 65535);
    assert_int_equal(yfx_to_u16_proportion(ONE / 64), 1023);  /* pitfall 3: 1/64 -> 1023 */
    assert_int_equal(yfx_to_u16_proportion(ONE / 448), 146);  /* 1/448 -> 146 */
    assert_int_equal(yfx_from_u16_proportion(6640), 435165680);
    assert_int_equal(yfx_from_u16_proportion(32767), 2147450879); /* kappa */
    assert_int_equal(yfx_from_u16_proportion(45875), 3006509875); /* alpha low */
    assert_int_equal(yfx_from_u16_proportion(58982), 3865503334); /* alpha high */
    assert_int_equal(yfx_from_u16_proportion(65535), ONE);
    assert_int_equal(yfx_from_u16_proportion(0), 0);
    for (uint32_t v = 0; v <= 65535; v += 97)
        assert_int_equal(yfx_from_u16_proportion((uint16_t)v),
                         yfx_safe_div(yfx_from_int(v), YFX_U16_MAX_RAW));

    /* fixed64_to_fixed32: floor, clamp */
    assert_int_equal(yfx_from_i64f64((yfx_i128)1 << 64), ONE);
    assert_int_equal(yfx_from_i64f64(-1), -1);
    assert_int_equal(yfx_from_i64f64(((yfx_i128)1 << 32) - 1), 0);
    assert_int_equal(yfx_from_i64f64(-((yfx_i128)1 << 32)), -1);
    assert_int_equal(yfx_from_i64f64((yfx_i128)1 << 100), YFX_MAX);
    assert_int_equal(yfx_from_i64f64(-((yfx_i128)1 << 100)), YFX_MIN);

    /* amount (section 2.10): share 0.1 stored as raw 429496729, R = 1e9 */
    assert_int_equal(yfx_amount(429496729, 1000000000), 99999999);
    assert_int_equal(yfx_amount(ONE, 1000000000), 1000000000);
    assert_int_equal(yfx_amount(0, 1000000000), 0);
    assert_int_equal(yfx_amount(-ONE, 1000000000), 0);
    assert_int_equal(yfx_amount(YFX_MAX, UINT64_MAX), UINT64_MAX);
    /* stake example of 2.2: [1,2,3,4] -> raws */
    assert_int_equal(yfx_safe_div(1 * ONE, 10 * ONE), 429496729);
    assert_int_equal(yfx_safe_div(2 * ONE, 10 * ONE), 858993459);
    assert_int_equal(yfx_safe_div(3 * ONE, 10 * ONE), 1288490188);
    assert_int_equal(yfx_safe_div(4 * ONE, 10 * ONE), 1717986918);
}

static void test_round(void **state)
{
    (void)state;
    /* nearest integer, ties away from zero */
    assert_int_equal(yfx_round(0), 0);
    assert_int_equal(yfx_round(YFX_HALF), ONE);
    assert_int_equal(yfx_round(YFX_HALF - 1), 0);
    assert_int_equal(yfx_round(-YFX_HALF), -ONE);
    assert_int_equal(yfx_round(-YFX_HALF + 1), 0);
    assert_int_equal(yfx_round(ONE + YFX_HALF), 2 * ONE);
    assert_int_equal(yfx_round(2 * ONE + YFX_HALF), 3 * ONE); /* not to even */
    assert_int_equal(yfx_round(-2 * ONE - YFX_HALF), -3 * ONE);
    assert_int_equal(yfx_round(-ONE - YFX_HALF - 1), -2 * ONE);
    assert_int_equal(yfx_round(-ONE - YFX_HALF + 1), -ONE);
    assert_int_equal(yfx_round(7 * ONE + 1), 7 * ONE);
    assert_int_equal(yfx_round(-7 * ONE - 1), -7 * ONE);
    assert_int_equal(yfx_round(65534 * ONE + YFX_HALF), 65535 * ONE);
    assert_int_equal(yfx_round(YFX_MIN), YFX_MIN);
    /* the largest value cannot round up: it stays within range */
    assert_true(yfx_round(YFX_MAX) <= YFX_MAX);
    assert_int_equal(yfx_round(YFX_MAX) % ONE, 0);
}

/* Section 1.4: exp_safe raws. */
static void test_exp_safe(void **state)
{
    (void)state;
    assert_int_equal(yfx_exp_safe(20 * ONE), 2066907302758576256LL);
    assert_int_equal(yfx_exp_safe(-20 * ONE), 8);
    assert_int_equal(yfx_exp_safe(5 * ONE), 637429664624LL);
    assert_int_equal(yfx_exp_safe(-5 * ONE), 28939262);
    assert_int_equal(yfx_exp_safe(YFX_HALF), 7081203935LL);
    assert_int_equal(yfx_exp_safe(-ONE), 1580030169);
    assert_int_equal(yfx_exp_safe(0), ONE);
    assert_int_equal(yfx_exp_safe(ONE), (yfx)22802600 << 9); /* the 23-bit e */
    assert_int_equal(yfx_exp_safe(ONE), 11674931200LL);
    /* |x| >= 20 clamps */
    static const yfx big[] = {20 * ONE, 20 * ONE + 1, 21 * ONE, 1000 * ONE, YFX_MAX};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        assert_int_equal(yfx_exp_safe(big[i]), 2066907302758576256LL);
        yfx neg = big[i] == YFX_MAX ? YFX_MIN : -big[i];
        assert_int_equal(yfx_exp_safe(neg), 8);
    }
    assert_int_equal(yfx_exp_safe(-YFX_MAX), 8);
}

/* Section 5.12: sigmoid_safe with rho = 30 and rho = 40, kappa = 0.5. */
static void test_sigmoid_safe(void **state)
{
    (void)state;
    const yfx rho30 = 30 * ONE, rho40 = 40 * ONE, kappa = YFX_HALF;
    const yfx in30[] = {YFX_MIN, 0, f64_raw(0.4), f64_raw(0.5), f64_raw(0.6), ONE, YFX_MAX};
    const double t30[] = {0.0000000019, 0.0000003057, 0.0474258729, 0.5,
                          0.952574127,  0.9999996943, 0.9999999981};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(yfx_sigmoid_safe(in30[i], rho30, kappa), f64_raw(t30[i]));

    /* inputs are f32 literals 0.0, 0.1, ..., 1.0 */
    const float in40f[] = {0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f};
    const double t40[] = {0.0000000019, 0.0000001125, 0.0000061442, 0.0003353502,
                          0.017986214,  0.5,          0.9820138067, 0.9996646498,
                          0.9999938558, 0.9999998875, 0.9999999981};
    for (size_t i = 0; i < 11; i++)
        assert_int_equal(yfx_sigmoid_safe(f64_raw((double)in40f[i]), rho40, kappa),
                         f64_raw(t40[i]));
    /* the raws quoted by the spec */
    assert_int_equal(f64_raw(t40[0]), 8);
    assert_int_equal(f64_raw(t40[1]), 483);
    assert_int_equal(f64_raw(t40[2]), 26389);
    assert_int_equal(f64_raw(t40[3]), 1440318);
    assert_int_equal(f64_raw(t40[4]), 77250201);
    assert_int_equal(f64_raw(t40[5]), 2147483648LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_sub),     cmocka_unit_test(test_mul),
        cmocka_unit_test(test_div),         cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_round),       cmocka_unit_test(test_exp_safe),
        cmocka_unit_test(test_sigmoid_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
