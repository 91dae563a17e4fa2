/*
 * update_format.c - encoder and checking decoder of the update file a
 * miner uploads each window (include/yuma/update.h; training-subnet spec
 * §7.5, with the validity checks of §3.5).
 *
 * The decoder never trusts a size from the file: every count comes from
 * the expected model, and the file must agree with it field by field, so
 * a hostile file can neither make it allocate nor read out of bounds.
 */
#include "yuma/update.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/le_reader.h"
#include "yuma/train.h"

const char *yuma_update_strerror(yuma_update_status s)
{
    switch (s) {
    case YUMA_UPDATE_OK: return "ok";
    case YUMA_UPDATE_ERR_ARG: return "missing argument (NULL pointer)";
    case YUMA_UPDATE_ERR_NOMEM: return "out of memory";
    case YUMA_UPDATE_ERR_MODEL: return "the expected model (tensor list, chunk, top-k or encoding) is invalid";
    case YUMA_UPDATE_ERR_TRUNCATED: return "update truncated: input ends inside a field or before the CRC";
    case YUMA_UPDATE_ERR_TRAILING: return "trailing bytes after the update's CRC";
    case YUMA_UPDATE_ERR_MAGIC: return "not an update file (bad magic)";
    case YUMA_UPDATE_ERR_VERSION: return "unsupported update format version";
    case YUMA_UPDATE_ERR_ENCODING: return "unknown value encoding, or not the one required";
    case YUMA_UPDATE_ERR_WINDOW: return "update is for another window";
    case YUMA_UPDATE_ERR_UID: return "update is for another uid";
    case YUMA_UPDATE_ERR_TENSOR_COUNT: return "wrong tensor count for the model";
    case YUMA_UPDATE_ERR_MISSING_TENSOR: return "a tensor of the model is missing";
    case YUMA_UPDATE_ERR_UNKNOWN_TENSOR: return "tensor id not in the model";
    case YUMA_UPDATE_ERR_DUPLICATE_TENSOR: return "tensor appears twice";
    case YUMA_UPDATE_ERR_SHAPE: return "tensor shape does not match the model";
    case YUMA_UPDATE_ERR_TILE: return "tile dimensions do not match the model's tiling";
    case YUMA_UPDATE_ERR_K: return "wrong count of values per tile (k)";
    case YUMA_UPDATE_ERR_SHIFT: return "non-finite quantization shift";
    case YUMA_UPDATE_ERR_SCALE: return "quantization scale outside (1e-12, 1e4) in magnitude, or not finite";
    case YUMA_UPDATE_ERR_LUT: return "non-finite quantization lookup table";
    case YUMA_UPDATE_ERR_INDEX_RANGE: return "index out of range for its tile";
    case YUMA_UPDATE_ERR_DUPLICATE_INDEX: return "duplicate index within a tile";
    case YUMA_UPDATE_ERR_CODE: return "value code out of range for 4-level quantization";
    case YUMA_UPDATE_ERR_VALUE: return "non-finite value";
    case YUMA_UPDATE_ERR_PADDING: return "nonzero padding bits after the last packed value";
    case YUMA_UPDATE_ERR_CRC: return "CRC-32 mismatch: the update is corrupt";
    case YUMA_UPDATE_ERR_UPDATE: return "update to encode is inconsistent with its own geometry";
    }
    return "unknown update status";
}

/* ---- sizes ------------------------------------------------------------ */

static bool known_encoding(int e)
{
    return e == YUMA_VALUES_STORED || e == YUMA_VALUES_PACKED2 || e == YUMA_VALUES_Q8 || e == YUMA_VALUES_FP32;
}

static uint32_t bins_for(yuma_value_encoding e)
{
    return e == YUMA_VALUES_Q8 ? 256u : e == YUMA_VALUES_FP32 ? 0u : 4u;
}

static size_t value_bytes(yuma_value_encoding e, size_t count)
{
    switch (e) {
    case YUMA_VALUES_PACKED2: return (count + 3) / 4;
    case YUMA_VALUES_FP32: return count * 4;
    default: return count;
    }
}

