/*
 * miner_adversary.c - the miners of training-subnet.md §7.10 that cheat,
 * each a miner with one step of §7.5 replaced: noise instead of training
 * (A1), another miner's update re-signed (A2), one old update re-sent
 * (A5a), all-zero values (A5b). The lazy, late, skipping and desynced
 * miners (A3, A5c, A6, A7) only change data, steps, stamp or model and live
 * in miner.c; the free-rider (A4) does nothing at all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/miner_internal.h"

/* A1: in every tile k distinct random positions with Gaussian values, each
 * tensor scaled to the median norm of the last gather (what an attacker can
 * read from the public uploads) times norm_factor; sent through the real
 * compressor with an empty error buffer, so the payload is well formed. */
bool ts_adversary_noise(ts_env *env, ts_miner *m, uint64_t w, double norm_factor, ts_err *e)
{
    memset(m->delta, 0, env->n_params * sizeof *m->delta);
    uint64_t *pick = malloc(YUMA_TILE_MAX_VALUES * sizeof *pick);
    if (!pick) return ts_fail(e, "out of memory (noise)");
    for (size_t i = 0; i < env->tl.n; i++) {
        const yuma_tile_geom *g = &env->geom[i];
        float *t = m->delta + env->tl.tensors[i].offset;
        double ss = 0;
        for (uint32_t tile = 0; tile < g->n_tiles; tile++) {
            if (!yuma_floyd_sample(&m->rng, g->tile_size, g->k, pick)) {
                free(pick);
                return ts_fail(e, "out of memory (noise)");
            }
            for (uint32_t j = 0; j < g->k; j++) {
                double v = yuma_rng_normal(&m->rng);
                t[yuma_tile_position(g, tile, (uint32_t)pick[j])] = (float)v;
                ss += v * v;
            }
        }
        /* before any gather: a typical honest scale (about 0.03 per kept value) */
        double target = m->have_norms ? m->norms[i] : 0.03 * sqrt((double)g->n_tiles * g->k);
        double f = ss > 0 ? norm_factor * target / sqrt(ss) : 0;
        for (size_t j = 0; j < g->numel; j++) t[j] = (float)(t[j] * f);
    }
    free(pick);
    memset(env->scratch, 0, env->n_params * sizeof *env->scratch);
    return ts_miner_compress_upload(env, m, w, env->scratch, ts_window_start(env, w + 1), e);
}

/* A5a: the update of its first window, re-sent with the new window number. */
bool ts_adversary_stale(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    m->kept.window = w;
    return ts_miner_upload(env, m, w, &m->kept, ts_window_start(env, w + 1), e);
}

/* A5b: every kept value zero (the compressor gives scale 0, which the
 * update format refuses: the upload is invalid, as the spec expects). */
bool ts_adversary_zero(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    memset(m->delta, 0, env->n_params * sizeof *m->delta);
    memset(env->scratch, 0, env->n_params * sizeof *env->scratch);
    return ts_miner_compress_upload(env, m, w, env->scratch, ts_window_start(env, w + 1), e);
}

/* A2: the victim's update for this window, with the copier's uid, stamped
 * one block after the victim's (still inside the put window). */
bool ts_adversary_copy(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    ts_fetched f;
    if (!ts_fetch(env, m->adv->victim, w, &f, e)) return false;
    bool ok = true;
    if (f.status == YUMA_UPLOAD_OK) {
        f.upd.uid = m->uid;
        ok = ts_miner_upload(env, m, w, &f.upd, f.stamp + 1, e);
    }
    ts_fetched_free(&f);
    return ok;
}
