/*
 * main.c - yumad, the yuma node daemon: settings from a configuration file
 * and flags, signal handling, and the node's block loop (src/node/node.c
 * does the work).
 *
 *   yumad [--config FILE] --data DIR [--genesis FILE | --dev] [--rpc-port N]
 *         [--rpc-address A] [--block-ms MS] [--author ADDRESS] [--rpc-token TOKEN]
 *
 * Every setting has one name: `--rpc-port` on the command line is
 * "rpc_port" in the file (a JSON object, docs/NODE.md). Flags override
 * the file; anything unknown or malformed stops the daemon with a message
 * that names it.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/cluster.h"
#include "yuma/node.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int usage(const char *msg)
{
    if (msg) fprintf(stderr, "yumad: %s\n", msg);
    fprintf(stderr, "usage: yumad [--config FILE] --data DIR [--genesis FILE | --dev] [--rpc-port N]\n"
                    "             [--rpc-address ADDR] [--block-ms MS] [--author ADDRESS] [--rpc-token TOKEN]\n"
                    "             [--max-block-txs N] [--mempool-capacity N] [--mempool-per-sender N]\n"
                    "             [--cluster ETCD_URLS --cluster-name NAME [--cluster-advertise URL]\n"
                    "              [--cluster-lease-s S] [--cluster-retain-blocks N] [--cluster-block-bytes B]]\n"
                    "       yumad --data DIR --verify     (replay the stored blocks and compare the state)\n");
    return 2;
}

typedef struct {
    yuma_node_config node;
    yuma_cluster_config cluster; /* cluster mode when cluster.endpoints is set (docs/CLUSTER.md) */
    bool verify;
} settings;

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || *s == '-' || *s == 0 || v > max) return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (strcmp(s, "true") == 0) *out = true;
    else if (strcmp(s, "false") == 0) *out = false;
    else return false;
    return true;
}

/* Applies one setting by its file name ("rpc_port"); the value is text
 * (a flag's argument, or a file value rendered as text). */
static bool apply(settings *s, const char *key, const char *v, char *err, size_t errlen)
{
    uint64_t x;
    yuma_node_config *c = &s->node;
    if (strcmp(key, "data") == 0) c->data_dir = v;
    else if (strcmp(key, "genesis") == 0) c->genesis_path = v;
    else if (strcmp(key, "rpc_address") == 0) c->rpc_address = v;
    else if (strcmp(key, "rpc_token") == 0) c->rpc_token = v;
    else if (strcmp(key, "dev") == 0) {
        if (!parse_bool(v, &c->dev_genesis)) goto not_bool;
    } else if (strcmp(key, "verify") == 0) {
        if (!parse_bool(v, &s->verify)) goto not_bool;
    } else if (strcmp(key, "rpc_port") == 0) {
        if (!parse_u64(v, 65535, &x)) return snprintf(err, errlen, "rpc_port must be 0..65535, not '%s'", v), false;
        c->rpc_port = (uint16_t)x;
    } else if (strcmp(key, "block_ms") == 0) {
        if (!parse_u64(v, 3600000, &x) || x < 10)
            return snprintf(err, errlen, "block_ms must be 10..3600000, not '%s'", v), false;
        c->block_interval_ms = x;
    } else if (strcmp(key, "mempool_capacity") == 0) {
        if (!parse_u64(v, 1000000, &x) || x < 1)
            return snprintf(err, errlen, "mempool_capacity must be 1..1000000, not '%s'", v), false;
        c->mempool_capacity = (size_t)x;
    } else if (strcmp(key, "mempool_per_sender") == 0) {
        if (!parse_u64(v, 65536, &x) || x < 1)
            return snprintf(err, errlen, "mempool_per_sender must be 1..65536, not '%s'", v), false;
        c->mempool_per_sender = (size_t)x;
    } else if (strcmp(key, "max_block_txs") == 0) {
        if (!parse_u64(v, 100000, &x) || x < 1)
            return snprintf(err, errlen, "max_block_txs must be 1..100000, not '%s'", v), false;
        c->max_block_txs = (size_t)x;
    } else if (strcmp(key, "cluster") == 0) {
        s->cluster.endpoints = v;
    } else if (strcmp(key, "cluster_name") == 0) {
        s->cluster.name = v;
    } else if (strcmp(key, "cluster_advertise") == 0) {
        s->cluster.advertise_url = v;
    } else if (strcmp(key, "cluster_lease_s") == 0) {
        if (!parse_u64(v, 60, &x) || x < 1)
            return snprintf(err, errlen, "cluster_lease_s must be 1..60, not '%s'", v), false;
        s->cluster.lease_ttl_s = (unsigned)x;
    } else if (strcmp(key, "cluster_retain_blocks") == 0) {
        if (!parse_u64(v, 100000000, &x) || x < 2)
            return snprintf(err, errlen, "cluster_retain_blocks must be 2..100000000, not '%s'", v), false;
        s->cluster.retain_blocks = x;
    } else if (strcmp(key, "cluster_block_bytes") == 0) {
        if (!parse_u64(v, 64u << 20, &x) || x < 65536)
            return snprintf(err, errlen, "cluster_block_bytes must be 65536..67108864, not '%s'", v), false;
        s->cluster.max_block_bytes = (size_t)x;
    } else if (strcmp(key, "author") == 0) {
        yuma_pubkey pub;
        uint16_t prefix;
        char why[128] = "";
        if (yuma_ss58_decode(v, &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK || prefix != YUMA_SS58_PREFIX)
            return snprintf(err, errlen, "author must be a yuma (SS58 prefix 42) address, not '%s'", v), false;
        memcpy(c->author.bytes, pub.bytes, 32);
    } else {
        return snprintf(err, errlen, "unknown setting '%s'", key), false;
    }
    return true;
not_bool:
    return snprintf(err, errlen, "%s must be true or false, not '%s'", key, v), false;
}

/* Reads the configuration file into s. The JSON document stays alive (in
 * *doc) because the settings point into its strings. */
static bool load_config(const char *path, settings *s, json_t **doc, char *err, size_t errlen)
{
    json_error_t je;
    *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!*doc) return snprintf(err, errlen, "config %s: %s (line %d)", path, je.text, je.line), false;
    if (!json_is_object(*doc)) return snprintf(err, errlen, "config %s: must be a JSON object of settings", path), false;
    const char *key;
    json_t *val;
    json_object_foreach(*doc, key, val) {
        char text[32], why[256];
        const char *v;
        if (json_is_string(val)) v = json_string_value(val);
        else if (json_is_integer(val) && json_integer_value(val) >= 0)
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(val)), v = text;
        else if (json_is_boolean(val)) v = json_is_true(val) ? "true" : "false";
        else return snprintf(err, errlen, "config %s: \"%s\" must be a string, a non-negative integer or a boolean", path, key), false;
        /* Strings keep pointing into doc; a rendered number is only parsed. */
        if (!apply(s, key, v, why, sizeof why)) return snprintf(err, errlen, "config %s: %s", path, why), false;
    }
    return true;
}

