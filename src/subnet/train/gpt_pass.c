/*
 * gpt_pass.c - the workspace of include/yuma/gpt.h and the model's forward
 * and backward passes: embeddings, RMSNorm, causal attention, GELU MLP,
 * tied output layer and cross-entropy, with the matrix products on the
 * kernels of kernels.h.
 *
 * Determinism: work is split into fixed tasks (row ranges, (sequence, head)
 * pairs, column ranges) whose results do not depend on which thread runs
 * them; every reduction across rows (gain and embedding gradients, the
 * loss) runs in row order on one thread. A sequence's activations never
 * depend on the other sequences of its batch.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off") /* separately rounded products and sums everywhere (kernels.h) */
#endif
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subnet/train/gpt_internal.h"
#include "subnet/train/kernels.h"

#define RMS_EPS 1e-5f
#define ROW_CHUNK 64 /* rows per task in row-wise operations */
#define ATT_RB 32    /* query rows per block in attention (causal column ranges) */

typedef struct {
    float *n1, *rstd1, *qkv, *att, *atty, *xmid, *n2, *rstd2, *h, *g, *sig, *xout;
} layer_acts;

struct yuma_gpt_ws {
    yuma_gpt_config cfg;
    uint32_t max_batch, threads;
    kn_pool *pool;
    size_t n_params, n_tensors;
    yuma_gpt_tensor tensors[YUMA_GPT_MAX_TENSORS];
    float *grads;
    /* activations of the last forward (rows = batch * ctx) */
    uint8_t *inp, *tgt;
    float *x0;
    layer_acts *la;
    float *nf, *rstdf, *probs;
    double *row_loss, *seq_loss; /* per position, per sequence (mean) */
    /* backward buffers */
    float *dx, *dn, *dqkv, *datty, *dh;
    /* scratch: a transposed weight, per-thread product and attention scratch */
    float *wt, *gemm_scratch, *att_scratch;
    size_t att_scratch_floats;
    /* what the last forward ran on */
    const yuma_gpt *fwd_model;
    uint32_t fwd_batch;
    /* every buffer, for freeing */
    void **allocs;
    size_t n_allocs, cap_allocs;
};

/* ---- the workspace ---------------------------------------------------- */

static void *ws_alloc(yuma_gpt_ws *ws, size_t n, size_t size)
{
    if (ws->n_allocs == ws->cap_allocs) {
        size_t cap = ws->cap_allocs ? 2 * ws->cap_allocs : 64;
        void **a = realloc(ws->allocs, cap * sizeof *a);
        if (!a) return NULL;
        ws->allocs = a;
        ws->cap_allocs = cap;
    }
    if (n && size > SIZE_MAX / n) return NULL;
    void *p = calloc(n ? n : 1, size);
    if (p) ws->allocs[ws->n_allocs++] = p;
    return p;
}

void yuma_gpt_ws_free(yuma_gpt_ws *ws)
{
    if (!ws) return;
    kn_pool_free(ws->pool);
    for (size_t i = 0; i < ws->n_allocs; i++) free(ws->allocs[i]);
    free(ws->allocs);
    free(ws->la);
    free(ws);
}

static yuma_gpt_ws *ws_fail(yuma_gpt_ws *ws, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    yuma_gpt_ws_free(ws);
    return NULL;
}

