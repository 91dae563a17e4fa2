/*
 * bench_node.c - `yuma bench node`: end-to-end throughput of a running
 * node: signed transfers submitted over JSON-RPC in batches, counted when
 * they are in persisted blocks. The senders are devnet keys ("load-0",
 * "load-1", ...) funded first by alice's development key, so it runs
 * against `yumad --dev`.
 *
 * Like a real client that pipelines, it keeps --in-flight batches (default
 * 2) outstanding, each on its own connection, so that the node verifies one
 * batch while the next is on the wire and being parsed.
 *
 *   yuma bench node [--rpc URL] [--senders N] [--per-sender K] [--batch B] [--in-flight F]
 */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "yuma/genesis.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    yuma_rpc_client *rc;
    uint64_t chain_id, min_fee, per_byte;
    uint8_t genesis[32];
} ctx;

static json_t *call(ctx *c, const char *m, json_t *params)
{
    yuma_rpc_client_error err;
    json_t *r = yuma_rpc_client_call(c->rc, m, params, &err);
    json_decref(params);
    if (!r) fprintf(stderr, "yuma bench node: %s: %s\n", m, err.message);
    return r;
}

static char *sign_hex(ctx *c, const yuma_keypair *kp, uint64_t nonce, const yuma_account *dest, uint64_t amount)
{
    static yuma_tx tx;
    static uint8_t buf[512];
    memset(&tx, 0, sizeof tx);
    tx.chain_id = c->chain_id;
    memcpy(tx.genesis_hash, c->genesis, 32);
    memcpy(tx.signer.bytes, kp->pub.bytes, 32);
    tx.nonce = nonce;
    tx.call.kind = YUMA_CALL_TRANSFER;
    tx.call.dest = *dest;
    tx.call.amount = amount;
    tx.fee = c->min_fee + c->per_byte * yuma_tx_encoded_size(&tx);
    if (!yuma_tx_sign(&tx, kp->secret)) return NULL;
    size_t len = yuma_tx_encode(&tx, buf, sizeof buf);
    char *hex = malloc(2 * len + 1);
    for (size_t i = 0; hex && i < len; i++) sprintf(hex + 2 * i, "%02x", buf[i]);
    return hex;
}

/* A signed transfer as a JSON string (NULL without memory). */
static json_t *signed_json(ctx *c, const yuma_keypair *kp, uint64_t nonce, const yuma_account *dest, uint64_t amount)
{
    char *hex = sign_hex(c, kp, nonce, dest, amount);
    json_t *s = hex ? json_string(hex) : NULL;
    free(hex);
    return s;
}

/* Submits txs[from..to) (hex strings) in batches on c; returns how many were accepted. */
static size_t submit_range(ctx *c, json_t *txs, size_t from, size_t to, size_t batch)
{
    size_t accepted = 0;
    for (size_t i = from; i < to; i += batch) {
        json_t *part = json_array();
        for (size_t k = i; k < to && k < i + batch; k++) json_array_append(part, json_array_get(txs, k));
        json_t *r = call(c, "tx_submitBatch", json_pack("{s:o}", "txs", part));
        size_t j;
        json_t *e;
        json_array_foreach(r, j, e) accepted += json_is_true(json_object_get(e, "accepted"));
        json_decref(r);
    }
    return accepted;
}

/* Submits txs (hex strings, stolen) in batches; returns how many were accepted. */
static size_t submit(ctx *c, json_t *txs, size_t batch)
{
    size_t accepted = submit_range(c, txs, 0, json_array_size(txs), batch);
    json_decref(txs);
    return accepted;
}

/* One of the pipelined submitters: takes the next batch until none is
 * left, on a connection of its own. */
typedef struct {
    ctx c;
    json_t *txs;
    size_t batch, accepted;
    atomic_size_t *next;
} lane;

static void *lane_main(void *arg)
{
    lane *l = arg;
    size_t n = json_array_size(l->txs);
    for (size_t i; (i = atomic_fetch_add(l->next, l->batch)) < n;)
        l->accepted += submit_range(&l->c, l->txs, i, i + l->batch < n ? i + l->batch : n, l->batch);
    return NULL;
}

/* Submits txs (hex strings, stolen) with `lanes` batches in flight. */
static size_t submit_pipelined(ctx *c, yuma_rpc_client_config *cfg, json_t *txs, size_t batch, size_t lanes)
{
    lane l[8];
    pthread_t th[8];
    atomic_size_t next;
    atomic_init(&next, 0);
    size_t started = 0, accepted = 0;
    for (size_t i = 0; i < lanes; i++) {
        l[i] = (lane){.c = *c, .txs = txs, .batch = batch, .next = &next};
        l[i].c.rc = i == 0 ? c->rc : yuma_rpc_client_new(cfg);
        if (!l[i].c.rc) break;
        if (i > 0 && pthread_create(&th[i], NULL, lane_main, &l[i]) != 0) {
            yuma_rpc_client_free(l[i].c.rc);
            break;
        }
        started++;
    }
    lane_main(&l[0]); /* this thread is the first lane */
    for (size_t i = 0; i < started; i++) {
        if (i > 0) {
            pthread_join(th[i], NULL);
            yuma_rpc_client_free(l[i].c.rc);
        }
        accepted += l[i].accepted;
    }
    json_decref(txs);
    return accepted;
}

