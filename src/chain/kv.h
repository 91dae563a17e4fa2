/*
 * kv.h - the chain's state store: every piece of chain state is a record,
 * a byte key mapped to the canonical byte encoding of its value.
 *
 * Keeping the whole state as canonical key/value bytes buys three things
 * at once: the state root is a commitment to exactly these bytes; undoing a
 * failed call (or a rejected block) is replaying a journal of old values;
 * and persistence (the node) stores the same pairs. Typed modules (accounts,
 * subnets, stake) encode and decode their records on top of it.
 *
 * Lookups are a hash table (no iteration order leaks into results); the
 * rare ordered scan collects matching keys and sorts them. The state root
 * is a Merkle tree over 2^16 buckets of leaf hashes, updated only for the
 * keys written since the last root, so its cost follows the keys a block
 * changed, not the size of the state.
 */
#ifndef YUMA_CHAIN_KV_H
#define YUMA_CHAIN_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YKV_MAX_KEY 72

typedef struct ykv ykv;

ykv *ykv_new(void);
void ykv_free(ykv *kv);

/* The value of key, or NULL when absent (*vlen receives its length). The
 * pointer is valid until the next write to the store. */
const uint8_t *ykv_get(const ykv *kv, const uint8_t *key, size_t klen, size_t *vlen);
/* Writes or removes a record (journalled). Return false only when out of
 * memory, in which case nothing changed. */
bool ykv_put(ykv *kv, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
bool ykv_del(ykv *kv, const uint8_t *key, size_t klen);

/* Savepoints nest: a rollback undoes every write after the mark; a
 * release keeps them (and forgets the journal once no savepoint is open). */
size_t ykv_savepoint(ykv *kv);
void ykv_rollback(ykv *kv, size_t mark);
void ykv_release(ykv *kv, size_t mark);

/* Folds the writes since the last call into the Merkle tree and returns the
 * 32-byte state root (all zeros for an empty state). */
bool ykv_root(ykv *kv, uint8_t out[32]);

size_t ykv_count(const ykv *kv);

/* Hands every record written since the last drain to fn (val NULL when it
 * was deleted), with its current value, and forgets them; a key written
 * several times comes once (or, after a delete and a rewrite, twice with
 * the same current value). For persistence: independent of ykv_root. If fn
 * returns false the drain stops and the list is kept. */
typedef bool (*ykv_change_fn)(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx);
bool ykv_drain_changes(ykv *kv, ykv_change_fn fn, void *ctx);

/* Calls fn for every record whose key starts with prefix, in ascending key
 * order; stops early when fn returns false. Costs a pass over the table:
 * for rare operations only. */
typedef bool (*ykv_scan_fn)(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx);
bool ykv_scan_prefix(const ykv *kv, const uint8_t *prefix, size_t plen, ykv_scan_fn fn, void *ctx);

#endif
