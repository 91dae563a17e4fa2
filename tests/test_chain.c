/*
 * test_chain.c - the chain state machine at the level of blocks: genesis
 * rules, transfers and their error paths, every reason a block is invalid
 * (each leaving height and state root unchanged), fees to the author,
 * supply conservation and agreement of two independent instances over a
 * long seeded sequence of blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/chain.h"
#include "yuma/tx.h"

#define USERS 8

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

static yuma_account acct(int i)
{
    yuma_account a;
    memcpy(a.bytes, users[i].pk, 32);
    return a;
}

static yuma_chain *new_chain(uint64_t chain_id)
{
    yuma_genesis_balance bal[USERS];
    for (int i = 0; i < USERS; i++) {
        bal[i].account = acct(i);
        bal[i].balance = (uint64_t)(i + 1) * 1000 * 1000000000ull;
    }
    yuma_genesis g = {.chain_id = chain_id, .params = yuma_chain_params_default(), .balance_count = USERS,
                      .balances = bal};
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    return c;
}

/* A signed, encoded transaction (the encoding buffer is static per slot). */
typedef struct {
    uint8_t bytes[512];
    size_t len;
} encoded;

static encoded sign_tx(yuma_chain *c, int from, uint64_t nonce, uint64_t fee, const yuma_call *call)
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(c);
    yuma_chain_genesis_hash(c, tx.genesis_hash);
    tx.signer = acct(from);
    tx.nonce = nonce;
    tx.fee = fee;
    tx.call = *call;
    assert_true(yuma_tx_sign(&tx, users[from].sk));
    encoded e;
    e.len = yuma_tx_encode(&tx, e.bytes, sizeof e.bytes);
    assert_true(e.len > 0);
    return e;
}

static yuma_call transfer_call(int to, uint64_t amount)
{
    static yuma_call call;
    memset(&call, 0, sizeof call);
    call.kind = YUMA_CALL_TRANSFER;
    call.dest = acct(to);
    call.amount = amount;
    return call;
}

static yuma_chain_status apply(yuma_chain *c, const encoded *txs, size_t n, yuma_block_result *res)
{
    yuma_tx_bytes raw[16];
    for (size_t i = 0; i < n; i++) raw[i] = (yuma_tx_bytes){txs[i].bytes, txs[i].len};
    yuma_block b = {.height = yuma_chain_height(c) + 1, .author = author, .tx_count = n, .txs = raw};
    yuma_chain_last_hash(c, b.parent_hash);
    return yuma_chain_apply_block(c, &b, res);
}

static uint64_t fee_for(yuma_chain *c, const encoded *e)
{
    return yuma_chain_min_fee(c, e->len);
}

static void assert_supply(yuma_chain *c)
{
    char detail[160];
    if (!yuma_chain_audit_supply(c, detail, sizeof detail)) {
        print_error("supply audit: %s\n", detail);
        fail();
    }
}

static void test_genesis(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(7);
    assert_int_equal(yuma_chain_balance(c, &(yuma_account){{0}}), 0);
    yuma_account a3 = acct(3);
    assert_int_equal(yuma_chain_balance(c, &a3), 4000 * 1000000000ull);
    assert_int_equal(yuma_chain_total_issuance(c), 36000 * 1000000000ull);
    assert_int_equal(yuma_chain_height(c), 0);
    assert_supply(c);
    yuma_chain *d = new_chain(8);
    uint8_t h1[32], h2[32];
    yuma_chain_genesis_hash(c, h1);
    yuma_chain_genesis_hash(d, h2);
    assert_memory_not_equal(h1, h2, 32);
    yuma_chain_free(d);
    yuma_chain_free(c);

    yuma_genesis_balance dup[2] = {{acct(0), 5}, {acct(0), 6}};
    yuma_genesis g = {.chain_id = 1, .params = yuma_chain_params_default(), .balance_count = 2, .balances = dup};
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_ERR_GENESIS);
    assert_null(c);
    yuma_genesis_balance over[2] = {{acct(0), YUMA_TOTAL_SUPPLY}, {acct(1), 1}};
    g.balances = over;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_ERR_GENESIS);
    assert_string_equal(yuma_chain_strerror(YUMA_CHAIN_ERR_GENESIS),
                        "invalid genesis: duplicate account or supply above 21M TAO");
}

