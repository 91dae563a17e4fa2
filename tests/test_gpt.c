/*
 * test_gpt.c - the training subnet's GPT (include/yuma/gpt.h) and its
 * kernels (src/subnet/train/kernels.h).
 *
 * Independent references, never this library's own output:
 *  - parameter counts from training-subnet.md §7.3 (835,584 in matrices and
 *    1,152 gains at T1) and the prototype's totals (training-calibration.md:
 *    119,104 at T0, 836,736 at T1);
 *  - a plain double-precision forward pass written here from the model's
 *    definition (naive loops), whose loss the float model must match and
 *    whose central differences check every gradient, for every tensor kind,
 *    element by element on a tiny configuration and by random directional
 *    derivatives on T0;
 *  - matrix products against naive loops in the same summation order, which
 *    must agree to the bit on every instruction set this CPU runs;
 *  - AdamW and the schedule against their formulas evaluated by hand in
 *    double; constants (e, ln 2, tanh 0.5, cos pi/3) for the math routines;
 *    BLAKE2b digests computed with Python's hashlib.
 * Determinism: the same seed gives the same hash; 1, 2 and 3 threads and
 * every instruction set give the same bytes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "subnet/train/kernels.h"
#include "yuma/gpt.h"
#include "yuma/trainrng.h"

/* |a - b| <= tol, with both values in the failure message. */
#define assert_near(a, b, tol)                                                                         \
    do {                                                                                               \
        double a_ = (a), b_ = (b), t_ = (tol);                                                         \
        if (!(fabs(a_ - b_) <= t_)) fail_msg("%s = %.17g, want %.17g within %.3g", #a, a_, b_, t_);     \
    } while (0)

/* ---- configurations and the tensor table ---------------------------- */

static void test_config_counts(void **state)
{
    (void)state;
    yuma_gpt_config t0, t1, t2;
    assert_true(yuma_gpt_config_named("T0", &t0));
    assert_true(yuma_gpt_config_named("T1", &t1));
    assert_true(yuma_gpt_config_named("T2", &t2));
    assert_false(yuma_gpt_config_named("T3", &t2));
    assert_false(yuma_gpt_config_named("t1", &t2));
    assert_int_equal(yuma_gpt_config_params(&t0), 119104);
    assert_int_equal(yuma_gpt_config_params(&t1), 836736);

    yuma_gpt_tensor tab[YUMA_GPT_MAX_TENSORS];
    const yuma_gpt_config *cs[] = {&t0, &t1, &t2};
    for (int ci = 0; ci < 3; ci++) {
        size_t n = yuma_gpt_layout(cs[ci], tab, YUMA_GPT_MAX_TENSORS);
        assert_int_equal(n, 2 + 6 * cs[ci]->n_layers + 1);
        size_t off = 0, two_d = 0, one_d = 0;
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(tab[i].id, i);
            assert_int_equal(tab[i].offset, off); /* end to end, in order */
            assert_int_equal(tab[i].numel, (size_t)tab[i].shape[0] * tab[i].shape[1]);
            off += tab[i].numel;
            /* tiles of 64: every matrix dimension and every gain length */
            assert_int_equal(tab[i].shape[0] % 64, 0);
            if (tab[i].ndims == 2) {
                assert_int_equal(tab[i].shape[1] % 64, 0);
                two_d += tab[i].numel;
            } else {
                assert_int_equal(tab[i].ndims, 1);
                assert_int_equal(tab[i].shape[1], 1);
                one_d += tab[i].numel;
            }
        }
        assert_int_equal(off, yuma_gpt_config_params(cs[ci]));
        if (ci == 1) { /* §7.3 */
            assert_int_equal(two_d, 835584);
            assert_int_equal(one_d, 1152);
        }
    }
    assert_string_equal(tab[0].name, "wte");
    yuma_gpt *m = yuma_gpt_new(&t1, NULL, 0);
    assert_non_null(m);
    const yuma_gpt_tensor *t = yuma_gpt_tensor_named(m, "h3.w2");
    assert_non_null(t);
    assert_int_equal(t->id, 2 + 6 * 3 + 5);
    assert_int_equal(t->shape[0], 512);
    assert_int_equal(t->shape[1], 128);
    assert_string_equal(yuma_gpt_tensors(m)[yuma_gpt_num_tensors(m) - 1].name, "lnf");
    assert_null(yuma_gpt_tensor_named(m, "h4.w2"));
    yuma_gpt_free(m);
}

static void expect_config_error(yuma_gpt_config c, const char *want)
{
    char err[160] = "";
    assert_false(yuma_gpt_config_check(&c, err, sizeof err));
    if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
    assert_null(yuma_gpt_new(&c, err, sizeof err));
    assert_int_equal(yuma_gpt_config_params(&c), 0);
    assert_null(yuma_gpt_ws_new(&c, 1, 1, err, sizeof err));
}

static void test_config_errors(void **state)
{
    (void)state;
    yuma_gpt_config ok = {256, 8, 16, 2, 2, 32};
    assert_true(yuma_gpt_config_check(&ok, NULL, 0));
    yuma_gpt_config c = ok;
    c.vocab = 73;
    expect_config_error(c, "vocab is 73, must be 256");
    c = ok;
    c.ctx = 0;
    expect_config_error(c, "ctx is 0");
    c = ok;
    c.ctx = 5000;
    expect_config_error(c, "ctx is 5000, must be 1..4096");
    c = ok;
    c.n_heads = 3;
    expect_config_error(c, "n_heads is 3, must divide d_model 16");
    c = ok;
    c.n_layers = 0;
    expect_config_error(c, "n_layers is 0");
    c = ok;
    c.d_ff = 0;
    expect_config_error(c, "d_ff is 0");
    c = ok;
    c.d_model = 0;
    expect_config_error(c, "d_model is 0");

    char err[160] = "";
    assert_null(yuma_gpt_ws_new(&ok, 0, 1, err, sizeof err));
    assert_non_null(strstr(err, "max_batch is 0, must be 1..4096"));
    assert_null(yuma_gpt_ws_new(&ok, 4097, 1, err, sizeof err));
    assert_null(yuma_gpt_ws_new(&ok, 2, 65, err, sizeof err));
    assert_non_null(strstr(err, "threads is 65, must be 0..64"));
}

