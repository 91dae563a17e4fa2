/*
 * test_rpc.c - the JSON-RPC server and client, over real HTTP on
 * 127.0.0.1 (port 0: the kernel picks a free port).
 *
 * Every error path is driven through raw HTTP (libcurl, so the exact body
 * and headers are visible) or through the client, and checked with its
 * code and message: malformed JSON, wrong types, oversized bodies (declared
 * and chunked), unknown methods, invalid params, mixed batches,
 * notifications, the rate limit (with the server answering other requests
 * meanwhile), the bearer token, /health, /metrics, the long poll (woken by
 * another thread, timing out, answered at shutdown, many waiters while the
 * server keeps answering), and the client's connection reuse, retries and
 * cleanup (the sanitizer build checks for leaks). Loops that wait for the
 * server are bounded; nothing asserts on speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "yuma/rpc.h"
#include "yuma/rpc_client.h"

/* ---- test methods ---- */

static atomic_int notified;

static json_t *m_echo(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)call;
    (void)err;
    return params ? json_incref((json_t *)params) : json_null();
}

static json_t *m_add(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)call;
    static const char *const names[] = {"a", "b", NULL};
    uint64_t a = 0, b = 0;
    if (!yuma_rpc_params_only(params, names, err) || !yuma_rpc_param_u64(params, 0, "a", true, &a, err) ||
        !yuma_rpc_param_u64(params, 1, "b", true, &b, err))
        return NULL;
    return json_integer((json_int_t)(a + b));
}

static json_t *m_fail(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)params;
    (void)call;
    yuma_rpc_error_set(err, -32010, json_pack("{s:s}", "hint", "x"), "the thing failed; do the other thing");
    return NULL;
}

static json_t *m_noresult(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)params;
    (void)call;
    (void)err;
    return NULL;
}

static json_t *m_notice(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)params;
    (void)call;
    (void)err;
    atomic_fetch_add(&notified, 1);
    return json_true();
}

static json_t *m_write(const json_t *params, const yuma_rpc_call *call, yuma_rpc_error *err)
{
    (void)params;
    (void)err;
    return json_pack("{s:s, s:s}", "written", "yes", "by", call->client_ip);
}

static yuma_rpc_server *start(yuma_rpc_config cfg)
{
    yuma_rpc_server *s = yuma_rpc_new(&cfg);
    assert_non_null(s);
    char err[200];
    const yuma_rpc_method ms[] = {
        {"echo", m_echo, 0, NULL},         {"add", m_add, 0, NULL},     {"fail", m_fail, 0, NULL},
        {"noresult", m_noresult, 0, NULL}, {"notice", m_notice, 0, NULL}, {"write_thing", m_write, YUMA_RPC_WRITE, NULL},
    };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) assert_true(yuma_rpc_add_method(s, &ms[i], err, sizeof err));
    if (!yuma_rpc_start(s, err, sizeof err)) {
        print_error("start: %s\n", err);
        fail();
    }
    assert_int_not_equal(yuma_rpc_port(s), 0);
    return s;
}

static yuma_rpc_server *start_default(void)
{
    return start((yuma_rpc_config){0});
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- raw HTTP ---- */

typedef struct {
    long status;
    char *body;
    size_t len;
    char retry_after[32];
    char content_type[80];
} reply;

static size_t on_data(char *d, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    size_t k = size * n;
    char *grown = realloc(r->body, r->len + k + 1);
    assert_non_null(grown);
    r->body = grown;
    memcpy(r->body + r->len, d, k);
    r->len += k;
    r->body[r->len] = 0;
    return k;
}

static size_t on_header(char *d, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    size_t k = size * n;
    if (k > 13 && strncasecmp(d, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)(k - 15), d + 13);
    if (k > 14 && strncasecmp(d, "Content-Type: ", 14) == 0)
        snprintf(r->content_type, sizeof r->content_type, "%.*s", (int)(k - 16), d + 14);
    return k;
}

typedef struct {
    const char *data;
    size_t len, at;
} upload;

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
    upload *u = arg;
    size_t k = size * n;
    if (k > u->len - u->at) k = u->len - u->at;
    if (k > 4096) k = 4096;
    memcpy(buf, u->data + u->at, k);
    u->at += k;
    return k;
}

/* method "GET" or "POST"; body NULL for none; chunked sends it without a
 * Content-Length; header an extra header line or NULL. */
