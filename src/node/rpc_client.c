/*
 * rpc_client.c - JSON-RPC 2.0 over HTTP with libcurl
 * (include/yuma/rpc_client.h).
 *
 * The easy handle lives as long as the client: libcurl keeps the
 * connection it opened in the handle's cache and reuses it for the next
 * call, which is the whole point (one TCP connection, no handshake per
 * call, nothing left open after yuma_rpc_client_free). The request buffer,
 * header list and response buffer are the client's too and reused.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "yuma/rpc_client.h"

struct yuma_rpc_client {
    yuma_rpc_client_config cfg;
    char *url;
    CURL *h;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    char *buf; /* the response */
    size_t len, cap;
    bool overflow;
    uint64_t next_id;
    json_t *last_data; /* error data handed out by the last call */
    yuma_rpc_client_stats stats;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;

/* curl_global_init is not thread-safe in every libcurl build, and must run
 * once before any handle exists; it is never undone because other code in
 * the process may use libcurl too. */
static void init_curl(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    yuma_rpc_client *c = arg;
    size_t n = size * nmemb;
    if (c->len + n > c->cfg.max_response) {
        c->overflow = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (c->len + n + 1 > c->cap) {
        size_t ncap = c->cap ? c->cap : 4096;
        while (ncap < c->len + n + 1) ncap *= 2;
        char *grown = realloc(c->buf, ncap);
        if (!grown) return 0;
        c->buf = grown;
        c->cap = ncap;
    }
    memcpy(c->buf + c->len, data, n);
    c->len += n;
    return n;
}

yuma_rpc_client *yuma_rpc_client_new(const yuma_rpc_client_config *cfg)
{
    if (!cfg || !cfg->url || !*cfg->url) return NULL;
    pthread_once(&curl_once, init_curl);
    if (!curl_ready) return NULL;
    yuma_rpc_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->cfg = *cfg;
    if (!c->cfg.timeout_ms) c->cfg.timeout_ms = 30000;
    if (!c->cfg.connect_timeout_ms) c->cfg.connect_timeout_ms = 5000;
    if (!c->cfg.retries) c->cfg.retries = 3;
    if (c->cfg.no_retry) c->cfg.retries = 0;
    if (!c->cfg.backoff_ms) c->cfg.backoff_ms = 100;
    if (!c->cfg.max_response) c->cfg.max_response = 64u * 1024 * 1024;
    c->url = strdup(cfg->url);
    c->cfg.url = c->url;
    c->cfg.auth_token = NULL; /* only the header keeps it */
    c->h = curl_easy_init();
    bool ok = c->url && c->h;
    /* "Expect:" stops curl from waiting for 100-continue on larger bodies. */
    const char *fixed[] = {"Content-Type: application/json", "Accept: application/json", "Expect:"};
    for (size_t i = 0; ok && i < 3; i++) {
        struct curl_slist *l = curl_slist_append(c->headers, fixed[i]);
        if (l) c->headers = l;
        ok = l != NULL;
    }
    if (ok && cfg->auth_token && *cfg->auth_token) {
        size_t n = strlen(cfg->auth_token) + 32;
        char *line = malloc(n);
        struct curl_slist *l = NULL;
        if (line) {
            snprintf(line, n, "Authorization: Bearer %s", cfg->auth_token);
            l = curl_slist_append(c->headers, line);
            free(line);
        }
        if (l) c->headers = l;
        ok = l != NULL;
    }
    if (!ok) {
        yuma_rpc_client_free(c);
        return NULL;
    }
    curl_easy_setopt(c->h, CURLOPT_URL, c->url);
    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->h, CURLOPT_POST, 1L);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->curl_err);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: safe in threads */
    curl_easy_setopt(c->h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
    return c;
}

void yuma_rpc_client_free(yuma_rpc_client *c)
{
    if (!c) return;
    if (c->h) curl_easy_cleanup(c->h);
    curl_slist_free_all(c->headers);
    json_decref(c->last_data);
    free(c->buf);
    free(c->url);
    free(c);
}

void yuma_rpc_client_get_stats(const yuma_rpc_client *c, yuma_rpc_client_stats *out)
{
    *out = c->stats;
}

