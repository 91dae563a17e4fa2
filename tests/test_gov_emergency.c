/*
 * test_gov_emergency.c - the emergency lane (governance-and-users §5.7)
 * through real signed transactions on three chains built from the same
 * genesis:
 *   E  the chain under test;
 *   T  its twin: every call that must fail on E is an inert call (an
 *      unstake of nothing by the same signer) on T, every other call the
 *      same; after each block E and T must agree record for record, so a
 *      failing call provably changed nothing but its fee and nonce;
 *   N  the counterfactual: no guardian call at all (each is an inert call),
 *      so N is the chain where the emergency never happened.
 * After every block the supply audit must hold on all three.
 *
 * What is proved: an escrow needs 5 of 9 approvals; while it runs the
 * subnet's pending emission is held (E's pools + escrow = N's pools, to
 * the rao); an escrow no EAA ratifies is paid back in full, after which
 * E's state equals N's and the subnet's next epoch pays every staker
 * exactly what N pays; a ratified escrow is recycled; safe mode blocks
 * everything but unstaking and governance for its bounded time, with one
 * bounded extension; an action without a rationale in time reverts and
 * strikes its signers, three strikes remove a signer; the per-quarter cap;
 * every refusal with its message; the audit log records all of it and
 * verifies; the genesis rules for signers.
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
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/audit.h"
#include "gov/emergency.h"
#include "gov/gov.h"
#include "yuma/chain.h"
#include "yuma/genesis.h"

#define TAO YUMA_RAO_PER_TAO
#define MAXQ 24
#define ESCROW_MAX 6
#define SAFE_MAX 4
#define EXT_MAX 2
#define RATIONALE 3
#define RATIFY 20
#define APPROVAL 3
#define QUARTER 100

enum { G0, G1, G2, G3, G4, G5, G6, G7, G8, OWNER, V1, M1, X, KEYS };
enum { E_, T_, N_, CHAINS };

typedef struct {
    unsigned char pk[32], sk[64];
} keypair;

static keypair cold[KEYS], hot[KEYS];
static yuma_account author;
static yuma_chain *ch[CHAINS];
static uint64_t nonces[KEYS];

static yuma_account pub(const keypair *k)
{
    yuma_account a;
    memcpy(a.bytes, k->pk, 32);
    return a;
}

static int make_keys(void **state)
{
    (void)state;
    for (int i = 0; i < KEYS; i++) {
        unsigned char seed[32] = {0x71, (unsigned char)i};
        crypto_sign_seed_keypair(cold[i].pk, cold[i].sk, seed);
        seed[0] = 0x72;
        crypto_sign_seed_keypair(hot[i].pk, hot[i].sk, seed);
    }
    memset(author.bytes, 0xAB, 32);
    return 0;
}

/* The guardians' term (0: the devnet preset's); the term test shortens it. */
static uint64_t lane_term;

static yuma_gov_audit_params lane_params(void)
{
    yuma_gov_audit_params p = yuma_gov_audit_params_devnet();
    if (lane_term) p.guardian_term_blocks = lane_term;
    p.emergency_escrow_blocks = ESCROW_MAX;
    p.safe_mode_blocks = SAFE_MAX;
    p.safe_mode_extension_blocks = EXT_MAX;
    p.rationale_window_blocks = RATIONALE;
    p.ratify_window_blocks = RATIFY;
    p.approval_window_blocks = APPROVAL;
    p.quarter_blocks = QUARTER;
    return p;
}

static const char *const ORGS[9] = {"alpha", "alpha", "beta", "beta", "gamma", "gamma", "delta", "delta", "epsilon"};

static void guardians(yuma_guardian g[9])
{
    memset(g, 0, 9 * sizeof *g);
    for (int i = 0; i < 9; i++) {
        g[i].account = pub(&cold[i]);
        strcpy(g[i].org, ORGS[i]);
    }
}

/* ---- three chains ---- */

typedef struct {
    uint8_t bytes[YUMA_TX_MAX_ENCODED];
    size_t len;
} encoded;

static encoded q[CHAINS][MAXQ];
static yuma_call_status want[CHAINS][MAXQ];
static size_t qn;

static void world_free(void)
{
    for (int c = 0; c < CHAINS; c++) {
        yuma_chain_free(ch[c]);
        ch[c] = NULL;
    }
}

static void world_new(void)
{
    world_free();
    yuma_genesis_balance bal[2 * KEYS];
    for (int i = 0; i < KEYS; i++) {
        bal[i] = (yuma_genesis_balance){pub(&cold[i]), 10000 * TAO};
        bal[KEYS + i] = (yuma_genesis_balance){pub(&hot[i]), 10 * TAO};
    }
    yuma_chain_params p = yuma_chain_params_default();
    p.network_rate_limit = 1;
    p.audit = lane_params();
    yuma_guardian g[9];
    guardians(g);
    yuma_genesis gen = {.chain_id = 17, .params = p, .balance_count = 2 * KEYS, .balances = bal,
                        .guardian_count = 9, .guardians = g};
    for (int c = 0; c < CHAINS; c++) assert_int_equal(yuma_chain_new(&gen, &ch[c]), YUMA_CHAIN_OK);
    memset(nonces, 0, sizeof nonces);
    qn = 0;
}

static void sign_into(encoded *e, int who, uint64_t nonce, const yuma_call *call)
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(ch[E_]);
    yuma_chain_genesis_hash(ch[E_], tx.genesis_hash);
    tx.signer = pub(&cold[who]);
    tx.nonce = nonce;
    tx.fee = yuma_chain_min_fee(ch[E_], YUMA_TX_MAX_ENCODED);
    tx.call = *call;
    assert_true(yuma_tx_sign(&tx, cold[who].sk));
    e->len = yuma_tx_encode(&tx, e->bytes, sizeof e->bytes);
    assert_true(e->len > 0);
}

/* A call that fails without touching anything, in or out of safe mode:
 * unstaking nothing from the subnet owner's hotkey. */
static yuma_call inert_call(void)
{
    yuma_call nothing;
    memset(&nothing, 0, sizeof nothing);
    nothing.kind = YUMA_CALL_REMOVE_STAKE;
    nothing.hotkey = pub(&hot[OWNER]);
    nothing.netuid = 1;
    return nothing;
}

/* One call per chain by the same signer and nonce: real where real[c]. */
static void queue_on(int who, const yuma_call *call, const bool real[CHAINS], yuma_call_status st)
{
    assert_true(qn < MAXQ);
    uint64_t nonce = nonces[who]++;
    yuma_call nothing = inert_call();
    for (int c = 0; c < CHAINS; c++) {
        sign_into(&q[c][qn], who, nonce, real[c] ? call : &nothing);
        want[c][qn] = real[c] ? st : YUMA_CALL_ERR_ZERO_AMOUNT;
    }
    qn++;
}

/* An ordinary call: on all three chains. */
static void queue_all(int who, const yuma_call *call, yuma_call_status st)
{
    queue_on(who, call, (const bool[CHAINS]){true, true, true}, st);
}

/* A guardian call that succeeds: on E and T, never on N. */
static void queue_lane(int who, const yuma_call *call)
{
    queue_on(who, call, (const bool[CHAINS]){true, true, false}, YUMA_CALL_OK);
}

