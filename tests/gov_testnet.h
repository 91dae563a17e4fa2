/*
 * gov_testnet.h - a small chain for the governance tests: two subnets at
 * work (owners, three validators, two miners, a whale and a small staker
 * on subnet 1), the devnet governance preset (a "day" is 2 blocks), signed
 * transactions queued per block, and an optional twin chain that receives
 * the same blocks except that one chosen transaction is replaced by a call
 * that fails (a zero transfer from the same signer, same fee), so a test
 * can prove that a refused call changed nothing: the two states (every
 * record but the head, which names the differing parent block) must be
 * equal after the block.
 */
#ifndef YUMA_TESTS_GOV_TESTNET_H
#define YUMA_TESTS_GOV_TESTNET_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/eaa.h"
#include "gov/gov.h"
#include "yuma/chain.h"
#include "yuma/tx.h"

#define GN_UNUSED __attribute__((unused))
#define TAO YUMA_RAO_PER_TAO

enum { OWNER, OWNER2, WHALE, V1, V2, V3, M1, M2, S1, LATE, GN_KEYS };
enum { COLD = 0, HOT = 1 };

typedef struct {
    unsigned char pk[32], sk[64];
} gn_key;

static gn_key gn_cold[GN_KEYS], gn_hot[GN_KEYS];
static yuma_account gn_author;
static yuma_chain *gn_a, *gn_b;          /* the chain and its twin (NULL when unused) */

typedef struct {
    int role, who;
    yuma_call call;
} gn_queued;

static gn_queued gn_q[64];
static size_t gn_qn;
static uint64_t gn_swap;                 /* bit i: tx i is replaced by a failing call on the twin */
static yuma_call_status gn_status[64], gn_want[64];
static const yuma_guardian *gn_guardians;       /* the emergency lane's signers in genesis, if any */
static size_t gn_guardian_count;
static yuma_event gn_events[512];                /* the last block's events (of the main chain) */
static size_t gn_event_count;

static GN_UNUSED yuma_account gn_acc(int role, int who)
{
    yuma_account a;
    memcpy(a.bytes, role == COLD ? gn_cold[who].pk : gn_hot[who].pk, 32);
    return a;
}

static GN_UNUSED void gn_keys(void)
{
    for (int i = 0; i < GN_KEYS; i++) {
        unsigned char seed[32] = {7, (unsigned char)i};
        crypto_sign_seed_keypair(gn_cold[i].pk, gn_cold[i].sk, seed);
        seed[0] = 8;
        crypto_sign_seed_keypair(gn_hot[i].pk, gn_hot[i].sk, seed);
    }
    memset(gn_author.bytes, 0xAB, 32);
}

/* The devnet preset and parameters that let a subnet's life run in a
 * few dozen blocks. */
static GN_UNUSED yuma_chain_params gn_params(void)
{
    yuma_chain_params p = yuma_chain_params_default();
    p.gov = yuma_gov_params_devnet();
    p.network_rate_limit = 1;
    p.network_min_lock_cost = 10000 * TAO; /* a pool deep enough for the stakes below */
    p.network_lock_reduction_interval = 100;
    p.admin_freeze_window = 2;
    return p;
}

static GN_UNUSED yuma_chain *gn_new_chain(const yuma_chain_params *p)
{
    yuma_genesis_balance bal[2 * GN_KEYS];
    for (int i = 0; i < GN_KEYS; i++) {
        bal[i] = (yuma_genesis_balance){gn_acc(COLD, i), 100000 * TAO};
        bal[GN_KEYS + i] = (yuma_genesis_balance){gn_acc(HOT, i), 100 * TAO};
    }
    yuma_genesis g = {.chain_id = 77, .params = *p, .balance_count = 2 * GN_KEYS, .balances = bal,
                      .guardian_count = gn_guardian_count, .guardians = gn_guardians};
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    return c;
}

static GN_UNUSED void gn_queue(int role, int who, yuma_call call)
{
    assert_true(gn_qn < 64);
    gn_q[gn_qn++] = (gn_queued){role, who, call};
}

