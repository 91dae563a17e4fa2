/*
 * kv.c - the chain's state store (see kv.h): an open-addressing hash table
 * of byte records, a journal for savepoints, and the bucketed Merkle tree
 * behind the state root.
 *
 * Table slots are found with SipHash under a per-process random key
 * (libsodium's crypto_shorthash): the layout may differ between runs, which
 * is harmless because nothing iterates the table in slot order except the
 * sorted prefix scan. Merkle buckets use BLAKE2b of the key, which is the
 * same everywhere.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/kv.h"

#define INLINE_VALUE 32
#define MERKLE_BUCKET_BITS 16
#define MERKLE_BUCKETS (1u << MERKLE_BUCKET_BITS)

typedef struct {
    uint64_t hash;
    uint32_t vlen;
    uint8_t klen;
    uint8_t used;
    uint8_t dirty;               /* LIST_* bits: already listed for the next root / the next drain */
    uint8_t key[YKV_MAX_KEY];
    uint8_t *heap;               /* value when vlen > INLINE_VALUE */
    uint8_t inl[INLINE_VALUE];
} slot;

typedef struct {
    uint8_t klen;
    bool existed;
    uint8_t key[YKV_MAX_KEY];
    uint32_t vlen;
    uint8_t *val;                /* copy of a large old value */
    uint8_t inl[INLINE_VALUE];   /* a small old value, without an allocation */
} undo;

typedef struct {
    uint8_t klen;
    uint8_t key[YKV_MAX_KEY];
    uint8_t leaf[32];
} leaf_entry;

typedef struct {
    leaf_entry *items;           /* sorted by key */
    uint32_t count, cap;
} bucket;

typedef struct {
    uint8_t klen;
    uint8_t key[YKV_MAX_KEY];
} dirty_key;

/* Two independent lists of written keys: one for the state root, one for
 * persistence (ykv_drain_changes). */
enum { LIST_ROOT = 1, LIST_PERSIST = 2 };

typedef struct {
    dirty_key *keys;
    size_t count, cap;
} key_list;

struct ykv {
    slot *slots;
    size_t cap, count;
    undo *journal;
    size_t jcount, jcap;
    int open_savepoints;
    dirty_key *dirty;            /* the root's list */
    size_t dcount, dcap;
    key_list persist;
    bucket *buckets;             /* MERKLE_BUCKETS, allocated on first root */
    uint8_t (*tree)[32];         /* 2 * MERKLE_BUCKETS nodes, 1-based heap layout */
    uint8_t *bucket_dirty;
};

static unsigned char siphash_key[crypto_shorthash_KEYBYTES];
static int siphash_ready;

static uint64_t key_hash(const uint8_t *key, size_t klen)
{
    if (!siphash_ready) {
        if (sodium_init() < 0) abort();
        randombytes_buf(siphash_key, sizeof siphash_key);
        siphash_ready = 1;
    }
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, key, klen, siphash_key);
    return h | 1; /* 0 never appears, so it can mean "empty" in debugging */
}

ykv *ykv_new(void)
{
    ykv *kv = calloc(1, sizeof *kv);
    if (!kv) return NULL;
    kv->cap = 1024;
    kv->slots = calloc(kv->cap, sizeof(slot));
    if (!kv->slots) {
        free(kv);
        return NULL;
    }
    return kv;
}

static void free_buckets(ykv *kv)
{
    if (kv->buckets)
        for (size_t b = 0; b < MERKLE_BUCKETS; b++) free(kv->buckets[b].items);
    free(kv->buckets);
    free(kv->tree);
    free(kv->bucket_dirty);
}

void ykv_free(ykv *kv)
{
    if (!kv) return;
    for (size_t i = 0; i < kv->cap; i++)
        if (kv->slots[i].used) free(kv->slots[i].heap);
    for (size_t i = 0; i < kv->jcount; i++) free(kv->journal[i].val);
    free(kv->slots);
    free(kv->journal);
    free(kv->dirty);
    free(kv->persist.keys);
    free_buckets(kv);
    free(kv);
}

