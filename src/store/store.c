/*
 * store.c - the node's SQLite persistence (include/yuma/store.h,
 * docs/STORE.md): schema creation and checks at open, the genesis binding,
 * the one-transaction block commit, loading the chain at the last committed
 * block, replay from genesis and the RPC queries.
 *
 * Durability: journal_mode=WAL with synchronous=FULL. WAL lets readers
 * (RPC) run beside the writer; FULL makes SQLite fsync the WAL at every
 * commit, so a block reported committed survives a power loss as well as a
 * killed process. NORMAL would only sync at checkpoints: after a power
 * loss the last blocks could vanish although the node had announced them.
 *
 * Two connections to the file: blocks are written through their own
 * (wdb), everything else reads through db. So a node can write a block
 * (which waits for an fsync) while other threads query the store, and those
 * queries see only committed blocks, as WAL readers do.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/kv.h"
#include "yuma/store.h"

/* PRAGMA application_id of a yuma store ("YUMA"): tells our file from
 * another application's SQLite database before anything is written. */
#define STORE_APPLICATION_ID 0x59554D41

/* A change taken from the chain and not yet committed: key and value
 * bytes live in the store's byte buffer. */
typedef struct {
    size_t off;
    uint32_t vlen;
    uint8_t klen;
    bool deleted;
} pending_change;

struct yuma_store {
    sqlite3 *db;                 /* queries, the schema, the genesis binding */
    char *path;
    char msg[512];
    bool bound;                  /* a genesis is recorded in meta */
    uint8_t genesis_hash[32];
    uint64_t chain_id;
    _Atomic uint64_t height;     /* last committed block (the writer sets it, readers read it) */
    sqlite3_stmt *get_block, *get_tx, *block_txs, *all_state, *all_blocks, *last_block, *get_events;
    /* The block writer's connection, statements and failure message
     * (yuma_store_write_staged runs beside queries on db). */
    sqlite3 *wdb;
    sqlite3_stmt *put_state, *del_state, *put_block, *put_tx, *put_event;
    char wmsg[512];
    /* Changes drained from the chain but not yet in a committed SQLite
     * transaction: kept across a failed commit so that none is lost.
     * staged: the block they belong to (0: none staged). */
    pending_change *changes;
    size_t nchanges, changes_cap;
    uint8_t *bytes;
    size_t nbytes, bytes_cap;
    uint64_t staged;
};

const char *yuma_store_strerror(yuma_store_status s)
{
    switch (s) {
    case YUMA_STORE_OK: return "ok";
    case YUMA_STORE_ERR_NOMEM: return "out of memory";
    case YUMA_STORE_ERR_OPEN: return "cannot open or create the store's file";
    case YUMA_STORE_ERR_NOT_YUMA: return "not a yuma store (not SQLite, or another application's database)";
    case YUMA_STORE_ERR_SCHEMA_NEWER: return "the store was written by a newer yuma (schema version too new)";
    case YUMA_STORE_ERR_NO_GENESIS: return "the store has no genesis yet";
    case YUMA_STORE_ERR_GENESIS_MISMATCH: return "the store belongs to another genesis";
    case YUMA_STORE_ERR_GENESIS: return "the genesis is invalid";
    case YUMA_STORE_ERR_SEQUENCE: return "the block is not the next block to commit";
    case YUMA_STORE_ERR_IO: return "the database could not be read or written";
    case YUMA_STORE_ERR_CORRUPT: return "the store is corrupted";
    case YUMA_STORE_ERR_NOT_FOUND: return "not found";
    }
    return "unknown store status";
}

const char *yuma_store_message(const yuma_store *s)
{
    return s->msg;
}

uint64_t yuma_store_height(const yuma_store *s)
{
    return atomic_load(&s->height);
}

const char *yuma_store_write_message(const yuma_store *s)
{
    return s->wmsg;
}

