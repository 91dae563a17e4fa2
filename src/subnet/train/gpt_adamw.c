/*
 * gpt_adamw.c - AdamW with global-norm clipping and the warm-up + cosine
 * learning-rate schedule of training-subnet.md §7.5 (include/yuma/gpt.h),
 * and the one-call training step built from them.
 *
 * The update is PyTorch's torch.optim.AdamW (decoupled weight decay applied
 * before the moment update, bias correction by 1 - beta^t), with
 * clip_grad_norm_'s clip coefficient. Powers of beta are kept as running
 * products and the schedule's cosine is the subnet's own (kernels.h), so no
 * libm result enters the parameters.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/gpt_internal.h"
#include "subnet/train/kernels.h"

struct yuma_adamw {
    yuma_adamw_config cfg;
    size_t n;
    float *m, *v;
    bool *decay; /* per tensor: a 2-D tensor gets weight decay */
    size_t n_tensors;
    size_t offsets[YUMA_GPT_MAX_TENSORS + 1];
    uint64_t steps;
    double beta1_pow, beta2_pow; /* beta^steps */
};

yuma_adamw_config yuma_adamw_defaults(void)
{
    return (yuma_adamw_config){0.9, 0.95, 1e-8, 0.1, 1.0};
}

yuma_adamw *yuma_adamw_new(const yuma_gpt *model, const yuma_adamw_config *cfg)
{
    if (!model || !cfg) return NULL;
    if (!(cfg->beta1 >= 0 && cfg->beta1 < 1) || !(cfg->beta2 >= 0 && cfg->beta2 < 1) || !(cfg->eps > 0) ||
        !(cfg->weight_decay >= 0) || !(cfg->clip >= 0) || !isfinite(cfg->eps) || !isfinite(cfg->weight_decay) ||
        !isfinite(cfg->clip))
        return NULL;
    yuma_adamw *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->cfg = *cfg;
    o->n = model->n_params;
    o->m = calloc(o->n, sizeof(float));
    o->v = calloc(o->n, sizeof(float));
    o->decay = calloc(model->n_tensors, sizeof(bool));
    if (!o->m || !o->v || !o->decay) {
        yuma_adamw_free(o);
        return NULL;
    }
    o->n_tensors = model->n_tensors;
    for (size_t i = 0; i < model->n_tensors; i++) {
        o->offsets[i] = model->tensors[i].offset;
        o->decay[i] = model->tensors[i].ndims == 2;
    }
    o->offsets[model->n_tensors] = model->n_params;
    yuma_adamw_reset(o);
    return o;
}

void yuma_adamw_free(yuma_adamw *o)
{
    if (!o) return;
    free(o->m);
    free(o->v);
    free(o->decay);
    free(o);
}

bool yuma_adamw_copy(yuma_adamw *dst, const yuma_adamw *src)
{
    if (dst->n != src->n || dst->n_tensors != src->n_tensors) return false;
    if (dst == src) return true;
    memcpy(dst->m, src->m, src->n * sizeof(float));
    memcpy(dst->v, src->v, src->n * sizeof(float));
    dst->cfg = src->cfg;
    dst->steps = src->steps;
    dst->beta1_pow = src->beta1_pow;
    dst->beta2_pow = src->beta2_pow;
    return true;
}

void yuma_adamw_reset(yuma_adamw *o)
{
    memset(o->m, 0, o->n * sizeof(float));
    memset(o->v, 0, o->n * sizeof(float));
    o->steps = 0;
    o->beta1_pow = 1;
    o->beta2_pow = 1;
}

uint64_t yuma_adamw_steps(const yuma_adamw *o)
{
    return o->steps;
}

size_t yuma_adamw_size(const yuma_adamw *o)
{
    return o->n;
}

void yuma_adamw_get(const yuma_adamw *o, float *m, float *v, uint64_t *steps, double beta_pow[2])
{
    memcpy(m, o->m, o->n * sizeof(float));
    memcpy(v, o->v, o->n * sizeof(float));
    *steps = o->steps;
    beta_pow[0] = o->beta1_pow;
    beta_pow[1] = o->beta2_pow;
}

bool yuma_adamw_set(yuma_adamw *o, const float *m, const float *v, uint64_t steps, const double beta_pow[2])
{
    /* beta^steps lies in [0, 1]; anything else would divide by zero or worse in the bias correction */
    for (int i = 0; i < 2; i++)
        if (!(beta_pow[i] >= 0 && beta_pow[i] <= 1)) return false;
    memcpy(o->m, m, o->n * sizeof(float));
    memcpy(o->v, v, o->n * sizeof(float));
    o->steps = steps;
    o->beta1_pow = beta_pow[0];
    o->beta2_pow = beta_pow[1];
    return true;
}

/* Work is cut into fixed chunks of parameters (never by thread count): each
 * chunk's squared-gradient sum is taken in index order, and the norm adds
 * the chunks' sums in chunk order, so the result is the same on any pool. */
#define ADAMW_CHUNK 16384

typedef struct {
    yuma_adamw *o;
    float *p, *g;
    double *partial;
    float coef, b1, b2, eps, sc2, step, decay;
} adamw_job;

