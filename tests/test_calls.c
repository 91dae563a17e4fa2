/*
 * test_calls.c - the calls beyond registration, weights and staking, each
 * through real signed transactions: serve_axon and set_commitment (with
 * the bonds reset), commit/reveal of weights (and the hash, its SCALE
 * length prefixes, the lookahead and the epoch's mask), delegate and
 * childkey takes, child keys (scheduling, cooldown, application),
 * subnet owner hyperparameters (ranges, governance-only ids, rate limit,
 * freeze window) and stake moves (move, transfer, swap; one fee; limits).
 *
 * Every block is applied to two chains built from the same genesis and
 * the same transactions, except that each call expected to fail is
 * replaced on the twin by an inert one from the same signer and nonce (a
 * zero-amount transfer). After every block both states must agree record
 * for record (all but the head record, whose last block hash commits to
 * the differing transactions), so each failing call provably changed
 * nothing but its fee and nonce; and the supply audit must hold on both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/call_recs.h"
#include "chain/chain_internal.h"
#include "chain/commit_reveal.h"
#include "chain/delegation.h"
#include "chain/hyperparams.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/emission.h"
#include "yuma/pool.h"
#include "yuma/tx.h"

#define TAO YUMA_RAO_PER_TAO
#define MAXQ 48
#define TAKE_LIMIT 30    /* tx_delegate_take_rate_limit of these chains */
#define COOLDOWN 20      /* pending_childkey_cooldown */
#define COMMIT_LIMIT 10  /* commitment_rate_limit */
#define MIN_TAKE 1000    /* min_delegate_take */

enum { COLD, HOT };
enum { OWNER, V1, V2, M1, M2, M3, OWNER2, X, KEYS };

typedef struct {
    unsigned char pk[32], sk[64];
} keypair;

static keypair keys[2][KEYS];
static yuma_account author;

static yuma_account acc(int role, int who)
{
    yuma_account a;
    memcpy(a.bytes, keys[role][who].pk, 32);
    return a;
}

static void make_keys(void)
{
    for (int role = 0; role < 2; role++)
        for (int i = 0; i < KEYS; i++) {
            unsigned char seed[32] = {(unsigned char)(7 + role), (unsigned char)i};
            crypto_sign_seed_keypair(keys[role][i].pk, keys[role][i].sk, seed);
        }
    memset(author.bytes, 0xAB, 32);
}

/* ---- the twin chains ---- */

typedef struct {
    uint8_t bytes[YUMA_TX_MAX_ENCODED];
    size_t len;
} encoded;

static yuma_chain *A, *B;
static encoded qa[MAXQ], qb[MAXQ];
static yuma_call_status want[MAXQ];
static bool inert[MAXQ];
static size_t qn;
static uint64_t nonces[2][KEYS];
static yuma_call_status last_status[MAXQ];
static uint64_t last_retry[MAXQ];

/* Each successful call, and only those, is one event of its kind and
 * signer, in transaction order; other events come from the block step. */
static void check_events(const yuma_block_result *r, const encoded *q)
{
    static yuma_tx tx;
    size_t next = 0;
    for (size_t i = 0; i < r->event_count; i++) {
        const yuma_event *e = &r->events[i];
        if (e->tx_index < 0) {
            assert_int_equal(e->kind, YUMA_EVENT_EPOCH);
            continue;
        }
        while (next < qn && r->call_status[next] != YUMA_CALL_OK) next++;
        assert_int_equal(e->tx_index, (int32_t)next);
        assert_int_equal(yuma_tx_decode(q[next].bytes, q[next].len, &tx, NULL), YUMA_TX_OK);
        assert_int_equal(e->kind, tx.call.kind);
        assert_memory_equal(e->who.bytes, tx.signer.bytes, 32);
        next++;
    }
    while (next < qn && r->call_status[next] != YUMA_CALL_OK) next++;
    assert_int_equal(next, qn); /* no successful call without its event */
}

static yuma_chain_params test_params(void)
{
    yuma_chain_params p = yuma_chain_params_default();
    p.network_rate_limit = 1;
    p.commitment_rate_limit = COMMIT_LIMIT;
    p.tx_delegate_take_rate_limit = TAKE_LIMIT;
    p.pending_childkey_cooldown = COOLDOWN;
    p.min_delegate_take = MIN_TAKE;
    return p;
}

static void world_free(void)
{
    yuma_chain_free(A);
    yuma_chain_free(B);
    A = B = NULL;
}

static void world_new(yuma_chain_params p)
{
    world_free();
    yuma_genesis_balance bal[2 * KEYS];
    for (int i = 0; i < KEYS; i++) {
        bal[i] = (yuma_genesis_balance){acc(COLD, i), (i == OWNER || i == OWNER2 || i == X ? 10000 : 1000) * TAO};
        bal[KEYS + i] = (yuma_genesis_balance){acc(HOT, i), 10 * TAO};
    }
    yuma_genesis g = {.chain_id = 11, .params = p, .balance_count = 2 * KEYS, .balances = bal};
    assert_int_equal(yuma_chain_new(&g, &A), YUMA_CHAIN_OK);
    assert_int_equal(yuma_chain_new(&g, &B), YUMA_CHAIN_OK);
    memset(nonces, 0, sizeof nonces);
    qn = 0;
}

static uint64_t tx_fee(void)
{
    return yuma_chain_min_fee(A, YUMA_TX_MAX_ENCODED);
}

static void sign_into(encoded *e, int role, int who, uint64_t nonce, const yuma_call *call)
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(A);
    yuma_chain_genesis_hash(A, tx.genesis_hash);
    tx.signer = acc(role, who);
    tx.nonce = nonce;
    tx.fee = tx_fee(); /* one fee for every size, so a twin's inert call pays the same */
    tx.call = *call;
    assert_true(yuma_tx_sign(&tx, keys[role][who].sk));
    e->len = yuma_tx_encode(&tx, e->bytes, sizeof e->bytes);
    assert_true(e->len > 0);
}

/* The same call on both chains, expected to end with st on both. */
static void queue_st(int role, int who, const yuma_call *call, yuma_call_status st)
{
    assert_true(qn < MAXQ);
    sign_into(&qa[qn], role, who, nonces[role][who]++, call);
    qb[qn] = qa[qn];
    want[qn] = st;
    inert[qn] = false;
    qn++;
}

static void queue(int role, int who, const yuma_call *call)
{
    queue_st(role, who, call, YUMA_CALL_OK);
}

/* A call expected to fail with st (whose message must be msg); the twin
 * gets a zero-amount transfer from the same signer instead. */
static void queue_fail(int role, int who, const yuma_call *call, yuma_call_status st, const char *msg)
{
    assert_true(qn < MAXQ);
    assert_string_equal(yuma_call_strerror(st), msg);
    yuma_call nothing;
    memset(&nothing, 0, sizeof nothing);
    nothing.kind = YUMA_CALL_TRANSFER;
    nothing.dest = author;
    uint64_t nonce = nonces[role][who]++;
    sign_into(&qa[qn], role, who, nonce, call);
    sign_into(&qb[qn], role, who, nonce, &nothing);
    want[qn] = st;
    inert[qn] = true;
    qn++;
}

static void audit(yuma_chain *c)
{
    char detail[256];
    if (!yuma_chain_audit_supply(c, detail, sizeof detail)) {
        print_error("block %llu: %s\n", (unsigned long long)yuma_chain_height(c), detail);
        fail();
    }
}

static void apply(yuma_chain *c, const encoded *q, yuma_block_result *res)
{
    yuma_tx_bytes raw[MAXQ];
    for (size_t i = 0; i < qn; i++) raw[i] = (yuma_tx_bytes){q[i].bytes, q[i].len};
    yuma_block b = {.height = yuma_chain_height(c) + 1, .author = author, .tx_count = qn, .txs = raw};
    yuma_chain_last_hash(c, b.parent_hash);
    yuma_chain_status st = yuma_chain_apply_block(c, &b, res);
    if (st != YUMA_CHAIN_OK) {
        print_error("block %llu: %s (tx %zu)\n", (unsigned long long)b.height, yuma_chain_strerror(st), res->failed_tx);
        fail();
    }
}

