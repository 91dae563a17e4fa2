/*
 * validator.c - the training subnet's validator role (training-subnet.md
 * §4.2 with the settings of §7.6 and the calibration box at the top of §7):
 * for window w it gathers what the miners gathered, checks copies among
 * the gathered and evaluated uploads, slashes out-of-sync and missing
 * peers, measures every active miner's update (loss before and after a
 * trial step on the miner's own pool and on random data drawn from a
 * secret seed), rates the match, computes the weight vector and takes the
 * same outer step as everyone. The lead validator also posts the
 * aggregator, the peer lists and the checkpoints that let nodes catch up.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/sim_internal.h"

bool ts_validator_init(ts_env *env, ts_validator *v, uint16_t uid, uint32_t index, const yuma_gpt *genesis,
                       ts_err *e)
{
    memset(v, 0, sizeof *v);
    v->uid = uid;
    v->index = index;
    uint64_t s = env->cfg.seed ^ 0x76616c6964ull ^ ((uint64_t)(index + 1) << 40);
    v->secret = yuma_splitmix64(&s);
    v->gp = env->cfg.gauntlet;
    v->theta = yuma_gpt_clone(genesis);
    v->trial = yuma_gpt_clone(genesis);
    v->avg_change = calloc(env->n_dbg, sizeof *v->avg_change);
    v->before = calloc(env->n_dbg, sizeof *v->before);
    v->after = calloc(env->n_dbg, sizeof *v->after);
    v->have_change = calloc(env->n_dbg, sizeof *v->have_change);
    v->norms = calloc(env->tl.n, sizeof *v->norms);
    v->own_seqs = calloc(env->pool_size, sizeof *v->own_seqs);
    v->rand_seqs = calloc(env->cfg.e_rand, sizeof *v->rand_seqs);
    v->own_ids = calloc(env->pool_size, sizeof *v->own_ids);
    v->pick = calloc(env->pool_size, sizeof *v->pick);
    if (!v->theta || !v->trial || !v->avg_change || !v->before || !v->after || !v->have_change || !v->norms ||
        !v->own_seqs || !v->rand_seqs || !v->own_ids || !v->pick)
        return ts_fail(e, "out of memory for validator %u", uid);
    for (uint32_t u = 0; u < env->cfg.miners; u++) yuma_gauntlet_peer_init(&v->peers[u], &v->gp);
    return true;
}

void ts_validator_free(ts_validator *v)
{
    yuma_gpt_free(v->theta);
    yuma_gpt_free(v->trial);
    free(v->avg_change);
    free(v->before);
    free(v->after);
    free(v->have_change);
    free(v->norms);
    free(v->own_seqs);
    free(v->rand_seqs);
    free(v->own_ids);
    free(v->pick);
    ts_gather_free(&v->gather);
    for (size_t u = 0; u < TS_MAX_PEERS; u++) ts_fetched_free(&v->fetched[u]);
    memset(v, 0, sizeof *v);
}

/* ---- the lead's files --------------------------------------------------- */

typedef struct {
    double weight, ordinal;
    bool active;
    uint16_t uid;
} candidate;

static int cmp_candidate(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
    if (x->active != y->active) return x->active ? -1 : 1;
    if (x->ordinal != y->ordinal) return x->ordinal > y->ordinal ? -1 : 1;
    return (int)x->uid - (int)y->uid;
}

/* The gather list: the top G miners by the lead's weights, banned ones left
 * out; while fewer than G have a weight, the others fill in: recently active
 * first, then by rating (ordinal), then the lower uid. Then R reserves. */
static void make_peers(ts_env *env, const ts_validator *v, uint64_t w, const bool *active, ts_peers *p)
{
    candidate c[TS_MAX_PEERS];
    size_t n = 0;
    for (uint32_t u = 0; u < env->cfg.miners; u++)
        if (v->peers[u].banned_until <= w)
            c[n++] = (candidate){v->weights[u], yuma_openskill_ordinal(&v->gp, v->peers[u].mu, v->peers[u].sigma),
                                 active ? active[u] : false, (uint16_t)u};
    qsort(c, n, sizeof *c, cmp_candidate);
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        if (p->n_gather < env->cfg.proto.gather) p->gather[p->n_gather++] = c[i].uid;
        else if (p->n_reserve < env->cfg.proto.reserve) p->reserve[p->n_reserve++] = c[i].uid;
    }
}

