/*
 * test_gov_audit.c - the hash-chained audit log (governance-and-users
 * §5.8) and the emission-share history that feeds it rule-driven entries.
 *
 * The log: the canonical encoding byte by byte (field offsets written out
 * from the §5.8 struct, not from the encoder), appends that number and
 * chain entries (prev_entry_hash recomputed with BLAKE2b over the stored
 * bytes), verification of an intact log, and detection of every kind of
 * tampering (an edited entry, an edited last entry, a gap, a renumbered
 * entry, an entry past the head, a bad head, an undecodable entry, a
 * block going backwards); bad input to append changes nothing.
 *
 * The history: the 25 % threshold at its exact boundary, a day window
 * that rolls, rule-driven changes logged as RULE and governance-driven
 * ones attributed to the governance entry instead, the ring, and a new
 * subnet on a reused netuid; then on a real chain: starting a subnet's
 * emission is a rule-driven change that lands in the verified log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/records.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/emission_history.h"
#include "yuma/chain.h"

static gov_audit_entry sample_entry(uint8_t class_, uint16_t netuid, uint8_t fill)
{
    gov_audit_entry e;
    memset(&e, 0, sizeof e);
    e.class_ = class_;
    e.netuid = netuid;
    e.call_id = 0x0102;
    memset(e.before_hash, fill, 32);
    memset(e.after_hash, fill + 1, 32);
    e.proposal_id = 0x1122334455667788ull;
    memset(e.origin, fill + 2, 32);
    memset(e.rationale_hash, fill + 3, 32);
    memset(e.response_hash, fill + 4, 32);
    e.tally_s_aye = 1;
    e.tally_s_nay = 2;
    e.tally_c_aye = 3;
    e.tally_c_nay = 4;
    return e;
}

/* The encoding laid out from the §5.8 struct: every integer little endian,
 * fields in declaration order, no padding. */
static void test_encoding(void **state)
{
    (void)state;
    gov_audit_entry e = sample_entry(GOV_AUDIT_EAA_TARGETED, 0x0305, 0x10);
    e.seq = 0x0807060504030201ull;
    e.block = 42;
    memset(e.prev_entry_hash, 0xEE, 32);
    uint8_t enc[GOV_AUDIT_ENTRY_SIZE];
    gov_audit_encode(&e, enc);
    assert_int_equal(GOV_AUDIT_ENTRY_SIZE, 8 + 8 + 1 + 2 + 2 + 32 + 32 + 8 + 32 + 32 + 32 + 4 * 8 + 32);
    for (int i = 0; i < 8; i++) assert_int_equal(enc[i], i + 1);          /* seq */
    assert_int_equal(enc[8], 42);                                       /* block */
    assert_int_equal(enc[16], 1);                                       /* class */
    assert_int_equal(enc[17], 0x05);                                    /* netuid LE */
    assert_int_equal(enc[18], 0x03);
    assert_int_equal(enc[19], 0x02);                                    /* call_id LE */
    assert_int_equal(enc[20], 0x01);
    assert_int_equal(enc[21], 0x10);                                    /* before_hash */
    assert_int_equal(enc[53], 0x11);                                    /* after_hash */
    assert_int_equal(enc[85], 0x88);                                    /* proposal_id LE */
    assert_int_equal(enc[92], 0x11);
    assert_int_equal(enc[93], 0x12);                                    /* origin */
    assert_int_equal(enc[125], 0x13);                                   /* rationale */
    assert_int_equal(enc[157], 0x14);                                   /* response */
    assert_int_equal(enc[189], 1);                                      /* tally_s_aye */
    assert_int_equal(enc[197], 2);
    assert_int_equal(enc[205], 3);
    assert_int_equal(enc[213], 4);                                      /* tally_c_nay */
    assert_int_equal(enc[221], 0xEE);                                   /* prev_entry_hash */
    assert_int_equal(enc[252], 0xEE);

    gov_audit_entry back;
    assert_true(gov_audit_decode(enc, sizeof enc, &back));
    uint8_t again[GOV_AUDIT_ENTRY_SIZE];
    gov_audit_encode(&back, again);
    assert_memory_equal(enc, again, sizeof enc);
    assert_false(gov_audit_decode(enc, sizeof enc - 1, &back));
    enc[16] = GOV_AUDIT_CLASS_MAX + 1;
    assert_false(gov_audit_decode(enc, sizeof enc, &back));
    assert_string_equal(gov_audit_class_name(GOV_AUDIT_APPEAL), "appeal");
    assert_string_equal(gov_audit_class_name(9), "unknown");
}

