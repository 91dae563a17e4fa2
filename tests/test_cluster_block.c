/*
 * test_cluster_block.c - the block encoding cluster mode stores in etcd and
 * serves to peers (include/yuma/cluster.h, src/cluster/block_codec.c).
 *
 * A real block (signed transfers, one of them a failing call) is applied by
 * the chain and encoded with its result: the bytes are checked field by
 * field against the documented layout, decoded back to the same fields,
 * and yuma_cluster_block_hash() of the decoded block must equal the hash
 * the chain itself computed while applying it (the two are written
 * independently). Every malformed input is refused with its message:
 * every truncation, a wrong magic, trailing bytes, an impossible count,
 * height 0, an unknown call status, an empty transaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "yuma/chain.h"
#include "yuma/cluster.h"
#include "yuma/tx.h"

#define USERS 3

static unsigned char pk[USERS][32], sk[USERS][64];
static yuma_genesis_balance balances[USERS];

static yuma_account account_of(int i)
{
    yuma_account a;
    memcpy(a.bytes, pk[i], 32);
    return a;
}

typedef struct {
    uint8_t bytes[512];
    size_t len;
} encoded;

static encoded sign_transfer(const yuma_chain *c, int from, int to, uint64_t amount, uint64_t nonce)
{
    yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(c);
    yuma_chain_genesis_hash(c, tx.genesis_hash);
    tx.signer = account_of(from);
    tx.nonce = nonce;
    tx.call.kind = YUMA_CALL_TRANSFER;
    tx.call.dest = account_of(to);
    tx.call.amount = amount;
    tx.fee = yuma_chain_min_fee(c, yuma_tx_encoded_size(&tx));
    encoded e = {.len = 0};
    assert_true(yuma_tx_sign(&tx, sk[from]));
    e.len = yuma_tx_encode(&tx, e.bytes, sizeof e.bytes);
    assert_true(e.len > 0);
    return e;
}

/* A chain at block 1 (empty), then block 2 with three transfers applied:
 * the third spends more than the signer has, so its call fails. */
typedef struct {
    yuma_chain *chain;
    encoded txs[3];
    yuma_tx_bytes raw[3];
    yuma_block block;
    yuma_block_result res;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    for (int i = 0; i < USERS; i++) {
        unsigned char seed[32] = {(unsigned char)(i + 7)};
        crypto_sign_seed_keypair(pk[i], sk[i], seed);
        balances[i] = (yuma_genesis_balance){account_of(i), 1000000000000ull};
    }
    yuma_genesis g = {.chain_id = 9, .params = yuma_chain_params_default(), .balance_count = USERS,
                      .balances = balances};
    if (!f || yuma_chain_new(&g, &f->chain) != YUMA_CHAIN_OK) return -1;
    yuma_block b1 = {.height = 1};
    memset(b1.author.bytes, 0x11, 32);
    yuma_chain_last_hash(f->chain, b1.parent_hash);
    yuma_block_result r1;
    if (yuma_chain_apply_block(f->chain, &b1, &r1) != YUMA_CHAIN_OK) return -1;
    free(r1.call_status);
    f->txs[0] = sign_transfer(f->chain, 0, 1, 5000, 0);
    f->txs[1] = sign_transfer(f->chain, 1, 2, 7000, 0);
    f->txs[2] = sign_transfer(f->chain, 2, 0, 1000000000000000ull, 0);
    for (int i = 0; i < 3; i++) f->raw[i] = (yuma_tx_bytes){f->txs[i].bytes, f->txs[i].len};
    f->block = (yuma_block){.height = 2, .tx_count = 3, .txs = f->raw};
    memset(f->block.author.bytes, 0x22, 32);
    yuma_chain_last_hash(f->chain, f->block.parent_hash);
    if (yuma_chain_apply_block(f->chain, &f->block, &f->res) != YUMA_CHAIN_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->res.call_status);
    yuma_chain_free(f->chain);
    free(f);
    return 0;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void test_layout(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->res.call_status[2], YUMA_CALL_ERR_INSUFFICIENT_BALANCE);
    uint8_t *enc;
    size_t len;
    assert_true(yuma_block_encode(&f->block, &f->res, &enc, &len));
    /* 4 + 8 + 4 x 32 + 4 header bytes, then 2 + 4 + len per transaction. */
    size_t want = 144;
    for (int i = 0; i < 3; i++) want += 6 + f->txs[i].len;
    assert_int_equal(len, want);
    assert_memory_equal(enc, "YBK1", 4);
    assert_int_equal(le64(enc + 4), 2);
    assert_memory_equal(enc + 12, f->block.parent_hash, 32);
    assert_memory_equal(enc + 44, f->block.author.bytes, 32);
    assert_memory_equal(enc + 76, f->res.state_root, 32);
    assert_memory_equal(enc + 108, f->res.block_hash, 32);
    assert_int_equal(enc[140], 3);
    assert_int_equal(enc[141] | enc[142] | enc[143], 0);
    size_t at = 144;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(enc[at] | enc[at + 1] << 8, (int)f->res.call_status[i]);
        assert_int_equal((size_t)(enc[at + 2] | enc[at + 3] << 8 | enc[at + 4] << 16 | enc[at + 5] << 24),
                         f->txs[i].len);
        assert_memory_equal(enc + at + 6, f->txs[i].bytes, f->txs[i].len);
        at += 6 + f->txs[i].len;
    }
    free(enc);
}

