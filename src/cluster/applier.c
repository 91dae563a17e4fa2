/*
 * applier.c - cluster mode's block applier thread: reads the committed
 * blocks from etcd in height order, verifies each (encoding, hash,
 * signatures, execution, state root, call results) and persists it; a node
 * further behind than etcd keeps fetches the missing blocks from its peers'
 * RPC and checks them against the hash chain before executing them.
 *
 * Waiting: after a read that found no newer block, the thread waits on
 * etcd's watch stream (yuma_etcd_watch_wait) for the next change to the
 * block keys, so a block is applied as soon as it is committed without
 * polling etcd.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_internal.h"
#include "yuma/rpc_client.h"

/* Blocks read from etcd in one request. */
#define RANGE_LIMIT 16

typedef enum { APPLY_OK, APPLY_SKIP, APPLY_STOP } apply_result;

/* Execution as this node performs it; the test-only fault perturbs the
 * author, so the fees (and the state root) come out differently. */
static yuma_block block_of(yuma_cluster *c, const yuma_cluster_block *b)
{
    yuma_block blk = {.height = b->height, .author = b->author, .tx_count = b->tx_count, .txs = b->txs,
                      .signatures_verified = true};
    memcpy(blk.parent_hash, b->parent_hash, 32);
    if (c->cfg.test_corrupt_at_height && b->height >= c->cfg.test_corrupt_at_height) blk.author.bytes[0] ^= 1;
    return blk;
}

/* Checks a decoded block's own consistency and its signatures, without
 * the node's lock. */
static bool precheck(yuma_cluster *c, const yuma_cluster_block *b)
{
    uint8_t h[32];
    yuma_cluster_block_hash(b, h);
    if (memcmp(h, b->hash, 32) != 0) {
        cluster_alarm(c, b->height, "block %" PRIu64 "'s hash does not match its contents", b->height);
        return false;
    }
    /* A transaction this node's mempool holds was verified when it was
     * admitted (its id is the hash of these very bytes): only the others
     * are checked, on all cores. */
    size_t n = b->tx_count ? b->tx_count : 1, todo = 0;
    bool *ok = calloc(n, sizeof *ok);
    size_t *at = calloc(n, sizeof *at);
    yuma_tx_bytes *check = calloc(n, sizeof *check);
    if (!ok || !at || !check) {
        free(ok);
        free(at);
        free(check);
        cluster_fatal(c, "out of memory verifying block %" PRIu64, b->height);
        return false;
    }
    for (size_t i = 0; i < b->tx_count; i++) {
        uint8_t id[32];
        crypto_generichash(id, 32, b->txs[i].data, b->txs[i].len, NULL, 0);
        if (yuma_mempool_contains(c->node->pool, id)) continue;
        at[todo] = i;
        check[todo++] = b->txs[i];
    }
    if (todo) yuma_mempool_verify_batch(c->node->pool, check, todo, ok);
    size_t bad = b->tx_count;
    for (size_t k = 0; k < todo && bad == b->tx_count; k++)
        if (!ok[k]) bad = at[k];
    free(ok);
    free(at);
    free(check);
    if (bad < b->tx_count) {
        cluster_alarm(c, b->height, "block %" PRIu64 "'s transaction %zu has an invalid signature or encoding",
                      b->height, bad);
        return false;
    }
    return true;
}

