/*
 * cluster.c - cluster mode's control (include/yuma/cluster.h,
 * docs/CLUSTER.md): joining (checks against etcd, the member key), the
 * lease keepalive thread, the election, the producer's commit through an
 * etcd transaction, the node hooks (writes, health, metrics) and the
 * alarm. The applier (applier.c) and the forwarder (forward.c) are the
 * other two threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_internal.h"

/* Blocks between two deletions of the block keys etcd no longer keeps. */
#define PRUNE_EVERY 64

uint64_t cluster_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cluster_sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- keys ---- */

void yuma_cluster_prefix(const uint8_t genesis_hash[32], char out[80])
{
    static const char digits[] = "0123456789abcdef";
    char hex[65];
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[genesis_hash[i] >> 4];
        hex[2 * i + 1] = digits[genesis_hash[i] & 15];
    }
    hex[64] = 0;
    snprintf(out, 80, "/yuma/%s/", hex);
}

void cluster_block_key(const yuma_cluster *c, uint64_t height, char out[CLUSTER_KEY_MAX])
{
    snprintf(out, CLUSTER_KEY_MAX, "%s%020" PRIu64, c->blocks_prefix, height);
}

bool cluster_parse_block_key(const yuma_cluster *c, const uint8_t *key, size_t len, uint64_t *height)
{
    size_t p = strlen(c->blocks_prefix);
    if (len != p + 20 || memcmp(key, c->blocks_prefix, p) != 0) return false;
    uint64_t h = 0;
    for (size_t i = p; i < len; i++) {
        if (key[i] < '0' || key[i] > '9' || h > (UINT64_MAX - 9) / 10) return false;
        h = h * 10 + (uint64_t)(key[i] - '0');
    }
    *height = h;
    return true;
}

/* ---- alarm, fatal, restore ---- */

void cluster_alarm(yuma_cluster *c, uint64_t height, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&c->mu);
    bool first = !atomic_load(&c->diverged);
    if (first) {
        snprintf(c->alarm, sizeof c->alarm, "%s", msg);
        atomic_store(&c->alarm_height, height);
        atomic_store(&c->diverged, true);
    }
    pthread_mutex_unlock(&c->mu);
    if (first)
        fprintf(stderr, "yumad: ALARM at block %" PRIu64 ": %s; this node stops producing, applying and accepting "
                        "writes\n", height, msg);
}

void cluster_fatal(yuma_cluster *c, const char *fmt, ...)
{
    if (atomic_load(&c->fatal)) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->fatal_msg, sizeof c->fatal_msg, fmt, ap);
    va_end(ap);
    atomic_store(&c->fatal, true);
}

bool cluster_restore_chain(yuma_cluster *c, char *err, size_t errlen)
{
    yuma_node *n = c->node;
    yuma_chain *fresh = NULL;
    yuma_store_status st = yuma_store_load(n->store, &n->genesis.genesis, &fresh);
    if (st != YUMA_STORE_OK) {
        snprintf(err, errlen, "cannot reload the chain from the store after an uncommitted block: %s (%s)",
                 yuma_store_strerror(st), yuma_store_message(n->store));
        return false;
    }
    yuma_chain_free(n->chain);
    n->chain = fresh;
    return true;
}

/* ---- the lease ---- */