static reply http(const yuma_rpc_server *s, const char *method, const char *path, const char *body, size_t body_len,
                  bool chunked, const char *header)
{
    reply r = {0};
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", yuma_rpc_port(s), path);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hs = curl_slist_append(NULL, "Expect:");
    hs = curl_slist_append(hs, "Content-Type: application/json");
    if (header) hs = curl_slist_append(hs, header);
    upload u = {body, body_len, 0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        if (chunked) {
            hs = curl_slist_append(hs, "Transfer-Encoding: chunked");
            curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(h, CURLOPT_READDATA, &u);
        } else {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        }
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        print_error("curl: %s\n", curl_easy_strerror(rc));
        fail();
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    return r;
}

static reply post(const yuma_rpc_server *s, const char *body)
{
    return http(s, "POST", "/", body, strlen(body), false, NULL);
}

static json_t *parse(const reply *r)
{
    json_error_t e;
    json_t *j = json_loadb(r->body ? r->body : "", r->len, 0, &e);
    if (!j) {
        print_error("not JSON (HTTP %ld): %s\n", r->status, r->body ? r->body : "(empty)");
        fail();
    }
    return j;
}

/* Checks one error response object: code, message, and id (JSON text). */
static void check_error(const json_t *resp, int code, const char *message, const char *id_json)
{
    assert_string_equal(json_string_value(json_object_get(resp, "jsonrpc")), "2.0");
    const json_t *e = json_object_get(resp, "error");
    assert_non_null(e);
    assert_null(json_object_get(resp, "result"));
    assert_int_equal(json_integer_value(json_object_get(e, "code")), code);
    assert_string_equal(json_string_value(json_object_get(e, "message")), message);
    char *id = json_dumps(json_object_get(resp, "id"), JSON_ENCODE_ANY);
    assert_string_equal(id, id_json);
    free(id);
}

/* POSTs body and checks the single error it must get, with HTTP 200. */
static void expect_error(const yuma_rpc_server *s, const char *body, int code, const char *message, const char *id)
{
    reply r = post(s, body);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    check_error(j, code, message, id);
    json_decref(j);
    free(r.body);
}

static void expect_result(const yuma_rpc_server *s, const char *body, const char *result_json, const char *id)
{
    reply r = post(s, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    json_t *j = parse(&r);
    assert_null(json_object_get(j, "error"));
    char *res = json_dumps(json_object_get(j, "result"), JSON_ENCODE_ANY | JSON_COMPACT);
    assert_string_equal(res, result_json);
    char *idt = json_dumps(json_object_get(j, "id"), JSON_ENCODE_ANY);
    assert_string_equal(idt, id);
    free(res);
    free(idt);
    json_decref(j);
    free(r.body);
}

static yuma_rpc_client *client_for(const yuma_rpc_server *s, const char *token)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", yuma_rpc_port(s));
    yuma_rpc_client_config cfg = {.url = url, .auth_token = token, .timeout_ms = 10000};
    yuma_rpc_client *c = yuma_rpc_client_new(&cfg);
    assert_non_null(c);
    return c;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* ---- tests ---- */

static void test_lifecycle_errors(void **state)
{
    (void)state;
    int fds = open_fds();
    char err[200];
    yuma_rpc_server *s = yuma_rpc_new(&(yuma_rpc_config){.address = "localhost"});
    assert_false(yuma_rpc_start(s, err, sizeof err));
    assert_string_equal(err, "RPC address \"localhost\" is not an IPv4 or IPv6 address; use one like 127.0.0.1 or ::1");
    yuma_rpc_free(s);

    yuma_rpc_server *a = start_default();
    s = yuma_rpc_new(&(yuma_rpc_config){.port = yuma_rpc_port(a)});
    assert_false(yuma_rpc_start(s, err, sizeof err));
    char want[200];
    snprintf(want, sizeof want,
             "cannot listen on 127.0.0.1 port %u: Address already in use; choose another port, or 0 for any free one",
             yuma_rpc_port(a));
    assert_string_equal(err, want);
    assert_int_equal(yuma_rpc_port(s), 0);
    yuma_rpc_free(s);

    /* method table rules */
    assert_false(yuma_rpc_add_method(a, &(yuma_rpc_method){"late", m_echo, 0, NULL}, err, sizeof err));
    assert_string_equal(err, "methods must be added before yuma_rpc_start");
    assert_false(yuma_rpc_start(a, err, sizeof err));
    snprintf(want, sizeof want, "the RPC server is already running on port %u", yuma_rpc_port(a));
    assert_string_equal(err, want);
    s = yuma_rpc_new(NULL);
    assert_false(yuma_rpc_add_method(s, &(yuma_rpc_method){"rpc.x", m_echo, 0, NULL}, err, sizeof err));
    assert_string_equal(err, "method name \"rpc.x\" is empty or reserved (\"rpc.\" prefix), or has no handler");
    assert_false(yuma_rpc_add_method(s, &(yuma_rpc_method){"", m_echo, 0, NULL}, err, sizeof err));
    assert_false(yuma_rpc_add_method(s, &(yuma_rpc_method){"x", NULL, 0, NULL}, err, sizeof err));
    assert_false(yuma_rpc_add_method(s, &(yuma_rpc_method){"chain_waitForBlock", m_echo, 0, NULL}, err, sizeof err));
    assert_string_equal(err, "method \"chain_waitForBlock\" is already registered");
    yuma_rpc_free(s);

    /* stop is idempotent, and a stopped port can be bound again */
    uint16_t port = yuma_rpc_port(a);
    yuma_rpc_stop(a);
    yuma_rpc_stop(a);
    yuma_rpc_free(a);
    s = yuma_rpc_new(&(yuma_rpc_config){.port = port});
    assert_true(yuma_rpc_start(s, err, sizeof err));
    assert_int_equal(yuma_rpc_port(s), port);
    yuma_rpc_free(s);
    /* nothing left open: sockets and pipes all closed */
    assert_int_equal(open_fds(), fds);
}

static void test_calls(void **state)
{
    (void)state;
    yuma_rpc_server *s = start_default();
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1,\"x\"],\"id\":1}", "[1,\"x\"]", "1");
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":\"abc\"}", "null", "\"abc\"");
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"b\":2,\"a\":40},\"id\":null}", "42",
                  "null");
    /* a u64 may come as a decimal string */
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[\"40\",2],\"id\":7}", "42", "7");
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"rpc_methods\",\"id\":2}",
                  "[{\"name\":\"add\",\"write\":false},{\"name\":\"chain_waitForBlock\",\"write\":false},"
                  "{\"name\":\"echo\",\"write\":false},{\"name\":\"fail\",\"write\":false},"
                  "{\"name\":\"noresult\",\"write\":false},{\"name\":\"notice\",\"write\":false},"
                  "{\"name\":\"rpc_methods\",\"write\":false},{\"name\":\"write_thing\",\"write\":true}]",
                  "2");

    yuma_rpc_client *c = client_for(s, NULL);
    yuma_rpc_client_error e;
    json_t *p = json_pack("[i,i]", 2, 3);
    json_t *r = yuma_rpc_client_call(c, "add", p, &e);
    assert_int_equal(e.status, YUMA_RPC_CLIENT_OK);
    assert_int_equal(json_integer_value(r), 5);
    json_decref(r);
    json_decref(p);
    /* write methods are open when no token is configured */
    r = yuma_rpc_client_call(c, "write_thing", NULL, &e);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "by")), "127.0.0.1");
    json_decref(r);
    yuma_rpc_client_free(c);
    yuma_rpc_free(s);
}

