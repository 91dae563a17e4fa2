/*
 * rpc.c - the JSON-RPC 2.0 server (include/yuma/rpc.h, docs/RPC.md).
 *
 * libmicrohttpd runs the HTTP side on a small pool of threads (epoll on
 * Linux). A request's body is collected up to max_body, then parsed once;
 * each call in it is validated, checked against the write flag and token,
 * dispatched to its handler, and counted for /metrics. The rate limit is
 * charged per call, after parsing, because a batch is as much work as its
 * calls sent one by one.
 *
 * chain_waitForBlock must not hold an HTTP thread while it waits: a handful
 * of followers would otherwise stall every other client. A waiting request
 * is instead parked: its connection is suspended (MHD stops polling it) and
 * it joins a list that one waiter thread watches with a condition variable
 * on a monotonic clock. yuma_rpc_notify_block() and deadlines wake that
 * thread, which writes the answer into the request and resumes the
 * connection; MHD then calls the access handler again, which sends it.
 * The waiter thread never calls into MHD while holding the server's lock,
 * and a request is marked resumable only after MHD_suspend_connection()
 * returned, so a resume can never precede its suspend.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "yuma/rpc.h"

#define WAIT_METHOD "chain_waitForBlock"
#define LIST_METHOD "rpc_methods"
#define DEFAULT_WAIT_MS 30000u

/* ---- metrics ---- */

enum outcome {
    O_OK,
    O_APP_ERROR,
    O_PARSE_ERROR,
    O_INVALID_REQUEST,
    O_METHOD_NOT_FOUND,
    O_INVALID_PARAMS,
    O_INTERNAL,
    O_UNAUTHORIZED,
    O_RATE_LIMITED,
    O_TOO_LARGE,
    O_UNAVAILABLE,
    O_COUNT
};

static const char *const outcome_name[O_COUNT] = {
    "ok",           "error",         "parse_error", "invalid_request", "method_not_found", "invalid_params",
    "internal_error", "unauthorized", "rate_limited", "too_large",      "unavailable"};

static enum outcome outcome_of(int code)
{
    switch (code) {
    case 0: return O_OK;
    case YUMA_RPC_PARSE_ERROR: return O_PARSE_ERROR;
    case YUMA_RPC_INVALID_REQUEST: return O_INVALID_REQUEST;
    case YUMA_RPC_METHOD_NOT_FOUND: return O_METHOD_NOT_FOUND;
    case YUMA_RPC_INVALID_PARAMS: return O_INVALID_PARAMS;
    case YUMA_RPC_INTERNAL_ERROR: return O_INTERNAL;
    case YUMA_RPC_UNAUTHORIZED: return O_UNAUTHORIZED;
    case YUMA_RPC_RATE_LIMITED: return O_RATE_LIMITED;
    case YUMA_RPC_TOO_LARGE: return O_TOO_LARGE;
    case YUMA_RPC_UNAVAILABLE: return O_UNAVAILABLE;
    default: return O_APP_ERROR;
    }
}

/* Latency buckets' upper bounds in microseconds; one more for +Inf. */
static const uint64_t bucket_us[] = {500, 1000, 5000, 10000, 50000, 100000, 500000, 1000000, 5000000, 30000000};
#define NBUCKETS (sizeof bucket_us / sizeof bucket_us[0])

/* HTTP statuses the server sends, counted for /metrics. */
static const unsigned http_codes[] = {200, 204, 404, 405, 413, 429, 500, 503};
#define NHTTP (sizeof http_codes / sizeof http_codes[0])

typedef struct {
    char *name;
    yuma_rpc_handler handler;
    unsigned flags;
    void *user;
    _Atomic uint64_t outcomes[O_COUNT];
    _Atomic uint64_t buckets[NBUCKETS + 1]; /* not cumulative; /metrics sums them */
    _Atomic uint64_t sum_us;
} method_entry;

/* ---- the rate limiter: a token bucket per client address ---- */

typedef struct {
    uint8_t key[16];
    bool used;
    double tokens;
    uint64_t last_us;
} bucket;

typedef struct {
    pthread_mutex_t mu;
    bucket *slot;
    size_t cap, n, max; /* cap a power of two >= 2 max */
    double rate, burst;
    unsigned char sipkey[crypto_shorthash_KEYBYTES];
} ratelimiter;

/* ---- requests ---- */

enum { W_NONE, W_PARKED, W_DONE };

typedef struct request request;
struct request {
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    bool too_large;
    size_t dropped; /* body bytes read past max_body */
    char ip[INET6_ADDRSTRLEN];
    uint8_t ipkey[16];
    int auth; /* 0 not looked at, 1 missing, 2 wrong, 3 right */
    /* chain_waitForBlock; guarded by the server's wait lock while parked */
    int wait_state;
    bool suspended; /* MHD_suspend_connection() has returned */
    uint64_t wait_after, wait_deadline_us, wait_t0;
    json_t *wait_id;
    json_t *wait_response;
    request *next_waiter, *next_ready;
};

struct yuma_rpc_server {
    yuma_rpc_config cfg;
    char *address, *token;
    method_entry *methods;
    size_t nmethods, cap_methods;
    method_entry unknown_method, no_method; /* for /metrics: calls with no registered method */
    ratelimiter rl;
    struct MHD_Daemon *daemon;
    uint16_t port;
    uint64_t started_us;

    pthread_mutex_t wait_mu; /* what follows, up to waiter */
    pthread_cond_t wait_cond;
    uint64_t height;
    json_t *head_info;
    request *waiters;
    size_t nwaiting;
    bool stopping;
    pthread_t waiter;
    bool waiter_running;

    _Atomic uint64_t resumed_pending; /* resumed, answer not yet sent */
    _Atomic uint64_t conn_opened, conn_open, requests, calls, rate_limited;
    _Atomic uint64_t http_status[NHTTP + 1];
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void yuma_rpc_error_set(yuma_rpc_error *e, int code, json_t *data, const char *fmt, ...)
{
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    json_decref(e->data);
    e->data = data;
}

static void record(method_entry *m, enum outcome o, uint64_t us, bool timed)
{
    atomic_fetch_add_explicit(&m->outcomes[o], 1, memory_order_relaxed);
    if (!timed) return;
    size_t b = 0;
    while (b < NBUCKETS && us > bucket_us[b]) b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, us, memory_order_relaxed);
}

