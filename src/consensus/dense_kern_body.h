/*
 * dense_kern_body.h - the dense layout's per-cell arithmetic (dense_kern.h),
 * eight cells at a time; included once by each file that instantiates
 * the kernels for an instruction set (dense_kern.c, dense_kern_avx2.c,
 * dense_kern_avx512.c), never elsewhere.
 *
 * The kernels are written once with GCC/Clang vector extensions (vu: eight
 * u64 lanes) and compiled once per instruction set, each file with its own
 * flags (CMakeLists.txt), so the compiler lowers the same integer
 * operations to each. Where the compiler's lowering of a generic form is
 * poor, a helper has an AVX-512 form with the same result in every lane
 * (KERN_AVX512): a compare turned into a vector of -1 and subtracted costs
 * three instructions where a masked add costs two, min/max through a
 * select three where vpminuq/vpmaxuq is one, and GCC 12 multiplies masked
 * 32-bit halves with the 64-bit vpmullq instead of vpmuludq. Those forms
 * took about a fifth off the bond EMA and dividend sweep at n = 4096
 * (docs/PERFORMANCE.md).
 *
 * Why each formula is the epoch's exact value (a, b <= 2^32 are I32F32
 * raws of shares, weights or alpha; see epoch_internal.h for the scalar
 * forms):
 *  - division: divide.h's proof, with the narrow and wide estimates written
 *    as one: hi64((a << z) * f) = floor(a * f / 2^L), z = 64 - L, and
 *    a << z < 2^64 because a <= d < 2^L; f <= 2^33, so the 64 x 64 high
 *    product is assembled from 32-bit halves without overflow (mulhi).
 *  - mul_unit(a, b) = floor(a * b / 2^32): with a < 2^32 the product of
 *    a and b <= 2^32 fits 64 bits; a = 2^32 gives b.
 *  - clipping: max(clip_value(w, C), 0) = min(C, w) (the dropped case is
 *    C = 0), which is what trust, rank and BETA_ONE's weight for bonds use.
 *  - BETA_MID: sat_add(w, mul(beta, min(C, w) - w)) with the difference
 *    d = w - min(C, w) in [0, 2^32] and 0 < beta < 2^32 is
 *    w - ceil(beta * d / 2^32), never negative, never saturating.
 *  - u16_proportion_to_fixed(b) = floor(b * 2^32 / 65535) = b * 65537 +
 *    (b == 65535), since 2^32 = 65535 * 65537 + 1.
 *  - fixed_proportion_to_u16(y) for y < 2^48: min(floor(y * 65535 / 2^32),
 *    65535).
 */
#ifndef YUMA_CONSENSUS_DENSE_KERN_BODY_H
#define YUMA_CONSENSUS_DENSE_KERN_BODY_H

#include "consensus/dense_kern.h"

#include <string.h>

#include "consensus/epoch_internal.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define KERN_AVX512 1
#else
#define KERN_AVX512 0
#endif

typedef uint64_t vu __attribute__((vector_size(64)));
typedef uint32_t vu32 __attribute__((vector_size(64))); /* sixteen u32 lanes */
typedef uint16_t vh16 __attribute__((vector_size(32))); /* sixteen u16 lanes */

#define LANES 8
_Static_assert(LANES == YQ_GROUP, "a slot's group of columns is one vector");
#define M32 0xffffffffull
#define UNIT ((uint64_t)1 << 32)
#define INLINE static inline __attribute__((always_inline))

/* The instances (dense_kern.c, dense_kern_avx2.c, dense_kern_avx512.c). */
extern const dense_kernels dense_kernels_base, dense_kernels_avx2, dense_kernels_avx512;

INLINE void ld(vu *r, const uint64_t *p)
{
    memcpy(r, p, sizeof *r);
}

INLINE void st(uint64_t *p, const vu *r)
{
    memcpy(p, r, sizeof *r);
}

