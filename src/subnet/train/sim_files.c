/*
 * sim_files.c - the files training-subnet nodes exchange besides the
 * updates themselves (include/yuma/trainsim.h): debug values, checkpoints
 * and aggregators, each little-endian with a CRC-32 trailer and a decoder
 * that checks every field; the outer step all nodes share; and catch-up
 * from a checkpoint plus the stored aggregators (§3.7).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/le_reader.h"
#include "yuma/train.h"
#include "yuma/trainsim.h"
#include "yuma/update.h"

const char *yuma_artefact_strerror(yuma_artefact_status s)
{
    switch (s) {
    case YUMA_ARTEFACT_OK: return "ok";
    case YUMA_ARTEFACT_ERR_ARG: return "missing argument (NULL pointer)";
    case YUMA_ARTEFACT_ERR_NOMEM: return "out of memory";
    case YUMA_ARTEFACT_ERR_TRUNCATED: return "file ends inside a field or before its checksum";
    case YUMA_ARTEFACT_ERR_TRAILING: return "bytes after the checksum";
    case YUMA_ARTEFACT_ERR_MAGIC: return "wrong magic";
    case YUMA_ARTEFACT_ERR_VERSION: return "unsupported format version";
    case YUMA_ARTEFACT_ERR_WINDOW: return "file is for another window";
    case YUMA_ARTEFACT_ERR_UID: return "file is for another uid";
    case YUMA_ARTEFACT_ERR_MODEL: return "model configuration or size differs";
    case YUMA_ARTEFACT_ERR_VALUE: return "a value is not finite";
    case YUMA_ARTEFACT_ERR_HASH: return "parameters do not match the stated model hash";
    case YUMA_ARTEFACT_ERR_ORDER: return "peers not in ascending uid order";
    case YUMA_ARTEFACT_ERR_CRC: return "checksum mismatch";
    case YUMA_ARTEFACT_ERR_PEER: return "a peer's update is refused by the update decoder";
    case YUMA_ARTEFACT_ERR_MISSING: return "a checkpoint or aggregator needed for catch-up is missing";
    }
    return "unknown artefact status";
}

/* ---- little-endian writer (the reader is le_reader.h) -------------------- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    bool nomem;
} writer;

static void put_bytes(writer *w, const void *src, size_t len)
{
    if (w->nomem) return;
    if (w->cap - w->n < len) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->n < len) cap *= 2;
        uint8_t *np = realloc(w->p, cap);
        if (!np) {
            w->nomem = true;
            return;
        }
        w->p = np;
        w->cap = cap;
    }
    memcpy(w->p + w->n, src, len);
    w->n += len;
}

static void put_le(writer *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++) b[i] = (uint8_t)(v >> (8 * i));
    put_bytes(w, b, (size_t)bytes);
}

static void put_f32(writer *w, float f)
{
    put_le(w, le_f32_bits(f), 4);
}

/* Appends the CRC and hands the buffer over. */
static yuma_artefact_status finish(writer *w, uint8_t **out, size_t *len)
{
    if (!w->nomem) put_le(w, yuma_crc32(0, w->p, w->n), 4);
    if (w->nomem) {
        free(w->p);
        return YUMA_ARTEFACT_ERR_NOMEM;
    }
    *out = w->p;
    *len = w->n;
    return YUMA_ARTEFACT_OK;
}

#define NEED(call) \
    do { \
        if (!(call)) return YUMA_ARTEFACT_ERR_TRUNCATED; \
    } while (0)

/* Magic and version; the CRC, when the whole body has been read. */
static yuma_artefact_status read_head(le_reader *r, const char magic[4])
{
    if (r->len < 4 + 2 + 4) return YUMA_ARTEFACT_ERR_TRUNCATED;
    if (memcmp(r->p, magic, 4) != 0) return YUMA_ARTEFACT_ERR_MAGIC;
    r->pos = 4;
    uint64_t v;
    NEED(le_get(r, 2, &v));
    if (v != (uint64_t)yuma_train_format_version()) return YUMA_ARTEFACT_ERR_VERSION;
    return YUMA_ARTEFACT_OK;
}

