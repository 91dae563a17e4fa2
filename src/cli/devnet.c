/*
 * devnet.c - `yuma devnet`: a local network with a subnet at work, in one
 * command, every participant its own process. It starts yumad with the
 * development genesis; through real signed transactions with the
 * well-known development keys (the subnet SDK's client) alice registers a
 * subnet and starts its emission, two validators (bob, charlie) and four
 * miners register and the validators stake. Then it starts the SDK's
 * example subnet (examples/subnet): four miner processes, each serving an
 * axon on 127.0.0.2 that answers challenges with visibly different
 * accuracy, and two validator processes that query them through their
 * dendrites, score them honestly and set weights by transactions of their
 * own. The owner brings each epoch forward (trigger_epoch) so epochs come
 * every few seconds, and after each one the metagraph is printed: stake,
 * incentive, dividends and emission per uid. Ctrl-C (or --epochs) stops
 * the validators, the miners and the node, in that order; the chain and
 * each process's log stay in the directory named.
 *
 *   yuma devnet [--dir DIR] [--block-ms MS] [--epochs N]
 *   yuma devnet --subnet train [--kinds K,K,K,K] [--windows N] [--corpus PATH] ...
 *                                    the training subnet (docs/TRAINING_NET.md): the same
 *                                    keys, each miner and validator a `yuma subnet train`
 *                                    process signing with a hotkey of its own wallet (made
 *                                    in DIR/wallets from the same keys, plaintext hotkeys as
 *                                    unattended neurons keep them); the table adds each
 *                                    miner's kind, the total it earned and the lead
 *                                    validator's held-out loss
 *   yuma devnet setup --rpc URL      the same subnet on a node already running --dev
 *   yuma devnet epoch --rpc URL --netuid N   bring the next epoch forward and wait for it
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "yuma/genesis.h"
#include "yuma/sdk_client.h"
#include "yuma/trainsim.h"
#include "yuma/wallet.h"

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
    yuma_sdk_client *c;
    yuma_keypair owner, owner_hot, val[VALIDATORS], val_hot[VALIDATORS], miner[MINERS], miner_hot[MINERS];
    uint16_t netuid;
} devnet;

static yuma_account account_of(const yuma_keypair *k)
{
    yuma_account a;
    memcpy(a.bytes, k->pub.bytes, 32);
    return a;
}

static yuma_call make(yuma_call_kind kind, uint16_t netuid)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.netuid = netuid;
    return c;
}

static bool send(devnet *d, const yuma_keypair *k, yuma_call c, const char *what)
{
    yuma_sdk_tx_result r;
    if (!yuma_sdk_send(d->c, k, &c, true, &r)) {
        fprintf(stderr, "yuma devnet: %s failed: %s\n", what, r.message);
        return false;
    }
    return true;
}

static json_t *rpc(devnet *d, const char *m, json_t *params)
{
    char err[512];
    return yuma_sdk_call(d->c, m, params, err, sizeof err);
}

static uint64_t epoch_index(devnet *d)
{
    json_t *s = rpc(d, "subnet_get", json_pack("{s:i}", "netuid", d->netuid));
    uint64_t e = s ? (uint64_t)json_integer_value(json_object_get(s, "epoch_index")) : 0;
    json_decref(s);
    return e;
}

static void load_keys(devnet *d)
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
}

/* The newest subnet whose owner hotkey is alice's. */
static uint16_t find_subnet(devnet *d)
{
    char addr[YUMA_SS58_MAX];
    yuma_ss58_encode(&d->owner_hot.pub, YUMA_SS58_PREFIX, addr);
    json_t *list = rpc(d, "subnet_list", NULL);
    uint16_t netuid = 0;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        const char *hk = json_string_value(json_object_get(s, "owner_hotkey"));
        if (hk && strcmp(hk, addr) == 0) netuid = (uint16_t)json_integer_value(json_object_get(s, "netuid"));
    }
    json_decref(list);
    return netuid;
}