static void test_request_errors(void **state)
{
    (void)state;
    yuma_rpc_server *s = start_default();
    /* not JSON */
    expect_error(s, "{\"jsonrpc\":\"2.0\",", YUMA_RPC_PARSE_ERROR,
                 "parse error: string or '}' expected near end of file at line 1 column 17; the body must be one "
                 "JSON request object or an array of them",
                 "null");
    expect_error(s, "{} x", YUMA_RPC_PARSE_ERROR,
                 "parse error: end of file expected near 'x' at line 1 column 4; the body must be one JSON request "
                 "object or an array of them",
                 "null");
    expect_error(s, "", YUMA_RPC_PARSE_ERROR,
                 "parse error: unexpected token near end of file at line 1 column 0; the body must be one JSON "
                 "request object or an array of them",
                 "null");
    expect_error(s, "{\"id\":1,\"id\":2}", YUMA_RPC_PARSE_ERROR,
                 "parse error: duplicate object key near '\"id\"' at line 1 column 12; the body must be one JSON "
                 "request object or an array of them",
                 "null");
    /* JSON, not a request */
    expect_error(s, "7", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: expected an object {\"jsonrpc\": \"2.0\", \"method\": ..., \"params\": ..., \"id\": "
                 "...}, got an integer",
                 "null");
    expect_error(s, "{\"method\":\"echo\",\"id\":3}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"jsonrpc\" must be \"2.0\"", "3");
    expect_error(s, "{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":3}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"jsonrpc\" must be \"2.0\"", "3");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":\"q\"}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"method\" must be a string, not an integer", "\"q\"");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"id\":4}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"method\" must be a string, not missing", "4");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":\"x\",\"id\":4}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"params\" must be an array (by position) or an object (by name), not a string",
                 "4");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"param\":[],\"id\":4}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: unknown member \"param\"; a request has only jsonrpc, method, params and id", "4");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1.5}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"id\" must be a string, an integer or null, not a number with a fraction", "null");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":{}}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"id\" must be a string, an integer or null, not an object", "null");
    /* unknown and reserved methods */
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":5}", YUMA_RPC_METHOD_NOT_FOUND,
                 "method not found: \"nope\"; rpc_methods lists this node's methods", "5");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"rpc.discover\",\"id\":5}", YUMA_RPC_METHOD_NOT_FOUND,
                 "method not found: \"rpc.discover\"; rpc_methods lists this node's methods", "5");
    /* invalid params: wrong types, missing, extra */
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[\"a\",1],\"id\":6}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: a must be a non-negative integer (a number or a decimal string below 2^64), not the "
                 "string \"a\"",
                 "6");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,true],\"id\":6}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: b must be a non-negative integer, not a boolean", "6");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[-1,2],\"id\":6}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: a must be a non-negative integer, not a negative integer", "6");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1},\"id\":6}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: missing b (a non-negative integer, parameter 2)", "6");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2,3],\"id\":6}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: 3 given by position; this method takes a, b", "6");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"c\":2},\"id\":6}",
                 YUMA_RPC_INVALID_PARAMS, "invalid params: unknown parameter \"c\"; this method takes a, b", "6");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"rpc_methods\",\"params\":[1],\"id\":6}",
                 YUMA_RPC_INVALID_PARAMS, "invalid params: 1 given by position; this method takes no parameters", "6");
    /* an application error keeps its code and data; no result is internal */
    reply r = post(s, "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"id\":8}");
    json_t *j = parse(&r);
    check_error(j, -32010, "the thing failed; do the other thing", "8");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "error"), "data"), "hint")),
                        "x");
    json_decref(j);
    free(r.body);
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"noresult\",\"id\":9}", YUMA_RPC_INTERNAL_ERROR,
                 "internal error: noresult returned no result; please report this", "9");
    yuma_rpc_free(s);
}

static void test_batches_and_notifications(void **state)
{
    (void)state;
    yuma_rpc_server *s = start((yuma_rpc_config){.max_batch = 4});
    atomic_store(&notified, 0);
    /* a notification gets no response at all, but runs */
    reply r = post(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notice\"}");
    assert_int_equal(r.status, 204);
    assert_int_equal(r.len, 0);
    assert_int_equal(atomic_load(&notified), 1);
    /* even when it fails */
    r = post(s, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}");
    assert_int_equal(r.status, 204);
    r = post(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[\"x\"]}");
    assert_int_equal(r.status, 204);
    /* but an invalid request is answered: it could not be told apart */
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":1}", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: \"method\" must be a string, not an integer", "null");

    /* mixed batch: result, notification (no entry), unknown, invalid, params */
    r = post(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":1},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"notice\"},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":2},"
                "5]");
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 3);
    char *first = json_dumps(json_array_get(j, 0), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(first, "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":[1]}");
    free(first);
    check_error(json_array_get(j, 1), YUMA_RPC_METHOD_NOT_FOUND,
                "method not found: \"nope\"; rpc_methods lists this node's methods", "2");
    check_error(json_array_get(j, 2), YUMA_RPC_INVALID_REQUEST,
                "invalid request: expected an object {\"jsonrpc\": \"2.0\", \"method\": ..., \"params\": ..., \"id\": "
                "...}, got an integer",
                "null");
    json_decref(j);
    free(r.body);
    assert_int_equal(atomic_load(&notified), 2);

    r = post(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":\"s\"},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1],\"id\":\"t\"}]");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "result")), 3);
    check_error(json_array_get(j, 1), YUMA_RPC_INVALID_PARAMS,
                "invalid params: missing b (a non-negative integer, parameter 2)", "\"t\"");
    json_decref(j);
    free(r.body);

    /* only notifications: nothing to say */
    r = post(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"notice\"},{\"jsonrpc\":\"2.0\",\"method\":\"notice\"}]");
    assert_int_equal(r.status, 204);
    assert_int_equal(r.len, 0);
    assert_int_equal(atomic_load(&notified), 4);
    expect_error(s, "[]", YUMA_RPC_INVALID_REQUEST, "invalid request: empty batch; send at least one request", "null");
    expect_error(s, "[1,2,3,4,5]", YUMA_RPC_INVALID_REQUEST,
                 "invalid request: a batch of 5 calls is over this node's limit of 4; split it", "null");
    yuma_rpc_free(s);
}

