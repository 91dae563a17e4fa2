/*
 * dense.c - the epoch's dense layout: the rows that hold weights or bonds
 * (R of them) expanded into R x n matrices, walked in blocks of DB columns.
 *
 * When those rows fill most of their cells (a subnet whose validators
 * weight most uids), a sparse layout pays for scattered accesses that a
 * dense one does not need: each row is expanded once (which also puts it
 * in column order and finds repeated columns), and every later pass reads
 * contiguous columns, eight cells per vector operation (dense_kern.c).
 * Every quantity a column needs (consensus, rank, the delta-B sum, E's sum
 * and maximum, the stored bonds) depends only on that column, so a block of
 * columns is carried through each pass while it is in cache; what sums
 * across columns (validator trust, dividends) is accumulated per row with
 * plain integer adds, exact in any order. Blocks and row chunks are
 * independent tasks, run on the workspace's thread pool when it has one.
 *
 * The values are the sparse layout's (epoch.c), entry for entry. A cell
 * without an entry holds 0, and 0 is neutral everywhere outside YC3 with
 * liquid alpha (which always runs sparse): a zero weight scores 0, clips to
 * 0 and adds 0 to every sum; a zero E is not stored. Plain adds equal the
 * reference's saturating ones here because no sum can reach 2^63: a rank
 * or delta-B sum is at most the voters' stake (2^32), E is at most 2^33, a
 * row's trust and dividend terms are at most 2^32 per column. For the same
 * reason every normalised incentive is at most 2^32 (the "unit" case of
 * the sparse dividends).
 *
 * Passes:
 *   load (row chunks): validate each row, expand the masked weights and
 *     bonds into W and B, keep each weight row's reciprocal; YC2's
 *     stored-bond column sums.
 *   sweep 1 (column blocks): the voters' normalised weights; C_j (the
 *     dense quantile, quantile.c); rank_j and the delta-B sum.
 *   between: incentive and the column divisors.
 *   sweep 2 (column blocks): E per cell and its column sum (and maximum),
 *     each row's trust; then En = E / sum, each row's dividend terms, the
 *     stored bonds and a bit for E > 0.
 *   output (row chunks): the stored rows of permitted validators.
 */
#include <stdlib.h>
#include <string.h>

#include "consensus/dense_kern.h"
#include "consensus/epoch_internal.h"

#define ROW_CHUNK 16          /* rows per load or output task */

typedef struct {
    epoch_ctx *c;
    yuma_epoch_output *out;
    const dense_kernels *k;
    kconst kc;
    uint32_t n, np;           /* columns, and the row stride (n rounded up to DB) */
    uint32_t rows, nblocks, nwords, workers;
    bool yc2;
    uint32_t *uid;            /* R: uid of row r, ascending */
    uint32_t *vrow;           /* voters in R: their row */
    uint32_t *vid;            /* voters in R: their voter index */
    uint32_t nvr;             /* voters in R */
    kdiv *rd;                 /* R: reciprocal of the masked weight row's sum */
    uint64_t *ras;            /* R: the row's active stake */
    bool *stored;             /* R: the row's bonds are stored (a permitted validator) */
    uint64_t *vas;            /* voters in R: their active stake */
    /* R x np cells, tiled: block bk's rows are contiguous (tile_at) */
    uint16_t *w, *b, *s;      /* weights, bonds, stored bonds */
    uint64_t *present;        /* R x nwords, row-major: E > 0 */
    uint32_t *masked;         /* columns whose bonds are dropped (§2.9) */
    uint32_t nmasked;
    bool *bad;                /* per load task: a malformed row */
    uint32_t *stage;          /* per worker: one zeroed row buffer (np cells) */
    uint64_t *bsum;           /* per worker: YC2's stored-bond column sums (np) */
    yfx *vstake;              /* voters in R: their normalised stake */
    /* per worker */
    uint64_t *wcache;         /* nvr x DB normalised weights */
    yfx *hist;
    uint64_t *qtmp;
    uint32_t *qhead, *qnext;
    uint16_t *qidx;
    uint64_t *e;              /* R x DB */
    uint64_t *trust, *acc;    /* R: trust and dividend sums */
    yq_voters v;
} dense;

/* Cell (r, bk * DB) of a tiled matrix: a block's R segments of DB cells
 * lie together, so every pass over a block streams through memory. */