static yuma_store_status fail(yuma_store *s, yuma_store_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static yuma_store_status fail(yuma_store *s, yuma_store_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
    return st;
}

/* A SQLite failure: what we were doing and SQLite's own words. */
static yuma_store_status sql_fail(yuma_store *s, int rc, const char *what)
{
    yuma_store_status st;
    switch (rc & 0xff) {
    case SQLITE_NOMEM: st = YUMA_STORE_ERR_NOMEM; break;
    case SQLITE_CORRUPT: st = YUMA_STORE_ERR_CORRUPT; break;
    case SQLITE_NOTADB: st = YUMA_STORE_ERR_NOT_YUMA; break;
    case SQLITE_CANTOPEN: st = YUMA_STORE_ERR_OPEN; break;
    default: st = YUMA_STORE_ERR_IO; break;
    }
    return fail(s, st, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* A statement on our own tables that SQLite rejects as SQL (a missing
 * table or column) means the file's schema is not ours any more. */
static yuma_store_status schema_fail(yuma_store *s, int rc, const char *what)
{
    if ((rc & 0xff) != SQLITE_ERROR) return sql_fail(s, rc, what);
    return fail(s, YUMA_STORE_ERR_CORRUPT, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static void hex32(const uint8_t b[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[64] = 0;
}

/* Leaves a failed write transaction: SQLite may already have rolled it
 * back itself (I/O errors, a full disk), hence the autocommit test. */
static void rollback(yuma_store *s)
{
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- open ---- */

/* Version 2 added events and the rate limits' retry block; the same
 * statement creates them in a new store and migrates a version-1 one. */
#define EVENTS_SQL                                                                                     \
    "CREATE TABLE events ("                                                                            \
    "  height INTEGER NOT NULL REFERENCES blocks (height),"                                             \
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"                                                         \
    "  tx_index INTEGER NOT NULL CHECK (tx_index >= -1),"                                              \
    "  kind INTEGER NOT NULL,"                                                                         \
    "  netuid INTEGER NOT NULL,"                                                                       \
    "  who BLOB NOT NULL CHECK (typeof(who) = 'blob' AND length(who) = 32),"                            \
    "  other BLOB NOT NULL CHECK (typeof(other) = 'blob' AND length(other) = 32),"                      \
    "  amount INTEGER NOT NULL,"                                                                       \
    "  value INTEGER NOT NULL,"                                                                        \
    "  PRIMARY KEY (height, idx)"                                                                      \
    ") WITHOUT ROWID;"                                                                                 \
    "CREATE INDEX events_netuid ON events (netuid, height);"                                           \
    "CREATE INDEX events_who ON events (who, height);"                                                 \
    "CREATE INDEX events_other ON events (other, height);"

static const char schema_sql[] =
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE blocks ("
    "  height INTEGER PRIMARY KEY CHECK (height >= 1),"
    "  hash BLOB NOT NULL UNIQUE CHECK (typeof(hash) = 'blob' AND length(hash) = 32),"
    "  parent_hash BLOB NOT NULL CHECK (typeof(parent_hash) = 'blob' AND length(parent_hash) = 32),"
    "  author BLOB NOT NULL CHECK (typeof(author) = 'blob' AND length(author) = 32),"
    "  state_root BLOB NOT NULL CHECK (typeof(state_root) = 'blob' AND length(state_root) = 32),"
    "  tx_count INTEGER NOT NULL CHECK (tx_count >= 0)"
    ");"
    "CREATE TABLE txs ("
    "  height INTEGER NOT NULL REFERENCES blocks (height),"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  id BLOB NOT NULL UNIQUE CHECK (typeof(id) = 'blob' AND length(id) = 32),"
    "  bytes BLOB NOT NULL CHECK (typeof(bytes) = 'blob'),"
    "  call_status INTEGER NOT NULL,"
    "  retry_at INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (height, idx)"
    ") WITHOUT ROWID;"
    EVENTS_SQL
    "CREATE TABLE state ("
    "  key BLOB PRIMARY KEY NOT NULL CHECK (typeof(key) = 'blob' AND length(key) BETWEEN 1 AND 72),"
    "  value BLOB NOT NULL CHECK (typeof(value) = 'blob')"
    ") WITHOUT ROWID;";

/* Runs a statement that yields at most one integer (a pragma, a count). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out, bool *has_row)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(st);
    *has_row = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (*has_row) *out = sqlite3_column_int64(st, 0);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    sqlite3_finalize(st);
    return rc;
}

/* What the file is: ours, an empty SQLite file we may claim, or neither. */
typedef enum { FILE_YUMA, FILE_EMPTY, FILE_FOREIGN } file_kind;

static yuma_store_status identify(yuma_store *s, file_kind *kind)
{
    int64_t app_id = 0, objects = 0;
    bool row;
    int rc = query_int(s->db, "PRAGMA application_id", &app_id, &row);
    if (rc == SQLITE_OK) rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &objects, &row);
    if ((rc & 0xff) == SQLITE_NOTADB)
        return fail(s, YUMA_STORE_ERR_NOT_YUMA, "%s: not a yuma store: %s", s->path, sqlite3_errmsg(s->db));
    if (rc != SQLITE_OK) return sql_fail(s, rc, "reading the schema");
    if (app_id == STORE_APPLICATION_ID) *kind = FILE_YUMA;
    else if (app_id == 0 && objects == 0) *kind = FILE_EMPTY;
    else {
        *kind = FILE_FOREIGN;
        return fail(s, YUMA_STORE_ERR_NOT_YUMA,
                    "%s: not a yuma store: a SQLite database with application id 0x%08llx and %lld schema objects",
                    s->path, (unsigned long long)(uint32_t)app_id, (long long)objects);
    }
    return YUMA_STORE_OK;
}

/* Creates the schema in one transaction: a crash while creating leaves an
 * empty file, which the next open claims again. */
static yuma_store_status create_schema(yuma_store *s)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return sql_fail(s, rc, "creating the schema");
    /* Another process may have created it between identify() and our
     * write lock: then it is an existing store after all. */
    file_kind kind;
    yuma_store_status st = identify(s, &kind);
    if (st != YUMA_STORE_OK || kind == FILE_YUMA) {
        rollback(s);
        return st;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; INSERT INTO meta VALUES ('schema_version', %d);",
             STORE_APPLICATION_ID, YUMA_STORE_SCHEMA_VERSION);
    rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = sql_fail(s, rc, "creating the schema");
        rollback(s);
        return st;
    }
    return YUMA_STORE_OK;
}

static yuma_store_status check_schema(yuma_store *s)
{
    int64_t version = 0;
    bool row = false;
    int rc = query_int(s->db, "SELECT value FROM meta WHERE key = 'schema_version'", &version, &row);
    if (rc != SQLITE_OK) return schema_fail(s, rc, "reading the schema version");
    if (!row || version < 1)
        return fail(s, YUMA_STORE_ERR_CORRUPT, "%s: the store has no valid schema version", s->path);
    if (version > YUMA_STORE_SCHEMA_VERSION)
        return fail(s, YUMA_STORE_ERR_SCHEMA_NEWER,
                    "%s: schema version %lld is newer than this build's %d: use a newer yuma", s->path,
                    (long long)version, YUMA_STORE_SCHEMA_VERSION);
    if (version == 1) {
        /* One transaction: a crash leaves version 1, migrated again next time. */
        rc = sqlite3_exec(s->db,
                          "BEGIN IMMEDIATE;"
                          "ALTER TABLE txs ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;" EVENTS_SQL
                          "UPDATE meta SET value = 2 WHERE key = 'schema_version';"
                          "COMMIT;",
                          NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            yuma_store_status st = sql_fail(s, rc, "migrating the store from schema version 1 to 2");
            rollback(s);
            return st;
        }
    }
    return YUMA_STORE_OK;
}

static yuma_store_status read_binding(yuma_store *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT key, value FROM meta WHERE key IN ('genesis_hash', 'chain_id')", -1,
                                &st, NULL);
    if (rc != SQLITE_OK) return schema_fail(s, rc, "reading the genesis binding");
    int found = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        if (key && strcmp(key, "chain_id") == 0) {
            s->chain_id = (uint64_t)sqlite3_column_int64(st, 1);
            found |= 1;
        } else if (sqlite3_column_type(st, 1) == SQLITE_BLOB && sqlite3_column_bytes(st, 1) == 32) {
            memcpy(s->genesis_hash, sqlite3_column_blob(st, 1), 32);
            found |= 2;
        } else {
            found |= 4;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return sql_fail(s, rc, "reading the genesis binding");
    if (found == 0) return YUMA_STORE_OK;
    if (found != 3) return fail(s, YUMA_STORE_ERR_CORRUPT, "%s: the genesis binding in meta is incomplete", s->path);
    s->bound = true;
    return YUMA_STORE_OK;
}

static yuma_store_status prepare_all(yuma_store *s)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } list[] = {
        {&s->get_events, "SELECT height, tx_index, kind, netuid, who, other, amount, value FROM events "
                         "WHERE height BETWEEN ?1 AND ?2 AND (?3 < 0 OR netuid = ?3) "
                         "AND (?4 IS NULL OR who = ?4 OR other = ?4) ORDER BY height, idx LIMIT ?5"},
        {&s->get_block, "SELECT height, hash, parent_hash, author, state_root, tx_count FROM blocks WHERE height = ?1"},
        {&s->get_tx, "SELECT height, idx, call_status, retry_at FROM txs WHERE id = ?1"},
        {&s->block_txs, "SELECT idx, bytes, call_status FROM txs WHERE height = ?1 ORDER BY idx"},
        {&s->all_state, "SELECT key, value FROM state"},
        {&s->all_blocks, "SELECT height, hash, parent_hash, author, state_root, tx_count FROM blocks ORDER BY height"},
        {&s->last_block, "SELECT height, hash, parent_hash, author, state_root, tx_count FROM blocks "
                         "ORDER BY height DESC LIMIT 1"},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        int rc = sqlite3_prepare_v3(s->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT, list[i].st, NULL);
        if (rc != SQLITE_OK) return schema_fail(s, rc, "preparing statements");
    }
    return YUMA_STORE_OK;
}

/* The writer's connection, opened once the schema is known to be ours and
 * current: same pragmas (WAL is a property of the file, synchronous and
 * foreign keys are per connection), and the statements that write blocks. */
static yuma_store_status open_writer(yuma_store *s)
{
    int rc = sqlite3_open_v2(s->path, &s->wdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return fail(s, YUMA_STORE_ERR_OPEN, "%s: cannot open the writer's connection: %s", s->path,
                    s->wdb ? sqlite3_errmsg(s->wdb) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(s->wdb, 1);
    sqlite3_busy_timeout(s->wdb, 5000);
    /* The writer's page cache: 16 MB instead of SQLite's 2 MB. Each
     * transaction's id goes into a unique index at a random place, and with
     * the small cache most of those inserts read their page back from the
     * file: with 65,000 to 130,000 stored transactions, committing took 45
     * to 50 us of CPU per transaction, with this cache 19 to 24 (docs/
     * PERFORMANCE.md). The cache only grows as the database does. */
    rc = sqlite3_exec(s->wdb, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(s, YUMA_STORE_ERR_IO, "%s: setting up the writer's connection: %s", s->path,
                    sqlite3_errmsg(s->wdb));
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } list[] = {
        {&s->put_state, "INSERT INTO state (key, value) VALUES (?1, ?2) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
        {&s->del_state, "DELETE FROM state WHERE key = ?1"},
        {&s->put_block, "INSERT INTO blocks (height, hash, parent_hash, author, state_root, tx_count) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        {&s->put_tx, "INSERT INTO txs (height, idx, id, bytes, call_status, retry_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        {&s->put_event, "INSERT INTO events (height, idx, tx_index, kind, netuid, who, other, amount, value) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        rc = sqlite3_prepare_v3(s->wdb, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT, list[i].st, NULL);
        if (rc != SQLITE_OK)
            return fail(s, YUMA_STORE_ERR_CORRUPT, "%s: preparing the writer's statements: %s", s->path,
                        sqlite3_errmsg(s->wdb));
    }
    return YUMA_STORE_OK;
}

/* Sets a pragma and checks that SQLite took it (journal_mode answers with
 * the mode in force, which stays "delete" where WAL is impossible). */
static yuma_store_status set_pragmas(yuma_store *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc != SQLITE_OK) return sql_fail(s, rc, "switching to WAL");
    rc = sqlite3_step(st);
    bool wal = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return sql_fail(s, rc, "switching to WAL");
    if (!wal) return fail(s, YUMA_STORE_ERR_OPEN, "%s: SQLite cannot use a WAL journal for this file", s->path);
    rc = sqlite3_exec(s->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return sql_fail(s, rc, "setting synchronous and foreign keys");
    return YUMA_STORE_OK;
}

static yuma_store_status read_height(yuma_store *s)
{
    int64_t h = 0;
    bool row = false;
    int rc = query_int(s->db, "SELECT max(height) FROM blocks", &h, &row);
    if (rc != SQLITE_OK) return sql_fail(s, rc, "reading the last height");
    atomic_store(&s->height, row ? (uint64_t)h : 0);
    return YUMA_STORE_OK;
}

yuma_store_status yuma_store_open(const char *path, yuma_store **out, char *msg, size_t msg_len)
{
    *out = NULL;
    if (msg && msg_len) msg[0] = 0;
    if (sodium_init() < 0) return YUMA_STORE_ERR_NOMEM;
    yuma_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        if (msg && msg_len) snprintf(msg, msg_len, "out of memory opening %s", path);
        return YUMA_STORE_ERR_NOMEM;
    }
    yuma_store_status st = YUMA_STORE_OK;
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        st = fail(s, YUMA_STORE_ERR_OPEN, "%s: cannot open: %s", path,
                  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    } else {
        sqlite3_extended_result_codes(s->db, 1);
        /* A reader's checkpoint may hold the lock for a moment; waiting
         * beats failing a commit. */
        sqlite3_busy_timeout(s->db, 5000);
        file_kind kind = FILE_FOREIGN;
        st = identify(s, &kind);
        if (st == YUMA_STORE_ERR_OPEN) {
            /* SQLite opens lazily: an unreadable path (a directory, no
             * permission) is reported by the first read. */
            st = fail(s, YUMA_STORE_ERR_OPEN, "%s: cannot open: %s", path, sqlite3_errmsg(s->db));
        }
        /* WAL is set only once the file is known to be ours or empty: the
         * pragma rewrites the header of whatever file it is given. */
        if (st == YUMA_STORE_OK) st = set_pragmas(s);
        if (st == YUMA_STORE_OK && kind == FILE_EMPTY) st = create_schema(s);
        if (st == YUMA_STORE_OK) st = check_schema(s);
        if (st == YUMA_STORE_OK) st = read_binding(s);
        if (st == YUMA_STORE_OK) st = read_height(s);
        if (st == YUMA_STORE_OK) st = prepare_all(s);
        if (st == YUMA_STORE_OK) st = open_writer(s);
    }
    if (st != YUMA_STORE_OK) {
        if (msg && msg_len) snprintf(msg, msg_len, "%s", s->msg);
        yuma_store_close(s);
        return st;
    }
    *out = s;
    return YUMA_STORE_OK;
}

void yuma_store_close(yuma_store *s)
{
    if (!s) return;
    sqlite3_stmt *all[] = {s->put_state, s->del_state, s->put_block, s->put_tx, s->get_block,
                           s->get_tx, s->block_txs, s->all_state, s->all_blocks, s->last_block,
                           s->put_event, s->get_events};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
    sqlite3_close(s->wdb);
    sqlite3_close(s->db);
    free(s->changes);
    free(s->bytes);
    free(s->path);
    free(s);
}

/* ---- genesis ---- */

/* The chain decides what a genesis hashes to: the store only compares. */
static yuma_store_status genesis_chain(yuma_store *s, const yuma_genesis *g, yuma_chain **chain)
{
    yuma_chain_status cs = yuma_chain_new(g, chain);
    if (cs == YUMA_CHAIN_ERR_NOMEM) return fail(s, YUMA_STORE_ERR_NOMEM, "out of memory creating the genesis chain");
    if (cs != YUMA_CHAIN_OK)
        return fail(s, YUMA_STORE_ERR_GENESIS, "the genesis is invalid: %s", yuma_chain_strerror(cs));
    return YUMA_STORE_OK;
}

static yuma_store_status check_genesis(yuma_store *s, const yuma_chain *c)
{
    uint8_t h[32];
    yuma_chain_genesis_hash(c, h);
    if (!s->bound)
        return fail(s, YUMA_STORE_ERR_NO_GENESIS, "%s: the store has no genesis yet (bind one first)", s->path);
    if (memcmp(h, s->genesis_hash, 32) != 0) {
        char mine[65], theirs[65];
        hex32(s->genesis_hash, mine);
        hex32(h, theirs);
        return fail(s, YUMA_STORE_ERR_GENESIS_MISMATCH,
                    "%s: the store belongs to genesis %s (chain id %llu), not to genesis %s (chain id %llu)",
                    s->path, mine, (unsigned long long)s->chain_id, theirs, (unsigned long long)yuma_chain_id(c));
    }
    return YUMA_STORE_OK;
}

yuma_store_status yuma_store_bind_genesis(yuma_store *s, const yuma_genesis *g, const void *doc, size_t doc_len)
{
    s->msg[0] = 0;
    yuma_chain *c;
    yuma_store_status st = genesis_chain(s, g, &c);
    if (st != YUMA_STORE_OK) return st;
    if (s->bound) {
        st = check_genesis(s, c);
        yuma_chain_free(c);
        return st;
    }
    uint8_t h[32];
    yuma_chain_genesis_hash(c, h);
    uint64_t chain_id = yuma_chain_id(c);
    yuma_chain_free(c);
    if (doc_len > INT32_MAX) return fail(s, YUMA_STORE_ERR_GENESIS, "the genesis document is too large");
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(s->db, "INSERT INTO meta VALUES ('genesis_hash', ?1), "
                                                        "('chain_id', ?2), ('genesis_doc', ?3)", -1, &ins, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_blob(ins, 1, h, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, (int64_t)chain_id);
        if (doc_len) sqlite3_bind_blob(ins, 3, doc, (int)doc_len, SQLITE_TRANSIENT);
        else sqlite3_bind_zeroblob(ins, 3, 0);
        rc = sqlite3_step(ins);
        if (rc == SQLITE_DONE) rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) st = sql_fail(s, rc, "binding the genesis");
    sqlite3_finalize(ins);
    if (st != YUMA_STORE_OK) {
        rollback(s);
        return st;
    }
    memcpy(s->genesis_hash, h, 32);
    s->chain_id = chain_id;
    s->bound = true;
    return YUMA_STORE_OK;
}

yuma_store_status yuma_store_genesis_doc(yuma_store *s, uint8_t **doc, size_t *doc_len)
{
    s->msg[0] = 0;
    *doc = NULL;
    *doc_len = 0;
    if (!s->bound) return fail(s, YUMA_STORE_ERR_NO_GENESIS, "%s: the store has no genesis yet", s->path);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'genesis_doc'", -1, &q, NULL);
    if (rc != SQLITE_OK) return sql_fail(s, rc, "reading the genesis document");
    yuma_store_status st = YUMA_STORE_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB) {
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        *doc = malloc(n ? n : 1);
        if (!*doc) st = fail(s, YUMA_STORE_ERR_NOMEM, "out of memory reading the genesis document");
        else if (n) memcpy(*doc, sqlite3_column_blob(q, 0), n);
        *doc_len = st == YUMA_STORE_OK ? n : 0;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: the genesis document is missing from meta", s->path);
    } else {
        st = sql_fail(s, rc, "reading the genesis document");
    }
    sqlite3_finalize(q);
    return st;
}

/* ---- commit ---- */

/* Capacity for at least need items of elem bytes, doubling. */
static bool grow_to(size_t need, size_t *cap, size_t elem, void **buf)
{
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) ncap *= 2;
    void *n = realloc(*buf, ncap * elem);
    if (!n) return false;
    *buf = n;
    *cap = ncap;
    return true;
}

/* Copies one drained change into the pending list. Returning false (out
 * of memory) stops the drain with the chain's list intact. */
static bool take_change(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    yuma_store *s = ctx;
    size_t need = klen + (val ? vlen : 0);
    void *changes = s->changes, *bytes = s->bytes;
    bool ok = grow_to(s->nchanges + 1, &s->changes_cap, sizeof(pending_change), &changes);
    s->changes = changes;
    ok = ok && grow_to(s->nbytes + need, &s->bytes_cap, 1, &bytes);
    s->bytes = bytes;
    if (!ok) return false;
    pending_change *c = &s->changes[s->nchanges++];
    c->off = s->nbytes;
    c->klen = (uint8_t)klen;
    c->deleted = val == NULL;
    c->vlen = val ? (uint32_t)vlen : 0;
    memcpy(s->bytes + s->nbytes, key, klen);
    if (val && vlen) memcpy(s->bytes + s->nbytes + klen, val, vlen);
    s->nbytes += need;
    return true;
}

/* Binds a blob, an empty one as a zero-length blob rather than NULL (the
 * schema refuses NULL values). */
static int bind_bytes(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
    return n ? sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC) : sqlite3_bind_zeroblob(st, i, 0);
}

/* Steps a write statement once and resets it, so it is reusable whatever
 * happened. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int write_changes(yuma_store *s)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; i < s->nchanges && rc == SQLITE_OK; i++) {
        const pending_change *c = &s->changes[i];
        const uint8_t *key = s->bytes + c->off;
        sqlite3_stmt *st = c->deleted ? s->del_state : s->put_state;
        sqlite3_bind_blob(st, 1, key, c->klen, SQLITE_STATIC);
        if (!c->deleted) bind_bytes(st, 2, key + c->klen, c->vlen);
        rc = run(st);
    }
    return rc;
}

static int write_block(yuma_store *s, const yuma_block *b, const yuma_block_result *r)
{
    sqlite3_stmt *st = s->put_block;
    sqlite3_bind_int64(st, 1, (int64_t)b->height);
    sqlite3_bind_blob(st, 2, r->block_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, b->parent_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, b->author.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, r->state_root, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)b->tx_count);
    int rc = run(st);
    for (size_t i = 0; i < b->tx_count && rc == SQLITE_OK; i++) {
        uint8_t id[32];
        /* The transaction id: BLAKE2b-256 of the whole encoding, as the
         * chain and yuma_tx_hash() compute it. */
        crypto_generichash(id, 32, b->txs[i].data, b->txs[i].len, NULL, 0);
        st = s->put_tx;
        sqlite3_bind_int64(st, 1, (int64_t)b->height);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_blob(st, 3, id, 32, SQLITE_STATIC);
        bind_bytes(st, 4, b->txs[i].data, b->txs[i].len);
        sqlite3_bind_int(st, 5, (int)r->call_status[i]);
        sqlite3_bind_int64(st, 6, r->retry_at ? (int64_t)(r->retry_at[i] > INT64_MAX ? INT64_MAX : r->retry_at[i]) : 0);
        rc = run(st);
    }
    for (size_t i = 0; i < r->event_count && rc == SQLITE_OK; i++) {
        const yuma_event *e = &r->events[i];
        st = s->put_event;
        sqlite3_bind_int64(st, 1, (int64_t)b->height);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_int(st, 3, e->tx_index);
        sqlite3_bind_int(st, 4, e->kind);
        sqlite3_bind_int(st, 5, e->netuid);
        sqlite3_bind_blob(st, 6, e->who.bytes, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 7, e->other.bytes, 32, SQLITE_STATIC);
        /* SQLite integers are signed: amounts keep their bits, read back as uint64_t. */
        sqlite3_bind_int64(st, 8, (int64_t)e->amount);
        sqlite3_bind_int64(st, 9, (int64_t)e->value);
        rc = run(st);
    }
    return rc;
}

yuma_store_status yuma_store_stage_block(yuma_store *s, yuma_chain *chain, const yuma_block *block,
                                         const yuma_block_result *result)
{
    s->msg[0] = 0;
    yuma_store_status st = check_genesis(s, chain);
    if (st != YUMA_STORE_OK) return st;
    uint8_t last[32];
    yuma_chain_last_hash(chain, last);
    uint64_t height = atomic_load(&s->height);
    if (block->height != height + 1 || yuma_chain_height(chain) != block->height)
        return fail(s, YUMA_STORE_ERR_SEQUENCE,
                    "%s: cannot commit block %llu: the store is at block %llu and the chain at block %llu", s->path,
                    (unsigned long long)block->height, (unsigned long long)height,
                    (unsigned long long)yuma_chain_height(chain));
    if (memcmp(last, result->block_hash, 32) != 0 || result->tx_count != block->tx_count ||
        (block->tx_count && !result->call_status))
        return fail(s, YUMA_STORE_ERR_SEQUENCE,
                    "%s: cannot commit block %llu: its result is not the chain's last applied block", s->path,
                    (unsigned long long)block->height);
    if (block->height > INT64_MAX || block->tx_count > INT32_MAX)
        return fail(s, YUMA_STORE_ERR_SEQUENCE, "%s: block %llu is beyond what the store can hold", s->path,
                    (unsigned long long)block->height);
    /* Taken from the chain first, forgotten only after COMMIT: a failed
     * transaction leaves them pending here for the next attempt. */
    if (!yuma_chain_drain_changes(chain, take_change, s))
        return fail(s, YUMA_STORE_ERR_NOMEM, "out of memory collecting the state changes of block %llu",
                    (unsigned long long)block->height);
    s->staged = block->height;
    return YUMA_STORE_OK;
}

/* Touches neither db nor msg: it runs beside the queries (see the top). */
yuma_store_status yuma_store_write_staged(yuma_store *s, const yuma_block *block, const yuma_block_result *result)
{
    s->wmsg[0] = 0;
    if (s->staged == 0 || s->staged != block->height) {
        snprintf(s->wmsg, sizeof s->wmsg, "%s: cannot write block %llu: it is not the staged block (%llu)", s->path,
                 (unsigned long long)block->height, (unsigned long long)s->staged);
        return YUMA_STORE_ERR_SEQUENCE;
    }
    int rc = sqlite3_exec(s->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = write_changes(s);
    if (rc == SQLITE_OK) rc = write_block(s, block, result);
    if (rc == SQLITE_OK) rc = sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        yuma_store_status st;
        switch (rc & 0xff) {
        case SQLITE_NOMEM: st = YUMA_STORE_ERR_NOMEM; break;
        case SQLITE_CORRUPT: st = YUMA_STORE_ERR_CORRUPT; break;
        default: st = YUMA_STORE_ERR_IO; break;
        }
        snprintf(s->wmsg, sizeof s->wmsg, "%s: committing block %llu: %s", s->path,
                 (unsigned long long)block->height, sqlite3_errmsg(s->wdb));
        if (!sqlite3_get_autocommit(s->wdb)) sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    s->nchanges = 0;
    s->nbytes = 0;
    s->staged = 0;
    atomic_store(&s->height, block->height);
    return YUMA_STORE_OK;
}

yuma_store_status yuma_store_commit_block(yuma_store *s, yuma_chain *chain, const yuma_block *block,
                                          const yuma_block_result *result)
{
    yuma_store_status st = yuma_store_stage_block(s, chain, block, result);
    if (st != YUMA_STORE_OK) return st;
    st = yuma_store_write_staged(s, block, result);
    if (st != YUMA_STORE_OK) snprintf(s->msg, sizeof s->msg, "%s", s->wmsg);
    return st;
}

/* ---- load ---- */

typedef struct {
    yuma_store *s;
    yuma_store_status st;
} fill_ctx;

static bool fill_state(ykv *kv, void *ctx)
{
    fill_ctx *f = ctx;
    yuma_store *s = f->s;
    sqlite3_stmt *q = s->all_state;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int klen = sqlite3_column_bytes(q, 0), vlen = sqlite3_column_bytes(q, 1);
        const uint8_t *key = sqlite3_column_blob(q, 0), *val = sqlite3_column_blob(q, 1);
        if (sqlite3_column_type(q, 0) != SQLITE_BLOB || sqlite3_column_type(q, 1) != SQLITE_BLOB || klen < 1 ||
            klen > YKV_MAX_KEY) {
            f->st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: a state record is malformed", s->path);
            break;
        }
        static const uint8_t empty[1];
        if (!ykv_put(kv, key, (size_t)klen, vlen ? val : empty, (size_t)vlen)) {
            f->st = fail(s, YUMA_STORE_ERR_NOMEM, "out of memory loading the state");
            break;
        }
    }
    if (f->st == YUMA_STORE_OK && rc != SQLITE_DONE) f->st = sql_fail(s, rc, "reading the state");
    sqlite3_reset(q);
    return f->st == YUMA_STORE_OK;
}

/* Reads a block row of any of the block queries (same columns). */
static bool row_block(sqlite3_stmt *q, yuma_store_block_info *b)
{
    const int blobs[] = {1, 2, 3, 4};
    for (size_t i = 0; i < 4; i++)
        if (sqlite3_column_type(q, blobs[i]) != SQLITE_BLOB || sqlite3_column_bytes(q, blobs[i]) != 32) return false;
    int64_t h = sqlite3_column_int64(q, 0), n = sqlite3_column_int64(q, 5);
    if (h < 1 || n < 0) return false;
    b->height = (uint64_t)h;
    memcpy(b->hash, sqlite3_column_blob(q, 1), 32);
    memcpy(b->parent_hash, sqlite3_column_blob(q, 2), 32);
    memcpy(b->author.bytes, sqlite3_column_blob(q, 3), 32);
    memcpy(b->state_root, sqlite3_column_blob(q, 4), 32);
    b->tx_count = (uint64_t)n;
    return true;
}

yuma_store_status yuma_store_load(yuma_store *s, const yuma_genesis *g, yuma_chain **out)
{
    s->msg[0] = 0;
    *out = NULL;
    yuma_chain *c;
    yuma_store_status st = genesis_chain(s, g, &c);
    if (st != YUMA_STORE_OK) return st;
    st = check_genesis(s, c);
    /* One read transaction: the last block and the state are one snapshot. */
    int rc = st == YUMA_STORE_OK ? sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) : SQLITE_OK;
    if (rc != SQLITE_OK) st = sql_fail(s, rc, "loading");
    yuma_store_block_info last;
    bool any = false;
    if (st == YUMA_STORE_OK) {
        rc = sqlite3_step(s->last_block);
        if (rc == SQLITE_ROW) {
            any = true;
            if (!row_block(s->last_block, &last))
                st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: the last block's row is malformed", s->path);
        } else if (rc != SQLITE_DONE) {
            st = sql_fail(s, rc, "reading the last block");
        }
        sqlite3_reset(s->last_block);
    }
    /* No block yet: the genesis chain as created, its genesis records
     * still listed, so the first commit writes them. */
    if (st == YUMA_STORE_OK && any) {
        fill_ctx f = {s, YUMA_STORE_OK};
        uint8_t root[32];
        if (!yuma_chain_restore(c, last.height, last.hash, fill_state, &f, root))
            st = f.st != YUMA_STORE_OK ? f.st : fail(s, YUMA_STORE_ERR_NOMEM, "out of memory loading the state");
        else if (memcmp(root, last.state_root, 32) != 0) {
            char want[65], got[65];
            hex32(last.state_root, want);
            hex32(root, got);
            st = fail(s, YUMA_STORE_ERR_CORRUPT,
                      "%s: the stored state hashes to %s but block %llu committed state root %s", s->path, got,
                      (unsigned long long)last.height, want);
        }
    }
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (st != YUMA_STORE_OK) {
        yuma_chain_free(c);
        return st;
    }
    *out = c;
    return YUMA_STORE_OK;
}

/* ---- replay ---- */

typedef struct {
    yuma_tx_bytes *txs;
    uint8_t **copies;
    yuma_call_status *status;
    size_t n;
} block_txs;

static void free_block_txs(block_txs *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->copies[i]);
    free(t->txs);
    free(t->copies);
    free(t->status);
    memset(t, 0, sizeof *t);
}

