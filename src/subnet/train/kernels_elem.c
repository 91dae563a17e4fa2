/*
 * kernels_elem.c - the hot element-wise loops of the training subnet's model
 * (kernels.h): e^x for x <= 0 (softmax, cross-entropy) and the GELU with its
 * derivative, in double-precision vector lanes, compiled once per
 * instruction set (2 lanes portable / SSE2, 4 on AVX2, 8 on AVX-512) and
 * chosen at run time like the matrix kernels.
 *
 * Every lane does the same IEEE operations whatever the width (separately
 * rounded multiplies and adds, exactly rounded division, exact conversions
 * and bit operations; contraction off), so all paths give the same bits; a
 * tail shorter than a vector goes through a zero-padded vector.
 *
 * e^x: n = round-to-nearest(x / ln 2) through the 1.5 * 2^52 shifter,
 * r = x - n ln 2 (ln 2 in two parts), a degree-7 Taylor polynomial for e^r
 * (remainder below |r|^8 / 8! = 5.5e-9 relative, a tenth of a float's
 * half-ulp), and 2^n built from its exponent bits.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "subnet/train/kernels.h"

#define LN2_HI 6.93147180369123816490e-01 /* n * LN2_HI is exact for |n| < 2^11 */
#define LN2_LO 1.90821492927058770002e-10
#define GELU_K 0.7978845608028654 /* sqrt(2 / pi) */
#define GELU_C 0.044715

/* The loops for one vector width: VD holds W doubles, VL W int64, VF W
 * floats; VFU is VF as an unaligned, aliasing view of float memory. */
#define KN_DEFINE_ELEM(S, ATTR, VD, VL, VF, VFU, W)                                                    \
    ATTR static inline VD exp_neg_##S(VD x)                                                           \
    {                                                                                                 \
        VD lim = (VD){0} + -700.0;                                                                    \
        VL low = x < lim; /* all-ones lanes where x < -700: take -700 there */                        \
        x = (VD)(((VL)x & ~low) | ((VL)lim & low));                                                   \
        VD shifter = (VD){0} + 0x1.8p52;                                                              \
        VD t = x * 1.4426950408889634 + shifter; /* n + 1.5 2^52: n in the low mantissa bits */       \
        VD n = t - shifter;                       /* round(x / ln 2), exactly */                      \
        VD r = (x - n * LN2_HI) - n * LN2_LO;                                                         \
        VD p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 +        \
               r * (1.0 / 720 + r * (1.0 / 5040)))))));                                               \
        VL bits = (VL)t - (VL)shifter;           /* n as an integer */                                \
        return p * (VD)((bits + 1023) << 52);    /* times 2^n, n >= -1010: a normal double */         \
    }                                                                                                 \
    ATTR static inline VD load_##S(const float *p) { return __builtin_convertvector(*(const VFU *)p, VD); } \
    ATTR static inline void store_##S(float *p, VD d) { *(VFU *)p = __builtin_convertvector(d, VF); } \
    ATTR static void expf_neg_##S(float *v, size_t n)                                                 \
    {                                                                                                 \
        size_t i = 0;                                                                                 \
        for (; i + W <= n; i += W) store_##S(v + i, exp_neg_##S(load_##S(v + i)));                     \
        if (i < n) {                                                                                  \
            float tmp[W] = {0};                                                                       \
            for (size_t j = i; j < n; j++) tmp[j - i] = v[j];                                         \
            store_##S(tmp, exp_neg_##S(load_##S(tmp)));                                               \
            for (size_t j = i; j < n; j++) v[j] = tmp[j - i];                                         \
        }                                                                                             \
    }                                                                                                 \
    /* GELU's tanh form as x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3): with e = e^-2|u| <= 1, \
     * sigmoid(2u) is 1 / (1 + e) for u >= 0 and e / (1 + e) below, so nothing cancels. */           \
    ATTR static inline void gelu_fwd_vec_##S(const float *h, float *g, float *sg)                     \
    {                                                                                                 \
        VD x = load_##S(h);                                                                           \
        VD u = GELU_K * (x + GELU_C * x * x * x);                                                     \
        VL neg = u < 0.0;                                                                             \
        VL sign = (VL){0} + INT64_MIN;                                                                \
        VD e = exp_neg_##S(-2.0 * (VD)((VL)u & ~sign));                                               \
        VD one = (VD){0} + 1.0;                                                                       \
        VD s = (VD)(((VL)e & neg) | ((VL)one & ~neg)) / (1.0 + e);                                    \
        store_##S(sg, s);                                                                             \
        store_##S(g, x * s);                                                                          \
    }                                                                                                 \
    /* d/dx x s(2u) = s + 2 x s (1 - s) du/dx, du/dx = sqrt(2/pi) (1 + 3 0.044715 x^2) */             \
    ATTR static inline void gelu_bwd_vec_##S(const float *h, const float *sg, float *dg)              \
    {                                                                                                 \
        VD x = load_##S(h), s = load_##S(sg);                                                         \
        VD du = GELU_K * (1.0 + 3 * GELU_C * x * x);                                                  \
        store_##S(dg, load_##S(dg) * (s + 2.0 * x * s * (1.0 - s) * du));                             \
    }                                                                                                 \
    ATTR static void gelu_fwd_##S(const float *h, float *g, float *s, size_t n)                       \
    {                                                                                                 \
        size_t i = 0;                                                                                 \
        for (; i + W <= n; i += W) gelu_fwd_vec_##S(h + i, g + i, s + i);                               \
        if (i < n) {                                                                                  \
            float hh[W] = {0}, gg[W], ss[W];                                                          \
            for (size_t j = i; j < n; j++) hh[j - i] = h[j];                                          \
            gelu_fwd_vec_##S(hh, gg, ss);                                                             \
            for (size_t j = i; j < n; j++) g[j] = gg[j - i], s[j] = ss[j - i];                        \
        }                                                                                             \
    }                                                                                                 \
    ATTR static void gelu_bwd_##S(const float *h, const float *s, float *dg, size_t n)                \
    {                                                                                                 \
        size_t i = 0;                                                                                 \
        for (; i + W <= n; i += W) gelu_bwd_vec_##S(h + i, s + i, dg + i);                              \
        if (i < n) {                                                                                  \
            float hh[W] = {0}, ss[W] = {0}, dd[W] = {0};                                              \
            for (size_t j = i; j < n; j++) hh[j - i] = h[j], ss[j - i] = s[j], dd[j - i] = dg[j];     \
            gelu_bwd_vec_##S(hh, ss, dd);                                                             \
            for (size_t j = i; j < n; j++) dg[j] = dd[j - i];                                         \
        }                                                                                             \
    }

typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2l __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));
typedef float v2fu __attribute__((vector_size(8), aligned(4), may_alias));
KN_DEFINE_ELEM(generic, , v2d, v2l, v2f, v2fu, 2)

#if defined(__x86_64__)
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef float v4fu __attribute__((vector_size(16), aligned(4), may_alias));
KN_DEFINE_ELEM(avx2, __attribute__((target("avx2"))), v4d, v4l, v4f, v4fu, 4)
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4), may_alias));
KN_DEFINE_ELEM(avx512, __attribute__((target("avx512f"))), v8d, v8l, v8f, v8fu, 8)
#endif

void kn_expf_neg_inplace(float *v, size_t n)
{
    switch (kn_current_isa()) {
#if defined(__x86_64__)
    case KN_ISA_AVX512: expf_neg_avx512(v, n); return;
    case KN_ISA_AVX2: expf_neg_avx2(v, n); return;
#endif
    default: expf_neg_generic(v, n); return;
    }
}

void kn_gelu_fwd(const float *h, float *g, float *s, size_t n)
{
    switch (kn_current_isa()) {
#if defined(__x86_64__)
    case KN_ISA_AVX512: gelu_fwd_avx512(h, g, s, n); return;
    case KN_ISA_AVX2: gelu_fwd_avx2(h, g, s, n); return;
#endif
    default: gelu_fwd_generic(h, g, s, n); return;
    }
}

void kn_gelu_bwd(const float *h, const float *s, float *dg, size_t n)
{
    switch (kn_current_isa()) {
#if defined(__x86_64__)
    case KN_ISA_AVX512: gelu_bwd_avx512(h, s, dg, n); return;
    case KN_ISA_AVX2: gelu_bwd_avx2(h, s, dg, n); return;
#endif
    default: gelu_bwd_generic(h, s, dg, n); return;
    }
}
