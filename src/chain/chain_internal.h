/*
 * chain_internal.h - access to a chain's state store for libyuma's own
 * modules and tests (queries over RPC will go through public functions).
 */
#ifndef YUMA_CHAIN_INTERNAL_H
#define YUMA_CHAIN_INTERNAL_H

#include "chain/kv.h"
#include "yuma/chain.h"

const ykv *yuma_chain_state(const yuma_chain *c);

#endif
