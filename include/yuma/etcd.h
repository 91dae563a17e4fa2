/*
 * etcd.h - a small etcd v3 client over etcd's JSON gateway (HTTP POST to
 * /v3/..., libcurl), for cluster mode (docs/CLUSTER.md): key-value put,
 * range and delete, transactions with compares, leases (grant, keepalive,
 * revoke) and a blocking "wait for a change" built on the gateway's watch
 * stream.
 *
 * Keys and values are bytes; the gateway carries them base64-encoded
 * (libsodium's sodium_bin2base64, original variant) and its 64-bit
 * integers as decimal strings, which this client converts both ways.
 *
 * Endpoints: a client is given every member's client URL. A request goes
 * to the member that answered last; when that member cannot be reached,
 * or answers that it has no Raft leader, the next one is tried, so a
 * stopped member costs one refused connection. A write (put, delete, txn,
 * lease grant/revoke) is only sent again when it was certainly not
 * received (the connection was refused); a write that timed out is
 * reported as YUMA_ETCD_ERR_UNAVAILABLE and may still have taken effect,
 * which the caller must allow for (cluster.c re-reads the key).
 *
 * Thread safety: a client is used by one thread at a time (one curl handle,
 * kept for its connection reuse); make one per thread.
 */
#ifndef YUMA_ETCD_H
#define YUMA_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *endpoints;   /* comma-separated client URLs, e.g. "http://127.0.0.1:2379,http://..."; copied */
    long timeout_ms;         /* one request to one member (default 2000) */
    long connect_timeout_ms; /* default 500 */
    size_t max_response;     /* bytes of one answer (default 256 MiB) */
} yuma_etcd_config;

typedef enum {
    YUMA_ETCD_OK = 0,
    YUMA_ETCD_ERR_NOMEM,
    YUMA_ETCD_ERR_ARG,         /* a bad argument or configuration (the message names it) */
    YUMA_ETCD_ERR_UNAVAILABLE, /* no member answered, or none had a leader; a write may have taken effect */
    YUMA_ETCD_ERR_REMOTE,      /* etcd refused the request (e.g. "requested lease not found"): see the message */
    YUMA_ETCD_ERR_PROTOCOL,    /* the answer is not what etcd's v3 gateway sends */
} yuma_etcd_status;

const char *yuma_etcd_strerror(yuma_etcd_status s);

typedef struct yuma_etcd yuma_etcd;

/* NULL with a one-line message (no endpoint, an endpoint that is not an
 * http:// URL, out of memory). Connects lazily: no request is made. */
yuma_etcd *yuma_etcd_new(const yuma_etcd_config *cfg, char *err, size_t errlen);
void yuma_etcd_free(yuma_etcd *e);

/* The details of the last failure ("" after a success): the member, what
 * was asked, and etcd's or libcurl's own words. */
const char *yuma_etcd_message(const yuma_etcd *e);
/* The gRPC code of etcd's last refusal (YUMA_ETCD_ERR_REMOTE), else 0. */
int yuma_etcd_remote_code(const yuma_etcd *e);

/* One key-value pair as etcd returns it; key and value are malloc'd and
 * NUL-terminated after their length (for printing), lease 0 = none. */
typedef struct {
    uint8_t *key;
    size_t key_len;
    uint8_t *value;
    size_t value_len;
    int64_t create_revision, mod_revision, version, lease;
} yuma_etcd_kv;

typedef struct {
    int64_t revision; /* the store's revision the answer reflects */
    int64_t total;    /* keys in the range (etcd's count), whatever the limit */
    bool more;        /* the limit cut the answer short */
    size_t count;     /* pairs in kvs */
    yuma_etcd_kv *kvs;
} yuma_etcd_range_result;

void yuma_etcd_range_result_free(yuma_etcd_range_result *r);

/* A range: range_end NULL = the key alone; otherwise [key, range_end), and
 * range_end "\0" (length 1) = every key from key on. */
typedef struct {
    const uint8_t *range_end;
    size_t range_end_len;
    int64_t limit;      /* 0 = no limit */
    bool keys_only;
    bool count_only;
    bool descending;    /* sorted by key, highest first (default: ascending) */
    int64_t revision;   /* 0 = the newest */
} yuma_etcd_range_opts;

/* The end of the range of every key that starts with prefix (the prefix
 * with its last byte that is not 0xff incremented, the rest cut); out
 * needs len bytes; returns the end's length (0: the prefix is all 0xff,
 * meaning "to the end of the key space", pass "\0" instead). */