/* ---- the rate limiter ---- */

static size_t rl_home(const ratelimiter *rl, const uint8_t key[16])
{
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, key, 16, rl->sipkey);
    return (size_t)h & (rl->cap - 1);
}

static double rl_refilled(const ratelimiter *rl, const bucket *b, uint64_t now)
{
    double t = b->tokens + (double)(now - b->last_us) * rl->rate / 1e6;
    return t > rl->burst ? rl->burst : t;
}

/* Forgets clients whose bucket has refilled: they are indistinguishable
 * from new ones. Rebuilds the table, so probe chains stay intact. */
static void rl_sweep(ratelimiter *rl, uint64_t now)
{
    bucket *fresh = calloc(rl->cap, sizeof *fresh);
    if (!fresh) return;
    bucket *old = rl->slot;
    rl->slot = fresh;
    rl->n = 0;
    for (size_t i = 0; i < rl->cap; i++) {
        if (!old[i].used || rl_refilled(rl, &old[i], now) >= rl->burst) continue;
        size_t j = rl_home(rl, old[i].key);
        while (fresh[j].used) j = (j + 1) & (rl->cap - 1);
        fresh[j] = old[i];
        rl->n++;
    }
    free(old);
}

/* Takes cost tokens from the client's bucket: 0 when granted, otherwise
 * the milliseconds until they will be there (at least 1). */
static uint64_t rl_take(ratelimiter *rl, const uint8_t key[16], unsigned cost)
{
    uint64_t now = now_us(), wait_ms = 0;
    pthread_mutex_lock(&rl->mu);
    size_t i = rl_home(rl, key);
    while (rl->slot[i].used && memcmp(rl->slot[i].key, key, 16) != 0) i = (i + 1) & (rl->cap - 1);
    if (!rl->slot[i].used) {
        if (rl->n >= rl->max) {
            rl_sweep(rl, now);
            i = rl_home(rl, key);
            while (rl->slot[i].used) i = (i + 1) & (rl->cap - 1);
        }
        if (rl->n >= rl->max) {
            /* Every tracked client is busy: a newcomer waits until one
             * bucket could have refilled rather than evicting a client
             * that is being limited. */
            pthread_mutex_unlock(&rl->mu);
            return (uint64_t)ceil(rl->burst / rl->rate * 1000.0);
        }
        memcpy(rl->slot[i].key, key, 16);
        rl->slot[i].used = true;
        rl->slot[i].tokens = rl->burst;
        rl->slot[i].last_us = now;
        rl->n++;
    }
    bucket *b = &rl->slot[i];
    b->tokens = rl_refilled(rl, b, now);
    b->last_us = now;
    if (b->tokens >= cost) b->tokens -= cost;
    else wait_ms = (uint64_t)ceil(((double)cost - b->tokens) / rl->rate * 1000.0);
    pthread_mutex_unlock(&rl->mu);
    return wait_ms;
}

/* ---- creation and methods ---- */

static json_t *list_methods(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);
static json_t *wait_placeholder(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);

yuma_rpc_server *yuma_rpc_new(const yuma_rpc_config *cfg)
{
    if (sodium_init() < 0) return NULL;
    yuma_rpc_server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (cfg) s->cfg = *cfg;
    yuma_rpc_config *c = &s->cfg;
    if (!c->threads) c->threads = 4;
    if (!c->max_connections) c->max_connections = 256;
    if (!c->max_per_ip) c->max_per_ip = 64;
    if (!c->idle_timeout_s) c->idle_timeout_s = 60;
    if (!c->max_body) c->max_body = 1024 * 1024;
    if (!c->max_batch) c->max_batch = 100;
    if (c->rate_per_s < 0) c->rate_per_s = 0;
    if (c->rate_per_s > 0 && !c->rate_burst) c->rate_burst = c->rate_per_s * 2 >= 1 ? (unsigned)(c->rate_per_s * 2) : 1;
    if (!c->rate_clients) c->rate_clients = 4096;
    if (!c->max_wait_ms) c->max_wait_ms = 60000;
    if (!c->max_waiters) c->max_waiters = 1024;
    s->address = strdup(c->address ? c->address : "127.0.0.1");
    s->token = c->auth_token && *c->auth_token ? strdup(c->auth_token) : NULL;
    c->address = s->address;
    c->auth_token = s->token;
    s->unknown_method.name = strdup("(unknown)");
    s->no_method.name = strdup("(none)");
    pthread_mutex_init(&s->rl.mu, NULL);
    s->rl.rate = c->rate_per_s;
    s->rl.burst = c->rate_burst;
    s->rl.max = c->rate_clients;
    s->rl.cap = 64;
    while (s->rl.cap < 2 * s->rl.max) s->rl.cap *= 2;
    randombytes_buf(s->rl.sipkey, sizeof s->rl.sipkey);
    s->rl.slot = c->rate_per_s > 0 ? calloc(s->rl.cap, sizeof *s->rl.slot) : NULL;
    pthread_mutex_init(&s->wait_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wait_cond, &ca);
    pthread_condattr_destroy(&ca);
    bool ok = s->address && (!c->auth_token || s->token) && s->unknown_method.name && s->no_method.name &&
              (c->rate_per_s == 0 || s->rl.slot);
    char err[128];
    ok = ok && yuma_rpc_add_method(s, &(yuma_rpc_method){LIST_METHOD, list_methods, 0, s}, err, sizeof err);
    ok = ok && yuma_rpc_add_method(s, &(yuma_rpc_method){WAIT_METHOD, wait_placeholder, 0, s}, err, sizeof err);
    if (!ok) {
        yuma_rpc_free(s);
        return NULL;
    }
    return s;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const method_entry *)a)->name, ((const method_entry *)b)->name);
}

static method_entry *find_method(yuma_rpc_server *s, const char *name)
{
    method_entry key = {.name = (char *)name};
    if (s->nmethods == 0) return NULL; /* bsearch must not get a NULL array */
    return bsearch(&key, s->methods, s->nmethods, sizeof *s->methods, by_name);
}

