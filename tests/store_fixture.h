/*
 * store_fixture.h - the fixture tests/test_store.c and
 * tests/test_store_stage.c share: a fresh mkdtemp() directory per test
 * (store_setup and store_teardown, cmocka's setup and teardown), USERS
 * funded accounts with their signing keys, genesis, chains and stores
 * made from them, raw SQL on a store's file behind its back, and the
 * check that two chains agree.
 *
 * Static inline functions and static data: tests/CMakeLists.txt builds
 * each tests/test_*.c as a program of its own, so every program that
 * includes this has its own copy. Define _GNU_SOURCE (for nftw) before
 * the first #include.
 */
#ifndef YUMA_TESTS_STORE_FIXTURE_H
#define YUMA_TESTS_STORE_FIXTURE_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "yuma/chain.h"
#include "yuma/store.h"

/* ---- a directory per test ---- */

typedef struct {
    char dir[64];
    char path[128]; /* dir/chain.db */
} fixture;

static inline int store_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/yuma-store-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/chain.db", f->dir);
    *state = f;
    return 0;
}

static inline int store_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline int store_teardown(void **state)
{
    fixture *f = *state;
    int rc = nftw(f->dir, store_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* ---- users and genesis ---- */

#define USERS 8

typedef struct {
    unsigned char pk[32], sk[64];
} user;

/* User i's keys come from the seed {i + 1, 0, ...}; it starts with
 * (i + 1) * 1000 TAO. Blocks are authored by 0xAA... (make_users). */
static user users[USERS];
static yuma_account author;
static yuma_genesis_balance balances[USERS];

static inline void make_users(void)
{
    for (int i = 0; i < USERS; i++) {
        unsigned char seed[32] = {0};
        seed[0] = (unsigned char)(i + 1);
        crypto_sign_seed_keypair(users[i].pk, users[i].sk, seed);
        memcpy(balances[i].account.bytes, users[i].pk, 32);
        balances[i].balance = (uint64_t)(i + 1) * 1000 * 1000000000ull;
    }
    memset(author.bytes, 0xAA, 32);
}

static inline yuma_account account_of(int i)
{
    yuma_account a;
    memcpy(a.bytes, users[i].pk, 32);
    return a;
}

static inline yuma_genesis genesis(uint64_t chain_id)
{
    return (yuma_genesis){.chain_id = chain_id, .params = yuma_chain_params_default(), .balance_count = USERS,
                          .balances = balances};
}

static inline yuma_chain *new_chain(uint64_t chain_id)
{
    yuma_genesis g = genesis(chain_id);
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    return c;
}

/* ---- stores ---- */

static inline yuma_store *open_store(const char *path)
{
    yuma_store *s;
    char msg[512];
    yuma_store_status st = yuma_store_open(path, &s, msg, sizeof msg);
    if (st != YUMA_STORE_OK) fail_msg("open %s: %s", path, msg);
    return s;
}

/* Binds the store to genesis(chain_id), with a genesis document. */
static inline void bind_store(yuma_store *s, uint64_t chain_id)
{
    yuma_genesis g = genesis(chain_id);
    if (yuma_store_bind_genesis(s, &g, "genesis-doc", 11) != YUMA_STORE_OK)
        fail_msg("bind: %s", yuma_store_message(s));
}

static inline yuma_chain *load(yuma_store *s, uint64_t chain_id)
{
    yuma_genesis g = genesis(chain_id);
    yuma_chain *c;
    if (yuma_store_load(s, &g, &c) != YUMA_STORE_OK) fail_msg("load: %s", yuma_store_message(s));
    return c;
}

/* Raw SQL on the store's file from a second connection, as an operator
 * (or a bug, or a disk) would change it behind the node's back. */
static inline void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("raw sql %s: %s", sql, err);
    sqlite3_close(db);
}

/* Height, last hash, root and every account of two chains agree, and b's
 * supply audit holds. */
static inline void assert_same_chain(yuma_chain *a, yuma_chain *b)
{
    assert_int_equal(yuma_chain_height(a), yuma_chain_height(b));
    uint8_t ha[32], hb[32];
    yuma_chain_last_hash(a, ha);
    yuma_chain_last_hash(b, hb);
    assert_memory_equal(ha, hb, 32);
    yuma_chain_state_root(a, ha);
    yuma_chain_state_root(b, hb);
    assert_memory_equal(ha, hb, 32);
    for (int i = 0; i < USERS; i++) {
        yuma_account u = account_of(i);
        assert_int_equal(yuma_chain_balance(a, &u), yuma_chain_balance(b, &u));
        assert_int_equal(yuma_chain_nonce(a, &u), yuma_chain_nonce(b, &u));
    }
    assert_int_equal(yuma_chain_balance(a, &author), yuma_chain_balance(b, &author));
    assert_int_equal(yuma_chain_total_issuance(a), yuma_chain_total_issuance(b));
    char detail[160];
    assert_true(yuma_chain_audit_supply(b, detail, sizeof detail));
}

#endif