static bool grant_lease(yuma_cluster *c, yuma_etcd *e, char *err, size_t errlen)
{
    uint64_t t0 = cluster_now_ms();
    int64_t id = 0, ttl = 0;
    yuma_etcd_status st = yuma_etcd_lease_grant(e, c->cfg.lease_ttl_s, &id, &ttl);
    if (st != YUMA_ETCD_OK) {
        snprintf(err, errlen, "cannot get an etcd lease: %s (%s)", yuma_etcd_strerror(st), yuma_etcd_message(e));
        return false;
    }
    char value[CLUSTER_URL_MAX + CLUSTER_NAME_MAX + 32];
    snprintf(value, sizeof value, "{\"name\":\"%s\",\"rpc\":\"%s\"}", c->name, c->self_url);
    st = yuma_etcd_put(e, (const uint8_t *)c->member_key, strlen(c->member_key), (const uint8_t *)value,
                       strlen(value), id, NULL);
    if (st != YUMA_ETCD_OK) {
        snprintf(err, errlen, "cannot register as a member in etcd: %s (%s)", yuma_etcd_strerror(st),
                 yuma_etcd_message(e));
        yuma_etcd_lease_revoke(e, id);
        return false;
    }
    pthread_mutex_lock(&c->mu);
    c->lease_id = id;
    c->lease_until_ms = t0 + (uint64_t)ttl * 1000u;
    pthread_mutex_unlock(&c->mu);
    return true;
}

/* True while this node's lease surely still exists (renewed within its
 * TTL); a producer that cannot renew it stops before etcd says so. */
static bool lease_live(yuma_cluster *c)
{
    pthread_mutex_lock(&c->mu);
    bool live = cluster_now_ms() + 100 < c->lease_until_ms;
    pthread_mutex_unlock(&c->mu);
    return live;
}

/* Renews the lease every keepalive_ms; a lease etcd no longer has (this
 * process was paused or cut off past its TTL) is replaced by a new one,
 * which also ends any claim to the producer role made with the old one. */
static void *lease_main(void *arg)
{
    yuma_cluster *c = arg;
    while (!atomic_load(&c->stopping)) {
        uint64_t t0 = cluster_now_ms();
        pthread_mutex_lock(&c->mu);
        int64_t id = c->lease_id;
        pthread_mutex_unlock(&c->mu);
        int64_t ttl = 0;
        yuma_etcd_status st = yuma_etcd_lease_keepalive(c->etcd_lease, id, &ttl);
        if (st == YUMA_ETCD_OK && ttl == 0) {
            char err[512];
            if (!grant_lease(c, c->etcd_lease, err, sizeof err)) {
                atomic_fetch_add(&c->etcd_errors, 1);
                fprintf(stderr, "yumad: the etcd lease expired and %s\n", err);
            } else {
                fprintf(stderr, "yumad: the etcd lease had expired (paused or cut off); a new one is held\n");
            }
        } else if (st != YUMA_ETCD_OK) {
            atomic_fetch_add(&c->etcd_errors, 1);
        } else {
            pthread_mutex_lock(&c->mu);
            if (c->lease_id == id) c->lease_until_ms = t0 + (uint64_t)ttl * 1000u;
            pthread_mutex_unlock(&c->mu);
        }
        uint64_t spent = cluster_now_ms() - t0;
        for (uint64_t slept = spent; slept < c->cfg.keepalive_ms && !atomic_load(&c->stopping); slept += 50)
            cluster_sleep_ms(c->cfg.keepalive_ms - slept < 50 ? c->cfg.keepalive_ms - slept : 50);
    }
    return NULL;
}

/* ---- election ---- */

/* Records the leader named by the leader key's value (JSON name, rpc). */
static void note_leader(yuma_cluster *c, const yuma_etcd_kv *kv)
{
    char name[CLUSTER_NAME_MAX + 1] = "", url[CLUSTER_URL_MAX] = "";
    if (kv) {
        json_error_t je;
        json_t *v = json_loadb((const char *)kv->value, kv->value_len, 0, &je);
        const char *nm = json_string_value(json_object_get(v, "name"));
        const char *u = json_string_value(json_object_get(v, "rpc"));
        snprintf(name, sizeof name, "%s", nm ? nm : "?");
        snprintf(url, sizeof url, "%s", u ? u : "");
        json_decref(v);
    }
    int64_t rev = kv ? kv->create_revision : 0;
    pthread_mutex_lock(&c->mu);
    bool changed = rev != c->leader_rev;
    if (changed) {
        c->leader_rev = rev;
        snprintf(c->leader_name, sizeof c->leader_name, "%s", name);
        snprintf(c->leader_url, sizeof c->leader_url, "%s", url);
        if (rev) c->leader_epoch++;
    }
    pthread_mutex_unlock(&c->mu);
    if (changed && rev) {
        atomic_fetch_add(&c->leader_changes, 1);
        cluster_forward_wake(c);
    }
}

