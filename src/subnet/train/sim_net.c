/*
 * sim_net.c - how training-subnet nodes reach each other through the
 * artefact store (training-subnet.md §3.5, §7.2): the lead validator's peer
 * lists, fetching one uid's update with the put-window and decoder checks,
 * and the gather every node runs (the gather list, failures replaced from
 * the reserve list), which must give every honest node the same set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/sim_internal.h"

uint64_t ts_window_start(const ts_env *env, uint64_t w)
{
    return w * env->cfg.proto.blocks_per_window;
}

const uint8_t *const *ts_samples(ts_env *env, const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) env->seqs[i] = yuma_corpus_train_sample(env->corpus, env->cfg.model.ctx, ids[i]);
    return env->seqs;
}

yuma_miner_kind ts_kind_at(const yuma_adversary *adv, uint64_t w)
{
    if (!adv || w < adv->from || w >= adv->until) return YUMA_MINER_HONEST;
    return adv->kind;
}

/* ---- peer lists --------------------------------------------------------- */

static void put_list(char *buf, size_t cap, size_t *at, const char *key, const uint16_t *u, uint32_t n)
{
    *at += (size_t)snprintf(buf + *at, cap - *at, "%s", key);
    for (uint32_t i = 0; i < n; i++) *at += (size_t)snprintf(buf + *at, cap - *at, " %u", (unsigned)u[i]);
    *at += (size_t)snprintf(buf + *at, cap - *at, "\n");
}

bool ts_peers_post(ts_env *env, uint64_t effective, const ts_peers *p, uint64_t block, ts_err *e)
{
    char buf[1024], name[64], serr[256];
    size_t at = (size_t)snprintf(buf, sizeof buf, "peers %llu\n", (unsigned long long)effective);
    put_list(buf, sizeof buf, &at, "gather", p->gather, p->n_gather);
    put_list(buf, sizeof buf, &at, "reserve", p->reserve, p->n_reserve);
    snprintf(name, sizeof name, "peers-%llu.txt", (unsigned long long)effective);
    if (yuma_astore_put(&env->store, env->lead, name, buf, at, block, serr, sizeof serr) != YUMA_ASTORE_OK)
        return ts_fail(e, "%s", serr);
    return true;
}

/* Parses "key u u ...\n" at *s; false on anything else. */
static bool parse_list(const char **s, const char *key, uint16_t *u, uint32_t *n, uint32_t miners)
{
    size_t kl = strlen(key);
    if (strncmp(*s, key, kl) != 0) return false;
    const char *p = *s + kl;
    *n = 0;
    while (*p == ' ') {
        char *end;
        unsigned long v = strtoul(p + 1, &end, 10);
        if (end == p + 1 || v >= miners || *n >= TS_MAX_PEERS) return false;
        u[(*n)++] = (uint16_t)v;
        p = end;
    }
    if (*p != '\n') return false;
    *s = p + 1;
    return true;
}

static bool parse_peers(const uint8_t *data, size_t len, uint64_t effective, uint32_t miners, ts_peers *out)
{
    char text[1024];
    if (len == 0 || len >= sizeof text) return false;
    memcpy(text, data, len);
    text[len] = '\0';
    char head[64];
    int hl = snprintf(head, sizeof head, "peers %llu\n", (unsigned long long)effective);
    if (strncmp(text, head, (size_t)hl) != 0) return false;
    const char *s = text + hl;
    if (!parse_list(&s, "gather", out->gather, &out->n_gather, miners) ||
        !parse_list(&s, "reserve", out->reserve, &out->n_reserve, miners) || *s != '\0')
        return false;
    bool seen[TS_MAX_PEERS] = {false}; /* a uid at most once over both lists */
    for (uint32_t i = 0; i < out->n_gather + out->n_reserve; i++) {
        uint16_t u = i < out->n_gather ? out->gather[i] : out->reserve[i - out->n_gather];
        if (seen[u]) return false;
        seen[u] = true;
    }
    return true;
}