static size_t entry_key(uint8_t key[9], uint64_t seq)
{
    key[0] = REC_AUDIT_ENTRY;
    for (int i = 0; i < 8; i++) key[1 + i] = (uint8_t)(seq >> (8 * (7 - i)));
    return 9;
}

/* BLAKE2b-256 of the bytes stored for entry seq. */
static void stored_hash(const ykv *kv, uint64_t seq, uint8_t out[32])
{
    uint8_t key[9];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, entry_key(key, seq), &vlen);
    assert_non_null(v);
    assert_int_equal(vlen, GOV_AUDIT_ENTRY_SIZE);
    crypto_generichash(out, 32, v, vlen, NULL, 0);
}

static ykv *five_entries(void)
{
    ykv *kv = ykv_new();
    assert_non_null(kv);
    for (int i = 0; i < 5; i++) {
        gov_audit_entry e = sample_entry((uint8_t)(i % 5), (uint16_t)(i + 1), (uint8_t)(0x20 * i));
        e.seq = 999; /* assigned by append, whatever the caller says */
        assert_int_equal(gov_audit_append(kv, 100 + (uint64_t)i / 2, &e), GOV_AUDIT_OK);
        assert_int_equal(e.seq, (uint64_t)i);
        assert_int_equal(e.block, 100 + (uint64_t)i / 2);
    }
    return kv;
}

static void test_append_and_verify(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    gov_audit_verify_result r;
    gov_audit_verify(kv, &r);
    assert_true(r.ok);                    /* the empty log is intact */
    assert_int_equal(r.count, 0);
    ykv_free(kv);

    kv = five_entries();
    assert_int_equal(gov_audit_count(kv), 5);
    uint8_t prev[32] = {0};
    for (uint64_t seq = 0; seq < 5; seq++) {
        gov_audit_entry e;
        assert_int_equal(gov_audit_get(kv, seq, &e), GOV_AUDIT_OK);
        assert_int_equal(e.seq, seq);
        assert_memory_equal(e.prev_entry_hash, prev, 32);
        stored_hash(kv, seq, prev);
        uint8_t h[32];
        gov_audit_entry_hash(&e, h);
        assert_memory_equal(h, prev, 32);
    }
    uint8_t head[32];
    gov_audit_head_hash(kv, head);
    assert_memory_equal(head, prev, 32);
    gov_audit_entry e;
    assert_int_equal(gov_audit_get(kv, 5, &e), GOV_AUDIT_ERR_RANGE);
    assert_string_equal(gov_audit_strerror(GOV_AUDIT_ERR_RANGE), "no audit entry with that sequence number");
    gov_audit_verify(kv, &r);
    assert_true(r.ok);
    assert_int_equal(r.count, 5);
    assert_memory_equal(r.head_hash, head, 32);
    assert_string_equal(r.detail, "5 entries, hash chain intact");
    /* Governance entries (class != RULE) index their netuid; RULE does not. */
    uint64_t b, s;
    assert_false(gov_audit_last_governance(kv, 1, &b, &s)); /* entry 0 is RULE on netuid 1 */
    assert_true(gov_audit_last_governance(kv, 2, &b, &s));
    assert_int_equal(s, 1);
    assert_int_equal(b, 100);
    ykv_free(kv);
}