yuma_gpt_ws *yuma_gpt_ws_new(const yuma_gpt_config *c, uint32_t max_batch, uint32_t threads, char *err,
                             size_t errlen)
{
    if (!yuma_gpt_config_check(c, err, errlen)) return NULL;
    if (max_batch < 1 || max_batch > 4096) return ws_fail(NULL, err, errlen, "max_batch is %u, must be 1..4096", max_batch);
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > 64 ? 64 : (uint32_t)n;
    }
    if (threads > 64) return ws_fail(NULL, err, errlen, "threads is %u, must be 0..64", threads);
    yuma_gpt_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return ws_fail(NULL, err, errlen, "out of memory");
    ws->cfg = *c;
    ws->max_batch = max_batch;
    ws->threads = threads;
    ws->n_tensors = yuma_gpt_layout(c, ws->tensors, YUMA_GPT_MAX_TENSORS);
    ws->n_params = yuma_gpt_config_params(c);
    ws->pool = kn_pool_new((int)threads);
    if (!ws->pool) return ws_fail(ws, err, errlen, "cannot start %u threads", threads);

    size_t L = c->n_layers, C = c->d_model, F = c->d_ff, T = c->ctx, V = c->vocab, NH = c->n_heads;
    size_t R = (size_t)max_batch * T, hs = C / NH;
    ws->la = calloc(L, sizeof *ws->la);
    if (!ws->la) return ws_fail(ws, err, errlen, "out of memory");
    bool ok = (ws->grads = ws_alloc(ws, ws->n_params, sizeof(float))) && (ws->inp = ws_alloc(ws, R, 1)) &&
              (ws->tgt = ws_alloc(ws, R, 1)) && (ws->x0 = ws_alloc(ws, R * C, sizeof(float)));
    for (size_t l = 0; ok && l < L; l++) {
        layer_acts *a = &ws->la[l];
        ok = (a->n1 = ws_alloc(ws, R * C, sizeof(float))) && (a->rstd1 = ws_alloc(ws, R, sizeof(float))) &&
             (a->qkv = ws_alloc(ws, R * 3 * C, sizeof(float))) &&
             (a->att = ws_alloc(ws, (size_t)max_batch * NH * T * T, sizeof(float))) &&
             (a->atty = ws_alloc(ws, R * C, sizeof(float))) && (a->xmid = ws_alloc(ws, R * C, sizeof(float))) &&
             (a->n2 = ws_alloc(ws, R * C, sizeof(float))) && (a->rstd2 = ws_alloc(ws, R, sizeof(float))) &&
             (a->h = ws_alloc(ws, R * F, sizeof(float))) && (a->g = ws_alloc(ws, R * F, sizeof(float))) &&
             (a->sig = ws_alloc(ws, R * F, sizeof(float))) &&
             (a->xout = ws_alloc(ws, R * C, sizeof(float)));
    }
    size_t wt = 3 * C * C;
    if (C * F > wt) wt = C * F;
    if (V * C > wt) wt = V * C;
    ws->att_scratch_floats = T * T + hs * T;
    ok = ok && (ws->nf = ws_alloc(ws, R * C, sizeof(float))) && (ws->rstdf = ws_alloc(ws, R, sizeof(float))) &&
         (ws->probs = ws_alloc(ws, R * V, sizeof(float))) && (ws->row_loss = ws_alloc(ws, R, sizeof(double))) &&
         (ws->seq_loss = ws_alloc(ws, max_batch, sizeof(double))) &&
         (ws->dx = ws_alloc(ws, R * C, sizeof(float))) && (ws->dn = ws_alloc(ws, R * C, sizeof(float))) &&
         (ws->dqkv = ws_alloc(ws, R * 3 * C, sizeof(float))) && (ws->datty = ws_alloc(ws, R * C, sizeof(float))) &&
         (ws->dh = ws_alloc(ws, R * F, sizeof(float))) && (ws->wt = ws_alloc(ws, wt, sizeof(float))) &&
         (ws->gemm_scratch = ws_alloc(ws, threads * kn_gemm_scratch_floats(), sizeof(float))) &&
         (ws->att_scratch = ws_alloc(ws, threads * ws->att_scratch_floats, sizeof(float)));
    if (!ok) return ws_fail(ws, err, errlen, "out of memory for a workspace of %u sequences", max_batch);
    return ws;
}

uint32_t yuma_gpt_ws_threads(const yuma_gpt_ws *ws) { return ws->threads; }
uint32_t yuma_gpt_ws_max_batch(const yuma_gpt_ws *ws) { return ws->max_batch; }
float *yuma_gpt_ws_grads(yuma_gpt_ws *ws) { return ws->grads; }
kn_pool *gpt_ws_pool(yuma_gpt_ws *ws) { return ws->pool; }

/* ---- helpers ---------------------------------------------------------- */

