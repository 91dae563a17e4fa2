/*
 * forward.c - cluster mode's transaction forwarder: a transaction a
 * follower's mempool accepted over RPC is sent on to the producer's RPC
 * (tx_submitBatch at the URL in the leader key), in the order accepted.
 *
 * The follower keeps its own copy pending in its mempool, and remembers
 * what it forwarded until its blocks include it: when the producer
 * changes (the old one may have died with them in its mempool), every
 * forwarded transaction still pending here is sent to the new producer,
 * and a follower that becomes the producer has them already.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_internal.h"
#include "yuma/rpc_client.h"

#define MAX_QUEUED 65536 /* beyond this a transaction stays in the local mempool only */
#define BATCH 1000       /* transactions per tx_submitBatch */

void cluster_forward_list_free(fwd_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i].bytes);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool list_push(fwd_list *l, fwd_tx t)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        fwd_tx *v = realloc(l->v, cap * sizeof *v);
        if (!v) return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = t;
    return true;
}

/* Appends src to dst, emptying src (entries that do not fit are freed). */
static void list_move(fwd_list *dst, fwd_list *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (!list_push(dst, src->v[i])) free(src->v[i].bytes);
    free(src->v);
    memset(src, 0, sizeof *src);
}

void cluster_forward_push(yuma_cluster *c, const uint8_t *tx, size_t len)
{
    fwd_tx t = {.bytes = malloc(len ? len : 1), .len = len};
    if (!t.bytes) return;
    memcpy(t.bytes, tx, len);
    crypto_generichash(t.id, 32, tx, len, NULL, 0);
    pthread_mutex_lock(&c->fq_mu);
    if (c->queue.n >= MAX_QUEUED || !list_push(&c->queue, t)) free(t.bytes);
    pthread_cond_signal(&c->fq_cond);
    pthread_mutex_unlock(&c->fq_mu);
}

void cluster_forward_wake(yuma_cluster *c)
{
    pthread_mutex_lock(&c->fq_mu);
    pthread_cond_broadcast(&c->fq_cond);
    pthread_mutex_unlock(&c->fq_mu);
}

/* Keeps only the transactions still pending in this node's mempool. */
static void keep_pending(yuma_cluster *c, fwd_list *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (yuma_mempool_contains(c->node->pool, l->v[i].id)) l->v[k++] = l->v[i];
        else free(l->v[i].bytes);
    }
    l->n = k;
}

/* Sends todo[0..n) to the producer; true when it answered. */
static bool send_batch(yuma_cluster *c, yuma_rpc_client *rc, const fwd_tx *v, size_t n)
{
    json_t *txs = json_array();
    for (size_t i = 0; txs && i < n; i++) {
        char *hex = malloc(2 * v[i].len + 1);
        if (!hex) {
            json_decref(txs);
            return false;
        }
        sodium_bin2hex(hex, 2 * v[i].len + 1, v[i].bytes, v[i].len);
        json_array_append_new(txs, json_string(hex));
        free(hex);
    }
    json_t *params = txs ? json_pack("{s:o}", "txs", txs) : NULL;
    yuma_rpc_client_error e;
    json_t *r = params ? yuma_rpc_client_call(rc, "tx_submitBatch", params, &e) : NULL;
    json_decref(params);
    /* Refusals (a nonce the producer has already seen included, say) are
     * the producer's to judge; the copy here is dropped when a block
     * includes it or passes its nonce. */
    bool answered = r != NULL || (params && e.status == YUMA_RPC_CLIENT_REMOTE);
    json_decref(r);
    if (answered) atomic_fetch_add(&c->forwarded, n);
    return answered;
}

typedef struct {
    fwd_list todo, sent;
    uint64_t epoch;
    char url[CLUSTER_URL_MAX];
    yuma_rpc_client *rc;
    uint64_t last_prune;
} forwarder;

/* Takes the queue, waiting up to 200 ms for something to do. */
static void take_queue(yuma_cluster *c, forwarder *f)
{
    pthread_mutex_lock(&c->fq_mu);
    if (!c->queue.n && !f->todo.n && !atomic_load(&c->stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->fq_cond, &c->fq_mu, &ts);
    }
    list_move(&f->todo, &c->queue);
    pthread_mutex_unlock(&c->fq_mu);
}

/* A new producer: it gets everything forwarded before that is still
 * pending here, then the rest in order. */
static void on_new_leader(yuma_cluster *c, forwarder *f, uint64_t epoch, const char *url)
{
    f->epoch = epoch;
    keep_pending(c, &f->sent);
    list_move(&f->sent, &f->todo);
    f->todo = f->sent;
    memset(&f->sent, 0, sizeof f->sent);
    if (strcmp(url, f->url) != 0) {
        yuma_rpc_client_free(f->rc);
        f->rc = NULL;
        snprintf(f->url, sizeof f->url, "%s", url);
        if (*url) {
            yuma_rpc_client_config rc = {.url = url, .auth_token = c->token, .timeout_ms = 5000,
                                         .connect_timeout_ms = 500, .no_retry = true};
            f->rc = yuma_rpc_client_new(&rc);
        }
    }
}

static void forward_once(yuma_cluster *c, forwarder *f)
{
    take_queue(c, f);
    pthread_mutex_lock(&c->mu);
    uint64_t epoch = c->leader_epoch;
    char url[CLUSTER_URL_MAX];
    snprintf(url, sizeof url, "%s", c->leader_url);
    pthread_mutex_unlock(&c->mu);
    if (epoch != f->epoch) on_new_leader(c, f, epoch, url);
    if (atomic_load(&c->producer)) {
        /* This node produces: its own mempool is the producer's. */
        cluster_forward_list_free(&f->todo);
        cluster_forward_list_free(&f->sent);
        return;
    }
    size_t done = 0;
    while (f->rc && done < f->todo.n && !atomic_load(&c->stopping)) {
        size_t n = f->todo.n - done < BATCH ? f->todo.n - done : BATCH;
        if (!send_batch(c, f->rc, f->todo.v + done, n)) break;
        for (size_t i = 0; i < n; i++)
            if (!list_push(&f->sent, f->todo.v[done + i])) free(f->todo.v[done + i].bytes);
        done += n;
    }
    if (done) {
        memmove(f->todo.v, f->todo.v + done, (f->todo.n - done) * sizeof *f->todo.v);
        f->todo.n -= done;
    }
    if (f->todo.n) cluster_sleep_ms(100); /* no producer reachable yet */
    if (cluster_now_ms() - f->last_prune > 1000) {
        keep_pending(c, &f->sent);
        keep_pending(c, &f->todo);
        f->last_prune = cluster_now_ms();
    }
}

void *cluster_forward_main(void *arg)
{
    yuma_cluster *c = arg;
    forwarder f = {.last_prune = cluster_now_ms()};
    while (!atomic_load(&c->stopping)) forward_once(c, &f);
    cluster_forward_list_free(&f.todo);
    cluster_forward_list_free(&f.sent);
    yuma_rpc_client_free(f.rc);
    return NULL;
}
