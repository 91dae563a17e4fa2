/*
 * gpt_internal.h - the model object's layout, shared by gpt.c, gpt_pass.c
 * and gpt_adamw.c (the public API is include/yuma/gpt.h).
 */
#ifndef YUMA_TRAIN_GPT_INTERNAL_H
#define YUMA_TRAIN_GPT_INTERNAL_H

#include "yuma/gpt.h"

struct yuma_gpt {
    yuma_gpt_config cfg;
    size_t n_params, n_tensors;
    yuma_gpt_tensor tensors[YUMA_GPT_MAX_TENSORS];
    float *params;
};

#endif