/* ---- the deterministic math routines -------------------------------- */

static void test_math(void **state)
{
    (void)state;
    assert_near(kn_exp(1.0), 2.718281828459045, 1e-15);
    assert_near(kn_exp(-1.0), 0.36787944117144233, 1e-16);
    assert_near(kn_exp(10.0) / 22026.465794806718, 1.0, 1e-15);
    assert_near(kn_exp(-20.0) / 2.061153622438558e-09, 1.0, 1e-15);
    assert_true(kn_exp(0.0) == 1.0);
    assert_true(kn_exp(800) == INFINITY);
    assert_true(kn_exp(-800) == 0.0);
    assert_near(kn_log(2.0), 0.6931471805599453, 2e-16);
    assert_near(kn_log(10.0), 2.302585092994046, 4e-16);
    assert_near(kn_log(0.001), -6.907755278982137, 1e-15);
    assert_near(kn_log(256.0), 5.545177444479562, 1e-15);
    assert_true(kn_log(1.0) == 0.0);
    assert_true(kn_log(0.0) == -INFINITY);
    assert_true(isnan(kn_log(-1.0)));
    assert_near(kn_tanh(0.5), 0.46211715726000974, 2e-16);
    assert_near(kn_tanh(-2.0), -0.9640275800758169, 2e-16);
    assert_near(kn_tanh(0.01), 0.00999966667999946034, 2e-18);
    assert_near(kn_cospi(1.0 / 3), 0.5, 4e-16);
    assert_near(kn_cospi(0.25), 0.7071067811865476, 2e-16);
    assert_near(kn_cospi(1.0), -1.0, 1e-16);
    assert_near(kn_cospi(0.0), 1.0, 1e-16);
    assert_near(kn_cospi(2.5), 0.0, 1e-16);
    /* the vectorised loops: every instruction set gives the same bits, at
     * every length (tails go through padded vectors) */
    {
        enum { N = 203 };
        float in[N], ref[1][N], g0[N], s0[N], d0[N], gg[N], ss[N], dd[N];
        for (int i = 0; i < N; i++) in[i] = (float)(0.173 * i - 21.0);
        kn_isa saved = kn_current_isa();
        for (int len = 1; len <= N; len += 37) {
            for (int isa = 0; isa < KN_ISA_COUNT; isa++) {
                if (!kn_set_isa((kn_isa)isa)) continue;
                float e[N];
                for (int i = 0; i < len; i++) e[i] = in[i] < 0 ? in[i] : -in[i], dd[i] = 1.0f + 0.01f * i;
                kn_expf_neg_inplace(e, (size_t)len);
                kn_gelu_fwd(in, gg, ss, (size_t)len);
                kn_gelu_bwd(in, ss, dd, (size_t)len);
                if (isa == 0) {
                    memcpy(ref[0], e, sizeof(float) * len);
                    memcpy(g0, gg, sizeof(float) * len);
                    memcpy(s0, ss, sizeof(float) * len);
                    memcpy(d0, dd, sizeof(float) * len);
                } else if (memcmp(ref[0], e, sizeof(float) * len) || memcmp(g0, gg, sizeof(float) * len) ||
                           memcmp(s0, ss, sizeof(float) * len) || memcmp(d0, dd, sizeof(float) * len)) {
                    fail_msg("element-wise loops on %s differ from the portable path (length %d)",
                             kn_isa_name((kn_isa)isa), len);
                }
            }
        }
        assert_true(kn_set_isa(saved));
    }
    /* the vectorised loops against libm (any length: tails are padded) */
    float v[301], h[301], g[301], th[301], dg[301];
    for (int i = 0; i < 301; i++) v[i] = (float)(-110.0 + 0.37 * i);
    memcpy(h, v, sizeof v);
    kn_expf_neg_inplace(v, 301);
    for (int i = 0; i < 301; i++) {
        double want = exp(h[i]);
        if (want >= 0x1p-126) /* normal floats: within an ulp */
            assert_near(v[i] / want, 1.0, 1.2e-7);
        else /* subnormal: within one step of the subnormal grid */
            assert_near(v[i], want, 0x1p-149);
    }
    for (int i = 0; i < 301; i++) h[i] = (float)(-9.0 + 0.06 * i), dg[i] = 1.0f;
    h[150] = 1e-4f; /* near 0, where the series takes over */
    kn_gelu_fwd(h, g, th, 301);
    kn_gelu_bwd(h, th, dg, 301);
    for (int i = 0; i < 301; i++) {
        double x = h[i], u = sqrt(2 / M_PI) * (x + 0.044715 * x * x * x), t = tanh(u);
        double s = 1 / (1 + exp(-2 * u)); /* = (1 + tanh u) / 2, without cancellation */
        assert_near(th[i], s, 1.2e-7 * s);
        assert_near(0.5 * (1 + t), s, 1e-15);
        assert_near(g[i], x * s, 1.2e-7 * fabs(x * s) + 1e-45);
        /* d/dx of 0.5 x (1 + tanh u) = 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx, written with
         * s: 1 + t = 2s and 1 - t^2 = 4 s (1 - s) */
        double dudx = sqrt(2 / M_PI) * (1 + 3 * 0.044715 * x * x);
        double d = s + 2 * x * s * (1 - s) * dudx;
        assert_near(0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dudx, d, 1e-14);
        /* the backward reads s rounded to float: d moves by (1 + 2x(1 - 2s) du/dx) ds */
        assert_near(dg[i], d, 3e-7 * fabs(d) + 6e-8 * s * (1 + fabs(2 * x * (1 - 2 * s) * dudx)));
    }
}

/* ---- matrix products ------------------------------------------------ */

/* The reference: each element summed over k in order, rounding the product
 * and the sum separately (volatile keeps the compiler from fusing them). */
