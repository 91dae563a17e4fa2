/*
 * epoch.c - the sparse Yuma Consensus epoch (subtensor's epoch_mechanism),
 * bit-exact with the reference. Spec: ../shared/specs/yuma-consensus.md §2.
 *
 * After the permits, dense_chosen (dense.c) may hand the weights and bonds
 * to the dense layout instead, which computes the same values; what
 * follows is the sparse layout's data flow.
 *
 * Data flow of one epoch. O(n) steps bracket three streaming passes over
 * the rows of weights and bonds and one over the consensus columns:
 *
 *   header checks, activity, stake, permits, active stake          (O(n))
 *   pass A (load_rows): validate every weight and bond entry (duplicate
 *     stamps only for rows that are not ascending); copy each row's weights
 *     that survive the permit, self, outdated and commit-reveal masks as
 *     (column, u16) and keep the row sum's exact reciprocal, so that a
 *     normalised weight is recomputed on demand with two multiplications;
 *     count the voters' positive weights per column; YC2: column sums of
 *     the stored bonds.
 *   consensus columns (consensus_keys): scatter the voters' normalised
 *     weights into per-column lists of packed (score, voter) keys; per
 *     column a weighted bucket selection (quantile.c) gives the kappa
 *     quantile C_j, and while the column is hot, pass B runs on it:
 *     clipping, rank_j, YC2's delta-B column sum, the voters' trust. Rows
 *     that hold weights but no stake get their trust in a row pass.
 *     (Weights too large for a key, after a wrapped row sum, take the
 *     general path: (score, stake) lists and row-wise pass B.)
 *     Then incentive = normalised rank.
 *   pass C (ema_pass, ema_pass_liquid): each row's bond EMA from its new
 *     terms (alpha * weight for bonds, or YC2's alpha * normalised delta-B)
 *     and its stored bonds' (1 - alpha) terms, accumulated in a dense row
 *     and emitted in ascending column order (liquid alpha: per-entry alpha,
 *     emitted in the row's order) into E, with E's column sums (and YC2's
 *     column maxima).
 *   pass D (dividends_pass_*): E column-normalised gives the dividends;
 *     the stored bonds (YC2 column-max-upscaled) go straight to the output.
 *   dividends normalised, emission split, the O(n) outputs.
 *
 * Why it is fast and still exact: every per-entry division by a row or
 * column sum or maximum uses that divisor's exact reciprocal (divide.h);
 * sums of non-negative terms that the reference takes with saturating adds
 * are accumulated with a clamp at the type's maximum (or plainly where the
 * terms' bounds keep them below it), which for non-negative terms gives the
 * same value in any order; products of values known to lie in [0, 2^32]
 * use 64-bit multiplies; intermediate matrices are not stored when a pass
 * can recompute them from the compact weights. Cost is proportional to n
 * plus the number of weights and bonds.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "consensus/epoch_internal.h"

/* ---- workspace: grow-only scratch buffers reused across epochs ---- */

yuma_workspace *yuma_workspace_new(void)
{
    return calloc(1, sizeof(yuma_workspace));
}

void yuma_workspace_free(yuma_workspace *ws)
{
    if (!ws) return;
    for (int i = 0; i < WS_COUNT; i++) free(ws->buf[i]);
    ypool_free(ws->pool);
    free(ws);
}

void yuma_workspace_set_options(yuma_workspace *ws, const yuma_epoch_options *opt)
{
    ws->opt = *opt;
}

/* A buffer of at least 2 MiB is placed on 2 MiB boundaries and offered to
 * the kernel for transparent huge pages: the dense layout streams several
 * such matrices per epoch, and with 4 KiB pages their page walks are a
 * measurable part of it. Placement changes no byte of any result. */
#define HUGE_PAGE ((size_t)2 << 20)

static void *ws_alloc(size_t cap)
{
    if (cap < HUGE_PAGE) return malloc(cap);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, cap) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, cap & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* advice only */
#endif
    return p;
}

