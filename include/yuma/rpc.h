/*
 * rpc.h - the node's JSON-RPC 2.0 server over HTTP (libmicrohttpd), and
 * the generic behaviour every method shares (docs/RPC.md): strict request
 * validation, batches, a body size limit, per-client rate limiting, a
 * bearer token for write methods, GET /health and GET /metrics, and a
 * long-poll for new blocks.
 *
 * The node registers its methods (name, handler, flags) and starts the
 * server; a handler turns params into a result or an error. Handlers run
 * on the server's threads, several at once, so whatever they touch must be
 * thread-safe. The server answers chain_waitForBlock itself: the request is
 * parked (its connection suspended, no thread held) until the node calls
 * yuma_rpc_notify_block() with a newer height or the timeout passes.
 *
 * Lifecycle: yuma_rpc_new(), yuma_rpc_add_method() for each method,
 * yuma_rpc_start(), ... yuma_rpc_stop() (answers parked requests and waits
 * for the server's threads), yuma_rpc_free().
 */
#ifndef YUMA_RPC_H
#define YUMA_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* JSON-RPC 2.0 error codes. */
#define YUMA_RPC_PARSE_ERROR -32700      /* the body is not JSON */
#define YUMA_RPC_INVALID_REQUEST -32600  /* JSON, but not a request object (or batch) */
#define YUMA_RPC_METHOD_NOT_FOUND -32601
#define YUMA_RPC_INVALID_PARAMS -32602
#define YUMA_RPC_INTERNAL_ERROR -32603
/* The server's own application errors; the node's methods may use the
 * rest of -32000 .. -32099 for theirs. */
#define YUMA_RPC_UNAUTHORIZED -32001     /* a write method without the right bearer token */
#define YUMA_RPC_TOO_LARGE -32002        /* body over max_body (HTTP 413) */
#define YUMA_RPC_UNAVAILABLE -32003      /* shutting down, or too many parked requests */
#define YUMA_RPC_RATE_LIMITED -32005     /* the client's token bucket is empty (HTTP 429) */

/* An error a handler returns. */
typedef struct {
    int code;          /* 0 = no error */
    char message[256]; /* one line that names the problem and the fix */
    json_t *data;      /* optional; the server takes this reference */
} yuma_rpc_error;

