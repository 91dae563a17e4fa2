/*
 * metrics.c - stake concentration metrics (see metrics.h): the pure
 * computation over a list of powers, and the collectors that read each
 * population (a subnet's permitted validators, root stake, the stake house
 * by coldkey, the council's seats) from chain state in key order.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "chain/chain_internal.h"
#include "gov/metrics.h"
#include "yuma/fixed128.h"

typedef unsigned __int128 u128;

static int cmp_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* floor(a * b / d) for a * b / d known to fit 64 bits (d > 0). */
static uint64_t mul_div(u128 a, u128 b, u128 d)
{
    yu128 q;
    return yu128_mul_div(a, b, d, &q) ? (uint64_t)q : UINT64_MAX;
}

/* The smallest k with prefix_k * den > num * total (strictly above num/den). */
static uint32_t nakamoto(const uint64_t *desc, uint32_t n, u128 total, unsigned num, unsigned den)
{
    u128 prefix = 0;
    for (uint32_t k = 0; k < n; k++) {
        prefix += desc[k];
        if (prefix * den > total * num) return k + 1;
    }
    return 0;
}

static uint64_t top_share(const uint64_t *desc, uint32_t n, uint32_t k, u128 total)
{
    u128 sum = 0;
    for (uint32_t i = 0; i < n && i < k; i++) sum += desc[i];
    return mul_div(sum, GOV_PPB, total);
}

bool gov_concentration_compute(const uint64_t *power, size_t n, gov_concentration *out)
{
    memset(out, 0, sizeof *out);
    uint64_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return false;
    uint32_t m = 0;
    u128 total = 0;
    for (size_t i = 0; i < n; i++)
        if (power[i]) {
            v[m++] = power[i];
            total += power[i];
        }
    out->holders = m;
    out->total = total;
    if (m == 0) {
        free(v);
        return true;
    }
    qsort(v, m, sizeof *v, cmp_desc);
    /* NC and CR-k are exact on the full values (the sums fit 128 bits). */
    out->nc_third = nakamoto(v, m, total, 1, 3);
    out->nc_half = nakamoto(v, m, total, 1, 2);
    out->nc_two_thirds = nakamoto(v, m, total, 2, 3);
    out->top5_ppb = top_share(v, m, 5, total);
    out->top10_ppb = top_share(v, m, 10, total);
    /* Squares and the Gini numerator need headroom: below 2^62 in total,
     * the squares' sum stays below 2^124. */
    unsigned shift = 0;
    while ((total >> shift) >= ((u128)1 << 62)) shift++;
    u128 t = 0, sq = 0, weighted = 0;
    for (uint32_t i = 0; i < m; i++) {
        u128 x = v[i] >> shift;
        t += x;
        sq += x * x;
        /* v is descending: ascending rank of v[i] is m - 1 - i. */
        weighted += (u128)(2 * (uint64_t)(m - 1 - i) + 1) * x;
    }
    if (t == 0) {
        free(v);
        return true;
    }
    /* sum (2r + 1 - m) x_r = weighted - m t, never negative (x ascending in r). */
    out->gini_ppb = mul_div(weighted - (u128)m * t, GOV_PPB, (u128)m * t);
    out->hhi_ppb = mul_div(sq, GOV_PPB, t * t);
    out->hhi = mul_div(sq, 10000, t * t);
    out->effective_milli = mul_div(t * t, 1000, sq);
    free(v);
    return true;
}

/* ---- populations ---- */

typedef struct {
    uint64_t *v;
    size_t n, cap;
} powers;

static bool push(powers *p, uint64_t x)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        uint64_t *nv = realloc(p->v, cap * sizeof *nv);
        if (!nv) return false;
        p->v = nv;
        p->cap = cap;
    }
    p->v[p->n++] = x;
    return true;
}

static bool finish(powers *p, bool ok, gov_concentration *out)
{
    ok = ok && gov_concentration_compute(p->v, p->n, out);
    free(p->v);
    if (!ok) memset(out, 0, sizeof *out);
    return ok;
}

bool gov_metrics_subnet(const ykv *kv, uint16_t netuid, gov_concentration *out)
{
    memset(out, 0, sizeof *out);
    subnet_rec s;
    if (!subnet_get(kv, netuid, &s)) return false;
    powers p = {0};
    bool ok = true;
    for (uint16_t uid = 0; ok && uid < s.n; uid++) {
        neuron_rec nr;
        if (neuron_get(kv, netuid, uid, &nr) && nr.validator_permit)
            ok = push(&p, stake_total(kv, &nr.hotkey, netuid));
    }
    return finish(&p, ok, out);
}

typedef struct {
    powers p;
    bool nomem;
} root_scan;