bool ts_peers_read(ts_env *env, uint64_t w, ts_peers *out, ts_err *e)
{
    uint64_t back = 2ull * env->cfg.proto.peer_refresh + env->cfg.proto.peer_margin;
    for (uint64_t k = 0; k <= back && k <= w; k++) {
        char name[64], serr[256];
        snprintf(name, sizeof name, "peers-%llu.txt", (unsigned long long)(w - k));
        uint8_t *data;
        size_t len;
        uint64_t stamp;
        yuma_astore_status st = yuma_astore_get(&env->store, env->lead, name, &data, &len, &stamp, serr, sizeof serr);
        if (st == YUMA_ASTORE_ERR_NOT_FOUND) continue;
        if (st != YUMA_ASTORE_OK) return ts_fail(e, "%s", serr);
        bool ok = parse_peers(data, len, w - k, env->cfg.miners, out);
        free(data);
        if (!ok) return ts_fail(e, "store: %u/%s is not a valid peer list", (unsigned)env->lead, name);
        return true;
    }
    return ts_fail(e, "store: no peer list of the lead validator (uid %u) for window %llu", (unsigned)env->lead,
                   (unsigned long long)w);
}

/* ---- fetching and gathering -------------------------------------------- */

void ts_fetched_free(ts_fetched *f)
{
    free(f->bytes);
    yuma_sparse_update_free(&f->upd);
    memset(f, 0, sizeof *f);
}

bool ts_fetch(ts_env *env, uint16_t uid, uint64_t w, ts_fetched *f, ts_err *e)
{
    memset(f, 0, sizeof *f);
    f->uid = uid;
    char name[64], serr[256];
    snprintf(name, sizeof name, "gradient-%llu-%u.bin", (unsigned long long)w, (unsigned)uid);
    yuma_astore_status st = yuma_astore_get(&env->store, uid, name, &f->bytes, &f->len, &f->stamp, serr, sizeof serr);
    if (st == YUMA_ASTORE_ERR_NOT_FOUND) {
        f->status = YUMA_UPLOAD_NONE;
        return true;
    }
    if (st == YUMA_ASTORE_ERR_META) { /* a torn or forged stamp: the object does not count */
        f->status = YUMA_UPLOAD_INVALID;
        return true;
    }
    if (st != YUMA_ASTORE_OK) return ts_fail(e, "%s", serr);
    uint64_t t0 = ts_window_start(env, w + 1);
    if (f->stamp < t0) {
        f->status = YUMA_UPLOAD_EARLY;
        return true;
    }
    if (f->stamp > t0 + env->cfg.proto.put_blocks) {
        f->status = YUMA_UPLOAD_LATE;
        return true;
    }
    const yuma_compress_params *cp = &env->cfg.proto.compress;
    yuma_update_expect ex = {&env->tl, cp->chunk, cp->topk, cp->encoding, 1, w, 1, uid};
    yuma_update_status us = yuma_update_decode(f->bytes, f->len, &ex, &f->upd);
    if (us == YUMA_UPDATE_ERR_NOMEM) return ts_fail(e, "out of memory decoding %s", name);
    f->status = us == YUMA_UPDATE_OK ? YUMA_UPLOAD_OK : YUMA_UPLOAD_INVALID;
    return true;
}

void ts_gather_free(ts_gather *g)
{
    for (size_t i = 0; i < g->n; i++) ts_fetched_free(&g->f[i]);
    memset(g, 0, sizeof *g);
}

static int cmp_fetched(const void *a, const void *b)
{
    const ts_fetched *x = a, *y = b;
    return (int)x->uid - (int)y->uid;
}

bool ts_gather_run(ts_env *env, uint64_t w, ts_gather *g, ts_err *e)
{
    memset(g, 0, sizeof *g);
    if (!ts_peers_read(env, w, &g->list, e)) return false;
    g->listed = g->list.n_gather;
    uint32_t next_reserve = 0;
    for (uint32_t i = 0; i < g->list.n_gather; i++) {
        ts_fetched f;
        if (!ts_fetch(env, g->list.gather[i], w, &f, e)) return false;
        if (f.status == YUMA_UPLOAD_OK) {
            g->f[g->n++] = f;
            g->listed_ok++;
            continue;
        }
        ts_fetched_free(&f);
        g->missed[g->n_missed++] = g->list.gather[i];
        /* replace it from the reserve list */
        while (next_reserve < g->list.n_reserve) {
            uint16_t r = g->list.reserve[next_reserve++];
            if (!ts_fetch(env, r, w, &f, e)) return false;
            if (f.status == YUMA_UPLOAD_OK) {
                g->f[g->n++] = f;
                break;
            }
            ts_fetched_free(&f);
        }
    }
    qsort(g->f, g->n, sizeof g->f[0], cmp_fetched);
    for (size_t i = 0; i < g->n; i++) g->ptr[i] = &g->f[i].upd;
    return true;
}