bool yuma_rpc_add_method(yuma_rpc_server *s, const yuma_rpc_method *m, char *err, size_t err_len)
{
    if (s->daemon) {
        snprintf(err, err_len, "methods must be added before yuma_rpc_start");
        return false;
    }
    if (!m->name || !*m->name || strncmp(m->name, "rpc.", 4) == 0 || !m->handler) {
        snprintf(err, err_len, "method name \"%s\" is empty or reserved (\"rpc.\" prefix), or has no handler",
                 m->name ? m->name : "");
        return false;
    }
    if (find_method(s, m->name)) {
        snprintf(err, err_len, "method \"%s\" is already registered", m->name);
        return false;
    }
    if (s->nmethods == s->cap_methods) {
        size_t ncap = s->cap_methods ? s->cap_methods * 2 : 16;
        method_entry *grown = realloc(s->methods, ncap * sizeof *grown);
        if (!grown) {
            snprintf(err, err_len, "out of memory");
            return false;
        }
        s->methods = grown;
        s->cap_methods = ncap;
    }
    method_entry *e = &s->methods[s->nmethods];
    memset(e, 0, sizeof *e);
    e->name = strdup(m->name);
    if (!e->name) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    e->handler = m->handler;
    e->flags = m->flags;
    e->user = m->user;
    s->nmethods++;
    /* Kept sorted so lookups are a binary search and rpc_methods and
     * /metrics list methods in a stable order. */
    qsort(s->methods, s->nmethods, sizeof *s->methods, by_name);
    return true;
}

/* ---- responses ---- */

static void count_status(yuma_rpc_server *s, unsigned status)
{
    size_t i = 0;
    while (i < NHTTP && http_codes[i] != status) i++;
    atomic_fetch_add_explicit(&s->http_status[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
}

static enum MHD_Result send_text(yuma_rpc_server *s, struct MHD_Connection *conn, unsigned status, char *text,
                                 const char *type, const char *hname, const char *hvalue)
{
    if (!text) return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    if (type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (hname) MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    count_status(s, status);
    return ret;
}

/* body is stolen. */
static enum MHD_Result send_json(yuma_rpc_server *s, struct MHD_Connection *conn, unsigned status, json_t *body,
                                 const char *hname, const char *hvalue)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return send_text(s, conn, status, text, "application/json", hname, hvalue);
}

static enum MHD_Result send_empty(yuma_rpc_server *s, struct MHD_Connection *conn, unsigned status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    count_status(s, status);
    return ret;
}

/* id NULL means JSON null; data stolen. */
static json_t *error_response(const json_t *id, int code, const char *message, json_t *data)
{
    json_t *e = json_pack("{s:i, s:s}", "code", code, "message", message);
    if (e && data) json_object_set_new(e, "data", data);
    else json_decref(data);
    return json_pack("{s:s, s:o, s:O}", "jsonrpc", "2.0", "error", e, "id", id ? id : json_null());
}

/* result stolen. */
static json_t *result_response(const json_t *id, json_t *result)
{
    return json_pack("{s:s, s:o, s:O}", "jsonrpc", "2.0", "result", result, "id", id ? id : json_null());
}

/* ---- validation ---- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return json_integer_value(v) < 0 ? "a negative integer" : "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

/* Checks a request object. On failure writes the message and sets *id to
 * the request's id when that id itself is valid (else NULL). */
static bool validate(const json_t *req, const json_t **id, bool *has_id, const char **method, const json_t **params,
                     char *msg, size_t msg_len)
{
    *id = NULL;
    *has_id = false;
    if (!json_is_object(req)) {
        snprintf(msg, msg_len,
                 "invalid request: expected an object {\"jsonrpc\": \"2.0\", \"method\": ..., \"params\": ..., "
                 "\"id\": ...}, got %s",
                 type_name(req));
        return false;
    }
    const json_t *idv = json_object_get(req, "id");
    if (idv) {
        if (!json_is_string(idv) && !json_is_integer(idv) && !json_is_null(idv)) {
            snprintf(msg, msg_len, "invalid request: \"id\" must be a string, an integer or null, not %s",
                     type_name(idv));
            return false;
        }
        *id = idv;
        *has_id = true;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)req, key, v) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "params") && strcmp(key, "id")) {
            snprintf(msg, msg_len,
                     "invalid request: unknown member \"%.40s\"; a request has only jsonrpc, method, params and id",
                     key);
            return false;
        }
    }
    const json_t *ver = json_object_get(req, "jsonrpc");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
        snprintf(msg, msg_len, "invalid request: \"jsonrpc\" must be \"2.0\"");
        return false;
    }
    const json_t *m = json_object_get(req, "method");
    if (!json_is_string(m)) {
        snprintf(msg, msg_len, "invalid request: \"method\" must be a string, not %s", m ? type_name(m) : "missing");
        return false;
    }
    *method = json_string_value(m);
    *params = json_object_get(req, "params");
    if (*params && !json_is_array(*params) && !json_is_object(*params)) {
        snprintf(msg, msg_len,
                 "invalid request: \"params\" must be an array (by position) or an object (by name), not %s",
                 type_name(*params));
        return false;
    }
    return true;
}

/* ---- parameters ---- */

const json_t *yuma_rpc_param(const json_t *params, size_t pos, const char *name)
{
    if (json_is_array(params)) return json_array_get(params, pos);
    if (json_is_object(params) && name) return json_object_get(params, name);
    return NULL;
}

static void join_names(const char *const *names, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; names[i]; i++) {
        int w = snprintf(out + used, len - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= len - used) break;
        used += (size_t)w;
    }
    if (!names[0]) snprintf(out, len, "no parameters");
}

bool yuma_rpc_params_only(const json_t *params, const char *const *names, yuma_rpc_error *err)
{
    size_t n = 0;
    while (names[n]) n++;
    char list[160];
    join_names(names, list, sizeof list);
    if (json_is_array(params) && json_array_size(params) > n) {
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                           "invalid params: %zu given by position; this method takes %s", json_array_size(params),
                           list);
        return false;
    }
    if (json_is_object(params)) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)params, key, v) {
            size_t i = 0;
            while (names[i] && strcmp(names[i], key) != 0) i++;
            if (!names[i]) {
                yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                                   "invalid params: unknown parameter \"%.40s\"; this method takes %s", key, list);
                return false;
            }
        }
    }
    return true;
}

