/*
 * test_sharepool.c - stake share pools (include/yuma/sharepool.h) against
 * spec economics.md section 7.1 and vector 10.17, every error path with
 * its message, and the pool-favouring rounding: no holder ever takes out
 * more than it put in plus its share of emissions, and the holders'
 * values never add up to more than the pool holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <cmocka.h>

#include "yuma/sharepool.h"

#define U YUMA_SHARE_UNIT

/* 10.17: empty pool; A adds 100 => denom 100; +50 emission => value 150;
 * B adds 30 => s = 20, denom 120, value 180; A = 150, B = 30. Shares are
 * counted in units of YUMA_SHARE_UNIT. */
static void test_vector_10_17(void **state)
{
    (void)state;
    yuma_sharepool p = {0, 0};
    yu128 a = 0, b = 0;
    assert_int_equal(yuma_sharepool_add(&p, &a, 100), YUMA_SHARE_OK);
    assert_true(p.denom == 100 * U && a == 100 * U && p.value == 100);
    assert_int_equal(yuma_sharepool_distribute(&p, 50), YUMA_SHARE_OK);
    assert_true(p.value == 150 && p.denom == 100 * U);
    yu128 s = 0;
    assert_int_equal(yuma_sharepool_shares_for(&p, 30, &s), YUMA_SHARE_OK);
    assert_true(s == 20 * U);
    assert_int_equal(yuma_sharepool_add(&p, &b, 30), YUMA_SHARE_OK);
    assert_true(b == 20 * U && p.denom == 120 * U && p.value == 180);
    assert_true(yuma_sharepool_value_of(&p, a) == 150);
    assert_true(yuma_sharepool_value_of(&p, b) == 30);
}

static void test_remove(void **state)
{
    (void)state;
    yuma_sharepool p = {0, 0};
    yu128 a = 0, b = 0;
    assert_int_equal(yuma_sharepool_add(&p, &a, 100), YUMA_SHARE_OK);
    assert_int_equal(yuma_sharepool_add(&p, &b, 200), YUMA_SHARE_OK);
    assert_int_equal(yuma_sharepool_distribute(&p, 30), YUMA_SHARE_OK); /* value/share 1.1 */
    assert_true(yuma_sharepool_value_of(&p, a) == 110);
    assert_true(yuma_sharepool_value_of(&p, b) == 220);
    /* removing 55 burns exactly half of A's shares (55/1.1 = 50) */
    assert_int_equal(yuma_sharepool_remove(&p, &a, 55), YUMA_SHARE_OK);
    assert_true(a == 50 * U && p.denom == 250 * U && p.value == 275);
    assert_true(yuma_sharepool_value_of(&p, a) == 55);
    /* a withdrawal that is not a whole number of shares rounds up: 1 rao
     * at 1.1 rao/share costs ceil(U / 1.1) shares */
    yu128 before = b;
    assert_int_equal(yuma_sharepool_remove(&p, &b, 1), YUMA_SHARE_OK);
    assert_true(before - b == (10 * U + 10) / 11);
    /* remove_all takes the floor of the value and every share */
    uint64_t got = 0;
    assert_int_equal(yuma_sharepool_remove_all(&p, &a, &got), YUMA_SHARE_OK);
    assert_true(got == 55 && a == 0);
    assert_int_equal(yuma_sharepool_remove_all(&p, &b, NULL), YUMA_SHARE_OK);
    assert_true(b == 0 && p.denom == 0);
    /* what rounding left behind stays in the pool and goes to the next
     * first depositor, as the reference does */
    uint64_t dust = p.value;
    assert_true(dust <= 1);
    yu128 c = 0;
    assert_int_equal(yuma_sharepool_add(&p, &c, 10), YUMA_SHARE_OK);
    assert_true(c == 10 * U && yuma_sharepool_value_of(&p, c) == 10 + dust);
    /* zero amounts are no-ops */
    assert_int_equal(yuma_sharepool_add(&p, &c, 0), YUMA_SHARE_OK);
    assert_int_equal(yuma_sharepool_remove(&p, &c, 0), YUMA_SHARE_OK);
    assert_true(c == 10 * U);
    assert_true(yuma_sharepool_value_of(NULL, c) == 0);
}

