/*
 * openskill.c - the OpenSkill Plackett-Luce rating update the validator
 * runs once per window over the miners it evaluated (include/yuma/
 * gauntlet.h; training-subnet spec §4.3, from Weng & Lin 2011,
 * Algorithm 4, with the openskill library's tau and kappa).
 *
 * Written here rather than taken from a library: no Debian package
 * provides OpenSkill for C, and the update is a few loops.
 */
#include "yuma/gauntlet.h"

#include <math.h>
#include <stdlib.h>

double yuma_openskill_ordinal(const yuma_gauntlet_params *p, double mu, double sigma)
{
    return mu - p->ordinal_z * sigma;
}

static bool inputs_valid(const yuma_gauntlet_params *p, const double *mu, const double *sigma, const double *score,
                         size_t n)
{
    if (!(isfinite(p->beta) && p->beta > 0 && isfinite(p->tau) && p->tau >= 0 && isfinite(p->kappa) &&
          p->kappa > 0))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(mu[i]) || !isfinite(sigma[i]) || sigma[i] <= 0 || !isfinite(score[i])) return false;
    return true;
}

/*
 * Ranks come from the scores: higher is better, equal scores share a rank.
 * So "rank_q <= rank_i" (q placed at or above i) is score_q >= score_i,
 * and "rank_s >= rank_q" is score_s <= score_q. With s2_i = sigma_i^2 +
 * tau^2 and c = sqrt(sum_i (s2_i + beta^2)):
 *   S_q = sum over s placed at or below q of exp(mu_s / c)
 *   A_q = the number of teams tied with q (q included)
 *   p_iq = exp(mu_i / c) / S_q
 *   Omega_i = s2_i / c * sum over q at or above i of (1{q=i} - p_iq) / A_q
 *   Delta_i = (sqrt(s2_i) / c) * s2_i / c^2 * sum over the same q of p_iq (1 - p_iq) / A_q
 *   mu_i += Omega_i;  sigma_i = sqrt(s2_i) * sqrt(max(1 - Delta_i, kappa))
 */
yuma_gauntlet_status yuma_openskill_rate(const yuma_gauntlet_params *p, double *mu, double *sigma,
                                         const double *score, size_t n)
{
    if (!p || (n && (!mu || !sigma || !score))) return YUMA_GAUNTLET_ERR_ARG;
    if (!inputs_valid(p, mu, sigma, score, n)) return YUMA_GAUNTLET_ERR_SCORE;
    if (n < 2) return YUMA_GAUNTLET_OK;
    double *s2 = malloc(4 * n * sizeof *s2);
    if (!s2) return YUMA_GAUNTLET_ERR_NOMEM;
    double *e = s2 + n, *S = e + n, *A = S + n;
    double csum = 0;
    for (size_t i = 0; i < n; i++) {
        s2[i] = sigma[i] * sigma[i] + p->tau * p->tau;
        csum += s2[i] + p->beta * p->beta;
    }
    double c = sqrt(csum);
    for (size_t i = 0; i < n; i++) e[i] = exp(mu[i] / c);
    for (size_t q = 0; q < n; q++) {
        S[q] = 0;
        A[q] = 0;
        for (size_t s = 0; s < n; s++) {
            if (score[s] <= score[q]) S[q] += e[s];
            if (score[s] == score[q]) A[q] += 1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        double omega = 0, delta = 0;
        for (size_t q = 0; q < n; q++) {
            if (score[q] < score[i]) continue;
            double piq = e[i] / S[q];
            omega += ((q == i ? 1.0 : 0.0) - piq) / A[q];
            delta += piq * (1 - piq) / A[q];
        }
        double sd = sqrt(s2[i]);
        omega *= s2[i] / c;
        delta *= (sd / c) * s2[i] / (c * c);
        mu[i] += omega;
        sigma[i] = sd * sqrt(fmax(1 - delta, p->kappa));
    }
    free(s2);
    return YUMA_GAUNTLET_OK;
}