static void fail(yuma_rpc_client_error *err, yuma_rpc_client_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(yuma_rpc_client_error *err, yuma_rpc_client_status st, const char *fmt, ...)
{
    err->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* Errors where libcurl never sent the request, so trying again cannot
 * repeat a write. */
static bool not_sent(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) continue;
}

json_t *yuma_rpc_client_call_timeout(yuma_rpc_client *c, const char *method, const json_t *params, long timeout_ms,
                                     yuma_rpc_client_error *err)
{
    memset(err, 0, sizeof *err);
    json_decref(c->last_data);
    c->last_data = NULL;
    c->stats.calls++;
    json_int_t id = (json_int_t)++c->next_id;
    json_t *req = json_pack("{s:s, s:s, s:I}", "jsonrpc", "2.0", "method", method, "id", id);
    if (req && params) json_object_set(req, "params", (json_t *)params);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        fail(err, YUMA_RPC_CLIENT_NOMEM, "out of memory");
        return NULL;
    }
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : c->cfg.timeout_ms);
    CURLcode rc;
    for (unsigned attempt = 0;; attempt++) {
        c->len = 0;
        c->overflow = false;
        c->curl_err[0] = 0;
        rc = curl_easy_perform(c->h);
        long opened = 0;
        if (curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK && opened > 0)
            c->stats.connections += (uint64_t)opened;
        if (rc == CURLE_OK || !not_sent(rc) || attempt >= c->cfg.retries) break;
        c->stats.retries++;
        long delay = c->cfg.backoff_ms;
        for (unsigned i = 0; i < attempt && delay < 2000; i++) delay *= 2;
        sleep_ms(delay < 2000 ? delay : 2000);
    }
    free(body);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, NULL);
    const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc);
    if (c->overflow) {
        fail(err, YUMA_RPC_CLIENT_PROTOCOL, "the answer from %s is over the client's limit of %zu bytes", c->url,
             c->cfg.max_response);
        return NULL;
    }
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY) {
        fail(err, YUMA_RPC_CLIENT_TRANSPORT,
             "cannot connect to %s: %s (%u attempts); check that the node is running and serving RPC there", c->url,
             why, c->cfg.retries + 1);
        return NULL;
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        fail(err, YUMA_RPC_CLIENT_TRANSPORT,
             "no answer from %s within %ld ms (%s); a write may still take effect on the node", c->url,
             timeout_ms > 0 ? timeout_ms : c->cfg.timeout_ms, why);
        return NULL;
    }
    if (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR) {
        fail(err, YUMA_RPC_CLIENT_TRANSPORT,
             "the connection to %s closed without an answer (%s); the node may be at its connection limit or "
             "restarting",
             c->url, why);
        return NULL;
    }
    if (rc != CURLE_OK) {
        fail(err, YUMA_RPC_CLIENT_TRANSPORT, "the call to %s failed: %s", c->url, why);
        return NULL;
    }
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &err->http_status);
    json_error_t jerr;
    json_t *doc = c->len ? json_loadb(c->buf, c->len, 0, &jerr) : NULL;
    const json_t *ver = json_object_get(doc, "jsonrpc"), *rid = json_object_get(doc, "id");
    const json_t *result = json_object_get(doc, "result"), *e = json_object_get(doc, "error");
    /* Errors about the whole request (rate limit, size, parse) carry a
     * null id; anything else must answer this call's id. */
    bool id_ok = (json_is_integer(rid) && json_integer_value(rid) == id) || (e && json_is_null(rid));
    if (!json_is_object(doc) || !json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0 || !id_ok ||
        (!result && !json_is_object(e))) {
        json_decref(doc);
        fail(err, YUMA_RPC_CLIENT_PROTOCOL,
             "HTTP %ld from %s is not a JSON-RPC 2.0 answer to this call; is the URL the node's RPC endpoint?",
             err->http_status, c->url);
        return NULL;
    }
    if (e) {
        const json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "message");
        err->status = YUMA_RPC_CLIENT_REMOTE;
        err->code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
        snprintf(err->message, sizeof err->message, "%s", json_is_string(msg) ? json_string_value(msg) : "(no message)");
        c->last_data = json_incref(json_object_get(e, "data"));
        err->data = c->last_data;
        json_decref(doc);
        return NULL;
    }
    json_t *out = json_incref((json_t *)result);
    json_decref(doc);
    return out;
}

json_t *yuma_rpc_client_call(yuma_rpc_client *c, const char *method, const json_t *params, yuma_rpc_client_error *err)
{
    return yuma_rpc_client_call_timeout(c, method, params, 0, err);
}

bool yuma_rpc_client_wait_block(yuma_rpc_client *c, uint64_t after_height, unsigned timeout_ms, uint64_t *height,
                                bool *timed_out, yuma_rpc_client_error *err)
{
    json_t *params = json_pack("{s:I, s:I}", "after_height", (json_int_t)after_height, "timeout_ms",
                               (json_int_t)timeout_ms);
    if (!params) {
        memset(err, 0, sizeof *err);
        fail(err, YUMA_RPC_CLIENT_NOMEM, "out of memory");
        return false;
    }
    /* The server answers at its timeout; the transfer gets a margin over
     * it so that the answer, not the client, ends the wait. */
    json_t *r = yuma_rpc_client_call_timeout(c, "chain_waitForBlock", params, (long)timeout_ms + 5000, err);
    json_decref(params);
    if (!r) return false;
    const json_t *h = json_object_get(r, "height"), *t = json_object_get(r, "timed_out");
    bool ok = json_is_integer(h) && json_is_boolean(t);
    if (ok) {
        *height = (uint64_t)json_integer_value(h);
        *timed_out = json_is_true(t);
    } else {
        fail(err, YUMA_RPC_CLIENT_PROTOCOL, "chain_waitForBlock answered without height and timed_out");
    }
    json_decref(r);
    return ok;
}