static void naive_gemm(int M, int N, int K, const float *A, ptrdiff_t rs, ptrdiff_t ks, const float *B,
                       ptrdiff_t ldb, float *C, ptrdiff_t ldc, bool acc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            volatile float s = acc ? C[i * ldc + j] : 0.0f;
            for (int k = 0; k < K; k++) {
                volatile float p = A[i * rs + k * ks] * B[k * ldb + j];
                s = s + p;
            }
            C[i * ldc + j] = s;
        }
}

static void fill(float *p, size_t n, uint64_t seed)
{
    yuma_rng r;
    yuma_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) p[i] = (float)yuma_rng_normal(&r);
}

static void test_gemm_bit_exact(void **state)
{
    (void)state;
    static const int shapes[][3] = {{1, 1, 1},   {5, 7, 3},    {6, 16, 300}, {13, 33, 257}, {8, 32, 256},
                                    {31, 70, 9}, {64, 64, 64}, {97, 40, 513}, {7, 1, 600}};
    kn_pool *pools[3] = {kn_pool_new(1), kn_pool_new(2), kn_pool_new(3)};
    float *scratch = malloc(sizeof(float) * 3 * kn_gemm_scratch_floats());
    kn_isa saved = kn_current_isa();
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * (N + 3));
        float *C0 = malloc(sizeof(float) * M * N), *want = malloc(sizeof(float) * M * N);
        float *got = malloc(sizeof(float) * M * N);
        fill(A, (size_t)M * K, 1 + s);
        fill(B, (size_t)K * (N + 3), 100 + s);
        fill(C0, (size_t)M * N, 200 + s);
        for (int tn = 0; tn < 2; tn++)
            for (int acc = 0; acc < 2; acc++) {
                /* NN: A is M x K row-major; TN: A is stored K x M and read transposed */
                ptrdiff_t rs = tn ? 1 : K, ks = tn ? M : 1;
                memcpy(want, C0, sizeof(float) * M * N);
                naive_gemm(M, N, K, A, rs, ks, B, N + 3, want, N, acc);
                for (int isa = 0; isa < KN_ISA_COUNT; isa++) {
                    if (!kn_set_isa((kn_isa)isa)) continue;
                    for (int p = 0; p < 3; p++) {
                        memcpy(got, C0, sizeof(float) * M * N);
                        kn_gemm_par(pools[p], M, N, K, (kn_mat){A, rs, ks}, B, N + 3, got, N, acc, scratch);
                        if (memcmp(got, want, sizeof(float) * M * N) != 0)
                            fail_msg("gemm %dx%dx%d tn=%d acc=%d isa=%s threads=%d differs from the naive sum", M,
                                     N, K, tn, acc, kn_isa_name((kn_isa)isa), p + 1);
                    }
                }
            }
        free(A);
        free(B);
        free(C0);
        free(want);
        free(got);
    }
    assert_true(kn_set_isa(saved));
    for (int p = 0; p < 3; p++) kn_pool_free(pools[p]);
    free(scratch);
    assert_false(kn_set_isa(KN_ISA_COUNT));
    assert_true(kn_isa_supported(KN_ISA_GENERIC));
    assert_false(yuma_gpt_set_kernel_isa("sse9"));
    assert_true(yuma_gpt_set_kernel_isa(yuma_gpt_kernel_isa()));
}

static void test_transpose_and_pool(void **state)
{
    (void)state;
    float src[5 * 7], dst[7 * 9];
    for (int i = 0; i < 35; i++) src[i] = (float)i;
    kn_transpose(5, 7, src, 7, dst, 9);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 7; j++) assert_true(dst[j * 9 + i] == src[i * 7 + j]);
    assert_null(kn_pool_new(0));
    assert_null(kn_pool_new(65));
}

/* ---- a double-precision reference model ----------------------------- */

typedef struct {
    yuma_gpt_config c;
    yuma_gpt_tensor tab[YUMA_GPT_MAX_TENSORS];
    size_t n_tensors;
} ref_model;

static void ref_init(ref_model *r, const yuma_gpt_config *c)
{
    r->c = *c;
    r->n_tensors = yuma_gpt_layout(c, r->tab, YUMA_GPT_MAX_TENSORS);
}

static void ref_rmsnorm(const double *x, const double *g, double *y, int C)
{
    double ss = 0;
    for (int i = 0; i < C; i++) ss += x[i] * x[i];
    double r = 1 / sqrt(ss / C + 1e-5);
    for (int i = 0; i < C; i++) y[i] = x[i] * r * g[i];
}

/* y[n] = x[k] W[k x n] */
static void ref_linear(const double *x, const double *W, double *y, int K, int N)
{
    for (int j = 0; j < N; j++) y[j] = 0;
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) y[j] += x[k] * W[k * N + j];
}

