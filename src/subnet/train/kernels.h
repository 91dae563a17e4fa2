/*
 * kernels.h - the training subnet's compute kernels (internal): a small
 * persistent thread pool, cache-blocked fp32 matrix products with runtime
 * instruction-set dispatch, and the few transcendental functions the model
 * needs, written so that every result is the same bits whatever the thread
 * count, the dispatch path or the machine (training-subnet.md §7.7).
 *
 * The rules that make that true:
 *  - every output element of a product is one sum over k = 0, 1, ..., K-1 in
 *    that order, started from 0 (or from the old value when accumulating),
 *    with a separately rounded multiply and add (never a fused multiply-add:
 *    the kernel files turn contraction off). Vector code runs across
 *    independent output columns, so a lane computes exactly what the scalar
 *    loop would; blocking over k only stores and reloads partial sums;
 *  - threads split work into fixed index ranges (tasks); which thread runs a
 *    task never changes what it computes; there are no atomic float updates;
 *  - exp, log, tanh and cos are computed here from +, -, *, / and exact
 *    scalings, not taken from libm, whose results may differ between versions
 *    and between its own dispatch paths.
 */
#ifndef YUMA_TRAIN_KERNELS_H
#define YUMA_TRAIN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- thread pool ------------------------------------------------------ */

typedef struct kn_pool kn_pool;

/* fn(ctx, task, worker) is called once for every task in [0, ntasks);
 * worker is in [0, threads) and names per-thread scratch. */
typedef void (*kn_task_fn)(void *ctx, int task, int worker);

/* A pool of `threads` (1..64) workers, the caller being worker 0. NULL when
 * threads are out of range or cannot be started. */
kn_pool *kn_pool_new(int threads);
void kn_pool_free(kn_pool *p);
int kn_pool_threads(const kn_pool *p);
/* Runs every task and returns when all are done. NULL pool: runs inline. */
void kn_pool_run(kn_pool *p, int ntasks, kn_task_fn fn, void *ctx);

/* ---- instruction sets ------------------------------------------------- */

typedef enum { KN_ISA_GENERIC = 0, KN_ISA_AVX2 = 1, KN_ISA_AVX512 = 2, KN_ISA_COUNT } kn_isa;

/* The set the kernels use now: the best this CPU runs, unless
 * YUMA_TRAIN_ISA (generic|avx2|avx512) or kn_set_isa chose another. */
kn_isa kn_current_isa(void);
const char *kn_isa_name(kn_isa isa);
bool kn_isa_supported(kn_isa isa);
/* Selects isa for the whole process; false (and no change) when this CPU
 * cannot run it. */
bool kn_set_isa(kn_isa isa);

/* ---- matrix products (row-major fp32) -------------------------------- */

/* One operand of a product: element (i, k) lives at p[i*rs + k*ks]. */
typedef struct {
    const float *p;
    ptrdiff_t rs, ks;
} kn_mat;

/* C[M x N] = A[M x K] * B[K x N] (accumulate: C += ...), single-threaded.
 * A is any strided view; B is row-major with row stride ldb; C row-major
 * with row stride ldc. `scratch` holds kn_gemm_scratch_floats() floats. */
void kn_gemm(int M, int N, int K, kn_mat A, const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
             bool accumulate, float *scratch);
size_t kn_gemm_scratch_floats(void);

/* The same product with its rows split over the pool's threads:
 * y[M x N] = x[M x K] W[K x N]  (NN: A = x with rs = lda, ks = 1), and
 * dW[K x N] = x^T dy            (TN: A = x^T, i.e. rs = 1, ks = lda).
 * `scratch` holds threads * kn_gemm_scratch_floats() floats. */
void kn_gemm_par(kn_pool *pool, int M, int N, int K, kn_mat A, const float *B, ptrdiff_t ldb, float *C,
                 ptrdiff_t ldc, bool accumulate, float *scratch);

/* dst[cols x rows] = src[rows x cols]^T (row strides lds, ldd). */
void kn_transpose(int rows, int cols, const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd);

/* ---- deterministic transcendental functions -------------------------- */

/* e^x in double (Cody-Waite reduction, Taylor series, exact scaling):
 * within a few 1e-16 relative; 0 below -745, +inf above 709.78. */
double kn_exp(double x);
/* ln x for x > 0 (exact frexp, atanh series): within ~1e-16 relative;
 * -inf at 0, NaN below. */
double kn_log(double x);
/* tanh x, from kn_exp. */
double kn_tanh(double x);
/* cos(pi * x). */
double kn_cospi(double x);

/* The hot element-wise loops (kernels_elem.c): double-precision vector lanes,
 * one path per instruction set, all giving the same bits; the float results
 * are within an ulp. */

/* v[i] = e^v[i] for v[i] <= 0 (inputs below -700 give 0). */
void kn_expf_neg_inplace(float *v, size_t n);
/* g = h (1 + tanh(u)) / 2 with u = sqrt(2/pi) (h + 0.044715 h^3), the tanh
 * form of GELU, computed as h sigmoid(2u); s keeps sigmoid(2u) for the
 * backward pass. */
void kn_gelu_fwd(const float *h, float *g, float *s, size_t n);
/* dg *= d gelu / dh, from h and the s kept by kn_gelu_fwd. */
void kn_gelu_bwd(const float *h, const float *s, float *dg, size_t n);

/* ---- register-tile microkernels (kernels_isa.c) ---------------------- */

/* c[MR x NR] (+)= a(r, k) * b[k][0..NR) summed over k in [0, K) in order,
 * a(r, k) = a[r*ars + k*aks], b rows ldb apart, c rows ldc apart. */
typedef void (*kn_microkernel)(int K, const float *a, ptrdiff_t ars, ptrdiff_t aks, const float *b,
                               ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate);
typedef struct {
    int mr, nr;
    kn_microkernel mk;
} kn_impl;
/* The tile kernel compiled for isa (NULL when this build has none). */
const kn_impl *kn_impl_for(kn_isa isa);
/* The largest mr and nr of any kernel (sizes scratch). */
enum { KN_MAX_MR = 8, KN_MAX_NR = 32, KN_KC = 256 };

#endif
