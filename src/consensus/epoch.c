/*
 * epoch.c - the sparse Yuma Consensus epoch (subtensor's epoch_mechanism),
 * bit-exact with the reference. Spec: ../shared/specs/yuma-consensus.md §2.
 *
 * Data flow of one epoch (each step is one function below):
 *   activity -> stake -> permits -> active stake -> weights (masked,
 *   row-normalised) -> consensus (stake-weighted kappa quantile per column)
 *   -> clipping, validator trust, incentive -> weights for bonds -> bonds
 *   (YC2 or YC3, liquid alpha) and dividends -> emission split -> outputs.
 *
 * Cost is proportional to n plus the number of weights and bonds: sparse
 * rows are compressed-row arrays, per-row dense scratch is cleared by
 * walking the entries that touched it, and ascending column order is
 * produced by scanning a touched-column bitmap rather than by sorting.
 */
#include <stdlib.h>
#include <string.h>

#include "consensus/math.h"
#include "yuma/epoch.h"
#include "yuma/fixed.h"

/* ---- workspace: grow-only scratch buffers reused across epochs ---- */

enum {
    WS_INACTIVE, WS_X, WS_STAKE, WS_OLD_PERMIT, WS_ACTIVE_STAKE,
    WS_W_OFF, WS_W_COL, WS_W_VAL, WS_CLIP,
    WS_U, WS_CNT, WS_CSC_OFF, WS_CSC_SCORE, WS_CSC_STAKE, WS_CONS,
    WS_VTRUST, WS_RANK, WS_INCENTIVE,
    WS_WB_OFF, WS_WB_COL, WS_WB_VAL,
    WS_B_OFF, WS_B_COL, WS_B_VAL,
    WS_DB_VAL, WS_E_OFF, WS_E_COL, WS_E_VAL,
    WS_COLSUM, WS_COLSUM2, WS_DENSE, WS_DENSE2, WS_BITMAP, WS_STAMP,
    WS_ALPHA, WS_DIV, WS_SERVER, WS_VALID, WS_COMB, WS_ROWTMP_COL, WS_ROWTMP_VAL,
    WS_COUNT
};

struct yuma_workspace {
    void *buf[WS_COUNT];
    size_t cap[WS_COUNT];
};

yuma_workspace *yuma_workspace_new(void)
{
    return calloc(1, sizeof(yuma_workspace));
}

void yuma_workspace_free(yuma_workspace *ws)
{
    if (!ws) return;
    for (int i = 0; i < WS_COUNT; i++) free(ws->buf[i]);
    free(ws);
}

/* Scratch of at least `bytes`, contents unspecified (zeroed when asked). */
static void *ws_get(yuma_workspace *ws, int slot, size_t bytes, bool zero)
{
    if (bytes == 0) bytes = 1;
    if (ws->cap[slot] < bytes) {
        free(ws->buf[slot]);
        size_t cap = bytes + bytes / 4;
        ws->buf[slot] = malloc(cap);
        ws->cap[slot] = ws->buf[slot] ? cap : 0;
        if (!ws->buf[slot]) return NULL;
    }
    if (zero) memset(ws->buf[slot], 0, bytes);
    return ws->buf[slot];
}

yuma_hyperparams yuma_hyperparams_default(void)
{
    yuma_hyperparams hp = {
        .tempo = 360,
        .activity_cutoff_factor_milli = 13889,
        .kappa = 32767,
        .bonds_penalty = 65535,
        .bonds_moving_average = 900000,
        .max_allowed_validators = 64,
        .yuma3 = false,
        .liquid_alpha = false,
        .alpha_low = 45875,
        .alpha_high = 58982,
        .alpha_sigmoid_steepness = 1000,
        .stake_threshold = 0,
    };
    return hp;
}

const char *yuma_status_str(yuma_status s)
{
    switch (s) {
    case YUMA_OK: return "ok";
    case YUMA_ERR_NOMEM: return "out of memory";
    case YUMA_ERR_TOO_MANY_UIDS: return "n exceeds 65535 uids";
    case YUMA_ERR_OWNER: return "owner uid is not below n";
    case YUMA_ERR_STAKE_DOMAIN: return "total stake is 2^63 or more";
    case YUMA_ERR_BONDS_MOVING_AVERAGE: return "bonds_moving_average exceeds 1000000";
    case YUMA_ERR_MATRIX: return "malformed weights or bonds (offsets, column >= n, or duplicate column)";
    }
    return "unknown status";
}

/* A sparse matrix under construction: compressed rows of (column, value). */
typedef struct {
    size_t *off;
    uint16_t *col;
    yfx *val;
} smat;