static inline size_t tile_at(const dense *d, uint32_t bk, uint32_t r)
{
    return ((size_t)bk * d->rows + r) * DB;
}

static size_t row_chunks(uint32_t rows)
{
    return (rows + ROW_CHUNK - 1) / ROW_CHUNK;
}

static void chunk_rows(const dense *d, size_t t, uint32_t *r0, uint32_t *r1)
{
    *r0 = (uint32_t)t * ROW_CHUNK;
    *r1 = *r0 + ROW_CHUNK < d->rows ? *r0 + ROW_CHUNK : d->rows;
}

bool dense_chosen(const epoch_ctx *c)
{
    const yuma_epoch_input *in = c->in;
    yuma_layout layout = c->ws->opt.layout;
    if (layout == YUMA_LAYOUT_SPARSE || (in->hp.yuma3 && in->hp.liquid_alpha)) return false;
    uint64_t rows = 0, entries = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        size_t lw = in->weights.offsets ? in->weights.offsets[i + 1] - in->weights.offsets[i] : 0;
        size_t lb = in->bonds.offsets ? in->bonds.offsets[i + 1] - in->bonds.offsets[i] : 0;
        if (c->forbid[i]) lw = 0; /* masked whole */
        /* More than 32768 entries can make the u16 sum reach 2^31, where
         * the reference's I32F32 row sum wraps: left to the sparse layout. */
        if (lw > (ROW_SUM_LIMIT - 1) / 65535) return false;
        rows += (lw | lb) != 0;
        entries += lw + lb;
    }
    if (layout == YUMA_LAYOUT_DENSE) return true;
    return rows * c->n <= 2 * entries;
}

/* ---- load ----
 * A row holding every column in order (a dense subnet's stored bonds) is
 * validated while it is copied (expand_full). Any other strictly
 * ascending row (bonds as the epoch stores them, weights as most
 * validators send them) cannot repeat a column and goes straight into
 * its tiles. Any other row is scattered into a row buffer of u32 cells
 * first, each written with a mark bit so that a repeated column shows up
 * as a cell that was already marked; the buffer is then narrowed into the
 * tiles and cleared. */

#define MARK 0x10000u

/* Row r's cells of a tiled matrix set to 0. */
static void clear_row(const dense *d, uint32_t r, uint16_t *dst)
{
    for (uint32_t bk = 0; bk < d->nblocks; bk++) memset(dst + tile_at(d, bk, r), 0, DB * sizeof(uint16_t));
}

/* An ascending row into row r; returns its sum. Its entries come block by
 * block: a block whose first and DB-th entries are its first and last
 * columns holds all DB of them (the row is strictly ascending) and is
 * copied; any other is cleared and filled. */
static uint64_t expand_sorted(const dense *d, uint32_t r, const yuma_entry *e, size_t len, uint16_t *dst)
{
    uint64_t s = 0;
    size_t k = 0;
    for (uint32_t bk = 0; bk < d->nblocks; bk++) {
        uint16_t *seg = dst + tile_at(d, bk, r);
        uint32_t j0 = bk * DB;
        uint64_t t;
        if (k + DB <= len && e[k].uid == j0 && e[k + DB - 1].uid == j0 + DB - 1 &&
            d->k->copy_block(e + k, j0, seg, &t)) {
            s += t;
            k += DB;
            continue;
        }
        memset(seg, 0, DB * sizeof(uint16_t));
        for (; k < len && e[k].uid < j0 + DB; k++) {
            seg[e[k].uid - j0] = e[k].value;
            s += e[k].value;
        }
    }
    return s;
}

/* An unordered row into the marked buffer (plain stores, nothing else:
 * the row's sum is taken when the buffer is narrowed, after the masks).
 * A repeated column marks one cell twice, so the row has fewer marked
 * cells than entries (see store_unsorted). */
static void expand_unsorted(const yuma_entry *e, size_t len, uint32_t *buf)
{
    for (size_t k = 0; k < len; k++) buf[e[k].uid] = MARK | e[k].value;
}

/* The marked buffer into row r of a tiled matrix (dst NULL: nowhere), and
 * cleared; *sum gets the sum of the values left in it; returns the number
 * of marked cells. */
