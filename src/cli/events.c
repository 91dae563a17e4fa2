/*
 * events.c - `yuma events`: what the chain's blocks did (transfers, stake,
 * registrations, epochs, governance notices), optionally for one subnet or
 * one account, and with --follow as they happen: the node's long-poll
 * (chain_waitForBlock) wakes us at each new block, so following costs no
 * polling loop.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "yuma/chain.h"
#include "yuma/rpc_client.h"

typedef struct {
    const char *rpc, *account;
    long long from, to, netuid, limit;
    bool follow, json;
} events_opts;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage_error(const char *what, const char *value)
{
    if (value) fprintf(stderr, "yuma events: %s '%s'\n", what, value);
    else fprintf(stderr, "yuma events: %s\n", what);
    fprintf(stderr, "usage: yuma events [--from HEIGHT] [--to HEIGHT] [--netuid N] [--account ADDRESS] [--limit N] "
                    "[--follow] [--json] [--rpc URL]\n");
    return 2;
}

static bool parse_number(const char *s, long long max, long long *out)
{
    uint64_t v;
    if (!cli_parse_uint(s, 0, (uint64_t)max, &v)) return false;
    *out = (long long)v;
    return true;
}

static int parse(int argc, char **argv, events_opts *o)
{
    *o = (events_opts){.from = -1, .to = -1, .netuid = -1, .limit = 1000};
    o->rpc = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--follow") == 0) { o->follow = true; continue; }
        if (strcmp(a, "--json") == 0) { o->json = true; continue; }
        if (!v) return usage_error("option needs a value:", a);
        i++;
        if (strcmp(a, "--rpc") == 0) o->rpc = v;
        else if (strcmp(a, "--account") == 0) o->account = v;
        else if (strcmp(a, "--from") == 0) { if (!parse_number(v, INT64_MAX, &o->from) || o->from == 0) return usage_error("--from must be a block height of at least 1, not", v); }
        else if (strcmp(a, "--to") == 0) { if (!parse_number(v, INT64_MAX, &o->to)) return usage_error("--to must be a block height, not", v); }
        else if (strcmp(a, "--netuid") == 0) { if (!parse_number(v, 65534, &o->netuid)) return usage_error("--netuid must be 0..65534, not", v); }
        else if (strcmp(a, "--limit") == 0) { if (!parse_number(v, 10000, &o->limit) || o->limit == 0) return usage_error("--limit must be 1..10000, not", v); }
        else return usage_error("unknown option", a);
    }
    if (o->to >= 0 && o->from > o->to) return usage_error("--from is after --to", NULL);
    if (o->follow && o->to >= 0) return usage_error("--follow and --to exclude each other", NULL);
    return 0;
}

static void print_event(const json_t *e, bool json)
{
    if (json) {
        char *s = json_dumps(e, JSON_COMPACT);
        if (s) printf("%s\n", s);
        free(s);
        return;
    }
    const json_t *netuid = json_object_get(e, "netuid"), *who = json_object_get(e, "who"),
                 *other = json_object_get(e, "other");
    printf("block %-8lld", (long long)json_integer_value(json_object_get(e, "height")));
    long long tx = (long long)json_integer_value(json_object_get(e, "tx_index"));
    if (tx >= 0) printf(" tx %-4lld", tx);
    else printf(" (block)");
    printf(" %-18s", json_string_value(json_object_get(e, "kind")));
    if (json_is_integer(netuid)) printf(" netuid %lld", (long long)json_integer_value(netuid));
    if (who) printf(" by %s", json_string_value(who));
    if (other) printf(" -> %s", json_string_value(other));
    unsigned long long amount = (unsigned long long)json_integer_value(json_object_get(e, "amount"));
    if (amount) printf(" amount %llu.%09llu", amount / YUMA_RAO_PER_TAO, amount % YUMA_RAO_PER_TAO);
    unsigned long long value = (unsigned long long)json_integer_value(json_object_get(e, "value"));
    if (value) printf(" value %llu", value);
    putchar('\n');
}

/* Prints the events of blocks from..to; returns the next height to read,
 * or 0 after an error (already printed). */
static unsigned long long print_range(yuma_rpc_client *rc, const events_opts *o, unsigned long long from,
                                      long long to)
{
    while (true) {
        json_t *p = json_pack("{s:I, s:I}", "from_height", (json_int_t)from, "limit", (json_int_t)o->limit);
        if (to >= 0) json_object_set_new(p, "to_height", json_integer(to));
        if (o->netuid >= 0) json_object_set_new(p, "netuid", json_integer(o->netuid));
        if (o->account) json_object_set_new(p, "account", json_string(o->account));
        json_t *r = cli_call(rc, "chain_getEvents", p);
        if (!r) return 0;
        json_t *list = json_object_get(r, "events");
        for (size_t i = 0; i < json_array_size(list); i++) print_event(json_array_get(list, i), o->json);
        fflush(stdout);
        unsigned long long next = (unsigned long long)json_integer_value(json_object_get(r, "next_from_height"));
        unsigned long long covered = (unsigned long long)json_integer_value(json_object_get(r, "to_height"));
        json_decref(r);
        /* Done when the node has nothing further (covered < from) or the
         * requested range is read. */
        if (covered < from || (to >= 0 && covered >= (unsigned long long)to)) return next;
        if (next == from) return next;
        from = next;
    }
}

int cmd_events(int argc, char **argv)
{
    events_opts o;
    int st = parse(argc, argv, &o);
    if (st) return st;
    yuma_rpc_client *rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = o.rpc});
    if (!rc) return 1;
    int result = 1;
    json_t *head = cli_call(rc, "chain_head", NULL);
    if (!head) goto out;
    unsigned long long height = (unsigned long long)json_integer_value(json_object_get(head, "height"));
    json_decref(head);
    /* By default: the last 100 blocks, or from the next one when following. */
    unsigned long long from = o.from > 0 ? (unsigned long long)o.from
                              : o.follow ? height + 1
                              : height > 100 ? height - 99 : 1;
    unsigned long long next = from;
    if (!o.follow || from <= height) {
        next = print_range(rc, &o, from, o.follow ? (long long)height : o.to);
        if (!next) goto out;
    }
    if (o.follow) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        while (!stop) {
            uint64_t h = 0;
            bool timed_out = false;
            yuma_rpc_client_error err;
            if (!yuma_rpc_client_wait_block(rc, next - 1, 10000, &h, &timed_out, &err)) {
                if (stop) break;
                fprintf(stderr, "yuma: %s\n", err.message);
                goto out;
            }
            if (timed_out || h < next) continue;
            next = print_range(rc, &o, next, (long long)h);
            if (!next) goto out;
        }
    }
    result = 0;
out:
    yuma_rpc_client_free(rc);
    return result;
}