static void test_body_limit(void **state)
{
    (void)state;
    yuma_rpc_server *s = start((yuma_rpc_config){.max_body = 1000});
    const char *msg = "request too large: the body is over this node's limit of 1000 bytes; send fewer calls per batch";
    /* exactly the limit is fine: a request padded with spaces */
    char body[4096];
    const char *req = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}";
    memset(body, ' ', sizeof body);
    memcpy(body, req, strlen(req));
    reply r = http(s, "POST", "/", body, 1000, false, NULL);
    assert_int_equal(r.status, 200);
    free(r.body);
    /* declared length one over: refused before the body is read */
    r = http(s, "POST", "/", body, 1001, false, NULL);
    assert_int_equal(r.status, 413);
    json_t *j = parse(&r);
    check_error(j, YUMA_RPC_TOO_LARGE, msg, "null");
    json_decref(j);
    free(r.body);
    /* a much larger one */
    r = http(s, "POST", "/", body, sizeof body, false, NULL);
    assert_int_equal(r.status, 413);
    free(r.body);
    /* chunked, no length: read up to the limit, the rest dropped */
    r = http(s, "POST", "/", body, sizeof body, true, NULL);
    assert_int_equal(r.status, 413);
    j = parse(&r);
    check_error(j, YUMA_RPC_TOO_LARGE, msg, "null");
    json_decref(j);
    free(r.body);
    r = http(s, "POST", "/", body, 1000, true, NULL);
    assert_int_equal(r.status, 200);
    free(r.body);
    /* a chunked body that goes on past 16 x the limit is cut off */
    size_t huge_len = 20000;
    char *huge = malloc(huge_len);
    memset(huge, ' ', huge_len);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", yuma_rpc_port(s));
    CURL *h = curl_easy_init();
    struct curl_slist *hs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    upload u = {huge, huge_len, 0};
    reply sink = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode rc = curl_easy_perform(h);
    assert_int_not_equal(rc, CURLE_OK);
    assert_int_not_equal(rc, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(sink.len, 0);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    free(huge);
    /* the server still answers */
    expect_result(s, req, "null", "1");
    yuma_rpc_free(s);
}

static json_t *health_syncing(void *user)
{
    return json_pack("{s:s, s:s}", "status", "syncing", "node", (const char *)user);
}

static bool metrics_has(const char *text, const char *line)
{
    const char *p = strstr(text, line);
    return p && (p == text || p[-1] == '\n') && p[strlen(line)] == '\n';
}

static void test_health_metrics_routes(void **state)
{
    (void)state;
    yuma_rpc_server *s = start_default();
    yuma_rpc_notify_block(s, 12);
    reply r = http(s, "GET", "/health", NULL, 0, false, NULL);
    assert_int_equal(r.status, 200);
    json_t *j = parse(&r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_int_equal(json_integer_value(json_object_get(j, "height")), 12);
    assert_int_equal(json_integer_value(json_object_get(j, "waiting")), 0);
    assert_true(json_integer_value(json_object_get(j, "connections")) >= 1);
    assert_true(json_is_integer(json_object_get(j, "uptime_s")));
    json_decref(j);
    free(r.body);

    /* wrong methods and paths */
    r = http(s, "GET", "/", NULL, 0, false, NULL);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.body, "{\"error\":\"use POST with a JSON-RPC 2.0 body\"}");
    free(r.body);
    r = http(s, "POST", "/health", "{}", 2, false, NULL);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.body, "{\"error\":\"use GET\"}");
    free(r.body);
    r = http(s, "GET", "/nope", NULL, 0, false, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body,
                        "{\"error\":\"not found; this server has POST / (JSON-RPC 2.0), GET /health and GET /metrics\"}");
    free(r.body);

    /* metrics count calls by method and outcome, and time them */
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}", "null", "1");
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}", "null", "1");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"id\":1}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: missing a (a non-negative integer, parameter 1)", "1");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"x\\\"y\",\"id\":1}", YUMA_RPC_METHOD_NOT_FOUND,
                 "method not found: \"x\"y\"; rpc_methods lists this node's methods", "1");
    expect_error(s, "nope", YUMA_RPC_PARSE_ERROR,
                 "parse error: invalid token near 'nope' at line 1 column 4; the body must be one JSON request object "
                 "or an array of them",
                 "null");
    r = http(s, "GET", "/metrics", NULL, 0, false, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const char *want[] = {
        "# TYPE yuma_rpc_calls_total counter",
        "yuma_rpc_calls_total{method=\"echo\",outcome=\"ok\"} 2",
        "yuma_rpc_calls_total{method=\"add\",outcome=\"invalid_params\"} 1",
        "yuma_rpc_calls_total{method=\"(unknown)\",outcome=\"method_not_found\"} 1",
        "yuma_rpc_calls_total{method=\"(none)\",outcome=\"parse_error\"} 1",
        "# TYPE yuma_rpc_call_duration_seconds histogram",
        "yuma_rpc_call_duration_seconds_bucket{method=\"echo\",le=\"+Inf\"} 2",
        "yuma_rpc_call_duration_seconds_count{method=\"echo\"} 2",
        "yuma_rpc_call_duration_seconds_count{method=\"add\"} 1",
        "yuma_rpc_http_responses_total{code=\"405\"} 2",
        "yuma_rpc_http_responses_total{code=\"404\"} 1",
        "yuma_rpc_rate_limited_total 0",
        "yuma_rpc_waiting 0",
        "yuma_rpc_block_height 12",
        "# TYPE yuma_rpc_connections_open gauge",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!metrics_has(r.body, want[i])) {
            print_error("missing line: %s\nin:\n%s\n", want[i], r.body);
            fail();
        }
    }
    /* the method name a client sent is never a label */
    assert_null(strstr(r.body, "x\\\"y"));
    assert_non_null(strstr(r.body, "yuma_rpc_call_duration_seconds_bucket{method=\"echo\",le=\"0.0005\"} "));
    free(r.body);
    yuma_rpc_free(s);

    /* a node-supplied status other than ok is HTTP 503 */
    s = start((yuma_rpc_config){.health = health_syncing, .health_user = "n1"});
    r = http(s, "GET", "/health", NULL, 0, false, NULL);
    assert_int_equal(r.status, 503);
    j = parse(&r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "syncing");
    assert_string_equal(json_string_value(json_object_get(j, "node")), "n1");
    json_decref(j);
    free(r.body);
    yuma_rpc_free(s);
}

