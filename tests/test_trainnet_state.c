/*
 * test_trainnet_state.c - the state a training-subnet process saves after
 * every window and restores on restart (src/subnet/train/net_state.c):
 * a miner's optimiser, error feedback, random stream and flags and a
 * validator's ratings and moving scores survive a save and a load bit for
 * bit (and a restored optimiser takes the same next step as the one that
 * was saved), a stale miner's kept update included; the file has the documented layout (magic, version, sizes,
 * a BLAKE2b-256 of everything before it, computed here independently);
 * every damaged, truncated, foreign or out-of-range file is refused with
 * its reason; and the file on disk is written whole, mode 0600, with no
 * temporary left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subnet/train/net_internal.h"

#define N_NORMS 7u
#define N_DBG 40u
#define MINERS 3u

typedef struct {
    yuma_gpt *model;
    size_t n;
} fixture;

static uint64_t rd_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static tn_state_id miner_id(size_t n)
{
    return (tn_state_id){.role = YUMA_TRAINNET_MINER, .self = 2, .miners = MINERS, .validators = 2, .seed = 77,
                         .start_block = 1234, .n_params = n, .n_norms = N_NORMS, .n_dbg = N_DBG};
}

static tn_state_id validator_id(size_t n)
{
    tn_state_id id = miner_id(n);
    id.role = YUMA_TRAINNET_VALIDATOR;
    id.self = MINERS + 1;
    return id;
}

static void random_floats(yuma_rng *r, float *f, size_t n)
{
    for (size_t i = 0; i < n; i++) f[i] = (float)(yuma_rng_normal(r) * 0.01);
}

static void miner_alloc(const fixture *fx, ts_miner *m)
{
    memset(m, 0, sizeof *m);
    yuma_adamw_config oc = yuma_adamw_defaults();
    m->opt = yuma_adamw_new(fx->model, &oc);
    m->ef = calloc(fx->n, sizeof *m->ef);
    m->norms = calloc(N_NORMS, sizeof *m->norms);
    assert_non_null(m->opt);
    assert_non_null(m->ef);
    assert_non_null(m->norms);
}

static void miner_release(ts_miner *m)
{
    yuma_adamw_free(m->opt);
    free(m->ef);
    free(m->norms);
}

/* A miner some way into a run: two optimiser steps taken, error feedback,
 * norms and its random stream all away from their initial values. */
static void miner_busy(fixture *fx, ts_miner *m)
{
    miner_alloc(fx, m);
    yuma_rng r;
    yuma_rng_seed(&r, 5);
    float *grads = malloc(fx->n * sizeof *grads);
    assert_non_null(grads);
    for (int step = 0; step < 2; step++) {
        random_floats(&r, grads, fx->n);
        yuma_adamw_step(m->opt, fx->model, grads, 1e-3);
    }
    free(grads);
    random_floats(&r, m->ef, fx->n);
    yuma_rng_seed(&m->rng, 99);
    for (int i = 0; i < 5; i++) yuma_rng_next(&m->rng);
    for (size_t i = 0; i < N_NORMS; i++) m->norms[i] = 0.5 + (double)i / 3;
    m->have_norms = true;
    m->desynced = true;
    m->caught_up = 3;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    yuma_gpt_config c;
    assert_true(yuma_gpt_config_named("T0", &c));
    char err[256];
    fx->model = yuma_gpt_new(&c, err, sizeof err);
    assert_non_null(fx->model);
    yuma_gpt_init(fx->model, 1);
    fx->n = yuma_gpt_num_params(fx->model);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    yuma_gpt_free(fx->model);
    free(fx);
    return 0;
}