static GN_UNUSED yuma_call gn_call(yuma_call_kind kind)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    return c;
}

static void gn_apply(yuma_chain *c, bool twin)
{
    static yuma_tx tx;
    static uint8_t enc[64][YUMA_TX_MAX_ENCODED];
    yuma_tx_bytes raw[64];
    uint64_t extra[2][GN_KEYS] = {{0}};
    for (size_t i = 0; i < gn_qn; i++) {
        const gn_queued *q = &gn_q[i];
        const gn_key *k = q->role == COLD ? &gn_cold[q->who] : &gn_hot[q->who];
        memset(&tx, 0, sizeof tx);
        tx.chain_id = yuma_chain_id(c);
        yuma_chain_genesis_hash(c, tx.genesis_hash);
        tx.signer = gn_acc(q->role, q->who);
        tx.nonce = yuma_chain_nonce(c, &tx.signer) + extra[q->role][q->who]++;
        tx.fee = yuma_chain_min_fee(c, YUMA_TX_MAX_ENCODED);
        tx.call = q->call;
        if (twin && (gn_swap >> i & 1)) {
            tx.call = gn_call(YUMA_CALL_TRANSFER); /* amount 0: fails, pays the same fee */
            tx.call.dest = gn_author;
        }
        assert_true(yuma_tx_sign(&tx, k->sk));
        raw[i] = (yuma_tx_bytes){enc[i], yuma_tx_encode(&tx, enc[i], sizeof enc[i])};
        assert_true(raw[i].len > 0);
    }
    yuma_block b = {.height = yuma_chain_height(c) + 1, .author = gn_author, .tx_count = gn_qn, .txs = raw};
    yuma_chain_last_hash(c, b.parent_hash);
    yuma_block_result res;
    yuma_chain_status st = yuma_chain_apply_block(c, &b, &res);
    if (st != YUMA_CHAIN_OK) {
        print_error("block %llu: %s (tx %zu)\n", (unsigned long long)b.height, yuma_chain_strerror(st), res.failed_tx);
        fail();
    }
    if (!twin) {
        for (size_t i = 0; i < gn_qn; i++) gn_status[i] = res.call_status[i];
        gn_event_count = res.event_count < 512 ? res.event_count : 512;
        memcpy(gn_events, res.events, gn_event_count * sizeof *gn_events);
    }
    free(res.call_status);
    char detail[256];
    if (!yuma_chain_audit_supply(c, detail, sizeof detail)) {
        print_error("block %llu: supply audit: %s\n", (unsigned long long)b.height, detail);
        fail();
    }
}

static bool gn_digest_record(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    /* The head names the parent block, whose hash differs between the
     * twins once their transactions did: it is not state a call writes. */
    if (klen == 2 && key[0] == REC_GLOBAL && key[1] == GLOBAL_HEAD) return true;
    uint8_t len[8];
    put_u64(len, klen);
    crypto_generichash_update(ctx, len, 8);
    crypto_generichash_update(ctx, key, klen);
    put_u64(len, vlen);
    crypto_generichash_update(ctx, len, 8);
    crypto_generichash_update(ctx, val, vlen);
    return true;
}

/* BLAKE2b of every record but the head, in key order. */
static GN_UNUSED void gn_digest(yuma_chain *c, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    uint8_t any = 0;
    assert_true(ykv_scan_prefix(yuma_chain_state(c), &any, 0, gn_digest_record, &st));
    crypto_generichash_final(&st, out, 32);
}

/* One block with the queued transactions on the chain (and its twin). */
static GN_UNUSED void gn_block(void)
{
    gn_apply(gn_a, false);
    if (gn_b) {
        gn_apply(gn_b, true);
        if (gn_swap) {
            uint8_t ra[32], rb[32];
            gn_digest(gn_a, ra);
            gn_digest(gn_b, rb);
            if (memcmp(ra, rb, 32) != 0) {
                print_error("block %llu: a refused tx changed the state (mask %llx, first: '%s')\n",
                            (unsigned long long)yuma_chain_height(gn_a), (unsigned long long)gn_swap,
                            yuma_call_strerror(gn_status[__builtin_ctzll(gn_swap)]));
                fail();
            }
        }
    }
    gn_qn = 0;
    gn_swap = 0;
}