/* The stored transactions of one block, in order, checked to be exactly
 * tx_count rows numbered from 0. */
static yuma_store_status read_block_txs(yuma_store *s, const yuma_store_block_info *b, block_txs *t)
{
    size_t n = (size_t)b->tx_count;
    t->txs = calloc(n ? n : 1, sizeof *t->txs);
    t->copies = calloc(n ? n : 1, sizeof *t->copies);
    t->status = calloc(n ? n : 1, sizeof *t->status);
    if (!t->txs || !t->copies || !t->status) return fail(s, YUMA_STORE_ERR_NOMEM, "out of memory replaying");
    sqlite3_stmt *q = s->block_txs;
    sqlite3_bind_int64(q, 1, (int64_t)b->height);
    yuma_store_status st = YUMA_STORE_OK;
    int rc = SQLITE_DONE;
    while (st == YUMA_STORE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t idx = sqlite3_column_int64(q, 0);
        size_t len = (size_t)sqlite3_column_bytes(q, 1);
        if (t->n == n) {
            st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: block %llu has more stored transactions than its %llu", s->path,
                      (unsigned long long)b->height, (unsigned long long)b->tx_count);
            break;
        }
        if (idx != (int64_t)t->n) {
            st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: block %llu: transaction %zu is missing (the next stored is %lld)",
                      s->path, (unsigned long long)b->height, t->n, (long long)idx);
            break;
        }
        t->copies[t->n] = malloc(len ? len : 1);
        if (!t->copies[t->n]) {
            st = fail(s, YUMA_STORE_ERR_NOMEM, "out of memory replaying");
            break;
        }
        if (len) memcpy(t->copies[t->n], sqlite3_column_blob(q, 1), len);
        t->txs[t->n] = (yuma_tx_bytes){t->copies[t->n], len};
        t->status[t->n] = (yuma_call_status)sqlite3_column_int(q, 2);
        t->n++;
    }
    if (st == YUMA_STORE_OK && rc != SQLITE_DONE) st = sql_fail(s, rc, "reading transactions");
    if (st == YUMA_STORE_OK && t->n != n)
        st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: block %llu has %zu stored transactions, not %llu", s->path,
                  (unsigned long long)b->height, t->n, (unsigned long long)b->tx_count);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