INLINE void ld16(vu *r, const uint16_t *p)
{
    for (int l = 0; l < LANES; l++) (*r)[l] = p[l];
}

INLINE void splat(vu *r, uint64_t x)
{
    for (int l = 0; l < LANES; l++) (*r)[l] = x;
}

INLINE void vmin(vu *r, const vu *a, const vu *b)
{
#if KERN_AVX512
    *r = (vu)_mm512_min_epu64((__m512i)*a, (__m512i)*b);
#else
    vu m = (vu)(*a < *b);
    *r = (*a & m) | (*b & ~m);
#endif
}

INLINE void vmax(vu *r, const vu *a, const vu *b)
{
#if KERN_AVX512
    *r = (vu)_mm512_max_epu64((__m512i)*a, (__m512i)*b);
#else
    vu m = (vu)(*a > *b);
    *r = (*a & m) | (*b & ~m);
#endif
}

INLINE uint64_t hsum(const vu *a)
{
    uint64_t s = 0;
    for (int l = 0; l < LANES; l++) s += (*a)[l];
    return s;
}

/* The product of the low 32 bits of each lane's a and b. */
INLINE void mul32(vu *r, const vu *a, const vu *b)
{
#if KERN_AVX512
    *r = (vu)_mm512_mul_epu32((__m512i)*a, (__m512i)*b);
#else
    *r = (*a & M32) * (*b & M32);
#endif
}

/* q + 1 in the lanes where x >= y. */
INLINE void inc_if_ge(vu *q, const vu *x, const vu *y)
{
#if KERN_AVX512
    __mmask8 k = _mm512_cmpge_epu64_mask((__m512i)*x, (__m512i)*y);
    *q = (vu)_mm512_mask_sub_epi64((__m512i)*q, k, (__m512i)*q, _mm512_set1_epi64(-1));
#else
    *q -= (vu)(*x >= *y); /* a true compare is -1 */
#endif
}

/* hi64(a * f) for f < 2^34, from 32-bit halves: a*f = ah*fh*2^64 +
 * (ah*fl + al*fh)*2^32 + al*fl; mid = ah*fl + hi32(al*fl) < 2^64. */
INLINE void mulhi(vu *r, const vu *a, const vu *f)
{
    vu ah = *a >> 32, fh = *f >> 32, hl, ll, hh, lh;
    mul32(&hl, &ah, f);
    mul32(&ll, a, f);
    mul32(&hh, &ah, &fh);
    mul32(&lh, a, &fh);
    vu mid = hl + (ll >> 32);
    *r = hh + (mid >> 32) + (((mid & M32) + lh) >> 32);
}

/* floor(a * 2^32 / d) for 0 <= a <= d < 2^63 (divide.h). */
INLINE void vdiv(vu *q, const vu *a, const vu *f, const vu *z, const vu *d)
{
    vu s = *a << *z;
    mulhi(q, &s, f);
    vu rho = (*a << 32) - *q * *d; /* the true remainder, in [0, 2d) */
    inc_if_ge(q, &rho, d);
}

/* The same for d < 2^32, whose reciprocal is divide.h's narrow one,
 * f = floor((2^(32+L) - 1) / d) with 2^(L-1) <= d < 2^L: then
 * 2^32 <= f < 2^33 (d = 2^L - 1 gives at least 2^32, d = 2^(L-1) gives
 * 2^33 - 1), so a * f = a * fl + (a << 32) with fl = f - 2^32 (passed
 * here), and a * f < 2^64 (divide.h). a <= d and fl are below 2^32, so
 * a * fl is one 32 x 32 product (mul32).
 * The estimate is shifted right by L = 64 - z; e <= 2^32 and d < 2^32
 * make e * d < 2^64 one 64-bit product. */
