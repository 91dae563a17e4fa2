/*
 * test_trainsim_store.c - the training subnet's artefact store and files
 * (include/yuma/trainsim.h, training-subnet.md §3.7, §7.2, §7.5): objects
 * with block stamps written by temp file + rename, every bad name and torn
 * stamp refused; debug, checkpoint and aggregator files round-trip and
 * refuse every malformed input; the lead's peer lists; catch-up from a
 * checkpoint plus the stored aggregators gives the live model bit for bit
 * (and refuses a missing or corrupted aggregator, leaving the model alone);
 * every honest node of a run holds the same model after every window; the
 * simulation's configuration errors. Runs on a small synthetic corpus, so
 * it needs no data file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subnet/train/sim_internal.h"
#include "trainsim_fixture.h"
#include "yuma/trainsim.h"
#include "yuma/update.h"

/* ---- helpers ------------------------------------------------------------ */

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/test-trainsim-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static yuma_corpus synthetic_corpus(void)
{
    yuma_corpus c;
    char err[128];
    if (!trainsim_synthetic_corpus(&c, err, sizeof err)) fail_msg("synthetic corpus: %s", err);
    return c;
}

/* ---- the store ---------------------------------------------------------- */

static void test_store_roundtrip(void **state)
{
    (void)state;
    char *root = make_tmpdir();
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/store", root);
    yuma_astore s;
    char err[256];
    assert_int_equal(yuma_astore_open(&s, sub, err, sizeof err), YUMA_ASTORE_OK); /* created */
    const char hello[] = "hello, bucket";
    assert_int_equal(yuma_astore_put(&s, 3, "gradient-7-3.bin", hello, sizeof hello, 81, err, sizeof err),
                     YUMA_ASTORE_OK);
    assert_int_equal(yuma_astore_put(&s, 4, "gradient-7-3.bin", "x", 1, 99, err, sizeof err), YUMA_ASTORE_OK);
    assert_int_equal(yuma_astore_put(&s, 3, "empty.bin", NULL, 0, 5, err, sizeof err), YUMA_ASTORE_OK);
    uint8_t *data;
    size_t len;
    uint64_t block;
    assert_int_equal(yuma_astore_get(&s, 3, "gradient-7-3.bin", &data, &len, &block, err, sizeof err), YUMA_ASTORE_OK);
    assert_int_equal(len, sizeof hello);
    assert_memory_equal(data, hello, len);
    assert_int_equal(block, 81);
    free(data);
    /* owners are separate buckets */
    assert_int_equal(yuma_astore_get(&s, 4, "gradient-7-3.bin", &data, &len, &block, err, sizeof err), YUMA_ASTORE_OK);
    assert_int_equal(len, 1);
    assert_int_equal(block, 99);
    free(data);
    assert_int_equal(yuma_astore_get(&s, 3, "empty.bin", &data, &len, &block, err, sizeof err), YUMA_ASTORE_OK);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_int_equal(block, 5);
    /* a rewrite replaces object and stamp */
    assert_int_equal(yuma_astore_put(&s, 3, "gradient-7-3.bin", "ab", 2, 82, err, sizeof err), YUMA_ASTORE_OK);
    assert_int_equal(yuma_astore_get(&s, 3, "gradient-7-3.bin", &data, &len, &block, err, sizeof err), YUMA_ASTORE_OK);
    assert_int_equal(len, 2);
    assert_int_equal(block, 82);
    free(data);
    /* the layout of §7.2: root/<uid>/<name> and <name>.meta, no temporary files left */
    char path[4300];
    snprintf(path, sizeof path, "%s/3", sub);
    assert_int_equal(count_entries(path), 4);
    snprintf(path, sizeof path, "%s/3/gradient-7-3.bin.meta", sub);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char meta[64] = {0};
    assert_true(fread(meta, 1, sizeof meta - 1, f) > 0);
    fclose(f);
    assert_string_equal(meta, "block 82\nsize 2\n");
    yuma_astore_close(&s);
    trainsim_rm_rf(root);
    free(root);
}