static size_t quant_bytes(yuma_value_encoding e)
{
    return e == YUMA_VALUES_FP32 ? 0 : 8 + 4 * (size_t)bins_for(e);
}

static size_t tensor_header_bytes(uint32_t ndims)
{
    return 4 + 1 + 4 * (size_t)ndims + 2 * (size_t)ndims + 2;
}

/* The geometry and codes of an update are what its encoding can carry. */
static bool tensor_encodable(const yuma_sparse_tensor *t, yuma_value_encoding e)
{
    const yuma_tile_geom *g = &t->geom;
    if (t->ndims != 1 && t->ndims != 2) return false;
    if (g->tile[0] == 0 || g->tile[1] == 0 || g->tile[0] > UINT16_MAX || g->tile[1] > UINT16_MAX) return false;
    if (t->ndims == 1 && g->tile[1] != 1) return false;
    if (g->tile_size != g->tile[0] * g->tile[1] || g->tile_size > YUMA_TILE_MAX_VALUES) return false;
    if (g->k == 0 || g->k % 2 != 0 || g->k > g->tile_size || t->count != g->n_tiles * g->k) return false;
    if (t->n_bins != bins_for(e) || (e != YUMA_VALUES_FP32 && !t->code) || !t->idx || !t->val) return false;
    for (uint32_t j = 0; j < t->count; j++) {
        if (t->idx[j] >= g->tile_size) return false;
        if (e != YUMA_VALUES_FP32 && e != YUMA_VALUES_Q8 && t->code[j] > 3) return false;
    }
    return true;
}

yuma_update_status yuma_update_size_of(const yuma_sparse_update *u, yuma_update_size *out)
{
    if (!u || !out || (u->n_tensors && !u->t)) return YUMA_UPDATE_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!known_encoding(u->encoding)) return YUMA_UPDATE_ERR_UPDATE;
    for (size_t i = 0; i < u->n_tensors; i++) {
        const yuma_sparse_tensor *t = &u->t[i];
        if (!tensor_encodable(t, u->encoding)) return YUMA_UPDATE_ERR_UPDATE;
        *(t->ndims == 2 ? &out->kept_2d : &out->kept_1d) += t->count;
        out->index_bytes += (size_t)t->count / 2 * 3;
        out->value_bytes += value_bytes(u->encoding, t->count);
        out->quant_bytes += quant_bytes(u->encoding);
        out->tensor_header_bytes += tensor_header_bytes(t->ndims);
    }
    out->total_bytes = YUMA_UPDATE_HEADER_BYTES + out->tensor_header_bytes + out->quant_bytes + out->index_bytes +
                       out->value_bytes + YUMA_UPDATE_TRAILER_BYTES;
    return YUMA_UPDATE_OK;
}

