/*
 * exit_price.c - the price at which a rage exit pays (governance-and-users
 * §5.5: "unstaked at the pre-proposal 7-day EMA price"): every subnet's
 * spot price folded into an EMA over gov_price_ema_blocks, sampled in the
 * block step. A proposal takes the higher of this EMA and the spot price
 * at submission (proposal.c), so a dump just before the proposal cannot
 * cheapen the exit, and a pump just before it moves a 7-day average only a
 * little.
 *
 * The chain's own EMA price (subnet_rec.moving_price, economics §3.5)
 * does not serve: it is capped at 1.0 and approaches a young subnet's
 * price over months, so it would pay a subnet trading at 3 TAO as if it
 * traded at 1.
 *
 * Record 0x2D + netuid (BE): the EMA (I96F32, u128 BE) and the subnet's
 * registration block (a reused netuid is another subnet: it starts over).
 */
#include <string.h>

#include "chain/records.h"
#include "chain/subnet_rec.h"
#include "gov/gov.h"
#include "yuma/pool.h"

#define EMA_VALUE 24

static size_t ema_key(uint8_t k[3], uint16_t netuid)
{
    k[0] = REC_GOV_PRICE_EMA;
    k[1] = (uint8_t)(netuid >> 8);
    k[2] = (uint8_t)netuid;
    return 3;
}

static bool ema_read(const ykv *kv, uint16_t netuid, yu128 *ema, uint64_t *registered_at)
{
    uint8_t key[3];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, ema_key(key, netuid), &vlen);
    if (!v || vlen != EMA_VALUE) return false;
    *ema = (yu128)get_u64(v) << 64 | get_u64(v + 8);
    *registered_at = get_u64(v + 16);
    return true;
}

bool gov_price_ema(const ykv *kv, uint16_t netuid, yu128 *out)
{
    subnet_rec s;
    uint64_t reg;
    if (!subnet_get(kv, netuid, &s) || !ema_read(kv, netuid, out, &reg)) return false;
    return reg == s.registered_at;
}

/* One sample: ema + (spot - ema) * 2S / (W + S), in integers. */
static yu128 fold(yu128 ema, yu128 spot, uint64_t sample, uint64_t window)
{
    unsigned __int128 num = (unsigned __int128)2 * sample, den = (unsigned __int128)window + sample;
    if (num >= den) return spot;
    yu128 a, b;
    if (!yu128_mul_div(ema, den - num, den, &a) || !yu128_mul_div(spot, num, den, &b)) return spot;
    return a + b;
}

bool gov_sample_prices(call_ctx *cx)
{
    const yuma_gov_params *g = &cx->params->gov;
    uint16_t bound = subnet_netuid_bound(cx->params);
    for (uint16_t n = 1; n <= bound; n++) {
        subnet_rec s;
        if (!subnet_get(cx->kv, n, &s)) continue;
        yu128 spot = yuma_pool_price(&s.pool) >> 32, ema;
        uint64_t reg;
        bool have = ema_read(cx->kv, n, &ema, &reg) && reg == s.registered_at;
        ema = have ? fold(ema, spot, g->seat_sample_blocks, g->price_ema_blocks) : spot;
        uint8_t key[3], v[EMA_VALUE];
        put_u64(v, (uint64_t)(ema >> 64));
        put_u64(v + 8, (uint64_t)ema);
        put_u64(v + 16, s.registered_at);
        if (!ykv_put(cx->kv, key, ema_key(key, n), v, sizeof v)) return false;
    }
    return true;
}
