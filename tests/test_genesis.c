/*
 * test_genesis.c - genesis files: a valid file with parameter overrides, a
 * round trip through the canonical JSON (same genesis hash), every error
 * with its message, and the development keys (checked against libsodium
 * directly from their documented derivation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/genesis.h"

static void address_of(const char *name, char out[YUMA_SS58_MAX])
{
    yuma_keypair kp;
    yuma_dev_keypair(name, &kp);
    assert_int_equal(yuma_ss58_encode(&kp.pub, YUMA_SS58_PREFIX, out), YUMA_KEYS_OK);
}

static void test_valid_and_round_trip(void **state)
{
    (void)state;
    char a[YUMA_SS58_MAX], b[YUMA_SS58_MAX], text[1024];
    address_of("alice", a);
    address_of("bob", b);
    snprintf(text, sizeof text,
             "{\"chain_id\": 7, \"params\": {\"network_rate_limit\": 10, \"max_epochs_per_block\": 3},"
             " \"balances\": [{\"address\": \"%s\", \"balance\": 5000000000}, {\"address\": \"%s\", \"balance\": 1}]}",
             a, b);
    yuma_genesis_file g;
    char err[256];
    assert_true(yuma_genesis_parse(text, strlen(text), &g, err, sizeof err));
    assert_int_equal(g.genesis.chain_id, 7);
    assert_int_equal(g.genesis.params.network_rate_limit, 10);
    assert_int_equal(g.genesis.params.max_epochs_per_block, 3);
    assert_int_equal(g.genesis.params.subnet_limit, yuma_chain_params_default().subnet_limit);
    assert_int_equal(g.genesis.balance_count, 2);
    assert_int_equal(g.genesis.balances[0].balance, 5000000000ull);

    char *json = yuma_genesis_to_json(&g.genesis);
    assert_non_null(json);
    yuma_genesis_file back;
    assert_true(yuma_genesis_parse(json, strlen(json), &back, err, sizeof err));
    yuma_chain *c1, *c2;
    assert_int_equal(yuma_chain_new(&g.genesis, &c1), YUMA_CHAIN_OK);
    assert_int_equal(yuma_chain_new(&back.genesis, &c2), YUMA_CHAIN_OK);
    uint8_t h1[32], h2[32];
    yuma_chain_genesis_hash(c1, h1);
    yuma_chain_genesis_hash(c2, h2);
    assert_memory_equal(h1, h2, 32);
    yuma_chain_free(c1);
    yuma_chain_free(c2);
    free(json);
    yuma_genesis_file_free(&back);
    yuma_genesis_file_free(&g);
}

static void expect_error(const char *text, const char *needle)
{
    yuma_genesis_file g;
    char err[256] = "";
    assert_false(yuma_genesis_parse(text, strlen(text), &g, err, sizeof err));
    if (!strstr(err, needle)) {
        print_error("message '%s' lacks '%s'\n", err, needle);
        fail();
    }
    assert_null(strchr(err, '\n'));
    assert_null(g.owned);
}

static void test_errors(void **state)
{
    (void)state;
    char a[YUMA_SS58_MAX], text[1024];
    address_of("alice", a);
    expect_error("{", "invalid JSON at line 1");
    expect_error("[]", "must be a JSON object");
    expect_error("{\"chain_id\": 1, \"balances\": [], \"extra\": 1}", "unknown field \"extra\"");
    expect_error("{\"chain_id\": -1, \"balances\": []}", "field \"chain_id\"");
    expect_error("{\"chain_id\": \"x\", \"balances\": []}", "field \"chain_id\"");
    expect_error("{\"balances\": []}", "field \"chain_id\"");
    expect_error("{\"chain_id\": 1, \"params\": 3, \"balances\": []}", "field \"params\": must be an object");
    expect_error("{\"chain_id\": 1, \"params\": {\"nope\": 1}, \"balances\": []}", "unknown parameter \"nope\"");
    expect_error("{\"chain_id\": 1, \"params\": {\"subnet_limit\": 70000}, \"balances\": []}",
                 "\"subnet_limit\" is not an integer in its range (0..65535)");
    expect_error("{\"chain_id\": 1, \"params\": {\"max_epochs_per_block\": 256}, \"balances\": []}", "(0..255)");
    expect_error("{\"chain_id\": 1}", "field \"balances\": must be an array");
    expect_error("{\"chain_id\": 1, \"balances\": [{\"balance\": 1}]}", "balances[0]: must be");
    expect_error("{\"chain_id\": 1, \"balances\": [{\"address\": \"nope0OIl\", \"balance\": 1}]}",
                 "balances[0]: field \"address\"");
    /* Alice's well-known key written for Polkadot (prefix 0) */
    expect_error("{\"chain_id\": 1, \"balances\": [{\"address\": \"15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5\","
                 " \"balance\": 1}]}",
                 "prefix 0 is not yuma's (42)");
    snprintf(text, sizeof text, "{\"chain_id\": 1, \"balances\": [{\"address\": \"%s\", \"balance\": -5}]}", a);
    expect_error(text, "balances[0]: field \"balance\"");
    snprintf(text, sizeof text,
             "{\"chain_id\": 1, \"balances\": [{\"address\": \"%s\", \"balance\": 1}, {\"address\": \"%s\", \"balance\": 2}]}",
             a, a);
    expect_error(text, "an address appears twice");
    char b[YUMA_SS58_MAX];
    address_of("bob", b);
    snprintf(text, sizeof text,
             "{\"chain_id\": 1, \"balances\": [{\"address\": \"%s\", \"balance\": 20000000000000000},"
             " {\"address\": \"%s\", \"balance\": 2000000000000000}]}",
             a, b);
    expect_error(text, "more than the 21,000,000 TAO supply");
}

