/*
 * cluster.c - `yuma cluster`: a local cluster on loopback (docs/CLUSTER.md).
 *
 *   yuma cluster up N [--dir D] [--base-port P] [--interval-ms M] [--retain-blocks R] [--lease-s S]
 *   yuma cluster down [--dir D]
 *   yuma cluster status [--dir D]
 *   yuma cluster check [--dir D] [--txs FILE]
 *   yuma cluster load [--dir D] ...          (cluster_load.c)
 *
 * `up` starts three etcd members and N yumad nodes in cluster mode with one
 * genesis (the devnet's keys plus load-0..load-255, all funded), each
 * process in its own session with its log and pid file in D, and returns
 * once every one answers. Run again, it starts only what is not running
 * (a killed node, a stopped etcd member, or more nodes with a larger N),
 * with the settings saved in D/cluster.json. `down` stops them (SIGTERM,
 * then SIGKILL after 10 s). `check` says whether the running nodes agree on
 * every block and on the blocks etcd still holds, and (--txs) whether every
 * listed transaction is included at its height on every node.
 *
 * Ports, from the base P: etcd member i (0..2) serves clients on P+2i and
 * its peers on P+2i+1; node j (1..N) serves JSON-RPC on P+10+j.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli/args.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "yuma/cluster.h"
#include "yuma/etcd.h"
#include "yuma/genesis.h"
#include "yuma/rpc_client.h"

#define ETCD_MEMBERS 3
#define MAX_NODES 20
#define LOAD_KEYS 256

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- options and the saved configuration ---- */

/* Flags shared by the subcommands; given[] says which were on the command line. */
int cluster_parse(int argc, char **argv, int first, cluster_opts *o, const char *const *extra, const char **extra_val)
{
    snprintf(o->dir, sizeof o->dir, "yuma-cluster");
    o->base_port = 23000;
    o->interval_ms = 1000;
    o->lease_s = 2;
    o->retain = 10000;
    static const struct {
        const char *flag;
        uint64_t min, max;
    } nums[] = {{"--base-port", 1024, 65535 - 40}, {"--interval-ms", 10, 3600000}, {"--lease-s", 1, 60},
                {"--retain-blocks", 2, 100000000}};
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool known = false;
        for (size_t e = 0; extra && extra[e]; e++)
            if (strcmp(a, extra[e]) == 0) {
                if (!v) return fprintf(stderr, "yuma cluster: %s needs a value\n", a), 2;
                extra_val[e] = v;
                known = true;
            }
        if (known) {
            i++;
            continue;
        }
        if (!v) return fprintf(stderr, "yuma cluster: unknown option or missing value: %s\n", a), 2;
        if (strcmp(a, "--dir") == 0) {
            snprintf(o->dir, sizeof o->dir, "%s", v);
            o->given[0] = true;
            i++;
            continue;
        }
        size_t k = 0;
        while (k < 4 && strcmp(a, nums[k].flag) != 0) k++;
        uint64_t x;
        if (k == 4) return fprintf(stderr, "yuma cluster: unknown option %s\n", a), 2;
        if (!cli_parse_uint(v, nums[k].min, nums[k].max, &x))
            return fprintf(stderr, "yuma cluster: %s must be %" PRIu64 "..%" PRIu64 ", not '%s'\n", a, nums[k].min,
                           nums[k].max, v),
                   2;
        if (k == 0) o->base_port = (unsigned)x;
        if (k == 1) o->interval_ms = (unsigned)x;
        if (k == 2) o->lease_s = (unsigned)x;
        if (k == 3) o->retain = x;
        o->given[k + 1] = true;
        i++;
    }
    return 0;
}

static void path_in(const cluster_opts *o, char *out, size_t len, const char *name)
{
    snprintf(out, len, "%.4000s/%.300s", o->dir, name);
}

