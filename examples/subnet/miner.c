/*
 * miner.c - the example subnet's miner (docs/SDK.md walks through it).
 *
 * It serves one route on an axon, "sum": a validator sends
 * {"numbers": [...]} and the miner answers {"sum": n}, right with the
 * probability --accuracy (a stand-in for the quality of real work). It
 * publishes where its axon listens with serve_axon, keeps its metagraph in
 * step with the chain so the axon knows the registered validators, and
 * stops cleanly on Ctrl-C or SIGTERM.
 *
 *   yuma-subnet-miner --netuid N (--dev-key NAME | --wallet W --hotkey H)
 *       [--rpc URL] [--ip 127.0.0.2] [--port 0] [--accuracy 100] [--seed S]
 *       [--files DIR] [--min-stake RAO]
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

static const char *const PROG = "yuma-subnet-miner";

typedef struct {
    long accuracy_pct;
    pthread_mutex_t mu; /* the generator: handlers run on several threads */
    uint64_t rng;
    uint64_t answered, wrong;
} miner;

/* The route's handler: parse, add, maybe get it wrong, answer. */
static void on_sum(const yuma_axon_request *rq, yuma_axon_response *resp, void *user)
{
    miner *m = user;
    json_error_t e;
    json_t *in = json_loadb((const char *)rq->body, rq->body_len, 0, &e);
    json_t *numbers = json_object_get(in, "numbers");
    if (!json_is_array(numbers) || json_array_size(numbers) > 1000) {
        json_decref(in);
        yuma_axon_respond_json(resp, 400, json_pack("{s:s}", "error", "send {\"numbers\": [up to 1000 integers]}"));
        return;
    }
    long long sum = 0;
    size_t i;
    json_t *v;
    json_array_foreach(numbers, i, v) sum += json_integer_value(v);
    json_decref(in);
    pthread_mutex_lock(&m->mu);
    bool wrong = (long)(example_rand(&m->rng) % 100) >= m->accuracy_pct;
    if (wrong) sum += 1 + (long long)(example_rand(&m->rng) % 100);
    m->answered++;
    m->wrong += wrong;
    pthread_mutex_unlock(&m->mu);
    yuma_axon_respond_json(resp, 200, json_pack("{s:I}", "sum", (json_int_t)sum));
}

typedef struct {
    example_common c;
    const char *ip, *files;
    long port, accuracy, seed, min_stake;
} options;

static bool parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->c.rpc = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    o->ip = "127.0.0.2";
    o->accuracy = 100;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        int taken = example_common_option(&o->c, argc, argv, &i, PROG);
        if (taken < 0) return false;
        if (taken) continue;
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "%s: unknown option or missing value: %s\n", PROG, a);
            return false;
        }
        i++;
        bool ok = true;
        if (strcmp(a, "--ip") == 0) o->ip = v;
        else if (strcmp(a, "--files") == 0) o->files = v;
        else if (strcmp(a, "--port") == 0) ok = example_number(PROG, a, v, 0, 65535, &o->port);
        else if (strcmp(a, "--accuracy") == 0) ok = example_number(PROG, a, v, 0, 100, &o->accuracy);
        else if (strcmp(a, "--seed") == 0) ok = example_number(PROG, a, v, 0, 1L << 30, &o->seed);
        else if (strcmp(a, "--min-stake") == 0) ok = example_number(PROG, a, v, 0, 1L << 62, &o->min_stake);
        else {
            fprintf(stderr, "%s: unknown option %s\n", PROG, a);
            return false;
        }
        if (!ok) return false;
    }
    return true;
}

/* Publishes ip:port unless the chain already has it; waits out the
 * serving rate limit if it must. */