static yuma_artefact_status read_tail(le_reader *r)
{
    uint64_t crc;
    size_t body = r->pos;
    NEED(le_get(r, 4, &crc));
    if (r->pos != r->len) return YUMA_ARTEFACT_ERR_TRAILING;
    if ((uint32_t)crc != yuma_crc32(0, r->p, body)) return YUMA_ARTEFACT_ERR_CRC;
    return YUMA_ARTEFACT_OK;
}

/* ---- debug values ----------------------------------------------------- */

yuma_artefact_status yuma_debug_encode(const yuma_debug_record *r, uint8_t **out, size_t *len)
{
    if (!r || !out || !len || (r->n && !r->values)) return YUMA_ARTEFACT_ERR_ARG;
    writer w = {0};
    put_bytes(&w, "YDBG", 4);
    put_le(&w, (uint64_t)yuma_train_format_version(), 2);
    put_le(&w, r->window, 8);
    put_le(&w, r->uid, 2);
    put_bytes(&w, r->hash, 32);
    put_le(&w, r->n, 4);
    for (uint32_t i = 0; i < r->n; i++) put_f32(&w, r->values[i]);
    return finish(&w, out, len);
}

static yuma_artefact_status debug_read(le_reader *r, uint64_t window, uint16_t uid, uint32_t n, yuma_debug_record *out)
{
    yuma_artefact_status st = read_head(r, "YDBG");
    if (st != YUMA_ARTEFACT_OK) return st;
    uint64_t v;
    NEED(le_get(r, 8, &v));
    if (v != window) return YUMA_ARTEFACT_ERR_WINDOW;
    out->window = v;
    NEED(le_get(r, 2, &v));
    if (v != uid) return YUMA_ARTEFACT_ERR_UID;
    out->uid = (uint16_t)v;
    NEED(r->len - r->pos >= 32);
    memcpy(out->hash, r->p + r->pos, 32);
    r->pos += 32;
    NEED(le_get(r, 4, &v));
    if (v != n) return YUMA_ARTEFACT_ERR_MODEL;
    out->values = malloc((n ? n : 1) * sizeof *out->values);
    if (!out->values) return YUMA_ARTEFACT_ERR_NOMEM;
    out->n = n;
    for (uint32_t i = 0; i < n; i++) {
        NEED(le_get_f32(r, &out->values[i]));
        if (!isfinite(out->values[i])) return YUMA_ARTEFACT_ERR_VALUE;
    }
    return read_tail(r);
}

yuma_artefact_status yuma_debug_decode(const uint8_t *data, size_t len, uint64_t window, uint16_t uid, uint32_t n,
                                       yuma_debug_record *out)
{
    if (!out) return YUMA_ARTEFACT_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!data && len) return YUMA_ARTEFACT_ERR_ARG;
    le_reader r = {data, len, 0};
    yuma_artefact_status st = debug_read(&r, window, uid, n, out);
    if (st != YUMA_ARTEFACT_OK) yuma_debug_record_free(out);
    return st;
}

void yuma_debug_record_free(yuma_debug_record *r)
{
    if (!r) return;
    free(r->values);
    memset(r, 0, sizeof *r);
}

/* ---- checkpoints ------------------------------------------------------ */

static void put_config(writer *w, const yuma_gpt_config *c)
{
    put_le(w, c->vocab, 4);
    put_le(w, c->ctx, 4);
    put_le(w, c->d_model, 4);
    put_le(w, c->n_layers, 4);
    put_le(w, c->n_heads, 4);
    put_le(w, c->d_ff, 4);
}

yuma_artefact_status yuma_checkpoint_encode(uint64_t window, const yuma_gpt *m, uint8_t **out, size_t *len)
{
    if (!m || !out || !len) return YUMA_ARTEFACT_ERR_ARG;
    writer w = {0};
    put_bytes(&w, "YCKP", 4);
    put_le(&w, (uint64_t)yuma_train_format_version(), 2);
    put_le(&w, window, 8);
    put_config(&w, yuma_gpt_get_config(m));
    size_t n = yuma_gpt_num_params(m);
    put_le(&w, n, 8);
    uint8_t hash[32];
    yuma_gpt_hash(m, hash);
    put_bytes(&w, hash, 32);
    const float *p = yuma_gpt_params_const(m);
    for (size_t i = 0; i < n; i++) put_f32(&w, p[i]);
    return finish(&w, out, len);
}

