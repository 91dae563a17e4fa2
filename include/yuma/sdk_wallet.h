/*
 * sdk_wallet.h - a neuron's keys from the project's wallets (docs/SDK.md,
 * docs/WALLETS.md): a miner or validator signs with its hotkey, kept in
 * <wallets>/<wallet>/hotkeys/<hotkey>, and is found on chain by it. The
 * coldkey (funds, registration) stays with its owner: a neuron process
 * never needs it once its hotkey is registered.
 */
#ifndef YUMA_SDK_WALLET_H
#define YUMA_SDK_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/keys.h"
#include "yuma/metagraph.h"
#include "yuma/sdk_client.h"
#include "yuma/wallet.h"

/*
 * Loads hotkey `hotkey` of wallet `wallet` from the wallets under
 * wallet_path (NULL: $YUMA_WALLET_PATH, else ~/.yuma/wallets), decrypted
 * with password (NULL: the hotkey must be a plaintext one). Returns
 * YUMA_WALLET_OK with *out set, or the wallet error with a one-line reason
 * in err naming the file (no wallet, no such hotkey, a file others can
 * read, an encrypted hotkey and no password, a wrong password); *out is
 * zeroed on every failure. A caller that may ask for a password tries
 * NULL first and asks on YUMA_WALLET_ENOPASS.
 */
yuma_wallet_err yuma_sdk_load_hotkey(const char *wallet_path, const char *wallet, const char *hotkey,
                                     const char *password, yuma_keypair *out, char *err, size_t errlen);

/*
 * Whether `hotkey` holds a uid on `netuid`: syncs the subnet's metagraph
 * once. Returns 1 registered (*uid set), 0 not registered (err says so,
 * with the command that registers it), -1 when the node cannot be asked
 * (err says why).
 */
int yuma_sdk_hotkey_registered(yuma_sdk_client *c, uint16_t netuid, const yuma_pubkey *hotkey, uint16_t *uid,
                               char *err, size_t errlen);

#endif