/* A call that must fail on E with st (and message msg): inert elsewhere. */
static void queue_fail(int who, const yuma_call *call, yuma_call_status st, const char *msg)
{
    assert_string_equal(yuma_call_strerror(st), msg);
    queue_on(who, call, (const bool[CHAINS]){true, false, false}, st);
}

static bool digest_record(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    void **args = ctx;
    bool skip_lane = *(bool *)args[1];
    if (klen == 2 && key[0] == REC_GLOBAL && key[1] == GLOBAL_HEAD) return true;
    if (skip_lane && key[0] >= 0x30 && key[0] <= 0x3F) return true;
    uint8_t len[8];
    put_u64(len, klen);
    crypto_generichash_update(args[0], len, 8);
    crypto_generichash_update(args[0], key, klen);
    put_u64(len, vlen);
    crypto_generichash_update(args[0], len, 8);
    crypto_generichash_update(args[0], val, vlen);
    return true;
}

/* BLAKE2b of every record but the head (and, if skip_lane, but the
 * audit log, history and lane records 0x30-0x3F), in key order. */
static void digest(yuma_chain *c, bool skip_lane, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    void *args[2] = {&st, &skip_lane};
    uint8_t any = 0;
    assert_true(ykv_scan_prefix(yuma_chain_state(c), &any, 0, digest_record, args));
    crypto_generichash_final(&st, out, 32);
}

static void supply_audit(yuma_chain *c)
{
    char detail[256];
    if (!yuma_chain_audit_supply(c, detail, sizeof detail)) {
        print_error("block %llu: %s\n", (unsigned long long)yuma_chain_height(c), detail);
        fail();
    }
}

/* E's gov_guardian_term_ended events: how many, and the last one. */
static size_t term_events;
static yuma_event last_term_event;

static void block(void)
{
    for (int c = 0; c < CHAINS; c++) {
        yuma_tx_bytes raw[MAXQ];
        for (size_t i = 0; i < qn; i++) raw[i] = (yuma_tx_bytes){q[c][i].bytes, q[c][i].len};
        yuma_block b = {.height = yuma_chain_height(ch[c]) + 1, .author = author, .tx_count = qn, .txs = raw};
        yuma_chain_last_hash(ch[c], b.parent_hash);
        yuma_block_result r;
        yuma_chain_status st = yuma_chain_apply_block(ch[c], &b, &r);
        if (st != YUMA_CHAIN_OK) {
            print_error("chain %d block %llu: %s\n", c, (unsigned long long)b.height, yuma_chain_strerror(st));
            fail();
        }
        for (size_t i = 0; i < qn; i++)
            if (r.call_status[i] != want[c][i]) {
                print_error("chain %d block %llu tx %zu: got '%s', want '%s'\n", c, (unsigned long long)b.height, i,
                            yuma_call_strerror(r.call_status[i]), yuma_call_strerror(want[c][i]));
                fail();
            }
        free(r.call_status);
        for (size_t i = 0; c == E_ && i < r.event_count; i++)
            if (r.events[i].kind == GOV_EVENT_GUARDIAN_TERM_ENDED) {
                term_events++;
                last_term_event = r.events[i];
            }
        supply_audit(ch[c]);
    }
    qn = 0;
    uint8_t de[32], dt[32];
    digest(ch[E_], false, de);
    digest(ch[T_], false, dt);
    if (memcmp(de, dt, 32) != 0) {
        print_error("block %llu: a failing call changed the state\n", (unsigned long long)yuma_chain_height(ch[E_]));
        fail();
    }
}

static uint64_t height(void)
{
    return yuma_chain_height(ch[E_]);
}

static const ykv *kv_of(int c)
{
    return yuma_chain_state(ch[c]);
}

static subnet_rec subnet(int c, uint16_t netuid)
{
    subnet_rec s;
    assert_true(subnet_get(kv_of(c), netuid, &s));
    return s;
}

static gov_action_rec action(uint64_t id)
{
    gov_action_rec a;
    assert_true(gov_action_get(kv_of(E_), id, &a));
    return a;
}

static gov_guardian_rec member(uint8_t slot)
{
    gov_guardian_rec m;
    assert_true(gov_guardian_get(kv_of(E_), slot, &m));
    return m;
}

/* ---- calls ---- */

static yuma_call call_of(yuma_call_kind kind)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    return c;
}

static yuma_call propose(uint8_t kind, uint16_t netuid, uint64_t duration, uint8_t statement)
{
    yuma_call c = call_of(YUMA_CALL_GUARDIAN_PROPOSE);
    c.choice = kind;
    c.netuid = netuid;
    c.value = duration;
    memset(c.doc_hash, statement, 32);
    return c;
}

static yuma_call approve(uint64_t id)
{
    yuma_call c = call_of(YUMA_CALL_GUARDIAN_APPROVE);
    c.proposal_id = id;
    return c;
}

static yuma_call rationale(uint64_t id, uint8_t fill)
{
    yuma_call c = call_of(YUMA_CALL_GUARDIAN_RATIONALE);
    c.proposal_id = id;
    memset(c.doc_hash, fill, 32);
    return c;
}

static yuma_call transfer(int to, uint64_t amount)
{
    yuma_call c = call_of(YUMA_CALL_TRANSFER);
    c.dest = pub(&cold[to]);
    c.amount = amount;
    return c;
}

static yuma_call stake_call(yuma_call_kind kind, int hk, uint16_t netuid, uint64_t amount)
{
    yuma_call c = call_of(kind);
    c.hotkey = pub(&hot[hk]);
    c.netuid = netuid;
    c.amount = amount;
    return c;
}

/* Subnet 1 owned by OWNER, started; V1 staked, M1 registered. */
static void subnet_world(void)
{
    world_new();
    yuma_call reg = call_of(YUMA_CALL_REGISTER_NETWORK);
    reg.hotkey = pub(&hot[OWNER]);
    queue_all(OWNER, &reg, YUMA_CALL_OK);
    block();
    yuma_call start = call_of(YUMA_CALL_START_CALL);
    start.netuid = 1;
    queue_all(OWNER, &start, YUMA_CALL_OK);
    block();
    for (int k = V1; k <= M1; k++) {
        yuma_call r = call_of(YUMA_CALL_BURNED_REGISTER);
        r.netuid = 1;
        r.hotkey = pub(&hot[k]);
        queue_all(k, &r, YUMA_CALL_OK);
    }
    block();
    yuma_call s = stake_call(YUMA_CALL_ADD_STAKE, V1, 1, 300 * TAO);
    queue_all(V1, &s, YUMA_CALL_OK);
    block();
}

/* Proposes an escrow of subnet 1 by G0 and approvals by G1..G4: it takes
 * effect with the 5th. Returns the action id. */
static uint64_t escrow_subnet1(uint64_t duration)
{
    uint64_t id = gov_lane_state_get(kv_of(E_)).next_id;
    yuma_call p = propose(GOV_EMERGENCY_ESCROW, 1, duration, 0xE1);
    queue_lane(G0, &p);
    for (int g = G1; g <= G4; g++) {
        yuma_call a = approve(id);
        queue_lane(g, &a);
    }
    block();
    assert_int_equal(action(id).status, GOV_ACTION_ACTIVE);
    return id;
}