typedef struct {
    float *ln1, *wqkv, *wo, *ln2, *w1, *w2;
} layer_params;

/* Tensor pointers of layer l in a parameter-shaped buffer (parameters or
 * gradients): the table order of gpt.h. */
static layer_params layer_ptrs(const yuma_gpt_tensor *tab, float *base, uint32_t l)
{
    const yuma_gpt_tensor *t = tab + 2 + 6 * l;
    return (layer_params){base + t[0].offset, base + t[1].offset, base + t[2].offset,
                          base + t[3].offset, base + t[4].offset, base + t[5].offset};
}

typedef void (*range_fn)(void *arg, int r0, int r1);
typedef struct {
    int n, chunk;
    range_fn fn;
    void *arg;
} range_job;

static void range_task(void *ctx, int task, int worker)
{
    (void)worker;
    const range_job *j = ctx;
    int r0 = task * j->chunk, r1 = r0 + j->chunk < j->n ? r0 + j->chunk : j->n;
    j->fn(j->arg, r0, r1);
}

/* fn over [0, n) in fixed chunks, on the pool. */
static void par_range(yuma_gpt_ws *ws, int n, int chunk, range_fn fn, void *arg)
{
    range_job j = {n, chunk, fn, arg};
    kn_pool_run(ws->pool, (n + chunk - 1) / chunk, range_task, &j);
}

/* y[R x N] (+)= x[R x K] W[K x N] on the pool. */
static void matmul(yuma_gpt_ws *ws, int R, int N, int K, const float *x, const float *W, float *y, bool acc)
{
    kn_mat A = {x, K, 1};
    kn_gemm_par(ws->pool, R, N, K, A, W, N, y, N, acc, ws->gemm_scratch);
}

/* dW[K x N] = x[R x K]^T dy[R x N]: the sum over rows in row order. */
static void matmul_tn(yuma_gpt_ws *ws, int R, int N, int K, const float *x, const float *dy, float *dW)
{
    kn_mat A = {x, 1, K};
    kn_gemm_par(ws->pool, K, N, R, A, dy, N, dW, N, false, ws->gemm_scratch);
}

/* dx[R x K] (+)= dy[R x N] W[K x N]^T, through a transposed copy of W. */
static void matmul_nt(yuma_gpt_ws *ws, int R, int N, int K, const float *dy, const float *W, float *dx, bool acc)
{
    kn_transpose(K, N, W, N, ws->wt, K);
    matmul(ws, R, K, N, dy, ws->wt, dx, acc);
}

/* ---- RMSNorm ---------------------------------------------------------- */

typedef struct {
    const float *x, *g;
    float *y, *rstd, *dy, *dx;
    int C;
} norm_arg;

static void rmsnorm_fwd_rows(void *argp, int r0, int r1)
{
    const norm_arg *a = argp;
    int C = a->C;
    for (int r = r0; r < r1; r++) {
        const float *x = a->x + (size_t)r * C;
        float *y = a->y + (size_t)r * C;
        double ss = 0;
        for (int c = 0; c < C; c++) ss += (double)x[c] * x[c];
        float rs = 1.0f / sqrtf((float)(ss / C) + RMS_EPS);
        a->rstd[r] = rs;
        for (int c = 0; c < C; c++) y[c] = (x[c] * rs) * a->g[c];
    }
}

/* dx += d(rmsnorm)/dx . dy, per row (the residual stream's gradient). */
static void rmsnorm_bwd_rows(void *argp, int r0, int r1)
{
    const norm_arg *a = argp;
    int C = a->C;
    for (int r = r0; r < r1; r++) {
        const float *x = a->x + (size_t)r * C, *dy = a->dy + (size_t)r * C;
        float *dx = a->dx + (size_t)r * C;
        float rs = a->rstd[r];
        double dot = 0;
        for (int c = 0; c < C; c++) dot += (double)(dy[c] * a->g[c]) * (x[c] * rs);
        float m = (float)(dot / C);
        for (int c = 0; c < C; c++) dx[c] += rs * ((dy[c] * a->g[c]) - (x[c] * rs) * m);
    }
}