static bool digest_record(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    /* The head record holds the last block's hash, which commits to the
     * transactions themselves: the one record twins may differ in. */
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
static void state_digest(yuma_chain *c, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    uint8_t any = 0;
    assert_true(ykv_scan_prefix(yuma_chain_state(c), &any, 0, digest_record, &st));
    crypto_generichash_final(&st, out, 32);
}

/* Applies the queued transactions as one block on both chains. */
static void block(void)
{
    yuma_block_result ra, rb;
    apply(A, qa, &ra);
    apply(B, qb, &rb);
    check_events(&ra, qa);
    for (size_t i = 0; i < qn; i++) {
        last_status[i] = ra.call_status[i];
        last_retry[i] = ra.retry_at[i];
        /* A block is told only for refusals by a rate limit. */
        bool limited = strstr(yuma_call_strerror(ra.call_status[i]), "rate limit") != NULL;
        assert_true(limited == (ra.retry_at[i] > yuma_chain_height(A)));
        if (ra.call_status[i] != want[i]) {
            print_error("block %llu tx %zu: got '%s', want '%s'\n", (unsigned long long)yuma_chain_height(A), i,
                        yuma_call_strerror(ra.call_status[i]), yuma_call_strerror(want[i]));
            fail();
        }
        assert_int_equal(rb.call_status[i], inert[i] ? YUMA_CALL_ERR_ZERO_AMOUNT : want[i]);
    }
    uint8_t da[32], db[32];
    state_digest(A, da);
    state_digest(B, db);
    if (memcmp(da, db, 32) != 0) {
        print_error("block %llu: a failing call changed the state (roots differ)\n",
                    (unsigned long long)yuma_chain_height(A));
        fail();
    }
    free(ra.call_status);
    free(rb.call_status);
    qn = 0;
    audit(A);
    audit(B);
}

static uint64_t height(void)
{
    return yuma_chain_height(A);
}

static const ykv *state(void)
{
    return yuma_chain_state(A);
}

static subnet_rec subnet(uint16_t netuid)
{
    subnet_rec s;
    assert_true(subnet_get(state(), netuid, &s));
    return s;
}

/* ---- calls ---- */

static yuma_call call_of(yuma_call_kind kind)
{
    yuma_call call;
    memset(&call, 0, sizeof call);
    call.kind = kind;
    return call;
}

static yuma_call netuid_call(yuma_call_kind kind, uint16_t netuid)
{
    yuma_call call = call_of(kind);
    call.netuid = netuid;
    return call;
}

static yuma_call hotkey_call(yuma_call_kind kind, uint16_t netuid, int h)
{
    yuma_call call = netuid_call(kind, netuid);
    call.hotkey = acc(HOT, h);
    return call;
}

static yuma_call stake_call(yuma_call_kind kind, int h, uint16_t netuid, uint64_t amount)
{
    yuma_call call = hotkey_call(kind, netuid, h);
    call.amount = amount;
    return call;
}

static yuma_call hyper(uint16_t netuid, uint16_t param, uint64_t value)
{
    yuma_call call = netuid_call(YUMA_CALL_SET_HYPERPARAMETER, netuid);
    call.param = param;
    call.value = value;
    return call;
}

static yuma_call weights_call(yuma_call_kind kind, uint16_t netuid, const uint16_t *uids, const uint16_t *values,
                              uint32_t n)
{
    yuma_call call = netuid_call(kind, netuid);
    call.weight_count = n;
    memcpy(call.uids, uids, n * sizeof(uint16_t));
    memcpy(call.values, values, n * sizeof(uint16_t));
    return call;
}

static yuma_call reveal_call(uint16_t netuid, const uint16_t *uids, const uint16_t *values, uint32_t n,
                             const uint16_t *salt, uint32_t salt_n, uint64_t version_key)
{
    yuma_call call = weights_call(YUMA_CALL_REVEAL_WEIGHTS, netuid, uids, values, n);
    call.salt_count = salt_n;
    memcpy(call.salt, salt, salt_n * sizeof(uint16_t));
    call.version_key = version_key;
    return call;
}

static yuma_call commit_call(uint16_t netuid, int h, const uint16_t *uids, const uint16_t *values, uint32_t n,
                             const uint16_t *salt, uint32_t salt_n, uint64_t version_key)
{
    yuma_call call = netuid_call(YUMA_CALL_COMMIT_WEIGHTS, netuid);
    yuma_account hk = acc(HOT, h);
    commit_hash(&hk, netuid, uids, values, n, salt, salt_n, version_key, call.commit_hash);
    return call;
}

static yuma_call children_call(uint16_t netuid, int h, const yuma_child *c, uint32_t n)
{
    yuma_call call = hotkey_call(YUMA_CALL_SET_CHILDREN, netuid, h);
    call.child_count = n;
    if (n) memcpy(call.children, c, n * sizeof *c);
    return call;
}

static yuma_child child(uint64_t proportion, int h)
{
    return (yuma_child){.proportion = proportion, .child = acc(HOT, h)};
}

static yuma_call take_call(yuma_call_kind kind, uint16_t netuid, int h, uint16_t take)
{
    yuma_call call = hotkey_call(kind, netuid, h);
    call.take = take;
    return call;
}

static yuma_call axon_call(uint16_t netuid, const uint8_t ip[16], uint16_t port)
{
    yuma_call call = netuid_call(YUMA_CALL_SERVE_AXON, netuid);
    call.axon_version = 7;
    memcpy(call.axon_ip, ip, 16);
    call.axon_port = port;
    call.axon_protocol = 4;
    return call;
}

/* Registers subnet `netuid` owned by cold[owner] (hot[owner] at uid 0). */
static void new_subnet(int owner, bool start)
{
    yuma_call reg = call_of(YUMA_CALL_REGISTER_NETWORK);
    reg.hotkey = acc(HOT, owner);
    queue(COLD, owner, &reg);
    block();
    if (start) {
        uint16_t netuid = 0;
        for (uint16_t id = 1; id < 64; id++)
            if (subnet_exists(state(), id)) {
                subnet_rec s = subnet(id);
                if (memcmp(s.owner_coldkey.bytes, keys[COLD][owner].pk, 32) == 0) netuid = id;
            }
        yuma_call sc = netuid_call(YUMA_CALL_START_CALL, netuid);
        queue(COLD, owner, &sc);
        block();
    }
}

/* Subnet 1: the owner, two staked validators and three miners. */
static void standard_world(yuma_chain_params p)
{
    world_new(p);
    new_subnet(OWNER, true);
    for (int k = V1; k <= M3; k++) {
        yuma_call r = hotkey_call(YUMA_CALL_BURNED_REGISTER, 1, k);
        queue(COLD, k, &r);
    }
    block();
    yuma_call s1 = stake_call(YUMA_CALL_ADD_STAKE, V1, 1, 300 * TAO), s2 = stake_call(YUMA_CALL_ADD_STAKE, V2, 1, 100 * TAO);
    queue(COLD, V1, &s1);
    queue(COLD, V2, &s2);
    block();
}

static uint16_t uid_of(uint16_t netuid, int h)
{
    uint16_t uid;
    yuma_account hk = acc(HOT, h);
    assert_true(uid_get(state(), netuid, &hk, &uid));
    return uid;
}

/* The next block's distance to the subnet's next epoch. */
static uint64_t until_epoch(uint16_t netuid)
{
    subnet_rec s = subnet(netuid);
    uint64_t next = s.last_epoch_block + s.hp.tempo;
    return next > height() + 1 ? next - (height() + 1) : 0;
}

/* Empty blocks until the next block is at least `margin` blocks outside
 * the freeze window (and no triggered epoch is pending). */
static void unfreeze(uint16_t netuid, uint64_t margin)
{
    uint64_t window = yuma_chain_params_default().admin_freeze_window;
    while (until_epoch(netuid) < window + margin || subnet(netuid).pending_epoch_at != 0) block();
}

/* Empty blocks until the subnet's epoch index moves on. */
static void next_epoch(uint16_t netuid)
{
    uint64_t e = subnet(netuid).epoch_index;
    while (subnet(netuid).epoch_index == e) block();
}

/* ---- serve_axon ---- */

static const uint8_t IP4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
static const uint8_t IP6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void test_serve_axon(void **state_)
{
    (void)state_;
    standard_world(test_params());
    yuma_account m1 = acc(HOT, M1), m2 = acc(HOT, M2), x = acc(HOT, X);
    axon_rec a;
    assert_false(axon_get(state(), 1, &m1, &a));
    yuma_call ok = axon_call(1, IP4, 8091);
    queue(HOT, M1, &ok);
    yuma_call six = axon_call(1, IP6, 443);
    queue(HOT, M2, &six);
    block();
    uint64_t served = height();
    assert_true(axon_get(state(), 1, &m1, &a));
    assert_int_equal(a.block, served);
    assert_int_equal(a.version, 7);
    assert_memory_equal(a.ip, IP4, 16);
    assert_int_equal(a.port, 8091);
    assert_int_equal(a.protocol, 4);
    assert_true(axon_get(state(), 1, &m2, &a));
    assert_memory_equal(a.ip, IP6, 16);
    assert_false(axon_get(state(), 1, &x, &a));

    /* Errors. The unspecified, loopback and broadcast addresses of both
     * families cannot be served. */
    yuma_call root = axon_call(0, IP4, 8091), none = axon_call(9, IP4, 8091);
    queue_fail(HOT, M3, &root, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(HOT, M3, &none, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(HOT, X, &ok, YUMA_CALL_ERR_NOT_REGISTERED, "the hotkey is not registered on this subnet");
    static const uint8_t bad[][16] = {
        {0},                                                           /* :: */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},              /* ::1 */
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},              /* all ones */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0},        /* 0.0.0.0 */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1},      /* 127.0.0.1 */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255} /* 255.255.255.255 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yuma_call b = axon_call(1, bad[i], 8091);
        queue_fail(HOT, M3, &b, YUMA_CALL_ERR_INVALID_IP, "the axon's IP address is unspecified, loopback or broadcast");
    }
    yuma_call port0 = axon_call(1, IP4, 0);
    queue_fail(HOT, M3, &port0, YUMA_CALL_ERR_INVALID_PORT, "the axon's port must not be 0");
    block();

    /* ServingRateLimit (50 blocks for a new subnet): refused at 49 blocks
     * after the last serve, allowed at 50. */
    assert_int_equal(subnet(1).serving_rate_limit, 50);
    while (height() + 1 < served + 49) block();
    yuma_call again = axon_call(1, IP6, 9000);
    queue_fail(HOT, M1, &again, YUMA_CALL_ERR_SERVING_RATE_LIMIT, "the axon was served too recently (serving rate limit)");
    block();
    assert_int_equal(last_retry[0], served + 50); /* the block at which it passes, as below */
    queue(HOT, M1, &again);
    block();
    assert_true(axon_get(state(), 1, &m1, &a));
    assert_int_equal(a.block, served + 50);
    assert_int_equal(a.port, 9000);
    assert_memory_equal(a.ip, IP6, 16);

    /* The owner can change the limit (hyperparameter 21). */
    unfreeze(1, 2);
    yuma_call lim = hyper(1, HP_SERVING_RATE_LIMIT, 3);
    queue(COLD, OWNER, &lim);
    block();
    assert_int_equal(subnet(1).serving_rate_limit, 3);
    yuma_call third = axon_call(1, IP4, 1234), fourth = axon_call(1, IP4, 1235);
    while (height() + 1 < a.block + 3) block();
    queue(HOT, M1, &third);
    block();
    uint64_t b0 = height();
    block();
    queue_fail(HOT, M1, &fourth, YUMA_CALL_ERR_SERVING_RATE_LIMIT, "the axon was served too recently (serving rate limit)");
    block();
    assert_int_equal(height(), b0 + 2);
    queue(HOT, M1, &fourth);
    block();
    assert_true(axon_get(state(), 1, &m1, &a));
    assert_int_equal(a.port, 1235);
    assert_int_equal(a.block, b0 + 3);
    world_free();
}

/* ---- set_commitment and the bonds reset ---- */

static yuma_call commitment(uint16_t netuid, const char *text)
{
    yuma_call call = netuid_call(YUMA_CALL_SET_COMMITMENT, netuid);
    call.data_len = (uint32_t)strlen(text);
    memcpy(call.data, text, call.data_len);
    return call;
}

static size_t bonds_on(uint16_t netuid, uint16_t column)
{
    size_t count = 0;
    subnet_rec s = subnet(netuid);
    for (uint16_t i = 0; i < s.n; i++) {
        yuma_entry row[16];
        size_t len = row_get(state(), REC_BONDS, netuid, i, row, 16);
        for (size_t k = 0; k < len; k++) count += row[k].uid == column;
    }
    return count;
}

