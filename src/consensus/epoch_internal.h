/*
 * epoch_internal.h - what the epoch's two layouts share: the workspace, the
 * per-epoch context, and the exact per-entry kernels (clipping, weights for
 * bonds, the unit products, the normalised stored values). Internal to
 * libyuma.
 *
 * The epoch (epoch.c) computes the O(n) steps, then runs the weights and
 * bonds through one of two layouts that give the same bytes:
 *   sparse (epoch.c): compressed rows, per-column key lists; cost follows
 *     the number of entries whatever their spread;
 *   dense (dense.c): the rows that hold weights or bonds expanded into
 *     row x column blocks, for subnets where those rows cover most of their
 *     cells; every pass then walks contiguous columns.
 * Both call the kernels below, so an entry's value is computed by the same
 * code whichever layout holds it.
 */
#ifndef YUMA_CONSENSUS_EPOCH_INTERNAL_H
#define YUMA_CONSENSUS_EPOCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/divide.h"
#include "consensus/math.h"
#include "consensus/pool.h"
#include "consensus/quantile.h"
#include "yuma/epoch.h"
#include "yuma/fixed.h"

/* ---- workspace: grow-only scratch buffers reused across epochs ---- */

enum {
    WS_INACTIVE, WS_X, WS_STAKE, WS_FORBID, WS_ACTIVE_STAKE,
    WS_STAMP, WS_W_OFF, WS_W_ENT, WS_W_ROW, WS_COL_CNT,
    WS_VOTER_STAKE, WS_VOTER_AS, WS_VOTER_TRUST, WS_COL_FILL, WS_KEYS, WS_HIST, WS_QTMP,
    WS_G_SCORE, WS_G_STAKE,
    WS_CONS, WS_VTRUST, WS_INCENTIVE,
    WS_SUM_B, WS_DIV_B, WS_SUM_DB, WS_DIV_DB,
    WS_ROW_COL, WS_ROW_VAL, WS_OLD_COL, WS_OLD_VAL,
    WS_ACC, WS_LOOK_W, WS_LOOK_B, WS_OLD, WS_BITS, WS_WORDS,
    WS_E_OFF, WS_E_COL, WS_E_VAL, WS_SUM_E, WS_MAX_E, WS_DIV_E, WS_DIV_M,
    WS_ALPHA_CACHE, WS_DIV,
    /* the dense layout */
    WS_D_UID, WS_D_VROW, WS_D_VID, WS_D_MASKED, WS_D_ROWDIV, WS_D_W, WS_D_B, WS_D_S,
    WS_D_PRESENT, WS_D_TASK, WS_D_WCACHE, WS_D_E, WS_D_TRUST, WS_D_ACC, WS_D_VSTAKE, WS_D_STAGE, WS_D_QHEAD, WS_D_QNEXT, WS_D_BSUM,
    WS_D_QIDX, WS_D_RAS, WS_D_VAS, WS_D_STORED,
    WS_COUNT
};

struct yuma_workspace {
    void *buf[WS_COUNT];
    size_t cap[WS_COUNT];
    yuma_epoch_options opt;
    ypool *pool;          /* created on the first epoch that asks for threads */
    const struct dense_kernels *kernels; /* tests only: this instance, not opt's choice */
};

/* Scratch of at least `bytes`, contents unspecified (zeroed when asked). */
void *epoch_ws_get(yuma_workspace *ws, int slot, size_t bytes, bool zero);

/* How a row's stored u16 weights become I32F32 (spec §2.5). The row sum of
 * the I32F32 values is v_sum * 2^32, taken by the reference with a plain
 * (wrapping) add: below 2^31 it is exact and every weight is
 * floor(v * 2^32 / v_sum), computed with the sum's reciprocal; past 2^31 it
 * wraps and safe_div by the wrapped sum decides, or nothing is divided when
 * the wrapped sum is not positive. */
enum { ROW_RECIP, ROW_WRAPPED, ROW_RAW };

/* A row's u16 sum below this is exact as I32F32 (ROW_RECIP); a row needs
 * more than 32768 entries to reach it. */
#define ROW_SUM_LIMIT ((uint64_t)1 << 31)

typedef struct {
    ydiv rd;    /* ROW_RECIP: reciprocal of the u16 sum */
    yfx wsum;   /* ROW_WRAPPED: the wrapped I32F32 sum, > 0 */
    int mode;
} wrow;

