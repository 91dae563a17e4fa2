/*
 * test_etcd_client.c - the etcd v3 client (include/yuma/etcd.h) against a
 * real etcd (Debian's etcd-server) started by the test on free loopback
 * ports in a temporary directory: binary keys and values, ranges (prefix,
 * limit, order, keys only, count only, an old revision), deletes,
 * transactions (create-if-absent, both branches, value and lease
 * compares), leases (grant, keepalive, revoke, expiry), the watch wait
 * (timeout, a change from the past, a change made while waiting, a
 * delete), member failover, and every error: a bad configuration, an
 * empty key, no member answering, an endpoint that is not etcd's client
 * URL, a lease etcd does not have. Skipped, saying so, when etcd is not
 * installed (CI installs it: scripts/install-deps.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "yuma/etcd.h"

static pid_t etcd_pid;
static char dir[64], url[64], peer_url[64];
static bool missing;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A port nobody listens on now (the kernel's choice for port 0). */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return 0;
    close(fd);
    return ntohs(a.sin_port);
}

static yuma_etcd *client(const char *endpoints)
{
    char err[256];
    yuma_etcd *e = yuma_etcd_new(&(yuma_etcd_config){.endpoints = endpoints, .timeout_ms = 3000}, err, sizeof err);
    if (!e) fail_msg("yuma_etcd_new(%s): %s", endpoints, err);
    return e;
}

static int start_etcd(void **state)
{
    (void)state;
    const char *bin = getenv("YUMA_ETCD") ? getenv("YUMA_ETCD") : "/usr/bin/etcd";
    if (access(bin, X_OK) != 0) {
        missing = true;
        fprintf(stderr, "etcd is not installed at %s (apt-get install etcd-server): the etcd tests are skipped\n", bin);
        return 0;
    }
    snprintf(dir, sizeof dir, "/tmp/yuma-etcd-test-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    unsigned cport = free_port(), pport = free_port();
    snprintf(url, sizeof url, "http://127.0.0.1:%u", cport);
    snprintf(peer_url, sizeof peer_url, "http://127.0.0.1:%u", pport);
    char data[128], log[128], initial[160];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(log, sizeof log, "%s/etcd.log", dir);
    snprintf(initial, sizeof initial, "t=%s", peer_url);
    etcd_pid = fork();
    if (etcd_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execl(bin, bin, "--name", "t", "--data-dir", data, "--listen-client-urls", url, "--advertise-client-urls", url,
              "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url, "--initial-cluster", initial,
              (char *)NULL);
        _exit(127);
    }
    yuma_etcd *e = client(url);
    bool up = false;
    for (uint64_t deadline = now_ms() + 15000; !up && now_ms() < deadline; sleep_ms(50)) {
        yuma_etcd_range_result r;
        up = yuma_etcd_range(e, (const uint8_t *)"probe", 5, NULL, &r) == YUMA_ETCD_OK;
        yuma_etcd_range_result_free(&r);
    }
    yuma_etcd_free(e);
    if (!up) fprintf(stderr, "etcd did not answer at %s; see %s\n", url, log);
    return up ? 0 : -1;
}

static int stop_etcd(void **state)
{
    (void)state;
    if (missing) return 0;
    kill(etcd_pid, SIGTERM);
    waitpid(etcd_pid, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define NEED_ETCD()                                                                                                   \
    do {                                                                                                              \
        if (missing) skip();                                                                                          \
    } while (0)

static void put(yuma_etcd *e, const char *key, const char *value)
{
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)key, strlen(key), (const uint8_t *)value, strlen(value), 0, NULL),
                     YUMA_ETCD_OK);
}

/* ---- no server needed ---- */

