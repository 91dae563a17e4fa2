/*
 * gauntlet.c - the validator's scores, penalties, copy detection and
 * weight vector (include/yuma/gauntlet.h; training-subnet spec §4.2-4.5,
 * §7.6 and the measured calibration at the top of §7). The rating update
 * itself is in openskill.c.
 */
#include "yuma/gauntlet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/aggregate.h"

const char *yuma_gauntlet_strerror(yuma_gauntlet_status s)
{
    switch (s) {
    case YUMA_GAUNTLET_OK: return "ok";
    case YUMA_GAUNTLET_ERR_ARG: return "missing argument (NULL pointer)";
    case YUMA_GAUNTLET_ERR_NOMEM: return "out of memory";
    case YUMA_GAUNTLET_ERR_PARAMS: return "a scoring parameter is out of its range";
    case YUMA_GAUNTLET_ERR_LOSS: return "loss is not finite, or a loss before the update is not positive";
    case YUMA_GAUNTLET_ERR_SCORE: return "a match score, rating or sigma is not finite (or sigma <= 0)";
    case YUMA_GAUNTLET_ERR_RANGE: return "uid outside the state array or repeated, or more than 65536 uids";
    case YUMA_GAUNTLET_ERR_MISMATCH: return "updates have different tensors or tiling";
    case YUMA_GAUNTLET_ERR_WEIGHTS: return "weights must be finite and non-negative";
    }
    return "unknown scoring status";
}

yuma_gauntlet_params yuma_gauntlet_defaults(void)
{
    return (yuma_gauntlet_params){
        .mu0 = 25.0, .sigma0 = 25.0 / 3.0, .beta = 7.0, .tau = 0.1, .kappa = 1e-4, .ordinal_z = 3.0,
        .binary_alpha = 0.05, .binary_threshold = 0.3,
        .sync_change_alpha = 0.2, .sync_cap = 5.0, .sync_power = 2.5, .sync_max_steps_behind = 3.0,
        .outer_lr = 1.0,
        .slash_factor = 0.75, .slash_zero_below = 1e-4, .gather_success_min = 0.4,
        .overlap_threshold = 0.4, .overlap_max = 0.5, .overlap_mega = 0.6, .overlap_high_factor = 0.5,
        .overlap_warmup = 5, .overlap_include_1d = false, .ban_windows = 200, .reset_inactivity_windows = 3,
        .scheme = YUMA_WEIGHTS_RANK, .burn_rate = 0.0, .burn_uid = -1, .gather_count = 8, .reserve_count = 2,
        .gather_share = 0.75, .gather_top_ratio = 2.0, .reserve_decay = 0.5, .reserve_cap_ratio = 0.5,
        .power = 2.0,
    };
}

static bool in01(double x) { return isfinite(x) && x >= 0 && x <= 1; }
static bool positive(double x) { return isfinite(x) && x > 0; }

yuma_gauntlet_status yuma_gauntlet_params_check(const yuma_gauntlet_params *p)
{
    if (!p) return YUMA_GAUNTLET_ERR_ARG;
    bool ok = isfinite(p->mu0) && positive(p->sigma0) && positive(p->beta) && isfinite(p->tau) && p->tau >= 0 &&
              positive(p->kappa) && isfinite(p->ordinal_z) && p->ordinal_z >= 0;
    ok = ok && positive(p->binary_alpha) && p->binary_alpha <= 1 && isfinite(p->binary_threshold);
    ok = ok && positive(p->sync_change_alpha) && p->sync_change_alpha <= 1 && positive(p->sync_cap) &&
         positive(p->sync_power) && isfinite(p->sync_max_steps_behind) && p->sync_max_steps_behind >= 0 &&
         positive(p->outer_lr);
    ok = ok && in01(p->slash_factor) && isfinite(p->slash_zero_below) && p->slash_zero_below >= 0 &&
         in01(p->gather_success_min) && positive(p->overlap_threshold) && isfinite(p->overlap_mega) &&
         p->overlap_threshold <= p->overlap_max && p->overlap_max <= p->overlap_mega && in01(p->overlap_high_factor);
    ok = ok && (p->scheme == YUMA_WEIGHTS_RANK || p->scheme == YUMA_WEIGHTS_POWER) && in01(p->burn_rate) &&
         p->burn_uid >= -1 && p->burn_uid <= UINT16_MAX && (p->burn_rate == 0 || p->burn_uid >= 0) &&
         p->gather_count >= 1 && positive(p->gather_share) && p->gather_share <= 1 && isfinite(p->gather_top_ratio) &&
         p->gather_top_ratio >= 1 && positive(p->reserve_decay) && p->reserve_decay <= 1 &&
         in01(p->reserve_cap_ratio) && positive(p->power);
    return ok ? YUMA_GAUNTLET_OK : YUMA_GAUNTLET_ERR_PARAMS;
}

