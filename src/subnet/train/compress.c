/*
 * compress.c - error feedback, tiling, top-k per tile and quantization of
 * a miner's pseudo-gradient (include/yuma/compress.h; training-subnet spec
 * §3.4 and §7.5).
 *
 * The compressor works on a private copy of the error buffer and commits
 * it only when every tensor has been encoded, so a failure (bad input, a
 * non-finite result, no memory) leaves the caller's buffer untouched.
 */
#include "yuma/compress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tensors are limited so that n_tiles * k and every position fit easily. */
#define MAX_TENSOR_VALUES ((size_t)1 << 31)

const char *yuma_compress_strerror(yuma_compress_status s)
{
    switch (s) {
    case YUMA_COMPRESS_OK: return "ok";
    case YUMA_COMPRESS_ERR_ARG: return "missing argument (NULL pointer)";
    case YUMA_COMPRESS_ERR_NOMEM: return "out of memory";
    case YUMA_COMPRESS_ERR_PARAMS:
        return "invalid compression parameters (beta, alpha and range must be finite, range > 0, "
               "chunk 1..64, top-k >= 2, a known value encoding)";
    case YUMA_COMPRESS_ERR_TENSOR_LIST:
        return "invalid tensor list (empty, ndims not 1 or 2, a zero dimension, a tensor over 2^31 values, "
               "a duplicate id, or an update that does not match the list)";
    case YUMA_COMPRESS_ERR_LAYOUT: return "tensor outside the parameter buffer or overlapping another tensor";
    case YUMA_COMPRESS_ERR_UNTILEABLE:
        return "tensor cannot be tiled: a tile would hold fewer than 2 values (pad dimensions to multiples of 64)";
    case YUMA_COMPRESS_ERR_NONFINITE: return "pseudo-gradient or error-feedback buffer is not finite";
    }
    return "unknown compression status";
}

yuma_compress_params yuma_compress_defaults(void)
{
    return (yuma_compress_params){.ef_beta = 0.95f,
                                  .ef_alpha = 1.0f,
                                  .chunk = 64,
                                  .topk = 64,
                                  .range_sigmas = 6.0,
                                  .encoding = YUMA_VALUES_STORED};
}

static bool encoding_known(yuma_value_encoding e)
{
    return e == YUMA_VALUES_STORED || e == YUMA_VALUES_PACKED2 || e == YUMA_VALUES_Q8 || e == YUMA_VALUES_FP32;
}

static uint32_t bins_of(yuma_value_encoding e)
{
    return e == YUMA_VALUES_Q8 ? 256u : e == YUMA_VALUES_FP32 ? 0u : 4u;
}

static bool params_valid(const yuma_compress_params *p)
{
    return isfinite(p->ef_beta) && isfinite(p->ef_alpha) && isfinite(p->range_sigmas) && p->range_sigmas > 0 &&
           p->chunk >= 1 && p->chunk <= YUMA_TILE_MAX_SIDE && p->topk >= 2 && encoding_known(p->encoding);
}

uint32_t yuma_chunk_size(uint32_t n, uint32_t chunk)
{
    uint32_t c = n < chunk ? n : chunk;
    while (c > 1 && n % c != 0) c--;
    return c == 0 ? 1 : c;
}

yuma_compress_status yuma_tile_geometry(const yuma_tensor_desc *t, uint32_t chunk, uint32_t topk, yuma_tile_geom *g)
{
    if (!t || !g) return YUMA_COMPRESS_ERR_ARG;
    if (chunk < 1 || chunk > YUMA_TILE_MAX_SIDE || topk < 2) return YUMA_COMPRESS_ERR_PARAMS;
    if (t->ndims != 1 && t->ndims != 2) return YUMA_COMPRESS_ERR_TENSOR_LIST;
    uint32_t rows = t->shape[0], cols = t->ndims == 2 ? t->shape[1] : 1;
    if (rows == 0 || cols == 0) return YUMA_COMPRESS_ERR_TENSOR_LIST;
    size_t numel = (size_t)rows * cols;
    if (numel > MAX_TENSOR_VALUES) return YUMA_COMPRESS_ERR_TENSOR_LIST;
    yuma_tile_geom r = {0};
    r.tile[0] = yuma_chunk_size(rows, chunk);
    r.tile[1] = t->ndims == 2 ? yuma_chunk_size(cols, chunk) : 1;
    r.grid[0] = rows / r.tile[0];
    r.grid[1] = cols / r.tile[1];
    r.tile_size = r.tile[0] * r.tile[1];
    if (r.tile_size < 2) return YUMA_COMPRESS_ERR_UNTILEABLE;
    r.n_tiles = r.grid[0] * r.grid[1];
    r.k = topk < r.tile_size ? topk : r.tile_size;
    r.k &= ~1u; /* forced even, so indices pack in pairs; >= 2 since both bounds are */
    r.numel = numel;
    *g = r;
    return YUMA_COMPRESS_OK;
}