static size_t store_unsorted(const dense *d, uint32_t r, uint32_t *buf, uint16_t *dst, uint64_t *sum)
{
    return d->k->narrow_row(buf, d->nblocks, dst ? dst + tile_at(d, 0, r) : NULL, (size_t)d->rows * DB,
                            sum);
}

/* A row holding every column once, in order (the stored bonds of a dense
 * subnet, weights sent sorted), into row r; returns its sum. Each block's
 * entries are checked to be exactly its columns while they are copied,
 * which validates the row without a separate pass (row_check). False for
 * any other row, which may be left partly written (the caller expands it
 * again). */
static bool expand_full(const dense *d, uint32_t r, const yuma_entry *e, size_t len, uint16_t *dst,
                        uint64_t *sum)
{
    if (len != d->n) return false;
    uint64_t s = 0;
    for (uint32_t bk = 0; bk < d->nblocks; bk++) {
        uint16_t *seg = dst + tile_at(d, bk, r);
        uint32_t j0 = bk * DB;
        uint64_t t = 0;
        if (j0 + DB <= len) {
            if (!d->k->copy_block(e + j0, j0, seg, &t)) return false;
        } else { /* the last block, short of DB columns */
            memset(seg, 0, DB * sizeof(uint16_t));
            for (uint32_t j = j0; j < len; j++) {
                if (e[j].uid != j) return false;
                seg[j - j0] = e[j].value;
                t += e[j].value;
            }
        }
        s += t;
    }
    *sum = s;
    return true;
}

/* A row being loaded: in dst's tiles (ascending rows), or still in the
 * buffer (unordered rows, stored once the masks are applied). */
typedef struct {
    uint16_t *tiles;
    uint32_t *buf;
    size_t base, tile;
    size_t len;        /* entries: the marks an unordered row must have */
} row_cells;

static void cell_clear(const row_cells *rc, uint32_t j)
{
    if (rc->tiles) rc->tiles[rc->base + (j / DB) * rc->tile + j % DB] = 0;
    else rc->buf[j] &= MARK; /* the mark stays: it counts the entry */
}

/* Cell j cleared; returns what that takes off the row's sum as expand
 * gave it: the cell's value in the tiles, 0 in the buffer (whose sum
 * finish_row takes after the masks). */
static uint16_t cell_drop(const row_cells *rc, uint32_t j)
{
    uint16_t v = rc->tiles ? rc->tiles[rc->base + (j / DB) * rc->tile + j % DB] : 0;
    cell_clear(rc, j);
    return v;
}

/* Validates row r's columns (below n; an ascending row cannot repeat one)
 * and expands the row into dst (`drop`: a row whose values are all masked
 * is only checked), *sum its sum. An unordered row stays in the buffer
 * until finish_row, which gives its sum (*sum is 0 until then). False if
 * malformed. */
static bool expand(dense *d, uint32_t r, const yuma_entry *e, size_t len, bool drop, uint16_t *dst,
                   uint32_t *buf, row_cells *rc, uint64_t *sum)
{
    bool unsorted = false;
    *sum = 0;
    *rc = (row_cells){dst, NULL, tile_at(d, 0, r), (size_t)d->rows * DB, len};
    if (!drop && expand_full(d, r, e, len, dst, sum)) return true;
    if (len && !d->k->row_check(e, len, d->n, &unsorted)) return false;
    if (unsorted) {
        expand_unsorted(e, len, buf);
        rc->tiles = NULL;
        rc->buf = buf;
        if (drop) {
            bool ok = store_unsorted(d, r, buf, NULL, sum) == len;
            *sum = 0;
            return ok;
        }
        return true;
    }
    if (len && !drop) *sum = expand_sorted(d, r, e, len, dst);
    else clear_row(d, r, dst);
    return true;
}

/* An unordered row's buffer into its tiles, *sum the sum of what it kept
 * (other rows: unchanged); false if a column repeated. */
static bool finish_row(dense *d, uint32_t r, const row_cells *rc, uint16_t *dst, uint64_t *sum)
{
    if (!rc->buf) return true;
    return store_unsorted(d, r, rc->buf, dst, sum) == rc->len;
}

