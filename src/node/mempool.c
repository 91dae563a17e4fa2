/*
 * mempool.c - the pool of pending transactions (include/yuma/mempool.h).
 *
 * A transaction is kept as one allocation: its header fields and a copy of
 * its bytes. Two hash tables index the pool: by id (duplicates, removal)
 * and by signer; a signer's entry keeps its transactions sorted by nonce,
 * which is what both replacement and block selection need. The tables hash
 * with SipHash under a random key, because ids and signer keys come from
 * the network and a fixed hash would let a sender aim its transactions at
 * one slot.
 *
 * Submission has two phases. The first (decode, id, signature) needs
 * neither the pool nor the chain, so it runs without the lock, on the
 * worker threads for a batch; only the second, the checks against the
 * chain's state and the pool's contents, runs under the lock and in the
 * batch's order, which is what makes a batch equal to one-by-one
 * submission.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "yuma/mempool.h"

#define DEFAULT_MAX_COUNT 8192
#define DEFAULT_MAX_BYTES (32u * 1024 * 1024)
#define DEFAULT_MAX_PER_SENDER 64
#define DEFAULT_NONCE_WINDOW 64
#define MAX_WORKERS 256

/* ---- entries and signers ---- */

typedef struct sender sender;

/* The 32-byte key of both table types sits at offset 0 (id, account), so
 * one table implementation serves both. */
typedef struct {
    uint8_t id[32];
    yuma_account signer;
    uint64_t nonce, fee;
    sender *owner;
    size_t len;
    uint8_t bytes[];
} entry;

struct sender {
    yuma_account account;
    size_t n, cap;
    entry **txs; /* sorted by nonce, no two equal */
};

/* ---- a hash table of pointers keyed by their first 32 bytes ---- */

typedef struct {
    void **slot;
    size_t cap, n; /* cap a power of two, n <= cap / 2 */
    const unsigned char *sipkey;
} ptab;

static size_t ptab_home(const ptab *t, const uint8_t *key)
{
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, key, 32, t->sipkey);
    return (size_t)h & (t->cap - 1);
}

static void *ptab_get(const ptab *t, const uint8_t *key)
{
    if (t->n == 0) return NULL;
    for (size_t i = ptab_home(t, key);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slot[i]) return NULL;
        if (memcmp(t->slot[i], key, 32) == 0) return t->slot[i];
    }
}

static void ptab_place(ptab *t, void *item)
{
    size_t i = ptab_home(t, item);
    while (t->slot[i]) i = (i + 1) & (t->cap - 1);
    t->slot[i] = item;
}

/* item's key must be absent. */
static bool ptab_put(ptab *t, void *item)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        void **old = t->slot, **fresh = calloc(ncap, sizeof *fresh);
        if (!fresh) return false;
        size_t ocap = t->cap;
        t->slot = fresh;
        t->cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i]) ptab_place(t, old[i]);
        free(old);
    }
    ptab_place(t, item);
    t->n++;
    return true;
}

/* Backward-shift deletion keeps probe chains unbroken without tombstones. */
static void ptab_del(ptab *t, const uint8_t *key)
{
    if (t->n == 0) return;
    size_t mask = t->cap - 1, i = ptab_home(t, key);
    while (t->slot[i] && memcmp(t->slot[i], key, 32) != 0) i = (i + 1) & mask;
    if (!t->slot[i]) return;
    t->slot[i] = NULL;
    t->n--;
    for (size_t j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
        size_t k = ptab_home(t, t->slot[j]);
        /* Move slot j into the hole at i unless its home lies in (i, j]. */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            t->slot[i] = t->slot[j];
            t->slot[j] = NULL;
            i = j;
        }
    }
}

/* ---- the pool ---- */

/* What the lock-free phase learns about one transaction. */
typedef struct {
    yuma_mempool_status status; /* OK, TOO_LARGE, DECODE or NOMEM */
    yuma_tx_status decode;
    bool sig_ok;
    uint64_t chain_id, nonce, fee;
    uint8_t genesis[32], id[32];
    yuma_account signer;
} prepared;