/* The highest block height in etcd (0 when none); false when etcd did
 * not answer. */
static bool etcd_head_height(yuma_cluster *c, yuma_etcd *e, uint64_t *height)
{
    uint8_t end[CLUSTER_KEY_MAX];
    size_t plen = strlen(c->blocks_prefix);
    size_t elen = yuma_etcd_prefix_end((const uint8_t *)c->blocks_prefix, plen, end);
    yuma_etcd_range_opts o = {.range_end = end, .range_end_len = elen, .limit = 1, .keys_only = true,
                              .descending = true};
    yuma_etcd_range_result r;
    if (yuma_etcd_range(e, (const uint8_t *)c->blocks_prefix, plen, &o, &r) != YUMA_ETCD_OK) return false;
    *height = 0;
    if (r.count) cluster_parse_block_key(c, r.kvs[0].key, r.kvs[0].key_len, height);
    yuma_etcd_range_result_free(&r);
    return true;
}

/* Creates the leader key with this node's lease if it does not exist. */
static bool campaign(yuma_cluster *c)
{
    pthread_mutex_lock(&c->mu);
    int64_t lease = c->lease_id;
    pthread_mutex_unlock(&c->mu);
    char value[CLUSTER_URL_MAX + CLUSTER_NAME_MAX + 32];
    snprintf(value, sizeof value, "{\"name\":\"%s\",\"rpc\":\"%s\"}", c->name, c->self_url);
    const uint8_t *key = (const uint8_t *)c->leader_key;
    size_t klen = strlen(c->leader_key);
    yuma_etcd_compare cmp = {.target = YUMA_ETCD_CMP_CREATE, .result = YUMA_ETCD_EQUAL, .key = key, .key_len = klen};
    yuma_etcd_op put = {.kind = YUMA_ETCD_OP_PUT, .key = key, .key_len = klen, .value = (const uint8_t *)value,
                        .value_len = strlen(value), .lease = lease};
    yuma_etcd_op get = {.kind = YUMA_ETCD_OP_RANGE, .key = key, .key_len = klen};
    yuma_etcd_txn_result r;
    if (yuma_etcd_txn(c->etcd_main, &cmp, 1, &put, 1, &get, 1, &r) != YUMA_ETCD_OK) {
        atomic_fetch_add(&c->etcd_errors, 1);
        return false;
    }
    bool won = r.succeeded;
    if (won) {
        c->my_leader_rev = r.revision;
        yuma_etcd_kv mine = {.value = (uint8_t *)value, .value_len = strlen(value), .create_revision = r.revision};
        note_leader(c, &mine);
    } else {
        note_leader(c, r.range.count ? &r.range.kvs[0] : NULL);
    }
    yuma_etcd_range_result_free(&r.range);
    return won;
}

static void step_down(yuma_cluster *c, const char *why)
{
    if (!c->is_leader) return;
    c->is_leader = false;
    atomic_store(&c->producer, false);
    fprintf(stderr, "yumad: %s stops producing: %s\n", c->name, why);
    cluster_forward_wake(c);
}

/* Waits (a little) until the applier has every block etcd holds, so the
 * new producer continues from the last committed height. */
static bool caught_up(yuma_cluster *c)
{
    uint64_t head;
    if (!etcd_head_height(c, c->etcd_main, &head)) return false;
    return yuma_node_height(c->node) >= head;
}