bool yuma_rpc_param_u64(const json_t *params, size_t pos, const char *name, bool required, uint64_t *out,
                        yuma_rpc_error *err)
{
    const json_t *v = yuma_rpc_param(params, pos, name);
    if (!v) {
        if (!required) return true;
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                           "invalid params: missing %s (a non-negative integer, parameter %zu)", name, pos + 1);
        return false;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    /* Decimal strings carry u64 values JSON numbers cannot (above 2^63 in
     * jansson, above 2^53 in JavaScript). */
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        size_t len = json_string_length(v);
        uint64_t x = 0;
        bool ok = len > 0 && len <= 20 && (len == 1 || t[0] != '0');
        for (size_t i = 0; ok && i < len; i++)
            ok = t[i] >= '0' && t[i] <= '9' && !__builtin_mul_overflow(x, 10, &x) &&
                 !__builtin_add_overflow(x, (uint64_t)(t[i] - '0'), &x);
        if (ok) {
            *out = x;
            return true;
        }
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                           "invalid params: %s must be a non-negative integer (a number or a decimal string below "
                           "2^64), not the string \"%.30s\"",
                           name, t);
        return false;
    }
    yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                       "invalid params: %s must be a non-negative integer, not %s", name, type_name(v));
    return false;
}

bool yuma_rpc_param_string(const json_t *params, size_t pos, const char *name, bool required, const char **out,
                           yuma_rpc_error *err)
{
    const json_t *v = yuma_rpc_param(params, pos, name);
    if (!v) {
        if (!required) return true;
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL, "invalid params: missing %s (a string, parameter %zu)",
                           name, pos + 1);
        return false;
    }
    if (!json_is_string(v)) {
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL, "invalid params: %s must be a string, not %s", name,
                           type_name(v));
        return false;
    }
    *out = json_string_value(v);
    return true;
}

/* ---- built-in methods ---- */

static json_t *list_methods(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    static const char *const none[] = {NULL};
    if (!yuma_rpc_params_only(params, none, err)) return NULL;
    yuma_rpc_server *s = call->user;
    json_t *list = json_array();
    for (size_t i = 0; list && i < s->nmethods; i++)
        json_array_append_new(list, json_pack("{s:s, s:b}", "name", s->methods[i].name, "write",
                                              (s->methods[i].flags & YUMA_RPC_WRITE) != 0));
    return list;
}

/* Never called: the server answers chain_waitForBlock itself (it may
 * park the request); the entry exists for lookup, rpc_methods and metrics. */
static json_t *wait_placeholder(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)params;
    (void)call;
    yuma_rpc_error_set(err, YUMA_RPC_INTERNAL_ERROR, NULL, "internal error: %s dispatched as a handler", WAIT_METHOD);
    return NULL;
}

/* Caller holds wait_mu. */
static json_t *wait_result(yuma_rpc_server *s, bool timed_out)
{
    json_t *r = json_pack("{s:I, s:b}", "height", (json_int_t)s->height, "timed_out", timed_out);
    if (r && s->head_info && !timed_out) json_object_set(r, "block", s->head_info);
    return r;
}

enum wait_outcome { WAIT_ANSWERED, WAIT_PARK };

/* Answers at once (*result, or err) or says to park. Parking
 * registers the request under wait_mu; the caller then suspends. */
static enum wait_outcome wait_call(yuma_rpc_server *s, request *rq, const json_t *params, bool in_batch,
                                   const json_t *id, yuma_rpc_error *err, json_t **result)
{
    static const char *const names[] = {"after_height", "timeout_ms", NULL};
    uint64_t after = 0, timeout = DEFAULT_WAIT_MS < s->cfg.max_wait_ms ? DEFAULT_WAIT_MS : s->cfg.max_wait_ms;
    *result = NULL;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "after_height", true, &after, err) ||
        !yuma_rpc_param_u64(params, 1, "timeout_ms", false, &timeout, err))
        return WAIT_ANSWERED;
    if (timeout > s->cfg.max_wait_ms) {
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                           "invalid params: timeout_ms %" PRIu64 " is over this node's limit of %u; wait in several "
                           "calls",
                           timeout, s->cfg.max_wait_ms);
        return WAIT_ANSWERED;
    }
    pthread_mutex_lock(&s->wait_mu);
    enum wait_outcome out = WAIT_ANSWERED;
    if (s->height > after || timeout == 0 || !id) {
        /* A notification has nobody to answer: it never waits. */
        *result = wait_result(s, s->height <= after);
    } else if (s->stopping) {
        yuma_rpc_error_set(err, YUMA_RPC_UNAVAILABLE, NULL, "unavailable: the node is shutting down; reconnect later");
    } else if (in_batch) {
        yuma_rpc_error_set(err, YUMA_RPC_INVALID_PARAMS, NULL,
                           "invalid params: %s cannot wait inside a batch; send it as a single request (or with "
                           "timeout_ms 0)",
                           WAIT_METHOD);
    } else if (s->nwaiting >= s->cfg.max_waiters) {
        yuma_rpc_error_set(err, YUMA_RPC_UNAVAILABLE, NULL,
                           "unavailable: %zu requests are already waiting for blocks, this node's limit; retry later",
                           s->nwaiting);
    } else {
        rq->wait_state = W_PARKED;
        rq->suspended = false;
        rq->wait_after = after;
        rq->wait_t0 = now_us();
        rq->wait_deadline_us = rq->wait_t0 + timeout * 1000u;
        rq->wait_id = json_deep_copy(id);
        rq->next_waiter = s->waiters;
        s->waiters = rq;
        s->nwaiting++;
        out = WAIT_PARK;
    }
    pthread_mutex_unlock(&s->wait_mu);
    return out;
}