void *epoch_ws_get(yuma_workspace *ws, int slot, size_t bytes, bool zero)
{
    if (bytes == 0) bytes = 1;
    if (ws->cap[slot] < bytes) {
        free(ws->buf[slot]);
        size_t cap = bytes + bytes / 4;
        ws->buf[slot] = ws_alloc(cap);
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

/* ---- column sets: ascending order without sorting every row ---- */

static void colset_add(colset *s, uint16_t j)
{
    uint32_t wi = j >> 6;
    if (s->bits[wi] == 0) {
        s->words[s->nwords++] = wi;
        if (wi < s->lo) s->lo = wi;
        if (wi > s->hi) s->hi = wi;
    }
    s->bits[wi] |= (uint64_t)1 << (j & 63);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static size_t drain_word(colset *s, uint32_t wi, uint16_t *out, size_t k)
{
    uint64_t w = s->bits[wi];
    while (w) {
        out[k++] = (uint16_t)(wi * 64 + (uint32_t)__builtin_ctzll(w));
        w &= w - 1;
    }
    s->bits[wi] = 0;
    return k;
}

/* Writes the set's columns ascending into out and empties the set. */
static size_t colset_drain(colset *s, uint16_t *out)
{
    size_t k = 0;
    if (s->nwords == 0) return 0;
    if ((size_t)(s->hi - s->lo) < 16 * s->nwords) {
        for (uint32_t wi = s->lo; wi <= s->hi; wi++) k = drain_word(s, wi, out, k);
    } else {
        qsort(s->words, s->nwords, sizeof(uint32_t), cmp_u32);
        for (size_t q = 0; q < s->nwords; q++) k = drain_word(s, s->words[q], out, k);
    }
    s->nwords = 0;
    s->lo = UINT32_MAX;
    s->hi = 0;
    return k;
}

/* ---- input validation ---- */

/* Offsets start at 0 and never decrease (checked before any entry is read). */
static bool offsets_valid(const yuma_sparse_view *m, uint32_t n)
{
    if (!m->offsets) return true;
    if (m->offsets[0] != 0) return false;
    for (uint32_t i = 0; i < n; i++)
        if (m->offsets[i + 1] < m->offsets[i]) return false;
    return true;
}

/* Whether every column of a stored row is below n; *unsorted tells whether
 * the row is not strictly ascending (only such a row can repeat a column). */
bool epoch_row_in_range(const yuma_entry *e, size_t len, uint32_t n, bool *unsorted)
{
    /* two independent reductions without a carried "previous", so that
     * the compiler vectorises them */
    uint32_t bad = 0, down = 0;
    for (size_t k = 0; k < len; k++) bad |= (uint32_t)(e[k].uid >= n);
    for (size_t k = 1; k < len; k++) down |= (uint32_t)(e[k].uid <= e[k - 1].uid);
    *unsorted = down != 0;
    return bad == 0;
}

/* No column twice: stamp[j] holds the tag of the last row that had j. */
bool epoch_row_unique(const yuma_entry *e, size_t len, uint32_t *stamp, uint32_t tag)
{
    for (size_t k = 0; k < len; k++) {
        uint32_t j = e[k].uid;
        if (stamp[j] == tag) return false;
        stamp[j] = tag;
    }
    return true;
}

/* Columns below n and none twice. */
bool epoch_row_valid(const yuma_entry *e, size_t len, uint32_t n, uint32_t *stamp, uint32_t tag)
{
    bool unsorted;
    if (!epoch_row_in_range(e, len, n, &unsorted)) return false;
    return !unsorted || epoch_row_unique(e, len, stamp, tag);
}

static bool matrix_valid(const yuma_sparse_view *m, uint32_t n, uint32_t *stamp, uint32_t tag0)
{
    if (!m->offsets) return true;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = m->offsets[i + 1] - m->offsets[i];
        const yuma_entry *e = len ? m->entries + m->offsets[i] : NULL; /* no arithmetic on NULL */
        if (!epoch_row_valid(e, len, n, stamp, tag0 + i)) return false;
    }
    return true;
}

static yuma_status check_header(const yuma_epoch_input *in)
{
    if (in->n > YUMA_MAX_UIDS) return YUMA_ERR_TOO_MANY_UIDS;
    if (in->owner_uid != YUMA_NO_OWNER && (in->owner_uid < 0 || (uint32_t)in->owner_uid >= in->n))
        return YUMA_ERR_OWNER;
    if (in->hp.bonds_moving_average > 1000000) return YUMA_ERR_BONDS_MOVING_AVERAGE;
    if (!offsets_valid(&in->weights, in->n) || !offsets_valid(&in->bonds, in->n))
        return YUMA_ERR_MATRIX;
    return YUMA_OK;
}

/* Entry checks normally ride along pass A; when the stake is out of domain
 * the epoch stops before it, and malformed matrices still take precedence. */
static yuma_status stake_domain_error(epoch_ctx *c)
{
    uint32_t *stamp = WS(c, WS_STAMP, uint32_t, c->n, true);
    if (!stamp) return YUMA_ERR_NOMEM;
    if (!matrix_valid(&c->in->weights, c->n, stamp, 1) ||
        !matrix_valid(&c->in->bonds, c->n, stamp, c->n + 1))
        return YUMA_ERR_MATRIX;
    return YUMA_ERR_STAKE_DOMAIN;
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
        if (total >= domain) return stake_domain_error(c);
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

/* ---- pass A: validation, §2.5 weight masks and row sums, stored bonds ---- */

/* Registration facts the masks need, so rows that no mask can touch skip
 * the per-entry lookups. */
void epoch_scan_registrations(epoch_ctx *c)
{
    const yuma_epoch_input *in = c->in;
    uint64_t lms = in->last_epoch_block;
    c->last_tempo = lms == 0 ? (in->block > in->hp.tempo ? in->block - in->hp.tempo : 0)
                             : sat_add_u64(lms, 1);
    c->max_reg = 0;
    c->bond_mask = false;
    for (uint32_t j = 0; j < c->n; j++) {
        uint64_t r = in->registered_at[j];
        if (r > c->max_reg) c->max_reg = r;
        c->bond_mask |= c->last_tempo <= r;
    }
}

/* Copies the entries of row i that survive the self-weight, outdated and
 * commit-reveal masks (§2.5 steps 2-4) into out and returns how many, or
 * SIZE_MAX when stamp is given and a column repeats (the duplicate check of
 * an unsorted row rides along). *sum gets the kept u16 sum. An entry (i, j)
 * survives the last two masks iff registered_at[j] < min(last_update[i],
 * commit_block[i] + 1). */
static size_t mask_row(const epoch_ctx *c, uint32_t i, const yuma_entry *e, size_t len,
                       uint32_t *stamp, yuma_entry *out, uint64_t *sum)
{
    const yuma_epoch_input *in = c->in;
    uint64_t lim = in->last_update[i];
    uint64_t cb = in->commit_block ? in->commit_block[i] : UINT64_MAX;
    if (cb != UINT64_MAX && cb + 1 < lim) lim = cb + 1;
    uint32_t self = is_owner(c, i) ? UINT32_MAX : i, tag = i + 1;
    size_t w = 0;
    uint64_t s = 0;
    bool no_lookup = c->max_reg < lim;
    for (size_t k = 0; k < len; k++) {
        uint32_t j = e[k].uid;
        if (stamp) {
            if (stamp[j] == tag) return SIZE_MAX;
            stamp[j] = tag;
        }
        bool keep = j != self && (no_lookup || in->registered_at[j] < lim);
        out[w] = e[k];
        w += keep;
        s += keep ? e[k].value : 0;
    }
    *sum = s;
    return w;
}

static void set_row_norm(wrow *r, uint64_t sum)
{
    if (sum > 0 && sum < ((uint64_t)1 << 31)) {
        r->mode = ROW_RECIP;
        r->rd = ydiv_make(sum);
        return;
    }
    yfx s = (yfx)(sum << 32);
    r->mode = sum > 0 && s > 0 ? ROW_WRAPPED : ROW_RAW;
    r->wsum = s;
}

/* The normalised I32F32 weight of a stored u16 value of a row. */
static inline yfx row_weight(const wrow *r, uint16_t v)
{
    if (r->mode == ROW_RECIP) return (yfx)ydiv_q(v, &r->rd);
    yfx x = (yfx)v * YFX_ONE;
    return r->mode == ROW_WRAPPED ? yfx_safe_div(x, r->wsum) : x;
}

static bool load_weight_row(epoch_ctx *c, uint32_t i, uint32_t *stamp, size_t *nnz)
{
    const yuma_sparse_view *wv = &c->in->weights;
    size_t len = wv->offsets ? wv->offsets[i + 1] - wv->offsets[i] : 0;
    const yuma_entry *e = len ? wv->entries + wv->offsets[i] : NULL;
    bool unsorted = false;
    if (len && !epoch_row_in_range(e, len, c->n, &unsorted)) return false;
    uint64_t sum = 0;
    size_t kept = 0;
    if (len && !c->forbid[i]) {
        kept = mask_row(c, i, e, len, unsorted ? stamp : NULL, c->went + *nnz, &sum);
        if (kept == SIZE_MAX) return false;
    } else if (unsorted && !epoch_row_unique(e, len, stamp, i + 1)) {
        return false;
    }
    set_row_norm(&c->wr[i], sum);
    if (c->active_stake[i] > 0) {
        c->keys_fit &= c->wr[i].mode == ROW_RECIP || sum == 0; /* sum 0: no positive weight */
        for (size_t k = *nnz; k < *nnz + kept; k++) c->col_cnt[c->went[k].uid] += c->went[k].value > 0;
    }
    *nnz += kept;
    c->woff[i + 1] = *nnz;
    return true;
}

/* Validates stored bond row i; YC2 also sums its columns (as u16). */
static bool load_bond_row(epoch_ctx *c, uint32_t i, uint32_t *stamp)
{
    const yuma_sparse_view *bv = &c->in->bonds;
    if (!bv->offsets) return true;
    size_t len = bv->offsets[i + 1] - bv->offsets[i];
    /* An empty matrix may come without an entry array: no pointer
     * arithmetic on NULL (undefined in C). */
    const yuma_entry *e = len ? bv->entries + bv->offsets[i] : NULL;
    if (!epoch_row_valid(e, len, c->n, stamp, c->n + i + 1)) return false;
    if (c->in->hp.yuma3) return true;
    for (size_t k = 0; k < len; k++)
        if (!bond_masked(c, e[k].uid)) c->sum_b[e[k].uid] += e[k].value;
    return true;
}

/* YC2's stored bonds are integers b * 2^32: the column sum is the u16 sum
 * times 2^32, clamped as the saturating I32F32 sum would be. When no
 * column sum reaches 2^31 (so none saturates), b * 2^32 / (B * 2^32) is
 * divided as b / B, through B's reciprocal (b_exact). */
void epoch_bond_divisors(epoch_ctx *c)
{
    c->b_exact = true;
    for (uint32_t j = 0; j < c->n; j++) c->b_exact &= c->sum_b[j] < ((uint64_t)1 << 31);
    for (uint32_t j = 0; j < c->n; j++) {
        yfx_u128 s = (yfx_u128)c->sum_b[j] << 32;
        uint64_t d = s > (yfx_u128)YFX_MAX ? (uint64_t)YFX_MAX : (uint64_t)s;
        c->div_b[j] = div_of_sum(c->b_exact ? c->sum_b[j] : d);
    }
}

static yuma_status load_rows(epoch_ctx *c)
{
    uint32_t n = c->n;
    size_t cap = c->in->weights.offsets ? c->in->weights.offsets[n] : 0;
    uint32_t *stamp = WS(c, WS_STAMP, uint32_t, n, true);
    c->woff = WS(c, WS_W_OFF, size_t, n + 1, false);
    c->went = WS(c, WS_W_ENT, yuma_entry, cap, false);
    c->wr = WS(c, WS_W_ROW, wrow, n, false);
    c->col_cnt = WS(c, WS_COL_CNT, size_t, n + 1, true);
    c->sum_b = WS(c, WS_SUM_B, uint64_t, n, true);
    c->div_b = WS(c, WS_DIV_B, ydiv, n, false);
    c->set = (colset){WS(c, WS_BITS, uint64_t, n / 64 + 1, true),
                      WS(c, WS_WORDS, uint32_t, n / 64 + 1, false), 0, UINT32_MAX, 0};
    if (!stamp || !c->woff || !c->went || !c->wr || !c->col_cnt || !c->sum_b || !c->div_b ||
        !c->set.bits || !c->set.words)
        return YUMA_ERR_NOMEM;
    epoch_scan_registrations(c);
    c->keys_fit = true;
    c->woff[0] = 0;
    size_t nnz = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!load_weight_row(c, i, stamp, &nnz)) return YUMA_ERR_MATRIX;
        if (!load_bond_row(c, i, stamp)) return YUMA_ERR_MATRIX;
    }
    if (!c->in->hp.yuma3) epoch_bond_divisors(c);
    return YUMA_OK;
}

/* ---- pass B: §2.7 clipping, validator trust, rank; §2.8 weights for bonds ---- */

/* Row i's weights for bonds into (col, val), in row order; with `rank`,
 * also its validator trust and rank contributions. */
static size_t clip_row(epoch_ctx *c, uint32_t i, bool rank, uint16_t *col, yfx *val)
{
    const wrow *r = &c->wr[i];
    yfx as = c->active_stake[i];
    uint64_t trust = 0;
    size_t w = 0;
    for (size_t k = c->woff[i]; k < c->woff[i + 1]; k++) {
        uint16_t j = c->went[k].uid;
        yfx x = row_weight(r, c->went[k].value);
        yfx cl = clip_value(x, c->consensus[j]);
        if (rank && cl >= 0) {
            trust += (uint64_t)cl; /* plain (wrapping) row sum */
            c->incentive[j] = (yfx)add_clamp((uint64_t)c->incentive[j], (uint64_t)mul_nn(as, cl));
        }
        col[w] = j;
        w += bond_weight(c, x, cl, &val[w]);
    }
    if (rank) c->vtrust[i] = (yfx)trust;
    return w;
}

static void setup_beta(epoch_ctx *c)
{
    c->beta = yfx_from_u16_proportion(c->in->hp.bonds_penalty);
    c->beta_mode = c->beta == 0 ? BETA_ZERO : c->beta == YFX_ONE ? BETA_ONE : BETA_MID;
    uint64_t bma = c->in->hp.bonds_moving_average;
    c->alpha = YFX_ONE - (yfx)((((yfx_u128)bma) << 32) / 1000000u);
    c->keep = YFX_ONE - c->alpha;
}

/* ---- §2.6 consensus: stake-weighted kappa quantile of each column ---- */

/* Column starts from the counts: col_cnt becomes n + 1 offsets. */
static size_t column_starts(size_t *cnt, uint32_t n)
{
    size_t at = 0;
    for (uint32_t j = 0; j < n; j++) {
        size_t k = cnt[j];
        cnt[j] = at;
        at += k;
    }
    cnt[n] = at;
    return at;
}

/* Packs each voter's positive weights into its columns' key lists;
 * returns the largest score - 1, the bucket range of every column. */
static uint32_t scatter_keys(epoch_ctx *c, size_t *fill, uint64_t *keys)
{
    uint32_t voter = 0;
    uint64_t max1 = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->active_stake[i] <= 0) continue;
        const ydiv *rd = &c->wr[i].rd;
        if (c->wr[i].mode != ROW_RECIP) { /* keys_fit: its weights are all 0 */
            voter++;
            continue;
        }
        for (size_t k = c->woff[i]; k < c->woff[i + 1]; k++) {
            uint16_t j = c->went[k].uid;
            uint64_t w = ydiv_q(c->went[k].value, rd);
            if (w == 0) continue;
            keys[fill[j]++] = YQ_KEY(w, voter);
            max1 = w - 1 > max1 ? w - 1 : max1;
        }
        voter++;
    }
    return (uint32_t)max1;
}

