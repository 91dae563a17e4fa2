/*
 * gpt.c - the training subnet's model object (include/yuma/gpt.h): the
 * named configurations, the parameter tensor table, initialisation, copies
 * and the model hash. The passes are in gpt_pass.c, AdamW in gpt_adamw.c.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off") /* separately rounded products and sums everywhere (kernels.h) */
#endif
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/gpt_internal.h"
#include "subnet/train/kernels.h"
#include "subnet/train/train_err.h"
#include "yuma/trainrng.h"

bool yuma_gpt_config_named(const char *name, yuma_gpt_config *out)
{
    static const struct {
        const char *name;
        yuma_gpt_config c;
    } named[] = {
        {"T0", {YUMA_GPT_VOCAB, 64, 64, 2, 2, 256}},
        {"T1", {YUMA_GPT_VOCAB, 128, 128, 4, 4, 512}},
        {"T2", {YUMA_GPT_VOCAB, 256, 384, 6, 6, 1536}},
    };
    for (size_t i = 0; name && i < sizeof named / sizeof named[0]; i++)
        if (strcmp(name, named[i].name) == 0) {
            *out = named[i].c;
            return true;
        }
    return false;
}

bool yuma_gpt_config_check(const yuma_gpt_config *c, char *err, size_t errlen)
{
    if (!c) return train_fail(err, errlen, "no configuration");
    if (c->vocab != YUMA_GPT_VOCAB) return train_fail(err, errlen, "vocab is %u, must be 256 (byte-level)", c->vocab);
    if (c->ctx < 1 || c->ctx > 4096) return train_fail(err, errlen, "ctx is %u, must be 1..4096", c->ctx);
    if (c->d_model < 1 || c->d_model > 4096)
        return train_fail(err, errlen, "d_model is %u, must be 1..4096", c->d_model);
    if (c->n_layers < 1 || c->n_layers > 32)
        return train_fail(err, errlen, "n_layers is %u, must be 1..32", c->n_layers);
    if (c->d_ff < 1 || c->d_ff > 16384) return train_fail(err, errlen, "d_ff is %u, must be 1..16384", c->d_ff);
    if (c->n_heads < 1 || c->d_model % c->n_heads)
        return train_fail(err, errlen, "n_heads is %u, must divide d_model %u", c->n_heads, c->d_model);
    return true;
}

static void put(yuma_gpt_tensor *out, size_t cap, size_t *n, size_t *off, const char *name, uint32_t rows,
                uint32_t cols, uint32_t ndims)
{
    if (*n < cap) {
        yuma_gpt_tensor *t = &out[*n];
        memset(t, 0, sizeof *t);
        t->id = (uint32_t)*n;
        snprintf(t->name, sizeof t->name, "%s", name);
        t->ndims = ndims;
        t->shape[0] = rows;
        t->shape[1] = cols;
        t->offset = *off;
        t->numel = (size_t)rows * cols;
    }
    *off += (size_t)rows * cols;
    (*n)++;
}

/* The one place that fixes the table's order (documented in gpt.h). */
static size_t layout(const yuma_gpt_config *c, yuma_gpt_tensor *out, size_t cap, size_t *total)
{
    size_t n = 0, off = 0;
    uint32_t C = c->d_model, F = c->d_ff;
    char name[24];
    put(out, cap, &n, &off, "wte", c->vocab, C, 2);
    put(out, cap, &n, &off, "wpe", c->ctx, C, 2);
    for (uint32_t l = 0; l < c->n_layers; l++) {
        snprintf(name, sizeof name, "h%u.ln1", l);
        put(out, cap, &n, &off, name, C, 1, 1);
        snprintf(name, sizeof name, "h%u.wqkv", l);
        put(out, cap, &n, &off, name, C, 3 * C, 2);
        snprintf(name, sizeof name, "h%u.wo", l);
        put(out, cap, &n, &off, name, C, C, 2);
        snprintf(name, sizeof name, "h%u.ln2", l);
        put(out, cap, &n, &off, name, C, 1, 1);
        snprintf(name, sizeof name, "h%u.w1", l);
        put(out, cap, &n, &off, name, C, F, 2);
        snprintf(name, sizeof name, "h%u.w2", l);
        put(out, cap, &n, &off, name, F, C, 2);
    }
    put(out, cap, &n, &off, "lnf", C, 1, 1);
    if (total) *total = off;
    return n;
}

size_t yuma_gpt_layout(const yuma_gpt_config *c, yuma_gpt_tensor *out, size_t cap)
{
    if (!yuma_gpt_config_check(c, NULL, 0)) return 0;
    return layout(c, out, out ? cap : 0, NULL);
}

