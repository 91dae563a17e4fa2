/*
 * keyfile.c - the key file format (docs/WALLETS.md): a fixed header naming
 * the protection and its argon2id cost, the public key, then the 32-byte
 * ed25519 seed, either encrypted with XChaCha20-Poly1305 under a key that
 * argon2id derives from the password, or (hotkeys by explicit choice) in
 * clear. The whole header is the cipher's associated data, so changing any
 * byte of the file, the cost and the public key included, fails the
 * authentication exactly as a wrong password does.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "wallet/keyfile.h"

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* The 32-byte cipher key for this file's salt and cost; false only when
 * argon2id cannot allocate its memlimit bytes. */
static bool derive(uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], const char *password,
                   const uint8_t salt[crypto_pwhash_argon2id_SALTBYTES], uint64_t opslimit,
                   uint64_t memlimit)
{
    /* argon2id named explicitly (not crypto_pwhash's default), so a later
     * libsodium with another default still reads these files. */
    return crypto_pwhash_argon2id(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, password,
                                  strlen(password), salt, (unsigned long long)opslimit,
                                  (size_t)memlimit, crypto_pwhash_argon2id_ALG_ARGON2ID13) == 0;
}

yuma_wallet_err yuma_keyfile_seal(const yuma_keypair *kp, const char *password,
                                  uint64_t opslimit, uint64_t memlimit,
                                  uint8_t out[YUMA_KEYFILE_MAX], size_t *len)
{
    memset(out, 0, YUMA_KEYFILE_MAX);
    *len = 0;
    memcpy(out, YUMA_KEYFILE_MAGIC, 8);
    out[YUMA_KEYFILE_OFF_VERSION] = YUMA_KEYFILE_VERSION;
    memcpy(out + YUMA_KEYFILE_OFF_PUBKEY, kp->pub.bytes, 32);

    if (!password) {
        /* Cost, salt and nonce stay zero: the reader insists on that, so a
         * plaintext file has exactly one encoding. */
        out[YUMA_KEYFILE_OFF_PROTECTION] = YUMA_KEYFILE_PLAINTEXT;
        memcpy(out + YUMA_KEYFILE_OFF_SECRET, kp->seed, YUMA_SEED_BYTES);
        *len = YUMA_KEYFILE_PLAINTEXT_BYTES;
        return YUMA_WALLET_OK;
    }

    out[YUMA_KEYFILE_OFF_PROTECTION] = YUMA_KEYFILE_ARGON2ID_XCHACHA20POLY1305;
    put_u64(out + YUMA_KEYFILE_OFF_OPSLIMIT, opslimit);
    put_u64(out + YUMA_KEYFILE_OFF_MEMLIMIT, memlimit);
    /* A fresh random salt per file (so one password hash cannot attack
     * every wallet at once) and a random 24-byte nonce (XChaCha's nonce is
     * long enough that random ones never collide). */
    randombytes_buf(out + YUMA_KEYFILE_OFF_SALT, crypto_pwhash_argon2id_SALTBYTES);
    randombytes_buf(out + YUMA_KEYFILE_OFF_NONCE, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);

    uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    if (!derive(key, password, out + YUMA_KEYFILE_OFF_SALT, opslimit, memlimit)) {
        sodium_memzero(key, sizeof key);
        memset(out, 0, YUMA_KEYFILE_MAX);
        return YUMA_WALLET_ENOMEM;
    }
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + YUMA_KEYFILE_OFF_SECRET, &clen, kp->seed,
                                               YUMA_SEED_BYTES, out, YUMA_KEYFILE_OFF_SECRET, NULL,
                                               out + YUMA_KEYFILE_OFF_NONCE, key);
    sodium_memzero(key, sizeof key);
    *len = YUMA_KEYFILE_OFF_SECRET + (size_t)clen;
    return YUMA_WALLET_OK;
}

