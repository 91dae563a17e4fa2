/*
 * example.h - what the example subnet's miner and validator share: the
 * challenge (route "sum": {"numbers": [...]} answered by {"sum": n}), the
 * options both take (the node, the subnet, the hotkey), and Ctrl-C.
 */
#ifndef YUMA_EXAMPLE_SUBNET_H
#define YUMA_EXAMPLE_SUBNET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "yuma/sdk.h"

#define EXAMPLE_ROUTE "sum"

typedef struct {
    const char *rpc;          /* --rpc URL (default $YUMA_RPC or http://127.0.0.1:9944/) */
    long netuid;              /* --netuid N (required) */
    const char *dev_key;      /* --dev-key NAME: a devnet's well-known key (public: devnets only) */
    const char *wallet;       /* --wallet W --hotkey H [--wallet-path DIR]: an encrypted key ($YUMA_PASSWORD) */
    const char *hotkey;
    const char *wallet_path;
} example_common;

/* Takes the common option at argv[*i] (and its value); 1 taken, 0 not
 * one of them, -1 bad (message printed). */
int example_common_option(example_common *o, int argc, char **argv, int *i, const char *prog);
/* Checks the common options and loads the hotkey; false after a message. */
bool example_load(const example_common *o, yuma_keypair *kp, const char *prog);
/* Parses a whole decimal number in [min, max]; false after a message. */
bool example_number(const char *prog, const char *flag, const char *text, long min, long max, long *out);

/* Set by SIGINT / SIGTERM. */
extern volatile sig_atomic_t example_stop;
void example_on_signals(void);

/* A small generator for challenges and a miner's mistakes. */
uint64_t example_rand(uint64_t *state);

#endif