static uint64_t pools(const subnet_rec *s)
{
    return s->pending_server + s->pending_validator + s->pending_root + s->pending_owner;
}

static uint64_t escrowed(const gov_action_rec *a)
{
    return a->escrow_server + a->escrow_validator + a->escrow_root + a->escrow_owner;
}

/* E's subnet equals N's but for what the escrow holds: pool by pool. */
static void assert_held(uint64_t id)
{
    subnet_rec e = subnet(E_, 1), n = subnet(N_, 1);
    gov_action_rec a = action(id);
    assert_int_equal(e.pending_server + a.escrow_server, n.pending_server);
    assert_int_equal(e.pending_validator + a.escrow_validator, n.pending_validator);
    assert_int_equal(e.pending_root + a.escrow_root, n.pending_root);
    assert_int_equal(e.pending_owner + a.escrow_owner, n.pending_owner);
    assert_int_equal(e.alpha_out + escrowed(&a), n.alpha_out);
    assert_int_equal(e.pool.tao, n.pool.tao);   /* the TAO side is untouched */
    assert_int_equal(e.pool.alpha_in, n.pool.alpha_in);
}

static void assert_same_as_counterfactual(void)
{
    uint8_t de[32], dn[32];
    digest(ch[E_], true, de);
    digest(ch[N_], true, dn);
    assert_memory_equal(de, dn, 32);
}

static void audit_ok(void)
{
    gov_audit_verify_result r;
    gov_audit_verify(kv_of(E_), &r);
    if (!r.ok) print_error("%s\n", r.detail);
    assert_true(r.ok);
}

static size_t count_events(uint16_t event, uint64_t id)
{
    size_t n = 0;
    for (uint64_t s = 0; s < gov_audit_count(kv_of(E_)); s++) {
        gov_audit_entry e;
        assert_int_equal(gov_audit_get(kv_of(E_), s, &e), GOV_AUDIT_OK);
        if (e.class_ == GOV_AUDIT_EMERGENCY && e.call_id == event && (id == 0 || e.proposal_id == id)) n++;
    }
    return n;
}

static unsigned approvals_of(uint64_t id)
{
    unsigned n = 0;
    for (uint16_t m = action(id).approvals; m; m &= (uint16_t)(m - 1)) n++;
    return n;
}

static uint64_t pools_of(int c)
{
    subnet_rec s = subnet(c, 1);
    return pools(&s);
}

static uint64_t held_by(uint64_t id)
{
    gov_action_rec a = action(id);
    return escrowed(&a);
}

static void trigger_epoch_all(void)
{
    yuma_call trig = call_of(YUMA_CALL_TRIGGER_EPOCH);
    trig.netuid = 1;
    queue_all(OWNER, &trig, YUMA_CALL_OK);
    uint64_t epoch = subnet(E_, 1).epoch_index;
    while (subnet(E_, 1).epoch_index == epoch) block();
}

/* ---- the escrow: held, then paid back in full ---- */

static void test_escrow_paid_back_in_full(void **state)
{
    (void)state;
    subnet_world();
    block();
    /* Four approvals are not enough. */
    uint64_t id = gov_lane_state_get(kv_of(E_)).next_id;
    yuma_call p = propose(GOV_EMERGENCY_ESCROW, 1, ESCROW_MAX, 0xE1);
    queue_lane(G0, &p);
    for (int g = G1; g <= G3; g++) {
        yuma_call a = approve(id);
        queue_lane(g, &a);
    }
    block();
    assert_int_equal(action(id).status, GOV_ACTION_PENDING);
    assert_int_equal(approvals_of(id), 4);
    block();
    assert_int_equal(held_by(id), 0);
    assert_same_as_counterfactual(); /* nothing held while pending */
    /* The fifth approval: in effect from this block, held from the next. */
    yuma_call a5 = approve(id);
    queue_lane(G4, &a5);
    block();
    gov_action_rec a = action(id);
    uint64_t activated = height();
    assert_int_equal(a.status, GOV_ACTION_ACTIVE);
    assert_int_equal(a.activated_at, activated);
    assert_int_equal(a.ends_at, activated + ESCROW_MAX);
    assert_int_equal(count_events(GOV_EV_ESCROW_ON, id), 1);
    /* The rationale, by another signer, within the window. */
    yuma_call r = rationale(id, 0xAA);
    queue_lane(G5, &r);
    block();
    assert_int_equal(action(id).rationale_at, height());
    /* Held block by block: the subnet's pools are empty after each
     * coinbase, and E's pools + escrow = N's pools, exactly. */
    while (height() <= activated + ESCROW_MAX) {
        assert_int_equal(pools_of(E_), 0);
        assert_held(id);
        assert_true(gov_escrow_active(kv_of(E_), 1, height()));
        block();
    }
    /* The block after its last: the escrow ended, emission accrues again. */
    assert_int_equal(action(id).status, GOV_ACTION_ENDED);
    assert_false(gov_escrow_active(kv_of(E_), 1, height()));
    assert_true(pools_of(E_) > 0);
    assert_held(id);
    uint64_t held = held_by(id);
    assert_true(held > 0);
    assert_int_equal(subnet(N_, 1).alpha_out - subnet(E_, 1).alpha_out, held);
    /* No EAA ratifies it: at activation + RATIFY it is paid back in full. */
    while (height() + 1 < activated + RATIFY) {
        block();
        assert_held(id);
    }
    subnet_rec e_before = subnet(E_, 1), n_before = subnet(N_, 1);
    block();
    assert_int_equal(height(), activated + RATIFY);
    a = action(id);
    assert_int_equal(a.status, GOV_ACTION_PAID_BACK);
    assert_int_equal(a.settled_at, height());
    subnet_rec e_after = subnet(E_, 1), n_after = subnet(N_, 1);
    /* This block added to E's pools N's accrual plus every escrowed rao. */
    assert_int_equal(pools(&e_after) - pools(&e_before), pools(&n_after) - pools(&n_before) + held);
    assert_int_equal(e_after.pending_owner - e_before.pending_owner,
                     n_after.pending_owner - n_before.pending_owner + a.escrow_owner);
    assert_int_equal(e_after.alpha_out, n_after.alpha_out);
    /* The whole state is now the counterfactual's (lane records aside). */
    assert_same_as_counterfactual();
    assert_int_equal(yuma_chain_total_issuance(ch[E_]), yuma_chain_total_issuance(ch[N_]));
    /* The next epoch pays every staker exactly what N's pays. */
    yuma_account owner_hot = pub(&hot[OWNER]);
    uint64_t owner_stake = stake_total(kv_of(E_), &owner_hot, 1);
    trigger_epoch_all();
    assert_same_as_counterfactual();
    assert_true(stake_total(kv_of(E_), &owner_hot, 1) > owner_stake); /* the owner cut was paid */
    assert_int_equal(count_events(GOV_EV_ESCROW_PAID_BACK, id), 1);
    assert_int_equal(count_events(GOV_EV_ESCROW_ENDED, id), 1);
    assert_int_equal(count_events(GOV_EV_RATIONALE, id), 1);
    audit_ok();
    world_free();
}

/* The lane's functions for govcore's enactment, applied to E and T alike
 * (as the block step of both would), never to N. */
static ykv *mut(int c)
{
    return (ykv *)yuma_chain_state(ch[c]);
}