INLINE void vdiv_narrow(vu *q, const vu *a, const vu *fl, const vu *len, const vu *d)
{
    vu a32 = *a << 32;
    vu e;
    mul32(&e, a, fl);
    e = (e + a32) >> *len;
    vu rho = a32 - e * *d;
    inc_if_ge(&e, &rho, d);
    *q = e;
}

/* Lanes' divisors from a block's arrays: the narrow form when the whole
 * block allows it (`narrow`, which the caller passes as k->narrow or as a
 * constant it has checked: every d < 2^32; z then holds L). */
INLINE void vdiv_at(vu *q, const vu *a, const kcols *k, int g, bool narrow)
{
    vu vf, vz, vd;
    ld(&vf, k->f + g);
    ld(&vz, k->z + g);
    ld(&vd, k->d + g);
    if (narrow) vdiv_narrow(q, a, &vf, &vz, &vd);
    else vdiv(q, a, &vf, &vz, &vd);
}

/* mul_unit(a, b) for one a <= 2^32 and lanes b <= 2^32. */
INLINE void mul_unit_s(vu *r, uint64_t a, const vu *b)
{
    if (a >= UNIT) *r = *b;
    else *r = (*b * a) >> 32;
}

/* mul_unit(a, b) for lanes a, b <= 2^32: with b = 2^32 the product is a,
 * with a = 2^32 it is b. */
INLINE void mul_unit_v(vu *r, const vu *a, const vu *b)
{
    vu p;
    mul32(&p, a, b);
    p >>= 32;
    vu bh = -(*b >> 32), ah = -(*a >> 32);
    p += *a & bh & ~ah;
    *r = (p & ~ah) | (*b & ah);
}

/* The weight for bonds from w and cc = min(C, w) (see the top). */
INLINE void bond_x(vu *x, const vu *w, const vu *cc, const kconst *k)
{
    if (k->beta_mode == BETA_ZERO) {
        *x = *w;
    } else if (k->beta_mode == BETA_ONE) {
        *x = *cc;
    } else {
        vu p = (*w - *cc) * k->beta;
        *x = *w - ((p + (UNIT - 1)) >> 32);
    }
}

/* fixed_proportion_to_u16 of lanes y < 2^48, stored as u16. */
INLINE void store_u16_prop(uint16_t *s, const vu *y)
{
    vu v = ((*y << 16) - *y) >> 32, cap;
    splat(&cap, 65535);
    vmin(&v, &v, &cap);
    for (int l = 0; l < LANES; l++) s[l] = (uint16_t)v[l];
}

/* A weight row's divisor (its u16 sum, below 2^31: always narrow). */
INLINE void row_divisor(const kdiv *rd, vu *fl, vu *len, vu *d)
{
    splat(fl, rd->f & M32);
    splat(len, 64 - rd->z);
    splat(d, rd->d);
}

/* A row's columns (the low halves of its entries read as u32 words, on a
 * little-endian machine) checked sixteen at a time: each against n, and
 * against the column before it. */
INLINE bool row_check_impl(const yuma_entry *e, size_t len, uint32_t n, bool *unsorted)
{
    const unsigned char *p = (const unsigned char *)e;
    uint32_t bad = 0, down = 0;
    size_t k = 1;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    vu32 vbad = {0}, vdown = {0}, lim;
    for (int l = 0; l < 16; l++) lim[l] = n;
    for (; k + 16 <= len; k += 16) {
        vu32 cur, prev;
        /* The weights arrive cold (the epoch's other data evict them);
         * asking for them a quarter of a full row (4 KiB) ahead saves
         * about a tenth of the load pass at n = 4096. (The address is
         * formed as an integer: past the last row it points nowhere,
         * which a prefetch ignores.) */
        __builtin_prefetch((const void *)((uintptr_t)p + 4 * k + 4096));
        memcpy(&cur, p + 4 * k, sizeof cur);
        memcpy(&prev, p + 4 * (k - 1), sizeof prev);
        cur &= 0xffff;
        prev &= 0xffff;
        vbad |= (vu32)(cur >= lim);
        vdown |= (vu32)(cur <= prev);
    }
    for (int l = 0; l < 16; l++) {
        bad |= vbad[l];
        down |= vdown[l];
    }
#endif
    if (len) bad |= e[0].uid >= n;
    for (; k < len; k++) {
        bad |= e[k].uid >= n;
        down |= e[k].uid <= e[k - 1].uid;
    }
    *unsorted = down != 0;
    return bad == 0;
}

