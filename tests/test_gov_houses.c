/*
 * test_gov_houses.c - the counting rules of the two houses
 * (governance-and-users §5.3, §5.9, §5.11) on hand-made vote records, each
 * expected value worked out by hand in the comments: the conviction table,
 * the entity cap, House S's quorum and majority, House C's turnout and
 * supermajority, veto-burn in either house, the appeal thresholds, the
 * threshold rise when the stake house is concentrated, NC(1/2), and the
 * veto escrow's stretch of the timelock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "chain/kv.h"
#include "gov/gov.h"

static yuma_gov_params G;

static void vote(ykv *kv, uint8_t round, uint8_t who, uint8_t choice, uint8_t conviction, uint64_t weight,
                 uint16_t seats)
{
    yuma_account a;
    memset(a.bytes, who, 32);
    gov_vote_rec v = {.choice = choice, .conviction = conviction, .weight = weight, .seats = seats};
    assert_true(gov_vote_put(kv, 1, round, &a, &v));
}

static gov_proposal proposal(uint8_t round, uint64_t eligible, uint32_t seats, uint32_t nakamoto)
{
    gov_proposal p;
    memset(&p, 0, sizeof p);
    p.id = 1;
    p.round = round;
    p.tally[round].s_eligible = eligible;
    p.tally[round].c_seats = seats;
    p.tally[round].s_nakamoto = nakamoto;
    return p;
}

static void test_conviction_table(void **state)
{
    (void)state;
    static const uint32_t milli[] = {100, 1000, 1750, 2500, 3250, 4000};
    static const uint32_t periods[] = {0, 1, 2, 4, 8, 16};
    for (uint8_t c = 0; c <= 5; c++) {
        assert_int_equal(gov_conviction_milli(c), milli[c]);
        assert_int_equal(gov_conviction_periods(c), periods[c]);
    }
    assert_int_equal(gov_conviction_milli(6), 0);
    /* 4x at 16 periods of 7 days: the 112-day lock of §5.3. */
    assert_int_equal(16 * G.lock_period_blocks / 7200, 112);
}

static void test_entity_cap_and_majority(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    /* Effective weights: A 1000*1 = 1000 aye, B 1000*0.1 = 100 nay,
     * C 500*4 = 2000 nay, D 300*2.5 = 750 abstain; cast 3850, cap 385.
     * Capped: aye 385, nay 100 + 385 = 485, abstain 385. */
    vote(kv, 0, 1, GOV_AYE, 1, 1000, 2);
    vote(kv, 0, 2, GOV_NAY, 0, 1000, 1);
    vote(kv, 0, 3, GOV_NAY, 5, 500, 0);
    vote(kv, 0, 4, GOV_ABSTAIN, 3, 300, 1);
    gov_proposal p = proposal(0, 10000, 6, 10);
    assert_true(gov_tally_round(kv, &G, &p, 200000));
    gov_tally *t = &p.tally[0];
    assert_int_equal(t->s_aye, 385);
    assert_int_equal(t->s_nay, 485);
    assert_int_equal(t->s_abstain, 385);
    assert_int_equal(t->s_veto, 0);
    /* Turnout is raw stake: 2800 of 10000 = 28% >= 20%; but 385 of 870
     * decisive is not a majority. */
    assert_int_equal(t->s_turnout, 2800);
    assert_false(t->s_pass);
    /* Seats: 2 aye, 1 nay, 1 abstain of 6: turnout 4/6 >= 1/2, aye 2/4 < 2/3. */
    assert_int_equal(t->c_aye, 2);
    assert_int_equal(t->c_nay, 1);
    assert_int_equal(t->c_abstain, 1);
    assert_false(t->c_pass);
    assert_false(t->veto);
    assert_true(t->tallied);
    ykv_free(kv);
}

static void test_quorum_and_pass(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    /* Three equal aye voters and one nay: each 1000 at 1x, cap 400 (10%
     * of 4000) -> aye 1200, nay 400: 75% > 50%. Seats 3 aye of 4 voting
     * (and of 4 seats): 3/4 >= 2/3. */
    vote(kv, 0, 1, GOV_AYE, 1, 1000, 1);
    vote(kv, 0, 2, GOV_AYE, 1, 1000, 1);
    vote(kv, 0, 3, GOV_AYE, 1, 1000, 1);
    vote(kv, 0, 4, GOV_NAY, 1, 1000, 1);
    gov_proposal p = proposal(0, 20000, 4, 10);
    assert_true(gov_tally_round(kv, &G, &p, 200000));
    assert_int_equal(p.tally[0].s_aye, 1200);
    assert_int_equal(p.tally[0].s_nay, 400);
    assert_true(p.tally[0].s_pass); /* turnout 4000/20000 = 20%: exactly the quorum */
    assert_true(p.tally[0].c_pass);
    /* One rao more of eligible stake and 20% is not reached. */
    p = proposal(0, 20001, 4, 10);
    assert_true(gov_tally_round(kv, &G, &p, 200000));
    assert_false(p.tally[0].s_pass);
    /* House C: 4 voting of 9 seats is under half. */
    p = proposal(0, 20000, 9, 10);
    assert_true(gov_tally_round(kv, &G, &p, 200000));
    assert_false(p.tally[0].c_pass);
    /* No seats at all: the council cannot pass anything. */
    p = proposal(0, 20000, 0, 10);
    assert_true(gov_tally_round(kv, &G, &p, 200000));
    assert_false(p.tally[0].c_pass);
    ykv_free(kv);
}

