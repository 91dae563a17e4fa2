/*
 * test_axon.c - the axon's security over real HTTP on loopback. Requests
 * are built here by hand from the documented signing text (docs/SDK.md:
 * BLAKE2b-256 of the body from libsodium, ed25519 from keys.h), not with
 * the SDK's own signer, so the format is checked against its description.
 * Refused, each with its status and reason: unsigned, malformed, wrongly
 * signed (another key, another body, another axon), stale, replayed,
 * unregistered, low stake, no permit, oversized, unknown route, wrong
 * method; a flood from one caller is rate limited (429) while another
 * caller is still served. Files: content, length and checksum headers
 * match what the test wrote; names that leave the directory are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "yuma/axon.h"
#include "yuma/genesis.h"

typedef struct {
    yuma_keypair miner, validator, small, nopermit, stranger;
    yuma_axon *axon;
    char files[64];
    uint64_t nonce;
} fixture;

/* The handler: echoes the body with the caller's uid. */
static void echo(const yuma_axon_request *rq, yuma_axon_response *resp, void *user)
{
    (void)user;
    yuma_axon_respond_json(resp, 200,
                           json_pack("{s:i, s:s#, s:s}", "uid", rq->caller_uid, "body", (const char *)rq->body,
                                     (int)rq->body_len, "route", rq->route));
}

static yuma_neuron neuron(const yuma_keypair *k, uint16_t uid, uint64_t stake, bool permit)
{
    yuma_neuron n;
    memset(&n, 0, sizeof n);
    n.uid = uid;
    n.hotkey = k->pub;
    n.stake = stake;
    n.validator_permit = permit;
    return n;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    yuma_dev_keypair("axon-test-miner", &f->miner);
    yuma_dev_keypair("axon-test-validator", &f->validator);
    yuma_dev_keypair("axon-test-small", &f->small);
    yuma_dev_keypair("axon-test-nopermit", &f->nopermit);
    yuma_dev_keypair("axon-test-stranger", &f->stranger);
    snprintf(f->files, sizeof f->files, "/tmp/yuma-axon-files-XXXXXX");
    if (!mkdtemp(f->files)) return -1;
    char err[256];
    yuma_axon_config cfg = {.hotkey = f->miner.pub,
                            .max_body = 4096,
                            .rate_per_s = 1000,
                            .min_stake = 100,
                            .require_permit = true,
                            .files_dir = f->files};
    f->axon = yuma_axon_new(&cfg, err, sizeof err);
    if (!f->axon || !yuma_axon_route(f->axon, "echo", echo, NULL, err, sizeof err) ||
        !yuma_axon_start(f->axon, err, sizeof err)) {
        fprintf(stderr, "axon: %s\n", err);
        return -1;
    }
    yuma_neuron ns[4] = {neuron(&f->miner, 0, 0, false), neuron(&f->validator, 1, 5000, true),
                         neuron(&f->small, 2, 10, true), neuron(&f->nopermit, 3, 5000, false)};
    yuma_metagraph mg = {.netuid = 1, .block = 10, .n = 4, .neurons = ns};
    yuma_axon_set_metagraph(f->axon, &mg);
    f->nonce = 1000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    yuma_axon_free(f->axon);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->files);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The documented signing text, built independently of the SDK. */
static void sign_request(const yuma_keypair *caller, const yuma_pubkey *axon, const char *method, const char *path,
                         const char *body, size_t len, uint64_t nonce, uint64_t ts, char sig_hex[129])
{
    uint8_t h[32], sig[64];
    crypto_generichash(h, 32, (const uint8_t *)body, len, NULL, 0);
    char hh[65], a[YUMA_SS58_MAX], c[YUMA_SS58_MAX], msg[2048];
    sodium_bin2hex(hh, sizeof hh, h, 32);
    yuma_ss58_encode(axon, 42, a);
    yuma_ss58_encode(&caller->pub, 42, c);
    int n = snprintf(msg, sizeof msg, "yuma-axon-v1\n%s\n%s\n%s\n%llu\n%llu\n%s\n%s", method, path, hh,
                     (unsigned long long)nonce, (unsigned long long)ts, a, c);
    crypto_sign_detached(sig, NULL, (const uint8_t *)msg, (unsigned long long)n, caller->secret);
    sodium_bin2hex(sig_hex, 129, sig, 64);
}

