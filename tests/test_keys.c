/*
 * test_keys.c - keys and addresses (include/yuma/keys.h): ed25519 against
 * RFC 8032, SS58 against polkadot-js's and subkey's published addresses,
 * BIP39 against Trezor's reference vectors, Substrate's seed derivation
 * against substrate-bip39's own vectors and subkey output, PBKDF2 against
 * published HMAC-SHA512 vectors; then every error with its message.
 *
 * Every expected value below is copied from the source named beside it,
 * never from this code's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "yuma/keys.h"

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    assert_true(n % 2 == 0 && n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

static yuma_pubkey pub_hex(const char *hex)
{
    yuma_pubkey p;
    assert_int_equal(unhex(hex, p.bytes, sizeof p.bytes), 32);
    return p;
}

static void assert_bytes_hex(const uint8_t *got, size_t n, const char *want_hex)
{
    uint8_t want[256];
    assert_int_equal(unhex(want_hex, want, sizeof want), n);
    assert_memory_equal(got, want, n);
}

/* A second, minimal base58 encoder used only to build addresses the
 * library must refuse (reserved or non-canonical prefixes with valid
 * checksums), which yuma_ss58_encode rightly will not produce. It is
 * checked against a published address before it is trusted. */
static void test_b58(const uint8_t *in, size_t n, char *out)
{
    static const char A[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t num[64];
    memcpy(num, in, n);
    char rev[128];
    size_t k = 0, zeros = 0, start = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    start = zeros;
    while (start < n) {
        unsigned rem = 0;
        for (size_t i = start; i < n; i++) {
            unsigned cur = rem * 256 + num[i];
            num[i] = (uint8_t)(cur / 58);
            rem = cur % 58;
        }
        rev[k++] = A[rem];
        while (start < n && num[start] == 0)
            start++;
    }
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = '1';
    while (k)
        out[o++] = rev[--k];
    out[o] = '\0';
}

static void craft_address(const uint8_t *prefix, size_t plen, const yuma_pubkey *pub, char *out)
{
    uint8_t buf[64], hash[64];
    memcpy(buf, prefix, plen);
    memcpy(buf + plen, pub->bytes, 32);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 64);
    crypto_generichash_update(&st, (const uint8_t *)"SS58PRE", 7);
    crypto_generichash_update(&st, buf, plen + 32);
    crypto_generichash_final(&st, hash, 64);
    memcpy(buf + plen + 32, hash, 2);
    test_b58(buf, plen + 34, out);
}

static int setup(void **state)
{
    (void)state;
    return yuma_crypto_init() ? 0 : -1;
}

/* ---- ed25519: RFC 8032 section 7.1, TEST 1 and TEST 2 ---- */

static void test_rfc8032(void **state)
{
    (void)state;
    static const struct {
        const char *seed, *pub, *msg, *sig;
    } v[] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t seed[32], msg[8], sig[64];
        unhex(v[i].seed, seed, sizeof seed);
        size_t mlen = unhex(v[i].msg, msg, sizeof msg);
        yuma_keypair kp;
        yuma_keypair_from_seed(&kp, seed);
        assert_bytes_hex(kp.pub.bytes, 32, v[i].pub);
        assert_memory_equal(kp.seed, seed, 32);
        yuma_sign(&kp, msg, mlen, sig);
        assert_bytes_hex(sig, 64, v[i].sig);
        assert_true(yuma_verify(&kp.pub, msg, mlen, sig));
        yuma_keypair_wipe(&kp);
    }
}

static void test_sign_verify_tamper(void **state)
{
    (void)state;
    yuma_keypair kp, other;
    yuma_keypair_generate(&kp);
    yuma_keypair_generate(&other);
    assert_memory_not_equal(kp.pub.bytes, other.pub.bytes, 32);

    uint8_t msg[] = "set_weights netuid=1";
    uint8_t sig[64];
    yuma_sign(&kp, msg, sizeof msg, sig);
    assert_true(yuma_verify(&kp.pub, msg, sizeof msg, sig));

    /* Any flipped bit, in signature or message, fails. */
    for (size_t bit = 0; bit < 64 * 8; bit += 37) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(yuma_verify(&kp.pub, msg, sizeof msg, sig));
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    msg[0] ^= 1;
    assert_false(yuma_verify(&kp.pub, msg, sizeof msg, sig));
    msg[0] ^= 1;
    assert_true(yuma_verify(&kp.pub, msg, sizeof msg, sig));
    /* Another key's signature does not verify. */
    assert_false(yuma_verify(&other.pub, msg, sizeof msg, sig));

    /* Deterministic: the same seed gives the same key, even in place. */
    yuma_keypair again;
    memcpy(again.seed, kp.seed, 32);
    yuma_keypair_from_seed(&again, again.seed);
    assert_memory_equal(&again, &kp, sizeof kp);

    yuma_keypair_wipe(&kp);
    static const yuma_keypair zero;
    assert_memory_equal(&kp, &zero, sizeof kp);
    yuma_keypair_wipe(&other);
    yuma_keypair_wipe(&again);
}

static void test_init_and_roles(void **state)
{
    (void)state;
    assert_true(yuma_crypto_init()); /* again: idempotent */
    assert_string_equal(yuma_key_role_name(YUMA_COLDKEY), "coldkey");
    assert_string_equal(yuma_key_role_name(YUMA_HOTKEY), "hotkey");
    assert_null(yuma_key_role_name((yuma_key_role)7));
}

/* ---- SS58 ---- */

/* polkadot-js/common packages/util-crypto/src/address/encode.spec.ts:
 * ALICE_PUBLIC_SR (the well-known //Alice key) under prefixes 42, 2, 0;
 * ALICE_PUBLIC_ED under 42 and 255; and its SUBKEY table ("Subkey
 * equality") of keys whose addresses subkey printed, one- and two-byte
 * prefixes. 42/0 for Alice also match sp-core users' tests
 * (15oF4uVJ... is asserted by a subxt AccountId32 round trip). */
static const uint8_t ALICE_PUBLIC_ED[32] = {
    209, 114, 167, 76, 218, 76, 134, 89, 18, 195, 43, 160, 168, 10, 87, 174,
    105, 171, 174, 65, 14, 92, 203, 89, 222, 232, 78, 47, 68, 50, 219, 79};