typedef struct {
    const yuma_tx_bytes *txs;
    prepared *out;
    size_t n, max_tx_size;
    atomic_size_t next;
} job;

typedef struct {
    yuma_mempool *pool;
    yuma_tx *scratch; /* a decoded transaction is ~25 KB: one per worker */
    pthread_t thread;
} worker;

struct yuma_mempool {
    yuma_mempool_config cfg;
    unsigned char sipkey[crypto_shorthash_KEYBYTES];

    pthread_mutex_t lock; /* everything below up to the workers */
    ptab by_id, by_sender;
    size_t count, bytes;

    pthread_mutex_t job_lock; /* one batch at a time on the workers */
    pthread_mutex_t wmu;      /* generation, finished, stop, cur */
    pthread_cond_t wake, idle;
    worker *workers;
    unsigned nworkers, started;
    uint64_t generation;
    unsigned finished;
    bool stop;
    job *cur;
};

yuma_mempool_config yuma_mempool_config_default(void)
{
    return (yuma_mempool_config){.max_count = DEFAULT_MAX_COUNT,
                                 .max_bytes = DEFAULT_MAX_BYTES,
                                 .max_per_sender = DEFAULT_MAX_PER_SENDER,
                                 .nonce_window = DEFAULT_NONCE_WINDOW,
                                 .max_tx_size = YUMA_TX_MAX_ENCODED,
                                 .workers = 0};
}

const char *yuma_mempool_strerror(yuma_mempool_status s)
{
    switch (s) {
    case YUMA_MEMPOOL_OK: return "accepted";
    case YUMA_MEMPOOL_ERR_NOMEM: return "out of memory";
    case YUMA_MEMPOOL_ERR_TOO_LARGE: return "transaction is larger than the pool accepts";
    case YUMA_MEMPOOL_ERR_DECODE: return "transaction is not a canonical encoding";
    case YUMA_MEMPOOL_ERR_CHAIN: return "transaction is signed for another chain (chain id or genesis hash)";
    case YUMA_MEMPOOL_ERR_SIGNATURE: return "transaction signature does not verify";
    case YUMA_MEMPOOL_ERR_DUPLICATE: return "transaction is already pending";
    case YUMA_MEMPOOL_ERR_FEE_TOO_LOW: return "transaction fee is below the minimum for its size";
    case YUMA_MEMPOOL_ERR_NONCE_USED: return "transaction nonce is already used";
    case YUMA_MEMPOOL_ERR_NONCE_TOO_FAR: return "transaction nonce is too far ahead of the account's nonce";
    case YUMA_MEMPOOL_ERR_CANNOT_PAY_FEE: return "signer's balance cannot pay the transaction fee";
    case YUMA_MEMPOOL_ERR_UNDERPRICED: return "a transaction with this nonce is pending with a fee at least as high";
    case YUMA_MEMPOOL_ERR_SENDER_LIMIT: return "the signer has the most pending transactions the pool allows";
    case YUMA_MEMPOOL_ERR_POOL_FULL: return "the pool holds the most transactions it allows";
    case YUMA_MEMPOOL_ERR_POOL_BYTES: return "the pool holds the most bytes it allows";
    }
    return "unknown mempool status";
}

/* ---- the lock-free phase ---- */