static void *waiter_main(void *arg)
{
    yuma_rpc_server *s = arg;
    pthread_mutex_lock(&s->wait_mu);
    for (;;) {
        uint64_t now = now_us(), next = UINT64_MAX;
        request *ready = NULL;
        for (request **pp = &s->waiters; *pp;) {
            request *rq = *pp;
            bool due = s->stopping || s->height > rq->wait_after || now >= rq->wait_deadline_us;
            if (!rq->suspended || !due) {
                if (rq->wait_deadline_us < next) next = rq->wait_deadline_us;
                pp = &rq->next_waiter;
                continue;
            }
            *pp = rq->next_waiter;
            s->nwaiting--;
            if (s->stopping && s->height <= rq->wait_after) {
                rq->wait_response = error_response(rq->wait_id, YUMA_RPC_UNAVAILABLE,
                                                   "unavailable: the node is shutting down; reconnect later", NULL);
            } else {
                rq->wait_response = result_response(rq->wait_id, wait_result(s, s->height <= rq->wait_after));
            }
            rq->wait_state = W_DONE;
            rq->next_ready = ready;
            ready = rq;
            atomic_fetch_add(&s->resumed_pending, 1);
        }
        if (ready) {
            pthread_mutex_unlock(&s->wait_mu);
            while (ready) {
                /* rq may be answered and freed once resumed: read first. */
                request *rq = ready;
                ready = rq->next_ready;
                MHD_resume_connection(rq->conn);
            }
            pthread_mutex_lock(&s->wait_mu);
            continue;
        }
        if (s->stopping && !s->waiters) break;
        if (next == UINT64_MAX) {
            pthread_cond_wait(&s->wait_cond, &s->wait_mu);
        } else {
            struct timespec ts = {.tv_sec = (time_t)(next / 1000000u), .tv_nsec = (long)(next % 1000000u) * 1000};
            pthread_cond_timedwait(&s->wait_cond, &s->wait_mu, &ts);
        }
    }
    pthread_mutex_unlock(&s->wait_mu);
    return NULL;
}

void yuma_rpc_notify_block_info(yuma_rpc_server *s, uint64_t height, json_t *info)
{
    pthread_mutex_lock(&s->wait_mu);
    if (height > s->height) {
        s->height = height;
        json_decref(s->head_info);
        s->head_info = info;
        info = NULL;
        pthread_cond_broadcast(&s->wait_cond);
    }
    pthread_mutex_unlock(&s->wait_mu);
    json_decref(info);
}

void yuma_rpc_notify_block(yuma_rpc_server *s, uint64_t height)
{
    yuma_rpc_notify_block_info(s, height, NULL);
}

/* ---- dispatch ---- */

static int auth_state(yuma_rpc_server *s, request *rq)
{
    if (rq->auth) return rq->auth;
    const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    size_t tlen = strlen(s->token);
    if (!h) rq->auth = 1;
    else if (strncasecmp(h, "Bearer ", 7) == 0 && strlen(h + 7) == tlen && sodium_memcmp(h + 7, s->token, tlen) == 0)
        rq->auth = 3;
    else rq->auth = 2;
    return rq->auth;
}

/* One call: its response, or NULL for a notification. *park set when the
 * call is a chain_waitForBlock that must wait (no response yet). */
static json_t *process_call(yuma_rpc_server *s, request *rq, const json_t *req, bool in_batch, bool *park)
{
    uint64_t t0 = now_us();
    atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
    const json_t *id, *params;
    const char *name;
    bool has_id;
    char msg[256];
    if (!validate(req, &id, &has_id, &name, &params, msg, sizeof msg)) {
        record(&s->no_method, O_INVALID_REQUEST, 0, false);
        return error_response(id, YUMA_RPC_INVALID_REQUEST, msg, NULL);
    }
    method_entry *m = find_method(s, name);
    if (!m) {
        record(&s->unknown_method, O_METHOD_NOT_FOUND, 0, false);
        if (!has_id) return NULL;
        snprintf(msg, sizeof msg, "method not found: \"%.60s\"; %s lists this node's methods", name, LIST_METHOD);
        return error_response(id, YUMA_RPC_METHOD_NOT_FOUND, msg, NULL);
    }
    yuma_rpc_error err = {0};
    json_t *result = NULL;
    if ((m->flags & YUMA_RPC_WRITE) && s->token) {
        int a = auth_state(s, rq);
        if (a == 1)
            yuma_rpc_error_set(&err, YUMA_RPC_UNAUTHORIZED, NULL,
                               "unauthorized: %s is a write method; send the node's RPC token as \"Authorization: "
                               "Bearer <token>\"",
                               m->name);
        else if (a == 2)
            yuma_rpc_error_set(&err, YUMA_RPC_UNAUTHORIZED, NULL,
                               "unauthorized: the Authorization header is not \"Bearer \" and this node's RPC token; "
                               "check the token");
    }
    if (!err.code) {
        if (strcmp(m->name, WAIT_METHOD) == 0) {
            if (wait_call(s, rq, params, in_batch, has_id ? id : NULL, &err, &result) == WAIT_PARK) {
                *park = true;
                return NULL;
            }
        } else {
            yuma_rpc_call call = {m->name, rq->ip, in_batch, m->user};
            result = m->handler(params, &call, &err);
            if (!err.code && !result)
                yuma_rpc_error_set(&err, YUMA_RPC_INTERNAL_ERROR, NULL,
                                   "internal error: %s returned no result; please report this", m->name);
        }
    }
    json_t *resp;
    if (err.code) {
        json_decref(result);
        resp = error_response(id, err.code, err.message, err.data);
    } else {
        resp = result_response(id, result);
    }
    record(m, outcome_of(err.code), now_us() - t0, true);
    if (!has_id) {
        json_decref(resp);
        return NULL;
    }
    return resp;
}