size_t yuma_gpt_config_params(const yuma_gpt_config *c)
{
    if (!yuma_gpt_config_check(c, NULL, 0)) return 0;
    size_t total;
    layout(c, NULL, 0, &total);
    return total;
}

yuma_gpt *yuma_gpt_new(const yuma_gpt_config *c, char *err, size_t errlen)
{
    if (!yuma_gpt_config_check(c, err, errlen)) return NULL;
    yuma_gpt *m = calloc(1, sizeof *m);
    if (!m) {
        train_fail(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *c;
    m->n_tensors = layout(c, m->tensors, YUMA_GPT_MAX_TENSORS, &m->n_params);
    m->params = calloc(m->n_params, sizeof(float));
    if (!m->params) {
        train_fail(err, errlen, "out of memory (%zu parameters)", m->n_params);
        free(m);
        return NULL;
    }
    return m;
}

void yuma_gpt_init(yuma_gpt *m, uint64_t seed)
{
    yuma_rng r;
    yuma_rng_seed(&r, seed);
    double resid_std = 0.02 / sqrt(2.0 * m->cfg.n_layers);
    for (size_t i = 0; i < m->n_tensors; i++) {
        const yuma_gpt_tensor *t = &m->tensors[i];
        float *p = m->params + t->offset;
        if (t->ndims == 1) {
            for (size_t j = 0; j < t->numel; j++) p[j] = 1.0f;
            continue;
        }
        size_t len = strlen(t->name);
        bool resid = (len > 3 && strcmp(t->name + len - 3, ".wo") == 0) ||
                     (len > 3 && strcmp(t->name + len - 3, ".w2") == 0);
        double std = resid ? resid_std : 0.02;
        for (size_t j = 0; j < t->numel; j++) p[j] = (float)(std * yuma_rng_normal(&r));
    }
}

yuma_gpt *yuma_gpt_clone(const yuma_gpt *m)
{
    yuma_gpt *c = yuma_gpt_new(&m->cfg, NULL, 0);
    if (c) memcpy(c->params, m->params, m->n_params * sizeof(float));
    return c;
}

bool yuma_gpt_copy(yuma_gpt *dst, const yuma_gpt *src)
{
    if (memcmp(&dst->cfg, &src->cfg, sizeof dst->cfg) != 0) return false;
    if (dst != src) memcpy(dst->params, src->params, src->n_params * sizeof(float));
    return true;
}

void yuma_gpt_free(yuma_gpt *m)
{
    if (!m) return;
    free(m->params);
    free(m);
}

const yuma_gpt_config *yuma_gpt_get_config(const yuma_gpt *m) { return &m->cfg; }
size_t yuma_gpt_num_params(const yuma_gpt *m) { return m->n_params; }
float *yuma_gpt_params(yuma_gpt *m) { return m->params; }
const float *yuma_gpt_params_const(const yuma_gpt *m) { return m->params; }
size_t yuma_gpt_num_tensors(const yuma_gpt *m) { return m->n_tensors; }
const yuma_gpt_tensor *yuma_gpt_tensors(const yuma_gpt *m) { return m->tensors; }

const yuma_gpt_tensor *yuma_gpt_tensor_named(const yuma_gpt *m, const char *name)
{
    for (size_t i = 0; name && i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return &m->tensors[i];
    return NULL;
}

void yuma_gpt_hash_floats(const float *p, size_t n, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    /* little-endian bytes whatever the host order */
    unsigned char buf[4096];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &p[i], 4);
        buf[used++] = (unsigned char)u;
        buf[used++] = (unsigned char)(u >> 8);
        buf[used++] = (unsigned char)(u >> 16);
        buf[used++] = (unsigned char)(u >> 24);
        if (used == sizeof buf) {
            crypto_generichash_update(&st, buf, used);
            used = 0;
        }
    }
    crypto_generichash_update(&st, buf, used);
    crypto_generichash_final(&st, out, 32);
}

void yuma_gpt_hash(const yuma_gpt *m, uint8_t out[32])
{
    yuma_gpt_hash_floats(m->params, m->n_params, out);
}

const char *yuma_gpt_kernel_isa(void)
{
    return kn_isa_name(kn_current_isa());
}

bool yuma_gpt_set_kernel_isa(const char *name)
{
    for (int i = 0; name && i < KN_ISA_COUNT; i++)
        if (strcmp(name, kn_isa_name((kn_isa)i)) == 0) return kn_set_isa((kn_isa)i);
    return false;
}
