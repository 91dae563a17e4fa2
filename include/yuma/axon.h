/*
 * axon.h - a miner's HTTP server (libmicrohttpd) for the routes its subnet
 * defines, which only answers requests signed by registered callers
 * (docs/SDK.md "Axon").
 *
 * A route is POST /<name> with any body (JSON or binary); the subnet's
 * handler turns the body into an answer. Before a handler runs, the axon
 * checks, in this order, and refuses with a JSON error
 * {"error": "<one line>", "reason": "<word>"} and an HTTP status:
 *
 *   route and method                  404 not_found, 405 method
 *   body size (max_body)              413 too_large
 *   the four signature headers        401 unsigned; 400 bad_header when malformed
 *   the ed25519 signature             401 bad_signature
 *   freshness |now - timestamp|       401 stale
 *   caller registered on the subnet   403 unregistered
 *   caller's stake / permit           403 low_stake, 403 no_permit
 *   nonce above the caller's last     401 replayed
 *   caller's token bucket             429 rate_limited (Retry-After)
 *
 * The signature is the caller hotkey's ed25519 signature over the text
 * yuma_axon_message() builds: method, path, BLAKE2b-256 of the body, nonce,
 * timestamp, the axon's hotkey and the caller's, one per line, so a
 * request can be sent to neither another axon, another path, with another
 * body, nor twice. Registration, stake and permits come from the metagraph
 * given to yuma_axon_set_metagraph() (keep it synced: see metagraph.h).
 * Rate limits are per caller hotkey, charged only for requests that
 * passed every other check, so a third party replaying a caller's
 * requests cannot spend that caller's tokens.
 *
 * Files: with files_dir set, GET /files/<name> serves that directory's
 * regular files read-only with the same checks (an empty body), with
 * Content-Length, X-Yuma-Blake2b-256 (hex of the content's BLAKE2b-256)
 * and X-Yuma-Mtime-Ms headers; GET /files lists them as JSON. Names are
 * 1..200 of [A-Za-z0-9._-], not starting with a dot (400 bad_name);
 * a missing file is 404 no_file. Writers should write a temporary name and
 * rename it, so a reader never sees half a file.
 *
 * Each connection has its own thread, so a slow handler delays only its
 * own caller; handlers run several at once and must be thread-safe.
 */
#ifndef YUMA_AXON_H
#define YUMA_AXON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "yuma/keys.h"
#include "yuma/metagraph.h"

/* The request headers (names are case-insensitive in HTTP). */
#define YUMA_AXON_H_CALLER "X-Yuma-Caller"       /* the caller's hotkey, SS58 */
#define YUMA_AXON_H_NONCE "X-Yuma-Nonce"         /* decimal u64, strictly increasing per caller */
#define YUMA_AXON_H_TIMESTAMP "X-Yuma-Timestamp" /* milliseconds since the Unix epoch, decimal */
#define YUMA_AXON_H_SIGNATURE "X-Yuma-Signature" /* 128 hex digits: ed25519 over yuma_axon_message() */
/* Response headers of a file. */
#define YUMA_AXON_H_CHECKSUM "X-Yuma-Blake2b-256"
#define YUMA_AXON_H_MTIME "X-Yuma-Mtime-Ms"

/* Longest message yuma_axon_message() writes (a path up to 1024 bytes). */
#define YUMA_AXON_MESSAGE_MAX 1400
#define YUMA_AXON_PATH_MAX 1024

/* The signed text:
 *   "yuma-axon-v1\n" METHOD "\n" PATH "\n" hex(BLAKE2b-256(body)) "\n"
 *   NONCE "\n" TIMESTAMP_MS "\n" AXON_HOTKEY_SS58 "\n" CALLER_HOTKEY_SS58
 * (no final newline). Returns its length, 0 when it does not fit or the
 * path is longer than YUMA_AXON_PATH_MAX. */
size_t yuma_axon_message(char out[YUMA_AXON_MESSAGE_MAX], const char *method, const char *path, const void *body,
                         size_t body_len, uint64_t nonce, uint64_t timestamp_ms, const yuma_pubkey *axon_hotkey,
                         const yuma_pubkey *caller);
/* The X-Yuma-Signature value for a request (hex, 129 bytes with the NUL);
 * false when the message does not fit. */
bool yuma_axon_sign(const yuma_keypair *caller, const char *method, const char *path, const void *body,
                    size_t body_len, uint64_t nonce, uint64_t timestamp_ms, const yuma_pubkey *axon_hotkey,
                    char signature_hex[129]);

