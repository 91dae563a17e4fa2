/*
 * wallet_internal.h - what wallet.c and files.c share: setting the
 * specific error message, and the file system helpers (directories made
 * 0700, atomic 0600 writes, key reads that refuse loose permissions,
 * directory listings).
 */
#ifndef YUMA_WALLET_INTERNAL_H
#define YUMA_WALLET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/wallet.h"

/* Records e and the formatted message in w; returns e. */
yuma_wallet_err yuma_wallet_fail(yuma_wallets *w, yuma_wallet_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Creates path and any missing parent directories, each mode 0700;
 * existing ones are left as they are but must be directories. EIO. */
yuma_wallet_err yuma_wallet_mkdirs(yuma_wallets *w, const char *path);

/* Whether path exists (without following a final symlink). EIO when that
 * cannot be determined. */
yuma_wallet_err yuma_wallet_exists(yuma_wallets *w, const char *path, bool *exists);

/* Writes data to path atomically with mode 0600: a new file in the same
 * directory (O_EXCL, random name), fsync, then rename over path when
 * replace, or link to path when not (which fails, EEXIST, if path exists
 * even if it appeared a moment ago), then fsync of the directory. The
 * temporary file never outlives the call. EEXIST, EIO. */
yuma_wallet_err yuma_wallet_write_file(yuma_wallets *w, const char *path, const uint8_t *data,
                                       size_t len, bool replace);

/* Reads at most cap bytes of a key file into buf (*len). Refuses a file
 * that is not regular (EFORMAT) or has any group/other permission bit
 * (EPERM, naming the chmod). ENOENT, EIO, EFORMAT (larger than cap). */
yuma_wallet_err yuma_wallet_read_key_file(yuma_wallets *w, const char *path, uint8_t *buf,
                                          size_t cap, size_t *len);

/* Reads a small public file (any permissions) as text into buf (cap bytes
 * with the NUL). ENOENT, EIO, EFORMAT (too large). */
yuma_wallet_err yuma_wallet_read_text_file(yuma_wallets *w, const char *path, char *buf,
                                           size_t cap);

/* Sorted valid names of the directories (dirs) or regular files (!dirs)
 * in path; a missing directory has none. EIO, ENOMEM. */
yuma_wallet_err yuma_wallet_list_dir(yuma_wallets *w, const char *path, bool dirs,
                                     yuma_wallet_names *out);

#endif
