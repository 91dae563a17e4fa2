/*
 * gpt.h - the training subnet's model (training-subnet.md §7.3): a byte-level
 * GPT in fp32 with its forward pass, backward pass and AdamW optimiser,
 * deterministic to the bit for a given seed on any thread count.
 *
 * Architecture: learned token and absolute position embeddings, then
 * n_layers pre-norm blocks (RMSNorm with a gain and no bias, causal
 * multi-head attention with one fused QKV matrix and an output projection,
 * RMSNorm, a GELU (tanh form) MLP d -> d_ff -> d), a final RMSNorm and the
 * output layer tied to the token embedding. No biases. The loss is the mean
 * cross-entropy in nats per byte over every position of every sequence
 * (bits per byte = nats / ln 2).
 *
 * Parameters are a table of named tensors laid end to end in one float
 * buffer, in this order (L = n_layers, C = d_model, F = d_ff, T = ctx):
 *
 *   id  name          shape      kind
 *   0   wte           [256, C]   2-D, token embedding and output layer
 *   1   wpe           [T, C]     2-D, position embedding
 *   per layer l (ids 2 + 6l ...):
 *       h<l>.ln1      [C]        1-D gain
 *       h<l>.wqkv     [C, 3C]    2-D, x -> (q | k | v), heads side by side
 *       h<l>.wo       [C, C]     2-D, attention output projection
 *       h<l>.ln2      [C]        1-D gain
 *       h<l>.w1       [C, F]     2-D, MLP in
 *       h<l>.w2       [F, C]     2-D, MLP out
 *   2 + 6L  lnf       [C]        1-D gain
 *
 * Matrices are row-major [in, out] (y = x W). For T0, T1 and T2 every
 * matrix dimension is a multiple of 64, so a compressor can tile every 2-D
 * tensor in 64 x 64 tiles and every 1-D tensor in rows of 64.
 *
 * Usage: a yuma_gpt holds a configuration and parameters; a yuma_gpt_ws
 * (workspace) holds activations, gradients and a thread pool, and serves
 * any number of models of its configuration, one call at a time; a
 * yuma_adamw holds one model's optimiser state. Sequences are ctx + 1 bytes:
 * bytes 0..ctx-1 are the inputs, bytes 1..ctx the targets.
 *
 * Determinism: for a given seed, configuration and sequence of calls every
 * parameter, gradient and loss is the same bits for any thread count and on
 * any x86-64 CPU (the AVX2 / AVX-512 paths compute exactly what the portable
 * path does; see src/subnet/train/kernels.h).
 */
#ifndef YUMA_GPT_H
#define YUMA_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YUMA_GPT_VOCAB 256     /* byte-level: tokens are bytes */
#define YUMA_GPT_MAX_TENSORS 200

typedef struct {
    uint32_t vocab;    /* must be 256 */
    uint32_t ctx;      /* sequence length T */
    uint32_t d_model;  /* C */
    uint32_t n_layers; /* L */
    uint32_t n_heads;  /* divides d_model */
    uint32_t d_ff;     /* F */
} yuma_gpt_config;

/* The named configurations of §7.3: "T0" (ctx 64, d 64, 2 layers, 2 heads,
 * d_ff 256: 119,104 parameters), "T1" (ctx 128, d 128, 4 layers, 4 heads,
 * d_ff 512: 836,736 = 835,584 in matrices + 1,152 gains) and "T2" (ctx 256,
 * d 384, 6 layers, 6 heads, d_ff 1536). false for any other name. */
bool yuma_gpt_config_named(const char *name, yuma_gpt_config *out);

/* true when c describes a model this code can build: vocab 256, every size
 * >= 1, ctx <= 4096, d_model <= 4096, n_layers <= 32, d_ff <= 16384,
 * n_heads divides d_model. Otherwise false with a one-line reason in err. */
bool yuma_gpt_config_check(const yuma_gpt_config *c, char *err, size_t errlen);

/* One parameter tensor. */
typedef struct {
    uint32_t id;        /* position in the table (0-based), stable for a configuration */
    char name[24];      /* "wte", "h0.wqkv", "lnf", ... */
    uint32_t ndims;     /* 2 for matrices, 1 for gains */
    uint32_t shape[2];  /* 2-D: rows x cols (row-major); 1-D: shape[0] = length, shape[1] = 1 */
    size_t offset;      /* index of its first element in the parameter buffer */
    size_t numel;       /* shape[0] * shape[1] */
} yuma_gpt_tensor;

/* Writes the tensor table of a (checked) configuration into out (up to cap
 * entries) and returns the number of tensors (2 + 6L + 1), 0 when c fails
 * yuma_gpt_config_check. */
