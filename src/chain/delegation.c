/*
 * delegation.c - what a hotkey's owner decides about delegation
 * (economics §7.5-§7.6): its delegate take (decrease_take at once,
 * increase_take rate limited), its child keys on a subnet (set_children,
 * scheduled and applied after a cooldown at the subnet's epoch) and its
 * childkey take. Every call is signed by the coldkey that owns the hotkey.
 *
 * Children are kept in both directions: the children of a parent, and the
 * parents of a child (so the epoch's stake inheritance reads either side
 * with one lookup). Both lists keep the order the reference keeps: the
 * order given to set_children, and the order parents were added.
 *
 * The reference's TxChildkeyTakeRateLimit is its own root setting with the
 * same value (216,000 blocks) as TxDelegateTakeRateLimit; this chain has
 * one parameter for both, tx_delegate_take_rate_limit.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/delegation.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/pool.h"

#define SET_CHILDREN_RATE_LIMIT 150 /* blocks per (hotkey, netuid), economics §9 */
#define CHILD_LEN 40                /* proportion u64, account 32 */

static bool same(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

/* ---- records ---- */

static void put_child(uint8_t *p, const yuma_child *c)
{
    put_u64(p, c->proportion);
    memcpy(p + 8, c->child.bytes, 32);
}

static void get_child(const uint8_t *p, yuma_child *c)
{
    c->proportion = get_u64(p);
    memcpy(c->child.bytes, p + 8, 32);
}

/* A list of (proportion, account) under prefix rec; an empty one has no record. */
static bool list_put(ykv *kv, int rec, uint16_t netuid, const yuma_account *who, const yuma_child *e, size_t n)
{
    uint8_t key[35];
    size_t klen = call_key(key, rec, netuid, who);
    if (n == 0) return ykv_del(kv, key, klen);
    uint8_t *v = malloc(n * CHILD_LEN);
    if (!v) return false;
    for (size_t i = 0; i < n; i++) put_child(v + i * CHILD_LEN, &e[i]);
    bool ok = ykv_put(kv, key, klen, v, n * CHILD_LEN);
    free(v);
    return ok;
}

size_t children_get(const ykv *kv, uint16_t netuid, const yuma_account *parent, yuma_child out[YUMA_TX_MAX_CHILDREN])
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_CHILDREN, netuid, parent), &vlen);
    if (!v || vlen % CHILD_LEN != 0) return 0;
    size_t n = vlen / CHILD_LEN;
    if (n > YUMA_TX_MAX_CHILDREN) n = YUMA_TX_MAX_CHILDREN;
    for (size_t i = 0; i < n; i++) get_child(v + i * CHILD_LEN, &out[i]);
    return n;
}

bool parents_get(const ykv *kv, uint16_t netuid, const yuma_account *child, yuma_child **out, size_t *count)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_PARENTS, netuid, child), &vlen);
    *out = NULL;
    *count = 0;
    if (!v || vlen == 0 || vlen % CHILD_LEN != 0) return true;
    size_t n = vlen / CHILD_LEN;
    /* One spare slot, so that a caller may append a parent in place. */
    yuma_child *p = malloc((n + 1) * sizeof *p);
    if (!p) return false;
    for (size_t i = 0; i < n; i++) get_child(v + i * CHILD_LEN, &p[i]);
    *out = p;
    *count = n;
    return true;
}

uint16_t childkey_take_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_CHILDKEY_TAKE, netuid, hotkey), &vlen);
    return v && vlen == 10 ? get_u16(v) : 0;
}

static uint64_t childkey_take_block(const ykv *kv, uint16_t netuid, const yuma_account *hotkey)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_CHILDKEY_TAKE, netuid, hotkey), &vlen);
    return v && vlen == 10 ? get_u64(v + 2) : 0;
}

static bool childkey_take_put(ykv *kv, uint16_t netuid, const yuma_account *hotkey, uint16_t take, uint64_t block)
{
    uint8_t key[35], v[10];
    put_u16(v, take);
    put_u64(v + 2, block);
    return ykv_put(kv, key, call_key(key, REC_CHILDKEY_TAKE, netuid, hotkey), v, sizeof v);
}

static uint64_t block_get(const ykv *kv, int rec, uint16_t netuid, const yuma_account *who)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, rec, netuid, who), &vlen);
    return v && vlen == 8 ? get_u64(v) : 0;
}

static bool block_put(ykv *kv, int rec, uint16_t netuid, const yuma_account *who, uint64_t block)
{
    uint8_t key[35], v[8];
    put_u64(v, block);
    return ykv_put(kv, key, call_key(key, rec, netuid, who), v, sizeof v);
}

