/*
 * compress.h - the training subnet's update compression (training-subnet
 * spec §3.4 and §7.5): error feedback, 64x64 tiles, top-k per tile and a
 * 4-level quantizer with a lookup table of bin means (plus 8-bit and
 * unquantized modes for ablations).
 *
 * The compressor knows nothing about the model. It works on a tensor list:
 * each tensor is a 1-D or 2-D (row-major) block of floats at an offset in
 * one contiguous parameter buffer. Whoever owns the model maps its
 * parameters onto such a list; every node must use the same list.
 *
 * Geometry (§3.4 step 2): each dimension n is cut into blocks of c(n), the
 * largest divisor of n that is at most `chunk` (64). A 2-D tensor a x b is
 * a grid of (a/c(a)) x (b/c(b)) tiles of c(a) x c(b) values; a 1-D tensor
 * is a row of tiles of c(n) values. Within a tile an index is row-major
 * (r * c(b) + col), below 4096, so it fits in 12 bits. Each tile keeps
 * k = min(topk, tile size) values, made even by dropping one if odd; with
 * 64-wide gains this sends 1-D tensors in full.
 *
 * Determinism: the selection breaks ties of |value| by the lower index,
 * statistics are accumulated in double in a fixed order, and the sender
 * and every receiver dequantize with the same function, so the error
 * feedback subtracts exactly what a receiver will add.
 */
#ifndef YUMA_COMPRESS_H
#define YUMA_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YUMA_TILE_MAX_SIDE 64u          /* largest chunk: 64 x 64 = 4096 indices fit 12 bits */
#define YUMA_TILE_MAX_VALUES 4096u
#define YUMA_QUANT_MAX_BINS 256u

/* One parameter tensor inside the model's flat float buffer. For a 1-D
 * tensor shape[1] is ignored (treat it as 1). Ids are unique in a list and
 * are what the update format names tensors by. */
typedef struct {
    uint32_t id;
    uint32_t ndims;                     /* 1 or 2 */
    uint32_t shape[2];                  /* rows, columns (2-D, row-major); length (1-D) */
    size_t offset;                      /* first float of the tensor in the buffer */
} yuma_tensor_desc;

typedef struct {
    const yuma_tensor_desc *tensors;
    size_t n;
    size_t total;                       /* floats in the parameter buffer */
} yuma_tensor_list;

/* A tensor's tiling for a given chunk and top-k. */
typedef struct {
    uint32_t tile[2];                   /* c(rows), c(cols); 1-D: c(n), 1 */
    uint32_t grid[2];                   /* tiles along each dimension; 1-D: n/c(n), 1 */
    uint32_t n_tiles;
    uint32_t tile_size;                 /* tile[0] * tile[1] */
    uint32_t k;                         /* values kept per tile */
    size_t numel;                       /* values in the tensor */
} yuma_tile_geom;

/* How the kept values travel (the update format names them the same way). */
typedef enum {
    YUMA_VALUES_STORED = 1,             /* 4 bins, one byte per value (Templar as stored) */
    YUMA_VALUES_PACKED2 = 2,            /* 4 bins, four 2-bit codes per byte */
    YUMA_VALUES_Q8 = 3,                 /* 256 bins, one byte per value (ablation) */
    YUMA_VALUES_FP32 = 4,               /* unquantized little-endian floats (ablation) */
} yuma_value_encoding;

typedef struct {
    float ef_beta;                      /* error-feedback decay, 0.95 */
    float ef_alpha;                     /* weight of the new pseudo-gradient, 1.0 */
    uint32_t chunk;                     /* target tile side, 64 (at most 64) */
    uint32_t topk;                      /* values kept per tile, 64 (at least 2) */
    double range_sigmas;                /* quantizer range in standard deviations, 6 */
    yuma_value_encoding encoding;
} yuma_compress_params;

/* One compressed tensor. Indices are tile-local, tile after tile, in
 * ascending order within a tile (the encoder's order; a decoder accepts
 * any order without duplicates). val[] holds what a receiver adds: the
 * dequantized value LUT[code] + shift, or the raw float in FP32 mode. */
typedef struct {
    uint32_t id;
    uint32_t ndims;
    uint32_t shape[2];
    yuma_tile_geom geom;
    float shift, scale;                 /* 0 and 0 in FP32 mode */
    uint32_t n_bins;                    /* 4, 256, or 0 (FP32) */
    float lut[YUMA_QUANT_MAX_BINS];     /* n_bins entries: mean of (v - shift) per bin */
    uint32_t count;                     /* n_tiles * k */
    uint16_t *idx;                      /* count tile-local indices */
    uint8_t *code;                      /* count bin codes (NULL in FP32 mode) */
    float *val;                         /* count values as received */
} yuma_sparse_tensor;

/* A whole update: the header fields of the binary format and one entry per
 * tensor of the list, in list order. Owns its memory. */