/* Pass B for the voters, column by column while a column's keys are hot:
 * clipping against C_j, rank_j = sum of active_stake * clipped (clamped
 * sums), YC2's delta-B column sum, and each voter's trust (a plain row sum,
 * so any order gives the same wrapped value). Weights of 0 and non-voters
 * (active stake 0) add nothing to any of these sums. */
void epoch_column_pass_b(epoch_ctx *c, uint32_t j, const uint64_t *key, size_t cnt,
                         const yfx *vas, uint64_t *vtrust)
{
    /* Keys hold weights in (0, 2^32] and stakes are <= 2^32, so every term
     * is <= 2^32 and fewer than 2^16 of them cannot reach the clamp: plain
     * sums are the saturating ones. */
    yfx cj = c->consensus[j];
    uint64_t rank = 0, db = 0;
    for (size_t k = 0; k < cnt; k++) {
        uint32_t v = (uint32_t)(key[k] & 0xffffu);
        yfx w = (yfx)(key[k] >> 16) + 1, x;
        uint64_t as = (uint64_t)vas[v];
        yfx cl = clip_value(w, cj);
        if (cl >= 0) {
            vtrust[v] += (uint64_t)cl;
            rank += mul_unit(as, (uint64_t)cl);
        }
        if (bond_weight(c, w, cl, &x)) db += mul_unit(as, (uint64_t)x);
    }
    c->incentive[j] = (yfx)rank;
    c->sum_db[j] = db;
}

