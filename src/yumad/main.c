/*
 * main.c - yumad, the yuma node daemon: flags, signal handling, and the
 * node's block loop (src/node/node.c does the work).
 *
 *   yumad --data DIR [--genesis FILE | --dev] [--rpc-port N] [--rpc-address A]
 *         [--block-ms MS] [--author ADDRESS] [--rpc-token TOKEN]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    fprintf(stderr, "usage: yumad --data DIR [--genesis FILE | --dev] [--rpc-port N] [--rpc-address ADDR]\n"
                    "             [--block-ms MS] [--author ADDRESS] [--rpc-token TOKEN]\n"
                    "       yumad --data DIR --verify     (replay the stored blocks and compare the state)\n");
    return 2;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || *s == '-' || *s == 0 || v > max) return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    yuma_node_config cfg = {.rpc_port = 9944}; /* the CLI's default; 0 = any free port */
    bool verify = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(a, "--dev") == 0) { cfg.dev_genesis = true; continue; }
        if (strcmp(a, "--verify") == 0) { verify = true; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(NULL); return 0; }
        if (!v) return usage("an option is missing its value");
        if (strcmp(a, "--data") == 0) cfg.data_dir = v;
        else if (strcmp(a, "--genesis") == 0) cfg.genesis_path = v;
        else if (strcmp(a, "--rpc-address") == 0) cfg.rpc_address = v;
        else if (strcmp(a, "--rpc-token") == 0) cfg.rpc_token = v;
        else if (strcmp(a, "--rpc-port") == 0) {
            if (!parse_u64(v, 65535, &x)) return usage("--rpc-port must be 0..65535");
            cfg.rpc_port = (uint16_t)x;
        } else if (strcmp(a, "--block-ms") == 0) {
            if (!parse_u64(v, 3600000, &x) || x < 10) return usage("--block-ms must be 10..3600000");
            cfg.block_interval_ms = x;
        } else if (strcmp(a, "--author") == 0) {
            yuma_pubkey pub;
            uint16_t prefix;
            char why[128];
            if (yuma_ss58_decode(v, &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK || prefix != YUMA_SS58_PREFIX)
                return usage("--author must be a yuma (SS58 prefix 42) address");
            memcpy(cfg.author.bytes, pub.bytes, 32);
        } else {
            fprintf(stderr, "yumad: unknown option '%s'\n", a);
            return usage(NULL);
        }
        i++;
    }
    if (!cfg.data_dir) return usage("--data DIR is required");
    char err[1024];
    if (verify) {
        uint64_t height = 0;
        if (!yuma_node_verify(cfg.data_dir, &height, err, sizeof err)) {
            fprintf(stderr, "yumad: %s\n", err);
            return 1;
        }
        printf("yumad: %s verified: the state at height %llu equals a replay of its blocks\n", cfg.data_dir,
               (unsigned long long)height);
        return 0;
    }
    if (cfg.dev_genesis && !cfg.block_interval_ms) cfg.block_interval_ms = 1000;
    yuma_node *n = yuma_node_open(&cfg, err, sizeof err);
    if (!n) {
        fprintf(stderr, "yumad: %s\n", err);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("yumad: height %llu, JSON-RPC on http://%s:%u\n", (unsigned long long)yuma_node_height(n),
           cfg.rpc_address ? cfg.rpc_address : "127.0.0.1", yuma_node_rpc_port(n));
    fflush(stdout);
    bool ok = yuma_node_run(n, &stop_requested, err, sizeof err);
    if (!ok) fprintf(stderr, "yumad: %s\n", err);
    yuma_node_close(n);
    return ok ? 0 : 1;
}
