/*
 * test_chain_properties.c - long seeded random runs of the chain: random
 * signed calls (transfers, subnet registration and start, neuron
 * registration, staking on root and subnets, unstaking, weights) across
 * thousands of blocks, many of them empty so that epochs fire. After every
 * block: the supply audit holds exactly (TAO and each subnet's alpha), and
 * a second instance fed the same blocks (with signatures pre-verified)
 * reaches the same state root and block hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/tx.h"

#define COLD 6
#define HOT 12
#define TAO YUMA_RAO_PER_TAO

typedef struct {
    unsigned char pk[32], sk[64];
} key;

static key keys[COLD + HOT];
static uint64_t nonce[COLD + HOT];

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

static uint64_t below(rng *r, uint64_t n)
{
    return n ? next(r) % n : 0;
}

static yuma_account acc(int i)
{
    yuma_account a;
    memcpy(a.bytes, keys[i].pk, 32);
    return a;
}

static yuma_chain *make_chain(void)
{
    yuma_genesis_balance bal[COLD + HOT];
    for (int i = 0; i < COLD + HOT; i++)
        bal[i] = (yuma_genesis_balance){acc(i), i < COLD ? (2500 + 500 * (uint64_t)i) * TAO : 5 * TAO};
    yuma_genesis g = {.chain_id = 77, .params = yuma_chain_params_default(), .balance_count = COLD + HOT, .balances = bal};
    g.params.network_rate_limit = 50;
    g.params.max_epochs_per_block = 1; /* exercise deferral */
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    return c;
}

typedef struct {
    uint8_t bytes[2048];
    size_t len;
} encoded;

static void sign(yuma_chain *c, int who, const yuma_call *call, encoded *out)
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(c);
    yuma_chain_genesis_hash(c, tx.genesis_hash);
    tx.signer = acc(who);
    tx.nonce = nonce[who]++;
    tx.fee = yuma_chain_min_fee(c, sizeof out->bytes);
    tx.call = *call;
    assert_true(yuma_tx_sign(&tx, keys[who].sk));
    out->len = yuma_tx_encode(&tx, out->bytes, sizeof out->bytes);
    assert_true(out->len > 0);
}

static uint16_t subnet_count(yuma_chain *c)
{
    uint16_t n = 0;
    for (uint16_t id = 1; id < 16; id++) n += subnet_exists(yuma_chain_state(c), id);
    return n;
}

/* A random call by a random signer. Any call may fail; that is part of the test. */
static int random_call(yuma_chain *c, rng *r, yuma_call *call)
{
    memset(call, 0, sizeof *call);
    int cold = (int)below(r, COLD), hot = COLD + (int)below(r, HOT);
    uint16_t netuid = (uint16_t)below(r, subnet_count(c) + 2);
    switch (below(r, 10)) {
    case 0:
        call->kind = YUMA_CALL_TRANSFER;
        call->dest = acc((int)below(r, COLD + HOT));
        call->amount = below(r, 50 * TAO);
        return cold;
    case 1:
        call->kind = YUMA_CALL_REGISTER_NETWORK;
        call->hotkey = acc(hot);
        return cold;
    case 2:
        call->kind = YUMA_CALL_START_CALL;
        call->netuid = netuid;
        return cold;
    case 3:
    case 4:
        call->kind = YUMA_CALL_BURNED_REGISTER;
        call->netuid = netuid;
        call->hotkey = acc(hot);
        return cold;
    case 5:
    case 6:
        call->kind = YUMA_CALL_ADD_STAKE;
        call->netuid = below(r, 4) == 0 ? 0 : netuid;
        call->hotkey = acc(hot);
        call->amount = below(r, 200 * TAO);
        call->limit_price = below(r, 3) == 0 ? below(r, 3 * TAO) : 0;
        call->allow_partial = below(r, 2);
        return cold;
    case 7:
        call->kind = YUMA_CALL_REMOVE_STAKE;
        call->netuid = below(r, 4) == 0 ? 0 : netuid;
        call->hotkey = acc(hot);
        call->amount = below(r, 2) ? UINT64_MAX / 2 : below(r, 100 * TAO);
        call->limit_price = below(r, 3) == 0 ? below(r, 3 * TAO) : 0;
        call->allow_partial = below(r, 2);
        return cold;
    default: {
        call->kind = YUMA_CALL_SET_WEIGHTS;
        call->netuid = netuid;
        call->weight_count = 1 + (uint32_t)below(r, 6);
        for (uint32_t k = 0; k < call->weight_count; k++) {
            call->uids[k] = (uint16_t)(k * 2 + below(r, 2));
            call->values[k] = (uint16_t)below(r, 65536);
        }
        return hot;
    }
    }
}

