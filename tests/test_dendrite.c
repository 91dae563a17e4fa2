/*
 * test_dendrite.c - the dendrite against several real axons on loopback:
 * all queried at once, a slow one cut off at the timeout while the others
 * answer (the whole query takes about the timeout, not the sum), a closed
 * port reported unreachable, a caller the axons do not know refused with
 * the axon's reason, connections reused across rounds (one per axon,
 * counted by the dendrite and by each axon), and files fetched to memory
 * and to disk with their checksum checked - including a file changed in
 * place behind the axon's checksum cache, which must be caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "yuma/axon.h"
#include "yuma/dendrite.h"
#include "yuma/genesis.h"

enum { FAST_A, FAST_B, SLOW, AXONS };

typedef struct {
    yuma_keypair miner[AXONS], validator, stranger;
    yuma_axon *axon[AXONS];
    yuma_dendrite_target target[AXONS + 1]; /* the last: a closed port */
    char files[64];
} fixture;

/* Answers {"sum": a + b} for {"a": .., "b": ..}; the slow axon first sleeps. */
static void sum(const yuma_axon_request *rq, yuma_axon_response *resp, void *user)
{
    long delay_ms = (long)(intptr_t)user;
    if (delay_ms) {
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    json_error_t e;
    json_t *in = json_loadb((const char *)rq->body, rq->body_len, 0, &e);
    long long a = json_integer_value(json_object_get(in, "a")), b = json_integer_value(json_object_get(in, "b"));
    json_decref(in);
    yuma_axon_respond_json(resp, 200, json_pack("{s:I, s:i}", "sum", a + b, "uid", rq->caller_uid));
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    yuma_dev_keypair("dendrite-test-validator", &f->validator);
    yuma_dev_keypair("dendrite-test-stranger", &f->stranger);
    snprintf(f->files, sizeof f->files, "/tmp/yuma-dendrite-files-XXXXXX");
    if (!mkdtemp(f->files)) return -1;
    yuma_neuron ns[AXONS + 1];
    memset(ns, 0, sizeof ns);
    ns[0].hotkey = f->validator.pub;
    ns[0].stake = 1000;
    ns[0].validator_permit = true;
    for (int i = 0; i < AXONS; i++) {
        char name[64], err[256];
        snprintf(name, sizeof name, "dendrite-test-miner-%d", i);
        yuma_dev_keypair(name, &f->miner[i]);
        ns[i + 1].uid = (uint16_t)(i + 1);
        ns[i + 1].hotkey = f->miner[i].pub;
        yuma_axon_config cfg = {.hotkey = f->miner[i].pub, .rate_per_s = 1000, .files_dir = f->files};
        f->axon[i] = yuma_axon_new(&cfg, err, sizeof err);
        void *delay = (void *)(intptr_t)(i == SLOW ? 1500 : 0);
        if (!f->axon[i] || !yuma_axon_route(f->axon[i], "sum", sum, delay, err, sizeof err) ||
            !yuma_axon_start(f->axon[i], err, sizeof err)) {
            fprintf(stderr, "axon: %s\n", err);
            return -1;
        }
    }
    yuma_metagraph mg = {.netuid = 1, .block = 1, .n = AXONS + 1, .neurons = ns};
    for (int i = 0; i < AXONS; i++) {
        yuma_axon_set_metagraph(f->axon[i], &mg);
        /* Targets the way a validator makes them: from the metagraph. */
        ns[i + 1].axon = (yuma_axon_info){.served = true, .port = yuma_axon_port(f->axon[i])};
        snprintf(ns[i + 1].axon.ip, sizeof ns[i + 1].axon.ip, "127.0.0.1");
        assert_true(yuma_dendrite_target_of(&ns[i + 1], &f->target[i]));
        assert_int_equal(f->target[i].uid, i + 1);
    }
    assert_false(yuma_dendrite_target_of(&ns[0], &f->target[AXONS])); /* no axon served */
    f->target[AXONS] = f->target[FAST_A];
    f->target[AXONS].port = closed_port();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < AXONS; i++) yuma_axon_free(f->axon[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->files);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void many_axons_at_once_with_a_timeout(void **state)
{
    fixture *f = *state;
    yuma_dendrite *d = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &f->validator});
    assert_non_null(d);
    yuma_dendrite_response out[AXONS + 1];
    const char *body = "{\"a\": 40, \"b\": 2}";
    double t0 = now_ms();
    size_t ok = yuma_dendrite_query(d, f->target, AXONS + 1, "sum", body, strlen(body), NULL, 500, out);
    double took = now_ms() - t0;
    assert_int_equal(ok, 2);
    for (int i = FAST_A; i <= FAST_B; i++) {
        assert_int_equal(out[i].outcome, YUMA_DENDRITE_OK);
        assert_int_equal(out[i].http_status, 200);
        assert_non_null(strstr((const char *)out[i].body, "\"sum\":42"));
        assert_non_null(strstr((const char *)out[i].body, "\"uid\":0")); /* the validator's uid */
        assert_true(out[i].latency_ms > 0 && out[i].latency_ms < 500);
    }
    assert_int_equal(out[SLOW].outcome, YUMA_DENDRITE_TIMEOUT);
    /* Cut off near the timeout, well before the handler's 1.5 s (the
     * margin is for a loaded machine). */
    assert_true(out[SLOW].latency_ms >= 490 && out[SLOW].latency_ms < 1200);
    assert_non_null(strstr(out[SLOW].error, "within the timeout"));
    assert_int_equal(out[AXONS].outcome, YUMA_DENDRITE_UNREACHABLE);
    /* Concurrent, and the slow axon's 1.5 s was not waited for. */
    assert_true(took < 1200);
    yuma_dendrite_responses_free(out, AXONS + 1);
    yuma_dendrite_free(d);
}

