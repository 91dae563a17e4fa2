/*
 * quantile.c - the stake-weighted kappa quantile of one consensus column
 * (spec section 2.6) by weighted bucket selection.
 *
 * The answer is the smallest score whose cumulative stake exceeds m. A
 * histogram of stake over equal-width score buckets locates the bucket in
 * which the cumulative stake first exceeds m; only that bucket's keys are
 * kept and bucketed again, finer, until one score is left or few enough
 * keys remain to sort. Each level narrows the score range by up to 8 bits,
 * so at most five levels follow the first one; all sums are exact integer
 * sums, so the result is the closed form's (and the reference's) exactly.
 */
#include "consensus/quantile.h"

#include <string.h>

/* Lists this short are sorted instead of bucketed. */
#define SMALL_LIST 12

static uint64_t score1(uint64_t key) { return key >> 16; }
static uint32_t voter(uint64_t key) { return (uint32_t)(key & 0xffffu); }

/* Insertion sort by key (= by score), then the closed form's scan. `below`
 * is the stake of every score under this list. */
static yfx select_sorted(uint64_t *key, size_t cnt, const yfx *stake, yfx below, yfx m)
{
    if (cnt == 0) return 0; /* unreachable: find_bucket never picks an empty bucket */
    for (size_t i = 1; i < cnt; i++) {
        uint64_t k = key[i];
        size_t p = i;
        for (; p > 0 && key[p - 1] > k; p--) key[p] = key[p - 1];
        key[p] = k;
    }
    size_t i = 0;
    while (i < cnt) {
        uint64_t s = score1(key[i]);
        for (; i < cnt && score1(key[i]) == s; i++) below += stake[voter(key[i])];
        if (below > m) return (yfx)(s + 1);
    }
    return (yfx)(score1(key[cnt - 1]) + 1);
}

/* Bucket width (as a shift) giving at most 2^bits buckets over span, with
 * about one bucket per key, between 16 and YQ_MAX_BUCKETS. */
static uint32_t bucket_shift(uint64_t span, size_t cnt)
{
    uint32_t bits = cnt >= YQ_MAX_BUCKETS ? 8 : 64u - (uint32_t)__builtin_clzll(cnt | 16);
    uint32_t len = span ? 64u - (uint32_t)__builtin_clzll(span) : 0;
    return len > bits ? len - bits : 0;
}

static void fill_hist(const uint64_t *key, size_t cnt, uint64_t lo, uint32_t shift,
                      const yfx *stake, yfx *hist)
{
    for (size_t k = 0; k < cnt; k++) hist[(score1(key[k]) - lo) >> shift] += stake[voter(key[k])];
}

/* First bucket b with below + hist[0..b] > m (nb if none); *below becomes
 * the stake of the buckets before it. Sums of 16 buckets skip ahead first. */
static size_t find_bucket(const yfx *hist, size_t nb, yfx *below, yfx m)
{
    yfx cum = *below;
    size_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        yfx g = 0;
        for (size_t q = 0; q < 16; q++) g += hist[b + q];
        if (cum + g > m) break;
        cum += g;
    }
    /* An empty bucket is never the answer: with m < 0 (kappa above the
     * voters' total) every bucket "exceeds" m, and the answer is the
     * smallest score present. */
    for (; b < nb; b++) {
        if (hist[b] != 0 && cum + hist[b] > m) break;
        cum += hist[b];
    }
    *below = cum;
    return b;
}

/* Keeps the keys whose score lies in [lo, hi] (branch-free; in place when
 * out == key). */
static size_t keep_range(const uint64_t *key, size_t cnt, uint64_t lo, uint64_t hi, uint64_t *out)
{
    size_t w = 0;
    for (size_t k = 0; k < cnt; k++) {
        uint64_t s = score1(key[k]);
        out[w] = key[k];
        w += (s - lo) <= (hi - lo);
    }
    return w;
}

/* The zero-score voters form one group below every listed score: the
 * answer is 0 when their stake alone exceeds m, otherwise the search goes
 * on among the listed scores with m reduced by that stake. Returns false
 * for the answer 0. */
static bool rest_after_zeros(const yq_voters *v, size_t count, yfx listed, yfx *rest)
{
    yfx zero_mass = v->sigma - listed;
    bool has_zero = count < v->voters;
    if (has_zero && zero_mass > v->m) return false;
    *rest = has_zero ? v->m - zero_mass : v->m;
    return true;
}