/* Validator trust of the rows that vote on nothing (active stake 0) but
 * still hold weights. */
static void trust_of_non_voters(epoch_ctx *c)
{
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->active_stake[i] > 0) continue;
        uint64_t trust = 0;
        for (size_t k = c->woff[i]; k < c->woff[i + 1]; k++) {
            yfx cl = clip_value(row_weight(&c->wr[i], c->went[k].value), c->consensus[c->went[k].uid]);
            if (cl >= 0) trust += (uint64_t)cl;
        }
        c->vtrust[i] = (yfx)trust;
    }
}

/* Voter trust back to rows. */
static void trust_of_voters(epoch_ctx *c, const uint64_t *vtrust)
{
    size_t voter = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (c->active_stake[i] > 0) c->vtrust[i] = (yfx)vtrust[voter++];
}

static yuma_status consensus_keys(epoch_ctx *c, const yq_voters *v, const yfx *vas)
{
    uint32_t n = c->n;
    size_t total = column_starts(c->col_cnt, n);
    size_t *fill = WS(c, WS_COL_FILL, size_t, n, false);
    uint64_t *keys = WS(c, WS_KEYS, uint64_t, total, false);
    uint64_t *vtrust = WS(c, WS_VOTER_TRUST, uint64_t, v->voters, true);
    size_t longest = 0;
    for (uint32_t j = 0; j < n; j++)
        if (c->col_cnt[j + 1] - c->col_cnt[j] > longest) longest = c->col_cnt[j + 1] - c->col_cnt[j];
    yq_scratch s = {WS(c, WS_HIST, yfx, YQ_MAX_BUCKETS, false),
                    WS(c, WS_QTMP, uint64_t, longest, false)};
    if (!fill || !keys || !vtrust || !s.hist || !s.tmp) return YUMA_ERR_NOMEM;
    memcpy(fill, c->col_cnt, sizeof(size_t) * n);
    uint32_t max1 = scatter_keys(c, fill, keys);
    for (uint32_t j = 0; j < n; j++) {
        size_t a = c->col_cnt[j];
        c->consensus[j] = yq_column(keys + a, fill[j] - a, max1, v, &s);
        epoch_column_pass_b(c, (uint16_t)j, keys + a, fill[j] - a, vas, vtrust);
    }
    trust_of_voters(c, vtrust);
    trust_of_non_voters(c);
    c->ranked = true;
    return YUMA_OK;
}

/* The general path for weights that do not fit a key (rows whose u16 sum
 * reaches 2^31 and wraps): (score, stake) lists and the closed form. */
static yuma_status consensus_pairs(epoch_ctx *c, const yq_voters *v)
{
    uint32_t n = c->n;
    size_t total = column_starts(c->col_cnt, n);
    size_t *fill = WS(c, WS_COL_FILL, size_t, n, false);
    yfx *score = WS(c, WS_G_SCORE, yfx, total, false);
    yfx *weight = WS(c, WS_G_STAKE, yfx, total, false);
    if (!fill || !score || !weight) return YUMA_ERR_NOMEM;
    memcpy(fill, c->col_cnt, sizeof(size_t) * n);
    uint32_t voter = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (c->active_stake[i] <= 0) continue;
        for (size_t k = c->woff[i]; k < c->woff[i + 1]; k++) {
            yfx w = row_weight(&c->wr[i], c->went[k].value);
            if (w <= 0) continue;
            size_t p = fill[c->went[k].uid]++;
            score[p] = w;
            weight[p] = v->stake[voter];
        }
        voter++;
    }
    for (uint32_t j = 0; j < n; j++) {
        size_t a = c->col_cnt[j], b = fill[j];
        if (a == b) continue; /* every voter scores 0 */
        yfx listed = 0;
        for (size_t k = a; k < b; k++) listed += weight[k];
        yfx zero_mass = v->sigma - listed;
        bool has_zero = (b - a) < v->voters;
        if (has_zero && zero_mass > v->m) continue; /* the quantile is 0 */
        yfx rest = has_zero ? v->m - zero_mass : v->m;
        c->consensus[j] = ymath_weighted_quantile(score + a, weight + a, b - a, rest);
    }
    return YUMA_OK;
}

