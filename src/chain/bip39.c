/*
 * bip39.c - BIP39 mnemonics (English list) and the way Substrate turns one
 * into a key, so that a phrase written down for a reference wallet is a
 * phrase here too.
 *
 * A phrase is entropy (128..256 bits) followed by the first ENT/32 bits of
 * its SHA-256, cut into 11-bit word indices. Substrate (substrate-bip39,
 * used by sp-core's Pair::from_phrase and so by subkey) then derives the
 * secret seed from the recovered ENTROPY rather than from the phrase text
 * as BIP39 itself does: PBKDF2-HMAC-SHA512(entropy, "mnemonic" + password,
 * 2048 rounds), first 32 of 64 bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "yuma/keys.h"

enum { HMAC_BYTES = crypto_auth_hmacsha512_BYTES, SUBSTRATE_ROUNDS = 2048 };

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool valid_word_count(size_t words)
{
    return words >= 12 && words <= 24 && words % 3 == 0;
}

static bool valid_entropy_len(size_t len)
{
    return len >= 16 && len <= 32 && len % 4 == 0;
}

/* ---- PBKDF2 ---- */

/* libsodium has HMAC-SHA512 (accepting keys of any length) but no PBKDF2,
 * and no well-kept Debian C library offers it beside libsodium, so it is
 * written here from RFC 8018 section 5.2. The salt comes in two parts so
 * that Substrate's "mnemonic" + password needs no allocation. */
static yuma_keys_err pbkdf2(const uint8_t *password, size_t password_len,
                            const uint8_t *salt1, size_t salt1_len,
                            const uint8_t *salt2, size_t salt2_len,
                            uint32_t iterations, uint8_t *out, size_t outlen)
{
    if (iterations == 0 || outlen == 0)
        return YUMA_KEYS_EINVAL;
    /* RFC 8018 caps the output at 2^32 - 1 blocks (the block counter). */
    if ((outlen - 1) / HMAC_BYTES >= UINT32_MAX)
        return YUMA_KEYS_EINVAL;

    /* The password-keyed state is made once and copied for every HMAC:
     * its inner and outer pads are the same for all rounds. */
    crypto_auth_hmacsha512_state keyed, st;
    uint8_t u[HMAC_BYTES], t[HMAC_BYTES];
    crypto_auth_hmacsha512_init(&keyed, password, password_len);

    for (uint32_t block = 1; outlen > 0; block++) {
        const uint8_t be[4] = {(uint8_t)(block >> 24), (uint8_t)(block >> 16),
                               (uint8_t)(block >> 8), (uint8_t)block};
        st = keyed;
        if (salt1_len)
            crypto_auth_hmacsha512_update(&st, salt1, salt1_len);
        if (salt2_len)
            crypto_auth_hmacsha512_update(&st, salt2, salt2_len);
        crypto_auth_hmacsha512_update(&st, be, sizeof be);
        crypto_auth_hmacsha512_final(&st, u);
        memcpy(t, u, sizeof t);
        for (uint32_t i = 1; i < iterations; i++) {
            st = keyed;
            crypto_auth_hmacsha512_update(&st, u, sizeof u);
            crypto_auth_hmacsha512_final(&st, u);
            for (size_t k = 0; k < sizeof t; k++)
                t[k] ^= u[k];
        }
        size_t n = outlen < sizeof t ? outlen : sizeof t;
        memcpy(out, t, n);
        out += n;
        outlen -= n;
    }
    sodium_memzero(&keyed, sizeof keyed);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(u, sizeof u);
    sodium_memzero(t, sizeof t);
    return YUMA_KEYS_OK;
}

yuma_keys_err yuma_pbkdf2_hmac_sha512(const uint8_t *password, size_t password_len,
                                      const uint8_t *salt, size_t salt_len,
                                      uint32_t iterations, uint8_t *out, size_t outlen)
{
    return pbkdf2(password, password_len, salt, salt_len, NULL, 0, iterations, out, outlen);
}

/* ---- phrases ---- */

/* Bit i (0 = most significant bit of buf[0]) of a big-endian bit string. */
static unsigned get_bit(const uint8_t *buf, size_t i)
{
    return (buf[i / 8] >> (7 - i % 8)) & 1u;
}

