/*
 * validator.c - the example subnet's validator (docs/SDK.md walks through
 * it).
 *
 * Every --every blocks it sends --challenges fresh "sum" challenges to
 * every miner that serves an axon, all miners at once through the
 * dendrite, and counts each miner's right answers. Its score of a miner is
 * the share of all its challenges the miner got right; when the chain
 * allows (the weights rate limit has passed and the validator holds a
 * permit: the SDK checks before it pays a fee), it sets weights from those
 * scores by a real transaction. It stops cleanly on Ctrl-C or SIGTERM, or
 * after --rounds weight settings.
 *
 *   yuma-subnet-validator --netuid N (--dev-key NAME | --wallet W --hotkey H)
 *       [--rpc URL] [--every 5] [--challenges 4] [--timeout-ms 2000] [--rounds 0]
 *       [--min-asked 16]
 *
 * A miner is scored only once it has been asked --min-asked challenges,
 * so a weight never rests on a handful of answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

static const char *const PROG = "yuma-subnet-validator";

typedef struct {
    example_common c;
    long every, challenges, timeout_ms, rounds, seed, min_asked;
} options;

static bool parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->c.rpc = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    o->every = 5;
    o->challenges = 4;
    o->timeout_ms = 2000;
    o->seed = 7;
    o->min_asked = 16;
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
        bool ok;
        if (strcmp(a, "--every") == 0) ok = example_number(PROG, a, v, 1, 100000, &o->every);
        else if (strcmp(a, "--challenges") == 0) ok = example_number(PROG, a, v, 1, 1000, &o->challenges);
        else if (strcmp(a, "--timeout-ms") == 0) ok = example_number(PROG, a, v, 10, 600000, &o->timeout_ms);
        else if (strcmp(a, "--rounds") == 0) ok = example_number(PROG, a, v, 0, 1000000, &o->rounds);
        else if (strcmp(a, "--seed") == 0) ok = example_number(PROG, a, v, 0, 1L << 30, &o->seed);
        else if (strcmp(a, "--min-asked") == 0) ok = example_number(PROG, a, v, 1, 1000000, &o->min_asked);
        else {
            fprintf(stderr, "%s: unknown option %s\n", PROG, a);
            return false;
        }
        if (!ok) return false;
    }
    return true;
}

/* What this validator knows of each uid. */
typedef struct {
    uint64_t asked[YUMA_TX_MAX_WEIGHTS], right[YUMA_TX_MAX_WEIGHTS];
    uint64_t rng;
} tally;

/* One challenge to every miner at once; counts who got it right. */
static void challenge(yuma_dendrite *d, const yuma_metagraph *mg, const yuma_pubkey *self, long timeout_ms,
                      tally *t)
{
    yuma_dendrite_target *targets = calloc(mg->n ? mg->n : 1, sizeof *targets);
    yuma_dendrite_response *out = calloc(mg->n ? mg->n : 1, sizeof *out);
    size_t n = 0;
    for (size_t i = 0; targets && i < mg->n; i++) {
        const yuma_neuron *nr = &mg->neurons[i];
        if (memcmp(nr->hotkey.bytes, self->bytes, 32) == 0 || nr->uid >= YUMA_TX_MAX_WEIGHTS) continue;
        if (yuma_dendrite_target_of(nr, &targets[n])) n++;
    }
    json_t *numbers = json_array();
    long long sum = 0;
    for (int k = 0; k < 8; k++) {
        long long v = (long long)(example_rand(&t->rng) % 2000) - 1000;
        sum += v;
        json_array_append_new(numbers, json_integer(v));
    }
    json_t *req = json_pack("{s:o}", "numbers", numbers);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body && out && n) {
        yuma_dendrite_query(d, targets, n, EXAMPLE_ROUTE, body, strlen(body), "application/json", timeout_ms, out);
        for (size_t i = 0; i < n; i++) {
            int uid = targets[i].uid;
            t->asked[uid]++;
            json_error_t e;
            json_t *ans = out[i].outcome == YUMA_DENDRITE_OK
                              ? json_loadb((const char *)out[i].body, out[i].body_len, 0, &e)
                              : NULL;
            const json_t *s = json_object_get(ans, "sum");
            if (json_is_integer(s) && json_integer_value(s) == sum) t->right[uid]++;
            json_decref(ans);
        }
        yuma_dendrite_responses_free(out, n);
    }
    free(body);
    free(targets);
    free(out);
}

/* Sets weights from the shares right; returns the block at which to try
 * again (the rate limit's, or a few blocks on for other refusals). */
static uint64_t set_weights(yuma_sdk_client *c, const yuma_keypair *hot, const options *o, const tally *t,
                            uint64_t height, bool *done)
{
    uint16_t uids[YUMA_TX_MAX_WEIGHTS];
    double scores[YUMA_TX_MAX_WEIGHTS];
    size_t n = 0;
    for (unsigned uid = 0; uid < YUMA_TX_MAX_WEIGHTS; uid++)
        if (t->asked[uid] >= (uint64_t)o->min_asked) {
            uids[n] = (uint16_t)uid;
            scores[n++] = (double)t->right[uid] / (double)t->asked[uid];
        }
    *done = false;
    if (!n) return height + 1; /* nobody has answered enough challenges yet */
    yuma_sdk_tx_result r;
    if (yuma_sdk_set_weights(c, hot, (uint16_t)o->c.netuid, uids, scores, n, 0, &r)) {
        printf("%s: weights set in block %" PRIu64 ":", PROG, r.height);
        for (size_t i = 0; i < n; i++) printf(" uid %u %.2f", uids[i], scores[i]);
        printf("\n");
        *done = true;
        return height + 1;
    }
    printf("%s: not yet: %s\n", PROG, r.message);
    if (r.retry_at_block) return r.retry_at_block;
    return height + 10;
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
    yuma_dendrite *d = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &hot});
    tally *t = calloc(1, sizeof *t);
    if (!c || !d || !t) {
        fprintf(stderr, "%s: %s\n", PROG, c ? "out of memory" : err);
        return 1;
    }
    t->rng = (uint64_t)o.seed * 0x9E3779B97F4A7C15ull + 1;
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, (uint16_t)o.c.netuid);
    int status = 1;
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
    printf("%s: uid %u on subnet %ld; %ld challenges to every miner each %ld blocks\n", PROG, me->uid, o.c.netuid,
           o.challenges, o.every);
    uint64_t height = mg.block, next_query = 0, next_weights = 0;
    long rounds = 0;
    while (!example_stop && (o.rounds == 0 || rounds < o.rounds)) {
        if (!yuma_sdk_wait_block(c, height, 1000, &height, err, sizeof err)) {
            if (example_stop) break; /* the node may be stopping with us */
            fprintf(stderr, "%s: %s\n", PROG, err);
            goto out;
        }
        if (!yuma_metagraph_update(&mg, c, NULL, err, sizeof err)) fprintf(stderr, "%s: %s\n", PROG, err);
        if (height >= next_query) {
            for (long k = 0; k < o.challenges && !example_stop; k++) challenge(d, &mg, &hot.pub, o.timeout_ms, t);
            next_query = height + (uint64_t)o.every;
        }
        if (height >= next_weights) {
            bool done;
            next_weights = set_weights(c, &hot, &o, t, height, &done);
            rounds += done;
        }
    }
    status = 0;
out:
    yuma_metagraph_free(&mg);
    yuma_dendrite_free(d);
    yuma_sdk_client_free(c);
    yuma_keypair_wipe(&hot);
    free(t);
    if (status == 0) printf("%s: stopped\n", PROG);
    return status;
}