/* Everything one epoch computes, shared by the steps below. */
typedef struct {
    const yuma_epoch_input *in;
    yuma_workspace *ws;
    uint32_t n;
    bool *inactive;
    yfx *stake;
    bool *forbid;          /* !(previous permit or owner) */
    yfx *active_stake;
    smat W;                /* masked, row-normalised weights */
    yfx *clip;             /* per W entry: clipped value, or -1 when dropped */
    yfx *consensus;
    yfx *vtrust;
    yfx *incentive;
    smat Wb;               /* weights for bonds */
    smat B;                /* bonds as read, masked */
    smat E;                /* bond EMA as stored (YC2: column-max-upscaled) */
    yfx *dividends;
} epoch_ctx;

#define WS(ctx, slot, type, count, zero) \
    ((type *)ws_get((ctx)->ws, (slot), sizeof(type) * (size_t)(count), (zero)))

static uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* ---- input validation ---- */

static yuma_status check_matrix(const yuma_sparse_view *m, uint32_t n, uint32_t *stamp)
{
    if (!m->offsets) return YUMA_OK;
    if (m->offsets[0] != 0) return YUMA_ERR_MATRIX;
    for (uint32_t i = 0; i < n; i++) {
        size_t a = m->offsets[i], b = m->offsets[i + 1];
        if (b < a) return YUMA_ERR_MATRIX;
        for (size_t k = a; k < b; k++) {
            uint16_t j = m->entries[k].uid;
            if (j >= n || stamp[j] == i + 1) return YUMA_ERR_MATRIX;
            stamp[j] = i + 1;
        }
    }
    return YUMA_OK;
}

static yuma_status validate(epoch_ctx *c)
{
    const yuma_epoch_input *in = c->in;
    if (in->n > YUMA_MAX_UIDS) return YUMA_ERR_TOO_MANY_UIDS;
    if (in->owner_uid != YUMA_NO_OWNER && (in->owner_uid < 0 || (uint32_t)in->owner_uid >= in->n))
        return YUMA_ERR_OWNER;
    if (in->hp.bonds_moving_average > 1000000) return YUMA_ERR_BONDS_MOVING_AVERAGE;
    uint32_t *stamp = WS(c, WS_STAMP, uint32_t, in->n, true);
    if (!stamp) return YUMA_ERR_NOMEM;
    yuma_status s = check_matrix(&in->weights, in->n, stamp);
    if (s != YUMA_OK) return s;
    memset(stamp, 0, sizeof(uint32_t) * in->n);
    return check_matrix(&in->bonds, in->n, stamp);
}

/* ---- §2.1 activity, §2.2 stake, §2.3 permits, §2.4 active stake ---- */

static void compute_activity(epoch_ctx *c)
{
    const yuma_epoch_input *in = c->in;
    uint64_t cutoff = (uint64_t)in->hp.activity_cutoff_factor_milli * in->hp.tempo / 1000;
    if (cutoff < 1) cutoff = 1;
    for (uint32_t i = 0; i < c->n; i++)
        c->inactive[i] = sat_add_u64(in->last_update[i], cutoff) < in->block;
}

/* x_i = A_i * 2^32 + R_i * tau (U96F32 raw); stake_i = floor(x_i * 2^32 / sum x). */
static yuma_status compute_stake(epoch_ctx *c, uint64_t *raw_stake)
{
    const yuma_epoch_input *in = c->in;
    yfx_u128 *x = WS(c, WS_X, yfx_u128, c->n, false);
    if (!x) return YUMA_ERR_NOMEM;
    yfx_u128 total = 0, filtered = 0;
    const yfx_u128 domain = (yfx_u128)1 << 95; /* stake sum 2^63 as U96F32 */
    for (uint32_t i = 0; i < c->n; i++) {
        yfx_u128 xi = (yfx_u128)in->alpha_stake[i] << 32;
        if (in->root_stake) xi += (yfx_u128)in->root_stake[i] * in->tao_weight_raw32;
        total += xi;
        if (total >= domain) return YUMA_ERR_STAKE_DOMAIN;
        raw_stake[i] = (uint64_t)(xi >> 32);
        if ((int32_t)i != in->owner_uid && raw_stake[i] < in->hp.stake_threshold) xi = 0;
        x[i] = xi;
        filtered += xi;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        if (filtered == 0 || x[i] == 0) { c->stake[i] = 0; continue; }
        /* Integer stakes have x_i = s_i * 2^32: cancel the factor to stay in 64 bits. */
        if ((x[i] & 0xffffffffu) == 0 && (filtered & 0xffffffffu) == 0 && (filtered >> 32) <= UINT64_MAX &&
            (x[i] >> 32) < ((yfx_u128)1 << 32)) {
            c->stake[i] = (yfx)((((uint64_t)(x[i] >> 32)) << 32) / (uint64_t)(filtered >> 32));
        } else {
            c->stake[i] = (yfx)((x[i] << 32) / filtered);
        }
    }
    return YUMA_OK;
}

