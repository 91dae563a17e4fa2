/*
 * test_store.c - the node's SQLite persistence (include/yuma/store.h,
 * docs/STORE.md): open, reopen and the genesis binding; blocks of random
 * signed transfers committed, reloaded and replayed to the same height,
 * hash, root and balances; the RPC queries; the commit's atomicity under
 * an injected SQLite failure (nothing written, nothing lost, retry works);
 * a writer killed with SIGKILL at random moments at least 50 times, each
 * restart checked against a replay from genesis and against every block
 * and transaction the writer reported committed; and every error with its
 * message (not SQLite, another application's database, a truncated file,
 * a newer schema, another genesis, tampered state and transactions).
 *
 * Each test works in its own mkdtemp() directory. The crash test is seeded
 * (CRASH_SEED) so a failure repeats; its time is bounded by its kill count.
 */
#define _GNU_SOURCE /* nftw, in store_fixture.h */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "chain/chain_internal.h"
#include "yuma/chain.h"
#include "yuma/store.h"
#include "yuma/tx.h"

#include "store_fixture.h"

#define MAX_TXS 4
#define CRASH_SEED 20240917u
#define CRASH_KILLS 50

/* ---- transactions (as in test_chain.c) ---- */

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

typedef struct {
    uint8_t bytes[512];
    size_t len;
} encoded;

/* Signs and encodes; 0 length on failure. No cmocka assertion here: the
 * crash test's child process uses it. */
static encoded sign_transfer(const yuma_chain *c, int from, int to, uint64_t amount, uint64_t nonce, uint64_t fee)
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(c);
    yuma_chain_genesis_hash(c, tx.genesis_hash);
    tx.signer = account_of(from);
    tx.nonce = nonce;
    tx.fee = fee;
    tx.call.kind = YUMA_CALL_TRANSFER;
    tx.call.dest = account_of(to);
    tx.call.amount = amount;
    encoded e = {.len = 0};
    if (yuma_tx_sign(&tx, users[from].sk)) e.len = yuma_tx_encode(&tx, e.bytes, sizeof e.bytes);
    return e;
}

/* A block of up to MAX_TXS random transfers, applied to c. Some calls
 * fail on purpose (zero amount, to oneself, more than the balance) so
 * non-zero call statuses are stored too. */
typedef struct {
    encoded txs[MAX_TXS];
    yuma_tx_bytes raw[MAX_TXS];
    yuma_block block;
    yuma_block_result res;
} built;

static bool build_block(yuma_chain *c, rng *r, built *b)
{
    memset(b, 0, sizeof *b);
    size_t n = next(r) % (MAX_TXS + 1);
    uint64_t used[USERS] = {0};
    for (size_t i = 0; i < n; i++) {
        int from = (int)(next(r) % USERS), to = (int)(next(r) % USERS);
        yuma_account f = account_of(from);
        uint64_t amount = next(r) % 5 == 0 ? 0 : next(r) % (yuma_chain_balance(c, &f) + 1000000000ull);
        uint64_t nonce = yuma_chain_nonce(c, &f) + used[from]++;
        encoded probe = sign_transfer(c, from, to, amount, nonce, 0);
        if (probe.len == 0) return false;
        b->txs[i] = sign_transfer(c, from, to, amount, nonce, yuma_chain_min_fee(c, probe.len) + next(r) % 1000);
        if (b->txs[i].len == 0) return false;
        b->raw[i] = (yuma_tx_bytes){b->txs[i].bytes, b->txs[i].len};
    }
    b->block = (yuma_block){.height = yuma_chain_height(c) + 1, .author = author, .tx_count = n, .txs = b->raw};
    yuma_chain_last_hash(c, b->block.parent_hash);
    return yuma_chain_apply_block(c, &b->block, &b->res) == YUMA_CHAIN_OK;
}

/* Applies an already built block (same transactions) to another chain. */
static void apply_same(yuma_chain *c, const built *b, yuma_block_result *res)
{
    assert_int_equal(yuma_chain_apply_block(c, &b->block, res), YUMA_CHAIN_OK);
}

static void tx_id(const encoded *e, uint8_t id[32])
{
    static yuma_tx tx;
    assert_int_equal(yuma_tx_decode(e->bytes, e->len, &tx, NULL), YUMA_TX_OK);
    assert_true(yuma_tx_hash(&tx, id));
}

static void commit(yuma_store *s, yuma_chain *c, built *b)
{
    if (yuma_store_commit_block(s, c, &b->block, &b->res) != YUMA_STORE_OK)
        fail_msg("commit %llu: %s", (unsigned long long)b->block.height, yuma_store_message(s));
}

static bool count_change(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)key;
    (void)klen;
    (void)val;
    (void)vlen;
    ++*(size_t *)ctx;
    return true;
}