static void test_round_trip_and_hash(void **state)
{
    fixture *f = *state;
    uint8_t *enc;
    size_t len;
    assert_true(yuma_block_encode(&f->block, &f->res, &enc, &len));
    yuma_cluster_block b;
    char err[256];
    assert_true(yuma_block_decode(enc, len, &b, err, sizeof err));
    assert_int_equal(b.height, 2);
    assert_int_equal(b.tx_count, 3);
    assert_memory_equal(b.parent_hash, f->block.parent_hash, 32);
    assert_memory_equal(b.author.bytes, f->block.author.bytes, 32);
    assert_memory_equal(b.state_root, f->res.state_root, 32);
    assert_memory_equal(b.hash, f->res.block_hash, 32);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(b.txs[i].len, f->txs[i].len);
        assert_memory_equal(b.txs[i].data, f->txs[i].bytes, f->txs[i].len);
        assert_int_equal(b.call_status[i], f->res.call_status[i]);
    }
    /* The decoder keeps its own copy. */
    memset(enc, 0, len);
    assert_memory_equal(b.txs[0].data, f->txs[0].bytes, f->txs[0].len);
    uint8_t h[32];
    yuma_cluster_block_hash(&b, h);
    assert_memory_equal(h, f->res.block_hash, 32);
    /* Any change to what the hash covers changes it. */
    b.author.bytes[0] ^= 1;
    yuma_cluster_block_hash(&b, h);
    assert_memory_not_equal(h, f->res.block_hash, 32);
    yuma_cluster_block_free(&b);
    free(enc);
}

static void test_empty_block(void **state)
{
    fixture *f = *state;
    yuma_block e = {.height = 3};
    yuma_chain_last_hash(f->chain, e.parent_hash);
    yuma_block_result r;
    assert_int_equal(yuma_chain_apply_block(f->chain, &e, &r), YUMA_CHAIN_OK);
    uint8_t *enc;
    size_t len;
    assert_true(yuma_block_encode(&e, &r, &enc, &len));
    assert_int_equal(len, YUMA_BLOCK_HEADER_SIZE);
    yuma_cluster_block b;
    char err[256];
    assert_true(yuma_block_decode(enc, len, &b, err, sizeof err));
    assert_int_equal(b.tx_count, 0);
    uint8_t h[32];
    yuma_cluster_block_hash(&b, h);
    assert_memory_equal(h, r.block_hash, 32);
    yuma_cluster_block_free(&b);
    free(r.call_status);
    free(enc);
}

/* Decoding must fail with a message containing want. */
static void refused(const uint8_t *buf, size_t len, const char *want)
{
    yuma_cluster_block b;
    char err[256] = "";
    assert_false(yuma_block_decode(buf, len, &b, err, sizeof err));
    if (!strstr(err, want)) fail_msg("\"%s\" does not say \"%s\"", err, want);
    assert_null(b.owned);
    assert_null(b.txs);
}

static void test_malformed(void **state)
{
    fixture *f = *state;
    uint8_t *enc;
    size_t len;
    assert_true(yuma_block_encode(&f->block, &f->res, &enc, &len));
    uint8_t *buf = malloc(len + 1);
    /* Every truncation is refused. */
    for (size_t n = 0; n < len; n++) {
        yuma_cluster_block b;
        char err[256];
        memcpy(buf, enc, n);
        assert_false(yuma_block_decode(buf, n, &b, err, sizeof err));
    }
    memcpy(buf, enc, len);
    refused(buf, 10, "not an encoded block");
    buf[0] = 'X';
    refused(buf, len, "must start with \"YBK1\"");
    memcpy(buf, enc, len);
    buf[len] = 0;
    refused(buf, len + 1, "1 bytes left over after its 3 transactions");
    memcpy(buf, enc, len);
    buf[140] = 0xff; /* 255 transactions cannot fit */
    refused(buf, len, "claims 255 transactions");
    memcpy(buf, enc, len);
    memset(buf + 4, 0, 8);
    refused(buf, len, "height 0 is not a block");
    memcpy(buf, enc, len);
    buf[144] = 0xff;
    buf[145] = 0x7f;
    refused(buf, len, "transaction 0 at byte 144 has an unknown call status");
    memcpy(buf, enc, len);
    memset(buf + 146, 0, 4); /* length 0 */
    refused(buf, len, "transaction 0 at byte 144 has a length that does not fit");
    memcpy(buf, enc, len);
    buf[149] = 0x10; /* a length past the end */
    refused(buf, len, "a length that does not fit the block");
    free(buf);
    free(enc);
}

static void test_encode_refuses_mismatch(void **state)
{
    fixture *f = *state;
    yuma_block_result r = f->res;
    r.tx_count = 2; /* not this block's result */
    uint8_t *enc = (uint8_t *)1;
    size_t len = 1;
    assert_false(yuma_block_encode(&f->block, &r, &enc, &len));
    assert_null(enc);
    assert_int_equal(len, 0);
}

static void test_prefix(void **state)
{
    (void)state;
    uint8_t g[32];
    for (int i = 0; i < 32; i++) g[i] = (uint8_t)(i * 9);
    char p[80];
    yuma_cluster_prefix(g, p);
    assert_string_equal(p, "/yuma/0009121b242d363f48515a636c757e879099a2abb4bdc6cfd8e1eaf3fc050e17/");
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_round_trip_and_hash),
        cmocka_unit_test(test_empty_block),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_encode_refuses_mismatch),
        cmocka_unit_test(test_prefix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