static void connections_are_reused_across_rounds(void **state)
{
    fixture *f = *state;
    yuma_axon_stats before[2], after[2];
    for (int i = 0; i < 2; i++) yuma_axon_get_stats(f->axon[i], &before[i]);
    yuma_dendrite *d = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &f->validator});
    yuma_dendrite_response out[2];
    for (int round = 0; round < 20; round++) {
        char body[64];
        snprintf(body, sizeof body, "{\"a\": %d, \"b\": 1}", round);
        assert_int_equal(yuma_dendrite_query(d, f->target, 2, "sum", body, strlen(body), NULL, 2000, out), 2);
        char want[32];
        snprintf(want, sizeof want, "\"sum\":%d", round + 1);
        assert_non_null(strstr((const char *)out[0].body, want));
        yuma_dendrite_responses_free(out, 2);
    }
    yuma_dendrite_stats st;
    yuma_dendrite_get_stats(d, &st);
    assert_int_equal(st.requests, 40);
    assert_int_equal(st.connections, 2);
    for (int i = 0; i < 2; i++) {
        yuma_axon_get_stats(f->axon[i], &after[i]);
        assert_int_equal(after[i].connections_opened - before[i].connections_opened, 1);
        assert_int_equal(after[i].served - before[i].served, 20);
    }
    yuma_dendrite_free(d);
    /* Freed: the axons see the connections close. */
    for (int tries = 0; tries < 100; tries++) {
        yuma_axon_get_stats(f->axon[0], &after[0]);
        if (after[0].connections_open == 0) break;
        usleep(10000);
    }
    assert_int_equal(after[0].connections_open, 0);
}

static void an_unknown_caller_gets_the_axons_reason(void **state)
{
    fixture *f = *state;
    yuma_dendrite *d = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &f->stranger});
    yuma_dendrite_response out[1];
    assert_int_equal(yuma_dendrite_query(d, f->target, 1, "sum", "{}", 2, NULL, 2000, out), 0);
    assert_int_equal(out[0].outcome, YUMA_DENDRITE_REFUSED);
    assert_int_equal(out[0].http_status, 403);
    assert_string_equal(out[0].reason, "unregistered");
    assert_non_null(strstr(out[0].error, "not registered"));
    yuma_dendrite_responses_free(out, 1);
    /* A bad route is refused before anything is sent. */
    assert_int_equal(yuma_dendrite_query(d, f->target, 1, "../x", "{}", 2, NULL, 2000, out), 0);
    assert_int_equal(out[0].outcome, YUMA_DENDRITE_ERROR);
    assert_non_null(strstr(out[0].error, "is not 1..64"));
    yuma_dendrite_responses_free(out, 1);
    yuma_dendrite_free(d);
    assert_null(yuma_dendrite_new(&(yuma_dendrite_config){0}));
}