/* How weights for bonds come from a weight and its clipped value (§2.8). */
enum { BETA_ZERO, BETA_ONE, BETA_MID };

/* Emits the touched columns of a row in ascending order from a bitmap:
 * by scanning the touched word range, or by sorting the touched words when
 * they are few and far apart. Clears the bitmap as it goes. */
typedef struct {
    uint64_t *bits;
    uint32_t *words;   /* indices of non-zero words, unsorted */
    size_t nwords;
    uint32_t lo, hi;   /* range of touched words */
} colset;

typedef struct {
    yfx d;
    yfx alpha;
} alpha_slot;

#define ALPHA_CACHE_BITS 11

/* Everything one epoch computes, shared by the steps of both layouts. */
typedef struct {
    const yuma_epoch_input *in;
    yuma_workspace *ws;
    ypool *pool;           /* NULL: the calling thread does everything */
    uint32_t n;
    bool *inactive;
    yfx *stake;
    bool *forbid;          /* !(previous permit or owner) */
    yfx *active_stake;
    uint64_t max_reg;      /* largest registration block */
    uint64_t last_tempo;   /* bonds on uids registered at or after it are dropped */
    bool bond_mask;        /* some uid is registered at or after last_tempo */
    bool b_exact;          /* YC2: div_b holds u16 column sums (none saturates) */
    /* masked weights (sparse layout): row i is went[woff[i] .. woff[i+1]) */
    size_t *woff;
    yuma_entry *went;
    wrow *wr;
    size_t *col_cnt;       /* n + 1: per column, voters' positive weights (bound) */
    bool keys_fit;         /* voter rows are ROW_RECIP or all 0: scores fit keys */
    bool ranked;           /* pass B was done column by column with consensus */
    yfx *consensus;
    yfx *vtrust;
    yfx *incentive;        /* rank (clamped sums) until normalised */
    /* beta and the EMA's constant alpha */
    int beta_mode;
    yfx beta, alpha, keep;
    /* YC2 column sums and their reciprocals: stored bonds and delta-B */
    uint64_t *sum_b, *sum_db;
    ydiv *div_b, *div_db;
    /* row scratch: weights for bonds, masked stored bonds, dense rows */
    uint16_t *rcol, *ocol;
    yfx *rval, *oval;
    yfx *acc, *look_w, *look_b, *old;
    colset set;
    /* bond EMA E, its column sums (and maxima), dividends */
    size_t *eoff;
    uint16_t *ecol;
    yfx *eval;
    uint64_t *sum_e;
    yfx *max_e;
    ydiv *div_e, *div_m;
    yfx *dividends;
    ymath_liquid_params lp;
    alpha_slot *acache;
} epoch_ctx;

#define WS(ctx, slot, type, count, zero) \
    ((type *)epoch_ws_get((ctx)->ws, (slot), sizeof(type) * (size_t)(count), (zero)))

/* ---- exact kernels ---- */

static inline uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* A saturating add of non-negative I32F32 raws, s and t <= YFX_MAX: a
 * running sum clamped at every step equals the reference's sat_add chain,
 * and gives the same value in any order. */
static inline uint64_t add_clamp(uint64_t s, uint64_t t)
{
    s += t;
    return s > (uint64_t)YFX_MAX ? (uint64_t)YFX_MAX : s;
}

static inline yfx mul_nn(yfx a, yfx b)
{
    return yfx_mul_nonneg(a, b);
}

/* mul of two raws in [0, 2^32] (shares, normalised weights, alpha): the
 * 64-bit product a * b overflows only for a = 2^32, where the result is b. */
static inline uint64_t mul_unit(uint64_t a, uint64_t b)
{
    return a < (uint64_t)YFX_ONE ? (a * b) >> 32 : b;
}

/* fixed_proportion_to_u16 (§1.3); below 2^48 the product x * 65535 fits 64
 * bits and the result is one multiplication and a shift. */
static inline uint16_t to_u16_prop(yfx x)
{
    if ((uint64_t)x < ((uint64_t)1 << 48)) {
        uint64_t v = ((uint64_t)x * 65535u) >> 32;
        return (uint16_t)(v > 65535 ? 65535 : v);
    }
    return yfx_to_u16_proportion(x);
}

/* A reciprocal for a column sum that may be 0: then every entry of the
 * column is 0 and dividing 0 by 1 gives the 0 that safe_div leaves. */
