/*
 * test_sdk_client.c - the SDK's chain client against a real node in the
 * process (tests/sdk_testnet.h): a call followed to inclusion (checked by
 * the balances it moved), a call the mempool refuses (nothing changes), a
 * call the chain refuses by a rate limit (the retry block, derived from
 * the registration block and the subnet's limit), the set_weights
 * pre-flight check naming each rule, the reference SDK's u16 conversion
 * of scores (hand-computed values and invariants), and one TCP connection
 * for hundreds of calls (the node's own /metrics counts them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <math.h>

#include "sdk_testnet.h"
#include "yuma/metagraph.h"

/* ---- weights conversion: no node needed ---- */

static void scores_are_converted_as_the_reference_does(void **state)
{
    (void)state;
    uint16_t uids[] = {3, 4, 5, 6}, ou[4], ov[4];
    size_t n;
    char err[256];
    /* max -> 65535; 0.5 -> 32767.5 -> 32768 (half to even); 0.25 ->
     * 16383.75 -> 16384; 0 is dropped. */
    double s[] = {2.0, 1.0, 0.0, 0.5};
    assert_true(yuma_weights_from_scores(uids, s, 4, ou, ov, &n, err, sizeof err));
    assert_int_equal(n, 3);
    assert_int_equal(ou[0], 3);
    assert_int_equal(ov[0], 65535);
    assert_int_equal(ou[1], 4);
    assert_int_equal(ov[1], 32768);
    assert_int_equal(ou[2], 6);
    assert_int_equal(ov[2], 16384);
    /* A score so small it rounds to zero is dropped too: 1e-6 * 65535 < 0.5. */
    double tiny[] = {1.0, 1e-6};
    assert_true(yuma_weights_from_scores(uids, tiny, 2, ou, ov, &n, err, sizeof err));
    assert_int_equal(n, 1);
}

static void integer_scores_round_half_to_even_exactly(void **state)
{
    (void)state;
    uint16_t uids[] = {1, 2, 3, 4}, ou[4], ov[4];
    size_t n;
    char err[256];
    /* With max 131070 = 2 x 65535, score s becomes exactly s / 2:
     * 3 -> 1.5 -> 2, 5 -> 2.5 -> 2, 7 -> 3.5 -> 4. */
    uint64_t s[] = {131070, 3, 5, 7};
    assert_true(yuma_weights_from_ints(uids, s, 4, ou, ov, &n, err, sizeof err));
    assert_int_equal(n, 4);
    assert_int_equal(ov[0], 65535);
    assert_int_equal(ov[1], 2);
    assert_int_equal(ov[2], 2);
    assert_int_equal(ov[3], 4);
    /* 1 -> 0.5 -> 0: dropped. */
    uint64_t half[] = {131070, 1};
    assert_true(yuma_weights_from_ints(uids, half, 2, ou, ov, &n, err, sizeof err));
    assert_int_equal(n, 1);
}

static void integer_and_float_paths_agree_away_from_ties(void **state)
{
    (void)state;
    enum { N = 64 };
    uint16_t uids[N], fu[N], fv[N], iu[N], iv[N];
    uint64_t si[N];
    double sf[N];
    uint64_t x = 12345;
    char err[256];
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < N; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            uids[i] = (uint16_t)i;
            si[i] = (x >> 40) % 1000003;
            sf[i] = (double)si[i];
        }
        size_t fn, in;
        assert_true(yuma_weights_from_scores(uids, sf, N, fu, fv, &fn, err, sizeof err));
        assert_true(yuma_weights_from_ints(uids, si, N, iu, iv, &in, err, sizeof err));
        uint64_t max = 0;
        for (int i = 0; i < N; i++) max = si[i] > max ? si[i] : max;
        /* Walk both outputs by uid; they agree unless the exact value is a
         * tie, where the float path may land either side. */
        size_t a = 0, b = 0;
        for (int i = 0; i < N; i++) {
            bool tie = ((unsigned __int128)si[i] * 65535 * 2) % max == 0 &&
                       ((unsigned __int128)si[i] * 65535) % max != 0;
            int fval = a < fn && fu[a] == i ? fv[a++] : 0;
            int ival = b < in && iu[b] == i ? iv[b++] : 0;
            if (!tie) assert_int_equal(fval, ival);
            else assert_true(abs(fval - ival) <= 1);
            if (si[i] == max) assert_int_equal(ival, 65535);
        }
    }
}

