/*
 * test_node_rpc.c - a whole node in the process (dev genesis, real store,
 * real HTTP): the events of committed blocks (chain_getEvents, derived
 * here from the transactions we signed), a rate limit that says when it
 * clears (tx_status.retry_at_block), and every read method's answer to bad
 * parameters: a JSON-RPC error that names the parameter, and no change to
 * the chain (same head, same state root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yuma/genesis.h"
#include "yuma/keys.h"
#include "yuma/node.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"

typedef struct {
    char dir[64];
    yuma_node *node;
    yuma_rpc_client *rpc;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/yuma-node-rpc-XXXXXX");
    if (!f || !mkdtemp(f->dir)) return -1;
    yuma_node_config cfg = {.data_dir = f->dir, .dev_genesis = true, .block_interval_ms = 1000};
    char err[256];
    f->node = yuma_node_open(&cfg, err, sizeof err);
    if (!f->node) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", yuma_node_rpc_port(f->node));
    f->rpc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = url});
    *state = f;
    return f->rpc ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    yuma_rpc_client_free(f->rpc);
    yuma_node_close(f->node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static json_t *call_ok(fixture *f, const char *method, json_t *params)
{
    yuma_rpc_client_error err;
    json_t *r = yuma_rpc_client_call(f->rpc, method, params, &err);
    json_decref(params);
    if (!r) fail_msg("%s: %s", method, err.message);
    return r;
}

static yuma_account dev_account(const char *name, yuma_keypair *kp)
{
    yuma_dev_keypair(name, kp);
    yuma_account a;
    memcpy(a.bytes, kp->pub.bytes, 32);
    return a;
}

static char *address(const yuma_account *a)
{
    static char buf[4][YUMA_SS58_MAX];
    static int next;
    char *out = buf[next++ % 4];
    yuma_pubkey pub;
    memcpy(pub.bytes, a->bytes, 32);
    yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, out);
    return out;
}

/* Signs and submits one call from a dev key; returns the tx id (hex). */
static void submit(fixture *f, const yuma_keypair *kp, uint64_t nonce, const yuma_call *call, char id_hex[65])
{
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    json_t *head = call_ok(f, "chain_head", NULL), *gen = call_ok(f, "chain_genesis", NULL);
    tx.chain_id = (uint64_t)json_integer_value(json_object_get(head, "chain_id"));
    const char *gh = json_string_value(json_object_get(head, "genesis_hash"));
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(gh + 2 * i, "%2x", &v), 1);
        tx.genesis_hash[i] = (uint8_t)v;
    }
    memcpy(tx.signer.bytes, kp->pub.bytes, 32);
    tx.nonce = nonce;
    tx.call = *call;
    json_t *p = json_object_get(gen, "params");
    tx.fee = (uint64_t)json_integer_value(json_object_get(p, "min_fee")) +
             (uint64_t)json_integer_value(json_object_get(p, "fee_per_byte")) * yuma_tx_encoded_size(&tx);
    json_decref(head);
    json_decref(gen);
    assert_true(yuma_tx_sign(&tx, kp->secret));
    static uint8_t buf[YUMA_TX_MAX_ENCODED];
    size_t len = yuma_tx_encode(&tx, buf, sizeof buf);
    assert_true(len > 0);
    char *hex = malloc(2 * len + 1);
    for (size_t i = 0; i < len; i++) sprintf(hex + 2 * i, "%02x", buf[i]);
    json_t *r = call_ok(f, "tx_submit", json_pack("{s:s}", "tx", hex));
    free(hex);
    assert_true(json_is_true(json_object_get(r, "accepted")));
    snprintf(id_hex, 65, "%s", json_string_value(json_object_get(r, "id")));
    json_decref(r);
}

static void produce(fixture *f)
{
    char err[256];
    if (!yuma_node_produce(f->node, err, sizeof err)) fail_msg("produce: %s", err);
}

