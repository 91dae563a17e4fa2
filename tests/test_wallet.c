/*
 * test_wallet.c - wallets on disk (include/yuma/wallet.h, docs/WALLETS.md):
 * keys round-trip through their encrypted files and through their
 * mnemonics (matching keys.h and a published subkey vector), the file is
 * exactly the documented bytes (decrypted here with libsodium directly),
 * wrong passwords and every modified byte fail cleanly, permissions are
 * 0600/0700 whatever the umask and loose ones are refused, names, listing,
 * no overwriting, no secret in any file, and every error with its message.
 *
 * Each test works in its own mkdtemp() directory and uses argon2id's
 * minimum cost so the suite stays fast; the cost only changes how long the
 * password hash takes, not any code path.
 */
#define _GNU_SOURCE /* memmem, nftw, setenv */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "wallet/keyfile.h"
#include "wallet/wallet_internal.h"
#include "yuma/keys.h"
#include "yuma/wallet.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define PW "correct horse battery staple"
#define MIN_OPS crypto_pwhash_argon2id_OPSLIMIT_MIN
#define MIN_MEM crypto_pwhash_argon2id_MEMLIMIT_MIN

/* ---- fixture and helpers ---- */

typedef struct {
    char tmp[64];   /* the mkdtemp() directory */
    char root[128]; /* tmp/wallets: not there until a key is written */
    yuma_wallets w;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->tmp, sizeof f->tmp, "/tmp/yuma-wallet-test-XXXXXX");
    if (!mkdtemp(f->tmp))
        return -1;
    snprintf(f->root, sizeof f->root, "%s/wallets", f->tmp);
    if (yuma_wallets_open(&f->w, f->root) != YUMA_WALLET_OK ||
        yuma_wallets_set_kdf(&f->w, MIN_OPS, MIN_MEM) != YUMA_WALLET_OK)
        return -1;
    *state = f;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = nftw(f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

static const char *pathf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *pathf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < cap);
    return buf;
}

static size_t read_all(const char *path, uint8_t *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap, fp);
    assert_int_equal(fgetc(fp), EOF);
    fclose(fp);
    return n;
}

/* Rewrites an existing file in place, so its mode stays what it was. */
static void rewrite(const char *path, const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned)st.st_mode & 07777;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void assert_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(b[i], 0);
}

static void assert_msg(const yuma_wallets *w, const char *want)
{
    assert_string_equal(yuma_wallets_error(w), want);
}

static void assert_msg_has(const yuma_wallets *w, const char *part)
{
    if (!strstr(yuma_wallets_error(w), part))
        fail_msg("message \"%s\" lacks \"%s\"", yuma_wallets_error(w), part);
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        if (*p != ' ' && (p == s || p[-1] == ' '))
            n++;
    return n;
}

static int g_tmp_files;
static int count_tmp(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag;
    if (strstr(path + ftw->base, ".tmp-"))
        g_tmp_files++;
    return 0;
}

/* Temporary files (the writer's ".<name>.tmp-<hex>") anywhere under dir. */
static int temporaries_under(const char *dir)
{
    g_tmp_files = 0;
    assert_int_equal(nftw(dir, count_tmp, 16, FTW_PHYS), 0);
    return g_tmp_files;
}

/* A directory path of exactly len bytes under tmp (not created). */
static void long_path(const char *tmp, size_t len, char *out, size_t cap)
{
    assert_true(len < cap && strlen(tmp) + 2 < len);
    size_t n = (size_t)snprintf(out, cap, "%s", tmp);
    while (n < len) {
        size_t seg = len - n - 1 < 200 ? len - n - 1 : 200;
        if (seg == 0) { /* a lone '/' would end the path: lengthen the last part */
            out[n++] = 'd';
            continue;
        }
        out[n++] = '/';
        memset(out + n, 'd', seg);
        n += seg;
    }
    out[n] = '\0';
    assert_int_equal(strlen(out), len);
}

/* The published subkey vector test_keys.c checks (first of its three). */
#define SUBKEY_PHRASE "more faith dirt load echo raven swim huge stone panda prefer choose"
#define SUBKEY_PUB "06f61dc485c811532dd28ffa395e9e6808ad871ed2c70c8c557770fd2148e046"
#define SUBKEY_ADDRESS "5CDqFpN28CdqagX2vkpUNuJPPhpzGfohVRsGdLQscKNLrfqh"

/* ---- round trips ---- */

static void test_create_load_roundtrip(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], addr[YUMA_SS58_MAX], want_addr[YUMA_SS58_MAX];
    yuma_pubkey pub, looked;
    assert_int_equal(yuma_wallet_create_key(&f->w, "alice", NULL, 12, PW, 0, phrase, &pub),
                     YUMA_WALLET_OK);
    assert_msg(&f->w, "");
    assert_int_equal(count_words(phrase), 12);

    yuma_keypair kp;
    assert_int_equal(yuma_wallet_load_key(&f->w, "alice", NULL, PW, &kp), YUMA_WALLET_OK);
    assert_memory_equal(kp.pub.bytes, pub.bytes, 32);
    uint8_t sig[YUMA_SIGNATURE_BYTES];
    yuma_sign(&kp, (const uint8_t *)"hi", 2, sig);
    assert_true(yuma_verify(&pub, (const uint8_t *)"hi", 2, sig));

    /* The address needs no password, and is the key's SS58 form. */
    assert_int_equal(yuma_wallet_pubkey(&f->w, "alice", NULL, &looked, addr), YUMA_WALLET_OK);
    assert_memory_equal(looked.bytes, pub.bytes, 32);
    assert_int_equal(yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, want_addr), YUMA_KEYS_OK);
    assert_string_equal(addr, want_addr);
    assert_int_equal(yuma_wallet_pubkey(&f->w, "alice", NULL, NULL, NULL), YUMA_WALLET_OK);

    /* A 24-word encrypted hotkey in the same wallet is a different key. */
    yuma_pubkey hpub;
    char hphrase[YUMA_MNEMONIC_MAX];
    assert_int_equal(yuma_wallet_create_key(&f->w, "alice", "miner", 24, "other", 0, hphrase,
                                            &hpub), YUMA_WALLET_OK);
    assert_int_equal(count_words(hphrase), 24);
    assert_memory_not_equal(hpub.bytes, pub.bytes, 32);
    yuma_keypair hk;
    assert_int_equal(yuma_wallet_load_key(&f->w, "alice", "miner", "other", &hk), YUMA_WALLET_OK);
    assert_memory_equal(hk.pub.bytes, hpub.bytes, 32);
    assert_int_equal(yuma_wallet_pubkey(&f->w, "alice", "miner", &looked, addr), YUMA_WALLET_OK);
    assert_memory_equal(looked.bytes, hpub.bytes, 32);
    /* pub may be NULL. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "bob", NULL, 15, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    yuma_keypair_wipe(&kp);
    yuma_keypair_wipe(&hk);
    sodium_memzero(phrase, sizeof phrase);
    sodium_memzero(hphrase, sizeof hphrase);
}

static void test_regen_from_mnemonic(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX];
    yuma_pubkey pub, again;
    assert_int_equal(yuma_wallet_create_key(&f->w, "orig", NULL, 12, PW, 0, phrase, &pub),
                     YUMA_WALLET_OK);
    /* The printed phrase rebuilds the same key, under another password. */
    assert_int_equal(yuma_wallet_regen_key(&f->w, "copy", NULL, phrase, NULL, "new password", 0,
                                           &again), YUMA_WALLET_OK);
    assert_memory_equal(again.bytes, pub.bytes, 32);
    yuma_keypair a, b, direct;
    assert_int_equal(yuma_wallet_load_key(&f->w, "orig", NULL, PW, &a), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_load_key(&f->w, "copy", NULL, "new password", &b),
                     YUMA_WALLET_OK);
    assert_memory_equal(a.seed, b.seed, 32);
    assert_int_equal(yuma_keypair_from_mnemonic(phrase, NULL, &direct, NULL, 0), YUMA_KEYS_OK);
    assert_memory_equal(direct.seed, a.seed, 32);
    assert_memory_equal(direct.pub.bytes, pub.bytes, 32);
    char addr1[YUMA_SS58_MAX], addr2[YUMA_SS58_MAX];
    assert_int_equal(yuma_wallet_pubkey(&f->w, "orig", NULL, NULL, addr1), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_pubkey(&f->w, "copy", NULL, NULL, addr2), YUMA_WALLET_OK);
    assert_string_equal(addr1, addr2);

    /* A BIP39 password gives keys.h's key for it, which is another key. */
    yuma_pubkey withpw;
    assert_int_equal(yuma_wallet_regen_key(&f->w, "copy", "hot", phrase, "25th word", PW, 0,
                                           &withpw), YUMA_WALLET_OK);
    assert_int_equal(yuma_keypair_from_mnemonic(phrase, "25th word", &direct, NULL, 0),
                     YUMA_KEYS_OK);
    assert_memory_equal(withpw.bytes, direct.pub.bytes, 32);
    assert_memory_not_equal(withpw.bytes, pub.bytes, 32);

    /* A published subkey vector end to end: phrase -> wallet -> address,
     * and the public file is exactly the documented two lines. */
    yuma_pubkey vec;
    assert_int_equal(yuma_wallet_regen_key(&f->w, "vector", NULL, "  " SUBKEY_PHRASE "\n", NULL,
                                           PW, 0, &vec), YUMA_WALLET_OK);
    char addr[YUMA_SS58_MAX], p[256];
    assert_int_equal(yuma_wallet_pubkey(&f->w, "vector", NULL, NULL, addr), YUMA_WALLET_OK);
    assert_string_equal(addr, SUBKEY_ADDRESS);
    uint8_t text[256];
    size_t n = read_all(pathf(p, sizeof p, "%s/vector/coldkeypub.txt", f->root), text,
                        sizeof text - 1);
    text[n] = '\0';
    assert_string_equal((char *)text, SUBKEY_ADDRESS "\n0x" SUBKEY_PUB "\n");

    yuma_keypair_wipe(&a);
    yuma_keypair_wipe(&b);
    yuma_keypair_wipe(&direct);
    sodium_memzero(phrase, sizeof phrase);
}

