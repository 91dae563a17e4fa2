/*
 * axon.c - the miner's HTTP server (include/yuma/axon.h): routes, the body
 * limit, and the checks every request passes before a handler or a file
 * sees it (signature, freshness, registration, stake, nonce, rate).
 *
 * libmicrohttpd gives each connection its own thread, so a handler may
 * block (a miner computing an answer) without stalling other callers. The
 * listening socket is opened here, as the node's RPC server does, so a
 * failure says why and port 0 can report the port chosen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "subnet/sdk/axon_internal.h"
#include "subnet/sdk/sdk_internal.h"

#define MAX_ROUTES 64

typedef struct {
    char name[65];
    yuma_axon_handler handler;
    void *user;
} route;

struct yuma_axon {
    yuma_axon_config cfg;
    char address[64];
    char hotkey_ss58[YUMA_SS58_MAX];
    route routes[MAX_ROUTES];
    size_t nroutes;
    axon_callers callers;
    axon_files files;
    bool has_files;
    struct MHD_Daemon *daemon;
    uint16_t port;
    _Atomic uint64_t served, refused[YUMA_AXON_REASONS], conn_opened, conn_open;
};

typedef struct {
    const route *rt;     /* a POST route, or NULL for files */
    bool files;          /* GET /files or /files/<name> */
    uint8_t *body;
    size_t len, cap;
    bool too_large;
    size_t dropped;
    bool answered;       /* a response was queued on the first call */
} request;

static const char *const reason_names[YUMA_AXON_REASONS] = {
    "not_found", "method", "too_large", "unsigned", "bad_header", "bad_signature", "stale", "unregistered",
    "low_stake", "no_permit", "replayed", "rate_limited", "busy", "bad_name", "no_file"};

const char *yuma_axon_reason_name(yuma_axon_reason r)
{
    return (unsigned)r < YUMA_AXON_REASONS ? reason_names[r] : "unknown";
}

void yuma_axon_respond_json(yuma_axon_response *resp, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    free(resp->body);
    resp->status = text ? status : 500;
    resp->content_type = "application/json";
    resp->body = (uint8_t *)text;
    resp->body_len = text ? strlen(text) : 0;
}

/* ---- configuration ---- */

static bool valid_route_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || strcmp(name, "files") == 0 || strcmp(name, "health") == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

