/*
 * subnet_rec.c - canonical encodings of subnet, neuron, hotkey and row
 * records (see subnet_rec.h). Every field is written little-endian at a
 * fixed width in declaration order; readers reject a record of the wrong
 * length rather than guess.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/records.h"
#include "chain/subnet_rec.h"

/* ---- a cursor over a value buffer ---- */

typedef struct {
    uint8_t *p;
    const uint8_t *r;
    size_t left;
    bool ok;
} cursor;

static void w_u8(cursor *c, uint8_t v) { *c->p++ = v; }
static void w_u16(cursor *c, uint16_t v) { put_u16(c->p, v); c->p += 2; }
static void w_u64(cursor *c, uint64_t v) { put_u64(c->p, v); c->p += 8; }
static void w_u128(cursor *c, yu128 v) { w_u64(c, (uint64_t)v); w_u64(c, (uint64_t)(v >> 64)); }
static void w_acct(cursor *c, const yuma_account *a) { memcpy(c->p, a->bytes, 32); c->p += 32; }

static bool need(cursor *c, size_t n)
{
    if (!c->ok || c->left < n) return c->ok = false;
    c->left -= n;
    return true;
}
static uint8_t r_u8(cursor *c) { if (!need(c, 1)) return 0; return *c->r++; }
static uint16_t r_u16(cursor *c) { if (!need(c, 2)) return 0; uint16_t v = get_u16(c->r); c->r += 2; return v; }
static uint64_t r_u64(cursor *c) { if (!need(c, 8)) return 0; uint64_t v = get_u64(c->r); c->r += 8; return v; }
static yu128 r_u128(cursor *c) { uint64_t lo = r_u64(c), hi = r_u64(c); return ((yu128)hi << 64) | lo; }
static void r_acct(cursor *c, yuma_account *a) { if (need(c, 32)) { memcpy(a->bytes, c->r, 32); c->r += 32; } }

static size_t key_netuid(uint8_t *k, int rec, uint16_t netuid)
{
    k[0] = (uint8_t)rec;
    k[1] = (uint8_t)(netuid >> 8); /* big endian: key order is netuid order */
    k[2] = (uint8_t)netuid;
    return 3;
}

static size_t key_netuid_uid(uint8_t *k, int rec, uint16_t netuid, uint16_t uid)
{
    key_netuid(k, rec, netuid);
    k[3] = (uint8_t)(uid >> 8);
    k[4] = (uint8_t)uid;
    return 5;
}

/* ---- network ---- */

bool network_get(const ykv *kv, network_rec *out)
{
    uint8_t key[1] = {REC_NETWORK};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, 1, &vlen);
    memset(out, 0, sizeof *out);
    if (!v) return true;
    if (vlen != 16) return false;
    out->last_lock = get_u64(v);
    out->last_lock_block = get_u64(v + 8);
    return true;
}

bool network_put(ykv *kv, const network_rec *r)
{
    uint8_t key[1] = {REC_NETWORK}, val[16];
    put_u64(val, r->last_lock);
    put_u64(val + 8, r->last_lock_block);
    return ykv_put(kv, key, 1, val, sizeof val);
}

/* ---- subnet ---- */

#define SUBNET_LEN 456

static size_t encode_subnet(const subnet_rec *s, uint8_t *buf)
{
    cursor c = {.p = buf};
    w_acct(&c, &s->owner_coldkey);
    w_acct(&c, &s->owner_hotkey);
    w_u64(&c, s->registered_at);
    w_u64(&c, s->first_emission_block);
    w_u64(&c, s->lock);
    w_u16(&c, s->n);
    w_u16(&c, s->max_uids);
    w_u64(&c, s->burn);
    w_u64(&c, s->min_burn);
    w_u64(&c, s->max_burn);
    w_u16(&c, s->burn_half_life);
    w_u128(&c, s->burn_increase_mult);
    w_u64(&c, s->immunity_period);
    w_u16(&c, s->min_allowed_weights);
    w_u64(&c, s->weights_rate_limit);
    w_u64(&c, s->weights_version_key);
    const yuma_hyperparams *h = &s->hp;
    w_u16(&c, h->tempo);
    w_u64(&c, h->activity_cutoff_factor_milli);
    w_u16(&c, h->kappa);
    w_u16(&c, h->bonds_penalty);
    w_u64(&c, h->bonds_moving_average);
    w_u16(&c, h->max_allowed_validators);
    w_u8(&c, h->yuma3);
    w_u8(&c, h->liquid_alpha);
    w_u16(&c, h->alpha_low);
    w_u16(&c, h->alpha_high);
    w_u16(&c, (uint16_t)h->alpha_sigmoid_steepness);
    w_u64(&c, h->stake_threshold);
    w_u64(&c, s->pool.alpha_in);
    w_u64(&c, s->pool.tao);
    w_u64(&c, s->pool.w2);
    w_u8(&c, s->pool_initialized);
    w_u64(&c, s->alpha_out);
    w_u64(&c, s->protocol_alpha);
    w_u64(&c, s->fee_tao);
    w_u64(&c, s->alpha_burned);
    w_u64(&c, s->pending_server);
    w_u64(&c, s->pending_validator);
    w_u64(&c, s->pending_root);
    w_u64(&c, s->pending_owner);
    w_u64(&c, s->last_epoch_block);
    w_u64(&c, s->pending_epoch_at);
    w_u64(&c, s->blocks_since_last_step);
    w_u64(&c, s->epoch_index);
    w_u64(&c, s->last_step_block);
    w_u128(&c, s->moving_price);
    w_u64(&c, s->miner_burned_ppb);
    w_u8(&c, s->commit_reveal);
    w_u64(&c, s->reveal_period_epochs);
    w_u8(&c, s->bonds_reset);
    w_u64(&c, s->serving_rate_limit);
    return (size_t)(c.p - buf);
}