static yuma_store_status replay_block(yuma_store *s, yuma_chain *c, const yuma_store_block_info *b)
{
    block_txs t = {0};
    yuma_store_status st = read_block_txs(s, b, &t);
    if (st != YUMA_STORE_OK) {
        free_block_txs(&t);
        return st;
    }
    yuma_block blk = {.height = b->height, .author = b->author, .tx_count = t.n, .txs = t.txs};
    memcpy(blk.parent_hash, b->parent_hash, 32);
    yuma_block_result r;
    yuma_chain_status cs = yuma_chain_apply_block(c, &blk, &r);
    unsigned long long h = (unsigned long long)b->height;
    if (cs == YUMA_CHAIN_ERR_NOMEM) st = fail(s, YUMA_STORE_ERR_NOMEM, "out of memory replaying block %llu", h);
    else if (cs != YUMA_CHAIN_OK)
        st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: replaying block %llu: the block is invalid: %s (transaction %zu)",
                  s->path, h, yuma_chain_strerror(cs), r.failed_tx);
    else if (memcmp(r.state_root, b->state_root, 32) != 0)
        st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: replaying block %llu gives another state root than stored", s->path,
                  h);
    else if (memcmp(r.block_hash, b->hash, 32) != 0)
        st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: replaying block %llu gives another block hash than stored", s->path,
                  h);
    for (size_t i = 0; st == YUMA_STORE_OK && i < t.n; i++)
        if (r.call_status[i] != t.status[i])
            st = fail(s, YUMA_STORE_ERR_CORRUPT,
                      "%s: replaying block %llu: transaction %zu's call status is %d, stored %d", s->path, h, i,
                      (int)r.call_status[i], (int)t.status[i]);
    if (cs == YUMA_CHAIN_OK) free(r.call_status);
    free_block_txs(&t);
    return st;
}

