/*
 * staking.c - stake held by coldkeys on hotkeys, per subnet, stored as
 * share pools (spec economics §7.1; the arithmetic is sharepool.c): each
 * (hotkey, subnet) record holds a value in alpha and a share denominator,
 * each (hotkey, subnet, coldkey) record its shares. Emission to a hotkey's
 * nominators raises the value without new shares, so every nominator gains
 * pro rata; every rounding is in the pool's favour.
 *
 * Root (netuid 0) stake is TAO 1:1, without a pool or fee. Other subnets
 * swap TAO through the subnet's pool (pool.c) and stake the alpha bought.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/fixed128.h"
#include "yuma/sharepool.h"

static size_t pool_key(uint8_t *k, const yuma_account *hotkey, uint16_t netuid)
{
    k[0] = REC_ALPHA_POOL;
    memcpy(k + 1, hotkey->bytes, 32);
    k[33] = (uint8_t)(netuid >> 8);
    k[34] = (uint8_t)netuid;
    return 35;
}

static size_t share_key(uint8_t *k, const yuma_account *hotkey, uint16_t netuid, const yuma_account *coldkey)
{
    k[0] = REC_ALPHA_SHARE;
    memcpy(k + 1, hotkey->bytes, 32);
    k[33] = (uint8_t)(netuid >> 8);
    k[34] = (uint8_t)netuid;
    memcpy(k + 35, coldkey->bytes, 32);
    return 67;
}

/* Root stake is TAO: its total is kept in a global record so the coinbase
 * can read it without scanning every stake pool. */
static bool track_root(ykv *kv, uint16_t netuid, uint64_t added, uint64_t removed)
{
    if (netuid != 0) return true;
    return root_tao_put(kv, root_tao_get(kv) + added - removed);
}

static yuma_sharepool pool_get(const ykv *kv, const yuma_account *hotkey, uint16_t netuid)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, pool_key(key, hotkey, netuid), &vlen);
    yuma_sharepool p = {0, 0};
    if (v && vlen == 24) {
        p.value = get_u64(v);
        p.denom = ((yu128)get_u64(v + 16) << 64) | get_u64(v + 8);
    }
    return p;
}

static bool pool_put(ykv *kv, const yuma_account *hotkey, uint16_t netuid, yuma_sharepool p)
{
    uint8_t key[35], val[24];
    size_t klen = pool_key(key, hotkey, netuid);
    if (p.value == 0 && p.denom == 0) return ykv_del(kv, key, klen);
    put_u64(val, p.value);
    put_u64(val + 8, (uint64_t)p.denom);
    put_u64(val + 16, (uint64_t)(p.denom >> 64));
    return ykv_put(kv, key, klen, val, sizeof val);
}

static yu128 shares_get(const ykv *kv, const yuma_account *hotkey, uint16_t netuid, const yuma_account *coldkey)
{
    uint8_t key[67];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, share_key(key, hotkey, netuid, coldkey), &vlen);
    if (!v || vlen != 16) return 0;
    return ((yu128)get_u64(v + 8) << 64) | get_u64(v);
}

static bool shares_put(ykv *kv, const yuma_account *hotkey, uint16_t netuid, const yuma_account *coldkey, yu128 s)
{
    uint8_t key[67], val[16];
    size_t klen = share_key(key, hotkey, netuid, coldkey);
    if (s == 0) return ykv_del(kv, key, klen);
    put_u64(val, (uint64_t)s);
    put_u64(val + 8, (uint64_t)(s >> 64));
    return ykv_put(kv, key, klen, val, sizeof val);
}

uint64_t stake_total(const ykv *kv, const yuma_account *hotkey, uint16_t netuid)
{
    return pool_get(kv, hotkey, netuid).value;
}

uint64_t stake_of(const ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid)
{
    yuma_sharepool p = pool_get(kv, hotkey, netuid);
    return yuma_sharepool_value_of(&p, shares_get(kv, hotkey, netuid, coldkey));
}