bool cluster_load_config(cluster_opts *o, bool quiet)
{
    char path[4352];
    path_in(o, path, sizeof path, "cluster.json");
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        if (!quiet) fprintf(stderr, "yuma cluster: no cluster in %s (%s); start one with `yuma cluster up N`\n", o->dir, je.text);
        return false;
    }
    unsigned saved[5] = {0, (unsigned)json_integer_value(json_object_get(j, "base_port")),
                         (unsigned)json_integer_value(json_object_get(j, "interval_ms")),
                         (unsigned)json_integer_value(json_object_get(j, "lease_s")), 0};
    uint64_t retain = (uint64_t)json_integer_value(json_object_get(j, "retain_blocks"));
    unsigned nodes = (unsigned)json_integer_value(json_object_get(j, "nodes"));
    json_decref(j);
    if (!saved[1] || !saved[2] || !saved[3] || retain < 2 || !nodes || nodes > MAX_NODES) {
        fprintf(stderr, "yuma cluster: %s is malformed\n", path);
        return false;
    }
    const char *flags[] = {NULL, "--base-port", "--interval-ms", "--lease-s"};
    unsigned mine[] = {0, o->base_port, o->interval_ms, o->lease_s};
    for (int k = 1; k <= 3; k++)
        if (o->given[k] && mine[k] != saved[k]) {
            fprintf(stderr, "yuma cluster: the cluster in %s was made with %s %u; use that or another --dir\n", o->dir,
                    flags[k], saved[k]);
            return false;
        }
    if (o->given[4] && o->retain != retain) {
        fprintf(stderr, "yuma cluster: the cluster in %s was made with --retain-blocks %" PRIu64 "\n", o->dir, retain);
        return false;
    }
    o->base_port = saved[1];
    o->interval_ms = saved[2];
    o->lease_s = saved[3];
    o->retain = retain;
    o->nodes = nodes;
    return true;
}

static bool save_config(const cluster_opts *o)
{
    char path[4352];
    path_in(o, path, sizeof path, "cluster.json");
    json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:I}", "nodes", o->nodes, "base_port", o->base_port, "interval_ms",
                          o->interval_ms, "lease_s", o->lease_s, "retain_blocks", (json_int_t)o->retain);
    bool ok = j && json_dump_file(j, path, JSON_INDENT(2)) == 0;
    json_decref(j);
    if (!ok) fprintf(stderr, "yuma cluster: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

void cluster_etcd_urls(const cluster_opts *o, char *out, size_t len)
{
    size_t at = 0;
    for (int i = 0; i < ETCD_MEMBERS; i++)
        at += (size_t)snprintf(out + at, len - at, "%shttp://127.0.0.1:%u", i ? "," : "", o->base_port + 2 * i);
}

void cluster_node_url(const cluster_opts *o, unsigned j, char *out, size_t len)
{
    snprintf(out, len, "http://127.0.0.1:%u/", o->base_port + 10 + j);
}

/* ---- processes ---- */

static pid_t read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1) pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

/* Alive and running the program we started (not a recycled pid). */
static bool pid_runs(pid_t pid, const char *program)
{
    if (pid <= 0 || kill(pid, 0) != 0) return false;
    char path[64], cmd[4096] = "";
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    size_t n = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    cmd[n] = 0;
    /* A zombie child of this process has an empty cmdline. */
    return n > 0 && strstr(cmd, program) != NULL;
}

bool cluster_member_pid(const cluster_opts *o, const char *name, const char *program, pid_t *pid)
{
    char path[4352], file[128];
    snprintf(file, sizeof file, "%s.pid", name);
    path_in(o, path, sizeof path, file);
    *pid = read_pid(path);
    return pid_runs(*pid, program);
}

static bool port_free(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Starts argv[0] in its own session (so a Ctrl-C of the caller does not
 * reach it), output appended to D/<name>.log, pid in D/<name>.pid. */
static pid_t spawn(const cluster_opts *o, const char *name, char *const argv[])
{
    char log[4352], pidf[4352], file[128];
    snprintf(file, sizeof file, "%s.log", name);
    path_in(o, log, sizeof log, file);
    snprintf(file, sizeof file, "%s.pid", name);
    path_in(o, pidf, sizeof pidf, file);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        setsid();
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644), null = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (null >= 0) dup2(null, STDIN_FILENO);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    FILE *f = fopen(pidf, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)pid);
        fclose(f);
    }
    return pid;
}

