/*
 * keys.c - the key module's core: error strings, libsodium initialisation,
 * key roles, ed25519 keypairs and signatures. SS58 addresses are in ss58.c;
 * BIP39 mnemonics and the seed derivation (with PBKDF2) in bip39.c.
 */
#include <string.h>

#include <sodium.h>

#include "yuma/keys.h"

const char *yuma_keys_strerror(yuma_keys_err err)
{
    switch (err) {
    case YUMA_KEYS_OK: return "success";
    case YUMA_KEYS_EINVAL: return "invalid argument";
    case YUMA_KEYS_EBASE58: return "address contains a character that is not base58";
    case YUMA_KEYS_ELENGTH: return "address has the wrong length for an SS58 account address";
    case YUMA_KEYS_EPREFIX: return "unsupported SS58 prefix";
    case YUMA_KEYS_ECHECKSUM: return "bad SS58 checksum";
    case YUMA_KEYS_EWORDCOUNT: return "a mnemonic has 12, 15, 18, 21 or 24 words";
    case YUMA_KEYS_EWORD: return "mnemonic word not in the BIP39 English list";
    case YUMA_KEYS_EMNEMONIC_CHECKSUM: return "bad mnemonic checksum";
    case YUMA_KEYS_EENTROPY: return "mnemonic entropy must be 16, 20, 24, 28 or 32 bytes";
    }
    return "unknown key error";
}

bool yuma_crypto_init(void)
{
    /* sodium_init() is idempotent and thread-safe: 0 first time, 1 after. */
    return sodium_init() >= 0;
}

const char *yuma_key_role_name(yuma_key_role role)
{
    switch (role) {
    case YUMA_COLDKEY: return "coldkey";
    case YUMA_HOTKEY: return "hotkey";
    }
    return NULL;
}

void yuma_keypair_from_seed(yuma_keypair *kp, const uint8_t seed[YUMA_SEED_BYTES])
{
    /* Copy first: seed may point into *kp (e.g. kp->seed itself). */
    uint8_t s[YUMA_SEED_BYTES];
    memcpy(s, seed, sizeof s);
    memcpy(kp->seed, s, sizeof s);
    crypto_sign_seed_keypair(kp->pub.bytes, kp->secret, s);
    sodium_memzero(s, sizeof s);
}

void yuma_keypair_generate(yuma_keypair *kp)
{
    uint8_t seed[YUMA_SEED_BYTES];
    randombytes_buf(seed, sizeof seed);
    yuma_keypair_from_seed(kp, seed);
    sodium_memzero(seed, sizeof seed);
}

void yuma_keypair_wipe(yuma_keypair *kp)
{
    sodium_memzero(kp, sizeof *kp);
}

void yuma_sign(const yuma_keypair *kp, const uint8_t *msg, size_t len,
               uint8_t sig[YUMA_SIGNATURE_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, len, kp->secret);
}

bool yuma_verify(const yuma_pubkey *pub, const uint8_t *msg, size_t len,
                 const uint8_t sig[YUMA_SIGNATURE_BYTES])
{
    return crypto_sign_verify_detached(sig, msg, len, pub->bytes) == 0;
}