static inline ydiv div_of_sum(uint64_t s)
{
    return ydiv_make(s ? s : 1);
}

static inline bool is_owner(const epoch_ctx *c, uint32_t i)
{
    return c->in->owner_uid >= 0 && (uint32_t)c->in->owner_uid == i;
}

static inline bool bond_masked(const epoch_ctx *c, uint32_t j)
{
    return c->bond_mask && c->last_tempo <= c->in->registered_at[j];
}

/* Weight for bonds of one entry from its weight w and clipped value cl
 * (-1: dropped by clipping); false when the entry is not in the row. */
static inline bool bond_weight(const epoch_ctx *c, yfx w, yfx cl, yfx *x)
{
    if (c->beta_mode == BETA_ZERO) {
        *x = w;
        return true;
    }
    if (c->beta_mode == BETA_ONE) {
        *x = cl;
        return cl >= 0;
    }
    yfx cc = cl < 0 ? 0 : cl;
    *x = yfx_sat_add(w, yfx_mul(c->beta, yfx_sat_sub(cc, w)));
    return *x > 0;
}

/* clipped = C_j when C_j < w (dropped, -1, if C_j is 0), else w. With
 * C_j >= 0 and w >= 0 the drop happens exactly when C_j = 0 < w, and then
 * min(C_j, w) = 0; written without branches because C_j < w is a coin flip
 * (C_j is the column's median). */
static inline yfx clip_value(yfx w, yfx cj)
{
    yfx m = cj < w ? cj : w;
    return m - (yfx)((cj == 0) & (w > 0));
}

/* YC2's stored bond b as a column-normalised value: safe_div(b * 2^32,
 * B_j * 2^32) with B_j the column's u16 sum, which is floor(b * 2^32 / B_j)
 * when B_j * 2^32 does not saturate (then div_b holds B_j's reciprocal). */
static inline uint64_t old_value_yuma2(const epoch_ctx *c, uint32_t j, uint16_t b)
{
    if (c->b_exact) return ydiv_q(b, &c->div_b[j]);
    return ydiv_q((uint64_t)b << 32, &c->div_b[j]);
}

/* incentive_j * En_ij, En <= 2^32. */
static inline uint64_t inc_term(const epoch_ctx *c, bool unit, uint32_t j, uint64_t en)
{
    return unit ? mul_unit(en, (uint64_t)c->incentive[j]) : (uint64_t)mul_nn(c->incentive[j], (yfx)en);
}

/* YC2's stored bond of one E entry: En / max_k En_kj (a zero maximum
 * divides nothing). */
static inline uint16_t stored_yuma2(const epoch_ctx *c, uint32_t j, uint64_t en)
{
    return to_u16_prop(c->max_e[j] > 0 ? (yfx)ydiv_q(en, &c->div_m[j]) : (yfx)en);
}

/* ---- steps shared by both layouts (epoch.c) ---- */

bool epoch_row_in_range(const yuma_entry *e, size_t len, uint32_t n, bool *unsorted);
bool epoch_row_unique(const yuma_entry *e, size_t len, uint32_t *stamp, uint32_t tag);
bool epoch_row_valid(const yuma_entry *e, size_t len, uint32_t n, uint32_t *stamp, uint32_t tag);
void epoch_scan_registrations(epoch_ctx *c);
void epoch_bond_divisors(epoch_ctx *c);
/* The voters (positive active stake, in uid order) and their normalised
 * stake; false when there are none. vas gets their active stakes. */
bool epoch_voters(epoch_ctx *c, yfx *u, yfx *vas, yq_voters *v);
void epoch_column_pass_b(epoch_ctx *c, uint32_t j, const uint64_t *key, size_t cnt,
                         const yfx *vas, uint64_t *vtrust);
bool epoch_incentive_is_unit(const epoch_ctx *c);
yuma_status epoch_reserve_bonds(yuma_epoch_output *out, size_t need);

/* ---- the dense layout (dense.c) ---- */

/* Whether the dense layout takes this epoch (after permits are known). */
bool dense_chosen(const epoch_ctx *c);
/* Validation, weights and bonds through dividends and the stored bonds:
 * everything the sparse layout's load_rows .. bonds_yuma* do. */
yuma_status dense_run(epoch_ctx *c, yuma_epoch_output *out);

#endif