static void check_audit(yuma_chain *c)
{
    char detail[256];
    if (!yuma_chain_audit_supply(c, detail, sizeof detail)) {
        print_error("block %llu: %s\n", (unsigned long long)yuma_chain_height(c), detail);
        fail();
    }
}

static void apply_both(yuma_chain *a, yuma_chain *b, const encoded *txs, size_t n, size_t *ok_calls)
{
    yuma_tx_bytes raw[16];
    for (size_t i = 0; i < n; i++) raw[i] = (yuma_tx_bytes){txs[i].bytes, txs[i].len};
    yuma_block blk = {.height = yuma_chain_height(a) + 1, .tx_count = n, .txs = raw};
    memset(blk.author.bytes, 0xCD, 32);
    yuma_chain_last_hash(a, blk.parent_hash);
    yuma_block_result ra, rb;
    yuma_chain_status st = yuma_chain_apply_block(a, &blk, &ra);
    if (st != YUMA_CHAIN_OK) {
        print_error("block %llu: %s\n", (unsigned long long)blk.height, yuma_chain_strerror(st));
        fail();
    }
    blk.signatures_verified = true;
    assert_int_equal(yuma_chain_apply_block(b, &blk, &rb), YUMA_CHAIN_OK);
    assert_memory_equal(ra.state_root, rb.state_root, 32);
    assert_memory_equal(ra.block_hash, rb.block_hash, 32);
    for (size_t i = 0; i < n; i++) *ok_calls += ra.call_status[i] == YUMA_CALL_OK;
    free(ra.call_status);
    free(rb.call_status);
    check_audit(a);
}

static void run_seed(uint64_t seed, int blocks)
{
    memset(nonce, 0, sizeof nonce);
    yuma_chain *a = make_chain(), *b = make_chain();
    rng r = {seed};
    size_t ok_calls = 0, total_calls = 0;
    uint64_t epochs = 0;
    for (int blk = 0; blk < blocks; blk++) {
        encoded txs[16];
        size_t n = below(&r, 3) == 0 ? below(&r, 8) : 0;
        for (size_t i = 0; i < n; i++) {
            yuma_call call;
            int who = random_call(a, &r, &call);
            sign(a, who, &call, &txs[i]);
        }
        total_calls += n;
        apply_both(a, b, txs, n, &ok_calls);
    }
    for (uint16_t id = 1; id < 16; id++) {
        subnet_rec s;
        if (subnet_get(yuma_chain_state(a), id, &s)) epochs += s.epoch_index;
    }
    print_message("seed %llu: %d blocks, %zu of %zu calls succeeded, %u subnets, %llu epochs\n",
                  (unsigned long long)seed, blocks, ok_calls, total_calls, subnet_count(a), (unsigned long long)epochs);
    assert_true(ok_calls > total_calls / 10); /* the run did real work */
    assert_true(epochs > 0);
    yuma_chain_free(a);
    yuma_chain_free(b);
}

static void test_random_runs(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) run_seed(seed, 1500);
}

int main(void)
{
    for (int i = 0; i < COLD + HOT; i++) {
        unsigned char seed[32] = {7, (unsigned char)i};
        crypto_sign_seed_keypair(keys[i].pk, keys[i].sk, seed);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