static yuma_wallet_err open_file(const uint8_t *file, size_t len, const char *password,
                                 yuma_keypair *kp, char *why, size_t whylen)
{
    if (len < YUMA_KEYFILE_OFF_PROTECTION + 1 || memcmp(file, YUMA_KEYFILE_MAGIC, 8) != 0) {
        snprintf(why, whylen, "is not a yuma key file (it does not start with \"%s\")",
                 YUMA_KEYFILE_MAGIC);
        return YUMA_WALLET_EFORMAT;
    }
    if (file[YUMA_KEYFILE_OFF_VERSION] != YUMA_KEYFILE_VERSION) {
        snprintf(why, whylen, "has key file format version %u; this yuma reads version %u",
                 file[YUMA_KEYFILE_OFF_VERSION], YUMA_KEYFILE_VERSION);
        return YUMA_WALLET_EFORMAT;
    }
    uint8_t protection = file[YUMA_KEYFILE_OFF_PROTECTION];
    size_t want;
    if (protection == YUMA_KEYFILE_PLAINTEXT)
        want = YUMA_KEYFILE_PLAINTEXT_BYTES;
    else if (protection == YUMA_KEYFILE_ARGON2ID_XCHACHA20POLY1305)
        want = YUMA_KEYFILE_ENCRYPTED_BYTES;
    else {
        snprintf(why, whylen, "has unknown protection 0x%02x (corrupt, or from a newer yuma)",
                 protection);
        return YUMA_WALLET_EFORMAT;
    }
    if (len != want) {
        snprintf(why, whylen, "is %zu bytes long; a%s key file is %zu (truncated or corrupt)", len,
                 want == YUMA_KEYFILE_PLAINTEXT_BYTES ? " plaintext" : "n encrypted", want);
        return YUMA_WALLET_EFORMAT;
    }

    uint64_t ops = get_u64(file + YUMA_KEYFILE_OFF_OPSLIMIT);
    uint64_t mem = get_u64(file + YUMA_KEYFILE_OFF_MEMLIMIT);
    uint8_t seed[YUMA_SEED_BYTES];
    if (protection == YUMA_KEYFILE_PLAINTEXT) {
        if (!all_zero(file + YUMA_KEYFILE_OFF_OPSLIMIT,
                      YUMA_KEYFILE_OFF_PUBKEY - YUMA_KEYFILE_OFF_OPSLIMIT)) {
            snprintf(why, whylen, "is marked plaintext but has a cost, salt or nonce (corrupt)");
            return YUMA_WALLET_EFORMAT;
        }
        memcpy(seed, file + YUMA_KEYFILE_OFF_SECRET, sizeof seed);
    } else {
        /* Bounds before any hashing: a damaged cost must not make us
         * allocate gigabytes or hash for hours before failing. */
        if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || ops > YUMA_WALLET_OPSLIMIT_MAX ||
            mem < crypto_pwhash_argon2id_MEMLIMIT_MIN || mem > YUMA_WALLET_MEMLIMIT_MAX) {
            snprintf(why, whylen,
                     "names an argon2id cost (opslimit %llu, memlimit %llu) outside the "
                     "accepted range (corrupt)",
                     (unsigned long long)ops, (unsigned long long)mem);
            return YUMA_WALLET_EFORMAT;
        }
        if (!password) {
            snprintf(why, whylen, "is encrypted: a password is needed");
            return YUMA_WALLET_ENOPASS;
        }
        uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
        if (!derive(key, password, file + YUMA_KEYFILE_OFF_SALT, ops, mem)) {
            sodium_memzero(key, sizeof key);
            snprintf(why, whylen, "needs %llu MiB for its password hash (argon2id), which could "
                     "not be allocated", (unsigned long long)(mem >> 20));
            return YUMA_WALLET_ENOMEM;
        }
        unsigned long long mlen = 0;
        int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
            seed, &mlen, NULL, file + YUMA_KEYFILE_OFF_SECRET,
            YUMA_KEYFILE_ENCRYPTED_BYTES - YUMA_KEYFILE_OFF_SECRET, file,
            YUMA_KEYFILE_OFF_SECRET, file + YUMA_KEYFILE_OFF_NONCE, key);
        sodium_memzero(key, sizeof key);
        if (rc != 0 || mlen != YUMA_SEED_BYTES) {
            sodium_memzero(seed, sizeof seed);
            snprintf(why, whylen, "could not be decrypted: wrong password (or the key file was "
                     "modified)");
            return YUMA_WALLET_EPASSWORD;
        }
    }

    yuma_keypair_from_seed(kp, seed);
    sodium_memzero(seed, sizeof seed);
    /* Authenticated files cannot get here with a mismatch unless made by a
     * broken writer; plaintext ones can (any flipped byte), and this is
     * their only integrity check. */
    if (sodium_memcmp(kp->pub.bytes, file + YUMA_KEYFILE_OFF_PUBKEY, 32) != 0) {
        snprintf(why, whylen, "holds a secret that does not match its public key (corrupt)");
        return YUMA_WALLET_EFORMAT;
    }
    return YUMA_WALLET_OK;
}

yuma_wallet_err yuma_keyfile_open(const uint8_t *file, size_t len, const char *password,
                                  yuma_keypair *kp, char *why, size_t whylen)
{
    if (whylen)
        why[0] = '\0';
    yuma_wallet_err e = open_file(file, len, password, kp, why, whylen);
    if (e != YUMA_WALLET_OK)
        yuma_keypair_wipe(kp);
    return e;
}