static void norm_task(void *ctx, int task, int worker)
{
    (void)worker;
    adamw_job *j = ctx;
    size_t i0 = (size_t)task * ADAMW_CHUNK, i1 = i0 + ADAMW_CHUNK < j->o->n ? i0 + ADAMW_CHUNK : j->o->n;
    double ss = 0;
    for (size_t i = i0; i < i1; i++) ss += (double)j->g[i] * j->g[i];
    j->partial[task] = ss;
}

static void update_task(void *ctx, int task, int worker)
{
    (void)worker;
    adamw_job *j = ctx;
    yuma_adamw *o = j->o;
    size_t i0 = (size_t)task * ADAMW_CHUNK, i1 = i0 + ADAMW_CHUNK < o->n ? i0 + ADAMW_CHUNK : o->n;
    float *p = j->p, *g = j->g;
    if (j->coef != 1.0f)
        for (size_t i = i0; i < i1; i++) g[i] *= j->coef;
    /* the tensors that overlap this chunk, for their decay flag */
    for (size_t t = 0; t < o->n_tensors; t++) {
        size_t a = o->offsets[t] > i0 ? o->offsets[t] : i0, b = o->offsets[t + 1] < i1 ? o->offsets[t + 1] : i1;
        if (a >= b) continue;
        if (o->decay[t])
            for (size_t i = a; i < b; i++) p[i] *= j->decay;
        for (size_t i = a; i < b; i++) {
            o->m[i] = j->b1 * o->m[i] + (1 - j->b1) * g[i];
            o->v[i] = j->b2 * o->v[i] + (1 - j->b2) * (g[i] * g[i]);
            /* PyTorch: denom = sqrt(v) / sqrt(1 - beta2^t) + eps; p -= lr / (1 - beta1^t) * m / denom */
            float denom = sqrtf(o->v[i]) / j->sc2 + j->eps;
            p[i] -= j->step * (o->m[i] / denom);
        }
    }
}

double gpt_adamw_step_pool(yuma_adamw *o, yuma_gpt *model, float *grads, double lr, kn_pool *pool)
{
    if (!o || !model || !grads || model->n_params != o->n || !(lr >= 0) || !isfinite(lr)) return NAN;
    int chunks = (int)((o->n + ADAMW_CHUNK - 1) / ADAMW_CHUNK);
    double *partial = malloc(sizeof(double) * (size_t)chunks);
    if (!partial) return NAN;
    adamw_job j = {.o = o, .p = model->params, .g = grads, .partial = partial};
    kn_pool_run(pool, chunks, norm_task, &j);
    double ss = 0;
    for (int c = 0; c < chunks; c++) ss += partial[c];
    free(partial);
    double norm = sqrt(ss);
    j.coef = o->cfg.clip > 0 && norm > o->cfg.clip ? (float)(o->cfg.clip / (norm + 1e-6)) : 1.0f;
    o->steps++;
    o->beta1_pow *= o->cfg.beta1;
    o->beta2_pow *= o->cfg.beta2;
    j.b1 = (float)o->cfg.beta1;
    j.b2 = (float)o->cfg.beta2;
    j.eps = (float)o->cfg.eps;
    j.sc2 = (float)sqrt(1 - o->beta2_pow); /* sqrt is exactly rounded */
    j.step = (float)lr / (float)(1 - o->beta1_pow);
    j.decay = (float)(1 - lr * o->cfg.weight_decay);
    kn_pool_run(pool, chunks, update_task, &j);
    return norm;
}

double yuma_adamw_step(yuma_adamw *o, yuma_gpt *model, float *grads, double lr)
{
    return gpt_adamw_step_pool(o, model, grads, lr, NULL);
}

yuma_lr_schedule yuma_lr_schedule_default(double peak_lr, uint64_t total_steps)
{
    uint64_t warm = total_steps / 20;
    return (yuma_lr_schedule){peak_lr, total_steps, warm ? warm : 1, 0.1};
}

double yuma_lr_at(const yuma_lr_schedule *s, uint64_t step)
{
    if (step < s->warmup_steps) return s->peak_lr * (double)(step + 1) / (double)s->warmup_steps;
    double final = s->final_ratio * s->peak_lr;
    if (step >= s->total_steps || s->total_steps <= s->warmup_steps) return step >= s->total_steps ? final : s->peak_lr;
    double progress = (double)(step - s->warmup_steps) / (double)(s->total_steps - s->warmup_steps);
    return final + (s->peak_lr - final) * (1 + kn_cospi(progress)) / 2;
}

double yuma_gpt_train_step(yuma_gpt_ws *ws, yuma_gpt *m, yuma_adamw *o, const uint8_t *const *seqs,
                           uint32_t batch, double lr)
{
    if (!o || !m || o->n != m->n_params || !(lr >= 0) || !isfinite(lr)) return NAN;
    double loss = yuma_gpt_forward(ws, m, seqs, batch, NULL);
    if (isnan(loss)) return NAN;
    yuma_gpt_backward(ws, m);
    gpt_adamw_step_pool(o, m, yuma_gpt_ws_grads(ws), lr, gpt_ws_pool(ws));
    return loss;
}