/* ---- per-uid state ---------------------------------------------------- */

void yuma_gauntlet_peer_init(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p)
{
    memset(peer, 0, sizeof *peer);
    peer->mu = p->mu0;
    peer->sigma = p->sigma0;
}

void yuma_gauntlet_peer_reset(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p)
{
    uint64_t banned_until = peer->banned_until;
    uint32_t inactive = peer->inactive;
    bool mega = peer->mega;
    yuma_gauntlet_peer_init(peer, p);
    peer->banned_until = banned_until;
    peer->inactive = inactive;
    peer->mega = mega;
}

void yuma_gauntlet_reregister(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p)
{
    uint64_t banned_until = peer->banned_until;
    bool mega = peer->mega;
    yuma_gauntlet_peer_init(peer, p);
    if (mega) {
        peer->banned_until = banned_until;
        peer->mega = true;
    }
}

/* ---- scores ------------------------------------------------------------ */

yuma_gauntlet_status yuma_gauntlet_indicator(double loss_before_own, double loss_after_own, double loss_before_rand,
                                             double loss_after_rand, double *g, int *b)
{
    if (!g || !b) return YUMA_GAUNTLET_ERR_ARG;
    if (!isfinite(loss_after_own) || !isfinite(loss_after_rand) || !positive(loss_before_own) ||
        !positive(loss_before_rand))
        return YUMA_GAUNTLET_ERR_LOSS;
    double own = (loss_before_own - loss_after_own) / loss_before_own;
    double rand = (loss_before_rand - loss_after_rand) / loss_before_rand;
    *g = rand;
    *b = own > rand ? 1 : -1;
    return YUMA_GAUNTLET_OK;
}

double yuma_binary_ema(double B, int b, double alpha)
{
    return (1 - alpha) * B + alpha * b;
}

double yuma_sync_from_steps(const yuma_gauntlet_params *p, double x)
{
    if (!(x < INFINITY)) return 0; /* +inf and NaN */
    double capped = fmin(fmax(x, 0), p->sync_cap);
    return pow(1 - capped / p->sync_cap, p->sync_power);
}

yuma_gauntlet_status yuma_sync_score(const yuma_gauntlet_params *p, const float *validator, const float *miner,
                                     const float *avg_change, const bool *have_change, size_t n, bool hash_match,
                                     double *x, double *score)
{
    if (!p || !x || !score || (miner && n && !validator)) return YUMA_GAUNTLET_ERR_ARG;
    *x = INFINITY;
    *score = 0;
    if (!miner || n == 0 || !hash_match) return YUMA_GAUNTLET_OK;
    double *steps = malloc(n * sizeof *steps);
    if (!steps) return YUMA_GAUNTLET_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        bool have = avg_change && (!have_change || have_change[i]);
        double a = have ? avg_change[i] : p->outer_lr;
        double d = fabs((double)validator[i] - (double)miner[i]);
        steps[i] = isfinite(d) ? d / fmax(a, 1e-9) : INFINITY;
        if (!(steps[i] < INFINITY)) steps[i] = INFINITY; /* NaN from a non-finite a */
    }
    *x = yuma_median_lower(steps, n);
    *score = yuma_sync_from_steps(p, *x);
    free(steps);
    return YUMA_GAUNTLET_OK;
}

void yuma_sync_change_update(const yuma_gauntlet_params *p, float *avg_change, bool *have_change,
                             const float *before, const float *after, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float change = fabsf(after[i] - before[i]);
        avg_change[i] = have_change[i]
                            ? (float)((1 - p->sync_change_alpha) * avg_change[i] + p->sync_change_alpha * change)
                            : change;
        have_change[i] = true;
    }
}

void yuma_debug_positions(const yuma_tensor_list *tl, size_t *positions)
{
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_tensor_desc *d = &tl->tensors[i];
        size_t numel = (size_t)d->shape[0] * (d->ndims == 2 ? d->shape[1] : 1);
        positions[2 * i] = d->offset + 10 % numel;
        positions[2 * i + 1] = d->offset + 11 % numel;
    }
}

void yuma_gauntlet_record_eval(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, double g, int b,
                               double sync)
{
    peer->g = g;
    peer->b = b > 0 ? 1 : -1;
    peer->B = yuma_binary_ema(peer->B, peer->b, p->binary_alpha);
    peer->sync = sync;
    peer->evals++;
    if (peer->b > 0) peer->plus++;
}

