/*
 * test_openskill.c - the OpenSkill Plackett-Luce update (include/yuma/
 * gauntlet.h, src/subnet/train/openskill.c; training-subnet spec §4.3 with
 * mu0 25, sigma0 25/3, beta 7, tau 0.1, kappa 1e-4, ordinal mu - 3 sigma)
 * against values worked out by hand, and its invariants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "yuma/gauntlet.h"

/*
 * Three fresh players, scores 0.3 > 0.2 > 0.1 (no ties), in closed form.
 * s2 = (25/3)^2 + 0.1^2 = 69.454444..., c = sqrt(3 (s2 + 49)) = 18.851083.
 * All mu equal, so every exp(mu/c) is the same E: S_1 = 3E, S_2 = 2E,
 * S_3 = E and p_iq = 1/3, 1/2, 1 for q = 1st, 2nd, 3rd (A_q = 1).
 *   Omega_1 = s2/c (1 - 1/3)               =  (2/3) s2/c
 *   Omega_2 = s2/c (-1/3 + 1 - 1/2)        =  (1/6) s2/c
 *   Omega_3 = s2/c (-1/3 - 1/2 + 1 - 1)    = -(5/6) s2/c
 *   Delta_1 = g s2/c^2 (1/3 * 2/3)                 = (8/36)  g s2/c^2
 *   Delta_2 = g s2/c^2 (1/3 * 2/3 + 1/2 * 1/2)     = (17/36) g s2/c^2
 *   Delta_3 = g s2/c^2 (2/9 + 1/4 + 1 * 0)         = (17/36) g s2/c^2
 * with g = sqrt(s2)/c; sigma_i = sqrt(s2) sqrt(1 - Delta_i). Evaluated
 * (python3, plain floats):
 *   mu    = 27.456249477209283, 25.61406236930232, 21.929688153488396
 *   sigma = 8.253534696231965,  8.162139691070465, 8.162139691070465
 * The Omegas sum to 0: with equal sigmas a match moves no mu in total.
 */
static void test_three_fresh_players(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    double mu[3] = {25, 25, 25}, sigma[3] = {25.0 / 3, 25.0 / 3, 25.0 / 3};
    const double score[3] = {0.3, 0.2, 0.1};
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 3), YUMA_GAUNTLET_OK);
    assert_float_equal(mu[0], 27.456249477209283, 1e-12);
    assert_float_equal(mu[1], 25.61406236930232, 1e-12);
    assert_float_equal(mu[2], 21.929688153488396, 1e-12);
    assert_float_equal(sigma[0], 8.253534696231965, 1e-12);
    assert_float_equal(sigma[1], 8.162139691070465, 1e-12);
    assert_float_equal(sigma[2], 8.162139691070465, 1e-12);
    assert_float_equal(mu[0] + mu[1] + mu[2], 75.0, 1e-12);
    /* the same match given in another order gives the same ratings */
    double mu2[3] = {25, 25, 25}, sigma2[3] = {25.0 / 3, 25.0 / 3, 25.0 / 3};
    const double score2[3] = {0.1, 0.3, 0.2};
    assert_int_equal(yuma_openskill_rate(&p, mu2, sigma2, score2, 3), YUMA_GAUNTLET_OK);
    assert_float_equal(mu2[1], mu[0], 1e-12);
    assert_float_equal(mu2[2], mu[1], 1e-12);
    assert_float_equal(mu2[0], mu[2], 1e-12);
}

/* Two fresh players: p = 1/2 everywhere, so the winner gains
 * s2/(2c) with c = sqrt(2 (s2 + 49)) = 15.391844882563264, i.e.
 * mu = 25 +/- 2.256209212552754; sigma = sqrt(s2) sqrt(1 - g s2/c^2 / 4)
 * = 8.166896460213735 for both. */
static void test_two_fresh_players(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    double mu[2] = {25, 25}, sigma[2] = {25.0 / 3, 25.0 / 3};
    const double score[2] = {1.0, 0.0};
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 2), YUMA_GAUNTLET_OK);
    double s2 = 625.0 / 9 + 0.01, c = sqrt(2 * (s2 + 49));
    assert_float_equal(mu[0], 25 + s2 / (2 * c), 1e-12);
    assert_float_equal(mu[0], 27.256209212552754, 1e-12);
    assert_float_equal(mu[1], 22.743790787447246, 1e-12);
    assert_float_equal(sigma[0], 8.166896460213735, 1e-12);
    assert_float_equal(sigma[1], 8.166896460213735, 1e-12);
}