/* The pending set_children of a subnet: one record holding every entry in
 * ascending hotkey order (hotkey 32, cooldown block u64, count u8, then
 * count children), so the epoch reads the subnet's queue with one lookup
 * and applies it in an order that does not depend on the store. */
typedef struct {
    yuma_account hotkey;
    uint64_t cooldown;
    uint8_t count;
    yuma_child children[YUMA_TX_MAX_CHILDREN];
} pending_entry;

static size_t pending_key(uint8_t k[3], uint16_t netuid)
{
    k[0] = REC_PENDING_CHILDREN;
    k[1] = (uint8_t)(netuid >> 8);
    k[2] = (uint8_t)netuid;
    return 3;
}

/* *out is malloc'ed with one spare slot, so that pending_set may insert in
 * place; the caller frees it. A truncated trailing entry is ignored. */
static bool pending_load(const ykv *kv, uint16_t netuid, pending_entry **out, size_t *count)
{
    uint8_t key[3];
    size_t vlen = 0, n = 0;
    const uint8_t *v = ykv_get(kv, key, pending_key(key, netuid), &vlen);
    *out = NULL;
    *count = 0;
    for (size_t at = 0; v && at + 41 <= vlen && at + 41 + (size_t)v[at + 40] * CHILD_LEN <= vlen;
         at += 41 + (size_t)v[at + 40] * CHILD_LEN)
        n++;
    pending_entry *p = malloc((n + 1) * sizeof *p);
    if (!p) return false;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(p[i].hotkey.bytes, v + at, 32);
        p[i].cooldown = get_u64(v + at + 32);
        p[i].count = v[at + 40];
        if (p[i].count > YUMA_TX_MAX_CHILDREN) p[i].count = YUMA_TX_MAX_CHILDREN;
        for (size_t k = 0; k < p[i].count; k++) get_child(v + at + 41 + k * CHILD_LEN, &p[i].children[k]);
        at += 41 + (size_t)v[at + 40] * CHILD_LEN;
    }
    *out = p;
    *count = n;
    return true;
}

static bool pending_store(ykv *kv, uint16_t netuid, const pending_entry *p, size_t n)
{
    uint8_t key[3];
    size_t klen = pending_key(key, netuid);
    if (n == 0) return ykv_del(kv, key, klen);
    uint8_t *v = malloc(n * (41 + YUMA_TX_MAX_CHILDREN * CHILD_LEN));
    if (!v) return false;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(v + at, p[i].hotkey.bytes, 32);
        put_u64(v + at + 32, p[i].cooldown);
        v[at + 40] = p[i].count;
        for (size_t k = 0; k < p[i].count; k++) put_child(v + at + 41 + k * CHILD_LEN, &p[i].children[k]);
        at += 41 + (size_t)p[i].count * CHILD_LEN;
    }
    bool ok = ykv_put(kv, key, klen, v, at);
    free(v);
    return ok;
}

/* Replaces (or removes, with count 0) hotkey's pending entry. */
static bool pending_set(ykv *kv, uint16_t netuid, const pending_entry *e, bool remove)
{
    pending_entry *p;
    size_t n;
    if (!pending_load(kv, netuid, &p, &n)) return false;
    size_t i = 0;
    while (i < n && memcmp(p[i].hotkey.bytes, e->hotkey.bytes, 32) < 0) i++;
    bool found = i < n && same(&p[i].hotkey, &e->hotkey);
    if (remove) {
        if (found) memmove(&p[i], &p[i + 1], (n - i - 1) * sizeof *p), n--;
    } else if (found) {
        p[i] = *e;
    } else {
        memmove(&p[i + 1], &p[i], (n - i) * sizeof *p);
        p[i] = *e;
        n++;
    }
    bool ok = pending_store(kv, netuid, p, n);
    free(p);
    return ok;
}

/* ---- takes (§7.5) ---- */

static yuma_call_status owned_hotkey(call_ctx *cx, const yuma_account *hotkey, hotkey_rec *h)
{
    if (!hotkey_get(cx->kv, hotkey, h)) return YUMA_CALL_ERR_NO_HOTKEY;
    if (!same(&h->owner, cx->signer)) return YUMA_CALL_ERR_HOTKEY_OWNED;
    return YUMA_CALL_OK;
}

/* exceeds_tx_delegate_take_rate_limit: only a change within the limit of
 * the last one is refused; a hotkey that never changed its take may. */
static bool take_too_soon(uint64_t last, uint64_t now, uint64_t limit)
{
    return limit != 0 && last != 0 && now - last <= limit;
}

