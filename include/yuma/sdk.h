/*
 * sdk.h - the subnet SDK in one include (docs/SDK.md): the chain client
 * (sdk_client.h), the metagraph (metagraph.h), the miner's server
 * (axon.h), the validator's client (dendrite.h) and a neuron's hotkey from
 * a wallet (sdk_wallet.h). Keys and wallets are keys.h and wallet.h.
 */
#ifndef YUMA_SDK_H
#define YUMA_SDK_H

#include "yuma/axon.h"
#include "yuma/dendrite.h"
#include "yuma/keys.h"
#include "yuma/metagraph.h"
#include "yuma/sdk_client.h"
#include "yuma/sdk_wallet.h"
#include "yuma/wallet.h"

#endif