/* ---- writing ---------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t n;
} writer;

static void put_le(writer *w, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) w->p[w->n++] = (uint8_t)(v >> (8 * i));
}

static void put_f32(writer *w, float f)
{
    put_le(w, le_f32_bits(f), 4);
}

static void put_tensor(writer *w, const yuma_sparse_tensor *t, yuma_value_encoding e)
{
    put_le(w, t->id, 4);
    put_le(w, t->ndims, 1);
    for (uint32_t d = 0; d < t->ndims; d++) put_le(w, t->shape[d], 4);
    for (uint32_t d = 0; d < t->ndims; d++) put_le(w, t->geom.tile[d], 2);
    put_le(w, t->geom.k, 2);
    if (e != YUMA_VALUES_FP32) {
        put_f32(w, t->shift);
        put_f32(w, t->scale);
        for (uint32_t b = 0; b < t->n_bins; b++) put_f32(w, t->lut[b]);
    }
    for (uint32_t j = 0; j < t->count; j += 2) put_le(w, (uint32_t)t->idx[j] | (uint32_t)t->idx[j + 1] << 12, 3);
    if (e == YUMA_VALUES_FP32) {
        for (uint32_t j = 0; j < t->count; j++) put_f32(w, t->val[j]);
    } else if (e == YUMA_VALUES_PACKED2) {
        for (uint32_t j = 0; j < t->count; j += 4) {
            uint8_t byte = 0;
            for (uint32_t q = 0; q < 4 && j + q < t->count; q++) byte |= (uint8_t)(t->code[j + q] << (2 * q));
            put_le(w, byte, 1);
        }
    } else {
        for (uint32_t j = 0; j < t->count; j++) put_le(w, t->code[j], 1);
    }
}

yuma_update_status yuma_update_encode(const yuma_sparse_update *u, uint8_t **out, size_t *len)
{
    if (!out || !len) return YUMA_UPDATE_ERR_ARG;
    *out = NULL;
    *len = 0;
    yuma_update_size sz;
    yuma_update_status st = yuma_update_size_of(u, &sz);
    if (st != YUMA_UPDATE_OK) return st;
    if (u->n_tensors > UINT32_MAX) return YUMA_UPDATE_ERR_UPDATE;
    writer w = {malloc(sz.total_bytes), 0};
    if (!w.p) return YUMA_UPDATE_ERR_NOMEM;
    memcpy(w.p, YUMA_UPDATE_MAGIC, 4);
    w.n = 4;
    put_le(&w, (uint16_t)yuma_train_format_version(), 2);
    put_le(&w, (uint8_t)u->encoding, 1);
    put_le(&w, u->window, 8);
    put_le(&w, u->uid, 2);
    put_le(&w, u->n_tensors, 4);
    memcpy(w.p + w.n, u->sample_digest, 16);
    w.n += 16;
    put_le(&w, u->sample_count, 4);
    for (size_t i = 0; i < u->n_tensors; i++) put_tensor(&w, &u->t[i], u->encoding);
    put_le(&w, yuma_crc32(0, w.p, w.n), 4);
    *out = w.p;
    *len = w.n;
    return YUMA_UPDATE_OK;
}

/* ---- reading ---------------------------------------------------------- */

#define NEED(call) \
    do { \
        if (!(call)) return YUMA_UPDATE_ERR_TRUNCATED; \
    } while (0)

/* The tensor at position i must be model tensor i: say how it is not. */
static yuma_update_status check_id(const yuma_tensor_list *m, size_t i, uint64_t id)
{
    if (id == m->tensors[i].id) return YUMA_UPDATE_OK;
    for (size_t j = 0; j < m->n; j++)
        if (m->tensors[j].id == id) return j > i ? YUMA_UPDATE_ERR_MISSING_TENSOR : YUMA_UPDATE_ERR_DUPLICATE_TENSOR;
    return YUMA_UPDATE_ERR_UNKNOWN_TENSOR;
}

static yuma_update_status read_geometry(le_reader *r, const yuma_tensor_desc *d, const yuma_sparse_tensor *t)
{
    uint64_t v;
    NEED(le_get(r, 1, &v));
    if (v != d->ndims) return YUMA_UPDATE_ERR_SHAPE;
    for (uint32_t k = 0; k < d->ndims; k++) {
        NEED(le_get(r, 4, &v));
        if (v != d->shape[k]) return YUMA_UPDATE_ERR_SHAPE;
    }
    for (uint32_t k = 0; k < d->ndims; k++) {
        NEED(le_get(r, 2, &v));
        if (v != t->geom.tile[k]) return YUMA_UPDATE_ERR_TILE;
    }
    NEED(le_get(r, 2, &v));
    if (v != t->geom.k) return YUMA_UPDATE_ERR_K;
    return YUMA_UPDATE_OK;
}