static void test_events_of_transfers(void **state)
{
    fixture *f = *state;
    yuma_keypair alice, bob, charlie;
    yuma_account a = dev_account("alice", &alice), b = dev_account("bob", &bob), c = dev_account("charlie", &charlie);
    char id[3][65];
    yuma_call t1 = {.kind = YUMA_CALL_TRANSFER, .dest = b, .amount = 1234567};
    yuma_call t2 = {.kind = YUMA_CALL_TRANSFER, .dest = c, .amount = 42};
    yuma_call t3 = {.kind = YUMA_CALL_TRANSFER, .dest = a, .amount = 0}; /* fails: zero amount */
    submit(f, &alice, 0, &t1, id[0]);
    submit(f, &bob, 0, &t2, id[1]);
    submit(f, &charlie, 0, &t3, id[2]);
    produce(f);
    uint64_t h = yuma_node_height(f->node);
    json_t *r = call_ok(f, "chain_getEvents", json_pack("{s:I}", "from_height", (json_int_t)h));
    json_t *ev = json_object_get(r, "events");
    assert_int_equal(json_array_size(ev), 2); /* the failed transfer says nothing */
    const struct {
        const yuma_account *from, *to;
        uint64_t amount;
    } want[2] = {{&a, &b, 1234567}, {&b, &c, 42}};
    /* The block orders transactions by fee across senders: match by sender. */
    for (size_t i = 0; i < 2; i++) {
        json_t *e = NULL;
        for (size_t k = 0; k < 2; k++) {
            json_t *x = json_array_get(ev, k);
            if (strcmp(json_string_value(json_object_get(x, "who")), address(want[i].from)) == 0) e = x;
        }
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "kind")), "transfer");
        assert_int_equal(json_integer_value(json_object_get(e, "height")), h);
        assert_string_equal(json_string_value(json_object_get(e, "other")), address(want[i].to));
        assert_int_equal(json_integer_value(json_object_get(e, "amount")), want[i].amount);
        assert_true(json_is_null(json_object_get(e, "netuid")));
    }
    assert_int_equal(json_integer_value(json_object_get(r, "next_from_height")), h + 1);
    json_decref(r);
    /* Filtered by account: charlie is only the second transfer's recipient. */
    r = call_ok(f, "chain_getEvents", json_pack("{s:I, s:s}", "from_height", (json_int_t)1, "account", address(&c)));
    ev = json_object_get(r, "events");
    assert_int_equal(json_array_size(ev), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 0), "amount")), 42);
    json_decref(r);
    /* A limit of 1 never splits a block: the first block is returned whole. */
    r = call_ok(f, "chain_getEvents", json_pack("{s:I, s:I}", "from_height", (json_int_t)h, "limit", (json_int_t)1));
    assert_int_equal(json_array_size(json_object_get(r, "events")), 2);
    assert_int_equal(json_integer_value(json_object_get(r, "to_height")), h);
    json_decref(r);
    /* Beyond the head: nothing yet, and where to continue. */
    r = call_ok(f, "chain_getEvents", json_pack("{s:I}", "from_height", (json_int_t)(h + 5)));
    assert_int_equal(json_array_size(json_object_get(r, "events")), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "next_from_height")), h + 5);
    json_decref(r);
}

/* Two subnets registered in one block: the devnet's network rate limit is
 * one block, so the second is refused and told the block it clears at. */
static void test_rate_limit_says_when(void **state)
{
    fixture *f = *state;
    yuma_keypair alice, bob, ah, bh;
    dev_account("alice", &alice);
    dev_account("bob", &bob);
    yuma_account hot_a = dev_account("charlie", &ah), hot_b = dev_account("dave", &bh);
    yuma_call r1 = {.kind = YUMA_CALL_REGISTER_NETWORK, .hotkey = hot_a};
    yuma_call r2 = {.kind = YUMA_CALL_REGISTER_NETWORK, .hotkey = hot_b};
    char id1[65], id2[65];
    submit(f, &alice, 0, &r1, id1);
    submit(f, &bob, 0, &r2, id2);
    produce(f);
    uint64_t h = yuma_node_height(f->node);
    json_t *s1 = call_ok(f, "tx_status", json_pack("{s:s}", "id", id1));
    json_t *s2 = call_ok(f, "tx_status", json_pack("{s:s}", "id", id2));
    bool first_ok = json_is_true(json_object_get(s1, "ok"));
    json_t *refused = first_ok ? s2 : s1, *passed = first_ok ? s1 : s2;
    assert_true(json_is_true(json_object_get(passed, "ok")));
    assert_null(json_object_get(passed, "retry_at_block"));
    assert_false(json_is_true(json_object_get(refused, "ok")));
    assert_string_equal(json_string_value(json_object_get(refused, "result")),
                        "a subnet was registered too recently (network rate limit)");
    assert_int_equal(json_integer_value(json_object_get(refused, "retry_at_block")), h + 1);
    json_decref(s1);
    json_decref(s2);
    /* The registration is an event of the subnet's owner. */
    json_t *r = call_ok(f, "chain_getEvents", json_pack("{s:I}", "from_height", (json_int_t)h));
    json_t *ev = json_object_get(r, "events");
    size_t regs = 0;
    for (size_t i = 0; i < json_array_size(ev); i++)
        regs += strcmp(json_string_value(json_object_get(json_array_get(ev, i), "kind")), "register_network") == 0;
    assert_int_equal(regs, 1);
    json_decref(r);
}