static gov_ratify_status ratify_both(uint64_t id, uint64_t proposal, int mode)
{
    gov_ratify_status st[2];
    for (int c = E_; c <= T_; c++)
        st[c] = mode == 0 ? gov_emergency_ratify_opened(mut(c), height(), id, proposal)
                          : gov_emergency_ratify(mut(c), height(), id, proposal, mode == 1);
    assert_int_equal(st[0], st[1]);
    return st[0];
}

static void test_escrow_ratified_is_recycled(void **state)
{
    (void)state;
    subnet_world();
    uint64_t id = escrow_subnet1(3);
    yuma_call r = rationale(id, 0xAB);
    queue_lane(G0, &r);
    block();
    /* A proposal naming the escrow opens, then passes, while it still runs. */
    assert_int_equal(ratify_both(id, 77, 0), GOV_RATIFY_OK);
    assert_int_equal(ratify_both(id, 78, 0), GOV_RATIFY_ERR_OTHER_PROPOSAL);
    assert_string_equal(gov_ratify_strerror(GOV_RATIFY_ERR_OTHER_PROPOSAL),
                        "another proposal already ratifies this escrow");
    assert_int_equal(ratify_both(id, 77, 1), GOV_RATIFY_OK);
    assert_int_equal(action(id).ratified, 1);
    assert_int_equal(ratify_both(id, 77, 1), GOV_RATIFY_ERR_SETTLED);
    assert_int_equal(ratify_both(999, 77, 1), GOV_RATIFY_ERR_NO_ACTION);
    assert_string_equal(gov_ratify_strerror(GOV_RATIFY_ERR_NO_ACTION), "no emergency action with this id");
    while (action(id).status == GOV_ACTION_ACTIVE) {
        assert_held(id);
        block();
    }
    /* Ended and ratified: recycled at once, never minted. */
    gov_action_rec a = action(id);
    assert_int_equal(a.status, GOV_ACTION_RECYCLED);
    assert_int_equal(a.ratify_proposal, 77);
    uint64_t held = escrowed(&a);
    assert_true(held > 0);
    for (int i = 0; i < RATIFY + 2; i++) block();
    assert_int_equal(subnet(N_, 1).alpha_out - subnet(E_, 1).alpha_out, held);
    assert_int_equal(count_events(GOV_EV_RATIFY_OPENED, id), 1);
    assert_int_equal(count_events(GOV_EV_RATIFIED, id), 1);
    assert_int_equal(count_events(GOV_EV_ESCROW_RECYCLED, id), 1);
    assert_int_equal(count_events(GOV_EV_ESCROW_PAID_BACK, id), 0);
    audit_ok();
    world_free();
}

static void test_ratify_holds_payback_until_rejected(void **state)
{
    (void)state;
    subnet_world();
    uint64_t id = escrow_subnet1(2);
    uint64_t activated = height();
    yuma_call r = rationale(id, 0xAB);
    queue_lane(G1, &r);
    block();
    while (height() + 2 < activated + RATIFY) block();
    assert_int_equal(ratify_both(id, 5, 0), GOV_RATIFY_OK); /* opened within the window */
    /* Past the window, the open proposal holds the payback. */
    for (int i = 0; i < 5; i++) block();
    assert_true(height() > activated + RATIFY);
    assert_int_equal(action(id).status, GOV_ACTION_ENDED);
    assert_held(id);
    /* A late caller without the open proposal is out of time. */
    assert_int_equal(gov_emergency_ratify_opened(mut(E_), height(), id, 6), GOV_RATIFY_ERR_OTHER_PROPOSAL);
    /* It fails: paid back in the next block step, in full. */
    assert_int_equal(ratify_both(id, 5, 2), GOV_RATIFY_OK);
    block();
    assert_int_equal(action(id).status, GOV_ACTION_PAID_BACK);
    assert_int_equal(count_events(GOV_EV_RATIFY_REJECTED, id), 1);
    assert_same_as_counterfactual();
    trigger_epoch_all();
    assert_same_as_counterfactual();
    audit_ok();
    world_free();
}

static void test_ratify_window(void **state)
{
    (void)state;
    subnet_world();
    uint64_t id = escrow_subnet1(1);
    uint64_t activated = height();
    yuma_call r = rationale(id, 0xAB);
    queue_lane(G1, &r);
    block();
    block();
    assert_int_equal(action(id).status, GOV_ACTION_ENDED);
    /* A ratification that would land after the window (at a later block
     * than the block step has reached) is refused, nothing changes. */
    uint8_t before[32], after[32];
    digest(ch[E_], false, before);
    assert_int_equal(gov_emergency_ratify_opened(mut(E_), activated + RATIFY + 1, id, 9), GOV_RATIFY_ERR_WINDOW);
    assert_int_equal(gov_emergency_ratify(mut(E_), activated + RATIFY + 1, id, 9, true), GOV_RATIFY_ERR_WINDOW);
    assert_string_equal(gov_ratify_strerror(GOV_RATIFY_ERR_WINDOW), "the escrow's ratification window has closed");
    digest(ch[E_], false, after);
    assert_memory_equal(before, after, 32);
    world_free();
}

/* ---- safe mode ---- */

static uint64_t five_sign(yuma_call p, int first)
{
    uint64_t id = gov_lane_state_get(kv_of(E_)).next_id;
    queue_lane(first, &p);
    for (int g = first + 1; g < first + 5; g++) {
        yuma_call a = approve(id);
        queue_lane(g, &a);
    }
    return id;
}