static const struct {
    const char *pub;
    uint16_t prefix;
    const char *address;
} SS58_VECTORS[] = {
    {"d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", 42,
     "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
    {"d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", 0,
     "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"},
    {"d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", 2,
     "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"},
    {"3050f8456519829fe03302da802d22d3233a5f4037b9a3e2bcc403ccfcb2d735", 42,
     "5DA4D4GL5iakrn22h5uKoevgvo18Pqj5BcdEUv8etEDPdijA"},
    {"08e8969768fc14399930d4b8d693f68a2ff6c6a597325d6946095e5e9d9d1b0e", 65,
     "cLtA6nCDyvwKcEHH4QkZDSHMhS9s78BvUJUsKUbUAn1Jc2SCF"},
    {"04a047d52fe542484c69bc528990cfeaf3a663dded0638ee1b51cf78bacd1072", 66,
     "cTGShekJ1L1UKFZR9xmv9UTJod7vqjFAPo4sDhXih2c3y1yLS"},
    {"ae640d53cfa815f4a6a50ae70235cd7d9d134d0f1c3a4ccd118e321dfb6ab51f", 69,
     "cnVRwXfAnz3RSVQyBUC8f8McrK3YBX2QYd4WoctpeSC6VTJYm"},
    {"5c64f1151f0ce4358c27238fb20c88e7c899825436f565410724c8c2c5add869", 252,
     "xw5g1Eec8LT99pZLZMaTWwrwvNtfM6vrSuZeVbtEszCDUwByg"},
    {"66cd6cf085627d6c85af1aaf2bd10cf843033e929b4e3b1c2ba8e4aa46fe111b", 255,
     "yGF4JP7q5AK46d1FPCEm9sYQ4KooSjHMpyVAjLnsCSWVafPnf"},
    {"242fd5a078ac6b7c3c2531e9bcf1314343782aeb58e7bc6880794589e701db55", 255,
     "yGDYxQatQwuxqT39Zs4LtcTnpzE12vXb7ZJ6xpdiHv6gTu1hF"},
    {"44d5a3ac156335ea99d33a83c57c7146c40c8e2260a8a4adf4e7a86256454651", 4242,
     "mHm8k9Emsvyfp3piCauSH684iA6NakctF8dySQcX94GDdrJrE"},
    {"88f01441682a17b52d6ae12d1a5670cf675fd254897efabaa5069eb3a701ab73", 14269,
     "r6Gr4gaMP8TsjhFbqvZhv3YvnasugLiRJpzpRHifsqqG18UXa"},
};

static void test_ss58_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SS58_VECTORS / sizeof SS58_VECTORS[0]; i++) {
        yuma_pubkey pub = pub_hex(SS58_VECTORS[i].pub);
        char addr[YUMA_SS58_MAX];
        assert_int_equal(yuma_ss58_encode(&pub, SS58_VECTORS[i].prefix, addr), YUMA_KEYS_OK);
        assert_string_equal(addr, SS58_VECTORS[i].address);

        yuma_pubkey back;
        uint16_t prefix = 9999;
        char err[200] = "junk";
        assert_int_equal(yuma_ss58_decode(SS58_VECTORS[i].address, &back, &prefix, err, sizeof err),
                         YUMA_KEYS_OK);
        assert_memory_equal(back.bytes, pub.bytes, 32);
        assert_int_equal(prefix, SS58_VECTORS[i].prefix);
        assert_string_equal(err, "");
    }

    yuma_pubkey ed;
    memcpy(ed.bytes, ALICE_PUBLIC_ED, 32);
    char addr[YUMA_SS58_MAX];
    assert_int_equal(yuma_ss58_encode(&ed, YUMA_SS58_PREFIX, addr), YUMA_KEYS_OK);
    assert_string_equal(addr, "5GoKvZWG5ZPYL1WUovuHW3zJBWBP5eT8CbqjdRY4Q6iMaQua");
    assert_int_equal(yuma_ss58_encode(&ed, 255, addr), YUMA_KEYS_OK);
    assert_string_equal(addr, "yGHU8YKprxHbHdEv7oUK4rzMZXtsdhcXVG2CAMyC9WhzhjH2k");

    /* prefix and err are optional. */
    yuma_pubkey back;
    assert_int_equal(yuma_ss58_decode("5GoKvZWG5ZPYL1WUovuHW3zJBWBP5eT8CbqjdRY4Q6iMaQua",
                                      &back, NULL, NULL, 0), YUMA_KEYS_OK);
    assert_memory_equal(back.bytes, ALICE_PUBLIC_ED, 32);

    /* The test's own encoder reproduces a published address, so the
     * addresses it crafts below are well-formed but for their prefix. */
    uint8_t p42 = 42;
    yuma_pubkey alice = pub_hex(SS58_VECTORS[0].pub);
    craft_address(&p42, 1, &alice, addr);
    assert_string_equal(addr, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
}

static void test_ss58_prefix_range(void **state)
{
    (void)state;
    yuma_pubkey pub = pub_hex(SS58_VECTORS[0].pub);
    /* The edges of both forms round-trip. */
    static const uint16_t ok[] = {0, 1, 45, 48, 63, 64, 127, 128, 1000, 16383};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char addr[YUMA_SS58_MAX];
        assert_int_equal(yuma_ss58_encode(&pub, ok[i], addr), YUMA_KEYS_OK);
        assert_true(strlen(addr) < YUMA_SS58_MAX);
        yuma_pubkey back;
        uint16_t prefix;
        assert_int_equal(yuma_ss58_decode(addr, &back, &prefix, NULL, 0), YUMA_KEYS_OK);
        assert_int_equal(prefix, ok[i]);
        assert_memory_equal(back.bytes, pub.bytes, 32);
    }
    /* Out of range and reserved prefixes are refused, leaving "". */
    static const uint16_t bad[] = {46, 47, 16384, 65535};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char addr[YUMA_SS58_MAX] = "junk";
        assert_int_equal(yuma_ss58_encode(&pub, bad[i], addr), YUMA_KEYS_EPREFIX);
        assert_string_equal(addr, "");
    }
}

