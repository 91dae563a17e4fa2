/*
 * aggregate.c - median-norm clipping, scatter-mean over contributors and
 * the outer step (include/yuma/aggregate.h; training-subnet spec §3.6,
 * §4.2 step 6.4, §7.5, §7.8).
 *
 * Everything here runs single-threaded over peers sorted by uid with
 * double accumulators, so every honest node computes bit-identical
 * aggregates from the same gathered set.
 */
#include "yuma/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *yuma_agg_strerror(yuma_agg_status s)
{
    switch (s) {
    case YUMA_AGG_OK: return "ok";
    case YUMA_AGG_ERR_ARG: return "missing argument (NULL pointer)";
    case YUMA_AGG_ERR_NOMEM: return "out of memory";
    case YUMA_AGG_ERR_NO_PEERS: return "nothing to aggregate: no peers";
    case YUMA_AGG_ERR_MISMATCH: return "an update does not match the model's tensor list";
    case YUMA_AGG_ERR_DUPLICATE_UID: return "two updates from the same uid";
    case YUMA_AGG_ERR_PARAMS: return "learning rate, factor or momentum is not finite";
    }
    return "unknown aggregation status";
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double yuma_median_lower(double *x, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
    return x[(n - 1) / 2];
}

/* ||v||_2 of one tensor's kept values, summed in double in index order. */
static double kept_norm(const yuma_sparse_tensor *t)
{
    double ss = 0;
    for (uint32_t j = 0; j < t->count; j++) ss += (double)t->val[j] * t->val[j];
    return sqrt(ss);
}

static double clip_factor(double median, double norm)
{
    double f = median / (norm + YUMA_CLIP_EPS);
    return f < 1 ? f : 1;
}

static int cmp_peer_uid(const void *a, const void *b)
{
    const yuma_sparse_update *p = *(const yuma_sparse_update *const *)a;
    const yuma_sparse_update *q = *(const yuma_sparse_update *const *)b;
    return (int)p->uid - (int)q->uid;
}

/* Checks the peers and returns them sorted by uid in a new array. */
static yuma_agg_status sorted_peers(const yuma_sparse_update *const *peers, size_t n, const yuma_tensor_list *tl,
                                    const yuma_sparse_update ***out)
{
    *out = NULL;
    if (!peers || !tl) return YUMA_AGG_ERR_ARG;
    if (n == 0) return YUMA_AGG_ERR_NO_PEERS;
    for (size_t p = 0; p < n; p++) {
        if (!peers[p]) return YUMA_AGG_ERR_ARG;
        if (!yuma_sparse_update_matches(peers[p], tl)) return YUMA_AGG_ERR_MISMATCH;
    }
    const yuma_sparse_update **s = malloc(n * sizeof *s);
    if (!s) return YUMA_AGG_ERR_NOMEM;
    memcpy(s, peers, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_peer_uid);
    for (size_t p = 1; p < n; p++)
        if (s[p]->uid == s[p - 1]->uid) {
            free(s);
            return YUMA_AGG_ERR_DUPLICATE_UID;
        }
    *out = s;
    return YUMA_AGG_OK;
}

/* Median over the (sorted) peers of tensor i's norm; norm[p] gets each. */
static double tensor_median(const yuma_sparse_update **s, size_t n, size_t i, double *norm, double *scratch)
{
    for (size_t p = 0; p < n; p++) scratch[p] = norm[p] = kept_norm(&s[p]->t[i]);
    return yuma_median_lower(scratch, n);
}

yuma_agg_status yuma_clip_norms(const yuma_sparse_update *const *peers, size_t n_peers, const yuma_tensor_list *tl,
                                double *norms)
{
    if (!norms) return YUMA_AGG_ERR_ARG;
    const yuma_sparse_update **s;
    yuma_agg_status st = sorted_peers(peers, n_peers, tl, &s);
    if (st != YUMA_AGG_OK) return st;
    double *buf = malloc(2 * n_peers * sizeof *buf);
    if (!buf) {
        free(s);
        return YUMA_AGG_ERR_NOMEM;
    }
    for (size_t i = 0; i < tl->n; i++) norms[i] = tensor_median(s, n_peers, i, buf, buf + n_peers);
    free(buf);
    free(s);
    return YUMA_AGG_OK;
}

/* One tensor's aggregate into dst (numel floats, zeroed by the caller).
 * Returns false (dst zeroed again) when it is not finite. */
static bool aggregate_tensor(const yuma_sparse_update **s, size_t n, size_t i, yuma_agg_mode mode, double *sum,
                             uint32_t *cnt, double *norm, double *scratch, float *dst)
{
    size_t numel = s[0]->t[i].geom.numel;
    memset(sum, 0, numel * sizeof *sum);
    memset(cnt, 0, numel * sizeof *cnt);
    double median = tensor_median(s, n, i, norm, scratch);
    for (size_t p = 0; p < n; p++) {
        const yuma_sparse_tensor *t = &s[p]->t[i];
        double f = clip_factor(median, norm[p]);
        for (uint32_t j = 0; j < t->count; j++) {
            size_t pos = yuma_tile_position(&t->geom, j / t->geom.k, t->idx[j]);
            sum[pos] += (double)t->val[j] * f;
            cnt[pos]++;
        }
    }
    bool finite = true;
    for (size_t x = 0; x < numel; x++) {
        if (!cnt[x]) continue;
        dst[x] = (float)(sum[x] / (mode == YUMA_AGG_MEAN_OVER_PEERS ? (double)n : (double)cnt[x]));
        if (!isfinite(dst[x])) finite = false;
    }
    if (!finite) memset(dst, 0, numel * sizeof *dst);
    return finite;
}

yuma_agg_status yuma_aggregate(const yuma_sparse_update *const *peers, size_t n_peers, const yuma_tensor_list *tl,
                               yuma_agg_mode mode, float *agg, size_t *skipped)
{
    if (skipped) *skipped = 0;
    if (!agg) return YUMA_AGG_ERR_ARG;
    const yuma_sparse_update **s;
    yuma_agg_status st = sorted_peers(peers, n_peers, tl, &s);
    if (st != YUMA_AGG_OK) return st;
    size_t most = 0;
    for (size_t i = 0; i < tl->n; i++)
        if (s[0]->t[i].geom.numel > most) most = s[0]->t[i].geom.numel;
    double *sum = malloc(most * sizeof *sum), *norms = malloc(2 * n_peers * sizeof *norms);
    uint32_t *cnt = malloc(most * sizeof *cnt);
    if (!sum || !norms || !cnt) {
        free(sum), free(norms), free(cnt), free(s);
        return YUMA_AGG_ERR_NOMEM;
    }
    memset(agg, 0, tl->total * sizeof *agg);
    size_t skip = 0;
    for (size_t i = 0; i < tl->n; i++)
        if (!aggregate_tensor(s, n_peers, i, mode, sum, cnt, norms, norms + n_peers, agg + tl->tensors[i].offset))
            skip++;
    if (skipped) *skipped = skip;
    free(sum), free(norms), free(cnt), free(s);
    return YUMA_AGG_OK;
}

yuma_agg_status yuma_outer_step(float *theta, const float *agg, const yuma_tensor_list *tl, float lr)
{
    if (!theta || !agg || !tl || (tl->n && !tl->tensors)) return YUMA_AGG_ERR_ARG;
    if (!isfinite(lr)) return YUMA_AGG_ERR_PARAMS;
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_tensor_desc *d = &tl->tensors[i];
        size_t numel = (size_t)d->shape[0] * (d->ndims == 2 ? d->shape[1] : 1);
        if (d->offset > tl->total || numel > tl->total - d->offset) return YUMA_AGG_ERR_MISMATCH;
    }
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_tensor_desc *d = &tl->tensors[i];
        size_t numel = (size_t)d->shape[0] * (d->ndims == 2 ? d->shape[1] : 1);
        for (size_t x = d->offset; x < d->offset + numel; x++) theta[x] -= lr * agg[x];
    }
    return YUMA_AGG_OK;
}