static void test_miner_round_trip(void **state)
{
    fixture *fx = *state;
    ts_miner a, b;
    miner_busy(fx, &a);
    miner_alloc(fx, &b);
    tn_state_id id = miner_id(fx->n);
    uint8_t *file;
    size_t len;
    char msg[512] = "";
    ts_err e = {msg, sizeof msg};
    assert_true(tn_state_encode(&id, 9, &a, NULL, &file, &len, &e));

    /* the documented layout */
    size_t payload = 8 + 16 + 2 * 4 * fx->n + 4 * fx->n + 32 + 1 + 8 * N_NORMS + 1 + 4 + 1;
    assert_int_equal(len, 88 + payload + 32);
    assert_memory_equal(file, "YTNSTATE", 8);
    assert_int_equal(rd_u32(file + 8), 1);
    assert_int_equal(rd_u32(file + 12), 0);
    assert_int_equal(rd_u32(file + 16), 2);
    assert_int_equal(rd_u64(file + 32), 77);
    assert_int_equal(rd_u64(file + 40), 1234);
    assert_int_equal(rd_u64(file + 48), fx->n);
    assert_int_equal(rd_u64(file + 72), 9);
    assert_int_equal(rd_u64(file + 80), payload);
    assert_int_equal(rd_u64(file + 88), 2); /* AdamW steps */
    uint8_t sum[32];
    crypto_generichash(sum, sizeof sum, file, len - 32, NULL, 0);
    assert_memory_equal(sum, file + len - 32, 32);

    uint64_t w = 0;
    assert_true(tn_state_decode(&id, file, len, &w, &b, NULL, &e));
    assert_int_equal(w, 9);
    float *ma = malloc(2 * fx->n * sizeof *ma), *mb = malloc(2 * fx->n * sizeof *mb);
    uint64_t sa, sb;
    double pa[2], pb[2];
    yuma_adamw_get(a.opt, ma, ma + fx->n, &sa, pa);
    yuma_adamw_get(b.opt, mb, mb + fx->n, &sb, pb);
    assert_int_equal(sa, 2);
    assert_int_equal(sb, 2);
    assert_memory_equal(pa, pb, sizeof pa);
    assert_true(pa[0] == 0.9 * 0.9 && pa[1] == 0.95 * 0.95);
    assert_memory_equal(ma, mb, 2 * fx->n * sizeof *ma);
    assert_memory_equal(a.ef, b.ef, fx->n * sizeof *a.ef);
    assert_memory_equal(a.norms, b.norms, N_NORMS * sizeof *a.norms);
    assert_memory_equal(&a.rng, &b.rng, sizeof a.rng);
    assert_true(b.have_norms && b.desynced && !b.have_kept);
    assert_int_equal(b.caught_up, 3);
    free(ma);
    free(mb);

    /* the restored optimiser takes the same next step as the saved one */
    yuma_gpt *ta = yuma_gpt_clone(fx->model), *tb = yuma_gpt_clone(fx->model);
    float *ga = malloc(fx->n * sizeof *ga), *gb = malloc(fx->n * sizeof *gb);
    yuma_rng r;
    yuma_rng_seed(&r, 11);
    random_floats(&r, ga, fx->n);
    memcpy(gb, ga, fx->n * sizeof *ga);
    yuma_adamw_step(a.opt, ta, ga, 1e-3);
    yuma_adamw_step(b.opt, tb, gb, 1e-3);
    assert_memory_equal(yuma_gpt_params(ta), yuma_gpt_params(tb), fx->n * sizeof(float));
    /* ... and a fresh optimiser does not (the state matters) */
    ts_miner fresh;
    miner_alloc(fx, &fresh);
    yuma_gpt *tc = yuma_gpt_clone(fx->model);
    memcpy(ga, gb, fx->n * sizeof *ga);
    yuma_adamw_step(fresh.opt, tc, ga, 1e-3);
    assert_memory_not_equal(yuma_gpt_params(ta), yuma_gpt_params(tc), fx->n * sizeof(float));
    yuma_gpt_free(ta);
    yuma_gpt_free(tb);
    yuma_gpt_free(tc);
    free(ga);
    free(gb);
    miner_release(&fresh);
    free(file);
    miner_release(&a);
    miner_release(&b);
}

/* A stale miner re-sends the update it kept: that update survives too, and
 * is checked against the model's tensor list on the way in. */