static yuma_call_status set_take(call_ctx *cx, const yuma_call *call, bool increase)
{
    hotkey_rec h;
    yuma_call_status st = owned_hotkey(cx, &call->hotkey, &h);
    if (st != YUMA_CALL_OK) return st;
    if (call->take < cx->params->min_delegate_take || call->take > cx->params->max_delegate_take)
        return YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS;
    if (!increase && call->take >= h.take) return YUMA_CALL_ERR_TAKE_NOT_LOWER;
    if (increase && call->take <= h.take) return YUMA_CALL_ERR_TAKE_NOT_HIGHER;
    if (increase && take_too_soon(h.last_take_block, cx->block, cx->params->tx_delegate_take_rate_limit))
        return rate_limited(cx, h.last_take_block + 1, cx->params->tx_delegate_take_rate_limit,
                            YUMA_CALL_ERR_TAKE_RATE_LIMIT);
    /* Both directions start the clock: a decrease cannot be followed by an
     * immediate increase back. */
    h.take = call->take;
    h.last_take_block = cx->block;
    return hotkey_put(cx->kv, &call->hotkey, &h) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

yuma_call_status call_decrease_take(call_ctx *cx, const yuma_call *call)
{
    return set_take(cx, call, false);
}

yuma_call_status call_increase_take(call_ctx *cx, const yuma_call *call)
{
    return set_take(cx, call, true);
}

/* ---- children (§7.6) ---- */

/* The hotkey's stake valued in TAO: root stake plus each subnet's alpha
 * stake at the subnet's spot price (floored), saturating. */
static uint64_t stake_value_tao(const ykv *kv, const yuma_chain_params *p, const yuma_account *hotkey)
{
    uint64_t total = stake_total(kv, hotkey, 0);
    for (uint16_t netuid = 1; netuid <= subnet_netuid_bound(p); netuid++) {
        uint64_t alpha = stake_total(kv, hotkey, netuid);
        subnet_rec s;
        if (alpha == 0 || !subnet_get(kv, netuid, &s)) continue;
        total = yu64_sat_add(total, yu64f64_to_u64(yu64f64_mul(yu64f64_from_u64(alpha), yuma_pool_price(&s.pool))));
    }
    return total;
}

/* The rules that hold for a set of children both when it is scheduled and
 * when it is applied: distinct, not the hotkey itself, proportions summing
 * to at most 1 (2^64 - 1), and none already a parent of the hotkey. */
static yuma_call_status check_children(const ykv *kv, uint16_t netuid, const yuma_account *hotkey,
                                       const yuma_child *c, size_t n)
{
    unsigned __int128 sum = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (same(&c[i].child, &c[j].child)) return YUMA_CALL_ERR_DUPLICATE_CHILD;
        if (same(&c[i].child, hotkey)) return YUMA_CALL_ERR_SELF_CHILD;
        sum += c[i].proportion;
    }
    if (sum > UINT64_MAX) return YUMA_CALL_ERR_PROPORTION_OVERFLOW;
    yuma_child *parents;
    size_t np;
    if (!parents_get(kv, netuid, hotkey, &parents, &np)) return YUMA_CALL_ERR_NOMEM;
    yuma_call_status st = YUMA_CALL_OK;
    for (size_t i = 0; i < n && st == YUMA_CALL_OK; i++)
        for (size_t k = 0; k < np; k++)
            if (same(&c[i].child, &parents[k].child)) st = YUMA_CALL_ERR_CHILD_IS_PARENT;
    free(parents);
    return st;
}

/* Removes parent from child's parent list, or appends (proportion, parent). */
static bool update_parents(ykv *kv, uint16_t netuid, const yuma_account *child, const yuma_account *parent,
                           uint64_t proportion, bool add)
{
    yuma_child *p;
    size_t n, kept = 0;
    if (!parents_get(kv, netuid, child, &p, &n)) return false;
    if (add) {
        if (!p && !(p = malloc(sizeof *p))) return false;
        p[n++] = (yuma_child){.proportion = proportion, .child = *parent};
        kept = n;
    } else {
        for (size_t i = 0; i < n; i++)
            if (!same(&p[i].child, parent)) p[kept++] = p[i];
    }
    bool ok = list_put(kv, REC_PARENTS, netuid, child, p, kept);
    free(p);
    return ok;
}

/* Makes c the applied children of hotkey: the old children forget it as a
 * parent, the new ones learn it. */