static void test_config_errors(void **state)
{
    (void)state;
    char err[256];
    assert_null(yuma_etcd_new(&(yuma_etcd_config){.endpoints = NULL}, err, sizeof err));
    assert_string_equal(err, "no etcd endpoint given (a comma-separated list of http://HOST:PORT)");
    assert_null(yuma_etcd_new(&(yuma_etcd_config){.endpoints = ""}, err, sizeof err));
    assert_non_null(strstr(err, "no etcd endpoint given"));
    assert_null(yuma_etcd_new(&(yuma_etcd_config){.endpoints = "http://127.0.0.1:1,https://x:2"}, err, sizeof err));
    assert_string_equal(err, "etcd endpoint \"https://x:2\" is not an http://HOST:PORT URL");
    assert_null(yuma_etcd_new(&(yuma_etcd_config){.endpoints = "127.0.0.1:2379"}, err, sizeof err));
    assert_string_equal(err, "etcd endpoint \"127.0.0.1:2379\" is not an http://HOST:PORT URL");
    /* A trailing slash is allowed. */
    yuma_etcd *e = yuma_etcd_new(&(yuma_etcd_config){.endpoints = "http://127.0.0.1:1/"}, err, sizeof err);
    assert_non_null(e);
    /* An empty key is refused before anything is sent. */
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"", 0, NULL, &r), YUMA_ETCD_ERR_ARG);
    assert_string_equal(yuma_etcd_message(e), "an etcd key cannot be empty");
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)"", 0, NULL, 0, 0, NULL), YUMA_ETCD_ERR_ARG);
    assert_int_equal(yuma_etcd_lease_grant(e, 0, &(int64_t){0}, NULL), YUMA_ETCD_ERR_ARG);
    assert_string_equal(yuma_etcd_message(e), "a lease TTL must be at least 1 second, not 0");
    yuma_etcd_compare bad = {.target = YUMA_ETCD_CMP_CREATE, .key = (const uint8_t *)"", .key_len = 0};
    yuma_etcd_txn_result t;
    assert_int_equal(yuma_etcd_txn(e, &bad, 1, NULL, 0, NULL, 0, &t), YUMA_ETCD_ERR_ARG);
    assert_non_null(strstr(yuma_etcd_message(e), "txn compare 0"));
    yuma_etcd_free(e);
}

static void test_prefix_end(void **state)
{
    (void)state;
    uint8_t out[8];
    assert_int_equal(yuma_etcd_prefix_end((const uint8_t *)"abc", 3, out), 3);
    assert_memory_equal(out, "abd", 3);
    assert_int_equal(yuma_etcd_prefix_end((const uint8_t *)"a\xff\xff", 3, out), 1);
    assert_memory_equal(out, "b", 1);
    assert_int_equal(yuma_etcd_prefix_end((const uint8_t *)"\xff\xff", 2, out), 0);
}

static void test_no_member_answers(void **state)
{
    (void)state;
    char dead[96];
    unsigned p1 = free_port(), p2 = free_port();
    snprintf(dead, sizeof dead, "http://127.0.0.1:%u,http://127.0.0.1:%u", p1, p2);
    yuma_etcd *e = client(dead);
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"k", 1, NULL, &r), YUMA_ETCD_ERR_UNAVAILABLE);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%u/v3/kv/range: ", p2); /* the last one tried */
    if (!strstr(yuma_etcd_message(e), want)) fail_msg("message: %s", yuma_etcd_message(e));
    /* A write that never reached a member is tried on each, then reported. */
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1, 0, NULL),
                     YUMA_ETCD_ERR_UNAVAILABLE);
    assert_null(strstr(yuma_etcd_message(e), "may have taken effect"));
    bool changed = true;
    assert_int_equal(yuma_etcd_watch_wait(e, (const uint8_t *)"k", 1, NULL, 0, 1, 200, &changed),
                     YUMA_ETCD_ERR_UNAVAILABLE);
    assert_false(changed);
    yuma_etcd_free(e);
}

/* ---- against etcd ---- */