static bool is_owner(const epoch_ctx *c, uint32_t i)
{
    return c->in->owner_uid >= 0 && (uint32_t)c->in->owner_uid == i;
}

static yuma_status compute_permits(epoch_ctx *c, bool *new_permit)
{
    for (uint32_t i = 0; i < c->n; i++)
        c->forbid[i] = !(c->in->validator_permit[i] || is_owner(c, i));
    if (!ymath_is_topk_nonzero(c->stake, c->n, c->in->hp.max_allowed_validators, new_permit))
        return YUMA_ERR_NOMEM;
    if (c->in->owner_uid >= 0) new_permit[c->in->owner_uid] = true;
    for (uint32_t i = 0; i < c->n; i++)
        c->active_stake[i] = (!c->inactive[i] && !c->forbid[i]) ? c->stake[i] : 0;
    ymath_normalize(c->active_stake, c->n);
    return YUMA_OK;
}

/* ---- §2.5 weights: permit, self, outdated and commit-reveal masks, row normalisation ---- */

static yuma_status build_weights(epoch_ctx *c)
{
    const yuma_epoch_input *in = c->in;
    const yuma_sparse_view *wv = &in->weights;
    size_t cap = wv->offsets ? wv->offsets[c->n] : 0;
    c->W.off = WS(c, WS_W_OFF, size_t, c->n + 1, false);
    c->W.col = WS(c, WS_W_COL, uint16_t, cap, false);
    c->W.val = WS(c, WS_W_VAL, yfx, cap, false);
    if (!c->W.off || !c->W.col || !c->W.val) return YUMA_ERR_NOMEM;
    size_t nnz = 0;
    c->W.off[0] = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        size_t start = nnz;
        if (!c->forbid[i] && wv->offsets) {
            uint64_t lu = in->last_update[i];
            uint64_t cb = in->commit_block ? in->commit_block[i] : UINT64_MAX;
            bool keep_self = is_owner(c, i);
            uint64_t sum = 0;
            for (size_t k = wv->offsets[i]; k < wv->offsets[i + 1]; k++) {
                uint16_t j = wv->entries[k].uid;
                if (j == i && !keep_self) continue;
                uint64_t reg = in->registered_at[j];
                if (lu <= reg) continue;
                if (cb < reg) continue;
                c->W.col[nnz] = j;
                c->W.val[nnz] = wv->entries[k].value;
                sum += wv->entries[k].value;
                nnz++;
            }
            if (sum > 0 && sum < ((uint64_t)1 << 31)) {
                for (size_t k = start; k < nnz; k++)
                    c->W.val[k] = (yfx)(((uint64_t)c->W.val[k] << 32) / sum);
            } else if (sum > 0) {
                /* The reference sums the I32F32 row with a plain (wrapping)
                 * add; past 2^31 the sum wraps and safe_div decides. */
                yfx s = (yfx)(uint64_t)(sum << 32);
                for (size_t k = start; k < nnz; k++) {
                    yfx v = c->W.val[k] * YFX_ONE;
                    c->W.val[k] = s > 0 ? yfx_safe_div(v, s) : v;
                }
            }
        }
        c->W.off[i + 1] = nnz;
    }
    return YUMA_OK;
}

/* ---- §2.6 consensus: stake-weighted kappa quantile of each column ---- */

static yuma_status compute_consensus(epoch_ctx *c)
{
    uint32_t n = c->n;
    yfx *u = WS(c, WS_U, yfx, n, false);
    uint32_t *cnt = WS(c, WS_CNT, uint32_t, n + 1, true);
    if (!u || !cnt) return YUMA_ERR_NOMEM;
    memset(c->consensus, 0, sizeof(yfx) * n);

    /* U: positive active stakes in uid order, normalised again. */
    yfx usum = 0;
    uint32_t voters = 0;
    for (uint32_t i = 0; i < n; i++) {
        u[i] = c->active_stake[i] > 0 ? c->active_stake[i] : 0;
        usum += u[i];
        voters += u[i] > 0;
    }
    if (voters == 0) return YUMA_OK;
    yfx sigma = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (u[i] > 0) u[i] = yfx_div_nonneg(u[i], usum);
        sigma += u[i];
    }
    yfx kappa = yfx_from_u16_proportion(c->in->hp.kappa);
    yfx m = yfx_sat_sub(sigma, kappa);

    /* Transpose the voters' positive weights into per-column lists. */
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (u[i] == 0) continue;
        for (size_t k = c->W.off[i]; k < c->W.off[i + 1]; k++)
            if (c->W.val[k] > 0) cnt[c->W.col[k] + 1]++;
    }
    for (uint32_t j = 0; j < n; j++) cnt[j + 1] += cnt[j];
    total = cnt[n];
    size_t *pos = WS(c, WS_CSC_OFF, size_t, n, false);
    yfx *score = WS(c, WS_CSC_SCORE, yfx, total, false);
    yfx *weight = WS(c, WS_CSC_STAKE, yfx, total, false);
    if (!pos || !score || !weight) return YUMA_ERR_NOMEM;
    for (uint32_t j = 0; j < n; j++) pos[j] = cnt[j];
    for (uint32_t i = 0; i < n; i++) {
        if (u[i] == 0) continue;
        for (size_t k = c->W.off[i]; k < c->W.off[i + 1]; k++) {
            if (c->W.val[k] <= 0) continue;
            size_t p = pos[c->W.col[k]]++;
            score[p] = c->W.val[k];
            weight[p] = u[i];
        }
    }

    for (uint32_t j = 0; j < n; j++) {
        size_t a = cnt[j], b = cnt[j + 1];
        if (a == b) continue; /* every voter scores 0 */
        yfx positive_mass = 0;
        for (size_t k = a; k < b; k++) positive_mass += weight[k];
        yfx zero_mass = sigma - positive_mass;
        bool has_zero = (b - a) < voters;
        if (has_zero && zero_mass > m) continue; /* the quantile is 0 */
        yfx rest = has_zero ? m - zero_mass : m;
        c->consensus[j] = ymath_weighted_quantile(score + a, weight + a, b - a, rest);
    }
    return YUMA_OK;
}