/*
 * Three rated players with a tie: (mu, sigma) = (30, 4), (25, 8), (20, 6);
 * scores 0.1, 0.5, 0.1, so player 2 wins and players 1 and 3 tie behind it.
 * s2 = 16.01, 64.01, 36.01; c = sqrt(sum(s2) + 3*49) = 16.218199653475722.
 * Ranks: player 2 first (A = 1); players 1, 3 second (A = 2 each).
 * S(first) = e1 + e2 + e3, S(second) = e1 + e3, with e_i = exp(mu_i/c).
 * Player 1 sums over q in {2 (first), 1, 3 (both second)}:
 *   Omega_1 = s2_1/c [ -e1/S1 + (1 - e1/S2)/2 - (e1/S2)/2 ]
 * and so on (the formula of §4.3 with A_q = 2 for the tied pair). A plain
 * python3 transcription of §4.3 (ranks from scores, S_q over ranks >= q's,
 * A_q the tie count) gives:
 *   mu    = 29.418458628423984, 27.671912417433475, 19.80488068409328
 *   sigma = 3.986983159041297,  7.894909039531121,  5.938396196172999
 */
static void test_three_rated_players_with_tie(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    double mu[3] = {30, 25, 20}, sigma[3] = {4, 8, 6};
    const double score[3] = {0.1, 0.5, 0.1};
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 3), YUMA_GAUNTLET_OK);
    assert_float_equal(mu[0], 29.418458628423984, 1e-12);
    assert_float_equal(mu[1], 27.671912417433475, 1e-12);
    assert_float_equal(mu[2], 19.80488068409328, 1e-12);
    assert_float_equal(sigma[0], 3.986983159041297, 1e-12);
    assert_float_equal(sigma[1], 7.894909039531121, 1e-12);
    assert_float_equal(sigma[2], 5.938396196172999, 1e-12);
    /* a hand check of one term: Omega_1 from the bracket above */
    double s2 = 16.01, c = sqrt(16.01 + 64.01 + 36.01 + 3 * 49.0);
    double e1 = exp(30 / c), e2 = exp(25 / c), e3 = exp(20 / c);
    double S1 = e1 + e2 + e3, S2 = e1 + e3;
    double omega1 = s2 / c * (-e1 / S1 + (1 - e1 / S2) / 2 - (e1 / S2) / 2);
    assert_float_equal(mu[0], 30 + omega1, 1e-12);
}

/* Invariants: with equal sigmas the mus sum is conserved; sigma never
 * grows by more than tau's share; the ordinal of a fresh rating is 0; the
 * best player gains and the worst loses. */
static void test_invariants(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    assert_float_equal(yuma_openskill_ordinal(&p, p.mu0, p.sigma0), 0.0, 1e-12);
    double mu[6], sigma[6];
    const double score[6] = {0.004, -0.001, 0.0025, 0.0025, 0.003, 0.0};
    for (int i = 0; i < 6; i++) mu[i] = 25, sigma[i] = 25.0 / 3;
    for (int round = 0; round < 5; round++) {
        double before = 0, after = 0, sigma_before[6];
        for (int i = 0; i < 6; i++) before += mu[i], sigma_before[i] = sigma[i];
        assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 6), YUMA_GAUNTLET_OK);
        for (int i = 0; i < 6; i++) {
            after += mu[i];
            /* Delta >= 0, so sigma shrinks from sqrt(sigma^2 + tau^2) */
            assert_true(sigma[i] <= sqrt(sigma_before[i] * sigma_before[i] + 0.01) + 1e-12);
        }
        if (round == 0) assert_float_equal(after, before, 1e-9);
    }
    assert_true(mu[0] > 25 && mu[1] < 25);
    /* the tied pair (2, 3) stays level */
    assert_float_equal(mu[2], mu[3], 1e-12);
    assert_float_equal(sigma[2], sigma[3], 1e-12);
}

/* Fewer than 2 players is no match; bad input changes nothing. */
static void test_errors(void **state)
{
    (void)state;
    yuma_gauntlet_params p = yuma_gauntlet_defaults();
    double mu[3] = {25, 25, 25}, sigma[3] = {8, 8, 8};
    double score[3] = {1, 2, 3};
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 1), YUMA_GAUNTLET_OK);
    assert_true(mu[0] == 25 && sigma[0] == 8);
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 0), YUMA_GAUNTLET_OK);
    score[1] = NAN;
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 3), YUMA_GAUNTLET_ERR_SCORE);
    score[1] = 2;
    sigma[2] = 0;
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 3), YUMA_GAUNTLET_ERR_SCORE);
    sigma[2] = 8;
    mu[0] = INFINITY;
    assert_int_equal(yuma_openskill_rate(&p, mu, sigma, score, 3), YUMA_GAUNTLET_ERR_SCORE);
    mu[0] = 25;
    yuma_gauntlet_params bad = p;
    bad.beta = 0;
    assert_int_equal(yuma_openskill_rate(&bad, mu, sigma, score, 3), YUMA_GAUNTLET_ERR_SCORE);
    for (int i = 0; i < 3; i++) assert_true(mu[i] == 25 && sigma[i] == 8);
    assert_int_equal(yuma_openskill_rate(NULL, mu, sigma, score, 3), YUMA_GAUNTLET_ERR_ARG);
    assert_int_equal(yuma_openskill_rate(&p, NULL, sigma, score, 3), YUMA_GAUNTLET_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_fresh_players),
        cmocka_unit_test(test_two_fresh_players),
        cmocka_unit_test(test_three_rated_players_with_tie),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