static void test_dev_keys(void **state)
{
    (void)state;
    /* entropy = BLAKE2b-128("yuma devnet key: " || name) -> BIP39 phrase ->
     * the Substrate seed rule (keys.h, tested against published vectors) */
    const char *msg = "yuma devnet key: alice";
    unsigned char entropy[16], pk[32];
    crypto_generichash(entropy, 16, (const unsigned char *)msg, strlen(msg), NULL, 0);
    char phrase[YUMA_MNEMONIC_MAX], dev_phrase[YUMA_MNEMONIC_MAX];
    assert_int_equal(yuma_mnemonic_from_entropy(entropy, 16, phrase), YUMA_KEYS_OK);
    yuma_dev_mnemonic("alice", dev_phrase);
    assert_string_equal(phrase, dev_phrase);
    yuma_keypair from_phrase;
    assert_int_equal(yuma_keypair_from_mnemonic(phrase, NULL, &from_phrase, NULL, 0), YUMA_KEYS_OK);
    memcpy(pk, from_phrase.pub.bytes, 32);
    yuma_keypair kp;
    yuma_dev_keypair("alice", &kp);
    assert_memory_equal(kp.pub.bytes, pk, 32);
    yuma_keypair other;
    yuma_dev_keypair("bob", &other);
    assert_memory_not_equal(kp.pub.bytes, other.pub.bytes, 32);

    const char *names[] = {"alice", "bob", "charlie"};
    yuma_genesis_file g;
    assert_true(yuma_genesis_devnet(names, 3, 1000, &g));
    assert_int_equal(g.genesis.balance_count, 3);
    assert_memory_equal(g.genesis.balances[0].account.bytes, pk, 32);
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g.genesis, &c), YUMA_CHAIN_OK);
    yuma_account a;
    memcpy(a.bytes, pk, 32);
    assert_int_equal(yuma_chain_balance(c, &a), 1000);
    yuma_chain_free(c);
    yuma_genesis_file_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_round_trip),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dev_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
