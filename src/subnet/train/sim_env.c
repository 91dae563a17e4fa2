/*
 * sim_env.c - the environment every training-subnet node reads (ts_env in
 * sim_internal.h): the genesis model, the workspace, the tensor list with
 * its tile geometries and debug positions, the learning-rate schedule and
 * the scratch buffers. One set-up for the one-process simulation (sim.c)
 * and for one node on a chain (net_node.c), so that both start from the
 * same model and compress it the same way.
 */
#include <stdlib.h>

#include "subnet/train/sim_internal.h"

/* Sample scratch: a pool, an evaluation's random draw, or one batch per miner
 * (the centralized baseline's union of the pools). */
static size_t scratch_entries(const yuma_trainsim_config *c)
{
    size_t n = c->inner_steps * c->batch;
    if (c->e_rand > n) n = c->e_rand;
    if ((size_t)c->batch * c->miners > n) n = (size_t)c->batch * c->miners;
    return n;
}

/* The tensor list, checked for compression, with each tensor's tiles. */
static bool tensors_init(ts_env *env, const yuma_gpt *genesis, size_t nt, ts_err *e)
{
    const yuma_compress_params *cp = &env->cfg.proto.compress;
    yuma_trainsim_tensor_list(genesis, env->descs, &env->tl);
    yuma_compress_status cs = yuma_tensor_list_check(&env->tl, cp->chunk, cp->topk);
    for (size_t i = 0; i < nt && cs == YUMA_COMPRESS_OK; i++)
        cs = yuma_tile_geometry(&env->descs[i], cp->chunk, cp->topk, &env->geom[i]);
    if (cs != YUMA_COMPRESS_OK) return ts_fail(e, "model cannot be compressed: %s", yuma_compress_strerror(cs));
    env->n_dbg = 2 * nt;
    yuma_debug_positions(&env->tl, env->dbg_pos);
    return true;
}

bool ts_env_init(ts_env *env, uint32_t big_batch, yuma_gpt **genesis, ts_err *e)
{
    const yuma_trainsim_config *c = &env->cfg;
    char gerr[256];
    env->corpus = c->corpus;
    env->n_train = yuma_corpus_train_samples(c->corpus, c->model.ctx);
    env->pool_size = c->inner_steps * c->batch;
    env->lead = (uint16_t)c->miners;
    *genesis = yuma_gpt_new(&c->model, gerr, sizeof gerr);
    if (!*genesis) return ts_fail(e, "%s", gerr);
    yuma_gpt_init(*genesis, c->seed);
    /* evaluations run batches of 64 even when B is smaller */
    uint32_t max_batch = c->batch > 64 ? c->batch : 64;
    if (big_batch > max_batch) max_batch = big_batch;
    env->ws = yuma_gpt_ws_new(&c->model, max_batch, c->threads, gerr, sizeof gerr);
    if (!env->ws) return ts_fail(e, "%s", gerr);
    env->n_params = yuma_gpt_num_params(*genesis);
    size_t nt = yuma_gpt_num_tensors(*genesis);
    env->descs = calloc(nt, sizeof *env->descs);
    env->geom = calloc(nt, sizeof *env->geom);
    env->dbg_pos = calloc(2 * nt, sizeof *env->dbg_pos);
    env->scratch = malloc(env->n_params * sizeof *env->scratch);
    env->scratch_n = scratch_entries(c);
    env->seqs = calloc(env->scratch_n, sizeof *env->seqs);
    env->ids = calloc(env->scratch_n, sizeof *env->ids);
    if (!env->descs || !env->geom || !env->dbg_pos || !env->scratch || !env->seqs || !env->ids)
        return ts_fail(e, "out of memory");
    if (!tensors_init(env, *genesis, nt, e)) return false;
    env->sched = yuma_lr_schedule_default(c->inner_lr, c->windows * c->inner_steps);
    return true;
}

void ts_env_free(ts_env *env)
{
    yuma_astore_close(&env->store);
    yuma_gpt_ws_free(env->ws);
    free(env->descs);
    free(env->geom);
    free(env->dbg_pos);
    free(env->scratch);
    free(env->seqs);
    free(env->ids);
}

const uint8_t **ts_heldout_windows(const ts_env *env, size_t want, size_t *n)
{
    size_t avail = yuma_corpus_heldout_windows(env->corpus, env->cfg.model.ctx);
    *n = want < avail ? want : avail;
    const uint8_t **w = calloc(*n ? *n : 1, sizeof *w);
    if (!w) return NULL;
    for (size_t j = 0; j < *n; j++) w[j] = yuma_corpus_heldout_window(env->corpus, env->cfg.model.ctx, j);
    return w;
}