static void test_auth(void **state)
{
    (void)state;
    yuma_rpc_server *s = start((yuma_rpc_config){.auth_token = "s3cret"});
    const char *call = "{\"jsonrpc\":\"2.0\",\"method\":\"write_thing\",\"id\":1}";
    expect_error(s, call, YUMA_RPC_UNAUTHORIZED,
                 "unauthorized: write_thing is a write method; send the node's RPC token as \"Authorization: Bearer "
                 "<token>\"",
                 "1");
    const char *wrong = "unauthorized: the Authorization header is not \"Bearer \" and this node's RPC token; check the "
                        "token";
    const char *headers[] = {"Authorization: Bearer s3cre", "Authorization: Bearer s3cret2", "Authorization: s3cret",
                             "Authorization: Basic s3cret"};
    for (size_t i = 0; i < 4; i++) {
        reply r = http(s, "POST", "/", call, strlen(call), false, headers[i]);
        json_t *j = parse(&r);
        check_error(j, YUMA_RPC_UNAUTHORIZED, wrong, "1");
        json_decref(j);
        free(r.body);
    }
    reply r = http(s, "POST", "/", call, strlen(call), false, "Authorization: bearer s3cret");
    json_t *j = parse(&r);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "result"), "written")), "yes");
    json_decref(j);
    free(r.body);
    /* reads need no token */
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}", "null", "1");

    yuma_rpc_client *good = client_for(s, "s3cret"), *none = client_for(s, NULL);
    yuma_rpc_client_error e;
    json_t *res = yuma_rpc_client_call(good, "write_thing", NULL, &e);
    assert_non_null(res);
    json_decref(res);
    assert_null(yuma_rpc_client_call(none, "write_thing", NULL, &e));
    assert_int_equal(e.status, YUMA_RPC_CLIENT_REMOTE);
    assert_int_equal(e.code, YUMA_RPC_UNAUTHORIZED);
    assert_int_equal(e.http_status, 200);
    assert_null(e.data);
    yuma_rpc_client_free(good);
    yuma_rpc_client_free(none);
    yuma_rpc_free(s);
}

static void test_rate_limit(void **state)
{
    (void)state;
    /* 1 call per second, bursts of 5: a refill during the checks below
     * needs a whole second between two requests */
    yuma_rpc_server *s = start((yuma_rpc_config){.rate_per_s = 1, .rate_burst = 5});
    yuma_rpc_client *c = client_for(s, NULL);
    int ok = 0, limited = 0;
    yuma_rpc_client_error e;
    for (int i = 0; i < 40; i++) {
        json_t *r = yuma_rpc_client_call(c, "echo", NULL, &e);
        if (r) {
            ok++;
            json_decref(r);
            continue;
        }
        assert_int_equal(e.status, YUMA_RPC_CLIENT_REMOTE);
        assert_int_equal(e.code, YUMA_RPC_RATE_LIMITED);
        assert_int_equal(e.http_status, 429);
        uint64_t retry_ms = (uint64_t)json_integer_value(json_object_get(e.data, "retry_after_ms"));
        assert_true(retry_ms >= 1 && retry_ms <= 1000);
        char want[64];
        snprintf(want, sizeof want, "rate limited: retry after %llu ms", (unsigned long long)retry_ms);
        assert_string_equal(e.message, want);
        limited++;
    }
    /* the burst, plus whatever refilled while the flood ran */
    assert_true(ok >= 5);
    assert_true(limited > 0);
    assert_int_equal(ok + limited, 40);

    /* malformed floods are charged too; raw HTTP shows the status and
     * Retry-After in whole seconds */
    reply r = post(s, "{");
    assert_int_equal(r.status, 429);
    assert_string_equal(r.retry_after, "1");
    json_t *j = parse(&r);
    const json_t *err = json_object_get(j, "error");
    assert_int_equal(json_integer_value(json_object_get(err, "code")), YUMA_RPC_RATE_LIMITED);
    uint64_t retry_ms = (uint64_t)json_integer_value(json_object_get(json_object_get(err, "data"), "retry_after_ms"));
    assert_true(retry_ms >= 1 && retry_ms <= 1000);
    json_decref(j);
    free(r.body);

    /* meanwhile the server answers: health is not rate limited */
    r = http(s, "GET", "/health", NULL, 0, false, NULL);
    assert_int_equal(r.status, 200);
    free(r.body);

    /* waiting as told is enough */
    sleep_ms((long)retry_ms + 20);
    json_t *res = yuma_rpc_client_call(c, "echo", NULL, &e);
    assert_non_null(res);
    json_decref(res);

    /* a batch larger than the burst can never pass: say so */
    r = post(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":3},{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":4},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":5},{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":6}]");
    assert_int_equal(r.status, 429);
    j = parse(&r);
    check_error(j, YUMA_RPC_RATE_LIMITED,
                "rate limited: a batch of 6 calls is more than this node's burst of 5 calls per client; split it",
                "null");
    assert_string_equal(r.retry_after, ""); /* retrying will not help */
    json_decref(j);
    free(r.body);

    yuma_rpc_stats st;
    yuma_rpc_get_stats(s, &st);
    assert_int_equal(st.rate_limited, (uint64_t)limited + 2);
    r = http(s, "GET", "/metrics", NULL, 0, false, NULL);
    char line[80];
    snprintf(line, sizeof line, "yuma_rpc_rate_limited_total %llu", (unsigned long long)st.rate_limited);
    assert_true(metrics_has(r.body, line));
    free(r.body);
    yuma_rpc_client_free(c);
    yuma_rpc_free(s);
}

