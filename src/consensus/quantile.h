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

/* The same C_j for one column of a dense block: slot q (0 <= q < slots)
 * holds voter vid[q]'s normalised weight w[q * stride] (0: it scores 0)
 * and its stake slot_stake[q]; count is the number of positive weights and
 * max1 bounds (weight - 1) from above. tmp must hold `slots` keys. */
yfx yq_column_dense(const uint64_t *w, size_t stride, const uint32_t *vid, const yfx *slot_stake,
                    size_t slots, size_t count, uint32_t max1, const yq_voters *v, yq_scratch *s);

#endif