/* etcd: $YUMA_ETCD, else /usr/bin/etcd, else the first etcd on PATH. */
static bool find_etcd(char *out, size_t len)
{
    const char *env = getenv("YUMA_ETCD");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, X_OK) == 0;
    }
    snprintf(out, len, "/usr/bin/etcd");
    if (access(out, X_OK) == 0) return true;
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        snprintf(out, len, "%.*s/etcd", (int)n, path);
        if (access(out, X_OK) == 0) return true;
        path = colon ? colon + 1 : NULL;
    }
    return false;
}

static bool beside_self(const char *program, char *out, size_t len)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return false;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash) *slash = 0;
    snprintf(out, len, "%s/%s", self, program);
    return access(out, X_OK) == 0;
}

/* ---- up ---- */

static bool write_genesis(const cluster_opts *o)
{
    char path[4352];
    path_in(o, path, sizeof path, "genesis.json");
    if (access(path, R_OK) == 0) return true;
    const char *names[64 + LOAD_KEYS];
    char load[LOAD_KEYS][16];
    size_t count = 0;
    for (size_t i = 0; yuma_dev_names[i]; i++) names[count++] = yuma_dev_names[i];
    for (size_t i = 0; i < LOAD_KEYS; i++) {
        snprintf(load[i], sizeof load[i], "load-%zu", i);
        names[count++] = load[i];
    }
    yuma_genesis_file g;
    /* 50,000 TAO each: 262 accounts stay well under the supply cap. */
    if (!yuma_genesis_devnet(names, count, 50000 * YUMA_RAO_PER_TAO, &g)) return false;
    char *text = yuma_genesis_to_json(&g.genesis);
    yuma_genesis_file_free(&g);
    FILE *f = text ? fopen(path, "w") : NULL;
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0) ok = false;
    free(text);
    if (!ok) fprintf(stderr, "yuma cluster: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

static bool start_etcd(const cluster_opts *o, const char *etcd, int i)
{
    char name[32], data[4352], client[64], peer[64], initial[512], token[64];
    snprintf(name, sizeof name, "etcd-%d", i);
    pid_t pid;
    if (cluster_member_pid(o, name, "etcd", &pid)) return true;
    unsigned cport = o->base_port + 2 * (unsigned)i, pport = cport + 1;
    if (!port_free(cport) || !port_free(pport)) {
        fprintf(stderr, "yuma cluster: port %u or %u (for %s) is in use; choose another --base-port\n", cport, pport,
                name);
        return false;
    }
    path_in(o, data, sizeof data, name);
    snprintf(client, sizeof client, "http://127.0.0.1:%u", cport);
    snprintf(peer, sizeof peer, "http://127.0.0.1:%u", pport);
    size_t at = 0;
    for (int k = 0; k < ETCD_MEMBERS; k++)
        at += (size_t)snprintf(initial + at, sizeof initial - at, "%setcd-%d=http://127.0.0.1:%u", k ? "," : "", k,
                               o->base_port + 2 * (unsigned)k + 1);
    snprintf(token, sizeof token, "yuma-%u", o->base_port);
    char *argv[] = {(char *)etcd, "--name", name, "--data-dir", data, "--listen-client-urls", client,
                    "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls",
                    peer, "--initial-cluster", initial, "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    /* Room for blocks of up to 768 KiB of transactions (base64 in JSON). */
                    "--max-request-bytes", "8388608",
                    /* Old revisions of deleted block keys are dropped. */
                    "--auto-compaction-mode", "revision", "--auto-compaction-retention", "10000",
                    "--logger", "zap", "--log-level", "warn", NULL};
    return spawn(o, name, argv) > 0;
}

static bool start_node(const cluster_opts *o, const char *yumad, unsigned j)
{
    char name[32], data[4352], genesis[4352], port[16], ms[16], lease[16], retain[24], etcd[256];
    snprintf(name, sizeof name, "node-%u", j);
    pid_t pid;
    if (cluster_member_pid(o, name, "yumad", &pid)) return true;
    unsigned rport = o->base_port + 10 + j;
    if (!port_free(rport)) {
        fprintf(stderr, "yuma cluster: port %u (for %s) is in use; choose another --base-port\n", rport, name);
        return false;
    }
    path_in(o, data, sizeof data, name);
    path_in(o, genesis, sizeof genesis, "genesis.json");
    snprintf(port, sizeof port, "%u", rport);
    snprintf(ms, sizeof ms, "%u", o->interval_ms);
    snprintf(lease, sizeof lease, "%u", o->lease_s);
    snprintf(retain, sizeof retain, "%" PRIu64, o->retain);
    cluster_etcd_urls(o, etcd, sizeof etcd);
    char *argv[] = {(char *)yumad, "--data", data, "--genesis", genesis, "--rpc-port", port, "--block-ms", ms,
                    "--cluster", etcd, "--cluster-name", name, "--cluster-lease-s", lease,
                    "--cluster-retain-blocks", retain, NULL};
    return spawn(o, name, argv) > 0;
}

static bool wait_etcd(const cluster_opts *o)
{
    char urls[256], err[256];
    cluster_etcd_urls(o, urls, sizeof urls);
    uint64_t deadline = now_ms() + 20000;
    /* Each member must answer: a member that did not start shows here. */
    for (int i = 0; i < ETCD_MEMBERS; i++) {
        char one[64];
        snprintf(one, sizeof one, "http://127.0.0.1:%u", o->base_port + 2 * (unsigned)i);
        yuma_etcd *e = yuma_etcd_new(&(yuma_etcd_config){.endpoints = one, .timeout_ms = 1000}, err, sizeof err);
        bool ok = false;
        while (e && !ok && now_ms() < deadline) {
            yuma_etcd_range_result r;
            ok = yuma_etcd_range(e, (const uint8_t *)"/yuma-probe", 11, NULL, &r) == YUMA_ETCD_OK;
            yuma_etcd_range_result_free(&r);
            if (!ok) sleep_ms(100);
        }
        if (!ok)
            fprintf(stderr, "yuma cluster: etcd-%d at %s does not answer: %s (see %s/etcd-%d.log)\n", i, one,
                    e ? yuma_etcd_message(e) : err, o->dir, i);
        yuma_etcd_free(e);
        if (!ok) return false;
    }
    return true;
}

static bool wait_node(const cluster_opts *o, unsigned j)
{
    char url[64];
    cluster_node_url(o, j, url, sizeof url);
    yuma_rpc_client *rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = url, .timeout_ms = 1000, .no_retry = true});
    uint64_t deadline = now_ms() + 20000;
    bool ok = false;
    yuma_rpc_client_error e = {0};
    while (rc && !ok && now_ms() < deadline) {
        json_t *r = yuma_rpc_client_call(rc, "chain_head", NULL, &e);
        ok = r != NULL;
        json_decref(r);
        if (!ok) {
            /* Our own child (just started) or an older one: gone either way
             * means it exited, and its log says why. */
            char name[32];
            snprintf(name, sizeof name, "node-%u", j);
            pid_t pid;
            cluster_member_pid(o, name, "yumad", &pid);
            if (pid <= 0 || waitpid(pid, NULL, WNOHANG) == pid || kill(pid, 0) != 0) break;
            sleep_ms(100);
        }
    }
    yuma_rpc_client_free(rc);
    if (!ok) fprintf(stderr, "yuma cluster: node-%u does not answer at %s (see %s/node-%u.log)\n", j, url, o->dir, j);
    return ok;
}

