/*
 * audit.c - the hash-chained governance audit log in chain state (see
 * audit.h and governance-and-users §5.8).
 *
 * The log is a plain sequence of records keyed by seq plus one head
 * record; the chaining (each entry names its predecessor's hash, the head
 * names the last) is what makes a dropped or edited entry visible to
 * anyone who re-walks it, independently of the state root.
 */
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "chain/records.h"
#include "gov/audit.h"

const char *gov_audit_strerror(gov_audit_status s)
{
    switch (s) {
    case GOV_AUDIT_OK: return "ok";
    case GOV_AUDIT_ERR_NOMEM: return "out of memory writing the audit log";
    case GOV_AUDIT_ERR_CLASS: return "unknown audit entry class";
    case GOV_AUDIT_ERR_RANGE: return "no audit entry with that sequence number";
    case GOV_AUDIT_ERR_CORRUPT: return "an audit record has the wrong length or an unknown class";
    }
    return "unknown audit status";
}

const char *gov_audit_class_name(uint8_t class_)
{
    switch (class_) {
    case GOV_AUDIT_RULE: return "rule";
    case GOV_AUDIT_EAA_TARGETED: return "eaa_targeted";
    case GOV_AUDIT_EAA_GLOBAL: return "eaa_global";
    case GOV_AUDIT_EMERGENCY: return "emergency";
    case GOV_AUDIT_APPEAL: return "appeal";
    default: return "unknown";
    }
}

void gov_audit_encode(const gov_audit_entry *e, uint8_t out[GOV_AUDIT_ENTRY_SIZE])
{
    uint8_t *p = out;
    put_u64(p, e->seq), p += 8;
    put_u64(p, e->block), p += 8;
    *p++ = e->class_;
    put_u16(p, e->netuid), p += 2;
    put_u16(p, e->call_id), p += 2;
    memcpy(p, e->before_hash, 32), p += 32;
    memcpy(p, e->after_hash, 32), p += 32;
    put_u64(p, e->proposal_id), p += 8;
    memcpy(p, e->origin, 32), p += 32;
    memcpy(p, e->rationale_hash, 32), p += 32;
    memcpy(p, e->response_hash, 32), p += 32;
    put_u64(p, e->tally_s_aye), p += 8;
    put_u64(p, e->tally_s_nay), p += 8;
    put_u64(p, e->tally_c_aye), p += 8;
    put_u64(p, e->tally_c_nay), p += 8;
    memcpy(p, e->prev_entry_hash, 32), p += 32;
    assert(p == out + GOV_AUDIT_ENTRY_SIZE); /* the encoding fills the record exactly */
}

bool gov_audit_decode(const uint8_t *in, size_t len, gov_audit_entry *e)
{
    if (!in || len != GOV_AUDIT_ENTRY_SIZE || in[16] > GOV_AUDIT_CLASS_MAX) return false;
    const uint8_t *p = in;
    e->seq = get_u64(p), p += 8;
    e->block = get_u64(p), p += 8;
    e->class_ = *p++;
    e->netuid = get_u16(p), p += 2;
    e->call_id = get_u16(p), p += 2;
    memcpy(e->before_hash, p, 32), p += 32;
    memcpy(e->after_hash, p, 32), p += 32;
    e->proposal_id = get_u64(p), p += 8;
    memcpy(e->origin, p, 32), p += 32;
    memcpy(e->rationale_hash, p, 32), p += 32;
    memcpy(e->response_hash, p, 32), p += 32;
    e->tally_s_aye = get_u64(p), p += 8;
    e->tally_s_nay = get_u64(p), p += 8;
    e->tally_c_aye = get_u64(p), p += 8;
    e->tally_c_nay = get_u64(p), p += 8;
    memcpy(e->prev_entry_hash, p, 32);
    return true;
}

void gov_audit_entry_hash(const gov_audit_entry *e, uint8_t out[32])
{
    uint8_t enc[GOV_AUDIT_ENTRY_SIZE];
    gov_audit_encode(e, enc);
    crypto_generichash(out, 32, enc, sizeof enc, NULL, 0);
}

void gov_audit_param_hash(const void *bytes, size_t len, uint8_t out[32])
{
    static const char tag[] = "yuma/gov/param";
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
    crypto_generichash_update(&st, (const uint8_t *)bytes, len);
    crypto_generichash_final(&st, out, 32);
}

static size_t entry_key(uint8_t key[9], uint64_t seq)
{
    key[0] = REC_AUDIT_ENTRY;
    for (int i = 0; i < 8; i++) key[1 + i] = (uint8_t)(seq >> (8 * (7 - i)));
    return 9;
}

/* The head: false when the record exists with a wrong length. */
static bool head_get(const ykv *kv, uint64_t *count, uint8_t hash[32])
{
    uint8_t key[1] = {REC_AUDIT_HEAD};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sizeof key, &vlen);
    *count = 0;
    memset(hash, 0, 32);
    if (!v) return true;
    if (vlen != 40) return false;
    *count = get_u64(v);
    memcpy(hash, v + 8, 32);
    return true;
}

uint64_t gov_audit_count(const ykv *kv)
{
    uint64_t count;
    uint8_t hash[32];
    head_get(kv, &count, hash);
    return count;
}

void gov_audit_head_hash(const ykv *kv, uint8_t out[32])
{
    uint64_t count;
    head_get(kv, &count, out);
}

