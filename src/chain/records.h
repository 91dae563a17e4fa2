/*
 * records.h - the layout of chain state records in the key/value store:
 * one key prefix per kind of record and the canonical little-endian
 * encoding of each value. Every module that owns a kind of record reads and
 * writes it through these helpers, so the bytes the state root commits to
 * are defined in one place (docs/CHAIN.md lists them).
 */
#ifndef YUMA_CHAIN_RECORDS_H
#define YUMA_CHAIN_RECORDS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "chain/kv.h"
#include "yuma/tx.h"

enum {
    REC_GLOBAL = 0x01,     /* + one byte: which global */
    REC_ACCOUNT = 0x02,    /* + account: balance, nonce */
};

enum {
    GLOBAL_SUPPLY = 0x01,  /* total issuance, total recycled */
    GLOBAL_HEAD = 0x02,    /* height, parent hash of the last applied block */
    GLOBAL_PARAMS = 0x03,  /* the chain parameters */
    GLOBAL_ROOT_TAO = 0x04,/* TAO staked on root (netuid 0), kept with every root stake change */
};

static inline void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

typedef struct {
    uint64_t balance;
    uint64_t nonce;
} account_rec;

static inline size_t account_key(uint8_t key[33], const yuma_account *a)
{
    key[0] = REC_ACCOUNT;
    memcpy(key + 1, a->bytes, 32);
    return 33;
}

static inline account_rec account_get(const ykv *kv, const yuma_account *a)
{
    uint8_t key[33];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, account_key(key, a), &vlen);
    account_rec r = {0, 0};
    if (v && vlen == 16) {
        r.balance = get_u64(v);
        r.nonce = get_u64(v + 8);
    }
    return r;
}

/* An account that never held anything and never signed has no record. */
static inline bool account_put(ykv *kv, const yuma_account *a, account_rec r)
{
    uint8_t key[33], val[16];
    size_t klen = account_key(key, a);
    if (r.balance == 0 && r.nonce == 0) return ykv_del(kv, key, klen);
    put_u64(val, r.balance);
    put_u64(val + 8, r.nonce);
    return ykv_put(kv, key, klen, val, sizeof val);
}

typedef struct {
    uint64_t total_issuance;   /* minted minus recycled */
    uint64_t total_recycled;
} supply_rec;

static inline supply_rec supply_get(const ykv *kv)
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_SUPPLY};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sizeof key, &vlen);
    supply_rec s = {0, 0};
    if (v && vlen == 16) {
        s.total_issuance = get_u64(v);
        s.total_recycled = get_u64(v + 8);
    }
    return s;
}

static inline bool supply_put(ykv *kv, supply_rec s)
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_SUPPLY}, val[16];
    put_u64(val, s.total_issuance);
    put_u64(val + 8, s.total_recycled);
    return ykv_put(kv, key, sizeof key, val, sizeof val);
}

static inline uint64_t root_tao_get(const ykv *kv)
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_ROOT_TAO};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sizeof key, &vlen);
    return v && vlen == 8 ? get_u64(v) : 0;
}

static inline bool root_tao_put(ykv *kv, uint64_t total)
{
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_ROOT_TAO}, val[8];
    put_u64(val, total);
    return ykv_put(kv, key, sizeof key, val, sizeof val);
}

#endif