/* No score reaches the mass: the answer is the largest score. */
static yfx max_score(const uint64_t *key, size_t cnt)
{
    uint64_t m = 0;
    for (size_t k = 0; k < cnt; k++)
        if (score1(key[k]) > m) m = score1(key[k]);
    return (yfx)(m + 1);
}

/* A short list, already in tmp: sorted and scanned. */
static yfx column_small(uint64_t *tmp, size_t count, const yq_voters *v)
{
    yfx listed = 0, rest;
    for (size_t k = 0; k < count; k++) listed += v->stake[voter(tmp[k])];
    if (!rest_after_zeros(v, count, listed, &rest)) return 0;
    return select_sorted(tmp, count, v->stake, 0, rest);
}

/* The levels after the first: the answer lies in [lo, hi], whose keys are
 * tmp[0 .. count), and below is the stake of every score under lo. Each
 * level keeps the first bucket whose cumulative stake exceeds rest; such a
 * bucket exists because the previous level chose [lo, hi] that way. */
static yfx refine(uint64_t *tmp, size_t count, uint64_t lo, uint64_t hi, yfx below, yfx rest,
                  const yq_voters *v, yfx *hist)
{
    for (;;) {
        if (count <= SMALL_LIST) return select_sorted(tmp, count, v->stake, below, rest);
        uint32_t shift = bucket_shift(hi - lo, count);
        size_t nb = (size_t)((hi - lo) >> shift) + 1;
        memset(hist, 0, nb * sizeof *hist);
        fill_hist(tmp, count, lo, shift, v->stake, hist);
        size_t b = find_bucket(hist, nb, &below, rest);
        if (b == nb) return max_score(tmp, count); /* unreachable, see above */
        uint64_t nlo = lo + ((uint64_t)b << shift);
        uint64_t nhi = nlo + (((uint64_t)1 << shift) - 1);
        if (nhi > hi) nhi = hi;
        if (nlo == nhi) return (yfx)(nlo + 1);
        count = keep_range(tmp, count, nlo, nhi, tmp);
        lo = nlo;
        hi = nhi;
    }
}

/* First-level bucket bounds: the scores (minus 1) in [0, max1]. */
static size_t first_level(uint32_t max1, size_t count, uint32_t *shift)
{
    *shift = bucket_shift(max1, count);
    return (size_t)(max1 >> *shift) + 1;
}

/* The chosen first-level bucket as a score range; false when it is one
 * score, *answer. */
static bool bucket_range(size_t b, uint32_t shift, uint32_t max1, uint64_t *lo, uint64_t *hi, yfx *answer)
{
    *lo = (uint64_t)b << shift;
    *hi = *lo + (((uint64_t)1 << shift) - 1);
    if (*hi > max1) *hi = max1;
    *answer = (yfx)(*lo + 1);
    return *lo != *hi;
}

yfx yq_column(const uint64_t *key, size_t count, uint32_t max1, const yq_voters *v,
              yq_scratch *s)
{
    if (count == 0) return 0;
    if (count <= SMALL_LIST) {
        memcpy(s->tmp, key, count * sizeof *key);
        return column_small(s->tmp, count, v);
    }
    uint32_t shift;
    size_t nb = first_level(max1, count, &shift);
    memset(s->hist, 0, nb * sizeof *s->hist);
    fill_hist(key, count, 0, shift, v->stake, s->hist);
    yfx listed = 0, rest, below = 0, answer;
    for (size_t b = 0; b < nb; b++) listed += s->hist[b];
    if (!rest_after_zeros(v, count, listed, &rest)) return 0;
    size_t b = find_bucket(s->hist, nb, &below, rest);
    if (b == nb) return max_score(key, count);
    uint64_t lo, hi;
    if (!bucket_range(b, shift, max1, &lo, &hi, &answer)) return answer;
    count = keep_range(key, count, lo, hi, s->tmp);
    return refine(s->tmp, count, lo, hi, below, rest, v, s->hist);
}

/* One column of a group while its first level runs: its histogram, and
 * for every bucket the list of the slots in it (head, next), so that the
 * keys of the chosen bucket are found without another pass. */