static const uint8_t *slot_value(const slot *s)
{
    return s->vlen > INLINE_VALUE ? s->heap : s->inl;
}

/* Index of the slot holding key, or of the empty slot where it would go. */
static size_t find_slot(const ykv *kv, const uint8_t *key, size_t klen, uint64_t h)
{
    size_t mask = kv->cap - 1, i = h & mask;
    for (;;) {
        const slot *s = &kv->slots[i];
        if (!s->used) return i;
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) return i;
        i = (i + 1) & mask;
    }
}

const uint8_t *ykv_get(const ykv *kv, const uint8_t *key, size_t klen, size_t *vlen)
{
    if (klen > YKV_MAX_KEY) return NULL;
    const slot *s = &kv->slots[find_slot(kv, key, klen, key_hash(key, klen))];
    if (!s->used) return NULL;
    if (vlen) *vlen = s->vlen;
    return slot_value(s);
}

static bool grow(ykv *kv)
{
    size_t ncap = kv->cap * 2;
    slot *ns = calloc(ncap, sizeof(slot));
    if (!ns) return false;
    slot *old = kv->slots;
    size_t ocap = kv->cap;
    kv->slots = ns;
    kv->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].used) continue;
        size_t j = find_slot(kv, old[i].key, old[i].klen, old[i].hash);
        ns[j] = old[i];
    }
    free(old);
    return true;
}

static bool list_append(dirty_key **keys, size_t *count, size_t *cap, const uint8_t *key, size_t klen)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        dirty_key *nd = realloc(*keys, ncap * sizeof(dirty_key));
        if (!nd) return false;
        *keys = nd;
        *cap = ncap;
    }
    dirty_key *d = &(*keys)[(*count)++];
    d->klen = (uint8_t)klen;
    memcpy(d->key, key, klen);
    return true;
}

/* Lists a written key for the next root and the next drain; a key whose
 * slot says it is listed already is not listed twice. */
static bool note_dirty(ykv *kv, const uint8_t *key, size_t klen, slot *s)
{
    bool live = s && s->used;
    if (!(live && (s->dirty & LIST_ROOT))) {
        if (!list_append(&kv->dirty, &kv->dcount, &kv->dcap, key, klen)) return false;
        if (live) s->dirty |= LIST_ROOT;
    }
    if (!(live && (s->dirty & LIST_PERSIST))) {
        if (!list_append(&kv->persist.keys, &kv->persist.count, &kv->persist.cap, key, klen)) return false;
        if (live) s->dirty |= LIST_PERSIST;
    }
    return true;
}

static bool journal_old(ykv *kv, const uint8_t *key, size_t klen, const slot *s)
{
    if (kv->open_savepoints == 0) return true;
    if (kv->jcount == kv->jcap) {
        size_t ncap = kv->jcap ? kv->jcap * 2 : 256;
        undo *nj = realloc(kv->journal, ncap * sizeof(undo));
        if (!nj) return false;
        kv->journal = nj;
        kv->jcap = ncap;
    }
    undo *u = &kv->journal[kv->jcount];
    u->klen = (uint8_t)klen;
    memcpy(u->key, key, klen);
    u->existed = s->used;
    u->vlen = s->used ? s->vlen : 0;
    u->val = NULL;
    if (s->used && s->vlen > INLINE_VALUE) {
        u->val = malloc(s->vlen);
        if (!u->val) return false;
        memcpy(u->val, slot_value(s), s->vlen);
    } else if (s->used && s->vlen) {
        memcpy(u->inl, slot_value(s), s->vlen);
    }
    kv->jcount++;
    return true;
}