size_t yuma_etcd_prefix_end(const uint8_t *prefix, size_t len, uint8_t *out);

yuma_etcd_status yuma_etcd_range(yuma_etcd *e, const uint8_t *key, size_t key_len, const yuma_etcd_range_opts *opts,
                                 yuma_etcd_range_result *out);
/* lease 0 = none; *revision (may be NULL) receives the put's revision. */
yuma_etcd_status yuma_etcd_put(yuma_etcd *e, const uint8_t *key, size_t key_len, const uint8_t *value,
                               size_t value_len, int64_t lease, int64_t *revision);
/* range_end as for yuma_etcd_range; *deleted (may be NULL) gets the count. */
yuma_etcd_status yuma_etcd_delete(yuma_etcd *e, const uint8_t *key, size_t key_len, const uint8_t *range_end,
                                  size_t range_end_len, int64_t *deleted);

/* ---- transactions ---- */

typedef enum {
    YUMA_ETCD_CMP_CREATE,   /* the key's create_revision (0 when the key does not exist) */
    YUMA_ETCD_CMP_MOD,      /* mod_revision */
    YUMA_ETCD_CMP_VERSION,  /* version (0 when absent) */
    YUMA_ETCD_CMP_VALUE,    /* the value's bytes */
    YUMA_ETCD_CMP_LEASE,    /* the key's lease id (0 when absent or none) */
} yuma_etcd_cmp_target;

typedef enum { YUMA_ETCD_EQUAL, YUMA_ETCD_GREATER, YUMA_ETCD_LESS, YUMA_ETCD_NOT_EQUAL } yuma_etcd_cmp_result;

typedef struct {
    yuma_etcd_cmp_target target;
    yuma_etcd_cmp_result result;
    const uint8_t *key;
    size_t key_len;
    int64_t number;       /* CREATE, MOD, VERSION, LEASE */
    const uint8_t *value; /* VALUE */
    size_t value_len;
} yuma_etcd_compare;

typedef enum { YUMA_ETCD_OP_PUT, YUMA_ETCD_OP_DELETE, YUMA_ETCD_OP_RANGE } yuma_etcd_op_kind;

typedef struct {
    yuma_etcd_op_kind kind;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value; /* PUT */
    size_t value_len;
    int64_t lease;        /* PUT; 0 = none */
    const uint8_t *range_end; /* DELETE, RANGE: as for yuma_etcd_range */
    size_t range_end_len;
} yuma_etcd_op;

typedef struct {
    bool succeeded;               /* every compare held: the success ops ran */
    int64_t revision;             /* the store's revision after the txn */
    yuma_etcd_range_result range; /* the first RANGE op of the branch taken (empty if none) */
} yuma_etcd_txn_result;

/* Runs the success ops when every compare holds, else the failure ops,
 * atomically. Free out->range with yuma_etcd_range_result_free. */
yuma_etcd_status yuma_etcd_txn(yuma_etcd *e, const yuma_etcd_compare *cmp, size_t ncmp, const yuma_etcd_op *success,
                               size_t nsuccess, const yuma_etcd_op *failure, size_t nfailure,
                               yuma_etcd_txn_result *out);

/* ---- leases ---- */

/* A lease of ttl_s seconds; *ttl_s_granted (may be NULL) is what etcd gave
 * (it raises a TTL below its minimum). */
yuma_etcd_status yuma_etcd_lease_grant(yuma_etcd *e, int64_t ttl_s, int64_t *id, int64_t *ttl_s_granted);
/* Renews the lease: *ttl_s gets its new TTL, 0 when the lease no longer
 * exists (expired or revoked: its keys are gone). */
yuma_etcd_status yuma_etcd_lease_keepalive(yuma_etcd *e, int64_t id, int64_t *ttl_s);
/* Revokes the lease and deletes its keys; REMOTE when it does not exist. */
yuma_etcd_status yuma_etcd_lease_revoke(yuma_etcd *e, int64_t id);

/* ---- watch ---- */

/* Waits up to timeout_ms for a change (put or delete) to the range [key,
 * range_end) (range_end NULL: the key alone) at a revision at or after
 * start_revision. *changed is true when one came, and also when etcd
 * cancelled the watch (its start revision was compacted): either way the
 * caller reads again. OK with *changed false when the time ran out.
 * One request on the gateway's watch stream, closed as soon as it
 * answers. */
yuma_etcd_status yuma_etcd_watch_wait(yuma_etcd *e, const uint8_t *key, size_t key_len, const uint8_t *range_end,
                                      size_t range_end_len, int64_t start_revision, long timeout_ms, bool *changed);

#endif