static yuma_update_status read_quant(le_reader *r, yuma_sparse_tensor *t)
{
    NEED(le_get_f32(r, &t->shift));
    if (!isfinite(t->shift)) return YUMA_UPDATE_ERR_SHIFT;
    NEED(le_get_f32(r, &t->scale));
    double s = fabs((double)t->scale);
    if (!(isfinite(s) && s > YUMA_UPDATE_SCALE_MIN && s < YUMA_UPDATE_SCALE_MAX)) return YUMA_UPDATE_ERR_SCALE;
    for (uint32_t b = 0; b < t->n_bins; b++) {
        NEED(le_get_f32(r, &t->lut[b]));
        if (!isfinite(t->lut[b])) return YUMA_UPDATE_ERR_LUT;
    }
    return YUMA_UPDATE_OK;
}

/* Indices come in pairs and k is even, so a pair never straddles tiles. */
static yuma_update_status read_indices(le_reader *r, yuma_sparse_tensor *t)
{
    const yuma_tile_geom *g = &t->geom;
    uint64_t seen[YUMA_TILE_MAX_VALUES / 64];
    for (uint32_t j = 0; j < t->count; j += 2) {
        if (j % g->k == 0) memset(seen, 0, sizeof seen);
        uint64_t v;
        NEED(le_get(r, 3, &v));
        uint16_t pair[2] = {(uint16_t)(v & 0xFFFu), (uint16_t)(v >> 12)};
        for (int q = 0; q < 2; q++) {
            uint16_t idx = pair[q];
            if (idx >= g->tile_size) return YUMA_UPDATE_ERR_INDEX_RANGE;
            if (seen[idx / 64] >> (idx % 64) & 1u) return YUMA_UPDATE_ERR_DUPLICATE_INDEX;
            seen[idx / 64] |= (uint64_t)1 << (idx % 64);
            t->idx[j + (uint32_t)q] = idx;
        }
    }
    return YUMA_UPDATE_OK;
}

static yuma_update_status read_values(le_reader *r, yuma_sparse_tensor *t, yuma_value_encoding e)
{
    uint64_t v;
    if (e == YUMA_VALUES_FP32) {
        for (uint32_t j = 0; j < t->count; j++) {
            NEED(le_get_f32(r, &t->val[j]));
            if (!isfinite(t->val[j])) return YUMA_UPDATE_ERR_VALUE;
        }
        return YUMA_UPDATE_OK;
    }
    if (e == YUMA_VALUES_PACKED2) {
        for (uint32_t j = 0; j < t->count; j += 4) {
            NEED(le_get(r, 1, &v));
            uint32_t used = t->count - j < 4 ? t->count - j : 4;
            if (used < 4 && (v >> (2 * used)) != 0) return YUMA_UPDATE_ERR_PADDING;
            for (uint32_t q = 0; q < used; q++) t->code[j + q] = (uint8_t)(v >> (2 * q) & 3u);
        }
    } else {
        for (uint32_t j = 0; j < t->count; j++) {
            NEED(le_get(r, 1, &v));
            if (e == YUMA_VALUES_STORED && v > 3) return YUMA_UPDATE_ERR_CODE;
            t->code[j] = (uint8_t)v;
        }
    }
    for (uint32_t j = 0; j < t->count; j++) t->val[j] = yuma_dequantize(t, t->code[j]);
    return YUMA_UPDATE_OK;
}

static yuma_update_status read_tensor(le_reader *r, const yuma_tensor_list *m, size_t i, yuma_sparse_tensor *t,
                                      yuma_value_encoding e)
{
    uint64_t id;
    NEED(le_get(r, 4, &id));
    yuma_update_status st = check_id(m, i, id);
    if (st == YUMA_UPDATE_OK) st = read_geometry(r, &m->tensors[i], t);
    if (st == YUMA_UPDATE_OK && e != YUMA_VALUES_FP32) st = read_quant(r, t);
    if (st == YUMA_UPDATE_OK) st = read_indices(r, t);
    if (st == YUMA_UPDATE_OK) st = read_values(r, t, e);
    return st;
}

