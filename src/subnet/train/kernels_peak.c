/*
 * kernels_peak.c - the machine's floating-point peak, measured, so that the
 * training benchmark can report its matrix kernels against it
 * (yuma_gpt_peak_gflops in include/yuma/gpt.h): a tight loop of independent
 * vector multiply-adds per instruction set, either as a separate
 * multiply and add (what the deterministic kernels use) or fused (FMA, the
 * hardware's quoted peak), run on every thread of a pool at once.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "subnet/train/kernels.h"
#include "yuma/gpt.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CHAINS independent accumulators acc += x * m, the pattern of the matrix
 * kernels: the products are independent, only the adds form chains (m is
 * tiny, so nothing overflows in any run length); 2 flops per lane per
 * update. Enough chains to cover the add latency. */
#define CHAINS 12
#define LINKS 4096

#define PEAK_LOOP(VT, W, MUL_ADD)                                                                      \
    VT acc[CHAINS], x[CHAINS];                                                                         \
    for (int c = 0; c < CHAINS; c++) acc[c] = (VT){0} + (float)c, x[c] = (VT){0} + (float)(c + 1);     \
    VT m = (VT){0} + 1e-12f;                                                                           \
    for (long it = 0; it < iters; it++)                                                                \
        for (int l = 0; l < LINKS; l++)                                                                \
            _Pragma("GCC unroll 12") for (int c = 0; c < CHAINS; c++) acc[c] = MUL_ADD(x[c], m, acc[c]); \
    float s = 0;                                                                                       \
    for (int c = 0; c < CHAINS; c++)                                                                   \
        for (int w = 0; w < W; w++) s += acc[c][w];                                                    \
    *sink = s;                                                                                         \
    return (double)iters * LINKS * CHAINS * W * 2;

#define SEPARATE(x, m, a) ((a) + (x) * (m))

typedef float p4 __attribute__((vector_size(16)));
static double loop_generic(long iters, volatile float *sink) { PEAK_LOOP(p4, 4, SEPARATE) }

#if defined(__x86_64__)
typedef float p8 __attribute__((vector_size(32)));
typedef float p16 __attribute__((vector_size(64)));
__attribute__((target("avx2"))) static double loop_avx2(long iters, volatile float *sink)
{
    PEAK_LOOP(p8, 8, SEPARATE)
}
__attribute__((target("avx512f"))) static double loop_avx512(long iters, volatile float *sink)
{
    PEAK_LOOP(p16, 16, SEPARATE)
}
#define FMA8(x, m, a) ((p8)_mm256_fmadd_ps((__m256)(x), (__m256)(m), (__m256)(a)))
#define FMA16(x, m, a) ((p16)_mm512_fmadd_ps((__m512)(x), (__m512)(m), (__m512)(a)))
__attribute__((target("avx2,fma"))) static double loop_avx2_fma(long iters, volatile float *sink)
{
    PEAK_LOOP(p8, 8, FMA8)
}
__attribute__((target("avx512f"))) static double loop_avx512_fma(long iters, volatile float *sink)
{
    PEAK_LOOP(p16, 16, FMA16)
}
#endif

typedef double (*peak_loop)(long iters, volatile float *sink);

static peak_loop loop_for(kn_isa isa, bool fused)
{
    if (!kn_isa_supported(isa)) return NULL;
    switch (isa) {
    case KN_ISA_GENERIC: return fused ? NULL : loop_generic;
#if defined(__x86_64__)
    case KN_ISA_AVX2:
        if (!fused) return loop_avx2;
        return __builtin_cpu_supports("fma") ? loop_avx2_fma : NULL;
    case KN_ISA_AVX512: return fused ? loop_avx512_fma : loop_avx512;
#endif
    default: return NULL;
    }
}

typedef struct {
    peak_loop loop;
    long iters;
    int threads;
    atomic_int started;
    double flops[64];
    volatile float sink[64];
} peak_job;

static void peak_task(void *ctx, int task, int worker)
{
    (void)worker;
    peak_job *j = ctx;
    /* start together: a thread waiting here takes no second task */
    atomic_fetch_add(&j->started, 1);
    while (atomic_load(&j->started) < j->threads) {
    }
    j->flops[task] = j->loop(j->iters, &j->sink[task]);
}

double yuma_gpt_peak_gflops(const char *isa_name, bool fused, uint32_t threads, double seconds)
{
    kn_isa isa = KN_ISA_COUNT;
    for (int i = 0; isa_name && i < KN_ISA_COUNT; i++)
        if (strcmp(isa_name, kn_isa_name((kn_isa)i)) == 0) isa = (kn_isa)i;
    if (isa == KN_ISA_COUNT || threads < 1 || threads > 64 || !(seconds > 0)) return 0;
    peak_loop loop = loop_for(isa, fused);
    if (!loop) return 0;
    kn_pool *pool = kn_pool_new((int)threads);
    if (!pool) return 0;
    /* calibrate the iteration count on one thread, then run all at once */
    volatile float sink;
    long iters = 1;
    double t0 = now_s();
    for (;;) {
        t0 = now_s();
        loop(iters, &sink);
        double dt = now_s() - t0;
        if (dt > seconds / 8 || iters > (1L << 40)) {
            iters = (long)(iters * (seconds / dt)) + 1;
            break;
        }
        iters *= 2;
    }
    peak_job j = {.loop = loop, .iters = iters, .threads = (int)threads};
    atomic_init(&j.started, 0);
    t0 = now_s();
    kn_pool_run(pool, (int)threads, peak_task, &j);
    double dt = now_s() - t0, total = 0;
    for (uint32_t i = 0; i < threads; i++) total += j.flops[i];
    kn_pool_free(pool);
    return total / dt / 1e9;
}
