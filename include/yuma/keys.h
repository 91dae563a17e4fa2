/*
 * keys.h - keys and addresses: ed25519 keypairs (libsodium), SS58 addresses
 * as Substrate writes them, and BIP39 mnemonics derived to keys the way
 * Substrate tooling does (substrate-bip39), so that a phrase, a key and an
 * address mean here what they mean to users of the reference.
 *
 * Errors are a yuma_keys_err code; yuma_keys_strerror() says what the code
 * means in general. Functions that parse user text (an address, a phrase)
 * also take an optional err/errlen buffer that receives a one-line message
 * naming the specific problem (the character, the word and its position).
 *
 * Secrets (seeds, keypairs, entropy, phrases) are the caller's memory; wipe
 * them with yuma_keypair_wipe() or sodium_memzero() when done. Every
 * intermediate secret this module makes is wiped before it returns.
 */
#ifndef YUMA_KEYS_H
#define YUMA_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    YUMA_KEYS_OK = 0,
    YUMA_KEYS_EINVAL,            /* an argument is out of its documented range */
    YUMA_KEYS_EBASE58,           /* address has a character outside the base58 alphabet */
    YUMA_KEYS_ELENGTH,           /* address decodes to the wrong number of bytes */
    YUMA_KEYS_EPREFIX,           /* SS58 prefix invalid, reserved, or outside 0..16383 */
    YUMA_KEYS_ECHECKSUM,         /* SS58 checksum does not match */
    YUMA_KEYS_EWORDCOUNT,        /* mnemonic is not 12, 15, 18, 21 or 24 words */
    YUMA_KEYS_EWORD,             /* mnemonic word not in the BIP39 English list */
    YUMA_KEYS_EMNEMONIC_CHECKSUM,/* mnemonic words valid but checksum bits wrong */
    YUMA_KEYS_EENTROPY,          /* entropy is not 16, 20, 24, 28 or 32 bytes */
} yuma_keys_err;

/* What an error code means, one line, never NULL. */
const char *yuma_keys_strerror(yuma_keys_err err);

/* Initialises libsodium; call once before generating keys or mnemonics
 * (they read its random source). Safe to call again and from several
 * threads. False only if libsodium cannot initialise (no entropy source). */
bool yuma_crypto_init(void);

/* ---- roles ---- */

/* The two keys of a Bittensor wallet, as in the reference. */
typedef enum {
    /* Owns funds: its account holds the free balance, and it signs transfers,
     * staking and unstaking, hotkey registration and subnet ownership. Kept
     * offline/encrypted; used rarely. */
    YUMA_COLDKEY,
    /* Operates neurons: the identity a miner or validator registers on a
     * subnet under, signing weights, serving (axon) information and other
     * frequent operational calls. Stake is delegated to it from coldkeys; it
     * holds no funds of its own. Kept on the serving machine. */
    YUMA_HOTKEY,
} yuma_key_role;

/* "coldkey" or "hotkey" (the reference's wallet file names); NULL for any
 * other value. */
const char *yuma_key_role_name(yuma_key_role role);

/* ---- ed25519 ---- */

#define YUMA_SEED_BYTES 32
#define YUMA_SIGNATURE_BYTES 64

/* A public key, which is also the 32-byte account id that SS58 encodes. */
typedef struct {
    uint8_t bytes[32];
} yuma_pubkey;

typedef struct {
    uint8_t seed[YUMA_SEED_BYTES]; /* the secret the key is derived from */
    uint8_t secret[64];            /* libsodium's secret key: seed || public key */
    yuma_pubkey pub;
} yuma_keypair;

/* Deterministic: the RFC 8032 key for a 32-byte secret seed. */
void yuma_keypair_from_seed(yuma_keypair *kp, const uint8_t seed[YUMA_SEED_BYTES]);
/* A fresh random keypair (needs yuma_crypto_init()). */
void yuma_keypair_generate(yuma_keypair *kp);
/* Overwrites the whole keypair with zeros in a way the compiler keeps. */
void yuma_keypair_wipe(yuma_keypair *kp);

/* Pure ed25519 (RFC 8032) signature of msg[0..len). */
void yuma_sign(const yuma_keypair *kp, const uint8_t *msg, size_t len,
               uint8_t sig[YUMA_SIGNATURE_BYTES]);
bool yuma_verify(const yuma_pubkey *pub, const uint8_t *msg, size_t len,
                 const uint8_t sig[YUMA_SIGNATURE_BYTES]);

