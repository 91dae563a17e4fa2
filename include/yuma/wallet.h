/*
 * wallet.h - wallets on disk: a named wallet holds one coldkey and any
 * number of named hotkeys, each an ed25519 key (keys.h) stored in its own
 * password-encrypted file, with a readable public-key file beside it, under
 * a wallets directory (default ~/.yuma/wallets, like the reference's
 * ~/.bittensor/wallets). The `yuma` CLI and the subnet SDK use this to
 * create, regenerate, list and load keys. docs/WALLETS.md describes the
 * layout and the key file format byte by byte.
 *
 * Usage: fill a yuma_wallets with yuma_wallets_open() (it picks the
 * directory), then call the functions below with it. Every function
 * returns a yuma_wallet_err; yuma_wallet_strerror() says what a code means
 * in general and yuma_wallets_error() gives the last call's specific
 * one-line message (which path, which name, what to run to fix it). A
 * yuma_wallets is not for concurrent use by several threads (it holds that
 * message); give each thread its own.
 *
 * Secrets: mnemonics and keypairs returned here are the caller's memory;
 * show a new mnemonic to its owner once, then wipe it (sodium_memzero) and
 * the keypair (yuma_keypair_wipe). Passwords are the caller's too. Nothing
 * here prints, logs or puts a secret into an error message, and every
 * intermediate secret is wiped before a function returns.
 */
#ifndef YUMA_WALLET_H
#define YUMA_WALLET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "yuma/keys.h"

typedef enum {
    YUMA_WALLET_OK = 0,
    YUMA_WALLET_EINVAL,    /* an argument is out of its documented range */
    YUMA_WALLET_ENAME,     /* wallet or hotkey name is not 1..64 of [A-Za-z0-9_-] */
    YUMA_WALLET_ENOHOME,   /* no directory given, YUMA_WALLET_PATH and HOME unset */
    YUMA_WALLET_ETOOLONG,  /* a path would exceed YUMA_WALLET_PATH_MAX */
    YUMA_WALLET_EEXIST,    /* the wallet or hotkey already exists */
    YUMA_WALLET_ENOENT,    /* no such wallet, key or public-key file */
    YUMA_WALLET_EPERM,     /* key file is readable or writable by others */
    YUMA_WALLET_EFORMAT,   /* not a yuma key file, corrupt, or an unknown version */
    YUMA_WALLET_EPASSWORD, /* wrong password, or the key file was modified */
    YUMA_WALLET_ENOPASS,   /* a password is needed (encrypting, or an encrypted key) */
    YUMA_WALLET_EMNEMONIC, /* the mnemonic is not a valid BIP39 phrase */
    YUMA_WALLET_ENOMEM,    /* out of memory (the password hash needs memlimit bytes) */
    YUMA_WALLET_EIO,       /* a file system call failed */
    YUMA_WALLET_ECRYPTO,   /* libsodium could not initialise */
} yuma_wallet_err;

/* What an error code means, one line, never NULL. */
const char *yuma_wallet_strerror(yuma_wallet_err err);

/* Longest path (with its NUL) this module builds; longer ones are
 * YUMA_WALLET_ETOOLONG rather than truncated. */
#define YUMA_WALLET_PATH_MAX 4096
/* Longest wallet or hotkey name, without its NUL. */
#define YUMA_WALLET_NAME_MAX 64
/* Room for the specific error message: it may quote a path twice. */
#define YUMA_WALLET_MSG_MAX (2 * YUMA_WALLET_PATH_MAX + 256)

/* The argon2id cost written into new key files. The default is libsodium's
 * "moderate" (3 passes over 256 MiB, about a second): a stolen key file then
 * costs an attacker that much per password guess. Files record their own
 * cost, so raising these later leaves old files readable. */
#define YUMA_WALLET_OPSLIMIT_DEFAULT 3u
#define YUMA_WALLET_MEMLIMIT_DEFAULT (256u * 1024u * 1024u)
/* The largest cost a key file may name: a file asking for more is refused
 * as corrupt before any hashing, so a damaged file cannot make a load run
 * for hours or exhaust memory. */
#define YUMA_WALLET_OPSLIMIT_MAX 64u
#define YUMA_WALLET_MEMLIMIT_MAX (2048u * 1024u * 1024u)

/* Flags for yuma_wallet_create_key() and yuma_wallet_regen_key(). */
enum {
    /* Store a hotkey unencrypted (password must be NULL), as the reference
     * does by default so a validator or miner restarts unattended. Anyone
     * who can read the file has the key; see docs/WALLETS.md. Refused for
     * coldkeys, which are always encrypted. */
    YUMA_WALLET_PLAINTEXT = 1u << 0,
    /* Replace an existing key of that name (regenerating over it). Without
     * it an existing key, or its public-key file, is YUMA_WALLET_EEXIST and
     * nothing is written. The old key is gone unless its mnemonic is kept. */
    YUMA_WALLET_OVERWRITE = 1u << 1,
};

typedef struct {
    char root[YUMA_WALLET_PATH_MAX]; /* the wallets directory */
    /* argon2id cost for files this writes; set with yuma_wallets_set_kdf() */
    uint64_t opslimit;
    uint64_t memlimit;
    yuma_wallet_err last;           /* the last call's result */
    char msg[YUMA_WALLET_MSG_MAX];  /* its message; "" after success */
} yuma_wallets;

/* Initialises *w for the wallets directory: root if not NULL, else the
 * environment's YUMA_WALLET_PATH if set and not empty, else
 * $HOME/.yuma/wallets. Nothing is created until a key is written (then
 * missing directories are made, mode 0700). Also initialises libsodium.
 * YUMA_WALLET_ENOHOME, ETOOLONG, EINVAL (root is ""), ECRYPTO. */