static yuma_artefact_status checkpoint_read(le_reader *r, uint64_t window, const yuma_gpt *m, float *params)
{
    yuma_artefact_status st = read_head(r, "YCKP");
    if (st != YUMA_ARTEFACT_OK) return st;
    uint64_t v;
    NEED(le_get(r, 8, &v));
    if (v != window) return YUMA_ARTEFACT_ERR_WINDOW;
    const yuma_gpt_config *c = yuma_gpt_get_config(m);
    const uint32_t want[6] = {c->vocab, c->ctx, c->d_model, c->n_layers, c->n_heads, c->d_ff};
    for (int i = 0; i < 6; i++) {
        NEED(le_get(r, 4, &v));
        if (v != want[i]) return YUMA_ARTEFACT_ERR_MODEL;
    }
    size_t n = yuma_gpt_num_params(m);
    NEED(le_get(r, 8, &v));
    if (v != n) return YUMA_ARTEFACT_ERR_MODEL;
    uint8_t stated[32], actual[32];
    NEED(r->len - r->pos >= 32);
    memcpy(stated, r->p + r->pos, 32);
    r->pos += 32;
    NEED((r->len - r->pos) / 4 >= n);
    for (size_t i = 0; i < n; i++) {
        le_get_f32(r, &params[i]);
        if (!isfinite(params[i])) return YUMA_ARTEFACT_ERR_VALUE;
    }
    if ((st = read_tail(r)) != YUMA_ARTEFACT_OK) return st;
    yuma_gpt_hash_floats(params, n, actual);
    return memcmp(stated, actual, 32) == 0 ? YUMA_ARTEFACT_OK : YUMA_ARTEFACT_ERR_HASH;
}

yuma_artefact_status yuma_checkpoint_decode(const uint8_t *data, size_t len, uint64_t window, yuma_gpt *m)
{
    if (!m || (!data && len)) return YUMA_ARTEFACT_ERR_ARG;
    size_t n = yuma_gpt_num_params(m);
    float *params = malloc(n * sizeof *params);
    if (!params) return YUMA_ARTEFACT_ERR_NOMEM;
    le_reader r = {data, len, 0};
    yuma_artefact_status st = checkpoint_read(&r, window, m, params);
    if (st == YUMA_ARTEFACT_OK) memcpy(yuma_gpt_params(m), params, n * sizeof *params);
    free(params);
    return st;
}

/* ---- aggregators ------------------------------------------------------- */

yuma_artefact_status yuma_aggregator_encode(uint64_t window, const yuma_aggregator_entry *e, size_t n,
                                            uint8_t **out, size_t *len)
{
    if (!out || !len || (n && !e) || n > UINT32_MAX) return YUMA_ARTEFACT_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].bytes || e[i].len > UINT32_MAX) return YUMA_ARTEFACT_ERR_ARG;
        if (i && e[i].uid <= e[i - 1].uid) return YUMA_ARTEFACT_ERR_ORDER;
    }
    writer w = {0};
    put_bytes(&w, "YAGG", 4);
    put_le(&w, (uint64_t)yuma_train_format_version(), 2);
    put_le(&w, window, 8);
    put_le(&w, n, 4);
    for (size_t i = 0; i < n; i++) {
        put_le(&w, e[i].uid, 2);
        put_le(&w, e[i].stamp, 8);
        put_le(&w, e[i].len, 4);
        put_bytes(&w, e[i].bytes, e[i].len);
    }
    return finish(&w, out, len);
}

static yuma_artefact_status aggregator_read(le_reader *r, uint64_t window, yuma_aggregator_entry **entries, size_t *n)
{
    yuma_artefact_status st = read_head(r, "YAGG");
    if (st != YUMA_ARTEFACT_OK) return st;
    uint64_t v, count;
    NEED(le_get(r, 8, &v));
    if (v != window) return YUMA_ARTEFACT_ERR_WINDOW;
    NEED(le_get(r, 4, &count));
    /* every entry takes at least 14 bytes: bound the count before allocating */
    NEED(count <= (r->len - r->pos) / 14);
    yuma_aggregator_entry *e = calloc(count ? count : 1, sizeof *e);
    if (!e) return YUMA_ARTEFACT_ERR_NOMEM;
    *entries = e;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t uid, stamp, len;
        NEED(le_get(r, 2, &uid) && le_get(r, 8, &stamp) && le_get(r, 4, &len));
        if (i && uid <= e[i - 1].uid) return YUMA_ARTEFACT_ERR_ORDER;
        NEED(r->len - r->pos >= len);
        e[i] = (yuma_aggregator_entry){(uint16_t)uid, stamp, r->p + r->pos, (size_t)len};
        r->pos += len;
        *n = (size_t)i + 1;
    }
    *n = (size_t)count;
    return read_tail(r);
}