/* ---- §2.7 clipping, validator trust, incentive ---- */

static void compute_incentive(epoch_ctx *c)
{
    uint32_t n = c->n;
    memset(c->incentive, 0, sizeof(yfx) * n);
    for (uint32_t i = 0; i < n; i++) {
        yfx trust = 0, as = c->active_stake[i];
        for (size_t k = c->W.off[i]; k < c->W.off[i + 1]; k++) {
            yfx w = c->W.val[k], cj = c->consensus[c->W.col[k]];
            yfx v = cj < w ? (cj > 0 ? cj : -1) : w;
            c->clip[k] = v;
            if (v < 0) continue;
            trust += v;
            if (as != 0) {
                yfx *r = &c->incentive[c->W.col[k]];
                *r = yfx_sat_add(*r, yfx_mul_nonneg(as, v));
            }
        }
        c->vtrust[i] = trust;
    }
    ymath_normalize(c->incentive, n);
}

/* Emits the touched columns of a row in ascending order by scanning the
 * bitmap words the row touched; clears the bitmap as it goes. */
typedef struct {
    uint64_t *bits;
    uint32_t *words;    /* indices of non-zero words, unsorted */
    size_t nwords;
} colset;

static void colset_add(colset *s, uint16_t j)
{
    uint64_t *w = &s->bits[j >> 6];
    if (*w == 0) s->words[s->nwords++] = j >> 6;
    *w |= (uint64_t)1 << (j & 63);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Writes the set's columns ascending into out, empties the set. */
static size_t colset_drain(colset *s, uint16_t *out)
{
    if (s->nwords > 1) qsort(s->words, s->nwords, sizeof(uint32_t), cmp_u32);
    size_t k = 0;
    for (size_t q = 0; q < s->nwords; q++) {
        uint32_t wi = s->words[q];
        uint64_t w = s->bits[wi];
        while (w) {
            out[k++] = (uint16_t)(wi * 64 + (uint32_t)__builtin_ctzll(w));
            w &= w - 1;
        }
        s->bits[wi] = 0;
    }
    s->nwords = 0;
    return k;
}

/* ---- §2.8 weights for bonds: interpolate W and its clipped copy by beta ---- */

static yuma_status build_weights_for_bonds(epoch_ctx *c, colset *set)
{
    uint32_t n = c->n;
    size_t cap = c->W.off[n];
    yfx beta = yfx_from_u16_proportion(c->in->hp.bonds_penalty);
    c->Wb.off = WS(c, WS_WB_OFF, size_t, n + 1, false);
    c->Wb.col = WS(c, WS_WB_COL, uint16_t, cap, false);
    c->Wb.val = WS(c, WS_WB_VAL, yfx, cap, false);
    yfx *dense = WS(c, WS_DENSE, yfx, n, true);
    if (!c->Wb.off || !c->Wb.col || !c->Wb.val || !dense) return YUMA_ERR_NOMEM;
    size_t nnz = 0;
    c->Wb.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (size_t k = c->W.off[i]; k < c->W.off[i + 1]; k++) {
            yfx w = c->W.val[k], cl = c->clip[k];
            if (beta == 0) {
                c->Wb.col[nnz] = c->W.col[k];
                c->Wb.val[nnz++] = w;
            } else if (beta == YFX_ONE) {
                if (cl < 0) continue;
                c->Wb.col[nnz] = c->W.col[k];
                c->Wb.val[nnz++] = cl;
            } else {
                /* Densified over 0..n-1, so the row comes out ascending and
                 * without zeros. */
                if (cl < 0) cl = 0;
                yfx x = yfx_sat_add(w, yfx_mul(beta, yfx_sat_sub(cl, w)));
                if (x > 0) {
                    dense[c->W.col[k]] = x;
                    colset_add(set, c->W.col[k]);
                }
            }
        }
        if (beta != 0 && beta != YFX_ONE) {
            size_t cnt = colset_drain(set, c->Wb.col + nnz);
            for (size_t q = 0; q < cnt; q++) {
                uint16_t j = c->Wb.col[nnz + q];
                c->Wb.val[nnz + q] = dense[j];
                dense[j] = 0;
            }
            nnz += cnt;
        }
        c->Wb.off[i + 1] = nnz;
    }
    return YUMA_OK;
}