/* The file is the bytes docs/WALLETS.md describes: checked field by field,
 * then opened with libsodium directly rather than through the module. */
static void test_file_format(void **state)
{
    fixture *f = *state;
    yuma_pubkey pub;
    assert_int_equal(yuma_wallet_regen_key(&f->w, "fmt", NULL, SUBKEY_PHRASE, NULL, PW, 0, &pub),
                     YUMA_WALLET_OK);
    char p[256];
    uint8_t file[512];
    size_t n = read_all(pathf(p, sizeof p, "%s/fmt/coldkey", f->root), file, sizeof file);
    assert_int_equal(n, 146);
    assert_memory_equal(file, "YUMAKEY1", 8);
    assert_int_equal(file[8], 1); /* version */
    assert_int_equal(file[9], 1); /* argon2id + XChaCha20-Poly1305 */
    static const uint8_t ops_le[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t mem_le[8] = {0x00, 0x20, 0, 0, 0, 0, 0, 0}; /* 8192 */
    assert_memory_equal(file + 10, ops_le, 8);
    assert_memory_equal(file + 18, mem_le, 8);
    assert_memory_equal(file + 66, pub.bytes, 32);

    uint8_t key[32], seed[32];
    assert_int_equal(crypto_pwhash_argon2id(key, sizeof key, PW, strlen(PW), file + 26, 1, 8192,
                                            crypto_pwhash_argon2id_ALG_ARGON2ID13), 0);
    unsigned long long mlen;
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(seed, &mlen, NULL, file + 98, 48,
                                                                file, 98, file + 42, key), 0);
    assert_int_equal(mlen, 32);
    yuma_keypair want;
    assert_int_equal(yuma_keypair_from_mnemonic(SUBKEY_PHRASE, NULL, &want, NULL, 0),
                     YUMA_KEYS_OK);
    assert_memory_equal(seed, want.seed, 32);

    /* Two files of one key differ: fresh salt and nonce each time. */
    assert_int_equal(yuma_wallet_regen_key(&f->w, "fmt2", NULL, SUBKEY_PHRASE, NULL, PW, 0, NULL),
                     YUMA_WALLET_OK);
    uint8_t file2[512];
    assert_int_equal(read_all(pathf(p, sizeof p, "%s/fmt2/coldkey", f->root), file2,
                              sizeof file2), 146);
    assert_memory_not_equal(file + 26, file2 + 26, 16);
    assert_memory_not_equal(file + 42, file2 + 42, 24);

    /* Plaintext: zero cost, salt and nonce, then the seed as is. */
    assert_int_equal(yuma_wallet_regen_key(&f->w, "fmt", "hot", SUBKEY_PHRASE, NULL, NULL,
                                           YUMA_WALLET_PLAINTEXT, NULL), YUMA_WALLET_OK);
    n = read_all(pathf(p, sizeof p, "%s/fmt/hotkeys/hot", f->root), file, sizeof file);
    assert_int_equal(n, 130);
    assert_memory_equal(file, "YUMAKEY1\x01\x00", 10);
    assert_zero(file + 10, 56);
    assert_memory_equal(file + 66, pub.bytes, 32);
    assert_memory_equal(file + 98, want.seed, 32);

    /* The stored cost is the one set when the file was written. */
    assert_int_equal(yuma_wallets_set_kdf(&f->w, 2, 16384), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "cost", NULL, 12, PW, 0, (char[YUMA_MNEMONIC_MAX]){0},
                                            NULL), YUMA_WALLET_OK);
    read_all(pathf(p, sizeof p, "%s/cost/coldkey", f->root), file, sizeof file);
    static const uint8_t ops2[8] = {2, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t mem2[8] = {0x00, 0x40, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(file + 10, ops2, 8);
    assert_memory_equal(file + 18, mem2, 8);
    yuma_keypair kp;
    assert_int_equal(yuma_wallet_load_key(&f->w, "cost", NULL, PW, &kp), YUMA_WALLET_OK);

    sodium_memzero(key, sizeof key);
    sodium_memzero(seed, sizeof seed);
    yuma_keypair_wipe(&want);
    yuma_keypair_wipe(&kp);
}

/* ---- wrong passwords and modified files ---- */

static void test_wrong_password(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256], want[512];
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/w/coldkey", f->root);
    const char *wrong[] = {"Correct horse battery staple", "", PW " ", "x"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        yuma_keypair kp;
        memset(&kp, 0xAA, sizeof kp);
        assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, wrong[i], &kp),
                         YUMA_WALLET_EPASSWORD);
        assert_msg(&f->w, pathf(want, sizeof want,
                                "wrong password (or the key file %s was modified)", p));
        assert_zero(&kp, sizeof kp);
    }
    /* No password for an encrypted key. */
    yuma_keypair kp;
    memset(&kp, 0xAA, sizeof kp);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, NULL, &kp), YUMA_WALLET_ENOPASS);
    assert_msg(&f->w, pathf(want, sizeof want, "key file %s is encrypted: a password is needed",
                            p));
    assert_zero(&kp, sizeof kp);
    /* And the right one still works afterwards. */
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_OK);
    yuma_keypair_wipe(&kp);
    sodium_memzero(phrase, sizeof phrase);
}