static void expect_decode_error(const char *address, yuma_keys_err code, const char *message)
{
    yuma_pubkey pub;
    memset(&pub, 0xab, sizeof pub);
    uint16_t prefix = 77;
    char err[256] = "";
    assert_int_equal(yuma_ss58_decode(address, &pub, &prefix, err, sizeof err), code);
    assert_string_equal(err, message);
    static const yuma_pubkey zero;
    assert_memory_equal(&pub, &zero, sizeof pub);
    assert_int_equal(prefix, 0);
    /* Same result without the optional outputs. */
    assert_int_equal(yuma_ss58_decode(address, &pub, NULL, NULL, 0), code);
}

static void test_ss58_errors(void **state)
{
    (void)state;
    /* 0, O, I and l are not in Bitcoin's base58 alphabet. */
    expect_decode_error("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut0Y", YUMA_KEYS_EBASE58,
                        "invalid base58 character '0' at position 47 of the address");
    expect_decode_error("OGrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", YUMA_KEYS_EBASE58,
                        "invalid base58 character 'O' at position 1 of the address");
    expect_decode_error("5Grwva l", YUMA_KEYS_EBASE58,
                        "invalid base58 character (byte 0x20) at position 7 of the address");
    expect_decode_error("5Gr\xc3\xa9", YUMA_KEYS_EBASE58,
                        "invalid base58 character (byte 0xc3) at position 4 of the address");

    expect_decode_error("", YUMA_KEYS_ELENGTH, "address is empty");
    /* Each leading '1' is one zero byte. */
    expect_decode_error("11", YUMA_KEYS_ELENGTH,
                        "address decodes to 2 bytes; an SS58 account address is 35 or 36");
    expect_decode_error("1111111111111111111111111111111111111", YUMA_KEYS_ELENGTH,
                        "address decodes to 37 bytes; an SS58 account address is 35 or 36");
    /* Alice's address one character short: the value shrinks by 58, to 34
     * bytes (its leading byte 0x2a would now be about 0xb9, which is why the
     * length is checked before the prefix). */
    expect_decode_error("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQ", YUMA_KEYS_ELENGTH,
                        "address decodes to 34 bytes; an SS58 account address is 35 or 36");
    /* "3D" is 2*58 + 12 = 128: one byte. */
    expect_decode_error("3D", YUMA_KEYS_ELENGTH,
                        "address decodes to 1 byte; an SS58 account address is 35 or 36");
    /* Longer than any address, in value or in leading zero bytes. */
    char many[200];
    memset(many, 'z', 150);
    many[150] = '\0';
    expect_decode_error(many, YUMA_KEYS_ELENGTH,
                        "address is too long: it decodes to more than 64 bytes; an SS58 account "
                        "address is 35 or 36");
    memset(many, '1', 65);
    many[65] = '\0';
    expect_decode_error(many, YUMA_KEYS_ELENGTH,
                        "address is too long: it decodes to more than 64 bytes; an SS58 account "
                        "address is 35 or 36");

    /* Last character changed: the key is intact but the checksum is not. */
    expect_decode_error("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", YUMA_KEYS_ECHECKSUM,
                        "bad SS58 checksum: the address is mistyped or damaged");
    /* Two characters swapped. */
    expect_decode_error("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKuQtY", YUMA_KEYS_ECHECKSUM,
                        "bad SS58 checksum: the address is mistyped or damaged");

    /* Well-formed, correctly checksummed addresses with refused prefixes. */
    yuma_pubkey alice = pub_hex(SS58_VECTORS[0].pub);
    char addr[YUMA_SS58_MAX];
    uint8_t p46 = 46, p47 = 47;
    craft_address(&p46, 1, &alice, addr);
    expect_decode_error(addr, YUMA_KEYS_EPREFIX, "SS58 prefix 46 is reserved");
    craft_address(&p47, 1, &alice, addr);
    expect_decode_error(addr, YUMA_KEYS_EPREFIX, "SS58 prefix 47 is reserved");
    /* 42 in Substrate's two-byte layout: 0x40 | (42 >> 2), (42 & 3) << 6. */
    const uint8_t two42[2] = {0x4a, 0x80};
    craft_address(two42, 2, &alice, addr);
    expect_decode_error(addr, YUMA_KEYS_EPREFIX,
                        "SS58 prefix 42 is written in the two-byte form, which is only for "
                        "prefixes 64 to 16383");
    /* Right total length, but the first byte asks for the other prefix
     * size: a two-byte prefix in 35 bytes, a one-byte prefix in 36. */
    uint8_t raw[36] = {0x50, 0x00};
    memcpy(raw + 2, alice.bytes, 32);
    test_b58(raw, 35, addr);
    expect_decode_error(addr, YUMA_KEYS_ELENGTH,
                        "address decodes to 35 bytes, but its first byte 0x50 starts a 2-byte "
                        "prefix, which makes an account address 36 bytes");
    raw[0] = 42;
    test_b58(raw, 36, addr);
    expect_decode_error(addr, YUMA_KEYS_ELENGTH,
                        "address decodes to 36 bytes, but its first byte 0x2a starts a 1-byte "
                        "prefix, which makes an account address 35 bytes");
    /* First byte 0x80 and above is no prefix at all. */
    raw[0] = 0x80;
    test_b58(raw, 35, addr);
    expect_decode_error(addr, YUMA_KEYS_EPREFIX,
                        "address starts with byte 0x80, which is not an SS58 prefix (the first "
                        "byte must be below 0x80)");
    raw[0] = 0xff;
    test_b58(raw, 36, addr);
    expect_decode_error(addr, YUMA_KEYS_EPREFIX,
                        "address starts with byte 0xff, which is not an SS58 prefix (the first "
                        "byte must be below 0x80)");

    /* A small err buffer is truncated, still terminated. */
    yuma_pubkey pub;
    char small[8];
    assert_int_equal(yuma_ss58_decode("", &pub, NULL, small, sizeof small), YUMA_KEYS_ELENGTH);
    assert_string_equal(small, "address");
}

/* ---- BIP39 ---- */

/* The BIP39 English list's published SHA-256 (also pinned by rust-bip39,
 * the crate Substrate's tooling uses, in src/language/mod.rs). The list is
 * hashed as the original file: one word per line, LF-terminated. */