/* Row r's weights: columns below n, none twice, and (unless the row has no
 * permit, which keeps nothing) the masks of §2.5 applied: self-weight
 * (kept by the owner), then weights on uids registered at or after the
 * row's last update or its commit block + 1. */
static bool load_weights(dense *d, uint32_t r, uint32_t *buf)
{
    epoch_ctx *c = d->c;
    const yuma_epoch_input *in = c->in;
    uint32_t i = d->uid[r];
    size_t a = in->weights.offsets ? in->weights.offsets[i] : 0;
    size_t len = in->weights.offsets ? in->weights.offsets[i + 1] - a : 0;
    const yuma_entry *e = len ? in->weights.entries + a : NULL;
    uint64_t sum;
    row_cells rc;
    if (!expand(d, r, e, len, c->forbid[i], d->w, buf, &rc, &sum)) return false;
    if (c->forbid[i]) {
        clear_row(d, r, d->w);
    } else if (len) {
        if (!is_owner(c, i)) sum -= cell_drop(&rc, i);
        uint64_t lim = in->last_update[i];
        uint64_t cb = in->commit_block ? in->commit_block[i] : UINT64_MAX;
        if (cb != UINT64_MAX && cb + 1 < lim) lim = cb + 1;
        if (c->max_reg >= lim) {
            for (size_t k = 0; k < len; k++) {
                uint32_t j = e[k].uid;
                if (in->registered_at[j] < lim) continue;
                sum -= cell_drop(&rc, j);
            }
        }
        if (!finish_row(d, r, &rc, d->w, &sum)) return false;
    }
    /* sum < 2^31 (dense_chosen); a zero sum leaves a row of zeros */
    ydiv rd = div_of_sum(sum);
    d->rd[r] = kdiv_of(&rd);
    return true;
}

/* YC2: row r's stored bonds added to a worker's column sums while they
 * are in cache. */
static void add_bond_sums(const dense *d, uint32_t r, uint64_t *sums)
{
    d->k->add_row(d->b + tile_at(d, 0, r), d->nblocks, (size_t)d->rows * DB, sums);
}

/* Row r's stored bonds: validated, expanded, the recently registered
 * columns dropped (§2.9). */
static bool load_bonds(dense *d, uint32_t r, uint32_t *buf, uint64_t *sums)
{
    const yuma_sparse_view *bv = &d->c->in->bonds;
    uint32_t i = d->uid[r];
    size_t len = bv->offsets ? bv->offsets[i + 1] - bv->offsets[i] : 0;
    const yuma_entry *e = len ? bv->entries + bv->offsets[i] : NULL;
    uint64_t sum;
    row_cells rc;
    if (!expand(d, r, e, len, false, d->b, buf, &rc, &sum)) return false;
    for (uint32_t q = 0; q < d->nmasked; q++) cell_clear(&rc, d->masked[q]);
    if (!finish_row(d, r, &rc, d->b, &sum)) return false;
    if (d->yc2 && len) add_bond_sums(d, r, sums);
    return true;
}

static void load_task(void *arg, size_t t, uint32_t worker)
{
    dense *d = arg;
    uint32_t r0, r1;
    chunk_rows(d, t, &r0, &r1);
    uint32_t *buf = d->stage + (size_t)worker * d->np; /* zero between rows */
    uint64_t *sums = d->bsum + (size_t)worker * d->np;
    bool ok = true;
    for (uint32_t r = r0; r < r1 && ok; r++) ok = load_weights(d, r, buf) && load_bonds(d, r, buf, sums);
    if (!ok) memset(buf, 0, d->np * sizeof(uint32_t)); /* a refused row may have left marks */
    d->bad[t] = !ok;
}

/* Rows outside R hold no kept weight and no bond, but their entries must
 * still be valid. */
static bool other_rows_valid(dense *d)
{
    epoch_ctx *c = d->c;
    const yuma_sparse_view *wv = &c->in->weights;
    if (!wv->offsets) return true;
    uint32_t *stamp = WS(c, WS_STAMP, uint32_t, d->n, true);
    if (!stamp) return false;
    uint32_t r = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        if (r < d->rows && d->uid[r] == i) {
            r++;
            continue;
        }
        size_t len = wv->offsets[i + 1] - wv->offsets[i];
        if (len && !epoch_row_valid(wv->entries + wv->offsets[i], len, d->n, stamp, i + 1)) return false;
    }
    return true;
}

