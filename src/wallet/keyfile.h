/*
 * keyfile.h - the byte format of one key file (docs/WALLETS.md, "Key file
 * format"): sealing a keypair's seed into it and opening it again. Pure
 * functions on memory; wallet.c and files.c do the paths and the I/O.
 */
#ifndef YUMA_WALLET_KEYFILE_H
#define YUMA_WALLET_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "yuma/keys.h"
#include "yuma/wallet.h"

#define YUMA_KEYFILE_MAGIC "YUMAKEY1"
#define YUMA_KEYFILE_VERSION 1
/* Protection byte values. */
#define YUMA_KEYFILE_PLAINTEXT 0
#define YUMA_KEYFILE_ARGON2ID_XCHACHA20POLY1305 1

/* Offsets of the fields. Everything before YUMA_KEYFILE_OFF_SECRET is the
 * header, authenticated as associated data of the encrypted seed. */
#define YUMA_KEYFILE_OFF_VERSION 8
#define YUMA_KEYFILE_OFF_PROTECTION 9
#define YUMA_KEYFILE_OFF_OPSLIMIT 10
#define YUMA_KEYFILE_OFF_MEMLIMIT 18
#define YUMA_KEYFILE_OFF_SALT 26
#define YUMA_KEYFILE_OFF_NONCE 42
#define YUMA_KEYFILE_OFF_PUBKEY 66
#define YUMA_KEYFILE_OFF_SECRET 98
#define YUMA_KEYFILE_ENCRYPTED_BYTES 146 /* 98 + 32-byte seed + 16-byte tag */
#define YUMA_KEYFILE_PLAINTEXT_BYTES 130 /* 98 + 32-byte seed */
#define YUMA_KEYFILE_MAX YUMA_KEYFILE_ENCRYPTED_BYTES

/* Writes kp's seed and public key as a key file into out (*len bytes):
 * encrypted under password with argon2id (opslimit, memlimit) when password
 * is not NULL, plaintext when it is. YUMA_WALLET_ENOMEM if the password
 * hash cannot get its memory (out is then zeroed). */
yuma_wallet_err yuma_keyfile_seal(const yuma_keypair *kp, const char *password,
                                  uint64_t opslimit, uint64_t memlimit,
                                  uint8_t out[YUMA_KEYFILE_MAX], size_t *len);

/* Checks and opens a key file's bytes into *kp (zeroed on error). password
 * may be NULL for a plaintext file. On error why (whylen bytes) receives
 * the reason, which never contains secret material. EFORMAT, ENOPASS,
 * EPASSWORD, ENOMEM. */
yuma_wallet_err yuma_keyfile_open(const uint8_t *file, size_t len, const char *password,
                                  yuma_keypair *kp, char *why, size_t whylen);

#endif
