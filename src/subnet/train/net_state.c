/*
 * net_state.c - what a training-subnet process keeps across a restart
 * (docs/TRAINING_NET.md "Restarts"): a miner's optimiser (AdamW moments,
 * step count, beta powers), error feedback, private random stream, last
 * gather norms, desync flag, catch-up count and a stale miner's kept
 * update; a validator's per-miner ratings (OpenSkill mu/sigma and the rest
 * of its gauntlet record: moving binary score, sync score, final score,
 * weight, counters, bans), last-seen windows, weights and the moving
 * average of the sync score's change. The model is not in it: a restarted
 * process catches the model up from the lead's checkpoint and aggregators.
 *
 * One file, <dir>/state.bin, rewritten after every window through a
 * temporary, fsync and rename (then the directory synced), so a process
 * killed at any moment leaves the previous window's file or the new one,
 * never a torn one. Layout (integers and IEEE-754 bit patterns little-
 * endian):
 *
 *   0   8  magic "YTNSTATE"
 *   8   4  format version (1)
 *   12  4  role (0 miner, 1 validator)
 *   16  4  training uid          20  4  miners       24  4  validators
 *   28  4  reserved (0)
 *   32  8  seed                  40  8  start block
 *   48  8  parameters            56  8  tensors      64  8  debug values
 *   72  8  window: the state is as it was after this window
 *   80  8  payload length        88  .. payload
 *   end 32 BLAKE2b-256 of every byte before it
 *
 * Miner payload: AdamW steps (u64), beta1^steps, beta2^steps (f64), the
 * first then the second moment (f32 x parameters each), error feedback
 * (f32 x parameters), the xoshiro state (4 x u64), have-norms (u8), norms
 * (f64 x tensors), desynced (u8), catch-ups (u32), have-kept (u8) and when
 * 1 the kept update's length (u64) and its update-format bytes. Validator
 * payload, per miner: mu, sigma, g (f64), b (i32), B, sync, F, weight
 * (f64), evals, plus, inactive (u32), banned-until (u64), mega (u8),
 * last-seen (u64), weight given (f64): 97 bytes; then the sync change's
 * moving average (f32 x debug values) and its have-flags (u8 x debug
 * values).
 *
 * A file that fails any check (too short, another format or version, a
 * length that disagrees with its header, a bad checksum, another role,
 * uid, run or model size, a value out of range) is refused with a reason:
 * the process does not start (exit 2) rather than resume from state it
 * cannot trust or quietly throw away what it saved; moving the file away
 * starts it cold, as a new node.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subnet/train/net_internal.h"

#define STATE_MAGIC "YTNSTATE"
#define STATE_VERSION 1u
#define STATE_HEADER 88u
#define STATE_SUM 32u

/* ---- little-endian writer and reader ------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} wbuf;

static void put(wbuf *b, const void *data, size_t n)
{
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u64(wbuf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    put(b, x, 8);
}

static void put_u32(wbuf *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++) x[i] = (uint8_t)(v >> (8 * i));
    put(b, x, 4);
}

static void put_u8(wbuf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_f64(wbuf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static void put_f32s(wbuf *b, const float *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, &f[i], 4);
        put_u32(b, v);
    }
}

typedef struct {
    const uint8_t *p;
    size_t len, at;
    bool short_read;
} rbuf;

static const uint8_t *take(rbuf *r, size_t n)
{
    if (r->short_read || r->len - r->at < n) {
        r->short_read = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}

static uint64_t get_u64(rbuf *r)
{
    const uint8_t *x = take(r, 8);
    uint64_t v = 0;
    if (x)
        for (int i = 0; i < 8; i++) v |= (uint64_t)x[i] << (8 * i);
    return v;
}

static uint32_t get_u32(rbuf *r)
{
    const uint8_t *x = take(r, 4);
    uint32_t v = 0;
    if (x)
        for (int i = 0; i < 4; i++) v |= (uint32_t)x[i] << (8 * i);
    return v;
}

static uint8_t get_u8(rbuf *r)
{
    const uint8_t *x = take(r, 1);
    return x ? x[0] : 0;
}

static double get_f64(rbuf *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static void get_f32s(rbuf *r, float *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v = get_u32(r);
        memcpy(&f[i], &v, 4);
    }
}

/* ---- the payloads ---------------------------------------------------------- */