/* A follower's turn: learn the leader, campaign when there is none. */
static void follow(yuma_cluster *c)
{
    const uint8_t *key = (const uint8_t *)c->leader_key;
    size_t klen = strlen(c->leader_key);
    yuma_etcd_range_result r;
    if (yuma_etcd_range(c->etcd_main, key, klen, NULL, &r) != YUMA_ETCD_OK) {
        atomic_fetch_add(&c->etcd_errors, 1);
        cluster_sleep_ms(200);
        return;
    }
    pthread_mutex_lock(&c->mu);
    int64_t lease = c->lease_id;
    pthread_mutex_unlock(&c->mu);
    if (r.count && r.kvs[0].lease == lease && lease_live(c) && !atomic_load(&c->diverged)) {
        /* Still ours: this node stepped down while etcd could not be
         * reached, and the lease outlived the outage. */
        c->my_leader_rev = r.kvs[0].create_revision;
        note_leader(c, &r.kvs[0]);
        yuma_etcd_range_result_free(&r);
        c->is_leader = true;
        atomic_store(&c->producer, true);
        fprintf(stderr, "yumad: %s produces again (its leader key outlived an etcd outage)\n", c->name);
        cluster_forward_wake(c);
        return;
    }
    if (r.count) {
        note_leader(c, &r.kvs[0]);
        int64_t from = r.kvs[0].mod_revision + 1;
        yuma_etcd_range_result_free(&r);
        bool changed;
        /* Woken at once when the key is deleted (the lease expired). */
        if (yuma_etcd_watch_wait(c->etcd_main, key, klen, NULL, 0, from, 500, &changed) != YUMA_ETCD_OK)
            cluster_sleep_ms(100);
        return;
    }
    yuma_etcd_range_result_free(&r);
    note_leader(c, NULL);
    if (atomic_load(&c->diverged) || !lease_live(c) || !atomic_load(&c->applier_idle) || !caught_up(c) ||
        !campaign(c)) {
        cluster_sleep_ms(50);
        return;
    }
    /* Won: continue from the last committed height. */
    for (int i = 0; i < 100 && !caught_up(c) && !atomic_load(&c->stopping); i++) cluster_sleep_ms(20);
    c->is_leader = true;
    atomic_store(&c->producer, true);
    fprintf(stderr, "yumad: %s is the block producer from height %" PRIu64 "\n", c->name,
            yuma_node_height(c->node) + 1);
    cluster_forward_wake(c);
}

/* Deletes the block keys older than the newest retain_blocks. */
static void prune(yuma_cluster *c, uint64_t height)
{
    if (height % PRUNE_EVERY || height <= c->cfg.retain_blocks) return;
    char from[CLUSTER_KEY_MAX], to[CLUSTER_KEY_MAX];
    cluster_block_key(c, 1, from);
    cluster_block_key(c, height - c->cfg.retain_blocks + 1, to);
    if (yuma_etcd_delete(c->etcd_main, (const uint8_t *)from, strlen(from), (const uint8_t *)to, strlen(to), NULL) !=
        YUMA_ETCD_OK)
        atomic_fetch_add(&c->etcd_errors, 1);
}

bool yuma_cluster_run(yuma_cluster *c, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    uint64_t interval = c->node->cfg.block_interval_ms;
    while (!*stop && !atomic_load(&c->fatal)) {
        if (atomic_load(&c->diverged)) {
            if (c->is_leader) {
                step_down(c, "its execution disagrees with the cluster");
                pthread_mutex_lock(&c->mu);
                int64_t lease = c->lease_id;
                pthread_mutex_unlock(&c->mu);
                yuma_etcd_lease_revoke(c->etcd_main, lease); /* hand the role over now */
            }
            cluster_sleep_ms(100);
            continue;
        }
        if (c->is_leader && !lease_live(c)) step_down(c, "its etcd lease could not be renewed in time");
        if (!c->is_leader) {
            follow(c);
            continue;
        }
        uint64_t t0 = cluster_now_ms();
        if (!yuma_node_produce(c->node, err, errlen)) return false;
        for (uint64_t slept = cluster_now_ms() - t0; slept < interval && !*stop && c->is_leader; slept += 20)
            cluster_sleep_ms(interval - slept < 20 ? interval - slept : 20);
    }
    if (atomic_load(&c->fatal)) {
        snprintf(err, errlen, "%s", c->fatal_msg);
        return false;
    }
    return true;
}

