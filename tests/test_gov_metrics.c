/*
 * test_gov_metrics.c - concentration metrics (governance-and-users §3.1)
 * against values computed by hand from the spec's formulas, their edge
 * cases (no holder, one holder, all equal, zeros, huge totals), and the
 * populations read from a real chain: a subnet's permitted validators,
 * root stake, the stake house by coldkey (EMA-priced alpha), the council
 * by seat holder, and §5.11's raised House C threshold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/metrics.h"
#include "yuma/chain.h"

/* {50, 30, 20}: shares .5 .3 .2.
 *   NC(1/3) = 1 (.5 > 1/3); NC(1/2) = 2 (.5 is not > 1/2, .8 is); NC(2/3) = 2.
 *   Gini = (|.5-.3| + |.5-.2| + |.3-.2|) * 2 / (2 * 3 * 1) = 1.2 / 6 = 0.2.
 *   HHI = .25 + .09 + .04 = .38 (3,800 on the 0..10,000 scale);
 *   effective holders = 1 / .38 = 2.631578... -> 2631 thousandths. */
static void test_hand_values(void **state)
{
    (void)state;
    const uint64_t p[] = {30, 50, 20}; /* any order */
    gov_concentration c;
    assert_true(gov_concentration_compute(p, 3, &c));
    assert_int_equal(c.holders, 3);
    assert_true(c.total == 100);
    assert_int_equal(c.nc_third, 1);
    assert_int_equal(c.nc_half, 2);
    assert_int_equal(c.nc_two_thirds, 2);
    assert_int_equal(c.gini_ppb, 200000000);
    assert_int_equal(c.hhi_ppb, 380000000);
    assert_int_equal(c.hhi, 3800);
    assert_int_equal(c.effective_milli, 2631);
    assert_int_equal(c.top5_ppb, 1000000000);
    assert_int_equal(c.top10_ppb, 1000000000);
}

/* The spec's own arithmetic (§3.2, root network June 2024): shares 25,
 * 13.5, 11, 9, 6.5 %, ranks 6-10 sharing 20 % (4 % each), and the last
 * 15 % here spread over 15 holders of 1 % (permille below).
 *   NC(1/2) = 4 (25 + 13.5 + 11 = 49.5 % is not above half); NC(1/3) = 2;
 *   HHI = 625 + 182.25 + 121 + 81 + 42.25 + 5 * 16 + 15 * 1 = 1,146.5
 *   (the spec's "about 1,140-1,190", 8.72 effective holders: "8-9");
 *   CR-5 = 65 %, CR-10 = 85 %;
 *   Gini: ascending x_i (i = 0..24), sum (2i - 24) x_i = -150*10 + 50*40
 *   + 16*65 + 18*90 + 20*110 + 22*135 + 24*250 = 14,330, G = 14,330 /
 *   (25 * 1,000) = 0.5732. */
static void test_spec_root_example(void **state)
{
    (void)state;
    uint64_t p[25] = {250, 135, 110, 90, 65, 40, 40, 40, 40, 40};
    for (int i = 10; i < 25; i++) p[i] = 10;
    gov_concentration c;
    assert_true(gov_concentration_compute(p, 25, &c));
    assert_int_equal(c.nc_half, 4);
    assert_int_equal(c.nc_third, 2);
    assert_int_equal(c.hhi, 1146);
    assert_int_equal(c.hhi_ppb, 114650000);
    assert_int_equal(c.effective_milli, 8722);
    assert_int_equal(c.top5_ppb, 650000000);
    assert_int_equal(c.top10_ppb, 850000000);
    assert_int_equal(c.gini_ppb, 573200000);
}