yuma_artefact_status yuma_aggregator_decode(const uint8_t *data, size_t len, uint64_t window,
                                            yuma_aggregator_entry **entries, size_t *n)
{
    if (!entries || !n) return YUMA_ARTEFACT_ERR_ARG;
    *entries = NULL;
    *n = 0;
    if (!data && len) return YUMA_ARTEFACT_ERR_ARG;
    le_reader r = {data, len, 0};
    yuma_artefact_status st = aggregator_read(&r, window, entries, n);
    if (st != YUMA_ARTEFACT_OK) {
        free(*entries);
        *entries = NULL;
        *n = 0;
    }
    return st;
}

/* ---- the shared outer step, tensor lists, catch-up --------------------- */

yuma_artefact_status yuma_trainsim_outer_step(const yuma_trainsim_protocol *p, const yuma_tensor_list *tl,
                                              const yuma_sparse_update *const *updates, size_t n, float *theta,
                                              float *scratch)
{
    if (!p || !tl || !theta || !scratch || (n && !updates)) return YUMA_ARTEFACT_ERR_ARG;
    if (n == 0) return YUMA_ARTEFACT_OK;
    yuma_agg_status st = yuma_aggregate(updates, n, tl, p->agg_mode, scratch, NULL);
    if (st == YUMA_AGG_OK) st = yuma_outer_step(theta, scratch, tl, p->outer_lr);
    if (st == YUMA_AGG_ERR_NOMEM) return YUMA_ARTEFACT_ERR_NOMEM;
    return st == YUMA_AGG_OK ? YUMA_ARTEFACT_OK : YUMA_ARTEFACT_ERR_PEER;
}

void yuma_trainsim_tensor_list(const yuma_gpt *m, yuma_tensor_desc *descs, yuma_tensor_list *tl)
{
    const yuma_gpt_tensor *t = yuma_gpt_tensors(m);
    size_t n = yuma_gpt_num_tensors(m);
    for (size_t i = 0; i < n; i++)
        descs[i] = (yuma_tensor_desc){t[i].id, t[i].ndims, {t[i].shape[0], t[i].ndims == 2 ? t[i].shape[1] : 0},
                                      t[i].offset};
    *tl = (yuma_tensor_list){descs, n, yuma_gpt_num_params(m)};
}

