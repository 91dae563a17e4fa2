/*
 * test_dense_kernels.c - every instance of the dense epoch kernels that
 * this build and CPU have (baseline, AVX2, AVX-512) gives the same bytes
 * as the baseline on the same inputs, kernel by kernel.
 *
 * test_epoch_layouts.c runs whole epochs through every instance (forced
 * with dense_kernels_force) against the sparse layout; here each kernel is
 * called directly on random inputs (edge values 0, 1, 2^32 - 1 and 2^32
 * mixed in, narrow and wide divisors, every beta regime, YC2 and YC3, row
 * divisors that are the row's own sum with rows of one or two values, so
 * that a weight equals its divisor), and every output buffer, count and
 * return value must match the baseline's. The inputs need not be a
 * consistent epoch: the instances run the same integer operations, so
 * they must agree on any input whose divisors are well formed (kdiv_of /
 * kcols_finish). Checked by hand to catch a wrong AVX-512 compare (>
 * instead of >=) in the division's correction and a wrong lane in the
 * bucket matches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/dense_kern.h"
#include "consensus/epoch_internal.h"

#define ROUNDS 300
#define MAX_ROWS 40
#define UNIT ((uint64_t)1 << 32)

static uint64_t state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 11;
}

static uint64_t below(uint64_t bound)
{
    return bound ? rnd() % bound : 0;
}

/* A value in [0, 2^32], the edges often. */
static uint64_t unit_value(void)
{
    switch (below(6)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return UNIT - 1;
    case 3: return UNIT;
    default: return below(UNIT + 1);
    }
}

static uint16_t u16_value(void)
{
    switch (below(5)) {
    case 0: return 0;
    case 1: return 65535;
    default: return (uint16_t)below(65536);
    }
}

/* The instances to compare with the baseline (others[0 .. n)). */
static const dense_kernels *base_k, *others[2];
static size_t n_others;

static int setup(void **unused)
{
    (void)unused;
    base_k = dense_kernels_named("base");
    const char *names[] = {"avx2", "avx512"};
    for (size_t i = 0; i < 2; i++) {
        const dense_kernels *k = dense_kernels_named(names[i]);
        if (k) others[n_others++] = k;
    }
    printf("comparing the baseline with %zu other instance(s)\n", n_others);
    return base_k ? 0 : -1;
}

static kdiv random_kdiv(bool narrow)
{
    uint64_t d = narrow ? 1 + below(UNIT - 1) : UNIT + below((uint64_t)1 << 62);
    ydiv r = ydiv_make(d);
    return kdiv_of(&r);
}

/* A block's divisors: all narrow, or (one time in three) some wide. */
static void random_cols(kcols *k)
{
    bool wide = below(3) == 0;
    for (uint32_t jj = 0; jj < DB; jj++) {
        uint64_t d = wide && below(2) ? UNIT + below((uint64_t)1 << 62) : 1 + below(UNIT - 1);
        ydiv r = ydiv_make(d);
        kcols_set(k, jj, &r);
    }
    kcols_finish(k);
}

static void random_block(kblock *b)
{
    memset(b, 0, sizeof *b);
    bool small = below(4) != 0;
    b->inc_small = true;
    for (uint32_t jj = 0; jj < DB; jj++) {
        b->c[jj] = unit_value();
        b->inc[jj] = small ? below(UNIT) : unit_value();
        b->inc_small &= b->inc[jj] < UNIT;
    }
    random_cols(&b->db);
    random_cols(&b->b);
    random_cols(&b->e);
    random_cols(&b->m);
}

static kconst random_const(void)
{
    uint64_t alpha = below(3) == 0 ? UNIT : below(UNIT);
    kconst k = {(int)below(3), 1 + below(UNIT - 1), alpha, UNIT - alpha, below(2) != 0, below(2) != 0};
    return k;
}

static void fill_u16(uint16_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = below(4) == 0 ? 0 : u16_value();
}

static void fill_unit(uint64_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = unit_value();
}

/* Row weight divisors: narrow, as a u16 row's sum always is; mostly the
 * row's own sum, as the epoch gives them, with some rows holding one
 * value (a weight equal to its divisor, the division's exact edge) or
 * two equal ones. */