static bool post_checkpoint(ts_env *env, const ts_validator *v, uint64_t window, uint64_t block, ts_err *e)
{
    uint8_t *bytes;
    size_t len;
    yuma_artefact_status st = yuma_checkpoint_encode(window, v->theta, &bytes, &len);
    if (st != YUMA_ARTEFACT_OK) return ts_fail(e, "checkpoint: %s", yuma_artefact_strerror(st));
    char name[64], serr[256];
    snprintf(name, sizeof name, "ckpt-%llu.bin", (unsigned long long)window);
    bool ok = yuma_astore_put(&env->store, v->uid, name, bytes, len, block, serr, sizeof serr) == YUMA_ASTORE_OK;
    free(bytes);
    return ok ? true : ts_fail(e, "%s", serr);
}

static bool post_aggregator(ts_env *env, const ts_validator *v, uint64_t w, uint64_t block, ts_err *e)
{
    yuma_aggregator_entry ent[TS_MAX_PEERS];
    for (size_t i = 0; i < v->gather.n; i++)
        ent[i] = (yuma_aggregator_entry){v->gather.f[i].uid, v->gather.f[i].stamp, v->gather.f[i].bytes,
                                         v->gather.f[i].len};
    uint8_t *bytes;
    size_t len;
    yuma_artefact_status st = yuma_aggregator_encode(w, ent, v->gather.n, &bytes, &len);
    if (st != YUMA_ARTEFACT_OK) return ts_fail(e, "aggregator: %s", yuma_artefact_strerror(st));
    char name[64], serr[256];
    snprintf(name, sizeof name, "aggregator-%llu.bin", (unsigned long long)w);
    bool ok = yuma_astore_put(&env->store, v->uid, name, bytes, len, block, serr, sizeof serr) == YUMA_ASTORE_OK;
    free(bytes);
    return ok ? true : ts_fail(e, "%s", serr);
}

bool ts_validator_genesis(ts_env *env, ts_validator *v, ts_err *e)
{
    ts_peers p; /* the first list: no weights yet, so the lowest uids */
    make_peers(env, v, 0, NULL, &p);
    return ts_peers_post(env, 0, &p, 0, e) && post_checkpoint(env, v, 0, 0, e);
}

/* ---- measurements -------------------------------------------------------- */

/* §4.3 sync score of miner u from its debug-(w-1) against our theta_w. */
static bool sync_of(ts_env *env, ts_validator *v, uint16_t u, uint64_t w, const uint8_t hash[32], ts_eval *ev,
                    ts_err *e)
{
    if (w == 0) { /* everyone starts from the public genesis model */
        ev->sync_x = 0;
        ev->sync = 1;
        return true;
    }
    char name[64], serr[256];
    snprintf(name, sizeof name, "debug-%llu-%u.bin", (unsigned long long)(w - 1), (unsigned)u);
    uint8_t *data;
    size_t len;
    uint64_t stamp;
    yuma_astore_status st = yuma_astore_get(&env->store, u, name, &data, &len, &stamp, serr, sizeof serr);
    if (st != YUMA_ASTORE_OK && st != YUMA_ASTORE_ERR_NOT_FOUND && st != YUMA_ASTORE_ERR_META)
        return ts_fail(e, "%s", serr);
    yuma_debug_record rec = {0};
    bool have = st == YUMA_ASTORE_OK &&
                yuma_debug_decode(data, len, w - 1, u, (uint32_t)env->n_dbg, &rec) == YUMA_ARTEFACT_OK;
    free(data);
    const float *p = yuma_gpt_params_const(v->theta);
    for (size_t i = 0; i < env->n_dbg; i++) v->before[i] = p[env->dbg_pos[i]];
    yuma_gauntlet_status gs =
        yuma_sync_score(&v->gp, v->before, have ? rec.values : NULL, v->avg_change, v->have_change, env->n_dbg,
                        have && memcmp(rec.hash, hash, 32) == 0, &ev->sync_x, &ev->sync);
    yuma_debug_record_free(&rec);
    return gs == YUMA_GAUNTLET_OK ? true : ts_fail(e, "sync score: %s", yuma_gauntlet_strerror(gs));
}