gov_audit_status gov_audit_get(const ykv *kv, uint64_t seq, gov_audit_entry *out)
{
    if (seq >= gov_audit_count(kv)) return GOV_AUDIT_ERR_RANGE;
    uint8_t key[9];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, entry_key(key, seq), &vlen);
    if (!v) return GOV_AUDIT_ERR_RANGE;
    return gov_audit_decode(v, vlen, out) ? GOV_AUDIT_OK : GOV_AUDIT_ERR_CORRUPT;
}

bool gov_audit_last_governance(const ykv *kv, uint16_t netuid, uint64_t *block, uint64_t *seq)
{
    uint8_t key[3] = {REC_AUDIT_GOV_LAST, (uint8_t)(netuid >> 8), (uint8_t)netuid};
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, sizeof key, &vlen);
    if (!v || vlen != 16) return false;
    *block = get_u64(v);
    *seq = get_u64(v + 8);
    return true;
}

gov_audit_status gov_audit_append(ykv *kv, uint64_t block, gov_audit_entry *e)
{
    if (e->class_ > GOV_AUDIT_CLASS_MAX) return GOV_AUDIT_ERR_CLASS;
    uint64_t count;
    uint8_t prev[32];
    if (!head_get(kv, &count, prev)) return GOV_AUDIT_ERR_CORRUPT;

    gov_audit_entry next = *e;
    next.seq = count;
    next.block = block;
    memcpy(next.prev_entry_hash, prev, 32);

    uint8_t enc[GOV_AUDIT_ENTRY_SIZE], key[9], head[40], hkey[1] = {REC_AUDIT_HEAD};
    gov_audit_encode(&next, enc);
    put_u64(head, count + 1);
    crypto_generichash(head + 8, 32, enc, sizeof enc, NULL, 0);

    /* Both writes or neither: a savepoint of our own, so a caller outside
     * any savepoint still never sees a half-written append. */
    uint8_t gkey[3] = {REC_AUDIT_GOV_LAST, (uint8_t)(next.netuid >> 8), (uint8_t)next.netuid}, gval[16];
    put_u64(gval, block);
    put_u64(gval + 8, count);
    size_t mark = ykv_savepoint(kv);
    if (!ykv_put(kv, key, entry_key(key, count), enc, sizeof enc) || !ykv_put(kv, hkey, 1, head, sizeof head) ||
        (next.class_ != GOV_AUDIT_RULE && !ykv_put(kv, gkey, sizeof gkey, gval, sizeof gval))) {
        ykv_rollback(kv, mark);
        return GOV_AUDIT_ERR_NOMEM;
    }
    ykv_release(kv, mark);
    *e = next;
    return GOV_AUDIT_OK;
}

typedef struct {
    uint64_t count;
    uint64_t stray;              /* first entry key at or past count (UINT64_MAX if none) */
} stray_scan;

static bool find_stray(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val, (void)vlen;
    stray_scan *s = ctx;
    if (klen != 9) {
        s->stray = s->count;     /* a malformed key under our prefix */
        return false;
    }
    uint64_t seq = 0;
    for (int i = 1; i < 9; i++) seq = (seq << 8) | key[i];
    if (seq >= s->count) {
        s->stray = seq;
        return false;
    }
    return true;
}

static void verify_fail(gov_audit_verify_result *out, uint64_t seq, const char *why)
{
    out->ok = false;
    out->bad_seq = seq;
    snprintf(out->detail, sizeof out->detail, "entry %llu: %s", (unsigned long long)seq, why);
}

/* One step of the walk: NULL when entry seq is sound and follows prev
 * (then prev becomes its hash), else why not. */
static const char *check_entry(const ykv *kv, uint64_t seq, uint8_t prev[32], uint64_t *prev_block)
{
    uint8_t key[9];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, entry_key(key, seq), &vlen);
    gov_audit_entry e;
    if (!v) return "missing (a gap in the log)";
    if (!gov_audit_decode(v, vlen, &e)) return "not a valid entry encoding";
    if (e.seq != seq) return "its seq field is another number";
    if (e.block < *prev_block) return "its block is lower than its predecessor's";
    if (memcmp(e.prev_entry_hash, prev, 32) != 0)
        return seq ? "prev_entry_hash is not the hash of the entry before it (altered)"
                   : "the first entry's prev_entry_hash is not zero";
    crypto_generichash(prev, 32, v, vlen, NULL, 0);
    *prev_block = e.block;
    return NULL;
}

void gov_audit_verify(const ykv *kv, gov_audit_verify_result *out)
{
    memset(out, 0, sizeof *out);
    uint64_t count;
    uint8_t head_hash[32];
    if (!head_get(kv, &count, head_hash)) {
        verify_fail(out, 0, "the head record has the wrong length");
        return;
    }
    memcpy(out->head_hash, head_hash, 32);

    uint8_t prev[32] = {0};
    uint64_t prev_block = 0;
    for (uint64_t seq = 0; seq < count; seq++) {
        const char *why = check_entry(kv, seq, prev, &prev_block);
        if (why) {
            out->count = seq;
            verify_fail(out, seq, why);
            return;
        }
    }
    out->count = count;
    if (memcmp(prev, head_hash, 32) != 0) {
        verify_fail(out, count, "the head's hash is not the last entry's (the last entry was altered or dropped)");
        return;
    }
    stray_scan s = {count, UINT64_MAX};
    uint8_t prefix[1] = {REC_AUDIT_ENTRY};
    ykv_scan_prefix(kv, prefix, 1, find_stray, &s);
    if (s.stray != UINT64_MAX) {
        verify_fail(out, s.stray, "stored past the head (not counted by the log)");
        return;
    }
    out->ok = true;
    snprintf(out->detail, sizeof out->detail, "%llu entries, hash chain intact", (unsigned long long)count);
}