yuma_wallet_err yuma_wallets_open(yuma_wallets *w, const char *root);

/* Sets the argon2id cost for files written from now on: opslimit passes
 * over memlimit bytes, each within libsodium's argon2id minimum and the
 * _MAX above (tests use the minimum, 1 and 8192, to stay fast).
 * YUMA_WALLET_EINVAL otherwise, leaving the cost as it was. */
yuma_wallet_err yuma_wallets_set_kdf(yuma_wallets *w, uint64_t opslimit, uint64_t memlimit);

/* The last call's specific message (yuma_wallet_strerror() of its code if
 * it had none); "" after success. Valid until the next call with w. */
const char *yuma_wallets_error(const yuma_wallets *w);

/* Whether name is a valid wallet or hotkey name: 1..64 characters of
 * A-Z a-z 0-9 _ -, so it can never leave its directory or hide (no '/',
 * no '.', no ".."). */
bool yuma_wallet_name_valid(const char *name);

/*
 * Keys are named by a wallet and, for a hotkey, the hotkey's name; hotkey
 * NULL means the wallet's coldkey:
 *   <root>/<wallet>/coldkey                 the coldkey, always encrypted
 *   <root>/<wallet>/coldkeypub.txt          its SS58 address and public key
 *   <root>/<wallet>/hotkeys/<hotkey>        a hotkey, encrypted or plaintext
 *   <root>/<wallet>/hotkeys/<hotkey>pub.txt its address and public key
 * Files are written atomically with mode 0600 (public ones too: nothing
 * here is world-readable); directories are made with mode 0700.
 */

/* Creates a key from a fresh random mnemonic of `words` words (12, 15, 18,
 * 21 or 24; 12 or 24 are usual) and writes it encrypted with password (not
 * NULL, not ""), or for a hotkey with YUMA_WALLET_PLAINTEXT and a NULL
 * password unencrypted. The phrase is copied to mnemonic: this is the only
 * time it exists, so the caller shows it to the owner for safekeeping;
 * yuma_wallet_regen_key() with it (and no BIP39 password) rebuilds the
 * same key. pub (may be NULL) receives the public key. On error mnemonic
 * is zeroed and nothing new is left on disk (directories aside), with one
 * exception the message states: under YUMA_WALLET_OVERWRITE, if the key
 * file was replaced but its public file could not be, the new key stays.
 * EINVAL (words, flags), ENAME, ETOOLONG, EEXIST, ENOPASS, ENOMEM, EIO. */
yuma_wallet_err yuma_wallet_create_key(yuma_wallets *w, const char *wallet, const char *hotkey,
                                       unsigned words, const char *password, unsigned flags,
                                       char mnemonic[YUMA_MNEMONIC_MAX], yuma_pubkey *pub);

/* Writes the key of an existing mnemonic, derived as keys.h's
 * yuma_keypair_from_mnemonic() does (with bip39_password, NULL for none,
 * the "25th word"), protected as yuma_wallet_create_key() describes. pub
 * may be NULL. YUMA_WALLET_EMNEMONIC names the problem (word count, which
 * word, or the checksum) without quoting the phrase; otherwise as
 * yuma_wallet_create_key(). */
yuma_wallet_err yuma_wallet_regen_key(yuma_wallets *w, const char *wallet, const char *hotkey,
                                      const char *mnemonic, const char *bip39_password,
                                      const char *password, unsigned flags, yuma_pubkey *pub);

/* Reads and decrypts a key. password may be NULL for a plaintext hotkey
 * (it is ignored for one). The file must be the owner's alone (no group or
 * other permission bits, as ssh demands of private keys): YUMA_WALLET_EPERM
 * says which chmod fixes it. YUMA_WALLET_EPASSWORD for a wrong password or
 * any change to the file's authenticated bytes. On any error *kp is
 * zeroed. ENAME, ETOOLONG, ENOENT, EPERM, EFORMAT, EPASSWORD, ENOPASS,
 * ENOMEM, EIO. */
yuma_wallet_err yuma_wallet_load_key(yuma_wallets *w, const char *wallet, const char *hotkey,
                                     const char *password, yuma_keypair *kp);

/* A key's public key and SS58 address (prefix YUMA_SS58_PREFIX), from its
 * public-key file: no password needed. Either output may be NULL. On error
 * they are zeroed / "". ENAME, ETOOLONG, ENOENT, EFORMAT (the file is not
 * an address line and a matching hex key line), EIO. */
yuma_wallet_err yuma_wallet_pubkey(yuma_wallets *w, const char *wallet, const char *hotkey,
                                   yuma_pubkey *pub, char address[YUMA_SS58_MAX]);

/* A sorted list of names (byte order). */
typedef struct {
    char (*names)[YUMA_WALLET_NAME_MAX + 1];
    size_t count;
} yuma_wallet_names;

/* The wallets: directories under the root with valid names (anything else
 * there is skipped). A missing root is an empty list. EIO, ENOMEM. Free
 * with yuma_wallet_names_free(), also after an error. */
yuma_wallet_err yuma_wallet_list(yuma_wallets *w, yuma_wallet_names *out);
/* A wallet's hotkeys: the files in its hotkeys/ with valid names (so not
 * the *pub.txt files). A wallet without hotkeys/ has none; a wallet that
 * does not exist is YUMA_WALLET_ENOENT. ENAME, ETOOLONG, EIO, ENOMEM. */
yuma_wallet_err yuma_wallet_list_hotkeys(yuma_wallets *w, const char *wallet,
                                         yuma_wallet_names *out);
void yuma_wallet_names_free(yuma_wallet_names *names);

#endif
