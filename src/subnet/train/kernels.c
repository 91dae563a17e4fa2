/*
 * kernels.c - the thread pool, the choice of instruction set and the
 * cache-blocked drivers of the matrix products (the tile kernels are in
 * kernels_isa.c). See kernels.h for the rules that keep every result the
 * same bits whatever the thread count and the dispatch path.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/kernels.h"

/* ---- thread pool ------------------------------------------------------ */

/* Workers sleep on a condition variable between jobs. A job is a task
 * function and a task count; threads take task indices from a shared
 * counter, which changes who runs a task but never what a task computes. */
struct kn_pool {
    int threads;
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    uint64_t generation; /* counts jobs; a change wakes the workers */
    kn_task_fn fn;
    void *ctx;
    int ntasks;
    atomic_int next; /* the next unclaimed task */
    int busy;        /* workers still in the current job */
    bool stop;
};

typedef struct {
    kn_pool *pool;
    int worker;
} kn_worker_arg;

static void run_tasks(kn_pool *p, kn_task_fn fn, void *ctx, int ntasks, int worker)
{
    for (;;) {
        int t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (t >= ntasks) return;
        fn(ctx, t, worker);
    }
}

static void *worker_main(void *argp)
{
    kn_worker_arg arg = *(kn_worker_arg *)argp;
    free(argp);
    kn_pool *p = arg.pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->generation == seen && !p->stop) pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        kn_task_fn fn = p->fn;
        void *ctx = p->ctx;
        int ntasks = p->ntasks;
        pthread_mutex_unlock(&p->mu);
        run_tasks(p, fn, ctx, ntasks, arg.worker);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