/* ---- §2.9 bonds ---- */

/* Reads the stored bonds, dropping columns registered at or after last_tempo. */
static yuma_status read_bonds(epoch_ctx *c, bool yuma3)
{
    const yuma_epoch_input *in = c->in;
    const yuma_sparse_view *bv = &in->bonds;
    uint32_t n = c->n;
    size_t cap = bv->offsets ? bv->offsets[n] : 0;
    c->B.off = WS(c, WS_B_OFF, size_t, n + 1, false);
    c->B.col = WS(c, WS_B_COL, uint16_t, cap, false);
    c->B.val = WS(c, WS_B_VAL, yfx, cap, false);
    if (!c->B.off || !c->B.col || !c->B.val) return YUMA_ERR_NOMEM;
    uint64_t lms = in->last_epoch_block;
    uint64_t last_tempo = lms == 0 ? (in->block > in->hp.tempo ? in->block - in->hp.tempo : 0)
                                   : sat_add_u64(lms, 1);
    size_t nnz = 0;
    c->B.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (bv->offsets) {
            for (size_t k = bv->offsets[i]; k < bv->offsets[i + 1]; k++) {
                uint16_t j = bv->entries[k].uid;
                if (last_tempo <= in->registered_at[j]) continue;
                uint16_t b = bv->entries[k].value;
                c->B.col[nnz] = j;
                c->B.val[nnz++] = yuma3 ? yfx_from_u16_proportion(b) : (yfx)b * YFX_ONE;
            }
        }
        c->B.off[i + 1] = nnz;
    }
    return YUMA_OK;
}

/* Column sums with saturating adds. */
static void column_sums(const smat *m, const yfx *val, uint32_t n, yfx *sums)
{
    memset(sums, 0, sizeof(yfx) * n);
    for (size_t k = 0; k < m->off[n]; k++) {
        yfx *s = &sums[m->col[k]];
        *s = yfx_sat_add(*s, val[k]);
    }
}

/* col_normalize: entries of columns with a non-zero sum become safe_div(v, sum). */
static void column_normalize(const smat *m, yfx *val, uint32_t n, yfx *sums)
{
    column_sums(m, val, n, sums);
    for (size_t k = 0; k < m->off[n]; k++) {
        yfx s = sums[m->col[k]];
        if (s != 0) val[k] = yfx_div_nonneg(val[k], s);
    }
}

/* mat_ema_sparse: per row acc_j = mul(a, new_j) + mul(1 - a, old_j), emitted
 * ascending where positive. Output capacity: nnz(new) + nnz(old). */
static yuma_status ema_constant(epoch_ctx *c, const smat *nw, const yfx *nw_val, yfx alpha, colset *set)
{
    uint32_t n = c->n;
    size_t cap = nw->off[n] + c->B.off[n];
    c->E.off = WS(c, WS_E_OFF, size_t, n + 1, false);
    c->E.col = WS(c, WS_E_COL, uint16_t, cap, false);
    c->E.val = WS(c, WS_E_VAL, yfx, cap, false);
    yfx *acc = WS(c, WS_DENSE, yfx, n, true);
    uint16_t *cols = WS(c, WS_ROWTMP_COL, uint16_t, n, false);
    if (!c->E.off || !c->E.col || !c->E.val || !acc || !cols) return YUMA_ERR_NOMEM;
    yfx keep = YFX_ONE - alpha;
    size_t nnz = 0;
    c->E.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (size_t k = nw->off[i]; k < nw->off[i + 1]; k++) {
            acc[nw->col[k]] += yfx_mul(alpha, nw_val[k]);
            colset_add(set, nw->col[k]);
        }
        for (size_t k = c->B.off[i]; k < c->B.off[i + 1]; k++) {
            acc[c->B.col[k]] += yfx_mul(keep, c->B.val[k]);
            colset_add(set, c->B.col[k]);
        }
        size_t cnt = colset_drain(set, cols);
        for (size_t q = 0; q < cnt; q++) {
            uint16_t j = cols[q];
            if (acc[j] > 0) {
                c->E.col[nnz] = j;
                c->E.val[nnz++] = acc[j];
            }
            acc[j] = 0;
        }
        c->E.off[i + 1] = nnz;
    }
    return YUMA_OK;
}