static bool decode_subnet(const uint8_t *v, size_t vlen, subnet_rec *s)
{
    cursor c = {.r = v, .left = vlen, .ok = true};
    memset(s, 0, sizeof *s);
    r_acct(&c, &s->owner_coldkey);
    r_acct(&c, &s->owner_hotkey);
    s->registered_at = r_u64(&c);
    s->first_emission_block = r_u64(&c);
    s->lock = r_u64(&c);
    s->n = r_u16(&c);
    s->max_uids = r_u16(&c);
    s->burn = r_u64(&c);
    s->min_burn = r_u64(&c);
    s->max_burn = r_u64(&c);
    s->burn_half_life = r_u16(&c);
    s->burn_increase_mult = r_u128(&c);
    s->immunity_period = r_u64(&c);
    s->min_allowed_weights = r_u16(&c);
    s->weights_rate_limit = r_u64(&c);
    s->weights_version_key = r_u64(&c);
    yuma_hyperparams *h = &s->hp;
    h->tempo = r_u16(&c);
    h->activity_cutoff_factor_milli = (uint32_t)r_u64(&c);
    h->kappa = r_u16(&c);
    h->bonds_penalty = r_u16(&c);
    h->bonds_moving_average = r_u64(&c);
    h->max_allowed_validators = r_u16(&c);
    h->yuma3 = r_u8(&c);
    h->liquid_alpha = r_u8(&c);
    h->alpha_low = r_u16(&c);
    h->alpha_high = r_u16(&c);
    h->alpha_sigmoid_steepness = (int16_t)r_u16(&c);
    h->stake_threshold = r_u64(&c);
    s->pool.alpha_in = r_u64(&c);
    s->pool.tao = r_u64(&c);
    s->pool.w2 = r_u64(&c);
    s->pool_initialized = r_u8(&c);
    s->alpha_out = r_u64(&c);
    s->protocol_alpha = r_u64(&c);
    s->fee_tao = r_u64(&c);
    s->alpha_burned = r_u64(&c);
    s->pending_server = r_u64(&c);
    s->pending_validator = r_u64(&c);
    s->pending_root = r_u64(&c);
    s->pending_owner = r_u64(&c);
    s->last_epoch_block = r_u64(&c);
    s->pending_epoch_at = r_u64(&c);
    s->blocks_since_last_step = r_u64(&c);
    s->epoch_index = r_u64(&c);
    s->last_step_block = r_u64(&c);
    s->moving_price = r_u128(&c);
    s->miner_burned_ppb = r_u64(&c);
    s->commit_reveal = r_u8(&c);
    s->reveal_period_epochs = r_u64(&c);
    s->bonds_reset = r_u8(&c);
    s->serving_rate_limit = r_u64(&c);
    return c.ok && c.left == 0;
}

bool subnet_get(const ykv *kv, uint16_t netuid, subnet_rec *out)
{
    uint8_t key[3];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, key_netuid(key, REC_SUBNET, netuid), &vlen);
    return v && decode_subnet(v, vlen, out);
}

bool subnet_exists(const ykv *kv, uint16_t netuid)
{
    uint8_t key[3];
    return ykv_get(kv, key, key_netuid(key, REC_SUBNET, netuid), NULL) != NULL;
}

bool subnet_put(ykv *kv, uint16_t netuid, const subnet_rec *s)
{
    uint8_t key[3], buf[SUBNET_LEN + 64];
    size_t len = encode_subnet(s, buf);
    return ykv_put(kv, key, key_netuid(key, REC_SUBNET, netuid), buf, len);
}

/* ---- neuron ---- */