static stake_status from_share(yuma_share_status s)
{
    switch (s) {
    case YUMA_SHARE_OK: return STAKE_OK;
    case YUMA_SHARE_ERR_ZERO_SHARES: return STAKE_ERR_TOO_SMALL;
    case YUMA_SHARE_ERR_INSUFFICIENT:
    case YUMA_SHARE_ERR_INCONSISTENT: return STAKE_ERR_INSUFFICIENT;
    case YUMA_SHARE_ERR_OVERFLOW: return STAKE_ERR_OVERFLOW;
    case YUMA_SHARE_ERR_INVALID_ARGUMENT: break;
    }
    return STAKE_ERR_NOMEM;
}

static stake_status store(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                          const yuma_sharepool *p, yu128 shares, uint64_t added, uint64_t removed)
{
    if (!pool_put(kv, hotkey, netuid, *p) || !shares_put(kv, hotkey, netuid, coldkey, shares) ||
        !track_root(kv, netuid, added, removed))
        return STAKE_ERR_NOMEM;
    return STAKE_OK;
}

stake_status stake_add(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                       uint64_t amount)
{
    if (amount == 0) return STAKE_OK;
    yuma_sharepool p = pool_get(kv, hotkey, netuid);
    yu128 shares = shares_get(kv, hotkey, netuid, coldkey);
    uint64_t before = p.value;
    stake_status st = from_share(yuma_sharepool_add(&p, &shares, amount));
    if (st != STAKE_OK) return st;
    return store(kv, hotkey, coldkey, netuid, &p, shares, p.value - before, 0);
}

stake_status stake_remove(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                          uint64_t amount)
{
    if (amount == 0) return STAKE_OK;
    yuma_sharepool p = pool_get(kv, hotkey, netuid);
    yu128 shares = shares_get(kv, hotkey, netuid, coldkey);
    stake_status st;
    if (amount == yuma_sharepool_value_of(&p, shares)) {
        uint64_t removed;
        st = from_share(yuma_sharepool_remove_all(&p, &shares, &removed)); /* all shares go with the last rao */
    } else {
        st = from_share(yuma_sharepool_remove(&p, &shares, amount));
    }
    if (st != STAKE_OK) return st;
    return store(kv, hotkey, coldkey, netuid, &p, shares, 0, amount);
}

stake_status stake_emit(ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint64_t amount)
{
    if (amount == 0) return STAKE_OK;
    yuma_sharepool p = pool_get(kv, hotkey, netuid);
    stake_status st = from_share(yuma_sharepool_distribute(&p, amount));
    if (st != STAKE_OK) return st;
    return pool_put(kv, hotkey, netuid, p) && track_root(kv, netuid, amount, 0) ? STAKE_OK : STAKE_ERR_NOMEM;
}

/* A proportion of 2^64 - 1 as U96F32 (truncated). */
static yu128 proportion_u96f32(uint64_t p)
{
    return ((yu128)p << 32) / UINT64_MAX;
}

/* One side (alpha on netuid, or root) of the inherited stake of economics
 * §4.2: own stake, minus what the hotkey gives its children, plus what its
 * parents give it, in U96F32 and floored to rao. */
static uint64_t inherited_side(const ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint16_t side,
                               const yuma_child *children, size_t nc, const yuma_child *parents, size_t np)
{
    uint64_t own = stake_total(kv, hotkey, side);
    yu128 raw = (yu128)own << 32, out = 0, in = 0;
    for (size_t c = 0; c < nc; c++) out += (yu128)own * proportion_u96f32(children[c].proportion);
    for (size_t p = 0; p < np; p++)
        in += (yu128)stake_total(kv, &parents[p].child, side) * proportion_u96f32(parents[p].proportion);
    (void)netuid;
    raw = raw > out ? raw - out : 0;
    raw += in;
    yu128 r = raw >> 32;
    return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

/* The epoch's stake inputs of a hotkey (economics §4.2): alpha on the
 * subnet and root stake, each inherited through child keys, for
 * yuma_epoch's x_i = A*2^32 + R*tau. False only when out of memory. */
bool stake_weight_parts(const ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint64_t *alpha, uint64_t *root)
{
    yuma_child children[YUMA_TX_MAX_CHILDREN], *parents = NULL;
    size_t np = 0, nc = children_get(kv, netuid, hotkey, children);
    if (!parents_get(kv, netuid, hotkey, &parents, &np)) return false;
    *alpha = inherited_side(kv, hotkey, netuid, netuid, children, nc, parents, np);
    *root = inherited_side(kv, hotkey, netuid, 0, children, nc, parents, np);
    free(parents);
    return true;
}
