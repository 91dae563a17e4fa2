/*
 * dense_kern_avx512.c - the dense kernels (dense_kern_body.h) compiled for
 * AVX-512 (F, DQ, BW, VL): CMakeLists.txt gives this file alone the flags, and
 * dense_kernels_get runs it only on a CPU that has them.
 */
#ifdef YUMA_X86_KERNELS
#include "consensus/dense_kern_body.h"

DEFINE_KERNELS(avx512)
#else
typedef int dense_kern_avx512_unused; /* ISO C wants something in every file */
#endif
