/*
 * subnet_train_net.c - `yuma subnet train miner` and `yuma subnet train
 * validator`: one training-subnet process on a running node
 * (include/yuma/trainnet.h, docs/TRAINING_NET.md). It follows the chain
 * until the last window or SIGINT/SIGTERM; killed and started again with
 * the same --dir, it catches up and rejoins.
 *
 * Keys: --wallet W --hotkey H [--wallet-path D] signs with a hotkey of the
 * project's wallets (docs/WALLETS.md; an encrypted one's password from
 * $YUMA_PASSWORD or the terminal, as every yuma command), which must be
 * registered on the subnet already; --dev-key NAME uses a development key
 * (a devnet's well-known keys) and registers it with NAME's coldkey.
 *
 * Exit status: 0 done or stopped, 1 runtime failure, 2 usage error (a bad
 * flag, a wallet that cannot be loaded, a hotkey not registered): nothing
 * started.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/prompt.h"
#include "yuma/corpus.h"
#include "yuma/genesis.h"
#include "yuma/sdk_wallet.h"
#include "yuma/trainnet.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f, const char *role)
{
    fprintf(f,
            "usage: yuma subnet train %s --netuid N (--wallet W --hotkey H | --dev-key NAME) --start-block B [options]\n"
            "  --rpc URL            the node (default $YUMA_RPC or http://127.0.0.1:9944/)\n"
            "  --netuid N           the subnet (1..65534)\n"
            "  --wallet W --hotkey H  sign with hotkey H of wallet W (registered on the subnet already: yuma\n"
            "                       register); an encrypted hotkey's password from $YUMA_PASSWORD or the terminal\n"
            "  --wallet-path DIR    the wallets (default $YUMA_WALLET_PATH or ~/.yuma/wallets)\n"
            "  --dev-key NAME       instead of a wallet: a development key (e.g. miner-0-hotkey), registered if\n"
            "                       needed with the coldkey NAME without -hotkey (devnets only: the keys are public)\n"
            "  --index I            miner: its training uid 0..miners-1; validator: 0 (the lead) .. validators-1\n"
            "                       (default 0)\n"
            "  --kind KIND          miner: honest (default), noise, noise100, lazy, freerider, stale, zero, late,\n"
            "                       skipper, desync\n"
            "  --start-block B      the block at which window 0 starts (every process of a run the same)\n"
            "  --windows N          windows of the run (default 40)\n"
            "  --miners N           miners in the run (default 4)   --validators V (default 1)\n"
            "  --config T0|T1       the model (default T0)           --seed S (default 1)\n"
            "  --blocks-per-window N  (default 10)\n"
            "  --corpus PATH        the text (default data/kjv.txt)\n"
            "  --dir DIR            store/, pub/ and state.bin, the state saved after every window and restored on\n"
            "                       start (a damaged one is refused: exit 2) (default yuma-train-<role>-<index>)\n"
            "  --ip ADDR            the axon's address (default 127.0.0.2)\n"
            "  --heldout N          the lead's held-out windows per evaluation (default 32, 0: none)\n"
            "  --binary-alpha A     validators: the moving average of the binary score (default %.2f; short runs\n"
            "                       0.5, as trainsim's tests, so scores settle within a few windows)\n"
            "  --binary-threshold T validators: the binary score a miner needs for a weight (default %.2f)\n",
            role, yuma_gauntlet_defaults().binary_alpha, yuma_gauntlet_defaults().binary_threshold);
}

/* What the messages name: the command with its role, "miner" or
 * "validator" (cmd_subnet_train passes no other). */
static const char *who(const char *role)
{
    return strcmp(role, "miner") == 0 ? "yuma subnet train miner" : "yuma subnet train validator";
}

#define usage_error(role, ...) cli_usage_error(who(role), "see --help", __VA_ARGS__)

/* A refusal that is not about the flags' spelling: a wallet that cannot
 * be loaded, a hotkey not registered. Exit 2, nothing started. */
static int refuse(const char *role, const char *msg)
{
    return cli_usage_error(who(role), NULL, "%s", msg);
}

typedef struct {
    yuma_trainnet_config c;
    const char *corpus_path, *dev_key, *wallet, *hotkey, *wallet_path;
    char dir[256];
    bool have_start;
} net_opts;