bool epoch_voters(epoch_ctx *c, yfx *u, yfx *vas, yq_voters *v)
{
    /* U: positive active stakes in uid order, normalised again. */
    yfx usum = 0;
    size_t voters = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->active_stake[i] <= 0) continue;
        vas[voters] = c->active_stake[i];
        u[voters++] = c->active_stake[i];
        usum += c->active_stake[i];
    }
    if (voters == 0) return false;
    yfx sigma = 0;
    ydiv ud = ydiv_make((uint64_t)usum);
    for (size_t k = 0; k < voters; k++) {
        u[k] = (yfx)ydiv_q((uint64_t)u[k], &ud);
        sigma += u[k];
    }
    *v = (yq_voters){u, voters, sigma, yfx_sat_sub(sigma, yfx_from_u16_proportion(c->in->hp.kappa))};
    return true;
}

static yuma_status compute_consensus(epoch_ctx *c)
{
    uint32_t n = c->n;
    yfx *u = WS(c, WS_VOTER_STAKE, yfx, n, false);
    yfx *vas = WS(c, WS_VOTER_AS, yfx, n, false);
    if (!u || !vas) return YUMA_ERR_NOMEM;
    memset(c->consensus, 0, sizeof(yfx) * n);
    yq_voters v;
    if (!epoch_voters(c, u, vas, &v)) return YUMA_OK;
    return c->keys_fit ? consensus_keys(c, &v, vas) : consensus_pairs(c, &v);
}

/* ---- pass C: bond EMA rows (§2.9) ---- */

/* Appends (j, v) to E and to its column statistics. */
static inline void emit_e(epoch_ctx *c, size_t *nnz, uint16_t j, yfx v, bool yc2)
{
    c->ecol[*nnz] = j;
    c->eval[*nnz] = v;
    (*nnz)++;
    c->sum_e[j] = add_clamp(c->sum_e[j], (uint64_t)v);
    if (yc2 && v > c->max_e[j]) c->max_e[j] = v;
}

/* The EMA term of one new entry with weight for bonds x: YC2 alpha *
 * column-normalised delta-B, YC3 alpha * x. In a ROW_RECIP row (`unit`)
 * every weight is <= 2^32, so are x and delta-B, and mul_unit's 64-bit
 * products are exact. */
static inline uint64_t new_term(const epoch_ctx *c, uint16_t j, yfx x, bool yc2, bool unit,
                                uint64_t as)
{
    uint64_t alpha = (uint64_t)c->alpha;
    if (!yc2) return unit ? mul_unit(alpha, (uint64_t)x) : (uint64_t)mul_nn(c->alpha, x);
    uint64_t db = unit ? mul_unit(as, (uint64_t)x) : (uint64_t)mul_nn(x, (yfx)as);
    return mul_unit(alpha, ydiv_q(db, &c->div_db[j]));
}

/* The new entries' EMA terms of row i into the dense accumulator. The
 * reference adds with plain (wrapping) adds. */
static void add_new_terms(epoch_ctx *c, uint32_t i, bool yc2, bool mark)
{
    const wrow *r = &c->wr[i];
    uint64_t *acc = (uint64_t *)c->acc;
    uint64_t as = (uint64_t)c->active_stake[i];
    bool unit = r->mode == ROW_RECIP;
    for (size_t k = c->woff[i]; k < c->woff[i + 1]; k++) {
        uint16_t j = c->went[k].uid;
        yfx w = row_weight(r, c->went[k].value), x;
        if (!bond_weight(c, w, clip_value(w, c->consensus[j]), &x)) continue;
        acc[j] += new_term(c, j, x, yc2, unit, as);
        if (mark) colset_add(&c->set, j);
    }
}

/* The stored bond's EMA term (1 - alpha) * B_ij (B_ij <= 2^32). */
static inline uint64_t old_term(const epoch_ctx *c, uint16_t j, uint16_t b, bool yc2)
{
    uint64_t v = yc2 ? old_value_yuma2(c, j, b) : (uint64_t)yfx_from_u16_proportion(b);
    return mul_unit((uint64_t)c->keep, v);
}

/* The stored bonds' EMA terms of row i into the dense accumulator. */
static void add_old_terms(epoch_ctx *c, uint32_t i, bool yc2, bool mark)
{
    const yuma_sparse_view *bv = &c->in->bonds;
    if (!bv->offsets) return;
    uint64_t *acc = (uint64_t *)c->acc;
    for (size_t k = bv->offsets[i]; k < bv->offsets[i + 1]; k++) {
        uint16_t j = bv->entries[k].uid;
        if (bond_masked(c, j)) continue;
        acc[j] += old_term(c, j, bv->entries[k].value, yc2);
        if (mark) colset_add(&c->set, j);
    }
}

/* E's row i: (j, acc_j) for acc_j > 0 in ascending j; the accumulator is
 * left zeroed. Dense rows scan it, sparse rows drain the bitmap. */
static void emit_row(epoch_ctx *c, uint32_t i, bool dense, bool yc2, size_t *nnz)
{
    uint64_t *acc = (uint64_t *)c->acc;
    if (dense) {
        for (uint32_t j = 0; j < c->n; j++) {
            if ((yfx)acc[j] > 0) emit_e(c, nnz, (uint16_t)j, (yfx)acc[j], yc2);
            acc[j] = 0;
        }
    } else {
        size_t m = colset_drain(&c->set, c->ocol);
        for (size_t q = 0; q < m; q++) {
            uint16_t j = c->ocol[q];
            if ((yfx)acc[j] > 0) emit_e(c, nnz, j, (yfx)acc[j], yc2);
            acc[j] = 0;
        }
    }
    c->eoff[i + 1] = *nnz;
}

/* mat_ema_sparse (§2.9.1 and §2.9.2 without liquid alpha), row by row. */
static void ema_pass(epoch_ctx *c, bool yc2)
{
    const yuma_sparse_view *bv = &c->in->bonds;
    size_t nnz = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        size_t len = c->woff[i + 1] - c->woff[i];
        if (bv->offsets) len += bv->offsets[i + 1] - bv->offsets[i];
        bool dense = len * 4 >= c->n;
        add_new_terms(c, i, yc2, !dense);
        add_old_terms(c, i, yc2, !dense);
        emit_row(c, i, dense, yc2, &nnz);
    }
}

/* Reference lookup of liquid alpha (§2.9.3): walking columns 0..n-1 with a
 * forward-only cursor sees an entry only if its column exceeds every column
 * stored before it. Writes the visible values into dense[]. */