typedef struct {
    const float *x, *rstd, *dy;
    float *dg;
    int rows, C;
} gain_arg;

/* dg[c] = sum over rows, in row order, of dy * x * rstd; columns are tasks. */
static void gain_grad_cols(void *argp, int c0, int c1)
{
    const gain_arg *a = argp;
    double acc[64];
    for (int c = c0; c < c1; c++) acc[c - c0] = 0;
    for (int r = 0; r < a->rows; r++) {
        const float *x = a->x + (size_t)r * a->C, *dy = a->dy + (size_t)r * a->C;
        float rs = a->rstd[r];
        for (int c = c0; c < c1; c++) acc[c - c0] += (double)dy[c] * (x[c] * rs);
    }
    for (int c = c0; c < c1; c++) a->dg[c] = (float)acc[c - c0];
}

static void rmsnorm_fwd(yuma_gpt_ws *ws, int R, const float *x, const float *g, float *y, float *rstd)
{
    norm_arg a = {.x = x, .g = g, .y = y, .rstd = rstd, .C = (int)ws->cfg.d_model};
    par_range(ws, R, ROW_CHUNK, rmsnorm_fwd_rows, &a);
}

/* dx += the norm's input gradient; dg = the gain's gradient. */
static void rmsnorm_bwd(yuma_gpt_ws *ws, int R, const float *x, const float *g, float *rstd, float *dy, float *dx,
                        float *dg)
{
    int C = (int)ws->cfg.d_model;
    norm_arg a = {.x = x, .g = g, .rstd = rstd, .dy = dy, .dx = dx, .C = C};
    par_range(ws, R, ROW_CHUNK, rmsnorm_bwd_rows, &a);
    gain_arg ga = {x, rstd, dy, dg, R, C};
    par_range(ws, C, 64, gain_grad_cols, &ga);
}

/* ---- GELU (tanh form, kernels_math.c) -------------------------------- */

typedef struct {
    const float *h;
    float *g, *sig, *dg;
    int F;
} gelu_arg;

static void gelu_fwd_rows(void *argp, int r0, int r1)
{
    const gelu_arg *a = argp;
    size_t i0 = (size_t)r0 * a->F, n = (size_t)(r1 - r0) * a->F;
    kn_gelu_fwd(a->h + i0, a->g + i0, a->sig + i0, n);
}

/* dg (the gradient at the GELU's output) becomes the gradient at its input. */
static void gelu_bwd_rows(void *argp, int r0, int r1)
{
    const gelu_arg *a = argp;
    size_t i0 = (size_t)r0 * a->F, n = (size_t)(r1 - r0) * a->F;
    kn_gelu_bwd(a->h + i0, a->sig + i0, a->dg + i0, n);
}

/* ---- attention -------------------------------------------------------- */

typedef struct {
    yuma_gpt_ws *ws;
    const layer_acts *la;
    int B;
} att_arg;

static float *att_scratch(yuma_gpt_ws *ws, int worker)
{
    return ws->att_scratch + (size_t)worker * ws->att_scratch_floats;
}

static float *worker_gemm_scratch(yuma_gpt_ws *ws, int worker)
{
    return ws->gemm_scratch + (size_t)worker * kn_gemm_scratch_floats();
}

/* One (sequence, head): P = softmax(q k^T / sqrt(hs)) under the causal
 * mask, y = P v. Only the blocks on or below the diagonal are computed. */
