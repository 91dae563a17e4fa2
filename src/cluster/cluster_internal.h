/*
 * cluster_internal.h - what the cluster's files share: the cluster's
 * state (election, lease, alarm, counters), the etcd key layout, and the
 * entry points of the applier (applier.c) and the forwarder (forward.c).
 *
 * Threads: the node's main loop (cluster.c: campaign, produce, the commit
 * hook), the lease keepalive (cluster.c), the block applier (applier.c)
 * and the transaction forwarder (forward.c); each has its own etcd or RPC
 * client. Locks: the node's lock (chain, store) is taken first when both
 * are needed; c->mu guards the lease and leader fields and is only held
 * for a few instructions, never while taking the node's lock.
 */
#ifndef YUMA_CLUSTER_INTERNAL_H
#define YUMA_CLUSTER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/node_internal.h"
#include "yuma/cluster.h"
#include "yuma/etcd.h"

#define CLUSTER_KEY_MAX 160
#define CLUSTER_URL_MAX 256
#define CLUSTER_NAME_MAX 64

/* One transaction waiting to be forwarded (forward.c). */
typedef struct {
    uint8_t *bytes;
    size_t len;
    uint8_t id[32];
} fwd_tx;

typedef struct {
    fwd_tx *v;
    size_t n, cap;
} fwd_list;

struct yuma_cluster {
    yuma_node *node;
    yuma_cluster_config cfg;
    char name[CLUSTER_NAME_MAX + 1];
    char self_url[CLUSTER_URL_MAX];
    char *endpoints, *token;

    /* Keys: <prefix>leader, <prefix>members/<name>, <prefix>blocks/<height>. */
    char prefix[80];
    char leader_key[CLUSTER_KEY_MAX], member_key[CLUSTER_KEY_MAX], blocks_prefix[96];

    yuma_etcd *etcd_main, *etcd_lease, *etcd_apply;
    pthread_t lease_thread, apply_thread, forward_thread;
    bool lease_started, apply_started, forward_started;
    atomic_bool stopping;

    pthread_mutex_t mu;
    int64_t lease_id;                 /* mu */
    uint64_t lease_until_ms;          /* mu: the lease surely lives until then (last renewal sent + TTL) */
    char leader_name[CLUSTER_NAME_MAX + 1], leader_url[CLUSTER_URL_MAX]; /* mu; "" = none known */
    int64_t leader_rev;               /* mu: create revision of the leader key we know of */
    uint64_t leader_epoch;            /* mu: counts leader changes seen, for the forwarder */
    char alarm[512];                  /* mu */

    /* Main loop only. */
    bool is_leader;
    int64_t my_leader_rev;            /* create revision of our own leader key */

    atomic_bool producer;             /* mirror of is_leader for readers */
    atomic_bool diverged;
    atomic_uint_fast64_t alarm_height;
    atomic_bool fatal;
    char fatal_msg[512];              /* written once before fatal is set */
    atomic_bool applier_idle;         /* the applier's last read found no newer block */
    atomic_uint_fast64_t etcd_head;   /* the highest block height seen in etcd */

    /* Counters for /metrics. */
    atomic_uint_fast64_t blocks_produced, blocks_applied, peer_blocks, commits_refused, leader_changes,
        forwarded, etcd_errors;

    /* Forwarder: queue of accepted transactions (fq_mu). */
    pthread_mutex_t fq_mu;
    pthread_cond_t fq_cond;
    fwd_list queue;
};

/* The key of the block at height (20 digits, so keys sort by height). */
void cluster_block_key(const yuma_cluster *c, uint64_t height, char out[CLUSTER_KEY_MAX]);
/* The height in a block key; false when it is not one. */
bool cluster_parse_block_key(const yuma_cluster *c, const uint8_t *key, size_t len, uint64_t *height);

/* Raises the alarm: this node's execution disagrees with the cluster at
 * height. It stops producing, applying and accepting writes. */
void cluster_alarm(yuma_cluster *c, uint64_t height, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A failure the node cannot continue after (a block that cannot be
 * persisted): the main loop returns false with the message. */
void cluster_fatal(yuma_cluster *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts the node's chain back at its last persisted block (after a block
 * that was executed but not committed). Call with the node's lock held. */
bool cluster_restore_chain(yuma_cluster *c, char *err, size_t errlen);

uint64_t cluster_now_ms(void);
void cluster_sleep_ms(uint64_t ms);

/* applier.c */
void *cluster_applier_main(void *arg);

/* forward.c */
void *cluster_forward_main(void *arg);
void cluster_forward_push(yuma_cluster *c, const uint8_t *tx, size_t len);
void cluster_forward_wake(yuma_cluster *c);
void cluster_forward_list_free(fwd_list *l);

#endif