/* ---- node hooks ---- */

/* The producer's commit: the block key is created only if absent and only
 * while our leader key (its create revision) still stands. */
static int hook_commit(void *user, const yuma_block *b, const yuma_block_result *r, char *err, size_t errlen)
{
    yuma_cluster *c = user;
    uint8_t *enc;
    size_t len;
    if (!c->is_leader || atomic_load(&c->diverged) || !yuma_block_encode(b, r, &enc, &len)) {
        if (!cluster_restore_chain(c, err, errlen)) return YUMA_NODE_COMMIT_FATAL;
        return YUMA_NODE_COMMIT_SKIP;
    }
    char bkey[CLUSTER_KEY_MAX];
    cluster_block_key(c, b->height, bkey);
    yuma_etcd_compare cmp[2] = {
        {.target = YUMA_ETCD_CMP_CREATE, .result = YUMA_ETCD_EQUAL, .key = (const uint8_t *)c->leader_key,
         .key_len = strlen(c->leader_key), .number = c->my_leader_rev},
        {.target = YUMA_ETCD_CMP_CREATE, .result = YUMA_ETCD_EQUAL, .key = (const uint8_t *)bkey,
         .key_len = strlen(bkey), .number = 0},
    };
    yuma_etcd_op put = {.kind = YUMA_ETCD_OP_PUT, .key = (const uint8_t *)bkey, .key_len = strlen(bkey),
                        .value = enc, .value_len = len};
    yuma_etcd_op get = {.kind = YUMA_ETCD_OP_RANGE, .key = (const uint8_t *)c->leader_key,
                        .key_len = strlen(c->leader_key)};
    yuma_etcd_txn_result tr;
    yuma_etcd_status st = yuma_etcd_txn(c->etcd_main, cmp, 2, &put, 1, &get, 1, &tr);
    free(enc);
    if (st == YUMA_ETCD_OK && tr.succeeded) {
        yuma_etcd_range_result_free(&tr.range);
        atomic_fetch_add(&c->blocks_produced, 1);
        if (b->height > atomic_load(&c->etcd_head)) atomic_store(&c->etcd_head, b->height);
        prune(c, b->height);
        return YUMA_NODE_COMMIT_OK;
    }
    /* Not committed (or not known to be): forget the block; if it did
     * reach etcd the applier brings it back like any other. */
    atomic_fetch_add(&c->commits_refused, 1);
    if (st != YUMA_ETCD_OK) {
        atomic_fetch_add(&c->etcd_errors, 1);
        fprintf(stderr, "yumad: block %" PRIu64 " not committed: %s (%s)\n", b->height, yuma_etcd_strerror(st),
                yuma_etcd_message(c->etcd_main));
    } else if (!tr.range.count || tr.range.kvs[0].create_revision != c->my_leader_rev) {
        note_leader(c, tr.range.count ? &tr.range.kvs[0] : NULL);
        step_down(c, "its leader key is gone (the lease expired): another node produces");
    }
    if (st == YUMA_ETCD_OK) yuma_etcd_range_result_free(&tr.range);
    if (!cluster_restore_chain(c, err, errlen)) return YUMA_NODE_COMMIT_FATAL;
    return YUMA_NODE_COMMIT_SKIP;
}

static bool hook_refuse_writes(void *user, char *why, size_t len)
{
    yuma_cluster *c = user;
    if (!atomic_load(&c->diverged)) return false;
    pthread_mutex_lock(&c->mu);
    snprintf(why, len, "this node stopped at block %" PRIu64 " (%s); send transactions to another node of the cluster",
             (uint64_t)atomic_load(&c->alarm_height), c->alarm);
    pthread_mutex_unlock(&c->mu);
    return true;
}

