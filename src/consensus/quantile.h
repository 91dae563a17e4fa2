/*
 * quantile.h - the consensus kernel: the stake-weighted kappa quantile of
 * one column (spec section 2.6) from a compact column list.
 *
 * The epoch transposes the voters' positive weights into per-column lists
 * of packed keys, key = (score - 1) << 16 | voter, where 0 < score <= 2^32
 * is the row-normalised weight (so score - 1 fits 32 bits) and voter indexes
 * the voters' normalised stakes. Ordering keys orders scores. Voters absent
 * from a list score 0.
 */
#ifndef YUMA_CONSENSUS_QUANTILE_H
#define YUMA_CONSENSUS_QUANTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/fixed.h"

#define YQ_KEY(score, voter) ((((uint64_t)(score) - 1) << 16) | (uint64_t)(voter))
#define YQ_MAX_BUCKETS 256

/* The whole voter set of the epoch: the column answer depends on it
 * through the mass of the voters scoring 0. */
typedef struct {
    const yfx *stake;  /* normalised stake of each voter */
    size_t voters;     /* number of voters */
    yfx sigma;         /* sum of stake */
    yfx m;             /* sigma - kappa (saturating) */
} yq_voters;

/* Scratch for yq_column: hist holds YQ_MAX_BUCKETS + 16 values, tmp holds as
 * many keys as the longest column. */
typedef struct {
    yfx *hist;
    uint64_t *tmp;
} yq_scratch;

/* C_j of one column: the smallest score v (0 included) whose cumulative
 * stake over scores <= v exceeds m, or the largest score if none does; 0 for
 * an empty list. max1 must bound (score - 1) over the list from above; the
 * buckets span [0, max1], so a tight bound makes them finer.
 * The same value as ymath_weighted_quantile over the full voter list. */
yfx yq_column(const uint64_t *key, size_t count, uint32_t max1, const yq_voters *v,
              yq_scratch *s);

/* Columns computed together by yq_columns_dense. */
#define YQ_GROUP 8

/* The same C_j for up to YQ_GROUP adjacent columns of a dense block, in
 * one pass over its slots: slot q (0 <= q < slots) is voter vid[q], with
 * stake slot_stake[q] and normalised weight w[q * stride + l] in column l
 * (0: it scores 0); count[l] is the number of positive weights of column
 * l, and max1 bounds every (weight - 1) from above. out[l] gets column
 * l's C. */
#define YQ_HSTRIDE (YQ_MAX_BUCKETS + 16) /* one column's hist and head */
/* (a group's offsets, below YQ_GROUP * YQ_HSTRIDE, fit 16 bits) */

/* Optional vector kernel (dense_kern.h's `buckets`): for every slot q and
 * column l of a full group, idx[q * YQ_GROUP + l] = l * YQ_HSTRIDE + the
 * bucket of w[q * stride + l]: (w - 1) >> shift[l] when w > 0, zero[l]
 * (the column's spare bucket) when w = 0. */
typedef void (*yq_bucket_fn)(const uint64_t *w, size_t stride, size_t slots, const uint64_t *shift,
                             const uint64_t *zero, uint16_t *idx);

/* Optional vector kernel (dense_kern.h's `matches`), run after `buckets`:
 * the entries of idx[0 .. slots * YQ_GROUP) equal to want[l] in lane l
 * (l = entry % YQ_GROUP; UINT16_MAX matches no entry), as their positions
 * q * YQ_GROUP + l in ascending order into hit; returns their number. */
typedef size_t (*yq_match_fn)(const uint16_t *idx, size_t slots, const uint16_t *want, uint32_t *hit);

typedef struct {
    yfx *hist;          /* YQ_GROUP * YQ_HSTRIDE */
    uint32_t *head;     /* YQ_GROUP * YQ_HSTRIDE */
    uint64_t *tmp;      /* YQ_GROUP * slots */
    uint32_t *next;     /* YQ_GROUP * slots */
    uint16_t *idx;      /* YQ_GROUP * slots, when `buckets` is set */
    yq_bucket_fn buckets; /* NULL: the columns are filled one by one */
    yq_match_fn matches;  /* NULL: the chosen buckets' keys are found in C */
} yq_group_scratch;

void yq_columns_dense(const uint64_t *w, size_t stride, size_t cols, const uint32_t *vid,
                      const yfx *slot_stake, size_t slots, const size_t *count, uint32_t max1,
                      const yq_voters *v, const yq_group_scratch *s, yfx *out);

#endif
