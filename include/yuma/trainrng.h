/*
 * trainrng.h - the training subnet's one pseudo-random generator
 * (training-subnet.md §7.7): SplitMix64 expands a seed into the state of a
 * xoshiro256** generator (Blackman and Vigna's reference algorithms, bit for
 * bit). Everything random in the subnet (weight initialisation, data pools,
 * batch order, the validator's draws) comes from here and never from rand(),
 * so a seed reproduces a run on every machine.
 */
#ifndef YUMA_TRAINRNG_H
#define YUMA_TRAINRNG_H

#include <stdint.h>

/* One SplitMix64 step: advances *state and returns the next output. */
uint64_t yuma_splitmix64(uint64_t *state);

typedef struct {
    uint64_t s[4];
} yuma_rng;

/* Seeds xoshiro256** with four consecutive SplitMix64 outputs from `seed`
 * (never an all-zero state). */
void yuma_rng_seed(yuma_rng *r, uint64_t seed);

/* The next 64-bit xoshiro256** output. */
uint64_t yuma_rng_next(yuma_rng *r);

/* Uniform in [0, bound) for bound >= 1 by rejection: draws x until
 * x >= (2^64 - bound) mod bound, returns x mod bound (unbiased). bound 0
 * returns 0 without drawing. */
uint64_t yuma_rng_below(yuma_rng *r, uint64_t bound);

/* Uniform in [0, 1): the top 53 bits of one output times 2^-53. */
double yuma_rng_unit(yuma_rng *r);

/* A standard normal deviate (Marsaglia's polar method; its logarithm is
 * computed by the subnet's own libm-independent routine, so the value is the
 * same bits everywhere). Draws two or more outputs. */
double yuma_rng_normal(yuma_rng *r);

#endif