static void hook_accepted(void *user, const uint8_t *tx, size_t len)
{
    yuma_cluster *c = user;
    if (!atomic_load(&c->producer)) cluster_forward_push(c, tx, len);
}

static void hook_health(void *user, json_t *fields)
{
    yuma_cluster *c = user;
    bool diverged = atomic_load(&c->diverged);
    pthread_mutex_lock(&c->mu);
    json_t *cl = json_pack("{s:s, s:s, s:s, s:I, s:b}", "name", c->name, "role",
                           atomic_load(&c->producer) ? "producer" : "follower", "leader", c->leader_name, "etcd_head",
                           (json_int_t)atomic_load(&c->etcd_head), "diverged", diverged);
    if (cl && diverged) {
        json_object_set_new(cl, "alarm", json_string(c->alarm));
        json_object_set_new(cl, "alarm_height", json_integer((json_int_t)atomic_load(&c->alarm_height)));
    }
    pthread_mutex_unlock(&c->mu);
    if (cl) json_object_set_new(fields, "cluster", cl);
    if (diverged) json_object_set_new(fields, "status", json_string("diverged"));
}

static char *hook_metrics(void *user)
{
    yuma_cluster *c = user;
    struct {
        const char *name, *type, *help;
        uint64_t value;
    } m[] = {
        {"yuma_cluster_diverged", "gauge", "1 when this node's execution disagreed with a committed block (it stopped).",
         atomic_load(&c->diverged)},
        {"yuma_cluster_alarm_height", "gauge", "The block at which the alarm was raised (0: none).",
         atomic_load(&c->alarm_height)},
        {"yuma_cluster_producer", "gauge", "1 while this node holds the leader key and produces blocks.",
         atomic_load(&c->producer)},
        {"yuma_cluster_etcd_head", "gauge", "The highest block height seen in etcd.", atomic_load(&c->etcd_head)},
        {"yuma_cluster_blocks_produced_total", "counter", "Blocks this node committed to etcd as the producer.",
         atomic_load(&c->blocks_produced)},
        {"yuma_cluster_blocks_applied_total", "counter", "Blocks from etcd or peers this node verified and persisted.",
         atomic_load(&c->blocks_applied)},
        {"yuma_cluster_peer_blocks_total", "counter", "Blocks fetched from peers (compacted out of etcd).",
         atomic_load(&c->peer_blocks)},
        {"yuma_cluster_commits_refused_total", "counter", "Produced blocks etcd did not commit (lost lease, taken height).",
         atomic_load(&c->commits_refused)},
        {"yuma_cluster_leader_changes_total", "counter", "Leader keys this node has seen created.",
         atomic_load(&c->leader_changes)},
        {"yuma_cluster_forwarded_txs_total", "counter", "Transactions forwarded to the producer.",
         atomic_load(&c->forwarded)},
        {"yuma_cluster_etcd_errors_total", "counter", "etcd requests that failed.", atomic_load(&c->etcd_errors)},
    };
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    for (size_t i = 0; out && i < sizeof m / sizeof m[0]; i++)
        len += (size_t)snprintf(out + len, cap - len, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", m[i].name,
                                m[i].help, m[i].name, m[i].type, m[i].name, m[i].value);
    return out;
}

/* ---- start and stop ---- */

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > CLUSTER_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i])) return false;
    return true;
}

static yuma_etcd *etcd_client(yuma_cluster *c, long timeout_ms, char *err, size_t errlen)
{
    yuma_etcd_config ec = {.endpoints = c->endpoints, .timeout_ms = timeout_ms};
    return yuma_etcd_new(&ec, err, errlen);
}

/* A store that is ahead of etcd, or holds another block at its height, was
 * not built by this cluster: refused rather than forked. */