/* The subnet, its neurons and their funds, by real transactions. */
static bool setup(devnet *d)
{
    load_keys(d);
    yuma_call c = make(YUMA_CALL_REGISTER_NETWORK, 0);
    c.hotkey = account_of(&d->owner_hot);
    if (!send(d, &d->owner, c, "registering the subnet")) return false;
    d->netuid = find_subnet(d);
    if (!send(d, &d->owner, make(YUMA_CALL_START_CALL, d->netuid), "start_call")) return false;
    /* alice funds the hotkeys (their fees: weights, serve_axon) and the miners' coldkeys (the burn) */
    for (int v = 0; v < VALIDATORS; v++) {
        c = make(YUMA_CALL_TRANSFER, 0);
        c.dest = account_of(&d->val_hot[v]);
        c.amount = 10 * TAO;
        if (!send(d, &d->owner, c, "funding a validator hotkey")) return false;
    }
    for (int m = 0; m < MINERS; m++) {
        c = make(YUMA_CALL_TRANSFER, 0);
        c.dest = account_of(&d->miner[m]);
        c.amount = 200 * TAO;
        if (!send(d, &d->owner, c, "funding a miner")) return false;
        c.dest = account_of(&d->miner_hot[m]);
        c.amount = 1 * TAO;
        if (!send(d, &d->owner, c, "funding a miner hotkey")) return false;
    }
    yuma_sdk_tx_result r;
    for (int v = 0; v < VALIDATORS; v++) {
        if (!yuma_sdk_register(d->c, &d->val[v], &d->val_hot[v].pub, d->netuid, &r)) {
            fprintf(stderr, "yuma devnet: registering a validator failed: %s\n", r.message);
            return false;
        }
        c = make(YUMA_CALL_ADD_STAKE, d->netuid);
        c.hotkey = account_of(&d->val_hot[v]);
        c.amount = (v == 0 ? 60 : 40) * TAO;
        if (!send(d, &d->val[v], c, "staking")) return false;
    }
    for (int m = 0; m < MINERS; m++)
        if (!yuma_sdk_register(d->c, &d->miner[m], &d->miner_hot[m].pub, d->netuid, &r)) {
            fprintf(stderr, "yuma devnet: registering a miner failed: %s\n", r.message);
            return false;
        }
    return true;
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
        else if (i - 1 - VALIDATORS < MINERS)
            snprintf(role, sizeof role, "miner %zu (%u%%)", i - 1 - VALIDATORS, miner_accuracy_pct[i - 1 - VALIDATORS]);
        else snprintf(role, sizeof role, "other");
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

/* ---- processes ---- */

/* The directory of this executable: yumad and the example subnet's
 * programs are built beside it. */
static void exe_dir(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    out[n > 0 ? n : 0] = 0;
    char *slash = strrchr(out, '/');
    if (slash) *slash = 0;
}

/* Runs argv[0] (a path) with stdout and stderr to log (or to a pipe when
 * log is NULL: *pipe_out receives its read end). The child gets SIGTERM if
 * the devnet dies, so nothing outlives it. */
static pid_t spawn(char *const argv[], const char *log, int *pipe_out)
{
    int fds[2] = {-1, -1};
    if (!log && pipe(fds) != 0) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* A process group of its own: the terminal's Ctrl-C reaches only
         * the devnet, which stops everyone in order. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int out = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600) : fds[1];
        if (out >= 0) {
            dup2(out, STDOUT_FILENO);
            if (log) dup2(out, STDERR_FILENO);
        }
        if (!log) close(fds[0]);
        execv(argv[0], argv);
        fprintf(stderr, "yuma devnet: cannot run %s: %s (build it: cmake --build build)\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (!log) {
        close(fds[1]);
        if (pid < 0) close(fds[0]);
        else *pipe_out = fds[0];
    }
    return pid;
}

/* Starts yumad; returns its pid and RPC port. */
static pid_t start_node(const char *bin, const char *dir, unsigned block_ms, uint16_t *port)
{
    char yumad[4200], ms[32];
    snprintf(yumad, sizeof yumad, "%s/yumad", bin);
    snprintf(ms, sizeof ms, "%u", block_ms);
    char *argv[] = {yumad, "--data", (char *)dir, "--dev", "--rpc-port", "0", "--block-ms", ms, NULL};
    int fd;
    pid_t pid = spawn(argv, NULL, &fd);
    if (pid < 0) return -1;
    FILE *f = fdopen(fd, "r");
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

typedef struct {
    pid_t pid;
    char name[32];
    char log[4200];
    bool reported;
} child;

/* yumad and the example subnet's programs, beside this executable. */
static bool have_programs(const char *bin)
{
    const char *programs[] = {"yumad", "yuma-subnet-miner", "yuma-subnet-validator"};
    for (int i = 0; i < 3; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", bin, programs[i]);
        if (access(path, X_OK) != 0) {
            fprintf(stderr, "yuma devnet: %s is missing; it is built with yuma (cmake --build build)\n", path);
            return false;
        }
    }
    return true;
}

/* yumad, beside this executable (the training subnet's processes are this
 * executable). */
static bool have_node(const char *bin)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/yumad", bin);
    if (access(path, X_OK) == 0) return true;
    fprintf(stderr, "yuma devnet: %s is missing; it is built with yuma (cmake --build build)\n", path);
    return false;
}