yuma_axon *yuma_axon_new(const yuma_axon_config *cfg, char *err, size_t errlen)
{
    if (!cfg) {
        sdk_msg(err, errlen, "an axon needs a configuration with the miner's hotkey");
        return NULL;
    }
    if (!yuma_crypto_init()) {
        sdk_msg(err, errlen, "libsodium could not start");
        return NULL;
    }
    yuma_axon *a = calloc(1, sizeof *a);
    if (!a) {
        sdk_msg(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    yuma_axon_config *c = &a->cfg;
    snprintf(a->address, sizeof a->address, "%s", cfg->address && *cfg->address ? cfg->address : "127.0.0.1");
    c->address = a->address;
    if (!c->max_body) c->max_body = 1u << 20;
    if (!c->freshness_ms) c->freshness_ms = 30000;
    if (!(c->rate_per_s > 0)) c->rate_per_s = 20;
    if (!(c->burst > 0)) c->burst = 2 * c->rate_per_s;
    if (c->burst < 1) c->burst = 1;
    if (!c->max_connections) c->max_connections = 64;
    if (!c->max_per_ip) c->max_per_ip = 16;
    if (!c->max_callers) c->max_callers = 4096;
    sdk_ss58(&c->hotkey, a->hotkey_ss58);
    bool ok = callers_init(&a->callers, c->max_callers, c->rate_per_s, c->burst, c->freshness_ms);
    if (ok && cfg->files_dir) {
        ok = files_init(&a->files, cfg->files_dir);
        a->has_files = ok;
        c->files_dir = a->files.dir;
    }
    if (!ok) {
        sdk_msg(err, errlen, "out of memory");
        yuma_axon_free(a);
        return NULL;
    }
    return a;
}

bool yuma_axon_route(yuma_axon *a, const char *name, yuma_axon_handler handler, void *user, char *err,
                     size_t errlen)
{
    if (a->daemon) {
        sdk_msg(err, errlen, "routes are added before the axon starts");
        return false;
    }
    if (!name || !valid_route_name(name) || !handler) {
        sdk_msg(err, errlen, "route \"%.80s\" is not 1..64 of [A-Za-z0-9_-] (and not files or health), or has no "
                "handler", name ? name : "");
        return false;
    }
    for (size_t i = 0; i < a->nroutes; i++)
        if (strcmp(a->routes[i].name, name) == 0) {
            sdk_msg(err, errlen, "route \"%s\" is already defined", name);
            return false;
        }
    if (a->nroutes == MAX_ROUTES) {
        sdk_msg(err, errlen, "an axon has at most %d routes", MAX_ROUTES);
        return false;
    }
    route *r = &a->routes[a->nroutes++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->handler = handler;
    r->user = user;
    return true;
}

void yuma_axon_set_metagraph(yuma_axon *a, const yuma_metagraph *mg)
{
    callers_set(&a->callers, mg);
}

void yuma_axon_get_stats(yuma_axon *a, yuma_axon_stats *out)
{
    memset(out, 0, sizeof *out);
    out->served = atomic_load(&a->served);
    for (int i = 0; i < YUMA_AXON_REASONS; i++) out->refused[i] = atomic_load(&a->refused[i]);
    out->connections_opened = atomic_load(&a->conn_opened);
    out->connections_open = atomic_load(&a->conn_open);
}

/* ---- answers ---- */

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, const void *body, size_t len,
                             enum MHD_ResponseMemoryMode mode, const char *type, const char *hname,
                             const char *hvalue)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE) free((void *)body);
        return MHD_NO;
    }
    if (type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (hname) MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static unsigned status_of(yuma_axon_reason r)
{
    switch (r) {
    case YUMA_AXON_NOT_FOUND:
    case YUMA_AXON_NO_FILE: return 404;
    case YUMA_AXON_METHOD: return 405;
    case YUMA_AXON_TOO_LARGE: return 413;
    case YUMA_AXON_BAD_HEADER:
    case YUMA_AXON_BAD_NAME: return 400;
    case YUMA_AXON_UNREGISTERED:
    case YUMA_AXON_LOW_STAKE:
    case YUMA_AXON_NO_PERMIT: return 403;
    case YUMA_AXON_RATE_LIMITED: return 429;
    case YUMA_AXON_BUSY: return 503;
    default: return 401;
    }
}

static enum MHD_Result refuse(yuma_axon *a, struct MHD_Connection *conn, yuma_axon_reason reason, const char *hname,
                              const char *hvalue, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static enum MHD_Result refuse(yuma_axon *a, struct MHD_Connection *conn, yuma_axon_reason reason, const char *hname,
                              const char *hvalue, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&a->refused[reason], 1);
    json_t *j = json_pack("{s:s, s:s}", "error", msg, "reason", yuma_axon_reason_name(reason));
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) return MHD_NO;
    return queue(conn, status_of(reason), text, strlen(text), MHD_RESPMEM_MUST_FREE, "application/json", hname,
                 hvalue);
}

/* ---- the checks ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20) return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

typedef struct {
    yuma_pubkey caller;
    char caller_ss58[YUMA_SS58_MAX];
    caller_info info;
} verified;

/* Everything but the handler: true with *v when the request may be
 * served; false after queueing the refusal in *ret. */
