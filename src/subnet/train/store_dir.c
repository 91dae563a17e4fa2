/*
 * store_dir.c - the training subnet's artefact store (include/yuma/trainsim.h,
 * training-subnet.md §7.2): a directory tree standing in for the miners' and
 * validators' buckets. root/<owner uid>/<name> holds an object and
 * <name>.meta its block stamp and size. Both are written to a temporary
 * file in the same directory and renamed over the final name, so a reader
 * never sees half an object; the .meta goes last, which makes it the commit
 * point (an object without its .meta is not there yet).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yuma/trainsim.h"

#define NAME_MAX_LEN 96

const char *yuma_astore_strerror(yuma_astore_status s)
{
    switch (s) {
    case YUMA_ASTORE_OK: return "ok";
    case YUMA_ASTORE_ERR_ARG: return "missing argument (NULL pointer)";
    case YUMA_ASTORE_ERR_NAME: return "object name must be 1-96 characters of [A-Za-z0-9._-] not starting with '.'";
    case YUMA_ASTORE_ERR_NOT_FOUND: return "no such object";
    case YUMA_ASTORE_ERR_IO: return "input/output error";
    case YUMA_ASTORE_ERR_META: return "malformed or inconsistent .meta stamp";
    case YUMA_ASTORE_ERR_NOMEM: return "out of memory";
    }
    return "unknown store status";
}

static yuma_astore_status fail(yuma_astore_status st, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_LEN || name[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

yuma_astore_status yuma_astore_open(yuma_astore *s, const char *root, char *err, size_t errlen)
{
    if (!s) return fail(YUMA_ASTORE_ERR_ARG, err, errlen, "store: %s", yuma_astore_strerror(YUMA_ASTORE_ERR_ARG));
    s->root = NULL;
    if (!root || !*root) return fail(YUMA_ASTORE_ERR_ARG, err, errlen, "store: no directory given");
    if (mkdir(root, 0755) != 0 && errno != EEXIST)
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: cannot create %s: %s", root, strerror(errno));
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: %s is not a directory", root);
    if (access(root, W_OK | X_OK) != 0)
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: cannot write in %s: %s", root, strerror(errno));
    s->root = strdup(root);
    if (!s->root) return fail(YUMA_ASTORE_ERR_NOMEM, err, errlen, "store: out of memory");
    return YUMA_ASTORE_OK;
}

void yuma_astore_close(yuma_astore *s)
{
    if (!s) return;
    free(s->root);
    s->root = NULL;
}

/* root/<owner>[/<name>[suffix]] into buf. */
static bool path_of(const yuma_astore *s, uint16_t owner, const char *name, const char *suffix, char *buf,
                    size_t cap)
{
    int n = name ? snprintf(buf, cap, "%s/%u/%s%s", s->root, (unsigned)owner, name, suffix ? suffix : "")
                 : snprintf(buf, cap, "%s/%u", s->root, (unsigned)owner);
    return n > 0 && (size_t)n < cap;
}

/* Writes data to a temporary file next to final and renames it over. */
static bool write_atomic(const char *final, const void *data, size_t len)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp%ld", final, (long)getpid());
    if (n <= 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return false;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) return false;
    bool ok = len == 0 || fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    int e = errno;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, final) == 0) return true;
    e = errno ? errno : e;
    unlink(tmp);
    errno = e;
    return false;
}

yuma_astore_status yuma_astore_put(const yuma_astore *s, uint16_t owner, const char *name, const void *data,
                                   size_t len, uint64_t block, char *err, size_t errlen)
{
    if (!s || !s->root || !name || (len && !data))
        return fail(YUMA_ASTORE_ERR_ARG, err, errlen, "store: %s", yuma_astore_strerror(YUMA_ASTORE_ERR_ARG));
    if (!name_ok(name))
        return fail(YUMA_ASTORE_ERR_NAME, err, errlen, "store: bad object name '%.100s': %s", name,
                    yuma_astore_strerror(YUMA_ASTORE_ERR_NAME));
    char dir[4096], path[4096], meta_path[4096];
    if (!path_of(s, owner, NULL, NULL, dir, sizeof dir) || !path_of(s, owner, name, NULL, path, sizeof path) ||
        !path_of(s, owner, name, ".meta", meta_path, sizeof meta_path))
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: path too long under %s", s->root);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: cannot create %s: %s", dir, strerror(errno));
    char meta[64];
    int mlen = snprintf(meta, sizeof meta, "block %" PRIu64 "\nsize %zu\n", block, len);
    if (!write_atomic(path, data, len) || !write_atomic(meta_path, meta, (size_t)mlen))
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: cannot write %s: %s", path, strerror(errno));
    return YUMA_ASTORE_OK;
}