static void test_every_modified_byte_fails(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256];
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/w/coldkey", f->root);
    uint8_t orig[YUMA_KEYFILE_MAX], buf[YUMA_KEYFILE_MAX + 1];
    assert_int_equal(read_all(p, orig, sizeof orig), 146);
    /* One bit and a whole byte, at every offset. The header is checked
     * first (magic, version, protection, cost bounds: EFORMAT); anything
     * that passes those checks fails the authentication (EPASSWORD). */
    static const uint8_t masks[] = {0x01, 0xFF};
    for (size_t i = 0; i < 146; i++) {
        for (size_t m = 0; m < 2; m++) {
            memcpy(buf, orig, 146);
            buf[i] ^= masks[m];
            rewrite(p, buf, 146);
            yuma_keypair kp;
            memset(&kp, 0x55, sizeof kp);
            yuma_wallet_err e = yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp);
            assert_zero(&kp, sizeof kp);
            if (i < 10)
                assert_int_equal(e, YUMA_WALLET_EFORMAT);
            else if (i < 26)
                assert_true(e == YUMA_WALLET_EFORMAT || e == YUMA_WALLET_EPASSWORD);
            else
                assert_int_equal(e, YUMA_WALLET_EPASSWORD);
        }
    }
    /* The messages of each header check. */
    char want[512];
    struct {
        size_t at;
        uint8_t mask;
        const char *why;
    } cases[] = {
        {0, 0x01, "is not a yuma key file (it does not start with \"YUMAKEY1\")"},
        {8, 0x03, "has key file format version 2; this yuma reads version 1"},
        {9, 0x01, "is 146 bytes long; a plaintext key file is 130 (truncated or corrupt)"},
        {9, 0x07, "has unknown protection 0x06 (corrupt, or from a newer yuma)"},
        {10, 0x01, "names an argon2id cost (opslimit 0, memlimit 8192) outside the accepted "
                   "range (corrupt)"},
        {21, 0x80, "names an argon2id cost (opslimit 1, memlimit 2147491840) outside the "
                   "accepted range (corrupt)"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(buf, orig, 146);
        buf[cases[c].at] ^= cases[c].mask;
        rewrite(p, buf, 146);
        yuma_keypair kp;
        assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_EFORMAT);
        assert_msg(&f->w, pathf(want, sizeof want, "key file %s %s", p, cases[c].why));
    }
    /* Truncated, extended, empty. */
    rewrite(p, orig, 145);
    yuma_keypair kp;
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_EFORMAT);
    assert_msg(&f->w, pathf(want, sizeof want, "key file %s is 145 bytes long; an encrypted key "
                            "file is 146 (truncated or corrupt)", p));
    memcpy(buf, orig, 146);
    buf[146] = 0;
    rewrite(p, buf, 147);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_EFORMAT);
    assert_msg(&f->w, pathf(want, sizeof want, "%s is larger than a yuma wallet file can be "
                            "(corrupt, or not one)", p));
    rewrite(p, orig, 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_EFORMAT);
    assert_msg_has(&f->w, "is not a yuma key file");

    /* Restored, it loads again: the failures were the changes. */
    rewrite(p, orig, 146);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_OK);
    yuma_keypair_wipe(&kp);
    sodium_memzero(phrase, sizeof phrase);
}

/* A plaintext hotkey has no tag; its check is that the seed still makes
 * the stored public key, and that the unused fields are zero. */
static void test_plaintext_modified_byte_fails(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256], want[512];
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "hot", 12, NULL, YUMA_WALLET_PLAINTEXT,
                                            phrase, NULL), YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/w/hotkeys/hot", f->root);
    uint8_t orig[YUMA_KEYFILE_MAX], buf[YUMA_KEYFILE_MAX];
    assert_int_equal(read_all(p, orig, sizeof orig), 130);
    for (size_t i = 0; i < 130; i++) {
        memcpy(buf, orig, 130);
        buf[i] ^= 0x01;
        rewrite(p, buf, 130);
        yuma_keypair kp;
        memset(&kp, 0x55, sizeof kp);
        assert_int_equal(yuma_wallet_load_key(&f->w, "w", "hot", NULL, &kp), YUMA_WALLET_EFORMAT);
        assert_zero(&kp, sizeof kp);
        if (i == 9)
            assert_msg(&f->w, pathf(want, sizeof want, "key file %s is 130 bytes long; an "
                                    "encrypted key file is 146 (truncated or corrupt)", p));
        else if (i >= 10 && i < 66)
            assert_msg(&f->w, pathf(want, sizeof want, "key file %s is marked plaintext but "
                                    "has a cost, salt or nonce (corrupt)", p));
        else if (i >= 66)
            assert_msg(&f->w, pathf(want, sizeof want, "key file %s holds a secret that does "
                                    "not match its public key (corrupt)", p));
    }
    rewrite(p, orig, 130);
    yuma_keypair kp;
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", "hot", NULL, &kp), YUMA_WALLET_OK);
    /* A password given for a plaintext key is not needed and not used. */
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", "hot", "anything", &kp), YUMA_WALLET_OK);
    yuma_keypair_wipe(&kp);
    sodium_memzero(phrase, sizeof phrase);
}

/* ---- permissions ---- */

static void test_permissions(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256];
    /* The modes must not depend on the umask: the most permissive one, and
     * one so strict that mkdir/open alone would lock the owner out. */
    mode_t old = umask(0);
    assert_int_equal(yuma_wallet_create_key(&f->w, "open", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "open", "enc", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "open", "plain", 12, NULL,
                                            YUMA_WALLET_PLAINTEXT, phrase, NULL), YUMA_WALLET_OK);
    umask(0777);
    assert_int_equal(yuma_wallet_create_key(&f->w, "strict", "hot", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    umask(old);

    assert_int_equal(mode_of(f->root), 0700);
    const char *dirs[] = {"open", "open/hotkeys", "strict", "strict/hotkeys"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(mode_of(pathf(p, sizeof p, "%s/%s", f->root, dirs[i])), 0700);
    const char *files[] = {"open/coldkey", "open/coldkeypub.txt", "open/hotkeys/enc",
                           "open/hotkeys/encpub.txt", "open/hotkeys/plain",
                           "open/hotkeys/plainpub.txt", "strict/hotkeys/hot",
                           "strict/hotkeys/hotpub.txt"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        assert_int_equal(mode_of(pathf(p, sizeof p, "%s/%s", f->root, files[i])), 0600);

    /* Loose key files are refused, with the fix in the message. */
    char want[512];
    yuma_keypair kp;
    pathf(p, sizeof p, "%s/open/coldkey", f->root);
    assert_int_equal(chmod(p, 0644), 0);
    memset(&kp, 0xAA, sizeof kp);
    assert_int_equal(yuma_wallet_load_key(&f->w, "open", NULL, PW, &kp), YUMA_WALLET_EPERM);
    assert_msg(&f->w, pathf(want, sizeof want,
                            "key file %s is readable by others (mode 0644): run chmod 600 %s", p,
                            p));
    assert_zero(&kp, sizeof kp);
    assert_int_equal(chmod(p, 0640), 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "open", NULL, PW, &kp), YUMA_WALLET_EPERM);
    assert_int_equal(chmod(p, 0620), 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "open", NULL, PW, &kp), YUMA_WALLET_EPERM);
    assert_msg(&f->w, pathf(want, sizeof want,
                            "key file %s is writable by others (mode 0620): run chmod 600 %s", p,
                            p));
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "open", NULL, PW, &kp), YUMA_WALLET_OK);
    /* Stricter than 0600 is fine. */
    assert_int_equal(chmod(p, 0400), 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "open", NULL, PW, &kp), YUMA_WALLET_OK);

    /* Plaintext hotkeys most of all. */
    pathf(p, sizeof p, "%s/open/hotkeys/plain", f->root);
    assert_int_equal(chmod(p, 0604), 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "open", "plain", NULL, &kp), YUMA_WALLET_EPERM);
    assert_msg(&f->w, pathf(want, sizeof want,
                            "key file %s is readable by others (mode 0604): run chmod 600 %s", p,
                            p));
    /* Public files are public: their mode is not checked. */
    assert_int_equal(chmod(pathf(p, sizeof p, "%s/open/coldkeypub.txt", f->root), 0644), 0);
    assert_int_equal(yuma_wallet_pubkey(&f->w, "open", NULL, NULL, NULL), YUMA_WALLET_OK);
    yuma_keypair_wipe(&kp);
    sodium_memzero(phrase, sizeof phrase);
}

/* ---- names, listing, overwriting ---- */

