/*
 * rpc_client.h - a JSON-RPC 2.0 client for the node's RPC server (libcurl).
 *
 * A client owns one curl easy handle for its whole life, so consecutive
 * calls reuse one keep-alive connection; yuma_rpc_client_free() closes it
 * and releases everything (there is no global state to clean up besides
 * libcurl's own, initialised once). A client is used by one thread at a
 * time; make one per thread.
 *
 * Retries: only when no connection could be made (refused, unreachable,
 * unresolvable), where the request was certainly not sent, with doubling
 * delays. A timeout or a broken connection after sending is reported, not
 * retried, because the node may already have acted on a write.
 */
#ifndef YUMA_RPC_CLIENT_H
#define YUMA_RPC_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "yuma/rpc.h"

/* A zero field takes its default. */
typedef struct {
    const char *url;           /* e.g. "http://127.0.0.1:9944/"; copied; required */
    const char *auth_token;    /* sent as "Authorization: Bearer <token>"; NULL for none */
    long timeout_ms;           /* one call, connecting included (default 30000) */
    long connect_timeout_ms;   /* default 5000 */
    unsigned retries;          /* connection attempts after the first (default 3) */
    bool no_retry;             /* set to make no retry at all (retries is then ignored) */
    long backoff_ms;           /* delay before the first retry, doubling, at most 2 s (default 100) */
    size_t max_response;       /* bytes of a response body (default 64 MiB) */
} yuma_rpc_client_config;

typedef enum {
    YUMA_RPC_CLIENT_OK = 0,
    YUMA_RPC_CLIENT_REMOTE,    /* the server answered with a JSON-RPC error: see code, data */
    YUMA_RPC_CLIENT_TRANSPORT, /* no answer: cannot connect, timeout, connection lost */
    YUMA_RPC_CLIENT_PROTOCOL,  /* an answer that is not a JSON-RPC response to this call */
    YUMA_RPC_CLIENT_NOMEM,
} yuma_rpc_client_status;

typedef struct {
    yuma_rpc_client_status status;
    int code;          /* REMOTE: the JSON-RPC error code */
    long http_status;  /* the HTTP status when there was an answer, else 0 */
    char message[512]; /* one line: the server's message, or what went wrong and what to check */
    json_t *data;      /* REMOTE: the error's data or NULL; borrowed, valid until the next call or free */
} yuma_rpc_client_error;

typedef struct yuma_rpc_client yuma_rpc_client;

/* NULL when the url is missing or memory or curl cannot be had. */
yuma_rpc_client *yuma_rpc_client_new(const yuma_rpc_client_config *cfg);
void yuma_rpc_client_free(yuma_rpc_client *c);

/* Calls method with params (an array, an object or NULL; borrowed).
 * Returns the result (a new reference) or NULL with *err filled. */
json_t *yuma_rpc_client_call(yuma_rpc_client *c, const char *method, const json_t *params,
                             yuma_rpc_client_error *err);
/* The same with this call's own timeout (for long polls). */
json_t *yuma_rpc_client_call_timeout(yuma_rpc_client *c, const char *method, const json_t *params, long timeout_ms,
                                     yuma_rpc_client_error *err);

/* chain_waitForBlock: waits up to timeout_ms for a block above
 * after_height. True with *height (and *timed_out) on an answer. */
bool yuma_rpc_client_wait_block(yuma_rpc_client *c, uint64_t after_height, unsigned timeout_ms, uint64_t *height,
                                bool *timed_out, yuma_rpc_client_error *err);

typedef struct {
    uint64_t calls;       /* calls made */
    uint64_t retries;     /* connection attempts repeated after a failure */
    uint64_t connections; /* TCP connections opened (curl's count; 1 when all calls reused one) */
} yuma_rpc_client_stats;

void yuma_rpc_client_get_stats(const yuma_rpc_client *c, yuma_rpc_client_stats *out);

#endif