static void test_append_errors_change_nothing(void **state)
{
    (void)state;
    ykv *kv = five_entries();
    uint8_t before[32], after[32];
    assert_true(ykv_root(kv, before));
    gov_audit_entry e = sample_entry(GOV_AUDIT_CLASS_MAX + 1, 1, 0);
    gov_audit_entry copy = e;
    assert_int_equal(gov_audit_append(kv, 200, &e), GOV_AUDIT_ERR_CLASS);
    assert_string_equal(gov_audit_strerror(GOV_AUDIT_ERR_CLASS), "unknown audit entry class");
    assert_memory_equal(&e, &copy, sizeof e);
    assert_true(ykv_root(kv, after));
    assert_memory_equal(before, after, 32);
    assert_int_equal(gov_audit_count(kv), 5);
    /* A caller's savepoint rolls its appends back with everything else. */
    size_t mark = ykv_savepoint(kv);
    e = sample_entry(GOV_AUDIT_EMERGENCY, 7, 1);
    assert_int_equal(gov_audit_append(kv, 200, &e), GOV_AUDIT_OK);
    assert_int_equal(gov_audit_count(kv), 6);
    ykv_rollback(kv, mark);
    assert_int_equal(gov_audit_count(kv), 5);
    assert_true(ykv_root(kv, after));
    assert_memory_equal(before, after, 32);
    ykv_free(kv);
}

static void expect_broken(ykv *kv, uint64_t bad_seq, const char *detail)
{
    gov_audit_verify_result r;
    gov_audit_verify(kv, &r);
    assert_false(r.ok);
    assert_int_equal(r.bad_seq, bad_seq);
    assert_string_equal(r.detail, detail);
}

/* Rewrites entry seq's stored bytes through fn. */
static void tamper(ykv *kv, uint64_t seq, void (*fn)(uint8_t *v))
{
    uint8_t key[9], v[GOV_AUDIT_ENTRY_SIZE];
    size_t vlen;
    const uint8_t *old = ykv_get(kv, key, entry_key(key, seq), &vlen);
    memcpy(v, old, sizeof v);
    fn(v);
    assert_true(ykv_put(kv, key, 9, v, sizeof v));
}

static void flip_tally(uint8_t *v) { v[190] ^= 1; }
static void renumber(uint8_t *v) { v[0] ^= 0x40; }
static void bad_class(uint8_t *v) { v[16] = 77; }
static void earlier_block(uint8_t *v) { put_u64(v + 8, 3); }

static void test_tamper_detection(void **state)
{
    (void)state;
    ykv *kv = five_entries();
    tamper(kv, 2, flip_tally); /* entry 2 still decodes: entry 3 no longer follows it */
    expect_broken(kv, 3, "entry 3: prev_entry_hash is not the hash of the entry before it (altered)");
    ykv_free(kv);

    kv = five_entries();
    tamper(kv, 4, flip_tally); /* the last one: only the head can tell */
    expect_broken(kv, 5, "entry 5: the head's hash is not the last entry's (the last entry was altered or dropped)");
    ykv_free(kv);

    kv = five_entries();
    uint8_t key[9];
    assert_true(ykv_del(kv, key, entry_key(key, 1)));
    expect_broken(kv, 1, "entry 1: missing (a gap in the log)");
    ykv_free(kv);

    kv = five_entries();
    tamper(kv, 0, renumber);
    expect_broken(kv, 0, "entry 0: its seq field is another number");
    ykv_free(kv);

    kv = five_entries();
    tamper(kv, 3, bad_class);
    expect_broken(kv, 3, "entry 3: not a valid entry encoding");
    ykv_free(kv);

    kv = five_entries();
    tamper(kv, 4, earlier_block);
    expect_broken(kv, 4, "entry 4: its block is lower than its predecessor's");
    ykv_free(kv);

    kv = five_entries();
    uint8_t v[GOV_AUDIT_ENTRY_SIZE] = {0};
    assert_true(ykv_put(kv, key, entry_key(key, 9), v, sizeof v)); /* never appended */
    expect_broken(kv, 9, "entry 9: stored past the head (not counted by the log)");
    ykv_free(kv);

    kv = five_entries();
    uint8_t hkey[1] = {REC_AUDIT_HEAD}, shorter[39] = {0};
    assert_true(ykv_put(kv, hkey, 1, shorter, sizeof shorter));
    expect_broken(kv, 0, "entry 0: the head record has the wrong length");
    ykv_free(kv);

    /* Dropping the last entry and rewinding the head's count is caught by
     * the head hash (the old last entry's), as is a forged first entry. */
    kv = five_entries();
    uint8_t head[40];
    size_t hl;
    memcpy(head, ykv_get(kv, hkey, 1, &hl), 40);
    put_u64(head, 4);
    assert_true(ykv_put(kv, hkey, 1, head, 40));
    assert_true(ykv_del(kv, key, entry_key(key, 4)));
    expect_broken(kv, 4, "entry 4: the head's hash is not the last entry's (the last entry was altered or dropped)");
    ykv_free(kv);
}

