/*
 * emission_history.c - per-subnet emission-share history and the audit
 * log's rule-driven entries (see emission_history.h).
 *
 * The work per block and subnet is one read of the head record; samples
 * and references are written only every history_interval_blocks, at a
 * change beyond the threshold and when the day window rolls over.
 */
#include <string.h>

#include "chain/records.h"
#include "gov/audit.h"
#include "gov/emergency.h"
#include "gov/emission_history.h"

#define HEAD_SIZE (8 + 8 + 4 + 2 + 2 + 2 + 8)
#define SAMPLE_SIZE (8 + 4 + 8 + 1 + 8)

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t gov_share_ppb(yu128 tao_emission, uint64_t block_emission)
{
    yu128 q;
    if (block_emission == 0 || !yu128_mul_div(tao_emission, 1000000000u, (yu128)block_emission << 32, &q)) return 0;
    return q > 1000000000u ? 1000000000u : (uint32_t)q;
}

bool gov_share_changed(uint32_t ref, uint32_t now, uint16_t pct)
{
    if (ref == 0) return now != 0;
    uint64_t diff = ref > now ? (uint64_t)ref - now : (uint64_t)now - ref;
    return diff * 100 > (uint64_t)pct * ref;
}

static size_t head_key(uint8_t key[3], uint16_t netuid)
{
    key[0] = REC_HISTORY_HEAD;
    key[1] = (uint8_t)(netuid >> 8);
    key[2] = (uint8_t)netuid;
    return 3;
}

bool gov_history_head_get(const ykv *kv, uint16_t netuid, gov_history_head *out)
{
    uint8_t key[3];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, head_key(key, netuid), &vlen);
    if (!v || vlen != HEAD_SIZE) return false;
    out->registered_at = get_u64(v);
    out->ref_block = get_u64(v + 8);
    out->ref_share = get_u32(v + 16);
    out->ring_len = get_u16(v + 20);
    out->next = get_u16(v + 22);
    out->count = get_u16(v + 24);
    out->last_sample_block = get_u64(v + 26);
    return true;
}

static bool head_put(ykv *kv, uint16_t netuid, const gov_history_head *h)
{
    uint8_t key[3], v[HEAD_SIZE];
    put_u64(v, h->registered_at);
    put_u64(v + 8, h->ref_block);
    put_u32(v + 16, h->ref_share);
    put_u16(v + 20, h->ring_len);
    put_u16(v + 22, h->next);
    put_u16(v + 24, h->count);
    put_u64(v + 26, h->last_sample_block);
    return ykv_put(kv, key, head_key(key, netuid), v, HEAD_SIZE);
}

static size_t sample_key(uint8_t key[5], uint16_t netuid, uint16_t slot)
{
    key[0] = REC_HISTORY_SAMPLE;
    key[1] = (uint8_t)(netuid >> 8);
    key[2] = (uint8_t)netuid;
    key[3] = (uint8_t)(slot >> 8);
    key[4] = (uint8_t)slot;
    return 5;
}

static bool sample_put(ykv *kv, uint16_t netuid, uint16_t slot, const gov_history_sample *s)
{
    uint8_t key[5], v[SAMPLE_SIZE];
    put_u64(v, s->block);
    put_u32(v + 8, s->share_ppb);
    put_u64(v + 12, s->tao);
    v[20] = s->flags;
    put_u64(v + 21, s->seq);
    return ykv_put(kv, key, sample_key(key, netuid, slot), v, SAMPLE_SIZE);
}

static bool sample_get(const ykv *kv, uint16_t netuid, uint16_t slot, gov_history_sample *s)
{
    uint8_t key[5];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sample_key(key, netuid, slot), &vlen);
    if (!v || vlen != SAMPLE_SIZE) return false;
    s->block = get_u64(v);
    s->share_ppb = get_u32(v + 8);
    s->tao = get_u64(v + 12);
    s->flags = v[20];
    s->seq = get_u64(v + 21);
    return true;
}

/* The latest governance entry for netuid or a global one: its block and
 * seq (false when there is none). */
static bool last_governance(const ykv *kv, uint16_t netuid, uint64_t *block, uint64_t *seq)
{
    uint64_t b1 = 0, s1 = 0, b2 = 0, s2 = 0;
    bool own = gov_audit_last_governance(kv, netuid, &b1, &s1);
    bool global = gov_audit_last_governance(kv, GOV_AUDIT_NETUID_GLOBAL, &b2, &s2);
    if (!own && !global) return false;
    if (own && (!global || s1 > s2)) {
        *block = b1;
        *seq = s1;
    } else {
        *block = b2;
        *seq = s2;
    }
    return true;
}