static void print_endpoints(const cluster_opts *o)
{
    char urls[256];
    cluster_etcd_urls(o, urls, sizeof urls);
    printf("etcd    %s\n", urls);
    for (unsigned j = 1; j <= o->nodes; j++) {
        char url[64], name[32];
        cluster_node_url(o, j, url, sizeof url);
        snprintf(name, sizeof name, "node-%u", j);
        pid_t pid;
        bool up = cluster_member_pid(o, name, "yumad", &pid);
        printf("%-7s %s  %s%ld  log %s/%s.log\n", name, url, up ? "pid " : "not running, last pid ", (long)pid, o->dir,
               name);
    }
    printf("stop with: yuma cluster down --dir %s\n", o->dir);
}

static int cluster_up(int argc, char **argv)
{
    uint64_t n;
    if (argc < 3 || !cli_parse_uint(argv[2], 1, MAX_NODES, &n)) {
        fprintf(stderr, "yuma cluster up: N, the number of nodes, must be 1..%d\n", MAX_NODES);
        return 2;
    }
    cluster_opts o = {0};
    int rc = cluster_parse(argc, argv, 3, &o, NULL, NULL);
    if (rc) return rc;
    char etcd[4096], yumad[4352];
    if (!find_etcd(etcd, sizeof etcd)) {
        fprintf(stderr, "yuma cluster: etcd is not installed (apt-get install etcd-server, or set YUMA_ETCD)\n");
        return 1;
    }
    if (!beside_self("yumad", yumad, sizeof yumad)) {
        fprintf(stderr, "yuma cluster: yumad is not beside this yuma executable\n");
        return 1;
    }
    if (mkdir(o.dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "yuma cluster: cannot create %s: %s\n", o.dir, strerror(errno));
        return 1;
    }
    if (cluster_load_config(&o, true)) {
        if (n < o.nodes) n = o.nodes; /* never fewer: `down` stops them all */
    } else {
        char path[4352];
        path_in(&o, path, sizeof path, "cluster.json");
        if (access(path, F_OK) == 0) return 1; /* exists but refused: the message is printed */
    }
    o.nodes = (unsigned)n;
    if (!write_genesis(&o) || !save_config(&o)) return 1;
    bool ok = true;
    for (int i = 0; ok && i < ETCD_MEMBERS; i++) ok = start_etcd(&o, etcd, i);
    ok = ok && wait_etcd(&o);
    for (unsigned j = 1; ok && j <= o.nodes; j++) ok = start_node(&o, yumad, j);
    for (unsigned j = 1; ok && j <= o.nodes; j++) ok = wait_node(&o, j);
    if (!ok) {
        fprintf(stderr, "yuma cluster: what did start keeps running; `yuma cluster down --dir %s` stops it\n", o.dir);
        return 1;
    }
    print_endpoints(&o);
    return 0;
}