static void test_safe_mode(void **state)
{
    (void)state;
    subnet_world();
    uint64_t id = five_sign(propose(GOV_EMERGENCY_SAFE_MODE, 0, SAFE_MAX, 0x5A), G0);
    block();
    uint64_t activated = height();
    assert_int_equal(action(id).status, GOV_ACTION_ACTIVE);
    assert_int_equal(action(id).netuid, GOV_AUDIT_NETUID_GLOBAL);
    assert_false(gov_safe_mode_active(kv_of(E_), activated)); /* from the next block */
    assert_true(gov_safe_mode_active(kv_of(E_), activated + 1));
    const char *msg = "the chain is in safe mode: only remove_stake, gov_* and guardian_* calls are allowed";
    yuma_call t = transfer(M1, TAO), add = stake_call(YUMA_CALL_ADD_STAKE, V1, 1, TAO),
              rem = stake_call(YUMA_CALL_REMOVE_STAKE, V1, 1, TAO), reg = call_of(YUMA_CALL_REGISTER_NETWORK);
    reg.hotkey = pub(&hot[X]);
    queue_fail(X, &t, YUMA_CALL_ERR_SAFE_MODE, msg);
    queue_fail(M1, &add, YUMA_CALL_ERR_SAFE_MODE, msg);
    queue_fail(X, &reg, YUMA_CALL_ERR_SAFE_MODE, msg);
    queue_all(V1, &rem, YUMA_CALL_OK); /* unstaking stays open */
    yuma_call r = rationale(id, 0x11);
    queue_lane(G2, &r); /* the lane's own calls too */
    block();
    /* One extension, bounded. */
    yuma_call too_long = propose(GOV_EMERGENCY_EXTEND_SAFE_MODE, 0, EXT_MAX + 1, 0x5B);
    queue_fail(G0, &too_long, YUMA_CALL_ERR_GUARDIAN_DURATION,
               "the duration must be 1 block up to the action's cap (gov_emergency_escrow_blocks, gov_safe_mode_blocks, gov_safe_mode_extension_blocks)");
    yuma_call again = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x5C);
    queue_fail(G5, &again, YUMA_CALL_ERR_GUARDIAN_SAFE_MODE_STATE,
               "safe mode is already on (or, to extend it: not on, or already extended once)");
    block();
    uint64_t ext = five_sign(propose(GOV_EMERGENCY_EXTEND_SAFE_MODE, 0, EXT_MAX, 0x5D), G4);
    block();
    assert_int_equal(action(ext).status, GOV_ACTION_ACTIVE);
    assert_int_equal(gov_lane_state_get(kv_of(E_)).safe_until, activated + SAFE_MAX + EXT_MAX);
    yuma_call r2 = rationale(ext, 0x12);
    queue_lane(G8, &r2);
    yuma_call twice = propose(GOV_EMERGENCY_EXTEND_SAFE_MODE, 0, 1, 0x5E);
    queue_fail(G8, &twice, YUMA_CALL_ERR_GUARDIAN_SAFE_MODE_STATE,
               "safe mode is already on (or, to extend it: not on, or already extended once)");
    block();
    /* Restricted through the last extended block, open after it. */
    while (height() + 1 <= activated + SAFE_MAX + EXT_MAX) {
        yuma_call tt = transfer(M1, 1);
        queue_fail(X, &tt, YUMA_CALL_ERR_SAFE_MODE, msg);
        block();
    }
    yuma_call free_again = transfer(M1, TAO);
    queue_all(X, &free_again, YUMA_CALL_OK);
    block();
    assert_false(gov_safe_mode_active(kv_of(E_), height()));
    assert_int_equal(action(id).status, GOV_ACTION_ENDED);
    assert_int_equal(action(ext).status, GOV_ACTION_ENDED);
    assert_int_equal(count_events(GOV_EV_SAFE_MODE_ON, id), 1);
    assert_int_equal(count_events(GOV_EV_SAFE_MODE_EXTENDED, ext), 1);
    assert_int_equal(count_events(GOV_EV_SAFE_MODE_OFF, id), 1);
    assert_int_equal(gov_lane_state_get(kv_of(E_)).live_count, 0);
    /* Safe mode touched nothing but the refused calls' fees and nonces. */
    assert_same_as_counterfactual();
    assert_int_equal(ratify_both(id, 1, 0), GOV_RATIFY_ERR_NOT_ESCROW);
    assert_string_equal(gov_ratify_strerror(GOV_RATIFY_ERR_NOT_ESCROW), "only an emission escrow is ratified");
    audit_ok();
    world_free();
}

/* ---- refusals ---- */

static void test_refusals(void **state)
{
    (void)state;
    subnet_world();
    const char *cap = "the duration must be 1 block up to the action's cap (gov_emergency_escrow_blocks, gov_safe_mode_blocks, gov_safe_mode_extension_blocks)";
    yuma_call c = propose(GOV_EMERGENCY_ESCROW, 1, 2, 0xE1);
    queue_fail(X, &c, YUMA_CALL_ERR_NOT_GUARDIAN, "the signer is not an active guardian signer");
    c = propose(0, 1, 2, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_KIND, "guardian action must be 1 escrow, 2 safe mode or 3 extend safe mode");
    c = propose(4, 1, 2, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_KIND, "guardian action must be 1 escrow, 2 safe mode or 3 extend safe mode");
    c = propose(GOV_EMERGENCY_ESCROW, 1, 2, 0);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_NO_HASH, "the exploit statement or rationale hash must not be zero");
    c = propose(GOV_EMERGENCY_ESCROW, 1, 0, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_DURATION, cap);
    c = propose(GOV_EMERGENCY_ESCROW, 1, ESCROW_MAX + 1, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_DURATION, cap);
    c = propose(GOV_EMERGENCY_SAFE_MODE, 0, SAFE_MAX + 1, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_DURATION, cap);
    c = propose(GOV_EMERGENCY_ESCROW, 0, 2, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    c = propose(GOV_EMERGENCY_ESCROW, 9, 2, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    c = propose(GOV_EMERGENCY_EXTEND_SAFE_MODE, 0, 1, 0xE1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_SAFE_MODE_STATE,
               "safe mode is already on (or, to extend it: not on, or already extended once)");
    c = approve(999);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_NO_ACTION, "no emergency action with this id");
    c = rationale(999, 1);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_NO_ACTION, "no emergency action with this id");
    c = approve(1);
    queue_fail(X, &c, YUMA_CALL_ERR_NOT_GUARDIAN, "the signer is not an active guardian signer");
    block();
    /* A pending action: its proposer cannot approve twice, no rationale yet. */
    uint64_t id = gov_lane_state_get(kv_of(E_)).next_id;
    yuma_call p = propose(GOV_EMERGENCY_ESCROW, 1, 2, 0xE2);
    queue_lane(G0, &p);
    block();
    const char *not_pending =
        "the emergency action is no longer collecting approvals (it took effect, expired or was reverted)";
    const char *rat = "a rationale can be posted once, within the rationale window, for an action that took effect";
    c = approve(id);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_ALREADY_SIGNED, "this guardian signer already approved the action");
    c = rationale(id, 1);
    queue_fail(G1, &c, YUMA_CALL_ERR_GUARDIAN_RATIONALE, rat);
    block();
    /* Approvals count through the last block of the window; the next
     * block's step expires the action before its transactions. */
    while (height() + 1 < action(id).proposed_at + APPROVAL) block();
    c = approve(id);
    queue_lane(G1, &c);
    block();
    assert_int_equal(approvals_of(id), 2);
    c = approve(id);
    queue_fail(G2, &c, YUMA_CALL_ERR_GUARDIAN_NOT_PENDING, not_pending);
    block();
    assert_int_equal(action(id).status, GOV_ACTION_EXPIRED);
    assert_int_equal(height(), action(id).proposed_at + APPROVAL + 1);
    /* An active escrow: no second one on the subnet, no more approvals, one rationale. */
    uint64_t live = escrow_subnet1(ESCROW_MAX);
    c = propose(GOV_EMERGENCY_ESCROW, 1, 1, 0xE3);
    queue_fail(G5, &c, YUMA_CALL_ERR_GUARDIAN_ESCROW_ACTIVE, "the subnet's emission is already in escrow");
    c = approve(live);
    queue_fail(G5, &c, YUMA_CALL_ERR_GUARDIAN_NOT_PENDING, not_pending);
    c = rationale(live, 0);
    queue_fail(G5, &c, YUMA_CALL_ERR_GUARDIAN_NO_HASH, "the exploit statement or rationale hash must not be zero");
    yuma_call ok = rationale(live, 7);
    queue_lane(G5, &ok);
    block();
    c = rationale(live, 8);
    queue_fail(G6, &c, YUMA_CALL_ERR_GUARDIAN_RATIONALE, rat);
    block();
    /* The quarter cap: G0 signed the expired proposal and the escrow (2);
     * one more is allowed, the fourth is not, until the next quarter. */
    c = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0xE4);
    queue_lane(G0, &c);
    c = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0xE5);
    queue_fail(G0, &c, YUMA_CALL_ERR_GUARDIAN_QUARTER_CAP,
               "this guardian signer already signed its emergency actions for this quarter");
    block();
    assert_int_equal(member(G0).signed_in_quarter, 3);
    while (height() + 1 < QUARTER) block();
    c = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0xE6);
    queue_lane(G0, &c); /* block QUARTER: a new quarter */
    block();
    assert_int_equal(member(G0).quarter, 1);
    assert_int_equal(member(G0).signed_in_quarter, 1);
    audit_ok();
    world_free();
}

