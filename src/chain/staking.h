/*
 * staking.h - stake share pools per (hotkey, subnet), used by the staking
 * calls, the epoch's stake weights and the emission payout.
 */
#ifndef YUMA_CHAIN_STAKING_H
#define YUMA_CHAIN_STAKING_H

#include <stdint.h>

#include "chain/kv.h"
#include "yuma/tx.h"

typedef enum {
    STAKE_OK = 0,
    STAKE_ERR_NOMEM,
    STAKE_ERR_TOO_SMALL,      /* the amount would buy zero shares */
    STAKE_ERR_INSUFFICIENT,   /* more than the coldkey's stake is worth */
    STAKE_ERR_OVERFLOW,
} stake_status;

uint64_t stake_total(const ykv *kv, const yuma_account *hotkey, uint16_t netuid);
uint64_t stake_of(const ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid);
stake_status stake_add(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                       uint64_t amount);
stake_status stake_remove(ykv *kv, const yuma_account *hotkey, const yuma_account *coldkey, uint16_t netuid,
                          uint64_t amount);
/* Emission to all of a hotkey's stakers: value rises, shares do not. */
stake_status stake_emit(ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint64_t amount);
/* The epoch's (alpha, root) stake of a hotkey, inherited through child
 * keys (economics §4.2). False only when out of memory. */
bool stake_weight_parts(const ykv *kv, const yuma_account *hotkey, uint16_t netuid, uint64_t *alpha,
                        uint64_t *root);

#endif