static uint64_t nonce_of(ctx *c, const yuma_keypair *kp)
{
    char addr[YUMA_SS58_MAX];
    yuma_ss58_encode(&kp->pub, YUMA_SS58_PREFIX, addr);
    json_t *r = call(c, "account_get", json_pack("{s:s}", "address", addr));
    uint64_t n = r ? (uint64_t)json_integer_value(json_object_get(r, "nonce")) : 0;
    json_decref(r);
    return n;
}

int cmd_bench_node(int argc, char **argv)
{
    const char *url = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    size_t senders = 256, per = 32, batch = 1000, lanes = 2; /* 8192: the mempool's default capacity */
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rpc") == 0) url = argv[i + 1];
        else if (strcmp(argv[i], "--senders") == 0) senders = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--per-sender") == 0) per = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0) batch = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--in-flight") == 0) lanes = strtoul(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "yuma bench node: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (senders < 2 || senders > 100000 || per < 1 || per > 65536 || batch < 1 || batch > 10000 || lanes < 1 ||
        lanes > 8) {
        fprintf(stderr, "yuma bench node: --senders 2..100000, --per-sender 1..65536 (the node's mempool_per_sender must allow it), --batch 1..10000, --in-flight 1..8\n");
        return 2;
    }
    yuma_rpc_client_config cfg = {.url = url, .timeout_ms = 60000};
    ctx c = {.rc = yuma_rpc_client_new(&cfg)};
    json_t *head = c.rc ? call(&c, "chain_head", NULL) : NULL, *gen = head ? call(&c, "chain_genesis", NULL) : NULL;
    if (!head || !gen) return 1;
    c.chain_id = (uint64_t)json_integer_value(json_object_get(head, "chain_id"));
    const char *gh = json_string_value(json_object_get(head, "genesis_hash"));
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(gh + 2 * i, "%2x", &v);
        c.genesis[i] = (uint8_t)v;
    }
    json_t *params = json_object_get(gen, "params");
    c.min_fee = (uint64_t)json_integer_value(json_object_get(params, "min_fee"));
    c.per_byte = (uint64_t)json_integer_value(json_object_get(params, "fee_per_byte"));
    yuma_keypair alice, *keys = calloc(senders, sizeof *keys);
    yuma_dev_keypair("alice", &alice);
    for (size_t i = 0; i < senders; i++) {
        char name[32];
        snprintf(name, sizeof name, "load-%zu", i);
        yuma_dev_keypair(name, &keys[i]);
    }
    /* Fund the senders, 64 per block (alice's pending limit). */
    uint64_t an = nonce_of(&c, &alice);
    for (size_t i = 0; i < senders; i += 64) {
        json_t *txs = json_array();
        for (size_t k = i; k < senders && k < i + 64; k++) {
            yuma_account dest;
            memcpy(dest.bytes, keys[k].pub.bytes, 32);
            json_array_append_new(txs, signed_json(&c, &alice, an++, &dest, 100 * YUMA_RAO_PER_TAO));
        }
        submit(&c, txs, batch);
        uint64_t hseen = 0;
        while (nonce_of(&c, &alice) < an) {
            uint64_t h = hseen;
            bool to;
            yuma_rpc_client_error e;
            if (yuma_rpc_client_wait_block(c.rc, hseen, 2000, &h, &to, &e) && !to) hseen = h;
        }
    }
    /* Sign everything first: the measurement is submission to inclusion. */
    json_t *all = json_array();
    uint64_t *base = calloc(senders, sizeof *base);
    for (size_t i = 0; i < senders; i++) base[i] = nonce_of(&c, &keys[i]);
    for (size_t k = 0; k < per; k++)
        for (size_t i = 0; i < senders; i++) {
            yuma_account dest;
            memcpy(dest.bytes, keys[(i + 1 + k) % senders].pub.bytes, 32);
            json_array_append_new(all, signed_json(&c, &keys[i], base[i] + k, &dest, 1000 + k));
        }
    size_t total = json_array_size(all);
    json_t *h0 = call(&c, "chain_head", NULL);
    uint64_t seen = h0 ? (uint64_t)json_integer_value(json_object_get(h0, "height")) : 0;
    json_decref(h0);
    double t0 = now_s();
    size_t accepted = submit_pipelined(&c, &cfg, all, batch, lanes);
    double t_submit = now_s() - t0;
    /* Included = counted in persisted blocks (chain_getBlock reads the store). */
    size_t included = 0;
    while (included < accepted) {
        uint64_t h = 0;
        bool to;
        yuma_rpc_client_error e;
        if (!yuma_rpc_client_wait_block(c.rc, seen, 2000, &h, &to, &e) || to) {
            if (now_s() - t0 > 300) {
                fprintf(stderr, "yuma bench node: not all transactions were included within 300 s\n");
                return 1;
            }
            continue;
        }
        for (; seen < h; seen++) {
            json_t *b = call(&c, "chain_getBlock", json_pack("{s:I}", "height", (json_int_t)(seen + 1)));
            if (!b) return 1;
            included += (size_t)json_integer_value(json_object_get(b, "tx_count"));
            json_decref(b);
        }
    }
    double t_all = now_s() - t0;
    printf("{\"transfers\":%zu,\"accepted\":%zu,\"senders\":%zu,\"batch\":%zu,\"in_flight\":%zu,\"submit_s\":%.3f,"
           "\"included_s\":%.3f,\"end_to_end_per_s\":%.0f}\n",
           total, accepted, senders, batch, lanes, t_submit, t_all, total / t_all);
    free(keys);
    free(base);
    json_decref(head);
    json_decref(gen);
    yuma_rpc_client_free(c.rc);
    return accepted == total ? 0 : 1;
}