size_t yuma_gpt_layout(const yuma_gpt_config *c, yuma_gpt_tensor *out, size_t cap);
/* Total parameters of a configuration (0 when it fails the check). */
size_t yuma_gpt_config_params(const yuma_gpt_config *c);

/* ---- a model: configuration, tensor table, parameters ---------------- */

typedef struct yuma_gpt yuma_gpt;

/* A model with every parameter zero; NULL with a reason in err when the
 * configuration fails the check or memory runs out. */
yuma_gpt *yuma_gpt_new(const yuma_gpt_config *c, char *err, size_t errlen);
/* Deterministic initialisation from seed: matrices N(0, 0.02), the two
 * residual projections (wo, w2) N(0, 0.02 / sqrt(2L)), gains 1; normals from
 * xoshiro256** seeded with seed, drawn in parameter order. */
void yuma_gpt_init(yuma_gpt *m, uint64_t seed);
yuma_gpt *yuma_gpt_clone(const yuma_gpt *m);
/* Copies src's parameters into dst; false (dst unchanged) when their
 * configurations differ. */
bool yuma_gpt_copy(yuma_gpt *dst, const yuma_gpt *src);
void yuma_gpt_free(yuma_gpt *m);

const yuma_gpt_config *yuma_gpt_get_config(const yuma_gpt *m);
size_t yuma_gpt_num_params(const yuma_gpt *m);
float *yuma_gpt_params(yuma_gpt *m);
const float *yuma_gpt_params_const(const yuma_gpt *m);
size_t yuma_gpt_num_tensors(const yuma_gpt *m);
/* The table (yuma_gpt_num_tensors entries); entry i has id i. */
const yuma_gpt_tensor *yuma_gpt_tensors(const yuma_gpt *m);
/* The tensor called name, or NULL. */
const yuma_gpt_tensor *yuma_gpt_tensor_named(const yuma_gpt *m, const char *name);

/* BLAKE2b-256 (libsodium crypto_generichash) of the parameters' bytes in
 * little-endian IEEE-754 order: equal hashes mean bit-identical models. */
void yuma_gpt_hash(const yuma_gpt *m, uint8_t out[32]);
void yuma_gpt_hash_floats(const float *p, size_t n, uint8_t out[32]);

/* ---- a workspace: activations, gradients, threads -------------------- */

typedef struct yuma_gpt_ws yuma_gpt_ws;

/* A workspace for up to max_batch (1..4096) sequences at once, running its
 * matrix products on `threads` (1..64) threads; threads 0 means one per
 * online CPU, at most 64. NULL with a reason in err on bad arguments or
 * when memory or threads run out. */
yuma_gpt_ws *yuma_gpt_ws_new(const yuma_gpt_config *c, uint32_t max_batch, uint32_t threads, char *err,
                             size_t errlen);
void yuma_gpt_ws_free(yuma_gpt_ws *ws);
uint32_t yuma_gpt_ws_threads(const yuma_gpt_ws *ws);
uint32_t yuma_gpt_ws_max_batch(const yuma_gpt_ws *ws);

/* Forward pass over `batch` sequences (seqs[i] points at ctx + 1 bytes).
 * Returns the mean cross-entropy in nats per byte, and when seq_loss is not
 * NULL each sequence's mean in seq_loss[0..batch). Keeps the activations
 * for yuma_gpt_backward. Returns NAN and computes nothing when batch is 0
 * or above max_batch or m's configuration is not the workspace's. */
double yuma_gpt_forward(yuma_gpt_ws *ws, const yuma_gpt *m, const uint8_t *const *seqs, uint32_t batch,
                        float *seq_loss);

/* The gradient of the last forward's mean loss with respect to every
 * parameter of m (which must be the model of that forward, unchanged),
 * written over the workspace's gradient buffer (yuma_gpt_ws_grads, laid
 * out like the parameters). false when there was no forward for m. */
bool yuma_gpt_backward(yuma_gpt_ws *ws, const yuma_gpt *m);
float *yuma_gpt_ws_grads(yuma_gpt_ws *ws);

/* Mean loss over n sequences, in forward passes of up to max_batch;
 * seq_loss (optional) gets each sequence's mean. The mean over all is the
 * mean of the per-position losses (all sequences have ctx positions), so it
 * does not depend on max_batch. NAN when n is 0 or the configs differ. */
double yuma_gpt_eval(yuma_gpt_ws *ws, const yuma_gpt *m, const uint8_t *const *seqs, size_t n, float *seq_loss);

/* Number of floating-point operations of one training step (forward and
 * backward, matrix products and causal attention, multiply and add counted
 * separately) for `batch` sequences: the figure tokens/s and GFLOP/s
 * benchmarks report against. */
