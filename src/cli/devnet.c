/*
 * devnet.c - `yuma devnet`: a local network with a subnet at work, in one
 * command. It starts yumad with the development genesis, then, through
 * real signed transactions with the well-known development keys: alice
 * registers a subnet and starts its emission; two validators (bob,
 * charlie) and four miners register; the validators stake. Miners answer
 * challenges with visibly different accuracy; each validator scores them
 * honestly (the share of its own challenges each one got right) and sets
 * weights from the scores; the owner brings each epoch forward by rule
 * (trigger_epoch) so epochs come every few seconds. After each epoch it
 * prints the metagraph: stake, incentive, dividends and emission per uid.
 * Ctrl-C stops the node and exits; the data stays in the directory named.
 *
 *   yuma devnet [--dir DIR] [--block-ms MS] [--epochs N]
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "yuma/genesis.h"

#define MINERS 4
#define VALIDATORS 2
#define TAO YUMA_RAO_PER_TAO

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static const char *const validator_names[VALIDATORS] = {"bob", "charlie"};
/* The chance a miner answers a challenge correctly: visibly different. */
static const unsigned miner_accuracy_pct[MINERS] = {95, 75, 45, 10};

typedef struct {
    yuma_rpc_client *rc;
    yuma_keypair owner, owner_hot, val[VALIDATORS], val_hot[VALIDATORS], miner[MINERS], miner_hot[MINERS];
    uint16_t netuid;
    uint64_t rng;
} devnet;

static uint64_t next_rand(devnet *d)
{
    d->rng = d->rng * 6364136223846793005ull + 1442695040888963407ull;
    return d->rng >> 33;
}

static yuma_account account_of(const yuma_keypair *k)
{
    yuma_account a;
    memcpy(a.bytes, k->pub.bytes, 32);
    return a;
}

static bool send(devnet *d, const yuma_keypair *k, yuma_call c, const char *what)
{
    if (cli_send(d->rc, k, &c, CLI_QUIET) != 0) {
        fprintf(stderr, "yuma devnet: %s failed\n", what);
        return false;
    }
    return true;
}

static yuma_call make(yuma_call_kind kind)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    return c;
}

static json_t *rpc(devnet *d, const char *m, json_t *params)
{
    yuma_rpc_client_error e;
    json_t *r = yuma_rpc_client_call(d->rc, m, params, &e);
    json_decref(params);
    return r;
}

static uint64_t epoch_index(devnet *d)
{
    json_t *s = rpc(d, "subnet_get", json_pack("{s:i}", "netuid", d->netuid));
    uint64_t e = s ? (uint64_t)json_integer_value(json_object_get(s, "epoch_index")) : 0;
    json_decref(s);
    return e;
}

