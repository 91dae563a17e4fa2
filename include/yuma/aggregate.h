/*
 * aggregate.h - turning the gathered peers' sparse updates into the outer
 * step every node applies (training-subnet spec §3.6 and §7.5), the
 * validator's single-update trial step (§4.2 step 6.4), and the dense
 * averaging baseline (§7.8 baseline 3 as the measured calibration defines
 * it: outer lr 1.0, no momentum).
 *
 * Per tensor, over the P peers: s_p = ||v_p||_2 of the peer's decoded kept
 * values; m = the median of s_p (lower middle for an even count, as
 * torch.median); v_p <- v_p * min(1, m / (s_p + 1e-8)); then every
 * coordinate gets the mean over the peers that sent it (coordinates nobody
 * sent stay 0), or, under the paper's flag, the sum over peers / P. A
 * tensor whose aggregate is not finite is left out of the step.
 *
 * Determinism: peers are processed in ascending uid order whatever order
 * the caller gives; sums run in double in that order; the result is
 * rounded to float once. The same inputs give the same bits everywhere.
 */
#ifndef YUMA_AGGREGATE_H
#define YUMA_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "yuma/compress.h"

#define YUMA_CLIP_EPS 1e-8

typedef enum {
    YUMA_AGG_OK = 0,
    YUMA_AGG_ERR_ARG,                   /* a NULL pointer */
    YUMA_AGG_ERR_NOMEM,
    YUMA_AGG_ERR_NO_PEERS,              /* an aggregate of nothing */
    YUMA_AGG_ERR_MISMATCH,              /* an update does not match the tensor list */
    YUMA_AGG_ERR_DUPLICATE_UID,         /* two updates from one uid */
    YUMA_AGG_ERR_PARAMS,                /* a non-finite learning rate, factor or momentum */
} yuma_agg_status;

/* A fixed English message for every status (never NULL). */
const char *yuma_agg_strerror(yuma_agg_status s);

typedef enum {
    YUMA_AGG_MEAN_OVER_CONTRIBUTORS = 0, /* Templar at HEAD: each coordinate / peers that sent it */
    YUMA_AGG_MEAN_OVER_PEERS = 1,        /* the paper's (1/R) * sum */
} yuma_agg_mode;

/* Lower-middle median of n doubles (n >= 1; the array is reordered). */
double yuma_median_lower(double *x, size_t n);

/* The clip norm of every tensor: median over the peers of ||v_p||_2
 * (norms[i] for tl tensor i). The validator computes these once per window
 * from the gathered set. */
yuma_agg_status yuma_clip_norms(const yuma_sparse_update *const *peers, size_t n_peers, const yuma_tensor_list *tl,
                                double *norms);

/* The aggregate as a dense pseudo-gradient: agg (tl->total floats) is
 * zeroed, then filled per tensor. *skipped (may be NULL) gets the number
 * of tensors left at zero because their aggregate was not finite. */
yuma_agg_status yuma_aggregate(const yuma_sparse_update *const *peers, size_t n_peers, const yuma_tensor_list *tl,
                               yuma_agg_mode mode, float *agg, size_t *skipped);

/* The outer step: theta[i] -= lr * agg[i] for every position of every
 * tensor of the list (plain SGD: no momentum, no weight decay). */
yuma_agg_status yuma_outer_step(float *theta, const float *agg, const yuma_tensor_list *tl, float lr);

/* The validator's trial of one update: theta -= factor * clip(v_u), with
 * each tensor clipped by min(1, norms[i] / (||v_u,i|| + 1e-8)), or not
 * clipped when norms is NULL. factor is outer lr * eval_lr_factor (0.2).
 * Keep a copy of theta to restore it: subtracting again is not exact. */
yuma_agg_status yuma_apply_update(float *theta, const yuma_sparse_update *u, const yuma_tensor_list *tl,
                                  const double *norms, double factor);

/* The dense averaging baseline's outer step. avg = mean of the n workers'
 * dense pseudo-gradients (in the order given: pass them by uid), then
 * with momentum mu: buf = mu*buf + avg, step = nesterov ? avg + mu*buf :
 * buf; without (mu = 0, buf may be NULL): step = avg; theta -= lr * step
 * over all n_params floats. */
yuma_agg_status yuma_dense_outer_step(const float *const *deltas, size_t n, size_t n_params, float lr, float mu,
                                      bool nesterov, float *buf, float *theta);

#endif
