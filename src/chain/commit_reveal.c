/*
 * commit_reveal.c - commit-reveal of weights, v2 (hash commits revealed
 * by hand, yuma-consensus §3.1-§3.2): while a subnet's commit_reveal switch
 * is on, a validator first files the hash of its weights and reveals them
 * in a later epoch, so nobody can copy weights before they are public.
 *
 * Each (netuid, hotkey) keeps a queue of at most 10 commits, oldest first,
 * each filed under the epoch index with lookahead at commit time. With
 * reveal period P, a commit of epoch e can be revealed only while the
 * lookahead index is exactly e + P and expires once it exceeds that. A
 * reveal removes its commit and every older one, then stores the weights
 * through set_weights' own checks (without the rate limit, which the
 * commit already paid, and without touching last_update, which the commit
 * set). The hash layout is documented in docs/TRANSACTIONS.md.
 */
#include <sodium.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/commit_reveal.h"
#include "chain/records.h"
#include "chain/subnet_rec.h"

#define COMMIT_LEN 48 /* hash 32, commit_epoch u64, commit_block u64 */
#define MAX_TEMPO 50400

/* ---- the queue record ---- */

size_t weight_commits_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey,
                          weight_commit out[MAX_WEIGHT_COMMITS])
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_WEIGHT_COMMITS, netuid, hotkey), &vlen);
    if (!v || vlen % COMMIT_LEN != 0) return 0;
    size_t n = vlen / COMMIT_LEN;
    if (n > MAX_WEIGHT_COMMITS) n = MAX_WEIGHT_COMMITS;
    for (size_t i = 0; i < n; i++) {
        memcpy(out[i].hash, v + i * COMMIT_LEN, 32);
        out[i].commit_epoch = get_u64(v + i * COMMIT_LEN + 32);
        out[i].commit_block = get_u64(v + i * COMMIT_LEN + 40);
    }
    return n;
}

/* An empty queue has no record (as the reference removes the map entry). */
static bool weight_commits_put(ykv *kv, uint16_t netuid, const yuma_account *hotkey, const weight_commit *c,
                               size_t n)
{
    uint8_t key[35], v[MAX_WEIGHT_COMMITS * COMMIT_LEN];
    size_t klen = call_key(key, REC_WEIGHT_COMMITS, netuid, hotkey);
    if (n == 0) return ykv_del(kv, key, klen);
    for (size_t i = 0; i < n; i++) {
        memcpy(v + i * COMMIT_LEN, c[i].hash, 32);
        put_u64(v + i * COMMIT_LEN + 32, c[i].commit_epoch);
        put_u64(v + i * COMMIT_LEN + 40, c[i].commit_block);
    }
    return ykv_put(kv, key, klen, v, n * COMMIT_LEN);
}

/* ---- the hash ---- */

size_t scale_compact_u32(uint32_t v, uint8_t out[5])
{
    if (v < (1u << 6)) {
        out[0] = (uint8_t)(v << 2);
        return 1;
    }
    if (v < (1u << 14)) {
        uint16_t x = (uint16_t)((v << 2) | 1u);
        out[0] = (uint8_t)x;
        out[1] = (uint8_t)(x >> 8);
        return 2;
    }
    if (v < (1u << 30)) {
        uint32_t x = (v << 2) | 2u;
        for (int i = 0; i < 4; i++) out[i] = (uint8_t)(x >> (8 * i));
        return 4;
    }
    /* Big-integer mode: the low bits 0b11, the upper six bits the byte
     * count minus 4 (here 0: a u32 above 2^30 needs all four bytes). */
    out[0] = 3;
    for (int i = 0; i < 4; i++) out[1 + i] = (uint8_t)(v >> (8 * i));
    return 5;
}

static void hash_vec_u16(crypto_generichash_state *st, const uint16_t *v, uint32_t n)
{
    uint8_t buf[5];
    crypto_generichash_update(st, buf, scale_compact_u32(n, buf));
    for (uint32_t i = 0; i < n; i++) {
        put_u16(buf, v[i]);
        crypto_generichash_update(st, buf, 2);
    }
}

void commit_hash(const yuma_account *hotkey, uint16_t netuid, const uint16_t *uids, const uint16_t *values,
                 uint32_t weight_count, const uint16_t *salt, uint32_t salt_count, uint64_t version_key,
                 uint8_t out[32])
{
    crypto_generichash_state st;
    uint8_t buf[8];
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, hotkey->bytes, 32); /* AccountId32: its 32 bytes, no length */
    put_u16(buf, netuid);                              /* netuid_index of mechanism 0 = netuid */
    crypto_generichash_update(&st, buf, 2);
    hash_vec_u16(&st, uids, weight_count);
    hash_vec_u16(&st, values, weight_count);
    hash_vec_u16(&st, salt, salt_count);
    put_u64(buf, version_key);
    crypto_generichash_update(&st, buf, 8);
    crypto_generichash_final(&st, out, 32);
}

/* ---- epochs ---- */

/* The scheduler's should_run_epoch (yuma-consensus §1.8), as coinbase.c
 * evaluates it. */
static bool epoch_due(const subnet_rec *s, uint64_t now)
{
    if (s->hp.tempo == 0) return false;
    return (s->pending_epoch_at > 0 && now >= s->pending_epoch_at) || s->blocks_since_last_step > MAX_TEMPO ||
           now - s->last_epoch_block >= s->hp.tempo;
}

