/*
 * test_kv.c - the state store: a random sequence of writes, deletes,
 * savepoints and rollbacks checked against a plain model; the incremental
 * state root checked against a root recomputed from scratch by a separate,
 * straightforward implementation of the documented construction; root
 * independence from write order; ordered prefix scans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/kv.h"

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The model: a small array of (key, value) records. */
#define MODEL_KEYS 600
typedef struct {
    bool present;
    uint8_t klen;
    uint8_t key[16];
    size_t vlen;
    uint8_t val[80];
} record;

static void make_key(uint32_t id, uint8_t *key, uint8_t *klen)
{
    *klen = (uint8_t)(3 + id % 9);
    memset(key, 0, 16);
    key[0] = (uint8_t)(id % 3); /* a few "tables" for prefix scans */
    key[1] = (uint8_t)(id >> 8);
    key[2] = (uint8_t)id;
    for (uint8_t i = 3; i < *klen; i++) key[i] = (uint8_t)(id * 31 + i);
}

static void check_model(const ykv *kv, const record *m)
{
    size_t count = 0;
    for (uint32_t id = 0; id < MODEL_KEYS; id++) {
        size_t vlen;
        const uint8_t *v = ykv_get(kv, m[id].key, m[id].klen, &vlen);
        if (m[id].present) {
            count++;
            assert_non_null(v);
            assert_int_equal(vlen, m[id].vlen);
            if (vlen) assert_memory_equal(v, m[id].val, vlen);
        } else {
            assert_null(v);
        }
    }
    assert_int_equal(ykv_count(kv), count);
}

/* The root as kv.h documents it, recomputed from nothing. */
static int cmp_records(const void *a, const void *b)
{
    const record *x = *(record *const *)a, *y = *(record *const *)b;
    int c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static void reference_root(const record *m, uint8_t out[32])
{
    enum { BUCKETS = 1 << 16 };
    static uint8_t tree[2 * BUCKETS][32];
    memset(tree, 0, sizeof tree);
    const record *sorted[MODEL_KEYS];
    size_t n = 0;
    for (uint32_t id = 0; id < MODEL_KEYS; id++)
        if (m[id].present) sorted[n++] = &m[id];
    qsort(sorted, n, sizeof sorted[0], cmp_records);
    /* group by bucket, in key order */
    static crypto_generichash_state st[BUCKETS];
    static bool used[BUCKETS];
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < n; i++) {
        const record *r = sorted[i];
        uint8_t h[16], leaf[32];
        crypto_generichash(h, 16, r->key, r->klen, NULL, 0);
        uint32_t b = ((uint32_t)h[0] << 8) | h[1];
        uint8_t buf[1 + 16 + 4 + 80 + 9];
        size_t p = 0;
        memcpy(buf, "yuma-leaf", 9);
        p = 9;
        buf[p++] = r->klen;
        memcpy(buf + p, r->key, r->klen);
        p += r->klen;
        buf[p++] = (uint8_t)r->vlen;
        buf[p++] = 0;
        buf[p++] = 0;
        buf[p++] = 0;
        memcpy(buf + p, r->val, r->vlen);
        p += r->vlen;
        crypto_generichash(leaf, 32, buf, p, NULL, 0);
        if (!used[b]) {
            crypto_generichash_init(&st[b], NULL, 0, 32);
            used[b] = true;
        }
        crypto_generichash_update(&st[b], leaf, 32);
    }
    for (uint32_t b = 0; b < BUCKETS; b++)
        if (used[b]) crypto_generichash_final(&st[b], tree[BUCKETS + b], 32);
    static const uint8_t zero[32];
    for (uint32_t i = BUCKETS - 1; i >= 1; i--) {
        if (memcmp(tree[2 * i], zero, 32) == 0 && memcmp(tree[2 * i + 1], zero, 32) == 0) continue;
        crypto_generichash(tree[i], 32, tree[2 * i], 64, NULL, 0);
    }
    memcpy(out, tree[1], 32);
}

static void random_write(ykv *kv, record *m, rng *r)
{
    uint32_t id = (uint32_t)(next(r) % MODEL_KEYS);
    if (next(r) % 4 == 0) {
        assert_true(ykv_del(kv, m[id].key, m[id].klen));
        m[id].present = false;
    } else {
        m[id].present = true;
        m[id].vlen = next(r) % 80;
        for (size_t i = 0; i < m[id].vlen; i++) m[id].val[i] = (uint8_t)next(r);
        assert_true(ykv_put(kv, m[id].key, m[id].klen, m[id].val, m[id].vlen));
    }
}