/* ---- sweep 1: consensus, rank and delta-B sums per column block ---- */

static void sweep1_task(void *arg, size_t bk, uint32_t worker)
{
    dense *d = arg;
    epoch_ctx *c = d->c;
    uint32_t j0 = (uint32_t)bk * DB, bw = d->n - j0 < DB ? d->n - j0 : DB;
    /* the voters' normalised weights, kept for the rank pass */
    uint64_t *wc = d->wcache + (size_t)worker * d->nvr * DB;
    _Alignas(64) uint64_t cnt[DB] = {0};
    uint64_t top = d->k->weights(d->w + tile_at(d, (uint32_t)bk, 0), d->vrow, d->nvr, d->rd, wc, cnt);
    uint32_t max1 = top ? (uint32_t)(top - 1) : 0;
    kblock blk = {0};
    size_t hs = (size_t)worker * YQ_GROUP * YQ_HSTRIDE, ts = (size_t)worker * YQ_GROUP * d->nvr;
    yq_group_scratch qs = {d->hist + hs, d->qhead + hs, d->qtmp + ts, d->qnext + ts, d->qidx + ts,
                           d->k->buckets, d->k->matches};
    for (uint32_t g = 0; g < bw; g += YQ_GROUP) {
        size_t cols = bw - g < YQ_GROUP ? bw - g : YQ_GROUP, count[YQ_GROUP];
        for (size_t l = 0; l < cols; l++) count[l] = (size_t)cnt[g + l];
        yq_columns_dense(wc + g, DB, cols, d->vid, d->vstake, d->nvr, count, max1, &d->v, &qs,
                         c->consensus + j0 + g);
    }
    for (uint32_t jj = 0; jj < bw; jj++) blk.c[jj] = (uint64_t)c->consensus[j0 + jj];
    _Alignas(64) uint64_t rank[DB] = {0}, dsum[DB] = {0};
    d->k->rank(wc, d->nvr, d->vas, &blk, &d->kc, rank, dsum);
    for (uint32_t jj = 0; jj < bw; jj++) {
        c->incentive[j0 + jj] = (yfx)rank[jj];
        c->sum_db[j0 + jj] = dsum[jj];
    }
}

/* ---- sweep 2: bond EMA, E's column statistics, trust, dividends, stored bonds ---- */

/* The block's column constants known before E: consensus, incentive and
 * (YC2) the delta-B and stored-bond divisors. Lanes past n stay zero
 * columns with divisors 1. */
static void block_constants(const dense *d, uint32_t j0, uint32_t bw, kblock *blk)
{
    const epoch_ctx *c = d->c;
    ydiv one = ydiv_make(1);
    blk->inc_small = true;
    for (uint32_t jj = 0; jj < DB; jj++) {
        bool in = jj < bw;
        uint32_t j = j0 + jj;
        blk->c[jj] = in ? (uint64_t)c->consensus[j] : 0;
        blk->inc[jj] = in ? (uint64_t)c->incentive[j] : 0;
        blk->inc_small &= blk->inc[jj] < ((uint64_t)1 << 32);
        kcols_set(&blk->db, jj, in && d->yc2 ? &c->div_db[j] : &one);
        kcols_set(&blk->b, jj, in && d->yc2 ? &c->div_b[j] : &one);
    }
    kcols_finish(&blk->db);
    kcols_finish(&blk->b);
}

static void sweep2_task(void *arg, size_t bk, uint32_t worker)
{
    dense *d = arg;
    uint32_t j0 = (uint32_t)bk * DB, bw = d->n - j0 < DB ? d->n - j0 : DB;
    uint64_t *e = d->e + (size_t)worker * d->rows * DB;
    uint64_t *trust = d->trust + (size_t)worker * d->rows, *acc = d->acc + (size_t)worker * d->rows;
    kblock blk;
    block_constants(d, j0, bw, &blk);
    _Alignas(64) uint64_t sum[DB] = {0}, max[DB] = {0};
    size_t at = tile_at(d, (uint32_t)bk, 0);
    d->k->ema(d->w + at, d->b + at, d->rows, d->rd, d->ras, &blk, &d->kc, e, sum, max, trust);
    for (uint32_t jj = 0; jj < DB; jj++) {
        ydiv de = div_of_sum(sum[jj]);
        kcols_set(&blk.e, jj, &de);
        /* YC2: the largest En, max(E) / sum, as floor is monotone */
        ydiv dm = div_of_sum(d->yc2 ? ydiv_q(max[jj], &de) : 0);
        kcols_set(&blk.m, jj, &dm);
    }
    kcols_finish(&blk.e);
    kcols_finish(&blk.m);
    d->k->dividend(e, d->rows, &blk, &d->kc, d->s + at, d->stored, d->present + bk, d->nwords, acc);
}

