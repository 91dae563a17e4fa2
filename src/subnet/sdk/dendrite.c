/*
 * dendrite.c - the validator's client for axons (include/yuma/dendrite.h).
 *
 * One curl multi handle lives as long as the dendrite: it runs a query's
 * transfers at once and keeps their connections in its cache for the next
 * query, so asking the same miners every round costs no new handshakes.
 * Each request is signed for its own axon (method, path, body hash, nonce,
 * timestamp, the axon's hotkey: see signing.c), so one request cannot be
 * replayed against another miner.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "subnet/sdk/sdk_internal.h"
#include "yuma/axon.h"
#include "yuma/dendrite.h"

struct yuma_dendrite {
    yuma_keypair caller;
    yuma_dendrite_config cfg;
    CURLM *multi;
    uint64_t last_nonce;
    yuma_dendrite_stats stats;
};

typedef struct {
    CURL *h;
    struct curl_slist *headers;
    yuma_dendrite_response *out;
    size_t max;               /* 0: no limit (a file written to disk) */
    bool overflow, write_failed;
    FILE *file;
    crypto_generichash_state hash;
    bool hashing;
    uint64_t received;
    size_t cap;
    char url[128];
} transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ok;

/* curl_global_init once before any handle (the RPC client does the same;
 * libcurl counts the calls). */
static void init_curl(void)
{
    curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static bool curl_ready(void)
{
    pthread_once(&curl_once, init_curl);
    return curl_ok;
}

const char *yuma_dendrite_outcome_name(yuma_dendrite_outcome o)
{
    switch (o) {
    case YUMA_DENDRITE_ERROR: return "error";
    case YUMA_DENDRITE_UNREACHABLE: return "unreachable";
    case YUMA_DENDRITE_TIMEOUT: return "timeout";
    case YUMA_DENDRITE_TOO_LARGE: return "too_large";
    case YUMA_DENDRITE_CORRUPT: return "corrupt";
    case YUMA_DENDRITE_REFUSED: return "refused";
    case YUMA_DENDRITE_OK: return "ok";
    }
    return "unknown";
}

yuma_dendrite *yuma_dendrite_new(const yuma_dendrite_config *cfg)
{
    if (!cfg || !cfg->caller || !yuma_crypto_init() || !curl_ready()) return NULL;
    yuma_dendrite *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->cfg = *cfg;
    d->caller = *cfg->caller;
    d->cfg.caller = &d->caller;
    if (!d->cfg.max_response) d->cfg.max_response = 16u << 20;
    if (!d->cfg.max_parallel) d->cfg.max_parallel = 64;
    if (!d->cfg.connect_timeout_ms) d->cfg.connect_timeout_ms = 2000;
    d->multi = curl_multi_init();
    if (!d->multi) {
        yuma_dendrite_free(d);
        return NULL;
    }
    curl_multi_setopt(d->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)d->cfg.max_parallel);
    /* Keep every axon's connection between queries (the default cache
     * shrinks with the number of handles). */
    curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, 4096L);
    return d;
}

void yuma_dendrite_free(yuma_dendrite *d)
{
    if (!d) return;
    if (d->multi) curl_multi_cleanup(d->multi);
    yuma_keypair_wipe(&d->caller);
    free(d);
}

void yuma_dendrite_get_stats(const yuma_dendrite *d, yuma_dendrite_stats *out)
{
    *out = d->stats;
}

bool yuma_dendrite_target_of(const yuma_neuron *nr, yuma_dendrite_target *t)
{
    memset(t, 0, sizeof *t);
    t->uid = -1;
    if (!nr->axon.served || nr->axon.port == 0) return false;
    snprintf(t->host, sizeof t->host, "%s", nr->axon.ip);
    t->port = nr->axon.port;
    t->hotkey = nr->hotkey;
    t->uid = nr->uid;
    return true;
}

void yuma_dendrite_response_free(yuma_dendrite_response *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

void yuma_dendrite_responses_free(yuma_dendrite_response *r, size_t n)
{
    for (size_t i = 0; i < n; i++) yuma_dendrite_response_free(&r[i]);
}

/* Wall-clock nanoseconds, or one more than the last nonce. */
static uint64_t next_nonce(yuma_dendrite *d)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    d->last_nonce = now > d->last_nonce ? now : d->last_nonce + 1;
    return d->last_nonce;
}

