/*
 * dissolve.c - pruning a subnet when a new one needs its place (economics
 * §6.4-6.5). The candidate is the non-immune subnet with the lowest EMA
 * price (ties: the earliest registered). Dissolving it pays its pool's TAO
 * out to everyone holding its alpha, pro rata to the alpha's value, with
 * the rounding remainder going one rao at a time to the largest fractional
 * parts; the protocol's share (the pool's alpha and the protocol-owned
 * alpha) and the fees kept on the subnet are recycled. Then every record
 * of the subnet is erased.
 *
 * This is rule-driven only: nothing but a registration at the subnet limit
 * can dissolve a subnet (there is no admin key).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/gov.h"
#include "yuma/sharepool.h"

bool subnet_prune_candidate(const ykv *kv, const yuma_chain_params *p, uint64_t now, uint16_t *out)
{
    bool found = false;
    subnet_rec best;
    for (uint16_t netuid = 1; netuid <= subnet_netuid_bound(p); netuid++) {
        subnet_rec s;
        if (!subnet_get(kv, netuid, &s)) continue;
        if (now < s.registered_at + p->network_immunity_period) continue;
        if (!found || s.moving_price < best.moving_price ||
            (s.moving_price == best.moving_price && s.registered_at < best.registered_at)) {
            found = true;
            best = s;
            *out = netuid;
        }
    }
    return found;
}

/* One holder of the subnet's alpha: a (hotkey, coldkey) stake. */
typedef struct {
    yuma_account hotkey, coldkey;
    uint64_t value;
    uint64_t paid;
    yu128 remainder;     /* fractional part of pot * value, scaled by the total */
    bool protocol;       /* the protocol's entry: its TAO stays and is recycled */
} holder;

typedef struct {
    const ykv *kv;
    uint16_t netuid;
    holder *h;
    size_t n, cap;
    bool nomem;
} holder_scan;

static bool collect_holder(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    holder_scan *sc = ctx;
    if (klen != 67 || ((key[33] << 8) | key[34]) != sc->netuid) return true;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 64;
        holder *nh = realloc(sc->h, ncap * sizeof *nh);
        if (!nh) {
            sc->nomem = true;
            return false;
        }
        sc->h = nh;
        sc->cap = ncap;
    }
    holder *h = &sc->h[sc->n];
    memcpy(h->hotkey.bytes, key + 1, 32);
    memcpy(h->coldkey.bytes, key + 35, 32);
    h->value = stake_of(sc->kv, &h->hotkey, &h->coldkey, sc->netuid);
    h->paid = 0;
    h->protocol = false;
    sc->n++;
    return true;
}

/* Largest remainder first; ties keep key order (the scan's order). */
static int by_remainder(const void *a, const void *b)
{
    const holder *x = *(holder *const *)a, *y = *(holder *const *)b;
    if (x->remainder != y->remainder) return x->remainder < y->remainder ? 1 : -1;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint16_t netuid;
    size_t key_at;        /* where the netuid sits in the key */
    uint8_t (*keys)[YKV_MAX_KEY];
    uint8_t *lens;
    size_t n, cap;
    bool nomem;
} erase_scan;

static bool collect_key(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    erase_scan *sc = ctx;
    if (klen < sc->key_at + 2 || ((key[sc->key_at] << 8) | key[sc->key_at + 1]) != sc->netuid) return true;
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 256;
        uint8_t(*nk)[YKV_MAX_KEY] = realloc(sc->keys, ncap * YKV_MAX_KEY);
        uint8_t *nl = realloc(sc->lens, ncap);
        if (nk) sc->keys = nk;
        if (nl) sc->lens = nl;
        if (!nk || !nl) {
            sc->nomem = true;
            return false;
        }
        sc->cap = ncap;
    }
    memcpy(sc->keys[sc->n], key, klen);
    sc->lens[sc->n++] = (uint8_t)klen;
    return true;
}

/* Deletes every record of one kind whose key carries the netuid at key_at. */
static bool erase_records(ykv *kv, uint8_t rec, size_t key_at, uint16_t netuid)
{
    erase_scan sc = {.netuid = netuid, .key_at = key_at};
    bool ok = ykv_scan_prefix(kv, &rec, 1, collect_key, &sc) && !sc.nomem;
    for (size_t i = 0; ok && i < sc.n; i++) ok = ykv_del(kv, sc.keys[i], sc.lens[i]);
    free(sc.keys);
    free(sc.lens);
    return ok;
}

