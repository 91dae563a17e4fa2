/*
 * test_metagraph.c - metagraph sync against a real node in the process
 * (tests/sdk_testnet.h): a full sync gives each neuron the keys, blocks
 * and axon the test registered (compared with the dev keys and the
 * inclusion heights the test saw, not with another read of the node); the
 * incremental update fetches again only when an event touched the subnet
 * (a registration on it, a stake move into it), not for transfers or
 * another subnet; malformed answers are refused field by field and leave
 * the metagraph as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sdk_testnet.h"
#include "yuma/metagraph.h"

typedef struct {
    testnet *net;
    yuma_sdk_client *c;
    uint16_t netuid;
    uint64_t bob_registered, charlie_served;
} fixture;

static yuma_pubkey pub_of(const char *name)
{
    yuma_keypair kp = dev_key(name);
    return kp.pub;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->net = testnet_start(10);
    if (!f->net) return -1;
    f->c = testnet_client(f->net);
    f->netuid = testnet_subnet(f->c, "alice");
    yuma_keypair bob = dev_key("bob"), charlie = dev_key("charlie"), charlie_hot = dev_key("charlie-hotkey");
    yuma_pubkey bob_hot = pub_of("bob-hotkey");
    yuma_sdk_tx_result r;
    if (!yuma_sdk_register(f->c, &bob, &bob_hot, f->netuid, &r)) return -1;
    f->bob_registered = r.height;
    if (!yuma_sdk_register(f->c, &charlie, &charlie_hot.pub, f->netuid, &r)) return -1;
    fund(f->c, &charlie, &charlie_hot, 10 * YUMA_RAO_PER_TAO);
    if (!yuma_sdk_serve_axon(f->c, &charlie_hot, f->netuid, "127.0.0.2", 4321, 4, 7, &r)) {
        fprintf(stderr, "serve: %s\n", r.message);
        return -1;
    }
    f->charlie_served = r.height;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    yuma_sdk_client_free(f->c);
    testnet_stop(f->net);
    free(f);
    return 0;
}

static void a_full_sync_has_every_neuron(void **state)
{
    fixture *f = *state;
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, f->netuid);
    char err[256];
    assert_true(yuma_metagraph_sync(&mg, f->c, err, sizeof err));
    assert_int_equal(mg.fetches, 1);
    assert_int_equal(mg.n, 3); /* the owner's hotkey, bob's and charlie's */
    assert_true(mg.block >= f->charlie_served);
    yuma_pubkey owner_hot = pub_of("alice-hotkey"), bob_hot = pub_of("bob-hotkey"), bob = pub_of("bob"),
                charlie_hot = pub_of("charlie-hotkey");
    assert_memory_equal(mg.neurons[0].hotkey.bytes, owner_hot.bytes, 32);
    assert_memory_equal(mg.neurons[1].hotkey.bytes, bob_hot.bytes, 32);
    assert_true(mg.neurons[1].has_coldkey);
    assert_memory_equal(mg.neurons[1].coldkey.bytes, bob.bytes, 32);
    char addr[YUMA_SS58_MAX];
    yuma_ss58_encode(&bob_hot, YUMA_SS58_PREFIX, addr);
    assert_string_equal(mg.neurons[1].hotkey_ss58, addr);
    assert_int_equal(mg.neurons[1].uid, 1);
    assert_int_equal(mg.neurons[1].registered_at, f->bob_registered);
    /* Registration counts as the neuron's last weights update. */
    assert_int_equal(mg.neurons[1].last_update, f->bob_registered);
    assert_false(mg.neurons[1].axon.served);
    const yuma_neuron *ch = yuma_metagraph_find(&mg, &charlie_hot);
    assert_non_null(ch);
    assert_int_equal(ch->uid, 2);
    assert_true(ch->axon.served);
    assert_string_equal(ch->axon.ip, "127.0.0.2");
    assert_int_equal(ch->axon.port, 4321);
    assert_int_equal(ch->axon.protocol, 4);
    assert_int_equal(ch->axon.version, 7);
    yuma_pubkey stranger = pub_of("nobody");
    assert_null(yuma_metagraph_find(&mg, &stranger));
    yuma_metagraph_free(&mg);
}

