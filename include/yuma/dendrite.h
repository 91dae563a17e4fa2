/*
 * dendrite.h - a validator's client for miners' axons (docs/SDK.md
 * "Dendrite"): signs each request for the axon it goes to (axon.h), sends
 * them to many axons at once (libcurl multi) with a timeout per request,
 * and reports each axon's outcome, HTTP status, latency and body. It also
 * fetches an axon's files and checks their size and BLAKE2b-256.
 *
 * A dendrite keeps its connections between queries (one per axon, reused
 * with keep-alive) and closes them in yuma_dendrite_free(). It is for one
 * thread at a time. Nonces are the wall clock in nanoseconds, or one more
 * than the last when the clock has not moved on, so they keep increasing
 * across restarts of the validator.
 */
#ifndef YUMA_DENDRITE_H
#define YUMA_DENDRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/keys.h"
#include "yuma/metagraph.h"

/* A zero field takes its default. */
typedef struct {
    const yuma_keypair *caller; /* the validator's hotkey (copied; required) */
    size_t max_response;        /* bytes of one answer (default 16 MiB; a file fetch to disk is not limited) */
    unsigned max_parallel;      /* connections at once (default 64; more targets wait their turn) */
    long connect_timeout_ms;    /* default 2000 (and never more than a request's timeout) */
} yuma_dendrite_config;

typedef struct {
    char host[48];          /* IPv4 or IPv6 literal */
    uint16_t port;
    yuma_pubkey hotkey;     /* the axon's hotkey: requests are signed for it */
    int uid;                /* the neuron's uid, -1 when not known */
} yuma_dendrite_target;

/* The target of a neuron's axon; false when it serves none. */
bool yuma_dendrite_target_of(const yuma_neuron *nr, yuma_dendrite_target *t);

typedef enum {
    YUMA_DENDRITE_ERROR = 0,    /* not sent: a bad target or route, out of memory */
    YUMA_DENDRITE_UNREACHABLE,  /* no connection could be made */
    YUMA_DENDRITE_TIMEOUT,      /* no whole answer within the timeout */
    YUMA_DENDRITE_TOO_LARGE,    /* the answer is over max_response */
    YUMA_DENDRITE_CORRUPT,      /* a file whose size or checksum does not match what the axon declared */
    YUMA_DENDRITE_REFUSED,      /* the axon answered with an HTTP error (status, reason, error) */
    YUMA_DENDRITE_OK,           /* HTTP 2xx */
} yuma_dendrite_outcome;

typedef struct {
    yuma_dendrite_outcome outcome;
    long http_status;           /* 0 without an answer */
    double latency_ms;          /* from sending to the whole answer (or to giving up) */
    uint8_t *body;              /* malloc'd and NUL-terminated (not counted in body_len); NULL for none */
    size_t body_len;
    char reason[32];            /* REFUSED: the axon's reason word ("stale", "rate_limited", ...) */
    char error[256];            /* not OK: one line saying what happened */
    char checksum[65];          /* files: the axon's X-Yuma-Blake2b-256 */
    uint64_t mtime_ms;          /* files: X-Yuma-Mtime-Ms */
} yuma_dendrite_response;

typedef struct yuma_dendrite yuma_dendrite;

yuma_dendrite *yuma_dendrite_new(const yuma_dendrite_config *cfg);
void yuma_dendrite_free(yuma_dendrite *d);

/* POSTs body to /<route> of each of the n targets at once; out[i] is
 * target i's response (free with yuma_dendrite_responses_free). Returns
 * how many answered OK. */
size_t yuma_dendrite_query(yuma_dendrite *d, const yuma_dendrite_target *targets, size_t n, const char *route,
                           const void *body, size_t body_len, const char *content_type, long timeout_ms,
                           yuma_dendrite_response *out);

/* GETs /files/<name> from one axon and checks the declared length and
 * BLAKE2b-256 against what arrived. With dest_path the content goes to
 * dest_path (written as dest_path.part, renamed when it checks out) and
 * body stays NULL; otherwise it is in body. True when OK. */
bool yuma_dendrite_fetch_file(yuma_dendrite *d, const yuma_dendrite_target *t, const char *name,
                              const char *dest_path, long timeout_ms, yuma_dendrite_response *out);

/* GET /files: the axon's file list (JSON in body). True when OK. */
bool yuma_dendrite_list_files(yuma_dendrite *d, const yuma_dendrite_target *t, long timeout_ms,
                              yuma_dendrite_response *out);

void yuma_dendrite_response_free(yuma_dendrite_response *r);
void yuma_dendrite_responses_free(yuma_dendrite_response *r, size_t n);

typedef struct {
    uint64_t requests;
    uint64_t connections;   /* TCP connections opened (1 per axon when all requests reused them) */
} yuma_dendrite_stats;

void yuma_dendrite_get_stats(const yuma_dendrite *d, yuma_dendrite_stats *out);

const char *yuma_dendrite_outcome_name(yuma_dendrite_outcome o);

#endif