static bool check(yuma_axon *a, struct MHD_Connection *conn, const char *method, const char *path,
                  const request *rq, verified *v, enum MHD_Result *ret)
{
    const char *hk = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, YUMA_AXON_H_CALLER);
    const char *ns = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, YUMA_AXON_H_NONCE);
    const char *ts = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, YUMA_AXON_H_TIMESTAMP);
    const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, YUMA_AXON_H_SIGNATURE);
    const char *missing = !hk ? YUMA_AXON_H_CALLER : !ns ? YUMA_AXON_H_NONCE : !ts ? YUMA_AXON_H_TIMESTAMP
                          : !sig ? YUMA_AXON_H_SIGNATURE : NULL;
    if (missing) {
        *ret = refuse(a, conn, YUMA_AXON_UNSIGNED, NULL, NULL,
                      "unsigned request: header %s is missing; requests carry %s, %s, %s and %s (a dendrite adds "
                      "them)", missing, YUMA_AXON_H_CALLER, YUMA_AXON_H_NONCE, YUMA_AXON_H_TIMESTAMP,
                      YUMA_AXON_H_SIGNATURE);
        return false;
    }
    char why[200];
    uint64_t nonce, stamp;
    uint8_t sigbytes[YUMA_SIGNATURE_BYTES];
    if (!sdk_parse_ss58(hk, &v->caller, why, sizeof why)) {
        *ret = refuse(a, conn, YUMA_AXON_BAD_HEADER, NULL, NULL, "header %s: %s", YUMA_AXON_H_CALLER, why);
        return false;
    }
    if (!parse_u64(ns, &nonce) || nonce == 0 || !parse_u64(ts, &stamp) || !sdk_unhex(sig, sigbytes, sizeof sigbytes)) {
        *ret = refuse(a, conn, YUMA_AXON_BAD_HEADER, NULL, NULL,
                      "malformed header: %s and %s must be decimal (nonce at least 1), %s 128 hex digits",
                      YUMA_AXON_H_NONCE, YUMA_AXON_H_TIMESTAMP, YUMA_AXON_H_SIGNATURE);
        return false;
    }
    sdk_ss58(&v->caller, v->caller_ss58);
    char msg[YUMA_AXON_MESSAGE_MAX];
    size_t len = yuma_axon_message(msg, method, path, rq->body, rq->len, nonce, stamp, &a->cfg.hotkey, &v->caller);
    if (!len || !yuma_verify(&v->caller, (const uint8_t *)msg, len, sigbytes)) {
        *ret = refuse(a, conn, YUMA_AXON_BAD_SIGNATURE, NULL, NULL,
                      "the signature does not verify for caller %s over %s %s, this body and axon %s; sign "
                      "yuma_axon_message() with the caller's hotkey",
                      v->caller_ss58, method, path, a->hotkey_ss58);
        return false;
    }
    uint64_t now = sdk_wall_ms();
    uint64_t skew = now > stamp ? now - stamp : stamp - now;
    if (skew > a->cfg.freshness_ms) {
        *ret = refuse(a, conn, YUMA_AXON_STALE, NULL, NULL,
                      "stale request: its timestamp is %" PRIu64 " ms %s this axon's clock, over the %u ms window; "
                      "check the caller's clock",
                      skew, now > stamp ? "behind" : "ahead of", a->cfg.freshness_ms);
        return false;
    }
    bool known = callers_lookup(&a->callers, &v->caller, &v->info);
    if (!known) v->info = (caller_info){.key = v->caller, .uid = -1};
    if (!known && !a->cfg.allow_unregistered) {
        *ret = refuse(a, conn, YUMA_AXON_UNREGISTERED, NULL, NULL,
                      "caller %s is not registered on this subnet (as of the axon's last metagraph sync)",
                      v->caller_ss58);
        return false;
    }
    if (v->info.stake < a->cfg.min_stake) {
        *ret = refuse(a, conn, YUMA_AXON_LOW_STAKE, NULL, NULL,
                      "caller %s has %" PRIu64 " rao of stake; this axon serves callers with at least %" PRIu64,
                      v->caller_ss58, v->info.stake, a->cfg.min_stake);
        return false;
    }
    if (a->cfg.require_permit && !v->info.permit) {
        *ret = refuse(a, conn, YUMA_AXON_NO_PERMIT, NULL, NULL,
                      "caller %s has no validator permit; this axon serves validators only", v->caller_ss58);
        return false;
    }
    uint64_t last = 0, retry_ms = 0;
    switch (callers_admit(&a->callers, &v->caller, nonce, stamp, now, &last, &retry_ms)) {
    case ADMIT_OK: return true;
    case ADMIT_REPLAYED:
        *ret = refuse(a, conn, YUMA_AXON_REPLAYED, NULL, NULL,
                      "replayed request: nonce %" PRIu64 " is not above %" PRIu64
                      ", the last this axon accepted from %s; nonces must increase",
                      nonce, last, v->caller_ss58);
        return false;
    case ADMIT_RATE_LIMITED: {
        char after[24];
        snprintf(after, sizeof after, "%" PRIu64, (retry_ms + 999) / 1000);
        *ret = refuse(a, conn, YUMA_AXON_RATE_LIMITED, MHD_HTTP_HEADER_RETRY_AFTER, after,
                      "rate limited: caller %s is over %g requests per second (burst %g); retry after %" PRIu64 " ms",
                      v->caller_ss58, a->cfg.rate_per_s, a->cfg.burst, retry_ms);
        return false;
    }
    case ADMIT_BUSY: break;
    }
    *ret = refuse(a, conn, YUMA_AXON_BUSY, MHD_HTTP_HEADER_RETRY_AFTER, "1",
                  "busy: this axon is tracking %zu active callers, its limit; retry in a second", a->cfg.max_callers);
    return false;
}

/* ---- serving ---- */