static void test_edge_cases(void **state)
{
    (void)state;
    gov_concentration c;
    /* No holder at all, or only zeros: an empty population. */
    assert_true(gov_concentration_compute(NULL, 0, &c));
    assert_int_equal(c.holders, 0);
    assert_int_equal(c.nc_half, 0);
    assert_int_equal(c.gini_ppb, 0);
    assert_int_equal(c.hhi_ppb, 0);
    const uint64_t zeros[] = {0, 0, 0};
    assert_true(gov_concentration_compute(zeros, 3, &c));
    assert_int_equal(c.holders, 0);
    assert_int_equal(c.nc_third, 0);
    /* One holder (zeros do not count): it controls everything. */
    const uint64_t one[] = {0, 7, 0};
    assert_true(gov_concentration_compute(one, 3, &c));
    assert_int_equal(c.holders, 1);
    assert_int_equal(c.nc_third, 1);
    assert_int_equal(c.nc_half, 1);
    assert_int_equal(c.nc_two_thirds, 1);
    assert_int_equal(c.gini_ppb, 0);
    assert_int_equal(c.hhi, 10000);
    assert_int_equal(c.effective_milli, 1000);
    /* n equal holders: Gini 0, HHI 1/n, NC(t) = floor(t n) + 1. */
    uint64_t eq[10];
    for (int i = 0; i < 10; i++) eq[i] = 123456789;
    assert_true(gov_concentration_compute(eq, 10, &c));
    assert_int_equal(c.gini_ppb, 0);
    assert_int_equal(c.hhi, 1000);
    assert_int_equal(c.effective_milli, 10000);
    assert_int_equal(c.nc_third, 4);       /* 3/10 is not above 1/3, 4/10 is */
    assert_int_equal(c.nc_half, 6);        /* 5/10 is exactly half: not above */
    assert_int_equal(c.nc_two_thirds, 7);
    assert_int_equal(c.top5_ppb, 500000000);
    /* Two holders, one with everything but a dust amount: Gini -> 1/2 for
     * n = 2 (its maximum is (n-1)/n). */
    const uint64_t dust[] = {1, 999999};
    assert_true(gov_concentration_compute(dust, 2, &c));
    assert_int_equal(c.gini_ppb, 499999000); /* (999999 - 1) / (2 * 1e6) */
    /* Totals far above 2^62 still give the scale-free values. */
    const uint64_t big[] = {UINT64_MAX / 2, UINT64_MAX / 2, UINT64_MAX / 2, UINT64_MAX / 2};
    assert_true(gov_concentration_compute(big, 4, &c));
    assert_int_equal(c.gini_ppb, 0);
    assert_int_equal(c.hhi, 2500);
    assert_int_equal(c.nc_half, 3);
}

static void test_council(void **state)
{
    (void)state;
    yuma_account seats[6];
    memset(seats, 0, sizeof seats);
    /* Coldkeys a, a, a, b, c, d: powers {3, 1, 1, 1} of 6.
     * NC(1/2): 3/6 is not above half, 4/6 is -> 2. HHI = (9+1+1+1)/36 = 1/3. */
    for (int i = 0; i < 6; i++) seats[i].bytes[0] = (uint8_t)(i < 3 ? 1 : i);
    gov_concentration c;
    assert_true(gov_metrics_council(seats, 6, &c));
    assert_int_equal(c.holders, 4);
    assert_true(c.total == 6);
    assert_int_equal(c.nc_half, 2);
    assert_int_equal(c.hhi_ppb, 333333333);
    assert_true(gov_metrics_council(NULL, 0, &c));
    assert_int_equal(c.holders, 0);
}

/* ---- populations on a chain ---- */

#define TAO YUMA_RAO_PER_TAO

typedef struct {
    unsigned char pk[32], sk[64];
} keypair;

#define KEYS 10
static keypair cold[KEYS], hot[KEYS];

static yuma_account pub(const keypair *k)
{
    yuma_account a;
    memcpy(a.bytes, k->pk, 32);
    return a;
}

static yuma_chain *chain;
static uint64_t nonce[KEYS];

static void run(int who, const yuma_call *call)
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(chain);
    yuma_chain_genesis_hash(chain, tx.genesis_hash);
    tx.signer = pub(&cold[who]);
    tx.nonce = nonce[who]++;
    tx.fee = yuma_chain_min_fee(chain, YUMA_TX_MAX_ENCODED);
    tx.call = *call;
    assert_true(yuma_tx_sign(&tx, cold[who].sk));
    static uint8_t buf[YUMA_TX_MAX_ENCODED];
    size_t len = yuma_tx_encode(&tx, buf, sizeof buf);
    yuma_tx_bytes raw = {buf, len};
    yuma_block b = {.height = yuma_chain_height(chain) + 1, .tx_count = 1, .txs = &raw};
    yuma_chain_last_hash(chain, b.parent_hash);
    yuma_block_result r;
    assert_int_equal(yuma_chain_apply_block(chain, &b, &r), YUMA_CHAIN_OK);
    assert_int_equal(r.call_status[0], YUMA_CALL_OK);
    free(r.call_status);
}

static void stake(int who, int hk, uint16_t netuid, uint64_t amount)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = YUMA_CALL_ADD_STAKE;
    c.hotkey = pub(&hot[hk]);
    c.netuid = netuid;
    c.amount = amount;
    run(who, &c);
}