/* Mean cross-entropy of one batch, straight from the definition in gpt.h. */
static double ref_loss(const ref_model *r, const double *P, const uint8_t *const *seqs, int B)
{
    int T = (int)r->c.ctx, C = (int)r->c.d_model, F = (int)r->c.d_ff, V = 256, NH = (int)r->c.n_heads;
    int hs = C / NH, L = (int)r->c.n_layers;
    const double *wte = P + r->tab[0].offset, *wpe = P + r->tab[1].offset;
    const double *lnf = P + r->tab[r->n_tensors - 1].offset;
    double *x = malloc(sizeof(double) * T * C), *n = malloc(sizeof(double) * T * C);
    double *qkv = malloc(sizeof(double) * T * 3 * C), *y = malloc(sizeof(double) * T * C);
    double *h = malloc(sizeof(double) * F), *o = malloc(sizeof(double) * C), *s = malloc(sizeof(double) * T);
    double *z = malloc(sizeof(double) * V);
    double total = 0;
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++)
            for (int i = 0; i < C; i++) x[t * C + i] = wte[seqs[b][t] * C + i] + wpe[t * C + i];
        for (int l = 0; l < L; l++) {
            const yuma_gpt_tensor *tt = r->tab + 2 + 6 * l;
            const double *ln1 = P + tt[0].offset, *wqkv = P + tt[1].offset, *wo = P + tt[2].offset;
            const double *ln2 = P + tt[3].offset, *w1 = P + tt[4].offset, *w2 = P + tt[5].offset;
            for (int t = 0; t < T; t++) {
                ref_rmsnorm(x + t * C, ln1, n + t * C, C);
                ref_linear(n + t * C, wqkv, qkv + t * 3 * C, C, 3 * C);
            }
            for (int hh = 0; hh < NH; hh++)
                for (int t = 0; t < T; t++) {
                    const double *q = qkv + t * 3 * C + hh * hs;
                    double mx = -1e300, sum = 0;
                    for (int u = 0; u <= t; u++) {
                        const double *k = qkv + u * 3 * C + C + hh * hs;
                        double d = 0;
                        for (int i = 0; i < hs; i++) d += q[i] * k[i];
                        s[u] = d / sqrt((double)hs);
                        if (s[u] > mx) mx = s[u];
                    }
                    for (int u = 0; u <= t; u++) sum += exp(s[u] - mx);
                    for (int i = 0; i < hs; i++) {
                        double acc = 0;
                        for (int u = 0; u <= t; u++) acc += exp(s[u] - mx) / sum * qkv[u * 3 * C + 2 * C + hh * hs + i];
                        y[t * C + hh * hs + i] = acc;
                    }
                }
            for (int t = 0; t < T; t++) {
                ref_linear(y + t * C, wo, o, C, C);
                for (int i = 0; i < C; i++) x[t * C + i] += o[i];
                ref_rmsnorm(x + t * C, ln2, n + t * C, C);
                ref_linear(n + t * C, w1, h, C, F);
                for (int j = 0; j < F; j++)
                    h[j] = 0.5 * h[j] * (1 + tanh(sqrt(2 / M_PI) * (h[j] + 0.044715 * h[j] * h[j] * h[j])));
                ref_linear(h, w2, o, F, C);
                for (int i = 0; i < C; i++) x[t * C + i] += o[i];
            }
        }
        for (int t = 0; t < T; t++) {
            ref_rmsnorm(x + t * C, lnf, n + t * C, C);
            double mx = -1e300, sum = 0;
            for (int v = 0; v < V; v++) {
                z[v] = 0;
                for (int i = 0; i < C; i++) z[v] += n[t * C + i] * wte[v * C + i];
                if (z[v] > mx) mx = z[v];
            }
            for (int v = 0; v < V; v++) sum += exp(z[v] - mx);
            total += log(sum) + mx - z[seqs[b][t + 1]];
        }
    }
    free(x);
    free(n);
    free(qkv);
    free(y);
    free(h);
    free(o);
    free(s);
    free(z);
    return total / (B * T);
}

/* Sequences of ctx + 1 bytes from a fixed text (bytes of every kind). */
static uint8_t **make_seqs(int B, int T, uint64_t seed)
{
    static const char text[] = "In the beginning God created the heaven and the earth. And the earth was "
                               "without form, and void; and darkness was upon the face of the deep. 12:34 ";
    uint8_t **s = malloc(sizeof(uint8_t *) * B);
    yuma_rng r;
    yuma_rng_seed(&r, seed);
    for (int b = 0; b < B; b++) {
        s[b] = malloc((size_t)T + 1);
        size_t start = yuma_rng_below(&r, sizeof text - 1);
        for (int t = 0; t <= T; t++) s[b][t] = (uint8_t)text[(start + t) % (sizeof text - 1)];
    }
    return s;
}

static void free_seqs(uint8_t **s, int B)
{
    for (int b = 0; b < B; b++) free(s[b]);
    free(s);
}

/* A model with random gains around 1 (so gain gradients are not special). */
static yuma_gpt *test_model(const yuma_gpt_config *c, uint64_t seed, float matrix_scale)
{
    yuma_gpt *m = yuma_gpt_new(c, NULL, 0);
    assert_non_null(m);
    yuma_gpt_init(m, seed);
    yuma_rng r;
    yuma_rng_seed(&r, seed ^ 0x5eed);
    float *p = yuma_gpt_params(m);
    for (size_t i = 0; i < yuma_gpt_num_tensors(m); i++) {
        const yuma_gpt_tensor *t = &yuma_gpt_tensors(m)[i];
        for (size_t j = 0; j < t->numel; j++) {
            float *v = &p[t->offset + j];
            if (t->ndims == 1)
                *v = (float)(1 + 0.3 * yuma_rng_normal(&r));
            else
                *v *= matrix_scale;
        }
    }
    return m;
}

static double *to_double(const yuma_gpt *m)
{
    size_t n = yuma_gpt_num_params(m);
    double *d = malloc(sizeof(double) * n);
    for (size_t i = 0; i < n; i++) d[i] = yuma_gpt_params_const(m)[i];
    return d;
}

static void test_forward_matches_reference(void **state)
{
    (void)state;
    yuma_gpt_config c = {256, 12, 16, 2, 2, 24};
    yuma_gpt *m = test_model(&c, 7, 20.0f); /* large weights: a loss far from ln 256 */
    ref_model r;
    ref_init(&r, &c);
    uint8_t **seqs = make_seqs(3, 12, 1);
    yuma_gpt_ws *ws = yuma_gpt_ws_new(&c, 4, 2, NULL, 0);
    float seq_loss[3];
    double got = yuma_gpt_forward(ws, m, (const uint8_t *const *)seqs, 3, seq_loss);
    double *P = to_double(m);
    double want = ref_loss(&r, P, (const uint8_t *const *)seqs, 3);
    assert_true(fabs(want - log(256)) > 0.3);
    assert_near(got, want, 2e-6 * want);
    for (int b = 0; b < 3; b++) {
        double wb = ref_loss(&r, P, (const uint8_t *const *)seqs + b, 1);
        assert_near(seq_loss[b], wb, 2e-6 * wb);
    }
    free(P);
    free_seqs(seqs, 3);
    yuma_gpt_ws_free(ws);
    yuma_gpt_free(m);
}

/* Central differences of the double reference, element by element, for
 * every tensor of a tiny model (ctx 7 and head size 5 also exercise every
 * edge path of the kernels). */