static void bad_scores_are_refused_with_a_reason(void **state)
{
    (void)state;
    uint16_t uids[] = {1, 2}, dup[] = {7, 7}, ou[2], ov[2];
    size_t n = 99;
    char err[256];
    double neg[] = {1.0, -0.5}, nan_[] = {NAN, 1.0}, zero[] = {0.0, 0.0}, ok[] = {1.0, 2.0};
    assert_false(yuma_weights_from_scores(uids, neg, 2, ou, ov, &n, err, sizeof err));
    assert_non_null(strstr(err, "not negative"));
    assert_int_equal(n, 0);
    assert_false(yuma_weights_from_scores(uids, nan_, 2, ou, ov, &n, err, sizeof err));
    assert_non_null(strstr(err, "finite"));
    assert_false(yuma_weights_from_scores(uids, zero, 2, ou, ov, &n, err, sizeof err));
    assert_non_null(strstr(err, "nothing to set"));
    assert_false(yuma_weights_from_scores(dup, ok, 2, ou, ov, &n, err, sizeof err));
    assert_non_null(strstr(err, "uid 7 is given twice"));
}

/* ---- against a node ---- */

static uint64_t balance(yuma_sdk_client *c, const yuma_keypair *kp, uint64_t *nonce)
{
    char addr[YUMA_SS58_MAX], err[256];
    yuma_ss58_encode(&kp->pub, YUMA_SS58_PREFIX, addr);
    json_t *a = yuma_sdk_call(c, "account_get", json_pack("{s:s}", "address", addr), err, sizeof err);
    assert_non_null(a);
    uint64_t b = (uint64_t)json_integer_value(json_object_get(a, "balance"));
    if (nonce) *nonce = (uint64_t)json_integer_value(json_object_get(a, "nonce"));
    json_decref(a);
    return b;
}

static void a_transfer_is_followed_to_inclusion(void **state)
{
    testnet *t = *state;
    yuma_sdk_client *c = testnet_client(t);
    yuma_keypair alice = dev_key("alice"), fresh = dev_key("sdk-fresh-account");
    uint64_t before = balance(c, &fresh, NULL), alice_before = balance(c, &alice, NULL);
    yuma_call *call = new_call(YUMA_CALL_TRANSFER, 0);
    call->dest = account_of(&fresh);
    call->amount = 5 * YUMA_RAO_PER_TAO;
    yuma_sdk_tx_result r;
    assert_true(yuma_sdk_send(c, &alice, call, true, &r));
    free(call);
    assert_int_equal(r.outcome, YUMA_SDK_OK);
    assert_true(r.height > 0);
    assert_int_equal(strlen(r.id), 64);
    assert_true(r.fee > 0);
    assert_int_equal(balance(c, &fresh, NULL), before + 5 * YUMA_RAO_PER_TAO);
    /* alice paid the amount and the fee she signed for. */
    assert_int_equal(balance(c, &alice, NULL), alice_before - 5 * YUMA_RAO_PER_TAO - r.fee);
    yuma_sdk_client_free(c);
}

static void a_refused_call_changes_nothing(void **state)
{
    testnet *t = *state;
    yuma_sdk_client *c = testnet_client(t);
    /* An account with no balance cannot pay the fee: the mempool refuses. */
    yuma_keypair broke = dev_key("sdk-broke-account"), alice = dev_key("alice");
    uint64_t nonce_before, alice_before = balance(c, &alice, NULL);
    balance(c, &broke, &nonce_before);
    yuma_call *call = new_call(YUMA_CALL_TRANSFER, 0);
    call->dest = account_of(&alice);
    call->amount = 1;
    yuma_sdk_tx_result r;
    assert_false(yuma_sdk_send(c, &broke, call, true, &r));
    free(call);
    assert_int_equal(r.outcome, YUMA_SDK_REFUSED);
    assert_non_null(strstr(r.message, "refused"));
    uint64_t nonce_after;
    assert_int_equal(balance(c, &broke, &nonce_after), 0);
    assert_int_equal(nonce_after, nonce_before);
    assert_int_equal(balance(c, &alice, NULL), alice_before);
    /* A call the codec cannot encode is an error before anything is sent. */
    call = new_call((yuma_call_kind)250, 0);
    assert_false(yuma_sdk_send(c, &alice, call, true, &r));
    free(call);
    assert_int_equal(r.outcome, YUMA_SDK_ERROR);
    assert_non_null(strstr(r.message, "cannot be encoded"));
    yuma_sdk_client_free(c);
}