uint64_t commit_epoch_lookahead(const subnet_rec *s, uint64_t now)
{
    return s->epoch_index + (epoch_due(s, now) ? 1 : 0);
}

/* The epoch whose index opens a commit's reveal window (saturating). */
static uint64_t reveal_epoch(const subnet_rec *s, uint64_t commit_epoch)
{
    uint64_t e = commit_epoch + s->reveal_period_epochs;
    return e < commit_epoch ? UINT64_MAX : e;
}

static bool expired(const subnet_rec *s, uint64_t index, const weight_commit *c)
{
    return index > reveal_epoch(s, c->commit_epoch);
}

/* How many commits at the front of the queue have expired (the queue is
 * in commit order, so its epochs never decrease). */
static size_t expired_prefix(const subnet_rec *s, uint64_t index, const weight_commit *c, size_t n)
{
    size_t k = 0;
    while (k < n && expired(s, index, &c[k])) k++;
    return k;
}

void commit_reveal_fill_mask(const ykv *kv, uint16_t netuid, const subnet_rec *s, uint64_t epoch_index,
                             const yuma_account *hotkeys, uint32_t n, uint64_t *commit_block)
{
    for (uint32_t i = 0; i < n; i++) {
        commit_block[i] = UINT64_MAX;
        if (!s->commit_reveal) continue;
        weight_commit c[MAX_WEIGHT_COMMITS];
        size_t count = weight_commits_get(kv, netuid, &hotkeys[i], c);
        size_t first = expired_prefix(s, epoch_index, c, count);
        if (first < count) commit_block[i] = c[first].commit_block;
    }
}

/* ---- the calls ---- */

/* Both calls need a commit-reveal subnet. */
static yuma_call_status cr_subnet(call_ctx *cx, uint16_t netuid, subnet_rec *s)
{
    if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, netuid, s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (!s->commit_reveal) return YUMA_CALL_ERR_COMMIT_REVEAL_DISABLED;
    return YUMA_CALL_OK;
}

yuma_call_status call_commit_weights(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    uint16_t uid;
    yuma_call_status st = cr_subnet(cx, call->netuid, &s);
    if (st != YUMA_CALL_OK) return st;
    if (!uid_get(cx->kv, call->netuid, cx->signer, &uid)) return YUMA_CALL_ERR_NOT_REGISTERED;
    neuron_rec nr;
    if (!neuron_get(cx->kv, call->netuid, uid, &nr)) return YUMA_CALL_ERR_NOMEM;
    /* The weights rate limit of set_weights (§4.1 step 8) applies to commits. */
    if (nr.last_update != 0 && cx->block - nr.last_update < s.weights_rate_limit)
        return rate_limited(cx, nr.last_update, s.weights_rate_limit, YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT);
    weight_commit c[MAX_WEIGHT_COMMITS + 1];
    size_t n = weight_commits_get(cx->kv, call->netuid, cx->signer, c);
    uint64_t index = commit_epoch_lookahead(&s, cx->block);
    size_t gone = expired_prefix(&s, index, c, n);
    memmove(c, c + gone, (n - gone) * sizeof c[0]);
    n -= gone;
    if (n >= MAX_WEIGHT_COMMITS) return YUMA_CALL_ERR_TOO_MANY_COMMITS;
    memcpy(c[n].hash, call->commit_hash, 32);
    c[n].commit_epoch = index;
    c[n].commit_block = cx->block;
    n++;
    /* The commit is the validator's update: the epoch's activity and the
     * outdated-weights mask read last_update. */
    nr.last_update = cx->block;
    if (!weight_commits_put(cx->kv, call->netuid, cx->signer, c, n) || !neuron_put(cx->kv, call->netuid, uid, &nr))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

yuma_call_status call_reveal_weights(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    yuma_call_status st = cr_subnet(cx, call->netuid, &s);
    if (st != YUMA_CALL_OK) return st;
    weight_commit c[MAX_WEIGHT_COMMITS];
    size_t n = weight_commits_get(cx->kv, call->netuid, cx->signer, c);
    if (n == 0) return YUMA_CALL_ERR_NO_COMMIT;
    uint8_t hash[32];
    commit_hash(cx->signer, call->netuid, call->uids, call->values, call->weight_count, call->salt, call->salt_count,
                call->version_key, hash);
    uint64_t index = commit_epoch_lookahead(&s, cx->block);
    size_t gone = expired_prefix(&s, index, c, n), pos = n;
    for (size_t i = gone; i < n && pos == n; i++)
        if (memcmp(c[i].hash, hash, 32) == 0) pos = i;
    if (pos == n) {
        for (size_t i = 0; i < gone; i++)
            if (memcmp(c[i].hash, hash, 32) == 0) return YUMA_CALL_ERR_COMMIT_EXPIRED;
        return YUMA_CALL_ERR_COMMIT_MISMATCH;
    }
    if (index != reveal_epoch(&s, c[pos].commit_epoch)) return YUMA_CALL_ERR_REVEAL_TOO_EARLY;
    /* The revealed commit and every older one (expired ones included) go. */
    if (!weight_commits_put(cx->kv, call->netuid, cx->signer, c + pos + 1, n - pos - 1)) return YUMA_CALL_ERR_NOMEM;
    return weights_apply(cx, call, true);
}
