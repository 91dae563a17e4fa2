/*
 * ss58.c - SS58 addresses, Substrate's account address format, so that yuma
 * prints and accepts the addresses users of the reference know
 * (5GrwvaEF...). An address is base58(prefix || public key || checksum)
 * where the prefix names the network (42 for Bittensor and generic
 * Substrate) in one byte for 0..63 or two bytes for 64..16383, and the
 * checksum is the first 2 bytes of BLAKE2b-512("SS58PRE" || prefix || key).
 * The layout follows sp-core's Ss58Codec (to_ss58check_with_version /
 * from_ss58check_with_version).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "yuma/keys.h"

/* A 32-byte key with a two-byte prefix and two checksum bytes; anything
 * that decodes past BUF_MAX bytes is rejected before it is looked at. */
enum { KEY_BYTES = 32, CHECKSUM_BYTES = 2, BUF_MAX = 64 };

static const char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

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

static int b58_value(unsigned char c)
{
    const char *p = c ? strchr(ALPHABET, c) : NULL;
    return p ? (int)(p - ALPHABET) : -1;
}

/* Base58 with Bitcoin's alphabet, as SS58 uses. There is no well-kept
 * Debian C library for it (libbase58 is unmaintained and absent from
 * current releases), and it is a few lines: a big number in base 256
 * rewritten in base 58, leading zero bytes written as '1'. */
static void b58_encode(const uint8_t *in, size_t n, char *out)
{
    uint8_t digits[BUF_MAX * 138 / 100 + 1]; /* base 58 digits, least significant first */
    size_t ndig = 0, zeros = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < ndig; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[ndig++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < zeros; i++)
        out[k++] = '1';
    while (ndig)
        out[k++] = ALPHABET[digits[--ndig]];
    out[k] = '\0';
}

/* Decodes into out[0..BUF_MAX); false if the value needs more bytes. The
 * caller has already checked every character is in the alphabet. */