/* ---- one transfer ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    transfer *t = arg;
    size_t n = size * nmemb;
    yuma_dendrite_response *r = t->out;
    if (t->max && t->received + n > t->max) {
        t->overflow = true;
        return 0;
    }
    if (t->hashing) crypto_generichash_update(&t->hash, (const uint8_t *)data, n);
    t->received += n;
    if (t->file) {
        if (fwrite(data, 1, n, t->file) != n) {
            t->write_failed = true;
            return 0;
        }
        return n;
    }
    if (r->body_len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < r->body_len + n + 1) cap *= 2;
        uint8_t *grown = realloc(r->body, cap);
        if (!grown) return 0;
        r->body = grown;
        t->cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
    return n;
}

/* Picks the file headers out of the answer. */
static size_t on_header(char *line, size_t size, size_t nitems, void *arg)
{
    transfer *t = arg;
    size_t n = size * nitems;
    size_t klen = strlen(YUMA_AXON_H_CHECKSUM), mlen = strlen(YUMA_AXON_H_MTIME);
    char value[80];
    if (n > klen + 1 && strncasecmp(line, YUMA_AXON_H_CHECKSUM, klen) == 0 && line[klen] == ':') {
        size_t vlen = n - klen - 1 < sizeof value - 1 ? n - klen - 1 : sizeof value - 1;
        memcpy(value, line + klen + 1, vlen);
        value[vlen] = 0;
        sscanf(value, " %64[0-9a-fA-F]", t->out->checksum);
    } else if (n > mlen + 1 && strncasecmp(line, YUMA_AXON_H_MTIME, mlen) == 0 && line[mlen] == ':') {
        size_t vlen = n - mlen - 1 < sizeof value - 1 ? n - mlen - 1 : sizeof value - 1;
        memcpy(value, line + mlen + 1, vlen);
        value[vlen] = 0;
        t->out->mtime_ms = strtoull(value, NULL, 10);
    }
    return n;
}

static bool add_header(struct curl_slist **list, const char *name, const char *value)
{
    char line[512];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(*list, line);
    if (l) *list = l;
    return l != NULL;
}