static void test_miner_kept_update(void **state)
{
    fixture *fx = *state;
    yuma_trainsim_config sc;
    assert_true(yuma_trainsim_defaults("T0", &sc));
    const yuma_compress_params *cp = &sc.proto.compress;
    size_t nt = yuma_gpt_num_tensors(fx->model);
    yuma_tensor_desc *descs = calloc(nt, sizeof *descs);
    yuma_tensor_list tl;
    yuma_trainsim_tensor_list(fx->model, descs, &tl);
    float *delta = malloc(fx->n * sizeof *delta), *ef = calloc(fx->n, sizeof *ef);
    yuma_rng r;
    yuma_rng_seed(&r, 21);
    random_floats(&r, delta, fx->n);
    uint8_t digest[16] = {1, 2, 3};
    ts_miner a, b;
    miner_busy(fx, &a);
    miner_alloc(fx, &b);
    assert_int_equal(yuma_compress(&tl, cp, delta, ef, 3, 2, digest, 8, &a.kept), YUMA_COMPRESS_OK);
    a.have_kept = true;
    tn_state_id id = miner_id(fx->n);
    id.n_norms = N_NORMS;
    id.tl = &tl;
    id.chunk = cp->chunk;
    id.topk = cp->topk;
    uint8_t *file, *ea, *eb;
    size_t len, la, lb;
    char msg[512] = "";
    ts_err e = {msg, sizeof msg};
    assert_true(tn_state_encode(&id, 3, &a, NULL, &file, &len, &e));
    uint64_t w;
    assert_true(tn_state_decode(&id, file, len, &w, &b, NULL, &e));
    assert_true(b.have_kept);
    /* the same update: the same bytes in the update format, the same dense values */
    assert_int_equal(yuma_update_encode(&a.kept, &ea, &la), YUMA_UPDATE_OK);
    assert_int_equal(yuma_update_encode(&b.kept, &eb, &lb), YUMA_UPDATE_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(ea, eb, la);
    float *da = malloc(tl.total * sizeof *da), *db = malloc(tl.total * sizeof *db);
    assert_int_equal(yuma_sparse_to_dense(&a.kept, &tl, da), YUMA_COMPRESS_OK);
    assert_int_equal(yuma_sparse_to_dense(&b.kept, &tl, db), YUMA_COMPRESS_OK);
    assert_memory_equal(da, db, tl.total * sizeof *da);
    /* without the model's list to check it against, the update is refused */
    ts_miner c;
    miner_alloc(fx, &c);
    id.tl = NULL;
    assert_false(tn_state_decode(&id, file, len, &w, &c, NULL, &e));
    assert_non_null(strstr(msg, "its kept update"));
    free(da);
    free(db);
    free(ea);
    free(eb);
    free(file);
    yuma_sparse_update_free(&a.kept);
    yuma_sparse_update_free(&b.kept);
    miner_release(&a);
    miner_release(&b);
    miner_release(&c);
    free(delta);
    free(ef);
    free(descs);
}

static void validator_alloc(ts_validator *v)
{
    memset(v, 0, sizeof *v);
    v->avg_change = calloc(N_DBG, sizeof *v->avg_change);
    v->have_change = calloc(N_DBG, sizeof *v->have_change);
    assert_non_null(v->avg_change);
    assert_non_null(v->have_change);
    yuma_gauntlet_params gp = yuma_gauntlet_defaults();
    for (uint32_t u = 0; u < MINERS; u++) yuma_gauntlet_peer_init(&v->peers[u], &gp);
}

static void validator_busy(ts_validator *v)
{
    validator_alloc(v);
    for (uint32_t u = 0; u < MINERS; u++) {
        yuma_gauntlet_peer *p = &v->peers[u];
        p->mu = 25.0 + u * 1.25;
        p->sigma = 8.0 / (u + 1);
        p->g = -0.001 * u;
        p->b = u % 2 ? 1 : -1;
        p->B = 0.25 * u;
        p->sync = 3.5;
        p->F = 0.1 * u;
        p->weight = 0.3 * u;
        p->evals = 7 + u;
        p->plus = 3;
        p->inactive = u;
        p->banned_until = u == 2 ? 200 : 0;
        p->mega = u == 1;
        v->last_seen[u] = 10 + u;
        v->weights[u] = 0.2 * u;
    }
    for (size_t i = 0; i < N_DBG; i++) {
        v->avg_change[i] = (float)i / 7.0f;
        v->have_change[i] = i % 3 == 0;
    }
}

static void validator_release(ts_validator *v)
{
    free(v->avg_change);
    free(v->have_change);
}

static void test_validator_round_trip(void **state)
{
    fixture *fx = *state;
    ts_validator a, b;
    validator_busy(&a);
    validator_alloc(&b);
    tn_state_id id = validator_id(fx->n);
    uint8_t *file;
    size_t len;
    char msg[512] = "";
    ts_err e = {msg, sizeof msg};
    assert_true(tn_state_encode(&id, 4, NULL, &a, &file, &len, &e));
    assert_int_equal(len, 88 + MINERS * 97 + N_DBG * 5 + 32);
    assert_int_equal(rd_u32(file + 12), 1);
    /* miner 0's mu, as its IEEE-754 bits, first in the payload */
    double mu;
    uint64_t bits = rd_u64(file + 88);
    memcpy(&mu, &bits, 8);
    assert_true(mu == 25.0);
    uint64_t w = 0;
    assert_true(tn_state_decode(&id, file, len, &w, NULL, &b, &e));
    assert_int_equal(w, 4);
    for (uint32_t u = 0; u < MINERS; u++) {
        const yuma_gauntlet_peer *p = &a.peers[u], *q = &b.peers[u];
        assert_true(p->mu == q->mu && p->sigma == q->sigma && p->g == q->g && p->b == q->b && p->B == q->B &&
                    p->sync == q->sync && p->F == q->F && p->weight == q->weight);
        assert_true(p->evals == q->evals && p->plus == q->plus && p->inactive == q->inactive &&
                    p->banned_until == q->banned_until && p->mega == q->mega);
        assert_int_equal(a.last_seen[u], b.last_seen[u]);
        assert_true(a.weights[u] == b.weights[u]);
    }
    assert_memory_equal(a.avg_change, b.avg_change, N_DBG * sizeof(float));
    assert_memory_equal(a.have_change, b.have_change, N_DBG * sizeof(bool));
    free(file);
    validator_release(&a);
    validator_release(&b);
}

/* Decodes `data` for a fresh validator and returns whether it was refused
 * with a message containing `want`. */
static void expect_refused(const tn_state_id *id, const uint8_t *data, size_t len, const char *want)
{
    ts_validator v;
    validator_alloc(&v);
    char msg[512] = "";
    ts_err e = {msg, sizeof msg};
    uint64_t w = 0;
    assert_false(tn_state_decode(id, data, len, &w, NULL, &v, &e));
    if (!strstr(msg, want)) fail_msg("refusal '%s' does not say '%s'", msg, want);
    validator_release(&v);
}

static void resum(uint8_t *file, size_t len)
{
    crypto_generichash(file + len - 32, 32, file, len - 32, NULL, 0);
}

static void test_refusals(void **state)
{
    fixture *fx = *state;
    ts_validator a;
    validator_busy(&a);
    tn_state_id id = validator_id(fx->n);
    uint8_t *file;
    size_t len;
    char msg[512];
    ts_err e = {msg, sizeof msg};
    assert_true(tn_state_encode(&id, 4, NULL, &a, &file, &len, &e));
    uint8_t *bad = malloc(len + 1);

    expect_refused(&id, file, 10, "is truncated (10 bytes; a state file has at least 120)");
    expect_refused(&id, file, len - 1, "is truncated or has extra bytes");
    memcpy(bad, file, len);
    bad[len] = 0;
    expect_refused(&id, bad, len + 1, "is truncated or has extra bytes");
    bad[0] = 'X';
    expect_refused(&id, bad, len, "is not a training state file");
    memcpy(bad, file, len);
    bad[8] = 2;
    expect_refused(&id, bad, len, "has state format version 2; this yuma reads version 1");
    memcpy(bad, file, len);
    bad[100] ^= 0x10; /* inside miner 0's rating */
    expect_refused(&id, bad, len, "is damaged (its BLAKE2b-256 checksum does not match");
    memcpy(bad, file, len);
    bad[len - 1] ^= 1; /* the checksum itself */
    expect_refused(&id, bad, len, "is damaged");

    tn_state_id other = id;
    other.self = MINERS;
    expect_refused(&other, file, len, "belongs to validator uid 4, not to this validator (training uid 3)");
    other = id;
    other.role = YUMA_TRAINNET_MINER;
    expect_refused(&other, file, len, "belongs to validator uid 4, not to this miner");
    other = id;
    other.start_block = 999;
    expect_refused(&other, file, len, "is from another run (seed 77, start block 1234");
    other = id;
    other.seed = 1;
    expect_refused(&other, file, len, "is from another run");
    other = id;
    other.miners = MINERS + 1;
    expect_refused(&other, file, len, "is from another run");
    other = id;
    other.n_dbg = N_DBG + 1;
    expect_refused(&other, file, len, "is for another model");

    /* a checksum that matches but a value no writer produces */
    memcpy(bad, file, len);
    double sigma = -1;
    uint64_t bits;
    memcpy(&bits, &sigma, 8);
    for (int i = 0; i < 8; i++) bad[88 + 8 + i] = (uint8_t)(bits >> (8 * i));
    resum(bad, len);
    expect_refused(&id, bad, len, "miner 0's rating is out of range");
    /* a payload length that agrees with the file but not with the model */
    memcpy(bad, file, len);
    uint64_t shorter = rd_u64(file + 80) - 1;
    for (int i = 0; i < 8; i++) bad[80 + i] = (uint8_t)(shorter >> (8 * i));
    memmove(bad + len - 33, bad + len - 32, 32);
    resum(bad, len - 1);
    expect_refused(&id, bad, len - 1, "has a payload of the wrong size");
    free(bad);
    free(file);
    validator_release(&a);

    /* a miner's file with beta powers outside [0, 1] */
    ts_miner m, m2;
    miner_busy(fx, &m);
    miner_alloc(fx, &m2);
    tn_state_id mid = miner_id(fx->n);
    assert_true(tn_state_encode(&mid, 1, &m, NULL, &file, &len, &e));
    double two = 2;
    memcpy(&bits, &two, 8);
    for (int i = 0; i < 8; i++) file[96 + i] = (uint8_t)(bits >> (8 * i));
    resum(file, len);
    uint64_t w;
    msg[0] = 0;
    assert_false(tn_state_decode(&mid, file, len, &w, &m2, NULL, &e));
    assert_non_null(strstr(msg, "beta powers are not in [0, 1]"));
    free(file);
    miner_release(&m);
    miner_release(&m2);
}

static void test_files(void **state)
{
    fixture *fx = *state;
    char dir[] = "/tmp/yuma-state-XXXXXX";
    assert_non_null(mkdtemp(dir));
    tn_state_id id = validator_id(fx->n);
    ts_validator a, b;
    validator_busy(&a);
    validator_alloc(&b);
    char msg[1024] = "";
    ts_err e = {msg, sizeof msg};
    uint64_t w = 0;
    uint8_t saved[32], loaded[32];
    assert_int_equal(tn_state_load(dir, &id, &w, NULL, &b, loaded, &e), 0); /* no file: a cold start */
    assert_true(tn_state_save(dir, &id, 6, NULL, &a, saved, &e));
    a.peers[0].mu = 30; /* the next window's state replaces it */
    assert_true(tn_state_save(dir, &id, 7, NULL, &a, saved, &e));
    char path[512], tmp[520];
    snprintf(path, sizeof path, "%s/state.bin", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal((size_t)st.st_size, 88 + MINERS * 97 + N_DBG * 5 + 32);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_equal(tn_state_load(dir, &id, &w, NULL, &b, loaded, &e), 1);
    assert_int_equal(w, 7);
    assert_memory_equal(saved, loaded, 32);
    assert_true(b.peers[0].mu == 30);

    /* a torn file (as if cut short) is refused, naming the file and the way out */
    assert_int_equal(truncate(path, 200), 0);
    assert_int_equal(tn_state_load(dir, &id, &w, NULL, &b, loaded, &e), -1);
    assert_non_null(strstr(msg, path));
    assert_non_null(strstr(msg, "is truncated or has extra bytes (200 bytes"));
    assert_non_null(strstr(msg, "move it away to start this node cold"));
    unlink(path);
    rmdir(dir);
    validator_release(&a);
    validator_release(&b);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miner_round_trip),
        cmocka_unit_test(test_miner_kept_update),
        cmocka_unit_test(test_validator_round_trip),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
