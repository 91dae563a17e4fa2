/*
 * gauntlet.h - the training subnet validator's scoring math (training-subnet
 * spec §4.2-4.5 with the settings of §7.6 and the measured calibration at
 * the top of §7): OpenSkill Plackett-Luce ratings, the binary indicator and
 * its moving average, the sync score, the final score, the penalties, copy
 * detection by index overlap, and the weight vector for the chain.
 *
 * Pure functions on a per-uid state struct; every constant is a parameter
 * (yuma_gauntlet_defaults gives the spec's). Nothing here draws random
 * numbers, reads a clock or depends on the model: the validator loop
 * measures the losses and calls these. Floating point is fine here (this
 * is subnet code, not consensus), and every loop runs in a fixed order, so
 * the same inputs give the same scores and weights.
 */
#ifndef YUMA_GAUNTLET_H
#define YUMA_GAUNTLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/compress.h"

typedef enum {
    YUMA_WEIGHTS_RANK = 0,              /* §4.5: gather ramp, reserve geometric tail */
    YUMA_WEIGHTS_POWER = 1,             /* the A/B alternative: w ~ F^power over positive F */
} yuma_weight_scheme;

typedef struct {
    /* OpenSkill Plackett-Luce (§4.3) */
    double mu0, sigma0;                 /* 25, 25/3 */
    double beta, tau, kappa;            /* 7, 0.1, 1e-4 */
    double ordinal_z;                   /* ordinal = mu - z*sigma, z = 3 */
    /* binary indicator and final score */
    double binary_alpha;                /* EMA weight of the new b, 0.05 */
    double binary_threshold;            /* F uses max(0, B - threshold): 0.3 (calibration); 0 is Templar */
    /* sync score */
    double sync_change_alpha;           /* EMA weight of |per-window change|, 0.2 */
    double sync_cap;                    /* x is capped at 5 */
    double sync_power;                  /* (1 - min(x,cap)/cap)^2.5 */
    double sync_max_steps_behind;       /* out of sync above 3 */
    double outer_lr;                    /* stands in for the change EMA before it exists, 1.0 */
    /* penalties (§4.4) */
    double slash_factor;                /* missing upload, gather miss, out of sync, inactive: x0.75 */
    double slash_zero_below;            /* a slashed F under 1e-4 becomes 0 */
    double gather_success_min;          /* gather miss is x0 when the gather success rate < 0.4 */
    double overlap_threshold;           /* 0.4: "high", F and B x overlap_high_factor */
    double overlap_max;                 /* 0.5: "max", full reset */
    double overlap_mega;                /* 0.6: "mega", reset and ban */
    double overlap_high_factor;         /* 0.5 */
    uint32_t overlap_warmup;            /* no overlap check before round 5 (Templar: 20) */
    bool overlap_include_1d;            /* false: fully sent 1-D tensors stay out of the statistic */
    uint32_t ban_windows;               /* 200 */
    uint32_t reset_inactivity_windows;  /* 3 */
    /* weights (§4.5) */
    yuma_weight_scheme scheme;
    double burn_rate;                   /* 0 (§7.6); Templar 0.5 */
    int32_t burn_uid;                   /* -1: none */
    uint32_t gather_count;              /* 8 (§7.5: 4-8); Templar 20 */
    uint32_t reserve_count;             /* 2 (§7.5); Templar 10 */
    double gather_share;                /* 0.75 */
    double gather_top_ratio;            /* 2.0: the first gets twice the last of the gather tier */
    double reserve_decay;               /* 0.5 */
    double reserve_cap_ratio;           /* 0.5: a top reserve above the last gather is cut to this times it */
    double power;                       /* 2.0 for YUMA_WEIGHTS_POWER */
} yuma_gauntlet_params;

/* What a validator keeps per uid. */
typedef struct {
    double mu, sigma;                   /* OpenSkill rating */
    double g;                           /* last gradient score */
    int b;                              /* last binary indicator, +1 or -1 (0 before the first) */
    double B;                           /* binary moving average */
    double sync;                        /* last sync score */
    double F;                           /* final score */
    double weight;                      /* last weight given */
    uint32_t evals;                     /* evaluations since the last reset */
    uint32_t plus;                      /* of those, how many had b = +1 */
    uint32_t inactive;                  /* consecutive inactive windows */
    uint64_t banned_until;              /* not evaluated or weighted before this window */
    bool mega;                          /* a "mega" copy record: survives re-registration */
} yuma_gauntlet_peer;