static void test_put_range(void **state)
{
    (void)state;
    NEED_ETCD();
    yuma_etcd *e = client(url);
    /* Binary keys and values: NUL and 0xff bytes survive the base64. */
    const uint8_t key[] = {'b', 0, 0xff, 1}, value[] = {0, 1, 2, 0xff, 0xfe};
    int64_t rev = 0;
    assert_int_equal(yuma_etcd_put(e, key, sizeof key, value, sizeof value, 0, &rev), YUMA_ETCD_OK);
    assert_true(rev > 0);
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, key, sizeof key, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.total, 1);
    assert_int_equal(r.kvs[0].key_len, sizeof key);
    assert_memory_equal(r.kvs[0].key, key, sizeof key);
    assert_int_equal(r.kvs[0].value_len, sizeof value);
    assert_memory_equal(r.kvs[0].value, value, sizeof value);
    assert_int_equal(r.kvs[0].create_revision, rev);
    assert_int_equal(r.kvs[0].mod_revision, rev);
    assert_int_equal(r.kvs[0].version, 1);
    assert_int_equal(r.kvs[0].lease, 0);
    assert_true(r.revision >= rev);
    yuma_etcd_range_result_free(&r);
    /* An empty value (which the gateway omits) reads back empty. */
    put(e, "empty", "");
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"empty", 5, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kvs[0].value_len, 0);
    yuma_etcd_range_result_free(&r);
    /* A missing key: no pairs. */
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"nothing", 7, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.total, 0);
    yuma_etcd_range_result_free(&r);

    /* A prefix of five keys: limit, order, keys only, count only. */
    char k[16], v[16];
    int64_t first_rev = 0;
    for (int i = 0; i < 5; i++) {
        snprintf(k, sizeof k, "p/%d", i);
        snprintf(v, sizeof v, "v%d", i);
        assert_int_equal(yuma_etcd_put(e, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v), 0,
                                       i ? NULL : &first_rev),
                         YUMA_ETCD_OK);
    }
    uint8_t end[8];
    size_t elen = yuma_etcd_prefix_end((const uint8_t *)"p/", 2, end);
    yuma_etcd_range_opts o = {.range_end = end, .range_end_len = elen, .limit = 2};
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"p/", 2, &o, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.total, 5);
    assert_true(r.more);
    assert_memory_equal(r.kvs[0].key, "p/0", 3);
    assert_memory_equal(r.kvs[1].key, "p/1", 3);
    yuma_etcd_range_result_free(&r);
    o = (yuma_etcd_range_opts){.range_end = end, .range_end_len = elen, .limit = 1, .descending = true,
                               .keys_only = true};
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"p/", 2, &o, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 1);
    assert_memory_equal(r.kvs[0].key, "p/4", 3);
    assert_int_equal(r.kvs[0].value_len, 0);
    yuma_etcd_range_result_free(&r);
    o = (yuma_etcd_range_opts){.range_end = end, .range_end_len = elen, .count_only = true};
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"p/", 2, &o, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.total, 5);
    yuma_etcd_range_result_free(&r);
    /* "\0" as the end: every key from the start key on. */
    o = (yuma_etcd_range_opts){.range_end = (const uint8_t *)"", .range_end_len = 1, .count_only = true};
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"p/3", 3, &o, &r), YUMA_ETCD_OK);
    assert_int_equal(r.total, 2);
    yuma_etcd_range_result_free(&r);
    /* An old revision still shows the old value. */
    put(e, "p/0", "changed");
    o = (yuma_etcd_range_opts){.revision = first_rev};
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"p/0", 3, &o, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 1);
    assert_memory_equal(r.kvs[0].value, "v0", 2);
    yuma_etcd_range_result_free(&r);

    /* Deleting the prefix: five keys, then none. */
    int64_t deleted = 0;
    assert_int_equal(yuma_etcd_delete(e, (const uint8_t *)"p/", 2, end, elen, &deleted), YUMA_ETCD_OK);
    assert_int_equal(deleted, 5);
    o = (yuma_etcd_range_opts){.range_end = end, .range_end_len = elen};
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"p/", 2, &o, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 0);
    yuma_etcd_range_result_free(&r);
    assert_int_equal(yuma_etcd_delete(e, (const uint8_t *)"p/", 2, end, elen, &deleted), YUMA_ETCD_OK);
    assert_int_equal(deleted, 0);
    yuma_etcd_free(e);
}

