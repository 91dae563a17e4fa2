/*
 * test_mempool.c - the transaction pool: every admission refusal with its
 * message, the replacement rule, each limit, block selection (nonce order
 * per signer, fee order across signers with the id tie-break, gaps,
 * fees beyond the balance), that a selection is a block the chain accepts,
 * cleanup after a block, and that batch submission on the worker threads
 * (also in its two-phase form, check then admit) gives exactly the results
 * and the pool of one-by-one submission.
 *
 * Out of memory is not simulated: those paths only release what they took
 * and report YUMA_MEMPOOL_ERR_NOMEM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yuma/chain.h"
#include "yuma/mempool.h"
#include "yuma/tx.h"

#define USERS 8
#define POOR 7 /* user 7 starts with POOR_BALANCE rao */
#define POOR_BALANCE 250000ull
#define TAO 1000000000ull

typedef struct {
    unsigned char pk[32], sk[64];
} user;

static user users[USERS];
static yuma_account author;

static void make_users(void)
{
    for (int i = 0; i < USERS; i++) {
        unsigned char seed[32] = {0};
        seed[0] = (unsigned char)(i + 1);
        crypto_sign_seed_keypair(users[i].pk, users[i].sk, seed);
    }
    memset(author.bytes, 0xAA, 32);
}

static yuma_account user_account(int i)
{
    yuma_account a;
    memcpy(a.bytes, users[i].pk, 32);
    return a;
}

static yuma_chain *new_chain(uint64_t chain_id)
{
    yuma_genesis_balance bal[USERS];
    for (int i = 0; i < USERS; i++) {
        bal[i].account = user_account(i);
        bal[i].balance = i == POOR ? POOR_BALANCE : (uint64_t)(i + 1) * 1000 * TAO;
    }
    yuma_genesis g = {.chain_id = chain_id, .params = yuma_chain_params_default(), .balance_count = USERS,
                      .balances = bal};
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    return c;
}

typedef struct {
    uint8_t bytes[512];
    size_t len;
} encoded;

static yuma_tx scratch_tx;

static encoded sign_call(const yuma_chain *c, int from, uint64_t nonce, uint64_t fee, const yuma_call *call)
{
    memset(&scratch_tx, 0, sizeof scratch_tx);
    scratch_tx.chain_id = yuma_chain_id(c);
    yuma_chain_genesis_hash(c, scratch_tx.genesis_hash);
    scratch_tx.signer = user_account(from);
    scratch_tx.nonce = nonce;
    scratch_tx.fee = fee;
    scratch_tx.call = *call;
    assert_true(yuma_tx_sign(&scratch_tx, users[from].sk));
    encoded e;
    e.len = yuma_tx_encode(&scratch_tx, e.bytes, sizeof e.bytes);
    assert_true(e.len > 0);
    return e;
}

static yuma_call call_buf;

/* A transfer of `amount` rao to user (from + 1) % USERS. */
static encoded transfer(const yuma_chain *c, int from, uint64_t nonce, uint64_t fee, uint64_t amount)
{
    memset(&call_buf, 0, sizeof call_buf);
    call_buf.kind = YUMA_CALL_TRANSFER;
    call_buf.dest = user_account((from + 1) % USERS);
    call_buf.amount = amount;
    return sign_call(c, from, nonce, fee, &call_buf);
}

#define TRANSFER_LEN 194
static uint64_t min_fee(const yuma_chain *c)
{
    return yuma_chain_min_fee(c, TRANSFER_LEN);
}

static void id_of(const encoded *e, uint8_t id[32])
{
    crypto_generichash(id, 32, e->bytes, e->len, NULL, 0);
}

static yuma_mempool *new_pool(size_t max_count, size_t max_bytes, size_t per_sender, uint64_t window)
{
    yuma_mempool_config cfg = yuma_mempool_config_default();
    if (max_count) cfg.max_count = max_count;
    if (max_bytes) cfg.max_bytes = max_bytes;
    if (per_sender) cfg.max_per_sender = per_sender;
    if (window) cfg.nonce_window = window;
    yuma_mempool *p = yuma_mempool_new(&cfg);
    assert_non_null(p);
    return p;
}

