/*
 * etcd.c - the etcd v3 client over the JSON gateway (include/yuma/etcd.h):
 * request encoding (base64 bytes, 64-bit integers as strings), member
 * failover, answer parsing, and the watch stream read until its first
 * change.
 *
 * Why the gateway and not gRPC: etcd serves the same API as JSON over HTTP
 * next to gRPC, and libcurl plus jansson are already the node's HTTP client
 * and JSON library; a gRPC stack (protobuf, HTTP/2 framing) would be a
 * large new dependency for a handful of calls.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "yuma/etcd.h"

/* gRPC status codes etcd answers with (google.golang.org/grpc/codes). */
#define GRPC_DEADLINE_EXCEEDED 4
#define GRPC_UNAVAILABLE 14

struct yuma_etcd {
    char **urls;
    size_t nurls, current;
    CURL *h;
    struct curl_slist *headers;
    yuma_etcd_config cfg;
    char curl_err[CURL_ERROR_SIZE];
    char *buf; /* the answer */
    size_t len, cap;
    bool overflow;
    /* The watch stream: how far it is parsed and what it said. */
    size_t parsed;
    bool created, changed, stream_error;
    char msg[512];
    int remote_code;
};

const char *yuma_etcd_strerror(yuma_etcd_status s)
{
    switch (s) {
    case YUMA_ETCD_OK: return "ok";
    case YUMA_ETCD_ERR_NOMEM: return "out of memory";
    case YUMA_ETCD_ERR_ARG: return "invalid argument";
    case YUMA_ETCD_ERR_UNAVAILABLE: return "no etcd member answered";
    case YUMA_ETCD_ERR_REMOTE: return "etcd refused the request";
    case YUMA_ETCD_ERR_PROTOCOL: return "the answer is not etcd's v3 JSON";
    }
    return "unknown etcd status";
}

static yuma_etcd_status fail(yuma_etcd *e, yuma_etcd_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static yuma_etcd_status fail(yuma_etcd *e, yuma_etcd_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return st;
}

const char *yuma_etcd_message(const yuma_etcd *e)
{
    return e->msg;
}

int yuma_etcd_remote_code(const yuma_etcd *e)
{
    return e->remote_code;
}

/* ---- client ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;

/* Run once before any handle exists (libcurl's rule); never undone, since
 * the RPC client in the same process uses libcurl too. */
static void init_curl(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    yuma_etcd *e = arg;
    size_t n = size * nmemb;
    if (e->len + n > e->cfg.max_response) {
        e->overflow = true;
        return 0; /* aborts the transfer */
    }
    if (e->len + n + 1 > e->cap) {
        size_t ncap = e->cap ? e->cap : 4096;
        while (ncap < e->len + n + 1) ncap *= 2;
        char *grown = realloc(e->buf, ncap);
        if (!grown) return 0;
        e->buf = grown;
        e->cap = ncap;
    }
    memcpy(e->buf + e->len, data, n);
    e->len += n;
    e->buf[e->len] = 0;
    return n;
}

/* Splits the comma-separated endpoints, each an http:// URL without a
 * trailing slash. */
static bool parse_endpoints(yuma_etcd *e, const char *list, char *err, size_t errlen)
{
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && p[n - 1] == '/') n--;
        if (n < 8 || strncmp(p, "http://", 7) != 0) {
            snprintf(err, errlen, "etcd endpoint \"%.*s\" is not an http://HOST:PORT URL", (int)(n < 200 ? n : 200), p);
            return false;
        }
        char **grown = realloc(e->urls, (e->nurls + 1) * sizeof *grown);
        char *url = grown ? strndup(p, n) : NULL;
        if (grown) e->urls = grown;
        if (!url) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        e->urls[e->nurls++] = url;
        p += n;
        while (*p == '/') p++;
        if (*p == ',') p++;
    }
    if (!e->nurls) {
        snprintf(err, errlen, "no etcd endpoint given (a comma-separated list of http://HOST:PORT)");
        return false;
    }
    return true;
}