static void test_names(void **state)
{
    fixture *f = *state;
    char max[YUMA_WALLET_NAME_MAX + 2];
    memset(max, 'a', YUMA_WALLET_NAME_MAX);
    max[YUMA_WALLET_NAME_MAX] = '\0';
    const char *good[] = {"a", "default", "A-z_09", "-", "__", max};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(yuma_wallet_name_valid(good[i]));
    char over[YUMA_WALLET_NAME_MAX + 2];
    memset(over, 'a', YUMA_WALLET_NAME_MAX + 1);
    over[YUMA_WALLET_NAME_MAX + 1] = '\0';
    const char *bad[] = {"", "a/b", "/", "..", ".", ".hidden", "a.b", "a b", "caf\xc3\xa9",
                         "a\n", "a\\b", "~", over};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(yuma_wallet_name_valid(bad[i]));
    assert_false(yuma_wallet_name_valid(NULL));

    /* Every entry point refuses them, naming the name and the rule. */
    char phrase[YUMA_MNEMONIC_MAX];
    yuma_keypair kp;
    yuma_wallet_names names;
    assert_int_equal(yuma_wallet_create_key(&f->w, "../evil", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_ENAME);
    assert_msg(&f->w, "invalid wallet name '../evil': names are 1 to 64 characters of A-Z, "
                      "a-z, 0-9, _ and -");
    assert_int_equal(yuma_wallet_create_key(&f->w, "ok", "a/b", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_ENAME);
    assert_msg(&f->w, "invalid hotkey name 'a/b': names are 1 to 64 characters of A-Z, a-z, "
                      "0-9, _ and -");
    assert_int_equal(yuma_wallet_regen_key(&f->w, NULL, NULL, SUBKEY_PHRASE, NULL, PW, 0, NULL),
                     YUMA_WALLET_ENAME);
    assert_msg(&f->w, "no wallet name given");
    assert_int_equal(yuma_wallet_load_key(&f->w, "", NULL, PW, &kp), YUMA_WALLET_ENAME);
    assert_msg_has(&f->w, "invalid wallet name ''");
    assert_int_equal(yuma_wallet_pubkey(&f->w, "a\tb", NULL, NULL, NULL), YUMA_WALLET_ENAME);
    assert_msg_has(&f->w, "invalid wallet name 'a?b'"); /* control characters shown as '?' */
    assert_int_equal(yuma_wallet_list_hotkeys(&f->w, over, &names), YUMA_WALLET_ENAME);
    char want[256];
    assert_msg_has(&f->w, pathf(want, sizeof want, "invalid wallet name '%s...'", max));
    assert_int_equal(names.count, 0);
    /* Nothing was created by any of them. */
    assert_false(exists(f->root));
}

static void test_listing(void **state)
{
    fixture *f = *state;
    yuma_wallet_names names;
    /* No root yet: no wallets, not an error. */
    assert_int_equal(yuma_wallet_list(&f->w, &names), YUMA_WALLET_OK);
    assert_int_equal(names.count, 0);
    yuma_wallet_names_free(&names);

    char phrase[YUMA_MNEMONIC_MAX], p[256];
    const char *made[] = {"zeta", "alpha", "Mid", "b-2"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(yuma_wallet_create_key(&f->w, made[i], NULL, 12, PW, 0, phrase, NULL),
                         YUMA_WALLET_OK);
    /* Things that are not wallets are skipped. */
    assert_int_equal(mkdir(pathf(p, sizeof p, "%s/bad.name", f->root), 0700), 0);
    assert_int_equal(mkdir(pathf(p, sizeof p, "%s/.hidden", f->root), 0700), 0);
    FILE *fp = fopen(pathf(p, sizeof p, "%s/notawallet", f->root), "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(yuma_wallet_list(&f->w, &names), YUMA_WALLET_OK);
    assert_int_equal(names.count, 4);
    assert_string_equal(names.names[0], "Mid"); /* byte order: uppercase first */
    assert_string_equal(names.names[1], "alpha");
    assert_string_equal(names.names[2], "b-2");
    assert_string_equal(names.names[3], "zeta");
    yuma_wallet_names_free(&names);
    assert_null(names.names);
    yuma_wallet_names_free(&names); /* twice is harmless */
    yuma_wallet_names_free(NULL);

    /* Hotkeys: key files only, not the *pub.txt files. */
    assert_int_equal(yuma_wallet_list_hotkeys(&f->w, "alpha", &names), YUMA_WALLET_OK);
    assert_int_equal(names.count, 0);
    yuma_wallet_names_free(&names);
    assert_int_equal(yuma_wallet_create_key(&f->w, "alpha", "hk2", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "alpha", "hk1", 12, NULL,
                                            YUMA_WALLET_PLAINTEXT, phrase, NULL), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "alpha", "default", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_list_hotkeys(&f->w, "alpha", &names), YUMA_WALLET_OK);
    assert_int_equal(names.count, 3);
    assert_string_equal(names.names[0], "default");
    assert_string_equal(names.names[1], "hk1");
    assert_string_equal(names.names[2], "hk2");
    yuma_wallet_names_free(&names);

    /* A hotkey may come before its wallet's coldkey (as in the reference). */
    assert_int_equal(yuma_wallet_create_key(&f->w, "hotonly", "h", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_list(&f->w, &names), YUMA_WALLET_OK);
    assert_int_equal(names.count, 5);
    yuma_wallet_names_free(&names);

    assert_int_equal(yuma_wallet_list_hotkeys(&f->w, "nope", &names), YUMA_WALLET_ENOENT);
    char want[512];
    assert_msg(&f->w, pathf(want, sizeof want, "no wallet 'nope' in %s", f->root));
    assert_int_equal(names.count, 0);
    yuma_wallet_names_free(&names);

    /* No temporary file outlives a write. */
    assert_int_equal(temporaries_under(f->root), 0);
    assert_int_equal(yuma_wallet_list(NULL, &names), YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallet_list(&f->w, NULL), YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallet_list_hotkeys(&f->w, "alpha", NULL), YUMA_WALLET_EINVAL);
    sodium_memzero(phrase, sizeof phrase);
}

static void test_no_overwrite(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], second[YUMA_MNEMONIC_MAX], p[256], want[512];
    yuma_pubkey pub, other;
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 0, phrase, &pub),
                     YUMA_WALLET_OK);
    uint8_t before[YUMA_KEYFILE_MAX], after[YUMA_KEYFILE_MAX];
    pathf(p, sizeof p, "%s/w/coldkey", f->root);
    read_all(p, before, sizeof before);

    memset(second, 'x', sizeof second);
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, "other", 0, second, &other),
                     YUMA_WALLET_EEXIST);
    assert_msg(&f->w, pathf(want, sizeof want, "wallet 'w' already exists (%s): choose another "
                            "name, or overwrite it explicitly", p));
    assert_zero(second, sizeof second); /* no phrase for a key that was not made */
    assert_zero(&other, sizeof other);
    assert_int_equal(yuma_wallet_regen_key(&f->w, "w", NULL, SUBKEY_PHRASE, NULL, "other", 0,
                                           NULL), YUMA_WALLET_EEXIST);
    read_all(p, after, sizeof after);
    assert_memory_equal(before, after, 146);
    yuma_keypair kp;
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_OK);
    assert_memory_equal(kp.pub.bytes, pub.bytes, 32);

    /* Hotkeys likewise. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "h", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "h", 12, NULL, YUMA_WALLET_PLAINTEXT,
                                            second, NULL), YUMA_WALLET_EEXIST);
    assert_msg(&f->w, pathf(want, sizeof want, "hotkey 'h' of wallet 'w' already exists "
                            "(%s/w/hotkeys/h): choose another name, or overwrite it explicitly",
                            f->root));

    /* A watch-only wallet (public file only) is not replaced either. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "watch", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(unlink(pathf(p, sizeof p, "%s/watch/coldkey", f->root)), 0);
    assert_int_equal(yuma_wallet_create_key(&f->w, "watch", NULL, 12, PW, 0, second, NULL),
                     YUMA_WALLET_EEXIST);
    assert_msg(&f->w, pathf(want, sizeof want, "wallet 'watch' already exists "
                            "(%s/watch/coldkeypub.txt): choose another name, or overwrite it "
                            "explicitly", f->root));

    /* Explicitly, it is replaced: the new key loads, the old is gone. */
    yuma_pubkey vec;
    assert_int_equal(yuma_wallet_regen_key(&f->w, "w", NULL, SUBKEY_PHRASE, NULL, "other",
                                           YUMA_WALLET_OVERWRITE, &vec), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_EPASSWORD);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, "other", &kp), YUMA_WALLET_OK);
    assert_memory_equal(kp.pub.bytes, vec.bytes, 32);
    char addr[YUMA_SS58_MAX];
    assert_int_equal(yuma_wallet_pubkey(&f->w, "w", NULL, NULL, addr), YUMA_WALLET_OK);
    assert_string_equal(addr, SUBKEY_ADDRESS);
    assert_int_equal(mode_of(pathf(p, sizeof p, "%s/w/coldkey", f->root)), 0600);
    /* Overwriting a missing key simply creates it. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "fresh", NULL, 12, PW, YUMA_WALLET_OVERWRITE,
                                            phrase, NULL), YUMA_WALLET_OK);
    yuma_keypair_wipe(&kp);
    sodium_memzero(phrase, sizeof phrase);
}

/* ---- no secret in any file ---- */

