/*
 * cluster_tools.c - `yuma cluster check` and `yuma cluster load`, the
 * tools the cluster's tests and benchmark run against a local cluster
 * (cluster.c starts it).
 *
 * check: every answering node has the same block (hash and state root) at
 * every height up to the lowest node's; every block etcd still holds is
 * consistent (its hash matches its contents) and is the nodes' block at
 * its height; with --txs, every listed transaction is included, at the
 * listed height, on every node.
 *
 *   yuma cluster check [--dir D] [--txs FILE]
 *
 * load: a steady load of signed transfers: each of S senders (the genesis'
 * load-i keys) keeps one transfer in flight, submitted to the nodes in
 * turn; a transfer counts once tx_status on a node reports it included,
 * and is then written to --out as "<id> <height>". One that is not
 * included after 4 s is submitted again, the same bytes, to the next
 * node (never a second transaction with its nonce, so none is ever
 * counted twice). Meanwhile every node's head is polled every 50 ms and
 * each new height written to --timeline as "<unix ms> <height>", giving
 * the longest gap between blocks. After T seconds no new transfer is sent
 * and the tool waits (up to 60 s) for the ones in flight.
 *
 *   yuma cluster load [--dir D] [--seconds T] [--senders S] [--out FILE] [--timeline FILE]
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cluster_cli.h"
#include "yuma/cluster.h"
#include "yuma/etcd.h"
#include "yuma/genesis.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"

#define MAX_NODES 20

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

typedef struct {
    char url[64];
    yuma_rpc_client *rc;
    bool up;
    uint64_t height;
} node_conn;

/* One call; a rate-limited answer is retried after a pause. */
static json_t *call(node_conn *n, const char *method, json_t *params, yuma_rpc_client_error *e)
{
    json_t *r = NULL;
    for (int attempt = 0; attempt < 50; attempt++) {
        r = yuma_rpc_client_call(n->rc, method, params, e);
        if (r || e->status != YUMA_RPC_CLIENT_REMOTE || e->code != YUMA_RPC_RATE_LIMITED) break;
        sleep_ms(100);
    }
    json_decref(params);
    return r;
}

static size_t connect_nodes(const cluster_opts *o, node_conn *nodes, long timeout_ms)
{
    for (unsigned j = 1; j <= o->nodes; j++) {
        node_conn *n = &nodes[j - 1];
        cluster_node_url(o, j, n->url, sizeof n->url);
        n->rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = n->url, .timeout_ms = timeout_ms,
                                                               .connect_timeout_ms = 300, .no_retry = true});
    }
    return o->nodes;
}

static void free_nodes(node_conn *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++) yuma_rpc_client_free(nodes[i].rc);
}

static bool unhex32(const char *s, uint8_t out[32])
{
    return s && strlen(s) == 64 && sodium_hex2bin(out, 32, s, 64, NULL, NULL, NULL) == 0;
}

/* ---- check ---- */

typedef struct {
    uint8_t hash[32], root[32];
    size_t ntx;
    uint8_t (*tx_ids)[32]; /* the transactions' ids, from the reference node's encoded block */
} block_id;

/* The reference node's block h, encoded: its hash recomputed from its
 * contents must be the one the node reports; the ids of its transactions
 * are kept (every node with the same hash has the same transactions). */