static void set_bit(uint8_t *buf, size_t i)
{
    buf[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

yuma_keys_err yuma_mnemonic_from_entropy(const uint8_t *entropy, size_t len,
                                         char out[YUMA_MNEMONIC_MAX])
{
    out[0] = '\0';
    if (!valid_entropy_len(len))
        return YUMA_KEYS_EENTROPY;
    /* entropy || SHA-256(entropy): the checksum is the first len*8/32 bits
     * of the hash, at most 8, so one hash byte is enough. */
    uint8_t bits[YUMA_ENTROPY_MAX + 1];
    uint8_t hash[crypto_hash_sha256_BYTES];
    memcpy(bits, entropy, len);
    crypto_hash_sha256(hash, entropy, len);
    bits[len] = hash[0];
    size_t words = (len * 8 + len / 4) / 11;
    size_t k = 0;
    for (size_t w = 0; w < words; w++) {
        unsigned idx = 0;
        for (size_t b = 0; b < 11; b++)
            idx = (idx << 1) | get_bit(bits, w * 11 + b);
        const char *word = yuma_bip39_word(idx);
        if (w)
            out[k++] = ' ';
        size_t n = strlen(word);
        memcpy(out + k, word, n);
        k += n;
    }
    out[k] = '\0';
    sodium_memzero(bits, sizeof bits);
    sodium_memzero(hash, sizeof hash);
    return YUMA_KEYS_OK;
}

yuma_keys_err yuma_mnemonic_generate(unsigned words, char out[YUMA_MNEMONIC_MAX])
{
    out[0] = '\0';
    if (!valid_word_count(words))
        return YUMA_KEYS_EWORDCOUNT;
    uint8_t entropy[YUMA_ENTROPY_MAX];
    size_t len = (size_t)words * 4 / 3; /* 12 words <-> 16 bytes ... 24 <-> 32 */
    randombytes_buf(entropy, len);
    yuma_keys_err e = yuma_mnemonic_from_entropy(entropy, len, out);
    sodium_memzero(entropy, sizeof entropy);
    return e;
}

/* ASCII whitespace separates words; anything else is part of a word. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The next word of a phrase: *start and *n, or false at the end. */
static bool next_word(const char **p, const char **start, size_t *n)
{
    const char *s = *p;
    while (is_space(*s))
        s++;
    if (!*s)
        return false;
    const char *e = s;
    while (*e && !is_space(*e))
        e++;
    *start = s;
    *n = (size_t)(e - s);
    *p = e;
    return true;
}

/* Binary search of the (byte-ordered) list for word[0..n); -1 if absent. */
static int word_index(const char *word, size_t n)
{
    int lo = 0, hi = YUMA_BIP39_WORDS - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const char *w = yuma_bip39_word((unsigned)mid);
        int c = strncmp(word, w, n);
        if (c == 0 && w[n] != '\0')
            c = -1; /* word is a proper prefix of w */
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

static yuma_keys_err to_entropy(const char *phrase, uint8_t out[YUMA_ENTROPY_MAX], size_t *len,
                                char *err, size_t errlen)
{
    const char *p = phrase, *w;
    size_t n, count = 0;
    while (next_word(&p, &w, &n))
        count++;
    if (!valid_word_count(count)) {
        set_err(err, errlen, "mnemonic has %zu word%s; BIP39 mnemonics have 12, 15, 18, 21 or 24",
                count, count == 1 ? "" : "s");
        return YUMA_KEYS_EWORDCOUNT;
    }

    uint8_t bits[YUMA_ENTROPY_MAX + 1] = {0};
    p = phrase;
    for (size_t i = 0; next_word(&p, &w, &n); i++) {
        int idx = word_index(w, n);
        if (idx < 0) {
            /* Quote at most 24 bytes, unprintable ones as '?', so the
             * message stays one short line whatever was typed. */
            char shown[25];
            size_t m = n < 24 ? n : 24;
            for (size_t j = 0; j < m; j++) {
                unsigned char c = (unsigned char)w[j];
                shown[j] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
            }
            shown[m] = '\0';
            set_err(err, errlen, "unknown word \"%s%s\" at position %zu (not in the BIP39 English list)",
                    shown, n > m ? "..." : "", i + 1);
            sodium_memzero(bits, sizeof bits);
            return YUMA_KEYS_EWORD;
        }
        for (size_t b = 0; b < 11; b++)
            if ((unsigned)idx & (0x400u >> b))
                set_bit(bits, i * 11 + b);
    }

    size_t ent = count * 4 / 3;  /* entropy bytes */
    size_t cs = count / 3;       /* checksum bits: ENT/32 */
    uint8_t hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, bits, ent);
    bool ok = (bits[ent] >> (8 - cs)) == (hash[0] >> (8 - cs));
    if (ok) {
        memcpy(out, bits, ent);
        *len = ent;
    } else {
        set_err(err, errlen, "bad mnemonic checksum: every word is in the list, but they do not "
                "form a valid phrase (a word mistyped as another, or out of order)");
    }
    sodium_memzero(bits, sizeof bits);
    sodium_memzero(hash, sizeof hash);
    return ok ? YUMA_KEYS_OK : YUMA_KEYS_EMNEMONIC_CHECKSUM;
}

yuma_keys_err yuma_mnemonic_to_entropy(const char *phrase, uint8_t out[YUMA_ENTROPY_MAX],
                                       size_t *len, char *err, size_t errlen)
{
    memset(out, 0, YUMA_ENTROPY_MAX);
    *len = 0;
    yuma_keys_err e = to_entropy(phrase, out, len, err, errlen);
    if (e == YUMA_KEYS_OK)
        set_err(err, errlen, "%s", "");
    return e;
}

yuma_keys_err yuma_seed_from_mnemonic(const char *phrase, const char *password,
                                      uint8_t seed[YUMA_SEED_BYTES], char *err, size_t errlen)
{
    memset(seed, 0, YUMA_SEED_BYTES);
    uint8_t entropy[YUMA_ENTROPY_MAX];
    size_t len;
    yuma_keys_err e = yuma_mnemonic_to_entropy(phrase, entropy, &len, err, errlen);
    if (e != YUMA_KEYS_OK)
        return e;
    if (!password)
        password = "";
    uint8_t big[64];
    /* Cannot fail: 2048 rounds, 64 bytes. */
    (void)pbkdf2(entropy, len, (const uint8_t *)"mnemonic", 8,
                 (const uint8_t *)password, strlen(password), SUBSTRATE_ROUNDS, big, sizeof big);
    memcpy(seed, big, YUMA_SEED_BYTES);
    sodium_memzero(big, sizeof big);
    sodium_memzero(entropy, sizeof entropy);
    return YUMA_KEYS_OK;
}

yuma_keys_err yuma_keypair_from_mnemonic(const char *phrase, const char *password,
                                         yuma_keypair *kp, char *err, size_t errlen)
{
    memset(kp, 0, sizeof *kp);
    uint8_t seed[YUMA_SEED_BYTES];
    yuma_keys_err e = yuma_seed_from_mnemonic(phrase, password, seed, err, errlen);
    if (e == YUMA_KEYS_OK)
        yuma_keypair_from_seed(kp, seed);
    sodium_memzero(seed, sizeof seed);
    return e;
}