typedef struct {
    const uint8_t *needle;
    size_t len;
    int hits;
} scan;
static scan g_scans[16];
static size_t g_nscans;

static int scan_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    uint8_t buf[4096];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    for (size_t i = 0; i < g_nscans; i++)
        if (memmem(buf, n, g_scans[i].needle, g_scans[i].len))
            g_scans[i].hits++;
    sodium_memzero(buf, sizeof buf);
    return 0;
}

static void scan_add(const void *needle, size_t len)
{
    assert_true(g_nscans < 16);
    g_scans[g_nscans++] = (scan){needle, len, 0};
}

static void test_no_secret_in_files(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], hphrase[YUMA_MNEMONIC_MAX], pphrase[YUMA_MNEMONIC_MAX];
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 24, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "enc", 12, "hot password", 0, hphrase,
                                            NULL), YUMA_WALLET_OK);
    /* The control: a plaintext hotkey, whose seed the scan must find. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "plain", 12, NULL,
                                            YUMA_WALLET_PLAINTEXT, pphrase, NULL),
                     YUMA_WALLET_OK);
    yuma_keypair cold, hot, plain;
    assert_int_equal(yuma_keypair_from_mnemonic(phrase, NULL, &cold, NULL, 0), YUMA_KEYS_OK);
    assert_int_equal(yuma_keypair_from_mnemonic(hphrase, NULL, &hot, NULL, 0), YUMA_KEYS_OK);
    assert_int_equal(yuma_keypair_from_mnemonic(pphrase, NULL, &plain, NULL, 0), YUMA_KEYS_OK);
    uint8_t entropy[YUMA_ENTROPY_MAX];
    size_t elen;
    assert_int_equal(yuma_mnemonic_to_entropy(phrase, entropy, &elen, NULL, 0), YUMA_KEYS_OK);
    /* The first two words as they would appear in any phrase-like text. */
    char two[32];
    const char *sp = strchr(strchr(phrase, ' ') + 1, ' ');
    snprintf(two, sizeof two, "%.*s", (int)(sp - phrase), phrase);

    g_nscans = 0;
    scan_add(cold.seed, 32);
    scan_add(cold.secret, 64);
    scan_add(hot.seed, 32);
    scan_add(entropy, elen);
    scan_add(phrase, strlen(phrase));
    scan_add(hphrase, strlen(hphrase));
    scan_add(two, strlen(two));
    scan_add(PW, strlen(PW));
    scan_add("hot password", 12);
    scan_add(pphrase, strlen(pphrase)); /* stored: its seed, never its phrase */
    size_t control = g_nscans;
    scan_add(plain.seed, 32);
    assert_int_equal(nftw(f->root, scan_file, 16, FTW_PHYS), 0);
    for (size_t i = 0; i < control; i++)
        if (g_scans[i].hits)
            fail_msg("secret %zu found in %d file(s)", i, g_scans[i].hits);
    assert_int_equal(g_scans[control].hits, 1);

    yuma_keypair_wipe(&cold);
    yuma_keypair_wipe(&hot);
    yuma_keypair_wipe(&plain);
    sodium_memzero(entropy, sizeof entropy);
    sodium_memzero(phrase, sizeof phrase);
    sodium_memzero(hphrase, sizeof hphrase);
    sodium_memzero(pphrase, sizeof pphrase);
    sodium_memzero(two, sizeof two);
}

/* ---- argument errors ---- */

static void test_password_and_flag_rules(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX];
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, NULL, 0, phrase, NULL),
                     YUMA_WALLET_ENOPASS);
    assert_msg(&f->w, "a password is needed to encrypt wallet 'w' (coldkeys are always "
                      "encrypted)");
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, "", 0, phrase, NULL),
                     YUMA_WALLET_ENOPASS);
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "h", 12, NULL, 0, phrase, NULL),
                     YUMA_WALLET_ENOPASS);
    assert_msg(&f->w, "a password is needed to encrypt hotkey 'h' of wallet 'w' (or store it "
                      "unencrypted with YUMA_WALLET_PLAINTEXT)");
    assert_int_equal(yuma_wallet_regen_key(&f->w, "w", NULL, SUBKEY_PHRASE, NULL, NULL,
                                           YUMA_WALLET_PLAINTEXT, NULL), YUMA_WALLET_EINVAL);
    assert_msg(&f->w, "a coldkey is always encrypted: YUMA_WALLET_PLAINTEXT is only for "
                      "hotkeys");
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "h", 12, PW, YUMA_WALLET_PLAINTEXT,
                                            phrase, NULL), YUMA_WALLET_EINVAL);
    assert_msg(&f->w, "a password was given for plaintext hotkey 'h' of wallet 'w': give "
                      "either a password or YUMA_WALLET_PLAINTEXT");
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 4, phrase, NULL),
                     YUMA_WALLET_EINVAL);
    assert_msg(&f->w, "unknown wallet flags 0x4");
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 13, PW, 0, phrase, NULL),
                     YUMA_WALLET_EINVAL);
    assert_msg(&f->w, "a new mnemonic has 12, 15, 18, 21 or 24 words, not 13");
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 0, PW, 0, phrase, NULL),
                     YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 0, NULL, NULL),
                     YUMA_WALLET_EINVAL);
    assert_msg(&f->w, "no mnemonic buffer: a new key's phrase must be returned so its owner "
                      "can keep it");
    yuma_keypair kp;
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, NULL), YUMA_WALLET_EINVAL);
    assert_msg(&f->w, "no keypair to load into");
    /* No yuma_wallets at all: nowhere to put a message, only the code. */
    assert_int_equal(yuma_wallet_create_key(NULL, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallet_regen_key(NULL, "w", NULL, SUBKEY_PHRASE, NULL, PW, 0, NULL),
                     YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallet_load_key(NULL, "w", NULL, PW, &kp), YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallet_pubkey(NULL, "w", NULL, NULL, NULL), YUMA_WALLET_EINVAL);
    assert_int_equal(yuma_wallets_open(NULL, NULL), YUMA_WALLET_EINVAL);
    /* None of this wrote anything. */
    assert_false(exists(f->root));
}

