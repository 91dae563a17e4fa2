/*
 * pool.c - the weighted (Balancer-style) dynamic-TAO pool of spec
 * economics.md section 5: prices, fees, swaps with price limits and guards,
 * the price-preserving reweighting of protocol injections, and the integer
 * exponentiation floor(1e18 * (a/b)^(p/q)) all of it rests on.
 *
 * The exponentiation replaces the reference's big-float pow_ratio_scaled
 * with fixed-point integer arithmetic on 384-bit numbers (6 x u64 limbs,
 * 192 fractional bits): ln by binary normalisation plus the atanh series,
 * exp by ln2 range reduction plus Taylor, then an exact integer check of
 * the floor when the approximation lands within 2^-64 of an integer.
 * docs/POOLS.md derives the error bound; the tests check it against an
 * exact model.
 */
#include "yuma/pool.h"

#include <string.h>

/* ===================================================================== */
/* 384-bit unsigned integers, little-endian limbs                         */
/* ===================================================================== */

#define NL 6       /* limbs */
#define FRAC 192   /* fractional bits of the fixed-point values */

typedef struct {
    uint64_t w[NL];
} u384;

static u384 u384_from_u128(yu128 v)
{
    u384 r;
    memset(&r, 0, sizeof r);
    r.w[0] = (uint64_t)v;
    r.w[1] = (uint64_t)(v >> 64);
    return r;
}

static bool u384_is_zero(const u384 *a)
{
    for (int i = 0; i < NL; i++)
        if (a->w[i]) return false;
    return true;
}