/* The validator's generator for window w: secret and window mixed, so
 * miners cannot predict the random data or the own-data subset. */
static void window_rng(const ts_validator *v, uint64_t w, yuma_rng *r)
{
    uint64_t s = v->secret ^ (w * 0x9E3779B97F4A7C15ull);
    yuma_rng_seed(r, yuma_splitmix64(&s));
}

/* Loss before and after the trial step on own and random data. */
static bool measure(ts_env *env, ts_validator *v, uint16_t u, uint64_t w, const yuma_sparse_update *upd,
                    const double *norms, double before_rand, yuma_rng *r, ts_eval *ev, ts_err *e)
{
    const yuma_trainsim_config *c = &env->cfg;
    if (!yuma_pool_draw(u, w, env->n_train, env->pool_size, v->own_ids)) return ts_fail(e, "out of memory (pool)");
    size_t n_own = env->pool_size;
    if (c->e_own && c->e_own < env->pool_size) { /* a random subset, never the first E */
        if (!yuma_floyd_sample(r, env->pool_size, c->e_own, v->pick)) return ts_fail(e, "out of memory (subset)");
        for (uint32_t i = 0; i < c->e_own; i++) v->pick[i] = v->own_ids[v->pick[i]];
        memcpy(v->own_ids, v->pick, c->e_own * sizeof *v->own_ids);
        n_own = c->e_own;
    }
    for (size_t i = 0; i < n_own; i++) v->own_seqs[i] = yuma_corpus_train_sample(env->corpus, c->model.ctx, v->own_ids[i]);
    double before_own = yuma_gpt_eval(env->ws, v->theta, v->own_seqs, n_own, NULL);
    yuma_gpt_copy(v->trial, v->theta);
    yuma_agg_status as = yuma_apply_update(yuma_gpt_params(v->trial), upd, &env->tl, norms,
                                           (double)c->proto.outer_lr * c->eval_lr_factor);
    if (as != YUMA_AGG_OK) return ts_fail(e, "trial step of uid %u: %s", (unsigned)u, yuma_agg_strerror(as));
    double after_own = yuma_gpt_eval(env->ws, v->trial, v->own_seqs, n_own, NULL);
    double after_rand = yuma_gpt_eval(env->ws, v->trial, v->rand_seqs, c->e_rand, NULL);
    yuma_gauntlet_status gs = yuma_gauntlet_indicator(before_own, after_own, before_rand, after_rand, &ev->g, &ev->b);
    if (gs != YUMA_GAUNTLET_OK) {
        /* a trial step that makes the loss non-finite is the miner's fault */
        ev->g = -INFINITY;
        ev->b = -1;
        ev->i_own = ev->i_rand = -INFINITY;
        return true;
    }
    ev->i_own = (before_own - after_own) / before_own;
    ev->i_rand = ev->g;
    return true;
}

/* The largest 2-D overlap between two honest uploads (the copy detector's
 * margin, calibration box: below 0.3); -1 when fewer than two. */
static double honest_overlap(const ts_env *env, const yuma_miner_kind *kinds, const ts_fetched **up)
{
    double max = -1;
    for (uint32_t a = 0; a < env->cfg.miners; a++)
        for (uint32_t b = a + 1; b < env->cfg.miners; b++) {
            if (kinds[a] != YUMA_MINER_HONEST || kinds[b] != YUMA_MINER_HONEST) continue;
            if (up[a]->status != YUMA_UPLOAD_OK || up[b]->status != YUMA_UPLOAD_OK) continue;
            double ov;
            if (yuma_update_overlap(&up[a]->upd, &up[b]->upd, false, &ov) == YUMA_GAUNTLET_OK && ov > max) max = ov;
        }
    return max;
}

/* ---- one window ------------------------------------------------------------ */