static yuma_update_status read_header(le_reader *r, const yuma_update_expect *ex, yuma_sparse_update *h)
{
    uint64_t v;
    if (r->len < 4) return YUMA_UPDATE_ERR_TRUNCATED;
    if (memcmp(r->p, YUMA_UPDATE_MAGIC, 4) != 0) return YUMA_UPDATE_ERR_MAGIC;
    r->pos = 4;
    NEED(le_get(r, 2, &v));
    if (v != (uint64_t)yuma_train_format_version()) return YUMA_UPDATE_ERR_VERSION;
    NEED(le_get(r, 1, &v));
    if (!known_encoding((int)v) || (ex->encoding && v != (uint64_t)ex->encoding)) return YUMA_UPDATE_ERR_ENCODING;
    h->encoding = (yuma_value_encoding)v;
    NEED(le_get(r, 8, &h->window));
    if (ex->check_window && h->window != ex->window) return YUMA_UPDATE_ERR_WINDOW;
    NEED(le_get(r, 2, &v));
    h->uid = (uint16_t)v;
    if (ex->check_uid && h->uid != ex->uid) return YUMA_UPDATE_ERR_UID;
    NEED(le_get(r, 4, &v));
    if (v != ex->model->n) return YUMA_UPDATE_ERR_TENSOR_COUNT;
    NEED(r->len - r->pos >= 16);
    memcpy(h->sample_digest, r->p + r->pos, 16);
    r->pos += 16;
    NEED(le_get(r, 4, &v));
    h->sample_count = (uint32_t)v;
    return YUMA_UPDATE_OK;
}

static yuma_update_status decode(le_reader *r, const yuma_update_expect *ex, yuma_sparse_update *out)
{
    yuma_sparse_update h = {0};
    yuma_update_status st = read_header(r, ex, &h);
    if (st != YUMA_UPDATE_OK) return st;
    yuma_compress_status cs = yuma_sparse_update_alloc(ex->model, ex->chunk, ex->topk, h.encoding, out);
    if (cs != YUMA_COMPRESS_OK) return cs == YUMA_COMPRESS_ERR_NOMEM ? YUMA_UPDATE_ERR_NOMEM : YUMA_UPDATE_ERR_MODEL;
    out->window = h.window;
    out->uid = h.uid;
    memcpy(out->sample_digest, h.sample_digest, 16);
    out->sample_count = h.sample_count;
    for (size_t i = 0; i < out->n_tensors && st == YUMA_UPDATE_OK; i++)
        st = read_tensor(r, ex->model, i, &out->t[i], h.encoding);
    if (st != YUMA_UPDATE_OK) return st;
    size_t left = r->len - r->pos;
    if (left < YUMA_UPDATE_TRAILER_BYTES) return YUMA_UPDATE_ERR_TRUNCATED;
    if (left > YUMA_UPDATE_TRAILER_BYTES) return YUMA_UPDATE_ERR_TRAILING;
    uint64_t crc;
    le_get(r, 4, &crc);
    if (yuma_crc32(0, r->p, r->len - YUMA_UPDATE_TRAILER_BYTES) != (uint32_t)crc) return YUMA_UPDATE_ERR_CRC;
    return YUMA_UPDATE_OK;
}

yuma_update_status yuma_update_decode(const uint8_t *data, size_t len, const yuma_update_expect *ex,
                                      yuma_sparse_update *out)
{
    if (!out) return YUMA_UPDATE_ERR_ARG;
    memset(out, 0, sizeof *out);
    if ((!data && len) || !ex || !ex->model) return YUMA_UPDATE_ERR_ARG;
    if (ex->encoding && !known_encoding(ex->encoding)) return YUMA_UPDATE_ERR_MODEL;
    if (yuma_tensor_list_check(ex->model, ex->chunk, ex->topk) != YUMA_COMPRESS_OK) return YUMA_UPDATE_ERR_MODEL;
    le_reader r = {data, len, 0};
    yuma_update_status st = decode(&r, ex, out);
    if (st != YUMA_UPDATE_OK) yuma_sparse_update_free(out);
    return st;
}