static bool put_miner(wbuf *b, const tn_state_id *id, const ts_miner *m, ts_err *e)
{
    size_t n = id->n_params;
    if (yuma_adamw_size(m->opt) != n) return ts_fail(e, "state: the optimiser has %zu parameters, not %zu",
                                                     yuma_adamw_size(m->opt), n);
    float *mom = malloc(2 * n * sizeof *mom);
    if (!mom) return ts_fail(e, "out of memory (state)");
    uint64_t steps;
    double pows[2];
    yuma_adamw_get(m->opt, mom, mom + n, &steps, pows);
    put_u64(b, steps);
    put_f64(b, pows[0]);
    put_f64(b, pows[1]);
    put_f32s(b, mom, 2 * n);
    free(mom);
    put_f32s(b, m->ef, n);
    for (int i = 0; i < 4; i++) put_u64(b, m->rng.s[i]);
    put_u8(b, m->have_norms);
    for (size_t i = 0; i < id->n_norms; i++) put_f64(b, m->norms[i]);
    put_u8(b, m->desynced);
    put_u32(b, m->caught_up);
    put_u8(b, m->have_kept);
    if (m->have_kept) {
        uint8_t *enc = NULL;
        size_t len = 0;
        yuma_update_status us = yuma_update_encode(&m->kept, &enc, &len);
        if (us != YUMA_UPDATE_OK) return ts_fail(e, "state: the kept update: %s", yuma_update_strerror(us));
        put_u64(b, len);
        put(b, enc, len);
        free(enc);
    }
    return true;
}

static void put_peer(wbuf *b, const yuma_gauntlet_peer *p)
{
    put_f64(b, p->mu);
    put_f64(b, p->sigma);
    put_f64(b, p->g);
    put_u32(b, (uint32_t)(int32_t)p->b);
    put_f64(b, p->B);
    put_f64(b, p->sync);
    put_f64(b, p->F);
    put_f64(b, p->weight);
    put_u32(b, p->evals);
    put_u32(b, p->plus);
    put_u32(b, p->inactive);
    put_u64(b, p->banned_until);
    put_u8(b, p->mega);
}

static void put_validator(wbuf *b, const tn_state_id *id, const ts_validator *v)
{
    for (uint32_t u = 0; u < id->miners; u++) {
        put_peer(b, &v->peers[u]);
        put_u64(b, v->last_seen[u]);
        put_f64(b, v->weights[u]);
    }
    put_f32s(b, v->avg_change, id->n_dbg);
    for (size_t i = 0; i < id->n_dbg; i++) put_u8(b, v->have_change[i]);
}

/* The miner's state from r into m; false with a reason for a value no
 * writer produces. */
static bool get_miner(rbuf *r, const tn_state_id *id, ts_miner *m, ts_err *e)
{
    size_t n = id->n_params;
    float *mom = malloc(2 * n * sizeof *mom);
    if (!mom) return ts_fail(e, "out of memory (state)");
    uint64_t steps = get_u64(r);
    double pows[2] = {get_f64(r), get_f64(r)};
    get_f32s(r, mom, 2 * n);
    bool ok = r->short_read || yuma_adamw_set(m->opt, mom, mom + n, steps, pows);
    free(mom);
    if (!ok) return ts_fail(e, "its optimiser's beta powers are not in [0, 1]");
    get_f32s(r, m->ef, n);
    for (int i = 0; i < 4; i++) m->rng.s[i] = get_u64(r);
    m->have_norms = get_u8(r) != 0;
    for (size_t i = 0; i < id->n_norms; i++) m->norms[i] = get_f64(r);
    m->desynced = get_u8(r) != 0;
    m->caught_up = get_u32(r);
    uint8_t have_kept = get_u8(r);
    if (have_kept > 1) return ts_fail(e, "its kept-update flag is %u", have_kept);
    if (m->have_kept) yuma_sparse_update_free(&m->kept);
    m->have_kept = false;
    if (have_kept) {
        uint64_t len = get_u64(r);
        const uint8_t *bytes = take(r, len);
        if (!bytes) return ts_fail(e, "it ends inside the kept update");
        yuma_update_expect ex = {.model = id->tl, .chunk = id->chunk, .topk = id->topk};
        yuma_update_status us = id->tl ? yuma_update_decode(bytes, len, &ex, &m->kept) : YUMA_UPDATE_ERR_UPDATE;
        if (us != YUMA_UPDATE_OK) return ts_fail(e, "its kept update: %s", yuma_update_strerror(us));
        m->have_kept = true;
    }
    return true;
}

