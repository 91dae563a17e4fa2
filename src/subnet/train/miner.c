/*
 * miner.c - the training subnet's miner role (training-subnet.md §7.5 steps
 * 1-8, §3.3-3.7): H AdamW steps on its pool for the window (the optimiser
 * state kept across windows), the pseudo-gradient theta_start - theta_end,
 * error feedback and compression, the upload stamped in the put window,
 * then the gather, the outer step and the debug values. The adversaries of
 * §7.10 are the same role with one step changed (miner_adversary.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/miner_internal.h"

bool ts_miner_init(ts_env *env, ts_miner *m, uint16_t uid, const yuma_adversary *adv, const yuma_gpt *genesis,
                   ts_err *e)
{
    memset(m, 0, sizeof *m);
    m->uid = uid;
    m->adv = adv;
    m->theta = yuma_gpt_clone(genesis);
    m->opt = m->theta ? yuma_adamw_new(m->theta, &env->cfg.adamw) : NULL;
    m->ef = calloc(env->n_params, sizeof *m->ef);
    m->delta = malloc(env->n_params * sizeof *m->delta);
    m->pool = malloc(env->pool_size * sizeof *m->pool);
    m->norms = calloc(env->tl.n, sizeof *m->norms);
    if (!m->opt || !m->ef || !m->delta || !m->pool || !m->norms) return ts_fail(e, "out of memory for miner %u", uid);
    /* private draws: distinct per uid and seed, unknown to the validators */
    yuma_rng_seed(&m->rng, env->cfg.seed ^ (0x6d696e6572ull << 16) ^ ((uint64_t)uid * 0x9E3779B97F4A7C15ull));
    return true;
}

void ts_miner_free(ts_miner *m)
{
    yuma_gpt_free(m->theta);
    yuma_adamw_free(m->opt);
    free(m->ef);
    free(m->delta);
    free(m->pool);
    free(m->norms);
    yuma_sparse_update_free(&m->kept);
    memset(m, 0, sizeof *m);
}

bool ts_miner_train(ts_env *env, ts_miner *m, uint64_t w, const uint64_t *samples, uint32_t steps, bool keep)
{
    const yuma_trainsim_config *c = &env->cfg;
    float *theta = yuma_gpt_params(m->theta);
    memcpy(m->delta, theta, env->n_params * sizeof *theta); /* theta_start */
    for (uint32_t h = 0; h < steps; h++) {
        const uint8_t *const *seqs = ts_samples(env, samples + (size_t)h * c->batch, c->batch);
        double lr = yuma_lr_at(&env->sched, w * c->inner_steps + h);
        double loss = yuma_gpt_train_step(env->ws, m->theta, m->opt, seqs, c->batch, lr);
        if (loss != loss) return false; /* NAN: bad input, nothing changed */
    }
    /* delta = theta_start - theta_end; the miner keeps only the global model
     * (§3.3) unless it trains on its own (keep) */
    for (size_t i = 0; i < env->n_params; i++) {
        float start = m->delta[i];
        m->delta[i] = start - theta[i];
        if (!keep) theta[i] = start;
    }
    return true;
}

bool ts_miner_upload(ts_env *env, ts_miner *m, uint64_t w, const yuma_sparse_update *u, uint64_t block, ts_err *e)
{
    uint8_t *bytes;
    size_t len;
    yuma_update_status us = yuma_update_encode(u, &bytes, &len);
    if (us != YUMA_UPDATE_OK) return ts_fail(e, "miner %u: encoding window %llu: %s", m->uid, (unsigned long long)w,
                                             yuma_update_strerror(us));
    char name[64], serr[256];
    snprintf(name, sizeof name, "gradient-%llu-%u.bin", (unsigned long long)w, (unsigned)m->uid);
    bool ok = yuma_astore_put(&env->store, m->uid, name, bytes, len, block, serr, sizeof serr) == YUMA_ASTORE_OK;
    free(bytes);
    if (!ok) return ts_fail(e, "%s", serr);
    m->upload_bytes = len;
    return true;
}