typedef struct {
    uint64_t window;
    uint16_t uid;
    uint8_t sample_digest[16];
    uint32_t sample_count;
    yuma_value_encoding encoding;
    size_t n_tensors;
    yuma_sparse_tensor *t;
    void *block_;                       /* the indices, codes and values (internal) */
} yuma_sparse_update;

typedef enum {
    YUMA_COMPRESS_OK = 0,
    YUMA_COMPRESS_ERR_ARG,              /* a NULL pointer */
    YUMA_COMPRESS_ERR_NOMEM,
    YUMA_COMPRESS_ERR_PARAMS,           /* non-finite beta/alpha/range, chunk not 1..64, topk < 2, bad encoding */
    YUMA_COMPRESS_ERR_TENSOR_LIST,      /* empty list, ndims not 1 or 2, a zero dimension, duplicate id */
    YUMA_COMPRESS_ERR_LAYOUT,           /* a tensor outside the buffer, or two tensors overlapping */
    YUMA_COMPRESS_ERR_UNTILEABLE,       /* a tile of fewer than 2 values (a prime dimension) */
    YUMA_COMPRESS_ERR_NONFINITE,        /* the pseudo-gradient or error buffer holds NaN or Inf */
} yuma_compress_status;

/* A fixed English message for every status (never NULL). */
const char *yuma_compress_strerror(yuma_compress_status s);

/* The spec's defaults: beta 0.95, alpha 1, chunk 64, top-k 64, 6 sigma,
 * 4 bins stored one per byte. */
yuma_compress_params yuma_compress_defaults(void);

/* c(n): the largest divisor of n that is at most chunk (n, chunk >= 1). */
uint32_t yuma_chunk_size(uint32_t n, uint32_t chunk);

/* The tiling of one tensor. Errors: TENSOR_LIST (bad ndims or a zero
 * dimension), PARAMS (chunk or topk out of range), UNTILEABLE. */
yuma_compress_status yuma_tile_geometry(const yuma_tensor_desc *t, uint32_t chunk, uint32_t topk,
                                        yuma_tile_geom *g);

/* Checks a tensor list for the given chunk and top-k: every tensor valid
 * and tileable, ids unique, tensors inside the buffer and disjoint. */
yuma_compress_status yuma_tensor_list_check(const yuma_tensor_list *tl, uint32_t chunk, uint32_t topk);

/* Position in the tensor (row-major flat index) of tile-local index `idx`
 * of tile `tile`. */
size_t yuma_tile_position(const yuma_tile_geom *g, uint32_t tile, uint32_t idx);

/* The value a receiver adds for a quantized code: lut[code] + shift, in
 * float, the one definition the encoder's error feedback also uses. */
float yuma_dequantize(const yuma_sparse_tensor *t, uint8_t code);

/*
 * One window's compression for one miner (§3.4 steps 1-7, §7.5 step 5):
 * e <- beta*e + alpha*delta; per tile keep the top-k of |e| (ties: lower
 * index); quantize the kept values of each tensor (shift = mean, sigma
 * with n-1, scale = range*sigma/bins, code = clamp(floor(c/scale + bins/2
 * + 1/2)), LUT = mean of c per bin, an empty bin holding its centre), or
 * keep them as floats; then e <- e - decoded at the kept positions.
 *
 * delta and ef are tl->total floats; positions outside every tensor are
 * left alone. window, uid, digest and sample_count are copied into the
 * header. A tensor whose kept values are all equal gets scale 0, which the
 * update format refuses (spec: an all-zero upload is invalid).
 *
 * On error nothing is changed (ef untouched, *out zeroed).
 */
yuma_compress_status yuma_compress(const yuma_tensor_list *tl, const yuma_compress_params *p, const float *delta,
                                   float *ef, uint64_t window, uint16_t uid, const uint8_t sample_digest[16],
                                   uint32_t sample_count, yuma_sparse_update *out);

/* Allocates an update's tensors and value arrays for the list's geometry
 * (used by the decoder; the arrays are zeroed). */
yuma_compress_status yuma_sparse_update_alloc(const yuma_tensor_list *tl, uint32_t chunk, uint32_t topk,
                                              yuma_value_encoding enc, yuma_sparse_update *out);

/* Frees what an update owns and zeroes it; NULL or zeroed is fine. */
void yuma_sparse_update_free(yuma_sparse_update *u);

/* Whether an update has exactly the list's tensors, in list order, with
 * the same ids and shapes, and every index inside its tile. */
bool yuma_sparse_update_matches(const yuma_sparse_update *u, const yuma_tensor_list *tl);

/* Writes the update as a dense pseudo-gradient: out (tl->total floats) is
 * zeroed, then each kept value is stored at its position. The update must
 * match the list (same tensors in the same order). */
yuma_compress_status yuma_sparse_to_dense(const yuma_sparse_update *u, const yuma_tensor_list *tl, float *out);

#endif