static bool start_children(const char *bin, const char *dir, const char *url, uint16_t netuid, child *kids)
{
    char netuid_s[16];
    snprintf(netuid_s, sizeof netuid_s, "%u", netuid);
    for (int m = 0; m < MINERS; m++) {
        child *k = &kids[m];
        char exe[4200], key[64], acc[16], seed[16];
        snprintf(exe, sizeof exe, "%s/yuma-subnet-miner", bin);
        snprintf(key, sizeof key, "miner-%d-hotkey", m);
        snprintf(acc, sizeof acc, "%u", miner_accuracy_pct[m]);
        snprintf(seed, sizeof seed, "%d", m + 1);
        snprintf(k->name, sizeof k->name, "miner %d", m);
        snprintf(k->log, sizeof k->log, "%s/miner-%d.log", dir, m);
        char *argv[] = {exe, "--rpc", (char *)url, "--netuid", netuid_s, "--dev-key", key, "--ip", "127.0.0.2",
                        "--accuracy", acc, "--seed", seed, NULL};
        if ((k->pid = spawn(argv, k->log, NULL)) < 0) return false;
    }
    for (int v = 0; v < VALIDATORS; v++) {
        child *k = &kids[MINERS + v];
        char exe[4200], key[64], seed[16];
        snprintf(exe, sizeof exe, "%s/yuma-subnet-validator", bin);
        snprintf(key, sizeof key, "%s-hotkey", validator_names[v]);
        snprintf(seed, sizeof seed, "%d", v + 11);
        snprintf(k->name, sizeof k->name, "validator %s", validator_names[v]);
        snprintf(k->log, sizeof k->log, "%s/validator-%s.log", dir, validator_names[v]);
        char *argv[] = {exe, "--rpc", (char *)url, "--netuid", netuid_s, "--dev-key", key, "--seed", seed, NULL};
        if ((k->pid = spawn(argv, k->log, NULL)) < 0) return false;
    }
    return true;
}

/* Says once if a participant has exited on its own. */
static void check_children(child *kids, int n)
{
    for (int i = 0; i < n; i++) {
        int status;
        if (kids[i].pid <= 0 || kids[i].reported || waitpid(kids[i].pid, &status, WNOHANG) != kids[i].pid) continue;
        kids[i].pid = 0;
        kids[i].reported = true;
        fprintf(stderr, "yuma devnet: %s exited (%s %d); its log is %s\n", kids[i].name,
                WIFEXITED(status) ? "status" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                kids[i].log);
    }
}

/* SIGTERM, then up to 5 s for a clean exit, then SIGKILL. */
static void stop_pids(pid_t *pids, int n)
{
    for (int i = 0; i < n; i++)
        if (pids[i] > 0) kill(pids[i], SIGTERM);
    for (int waited_ms = 0; waited_ms < 5000; waited_ms += 20) {
        bool alive = false;
        for (int i = 0; i < n; i++) {
            if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == pids[i]) pids[i] = 0;
            alive |= pids[i] > 0;
        }
        if (!alive) return;
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < n; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
        }
}

static void stop_children(child *kids, int n)
{
    pid_t pids[MINERS + VALIDATORS];
    /* Validators first, so no query meets a miner that has gone. */
    for (int i = 0; i < n; i++) pids[i] = kids[n - 1 - i].pid;
    stop_pids(pids, n);
}

/* ---- the training subnet (--subnet train) ---- */

static void trigger(devnet *d);

typedef struct {
    yuma_miner_kind kinds[MINERS];
    int miners;
    uint64_t windows, start_block;
    const char *corpus;
    uint64_t total[64];          /* rao each uid earned over the epochs shown */
} train_run;