yuma_store_status yuma_store_replay(yuma_store *s, const yuma_genesis *g, uint8_t root[32], uint64_t *height)
{
    s->msg[0] = 0;
    yuma_chain *c;
    yuma_store_status st = genesis_chain(s, g, &c);
    if (st != YUMA_STORE_OK) return st;
    st = check_genesis(s, c);
    int rc = st == YUMA_STORE_OK ? sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) : SQLITE_OK;
    if (rc != SQLITE_OK) st = sql_fail(s, rc, "replaying");
    while (st == YUMA_STORE_OK) {
        rc = sqlite3_step(s->all_blocks);
        if (rc == SQLITE_DONE) break;
        yuma_store_block_info b;
        if (rc != SQLITE_ROW) st = sql_fail(s, rc, "reading blocks");
        else if (!row_block(s->all_blocks, &b))
            st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: the row of the block after %llu is malformed", s->path,
                      (unsigned long long)yuma_chain_height(c));
        else if (b.height != yuma_chain_height(c) + 1)
            st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: block %llu is missing", s->path,
                      (unsigned long long)yuma_chain_height(c) + 1);
        else st = replay_block(s, c, &b);
    }
    sqlite3_reset(s->all_blocks);
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (st == YUMA_STORE_OK) {
        if (root) yuma_chain_state_root(c, root);
        if (height) *height = yuma_chain_height(c);
    }
    yuma_chain_free(c);
    return st;
}