static bool collect_root(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    root_scan *r = ctx;
    if (klen != 35 || vlen != 24 || key[33] != 0 || key[34] != 0) return true; /* root is netuid 0 */
    if (!push(&r->p, get_u64(val))) return !(r->nomem = true);
    return true;
}

bool gov_metrics_root(const ykv *kv, gov_concentration *out)
{
    root_scan r = {0};
    uint8_t prefix = REC_ALPHA_POOL;
    bool ok = ykv_scan_prefix(kv, &prefix, 1, collect_root, &r) && !r.nomem;
    return finish(&r.p, ok, out);
}

/* ---- the stake house, by coldkey ---- */

typedef struct {
    yuma_account coldkey;
    uint64_t value;              /* rao of TAO */
} holding;

typedef struct {
    const ykv *kv;
    holding *v;
    size_t n, cap;
    bool nomem;
    uint16_t price_netuid;       /* cache of the last subnet's EMA price */
    yu128 price;
} house_scan;

static yu128 ema_price(house_scan *h, uint16_t netuid)
{
    if (netuid != h->price_netuid) {
        subnet_rec s;
        h->price = subnet_get(h->kv, netuid, &s) ? s.moving_price : 0;
        h->price_netuid = netuid;
    }
    return h->price;
}

static bool collect_holding(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val, (void)vlen;
    house_scan *h = ctx;
    if (klen != 67) return true;
    yuma_account hotkey, coldkey;
    memcpy(hotkey.bytes, key + 1, 32);
    uint16_t netuid = (uint16_t)((key[33] << 8) | key[34]);
    memcpy(coldkey.bytes, key + 35, 32);
    uint64_t stake = stake_of(h->kv, &hotkey, &coldkey, netuid), tao = stake;
    if (netuid != 0) {
        /* alpha x EMA price (I96F32), floored to rao, saturating. */
        u128 x = ((u128)stake * ema_price(h, netuid)) >> 32;
        tao = x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
    }
    if (tao == 0) return true;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        holding *nv = realloc(h->v, cap * sizeof *nv);
        if (!nv) return !(h->nomem = true);
        h->v = nv;
        h->cap = cap;
    }
    h->v[h->n++] = (holding){coldkey, tao};
    return true;
}

static int cmp_holding(const void *a, const void *b)
{
    return memcmp(((const holding *)a)->coldkey.bytes, ((const holding *)b)->coldkey.bytes, 32);
}

bool gov_metrics_stake_house(const ykv *kv, gov_concentration *out)
{
    house_scan h = {.kv = kv, .price_netuid = 0xFFFF};
    uint8_t prefix = REC_ALPHA_SHARE;
    bool ok = ykv_scan_prefix(kv, &prefix, 1, collect_holding, &h) && !h.nomem;
    powers p = {0};
    if (ok && h.n) {
        /* One power per coldkey: sort by coldkey and add up (saturating). */
        qsort(h.v, h.n, sizeof *h.v, cmp_holding);
        uint64_t acc = h.v[0].value;
        for (size_t i = 1; ok && i <= h.n; i++) {
            if (i < h.n && cmp_holding(&h.v[i - 1], &h.v[i]) == 0) {
                acc = acc > UINT64_MAX - h.v[i].value ? UINT64_MAX : acc + h.v[i].value;
                continue;
            }
            ok = push(&p, acc);
            if (i < h.n) acc = h.v[i].value;
        }
    }
    free(h.v);
    return finish(&p, ok, out);
}

static int cmp_account(const void *a, const void *b)
{
    return memcmp(((const yuma_account *)a)->bytes, ((const yuma_account *)b)->bytes, 32);
}

bool gov_metrics_council(const yuma_account *seat_holders, size_t n, gov_concentration *out)
{
    yuma_account *s = malloc((n ? n : 1) * sizeof *s);
    powers p = {0};
    bool ok = s != NULL;
    if (ok && n) {
        memcpy(s, seat_holders, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_account);
        uint64_t run = 1;
        for (size_t i = 1; ok && i <= n; i++) {
            if (i < n && cmp_account(&s[i - 1], &s[i]) == 0) {
                run++;
                continue;
            }
            ok = push(&p, run);
            run = 1;
        }
    }
    free(s);
    return finish(&p, ok, out);
}

bool gov_metrics_stake_house_nc(const ykv *kv, uint32_t *nc_half, bool *raise_council_threshold)
{
    gov_concentration c;
    if (!gov_metrics_stake_house(kv, &c)) return false;
    yuma_chain_params p;
    if (!chain_params_load(kv, &p)) p = yuma_chain_params_default();
    *nc_half = c.nc_half;
    *raise_council_threshold = c.nc_half < p.gov.nc_min;
    return true;
}