static bool check_against_etcd(yuma_cluster *c, char *err, size_t errlen)
{
    yuma_node *n = c->node;
    uint64_t mine = yuma_node_height(n), head = 0;
    if (!etcd_head_height(c, c->etcd_main, &head)) {
        snprintf(err, errlen, "cannot read the cluster's blocks from etcd (%s): %s", c->endpoints,
                 yuma_etcd_message(c->etcd_main));
        return false;
    }
    atomic_store(&c->etcd_head, head);
    if (mine == 0) return true;
    if (mine > head) {
        snprintf(err, errlen, "this node's store is at block %" PRIu64 " but the cluster's newest block in etcd is %"
                 PRIu64 ": the data directory was not built by this cluster (start it with an empty one)", mine, head);
        return false;
    }
    char key[CLUSTER_KEY_MAX];
    cluster_block_key(c, mine, key);
    yuma_etcd_range_result r;
    if (yuma_etcd_range(c->etcd_main, (const uint8_t *)key, strlen(key), NULL, &r) != YUMA_ETCD_OK) {
        snprintf(err, errlen, "cannot read block %" PRIu64 " from etcd: %s", mine, yuma_etcd_message(c->etcd_main));
        return false;
    }
    bool ok = true;
    if (r.count) {
        yuma_cluster_block b;
        yuma_store_block_info local;
        char why[256];
        pthread_mutex_lock(&n->lock);
        yuma_store_status st = yuma_store_block(n->store, mine, &local);
        pthread_mutex_unlock(&n->lock);
        if (!yuma_block_decode(r.kvs[0].value, r.kvs[0].value_len, &b, why, sizeof why)) {
            snprintf(err, errlen, "block %" PRIu64 " in etcd cannot be decoded: %s", mine, why);
            ok = false;
        } else if (st != YUMA_STORE_OK || memcmp(b.hash, local.hash, 32) != 0) {
            snprintf(err, errlen, "this node's block %" PRIu64 " is not the cluster's block %" PRIu64
                     ": the data directory belongs to another history", mine, mine);
            ok = false;
        }
        yuma_cluster_block_free(&b);
    }
    yuma_etcd_range_result_free(&r);
    return ok;
}

static void set_hooks(yuma_cluster *c, bool on)
{
    yuma_node_hooks h = {.user = c, .commit = hook_commit, .refuse_writes = hook_refuse_writes,
                         .accepted = hook_accepted, .health = hook_health, .metrics = hook_metrics};
    yuma_node_set_hooks(c->node, on ? &h : NULL);
}

static void cluster_free(yuma_cluster *c)
{
    yuma_etcd_free(c->etcd_main);
    yuma_etcd_free(c->etcd_lease);
    yuma_etcd_free(c->etcd_apply);
    cluster_forward_list_free(&c->queue);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->fq_mu);
    pthread_cond_destroy(&c->fq_cond);
    free(c->endpoints);
    free(c->token);
    free(c);
}

static bool start_threads(yuma_cluster *c, char *err, size_t errlen)
{
    c->lease_started = pthread_create(&c->lease_thread, NULL, lease_main, c) == 0;
    c->apply_started = c->lease_started && pthread_create(&c->apply_thread, NULL, cluster_applier_main, c) == 0;
    c->forward_started = c->apply_started && pthread_create(&c->forward_thread, NULL, cluster_forward_main, c) == 0;
    if (!c->forward_started) snprintf(err, errlen, "cannot start the cluster's threads");
    return c->forward_started;
}