/* ---- long poll ---- */

typedef struct {
    const yuma_rpc_server *s;
    uint64_t after;
    unsigned timeout_ms;
    bool ok, timed_out;
    uint64_t height;
    yuma_rpc_client_error err;
} waiter;

static void *wait_thread(void *arg)
{
    waiter *w = arg;
    yuma_rpc_client *c = client_for(w->s, NULL);
    w->ok = yuma_rpc_client_wait_block(c, w->after, w->timeout_ms, &w->height, &w->timed_out, &w->err);
    yuma_rpc_client_free(c);
    return NULL;
}

/* Bounded: the waiters register within a few seconds or the test fails. */
static void await_waiting(yuma_rpc_server *s, uint64_t n)
{
    yuma_rpc_stats st;
    for (int i = 0; i < 2500; i++) {
        yuma_rpc_get_stats(s, &st);
        if (st.waiting == n) return;
        sleep_ms(2);
    }
    fail_msg("%llu requests waiting, expected %llu", (unsigned long long)st.waiting, (unsigned long long)n);
}

static void test_long_poll(void **state)
{
    (void)state;
    /* two HTTP threads, six waiters: parked requests hold no thread */
    yuma_rpc_server *s = start((yuma_rpc_config){.threads = 2, .max_wait_ms = 20000});
    yuma_rpc_notify_block(s, 5);
    enum { N = 6 };
    waiter w[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        w[i] = (waiter){.s = s, .after = 5, .timeout_ms = 15000};
        assert_int_equal(pthread_create(&th[i], NULL, wait_thread, &w[i]), 0);
    }
    await_waiting(s, N);
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[2,2],\"id\":1}", "4", "1");
    reply r = http(s, "GET", "/health", NULL, 0, false, NULL);
    json_t *j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "waiting")), N);
    json_decref(j);
    free(r.body);
    /* a lower or equal height wakes nobody */
    yuma_rpc_notify_block(s, 5);
    yuma_rpc_notify_block(s, 4);
    yuma_rpc_stats st;
    yuma_rpc_get_stats(s, &st);
    assert_int_equal(st.waiting, N);
    assert_int_equal(st.height, 5);
    yuma_rpc_notify_block_info(s, 6, json_pack("{s:s}", "hash", "ab"));
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_true(w[i].ok);
        assert_false(w[i].timed_out);
        assert_int_equal(w[i].height, 6);
    }
    await_waiting(s, 0);

    /* the block info comes along; an old height answers at once */
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":{\"after_height\":5},\"id\":1}",
                  "{\"height\":6,\"timed_out\":false,\"block\":{\"hash\":\"ab\"}}", "1");
    /* the timeout path: nothing comes within 50 ms */
    yuma_rpc_client *c = client_for(s, NULL);
    uint64_t h = 0;
    bool timed_out = false;
    yuma_rpc_client_error e;
    assert_true(yuma_rpc_client_wait_block(c, 6, 50, &h, &timed_out, &e));
    assert_true(timed_out);
    assert_int_equal(h, 6);
    /* timeout 0 is a plain query */
    expect_result(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":[9,0],\"id\":1}",
                  "{\"height\":6,\"timed_out\":true}", "1");

    /* parameter errors */
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":{\"after_height\":\"x\"},\"id\":2}",
                 YUMA_RPC_INVALID_PARAMS,
                 "invalid params: after_height must be a non-negative integer (a number or a decimal string below "
                 "2^64), not the string \"x\"",
                 "2");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"id\":2}", YUMA_RPC_INVALID_PARAMS,
                 "invalid params: missing after_height (a non-negative integer, parameter 1)", "2");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":[1,20001],\"id\":2}",
                 YUMA_RPC_INVALID_PARAMS,
                 "invalid params: timeout_ms 20001 is over this node's limit of 20000; wait in several calls", "2");
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":{\"after\":1},\"id\":2}",
                 YUMA_RPC_INVALID_PARAMS,
                 "invalid params: unknown parameter \"after\"; this method takes after_height, timeout_ms", "2");
    /* inside a batch it cannot wait, but can answer */
    r = post(s, "[{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":[6],\"id\":1},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":[5],\"id\":2}]");
    j = parse(&r);
    check_error(json_array_get(j, 0), YUMA_RPC_INVALID_PARAMS,
                "invalid params: chain_waitForBlock cannot wait inside a batch; send it as a single request (or with "
                "timeout_ms 0)",
                "1");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(j, 1), "result"), "height")), 6);
    json_decref(j);
    free(r.body);
    /* a notification never waits: 204 at once */
    r = post(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":[100]}");
    assert_int_equal(r.status, 204);
    /* 6 woken, 1 answered at once, 1 timed out, 1 query, 1 in the batch, 1 notification */
    r = http(s, "GET", "/metrics", NULL, 0, false, NULL);
    assert_true(metrics_has(r.body, "yuma_rpc_calls_total{method=\"chain_waitForBlock\",outcome=\"ok\"} 11"));
    assert_true(metrics_has(r.body, "yuma_rpc_calls_total{method=\"chain_waitForBlock\",outcome=\"invalid_params\"} 5"));
    free(r.body);
    yuma_rpc_client_free(c);
    yuma_rpc_free(s);
}

