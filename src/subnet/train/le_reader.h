/*
 * le_reader.h - the bounds-checked little-endian reader of the training
 * subnet's binary files (update_format.c: updates; sim_files.c: debug,
 * checkpoint and aggregator files) and the float <-> bits conversions
 * their writers share. Inline: the update decoder reads every index and
 * value through it.
 */
#ifndef YUMA_LE_READER_H
#define YUMA_LE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t len, pos;
} le_reader;

/* The next `bytes` (1..8) bytes as an unsigned integer; false, reading
 * nothing, when fewer are left. */
static inline bool le_get(le_reader *r, int bytes, uint64_t *v)
{
    if (r->len - r->pos < (size_t)bytes) return false;
    uint64_t x = 0;
    for (int i = 0; i < bytes; i++) x |= (uint64_t)r->p[r->pos + i] << (8 * i);
    r->pos += (size_t)bytes;
    *v = x;
    return true;
}

static inline uint32_t le_f32_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    return bits;
}

/* The next 4 bytes as an IEEE-754 single, bit for bit. */
static inline bool le_get_f32(le_reader *r, float *f)
{
    uint64_t bits;
    if (!le_get(r, 4, &bits)) return false;
    uint32_t b32 = (uint32_t)bits;
    memcpy(f, &b32, 4);
    return true;
}

#endif