static void attention_fwd_task(void *ctx, int task, int worker)
{
    const att_arg *a = ctx;
    yuma_gpt_ws *ws = a->ws;
    int T = (int)ws->cfg.ctx, C = (int)ws->cfg.d_model, NH = (int)ws->cfg.n_heads, hs = C / NH;
    int b = task / NH, h = task % NH;
    const float *q = a->la->qkv + (size_t)b * T * 3 * C + h * hs, *k = q + C, *v = q + 2 * C;
    float *P = a->la->att + ((size_t)b * NH + h) * T * T;
    float *y = a->la->atty + (size_t)b * T * C + h * hs;
    float *kT = att_scratch(ws, worker), *gs = worker_gemm_scratch(ws, worker);
    float scale = 1.0f / sqrtf((float)hs);

    kn_transpose(T, hs, k, 3 * C, kT, T);
    for (int i0 = 0; i0 < T; i0 += ATT_RB) {
        int i1 = i0 + ATT_RB < T ? i0 + ATT_RB : T;
        kn_gemm(i1 - i0, i1, hs, (kn_mat){q + (size_t)i0 * 3 * C, 3 * C, 1}, kT, T, P + (size_t)i0 * T, T, false, gs);
        for (int i = i0; i < i1; i++) {
            float *p = P + (size_t)i * T;
            float mx = -INFINITY;
            for (int j = 0; j <= i; j++) {
                p[j] *= scale;
                if (p[j] > mx) mx = p[j];
            }
            for (int j = 0; j <= i; j++) p[j] -= mx;
            kn_expf_neg_inplace(p, (size_t)i + 1);
            double sum = 0;
            for (int j = 0; j <= i; j++) sum += p[j];
            double inv = 1.0 / sum;
            for (int j = 0; j <= i; j++) p[j] = (float)(p[j] * inv);
            for (int j = i + 1; j < T; j++) p[j] = 0.0f;
        }
        kn_gemm(i1 - i0, hs, i1, (kn_mat){P + (size_t)i0 * T, T, 1}, v, 3 * C, y + (size_t)i0 * C, C, false, gs);
    }
}

/* The gradients of one (sequence, head) into dqkv from datty. */
static void attention_bwd_task(void *ctx, int task, int worker)
{
    const att_arg *a = ctx;
    yuma_gpt_ws *ws = a->ws;
    int T = (int)ws->cfg.ctx, C = (int)ws->cfg.d_model, NH = (int)ws->cfg.n_heads, hs = C / NH;
    int b = task / NH, h = task % NH;
    size_t qoff = (size_t)b * T * 3 * C + h * hs;
    const float *q = a->la->qkv + qoff, *k = q + C, *v = q + 2 * C;
    float *dq = ws->dqkv + qoff, *dk = dq + C, *dv = dq + 2 * C;
    const float *P = a->la->att + ((size_t)b * NH + h) * T * T;
    const float *dy = ws->datty + (size_t)b * T * C + h * hs;
    float *dS = att_scratch(ws, worker), *vT = dS + (size_t)T * T, *gs = worker_gemm_scratch(ws, worker);
    float scale = 1.0f / sqrtf((float)hs);

    kn_transpose(T, hs, v, 3 * C, vT, T);
    for (int i0 = 0; i0 < T; i0 += ATT_RB) { /* dP = dy v^T, causal blocks */
        int i1 = i0 + ATT_RB < T ? i0 + ATT_RB : T;
        kn_gemm(i1 - i0, i1, hs, (kn_mat){dy + (size_t)i0 * C, C, 1}, vT, T, dS + (size_t)i0 * T, T, false, gs);
    }
    for (int j0 = 0; j0 < T; j0 += ATT_RB) { /* dv = P^T dy: rows i >= j0 only */
        int j1 = j0 + ATT_RB < T ? j0 + ATT_RB : T;
        kn_gemm(j1 - j0, hs, T - j0, (kn_mat){P + (size_t)j0 * T + j0, 1, T}, dy + (size_t)j0 * C, C,
                dv + (size_t)j0 * 3 * C, 3 * C, false, gs);
    }
    for (int i = 0; i < T; i++) { /* softmax backward, times the scale */
        const float *p = P + (size_t)i * T;
        float *d = dS + (size_t)i * T;
        double dot = 0;
        for (int j = 0; j <= i; j++) dot += (double)p[j] * d[j];
        float fd = (float)dot;
        for (int j = 0; j <= i; j++) d[j] = p[j] * (d[j] - fd) * scale;
        for (int j = i + 1; j < T; j++) d[j] = 0.0f;
    }
    for (int i0 = 0; i0 < T; i0 += ATT_RB) { /* dq = dS k */
        int i1 = i0 + ATT_RB < T ? i0 + ATT_RB : T;
        kn_gemm(i1 - i0, hs, i1, (kn_mat){dS + (size_t)i0 * T, T, 1}, k, 3 * C, dq + (size_t)i0 * 3 * C, 3 * C,
                false, gs);
    }
    for (int j0 = 0; j0 < T; j0 += ATT_RB) { /* dk = dS^T q: rows i >= j0 only */
        int j1 = j0 + ATT_RB < T ? j0 + ATT_RB : T;
        kn_gemm(j1 - j0, hs, T - j0, (kn_mat){dS + (size_t)j0 * T + j0, 1, T}, q + (size_t)j0 * 3 * C, 3 * C,
                dk + (size_t)j0 * 3 * C, 3 * C, false, gs);
    }
}