static void prepare(const yuma_tx_bytes *raw, size_t max_tx_size, yuma_tx *scratch, prepared *pp)
{
    memset(pp, 0, sizeof *pp);
    if (raw->len > max_tx_size) {
        pp->status = YUMA_MEMPOOL_ERR_TOO_LARGE;
        return;
    }
    if (!scratch) {
        pp->status = YUMA_MEMPOOL_ERR_NOMEM;
        return;
    }
    size_t payload_len = 0;
    pp->decode = raw->data ? yuma_tx_decode(raw->data, raw->len, scratch, &payload_len) : YUMA_TX_ERR_SHORT;
    if (pp->decode != YUMA_TX_OK) {
        pp->status = YUMA_MEMPOOL_ERR_DECODE;
        return;
    }
    pp->chain_id = scratch->chain_id;
    memcpy(pp->genesis, scratch->genesis_hash, 32);
    pp->signer = scratch->signer;
    pp->nonce = scratch->nonce;
    pp->fee = scratch->fee;
    crypto_generichash(pp->id, 32, raw->data, raw->len, NULL, 0);
    /* The encoding is canonical, so the received payload bytes are the
     * signed bytes: no need to re-encode, as the chain does not either. */
    pp->sig_ok = crypto_sign_verify_detached(raw->data + payload_len, raw->data, payload_len, pp->signer.bytes) == 0;
}

static void run_job(job *j, yuma_tx *scratch)
{
    for (size_t i; (i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->n;)
        prepare(&j->txs[i], j->max_tx_size, scratch, &j->out[i]);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    yuma_mempool *p = w->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->wmu);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->wake, &p->wmu);
        if (p->stop) break;
        seen = p->generation;
        job *j = p->cur;
        pthread_mutex_unlock(&p->wmu);
        run_job(j, w->scratch);
        pthread_mutex_lock(&p->wmu);
        /* The caller waits for every worker, not just for the items, so
         * that no worker still holds the job when the caller returns. */
        if (++p->finished == p->started) pthread_cond_signal(&p->idle);
    }
    pthread_mutex_unlock(&p->wmu);
    return NULL;
}

/* Fills out[0..n) on all workers, the caller working too. */
static void prepare_all(yuma_mempool *p, const yuma_tx_bytes *txs, size_t n, prepared *out)
{
    yuma_tx *scratch = malloc(sizeof *scratch);
    job j = {.txs = txs, .out = out, .n = n, .max_tx_size = p->cfg.max_tx_size};
    atomic_init(&j.next, 0);
    /* Alone: a single check (waking threads costs more than one signature
     * check), or when another batch has the workers: they already keep
     * every core busy, and waiting for them would leave this thread idle
     * while its batch could be checked (pipelining clients send batches on
     * several connections at once). */
    if (n < 2 || p->started == 0 || pthread_mutex_trylock(&p->job_lock) != 0) {
        run_job(&j, scratch);
        free(scratch);
        return;
    }
    pthread_mutex_lock(&p->wmu);
    p->cur = &j;
    p->finished = 0;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->wmu);
    run_job(&j, scratch);
    pthread_mutex_lock(&p->wmu);
    while (p->finished < p->started) pthread_cond_wait(&p->idle, &p->wmu);
    p->cur = NULL;
    pthread_mutex_unlock(&p->wmu);
    pthread_mutex_unlock(&p->job_lock);
    free(scratch);
}

/* ---- creation ---- */

static void stop_workers(yuma_mempool *p)
{
    pthread_mutex_lock(&p->wmu);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->wmu);
    for (unsigned i = 0; i < p->started; i++) pthread_join(p->workers[i].thread, NULL);
    for (unsigned i = 0; i < p->nworkers; i++) free(p->workers[i].scratch);
    free(p->workers);
}