static void test_store_errors(void **state)
{
    (void)state;
    char *root = make_tmpdir();
    yuma_astore s;
    char err[256];
    assert_int_equal(yuma_astore_open(&s, root, err, sizeof err), YUMA_ASTORE_OK);
    const char *bad_names[] = {"", ".hidden", "a/b", "x y", "../up", "tab\t",
                               "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456"};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        err[0] = '\0';
        assert_int_equal(yuma_astore_put(&s, 1, bad_names[i], "x", 1, 1, err, sizeof err), YUMA_ASTORE_ERR_NAME);
        assert_non_null(strstr(err, "bad object name"));
        uint8_t *d = (uint8_t *)1;
        size_t l;
        uint64_t b;
        assert_int_equal(yuma_astore_get(&s, 1, bad_names[i], &d, &l, &b, err, sizeof err), YUMA_ASTORE_ERR_NAME);
        assert_null(d);
    }
    assert_int_equal(count_entries(root), 0); /* nothing was written */
    uint8_t *d;
    size_t l;
    uint64_t b;
    assert_int_equal(yuma_astore_get(&s, 1, "nothing.bin", &d, &l, &b, err, sizeof err), YUMA_ASTORE_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "1/nothing.bin: no such object"));
    /* an object without its .meta is not there yet */
    assert_int_equal(yuma_astore_put(&s, 1, "a.bin", "abc", 3, 10, err, sizeof err), YUMA_ASTORE_OK);
    char path[4300];
    snprintf(path, sizeof path, "%s/1/a.bin.meta", root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(yuma_astore_get(&s, 1, "a.bin", &d, &l, &b, err, sizeof err), YUMA_ASTORE_ERR_NOT_FOUND);
    /* malformed stamps */
    const char *bad_meta[] = {"block 10\n", "block 10\nsize 3", "block -1\nsize 3\n", "block  10\nsize 3\n",
                              "block 10\nsize 3\nextra", "size 3\nblock 10\n", ""};
    for (size_t i = 0; i < sizeof bad_meta / sizeof *bad_meta; i++) {
        write_raw(path, bad_meta[i], strlen(bad_meta[i]));
        assert_int_equal(yuma_astore_get(&s, 1, "a.bin", &d, &l, &b, err, sizeof err), YUMA_ASTORE_ERR_META);
        assert_null(d);
    }
    /* a stamp whose size is not the object's (a torn pair) */
    write_raw(path, "block 10\nsize 4\n", 16);
    assert_int_equal(yuma_astore_get(&s, 1, "a.bin", &d, &l, &b, err, sizeof err), YUMA_ASTORE_ERR_META);
    assert_non_null(strstr(err, "has 3 bytes but its .meta says 4"));
    /* a stamp without its object */
    snprintf(path, sizeof path, "%s/1/a.bin", root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(yuma_astore_get(&s, 1, "a.bin", &d, &l, &b, err, sizeof err), YUMA_ASTORE_ERR_META);
    yuma_astore_close(&s);
    /* a root that is a file, or under a missing parent */
    snprintf(path, sizeof path, "%s/file", root);
    write_raw(path, "x", 1);
    assert_int_equal(yuma_astore_open(&s, path, err, sizeof err), YUMA_ASTORE_ERR_IO);
    assert_null(s.root);
    assert_non_null(strstr(err, "is not a directory"));
    snprintf(path, sizeof path, "%s/missing/deeper", root);
    assert_int_equal(yuma_astore_open(&s, path, err, sizeof err), YUMA_ASTORE_ERR_IO);
    assert_non_null(strstr(err, "cannot create"));
    assert_int_equal(yuma_astore_open(NULL, root, err, sizeof err), YUMA_ASTORE_ERR_ARG);
    trainsim_rm_rf(root);
    free(root);
}

/* ---- file formats --------------------------------------------------------- */

/* Rewrites the CRC trailer after a deliberate change. */
static void fix_crc(uint8_t *b, size_t len)
{
    uint32_t c = yuma_crc32(0, b, len - 4);
    for (int i = 0; i < 4; i++) b[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

static void test_debug_format(void **state)
{
    (void)state;
    float vals[4] = {0.5f, -1.25f, 3.0f, 1e-7f};
    yuma_debug_record r = {12, 7, {0}, 4, vals};
    for (int i = 0; i < 32; i++) r.hash[i] = (uint8_t)(i * 5);
    uint8_t *b;
    size_t len;
    assert_int_equal(yuma_debug_encode(&r, &b, &len), YUMA_ARTEFACT_OK);
    /* 4 magic + 2 version + 8 window + 2 uid + 32 hash + 4 n + 16 values + 4 crc */
    assert_int_equal(len, 72);
    assert_memory_equal(b, "YDBG", 4);
    yuma_debug_record out;
    assert_int_equal(yuma_debug_decode(b, len, 12, 7, 4, &out), YUMA_ARTEFACT_OK);
    assert_int_equal(out.window, 12);
    assert_int_equal(out.uid, 7);
    assert_memory_equal(out.hash, r.hash, 32);
    assert_memory_equal(out.values, vals, sizeof vals);
    yuma_debug_record_free(&out);
    assert_int_equal(yuma_debug_decode(b, len, 11, 7, 4, &out), YUMA_ARTEFACT_ERR_WINDOW);
    assert_null(out.values);
    assert_int_equal(yuma_debug_decode(b, len, 12, 8, 4, &out), YUMA_ARTEFACT_ERR_UID);
    assert_int_equal(yuma_debug_decode(b, len, 12, 7, 6, &out), YUMA_ARTEFACT_ERR_MODEL);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(yuma_debug_decode(b, cut, 12, 7, 4, &out), YUMA_ARTEFACT_ERR_TRUNCATED);
    uint8_t *t = malloc(len + 1);
    memcpy(t, b, len);
    t[len] = 0;
    assert_int_equal(yuma_debug_decode(t, len + 1, 12, 7, 4, &out), YUMA_ARTEFACT_ERR_TRAILING);
    t[20] ^= 1; /* a hash byte: only the CRC notices */
    assert_int_equal(yuma_debug_decode(t, len, 12, 7, 4, &out), YUMA_ARTEFACT_ERR_CRC);
    memcpy(t, b, len);
    t[0] = 'X';
    assert_int_equal(yuma_debug_decode(t, len, 12, 7, 4, &out), YUMA_ARTEFACT_ERR_MAGIC);
    memcpy(t, b, len);
    t[4] = 99;
    fix_crc(t, len);
    assert_int_equal(yuma_debug_decode(t, len, 12, 7, 4, &out), YUMA_ARTEFACT_ERR_VERSION);
    free(t);
    free(b);
    vals[2] = NAN;
    assert_int_equal(yuma_debug_encode(&r, &b, &len), YUMA_ARTEFACT_OK);
    assert_int_equal(yuma_debug_decode(b, len, 12, 7, 4, &out), YUMA_ARTEFACT_ERR_VALUE);
    assert_null(out.values);
    free(b);
}

static void test_checkpoint_format(void **state)
{
    (void)state;
    yuma_gpt_config c0;
    assert_true(yuma_gpt_config_named("T0", &c0));
    yuma_gpt *m = yuma_gpt_new(&c0, NULL, 0), *other = yuma_gpt_new(&c0, NULL, 0);
    yuma_gpt_init(m, 5);
    yuma_gpt_init(other, 6);
    uint8_t *b;
    size_t len;
    assert_int_equal(yuma_checkpoint_encode(3, m, &b, &len), YUMA_ARTEFACT_OK);
    size_t n = yuma_gpt_num_params(m);
    assert_int_equal(len, 4 + 2 + 8 + 24 + 8 + 32 + 4 * n + 4);
    uint8_t h_m[32], h_o[32], h_before[32];
    yuma_gpt_hash(m, h_m);
    yuma_gpt_hash(other, h_before);
    /* every refusal leaves the model as it was */
    assert_int_equal(yuma_checkpoint_decode(b, len, 4, other), YUMA_ARTEFACT_ERR_WINDOW);
    assert_int_equal(yuma_checkpoint_decode(b, len - 1, 3, other), YUMA_ARTEFACT_ERR_TRUNCATED);
    assert_int_equal(yuma_checkpoint_decode(b, 60, 3, other), YUMA_ARTEFACT_ERR_TRUNCATED);
    uint8_t *t = malloc(len);
    memcpy(t, b, len);
    t[100] ^= 0x10; /* a parameter: the CRC fails */
    assert_int_equal(yuma_checkpoint_decode(t, len, 3, other), YUMA_ARTEFACT_ERR_CRC);
    fix_crc(t, len); /* ... and with a matching CRC the stated hash does not */
    assert_int_equal(yuma_checkpoint_decode(t, len, 3, other), YUMA_ARTEFACT_ERR_HASH);
    memcpy(t, b, len);
    const uint8_t nan_bits[4] = {0x00, 0x00, 0xc0, 0x7f};
    memcpy(t + 78 + 4 * 10, nan_bits, 4);
    fix_crc(t, len);
    assert_int_equal(yuma_checkpoint_decode(t, len, 3, other), YUMA_ARTEFACT_ERR_VALUE);
    memcpy(t, b, len);
    t[14 + 4] = 65; /* ctx 65 is not this model's */
    fix_crc(t, len);
    assert_int_equal(yuma_checkpoint_decode(t, len, 3, other), YUMA_ARTEFACT_ERR_MODEL);
    yuma_gpt_hash(other, h_o);
    assert_memory_equal(h_o, h_before, 32);
    assert_int_equal(yuma_checkpoint_decode(b, len, 3, other), YUMA_ARTEFACT_OK);
    yuma_gpt_hash(other, h_o);
    assert_memory_equal(h_o, h_m, 32);
    /* a checkpoint of another size */
    yuma_gpt_config c1;
    assert_true(yuma_gpt_config_named("T1", &c1));
    yuma_gpt *big = yuma_gpt_new(&c1, NULL, 0);
    assert_int_equal(yuma_checkpoint_decode(b, len, 3, big), YUMA_ARTEFACT_ERR_MODEL);
    yuma_gpt_free(big);
    free(t);
    free(b);
    yuma_gpt_free(m);
    yuma_gpt_free(other);
}

static void test_aggregator_format(void **state)
{
    (void)state;
    const uint8_t a[] = {1, 2, 3}, c[] = {9};
    yuma_aggregator_entry e[2] = {{2, 100, a, 3}, {5, 101, c, 1}};
    uint8_t *b;
    size_t len;
    assert_int_equal(yuma_aggregator_encode(4, e, 2, &b, &len), YUMA_ARTEFACT_OK);
    assert_int_equal(len, 4 + 2 + 8 + 4 + (14 + 3) + (14 + 1) + 4);
    yuma_aggregator_entry *out;
    size_t n;
    assert_int_equal(yuma_aggregator_decode(b, len, 4, &out, &n), YUMA_ARTEFACT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].uid, 2);
    assert_int_equal(out[0].stamp, 100);
    assert_int_equal(out[0].len, 3);
    assert_memory_equal(out[0].bytes, a, 3);
    assert_int_equal(out[1].uid, 5);
    assert_int_equal(out[1].stamp, 101);
    assert_memory_equal(out[1].bytes, c, 1);
    free(out);
    assert_int_equal(yuma_aggregator_decode(b, len, 5, &out, &n), YUMA_ARTEFACT_ERR_WINDOW);
    assert_null(out);
    for (size_t cut = 0; cut < len; cut++) assert_int_equal(yuma_aggregator_decode(b, cut, 4, &out, &n) != YUMA_ARTEFACT_OK, 1);
    assert_int_equal(yuma_aggregator_decode(b, len - 1, 4, &out, &n), YUMA_ARTEFACT_ERR_TRUNCATED);
    uint8_t *t = malloc(len);
    memcpy(t, b, len);
    t[18 + 14 + 3] = 2; /* the second uid equal to the first */
    fix_crc(t, len);
    assert_int_equal(yuma_aggregator_decode(t, len, 4, &out, &n), YUMA_ARTEFACT_ERR_ORDER);
    memcpy(t, b, len);
    t[14] = 0xff, t[15] = 0xff; /* a count the bytes cannot hold */
    fix_crc(t, len);
    assert_int_equal(yuma_aggregator_decode(t, len, 4, &out, &n), YUMA_ARTEFACT_ERR_TRUNCATED);
    memcpy(t, b, len);
    t[len - 5] ^= 1;
    assert_int_equal(yuma_aggregator_decode(t, len, 4, &out, &n), YUMA_ARTEFACT_ERR_CRC);
    free(t);
    free(b);
    yuma_aggregator_entry rev[2] = {e[1], e[0]};
    assert_int_equal(yuma_aggregator_encode(4, rev, 2, &b, &len), YUMA_ARTEFACT_ERR_ORDER);
    assert_int_equal(yuma_aggregator_encode(4, NULL, 0, &b, &len), YUMA_ARTEFACT_OK);
    assert_int_equal(yuma_aggregator_decode(b, len, 4, &out, &n), YUMA_ARTEFACT_OK);
    assert_int_equal(n, 0);
    free(out);
    free(b);
}

/* ---- peer lists ----------------------------------------------------------- */

static void test_peer_lists(void **state)
{
    (void)state;
    char *root = make_tmpdir();
    ts_env env;
    memset(&env, 0, sizeof env);
    char err[256];
    assert_int_equal(yuma_astore_open(&env.store, root, err, sizeof err), YUMA_ASTORE_OK);
    env.cfg.miners = 6;
    env.cfg.proto = yuma_trainsim_protocol_defaults();
    env.lead = 6;
    ts_err e = {err, sizeof err};
    ts_peers p = {3, 2, {4, 0, 2}, {1, 5}}, q;
    assert_true(ts_peers_post(&env, 6, &p, 53, &e));
    char path[4300];
    snprintf(path, sizeof path, "%s/6/peers-6.txt", root);
    FILE *f = fopen(path, "rb");
    char text[128] = {0};
    assert_true(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    assert_string_equal(text, "peers 6\ngather 4 0 2\nreserve 1 5\n");
    assert_true(ts_peers_read(&env, 9, &q, &e)); /* the newest list at or before 9 */
    assert_int_equal(q.n_gather, 3);
    assert_int_equal(q.gather[0], 4);
    assert_int_equal(q.gather[2], 2);
    assert_int_equal(q.n_reserve, 2);
    assert_int_equal(q.reserve[1], 5);
    assert_false(ts_peers_read(&env, 5, &q, &e));
    assert_non_null(strstr(err, "no peer list of the lead validator (uid 6) for window 5"));
    const char *bad[] = {"peers 6\ngather 4 0 2\nreserve 1 4\n", /* a uid twice */
                         "peers 6\ngather 4 0 9\nreserve\n",     /* not a miner */
                         "peers 7\ngather 4\nreserve\n",         /* another window */
                         "peers 6\ngather 4,0\nreserve\n", "peers 6\ngather 4\n", "garbage"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(yuma_astore_put(&env.store, 6, "peers-6.txt", bad[i], strlen(bad[i]), 1, err, sizeof err),
                         YUMA_ASTORE_OK);
        assert_false(ts_peers_read(&env, 6, &q, &e));
        assert_non_null(strstr(err, "is not a valid peer list"));
    }
    yuma_astore_close(&env.store);
    trainsim_rm_rf(root);
    free(root);
}

/* ---- catch-up and sync across nodes ---------------------------------------- */

static void test_catch_up(void **state)
{
    (void)state;
    yuma_corpus corpus = synthetic_corpus();
    char *root = make_tmpdir();
    char store[4200];
    snprintf(store, sizeof store, "%s/s", root);
    yuma_trainsim_config c;
    assert_true(yuma_trainsim_defaults("T0", &c));
    c.corpus = &corpus;
    c.store_dir = store;
    c.miners = 3;
    c.windows = 8;
    c.inner_steps = 2;
    c.heldout_every = 0;
    c.heldout_windows = 8;
    c.proto.checkpoint_every = 3;
    char err[512];
    yuma_trainsim *s = yuma_trainsim_new(&c, err, sizeof err);
    assert_non_null(s);
    uint8_t hashes[9][32];
    yuma_gpt_hash(yuma_trainsim_model(s), hashes[0]);
    for (uint64_t w = 0; w < c.windows; w++) {
        const yuma_trainsim_window_report *r;
        assert_true(yuma_trainsim_step(s, &r, err, sizeof err));
        /* every honest node ends every window with the same bits (§7.7) */
        assert_int_equal(r->nodes, 4);
        assert_int_equal(r->nodes_in_sync, 4);
        assert_int_equal(r->gathered, 3);
        for (size_t i = 0; i < r->miner_count; i++) assert_true(r->m[i].in_sync);
        memcpy(hashes[w + 1], r->model_hash, 32);
        assert_memory_not_equal(hashes[w + 1], hashes[w], 32);
    }
    const yuma_trainsim_protocol *p = &c.proto;
    yuma_astore st;
    assert_int_equal(yuma_astore_open(&st, store, err, sizeof err), YUMA_ASTORE_OK);
    yuma_gpt *m = yuma_gpt_clone(yuma_trainsim_model(s));
    const struct {
        uint64_t target, from;
    } cases[] = {{8, 6}, {7, 6}, {5, 3}, {3, 3}, {2, 0}, {0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        yuma_gpt_init(m, 999); /* a node with nothing */
        uint64_t from = 77;
        assert_int_equal(yuma_trainsim_catch_up(&st, 3, p, cases[i].target, m, &from, err, sizeof err),
                         YUMA_ARTEFACT_OK);
        assert_int_equal(from, cases[i].from);
        uint8_t h[32];
        yuma_gpt_hash(m, h);
        assert_memory_equal(h, hashes[cases[i].target], 32);
    }
    /* a missing aggregator: refused, the model untouched */
    uint8_t before[32], after[32];
    yuma_gpt_init(m, 999);
    yuma_gpt_hash(m, before);
    char path[4400];
    snprintf(path, sizeof path, "%s/3/aggregator-7.bin.meta", store);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(yuma_trainsim_catch_up(&st, 3, p, 8, m, NULL, err, sizeof err), YUMA_ARTEFACT_ERR_MISSING);
    assert_non_null(strstr(err, "aggregator-7.bin: no such object"));
    yuma_gpt_hash(m, after);
    assert_memory_equal(after, before, 32);
    /* a corrupted one: the checksum fails */
    snprintf(path, sizeof path, "%s/3/aggregator-4.bin", store);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 200, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(ch ^ 0x40, f);
    fclose(f);
    assert_int_equal(yuma_trainsim_catch_up(&st, 3, p, 5, m, NULL, err, sizeof err), YUMA_ARTEFACT_ERR_CRC);
    assert_non_null(strstr(err, "aggregator-4.bin"));
    yuma_gpt_hash(m, after);
    assert_memory_equal(after, before, 32);
    /* no checkpoint at all */
    assert_int_equal(yuma_trainsim_catch_up(&st, 2, p, 5, m, NULL, err, sizeof err), YUMA_ARTEFACT_ERR_MISSING);
    assert_non_null(strstr(err, "no checkpoint of uid 2"));
    /* the run is over */
    const yuma_trainsim_window_report *r;
    assert_false(yuma_trainsim_step(s, &r, err, sizeof err));
    assert_non_null(strstr(err, "the run is over"));
    yuma_gpt_free(m);
    yuma_astore_close(&st);
    yuma_trainsim_free(s);
    /* a store holding an earlier run is refused */
    s = yuma_trainsim_new(&c, err, sizeof err);
    assert_null(s);
    assert_non_null(strstr(err, "is not empty"));
    trainsim_rm_rf(root);
    free(root);
    yuma_corpus_free(&corpus);
}

/* ---- configuration errors ------------------------------------------------------ */

static void expect_bad(const yuma_trainsim_config *c, const char *want)
{
    char err[256] = "";
    assert_false(yuma_trainsim_config_check(c, err, sizeof err));
    if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
    assert_null(yuma_trainsim_new(c, err, sizeof err));
}

static void test_config_errors(void **state)
{
    (void)state;
    yuma_corpus corpus = synthetic_corpus();
    yuma_trainsim_config base, c;
    assert_false(yuma_trainsim_defaults("T9", &base));
    assert_true(yuma_trainsim_defaults("T0", &base));
    base.corpus = &corpus;
    base.store_dir = "/tmp/never-created-by-test-trainsim";
    char err[256];
    assert_true(yuma_trainsim_config_check(&base, err, sizeof err));
    c = base, c.miners = 0;
    expect_bad(&c, "miners must be 1..16");
    c = base, c.miners = 17;
    expect_bad(&c, "miners must be 1..16");
    c = base, c.validators = 0;
    expect_bad(&c, "validators must be 1..8");
    c = base, c.n_adversaries = 1, c.adversaries[0] = (yuma_adversary){YUMA_MINER_NOISE, 4, 0, UINT64_MAX, 0};
    expect_bad(&c, "adversary uid 4 is not a miner");
    c = base, c.n_adversaries = 2;
    c.adversaries[0] = (yuma_adversary){YUMA_MINER_NOISE, 1, 0, UINT64_MAX, 0};
    c.adversaries[1] = (yuma_adversary){YUMA_MINER_LAZY, 1, 0, UINT64_MAX, 0};
    expect_bad(&c, "uid 1 has two adversary roles");
    c = base, c.n_adversaries = 1, c.adversaries[0] = (yuma_adversary){YUMA_MINER_COPIER, 2, 0, UINT64_MAX, 2};
    expect_bad(&c, "needs a victim that is another miner");
    c = base, c.n_adversaries = 1, c.adversaries[0] = (yuma_adversary){YUMA_MINER_LAZY, 2, 5, 5, 0};
    expect_bad(&c, "window range is empty");
    c = base, c.n_adversaries = 1, c.adversaries[0] = (yuma_adversary){YUMA_MINER_HONEST, 2, 0, UINT64_MAX, 0};
    expect_bad(&c, "has no valid kind");
    c = base, c.mode = YUMA_SIM_DENSE, c.n_adversaries = 1;
    c.adversaries[0] = (yuma_adversary){YUMA_MINER_LAZY, 2, 0, UINT64_MAX, 0};
    expect_bad(&c, "adversaries need the sparse mode");
    c = base, c.store_dir = NULL;
    expect_bad(&c, "needs a store directory");
    c = base, c.e_rand = 31;
    expect_bad(&c, "E_rand must be 32..4096");
    c = base, c.e_own = 41;
    expect_bad(&c, "E_own 41 exceeds the pool");
    c = base, c.inner_lr = 0;
    expect_bad(&c, "inner lr must be in (0, 1]");
    c = base, c.proto.put_blocks = 9;
    expect_bad(&c, "put_blocks + 2");
    c = base, c.proto.gather = 0;
    expect_bad(&c, "gather must be 1..16");
    c = base, c.proto.peer_margin = 0;
    expect_bad(&c, "must be >= 1");
    c = base, c.gauntlet.binary_alpha = 0;
    expect_bad(&c, "scoring parameters");
    c = base, c.tempo = 0;
    expect_bad(&c, "tempo must be 1..65535");
    c = base, c.threads = 0;
    expect_bad(&c, "threads must be 1..64");
    c = base, c.heldout_windows = 257;
    expect_bad(&c, "held-out windows must be 0..256");
    c = base, c.corpus = NULL;
    expect_bad(&c, "no corpus");
    c = base, c.batch = 4096, c.inner_steps = 10;
    expect_bad(&c, "fewer than the 40960 a pool needs");
    c = base, c.model.n_heads = 3;
    expect_bad(&c, "model:");
    yuma_corpus_free(&corpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_roundtrip),  cmocka_unit_test(test_store_errors),
        cmocka_unit_test(test_debug_format),     cmocka_unit_test(test_checkpoint_format),
        cmocka_unit_test(test_aggregator_format), cmocka_unit_test(test_peer_lists),
        cmocka_unit_test(test_catch_up),         cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