static void test_wordlist(void **state)
{
    (void)state;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    size_t longest = 0;
    for (unsigned i = 0; i < YUMA_BIP39_WORDS; i++) {
        const char *w = yuma_bip39_word(i);
        assert_non_null(w);
        if (i)
            assert_true(strcmp(yuma_bip39_word(i - 1), w) < 0); /* binary search needs it */
        if (strlen(w) > longest)
            longest = strlen(w);
        crypto_hash_sha256_update(&st, (const uint8_t *)w, strlen(w));
        crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
    }
    uint8_t h[32];
    crypto_hash_sha256_final(&st, h);
    assert_bytes_hex(h, 32, "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
    assert_null(yuma_bip39_word(YUMA_BIP39_WORDS));
    assert_string_equal(yuma_bip39_word(0), "abandon");
    assert_string_equal(yuma_bip39_word(2047), "zoo");
    /* YUMA_MNEMONIC_MAX is 24 longest words, 23 spaces and a NUL. */
    assert_int_equal(longest, 8);
    assert_int_equal(YUMA_MNEMONIC_MAX, 24 * 8 + 23 + 1);
}

/* trezor/python-mnemonic vectors.json, "english": entropy, mnemonic, and
 * the BIP39 seed for passphrase "TREZOR". */
static const struct {
    const char *entropy, *mnemonic, *seed;
} TREZOR[] = {
    {"00000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
     "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank yellow",
     "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607"},
    {"80808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
     "d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8"},
    {"ffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
     "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069"},
    {"000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent",
     "035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will",
     "f2b94508732bcbacbcc020faefecfc89feafa6649a5491b8c952cede496c214a0c7b3c392d168748f2d4a612bada0753b52a1c7ac53c1e93abd5c6320b9e95dd"},
    {"808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
     "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when",
     "0cd6e5d827bb62eb8fc1e262254223817fd068a74b5b449cc2f667c3f1f985a76379b43348d952e2265b4cd129090758b3e3c2c49103b5051aac2eaeb890a528"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
     "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
     "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87"},
    {"8080808080808080808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
     "c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09e2ef61af0aca007096df430022f7a2b6fb91661a9589097069720d015e4e982f"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
     "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad"},
    {"9e885d952ad362caeb4efe34a8e91bd2",
     "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
     "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028"},
    {"6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
     "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac"},
    {"68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
     "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
     "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440"},
    {"c0ba5a8e914111210f2bd131f3d5e08d",
     "scheme spot photo card baby mountain device kick cradle pact join borrow",
     "ea725895aaae8d4c1cf682c1bfd2d358d52ed9f0f0591131b559e2724bb234fca05aa9c02c57407e04ee9dc3b454aa63fbff483a8b11de949624b9f1831a9612"},
    {"6d9be1ee6ebd27a258115aad99b7317b9c8d28b6d76431c3",
     "horn tenant knee talent sponsor spell gate clip pulse soap slush warm silver nephew swap uncle crack brave",
     "fd579828af3da1d32544ce4db5c73d53fc8acc4ddb1e3b251a31179cdb71e853c56d2fcb11aed39898ce6c34b10b5382772db8796e52837b54468aeb312cfc3d"},
    {"9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
     "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
     "72be8e052fc4919d2adf28d5306b5474b0069df35b02303de8c1729c9538dbb6fc2d731d5f832193cd9fb6aeecbc469594a70e3dd50811b5067f3b88b28c3e8d"},
    {"23db8160a31d3e0dca3688ed941adbf3",
     "cat swing flag economy stadium alone churn speed unique patch report train",
     "deb5f45449e615feff5640f2e49f933ff51895de3b4381832b3139941c57b59205a42480c52175b6efcffaa58a2503887c1e8b363a707256bdd2b587b46541f5"},
    {"8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
     "light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal apart sustain crack supply proud access",
     "4cbdff1ca2db800fd61cae72a57475fdc6bab03e441fd63f96dabd1f183ef5b782925f00105f318309a7e9c3ea6967c7801e46c8a58082674c860a37b93eda02"},
    {"066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
     "all hour make first leader extend hole alien behind guard gospel lava path output census museum junior mass reopen famous sing advance salt reform",
     "26e975ec644423f4a4c4f4215ef09b4bd7ef924e85d1d17c4cf3f136c2863cf6df0a475045652c57eb5fb41513ca2a2d67722b77e954b4b3fc11f7590449191d"},
    {"f30f8c1da665478f49b001d94c5fc452",
     "vessel ladder alter error federal sibling chat ability sun glass valve picture",
     "2aaa9242daafcee6aa9d7269f17d4efe271e1b9a529178d7dc139cd18747090bf9d60295d0ce74309a78852a9caadf0af48aae1c6253839624076224374bc63f"},
    {"c10ec20dc3cd9f652c7fac2f1230f7a3c828389a14392f05",
     "scissors invite lock maple supreme raw rapid void congress muscle digital elegant little brisk hair mango congress clump",
     "7b4a10be9d98e6cba265566db7f136718e1398c71cb581e1b2f464cac1ceedf4f3e274dc270003c670ad8d02c4558b2f8e39edea2775c9e232c7cb798b069e88"},
    {"f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
     "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold",
     "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998"},
};

static void test_bip39_trezor(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof TREZOR / sizeof TREZOR[0]; i++) {
        uint8_t entropy[32];
        size_t n = unhex(TREZOR[i].entropy, entropy, sizeof entropy);
        char phrase[YUMA_MNEMONIC_MAX];
        assert_int_equal(yuma_mnemonic_from_entropy(entropy, n, phrase), YUMA_KEYS_OK);
        assert_string_equal(phrase, TREZOR[i].mnemonic);

        uint8_t back[YUMA_ENTROPY_MAX];
        size_t len = 99;
        char err[200] = "junk";
        assert_int_equal(yuma_mnemonic_to_entropy(TREZOR[i].mnemonic, back, &len, err, sizeof err),
                         YUMA_KEYS_OK);
        assert_int_equal(len, n);
        assert_memory_equal(back, entropy, n);
        assert_string_equal(err, "");

        /* BIP39's own seed is PBKDF2 of the phrase TEXT; it checks the
         * PBKDF2 here independently of Substrate's rule, including keys
         * longer than SHA-512's 128-byte block (the 24-word phrases). */
        uint8_t seed[64];
        assert_int_equal(yuma_pbkdf2_hmac_sha512((const uint8_t *)TREZOR[i].mnemonic,
                                                 strlen(TREZOR[i].mnemonic),
                                                 (const uint8_t *)"mnemonicTREZOR", 14, 2048,
                                                 seed, sizeof seed),
                         YUMA_KEYS_OK);
        assert_bytes_hex(seed, 64, TREZOR[i].seed);
    }
}