static void get_peer(rbuf *r, yuma_gauntlet_peer *p)
{
    p->mu = get_f64(r);
    p->sigma = get_f64(r);
    p->g = get_f64(r);
    p->b = (int)(int32_t)get_u32(r);
    p->B = get_f64(r);
    p->sync = get_f64(r);
    p->F = get_f64(r);
    p->weight = get_f64(r);
    p->evals = get_u32(r);
    p->plus = get_u32(r);
    p->inactive = get_u32(r);
    p->banned_until = get_u64(r);
    p->mega = get_u8(r) != 0;
}

static bool get_validator(rbuf *r, const tn_state_id *id, ts_validator *v, ts_err *e)
{
    for (uint32_t u = 0; u < id->miners; u++) {
        yuma_gauntlet_peer p;
        get_peer(r, &p);
        if (!(p.sigma > 0) || !isfinite(p.mu) || !isfinite(p.sigma) || p.b < -1 || p.b > 1)
            return ts_fail(e, "miner %u's rating is out of range (mu %g, sigma %g, b %d)", u, p.mu, p.sigma, p.b);
        v->peers[u] = p;
        v->last_seen[u] = get_u64(r);
        v->weights[u] = get_f64(r);
    }
    get_f32s(r, v->avg_change, id->n_dbg);
    for (size_t i = 0; i < id->n_dbg; i++) v->have_change[i] = get_u8(r) != 0;
    return true;
}

/* ---- the file ----------------------------------------------------------------- */

static const char *role_name(uint32_t role)
{
    return role == YUMA_TRAINNET_MINER ? "miner" : "validator";
}

bool tn_state_encode(const tn_state_id *id, uint64_t window, const ts_miner *m, const ts_validator *v, uint8_t **out,
                     size_t *len, ts_err *e)
{
    wbuf b = {0};
    put(&b, STATE_MAGIC, 8);
    put_u32(&b, STATE_VERSION);
    put_u32(&b, (uint32_t)id->role);
    put_u32(&b, id->self);
    put_u32(&b, id->miners);
    put_u32(&b, id->validators);
    put_u32(&b, 0);
    put_u64(&b, id->seed);
    put_u64(&b, id->start_block);
    put_u64(&b, id->n_params);
    put_u64(&b, id->n_norms);
    put_u64(&b, id->n_dbg);
    put_u64(&b, window);
    put_u64(&b, 0); /* the payload's length, filled in below */
    bool ok = id->role == YUMA_TRAINNET_MINER ? put_miner(&b, id, m, e) : (put_validator(&b, id, v), true);
    if (ok && b.oom) ok = ts_fail(e, "out of memory (state)");
    if (!ok) {
        free(b.p);
        return false;
    }
    uint64_t payload = b.len - STATE_HEADER;
    for (int i = 0; i < 8; i++) b.p[80 + i] = (uint8_t)(payload >> (8 * i));
    uint8_t sum[STATE_SUM];
    crypto_generichash(sum, sizeof sum, b.p, b.len, NULL, 0);
    put(&b, sum, sizeof sum);
    if (b.oom) {
        free(b.p);
        return ts_fail(e, "out of memory (state)");
    }
    *out = b.p;
    *len = b.len;
    return true;
}