static void test_txn(void **state)
{
    (void)state;
    NEED_ETCD();
    yuma_etcd *e = client(url);
    const uint8_t *key = (const uint8_t *)"txn/height/1";
    size_t klen = strlen((const char *)key);
    yuma_etcd_compare absent = {.target = YUMA_ETCD_CMP_CREATE, .result = YUMA_ETCD_EQUAL, .key = key, .key_len = klen};
    yuma_etcd_op put_a = {.kind = YUMA_ETCD_OP_PUT, .key = key, .key_len = klen, .value = (const uint8_t *)"A",
                          .value_len = 1};
    yuma_etcd_op put_b = put_a;
    put_b.value = (const uint8_t *)"B";
    yuma_etcd_op get = {.kind = YUMA_ETCD_OP_RANGE, .key = key, .key_len = klen};
    yuma_etcd_txn_result t;
    /* Create-if-absent: the first wins, the second sees the first's value. */
    assert_int_equal(yuma_etcd_txn(e, &absent, 1, &put_a, 1, &get, 1, &t), YUMA_ETCD_OK);
    assert_true(t.succeeded);
    assert_int_equal(t.range.count, 0);
    int64_t created = t.revision;
    yuma_etcd_range_result_free(&t.range);
    assert_int_equal(yuma_etcd_txn(e, &absent, 1, &put_b, 1, &get, 1, &t), YUMA_ETCD_OK);
    assert_false(t.succeeded);
    assert_int_equal(t.range.count, 1);
    assert_memory_equal(t.range.kvs[0].value, "A", 1);
    assert_int_equal(t.range.kvs[0].create_revision, created);
    yuma_etcd_range_result_free(&t.range);
    /* create_revision == the creator's revision holds; a VALUE compare. */
    yuma_etcd_compare mine[2] = {
        {.target = YUMA_ETCD_CMP_CREATE, .result = YUMA_ETCD_EQUAL, .key = key, .key_len = klen, .number = created},
        {.target = YUMA_ETCD_CMP_VALUE, .result = YUMA_ETCD_EQUAL, .key = key, .key_len = klen,
         .value = (const uint8_t *)"A", .value_len = 1},
    };
    assert_int_equal(yuma_etcd_txn(e, mine, 2, &put_b, 1, NULL, 0, &t), YUMA_ETCD_OK);
    assert_true(t.succeeded);
    yuma_etcd_range_result_free(&t.range);
    assert_int_equal(yuma_etcd_txn(e, mine, 2, &put_b, 1, NULL, 0, &t), YUMA_ETCD_OK);
    assert_false(t.succeeded); /* the value is B now */
    yuma_etcd_range_result_free(&t.range);
    /* A LEASE compare: the key has no lease (0). */
    yuma_etcd_compare no_lease = {.target = YUMA_ETCD_CMP_LEASE, .result = YUMA_ETCD_EQUAL, .key = key,
                                  .key_len = klen, .number = 0};
    assert_int_equal(yuma_etcd_txn(e, &no_lease, 1, NULL, 0, NULL, 0, &t), YUMA_ETCD_OK);
    assert_true(t.succeeded);
    yuma_etcd_range_result_free(&t.range);
    /* The failure branch can delete. */
    yuma_etcd_compare never = {.target = YUMA_ETCD_CMP_VERSION, .result = YUMA_ETCD_GREATER, .key = key,
                               .key_len = klen, .number = 100};
    yuma_etcd_op del = {.kind = YUMA_ETCD_OP_DELETE, .key = key, .key_len = klen};
    assert_int_equal(yuma_etcd_txn(e, &never, 1, NULL, 0, &del, 1, &t), YUMA_ETCD_OK);
    assert_false(t.succeeded);
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, key, klen, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 0);
    yuma_etcd_range_result_free(&r);
    yuma_etcd_free(e);
}