/* ---- the emission-share history ---- */

static void test_share_arithmetic(void **state)
{
    (void)state;
    /* tao (U96F32) over the block emission, in ppb. */
    assert_int_equal(gov_share_ppb(((yu128)1000 << 32) / 4, 1000), 250000000);
    assert_int_equal(gov_share_ppb((yu128)1000 << 32, 1000), 1000000000);
    assert_int_equal(gov_share_ppb((yu128)1000 << 32, 0), 0);
    /* More than 25 % of the reference, strictly. */
    assert_false(gov_share_changed(1000, 750, 25)); /* exactly 25 % */
    assert_true(gov_share_changed(1000, 749, 25));
    assert_false(gov_share_changed(1000, 1250, 25));
    assert_true(gov_share_changed(1000, 1251, 25));
    assert_false(gov_share_changed(0, 0, 25));
    assert_true(gov_share_changed(0, 1, 25));     /* emission starts */
    assert_true(gov_share_changed(5, 0, 25));     /* emission stops */
}

static yuma_gov_audit_params hist_params(void)
{
    yuma_gov_audit_params p = yuma_gov_audit_params_mainnet();
    p.rule_day_blocks = 10;
    p.rule_change_pct = 25;
    p.history_interval_blocks = 5;
    p.history_len = 4;
    return p;
}

static size_t rule_entries(const ykv *kv)
{
    size_t n = 0;
    for (uint64_t s = 0; s < gov_audit_count(kv); s++) {
        gov_audit_entry e;
        assert_int_equal(gov_audit_get(kv, s, &e), GOV_AUDIT_OK);
        if (e.class_ == GOV_AUDIT_RULE) n++;
    }
    return n;
}

static void record(ykv *kv, const yuma_gov_audit_params *p, uint64_t block, uint32_t share)
{
    assert_true(gov_history_record(kv, p, block, 1, 77, share, share / 10, false));
}

static void test_rule_threshold(void **state)
{
    (void)state;
    yuma_gov_audit_params p = hist_params();
    ykv *kv = ykv_new();
    record(kv, &p, 1, 400000000); /* first sight: the reference, no entry */
    assert_int_equal(gov_audit_count(kv), 0);
    record(kv, &p, 2, 300000000); /* -25 % exactly: not logged */
    record(kv, &p, 3, 500000000); /* +25 % exactly: not logged */
    assert_int_equal(gov_audit_count(kv), 0);
    record(kv, &p, 4, 299999999); /* more than 25 % below 400M: RULE */
    assert_int_equal(gov_audit_count(kv), 1);
    gov_audit_entry e;
    assert_int_equal(gov_audit_get(kv, 0, &e), GOV_AUDIT_OK);
    assert_int_equal(e.class_, GOV_AUDIT_RULE);
    assert_int_equal(e.netuid, 1);
    assert_int_equal(e.call_id, GOV_RULE_SHARE_CHANGE);
    assert_int_equal(e.block, 4);
    assert_int_equal(e.proposal_id, 0);
    /* before/after commit to (netuid u16, block u64, share u32) LE. */
    uint8_t point[14] = {0}, h[32];
    point[0] = 1;  /* netuid */
    point[2] = 1;  /* reference block */
    point[10] = (uint8_t)(400000000u), point[11] = (uint8_t)(400000000u >> 8);
    point[12] = (uint8_t)(400000000u >> 16), point[13] = (uint8_t)(400000000u >> 24);
    gov_audit_param_hash(point, sizeof point, h);
    assert_memory_equal(e.before_hash, h, 32);
    /* The reference is now 299999999: small moves from it are quiet. */
    record(kv, &p, 6, 320000000);
    assert_int_equal(gov_audit_count(kv), 1);
    /* Slow drift: the day window (10 blocks) rolls the reference at block
     * 14 to the share then, so a 20 % step after it is quiet... */
    record(kv, &p, 14, 260000000);
    record(kv, &p, 15, 208000001);
    assert_int_equal(gov_audit_count(kv), 1);
    /* ...but 25 % more than that within the day is logged. */
    record(kv, &p, 16, 194999999);
    assert_int_equal(rule_entries(kv), 2);
    /* Emission stopping is a change too. */
    record(kv, &p, 17, 0);
    assert_int_equal(rule_entries(kv), 3);
    gov_audit_verify_result r;
    gov_audit_verify(kv, &r);
    assert_true(r.ok);
    ykv_free(kv);
}