static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void raw_text(const char *path, const char *sql, char *out, size_t cap)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* BLAKE2b over every state row in key order: "did anything change". */
static void state_digest(const char *path, uint8_t out[32])
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT key, value FROM state ORDER BY key", -1, &st, NULL), SQLITE_OK);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int col = 0; col < 2; col++) {
            uint32_t n = (uint32_t)sqlite3_column_bytes(st, col);
            crypto_generichash_update(&h, (const uint8_t *)&n, sizeof n);
            if (n) crypto_generichash_update(&h, sqlite3_column_blob(st, col), n);
        }
    crypto_generichash_final(&h, out, 32);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void hex(const uint8_t b[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Commits n random blocks to a fresh store at path; returns the chain. */
static yuma_chain *fill_store(const char *path, int n, uint64_t seed)
{
    yuma_store *s = open_store(path);
    bind_store(s, 1);
    yuma_chain *c = new_chain(1);
    rng r = {seed};
    for (int i = 0; i < n; i++) {
        built b;
        assert_true(build_block(c, &r, &b));
        commit(s, c, &b);
        free(b.res.call_status);
    }
    yuma_store_close(s);
    return c;
}

/* ---- tests ---- */

static void test_open_reopen(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    assert_int_equal(yuma_store_height(s), 0);
    assert_string_equal(yuma_store_message(s), "");

    yuma_genesis g = genesis(1);
    yuma_chain *c;
    char want[1024];
    assert_int_equal(yuma_store_load(s, &g, &c), YUMA_STORE_ERR_NO_GENESIS);
    assert_null(c);
    snprintf(want, sizeof want, "%s: the store has no genesis yet (bind one first)", f->path);
    assert_string_equal(yuma_store_message(s), want);
    uint8_t *doc;
    size_t doc_len;
    assert_int_equal(yuma_store_genesis_doc(s, &doc, &doc_len), YUMA_STORE_ERR_NO_GENESIS);
    snprintf(want, sizeof want, "%s: the store has no genesis yet", f->path);
    assert_string_equal(yuma_store_message(s), want);

    /* An invalid genesis is refused with the chain's reason. */
    yuma_genesis_balance dup[2] = {balances[0], balances[0]};
    yuma_genesis bad = {.chain_id = 1, .params = yuma_chain_params_default(), .balance_count = 2, .balances = dup};
    assert_int_equal(yuma_store_bind_genesis(s, &bad, NULL, 0), YUMA_STORE_ERR_GENESIS);
    assert_string_equal(yuma_store_message(s),
                        "the genesis is invalid: invalid genesis: duplicate account or supply above 21M TAO");

    bind_store(s, 1);
    bind_store(s, 1); /* the same genesis again: accepted, nothing rewritten */
    yuma_store_close(s);

    s = open_store(f->path);
    assert_int_equal(yuma_store_genesis_doc(s, &doc, &doc_len), YUMA_STORE_OK);
    assert_int_equal(doc_len, 11);
    assert_memory_equal(doc, "genesis-doc", 11);
    free(doc);
    /* Nothing committed: the genesis chain, with its genesis records still
     * listed for the first commit. */
    c = load(s, 1);
    yuma_chain *fresh = new_chain(1);
    assert_same_chain(fresh, c);
    size_t pending = 0;
    assert_true(yuma_chain_drain_changes(c, count_change, &pending));
    assert_true(pending > USERS);
    yuma_chain_free(fresh);
    yuma_chain_free(c);
    yuma_store_close(s);

    /* The file says what it is and how it journals. */
    char mode[16];
    raw_text(f->path, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(raw_int(f->path, "PRAGMA application_id"), 0x59554D41);
    assert_int_equal(raw_int(f->path, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    assert_int_equal(raw_int(f->path, "SELECT value FROM meta WHERE key = 'chain_id'"), 1);

    /* An empty document is stored as such. */
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    s = open_store(other);
    assert_int_equal(yuma_store_bind_genesis(s, &g, NULL, 0), YUMA_STORE_OK);
    assert_int_equal(yuma_store_genesis_doc(s, &doc, &doc_len), YUMA_STORE_OK);
    assert_int_equal(doc_len, 0);
    free(doc);
    yuma_store_close(s);

    /* An empty file (touched by an installer, say) is claimed as new. */
    snprintf(other, sizeof other, "%s/empty.db", f->dir);
    FILE *fp = fopen(other, "w");
    assert_non_null(fp);
    fclose(fp);
    s = open_store(other);
    assert_int_equal(yuma_store_height(s), 0);
    yuma_store_close(s);
}

static void test_commit_load_replay(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    bind_store(s, 1);
    yuma_chain *c = new_chain(1);
    rng r = {77};
    enum { BLOCKS = 60 };
    uint8_t hashes[BLOCKS + 1][32];
    size_t failed_calls = 0, txs = 0;
    for (int i = 1; i <= BLOCKS; i++) {
        built b;
        assert_true(build_block(c, &r, &b));
        commit(s, c, &b);
        assert_int_equal(yuma_store_height(s), i);
        memcpy(hashes[i], b.res.block_hash, 32);
        yuma_store_block_info info;
        assert_int_equal(yuma_store_block(s, (uint64_t)i, &info), YUMA_STORE_OK);
        assert_int_equal(info.height, i);
        assert_memory_equal(info.hash, b.res.block_hash, 32);
        assert_memory_equal(info.parent_hash, b.block.parent_hash, 32);
        assert_memory_equal(info.author.bytes, author.bytes, 32);
        assert_memory_equal(info.state_root, b.res.state_root, 32);
        assert_int_equal(info.tx_count, b.block.tx_count);
        for (size_t t = 0; t < b.block.tx_count; t++) {
            uint8_t id[32];
            tx_id(&b.txs[t], id);
            yuma_store_tx_info ti;
            assert_int_equal(yuma_store_tx(s, id, &ti), YUMA_STORE_OK);
            assert_int_equal(ti.height, i);
            assert_int_equal(ti.index, t);
            assert_int_equal(ti.call_status, b.res.call_status[t]);
            failed_calls += b.res.call_status[t] != YUMA_CALL_OK;
            txs++;
        }
        free(b.res.call_status);
    }
    assert_true(txs > 60 && failed_calls > 5 && failed_calls < txs); /* both kinds stored */

    yuma_store_block_info info;
    char want[512];
    assert_int_equal(yuma_store_block(s, BLOCKS + 1, &info), YUMA_STORE_ERR_NOT_FOUND);
    assert_string_equal(yuma_store_message(s), "no block 61 is stored");
    assert_int_equal(yuma_store_block(s, 0, &info), YUMA_STORE_ERR_NOT_FOUND);
    assert_string_equal(yuma_store_message(s), "no block 0 is stored");
    uint8_t unknown[32];
    memset(unknown, 0x5A, 32);
    yuma_store_tx_info ti;
    assert_int_equal(yuma_store_tx(s, unknown, &ti), YUMA_STORE_ERR_NOT_FOUND);
    char hx[65];
    hex(unknown, hx);
    snprintf(want, sizeof want, "no stored block includes transaction %s", hx);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);

    /* Restart: the same chain, and nothing listed to be written again. */
    s = open_store(f->path);
    assert_int_equal(yuma_store_height(s), BLOCKS);
    yuma_chain *loaded = load(s, 1);
    assert_same_chain(c, loaded);
    size_t pending = 0;
    assert_true(yuma_chain_drain_changes(loaded, count_change, &pending));
    assert_int_equal(pending, 0);
    uint8_t root[32], want_root[32];
    uint64_t height = 0;
    yuma_genesis g = genesis(2); /* another chain */
    assert_int_equal(yuma_store_replay(s, &g, root, &height), YUMA_STORE_ERR_GENESIS_MISMATCH);
    g = genesis(1);
    assert_int_equal(yuma_store_replay(s, &g, root, &height), YUMA_STORE_OK);
    yuma_chain_state_root(c, want_root);
    assert_memory_equal(root, want_root, 32);
    assert_int_equal(height, BLOCKS);

    /* The loaded chain goes on: it commits only what the next blocks
     * change, and a second restart still equals the in-memory chain. */
    for (int i = 0; i < 5; i++) {
        built b;
        assert_true(build_block(loaded, &r, &b));
        yuma_block_result other;
        apply_same(c, &b, &other);
        assert_memory_equal(other.block_hash, b.res.block_hash, 32);
        free(other.call_status);
        commit(s, loaded, &b);
        free(b.res.call_status);
    }
    yuma_store_close(s);
    s = open_store(f->path);
    yuma_chain *again = load(s, 1);
    assert_same_chain(c, again);
    assert_int_equal(yuma_store_replay(s, &g, root, NULL), YUMA_STORE_OK);
    yuma_chain_state_root(c, want_root);
    assert_memory_equal(root, want_root, 32);
    yuma_chain_free(again);
    yuma_chain_free(loaded);
    yuma_chain_free(c);
    yuma_store_close(s);
}

static void test_sequence_errors(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    yuma_chain *c = new_chain(1);
    rng r = {5};
    built b1, b2;
    assert_true(build_block(c, &r, &b1));
    char want[1024];

    /* Unbound store. */
    assert_int_equal(yuma_store_commit_block(s, c, &b1.block, &b1.res), YUMA_STORE_ERR_NO_GENESIS);
    snprintf(want, sizeof want, "%s: the store has no genesis yet (bind one first)", f->path);
    assert_string_equal(yuma_store_message(s), want);
    bind_store(s, 1);

    /* Another genesis' chain. */
    yuma_chain *other = new_chain(2);
    built o;
    assert_true(build_block(other, &r, &o));
    assert_int_equal(yuma_store_commit_block(s, other, &o.block, &o.res), YUMA_STORE_ERR_GENESIS_MISMATCH);
    uint8_t h1[32], h2[32];
    yuma_chain_genesis_hash(c, h1);
    yuma_chain_genesis_hash(other, h2);
    char x1[65], x2[65];
    hex(h1, x1);
    hex(h2, x2);
    snprintf(want, sizeof want,
             "%s: the store belongs to genesis %s (chain id 1), not to genesis %s (chain id 2)", f->path, x1, x2);
    assert_string_equal(yuma_store_message(s), want);
    free(o.res.call_status);
    yuma_chain_free(other);

    /* A result that is not the chain's last block. */
    yuma_block_result forged = b1.res;
    forged.block_hash[0] ^= 1;
    assert_int_equal(yuma_store_commit_block(s, c, &b1.block, &forged), YUMA_STORE_ERR_SEQUENCE);
    snprintf(want, sizeof want, "%s: cannot commit block 1: its result is not the chain's last applied block",
             f->path);
    assert_string_equal(yuma_store_message(s), want);

    /* Block 1 applied but not committed, then block 2: neither can be
     * committed any more (the changes of both are mixed in the chain). */
    assert_true(build_block(c, &r, &b2));
    assert_int_equal(yuma_store_commit_block(s, c, &b2.block, &b2.res), YUMA_STORE_ERR_SEQUENCE);
    snprintf(want, sizeof want, "%s: cannot commit block 2: the store is at block 0 and the chain at block 2",
             f->path);
    assert_string_equal(yuma_store_message(s), want);
    assert_int_equal(yuma_store_commit_block(s, c, &b1.block, &b1.res), YUMA_STORE_ERR_SEQUENCE);
    snprintf(want, sizeof want, "%s: cannot commit block 1: the store is at block 0 and the chain at block 2",
             f->path);
    assert_string_equal(yuma_store_message(s), want);
    assert_int_equal(yuma_store_height(s), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM blocks"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM state"), 0);
    free(b1.res.call_status);
    free(b2.res.call_status);
    yuma_chain_free(c);
    yuma_store_close(s);
}

/* A SQLite failure inside the commit (injected with a trigger, at the
 * block row, after the state rows; then at the state rows) writes nothing
 * and keeps the drained changes, so a retry commits the block whole. */
static void test_commit_failure_is_atomic(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    bind_store(s, 1);
    yuma_chain *c = new_chain(1);
    rng r = {31};
    for (int i = 0; i < 2; i++) {
        built b;
        assert_true(build_block(c, &r, &b));
        commit(s, c, &b);
        free(b.res.call_status);
    }
    const char *triggers[] = {
        "CREATE TRIGGER inject BEFORE INSERT ON blocks BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        "CREATE TRIGGER inject BEFORE UPDATE ON state BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    };
    for (int k = 0; k < 2; k++) {
        built b;
        for (;;) { /* the failing block carries transfers */
            assert_true(build_block(c, &r, &b));
            if (b.block.tx_count > 0) break;
            commit(s, c, &b);
            free(b.res.call_status);
        }
        uint8_t before[32], after[32];
        state_digest(f->path, before);
        int64_t txs_before = raw_int(f->path, "SELECT count(*) FROM txs");
        uint64_t h = b.block.height, committed = yuma_store_height(s);
        raw_exec(f->path, triggers[k]);
        for (int attempt = 0; attempt < 2; attempt++) { /* failing twice loses nothing either */
            assert_int_equal(yuma_store_commit_block(s, c, &b.block, &b.res), YUMA_STORE_ERR_IO);
            char want[512];
            snprintf(want, sizeof want, "%s: committing block %llu: injected failure", f->path,
                     (unsigned long long)h);
            assert_string_equal(yuma_store_message(s), want);
            assert_int_equal(yuma_store_height(s), committed);
            state_digest(f->path, after);
            assert_memory_equal(before, after, 32);
            assert_int_equal(raw_int(f->path, "SELECT max(height) FROM blocks"), committed);
            assert_int_equal(raw_int(f->path, "SELECT count(*) FROM txs"), txs_before);
        }
        raw_exec(f->path, "DROP TRIGGER inject");
        commit(s, c, &b);
        free(b.res.call_status);
        assert_int_equal(yuma_store_height(s), h);
        yuma_store_close(s);
        s = open_store(f->path);
        yuma_chain *loaded = load(s, 1);
        assert_same_chain(c, loaded);
        yuma_chain_free(loaded);
    }
    yuma_chain_free(c);
    yuma_store_close(s);
}

/* A full disk (RLIMIT_FSIZE: the WAL may not grow) fails the commit
 * with SQLite's reason and writes nothing; with room again, the same
 * commit goes through whole. */
static void test_disk_full(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    bind_store(s, 1);
    yuma_chain *c = new_chain(1);
    rng r = {41};
    built b;
    assert_true(build_block(c, &r, &b));
    commit(s, c, &b);
    free(b.res.call_status);
    do assert_true(build_block(c, &r, &b));
    while (b.block.tx_count == 0 && (commit(s, c, &b), free(b.res.call_status), true));
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    uint8_t before[32], after[32];
    state_digest(f->path, before);
    uint64_t committed = yuma_store_height(s);

    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = (rlim_t)sb.st_size;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    yuma_store_status st = yuma_store_commit_block(s, c, &b.block, &b.res);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);

    assert_int_equal(st, YUMA_STORE_ERR_IO);
    char want[512];
    snprintf(want, sizeof want, "%s: committing block %llu: disk I/O error", f->path,
             (unsigned long long)b.block.height);
    assert_string_equal(yuma_store_message(s), want);
    assert_int_equal(yuma_store_height(s), committed);
    state_digest(f->path, after);
    assert_memory_equal(before, after, 32);
    commit(s, c, &b);
    free(b.res.call_status);
    yuma_store_close(s);
    s = open_store(f->path);
    yuma_chain *loaded = load(s, 1);
    assert_same_chain(c, loaded);
    yuma_chain_free(loaded);
    yuma_chain_free(c);
    yuma_store_close(s);
}

/* SQLite failing while the genesis is bound: the store stays unbound. */
static void test_bind_failure(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    raw_exec(f->path, "CREATE TRIGGER inject BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    yuma_genesis g = genesis(1);
    assert_int_equal(yuma_store_bind_genesis(s, &g, "doc", 3), YUMA_STORE_ERR_IO);
    char want[512];
    snprintf(want, sizeof want, "%s: binding the genesis: injected failure", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_chain *c;
    assert_int_equal(yuma_store_load(s, &g, &c), YUMA_STORE_ERR_NO_GENESIS);
    raw_exec(f->path, "DROP TRIGGER inject");
    bind_store(s, 1);
    c = load(s, 1);
    yuma_chain_free(c);
    yuma_store_close(s);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM meta WHERE key = 'genesis_doc'"), 1);
}

static void check_open_error(const char *path, yuma_store_status want, const char *want_msg)
{
    static char sentinel;
    yuma_store *s = (yuma_store *)(void *)&sentinel; /* not NULL: open must clear it */
    char msg[512];
    assert_int_equal(yuma_store_open(path, &s, msg, sizeof msg), want);
    assert_null(s);
    assert_string_equal(msg, want_msg);
}

static void test_open_errors(void **state)
{
    fixture *f = *state;
    char path[256], want[512];

    snprintf(path, sizeof path, "%s/no/such/dir/chain.db", f->dir);
    snprintf(want, sizeof want, "%s: cannot open: unable to open database file", path);
    check_open_error(path, YUMA_STORE_ERR_OPEN, want);
    snprintf(want, sizeof want, "%s: cannot open: unable to open database file", f->dir);
    check_open_error(f->dir, YUMA_STORE_ERR_OPEN, want);

    /* Another application's database is left untouched. */
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    raw_exec(path, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ada')");
    snprintf(want, sizeof want,
             "%s: not a yuma store: a SQLite database with application id 0x00000000 and 1 schema objects", path);
    check_open_error(path, YUMA_STORE_ERR_NOT_YUMA, want);
    char mode[16];
    raw_text(path, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "delete");
    snprintf(path, sizeof path, "%s/app.db", f->dir);
    raw_exec(path, "PRAGMA application_id = 1234");
    snprintf(want, sizeof want,
             "%s: not a yuma store: a SQLite database with application id 0x000004d2 and 0 schema objects", path);
    check_open_error(path, YUMA_STORE_ERR_NOT_YUMA, want);

    /* Not SQLite at all. */
    snprintf(path, sizeof path, "%s/garbage.db", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    uint8_t junk[8192];
    rng r = {9};
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)next(&r);
    assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
    fclose(fp);
    snprintf(want, sizeof want, "%s: not a yuma store: file is not a database", path);
    check_open_error(path, YUMA_STORE_ERR_NOT_YUMA, want);

    /* A store written by a newer yuma. */
    yuma_chain *c = fill_store(f->path, 3, 1);
    yuma_chain_free(c);
    raw_exec(f->path, "UPDATE meta SET value = 3 WHERE key = 'schema_version'");
    snprintf(want, sizeof want, "%s: schema version 3 is newer than this build's 2: use a newer yuma", f->path);
    check_open_error(f->path, YUMA_STORE_ERR_SCHEMA_NEWER, want);
    raw_exec(f->path, "DELETE FROM meta WHERE key = 'schema_version'");
    snprintf(want, sizeof want, "%s: the store has no valid schema version", f->path);
    check_open_error(f->path, YUMA_STORE_ERR_CORRUPT, want);
    raw_exec(f->path, "INSERT INTO meta VALUES ('schema_version', 2); DELETE FROM meta WHERE key = 'chain_id'");
    snprintf(want, sizeof want, "%s: the genesis binding in meta is incomplete", f->path);
    check_open_error(f->path, YUMA_STORE_ERR_CORRUPT, want);
    raw_exec(f->path, "INSERT INTO meta VALUES ('chain_id', 1)");
    yuma_store_close(open_store(f->path)); /* repaired */

    /* Tables of ours that are gone. */
    raw_exec(f->path, "DROP TABLE txs");
    snprintf(want, sizeof want, "%s: preparing statements: no such table: txs", f->path);
    check_open_error(f->path, YUMA_STORE_ERR_CORRUPT, want);
    raw_exec(f->path, "DROP TABLE meta");
    snprintf(want, sizeof want, "%s: reading the schema version: no such table: meta", f->path);
    check_open_error(f->path, YUMA_STORE_ERR_CORRUPT, want);
}

typedef struct {
    uint64_t height[4 * MAX_TXS];
    yuma_event e[4 * MAX_TXS];
    size_t n;
} event_list;

static bool collect_event(uint64_t height, const yuma_event *e, void *ctx)
{
    event_list *l = ctx;
    if (l->n == 4 * MAX_TXS) return false;
    l->height[l->n] = height;
    l->e[l->n++] = *e;
    return true;
}

/* Every successful transfer is one stored event naming its sender,
 * recipient and amount, derived here from the signed transactions
 * themselves; failed ones leave none. Filters and limits select exactly. */
static void test_events(void **state)
{
    fixture *f = *state;
    yuma_store *s = open_store(f->path);
    bind_store(s, 1);
    yuma_chain *c = new_chain(1);
    rng r = {5};
    static yuma_tx tx;
    for (uint64_t h = 1; h <= 12; h++) {
        built b;
        assert_true(build_block(c, &r, &b));
        commit(s, c, &b);
        event_list got = {0};
        assert_int_equal(yuma_store_events(s, h, h, YUMA_EVENT_NO_NETUID, NULL, SIZE_MAX, collect_event, &got),
                         YUMA_STORE_OK);
        size_t want = 0;
        for (size_t t = 0; t < b.block.tx_count; t++) {
            assert_int_equal(yuma_tx_decode(b.txs[t].bytes, b.txs[t].len, &tx, NULL), YUMA_TX_OK);
            if (b.res.call_status[t] != YUMA_CALL_OK) continue;
            assert_true(want < got.n);
            const yuma_event *e = &got.e[want++];
            assert_int_equal(e->kind, YUMA_CALL_TRANSFER);
            assert_string_equal(yuma_event_name(e->kind), "transfer");
            assert_int_equal(e->tx_index, (int)t);
            assert_int_equal(e->netuid, YUMA_EVENT_NO_NETUID);
            assert_memory_equal(e->who.bytes, tx.signer.bytes, 32);
            assert_memory_equal(e->other.bytes, tx.call.dest.bytes, 32);
            assert_int_equal(e->amount, tx.call.amount);
        }
        assert_int_equal(got.n, want);
        free(b.res.call_status);
    }
    /* By account: each event names it as sender or recipient. */
    yuma_account a = account_of(3);
    event_list all = {0}, mine = {0};
    assert_int_equal(yuma_store_events(s, 1, 12, YUMA_EVENT_NO_NETUID, NULL, SIZE_MAX, collect_event, &all),
                     YUMA_STORE_OK);
    assert_int_equal(yuma_store_events(s, 1, 12, YUMA_EVENT_NO_NETUID, &a, SIZE_MAX, collect_event, &mine),
                     YUMA_STORE_OK);
    size_t expect = 0;
    for (size_t i = 0; i < all.n; i++)
        expect += !memcmp(all.e[i].who.bytes, a.bytes, 32) || !memcmp(all.e[i].other.bytes, a.bytes, 32);
    assert_true(expect > 0 && expect < all.n);
    assert_int_equal(mine.n, expect);
    /* A limit keeps the first ones in order; a subnet filter finds none. */
    event_list few = {0}, none = {0};
    assert_int_equal(yuma_store_events(s, 1, 12, YUMA_EVENT_NO_NETUID, NULL, 3, collect_event, &few), YUMA_STORE_OK);
    assert_int_equal(few.n, 3);
    assert_memory_equal(few.e, all.e, 3 * sizeof few.e[0]);
    assert_int_equal(yuma_store_events(s, 1, 12, 7, NULL, SIZE_MAX, collect_event, &none), YUMA_STORE_OK);
    assert_int_equal(none.n, 0);
    assert_int_equal(yuma_store_events(s, 9, 3, YUMA_EVENT_NO_NETUID, NULL, SIZE_MAX, collect_event, &none),
                     YUMA_STORE_OK);
    assert_int_equal(none.n, 0);
    yuma_store_close(s);
    yuma_chain_free(c);
}

/* A store written by schema version 1 (no events, no retry block) is
 * migrated in place at open and keeps working. */
static void test_migrate_v1(void **state)
{
    fixture *f = *state;
    yuma_chain *c = fill_store(f->path, 4, 3);
    raw_exec(f->path, "DROP TABLE events; ALTER TABLE txs DROP COLUMN retry_at;"
                      "UPDATE meta SET value = 1 WHERE key = 'schema_version'");
    yuma_store *s = open_store(f->path);
    assert_int_equal(raw_int(f->path, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM events"), 0);
    yuma_genesis g = genesis(1);
    yuma_chain *loaded;
    assert_int_equal(yuma_store_load(s, &g, &loaded), YUMA_STORE_OK);
    uint8_t a[32], b[32];
    yuma_chain_state_root(c, a);
    yuma_chain_state_root(loaded, b);
    assert_memory_equal(a, b, 32);
    rng r = {11};
    built blk;
    assert_true(build_block(loaded, &r, &blk));
    commit(s, loaded, &blk);
    free(blk.res.call_status);
    assert_int_equal(yuma_store_height(s), 5);
    yuma_store_close(s);
    yuma_chain_free(loaded);
    yuma_chain_free(c);
}

/* A store cut to a fraction of its size is refused at open or at load,
 * never loaded as if it were whole. */
static void test_truncated(void **state)
{
    fixture *f = *state;
    yuma_chain *c = fill_store(f->path, 120, 3);
    yuma_chain_free(c);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_not_equal(access(wal, F_OK), 0); /* closed cleanly: all in the main file */
    assert_true(sb.st_size > 8 * 4096);
    const off_t sizes[] = {sb.st_size / 2, 4096 * 2, 100};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        assert_int_equal(truncate(f->path, sizes[k]), 0);
        yuma_store *s;
        char msg[512];
        yuma_store_status st = yuma_store_open(f->path, &s, msg, sizeof msg);
        if (st == YUMA_STORE_OK) {
            yuma_genesis g = genesis(1);
            yuma_chain *l;
            st = yuma_store_load(s, &g, &l);
            snprintf(msg, sizeof msg, "%s", yuma_store_message(s));
            yuma_store_close(s);
        }
        print_message("truncated to %lld bytes: %s: %s\n", (long long)sizes[k], yuma_store_strerror(st), msg);
        assert_int_equal(st, YUMA_STORE_ERR_CORRUPT);
    }
}

static void test_genesis_mismatch(void **state)
{
    fixture *f = *state;
    yuma_chain *c = fill_store(f->path, 4, 11);
    yuma_store *s = open_store(f->path);
    yuma_genesis g2 = genesis(2);
    uint8_t h1[32], h2[32];
    yuma_chain_genesis_hash(c, h1);
    yuma_chain *c2 = new_chain(2);
    yuma_chain_genesis_hash(c2, h2);
    yuma_chain_free(c2);
    char x1[65], x2[65], want[1024];
    hex(h1, x1);
    hex(h2, x2);
    snprintf(want, sizeof want,
             "%s: the store belongs to genesis %s (chain id 1), not to genesis %s (chain id 2)", f->path, x1, x2);
    assert_int_equal(yuma_store_bind_genesis(s, &g2, NULL, 0), YUMA_STORE_ERR_GENESIS_MISMATCH);
    assert_string_equal(yuma_store_message(s), want);
    yuma_chain *l;
    assert_int_equal(yuma_store_load(s, &g2, &l), YUMA_STORE_ERR_GENESIS_MISMATCH);
    assert_null(l);
    assert_string_equal(yuma_store_message(s), want);
    uint8_t root[32];
    assert_int_equal(yuma_store_replay(s, &g2, root, NULL), YUMA_STORE_ERR_GENESIS_MISMATCH);
    assert_string_equal(yuma_store_message(s), want);
    /* Same chain id, other balances: the hash decides, not the id. */
    yuma_genesis g1 = genesis(1);
    yuma_genesis_balance more[USERS];
    memcpy(more, balances, sizeof more);
    more[0].balance++;
    g1.balances = more;
    assert_int_equal(yuma_store_load(s, &g1, &l), YUMA_STORE_ERR_GENESIS_MISMATCH);
    yuma_store_close(s);
    yuma_chain_free(c);
}

static void test_tampered(void **state)
{
    fixture *f = *state;
    yuma_chain *c = fill_store(f->path, 30, 13);
    uint8_t root[32];
    yuma_chain_state_root(c, root);
    char xroot[65], want[1024];
    hex(root, xroot);
    yuma_genesis g = genesis(1);
    yuma_chain *l;

    /* A balance edited: the state no longer hashes to the committed root. */
    raw_exec(f->path, "UPDATE state SET value = zeroblob(16) WHERE key = (SELECT min(key) FROM state "
                      "WHERE substr(key, 1, 1) = x'02')");
    yuma_store *s = open_store(f->path);
    assert_int_equal(yuma_store_load(s, &g, &l), YUMA_STORE_ERR_CORRUPT);
    assert_null(l);
    const char *msg = yuma_store_message(s);
    snprintf(want, sizeof want, "%s: the stored state hashes to ", f->path);
    assert_int_equal(strncmp(msg, want, strlen(want)), 0);
    snprintf(want, sizeof want, " but block 30 committed state root %s", xroot);
    assert_string_equal(msg + strlen(msg) - strlen(want), want);
    assert_string_equal(yuma_store_strerror(YUMA_STORE_ERR_CORRUPT), "the store is corrupted");
    /* The blocks themselves are intact: replay still reaches the root. */
    uint8_t replayed[32];
    assert_int_equal(yuma_store_replay(s, &g, replayed, NULL), YUMA_STORE_OK);
    assert_memory_equal(replayed, root, 32);
    yuma_store_close(s);

    /* A record deleted. */
    yuma_chain_free(c);
    remove(f->path);
    c = fill_store(f->path, 30, 13);
    raw_exec(f->path, "DELETE FROM state WHERE key = (SELECT max(key) FROM state)");
    s = open_store(f->path);
    assert_int_equal(yuma_store_load(s, &g, &l), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, " but block 30 committed state root %s", xroot);
    msg = yuma_store_message(s);
    assert_string_equal(msg + strlen(msg) - strlen(want), want);
    yuma_store_close(s);

    /* Transactions tampered: replay finds each. */
    remove(f->path);
    yuma_chain_free(c);
    c = fill_store(f->path, 30, 13);
    int64_t h = raw_int(f->path, "SELECT min(height) FROM txs WHERE call_status = 0");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE txs SET call_status = 9 WHERE height = %lld AND idx = "
             "(SELECT min(idx) FROM txs WHERE height = %lld AND call_status = 0)", (long long)h, (long long)h);
    raw_exec(f->path, sql);
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, replayed, NULL), YUMA_STORE_ERR_CORRUPT);
    int64_t idx = raw_int(f->path, "SELECT idx FROM txs WHERE call_status = 9");
    snprintf(want, sizeof want, "%s: replaying block %lld: transaction %lld's call status is 0, stored 9", f->path,
             (long long)h, (long long)idx);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);
    raw_exec(f->path, "UPDATE txs SET call_status = 0 WHERE call_status = 9");

    /* A signature byte flipped. */
    snprintf(sql, sizeof sql, "UPDATE txs SET bytes = CAST(substr(bytes, 1, length(bytes) - 1) || "
             "CASE WHEN substr(bytes, -1) = x'00' THEN x'01' ELSE x'00' END AS BLOB) WHERE height = %lld AND idx = 0",
             (long long)h);
    raw_exec(f->path, sql);
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, replayed, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want,
             "%s: replaying block %lld: the block is invalid: transaction signature does not verify (transaction 0)",
             f->path, (long long)h);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);

    /* A transaction row removed, then a whole block. */
    remove(f->path);
    yuma_chain_free(c);
    c = fill_store(f->path, 30, 13);
    h = raw_int(f->path, "SELECT min(height) FROM txs");
    int64_t n = raw_int(f->path, "SELECT tx_count FROM blocks WHERE height = (SELECT min(height) FROM txs)");
    snprintf(sql, sizeof sql, "DELETE FROM txs WHERE height = %lld AND idx = %lld", (long long)h, (long long)n - 1);
    raw_exec(f->path, sql);
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, replayed, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: block %lld has %lld stored transactions, not %lld", f->path, (long long)h,
             (long long)n - 1, (long long)n);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);
    remove(f->path);
    yuma_chain_free(c);
    c = fill_store(f->path, 30, 13);
    raw_exec(f->path, "DELETE FROM txs WHERE height = 7; DELETE FROM blocks WHERE height = 7");
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, replayed, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: block 7 is missing", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);
    yuma_chain_free(c);
}