/* ---- output ---- */

/* The chunk's stored rows, block by block (the chunk's segments of a tile
 * are contiguous), each row writing at its own cursor. A full presence
 * word (a dense row) is copied without testing bits. */
static void output_task(void *arg, size_t t, uint32_t worker)
{
    (void)worker;
    dense *d = arg;
    yuma_epoch_output *out = d->out;
    uint32_t r0, r1;
    chunk_rows(d, t, &r0, &r1);
    yuma_entry *cur[ROW_CHUNK];
    for (uint32_t r = r0; r < r1; r++) cur[r - r0] = out->bonds + out->bond_offsets[d->uid[r]];
    for (uint32_t bk = 0; bk < d->nblocks; bk++) {
        for (uint32_t r = r0; r < r1; r++) {
            if (!out->validator_permit[d->uid[r]]) continue;
            uint64_t m = d->present[(size_t)r * d->nwords + bk];
            const uint16_t *s = d->s + tile_at(d, bk, r);
            yuma_entry *o = cur[r - r0];
            uint16_t j0 = (uint16_t)(bk * DB);
            if (m == UINT64_MAX) {
                d->k->emit_full(j0, s, o);
                o += DB;
            } else {
                for (; m; m &= m - 1) {
                    uint32_t jj = (uint32_t)__builtin_ctzll(m);
                    *o++ = (yuma_entry){(uint16_t)(j0 + jj), s[jj]};
                }
            }
            cur[r - r0] = o;
        }
    }
}

/* Offsets of the stored rows (permitted rows of R hold their E > 0 cells). */
static yuma_status reserve_output(dense *d)
{
    yuma_epoch_output *out = d->out;
    size_t p = 0;
    uint32_t r = 0;
    out->bond_offsets[0] = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        if (r < d->rows && d->uid[r] == i) {
            if (out->validator_permit[i]) {
                const uint64_t *bits = d->present + (size_t)r * d->nwords;
                for (uint32_t wi = 0; wi < d->nwords; wi++) p += (size_t)__builtin_popcountll(bits[wi]);
            }
            r++;
        }
        out->bond_offsets[i + 1] = p;
    }
    return epoch_reserve_bonds(out, p);
}

/* ---- setup and driver ---- */

static uint32_t workers_of(epoch_ctx *c)
{
    yuma_workspace *ws = c->ws;
    uint32_t want = ws->opt.threads > 1 ? ws->opt.threads : 1;
    if (ws->pool && ypool_threads(ws->pool) != want) {
        ypool_free(ws->pool);
        ws->pool = NULL;
    }
    if (want > 1 && !ws->pool) ws->pool = ypool_new(want); /* NULL: run alone */
    c->pool = ws->pool;
    return ypool_threads(c->pool);
}

/* R (rows with kept weights or bonds, ascending), the voters among them,
 * and the columns whose bonds are dropped. */
static yuma_status plan_rows(dense *d)
{
    epoch_ctx *c = d->c;
    const yuma_epoch_input *in = c->in;
    uint32_t n = d->n, rows = 0, voter = 0;
    d->uid = WS(c, WS_D_UID, uint32_t, n, false);
    d->vrow = WS(c, WS_D_VROW, uint32_t, n, false);
    d->vid = WS(c, WS_D_VID, uint32_t, n, false);
    d->masked = WS(c, WS_D_MASKED, uint32_t, n, false);
    if (!d->uid || !d->vrow || !d->vid || !d->masked) return YUMA_ERR_NOMEM;
    d->nvr = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t lw = in->weights.offsets ? in->weights.offsets[i + 1] - in->weights.offsets[i] : 0;
        size_t lb = in->bonds.offsets ? in->bonds.offsets[i + 1] - in->bonds.offsets[i] : 0;
        bool is_voter = c->active_stake[i] > 0;
        if ((lw && !c->forbid[i]) || lb) {
            if (is_voter) {
                d->vrow[d->nvr] = rows;
                d->vid[d->nvr++] = voter;
            }
            d->uid[rows++] = i;
        }
        voter += is_voter;
    }
    d->rows = rows;
    d->nmasked = 0;
    for (uint32_t j = 0; j < n; j++)
        if (bond_masked(c, j)) d->masked[d->nmasked++] = j;
    return YUMA_OK;
}