bool neuron_get(const ykv *kv, uint16_t netuid, uint16_t uid, neuron_rec *out)
{
    uint8_t key[5];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, key_netuid_uid(key, REC_NEURON, netuid, uid), &vlen);
    if (!v) return false;
    cursor c = {.r = v, .left = vlen, .ok = true};
    memset(out, 0, sizeof *out);
    r_acct(&c, &out->hotkey);
    out->registered_at = r_u64(&c);
    out->last_update = r_u64(&c);
    out->validator_permit = r_u8(&c);
    out->active = r_u8(&c);
    out->consensus = r_u16(&c);
    out->incentive = r_u16(&c);
    out->dividends = r_u16(&c);
    out->validator_trust = r_u16(&c);
    out->stake_weight = r_u16(&c);
    out->emission = r_u64(&c);
    return c.ok && c.left == 0;
}

bool neuron_put(ykv *kv, uint16_t netuid, uint16_t uid, const neuron_rec *r)
{
    uint8_t key[5], buf[96];
    cursor c = {.p = buf};
    w_acct(&c, &r->hotkey);
    w_u64(&c, r->registered_at);
    w_u64(&c, r->last_update);
    w_u8(&c, r->validator_permit);
    w_u8(&c, r->active);
    w_u16(&c, r->consensus);
    w_u16(&c, r->incentive);
    w_u16(&c, r->dividends);
    w_u16(&c, r->validator_trust);
    w_u16(&c, r->stake_weight);
    w_u64(&c, r->emission);
    return ykv_put(kv, key, key_netuid_uid(key, REC_NEURON, netuid, uid), buf, (size_t)(c.p - buf));
}

/* ---- hotkey -> uid ---- */

static size_t key_uid(uint8_t *k, uint16_t netuid, const yuma_account *hotkey)
{
    key_netuid(k, REC_UID, netuid);
    memcpy(k + 3, hotkey->bytes, 32);
    return 35;
}

bool uid_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey, uint16_t *uid)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, key_uid(key, netuid, hotkey), &vlen);
    if (!v || vlen != 2) return false;
    *uid = get_u16(v);
    return true;
}

bool uid_put(ykv *kv, uint16_t netuid, const yuma_account *hotkey, uint16_t uid)
{
    uint8_t key[35], val[2];
    put_u16(val, uid);
    return ykv_put(kv, key, key_uid(key, netuid, hotkey), val, 2);
}

bool uid_del(ykv *kv, uint16_t netuid, const yuma_account *hotkey)
{
    uint8_t key[35];
    return ykv_del(kv, key, key_uid(key, netuid, hotkey));
}

/* ---- rows ---- */

size_t row_get(const ykv *kv, int rec, uint16_t netuid, uint16_t uid, yuma_entry *out, size_t cap)
{
    uint8_t key[5];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, key_netuid_uid(key, rec, netuid, uid), &vlen);
    if (!v) return 0;
    size_t n = vlen / 4;
    if (n > cap) n = cap;
    for (size_t i = 0; i < n; i++) {
        out[i].uid = get_u16(v + 4 * i);
        out[i].value = get_u16(v + 4 * i + 2);
    }
    return n;
}

bool row_put(ykv *kv, int rec, uint16_t netuid, uint16_t uid, const yuma_entry *e, size_t count)
{
    uint8_t key[5];
    size_t klen = key_netuid_uid(key, rec, netuid, uid);
    if (count == 0) return ykv_del(kv, key, klen);
    uint8_t *buf = malloc(count * 4);
    if (!buf) return false;
    for (size_t i = 0; i < count; i++) {
        put_u16(buf + 4 * i, e[i].uid);
        put_u16(buf + 4 * i + 2, e[i].value);
    }
    bool ok = ykv_put(kv, key, klen, buf, count * 4);
    free(buf);
    return ok;
}

/* ---- hotkeys ---- */

bool hotkey_get(const ykv *kv, const yuma_account *hotkey, hotkey_rec *out)
{
    uint8_t key[33] = {REC_HOTKEY};
    memcpy(key + 1, hotkey->bytes, 32);
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sizeof key, &vlen);
    if (!v || vlen != 42) return false;
    memcpy(out->owner.bytes, v, 32);
    out->take = get_u16(v + 32);
    out->last_take_block = get_u64(v + 34);
    return true;
}

bool hotkey_put(ykv *kv, const yuma_account *hotkey, const hotkey_rec *r)
{
    uint8_t key[33] = {REC_HOTKEY}, val[42];
    memcpy(key + 1, hotkey->bytes, 32);
    memcpy(val, r->owner.bytes, 32);
    put_u16(val + 32, r->take);
    put_u64(val + 34, r->last_take_block);
    return ykv_put(kv, key, sizeof key, val, sizeof val);
}