static bool copy_check(ts_env *env, ts_validator *v, uint64_t w, const ts_fetched **up, const bool *candidate_u,
                       ts_err *e)
{
    const yuma_sparse_update *list[TS_MAX_PEERS];
    uint64_t stamps[TS_MAX_PEERS];
    uint16_t who[TS_MAX_PEERS];
    yuma_copy_verdict out[TS_MAX_PEERS];
    size_t n = 0;
    for (uint32_t u = 0; u < env->cfg.miners; u++)
        if (candidate_u[u] && up[u]->status == YUMA_UPLOAD_OK) {
            list[n] = &up[u]->upd;
            stamps[n] = up[u]->stamp;
            who[n++] = (uint16_t)u;
        }
    yuma_gauntlet_status gs = yuma_copy_check(&v->gp, w, list, stamps, n, out);
    if (gs != YUMA_GAUNTLET_OK) return ts_fail(e, "copy check: %s", yuma_gauntlet_strerror(gs));
    for (size_t i = 0; i < n; i++) {
        v->ev[who[i]].copy = out[i];
        yuma_gauntlet_apply_copy(&v->peers[who[i]], &v->gp, out[i].level, w);
    }
    return true;
}

bool ts_validator_process(ts_env *env, ts_validator *v, uint64_t w, const yuma_miner_kind *kinds, ts_err *e)
{
    const yuma_trainsim_config *c = &env->cfg;
    uint32_t M = c->miners;
    uint64_t block = ts_window_start(env, w + 1) + c->proto.put_blocks + 1;
    ts_gather_free(&v->gather);
    for (uint32_t u = 0; u < M; u++) ts_fetched_free(&v->fetched[u]);
    memset(v->ev, 0, sizeof v->ev);
    if (!ts_gather_run(env, w, &v->gather, e)) return false;

    /* every miner's upload: the gathered copy, or our own fetch */
    const ts_fetched *up[TS_MAX_PEERS];
    bool active[TS_MAX_PEERS], candidate_u[TS_MAX_PEERS];
    for (uint32_t u = 0; u < M; u++) {
        up[u] = NULL;
        for (size_t i = 0; i < v->gather.n; i++)
            if (v->gather.f[i].uid == u) up[u] = &v->gather.f[i];
        v->ev[u].gathered = up[u] != NULL;
        if (!up[u]) {
            if (!ts_fetch(env, (uint16_t)u, w, &v->fetched[u], e)) return false;
            up[u] = &v->fetched[u];
        }
        v->ev[u].status = up[u]->status;
        if (up[u]->status != YUMA_UPLOAD_NONE) v->last_seen[u] = w + 1;
        active[u] = v->last_seen[u] > 0 && v->last_seen[u] - 1 + c->proto.recent_windows >= w;
        candidate_u[u] = v->ev[u].gathered || (active[u] && v->peers[u].banned_until <= w);
    }
    if (v->index == 0) v->honest_overlap_max = honest_overlap(env, kinds, up);

    /* copies among the gathered and evaluated uploads, then the pre-eval slashes */
    if (!copy_check(env, v, w, up, candidate_u, e)) return false;
    uint8_t hash[32];
    yuma_gpt_hash(v->theta, hash);
    for (uint32_t u = 0; u < M; u++) {
        v->ev[u].sync_x = INFINITY;
        if (candidate_u[u] && !sync_of(env, v, (uint16_t)u, w, hash, &v->ev[u], e)) return false;
        if (v->ev[u].gathered && !(v->ev[u].sync_x <= v->gp.sync_max_steps_behind))
            yuma_gauntlet_slash(&v->peers[u], &v->gp, YUMA_SLASH_OUT_OF_SYNC, 1.0);
    }
    double success = v->gather.listed ? (double)v->gather.listed_ok / v->gather.listed : 1.0;
    for (size_t i = 0; i < v->gather.n_missed; i++)
        yuma_gauntlet_slash(&v->peers[v->gather.missed[i]], &v->gp, YUMA_SLASH_GATHER_MISS, success);
    for (uint32_t u = 0; u < M; u++) yuma_gauntlet_activity(&v->peers[u], &v->gp, active[u]);

    /* the measurements (§4.2 steps 4-6) */
    const double *norms = NULL;
    if (v->gather.n && yuma_clip_norms(v->gather.ptr, v->gather.n, &env->tl, v->norms) == YUMA_AGG_OK) norms = v->norms;
    yuma_rng r;
    window_rng(v, w, &r);
    uint32_t fake = 1000u + (uint32_t)yuma_rng_below(&r, 10000000u - 1000u + 1u);
    if (!yuma_pool_draw(fake, w, env->n_train, c->e_rand, env->ids)) return ts_fail(e, "out of memory (random data)");
    for (uint32_t i = 0; i < c->e_rand; i++) v->rand_seqs[i] = yuma_corpus_train_sample(env->corpus, c->model.ctx, env->ids[i]);
    double before_rand = yuma_gpt_eval(env->ws, v->theta, v->rand_seqs, c->e_rand, NULL);
    uint16_t evaluated[TS_MAX_PEERS];
    size_t n_eval = 0;
    for (uint32_t u = 0; u < M; u++) {
        if (!active[u] || v->peers[u].banned_until > w) continue;
        ts_eval *ev = &v->ev[u];
        if (up[u]->status == YUMA_UPLOAD_INVALID) {
            yuma_gauntlet_slash(&v->peers[u], &v->gp, YUMA_SLASH_INVALID, 1.0);
            continue;
        }
        if (up[u]->status != YUMA_UPLOAD_OK) { /* absent, early or late */
            yuma_gauntlet_slash(&v->peers[u], &v->gp, YUMA_SLASH_MISSING, 1.0);
            continue;
        }
        if (!measure(env, v, (uint16_t)u, w, &up[u]->upd, norms, before_rand, &r, ev, e)) return false;
        ev->evaluated = true;
        yuma_gauntlet_record_eval(&v->peers[u], &v->gp, ev->g, ev->b, ev->sync);
        evaluated[n_eval++] = (uint16_t)u;
    }
    /* a non-finite g (a trial step that broke the model) ranks last */
    for (size_t i = 0; i < n_eval; i++)
        if (!isfinite(v->peers[evaluated[i]].g)) v->peers[evaluated[i]].g = -1e300;
    yuma_gauntlet_status gs = yuma_gauntlet_rate_match(&v->gp, v->peers, M, evaluated, n_eval);
    if (gs == YUMA_GAUNTLET_OK) gs = yuma_gauntlet_weights(&v->gp, v->peers, M, w, v->weights);
    if (gs != YUMA_GAUNTLET_OK) return ts_fail(e, "scoring window %llu: %s", (unsigned long long)w, yuma_gauntlet_strerror(gs));

    /* the outer step everyone takes, and the change EMA at the debug positions */
    float *theta = yuma_gpt_params(v->theta);
    for (size_t i = 0; i < env->n_dbg; i++) v->before[i] = theta[env->dbg_pos[i]];
    yuma_artefact_status st =
        yuma_trainsim_outer_step(&c->proto, &env->tl, v->gather.ptr, v->gather.n, theta, env->scratch);
    if (st != YUMA_ARTEFACT_OK) return ts_fail(e, "validator %u: outer step: %s", v->uid, yuma_artefact_strerror(st));
    for (size_t i = 0; i < env->n_dbg; i++) v->after[i] = theta[env->dbg_pos[i]];
    yuma_sync_change_update(&v->gp, v->avg_change, v->have_change, v->before, v->after, env->n_dbg);
    v->gathered = (uint32_t)v->gather.n;
    if (!ts_write_debug(env, v->uid, w, v->theta, block, e)) return false;
    if (v->index != 0) return true;

    /* the lead's files: aggregator, next peer list, checkpoint of theta_{w+1} */
    if (!post_aggregator(env, v, w, block, e)) return false;
    if ((w + 1) % c->proto.peer_refresh == 0) {
        ts_peers p;
        make_peers(env, v, w, active, &p);
        if (!ts_peers_post(env, w + 1 + c->proto.peer_margin, &p, block, e)) return false;
    }
    if ((w + 1) % c->proto.checkpoint_every == 0 && !post_checkpoint(env, v, w + 1, block, e)) return false;
    return true;
}