yuma_mempool *yuma_mempool_new(const yuma_mempool_config *cfg)
{
    if (sodium_init() < 0) return NULL;
    yuma_mempool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    yuma_mempool_config d = yuma_mempool_config_default();
    p->cfg = cfg ? *cfg : d;
    if (!p->cfg.max_count) p->cfg.max_count = d.max_count;
    if (!p->cfg.max_bytes) p->cfg.max_bytes = d.max_bytes;
    if (!p->cfg.max_per_sender) p->cfg.max_per_sender = d.max_per_sender;
    if (!p->cfg.nonce_window) p->cfg.nonce_window = d.nonce_window;
    if (!p->cfg.max_tx_size || p->cfg.max_tx_size > YUMA_TX_MAX_ENCODED) p->cfg.max_tx_size = YUMA_TX_MAX_ENCODED;
    if (!p->cfg.workers) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        p->cfg.workers = cpus > 0 ? (unsigned)cpus : 1;
    }
    if (p->cfg.workers > MAX_WORKERS) p->cfg.workers = MAX_WORKERS;
    randombytes_buf(p->sipkey, sizeof p->sipkey);
    p->by_id.sipkey = p->sipkey;
    p->by_sender.sipkey = p->sipkey;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->job_lock, NULL);
    pthread_mutex_init(&p->wmu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->nworkers = p->cfg.workers;
    p->workers = calloc(p->nworkers, sizeof *p->workers);
    bool ok = p->workers != NULL;
    for (unsigned i = 0; ok && i < p->nworkers; i++) {
        p->workers[i].pool = p;
        p->workers[i].scratch = malloc(sizeof(yuma_tx));
        ok = p->workers[i].scratch && pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) == 0;
        if (ok) p->started++;
    }
    if (!ok) {
        yuma_mempool_free(p);
        return NULL;
    }
    return p;
}

static void free_sender(sender *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->txs[i]);
    free(s->txs);
    free(s);
}

void yuma_mempool_free(yuma_mempool *p)
{
    if (!p) return;
    if (p->workers) stop_workers(p);
    for (size_t i = 0; i < p->by_sender.cap; i++)
        if (p->by_sender.slot[i]) free_sender(p->by_sender.slot[i]);
    free(p->by_sender.slot);
    free(p->by_id.slot);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->job_lock);
    pthread_mutex_destroy(&p->wmu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->idle);
    free(p);
}

unsigned yuma_mempool_workers(const yuma_mempool *p)
{
    return p->started;
}

/* ---- pool contents (callers hold the lock) ---- */

/* Index of the first transaction with nonce >= nonce. */
static size_t lower_bound(const sender *s, uint64_t nonce)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->txs[mid]->nonce < nonce) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Drops e; returns true when that freed its sender too. */
static bool remove_entry(yuma_mempool *p, entry *e)
{
    sender *s = e->owner;
    size_t i = lower_bound(s, e->nonce);
    memmove(&s->txs[i], &s->txs[i + 1], (s->n - i - 1) * sizeof *s->txs);
    s->n--;
    ptab_del(&p->by_id, e->id);
    p->count--;
    p->bytes -= e->len;
    free(e);
    if (s->n > 0) return false;
    ptab_del(&p->by_sender, s->account.bytes);
    free_sender(s);
    return true;
}

static entry *new_entry(const yuma_tx_bytes *raw, const prepared *pp)
{
    entry *e = malloc(sizeof *e + raw->len);
    if (!e) return NULL;
    memcpy(e->id, pp->id, 32);
    e->signer = pp->signer;
    e->nonce = pp->nonce;
    e->fee = pp->fee;
    e->owner = NULL;
    e->len = raw->len;
    memcpy(e->bytes, raw->data, raw->len);
    return e;
}