static void scatter_visible(const uint16_t *col, const yfx *val, size_t cnt, yfx *dense)
{
    int32_t prefix_max = -1;
    for (size_t k = 0; k < cnt; k++) {
        if ((int32_t)col[k] > prefix_max) {
            dense[col[k]] = val[k];
            prefix_max = col[k];
        }
    }
}

/* alpha from d, memoised: a pure function of d for the epoch's lo, hi and
 * steepness, so the cache cannot change a result. */
static yfx alpha_of(epoch_ctx *c, yfx d)
{
    alpha_slot *s = &c->acache[((uint64_t)d * 0x9e3779b97f4a7c15ull) >> (64 - ALPHA_CACHE_BITS)];
    if (s->d != d) {
        s->d = d;
        s->alpha = ymath_liquid_alpha_d(&c->lp, d);
    }
    return s->alpha;
}

/* Row i's masked stored bonds as YC3 values, in stored order. */
static size_t old_row(epoch_ctx *c, uint32_t i)
{
    const yuma_sparse_view *bv = &c->in->bonds;
    if (!bv->offsets) return 0;
    size_t m = 0;
    for (size_t k = bv->offsets[i]; k < bv->offsets[i + 1]; k++) {
        uint16_t j = bv->entries[k].uid;
        if (bond_masked(c, j)) continue;
        c->ocol[m] = j;
        c->oval[m++] = yfx_from_u16_proportion(bv->entries[k].value);
    }
    return m;
}

/* mat_ema_alpha_sparse of row i (ymath_ema_alpha_row's rule): per-entry
 * alpha from the visible weight, visible bond and consensus; only columns
 * of the weights-for-bonds row are emitted, in that row's order. */
static void ema_liquid_row(epoch_ctx *c, uint32_t i, const uint16_t *col, const yfx *val,
                           size_t cnt, size_t *nnz)
{
    size_t m = old_row(c, i);
    scatter_visible(col, val, cnt, c->look_w);
    scatter_visible(c->ocol, c->oval, m, c->look_b);
    for (size_t k = 0; k < m; k++) c->old[c->ocol[k]] = c->oval[k];
    for (size_t q = 0; q < cnt; q++) {
        uint16_t j = col[q];
        yfx a = alpha_of(c, ymath_liquid_d(c->look_w[j], c->look_b[j], c->consensus[j]));
        yfx dec = yfx_mul(yfx_sat_sub(YFX_ONE, a), c->old[j]);
        yfx inc = yfx_mul(a, val[q]);
        if (inc < 0) inc = 0;
        yfx v = yfx_sat_add(dec, inc);
        if (v > YFX_ONE) v = YFX_ONE;
        if (v > 0) emit_e(c, nnz, j, v, false);
    }
    for (size_t q = 0; q < cnt; q++) c->look_w[col[q]] = 0;
    for (size_t k = 0; k < m; k++) c->look_b[c->ocol[k]] = c->old[c->ocol[k]] = 0;
    c->eoff[i + 1] = *nnz;
}

/* Interpolated rows (0 < beta < 1) are dense in the reference, hence
 * ascending: liquid alpha's lookup depends on the order, so sort them. */
static void sort_row(epoch_ctx *c, uint16_t *col, yfx *val, size_t cnt)
{
    for (size_t q = 0; q < cnt; q++) {
        c->acc[col[q]] = val[q];
        colset_add(&c->set, col[q]);
    }
    size_t m = colset_drain(&c->set, col);
    for (size_t q = 0; q < m; q++) {
        val[q] = c->acc[col[q]];
        c->acc[col[q]] = 0;
    }
}

/* ---- §2.9 bonds and dividends: the YC2 and YC3 drivers ---- */

static yuma_status alloc_bond_scratch(epoch_ctx *c, size_t ecap)
{
    uint32_t n = c->n;
    c->rcol = WS(c, WS_ROW_COL, uint16_t, n, false);
    c->rval = WS(c, WS_ROW_VAL, yfx, n, false);
    c->ocol = WS(c, WS_OLD_COL, uint16_t, n, false);
    c->oval = WS(c, WS_OLD_VAL, yfx, n, false);
    c->acc = WS(c, WS_ACC, yfx, n, true);
    c->eoff = WS(c, WS_E_OFF, size_t, n + 1, false);
    c->ecol = WS(c, WS_E_COL, uint16_t, ecap, false);
    c->eval = WS(c, WS_E_VAL, yfx, ecap, false);
    c->sum_e = WS(c, WS_SUM_E, uint64_t, n, true);
    c->max_e = WS(c, WS_MAX_E, yfx, n, true);
    c->div_e = WS(c, WS_DIV_E, ydiv, n, false);
    c->div_m = WS(c, WS_DIV_M, ydiv, n, false);
    if (!c->rcol || !c->rval || !c->ocol || !c->oval || !c->acc || !c->eoff || !c->ecol || !c->eval || !c->sum_e || !c->max_e ||
        !c->div_e || !c->div_m)
        return YUMA_ERR_NOMEM;
    c->eoff[0] = 0;
    return YUMA_OK;
}

static size_t bonds_nnz(const epoch_ctx *c)
{
    return c->in->bonds.offsets ? c->in->bonds.offsets[c->n] : 0;
}

/* Pass B row by row, when the consensus could not do it column by column:
 * clipping, trust, rank, and the column sums of delta-B =
 * weights_for_bonds * active_stake (used by YC2). */
static void clip_pass_yuma2(epoch_ctx *c)
{
    for (uint32_t i = 0; i < c->n && !c->ranked; i++) {
        size_t cnt = clip_row(c, i, true, c->rcol, c->rval);
        yfx as = c->active_stake[i];
        for (size_t q = 0; q < cnt; q++) {
            uint64_t *s = &c->sum_db[c->rcol[q]];
            *s = add_clamp(*s, (uint64_t)mul_nn(c->rval[q], as));
        }
    }
}

/* E's column sums become reciprocals; YC2 also the maxima of the
 * column-normalised E, max(E)/sum by monotonicity of floor(x * 2^32 / s). */
static void e_divisors(epoch_ctx *c, bool yc2)
{
    for (uint32_t j = 0; j < c->n; j++) {
        c->div_e[j] = div_of_sum(c->sum_e[j]);
        if (!yc2) continue;
        c->max_e[j] = (yfx)ydiv_q((uint64_t)c->max_e[j], &c->div_e[j]);
        if (c->max_e[j] > 0) c->div_m[j] = ydiv_make((uint64_t)c->max_e[j]);
    }
}