bool tn_state_decode(const tn_state_id *id, const uint8_t *data, size_t len, uint64_t *window, ts_miner *m,
                     ts_validator *v, ts_err *e)
{
    if (len < STATE_HEADER + STATE_SUM)
        return ts_fail(e, "is truncated (%zu bytes; a state file has at least %u)", len, STATE_HEADER + STATE_SUM);
    if (memcmp(data, STATE_MAGIC, 8) != 0) return ts_fail(e, "is not a training state file (no \"" STATE_MAGIC "\")");
    rbuf r = {data, len, 8, false};
    uint32_t version = get_u32(&r);
    if (version != STATE_VERSION)
        return ts_fail(e, "has state format version %" PRIu32 "; this yuma reads version %u", version, STATE_VERSION);
    uint32_t role = get_u32(&r), self = get_u32(&r), miners = get_u32(&r), validators = get_u32(&r);
    (void)get_u32(&r);
    uint64_t seed = get_u64(&r), start = get_u64(&r), n_params = get_u64(&r), n_norms = get_u64(&r);
    uint64_t n_dbg = get_u64(&r), w = get_u64(&r), payload = get_u64(&r);
    if (payload != len - STATE_HEADER - STATE_SUM)
        return ts_fail(e, "is truncated or has extra bytes (%zu bytes; its header says %" PRIu64 ")", len,
                       payload + STATE_HEADER + STATE_SUM);
    uint8_t sum[STATE_SUM];
    crypto_generichash(sum, sizeof sum, data, len - STATE_SUM, NULL, 0);
    if (sodium_memcmp(sum, data + len - STATE_SUM, STATE_SUM) != 0)
        return ts_fail(e, "is damaged (its BLAKE2b-256 checksum does not match its contents)");
    if (role > 1 || role != (uint32_t)id->role || self != id->self)
        return ts_fail(e, "belongs to %s uid %" PRIu32 ", not to this %s (training uid %" PRIu32 ")",
                       role > 1 ? "an unknown role" : role_name(role), self, role_name(id->role), id->self);
    if (seed != id->seed || start != id->start_block || miners != id->miners || validators != id->validators)
        return ts_fail(e,
                       "is from another run (seed %" PRIu64 ", start block %" PRIu64 ", %" PRIu32 " miners, %" PRIu32
                       " validators; this run: seed %" PRIu64 ", start block %" PRIu64 ", %" PRIu32 ", %" PRIu32 ")",
                       seed, start, miners, validators, id->seed, id->start_block, id->miners, id->validators);
    if (n_params != id->n_params || n_norms != id->n_norms || n_dbg != id->n_dbg)
        return ts_fail(e, "is for another model (%" PRIu64 " parameters in %" PRIu64 " tensors; this one: %zu in %zu)",
                       n_params, n_norms, id->n_params, id->n_norms);
    r.len = len - STATE_SUM;
    bool ok = id->role == YUMA_TRAINNET_MINER ? get_miner(&r, id, m, e) : get_validator(&r, id, v, e);
    if (!ok) return false;
    if (r.short_read || r.at != r.len)
        return ts_fail(e, "has a payload of the wrong size for a %s of this model", role_name(id->role));
    *window = w;
    return true;
}

/* Writes data to path through path.tmp: written, fsynced, renamed, and the
 * directory synced (best effort: the file itself is already whole). */
static bool write_atomic(const char *dir, const char *path, const uint8_t *data, size_t len, ts_err *e)
{
    char tmp[8300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return ts_fail(e, "cannot write %s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, data + done, len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        done += (size_t)k;
    }
    int err = done == len ? 0 : errno ? errno : EIO;
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) {
        unlink(tmp);
        return ts_fail(e, "cannot write %s: %s", path, strerror(err));
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return true;
}

bool tn_state_save(const char *dir, const tn_state_id *id, uint64_t window, const ts_miner *m, const ts_validator *v,
                   uint8_t sum[32], ts_err *e)
{
    uint8_t *data;
    size_t len;
    if (!tn_state_encode(id, window, m, v, &data, &len, e)) return false;
    char path[8200];
    snprintf(path, sizeof path, "%s/" TN_STATE_FILE, dir);
    bool ok = write_atomic(dir, path, data, len, e);
    if (ok && sum) memcpy(sum, data + len - STATE_SUM, STATE_SUM);
    free(data);
    return ok;
}

int tn_state_load(const char *dir, const tn_state_id *id, uint64_t *window, ts_miner *m, ts_validator *v,
                  uint8_t sum[32], ts_err *e)
{
    char path[8200];
    snprintf(path, sizeof path, "%s/" TN_STATE_FILE, dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 0;
        ts_fail(e, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0, cap = 0;
    bool oom = false;
    for (;;) {
        if (len == cap) {
            uint8_t *p = realloc(data, cap ? 2 * cap : 1 << 16);
            if (!p) {
                oom = true;
                break;
            }
            data = p;
            cap = cap ? 2 * cap : 1 << 16;
        }
        size_t k = fread(data + len, 1, cap - len, f);
        len += k;
        if (k == 0) break;
    }
    bool read_error = ferror(f);
    fclose(f);
    if (oom || read_error) {
        free(data);
        ts_fail(e, "cannot read %s: %s", path, oom ? "out of memory" : "read error");
        return -1;
    }
    char why[512];
    ts_err de = {why, sizeof why};
    bool ok = tn_state_decode(id, data, len, window, m, v, &de);
    if (ok && sum) memcpy(sum, data + len - STATE_SUM, STATE_SUM);
    free(data);
    if (!ok) {
        ts_fail(e, "the saved state %s %s: move it away to start this node cold", path, why);
        return -1;
    }
    return 1;
}
