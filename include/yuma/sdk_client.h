/*
 * sdk_client.h - the subnet SDK's chain client (docs/SDK.md): one
 * connection to a node, signed calls submitted and followed to inclusion,
 * and the calls a miner or validator makes (register, serve_axon,
 * set_commitment, set_weights with the reference SDK's u16 conversion).
 *
 * A client owns one JSON-RPC client (include/yuma/rpc_client.h), so every
 * call it makes, long polls included, goes over one keep-alive TCP
 * connection that yuma_sdk_client_free() closes: creating clients in a
 * loop, or making thousands of calls with one, leaves nothing open (the
 * reference SDK's websocket leaks are its users' most repeated complaint).
 * A client is for one thread at a time; make one per thread.
 *
 * Outcomes can not be mistaken for success: the zero value of
 * yuma_sdk_outcome is YUMA_SDK_ERROR, and yuma_sdk_send() returns true
 * only for a call included and successful (or, without waiting, accepted).
 * A call the chain refused says which rule refused it and, for a rate
 * limit, the first block at which it would pass (retry_at_block).
 */
#ifndef YUMA_SDK_CLIENT_H
#define YUMA_SDK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"

/* A zero field takes its default. */
typedef struct {
    const char *url;        /* the node's RPC endpoint (default "http://127.0.0.1:9944/") */
    const char *auth_token; /* the node's RPC token for writes, NULL for none */
    long timeout_ms;        /* one call (default 30000) */
    unsigned wait_blocks;   /* blocks to follow a submitted call before giving up (default 64) */
} yuma_sdk_config;

typedef struct yuma_sdk_client yuma_sdk_client;

/* NULL with a one-line message when memory or libcurl cannot be had. It
 * does not connect yet: the first call does. */
yuma_sdk_client *yuma_sdk_client_new(const yuma_sdk_config *cfg, char *err, size_t errlen);
/* A client that sends through an existing RPC client (borrowed, not
 * freed by yuma_sdk_client_free), e.g. the CLI's. */
yuma_sdk_client *yuma_sdk_client_wrap(yuma_rpc_client *rpc, unsigned wait_blocks);
void yuma_sdk_client_free(yuma_sdk_client *c);

/* The client's RPC connection, for methods the SDK has no helper for. */
yuma_rpc_client *yuma_sdk_rpc(yuma_sdk_client *c);

/* Calls a node method (params stolen, may be NULL). The result (a new
 * reference) or NULL with a one-line message in err. */
json_t *yuma_sdk_call(yuma_sdk_client *c, const char *method, json_t *params, char *err, size_t errlen);

/* The node's newest block. */
bool yuma_sdk_head(yuma_sdk_client *c, uint64_t *height, char *err, size_t errlen);
/* Waits (long poll, no busy loop) up to timeout_ms for a block above
 * after; *height is the newest height either way. */
bool yuma_sdk_wait_block(yuma_sdk_client *c, uint64_t after, unsigned timeout_ms, uint64_t *height, char *err,
                         size_t errlen);

/* ---- sending calls ---- */

typedef enum {
    YUMA_SDK_ERROR = 0,  /* not sent, or no answer: see message (nothing is known to have happened) */
    YUMA_SDK_REFUSED,    /* the node did not admit it (bad nonce, fee, signature ...): nothing happened */
    YUMA_SDK_PENDING,    /* admitted; not followed (wait = false) */
    YUMA_SDK_DROPPED,    /* admitted, then left the pool without being included */
    YUMA_SDK_TIMEOUT,    /* admitted, not included within wait_blocks: it may still be */
    YUMA_SDK_FAILED,     /* included, but the call failed; the fee was paid */
    YUMA_SDK_OK,         /* included, and the call did what it says */
} yuma_sdk_outcome;

typedef struct {
    yuma_sdk_outcome outcome;
    char id[65];             /* the transaction's id (hex), once signed */
    uint64_t nonce, fee;     /* what it was signed with (fee in rao) */
    uint64_t height;         /* FAILED/OK: the block that includes it */
    uint32_t index;          /* and its index there */
    uint64_t retry_at_block; /* FAILED by a rate limit: the first block at which it passes; else 0 */
    char result[192];        /* FAILED/OK: the chain's one-sentence outcome of the call */
    char message[512];       /* one line for a person: what happened and, on failure, what to do */
} yuma_sdk_tx_result;