/* Room in the output for the stored rows of permitted validators. */
static yuma_status reserve_stored(epoch_ctx *c, yuma_epoch_output *out)
{
    size_t need = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (out->validator_permit[i]) need += c->eoff[i + 1] - c->eoff[i];
    return epoch_reserve_bonds(out, need);
}

/* Whether every incentive is <= 2^32, as normalised shares are (unless the
 * reference's wrapping sum of ranks wrapped): then products with other
 * values <= 2^32 are exact in 64 bits and fewer than 2^16 of them cannot
 * reach a clamp. */
bool epoch_incentive_is_unit(const epoch_ctx *c)
{
    for (uint32_t j = 0; j < c->n; j++)
        if ((uint64_t)c->incentive[j] > (uint64_t)YFX_ONE) return false;
    return true;
}

/* YC2 pass D: D_i = sum_j incentive_j * En_ij (saturating) with En the
 * column-normalised E, and the stored bonds of permitted rows. En is kept
 * in the row scratch between the two loops. */
static void dividends_pass_yuma2(epoch_ctx *c, yuma_epoch_output *out)
{
    bool unit = epoch_incentive_is_unit(c);
    size_t p = 0;
    out->bond_offsets[0] = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        uint64_t d = 0;
        const uint16_t *col = c->ecol + c->eoff[i];
        const yfx *e = c->eval + c->eoff[i];
        size_t len = c->eoff[i + 1] - c->eoff[i];
        for (size_t k = 0; k < len; k++) {
            uint64_t en = ydiv_q((uint64_t)e[k], &c->div_e[col[k]]);
            c->rval[k] = (yfx)en;
            d = add_clamp(d, inc_term(c, unit, col[k], en));
        }
        c->dividends[i] = (yfx)d;
        if (out->validator_permit[i]) {
            for (size_t k = 0; k < len; k++, p++) {
                out->bonds[p].uid = col[k];
                out->bonds[p].value = stored_yuma2(c, col[k], (uint64_t)c->rval[k]);
            }
        }
        out->bond_offsets[i + 1] = p;
    }
}

/* YC3 pass D: t_i = sum_j En_ij * incentive_j (plain sum), D_i =
 * checked_mul(t_i, active_stake_i) or 0; E is stored as it is. */
static void dividends_pass_yuma3(epoch_ctx *c, yuma_epoch_output *out)
{
    bool unit = epoch_incentive_is_unit(c);
    size_t p = 0;
    out->bond_offsets[0] = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        uint64_t t = 0;
        size_t a = c->eoff[i], b = c->eoff[i + 1];
        for (size_t k = a; k < b; k++) {
            uint16_t j = c->ecol[k];
            t += inc_term(c, unit, j, ydiv_q((uint64_t)c->eval[k], &c->div_e[j]));
        }
        yfx d;
        c->dividends[i] = yfx_checked_mul((yfx)t, c->active_stake[i], &d) ? d : 0;
        if (out->validator_permit[i]) {
            for (size_t k = a; k < b; k++, p++) {
                out->bonds[p].uid = c->ecol[k];
                out->bonds[p].value = to_u16_prop(c->eval[k]);
            }
        }
        out->bond_offsets[i + 1] = p;
    }
}

static yuma_status bonds_yuma2(epoch_ctx *c, yuma_epoch_output *out)
{
    uint32_t n = c->n;
    c->div_db = WS(c, WS_DIV_DB, ydiv, n, false);
    if (!c->div_db) return YUMA_ERR_NOMEM;
    yuma_status s = alloc_bond_scratch(c, c->woff[n] + bonds_nnz(c));
    if (s != YUMA_OK) return s;
    clip_pass_yuma2(c);
    for (uint32_t j = 0; j < n; j++) c->div_db[j] = div_of_sum(c->sum_db[j]);
    ymath_normalize(c->incentive, n);
    ema_pass(c, true);
    e_divisors(c, true);
    if ((s = reserve_stored(c, out)) != YUMA_OK) return s;
    dividends_pass_yuma2(c, out);
    return YUMA_OK;
}

static yuma_status liquid_setup(epoch_ctx *c)
{
    const yuma_hyperparams *hp = &c->in->hp;
    uint32_t n = c->n;
    c->look_w = WS(c, WS_LOOK_W, yfx, n, true);
    c->look_b = WS(c, WS_LOOK_B, yfx, n, true);
    c->old = WS(c, WS_OLD, yfx, n, true);
    c->acache = WS(c, WS_ALPHA_CACHE, alpha_slot, (size_t)1 << ALPHA_CACHE_BITS, false);
    if (!c->look_w || !c->look_b || !c->old || !c->acache) return YUMA_ERR_NOMEM;
    for (size_t k = 0; k < ((size_t)1 << ALPHA_CACHE_BITS); k++) c->acache[k].d = -1;
    c->lp = ymath_liquid_prepare(yfx_from_u16_proportion(hp->alpha_low),
                                 yfx_from_u16_proportion(hp->alpha_high),
                                 hp->alpha_sigmoid_steepness);
    return YUMA_OK;
}

/* YC3 with liquid alpha: per row the weights for bonds (in row order,
 * interpolated rows ascending as the reference's dense rows), then the EMA. */
static void ema_pass_liquid(epoch_ctx *c)
{
    size_t nnz = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        size_t cnt = clip_row(c, i, false, c->rcol, c->rval);
        if (c->beta_mode == BETA_MID) sort_row(c, c->rcol, c->rval, cnt);
        ema_liquid_row(c, i, c->rcol, c->rval, cnt, &nnz);
    }
}

static bool any_consensus(const epoch_ctx *c)
{
    for (uint32_t j = 0; j < c->n; j++)
        if (c->consensus[j] != 0) return true;
    return false;
}

