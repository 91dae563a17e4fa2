/*
 * update.h - the binary file a miner uploads each window (training-subnet
 * spec §7.5 "Gradient file format"), its decoder's checks (§3.5, §7.5) and
 * the CRC-32 that closes it.
 *
 * Layout, little-endian, no padding:
 *
 *   header   magic "YUPD" (4 bytes), version u16 (yuma_train_format_version),
 *            value encoding u8 (yuma_value_encoding), window u64, uid u16,
 *            n_tensors u32, sample digest (16 bytes), sample_count u32
 *   tensor   id u32, ndims u8, shape u32[ndims], tile dims u16[ndims], k u16,
 *            then unless FP32: shift f32, scale f32, LUT f32[bins]
 *            (4 bins: STORED and PACKED2; 256 bins: Q8),
 *            indices: n_tiles*k 12-bit tile-local indices, two per 3 bytes
 *            (a | b << 12 as 24 bits, little-endian),
 *            values: STORED and Q8 one code byte each; PACKED2 four 2-bit
 *            codes per byte, value j in bits 2*(j%4), unused high bits 0;
 *            FP32 one f32 each
 *   trailer  CRC-32 (IEEE 802.3, the zlib/PNG one) of every byte before it
 *
 * Tensors appear in the order of the model's tensor list. The decoder
 * checks the file against that list (the "expected model"); it refuses,
 * with a distinct status each, every malformed input named by the spec.
 * Checks run in file order, so the first problem found is the one named;
 * the CRC is checked once the structure has been read in full.
 */
#ifndef YUMA_UPDATE_H
#define YUMA_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "yuma/compress.h"

#define YUMA_UPDATE_MAGIC "YUPD"
#define YUMA_UPDATE_HEADER_BYTES 41u
#define YUMA_UPDATE_TRAILER_BYTES 4u
#define YUMA_UPDATE_SCALE_MIN 1e-12         /* |scale| must lie strictly between these */
#define YUMA_UPDATE_SCALE_MAX 1e4

typedef enum {
    YUMA_UPDATE_OK = 0,
    YUMA_UPDATE_ERR_ARG,                /* a NULL pointer */
    YUMA_UPDATE_ERR_NOMEM,
    YUMA_UPDATE_ERR_MODEL,              /* the expected model (tensor list, chunk, top-k) is itself invalid */
    YUMA_UPDATE_ERR_TRUNCATED,          /* input ends inside a field or before the CRC */
    YUMA_UPDATE_ERR_TRAILING,           /* bytes after the CRC */
    YUMA_UPDATE_ERR_MAGIC,
    YUMA_UPDATE_ERR_VERSION,
    YUMA_UPDATE_ERR_ENCODING,           /* unknown value encoding, or not the one required */
    YUMA_UPDATE_ERR_WINDOW,             /* header window is not the expected one */
    YUMA_UPDATE_ERR_UID,                /* header uid is not the expected one */
    YUMA_UPDATE_ERR_TENSOR_COUNT,       /* n_tensors differs from the model's */
    YUMA_UPDATE_ERR_MISSING_TENSOR,     /* a model tensor is absent (a later one comes in its place) */
    YUMA_UPDATE_ERR_UNKNOWN_TENSOR,     /* a tensor id the model does not have */
    YUMA_UPDATE_ERR_DUPLICATE_TENSOR,   /* a tensor id that already came */
    YUMA_UPDATE_ERR_SHAPE,              /* ndims or shape differ from the model's tensor */
    YUMA_UPDATE_ERR_TILE,               /* tile dims are not the model's c(n) */
    YUMA_UPDATE_ERR_K,                  /* values per tile differ from the model's k */
    YUMA_UPDATE_ERR_SHIFT,              /* non-finite shift */
    YUMA_UPDATE_ERR_SCALE,              /* |scale| not in (1e-12, 1e4), or not finite */
    YUMA_UPDATE_ERR_LUT,                /* a non-finite lookup-table entry */
    YUMA_UPDATE_ERR_INDEX_RANGE,        /* an index >= the tile's size */
    YUMA_UPDATE_ERR_DUPLICATE_INDEX,    /* an index twice in one tile */
    YUMA_UPDATE_ERR_CODE,               /* a stored 4-level code above 3 */
    YUMA_UPDATE_ERR_VALUE,              /* a non-finite FP32 value */
    YUMA_UPDATE_ERR_PADDING,            /* nonzero unused bits in the last PACKED2 byte */
    YUMA_UPDATE_ERR_CRC,                /* checksum mismatch */
    YUMA_UPDATE_ERR_UPDATE,             /* encode: the update does not match its own geometry */
} yuma_update_status;

/* A fixed English message for every status (never NULL). */
const char *yuma_update_strerror(yuma_update_status s);

/* What a decoder checks a file against. */
typedef struct {
    const yuma_tensor_list *model;
    uint32_t chunk;                     /* 64 */
    uint32_t topk;                      /* 64 */
    yuma_value_encoding encoding;       /* 0: accept any known encoding */
    int check_window;                   /* nonzero: header window must equal window */
    uint64_t window;
    int check_uid;                      /* nonzero: header uid must equal uid */
    uint16_t uid;
} yuma_update_expect;

/* Byte counts of an update's encoding (§7.9's payload figures). */
typedef struct {
    size_t kept_2d, kept_1d;            /* values kept in 2-D and 1-D tensors */
    size_t index_bytes;                 /* packed 12-bit indices */
    size_t value_bytes;                 /* codes or floats */
    size_t quant_bytes;                 /* shift, scale and LUT of every tensor */
    size_t tensor_header_bytes;         /* id, ndims, shape, tile dims, k */
    size_t total_bytes;                 /* the whole file, header and CRC included */
} yuma_update_size;

/* CRC-32 (reflected polynomial 0xEDB88320, initial and final xor
 * 0xFFFFFFFF): CRC("123456789") = 0xCBF43926. `crc` is a previous result
 * to continue from, 0 to start. */
uint32_t yuma_crc32(uint32_t crc, const void *data, size_t len);

/* The byte counts the encoding of u will have. */
yuma_update_status yuma_update_size_of(const yuma_sparse_update *u, yuma_update_size *out);

/* Encodes u into a malloc'd buffer (*out, *len); the caller frees it. On
 * error *out is NULL and *len 0. */
yuma_update_status yuma_update_encode(const yuma_sparse_update *u, uint8_t **out, size_t *len);

/* Decodes and checks a file against ex. On success *out owns the update
 * (free it with yuma_sparse_update_free); on error *out is zeroed. */
yuma_update_status yuma_update_decode(const uint8_t *data, size_t len, const yuma_update_expect *ex,
                                      yuma_sparse_update *out);

#endif