static void set_result(yuma_mempool_result *r, yuma_mempool_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_result(yuma_mempool_result *r, yuma_mempool_status st, const char *fmt, ...)
{
    r->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

static void hex8(const uint8_t *b, char out[17])
{
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

#define U(x) ((unsigned long long)(x))

/* The state checks, in the order the header lists them, then insertion. */
static void admit(yuma_mempool *p, const yuma_chain *c, const yuma_tx_bytes *raw, const prepared *pp,
                  yuma_mempool_result *r)
{
    memset(r, 0, sizeof *r);
    switch (pp->status) {
    case YUMA_MEMPOOL_OK: break;
    case YUMA_MEMPOOL_ERR_TOO_LARGE:
        set_result(r, pp->status, "transaction is %zu bytes; the pool accepts at most %zu", raw->len,
                   p->cfg.max_tx_size);
        return;
    case YUMA_MEMPOOL_ERR_DECODE:
        set_result(r, pp->status, "transaction is not a canonical encoding: %s; encode it as docs/TRANSACTIONS.md says",
                   yuma_tx_strerror(pp->decode));
        return;
    default: set_result(r, pp->status, "%s", yuma_mempool_strerror(pp->status)); return;
    }
    memcpy(r->id, pp->id, 32);
    uint8_t genesis[32];
    yuma_chain_genesis_hash(c, genesis);
    uint64_t chain_id = yuma_chain_id(c);
    if (pp->chain_id != chain_id || memcmp(pp->genesis, genesis, 32) != 0) {
        char want[17], got[17];
        hex8(genesis, want);
        hex8(pp->genesis, got);
        set_result(r, YUMA_MEMPOOL_ERR_CHAIN,
                   "transaction is signed for chain %llu, genesis %s...; this node is chain %llu, genesis %s...: sign it "
                   "for this chain",
                   U(pp->chain_id), got, U(chain_id), want);
        return;
    }
    if (!pp->sig_ok) {
        char who[17];
        hex8(pp->signer.bytes, who);
        set_result(r, YUMA_MEMPOOL_ERR_SIGNATURE,
                   "signature does not verify for signer %s...; sign the exact payload with the signer's key", who);
        return;
    }
    if (ptab_get(&p->by_id, pp->id)) {
        set_result(r, YUMA_MEMPOOL_ERR_DUPLICATE, "transaction is already pending; wait for a block to include it");
        return;
    }
    uint64_t min = yuma_chain_min_fee(c, raw->len);
    if (pp->fee < min) {
        set_result(r, YUMA_MEMPOOL_ERR_FEE_TOO_LOW,
                   "fee %llu rao is below the minimum %llu rao for %zu bytes; offer at least %llu", U(pp->fee), U(min),
                   raw->len, U(min));
        return;
    }
    uint64_t cur = yuma_chain_nonce(c, &pp->signer);
    if (pp->nonce < cur) {
        set_result(r, YUMA_MEMPOOL_ERR_NONCE_USED,
                   "nonce %llu is already used; the account's next nonce is %llu", U(pp->nonce), U(cur));
        return;
    }
    if (pp->nonce - cur > p->cfg.nonce_window) {
        uint64_t last = cur + p->cfg.nonce_window < cur ? UINT64_MAX : cur + p->cfg.nonce_window;
        set_result(r, YUMA_MEMPOOL_ERR_NONCE_TOO_FAR,
                   "nonce %llu is more than %llu ahead of the account's next nonce %llu; the pool accepts nonces %llu "
                   "to %llu until earlier ones are included",
                   U(pp->nonce), U(p->cfg.nonce_window), U(cur), U(cur), U(last));
        return;
    }
    uint64_t balance = yuma_chain_balance(c, &pp->signer);
    if (balance < pp->fee) {
        set_result(r, YUMA_MEMPOOL_ERR_CANNOT_PAY_FEE,
                   "balance %llu rao cannot pay the fee %llu rao; fund the account or lower the fee (minimum %llu)",
                   U(balance), U(pp->fee), U(min));
        return;
    }
    sender *s = ptab_get(&p->by_sender, pp->signer.bytes);
    size_t at = s ? lower_bound(s, pp->nonce) : 0;
    entry *old = s && at < s->n && s->txs[at]->nonce == pp->nonce ? s->txs[at] : NULL;
    if (old) {
        if (pp->fee <= old->fee) {
            set_result(r, YUMA_MEMPOOL_ERR_UNDERPRICED,
                       "nonce %llu of this account is pending with fee %llu rao; a replacement must offer more than %llu",
                       U(pp->nonce), U(old->fee), U(old->fee));
            return;
        }
        if (p->bytes - old->len + raw->len > p->cfg.max_bytes) {
            set_result(r, YUMA_MEMPOOL_ERR_POOL_BYTES,
                       "the pool holds %zu bytes and replacing with this transaction's %zu would pass its limit of %zu; "
                       "retry after the next block",
                       p->bytes, raw->len, p->cfg.max_bytes);
            return;
        }
        entry *e = new_entry(raw, pp);
        if (!e || !ptab_put(&p->by_id, e)) {
            free(e);
            set_result(r, YUMA_MEMPOOL_ERR_NOMEM, "out of memory");
            return;
        }
        e->owner = s;
        r->replaced = true;
        memcpy(r->replaced_id, old->id, 32);
        uint64_t old_fee = old->fee;
        ptab_del(&p->by_id, old->id);
        p->bytes = p->bytes - old->len + e->len;
        s->txs[at] = e;
        free(old);
        char was[17];
        hex8(r->replaced_id, was);
        set_result(r, YUMA_MEMPOOL_OK, "accepted, replacing %s... (fee %llu rao, now %llu)", was, U(old_fee),
                   U(pp->fee));
        return;
    }
    if (s && s->n >= p->cfg.max_per_sender) {
        set_result(r, YUMA_MEMPOOL_ERR_SENDER_LIMIT,
                   "the account has %zu pending transactions, the most the pool allows per sender; wait for a block "
                   "to include some",
                   s->n);
        return;
    }
    if (p->count >= p->cfg.max_count) {
        set_result(r, YUMA_MEMPOOL_ERR_POOL_FULL,
                   "the pool holds %zu transactions, its limit; retry after the next block", p->count);
        return;
    }
    if (p->bytes + raw->len > p->cfg.max_bytes) {
        set_result(r, YUMA_MEMPOOL_ERR_POOL_BYTES,
                   "the pool holds %zu bytes and this transaction's %zu would pass its limit of %zu; retry after the "
                   "next block",
                   p->bytes, raw->len, p->cfg.max_bytes);
        return;
    }
    entry *e = new_entry(raw, pp);
    bool fresh = false;
    if (e && !s) {
        s = calloc(1, sizeof *s);
        if (s) {
            s->account = pp->signer;
            fresh = true;
        }
    }
    if (e && s && s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 4;
        entry **grown = realloc(s->txs, ncap * sizeof *grown);
        if (grown) {
            s->txs = grown;
            s->cap = ncap;
        }
    }
    bool ok = e && s && s->n < s->cap && (!fresh || ptab_put(&p->by_sender, s));
    if (ok && !ptab_put(&p->by_id, e)) {
        if (fresh) ptab_del(&p->by_sender, s->account.bytes);
        ok = false;
    }
    if (!ok) {
        free(e);
        if (fresh) free_sender(s);
        set_result(r, YUMA_MEMPOOL_ERR_NOMEM, "out of memory");
        return;
    }
    e->owner = s;
    memmove(&s->txs[at + 1], &s->txs[at], (s->n - at) * sizeof *s->txs);
    s->txs[at] = e;
    s->n++;
    p->count++;
    p->bytes += e->len;
    set_result(r, YUMA_MEMPOOL_OK, "accepted");
}

/* ---- submission ---- */

yuma_mempool_status yuma_mempool_submit(yuma_mempool *p, const yuma_chain *c, const uint8_t *data, size_t len,
                                        yuma_mempool_result *res)
{
    yuma_tx_bytes raw = {data, len};
    yuma_mempool_submit_batch(p, c, &raw, 1, res);
    return res->status;
}

struct yuma_mempool_checked {
    const yuma_tx_bytes *txs;
    size_t n;
    prepared pp[];
};

yuma_mempool_checked *yuma_mempool_check(yuma_mempool *p, const yuma_tx_bytes *txs, size_t n)
{
    yuma_mempool_checked *k = malloc(sizeof *k + n * sizeof(prepared));
    if (!k) return NULL;
    k->txs = txs;
    k->n = n;
    if (n) prepare_all(p, txs, n, k->pp);
    return k;
}

void yuma_mempool_admit(yuma_mempool *p, const yuma_chain *c, yuma_mempool_checked *k, yuma_mempool_result *results)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < k->n; i++) admit(p, c, &k->txs[i], &k->pp[i], &results[i]);
    pthread_mutex_unlock(&p->lock);
    free(k);
}

void yuma_mempool_checked_free(yuma_mempool_checked *k)
{
    free(k);
}

void yuma_mempool_submit_batch(yuma_mempool *p, const yuma_chain *c, const yuma_tx_bytes *txs, size_t n,
                               yuma_mempool_result *results)
{
    if (n == 0) return;
    yuma_mempool_checked *k = yuma_mempool_check(p, txs, n);
    if (!k) {
        for (size_t i = 0; i < n; i++) {
            memset(&results[i], 0, sizeof results[i]);
            set_result(&results[i], YUMA_MEMPOOL_ERR_NOMEM, "out of memory");
        }
        return;
    }
    yuma_mempool_admit(p, c, k, results);
}

void yuma_mempool_verify_batch(yuma_mempool *p, const yuma_tx_bytes *txs, size_t n, bool *ok)
{
    if (n == 0) return;
    prepared *pp = malloc(n * sizeof *pp);
    if (!pp) {
        /* Without memory nothing is verified, and unverified is not ok. */
        for (size_t i = 0; i < n; i++) ok[i] = false;
        return;
    }
    prepare_all(p, txs, n, pp);
    for (size_t i = 0; i < n; i++) ok[i] = pp[i].status == YUMA_MEMPOOL_OK && pp[i].sig_ok;
    free(pp);
}

/* ---- block selection ---- */

typedef struct {
    sender *s;
    size_t at, end; /* s->txs[at..end) is the run still to take */
} cursor;

/* Block order across signers: higher fee first, then lower id. */
static bool before(const cursor *a, const cursor *b)
{
    const entry *x = a->s->txs[a->at], *y = b->s->txs[b->at];
    if (x->fee != y->fee) return x->fee > y->fee;
    return memcmp(x->id, y->id, 32) < 0;
}

static void sift_down(cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t best = i, l = 2 * i + 1, r = l + 1;
        if (l < n && before(&h[l], &h[best])) best = l;
        if (r < n && before(&h[r], &h[best])) best = r;
        if (best == i) return;
        cursor t = h[i];
        h[i] = h[best];
        h[best] = t;
        i = best;
    }
}