static void test_chain_populations(void **state)
{
    (void)state;
    yuma_genesis_balance bal[KEYS];
    for (int i = 0; i < KEYS; i++) bal[i] = (yuma_genesis_balance){pub(&cold[i]), 100000 * TAO};
    yuma_chain_params p = yuma_chain_params_default();
    p.network_rate_limit = 1;
    yuma_genesis g = {.chain_id = 5, .params = p, .balance_count = KEYS, .balances = bal};
    assert_int_equal(yuma_chain_new(&g, &chain), YUMA_CHAIN_OK);
    memset(nonce, 0, sizeof nonce);

    gov_concentration c;
    const ykv *kv = yuma_chain_state(chain);
    /* Nothing staked: every population is empty; NC 0 counts as concentrated. */
    assert_true(gov_metrics_root(kv, &c));
    assert_int_equal(c.holders, 0);
    uint32_t nc;
    bool raised;
    assert_true(gov_metrics_stake_house_nc(kv, &nc, &raised));
    assert_int_equal(nc, 0);
    assert_true(raised);
    assert_false(gov_metrics_subnet(kv, 1, &c)); /* no subnet 1 yet */

    /* Root stake (TAO, 1:1): hotkeys 0..4 registered through a subnet. */
    yuma_call reg;
    memset(&reg, 0, sizeof reg);
    reg.kind = YUMA_CALL_REGISTER_NETWORK;
    reg.hotkey = pub(&hot[0]);
    run(0, &reg);
    for (int i = 1; i < 5; i++) {
        yuma_call r;
        memset(&r, 0, sizeof r);
        r.kind = YUMA_CALL_BURNED_REGISTER;
        r.netuid = 1;
        r.hotkey = pub(&hot[i]);
        run(i, &r);
    }
    /* Root stakes 50, 30, 20 TAO by coldkeys 0, 1, 2 on hotkeys 0, 1, 2,
     * and coldkey 0 again with 10 on hotkey 3: per hotkey {50, 30, 20, 10},
     * per coldkey {60, 30, 20}. */
    stake(0, 0, 0, 50 * TAO);
    stake(1, 1, 0, 30 * TAO);
    stake(2, 2, 0, 20 * TAO);
    stake(0, 3, 0, 10 * TAO);
    kv = yuma_chain_state(chain);
    assert_true(gov_metrics_root(kv, &c));
    assert_int_equal(c.holders, 4);
    assert_true(c.total == 110 * TAO);
    /* shares 50/110, 30/110, 20/110, 10/110: NC(1/2): 50 no, 80 yes -> 2;
     * HHI = (2500 + 900 + 400 + 100) / 12100 = 0.322314... */
    assert_int_equal(c.nc_half, 2);
    assert_int_equal(c.hhi_ppb, 322314049);
    /* The stake house by coldkey (subnet 1 has no EMA price before its
     * emission starts, so only root TAO counts): {60, 30, 20} of 110:
     * NC(1/2) = 1 (60/110 > 1/2), below 5: House C's threshold rises. */
    assert_true(gov_metrics_stake_house(kv, &c));
    assert_int_equal(c.holders, 3);
    assert_int_equal(c.nc_half, 1);
    assert_true(gov_metrics_stake_house_nc(kv, &nc, &raised));
    assert_int_equal(nc, 1);
    assert_true(raised);
    /* Subnet 1 before any epoch: no validator permit yet, no population. */
    assert_true(gov_metrics_subnet(kv, 1, &c));
    assert_int_equal(c.holders, 0);
    yuma_chain_free(chain);
    chain = NULL;
}

/* §5.11 with a diverse stake house: ten coldkeys of equal root stake give
 * NC(1/2) = 6 (5/10 is not above half), not below 5: the threshold stays. */
static void test_stake_house_diverse(void **state)
{
    (void)state;
    yuma_genesis_balance bal[KEYS];
    for (int i = 0; i < KEYS; i++) bal[i] = (yuma_genesis_balance){pub(&cold[i]), 10000 * TAO};
    yuma_chain_params p = yuma_chain_params_default();
    p.network_rate_limit = 1;
    yuma_genesis g = {.chain_id = 6, .params = p, .balance_count = KEYS, .balances = bal};
    assert_int_equal(yuma_chain_new(&g, &chain), YUMA_CHAIN_OK);
    memset(nonce, 0, sizeof nonce);
    yuma_call reg;
    memset(&reg, 0, sizeof reg);
    reg.kind = YUMA_CALL_REGISTER_NETWORK;
    reg.hotkey = pub(&hot[0]);
    run(0, &reg);
    /* Every coldkey stakes 7 TAO on root through hotkey 0 (the owner's). */
    for (int i = 0; i < KEYS; i++) stake(i, 0, 0, 7 * TAO);
    uint32_t nc;
    bool raised;
    assert_true(gov_metrics_stake_house_nc(yuma_chain_state(chain), &nc, &raised));
    assert_int_equal(nc, 6);
    assert_false(raised);
    yuma_chain_free(chain);
    chain = NULL;
}

static int make_keys(void **state)
{
    (void)state;
    for (int i = 0; i < KEYS; i++) {
        unsigned char seed[32] = {0x4D, (unsigned char)i};
        crypto_sign_seed_keypair(cold[i].pk, cold[i].sk, seed);
        seed[0] = 0x4E;
        crypto_sign_seed_keypair(hot[i].pk, hot[i].sk, seed);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_values),    cmocka_unit_test(test_spec_root_example),
        cmocka_unit_test(test_edge_cases),     cmocka_unit_test(test_council),
        cmocka_unit_test(test_chain_populations), cmocka_unit_test(test_stake_house_diverse),
    };
    return cmocka_run_group_tests(tests, make_keys, NULL);
}