/* A zero field takes its default. */
typedef struct {
    yuma_pubkey hotkey;        /* the miner's hotkey: requests must be signed for it (required) */
    const char *address;       /* IPv4 or IPv6 literal to listen on (default 127.0.0.1) */
    uint16_t port;             /* 0 = any free port (yuma_axon_port() says which) */
    size_t max_body;           /* bytes (default 1 MiB) */
    unsigned freshness_ms;     /* the largest |now - timestamp| accepted (default 30000) */
    double rate_per_s;         /* requests per second per caller (default 20) */
    double burst;              /* bucket size (default 2 x rate, at least 1) */
    uint64_t min_stake;        /* callers' alpha stake on the subnet, rao (default 0: any) */
    bool require_permit;       /* callers must hold a validator permit */
    bool allow_unregistered;   /* also serve signed callers not in the metagraph */
    const char *files_dir;     /* served at GET /files/<name>; NULL for none */
    unsigned max_connections;  /* open connections, each with its own thread (default 64) */
    unsigned max_per_ip;       /* open connections per client address (default 16) */
    size_t max_callers;        /* callers tracked for nonces and buckets (default 4096) */
} yuma_axon_config;

typedef struct {
    const char *route;          /* the route's name */
    const yuma_pubkey *caller;  /* verified */
    const char *caller_ss58;
    int caller_uid;             /* -1 for a caller not in the metagraph (allow_unregistered) */
    uint64_t caller_stake;      /* from the metagraph, 0 when not in it */
    const uint8_t *body;
    size_t body_len;
    const char *content_type;   /* the request's, or NULL */
} yuma_axon_request;

typedef struct {
    unsigned status;            /* default 200 */
    const char *content_type;   /* a string that outlives the call (default "application/json") */
    uint8_t *body;              /* malloc'd by the handler, freed by the axon; NULL for none */
    size_t body_len;
} yuma_axon_response;

typedef void (*yuma_axon_handler)(const yuma_axon_request *rq, yuma_axon_response *resp, void *user);

/* Sets resp to status and the compact text of body (stolen). */
void yuma_axon_respond_json(yuma_axon_response *resp, unsigned status, json_t *body);

typedef struct yuma_axon yuma_axon;

yuma_axon *yuma_axon_new(const yuma_axon_config *cfg, char *err, size_t errlen);
/* Adds POST /<name> (1..64 of [A-Za-z0-9_-]; not "files" or "health");
 * before yuma_axon_start() only. */
bool yuma_axon_route(yuma_axon *a, const char *name, yuma_axon_handler handler, void *user, char *err,
                     size_t errlen);
bool yuma_axon_start(yuma_axon *a, char *err, size_t errlen);
uint16_t yuma_axon_port(const yuma_axon *a);
/* Replaces the registered callers (hotkey, uid, stake, permit) with those
 * of mg; safe while serving. */
void yuma_axon_set_metagraph(yuma_axon *a, const yuma_metagraph *mg);
/* Stops serving (waits for handlers in progress); idempotent. */
void yuma_axon_stop(yuma_axon *a);
void yuma_axon_free(yuma_axon *a);

typedef enum {
    YUMA_AXON_NOT_FOUND,
    YUMA_AXON_METHOD,
    YUMA_AXON_TOO_LARGE,
    YUMA_AXON_UNSIGNED,
    YUMA_AXON_BAD_HEADER,
    YUMA_AXON_BAD_SIGNATURE,
    YUMA_AXON_STALE,
    YUMA_AXON_UNREGISTERED,
    YUMA_AXON_LOW_STAKE,
    YUMA_AXON_NO_PERMIT,
    YUMA_AXON_REPLAYED,
    YUMA_AXON_RATE_LIMITED,
    YUMA_AXON_BUSY,             /* 503: max_callers callers are all active */
    YUMA_AXON_BAD_NAME,
    YUMA_AXON_NO_FILE,
    YUMA_AXON_REASONS
} yuma_axon_reason;

/* The reason's word in error bodies ("stale", "replayed", ...). */
const char *yuma_axon_reason_name(yuma_axon_reason r);

typedef struct {
    uint64_t served;                        /* requests that reached a handler or a file */
    uint64_t refused[YUMA_AXON_REASONS];    /* by reason */
    uint64_t connections_opened;
    uint64_t connections_open;
} yuma_axon_stats;

void yuma_axon_get_stats(yuma_axon *a, yuma_axon_stats *out);

#endif