static yuma_cluster *cluster_new(yuma_node *n, const yuma_cluster_config *cfg, char *err, size_t errlen)
{
    if (!cfg->name || !valid_name(cfg->name)) {
        snprintf(err, errlen, "a cluster node needs a name of 1..%d letters, digits, '_', '.' or '-' (--name)",
                 CLUSTER_NAME_MAX);
        return NULL;
    }
    yuma_cluster *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->node = n;
    c->cfg = *cfg;
    if (!c->cfg.lease_ttl_s) c->cfg.lease_ttl_s = 2;
    if (!c->cfg.keepalive_ms) c->cfg.keepalive_ms = 500;
    if (!c->cfg.retain_blocks) c->cfg.retain_blocks = 10000;
    if (c->cfg.retain_blocks < 2) c->cfg.retain_blocks = 2;
    if (!c->cfg.max_block_bytes) c->cfg.max_block_bytes = 768 * 1024;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->fq_mu, NULL);
    pthread_cond_init(&c->fq_cond, NULL);
    snprintf(c->name, sizeof c->name, "%s", cfg->name);
    if (cfg->advertise_url) snprintf(c->self_url, sizeof c->self_url, "%s", cfg->advertise_url);
    else snprintf(c->self_url, sizeof c->self_url, "http://127.0.0.1:%u/", yuma_node_rpc_port(n));
    c->endpoints = strdup(cfg->endpoints ? cfg->endpoints : "");
    c->token = cfg->rpc_token ? strdup(cfg->rpc_token) : NULL;
    c->cfg.endpoints = c->endpoints;
    c->cfg.rpc_token = c->token;
    uint8_t genesis[32];
    pthread_mutex_lock(&n->lock);
    yuma_chain_genesis_hash(n->chain, genesis);
    pthread_mutex_unlock(&n->lock);
    yuma_cluster_prefix(genesis, c->prefix);
    snprintf(c->leader_key, sizeof c->leader_key, "%sleader", c->prefix);
    snprintf(c->member_key, sizeof c->member_key, "%smembers/%s", c->prefix, c->name);
    snprintf(c->blocks_prefix, sizeof c->blocks_prefix, "%sblocks/", c->prefix);
    if (!c->endpoints || (cfg->rpc_token && !c->token)) {
        snprintf(err, errlen, "out of memory");
        cluster_free(c);
        return NULL;
    }
    /* The lease thread's requests must end well within the lease's TTL. */
    long lease_timeout = (long)c->cfg.keepalive_ms;
    if (!(c->etcd_main = etcd_client(c, 2000, err, errlen)) ||
        !(c->etcd_lease = etcd_client(c, lease_timeout, err, errlen)) ||
        !(c->etcd_apply = etcd_client(c, 5000, err, errlen))) {
        cluster_free(c);
        return NULL;
    }
    return c;
}

yuma_cluster *yuma_cluster_start(yuma_node *n, const yuma_cluster_config *cfg, char *err, size_t errlen)
{
    yuma_cluster *c = cluster_new(n, cfg, err, errlen);
    if (!c) return NULL;
    if (!check_against_etcd(c, err, errlen) || !grant_lease(c, c->etcd_main, err, errlen)) {
        cluster_free(c);
        return NULL;
    }
    pthread_mutex_lock(&n->lock);
    n->cfg.max_block_bytes = c->cfg.max_block_bytes;
    pthread_mutex_unlock(&n->lock);
    set_hooks(c, true);
    if (!start_threads(c, err, errlen)) {
        yuma_cluster_stop(c);
        return NULL;
    }
    return c;
}

void yuma_cluster_stop(yuma_cluster *c)
{
    if (!c) return;
    set_hooks(c, false);
    atomic_store(&c->stopping, true);
    cluster_forward_wake(c);
    if (c->lease_started) pthread_join(c->lease_thread, NULL);
    if (c->apply_started) pthread_join(c->apply_thread, NULL);
    if (c->forward_started) pthread_join(c->forward_thread, NULL);
    pthread_mutex_lock(&c->mu);
    int64_t lease = c->lease_id;
    pthread_mutex_unlock(&c->mu);
    /* Revoking deletes the leader key (if ours) and the member key: the
     * next producer takes over without waiting for the TTL. */
    if (lease) yuma_etcd_lease_revoke(c->etcd_main, lease);
    cluster_free(c);
}