static yuma_mempool_status submit(yuma_mempool *p, const yuma_chain *c, const encoded *e, yuma_mempool_result *r)
{
    return yuma_mempool_submit(p, c, e->bytes, e->len, r);
}

static void expect(yuma_mempool *p, const yuma_chain *c, const encoded *e, yuma_mempool_status st, const char *msg)
{
    yuma_mempool_result r;
    assert_int_equal(submit(p, c, e, &r), st);
    assert_int_equal(r.status, st);
    assert_string_equal(r.message, msg);
}

static void accept(yuma_mempool *p, const yuma_chain *c, const encoded *e)
{
    expect(p, c, e, YUMA_MEMPOOL_OK, "accepted");
}

/* Applies txs as the next block, authored by `author`. */
static void apply_block(yuma_chain *c, const yuma_tx_bytes *txs, size_t n, bool verified)
{
    yuma_block b = {.height = yuma_chain_height(c) + 1, .author = author, .tx_count = n, .txs = txs,
                    .signatures_verified = verified};
    yuma_chain_last_hash(c, b.parent_hash);
    yuma_block_result res;
    assert_int_equal(yuma_chain_apply_block(c, &b, &res), YUMA_CHAIN_OK);
    free(res.call_status);
}

/* ---- admission ---- */

static void test_defaults_and_workers(void **state)
{
    (void)state;
    yuma_mempool_config d = yuma_mempool_config_default();
    assert_int_equal(d.max_count, 8192);
    assert_int_equal(d.max_bytes, 32u * 1024 * 1024);
    assert_int_equal(d.max_per_sender, 64);
    assert_int_equal(d.nonce_window, 64);
    assert_int_equal(d.max_tx_size, YUMA_TX_MAX_ENCODED);
    yuma_mempool *p = yuma_mempool_new(NULL);
    assert_non_null(p);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(yuma_mempool_workers(p), (unsigned)(cpus > 0 ? cpus : 1));
    yuma_mempool_free(p);
    yuma_mempool_config two = d;
    two.workers = 2;
    p = yuma_mempool_new(&two);
    assert_int_equal(yuma_mempool_workers(p), 2);
    yuma_mempool_free(p);
    yuma_mempool_free(NULL);
}