static int parse(int argc, char **argv, net_opts *o)
{
    const char *role = argv[0];
    yuma_trainnet_config *c = &o->c;
    memset(o, 0, sizeof *o);
    yuma_trainsim_defaults("T0", &c->sim);
    c->role = strcmp(role, "miner") == 0 ? YUMA_TRAINNET_MINER : YUMA_TRAINNET_VALIDATOR;
    c->rpc_url = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    c->ip = "127.0.0.2";
    c->heldout_windows = 32;
    o->corpus_path = "data/kjv.txt";
    const char *dir = NULL, *config = "T0";
    double alpha = -1, threshold = -2;
    uint64_t x, netuid = 0, miners = 4, validators = 1, windows = 40, seed = 1, bpw = 10, index = 0;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage_error(role, "missing value after %s", a);
        if (strcmp(a, "--rpc") == 0) c->rpc_url = v;
        else if (strcmp(a, "--netuid") == 0) {
            if (!cli_parse_uint(v, 1, 65534, &netuid)) return usage_error(role, "--netuid must be 1..65534, not '%s'", v);
        } else if (strcmp(a, "--dev-key") == 0) o->dev_key = v;
        else if (strcmp(a, "--wallet") == 0) o->wallet = v;
        else if (strcmp(a, "--hotkey") == 0) o->hotkey = v;
        else if (strcmp(a, "--wallet-path") == 0) o->wallet_path = v;
        else if (strcmp(a, "--index") == 0) {
            if (!cli_parse_uint(v, 0, 15, &index)) return usage_error(role, "--index must be 0..15, not '%s'", v);
        } else if (strcmp(a, "--kind") == 0) {
            if (c->role != YUMA_TRAINNET_MINER) return usage_error(role, "--kind is for miners");
            if (!yuma_miner_kind_parse(v, &c->kind) || c->kind == YUMA_MINER_COPIER)
                return usage_error(role, "--kind must be honest, noise, noise100, lazy, freerider, stale, zero, late, "
                                         "skipper or desync, not '%s'", v);
        } else if (strcmp(a, "--start-block") == 0) {
            if (!cli_parse_uint(v, 0, UINT64_MAX / 2, &c->start_block))
                return usage_error(role, "--start-block must be a block height, not '%s'", v);
            o->have_start = true;
        } else if (strcmp(a, "--windows") == 0) {
            if (!cli_parse_uint(v, 1, 100000, &windows)) return usage_error(role, "--windows must be 1..100000, not '%s'", v);
        } else if (strcmp(a, "--miners") == 0) {
            if (!cli_parse_uint(v, 1, YUMA_TRAINSIM_MAX_MINERS, &miners)) return usage_error(role, "--miners must be 1..16, not '%s'", v);
        } else if (strcmp(a, "--validators") == 0) {
            if (!cli_parse_uint(v, 1, YUMA_TRAINSIM_MAX_VALIDATORS, &validators))
                return usage_error(role, "--validators must be 1..8, not '%s'", v);
        } else if (strcmp(a, "--config") == 0) config = v;
        else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_uint(v, 0, UINT64_MAX, &seed)) return usage_error(role, "--seed must be an integer, not '%s'", v);
        } else if (strcmp(a, "--blocks-per-window") == 0) {
            if (!cli_parse_uint(v, 4, 100000, &bpw)) return usage_error(role, "--blocks-per-window must be 4..100000, not '%s'", v);
        } else if (strcmp(a, "--corpus") == 0) o->corpus_path = v;
        else if (strcmp(a, "--dir") == 0) dir = v;
        else if (strcmp(a, "--ip") == 0) c->ip = v;
        else if (strcmp(a, "--heldout") == 0) {
            if (!cli_parse_uint(v, 0, 256, &x)) return usage_error(role, "--heldout must be 0..256, not '%s'", v);
            c->heldout_windows = (uint32_t)x;
        } else if (strcmp(a, "--binary-alpha") == 0 || strcmp(a, "--binary-threshold") == 0) {
            char *end;
            double d = strtod(v, &end);
            bool is_alpha = strcmp(a, "--binary-alpha") == 0;
            if (*end || !*v || !(is_alpha ? d > 0 && d <= 1 : d >= -1 && d <= 1))
                return usage_error(role, "%s must be a number in %s, not '%s'", a, is_alpha ? "(0, 1]" : "[-1, 1]", v);
            if (is_alpha) alpha = d;
            else threshold = d;
        } else return usage_error(role, "unknown option '%s'", a);
    }
    if (!yuma_trainsim_defaults(config, &c->sim)) return usage_error(role, "--config must be T0, T1 or T2, not '%s'", config);
    if (!netuid) return usage_error(role, "--netuid is required");
    if (o->dev_key && (o->wallet || o->hotkey || o->wallet_path))
        return usage_error(role, "--dev-key and --wallet/--hotkey/--wallet-path exclude each other");
    if (!o->dev_key && (!o->wallet || !o->hotkey))
        return usage_error(role, "--wallet NAME and --hotkey NAME are required (or --dev-key NAME on a devnet)");
    if (o->dev_key && !*o->dev_key) return usage_error(role, "--dev-key needs a key name");
    if (!o->have_start) return usage_error(role, "--start-block is required (every process of a run must agree)");
    if (alpha > 0) c->sim.gauntlet.binary_alpha = alpha;
    if (threshold >= -1) c->sim.gauntlet.binary_threshold = threshold;
    c->netuid = (uint16_t)netuid;
    c->index = (uint32_t)index;
    c->sim.miners = (uint32_t)miners;
    c->sim.validators = (uint32_t)validators;
    c->sim.windows = windows;
    c->sim.seed = seed;
    c->sim.proto.blocks_per_window = (uint32_t)bpw;
    if (dir) snprintf(o->dir, sizeof o->dir, "%s", dir);
    else snprintf(o->dir, sizeof o->dir, "yuma-train-%s-%u", role, c->index);
    c->dir = o->dir;
    c->sim.store_dir = o->dir;
    if (!o->dev_key) return 0; /* the wallet's hotkey is loaded after parsing */
    yuma_dev_keypair(o->dev_key, &c->hotkey);
    char cold[128];
    size_t l = strlen(o->dev_key);
    if (l > 7 && l < sizeof cold && strcmp(o->dev_key + l - 7, "-hotkey") == 0) {
        memcpy(cold, o->dev_key, l - 7);
        cold[l - 7] = 0;
        yuma_dev_keypair(cold, &c->coldkey);
        c->have_coldkey = true;
    }
    return 0;
}