static void test_gradcheck_elements(void **state)
{
    (void)state;
    yuma_gpt_config c = {256, 7, 10, 2, 2, 12};
    yuma_gpt *m = test_model(&c, 11, 8.0f);
    ref_model r;
    ref_init(&r, &c);
    int B = 2;
    uint8_t **seqs = make_seqs(B, 7, 2);
    yuma_gpt_ws *ws = yuma_gpt_ws_new(&c, 2, 2, NULL, 0);
    assert_false(isnan(yuma_gpt_forward(ws, m, (const uint8_t *const *)seqs, B, NULL)));
    assert_true(yuma_gpt_backward(ws, m));
    const float *g = yuma_gpt_ws_grads(ws);
    double *P = to_double(m);
    yuma_rng rng;
    yuma_rng_seed(&rng, 3);
    for (size_t ti = 0; ti < yuma_gpt_num_tensors(m); ti++) {
        const yuma_gpt_tensor *t = &yuma_gpt_tensors(m)[ti];
        double gmax = 0;
        for (size_t j = 0; j < t->numel; j++) gmax = fmax(gmax, fabs(g[t->offset + j]));
        assert_true(gmax > 0);
        for (int probe = 0; probe < 6; probe++) {
            size_t idx = t->offset + (probe == 0 ? 0 : yuma_rng_below(&rng, t->numel));
            if (ti == 0) { /* wte: rows of bytes that occur, so both uses are checked */
                size_t row = (size_t)seqs[probe % B][probe % 7];
                idx = t->offset + row * c.d_model + yuma_rng_below(&rng, c.d_model);
            }
            double keep = P[idx], h = 1e-5;
            P[idx] = keep + h;
            double up = ref_loss(&r, P, (const uint8_t *const *)seqs, B);
            P[idx] = keep - h;
            double down = ref_loss(&r, P, (const uint8_t *const *)seqs, B);
            P[idx] = keep;
            double fd = (up - down) / (2 * h);
            double tol = 1e-3 * fabs(fd) + 1e-4 * gmax + 1e-7;
            if (fabs(g[idx] - fd) > tol)
                fail_msg("%s[%zu]: backward %.9g, central difference %.9g", t->name, idx - t->offset, g[idx], fd);
        }
    }
    free(P);
    free_seqs(seqs, B);
    yuma_gpt_ws_free(ws);
    yuma_gpt_free(m);
}

/* On T0 itself: for every tensor, the derivative along a random direction
 * (supported on that tensor) against the reference's central difference. */
static void test_gradcheck_t0_directions(void **state)
{
    (void)state;
    yuma_gpt_config c;
    yuma_gpt_config_named("T0", &c);
    yuma_gpt *m = test_model(&c, 5, 6.0f);
    ref_model r;
    ref_init(&r, &c);
    uint8_t **seqs = make_seqs(1, 64, 4);
    yuma_gpt_ws *ws = yuma_gpt_ws_new(&c, 1, 2, NULL, 0);
    double loss = yuma_gpt_forward(ws, m, (const uint8_t *const *)seqs, 1, NULL);
    assert_true(yuma_gpt_backward(ws, m));
    const float *g = yuma_gpt_ws_grads(ws);
    double *P = to_double(m);
    assert_near(loss, ref_loss(&r, P, (const uint8_t *const *)seqs, 1), 3e-6 * loss);
    yuma_rng rng;
    yuma_rng_seed(&rng, 9);
    for (size_t ti = 0; ti < yuma_gpt_num_tensors(m); ti++) {
        const yuma_gpt_tensor *t = &yuma_gpt_tensors(m)[ti];
        double *u = malloc(sizeof(double) * t->numel), *keep = malloc(sizeof(double) * t->numel);
        double dot = 0, gn = 0, un = 0;
        for (size_t j = 0; j < t->numel; j++) {
            u[j] = yuma_rng_normal(&rng);
            keep[j] = P[t->offset + j];
            dot += u[j] * g[t->offset + j];
            gn += (double)g[t->offset + j] * g[t->offset + j];
            un += u[j] * u[j];
        }
        double h = 1e-4 / sqrt(un / t->numel);
        for (size_t j = 0; j < t->numel; j++) P[t->offset + j] = keep[j] + h * u[j];
        double up = ref_loss(&r, P, (const uint8_t *const *)seqs, 1);
        for (size_t j = 0; j < t->numel; j++) P[t->offset + j] = keep[j] - h * u[j];
        double down = ref_loss(&r, P, (const uint8_t *const *)seqs, 1);
        for (size_t j = 0; j < t->numel; j++) P[t->offset + j] = keep[j];
        double fd = (up - down) / (2 * h);
        /* |u . g| is typically |g| |u| / sqrt(n); measure the error on that scale */
        double scale = sqrt(gn) * sqrt(un) / sqrt((double)t->numel);
        if (fabs(fd - dot) > 2e-3 * scale + 1e-3 * fabs(fd))
            fail_msg("%s: directional derivative %.9g, central difference %.9g (scale %.3g)", t->name, dot, fd,
                     scale);
        free(u);
        free(keep);
    }
    free(P);
    free_seqs(seqs, 1);
    yuma_gpt_ws_free(ws);
    yuma_gpt_free(m);
}

/* ---- determinism ---------------------------------------------------- */

/* Trains T0 for `steps` steps on fixed batches; returns the model. */
static yuma_gpt *train_t0(uint32_t threads, int steps, uint8_t grads_hash[32])
{
    yuma_gpt_config c;
    yuma_gpt_config_named("T0", &c);
    yuma_gpt *m = yuma_gpt_new(&c, NULL, 0);
    yuma_gpt_init(m, 42);
    yuma_adamw_config ac = yuma_adamw_defaults();
    yuma_adamw *o = yuma_adamw_new(m, &ac);
    yuma_gpt_ws *ws = yuma_gpt_ws_new(&c, 4, threads, NULL, 0);
    assert_non_null(ws);
    assert_int_equal(yuma_gpt_ws_threads(ws), threads);
    yuma_lr_schedule s = yuma_lr_schedule_default(4e-3, (uint64_t)steps);
    for (int i = 0; i < steps; i++) {
        uint8_t **seqs = make_seqs(4, 64, 100 + (uint64_t)i);
        double loss = yuma_gpt_train_step(ws, m, o, (const uint8_t *const *)seqs, 4, yuma_lr_at(&s, (uint64_t)i));
        assert_false(isnan(loss));
        free_seqs(seqs, 4);
    }
    yuma_gpt_hash_floats(yuma_gpt_ws_grads(ws), yuma_gpt_num_params(m), grads_hash);
    yuma_gpt_ws_free(ws);
    yuma_adamw_free(o);
    return m;
}

