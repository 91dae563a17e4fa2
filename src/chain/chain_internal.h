/*
 * chain_internal.h - access to a chain's state store for libyuma's own
 * modules and tests (queries over RPC will go through public functions).
 */
#ifndef YUMA_CHAIN_INTERNAL_H
#define YUMA_CHAIN_INTERNAL_H

#include "chain/kv.h"
#include "yuma/chain.h"

const ykv *yuma_chain_state(const yuma_chain *c);

/* The parameter record (GLOBAL_PARAMS): every parameter of the table in
 * src/gov/params.c in id order, each in its width. Decoding checks the
 * length only (genesis files and enactments check ranges); a field
 * outside the table decodes to its default. Governance enactment rewrites
 * the record; the chain reloads its parameters from it after each block
 * step, after a rejected block and on restore. */
#define CHAIN_PARAMS_MAX 1024
size_t chain_params_encode(const yuma_chain_params *p, uint8_t out[CHAIN_PARAMS_MAX]);
bool chain_params_decode(const uint8_t *in, size_t len, yuma_chain_params *p);
bool chain_params_load(const ykv *kv, yuma_chain_params *p);

/* Persistence (src/store/store.c). The store writes, with each block, the
 * records changed since its last commit: this hands them over
 * (ykv_drain_changes on the chain's state). */
bool yuma_chain_drain_changes(yuma_chain *c, ykv_change_fn fn, void *ctx);

/* Restarting from a store: fill puts every stored record into kv (empty,
 * outside any savepoint) and returns false on failure. The chain's state
 * is then replaced by kv, its height and last block hash set, and *root
 * receives the recomputed state root for the caller to check against the
 * stored one. Nothing is listed for persistence afterwards: the records are
 * already stored. False (the chain unchanged) when fill fails, memory
 * runs out or the stored parameter record does not decode. Parameters are
 * the stored record's (an enacted proposal may have changed them). */
typedef bool (*yuma_chain_fill_fn)(ykv *kv, void *ctx);
bool yuma_chain_restore(yuma_chain *c, uint64_t height, const uint8_t last_hash[32], yuma_chain_fill_fn fill,
                        void *ctx, uint8_t root[32]);

#endif