static GN_UNUSED void gn_blocks(int n)
{
    for (int i = 0; i < n; i++) gn_block();
}

/* Runs empty blocks until the chain's height is h. */
static GN_UNUSED void gn_until(uint64_t h)
{
    while (yuma_chain_height(gn_a) < h) gn_block();
}

static GN_UNUSED void gn_expect(size_t i, yuma_call_status want)
{
    if (gn_status[i] != want) {
        print_error("block %llu tx %zu: got '%s', want '%s'\n", (unsigned long long)yuma_chain_height(gn_a), i,
                    yuma_call_strerror(gn_status[i]), yuma_call_strerror(want));
        fail();
    }
}

/* Sends one call in its own block and checks its status; a refused call
 * is checked against the twin (nothing but its fee and nonce changed). */
static GN_UNUSED void gn_send(int role, int who, yuma_call call, yuma_call_status want)
{
    gn_queue(role, who, call);
    if (want != YUMA_CALL_OK) gn_swap = 1;
    gn_block();
    gn_expect(0, want);
}

/* Queues a call with the status it must get; gn_check() sends them all in
 * one block, every refused one checked against the twin. */
static GN_UNUSED void gn_try(int role, int who, yuma_call call, yuma_call_status want)
{
    gn_want[gn_qn] = want;
    if (want != YUMA_CALL_OK) gn_swap |= 1ull << gn_qn;
    gn_queue(role, who, call);
}

static GN_UNUSED void gn_check(void)
{
    size_t n = gn_qn;
    yuma_call_status want[64];
    memcpy(want, gn_want, sizeof want);
    gn_block();
    for (size_t i = 0; i < n; i++) gn_expect(i, want[i]);
}

/* The last block emitted an event of this kind with this value. */
static GN_UNUSED bool gn_event(uint16_t kind, uint16_t netuid, uint64_t value)
{
    for (size_t i = 0; i < gn_event_count; i++)
        if (gn_events[i].kind == kind && gn_events[i].netuid == netuid && gn_events[i].value == value) return true;
    return false;
}

static GN_UNUSED const ykv *gn_kv(void)
{
    return yuma_chain_state(gn_a);
}

static GN_UNUSED yuma_call gn_stake(int hotkey_of, uint16_t netuid, uint64_t amount)
{
    yuma_call c = gn_call(YUMA_CALL_ADD_STAKE);
    c.hotkey = gn_acc(HOT, hotkey_of);
    c.netuid = netuid;
    c.amount = amount;
    return c;
}

/* Two subnets at work: subnet 1 (OWNER) with validators V1-V3 and miners
 * M1-M2, the whale and S1 staking through V1 and V2; subnet 2 (OWNER2)
 * where V3 also stakes; an epoch on subnet 1 gives validator permits; the
 * council has warmed up by the end (height 40). twin: keep a twin chain. */