static void test_set_commitment(void **state_)
{
    (void)state_;
    standard_world(test_params());
    yuma_account m1 = acc(HOT, M1);
    yuma_call c = commitment(1, "model sha256:1234");
    queue(HOT, M1, &c);
    yuma_call root = commitment(0, "x"), none = commitment(9, "x");
    queue_fail(HOT, M2, &root, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(HOT, M2, &none, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(HOT, X, &c, YUMA_CALL_ERR_NOT_REGISTERED, "the hotkey is not registered on this subnet");
    block();
    uint64_t at = height();
    commitment_rec r;
    assert_true(commitment_get(state(), 1, &m1, &r));
    assert_int_equal(r.block, at);
    assert_int_equal(r.len, 17);
    assert_memory_equal(r.data, "model sha256:1234", 17);

    /* commitment_rate_limit blocks between two commitments of a hotkey. */
    while (height() + 1 < at + COMMIT_LIMIT - 1) block();
    yuma_call c2 = commitment(1, "model v2");
    queue_fail(HOT, M1, &c2, YUMA_CALL_ERR_COMMITMENT_RATE_LIMIT,
               "a commitment was set too recently (commitment rate limit)");
    block();
    assert_int_equal(last_retry[0], at + COMMIT_LIMIT);
    assert_true(commitment_get(state(), 1, &m1, &r));
    assert_int_equal(r.len, 17);

    /* Bonds: the validators gain permits at the first epoch, weight the
     * miners, and the next epoch gives them bonds on every miner. */
    next_epoch(1);
    uint16_t uids[3] = {uid_of(1, M1), uid_of(1, M2), uid_of(1, M3)}, vals[3] = {100, 200, 300};
    yuma_call w = weights_call(YUMA_CALL_SET_WEIGHTS, 1, uids, vals, 3);
    queue(HOT, V1, &w);
    queue(HOT, V2, &w);
    block();
    next_epoch(1);
    assert_int_equal(bonds_on(1, uids[0]), 2);
    assert_int_equal(bonds_on(1, uids[1]), 2);

    /* With bonds_reset off a commitment leaves the bonds alone. */
    queue(HOT, M1, &c2);
    block();
    assert_true(commitment_get(state(), 1, &m1, &r));
    assert_int_equal(r.len, 8);
    assert_memory_equal(r.data, "model v2", 8);
    assert_int_equal(bonds_on(1, uids[0]), 2);

    /* With it on, M2's commitment removes every bond on M2's uid and
     * nothing else (yuma-consensus §2.9.4). */
    unfreeze(1, 2);
    yuma_call on = hyper(1, HP_BONDS_RESET, 1);
    queue(COLD, OWNER, &on);
    block();
    assert_true(subnet(1).bonds_reset);
    yuma_entry before[2][8], after[2][8];
    size_t lb[2], la[2];
    for (uint16_t v = 0; v < 2; v++) lb[v] = row_get(state(), REC_BONDS, 1, uid_of(1, V1 + v), before[v], 8);
    yuma_call c3 = commitment(1, "new model");
    queue(HOT, M2, &c3);
    block();
    assert_int_equal(bonds_on(1, uids[1]), 0);
    for (uint16_t v = 0; v < 2; v++) {
        la[v] = row_get(state(), REC_BONDS, 1, uid_of(1, V1 + v), after[v], 8);
        assert_int_equal(la[v], lb[v] - 1);
        size_t k = 0;
        for (size_t j = 0; j < lb[v]; j++) {
            if (before[v][j].uid == uids[1]) continue;
            assert_int_equal(after[v][k].uid, before[v][j].uid);
            assert_int_equal(after[v][k].value, before[v][j].value);
            k++;
        }
    }
    assert_int_equal(bonds_on(1, uids[0]), 2);
    world_free();
}

/* ---- commit-reveal ---- */

static void test_scale_compact_and_hash(void **state_)
{
    (void)state_;
    /* SCALE compact integers, as the SCALE codec specifies them. */
    static const struct {
        uint32_t v;
        size_t len;
        uint8_t b[5];
    } vec[] = {
        {0, 1, {0x00}},
        {1, 1, {0x04}},
        {42, 1, {0xa8}},
        {63, 1, {0xfc}},
        {64, 2, {0x01, 0x01}},
        {69, 2, {0x15, 0x01}},
        {16383, 2, {0xfd, 0xff}},
        {16384, 4, {0x02, 0x00, 0x01, 0x00}},
        {65535, 4, {0xfe, 0xff, 0x03, 0x00}},
        {1073741823, 4, {0xfe, 0xff, 0xff, 0xff}},
        {1073741824, 5, {0x03, 0x00, 0x00, 0x00, 0x40}},
        {4294967295u, 5, {0x03, 0xff, 0xff, 0xff, 0xff}},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint8_t out[5];
        assert_int_equal(scale_compact_u32(vec[i].v, out), vec[i].len);
        assert_memory_equal(out, vec[i].b, vec[i].len);
    }

    /* The hash, rebuilt by hand from docs/TRANSACTIONS.md: hotkey (32
     * bytes), netuid u16 LE, then uids, values, salt as compact length and
     * u16 LE items, then version_key u64 LE. 70 weights make the two
     * weight arrays use two-byte length prefixes (70 -> 0x19 0x01). */
    yuma_account hk;
    for (int i = 0; i < 32; i++) hk.bytes[i] = (uint8_t)(0x30 + i);
    uint16_t uids[70], vals[70], salt[3] = {0x0102, 0xa0b0, 7};
    for (int i = 0; i < 70; i++) {
        uids[i] = (uint16_t)i;
        vals[i] = (uint16_t)(1000 + 3 * i);
    }
    uint8_t buf[32 + 2 + 2 + 140 + 2 + 140 + 1 + 6 + 8], *p = buf;
    memcpy(p, hk.bytes, 32), p += 32;
    *p++ = 0x05, *p++ = 0x01; /* netuid 261 */
    *p++ = 0x19, *p++ = 0x01; /* compact(70) = (70 << 2) | 1 = 0x0119 */
    for (int i = 0; i < 70; i++) *p++ = (uint8_t)uids[i], *p++ = (uint8_t)(uids[i] >> 8);
    *p++ = 0x19, *p++ = 0x01;
    for (int i = 0; i < 70; i++) *p++ = (uint8_t)vals[i], *p++ = (uint8_t)(vals[i] >> 8);
    *p++ = 0x0c; /* compact(3) */
    *p++ = 0x02, *p++ = 0x01, *p++ = 0xb0, *p++ = 0xa0, *p++ = 0x07, *p++ = 0x00;
    const uint8_t version[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    memcpy(p, version, 8), p += 8;
    assert_int_equal((size_t)(p - buf), sizeof buf);
    uint8_t want_hash[32], got[32];
    crypto_generichash(want_hash, 32, buf, sizeof buf, NULL, 0);
    commit_hash(&hk, 261, uids, vals, 70, salt, 3, 0x1122334455667788ull, got);
    assert_memory_equal(got, want_hash, 32);
    /* The same bytes hashed by an independent BLAKE2b (Python's hashlib). */
    static const uint8_t hashlib70[32] = {0xcf, 0xf5, 0xa1, 0x80, 0xd4, 0xab, 0x38, 0xb3, 0x79, 0x19, 0x4f,
                                          0x7b, 0xdd, 0x01, 0xe7, 0xe3, 0xd1, 0x2f, 0xd9, 0x71, 0x5c, 0x30,
                                          0x2f, 0x1a, 0x61, 0xad, 0xa8, 0xd7, 0x5e, 0xc8, 0x45, 0xd5};
    assert_memory_equal(got, hashlib70, 32);
    /* The example of docs/TRANSACTIONS.md. */
    uint16_t du[2] = {1, 2}, dv[2] = {65535, 32768}, ds[3] = {7, 8, 9};
    static const uint8_t doc_hash[32] = {0x22, 0xa7, 0x7e, 0x65, 0xc5, 0xa5, 0xc2, 0xb8, 0x95, 0x9c, 0x75,
                                         0x24, 0x99, 0x26, 0x2c, 0x49, 0x11, 0x8c, 0xbc, 0x59, 0x4b, 0x69,
                                         0xba, 0x74, 0x0c, 0xa4, 0x6e, 0xc2, 0x9f, 0x06, 0xf6, 0xb4};
    commit_hash(&hk, 1, du, dv, 2, ds, 3, 3, got);
    assert_memory_equal(got, doc_hash, 32);
    commit_hash(&hk, 261, uids, vals, 70, salt, 3, 0x1122334455667788ull, got);
    /* Any field changes the hash. */
    commit_hash(&hk, 262, uids, vals, 70, salt, 3, 0x1122334455667788ull, got);
    assert_memory_not_equal(got, want_hash, 32);
    commit_hash(&hk, 261, uids, vals, 70, salt, 2, 0x1122334455667788ull, got);
    assert_memory_not_equal(got, want_hash, 32);
}

static void test_commit_epoch_lookahead(void **state_)
{
    (void)state_;
    /* current_epoch_with_lookahead = index + (an epoch is due now ? 1 : 0). */
    subnet_rec s;
    memset(&s, 0, sizeof s);
    s.hp.tempo = 360;
    s.epoch_index = 5;
    s.last_epoch_block = 100;
    assert_int_equal(commit_epoch_lookahead(&s, 459), 5);
    assert_int_equal(commit_epoch_lookahead(&s, 460), 6); /* 460 - 100 >= tempo */
    s.pending_epoch_at = 200;                               /* an owner-triggered epoch */
    assert_int_equal(commit_epoch_lookahead(&s, 199), 5);
    assert_int_equal(commit_epoch_lookahead(&s, 200), 6);
    s.pending_epoch_at = 0;
    s.hp.tempo = 0; /* never runs */
    assert_int_equal(commit_epoch_lookahead(&s, 100000), 5);
}

static void test_commit_reveal(void **state_)
{
    (void)state_;
    standard_world(test_params());
    uint16_t uids[3] = {3, 4, 5}, vals[3] = {100, 200, 300}, salt[4] = {9, 8, 7, 6};
    yuma_call commit = commit_call(1, OWNER, uids, vals, 3, salt, 4, 0);
    yuma_call reveal = reveal_call(1, uids, vals, 3, salt, 4, 0);
    /* Off by default: both calls are refused, set_weights works. */
    assert_false(subnet(1).commit_reveal);
    queue_fail(HOT, OWNER, &commit, YUMA_CALL_ERR_COMMIT_REVEAL_DISABLED, "commit-reveal is not enabled on this subnet");
    queue_fail(HOT, OWNER, &reveal, YUMA_CALL_ERR_COMMIT_REVEAL_DISABLED, "commit-reveal is not enabled on this subnet");
    block();
    unfreeze(1, 2);
    yuma_call on = hyper(1, HP_COMMIT_REVEAL, 1);
    queue(COLD, OWNER, &on);
    block();
    assert_true(subnet(1).commit_reveal);
    assert_int_equal(subnet(1).reveal_period_epochs, 1);

    /* The owner's uid was registered with the subnet: wait out the weights
     * rate limit (100 blocks) counted from there. */
    yuma_call plain = weights_call(YUMA_CALL_SET_WEIGHTS, 1, uids, vals, 3);
    queue_fail(HOT, OWNER, &plain, YUMA_CALL_ERR_COMMIT_REVEAL_ENABLED,
               "the subnet uses commit-reveal: commit and reveal weights instead");
    queue_fail(HOT, OWNER, &commit, YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT, "weights were set too recently (weights rate limit)");
    yuma_call c0 = commit, cnone = commit;
    c0.netuid = 0;
    cnone.netuid = 9;
    queue_fail(HOT, OWNER, &c0, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(HOT, OWNER, &cnone, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(HOT, X, &commit, YUMA_CALL_ERR_NOT_REGISTERED, "the hotkey is not registered on this subnet");
    yuma_call r0 = reveal, rnone = reveal;
    r0.netuid = 0;
    rnone.netuid = 9;
    queue_fail(HOT, OWNER, &r0, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(HOT, OWNER, &rnone, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(HOT, OWNER, &reveal, YUMA_CALL_ERR_NO_COMMIT, "the hotkey has no pending weight commit on this subnet");
    block();

    /* Commit in a block where no epoch is due: filed under the current
     * index; last_update moves to the commit block. */
    neuron_rec nr;
    assert_true(neuron_get(state(), 1, 0, &nr));
    while (height() + 1 < nr.last_update + 100 || until_epoch(1) < 5) block();
    uint64_t index = subnet(1).epoch_index;
    queue(HOT, OWNER, &commit);
    block();
    uint64_t committed = height();
    yuma_account owner_hk = acc(HOT, OWNER);
    weight_commit wc[MAX_WEIGHT_COMMITS];
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 1);
    assert_int_equal(wc[0].commit_epoch, index);
    assert_int_equal(wc[0].commit_block, committed);
    assert_memory_equal(wc[0].hash, commit.commit_hash, 32);
    assert_true(neuron_get(state(), 1, 0, &nr));
    assert_int_equal(nr.last_update, committed);

    /* The epoch's mask: the owner's uid carries its commit block. */
    {
        subnet_rec s = subnet(1);
        yuma_account hks[6];
        uint64_t cb[6];
        for (uint16_t u = 0; u < s.n; u++) {
            neuron_rec n;
            assert_true(neuron_get(state(), 1, u, &n));
            hks[u] = n.hotkey;
        }
        commit_reveal_fill_mask(state(), 1, &s, s.epoch_index + 1, hks, s.n, cb);
        assert_int_equal(cb[0], committed);
        for (uint16_t u = 1; u < s.n; u++) assert_int_equal(cb[u], UINT64_MAX);
        /* Expired once the index passes commit_epoch + reveal period. */
        commit_reveal_fill_mask(state(), 1, &s, index + 2, hks, s.n, cb);
        assert_int_equal(cb[0], UINT64_MAX);
        s.commit_reveal = false;
        commit_reveal_fill_mask(state(), 1, &s, s.epoch_index + 1, hks, s.n, cb);
        assert_int_equal(cb[0], UINT64_MAX);
    }

    /* Same epoch: too early. A wrong salt matches nothing. */
    uint16_t bad_salt[4] = {9, 8, 7, 5};
    yuma_call wrong = reveal_call(1, uids, vals, 3, bad_salt, 4, 0);
    queue_fail(HOT, OWNER, &reveal, YUMA_CALL_ERR_REVEAL_TOO_EARLY, "the commit's reveal window has not opened yet");
    queue_fail(HOT, OWNER, &wrong, YUMA_CALL_ERR_COMMIT_MISMATCH, "the revealed weights match no pending commit");
    queue_fail(HOT, OWNER, &commit, YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT, "weights were set too recently (weights rate limit)");
    block();

    /* After the next epoch the window is open. A second, newer commit is
     * queued first so that the reveal of the older one must keep it. */
    next_epoch(1);
    assert_int_equal(subnet(1).epoch_index, index + 1);
    while (height() + 1 < committed + 100) block();
    uint16_t vals2[3] = {1, 1, 1};
    yuma_call commit2 = commit_call(1, OWNER, uids, vals2, 3, salt, 4, 0);
    queue(HOT, OWNER, &commit2);
    block();
    uint64_t committed2 = height();
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 2);
    /* A reveal whose weights fail set_weights' checks fails as a whole and
     * keeps the commit. */
    uint16_t dup[2] = {3, 3}, dupv[2] = {1, 2};
    yuma_call cdup = commit_call(1, OWNER, dup, dupv, 2, salt, 4, 0);
    yuma_call rdup = reveal_call(1, dup, dupv, 2, salt, 4, 0);
    queue_fail(HOT, OWNER, &rdup, YUMA_CALL_ERR_COMMIT_MISMATCH, "the revealed weights match no pending commit");
    queue_fail(HOT, OWNER, &commit2, YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT,
               "weights were set too recently (weights rate limit)");
    queue(HOT, OWNER, &reveal);
    block();
    /* Stored as set_weights would store them (max-upscaled), last_update
     * still the second commit's block, the revealed commit gone. */
    yuma_entry row[8];
    assert_int_equal(row_get(state(), REC_WEIGHTS, 1, 0, row, 8), 3);
    assert_int_equal(row[0].uid, 3);
    assert_int_equal(row[0].value, 21845); /* round(100 * 65535 / 300) */
    assert_int_equal(row[1].value, 43690);
    assert_int_equal(row[2].value, 65535);
    assert_true(neuron_get(state(), 1, 0, &nr));
    assert_int_equal(nr.last_update, committed2);
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 1);
    assert_int_equal(wc[0].commit_block, committed2);

    /* Revealing the same commit twice finds nothing the second time. */
    queue_fail(HOT, OWNER, &reveal, YUMA_CALL_ERR_COMMIT_MISMATCH, "the revealed weights match no pending commit");
    block();

    /* commit2 (epoch index+1) is revealable in epoch index+2 only; after
     * index+3 it has expired. */
    yuma_call reveal2 = reveal_call(1, uids, vals2, 3, salt, 4, 0);
    next_epoch(1);
    next_epoch(1);
    assert_int_equal(subnet(1).epoch_index, index + 3);
    queue_fail(HOT, OWNER, &reveal2, YUMA_CALL_ERR_COMMIT_EXPIRED, "the revealed weights match only an expired commit");
    block();

    /* A reveal of a commit whose weights fail validation: committed fine,
     * revealed in its window, refused with set_weights' status. */
    queue(HOT, OWNER, &cdup);
    block();
    next_epoch(1);
    queue_fail(HOT, OWNER, &rdup, YUMA_CALL_ERR_DUPLICATE_UID, "a uid appears twice in the weights");
    block();
    /* The expired commit2 was dropped by the commit (expired at its front). */
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 1);
    assert_memory_equal(wc[0].hash, cdup.commit_hash, 32);

    /* Revealing a newer commit removes the older ones with it: two
     * commits of one epoch, the second revealed, leave nothing to reveal. */
    while (height() + 1 < nr.last_update + 100 || until_epoch(1) < 120) block();
    salt[0] = 50;
    yuma_call older = commit_call(1, OWNER, uids, vals, 3, salt, 4, 0);
    yuma_call older_reveal = reveal_call(1, uids, vals, 3, salt, 4, 0);
    salt[0] = 51;
    yuma_call newer = commit_call(1, OWNER, uids, vals, 3, salt, 4, 0);
    yuma_call newer_reveal = reveal_call(1, uids, vals, 3, salt, 4, 0);
    queue(HOT, OWNER, &older);
    block();
    assert_true(neuron_get(state(), 1, 0, &nr));
    while (height() + 1 < nr.last_update + 100) block();
    queue(HOT, OWNER, &newer);
    block();
    /* cdup's commit may still be queued in front of them (until it expires). */
    size_t pending_n = weight_commits_get(state(), 1, &owner_hk, wc);
    assert_true(pending_n >= 2);
    assert_memory_equal(wc[pending_n - 2].hash, older.commit_hash, 32);
    assert_memory_equal(wc[pending_n - 1].hash, newer.commit_hash, 32);
    assert_int_equal(wc[pending_n - 2].commit_epoch, wc[pending_n - 1].commit_epoch);
    next_epoch(1);
    queue(HOT, OWNER, &newer_reveal);
    block();
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 0);
    queue_fail(HOT, OWNER, &older_reveal, YUMA_CALL_ERR_NO_COMMIT, "the hotkey has no pending weight commit on this subnet");
    block();
    assert_true(neuron_get(state(), 1, 0, &nr));

    /* At most 10 pending: with a reveal period of 100 epochs nothing
     * expires while eleven commits are made 100 blocks apart. */
    unfreeze(1, 2);
    yuma_call period = hyper(1, HP_REVEAL_PERIOD_EPOCHS, 100);
    queue(COLD, OWNER, &period);
    block();
    assert_int_equal(subnet(1).reveal_period_epochs, 100);
    assert_true(neuron_get(state(), 1, 0, &nr));
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 0);
    for (int k = 1; k <= 11; k++) {
        while (height() + 1 < nr.last_update + 100) block();
        salt[0] = (uint16_t)(100 + k);
        yuma_call ck = commit_call(1, OWNER, uids, vals, 3, salt, 4, 0);
        if (k <= 10) {
            queue(HOT, OWNER, &ck);
        } else {
            queue_fail(HOT, OWNER, &ck, YUMA_CALL_ERR_TOO_MANY_COMMITS, "too many unrevealed weight commits (at most 10)");
        }
        block();
        if (k <= 10) assert_true(neuron_get(state(), 1, 0, &nr));
    }
    assert_int_equal(weight_commits_get(state(), 1, &owner_hk, wc), 10);
    world_free();
}

/* ---- takes ---- */

static void test_delegate_take(void **state_)
{
    (void)state_;
    standard_world(test_params());
    yuma_account v1 = acc(HOT, V1), unknown;
    memset(unknown.bytes, 0x55, 32);
    hotkey_rec h;
    assert_true(hotkey_get(state(), &v1, &h));
    assert_int_equal(h.take, 11796); /* the default (maximum) take */
    assert_int_equal(h.last_take_block, 0);

    yuma_call dec = take_call(YUMA_CALL_DECREASE_TAKE, 0, V1, 10000);
    yuma_call nobody = dec;
    nobody.hotkey = unknown;
    queue_fail(COLD, V1, &nobody, YUMA_CALL_ERR_NO_HOTKEY, "the hotkey is not registered on any subnet");
    queue_fail(COLD, V2, &dec, YUMA_CALL_ERR_HOTKEY_OWNED, "the hotkey belongs to another coldkey");
    yuma_call low = take_call(YUMA_CALL_DECREASE_TAKE, 0, V1, MIN_TAKE - 1);
    queue_fail(COLD, V1, &low, YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS, "the take is outside the allowed bounds");
    yuma_call same = take_call(YUMA_CALL_DECREASE_TAKE, 0, V1, 11796);
    queue_fail(COLD, V1, &same, YUMA_CALL_ERR_TAKE_NOT_LOWER,
               "decrease_take needs a take strictly lower than the current one");
    yuma_call high = take_call(YUMA_CALL_INCREASE_TAKE, 0, V1, 11797);
    queue_fail(COLD, V1, &high, YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS, "the take is outside the allowed bounds");
    yuma_call inc_same = take_call(YUMA_CALL_INCREASE_TAKE, 0, V1, 11796);
    queue_fail(COLD, V1, &inc_same, YUMA_CALL_ERR_TAKE_NOT_HIGHER,
               "increase_take needs a take strictly higher than the current one");
    queue(COLD, V1, &dec);
    block();
    uint64_t at = height();
    assert_true(hotkey_get(state(), &v1, &h));
    assert_int_equal(h.take, 10000);
    assert_int_equal(h.last_take_block, at);

    /* Decreases are immediate, even right after another change. */
    yuma_call dec2 = take_call(YUMA_CALL_DECREASE_TAKE, 0, V1, MIN_TAKE);
    queue(COLD, V1, &dec2);
    block();
    at = height();
    assert_true(hotkey_get(state(), &v1, &h));
    assert_int_equal(h.take, MIN_TAKE);
    /* Increases wait until more than TAKE_LIMIT blocks have passed. */
    yuma_call inc = take_call(YUMA_CALL_INCREASE_TAKE, 0, V1, 5000);
    yuma_call inc_nobody = inc;
    inc_nobody.hotkey = unknown;
    queue_fail(COLD, V1, &inc_nobody, YUMA_CALL_ERR_NO_HOTKEY, "the hotkey is not registered on any subnet");
    queue_fail(COLD, V2, &inc, YUMA_CALL_ERR_HOTKEY_OWNED, "the hotkey belongs to another coldkey");
    block();
    while (height() + 1 < at + TAKE_LIMIT) block();
    queue_fail(COLD, V1, &inc, YUMA_CALL_ERR_TAKE_RATE_LIMIT,
               "the take was raised or changed too recently (take rate limit)");
    block();
    assert_int_equal(last_retry[0], height() + 1); /* and the next block takes it */
    queue(COLD, V1, &inc);
    block();
    assert_true(hotkey_get(state(), &v1, &h));
    assert_int_equal(h.take, 5000);
    assert_int_equal(h.last_take_block, at + TAKE_LIMIT + 1);
    world_free();
}

static void test_childkey_take(void **state_)
{
    (void)state_;
    standard_world(test_params());
    yuma_account v1 = acc(HOT, V1), unknown;
    memset(unknown.bytes, 0x56, 32);
    assert_int_equal(childkey_take_get(state(), 1, &v1), 0);
    yuma_call t = take_call(YUMA_CALL_SET_CHILDKEY_TAKE, 1, V1, 3000);
    yuma_call t0 = t, t9 = t, tu = t;
    t0.netuid = 0;
    t9.netuid = 9;
    tu.hotkey = unknown;
    queue_fail(COLD, V1, &t0, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(COLD, V1, &t9, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(COLD, V1, &tu, YUMA_CALL_ERR_NO_HOTKEY, "the hotkey is not registered on any subnet");
    queue_fail(COLD, V2, &t, YUMA_CALL_ERR_HOTKEY_OWNED, "the hotkey belongs to another coldkey");
    yuma_call over = take_call(YUMA_CALL_SET_CHILDKEY_TAKE, 1, V1, 11797);
    queue_fail(COLD, V1, &over, YUMA_CALL_ERR_TAKE_OUT_OF_BOUNDS, "the take is outside the allowed bounds");
    queue(COLD, V1, &t); /* the first change may raise it */
    block();
    uint64_t at = height();
    assert_int_equal(childkey_take_get(state(), 1, &v1), 3000);
    assert_int_equal(childkey_take_get(state(), 2, &v1), 0); /* per subnet */
    /* Lowering is free; raising waits more than the rate limit. */
    yuma_call lower = take_call(YUMA_CALL_SET_CHILDKEY_TAKE, 1, V1, 2000);
    queue(COLD, V1, &lower);
    block();
    at = height();
    assert_int_equal(childkey_take_get(state(), 1, &v1), 2000);
    yuma_call raise = take_call(YUMA_CALL_SET_CHILDKEY_TAKE, 1, V1, 11796);
    while (height() + 1 < at + TAKE_LIMIT) block();
    queue_fail(COLD, V1, &raise, YUMA_CALL_ERR_TAKE_RATE_LIMIT,
               "the take was raised or changed too recently (take rate limit)");
    block();
    queue(COLD, V1, &raise);
    block();
    assert_int_equal(childkey_take_get(state(), 1, &v1), 11796);
    world_free();
}

/* ---- child keys ---- */

static size_t children_of(uint16_t netuid, int h, yuma_child out[5])
{
    yuma_account hk = acc(HOT, h);
    return children_get(state(), netuid, &hk, out);
}

static size_t parents_of(uint16_t netuid, int h, yuma_child *out, size_t cap)
{
    yuma_account hk = acc(HOT, h);
    yuma_child *p;
    size_t n;
    assert_true(parents_get(state(), netuid, &hk, &p, &n));
    assert_true(n <= cap);
    if (n) memcpy(out, p, n * sizeof *p);
    free(p);
    return n;
}

/* What the coinbase will call at an epoch, applied to both chains (the
 * state store is the chain's own; this stands in for the block step). */
static void apply_pending(uint16_t netuid)
{
    assert_true(children_apply_pending((ykv *)yuma_chain_state(A), netuid, height()));
    assert_true(children_apply_pending((ykv *)yuma_chain_state(B), netuid, height()));
}

static void test_set_children(void **state_)
{
    (void)state_;
    standard_world(test_params());
    const uint64_t HALF = 1ull << 63, QUARTER = 1ull << 62;
    yuma_child kids[2] = {child(HALF, M1), child(QUARTER, M2)};
    yuma_call set = children_call(1, V1, kids, 2);
    yuma_call s0 = set, s9 = set, su = set;
    s0.netuid = 0;
    s9.netuid = 9;
    memset(su.hotkey.bytes, 0x57, 32);
    queue_fail(COLD, V1, &s0, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(COLD, V1, &s9, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(COLD, V1, &su, YUMA_CALL_ERR_NO_HOTKEY, "the hotkey is not registered on any subnet");
    queue_fail(COLD, V2, &set, YUMA_CALL_ERR_HOTKEY_OWNED, "the hotkey belongs to another coldkey");
    yuma_child dup[2] = {child(1, M1), child(2, M1)};
    yuma_call sdup = children_call(1, V1, dup, 2);
    queue_fail(COLD, V1, &sdup, YUMA_CALL_ERR_DUPLICATE_CHILD, "a child appears twice");
    yuma_child self[1] = {child(1, V1)};
    yuma_call sself = children_call(1, V1, self, 1);
    queue_fail(COLD, V1, &sself, YUMA_CALL_ERR_SELF_CHILD, "a hotkey cannot be its own child");
    yuma_child over[2] = {child(HALF, M1), child(HALF, M2)}; /* 2^64 > 2^64 - 1 */
    yuma_call sover = children_call(1, V1, over, 2);
    queue_fail(COLD, V1, &sover, YUMA_CALL_ERR_PROPORTION_OVERFLOW, "the children's proportions sum to more than 1");
    yuma_child full[2] = {child(HALF, M1), child(HALF - 1, M2)}; /* exactly 2^64 - 1: allowed */
    yuma_call sfull = children_call(1, V1, full, 2);
    queue(COLD, V1, &sfull);
    block();
    uint64_t at = height();
    /* Scheduled, not applied: the subnet has started, so a cooldown runs. */
    yuma_child got[5], par[8];
    assert_int_equal(children_of(1, V1, got), 0);
    queue_fail(COLD, V1, &set, YUMA_CALL_ERR_CHILDREN_RATE_LIMIT, "children were set too recently (children rate limit)");
    block();
    assert_int_equal(last_retry[0], at + 150); /* economics §9: 150 blocks per (hotkey, netuid) */
    apply_pending(1); /* before the cooldown: nothing happens */
    assert_int_equal(children_of(1, V1, got), 0);
    while (height() < at + COOLDOWN) block();
    apply_pending(1); /* cooldown block == now: still pending (must be below now) */
    assert_int_equal(children_of(1, V1, got), 0);
    block();
    apply_pending(1);
    assert_int_equal(children_of(1, V1, got), 2);
    assert_int_equal(got[0].proportion, HALF);
    assert_memory_equal(got[0].child.bytes, keys[HOT][M1].pk, 32);
    assert_int_equal(got[1].proportion, HALF - 1);
    assert_int_equal(parents_of(1, M1, par, 8), 1);
    assert_int_equal(par[0].proportion, HALF);
    assert_memory_equal(par[0].child.bytes, keys[HOT][V1].pk, 32);
    assert_int_equal(parents_of(1, M2, par, 8), 1);
    block();

    /* A child that is a parent of the hotkey is refused. */
    yuma_child back[1] = {child(1, V1)};
    yuma_call sback = children_call(1, M1, back, 1);
    queue_fail(COLD, M1, &sback, YUMA_CALL_ERR_CHILD_IS_PARENT, "a child is already a parent of this hotkey");
    block();

    /* Replacing the children: M2 loses V1 as a parent, M3 gains it. */
    while (height() + 1 < at + 150) block();
    yuma_child next[2] = {child(QUARTER, M1), child(QUARTER, M3)};
    yuma_call snext = children_call(1, V1, next, 2);
    queue(COLD, V1, &snext);
    block();
    uint64_t at2 = height();
    while (height() <= at2 + COOLDOWN) block();
    apply_pending(1);
    assert_int_equal(children_of(1, V1, got), 2);
    assert_int_equal(parents_of(1, M1, par, 8), 1);
    assert_int_equal(par[0].proportion, QUARTER);
    assert_int_equal(parents_of(1, M2, par, 8), 0);
    assert_int_equal(parents_of(1, M3, par, 8), 1);

    /* Revoking: an empty list removes the children and their parent links. */
    while (height() + 1 < at2 + 150) block();
    yuma_call revoke = children_call(1, V1, NULL, 0);
    queue(COLD, V1, &revoke);
    block();
    uint64_t at3 = height();
    while (height() <= at3 + COOLDOWN) block();
    apply_pending(1);
    assert_int_equal(children_of(1, V1, got), 0);
    assert_int_equal(parents_of(1, M1, par, 8), 0);
    assert_int_equal(parents_of(1, M3, par, 8), 0);

    /* Two schedules that contradict each other, V1 -> M1 and M1 -> V1,
     * each consistent when made: at the epoch they apply in ascending
     * hotkey order, and the second finds its child has become its parent
     * and is dropped silently. */
    while (height() + 1 < at3 + 150) block();
    yuma_child to_m1[1] = {child(HALF, M1)};
    yuma_call v1_m1 = children_call(1, V1, to_m1, 1);
    queue(COLD, V1, &v1_m1);
    queue(COLD, M1, &sback);
    block();
    uint64_t at4 = height();
    while (height() <= at4 + COOLDOWN) block();
    apply_pending(1);
    bool m1_first = memcmp(keys[HOT][M1].pk, keys[HOT][V1].pk, 32) < 0;
    assert_int_equal(children_of(1, M1, got), m1_first ? 1 : 0);
    assert_int_equal(children_of(1, V1, got), m1_first ? 0 : 1);
    assert_int_equal(parents_of(1, m1_first ? V1 : M1, par, 8), 1);
    uint8_t pk[3] = {REC_PENDING_CHILDREN, 0, 1};
    assert_null(ykv_get(state(), pk, 3, NULL));
    world_free();
}

static void test_children_before_start_and_threshold(void **state_)
{
    (void)state_;
    /* Before start_call the children apply at once. */
    yuma_chain_params p = test_params();
    world_new(p);
    new_subnet(OWNER, false);
    yuma_call r = hotkey_call(YUMA_CALL_BURNED_REGISTER, 1, M1);
    queue(COLD, M1, &r);
    block();
    yuma_child kids[1] = {child(1000, M1)};
    yuma_call set = children_call(1, OWNER, kids, 1);
    queue(COLD, OWNER, &set);
    block();
    yuma_child got[5];
    assert_int_equal(children_of(1, OWNER, got), 1);
    assert_int_equal(got[0].proportion, 1000);
    uint8_t pk[3] = {REC_PENDING_CHILDREN, 0, 1};
    assert_null(ykv_get(state(), pk, 3, NULL));

    /* The stake threshold: a hotkey without stake cannot set children
     * (an empty list always can; the owner hotkey is exempt, as above). */
    p.stake_threshold = 5 * TAO;
    world_new(p);
    new_subnet(OWNER, true);
    for (int k = V1; k <= M1; k++) {
        yuma_call reg = hotkey_call(YUMA_CALL_BURNED_REGISTER, 1, k);
        queue(COLD, k, &reg);
    }
    block();
    yuma_call v1set = children_call(1, V1, kids, 1);
    queue_fail(COLD, V1, &v1set, YUMA_CALL_ERR_CHILDREN_STAKE_THRESHOLD,
               "the hotkey's stake is below the stake threshold for setting children");
    yuma_call v2none = children_call(1, V2, NULL, 0);
    queue(COLD, V2, &v2none);
    yuma_call ownerset = children_call(1, OWNER, kids, 1);
    queue(COLD, OWNER, &ownerset);
    block();
    /* Root stake counts 1:1: 5 TAO on root reaches the threshold. */
    yuma_call root = stake_call(YUMA_CALL_ADD_STAKE, V1, 0, 5 * TAO);
    queue(COLD, V1, &root);
    block();
    queue(COLD, V1, &v1set);
    block();
    world_free();
}

/* ---- hyperparameters ---- */

static void test_hyperparameters(void **state_)
{
    (void)state_;
    standard_world(test_params());
    unfreeze(1, 3);
    /* Who and what. */
    yuma_call t = hyper(1, HP_TEMPO, 720), t0 = hyper(0, HP_TEMPO, 720), t9 = hyper(9, HP_TEMPO, 720);
    queue_fail(COLD, V1, &t, YUMA_CALL_ERR_NOT_OWNER, "only the subnet's owner coldkey may do this");
    queue_fail(COLD, OWNER, &t0, YUMA_CALL_ERR_ROOT_NETUID, "this call is not allowed on the root subnet (netuid 0)");
    queue_fail(COLD, OWNER, &t9, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    const uint16_t unknown[3] = {0, 24, 999};
    for (int i = 0; i < 3; i++) {
        yuma_call u = hyper(1, unknown[i], 1);
        queue_fail(COLD, OWNER, &u, YUMA_CALL_ERR_UNKNOWN_HYPERPARAM, "no hyperparameter with this id");
    }
    const uint16_t gov[3] = {HP_KAPPA, HP_MAX_ALLOWED_VALIDATORS, HP_WEIGHTS_RATE_LIMIT};
    for (int i = 0; i < 3; i++) {
        yuma_call g = hyper(1, gov[i], 10);
        queue_fail(COLD, OWNER, &g, YUMA_CALL_ERR_HYPERPARAM_GOVERNANCE,
                   "this hyperparameter is set by governance, not by the subnet owner");
    }
    /* Out of range: each bound of the table, one past it. */
    static const struct {
        uint16_t param;
        uint64_t value;
    } bad[] = {
        {HP_TEMPO, 359}, {HP_TEMPO, 50401},
        {HP_ACTIVITY_CUTOFF_FACTOR_MILLI, 999}, {HP_ACTIVITY_CUTOFF_FACTOR_MILLI, 50001},
        {HP_IMMUNITY_PERIOD, 65536},
        {HP_MIN_ALLOWED_WEIGHTS, 257}, /* above max_allowed_uids (256) */
        {HP_MAX_ALLOWED_UIDS, 257}, {HP_MAX_ALLOWED_UIDS, 63}, /* below max_allowed_validators (64) */
        {HP_MIN_BURN, TAO}, {HP_MIN_BURN, 100 * TAO}, /* not below 1 TAO / not below max_burn */
        {HP_MAX_BURN, TAO / 10}, {HP_MAX_BURN, 500000}, /* not above 0.1 TAO / not above min_burn */
        {HP_BURN_HALF_LIFE, 0}, {HP_BURN_HALF_LIFE, 36101},
        {HP_BURN_INCREASE_MULT_MILLI, 999}, {HP_BURN_INCREASE_MULT_MILLI, 3001},
        {HP_BONDS_MOVING_AVERAGE, 975001},
        {HP_BONDS_PENALTY, 65536},
        {HP_BONDS_RESET, 2}, {HP_COMMIT_REVEAL, 2}, {HP_LIQUID_ALPHA, 2}, {HP_YUMA3, 2},
        {HP_REVEAL_PERIOD_EPOCHS, 0}, {HP_REVEAL_PERIOD_EPOCHS, 101},
        {HP_ALPHA_VALUES, 1637 | (60000ull << 16)},            /* low below 1638 */
        {HP_ALPHA_VALUES, 50000 | (40000ull << 16)},           /* low above high */
        {HP_ALPHA_VALUES, 2000 | (60000ull << 16) | (1ull << 32)}, /* stray upper bits */
        {HP_ALPHA_SIGMOID_STEEPNESS, 32768},                   /* negative as i16 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yuma_call b = hyper(1, bad[i].param, bad[i].value);
        queue_fail(COLD, OWNER, &b, YUMA_CALL_ERR_HYPERPARAM_OUT_OF_RANGE,
                   "the value is outside the hyperparameter's allowed range");
    }
    block();

    /* Every owner parameter at an allowed value (the bounds themselves
     * where they are inclusive). */
    unfreeze(1, 3);
    static const struct {
        uint16_t param;
        uint64_t value;
    } good[] = {
        {HP_ACTIVITY_CUTOFF_FACTOR_MILLI, 50000}, {HP_IMMUNITY_PERIOD, 65535}, {HP_MIN_ALLOWED_WEIGHTS, 256},
        {HP_MAX_ALLOWED_UIDS, 64}, {HP_WEIGHTS_VERSION_KEY, 7}, {HP_MIN_BURN, TAO - 1}, {HP_MAX_BURN, 50 * TAO},
        {HP_BURN_HALF_LIFE, 36100}, {HP_BURN_INCREASE_MULT_MILLI, 2000}, {HP_BONDS_MOVING_AVERAGE, 975000},
        {HP_BONDS_PENALTY, 0}, {HP_BONDS_RESET, 1}, {HP_COMMIT_REVEAL, 1}, {HP_REVEAL_PERIOD_EPOCHS, 100},
        {HP_LIQUID_ALPHA, 1}, {HP_ALPHA_VALUES, 1638 | (1638ull << 16)}, {HP_ALPHA_SIGMOID_STEEPNESS, 32767},
        {HP_YUMA3, 0}, {HP_SERVING_RATE_LIMIT, 12345}, {HP_TEMPO, 50400},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        yuma_call g = hyper(1, good[i].param, good[i].value);
        queue(COLD, OWNER, &g);
    }
    block();
    subnet_rec s = subnet(1);
    assert_int_equal(s.hp.activity_cutoff_factor_milli, 50000);
    assert_int_equal(s.immunity_period, 65535);
    assert_int_equal(s.min_allowed_weights, 256);
    assert_int_equal(s.max_uids, 64);
    assert_int_equal(s.weights_version_key, 7);
    assert_int_equal(s.min_burn, TAO - 1);
    assert_int_equal(s.max_burn, 50 * TAO);
    assert_int_equal(s.burn_half_life, 36100);
    assert_true(s.burn_increase_mult == (yu128)2 << 64); /* 2000 thousandths = 2.0 exactly */
    assert_int_equal(s.hp.bonds_moving_average, 975000);
    assert_int_equal(s.hp.bonds_penalty, 0);
    assert_true(s.bonds_reset);
    assert_true(s.commit_reveal);
    assert_int_equal(s.reveal_period_epochs, 100);
    assert_true(s.hp.liquid_alpha);
    assert_int_equal(s.hp.alpha_low, 1638);
    assert_int_equal(s.hp.alpha_high, 1638);
    assert_int_equal(s.hp.alpha_sigmoid_steepness, 32767);
    assert_false(s.hp.yuma3);
    assert_int_equal(s.serving_rate_limit, 12345);
    assert_int_equal(s.hp.tempo, 50400);
    /* Governance's own are untouched. */
    assert_int_equal(s.hp.kappa, 32767);
    assert_int_equal(s.hp.max_allowed_validators, 64);
    assert_int_equal(s.weights_rate_limit, 100);

    /* A new tempo moves the next epoch (and with it the freeze window). */
    assert_int_equal(until_epoch(1), s.last_epoch_block + 50400 - (height() + 1));

    /* Each parameter is rate limited on its own: 2 tempos (now 100,800
     * blocks) for tempo. Set it back down first to keep the test short:
     * refused now, as every parameter just set is. */
    yuma_call t2 = hyper(1, HP_TEMPO, 360);
    queue_fail(COLD, OWNER, &t2, YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT,
               "this hyperparameter was set too recently (owner rate limit)");
    yuma_call b2 = hyper(1, HP_BONDS_PENALTY, 5);
    queue_fail(COLD, OWNER, &b2, YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT,
               "this hyperparameter was set too recently (owner rate limit)");
    block();
    world_free();
}

static void test_hyperparameter_timing(void **state_)
{
    (void)state_;
    standard_world(test_params());
    /* The freeze window: allowed while the epoch is admin_freeze_window
     * (10) blocks away, refused at 9 (economics §9). */
    while (until_epoch(1) != 10) block();
    yuma_call a = hyper(1, HP_BONDS_PENALTY, 100);
    queue(COLD, OWNER, &a);
    block();
    assert_int_equal(subnet(1).hp.bonds_penalty, 100);
    assert_int_equal(until_epoch(1), 9);
    yuma_call b = hyper(1, HP_IMMUNITY_PERIOD, 100);
    queue_fail(COLD, OWNER, &b, YUMA_CALL_ERR_ADMIN_FREEZE_WINDOW,
               "hyperparameters are frozen just before the subnet's epoch");
    block();
    while (until_epoch(1) > 0) {
        queue_fail(COLD, OWNER, &b, YUMA_CALL_ERR_ADMIN_FREEZE_WINDOW,
                   "hyperparameters are frozen just before the subnet's epoch");
        block();
    }
    /* Once the epoch ran the window is a tempo away again. */
    uint64_t e = subnet(1).epoch_index;
    block();
    assert_int_equal(subnet(1).epoch_index, e + 1);
    queue(COLD, OWNER, &b);
    block();
    assert_int_equal(subnet(1).immunity_period, 100);

    /* A triggered epoch freezes the subnet until it has run. */
    yuma_call trig = netuid_call(YUMA_CALL_TRIGGER_EPOCH, 1);
    queue(COLD, OWNER, &trig);
    block();
    yuma_call c = hyper(1, HP_MIN_ALLOWED_WEIGHTS, 3);
    queue_fail(COLD, OWNER, &c, YUMA_CALL_ERR_ADMIN_FREEZE_WINDOW,
               "hyperparameters are frozen just before the subnet's epoch");
    block();
    unfreeze(1, 2);
    queue(COLD, OWNER, &c);
    block();
    assert_int_equal(subnet(1).min_allowed_weights, 3);

    /* Rate limit: owner_hyperparam_rate_limit (2) tempos of 360 blocks
     * between two changes of one parameter; other parameters are free. */
    uint64_t set_at = 0;
    {
        /* bonds_penalty was set at some block; find it from the record. */
        uint8_t k[5] = {REC_HYPERPARAM_LAST, 0, 1, 0, HP_BONDS_PENALTY};
        size_t vlen;
        const uint8_t *v = ykv_get(state(), k, 5, &vlen);
        assert_non_null(v);
        assert_int_equal(vlen, 8);
        set_at = get_u64(v);
    }
    yuma_call a2 = hyper(1, HP_BONDS_PENALTY, 200);
    while (height() + 1 < set_at + 720 - 1) block();
    unfreeze(1, 0);
    if (height() + 1 < set_at + 720) {
        queue_fail(COLD, OWNER, &a2, YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT,
                   "this hyperparameter was set too recently (owner rate limit)");
        block();
    }
    while (height() + 1 < set_at + 720) block();
    unfreeze(1, 0);
    queue(COLD, OWNER, &a2);
    block();
    assert_int_equal(subnet(1).hp.bonds_penalty, 200);

    /* The weights version key: 5 tempos. Setting it makes older keys
     * fail set_weights. */
    yuma_call vk = hyper(1, HP_WEIGHTS_VERSION_KEY, 9);
    queue(COLD, OWNER, &vk);
    block();
    uint64_t vk_at = height();
    uint16_t self_uid[1] = {0}, one[1] = {1};
    yuma_call old = weights_call(YUMA_CALL_SET_WEIGHTS, 1, self_uid, one, 1);
    old.version_key = 8;
    queue_fail(HOT, OWNER, &old, YUMA_CALL_ERR_VERSION_KEY, "weights version key is older than the subnet requires");
    block();
    yuma_call vk2 = hyper(1, HP_WEIGHTS_VERSION_KEY, 10);
    while (height() + 1 < vk_at + 720) block();
    unfreeze(1, 0);
    queue_fail(COLD, OWNER, &vk2, YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT,
               "this hyperparameter was set too recently (owner rate limit)");
    block();
    while (height() + 1 < vk_at + 5 * 360) block();
    unfreeze(1, 0);
    queue(COLD, OWNER, &vk2);
    block();
    assert_int_equal(subnet(1).weights_version_key, 10);
    world_free();
}

/* ---- stake moves ---- */

static yuma_call move_call(int from_h, int to_h, uint16_t n1, uint16_t n2, uint64_t amount)
{
    yuma_call call = stake_call(YUMA_CALL_MOVE_STAKE, from_h, n1, amount);
    call.dest_hotkey = acc(HOT, to_h);
    call.dest_netuid = n2;
    return call;
}

static yuma_call transfer_call_(int to_cold, int h, uint16_t n1, uint16_t n2, uint64_t amount)
{
    yuma_call call = stake_call(YUMA_CALL_TRANSFER_STAKE, h, n1, amount);
    call.dest = acc(COLD, to_cold);
    call.dest_netuid = n2;
    return call;
}

static yuma_call swap_call(int h, uint16_t n1, uint16_t n2, uint64_t amount)
{
    yuma_call call = stake_call(YUMA_CALL_SWAP_STAKE, h, n1, amount);
    call.dest_netuid = n2;
    return call;
}

static uint64_t stake(int cold_i, int hot_i, uint16_t netuid)
{
    yuma_account c = acc(COLD, cold_i), h = acc(HOT, hot_i);
    return stake_of(state(), &h, &c, netuid);
}

/* Subnets 1 (started, the standard one), 2 (started, OWNER2) and 3
 * (registered, not started); V1's coldkey also holds root stake. */
static void moves_world(void)
{
    standard_world(test_params());
    new_subnet(OWNER2, true);
    new_subnet(X, false);
    yuma_call root = stake_call(YUMA_CALL_ADD_STAKE, V1, 0, 50 * TAO);
    queue(COLD, V1, &root);
    block();
    assert_true(subnet_exists(state(), 3));
}

/* A call applied to A only (B gets the inert twin), after which the two
 * chains stay apart: B then holds exactly the state A's call saw (the
 * same block step ran on both), from which the call's effects are
 * predicted with the pool's own swap functions. Ends a world. */
static void block_apart(int role, int who, const yuma_call *call)
{
    yuma_call nothing = call_of(YUMA_CALL_TRANSFER);
    nothing.dest = author;
    uint64_t nonce = nonces[role][who]++;
    sign_into(&qa[0], role, who, nonce, call);
    sign_into(&qb[0], role, who, nonce, &nothing);
    qn = 1;
    yuma_block_result ra, rb;
    apply(A, qa, &ra);
    apply(B, qb, &rb);
    if (ra.call_status[0] != YUMA_CALL_OK) {
        print_error("got '%s'\n", yuma_call_strerror(ra.call_status[0]));
        fail();
    }
    assert_int_equal(rb.call_status[0], YUMA_CALL_ERR_ZERO_AMOUNT);
    free(ra.call_status);
    free(rb.call_status);
    qn = 0;
    audit(A);
    audit(B);
}

/* The subnet as the call saw it (from the twin), pool ready to swap. */
static subnet_rec seen(uint16_t netuid)
{
    subnet_rec s;
    assert_true(subnet_get(yuma_chain_state(B), netuid, &s));
    if (!s.pool_initialized) s.pool.w2 = YUMA_POOL_HALF;
    return s;
}

static uint64_t twin_stake(int cold_i, int hot_i, uint16_t netuid)
{
    yuma_account c = acc(COLD, cold_i), h = acc(HOT, hot_i);
    return stake_of(yuma_chain_state(B), &h, &c, netuid);
}

static void swap_ok(yuma_pool *pool, yuma_swap_dir dir, uint64_t amount, uint16_t fee_rate, bool drop,
                    yuma_swap_result *r)
{
    uint64_t limit = dir == YUMA_SWAP_BUY ? YUMA_POOL_MAX_PRICE_RAO : YUMA_POOL_MIN_PRICE_RAO;
    assert_int_equal(yuma_pool_swap(pool, dir, amount, limit, fee_rate, drop, r), YUMA_POOL_OK);
    assert_int_equal(yuma_pool_apply_swap(pool, dir, r), YUMA_POOL_OK);
}

static void assert_pool(const yuma_pool *got, const yuma_pool *expected)
{
    assert_int_equal(got->alpha_in, expected->alpha_in);
    assert_int_equal(got->tao, expected->tao);
    assert_int_equal(got->w2, expected->w2);
}

/* |a - b| <= 1: share pools round in their own favour by at most a rao. */
static void assert_near(uint64_t a, uint64_t b)
{
    if (a > b + 1 || b > a + 1) {
        print_error("%llu vs %llu\n", (unsigned long long)a, (unsigned long long)b);
        fail();
    }
}

static void test_stake_moves_same_subnet(void **state_)
{
    (void)state_;
    /* move_stake within subnet 1: V1's alpha from hotkey V1 to hotkey V2.
     * A plain re-assignment: no swap and no fee, so the subnet record (its
     * pool, alpha_out) and the author's balance are those of the twin. */
    moves_world();
    uint64_t amount = stake(V1, V1, 1) / 3;
    yuma_call mv = move_call(V1, V2, 1, 1, amount);
    block_apart(COLD, V1, &mv);
    subnet_rec p1 = seen(1), r1 = subnet(1);
    assert_pool(&r1.pool, &p1.pool);
    assert_int_equal(r1.alpha_out, p1.alpha_out);
    assert_int_equal(yuma_chain_balance(A, &author), yuma_chain_balance(B, &author));
    assert_near(stake(V1, V1, 1), twin_stake(V1, V1, 1) - amount);
    assert_near(stake(V1, V2, 1), twin_stake(V1, V2, 1) + amount);

    /* transfer_stake within subnet 1: to M1's coldkey, same hotkey. */
    moves_world();
    yuma_call tr = transfer_call_(M1, V1, 1, 1, 10 * TAO);
    block_apart(COLD, V1, &tr);
    p1 = seen(1);
    r1 = subnet(1);
    assert_pool(&r1.pool, &p1.pool);
    assert_int_equal(r1.alpha_out, p1.alpha_out);
    assert_near(stake(V1, V1, 1), twin_stake(V1, V1, 1) - 10 * TAO);
    assert_near(stake(M1, V1, 1), 10 * TAO);

    /* Root stake moves 1:1 between hotkeys too. */
    moves_world();
    yuma_call mroot = move_call(V1, V2, 0, 0, 5 * TAO);
    block_apart(COLD, V1, &mroot);
    assert_int_equal(stake(V1, V1, 0), 45 * TAO);
    assert_int_equal(stake(V1, V2, 0), 5 * TAO);
    assert_int_equal(yuma_chain_balance(A, &author), yuma_chain_balance(B, &author));

    moves_world();
    /* Errors, in validation order. */
    yuma_call same_mv = move_call(V1, V1, 1, 1, TAO);
    queue_fail(COLD, V1, &same_mv, YUMA_CALL_ERR_SAME_STAKE_POSITION, "the origin and destination of the stake are the same");
    yuma_call same_tr = transfer_call_(V1, V1, 1, 1, TAO);
    queue_fail(COLD, V1, &same_tr, YUMA_CALL_ERR_SAME_STAKE_POSITION, "the origin and destination of the stake are the same");
    yuma_call same_sw = swap_call(V1, 1, 1, TAO);
    queue_fail(COLD, V1, &same_sw, YUMA_CALL_ERR_SAME_STAKE_POSITION, "the origin and destination of the stake are the same");
    yuma_call zero = move_call(V1, V2, 1, 1, 0);
    queue_fail(COLD, V1, &zero, YUMA_CALL_ERR_ZERO_AMOUNT, "amount must be greater than zero");
    yuma_call unknown_from = move_call(V1, V2, 1, 1, TAO), unknown_to = unknown_from;
    memset(unknown_from.hotkey.bytes, 0x66, 32);
    memset(unknown_to.dest_hotkey.bytes, 0x67, 32);
    queue_fail(COLD, V1, &unknown_from, YUMA_CALL_ERR_NO_HOTKEY, "the hotkey is not registered on any subnet");
    queue_fail(COLD, V1, &unknown_to, YUMA_CALL_ERR_NO_HOTKEY, "the hotkey is not registered on any subnet");
    yuma_call nosub = swap_call(V1, 1, 9, TAO), nosub_from = swap_call(V1, 9, 1, TAO);
    queue_fail(COLD, V1, &nosub, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    queue_fail(COLD, V1, &nosub_from, YUMA_CALL_ERR_NO_SUBNET, "no subnet with this netuid");
    yuma_call off = swap_call(V1, 1, 3, TAO), off_from = swap_call(V1, 3, 1, TAO);
    queue_fail(COLD, V1, &off, YUMA_CALL_ERR_SUBTOKEN_DISABLED,
               "the subnet's token is not enabled until the owner calls start_call");
    queue_fail(COLD, V1, &off_from, YUMA_CALL_ERR_SUBTOKEN_DISABLED,
               "the subnet's token is not enabled until the owner calls start_call");
    yuma_call toomuch = move_call(V1, V2, 1, 1, stake(V1, V1, 1) + 1);
    queue_fail(COLD, V1, &toomuch, YUMA_CALL_ERR_NOT_ENOUGH_STAKE, "not enough stake for this amount");
    yuma_call others = transfer_call_(V1, V1, 1, 2, TAO); /* V2's coldkey holds nothing on V1 */
    queue_fail(COLD, V2, &others, YUMA_CALL_ERR_NOT_ENOUGH_STAKE, "not enough stake for this amount");
    /* Within a subnet the alpha must be worth the minimum stake at the
     * spot price (about 1 TAO per alpha here): 1,000,000 rao is not. */
    yuma_call dust = move_call(V1, V2, 1, 1, 1000000);
    queue_fail(COLD, V1, &dust, YUMA_CALL_ERR_AMOUNT_TOO_LOW, "amount is below the minimum stake");
    yuma_call dust_root = move_call(V1, V2, 0, 0, 1999999);
    queue_fail(COLD, V1, &dust_root, YUMA_CALL_ERR_AMOUNT_TOO_LOW, "amount is below the minimum stake");
    block();
    world_free();
}

static const uint16_t FEE_RATE = 33;

static void test_swap_between_subnets(void **state_)
{
    (void)state_;
    /* swap_stake 1 -> 2: the alpha is sold on pool 1 with the fee (the fee
     * alpha sold fee-free, its TAO to the author), the TAO bought into
     * pool 2 without a fee. */
    moves_world();
    uint64_t amount = 20 * TAO;
    yuma_call sw = swap_call(V1, 1, 2, amount);
    block_apart(COLD, V1, &sw);
    subnet_rec p1 = seen(1), p2 = seen(2), r1 = subnet(1), r2 = subnet(2);
    yuma_swap_result sell, fee_sale, buy;
    swap_ok(&p1.pool, YUMA_SWAP_SELL, amount, FEE_RATE, false, &sell);
    assert_true(sell.fee > 0);
    swap_ok(&p1.pool, YUMA_SWAP_SELL, sell.fee, FEE_RATE, true, &fee_sale);
    swap_ok(&p2.pool, YUMA_SWAP_BUY, sell.delta_out, FEE_RATE, true, &buy);
    assert_int_equal(buy.fee, 0);
    assert_pool(&r1.pool, &p1.pool);
    assert_pool(&r2.pool, &p2.pool);
    assert_int_equal(r1.alpha_out, p1.alpha_out - sell.delta_in - fee_sale.delta_in);
    assert_int_equal(r2.alpha_out, p2.alpha_out + buy.delta_out);
    assert_int_equal(yuma_chain_balance(A, &author), yuma_chain_balance(B, &author) + fee_sale.delta_out);
    yuma_account c1 = acc(COLD, V1);
    assert_int_equal(yuma_chain_balance(A, &c1), yuma_chain_balance(B, &c1));
    assert_int_equal(stake(V1, V1, 2), buy.delta_out); /* a fresh position: shares = alpha */
    assert_near(stake(V1, V1, 1), twin_stake(V1, V1, 1) - amount);
    world_free();
}

static void test_move_from_root(void **state_)
{
    (void)state_;
    /* move_stake root -> subnet 1 (to hotkey V2): root charges nothing, so
     * the one fee is the buy's, in TAO, to the author. */
    moves_world();
    uint64_t amount = 10 * TAO;
    yuma_call mv = move_call(V1, V2, 0, 1, amount);
    block_apart(COLD, V1, &mv);
    subnet_rec p1 = seen(1), r1 = subnet(1);
    yuma_swap_result buy;
    swap_ok(&p1.pool, YUMA_SWAP_BUY, amount, FEE_RATE, false, &buy);
    assert_true(buy.fee > 0);
    assert_int_equal(buy.unused, 0);
    assert_pool(&r1.pool, &p1.pool);
    assert_int_equal(r1.alpha_out, p1.alpha_out + buy.delta_out);
    assert_int_equal(yuma_chain_balance(A, &author), yuma_chain_balance(B, &author) + buy.fee);
    assert_int_equal(stake(V1, V1, 0), twin_stake(V1, V1, 0) - amount); /* root is 1:1 */
    assert_near(stake(V1, V2, 1), twin_stake(V1, V2, 1) + buy.delta_out);
    world_free();
}

static void test_transfer_to_root(void **state_)
{
    (void)state_;
    /* transfer_stake subnet 1 -> root, to M1's coldkey: the sell pays the
     * fee, root takes the TAO 1:1 for the new owner. */
    moves_world();
    uint64_t amount = 15 * TAO;
    yuma_call tr = transfer_call_(M1, V1, 1, 0, amount);
    block_apart(COLD, V1, &tr);
    subnet_rec p1 = seen(1), r1 = subnet(1);
    yuma_swap_result sell, fee_sale;
    swap_ok(&p1.pool, YUMA_SWAP_SELL, amount, FEE_RATE, false, &sell);
    swap_ok(&p1.pool, YUMA_SWAP_SELL, sell.fee, FEE_RATE, true, &fee_sale);
    assert_pool(&r1.pool, &p1.pool);
    assert_int_equal(r1.alpha_out, p1.alpha_out - sell.delta_in - fee_sale.delta_in);
    assert_int_equal(yuma_chain_balance(A, &author), yuma_chain_balance(B, &author) + fee_sale.delta_out);
    assert_near(stake(M1, V1, 0), twin_stake(M1, V1, 0) + sell.delta_out);
    assert_near(stake(V1, V1, 1), twin_stake(V1, V1, 1) - amount);
    assert_int_equal(stake(V1, V1, 0), twin_stake(V1, V1, 0));
    world_free();
}

/* get_max_amount_move between two subnets, from the reserves (economics
 * §7.3): a_in2 * t1/(t1+t2) / L - a_in1 * t2/(t1+t2), L = limit / 1e9. */
static uint64_t expected_max_move(const subnet_rec *s1, const subnet_rec *s2, uint64_t limit)
{
    unsigned __int128 t = (unsigned __int128)s1->pool.tao + s2->pool.tao;
    unsigned __int128 a = (unsigned __int128)s2->pool.alpha_in * s1->pool.tao / t;
    unsigned __int128 b = (unsigned __int128)s1->pool.alpha_in * s2->pool.tao / t;
    unsigned __int128 x = a * 1000000000u / limit;
    return x > b ? (uint64_t)(x - b) : 0;
}

static uint64_t ratio_rao(const subnet_rec *s1, const subnet_rec *s2)
{
    return (uint64_t)(((unsigned __int128)yuma_pool_price(&s1->pool) * 1000000000u) / yuma_pool_price(&s2->pool));
}

static void test_stake_move_limits(void **state_)
{
    (void)state_;
    moves_world();
    /* Errors across subnets: a limit above the current price ratio, a
     * limit that would clip without allow_partial, and amounts whose TAO
     * value is not above the minimum stake. */
    subnet_rec s1 = subnet(1), s2 = subnet(2);
    uint64_t ratio = ratio_rao(&s1, &s2);
    yuma_call above = swap_call(V1, 1, 2, 10 * TAO);
    above.limit_price = 2 * ratio;
    queue_fail(COLD, V1, &above, YUMA_CALL_ERR_PRICE_LIMIT, "the price is already beyond the limit");
    yuma_call clip = swap_call(V1, 1, 2, 100 * TAO);
    clip.limit_price = ratio / 100 * 99;
    queue_fail(COLD, V1, &clip, YUMA_CALL_ERR_PRICE_LIMIT, "the price is already beyond the limit");
    yuma_call tiny = swap_call(V1, 1, 2, 1000);
    queue_fail(COLD, V1, &tiny, YUMA_CALL_ERR_AMOUNT_TOO_LOW, "amount is below the minimum stake");
    yuma_call tiny_root = move_call(V1, V1, 0, 1, 2000000); /* exactly the minimum: must be above it */
    queue_fail(COLD, V1, &tiny_root, YUMA_CALL_ERR_AMOUNT_TOO_LOW, "amount is below the minimum stake");
    yuma_call root_above = move_call(V1, V1, 0, 1, 10 * TAO);
    root_above.limit_price = 1000000000ull * 1000000000ull; /* asks pool 1's price to stay at or below 1 rao */
    queue_fail(COLD, V1, &root_above, YUMA_CALL_ERR_PRICE_LIMIT, "the price is already beyond the limit");
    yuma_call to_root = swap_call(V1, 1, 0, 10 * TAO);
    to_root.limit_price = 1000000ull * TAO; /* a sell may not push pool 1's price below 1e6 TAO */
    queue_fail(COLD, V1, &to_root, YUMA_CALL_ERR_PRICE_LIMIT, "the price is already beyond the limit");
    block();

    /* With allow_partial the amount is clipped to the closed form. */
    s1 = subnet(1);
    s2 = subnet(2);
    clip.limit_price = ratio_rao(&s1, &s2) / 100 * 99;
    clip.allow_partial = true;
    block_apart(COLD, V1, &clip);
    subnet_rec p1 = seen(1), p2 = seen(2);
    uint64_t max = expected_max_move(&p1, &p2, clip.limit_price);
    assert_true(max > 0 && max < 100 * TAO);
    assert_near(stake(V1, V1, 1), twin_stake(V1, V1, 1) - max);
    yuma_swap_result sell, fee_sale, buy;
    swap_ok(&p1.pool, YUMA_SWAP_SELL, max, FEE_RATE, false, &sell);
    swap_ok(&p1.pool, YUMA_SWAP_SELL, sell.fee, FEE_RATE, true, &fee_sale);
    swap_ok(&p2.pool, YUMA_SWAP_BUY, sell.delta_out, FEE_RATE, true, &buy);
    assert_int_equal(stake(V1, V1, 2), buy.delta_out);
    world_free();
}

int main(void)
{
    make_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_axon),
        cmocka_unit_test(test_set_commitment),
        cmocka_unit_test(test_scale_compact_and_hash),
        cmocka_unit_test(test_commit_epoch_lookahead),
        cmocka_unit_test(test_commit_reveal),
        cmocka_unit_test(test_delegate_take),
        cmocka_unit_test(test_childkey_take),
        cmocka_unit_test(test_set_children),
        cmocka_unit_test(test_children_before_start_and_threshold),
        cmocka_unit_test(test_hyperparameters),
        cmocka_unit_test(test_hyperparameter_timing),
        cmocka_unit_test(test_stake_moves_same_subnet),
        cmocka_unit_test(test_swap_between_subnets),
        cmocka_unit_test(test_move_from_root),
        cmocka_unit_test(test_transfer_to_root),
        cmocka_unit_test(test_stake_move_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