static void write_file(const char *dir, const char *name, const char *content, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(content, 1, len, fp), len);
    fclose(fp);
}

static void files_are_fetched_and_checked(void **state)
{
    fixture *f = *state;
    size_t len = 300000;
    char *content = malloc(len);
    for (size_t i = 0; i < len; i++) content[i] = (char)(i * 7 + i / 251);
    write_file(f->files, "checkpoint-3.bin", content, len);
    yuma_dendrite *d = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &f->validator});
    yuma_dendrite_response r;
    assert_true(yuma_dendrite_fetch_file(d, &f->target[FAST_A], "checkpoint-3.bin", NULL, 5000, &r));
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, content, len);
    assert_int_equal(strlen(r.checksum), 64);
    assert_true(r.mtime_ms > 0);
    yuma_dendrite_response_free(&r);
    /* To disk: the file appears whole under its name, no .part left. */
    char dest[128], part[140];
    snprintf(dest, sizeof dest, "%s/fetched.bin", f->files);
    snprintf(part, sizeof part, "%s.part", dest);
    assert_true(yuma_dendrite_fetch_file(d, &f->target[FAST_B], "checkpoint-3.bin", dest, 5000, &r));
    assert_null(r.body);
    struct stat st;
    assert_int_equal(stat(dest, &st), 0);
    assert_int_equal(st.st_size, (off_t)len);
    assert_int_not_equal(stat(part, &st), 0);
    yuma_dendrite_response_free(&r);
    /* Listing. */
    assert_true(yuma_dendrite_list_files(d, &f->target[FAST_A], 5000, &r));
    assert_non_null(strstr((const char *)r.body, "\"checkpoint-3.bin\""));
    yuma_dendrite_response_free(&r);
    /* Changed in place with the same size and modification time, the
     * axon's cached checksum no longer matches: the fetch says so and
     * leaves no file behind. */
    char path[128];
    snprintf(path, sizeof path, "%s/checkpoint-3.bin", f->files);
    assert_int_equal(stat(path, &st), 0);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    content[1000] ^= 0x55;
    write_file(f->files, "checkpoint-3.bin", content, len);
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    remove(dest);
    assert_false(yuma_dendrite_fetch_file(d, &f->target[FAST_A], "checkpoint-3.bin", dest, 5000, &r));
    assert_int_equal(r.outcome, YUMA_DENDRITE_CORRUPT);
    assert_non_null(strstr(r.error, "not the"));
    assert_int_not_equal(stat(dest, &st), 0);
    assert_int_not_equal(stat(part, &st), 0);
    yuma_dendrite_response_free(&r);
    /* A missing file, and a name no axon serves. */
    assert_false(yuma_dendrite_fetch_file(d, &f->target[FAST_A], "nope.bin", NULL, 5000, &r));
    assert_int_equal(r.outcome, YUMA_DENDRITE_REFUSED);
    assert_string_equal(r.reason, "no_file");
    yuma_dendrite_response_free(&r);
    assert_false(yuma_dendrite_fetch_file(d, &f->target[FAST_A], "../etc/passwd", NULL, 5000, &r));
    assert_int_equal(r.outcome, YUMA_DENDRITE_ERROR);
    yuma_dendrite_response_free(&r);
    /* Over the answer limit (in memory only). */
    yuma_dendrite *small = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &f->validator, .max_response = 1000});
    assert_false(yuma_dendrite_fetch_file(small, &f->target[FAST_A], "checkpoint-3.bin", NULL, 5000, &r));
    assert_int_equal(r.outcome, YUMA_DENDRITE_TOO_LARGE);
    yuma_dendrite_response_free(&r);
    yuma_dendrite_free(small);
    yuma_dendrite_free(d);
    free(content);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_axons_at_once_with_a_timeout),
        cmocka_unit_test(connections_are_reused_across_rounds),
        cmocka_unit_test(an_unknown_caller_gets_the_axons_reason),
        cmocka_unit_test(files_are_fetched_and_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
