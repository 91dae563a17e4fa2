/*
 * dense_kern.h - the dense layout's arithmetic on one row segment of a
 * column block (DB = 64 cells), internal to libyuma.
 *
 * Every kernel is exact integer arithmetic (the reference's floors,
 * divisions through exact reciprocals, divide.h), written once with the
 * compiler's vector extensions and compiled for several instruction sets;
 * dense_kernels_get picks the widest the CPU has. Integer results do not
 * depend on the vector width, so every choice gives the same bytes (tests
 * compare them through the workspace option `portable`, which forces the
 * baseline ones).
 *
 * Inputs past the end of n are zero cells of zero columns (consensus 0,
 * divisors 1), which every kernel maps to zero outputs.
 */
#ifndef YUMA_CONSENSUS_DENSE_KERN_H
#define YUMA_CONSENSUS_DENSE_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/divide.h"
#include "consensus/quantile.h"
#include "yuma/epoch.h"

#define DB 64 /* columns per block */

/* A divisor as the kernels use it: floor(a * 2^32 / d) for 0 <= a <= d is
 * hi64((a << z) * f) or one more (divide.h), with z = clz(d). */
typedef struct {
    uint64_t f, z, d;
} kdiv;

static inline kdiv kdiv_of(const ydiv *r)
{
    kdiv k = {r->f, (uint64_t)__builtin_clzll(r->d), r->d};
    return k;
}

/* The epoch's constants. */
typedef struct {
    int beta_mode;       /* BETA_ZERO, BETA_ONE, BETA_MID */
    uint64_t beta;       /* BETA_MID: 0 < beta < 2^32 */
    uint64_t alpha, keep; /* the EMA's alpha and 1 - alpha, <= 2^32 */
    bool yc2, b_exact;
} kconst;

/* One divisor per column of a block (SoA). When every d < 2^32 the block
 * is `narrow`: z holds L = 64 - clz(d), the shift of the narrow form, and
 * f its low 32 bits (a narrow f lies in [2^32, 2^33), dense_kern.c). */
typedef struct {
    _Alignas(64) uint64_t f[DB];
    _Alignas(64) uint64_t z[DB];
    _Alignas(64) uint64_t d[DB];
    bool narrow;
} kcols;

/* One column block's per-column values (lanes are columns). */
typedef struct {
    _Alignas(64) uint64_t c[DB];   /* consensus */
    _Alignas(64) uint64_t inc[DB]; /* incentive, <= 2^32 */
    kcols db;                      /* YC2: delta-B column sum */
    kcols b;                       /* YC2: stored-bond column sum */
    kcols e;                       /* E's column sum */
    kcols m;                       /* YC2: the column's largest En */
    bool inc_small;                /* every inc below 2^32 (the usual case) */
} kblock;

/* Column jj's divisor into a block's kcols. */
static inline void kcols_set(kcols *k, uint32_t jj, const ydiv *r)
{
    kdiv x = kdiv_of(r);
    k->f[jj] = x.f;
    k->z[jj] = x.z;
    k->d[jj] = x.d;
}

/* Once every column is set: narrow when all d < 2^32 (z becomes L). */
static inline void kcols_finish(kcols *k)
{
    bool narrow = true;
    for (uint32_t jj = 0; jj < DB; jj++) narrow &= k->d[jj] < ((uint64_t)1 << 32);
    k->narrow = narrow;
    if (!narrow) return;
    for (uint32_t jj = 0; jj < DB; jj++) {
        k->z[jj] = 64 - k->z[jj];
        k->f[jj] &= 0xffffffffu;
    }
}

typedef struct dense_kernels {
    /* epoch_row_in_range: every column below n; *unsorted when the row is
     * not strictly ascending */
    bool (*row_check)(const yuma_entry *e, size_t len, uint32_t n, bool *unsorted);
    /* the values of DB entries into a segment, *sum their sum; true when
     * the entries' columns are exactly j0 .. j0 + DB - 1 in order (false:
     * the segment holds garbage) */
    bool (*copy_block)(const yuma_entry *e, uint32_t j0, uint16_t *seg, uint64_t *sum);
    /* a row buffer of u32 cells (value | mark << 16) into `blocks` segments
     * of a tiled row (dst: the first, `tile` cells apart; NULL: nowhere),
     * the buffer left zeroed; *sum gets the sum of the values; returns the
     * number of marked cells */
    size_t (*narrow_row)(uint32_t *buf, uint32_t blocks, uint16_t *dst, size_t tile, uint64_t *sum);
    /* a tiled row's `blocks` segments added to column sums */
    void (*add_row)(const uint16_t *src, uint32_t blocks, size_t tile, uint64_t *sums);
    /* DB stored entries (j0 + jj, s[jj]) */
    void (*emit_full)(uint32_t j0, const uint16_t *s, yuma_entry *o);
    /* The per-cell kernels take all of a column block's rows in one call
     * (a block's segments of a tile lie together, DB cells per row), so
     * their setup and the call itself are paid once per block. */
    /* sweep 1: voter q's row vrow[q] (segment v + vrow[q] * DB, divisor
     * rd[vrow[q]]) normalised into w + q * DB, w = floor(v * 2^32 / row
     * sum), for q < nv; count_j += (w > 0); returns the largest w */
    uint64_t (*weights)(const uint16_t *v, const uint32_t *vrow, size_t nv, const kdiv *rd, uint64_t *w,
                        uint64_t *count);
    /* sweep 1: voter q's part (active stake as[q], weights w + q * DB) of
     * rank_j (active stake * clipped weight) and of the delta-B column sum
     * (active stake * weight for bonds), added, for q < nv */
    void (*rank)(const uint64_t *w, size_t nv, const uint64_t *as, const kblock *b, const kconst *k,
                 uint64_t *rank, uint64_t *dsum);
    /* sweep 2: for each row r < rows (weights v + r * DB with divisor
     * rd[r], bonds bv + r * DB, active stake as[r]): E = alpha * new +
     * (1 - alpha) * old into e + r * DB; E's column sums and (YC2) maxima
     * updated; trust[r] += the row's part of its validator trust */
    void (*ema)(const uint16_t *v, const uint16_t *bv, size_t rows, const kdiv *rd, const uint64_t *as,
                const kblock *b, const kconst *k, uint64_t *e, uint64_t *sum, uint64_t *max,
                uint64_t *trust);
    /* sweep 2: for each row r < rows, En = E / column sum; acc[r] += the
     * row's dividend part (incentive_j * En, every incentive <= 2^32);
     * bits[r * bstride] = E > 0; where stored[r], the stored bonds into
     * s + r * DB */
    void (*dividend)(const uint64_t *e, size_t rows, const kblock *b, const kconst *k, uint16_t *s,
                     const bool *stored, uint64_t *bits, size_t bstride, uint64_t *acc);
    /* the consensus quantile's bucket offsets of a group of columns
     * (quantile.h, yq_bucket_fn) */
    yq_bucket_fn buckets;
    /* the chosen buckets' entries among those offsets (yq_match_fn) */
    yq_match_fn matches;
} dense_kernels;

/* The kernels for this CPU, or the baseline ones when `portable`. */
const dense_kernels *dense_kernels_get(bool portable);

/* One instance by name ("base", "avx2", "avx512"); NULL when this build or
 * this CPU has none of that name. For tests that compare the instances. */
const dense_kernels *dense_kernels_named(const char *isa);

/* Tests only: the dense layout of epochs run with ws uses instance k
 * (NULL: the workspace option `portable` chooses, as usual). */
void dense_kernels_force(yuma_workspace *ws, const dense_kernels *k);

#endif