static enum MHD_Result send_too_large(yuma_rpc_server *s, request *rq)
{
    char msg[200];
    snprintf(msg, sizeof msg,
             "request too large: the body is over this node's limit of %zu bytes; send fewer calls per batch",
             s->cfg.max_body);
    record(&s->no_method, O_TOO_LARGE, 0, false);
    return send_json(s, rq->conn, 413, error_response(NULL, YUMA_RPC_TOO_LARGE, msg, NULL),
                     MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result handle_rpc(yuma_rpc_server *s, request *rq)
{
    if (rq->too_large) return send_too_large(s, rq);
    json_error_t jerr;
    json_t *doc = json_loadb(rq->body ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    /* Charged before a parse error is answered: malformed floods cost
     * tokens too. */
    bool batch = json_is_array(doc);
    size_t n = batch ? json_array_size(doc) : 1;
    if (s->cfg.rate_per_s > 0 && n > 0) {
        char msg[200];
        uint64_t wait_ms = 0;
        if (n > s->cfg.rate_burst) {
            snprintf(msg, sizeof msg,
                     "rate limited: a batch of %zu calls is more than this node's burst of %u calls per client; "
                     "split it",
                     n, s->cfg.rate_burst);
        } else if ((wait_ms = rl_take(&s->rl, rq->ipkey, (unsigned)n)) != 0) {
            snprintf(msg, sizeof msg, "rate limited: retry after %" PRIu64 " ms", wait_ms);
        }
        if (n > s->cfg.rate_burst || wait_ms) {
            json_decref(doc);
            atomic_fetch_add(&s->rate_limited, 1);
            record(&s->no_method, O_RATE_LIMITED, 0, false);
            json_t *data = wait_ms ? json_pack("{s:I}", "retry_after_ms", (json_int_t)wait_ms) : NULL;
            char secs[24];
            snprintf(secs, sizeof secs, "%" PRIu64, (wait_ms + 999) / 1000);
            return send_json(s, rq->conn, MHD_HTTP_TOO_MANY_REQUESTS,
                             error_response(NULL, YUMA_RPC_RATE_LIMITED, msg, data),
                             wait_ms ? "Retry-After" : NULL, secs);
        }
    }
    if (!doc) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "parse error: %.120s at line %d column %d; the body must be one JSON request object or an array of "
                 "them",
                 jerr.text, jerr.line, jerr.column);
        record(&s->no_method, O_PARSE_ERROR, 0, false);
        return send_json(s, rq->conn, MHD_HTTP_OK, error_response(NULL, YUMA_RPC_PARSE_ERROR, msg, NULL), NULL, NULL);
    }
    if (batch) {
        char msg[160];
        if (n == 0 || n > s->cfg.max_batch) {
            if (n == 0) snprintf(msg, sizeof msg, "invalid request: empty batch; send at least one request");
            else
                snprintf(msg, sizeof msg, "invalid request: a batch of %zu calls is over this node's limit of %zu; split it",
                         n, s->cfg.max_batch);
            json_decref(doc);
            record(&s->no_method, O_INVALID_REQUEST, 0, false);
            return send_json(s, rq->conn, MHD_HTTP_OK, error_response(NULL, YUMA_RPC_INVALID_REQUEST, msg, NULL),
                             NULL, NULL);
        }
        json_t *out = json_array();
        for (size_t i = 0; out && i < n; i++) {
            bool park = false; /* cannot happen in a batch */
            json_t *r = process_call(s, rq, json_array_get(doc, i), true, &park);
            if (r) json_array_append_new(out, r);
        }
        json_decref(doc);
        if (out && json_array_size(out) == 0) {
            json_decref(out);
            return send_empty(s, rq->conn, MHD_HTTP_NO_CONTENT);
        }
        return send_json(s, rq->conn, out ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR, out, NULL, NULL);
    }
    bool park = false;
    json_t *r = process_call(s, rq, doc, false, &park);
    json_decref(doc);
    if (park) {
        MHD_suspend_connection(rq->conn);
        pthread_mutex_lock(&s->wait_mu);
        rq->suspended = true;
        pthread_cond_signal(&s->wait_cond);
        pthread_mutex_unlock(&s->wait_mu);
        return MHD_YES;
    }
    if (!r) return send_empty(s, rq->conn, MHD_HTTP_NO_CONTENT);
    return send_json(s, rq->conn, MHD_HTTP_OK, r, NULL, NULL);
}

/* ---- health and metrics ---- */

static enum MHD_Result handle_health(yuma_rpc_server *s, request *rq)
{
    pthread_mutex_lock(&s->wait_mu);
    uint64_t height = s->height, waiting = s->nwaiting;
    pthread_mutex_unlock(&s->wait_mu);
    json_t *h = json_pack("{s:s, s:I, s:I, s:I, s:I}", "status", "ok", "height", (json_int_t)height, "uptime_s",
                          (json_int_t)((now_us() - s->started_us) / 1000000u), "waiting", (json_int_t)waiting,
                          "connections", (json_int_t)atomic_load(&s->conn_open));
    if (h && s->cfg.health) {
        json_t *extra = s->cfg.health(s->cfg.health_user);
        if (json_is_object(extra)) json_object_update(h, extra);
        json_decref(extra);
    }
    const char *status = json_string_value(json_object_get(h, "status"));
    unsigned code = status && strcmp(status, "ok") == 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
    return send_json(s, rq->conn, h ? code : MHD_HTTP_INTERNAL_SERVER_ERROR, h, NULL, NULL);
}

typedef struct {
    char *buf;
    size_t len, cap;
    bool failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->failed = true;
            return;
        }
        if ((size_t)w < b->cap - b->len) {
            b->len += (size_t)w;
            return;
        }
        size_t ncap = (b->cap + (size_t)w + 1) * 2;
        char *grown = realloc(b->buf, ncap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->buf = grown;
        b->cap = ncap;
    }
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 3 < len; in++) {
        if (*in == '\\' || *in == '"') out[o++] = '\\';
        if (*in == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
            continue;
        }
        out[o++] = *in;
    }
    out[o] = 0;
}

static void metric_outcomes(strbuf *b, method_entry *m)
{
    char name[200];
    label(m->name, name, sizeof name);
    for (int o = 0; o < O_COUNT; o++) {
        uint64_t v = atomic_load(&m->outcomes[o]);
        if (v) sb_printf(b, "yuma_rpc_calls_total{method=\"%s\",outcome=\"%s\"} %" PRIu64 "\n", name, outcome_name[o], v);
    }
}