static enum MHD_Result serve_route(yuma_axon *a, struct MHD_Connection *conn, const route *rt, const request *rq,
                                   const verified *v)
{
    const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    yuma_axon_request req = {.route = rt->name,
                             .caller = &v->caller,
                             .caller_ss58 = v->caller_ss58,
                             .caller_uid = v->info.uid,
                             .caller_stake = v->info.stake,
                             .body = rq->body,
                             .body_len = rq->len,
                             .content_type = type};
    yuma_axon_response resp = {0};
    rt->handler(&req, &resp, rt->user);
    atomic_fetch_add(&a->served, 1);
    unsigned status = resp.status ? resp.status : 200;
    if (status < 100 || status > 599) status = 500;
    const char *ctype = resp.content_type ? resp.content_type : "application/json";
    if (!resp.body) return queue(conn, status, "", 0, MHD_RESPMEM_PERSISTENT, ctype, NULL, NULL);
    return queue(conn, status, resp.body, resp.body_len, MHD_RESPMEM_MUST_FREE, ctype, NULL, NULL);
}

static enum MHD_Result serve_file(yuma_axon *a, struct MHD_Connection *conn, const char *url)
{
    if (strcmp(url, "/files") == 0 || strcmp(url, "/files/") == 0) {
        json_t *list = files_list(&a->files);
        if (!list) return refuse(a, conn, YUMA_AXON_NO_FILE, NULL, NULL, "the files directory cannot be read");
        atomic_fetch_add(&a->served, 1);
        char *text = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        return text ? queue(conn, 200, text, strlen(text), MHD_RESPMEM_MUST_FREE, "application/json", NULL, NULL)
                    : MHD_NO;
    }
    const char *name = url + strlen("/files/");
    if (!files_valid_name(name))
        return refuse(a, conn, YUMA_AXON_BAD_NAME, NULL, NULL,
                      "file names are 1..%d of [A-Za-z0-9._-], not starting with a dot", FILE_NAME_MAX);
    struct stat st;
    uint8_t hash[32];
    int fd = files_open(&a->files, name, &st, hash);
    if (fd < 0)
        return refuse(a, conn, YUMA_AXON_NO_FILE, NULL, NULL, "no file \"%s\" here%s%s", name,
                      errno == ENOENT ? "" : ": ", errno == ENOENT ? "" : strerror(errno));
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* MHD closes fd */
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    char hex[65], mtime[24];
    sdk_hex(hash, 32, hex);
    snprintf(mtime, sizeof mtime, "%lld", (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    MHD_add_response_header(r, YUMA_AXON_H_CHECKSUM, hex);
    MHD_add_response_header(r, YUMA_AXON_H_MTIME, mtime);
    atomic_fetch_add(&a->served, 1);
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* The first call: route, method and declared size, before any body. */
static enum MHD_Result start_request(yuma_axon *a, struct MHD_Connection *conn, const char *url, const char *method,
                                     request *rq)
{
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0, post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    rq->answered = true;
    if (strcmp(url, "/health") == 0) {
        if (!get) return refuse(a, conn, YUMA_AXON_METHOD, MHD_HTTP_HEADER_ALLOW, "GET", "use GET for /health");
        char *text = NULL;
        json_t *j = json_pack("{s:s, s:s}", "status", "ok", "hotkey", a->hotkey_ss58);
        if (j) text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        return text ? queue(conn, 200, text, strlen(text), MHD_RESPMEM_MUST_FREE, "application/json", NULL, NULL)
                    : MHD_NO;
    }
    if (a->has_files && (strcmp(url, "/files") == 0 || strncmp(url, "/files/", 7) == 0)) {
        if (!get) return refuse(a, conn, YUMA_AXON_METHOD, MHD_HTTP_HEADER_ALLOW, "GET", "use GET for files");
        rq->files = true;
    } else {
        for (size_t i = 0; i < a->nroutes && !rq->rt; i++)
            if (url[0] == '/' && strcmp(url + 1, a->routes[i].name) == 0) rq->rt = &a->routes[i];
        if (!rq->rt) {
            char names[512] = "";
            for (size_t i = 0; i < a->nroutes; i++) {
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s/%s", i ? ", " : "", a->routes[i].name);
            }
            return refuse(a, conn, YUMA_AXON_NOT_FOUND, NULL, NULL, "no route %.200s; this axon serves POST %s%s",
                          url, names[0] ? names : "(nothing)", a->has_files ? " and GET /files/<name>" : "");
        }
        if (!post) return refuse(a, conn, YUMA_AXON_METHOD, MHD_HTTP_HEADER_ALLOW, "POST", "use POST for /%s",
                                 rq->rt->name);
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > a->cfg.max_body)
        return refuse(a, conn, YUMA_AXON_TOO_LARGE, NULL, NULL, "the body is over this axon's limit of %zu bytes",
                      a->cfg.max_body);
    rq->answered = false;
    return MHD_YES;
}

static enum MHD_Result take_body(yuma_axon *a, request *rq, const char *data, size_t n)
{
    if (!rq->too_large && rq->len + n > a->cfg.max_body) {
        rq->too_large = true;
        free(rq->body);
        rq->body = NULL;
        rq->len = rq->cap = 0;
    }
    if (rq->too_large) {
        rq->dropped += n;
        return rq->dropped > 16 * a->cfg.max_body ? MHD_NO : MHD_YES; /* cut off an endless sender */
    }
    if (rq->len + n > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 1024;
        while (cap < rq->len + n) cap *= 2;
        uint8_t *grown = realloc(rq->body, cap);
        if (!grown) return MHD_NO;
        rq->body = grown;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)version;
    yuma_axon *a = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        return start_request(a, conn, url, method, rq);
    }
    if (*upload_data_size) {
        enum MHD_Result r = rq->answered ? MHD_YES : take_body(a, rq, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return r;
    }
    if (rq->answered) return MHD_YES;
    rq->answered = true;
    if (rq->too_large)
        return refuse(a, conn, YUMA_AXON_TOO_LARGE, NULL, NULL, "the body is over this axon's limit of %zu bytes",
                      a->cfg.max_body);
    verified v;
    enum MHD_Result ret;
    if (!check(a, conn, method, url, rq, &v, &ret)) return ret;
    return rq->files ? serve_file(a, conn, url) : serve_route(a, conn, rq->rt, rq, &v);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request *rq = *con_cls;
    if (!rq) return;
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)conn;
    (void)socket_context;
    yuma_axon *a = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&a->conn_opened, 1);
        atomic_fetch_add(&a->conn_open, 1);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub(&a->conn_open, 1);
    }
}