kn_pool *kn_pool_new(int threads)
{
    if (threads < 1 || threads > 64) return NULL;
    kn_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads;
    atomic_init(&p->next, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->tid = calloc((size_t)threads, sizeof(pthread_t));
    if (!p->tid) {
        kn_pool_free(p);
        return NULL;
    }
    for (int w = 1; w < threads; w++) {
        kn_worker_arg *arg = malloc(sizeof *arg);
        if (!arg) {
            p->threads = w;
            kn_pool_free(p);
            return NULL;
        }
        *arg = (kn_worker_arg){p, w};
        if (pthread_create(&p->tid[w], NULL, worker_main, arg) != 0) {
            free(arg);
            p->threads = w;
            kn_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void kn_pool_free(kn_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int w = 1; w < p->threads; w++) pthread_join(p->tid[w], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p->tid);
    free(p);
}

int kn_pool_threads(const kn_pool *p)
{
    return p ? p->threads : 1;
}

void kn_pool_run(kn_pool *p, int ntasks, kn_task_fn fn, void *ctx)
{
    if (ntasks <= 0) return;
    if (!p || p->threads == 1 || ntasks == 1) {
        for (int t = 0; t < ntasks; t++) fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->busy = p->threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, fn, ctx, ntasks, 0);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ---- instruction sets ------------------------------------------------- */

static const char *const isa_names[KN_ISA_COUNT] = {"generic", "avx2", "avx512"};
static _Atomic int current_isa = -1; /* -1: not chosen yet */

const char *kn_isa_name(kn_isa isa)
{
    return (unsigned)isa < KN_ISA_COUNT ? isa_names[isa] : "unknown";
}

bool kn_isa_supported(kn_isa isa)
{
    if (!kn_impl_for(isa)) return false;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (isa == KN_ISA_AVX2) return __builtin_cpu_supports("avx2");
    if (isa == KN_ISA_AVX512) return __builtin_cpu_supports("avx512f");
#endif
    return isa == KN_ISA_GENERIC;
}

static kn_isa choose_isa(void)
{
    const char *env = getenv("YUMA_TRAIN_ISA");
    if (env)
        for (int i = 0; i < KN_ISA_COUNT; i++)
            if (strcmp(env, isa_names[i]) == 0 && kn_isa_supported((kn_isa)i)) return (kn_isa)i;
    for (int i = KN_ISA_COUNT - 1; i > 0; i--)
        if (kn_isa_supported((kn_isa)i)) return (kn_isa)i;
    return KN_ISA_GENERIC;
}

kn_isa kn_current_isa(void)
{
    int isa = atomic_load(&current_isa);
    if (isa < 0) {
        isa = (int)choose_isa();
        atomic_store(&current_isa, isa);
    }
    return (kn_isa)isa;
}

bool kn_set_isa(kn_isa isa)
{
    if ((unsigned)isa >= KN_ISA_COUNT || !kn_isa_supported(isa)) return false;
    atomic_store(&current_isa, (int)isa);
    return true;
}

/* ---- matrix products -------------------------------------------------- */

size_t kn_gemm_scratch_floats(void)
{
    /* a zero-padded B panel (KC x NR), zero-padded A rows (MR x KC), a C tile */
    return (size_t)KN_KC * KN_MAX_NR + (size_t)KN_MAX_MR * KN_KC + (size_t)KN_MAX_MR * KN_MAX_NR;
}

/* One tile at the matrix edge: rows or columns beyond the matrix are zero
 * padding in A and B, and land in a scratch tile that is then copied out.
 * Padding only ever feeds outputs that are thrown away. */
static void edge_tile(const kn_impl *im, int mr, int nr, int kc, kn_mat A, const float *B, ptrdiff_t ldb,
                      float *C, ptrdiff_t ldc, bool accumulate, float *apad, float *tile)
{
    const float *a = A.p;
    ptrdiff_t ars = A.rs, aks = A.ks;
    if (mr < im->mr) {
        for (int r = 0; r < im->mr; r++)
            for (int k = 0; k < kc; k++) apad[(size_t)r * kc + k] = r < mr ? A.p[r * A.rs + k * A.ks] : 0.0f;
        a = apad;
        ars = kc;
        aks = 1;
    }
    memset(tile, 0, sizeof(float) * (size_t)im->mr * im->nr);
    if (accumulate)
        for (int r = 0; r < mr; r++) memcpy(tile + (size_t)r * im->nr, C + r * ldc, sizeof(float) * (size_t)nr);
    im->mk(kc, a, ars, aks, B, ldb, tile, im->nr, accumulate);
    for (int r = 0; r < mr; r++) memcpy(C + r * ldc, tile + (size_t)r * im->nr, sizeof(float) * (size_t)nr);
}

void kn_gemm(int M, int N, int K, kn_mat A, const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
             bool accumulate, float *scratch)
{
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int i = 0; i < M; i++) memset(C + i * ldc, 0, sizeof(float) * (size_t)N);
        return;
    }
    const kn_impl *im = kn_impl_for(kn_current_isa());
    float *bpack = scratch;
    float *apad = bpack + (size_t)KN_KC * KN_MAX_NR;
    float *tile = apad + (size_t)KN_MAX_MR * KN_KC;
    for (int k0 = 0; k0 < K; k0 += KN_KC) {
        int kc = K - k0 < KN_KC ? K - k0 : KN_KC;
        bool acc = accumulate || k0 > 0; /* later k blocks add to the partial sums */
        for (int j0 = 0; j0 < N; j0 += im->nr) {
            int nr = N - j0 < im->nr ? N - j0 : im->nr;
            const float *bp = B + k0 * ldb + j0;
            ptrdiff_t ldbp = ldb;
            if (nr < im->nr) { /* the last, narrow panel: zero-pad its columns */
                for (int k = 0; k < kc; k++) {
                    memcpy(bpack + (size_t)k * im->nr, bp + k * ldb, sizeof(float) * (size_t)nr);
                    memset(bpack + (size_t)k * im->nr + nr, 0, sizeof(float) * (size_t)(im->nr - nr));
                }
                bp = bpack;
                ldbp = im->nr;
            }
            for (int i0 = 0; i0 < M; i0 += im->mr) {
                int mr = M - i0 < im->mr ? M - i0 : im->mr;
                kn_mat Ai = {A.p + i0 * A.rs + k0 * A.ks, A.rs, A.ks};
                float *Ci = C + i0 * ldc + j0;
                if (mr == im->mr && nr == im->nr)
                    im->mk(kc, Ai.p, Ai.rs, Ai.ks, bp, ldbp, Ci, ldc, acc);
                else
                    edge_tile(im, mr, nr, kc, Ai, bp, ldbp, Ci, ldc, acc, apad, tile);
            }
        }
    }
}

typedef struct {
    int M, N, K, rows_per_task;
    kn_mat A;
    const float *B;
    ptrdiff_t ldb;
    float *C;
    ptrdiff_t ldc;
    bool accumulate;
    float *scratch;
} gemm_job;

static void gemm_task(void *ctx, int task, int worker)
{
    const gemm_job *j = ctx;
    int i0 = task * j->rows_per_task;
    int m = j->M - i0 < j->rows_per_task ? j->M - i0 : j->rows_per_task;
    kn_mat A = {j->A.p + i0 * j->A.rs, j->A.rs, j->A.ks};
    kn_gemm(m, j->N, j->K, A, j->B, j->ldb, j->C + i0 * j->ldc, j->ldc, j->accumulate,
            j->scratch + (size_t)worker * kn_gemm_scratch_floats());
}

void kn_gemm_par(kn_pool *pool, int M, int N, int K, kn_mat A, const float *B, ptrdiff_t ldb, float *C,
                 ptrdiff_t ldc, bool accumulate, float *scratch)
{
    if (M <= 0 || N <= 0) return;
    /* Row chunks of 96 (a multiple of every kernel's mr: 6 and 8 divide it)
     * keep a chunk's rows of A in L2 while the panels of B stream past; at
     * least 4 tasks per thread when there are enough rows, for balance on
     * a shared machine. */
    int threads = kn_pool_threads(pool);
    int rows = 96;
    while (rows > 24 && (M + rows - 1) / rows < 4 * threads) rows /= 2;
    gemm_job j = {M, N, K, rows, A, B, ldb, C, ldc, accumulate, scratch};
    kn_pool_run(pool, (M + rows - 1) / rows, gemm_task, &j);
}

void kn_transpose(int rows, int cols, const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd)
{
    enum { TB = 32 }; /* blocks, so both sides stay in cache */
    for (int i0 = 0; i0 < rows; i0 += TB)
        for (int j0 = 0; j0 < cols; j0 += TB) {
            int i1 = i0 + TB < rows ? i0 + TB : rows, j1 = j0 + TB < cols ? j0 + TB : cols;
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) dst[j * ldd + i] = src[i * lds + j];
        }
}