static void test_transfer(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1);
    yuma_call call = transfer_call(1, 5 * 1000000000ull);
    encoded probe = sign_tx(c, 0, 0, 0, &call);
    uint64_t fee = fee_for(c, &probe);
    encoded tx = sign_tx(c, 0, 0, fee, &call);
    uint8_t before[32];
    yuma_chain_state_root(c, before);
    yuma_block_result res;
    assert_int_equal(apply(c, &tx, 1, &res), YUMA_CHAIN_OK);
    assert_int_equal(res.call_status[0], YUMA_CALL_OK);
    assert_memory_not_equal(before, res.state_root, 32);
    free(res.call_status);
    yuma_account a0 = acct(0), a1 = acct(1);
    assert_int_equal(yuma_chain_balance(c, &a0), 1000 * 1000000000ull - 5 * 1000000000ull - fee);
    assert_int_equal(yuma_chain_balance(c, &a1), 2000 * 1000000000ull + 5 * 1000000000ull);
    assert_int_equal(yuma_chain_balance(c, &author), fee);
    assert_int_equal(yuma_chain_nonce(c, &a0), 1);
    assert_int_equal(yuma_chain_height(c), 1);
    assert_supply(c);
    yuma_chain_free(c);
}

/* A failing call pays its fee and advances the nonce, and changes nothing
 * else: the state root equals that of a twin chain whose transaction made a
 * call with no effect at all. */
static void check_failed_call(yuma_call call, yuma_call_status want, const char *message)
{
    yuma_chain *c = new_chain(1), *twin = new_chain(1);
    encoded probe = sign_tx(c, 0, 0, 0, &call);
    uint64_t fee = fee_for(c, &probe) + 100000; /* room for the twin call's different size */
    encoded tx = sign_tx(c, 0, 0, fee, &call);
    yuma_call inert;
    memset(&inert, 0, sizeof inert);
    inert.kind = YUMA_CALL_TRANSFER;
    inert.dest = acct(2);
    inert.amount = 0; /* zero-amount transfer: rejected, no effect */
    encoded twin_tx = sign_tx(twin, 0, 0, fee, &inert);
    yuma_block_result res, tres;
    assert_int_equal(apply(c, &tx, 1, &res), YUMA_CHAIN_OK);
    assert_int_equal(apply(twin, &twin_tx, 1, &tres), YUMA_CHAIN_OK);
    assert_int_equal(res.call_status[0], want);
    assert_string_equal(yuma_call_strerror(want), message);
    assert_memory_equal(res.state_root, tres.state_root, 32);
    yuma_account a0 = acct(0);
    assert_int_equal(yuma_chain_balance(c, &a0), 1000 * 1000000000ull - fee);
    assert_int_equal(yuma_chain_nonce(c, &a0), 1);
    assert_supply(c);
    free(res.call_status);
    free(tres.call_status);
    yuma_chain_free(c);
    yuma_chain_free(twin);
}

static void test_transfer_errors(void **state)
{
    (void)state;
    check_failed_call(transfer_call(1, 1000 * 1000000000ull), YUMA_CALL_ERR_INSUFFICIENT_BALANCE,
                      "balance is too low for this amount");
    check_failed_call(transfer_call(0, 1), YUMA_CALL_ERR_SELF_TRANSFER, "cannot transfer to the sending account");
    yuma_call unsupported;
    memset(&unsupported, 0, sizeof unsupported);
    unsupported.kind = YUMA_CALL_ROOT_REGISTER;
    unsupported.hotkey = acct(1);
    check_failed_call(unsupported, YUMA_CALL_ERR_UNSUPPORTED, "this call is not offered by this version of the chain");
}

/* Each invalid transaction makes its block invalid and changes nothing. */
static void check_invalid_block(yuma_chain *c, const encoded *txs, size_t n, yuma_chain_status want, size_t bad)
{
    uint8_t before[32], after[32], hash_before[32], hash_after[32];
    yuma_chain_state_root(c, before);
    yuma_chain_last_hash(c, hash_before);
    uint64_t height = yuma_chain_height(c);
    yuma_block_result res;
    assert_int_equal(apply(c, txs, n, &res), want);
    assert_int_equal(res.failed_tx, bad);
    assert_null(res.call_status);
    yuma_chain_state_root(c, after);
    yuma_chain_last_hash(c, hash_after);
    assert_memory_equal(before, after, 32);
    assert_memory_equal(hash_before, hash_after, 32);
    assert_int_equal(yuma_chain_height(c), height);
    assert_supply(c);
}

