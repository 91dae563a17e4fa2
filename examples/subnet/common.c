/*
 * common.c - the example subnet's shared options, key loading and signal
 * handling (example.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"
#include "yuma/genesis.h"

volatile sig_atomic_t example_stop;

static void on_signal(int sig)
{
    (void)sig;
    example_stop = 1;
}

void example_on_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

uint64_t example_rand(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

bool example_number(const char *prog, const char *flag, const char *text, long min, long max, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < min || v > max) {
        fprintf(stderr, "%s: %s must be a whole number from %ld to %ld, not \"%s\"\n", prog, flag, min, max, text);
        return false;
    }
    *out = v;
    return true;
}

int example_common_option(example_common *o, int argc, char **argv, int *i, const char *prog)
{
    const char *a = argv[*i];
    const char *const names[] = {"--rpc", "--netuid", "--dev-key", "--wallet", "--hotkey", "--wallet-path", NULL};
    int k = 0;
    while (names[k] && strcmp(a, names[k]) != 0) k++;
    if (!names[k]) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, a);
        return -1;
    }
    const char *v = argv[++*i];
    switch (k) {
    case 0: o->rpc = v; break;
    case 1: return example_number(prog, a, v, 1, 65534, &o->netuid) ? 1 : -1;
    case 2: o->dev_key = v; break;
    case 3: o->wallet = v; break;
    case 4: o->hotkey = v; break;
    default: o->wallet_path = v; break;
    }
    return 1;
}

bool example_load(const example_common *o, yuma_keypair *kp, const char *prog)
{
    if (o->netuid <= 0) {
        fprintf(stderr, "%s: --netuid N is required\n", prog);
        return false;
    }
    if (o->dev_key && o->wallet) {
        fprintf(stderr, "%s: give either --dev-key or --wallet/--hotkey, not both\n", prog);
        return false;
    }
    if (o->dev_key) {
        yuma_dev_keypair(o->dev_key, kp);
        return true;
    }
    if (!o->wallet || !o->hotkey) {
        fprintf(stderr, "%s: a hotkey is required: --wallet W --hotkey H (or --dev-key NAME on a devnet)\n", prog);
        return false;
    }
    /* The SDK's loader: the same checks and messages as every yuma process. */
    char err[512];
    const char *password = getenv("YUMA_PASSWORD");
    if (yuma_sdk_load_hotkey(o->wallet_path, o->wallet, o->hotkey, password, kp, err, sizeof err) != YUMA_WALLET_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return false;
    }
    return true;
}