static void test_mnemonic_errors(void **state)
{
    fixture *f = *state;
    struct {
        const char *phrase, *msg;
    } cases[] = {
        {"more faith dirt load echo raven swim huge stone panda prefer",
         "the mnemonic has 11 words; BIP39 mnemonics have 12, 15, 18, 21 or 24"},
        {"", "the mnemonic has 0 words; BIP39 mnemonics have 12, 15, 18, 21 or 24"},
        {"more faith dirtt load echo raven swim huge stone panda prefer choose",
         "word 3 of the mnemonic is not in the BIP39 English list (check its spelling; words "
         "are lowercase)"},
        {"more faith dirt load echo raven swim huge stone panda prefer Choose",
         "word 12 of the mnemonic is not in the BIP39 English list (check its spelling; words "
         "are lowercase)"},
        /* the vector's last two words swapped (checked to break the checksum:
         * a swap keeps it by chance one time in 16, as swapping the first
         * two does) */
        {"more faith dirt load echo raven swim huge stone panda choose prefer",
         "bad mnemonic checksum: every word is in the list but together they are not a valid "
         "phrase (a word mistyped as another, or out of order)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yuma_pubkey pub;
        memset(&pub, 0xAA, sizeof pub);
        assert_int_equal(yuma_wallet_regen_key(&f->w, "w", NULL, cases[i].phrase, NULL, PW, 0,
                                               &pub), YUMA_WALLET_EMNEMONIC);
        assert_msg(&f->w, cases[i].msg);
        assert_zero(&pub, sizeof pub);
    }
    /* The misspelt word is not quoted back: it is most of a secret. */
    assert_int_equal(yuma_wallet_regen_key(&f->w, "w", NULL, "more faith dirtt load echo raven "
                                           "swim huge stone panda prefer choose", NULL, PW, 0,
                                           NULL), YUMA_WALLET_EMNEMONIC);
    assert_null(strstr(yuma_wallets_error(&f->w), "dirt"));
    assert_int_equal(yuma_wallet_regen_key(&f->w, "w", NULL, NULL, NULL, PW, 0, NULL),
                     YUMA_WALLET_EMNEMONIC);
    assert_msg(&f->w, "no mnemonic given");
    assert_false(exists(f->root));
}

static void test_lookup_and_load_errors(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256], want[512], addr[YUMA_SS58_MAX];
    yuma_keypair kp;
    yuma_pubkey pub;
    assert_int_equal(yuma_wallet_load_key(&f->w, "ghost", NULL, PW, &kp), YUMA_WALLET_ENOENT);
    assert_msg(&f->w, pathf(want, sizeof want, "no wallet 'ghost' in %s", f->root));
    assert_int_equal(yuma_wallet_pubkey(&f->w, "ghost", "h", &pub, addr), YUMA_WALLET_ENOENT);
    assert_msg(&f->w, pathf(want, sizeof want, "no wallet 'ghost' in %s", f->root));

    /* A wallet with only a hotkey has no coldkey. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", "h", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp), YUMA_WALLET_ENOENT);
    assert_msg(&f->w, pathf(want, sizeof want, "wallet 'w' has no coldkey (%s/w/coldkey)",
                            f->root));
    assert_int_equal(yuma_wallet_pubkey(&f->w, "w", NULL, &pub, addr), YUMA_WALLET_ENOENT);
    assert_msg(&f->w, pathf(want, sizeof want, "wallet 'w' has no coldkey public key file "
                            "(%s/w/coldkeypub.txt)", f->root));
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", "h2", PW, &kp), YUMA_WALLET_ENOENT);
    assert_msg(&f->w, pathf(want, sizeof want, "wallet 'w' has no hotkey 'h2' "
                            "(%s/w/hotkeys/h2)", f->root));
    assert_int_equal(unlink(pathf(p, sizeof p, "%s/w/hotkeys/hpub.txt", f->root)), 0);
    assert_int_equal(yuma_wallet_pubkey(&f->w, "w", "h", &pub, addr), YUMA_WALLET_ENOENT);
    assert_msg(&f->w, pathf(want, sizeof want, "wallet 'w' has no hotkey 'h' public key file "
                            "(%s/w/hotkeys/hpub.txt)", f->root));

    /* Corrupt public files: each way it can be wrong. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "c", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/c/coldkeypub.txt", f->root);
    const char *bad[] = {
        "",
        "\n0x" SUBKEY_PUB "\n",
        SUBKEY_ADDRESS "\n",
        SUBKEY_ADDRESS "\n0x" SUBKEY_PUB,                /* no final newline */
        SUBKEY_ADDRESS "\n0x" SUBKEY_PUB "\nextra\n",
        SUBKEY_ADDRESS "\n" SUBKEY_PUB "00\n",           /* no 0x */
        "5CDqFpN28CdqagX2vkpUNuJPPhpzGfohVRsGdLQscKNLrfqi\n0x" SUBKEY_PUB "\n", /* checksum */
        SUBKEY_ADDRESS "\n0x16f61dc485c811532dd28ffa395e9e6808ad871ed2c70c8c557770fd2148e046\n",
        SUBKEY_ADDRESS "\n0xZ6f61dc485c811532dd28ffa395e9e6808ad871ed2c70c8c557770fd2148e046\n",
        "1" SUBKEY_ADDRESS SUBKEY_ADDRESS "\n0x" SUBKEY_PUB "\n", /* address too long */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rewrite(p, (const uint8_t *)bad[i], strlen(bad[i]));
        assert_int_equal(yuma_wallet_pubkey(&f->w, "c", NULL, &pub, addr), YUMA_WALLET_EFORMAT);
        assert_msg(&f->w, pathf(want, sizeof want, "public key file %s is not an SS58 address "
                                "line and the same key's 0x-hex line (corrupt: regenerate the "
                                "key to rewrite it)", p));
        assert_zero(&pub, sizeof pub);
        assert_string_equal(addr, "");
    }
    /* The control: the same key's well-formed file is accepted. */
    const char *good = SUBKEY_ADDRESS "\n0x" SUBKEY_PUB "\n";
    rewrite(p, (const uint8_t *)good, strlen(good));
    assert_int_equal(yuma_wallet_pubkey(&f->w, "c", NULL, &pub, addr), YUMA_WALLET_OK);
    assert_string_equal(addr, SUBKEY_ADDRESS);
    /* A prefix other than 42 is another chain's address. */
    char other[YUMA_SS58_MAX], text[256];
    yuma_pubkey vec;
    assert_int_equal(yuma_ss58_decode(SUBKEY_ADDRESS, &vec, NULL, NULL, 0), YUMA_KEYS_OK);
    assert_int_equal(yuma_ss58_encode(&vec, 0, other), YUMA_KEYS_OK);
    snprintf(text, sizeof text, "%s\n0x%s\n", other, SUBKEY_PUB);
    rewrite(p, (const uint8_t *)text, strlen(text));
    assert_int_equal(yuma_wallet_pubkey(&f->w, "c", NULL, &pub, addr), YUMA_WALLET_EFORMAT);
    /* Too large to be one. */
    uint8_t big[300];
    memset(big, 'a', sizeof big);
    rewrite(p, big, sizeof big);
    assert_int_equal(yuma_wallet_pubkey(&f->w, "c", NULL, &pub, addr), YUMA_WALLET_EFORMAT);
    assert_msg(&f->w, pathf(want, sizeof want, "%s is larger than a yuma wallet file can be "
                            "(corrupt, or not one)", p));

    /* A key path that is a directory, and a wallet that is a file. */
    assert_int_equal(mkdir(pathf(p, sizeof p, "%s/w/hotkeys/dir", f->root), 0700), 0);
    assert_int_equal(yuma_wallet_load_key(&f->w, "w", "dir", PW, &kp), YUMA_WALLET_EFORMAT);
    assert_msg(&f->w, pathf(want, sizeof want, "%s is not a regular file", p));
    FILE *fp = fopen(pathf(p, sizeof p, "%s/file", f->root), "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(yuma_wallet_load_key(&f->w, "file", NULL, PW, &kp), YUMA_WALLET_EIO);
    assert_msg(&f->w, pathf(want, sizeof want, "cannot open %s/file/coldkey: Not a directory",
                            f->root));
    assert_int_equal(yuma_wallet_pubkey(&f->w, "file", NULL, &pub, addr), YUMA_WALLET_EIO);
    assert_int_equal(yuma_wallet_list_hotkeys(&f->w, "file", &(yuma_wallet_names){0}),
                     YUMA_WALLET_EIO);
    assert_msg(&f->w, pathf(want, sizeof want, "cannot list %s/file/hotkeys: Not a directory",
                            f->root));
    /* Writing under it cannot even check what is there. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "file", "h", 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_EIO);
    assert_msg(&f->w, pathf(want, sizeof want, "cannot check %s/file/hotkeys/h: Not a directory",
                            f->root));
    /* A wallet file where the wallets directory should be. */
    yuma_wallets w2;
    assert_int_equal(yuma_wallets_open(&w2, p), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallets_set_kdf(&w2, MIN_OPS, MIN_MEM), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_list(&w2, &(yuma_wallet_names){0}), YUMA_WALLET_EIO);
    assert_msg(&w2, pathf(want, sizeof want, "cannot list %s: Not a directory", p));
    sodium_memzero(phrase, sizeof phrase);
}

/* ---- where wallets live ---- */