/* ---- down ---- */

static int stop_member(const cluster_opts *o, const char *name, const char *program)
{
    pid_t pid;
    char path[4352], file[128];
    snprintf(file, sizeof file, "%s.pid", name);
    path_in(o, path, sizeof path, file);
    if (!cluster_member_pid(o, name, program, &pid)) {
        unlink(path);
        return 0;
    }
    kill(pid, SIGTERM);
    uint64_t deadline = now_ms() + 10000;
    while (pid_runs(pid, program) && now_ms() < deadline) {
        waitpid(pid, NULL, WNOHANG); /* reaps it if it is our child */
        sleep_ms(50);
    }
    if (pid_runs(pid, program)) {
        fprintf(stderr, "yuma cluster: %s (pid %ld) did not stop within 10 s; killed\n", name, (long)pid);
        kill(pid, SIGKILL);
    }
    unlink(path);
    return 1;
}

static int cluster_down(int argc, char **argv)
{
    cluster_opts o = {0};
    int rc = cluster_parse(argc, argv, 2, &o, NULL, NULL);
    if (rc) return rc;
    if (!cluster_load_config(&o, false)) return 1;
    int stopped = 0;
    for (unsigned j = 1; j <= o.nodes; j++) {
        char name[32];
        snprintf(name, sizeof name, "node-%u", j);
        stopped += stop_member(&o, name, "yumad");
    }
    for (int i = 0; i < ETCD_MEMBERS; i++) {
        char name[32];
        snprintf(name, sizeof name, "etcd-%d", i);
        stopped += stop_member(&o, name, "etcd");
    }
    printf("stopped %d processes of the cluster in %s (the data stays there)\n", stopped, o.dir);
    return 0;
}