static int u384_cmp(const u384 *a, const u384 *b)
{
    for (int i = NL - 1; i >= 0; i--) {
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

/* Callers guarantee no overflow (sums of values far below 2^384). */
static u384 u384_add(u384 a, const u384 *b)
{
    unsigned carry = 0;
    for (int i = 0; i < NL; i++) {
        uint64_t s = a.w[i] + b->w[i];
        unsigned c1 = s < a.w[i];
        uint64_t t = s + carry;
        unsigned c2 = t < s;
        a.w[i] = t;
        carry = c1 | c2;
    }
    return a;
}

/* a - b for a >= b. */
static u384 u384_sub(u384 a, const u384 *b)
{
    unsigned borrow = 0;
    for (int i = 0; i < NL; i++) {
        uint64_t d = a.w[i] - b->w[i];
        unsigned b1 = a.w[i] < b->w[i];
        uint64_t t = d - borrow;
        unsigned b2 = d < borrow;
        a.w[i] = t;
        borrow = b1 | b2;
    }
    return a;
}

static u384 u384_shl(u384 a, unsigned n)
{
    u384 r;
    memset(&r, 0, sizeof r);
    unsigned limbs = n / 64, bits = n % 64;
    for (int i = NL - 1; i >= (int)limbs; i--) {
        uint64_t v = a.w[i - limbs] << bits;
        if (bits && i - (int)limbs - 1 >= 0) v |= a.w[i - limbs - 1] >> (64 - bits);
        r.w[i] = v;
    }
    return r;
}

static u384 u384_shr(u384 a, unsigned n)
{
    u384 r;
    memset(&r, 0, sizeof r);
    unsigned limbs = n / 64, bits = n % 64;
    for (unsigned i = 0; i + limbs < NL; i++) {
        uint64_t v = a.w[i + limbs] >> bits;
        if (bits && i + limbs + 1 < NL) v |= a.w[i + limbs + 1] << (64 - bits);
        r.w[i] = v;
    }
    return r;
}

static unsigned u384_bitlen(const u384 *a)
{
    for (int i = NL - 1; i >= 0; i--)
        if (a->w[i]) return (unsigned)(64 * i + 64 - __builtin_clzll(a->w[i]));
    return 0;
}

static bool u384_bit(const u384 *a, unsigned i)
{
    return (a->w[i / 64] >> (i % 64)) & 1;
}

/* a * m truncated to 384 bits (callers keep the product in range). */
static u384 u384_mul_u64(u384 a, uint64_t m)
{
    yu128 carry = 0;
    for (int i = 0; i < NL; i++) {
        yu128 p = (yu128)a.w[i] * m + carry;
        a.w[i] = (uint64_t)p;
        carry = p >> 64;
    }
    return a;
}

/* floor(a / d), d != 0. */
static u384 u384_div_u64(u384 a, uint64_t d)
{
    yu128 rem = 0;
    for (int i = NL - 1; i >= 0; i--) {
        yu128 cur = (rem << 64) | a.w[i];
        a.w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return a;
}

/* Fixed-point product floor(a * b / 2^FRAC); the callers' operands keep the
 * result below 2^384 (checked by construction in the comments below). */
static u384 u384_mulfix(const u384 *a, const u384 *b)
{
    uint64_t t[2 * NL];
    memset(t, 0, sizeof t);
    for (int i = 0; i < NL; i++) {
        if (!a->w[i]) continue;
        yu128 carry = 0;
        for (int j = 0; j < NL; j++) {
            yu128 p = (yu128)a->w[i] * b->w[j] + t[i + j] + carry;
            t[i + j] = (uint64_t)p;
            carry = p >> 64;
        }
        t[i + NL] = (uint64_t)carry;
    }
    u384 r;
    for (int i = 0; i < NL; i++) r.w[i] = t[i + FRAC / 64];
    return r;
}

/* floor(a / b) by restoring binary division; b != 0 and b < 2^383 so the
 * shifted remainder (< 2b) never overflows. */
static u384 u384_div(const u384 *a, const u384 *b)
{
    u384 q, r;
    memset(&q, 0, sizeof q);
    memset(&r, 0, sizeof r);
    for (int i = (int)u384_bitlen(a) - 1; i >= 0; i--) {
        r = u384_shl(r, 1);
        r.w[0] |= (uint64_t)u384_bit(a, (unsigned)i);
        if (u384_cmp(&r, b) >= 0) {
            r = u384_sub(r, b);
            q.w[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    return q;
}

/* ===================================================================== */
/* Exact big integers for the tie check (fixed capacity, no allocation)   */
/* ===================================================================== */

#define BN_LIMBS 64                       /* 4,096 bits */
#define BN_MAX_BITS (64 * (BN_LIMBS - 2)) /* what a product may use */

typedef struct {
    uint64_t w[BN_LIMBS];
    unsigned n; /* limbs in use; w[n-1] != 0 unless n == 0 */
} bn;

static void bn_set(bn *r, yu128 v)
{
    memset(r, 0, sizeof *r);
    r->w[0] = (uint64_t)v;
    r->w[1] = (uint64_t)(v >> 64);
    r->n = r->w[1] ? 2 : (r->w[0] ? 1 : 0);
}

/* r = a * b; the caller has bounded the bit lengths so a->n + b->n fits. */
static void bn_mul(bn *r, const bn *a, const bn *b)
{
    bn t;
    memset(&t, 0, sizeof t);
    for (unsigned i = 0; i < a->n; i++) {
        yu128 carry = 0;
        for (unsigned j = 0; j < b->n; j++) {
            yu128 p = (yu128)a->w[i] * b->w[j] + t.w[i + j] + carry;
            t.w[i + j] = (uint64_t)p;
            carry = p >> 64;
        }
        t.w[i + b->n] = (uint64_t)carry;
    }
    t.n = a->n + b->n;
    while (t.n && !t.w[t.n - 1]) t.n--;
    *r = t;
}

/* r = base^e (square-and-multiply, skipping the last squaring). */
static void bn_pow(bn *r, yu128 base, uint64_t e)
{
    bn f;
    bn_set(r, 1);
    bn_set(&f, base);
    while (e > 0) {
        if (e & 1) bn_mul(r, r, &f);
        e >>= 1;
        if (e > 0) bn_mul(&f, &f, &f);
    }
}

static int bn_cmp(const bn *a, const bn *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (unsigned i = a->n; i-- > 0;) {
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

static unsigned u128_bitlen(yu128 v)
{
    unsigned n = 0;
    while (v) { n++; v >>= 1; }
    return n;
}

/* An upper bound on the bits of x^e; UINT64_MAX when it is beyond any
 * size the tie check accepts (so the product below cannot overflow). */
static uint64_t pow_bits(yu128 x, uint64_t e)
{
    if (x <= 1) return 1;
    if (e > BN_MAX_BITS) return UINT64_MAX;
    return (uint64_t)u128_bitlen(x) * e;
}

/* ===================================================================== */
/* floor(1e18 * (a/b)^(p/q))                                              */
/* ===================================================================== */

#define SCALE YUMA_POOL_ACCURACY
#define RAO_PER_TAO 1000000000ULL /* limit prices are rao per alpha */

/* ln 2 * 2^192, rounded to nearest (0xb17217f7d1cf79ab c9e3b398... ). */
static u384 ln2_fix(void)
{
    u384 r;
    memset(&r, 0, sizeof r);
    r.w[0] = 0x40f343267298b62eULL;
    r.w[1] = 0xc9e3b39803f2f6afULL;
    r.w[2] = 0xb17217f7d1cf79abULL;
    return r;
}

static u384 fix_one(void)
{
    return u384_shl(u384_from_u128(1), FRAC);
}

static yu128 gcd128(yu128 a, yu128 b)
{
    while (b) {
        yu128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * ln(num/den) in Q.192 for num > den >= 1 (both < 2^128).
 * num/den = 2^k * m with m in [1, 2); ln m = 2 atanh(z), z = (m-1)/(m+1)
 * in [0, 1/3), so each series term shrinks by at least 9.
 */
static u384 ln_ratio(yu128 num, yu128 den)
{
    unsigned k = u128_bitlen(num) - u128_bitlen(den); /* num > den: >= 0 */
    u384 one = fix_one();
    u384 n = u384_shl(u384_from_u128(num), FRAC); /* < 2^320 */
    u384 d = u384_shl(u384_from_u128(den), k);    /* < 2^129 */
    u384 m = u384_div(&n, &d);                    /* in (1/2, 2) */
    if (u384_cmp(&m, &one) < 0) { /* k >= 1 here since num > den */
        k--;
        d = u384_shl(u384_from_u128(den), k);
        m = u384_div(&n, &d);
    }
    /* z = (m - 1) / (m + 1): (m-1) < 2^192, shifted < 2^384. */
    u384 zn = u384_shl(u384_sub(m, &one), FRAC);
    u384 zd = u384_add(m, &one);
    u384 z = u384_div(&zn, &zd);
    u384 z2 = u384_mulfix(&z, &z);
    u384 sum = z, t = z;
    for (uint64_t j = 1;; j++) {
        t = u384_mulfix(&t, &z2);
        if (u384_is_zero(&t)) break;
        u384 term = u384_div_u64(t, 2 * j + 1);
        sum = u384_add(sum, &term);
    }
    u384 ln = u384_shl(sum, 1);
    u384 kl = u384_mul_u64(ln2_fix(), k);
    return u384_add(ln, &kl);
}

/* e^r in Q.192 for 0 <= r <= ln 2 (Taylor; terms shrink by r/n < 0.7). */
static u384 exp_small(const u384 *r)
{
    u384 one = fix_one();
    u384 sum = one, t = one;
    for (uint64_t n = 1;; n++) {
        t = u384_mulfix(&t, r);
        t = u384_div_u64(t, n);
        if (u384_is_zero(&t)) break;
        sum = u384_add(sum, &t);
    }
    return sum;
}

/*
 * Decide floor(V) for V = S*(a/b)^(p/q) near the integer c exactly:
 * V >= c  <=>  c^q * b^p <= S^q * a^p. Returns 1 (V >= c), 0 (V < c) or
 * -1 when the numbers would exceed BN_MAX_BITS.
 */
static int exact_at_least(yu128 c, yu128 a, yu128 b, uint64_t p, uint64_t q)
{
    uint64_t lb = pow_bits(c, q), rb = pow_bits(b, p);
    uint64_t ls = pow_bits(SCALE, q), ra = pow_bits(a, p);
    if (lb == UINT64_MAX || rb == UINT64_MAX || ls == UINT64_MAX || ra == UINT64_MAX)
        return -1;
    if (lb + rb > BN_MAX_BITS || ls + ra > BN_MAX_BITS) return -1;
    bn x, y, lhs, rhs;
    bn_pow(&x, c, q);
    bn_pow(&y, b, p);
    bn_mul(&lhs, &x, &y);
    bn_pow(&x, SCALE, q);
    bn_pow(&y, a, p);
    bn_mul(&rhs, &x, &y);
    return bn_cmp(&lhs, &rhs) <= 0 ? 1 : 0;
}

yuma_pow_status yuma_pow_ratio_1e18(yu128 a, yu128 b, uint64_t p, uint64_t q, uint64_t *out)
{
    *out = 0;
    if (b == 0 || q == 0) return YUMA_POW_UNDEFINED;
    if (a == 0) return YUMA_POW_OK; /* the reference answers 0 before the exponent */
    if (p == 0) { *out = SCALE; return YUMA_POW_OK; }
    yu128 g = gcd128(a, b);
    a /= g;
    b /= g;
    uint64_t ge = (uint64_t)gcd128(p, q);
    p /= ge;
    q /= ge;
    if (a == b) { *out = SCALE; return YUMA_POW_OK; }

    bool up = a > b;
    u384 ln = up ? ln_ratio(a, b) : ln_ratio(b, a); /* < 89 * 2^192 */
    /* |L| = ln * p / q; ln * p < 2^(192+7+64) fits. */
    u384 L = u384_div_u64(u384_mul_u64(ln, p), q);

    u384 one = fix_one();
    /* V = S e^L: below 1 once L <= -42 (S e^-42 < 0.58), above 2^64 once
     * L >= 3 (S e^3 > 2.0e19); the margins dwarf the error bound. */
    u384 lim = u384_mul_u64(one, up ? 3 : 42);
    if (u384_cmp(&L, &lim) >= 0) {
        if (!up) return YUMA_POW_OK;
        *out = UINT64_MAX;
        return YUMA_POW_OVERFLOW;
    }

    /* L = +-(k ln2 + r0); e^-L = 2^-(k+1) e^(ln2 - r0) keeps r in [0, ln2]. */
    u384 ln2 = ln2_fix();
    u384 kq = u384_div(&L, &ln2);
    uint64_t k = kq.w[0]; /* < 61 */
    u384 kl = u384_mul_u64(ln2, k);
    u384 r = u384_sub(L, &kl);
    int shift;
    if (up) {
        shift = (int)k;
    } else if (u384_is_zero(&r)) {
        shift = -(int)k;
    } else {
        r = u384_sub(ln2, &r);
        shift = -(int)k - 1;
    }
    u384 x = u384_mul_u64(exp_small(&r), SCALE); /* < 2^(193+60) */
    x = shift >= 0 ? u384_shl(x, (unsigned)shift) : u384_shr(x, (unsigned)-shift);

    u384 ip = u384_shr(x, FRAC);
    yu128 n = (yu128)ip.w[0] | ((yu128)ip.w[1] << 64); /* < 2^65 by the L < 3 bound */
    u384 frac = x; /* the low FRAC = 192 bits = 3 limbs */
    frac.w[3] = frac.w[4] = frac.w[5] = 0;

    /* Within 2^-64 of an integer c the approximation cannot decide the
     * floor by itself: settle it exactly when the numbers are small. */
    u384 window = u384_shl(u384_from_u128(1), FRAC - 64);
    u384 upper = u384_sub(one, &window);
    yu128 floor_v = n;
    bool near_up = u384_cmp(&frac, &upper) > 0;
    if (near_up || u384_cmp(&frac, &window) < 0) {
        yu128 c = near_up ? n + 1 : n;
        if (c > 0) {
            int ge_c = exact_at_least(c, a, b, p, q);
            if (ge_c >= 0) floor_v = ge_c ? c : c - 1;
        }
    }
    if (floor_v > UINT64_MAX) {
        *out = UINT64_MAX;
        return YUMA_POW_OVERFLOW;
    }
    *out = (uint64_t)floor_v;
    return YUMA_POW_OK;
}

/* ===================================================================== */
/* Status messages, weights, prices, fees                                 */
/* ===================================================================== */

const char *yuma_pool_strerror(yuma_pool_status status)
{
    switch (status) {
    case YUMA_POOL_OK: return "ok";
    case YUMA_POOL_ERR_INVALID_ARGUMENT: return "invalid argument (NULL pointer or unknown swap direction)";
    case YUMA_POOL_ERR_BAD_WEIGHT: return "pool quote weight is outside [0.01, 0.99]";
    case YUMA_POOL_ERR_RESERVES_TOO_LOW: return "output-side reserve is below MinimumReserve (ReservesTooLow)";
    case YUMA_POOL_ERR_PRICE_LIMIT: return "price limit is not beyond the current price (PriceLimitExceeded)";
    case YUMA_POOL_ERR_INPUT_TOO_LARGE: return "net input exceeds 1000 times the input-side reserve (SwapInputTooLarge)";
    case YUMA_POOL_ERR_ZERO_OUTPUT: return "non-zero input would give zero output (ReservesTooLow)";
    case YUMA_POOL_ERR_INSUFFICIENT_LIQUIDITY: return "output exceeds the output-side reserve (InsufficientLiquidity)";
    case YUMA_POOL_ERR_OUT_OF_BALANCE: return "weight would leave [0.01, 0.99] (ReservesOutOfBalance)";
    case YUMA_POOL_ERR_ZERO_MAX_AMOUNT: return "no amount can execute within the price limit (ZeroMaxStakeAmount)";
    }
    return "unknown pool status";
}

bool yuma_pool_weight_valid(uint64_t w2)
{
    return w2 >= YUMA_POOL_MIN_WEIGHT && w2 <= YUMA_POOL_MAX_WEIGHT;
}

/* calculate_price: (w1/w2) * (y/x), each quotient a truncating U64F64
 * safe_div, the product saturating. */
static yu128 calc_price(uint64_t w2, uint64_t x, uint64_t y)
{
    uint64_t w1 = YUMA_POOL_ACCURACY - w2;
    yu128 wr = yu64f64_div(yu64f64_from_u64(w1), yu64f64_from_u64(w2));
    yu128 rr = yu64f64_div(yu64f64_from_u64(y), yu64f64_from_u64(x));
    return yu64f64_mul(wr, rr);
}

yu128 yuma_pool_price(const yuma_pool *pool)
{
    if (!pool || pool->alpha_in == 0) return 0;
    return calc_price(pool->w2, pool->alpha_in, pool->tao);
}

yu128 yuma_pool_limit_price(uint64_t limit_rao)
{
    return yu64f64_div(yu64f64_from_u64(limit_rao), yu64f64_from_u64(RAO_PER_TAO));
}

uint64_t yuma_pool_fee(uint64_t amount, uint16_t fee_rate)
{
    yu128 r = yu64f64_div(yu64f64_from_u64(fee_rate), yu64f64_from_u64(65535));
    return yu64f64_to_u64(yu64f64_mul(yu64f64_from_u64(amount), r));
}

uint64_t yuma_pool_fee_for_delta(uint64_t delta, uint16_t fee_rate)
{
    yu128 r = yu64f64_div(yu64f64_from_u64(fee_rate), yu64f64_from_u64(65535u - fee_rate));
    return yu64f64_to_u64(yu64f64_mul(yu64f64_from_u64(delta), r));
}

/* ===================================================================== */
/* Balancer primitives                                                    */
/* ===================================================================== */

yu128 yuma_balancer_exp(uint64_t w2, uint64_t reserve, uint64_t delta, bool delta_negative,
                        bool base_quote)
{
    uint64_t moved = delta_negative ? yu64_sat_sub(reserve, delta) : yu64_sat_add(reserve, delta);
    if (moved == 0) return 0;
    uint64_t w1 = YUMA_POOL_ACCURACY - w2;
    uint64_t res;
    yuma_pow_status st = yuma_pow_ratio_1e18(reserve, moved, base_quote ? w1 : w2,
                                             base_quote ? w2 : w1, &res);
    /* None, or a SafeInt that is not a u64, gives 0 in the reference. */
    if (st != YUMA_POW_OK) return 0;
    yu128 e = yu64f64_div(yu64f64_from_u64(res), yu64f64_from_u64(YUMA_POOL_ACCURACY));
    if (!delta_negative && e > YU64F64_ONE) e = YU64F64_ONE;
    return e;
}

/* reserve * ((num/den)^(w/1e18) - 1), the shared body of the two limit
 * formulas; a power above u64 is taken as u64::MAX, as the reference. */
static uint64_t limit_delta(yu128 num, yu128 den, uint64_t w, uint64_t reserve)
{
    uint64_t res;
    if (yuma_pow_ratio_1e18(num, den, w, YUMA_POOL_ACCURACY, &res) == YUMA_POW_UNDEFINED) return 0;
    yu128 e = yu64f64_div(yu64f64_from_u64(res), yu64f64_from_u64(YUMA_POOL_ACCURACY));
    yu128 d = yu64f64_mul(yu64f64_from_u64(reserve), yu128_sat_sub(e, YU64F64_ONE));
    return yu64f64_to_u64(d);
}

uint64_t yuma_balancer_quote_delta_in(uint64_t w2, yu128 current, yu128 target, uint64_t tao)
{
    return limit_delta(target, current, YUMA_POOL_ACCURACY - w2, tao);
}

uint64_t yuma_balancer_base_delta_in(uint64_t w2, yu128 current, yu128 target, uint64_t alpha)
{
    return limit_delta(current, target, w2, alpha);
}

uint64_t yuma_balancer_base_needed_for_quote(uint64_t w2, uint64_t tao, uint64_t alpha,
                                             uint64_t delta_tao)
{
    yu128 e = yuma_balancer_exp(w2, tao, delta_tao, true, false);
    yu128 d = yu64f64_mul(yu64f64_from_u64(alpha), yu128_sat_sub(e, YU64F64_ONE));
    return yu64f64_to_u64(d);
}

/* Output of putting `delta` into the pool (convert_deltas):
 * buy  floor(x * (1 - (y/(y+d))^(w2/w1))), sell floor(y * (1 - (x/(x+d))^(w1/w2))). */
static uint64_t swap_output(const yuma_pool *p, bool buy, uint64_t delta)
{
    if (delta == 0) return 0;
    uint64_t in_res = buy ? p->tao : p->alpha_in, out_res = buy ? p->alpha_in : p->tao;
    yu128 e = yuma_balancer_exp(p->w2, in_res, delta, false, !buy);
    return yu64f64_to_u64(yu64f64_mul(yu64f64_from_u64(out_res), yu128_sat_sub(YU64F64_ONE, e)));
}

/* ===================================================================== */
/* Swaps                                                                  */
/* ===================================================================== */

static yuma_pool_status swap_step(const yuma_pool *pool, yuma_swap_dir dir, uint64_t amount,
                                  uint64_t limit_rao, uint16_t fee_rate, bool drop_fees,
                                  bool cap_input, yuma_swap_result *out)
{
    if (!pool || !out || (dir != YUMA_SWAP_BUY && dir != YUMA_SWAP_SELL))
        return YUMA_POOL_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (!yuma_pool_weight_valid(pool->w2)) return YUMA_POOL_ERR_BAD_WEIGHT;
    bool buy = dir == YUMA_SWAP_BUY;
    uint64_t x = pool->alpha_in, y = pool->tao;
    uint64_t in_res = buy ? y : x, out_res = buy ? x : y;
    if (out_res < YUMA_POOL_MIN_RESERVE) return YUMA_POOL_ERR_RESERVES_TOO_LOW;

    yu128 cur = yuma_pool_price(pool);
    yu128 lim = yuma_pool_limit_price(limit_rao);
    if (buy ? !(cur < lim) : !(cur > lim)) return YUMA_POOL_ERR_PRICE_LIMIT;

    uint64_t fee = drop_fees ? 0 : yuma_pool_fee(amount, fee_rate);
    uint64_t requested = amount - fee; /* fee <= amount: r < 1 */
    if (cap_input && (yu128)requested > (yu128)in_res * YUMA_POOL_MAX_INPUT_RATIO)
        return YUMA_POOL_ERR_INPUT_TOO_LARGE;

    /* Price after the whole trade, from the post-trade reserves. */
    uint64_t full_out = swap_output(pool, buy, requested);
    yu128 target = buy ? calc_price(pool->w2, yu64_sat_sub(x, full_out), yu64_sat_add(y, requested))
                       : calc_price(pool->w2, yu64_sat_add(x, requested), yu64_sat_sub(y, full_out));
    if (buy ? target <= lim : target >= lim) {
        out->delta_in = requested;
    } else {
        /* Only what moves the price exactly to the limit executes; the fee
         * is recomputed on that net amount. */
        out->delta_in = buy ? yuma_balancer_quote_delta_in(pool->w2, cur, lim, y)
                            : yuma_balancer_base_delta_in(pool->w2, cur, lim, x);
        fee = drop_fees ? 0 : yuma_pool_fee_for_delta(out->delta_in, fee_rate);
        out->limited = true;
    }
    out->fee = fee;
    out->delta_out = out->delta_in == requested ? full_out : swap_output(pool, buy, out->delta_in);
    if (out->delta_in > 0 && out->delta_out == 0) {
        memset(out, 0, sizeof *out);
        return YUMA_POOL_ERR_ZERO_OUTPUT;
    }
    out->unused = yu64_sat_sub(amount, yu64_sat_add(out->delta_in, out->fee));
    return YUMA_POOL_OK;
}

yuma_pool_status yuma_pool_swap(const yuma_pool *pool, yuma_swap_dir dir, uint64_t amount,
                                uint64_t limit_rao, uint16_t fee_rate, bool drop_fees,
                                yuma_swap_result *out)
{
    return swap_step(pool, dir, amount, limit_rao, fee_rate, drop_fees, true, out);
}

yuma_pool_status yuma_pool_apply_swap(yuma_pool *pool, yuma_swap_dir dir,
                                      const yuma_swap_result *result)
{
    if (!pool || !result || (dir != YUMA_SWAP_BUY && dir != YUMA_SWAP_SELL))
        return YUMA_POOL_ERR_INVALID_ARGUMENT;
    if (dir == YUMA_SWAP_BUY) {
        if (result->delta_out > pool->alpha_in) return YUMA_POOL_ERR_INSUFFICIENT_LIQUIDITY;
        pool->tao = yu64_sat_add(pool->tao, result->delta_in);
        pool->alpha_in -= result->delta_out;
    } else {
        if (result->delta_out > pool->tao) return YUMA_POOL_ERR_INSUFFICIENT_LIQUIDITY;
        pool->alpha_in = yu64_sat_add(pool->alpha_in, result->delta_in);
        pool->tao -= result->delta_out;
    }
    return YUMA_POOL_OK;
}

static yuma_pool_status max_amount(const yuma_pool *pool, yuma_swap_dir dir, uint64_t limit_rao,
                                   uint16_t fee_rate, uint64_t *out)
{
    if (!out) return YUMA_POOL_ERR_INVALID_ARGUMENT;
    *out = 0;
    yuma_swap_result r;
    yuma_pool_status st = swap_step(pool, dir, UINT64_MAX, limit_rao, fee_rate, false, false, &r);
    if (st != YUMA_POOL_OK) return st;
    uint64_t total = yu64_sat_add(r.delta_in, r.fee);
    if (total == 0) return YUMA_POOL_ERR_ZERO_MAX_AMOUNT;
    *out = total;
    return YUMA_POOL_OK;
}

yuma_pool_status yuma_pool_max_amount_add(const yuma_pool *pool, uint64_t limit_rao,
                                          uint16_t fee_rate, uint64_t *out)
{
    return max_amount(pool, YUMA_SWAP_BUY, limit_rao, fee_rate, out);
}

yuma_pool_status yuma_pool_max_amount_remove(const yuma_pool *pool, uint64_t limit_rao,
                                             uint16_t fee_rate, uint64_t *out)
{
    return max_amount(pool, YUMA_SWAP_SELL, limit_rao, fee_rate, out);
}

/* ===================================================================== */
/* Weights                                                                */
/* ===================================================================== */

/* Perquintill::from_rational(p, q), rounding down; 1 when p >= q. */
static uint64_t perquintill_from_rational(yu128 p, yu128 q)
{
    if (p >= q) return YUMA_POOL_ACCURACY;
    yu128 r;
    (void)yu128_mul_div(p, YUMA_POOL_ACCURACY, q, &r); /* < 1e18: cannot fail */
    return (uint64_t)r;
}

/* mul_perquintill_round: (value * parts + 1e18/2) / 1e18 in 256 bits,
 * clamped to u128. */
static yu128 mul_perquintill_round(uint64_t parts, yu128 value)
{
    yu128 hi, lo;
    yu128_mul_wide(value, parts, &hi, &lo);
    yu128 half = YUMA_POOL_ACCURACY / 2;
    yu128 nlo = lo + half;
    if (nlo < lo) hi++;
    yu128 q;
    yu256_div128(hi, nlo, YUMA_POOL_ACCURACY, &q, 0); /* clamps to u128::MAX */
    return q;
}

static yu128 sat_mul128(yu128 a, yu128 b)
{
    if (a != 0 && b > YU128_MAX / a) return YU128_MAX;
    return a * b;
}

yuma_pool_status yuma_pool_weight_from_price(uint64_t alpha_in, uint64_t tao, yu128 price,
                                             uint64_t *w2_out)
{
    if (!w2_out) return YUMA_POOL_ERR_INVALID_ARGUMENT;
    yu128 px_high = (yu128)yu64f64_to_u64(price) * alpha_in; /* < 2^128 */
    yu128 frac = price & (YU64F64_ONE - 1);
    yu128 px_low = yu64f64_mul(yu64f64_from_u64(alpha_in), frac) >> 64;
    yu128 sum = yu128_sat_add(yu128_sat_add(px_high, px_low), tao);
    if (sum == 0) return YUMA_POOL_ERR_OUT_OF_BALANCE;
    uint64_t w2 = perquintill_from_rational(tao, sum);
    if (!yuma_pool_weight_valid(w2)) return YUMA_POOL_ERR_OUT_OF_BALANCE;
    *w2_out = w2;
    return YUMA_POOL_OK;
}

yuma_pool_status yuma_pool_reweight_for_injection(yuma_pool *pool, uint64_t tao_delta,
                                                  uint64_t alpha_delta)
{
    if (!pool) return YUMA_POOL_ERR_INVALID_ARGUMENT;
    if (!yuma_pool_weight_valid(pool->w2)) return YUMA_POOL_ERR_BAD_WEIGHT;
    yu128 y = pool->tao, x = pool->alpha_in;
    yu128 new_y = y + tao_delta, new_x = x + alpha_delta; /* < 2^65 */
    /* q1 = w1 * y * x', q2 = w2 * x * y' (each rounded half up): the new
     * w2 = q2 / (q1 + q2) makes (w1'/w2') (y'/x') equal (w1/w2) (y/x). */
    yu128 q1 = mul_perquintill_round(YUMA_POOL_ACCURACY - pool->w2, sat_mul128(y, new_x));
    yu128 q2 = mul_perquintill_round(pool->w2, sat_mul128(x, new_y));
    yu128 sum = yu128_sat_add(q1, q2);
    uint64_t w2 = sum != 0 ? perquintill_from_rational(q2, sum) : YUMA_POOL_HALF;
    if (!yuma_pool_weight_valid(w2)) return YUMA_POOL_ERR_OUT_OF_BALANCE;
    pool->w2 = w2;
    return YUMA_POOL_OK;
}