static void hex32(const uint8_t b[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Compares what this node's execution gave with what the block claims. */
static bool same_result(yuma_cluster *c, const yuma_cluster_block *b, const yuma_block_result *r)
{
    char want[65], got[65];
    if (memcmp(r->state_root, b->state_root, 32) != 0) {
        hex32(b->state_root, want);
        hex32(r->state_root, got);
        cluster_alarm(c, b->height, "executing block %" PRIu64 " gives state root %s, the block commits to %s",
                      b->height, got, want);
        return false;
    }
    if (memcmp(r->block_hash, b->hash, 32) != 0) {
        hex32(b->hash, want);
        hex32(r->block_hash, got);
        cluster_alarm(c, b->height, "executing block %" PRIu64 " gives block hash %s, the block's is %s", b->height,
                      got, want);
        return false;
    }
    for (size_t i = 0; i < b->tx_count; i++)
        if (r->call_status[i] != b->call_status[i]) {
            cluster_alarm(c, b->height, "block %" PRIu64 ": transaction %zu's call gives %s here, the block says %s",
                          b->height, i, yuma_call_strerror(r->call_status[i]), yuma_call_strerror(b->call_status[i]));
            return false;
        }
    return true;
}

/* Under the node's lock: executes, compares and persists the block. */
static apply_result apply_locked(yuma_cluster *c, const yuma_cluster_block *b)
{
    yuma_node *n = c->node;
    uint64_t height = yuma_chain_height(n->chain);
    if (b->height <= height) {
        /* Already here (this node produced it): it must be the same. */
        yuma_store_block_info mine;
        if (yuma_store_block(n->store, b->height, &mine) == YUMA_STORE_OK && memcmp(mine.hash, b->hash, 32) != 0) {
            cluster_alarm(c, b->height, "this node's block %" PRIu64 " is not the one etcd committed", b->height);
            return APPLY_STOP;
        }
        return APPLY_SKIP;
    }
    if (b->height != height + 1) return APPLY_SKIP;
    uint8_t last[32];
    yuma_chain_last_hash(n->chain, last);
    if (memcmp(last, b->parent_hash, 32) != 0) {
        cluster_alarm(c, b->height, "block %" PRIu64 "'s parent is not this node's block %" PRIu64, b->height, height);
        return APPLY_STOP;
    }
    yuma_block blk = block_of(c, b);
    yuma_block_result r;
    yuma_chain_status cs = yuma_chain_apply_block(n->chain, &blk, &r);
    if (cs == YUMA_CHAIN_ERR_NOMEM) {
        cluster_fatal(c, "out of memory applying block %" PRIu64, b->height);
        return APPLY_STOP;
    }
    if (cs != YUMA_CHAIN_OK) {
        cluster_alarm(c, b->height, "block %" PRIu64 " is invalid here: %s (transaction %zu)", b->height,
                      yuma_chain_strerror(cs), r.failed_tx);
        return APPLY_STOP;
    }
    if (!same_result(c, b, &r)) {
        free(r.call_status);
        char why[512];
        if (!cluster_restore_chain(c, why, sizeof why)) cluster_fatal(c, "%s", why);
        return APPLY_STOP;
    }
    /* The store records the block as committed (the block's own author). */
    blk.author = b->author;
    yuma_store_status st = yuma_store_commit_block(n->store, n->chain, &blk, &r);
    free(r.call_status);
    if (st != YUMA_STORE_OK) {
        cluster_fatal(c, "cannot persist block %" PRIu64 ": %s (%s); stopping: a restart continues from the last "
                      "persisted block", b->height, yuma_store_strerror(st), yuma_store_message(n->store));
        return APPLY_STOP;
    }
    yuma_mempool_remove_included(n->pool, n->chain, b->txs, b->tx_count);
    return APPLY_OK;
}

/* Verifies and applies one decoded block; true when the node may go on. */
static bool apply_block(yuma_cluster *c, const yuma_cluster_block *b)
{
    if (atomic_load(&c->diverged) || atomic_load(&c->fatal)) return false;
    if (b->height > yuma_node_height(c->node) && !precheck(c, b)) return false;
    yuma_node *n = c->node;
    pthread_mutex_lock(&n->lock);
    apply_result ar = atomic_load(&c->diverged) ? APPLY_STOP : apply_locked(c, b);
    pthread_mutex_unlock(&n->lock);
    if (ar == APPLY_OK) {
        atomic_fetch_add(&c->blocks_applied, 1);
        char hash[65];
        hex32(b->hash, hash);
        json_t *info = json_pack("{s:I, s:s, s:I}", "height", (json_int_t)b->height, "hash", hash, "tx_count",
                                 (json_int_t)b->tx_count);
        yuma_rpc_notify_block_info(n->rpc, b->height, info);
    }
    return ar != APPLY_STOP;
}

/* ---- catching up from peers ---- */

typedef struct {
    yuma_cluster_block *v;
    size_t n;
} block_list;

static void block_list_free(block_list *l)
{
    for (size_t i = 0; i < l->n; i++) yuma_cluster_block_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Fetches block height from one peer (chain_getBlock, encoded). */
static bool fetch_one(yuma_rpc_client *rc, uint64_t height, yuma_cluster_block *out)
{
    yuma_rpc_client_error e;
    json_t *params = json_pack("{s:I, s:b}", "height", (json_int_t)height, "encoded", 1);
    json_t *r = params ? yuma_rpc_client_call(rc, "chain_getBlock", params, &e) : NULL;
    json_decref(params);
    const char *hex = json_string_value(json_object_get(r, "encoded"));
    size_t n = 0;
    uint8_t *buf = hex ? node_from_hex(hex, &n) : NULL;
    char why[256];
    bool ok = buf && yuma_block_decode(buf, n, out, why, sizeof why);
    if (ok && out->height != height) {
        yuma_cluster_block_free(out);
        ok = false;
    }
    free(buf);
    json_decref(r);
    return ok;
}

/* The RPC URLs of the other members (from their member keys). */
static size_t peer_urls(yuma_cluster *c, char urls[][CLUSTER_URL_MAX], size_t max)
{
    char prefix[CLUSTER_KEY_MAX];
    snprintf(prefix, sizeof prefix, "%smembers/", c->prefix);
    uint8_t end[CLUSTER_KEY_MAX];
    size_t elen = yuma_etcd_prefix_end((const uint8_t *)prefix, strlen(prefix), end);
    yuma_etcd_range_opts o = {.range_end = end, .range_end_len = elen};
    yuma_etcd_range_result r;
    if (yuma_etcd_range(c->etcd_apply, (const uint8_t *)prefix, strlen(prefix), &o, &r) != YUMA_ETCD_OK) return 0;
    size_t count = 0;
    for (size_t i = 0; i < r.count && count < max; i++) {
        json_error_t je;
        json_t *v = json_loadb((const char *)r.kvs[i].value, r.kvs[i].value_len, 0, &je);
        const char *name = json_string_value(json_object_get(v, "name")), *url = json_string_value(json_object_get(v, "rpc"));
        if (name && url && strcmp(name, c->name) != 0) snprintf(urls[count++], CLUSTER_URL_MAX, "%s", url);
        json_decref(v);
    }
    yuma_etcd_range_result_free(&r);
    return count;
}

/* Blocks from..to from whichever peers have them, in order. */
static bool fetch_range(yuma_cluster *c, uint64_t from, uint64_t to, block_list *out)
{
    char urls[16][CLUSTER_URL_MAX];
    size_t npeers = peer_urls(c, urls, 16);
    out->v = calloc((size_t)(to - from + 1), sizeof *out->v);
    if (!out->v) return false;
    for (size_t p = 0; p < npeers && out->n < to - from + 1 && !atomic_load(&c->stopping); p++) {
        yuma_rpc_client_config rc = {.url = urls[p], .auth_token = c->token, .timeout_ms = 5000,
                                     .connect_timeout_ms = 1000, .no_retry = true};
        yuma_rpc_client *client = yuma_rpc_client_new(&rc);
        while (client && out->n < to - from + 1 && fetch_one(client, from + out->n, &out->v[out->n])) out->n++;
        yuma_rpc_client_free(client);
    }
    return out->n == to - from + 1;
}

/* Catches up blocks from..to (gone from etcd) from the peers; anchor is
 * the parent hash of block to + 1, which etcd still holds. The whole hash
 * chain is checked before anything is executed. */
static bool catch_up_from_peers(yuma_cluster *c, uint64_t from, uint64_t to, const uint8_t anchor[32])
{
    block_list l = {0};
    bool ok = fetch_range(c, from, to, &l);
    if (!ok) {
        fprintf(stderr, "yumad: blocks %" PRIu64 "..%" PRIu64 " are no longer in etcd and no peer served them all "
                        "(got %zu); retrying\n", from, to, l.n);
        block_list_free(&l);
        return false;
    }
    uint8_t expect[32];
    memcpy(expect, anchor, 32);
    for (size_t i = l.n; ok && i-- > 0;) {
        uint8_t h[32];
        yuma_cluster_block_hash(&l.v[i], h);
        ok = memcmp(h, l.v[i].hash, 32) == 0 && memcmp(h, expect, 32) == 0;
        memcpy(expect, l.v[i].parent_hash, 32);
    }
    if (!ok) {
        fprintf(stderr, "yumad: blocks %" PRIu64 "..%" PRIu64 " from peers do not chain up to block %" PRIu64
                        " in etcd; not applied, retrying\n", from, to, to + 1);
        block_list_free(&l);
        return false;
    }
    for (size_t i = 0; ok && i < l.n; i++) {
        ok = apply_block(c, &l.v[i]);
        if (ok) atomic_fetch_add(&c->peer_blocks, 1);
    }
    block_list_free(&l);
    return ok;
}

/* ---- the thread ---- */

/* Applies the blocks of one range answer; false to stop reading. */
static bool apply_range(yuma_cluster *c, const yuma_etcd_range_result *r)
{
    for (size_t i = 0; i < r->count && !atomic_load(&c->stopping); i++) {
        uint64_t height;
        if (!cluster_parse_block_key(c, r->kvs[i].key, r->kvs[i].key_len, &height)) continue;
        if (height > atomic_load(&c->etcd_head)) atomic_store(&c->etcd_head, height);
        yuma_cluster_block b;
        char why[256];
        if (!yuma_block_decode(r->kvs[i].value, r->kvs[i].value_len, &b, why, sizeof why)) {
            cluster_alarm(c, height, "block %" PRIu64 " in etcd is not a valid block: %s", height, why);
            return false;
        }
        if (b.height != height) {
            cluster_alarm(c, height, "the block under key %" PRIu64 " in etcd says it is block %" PRIu64, height,
                          b.height);
            yuma_cluster_block_free(&b);
            return false;
        }
        uint64_t mine = yuma_node_height(c->node);
        bool ok = height <= mine + 1 || catch_up_from_peers(c, mine + 1, height - 1, b.parent_hash);
        ok = ok && apply_block(c, &b);
        yuma_cluster_block_free(&b);
        if (!ok) return false;
    }
    return true;
}

void *cluster_applier_main(void *arg)
{
    yuma_cluster *c = arg;
    uint8_t end[CLUSTER_KEY_MAX];
    size_t plen = strlen(c->blocks_prefix);
    size_t elen = yuma_etcd_prefix_end((const uint8_t *)c->blocks_prefix, plen, end);
    while (!atomic_load(&c->stopping)) {
        if (atomic_load(&c->diverged) || atomic_load(&c->fatal)) {
            cluster_sleep_ms(100);
            continue;
        }
        char key[CLUSTER_KEY_MAX];
        cluster_block_key(c, yuma_node_height(c->node) + 1, key);
        yuma_etcd_range_opts o = {.range_end = end, .range_end_len = elen, .limit = RANGE_LIMIT};
        yuma_etcd_range_result r;
        if (yuma_etcd_range(c->etcd_apply, (const uint8_t *)key, strlen(key), &o, &r) != YUMA_ETCD_OK) {
            atomic_fetch_add(&c->etcd_errors, 1);
            atomic_store(&c->applier_idle, false);
            cluster_sleep_ms(100);
            continue;
        }
        if (r.count == 0) {
            atomic_store(&c->applier_idle, true);
            bool changed;
            if (yuma_etcd_watch_wait(c->etcd_apply, (const uint8_t *)c->blocks_prefix, plen, end, elen, r.revision + 1,
                                     500, &changed) != YUMA_ETCD_OK)
                cluster_sleep_ms(50);
            yuma_etcd_range_result_free(&r);
            continue;
        }
        atomic_store(&c->applier_idle, false);
        if (!apply_range(c, &r)) cluster_sleep_ms(500); /* peers could not help yet, or the alarm */
        yuma_etcd_range_result_free(&r);
    }
    return NULL;
}