static bool publish(yuma_sdk_client *c, const yuma_keypair *hot, const options *o, uint16_t port,
                    const yuma_neuron *me)
{
    if (me->axon.served && strcmp(me->axon.ip, o->ip) == 0 && me->axon.port == port) return true;
    for (int attempt = 0; attempt < 3 && !example_stop; attempt++) {
        yuma_sdk_tx_result r;
        if (yuma_sdk_serve_axon(c, hot, (uint16_t)o->c.netuid, o->ip, port, 4, 1, &r)) {
            printf("%s: serving on %s:%u (serve_axon in block %" PRIu64 ")\n", PROG, o->ip, port, r.height);
            return true;
        }
        fprintf(stderr, "%s: serve_axon: %s\n", PROG, r.message);
        if (!r.retry_at_block) return false;
        uint64_t h = r.height;
        char err[256];
        while (h < r.retry_at_block && !example_stop)
            if (!yuma_sdk_wait_block(c, h, 2000, &h, err, sizeof err)) return false;
    }
    return false;
}

int main(int argc, char **argv)
{
    options o;
    yuma_keypair hot;
    if (!parse(argc, argv, &o) || !example_load(&o.c, &hot, PROG)) return 2;
    example_on_signals();
    setvbuf(stdout, NULL, _IOLBF, 0);
    char err[512];
    yuma_sdk_client *c = yuma_sdk_client_new(&(yuma_sdk_config){.url = o.c.rpc}, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s: %s\n", PROG, err);
        return 1;
    }
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, (uint16_t)o.c.netuid);
    int status = 1;
    yuma_axon *axon = NULL;
    miner m = {.accuracy_pct = o.accuracy, .rng = (uint64_t)o.seed * 2654435761u + 1};
    pthread_mutex_init(&m.mu, NULL);
    if (!yuma_metagraph_sync(&mg, c, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", PROG, err);
        goto out;
    }
    const yuma_neuron *me = yuma_metagraph_find(&mg, &hot.pub);
    if (!me) {
        char addr[YUMA_SS58_MAX];
        yuma_ss58_encode(&hot.pub, YUMA_SS58_PREFIX, addr);
        fprintf(stderr, "%s: hotkey %s is not registered on subnet %ld; register it first (yuma register)\n", PROG,
                addr, o.c.netuid);
        goto out;
    }
    yuma_axon_config cfg = {.hotkey = hot.pub, .address = o.ip, .port = (uint16_t)o.port, .files_dir = o.files,
                            .min_stake = (uint64_t)o.min_stake};
    axon = yuma_axon_new(&cfg, err, sizeof err);
    if (!axon || !yuma_axon_route(axon, EXAMPLE_ROUTE, on_sum, &m, err, sizeof err) ||
        !yuma_axon_start(axon, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", PROG, err);
        goto out;
    }
    yuma_axon_set_metagraph(axon, &mg);
    printf("%s: uid %u on subnet %ld, axon on %s:%u, answering %ld%% right\n", PROG, me->uid, o.c.netuid, o.ip,
           yuma_axon_port(axon), o.accuracy);
    if (!publish(c, &hot, &o, yuma_axon_port(axon), me)) goto out;
    /* Follow the chain: a new registration or stake change re-syncs the
     * metagraph, and the axon's idea of who may call it with it. */
    uint64_t height = mg.block, reported = 0;
    while (!example_stop) {
        if (!yuma_sdk_wait_block(c, height, 1000, &height, err, sizeof err)) {
            if (example_stop) break; /* the node may be stopping with us */
            fprintf(stderr, "%s: %s\n", PROG, err);
            goto out;
        }
        bool changed;
        if (!yuma_metagraph_update(&mg, c, &changed, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", PROG, err);
            continue;
        }
        if (changed) yuma_axon_set_metagraph(axon, &mg);
        if (height >= reported + 100) {
            yuma_axon_stats st;
            yuma_axon_get_stats(axon, &st);
            uint64_t refused = 0;
            for (int i = 0; i < YUMA_AXON_REASONS; i++) refused += st.refused[i];
            printf("%s: block %" PRIu64 ": %" PRIu64 " answered, %" PRIu64 " refused\n", PROG, height, st.served,
                   refused);
            reported = height;
        }
    }
    status = 0;
out:
    yuma_axon_free(axon);
    yuma_metagraph_free(&mg);
    yuma_sdk_client_free(c);
    yuma_keypair_wipe(&hot);
    pthread_mutex_destroy(&m.mu);
    if (status == 0) printf("%s: stopped\n", PROG);
    return status;
}
