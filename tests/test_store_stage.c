/*
 * test_store_stage.c - the store's two-step commit (yuma_store_stage_block
 * then yuma_store_write_staged, include/yuma/store.h), which a node uses
 * to write a block without holding its lock: between the steps the store
 * still answers at the previous block; write refuses anything but the
 * staged block; a failed write keeps the staged changes and a retry writes
 * them whole (checked against a reload); and writes run beside a thread
 * that queries the store the whole time, which sees every block up to the
 * store's height and never one beyond it.
 */
#define _GNU_SOURCE /* nftw, in store_fixture.h */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "yuma/chain.h"
#include "yuma/store.h"
#include "yuma/tx.h"

#include "store_fixture.h"

#define TXS 3     /* transfers a block: user i to user i + 1 */
#define CHAIN_ID 7

/* ---- a chain of signed transfers ---- */

typedef struct {
    uint8_t bytes[TXS][512];
    yuma_tx_bytes raw[TXS];
    uint8_t ids[TXS][32];
    yuma_block block;
    yuma_block_result res;
} built;

/* Applies a block of TXS transfers (user i to user i+1) to c. */
static void build_block(yuma_chain *c, built *b)
{
    memset(b, 0, sizeof *b);
    static yuma_tx tx;
    for (int i = 0; i < TXS; i++) {
        memset(&tx, 0, sizeof tx);
        tx.chain_id = yuma_chain_id(c);
        yuma_chain_genesis_hash(c, tx.genesis_hash);
        tx.signer = account_of(i);
        tx.nonce = yuma_chain_nonce(c, &tx.signer);
        tx.call.kind = YUMA_CALL_TRANSFER;
        tx.call.dest = account_of((i + 1) % USERS);
        tx.call.amount = 1000 + (uint64_t)i;
        tx.fee = yuma_chain_min_fee(c, yuma_tx_encoded_size(&tx));
        assert_true(yuma_tx_sign(&tx, users[i].sk));
        size_t len = yuma_tx_encode(&tx, b->bytes[i], sizeof b->bytes[i]);
        assert_true(len > 0);
        b->raw[i] = (yuma_tx_bytes){b->bytes[i], len};
        /* The id as the chain defines it, computed here independently. */
        crypto_generichash(b->ids[i], 32, b->bytes[i], len, NULL, 0);
    }
    b->block = (yuma_block){.height = yuma_chain_height(c) + 1, .author = author, .tx_count = TXS, .txs = b->raw};
    yuma_chain_last_hash(c, b->block.parent_hash);
    assert_int_equal(yuma_chain_apply_block(c, &b->block, &b->res), YUMA_CHAIN_OK);
}

static yuma_store *open_bound(const char *path)
{
    yuma_store *s = open_store(path);
    bind_store(s, CHAIN_ID);
    return s;
}

/* The store reloaded from its file equals chain c. */
static void assert_reloads_to(const char *path, yuma_chain *c)
{
    yuma_store *s = open_bound(path);
    yuma_chain *loaded = load(s, CHAIN_ID);
    assert_same_chain(c, loaded);
    yuma_chain_free(loaded);
    yuma_store_close(s);
}

/* ---- tests ---- */

/* Between stage and write the store answers at the previous block; after
 * write it has the block, its transactions and its state. */
static void test_stage_then_write(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_bound(f->path);
    yuma_chain *c = new_chain(CHAIN_ID);
    built b;
    build_block(c, &b);
    assert_int_equal(yuma_store_commit_block(s, c, &b.block, &b.res), YUMA_STORE_OK);
    free(b.res.call_status);

    build_block(c, &b);
    assert_int_equal(yuma_store_stage_block(s, c, &b.block, &b.res), YUMA_STORE_OK);
    yuma_store_block_info info;
    yuma_store_tx_info tx;
    assert_int_equal(yuma_store_height(s), 1);
    assert_int_equal(yuma_store_block(s, 2, &info), YUMA_STORE_ERR_NOT_FOUND);
    assert_int_equal(yuma_store_tx(s, b.ids[0], &tx), YUMA_STORE_ERR_NOT_FOUND);

    assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_OK);
    assert_string_equal(yuma_store_write_message(s), "");
    assert_int_equal(yuma_store_height(s), 2);
    assert_int_equal(yuma_store_block(s, 2, &info), YUMA_STORE_OK);
    assert_memory_equal(info.hash, b.res.block_hash, 32);
    assert_memory_equal(info.state_root, b.res.state_root, 32);
    assert_int_equal(info.tx_count, TXS);
    for (int i = 0; i < TXS; i++) {
        assert_int_equal(yuma_store_tx(s, b.ids[i], &tx), YUMA_STORE_OK);
        assert_int_equal(tx.height, 2);
        assert_int_equal(tx.index, (uint64_t)i);
    }
    free(b.res.call_status);
    yuma_store_close(s);
    assert_reloads_to(f->path, c);
    yuma_chain_free(c);
}