yuma_etcd *yuma_etcd_new(const yuma_etcd_config *cfg, char *err, size_t errlen)
{
    pthread_once(&curl_once, init_curl);
    yuma_etcd *e = calloc(1, sizeof *e);
    if (!e || !curl_ready) {
        snprintf(err, errlen, "%s", e ? "libcurl cannot be initialised" : "out of memory");
        free(e);
        return NULL;
    }
    e->cfg = *cfg;
    e->cfg.endpoints = NULL;
    if (!e->cfg.timeout_ms) e->cfg.timeout_ms = 2000;
    if (!e->cfg.connect_timeout_ms) e->cfg.connect_timeout_ms = 500;
    if (!e->cfg.max_response) e->cfg.max_response = 256u * 1024 * 1024;
    bool ok = parse_endpoints(e, cfg->endpoints ? cfg->endpoints : "", err, errlen);
    if (ok && !(e->h = curl_easy_init())) {
        snprintf(err, errlen, "out of memory");
        ok = false;
    }
    const char *fixed[] = {"Content-Type: application/json", "Expect:"};
    for (size_t i = 0; ok && i < 2; i++) {
        struct curl_slist *l = curl_slist_append(e->headers, fixed[i]);
        if (l) e->headers = l;
        else snprintf(err, errlen, "out of memory");
        ok = l != NULL;
    }
    if (!ok) {
        yuma_etcd_free(e);
        return NULL;
    }
    curl_easy_setopt(e->h, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(e->h, CURLOPT_POST, 1L);
    curl_easy_setopt(e->h, CURLOPT_HTTPHEADER, e->headers);
    curl_easy_setopt(e->h, CURLOPT_WRITEDATA, e);
    curl_easy_setopt(e->h, CURLOPT_ERRORBUFFER, e->curl_err);
    curl_easy_setopt(e->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e->h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e->h, CURLOPT_CONNECTTIMEOUT_MS, e->cfg.connect_timeout_ms);
    return e;
}

void yuma_etcd_free(yuma_etcd *e)
{
    if (!e) return;
    if (e->h) curl_easy_cleanup(e->h);
    curl_slist_free_all(e->headers);
    for (size_t i = 0; i < e->nurls; i++) free(e->urls[i]);
    free(e->urls);
    free(e->buf);
    free(e);
}

/* ---- JSON encoding ---- */

static json_t *b64_json(const uint8_t *b, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (!s) return NULL;
    sodium_bin2base64(s, cap, n ? b : (const uint8_t *)"", n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Decodes a base64 member (absent = empty) into a malloc'd, NUL-terminated
 * buffer. */
static bool b64_field(const json_t *obj, const char *name, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(json_object_get(obj, name));
    size_t n = s ? strlen(s) : 0;
    *out = malloc(n / 4 * 3 + 4);
    if (!*out) return false;
    *len = 0;
    if (n && sodium_base642bin(*out, n / 4 * 3 + 3, s, n, NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(*out);
        *out = NULL;
        return false;
    }
    (*out)[*len] = 0;
    return true;
}

static json_t *i64_json(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)v);
    return json_string(s);
}

/* A 64-bit integer member: the gateway writes them as strings, omits zeros. */
static int64_t i64_field(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (json_is_integer(v)) return (int64_t)json_integer_value(v);
    const char *s = json_string_value(v);
    return s ? strtoll(s, NULL, 10) : 0;
}

/* Sets name to base64 of bytes (not set when bytes is NULL). */
static bool set_b64(json_t *obj, const char *name, const uint8_t *b, size_t n)
{
    if (!b) return true;
    json_t *v = b64_json(b, n);
    return v && json_object_set_new(obj, name, v) == 0;
}

/* ---- requests ---- */

/* Sends body (stolen) to path on one member after another, from the one
 * that answered last; *answer is the parsed answer (a JSON object). */
static yuma_etcd_status request(yuma_etcd *e, const char *path, json_t *body, bool write, json_t **answer)
{
    *answer = NULL;
    e->msg[0] = 0;
    e->remote_code = 0;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory encoding an etcd request");
    curl_easy_setopt(e->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e->h, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(e->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(text));
    curl_easy_setopt(e->h, CURLOPT_TIMEOUT_MS, e->cfg.timeout_ms);
    yuma_etcd_status st = YUMA_ETCD_ERR_UNAVAILABLE;
    for (size_t attempt = 0; attempt < e->nurls; attempt++) {
        size_t i = (e->current + attempt) % e->nurls;
        char url[600];
        snprintf(url, sizeof url, "%s%s", e->urls[i], path);
        curl_easy_setopt(e->h, CURLOPT_URL, url);
        e->len = 0;
        e->overflow = false;
        e->curl_err[0] = 0;
        CURLcode rc = curl_easy_perform(e->h);
        if (e->overflow) {
            st = fail(e, YUMA_ETCD_ERR_PROTOCOL, "%s: the answer is over the client's limit of %zu bytes", url,
                      e->cfg.max_response);
            break;
        }
        if (rc != CURLE_OK) {
            bool unsent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
            st = fail(e, YUMA_ETCD_ERR_UNAVAILABLE, "%s: %s%s", url, e->curl_err[0] ? e->curl_err : curl_easy_strerror(rc),
                      unsent || !write ? "" : " (the request was sent: it may have taken effect)");
            if (unsent || !write) continue;
            break;
        }
        json_error_t jerr;
        json_t *doc = json_loadb(e->buf, e->len, 0, &jerr);
        if (!json_is_object(doc)) {
            json_decref(doc);
            long http = 0;
            curl_easy_getinfo(e->h, CURLINFO_RESPONSE_CODE, &http);
            st = fail(e, YUMA_ETCD_ERR_PROTOCOL, "%s: HTTP %ld without a JSON object; is it an etcd v3 client URL?", url,
                      http);
            break;
        }
        const json_t *code = json_object_get(doc, "code");
        if (json_is_integer(code)) {
            /* The gateway's error: {"error", "message", "code"}. */
            const char *m = json_string_value(json_object_get(doc, "message"));
            e->remote_code = (int)json_integer_value(code);
            st = fail(e, YUMA_ETCD_ERR_REMOTE, "%s: %s", url, m ? m : "(no message)");
            /* A member without a Raft leader (or cut off from it) did not
             * apply anything: another member may serve the request. */
            bool leaderless = m && (strstr(m, "no leader") || strstr(m, "leader changed"));
            json_decref(doc);
            if ((e->remote_code == GRPC_UNAVAILABLE && (leaderless || !write)) ||
                (e->remote_code == GRPC_DEADLINE_EXCEEDED && !write)) {
                st = YUMA_ETCD_ERR_UNAVAILABLE;
                continue;
            }
            break;
        }
        e->current = i;
        *answer = doc;
        st = YUMA_ETCD_OK;
        e->msg[0] = 0;
        break;
    }
    curl_easy_setopt(e->h, CURLOPT_POSTFIELDS, NULL);
    free(text);
    return st;
}

/* ---- key-value ---- */

void yuma_etcd_range_result_free(yuma_etcd_range_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->count; i++) {
        free(r->kvs[i].key);
        free(r->kvs[i].value);
    }
    free(r->kvs);
    memset(r, 0, sizeof *r);
}

size_t yuma_etcd_prefix_end(const uint8_t *prefix, size_t len, uint8_t *out)
{
    memcpy(out, prefix, len);
    for (size_t i = len; i > 0; i--) {
        if (out[i - 1] != 0xff) {
            out[i - 1]++;
            return i;
        }
    }
    return 0;
}

static yuma_etcd_status parse_range(yuma_etcd *e, const json_t *obj, yuma_etcd_range_result *out)
{
    memset(out, 0, sizeof *out);
    out->revision = i64_field(json_object_get(obj, "header"), "revision");
    out->total = i64_field(obj, "count");
    out->more = json_is_true(json_object_get(obj, "more"));
    const json_t *kvs = json_object_get(obj, "kvs");
    size_t n = json_array_size(kvs);
    if (!n) return YUMA_ETCD_OK;
    out->kvs = calloc(n, sizeof *out->kvs);
    if (!out->kvs) return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory reading a range");
    for (size_t i = 0; i < n; i++) {
        const json_t *kv = json_array_get(kvs, i);
        yuma_etcd_kv *o = &out->kvs[i];
        out->count = i + 1;
        if (!b64_field(kv, "key", &o->key, &o->key_len) || !b64_field(kv, "value", &o->value, &o->value_len)) {
            yuma_etcd_range_result_free(out);
            return fail(e, YUMA_ETCD_ERR_PROTOCOL, "a key or value in etcd's answer is not base64");
        }
        o->create_revision = i64_field(kv, "create_revision");
        o->mod_revision = i64_field(kv, "mod_revision");
        o->version = i64_field(kv, "version");
        o->lease = i64_field(kv, "lease");
    }
    return YUMA_ETCD_OK;
}

/* The body of a RangeRequest (also used inside a txn). */
static json_t *range_body(const uint8_t *key, size_t key_len, const yuma_etcd_range_opts *o)
{
    json_t *b = json_object();
    bool ok = b && set_b64(b, "key", key, key_len);
    if (ok && o) {
        ok = set_b64(b, "range_end", o->range_end, o->range_end_len);
        if (ok && o->limit) ok = json_object_set_new(b, "limit", i64_json(o->limit)) == 0;
        if (ok && o->keys_only) ok = json_object_set_new(b, "keys_only", json_true()) == 0;
        if (ok && o->count_only) ok = json_object_set_new(b, "count_only", json_true()) == 0;
        if (ok && o->revision) ok = json_object_set_new(b, "revision", i64_json(o->revision)) == 0;
        if (ok && o->descending)
            ok = json_object_set_new(b, "sort_order", json_string("DESCEND")) == 0 &&
                 json_object_set_new(b, "sort_target", json_string("KEY")) == 0;
    }
    if (!ok) {
        json_decref(b);
        return NULL;
    }
    return b;
}

yuma_etcd_status yuma_etcd_range(yuma_etcd *e, const uint8_t *key, size_t key_len, const yuma_etcd_range_opts *opts,
                                 yuma_etcd_range_result *out)
{
    memset(out, 0, sizeof *out);
    if (!key_len) return fail(e, YUMA_ETCD_ERR_ARG, "an etcd key cannot be empty");
    json_t *body = range_body(key, key_len, opts), *answer;
    if (!body) return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory");
    yuma_etcd_status st = request(e, "/v3/kv/range", body, false, &answer);
    if (st != YUMA_ETCD_OK) return st;
    st = parse_range(e, answer, out);
    json_decref(answer);
    return st;
}

yuma_etcd_status yuma_etcd_put(yuma_etcd *e, const uint8_t *key, size_t key_len, const uint8_t *value,
                               size_t value_len, int64_t lease, int64_t *revision)
{
    if (!key_len) return fail(e, YUMA_ETCD_ERR_ARG, "an etcd key cannot be empty");
    json_t *body = json_object(), *answer;
    bool ok = body && set_b64(body, "key", key, key_len) && set_b64(body, "value", value ? value : (const uint8_t *)"",
                                                                      value_len);
    if (ok && lease) ok = json_object_set_new(body, "lease", i64_json(lease)) == 0;
    if (!ok) {
        json_decref(body);
        return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory");
    }
    yuma_etcd_status st = request(e, "/v3/kv/put", body, true, &answer);
    if (st != YUMA_ETCD_OK) return st;
    if (revision) *revision = i64_field(json_object_get(answer, "header"), "revision");
    json_decref(answer);
    return YUMA_ETCD_OK;
}

yuma_etcd_status yuma_etcd_delete(yuma_etcd *e, const uint8_t *key, size_t key_len, const uint8_t *range_end,
                                  size_t range_end_len, int64_t *deleted)
{
    if (!key_len) return fail(e, YUMA_ETCD_ERR_ARG, "an etcd key cannot be empty");
    json_t *body = json_object(), *answer;
    if (!body || !set_b64(body, "key", key, key_len) || !set_b64(body, "range_end", range_end, range_end_len)) {
        json_decref(body);
        return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory");
    }
    yuma_etcd_status st = request(e, "/v3/kv/deleterange", body, true, &answer);
    if (st != YUMA_ETCD_OK) return st;
    if (deleted) *deleted = i64_field(answer, "deleted");
    json_decref(answer);
    return YUMA_ETCD_OK;
}

/* ---- transactions ---- */

static json_t *compare_json(const yuma_etcd_compare *c)
{
    static const char *const targets[] = {"CREATE", "MOD", "VERSION", "VALUE", "LEASE"};
    static const char *const results[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
    static const char *const fields[] = {"create_revision", "mod_revision", "version", "value", "lease"};
    if ((unsigned)c->target > YUMA_ETCD_CMP_LEASE || (unsigned)c->result > YUMA_ETCD_NOT_EQUAL || !c->key_len)
        return NULL;
    json_t *j = json_pack("{s:s, s:s}", "target", targets[c->target], "result", results[c->result]);
    bool ok = j && set_b64(j, "key", c->key, c->key_len);
    if (ok && c->target == YUMA_ETCD_CMP_VALUE)
        ok = set_b64(j, "value", c->value ? c->value : (const uint8_t *)"", c->value_len);
    else if (ok) ok = json_object_set_new(j, fields[c->target], i64_json(c->number)) == 0;
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *op_json(const yuma_etcd_op *o)
{
    if (!o->key_len) return NULL;
    json_t *inner = json_object();
    bool ok = inner && set_b64(inner, "key", o->key, o->key_len);
    const char *name = NULL;
    switch (o->kind) {
    case YUMA_ETCD_OP_PUT:
        name = "request_put";
        ok = ok && set_b64(inner, "value", o->value ? o->value : (const uint8_t *)"", o->value_len);
        if (ok && o->lease) ok = json_object_set_new(inner, "lease", i64_json(o->lease)) == 0;
        break;
    case YUMA_ETCD_OP_DELETE:
        name = "request_delete_range";
        ok = ok && set_b64(inner, "range_end", o->range_end, o->range_end_len);
        break;
    case YUMA_ETCD_OP_RANGE:
        name = "request_range";
        ok = ok && set_b64(inner, "range_end", o->range_end, o->range_end_len);
        break;
    }
    json_t *j = ok && name ? json_object() : NULL;
    if (!j || json_object_set_new(j, name, inner) != 0) {
        json_decref(j);
        if (!j) json_decref(inner);
        return NULL;
    }
    return j;
}

static json_t *ops_json(const yuma_etcd_op *ops, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = op_json(&ops[i]);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

yuma_etcd_status yuma_etcd_txn(yuma_etcd *e, const yuma_etcd_compare *cmp, size_t ncmp, const yuma_etcd_op *success,
                               size_t nsuccess, const yuma_etcd_op *failure, size_t nfailure,
                               yuma_etcd_txn_result *out)
{
    memset(out, 0, sizeof *out);
    json_t *cmps = json_array();
    for (size_t i = 0; cmps && i < ncmp; i++) {
        json_t *c = compare_json(&cmp[i]);
        if (!c) {
            json_decref(cmps);
            return fail(e, YUMA_ETCD_ERR_ARG, "txn compare %zu: an empty key or an unknown target or result", i);
        }
        json_array_append_new(cmps, c);
    }
    json_t *body = json_object();
    if (!body) {
        json_decref(cmps);
        return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory");
    }
    bool ok = json_object_set_new(body, "compare", cmps) == 0; /* steals cmps, NULL included */
    json_t *yes = ok ? ops_json(success, nsuccess) : NULL;
    ok = yes && json_object_set_new(body, "success", yes) == 0;
    json_t *no = ok ? ops_json(failure, nfailure) : NULL;
    ok = no && json_object_set_new(body, "failure", no) == 0;
    if (!ok) {
        json_decref(body);
        return fail(e, YUMA_ETCD_ERR_ARG, "txn: an operation with an empty key (or out of memory)");
    }
    json_t *answer;
    yuma_etcd_status st = request(e, "/v3/kv/txn", body, true, &answer);
    if (st != YUMA_ETCD_OK) return st;
    out->succeeded = json_is_true(json_object_get(answer, "succeeded"));
    out->revision = i64_field(json_object_get(answer, "header"), "revision");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(answer, "responses"), i, r)
    {
        const json_t *range = json_object_get(r, "response_range");
        if (range) {
            st = parse_range(e, range, &out->range);
            break;
        }
    }
    json_decref(answer);
    return st;
}

/* ---- leases ---- */

yuma_etcd_status yuma_etcd_lease_grant(yuma_etcd *e, int64_t ttl_s, int64_t *id, int64_t *ttl_s_granted)
{
    if (ttl_s < 1) return fail(e, YUMA_ETCD_ERR_ARG, "a lease TTL must be at least 1 second, not %lld", (long long)ttl_s);
    json_t *answer;
    yuma_etcd_status st = request(e, "/v3/lease/grant", json_pack("{s:o}", "TTL", i64_json(ttl_s)), true, &answer);
    if (st != YUMA_ETCD_OK) return st;
    /* LeaseGrantResponse carries its own "error" string. */
    const char *why = json_string_value(json_object_get(answer, "error"));
    *id = i64_field(answer, "ID");
    if (ttl_s_granted) *ttl_s_granted = i64_field(answer, "TTL");
    if ((why && *why) || !*id) {
        st = fail(e, YUMA_ETCD_ERR_REMOTE, "lease grant refused: %s", why && *why ? why : "no lease id in the answer");
    }
    json_decref(answer);
    return st;
}

yuma_etcd_status yuma_etcd_lease_keepalive(yuma_etcd *e, int64_t id, int64_t *ttl_s)
{
    json_t *answer;
    /* A keepalive is a read-like renewal: repeating it is harmless. */
    yuma_etcd_status st = request(e, "/v3/lease/keepalive", json_pack("{s:o}", "ID", i64_json(id)), false, &answer);
    if (st != YUMA_ETCD_OK) return st;
    const json_t *result = json_object_get(answer, "result"), *error = json_object_get(answer, "error");
    if (!result) {
        const char *m = json_string_value(json_object_get(error, "message"));
        st = fail(e, error ? YUMA_ETCD_ERR_REMOTE : YUMA_ETCD_ERR_PROTOCOL, "lease keepalive: %s",
                  m ? m : "no result in the answer");
    } else {
        *ttl_s = i64_field(result, "TTL");
    }
    json_decref(answer);
    return st;
}

yuma_etcd_status yuma_etcd_lease_revoke(yuma_etcd *e, int64_t id)
{
    json_t *answer;
    yuma_etcd_status st = request(e, "/v3/lease/revoke", json_pack("{s:o}", "ID", i64_json(id)), true, &answer);
    json_decref(answer);
    return st;
}

/* ---- watch ---- */

/* Reads the stream's complete JSON objects (one per line); returns false
 * to end the transfer once a change, a cancellation or an error came. */
static bool scan_stream(yuma_etcd *e)
{
    for (;;) {
        while (e->parsed < e->len && strchr(" \r\n\t", e->buf[e->parsed])) e->parsed++;
        if (e->parsed >= e->len) return true;
        json_error_t jerr;
        json_t *obj = json_loadb(e->buf + e->parsed, e->len - e->parsed, JSON_DISABLE_EOF_CHECK, &jerr);
        if (!obj) return true; /* incomplete: wait for more bytes */
        e->parsed += (size_t)jerr.position;
        const json_t *r = json_object_get(obj, "result");
        if (!r) {
            const char *m = json_string_value(json_object_get(json_object_get(obj, "error"), "message"));
            fail(e, YUMA_ETCD_ERR_REMOTE, "watch: %s", m ? m : "an answer without a result");
            e->stream_error = true;
        } else {
            if (json_is_true(json_object_get(r, "created"))) e->created = true;
            if (json_is_true(json_object_get(r, "canceled")) || json_array_size(json_object_get(r, "events")))
                e->changed = true;
        }
        json_decref(obj);
        if (e->changed || e->stream_error) return false;
    }
}

static size_t on_stream(char *data, size_t size, size_t nmemb, void *arg)
{
    yuma_etcd *e = arg;
    size_t n = on_body(data, size, nmemb, arg);
    if (n != size * nmemb) return 0;
    return scan_stream(e) ? n : 0;
}

yuma_etcd_status yuma_etcd_watch_wait(yuma_etcd *e, const uint8_t *key, size_t key_len, const uint8_t *range_end,
                                      size_t range_end_len, int64_t start_revision, long timeout_ms, bool *changed)
{
    *changed = false;
    e->msg[0] = 0;
    e->remote_code = 0;
    if (!key_len) return fail(e, YUMA_ETCD_ERR_ARG, "an etcd key cannot be empty");
    json_t *create = json_object();
    bool ok = create && set_b64(create, "key", key, key_len) && set_b64(create, "range_end", range_end, range_end_len);
    if (ok && start_revision > 0) ok = json_object_set_new(create, "start_revision", i64_json(start_revision)) == 0;
    json_t *body = ok ? json_pack("{s:o}", "create_request", create) : NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (!body) json_decref(create);
    json_decref(body);
    if (!text) return fail(e, YUMA_ETCD_ERR_NOMEM, "out of memory");
    curl_easy_setopt(e->h, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(e->h, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(e->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(text));
    curl_easy_setopt(e->h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1);
    yuma_etcd_status st = YUMA_ETCD_ERR_UNAVAILABLE;
    for (size_t attempt = 0; attempt < e->nurls; attempt++) {
        size_t i = (e->current + attempt) % e->nurls;
        char url[600];
        snprintf(url, sizeof url, "%s/v3/watch", e->urls[i]);
        curl_easy_setopt(e->h, CURLOPT_URL, url);
        e->len = e->parsed = 0;
        e->overflow = e->created = e->changed = e->stream_error = false;
        e->curl_err[0] = 0;
        CURLcode rc = curl_easy_perform(e->h);
        if (e->changed) {
            st = YUMA_ETCD_OK;
        } else if (e->stream_error) {
            st = YUMA_ETCD_ERR_REMOTE;
        } else if (e->overflow) {
            st = fail(e, YUMA_ETCD_ERR_PROTOCOL, "%s: the watch stream is over the client's limit", url);
        } else if (rc == CURLE_OPERATION_TIMEDOUT && e->created) {
            st = YUMA_ETCD_OK; /* waited the whole time: nothing changed */
        } else {
            st = fail(e, YUMA_ETCD_ERR_UNAVAILABLE, "%s: %s", url,
                      rc == CURLE_OK ? "the watch stream ended without an answer"
                                     : (e->curl_err[0] ? e->curl_err : curl_easy_strerror(rc)));
            if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) continue;
        }
        if (st == YUMA_ETCD_OK) e->current = i;
        break;
    }
    *changed = e->changed;
    curl_easy_setopt(e->h, CURLOPT_POSTFIELDS, NULL);
    free(text);
    return st;
}
