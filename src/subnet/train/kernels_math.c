/*
 * kernels_math.c - exp, log, tanh and cos(pi x) for the training subnet,
 * written here rather than taken from libm because the subnet needs the
 * same bits on every machine (training-subnet.md §7.7): libm's results may
 * differ between versions and between its own FMA and non-FMA paths. These
 * use only +, -, *, / (contraction off), exact scalings and conversions.
 * They are accurate to a few units in the last place of a double, far
 * below the float precision the model works in.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <math.h>

#include "subnet/train/kernels.h"

static const double LN2_HI = 6.93147180369123816490e-01; /* ln 2 in two parts (fdlibm's split): */
static const double LN2_LO = 1.90821492927058770002e-10; /* n * LN2_HI is exact for |n| < 2^11 */

double kn_exp(double x)
{
    if (x != x) return x;
    if (x > 709.78) return INFINITY;
    if (x < -745.2) return 0.0;
    double u = x * 1.4426950408889634 + 0.5;
    int n = (int)u;
    if ((double)n > u) n--; /* n = round(x / ln 2) */
    double r = (x - n * LN2_HI) - n * LN2_LO; /* |r| <= ln2/2 + tiny */
    /* Taylor series to r^16: the remainder is below 1e-19 relative */
    double term = 1.0, sum = 1.0;
    for (int k = 1; k <= 16; k++) {
        term = term * r / k;
        sum += term;
    }
    return ldexp(sum, n); /* exact (gradual underflow rounds once, the same everywhere) */
}

double kn_log(double x)
{
    if (x != x || x < 0) return NAN;
    if (x == 0) return -INFINITY;
    if (isinf(x)) return x;
    int e;
    double m = frexp(x, &e); /* x = m 2^e exactly, m in [0.5, 1) */
    if (m < 0.70710678118654752) {
        m *= 2; /* m in [sqrt(1/2), sqrt 2) */
        e--;
    }
    /* ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716 */
    double s = (m - 1) / (m + 1), s2 = s * s;
    double sum = 0, pw = s;
    for (int k = 1; k <= 25; k += 2) {
        sum += pw / k;
        pw *= s2;
    }
    return e * LN2_HI + (e * LN2_LO + 2 * sum);
}

double kn_tanh(double x)
{
    if (x != x) return x;
    double ax = x < 0 ? -x : x;
    double t;
    if (ax > 20) {
        t = 1.0;
    } else if (ax < 0.125) {
        /* the odd series, where 1 - 2/(e^2x + 1) would cancel: to x^15 */
        double x2 = ax * ax;
        t = ax * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835 +
                 x2 * (-1382.0 / 155925 + x2 * (21844.0 / 6081075 + x2 * (-929569.0 / 638512875))))))));
    } else {
        t = 1 - 2 / (kn_exp(2 * ax) + 1);
    }
    return x < 0 ? -t : t;
}

/* sin a and cos a for |a| <= pi/4 by their Taylor series (to a^27 and
 * a^26: remainders below 1e-30). */
static double sin_small(double a)
{
    double a2 = a * a, sum = 0, term = a;
    for (int k = 1; k <= 27; k += 2) {
        sum += term;
        term = -term * a2 / ((k + 1) * (k + 2));
    }
    return sum;
}

static double cos_small(double a)
{
    double a2 = a * a, sum = 0, term = 1;
    for (int k = 0; k <= 26; k += 2) {
        sum += term;
        term = -term * a2 / ((k + 1) * (k + 2));
    }
    return sum;
}

double kn_cospi(double x)
{
    if (!isfinite(x)) return NAN;
    /* even, period 2: reduce to y in [0, 1], then to [0, 1/2] by
     * cos(pi (1 - y)) = -cos(pi y) (1 - y is exact there); the quarters
     * make cos(0) = 1, cos(pi/2) = 0 and cos(pi) = -1 exact */
    double y = fmod(x < 0 ? -x : x, 2.0); /* exact */
    if (y > 1) y = 2 - y;
    double sign = 1;
    if (y > 0.5) {
        y = 1 - y;
        sign = -1;
    }
    const double pi = 3.14159265358979323846;
    double c = y <= 0.25 ? cos_small(pi * y) : sin_small(pi * (0.5 - y));
    return sign * c;
}