static void test_determinism(void **state)
{
    (void)state;
    uint8_t h1[32], h2[32], g1[32], g2[32];
    yuma_gpt *a = train_t0(1, 3, g1);
    yuma_gpt *b = train_t0(2, 3, g2);
    yuma_gpt_hash(a, h1);
    yuma_gpt_hash(b, h2);
    assert_memory_equal(h1, h2, 32);
    assert_memory_equal(g1, g2, 32);
    assert_memory_equal(yuma_gpt_params(a), yuma_gpt_params(b), yuma_gpt_num_params(a) * sizeof(float));
    yuma_gpt *c3 = train_t0(3, 3, g2); /* an odd thread count splits the work differently */
    assert_memory_equal(yuma_gpt_params(a), yuma_gpt_params(c3), yuma_gpt_num_params(a) * sizeof(float));
    yuma_gpt_free(c3);
    /* every instruction set this CPU runs */
    const char *saved = yuma_gpt_kernel_isa();
    static const char *const isas[] = {"generic", "avx2", "avx512"};
    for (int i = 0; i < 3; i++) {
        if (!yuma_gpt_set_kernel_isa(isas[i])) continue;
        yuma_gpt *d = train_t0(2, 3, g2);
        if (memcmp(yuma_gpt_params(a), yuma_gpt_params(d), yuma_gpt_num_params(a) * sizeof(float)) != 0)
            fail_msg("instruction set %s trains different bits", isas[i]);
        assert_memory_equal(g1, g2, 32);
        yuma_gpt_free(d);
    }
    assert_true(yuma_gpt_set_kernel_isa(saved));
    /* a different seed for the data gives a different model */
    yuma_gpt *e = train_t0(2, 2, g2);
    yuma_gpt_hash(e, h2);
    assert_memory_not_equal(h1, h2, 32);
    yuma_gpt_free(e);
    yuma_gpt_free(a);
    yuma_gpt_free(b);
}

/* A sequence's loss does not depend on the batch it is evaluated in. */
static void test_eval_independent_of_batching(void **state)
{
    (void)state;
    yuma_gpt_config c;
    yuma_gpt_config_named("T0", &c);
    yuma_gpt *m = test_model(&c, 3, 1.0f);
    uint8_t **seqs = make_seqs(5, 64, 8);
    yuma_gpt_ws *w1 = yuma_gpt_ws_new(&c, 1, 1, NULL, 0), *w3 = yuma_gpt_ws_new(&c, 3, 2, NULL, 0);
    float l1[5], l3[5];
    double a = yuma_gpt_eval(w1, m, (const uint8_t *const *)seqs, 5, l1);
    double b = yuma_gpt_eval(w3, m, (const uint8_t *const *)seqs, 5, l3);
    assert_true(a == b);
    assert_memory_equal(l1, l3, sizeof l1);
    double mean = 0;
    for (int i = 0; i < 5; i++) mean += l1[i];
    assert_near(a, mean / 5, 1e-6);
    /* backward after eval is refused: eval keeps no activations */
    assert_false(yuma_gpt_backward(w3, m));
    free_seqs(seqs, 5);
    yuma_gpt_ws_free(w1);
    yuma_gpt_ws_free(w3);
    yuma_gpt_free(m);
}

/* ---- training ------------------------------------------------------- */

static void test_training_reduces_loss(void **state)
{
    (void)state;
    yuma_gpt_config c;
    yuma_gpt_config_named("T0", &c);
    yuma_gpt *m = yuma_gpt_new(&c, NULL, 0);
    yuma_gpt_init(m, 1);
    yuma_adamw_config ac = yuma_adamw_defaults();
    yuma_adamw *o = yuma_adamw_new(m, &ac);
    yuma_gpt_ws *ws = yuma_gpt_ws_new(&c, 8, 2, NULL, 0);
    uint8_t **held = make_seqs(8, 64, 999);
    double before = yuma_gpt_eval(ws, m, (const uint8_t *const *)held, 8, NULL);
    /* an untrained model predicts nearly uniformly: ln 256 = 5.545 */
    assert_near(before, log(256.0), 0.05);
    yuma_lr_schedule s = yuma_lr_schedule_default(1e-2, 150);
    for (int i = 0; i < 150; i++) {
        uint8_t **seqs = make_seqs(8, 64, 7000 + (uint64_t)i);
        yuma_gpt_train_step(ws, m, o, (const uint8_t *const *)seqs, 8, yuma_lr_at(&s, (uint64_t)i));
        free_seqs(seqs, 8);
    }
    double after = yuma_gpt_eval(ws, m, (const uint8_t *const *)held, 8, NULL);
    /* the text repeats one 147-byte passage, whose byte entropy is 2.89
     * nats and bigram conditional entropy 1.35 nats (computed offline); a
     * model that uses its context must get below the bigram figure */
    if (!(after < 1.35)) fail_msg("held-out loss %.3f after 150 steps (from %.3f)", after, before);
    assert_int_equal(yuma_adamw_steps(o), 150);
    free_seqs(held, 8);
    yuma_gpt_ws_free(ws);
    yuma_adamw_free(o);
    yuma_gpt_free(m);
}

/* ---- AdamW and the schedule ---------------------------------------- */