/* The row helpers read and write yuma_entry as u32 words (column in the
 * low half on a little-endian machine); elsewhere they use the fields. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ENTRY_WORDS 1
#else
#define ENTRY_WORDS 0
#endif

INLINE bool copy_block_impl(const yuma_entry *e, uint32_t j0, uint16_t *seg, uint64_t *sum)
{
    uint32_t bad = 0;
    vu32 acc = {0};
    if (ENTRY_WORDS) {
        vu32 col, wrong = {0};
        for (int l = 0; l < 16; l++) col[l] = j0 + (uint32_t)l;
        for (int g = 0; g < DB; g += 16, col += 16) {
            vu32 x;
            memcpy(&x, e + g, sizeof x);
            wrong |= (x & 0xffff) ^ col;
            x >>= 16;
            acc += x;
            vh16 h = __builtin_convertvector(x, vh16);
            memcpy(seg + g, &h, sizeof h);
        }
        for (int l = 0; l < 16; l++) bad |= wrong[l];
    } else {
        for (int jj = 0; jj < DB; jj++) {
            bad |= e[jj].uid ^ (j0 + (uint32_t)jj);
            seg[jj] = e[jj].value;
            acc[0] += e[jj].value;
        }
    }
    uint64_t t = 0;
    for (int l = 0; l < 16; l++) t += acc[l]; /* 64 values of 16 bits: no overflow */
    *sum = t;
    return bad == 0;
}

INLINE size_t narrow_row_impl(uint32_t *buf, uint32_t blocks, uint16_t *dst, size_t tile,
                              uint64_t *sum)
{
    /* A lane adds one value below 2^16 per 16 cells, at most 4096 of them
     * (n <= 2^16): below 2^28, so u32 lanes cannot overflow. */
    vu32 marks = {0}, vals = {0};
    for (uint32_t bk = 0; bk < blocks; bk++) {
        uint32_t *src = buf + (size_t)bk * DB;
        uint16_t *seg = dst ? dst + (size_t)bk * tile : NULL;
        for (int g = 0; g < DB; g += 16) {
            vu32 x, zero = {0};
            memcpy(&x, src + g, sizeof x);
            memcpy(src + g, &zero, sizeof zero);
            marks += x >> 16;
            vals += x & 0xffff;
            if (seg) {
                vh16 h = __builtin_convertvector(x, vh16);
                memcpy(seg + g, &h, sizeof h);
            }
        }
    }
    size_t t = 0;
    uint64_t v = 0;
    for (int l = 0; l < 16; l++) {
        t += marks[l];
        v += vals[l];
    }
    *sum = v;
    return t;
}

INLINE void add_row_impl(const uint16_t *src, uint32_t blocks, size_t tile, uint64_t *sums)
{
    for (uint32_t bk = 0; bk < blocks; bk++) {
        const uint16_t *seg = src + (size_t)bk * tile;
        uint64_t *s = sums + (size_t)bk * DB;
        for (int g = 0; g < DB; g += LANES) {
            vu a, acc;
            ld16(&a, seg + g);
            ld(&acc, s + g);
            acc += a;
            st(s + g, &acc);
        }
    }
}