static yuma_status alloc_dense(dense *d)
{
    epoch_ctx *c = d->c;
    uint32_t n = d->n, wk = d->workers;
    size_t rows = d->rows ? d->rows : 1;
    d->nblocks = (n + DB - 1) / DB;
    d->np = d->nblocks * DB;
    d->nwords = d->np / 64;
    size_t cells = rows * d->np;
    d->rd = WS(c, WS_D_ROWDIV, kdiv, rows, false);
    d->ras = WS(c, WS_D_RAS, uint64_t, rows, false);
    d->stored = WS(c, WS_D_STORED, bool, rows, false);
    d->vas = WS(c, WS_D_VAS, uint64_t, d->nvr ? d->nvr : 1, false);
    d->w = WS(c, WS_D_W, uint16_t, cells, false);
    d->b = WS(c, WS_D_B, uint16_t, cells, false);
    d->s = WS(c, WS_D_S, uint16_t, cells, false);
    d->present = WS(c, WS_D_PRESENT, uint64_t, rows * d->nwords, false);
    d->bad = WS(c, WS_D_TASK, bool, row_chunks(d->rows) + 1, false);
    d->stage = WS(c, WS_D_STAGE, uint32_t, (size_t)wk * d->np, true);
    d->bsum = WS(c, WS_D_BSUM, uint64_t, d->yc2 ? (size_t)wk * d->np : 1, true);
    d->vstake = WS(c, WS_D_VSTAKE, yfx, d->nvr ? d->nvr : 1, false);
    d->wcache = WS(c, WS_D_WCACHE, uint64_t, (size_t)wk * (d->nvr ? d->nvr : 1) * DB, false);
    d->hist = WS(c, WS_HIST, yfx, (size_t)wk * YQ_GROUP * YQ_HSTRIDE, false);
    d->qtmp = WS(c, WS_QTMP, uint64_t, (size_t)wk * YQ_GROUP * (d->nvr ? d->nvr : 1), false);
    d->qhead = WS(c, WS_D_QHEAD, uint32_t, (size_t)wk * YQ_GROUP * YQ_HSTRIDE, false);
    d->qnext = WS(c, WS_D_QNEXT, uint32_t, (size_t)wk * YQ_GROUP * (d->nvr ? d->nvr : 1), false);
    d->qidx = WS(c, WS_D_QIDX, uint16_t, (size_t)wk * YQ_GROUP * (d->nvr ? d->nvr : 1), false);
    d->e = WS(c, WS_D_E, uint64_t, (size_t)wk * rows * DB, false);
    d->trust = WS(c, WS_D_TRUST, uint64_t, (size_t)wk * rows, true);
    d->acc = WS(c, WS_D_ACC, uint64_t, (size_t)wk * rows, true);
    c->sum_b = WS(c, WS_SUM_B, uint64_t, n, true);
    c->div_b = WS(c, WS_DIV_B, ydiv, n, false);
    c->div_db = WS(c, WS_DIV_DB, ydiv, n, false);
    if (!d->rd || !d->ras || !d->stored || !d->vas || !d->w || !d->b || !d->s || !d->present || !d->bad ||
        !d->stage || !d->bsum || !d->vstake || !d->wcache || !d->hist || !d->qtmp || !d->qhead || !d->qnext ||
        !d->qidx || !d->e || !d->trust || !d->acc || !c->sum_b || !c->div_b || !c->div_db)
        return YUMA_ERR_NOMEM;
    for (uint32_t r = 0; r < d->rows; r++) {
        d->ras[r] = (uint64_t)c->active_stake[d->uid[r]];
        d->stored[r] = d->out->validator_permit[d->uid[r]];
    }
    return YUMA_OK;
}