static void test_lease(void **state)
{
    (void)state;
    NEED_ETCD();
    yuma_etcd *e = client(url);
    int64_t id = 0, ttl = 0;
    assert_int_equal(yuma_etcd_lease_grant(e, 30, &id, &ttl), YUMA_ETCD_OK);
    assert_true(id != 0);
    assert_int_equal(ttl, 30);
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)"leased", 6, (const uint8_t *)"x", 1, id, NULL), YUMA_ETCD_OK);
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"leased", 6, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.kvs[0].lease, id);
    yuma_etcd_range_result_free(&r);
    int64_t left = 0;
    assert_int_equal(yuma_etcd_lease_keepalive(e, id, &left), YUMA_ETCD_OK);
    assert_int_equal(left, 30);
    /* A LEASE compare with the key's lease. */
    yuma_etcd_compare held = {.target = YUMA_ETCD_CMP_LEASE, .result = YUMA_ETCD_EQUAL, .key = (const uint8_t *)"leased",
                              .key_len = 6, .number = id};
    yuma_etcd_txn_result t;
    assert_int_equal(yuma_etcd_txn(e, &held, 1, NULL, 0, NULL, 0, &t), YUMA_ETCD_OK);
    assert_true(t.succeeded);
    yuma_etcd_range_result_free(&t.range);
    /* Revoking deletes the key; the lease is gone after. */
    assert_int_equal(yuma_etcd_lease_revoke(e, id), YUMA_ETCD_OK);
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"leased", 6, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 0);
    yuma_etcd_range_result_free(&r);
    assert_int_equal(yuma_etcd_lease_keepalive(e, id, &left), YUMA_ETCD_OK);
    assert_int_equal(left, 0);
    assert_int_equal(yuma_etcd_lease_revoke(e, id), YUMA_ETCD_ERR_REMOTE);
    if (!strstr(yuma_etcd_message(e), "requested lease not found")) fail_msg("message: %s", yuma_etcd_message(e));
    assert_int_equal(yuma_etcd_remote_code(e), 5); /* gRPC NotFound */
    /* A put with a lease etcd does not have is refused. */
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)"leased", 6, (const uint8_t *)"x", 1, id, NULL),
                     YUMA_ETCD_ERR_REMOTE);
    /* Expiry: a 2 s lease not kept alive takes its key with it. */
    assert_int_equal(yuma_etcd_lease_grant(e, 2, &id, &ttl), YUMA_ETCD_OK);
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)"short", 5, (const uint8_t *)"x", 1, id, NULL), YUMA_ETCD_OK);
    uint64_t t0 = now_ms();
    bool gone = false;
    while (!gone && now_ms() - t0 < 8000) {
        assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"short", 5, NULL, &r), YUMA_ETCD_OK);
        gone = r.count == 0;
        yuma_etcd_range_result_free(&r);
        if (!gone) sleep_ms(100);
    }
    assert_true(gone);
    assert_true(now_ms() - t0 >= 1500); /* not before (about) its TTL */
    assert_int_equal(yuma_etcd_lease_keepalive(e, id, &left), YUMA_ETCD_OK);
    assert_int_equal(left, 0);
    yuma_etcd_free(e);
}

static void *put_later(void *arg)
{
    (void)arg;
    sleep_ms(300);
    yuma_etcd *e = client(url);
    put(e, "w/key", "later");
    yuma_etcd_free(e);
    return NULL;
}

