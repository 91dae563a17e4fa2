/*
 * wallet.c - the wallet API (include/yuma/wallet.h): where wallets live,
 * which names are allowed, and creating, regenerating, loading, looking up
 * and listing keys, with messages that say what went wrong and how to fix
 * it. The key file bytes are keyfile.c's; the file system work is
 * files.c's; keys, addresses and mnemonics are keys.h's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "wallet/keyfile.h"
#include "wallet/wallet_internal.h"

const char *yuma_wallet_strerror(yuma_wallet_err err)
{
    switch (err) {
    case YUMA_WALLET_OK: return "success";
    case YUMA_WALLET_EINVAL: return "invalid argument";
    case YUMA_WALLET_ENAME:
        return "invalid wallet name: use 1 to 64 characters of A-Z, a-z, 0-9, _ and -";
    case YUMA_WALLET_ENOHOME:
        return "no wallet directory: HOME is not set; set YUMA_WALLET_PATH or give a directory";
    case YUMA_WALLET_ETOOLONG: return "path too long";
    case YUMA_WALLET_EEXIST: return "wallet already exists";
    case YUMA_WALLET_ENOENT: return "no such wallet or key";
    case YUMA_WALLET_EPERM: return "key file is readable by others: run chmod 600 on it";
    case YUMA_WALLET_EFORMAT: return "not a yuma key file, or a corrupt one";
    case YUMA_WALLET_EPASSWORD: return "wrong password (or the key file was modified)";
    case YUMA_WALLET_ENOPASS: return "a password is needed";
    case YUMA_WALLET_EMNEMONIC: return "invalid mnemonic";
    case YUMA_WALLET_ENOMEM: return "out of memory";
    case YUMA_WALLET_EIO: return "file system error";
    case YUMA_WALLET_ECRYPTO: return "libsodium could not initialise (no entropy source?)";
    }
    return "unknown wallet error";
}

/* Clears the previous call's result; every entry point starts with it. */
static void begin(yuma_wallets *w)
{
    w->last = YUMA_WALLET_OK;
    w->msg[0] = '\0';
}

const char *yuma_wallets_error(const yuma_wallets *w)
{
    if (w->last == YUMA_WALLET_OK)
        return "";
    return w->msg[0] ? w->msg : yuma_wallet_strerror(w->last);
}

yuma_wallet_err yuma_wallets_open(yuma_wallets *w, const char *root)
{
    if (!w)
        return YUMA_WALLET_EINVAL;
    memset(w, 0, sizeof *w);
    w->opslimit = YUMA_WALLET_OPSLIMIT_DEFAULT;
    w->memlimit = YUMA_WALLET_MEMLIMIT_DEFAULT;
    if (!yuma_crypto_init())
        return yuma_wallet_fail(w, YUMA_WALLET_ECRYPTO, "%s",
                                yuma_wallet_strerror(YUMA_WALLET_ECRYPTO));

    const char *env = getenv("YUMA_WALLET_PATH");
    const char *home = getenv("HOME");
    int n;
    if (root) {
        if (!*root)
            return yuma_wallet_fail(w, YUMA_WALLET_EINVAL,
                                    "the wallet directory is an empty string");
        n = snprintf(w->root, sizeof w->root, "%s", root);
    } else if (env && *env) {
        n = snprintf(w->root, sizeof w->root, "%s", env);
    } else if (home && *home) {
        n = snprintf(w->root, sizeof w->root, "%s/.yuma/wallets", home);
    } else {
        return yuma_wallet_fail(w, YUMA_WALLET_ENOHOME, "%s",
                                yuma_wallet_strerror(YUMA_WALLET_ENOHOME));
    }
    if (n < 0 || (size_t)n >= sizeof w->root) {
        w->root[0] = '\0';
        return yuma_wallet_fail(w, YUMA_WALLET_ETOOLONG,
                                "the wallet directory's path is longer than %d bytes",
                                YUMA_WALLET_PATH_MAX - 1);
    }
    /* "dir/" and "dir" are one directory; without the slash, messages show
     * "dir/w" rather than "dir//w". */
    for (size_t len = strlen(w->root); len > 1 && w->root[len - 1] == '/'; len--)
        w->root[len - 1] = '\0';
    return YUMA_WALLET_OK;
}