yuma_call_status subnet_dissolve(call_ctx *cx, uint16_t netuid)
{
    subnet_rec s;
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    holder_scan sc = {.kv = cx->kv, .netuid = netuid};
    uint8_t rec = REC_ALPHA_SHARE;
    if (!ykv_scan_prefix(cx->kv, &rec, 1, collect_holder, &sc) || sc.nomem) {
        free(sc.h);
        return YUMA_CALL_ERR_NOMEM;
    }
    /* The protocol's entry (the pool's alpha and the alpha chain buys own)
     * comes last, so it loses ties. */
    if (sc.n == sc.cap) {
        holder *nh = realloc(sc.h, (sc.cap + 1) * sizeof *nh);
        if (!nh) {
            free(sc.h);
            return YUMA_CALL_ERR_NOMEM;
        }
        sc.h = nh;
        sc.cap++;
    }
    sc.h[sc.n++] = (holder){.value = s.pool.alpha_in + s.protocol_alpha, .protocol = true};
    unsigned __int128 total = 0;
    for (size_t i = 0; i < sc.n; i++) total += sc.h[i].value;
    uint64_t pot = s.pool.tao, paid = 0;
    holder **order = malloc(sc.n * sizeof *order);
    if (!order) {
        free(sc.h);
        return YUMA_CALL_ERR_NOMEM;
    }
    for (size_t i = 0; i < sc.n; i++) {
        unsigned __int128 num = (unsigned __int128)pot * sc.h[i].value;
        sc.h[i].paid = total ? (uint64_t)(num / total) : 0;
        sc.h[i].remainder = total ? (yu128)(num % total) : 0;
        paid += sc.h[i].paid;
        order[i] = &sc.h[i];
    }
    /* Rounding leftovers: one rao each to the largest remainders. */
    uint64_t leftover = total ? pot - paid : 0;
    qsort(order, sc.n, sizeof *order, by_remainder);
    for (size_t i = 0; i < sc.n && leftover > 0; i++, leftover--) order[i]->paid++;
    yuma_call_status st = YUMA_CALL_OK;
    uint64_t to_holders = 0;
    for (size_t i = 0; i < sc.n && st == YUMA_CALL_OK; i++) {
        holder *h = &sc.h[i];
        if (h->protocol || h->paid == 0) continue;
        to_holders += h->paid;
        account_rec a = account_get(cx->kv, &h->coldkey);
        a.balance += h->paid;
        if (!account_put(cx->kv, &h->coldkey, a)) st = YUMA_CALL_ERR_NOMEM;
    }
    free(order);
    free(sc.h);
    if (st != YUMA_CALL_OK) return st;
    /* What is left on the subnet account is recycled. */
    supply_rec sup = supply_get(cx->kv);
    uint64_t recycled = pot - to_holders + s.fee_tao;
    sup.total_issuance -= recycled;
    sup.total_recycled += recycled;
    if (!supply_put(cx->kv, sup)) return YUMA_CALL_ERR_NOMEM;
    /* Erase the subnet: records keyed (kind, netuid, ...) and the stake
     * records keyed (kind, hotkey, netuid, ...). */
    static const uint8_t by_netuid[] = {REC_NEURON, REC_UID, REC_WEIGHTS, REC_BONDS, REC_AXON, REC_COMMITMENT,
                                        REC_WEIGHT_COMMITS, REC_CHILDREN, REC_PARENTS, REC_PENDING_CHILDREN,
                                        REC_CHILDREN_LAST, REC_CHILDKEY_TAKE, REC_HYPERPARAM_LAST};
    for (size_t i = 0; i < sizeof by_netuid; i++)
        if (!erase_records(cx->kv, by_netuid[i], 1, netuid)) return YUMA_CALL_ERR_NOMEM;
    if (!erase_records(cx->kv, REC_ALPHA_POOL, 33, netuid) || !erase_records(cx->kv, REC_ALPHA_SHARE, 33, netuid))
        return YUMA_CALL_ERR_NOMEM;
    /* Governance switches belong to this subnet, not to the next one to
     * take its netuid. */
    uint8_t key[3] = {REC_SUBNET, (uint8_t)(netuid >> 8), (uint8_t)netuid};
    return ykv_del(cx->kv, key, sizeof key) && gov_subnet_dissolved(cx->kv, netuid) ? YUMA_CALL_OK
                                                                                     : YUMA_CALL_ERR_NOMEM;
}
