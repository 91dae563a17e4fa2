/*
 * block_codec.c - the byte encoding of a block as cluster mode stores it
 * in etcd and serves it to peers (include/yuma/cluster.h): the header
 * fields the store keeps for a block (height, parent, author, state root,
 * hash), then each transaction's call status and canonical bytes.
 *
 * Decoding is strict because the bytes come from outside the process: any
 * count or length that does not fit, an unknown call status or trailing
 * bytes is an error naming the offset.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/cluster.h"

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

bool yuma_block_encode(const yuma_block *b, const yuma_block_result *r, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (b->tx_count > UINT32_MAX || r->tx_count != b->tx_count || (b->tx_count && !r->call_status)) return false;
    size_t n = YUMA_BLOCK_HEADER_SIZE;
    for (size_t i = 0; i < b->tx_count; i++) {
        if (b->txs[i].len > UINT32_MAX || (unsigned)r->call_status[i] > UINT16_MAX) return false;
        n += 6 + b->txs[i].len;
    }
    uint8_t *buf = malloc(n), *p = buf;
    if (!buf) return false;
    memcpy(p, YUMA_BLOCK_MAGIC, 4);
    put_u64(p + 4, b->height);
    memcpy(p + 12, b->parent_hash, 32);
    memcpy(p + 44, b->author.bytes, 32);
    memcpy(p + 76, r->state_root, 32);
    memcpy(p + 108, r->block_hash, 32);
    put_u32(p + 140, (uint32_t)b->tx_count);
    p += YUMA_BLOCK_HEADER_SIZE;
    for (size_t i = 0; i < b->tx_count; i++) {
        put_u16(p, (uint16_t)r->call_status[i]);
        put_u32(p + 2, (uint32_t)b->txs[i].len);
        if (b->txs[i].len) memcpy(p + 6, b->txs[i].data, b->txs[i].len);
        p += 6 + b->txs[i].len;
    }
    *out = buf;
    *len = n;
    return true;
}

void yuma_cluster_block_free(yuma_cluster_block *b)
{
    if (!b) return;
    free(b->txs);
    free(b->call_status);
    free(b->owned);
    memset(b, 0, sizeof *b);
}

/* The highest call status this build knows; a larger one cannot be the
 * result of executing the block here. */
#define MAX_CALL_STATUS YUMA_CALL_ERR_SAME_STAKE_POSITION

bool yuma_block_decode(const uint8_t *buf, size_t len, yuma_cluster_block *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len < YUMA_BLOCK_HEADER_SIZE || memcmp(buf, YUMA_BLOCK_MAGIC, 4) != 0) {
        snprintf(err, errlen, "not an encoded block (%zu bytes; it must start with \"%s\" and hold a %d-byte header)",
                 len, YUMA_BLOCK_MAGIC, YUMA_BLOCK_HEADER_SIZE);
        return false;
    }
    out->height = get_u64(buf + 4);
    memcpy(out->parent_hash, buf + 12, 32);
    memcpy(out->author.bytes, buf + 44, 32);
    memcpy(out->state_root, buf + 76, 32);
    memcpy(out->hash, buf + 108, 32);
    uint32_t count = get_u32(buf + 140);
    /* Each transaction takes at least 6 bytes: a count the rest cannot
     * hold is refused before anything is allocated for it. */
    if (out->height == 0) {
        snprintf(err, errlen, "block height 0 is not a block (the genesis is height 0 and has none)");
        return false;
    }
    if (count > (len - YUMA_BLOCK_HEADER_SIZE) / 6) {
        snprintf(err, errlen, "block %llu claims %u transactions in %zu bytes", (unsigned long long)out->height, count,
                 len);
        return false;
    }
    out->tx_count = count;
    out->owned = malloc(len);
    out->txs = calloc(count ? count : 1, sizeof *out->txs);
    out->call_status = calloc(count ? count : 1, sizeof *out->call_status);
    if (!out->owned || !out->txs || !out->call_status) {
        yuma_cluster_block_free(out);
        snprintf(err, errlen, "out of memory decoding a block");
        return false;
    }
    memcpy(out->owned, buf, len);
    size_t at = YUMA_BLOCK_HEADER_SIZE;
    for (uint32_t i = 0; i < count; i++) {
        if (len - at < 6) {
            snprintf(err, errlen, "block %llu: transaction %u's header is cut off at byte %zu",
                     (unsigned long long)out->height, i, at);
            yuma_cluster_block_free(out);
            return false;
        }
        uint16_t status = get_u16(buf + at);
        uint32_t n = get_u32(buf + at + 2);
        if (status > MAX_CALL_STATUS || n == 0 || n > len - at - 6) {
            snprintf(err, errlen, "block %llu: transaction %u at byte %zu has %s", (unsigned long long)out->height, i,
                     at, status > MAX_CALL_STATUS ? "an unknown call status" : "a length that does not fit the block");
            yuma_cluster_block_free(out);
            return false;
        }
        out->call_status[i] = (yuma_call_status)status;
        out->txs[i] = (yuma_tx_bytes){out->owned + at + 6, n};
        at += 6 + n;
    }
    if (at != len) {
        snprintf(err, errlen, "block %llu: %zu bytes left over after its %u transactions",
                 (unsigned long long)out->height, len - at, count);
        yuma_cluster_block_free(out);
        return false;
    }
    return true;
}

void yuma_cluster_block_hash(const yuma_cluster_block *b, uint8_t out[32])
{
    /* The transactions' root: BLAKE2b-256 over their ids in order, each id
     * BLAKE2b-256 of the encoding (src/chain/chain.c). */
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    for (size_t i = 0; i < b->tx_count; i++) {
        uint8_t id[32];
        crypto_generichash(id, 32, b->txs[i].data, b->txs[i].len, NULL, 0);
        crypto_generichash_update(&st, id, 32);
    }
    uint8_t tx_root[32], buf[8 + 4 * 32];
    crypto_generichash_final(&st, tx_root, 32);
    put_u64(buf, b->height); /* little-endian, as the chain's records.h */
    memcpy(buf + 8, b->parent_hash, 32);
    memcpy(buf + 40, b->author.bytes, 32);
    memcpy(buf + 72, tx_root, 32);
    memcpy(buf + 104, b->state_root, 32);
    crypto_generichash(out, 32, buf, sizeof buf, NULL, 0);
}