double yuma_gpt_train_flops(const yuma_gpt_config *c, uint32_t batch);

/* ---- AdamW and the learning-rate schedule (§7.5) --------------------- */

typedef struct {
    double beta1, beta2, eps;
    double weight_decay; /* decoupled, on 2-D tensors only */
    double clip;         /* global gradient-norm clip; 0 = none */
} yuma_adamw_config;

/* betas 0.9 / 0.95, eps 1e-8, weight decay 0.1, clip 1.0. */
yuma_adamw_config yuma_adamw_defaults(void);

typedef struct yuma_adamw yuma_adamw;

/* Zeroed moments for m's parameters. NULL when cfg is out of range
 * (betas in [0, 1), eps > 0, weight_decay >= 0, clip >= 0) or memory runs out. */
yuma_adamw *yuma_adamw_new(const yuma_gpt *m, const yuma_adamw_config *cfg);
void yuma_adamw_free(yuma_adamw *o);
/* Copies moments and step count; false when the sizes differ. */
bool yuma_adamw_copy(yuma_adamw *dst, const yuma_adamw *src);
/* Zero moments, step count 0. */
void yuma_adamw_reset(yuma_adamw *o);
uint64_t yuma_adamw_steps(const yuma_adamw *o);
/* The whole state, for saving and restoring it across a restart (the
 * training subnet's processes): both moments (yuma_adamw_size() floats
 * each), the step count and the running products beta1^steps, beta2^steps
 * (kept, not recomputed, so a restored optimiser takes the same steps bit
 * for bit). yuma_adamw_set refuses powers outside [0, 1]. */
size_t yuma_adamw_size(const yuma_adamw *o);
void yuma_adamw_get(const yuma_adamw *o, float *m, float *v, uint64_t *steps, double beta_pow[2]);
bool yuma_adamw_set(yuma_adamw *o, const float *m, const float *v, uint64_t steps, const double beta_pow[2]);

/* One step at learning rate lr, PyTorch's AdamW order: the global L2 norm
 * of grads (squares summed in double over fixed chunks of 16,384
 * parameters, each in index order, then the chunks in order: the same on
 * any thread count); when it exceeds clip, grads are
 * scaled in place by clip / (norm + 1e-6); then for every parameter
 * p -= lr * wd * p (2-D tensors), the moment updates, bias correction and
 * p -= lr * m_hat / (sqrt(v_hat) + eps). Returns the norm before clipping. */
double yuma_adamw_step(yuma_adamw *o, yuma_gpt *m, float *grads, double lr);

typedef struct {
    double peak_lr;
    uint64_t total_steps;  /* the cosine reaches final_ratio * peak here */
    uint64_t warmup_steps;
    double final_ratio;
} yuma_lr_schedule;

/* §7.5: warm-up over 5 % of total_steps (at least 1), cosine to 0.1x. */
yuma_lr_schedule yuma_lr_schedule_default(double peak_lr, uint64_t total_steps);
/* The rate for 0-based step: peak * (step + 1) / warmup during warm-up, then
 * final + (peak - final) * (1 + cos(pi * progress)) / 2, progress going
 * from 0 to 1 at total_steps, final after that. */
double yuma_lr_at(const yuma_lr_schedule *s, uint64_t step);

/* Forward, backward and one AdamW step at lr on a batch (the step runs on
 * the workspace's threads); returns the batch's loss before the step (NAN,
 * and nothing changes, on bad input). */
double yuma_gpt_train_step(yuma_gpt_ws *ws, yuma_gpt *m, yuma_adamw *o, const uint8_t *const *seqs,
                           uint32_t batch, double lr);

/* ---- kernel dispatch (for tests and benchmarks) ---------------------- */

/* The instruction set the matrix kernels use: "generic", "avx2" or
 * "avx512" (the best the CPU runs, or $YUMA_TRAIN_ISA). */
const char *yuma_gpt_kernel_isa(void);
/* Switches the kernels to the named set; false when unknown or this CPU
 * cannot run it. All sets give bit-identical results. */
bool yuma_gpt_set_kernel_isa(const char *name);

/* The machine's floating-point peak, measured: GFLOP/s of a tight loop of
 * independent multiply-add chains in the named set's vectors, on `threads`
 * threads at once for about `seconds`. fused: with FMA instructions (the
 * hardware's quoted peak); otherwise a separate multiply and add, as the
 * deterministic kernels compute. 0 when the set, or its FMA, is not
 * available here, or on bad arguments. */
double yuma_gpt_peak_gflops(const char *isa, bool fused, uint32_t threads, double seconds);

#endif
