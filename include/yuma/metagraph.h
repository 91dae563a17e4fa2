/*
 * metagraph.h - a subnet's metagraph in C structs (docs/SDK.md): every
 * neuron's keys, stake, consensus outputs, permit, activity and axon, as
 * the node's metagraph_get returns them, fetched in one call, and kept
 * current by an incremental update that re-fetches only when the chain's
 * events since the last sync touched the subnet.
 *
 * Usage: yuma_metagraph_init(&mg, netuid); yuma_metagraph_sync(&mg, c,
 * ...) once; then yuma_metagraph_update(&mg, c, &changed, ...) after each
 * new block (or whenever); yuma_metagraph_free(&mg). A metagraph is plain
 * memory owned by its caller: no connection, no thread, no global state.
 */
#ifndef YUMA_METAGRAPH_H
#define YUMA_METAGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "yuma/keys.h"
#include "yuma/sdk_client.h"

typedef struct {
    bool served;            /* false: the neuron has not called serve_axon */
    char ip[48];            /* text: dotted IPv4 (for IPv4-mapped addresses) or IPv6 */
    uint16_t port;
    uint8_t protocol;
    uint32_t version;
} yuma_axon_info;

typedef struct {
    uint16_t uid;
    yuma_pubkey hotkey;
    char hotkey_ss58[YUMA_SS58_MAX];
    bool has_coldkey;
    yuma_pubkey coldkey;
    char coldkey_ss58[YUMA_SS58_MAX];
    uint64_t stake;         /* the hotkey's alpha stake on the subnet, rao */
    uint64_t root_stake;    /* its TAO stake on root, rao */
    uint64_t emission;      /* rao, last epoch */
    uint16_t consensus, incentive, dividends, validator_trust, stake_weight; /* u16 proportions */
    bool validator_permit, active;
    uint64_t last_update, registered_at; /* blocks */
    yuma_axon_info axon;
} yuma_neuron;

typedef struct {
    uint16_t netuid;
    uint64_t block;          /* the height the snapshot is of; 0 before the first sync */
    size_t n;
    yuma_neuron *neurons;    /* n of them in uid order (uids are dense: index = uid) */
    uint64_t fetches;        /* metagraph_get calls made: full syncs (incremental updates skip them) */
} yuma_metagraph;

void yuma_metagraph_init(yuma_metagraph *mg, uint16_t netuid);
void yuma_metagraph_free(yuma_metagraph *mg);

/* One metagraph_get: the whole subnet at the node's head. On failure the
 * metagraph is unchanged and err says why. */
bool yuma_metagraph_sync(yuma_metagraph *mg, yuma_sdk_client *c, char *err, size_t errlen);

/* Reads the events of the blocks after mg->block (chain_getEvents) and
 * re-fetches the metagraph only when one of them touched the subnet: its
 * epoch, a registration, stake added, removed or moved to or from it (or
 * on root, which counts toward stake weight), an axon, weights. Otherwise
 * it only advances mg->block. A metagraph never synced is synced.
 * *refetched (may be NULL) says whether it fetched. */
bool yuma_metagraph_update(yuma_metagraph *mg, yuma_sdk_client *c, bool *refetched, char *err, size_t errlen);

/* Fills mg from a metagraph_get answer (what sync does with it); false
 * with a message naming the bad field, mg unchanged. */
bool yuma_metagraph_from_json(yuma_metagraph *mg, const json_t *answer, char *err, size_t errlen);

/* The neuron with this hotkey, or NULL. */
const yuma_neuron *yuma_metagraph_find(const yuma_metagraph *mg, const yuma_pubkey *hotkey);

#endif
