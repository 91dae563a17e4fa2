/*
 * call_recs.h - the records written by the neuron, commit-reveal,
 * delegation and hyperparameter calls (neuron_calls.c, commit_reveal.c,
 * delegation.c, hyperparams.c): their key prefixes, which continue
 * subnet_rec.h's, and the typed accessors each owning module implements.
 * Every key starts with the prefix and the netuid in big endian, so a
 * prefix scan of one subnet visits its records in key order.
 */
#ifndef YUMA_CHAIN_CALL_RECS_H
#define YUMA_CHAIN_CALL_RECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/kv.h"
#include "yuma/tx.h"

enum {
    REC_AXON = 0x0C,             /* + netuid + hotkey -> axon_rec */
    REC_COMMITMENT = 0x0D,       /* + netuid + hotkey -> block, data */
    REC_WEIGHT_COMMITS = 0x0E,   /* + netuid + hotkey -> queue of weight_commit, oldest first */
    REC_CHILDREN = 0x0F,         /* + netuid + parent -> (proportion, child) in the order set */
    REC_PARENTS = 0x10,          /* + netuid + child -> (proportion, parent) in the order added */
    REC_PENDING_CHILDREN = 0x11, /* + netuid -> every pending set_children of the subnet, by hotkey */
    REC_CHILDREN_LAST = 0x12,    /* + netuid + hotkey -> block of the last set_children */
    REC_CHILDKEY_TAKE = 0x13,    /* + netuid + hotkey -> take, block of the last change */
    REC_HYPERPARAM_LAST = 0x14,  /* + netuid + param id (big endian) -> block of the last owner change */
};

/* prefix || netuid (big endian) || account: 35 bytes. */
static inline size_t call_key(uint8_t k[35], int rec, uint16_t netuid, const yuma_account *a)
{
    k[0] = (uint8_t)rec;
    k[1] = (uint8_t)(netuid >> 8);
    k[2] = (uint8_t)netuid;
    for (int i = 0; i < 32; i++) k[3 + i] = a->bytes[i];
    return 35;
}

/* ---- neuron_calls.c ---- */

typedef struct {
    uint64_t block;          /* when it was served (the serving rate limit's clock) */
    uint32_t version;
    uint8_t ip[16];          /* IPv6 network order; IPv4 as ::ffff:a.b.c.d */
    uint16_t port;
    uint8_t protocol;
} axon_rec;

bool axon_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey, axon_rec *out);

typedef struct {
    uint64_t block;
    uint32_t len;
    uint8_t data[YUMA_TX_MAX_COMMITMENT];
} commitment_rec;

bool commitment_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey, commitment_rec *out);

/* ---- commit_reveal.c ---- */

#define MAX_WEIGHT_COMMITS 10

typedef struct {
    uint8_t hash[32];
    uint64_t commit_epoch;   /* the subnet's epoch index with lookahead when committed */
    uint64_t commit_block;
} weight_commit;

/* The pending commits of hotkey on netuid, oldest first; returns the count. */
size_t weight_commits_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey,
                          weight_commit out[MAX_WEIGHT_COMMITS]);

/* ---- delegation.c ---- */

/* Children of parent on netuid as applied (at most 5); returns the count. */
size_t children_get(const ykv *kv, uint16_t netuid, const yuma_account *parent, yuma_child out[YUMA_TX_MAX_CHILDREN]);
/* Parents of child on netuid: *out is malloc'ed (NULL when there are none;
 * the caller frees it). False only when out of memory. */
bool parents_get(const ykv *kv, uint16_t netuid, const yuma_account *child, yuma_child **out, size_t *count);
/* ChildkeyTake of hotkey on netuid (0 until set). */
uint16_t childkey_take_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey);

#endif