static bool apply_children(ykv *kv, uint16_t netuid, const yuma_account *hotkey, const yuma_child *c, size_t n)
{
    yuma_child old[YUMA_TX_MAX_CHILDREN];
    size_t on = children_get(kv, netuid, hotkey, old);
    for (size_t i = 0; i < on; i++)
        if (!update_parents(kv, netuid, &old[i].child, hotkey, 0, false)) return false;
    for (size_t i = 0; i < n; i++)
        if (!update_parents(kv, netuid, &c[i].child, hotkey, c[i].proportion, true)) return false;
    return list_put(kv, REC_CHILDREN, netuid, hotkey, c, n);
}

yuma_call_status call_set_children(call_ctx *cx, const yuma_call *call)
{
    uint16_t netuid = call->netuid;
    subnet_rec s;
    hotkey_rec h;
    if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    /* At most YUMA_TX_MAX_CHILDREN children: the codec refuses more. */
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    yuma_call_status st = owned_hotkey(cx, &call->hotkey, &h);
    if (st != YUMA_CALL_OK) return st;
    uint64_t last = block_get(cx->kv, REC_CHILDREN_LAST, netuid, &call->hotkey);
    if (last != 0 && cx->block - last < SET_CHILDREN_RATE_LIMIT)
        return rate_limited(cx, last, SET_CHILDREN_RATE_LIMIT, YUMA_CALL_ERR_CHILDREN_RATE_LIMIT);
    if ((st = check_children(cx->kv, netuid, &call->hotkey, call->children, call->child_count)) != YUMA_CALL_OK)
        return st;
    if (call->child_count > 0 && !same(&call->hotkey, &s.owner_hotkey) &&
        stake_value_tao(cx->kv, cx->params, &call->hotkey) < cx->params->stake_threshold)
        return YUMA_CALL_ERR_CHILDREN_STAKE_THRESHOLD;
    if (!block_put(cx->kv, REC_CHILDREN_LAST, netuid, &call->hotkey, cx->block)) return YUMA_CALL_ERR_NOMEM;
    pending_entry e = {.hotkey = call->hotkey, .cooldown = cx->block + cx->params->pending_childkey_cooldown,
                       .count = (uint8_t)call->child_count};
    memcpy(e.children, call->children, call->child_count * sizeof(yuma_child));
    /* Before start_call no stake is at risk and no epoch pays anyone: the
     * children apply at once (the reference schedules them with no cooldown). */
    bool now = s.first_emission_block == 0;
    if (!pending_set(cx->kv, netuid, &e, now) ||
        (now && !apply_children(cx->kv, netuid, &call->hotkey, call->children, call->child_count)))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}

bool children_apply_pending(ykv *kv, uint16_t netuid, uint64_t now)
{
    pending_entry *p;
    size_t n, kept = 0;
    if (!pending_load(kv, netuid, &p, &n)) return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (p[i].cooldown >= now) {
            p[kept++] = p[i];
            continue;
        }
        /* Earlier entries of this pass may have made this one inconsistent. */
        yuma_call_status st = check_children(kv, netuid, &p[i].hotkey, p[i].children, p[i].count);
        if (st == YUMA_CALL_ERR_NOMEM) ok = false;
        else if (st == YUMA_CALL_OK) ok = apply_children(kv, netuid, &p[i].hotkey, p[i].children, p[i].count);
    }
    if (ok && kept != n) ok = pending_store(kv, netuid, p, kept);
    free(p);
    return ok;
}

yuma_call_status call_set_childkey_take(call_ctx *cx, const yuma_call *call)
{
    hotkey_rec h;
    if (call->netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_exists(cx->kv, call->netuid)) return YUMA_CALL_ERR_NO_SUBNET;
    yuma_call_status st = owned_hotkey(cx, &call->hotkey, &h);
    if (st != YUMA_CALL_OK) return st;
    /* MinChildkeyTake is 0 in the reference; there is no parameter for it. */
    if (call->take > cx->params->max_childkey_take) return YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS;
    uint16_t current = childkey_take_get(cx->kv, call->netuid, &call->hotkey);
    uint64_t last_take = childkey_take_block(cx->kv, call->netuid, &call->hotkey);
    if (call->take > current && take_too_soon(last_take, cx->block, cx->params->tx_delegate_take_rate_limit))
        return rate_limited(cx, last_take + 1, cx->params->tx_delegate_take_rate_limit, YUMA_CALL_ERR_TAKE_RATE_LIMIT);
    return childkey_take_put(cx->kv, call->netuid, &call->hotkey, call->take, cx->block) ? YUMA_CALL_OK
                                                                                          : YUMA_CALL_ERR_NOMEM;
}
