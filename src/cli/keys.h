/*
 * keys.h - a signing key from the wallets, the one way every command that
 * signs loads it: the wallets directory opened, the key read, and its
 * password asked for only when the key is encrypted.
 */
#ifndef YUMA_CLI_KEYS_H
#define YUMA_CLI_KEYS_H

#include <stdbool.h>

#include "yuma/keys.h"
#include "yuma/wallet.h"

/* Opens the wallets directory wallet_path (NULL: $YUMA_WALLET_PATH or
 * ~/.yuma/wallets) into *w. On failure prints "yuma: REASON" on stderr
 * and returns false. */
bool cli_open_wallets(const char *wallet_path, yuma_wallets *w);

/* Loads key hotkey of wallet wallet (hotkey NULL: the wallet's coldkey)
 * from the open wallets w into *kp. A plaintext key loads as it is; an
 * encrypted one with the password from cli_read_password(prompt, ...).
 * On failure prints one line "yuma: REASON" on stderr and returns false,
 * with *kp zeroed. */
bool cli_load_key(yuma_wallets *w, const char *wallet, const char *hotkey, const char *prompt, yuma_keypair *kp);

#endif