/* ---- cross-entropy ---------------------------------------------------- */

typedef struct {
    float *probs;
    const uint8_t *tgt;
    double *row_loss;
    float inv_rows;
    int V;
} ce_arg;

/* logits -> probabilities in place, and each row's loss. */
static void ce_fwd_rows(void *argp, int r0, int r1)
{
    const ce_arg *a = argp;
    for (int r = r0; r < r1; r++) {
        float *z = a->probs + (size_t)r * a->V;
        float mx = z[0];
        for (int j = 1; j < a->V; j++)
            if (z[j] > mx) mx = z[j];
        float zt = z[a->tgt[r]];
        for (int j = 0; j < a->V; j++) z[j] -= mx;
        kn_expf_neg_inplace(z, (size_t)a->V);
        double sum = 0;
        for (int j = 0; j < a->V; j++) sum += z[j];
        double inv = 1.0 / sum;
        for (int j = 0; j < a->V; j++) z[j] = (float)(z[j] * inv);
        a->row_loss[r] = kn_log(sum) - ((double)zt - mx);
    }
}

/* probabilities -> gradient of the mean loss at the logits, in place. */
static void ce_bwd_rows(void *argp, int r0, int r1)
{
    const ce_arg *a = argp;
    for (int r = r0; r < r1; r++) {
        float *p = a->probs + (size_t)r * a->V;
        p[a->tgt[r]] -= 1.0f;
        for (int j = 0; j < a->V; j++) p[j] *= a->inv_rows;
    }
}

/* ---- the passes ------------------------------------------------------- */