/* ---- status ---- */

static size_t on_text(char *data, size_t size, size_t nmemb, void *arg)
{
    char *buf = arg;
    size_t have = strlen(buf), n = size * nmemb;
    if (have + n < 4096) {
        memcpy(buf + have, data, n);
        buf[have + n] = 0;
    }
    return n;
}

/* GET url (a node's /health): the parsed JSON, or NULL. */
json_t *cluster_get_json(const char *url)
{
    char buf[4096] = "";
    CURL *h = curl_easy_init();
    if (!h) return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_text);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    json_error_t je;
    return rc == CURLE_OK ? json_loads(buf, 0, &je) : NULL;
}

static int cluster_status(int argc, char **argv)
{
    cluster_opts o = {0};
    int rc = cluster_parse(argc, argv, 2, &o, NULL, NULL);
    if (rc) return rc;
    if (!cluster_load_config(&o, false)) return 1;
    for (int i = 0; i < ETCD_MEMBERS; i++) {
        char name[32];
        snprintf(name, sizeof name, "etcd-%d", i);
        pid_t pid;
        bool up = cluster_member_pid(&o, name, "etcd", &pid);
        printf("%-7s http://127.0.0.1:%u  %s\n", name, o.base_port + 2 * (unsigned)i, up ? "running" : "stopped");
    }
    for (unsigned j = 1; j <= o.nodes; j++) {
        char name[32], url[64], health[96];
        snprintf(name, sizeof name, "node-%u", j);
        cluster_node_url(&o, j, url, sizeof url);
        snprintf(health, sizeof health, "%shealth", url);
        pid_t pid;
        bool up = cluster_member_pid(&o, name, "yumad", &pid);
        json_t *h = up ? cluster_get_json(health) : NULL;
        const json_t *cl = json_object_get(h, "cluster");
        if (!h) printf("%-7s %s  %s\n", name, url, up ? "running, not answering" : "stopped");
        else
            printf("%-7s %s  %s height %" PRId64 " leader %s status %s%s%s\n", name, url,
                   json_string_value(json_object_get(cl, "role")) ? json_string_value(json_object_get(cl, "role")) : "?",
                   (int64_t)json_integer_value(json_object_get(h, "height")),
                   json_string_value(json_object_get(cl, "leader")) ? json_string_value(json_object_get(cl, "leader")) : "?",
                   json_string_value(json_object_get(h, "status")),
                   json_object_get(cl, "alarm") ? " alarm: " : "",
                   json_object_get(cl, "alarm") ? json_string_value(json_object_get(cl, "alarm")) : "");
        json_decref(h);
    }
    return 0;
}

/* ---- dispatch ---- */

int cmd_cluster(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "up") == 0) return cluster_up(argc, argv);
    if (strcmp(sub, "down") == 0) return cluster_down(argc, argv);
    if (strcmp(sub, "status") == 0) return cluster_status(argc, argv);
    if (strcmp(sub, "check") == 0) return cluster_check(argc, argv);
    if (strcmp(sub, "load") == 0) return cluster_loadgen(argc, argv);
    fprintf(stderr, "usage: yuma cluster up N [--dir D] [--base-port P] [--interval-ms M] [--retain-blocks R] "
                    "[--lease-s S]\n"
                    "       yuma cluster down|status [--dir D]\n"
                    "       yuma cluster check [--dir D] [--txs FILE]\n"
                    "       yuma cluster load [--dir D] [--seconds T] [--senders S] [--out FILE] [--timeline FILE]\n");
    return 2;
}