static void test_long_poll_limits_and_shutdown(void **state)
{
    (void)state;
    yuma_rpc_server *s = start((yuma_rpc_config){.max_waiters = 1});
    waiter w = {.s = s, .after = 0, .timeout_ms = 30000};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    await_waiting(s, 1);
    expect_error(s, "{\"jsonrpc\":\"2.0\",\"method\":\"chain_waitForBlock\",\"params\":[0,1000],\"id\":3}",
                 YUMA_RPC_UNAVAILABLE,
                 "unavailable: 1 requests are already waiting for blocks, this node's limit; retry later", "3");
    /* stopping answers the parked request */
    yuma_rpc_stop(s);
    pthread_join(th, NULL);
    assert_false(w.ok);
    assert_int_equal(w.err.status, YUMA_RPC_CLIENT_REMOTE);
    assert_int_equal(w.err.code, YUMA_RPC_UNAVAILABLE);
    assert_string_equal(w.err.message, "unavailable: the node is shutting down; reconnect later");
    yuma_rpc_free(s);
}

/* Connections beyond max_per_ip from one address are closed unanswered. */
static void test_connection_limit(void **state)
{
    (void)state;
    yuma_rpc_server *s = start((yuma_rpc_config){.max_per_ip = 2});
    waiter w[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (waiter){.s = s, .after = 0, .timeout_ms = 30000};
        assert_int_equal(pthread_create(&th[i], NULL, wait_thread, &w[i]), 0);
    }
    await_waiting(s, 2);
    yuma_rpc_client *c = client_for(s, NULL);
    yuma_rpc_client_error e;
    assert_null(yuma_rpc_client_call(c, "echo", NULL, &e));
    assert_int_equal(e.status, YUMA_RPC_CLIENT_TRANSPORT);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "the connection to http://127.0.0.1:%u/ closed without an answer (",
             yuma_rpc_port(s));
    assert_memory_equal(e.message, prefix, strlen(prefix));
    assert_non_null(strstr(e.message, "); the node may be at its connection limit or restarting"));
    yuma_rpc_client_stats cs;
    yuma_rpc_client_get_stats(c, &cs);
    assert_int_equal(cs.retries, 0);
    yuma_rpc_notify_block(s, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_true(w[i].ok);
        assert_int_equal(w[i].height, 1);
    }
    /* the waiters' clients are gone: room again */
    yuma_rpc_stats st;
    for (int i = 0; i < 2500; i++) {
        yuma_rpc_get_stats(s, &st);
        if (st.connections_open == 0) break;
        sleep_ms(2);
    }
    json_t *r = yuma_rpc_client_call(c, "echo", NULL, &e);
    assert_true(json_is_null(r));
    json_decref(r);
    yuma_rpc_client_free(c);
    yuma_rpc_free(s);
}

/* ---- the client ---- */

static void test_client_reuses_one_connection(void **state)
{
    (void)state;
    yuma_rpc_server *s = start_default();
    yuma_rpc_stats before, after;
    yuma_rpc_get_stats(s, &before);
    assert_int_equal(before.connections_opened, 0);
    yuma_rpc_client *c = client_for(s, NULL);
    yuma_rpc_client_error e;
    for (int i = 0; i < 100; i++) {
        json_t *p = json_pack("[i,i]", i, 1);
        json_t *r = yuma_rpc_client_call(c, i % 10 == 9 ? "nope" : "add", p, &e);
        if (i % 10 == 9) {
            assert_null(r);
            assert_int_equal(e.code, YUMA_RPC_METHOD_NOT_FOUND);
        } else {
            assert_int_equal(json_integer_value(r), i + 1);
        }
        json_decref(r);
        json_decref(p);
    }
    yuma_rpc_get_stats(s, &after);
    assert_int_equal(after.connections_opened, 1);
    assert_int_equal(after.connections_open, 1);
    assert_int_equal(after.calls, 100);
    yuma_rpc_client_stats cs;
    yuma_rpc_client_get_stats(c, &cs);
    assert_int_equal(cs.calls, 100);
    assert_int_equal(cs.connections, 1);
    assert_int_equal(cs.retries, 0);
    yuma_rpc_client_free(c);
    /* freeing the client closes its connection */
    for (int i = 0; i < 2500; i++) {
        yuma_rpc_get_stats(s, &after);
        if (after.connections_open == 0) break;
        sleep_ms(2);
    }
    assert_int_equal(after.connections_open, 0);
    /* many clients made and freed in a loop leave nothing open */
    for (int i = 0; i < 20; i++) {
        c = client_for(s, NULL);
        json_t *r = yuma_rpc_client_call(c, "echo", NULL, &e);
        json_decref(r);
        yuma_rpc_client_free(c);
    }
    for (int i = 0; i < 2500; i++) {
        yuma_rpc_get_stats(s, &after);
        if (after.connections_open == 0) break;
        sleep_ms(2);
    }
    assert_int_equal(after.connections_open, 0);
    assert_int_equal(after.connections_opened, 21);
    yuma_rpc_free(s);
}

static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd); /* nobody listens there now: connections are refused */
    return ntohs(a.sin_port);
}

