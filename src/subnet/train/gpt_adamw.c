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

double yuma_adamw_step(yuma_adamw *o, yuma_gpt *model, float *grads, double lr)
{
    if (!o || !model || !grads || model->n_params != o->n) return NAN;
    double ss = 0;
    for (size_t i = 0; i < o->n; i++) ss += (double)grads[i] * grads[i];
    double norm = sqrt(ss);
    if (o->cfg.clip > 0 && norm > o->cfg.clip) {
        float coef = (float)(o->cfg.clip / (norm + 1e-6));
        for (size_t i = 0; i < o->n; i++) grads[i] *= coef;
    }
    o->steps++;
    o->beta1_pow *= o->cfg.beta1;
    o->beta2_pow *= o->cfg.beta2;
    float b1 = (float)o->cfg.beta1, b2 = (float)o->cfg.beta2, eps = (float)o->cfg.eps;
    float c1 = (float)(1 - o->beta1_pow), sc2 = (float)sqrt(1 - o->beta2_pow); /* sqrt is exactly rounded */
    float step = (float)lr / c1, decay = (float)(1 - lr * o->cfg.weight_decay);
    float *p = model->params;
    for (size_t t = 0; t < o->n_tensors; t++) {
        size_t i0 = o->offsets[t], i1 = o->offsets[t + 1];
        if (o->decay[t])
            for (size_t i = i0; i < i1; i++) p[i] *= decay;
        for (size_t i = i0; i < i1; i++) {
            float g = grads[i];
            o->m[i] = b1 * o->m[i] + (1 - b1) * g;
            o->v[i] = b2 * o->v[i] + (1 - b2) * (g * g);
            /* PyTorch: denom = sqrt(v) / sqrt(1 - beta2^t) + eps; p -= lr / (1 - beta1^t) * m / denom */
            float denom = sqrtf(o->v[i]) / sc2 + eps;
            p[i] -= step * (o->m[i] / denom);
        }
    }
    return norm;
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
    yuma_adamw_step(o, m, yuma_gpt_ws_grads(ws), lr);
    return loss;
}