yuma_wallet_err yuma_wallets_set_kdf(yuma_wallets *w, uint64_t opslimit, uint64_t memlimit)
{
    begin(w);
    /* The same bounds the reader enforces, so no file is written that this
     * module would then refuse to open. */
    if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || opslimit > YUMA_WALLET_OPSLIMIT_MAX ||
        memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || memlimit > YUMA_WALLET_MEMLIMIT_MAX)
        return yuma_wallet_fail(w, YUMA_WALLET_EINVAL,
                                "argon2id cost out of range: opslimit %llu (allowed %llu..%u), "
                                "memlimit %llu bytes (allowed %llu..%u)",
                                (unsigned long long)opslimit,
                                (unsigned long long)crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                YUMA_WALLET_OPSLIMIT_MAX, (unsigned long long)memlimit,
                                (unsigned long long)crypto_pwhash_argon2id_MEMLIMIT_MIN,
                                YUMA_WALLET_MEMLIMIT_MAX);
    w->opslimit = opslimit;
    w->memlimit = memlimit;
    return YUMA_WALLET_OK;
}

bool yuma_wallet_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || n >= YUMA_WALLET_NAME_MAX)
            return false;
    }
    return n > 0;
}

/* An invalid name made safe to quote in one line: at most 64 bytes,
 * unprintable ones as '?'. */