static enum MHD_Result handle_metrics(yuma_rpc_server *s, request *rq)
{
    strbuf b = {0};
    b.cap = 4096;
    b.buf = malloc(b.cap);
    if (!b.buf) return MHD_NO;
    b.buf[0] = 0;
    sb_printf(&b, "# HELP yuma_rpc_calls_total JSON-RPC calls by method and outcome.\n"
                  "# TYPE yuma_rpc_calls_total counter\n");
    for (size_t i = 0; i < s->nmethods; i++) metric_outcomes(&b, &s->methods[i]);
    metric_outcomes(&b, &s->unknown_method);
    metric_outcomes(&b, &s->no_method);
    sb_printf(&b, "# HELP yuma_rpc_call_duration_seconds Time from dispatch to answer of a call, by method.\n"
                  "# TYPE yuma_rpc_call_duration_seconds histogram\n");
    for (size_t i = 0; i < s->nmethods; i++) {
        method_entry *m = &s->methods[i];
        uint64_t cum = 0, counts[NBUCKETS + 1];
        for (size_t k = 0; k <= NBUCKETS; k++) cum += counts[k] = atomic_load(&m->buckets[k]);
        if (!cum) continue;
        char name[200];
        label(m->name, name, sizeof name);
        cum = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cum += counts[k];
            sb_printf(&b, "yuma_rpc_call_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %" PRIu64 "\n", name,
                      (double)bucket_us[k] / 1e6, cum);
        }
        cum += counts[NBUCKETS];
        sb_printf(&b, "yuma_rpc_call_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", name, cum);
        sb_printf(&b, "yuma_rpc_call_duration_seconds_sum{method=\"%s\"} %.6f\n", name,
                  (double)atomic_load(&m->sum_us) / 1e6);
        sb_printf(&b, "yuma_rpc_call_duration_seconds_count{method=\"%s\"} %" PRIu64 "\n", name, cum);
    }
    sb_printf(&b, "# HELP yuma_rpc_http_responses_total HTTP responses by status code.\n"
                  "# TYPE yuma_rpc_http_responses_total counter\n");
    for (size_t i = 0; i <= NHTTP; i++) {
        uint64_t v = atomic_load(&s->http_status[i]);
        if (!v) continue;
        if (i < NHTTP) sb_printf(&b, "yuma_rpc_http_responses_total{code=\"%u\"} %" PRIu64 "\n", http_codes[i], v);
        else sb_printf(&b, "yuma_rpc_http_responses_total{code=\"other\"} %" PRIu64 "\n", v);
    }
    pthread_mutex_lock(&s->wait_mu);
    uint64_t height = s->height, waiting = s->nwaiting;
    pthread_mutex_unlock(&s->wait_mu);
    sb_printf(&b,
              "# HELP yuma_rpc_rate_limited_total Requests refused by the per-client rate limit.\n"
              "# TYPE yuma_rpc_rate_limited_total counter\n"
              "yuma_rpc_rate_limited_total %" PRIu64 "\n"
              "# HELP yuma_rpc_connections_opened_total TCP connections accepted.\n"
              "# TYPE yuma_rpc_connections_opened_total counter\n"
              "yuma_rpc_connections_opened_total %" PRIu64 "\n"
              "# HELP yuma_rpc_connections_open TCP connections open now.\n"
              "# TYPE yuma_rpc_connections_open gauge\n"
              "yuma_rpc_connections_open %" PRIu64 "\n"
              "# HELP yuma_rpc_waiting Requests parked in chain_waitForBlock.\n"
              "# TYPE yuma_rpc_waiting gauge\n"
              "yuma_rpc_waiting %" PRIu64 "\n"
              "# HELP yuma_rpc_block_height The newest block height the node announced.\n"
              "# TYPE yuma_rpc_block_height gauge\n"
              "yuma_rpc_block_height %" PRIu64 "\n",
              atomic_load(&s->rate_limited), atomic_load(&s->conn_opened), atomic_load(&s->conn_open), waiting, height);
    char *extra = s->cfg.metrics ? s->cfg.metrics(s->cfg.metrics_user) : NULL;
    if (extra) sb_printf(&b, "%s", extra);
    free(extra);
    if (b.failed) {
        free(b.buf);
        return MHD_NO;
    }
    return send_text(s, rq->conn, MHD_HTTP_OK, b.buf, "text/plain; version=0.0.4; charset=utf-8", NULL, NULL);
}

/* ---- MHD callbacks ---- */

static enum MHD_Result send_http_error(yuma_rpc_server *s, request *rq, unsigned status, const char *message,
                                       const char *allow)
{
    return send_json(s, rq->conn, status, json_pack("{s:s}", "error", message), allow ? MHD_HTTP_HEADER_ALLOW : NULL,
                     allow);
}