static void test_invalid_blocks(void **state)
{
    (void)state;
    yuma_chain *c = new_chain(1), *other = new_chain(2);
    yuma_call call = transfer_call(1, 1000);
    encoded probe = sign_tx(c, 0, 0, 0, &call);
    uint64_t fee = fee_for(c, &probe);
    encoded good = sign_tx(c, 0, 0, fee, &call);

    encoded bad_sig = good;
    bad_sig.bytes[bad_sig.len - 1] ^= 1;
    encoded pair[2] = {good, bad_sig};
    check_invalid_block(c, pair, 2, YUMA_CHAIN_ERR_TX_SIGNATURE, 1);
    assert_string_equal(yuma_chain_strerror(YUMA_CHAIN_ERR_TX_SIGNATURE), "transaction signature does not verify");

    encoded foreign = sign_tx(other, 0, 0, fee, &call); /* other chain id and genesis */
    check_invalid_block(c, &foreign, 1, YUMA_CHAIN_ERR_TX_CHAIN, 0);

    encoded replay[2] = {good, good};
    check_invalid_block(c, replay, 2, YUMA_CHAIN_ERR_TX_NONCE, 1);
    encoded future = sign_tx(c, 0, 5, fee, &call);
    check_invalid_block(c, &future, 1, YUMA_CHAIN_ERR_TX_NONCE, 0);

    encoded cheap = sign_tx(c, 0, 0, fee - 1, &call);
    check_invalid_block(c, &cheap, 1, YUMA_CHAIN_ERR_TX_FEE_TOO_LOW, 0);

    /* a key with no balance cannot pay */
    unsigned char pk[32], sk[64], seed[32] = {99};
    crypto_sign_seed_keypair(pk, sk, seed);
    users[USERS - 1] = (user){{0}, {0}};
    memcpy(users[USERS - 1].pk, pk, 32);
    memcpy(users[USERS - 1].sk, sk, 64);
    encoded broke = sign_tx(c, USERS - 1, 0, fee, &call);
    check_invalid_block(c, &broke, 1, YUMA_CHAIN_ERR_TX_CANNOT_PAY_FEE, 0);
    make_users();

    encoded garbage = good;
    garbage.len = 10;
    check_invalid_block(c, &garbage, 1, YUMA_CHAIN_ERR_TX_DECODE, 0);

    /* wrong height and wrong parent */
    yuma_tx_bytes raw = {good.bytes, good.len};
    yuma_block b = {.height = 5, .author = author, .tx_count = 1, .txs = &raw};
    yuma_chain_last_hash(c, b.parent_hash);
    yuma_block_result res;
    assert_int_equal(yuma_chain_apply_block(c, &b, &res), YUMA_CHAIN_ERR_HEIGHT);
    b.height = 1;
    b.parent_hash[0] ^= 1;
    assert_int_equal(yuma_chain_apply_block(c, &b, &res), YUMA_CHAIN_ERR_PARENT);

    /* and the good transaction alone still applies */
    assert_int_equal(apply(c, &good, 1, &res), YUMA_CHAIN_OK);
    free(res.call_status);
    yuma_chain_free(c);
    yuma_chain_free(other);
}

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Two instances fed the same blocks agree on every root; supply is
 * conserved every block; a pre-verified block gives the same result. */
static void test_random_blocks_agree(void **state)
{
    (void)state;
    yuma_chain *a = new_chain(3), *b = new_chain(3);
    rng r = {2024};
    uint64_t nonces[USERS] = {0};
    for (int blk = 0; blk < 200; blk++) {
        encoded txs[16];
        size_t n = next(&r) % 16;
        for (size_t i = 0; i < n; i++) {
            int from = (int)(next(&r) % USERS), to = (int)(next(&r) % USERS);
            uint64_t amount = next(&r) % 4 == 0 ? 0 : next(&r) % (2000 * 1000000000ull);
            yuma_call call = transfer_call(to, amount);
            encoded probe = sign_tx(a, from, nonces[from], 0, &call);
            txs[i] = sign_tx(a, from, nonces[from], fee_for(a, &probe) + next(&r) % 1000, &call);
            nonces[from]++;
        }
        yuma_block_result ra, rb;
        assert_int_equal(apply(a, txs, n, &ra), YUMA_CHAIN_OK);
        yuma_tx_bytes raw[16];
        for (size_t i = 0; i < n; i++) raw[i] = (yuma_tx_bytes){txs[i].bytes, txs[i].len};
        yuma_block blk_b = {.height = yuma_chain_height(b) + 1, .author = author, .tx_count = n, .txs = raw,
                            .signatures_verified = blk % 2 == 0};
        yuma_chain_last_hash(b, blk_b.parent_hash);
        assert_int_equal(yuma_chain_apply_block(b, &blk_b, &rb), YUMA_CHAIN_OK);
        assert_memory_equal(ra.state_root, rb.state_root, 32);
        assert_memory_equal(ra.block_hash, rb.block_hash, 32);
        for (size_t i = 0; i < n; i++) assert_int_equal(ra.call_status[i], rb.call_status[i]);
        free(ra.call_status);
        free(rb.call_status);
        assert_supply(a);
    }
    yuma_chain_free(a);
    yuma_chain_free(b);
}

int main(void)
{
    make_users();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),
        cmocka_unit_test(test_transfer),
        cmocka_unit_test(test_transfer_errors),
        cmocka_unit_test(test_invalid_blocks),
        cmocka_unit_test(test_random_blocks_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