INLINE void emit_full_impl(uint32_t j0, const uint16_t *s, yuma_entry *o)
{
    if (ENTRY_WORDS) {
        vu32 col;
        for (int l = 0; l < 16; l++) col[l] = j0 + (uint32_t)l;
        for (int g = 0; g < DB; g += 16, col += 16) {
            vh16 h;
            memcpy(&h, s + g, sizeof h);
            vu32 x = col | __builtin_convertvector(h, vu32) << 16;
            memcpy(o + g, &x, sizeof x);
        }
    } else {
        for (int jj = 0; jj < DB; jj++) o[jj] = (yuma_entry){(uint16_t)(j0 + (uint32_t)jj), s[jj]};
    }
}

INLINE void weights_row(const uint16_t *v, const kdiv *rd, uint64_t *w, uint64_t *count, vu *top)
{
    vu f, len, d;
    row_divisor(rd, &f, &len, &d);
    for (int g = 0; g < DB; g += LANES) {
        vu a, q, cnt;
        ld16(&a, v + g);
        vdiv_narrow(&q, &a, &f, &len, &d);
        st(w + g, &q);
        vmax(top, top, &q);
        ld(&cnt, count + g);
        cnt -= (vu)(q != 0);
        st(count + g, &cnt);
    }
}

INLINE uint64_t weights_impl(const uint16_t *v, const uint32_t *vrow, size_t nv, const kdiv *rd,
                             uint64_t *w, uint64_t *count)
{
    vu top = {0};
    for (size_t q = 0; q < nv; q++) weights_row(v + (size_t)vrow[q] * DB, &rd[vrow[q]], w + q * DB, count, &top);
    uint64_t m = 0;
    for (int l = 0; l < LANES; l++) m = top[l] > m ? top[l] : m;
    return m;
}

INLINE void rank_row(const uint64_t *w, uint64_t as, const kblock *b, const kconst *k,
                     uint64_t *rank, uint64_t *dsum)
{
    for (int g = 0; g < DB; g += LANES) {
        vu vw, c, cc, x, r, ds, acc;
        ld(&vw, w + g);
        ld(&c, b->c + g);
        vmin(&cc, &c, &vw);
        bond_x(&x, &vw, &cc, k);
        mul_unit_s(&r, as, &cc);
        mul_unit_s(&ds, as, &x);
        ld(&acc, rank + g);
        acc += r;
        st(rank + g, &acc);
        ld(&acc, dsum + g);
        acc += ds;
        st(dsum + g, &acc);
    }
}

INLINE void rank_impl(const uint64_t *w, size_t nv, const uint64_t *as, const kblock *b,
                      const kconst *k, uint64_t *rank, uint64_t *dsum)
{
    for (size_t q = 0; q < nv; q++) rank_row(w + q * DB, as[q], b, k, rank, dsum);
}

/* Every slot's bucket offsets in YQ_GROUP = LANES columns (quantile.h):
 * lane l of slot q is column l, so one vector holds a slot's eight. */
INLINE void buckets_impl(const uint64_t *w, size_t stride, size_t slots, const uint64_t *shift,
                         const uint64_t *zero, uint16_t *idx)
{
    typedef uint16_t vu16x8 __attribute__((vector_size(16)));
    vu sh, base, z;
    ld(&sh, shift);
    ld(&z, zero);
    for (int l = 0; l < LANES; l++) base[l] = (uint64_t)l * YQ_HSTRIDE;
    z += base;
    for (size_t q = 0; q < slots; q++) {
        vu x, nz;
        ld(&x, w + q * stride);
        nz = (vu)(x != 0);
        vu b = base + ((x - 1) >> sh);
        b = (b & nz) | (z & ~nz);
        vu16x8 o = __builtin_convertvector(b, vu16x8);
        memcpy(idx + q * LANES, &o, sizeof o);
    }
}

/* The entries of idx equal to their lane's want (quantile.h,
 * yq_match_fn): AVX-512 compares four slots (32 offsets) at once and
 * walks the few set bits of the mask; the generic form one entry at a
 * time. */