typedef struct {
    long status;
    char body[8192];
    size_t len;
    char checksum[80];
    char retry_after[16];
} reply;

static size_t on_body(char *d, size_t s, size_t n, void *arg)
{
    reply *r = arg;
    size_t k = s * n;
    if (r->len + k >= sizeof r->body) k = sizeof r->body - 1 - r->len;
    memcpy(r->body + r->len, d, k);
    r->len += k;
    r->body[r->len] = 0;
    return s * n;
}

static size_t on_header(char *line, size_t s, size_t n, void *arg)
{
    reply *r = arg;
    sscanf(line, "X-Yuma-Blake2b-256: %64s", r->checksum);
    sscanf(line, "Retry-After: %15s", r->retry_after);
    return s * n;
}

typedef struct {
    const yuma_keypair *signer;    /* NULL: no signature headers */
    const yuma_keypair *claimed;   /* the caller header (default: signer) */
    const yuma_pubkey *axon;       /* signed for (default: the miner) */
    const char *signed_body;       /* default: the body sent */
    uint64_t nonce;                /* 0: the fixture's next */
    int64_t skew_ms;
    const char *nonce_text;        /* overrides the nonce header */
} how;

static reply request(fixture *f, const char *method, const char *path, const char *body, how h)
{
    reply r;
    memset(&r, 0, sizeof r);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", yuma_axon_port(f->axon), path);
    struct curl_slist *hs = curl_slist_append(NULL, "Expect:");
    if (h.signer) {
        uint64_t nonce = h.nonce ? h.nonce : ++f->nonce, ts = now_ms() + (uint64_t)h.skew_ms;
        const char *sb = h.signed_body ? h.signed_body : body ? body : "";
        char sig[129], line[300], addr[YUMA_SS58_MAX];
        sign_request(h.signer, h.axon ? h.axon : &f->miner.pub, method, path, sb, strlen(sb), nonce, ts, sig);
        yuma_ss58_encode(h.claimed ? &h.claimed->pub : &h.signer->pub, 42, addr);
        snprintf(line, sizeof line, "X-Yuma-Caller: %s", addr);
        hs = curl_slist_append(hs, line);
        if (h.nonce_text) snprintf(line, sizeof line, "X-Yuma-Nonce: %s", h.nonce_text);
        else snprintf(line, sizeof line, "X-Yuma-Nonce: %llu", (unsigned long long)nonce);
        hs = curl_slist_append(hs, line);
        snprintf(line, sizeof line, "X-Yuma-Timestamp: %llu", (unsigned long long)ts);
        hs = curl_slist_append(hs, line);
        snprintf(line, sizeof line, "X-Yuma-Signature: %s", sig);
        hs = curl_slist_append(hs, line);
    }
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hs);
    return r;
}

static void assert_refused(const reply *r, long status, const char *reason)
{
    char want[64];
    snprintf(want, sizeof want, "\"reason\":\"%s\"", reason);
    if (r->status != status || !strstr(r->body, want))
        fail_msg("expected %ld %s, got %ld %s", status, reason, r->status, r->body);
}

static void a_signed_request_from_a_validator_is_served(void **state)
{
    fixture *f = *state;
    reply r = request(f, "POST", "/echo", "{\"x\":1}", (how){.signer = &f->validator});
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"uid\":1"));
    assert_non_null(strstr(r.body, "{\\\"x\\\":1}"));
    /* The SDK's signer produces the same text as the test's. */
    char a[129], b[129];
    const char *body = "abc";
    assert_true(yuma_axon_sign(&f->validator, "POST", "/echo", body, 3, 77, 88, &f->miner.pub, a));
    sign_request(&f->validator, &f->miner.pub, "POST", "/echo", body, 3, 77, 88, b);
    assert_string_equal(a, b);
}

static void unsigned_and_malformed_requests_are_refused(void **state)
{
    fixture *f = *state;
    reply r = request(f, "POST", "/echo", "{}", (how){0});
    assert_refused(&r, 401, "unsigned");
    assert_non_null(strstr(r.body, "X-Yuma-Caller is missing"));
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce_text = "12x"});
    assert_refused(&r, 400, "bad_header");
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce_text = "0"});
    assert_refused(&r, 400, "bad_header");
}

