/*
 * kernels_isa.c - the register-tile microkernels of the matrix products,
 * one per instruction set: portable C with GCC/clang vector types (4 lanes;
 * SSE2 on x86-64), AVX2 (8 lanes) and AVX-512 (16 lanes), the latter two
 * compiled for their target with a function attribute and chosen at run time
 * (kernels.c), so the build needs no -march flag.
 *
 * All three compute the same bits: lanes run across independent output
 * columns and each lane adds its products in k order with a separately
 * rounded multiply and add. Contraction to fused multiply-add (which
 * AVX-512 would otherwise allow) is turned off for this file.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "subnet/train/kernels.h"

/* Vector types, and unaligned views of float memory as vectors (aligned(4),
 * may_alias: plain unaligned loads and stores without memcpy calls, which
 * sanitizer builds would not inline). */
typedef float v4 __attribute__((vector_size(16)));
typedef float v4u __attribute__((vector_size(16), aligned(4), may_alias));
#if defined(__x86_64__)
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
#endif

/* One microkernel: MR rows, NV vectors of W lanes per row (NR = NV * W).
 * Accumulators live in registers: the loops have constant bounds and are
 * unrolled. */
#define KN_DEFINE_MK(NAME, ATTR, VT, VTU, W, MR, NV)                                                       \
    ATTR static void NAME(int K, const float *a, ptrdiff_t ars, ptrdiff_t aks, const float *b,        \
                          ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate)                    \
    {                                                                                                 \
        VT acc[MR][NV];                                                                               \
        _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                         \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                      \
        {                                                                                             \
            if (accumulate)                                                                           \
                acc[r][v] = *(const VTU *)(c + r * ldc + v * W);                                      \
            else                                                                                      \
                acc[r][v] = (VT){0};                                                                  \
        }                                                                                             \
        for (int k = 0; k < K; k++) {                                                                 \
            VT bv[NV];                                                                                \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                      \
                bv[v] = *(const VTU *)(b + k * ldb + v * W);                                          \
            const float *ak = a + k * aks;                                                            \
            _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                     \
            {                                                                                         \
                float ar = ak[r * ars];                                                               \
                _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                  \
                {                                                                                     \
                    VT prod = bv[v] * ar;                                                             \
                    acc[r][v] = acc[r][v] + prod;                                                     \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
        _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                         \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                      \
                *(VTU *)(c + r * ldc + v * W) = acc[r][v];                                            \
    }

KN_DEFINE_MK(mk_generic, , v4, v4u, 4, 6, 2)
static const kn_impl impl_generic = {6, 8, mk_generic};

#if defined(__x86_64__)
KN_DEFINE_MK(mk_avx2, __attribute__((target("avx2"))), v8, v8u, 8, 6, 2)
KN_DEFINE_MK(mk_avx512, __attribute__((target("avx512f"))), v16, v16u, 16, 8, 2)
static const kn_impl impl_avx2 = {6, 16, mk_avx2};
static const kn_impl impl_avx512 = {8, 32, mk_avx512};
#endif

const kn_impl *kn_impl_for(kn_isa isa)
{
    switch (isa) {
    case KN_ISA_GENERIC: return &impl_generic;
#if defined(__x86_64__)
    case KN_ISA_AVX2: return &impl_avx2;
    case KN_ISA_AVX512: return &impl_avx512;
#endif
    default: return NULL;
    }
}