static void test_errors(void **state)
{
    (void)state;
    yuma_sharepool p = {0, 0};
    yu128 a = 0, s;
    assert_int_equal(yuma_sharepool_add(NULL, &a, 1), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_add(&p, NULL, 1), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_remove(NULL, &a, 1), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_remove(&p, NULL, 1), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_remove_all(NULL, &a, NULL), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_remove_all(&p, NULL, NULL), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_distribute(NULL, 1), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_shares_for(NULL, 1, &s), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_int_equal(yuma_sharepool_shares_for(&p, 1, NULL), YUMA_SHARE_ERR_INVALID_ARGUMENT);
    assert_string_equal(yuma_sharepool_strerror(YUMA_SHARE_ERR_INVALID_ARGUMENT),
                        "invalid argument (NULL pointer)");

    /* a deposit worth less than one share: value per share grown past 2^64 */
    yuma_sharepool rich = {UINT64_MAX - 10, 1};
    yu128 b = 0;
    assert_int_equal(yuma_sharepool_add(&rich, &b, 1), YUMA_SHARE_ERR_ZERO_SHARES);
    assert_true(b == 0 && rich.denom == 1 && rich.value == UINT64_MAX - 10);
    /* existing shares worth nothing: deposits mint nothing either */
    yuma_sharepool dead = {0, 5 * U};
    assert_int_equal(yuma_sharepool_shares_for(&dead, 1000, &s), YUMA_SHARE_OK);
    assert_true(s == 0);
    assert_int_equal(yuma_sharepool_add(&dead, &b, 1000), YUMA_SHARE_ERR_ZERO_SHARES);
    assert_string_equal(yuma_sharepool_strerror(YUMA_SHARE_ERR_ZERO_SHARES),
                        "deposit is worth less than one share (InsufficientLiquidity)");

    /* withdrawing more than the holder's value */
    yu128 c = 0;
    assert_int_equal(yuma_sharepool_add(&p, &c, 100), YUMA_SHARE_OK);
    assert_int_equal(yuma_sharepool_remove(&p, &c, 101), YUMA_SHARE_ERR_INSUFFICIENT);
    assert_true(c == 100 * U && p.value == 100);
    assert_string_equal(yuma_sharepool_strerror(YUMA_SHARE_ERR_INSUFFICIENT),
                        "withdrawal exceeds the holder's stake");

    /* value overflow on deposit and on emission */
    assert_int_equal(yuma_sharepool_add(&p, &c, UINT64_MAX - 99), YUMA_SHARE_ERR_OVERFLOW);
    assert_int_equal(yuma_sharepool_distribute(&p, UINT64_MAX - 99), YUMA_SHARE_ERR_OVERFLOW);
    assert_true(p.value == 100);
    assert_int_equal(yuma_sharepool_add(&p, &c, UINT64_MAX - 100), YUMA_SHARE_OK); /* exactly full */
    /* a denominator that cannot grow further (inconsistent storage) */
    yuma_sharepool full = {1, YU128_MAX - 1};
    yu128 d = 0;
    assert_int_equal(yuma_sharepool_add(&full, &d, 1), YUMA_SHARE_ERR_OVERFLOW);
    assert_int_equal(yuma_sharepool_shares_for(&full, 2, &s), YUMA_SHARE_ERR_OVERFLOW);
    assert_string_equal(yuma_sharepool_strerror(YUMA_SHARE_ERR_OVERFLOW),
                        "pool value would exceed 2^64-1 rao");

    /* a holder with more shares than exist */
    yuma_sharepool q = {100, 10 * U};
    yu128 e = 11 * U;
    assert_int_equal(yuma_sharepool_add(&q, &e, 1), YUMA_SHARE_ERR_INCONSISTENT);
    assert_int_equal(yuma_sharepool_remove(&q, &e, 1), YUMA_SHARE_ERR_INCONSISTENT);
    assert_int_equal(yuma_sharepool_remove_all(&q, &e, NULL), YUMA_SHARE_ERR_INCONSISTENT);
    assert_true(yuma_sharepool_value_of(&q, YU128_MAX) == UINT64_MAX);
    assert_string_equal(yuma_sharepool_strerror(YUMA_SHARE_ERR_INCONSISTENT),
                        "holder has more shares than the pool denominator");

    assert_string_equal(yuma_sharepool_strerror(YUMA_SHARE_OK), "ok");
    assert_string_equal(yuma_sharepool_strerror((yuma_share_status)42), "unknown share pool status");
}

static uint64_t lcg = 12345;
static uint64_t rnd(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return lcg >> 17;
}

/*
 * Random deposits, withdrawals and emissions by 5 holders. After every
 * step:
 *  - the holders' values add up to at most the pool value and their
 *    shares exactly to the denominator,
 *  - all that was ever withdrawn plus all that is still claimable is at
 *    most all that was deposited plus all that was emitted,
 *  - the value per share (value / denom) never falls while shares exist:
 *    rounding only ever leaves value behind for the remaining holders.
 * Per holder, without emissions, nobody gets back more than it put in
 * except for the dust an earlier holder left in an emptied pool (the
 * next first depositor inherits it, as in the reference).
 */
static void test_rounding_favours_pool(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        bool emit = round == 1;
        yuma_sharepool p = {0, 0};
        yu128 sh[5] = {0};
        yu128 in = 0, out = 0, emitted = 0;
        for (int step = 0; step < 20000; step++) {
            int who = (int)(rnd() % 5);
            uint64_t r = rnd() % 100;
            uint64_t before_v = p.value;
            yu128 before_d = p.denom;
            if (r < 45) {
                uint64_t amt = 1 + rnd() % (r < 5 ? 3 : 1000000000ULL);
                if (yuma_sharepool_add(&p, &sh[who], amt) == YUMA_SHARE_OK) in += amt;
            } else if (r < 90) {
                uint64_t have = yuma_sharepool_value_of(&p, sh[who]);
                if (have == 0) continue;
                uint64_t amt = 1 + rnd() % have;
                assert_int_equal(yuma_sharepool_remove(&p, &sh[who], amt), YUMA_SHARE_OK);
                out += amt;
            } else if (r < 95) {
                uint64_t got = 0;
                assert_int_equal(yuma_sharepool_remove_all(&p, &sh[who], &got), YUMA_SHARE_OK);
                out += got;
            } else if (emit) {
                uint64_t e = rnd() % 1000000;
                assert_int_equal(yuma_sharepool_distribute(&p, e), YUMA_SHARE_OK);
                emitted += e;
            }
            if (before_d != 0 && p.denom != 0) {
                yu128 h1, l1, h2, l2;
                yu128_mul_wide(p.value, before_d, &h1, &l1);
                yu128_mul_wide(before_v, p.denom, &h2, &l2);
                assert_true(h1 > h2 || (h1 == h2 && l1 >= l2));
            }
            yu128 sum = 0, shares = 0;
            for (int i = 0; i < 5; i++) {
                sum += yuma_sharepool_value_of(&p, sh[i]);
                shares += sh[i];
            }
            assert_true(sum <= p.value);
            assert_true(shares == p.denom);
            assert_true(out + sum <= in + emitted);
            assert_true(out + p.value == in + emitted); /* value is conserved exactly */
        }
    }
}