static yuma_artefact_status say(yuma_artefact_status st, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen && st != YUMA_ARTEFACT_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Replays aggregator-<w> of lead onto theta. */
static yuma_artefact_status replay_window(const yuma_astore *st, uint16_t lead, const yuma_trainsim_protocol *p,
                                          const yuma_tensor_list *tl, uint64_t w, float *theta, float *scratch,
                                          char *err, size_t errlen)
{
    char name[64], serr[256];
    snprintf(name, sizeof name, "aggregator-%llu.bin", (unsigned long long)w);
    uint8_t *data;
    size_t len;
    uint64_t stamp;
    yuma_astore_status as = yuma_astore_get(st, lead, name, &data, &len, &stamp, serr, sizeof serr);
    if (as != YUMA_ASTORE_OK)
        return say(as == YUMA_ASTORE_ERR_NOT_FOUND ? YUMA_ARTEFACT_ERR_MISSING
                   : as == YUMA_ASTORE_ERR_NOMEM   ? YUMA_ARTEFACT_ERR_NOMEM
                                                   : YUMA_ARTEFACT_ERR_TRUNCATED,
                   err, errlen, "catch-up: %s", serr);
    yuma_aggregator_entry *e = NULL;
    size_t n = 0;
    yuma_artefact_status rc = yuma_aggregator_decode(data, len, w, &e, &n);
    yuma_sparse_update *u = calloc(n ? n : 1, sizeof *u);
    const yuma_sparse_update **ptr = calloc(n ? n : 1, sizeof *ptr);
    if (rc == YUMA_ARTEFACT_OK && (!u || !ptr)) rc = YUMA_ARTEFACT_ERR_NOMEM;
    if (rc != YUMA_ARTEFACT_OK) say(rc, err, errlen, "catch-up: %u/%s: %s", (unsigned)lead, name, yuma_artefact_strerror(rc));
    for (size_t i = 0; i < n && rc == YUMA_ARTEFACT_OK; i++) {
        yuma_update_expect ex = {tl, p->compress.chunk, p->compress.topk, p->compress.encoding, 1, w, 1, e[i].uid};
        yuma_update_status us = yuma_update_decode(e[i].bytes, e[i].len, &ex, &u[i]);
        if (us != YUMA_UPDATE_OK)
            rc = say(YUMA_ARTEFACT_ERR_PEER, err, errlen, "catch-up: %u/%s: uid %u: %s", (unsigned)lead, name,
                     (unsigned)e[i].uid, yuma_update_strerror(us));
        ptr[i] = &u[i];
    }
    if (rc == YUMA_ARTEFACT_OK) {
        rc = yuma_trainsim_outer_step(p, tl, ptr, n, theta, scratch);
        say(rc, err, errlen, "catch-up: window %llu: %s", (unsigned long long)w, yuma_artefact_strerror(rc));
    }
    for (size_t i = 0; u && i < n; i++) yuma_sparse_update_free(&u[i]);
    free(u);
    free(ptr);
    free(e);
    free(data);
    return rc;
}

yuma_artefact_status yuma_trainsim_catch_up(const yuma_astore *st, uint16_t lead, const yuma_trainsim_protocol *p,
                                            uint64_t target, yuma_gpt *m, uint64_t *from, char *err, size_t errlen)
{
    if (!st || !p || !m) return say(YUMA_ARTEFACT_ERR_ARG, err, errlen, "catch-up: missing argument");
    yuma_gpt *work = yuma_gpt_clone(m);
    size_t np = yuma_gpt_num_params(m), nt = yuma_gpt_num_tensors(m);
    float *scratch = malloc(np * sizeof *scratch);
    yuma_tensor_desc *descs = malloc(nt * sizeof *descs);
    if (!work || !scratch || !descs) {
        yuma_gpt_free(work);
        free(scratch);
        free(descs);
        return say(YUMA_ARTEFACT_ERR_NOMEM, err, errlen, "catch-up: out of memory");
    }
    yuma_tensor_list tl;
    yuma_trainsim_tensor_list(m, descs, &tl);
    /* the newest checkpoint at or before target */
    yuma_artefact_status rc = YUMA_ARTEFACT_ERR_MISSING;
    uint64_t c = target;
    say(rc, err, errlen, "catch-up: no checkpoint of uid %u at or before window %llu", (unsigned)lead,
        (unsigned long long)target);
    for (;;) {
        char name[64], serr[256];
        snprintf(name, sizeof name, "ckpt-%llu.bin", (unsigned long long)c);
        uint8_t *data;
        size_t len;
        uint64_t stamp;
        yuma_astore_status as = yuma_astore_get(st, lead, name, &data, &len, &stamp, serr, sizeof serr);
        if (as == YUMA_ASTORE_OK) {
            rc = yuma_checkpoint_decode(data, len, c, work);
            free(data);
            say(rc, err, errlen, "catch-up: %u/%s: %s", (unsigned)lead, name, yuma_artefact_strerror(rc));
            break;
        }
        if (as != YUMA_ASTORE_ERR_NOT_FOUND) {
            rc = say(as == YUMA_ASTORE_ERR_NOMEM ? YUMA_ARTEFACT_ERR_NOMEM : YUMA_ARTEFACT_ERR_TRUNCATED, err,
                     errlen, "catch-up: %s", serr);
            break;
        }
        if (c == 0) break;
        c--;
    }
    for (uint64_t w = c; rc == YUMA_ARTEFACT_OK && w < target; w++)
        rc = replay_window(st, lead, p, &tl, w, yuma_gpt_params(work), scratch, err, errlen);
    if (rc == YUMA_ARTEFACT_OK) {
        yuma_gpt_copy(m, work);
        if (from) *from = c;
    }
    yuma_gpt_free(work);
    free(scratch);
    free(descs);
    return rc;
}
