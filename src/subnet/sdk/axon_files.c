/*
 * axon_files.c - a directory an axon serves read-only (GET /files/<name>):
 * name rules that keep every request inside the directory, regular files
 * only (a symlink could point anywhere), and each file's BLAKE2b-256,
 * cached by (device, inode, size, modification time) so a large
 * checkpoint read by many validators is hashed once, not per request.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subnet/sdk/axon_internal.h"

#define CACHE_MAX 1024

bool files_init(axon_files *f, const char *dir)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->dir = strdup(dir);
    return f->dir != NULL;
}

void files_free(axon_files *f)
{
    free(f->dir);
    free(f->cache);
    pthread_mutex_destroy(&f->mu);
    memset(f, 0, sizeof *f);
}

bool files_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > FILE_NAME_MAX || name[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                  ch == '_' || ch == '-';
        if (!ok) return false;
    }
    return true;
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static bool cached(axon_files *f, const char *name, const struct stat *st, uint8_t hash[32])
{
    bool hit = false;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n && !hit; i++) {
        file_hash *h = &f->cache[i];
        if (strcmp(h->name, name) == 0 && h->dev == (uint64_t)st->st_dev && h->ino == (uint64_t)st->st_ino &&
            h->size == (uint64_t)st->st_size && h->mtime_ns == mtime_ns(st)) {
            memcpy(hash, h->hash, 32);
            hit = true;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return hit;
}

static void remember(axon_files *f, const char *name, const struct stat *st, const uint8_t hash[32])
{
    pthread_mutex_lock(&f->mu);
    size_t i = 0;
    while (i < f->n && strcmp(f->cache[i].name, name) != 0) i++;
    if (i == f->n) {
        if (f->n == CACHE_MAX) f->n = 0; /* a rare reset beats bookkeeping */
        if (f->n == f->cap) {
            size_t cap = f->cap ? 2 * f->cap : 16;
            file_hash *grown = realloc(f->cache, cap * sizeof *grown);
            if (!grown) {
                pthread_mutex_unlock(&f->mu);
                return;
            }
            f->cache = grown;
            f->cap = cap;
        }
        i = f->n++;
    }
    file_hash *h = &f->cache[i];
    snprintf(h->name, sizeof h->name, "%s", name);
    h->dev = (uint64_t)st->st_dev;
    h->ino = (uint64_t)st->st_ino;
    h->size = (uint64_t)st->st_size;
    h->mtime_ns = mtime_ns(st);
    memcpy(h->hash, hash, 32);
    pthread_mutex_unlock(&f->mu);
}

/* Hashes exactly size bytes from the start (what will be sent). */
static bool hash_fd(int fd, uint64_t size, uint8_t hash[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    static _Thread_local uint8_t buf[1 << 16];
    uint64_t off = 0;
    while (off < size) {
        size_t want = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        ssize_t got = pread(fd, buf, want, (off_t)off);
        if (got <= 0) return false;
        crypto_generichash_update(&st, buf, (size_t)got);
        off += (uint64_t)got;
    }
    crypto_generichash_final(&st, hash, 32);
    return true;
}

int files_open(axon_files *f, const char *name, struct stat *st, uint8_t hash[32])
{
    char path[4096 + FILE_NAME_MAX + 2];
    if (snprintf(path, sizeof path, "%s/%s", f->dir, name) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) errno = ENOENT; /* a symlink is not one of the served files */
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        errno = ENOENT;
        return -1;
    }
    if (!cached(f, name, st, hash)) {
        if (!hash_fd(fd, (uint64_t)st->st_size, hash)) {
            int e = errno ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        remember(f, name, st, hash);
    }
    return fd;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

json_t *files_list(axon_files *f)
{
    DIR *d = opendir(f->dir);
    if (!d) return NULL;
    size_t n = 0, cap = 16;
    json_t **items = malloc(cap * sizeof *items);
    struct dirent *e;
    while (items && (e = readdir(d)) != NULL) {
        struct stat st;
        if (!files_valid_name(e->d_name) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            json_t **grown = realloc(items, 2 * cap * sizeof *items);
            if (!grown) break;
            items = grown;
            cap *= 2;
        }
        items[n++] = json_pack("{s:s, s:I, s:I}", "name", e->d_name, "size", (json_int_t)st.st_size, "mtime_ms",
                               (json_int_t)(mtime_ns(&st) / 1000000));
    }
    closedir(d);
    if (!items) return NULL;
    qsort(items, n, sizeof *items, by_name);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, items[i]);
    free(items);
    return json_pack("{s:o}", "files", arr);
}
