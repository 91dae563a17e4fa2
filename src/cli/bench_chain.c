/*
 * bench_chain.c - `yuma bench chain`: throughput of the chain state machine
 * on blocks of signed transfers between many accounts.
 *
 * It measures, in one run and on the same transactions:
 *   - libsodium's raw ed25519 verify rate on one and on two threads (the
 *     ceiling for any node that checks signatures);
 *   - applying blocks whose signatures were verified beforehand (what the
 *     state machine itself costs, state root included);
 *   - applying blocks with verification inside the chain (one core), and
 *     with verification spread over two threads before applying.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "yuma/chain.h"
#include "yuma/store.h"
#include "yuma/tx.h"

typedef struct {
    size_t accounts, blocks, per_block;
    const char *store;      /* also persist every block of the pre-verified run here */
} chain_opts;

static double store_ms_max, store_ms_sum, block_ms_max;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    uint8_t *bytes;     /* all transactions, back to back */
    yuma_tx_bytes *txs;
    size_t count;
} tx_set;

typedef struct {
    const yuma_tx_bytes *txs;
    size_t from, to;
    size_t failures;
} verify_job;

/* Verifies a slice of transactions the way a node does before admission. */
static void *verify_slice(void *arg)
{
    verify_job *j = arg;
    yuma_tx *tx = malloc(sizeof *tx);
    if (!tx) {
        j->failures = j->to - j->from;
        return NULL;
    }
    for (size_t i = j->from; i < j->to; i++) {
        size_t payload;
        if (yuma_tx_decode(j->txs[i].data, j->txs[i].len, tx, &payload) != YUMA_TX_OK ||
            crypto_sign_verify_detached(j->txs[i].data + payload, j->txs[i].data, payload, tx->signer.bytes) != 0)
            j->failures++;
    }
    free(tx);
    return NULL;
}

/* Verifies txs[0..count) on `threads` threads; returns the seconds taken. */
static double verify_parallel(const yuma_tx_bytes *txs, size_t count, int threads, size_t *failures)
{
    pthread_t th[2];
    verify_job jobs[2];
    double t0 = now_s();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (verify_job){txs, count * (size_t)t / (size_t)threads, count * (size_t)(t + 1) / (size_t)threads, 0};
        if (t > 0) pthread_create(&th[t], NULL, verify_slice, &jobs[t]);
    }
    verify_slice(&jobs[0]);
    for (int t = 1; t < threads; t++) pthread_join(th[t], NULL);
    *failures = 0;
    for (int t = 0; t < threads; t++) *failures += jobs[t].failures;
    return now_s() - t0;
}

typedef struct {
    unsigned char pk[32], sk[64];
} key;

static yuma_chain *make_chain(const key *keys, size_t n)
{
    yuma_genesis_balance *bal = calloc(n, sizeof *bal);
    if (!bal) return NULL;
    for (size_t i = 0; i < n; i++) {
        memcpy(bal[i].account.bytes, keys[i].pk, 32);
        bal[i].balance = 1000000ull * 1000000000ull / n;
    }
    yuma_genesis g = {.chain_id = 42, .params = yuma_chain_params_default(), .balance_count = n, .balances = bal};
    yuma_chain *c = NULL;
    yuma_chain_new(&g, &c);
    free(bal);
    return c;
}

/* Signs blocks*per_block transfers; every sender's nonces stay in order. */
static bool make_transfers(yuma_chain *c, const key *keys, const chain_opts *o, tx_set *set)
{
    size_t total = o->blocks * o->per_block;
    set->bytes = malloc(total * 256);
    set->txs = calloc(total, sizeof(yuma_tx_bytes));
    uint64_t *nonce = calloc(o->accounts, sizeof(uint64_t));
    yuma_tx *tx = calloc(1, sizeof *tx);
    if (!set->bytes || !set->txs || !nonce || !tx) {
        free(nonce);
        free(tx);
        return false;
    }
    uint64_t rng = 12345;
    size_t off = 0;
    for (size_t i = 0; i < total; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        size_t from = (size_t)(rng >> 33) % o->accounts, to = (from + 1 + (size_t)(rng >> 13) % (o->accounts - 1)) % o->accounts;
        memset(tx, 0, sizeof *tx);
        tx->chain_id = yuma_chain_id(c);
        yuma_chain_genesis_hash(c, tx->genesis_hash);
        memcpy(tx->signer.bytes, keys[from].pk, 32);
        tx->nonce = nonce[from]++;
        tx->fee = yuma_chain_min_fee(c, 200);
        tx->call.kind = YUMA_CALL_TRANSFER;
        memcpy(tx->call.dest.bytes, keys[to].pk, 32);
        tx->call.amount = 1000 + (rng & 1023);
        yuma_tx_sign(tx, keys[from].sk);
        size_t len = yuma_tx_encode(tx, set->bytes + off, 256);
        set->txs[i] = (yuma_tx_bytes){set->bytes + off, len};
        off += len;
    }
    set->count = total;
    free(nonce);
    free(tx);
    return true;
}

/* Applies every block (persisting each in store when given); returns
 * seconds, or a negative value on failure. */