static void rate_limits_say_when_they_clear(void **state)
{
    testnet *t = *state;
    yuma_sdk_client *c = testnet_client(t);
    uint16_t netuid = testnet_subnet(c, "bob");
    yuma_keypair dave = dev_key("dave"), hot = dev_key("dave-sdk-hotkey");
    fund(c, &dave, &hot, 10 * YUMA_RAO_PER_TAO);
    yuma_sdk_tx_result r;
    assert_true(yuma_sdk_register(c, &dave, &hot.pub, netuid, &r));
    uint64_t registered = r.height;
    char err[256];
    json_t *sub = yuma_sdk_call(c, "subnet_get", json_pack("{s:i}", "netuid", netuid), err, sizeof err);
    assert_non_null(sub);
    uint64_t limit = (uint64_t)json_integer_value(
        json_object_get(json_object_get(sub, "hyperparameters"), "weights_rate_limit"));
    json_decref(sub);
    assert_true(limit > 10); /* the test relies on the limit not having passed yet */
    /* Registration counts as a weights update, so weights (here on its own
     * uid: no permit needed) wait until registered + limit. */
    uint16_t my_uid = 1;
    assert_false(yuma_sdk_weights_check(c, &hot.pub, netuid, &my_uid, 1, &r));
    assert_int_equal(r.outcome, YUMA_SDK_REFUSED);
    assert_int_equal(r.retry_at_block, registered + limit);
    assert_non_null(strstr(r.message, "rate limit"));
    /* Sent anyway, the chain refuses it with the same block, and the fee is paid. */
    yuma_call *call = new_call(YUMA_CALL_SET_WEIGHTS, netuid);
    call->uids[0] = my_uid;
    call->values[0] = 65535;
    call->weight_count = 1;
    uint64_t before = balance(c, &hot, NULL);
    assert_false(yuma_sdk_send(c, &hot, call, true, &r));
    free(call);
    assert_int_equal(r.outcome, YUMA_SDK_FAILED);
    assert_int_equal(r.retry_at_block, registered + limit);
    assert_non_null(strstr(r.message, "clears at block"));
    assert_int_equal(balance(c, &hot, NULL), before - r.fee);
    yuma_sdk_client_free(c);
}

static void the_weights_check_names_each_rule(void **state)
{
    testnet *t = *state;
    yuma_sdk_client *c = testnet_client(t);
    uint16_t netuid = testnet_subnet(c, "charlie");
    yuma_keypair eve = dev_key("eve"), hot = dev_key("eve-sdk-hotkey"), stranger = dev_key("sdk-stranger");
    yuma_sdk_tx_result r;
    assert_true(yuma_sdk_register(c, &eve, &hot.pub, netuid, &r));
    uint16_t uids[] = {0, 1};
    assert_false(yuma_sdk_weights_check(c, &stranger.pub, netuid, uids, 2, &r));
    assert_non_null(strstr(r.message, "is not registered on subnet"));
    uint16_t dup[] = {0, 0};
    assert_false(yuma_sdk_weights_check(c, &hot.pub, netuid, dup, 2, &r));
    assert_non_null(strstr(r.message, "given twice"));
    assert_false(yuma_sdk_weights_check(c, &hot.pub, 999, uids, 2, &r));
    assert_non_null(strstr(r.message, "no subnet 999"));
    assert_int_equal(r.outcome, YUMA_SDK_REFUSED);
    /* Nothing is sent when the check fails: the nonce stays. */
    uint64_t nonce_before, nonce_after;
    balance(c, &hot, &nonce_before);
    double scores[] = {1.0, 1.0};
    assert_false(yuma_sdk_set_weights(c, &hot, netuid, uids, scores, 2, 0, &r));
    assert_int_equal(r.outcome, YUMA_SDK_REFUSED);
    balance(c, &hot, &nonce_after);
    assert_int_equal(nonce_after, nonce_before);
    yuma_sdk_client_free(c);
}