static void test_rejections(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t fee = min_fee(c);
    assert_int_equal(fee, 119400);
    yuma_mempool_config cfg = yuma_mempool_config_default();
    cfg.max_tx_size = TRANSFER_LEN;
    yuma_mempool *p = yuma_mempool_new(&cfg);
    assert_non_null(p);
    char msg[300];

    /* size: a commitment of 40 bytes encodes to 198 bytes */
    yuma_call commit;
    memset(&commit, 0, sizeof commit);
    commit.kind = YUMA_CALL_SET_COMMITMENT;
    commit.netuid = 1;
    commit.data_len = 40;
    encoded big = sign_call(c, 0, 0, 10 * fee, &commit);
    assert_int_equal(big.len, 198);
    expect(p, c, &big, YUMA_MEMPOOL_ERR_TOO_LARGE, "transaction is 198 bytes; the pool accepts at most 194");

    /* canonical decoding: one byte short, then one byte too many */
    encoded good = transfer(c, 0, 0, fee, TAO);
    encoded bad = good;
    bad.len--;
    expect(p, c, &bad, YUMA_MEMPOOL_ERR_DECODE,
           "transaction is not a canonical encoding: transaction ends inside a field; encode it as "
           "docs/TRANSACTIONS.md says");
    bad = good;
    bad.bytes[0] = 2;
    expect(p, c, &bad, YUMA_MEMPOOL_ERR_DECODE,
           "transaction is not a canonical encoding: unsupported transaction version; encode it as "
           "docs/TRANSACTIONS.md says");
    yuma_mempool_result r;
    assert_int_equal(yuma_mempool_submit(p, c, NULL, 0, &r), YUMA_MEMPOOL_ERR_DECODE);

    /* another chain: same keys, chain id 2 */
    yuma_chain *other = new_chain(2);
    encoded foreign = transfer(other, 0, 0, fee, TAO);
    uint8_t g1[32], g2[32];
    yuma_chain_genesis_hash(c, g1);
    yuma_chain_genesis_hash(other, g2);
    char h1[17], h2[17];
    for (int i = 0; i < 8; i++) {
        snprintf(h1 + 2 * i, 3, "%02x", g1[i]);
        snprintf(h2 + 2 * i, 3, "%02x", g2[i]);
    }
    snprintf(msg, sizeof msg,
             "transaction is signed for chain 2, genesis %s...; this node is chain 1, genesis %s...: sign it for "
             "this chain",
             h2, h1);
    expect(p, c, &foreign, YUMA_MEMPOOL_ERR_CHAIN, msg);
    yuma_chain_free(other);

    /* signature: one flipped bit of the signature, and of the payload */
    bad = good;
    bad.bytes[bad.len - 1] ^= 1;
    char who[17];
    for (int i = 0; i < 8; i++) snprintf(who + 2 * i, 3, "%02x", users[0].pk[i]);
    snprintf(msg, sizeof msg, "signature does not verify for signer %s...; sign the exact payload with the signer's key",
             who);
    expect(p, c, &bad, YUMA_MEMPOOL_ERR_SIGNATURE, msg);
    bad = good;
    bad.bytes[100] ^= 1; /* the transfer's dest */
    expect(p, c, &bad, YUMA_MEMPOOL_ERR_SIGNATURE, msg);

    /* fee one rao short */
    encoded cheap = transfer(c, 0, 0, fee - 1, TAO);
    expect(p, c, &cheap, YUMA_MEMPOOL_ERR_FEE_TOO_LOW,
           "fee 119399 rao is below the minimum 119400 rao for 194 bytes; offer at least 119400");

    /* nonce beyond the window (64): 64 is accepted, 65 is not */
    encoded far = transfer(c, 1, 65, fee, TAO);
    expect(p, c, &far, YUMA_MEMPOOL_ERR_NONCE_TOO_FAR,
           "nonce 65 is more than 64 ahead of the account's next nonce 0; the pool accepts nonces 0 to 64 until "
           "earlier ones are included");
    encoded edge = transfer(c, 1, 64, fee, TAO);
    accept(p, c, &edge);

    /* balance below the fee */
    encoded poor = transfer(c, POOR, 0, POOR_BALANCE + 1, 1);
    expect(p, c, &poor, YUMA_MEMPOOL_ERR_CANNOT_PAY_FEE,
           "balance 250000 rao cannot pay the fee 250001 rao; fund the account or lower the fee (minimum 119400)");

    /* accepted, then the same bytes again */
    accept(p, c, &good);
    uint8_t id[32];
    id_of(&good, id);
    assert_true(yuma_mempool_contains(p, id));
    assert_int_equal(submit(p, c, &good, &r), YUMA_MEMPOOL_ERR_DUPLICATE);
    assert_memory_equal(r.id, id, 32);
    assert_string_equal(r.message, "transaction is already pending; wait for a block to include it");

    /* nonce already used: the chain includes nonce 0 of user 2 */
    encoded used0 = transfer(c, 2, 0, fee, TAO);
    yuma_tx_bytes raw = {used0.bytes, used0.len};
    apply_block(c, &raw, 1, false);
    encoded used = transfer(c, 2, 0, fee, 2 * TAO);
    expect(p, c, &used, YUMA_MEMPOOL_ERR_NONCE_USED, "nonce 0 is already used; the account's next nonce is 1");

    assert_int_equal(yuma_mempool_count(p), 2);
    assert_int_equal(yuma_mempool_bytes(p), 2 * TRANSFER_LEN);
    for (int s = 0; s <= YUMA_MEMPOOL_ERR_POOL_BYTES; s++)
        assert_true(strlen(yuma_mempool_strerror((yuma_mempool_status)s)) > 0);
    assert_string_equal(yuma_mempool_strerror(YUMA_MEMPOOL_ERR_UNDERPRICED),
                        "a transaction with this nonce is pending with a fee at least as high");
    assert_string_equal(yuma_mempool_strerror((yuma_mempool_status)99), "unknown mempool status");
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

static void test_replacement(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t fee = min_fee(c);
    yuma_mempool *p = new_pool(0, 0, 0, 0);
    encoded first = transfer(c, 0, 0, fee + 10, TAO);
    accept(p, c, &first);

    encoded equal = transfer(c, 0, 0, fee + 10, 2 * TAO);
    expect(p, c, &equal, YUMA_MEMPOOL_ERR_UNDERPRICED,
           "nonce 0 of this account is pending with fee 119410 rao; a replacement must offer more than 119410");
    encoded lower = transfer(c, 0, 0, fee + 9, 2 * TAO);
    expect(p, c, &lower, YUMA_MEMPOOL_ERR_UNDERPRICED,
           "nonce 0 of this account is pending with fee 119410 rao; a replacement must offer more than 119410");

    encoded higher = transfer(c, 0, 0, fee + 11, 2 * TAO);
    yuma_mempool_result r;
    assert_int_equal(submit(p, c, &higher, &r), YUMA_MEMPOOL_OK);
    uint8_t old_id[32], new_id[32];
    id_of(&first, old_id);
    id_of(&higher, new_id);
    assert_true(r.replaced);
    assert_memory_equal(r.replaced_id, old_id, 32);
    assert_memory_equal(r.id, new_id, 32);
    char was[17], msg[200];
    for (int i = 0; i < 8; i++) snprintf(was + 2 * i, 3, "%02x", old_id[i]);
    snprintf(msg, sizeof msg, "accepted, replacing %s... (fee 119410 rao, now 119411)", was);
    assert_string_equal(r.message, msg);
    assert_false(yuma_mempool_contains(p, old_id));
    assert_true(yuma_mempool_contains(p, new_id));
    assert_int_equal(yuma_mempool_count(p), 1);

    /* the replaced transaction is gone: resubmitting it is underpriced */
    expect(p, c, &first, YUMA_MEMPOOL_ERR_UNDERPRICED,
           "nonce 0 of this account is pending with fee 119411 rao; a replacement must offer more than 119411");

    yuma_mempool_block b;
    assert_int_equal(yuma_mempool_next_block(p, c, 10, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 1);
    assert_memory_equal(b.ids[0], new_id, 32);
    yuma_mempool_block_free(&b);

    /* a replacement is refused when its larger size passes max_bytes */
    yuma_mempool *small = new_pool(0, TRANSFER_LEN + 3, 0, 0);
    accept(small, c, &first);
    yuma_call commit;
    memset(&commit, 0, sizeof commit);
    commit.kind = YUMA_CALL_SET_COMMITMENT;
    commit.netuid = 1;
    commit.data_len = 40; /* 198 bytes */
    encoded bigger = sign_call(c, 0, 0, 2 * fee, &commit);
    expect(small, c, &bigger, YUMA_MEMPOOL_ERR_POOL_BYTES,
           "the pool holds 194 bytes and replacing with this transaction's 198 would pass its limit of 197; retry "
           "after the next block");
    assert_true(yuma_mempool_contains(small, old_id));
    yuma_mempool_free(small);
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

static void test_limits(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t fee = min_fee(c);

    yuma_mempool *p = new_pool(0, 0, 3, 0);
    for (uint64_t n = 0; n < 3; n++) {
        encoded e = transfer(c, 0, n, fee, TAO);
        accept(p, c, &e);
    }
    encoded fourth = transfer(c, 0, 3, fee, TAO);
    expect(p, c, &fourth, YUMA_MEMPOOL_ERR_SENDER_LIMIT,
           "the account has 3 pending transactions, the most the pool allows per sender; wait for a block to "
           "include some");
    assert_int_equal(yuma_mempool_sender_count(p, &(yuma_account){{0}}), 0);
    yuma_account a0 = user_account(0);
    assert_int_equal(yuma_mempool_sender_count(p, &a0), 3);
    /* a replacement does not add to the sender's count */
    encoded again = transfer(c, 0, 1, fee + 1, TAO);
    yuma_mempool_result r;
    assert_int_equal(submit(p, c, &again, &r), YUMA_MEMPOOL_OK);
    assert_true(r.replaced);
    encoded other = transfer(c, 1, 0, fee, TAO);
    accept(p, c, &other);
    yuma_mempool_free(p);

    p = new_pool(2, 0, 0, 0);
    encoded a = transfer(c, 0, 0, fee, TAO), b = transfer(c, 1, 0, fee, TAO), d = transfer(c, 2, 0, fee, TAO);
    accept(p, c, &a);
    accept(p, c, &b);
    expect(p, c, &d, YUMA_MEMPOOL_ERR_POOL_FULL,
           "the pool holds 2 transactions, its limit; retry after the next block");
    yuma_mempool_free(p);

    p = new_pool(0, 2 * TRANSFER_LEN + 100, 0, 0);
    accept(p, c, &a);
    accept(p, c, &b);
    expect(p, c, &d, YUMA_MEMPOOL_ERR_POOL_BYTES,
           "the pool holds 388 bytes and this transaction's 194 would pass its limit of 488; retry after the next "
           "block");
    /* after a removal there is room again */
    uint8_t id[32];
    id_of(&a, id);
    assert_true(yuma_mempool_remove(p, id));
    assert_false(yuma_mempool_remove(p, id));
    accept(p, c, &d);
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

/* ---- block selection ---- */

static void test_ordering(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t f = min_fee(c);
    yuma_mempool *p = new_pool(0, 0, 0, 0);
    /* user 0: nonces 0, 1, 2 with rising fees; user 1: one high fee;
     * user 2: nonce 0 cheap, nonce 1 the most generous of all; users 3
     * and 4 tie on fee. Submission order is scrambled on purpose. */
    encoded u0n2 = transfer(c, 0, 2, f + 500, TAO), u0n0 = transfer(c, 0, 0, f + 100, TAO),
            u0n1 = transfer(c, 0, 1, f + 300, TAO), u1 = transfer(c, 1, 0, f + 400, TAO),
            u2n1 = transfer(c, 2, 1, f + 1000, TAO), u2n0 = transfer(c, 2, 0, f, TAO),
            u3 = transfer(c, 3, 0, f + 200, TAO), u4 = transfer(c, 4, 0, f + 200, TAO);
    const encoded *order_in[] = {&u0n2, &u2n1, &u3, &u0n0, &u1, &u4, &u0n1, &u2n0};
    for (size_t i = 0; i < 8; i++) accept(p, c, order_in[i]);

    uint8_t id3[32], id4[32];
    id_of(&u3, id3);
    id_of(&u4, id4);
    bool three_first = memcmp(id3, id4, 32) < 0;
    /* The heads are u0n0 (100), u1 (400), u2n0 (0), u3/u4 (200): take u1;
     * then u3/u4 by id, the other; then u0n0 (100) unlocks u0n1 (300) and
     * u0n2 (500); u2n0 (0) last unlocks u2n1 (1000). */
    const encoded *want[] = {&u1, three_first ? &u3 : &u4, three_first ? &u4 : &u3, &u0n0, &u0n1, &u0n2, &u2n0, &u2n1};
    yuma_mempool_block b;
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 8);
    uint64_t fees = 0;
    for (size_t i = 0; i < 8; i++) {
        uint8_t id[32];
        id_of(want[i], id);
        assert_memory_equal(b.ids[i], id, 32);
        assert_int_equal(b.txs[i].len, want[i]->len);
        assert_memory_equal(b.txs[i].data, want[i]->bytes, want[i]->len);
    }
    fees = 8 * f + 100 + 300 + 500 + 400 + 1000 + 200 + 200;
    assert_int_equal(b.total_fees, fees);
    yuma_mempool_block_free(&b);

    /* max_txs cuts the same order short */
    assert_int_equal(yuma_mempool_next_block(p, c, 3, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 3);
    uint8_t id1[32];
    id_of(&u1, id1);
    assert_memory_equal(b.ids[0], id1, 32);
    yuma_mempool_block_free(&b);
    assert_int_equal(yuma_mempool_next_block(p, c, 0, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 0);
    yuma_mempool_block_free(&b);
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

static void test_nonce_gaps(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t f = min_fee(c);
    yuma_mempool *p = new_pool(0, 0, 0, 0);
    /* user 0: 0, 1, 3 (gap at 2); user 1: 1, 2 (its nonce 0 missing) */
    encoded a0 = transfer(c, 0, 0, f, TAO), a1 = transfer(c, 0, 1, f, TAO), a3 = transfer(c, 0, 3, f, TAO),
            b1 = transfer(c, 1, 1, f + 9999, TAO), b2 = transfer(c, 1, 2, f + 9999, TAO);
    accept(p, c, &a3);
    accept(p, c, &a0);
    accept(p, c, &b2);
    accept(p, c, &a1);
    accept(p, c, &b1);
    yuma_account u0 = user_account(0), u1 = user_account(1);
    assert_int_equal(yuma_mempool_next_nonce(p, c, &u0), 2);
    assert_int_equal(yuma_mempool_next_nonce(p, c, &u1), 0);
    yuma_mempool_block b;
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 2);
    uint8_t id[32];
    id_of(&a0, id);
    assert_memory_equal(b.ids[0], id, 32);
    id_of(&a1, id);
    assert_memory_equal(b.ids[1], id, 32);
    yuma_mempool_block_free(&b);

    /* the gap filled, the whole run goes */
    encoded a2 = transfer(c, 0, 2, f, TAO);
    accept(p, c, &a2);
    assert_int_equal(yuma_mempool_next_nonce(p, c, &u0), 4);
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 4);
    yuma_mempool_block_free(&b);
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

/* Admission checks each fee against the balance; selection checks their
 * sum, so a signer's run stops where the balance runs out. A call that
 * spends the balance can still make a later fee unpayable: the chain then
 * refuses the block, names the transaction, and the producer drops it. */
static void test_fees_beyond_balance(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t f = min_fee(c); /* 119400: POOR_BALANCE (250000) pays two fees, not three */
    yuma_mempool *p = new_pool(0, 0, 0, 0);
    encoded n0 = transfer(c, POOR, 0, f, 1), n1 = transfer(c, POOR, 1, f, 1), n2 = transfer(c, POOR, 2, f, 1);
    accept(p, c, &n0);
    accept(p, c, &n1);
    accept(p, c, &n2);
    yuma_mempool_block b;
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.total_fees, 2 * f);
    apply_block(c, b.txs, b.count, true);
    yuma_mempool_remove_included(p, c, b.txs, b.count);
    yuma_mempool_block_free(&b);
    assert_int_equal(yuma_mempool_count(p), 1); /* nonce 2 waits for funds */
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 0);
    yuma_mempool_block_free(&b);
    yuma_mempool_free(p);
    yuma_chain_free(c);

    /* the transfer of nonce 0 spends what nonce 1's fee needed */
    c = new_chain(1);
    p = new_pool(0, 0, 0, 0);
    encoded spend = transfer(c, POOR, 0, f, 100000), starved = transfer(c, POOR, 1, f, 1);
    accept(p, c, &spend);
    accept(p, c, &starved);
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 2);
    yuma_block blk = {.height = 1, .author = author, .tx_count = b.count, .txs = b.txs, .signatures_verified = true};
    yuma_chain_last_hash(c, blk.parent_hash);
    yuma_block_result res;
    assert_int_equal(yuma_chain_apply_block(c, &blk, &res), YUMA_CHAIN_ERR_TX_CANNOT_PAY_FEE);
    assert_int_equal(res.failed_tx, 1);
    assert_true(yuma_mempool_remove(p, b.ids[res.failed_tx]));
    free(res.call_status);
    yuma_mempool_block_free(&b);
    assert_int_equal(yuma_mempool_next_block(p, c, 100, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 1);
    apply_block(c, b.txs, b.count, true);
    yuma_mempool_block_free(&b);
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

/* The selection is a valid block, and remove_included cleans up after it,
 * including a nonce another producer's block used. */
static void test_block_cycle(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    uint64_t f = min_fee(c);
    yuma_mempool *p = new_pool(0, 0, 0, 0);
    for (int u = 0; u < 5; u++)
        for (uint64_t n = 0; n < 4; n++) {
            encoded e = transfer(c, u, n, f + (uint64_t)u * 7 + n, TAO / 10);
            accept(p, c, &e);
        }
    encoded gap = transfer(c, 5, 1, f, TAO); /* never selectable until nonce 0 comes */
    accept(p, c, &gap);
    assert_int_equal(yuma_mempool_count(p), 21);

    yuma_mempool_block b;
    assert_int_equal(yuma_mempool_next_block(p, c, 12, &b), YUMA_MEMPOOL_OK);
    assert_int_equal(b.count, 12);
    yuma_account who = author;
    uint64_t before = yuma_chain_balance(c, &who);
    apply_block(c, b.txs, b.count, true);
    assert_int_equal(yuma_chain_balance(c, &who) - before, b.total_fees);
    assert_int_equal(yuma_mempool_remove_included(p, c, b.txs, b.count), 12);
    yuma_mempool_block_free(&b);
    assert_int_equal(yuma_mempool_count(p), 9);

    /* user 6 signs nonce 0 twice; another node's block includes the one
     * the pool does not hold: the pool's is dropped as stale */
    encoded mine = transfer(c, 6, 0, f, TAO), theirs = transfer(c, 6, 0, f, 2 * TAO);
    accept(p, c, &mine);
    yuma_tx_bytes raw = {theirs.bytes, theirs.len};
    apply_block(c, &raw, 1, false);
    assert_int_equal(yuma_mempool_remove_included(p, c, &raw, 1), 1);
    uint8_t id[32];
    id_of(&mine, id);
    assert_false(yuma_mempool_contains(p, id));

    /* the rest drains block by block; the gapped one stays */
    for (int round = 0; round < 4 && yuma_mempool_count(p) > 1; round++) {
        assert_int_equal(yuma_mempool_next_block(p, c, 5, &b), YUMA_MEMPOOL_OK);
        apply_block(c, b.txs, b.count, true);
        yuma_mempool_remove_included(p, c, b.txs, b.count);
        yuma_mempool_block_free(&b);
    }
    assert_int_equal(yuma_mempool_count(p), 1);
    id_of(&gap, id);
    assert_true(yuma_mempool_contains(p, id));
    char detail[160];
    assert_true(yuma_chain_audit_supply(c, detail, sizeof detail));
    yuma_mempool_free(p);
    yuma_chain_free(c);
}

/* ---- batches ---- */

/* A mixed stream: valid transfers, bad signatures, foreign chains,
 * truncations, duplicates, replacements, gaps and over-limit senders. */
static size_t mixed_stream(const yuma_chain *c, const yuma_chain *foreign, encoded *out, size_t cap)
{
    uint64_t f = min_fee(c);
    size_t n = 0;
    uint32_t rnd = 12345;
    for (size_t i = 0; n < cap; i++) {
        rnd = rnd * 1103515245u + 12345u;
        int u = (int)((rnd >> 8) % (USERS - 1));
        uint64_t nonce = (rnd >> 16) % 12;
        uint64_t fee = f + (rnd >> 4) % 50;
        encoded e = transfer((rnd >> 20) % 17 == 0 ? foreign : c, u, nonce, fee, 1 + i);
        switch ((rnd >> 24) % 10) {
        case 0: e.bytes[e.len - 5] ^= 0x40; break; /* bad signature */
        case 1: e.len -= 3; break;                 /* truncated */
        case 2:
            if (n > 0) e = out[n - 1];             /* duplicate */
            break;
        default: break;
        }
        out[n++] = e;
    }
    return n;
}

static void test_batch_equals_sequential(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1), *foreign = new_chain(9);
    enum { N = 300 };
    encoded *stream = malloc(N * sizeof *stream);
    size_t n = mixed_stream(c, foreign, stream, N);
    yuma_tx_bytes raw[N];
    for (size_t i = 0; i < n; i++) raw[i] = (yuma_tx_bytes){stream[i].bytes, stream[i].len};

    yuma_mempool_config cfg = yuma_mempool_config_default();
    cfg.max_per_sender = 6;
    cfg.workers = 4; /* more threads than this machine may have: the split must not matter */
    yuma_mempool *seq = yuma_mempool_new(&cfg), *bat = yuma_mempool_new(&cfg);
    yuma_mempool_result *rs = calloc(N, sizeof *rs), *rb = calloc(N, sizeof *rb);
    for (size_t i = 0; i < n; i++) yuma_mempool_submit(seq, c, raw[i].data, raw[i].len, &rs[i]);
    yuma_mempool_submit_batch(bat, c, raw, n, rb);
    size_t seen[YUMA_MEMPOOL_ERR_POOL_BYTES + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rs[i].status, rb[i].status);
        assert_memory_equal(rs[i].id, rb[i].id, 32);
        assert_int_equal(rs[i].replaced, rb[i].replaced);
        assert_memory_equal(rs[i].replaced_id, rb[i].replaced_id, 32);
        assert_string_equal(rs[i].message, rb[i].message);
        seen[rs[i].status]++;
    }
    /* the stream exercised the interesting outcomes */
    assert_true(seen[YUMA_MEMPOOL_OK] > 20);
    assert_true(seen[YUMA_MEMPOOL_ERR_SIGNATURE] > 0);
    assert_true(seen[YUMA_MEMPOOL_ERR_DECODE] > 0);
    assert_true(seen[YUMA_MEMPOOL_ERR_CHAIN] > 0);
    assert_true(seen[YUMA_MEMPOOL_ERR_DUPLICATE] > 0);
    assert_true(seen[YUMA_MEMPOOL_ERR_UNDERPRICED] > 0);
    assert_true(seen[YUMA_MEMPOOL_ERR_SENDER_LIMIT] > 0);
    size_t replaced = 0;
    for (size_t i = 0; i < n; i++) replaced += rs[i].replaced;
    assert_true(replaced > 0);

    /* same pools: same counts and the same next block */
    assert_int_equal(yuma_mempool_count(seq), yuma_mempool_count(bat));
    assert_int_equal(yuma_mempool_bytes(seq), yuma_mempool_bytes(bat));
    yuma_mempool_block bs, bb;
    assert_int_equal(yuma_mempool_next_block(seq, c, 1000, &bs), YUMA_MEMPOOL_OK);
    assert_int_equal(yuma_mempool_next_block(bat, c, 1000, &bb), YUMA_MEMPOOL_OK);
    assert_int_equal(bs.count, bb.count);
    assert_true(bs.count > 0);
    for (size_t i = 0; i < bs.count; i++) assert_memory_equal(bs.ids[i], bb.ids[i], 32);
    yuma_mempool_block_free(&bs);
    yuma_mempool_block_free(&bb);

    /* the two-phase form gives the same results again */
    yuma_mempool *two = yuma_mempool_new(&cfg);
    yuma_mempool_result *rt = calloc(N, sizeof *rt);
    yuma_mempool_checked *k = yuma_mempool_check(two, raw, n);
    assert_non_null(k);
    yuma_mempool_admit(two, c, k, rt);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rs[i].status, rt[i].status);
        assert_string_equal(rs[i].message, rt[i].message);
    }
    assert_int_equal(yuma_mempool_count(two), yuma_mempool_count(seq));
    yuma_mempool_checked_free(yuma_mempool_check(two, raw, n)); /* discarded unadmitted */
    assert_int_equal(yuma_mempool_count(two), yuma_mempool_count(seq));
    free(rt);
    yuma_mempool_free(two);

    /* verify_batch agrees with yuma_tx_verify on every item */
    bool *ok = calloc(N, sizeof *ok);
    yuma_mempool_verify_batch(bat, raw, n, ok);
    yuma_tx *tx = malloc(sizeof *tx);
    for (size_t i = 0; i < n; i++) {
        bool want = yuma_tx_decode(raw[i].data, raw[i].len, tx, NULL) == YUMA_TX_OK && yuma_tx_verify(tx);
        assert_int_equal(ok[i], want);
    }
    /* one worker gives the same answers */
    yuma_mempool_config one = cfg;
    one.workers = 1;
    yuma_mempool *single = yuma_mempool_new(&one);
    bool *ok1 = calloc(N, sizeof *ok1);
    yuma_mempool_verify_batch(single, raw, n, ok1);
    assert_memory_equal(ok, ok1, n * sizeof *ok);
    yuma_mempool_submit_batch(single, c, raw, 0, rb); /* an empty batch is a no-op */
    assert_int_equal(yuma_mempool_count(single), 0);

    free(ok1);
    yuma_mempool_free(single);
    free(tx);
    free(ok);
    free(rs);
    free(rb);
    free(stream);
    yuma_mempool_free(seq);
    yuma_mempool_free(bat);
    yuma_chain_free(foreign);
    yuma_chain_free(c);
}

int main(void)
{
    make_users();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_workers),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_replacement),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_ordering),
        cmocka_unit_test(test_nonce_gaps),
        cmocka_unit_test(test_fees_beyond_balance),
        cmocka_unit_test(test_block_cycle),
        cmocka_unit_test(test_batch_equals_sequential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