/* "honest,honest,lazy,noise": 1..MINERS kinds of trainsim.h (no copier). */
static bool parse_kinds(const char *list, train_run *t)
{
    char buf[256];
    if (strlen(list) >= sizeof buf) return false;
    strcpy(buf, list);
    t->miners = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (t->miners == MINERS || !yuma_miner_kind_parse(tok, &t->kinds[t->miners]) ||
            t->kinds[t->miners] == YUMA_MINER_COPIER)
            return false;
        t->miners++;
    }
    return t->miners > 0;
}

/* Writes argv (one per line) to DIR/NAME.cmd, so a killed process can be
 * started again by hand (or by a test) exactly as the devnet started it. */
static void save_command(const char *dir, const char *name, char *const argv[])
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s.cmd", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return;
    for (int i = 0; argv[i]; i++) fprintf(f, "%s\n", argv[i]);
    fclose(f);
}

static void save_pid(const char *dir, const char *name, pid_t pid)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s.pid", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "%ld\n", (long)pid);
    fclose(f);
}

static pid_t start_train_process(const char *dir, const char *file, char *const argv[], child *k)
{
    snprintf(k->log, sizeof k->log, "%s/%s.log", dir, file);
    save_command(dir, file, argv);
    k->pid = spawn(argv, k->log, NULL);
    if (k->pid > 0) save_pid(dir, file, k->pid);
    return k->pid;
}

/* The hotkey `hotkey_dev` (a development key) as hotkey "default" of
 * wallet `wallet` under root: the path a real neuron takes. Plaintext, as
 * the reference keeps hotkeys for unattended restarts (docs/WALLETS.md);
 * a wallet left by an earlier run is reused when it holds the same key. */
static bool make_wallet(yuma_wallets *w, const char *wallet, const char *hotkey_dev, const yuma_keypair *want)
{
    char mnemonic[YUMA_MNEMONIC_MAX];
    yuma_pubkey pub;
    yuma_dev_mnemonic(hotkey_dev, mnemonic);
    yuma_wallet_err e = yuma_wallet_regen_key(w, wallet, "default", mnemonic, NULL, NULL, YUMA_WALLET_PLAINTEXT, &pub);
    if (e == YUMA_WALLET_EEXIST) e = yuma_wallet_pubkey(w, wallet, "default", &pub, NULL);
    if (e != YUMA_WALLET_OK) {
        fprintf(stderr, "yuma devnet: %s\n", yuma_wallets_error(w));
        return false;
    }
    if (memcmp(pub.bytes, want->pub.bytes, 32) != 0) {
        fprintf(stderr, "yuma devnet: wallet %s's hotkey is not %s: remove the wallet and run again\n", wallet,
                hotkey_dev);
        return false;
    }
    return true;
}

static bool make_train_wallets(const devnet *d, const char *dir, const train_run *t, char *root, size_t rootlen)
{
    snprintf(root, rootlen, "%s/wallets", dir);
    yuma_wallets w;
    if (yuma_wallets_open(&w, root) != YUMA_WALLET_OK) {
        fprintf(stderr, "yuma devnet: %s\n", yuma_wallets_error(&w));
        return false;
    }
    char dev[64], name[64];
    for (int v = 0; v < VALIDATORS; v++) {
        snprintf(dev, sizeof dev, "%s-hotkey", validator_names[v]);
        if (!make_wallet(&w, validator_names[v], dev, &d->val_hot[v])) return false;
    }
    for (int m = 0; m < t->miners; m++) {
        snprintf(name, sizeof name, "miner-%d", m);
        snprintf(dev, sizeof dev, "miner-%d-hotkey", m);
        if (!make_wallet(&w, name, dev, &d->miner_hot[m])) return false;
    }
    return true;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* An earlier run's stores, published files and saved state belong to
 * another chain: each run starts its processes from nothing. */
static bool clear_process_dir(const char *dir, const char *file)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (access(path, F_OK) != 0) return true;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0) return true;
    fprintf(stderr, "yuma devnet: cannot clear %s (an earlier run's files): %s\n", path, strerror(errno));
    return false;
}