bool ts_miner_compress_upload(ts_env *env, ts_miner *m, uint64_t w, float *ef, uint64_t block, ts_err *e)
{
    uint8_t digest[16];
    if (!yuma_pool_receipt(m->pool, env->pool_size, digest)) return ts_fail(e, "out of memory (receipt)");
    yuma_sparse_update u;
    yuma_compress_status cs = yuma_compress(&env->tl, &env->cfg.proto.compress, m->delta, ef, w, m->uid, digest,
                                            env->pool_size, &u);
    if (cs != YUMA_COMPRESS_OK)
        return ts_fail(e, "miner %u: compressing window %llu: %s", m->uid, (unsigned long long)w,
                       yuma_compress_strerror(cs));
    bool ok = ts_miner_upload(env, m, w, &u, block, e);
    if (ok && m->adv && m->adv->kind == YUMA_MINER_STALE && !m->have_kept) {
        m->kept = u; /* the stale miner keeps its first update to re-send */
        m->have_kept = true;
    } else {
        yuma_sparse_update_free(&u);
    }
    return ok;
}

/* The honest work of §7.5 steps 2-6 (also the lazy, skipper, late and
 * desynced miners, which differ in data, steps, stamp or model). */
static bool honest_work(ts_env *env, ts_miner *m, uint64_t w, yuma_miner_kind kind, ts_err *e)
{
    const yuma_trainsim_config *c = &env->cfg;
    uint32_t steps = c->inner_steps;
    const uint64_t *samples = m->pool;
    uint64_t *own = NULL;
    if (kind == YUMA_MINER_LAZY) steps = c->inner_steps / 5 ? c->inner_steps / 5 : 1;
    if (kind == YUMA_MINER_SKIPPER) { /* a pool that is not its assignment */
        own = malloc(env->pool_size * sizeof *own);
        uint32_t fake = 100000u + (uint32_t)yuma_rng_below(&m->rng, 10000000u);
        if (!own || !yuma_pool_draw(fake, w, env->n_train, env->pool_size, own)) {
            free(own);
            return ts_fail(e, "out of memory (skipper pool)");
        }
        samples = own;
    }
    bool ok = ts_miner_train(env, m, w, samples, steps, kind == YUMA_MINER_DESYNC);
    free(own);
    if (!ok) return ts_fail(e, "miner %u: training failed in window %llu", m->uid, (unsigned long long)w);
    uint64_t block = ts_window_start(env, w + 1);
    if (kind == YUMA_MINER_LATE) block += c->proto.put_blocks + 1;
    return ts_miner_compress_upload(env, m, w, m->ef, block, e);
}

bool ts_miner_work(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    m->upload_bytes = 0;
    if (!yuma_pool_draw(m->uid, w, env->n_train, env->pool_size, m->pool)) return ts_fail(e, "out of memory (pool)");
    yuma_miner_kind kind = ts_kind_at(m->adv, w);
    switch (kind) {
    case YUMA_MINER_HONEST:
    case YUMA_MINER_LAZY:
    case YUMA_MINER_SKIPPER:
    case YUMA_MINER_LATE:
    case YUMA_MINER_DESYNC: return honest_work(env, m, w, kind, e);
    case YUMA_MINER_FREERIDER:
    case YUMA_MINER_COPIER: return true;
    case YUMA_MINER_NOISE:
    case YUMA_MINER_NOISE100: return ts_adversary_noise(env, m, w, kind == YUMA_MINER_NOISE100 ? 100.0 : 1.0, e);
    case YUMA_MINER_STALE:
        if (!m->have_kept) return honest_work(env, m, w, kind, e);
        return ts_adversary_stale(env, m, w, e);
    case YUMA_MINER_ZERO: return ts_adversary_zero(env, m, w, e);
    case YUMA_MINER_KINDS: break;
    }
    return ts_fail(e, "miner %u: unknown kind", m->uid);
}

bool ts_miner_copy(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    if (ts_kind_at(m->adv, w) != YUMA_MINER_COPIER) return true;
    return ts_adversary_copy(env, m, w, e);
}

/* debug-<w>-<uid>: the hash of the model after the outer step and its
 * values at the debug positions. */