static bool same_config(const yuma_gpt_config *a, const yuma_gpt_config *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

double yuma_gpt_forward(yuma_gpt_ws *ws, const yuma_gpt *m, const uint8_t *const *seqs, uint32_t batch,
                        float *seq_loss)
{
    if (!ws || !m || !seqs || batch == 0 || batch > ws->max_batch || !same_config(&ws->cfg, &m->cfg)) return NAN;
    for (uint32_t b = 0; b < batch; b++)
        if (!seqs[b]) return NAN;
    const yuma_gpt_config *c = &ws->cfg;
    int T = (int)c->ctx, C = (int)c->d_model, F = (int)c->d_ff, V = (int)c->vocab, R = (int)batch * T;
    const float *wte = m->params + m->tensors[0].offset, *wpe = m->params + m->tensors[1].offset;
    const float *lnf = m->params + m->tensors[m->n_tensors - 1].offset;
    ws->fwd_model = NULL;

    for (int b = 0; b < (int)batch; b++) {
        memcpy(ws->inp + (size_t)b * T, seqs[b], (size_t)T);
        memcpy(ws->tgt + (size_t)b * T, seqs[b] + 1, (size_t)T);
    }
    for (int r = 0; r < R; r++) {
        const float *te = wte + (size_t)ws->inp[r] * C, *pe = wpe + (size_t)(r % T) * C;
        float *x = ws->x0 + (size_t)r * C;
        for (int i = 0; i < C; i++) x[i] = te[i] + pe[i];
    }
    const float *xin = ws->x0;
    for (uint32_t l = 0; l < c->n_layers; l++) {
        layer_acts *a = &ws->la[l];
        layer_params p = layer_ptrs(m->tensors, m->params, l);
        rmsnorm_fwd(ws, R, xin, p.ln1, a->n1, a->rstd1);
        matmul(ws, R, 3 * C, C, a->n1, p.wqkv, a->qkv, false);
        att_arg aa = {ws, a, (int)batch};
        kn_pool_run(ws->pool, (int)(batch * c->n_heads), attention_fwd_task, &aa);
        memcpy(a->xmid, xin, sizeof(float) * (size_t)R * C); /* residual: xmid = xin + atty wo */
        matmul(ws, R, C, C, a->atty, p.wo, a->xmid, true);
        rmsnorm_fwd(ws, R, a->xmid, p.ln2, a->n2, a->rstd2);
        matmul(ws, R, F, C, a->n2, p.w1, a->h, false);
        gelu_arg ga = {a->h, a->g, a->sig, NULL, F};
        par_range(ws, R, ROW_CHUNK, gelu_fwd_rows, &ga);
        memcpy(a->xout, a->xmid, sizeof(float) * (size_t)R * C); /* residual: xout = xmid + g w2 */
        matmul(ws, R, C, F, a->g, p.w2, a->xout, true);
        xin = a->xout;
    }
    rmsnorm_fwd(ws, R, xin, lnf, ws->nf, ws->rstdf);
    kn_transpose(V, C, wte, C, ws->wt, V); /* the tied output layer: logits = nf wte^T */
    matmul(ws, R, V, C, ws->nf, ws->wt, ws->probs, false);
    ce_arg ca = {ws->probs, ws->tgt, ws->row_loss, 1.0f / (float)R, V};
    par_range(ws, R, ROW_CHUNK, ce_fwd_rows, &ca);

    double total = 0;
    for (int b = 0; b < (int)batch; b++) {
        double s = 0;
        for (int t = 0; t < T; t++) s += ws->row_loss[(size_t)b * T + t];
        ws->seq_loss[b] = s / T;
        if (seq_loss) seq_loss[b] = (float)(s / T);
        total += s;
    }
    ws->fwd_model = m;
    ws->fwd_batch = batch;
    return total / R;
}

bool yuma_gpt_backward(yuma_gpt_ws *ws, const yuma_gpt *m)
{
    if (!ws || !m || ws->fwd_model != m) return false;
    const yuma_gpt_config *c = &ws->cfg;
    int T = (int)c->ctx, C = (int)c->d_model, F = (int)c->d_ff, V = (int)c->vocab, R = (int)ws->fwd_batch * T;
    const float *wte = m->params + m->tensors[0].offset;
    const float *lnf = m->params + m->tensors[m->n_tensors - 1].offset;
    float *g = ws->grads;
    float *dwte = g + m->tensors[0].offset, *dwpe = g + m->tensors[1].offset;
    float *dlnf = g + m->tensors[m->n_tensors - 1].offset;
    ws->fwd_model = NULL; /* the logits' buffer becomes their gradient */

    ce_arg ca = {ws->probs, ws->tgt, ws->row_loss, 1.0f / (float)R, V};
    par_range(ws, R, ROW_CHUNK, ce_bwd_rows, &ca);
    float *dlogits = ws->probs;
    matmul(ws, R, C, V, dlogits, wte, ws->dn, false); /* d nf = dlogits wte */
    matmul_tn(ws, R, C, V, dlogits, ws->nf, dwte);    /* d wte = dlogits^T nf (embedding part added below) */
    const float *xlast = c->n_layers ? ws->la[c->n_layers - 1].xout : ws->x0;
    memset(ws->dx, 0, sizeof(float) * (size_t)R * C);
    rmsnorm_bwd(ws, R, xlast, lnf, ws->rstdf, ws->dn, ws->dx, dlnf);

    for (int l = (int)c->n_layers - 1; l >= 0; l--) {
        layer_acts *a = &ws->la[l];
        const float *xin = l > 0 ? ws->la[l - 1].xout : ws->x0;
        layer_params p = layer_ptrs(m->tensors, m->params, (uint32_t)l);
        layer_params dp = layer_ptrs(m->tensors, g, (uint32_t)l);
        /* xout = xmid + gelu(n2 w1) w2; ws->dx holds d xout = d xmid (residual) */
        matmul_nt(ws, R, C, F, ws->dx, p.w2, ws->dh, false); /* d g = dx w2^T */
        matmul_tn(ws, R, C, F, a->g, ws->dx, dp.w2);
        gelu_arg ga = {a->h, NULL, a->sig, ws->dh, F};
        par_range(ws, R, ROW_CHUNK, gelu_bwd_rows, &ga);
        matmul_nt(ws, R, F, C, ws->dh, p.w1, ws->dn, false); /* d n2 = dh w1^T */
        matmul_tn(ws, R, F, C, a->n2, ws->dh, dp.w1);
        rmsnorm_bwd(ws, R, a->xmid, p.ln2, a->rstd2, ws->dn, ws->dx, dp.ln2);
        /* xmid = xin + attention(n1 wqkv) wo */
        matmul_nt(ws, R, C, C, ws->dx, p.wo, ws->datty, false);
        matmul_tn(ws, R, C, C, a->atty, ws->dx, dp.wo);
        att_arg aa = {ws, a, (int)ws->fwd_batch};
        kn_pool_run(ws->pool, (int)(ws->fwd_batch * c->n_heads), attention_bwd_task, &aa);
        matmul_nt(ws, R, 3 * C, C, ws->dqkv, p.wqkv, ws->dn, false); /* d n1 = dqkv wqkv^T */
        matmul_tn(ws, R, 3 * C, C, a->n1, ws->dqkv, dp.wqkv);
        rmsnorm_bwd(ws, R, xin, p.ln1, a->rstd1, ws->dn, ws->dx, dp.ln1);
    }
    /* embeddings: dwpe[t] = sum over sequences in order; dwte[token] += rows in order */
    for (int t = 0; t < T; t++) {
        float *d = dwpe + (size_t)t * C;
        memcpy(d, ws->dx + (size_t)t * C, sizeof(float) * (size_t)C);
        for (uint32_t b = 1; b < ws->fwd_batch; b++) {
            const float *s = ws->dx + ((size_t)b * T + t) * C;
            for (int i = 0; i < C; i++) d[i] += s[i];
        }
    }
    for (int r = 0; r < R; r++) {
        float *d = dwte + (size_t)ws->inp[r] * C;
        const float *s = ws->dx + (size_t)r * C;
        for (int i = 0; i < C; i++) d[i] += s[i];
    }
    return true;
}

double yuma_gpt_eval(yuma_gpt_ws *ws, const yuma_gpt *m, const uint8_t *const *seqs, size_t n, float *seq_loss)
{
    if (!ws || !m || !seqs || n == 0 || !same_config(&ws->cfg, &m->cfg)) return NAN;
    double total = 0;
    for (size_t i = 0; i < n; i += ws->max_batch) {
        uint32_t b = (uint32_t)(n - i < ws->max_batch ? n - i : ws->max_batch);
        if (isnan(yuma_gpt_forward(ws, m, seqs + i, b, seq_loss ? seq_loss + i : NULL))) return NAN;
        for (uint32_t j = 0; j < b; j++) total += ws->seq_loss[j]; /* in sequence order */
    }
    ws->fwd_model = NULL;
    return total / (double)n;
}

double yuma_gpt_train_flops(const yuma_gpt_config *c, uint32_t batch)
{
    double T = c->ctx, C = c->d_model, F = c->d_ff, V = c->vocab, L = c->n_layers, NH = c->n_heads;
    double rows = (double)batch * T;
    double per_row = 2 * (C * 3 * C + C * C + 2 * C * F) * L + 2 * C * V; /* matrix products */
    double causal = T * (T + 1) / 2;                                    /* (query, key) pairs per head */
    double attn = 2 * 2 * (C / NH) * causal * NH * L * batch;            /* q k^T and P v */
    return 3 * (rows * per_row + attn);                                  /* backward is twice the forward */
}