static void fill_rowdiv(kdiv *rd, uint16_t *v, size_t rows)
{
    for (size_t r = 0; r < rows; r++) {
        uint16_t *row = v + r * DB;
        if (below(3) == 0) {
            rd[r] = random_kdiv(true);
            continue;
        }
        if (below(3) == 0) {
            memset(row, 0, DB * sizeof *row);
            uint16_t x = (uint16_t)(1 + below(65535));
            row[below(DB)] = x;
            if (below(2)) row[below(DB)] = x; /* possibly the same cell */
        }
        uint64_t sum = 0;
        for (size_t q = 0; q < DB; q++) sum += row[q];
        ydiv d = div_of_sum(sum);
        rd[r] = kdiv_of(&d);
    }
}

static void test_weights_and_rank(void **unused)
{
    (void)unused;
    static uint16_t v[MAX_ROWS * DB];
    static uint64_t w0[MAX_ROWS * DB], w1[MAX_ROWS * DB], as[MAX_ROWS];
    static uint64_t c0[DB], c1[DB], r0[DB], r1[DB], s0[DB], s1[DB];
    kdiv rd[MAX_ROWS];
    uint32_t vrow[MAX_ROWS];
    for (int round = 0; round < ROUNDS; round++) {
        size_t rows = 1 + below(MAX_ROWS), nv = 0;
        fill_u16(v, rows * DB);
        fill_rowdiv(rd, v, rows);
        for (uint32_t r = 0; r < rows; r++)
            if (below(3)) vrow[nv++] = r;
        fill_unit(as, nv);
        kblock b;
        random_block(&b);
        kconst k = random_const();
        for (size_t q = 0; q < DB; q++) c0[q] = below(1000);
        memcpy(c1, c0, sizeof c0);
        uint64_t top0 = base_k->weights(v, vrow, nv, rd, w0, c0);
        for (size_t q = 0; q < DB; q++) r0[q] = s0[q] = below(UNIT);
        memcpy(r1, r0, sizeof r0);
        memcpy(s1, s0, sizeof s0);
        base_k->rank(w0, nv, as, &b, &k, r0, s0);
        for (size_t i = 0; i < n_others; i++) {
            uint64_t cc[DB], rr[DB], ss[DB];
            memcpy(cc, c1, sizeof cc);
            memcpy(rr, r1, sizeof rr);
            memcpy(ss, s1, sizeof ss);
            assert_int_equal(others[i]->weights(v, vrow, nv, rd, w1, cc), top0);
            assert_memory_equal(w1, w0, nv * DB * sizeof(uint64_t));
            assert_memory_equal(cc, c0, sizeof cc);
            others[i]->rank(w0, nv, as, &b, &k, rr, ss);
            assert_memory_equal(rr, r0, sizeof rr);
            assert_memory_equal(ss, s0, sizeof ss);
        }
    }
}

static void test_ema(void **unused)
{
    (void)unused;
    static uint16_t v[MAX_ROWS * DB], bv[MAX_ROWS * DB];
    static uint64_t e0[MAX_ROWS * DB], e1[MAX_ROWS * DB], as[MAX_ROWS];
    static uint64_t sum0[DB], sum1[DB], max0[DB], max1[DB], t0[MAX_ROWS], t1[MAX_ROWS];
    kdiv rd[MAX_ROWS];
    for (int round = 0; round < ROUNDS; round++) {
        size_t rows = 1 + below(MAX_ROWS);
        fill_u16(v, rows * DB);
        fill_u16(bv, rows * DB);
        fill_rowdiv(rd, v, rows);
        fill_unit(as, rows);
        kblock b;
        random_block(&b);
        kconst k = random_const();
        for (size_t q = 0; q < DB; q++) sum0[q] = max0[q] = below(UNIT);
        for (size_t r = 0; r < rows; r++) t0[r] = below(UNIT);
        memcpy(sum1, sum0, sizeof sum0);
        memcpy(max1, max0, sizeof max0);
        memcpy(t1, t0, sizeof t0);
        base_k->ema(v, bv, rows, rd, as, &b, &k, e0, sum0, max0, t0);
        for (size_t i = 0; i < n_others; i++) {
            uint64_t s[DB], m[DB], t[MAX_ROWS];
            memcpy(s, sum1, sizeof s);
            memcpy(m, max1, sizeof m);
            memcpy(t, t1, sizeof t);
            others[i]->ema(v, bv, rows, rd, as, &b, &k, e1, s, m, t);
            assert_memory_equal(e1, e0, rows * DB * sizeof(uint64_t));
            assert_memory_equal(s, sum0, sizeof s);
            assert_memory_equal(m, max0, sizeof m);
            assert_memory_equal(t, t0, rows * sizeof(uint64_t));
        }
    }
}