/* ---- no rationale: revert and strikes; three strikes remove ---- */

static void test_strikes_remove_signers(void **state)
{
    (void)state;
    subnet_world();
    /* 1: an escrow without a rationale reverts after the window and is
     * paid back at once. */
    uint64_t a1 = escrow_subnet1(ESCROW_MAX);
    uint64_t act = height();
    while (height() <= act + RATIONALE) {
        assert_int_equal(action(a1).status, GOV_ACTION_ACTIVE);
        block();
    }
    assert_int_equal(height(), act + RATIONALE + 1);
    assert_int_equal(action(a1).status, GOV_ACTION_REVERTED);
    assert_false(gov_escrow_active(kv_of(E_), 1, height()));
    assert_same_as_counterfactual();
    for (int g = G0; g <= G4; g++) assert_int_equal(member((uint8_t)g).strikes, 1);
    assert_int_equal(member(G5).strikes, 0);
    assert_int_equal(count_events(GOV_EV_REVERTED, a1), 1);
    assert_int_equal(count_events(GOV_EV_STRIKE, a1), 5);
    /* 2: a safe mode without a rationale is lifted early: block act + 4
     * would still be in safe mode, the revert opens it. */
    uint64_t a2 = five_sign(propose(GOV_EMERGENCY_SAFE_MODE, 0, SAFE_MAX, 0x5A), G0);
    block();
    act = height();
    while (height() + 1 <= act + RATIONALE) {
        yuma_call t = transfer(M1, 1);
        queue_fail(X, &t, YUMA_CALL_ERR_SAFE_MODE,
                   "the chain is in safe mode: only remove_stake, gov_* and guardian_* calls are allowed");
        block();
    }
    yuma_call t = transfer(M1, 1);
    queue_all(X, &t, YUMA_CALL_OK); /* block act + 4 <= act + SAFE_MAX: open only because of the revert */
    block();
    assert_int_equal(action(a2).status, GOV_ACTION_REVERTED);
    for (int g = G0; g <= G4; g++) assert_int_equal(member((uint8_t)g).strikes, 2);
    /* 3: the third strike removes the five signers. */
    uint64_t a3 = escrow_subnet1(1);
    for (int i = 0; i < RATIONALE + 1; i++) block();
    assert_int_equal(action(a3).status, GOV_ACTION_REVERTED);
    for (int g = G0; g <= G4; g++) {
        assert_int_equal(member((uint8_t)g).strikes, 3);
        assert_false(member((uint8_t)g).active);
    }
    assert_true(member(G5).active);
    assert_int_equal(count_events(GOV_EV_SIGNER_REMOVED, a3), 5);
    yuma_call c = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x77);
    queue_fail(G0, &c, YUMA_CALL_ERR_NOT_GUARDIAN, "the signer is not an active guardian signer");
    block();
    /* Four signers are left: below the threshold, nothing takes effect. */
    uint64_t a4 = gov_lane_state_get(kv_of(E_)).next_id;
    c = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x78);
    queue_lane(G5, &c);
    for (int g = G6; g <= G8; g++) {
        yuma_call ap = approve(a4);
        queue_lane(g, &ap);
    }
    block();
    assert_int_equal(action(a4).status, GOV_ACTION_PENDING);
    assert_same_as_counterfactual();
    audit_ok();
    world_free();
}

/* An election by House C (a passed global EAA) replaces the set. */
static void test_guardians_replaced(void **state)
{
    (void)state;
    subnet_world();
    uint64_t a1 = escrow_subnet1(1);
    for (int i = 0; i < RATIONALE + 1; i++) block(); /* G0..G4 get a strike */
    assert_int_equal(action(a1).status, GOV_ACTION_REVERTED);
    uint64_t pending = gov_lane_state_get(kv_of(E_)).next_id;
    yuma_call p = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x31);
    queue_lane(G5, &p);
    block();
    /* New set: G0 stays (keeps its strike), X joins, G1..G4 leave. */
    yuma_guardian g[6];
    memset(g, 0, sizeof g);
    int who[6] = {G0, X, G5, G6, G7, G8};
    const char *org[6] = {"alpha", "omega", "gamma", "delta", "delta", "epsilon"};
    for (int i = 0; i < 6; i++) {
        g[i].account = pub(&cold[who[i]]);
        strcpy(g[i].org, org[i]);
    }
    const char *why = NULL;
    yuma_guardian bad[3];
    memcpy(bad, g + 3, 2 * sizeof *g);
    bad[2] = g[2];
    strcpy(bad[2].org, "delta"); /* a third from one organisation */
    uint8_t before[32], after[32];
    digest(ch[E_], false, before);
    assert_false(gov_guardians_replace(mut(E_), height(), 44, bad, 3, NULL, &why));
    assert_string_equal(why, "more guardians from one organisation than gov_guardian_per_org");
    digest(ch[E_], false, after);
    assert_memory_equal(before, after, 32);
    for (int c = E_; c <= T_; c++) assert_true(gov_guardians_replace(mut(c), height(), 44, g, 6, NULL, &why));
    block();
    assert_int_equal(member(0).strikes, 1);   /* G0 stayed */
    assert_int_equal(member(1).strikes, 0);   /* X is new */
    assert_memory_equal(member(1).account.bytes, cold[X].pk, 32);
    gov_guardian_rec gone;
    assert_false(gov_guardian_get(kv_of(E_), 6, &gone));
    assert_int_equal(action(pending).status, GOV_ACTION_EXPIRED);
    assert_int_equal(count_events(GOV_EV_GUARDIANS_REPLACED, 44), 1);
    yuma_call c = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x32);
    queue_fail(G1, &c, YUMA_CALL_ERR_NOT_GUARDIAN, "the signer is not an active guardian signer");
    yuma_call ok = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x33);
    queue_lane(X, &ok);
    block();
    audit_ok();
    world_free();
}

/* ---- terms (§5.7: "elected by House C every 6 months") ---- */

#define TERM 12

/* Re-elects one signer (what an enacted guardian_add of a sitting signer
 * does, eaa.c) on E and T: the same nine, that one's term renewed. */
static void reelect(int who, uint64_t proposal)
{
    yuma_guardian g[9];
    guardians(g);
    yuma_account a = pub(&cold[who]);
    const char *why = NULL;
    for (int c = E_; c <= T_; c++) assert_true(gov_guardians_replace(mut(c), height(), proposal, g, 9, &a, &why));
}