double yuma_gauntlet_final_score(const yuma_gauntlet_params *p, const yuma_gauntlet_peer *peer)
{
    return yuma_openskill_ordinal(p, peer->mu, peer->sigma) * fmax(0, peer->B - p->binary_threshold) * peer->sync;
}

yuma_gauntlet_status yuma_gauntlet_rate_match(const yuma_gauntlet_params *p, yuma_gauntlet_peer *peers,
                                              size_t n_peers, const uint16_t *uids, size_t n)
{
    if (!p || (n && (!peers || !uids))) return YUMA_GAUNTLET_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        if (uids[i] >= n_peers) return YUMA_GAUNTLET_ERR_RANGE;
        for (size_t j = 0; j < i; j++)
            if (uids[j] == uids[i]) return YUMA_GAUNTLET_ERR_RANGE;
    }
    double *buf = calloc(3 * n + 1, sizeof *buf);
    if (!buf) return YUMA_GAUNTLET_ERR_NOMEM;
    double *mu = buf, *sigma = buf + n, *g = buf + 2 * n;
    for (size_t i = 0; i < n; i++) {
        mu[i] = peers[uids[i]].mu;
        sigma[i] = peers[uids[i]].sigma;
        g[i] = peers[uids[i]].g;
    }
    yuma_gauntlet_status st = yuma_openskill_rate(p, mu, sigma, g, n);
    for (size_t i = 0; i < n && st == YUMA_GAUNTLET_OK; i++) {
        yuma_gauntlet_peer *peer = &peers[uids[i]];
        peer->mu = mu[i];
        peer->sigma = sigma[i];
        peer->F = yuma_gauntlet_final_score(p, peer);
    }
    free(buf);
    return st;
}

/* ---- penalties ---------------------------------------------------------- */

/* F and B times f, each only while positive; a small F becomes 0. */
static void shrink(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, double f)
{
    if (peer->F > 0) {
        peer->F *= f;
        if (peer->F < p->slash_zero_below) peer->F = 0;
    }
    if (peer->B > 0) peer->B *= f;
}

void yuma_gauntlet_slash(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, yuma_slash_kind kind,
                         double gather_success_rate)
{
    switch (kind) {
    case YUMA_SLASH_MISSING:
    case YUMA_SLASH_OUT_OF_SYNC: shrink(peer, p, p->slash_factor); break;
    case YUMA_SLASH_GATHER_MISS:
        shrink(peer, p, gather_success_rate < p->gather_success_min ? 0.0 : p->slash_factor);
        break;
    case YUMA_SLASH_INVALID:
        if (peer->F > 0) peer->F = 0;
        break;
    }
}

void yuma_gauntlet_activity(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, bool active)
{
    if (active) {
        peer->inactive = 0;
        return;
    }
    peer->inactive++;
    if (peer->inactive >= p->reset_inactivity_windows) {
        yuma_gauntlet_peer_reset(peer, p);
    } else if (peer->F > 0) {
        peer->F *= p->slash_factor;
        if (peer->F < p->slash_zero_below) peer->F = 0;
    }
}

/* ---- copy detection ----------------------------------------------------- */

static bool same_geometry(const yuma_sparse_tensor *a, const yuma_sparse_tensor *b)
{
    return a->id == b->id && a->ndims == b->ndims && a->geom.tile_size == b->geom.tile_size &&
           a->geom.n_tiles == b->geom.n_tiles && a->geom.k == b->geom.k && a->count == b->count &&
           a->count == a->geom.n_tiles * a->geom.k && a->geom.tile_size <= YUMA_TILE_MAX_VALUES;
}

/* Indices shared by a and b, tile by tile. */
static uint64_t shared_indices(const yuma_sparse_tensor *a, const yuma_sparse_tensor *b)
{
    uint64_t shared = 0, seen[YUMA_TILE_MAX_VALUES / 64];
    uint32_t k = a->geom.k;
    for (uint32_t tile = 0; tile < a->geom.n_tiles; tile++) {
        memset(seen, 0, sizeof seen);
        for (uint32_t j = tile * k; j < (tile + 1) * k; j++) {
            uint16_t x = a->idx[j] % YUMA_TILE_MAX_VALUES;
            seen[x / 64] |= (uint64_t)1 << (x % 64);
        }
        for (uint32_t j = tile * k; j < (tile + 1) * k; j++) {
            uint16_t x = b->idx[j] % YUMA_TILE_MAX_VALUES;
            shared += seen[x / 64] >> (x % 64) & 1u;
        }
    }
    return shared;
}