static double apply_all(yuma_chain *c, const tx_set *set, const chain_opts *o, bool verified, uint8_t root[32],
                        yuma_store *store)
{
    double t0 = now_s();
    for (size_t b = 0; b < o->blocks; b++) {
        yuma_block blk = {.height = yuma_chain_height(c) + 1, .tx_count = o->per_block,
                          .txs = set->txs + b * o->per_block, .signatures_verified = verified};
        memset(blk.author.bytes, 0xAB, 32);
        yuma_chain_last_hash(c, blk.parent_hash);
        yuma_block_result res;
        double tb = now_s();
        yuma_chain_status st = yuma_chain_apply_block(c, &blk, &res);
        if (st != YUMA_CHAIN_OK) {
            fprintf(stderr, "yuma bench: block %zu: %s\n", b + 1, yuma_chain_strerror(st));
            return -1;
        }
        if (store) {
            double ts = now_s();
            if (yuma_store_commit_block(store, c, &blk, &res) != YUMA_STORE_OK) {
                fprintf(stderr, "yuma bench: commit: %s\n", yuma_store_message(store));
                return -1;
            }
            double ms = (now_s() - ts) * 1e3, total = (now_s() - tb) * 1e3;
            store_ms_sum += ms;
            if (ms > store_ms_max) store_ms_max = ms;
            if (total > block_ms_max) block_ms_max = total;
        }
        memcpy(root, res.state_root, 32);
        free(res.call_status);
    }
    return now_s() - t0;
}

static bool parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    uint64_t v;
    if (!cli_parse_uint(s, lo, hi, &v)) return false;
    *out = (size_t)v;
    return true;
}

int cmd_bench_chain(int argc, char **argv)
{
    chain_opts o = {.accounts = 10000, .blocks = 20, .per_block = 10000};
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        bool ok = true;
        if (strcmp(argv[i], "--accounts") == 0) ok = parse_size(v, 2, 10000000, &o.accounts);
        else if (strcmp(argv[i], "--blocks") == 0) ok = parse_size(v, 1, 100000, &o.blocks);
        else if (strcmp(argv[i], "--txs-per-block") == 0) ok = parse_size(v, 1, 1000000, &o.per_block);
        else if (strcmp(argv[i], "--store") == 0) o.store = v, ok = *v != 0;
        else ok = false;
        if (!ok) {
            fprintf(stderr, "yuma bench chain: bad option '%s' (usage: yuma bench chain [--accounts N] "
                            "[--blocks B] [--txs-per-block T])\n", argv[i]);
            return 2;
        }
        i++;
    }
    if (sodium_init() < 0) return 1;
    key *keys = calloc(o.accounts, sizeof *keys);
    if (!keys) return 1;
    for (size_t i = 0; i < o.accounts; i++) {
        unsigned char seed[32] = {0};
        memcpy(seed, &i, sizeof i);
        crypto_sign_seed_keypair(keys[i].pk, keys[i].sk, seed);
    }
    yuma_chain *pre = make_chain(keys, o.accounts), *inline_v = make_chain(keys, o.accounts),
               *par = make_chain(keys, o.accounts);
    tx_set set = {0};
    int rc = 1;
    yuma_store *store = NULL;
    yuma_genesis_balance *gb = NULL;
    if (!pre || !inline_v || !par || !make_transfers(pre, keys, &o, &set)) goto out;
    if (o.store) {
        char msg[512];
        unlink(o.store);
        gb = calloc(o.accounts, sizeof *gb);
        for (size_t i = 0; gb && i < o.accounts; i++) {
            memcpy(gb[i].account.bytes, keys[i].pk, 32);
            gb[i].balance = 1000000ull * 1000000000ull / o.accounts;
        }
        yuma_genesis g = {.chain_id = 42, .params = yuma_chain_params_default(), .balance_count = o.accounts, .balances = gb};
        if (!gb || yuma_store_open(o.store, &store, msg, sizeof msg) != YUMA_STORE_OK ||
            yuma_store_bind_genesis(store, &g, NULL, 0) != YUMA_STORE_OK) {
            fprintf(stderr, "yuma bench chain: store %s: %s\n", o.store, msg);
            goto out;
        }
    }
    size_t failures;
    double v1 = verify_parallel(set.txs, set.count, 1, &failures);
    double v2 = verify_parallel(set.txs, set.count, 2, &failures);
    uint8_t r1[32], r2[32], r3[32];
    double t_pre = apply_all(pre, &set, &o, true, r1, store);
    double t_inline = apply_all(inline_v, &set, &o, false, r2, NULL);
    double t0 = now_s();
    verify_parallel(set.txs, set.count, 2, &failures);
    double t_apply = apply_all(par, &set, &o, true, r3, NULL);
    double t_par = now_s() - t0; /* verification on two threads, then application */
    if (t_pre < 0 || t_inline < 0 || t_apply < 0 || failures || memcmp(r1, r2, 32) || memcmp(r1, r3, 32)) {
        fprintf(stderr, "yuma bench chain: runs disagree or failed\n");
        goto out;
    }
    double n = (double)set.count;
    printf("{\"transfers\":%zu,\"accounts\":%zu,\"txs_per_block\":%zu,"
           "\"verify_1_thread_per_s\":%.0f,\"verify_2_threads_per_s\":%.0f,"
           "\"apply_preverified_per_s\":%.0f,\"apply_verify_1_core_per_s\":%.0f,"
           "\"apply_verify_2_cores_per_s\":%.0f}\n",
           set.count, o.accounts, o.per_block, n / v1, n / v2, n / t_pre, n / t_inline, n / t_par);
    if (store)
        printf("{\"persisted_blocks\":%zu,\"txs_per_block\":%zu,\"commit_ms_mean\":%.1f,\"commit_ms_max\":%.1f,"
               "\"apply_and_commit_ms_max\":%.1f}\n",
               o.blocks, o.per_block, store_ms_sum / o.blocks, store_ms_max, block_ms_max);
    rc = 0;
out:
    yuma_store_close(store);
    free(gb);
    free(set.bytes);
    free(set.txs);
    yuma_chain_free(pre);
    yuma_chain_free(inline_v);
    yuma_chain_free(par);
    free(keys);
    return rc;
}