/* Marks the entries of a row that the reference's merge-walk lookup finds:
 * walking columns 0..n-1 with a forward-only cursor sees an entry only if
 * its column exceeds every column stored before it (rows keep submission
 * order, so an unsorted row hides some entries; spec §2.9.3). Writes the
 * visible values into dense[]. */
static void scatter_visible(const smat *m, const yfx *val, uint32_t i, yfx *dense, bool *present)
{
    int32_t prefix_max = -1;
    for (size_t k = m->off[i]; k < m->off[i + 1]; k++) {
        uint16_t j = m->col[k];
        if ((int32_t)j > prefix_max) {
            dense[j] = val[k];
            if (present) present[j] = true;
            prefix_max = j;
        }
    }
}

static void clear_row(const smat *m, uint32_t i, yfx *dense, bool *present)
{
    for (size_t k = m->off[i]; k < m->off[i + 1]; k++) {
        dense[m->col[k]] = 0;
        if (present) present[m->col[k]] = false;
    }
}

/* YC3 with liquid alpha: a per-bond alpha from each weight, bond and
 * consensus value, then mat_ema_alpha_sparse (only columns of the current
 * weights_for_bonds row survive). */
static yuma_status ema_liquid(epoch_ctx *c)
{
    const yuma_hyperparams *hp = &c->in->hp;
    uint32_t n = c->n;
    size_t cap = c->Wb.off[n];
    c->E.off = WS(c, WS_E_OFF, size_t, n + 1, false);
    c->E.col = WS(c, WS_E_COL, uint16_t, cap, false);
    c->E.val = WS(c, WS_E_VAL, yfx, cap, false);
    yfx *wlook = WS(c, WS_DENSE, yfx, n, true);
    yfx *blook = WS(c, WS_DENSE2, yfx, n, true);
    yfx *alpha = WS(c, WS_ALPHA, yfx, n, false);
    yfx *scratch = WS(c, WS_COLSUM2, yfx, n, true);
    if (!c->E.off || !c->E.col || !c->E.val || !wlook || !blook || !alpha || !scratch)
        return YUMA_ERR_NOMEM;
    yfx lo = yfx_from_u16_proportion(hp->alpha_low), hi = yfx_from_u16_proportion(hp->alpha_high);
    size_t nnz = 0;
    c->E.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t a = c->Wb.off[i], b = c->Wb.off[i + 1];
        scatter_visible(&c->Wb, c->Wb.val, i, wlook, NULL);
        scatter_visible(&c->B, c->B.val, i, blook, NULL);
        for (size_t k = a; k < b; k++) {
            uint16_t j = c->Wb.col[k];
            alpha[k - a] = ymath_liquid_alpha(wlook[j], blook[j], c->consensus[j], lo, hi,
                                              hp->alpha_sigmoid_steepness);
        }
        clear_row(&c->Wb, i, wlook, NULL);
        clear_row(&c->B, i, blook, NULL);
        size_t bo = c->B.off[i];
        nnz += ymath_ema_alpha_row(c->Wb.col + a, c->Wb.val + a, alpha, b - a, c->B.col + bo,
                                   c->B.val + bo, c->B.off[i + 1] - bo, scratch, c->E.col + nnz,
                                   c->E.val + nnz);
        c->E.off[i + 1] = nnz;
    }
    return YUMA_OK;
}

static yfx alpha_base(const yuma_hyperparams *hp)
{
    return YFX_ONE - (yfx)((((yfx_u128)hp->bonds_moving_average) << 32) / 1000000u);
}

/* §2.9.1: YC2 bonds (EMA of column-normalised stake-weighted weights). */
static yuma_status bonds_yuma2(epoch_ctx *c, colset *set)
{
    uint32_t n = c->n;
    yfx *sums = WS(c, WS_COLSUM, yfx, n, false);
    yfx *dB = WS(c, WS_DB_VAL, yfx, c->Wb.off[n], false);
    if (!sums || !dB) return YUMA_ERR_NOMEM;
    column_normalize(&c->B, c->B.val, n, sums);
    for (uint32_t i = 0; i < n; i++)
        for (size_t k = c->Wb.off[i]; k < c->Wb.off[i + 1]; k++)
            dB[k] = yfx_mul(c->Wb.val[k], c->active_stake[i]);
    column_normalize(&c->Wb, dB, n, sums);
    yuma_status s = ema_constant(c, &c->Wb, dB, alpha_base(&c->in->hp), set);
    if (s != YUMA_OK) return s;
    column_normalize(&c->E, c->E.val, n, sums);
    for (uint32_t i = 0; i < n; i++) {
        yfx d = 0;
        for (size_t k = c->E.off[i]; k < c->E.off[i + 1]; k++)
            d = yfx_sat_add(d, yfx_mul(c->incentive[c->E.col[k]], c->E.val[k]));
        c->dividends[i] = d;
    }
    ymath_normalize(c->dividends, n);
    /* Stored bonds: each column divided by its maximum. */
    memset(sums, 0, sizeof(yfx) * n);
    for (size_t k = 0; k < c->E.off[n]; k++)
        if (c->E.val[k] > sums[c->E.col[k]]) sums[c->E.col[k]] = c->E.val[k];
    for (size_t k = 0; k < c->E.off[n]; k++) {
        yfx mx = sums[c->E.col[k]];
        if (mx != 0) c->E.val[k] = yfx_div_nonneg(c->E.val[k], mx);
    }
    return YUMA_OK;
}