static void test_watch(void **state)
{
    (void)state;
    NEED_ETCD();
    yuma_etcd *e = client(url);
    uint8_t end[8];
    size_t elen = yuma_etcd_prefix_end((const uint8_t *)"w/", 2, end);
    int64_t rev = 0;
    assert_int_equal(yuma_etcd_put(e, (const uint8_t *)"w/key", 5, (const uint8_t *)"1", 1, 0, &rev), YUMA_ETCD_OK);
    /* From a past revision: the change is already there. */
    bool changed = false;
    uint64_t t0 = now_ms();
    assert_int_equal(yuma_etcd_watch_wait(e, (const uint8_t *)"w/", 2, end, elen, rev, 5000, &changed), YUMA_ETCD_OK);
    assert_true(changed);
    assert_true(now_ms() - t0 < 2000);
    /* Nothing after it: the wait times out, OK and unchanged. */
    t0 = now_ms();
    assert_int_equal(yuma_etcd_watch_wait(e, (const uint8_t *)"w/", 2, end, elen, rev + 1, 400, &changed),
                     YUMA_ETCD_OK);
    assert_false(changed);
    assert_true(now_ms() - t0 >= 350);
    /* A change made while waiting ends the wait early. */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, put_later, NULL), 0);
    t0 = now_ms();
    assert_int_equal(yuma_etcd_watch_wait(e, (const uint8_t *)"w/", 2, end, elen, rev + 1, 10000, &changed),
                     YUMA_ETCD_OK);
    pthread_join(th, NULL);
    assert_true(changed);
    assert_true(now_ms() - t0 < 5000);
    /* A single key: its delete is a change too. */
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"w/key", 5, NULL, &r), YUMA_ETCD_OK);
    int64_t now = r.revision;
    yuma_etcd_range_result_free(&r);
    assert_int_equal(yuma_etcd_delete(e, (const uint8_t *)"w/key", 5, NULL, 0, NULL), YUMA_ETCD_OK);
    assert_int_equal(yuma_etcd_watch_wait(e, (const uint8_t *)"w/key", 5, NULL, 0, now + 1, 5000, &changed),
                     YUMA_ETCD_OK);
    assert_true(changed);
    /* The same client works for ordinary requests after a watch. */
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"w/key", 5, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 0);
    yuma_etcd_range_result_free(&r);
    yuma_etcd_free(e);
}

static void test_failover_and_protocol(void **state)
{
    (void)state;
    NEED_ETCD();
    /* A dead member first: the request goes on to the live one. */
    char both[160];
    snprintf(both, sizeof both, "http://127.0.0.1:%u,%s", free_port(), url);
    yuma_etcd *e = client(both);
    put(e, "fo", "x");
    yuma_etcd_range_result r;
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"fo", 2, NULL, &r), YUMA_ETCD_OK);
    assert_int_equal(r.count, 1);
    assert_string_equal(yuma_etcd_message(e), "");
    yuma_etcd_range_result_free(&r);
    yuma_etcd_free(e);
    /* etcd's peer port speaks HTTP but not the v3 gateway. */
    e = client(peer_url);
    assert_int_equal(yuma_etcd_range(e, (const uint8_t *)"fo", 2, NULL, &r), YUMA_ETCD_ERR_PROTOCOL);
    if (!strstr(yuma_etcd_message(e), "without a JSON object; is it an etcd v3 client URL?"))
        fail_msg("message: %s", yuma_etcd_message(e));
    yuma_etcd_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_errors),         cmocka_unit_test(test_prefix_end),
        cmocka_unit_test(test_no_member_answers),     cmocka_unit_test(test_put_range),
        cmocka_unit_test(test_txn),                   cmocka_unit_test(test_lease),
        cmocka_unit_test(test_watch),                 cmocka_unit_test(test_failover_and_protocol),
    };
    return cmocka_run_group_tests(tests, start_etcd, stop_etcd);
}