/* Signs call with signer (nonce from the node, counting the signer's
 * pending transactions; the chain's minimum fee for the encoded size),
 * submits it and, with wait, follows new blocks until it is included.
 * True only for OK, or PENDING without wait. */
bool yuma_sdk_send(yuma_sdk_client *c, const yuma_keypair *signer, const yuma_call *call, bool wait,
                   yuma_sdk_tx_result *r);

/* The outcome's name: "ok", "failed", "refused", ... */
const char *yuma_sdk_outcome_name(yuma_sdk_outcome o);

/* ---- the calls of a miner or validator (wait for inclusion) ---- */

/* burned_register: coldkey pays the burn and owns hotkey's uid on netuid. */
bool yuma_sdk_register(yuma_sdk_client *c, const yuma_keypair *coldkey, const yuma_pubkey *hotkey, uint16_t netuid,
                       yuma_sdk_tx_result *r);
/* serve_axon: where hotkey's axon listens. ip is IPv4 or IPv6 text. The
 * chain refuses 0.0.0.0, 127.0.0.1 and ::1 (as the reference does): a
 * single-machine network serves on another loopback address, 127.0.0.2. */
bool yuma_sdk_serve_axon(yuma_sdk_client *c, const yuma_keypair *hotkey, uint16_t netuid, const char *ip,
                         uint16_t port, uint8_t protocol, uint32_t version, yuma_sdk_tx_result *r);
/* set_commitment: up to YUMA_TX_MAX_COMMITMENT bytes of hotkey's metadata. */
bool yuma_sdk_set_commitment(yuma_sdk_client *c, const yuma_keypair *hotkey, uint16_t netuid, const void *data,
                             size_t len, yuma_sdk_tx_result *r);

/* ---- weights ---- */

/* The reference SDK's convert_weights_and_uids_for_emit: scores must be
 * finite and >= 0; all zero means nothing to set (false, *out_n = 0,
 * message says so); otherwise each score is divided by the largest,
 * times 65535, rounded half to even (Python's round), and zeros are
 * dropped. The SDK also refuses a uid given twice (the chain would refuse
 * the call after taking its fee). out_uids and out_values hold n entries.
 * False with a one-line message for bad input. */
bool yuma_weights_from_scores(const uint16_t *uids, const double *scores, size_t n, uint16_t *out_uids,
                              uint16_t *out_values, size_t *out_n, char *err, size_t errlen);
/* The same for integer scores, computed exactly (no floating point):
 * round-half-to-even of score * 65535 / max. It equals the float path
 * except where that path's double rounding lands beside a half. */
bool yuma_weights_from_ints(const uint16_t *uids, const uint64_t *scores, size_t n, uint16_t *out_uids,
                            uint16_t *out_values, size_t *out_n, char *err, size_t errlen);

/* What the chain will check before it takes a set_weights from hotkey
 * with these uids, read from the node now (subnet, metagraph, head): the
 * subnet exists and has no commit-reveal, hotkey is registered, its stake
 * reaches the threshold, it has a validator permit (unless it sets only
 * itself or owns the subnet), the weights rate limit has passed, no uid is
 * out of range or repeated, and there are at least min_allowed_weights.
 * True when none would refuse it; else false with r->message naming the
 * rule, and for the rate limit r->retry_at_block. (The chain decides; this
 * saves the fee of a call bound to fail, and says why.) */
bool yuma_sdk_weights_check(yuma_sdk_client *c, const yuma_pubkey *hotkey, uint16_t netuid, const uint16_t *uids,
                            size_t n, yuma_sdk_tx_result *r);

/* Converts scores (yuma_weights_from_scores), checks them
 * (yuma_sdk_weights_check) and sends set_weights signed by hotkey, waiting
 * for inclusion. A check that fails sends nothing (outcome REFUSED). */
bool yuma_sdk_set_weights(yuma_sdk_client *c, const yuma_keypair *hotkey, uint16_t netuid, const uint16_t *uids,
                          const double *scores, size_t n, uint64_t version_key, yuma_sdk_tx_result *r);

#endif