static bool start_train_children(const char *dir, const char *url, uint16_t netuid, const train_run *t,
                                 const char *wallets, child *kids)
{
    char exe[4200], netuid_s[16], start_s[32], windows_s[32], miners_s[16], vals_s[16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    snprintf(netuid_s, sizeof netuid_s, "%u", netuid);
    snprintf(start_s, sizeof start_s, "%llu", (unsigned long long)t->start_block);
    snprintf(windows_s, sizeof windows_s, "%llu", (unsigned long long)t->windows);
    snprintf(miners_s, sizeof miners_s, "%d", t->miners);
    snprintf(vals_s, sizeof vals_s, "%d", VALIDATORS);
    for (int v = 0; v < VALIDATORS; v++) {
        child *k = &kids[t->miners + v];
        char idx[16], sub[4300], file[64];
        snprintf(idx, sizeof idx, "%d", v);
        snprintf(file, sizeof file, "validator-%s", validator_names[v]);
        snprintf(sub, sizeof sub, "%s/%s", dir, file);
        snprintf(k->name, sizeof k->name, "validator %s", validator_names[v]);
        if (!clear_process_dir(dir, file)) return false;
        char *argv[] = {exe, "subnet", "train", "validator", "--rpc", (char *)url, "--netuid", netuid_s, "--wallet",
                        (char *)validator_names[v], "--hotkey", "default", "--wallet-path", (char *)wallets,
                        "--index", idx, "--start-block", start_s, "--windows", windows_s, "--miners", miners_s,
                        "--validators", vals_s, "--corpus", (char *)t->corpus, "--dir", sub,
                        /* a devnet run is short: scores settle within a few windows (trainsim's tests do the same) */
                        "--binary-alpha", "0.5", "--binary-threshold", "0", "--heldout", "16", NULL};
        if (start_train_process(dir, file, argv, k) < 0) return false;
    }
    for (int m = 0; m < t->miners; m++) {
        child *k = &kids[m];
        char idx[16], sub[4300], file[64];
        snprintf(idx, sizeof idx, "%d", m);
        snprintf(file, sizeof file, "miner-%d", m);
        snprintf(sub, sizeof sub, "%s/%s", dir, file);
        snprintf(k->name, sizeof k->name, "miner %d", m);
        if (!clear_process_dir(dir, file)) return false;
        char *argv[] = {exe, "subnet", "train", "miner", "--rpc", (char *)url, "--netuid", netuid_s, "--wallet", file,
                        "--hotkey", "default", "--wallet-path", (char *)wallets, "--index", idx, "--kind",
                        (char *)yuma_miner_kind_name(t->kinds[m]), "--start-block", start_s,
                        "--windows", windows_s, "--miners", miners_s, "--validators", vals_s, "--corpus",
                        (char *)t->corpus, "--dir", sub, NULL};
        if (start_train_process(dir, file, argv, k) < 0) return false;
    }
    return true;
}

/* The last "heldout W LOSS" line of the lead validator's log. */
static bool last_heldout(const char *dir, long *window, double *loss)
{
    char path[4300], line[512];
    snprintf(path, sizeof path, "%s/validator-%s.log", dir, validator_names[0]);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        long w;
        double l;
        if (sscanf(line, "heldout %ld %lf", &w, &l) == 2) {
            *window = w;
            *loss = l;
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* Whether the lead validator has finished its last window. */
static bool lead_done(const char *dir)
{
    char path[4300], line[512];
    snprintf(path, sizeof path, "%s/validator-%s.log", dir, validator_names[0]);
    FILE *f = fopen(path, "r");
    bool done = false;
    while (f && fgets(line, sizeof line, f)) done |= strncmp(line, "done:", 5) == 0;
    if (f) fclose(f);
    return done;
}

static void print_train_epoch(devnet *d, train_run *t, const char *dir, uint64_t epoch)
{
    json_t *mg = rpc(d, "metagraph_get", json_pack("{s:i}", "netuid", d->netuid));
    if (!mg) return;
    long hw = -1;
    double loss = 0;
    bool have = last_heldout(dir, &hw, &loss);
    printf("\nsubnet %u, epoch %llu (block %lld)", d->netuid, (unsigned long long)epoch,
           (long long)json_integer_value(json_object_get(mg, "block")));
    if (have) printf(", held-out loss %.4f nats/byte after window %ld", loss, hw);
    printf("\n%4s  %-20s %9s %9s %18s %14s %16s\n", "uid", "role", "incentive", "dividends", "stake", "emission",
           "earned");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(mg, "uids"), i, u) {
        char role[40];
        if (i == 0) snprintf(role, sizeof role, "owner (alice)");
        else if (i <= VALIDATORS) snprintf(role, sizeof role, "validator %s", validator_names[i - 1]);
        else if ((int)(i - 1 - VALIDATORS) < t->miners)
            snprintf(role, sizeof role, "miner %zu (%s)", i - 1 - VALIDATORS,
                     yuma_miner_kind_name(t->kinds[i - 1 - VALIDATORS]));
        else snprintf(role, sizeof role, "other");
        long long inc = json_integer_value(json_object_get(u, "incentive"));
        long long div = json_integer_value(json_object_get(u, "dividends"));
        uint64_t em = (uint64_t)json_integer_value(json_object_get(u, "emission"));
        if (i < 64) t->total[i] += em;
        uint64_t tot = i < 64 ? t->total[i] : 0;
        /* the stake to the rao: between two tables it grows by exactly what the epochs paid the uid */
        uint64_t stake = (uint64_t)json_integer_value(json_object_get(u, "stake"));
        printf("%4zu  %-20s %3lld.%04lld %3lld.%04lld %8llu.%09llu %4llu.%09llu %6llu.%09llu\n", i, role,
               inc * 10000 / 65535 / 10000, inc * 10000 / 65535 % 10000, div * 10000 / 65535 / 10000,
               div * 10000 / 65535 % 10000, (unsigned long long)(stake / TAO), (unsigned long long)(stake % TAO),
               (unsigned long long)(em / TAO), (unsigned long long)(em % TAO), (unsigned long long)(tot / TAO),
               (unsigned long long)(tot % TAO));
    }
    fflush(stdout);
    json_decref(mg);
}

/* Epochs brought forward one at a time, as in the example subnet, until
 * --epochs have been shown or the lead validator has run every window. */
static void run_train_epochs(devnet *d, train_run *t, const char *dir, long epochs, child *kids)
{
    uint64_t last_epoch = epoch_index(d), shown = 0;
    bool need_trigger = true;
    char err[512];
    uint64_t height = 0;
    yuma_sdk_head(d->c, &height, err, sizeof err);
    while (!stop_requested && (epochs < 0 || (long)shown < epochs)) {
        if (need_trigger && height >= t->start_block) {
            trigger(d);
            need_trigger = false;
        }
        yuma_sdk_wait_block(d->c, height, 2000, &height, err, sizeof err);
        check_children(kids, t->miners + VALIDATORS);
        uint64_t ep = epoch_index(d);
        if (ep != last_epoch) {
            last_epoch = ep;
            need_trigger = true;
            print_train_epoch(d, t, dir, ep);
            shown++;
        }
        if (lead_done(dir)) {
            printf("\nyuma devnet: the lead validator has run all %llu windows\n", (unsigned long long)t->windows);
            break;
        }
    }
}

static int run_train(devnet *d, const char *dir, const char *url, long epochs, train_run *t, child *kids)
{
    char err[512];
    uint64_t head = 0;
    if (!yuma_sdk_head(d->c, &head, err, sizeof err)) {
        fprintf(stderr, "yuma devnet: %s\n", err);
        return 1;
    }
    /* time for every process to start, serve its axon and publish its commitment */
    t->start_block = head + 30;
    printf("training subnet %u: %d miners (", d->netuid, t->miners);
    for (int m = 0; m < t->miners; m++) printf("%s%s", m ? ", " : "", yuma_miner_kind_name(t->kinds[m]));
    printf("), validators bob (the lead) and charlie; %llu windows of 10 blocks from block %llu\n",
           (unsigned long long)t->windows, (unsigned long long)t->start_block);
    char wallets[4200];
    if (!make_train_wallets(d, dir, t, wallets, sizeof wallets) ||
        !start_train_children(dir, url, d->netuid, t, wallets, kids)) {
        fprintf(stderr, "yuma devnet: cannot start the training processes\n");
        return 1;
    }
    printf("processes: logs in %s/miner-*.log and %s/validator-*.log (each process's command in *.cmd, pid in "
           "*.pid)\n",
           dir, dir);
    fflush(stdout);
    run_train_epochs(d, t, dir, epochs, kids);
    return 0;
}

/* ---- the main job ---- */

/* Brings the next epoch forward: the owner's trigger_epoch, once per epoch. */
static void trigger(devnet *d)
{
    yuma_call t = make(YUMA_CALL_TRIGGER_EPOCH, d->netuid);
    yuma_sdk_tx_result r;
    yuma_sdk_send(d->c, &d->owner, &t, false, &r);
}

static void run_epochs(devnet *d, long epochs, child *kids)
{
    uint64_t last_epoch = epoch_index(d), shown = 0;
    bool need_trigger = true;
    char err[512];
    uint64_t height = 0;
    yuma_sdk_head(d->c, &height, err, sizeof err);
    while (!stop_requested && (epochs < 0 || (long)shown < epochs)) {
        if (need_trigger) {
            trigger(d);
            need_trigger = false;
        }
        yuma_sdk_wait_block(d->c, height, 2000, &height, err, sizeof err);
        check_children(kids, MINERS + VALIDATORS);
        uint64_t ep = epoch_index(d);
        if (ep != last_epoch) {
            last_epoch = ep;
            need_trigger = true;
            print_epoch(d, ep);
            shown++;
        }
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: yuma devnet [--dir DIR] [--block-ms MS] [--epochs N]\n"
                    "       yuma devnet --subnet train [--kinds K,K,...] [--windows N] [--corpus PATH] [--dir DIR]\n"
                    "                   [--block-ms MS] [--epochs N]   (kinds: honest, lazy, noise, ...; default\n"
                    "                   honest,honest,lazy,noise; 20 windows; data/kjv.txt; 300 ms blocks)\n"
                    "       yuma devnet setup --rpc URL\n"
                    "       yuma devnet epoch --rpc URL --netuid N\n");
    return 2;
}

static yuma_sdk_client *client_for(const char *url)
{
    char err[512];
    yuma_sdk_client *c = yuma_sdk_client_new(&(yuma_sdk_config){.url = url, .wait_blocks = 200}, err, sizeof err);
    if (!c) fprintf(stderr, "yuma devnet: %s\n", err);
    return c;
}

/* yuma devnet setup --rpc URL */
static int cmd_setup(int argc, char **argv)
{
    const char *url = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 < argc && strcmp(argv[i], "--rpc") == 0) url = argv[i + 1];
        else return usage();
    }
    devnet d = {.c = client_for(url)};
    if (!d.c) return 1;
    int rc = setup(&d) ? 0 : 1;
    if (rc == 0) {
        printf("subnet %u: owner alice (alice-hotkey), validators bob-hotkey and charlie-hotkey (staked), miners "
               "miner-0-hotkey .. miner-%d-hotkey; run the example subnet with their --dev-key\n",
               d.netuid, MINERS - 1);
    }
    yuma_sdk_client_free(d.c);
    return rc;
}