static void wrong_signatures_are_refused(void **state)
{
    fixture *f = *state;
    /* Signed by the stranger, claiming to be the validator. */
    reply r = request(f, "POST", "/echo", "{}", (how){.signer = &f->stranger, .claimed = &f->validator});
    assert_refused(&r, 401, "bad_signature");
    /* A body other than the one signed. */
    r = request(f, "POST", "/echo", "{\"pay\":2}", (how){.signer = &f->validator, .signed_body = "{\"pay\":1}"});
    assert_refused(&r, 401, "bad_signature");
    /* Signed for another axon. */
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .axon = &f->stranger.pub});
    assert_refused(&r, 401, "bad_signature");
}

static void stale_and_replayed_requests_are_refused(void **state)
{
    fixture *f = *state;
    reply r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .skew_ms = -31000});
    assert_refused(&r, 401, "stale");
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .skew_ms = 31000});
    assert_refused(&r, 401, "stale");
    /* Within the window either way is fine. */
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .skew_ms = -20000});
    assert_int_equal(r.status, 200);
    uint64_t n = ++f->nonce;
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce = n});
    assert_int_equal(r.status, 200);
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce = n});
    assert_refused(&r, 401, "replayed");
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce = n - 1});
    assert_refused(&r, 401, "replayed");
}

static void callers_must_be_registered_staked_and_permitted(void **state)
{
    fixture *f = *state;
    reply r = request(f, "POST", "/echo", "{}", (how){.signer = &f->stranger});
    assert_refused(&r, 403, "unregistered");
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->small});
    assert_refused(&r, 403, "low_stake");
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->nopermit});
    assert_refused(&r, 403, "no_permit");
}

static void routes_methods_and_sizes(void **state)
{
    fixture *f = *state;
    reply r = request(f, "POST", "/nope", "{}", (how){.signer = &f->validator});
    assert_refused(&r, 404, "not_found");
    assert_non_null(strstr(r.body, "POST /echo"));
    r = request(f, "GET", "/echo", NULL, (how){.signer = &f->validator});
    assert_refused(&r, 405, "method");
    char *big = malloc(5000);
    memset(big, 'a', 4999);
    big[4999] = 0;
    r = request(f, "POST", "/echo", big, (how){.signer = &f->validator});
    assert_refused(&r, 413, "too_large");
    free(big);
    r = request(f, "GET", "/health", NULL, (how){0});
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"status\":\"ok\""));
}

static void a_flood_is_limited_per_caller(void **state)
{
    fixture *f = *state;
    /* An axon of its own with a bucket of 5 at 2 per second. */
    char err[256];
    yuma_axon *slow = yuma_axon_new(&(yuma_axon_config){.hotkey = f->miner.pub, .rate_per_s = 2, .burst = 5},
                                    err, sizeof err);
    assert_non_null(slow);
    assert_true(yuma_axon_route(slow, "echo", echo, NULL, err, sizeof err));
    assert_true(yuma_axon_start(slow, err, sizeof err));
    yuma_neuron ns[4] = {neuron(&f->miner, 0, 0, false), neuron(&f->validator, 1, 5000, true),
                         neuron(&f->stranger, 2, 5000, true), neuron(&f->small, 3, 1, false)};
    yuma_metagraph mg = {.netuid = 1, .block = 11, .n = 4, .neurons = ns};
    yuma_axon_set_metagraph(slow, &mg);
    yuma_axon *main_axon = f->axon;
    f->axon = slow;
    /* Requests refused for other reasons take no token: a third party
     * replaying the validator's request cannot spend its bucket. */
    uint64_t n = ++f->nonce;
    reply r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce = n});
    assert_int_equal(r.status, 200);
    for (int i = 0; i < 10; i++) {
        r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator, .nonce = n});
        assert_refused(&r, 401, "replayed");
    }
    /* The flood: 4 tokens are left of 5 (refilling at 2/s, so a fast loop
     * gets at most one or two more). */
    int ok = 0, limited = 0;
    uint64_t t0 = now_ms();
    for (int i = 0; i < 12; i++) {
        r = request(f, "POST", "/echo", "{}", (how){.signer = &f->validator});
        if (r.status == 200) {
            ok++;
        } else {
            assert_refused(&r, 429, "rate_limited");
            assert_true(atoi(r.retry_after) >= 1);
            limited++;
        }
    }
    /* At most the 4 left plus what refilled while the loop ran. */
    double refilled = (double)(now_ms() - t0) / 1000.0 * 2;
    assert_true(ok >= 4 && ok <= 4 + (int)refilled + 1);
    assert_true(limited >= 1);
    assert_int_equal(ok + limited, 12);
    /* Another caller is still served. */
    r = request(f, "POST", "/echo", "{}", (how){.signer = &f->stranger});
    assert_int_equal(r.status, 200);
    yuma_axon_stats st;
    yuma_axon_get_stats(slow, &st);
    assert_int_equal(st.refused[YUMA_AXON_RATE_LIMITED], (uint64_t)limited);
    assert_int_equal(st.refused[YUMA_AXON_REPLAYED], 10);
    assert_int_equal(st.served, (uint64_t)ok + 2);
    f->axon = main_axon;
    yuma_axon_free(slow);
}