static json_t *tx_result(fixture *f, const char *id)
{
    return call_ok(f, "tx_status", json_pack("{s:s}", "id", id));
}

static void expect_ok(fixture *f, const char *id)
{
    json_t *st = tx_result(f, id);
    if (!json_is_true(json_object_get(st, "ok")))
        fail_msg("tx %s: %s", id, json_string_value(json_object_get(st, "result")));
    json_decref(st);
}

/* A commit shows up with its hash, block and reveal epoch; a hotkey
 * without commits has none; a missing subnet is -32004. */
static void test_pending_commits(void **state)
{
    fixture *f = *state;
    yuma_keypair alice, hot;
    dev_account("alice", &alice);
    yuma_account hk = dev_account("charlie", &hot);
    char id[65];
    yuma_call reg = {.kind = YUMA_CALL_REGISTER_NETWORK, .hotkey = hk};
    submit(f, &alice, 0, &reg, id);
    produce(f);
    expect_ok(f, id);
    yuma_call cr = {.kind = YUMA_CALL_SET_HYPERPARAMETER, .netuid = 1, .param = 15 /* commit_reveal */, .value = 1};
    submit(f, &alice, 1, &cr, id);
    produce(f);
    expect_ok(f, id);
    yuma_call commit = {.kind = YUMA_CALL_COMMIT_WEIGHTS, .netuid = 1};
    memset(commit.commit_hash, 0xAB, 32);
    submit(f, &hot, 0, &commit, id);
    produce(f);
    /* The owner's neuron counts as updated at registration: the weights
     * rate limit refuses the commit and says when to send it again. */
    json_t *st = tx_result(f, id);
    json_int_t retry = json_integer_value(json_object_get(st, "retry_at_block"));
    assert_false(json_is_true(json_object_get(st, "ok")));
    assert_true(retry > (json_int_t)yuma_node_height(f->node));
    json_decref(st);
    while ((json_int_t)yuma_node_height(f->node) + 1 < retry) produce(f);
    submit(f, &hot, 1, &commit, id);
    produce(f);
    expect_ok(f, id);
    uint64_t h = yuma_node_height(f->node);
    json_t *r = call_ok(f, "weights_pendingCommits", json_pack("{s:i, s:s}", "netuid", 1, "hotkey", address(&hk)));
    assert_true(json_is_true(json_object_get(r, "commit_reveal")));
    json_t *list = json_object_get(r, "commits");
    assert_int_equal(json_array_size(list), 1);
    json_t *c = json_array_get(list, 0);
    char want[65];
    memset(want, 'a', 64);
    for (int i = 1; i < 64; i += 2) want[i] = 'b';
    want[64] = 0;
    assert_string_equal(json_string_value(json_object_get(c, "hash")), want);
    assert_int_equal(json_integer_value(json_object_get(c, "commit_block")), h);
    uint64_t period = (uint64_t)json_integer_value(json_object_get(r, "reveal_period_epochs"));
    assert_true(period >= 1);
    assert_int_equal(json_integer_value(json_object_get(c, "reveal_epoch")),
                     json_integer_value(json_object_get(c, "commit_epoch")) + (json_int_t)period);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "waiting");
    json_decref(r);
    yuma_keypair bob;
    yuma_account b = dev_account("bob", &bob);
    r = call_ok(f, "weights_pendingCommits", json_pack("{s:i, s:s}", "netuid", 1, "hotkey", address(&b)));
    assert_int_equal(json_array_size(json_object_get(r, "commits")), 0);
    json_decref(r);
    /* A published commitment reads back as text and hex with its block. */
    yuma_call pub = {.kind = YUMA_CALL_SET_COMMITMENT, .netuid = 1, .data_len = 11};
    memcpy(pub.data, "dir:/store1", 11);
    submit(f, &hot, 2, &pub, id);
    produce(f);
    expect_ok(f, id);
    r = call_ok(f, "commitment_get", json_pack("{s:i, s:s}", "netuid", 1, "hotkey", address(&hk)));
    assert_string_equal(json_string_value(json_object_get(r, "text")), "dir:/store1");
    assert_string_equal(json_string_value(json_object_get(r, "data")), "6469723a2f73746f726531");
    assert_int_equal(json_integer_value(json_object_get(r, "block")), yuma_node_height(f->node));
    json_decref(r);
    yuma_rpc_client_error err;
    json_t *p = json_pack("{s:i, s:s}", "netuid", 1, "hotkey", address(&b));
    assert_null(yuma_rpc_client_call(f->rpc, "commitment_get", p, &err));
    json_decref(p);
    assert_int_equal(err.code, -32004);
    assert_string_equal(err.message, "no commitment of this hotkey on subnet 1 (`yuma commit` publishes one)");
    p = json_pack("{s:i, s:s}", "netuid", 9, "hotkey", address(&b));
    assert_null(yuma_rpc_client_call(f->rpc, "weights_pendingCommits", p, &err));
    json_decref(p);
    assert_int_equal(err.code, -32004);
    assert_string_equal(err.message, "no subnet 9: `yuma subnet list` shows the subnets");
}