yuma_agg_status yuma_apply_update(float *theta, const yuma_sparse_update *u, const yuma_tensor_list *tl,
                                  const double *norms, double factor)
{
    if (!theta || !u || !tl) return YUMA_AGG_ERR_ARG;
    if (!isfinite(factor)) return YUMA_AGG_ERR_PARAMS;
    if (!yuma_sparse_update_matches(u, tl)) return YUMA_AGG_ERR_MISMATCH;
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_sparse_tensor *t = &u->t[i];
        double f = factor * (norms ? clip_factor(norms[i], kept_norm(t)) : 1.0);
        float *dst = theta + tl->tensors[i].offset;
        bool finite = true; /* a tensor whose step is not finite is skipped, as in the outer step */
        for (uint32_t j = 0; j < t->count && finite; j++) {
            size_t pos = yuma_tile_position(&t->geom, j / t->geom.k, t->idx[j]);
            finite = isfinite((float)(dst[pos] - f * t->val[j]));
        }
        for (uint32_t j = 0; j < t->count && finite; j++) {
            size_t pos = yuma_tile_position(&t->geom, j / t->geom.k, t->idx[j]);
            dst[pos] = (float)(dst[pos] - f * t->val[j]);
        }
    }
    return YUMA_AGG_OK;
}

yuma_agg_status yuma_dense_outer_step(const float *const *deltas, size_t n, size_t n_params, float lr, float mu,
                                      bool nesterov, float *buf, float *theta)
{
    if (!deltas || !theta || (mu != 0 && !buf)) return YUMA_AGG_ERR_ARG;
    if (n == 0) return YUMA_AGG_ERR_NO_PEERS;
    for (size_t w = 0; w < n; w++)
        if (!deltas[w]) return YUMA_AGG_ERR_ARG;
    if (!isfinite(lr) || !isfinite(mu)) return YUMA_AGG_ERR_PARAMS;
    for (size_t x = 0; x < n_params; x++) {
        double sum = 0;
        for (size_t w = 0; w < n; w++) sum += deltas[w][x];
        float avg = (float)(sum / (double)n), step = avg;
        if (mu != 0) {
            buf[x] = mu * buf[x] + avg;
            step = nesterov ? avg + mu * buf[x] : buf[x];
        }
        theta[x] -= lr * step;
    }
    return YUMA_AGG_OK;
}
