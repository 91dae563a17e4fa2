/*
 * wallet_keys.c - a neuron's hotkey from the project's wallets and the
 * check that it is registered (include/yuma/sdk_wallet.h). The wallet
 * code (src/wallet/) does the file work and the decryption; this puts its
 * errors in the one-line form a neuron's command line prints, and says
 * how to register a hotkey that is not.
 */
#include <stdio.h>
#include <string.h>

#include "yuma/sdk_wallet.h"

yuma_wallet_err yuma_sdk_load_hotkey(const char *wallet_path, const char *wallet, const char *hotkey,
                                     const char *password, yuma_keypair *out, char *err, size_t errlen)
{
    if (!out) {
        snprintf(err, errlen, "no keypair to load into");
        return YUMA_WALLET_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (!wallet || !hotkey) {
        snprintf(err, errlen, "a wallet name and a hotkey name are needed");
        return YUMA_WALLET_EINVAL;
    }
    yuma_wallets w;
    yuma_wallet_err e = yuma_wallets_open(&w, wallet_path);
    if (e == YUMA_WALLET_OK) e = yuma_wallet_load_key(&w, wallet, hotkey, password, out);
    if (e == YUMA_WALLET_OK) return e;
    yuma_keypair_wipe(out);
    if (e == YUMA_WALLET_ENOPASS)
        snprintf(err, errlen, "%s (set YUMA_PASSWORD, or run in a terminal)", yuma_wallets_error(&w));
    else
        snprintf(err, errlen, "%s", yuma_wallets_error(&w));
    return e;
}

int yuma_sdk_hotkey_registered(yuma_sdk_client *c, uint16_t netuid, const yuma_pubkey *hotkey, uint16_t *uid,
                               char *err, size_t errlen)
{
    yuma_metagraph mg;
    yuma_metagraph_init(&mg, netuid);
    char why[512];
    if (!yuma_metagraph_sync(&mg, c, why, sizeof why)) {
        snprintf(err, errlen, "cannot read subnet %u's metagraph: %s", (unsigned)netuid, why);
        yuma_metagraph_free(&mg);
        return -1;
    }
    const yuma_neuron *me = yuma_metagraph_find(&mg, hotkey);
    int found = me != NULL;
    if (me && uid) *uid = me->uid;
    yuma_metagraph_free(&mg);
    if (!found) {
        char address[YUMA_SS58_MAX];
        yuma_ss58_encode(hotkey, YUMA_SS58_PREFIX, address);
        snprintf(err, errlen,
                 "hotkey %s is not registered on subnet %u (register it first: yuma register --wallet W --hotkey H "
                 "--netuid %u)",
                 address, (unsigned)netuid, (unsigned)netuid);
    }
    return found;
}