void yuma_mempool_block_free(yuma_mempool_block *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->count; i++) free((void *)b->txs[i].data);
    free(b->txs);
    free(b->ids);
    memset(b, 0, sizeof *b);
}

yuma_mempool_status yuma_mempool_next_block(yuma_mempool *p, const yuma_chain *c, size_t max_txs,
                                            yuma_mempool_block *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&p->lock);
    size_t nsend = p->by_sender.n, nh = 0, total = 0;
    cursor *heap = malloc((nsend ? nsend : 1) * sizeof *heap);
    if (!heap) goto nomem;
    for (size_t i = 0; i < p->by_sender.cap; i++) {
        sender *s = p->by_sender.slot[i];
        if (!s) continue;
        uint64_t nonce = yuma_chain_nonce(c, &s->account), left = yuma_chain_balance(c, &s->account);
        size_t at = lower_bound(s, nonce), end = at;
        /* Consecutive nonces from the account's, while the balance pays
         * the fees; the chain refuses a signer whose nonce is UINT64_MAX. */
        while (end < s->n && s->txs[end]->nonce == nonce && nonce != UINT64_MAX && s->txs[end]->fee <= left) {
            left -= s->txs[end]->fee;
            nonce++;
            end++;
        }
        if (end > at) {
            heap[nh++] = (cursor){s, at, end};
            total += end - at;
        }
    }
    for (size_t i = nh / 2; i-- > 0;) sift_down(heap, nh, i);
    size_t want = total < max_txs ? total : max_txs;
    if (want > 0) {
        out->txs = calloc(want, sizeof *out->txs);
        out->ids = calloc(want, sizeof *out->ids);
        if (!out->txs || !out->ids) goto nomem;
    }
    while (out->count < want) {
        const entry *e = heap[0].s->txs[heap[0].at];
        uint8_t *copy = malloc(e->len);
        if (!copy) goto nomem;
        memcpy(copy, e->bytes, e->len);
        out->txs[out->count] = (yuma_tx_bytes){copy, e->len};
        memcpy(out->ids[out->count], e->id, 32);
        out->total_fees += e->fee; /* fees together are below the total supply: no overflow */
        out->count++;
        if (++heap[0].at == heap[0].end) heap[0] = heap[--nh];
        if (nh > 0) sift_down(heap, nh, 0);
    }
    pthread_mutex_unlock(&p->lock);
    free(heap);
    return YUMA_MEMPOOL_OK;
