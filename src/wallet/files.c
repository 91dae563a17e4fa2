/*
 * files.c - the wallet module's file system work, kept apart so every
 * write follows one safe path: directories created 0700, files written to
 * a fresh O_EXCL temporary with mode 0600, synced, then renamed or linked
 * into place so a reader sees either the old file or the whole new one,
 * never a torn key. Key reads refuse files others can open, as ssh does.
 */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOFOLLOW, O_DIRECTORY, fstatat, dirfd */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "wallet/wallet_internal.h"

yuma_wallet_err yuma_wallet_fail(yuma_wallets *w, yuma_wallet_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
    w->last = e;
    return e;
}

static yuma_wallet_err mkdir_one(yuma_wallets *w, const char *dir)
{
    if (mkdir(dir, 0700) == 0) {
        /* The umask can only remove bits; chmod makes it exactly 0700 even
         * under an odd umask that would leave the owner locked out. */
        if (chmod(dir, 0700) != 0)
            return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot set mode 0700 on %s: %s", dir,
                                    strerror(errno));
        return YUMA_WALLET_OK;
    }
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return YUMA_WALLET_OK;
        return yuma_wallet_fail(w, YUMA_WALLET_EIO,
                                "%s exists and is not a directory: move it away or choose another "
                                "wallet directory", dir);
    }
    return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot create directory %s: %s", dir,
                            strerror(err));
}

yuma_wallet_err yuma_wallet_mkdirs(yuma_wallets *w, const char *path)
{
    char buf[YUMA_WALLET_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return yuma_wallet_fail(w, YUMA_WALLET_ETOOLONG, "path too long: %.64s...", path);
    /* Each prefix ending before a '/', then the whole path; "" (the root
     * before a leading '/') and the empty parts of "a//b" are skipped. */
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        yuma_wallet_err e = mkdir_one(w, buf);
        *p = '/';
        if (e != YUMA_WALLET_OK)
            return e;
    }
    return mkdir_one(w, buf);
}

yuma_wallet_err yuma_wallet_exists(yuma_wallets *w, const char *path, bool *exists)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        *exists = true;
        return YUMA_WALLET_OK;
    }
    *exists = false;
    if (errno == ENOENT)
        return YUMA_WALLET_OK;
    return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot check %s: %s", path, strerror(errno));
}

static bool write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

yuma_wallet_err yuma_wallet_write_file(yuma_wallets *w, const char *path, const uint8_t *data,
                                       size_t len, bool replace)
{
    const char *slash = strrchr(path, '/');
    char dir[YUMA_WALLET_PATH_MAX], tmp[YUMA_WALLET_PATH_MAX];
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    if (dirlen == 0)
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)dirlen, path);

    /* A name no other writer picks (16 random hex digits) that starts with
     * '.', so listings never show a temporary as a wallet or hotkey. */
    uint8_t rnd[8];
    char hex[2 * sizeof rnd + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    if (snprintf(tmp, sizeof tmp, "%s/.%s.tmp-%s", dir, base, hex) >= (int)sizeof tmp)
        return yuma_wallet_fail(w, YUMA_WALLET_ETOOLONG,
                                "path too long (over %d bytes) for a file in %s",
                                YUMA_WALLET_PATH_MAX - 1, dir);

    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot create a file in %s: %s", dir,
                                strerror(errno));
    const char *step = NULL;
    int err = 0;
    if (fchmod(fd, 0600) != 0)
        step = "set mode 0600 on";
    else if (!write_all(fd, data, len))
        step = "write";
    else if (fsync(fd) != 0)
        step = "sync";
    if (step)
        err = errno;
    if (close(fd) != 0 && !step) {
        step = "close";
        err = errno;
    }
    if (step) {
        unlink(tmp);
        return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot %s %s: %s", step, tmp, strerror(err));
    }

    if (replace) {
        if (rename(tmp, path) != 0) {
            err = errno;
            unlink(tmp);
            return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot write %s: %s", path,
                                    strerror(err));
        }
    } else {
        /* link() never replaces: two writers racing for one name cannot
         * both win, and an existing key is never silently overwritten. */
        if (link(tmp, path) != 0) {
            err = errno;
            unlink(tmp);
            if (err == EEXIST)
                return yuma_wallet_fail(w, YUMA_WALLET_EEXIST, "%s already exists", path);
            return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot write %s: %s", path,
                                    strerror(err));
        }
        unlink(tmp);
    }
    /* Make the new name durable. Best effort: some file systems cannot
     * sync a directory, and the file itself is already synced and whole. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return YUMA_WALLET_OK;
}

/* Opens path for reading as a regular file: ENOENT, EIO, EFORMAT. */
static yuma_wallet_err open_regular(yuma_wallets *w, const char *path, int *fdp, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return yuma_wallet_fail(w, YUMA_WALLET_ENOENT, "%s does not exist", path);
        return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot open %s: %s", path, strerror(errno));
    }
    if (fstat(fd, st) != 0) {
        int err = errno;
        close(fd);
        return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot stat %s: %s", path, strerror(err));
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return yuma_wallet_fail(w, YUMA_WALLET_EFORMAT, "%s is not a regular file", path);
    }
    *fdp = fd;
    return YUMA_WALLET_OK;
}