static yuma_status bonds_yuma3(epoch_ctx *c, yuma_epoch_output *out)
{
    uint32_t n = c->n;
    bool liquid = c->in->hp.liquid_alpha && any_consensus(c);
    yuma_status s = alloc_bond_scratch(c, c->woff[n] + (liquid ? 0 : bonds_nnz(c)));
    if (s == YUMA_OK && liquid) s = liquid_setup(c);
    if (s != YUMA_OK) return s;
    clip_pass_yuma2(c);
    if (liquid) ema_pass_liquid(c);
    else ema_pass(c, false);
    ymath_normalize(c->incentive, n);
    e_divisors(c, false);
    if ((s = reserve_stored(c, out)) != YUMA_OK) return s;
    dividends_pass_yuma3(c, out);
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
    ydiv td = ydiv_make(total > 0 ? (uint64_t)total : 1);
    for (uint32_t i = 0; i < n; i++) {
        yfx e = yfx_sat_add(c->incentive[i], c->dividends[i]);
        yfx server, valid, comb;
        if (total > 0) {
            server = ydiv_safe(c->incentive[i], total, &td);
            valid = ydiv_safe(c->dividends[i], total, &td);
            comb = ydiv_safe(e, total, &td);
        } else if (total != 0) {
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

static void write_vectors(epoch_ctx *c, yuma_epoch_output *out)
{
    for (uint32_t i = 0; i < c->n; i++) {
        out->consensus[i] = yfx_to_u16_proportion(c->consensus[i]);
        out->incentive[i] = yfx_to_u16_proportion(c->incentive[i]);
        out->dividends[i] = yfx_to_u16_proportion(c->dividends[i]);
        out->validator_trust[i] = yfx_to_u16_proportion(c->vtrust[i]);
        out->stake_weight[i] = yfx_to_u16_proportion(c->stake[i]);
        out->active[i] = !c->inactive[i];
    }
    emission_split(c, out);
}

/* ---- output buffers: fresh, or reused from a previous result ---- */

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

/* Per-uid arrays for n uids; kept when the output already has room. Every
 * element is written by the epoch, so nothing is cleared. */
static yuma_status reserve_vectors(yuma_epoch_output *out, uint32_t n)
{
    out->n = n;
    if (out->consensus && out->capacity_n >= n) return YUMA_OK;
    yuma_entry *bonds = out->bonds;
    size_t bcap = out->capacity_bonds;
    out->bonds = NULL;
    yuma_epoch_output_free(out);
    out->bonds = bonds;
    out->capacity_bonds = bcap;
    out->n = n;
    size_t m = n ? n : 1;
    out->consensus = malloc(m * sizeof(uint16_t));
    out->incentive = malloc(m * sizeof(uint16_t));
    out->dividends = malloc(m * sizeof(uint16_t));
    out->validator_trust = malloc(m * sizeof(uint16_t));
    out->stake_weight = malloc(m * sizeof(uint16_t));
    out->emission = malloc(m * sizeof(uint64_t));
    out->server_emission = malloc(m * sizeof(uint64_t));
    out->validator_emission = malloc(m * sizeof(uint64_t));
    out->raw_stake = malloc(m * sizeof(uint64_t));
    out->validator_permit = malloc(m * sizeof(bool));
    out->active = malloc(m * sizeof(bool));
    out->bond_offsets = malloc((m + 1) * sizeof(size_t));
    if (!out->consensus || !out->incentive || !out->dividends || !out->validator_trust ||
        !out->stake_weight || !out->emission || !out->server_emission ||
        !out->validator_emission || !out->raw_stake || !out->validator_permit || !out->active ||
        !out->bond_offsets)
        return YUMA_ERR_NOMEM;
    out->capacity_n = n;
    return YUMA_OK;
}

yuma_status epoch_reserve_bonds(yuma_epoch_output *out, size_t need)
{
    if (out->bonds && out->capacity_bonds >= need) return YUMA_OK;
    free(out->bonds);
    out->capacity_bonds = 0;
    out->bonds = ws_alloc(sizeof(yuma_entry) * (need ? need : 1)); /* freed by free() */
    if (!out->bonds) return YUMA_ERR_NOMEM;
    out->capacity_bonds = need;
    return YUMA_OK;
}

/* ---- the epoch ---- */

static yuma_status alloc_vectors(epoch_ctx *c)
{
    uint32_t n = c->n;
    c->inactive = WS(c, WS_INACTIVE, bool, n, false);
    c->stake = WS(c, WS_STAKE, yfx, n, false);
    c->forbid = WS(c, WS_FORBID, bool, n, false);
    c->active_stake = WS(c, WS_ACTIVE_STAKE, yfx, n, false);
    c->consensus = WS(c, WS_CONS, yfx, n, false);
    c->vtrust = WS(c, WS_VTRUST, yfx, n, false);
    c->incentive = WS(c, WS_INCENTIVE, yfx, n, true);
    c->dividends = WS(c, WS_DIV, yfx, n, true);
    c->sum_db = WS(c, WS_SUM_DB, uint64_t, n, true);
    if (!c->sum_db || !c->inactive || !c->stake || !c->forbid || !c->active_stake || !c->consensus ||
        !c->vtrust || !c->incentive || !c->dividends)
        return YUMA_ERR_NOMEM;
    return YUMA_OK;
}

static yuma_status run(epoch_ctx *c, yuma_epoch_output *out)
{
    yuma_status s = alloc_vectors(c);
    if (s != YUMA_OK) return s;
    compute_activity(c);
    if ((s = compute_stake(c, out->raw_stake)) != YUMA_OK) return s;
    if ((s = compute_permits(c, out->validator_permit)) != YUMA_OK) return s;
    setup_beta(c);
    if (dense_chosen(c)) {
        s = dense_run(c, out);
    } else {
        if ((s = load_rows(c)) != YUMA_OK) return s;
        if ((s = compute_consensus(c)) != YUMA_OK) return s;
        s = c->in->hp.yuma3 ? bonds_yuma3(c, out) : bonds_yuma2(c, out);
    }
    if (s != YUMA_OK) return s;
    ymath_normalize(c->dividends, c->n);
    write_vectors(c, out);
    return YUMA_OK;
}

yuma_status yuma_epoch_into(const yuma_epoch_input *in, yuma_workspace *ws, yuma_epoch_output *out)
{
    yuma_status s = check_header(in);
    if (s != YUMA_OK) {
        yuma_epoch_output_free(out);
        return s;
    }
    yuma_workspace *own = NULL;
    if (!ws) {
        ws = own = yuma_workspace_new();
        if (!ws) {
            yuma_epoch_output_free(out);
            return YUMA_ERR_NOMEM;
        }
    }
    epoch_ctx c = {.in = in, .ws = ws, .n = in->n};
    s = reserve_vectors(out, in->n);
    if (s == YUMA_OK) s = run(&c, out);
    if (s != YUMA_OK) yuma_epoch_output_free(out);
    yuma_workspace_free(own);
    return s;
}

yuma_status yuma_epoch(const yuma_epoch_input *in, yuma_workspace *ws, yuma_epoch_output *out)
{
    memset(out, 0, sizeof(*out));
    return yuma_epoch_into(in, ws, out);
}