INLINE size_t matches_impl(const uint16_t *idx, size_t slots, const uint16_t *want, uint32_t *hit)
{
    size_t n = 0, q = 0;
#if KERN_AVX512
    __m128i w8 = _mm_loadu_si128((const __m128i *)want);
    __m512i w32 = _mm512_broadcast_i32x4(w8);
    for (; q + 4 <= slots; q += 4) {
        __m512i x = _mm512_loadu_si512((const void *)(idx + q * LANES));
        for (__mmask32 m = _mm512_cmpeq_epi16_mask(x, w32); m; m &= m - 1)
            hit[n++] = (uint32_t)(q * LANES) + (uint32_t)__builtin_ctz(m);
    }
#endif
    for (; q < slots; q++)
        for (int l = 0; l < LANES; l++)
            if (idx[q * LANES + (size_t)l] == want[l]) hit[n++] = (uint32_t)(q * LANES) + (uint32_t)l;
    return n;
}

/* The kernels' configuration: the epoch's (YC2 or YC3, beta) and the
 * block's (which divisors are narrow). The bodies take it as parameters so
 * that the dispatchers below can pass constants for the common cases and
 * let the compiler drop every branch on it from the loops. */
typedef struct {
    bool yc2;
    int beta;
    bool db_narrow, b_narrow, b_exact, e_narrow, m_narrow;
    bool inc_small; /* every incentive of the block below 2^32 */
} kmode;

/* The stored bond's term: YC2 column-normalised, YC3 as a proportion. */
INLINE void old_value(vu *o, const uint16_t *bv, int g, const kblock *b, kmode m)
{
    vu bb;
    ld16(&bb, bv + g);
    if (!m.yc2) {
        *o = bb * 65537 - (vu)(bb == 65535);
    } else if (m.b_exact) {
        vdiv_at(o, &bb, &b->b, g, m.b_narrow);
    } else {
        vu s = bb << 32;
        vdiv_at(o, &s, &b->b, g, m.b_narrow);
    }
}

INLINE uint64_t ema_body(const uint16_t *v, const uint16_t *bv, const kdiv *rd, uint64_t as,
                         const kblock *b, const kconst *k, uint64_t *e, uint64_t *sum, uint64_t *max,
                         kmode m)
{
    vu f, len, d, trust = {0};
    kconst kk = *k;
    kk.beta_mode = m.beta;
    row_divisor(rd, &f, &len, &d);
    for (int g = 0; g < DB; g += LANES) {
        vu a, w, c, cc, x, fresh, old, o, acc;
        ld16(&a, v + g);
        vdiv_narrow(&w, &a, &f, &len, &d);
        ld(&c, b->c + g);
        vmin(&cc, &c, &w);
        trust += cc;
        bond_x(&x, &w, &cc, &kk);
        if (m.yc2) {
            vu dlt, q;
            mul_unit_s(&dlt, as, &x);
            vdiv_at(&q, &dlt, &b->db, g, m.db_narrow);
            mul_unit_s(&fresh, k->alpha, &q);
        } else {
            mul_unit_s(&fresh, k->alpha, &x);
        }
        old_value(&o, bv, g, b, m);
        mul_unit_s(&old, k->keep, &o);
        fresh += old;
        st(e + g, &fresh);
        ld(&acc, sum + g);
        acc += fresh;
        st(sum + g, &acc);
        if (!m.yc2) continue; /* the column maximum serves only YC2's stored bonds */
        ld(&acc, max + g);
        vmax(&acc, &acc, &fresh);
        st(max + g, &acc);
    }
    return hsum(&trust);
}

INLINE void ema_rows(const uint16_t *v, const uint16_t *bv, size_t rows, const kdiv *rd,
                     const uint64_t *as, const kblock *b, const kconst *k, uint64_t *e, uint64_t *sum,
                     uint64_t *max, uint64_t *trust, kmode m)
{
    for (size_t r = 0; r < rows; r++)
        trust[r] += ema_body(v + r * DB, bv + r * DB, &rd[r], as[r], b, k, e + r * DB, sum, max, m);
}