bool ts_write_debug(ts_env *env, uint16_t uid, uint64_t w, const yuma_gpt *theta, uint64_t block, ts_err *e)
{
    const float *p = yuma_gpt_params_const(theta);
    float *vals = malloc(env->n_dbg * sizeof *vals);
    if (!vals) return ts_fail(e, "out of memory (debug)");
    for (size_t i = 0; i < env->n_dbg; i++) vals[i] = p[env->dbg_pos[i]];
    yuma_debug_record r = {w, uid, {0}, (uint32_t)env->n_dbg, vals};
    yuma_gpt_hash(theta, r.hash);
    uint8_t *bytes;
    size_t len;
    yuma_artefact_status st = yuma_debug_encode(&r, &bytes, &len);
    free(vals);
    if (st != YUMA_ARTEFACT_OK) return ts_fail(e, "debug file: %s", yuma_artefact_strerror(st));
    char name[64], serr[256];
    snprintf(name, sizeof name, "debug-%llu-%u.bin", (unsigned long long)w, (unsigned)uid);
    bool ok = yuma_astore_put(&env->store, uid, name, bytes, len, block, serr, sizeof serr) == YUMA_ASTORE_OK;
    free(bytes);
    return ok ? true : ts_fail(e, "%s", serr);
}

bool ts_miner_sync(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    uint64_t block = ts_window_start(env, w + 1) + env->cfg.proto.put_blocks + 1;
    if (ts_kind_at(m->adv, w) == YUMA_MINER_DESYNC) {
        m->desynced = true; /* its own model, never the aggregate */
        return ts_write_debug(env, m->uid, w, m->theta, block, e);
    }
    ts_gather g;
    if (!ts_gather_run(env, w, &g, e)) {
        ts_gather_free(&g);
        return false;
    }
    if (g.n > 0) {
        yuma_agg_status as = yuma_clip_norms(g.ptr, g.n, &env->tl, m->norms);
        m->have_norms = as == YUMA_AGG_OK;
    }
    yuma_artefact_status st =
        yuma_trainsim_outer_step(&env->cfg.proto, &env->tl, g.ptr, g.n, yuma_gpt_params(m->theta), env->scratch);
    ts_gather_free(&g);
    if (st != YUMA_ARTEFACT_OK)
        return ts_fail(e, "miner %u: outer step of window %llu: %s", m->uid, (unsigned long long)w,
                       yuma_artefact_strerror(st));
    return ts_write_debug(env, m->uid, w, m->theta, block, e);
}

/* The lead validator's published hash of theta_w (its debug-(w-1)); false
 * when it has not published one (nothing to check against). */
static bool lead_hash(ts_env *env, uint64_t w, uint8_t hash[32], ts_err *e, bool *failed)
{
    char name[64], serr[256];
    snprintf(name, sizeof name, "debug-%llu-%u.bin", (unsigned long long)(w - 1), (unsigned)env->lead);
    uint8_t *data;
    size_t len;
    uint64_t stamp;
    yuma_astore_status st = yuma_astore_get(&env->store, env->lead, name, &data, &len, &stamp, serr, sizeof serr);
    *failed = st != YUMA_ASTORE_OK && st != YUMA_ASTORE_ERR_NOT_FOUND && st != YUMA_ASTORE_ERR_META;
    if (*failed) ts_fail(e, "%s", serr);
    if (st != YUMA_ASTORE_OK) return false;
    yuma_debug_record rec;
    bool ok = yuma_debug_decode(data, len, w - 1, env->lead, (uint32_t)env->n_dbg, &rec) == YUMA_ARTEFACT_OK;
    free(data);
    if (ok) memcpy(hash, rec.hash, 32);
    yuma_debug_record_free(&rec);
    return ok;
}

bool ts_miner_check_sync(ts_env *env, ts_miner *m, uint64_t w, ts_err *e)
{
    /* a desynced miner skips the check: that is its misbehaviour */
    if (w == 0 || ts_kind_at(m->adv, w) == YUMA_MINER_DESYNC) return true;
    uint8_t want[32], have[32];
    bool failed;
    if (!lead_hash(env, w, want, e, &failed)) return !failed;
    yuma_gpt_hash(m->theta, have);
    if (memcmp(want, have, 32) == 0) return true;
    char err[512];
    uint64_t from;
    yuma_artefact_status st =
        yuma_trainsim_catch_up(&env->store, env->lead, &env->cfg.proto, w, m->theta, &from, err, sizeof err);
    if (st != YUMA_ARTEFACT_OK) return ts_fail(e, "miner %u: %s", m->uid, err);
    yuma_gpt_hash(m->theta, have);
    if (memcmp(want, have, 32) != 0)
        return ts_fail(e, "miner %u: caught up to window %llu from checkpoint %llu but the model differs from the lead's",
                       m->uid, (unsigned long long)w, (unsigned long long)from);
    m->desynced = false;
    m->caught_up++;
    return true;
}