/* Starts yumad beside this executable; returns its pid and RPC port. */
static pid_t start_node(const char *dir, unsigned block_ms, uint16_t *port)
{
    char self[4096], yumad[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash) *slash = 0;
    snprintf(yumad, sizeof yumad, "%s/yumad", self);
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        char ms[32];
        snprintf(ms, sizeof ms, "%u", block_ms);
        execl(yumad, yumad, "--data", dir, "--dev", "--rpc-port", "0", "--block-ms", ms, (char *)NULL);
        fprintf(stderr, "yuma devnet: cannot run %s: %s\n", yumad, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[512] = "";
    if (!f || !fgets(line, sizeof line, f)) {
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    const char *p = strstr(line, "127.0.0.1:");
    *port = p ? (uint16_t)atoi(p + 10) : 0;
    return *port ? pid : -1;
}

static bool setup(devnet *d)
{
    yuma_dev_keypair("alice", &d->owner);
    yuma_dev_keypair("alice-hotkey", &d->owner_hot);
    for (int v = 0; v < VALIDATORS; v++) {
        char name[64];
        yuma_dev_keypair(validator_names[v], &d->val[v]);
        snprintf(name, sizeof name, "%s-hotkey", validator_names[v]);
        yuma_dev_keypair(name, &d->val_hot[v]);
    }
    for (int m = 0; m < MINERS; m++) {
        char name[64];
        snprintf(name, sizeof name, "miner-%d", m);
        yuma_dev_keypair(name, &d->miner[m]);
        snprintf(name, sizeof name, "miner-%d-hotkey", m);
        yuma_dev_keypair(name, &d->miner_hot[m]);
    }
    yuma_call c = make(YUMA_CALL_REGISTER_NETWORK);
    c.hotkey = account_of(&d->owner_hot);
    if (!send(d, &d->owner, c, "registering the subnet")) return false;
    json_t *list = rpc(d, "subnet_list", NULL);
    d->netuid = (uint16_t)json_integer_value(json_object_get(json_array_get(list, json_array_size(list) - 1), "netuid"));
    json_decref(list);
    c = make(YUMA_CALL_START_CALL);
    c.netuid = d->netuid;
    if (!send(d, &d->owner, c, "start_call")) return false;
    /* alice funds the hotkeys (their fees) and the miners' coldkeys */
    for (int v = 0; v < VALIDATORS; v++) {
        c = make(YUMA_CALL_TRANSFER);
        c.dest = account_of(&d->val_hot[v]);
        c.amount = 10 * TAO;
        if (!send(d, &d->owner, c, "funding a validator hotkey")) return false;
    }
    for (int m = 0; m < MINERS; m++) {
        c = make(YUMA_CALL_TRANSFER);
        c.dest = account_of(&d->miner[m]);
        c.amount = 200 * TAO;
        if (!send(d, &d->owner, c, "funding a miner")) return false;
    }
    for (int v = 0; v < VALIDATORS; v++) {
        c = make(YUMA_CALL_BURNED_REGISTER);
        c.netuid = d->netuid;
        c.hotkey = account_of(&d->val_hot[v]);
        if (!send(d, &d->val[v], c, "registering a validator")) return false;
        c = make(YUMA_CALL_ADD_STAKE);
        c.netuid = d->netuid;
        c.hotkey = account_of(&d->val_hot[v]);
        c.amount = (v == 0 ? 60 : 40) * TAO;
        if (!send(d, &d->val[v], c, "staking")) return false;
    }
    for (int m = 0; m < MINERS; m++) {
        c = make(YUMA_CALL_BURNED_REGISTER);
        c.netuid = d->netuid;
        c.hotkey = account_of(&d->miner_hot[m]);
        if (!send(d, &d->miner[m], c, "registering a miner")) return false;
    }
    return true;
}

/* Each validator's honest score of a miner: the share of 64 fresh
 * challenges it answered correctly. */
static void score_and_set_weights(devnet *d, int v)
{
    yuma_call c = make(YUMA_CALL_SET_WEIGHTS);
    c.netuid = d->netuid;
    for (int m = 0; m < MINERS; m++) {
        unsigned right = 0;
        for (int q = 0; q < 64; q++) right += next_rand(d) % 100 < miner_accuracy_pct[m];
        c.uids[m] = (uint16_t)(1 + VALIDATORS + m); /* uid 0 owner, then validators, then miners */
        c.values[m] = (uint16_t)(right * 1000);
    }
    c.weight_count = MINERS;
    cli_send(d->rc, &d->val_hot[v], &c, CLI_NO_WAIT | CLI_QUIET);
}

static void print_epoch(devnet *d, uint64_t epoch)
{
    json_t *mg = rpc(d, "metagraph_get", json_pack("{s:i}", "netuid", d->netuid));
    if (!mg) return;
    printf("\nsubnet %u, epoch %llu (block %lld)\n", d->netuid, (unsigned long long)epoch,
           (long long)json_integer_value(json_object_get(mg, "block")));
    printf("%4s  %-16s %16s %9s %9s %14s\n", "uid", "role", "stake (alpha)", "incentive", "dividends", "emission");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(mg, "uids"), i, u) {
        char role[32];
        if (i == 0) snprintf(role, sizeof role, "owner (alice)");
        else if (i <= VALIDATORS) snprintf(role, sizeof role, "validator %s", validator_names[i - 1]);
        else snprintf(role, sizeof role, "miner %zu (%u%%)", i - 1 - VALIDATORS, miner_accuracy_pct[i - 1 - VALIDATORS]);
        uint64_t stake = (uint64_t)json_integer_value(json_object_get(u, "stake"));
        long long inc = json_integer_value(json_object_get(u, "incentive"));
        long long div = json_integer_value(json_object_get(u, "dividends"));
        uint64_t em = (uint64_t)json_integer_value(json_object_get(u, "emission"));
        printf("%4zu  %-16s %6llu.%09llu %3lld.%04lld %3lld.%04lld %4llu.%09llu\n", i, role,
               (unsigned long long)(stake / TAO), (unsigned long long)(stake % TAO), inc * 10000 / 65535 / 10000,
               inc * 10000 / 65535 % 10000, div * 10000 / 65535 / 10000, div * 10000 / 65535 % 10000,
               (unsigned long long)(em / TAO), (unsigned long long)(em % TAO));
    }
    fflush(stdout);
    json_decref(mg);
}

int cmd_devnet(int argc, char **argv)
{
    const char *dir = "yuma-devnet";
    unsigned block_ms = 100;
    long epochs = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
        else if (strcmp(argv[i], "--block-ms") == 0) block_ms = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--epochs") == 0) epochs = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "yuma devnet: unknown option %s (usage: yuma devnet [--dir DIR] [--block-ms MS] [--epochs N])\n",
                    argv[i]);
            return 2;
        }
    }
    if (block_ms < 10) block_ms = 10;
    /* A devnet is disposable: each run starts from its genesis. */
    char db[4200];
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/yuma.db", dir);
    unlink(db);
    uint16_t port;
    pid_t node = start_node(dir, block_ms, &port);
    if (node < 0) {
        fprintf(stderr, "yuma devnet: the node did not start\n");
        return 1;
    }
    printf("yuma devnet: node on http://127.0.0.1:%u, data in %s/ (Ctrl-C stops it)\n", port, dir);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    yuma_rpc_client_config cfg = {.url = url, .timeout_ms = 30000};
    devnet d = {.rc = yuma_rpc_client_new(&cfg), .rng = 2024};
    int rc = 1;
    if (!d.rc || !setup(&d)) goto out;
    printf("subnet %u: owner alice, validators bob and charlie, 4 miners answering %u%%, %u%%, %u%%, %u%% of "
           "challenges right\n",
           d.netuid, miner_accuracy_pct[0], miner_accuracy_pct[1], miner_accuracy_pct[2], miner_accuracy_pct[3]);
    /* Registration counts as a weights update: the first scores wait out the
     * weights rate limit (100 blocks) from there. */
    json_t *h0 = rpc(&d, "chain_head", NULL);
    uint64_t last_epoch = epoch_index(&d), shown = 0;
    uint64_t last_weights = h0 ? (uint64_t)json_integer_value(json_object_get(h0, "height")) : 0;
    json_decref(h0);
    bool need_trigger = true;
    for (uint64_t tick = 0; !stop_requested && (epochs < 0 || (long)shown < epochs); tick++) {
        json_t *head = rpc(&d, "chain_head", NULL);
        uint64_t height = head ? (uint64_t)json_integer_value(json_object_get(head, "height")) : 0;
        json_decref(head);
        /* The weights rate limit is 100 blocks: validators re-score then. */
        if (height >= last_weights + 101) {
            for (int v = 0; v < VALIDATORS; v++) score_and_set_weights(&d, v);
            last_weights = height;
        }
        /* The owner brings the next epoch forward by rule, once per epoch. */
        if (tick == 0 || need_trigger) {
            yuma_call t = make(YUMA_CALL_TRIGGER_EPOCH);
            t.netuid = d.netuid;
            cli_send(d.rc, &d.owner, &t, CLI_NO_WAIT | CLI_QUIET);
            need_trigger = false;
        }
        uint64_t h;
        bool to;
        yuma_rpc_client_error e;
        yuma_rpc_client_wait_block(d.rc, height, 2000, &h, &to, &e);
        uint64_t ep = epoch_index(&d);
        if (ep != last_epoch) {
            last_epoch = ep;
            need_trigger = true;
            print_epoch(&d, ep);
            shown++;
        }
    }
    rc = 0;
out:
    yuma_rpc_client_free(d.rc);
    kill(node, SIGTERM);
    waitpid(node, NULL, 0);
    printf("\nyuma devnet: stopped; the chain is in %s/yuma.db\n", dir);
    return rc;
}
