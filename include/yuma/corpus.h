/*
 * corpus.h - the training subnet's data (training-subnet.md §7.4): a byte
 * corpus (the King James Bible extracted by scripts/get-corpus.sh) split
 * into a training part (the first 90 % of the bytes) and a held-out part
 * (the last 10 %); training samples and held-out windows of ctx + 1 bytes;
 * each miner's deterministic pool of samples for a window, and the receipt
 * that names the pool.
 *
 *   sample i         = train bytes [i ctx, i ctx + ctx + 1)   (neighbours share one byte)
 *   held-out window j = held-out bytes [j (ctx + 1), (j + 1)(ctx + 1)), j < 256
 *   seed(uid, w)     = (uid * 1,000,003 XOR w) mod 2^32, expanded by SplitMix64 into xoshiro256**
 *   pool(uid, w)     = count distinct sample ids by Floyd's algorithm, in the order drawn,
 *                      which is the order the miner trains on them (Floyd's order is a
 *                      uniformly random set but not a uniformly random permutation: where
 *                      draws collide the later ids run high; with count << samples, as in
 *                      the subnet's pools, that is rare)
 *   receipt          = BLAKE2b-128 of the pool's ids sorted ascending, as little-endian u64
 *                      (what Templar's miners publish: blake2b, digest_size 16)
 */
#ifndef YUMA_CORPUS_H
#define YUMA_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/trainrng.h"

#define YUMA_CORPUS_EVAL_WINDOWS 256

typedef struct {
    uint8_t *data;     /* every byte of the corpus */
    size_t size;
    size_t train_size; /* floor(0.9 size): train = data[0, train_size), held-out = the rest */
} yuma_corpus;

/* Reads a whole file. false with a one-line message naming the file on a
 * missing, unreadable or empty file, or one under 20 bytes (too small to
 * split), and *out is left zeroed. */
bool yuma_corpus_load(const char *path, yuma_corpus *out, char *err, size_t errlen);
/* The same from memory (the bytes are copied). */
bool yuma_corpus_from_bytes(const uint8_t *bytes, size_t n, yuma_corpus *out, char *err, size_t errlen);
void yuma_corpus_free(yuma_corpus *c);

/* Training samples of ctx + 1 bytes: floor((train_size - 1) / ctx); 0 for ctx 0. */
uint64_t yuma_corpus_train_samples(const yuma_corpus *c, uint32_t ctx);
/* Sample i (ctx + 1 bytes), or NULL when i is out of range. */
const uint8_t *yuma_corpus_train_sample(const yuma_corpus *c, uint32_t ctx, uint64_t i);
/* Held-out windows: min(256, held-out bytes / (ctx + 1)). */
size_t yuma_corpus_heldout_windows(const yuma_corpus *c, uint32_t ctx);
/* Window j (ctx + 1 bytes), or NULL when j is out of range. */
const uint8_t *yuma_corpus_heldout_window(const yuma_corpus *c, uint32_t ctx, size_t j);

/* seed(uid, w) above. */
uint32_t yuma_pool_seed(uint32_t uid, uint64_t window);

/* Floyd's algorithm: count distinct values of [0, n) from r, in the order
 * drawn: for j = n - count, ..., n - 1, t = uniform [0, j]
 * (yuma_rng_below(r, j + 1)); the draw is t, or j when t was drawn before.
 * false (out untouched) when count > n or memory runs out. */
bool yuma_floyd_sample(yuma_rng *r, uint64_t n, uint64_t count, uint64_t *out);

/* pool(uid, w): Floyd over [0, n_samples) from the generator seeded with
 * yuma_pool_seed(uid, window). */
bool yuma_pool_draw(uint32_t uid, uint64_t window, uint64_t n_samples, uint64_t count, uint64_t *out);

/* The receipt of a set of sample ids (any order; ids are not modified).
 * false only when memory runs out. */
bool yuma_pool_receipt(const uint64_t *ids, size_t n, uint8_t out[16]);

#endif