/* §2.9.2: YC3 fixed-proportion bonds and dividends. */
static yuma_status bonds_yuma3(epoch_ctx *c, colset *set)
{
    uint32_t n = c->n;
    const yuma_hyperparams *hp = &c->in->hp;
    bool any_consensus = false;
    for (uint32_t j = 0; j < n && !any_consensus; j++) any_consensus = c->consensus[j] != 0;
    yuma_status s = (hp->liquid_alpha && any_consensus)
                        ? ema_liquid(c)
                        : ema_constant(c, &c->Wb, c->Wb.val, alpha_base(hp), set);
    if (s != YUMA_OK) return s;
    size_t nnz = c->E.off[n];
    yfx *sums = WS(c, WS_COLSUM, yfx, n, false);
    yfx *norm = WS(c, WS_DB_VAL, yfx, nnz, false);
    if (!sums || !norm) return YUMA_ERR_NOMEM;
    memcpy(norm, c->E.val, sizeof(yfx) * nnz);
    column_normalize(&c->E, norm, n, sums);
    for (uint32_t i = 0; i < n; i++) {
        yfx t = 0;
        for (size_t k = c->E.off[i]; k < c->E.off[i + 1]; k++)
            t += yfx_mul(norm[k], c->incentive[c->E.col[k]]);
        yfx d;
        c->dividends[i] = yfx_checked_mul(t, c->active_stake[i], &d) ? d : 0;
    }
    ymath_normalize(c->dividends, n);
    return YUMA_OK;
}

/* ---- §2.10 emission split and §2.11 outputs ---- */