static void shown_name(const char *name, char out[YUMA_WALLET_NAME_MAX + 4])
{
    size_t i = 0;
    for (; name[i] && i < YUMA_WALLET_NAME_MAX; i++) {
        unsigned char c = (unsigned char)name[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (name[i]) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

static yuma_wallet_err check_name(yuma_wallets *w, const char *kind, const char *name)
{
    if (yuma_wallet_name_valid(name))
        return YUMA_WALLET_OK;
    if (!name)
        return yuma_wallet_fail(w, YUMA_WALLET_ENAME, "no %s name given", kind);
    char shown[YUMA_WALLET_NAME_MAX + 4];
    shown_name(name, shown);
    return yuma_wallet_fail(w, YUMA_WALLET_ENAME,
                            "invalid %s name '%s': names are 1 to 64 characters of A-Z, a-z, "
                            "0-9, _ and -",
                            kind, shown);
}

/* Where one key lives, and how messages name it. */
typedef struct {
    char wallet_dir[YUMA_WALLET_PATH_MAX];
    char dir[YUMA_WALLET_PATH_MAX]; /* the directory holding the key */
    char key[YUMA_WALLET_PATH_MAX];
    char pub[YUMA_WALLET_PATH_MAX];
    char what[3 * YUMA_WALLET_NAME_MAX]; /* "wallet 'w'" or "hotkey 'h' of wallet 'w'" */
} keyloc;

/* snprintf into a path buffer; false when it would not fit. */
static bool path_fmt(char out[YUMA_WALLET_PATH_MAX], const char *fmt, const char *a,
                     const char *b, const char *c) __attribute__((format(printf, 2, 0)));
static bool path_fmt(char out[YUMA_WALLET_PATH_MAX], const char *fmt, const char *a,
                     const char *b, const char *c)
{
    int n = snprintf(out, YUMA_WALLET_PATH_MAX, fmt, a, b, c);
    return n >= 0 && n < YUMA_WALLET_PATH_MAX;
}

static yuma_wallet_err locate(yuma_wallets *w, const char *wallet, const char *hotkey,
                              keyloc *loc)
{
    yuma_wallet_err e = check_name(w, "wallet", wallet);
    if (e == YUMA_WALLET_OK && hotkey)
        e = check_name(w, "hotkey", hotkey);
    if (e != YUMA_WALLET_OK)
        return e;
    bool fits = path_fmt(loc->wallet_dir, "%s/%s%s", w->root, wallet, "");
    if (hotkey) {
        snprintf(loc->what, sizeof loc->what, "hotkey '%s' of wallet '%s'", hotkey, wallet);
        fits = fits && path_fmt(loc->dir, "%s/%s/%s", w->root, wallet, "hotkeys") &&
               path_fmt(loc->key, "%s/%s/hotkeys/%s", w->root, wallet, hotkey) &&
               path_fmt(loc->pub, "%s/%s/hotkeys/%spub.txt", w->root, wallet, hotkey);
    } else {
        snprintf(loc->what, sizeof loc->what, "wallet '%s'", wallet);
        fits = fits && path_fmt(loc->dir, "%s/%s%s", w->root, wallet, "") &&
               path_fmt(loc->key, "%s/%s/%s", w->root, wallet, "coldkey") &&
               path_fmt(loc->pub, "%s/%s/%s", w->root, wallet, "coldkeypub.txt");
    }
    if (!fits)
        return yuma_wallet_fail(w, YUMA_WALLET_ETOOLONG,
                                "the files of %s would have paths longer than %d bytes: use a "
                                "shorter wallet directory",
                                loc->what, YUMA_WALLET_PATH_MAX - 1);
    return YUMA_WALLET_OK;
}

/* The checks a write makes before any costly or random work: flags,
 * names, the password rule, and (without OVERWRITE) that nothing is there. */
static yuma_wallet_err prepare(yuma_wallets *w, const char *wallet, const char *hotkey,
                               const char *password, unsigned flags, keyloc *loc)
{
    unsigned known = YUMA_WALLET_PLAINTEXT | YUMA_WALLET_OVERWRITE;
    if (flags & ~known)
        return yuma_wallet_fail(w, YUMA_WALLET_EINVAL, "unknown wallet flags 0x%x",
                                flags & ~known);
    yuma_wallet_err e = locate(w, wallet, hotkey, loc);
    if (e != YUMA_WALLET_OK)
        return e;
    if (flags & YUMA_WALLET_PLAINTEXT) {
        if (!hotkey)
            return yuma_wallet_fail(w, YUMA_WALLET_EINVAL,
                                    "a coldkey is always encrypted: YUMA_WALLET_PLAINTEXT is only "
                                    "for hotkeys");
        if (password)
            return yuma_wallet_fail(w, YUMA_WALLET_EINVAL,
                                    "a password was given for plaintext %s: give either a "
                                    "password or YUMA_WALLET_PLAINTEXT",
                                    loc->what);
    } else if (!password || !*password) {
        return yuma_wallet_fail(w, YUMA_WALLET_ENOPASS, "a password is needed to encrypt %s%s",
                                loc->what,
                                hotkey ? " (or store it unencrypted with YUMA_WALLET_PLAINTEXT)"
                                       : " (coldkeys are always encrypted)");
    }
    if (!(flags & YUMA_WALLET_OVERWRITE)) {
        /* The public file counts too: a wallet holding only a coldkeypub.txt
         * (watching an address) must not have it replaced by a new key's. */
        const char *paths[2] = {loc->key, loc->pub};
        for (int i = 0; i < 2; i++) {
            bool exists;
            e = yuma_wallet_exists(w, paths[i], &exists);
            if (e != YUMA_WALLET_OK)
                return e;
            if (exists)
                return yuma_wallet_fail(w, YUMA_WALLET_EEXIST,
                                        "%s already exists (%s): choose another name, or "
                                        "overwrite it explicitly",
                                        loc->what, paths[i]);
        }
    }
    return YUMA_WALLET_OK;
}

/* The public-key file's text: SS58 address, then 0x and the hex key. */
static void pub_text(const yuma_pubkey *pub, char *out, size_t cap)
{
    char addr[YUMA_SS58_MAX], hex[2 * 32 + 1];
    yuma_ss58_encode(pub, YUMA_SS58_PREFIX, addr); /* 42 is a valid prefix */
    sodium_bin2hex(hex, sizeof hex, pub->bytes, 32);
    snprintf(out, cap, "%s\n0x%s\n", addr, hex);
}

/* Seals kp and writes the key file, then its public file. */
static yuma_wallet_err store(yuma_wallets *w, const keyloc *loc, const yuma_keypair *kp,
                             const char *password, unsigned flags)
{
    yuma_wallet_err e = yuma_wallet_mkdirs(w, loc->dir);
    if (e != YUMA_WALLET_OK)
        return e;
    uint8_t file[YUMA_KEYFILE_MAX];
    size_t len;
    e = yuma_keyfile_seal(kp, (flags & YUMA_WALLET_PLAINTEXT) ? NULL : password, w->opslimit,
                          w->memlimit, file, &len);
    if (e != YUMA_WALLET_OK)
        return yuma_wallet_fail(w, e,
                                "not enough memory for the password hash (argon2id over %llu "
                                "MiB): free memory or lower the cost",
                                (unsigned long long)(w->memlimit >> 20));
    bool overwrite = (flags & YUMA_WALLET_OVERWRITE) != 0;
    e = yuma_wallet_write_file(w, loc->key, file, len, overwrite);
    sodium_memzero(file, sizeof file);
    if (e != YUMA_WALLET_OK) /* EEXIST here: another writer made it since prepare() */
        return e;

    char text[2 * YUMA_SS58_MAX + 8];
    pub_text(&kp->pub, text, sizeof text);
    e = yuma_wallet_write_file(w, loc->pub, (const uint8_t *)text, strlen(text), true);
    if (e != YUMA_WALLET_OK) {
        char cause[YUMA_WALLET_MSG_MAX];
        memcpy(cause, w->msg, sizeof cause);
        if (!overwrite) {
            /* Take the new key back out, so the call leaves nothing behind
             * and can simply be retried. */
            unlink(loc->key);
            return yuma_wallet_fail(w, e, "%s (so %s was not created)", cause, loc->what);
        }
        return yuma_wallet_fail(w, e, "%s (the new key of %s is in place but its public key "
                                "file is stale: regenerate it again)", cause, loc->what);
    }
    return YUMA_WALLET_OK;
}

yuma_wallet_err yuma_wallet_create_key(yuma_wallets *w, const char *wallet, const char *hotkey,
                                       unsigned words, const char *password, unsigned flags,
                                       char mnemonic[YUMA_MNEMONIC_MAX], yuma_pubkey *pub)
{
    if (!w)
        return YUMA_WALLET_EINVAL;
    begin(w);
    if (pub)
        memset(pub, 0, sizeof *pub);
    if (!mnemonic)
        return yuma_wallet_fail(w, YUMA_WALLET_EINVAL,
                                "no mnemonic buffer: a new key's phrase must be returned so its "
                                "owner can keep it");
    memset(mnemonic, 0, YUMA_MNEMONIC_MAX);
    if (words != 12 && words != 15 && words != 18 && words != 21 && words != 24)
        return yuma_wallet_fail(w, YUMA_WALLET_EINVAL,
                                "a new mnemonic has 12, 15, 18, 21 or 24 words, not %u", words);
    keyloc loc;
    yuma_wallet_err e = prepare(w, wallet, hotkey, password, flags, &loc);
    if (e != YUMA_WALLET_OK)
        return e;

    yuma_keypair kp;
    yuma_mnemonic_generate(words, mnemonic); /* words checked above */
    yuma_keypair_from_mnemonic(mnemonic, NULL, &kp, NULL, 0); /* a phrase we just made */
    e = store(w, &loc, &kp, password, flags);
    if (e == YUMA_WALLET_OK && pub)
        *pub = kp.pub;
    yuma_keypair_wipe(&kp);
    if (e != YUMA_WALLET_OK)
        sodium_memzero(mnemonic, YUMA_MNEMONIC_MAX);
    return e;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Position (1-based) of the first word of phrase not in the BIP39 list, 0
 * if none. Only for the message: keys.h's own message would quote the
 * word, and a misspelt secret word is still most of a secret. */
static size_t unknown_word_position(const char *phrase)
{
    const char *p = phrase;
    for (size_t pos = 1;; pos++) {
        while (is_space(*p))
            p++;
        if (!*p)
            return 0;
        const char *start = p;
        while (*p && !is_space(*p))
            p++;
        size_t n = (size_t)(p - start);
        bool found = false;
        for (unsigned i = 0; i < YUMA_BIP39_WORDS && !found; i++) {
            const char *word = yuma_bip39_word(i);
            found = strlen(word) == n && memcmp(word, start, n) == 0;
        }
        if (!found)
            return pos;
    }
}

static size_t word_count(const char *phrase)
{
    size_t count = 0;
    for (const char *p = phrase; *p; p++)
        if (!is_space(*p) && (p == phrase || is_space(p[-1])))
            count++;
    return count;
}

yuma_wallet_err yuma_wallet_regen_key(yuma_wallets *w, const char *wallet, const char *hotkey,
                                      const char *mnemonic, const char *bip39_password,
                                      const char *password, unsigned flags, yuma_pubkey *pub)
{
    if (!w)
        return YUMA_WALLET_EINVAL;
    begin(w);
    if (pub)
        memset(pub, 0, sizeof *pub);
    keyloc loc;
    yuma_wallet_err e = prepare(w, wallet, hotkey, password, flags, &loc);
    if (e != YUMA_WALLET_OK)
        return e;
    if (!mnemonic)
        return yuma_wallet_fail(w, YUMA_WALLET_EMNEMONIC, "no mnemonic given");

    yuma_keypair kp;
    char kerr[128];
    yuma_keys_err ke = yuma_keypair_from_mnemonic(mnemonic, bip39_password, &kp, kerr, sizeof kerr);
    sodium_memzero(kerr, sizeof kerr); /* it may quote a word of the phrase */
    switch (ke) {
    case YUMA_KEYS_OK:
        break;
    case YUMA_KEYS_EWORDCOUNT:
        return yuma_wallet_fail(w, YUMA_WALLET_EMNEMONIC,
                                "the mnemonic has %zu words; BIP39 mnemonics have 12, 15, 18, "
                                "21 or 24",
                                word_count(mnemonic));
    case YUMA_KEYS_EWORD:
        return yuma_wallet_fail(w, YUMA_WALLET_EMNEMONIC,
                                "word %zu of the mnemonic is not in the BIP39 English list "
                                "(check its spelling; words are lowercase)",
                                unknown_word_position(mnemonic));
    default:
        return yuma_wallet_fail(w, YUMA_WALLET_EMNEMONIC,
                                "bad mnemonic checksum: every word is in the list but together "
                                "they are not a valid phrase (a word mistyped as another, or out "
                                "of order)");
    }
    e = store(w, &loc, &kp, password, flags);
    if (e == YUMA_WALLET_OK && pub)
        *pub = kp.pub;
    yuma_keypair_wipe(&kp);
    return e;
}

/* ENOENT for a key (or, pub, its public file) that is not there, naming
 * whether the wallet is. */
static yuma_wallet_err missing(yuma_wallets *w, const keyloc *loc, const char *wallet,
                               const char *hotkey, bool pub)
{
    const char *path = pub ? loc->pub : loc->key;
    const char *file = pub ? " public key file" : "";
    bool wallet_exists = false;
    if (yuma_wallet_exists(w, loc->wallet_dir, &wallet_exists) != YUMA_WALLET_OK)
        return w->last;
    if (!wallet_exists)
        return yuma_wallet_fail(w, YUMA_WALLET_ENOENT, "no wallet '%s' in %s", wallet, w->root);
    if (hotkey)
        return yuma_wallet_fail(w, YUMA_WALLET_ENOENT, "wallet '%s' has no hotkey '%s'%s (%s)",
                                wallet, hotkey, file, path);
    return yuma_wallet_fail(w, YUMA_WALLET_ENOENT, "wallet '%s' has no coldkey%s (%s)", wallet,
                            file, path);
}

yuma_wallet_err yuma_wallet_load_key(yuma_wallets *w, const char *wallet, const char *hotkey,
                                     const char *password, yuma_keypair *kp)
{
    if (!w)
        return YUMA_WALLET_EINVAL;
    begin(w);
    if (!kp)
        return yuma_wallet_fail(w, YUMA_WALLET_EINVAL, "no keypair to load into");
    yuma_keypair_wipe(kp);
    keyloc loc;
    yuma_wallet_err e = locate(w, wallet, hotkey, &loc);
    if (e != YUMA_WALLET_OK)
        return e;
    uint8_t file[YUMA_KEYFILE_MAX];
    size_t len;
    e = yuma_wallet_read_key_file(w, loc.key, file, sizeof file, &len);
    if (e == YUMA_WALLET_ENOENT)
        return missing(w, &loc, wallet, hotkey, false);
    if (e != YUMA_WALLET_OK) {
        sodium_memzero(file, sizeof file);
        return e;
    }
    char why[256];
    e = yuma_keyfile_open(file, len, password, kp, why, sizeof why);
    sodium_memzero(file, sizeof file);
    if (e == YUMA_WALLET_EPASSWORD)
        return yuma_wallet_fail(w, e, "wrong password (or the key file %s was modified)", loc.key);
    if (e != YUMA_WALLET_OK)
        return yuma_wallet_fail(w, e, "key file %s %s", loc.key, why);
    return YUMA_WALLET_OK;
}

/* Parses "<address>\n0x<64 hex>\n" whose two lines name the same key. */
static bool parse_pub(const char *text, yuma_pubkey *pub, char address[YUMA_SS58_MAX])
{
    const char *nl = strchr(text, '\n');
    if (!nl || nl == text || (size_t)(nl - text) >= YUMA_SS58_MAX)
        return false;
    char addr[YUMA_SS58_MAX];
    memcpy(addr, text, (size_t)(nl - text));
    addr[nl - text] = '\0';
    const char *hex = nl + 1;
    if (strncmp(hex, "0x", 2) != 0 || strlen(hex) != 2 + 64 + 1 || hex[2 + 64] != '\n')
        return false;
    yuma_pubkey from_addr, from_hex;
    uint16_t prefix;
    size_t bin_len = 0;
    if (yuma_ss58_decode(addr, &from_addr, &prefix, NULL, 0) != YUMA_KEYS_OK ||
        prefix != YUMA_SS58_PREFIX ||
        sodium_hex2bin(from_hex.bytes, 32, hex + 2, 64, NULL, &bin_len, NULL) != 0 ||
        bin_len != 32 || memcmp(from_addr.bytes, from_hex.bytes, 32) != 0)
        return false;
    *pub = from_addr;
    snprintf(address, YUMA_SS58_MAX, "%s", addr);
    return true;
}

yuma_wallet_err yuma_wallet_pubkey(yuma_wallets *w, const char *wallet, const char *hotkey,
                                   yuma_pubkey *pub, char address[YUMA_SS58_MAX])
{
    if (!w)
        return YUMA_WALLET_EINVAL;
    begin(w);
    if (pub)
        memset(pub, 0, sizeof *pub);
    if (address)
        address[0] = '\0';
    keyloc loc;
    yuma_wallet_err e = locate(w, wallet, hotkey, &loc);
    if (e != YUMA_WALLET_OK)
        return e;
    /* Room beyond the longest valid file, so a malformed one is reported
     * as malformed rather than as too large. */
    char text[256];
    e = yuma_wallet_read_text_file(w, loc.pub, text, sizeof text);
    if (e == YUMA_WALLET_ENOENT)
        return missing(w, &loc, wallet, hotkey, true);
    if (e != YUMA_WALLET_OK)
        return e;
    yuma_pubkey p;
    char a[YUMA_SS58_MAX];
    if (!parse_pub(text, &p, a))
        return yuma_wallet_fail(w, YUMA_WALLET_EFORMAT,
                                "public key file %s is not an SS58 address line and the same "
                                "key's 0x-hex line (corrupt: regenerate the key to rewrite it)",
                                loc.pub);
    if (pub)
        *pub = p;
    if (address)
        memcpy(address, a, YUMA_SS58_MAX);
    return YUMA_WALLET_OK;
}

yuma_wallet_err yuma_wallet_list(yuma_wallets *w, yuma_wallet_names *out)
{
    if (!w || !out)
        return YUMA_WALLET_EINVAL;
    begin(w);
    return yuma_wallet_list_dir(w, w->root, true, out);
}

yuma_wallet_err yuma_wallet_list_hotkeys(yuma_wallets *w, const char *wallet,
                                         yuma_wallet_names *out)
{
    if (!w || !out)
        return YUMA_WALLET_EINVAL;
    begin(w);
    out->names = NULL;
    out->count = 0;
    yuma_wallet_err e = check_name(w, "wallet", wallet);
    if (e != YUMA_WALLET_OK)
        return e;
    char wallet_dir[YUMA_WALLET_PATH_MAX], hotkeys[YUMA_WALLET_PATH_MAX];
    if (!path_fmt(wallet_dir, "%s/%s%s", w->root, wallet, "") ||
        !path_fmt(hotkeys, "%s/%s/%s", w->root, wallet, "hotkeys"))
        return yuma_wallet_fail(w, YUMA_WALLET_ETOOLONG,
                                "the hotkeys directory of wallet '%s' would have a path longer "
                                "than %d bytes: use a shorter wallet directory",
                                wallet, YUMA_WALLET_PATH_MAX - 1);
    bool exists;
    e = yuma_wallet_exists(w, wallet_dir, &exists);
    if (e != YUMA_WALLET_OK)
        return e;
    if (!exists)
        return yuma_wallet_fail(w, YUMA_WALLET_ENOENT, "no wallet '%s' in %s", wallet, w->root);
    return yuma_wallet_list_dir(w, hotkeys, false, out);
}

void yuma_wallet_names_free(yuma_wallet_names *names)
{
    if (!names)
        return;
    free(names->names);
    names->names = NULL;
    names->count = 0;
}
