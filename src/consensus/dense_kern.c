/*
 * dense_kern.c - the baseline instance of the dense kernels
 * (dense_kern_body.h), and the choice among the instances for this CPU.
 *
 * dense_kern_avx2.c and dense_kern_avx512.c compile the same kernels with
 * their instruction sets enabled (on x86-64 only); which one runs is
 * decided here, at run time, so that one binary runs on any x86-64 CPU.
 * Every instance gives the same bytes (integer arithmetic; the tests
 * compare them through dense_kernels_named and dense_kernels_force).
 */
#include "consensus/dense_kern_body.h"

DEFINE_KERNELS(base)

#ifdef YUMA_X86_KERNELS
static bool has_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}
#endif

const dense_kernels *dense_kernels_get(bool portable)
{
#ifdef YUMA_X86_KERNELS
    if (!portable) {
        if (has_avx512()) return &dense_kernels_avx512;
        if (__builtin_cpu_supports("avx2")) return &dense_kernels_avx2;
    }
#else
    (void)portable;
#endif
    return &dense_kernels_base;
}

const dense_kernels *dense_kernels_named(const char *isa)
{
    if (strcmp(isa, "base") == 0) return &dense_kernels_base;
#ifdef YUMA_X86_KERNELS
    if (strcmp(isa, "avx2") == 0 && __builtin_cpu_supports("avx2")) return &dense_kernels_avx2;
    if (strcmp(isa, "avx512") == 0 && has_avx512()) return &dense_kernels_avx512;
#endif
    return NULL;
}

void dense_kernels_force(yuma_workspace *ws, const dense_kernels *k)
{
    ws->kernels = k;
}