static void test_guardian_terms(void **state)
{
    (void)state;
    lane_term = TERM;
    term_events = 0;
    subnet_world(); /* blocks 1-4; the genesis signers' terms run to block 12 */
    assert_int_equal(height(), 4);
    reelect(G0, 45); /* G0's term now runs from 4 to 16 */
    assert_int_equal(member(0).elected_at, 4);
    assert_int_equal(member(1).elected_at, 0);
    assert_int_equal(count_events(GOV_EV_GUARDIANS_REPLACED, 45), 1);
    while (height() < 9) block();
    /* Block 10: G1 proposes, G2..G4 approve: 4 of 5. */
    uint64_t id = gov_lane_state_get(kv_of(E_)).next_id;
    yuma_call p = propose(GOV_EMERGENCY_ESCROW, 1, ESCROW_MAX, 0xE7);
    queue_lane(G1, &p);
    for (int g = G2; g <= G4; g++) {
        yuma_call a = approve(id);
        queue_lane(g, &a);
    }
    block();
    block(); /* 11: the last block of the genesis terms */
    assert_int_equal(term_events, 0);
    yuma_gov_audit_params lp = lane_params();
    gov_guardian_rec m1 = member(1);
    assert_true(gov_guardian_in_term(&m1, &lp, 11));
    assert_false(gov_guardian_in_term(&m1, &lp, 12));
    /* Block 12: eight terms end in the block step. G0's approval is the
     * fifth signature but the only one in term: the action cannot act. */
    yuma_call a0 = approve(id);
    queue_lane(G0, &a0);
    const char *msg = "the guardian signer's term has ended: it may sign again once House C re-elects it (guardian_add)";
    yuma_call a5 = approve(id);
    queue_fail(G5, &a5, YUMA_CALL_ERR_GUARDIAN_TERM_ENDED, msg);
    yuma_call s1 = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x41);
    queue_fail(G1, &s1, YUMA_CALL_ERR_GUARDIAN_TERM_ENDED, msg);
    yuma_call r2 = rationale(id, 0x42);
    queue_fail(G2, &r2, YUMA_CALL_ERR_GUARDIAN_TERM_ENDED, msg);
    uint16_t signed_g5 = member(5).signed_in_quarter;
    block();
    assert_int_equal(approvals_of(id), 5);
    assert_int_equal(action(id).status, GOV_ACTION_PENDING);
    assert_int_equal(member(5).signed_in_quarter, signed_g5);
    assert_int_equal(term_events, 8);
    assert_int_equal(count_events(GOV_EV_TERM_ENDED, 0), 8);
    assert_int_equal(last_term_event.amount, 8); /* slot 8 (G8), the last in slot order */
    assert_int_equal(last_term_event.value, TERM);
    assert_memory_equal(last_term_event.who.bytes, cold[G8].pk, 32);
    assert_true(member(1).term_ended && !member(0).term_ended);
    assert_true(member(1).active); /* out of term, not removed */
    block(); /* 13: an end is logged once */
    assert_int_equal(term_events, 8);
    /* House C re-elects G1..G4: their terms run from 13 to 25. (The
     * election expires the pending action: its approvals named old slots.) */
    for (int g = G1; g <= G4; g++) reelect(g, 46);
    assert_int_equal(member(1).elected_at, 13);
    assert_false(member(1).term_ended);
    assert_true(member(5).term_ended); /* not re-elected */
    assert_int_equal(action(id).status, GOV_ACTION_EXPIRED);
    /* Block 14: five in-term signatures act. */
    uint64_t id2 = gov_lane_state_get(kv_of(E_)).next_id;
    yuma_call p2 = propose(GOV_EMERGENCY_ESCROW, 1, ESCROW_MAX, 0xE8);
    queue_lane(G1, &p2);
    for (int g = G2; g <= G4; g++) {
        yuma_call a = approve(id2);
        queue_lane(g, &a);
    }
    yuma_call a0b = approve(id2);
    queue_lane(G0, &a0b);
    block();
    assert_int_equal(action(id2).status, GOV_ACTION_ACTIVE);
    yuma_call r1 = rationale(id2, 0x43);
    queue_lane(G1, &r1);
    block(); /* 15 */
    /* Block 16: G0's renewed term ends too. */
    yuma_call s0 = propose(GOV_EMERGENCY_SAFE_MODE, 0, 1, 0x44);
    queue_fail(G0, &s0, YUMA_CALL_ERR_GUARDIAN_TERM_ENDED, msg);
    block();
    assert_int_equal(term_events, 9);
    assert_memory_equal(last_term_event.who.bytes, cold[G0].pk, 32);
    assert_int_equal(last_term_event.value, 16);
    assert_int_equal(count_events(GOV_EV_TERM_ENDED, 0), 9);
    audit_ok();
    /* A signer record written before terms existed (no elected_at, no
     * flag: 75 bytes) decodes as a genesis signer, its term from block 0. */
    uint8_t key[2] = {REC_GUARDIAN, 15}, v1[32 + YUMA_GUARDIAN_ORG_LEN + 1 + 1 + 8 + 1];
    memset(v1, 0, sizeof v1);
    memcpy(v1, cold[X].pk, 32);
    memcpy(v1 + 32, "old", 3);
    v1[64] = 1; /* active */
    assert_true(ykv_put(mut(E_), key, sizeof key, v1, sizeof v1));
    gov_guardian_rec old;
    assert_true(gov_guardian_get(kv_of(E_), 15, &old));
    assert_true(old.active && !old.term_ended);
    assert_int_equal(old.elected_at, 0);
    assert_true(gov_guardian_in_term(&old, &lp, TERM - 1));
    assert_false(gov_guardian_in_term(&old, &lp, TERM));
    lane_term = 0;
    world_free();
}

/* The term is a parameter appended at the end of the table (earlier ids
 * stay): six months of 7,200-block days on mainnet, 180 devnet days of 2
 * blocks, never 0. */
static void test_term_parameter(void **state)
{
    (void)state;
    size_t id = 0, ema_id = 0;
    assert_non_null(yuma_param_find("gov_guardian_term_blocks", &id));
    assert_non_null(yuma_param_find("gov_price_ema_blocks", &ema_id));
    assert_int_equal(id, yuma_param_count());
    assert_int_equal(ema_id, yuma_param_count() - 1);
    assert_int_equal(yuma_gov_audit_params_mainnet().guardian_term_blocks, 180 * 7200);
    assert_int_equal(yuma_gov_audit_params_devnet().guardian_term_blocks, 180 * 2);
    yuma_chain_params cp = yuma_chain_params_default();
    cp.audit.guardian_term_blocks = 0;
    char why[160];
    assert_false(yuma_chain_params_valid(&cp, why, sizeof why));
    assert_string_equal(why, "parameter gov_guardian_term_blocks = 0 is outside 1..26280000"); /* 10 years */
    assert_string_equal(yuma_gov_audit_params_check(&cp.audit),
                        "an emergency-lane or audit parameter that must be positive is 0");
}

/* ---- genesis ---- */

