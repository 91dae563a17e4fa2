/*
 * commit_reveal.h - commit-reveal of weights (yuma-consensus §3.1-§3.2,
 * §3.5) beyond the two calls: the committed hash as clients compute it,
 * the SCALE compact length prefix it uses, the epoch index a commit is
 * filed under, and the mask the epoch applies to pending commits.
 */
#ifndef YUMA_CHAIN_COMMIT_REVEAL_H
#define YUMA_CHAIN_COMMIT_REVEAL_H

#include <stddef.h>
#include <stdint.h>

#include "chain/kv.h"
#include "chain/subnet_rec.h"
#include "yuma/tx.h"

/* SCALE's compact encoding of a length (1, 2, 4 or 5 bytes); returns the
 * number of bytes written to out. */
size_t scale_compact_u32(uint32_t v, uint8_t out[5]);

/* BLAKE2b-256 of the SCALE encoding of (hotkey, netuid, uids, values,
 * salt, version_key): the hash commit_weights files and reveal_weights
 * recomputes (docs/TRANSACTIONS.md, "Commit-reveal hash"). */
void commit_hash(const yuma_account *hotkey, uint16_t netuid, const uint16_t *uids, const uint16_t *values,
                 uint32_t weight_count, const uint16_t *salt, uint32_t salt_count, uint64_t version_key,
                 uint8_t out[32]);

/* current_epoch_with_lookahead: the subnet's epoch index, plus one when an
 * epoch is due at block now (a commit made then belongs to that epoch). */
uint64_t commit_epoch_lookahead(const subnet_rec *s, uint64_t now);

/* The commit-reveal mask of §3.5 for the epoch builder: commit_block[uid]
 * = the block of the first unexpired commit of hotkeys[uid], UINT64_MAX
 * when it has none or the subnet does not use commit-reveal (so the array
 * can always be passed as yuma_epoch_input.commit_block). Expiry is judged
 * with epoch_index, the index that counts this epoch's slot: the
 * reference increments SubnetEpochIndex before the epoch runs, so a caller
 * that increments it afterwards passes s->epoch_index + 1. */
void commit_reveal_fill_mask(const ykv *kv, uint16_t netuid, const subnet_rec *s, uint64_t epoch_index,
                             const yuma_account *hotkeys, uint32_t n, uint64_t *commit_block);

#endif