/* paritytech/substrate-bip39 src/lib.rs, test VECTORS: phrase, entropy and
 * the 64-byte seed_from_entropy(entropy, "Substrate"); its test also
 * asserts mini_secret_from_entropy is the seed's first 32 bytes. (The
 * three all-zero entropies share a seed: HMAC zero-pads short keys.) */
static const struct {
    const char *phrase, *entropy, *seed;
} SUBSTRATE[] = {
    {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
     "00000000000000000000000000000000",
     "44e9d125f037ac1d51f0a7d3649689d422c2af8b1ec8e00d71db4d7bf6d127e33f50c3d5c84fa3e5399c72d6cbbbbc4a49bf76f76d952f479d74655a2ef2d453"},
    {"legal winner thank year wave sausage worth useful legal winner thank yellow",
     "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "4313249608fe8ac10fd5886c92c4579007272cb77c21551ee5b8d60b780416850f1e26c1f4b8d88ece681cb058ab66d6182bc2ce5a03181f7b74c27576b5c8bf"},
    {"letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
     "80808080808080808080808080808080",
     "27f3eb595928c60d5bc91a4d747da40ed236328183046892ed6cd5aa9ae38122acd1183adf09a89839acb1e6eaa7fb563cc958a3f9161248d5a036e0d0af533d"},
    {"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
     "ffffffffffffffffffffffffffffffff",
     "227d6256fd4f9ccaf06c45eaa4b2345969640462bbb00c5f51f43cb43418c7a753265f9b1e0c0822c155a9cabc769413ecc14553e135fe140fc50b6722c6b9df"},
    {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent",
     "000000000000000000000000000000000000000000000000",
     "44e9d125f037ac1d51f0a7d3649689d422c2af8b1ec8e00d71db4d7bf6d127e33f50c3d5c84fa3e5399c72d6cbbbbc4a49bf76f76d952f479d74655a2ef2d453"},
    {"legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will",
     "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "cb1d50e14101024a88905a098feb1553d4306d072d7460e167a60ccb3439a6817a0afc59060f45d999ddebc05308714733c9e1e84f30feccddd4ad6f95c8a445"},
    {"letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
     "808080808080808080808080808080808080808080808080",
     "9ddecf32ce6bee77f867f3c4bb842d1f0151826a145cb4489598fe71ac29e3551b724f01052d1bc3f6d9514d6df6aa6d0291cfdf997a5afdb7b6a614c88ab36a"},
    {"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when",
     "ffffffffffffffffffffffffffffffffffffffffffffffff",
     "8971cb290e7117c64b63379c97ed3b5c6da488841bd9f95cdc2a5651ac89571e2c64d391d46e2475e8b043911885457cd23e99a28b5a18535fe53294dc8e1693"},
    {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "44e9d125f037ac1d51f0a7d3649689d422c2af8b1ec8e00d71db4d7bf6d127e33f50c3d5c84fa3e5399c72d6cbbbbc4a49bf76f76d952f479d74655a2ef2d453"},
    {"legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
     "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "3037276a5d05fcd7edf51869eb841bdde27c574dae01ac8cfb1ea476f6bea6ef57ab9afe14aea1df8a48f97ae25b37d7c8326e49289efb25af92ba5a25d09ed3"},
    {"letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
     "8080808080808080808080808080808080808080808080808080808080808080",
     "2c9c6144a06ae5a855453d98c3dea470e2a8ffb78179c2e9eb15208ccca7d831c97ddafe844ab933131e6eb895f675ede2f4e39837bb5769d4e2bc11df58ac42"},
    {"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "047e89ef7739cbfe30da0ad32eb1720d8f62441dd4f139b981b8e2d0bd412ed4eb14b89b5098c49db2301d4e7df4e89c21e53f345138e56a5e7d63fae21c5939"},
    {"ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
     "9e885d952ad362caeb4efe34a8e91bd2",
     "f4956be6960bc145cdab782e649a5056598fd07cd3f32ceb73421c3da27833241324dc2c8b0a4d847eee457e6d4c5429f5e625ece22abaa6a976e82f1ec5531d"},
    {"gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
     "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "fbcc5229ade0c0ff018cb7a329c5459f91876e4dde2a97ddf03c832eab7f26124366a543f1485479c31a9db0d421bda82d7e1fe562e57f3533cb1733b001d84d"},
    {"hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
     "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
     "7c60c555126c297deddddd59f8cdcdc9e3608944455824dd604897984b5cc369cad749803bb36eb8b786b570c9cdc8db275dbe841486676a6adf389f3be3f076"},
    {"scheme spot photo card baby mountain device kick cradle pact join borrow",
     "c0ba5a8e914111210f2bd131f3d5e08d",
     "c12157bf2506526c4bd1b79a056453b071361538e9e2c19c28ba2cfa39b5f23034b974e0164a1e8acd30f5b4c4de7d424fdb52c0116bfc6a965ba8205e6cc121"},
    {"horn tenant knee talent sponsor spell gate clip pulse soap slush warm silver nephew swap uncle crack brave",
     "6d9be1ee6ebd27a258115aad99b7317b9c8d28b6d76431c3",
     "23766723e970e6b79dec4d5e4fdd627fd27d1ee026eb898feb9f653af01ad22080c6f306d1061656d01c4fe9a14c05f991d2c7d8af8730780de4f94cd99bd819"},
    {"panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
     "9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
     "f4c83c86617cb014d35cd87d38b5ef1c5d5c3d58a73ab779114438a7b358f457e0462c92bddab5a406fe0e6b97c71905cf19f925f356bc673ceb0e49792f4340"},
    {"cat swing flag economy stadium alone churn speed unique patch report train",
     "23db8160a31d3e0dca3688ed941adbf3",
     "719d4d4de0638a1705bf5237262458983da76933e718b2d64eb592c470f3c5d222e345cc795337bb3da393b94375ff4a56cfcd68d5ea25b577ee9384d35f4246"},
    {"light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal apart sustain crack supply proud access",
     "8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
     "7ae1291db32d16457c248567f2b101e62c5549d2a64cd2b7605d503ec876d58707a8d663641e99663bc4f6cc9746f4852e75e7e54de5bc1bd3c299c9a113409e"},
    {"all hour make first leader extend hole alien behind guard gospel lava path output census museum junior mass reopen famous sing advance salt reform",
     "066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
     "a911a5f4db0940b17ecb79c4dcf9392bf47dd18acaebdd4ef48799909ebb49672947cc15f4ef7e8ef47103a1a91a6732b821bda2c667e5b1d491c54788c69391"},
    {"vessel ladder alter error federal sibling chat ability sun glass valve picture",
     "f30f8c1da665478f49b001d94c5fc452",
     "4e2314ca7d9eebac6fe5a05a5a8d3546bc891785414d82207ac987926380411e559c885190d641ff7e686ace8c57db6f6e4333c1081e3d88d7141a74cf339c8f"},
    {"scissors invite lock maple supreme raw rapid void congress muscle digital elegant little brisk hair mango congress clump",
     "c10ec20dc3cd9f652c7fac2f1230f7a3c828389a14392f05",
     "7a83851102849edc5d2a3ca9d8044d0d4f00e5c4a292753ed3952e40808593251b0af1dd3c9ed9932d46e8608eb0b928216a6160bd4fc775a6e6fbd493d7c6b2"},
    {"void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold",
     "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
     "938ba18c3f521f19bd4a399c8425b02c716844325b1a65106b9d1593fbafe5e0b85448f523f91c48e331995ff24ae406757cff47d11f240847352b348ff436ed"},
};

static void test_substrate_seed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SUBSTRATE / sizeof SUBSTRATE[0]; i++) {
        uint8_t entropy[YUMA_ENTROPY_MAX];
        size_t len;
        assert_int_equal(yuma_mnemonic_to_entropy(SUBSTRATE[i].phrase, entropy, &len, NULL, 0),
                         YUMA_KEYS_OK);
        assert_bytes_hex(entropy, len, SUBSTRATE[i].entropy);

        uint8_t big[64];
        assert_int_equal(yuma_pbkdf2_hmac_sha512(entropy, len, (const uint8_t *)"mnemonicSubstrate",
                                                 17, 2048, big, sizeof big),
                         YUMA_KEYS_OK);
        assert_bytes_hex(big, 64, SUBSTRATE[i].seed);

        uint8_t seed[32];
        char err[200] = "junk";
        assert_int_equal(yuma_seed_from_mnemonic(SUBSTRATE[i].phrase, "Substrate", seed, err, sizeof err),
                         YUMA_KEYS_OK);
        assert_memory_equal(seed, big, 32);
        assert_string_equal(err, "");
    }
}

/* subkey output for three ed25519 keys, recorded by a node operator's
 * script (scyrilnaves/substratetoken-repository
 * nodetemplatetoken/myscripts/keys_file.sh, written by generateKeys.sh from
 * `subkey generate --scheme Ed25519 --output-type json`): phrase, secret
 * seed, public key and SS58 address (prefix 42), no password. This is the
 * whole chain phrase -> entropy -> seed -> ed25519 key -> address as
 * Substrate's own tool computes it. */
static const struct {
    const char *phrase, *seed, *pub, *address;
} SUBKEY_ED25519[] = {
    {"more faith dirt load echo raven swim huge stone panda prefer choose",
     "15d3e38d1d81b1e2ab96fb192d75f7791fcded85e34dcc3e236475bc41af8885",
     "06f61dc485c811532dd28ffa395e9e6808ad871ed2c70c8c557770fd2148e046",
     "5CDqFpN28CdqagX2vkpUNuJPPhpzGfohVRsGdLQscKNLrfqh"},
    {"cart beach brave glare ahead settle cash bleak catalog open find ocean",
     "95070113c3d34698e7849a7ba8ba9006b631370c5353c0dd440c60cdf2d69408",
     "39b1bb6374bb73bde7e4955b9a3b9c0260d61e4c1f9156a877c47e2b6d679605",
     "5DNMPE5vQJgcx1J81odYhjaScSXPk9iLbofcBGAhpLjwPjwg"},
    {"artefact nest shield afford chaos loan actual element movie paper bacon pigeon",
     "e59a7c2db8925536c204b991dda1d96d19bb449e6dfda5e1cb8d87faf55b3653",
     "7162baaf8a086ef423fc4d2b3165f3ff8ceb036d55e337dc3a94958e826ecb7b",
     "5EdNba2q59HyLm3Rueo68B9FYcUnf3CsCXvLjjKDoB338jwc"},
};

static void test_subkey_ed25519(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SUBKEY_ED25519 / sizeof SUBKEY_ED25519[0]; i++) {
        uint8_t seed[32];
        assert_int_equal(yuma_seed_from_mnemonic(SUBKEY_ED25519[i].phrase, NULL, seed, NULL, 0),
                         YUMA_KEYS_OK);
        assert_bytes_hex(seed, 32, SUBKEY_ED25519[i].seed);
        /* NULL and "" are the same (empty) password. */
        uint8_t seed2[32];
        assert_int_equal(yuma_seed_from_mnemonic(SUBKEY_ED25519[i].phrase, "", seed2, NULL, 0),
                         YUMA_KEYS_OK);
        assert_memory_equal(seed, seed2, 32);

        yuma_keypair kp;
        char err[200] = "junk";
        assert_int_equal(yuma_keypair_from_mnemonic(SUBKEY_ED25519[i].phrase, NULL, &kp, err, sizeof err),
                         YUMA_KEYS_OK);
        assert_string_equal(err, "");
        assert_memory_equal(kp.seed, seed, 32);
        assert_bytes_hex(kp.pub.bytes, 32, SUBKEY_ED25519[i].pub);
        char addr[YUMA_SS58_MAX];
        assert_int_equal(yuma_ss58_encode(&kp.pub, YUMA_SS58_PREFIX, addr), YUMA_KEYS_OK);
        assert_string_equal(addr, SUBKEY_ED25519[i].address);
        yuma_keypair_wipe(&kp);
    }
}

/* PBKDF2-HMAC-SHA512 vectors of brycx/Test-Vector-Generation
 * PBKDF2/pbkdf2-hmac-sha2-test-vectors.md (generated with Python's
 * cryptography package; the same file's SHA-256 column reproduces RFC 7914
 * section 11). They cover a partial last block, NULs in password and salt,
 * and output of several blocks. */
static void test_pbkdf2_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *pass;
        size_t pass_len;
        const char *salt;
        size_t salt_len;
        uint32_t iterations;
        size_t dk_len;
        const char *dk;
    } v[] = {
        {"password", 8, "salt", 4, 1, 20, "867f70cf1ade02cff3752599a3a53dc4af34c7a6"},
        {"password", 8, "salt", 4, 2, 20, "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e"},
        {"password", 8, "salt", 4, 4096, 20, "d197b1b33db0143e018b12f3d1d1479e6cdebdcc"},
        {"passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, 25,
         "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868"},
        {"pass\0word", 9, "sa\0lt", 5, 4096, 16, "9d9e9c4cd21fe4be24d5b8244c759665"},
        {"passwd", 6, "salt", 4, 1, 128,
         "c74319d99499fc3e9013acff597c23c5baf0a0bec5634c46b8352b793e324723d55caa76b2b25c43402dcfdc06cdcf66"
         "f95b7d0429420b39520006749c51a04ef3eb99e576617395a178ba33214793e48045132928a9e9bf2661769fdc668f31"
         "798597aaf6da70dd996a81019726084d70f152baed8aafe2227c07636c6ddece"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t out[128];
        assert_int_equal(yuma_pbkdf2_hmac_sha512((const uint8_t *)v[i].pass, v[i].pass_len,
                                                 (const uint8_t *)v[i].salt, v[i].salt_len,
                                                 v[i].iterations, out, v[i].dk_len),
                         YUMA_KEYS_OK);
        assert_bytes_hex(out, v[i].dk_len, v[i].dk);
    }
}

static void test_pbkdf2_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    assert_int_equal(yuma_pbkdf2_hmac_sha512((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 0,
                                             out, sizeof out), YUMA_KEYS_EINVAL);
    assert_int_equal(yuma_pbkdf2_hmac_sha512((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 1,
                                             out, 0), YUMA_KEYS_EINVAL);
#if SIZE_MAX / 64 > UINT32_MAX
    /* More than 2^32 - 1 blocks: refused before anything is written. */
    assert_int_equal(yuma_pbkdf2_hmac_sha512((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 1,
                                             out, (size_t)UINT32_MAX * 64 + 1), YUMA_KEYS_EINVAL);
#endif
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EINVAL), "invalid argument");
}

static void test_mnemonic_generate(void **state)
{
    (void)state;
    static const unsigned counts[] = {12, 15, 18, 21, 24};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char a[YUMA_MNEMONIC_MAX], b[YUMA_MNEMONIC_MAX];
        assert_int_equal(yuma_mnemonic_generate(counts[i], a), YUMA_KEYS_OK);
        assert_int_equal(yuma_mnemonic_generate(counts[i], b), YUMA_KEYS_OK);
        assert_string_not_equal(a, b);
        size_t spaces = 0;
        for (const char *p = a; *p; p++)
            spaces += *p == ' ';
        assert_int_equal(spaces + 1, counts[i]);
        uint8_t entropy[YUMA_ENTROPY_MAX];
        size_t len;
        assert_int_equal(yuma_mnemonic_to_entropy(a, entropy, &len, NULL, 0), YUMA_KEYS_OK);
        assert_int_equal(len, counts[i] * 4 / 3);
    }
    static const unsigned bad[] = {0, 11, 13, 14, 27, 48};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[YUMA_MNEMONIC_MAX] = "junk";
        assert_int_equal(yuma_mnemonic_generate(bad[i], out), YUMA_KEYS_EWORDCOUNT);
        assert_string_equal(out, "");
    }
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EWORDCOUNT),
                        "a mnemonic has 12, 15, 18, 21 or 24 words");
}