/* Writes without journalling (used by put and by rollback). */
static bool raw_put(ykv *kv, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, uint64_t h)
{
    size_t i = find_slot(kv, key, klen, h);
    slot *s = &kv->slots[i];
    uint8_t *heap = NULL;
    if (vlen > INLINE_VALUE) {
        heap = malloc(vlen);
        if (!heap) return false;
        memcpy(heap, val, vlen);
    }
    if (!s->used) {
        s->used = 1;
        s->dirty = 0;
        s->hash = h;
        s->klen = (uint8_t)klen;
        memcpy(s->key, key, klen);
        kv->count++;
    } else {
        free(s->heap);
    }
    s->heap = heap;
    s->vlen = (uint32_t)vlen;
    if (!heap && vlen) memcpy(s->inl, val, vlen);
    return true;
}

/* Linear-probing deletion by backward shift: no tombstones to age. */
static void raw_del(ykv *kv, size_t i)
{
    size_t mask = kv->cap - 1;
    free(kv->slots[i].heap);
    kv->slots[i].used = 0;
    kv->slots[i].heap = NULL;
    kv->count--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        slot *s = &kv->slots[j];
        if (!s->used) break;
        size_t home = s->hash & mask;
        /* Move s back into the hole unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (stays) continue;
        kv->slots[i] = *s;
        s->used = 0;
        s->heap = NULL;
        i = j;
    }
}

bool ykv_put(ykv *kv, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    if (klen == 0 || klen > YKV_MAX_KEY || vlen > UINT32_MAX) return false;
    if ((kv->count + 1) * 2 > kv->cap && !grow(kv)) return false;
    uint64_t h = key_hash(key, klen);
    size_t i = find_slot(kv, key, klen, h);
    if (!journal_old(kv, key, klen, &kv->slots[i])) return false;
    if (!raw_put(kv, key, klen, val, vlen, h)) return false;
    return note_dirty(kv, key, klen, &kv->slots[i]);
}

bool ykv_del(ykv *kv, const uint8_t *key, size_t klen)
{
    if (klen == 0 || klen > YKV_MAX_KEY) return false;
    uint64_t h = key_hash(key, klen);
    size_t i = find_slot(kv, key, klen, h);
    if (!kv->slots[i].used) return true;
    if (!journal_old(kv, key, klen, &kv->slots[i])) return false;
    if (!note_dirty(kv, key, klen, NULL)) return false;
    raw_del(kv, i);
    return true;
}

size_t ykv_savepoint(ykv *kv)
{
    kv->open_savepoints++;
    return kv->jcount;
}

void ykv_rollback(ykv *kv, size_t mark)
{
    while (kv->jcount > mark) {
        undo *u = &kv->journal[--kv->jcount];
        uint64_t h = key_hash(u->key, u->klen);
        /* Restoring needs no new memory for the table slot beyond what the
         * forward write had, except a heap copy for large values; if that
         * fails we keep the journal's copy as the slot's value. */
        size_t i = find_slot(kv, u->key, u->klen, h);
        if (u->existed) {
            slot *s = &kv->slots[i];
            if (!s->used) {
                s->used = 1;
                s->dirty = 0;
                s->hash = h;
                s->klen = u->klen;
                memcpy(s->key, u->key, u->klen);
                kv->count++;
            } else {
                free(s->heap);
            }
            s->heap = NULL;
            s->vlen = u->vlen;
            if (u->vlen > INLINE_VALUE) {
                s->heap = u->val;
                u->val = NULL;
            } else if (u->vlen) {
                memcpy(s->inl, u->inl, u->vlen);
            }
        } else if (kv->slots[i].used) {
            raw_del(kv, i);
        }
        free(u->val);
        /* On failure the key is listed already, from the forward write. */
        size_t j = find_slot(kv, u->key, u->klen, h);
        note_dirty(kv, u->key, u->klen, kv->slots[j].used ? &kv->slots[j] : NULL);
    }
    if (kv->open_savepoints > 0) kv->open_savepoints--;
}

void ykv_release(ykv *kv, size_t mark)
{
    (void)mark;
    if (kv->open_savepoints > 0) kv->open_savepoints--;
    if (kv->open_savepoints == 0) {
        for (size_t i = 0; i < kv->jcount; i++) free(kv->journal[i].val);
        kv->jcount = 0;
    }
}

