/*
 * test_corpus.c - the training subnet's data (include/yuma/corpus.h): the
 * train / held-out split, sample and window indexing, pools and receipts.
 *
 * Expected values come from the spec's arithmetic (§7.4), from an
 * independent Python model of the pool (SplitMix64 -> xoshiro256**, the
 * rejection draw and Floyd's algorithm, written from their definitions
 * outside this repository) and from Python's hashlib.blake2b. The KJV test
 * uses data/kjv.txt (scripts/get-corpus.sh) and is skipped when it is not
 * there; CI fetches it first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "yuma/corpus.h"

static void hex16(const uint8_t h[16], char out[33])
{
    for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* A synthetic corpus: byte i is (i * 7 + i / 251) mod 256. */
static yuma_corpus synthetic(size_t n)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(i * 7 + i / 251);
    yuma_corpus c;
    assert_true(yuma_corpus_from_bytes(b, n, &c, NULL, 0));
    free(b);
    return c;
}

static void test_split_and_indexing(void **state)
{
    (void)state;
    yuma_corpus c = synthetic(10007);
    assert_int_equal(c.train_size, 9006); /* floor(0.9 * 10007) */
    /* samples: floor((9006 - 1) / 64) = 140, each ctx + 1 bytes at i * ctx */
    assert_int_equal(yuma_corpus_train_samples(&c, 64), 140);
    const uint8_t *s = yuma_corpus_train_sample(&c, 64, 139);
    assert_ptr_equal(s, c.data + 139 * 64);
    assert_true(s + 65 <= c.data + c.train_size); /* the last sample ends inside train */
    assert_null(yuma_corpus_train_sample(&c, 64, 140));
    assert_ptr_equal(yuma_corpus_train_sample(&c, 64, 1), yuma_corpus_train_sample(&c, 64, 0) + 64);
    /* held-out: 1001 bytes -> floor(1001 / 65) = 15 windows, non-overlapping, after train */
    assert_int_equal(yuma_corpus_heldout_windows(&c, 64), 15);
    assert_ptr_equal(yuma_corpus_heldout_window(&c, 64, 0), c.data + 9006);
    assert_ptr_equal(yuma_corpus_heldout_window(&c, 64, 14), c.data + 9006 + 14 * 65);
    assert_null(yuma_corpus_heldout_window(&c, 64, 15));
    assert_int_equal(yuma_corpus_train_samples(&c, 0), 0);
    assert_int_equal(yuma_corpus_heldout_windows(&c, 0), 0);
    yuma_corpus_free(&c);
    /* a big corpus caps the held-out set at 256 windows */
    yuma_corpus big = synthetic(1000000);
    assert_int_equal(yuma_corpus_heldout_windows(&big, 128), 256);
    assert_ptr_equal(yuma_corpus_heldout_window(&big, 128, 255), big.data + 900000 + 255 * 129);
    yuma_corpus_free(&big);
}

static void test_load_errors(void **state)
{
    (void)state;
    yuma_corpus c;
    char err[256];
    assert_false(yuma_corpus_load("/nonexistent/kjv.txt", &c, err, sizeof err));
    assert_non_null(strstr(err, "cannot open corpus /nonexistent/kjv.txt"));
    assert_null(c.data);
    char path[] = "/tmp/yuma-corpus-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "short text", 10), 10);
    close(fd);
    assert_false(yuma_corpus_load(path, &c, err, sizeof err));
    assert_non_null(strstr(err, "has 10 bytes, needs at least 20"));
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 3000000; i++) fputc('a' + i % 26, f); /* more than the first read buffer */
    fclose(f);
    assert_true(yuma_corpus_load(path, &c, err, sizeof err));
    assert_int_equal(c.size, 3000000);
    assert_int_equal(c.train_size, 2700000);
    assert_int_equal(c.data[2999999], 'a' + 2999999 % 26);
    yuma_corpus_free(&c);
    assert_false(yuma_corpus_load("/tmp", &c, err, sizeof err)); /* a directory */
    assert_non_null(strstr(err, "/tmp"));
    unlink(path);
    uint8_t few[5] = {0};
    assert_false(yuma_corpus_from_bytes(few, 5, &c, err, sizeof err));
    assert_non_null(strstr(err, "corpus has 5 bytes"));
}

static void test_pool_seed(void **state)
{
    (void)state;
    assert_int_equal(yuma_pool_seed(5, 7), 5000008);          /* 5 000 015 xor 7 */
    assert_int_equal(yuma_pool_seed(65535, 123456789), 1164472488u); /* the product exceeds 2^32 */
    assert_int_equal(yuma_pool_seed(4294967295u, (1ull << 40) + 3), 4293967294u);
}