/* yuma devnet epoch --rpc URL --netuid N */
static int cmd_epoch(int argc, char **argv)
{
    const char *url = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    long netuid = -1;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) return usage();
        char *end;
        if (strcmp(argv[i], "--rpc") == 0) url = argv[i + 1];
        else if (strcmp(argv[i], "--netuid") == 0) {
            netuid = strtol(argv[i + 1], &end, 10);
            if (*end || netuid < 1 || netuid > 65534) {
                fprintf(stderr, "yuma devnet: --netuid must be 1..65534, not %s\n", argv[i + 1]);
                return 2;
            }
        } else return usage();
    }
    if (netuid < 0) return usage();
    devnet d = {.c = client_for(url), .netuid = (uint16_t)netuid};
    if (!d.c) return 1;
    load_keys(&d);
    uint64_t before = epoch_index(&d), height = 0;
    yuma_call t = make(YUMA_CALL_TRIGGER_EPOCH, d.netuid);
    yuma_sdk_tx_result r;
    int rc = 1;
    if (!yuma_sdk_send(d.c, &d.owner, &t, true, &r)) {
        fprintf(stderr, "yuma devnet: trigger_epoch: %s\n", r.message);
    } else {
        char err[512];
        height = r.height;
        for (int blocks = 0; blocks < 1000 && epoch_index(&d) == before; blocks++)
            if (!yuma_sdk_wait_block(d.c, height, 5000, &height, err, sizeof err)) break;
        uint64_t now = epoch_index(&d);
        if (now != before) {
            printf("subnet %u: epoch %llu ran by block %llu\n", d.netuid, (unsigned long long)now,
                   (unsigned long long)height);
            rc = 0;
        } else {
            fprintf(stderr, "yuma devnet: subnet %u ran no epoch after trigger_epoch\n", d.netuid);
        }
    }
    yuma_sdk_client_free(d.c);
    return rc;
}