/* ---- start and stop ---- */

static int listen_on(const char *address, uint16_t port, int *family, uint16_t *bound_port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        *family = v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        sl = sizeof *v4;
    } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        *family = v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        sl = sizeof *v6;
    } else {
        sdk_msg(err, errlen, "axon address \"%s\" is not an IPv4 or IPv6 address", address);
        return -1;
    }
    int fd = socket(*family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) {
        sdk_msg(err, errlen, "cannot create the axon's socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (*family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        sdk_msg(err, errlen, "cannot listen on %s port %u: %s%s", address, port, strerror(e),
                e == EADDRINUSE ? "; choose another port, or 0 for any free one" : "");
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    *bound_port = ntohs(*family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                           : ((struct sockaddr_in6 *)&bound)->sin6_port);
    return fd;
}

bool yuma_axon_start(yuma_axon *a, char *err, size_t errlen)
{
    if (a->daemon) {
        sdk_msg(err, errlen, "the axon is already serving on port %u", a->port);
        return false;
    }
    int family;
    int fd = listen_on(a->address, a->cfg.port, &family, &a->port, err, errlen);
    if (fd < 0) return false;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     (family == AF_INET6 ? MHD_USE_IPv6 : 0);
    a->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, a, MHD_OPTION_LISTEN_SOCKET, fd,
                                 MHD_OPTION_CONNECTION_LIMIT, a->cfg.max_connections,
                                 MHD_OPTION_PER_IP_CONNECTION_LIMIT, a->cfg.max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)60, MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
                                 MHD_OPTION_NOTIFY_CONNECTION, on_connection, a, MHD_OPTION_END);
    if (!a->daemon) {
        close(fd);
        sdk_msg(err, errlen, "the axon's HTTP server did not start on %s port %u", a->address, a->port);
        a->port = 0;
        return false;
    }
    return true;
}

uint16_t yuma_axon_port(const yuma_axon *a)
{
    return a->port;
}

void yuma_axon_stop(yuma_axon *a)
{
    if (!a || !a->daemon) return;
    MHD_stop_daemon(a->daemon);
    a->daemon = NULL;
}

void yuma_axon_free(yuma_axon *a)
{
    if (!a) return;
    yuma_axon_stop(a);
    callers_free(&a->callers);
    if (a->has_files) files_free(&a->files);
    free(a);
}