static void updates_fetch_only_when_the_subnet_changed(void **state)
{
    fixture *f = *state;
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, f->netuid);
    char err[256];
    bool refetched;
    /* Never synced: the update syncs. */
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_true(refetched);
    assert_int_equal(mg.fetches, 1);
    uint64_t synced = mg.block;
    /* Transfers touch no subnet: the update only moves the height on. */
    yuma_keypair dave = dev_key("dave"), eve = dev_key("eve");
    fund(f->c, &dave, &eve, 1000);
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_false(refetched);
    assert_int_equal(mg.fetches, 1);
    assert_true(mg.block > synced);
    /* Another subnet's registration does not concern this one. */
    uint16_t other = testnet_subnet(f->c, "ferdie");
    assert_int_not_equal(other, f->netuid);
    yuma_sdk_tx_result r;
    yuma_pubkey eve_hot = pub_of("eve-hotkey");
    assert_true(yuma_sdk_register(f->c, &eve, &eve_hot, other, &r));
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_false(refetched);
    assert_int_equal(mg.n, 3);
    /* A registration on this subnet does. */
    yuma_pubkey dave_hot = pub_of("dave-hotkey");
    assert_true(yuma_sdk_register(f->c, &dave, &dave_hot, f->netuid, &r));
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_true(refetched);
    assert_int_equal(mg.fetches, 2);
    assert_int_equal(mg.n, 4);
    assert_memory_equal(mg.neurons[3].hotkey.bytes, dave_hot.bytes, 32);
    assert_int_equal(mg.neurons[3].registered_at, r.height);
    /* Stake added on the other subnet does not count ... */
    yuma_call *stake = new_call(YUMA_CALL_ADD_STAKE, other);
    memcpy(stake->hotkey.bytes, eve_hot.bytes, 32);
    stake->amount = 10 * YUMA_RAO_PER_TAO;
    send_ok(f->c, &eve, stake);
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_false(refetched);
    /* ... but moved from there into this one it does: the event names the
     * other subnet as its netuid and this one as its destination. */
    yuma_call *move = new_call(YUMA_CALL_MOVE_STAKE, other);
    memcpy(move->hotkey.bytes, eve_hot.bytes, 32);
    memcpy(move->dest_hotkey.bytes, dave_hot.bytes, 32);
    move->dest_netuid = f->netuid;
    move->amount = YUMA_RAO_PER_TAO;
    uint64_t stake_before = mg.neurons[3].stake;
    send_ok(f->c, &eve, move);
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_true(refetched);
    assert_true(mg.neurons[3].stake > stake_before);
    /* Nothing new: no fetch, no error. */
    uint64_t fetches = mg.fetches;
    assert_true(yuma_metagraph_update(&mg, f->c, &refetched, err, sizeof err));
    assert_false(refetched);
    assert_int_equal(mg.fetches, fetches);
    yuma_metagraph_free(&mg);
}

static void an_unknown_subnet_is_an_error(void **state)
{
    fixture *f = *state;
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, 77);
    char err[256];
    assert_false(yuma_metagraph_sync(&mg, f->c, err, sizeof err));
    assert_non_null(strstr(err, "no subnet 77"));
    assert_int_equal(mg.n, 0);
    assert_int_equal(mg.block, 0);
}

static json_t *neuron_json(unsigned uid, const char *hotkey)
{
    return json_pack("{s:i, s:s, s:n, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b, s:b, s:i, s:i, s:n}", "uid",
                     uid, "hotkey", hotkey, "coldkey", "stake", 5, "root_stake", 0, "consensus", 1, "incentive", 2,
                     "dividends", 3, "validator_trust", 4, "stake_weight", 5, "emission", 6, "validator_permit", 1,
                     "active", 1, "last_update", 9, "registered_at", 8, "axon");
}

static void malformed_answers_are_refused_and_change_nothing(void **state)
{
    (void)state;
    char addr[YUMA_SS58_MAX], err[256];
    yuma_pubkey k = pub_of("alice");
    yuma_ss58_encode(&k, YUMA_SS58_PREFIX, addr);
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, 3);
    json_t *good = json_pack("{s:i, s:i, s:[o]}", "netuid", 3, "block", 40, "uids", neuron_json(0, addr));
    assert_true(yuma_metagraph_from_json(&mg, good, err, sizeof err));
    assert_int_equal(mg.n, 1);
    assert_int_equal(mg.block, 40);
    assert_int_equal(mg.neurons[0].dividends, 3);
    assert_false(mg.neurons[0].has_coldkey);
    json_decref(good);
    struct {
        const char *field;
        json_t *value;
        const char *says;
    } bad[] = {
        {"hotkey", json_string("5NotAnAddress"), "bad hotkey"},
        {"stake", json_integer(-1), "bad stake"},
        {"incentive", json_integer(70000), "bad incentive"},
        {"active", json_integer(1), "bad active"},
        {"axon", json_pack("{s:s, s:i, s:i, s:i}", "ip", "zz", "port", 1, "protocol", 4, "version", 0), "bad axon"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *nj = neuron_json(0, addr);
        json_object_set_new(nj, bad[i].field, bad[i].value);
        json_t *doc = json_pack("{s:i, s:i, s:[o]}", "netuid", 3, "block", 41, "uids", nj);
        assert_false(yuma_metagraph_from_json(&mg, doc, err, sizeof err));
        assert_non_null(strstr(err, bad[i].says));
        json_decref(doc);
        assert_int_equal(mg.block, 40); /* unchanged */
        assert_int_equal(mg.n, 1);
    }
    json_t *other = json_pack("{s:i, s:i, s:[]}", "netuid", 4, "block", 41, "uids");
    assert_false(yuma_metagraph_from_json(&mg, other, err, sizeof err));
    assert_non_null(strstr(err, "subnet 4, not 3"));
    json_decref(other);
    yuma_metagraph_free(&mg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_sync_has_every_neuron),
        cmocka_unit_test(updates_fetch_only_when_the_subnet_changed),
        cmocka_unit_test(an_unknown_subnet_is_an_error),
        cmocka_unit_test(malformed_answers_are_refused_and_change_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