/* Write refuses a block that is not the staged one, and writes nothing. */
static void test_write_only_the_staged_block(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_bound(f->path);
    yuma_chain *c = new_chain(CHAIN_ID);
    built b;
    build_block(c, &b);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot write block 1: it is not the staged block (0)", f->path);
    assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_ERR_SEQUENCE);
    assert_string_equal(yuma_store_write_message(s), want);
    assert_int_equal(yuma_store_height(s), 0);

    assert_int_equal(yuma_store_stage_block(s, c, &b.block, &b.res), YUMA_STORE_OK);
    yuma_block other = b.block;
    other.height = 2;
    snprintf(want, sizeof want, "%s: cannot write block 2: it is not the staged block (1)", f->path);
    assert_int_equal(yuma_store_write_staged(s, &other, &b.res), YUMA_STORE_ERR_SEQUENCE);
    assert_string_equal(yuma_store_write_message(s), want);
    assert_int_equal(yuma_store_height(s), 0);
    yuma_store_block_info info;
    assert_int_equal(yuma_store_block(s, 1, &info), YUMA_STORE_ERR_NOT_FOUND);

    /* Stage keeps commit's sequence check. */
    assert_int_equal(yuma_store_stage_block(s, c, &other, &b.res), YUMA_STORE_ERR_SEQUENCE);

    assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_OK);
    assert_int_equal(yuma_store_height(s), 1);
    /* Written once: the same block again is no longer staged. */
    assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_ERR_SEQUENCE);
    free(b.res.call_status);
    yuma_store_close(s);
    assert_reloads_to(f->path, c);
    yuma_chain_free(c);
}

/* A failed write (an injected SQLite error) writes nothing, says why in
 * the write message, and keeps the staged changes: the retry writes the
 * block whole, as a reload shows. */
static void test_failed_write_retries(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_bound(f->path);
    yuma_chain *c = new_chain(CHAIN_ID);
    built b;
    build_block(c, &b);
    assert_int_equal(yuma_store_stage_block(s, c, &b.block, &b.res), YUMA_STORE_OK);
    raw_exec(f->path, "CREATE TRIGGER inject BEFORE INSERT ON blocks BEGIN SELECT RAISE(ABORT, 'injected'); END");
    char want[600];
    snprintf(want, sizeof want, "%s: committing block 1: injected", f->path);
    for (int attempt = 0; attempt < 2; attempt++) {
        assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_ERR_IO);
        assert_string_equal(yuma_store_write_message(s), want);
        assert_int_equal(yuma_store_height(s), 0);
    }
    raw_exec(f->path, "DROP TRIGGER inject");
    assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_OK);
    free(b.res.call_status);
    yuma_store_close(s);
    assert_reloads_to(f->path, c);
    yuma_chain_free(c);
}

/* ---- writes beside queries ---- */

#define BLOCKS 40

typedef struct {
    yuma_store *s;
    pthread_mutex_t *lock; /* what the node's lock is: stage and queries */
    atomic_bool done;
    atomic_int bad;        /* a query saw something it must not */
    atomic_long queries;
} reader;

static void *reader_main(void *arg)
{
    reader *r = arg;
    uint64_t last = 0;
    while (!atomic_load(&r->done)) {
        pthread_mutex_lock(r->lock);
        uint64_t h = yuma_store_height(r->s);
        yuma_store_block_info info;
        /* Monotonic; every block up to the height is there, none beyond. */
        if (h < last) atomic_store(&r->bad, 1);
        if (h > 0 && yuma_store_block(r->s, h, &info) != YUMA_STORE_OK) atomic_store(&r->bad, 2);
        else if (h > 0 && info.height != h) atomic_store(&r->bad, 3);
        if (yuma_store_block(r->s, h + 2, &info) != YUMA_STORE_ERR_NOT_FOUND) atomic_store(&r->bad, 4);
        pthread_mutex_unlock(r->lock);
        last = h;
        atomic_fetch_add(&r->queries, 1);
    }
    return NULL;
}

static void test_write_beside_queries(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_bound(f->path);
    yuma_chain *c = new_chain(CHAIN_ID);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    reader r = {.s = s, .lock = &lock};
    atomic_init(&r.done, false);
    atomic_init(&r.bad, 0);
    atomic_init(&r.queries, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
    for (int i = 0; i < BLOCKS; i++) {
        built b;
        pthread_mutex_lock(&lock);
        build_block(c, &b);
        yuma_store_status st = yuma_store_stage_block(s, c, &b.block, &b.res);
        pthread_mutex_unlock(&lock);
        assert_int_equal(st, YUMA_STORE_OK);
        assert_int_equal(yuma_store_write_staged(s, &b.block, &b.res), YUMA_STORE_OK);
        free(b.res.call_status);
    }
    atomic_store(&r.done, true);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&r.bad), 0);
    assert_true(atomic_load(&r.queries) > 0);
    assert_int_equal(yuma_store_height(s), BLOCKS);
    yuma_store_close(s);
    assert_reloads_to(f->path, c);
    yuma_chain_free(c);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    make_users();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stage_then_write, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_write_only_the_staged_block, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_retries, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_write_beside_queries, store_setup, store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