yuma_compress_status yuma_tensor_list_check(const yuma_tensor_list *tl, uint32_t chunk, uint32_t topk)
{
    if (!tl || (tl->n > 0 && !tl->tensors)) return YUMA_COMPRESS_ERR_ARG;
    if (tl->n == 0) return YUMA_COMPRESS_ERR_TENSOR_LIST;
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_tensor_desc *t = &tl->tensors[i];
        yuma_tile_geom g;
        yuma_compress_status st = yuma_tile_geometry(t, chunk, topk, &g);
        if (st != YUMA_COMPRESS_OK) return st;
        if (t->offset > tl->total || g.numel > tl->total - t->offset) return YUMA_COMPRESS_ERR_LAYOUT;
        /* Lists are short (tens of tensors): a pairwise check needs no memory. */
        for (size_t j = 0; j < i; j++) {
            const yuma_tensor_desc *u = &tl->tensors[j];
            if (u->id == t->id) return YUMA_COMPRESS_ERR_TENSOR_LIST;
            size_t un = (size_t)u->shape[0] * (u->ndims == 2 ? u->shape[1] : 1);
            if (t->offset < u->offset + un && u->offset < t->offset + g.numel) return YUMA_COMPRESS_ERR_LAYOUT;
        }
    }
    return YUMA_COMPRESS_OK;
}

size_t yuma_tile_position(const yuma_tile_geom *g, uint32_t tile, uint32_t idx)
{
    size_t ti = tile / g->grid[1], tj = tile % g->grid[1];
    size_t r = idx / g->tile[1], c = idx % g->tile[1];
    size_t cols = (size_t)g->grid[1] * g->tile[1];
    return (ti * g->tile[0] + r) * cols + tj * g->tile[1] + c;
}

float yuma_dequantize(const yuma_sparse_tensor *t, uint8_t code)
{
    return t->lut[code] + t->shift;
}

void yuma_sparse_update_free(yuma_sparse_update *u)
{
    if (!u) return;
    free(u->t);
    free(u->block_);
    memset(u, 0, sizeof *u);
}

yuma_compress_status yuma_sparse_update_alloc(const yuma_tensor_list *tl, uint32_t chunk, uint32_t topk,
                                              yuma_value_encoding enc, yuma_sparse_update *out)
{
    if (!out) return YUMA_COMPRESS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!encoding_known(enc)) return YUMA_COMPRESS_ERR_PARAMS;
    yuma_compress_status st = yuma_tensor_list_check(tl, chunk, topk);
    if (st != YUMA_COMPRESS_OK) return st;
    yuma_sparse_tensor *t = calloc(tl->n, sizeof *t);
    if (!t) return YUMA_COMPRESS_ERR_NOMEM;
    size_t total = 0;
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_tensor_desc *d = &tl->tensors[i];
        yuma_tile_geometry(d, chunk, topk, &t[i].geom); /* checked above */
        t[i].id = d->id;
        t[i].ndims = d->ndims;
        t[i].shape[0] = d->shape[0];
        t[i].shape[1] = d->ndims == 2 ? d->shape[1] : 1;
        t[i].n_bins = bins_of(enc);
        t[i].count = t[i].geom.n_tiles * t[i].geom.k;
        total += t[i].count;
    }
    /* One block: floats first (alignment), then indices, then codes. */
    size_t code_bytes = enc == YUMA_VALUES_FP32 ? 0 : total;
    uint8_t *block = calloc(1, total * (sizeof(float) + sizeof(uint16_t)) + code_bytes + 1);
    if (!block) {
        free(t);
        return YUMA_COMPRESS_ERR_NOMEM;
    }
    float *val = (float *)block;
    uint16_t *idx = (uint16_t *)(block + total * sizeof(float));
    uint8_t *code = block + total * (sizeof(float) + sizeof(uint16_t));
    for (size_t i = 0; i < tl->n; i++) {
        t[i].val = val;
        t[i].idx = idx;
        t[i].code = enc == YUMA_VALUES_FP32 ? NULL : code;
        val += t[i].count;
        idx += t[i].count;
        code += enc == YUMA_VALUES_FP32 ? 0 : t[i].count;
    }
    out->encoding = enc;
    out->n_tensors = tl->n;
    out->t = t;
    out->block_ = block;
    return YUMA_COMPRESS_OK;
}