nomem:
    pthread_mutex_unlock(&p->lock);
    free(heap);
    yuma_mempool_block_free(out);
    return YUMA_MEMPOOL_ERR_NOMEM;
}

/* ---- removal and queries ---- */

size_t yuma_mempool_remove_included(yuma_mempool *p, const yuma_chain *c, const yuma_tx_bytes *txs, size_t n)
{
    size_t dropped = 0;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        uint8_t id[32];
        crypto_generichash(id, 32, txs[i].data, txs[i].len, NULL, 0);
        entry *e = ptab_get(&p->by_id, id);
        if (e) {
            remove_entry(p, e);
            dropped++;
        }
    }
    /* Then every signer's passed nonces. The signers are listed first
     * because dropping a signer's last transaction changes the table. */
    size_t ns = p->by_sender.n, k = 0;
    sender **list = malloc((ns ? ns : 1) * sizeof *list);
    if (list) {
        for (size_t i = 0; i < p->by_sender.cap; i++)
            if (p->by_sender.slot[i]) list[k++] = p->by_sender.slot[i];
        for (size_t i = 0; i < k; i++) {
            uint64_t nonce = yuma_chain_nonce(c, &list[i]->account);
            sender *s = list[i];
            while (s->txs[0]->nonce < nonce) {
                dropped++;
                if (remove_entry(p, s->txs[0])) break;
            }
        }
    }
    /* Without memory for the list the passed nonces stay until the next
     * block: next_block skips them anyway. */
    free(list);
    pthread_mutex_unlock(&p->lock);
    return dropped;
}