static void test_genesis_rules(void **state)
{
    (void)state;
    yuma_gov_audit_params p = lane_params();
    yuma_guardian g[10];
    guardians(g);
    assert_null(gov_lane_genesis_check(&p, g, 9));
    assert_null(gov_lane_genesis_check(&p, g, 0)); /* a chain without an emergency lane */
    g[9] = g[8];
    g[9].account = pub(&cold[X]);
    assert_string_equal(gov_lane_genesis_check(&p, g, 10), "more guardian signers than gov_guardian_max");
    yuma_guardian d[3];
    memcpy(d, g, 3 * sizeof *g);
    d[2].account = d[0].account;
    assert_string_equal(gov_lane_genesis_check(&p, d, 3), "a guardian account appears twice");
    memcpy(d, g, 3 * sizeof *g);
    strcpy(d[2].org, "alpha");
    assert_string_equal(gov_lane_genesis_check(&p, d, 3), "more guardians from one organisation than gov_guardian_per_org");
    memcpy(d, g, 3 * sizeof *g);
    d[1].org[0] = '\0';
    assert_string_equal(gov_lane_genesis_check(&p, d, 3), "a guardian's organisation is empty or longer than 31 bytes");
    memset(d[1].org, 'x', sizeof d[1].org);
    assert_string_equal(gov_lane_genesis_check(&p, d, 3), "a guardian's organisation is empty or longer than 31 bytes");
    /* The chain refuses such a genesis. */
    yuma_genesis_balance bal = {pub(&cold[X]), TAO};
    yuma_chain_params cp = yuma_chain_params_default();
    cp.audit = p;
    yuma_genesis gen = {.chain_id = 1, .params = cp, .balance_count = 1, .balances = &bal, .guardian_count = 3,
                        .guardians = d};
    yuma_chain *c = NULL;
    assert_int_equal(yuma_chain_new(&gen, &c), YUMA_CHAIN_ERR_GENESIS);
    assert_null(c);
    /* Parameters that contradict each other. */
    char why[160];
    cp.audit.guardian_threshold = 10;
    assert_false(yuma_chain_params_valid(&cp, why, sizeof why));
    assert_string_equal(why, "gov_guardian_threshold must be 1..gov_guardian_max");
    cp.audit = p;
    cp.audit.ratify_window_blocks = ESCROW_MAX - 1;
    assert_false(yuma_chain_params_valid(&cp, why, sizeof why));
    assert_string_equal(why, "gov_ratify_window_blocks must not be shorter than gov_emergency_escrow_blocks");
    /* Signers change the genesis hash; their order is their slot. */
    uint8_t h1[32], h2[32];
    gen.params = yuma_chain_params_default();
    gen.params.audit = p;
    gen.guardian_count = 2;
    gen.guardians = g;
    assert_int_equal(yuma_chain_new(&gen, &c), YUMA_CHAIN_OK);
    yuma_chain_genesis_hash(c, h1);
    yuma_chain_free(c);
    gen.guardian_count = 0;
    assert_int_equal(yuma_chain_new(&gen, &c), YUMA_CHAIN_OK);
    yuma_chain_genesis_hash(c, h2);
    assert_memory_not_equal(h1, h2, 32);
    yuma_chain_free(c);
}

/* Guardians in a genesis file: parsed, checked by the lane's rules, written
 * back; every malformed entry refused with a message naming it. */
static char *genesis_text(const char *guardians, bool same)
{
    char a[YUMA_SS58_MAX], b[YUMA_SS58_MAX];
    yuma_pubkey pa, pb;
    memcpy(pa.bytes, cold[G0].pk, 32);
    memcpy(pb.bytes, cold[G1].pk, 32);
    yuma_ss58_encode(&pa, YUMA_SS58_PREFIX, a);
    yuma_ss58_encode(&pb, YUMA_SS58_PREFIX, b);
    static char text[2048];
    char g[1024];
    snprintf(g, sizeof g, guardians, a, same ? a : b);
    snprintf(text, sizeof text, "{\"chain_id\": 9, \"balances\": [{\"address\": \"%s\", \"balance\": 5}], \"guardians\": %s}",
             a, g);
    return text;
}

static void expect_genesis_error(const char *guardians, bool same, const char *msg)
{
    yuma_genesis_file f;
    char err[256];
    char *text = genesis_text(guardians, same);
    assert_false(yuma_genesis_parse(text, strlen(text), &f, err, sizeof err));
    assert_string_equal(err, msg);
}

static void test_genesis_file(void **state)
{
    (void)state;
    yuma_genesis_file f;
    char err[256];
    char *text = genesis_text("[{\"address\": \"%s\", \"org\": \"north\"}, {\"address\": \"%s\", \"org\": \"north\"}]", false);
    assert_true(yuma_genesis_parse(text, strlen(text), &f, err, sizeof err));
    assert_int_equal(f.genesis.guardian_count, 2);
    assert_memory_equal(f.genesis.guardians[1].account.bytes, cold[G1].pk, 32);
    assert_string_equal(f.genesis.guardians[0].org, "north");
    /* Written back and read again: the same genesis (hash). */
    char *json = yuma_genesis_to_json(&f.genesis);
    yuma_genesis_file back;
    assert_true(yuma_genesis_parse(json, strlen(json), &back, err, sizeof err));
    assert_int_equal(back.genesis.guardian_count, 2);
    yuma_chain *c1, *c2;
    assert_int_equal(yuma_chain_new(&f.genesis, &c1), YUMA_CHAIN_OK);
    assert_int_equal(yuma_chain_new(&back.genesis, &c2), YUMA_CHAIN_OK);
    uint8_t h1[32], h2[32];
    yuma_chain_genesis_hash(c1, h1);
    yuma_chain_genesis_hash(c2, h2);
    assert_memory_equal(h1, h2, 32);
    gov_guardian_rec m;
    assert_true(gov_guardian_get(yuma_chain_state(c1), 1, &m));
    assert_true(m.active);
    assert_string_equal(m.org, "north");
    yuma_chain_free(c1);
    yuma_chain_free(c2);
    free(json);
    yuma_genesis_file_free(&back);
    yuma_genesis_file_free(&f);

    expect_genesis_error("{\"x\": \"%s%s\"}", false, "field \"guardians\": must be an array");
    expect_genesis_error("[{\"address\": \"%s\"}, \"%s\"]", false,
                         "guardians[0]: must be {\"address\": \"...\", \"org\": \"...\"}");
    expect_genesis_error("[{\"address\": \"x%s\", \"org\": \"n\"}, \"%s\"]", false,
                         "guardians[0]: field \"address\": bad SS58 checksum: the address is mistyped or damaged");
    expect_genesis_error("[{\"address\": \"%s\", \"org\": \"\"}, \"%s\"]", false,
                         "guardians[0]: field \"org\": must be 1..31 bytes");
    expect_genesis_error("[{\"address\": \"%s\", \"org\": \"0123456789012345678901234567890123\"}, \"%s\"]", false,
                         "guardians[0]: field \"org\": must be 1..31 bytes");
    expect_genesis_error("[{\"address\": \"%s\", \"org\": \"n\"}, {\"address\": \"%s\", \"org\": \"m\"}]", true,
                         "guardians: a guardian account appears twice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escrow_paid_back_in_full),
        cmocka_unit_test(test_escrow_ratified_is_recycled),
        cmocka_unit_test(test_ratify_holds_payback_until_rejected),
        cmocka_unit_test(test_ratify_window),
        cmocka_unit_test(test_safe_mode),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_strikes_remove_signers),
        cmocka_unit_test(test_guardians_replaced),
        cmocka_unit_test(test_guardian_terms),
        cmocka_unit_test(test_term_parameter),
        cmocka_unit_test(test_genesis_rules),
        cmocka_unit_test(test_genesis_file),
    };
    return cmocka_run_group_tests(tests, make_keys, NULL);
}