INLINE void ema_impl(const uint16_t *v, const uint16_t *bv, size_t rows, const kdiv *rd,
                     const uint64_t *as, const kblock *b, const kconst *k, uint64_t *e, uint64_t *sum,
                     uint64_t *max, uint64_t *trust)
{
    kmode m = {k->yc2, k->beta_mode, b->db.narrow, b->b.narrow, k->b_exact, false, false, false};
    if (m.yc2 && m.beta == BETA_ONE && m.db_narrow && m.b_narrow && m.b_exact)
        ema_rows(v, bv, rows, rd, as, b, k, e, sum, max, trust,
                 (kmode){true, BETA_ONE, true, true, true, false, false, false});
    else if (!m.yc2 && m.beta == BETA_ONE)
        ema_rows(v, bv, rows, rd, as, b, k, e, sum, max, trust,
                 (kmode){false, BETA_ONE, false, false, false, false, false, false});
    else
        ema_rows(v, bv, rows, rd, as, b, k, e, sum, max, trust, m);
}

INLINE uint64_t dividend_body(const uint64_t *e, const kblock *b, uint16_t *s, uint64_t *bits,
                              kmode m)
{
    vu total = {0}, present = {0}, lane_bit;
    for (int l = 0; l < LANES; l++) lane_bit[l] = (uint64_t)1 << l;
    for (int g = 0; g < DB; g += LANES) {
        vu ev, en, inc, t;
        ld(&ev, e + g);
        vdiv_at(&en, &ev, &b->e, g, m.e_narrow);
        ld(&inc, b->inc + g);
        if (m.inc_small) t = (en * inc) >> 32; /* en <= 2^32, inc < 2^32: below 2^64 */
        else mul_unit_v(&t, &en, &inc);
        total += t;
        present |= (vu)(ev != 0) & (lane_bit << g);
        if (!s) continue;
        if (m.yc2) {
            vu y;
            vdiv_at(&y, &en, &b->m, g, m.m_narrow);
            store_u16_prop(s + g, &y);
        } else {
            store_u16_prop(s + g, &ev);
        }
    }
    uint64_t any = 0;
    for (int l = 0; l < LANES; l++) any |= present[l];
    *bits = any;
    return hsum(&total);
}

INLINE void dividend_rows(const uint64_t *e, size_t rows, const kblock *b, uint16_t *s,
                          const bool *stored, uint64_t *bits, size_t bstride, uint64_t *acc, kmode m)
{
    for (size_t r = 0; r < rows; r++)
        acc[r] += dividend_body(e + r * DB, b, stored[r] ? s + r * DB : NULL, bits + r * bstride, m);
}

INLINE void dividend_impl(const uint64_t *e, size_t rows, const kblock *b, const kconst *k, uint16_t *s,
                          const bool *stored, uint64_t *bits, size_t bstride, uint64_t *acc)
{
    kmode m = {k->yc2, k->beta_mode, false, false, false, b->e.narrow, b->m.narrow, b->inc_small};
    if (m.yc2 && m.e_narrow && m.m_narrow && m.inc_small)
        dividend_rows(e, rows, b, s, stored, bits, bstride, acc,
                      (kmode){true, 0, false, false, false, true, true, true});
    else if (m.yc2 && !m.e_narrow && m.m_narrow && m.inc_small)
        dividend_rows(e, rows, b, s, stored, bits, bstride, acc,
                      (kmode){true, 0, false, false, false, false, true, true});
    else if (!m.yc2 && m.e_narrow && m.inc_small)
        dividend_rows(e, rows, b, s, stored, bits, bstride, acc,
                      (kmode){false, 0, false, false, false, true, false, true});
    else if (!m.yc2 && !m.e_narrow && m.inc_small)
        dividend_rows(e, rows, b, s, stored, bits, bstride, acc,
                      (kmode){false, 0, false, false, false, false, false, true});
    else
        dividend_rows(e, rows, b, s, stored, bits, bstride, acc, m);
}