static void test_model_and_root(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    record *m = calloc(MODEL_KEYS, sizeof(record));
    for (uint32_t id = 0; id < MODEL_KEYS; id++) make_key(id, m[id].key, &m[id].klen);
    rng r = {42};
    uint8_t root[32], expect[32];
    assert_true(ykv_root(kv, root));
    reference_root(m, expect);
    assert_memory_equal(root, expect, 32);
    for (int round = 0; round < 30; round++) {
        for (int k = 0; k < 200; k++) random_write(kv, m, &r);
        check_model(kv, m);
        assert_true(ykv_root(kv, root));
        reference_root(m, expect);
        assert_memory_equal(root, expect, 32);
    }
    /* delete everything: the empty state's root is all zeros */
    for (uint32_t id = 0; id < MODEL_KEYS; id++) {
        assert_true(ykv_del(kv, m[id].key, m[id].klen));
        m[id].present = false;
    }
    check_model(kv, m);
    assert_true(ykv_root(kv, root));
    static const uint8_t zero[32];
    assert_memory_equal(root, zero, 32);
    free(m);
    ykv_free(kv);
}

static void test_savepoints(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    record *m = calloc(MODEL_KEYS, sizeof(record)), *saved = calloc(MODEL_KEYS, sizeof(record));
    for (uint32_t id = 0; id < MODEL_KEYS; id++) make_key(id, m[id].key, &m[id].klen);
    rng r = {7};
    for (int k = 0; k < 300; k++) random_write(kv, m, &r);
    uint8_t before[32], after[32];
    assert_true(ykv_root(kv, before));
    for (int round = 0; round < 20; round++) {
        memcpy(saved, m, MODEL_KEYS * sizeof(record));
        size_t outer = ykv_savepoint(kv);
        for (int k = 0; k < 50; k++) random_write(kv, m, &r);
        size_t inner = ykv_savepoint(kv);
        for (int k = 0; k < 50; k++) random_write(kv, m, &r);
        if (round % 3 == 0) {
            /* keep the inner writes, then drop everything */
            ykv_release(kv, inner);
            ykv_rollback(kv, outer);
            memcpy(m, saved, MODEL_KEYS * sizeof(record));
        } else if (round % 3 == 1) {
            ykv_rollback(kv, inner);
            ykv_rollback(kv, outer);
            memcpy(m, saved, MODEL_KEYS * sizeof(record));
        } else {
            ykv_release(kv, inner);
            ykv_release(kv, outer);
        }
        check_model(kv, m);
        uint8_t expect[32];
        assert_true(ykv_root(kv, after));
        reference_root(m, expect);
        assert_memory_equal(after, expect, 32);
    }
    /* A rolled-back block leaves the root where it was. */
    assert_true(ykv_root(kv, before));
    size_t mark = ykv_savepoint(kv);
    for (int k = 0; k < 100; k++) random_write(kv, m, &r);
    ykv_rollback(kv, mark);
    assert_true(ykv_root(kv, after));
    assert_memory_equal(before, after, 32);
    free(m);
    free(saved);
    ykv_free(kv);
}

static void test_root_ignores_write_order(void **state)
{
    (void)state;
    ykv *a = ykv_new(), *b = ykv_new();
    uint8_t key[16], klen;
    for (uint32_t id = 0; id < 500; id++) {
        make_key(id, key, &klen);
        uint8_t v[8] = {(uint8_t)id, 1, 2, 3, 4, 5, 6, (uint8_t)(id >> 8)};
        assert_true(ykv_put(a, key, klen, v, sizeof v));
    }
    for (uint32_t k = 0; k < 500; k++) {
        uint32_t id = 499 - k;
        make_key(id, key, &klen);
        uint8_t junk[3] = {9, 9, 9};
        assert_true(ykv_put(b, key, klen, junk, sizeof junk)); /* overwritten below */
        uint8_t v[8] = {(uint8_t)id, 1, 2, 3, 4, 5, 6, (uint8_t)(id >> 8)};
        assert_true(ykv_put(b, key, klen, v, sizeof v));
    }
    uint8_t ra[32], rb[32];
    assert_true(ykv_root(a, ra));
    assert_true(ykv_root(b, rb));
    assert_memory_equal(ra, rb, 32);
    /* one byte of one value changes the root */
    make_key(17, key, &klen);
    uint8_t v[8] = {17, 1, 2, 3, 4, 5, 6, 1};
    assert_true(ykv_put(b, key, klen, v, sizeof v));
    assert_true(ykv_root(b, rb));
    assert_memory_not_equal(ra, rb, 32);
    ykv_free(a);
    ykv_free(b);
}