typedef enum {
    YUMA_GAUNTLET_OK = 0,
    YUMA_GAUNTLET_ERR_ARG,              /* a NULL pointer */
    YUMA_GAUNTLET_ERR_NOMEM,
    YUMA_GAUNTLET_ERR_PARAMS,           /* a parameter out of its range */
    YUMA_GAUNTLET_ERR_LOSS,             /* a loss that is not finite, or a "before" loss <= 0 */
    YUMA_GAUNTLET_ERR_SCORE,            /* a non-finite match score or final score */
    YUMA_GAUNTLET_ERR_RANGE,            /* a uid outside the state array, or more than 65536 uids */
    YUMA_GAUNTLET_ERR_MISMATCH,         /* two updates with different tensors or tiling */
    YUMA_GAUNTLET_ERR_WEIGHTS,          /* negative or non-finite weights */
} yuma_gauntlet_status;

/* A fixed English message for every status (never NULL). */
const char *yuma_gauntlet_strerror(yuma_gauntlet_status s);

/* The spec's constants (§4.3-4.5, §7.5, §7.6 and the calibration box). */
yuma_gauntlet_params yuma_gauntlet_defaults(void);

/* Checks every parameter's range (positive where it must be, thresholds in
 * order, shares in [0, 1]). */
yuma_gauntlet_status yuma_gauntlet_params_check(const yuma_gauntlet_params *p);

/* A fresh uid: rating (mu0, sigma0), everything else zero, no ban. */
void yuma_gauntlet_peer_init(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p);

/* §4.4 "reset": F, weight, g, B, b and sync to 0, a fresh rating, the eval
 * counters and history dropped. A ban stays. */
void yuma_gauntlet_peer_reset(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p);

/* A new hotkey registered on the uid: a fresh record, except that a
 * "mega" copy ban carries over. */
void yuma_gauntlet_reregister(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p);

/* ---- OpenSkill Plackett-Luce (openskill.c) --------------------------- */

/* One match of n one-player teams (Weng & Lin 2011, Algorithm 4, as in
 * §4.3): score[i] higher is better, equal scores tie. mu[] and sigma[] are
 * updated in place. A match needs n >= 2; with fewer nothing changes.
 * Errors (nothing changed): a non-finite score, mu or sigma, sigma <= 0. */
yuma_gauntlet_status yuma_openskill_rate(const yuma_gauntlet_params *p, double *mu, double *sigma,
                                         const double *score, size_t n);

/* mu - z*sigma */
double yuma_openskill_ordinal(const yuma_gauntlet_params *p, double mu, double sigma);

/* ---- scores (gauntlet.c) --------------------------------------------- */

/* §4.3: g = (Lb_rand - La_rand) / Lb_rand, I_own likewise on own data,
 * b = +1 if I_own > I_rand else -1. Losses must be finite, the "before"
 * ones > 0. */
yuma_gauntlet_status yuma_gauntlet_indicator(double loss_before_own, double loss_after_own, double loss_before_rand,
                                             double loss_after_rand, double *g, int *b);

/* B <- (1 - alpha) * B + alpha * b */
double yuma_binary_ema(double B, int b, double alpha);

/* (1 - min(x, cap)/cap)^power; x = +inf (or NaN) gives 0. */
double yuma_sync_from_steps(const yuma_gauntlet_params *p, double x);

/*
 * §4.3 sync score from the miner's published debug values: for each of
 * the n compared positions, steps_behind = |validator - miner| /
 * max(a, 1e-9), a = avg_change[i] where have_change[i] (or for every i
 * when have_change is NULL and avg_change is not), else p->outer_lr; x =
 * the lower median; a non-finite miner value counts as infinitely behind.
 * miner == NULL (the debug fetch failed), n == 0 or hash_match false (the
 * published model hash differs, §7.6) give x = +inf and score 0.
 */
yuma_gauntlet_status yuma_sync_score(const yuma_gauntlet_params *p, const float *validator, const float *miner,
                                     const float *avg_change, const bool *have_change, size_t n, bool hash_match,
                                     double *x, double *score);

/* The validator's EMA of |per-window change| at the debug positions: a
 * position's first change sets it, later ones blend with alpha. */
void yuma_sync_change_update(const yuma_gauntlet_params *p, float *avg_change, bool *have_change,
                             const float *before, const float *after, size_t n);

/* The n = 2 * tensors debug positions (flat offsets into the parameter
 * buffer): elements 10 and 11 of every tensor (taken modulo a smaller
 * tensor's size), as in Templar. */
void yuma_debug_positions(const yuma_tensor_list *tl, size_t *positions);

/* Records one evaluation: g, b, B <- EMA, sync; counts it. */
void yuma_gauntlet_record_eval(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, double g, int b,
                               double sync);