/* The wallet's hotkey into o->c.hotkey: plaintext as it is, encrypted
 * with the password; a one-line reason when it cannot be had. */
static bool load_wallet_hotkey(net_opts *o, char *err, size_t errlen)
{
    yuma_wallet_err e = yuma_sdk_load_hotkey(o->wallet_path, o->wallet, o->hotkey, NULL, &o->c.hotkey, err, errlen);
    if (e == YUMA_WALLET_ENOPASS) {
        char password[256], prompt[160];
        snprintf(prompt, sizeof prompt, "password for hotkey %s: ", o->hotkey);
        if (!cli_read_password(prompt, password, sizeof password)) return false; /* err says how to give one */
        e = yuma_sdk_load_hotkey(o->wallet_path, o->wallet, o->hotkey, password, &o->c.hotkey, err, errlen);
        memset(password, 0, sizeof password);
    }
    return e == YUMA_WALLET_OK;
}

int cmd_subnet_train_net(int argc, char **argv)
{
    const char *role = argv[0];
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, role);
            return 0;
        }
    net_opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    char err[1024];
    if (!o.dev_key && !load_wallet_hotkey(&o, err, sizeof err)) return refuse(role, err);
    yuma_corpus corpus;
    if (!yuma_corpus_load(o.corpus_path, &corpus, err, sizeof err)) {
        if (access(o.corpus_path, F_OK) != 0) return usage_error(role, "%s (make it with scripts/get-corpus.sh)", err);
        return usage_error(role, "%s", err);
    }
    o.c.sim.corpus = &corpus;
    if (!yuma_trainnet_config_check(&o.c, err, sizeof err)) {
        yuma_corpus_free(&corpus);
        yuma_keypair_wipe(&o.c.hotkey);
        return usage_error(role, "%s", err);
    }
    if (!o.dev_key) {
        /* a wallet's neuron has no coldkey here to register with: it must be registered already */
        yuma_sdk_client *client =
            yuma_sdk_client_new(&(yuma_sdk_config){.url = o.c.rpc_url}, err, sizeof err);
        int reg = client ? yuma_sdk_hotkey_registered(client, o.c.netuid, &o.c.hotkey.pub, NULL, err, sizeof err) : -1;
        yuma_sdk_client_free(client);
        if (reg != 1) {
            yuma_corpus_free(&corpus);
            yuma_keypair_wipe(&o.c.hotkey);
            if (reg == 0) return refuse(role, err);
            fprintf(stderr, "yuma subnet train %s: %s\n", role, err);
            return 1;
        }
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = yuma_trainnet_run(&o.c, &stop_requested, stdout, err, sizeof err);
    if (rc) fprintf(stderr, "yuma subnet train %s: %s\n", role, err);
    yuma_corpus_free(&corpus);
    yuma_keypair_wipe(&o.c.hotkey);
    yuma_keypair_wipe(&o.c.coldkey);
    return rc;
}