yuma_gauntlet_status yuma_update_overlap(const yuma_sparse_update *a, const yuma_sparse_update *b, bool include_1d,
                                         double *overlap)
{
    if (!a || !b || !overlap || (a->n_tensors && (!a->t || !b->t))) return YUMA_GAUNTLET_ERR_ARG;
    if (a->n_tensors != b->n_tensors) return YUMA_GAUNTLET_ERR_MISMATCH;
    for (size_t i = 0; i < a->n_tensors; i++)
        if (!same_geometry(&a->t[i], &b->t[i])) return YUMA_GAUNTLET_ERR_MISMATCH;
    uint64_t shared = 0, kept = 0;
    for (size_t i = 0; i < a->n_tensors; i++) {
        if (a->t[i].ndims == 1 && !include_1d) continue;
        shared += shared_indices(&a->t[i], &b->t[i]);
        kept += a->t[i].count;
    }
    *overlap = kept ? (double)shared / (double)kept : 0.0;
    return YUMA_GAUNTLET_OK;
}

static yuma_copy_level copy_level(const yuma_gauntlet_params *p, double overlap)
{
    if (overlap >= p->overlap_mega) return YUMA_COPY_MEGA;
    if (overlap >= p->overlap_max) return YUMA_COPY_MAX;
    if (overlap >= p->overlap_threshold) return YUMA_COPY_HIGH;
    return YUMA_COPY_NONE;
}

/* Whether entry j uploaded after entry i (i < j). */
static bool later(const yuma_sparse_update *const *u, const uint64_t *stamps, size_t i, size_t j)
{
    if (stamps[j] != stamps[i]) return stamps[j] > stamps[i];
    return u[j]->uid >= u[i]->uid;
}

yuma_gauntlet_status yuma_copy_check(const yuma_gauntlet_params *p, uint64_t round,
                                     const yuma_sparse_update *const *updates, const uint64_t *stamps, size_t n,
                                     yuma_copy_verdict *out)
{
    if (!p || (n && (!updates || !stamps || !out))) return YUMA_GAUNTLET_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        if (!updates[i]) return YUMA_GAUNTLET_ERR_ARG;
        out[i] = (yuma_copy_verdict){YUMA_COPY_NONE, 0.0, 0};
    }
    if (round < p->overlap_warmup) return YUMA_GAUNTLET_OK;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double ov;
            yuma_gauntlet_status st = yuma_update_overlap(updates[i], updates[j], p->overlap_include_1d, &ov);
            if (st != YUMA_GAUNTLET_OK) return st;
            if (copy_level(p, ov) == YUMA_COPY_NONE) continue;
            size_t off = later(updates, stamps, i, j) ? j : i, vic = off == j ? i : j;
            if (ov > out[off].overlap)
                out[off] = (yuma_copy_verdict){copy_level(p, ov), ov, updates[vic]->uid};
        }
    return YUMA_GAUNTLET_OK;
}

void yuma_gauntlet_apply_copy(yuma_gauntlet_peer *peer, const yuma_gauntlet_params *p, yuma_copy_level level,
                              uint64_t window)
{
    switch (level) {
    case YUMA_COPY_NONE: break;
    case YUMA_COPY_HIGH: shrink(peer, p, p->overlap_high_factor); break;
    case YUMA_COPY_MAX: yuma_gauntlet_peer_reset(peer, p); break;
    case YUMA_COPY_MEGA:
        yuma_gauntlet_peer_reset(peer, p);
        peer->banned_until = window + p->ban_windows;
        peer->mega = true;
        break;
    }
}

/* ---- weights ----------------------------------------------------------- */

typedef struct {
    double F;
    uint16_t uid;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->F != y->F) return x->F > y->F ? -1 : 1;
    return (int)x->uid - (int)y->uid;
}