typedef struct {
    int count;
    uint8_t last[16];
    uint8_t last_len;
    uint8_t prefix;
} scan_ctx;

static bool scan_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    scan_ctx *c = ctx;
    assert_int_equal(key[0], c->prefix);
    if (c->count > 0) {
        int cmp = memcmp(c->last, key, c->last_len < klen ? c->last_len : klen);
        assert_true(cmp < 0 || (cmp == 0 && c->last_len < klen));
    }
    memcpy(c->last, key, klen);
    c->last_len = (uint8_t)klen;
    c->count++;
    return true;
}

static void test_prefix_scan_is_sorted(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    uint8_t key[16], klen;
    for (uint32_t id = 0; id < 3000; id++) {
        make_key(id, key, &klen);
        assert_true(ykv_put(kv, key, klen, key, klen));
    }
    scan_ctx c = {.prefix = 1};
    uint8_t prefix = 1;
    assert_true(ykv_scan_prefix(kv, &prefix, 1, scan_cb, &c));
    assert_int_equal(c.count, 1000);
    ykv_free(kv);
}

static void test_rejects_bad_keys(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    uint8_t big[YKV_MAX_KEY + 1] = {0};
    assert_false(ykv_put(kv, big, 0, big, 1));
    assert_false(ykv_put(kv, big, sizeof big, big, 1));
    assert_int_equal(ykv_count(kv), 0);
    ykv_free(kv);
}

typedef struct {
    record *m;
    bool seen[MODEL_KEYS];
    int calls;
} drain_ctx;

static bool drain_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    drain_ctx *d = ctx;
    d->calls++;
    for (uint32_t id = 0; id < MODEL_KEYS; id++) {
        if (d->m[id].klen != klen || memcmp(d->m[id].key, key, klen) != 0) continue;
        d->seen[id] = true;
        if (d->m[id].present) {
            assert_non_null(val);
            assert_int_equal(vlen, d->m[id].vlen);
            if (vlen) assert_memory_equal(val, d->m[id].val, vlen);
        } else {
            assert_null(val);
        }
        return true;
    }
    fail_msg("drained a key that was never written");
    return false;
}

/* The persistence list: every key written since the last drain comes out
 * with its current value (deleted ones as NULL), independently of roots. */
static void test_drain_changes(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    record *m = calloc(MODEL_KEYS, sizeof(record));
    for (uint32_t id = 0; id < MODEL_KEYS; id++) make_key(id, m[id].key, &m[id].klen);
    rng r = {99};
    for (int round = 0; round < 10; round++) {
        bool written[MODEL_KEYS] = {false};
        for (int k = 0; k < 150; k++) {
            rng replay = r;
            uint32_t id = (uint32_t)(next(&replay) % MODEL_KEYS);
            bool deleting = next(&replay) % 4 == 0, was_present = m[id].present;
            random_write(kv, m, &r);
            /* deleting an absent key changes nothing */
            if (!deleting || was_present) written[id] = true;
        }
        if (round % 2) {
            uint8_t root[32];
            assert_true(ykv_root(kv, root)); /* roots do not consume the drain's list */
        }
        drain_ctx d = {.m = m};
        assert_true(ykv_drain_changes(kv, drain_cb, &d));
        for (uint32_t id = 0; id < MODEL_KEYS; id++) assert_int_equal(d.seen[id], written[id]);
        drain_ctx again = {.m = m};
        assert_true(ykv_drain_changes(kv, drain_cb, &again));
        assert_int_equal(again.calls, 0);
    }
    free(m);
    ykv_free(kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_and_root),
        cmocka_unit_test(test_savepoints),
        cmocka_unit_test(test_root_ignores_write_order),
        cmocka_unit_test(test_prefix_scan_is_sorted),
        cmocka_unit_test(test_rejects_bad_keys),
        cmocka_unit_test(test_drain_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