static void test_governance_attribution(void **state)
{
    (void)state;
    yuma_gov_audit_params p = hist_params();
    ykv *kv = ykv_new();
    record(kv, &p, 1, 400000000);
    /* An enacted EAA on this subnet at block 2, then its share drops. */
    gov_audit_entry eaa = sample_entry(GOV_AUDIT_EAA_TARGETED, 1, 0x33);
    assert_int_equal(gov_audit_append(kv, 2, &eaa), GOV_AUDIT_OK);
    record(kv, &p, 3, 0);
    assert_int_equal(rule_entries(kv), 0); /* the EAA is the record */
    gov_history_sample s[8];
    size_t n = gov_history_read(kv, 1, s, 8);
    assert_int_equal(n, 2);
    assert_int_equal(s[1].block, 3);
    assert_true(s[1].flags & GOV_HISTORY_GOV_CHANGE);
    assert_true(s[1].flags & GOV_HISTORY_GOV_ACTION);
    assert_false(s[1].flags & GOV_HISTORY_RULE_CHANGE);
    assert_int_equal(s[1].seq, eaa.seq);
    /* An EAA on another subnet does not explain this one's change... */
    gov_audit_entry other = sample_entry(GOV_AUDIT_EAA_TARGETED, 2, 0x44);
    assert_int_equal(gov_audit_append(kv, 4, &other), GOV_AUDIT_OK);
    record(kv, &p, 5, 100000000);
    assert_int_equal(rule_entries(kv), 1);
    n = gov_history_read(kv, 1, s, 8);
    assert_true(s[n - 1].flags & GOV_HISTORY_RULE_CHANGE);
    assert_false(s[n - 1].flags & GOV_HISTORY_GOV_ACTION);
    /* ...a global one does. */
    gov_audit_entry global = sample_entry(GOV_AUDIT_EAA_GLOBAL, GOV_AUDIT_NETUID_GLOBAL, 0x55);
    assert_int_equal(gov_audit_append(kv, 6, &global), GOV_AUDIT_OK);
    record(kv, &p, 7, 300000000);
    assert_int_equal(rule_entries(kv), 1);
    n = gov_history_read(kv, 1, s, 8);
    assert_true(s[n - 1].flags & GOV_HISTORY_GOV_CHANGE);
    assert_int_equal(s[n - 1].seq, global.seq);
    ykv_free(kv);
}

static void test_history_ring(void **state)
{
    (void)state;
    yuma_gov_audit_params p = hist_params(); /* every 5 blocks, 4 kept */
    ykv *kv = ykv_new();
    for (uint64_t b = 1; b <= 30; b++) record(kv, &p, b, 500000000);
    /* Samples at 1 (first sight), 5, 10, ..., 30: the ring keeps the last 4. */
    gov_history_sample s[8];
    size_t n = gov_history_read(kv, 1, s, 8);
    assert_int_equal(n, 4);
    const uint64_t want[4] = {15, 20, 25, 30};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(s[i].block, want[i]);
        assert_int_equal(s[i].share_ppb, 500000000);
        assert_int_equal(s[i].tao, 50000000);
        assert_int_equal(s[i].flags, 0);
    }
    /* A change forces a sample between intervals. */
    record(kv, &p, 31, 100);
    n = gov_history_read(kv, 1, s, 8);
    assert_int_equal(s[3].block, 31);
    assert_true(s[3].flags & GOV_HISTORY_RULE_CHANGE);
    /* Another subnet on netuid 1 (registered at another block): new history. */
    assert_true(gov_history_record(kv, &p, 32, 1, 999, 0, 0, true));
    n = gov_history_read(kv, 1, s, 8);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].block, 32);
    assert_true(s[0].flags & GOV_HISTORY_ESCROWED);
    gov_history_head h;
    assert_true(gov_history_head_get(kv, 1, &h));
    assert_int_equal(h.registered_at, 999);
    assert_int_equal(gov_history_read(kv, 2, s, 8), 0);
    ykv_free(kv);
}