bool yuma_sparse_update_matches(const yuma_sparse_update *u, const yuma_tensor_list *tl)
{
    if (!u || !tl || u->n_tensors != tl->n || !u->t) return false;
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_sparse_tensor *t = &u->t[i];
        const yuma_tensor_desc *d = &tl->tensors[i];
        uint32_t cols = d->ndims == 2 ? d->shape[1] : 1;
        if (t->id != d->id || t->ndims != d->ndims || t->shape[0] != d->shape[0] || t->shape[1] != cols)
            return false;
        const yuma_tile_geom *g = &t->geom;
        if ((size_t)g->tile[0] * g->grid[0] != d->shape[0] || (size_t)g->tile[1] * g->grid[1] != cols ||
            t->count != g->n_tiles * g->k || g->k > g->tile_size)
            return false;
        for (uint32_t j = 0; j < t->count; j++)
            if (t->idx[j] >= g->tile_size) return false;
    }
    return true;
}

yuma_compress_status yuma_sparse_to_dense(const yuma_sparse_update *u, const yuma_tensor_list *tl, float *out)
{
    if (!u || !tl || !out) return YUMA_COMPRESS_ERR_ARG;
    if (!yuma_sparse_update_matches(u, tl)) return YUMA_COMPRESS_ERR_TENSOR_LIST;
    memset(out, 0, tl->total * sizeof *out);
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_sparse_tensor *t = &u->t[i];
        float *dst = out + tl->tensors[i].offset;
        for (uint32_t j = 0; j < t->count; j++)
            dst[yuma_tile_position(&t->geom, j / t->geom.k, t->idx[j])] = t->val[j];
    }
    return YUMA_COMPRESS_OK;
}

/* ---- top-k of one tile ---------------------------------------------- */

/* a is a worse pick than b: smaller magnitude, or equal and a later index. */
static bool worse(const float *mag, uint16_t a, uint16_t b)
{
    return mag[a] < mag[b] || (mag[a] == mag[b] && a > b);
}

static void sift_down(uint16_t *heap, uint32_t n, uint32_t i, const float *mag)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(mag, heap[l], heap[m])) m = l;
        if (r < n && worse(mag, heap[r], heap[m])) m = r;
        if (m == i) return;
        uint16_t tmp = heap[i];
        heap[i] = heap[m];
        heap[m] = tmp;
        i = m;
    }
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The k indices of largest magnitude, ties to the lower index, written in
 * ascending order. A min-heap (worst on top) of the best k seen so far:
 * scanning in index order, a later equal magnitude never displaces. */
static void select_topk(const float *mag, uint32_t n, uint32_t k, uint16_t *out)
{
    if (k >= n) {
        for (uint32_t i = 0; i < n; i++) out[i] = (uint16_t)i;
        return;
    }
    for (uint32_t i = 0; i < k; i++) out[i] = (uint16_t)i;
    for (uint32_t i = k / 2; i-- > 0;) sift_down(out, k, i, mag);
    for (uint32_t i = k; i < n; i++)
        if (mag[i] > mag[out[0]]) {
            out[0] = (uint16_t)i;
            sift_down(out, k, 0, mag);
        }
    qsort(out, k, sizeof *out, cmp_u16);
}

/* ---- quantization --------------------------------------------------- */

/* Quantizes t->val (the raw kept values) in place: codes, shift, scale and
 * LUT, then val[] becomes what a receiver decodes. */
static void quantize(yuma_sparse_tensor *t, double range_sigmas)
{
    uint32_t n = t->count, bins = t->n_bins;
    double sum = 0;
    for (uint32_t j = 0; j < n; j++) sum += t->val[j];
    t->shift = (float)(sum / n);
    double ss = 0;
    for (uint32_t j = 0; j < n; j++) {
        double c = (double)t->val[j] - t->shift;
        ss += c * c;
    }
    double sigma = sqrt(ss / (n - 1)); /* n = n_tiles * k >= 2 */
    t->scale = (float)(range_sigmas * sigma / bins);
    double bin_sum[YUMA_QUANT_MAX_BINS] = {0};
    uint32_t bin_n[YUMA_QUANT_MAX_BINS] = {0};
    for (uint32_t j = 0; j < n; j++) {
        double c = (double)t->val[j] - t->shift;
        long q = bins / 2;
        if (t->scale > 0 && isfinite(t->scale)) {
            double x = floor(c / t->scale + bins / 2 + 0.5);
            q = x < 0 ? 0 : x > bins - 1 ? (long)bins - 1 : (long)x;
        }
        t->code[j] = (uint8_t)q;
        bin_sum[q] += c;
        bin_n[q]++;
    }
    for (uint32_t q = 0; q < bins; q++)
        t->lut[q] = bin_n[q] ? (float)(bin_sum[q] / bin_n[q]) : (float)(((double)q - bins / 2) * t->scale);
    for (uint32_t j = 0; j < n; j++) t->val[j] = yuma_dequantize(t, t->code[j]);
}