typedef struct {
    const char *method, *params; /* params as JSON text, NULL for none */
    int code;
    const char *message;         /* a substring of the error message */
} bad_call;

/* Each read method refuses bad parameters with -32602 and a message that
 * names the problem, and nothing changes. */
static void test_bad_params(void **state)
{
    fixture *f = *state;
    produce(f);
    const bad_call cases[] = {
        {"chain_head", "[1]", -32602, "takes no parameters"},
        {"chain_getBlock", NULL, -32602, "height"},
        {"chain_getBlock", "{\"height\":\"one\"}", -32602, "height"},
        {"chain_getBlock", "{\"height\":-1}", -32602, "height"},
        {"chain_getBlock", "{\"height\":999}", -32004, "no block at height 999"},
        {"chain_getBlock", "{\"h\":1}", -32602, "unknown parameter \"h\""},
        {"tx_submit", "{\"tx\":\"zz\"}", -32602, "not hex"},
        {"tx_submit", "{\"tx\":5}", -32602, "tx"},
        {"tx_submit", NULL, -32602, "tx"},
        {"tx_status", "{\"id\":\"abcd\"}", -32602, "32 bytes of hex"},
        {"tx_status", "{\"id\":[]}", -32602, "id"},
        {"account_get", "{\"address\":\"not-an-address\"}", -32602, "not a yuma address"},
        {"account_get", NULL, -32602, "address"},
        {"stake_get", "{\"hotkey\":\"x\",\"coldkey\":\"y\",\"netuid\":1}", -32602, "not a yuma address"},
        {"subnet_get", "{\"netuid\":70000}", -32602, "above 65535"},
        {"subnet_get", "{\"netuid\":\"one\"}", -32602, "netuid"},
        {"metagraph_get", "{\"netuid\":-3}", -32602, "netuid"},
        {"chain_getEvents", NULL, -32602, "from_height"},
        {"chain_getEvents", "{\"from_height\":0}", -32602, "blocks start at 1"},
        {"chain_getEvents", "{\"from_height\":1,\"limit\":0}", -32602, "limit"},
        {"chain_getEvents", "{\"from_height\":1,\"limit\":10001}", -32602, "limit"},
        {"chain_getEvents", "{\"from_height\":1,\"netuid\":65535}", -32602, "not a subnet"},
        {"chain_getEvents", "{\"from_height\":1,\"account\":\"5abc\"}", -32602, "not a yuma address"},
        {"chain_getEvents", "{\"from_height\":1,\"since\":2}", -32602, "unknown parameter \"since\""},
        {"weights_pendingCommits", "{\"netuid\":1}", -32602, "hotkey"},
        {"weights_pendingCommits", "{\"netuid\":1,\"hotkey\":\"bad\"}", -32602, "not a yuma address"},
        {"weights_pendingCommits", "{\"netuid\":65536,\"hotkey\":\"bad\"}", -32602, "above 65535"},
        {"no_such_method", NULL, -32601, "no_such_method"},
    };
    json_t *before = call_ok(f, "chain_head", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error_t je;
        json_t *params = cases[i].params ? json_loads(cases[i].params, 0, &je) : NULL;
        yuma_rpc_client_error err;
        json_t *r = yuma_rpc_client_call(f->rpc, cases[i].method, params, &err);
        json_decref(params);
        if (r || err.status != YUMA_RPC_CLIENT_REMOTE || err.code != cases[i].code ||
            !strstr(err.message, cases[i].message))
            fail_msg("%s %s: got %s (code %d, \"%s\"), want code %d with \"%s\"", cases[i].method,
                     cases[i].params ? cases[i].params : "", r ? "a result" : "an error", err.code, err.message,
                     cases[i].code, cases[i].message);
    }
    json_t *after = call_ok(f, "chain_head", NULL);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_events_of_transfers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_says_when, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
