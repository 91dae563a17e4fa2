/*
 * axon_internal.h - the axon's parts (include/yuma/axon.h): the table of
 * registered callers with each caller's nonce and token bucket
 * (axon_callers.c), and the read-only file directory (axon_files.c).
 */
#ifndef YUMA_AXON_INTERNAL_H
#define YUMA_AXON_INTERNAL_H

#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>

#include "yuma/axon.h"

/* What the metagraph says about a caller. */
typedef struct {
    yuma_pubkey key;
    int uid;
    uint64_t stake;
    bool permit;
} caller_info;

/* A caller's replay and rate state. */
typedef struct {
    yuma_pubkey key;
    bool used;
    uint64_t last_nonce;
    uint64_t last_ts_ms; /* the timestamp of its last accepted request */
    double tokens;
    uint64_t refill_us;
} caller_state;

typedef struct {
    pthread_mutex_t mu;
    caller_info *reg; /* sorted by key */
    size_t nreg;
    caller_state *slot;
    size_t cap, n, max; /* cap a power of two >= 2 max */
    unsigned char sipkey[crypto_shorthash_KEYBYTES];
    double rate, burst;
    uint64_t freshness_ms;
} axon_callers;

bool callers_init(axon_callers *c, size_t max, double rate, double burst, uint64_t freshness_ms);
void callers_free(axon_callers *c);
/* Replaces the registered callers with mg's neurons. */
void callers_set(axon_callers *c, const yuma_metagraph *mg);
bool callers_lookup(axon_callers *c, const yuma_pubkey *key, caller_info *out);

typedef enum { ADMIT_OK, ADMIT_REPLAYED, ADMIT_RATE_LIMITED, ADMIT_BUSY } admit_result;
/* Checks the nonce against the caller's last and takes a token; commits
 * the nonce only when both pass. *last is the caller's last nonce,
 * *retry_ms how long until a token is back (rate limited). */
admit_result callers_admit(axon_callers *c, const yuma_pubkey *key, uint64_t nonce, uint64_t ts_ms, uint64_t now_ms,
                           uint64_t *last, uint64_t *retry_ms);

/* ---- files ---- */

#define FILE_NAME_MAX 200

typedef struct {
    char name[FILE_NAME_MAX + 1];
    uint64_t dev, ino, size;
    int64_t mtime_ns;
    uint8_t hash[32];
} file_hash;

typedef struct {
    char *dir;
    pthread_mutex_t mu;
    file_hash *cache;
    size_t n, cap;
} axon_files;

bool files_init(axon_files *f, const char *dir);
void files_free(axon_files *f);
bool files_valid_name(const char *name);
/* Opens a regular file of the directory (no symlinks) and its checksum:
 * the fd, or -1 with errno ENOENT (no such file) or another errno. */
int files_open(axon_files *f, const char *name, struct stat *st, uint8_t hash[32]);
/* {"files": [{"name", "size", "mtime_ms"}, ...]} sorted by name. */
json_t *files_list(axon_files *f);

#endif
