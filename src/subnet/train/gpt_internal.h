/*
 * gpt_internal.h - the model object's layout, shared by gpt.c, gpt_pass.c
 * and gpt_adamw.c (the public API is include/yuma/gpt.h).
 */
#ifndef YUMA_TRAIN_GPT_INTERNAL_H
#define YUMA_TRAIN_GPT_INTERNAL_H

#include "subnet/train/kernels.h"
#include "yuma/gpt.h"

struct yuma_gpt {
    yuma_gpt_config cfg;
    size_t n_params, n_tensors;
    yuma_gpt_tensor tensors[YUMA_GPT_MAX_TENSORS];
    float *params;
};

/* The workspace's thread pool (gpt_pass.c). */
kn_pool *gpt_ws_pool(yuma_gpt_ws *ws);
/* yuma_adamw_step with its work on pool (NULL: the calling thread); the
 * same bits either way (gpt_adamw.c). */
double gpt_adamw_step_pool(yuma_adamw *o, yuma_gpt *model, float *grads, double lr, kn_pool *pool);

#endif