/* Rows that break the schema's own rules (written with the CHECK
 * constraints switched off, as a bug or a hand edit could): each query
 * refuses them instead of reading past them. */
static void test_malformed_rows(void **state)
{
    fixture *f = *state;
    yuma_genesis g = genesis(1);
    yuma_chain *c = fill_store(f->path, 30, 17), *l;
    uint8_t root[32];
    char want[512];
    raw_exec(f->path, "PRAGMA ignore_check_constraints = ON; INSERT INTO state VALUES (zeroblob(100), x'00')");
    yuma_store *s = open_store(f->path);
    assert_int_equal(yuma_store_load(s, &g, &l), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: a state record is malformed", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);
    raw_exec(f->path, "DELETE FROM state WHERE length(key) = 100");

    raw_exec(f->path, "PRAGMA ignore_check_constraints = ON; UPDATE blocks SET hash = zeroblob(31) WHERE height = 30");
    s = open_store(f->path);
    assert_int_equal(yuma_store_load(s, &g, &l), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: the last block's row is malformed", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_block_info info;
    assert_int_equal(yuma_store_block(s, 30, &info), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: block 30's row is malformed", f->path);
    assert_string_equal(yuma_store_message(s), want);
    assert_int_equal(yuma_store_replay(s, &g, root, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: the row of the block after 29 is malformed", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);

    /* Stored roots and hashes that the blocks do not produce. */
    yuma_chain_free(c);
    remove(f->path);
    c = fill_store(f->path, 30, 17);
    raw_exec(f->path, "UPDATE blocks SET state_root = zeroblob(32) WHERE height = 10");
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, root, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: replaying block 10 gives another state root than stored", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);

    yuma_chain_free(c);
    remove(f->path);
    c = fill_store(f->path, 30, 17);
    raw_exec(f->path, "UPDATE blocks SET hash = zeroblob(32) WHERE height = 11");
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, root, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: replaying block 11 gives another block hash than stored", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);

    /* Transactions out of their numbering, then one more than the block
     * says it has. */
    yuma_chain_free(c);
    remove(f->path);
    c = fill_store(f->path, 30, 17);
    int64_t h = raw_int(f->path, "SELECT min(height) FROM blocks WHERE tx_count >= 2");
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE txs SET idx = idx + 10 WHERE height = %lld AND idx = 1", (long long)h);
    raw_exec(f->path, sql);
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, root, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(want, sizeof want, "%s: block %lld: transaction 1 is missing (the next stored is ", f->path, (long long)h);
    assert_int_equal(strncmp(yuma_store_message(s), want, strlen(want)), 0);
    yuma_store_close(s);
    snprintf(sql, sizeof sql, "UPDATE txs SET idx = idx - 10 WHERE height = %lld AND idx >= 10; "
             "UPDATE blocks SET tx_count = tx_count - 1 WHERE height = %lld", (long long)h, (long long)h);
    raw_exec(f->path, sql);
    s = open_store(f->path);
    assert_int_equal(yuma_store_replay(s, &g, root, NULL), YUMA_STORE_ERR_CORRUPT);
    snprintf(sql, sizeof sql, "SELECT tx_count FROM blocks WHERE height = %lld", (long long)h);
    snprintf(want, sizeof want, "%s: block %lld has more stored transactions than its %lld", f->path, (long long)h,
             (long long)raw_int(f->path, sql));
    assert_string_equal(yuma_store_message(s), want);

    /* The genesis document gone. */
    raw_exec(f->path, "DELETE FROM meta WHERE key = 'genesis_doc'");
    uint8_t *doc;
    size_t doc_len;
    assert_int_equal(yuma_store_genesis_doc(s, &doc, &doc_len), YUMA_STORE_ERR_CORRUPT);
    assert_null(doc);
    snprintf(want, sizeof want, "%s: the genesis document is missing from meta", f->path);
    assert_string_equal(yuma_store_message(s), want);
    yuma_store_close(s);
    yuma_chain_free(c);
}

static void test_strerror(void **state)
{
    (void)state;
    const char *want[] = {
        "ok",
        "out of memory",
        "cannot open or create the store's file",
        "not a yuma store (not SQLite, or another application's database)",
        "the store was written by a newer yuma (schema version too new)",
        "the store has no genesis yet",
        "the store belongs to another genesis",
        "the genesis is invalid",
        "the block is not the next block to commit",
        "the database could not be read or written",
        "the store is corrupted",
        "not found",
    };
    for (int i = 0; i <= YUMA_STORE_ERR_NOT_FOUND; i++)
        assert_string_equal(yuma_store_strerror((yuma_store_status)i), want[i]);
    assert_string_equal(yuma_store_strerror((yuma_store_status)99), "unknown store status");
}

/* ---- crash test ---- */

/* What the writer reports after each commit returned: one write() of at
 * most PIPE_BUF bytes, so the pipe holds whole records only. */
typedef struct {
    uint64_t height;
    uint8_t hash[32];
    uint32_t tx_count;
    uint8_t ids[MAX_TXS][32];
} report;

#define CHILD_BLOCKS 400

/* The first record of a run says the writer has loaded and starts
 * committing (its height is the loaded one). */
#define READY UINT32_MAX

/* The writer: open, load, then commit random blocks until killed. Exit
 * codes say which step failed (no cmocka in the child). */
static int child_run(const char *path, int fd, uint64_t seed)
{
    yuma_store *s;
    char msg[512];
    if (yuma_store_open(path, &s, msg, sizeof msg) != YUMA_STORE_OK) return 10;
    yuma_genesis g = genesis(1);
    if (yuma_store_bind_genesis(s, &g, "genesis-doc", 11) != YUMA_STORE_OK) return 11;
    yuma_chain *c;
    if (yuma_store_load(s, &g, &c) != YUMA_STORE_OK) return 12;
    report ready = {.height = yuma_chain_height(c), .tx_count = READY};
    if (write(fd, &ready, sizeof ready) != (ssize_t)sizeof ready) return 15;
    rng r = {seed};
    for (int i = 0; i < CHILD_BLOCKS; i++) {
        built b;
        if (!build_block(c, &r, &b)) return 13;
        if (yuma_store_commit_block(s, c, &b.block, &b.res) != YUMA_STORE_OK) return 14;
        report rep;
        memset(&rep, 0, sizeof rep);
        rep.height = b.block.height;
        memcpy(rep.hash, b.res.block_hash, 32);
        rep.tx_count = (uint32_t)b.block.tx_count;
        for (size_t t = 0; t < b.block.tx_count; t++)
            crypto_generichash(rep.ids[t], 32, b.txs[t].bytes, b.txs[t].len, NULL, 0);
        if (write(fd, &rep, sizeof rep) != (ssize_t)sizeof rep) return 15;
        free(b.res.call_status);
    }
    yuma_chain_free(c);
    yuma_store_close(s);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_crash_kill(void **state)
{
    fixture *f = *state;
    rng r = {CRASH_SEED};
    yuma_genesis g = genesis(1);
    int kills = 0, runs = 0, unreported = 0, blocks_reported = 0;
    uint64_t stored = 0;
    double start = now_s(), verify_time = 0;
    while (kills < CRASH_KILLS) {
        assert_true(runs < 4 * CRASH_KILLS); /* a writer that keeps finishing is a bug */
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        uint64_t seed = next(&r);
        /* One kill in eight lands while the writer starts (schema creation,
         * WAL recovery, load); the others at a random moment of its first
         * 60 ms of commits (each a few ms: an fsync), timed from its ready
         * record so that the spread holds on a slow machine or under a
         * sanitizer too. */
        bool early = runs == 0 || next(&r) % 8 == 0; /* the first: while creating the schema */
        useconds_t delay = (useconds_t)(early ? next(&r) % 5000 : next(&r) % 60000);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            _exit(child_run(f->path, fds[1], seed));
        }
        close(fds[1]);
        runs++;
        report ready = {.tx_count = 0};
        report *reps = NULL;
        size_t nrep = 0;
        if (!early) {
            ssize_t got = read(fds[0], &ready, sizeof ready);
            if (got != (ssize_t)sizeof ready || ready.tx_count != READY || ready.height != stored)
                fail_msg("run %d: the writer did not start at block %llu", runs, (unsigned long long)stored);
            /* Half the kills wait for 1-4 reported commits first, so that
             * blocks accumulate however slow the machine's fsync is (a
             * loaded machine can take longer than the whole window for one). */
            size_t wait_for = next(&r) % 2 ? 1 + next(&r) % 4 : 0;
            while (nrep < wait_for) {
                report rep;
                if (read(fds[0], &rep, sizeof rep) != (ssize_t)sizeof rep) break;
                reps = realloc(reps, (nrep + 1) * sizeof *reps);
                assert_non_null(reps);
                reps[nrep++] = rep;
            }
            if (wait_for) delay %= 20000;
        }
        usleep(delay);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) kills++;
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("run %d (seed %u): the writer failed with status 0x%x", runs, CRASH_SEED, status);

        /* Everything it reported, in order. */
        for (;;) {
            report rep;
            ssize_t got = read(fds[0], &rep, sizeof rep);
            if (got == 0) break;
            assert_int_equal(got, sizeof rep);
            if (rep.tx_count == READY) {
                assert_true(early && rep.height == stored);
                continue;
            }
            reps = realloc(reps, (nrep + 1) * sizeof *reps);
            assert_non_null(reps);
            reps[nrep++] = rep;
        }
        close(fds[0]);

        double t0 = now_s();
        yuma_store *s = open_store(f->path);
        bind_store(s, 1);
        yuma_chain *loaded = load(s, 1); /* checks the state against its root */
        uint8_t root[32], replayed[32];
        uint64_t height;
        if (yuma_store_replay(s, &g, replayed, &height) != YUMA_STORE_OK)
            fail_msg("run %d: replay: %s", runs, yuma_store_message(s));
        yuma_chain_state_root(loaded, root);
        assert_memory_equal(root, replayed, 32);
        assert_int_equal(height, yuma_chain_height(loaded));
        /* Every reported block and transaction is there; at most one block
         * more (committed, killed before reporting it). */
        uint64_t last_reported = nrep ? reps[nrep - 1].height : stored;
        assert_true(height == last_reported || height == last_reported + 1);
        unreported += height == last_reported + 1;
        for (size_t i = 0; i < nrep; i++) {
            assert_int_equal(reps[i].height, stored + 1 + i);
            yuma_store_block_info info;
            assert_int_equal(yuma_store_block(s, reps[i].height, &info), YUMA_STORE_OK);
            assert_memory_equal(info.hash, reps[i].hash, 32);
            assert_int_equal(info.tx_count, reps[i].tx_count);
            for (uint32_t t = 0; t < reps[i].tx_count; t++) {
                yuma_store_tx_info ti;
                assert_int_equal(yuma_store_tx(s, reps[i].ids[t], &ti), YUMA_STORE_OK);
                assert_int_equal(ti.height, reps[i].height);
                assert_int_equal(ti.index, t);
            }
        }
        blocks_reported += (int)nrep;
        stored = height;
        free(reps);
        yuma_chain_free(loaded);
        yuma_store_close(s);
        verify_time += now_s() - t0;
    }
    print_message("crash test: %d runs, %d SIGKILLs, %llu blocks stored (%d reported), %d kills between a commit "
                  "and its report, %.1f s (%.1f s verifying)\n",
                  runs, kills, (unsigned long long)stored, blocks_reported, unreported, now_s() - start, verify_time);
    assert_true(stored > 50); /* the kills landed across many commits, not only at startup */
}

int main(void)
{
    make_users();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_reopen, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_commit_load_replay, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_sequence_errors, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_commit_failure_is_atomic, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_bind_failure, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_truncated, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_events, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_genesis_mismatch, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_tampered, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_rows, store_setup, store_teardown),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test_setup_teardown(test_crash_kill, store_setup, store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