/* ordinal * max(0, B - binary_threshold) * sync (calibration box). */
double yuma_gauntlet_final_score(const yuma_gauntlet_params *p, const yuma_gauntlet_peer *peer);

/* One window's match over the evaluated uids (after record_eval): the
 * OpenSkill update with each uid's g as its score (when n >= 2), then F
 * recomputed for exactly these uids. uids index peers[0..n_peers). */
yuma_gauntlet_status yuma_gauntlet_rate_match(const yuma_gauntlet_params *p, yuma_gauntlet_peer *peers,
                                              size_t n_peers, const uint16_t *uids, size_t n);

/* ---- penalties (§4.4) ------------------------------------------------ */

typedef enum {
    YUMA_SLASH_MISSING = 0,             /* selected for eval, upload missing or outside the put window */
    YUMA_SLASH_GATHER_MISS = 1,         /* in the gather list but not gathered */
    YUMA_SLASH_INVALID = 2,             /* malformed payload: F = 0 */
    YUMA_SLASH_OUT_OF_SYNC = 3,         /* median steps behind > sync_max_steps_behind, or no debug object */
} yuma_slash_kind;

/* Applies one slash. Multiplicative slashes act on F and on B, each only
 * while positive (a slash never raises a negative score), and an F left
 * below slash_zero_below becomes 0. GATHER_MISS multiplies by 0 when
 * gather_success_rate < gather_success_min (the argument is ignored by
 * the other kinds). */
void yuma_gauntlet_slash(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, yuma_slash_kind kind,
                         double gather_success_rate);

/* Once per window for every uid: active (an upload seen in the recent
 * windows) clears the count; inactive multiplies F by slash_factor and
 * resets the uid on the reset_inactivity_windows-th window in a row. */
void yuma_gauntlet_activity(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, bool active);

/* ---- copy detection (§4.2 step 2, calibration box) ------------------- */

/* Size-weighted index overlap of two updates: per tile |I_a & I_b| / k,
 * averaged over tiles, then over tensors weighted by tiles * k, i.e. the
 * shared indices over all kept values. 1-D tensors count only with
 * include_1d. 0 when no tensor counts. */
yuma_gauntlet_status yuma_update_overlap(const yuma_sparse_update *a, const yuma_sparse_update *b, bool include_1d,
                                         double *overlap);

typedef enum {
    YUMA_COPY_NONE = 0,
    YUMA_COPY_HIGH = 1,                 /* [threshold, max): F and B x overlap_high_factor */
    YUMA_COPY_MAX = 2,                  /* [max, mega): reset */
    YUMA_COPY_MEGA = 3,                 /* >= mega: reset and ban */
} yuma_copy_level;

typedef struct {
    yuma_copy_level level;
    double overlap;                     /* the largest overlap it was blamed for */
    uint16_t victim;                    /* the earlier uploader of that pair */
} yuma_copy_verdict;

/* Every pair of the n updates (gathered or evaluated this window) with
 * overlap >= threshold blames the later uploader (larger stamp; equal
 * stamps: the larger uid, then the later entry). out[i] is entry i's
 * verdict as an offender. Before round overlap_warmup every verdict is
 * NONE. */
yuma_gauntlet_status yuma_copy_check(const yuma_gauntlet_params *p, uint64_t round,
                                     const yuma_sparse_update *const *updates, const uint64_t *stamps, size_t n,
                                     yuma_copy_verdict *out);

/* Applies a verdict: HIGH halves F and B (while positive), MAX resets,
 * MEGA resets and bans until window + ban_windows. */
void yuma_gauntlet_apply_copy(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, yuma_copy_level level,
                              uint64_t window);

/* ---- weights (§4.5) -------------------------------------------------- */

/* The weight vector over uids 0..n_peers-1 (w[uid], summing to 1, or all 0
 * when nobody qualifies and there is no burn uid), also stored in each
 * peer's weight. Ranked: evaluated uids with F > 0, not banned at window,
 * not the burn uid, by F descending (ties: lower uid). */
yuma_gauntlet_status yuma_gauntlet_weights(const yuma_gauntlet_params *p, yuma_gauntlet_peer *peers,
                                           size_t n_peers, uint64_t window, double *w);

/* The chain's form (include/yuma/tx.h set_weights): the uids with a
 * nonzero weight in ascending order, each value round(w / max(w) * 65535)
 * with halves to even (Python's round, as the reference SDK's
 * convert_weights_and_uids_for_emit and yuma_weights_from_scores), zeros
 * left out. uids and values hold n entries; *count gets how many. */
yuma_gauntlet_status yuma_weights_to_u16(const double *w, size_t n, uint16_t *uids, uint16_t *values,
                                         size_t *count);

#endif