static bool b58_decode(const char *s, uint8_t out[BUF_MAX], size_t *outlen)
{
    uint8_t le[BUF_MAX]; /* the value in base 256, least significant first */
    size_t nb = 0, zeros = 0;
    while (s[zeros] == '1')
        zeros++;
    if (zeros > BUF_MAX)
        return false;
    for (const char *p = s + zeros; *p; p++) {
        unsigned carry = (unsigned)b58_value((unsigned char)*p);
        for (size_t j = 0; j < nb; j++) {
            carry += le[j] * 58u;
            le[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            if (zeros + nb == BUF_MAX)
                return false;
            le[nb++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    memset(out, 0, zeros);
    for (size_t i = 0; i < nb; i++)
        out[zeros + i] = le[nb - 1 - i];
    *outlen = zeros + nb;
    return true;
}

/* BLAKE2b-512 of "SS58PRE" || data, of which SS58 keeps the first 2 bytes. */
static void ss58_hash(const uint8_t *data, size_t len, uint8_t hash[64])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 64);
    crypto_generichash_update(&st, (const uint8_t *)"SS58PRE", 7);
    crypto_generichash_update(&st, data, len);
    crypto_generichash_final(&st, hash, 64);
}

/* 46 and 47 are reserved by the SS58 registry; Substrate and the Python
 * tools Bittensor uses refuse them. */
static bool prefix_reserved(unsigned prefix)
{
    return prefix == 46 || prefix == 47;
}

yuma_keys_err yuma_ss58_encode(const yuma_pubkey *pub, uint16_t prefix, char out[YUMA_SS58_MAX])
{
    out[0] = '\0';
    if (prefix > YUMA_SS58_PREFIX_MAX || prefix_reserved(prefix))
        return YUMA_KEYS_EPREFIX;
    uint8_t buf[2 + KEY_BYTES + CHECKSUM_BYTES];
    size_t n = 0;
    if (prefix < 64) {
        buf[n++] = (uint8_t)prefix;
    } else {
        /* Substrate's two-byte form: the low 8 bits are split 6+2 so the
         * first byte starts 01 (telling it apart from one-byte prefixes). */
        buf[n++] = (uint8_t)(((prefix & 0xfc) >> 2) | 0x40);
        buf[n++] = (uint8_t)((prefix >> 8) | ((prefix & 0x03) << 6));
    }
    memcpy(buf + n, pub->bytes, KEY_BYTES);
    n += KEY_BYTES;
    uint8_t hash[64];
    ss58_hash(buf, n, hash);
    memcpy(buf + n, hash, CHECKSUM_BYTES);
    n += CHECKSUM_BYTES;
    b58_encode(buf, n, out);
    return YUMA_KEYS_OK;
}

static yuma_keys_err decode(const char *address, yuma_pubkey *pub, uint16_t *prefix,
                            char *err, size_t errlen)
{
    for (size_t i = 0; address[i]; i++) {
        unsigned char c = (unsigned char)address[i];
        if (b58_value(c) >= 0)
            continue;
        if (c > 0x20 && c < 0x7f)
            set_err(err, errlen, "invalid base58 character '%c' at position %zu of the address",
                    c, i + 1);
        else
            set_err(err, errlen, "invalid base58 character (byte 0x%02x) at position %zu of the address",
                    c, i + 1);
        return YUMA_KEYS_EBASE58;
    }

    uint8_t data[BUF_MAX];
    size_t len = 0;
    if (!b58_decode(address, data, &len)) {
        set_err(err, errlen, "address is too long: it decodes to more than %d bytes; an SS58 "
                "account address is 35 or 36", BUF_MAX);
        return YUMA_KEYS_ELENGTH;
    }
    if (len == 0) {
        set_err(err, errlen, "address is empty");
        return YUMA_KEYS_ELENGTH;
    }
    /* Length before prefix (sp-core checks the prefix byte first): a
     * truncated or overlong address shifts every byte, so its first byte is
     * noise and "wrong length" is the message that helps. */
    if (len != 1 + KEY_BYTES + CHECKSUM_BYTES && len != 2 + KEY_BYTES + CHECKSUM_BYTES) {
        set_err(err, errlen, "address decodes to %zu byte%s; an SS58 account address is 35 or 36",
                len, len == 1 ? "" : "s");
        return YUMA_KEYS_ELENGTH;
    }

    unsigned ident;
    size_t plen;
    if (data[0] < 64) {
        ident = data[0];
        plen = 1;
    } else if (data[0] < 128) {
        /* Inverse of the encoding in yuma_ss58_encode(). */
        unsigned lower = ((unsigned)(data[0] << 2) & 0xff) | (data[1] >> 6);
        unsigned upper = data[1] & 0x3f;
        ident = lower | (upper << 8);
        plen = 2;
    } else {
        set_err(err, errlen, "address starts with byte 0x%02x, which is not an SS58 prefix "
                "(the first byte must be below 0x80)", data[0]);
        return YUMA_KEYS_EPREFIX;
    }
    size_t want = plen + KEY_BYTES + CHECKSUM_BYTES;
    if (len != want) {
        set_err(err, errlen, "address decodes to %zu bytes, but its first byte 0x%02x starts a "
                "%zu-byte prefix, which makes an account address %zu bytes",
                len, data[0], plen, want);
        return YUMA_KEYS_ELENGTH;
    }

    uint8_t hash[64];
    ss58_hash(data, plen + KEY_BYTES, hash);
    if (memcmp(hash, data + plen + KEY_BYTES, CHECKSUM_BYTES) != 0) {
        set_err(err, errlen, "bad SS58 checksum: the address is mistyped or damaged");
        return YUMA_KEYS_ECHECKSUM;
    }

    if (prefix_reserved(ident)) {
        set_err(err, errlen, "SS58 prefix %u is reserved", ident);
        return YUMA_KEYS_EPREFIX;
    }
    /* A prefix below 64 has exactly one spelling, the one-byte form; taking
     * the two-byte spelling too would give one key two addresses under the
     * same network, which no encoder produces. */
    if (plen == 2 && ident < 64) {
        set_err(err, errlen, "SS58 prefix %u is written in the two-byte form, "
                "which is only for prefixes 64 to 16383", ident);
        return YUMA_KEYS_EPREFIX;
    }

    memcpy(pub->bytes, data + plen, KEY_BYTES);
    if (prefix)
        *prefix = (uint16_t)ident;
    return YUMA_KEYS_OK;
}

yuma_keys_err yuma_ss58_decode(const char *address, yuma_pubkey *pub, uint16_t *prefix,
                               char *err, size_t errlen)
{
    memset(pub, 0, sizeof *pub);
    if (prefix)
        *prefix = 0;
    yuma_keys_err e = decode(address, pub, prefix, err, errlen);
    if (e == YUMA_KEYS_OK)
        set_err(err, errlen, "%s", "");
    return e;
}