/* Reads up to cap bytes; EFORMAT if there are more. */
static yuma_wallet_err read_upto(yuma_wallets *w, const char *path, int fd, uint8_t *buf,
                                 size_t cap, size_t *len)
{
    size_t got = 0;
    for (;;) {
        uint8_t extra;
        uint8_t *dst = got < cap ? buf + got : &extra;
        size_t want = got < cap ? cap - got : 1;
        ssize_t n = read(fd, dst, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot read %s: %s", path,
                                    strerror(errno));
        if (n == 0)
            break;
        if (got >= cap)
            return yuma_wallet_fail(w, YUMA_WALLET_EFORMAT,
                                    "%s is larger than a yuma wallet file can be (corrupt, or "
                                    "not one)", path);
        got += (size_t)n;
    }
    *len = got;
    return YUMA_WALLET_OK;
}

yuma_wallet_err yuma_wallet_read_key_file(yuma_wallets *w, const char *path, uint8_t *buf,
                                          size_t cap, size_t *len)
{
    *len = 0;
    int fd = -1;
    struct stat st;
    yuma_wallet_err e = open_regular(w, path, &fd, &st);
    if (e != YUMA_WALLET_OK)
        return e;
    /* Like ssh with private keys: a key others could read may already be
     * copied, and one others could write may be swapped for theirs. Refuse
     * it and say how to fix it, rather than use it quietly. */
    unsigned mode = (unsigned)st.st_mode & 07777;
    if (mode & 077) {
        close(fd);
        return yuma_wallet_fail(w, YUMA_WALLET_EPERM,
                                "key file %s is %s by others (mode %04o): run chmod 600 %s", path,
                                (mode & 044) ? "readable" : "writable", mode, path);
    }
    e = read_upto(w, path, fd, buf, cap, len);
    close(fd);
    return e;
}

yuma_wallet_err yuma_wallet_read_text_file(yuma_wallets *w, const char *path, char *buf,
                                           size_t cap)
{
    buf[0] = '\0';
    int fd = -1;
    struct stat st;
    yuma_wallet_err e = open_regular(w, path, &fd, &st);
    if (e != YUMA_WALLET_OK)
        return e;
    size_t len = 0;
    e = read_upto(w, path, fd, (uint8_t *)buf, cap - 1, &len);
    close(fd);
    buf[e == YUMA_WALLET_OK ? len : 0] = '\0';
    return e;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

yuma_wallet_err yuma_wallet_list_dir(yuma_wallets *w, const char *path, bool dirs,
                                     yuma_wallet_names *out)
{
    out->names = NULL;
    out->count = 0;
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT) /* nothing created there yet */
            return YUMA_WALLET_OK;
        return yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot list %s: %s", path, strerror(errno));
    }
    size_t cap = 0;
    yuma_wallet_err e = YUMA_WALLET_OK;
    for (;;) {
        errno = 0;
        struct dirent *ent = readdir(d);
        if (!ent) {
            if (errno != 0)
                e = yuma_wallet_fail(w, YUMA_WALLET_EIO, "cannot list %s: %s", path,
                                     strerror(errno));
            break;
        }
        /* Only valid names: this skips ".", "..", temporaries, the *pub.txt
         * files, and whatever else a user keeps there. */
        if (!yuma_wallet_name_valid(ent->d_name))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), ent->d_name, &st, 0) != 0)
            continue; /* vanished meanwhile, or a dangling symlink */
        if (dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
            continue;
        if (out->count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            void *grown = realloc(out->names, ncap * sizeof *out->names);
            if (!grown) {
                e = yuma_wallet_fail(w, YUMA_WALLET_ENOMEM, "out of memory listing %s", path);
                break;
            }
            out->names = grown;
            cap = ncap;
        }
        /* Valid names are at most YUMA_WALLET_NAME_MAX bytes, so this fits. */
        memcpy(out->names[out->count++], ent->d_name, strlen(ent->d_name) + 1);
    }
    closedir(d);
    if (e == YUMA_WALLET_OK && out->count > 1)
        qsort(out->names, out->count, sizeof *out->names, cmp_names);
    return e;
}