static void test_mnemonic_from_entropy_errors(void **state)
{
    (void)state;
    uint8_t e[40] = {0};
    static const size_t bad[] = {0, 12, 15, 17, 33, 36, 40};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[YUMA_MNEMONIC_MAX] = "junk";
        assert_int_equal(yuma_mnemonic_from_entropy(e, bad[i], out), YUMA_KEYS_EENTROPY);
        assert_string_equal(out, "");
    }
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EENTROPY),
                        "mnemonic entropy must be 16, 20, 24, 28 or 32 bytes");
}

static void test_mnemonic_whitespace(void **state)
{
    (void)state;
    /* Any run of ASCII whitespace separates words; ends are trimmed. */
    uint8_t e[YUMA_ENTROPY_MAX];
    size_t len;
    assert_int_equal(yuma_mnemonic_to_entropy(
                         "  legal\twinner\n thank  year\r\nwave sausage worth useful\vlegal winner "
                         "thank\fyellow \n",
                         e, &len, NULL, 0),
                     YUMA_KEYS_OK);
    assert_int_equal(len, 16);
    assert_bytes_hex(e, len, "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f");
}

static void expect_phrase_error(const char *phrase, yuma_keys_err code, const char *message)
{
    uint8_t out[YUMA_ENTROPY_MAX];
    memset(out, 0xab, sizeof out);
    size_t len = 99;
    char err[256] = "";
    assert_int_equal(yuma_mnemonic_to_entropy(phrase, out, &len, err, sizeof err), code);
    assert_string_equal(err, message);
    static const uint8_t zero[YUMA_ENTROPY_MAX];
    assert_memory_equal(out, zero, sizeof out);
    assert_int_equal(len, 0);
    assert_int_equal(yuma_mnemonic_to_entropy(phrase, out, &len, NULL, 0), code);

    /* The derivations report the same error and leave zeroed outputs. */
    uint8_t seed[32];
    memset(seed, 0xab, sizeof seed);
    char err2[256] = "";
    assert_int_equal(yuma_seed_from_mnemonic(phrase, "pw", seed, err2, sizeof err2), code);
    assert_string_equal(err2, message);
    assert_memory_equal(seed, zero, sizeof seed);
    yuma_keypair kp;
    memset(&kp, 0xab, sizeof kp);
    assert_int_equal(yuma_keypair_from_mnemonic(phrase, NULL, &kp, NULL, 0), code);
    static const yuma_keypair zkp;
    assert_memory_equal(&kp, &zkp, sizeof kp);
}