static bool reference_block(node_conn *ref, uint64_t h, block_id *out, yuma_rpc_client_error *e)
{
    json_t *b = call(ref, "chain_getBlock", json_pack("{s:I, s:b}", "height", (json_int_t)h, "encoded", 1), e);
    const char *hex = json_string_value(json_object_get(b, "encoded"));
    size_t n = hex ? strlen(hex) / 2 : 0;
    uint8_t *buf = n ? malloc(n) : NULL;
    yuma_cluster_block blk;
    char why[256];
    bool ok = buf && sodium_hex2bin(buf, n, hex, 2 * n, NULL, NULL, NULL) == 0 &&
              yuma_block_decode(buf, n, &blk, why, sizeof why);
    free(buf);
    if (ok) {
        uint8_t computed[32];
        yuma_cluster_block_hash(&blk, computed);
        ok = blk.height == h && unhex32(json_string_value(json_object_get(b, "hash")), out->hash) &&
             unhex32(json_string_value(json_object_get(b, "state_root")), out->root) &&
             memcmp(computed, out->hash, 32) == 0 && memcmp(blk.state_root, out->root, 32) == 0;
        out->ntx = blk.tx_count;
        out->tx_ids = ok && blk.tx_count ? calloc(blk.tx_count, 32) : NULL;
        for (size_t i = 0; out->tx_ids && i < blk.tx_count; i++)
            crypto_generichash(out->tx_ids[i], 32, blk.txs[i].data, blk.txs[i].len, NULL, 0);
        yuma_cluster_block_free(&blk);
    }
    json_decref(b);
    return ok;
}

/* Every node's block at every height up to the lowest head. */
static bool check_blocks(node_conn *nodes, size_t n, uint64_t upto, block_id *ids)
{
    for (uint64_t h = 1; h <= upto; h++) {
        yuma_rpc_client_error e = {0};
        if (!reference_block(&nodes[0], h, &ids[h], &e)) {
            printf("FAIL: %s has no readable, self-consistent block %" PRIu64 " (%s)\n", nodes[0].url, h, e.message);
            return false;
        }
        for (size_t i = 1; i < n; i++) {
            if (!nodes[i].up) continue;
            json_t *b = call(&nodes[i], "chain_getBlock", json_pack("{s:I}", "height", (json_int_t)h), &e);
            block_id got;
            bool ok = b && unhex32(json_string_value(json_object_get(b, "hash")), got.hash) &&
                      unhex32(json_string_value(json_object_get(b, "state_root")), got.root);
            json_decref(b);
            if (!ok) {
                printf("FAIL: %s has no readable block %" PRIu64 " (%s)\n", nodes[i].url, h, e.message);
                return false;
            }
            if (memcmp(got.hash, ids[h].hash, 32) != 0 || memcmp(got.root, ids[h].root, 32) != 0) {
                printf("FAIL: %s and %s have different blocks at height %" PRIu64 "\n", nodes[0].url, nodes[i].url,
                       h);
                return false;
            }
        }
    }
    return true;
}

/* The blocks etcd holds: each consistent, contiguous, and the nodes'. */
static bool check_etcd(const cluster_opts *o, const char *genesis_hex, uint64_t upto, const block_id *ids)
{
    char urls[256], err[256], prefix[160];
    cluster_etcd_urls(o, urls, sizeof urls);
    snprintf(prefix, sizeof prefix, "/yuma/%s/blocks/", genesis_hex);
    yuma_etcd *e = yuma_etcd_new(&(yuma_etcd_config){.endpoints = urls, .timeout_ms = 5000}, err, sizeof err);
    if (!e) {
        printf("FAIL: %s\n", err);
        return false;
    }
    uint8_t end[160];
    size_t elen = yuma_etcd_prefix_end((const uint8_t *)prefix, strlen(prefix), end);
    yuma_etcd_range_opts ro = {.range_end = end, .range_end_len = elen};
    yuma_etcd_range_result r;
    yuma_etcd_status st = yuma_etcd_range(e, (const uint8_t *)prefix, strlen(prefix), &ro, &r);
    bool ok = st == YUMA_ETCD_OK;
    if (!ok) printf("FAIL: cannot read the blocks from etcd: %s\n", yuma_etcd_message(e));
    uint64_t first = 0, last = 0, compared = 0;
    for (size_t i = 0; ok && i < r.count; i++) {
        yuma_cluster_block b;
        char why[256];
        uint64_t key_height = strtoull((const char *)r.kvs[i].key + strlen(prefix), NULL, 10);
        if (!yuma_block_decode(r.kvs[i].value, r.kvs[i].value_len, &b, why, sizeof why)) {
            printf("FAIL: etcd's block %" PRIu64 ": %s\n", key_height, why);
            ok = false;
            break;
        }
        uint8_t h[32];
        yuma_cluster_block_hash(&b, h);
        if (b.height != key_height || memcmp(h, b.hash, 32) != 0 || (last && b.height != last + 1)) {
            printf("FAIL: etcd's block under key %" PRIu64 " is block %" PRIu64 "%s\n", key_height, b.height,
                   memcmp(h, b.hash, 32) ? ", with a hash that does not match its contents" : ", out of sequence");
            ok = false;
        } else if (b.height <= upto && (memcmp(ids[b.height].hash, b.hash, 32) || memcmp(ids[b.height].root, b.state_root, 32))) {
            printf("FAIL: etcd's block %" PRIu64 " is not the nodes' block %" PRIu64 "\n", b.height, b.height);
            ok = false;
        }
        compared += b.height <= upto;
        if (!first) first = b.height;
        last = b.height;
        yuma_cluster_block_free(&b);
    }
    if (ok) printf("etcd holds blocks %" PRIu64 "..%" PRIu64 " (%zu keys, one per height); the %" PRIu64
                   " of them the nodes have are the same blocks\n", first, last, r.count, compared);
    yuma_etcd_range_result_free(&r);
    yuma_etcd_free(e);
    return ok;
}