/* §4.5's tiers over the m ranked uids: raw[i] in rank order, summing to 1. */
static void rank_weights(const yuma_gauntlet_params *p, size_t m, double *raw)
{
    size_t ng = m < p->gather_count ? m : p->gather_count;
    size_t nr = m - ng < p->reserve_count ? m - ng : p->reserve_count;
    double gsum = 0, rsum = 0, total = 0;
    for (size_t i = 0; i < ng; i++) {
        double t = ng == 1 ? 0.0 : (double)i / (double)(ng - 1); /* linspace(top, 1, ng) */
        raw[i] = p->gather_top_ratio - (p->gather_top_ratio - 1) * t;
        gsum += raw[i];
    }
    for (size_t i = 0; i < ng; i++) raw[i] *= p->gather_share / gsum;
    for (size_t j = 0; j < nr; j++) {
        raw[ng + j] = pow(p->reserve_decay, (double)j);
        rsum += raw[ng + j];
    }
    for (size_t j = 0; j < nr; j++) raw[ng + j] *= (1 - p->gather_share) / rsum;
    if (nr > 0 && raw[ng] > raw[ng - 1]) {
        double cut = raw[ng - 1] * p->reserve_cap_ratio / raw[ng];
        for (size_t j = 0; j < nr; j++) raw[ng + j] *= cut;
    }
    for (size_t i = 0; i < m; i++) raw[i] = i < ng + nr ? raw[i] : 0.0;
    for (size_t i = 0; i < ng + nr; i++) total += raw[i];
    for (size_t i = 0; i < ng + nr; i++) raw[i] /= total;
}

static void power_weights(const yuma_gauntlet_params *p, const ranked *r, size_t m, double *raw)
{
    double total = 0;
    for (size_t i = 0; i < m; i++) total += raw[i] = pow(r[i].F, p->power);
    for (size_t i = 0; i < m; i++) raw[i] = total > 0 ? raw[i] / total : 1.0 / (double)m;
}

yuma_gauntlet_status yuma_gauntlet_weights(const yuma_gauntlet_params *p, yuma_gauntlet_peer *peers,
                                           size_t n_peers, uint64_t window, double *w)
{
    if (!p || !w || (n_peers && !peers)) return YUMA_GAUNTLET_ERR_ARG;
    if (yuma_gauntlet_params_check(p) != YUMA_GAUNTLET_OK) return YUMA_GAUNTLET_ERR_PARAMS;
    if (n_peers > (size_t)UINT16_MAX + 1 || (p->burn_uid >= 0 && (size_t)p->burn_uid >= n_peers))
        return YUMA_GAUNTLET_ERR_RANGE;
    for (size_t u = 0; u < n_peers; u++)
        if (!isfinite(peers[u].F)) return YUMA_GAUNTLET_ERR_SCORE;
    ranked *r = malloc((n_peers + 1) * sizeof *r);
    double *raw = malloc((n_peers + 1) * sizeof *raw);
    if (!r || !raw) {
        free(r), free(raw);
        return YUMA_GAUNTLET_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t u = 0; u < n_peers; u++)
        if (peers[u].evals > 0 && peers[u].F > 0 && peers[u].banned_until <= window && (int64_t)u != p->burn_uid)
            r[m++] = (ranked){peers[u].F, (uint16_t)u};
    qsort(r, m, sizeof *r, cmp_ranked);
    if (p->scheme == YUMA_WEIGHTS_RANK) rank_weights(p, m, raw);
    else power_weights(p, r, m, raw);
    double burn = p->burn_uid >= 0 ? (m ? p->burn_rate : 1.0) : 0.0;
    for (size_t u = 0; u < n_peers; u++) w[u] = 0;
    for (size_t i = 0; i < m; i++) w[r[i].uid] = raw[i] * (1 - burn);
    if (p->burn_uid >= 0) w[p->burn_uid] = burn;
    for (size_t u = 0; u < n_peers; u++) peers[u].weight = w[u];
    free(r), free(raw);
    return YUMA_GAUNTLET_OK;
}

yuma_gauntlet_status yuma_weights_to_u16(const double *w, size_t n, uint16_t *uids, uint16_t *values,
                                         size_t *count)
{
    if (!count) return YUMA_GAUNTLET_ERR_ARG;
    *count = 0;
    if (n && (!w || !uids || !values)) return YUMA_GAUNTLET_ERR_ARG;
    if (n > (size_t)UINT16_MAX + 1) return YUMA_GAUNTLET_ERR_RANGE;
    double max = 0;
    for (size_t u = 0; u < n; u++) {
        if (!isfinite(w[u]) || w[u] < 0) return YUMA_GAUNTLET_ERR_WEIGHTS;
        if (w[u] > max) max = w[u];
    }
    if (max == 0) return YUMA_GAUNTLET_OK;
    size_t c = 0;
    for (size_t u = 0; u < n; u++) {
        double v = nearbyint(w[u] / max * 65535.0); /* halves to even, as Python's round */
        if (v < 1) continue;
        uids[c] = (uint16_t)u;
        values[c++] = (uint16_t)v;
    }
    *count = c;
    return YUMA_GAUNTLET_OK;
}