static void test_dividend(void **unused)
{
    (void)unused;
    enum { STRIDE = 3 };
    static uint64_t e[MAX_ROWS * DB], bits0[MAX_ROWS * STRIDE], bits1[MAX_ROWS * STRIDE];
    static uint64_t acc0[MAX_ROWS], acc1[MAX_ROWS];
    static uint16_t s0[MAX_ROWS * DB], s1[MAX_ROWS * DB];
    bool stored[MAX_ROWS];
    for (int round = 0; round < ROUNDS; round++) {
        size_t rows = 1 + below(MAX_ROWS);
        for (size_t q = 0; q < rows * DB; q++) e[q] = below(4) == 0 ? 0 : below(2) ? unit_value() : below(UNIT * 2);
        for (size_t r = 0; r < rows; r++) {
            stored[r] = below(3) != 0;
            acc0[r] = below(UNIT);
        }
        kblock b;
        random_block(&b);
        kconst k = random_const();
        memset(s0, 0xa5, sizeof s0);
        memset(bits0, 0x5a, sizeof bits0);
        memcpy(acc1, acc0, sizeof acc0);
        base_k->dividend(e, rows, &b, &k, s0, stored, bits0, STRIDE, acc0);
        for (size_t i = 0; i < n_others; i++) {
            uint64_t acc[MAX_ROWS];
            memcpy(acc, acc1, sizeof acc);
            memset(s1, 0xa5, sizeof s1);
            memset(bits1, 0x5a, sizeof bits1);
            others[i]->dividend(e, rows, &b, &k, s1, stored, bits1, STRIDE, acc);
            assert_memory_equal(s1, s0, sizeof s0);
            assert_memory_equal(bits1, bits0, sizeof bits0);
            assert_memory_equal(acc, acc0, rows * sizeof(uint64_t));
        }
    }
}

static void test_quantile_kernels(void **unused)
{
    (void)unused;
    enum { SLOTS = 300, STRIDE = 11 };
    static uint64_t w[SLOTS * STRIDE];
    static uint16_t idx0[SLOTS * YQ_GROUP], idx1[SLOTS * YQ_GROUP];
    static uint32_t hit0[SLOTS * YQ_GROUP], hit1[SLOTS * YQ_GROUP];
    for (int round = 0; round < ROUNDS; round++) {
        size_t slots = below(SLOTS + 1);
        uint64_t shift[YQ_GROUP], zero[YQ_GROUP];
        for (size_t l = 0; l < YQ_GROUP; l++) {
            shift[l] = 24 + below(9); /* scores up to 2^32: at most 256 buckets */
            zero[l] = ((UNIT - 1) >> shift[l]) + 1;
        }
        for (size_t q = 0; q < slots * STRIDE; q++) w[q] = below(3) == 0 ? 0 : 1 + below(UNIT);
        base_k->buckets(w, STRIDE, slots, shift, zero, idx0);
        /* wanted offsets among those present, some columns wanting none */
        uint16_t want[YQ_GROUP];
        for (size_t l = 0; l < YQ_GROUP; l++)
            want[l] = slots && below(4) ? idx0[below(slots) * YQ_GROUP + l] : UINT16_MAX;
        size_t n0 = base_k->matches(idx0, slots, want, hit0);
        for (size_t h = 0; h < n0; h++) {
            assert_int_equal(idx0[hit0[h]], want[hit0[h] % YQ_GROUP]);
            if (h) assert_true(hit0[h] > hit0[h - 1]);
        }
        for (size_t i = 0; i < n_others; i++) {
            others[i]->buckets(w, STRIDE, slots, shift, zero, idx1);
            assert_memory_equal(idx1, idx0, slots * YQ_GROUP * sizeof(uint16_t));
            assert_int_equal(others[i]->matches(idx0, slots, want, hit1), n0);
            assert_memory_equal(hit1, hit0, n0 * sizeof(uint32_t));
        }
    }
}

/* A row of len entries for row_check: ascending columns, sometimes with
 * two swapped (unordered), one repeated or one out of range. */