static void test_veto_in_either_house(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    /* House S: veto 1000 of 3000 cast is exactly 1/3: not more. */
    vote(kv, 0, 1, GOV_AYE, 1, 1000, 0);
    vote(kv, 0, 2, GOV_AYE, 1, 1000, 0);
    vote(kv, 0, 3, GOV_VETO, 1, 1000, 0);
    gov_proposal p = proposal(0, 3000, 0, 10);
    G.entity_cap_num = 1; /* no cap for this case */
    G.entity_cap_den = 1;
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_false(p.tally[0].veto);
    /* One more rao of veto and it is. */
    vote(kv, 0, 3, GOV_VETO, 1, 1001, 0);
    p = proposal(0, 3000, 0, 10);
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_true(p.tally[0].veto);
    ykv_free(kv);
    /* House C: 2 veto seats of 5 voting is more than 1/3. */
    kv = ykv_new();
    vote(kv, 0, 1, GOV_AYE, 0, 0, 3);
    vote(kv, 0, 2, GOV_VETO, 0, 0, 2);
    p = proposal(0, 1, 5, 10);
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_true(p.tally[0].veto);
    G = yuma_gov_params_default();
    ykv_free(kv);
}

static void test_appeal_and_raised_thresholds(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    /* Round 1 (appeal): S needs > 3/5, C >= 3/4. With no cap: aye 60 of
     * 100 is not more than 60%; seats 7 of 10 is short of 3/4. */
    G.entity_cap_num = 1;
    G.entity_cap_den = 1;
    vote(kv, 1, 1, GOV_AYE, 1, 60, 7);
    vote(kv, 1, 2, GOV_NAY, 1, 40, 3);
    gov_proposal p = proposal(1, 100, 10, 10);
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_false(p.tally[1].s_pass);
    assert_false(p.tally[1].c_pass);
    vote(kv, 1, 1, GOV_AYE, 1, 61, 8);
    vote(kv, 1, 2, GOV_NAY, 1, 39, 2);
    p = proposal(1, 100, 10, 10);
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_true(p.tally[1].s_pass);
    assert_true(p.tally[1].c_pass);
    ykv_free(kv);
    /* Round 0: 7 of 10 seats passes 2/3, but not the raised 3/4 when
     * House S's NC(1/2) is below 5 (§5.11). */
    kv = ykv_new();
    vote(kv, 0, 1, GOV_AYE, 1, 60, 7);
    vote(kv, 0, 2, GOV_NAY, 1, 40, 3);
    p = proposal(0, 100, 10, 5);
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_true(p.tally[0].c_pass);
    p = proposal(0, 100, 10, 4);
    assert_true(gov_tally_round(kv, &G, &p, 100000));
    assert_false(p.tally[0].c_pass);
    G = yuma_gov_params_default();
    ykv_free(kv);
}

static void test_nakamoto_half(void **state)
{
    (void)state;
    uint64_t a[] = {20, 50, 30}; /* 50 is not more than half of 100: two holders */
    assert_int_equal(gov_nakamoto_half(a, 3), 2);
    uint64_t b[] = {20, 60, 20};
    assert_int_equal(gov_nakamoto_half(b, 3), 1);
    uint64_t c[10];
    for (int i = 0; i < 10; i++) c[i] = 7;
    assert_int_equal(gov_nakamoto_half(c, 10), 6);
    assert_int_equal(gov_nakamoto_half(NULL, 0), 0);
}

static void test_escrow_stretch(void **state)
{
    (void)state;
    yuma_gov_params g = yuma_gov_params_devnet(); /* base 14, max 60, seals 5% and 25% */
    gov_proposal p;
    memset(&p, 0, sizeof p);
    p.netuid = 1;
    p.timelock_start = 100;
    p.timelock_base = 14;
    p.escrow_peak_ppm = 50000; /* not above the first seal */
    assert_int_equal(gov_timelock_end(&p, &g), 114);
    p.escrow_peak_ppm = 150000; /* halfway: 14 + 46/2 */
    assert_int_equal(gov_timelock_end(&p, &g), 137);
    p.escrow_peak_ppm = 249999; /* 14 + floor(46 * 199999 / 200000) = 14 + 45 */
    assert_int_equal(gov_timelock_end(&p, &g), 159);
    p.escrow_peak_ppm = 250000;
    assert_int_equal(gov_timelock_end(&p, &g), 160);
    p.paused = 9; /* an appeal's pause adds on */
    assert_int_equal(gov_timelock_end(&p, &g), 169);
    p.netuid = GOV_NETUID_GLOBAL; /* no escrow on global proposals */
    assert_int_equal(gov_timelock_end(&p, &g), 123);
}

static int setup(void **state)
{
    (void)state;
    G = yuma_gov_params_default();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_conviction_table, setup),
        cmocka_unit_test_setup(test_entity_cap_and_majority, setup),
        cmocka_unit_test_setup(test_quorum_and_pass, setup),
        cmocka_unit_test_setup(test_veto_in_either_house, setup),
        cmocka_unit_test_setup(test_appeal_and_raised_thresholds, setup),
        cmocka_unit_test_setup(test_nakamoto_half, setup),
        cmocka_unit_test_setup(test_escrow_stretch, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