/* ---- on a chain ---- */

static void test_chain_start_is_rule_driven(void **state)
{
    (void)state;
    unsigned char pk[32], sk[64], seed[32] = {0x61};
    crypto_sign_seed_keypair(pk, sk, seed);
    yuma_account owner;
    memcpy(owner.bytes, pk, 32);
    yuma_genesis_balance bal = {owner, 100000ull * YUMA_RAO_PER_TAO};
    yuma_chain_params p = yuma_chain_params_default();
    p.audit = yuma_gov_audit_params_devnet();
    yuma_genesis g = {.chain_id = 3, .params = p, .balance_count = 1, .balances = &bal};
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    uint64_t nonce = 0;
    for (int step = 0; step < 30; step++) {
        yuma_call call;
        memset(&call, 0, sizeof call);
        yuma_tx_bytes raw;
        static uint8_t buf[YUMA_TX_MAX_ENCODED];
        size_t ntx = 0;
        if (step == 0 || step == 2) {
            call.kind = step == 0 ? YUMA_CALL_REGISTER_NETWORK : YUMA_CALL_START_CALL;
            call.hotkey = owner;
            call.netuid = 1;
            static yuma_tx tx;
            memset(&tx, 0, sizeof tx);
            tx.chain_id = 3;
            yuma_chain_genesis_hash(c, tx.genesis_hash);
            tx.signer = owner;
            tx.nonce = nonce++;
            tx.fee = yuma_chain_min_fee(c, YUMA_TX_MAX_ENCODED);
            tx.call = call;
            assert_true(yuma_tx_sign(&tx, sk));
            raw = (yuma_tx_bytes){buf, yuma_tx_encode(&tx, buf, sizeof buf)};
            ntx = 1;
        }
        yuma_block b = {.height = yuma_chain_height(c) + 1, .tx_count = ntx, .txs = &raw};
        yuma_chain_last_hash(c, b.parent_hash);
        yuma_block_result r;
        assert_int_equal(yuma_chain_apply_block(c, &b, &r), YUMA_CHAIN_OK);
        if (ntx) assert_int_equal(r.call_status[0], YUMA_CALL_OK);
        free(r.call_status);
    }
    /* start_call in block 3, emission from block 4; the subnet's TAO
     * share stays 0 while its EMA price warms up from 0, then jumps to
     * 100 % (the only subnet): a rule-driven change, in the log. */
    const ykv *kv = yuma_chain_state(c);
    subnet_rec s;
    assert_true(subnet_get(kv, 1, &s));
    assert_int_equal(s.first_emission_block, 4);
    gov_history_sample h[64];
    size_t n = gov_history_read(kv, 1, h, 64);
    assert_int_equal(n, 29); /* devnet preset: a sample every block from registration (block 2) */
    size_t first = 0;
    while (first < n && h[first].share_ppb == 0) first++;
    assert_true(first > 0 && first < n);
    assert_int_equal(gov_audit_count(kv), 1);
    gov_audit_entry e;
    assert_int_equal(gov_audit_get(kv, 0, &e), GOV_AUDIT_OK);
    assert_int_equal(e.class_, GOV_AUDIT_RULE);
    assert_int_equal(e.netuid, 1);
    assert_int_equal(e.block, h[first].block);
    assert_int_equal(h[first].flags, GOV_HISTORY_RULE_CHANGE);
    assert_int_equal(h[first].seq, 0);
    assert_int_equal(h[first].share_ppb, 1000000000);
    assert_int_equal(h[n - 1].tao, 1000000000); /* 1 TAO a block this early: all of it */
    gov_audit_verify_result r;
    gov_audit_verify(kv, &r);
    assert_true(r.ok);
    yuma_chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_append_and_verify),
        cmocka_unit_test(test_append_errors_change_nothing),
        cmocka_unit_test(test_tamper_detection),
        cmocka_unit_test(test_share_arithmetic),
        cmocka_unit_test(test_rule_threshold),
        cmocka_unit_test(test_governance_attribution),
        cmocka_unit_test(test_history_ring),
        cmocka_unit_test(test_chain_start_is_rule_driven),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