typedef struct {
    uint32_t shift;
    size_t nb;
    yfx *hist;
    uint32_t *head, *next;
    uint64_t *tmp;
    uint64_t lo, hi;
    yfx rest, below;
    size_t bucket;
    bool open;          /* still searching at the first level */
} group_col;

#define NO_SLOT UINT32_MAX

/* A column of the group with few positive weights: listed and sorted. */
static yfx dense_small(const uint64_t *w, size_t stride, const uint32_t *vid, size_t slots,
                       const yq_voters *v, uint64_t *tmp)
{
    size_t k = 0;
    for (size_t q = 0; q < slots; q++)
        if (w[q * stride]) tmp[k++] = YQ_KEY(w[q * stride], vid[q]);
    return column_small(tmp, k, v);
}

/* The first level's histogram and bucket lists of one column. The group's
 * columns share their cache lines (slot q's weights lie together), so
 * after the first column's pass the others read from L1; each column's
 * loop keeps its few pointers in registers. Slots scoring 0 go to an extra
 * bucket past the last (nb, never searched) instead of a branch, which
 * sparse columns would mispredict half of the time. */
static void dense_fill(const uint64_t *w, size_t stride, const yfx *slot_stake, size_t slots,
                       group_col *c)
{
    yfx *hist = c->hist;
    uint32_t *head = c->head, *next = c->next, shift = c->shift;
    size_t zero = c->nb;
    for (size_t q = 0; q < slots; q++) {
        uint64_t x = w[q * stride];
        size_t b = x ? (size_t)((x - 1) >> shift) : zero;
        hist[b] += slot_stake[q];
        next[q] = head[b];
        head[b] = (uint32_t)q;
    }
}

/* The largest score of a column (when no score reaches the mass). */
static yfx dense_top(const uint64_t *w, size_t stride, size_t slots)
{
    uint64_t top = 0;
    for (size_t q = 0; q < slots; q++) top = w[q * stride] > top ? w[q * stride] : top;
    return (yfx)top;
}

/* The keys of the chosen bucket (slot order does not matter: the rest of
 * the search sorts or sums). */
static size_t dense_keep(const uint64_t *w, size_t stride, const uint32_t *vid, const group_col *c)
{
    size_t k = 0;
    for (uint32_t q = c->head[c->bucket]; q != NO_SLOT; q = c->next[q])
        c->tmp[k++] = YQ_KEY(w[(size_t)q * stride], vid[q]);
    return k;
}

/* The first level of a full group of open columns at once, without the
 * bucket lists: the vector kernel writes every slot's eight bucket offsets
 * (idx), each slot's stake is added to its eight buckets (distinct
 * histograms, so one slot's adds never meet), and once each column has
 * chosen its bucket one pass over idx collects the chosen buckets' keys.
 * This costs about a third of dense_fill's work per weight. The keys come
 * in slot order rather than the lists' reverse order, which changes
 * nothing: the rest of the search sorts or sums them. */
static void group_hist(const uint64_t *w, size_t stride, const yfx *slot_stake, size_t slots,
                       const yq_group_scratch *s, const group_col *g)
{
    uint64_t shift[YQ_GROUP], zero[YQ_GROUP];
    for (size_t l = 0; l < YQ_GROUP; l++) {
        shift[l] = g[l].shift;
        zero[l] = g[l].nb;
    }
    s->buckets(w, stride, slots, shift, zero, s->idx);
    yfx *restrict hist = s->hist;
    const uint16_t *restrict idx = s->idx;
    for (size_t q = 0; q < slots; q++, idx += YQ_GROUP) {
        yfx st = slot_stake[q];
        for (size_t l = 0; l < YQ_GROUP; l++) hist[idx[l]] += st;
    }
}

/* The keys of each column's chosen bucket, offset want[l] (UINT16_MAX: a
 * column that needs none) into its tmp; kept[l] gets their number. Few
 * slots match, so a slot is first tested against all eight at once; with
 * a `matches` kernel, four slots at once, and the hits are listed in
 * `next` (unused by a grouped first level) before their keys are read. */
