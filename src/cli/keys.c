/*
 * keys.c - a signing key from the wallets, with the password prompt
 * (keys.h).
 */
#include "cli/keys.h"

#include <sodium.h>
#include <stdio.h>

#include "cli/prompt.h"

bool cli_open_wallets(const char *wallet_path, yuma_wallets *w)
{
    if (yuma_wallets_open(w, wallet_path) == YUMA_WALLET_OK) return true;
    fprintf(stderr, "yuma: %s\n", yuma_wallets_error(w));
    return false;
}

bool cli_load_key(yuma_wallets *w, const char *wallet, const char *hotkey, const char *prompt, yuma_keypair *kp)
{
    /* Without a password first: a plaintext key needs none, and the
     * prompt must not appear for it. */
    yuma_wallet_err e = yuma_wallet_load_key(w, wallet, hotkey, NULL, kp);
    if (e == YUMA_WALLET_ENOPASS || e == YUMA_WALLET_EPASSWORD) {
        char password[256] = "";
        if (!cli_read_password(prompt, password, sizeof password)) {
            fprintf(stderr, "yuma: a password is needed: set YUMA_PASSWORD or run in a terminal\n");
            return false;
        }
        e = yuma_wallet_load_key(w, wallet, hotkey, password, kp);
        sodium_memzero(password, sizeof password);
    }
    if (e == YUMA_WALLET_OK) return true;
    fprintf(stderr, "yuma: %s\n", yuma_wallets_error(w));
    return false;
}