size_t ykv_count(const ykv *kv)
{
    return kv->count;
}

/* ---- state root ---- */

static int cmp_key(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c;
    return (alen > blen) - (alen < blen);
}

static uint32_t bucket_of(const uint8_t *key, size_t klen)
{
    uint8_t h[16];
    crypto_generichash(h, sizeof h, key, klen, NULL, 0);
    return ((uint32_t)h[0] << 8) | h[1];
}

/* leaf = BLAKE2b-256("yuma-leaf" || u8 klen || key || u32le vlen || value) */
static void leaf_hash(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, uint8_t out[32])
{
    crypto_generichash_state st;
    uint8_t kl = (uint8_t)klen, vl[4] = {(uint8_t)vlen, (uint8_t)(vlen >> 8), (uint8_t)(vlen >> 16),
                                         (uint8_t)(vlen >> 24)};
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"yuma-leaf", 9);
    crypto_generichash_update(&st, &kl, 1);
    crypto_generichash_update(&st, key, klen);
    crypto_generichash_update(&st, vl, 4);
    crypto_generichash_update(&st, val, vlen);
    crypto_generichash_final(&st, out, 32);
}

static long bucket_find(const bucket *b, const uint8_t *key, size_t klen, bool *found)
{
    long lo = 0, hi = (long)b->count;
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        int c = cmp_key(b->items[mid].key, b->items[mid].klen, key, klen);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = false;
    return lo;
}

static bool bucket_update(bucket *b, const uint8_t *key, size_t klen, const uint8_t *leaf)
{
    bool found;
    long at = bucket_find(b, key, klen, &found);
    if (!leaf) {
        if (found) {
            memmove(&b->items[at], &b->items[at + 1], (b->count - (size_t)at - 1) * sizeof(leaf_entry));
            b->count--;
        }
        return true;
    }
    if (!found) {
        if (b->count == b->cap) {
            uint32_t ncap = b->cap ? b->cap * 2 : 4;
            leaf_entry *ni = realloc(b->items, ncap * sizeof(leaf_entry));
            if (!ni) return false;
            b->items = ni;
            b->cap = ncap;
        }
        memmove(&b->items[at + 1], &b->items[at], (b->count - (size_t)at) * sizeof(leaf_entry));
        b->count++;
        b->items[at].klen = (uint8_t)klen;
        memcpy(b->items[at].key, key, klen);
    }
    memcpy(b->items[at].leaf, leaf, 32);
    return true;
}

static void hash_bucket(const bucket *b, uint8_t out[32])
{
    if (b->count == 0) {
        memset(out, 0, 32);
        return;
    }
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    for (uint32_t i = 0; i < b->count; i++) crypto_generichash_update(&st, b->items[i].leaf, 32);
    crypto_generichash_final(&st, out, 32);
}

static const uint8_t zero32[32];

static void hash_node(uint8_t (*tree)[32], size_t i)
{
    if (memcmp(tree[2 * i], zero32, 32) == 0 && memcmp(tree[2 * i + 1], zero32, 32) == 0) {
        memset(tree[i], 0, 32);
        return;
    }
    crypto_generichash(tree[i], 32, tree[2 * i], 64, NULL, 0);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}