/* Builds the signed request; false (out->error set) when it cannot be. */
static bool prepare(yuma_dendrite *d, transfer *t, const yuma_dendrite_target *target, const char *method,
                    const char *path, const void *body, size_t len, const char *content_type, long timeout_ms)
{
    yuma_dendrite_response *r = t->out;
    bool v6 = strchr(target->host, ':') != NULL;
    if (!target->host[0] || !target->port) {
        sdk_msg(r->error, sizeof r->error, "the target has no address (the neuron serves no axon)");
        return false;
    }
    snprintf(t->url, sizeof t->url, v6 ? "http://[%s]:%u%s" : "http://%s:%u%s", target->host, target->port, path);
    uint64_t nonce = next_nonce(d), stamp = sdk_wall_ms();
    char sig[129], caller[YUMA_SS58_MAX], num[24], ts[24];
    if (!yuma_axon_sign(&d->caller, method, path, body, len, nonce, stamp, &target->hotkey, sig)) {
        sdk_msg(r->error, sizeof r->error, "the request to %s cannot be signed (path too long)", t->url);
        return false;
    }
    sdk_ss58(&d->caller.pub, caller);
    snprintf(num, sizeof num, "%llu", (unsigned long long)nonce);
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)stamp);
    t->h = curl_easy_init();
    bool ok = t->h && add_header(&t->headers, YUMA_AXON_H_CALLER, caller) &&
              add_header(&t->headers, YUMA_AXON_H_NONCE, num) && add_header(&t->headers, YUMA_AXON_H_TIMESTAMP, ts) &&
              add_header(&t->headers, YUMA_AXON_H_SIGNATURE, sig) && add_header(&t->headers, "Expect", "") &&
              (!content_type || add_header(&t->headers, "Content-Type", content_type));
    if (!ok) {
        sdk_msg(r->error, sizeof r->error, "out of memory");
        return false;
    }
    long connect = d->cfg.connect_timeout_ms < timeout_ms ? d->cfg.connect_timeout_ms : timeout_ms;
    curl_easy_setopt(t->h, CURLOPT_URL, t->url);
    curl_easy_setopt(t->h, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(t->h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(t->h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(t->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(t->h, CURLOPT_CONNECTTIMEOUT_MS, connect);
    curl_easy_setopt(t->h, CURLOPT_PRIVATE, t);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(t->h, CURLOPT_POST, 1L);
        curl_easy_setopt(t->h, CURLOPT_POSTFIELDS, len ? body : "");
        curl_easy_setopt(t->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(t->h, CURLOPT_HTTPGET, 1L);
    }
    return true;
}

/* The axon's refusal: {"error": "...", "reason": "..."}. */
static void read_refusal(yuma_dendrite_response *r)
{
    json_error_t je;
    json_t *j = r->body ? json_loadb((const char *)r->body, r->body_len, 0, &je) : NULL;
    const char *reason = json_string_value(json_object_get(j, "reason"));
    const char *msg = json_string_value(json_object_get(j, "error"));
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    if (msg) sdk_msg(r->error, sizeof r->error, "HTTP %ld: %s", r->http_status, msg);
    else sdk_msg(r->error, sizeof r->error, "HTTP %ld from the axon", r->http_status);
    json_decref(j);
}

static void finish(yuma_dendrite *d, transfer *t, CURLcode rc)
{
    yuma_dendrite_response *r = t->out;
    curl_off_t us = 0;
    long opened = 0;
    curl_easy_getinfo(t->h, CURLINFO_TOTAL_TIME_T, &us);
    curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &r->http_status);
    if (curl_easy_getinfo(t->h, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK && opened > 0)
        d->stats.connections += (uint64_t)opened;
    r->latency_ms = (double)us / 1000.0;
    if (rc == CURLE_OK) {
        if (r->http_status >= 200 && r->http_status < 300) {
            r->outcome = YUMA_DENDRITE_OK;
        } else {
            r->outcome = YUMA_DENDRITE_REFUSED;
            read_refusal(r);
        }
        return;
    }
    r->http_status = 0;
    if (t->overflow) {
        r->outcome = YUMA_DENDRITE_TOO_LARGE;
        sdk_msg(r->error, sizeof r->error, "the answer from %s is over the limit of %zu bytes", t->url, t->max);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        r->outcome = YUMA_DENDRITE_TIMEOUT;
        sdk_msg(r->error, sizeof r->error, "no answer from %s within the timeout (%.0f ms)", t->url, r->latency_ms);
    } else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
        r->outcome = YUMA_DENDRITE_UNREACHABLE;
        sdk_msg(r->error, sizeof r->error, "cannot connect to %s: %s", t->url, curl_easy_strerror(rc));
    } else {
        r->outcome = t->write_failed ? YUMA_DENDRITE_ERROR : YUMA_DENDRITE_UNREACHABLE;
        sdk_msg(r->error, sizeof r->error, "%s: %s", t->url,
                t->write_failed ? "cannot write the file" : curl_easy_strerror(rc));
    }
}

/* Runs prepared transfers at once until each is done. */
static void run(yuma_dendrite *d, transfer *ts, size_t n)
{
    size_t added = 0;
    for (size_t i = 0; i < n; i++)
        if (ts[i].h && curl_multi_add_handle(d->multi, ts[i].h) == CURLM_OK) added++;
    int running = (int)added;
    while (running > 0) {
        if (curl_multi_perform(d->multi, &running) != CURLM_OK) break;
        if (running > 0) curl_multi_poll(d->multi, NULL, 0, 100, NULL);
    }
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(d->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE) continue;
        transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (t) finish(d, t, m->data.result);
    }
    for (size_t i = 0; i < n; i++) {
        if (!ts[i].h) continue;
        curl_multi_remove_handle(d->multi, ts[i].h);
        curl_easy_cleanup(ts[i].h);
        curl_slist_free_all(ts[i].headers);
        ts[i].h = NULL;
        ts[i].headers = NULL;
    }
    d->stats.requests += added;
}

static bool valid_route(const char *route)
{
    size_t n = route ? strlen(route) : 0;
    if (n == 0 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = route[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

size_t yuma_dendrite_query(yuma_dendrite *d, const yuma_dendrite_target *targets, size_t n, const char *route,
                           const void *body, size_t body_len, const char *content_type, long timeout_ms,
                           yuma_dendrite_response *out)
{
    memset(out, 0, n * sizeof *out);
    transfer *ts = calloc(n ? n : 1, sizeof *ts);
    if (!ts) {
        for (size_t i = 0; i < n; i++) sdk_msg(out[i].error, sizeof out[i].error, "out of memory");
        return 0;
    }
    char path[80];
    bool route_ok = valid_route(route);
    if (route_ok) snprintf(path, sizeof path, "/%s", route);
    for (size_t i = 0; i < n; i++) {
        ts[i].out = &out[i];
        if (!route_ok) {
            sdk_msg(out[i].error, sizeof out[i].error, "route \"%.80s\" is not 1..64 of [A-Za-z0-9_-]",
                    route ? route : "");
            continue;
        }
        ts[i].max = d->cfg.max_response;
        if (!prepare(d, &ts[i], &targets[i], "POST", path, body, body_len,
                     content_type ? content_type : "application/json", timeout_ms > 0 ? timeout_ms : 12000)) {
            if (ts[i].h) curl_easy_cleanup(ts[i].h);
            curl_slist_free_all(ts[i].headers);
            ts[i].h = NULL;
            ts[i].headers = NULL;
        }
    }
    run(d, ts, n);
    free(ts);
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) ok += out[i].outcome == YUMA_DENDRITE_OK;
    return ok;
}

/* One GET, run alone. */
static bool get_one(yuma_dendrite *d, const yuma_dendrite_target *target, const char *path, FILE *file, bool hash,
                    long timeout_ms, yuma_dendrite_response *out, transfer *t)
{
    memset(out, 0, sizeof *out);
    memset(t, 0, sizeof *t);
    t->out = out;
    t->file = file;
    t->max = file ? 0 : d->cfg.max_response;
    t->hashing = hash;
    if (hash) crypto_generichash_init(&t->hash, NULL, 0, 32);
    if (!prepare(d, t, target, "GET", path, NULL, 0, NULL, timeout_ms > 0 ? timeout_ms : 60000)) {
        if (t->h) curl_easy_cleanup(t->h);
        curl_slist_free_all(t->headers);
        return false;
    }
    /* A body shorter than its Content-Length fails in libcurl
     * (CURLE_PARTIAL_FILE); the checksum is the caller's to compare. */
    run(d, t, 1);
    return out->outcome == YUMA_DENDRITE_OK;
}

bool yuma_dendrite_list_files(yuma_dendrite *d, const yuma_dendrite_target *t, long timeout_ms,
                              yuma_dendrite_response *out)
{
    transfer tr;
    return get_one(d, t, "/files", NULL, false, timeout_ms, out, &tr);
}

bool yuma_dendrite_fetch_file(yuma_dendrite *d, const yuma_dendrite_target *target, const char *name,
                              const char *dest_path, long timeout_ms, yuma_dendrite_response *out)
{
    memset(out, 0, sizeof *out);
    char path[300], part[4200];
    size_t nlen = name ? strlen(name) : 0;
    if (nlen == 0 || nlen > 200 || strchr(name, '/') || name[0] == '.') {
        sdk_msg(out->error, sizeof out->error, "\"%.64s\" is not a file name an axon serves", name ? name : "");
        return false;
    }
    snprintf(path, sizeof path, "/files/%s", name);
    FILE *f = NULL;
    if (dest_path) {
        snprintf(part, sizeof part, "%s.part", dest_path);
        f = fopen(part, "wb");
        if (!f) {
            sdk_msg(out->error, sizeof out->error, "cannot write %s: %s", part, strerror(errno));
            return false;
        }
    }
    transfer t;
    bool ok = get_one(d, target, path, f, true, timeout_ms, out, &t);
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        out->outcome = YUMA_DENDRITE_ERROR;
        sdk_msg(out->error, sizeof out->error, "cannot write %s", part);
    }
    if (ok) {
        uint8_t got[32], want[32];
        char got_hex[65];
        crypto_generichash_final(&t.hash, got, 32);
        sdk_hex(got, 32, got_hex);
        if (!sdk_unhex(out->checksum, want, 32)) {
            ok = false;
            out->outcome = YUMA_DENDRITE_CORRUPT;
            sdk_msg(out->error, sizeof out->error, "the axon sent %s without its %s header", name,
                    YUMA_AXON_H_CHECKSUM);
        } else if (memcmp(got, want, 32) != 0) {
            ok = false;
            out->outcome = YUMA_DENDRITE_CORRUPT;
            sdk_msg(out->error, sizeof out->error,
                    "%s arrived with BLAKE2b-256 %.16s..., not the %.16s... the axon declared (%llu bytes)", name,
                    got_hex, out->checksum, (unsigned long long)t.received);
        }
    }
    if (dest_path) {
        if (ok && rename(part, dest_path) != 0) {
            ok = false;
            out->outcome = YUMA_DENDRITE_ERROR;
            sdk_msg(out->error, sizeof out->error, "cannot rename %s to %s: %s", part, dest_path, strerror(errno));
        }
        if (!ok) remove(part);
    }
    return ok;
}