bool yuma_mempool_remove(yuma_mempool *p, const uint8_t id[32])
{
    pthread_mutex_lock(&p->lock);
    entry *e = ptab_get(&p->by_id, id);
    if (e) remove_entry(p, e);
    pthread_mutex_unlock(&p->lock);
    return e != NULL;
}

bool yuma_mempool_contains(yuma_mempool *p, const uint8_t id[32])
{
    pthread_mutex_lock(&p->lock);
    bool found = ptab_get(&p->by_id, id) != NULL;
    pthread_mutex_unlock(&p->lock);
    return found;
}

size_t yuma_mempool_count(yuma_mempool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

size_t yuma_mempool_bytes(yuma_mempool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->bytes;
    pthread_mutex_unlock(&p->lock);
    return n;
}

size_t yuma_mempool_sender_count(yuma_mempool *p, const yuma_account *a)
{
    pthread_mutex_lock(&p->lock);
    const sender *s = ptab_get(&p->by_sender, a->bytes);
    size_t n = s ? s->n : 0;
    pthread_mutex_unlock(&p->lock);
    return n;
}

uint64_t yuma_mempool_next_nonce(yuma_mempool *p, const yuma_chain *c, const yuma_account *a)
{
    pthread_mutex_lock(&p->lock);
    uint64_t nonce = yuma_chain_nonce(c, a);
    const sender *s = ptab_get(&p->by_sender, a->bytes);
    if (s)
        for (size_t i = lower_bound(s, nonce); i < s->n && s->txs[i]->nonce == nonce && nonce != UINT64_MAX; i++)
            nonce++;
    pthread_mutex_unlock(&p->lock);
    return nonce;
}
