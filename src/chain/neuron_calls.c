/*
 * neuron_calls.c - what a registered neuron publishes about itself:
 * serve_axon (where its server listens) and set_commitment (up to 128
 * bytes of metadata, e.g. a model hash). Both are signed by the hotkey,
 * need a uid on the subnet, are rate limited per (netuid, hotkey) and are
 * stored keyed by (netuid, hotkey), as the reference's Axons and
 * CommitmentOf maps are, so a record outlives a uid replacement.
 *
 * A commitment also clears the bonds held on the committing uid when the
 * subnet's bonds_reset switch is on (yuma-consensus §2.9.4): a miner that
 * announces a new model starts without the old model's bonds.
 */
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/records.h"
#include "chain/subnet_rec.h"

#define AXON_LEN 31 /* block u64, version u32, ip 16, port u16, protocol u8 */

bool axon_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey, axon_rec *out)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_AXON, netuid, hotkey), &vlen);
    if (!v || vlen != AXON_LEN) return false;
    out->block = get_u64(v);
    out->version = (uint32_t)v[8] | (uint32_t)v[9] << 8 | (uint32_t)v[10] << 16 | (uint32_t)v[11] << 24;
    memcpy(out->ip, v + 12, 16);
    out->port = get_u16(v + 28);
    out->protocol = v[30];
    return true;
}

static bool axon_put(ykv *kv, uint16_t netuid, const yuma_account *hotkey, const axon_rec *a)
{
    uint8_t key[35], v[AXON_LEN];
    put_u64(v, a->block);
    for (int i = 0; i < 4; i++) v[8 + i] = (uint8_t)(a->version >> (8 * i));
    memcpy(v + 12, a->ip, 16);
    put_u16(v + 28, a->port);
    v[30] = a->protocol;
    return ykv_put(kv, key, call_key(key, REC_AXON, netuid, hotkey), v, sizeof v);
}

bool commitment_get(const ykv *kv, uint16_t netuid, const yuma_account *hotkey, commitment_rec *out)
{
    uint8_t key[35];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, call_key(key, REC_COMMITMENT, netuid, hotkey), &vlen);
    if (!v || vlen < 8 || vlen - 8 > YUMA_TX_MAX_COMMITMENT) return false;
    out->block = get_u64(v);
    out->len = (uint32_t)(vlen - 8);
    memcpy(out->data, v + 8, out->len);
    return true;
}

static bool commitment_put(ykv *kv, uint16_t netuid, const yuma_account *hotkey, const commitment_rec *c)
{
    uint8_t key[35], v[8 + YUMA_TX_MAX_COMMITMENT];
    put_u64(v, c->block);
    memcpy(v + 8, c->data, c->len);
    return ykv_put(kv, key, call_key(key, REC_COMMITMENT, netuid, hotkey), v, 8 + c->len);
}

/* The subnet and the signer's uid on it: both calls need a registered
 * hotkey. Root has no neurons of its own here (root_register is not
 * offered), so it is refused by name. */
static yuma_call_status registered(call_ctx *cx, uint16_t netuid, subnet_rec *s, uint16_t *uid)
{
    if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, netuid, s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (!uid_get(cx->kv, netuid, cx->signer, uid)) return YUMA_CALL_ERR_NOT_REGISTERED;
    return YUMA_CALL_OK;
}

/* The reference's is_valid_ip_address for both families: the unspecified
 * address, loopback and all-ones broadcast cannot be served. An address
 * with the ::ffff:0:0/96 prefix is IPv4 and judged as one. */
static bool valid_ip(const uint8_t ip[16])
{
    static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t zero[16], ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (memcmp(ip, v4_prefix, 12) == 0) {
        uint32_t v4 = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
        return v4 != 0 && v4 != UINT32_MAX && v4 != 0x7f000001u;
    }
    return memcmp(ip, zero, 16) != 0 && memcmp(ip, ones, 16) != 0 && memcmp(ip, loopback6, 16) != 0;
}

/* ServingRateLimit and the commitment limit: the first one is free, then
 * at least `limit` blocks apart (economics §9's rule form). */
static bool passes(uint64_t last, uint64_t now, uint64_t limit)
{
    return last == 0 || now - last >= limit;
}

yuma_call_status call_serve_axon(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    uint16_t uid;
    yuma_call_status st = registered(cx, call->netuid, &s, &uid);
    if (st != YUMA_CALL_OK) return st;
    if (!valid_ip(call->axon_ip)) return YUMA_CALL_ERR_INVALID_IP;
    if (call->axon_port == 0) return YUMA_CALL_ERR_INVALID_PORT;
    axon_rec prev;
    if (axon_get(cx->kv, call->netuid, cx->signer, &prev) && !passes(prev.block, cx->block, s.serving_rate_limit))
        return rate_limited(cx, prev.block, s.serving_rate_limit, YUMA_CALL_ERR_SERVING_RATE_LIMIT);
    /* The protocol byte is the client's label (TCP, UDP, ...); the chain
     * stores it without judging it, as the reference does. */
    axon_rec a = {.block = cx->block, .version = call->axon_version, .port = call->axon_port,
                  .protocol = call->axon_protocol};
    memcpy(a.ip, call->axon_ip, 16);
    return axon_put(cx->kv, call->netuid, cx->signer, &a) ? YUMA_CALL_OK : YUMA_CALL_ERR_NOMEM;
}

/* do_reset_bonds: every bond row of the subnet loses its entry on uid
 * (only rows that held one are rewritten). */
static yuma_call_status reset_bonds_on(call_ctx *cx, uint16_t netuid, const subnet_rec *s, uint16_t uid)
{
    yuma_entry *row = malloc(sizeof(yuma_entry) * ((size_t)s->n + 1));
    if (!row) return YUMA_CALL_ERR_NOMEM;
    yuma_call_status st = YUMA_CALL_OK;
    for (uint16_t i = 0; i < s->n && st == YUMA_CALL_OK; i++) {
        size_t len = row_get(cx->kv, REC_BONDS, netuid, i, row, s->n), kept = 0;
        for (size_t k = 0; k < len; k++)
            if (row[k].uid != uid) row[kept++] = row[k];
        if (kept != len && !row_put(cx->kv, REC_BONDS, netuid, i, row, kept)) st = YUMA_CALL_ERR_NOMEM;
    }
    free(row);
    return st;
}

yuma_call_status call_set_commitment(call_ctx *cx, const yuma_call *call)
{
    subnet_rec s;
    uint16_t uid;
    yuma_call_status st = registered(cx, call->netuid, &s, &uid);
    if (st != YUMA_CALL_OK) return st;
    /* The codec already refuses more than YUMA_TX_MAX_COMMITMENT bytes. */
    commitment_rec prev;
    if (commitment_get(cx->kv, call->netuid, cx->signer, &prev) &&
        !passes(prev.block, cx->block, cx->params->commitment_rate_limit))
        return rate_limited(cx, prev.block, cx->params->commitment_rate_limit, YUMA_CALL_ERR_COMMITMENT_RATE_LIMIT);
    commitment_rec c = {.block = cx->block, .len = call->data_len};
    memcpy(c.data, call->data, call->data_len);
    if (!commitment_put(cx->kv, call->netuid, cx->signer, &c)) return YUMA_CALL_ERR_NOMEM;
    return s.bonds_reset ? reset_bonds_on(cx, call->netuid, &s, uid) : YUMA_CALL_OK;
}
