/*
 * delegation.h - what the block step calls for child keys (economics
 * §7.6): pending set_children become the applied children of a hotkey once
 * their cooldown has passed, at the subnet's epoch. The records themselves
 * (children, parents, childkey takes) are read through call_recs.h.
 */
#ifndef YUMA_CHAIN_DELEGATION_H
#define YUMA_CHAIN_DELEGATION_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/kv.h"

/* Applies every pending set_children of netuid whose cooldown block is
 * below now, in ascending hotkey order, and removes it from the pending
 * list. A pending entry that is no longer consistent (a child has become a
 * parent of the hotkey since it was scheduled) is dropped silently, as the
 * reference does. Entries still cooling down stay. False only when out of
 * memory (the caller fails the block). */
bool children_apply_pending(ykv *kv, uint16_t netuid, uint64_t now);

#endif