static int parse_args(int argc, char **argv, settings *s, json_t **doc)
{
    char err[512];
    for (int i = 1; i < argc; i++) /* the file first: flags override it */
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) return usage("--config needs a file");
            if (!load_config(argv[i + 1], s, doc, err, sizeof err)) return usage(err);
        }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return usage(NULL), -1;
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, sizeof err, "unexpected argument '%s'", a);
            return usage(err);
        }
        char key[64];
        snprintf(key, sizeof key, "%s", a + 2);
        for (char *p = key; *p; p++)
            if (*p == '-') *p = '_';
        if (strcmp(key, "dev") == 0 || strcmp(key, "verify") == 0) {
            apply(s, key, "true", err, sizeof err);
            continue;
        }
        if (!v) {
            snprintf(err, sizeof err, "%s needs a value", a);
            return usage(err);
        }
        i++;
        if (strcmp(key, "config") == 0) continue;
        if (!apply(s, key, v, err, sizeof err)) {
            /* The same message as the file's, in flag form. */
            if (strncmp(err, "unknown setting", 15) == 0) snprintf(err, sizeof err, "unknown option '%s'", a);
            return usage(err);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    settings s = {.node = {.rpc_port = 9944}}; /* the CLI's default; 0 = any free port */
    json_t *doc = NULL;
    int st = parse_args(argc, argv, &s, &doc);
    if (st) {
        json_decref(doc);
        return st < 0 ? 0 : st;
    }
    yuma_node_config cfg = s.node;
    const yuma_cluster_config *cc = &s.cluster;
    if (!cc->endpoints && (cc->name || cc->advertise_url || cc->lease_ttl_s || cc->retain_blocks || cc->max_block_bytes)) {
        json_decref(doc);
        return usage("the cluster_* settings need --cluster ETCD_URLS (cluster mode, docs/CLUSTER.md)");
    }
    const char *corrupt = getenv("YUMA_TEST_CORRUPT_AT_HEIGHT");
    if (corrupt && !parse_u64(corrupt, UINT64_MAX, &s.cluster.test_corrupt_at_height)) {
        json_decref(doc);
        return usage("YUMA_TEST_CORRUPT_AT_HEIGHT must be a block height");
    }
    if (!cfg.data_dir) {
        json_decref(doc);
        return usage("--data DIR is required (or \"data\" in the config file)");
    }
    char err[1024];
    int rc = 0;
    if (s.verify) {
        uint64_t height = 0;
        if (!yuma_node_verify(cfg.data_dir, &height, err, sizeof err)) {
            fprintf(stderr, "yumad: %s\n", err);
            rc = 1;
        } else {
            printf("yumad: %s verified: the state at height %llu equals a replay of its blocks\n", cfg.data_dir,
                   (unsigned long long)height);
        }
        json_decref(doc);
        return rc;
    }
    if (cfg.dev_genesis && !cfg.block_interval_ms) cfg.block_interval_ms = 1000;
    yuma_node *n = yuma_node_open(&cfg, err, sizeof err);
    if (!n) {
        fprintf(stderr, "yumad: %s\n", err);
        json_decref(doc);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    yuma_cluster *cl = NULL;
    if (s.cluster.endpoints) {
        s.cluster.rpc_token = cfg.rpc_token;
        if (!(cl = yuma_cluster_start(n, &s.cluster, err, sizeof err))) {
            fprintf(stderr, "yumad: cluster: %s\n", err);
            yuma_node_close(n);
            json_decref(doc);
            return 1;
        }
    }
    printf("yumad: height %llu, JSON-RPC on http://%s:%u%s\n", (unsigned long long)yuma_node_height(n),
           cfg.rpc_address ? cfg.rpc_address : "127.0.0.1", yuma_node_rpc_port(n), cl ? " (cluster mode)" : "");
    fflush(stdout);
    bool ok = cl ? yuma_cluster_run(cl, &stop_requested, err, sizeof err) : yuma_node_run(n, &stop_requested, err, sizeof err);
    if (!ok) fprintf(stderr, "yumad: %s\n", err);
    yuma_cluster_stop(cl);
    yuma_node_close(n);
    json_decref(doc);
    return ok ? 0 : 1;
}