#define DEFINE_KERNELS(name)                                                                      \
    static bool name##_copy_block(const yuma_entry *e, uint32_t j0, uint16_t *seg,           \
                                       uint64_t *sum)                                             \
    {                                                                                             \
        return copy_block_impl(e, j0, seg, sum);                                                  \
    }                                                                                             \
    static size_t name##_narrow_row(uint32_t *buf, uint32_t blocks, uint16_t *dst,           \
                                         size_t tile, uint64_t *sum)                              \
    {                                                                                             \
        return narrow_row_impl(buf, blocks, dst, tile, sum);                                      \
    }                                                                                             \
    static void name##_add_row(const uint16_t *src, uint32_t blocks, size_t tile,            \
                                    uint64_t *sums)                                               \
    {                                                                                             \
        add_row_impl(src, blocks, tile, sums);                                                    \
    }                                                                                             \
    static void name##_emit_full(uint32_t j0, const uint16_t *s, yuma_entry *o)              \
    {                                                                                             \
        emit_full_impl(j0, s, o);                                                                 \
    }                                                                                             \
    static bool name##_row_check(const yuma_entry *e, size_t len, uint32_t n, bool *unsorted) \
    {                                                                                             \
        return row_check_impl(e, len, n, unsorted);                                               \
    }                                                                                             \
    static uint64_t name##_weights(const uint16_t *v, const uint32_t *vrow, size_t nv, const kdiv *rd, \
                                   uint64_t *w, uint64_t *count)                                  \
    {                                                                                             \
        return weights_impl(v, vrow, nv, rd, w, count);                                           \
    }                                                                                             \
    static void name##_rank(const uint64_t *w, size_t nv, const uint64_t *as, const kblock *b,    \
                            const kconst *k, uint64_t *rank, uint64_t *dsum)                      \
    {                                                                                             \
        rank_impl(w, nv, as, b, k, rank, dsum);                                                   \
    }                                                                                             \
    static void name##_ema(const uint16_t *v, const uint16_t *bv, size_t rows, const kdiv *rd,    \
                           const uint64_t *as, const kblock *b, const kconst *k, uint64_t *e,     \
                           uint64_t *sum, uint64_t *max, uint64_t *trust)                         \
    {                                                                                             \
        ema_impl(v, bv, rows, rd, as, b, k, e, sum, max, trust);                                  \
    }                                                                                             \
    static void name##_dividend(const uint64_t *e, size_t rows, const kblock *b, const kconst *k, \
                                uint16_t *s, const bool *stored, uint64_t *bits, size_t bstride,  \
                                uint64_t *acc)                                                    \
    {                                                                                             \
        dividend_impl(e, rows, b, k, s, stored, bits, bstride, acc);                              \
    }                                                                                             \
    static void name##_buckets(const uint64_t *w, size_t stride, size_t slots,               \
                                    const uint64_t *shift, const uint64_t *zero, uint16_t *idx)   \
    {                                                                                             \
        buckets_impl(w, stride, slots, shift, zero, idx);                                         \
    }                                                                                             \
    static size_t name##_matches(const uint16_t *idx, size_t slots, const uint16_t *want,         \
                                 uint32_t *hit)                                                   \
    {                                                                                             \
        return matches_impl(idx, slots, want, hit);                                               \
    }                                                                                             \
    const dense_kernels dense_kernels_##name = {name##_row_check, name##_copy_block,              \
                                                 name##_narrow_row, name##_add_row,               \
                                                 name##_emit_full, name##_weights, name##_rank,   \
                                                 name##_ema, name##_dividend, name##_buckets,      \
                                                 name##_matches};

#endif