int cmd_devnet(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "setup") == 0) return cmd_setup(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "epoch") == 0) return cmd_epoch(argc, argv);
    const char *dir = "yuma-devnet";
    unsigned block_ms = 0;
    long epochs = -1;
    bool train = false;
    train_run t = {.windows = 20, .corpus = "data/kjv.txt"};
    parse_kinds("honest,honest,lazy,noise", &t);
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) return usage();
        if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
        else if (strcmp(argv[i], "--block-ms") == 0) block_ms = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--epochs") == 0) epochs = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--subnet") == 0) {
            if (strcmp(argv[i + 1], "train") == 0) train = true;
            else if (strcmp(argv[i + 1], "example") != 0) {
                fprintf(stderr, "yuma devnet: --subnet must be example or train, not '%s'\n", argv[i + 1]);
                return 2;
            }
        } else if (strcmp(argv[i], "--kinds") == 0) {
            if (!parse_kinds(argv[i + 1], &t)) {
                fprintf(stderr, "yuma devnet: --kinds must be 1..%d comma-separated miner kinds (honest, lazy, noise, "
                                "noise100, freerider, stale, zero, late, skipper, desync), not '%s'\n",
                        MINERS, argv[i + 1]);
                return 2;
            }
        } else if (strcmp(argv[i], "--windows") == 0) {
            char *end;
            t.windows = strtoull(argv[i + 1], &end, 10);
            if (*end || t.windows < 1 || t.windows > 100000) {
                fprintf(stderr, "yuma devnet: --windows must be 1..100000, not '%s'\n", argv[i + 1]);
                return 2;
            }
        } else if (strcmp(argv[i], "--corpus") == 0) t.corpus = argv[i + 1];
        else {
            fprintf(stderr, "yuma devnet: unknown option %s\n", argv[i]);
            return usage();
        }
    }
    if ((t.kinds[0] != YUMA_MINER_HONEST || t.miners != MINERS || t.windows != 20 ||
         strcmp(t.corpus, "data/kjv.txt") != 0) &&
        !train) {
        fprintf(stderr, "yuma devnet: --kinds, --windows and --corpus are for --subnet train\n");
        return 2;
    }
    if (block_ms == 0) block_ms = train ? 300 : 100;
    if (block_ms < 10) block_ms = 10;
    if (train && access(t.corpus, R_OK) != 0) {
        fprintf(stderr, "yuma devnet: cannot read the corpus %s: %s (make it with scripts/get-corpus.sh)\n", t.corpus,
                strerror(errno));
        return 2;
    }
    /* A devnet is disposable: each run starts from its genesis. */
    char db[4200], bin[4096];
    exe_dir(bin, sizeof bin);
    if (train ? !have_node(bin) : !have_programs(bin)) return 1;
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/yuma.db", dir);
    unlink(db);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    uint16_t port;
    pid_t node = start_node(bin, dir, block_ms, &port);
    if (node < 0) {
        fprintf(stderr, "yuma devnet: the node did not start\n");
        return 1;
    }
    printf("yuma devnet: node on http://127.0.0.1:%u, data in %s/ (Ctrl-C stops it)\n", port, dir);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    devnet d = {.c = client_for(url)};
    child kids[MINERS + VALIDATORS];
    memset(kids, 0, sizeof kids);
    int rc = 1, n_kids = MINERS + VALIDATORS;
    if (!d.c || !setup(&d)) goto out;
    if (train) {
        rc = run_train(&d, dir, url, epochs, &t, kids);
        n_kids = t.miners + VALIDATORS;
        goto out;
    }
    printf("subnet %u: owner alice, validators bob and charlie, 4 miners answering %u%%, %u%%, %u%%, %u%% of "
           "challenges right\n",
           d.netuid, miner_accuracy_pct[0], miner_accuracy_pct[1], miner_accuracy_pct[2], miner_accuracy_pct[3]);
    if (!start_children(bin, dir, url, d.netuid, kids)) {
        fprintf(stderr, "yuma devnet: cannot start the miners and validators\n");
        goto out;
    }
    printf("processes: %d miners (axons on 127.0.0.2) and %d validators; logs in %s/miner-*.log and "
           "%s/validator-*.log\n",
           MINERS, VALIDATORS, dir, dir);
    fflush(stdout);
    run_epochs(&d, epochs, kids);
    rc = 0;
out:
    stop_children(kids, n_kids);
    yuma_sdk_client_free(d.c);
    pid_t n[1] = {node};
    stop_pids(n, 1);
    printf("\nyuma devnet: stopped; the chain is in %s/yuma.db\n", dir);
    return rc;
}