static void random_row(yuma_entry *e, size_t len, uint32_t n)
{
    for (size_t q = 0; q < len; q++) e[q] = (yuma_entry){(uint16_t)q, u16_value()};
    if (len < 2) return;
    switch (below(5)) {
    case 0: {
        size_t a = below(len), b = below(len);
        uint16_t t = e[a].uid;
        e[a].uid = e[b].uid;
        e[b].uid = t;
        break;
    }
    case 1: e[1 + below(len - 1)].uid = e[0].uid; break;
    case 2: e[below(len)].uid = (uint16_t)(n + below(100)); break;
    default: break;
    }
}

static void test_row_kernels(void **unused)
{
    (void)unused;
    enum { N = 700, BLOCKS = (N + DB - 1) / DB, TILE = 3 * DB };
    static yuma_entry e[N];
    static uint32_t buf0[BLOCKS * DB], buf1[BLOCKS * DB];
    static uint16_t dst0[BLOCKS * TILE], dst1[BLOCKS * TILE], seg0[DB], seg1[DB];
    static uint64_t sums0[BLOCKS * DB], sums1[BLOCKS * DB];
    static yuma_entry o0[DB], o1[DB];
    for (int round = 0; round < ROUNDS; round++) {
        uint32_t n = (uint32_t)(N - below(50));
        size_t len = below(n + 1);
        random_row(e, len, n);
        bool u0 = false, ok0 = base_k->row_check(e, len, n, &u0);
        for (size_t i = 0; i < n_others; i++) {
            bool u1 = !u0;
            assert_int_equal(others[i]->row_check(e, len, n, &u1), ok0);
            assert_int_equal(u1, u0);
        }

        /* copy_block: the columns j0 .. j0 + DB - 1, one sometimes wrong */
        uint32_t j0 = (uint32_t)below(BLOCKS) * DB;
        for (uint32_t jj = 0; jj < DB; jj++) e[jj] = (yuma_entry){(uint16_t)(j0 + jj), u16_value()};
        if (below(3) == 0) e[below(DB)].uid ^= (uint16_t)(1 + below(7));
        uint64_t cs0 = 0;
        bool cb0 = base_k->copy_block(e, j0, seg0, &cs0);
        for (size_t i = 0; i < n_others; i++) {
            uint64_t cs1 = 0;
            assert_int_equal(others[i]->copy_block(e, j0, seg1, &cs1), cb0);
            if (!cb0) continue; /* the segment is garbage then */
            assert_int_equal(cs1, cs0);
            assert_memory_equal(seg1, seg0, sizeof seg0);
        }

        /* narrow_row, then add_row over what it wrote, and emit_full */
        for (size_t q = 0; q < BLOCKS * DB; q++)
            buf0[q] = below(3) == 0 ? 0 : (uint32_t)(below(2) << 16) | u16_value();
        memcpy(buf1, buf0, sizeof buf0);
        memset(dst0, 0x33, sizeof dst0);
        bool to_dst = below(4) != 0;
        uint64_t nsum0 = 0;
        size_t marks0 = base_k->narrow_row(buf0, BLOCKS, to_dst ? dst0 : NULL, TILE, &nsum0);
        for (size_t q = 0; q < BLOCKS * DB; q++) sums0[q] = below(UNIT);
        memcpy(sums1, sums0, sizeof sums0);
        base_k->add_row(dst0, BLOCKS, TILE, sums0);
        base_k->emit_full(j0, seg0, o0);
        for (size_t i = 0; i < n_others; i++) {
            uint32_t b1[BLOCKS * DB];
            uint64_t sm[BLOCKS * DB], nsum1 = 0;
            memcpy(b1, buf1, sizeof b1);
            memset(dst1, 0x33, sizeof dst1);
            assert_int_equal(others[i]->narrow_row(b1, BLOCKS, to_dst ? dst1 : NULL, TILE, &nsum1), marks0);
            assert_int_equal(nsum1, nsum0);
            assert_memory_equal(b1, buf0, sizeof b1); /* both left zeroed */
            assert_memory_equal(dst1, dst0, sizeof dst0);
            memcpy(sm, sums1, sizeof sm);
            others[i]->add_row(dst1, BLOCKS, TILE, sm);
            assert_memory_equal(sm, sums0, sizeof sm);
            others[i]->emit_full(j0, seg0, o1);
            assert_memory_equal(o1, o0, sizeof o0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_and_rank),
        cmocka_unit_test(test_ema),
        cmocka_unit_test(test_dividend),
        cmocka_unit_test(test_quantile_kernels),
        cmocka_unit_test(test_row_kernels),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