static void test_mnemonic_errors(void **state)
{
    (void)state;
    expect_phrase_error("", YUMA_KEYS_EWORDCOUNT,
                        "mnemonic has 0 words; BIP39 mnemonics have 12, 15, 18, 21 or 24");
    expect_phrase_error("   \n\t ", YUMA_KEYS_EWORDCOUNT,
                        "mnemonic has 0 words; BIP39 mnemonics have 12, 15, 18, 21 or 24");
    expect_phrase_error("abandon", YUMA_KEYS_EWORDCOUNT,
                        "mnemonic has 1 word; BIP39 mnemonics have 12, 15, 18, 21 or 24");
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner thank",
                        YUMA_KEYS_EWORDCOUNT,
                        "mnemonic has 11 words; BIP39 mnemonics have 12, 15, 18, 21 or 24");
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner thank yellow legal",
                        YUMA_KEYS_EWORDCOUNT,
                        "mnemonic has 13 words; BIP39 mnemonics have 12, 15, 18, 21 or 24");
    /* The count is checked before the words. */
    expect_phrase_error("xyz xyz", YUMA_KEYS_EWORDCOUNT,
                        "mnemonic has 2 words; BIP39 mnemonics have 12, 15, 18, 21 or 24");

    expect_phrase_error("legal winner xyz year wave sausage worth useful legal winner thank yellow",
                        YUMA_KEYS_EWORD,
                        "unknown word \"xyz\" at position 3 (not in the BIP39 English list)");
    /* Case matters: the list is lowercase. */
    expect_phrase_error("Legal winner thank year wave sausage worth useful legal winner thank yellow",
                        YUMA_KEYS_EWORD,
                        "unknown word \"Legal\" at position 1 (not in the BIP39 English list)");
    /* A prefix of a word, and a word with extra letters, are not words. */
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner thank yell",
                        YUMA_KEYS_EWORD,
                        "unknown word \"yell\" at position 12 (not in the BIP39 English list)");
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner thank yellows",
                        YUMA_KEYS_EWORD,
                        "unknown word \"yellows\" at position 12 (not in the BIP39 English list)");
    /* Before the first and after the last word of the list. */
    expect_phrase_error("a winner thank year wave sausage worth useful legal winner thank yellow",
                        YUMA_KEYS_EWORD,
                        "unknown word \"a\" at position 1 (not in the BIP39 English list)");
    expect_phrase_error("zzz winner thank year wave sausage worth useful legal winner thank yellow",
                        YUMA_KEYS_EWORD,
                        "unknown word \"zzz\" at position 1 (not in the BIP39 English list)");
    /* Long and unprintable words are quoted safely. */
    expect_phrase_error("legal winner thank year wave sausage worth useful legal "
                        "abcdefghijklmnopqrstuvwxyzabcdef thank yellow",
                        YUMA_KEYS_EWORD,
                        "unknown word \"abcdefghijklmnopqrstuvwx...\" at position 10 (not in the "
                        "BIP39 English list)");
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner thank ye\x01llow",
                        YUMA_KEYS_EWORD,
                        "unknown word \"ye?llow\" at position 12 (not in the BIP39 English list)");
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner thank "
                        "caf\xc3\xa9",
                        YUMA_KEYS_EWORD,
                        "unknown word \"caf??\" at position 12 (not in the BIP39 English list)");

    /* Valid words, wrong checksum: Trezor's first phrase ends in "about"
     * (checksum 0011), not "abandon"; and two words of a valid phrase
     * swapped. */
    expect_phrase_error("abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                        "abandon abandon abandon",
                        YUMA_KEYS_EMNEMONIC_CHECKSUM,
                        "bad mnemonic checksum: every word is in the list, but they do not form a "
                        "valid phrase (a word mistyped as another, or out of order)");
    expect_phrase_error("legal winner thank year wave sausage worth useful legal winner yellow thank",
                        YUMA_KEYS_EMNEMONIC_CHECKSUM,
                        "bad mnemonic checksum: every word is in the list, but they do not form a "
                        "valid phrase (a word mistyped as another, or out of order)");
    expect_phrase_error("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
                        "zoo zoo zoo zoo zoo",
                        YUMA_KEYS_EMNEMONIC_CHECKSUM,
                        "bad mnemonic checksum: every word is in the list, but they do not form a "
                        "valid phrase (a word mistyped as another, or out of order)");
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_OK), "success");
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EBASE58),
                        "address contains a character that is not base58");
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_ELENGTH),
                        "address has the wrong length for an SS58 account address");
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EPREFIX), "unsupported SS58 prefix");
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_ECHECKSUM), "bad SS58 checksum");
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EWORD),
                        "mnemonic word not in the BIP39 English list");
    assert_string_equal(yuma_keys_strerror(YUMA_KEYS_EMNEMONIC_CHECKSUM), "bad mnemonic checksum");
    assert_string_equal(yuma_keys_strerror((yuma_keys_err)999), "unknown key error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_sign_verify_tamper),
        cmocka_unit_test(test_init_and_roles),
        cmocka_unit_test(test_ss58_vectors),
        cmocka_unit_test(test_ss58_prefix_range),
        cmocka_unit_test(test_ss58_errors),
        cmocka_unit_test(test_wordlist),
        cmocka_unit_test(test_bip39_trezor),
        cmocka_unit_test(test_substrate_seed),
        cmocka_unit_test(test_subkey_ed25519),
        cmocka_unit_test(test_pbkdf2_vectors),
        cmocka_unit_test(test_pbkdf2_errors),
        cmocka_unit_test(test_mnemonic_generate),
        cmocka_unit_test(test_mnemonic_from_entropy_errors),
        cmocka_unit_test(test_mnemonic_whitespace),
        cmocka_unit_test(test_mnemonic_errors),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