/* Sets code, message (printf-style) and data (stolen, may be NULL). */
void yuma_rpc_error_set(yuma_rpc_error *e, int code, json_t *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What a handler knows about the call. */
typedef struct {
    const char *method;
    const char *client_ip; /* the peer's address, text */
    bool in_batch;
    void *user;            /* the method's user pointer */
} yuma_rpc_call;

/* Returns the result (a new reference), or NULL after setting err. NULL
 * with err->code 0 is reported as an internal error. params is an array,
 * an object, or NULL when the request had none. */
typedef json_t *(*yuma_rpc_handler)(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err);

#define YUMA_RPC_WRITE 1u /* needs the bearer token when one is configured */

typedef struct {
    const char *name; /* copied; not empty, not "rpc." + anything (reserved by JSON-RPC) */
    yuma_rpc_handler handler;
    unsigned flags;   /* YUMA_RPC_WRITE */
    void *user;
} yuma_rpc_method;

/* Optional extra fields for GET /health; a "status" other than "ok" makes
 * the answer HTTP 503. Returns a new object (or NULL). */
typedef json_t *(*yuma_rpc_health_fn)(void *user);
/* Optional text appended to GET /metrics (Prometheus format): malloc'd,
 * freed by the server; NULL for none. */
typedef char *(*yuma_rpc_metrics_fn)(void *user);

/* A zero field takes its default. */
typedef struct {
    const char *address;        /* IPv4 or IPv6 literal; default "127.0.0.1" */
    uint16_t port;              /* 0 = any free port (yuma_rpc_port() says which) */
    unsigned threads;           /* HTTP threads (default 4) */
    unsigned max_connections;   /* default 256 */
    unsigned max_per_ip;        /* connections from one address (default 64) */
    unsigned idle_timeout_s;    /* an idle keep-alive connection closes after this (default 60) */
    size_t max_body;            /* bytes of a request body (default 1 MiB) */
    size_t max_batch;           /* calls in one batch (default 100) */
    double rate_per_s;          /* calls per second per client IP; 0 = no rate limit */
    unsigned rate_burst;        /* bucket size (default: max(1, 2 x rate_per_s)) */
    unsigned rate_clients;      /* clients tracked at once (default 4096) */
    const char *auth_token;     /* NULL: write methods are open; copied */
    unsigned max_wait_ms;       /* longest chain_waitForBlock timeout (default 60000) */
    unsigned max_waiters;       /* parked requests at once (default 1024) */
    yuma_rpc_health_fn health;
    void *health_user;
    yuma_rpc_metrics_fn metrics;
    void *metrics_user;
} yuma_rpc_config;

typedef struct yuma_rpc_server yuma_rpc_server;

/* NULL when out of memory. */
yuma_rpc_server *yuma_rpc_new(const yuma_rpc_config *cfg);
/* False (with a message) for a bad name, a duplicate, or after start. */
bool yuma_rpc_add_method(yuma_rpc_server *s, const yuma_rpc_method *m, char *err, size_t err_len);
/* Listens and serves; false with a message that says why not (address,
 * port in use, ...). */
bool yuma_rpc_start(yuma_rpc_server *s, char *err, size_t err_len);
uint16_t yuma_rpc_port(const yuma_rpc_server *s);
/* Answers parked requests (YUMA_RPC_UNAVAILABLE), closes every connection
 * and joins the threads. Idempotent; yuma_rpc_free() calls it. */
void yuma_rpc_stop(yuma_rpc_server *s);
void yuma_rpc_free(yuma_rpc_server *s);

/* The node's newest block height: wakes the chain_waitForBlock requests it
 * satisfies. info (stolen, may be NULL) is returned to them as "block". A
 * height at or below the current one is ignored (info is released). */
void yuma_rpc_notify_block(yuma_rpc_server *s, uint64_t height);
void yuma_rpc_notify_block_info(yuma_rpc_server *s, uint64_t height, json_t *info);

typedef struct {
    uint64_t connections_opened; /* TCP connections accepted, ever */
    uint64_t connections_open;   /* now */
    uint64_t requests;           /* HTTP requests answered */
    uint64_t calls;              /* JSON-RPC calls (batch members counted one by one) */
    uint64_t rate_limited;       /* requests refused by the rate limit */
    uint64_t waiting;            /* parked chain_waitForBlock requests now */
    uint64_t height;             /* last notified block height */
} yuma_rpc_stats;

void yuma_rpc_get_stats(yuma_rpc_server *s, yuma_rpc_stats *out);

/* ---- helpers for handlers ---- */

/* The parameter at position pos (array params) or called name (object
 * params); NULL when absent. */
const json_t *yuma_rpc_param(const json_t *params, size_t pos, const char *name);
/* Refuses params with more positions than names, or names not listed:
 * false with YUMA_RPC_INVALID_PARAMS ("unknown parameter \"x\"; this
 * method takes a, b"). names ends with NULL. */
bool yuma_rpc_params_only(const json_t *params, const char *const *names, yuma_rpc_error *err);
/* Reads a non-negative integer parameter; absent and not required leaves
 * *out untouched. False with YUMA_RPC_INVALID_PARAMS naming the parameter
 * and what it must be. */
bool yuma_rpc_param_u64(const json_t *params, size_t pos, const char *name, bool required, uint64_t *out,
                        yuma_rpc_error *err);
bool yuma_rpc_param_string(const json_t *params, size_t pos, const char *name, bool required, const char **out,
                           yuma_rpc_error *err);

#endif