static void test_adamw_formula(void **state)
{
    (void)state;
    yuma_gpt_config c = {256, 2, 2, 1, 1, 2};
    yuma_gpt *m = yuma_gpt_new(&c, NULL, 0);
    size_t n = yuma_gpt_num_params(m);
    float *p = yuma_gpt_params(m);
    double *ref = malloc(sizeof(double) * n), *mm = calloc(n, sizeof(double)), *vv = calloc(n, sizeof(double));
    float *g = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) p[i] = (float)(0.5 - 0.001 * (double)i), ref[i] = p[i];
    yuma_adamw_config ac = yuma_adamw_defaults();
    yuma_adamw *o = yuma_adamw_new(m, &ac);
    const double lr = 0.01;
    for (int step = 1; step <= 2; step++) {
        /* step 1: small gradients (no clipping); step 2: norm 2 -> scaled by 1 / (2 + 1e-6) */
        double ss = 0;
        for (size_t i = 0; i < n; i++) {
            g[i] = step == 1 ? (float)(1e-3 * ((double)(i % 7) - 3)) : (float)((i % 2 ? 1 : -1) * 2 / sqrt((double)n));
            ss += (double)g[i] * g[i];
        }
        double norm = yuma_adamw_step(o, m, g, lr);
        assert_near(norm, sqrt(ss), 1e-12);
        double coef = sqrt(ss) > 1 ? 1 / (sqrt(ss) + 1e-6) : 1;
        for (size_t i = 0; i < n; i++) {
            /* gains are the 1-D tensors: no decay */
            bool decay = true;
            for (size_t t = 0; t < yuma_gpt_num_tensors(m); t++) {
                const yuma_gpt_tensor *tt = &yuma_gpt_tensors(m)[t];
                if (i >= tt->offset && i < tt->offset + tt->numel) decay = tt->ndims == 2;
            }
            double gi = (double)(step == 1 ? (float)(1e-3 * ((double)(i % 7) - 3))
                                           : (float)((i % 2 ? 1 : -1) * 2 / sqrt((double)n))) * coef;
            if (decay) ref[i] *= 1 - lr * 0.1;
            mm[i] = 0.9 * mm[i] + 0.1 * gi;
            vv[i] = 0.95 * vv[i] + 0.05 * gi * gi;
            double mhat = mm[i] / (1 - pow(0.9, step)), vhat = vv[i] / (1 - pow(0.95, step));
            ref[i] -= lr * mhat / (sqrt(vhat) + 1e-8);
            assert_near(p[i], ref[i], 2e-6 * fabs(ref[i]) + 1e-7);
        }
    }
    assert_int_equal(yuma_adamw_steps(o), 2);
    /* copy and reset */
    yuma_adamw *o2 = yuma_adamw_new(m, &ac);
    assert_true(yuma_adamw_copy(o2, o));
    assert_int_equal(yuma_adamw_steps(o2), 2);
    yuma_adamw_reset(o2);
    assert_int_equal(yuma_adamw_steps(o2), 0);
    /* bad configurations */
    yuma_adamw_config bad = ac;
    bad.beta1 = 1.0;
    assert_null(yuma_adamw_new(m, &bad));
    bad = ac;
    bad.eps = 0;
    assert_null(yuma_adamw_new(m, &bad));
    bad = ac;
    bad.clip = -1;
    assert_null(yuma_adamw_new(m, &bad));
    bad = ac;
    bad.weight_decay = NAN;
    assert_null(yuma_adamw_new(m, &bad));
    yuma_adamw_free(o);
    yuma_adamw_free(o2);
    free(ref);
    free(mm);
    free(vv);
    free(g);
    yuma_gpt_free(m);
}

static void test_schedule(void **state)
{
    (void)state;
    yuma_lr_schedule s = yuma_lr_schedule_default(4e-3, 1000);
    assert_int_equal(s.warmup_steps, 50);
    assert_near(yuma_lr_at(&s, 0), 4e-3 / 50, 1e-18);
    assert_near(yuma_lr_at(&s, 24), 4e-3 * 25 / 50, 1e-18);
    assert_near(yuma_lr_at(&s, 49), 4e-3, 1e-18);
    assert_near(yuma_lr_at(&s, 50), 4e-3, 1e-18);
    /* cosine: halfway between peak and 0.1 x peak at the middle of the decay */
    assert_near(yuma_lr_at(&s, 525), (4e-3 + 4e-4) / 2, 1e-17);
    /* a quarter into the decay: final + (peak - final) (1 + cos(pi/4)) / 2 */
    yuma_lr_schedule q = {1.0, 500, 100, 0.1};
    assert_near(yuma_lr_at(&q, 200), 0.1 + 0.9 * (1 + sqrt(0.5)) / 2, 1e-15);
    assert_near(yuma_lr_at(&q, 400), 0.1 + 0.9 * (1 - sqrt(0.5)) / 2, 1e-15);

    assert_near(yuma_lr_at(&s, 1000), 4e-4, 1e-18);
    assert_near(yuma_lr_at(&s, 5000), 4e-4, 1e-18);
    for (uint64_t i = 51; i < 1000; i++) assert_true(yuma_lr_at(&s, i) <= yuma_lr_at(&s, i - 1));
    yuma_lr_schedule tiny = yuma_lr_schedule_default(1.0, 3);
    assert_int_equal(tiny.warmup_steps, 1);
}

/* ---- hashing, copies and bad calls ---------------------------------- */