/* The node's count of TCP connections it accepted (GET /metrics). */
static size_t on_text(char *d, size_t s, size_t n, void *arg)
{
    char **buf = arg;
    size_t old = *buf ? strlen(*buf) : 0;
    char *grown = realloc(*buf, old + s * n + 1);
    memcpy(grown + old, d, s * n);
    grown[old + s * n] = 0;
    *buf = grown;
    return s * n;
}

static uint64_t node_metric(const testnet *t, const char *name)
{
    char url[96], *text = NULL;
    snprintf(url, sizeof url, "%smetrics", t->url);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_text);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &text);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_cleanup(h);
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(text, key);
    assert_non_null(p);
    uint64_t v = strtoull(p + strlen(key), NULL, 10);
    free(text);
    return v;
}

static void one_connection_for_many_calls_and_none_left_open(void **state)
{
    testnet *t = *state;
    uint64_t opened0 = node_metric(t, "yuma_rpc_connections_opened_total");
    yuma_sdk_client *c = testnet_client(t);
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, 1);
    char err[256];
    uint64_t h;
    for (int i = 0; i < 300; i++) {
        assert_true(yuma_sdk_head(c, &h, err, sizeof err));
        if (i % 10 == 0) assert_true(yuma_metagraph_sync(&mg, c, err, sizeof err));
    }
    /* A long poll and a followed transfer use the same connection. */
    assert_true(yuma_sdk_wait_block(c, h, 5000, &h, err, sizeof err));
    yuma_keypair ferdie = dev_key("ferdie"), fresh = dev_key("sdk-leak-account");
    fund(c, &ferdie, &fresh, 1000);
    uint64_t opened1 = node_metric(t, "yuma_rpc_connections_opened_total");
    /* +1 for the client, +1 for the /metrics request itself. */
    assert_int_equal(opened1 - opened0, 2);
    yuma_sdk_client_free(c);
    yuma_metagraph_free(&mg);
    /* Clients made and freed in a loop leave nothing open. */
    for (int i = 0; i < 20; i++) {
        yuma_sdk_client *k = testnet_client(t);
        assert_true(yuma_sdk_head(k, &h, err, sizeof err));
        yuma_sdk_client_free(k);
    }
    uint64_t open = 99;
    for (int tries = 0; tries < 100 && open > 1; tries++) {
        open = node_metric(t, "yuma_rpc_connections_open");
        if (open > 1) usleep(10000);
    }
    assert_int_equal(open, 1); /* only the /metrics request being answered */
}

static int setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* 25 ms blocks: the rate-limit test must finish its calls inside the
     * 100-block weights limit (2.5 s) even on a loaded machine. */
    *state = testnet_start(25);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    testnet_stop(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(scores_are_converted_as_the_reference_does),
        cmocka_unit_test(integer_scores_round_half_to_even_exactly),
        cmocka_unit_test(integer_and_float_paths_agree_away_from_ties),
        cmocka_unit_test(bad_scores_are_refused_with_a_reason),
    };
    const struct CMUnitTest node[] = {
        cmocka_unit_test(a_transfer_is_followed_to_inclusion),
        cmocka_unit_test(a_refused_call_changes_nothing),
        cmocka_unit_test(rate_limits_say_when_they_clear),
        cmocka_unit_test(the_weights_check_names_each_rule),
        cmocka_unit_test(one_connection_for_many_calls_and_none_left_open),
    };
    int failed = cmocka_run_group_tests_name("weights", pure, NULL, NULL);
    return failed + cmocka_run_group_tests_name("chain client", node, setup, teardown);
}