static yuma_status load(dense *d)
{
    size_t tasks = row_chunks(d->rows);
    ypool_run(d->c->pool, tasks, load_task, d);
    for (size_t t = 0; t < tasks; t++)
        if (d->bad[t]) return YUMA_ERR_MATRIX;
    if (!other_rows_valid(d)) return YUMA_ERR_MATRIX;
    if (d->yc2) {
        uint64_t *sum_b = d->c->sum_b;
        for (uint32_t j = 0; j < d->n; j++) {
            uint64_t t = 0;
            for (uint32_t k = 0; k < d->workers; k++) t += d->bsum[(size_t)k * d->np + j];
            sum_b[j] = t;
        }
    }
    return YUMA_OK;
}

/* Consensus, rank and the delta-B column sums (YC2: the stored bonds'
 * column sums too). */
static yuma_status sweep1(dense *d)
{
    epoch_ctx *c = d->c;
    uint32_t n = d->n;
    yfx *u = WS(c, WS_VOTER_STAKE, yfx, n, false);
    yfx *vas = WS(c, WS_VOTER_AS, yfx, n, false);
    if (!u || !vas) return YUMA_ERR_NOMEM;
    if (epoch_voters(c, u, vas, &d->v)) {
        for (uint32_t q = 0; q < d->nvr; q++) {
            d->vstake[q] = d->v.stake[d->vid[q]];
            d->vas[q] = (uint64_t)c->active_stake[d->uid[d->vrow[q]]];
        }
        ypool_run(c->pool, d->nblocks, sweep1_task, d);
        c->ranked = true;
        return YUMA_OK;
    }
    /* Nobody votes: every consensus is 0, so every positive weight is
     * clipped away and no rank or delta-B accrues. */
    memset(c->consensus, 0, sizeof(yfx) * n);
    memset(c->incentive, 0, sizeof(yfx) * n);
    memset(c->sum_db, 0, sizeof(uint64_t) * n);
    return YUMA_OK;
}

/* Trust and dividends from the per-worker row sums (plain adds; see the
 * top): YC2's dividend is the sum, YC3's the sum times the active stake. */
static void row_results(dense *d)
{
    epoch_ctx *c = d->c;
    memset(c->vtrust, 0, sizeof(yfx) * d->n);
    for (uint32_t r = 0; r < d->rows; r++) {
        uint64_t t = 0, a = 0;
        for (uint32_t k = 0; k < d->workers; k++) {
            t += d->trust[(size_t)k * d->rows + r];
            a += d->acc[(size_t)k * d->rows + r];
        }
        uint32_t i = d->uid[r];
        c->vtrust[i] = (yfx)t;
        yfx dv;
        if (d->yc2) c->dividends[i] = (yfx)a;
        else c->dividends[i] = yfx_checked_mul((yfx)a, c->active_stake[i], &dv) ? dv : 0;
    }
}

yuma_status dense_run(epoch_ctx *c, yuma_epoch_output *out)
{
    dense d = {.c = c, .out = out, .n = c->n, .yc2 = !c->in->hp.yuma3};
    d.workers = workers_of(c);
    d.k = c->ws->kernels ? c->ws->kernels : dense_kernels_get(c->ws->opt.portable);
    d.kc = (kconst){c->beta_mode, (uint64_t)c->beta, (uint64_t)c->alpha, (uint64_t)c->keep, d.yc2, false};
    epoch_scan_registrations(c);
    yuma_status s = plan_rows(&d);
    if (s == YUMA_OK) s = alloc_dense(&d);
    if (s == YUMA_OK) s = load(&d);
    if (s == YUMA_OK) s = sweep1(&d);
    if (s != YUMA_OK) return s;
    uint32_t n = d.n;
    if (d.yc2) epoch_bond_divisors(c);
    for (uint32_t j = 0; j < n; j++) c->div_db[j] = div_of_sum(c->sum_db[j]);
    ymath_normalize(c->incentive, n);
    d.kc.b_exact = c->b_exact;
    ypool_run(c->pool, d.nblocks, sweep2_task, &d);
    row_results(&d);
    if ((s = reserve_output(&d)) != YUMA_OK) return s;
    ypool_run(c->pool, row_chunks(d.rows), output_task, &d);
    return YUMA_OK;
}
