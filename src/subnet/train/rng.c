/*
 * rng.c - SplitMix64 and xoshiro256** (include/yuma/trainrng.h), transcribed
 * from the authors' public-domain reference code (prng.di.unimi.it), plus an
 * unbiased bounded draw and a normal deviate that use no libm function
 * whose bits could vary between machines.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off") /* separately rounded products and sums everywhere (kernels.h) */
#endif
#include <math.h>

#include "subnet/train/kernels.h"
#include "yuma/trainrng.h"

uint64_t yuma_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void yuma_rng_seed(yuma_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++) r->s[i] = yuma_splitmix64(&st);
    /* SplitMix64 is a bijection of its counter, so four consecutive outputs
     * are never all zero; no fix-up is needed. */
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t yuma_rng_next(yuma_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t yuma_rng_below(yuma_rng *r, uint64_t bound)
{
    if (bound == 0) return 0;
    uint64_t threshold = (0 - bound) % bound; /* (2^64 - bound) mod bound */
    for (;;) {
        uint64_t x = yuma_rng_next(r);
        if (x >= threshold) return x % bound;
    }
}

double yuma_rng_unit(yuma_rng *r)
{
    return (double)(yuma_rng_next(r) >> 11) * 0x1.0p-53;
}

double yuma_rng_normal(yuma_rng *r)
{
    for (;;) {
        double u = 2 * yuma_rng_unit(r) - 1, v = 2 * yuma_rng_unit(r) - 1;
        double s = u * u + v * v;
        if (s > 0 && s < 1) return u * sqrt(-2 * kn_log(s) / s); /* sqrt is exactly rounded */
    }
}