static void test_client_errors(void **state)
{
    (void)state;
    assert_null(yuma_rpc_client_new(NULL));
    assert_null(yuma_rpc_client_new(&(yuma_rpc_client_config){.url = ""}));

    /* refused: retried with backoff, then reported */
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", closed_port());
    yuma_rpc_client *c = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = url, .retries = 2, .backoff_ms = 5});
    yuma_rpc_client_error e;
    assert_null(yuma_rpc_client_call(c, "echo", NULL, &e));
    assert_int_equal(e.status, YUMA_RPC_CLIENT_TRANSPORT);
    assert_int_equal(e.http_status, 0);
    char prefix[160];
    snprintf(prefix, sizeof prefix, "cannot connect to %s: ", url);
    assert_memory_equal(e.message, prefix, strlen(prefix));
    assert_non_null(strstr(e.message, "(3 attempts); check that the node is running and serving RPC there"));
    yuma_rpc_client_stats cs;
    yuma_rpc_client_get_stats(c, &cs);
    assert_int_equal(cs.retries, 2);
    assert_int_equal(cs.connections, 0);
    yuma_rpc_client_free(c);
    c = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = url, .no_retry = true});
    assert_null(yuma_rpc_client_call(c, "echo", NULL, &e));
    assert_non_null(strstr(e.message, "(1 attempts)"));
    yuma_rpc_client_get_stats(c, &cs);
    assert_int_equal(cs.retries, 0);
    yuma_rpc_client_free(c);

    yuma_rpc_server *s = start_default();
    /* a timeout after sending is not retried */
    c = client_for(s, NULL);
    json_t *p = json_pack("[i,i]", 0, 5000);
    assert_null(yuma_rpc_client_call_timeout(c, "chain_waitForBlock", p, 100, &e));
    json_decref(p);
    assert_int_equal(e.status, YUMA_RPC_CLIENT_TRANSPORT);
    snprintf(prefix, sizeof prefix, "no answer from http://127.0.0.1:%u/ within 100 ms (", yuma_rpc_port(s));
    assert_memory_equal(e.message, prefix, strlen(prefix));
    assert_non_null(strstr(e.message, "); a write may still take effect on the node"));
    yuma_rpc_client_get_stats(c, &cs);
    assert_int_equal(cs.retries, 0);
    /* the same client works afterwards (a new connection) */
    json_t *r = yuma_rpc_client_call(c, "echo", NULL, &e);
    assert_true(json_is_null(r));
    json_decref(r);
    yuma_rpc_client_get_stats(c, &cs);
    assert_int_equal(cs.connections, 2);
    yuma_rpc_client_free(c);

    /* an endpoint that is not JSON-RPC */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/health", yuma_rpc_port(s));
    c = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = url});
    assert_null(yuma_rpc_client_call(c, "echo", NULL, &e));
    assert_int_equal(e.status, YUMA_RPC_CLIENT_PROTOCOL);
    assert_int_equal(e.http_status, 405);
    char want[300];
    snprintf(want, sizeof want,
             "HTTP 405 from %s is not a JSON-RPC 2.0 answer to this call; is the URL the node's RPC endpoint?", url);
    assert_string_equal(e.message, want);
    yuma_rpc_client_free(c);

    /* a response over the client's limit */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", yuma_rpc_port(s));
    c = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = url, .max_response = 64});
    json_t *big = json_pack("[s]", "0123456789012345678901234567890123456789012345678901234567890123456789");
    assert_null(yuma_rpc_client_call(c, "echo", big, &e));
    json_decref(big);
    assert_int_equal(e.status, YUMA_RPC_CLIENT_PROTOCOL);
    snprintf(want, sizeof want, "the answer from %s is over the client's limit of 64 bytes", url);
    assert_string_equal(e.message, want);
    yuma_rpc_client_free(c);
    yuma_rpc_free(s);
}

static void test_param_helpers(void **state)
{
    (void)state;
    yuma_rpc_error e = {0};
    uint64_t v = 7;
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s}", "max", "18446744073709551615", "over",
                          "18446744073709551616", "neg", "-1", "lead", "01", "real", 1.5, "empty", "");
    assert_true(yuma_rpc_param_u64(p, 0, "max", true, &v, &e));
    assert_true(v == UINT64_MAX);
    assert_true(yuma_rpc_param_u64(p, 0, "absent", false, &v, &e));
    assert_true(v == UINT64_MAX);
    const char *bad[] = {"over", "neg", "lead", "empty"};
    for (size_t i = 0; i < 4; i++) {
        assert_false(yuma_rpc_param_u64(p, 0, bad[i], true, &v, &e));
        assert_int_equal(e.code, YUMA_RPC_INVALID_PARAMS);
    }
    assert_string_equal(e.message, "invalid params: empty must be a non-negative integer (a number or a decimal "
                                   "string below 2^64), not the string \"\"");
    assert_false(yuma_rpc_param_u64(p, 0, "real", true, &v, &e));
    assert_string_equal(e.message, "invalid params: real must be a non-negative integer, not a number with a fraction");
    const char *str = NULL;
    assert_true(yuma_rpc_param_string(p, 0, "neg", true, &str, &e));
    assert_string_equal(str, "-1");
    assert_false(yuma_rpc_param_string(p, 0, "real", true, &str, &e));
    assert_string_equal(e.message, "invalid params: real must be a string, not a number with a fraction");
    assert_false(yuma_rpc_param_string(p, 3, "nothing", true, &str, &e));
    assert_string_equal(e.message, "invalid params: missing nothing (a string, parameter 4)");
    assert_true(yuma_rpc_param_string(p, 3, "nothing", false, &str, &e));
    json_decref(p);
    /* positional params ignore names; no params at all is absent */
    p = json_pack("[i]", 3);
    assert_true(yuma_rpc_param_u64(p, 0, "x", true, &v, &e));
    assert_int_equal(v, 3);
    assert_null(yuma_rpc_param(p, 1, "x"));
    assert_null(yuma_rpc_param(NULL, 0, "x"));
    json_decref(p);
    /* the data reference is released when replaced */
    yuma_rpc_error_set(&e, -32000, json_string("a"), "one");
    yuma_rpc_error_set(&e, -32000, json_string("b"), "two %d", 2);
    assert_string_equal(e.message, "two 2");
    assert_string_equal(json_string_value(e.data), "b");
    json_decref(e.data);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_errors),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_batches_and_notifications),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_health_metrics_routes),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_long_poll),
        cmocka_unit_test(test_long_poll_limits_and_shutdown),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_client_reuses_one_connection),
        cmocka_unit_test(test_client_errors),
        cmocka_unit_test(test_param_helpers),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