/* ---- queries ---- */

yuma_store_status yuma_store_block(yuma_store *s, uint64_t height, yuma_store_block_info *out)
{
    s->msg[0] = 0;
    if (height == 0 || height > INT64_MAX)
        return fail(s, YUMA_STORE_ERR_NOT_FOUND, "no block %llu is stored", (unsigned long long)height);
    sqlite3_stmt *q = s->get_block;
    sqlite3_bind_int64(q, 1, (int64_t)height);
    int rc = sqlite3_step(q);
    yuma_store_status st = YUMA_STORE_OK;
    if (rc == SQLITE_DONE)
        st = fail(s, YUMA_STORE_ERR_NOT_FOUND, "no block %llu is stored", (unsigned long long)height);
    else if (rc != SQLITE_ROW) st = sql_fail(s, rc, "reading a block");
    else if (!row_block(q, out))
        st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: block %llu's row is malformed", s->path, (unsigned long long)height);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

yuma_store_status yuma_store_tx(yuma_store *s, const uint8_t id[32], yuma_store_tx_info *out)
{
    s->msg[0] = 0;
    sqlite3_stmt *q = s->get_tx;
    sqlite3_bind_blob(q, 1, id, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    yuma_store_status st = YUMA_STORE_OK;
    if (rc == SQLITE_DONE) {
        char hex[65];
        hex32(id, hex);
        st = fail(s, YUMA_STORE_ERR_NOT_FOUND, "no stored block includes transaction %s", hex);
    } else if (rc != SQLITE_ROW) {
        st = sql_fail(s, rc, "reading a transaction");
    } else {
        out->height = (uint64_t)sqlite3_column_int64(q, 0);
        out->index = (uint64_t)sqlite3_column_int64(q, 1);
        out->call_status = (yuma_call_status)sqlite3_column_int(q, 2);
        out->retry_at = (uint64_t)sqlite3_column_int64(q, 3);
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

yuma_store_status yuma_store_events(yuma_store *s, uint64_t from, uint64_t to, uint16_t netuid,
                                    const yuma_account *account, size_t limit, yuma_store_event_fn fn, void *ctx)
{
    s->msg[0] = 0;
    if (to > INT64_MAX) to = INT64_MAX;
    if (from > to || limit == 0) return YUMA_STORE_OK;
    sqlite3_stmt *q = s->get_events;
    sqlite3_bind_int64(q, 1, (int64_t)from);
    sqlite3_bind_int64(q, 2, (int64_t)to);
    sqlite3_bind_int(q, 3, netuid == YUMA_EVENT_NO_NETUID ? -1 : netuid);
    if (account) sqlite3_bind_blob(q, 4, account->bytes, 32, SQLITE_STATIC);
    else sqlite3_bind_null(q, 4);
    sqlite3_bind_int64(q, 5, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    int rc;
    yuma_store_status st = YUMA_STORE_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        yuma_event e = {0};
        uint64_t height = (uint64_t)sqlite3_column_int64(q, 0);
        e.tx_index = sqlite3_column_int(q, 1);
        e.kind = (uint16_t)sqlite3_column_int(q, 2);
        e.netuid = (uint16_t)sqlite3_column_int(q, 3);
        if (sqlite3_column_bytes(q, 4) != 32 || sqlite3_column_bytes(q, 5) != 32) {
            st = fail(s, YUMA_STORE_ERR_CORRUPT, "%s: an event of block %llu is malformed", s->path,
                      (unsigned long long)height);
            break;
        }
        memcpy(e.who.bytes, sqlite3_column_blob(q, 4), 32);
        memcpy(e.other.bytes, sqlite3_column_blob(q, 5), 32);
        e.amount = (uint64_t)sqlite3_column_int64(q, 6);
        e.value = (uint64_t)sqlite3_column_int64(q, 7);
        if (!fn(height, &e, ctx)) break;
    }
    if (st == YUMA_STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) st = sql_fail(s, rc, "reading events");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

yuma_store_status yuma_store_block_txs(yuma_store *s, uint64_t height, yuma_store_txs *out)
{
    memset(out, 0, sizeof *out);
    yuma_store_block_info b;
    yuma_store_status st = yuma_store_block(s, height, &b);
    block_txs t = {0};
    if (st == YUMA_STORE_OK) st = read_block_txs(s, &b, &t);
    if (st != YUMA_STORE_OK) {
        free_block_txs(&t);
        return st;
    }
    *out = (yuma_store_txs){.count = t.n, .txs = t.txs, .call_status = t.status, .copies = t.copies};
    return YUMA_STORE_OK;
}

void yuma_store_txs_free(yuma_store_txs *t)
{
    block_txs b = {.txs = t->txs, .copies = t->copies, .status = t->call_status, .n = t->count};
    free_block_txs(&b);
    memset(t, 0, sizeof *t);
}