static void group_keep(const uint64_t *w, size_t stride, const uint32_t *vid, size_t slots,
                       const yq_group_scratch *s, const uint16_t *want, const group_col *g,
                       size_t *kept)
{
    for (size_t l = 0; l < YQ_GROUP; l++) kept[l] = 0;
    if (s->matches) {
        size_t hits = s->matches(s->idx, slots, want, s->next);
        for (size_t h = 0; h < hits; h++) {
            size_t q = s->next[h] / YQ_GROUP, l = s->next[h] % YQ_GROUP;
            g[l].tmp[kept[l]++] = YQ_KEY(w[q * stride + l], vid[q]);
        }
        return;
    }
    typedef uint16_t v8 __attribute__((vector_size(16))); /* one SSE2 register */
    v8 c;
    memcpy(&c, want, sizeof c);
    for (size_t q = 0; q < slots; q++) {
        v8 x, eq;
        memcpy(&x, s->idx + q * YQ_GROUP, sizeof x);
        eq = (v8)(x == c);
        uint64_t any[2];
        memcpy(any, &eq, sizeof any);
        if (!(any[0] | any[1])) continue;
        /* one bit per matching lane: lane l of a half at bit 16 * (l % 4) */
        for (size_t h = 0; h < 2; h++) {
            for (uint64_t m = any[h] & 0x0001000100010001ull; m; m &= m - 1) {
                size_t l = h * 4 + (size_t)__builtin_ctzll(m) / 16;
                g[l].tmp[kept[l]++] = YQ_KEY(w[q * stride + l], vid[q]);
            }
        }
    }
}

void yq_columns_dense(const uint64_t *w, size_t stride, size_t cols, const uint32_t *vid,
                      const yfx *slot_stake, size_t slots, const size_t *count, uint32_t max1,
                      const yq_voters *v, const yq_group_scratch *s, yfx *out)
{
    group_col g[YQ_GROUP];
    size_t opened = 0;
    for (size_t l = 0; l < cols; l++) {
        g[l] = (group_col){.hist = s->hist + l * YQ_HSTRIDE,
                           .head = s->head + l * YQ_HSTRIDE,
                           .next = s->next + l * slots,
                           .tmp = s->tmp + l * slots};
        out[l] = 0;
        if (count[l] == 0) continue;
        if (count[l] <= SMALL_LIST) {
            out[l] = dense_small(w + l, stride, vid, slots, v, g[l].tmp);
            continue;
        }
        g[l].open = true;
        opened++;
        g[l].nb = first_level(max1, count[l], &g[l].shift);
        memset(g[l].hist, 0, (g[l].nb + 1) * sizeof(yfx)); /* + 1: the zero bucket */
    }
    if (opened == 0) return;
    bool grouped = opened == YQ_GROUP && s->buckets;
    if (grouped) group_hist(w, stride, slot_stake, slots, s, g);
    /* The stake of the slots' positive weights: all of it but the zero
     * bucket's (exact integer sums, no need to add the nb buckets). */
    yfx slot_total = 0;
    for (size_t q = 0; q < slots; q++) slot_total += slot_stake[q];
    uint16_t want[YQ_GROUP];
    for (size_t l = 0; l < YQ_GROUP; l++) want[l] = UINT16_MAX;
    for (size_t l = 0; l < cols; l++) {
        if (!g[l].open) continue;
        group_col *c = &g[l];
        if (!grouped) {
            memset(c->head, 0xff, (c->nb + 1) * sizeof(uint32_t)); /* NO_SLOT */
            dense_fill(w + l, stride, slot_stake, slots, c);
        }
        yfx listed = slot_total - c->hist[c->nb], answer;
        c->open = false;
        if (!rest_after_zeros(v, count[l], listed, &c->rest)) continue; /* 0 */
        size_t b = find_bucket(c->hist, c->nb, &c->below, c->rest);
        if (b == c->nb) {
            out[l] = dense_top(w + l, stride, slots);
            continue;
        }
        if (!bucket_range(b, c->shift, max1, &c->lo, &c->hi, &answer)) {
            out[l] = answer;
            continue;
        }
        c->bucket = b;
        c->open = true; /* refined below */
        want[l] = (uint16_t)(l * YQ_HSTRIDE + b);
    }
    size_t kept[YQ_GROUP];
    if (grouped) group_keep(w, stride, vid, slots, s, want, g, kept);
    for (size_t l = 0; l < cols; l++) {
        group_col *c = &g[l];
        if (!c->open) continue;
        if (!grouped) kept[l] = dense_keep(w + l, stride, vid, c);
        out[l] = refine(c->tmp, kept[l], c->lo, c->hi, c->below, c->rest, v, c->hist);
    }
}