static void emission_split(epoch_ctx *c, yuma_epoch_output *out)
{
    uint32_t n = c->n;
    uint64_t rao = c->in->emission;
    yfx total = 0, as_total = 0;
    for (uint32_t i = 0; i < n; i++) {
        total += yfx_sat_add(c->incentive[i], c->dividends[i]);
        as_total += c->active_stake[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        yfx e = yfx_sat_add(c->incentive[i], c->dividends[i]);
        yfx server, valid, comb;
        if (total != 0) {
            server = yfx_safe_div(c->incentive[i], total);
            valid = yfx_safe_div(c->dividends[i], total);
            comb = yfx_safe_div(e, total);
        } else {
            server = c->incentive[i];
            valid = comb = as_total == 0 ? c->stake[i] : c->active_stake[i];
        }
        out->server_emission[i] = yfx_amount(server, rao);
        out->validator_emission[i] = yfx_amount(valid, rao);
        out->emission[i] = yfx_amount(comb, rao);
    }
}

static yuma_status alloc_output(yuma_epoch_output *out, uint32_t n)
{
    memset(out, 0, sizeof(*out));
    out->n = n;
    size_t m = n ? n : 1;
    out->consensus = calloc(m, sizeof(uint16_t));
    out->incentive = calloc(m, sizeof(uint16_t));
    out->dividends = calloc(m, sizeof(uint16_t));
    out->validator_trust = calloc(m, sizeof(uint16_t));
    out->stake_weight = calloc(m, sizeof(uint16_t));
    out->emission = calloc(m, sizeof(uint64_t));
    out->server_emission = calloc(m, sizeof(uint64_t));
    out->validator_emission = calloc(m, sizeof(uint64_t));
    out->raw_stake = calloc(m, sizeof(uint64_t));
    out->validator_permit = calloc(m, sizeof(bool));
    out->active = calloc(m, sizeof(bool));
    out->bond_offsets = calloc(m + 1, sizeof(size_t));
    if (!out->consensus || !out->incentive || !out->dividends || !out->validator_trust ||
        !out->stake_weight || !out->emission || !out->server_emission ||
        !out->validator_emission || !out->raw_stake || !out->validator_permit || !out->active ||
        !out->bond_offsets) {
        yuma_epoch_output_free(out);
        return YUMA_ERR_NOMEM;
    }
    return YUMA_OK;
}

void yuma_epoch_output_free(yuma_epoch_output *out)
{
    if (!out) return;
    free(out->consensus);
    free(out->incentive);
    free(out->dividends);
    free(out->validator_trust);
    free(out->stake_weight);
    free(out->emission);
    free(out->server_emission);
    free(out->validator_emission);
    free(out->raw_stake);
    free(out->validator_permit);
    free(out->active);
    free(out->bond_offsets);
    free(out->bonds);
    memset(out, 0, sizeof(*out));
}

static yuma_status write_outputs(epoch_ctx *c, yuma_epoch_output *out)
{
    uint32_t n = c->n;
    for (uint32_t i = 0; i < n; i++) {
        out->consensus[i] = yfx_to_u16_proportion(c->consensus[i]);
        out->incentive[i] = yfx_to_u16_proportion(c->incentive[i]);
        out->dividends[i] = yfx_to_u16_proportion(c->dividends[i]);
        out->validator_trust[i] = yfx_to_u16_proportion(c->vtrust[i]);
        out->stake_weight[i] = yfx_to_u16_proportion(c->stake[i]);
        out->active[i] = !c->inactive[i];
    }
    /* Bond rows of validators with a new permit are stored; others emptied. */
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (out->validator_permit[i]) total += c->E.off[i + 1] - c->E.off[i];
    out->bonds = malloc(sizeof(yuma_entry) * (total ? total : 1));
    if (!out->bonds) return YUMA_ERR_NOMEM;
    size_t p = 0;
    out->bond_offsets[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (out->validator_permit[i]) {
            for (size_t k = c->E.off[i]; k < c->E.off[i + 1]; k++) {
                out->bonds[p].uid = c->E.col[k];
                out->bonds[p].value = yfx_to_u16_proportion(c->E.val[k]);
                p++;
            }
        }
        out->bond_offsets[i + 1] = p;
    }
    emission_split(c, out);
    return YUMA_OK;
}

static yuma_status run(epoch_ctx *c, yuma_epoch_output *out)
{
    uint32_t n = c->n;
    c->inactive = WS(c, WS_INACTIVE, bool, n, false);
    c->stake = WS(c, WS_STAKE, yfx, n, false);
    c->forbid = WS(c, WS_OLD_PERMIT, bool, n, false);
    c->active_stake = WS(c, WS_ACTIVE_STAKE, yfx, n, false);
    c->consensus = WS(c, WS_CONS, yfx, n, false);
    c->vtrust = WS(c, WS_VTRUST, yfx, n, false);
    c->incentive = WS(c, WS_INCENTIVE, yfx, n, false);
    c->dividends = WS(c, WS_DIV, yfx, n, true);
    colset set = {
        .bits = WS(c, WS_BITMAP, uint64_t, n / 64 + 1, true),
        .words = WS(c, WS_RANK, uint32_t, n / 64 + 1, false),
        .nwords = 0,
    };
    if (!c->inactive || !c->stake || !c->forbid || !c->active_stake || !c->consensus ||
        !c->vtrust || !c->incentive || !c->dividends || !set.bits || !set.words)
        return YUMA_ERR_NOMEM;

    compute_activity(c);
    yuma_status s = compute_stake(c, out->raw_stake);
    if (s == YUMA_OK) s = compute_permits(c, out->validator_permit);
    if (s == YUMA_OK) s = build_weights(c);
    if (s != YUMA_OK) return s;
    c->clip = WS(c, WS_CLIP, yfx, c->W.off[n], false);
    if (!c->clip) return YUMA_ERR_NOMEM;
    s = compute_consensus(c);
    if (s != YUMA_OK) return s;
    compute_incentive(c);
    s = build_weights_for_bonds(c, &set);
    if (s == YUMA_OK) s = read_bonds(c, c->in->hp.yuma3);
    if (s == YUMA_OK) s = c->in->hp.yuma3 ? bonds_yuma3(c, &set) : bonds_yuma2(c, &set);
    if (s == YUMA_OK) s = write_outputs(c, out);
    return s;
}

yuma_status yuma_epoch(const yuma_epoch_input *in, yuma_workspace *ws, yuma_epoch_output *out)
{
    memset(out, 0, sizeof(*out));
    yuma_workspace *own = NULL;
    if (!ws) {
        ws = own = yuma_workspace_new();
        if (!ws) return YUMA_ERR_NOMEM;
    }
    epoch_ctx c = {.in = in, .ws = ws, .n = in->n};
    yuma_status s = validate(&c);
    if (s == YUMA_OK) s = alloc_output(out, in->n);
    if (s == YUMA_OK) {
        s = run(&c, out);
        if (s != YUMA_OK) yuma_epoch_output_free(out);
    }
    yuma_workspace_free(own);
    return s;
}