static void files_are_served_with_their_checksum(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/update-7.bin", f->files);
    FILE *fp = fopen(path, "wb");
    const char content[] = "gradient bytes \x01\x02\x03";
    fwrite(content, 1, sizeof content - 1, fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/.hidden", f->files);
    fp = fopen(path, "wb");
    fclose(fp);
    reply r = request(f, "GET", "/files/update-7.bin", NULL, (how){.signer = &f->validator});
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, sizeof content - 1);
    assert_memory_equal(r.body, content, sizeof content - 1);
    uint8_t h[32];
    char hex[65];
    crypto_generichash(h, 32, (const uint8_t *)content, sizeof content - 1, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, 32);
    assert_string_equal(r.checksum, hex);
    r = request(f, "GET", "/files", NULL, (how){.signer = &f->validator});
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"name\":\"update-7.bin\""));
    assert_null(strstr(r.body, "hidden"));
    r = request(f, "GET", "/files/missing.bin", NULL, (how){.signer = &f->validator});
    assert_refused(&r, 404, "no_file");
    r = request(f, "GET", "/files/.hidden", NULL, (how){.signer = &f->validator});
    assert_refused(&r, 400, "bad_name");
    r = request(f, "GET", "/files/..", NULL, (how){.signer = &f->validator});
    assert_true(r.status == 400 || r.status == 404);
    /* Files need a signature like everything else. */
    r = request(f, "GET", "/files/update-7.bin", NULL, (how){0});
    assert_refused(&r, 401, "unsigned");
    r = request(f, "POST", "/files/update-7.bin", "x", (how){.signer = &f->validator});
    assert_refused(&r, 405, "method");
}

static void bad_configuration_is_refused(void **state)
{
    (void)state;
    char err[256];
    yuma_keypair k;
    yuma_dev_keypair("axon-test-miner", &k);
    yuma_axon *a = yuma_axon_new(&(yuma_axon_config){.hotkey = k.pub, .address = "not-an-ip"}, err, sizeof err);
    assert_non_null(a);
    assert_false(yuma_axon_route(a, "files", echo, NULL, err, sizeof err));
    assert_false(yuma_axon_route(a, "a/b", echo, NULL, err, sizeof err));
    assert_true(yuma_axon_route(a, "ok", echo, NULL, err, sizeof err));
    assert_false(yuma_axon_route(a, "ok", echo, NULL, err, sizeof err));
    assert_non_null(strstr(err, "already defined"));
    assert_false(yuma_axon_start(a, err, sizeof err));
    assert_non_null(strstr(err, "not an IPv4 or IPv6"));
    yuma_axon_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_signed_request_from_a_validator_is_served),
        cmocka_unit_test(unsigned_and_malformed_requests_are_refused),
        cmocka_unit_test(wrong_signatures_are_refused),
        cmocka_unit_test(stale_and_replayed_requests_are_refused),
        cmocka_unit_test(callers_must_be_registered_staked_and_permitted),
        cmocka_unit_test(routes_methods_and_sizes),
        cmocka_unit_test(files_are_served_with_their_checksum),
        cmocka_unit_test(a_flood_is_limited_per_caller),
        cmocka_unit_test(bad_configuration_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
