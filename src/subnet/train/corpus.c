/*
 * corpus.c - the training subnet's corpus, its train / held-out split and
 * the per-(uid, window) sample pools with their receipts
 * (include/yuma/corpus.h, training-subnet.md §7.4).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/train_err.h"
#include "yuma/corpus.h"

#define MIN_CORPUS 20

static void split(yuma_corpus *c)
{
    /* floor(9 size / 10) without overflow */
    c->train_size = c->size / 10 * 9 + c->size % 10 * 9 / 10;
}

bool yuma_corpus_from_bytes(const uint8_t *bytes, size_t n, yuma_corpus *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n < MIN_CORPUS) return train_fail(err, errlen, "corpus has %zu bytes, needs at least %d", n, MIN_CORPUS);
    out->data = malloc(n);
    if (!out->data) return train_fail(err, errlen, "out of memory for a corpus of %zu bytes", n);
    memcpy(out->data, bytes, n);
    out->size = n;
    split(out);
    return true;
}

bool yuma_corpus_load(const char *path, yuma_corpus *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return train_fail(err, errlen, "cannot open corpus %s: %s", path, strerror(errno));
    size_t cap = 1 << 20, used = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (used == cap) {
            uint8_t *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) break;
    }
    bool read_error = ferror(f);
    int e = errno;
    fclose(f);
    if (!buf) return train_fail(err, errlen, "out of memory reading corpus %s", path);
    if (read_error) {
        free(buf);
        return train_fail(err, errlen, "cannot read corpus %s: %s", path, strerror(e ? e : EIO));
    }
    if (used < MIN_CORPUS) {
        free(buf);
        return train_fail(err, errlen, "corpus %s has %zu bytes, needs at least %d", path, used, MIN_CORPUS);
    }
    out->data = buf;
    out->size = used;
    split(out);
    return true;
}

void yuma_corpus_free(yuma_corpus *c)
{
    if (!c) return;
    free(c->data);
    memset(c, 0, sizeof *c);
}

uint64_t yuma_corpus_train_samples(const yuma_corpus *c, uint32_t ctx)
{
    if (ctx == 0 || c->train_size < 1) return 0;
    return (uint64_t)(c->train_size - 1) / ctx;
}

const uint8_t *yuma_corpus_train_sample(const yuma_corpus *c, uint32_t ctx, uint64_t i)
{
    if (i >= yuma_corpus_train_samples(c, ctx)) return NULL;
    return c->data + i * ctx;
}

size_t yuma_corpus_heldout_windows(const yuma_corpus *c, uint32_t ctx)
{
    if (ctx == 0) return 0;
    size_t n = (c->size - c->train_size) / ((size_t)ctx + 1);
    return n < YUMA_CORPUS_EVAL_WINDOWS ? n : YUMA_CORPUS_EVAL_WINDOWS;
}

const uint8_t *yuma_corpus_heldout_window(const yuma_corpus *c, uint32_t ctx, size_t j)
{
    if (j >= yuma_corpus_heldout_windows(c, ctx)) return NULL;
    return c->data + c->train_size + j * ((size_t)ctx + 1);
}

uint32_t yuma_pool_seed(uint32_t uid, uint64_t window)
{
    return (uint32_t)(((uint64_t)uid * 1000003u) ^ window);
}

/* Open addressing set of u64 (Floyd's membership test). */
typedef struct {
    uint64_t *slot;
    bool *used;
    uint64_t mask;
} idset;

static bool idset_init(idset *s, uint64_t count)
{
    uint64_t cap = 16;
    while (cap < 2 * count) cap *= 2;
    s->mask = cap - 1;
    s->slot = malloc(cap * sizeof(uint64_t));
    s->used = calloc(cap, sizeof(bool));
    return s->slot && s->used;
}

static void idset_free(idset *s)
{
    free(s->slot);
    free(s->used);
}

/* Inserts x; false when it was already there. */
static bool idset_insert(idset *s, uint64_t x)
{
    uint64_t h = (x * 0x9e3779b97f4a7c15ull) >> 17;
    for (uint64_t i = h & s->mask;; i = (i + 1) & s->mask) {
        if (!s->used[i]) {
            s->used[i] = true;
            s->slot[i] = x;
            return true;
        }
        if (s->slot[i] == x) return false;
    }
}

bool yuma_floyd_sample(yuma_rng *r, uint64_t n, uint64_t count, uint64_t *out)
{
    if (count > n) return false;
    if (count == 0) return true;
    if (count > SIZE_MAX / 4 / sizeof(uint64_t)) return false;
    idset s;
    if (!idset_init(&s, count)) {
        idset_free(&s);
        return false;
    }
    uint64_t k = 0;
    for (uint64_t j = n - count; j < n; j++) {
        uint64_t t = yuma_rng_below(r, j + 1);
        if (idset_insert(&s, t)) {
            out[k++] = t;
        } else { /* t was drawn before; j cannot have been (every earlier draw is below j) */
            idset_insert(&s, j);
            out[k++] = j;
        }
    }
    idset_free(&s);
    return true;
}

bool yuma_pool_draw(uint32_t uid, uint64_t window, uint64_t n_samples, uint64_t count, uint64_t *out)
{
    yuma_rng r;
    yuma_rng_seed(&r, yuma_pool_seed(uid, window));
    return yuma_floyd_sample(&r, n_samples, count, out);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

bool yuma_pool_receipt(const uint64_t *ids, size_t n, uint8_t out[16])
{
    uint64_t *sorted = malloc((n ? n : 1) * sizeof(uint64_t));
    if (!sorted) return false;
    if (n) memcpy(sorted, ids, n * sizeof(uint64_t));
    qsort(sorted, n, sizeof(uint64_t), cmp_u64);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    for (size_t i = 0; i < n; i++) {
        uint8_t le[8];
        for (int b = 0; b < 8; b++) le[b] = (uint8_t)(sorted[i] >> (8 * b));
        crypto_generichash_update(&st, le, 8);
    }
    crypto_generichash_final(&st, out, 16);
    free(sorted);
    return true;
}