static void test_open_and_root(void **state)
{
    fixture *f = *state;
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *saved_env = getenv("YUMA_WALLET_PATH") ? strdup(getenv("YUMA_WALLET_PATH")) : NULL;
    char want[512];
    yuma_wallets w;

    setenv("HOME", f->tmp, 1);
    unsetenv("YUMA_WALLET_PATH");
    assert_int_equal(yuma_wallets_open(&w, NULL), YUMA_WALLET_OK);
    assert_string_equal(w.root, pathf(want, sizeof want, "%s/.yuma/wallets", f->tmp));
    assert_int_equal(w.opslimit, YUMA_WALLET_OPSLIMIT_DEFAULT);
    assert_int_equal(w.memlimit, YUMA_WALLET_MEMLIMIT_DEFAULT);
    assert_msg(&w, "");
    /* Writing creates ~/.yuma and ~/.yuma/wallets, both private. */
    assert_int_equal(yuma_wallets_set_kdf(&w, MIN_OPS, MIN_MEM), YUMA_WALLET_OK);
    char phrase[YUMA_MNEMONIC_MAX], p[256];
    assert_int_equal(yuma_wallet_create_key(&w, "default", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    assert_int_equal(mode_of(pathf(p, sizeof p, "%s/.yuma", f->tmp)), 0700);
    assert_int_equal(mode_of(pathf(p, sizeof p, "%s/.yuma/wallets", f->tmp)), 0700);
    assert_true(exists(pathf(p, sizeof p, "%s/.yuma/wallets/default/coldkey", f->tmp)));

    /* YUMA_WALLET_PATH beats HOME; an argument beats both. */
    setenv("YUMA_WALLET_PATH", "/elsewhere/wallets", 1);
    assert_int_equal(yuma_wallets_open(&w, NULL), YUMA_WALLET_OK);
    assert_string_equal(w.root, "/elsewhere/wallets");
    assert_int_equal(yuma_wallets_open(&w, "/given//"), YUMA_WALLET_OK);
    assert_string_equal(w.root, "/given"); /* trailing slashes dropped */
    assert_int_equal(yuma_wallets_open(&w, "/"), YUMA_WALLET_OK);
    assert_string_equal(w.root, "/");
    setenv("YUMA_WALLET_PATH", "", 1); /* empty counts as unset */
    assert_int_equal(yuma_wallets_open(&w, NULL), YUMA_WALLET_OK);
    assert_string_equal(w.root, pathf(want, sizeof want, "%s/.yuma/wallets", f->tmp));

    assert_int_equal(yuma_wallets_open(&w, ""), YUMA_WALLET_EINVAL);
    assert_msg(&w, "the wallet directory is an empty string");
    unsetenv("YUMA_WALLET_PATH");
    unsetenv("HOME");
    assert_int_equal(yuma_wallets_open(&w, NULL), YUMA_WALLET_ENOHOME);
    assert_msg(&w, "no wallet directory: HOME is not set; set YUMA_WALLET_PATH or give a "
                   "directory");
    setenv("HOME", "", 1);
    assert_int_equal(yuma_wallets_open(&w, NULL), YUMA_WALLET_ENOHOME);

    char *huge = malloc(5000);
    assert_non_null(huge);
    memset(huge, 'd', 4999);
    huge[0] = '/';
    huge[4999] = '\0';
    assert_int_equal(yuma_wallets_open(&w, huge), YUMA_WALLET_ETOOLONG);
    assert_msg(&w, "the wallet directory's path is longer than 4095 bytes");
    assert_string_equal(w.root, "");
    setenv("YUMA_WALLET_PATH", huge, 1);
    assert_int_equal(yuma_wallets_open(&w, NULL), YUMA_WALLET_ETOOLONG);
    free(huge);

    if (saved_home)
        setenv("HOME", saved_home, 1);
    else
        unsetenv("HOME");
    if (saved_env)
        setenv("YUMA_WALLET_PATH", saved_env, 1);
    else
        unsetenv("YUMA_WALLET_PATH");
    free(saved_home);
    free(saved_env);
    sodium_memzero(phrase, sizeof phrase);
}

static void test_set_kdf(void **state)
{
    fixture *f = *state;
    const char *msg_fmt = "argon2id cost out of range: opslimit %llu (allowed 1..64), memlimit "
                          "%llu bytes (allowed 8192..2147483648)";
    struct {
        uint64_t ops, mem;
    } bad[] = {{0, 8192}, {65, 8192}, {1, 8191}, {1, 2147483649ull}, {UINT64_MAX, UINT64_MAX}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(yuma_wallets_set_kdf(&f->w, bad[i].ops, bad[i].mem), YUMA_WALLET_EINVAL);
        char want[256];
        snprintf(want, sizeof want, msg_fmt, (unsigned long long)bad[i].ops,
                 (unsigned long long)bad[i].mem);
        assert_msg(&f->w, want);
        /* Unchanged. */
        assert_int_equal(f->w.opslimit, MIN_OPS);
        assert_int_equal(f->w.memlimit, MIN_MEM);
    }
    assert_int_equal(yuma_wallets_set_kdf(&f->w, 64, 2147483648ull), YUMA_WALLET_OK);
    assert_msg(&f->w, ""); /* success clears the last message */
    assert_int_equal(yuma_wallets_set_kdf(&f->w, 1, 8192), YUMA_WALLET_OK);
}

/* ---- file system failures ---- */

static void test_write_failures(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[4200], want[9000];
    yuma_wallets w2;

    /* A file where a directory must be made. */
    FILE *fp = fopen(pathf(p, sizeof p, "%s/plainfile", f->tmp), "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(yuma_wallets_open(&w2, pathf(p, sizeof p, "%s/plainfile/wallets", f->tmp)),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallets_set_kdf(&w2, MIN_OPS, MIN_MEM), YUMA_WALLET_OK);
    memset(phrase, 'x', sizeof phrase);
    assert_int_equal(yuma_wallet_create_key(&w2, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_EIO);
    /* (prepare() asked first whether the key exists, which already fails) */
    assert_msg(&w2, pathf(want, sizeof want, "cannot check %s/plainfile/wallets/w/coldkey: Not a "
                          "directory", f->tmp));
    assert_zero(phrase, sizeof phrase);
    /* Overwriting skips that check and fails making the directories. */
    assert_int_equal(yuma_wallet_create_key(&w2, "w", NULL, 12, PW, YUMA_WALLET_OVERWRITE, phrase,
                                            NULL), YUMA_WALLET_EIO);
    assert_msg(&w2, pathf(want, sizeof want, "%s/plainfile exists and is not a directory: move "
                          "it away or choose another wallet directory", f->tmp));
    assert_zero(phrase, sizeof phrase);

    /* A directory whose name the file system refuses. */
    char name[300];
    memset(name, 'n', 299);
    name[299] = '\0';
    assert_int_equal(yuma_wallets_open(&w2, pathf(p, sizeof p, "%s/%s", f->tmp, name)),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallets_set_kdf(&w2, MIN_OPS, MIN_MEM), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_regen_key(&w2, "w", NULL, SUBKEY_PHRASE, NULL, PW,
                                           YUMA_WALLET_OVERWRITE, NULL), YUMA_WALLET_EIO);
    assert_msg(&w2, pathf(want, sizeof want, "cannot create directory %s: File name too long",
                          w2.root));

    /* Paths too long for the key files. */
    char root[4200];
    long_path(f->tmp, 4090, root, sizeof root);
    assert_int_equal(yuma_wallets_open(&w2, root), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&w2, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_ETOOLONG);
    assert_msg(&w2, "the files of wallet 'w' would have paths longer than 4095 bytes: use a "
                    "shorter wallet directory");
    assert_int_equal(yuma_wallet_list_hotkeys(&w2, "w", &(yuma_wallet_names){0}),
                     YUMA_WALLET_ETOOLONG);
    assert_msg(&w2, "the hotkeys directory of wallet 'w' would have a path longer than 4095 "
                    "bytes: use a shorter wallet directory");
    static char over[5000];
    memset(over, 'a', sizeof over - 1);
    assert_int_equal(yuma_wallet_mkdirs(&w2, over), YUMA_WALLET_ETOOLONG);
    assert_msg_has(&w2, "path too long: aaaa");

    /* Long enough that the coldkey's temporary fits but its public file's
     * does not: the key is written, the public file fails, and the key is
     * taken back out so nothing is left half made. */
    long_path(f->tmp, 4060, root, sizeof root);
    assert_int_equal(yuma_wallets_open(&w2, root), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallets_set_kdf(&w2, MIN_OPS, MIN_MEM), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&w2, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_ETOOLONG);
    assert_msg(&w2, pathf(want, sizeof want, "path too long (over 4095 bytes) for a file in %s/w "
                          "(so wallet 'w' was not created)", root));
    assert_zero(phrase, sizeof phrase);
    assert_false(exists(pathf(p, sizeof p, "%s/w/coldkey", root)));
    assert_true(exists(pathf(p, sizeof p, "%s/w", root))); /* directories stay */

    /* The public file's name taken by a directory, when overwriting: the
     * new key is in place and the message says the public file is stale. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "o", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/o/coldkeypub.txt", f->root);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(mkdir(p, 0700), 0);
    yuma_pubkey pub;
    memset(&pub, 0xAA, sizeof pub);
    assert_int_equal(yuma_wallet_regen_key(&f->w, "o", NULL, SUBKEY_PHRASE, NULL, PW,
                                           YUMA_WALLET_OVERWRITE, &pub), YUMA_WALLET_EIO);
    assert_msg(&f->w, pathf(want, sizeof want, "cannot write %s: Is a directory (the new key of "
                            "wallet 'o' is in place but its public key file is stale: regenerate "
                            "it again)", p));
    assert_zero(&pub, sizeof pub);
    /* The key file's name taken by a directory, when overwriting. */
    pathf(p, sizeof p, "%s/o/hotkeys/h", f->root);
    assert_int_equal(yuma_wallet_mkdirs(&f->w, p), YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_create_key(&f->w, "o", "h", 12, PW, YUMA_WALLET_OVERWRITE,
                                            phrase, NULL), YUMA_WALLET_EIO);
    assert_msg(&f->w, pathf(want, sizeof want, "cannot write %s: Is a directory", p));

    /* No temporaries anywhere after those failures. */
    assert_int_equal(temporaries_under(f->tmp), 0);
    sodium_memzero(phrase, sizeof phrase);
}

/* The link()-based no-replace write refuses a name that appeared after
 * the existence check (the race prepare() cannot see). */
static void test_write_file_no_replace(void **state)
{
    fixture *f = *state;
    char p[256], want[512];
    assert_int_equal(yuma_wallet_mkdirs(&f->w, f->root), YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/x", f->root);
    assert_int_equal(yuma_wallet_write_file(&f->w, p, (const uint8_t *)"one", 3, false),
                     YUMA_WALLET_OK);
    assert_int_equal(yuma_wallet_write_file(&f->w, p, (const uint8_t *)"two", 3, false),
                     YUMA_WALLET_EEXIST);
    assert_msg(&f->w, pathf(want, sizeof want, "%s already exists", p));
    uint8_t buf[8];
    assert_int_equal(read_all(p, buf, sizeof buf), 3);
    assert_memory_equal(buf, "one", 3);
    assert_int_equal(yuma_wallet_write_file(&f->w, p, (const uint8_t *)"three", 5, true),
                     YUMA_WALLET_OK);
    assert_int_equal(read_all(p, buf, sizeof buf), 5);
    assert_int_equal(mode_of(p), 0600);
    /* The temporary cannot be made where the directory is missing. */
    assert_int_equal(yuma_wallet_write_file(&f->w, pathf(p, sizeof p, "%s/no/such", f->root),
                                            (const uint8_t *)"x", 1, true), YUMA_WALLET_EIO);
    assert_msg(&f->w, pathf(want, sizeof want, "cannot create a file in %s/no: No such file or "
                            "directory", f->root));
    /* A relative name writes in the current directory ("." as its dir). */
    char cwd[256];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->root), 0);
    assert_int_equal(yuma_wallet_write_file(&f->w, "rel", (const uint8_t *)"r", 1, false),
                     YUMA_WALLET_OK);
    assert_int_equal(chdir(cwd), 0);
    assert_true(exists(pathf(p, sizeof p, "%s/rel", f->root)));
}

/* A file that cannot be written whole (RLIMIT_FSIZE makes write() fail
 * with EFBIG): the error names the step and no temporary is left. */
static void test_short_write(void **state)
{
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256];
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 100; /* a key file is 146 bytes */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    memset(phrase, 'x', sizeof phrase);
    yuma_wallet_err e = yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 0, phrase, NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(e, YUMA_WALLET_EIO);
    char want[512];
    pathf(want, sizeof want, "cannot write %s/w/.coldkey.tmp-", f->root);
    assert_msg_has(&f->w, want);
    assert_msg_has(&f->w, ": File too large");
    assert_zero(phrase, sizeof phrase);
    assert_false(exists(pathf(p, sizeof p, "%s/w/coldkey", f->root)));
    yuma_wallet_names names;
    assert_int_equal(temporaries_under(f->root), 0);
    /* The wallet directory exists but holds no key: listed, unloadable. */
    assert_int_equal(yuma_wallet_list(&f->w, &names), YUMA_WALLET_OK);
    assert_int_equal(names.count, 1);
    yuma_wallet_names_free(&names);
}

/* argon2id that cannot get its memory: writing and reading both say so. */
static void test_out_of_memory(void **state)
{
#ifdef UNDER_ASAN
    /* AddressSanitizer reserves terabytes of address space, so an address
     * space limit cannot be used under it; the Release run covers this. */
    (void)state;
    skip();
#else
    fixture *f = *state;
    char phrase[YUMA_MNEMONIC_MAX], p[256], want[512];
    /* A valid minimum-cost file whose memlimit then says 2 GiB: the cost
     * is within bounds, so the reader attempts the hash. */
    assert_int_equal(yuma_wallet_create_key(&f->w, "w", NULL, 12, PW, 0, phrase, NULL),
                     YUMA_WALLET_OK);
    pathf(p, sizeof p, "%s/w/coldkey", f->root);
    uint8_t file[YUMA_KEYFILE_MAX];
    read_all(p, file, sizeof file);
    static const uint8_t two_gib[8] = {0, 0, 0, 0x80, 0, 0, 0, 0};
    memcpy(file + YUMA_KEYFILE_OFF_MEMLIMIT, two_gib, 8);
    rewrite(p, file, 146);

    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_AS, &old), 0);
    lim = old;
    lim.rlim_cur = 1024ull * 1024 * 1024; /* 1 GiB of address space */
    assert_int_equal(setrlimit(RLIMIT_AS, &lim), 0);
    yuma_keypair kp;
    memset(&kp, 0xAA, sizeof kp);
    yuma_wallet_err load = yuma_wallet_load_key(&f->w, "w", NULL, PW, &kp);
    char load_msg[512];
    snprintf(load_msg, sizeof load_msg, "%s", yuma_wallets_error(&f->w));
    assert_int_equal(yuma_wallets_set_kdf(&f->w, 1, YUMA_WALLET_MEMLIMIT_MAX), YUMA_WALLET_OK);
    memset(phrase, 'x', sizeof phrase);
    yuma_wallet_err create = yuma_wallet_create_key(&f->w, "v", NULL, 12, PW, 0, phrase, NULL);
    assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);

    assert_int_equal(load, YUMA_WALLET_ENOMEM);
    assert_string_equal(load_msg, pathf(want, sizeof want, "key file %s needs 2048 MiB for its "
                                        "password hash (argon2id), which could not be allocated",
                                        p));
    assert_zero(&kp, sizeof kp);
    assert_int_equal(create, YUMA_WALLET_ENOMEM);
    assert_msg(&f->w, "not enough memory for the password hash (argon2id over 2048 MiB): free "
                      "memory or lower the cost");
    assert_zero(phrase, sizeof phrase);
    assert_false(exists(pathf(p, sizeof p, "%s/v/coldkey", f->root)));