/* deposits of 1 rao keep minting shares after heavy emissions (the 2^64
 * unit), and a tiny holder cannot round itself a profit by cycling */
static void test_precision(void **state)
{
    (void)state;
    yuma_sharepool p = {0, 0};
    yu128 whale = 0, minnow = 0;
    assert_int_equal(yuma_sharepool_add(&p, &whale, 1), YUMA_SHARE_OK);
    assert_int_equal(yuma_sharepool_distribute(&p, 21000000000000000ULL), YUMA_SHARE_OK);
    uint64_t deposited = 0, withdrawn = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(yuma_sharepool_add(&p, &minnow, 1), YUMA_SHARE_OK);
        deposited++;
        uint64_t v = yuma_sharepool_value_of(&p, minnow);
        if (v) {
            assert_int_equal(yuma_sharepool_remove(&p, &minnow, v), YUMA_SHARE_OK);
            withdrawn += v;
        }
    }
    assert_true(minnow > 0);
    assert_true(withdrawn + yuma_sharepool_value_of(&p, minnow) <= deposited);
    assert_true(withdrawn >= deposited / 2); /* 1 rao still buys ~878 shares */
    assert_true(yuma_sharepool_value_of(&p, whale) >= 21000000000000000ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_10_17),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_rounding_favours_pool),
        cmocka_unit_test(test_precision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