static GN_UNUSED void gn_setup_with(const yuma_chain_params *p, bool twin)
{
    gn_keys();
    gn_qn = 0;
    gn_swap = 0;
    gn_a = gn_new_chain(p);
    gn_b = twin ? gn_new_chain(p) : NULL;
    yuma_call c = gn_call(YUMA_CALL_REGISTER_NETWORK);
    c.hotkey = gn_acc(HOT, OWNER);
    gn_queue(COLD, OWNER, c);
    gn_block();
    gn_expect(0, YUMA_CALL_OK);
    c.hotkey = gn_acc(HOT, OWNER2);
    gn_queue(COLD, OWNER2, c);
    c = gn_call(YUMA_CALL_START_CALL);
    c.netuid = 1;
    gn_queue(COLD, OWNER, c);
    gn_block();
    gn_expect(0, YUMA_CALL_OK);
    gn_expect(1, YUMA_CALL_OK);
    c.netuid = 2;
    gn_queue(COLD, OWNER2, c);
    int neurons[] = {V1, V2, V3, M1, M2};
    for (int i = 0; i < 5; i++) {
        yuma_call r = gn_call(YUMA_CALL_BURNED_REGISTER);
        r.netuid = 1;
        r.hotkey = gn_acc(HOT, neurons[i]);
        gn_queue(COLD, neurons[i], r);
    }
    gn_block();
    for (size_t i = 0; i < 6; i++) gn_expect(i, YUMA_CALL_OK);
    gn_queue(COLD, WHALE, gn_stake(V1, 1, 20000 * TAO)); /* first: the whale holds most of the alpha */
    gn_queue(COLD, V1, gn_stake(V1, 1, 1000 * TAO));
    gn_queue(COLD, V2, gn_stake(V2, 1, 1000 * TAO));
    gn_queue(COLD, V3, gn_stake(V3, 1, 1000 * TAO));
    gn_queue(COLD, S1, gn_stake(V2, 1, 500 * TAO));
    gn_queue(COLD, V3, gn_stake(OWNER2, 2, 500 * TAO));
    gn_block();
    for (size_t i = 0; i < 6; i++) gn_expect(i, YUMA_CALL_OK);
    c = gn_call(YUMA_CALL_TRIGGER_EPOCH);
    c.netuid = 1;
    gn_queue(COLD, OWNER, c);
    gn_block();
    gn_expect(0, YUMA_CALL_OK);
    gn_until(40);
}

static GN_UNUSED void gn_setup(bool twin)
{
    yuma_chain_params p = gn_params();
    gn_setup_with(&p, twin);
}

static GN_UNUSED void gn_teardown(void)
{
    yuma_chain_free(gn_a);
    yuma_chain_free(gn_b);
    gn_a = gn_b = NULL;
}

/* ---- governance helpers ---- */

static GN_UNUSED yuma_call gn_propose(uint16_t netuid, uint16_t kind, uint16_t param, uint64_t value, uint64_t deposit)
{
    yuma_call c = gn_call(YUMA_CALL_GOV_PROPOSE);
    c.netuid = netuid;
    crypto_generichash(c.doc_hash, 32, (const uint8_t *)"rationale", 9, NULL, 0);
    c.amount = deposit;
    c.action_count = 1;
    c.actions[0] = (yuma_gov_action){.kind = kind, .param = param, .value = value};
    return c;
}

static GN_UNUSED yuma_call gn_vote(uint64_t id, uint8_t choice, uint8_t conviction)
{
    yuma_call c = gn_call(YUMA_CALL_GOV_VOTE);
    c.proposal_id = id;
    c.choice = choice;
    c.conviction = conviction;
    return c;
}

static GN_UNUSED yuma_call gn_id_call(yuma_call_kind kind, uint64_t id)
{
    yuma_call c = gn_call(kind);
    c.proposal_id = id;
    return c;
}

static GN_UNUSED gov_proposal gn_proposal(uint64_t id)
{
    gov_proposal p;
    assert_true(gov_proposal_get(gn_kv(), id, &p));
    return p;
}

static GN_UNUSED uint64_t gn_balance(int role, int who)
{
    yuma_account a = gn_acc(role, who);
    return yuma_chain_balance(gn_a, &a);
}

/* The audit log verifies and holds an entry about proposal id with this
 * call_id. */
static GN_UNUSED bool gn_audited(uint64_t id, uint16_t call_id)
{
    gov_audit_verify_result v;
    gov_audit_verify(gn_kv(), &v);
    assert_true(v.ok);
    for (uint64_t s = 0; s < gov_audit_count(gn_kv()); s++) {
        gov_audit_entry e;
        assert_int_equal(gov_audit_get(gn_kv(), s, &e), GOV_AUDIT_OK);
        if (e.proposal_id == id && e.call_id == call_id && e.class_ != GOV_AUDIT_RULE && e.class_ != GOV_AUDIT_EMERGENCY)
            return true;
    }
    return false;
}

#endif