/* Every "<id> <height>" line of path is a transaction of the block at that
 * height, which every node has (check_blocks: same hash everywhere). */
static bool check_txs(const block_id *ids, uint64_t upto, size_t up, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("FAIL: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    char hex[80];
    unsigned long long height;
    size_t count = 0;
    bool ok = true;
    while (ok && fscanf(f, "%79s %llu", hex, &height) == 2) {
        count++;
        uint8_t id[32];
        bool found = false;
        if (!unhex32(hex, id) || height < 1 || height > upto) {
            printf("FAIL: \"%s %llu\" is not a transaction id and a height of the checked blocks 1..%" PRIu64 "\n",
                   hex, height, upto);
            ok = false;
            break;
        }
        for (size_t i = 0; i < ids[height].ntx && !found; i++) found = memcmp(ids[height].tx_ids[i], id, 32) == 0;
        if (!found) {
            printf("FAIL: transaction %s, reported included at %llu, is not in block %llu\n", hex, height, height);
            ok = false;
        }
    }
    fclose(f);
    if (ok)
        printf("%zu transactions reported included are in the chain of all %zu nodes, at the reported height\n", count,
               up);
    return ok;
}

int cluster_check(int argc, char **argv)
{
    cluster_opts o = {0};
    static const char *const extra[] = {"--txs", NULL};
    const char *vals[1] = {NULL};
    int rc = cluster_parse(argc, argv, 2, &o, extra, vals);
    if (rc) return rc;
    if (!cluster_load_config(&o, false)) return 1;
    node_conn nodes[MAX_NODES] = {0};
    size_t n = connect_nodes(&o, nodes, 10000);
    uint64_t lo = UINT64_MAX, hi = 0;
    size_t up = 0;
    char genesis[65] = "";
    for (size_t i = 0; i < n; i++) {
        yuma_rpc_client_error e;
        json_t *h = nodes[i].rc ? call(&nodes[i], "chain_head", NULL, &e) : NULL;
        nodes[i].up = h != NULL;
        if (h) {
            nodes[i].height = (uint64_t)json_integer_value(json_object_get(h, "height"));
            snprintf(genesis, sizeof genesis, "%s", json_string_value(json_object_get(h, "genesis_hash")));
            if (nodes[i].height < lo) lo = nodes[i].height;
            if (nodes[i].height > hi) hi = nodes[i].height;
            up++;
        }
        json_decref(h);
    }
    /* The first answering node is the reference. */
    for (size_t i = 0; i < n && !nodes[0].up; i++)
        if (nodes[i].up) {
            node_conn t = nodes[0];
            nodes[0] = nodes[i];
            nodes[i] = t;
        }
    if (!up) {
        printf("FAIL: no node of the cluster in %s answers\n", o.dir);
        free_nodes(nodes, n);
        return 1;
    }
    block_id *ids = calloc(lo + 1, sizeof *ids);
    bool ok = ids && check_blocks(nodes, n, lo, ids);
    if (ok) printf("%zu nodes agree on every block 1..%" PRIu64 " (heads %" PRIu64 "..%" PRIu64 ")\n", up, lo, lo, hi);
    ok = ok && check_etcd(&o, genesis, lo, ids);
    if (ok && vals[0]) ok = check_txs(ids, lo, up, vals[0]);
    for (uint64_t h = 0; ids && h <= lo; h++) free(ids[h].tx_ids);
    free(ids);
    free_nodes(nodes, n);
    return ok ? 0 : 1;
}

/* ---- load ---- */

typedef struct {
    yuma_keypair kp;
    uint64_t nonce, seq;
    bool nonce_known, inflight;
    uint8_t id[32];
    char *hex;
    size_t node;
    uint64_t sent_ms;
} sender;

typedef struct {
    node_conn nodes[MAX_NODES];
    size_t n;
    uint64_t chain_id, min_fee, per_byte;
    uint8_t genesis[32];
    sender *s;
    size_t senders;
    FILE *out, *timeline;
    uint64_t max_height, last_block_ms, max_gap_ms, blocks;
    uint64_t submitted, included, resent, dropped;
} loadgen;

static node_conn *live_node(loadgen *g, size_t from)
{
    for (size_t k = 0; k < g->n; k++) {
        node_conn *c = &g->nodes[(from + k) % g->n];
        if (c->up) return c;
    }
    return NULL;
}

static void poll_heads(loadgen *g)
{
    for (size_t i = 0; i < g->n; i++) {
        yuma_rpc_client_error e;
        json_t *h = yuma_rpc_client_call(g->nodes[i].rc, "chain_head", NULL, &e);
        g->nodes[i].up = h != NULL;
        uint64_t height = (uint64_t)json_integer_value(json_object_get(h, "height"));
        json_decref(h);
        if (!g->nodes[i].up || height <= g->max_height) continue;
        uint64_t t = wall_ms();
        if (g->last_block_ms && t - g->last_block_ms > g->max_gap_ms) g->max_gap_ms = t - g->last_block_ms;
        g->last_block_ms = t;
        g->blocks += height - g->max_height;
        g->max_height = height;
        if (g->timeline) fprintf(g->timeline, "%" PRIu64 " %" PRIu64 "\n", t, height);
    }
}

static bool chain_info(loadgen *g)
{
    node_conn *c = live_node(g, 0);
    yuma_rpc_client_error e;
    json_t *head = c ? call(c, "chain_head", NULL, &e) : NULL, *gen = head ? call(c, "chain_genesis", NULL, &e) : NULL;
    bool ok = head && gen && unhex32(json_string_value(json_object_get(head, "genesis_hash")), g->genesis);
    if (ok) {
        g->chain_id = (uint64_t)json_integer_value(json_object_get(head, "chain_id"));
        const json_t *p = json_object_get(gen, "params");
        g->min_fee = (uint64_t)json_integer_value(json_object_get(p, "min_fee"));
        g->per_byte = (uint64_t)json_integer_value(json_object_get(p, "fee_per_byte"));
    }
    json_decref(head);
    json_decref(gen);
    return ok;
}

static char *sign_transfer(loadgen *g, sender *s, const yuma_account *dest, uint8_t id[32])
{
    yuma_tx tx;
    uint8_t buf[512];
    memset(&tx, 0, sizeof tx);
    tx.chain_id = g->chain_id;
    memcpy(tx.genesis_hash, g->genesis, 32);
    memcpy(tx.signer.bytes, s->kp.pub.bytes, 32);
    tx.nonce = s->nonce;
    tx.call.kind = YUMA_CALL_TRANSFER;
    tx.call.dest = *dest;
    tx.call.amount = 1000 + s->seq++;
    tx.fee = g->min_fee + g->per_byte * yuma_tx_encoded_size(&tx);
    if (!yuma_tx_sign(&tx, s->kp.secret)) return NULL;
    size_t len = yuma_tx_encode(&tx, buf, sizeof buf);
    crypto_generichash(id, 32, buf, len, NULL, 0);
    char *hex = malloc(2 * len + 1);
    if (hex) sodium_bin2hex(hex, 2 * len + 1, buf, len);
    return hex;
}

static void submit(loadgen *g, sender *s, size_t node)
{
    node_conn *c = live_node(g, node);
    if (!c) return;
    s->node = (size_t)(c - g->nodes);
    s->sent_ms = mono_ms();
    yuma_rpc_client_error e;
    json_t *r = call(c, "tx_submit", json_pack("{s:s}", "tx", s->hex), &e);
    /* "nonce already used": this very transaction (the only one with the
     * nonce) is included somewhere; tx_status will say where. */
    if (!r && e.status == YUMA_RPC_CLIENT_REMOTE && !strstr(e.message, "already used") &&
        !strstr(e.message, "already pending") && !strstr(e.message, "at least as high"))
        s->sent_ms = 0; /* refused outright: retry at the next status round */
    json_decref(r);
}

static void start_transfer(loadgen *g, size_t i)
{
    sender *s = &g->s[i];
    if (!s->nonce_known) {
        char addr[YUMA_SS58_MAX];
        yuma_ss58_encode(&s->kp.pub, YUMA_SS58_PREFIX, addr);
        node_conn *c = live_node(g, i);
        yuma_rpc_client_error e;
        json_t *a = c ? call(c, "account_get", json_pack("{s:s}", "address", addr), &e) : NULL;
        s->nonce_known = a != NULL;
        s->nonce = (uint64_t)json_integer_value(json_object_get(a, "nonce"));
        json_decref(a);
        if (!s->nonce_known) return;
    }
    yuma_account dest;
    memcpy(dest.bytes, g->s[(i + 1) % g->senders].kp.pub.bytes, 32);
    free(s->hex);
    s->hex = sign_transfer(g, s, &dest, s->id);
    if (!s->hex) return;
    s->inflight = true;
    g->submitted++;
    submit(g, s, i);
}

static void follow_transfer(loadgen *g, sender *s)
{
    node_conn *c = live_node(g, s->node);
    if (!c) return;
    char id[65];
    sodium_bin2hex(id, sizeof id, s->id, 32);
    yuma_rpc_client_error e;
    json_t *r = call(c, "tx_status", json_pack("{s:s}", "id", id), &e);
    const char *st = json_string_value(json_object_get(r, "status"));
    if (st && strcmp(st, "included") == 0) {
        uint64_t height = (uint64_t)json_integer_value(json_object_get(r, "height"));
        if (g->out) fprintf(g->out, "%s %" PRIu64 "\n", id, height);
        s->inflight = false;
        s->nonce++;
        g->included++;
    } else if (st && mono_ms() - s->sent_ms > 4000) {
        /* A node that says "unknown" while its chain has passed the nonce
         * holds the block that used it, and it is not this transaction:
         * this one can never be included (a stale nonce); drop it. */
        char addr[YUMA_SS58_MAX];
        yuma_ss58_encode(&s->kp.pub, YUMA_SS58_PREFIX, addr);
        json_t *a = strcmp(st, "unknown") == 0 ? call(c, "account_get", json_pack("{s:s}", "address", addr), &e) : NULL;
        uint64_t chain_nonce = (uint64_t)json_integer_value(json_object_get(a, "nonce"));
        if (a && chain_nonce > s->nonce) {
            s->inflight = false;
            s->nonce = chain_nonce;
            g->dropped++;
        } else {
            g->resent++;
            submit(g, s, s->node + 1);
        }
        json_decref(a);
    }
    json_decref(r);
}

static int load_report(loadgen *g, double seconds)
{
    size_t open = 0;
    for (size_t i = 0; i < g->senders; i++) open += g->s[i].inflight;
    printf("{\"seconds\":%.1f,\"senders\":%zu,\"submitted\":%" PRIu64 ",\"included\":%" PRIu64
           ",\"unresolved\":%zu,\"resubmitted\":%" PRIu64 ",\"dropped_stale\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"max_block_gap_ms\":%" PRIu64
           ",\"included_per_s\":%.1f}\n",
           seconds, g->senders, g->submitted, g->included, open, g->resent, g->dropped, g->blocks, g->max_gap_ms,
           g->included / seconds);
    return open ? 1 : 0;
}

int cluster_loadgen(int argc, char **argv)
{
    cluster_opts o = {0};
    static const char *const extra[] = {"--seconds", "--senders", "--out", "--timeline", NULL};
    const char *vals[4] = {NULL};
    int rc = cluster_parse(argc, argv, 2, &o, extra, vals);
    if (rc) return rc;
    if (!cluster_load_config(&o, false)) return 1;
    uint64_t seconds = vals[0] ? strtoull(vals[0], NULL, 10) : 30, senders = vals[1] ? strtoull(vals[1], NULL, 10) : 32;
    if (seconds < 1 || seconds > 3600 || senders < 2 || senders > 256) {
        fprintf(stderr, "yuma cluster load: --seconds 1..3600, --senders 2..256 (the genesis funds load-0..load-255)\n");
        return 2;
    }
    loadgen g = {.senders = senders};
    g.n = connect_nodes(&o, g.nodes, 3000);
    g.s = calloc(senders, sizeof *g.s);
    g.out = vals[2] ? fopen(vals[2], "w") : NULL;
    g.timeline = vals[3] ? fopen(vals[3], "w") : NULL;
    if (!g.s || (vals[2] && !g.out) || (vals[3] && !g.timeline)) {
        fprintf(stderr, "yuma cluster load: cannot open the output files\n");
        return 1;
    }
    poll_heads(&g);
    if (!chain_info(&g)) {
        fprintf(stderr, "yuma cluster load: no node of the cluster in %s answers\n", o.dir);
        return 1;
    }
    for (size_t i = 0; i < senders; i++) {
        char name[32];
        snprintf(name, sizeof name, "load-%zu", i);
        yuma_dev_keypair(name, &g.s[i].kp);
    }
    uint64_t t0 = mono_ms(), load_until = t0 + seconds * 1000, drain_until = load_until + 60000, last_status = 0;
    for (;;) {
        uint64_t now = mono_ms();
        size_t open = 0;
        for (size_t i = 0; i < senders; i++) open += g.s[i].inflight;
        if ((now >= load_until && !open) || now >= drain_until) break;
        poll_heads(&g);
        for (size_t i = 0; now < load_until && i < senders; i++)
            if (!g.s[i].inflight) start_transfer(&g, i);
        if (now - last_status >= 200) {
            for (size_t i = 0; i < senders; i++)
                if (g.s[i].inflight) follow_transfer(&g, &g.s[i]);
            last_status = now;
            if (g.out) fflush(g.out);
            if (g.timeline) fflush(g.timeline);
        }
        sleep_ms(50);
    }
    int status = load_report(&g, (double)seconds);
    for (size_t i = 0; i < senders; i++) free(g.s[i].hex);
    free(g.s);
    if (g.out) fclose(g.out);
    if (g.timeline) fclose(g.timeline);
    free_nodes(g.nodes, g.n);
    return status;
}