static void test_pool_vectors(void **state)
{
    (void)state;
    /* the Python model's pool for uid 3, window 17, T1's 30,221 samples, 16 ids */
    static const uint64_t want[16] = {29757, 21784, 15728, 2368,  11419, 21994, 12396, 25261,
                                      21999, 29958, 2310,  3106,  15998, 19002, 2530,  21881};
    uint64_t got[16];
    assert_true(yuma_pool_draw(3, 17, 30221, 16, got));
    assert_memory_equal(got, want, sizeof want);
    uint8_t h[16];
    char hex[33];
    assert_true(yuma_pool_receipt(got, 16, h));
    hex16(h, hex);
    assert_string_equal(hex, "874ef55b984373189058ec09f2e39a37");
    /* order does not matter; the ids are not modified */
    static const uint64_t a[3] = {9, 3, 5};
    assert_true(yuma_pool_receipt(a, 3, h));
    hex16(h, hex);
    assert_string_equal(hex, "6b10d033a4f4323925bbc38c88838727");
    assert_true(a[0] == 9 && a[1] == 3);
    assert_true(yuma_pool_receipt(NULL, 0, h)); /* blake2b-128 of nothing */
    hex16(h, hex);
    assert_string_equal(hex, "cae66941d9efbd404e4d88758ea67670");
    /* Floyd with count == n draws every id, and (a property of the
     * algorithm) in increasing order */
    uint64_t all[10];
    assert_true(yuma_pool_draw(0, 0, 10, 10, all));
    for (int i = 0; i < 10; i++) assert_int_equal(all[i], i);
}

static void test_pool_properties(void **state)
{
    (void)state;
    enum { N = 1000, K = 40 };
    uint64_t p[K], q[K];
    int hits[N] = {0};
    for (uint32_t uid = 0; uid < 200; uid++) {
        assert_true(yuma_pool_draw(uid, 9, N, K, p));
        assert_true(yuma_pool_draw(uid, 9, N, K, q));
        assert_memory_equal(p, q, sizeof p); /* deterministic */
        for (int i = 0; i < K; i++) {
            assert_true(p[i] < N);
            for (int j = 0; j < i; j++) assert_true(p[i] != p[j]); /* distinct */
            hits[p[i]]++;
        }
    }
    /* 8000 draws over 1000 ids: each id about 8 times; none far off */
    int lo = 1000, hi = 0;
    for (int i = 0; i < N; i++) {
        lo = hits[i] < lo ? hits[i] : lo;
        hi = hits[i] > hi ? hits[i] : hi;
    }
    assert_true(lo >= 0 && hi <= 25);
    /* different windows or uids give different pools, and receipts */
    uint8_t r1[16], r2[16];
    assert_true(yuma_pool_draw(1, 1, N, K, p));
    assert_true(yuma_pool_draw(1, 2, N, K, q));
    yuma_pool_receipt(p, K, r1);
    yuma_pool_receipt(q, K, r2);
    assert_memory_not_equal(r1, r2, 16);
    /* bad counts are refused and leave the output alone */
    p[0] = 12345;
    assert_false(yuma_pool_draw(1, 1, 10, 11, p));
    assert_int_equal(p[0], 12345);
    assert_true(yuma_pool_draw(1, 1, 10, 0, p));
    assert_int_equal(p[0], 12345);
}

/* The real corpus (§7.4): 4,298,239 bytes, 73 distinct. */
static void test_kjv(void **state)
{
    (void)state;
    yuma_corpus c;
    char err[256];
    if (access("data/kjv.txt", R_OK) != 0) {
        fprintf(stderr, "test_kjv: data/kjv.txt not present (run scripts/get-corpus.sh); skipped\n");
        skip();
    }
    assert_true(yuma_corpus_load("data/kjv.txt", &c, err, sizeof err));
    assert_int_equal(c.size, 4298239);
    bool seen[256] = {false};
    int distinct = 0;
    for (size_t i = 0; i < c.size; i++)
        if (!seen[c.data[i]]) seen[c.data[i]] = true, distinct++;
    assert_int_equal(distinct, 73);
    assert_int_equal(c.train_size, 3868415);
    assert_int_equal(yuma_corpus_train_samples(&c, 128), 30221); /* "N_train = 30k samples for T1" */
    assert_int_equal(yuma_corpus_train_samples(&c, 64), 60443); /* floor(3868414 / 64) */
    assert_int_equal(yuma_corpus_heldout_windows(&c, 128), 256);
    assert_memory_equal(c.data, "\nGenesis 1\n\n  1 In the beginning God created", 43);
    const char *end = "The grace of our Lord Jesus Christ be with you all. Amen.\n";
    assert_memory_equal(c.data + c.size - strlen(end), end, strlen(end));
    yuma_corpus_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_and_indexing), cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_pool_seed),          cmocka_unit_test(test_pool_vectors),
        cmocka_unit_test(test_pool_properties),    cmocka_unit_test(test_kjv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