/* Reads a whole file; NULL with errno set (ENOENT when absent). */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, used = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (used == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
                errno = EIO;
            }
            break;
        }
    }
    fclose(f);
    if (buf) *len = used;
    return buf;
}

/* "block N\nsize S\n" exactly. */
static bool parse_meta(const uint8_t *m, size_t n, uint64_t *block, size_t *size)
{
    char text[64];
    if (n == 0 || n >= sizeof text) return false;
    memcpy(text, m, n);
    text[n] = '\0';
    unsigned long long b, z;
    int used = 0;
    if (sscanf(text, "block %llu\nsize %llu\n%n", &b, &z, &used) != 2 || (size_t)used != n) return false;
    /* sscanf accepts signs and spaces: insist on the canonical form */
    char canon[64];
    int c = snprintf(canon, sizeof canon, "block %llu\nsize %llu\n", b, z);
    if (c <= 0 || (size_t)c != n || memcmp(canon, text, n) != 0) return false;
    *block = b;
    *size = (size_t)z;
    return true;
}

yuma_astore_status yuma_astore_get(const yuma_astore *s, uint16_t owner, const char *name, uint8_t **data,
                                   size_t *len, uint64_t *block, char *err, size_t errlen)
{
    if (data) *data = NULL;
    if (!s || !s->root || !name || !data || !len || !block)
        return fail(YUMA_ASTORE_ERR_ARG, err, errlen, "store: %s", yuma_astore_strerror(YUMA_ASTORE_ERR_ARG));
    if (!name_ok(name))
        return fail(YUMA_ASTORE_ERR_NAME, err, errlen, "store: bad object name '%.100s': %s", name,
                    yuma_astore_strerror(YUMA_ASTORE_ERR_NAME));
    char path[4096], meta_path[4096];
    if (!path_of(s, owner, name, NULL, path, sizeof path) ||
        !path_of(s, owner, name, ".meta", meta_path, sizeof meta_path))
        return fail(YUMA_ASTORE_ERR_IO, err, errlen, "store: path too long under %s", s->root);
    size_t mlen = 0;
    uint8_t *meta = read_file(meta_path, &mlen);
    if (!meta) {
        if (errno == ENOENT)
            return fail(YUMA_ASTORE_ERR_NOT_FOUND, err, errlen, "store: %u/%s: no such object", (unsigned)owner, name);
        return fail(errno == ENOMEM ? YUMA_ASTORE_ERR_NOMEM : YUMA_ASTORE_ERR_IO, err, errlen,
                    "store: cannot read %s: %s", meta_path, strerror(errno));
    }
    uint64_t stamp;
    size_t size;
    bool meta_ok = parse_meta(meta, mlen, &stamp, &size);
    free(meta);
    if (!meta_ok) return fail(YUMA_ASTORE_ERR_META, err, errlen, "store: %s is not 'block N\\nsize S\\n'", meta_path);
    size_t got = 0;
    uint8_t *buf = read_file(path, &got);
    if (!buf) {
        if (errno == ENOENT)
            return fail(YUMA_ASTORE_ERR_META, err, errlen, "store: %s has a .meta but no object", path);
        return fail(errno == ENOMEM ? YUMA_ASTORE_ERR_NOMEM : YUMA_ASTORE_ERR_IO, err, errlen,
                    "store: cannot read %s: %s", path, strerror(errno));
    }
    if (got != size) {
        free(buf);
        return fail(YUMA_ASTORE_ERR_META, err, errlen, "store: %s has %zu bytes but its .meta says %zu", path, got,
                    size);
    }
    if (got == 0) {
        free(buf);
        buf = NULL;
    }
    *data = buf;
    *len = got;
    *block = stamp;
    return YUMA_ASTORE_OK;
}
