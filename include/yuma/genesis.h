/*
 * genesis.h - the genesis file of a yuma network (JSON) and the
 * well-known development keys of a local devnet.
 *
 * A genesis file names the chain id, overrides any chain parameter (the
 * values the reference leaves to its root key) and lists the initial
 * balances by SS58 address:
 *
 *   {"chain_id": 42,
 *    "params": {"network_rate_limit": 10, "max_epochs_per_block": 2},
 *    "balances": [{"address": "5F...", "balance": 1000000000000}],
 *    "guardians": [{"address": "5G...", "org": "Example Labs"}]}
 *
 * "guardians" (optional) are the emergency lane's signers in slot order
 * (docs/GOVERNANCE.md): at most gov_guardian_max, at most
 * gov_guardian_per_org per organisation name (1..31 bytes).
 *
 * Parsing is strict: unknown keys, wrong types, out-of-range integers,
 * malformed or foreign (non-42) addresses and duplicate accounts are
 * errors with a one-line message naming the field.
 */
#ifndef YUMA_GENESIS_H
#define YUMA_GENESIS_H

#include <stdbool.h>
#include <stddef.h>

#include "yuma/chain.h"
#include "yuma/keys.h"

typedef struct {
    yuma_genesis genesis;            /* balances point into the owned array below */
    yuma_genesis_balance *owned;
    yuma_guardian *owned_guardians;  /* genesis.guardians, when the file names any */
} yuma_genesis_file;

bool yuma_genesis_parse(const char *json, size_t len, yuma_genesis_file *out, char *err, size_t errlen);
void yuma_genesis_file_free(yuma_genesis_file *g);

/* The canonical JSON text of a genesis (keys in a fixed order, every
 * parameter written), malloc'd; NULL when out of memory. */
char *yuma_genesis_to_json(const yuma_genesis *g);

/* Development keys: deterministic keys named alice, bob, ...: the 12-word
 * mnemonic of entropy BLAKE2b-128("yuma devnet key: " || name), derived as
 * every yuma key is (so `yuma wallet regen --mnemonic` imports them). They
 * are public knowledge: never hold value with them outside a devnet. */
void yuma_dev_mnemonic(const char *name, char out[YUMA_MNEMONIC_MAX]);
void yuma_dev_keypair(const char *name, yuma_keypair *kp);

/* A devnet genesis: chain id 42, parameters tuned so that a subnet's whole
 * life runs in minutes (short rate limits, cheap locks, the governance
 * devnet presets), each named development key (coldkeys and hotkeys
 * alike) funded, and the first six names the emergency lane's guardian
 * signers, two per organisation ("devnet-1", "devnet-2", "devnet-3"). */
bool yuma_genesis_devnet(const char *const *names, size_t count, uint64_t balance, yuma_genesis_file *out);

#endif
