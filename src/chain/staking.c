/*
 * staking.c - stake held by coldkeys on hotkeys, per subnet, as share pools
 * (spec economics §7.1): each (hotkey, subnet) has a value in alpha and a
 * share denominator; each coldkey staking on it holds shares. Emission to a
 * hotkey's nominators raises the value without new shares, so every
 * nominator gains pro rata. Shares are u128 integers; every rounding is in
 * the pool's favour (a staker never receives more than its shares are
 * worth, never pays less than it adds).
 *
 * Root (netuid 0) stake is TAO 1:1, without a pool or fee. Other subnets
 * swap TAO through the subnet's pool (pool.c) and stake the alpha bought.
 */
#include <string.h>

#include "chain/calls.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/fixed128.h"

typedef struct {
    uint64_t value;
    yu128 denom;
} alpha_pool;

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

static alpha_pool pool_get(const ykv *kv, const yuma_account *hotkey, uint16_t netuid)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, pool_key(key, hotkey, netuid), &vlen);
    alpha_pool p = {0, 0};
    if (v && vlen == 24) {
        p.value = get_u64(v);
        p.denom = ((yu128)get_u64(v + 16) << 64) | get_u64(v + 8);
    }
    return p;
}

static bool pool_put(ykv *kv, const yuma_account *hotkey, uint16_t netuid, alpha_pool p)
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

/* floor(a * b / d) for a value below 2^64 and 128-bit shares. */
static yu128 mul_div_floor(yu128 a, yu128 b, yu128 d)
{
    yu128 out;
    return yu128_mul_div(a, b, d, &out) ? out : YU128_MAX;
}

uint64_t stake_total(const ykv *kv, const yuma_account *hotkey, uint16_t netuid)
{
    return pool_get(kv, hotkey, netuid).value;
}

uint64_t stake_of(const ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid)
{
    alpha_pool p = pool_get(kv, hotkey, netuid);
    yu128 s = shares_get(kv, hotkey, netuid, coldkey);
    if (p.denom == 0 || s == 0) return 0;
    return (uint64_t)mul_div_floor(p.value, s, p.denom);
}

stake_status stake_add(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                       uint64_t amount)
{
    if (amount == 0) return STAKE_OK;
    alpha_pool p = pool_get(kv, hotkey, netuid);
    yu128 s;
    if (p.denom == 0) {
        /* An empty pool starts at one share per rao. Dust a previous last
         * leaver could not take (rounding) goes to the next staker. */
        s = amount;
    } else {
        s = mul_div_floor(amount, p.denom, p.value); /* floor: the pool keeps the dust */
        if (s == 0) return STAKE_ERR_TOO_SMALL;
    }
    if (p.value > UINT64_MAX - amount) return STAKE_ERR_OVERFLOW;
    yu128 held = shares_get(kv, hotkey, netuid, coldkey);
    p.value += amount;
    p.denom += s;
    if (!pool_put(kv, hotkey, netuid, p) || !shares_put(kv, hotkey, netuid, coldkey, held + s) ||
        !track_root(kv, netuid, amount, 0))
        return STAKE_ERR_NOMEM;
    return STAKE_OK;
}

stake_status stake_remove(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                          uint64_t amount)
{
    alpha_pool p = pool_get(kv, hotkey, netuid);
    yu128 held = shares_get(kv, hotkey, netuid, coldkey);
    uint64_t worth = (p.denom == 0 || held == 0) ? 0 : (uint64_t)mul_div_floor(p.value, held, p.denom);
    if (amount == 0) return STAKE_OK;
    if (amount > worth) return STAKE_ERR_INSUFFICIENT;
    yu128 s;
    if (amount == worth) {
        s = held; /* taking everything takes every share */
    } else if (!yu128_mul_div_ceil(amount, p.denom, p.value, &s) || s > held) {
        return STAKE_ERR_INSUFFICIENT; /* ceil: the leaver pays the dust */
    }
    /* When the last shares leave, rounding dust may stay as value with no
     * shares; it is still staked alpha and goes to the next staker. */
    p.value -= amount;
    p.denom -= s;
    if (!pool_put(kv, hotkey, netuid, p) || !shares_put(kv, hotkey, netuid, coldkey, held - s) ||
        !track_root(kv, netuid, 0, amount))
        return STAKE_ERR_NOMEM;
    return STAKE_OK;
}

stake_status stake_emit(ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint64_t amount)
{
    if (amount == 0) return STAKE_OK;
    alpha_pool p = pool_get(kv, hotkey, netuid);
    if (p.value > UINT64_MAX - amount) return STAKE_ERR_OVERFLOW;
    p.value += amount;
    return pool_put(kv, hotkey, netuid, p) && track_root(kv, netuid, amount, 0) ? STAKE_OK : STAKE_ERR_NOMEM;
}

/* The epoch's stake weight (spec economics §4.2, without child keys): own
 * alpha stake on the subnet plus TaoWeight times own root stake, returned as
 * (alpha, root) for yuma_epoch's x_i = A*2^32 + R*tau. */
void stake_weight_parts(const ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint64_t *alpha, uint64_t *root)
{
    *alpha = stake_total(kv, hotkey, netuid);
    *root = stake_total(kv, hotkey, 0);
}