/* ---- SS58 addresses ---- */

/* Bittensor's (and generic Substrate's) address prefix. */
#define YUMA_SS58_PREFIX 42
/* The largest prefix SS58 can express (14 bits). */
#define YUMA_SS58_PREFIX_MAX 16383
/* Buffer size for an encoded address with its NUL (they are at most 50
 * characters; the slack costs nothing). */
#define YUMA_SS58_MAX 64

/* Encodes a public key as an SS58 address with the given prefix: one byte
 * for 0..63, Substrate's two-byte form for 64..16383. YUMA_KEYS_EPREFIX
 * for a prefix above 16383 or the reserved 46 and 47 (out is then ""). */
yuma_keys_err yuma_ss58_encode(const yuma_pubkey *pub, uint16_t prefix,
                               char out[YUMA_SS58_MAX]);

/* Decodes an SS58 account address (32-byte key) and its prefix. Checks, in
 * order: base58 characters, the prefix byte(s), the length, the checksum,
 * then that the prefix is neither reserved nor written in the two-byte form
 * when it fits in one. prefix may be NULL; err (errlen bytes) may be NULL.
 * On error *pub and *prefix are zeroed. The caller decides which prefixes it
 * accepts: yuma's chain wants YUMA_SS58_PREFIX. */
yuma_keys_err yuma_ss58_decode(const char *address, yuma_pubkey *pub, uint16_t *prefix,
                               char *err, size_t errlen);

/* ---- BIP39 mnemonics ---- */

#define YUMA_BIP39_WORDS 2048
/* Buffer size for a phrase with its NUL: 24 words of at most 8 letters and
 * 23 single spaces. */
#define YUMA_MNEMONIC_MAX 216
#define YUMA_ENTROPY_MAX 32

/* Word index (0..2047) of the English list, NULL past its end. */
const char *yuma_bip39_word(unsigned index);

/* The phrase for 16, 20, 24, 28 or 32 bytes of entropy (12..24 words),
 * words separated by single spaces. YUMA_KEYS_EENTROPY otherwise. */
yuma_keys_err yuma_mnemonic_from_entropy(const uint8_t *entropy, size_t len,
                                         char out[YUMA_MNEMONIC_MAX]);
/* A random phrase of 12, 15, 18, 21 or 24 words (needs yuma_crypto_init());
 * YUMA_KEYS_EWORDCOUNT otherwise. */
yuma_keys_err yuma_mnemonic_generate(unsigned words, char out[YUMA_MNEMONIC_MAX]);
/* Validates a phrase and recovers its entropy (*len = 16..32 bytes). Words
 * may be separated by any run of ASCII whitespace, with any leading or
 * trailing whitespace; they must be the list's lowercase words. Checks the
 * word count, then each word, then the checksum. On error *len is 0 and out
 * is zeroed. */
yuma_keys_err yuma_mnemonic_to_entropy(const char *phrase, uint8_t out[YUMA_ENTROPY_MAX],
                                       size_t *len, char *err, size_t errlen);

/* PBKDF2 (RFC 8018) with HMAC-SHA512: out[0..outlen) from password and
 * salt. YUMA_KEYS_EINVAL if iterations or outlen is 0. */
yuma_keys_err yuma_pbkdf2_hmac_sha512(const uint8_t *password, size_t password_len,
                                      const uint8_t *salt, size_t salt_len,
                                      uint32_t iterations, uint8_t *out, size_t outlen);

/* Substrate's secret seed for a phrase (substrate-bip39): the phrase's
 * ENTROPY (not its text, unlike BIP39's own seed) through
 * PBKDF2-HMAC-SHA512 with salt "mnemonic" + password and 2048 iterations;
 * the seed is the first 32 of the 64 bytes. password may be NULL for "";
 * it is used as given (no Unicode normalisation, as in Substrate). Errors
 * are those of yuma_mnemonic_to_entropy(); on error seed is zeroed. */
yuma_keys_err yuma_seed_from_mnemonic(const char *phrase, const char *password,
                                      uint8_t seed[YUMA_SEED_BYTES], char *err, size_t errlen);
/* The ed25519 keypair of that seed: the key `subkey` shows for the phrase
 * with --scheme ed25519. On error *kp is zeroed. */
yuma_keys_err yuma_keypair_from_mnemonic(const char *phrase, const char *password,
                                         yuma_keypair *kp, char *err, size_t errlen);

#endif