static void share_point_hash(uint16_t netuid, uint64_t block, uint32_t share, uint8_t out[32])
{
    uint8_t v[14];
    put_u16(v, netuid);
    put_u64(v + 2, block);
    put_u32(v + 10, share);
    gov_audit_param_hash(v, sizeof v, out);
}

static bool log_rule_change(ykv *kv, uint64_t block, uint16_t netuid, const gov_history_head *h, uint32_t share,
                            uint64_t *seq)
{
    gov_audit_entry e;
    memset(&e, 0, sizeof e);
    e.class_ = GOV_AUDIT_RULE;
    e.netuid = netuid;
    e.call_id = GOV_RULE_SHARE_CHANGE;
    share_point_hash(netuid, h->ref_block, h->ref_share, e.before_hash);
    share_point_hash(netuid, block, share, e.after_hash);
    if (gov_audit_append(kv, block, &e) != GOV_AUDIT_OK) return false;
    *seq = e.seq;
    return true;
}

bool gov_history_record(ykv *kv, const yuma_gov_audit_params *p, uint64_t block, uint16_t netuid,
                        uint64_t registered_at, uint32_t share_ppb, uint64_t tao, bool escrowed)
{
    gov_history_head h, old;
    bool fresh = !gov_history_head_get(kv, netuid, &h) || h.registered_at != registered_at ||
                 h.ring_len != p->history_len;
    if (fresh)
        h = (gov_history_head){.registered_at = registered_at, .ref_block = block, .ref_share = share_ppb,
                               .ring_len = p->history_len};
    old = h;
    gov_history_sample s = {.block = block, .share_ppb = share_ppb, .tao = tao, .seq = GOV_HISTORY_NO_SEQ};
    bool changed = !fresh && gov_share_changed(h.ref_share, share_ppb, p->rule_change_pct);
    bool sample = changed || fresh || block % p->history_interval_blocks == 0;
    /* The governance index is read only when a change or a sample needs it. */
    uint64_t gov_block = 0, gov_seq = 0;
    bool has_gov = (changed || sample) && last_governance(kv, netuid, &gov_block, &gov_seq);
    if (changed) {
        if (has_gov && gov_block >= h.ref_block) {
            s.flags |= GOV_HISTORY_GOV_CHANGE;
            s.seq = gov_seq;
        } else {
            if (!log_rule_change(kv, block, netuid, &h, share_ppb, &s.seq)) return false;
            s.flags |= GOV_HISTORY_RULE_CHANGE;
        }
        h.ref_share = share_ppb;
        h.ref_block = block;
    } else if (block - h.ref_block >= p->rule_day_blocks) {
        h.ref_share = share_ppb;
        h.ref_block = block;
    }
    if (sample) {
        if (has_gov && (h.count == 0 || gov_block > h.last_sample_block)) s.flags |= GOV_HISTORY_GOV_ACTION;
        if (escrowed) s.flags |= GOV_HISTORY_ESCROWED;
        if (!sample_put(kv, netuid, h.next, &s)) return false;
        h.next = (uint16_t)((h.next + 1) % h.ring_len);
        if (h.count < h.ring_len) h.count++;
        h.last_sample_block = block;
    }
    bool same = h.ref_block == old.ref_block && h.ref_share == old.ref_share && h.next == old.next &&
                h.count == old.count && h.last_sample_block == old.last_sample_block;
    if (!fresh && same) return true;
    return head_put(kv, netuid, &h);
}

size_t gov_history_read(const ykv *kv, uint16_t netuid, gov_history_sample *out, size_t cap)
{
    gov_history_head h;
    if (!gov_history_head_get(kv, netuid, &h) || h.ring_len == 0) return 0;
    size_t n = 0;
    uint16_t first = (uint16_t)((h.next + h.ring_len - h.count) % h.ring_len);
    for (uint16_t i = 0; i < h.count && n < cap; i++)
        if (sample_get(kv, netuid, (uint16_t)((first + i) % h.ring_len), &out[n])) n++;
    return n;
}

bool gov_coinbase_subnet(call_ctx *cx, uint16_t netuid, subnet_rec *s, yu128 tao_emission, uint64_t block_emission)
{
    bool escrowed = false;
    if (!gov_escrow_sweep(cx, netuid, s, &escrowed)) return false;
    return gov_history_record(cx->kv, &cx->params->audit, cx->block, netuid, s->registered_at,
                              gov_share_ppb(tao_emission, block_emission), yu96f32_to_u64(tao_emission), escrowed);
}