static void test_hash_and_copies(void **state)
{
    (void)state;
    /* BLAKE2b-256 of the little-endian bytes of {1, -2, 0.5, 0}, from
     * Python: hashlib.blake2b(struct.pack('<4f', 1, -2, .5, 0), digest_size=32) */
    float v[4] = {1.0f, -2.0f, 0.5f, 0.0f};
    uint8_t h[32];
    yuma_gpt_hash_floats(v, 4, h);
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    assert_string_equal(hex, "31d30b63b8ee720bf59ff8e5cdef7eb0af203535a74ee5165167f9b9d6faf6e5");

    yuma_gpt_config c;
    yuma_gpt_config_named("T0", &c);
    yuma_gpt *a = yuma_gpt_new(&c, NULL, 0);
    yuma_gpt_init(a, 5);
    yuma_gpt *b = yuma_gpt_clone(a);
    uint8_t ha[32], hb[32];
    yuma_gpt_hash(a, ha);
    yuma_gpt_hash(b, hb);
    assert_memory_equal(ha, hb, 32);
    yuma_gpt_params(b)[1000] = nextafterf(yuma_gpt_params(b)[1000], 1.0f); /* one ulp */
    yuma_gpt_hash(b, hb);
    assert_memory_not_equal(ha, hb, 32);
    assert_true(yuma_gpt_copy(b, a));
    yuma_gpt_hash(b, hb);
    assert_memory_equal(ha, hb, 32);
    yuma_gpt_config c1;
    yuma_gpt_config_named("T1", &c1);
    yuma_gpt *t1 = yuma_gpt_new(&c1, NULL, 0);
    assert_false(yuma_gpt_copy(t1, a));
    /* init: gains 1, matrices N(0, 0.02), residual projections smaller */
    const yuma_gpt_tensor *ln = yuma_gpt_tensor_named(a, "h0.ln1"), *w1 = yuma_gpt_tensor_named(a, "h0.w1");
    const yuma_gpt_tensor *w2 = yuma_gpt_tensor_named(a, "h1.w2");
    assert_true(yuma_gpt_params(a)[ln->offset] == 1.0f);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < w1->numel; i++) s1 += pow(yuma_gpt_params(a)[w1->offset + i], 2);
    for (size_t i = 0; i < w2->numel; i++) s2 += pow(yuma_gpt_params(a)[w2->offset + i], 2);
    assert_near(sqrt(s1 / w1->numel), 0.02, 0.001);
    assert_near(sqrt(s2 / w2->numel), 0.01, 0.0005); /* 0.02 / sqrt(2 * 2 layers) */

    /* bad calls change nothing and say so */
    yuma_gpt_ws *ws = yuma_gpt_ws_new(&c, 2, 1, NULL, 0);
    uint8_t **seqs = make_seqs(3, 64, 1);
    assert_true(isnan(yuma_gpt_forward(ws, a, (const uint8_t *const *)seqs, 0, NULL)));
    assert_true(isnan(yuma_gpt_forward(ws, a, (const uint8_t *const *)seqs, 3, NULL)));
    assert_true(isnan(yuma_gpt_forward(ws, t1, (const uint8_t *const *)seqs, 1, NULL)));
    assert_true(isnan(yuma_gpt_eval(ws, t1, (const uint8_t *const *)seqs, 1, NULL)));
    assert_true(isnan(yuma_gpt_eval(ws, a, (const uint8_t *const *)seqs, 0, NULL)));
    assert_false(yuma_gpt_backward(ws, a));
    const uint8_t *with_null[2] = {seqs[0], NULL};
    assert_true(isnan(yuma_gpt_forward(ws, a, with_null, 2, NULL)));
    yuma_adamw_config ac = yuma_adamw_defaults();
    yuma_adamw *o = yuma_adamw_new(a, &ac);
    assert_true(isnan(yuma_gpt_train_step(ws, a, o, (const uint8_t *const *)seqs, 1, -1.0)));
    assert_true(isnan(yuma_gpt_train_step(ws, t1, o, (const uint8_t *const *)seqs, 1, 1e-3)));
    yuma_gpt_hash(a, hb);
    assert_memory_equal(ha, hb, 32); /* unchanged */
    assert_int_equal(yuma_adamw_steps(o), 0);
    /* a forward on another model invalidates the first one's backward */
    assert_false(isnan(yuma_gpt_forward(ws, a, (const uint8_t *const *)seqs, 1, NULL)));
    assert_false(yuma_gpt_backward(ws, b));
    assert_true(yuma_gpt_backward(ws, a));
    assert_false(yuma_gpt_backward(ws, a)); /* once per forward */
    yuma_adamw_free(o);
    free_seqs(seqs, 3);
    yuma_gpt_ws_free(ws);
    yuma_gpt_free(t1);
    yuma_gpt_free(a);
    yuma_gpt_free(b);
}

/* ---- the PRNG ------------------------------------------------------- */

static void test_rng_vectors(void **state)
{
    (void)state;
    /* SplitMix64 from state 0: the published first outputs */
    uint64_t s = 0;
    assert_true(yuma_splitmix64(&s) == 0xe220a8397b1dcdafull);
    assert_true(yuma_splitmix64(&s) == 0x6e789e6aa1b965f4ull);
    assert_true(yuma_splitmix64(&s) == 0x06c45d188009454full);
    assert_true(yuma_splitmix64(&s) == 0xf88bb8a8724c81ecull);
    /* xoshiro256** from the state {1, 2, 3, 4}: the rand_xoshiro crate's test vector */
    yuma_rng r = {{1, 2, 3, 4}};
    static const uint64_t want[] = {11520, 0, 1509978240, 1215971899390074240ull, 1216172134540287360ull,
                                    607988272756665600ull};
    for (int i = 0; i < 6; i++) assert_true(yuma_rng_next(&r) == want[i]);
    /* seeding is four SplitMix64 outputs */
    yuma_rng_seed(&r, 0);
    assert_true(r.s[0] == 0xe220a8397b1dcdafull && r.s[3] == 0xf88bb8a8724c81ecull);
    /* bounded draws stay in range and cover it; normals have mean 0, sd 1 */
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t x = yuma_rng_below(&r, 7);
        assert_true(x < 7);
        seen[x]++;
    }
    for (int i = 0; i < 7; i++) assert_in_range(seen[i], 850, 1150);
    assert_int_equal(yuma_rng_below(&r, 1), 0);
    assert_int_equal(yuma_rng_below(&r, 0), 0);
    double sum = 0, sq = 0;
    for (int i = 0; i < 20000; i++) {
        double z = yuma_rng_normal(&r);
        sum += z;
        sq += z * z;
        double u = yuma_rng_unit(&r);
        assert_true(u >= 0 && u < 1);
    }
    assert_near(sum / 20000, 0, 0.03);
    assert_near(sq / 20000, 1, 0.04);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_counts),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_math),
        cmocka_unit_test(test_rng_vectors),
        cmocka_unit_test(test_gemm_bit_exact),
        cmocka_unit_test(test_transpose_and_pool),
        cmocka_unit_test(test_forward_matches_reference),
        cmocka_unit_test(test_gradcheck_elements),
        cmocka_unit_test(test_gradcheck_t0_directions),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_eval_independent_of_batching),
        cmocka_unit_test(test_training_reduces_loss),
        cmocka_unit_test(test_adamw_formula),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_hash_and_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