static void client_address(request *rq)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    memset(rq->ipkey, 0, 16);
    snprintf(rq->ip, sizeof rq->ip, "unknown");
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, rq->ip, sizeof rq->ip);
        rq->ipkey[10] = rq->ipkey[11] = 0xff;
        memcpy(rq->ipkey + 12, &v4->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, rq->ip, sizeof rq->ip);
        memcpy(rq->ipkey, &v6->sin6_addr, 16);
        /* One IPv6 client usually holds a whole /64: limit the prefix,
         * unless the address is an IPv4-mapped one. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(rq->ipkey, mapped, 12) != 0) memset(rq->ipkey + 8, 0, 8);
    }
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)version;
    yuma_rpc_server *s = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        rq->conn = conn;
        client_address(rq);
        *con_cls = rq;
        /* A declared length over the limit is refused before its body is
         * read; MHD then closes the connection after the answer. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body) {
            rq->too_large = true;
            return send_too_large(s, rq);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->too_large && rq->len + *upload_data_size > s->cfg.max_body) {
            /* No declared length (chunked): read on and drop the rest. */
            rq->too_large = true;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
        }
        if (rq->too_large) {
            /* Answering needs the end of the body; a sender that streams
             * on and on is cut off instead. */
            rq->dropped += *upload_data_size;
            if (rq->dropped > 16 * s->cfg.max_body) return MHD_NO;
        } else {
            if (rq->len + *upload_data_size > rq->cap) {
                size_t ncap = rq->cap ? rq->cap : 1024;
                while (ncap < rq->len + *upload_data_size) ncap *= 2;
                if (ncap > s->cfg.max_body) ncap = s->cfg.max_body;
                char *grown = realloc(rq->body, ncap);
                if (!grown) return MHD_NO;
                rq->body = grown;
                rq->cap = ncap;
            }
            memcpy(rq->body + rq->len, upload_data, *upload_data_size);
            rq->len += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->wait_state == W_DONE) {
        json_t *resp = rq->wait_response;
        rq->wait_response = NULL;
        method_entry *m = find_method(s, WAIT_METHOD);
        json_t *err = json_object_get(resp, "error");
        record(m, outcome_of(err ? (int)json_integer_value(json_object_get(err, "code")) : 0), now_us() - rq->wait_t0,
               true);
        return send_json(s, conn, MHD_HTTP_OK, resp, NULL, NULL);
    }
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0, post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (strcmp(url, "/") == 0) {
        if (!post) return send_http_error(s, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST with a JSON-RPC 2.0 body", "POST");
        return handle_rpc(s, rq);
    }
    if (strcmp(url, "/health") == 0 || strcmp(url, "/metrics") == 0) {
        if (!get) return send_http_error(s, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", "GET");
        return url[1] == 'h' ? handle_health(s, rq) : handle_metrics(s, rq);
    }
    return send_http_error(s, rq, MHD_HTTP_NOT_FOUND,
                           "not found; this server has POST / (JSON-RPC 2.0), GET /health and GET /metrics", NULL);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    yuma_rpc_server *s = cls;
    request *rq = *con_cls;
    if (!rq) return;
    if (rq->wait_state == W_PARKED) {
        /* Only reachable if MHD ends a parked request itself. */
        pthread_mutex_lock(&s->wait_mu);
        for (request **pp = &s->waiters; *pp; pp = &(*pp)->next_waiter)
            if (*pp == rq) {
                *pp = rq->next_waiter;
                s->nwaiting--;
                break;
            }
        pthread_mutex_unlock(&s->wait_mu);
    }
    /* Counted down only now, when the answer has been written (or the
     * connection died): stop waits for this before closing connections. */
    if (rq->wait_state == W_DONE) atomic_fetch_sub(&s->resumed_pending, 1);
    json_decref(rq->wait_id);
    json_decref(rq->wait_response);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)conn;
    (void)socket_context;
    yuma_rpc_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&s->conn_opened, 1);
        atomic_fetch_add(&s->conn_open, 1);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub(&s->conn_open, 1);
    }
}

/* ---- start and stop ---- */

bool yuma_rpc_start(yuma_rpc_server *s, char *err, size_t err_len)
{
    if (s->daemon) {
        snprintf(err, err_len, "the RPC server is already running on port %u", s->port);
        return false;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s->address, &v4->sin_addr) == 1) {
        family = v4->sin_family = AF_INET;
        v4->sin_port = htons(s->cfg.port);
        sl = sizeof *v4;
    } else if (inet_pton(AF_INET6, s->address, &v6->sin6_addr) == 1) {
        family = v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(s->cfg.port);
        sl = sizeof *v6;
    } else {
        snprintf(err, err_len, "RPC address \"%s\" is not an IPv4 or IPv6 address; use one like 127.0.0.1 or ::1",
                 s->address);
        return false;
    }
    /* The socket is ours, not MHD's, so a failure says why (errno) and
     * port 0 can report the port the kernel chose. */
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) {
        snprintf(err, err_len, "cannot create the RPC socket: %s", strerror(errno));
        return false;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        snprintf(err, err_len, "cannot listen on %s port %u: %s%s", s->address, s->cfg.port, strerror(e),
                 e == EADDRINUSE ? "; choose another port, or 0 for any free one" : "");
        return false;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    s->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                      : ((struct sockaddr_in6 *)&bound)->sin6_port);
    s->stopping = false;
    if (pthread_create(&s->waiter, NULL, waiter_main, s) != 0) {
        close(fd);
        snprintf(err, err_len, "cannot start the RPC waiter thread");
        return false;
    }
    s->waiter_running = true;
    s->started_us = now_us();
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | (family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s, MHD_OPTION_LISTEN_SOCKET, fd,
                                 MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, MHD_OPTION_CONNECTION_LIMIT,
                                 s->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.idle_timeout_s,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
                                 on_connection, s, MHD_OPTION_END);
    if (!s->daemon) {
        close(fd);
        yuma_rpc_stop(s);
        snprintf(err, err_len, "the HTTP server did not start on %s port %u (libmicrohttpd refused its options)",
                 s->address, s->port);
        s->port = 0;
        return false;
    }
    return true;
}

uint16_t yuma_rpc_port(const yuma_rpc_server *s)
{
    return s->port;
}

void yuma_rpc_stop(yuma_rpc_server *s)
{
    if (!s) return;
    if (s->waiter_running) {
        pthread_mutex_lock(&s->wait_mu);
        s->stopping = true;
        pthread_cond_broadcast(&s->wait_cond);
        pthread_mutex_unlock(&s->wait_mu);
        pthread_join(s->waiter, NULL);
        s->waiter_running = false;
    }
    if (s->daemon) {
        /* Let the resumed requests send their "shutting down" answers
         * (bounded: a dead client must not hold up the node). */
        for (int i = 0; i < 2000 && atomic_load(&s->resumed_pending) > 0; i++) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        MHD_stop_daemon(s->daemon);
        s->daemon = NULL;
    }
}

void yuma_rpc_free(yuma_rpc_server *s)
{
    if (!s) return;
    yuma_rpc_stop(s);
    for (size_t i = 0; i < s->nmethods; i++) free(s->methods[i].name);
    free(s->methods);
    free(s->unknown_method.name);
    free(s->no_method.name);
    free(s->rl.slot);
    json_decref(s->head_info);
    pthread_mutex_destroy(&s->rl.mu);
    pthread_mutex_destroy(&s->wait_mu);
    pthread_cond_destroy(&s->wait_cond);
    free(s->address);
    free(s->token);
    free(s);
}

void yuma_rpc_get_stats(yuma_rpc_server *s, yuma_rpc_stats *out)
{
    memset(out, 0, sizeof *out);
    out->connections_opened = atomic_load(&s->conn_opened);
    out->connections_open = atomic_load(&s->conn_open);
    out->requests = atomic_load(&s->requests);
    out->calls = atomic_load(&s->calls);
    out->rate_limited = atomic_load(&s->rate_limited);
    pthread_mutex_lock(&s->wait_mu);
    out->waiting = s->nwaiting;
    out->height = s->height;
    pthread_mutex_unlock(&s->wait_mu);
}