/* ---- the compressor -------------------------------------------------- */

static bool region_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

/* Top-k of every tile of one tensor of e, kept values raw into t->val. */
static void select_tensor(const float *e, yuma_sparse_tensor *t)
{
    const yuma_tile_geom *g = &t->geom;
    float mag[YUMA_TILE_MAX_VALUES], raw[YUMA_TILE_MAX_VALUES];
    size_t cols = (size_t)g->grid[1] * g->tile[1];
    for (uint32_t tile = 0; tile < g->n_tiles; tile++) {
        /* copy the tile row by row (yuma_tile_position's layout) */
        const float *corner = e + yuma_tile_position(g, tile, 0);
        for (uint32_t r = 0; r < g->tile[0]; r++)
            memcpy(raw + r * g->tile[1], corner + r * cols, g->tile[1] * sizeof *raw);
        for (uint32_t i = 0; i < g->tile_size; i++) mag[i] = fabsf(raw[i]);
        uint16_t *idx = t->idx + (size_t)tile * g->k;
        select_topk(mag, g->tile_size, g->k, idx);
        for (uint32_t j = 0; j < g->k; j++) t->val[(size_t)tile * g->k + j] = raw[idx[j]];
    }
}

yuma_compress_status yuma_compress(const yuma_tensor_list *tl, const yuma_compress_params *p, const float *delta,
                                   float *ef, uint64_t window, uint16_t uid, const uint8_t sample_digest[16],
                                   uint32_t sample_count, yuma_sparse_update *out)
{
    if (!out) return YUMA_COMPRESS_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!tl || !p || !delta || !ef || !sample_digest) return YUMA_COMPRESS_ERR_ARG;
    if (!params_valid(p)) return YUMA_COMPRESS_ERR_PARAMS;
    yuma_compress_status st = yuma_tensor_list_check(tl, p->chunk, p->topk);
    if (st != YUMA_COMPRESS_OK) return st;
    for (size_t i = 0; i < tl->n; i++) {
        const yuma_tensor_desc *d = &tl->tensors[i];
        size_t n = (size_t)d->shape[0] * (d->ndims == 2 ? d->shape[1] : 1);
        if (!region_finite(delta + d->offset, n) || !region_finite(ef + d->offset, n))
            return YUMA_COMPRESS_ERR_NONFINITE;
    }
    float *e = malloc((tl->total ? tl->total : 1) * sizeof *e);
    if (!e) return YUMA_COMPRESS_ERR_NOMEM;
    memcpy(e, ef, tl->total * sizeof *e);
    st = yuma_sparse_update_alloc(tl, p->chunk, p->topk, p->encoding, out);
    for (size_t i = 0; i < tl->n && st == YUMA_COMPRESS_OK; i++) {
        const yuma_tensor_desc *d = &tl->tensors[i];
        yuma_sparse_tensor *t = &out->t[i];
        float *et = e + d->offset;
        const float *dt = delta + d->offset;
        for (size_t j = 0; j < t->geom.numel; j++) et[j] = p->ef_beta * et[j] + p->ef_alpha * dt[j];
        if (!region_finite(et, t->geom.numel)) st = YUMA_COMPRESS_ERR_NONFINITE;
        if (st != YUMA_COMPRESS_OK) break;
        select_tensor(et, t);
        if (p->encoding != YUMA_VALUES_FP32) quantize(t, p->range_sigmas);
        for (uint32_t j = 0; j < t->count; j++) {
            size_t pos = yuma_tile_position(&t->geom, j / t->geom.k, t->idx[j]);
            et[pos] -= t->val[j];
            if (!isfinite(et[pos])) st = YUMA_COMPRESS_ERR_NONFINITE;
        }
    }
    if (st != YUMA_COMPRESS_OK) {
        free(e);
        yuma_sparse_update_free(out);
        return st;
    }
    memcpy(ef, e, tl->total * sizeof *e);
    free(e);
    out->window = window;
    out->uid = uid;
    memcpy(out->sample_digest, sample_digest, 16);
    out->sample_count = sample_count;
    return YUMA_COMPRESS_OK;
}