#endif
}

static void test_strerror(void **state)
{
    (void)state;
    const char *seen[YUMA_WALLET_ECRYPTO + 1];
    for (int e = YUMA_WALLET_OK; e <= YUMA_WALLET_ECRYPTO; e++) {
        seen[e] = yuma_wallet_strerror((yuma_wallet_err)e);
        assert_non_null(seen[e]);
        assert_true(strlen(seen[e]) > 0);
        for (int g = 0; g < e; g++)
            assert_string_not_equal(seen[e], seen[g]);
    }
    assert_string_equal(yuma_wallet_strerror(YUMA_WALLET_EPASSWORD),
                        "wrong password (or the key file was modified)");
    assert_string_equal(yuma_wallet_strerror(YUMA_WALLET_EEXIST), "wallet already exists");
    assert_string_equal(yuma_wallet_strerror(YUMA_WALLET_ENAME),
                        "invalid wallet name: use 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
    assert_string_equal(yuma_wallet_strerror((yuma_wallet_err)99), "unknown wallet error");
    /* Without a specific message, the general one is what the caller sees. */
    yuma_wallets w;
    memset(&w, 0, sizeof w);
    w.last = YUMA_WALLET_EIO;
    assert_string_equal(yuma_wallets_error(&w), "file system error");
}

int main(void)
{
    if (!yuma_crypto_init())
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_load_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regen_from_mnemonic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_modified_byte_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plaintext_modified_byte_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secret_in_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_and_flag_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mnemonic_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_and_load_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_and_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_kdf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_file_no_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