bool ykv_root(ykv *kv, uint8_t out[32])
{
    if (!kv->buckets) {
        kv->buckets = calloc(MERKLE_BUCKETS, sizeof(bucket));
        kv->tree = calloc(2 * MERKLE_BUCKETS, 32);
        kv->bucket_dirty = calloc(MERKLE_BUCKETS, 1);
        if (!kv->buckets || !kv->tree || !kv->bucket_dirty) {
            free_buckets(kv);
            kv->buckets = NULL;
            kv->tree = NULL;
            kv->bucket_dirty = NULL;
            return false;
        }
    }
    /* Tree indices of the buckets the writes touched, then of their
     * ancestors level by level: work follows the writes, not the state. */
    size_t *nodes = malloc((kv->dcount ? kv->dcount : 1) * sizeof(size_t));
    if (!nodes) return false;
    size_t nn = 0;
    for (size_t d = 0; d < kv->dcount; d++) {
        const dirty_key *k = &kv->dirty[d];
        /* A key listed twice (deleted, then written again) is folded twice:
         * both times from its current value, so the result is the same. */
        size_t vlen = 0;
        slot *sl = &kv->slots[find_slot(kv, k->key, k->klen, key_hash(k->key, k->klen))];
        const uint8_t *v = NULL;
        if (sl->used) {
            sl->dirty &= (uint8_t)~LIST_ROOT;
            v = slot_value(sl);
            vlen = sl->vlen;
        }
        uint8_t leaf[32];
        if (v) leaf_hash(k->key, k->klen, v, vlen, leaf);
        uint32_t b = bucket_of(k->key, k->klen);
        if (!bucket_update(&kv->buckets[b], k->key, k->klen, v ? leaf : NULL)) {
            free(nodes);
            return false;
        }
        if (!kv->bucket_dirty[b]) {
            kv->bucket_dirty[b] = 1;
            nodes[nn++] = MERKLE_BUCKETS + b;
        }
    }
    kv->dcount = 0;
    for (size_t i = 0; i < nn; i++) {
        size_t b = nodes[i] - MERKLE_BUCKETS;
        hash_bucket(&kv->buckets[b], kv->tree[nodes[i]]);
        kv->bucket_dirty[b] = 0;
    }
    qsort(nodes, nn, sizeof(size_t), cmp_size);
    while (nn > 0 && nodes[0] > 1) {
        size_t m = 0;
        for (size_t i = 0; i < nn; i++) {
            size_t parent = nodes[i] / 2;
            if (m == 0 || nodes[m - 1] != parent) nodes[m++] = parent;
        }
        nn = m;
        for (size_t i = 0; i < nn; i++) hash_node(kv->tree, nodes[i]);
    }
    free(nodes);
    memcpy(out, kv->tree[1], 32);
    return true;
}

/* ---- ordered prefix scan ---- */

typedef struct {
    const slot *s;
} scan_ref;

static int cmp_scan(const void *a, const void *b)
{
    const slot *x = ((const scan_ref *)a)->s, *y = ((const scan_ref *)b)->s;
    return cmp_key(x->key, x->klen, y->key, y->klen);
}

bool ykv_scan_prefix(const ykv *kv, const uint8_t *prefix, size_t plen, ykv_scan_fn fn, void *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < kv->cap; i++)
        if (kv->slots[i].used && kv->slots[i].klen >= plen && memcmp(kv->slots[i].key, prefix, plen) == 0) n++;
    scan_ref *refs = malloc((n ? n : 1) * sizeof(scan_ref));
    if (!refs) return false;
    size_t k = 0;
    for (size_t i = 0; i < kv->cap; i++)
        if (kv->slots[i].used && kv->slots[i].klen >= plen && memcmp(kv->slots[i].key, prefix, plen) == 0)
            refs[k++].s = &kv->slots[i];
    qsort(refs, n, sizeof(scan_ref), cmp_scan);
    for (size_t i = 0; i < n; i++) {
        const slot *s = refs[i].s;
        if (!fn(s->key, s->klen, slot_value(s), s->vlen, ctx)) break;
    }
    free(refs);
    return true;
}

bool ykv_drain_changes(ykv *kv, ykv_change_fn fn, void *ctx)
{
    for (size_t i = 0; i < kv->persist.count; i++) {
        const dirty_key *k = &kv->persist.keys[i];
        slot *sl = &kv->slots[find_slot(kv, k->key, k->klen, key_hash(k->key, k->klen))];
        const uint8_t *v = NULL;
        size_t vlen = 0;
        if (sl->used) {
            sl->dirty &= (uint8_t)~LIST_PERSIST;
            v = slot_value(sl);
            vlen = sl->vlen;
        }
        if (!fn(k->key, k->klen, v, vlen, ctx)) return false;
    }
    kv->persist.count = 0;
    return true;
}
