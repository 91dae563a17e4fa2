/*
 * sdk_testnet.h - a whole node in the test process for the SDK's tests: the
 * development genesis, a real store in a temporary directory, real HTTP,
 * and a producer thread making a block every few milliseconds, so the
 * SDK's calls are followed to inclusion exactly as against yumad. Header
 * only (static functions), shared by tests/test_sdk_client.c and
 * tests/test_metagraph.c.
 */
#ifndef YUMA_TEST_SDK_TESTNET_H
#define YUMA_TEST_SDK_TESTNET_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yuma/genesis.h"
#include "yuma/node.h"
#include "yuma/sdk_client.h"

typedef struct {
    char dir[64];
    char url[64];
    yuma_node *node;
    pthread_t producer;
    volatile sig_atomic_t stop;
    bool running;
} testnet;

static inline void *testnet_produce(void *arg)
{
    testnet *t = arg;
    char err[256];
    if (!yuma_node_run(t->node, &t->stop, err, sizeof err)) fprintf(stderr, "producer: %s\n", err);
    return NULL;
}

/* Opens a devnet node producing a block every block_ms. */
static inline testnet *testnet_start(unsigned block_ms)
{
    testnet *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    snprintf(t->dir, sizeof t->dir, "/tmp/yuma-sdk-test-XXXXXX");
    if (!mkdtemp(t->dir)) return NULL;
    yuma_node_config cfg = {.data_dir = t->dir, .dev_genesis = true, .block_interval_ms = block_ms};
    char err[256];
    t->node = yuma_node_open(&cfg, err, sizeof err);
    if (!t->node) {
        fprintf(stderr, "node: %s\n", err);
        return NULL;
    }
    snprintf(t->url, sizeof t->url, "http://127.0.0.1:%u/", yuma_node_rpc_port(t->node));
    t->running = pthread_create(&t->producer, NULL, testnet_produce, t) == 0;
    return t->running ? t : NULL;
}

static inline void testnet_stop(testnet *t)
{
    if (!t) return;
    t->stop = 1;
    if (t->running) pthread_join(t->producer, NULL);
    yuma_node_close(t->node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", t->dir);
    free(t);
}

static inline yuma_sdk_client *testnet_client(const testnet *t)
{
    char err[256];
    yuma_sdk_client *c = yuma_sdk_client_new(&(yuma_sdk_config){.url = t->url}, err, sizeof err);
    if (!c) fprintf(stderr, "client: %s\n", err);
    return c;
}

static inline yuma_keypair dev_key(const char *name)
{
    yuma_keypair kp;
    yuma_dev_keypair(name, &kp);
    return kp;
}

static inline yuma_account account_of(const yuma_keypair *kp)
{
    yuma_account a;
    memcpy(a.bytes, kp->pub.bytes, 32);
    return a;
}

static inline yuma_call *new_call(yuma_call_kind kind, uint16_t netuid)
{
    yuma_call *c = calloc(1, sizeof *c);
    c->kind = kind;
    c->netuid = netuid;
    return c;
}

/* Sends and requires success; the inclusion height. */
static inline uint64_t send_ok(yuma_sdk_client *c, const yuma_keypair *kp, yuma_call *call)
{
    yuma_sdk_tx_result r;
    bool ok = yuma_sdk_send(c, kp, call, true, &r);
    free(call);
    if (!ok) {
        fprintf(stderr, "send failed: %s\n", r.message);
        abort();
    }
    return r.height;
}

/* A subnet owned by `owner` (hotkey owner-hotkey), started; its netuid. */
static inline uint16_t testnet_subnet(yuma_sdk_client *c, const char *owner)
{
    char hot[64], err[256];
    snprintf(hot, sizeof hot, "%s-hotkey", owner);
    yuma_keypair o = dev_key(owner), oh = dev_key(hot);
    yuma_call *call = new_call(YUMA_CALL_REGISTER_NETWORK, 0);
    call->hotkey = account_of(&oh);
    send_ok(c, &o, call);
    json_t *list = yuma_sdk_call(c, "subnet_list", NULL, err, sizeof err);
    uint16_t netuid = 0;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        const char *ck = json_string_value(json_object_get(s, "owner_hotkey"));
        char addr[YUMA_SS58_MAX];
        yuma_ss58_encode(&oh.pub, YUMA_SS58_PREFIX, addr);
        if (ck && strcmp(ck, addr) == 0) netuid = (uint16_t)json_integer_value(json_object_get(s, "netuid"));
    }
    json_decref(list);
    send_ok(c, &o, new_call(YUMA_CALL_START_CALL, netuid));
    return netuid;
}

/* funder sends amount rao to the account of `to`. */
static inline void fund(yuma_sdk_client *c, const yuma_keypair *funder, const yuma_keypair *to, uint64_t amount)
{
    yuma_call *call = new_call(YUMA_CALL_TRANSFER, 0);
    call->dest = account_of(to);
    call->amount = amount;
    send_ok(c, funder, call);
}

#endif
