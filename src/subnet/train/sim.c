/*
 * sim.c - `sim`, the training subnet's deterministic discrete-event loop
 * (training-subnet.md §7.2, include/yuma/trainsim.h): per window, every
 * miner trains and uploads, every node gathers and takes the outer step,
 * the validators score window w after the put window closes and set weights
 * every few windows, and the chain runs libyuma's Yuma Consensus epoch every
 * tempo blocks. The baselines of §7.8 (dense averaging, a single miner, the
 * centralized run on the union of the pools) run through the same windows.
 * No clock is read: a seed reproduces a run bit for bit.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/train/miner_internal.h"
#include "subnet/train/sim_chain.h"

struct yuma_trainsim {
    ts_env env;
    uint64_t window;
    yuma_gpt *genesis;
    ts_miner miners[TS_MAX_PEERS];
    uint32_t n_miners;            /* initialised miner states */
    ts_validator vals[YUMA_TRAINSIM_MAX_VALIDATORS];
    uint32_t n_vals;
    ts_chain chain;
    bool chain_ready;
    yuma_miner_kind kinds[TS_MAX_PEERS];
    /* baselines: the one model and the centralized run's optimiser */
    yuma_gpt *model;
    yuma_adamw *opt;
    const float **deltas;
    /* reports */
    yuma_trainsim_miner_report rep[TS_MAX_PEERS];
    yuma_trainsim_window_report report;
    uint64_t val_emission[YUMA_TRAINSIM_MAX_VALIDATORS];
    const uint8_t **heldout;
    size_t n_heldout;
};

/* ---- names -------------------------------------------------------------- */

static const char *const KIND_NAMES[YUMA_MINER_KINDS] = {"honest", "noise",  "noise100", "copier", "lazy",   "freerider",
                                                         "stale",  "zero",   "late",     "skipper", "desync"};

const char *yuma_miner_kind_name(yuma_miner_kind k)
{
    return (unsigned)k < YUMA_MINER_KINDS ? KIND_NAMES[k] : "unknown";
}

bool yuma_miner_kind_parse(const char *name, yuma_miner_kind *out)
{
    for (int k = 0; k < YUMA_MINER_KINDS; k++)
        if (name && strcmp(name, KIND_NAMES[k]) == 0) {
            *out = (yuma_miner_kind)k;
            return true;
        }
    return false;
}

const char *yuma_sim_mode_name(yuma_sim_mode m)
{
    switch (m) {
    case YUMA_SIM_SPARSE: return "sparse";
    case YUMA_SIM_DENSE: return "dense";
    case YUMA_SIM_SINGLE: return "single";
    case YUMA_SIM_CENTRAL: return "central";
    }
    return "unknown";
}

const char *yuma_upload_status_name(yuma_upload_status s)
{
    switch (s) {
    case YUMA_UPLOAD_NONE: return "none";
    case YUMA_UPLOAD_OK: return "ok";
    case YUMA_UPLOAD_EARLY: return "early";
    case YUMA_UPLOAD_LATE: return "late";
    case YUMA_UPLOAD_INVALID: return "invalid";
    }
    return "unknown";
}

/* ---- configuration ------------------------------------------------------- */

yuma_trainsim_protocol yuma_trainsim_protocol_defaults(void)
{
    return (yuma_trainsim_protocol){
        .compress = yuma_compress_defaults(),
        .agg_mode = YUMA_AGG_MEAN_OVER_CONTRIBUTORS,
        .outer_lr = 1.0f,
        .blocks_per_window = 10,
        .put_blocks = 2,
        .gather = 4,
        .reserve = 2,
        .peer_refresh = 5,
        .peer_margin = 1,
        .checkpoint_every = 10,
        .recent_windows = 2,
    };
}

bool yuma_trainsim_defaults(const char *config_name, yuma_trainsim_config *out)
{
    memset(out, 0, sizeof *out);
    if (!config_name || strlen(config_name) >= sizeof out->config_name ||
        !yuma_gpt_config_named(config_name, &out->model))
        return false;
    strcpy(out->config_name, config_name);
    bool t0 = strcmp(config_name, "T0") == 0;
    out->inner_steps = t0 ? 5 : 10;
    out->batch = t0 ? 8 : 16;
    out->inner_lr = 4e-3; /* the calibrated rate of training-calibration.md (T0 and T1) */
    out->adamw = yuma_adamw_defaults();
    out->windows = 40;
    out->miners = 4;
    out->validators = 1;
    out->seed = 1;
    out->mode = YUMA_SIM_SPARSE;
    out->threads = 1;
    out->proto = yuma_trainsim_protocol_defaults();
    out->e_own = 0;
    out->e_rand = 32;
    out->eval_lr_factor = 0.2;
    out->gauntlet = yuma_gauntlet_defaults();
    out->windows_per_weights = 2;
    out->tempo = 20;
    out->emission_per_block = 1000000000ull;
    out->validator_stake = 1000ull * 1000000000ull;
    out->heldout_every = 1;
    out->heldout_windows = 0;
    return true;
}

static bool check_adversaries(const yuma_trainsim_config *c, char *err, size_t errlen)
{
    if (c->n_adversaries > c->miners)
        return train_fail(err, errlen, "%zu adversaries for %u miners", c->n_adversaries, c->miners);
    if (c->n_adversaries && c->mode != YUMA_SIM_SPARSE)
        return train_fail(err, errlen, "adversaries need the sparse mode (the baselines have no validators)");
    for (size_t i = 0; i < c->n_adversaries; i++) {
        const yuma_adversary *a = &c->adversaries[i];
        if (a->kind <= YUMA_MINER_HONEST || a->kind >= YUMA_MINER_KINDS)
            return train_fail(err, errlen, "adversary %zu has no valid kind", i);
        if (a->uid >= c->miners)
            return train_fail(err, errlen, "adversary uid %u is not a miner (0..%u)", a->uid, c->miners - 1);
        if (a->from >= a->until) return train_fail(err, errlen, "adversary uid %u: window range is empty", a->uid);
        for (size_t j = 0; j < i; j++)
            if (c->adversaries[j].uid == a->uid)
                return train_fail(err, errlen, "uid %u has two adversary roles", a->uid);
        if (a->kind == YUMA_MINER_COPIER && (a->victim >= c->miners || a->victim == a->uid))
            return train_fail(err, errlen, "copier uid %u needs a victim that is another miner", a->uid);
    }
    return true;
}

static bool check_protocol(const yuma_trainsim_protocol *p, char *err, size_t errlen)
{
    const yuma_compress_params *cp = &p->compress;
    if (cp->chunk < 1 || cp->chunk > 64 || cp->topk < 2 || !(cp->ef_beta >= 0 && cp->ef_beta <= 1) ||
        !(cp->ef_alpha > 0 && cp->ef_alpha <= 10) || !(cp->range_sigmas > 0 && cp->range_sigmas <= 100) ||
        cp->encoding < YUMA_VALUES_STORED || cp->encoding > YUMA_VALUES_FP32)
        return train_fail(err, errlen, "compression parameters out of range");
    if (p->agg_mode != YUMA_AGG_MEAN_OVER_CONTRIBUTORS && p->agg_mode != YUMA_AGG_MEAN_OVER_PEERS)
        return train_fail(err, errlen, "unknown aggregation mode");
    if (!(p->outer_lr > 0 && p->outer_lr <= 10)) return train_fail(err, errlen, "outer lr must be in (0, 10]");
    if (p->put_blocks < 1 || p->blocks_per_window < p->put_blocks + 2 || p->blocks_per_window > 100000)
        return train_fail(err, errlen, "a window needs at least put_blocks + 2 blocks (and at most 100000)");
    if (p->gather < 1 || p->gather > TS_MAX_PEERS || p->reserve > TS_MAX_PEERS)
        return train_fail(err, errlen, "gather must be 1..%u and reserve 0..%u", TS_MAX_PEERS, TS_MAX_PEERS);
    if (p->peer_refresh < 1 || p->peer_margin < 1 || p->checkpoint_every < 1 || p->recent_windows < 1)
        return train_fail(err, errlen,
                          "peer refresh, peer margin, checkpoint interval and recent windows must be >= 1");
    return true;
}

bool yuma_trainsim_config_check(const yuma_trainsim_config *c, char *err, size_t errlen)
{
    if (!c) return train_fail(err, errlen, "no configuration");
    char gerr[200];
    if (!yuma_gpt_config_check(&c->model, gerr, sizeof gerr)) return train_fail(err, errlen, "model: %s", gerr);
    if (c->inner_steps < 1 || c->inner_steps > 10000) return train_fail(err, errlen, "inner steps must be 1..10000");
    if (c->batch < 1 || c->batch > 4096) return train_fail(err, errlen, "batch must be 1..4096");
    if (!(c->inner_lr > 0 && c->inner_lr <= 1)) return train_fail(err, errlen, "inner lr must be in (0, 1]");
    if (c->windows < 1 || c->windows > 1000000) return train_fail(err, errlen, "windows must be 1..1000000");
    if (c->miners < 1 || c->miners > TS_MAX_PEERS) return train_fail(err, errlen, "miners must be 1..%u", TS_MAX_PEERS);
    if (c->validators < 1 || c->validators > YUMA_TRAINSIM_MAX_VALIDATORS)
        return train_fail(err, errlen, "validators must be 1..%u", YUMA_TRAINSIM_MAX_VALIDATORS);
    if (c->mode > YUMA_SIM_CENTRAL) return train_fail(err, errlen, "unknown mode");
    if (!check_adversaries(c, err, errlen) || !check_protocol(&c->proto, err, errlen)) return false;
    if (c->threads < 1 || c->threads > 64) return train_fail(err, errlen, "threads must be 1..64");
    if (c->mode == YUMA_SIM_SPARSE && (!c->store_dir || !*c->store_dir))
        return train_fail(err, errlen, "the sparse mode needs a store directory");
    uint64_t pool = (uint64_t)c->inner_steps * c->batch;
    if (pool > 1000000)
        return train_fail(err, errlen, "a pool of H * B = %llu samples is too large", (unsigned long long)pool);
    if (c->e_own > pool)
        return train_fail(err, errlen, "E_own %u exceeds the pool of H * B = %llu", c->e_own, (unsigned long long)pool);
    if (c->e_rand < 32 || c->e_rand > 4096)
        return train_fail(err, errlen, "E_rand must be 32..4096 (calibration: >= 32)");
    if (!(c->eval_lr_factor > 0 && c->eval_lr_factor <= 10))
        return train_fail(err, errlen, "eval lr factor must be in (0, 10]");
    if (yuma_gauntlet_params_check(&c->gauntlet) != YUMA_GAUNTLET_OK)
        return train_fail(err, errlen, "scoring parameters: %s", yuma_gauntlet_strerror(YUMA_GAUNTLET_ERR_PARAMS));
    if (c->windows_per_weights < 1) return train_fail(err, errlen, "windows per weights must be >= 1");
    if (c->tempo < 1 || c->tempo > 65535) return train_fail(err, errlen, "tempo must be 1..65535 blocks");
    if (c->emission_per_block > 1000000000000000ull)
        return train_fail(err, errlen, "emission per block is above 10^15 rao");
    if (c->validator_stake < c->validators || c->validator_stake > (1ull << 60))
        return train_fail(err, errlen, "validator stake must be %u..2^60 rao", c->validators);
    if (c->heldout_windows > YUMA_CORPUS_EVAL_WINDOWS)
        return train_fail(err, errlen, "held-out windows must be 0..256");
    if (!c->corpus) return train_fail(err, errlen, "no corpus");
    uint64_t n_train = yuma_corpus_train_samples(c->corpus, c->model.ctx);
    uint64_t need = pool > c->e_rand ? pool : c->e_rand;
    if (c->mode == YUMA_SIM_CENTRAL && (uint64_t)c->batch * c->miners > need) need = (uint64_t)c->batch * c->miners;
    if (n_train < need)
        return train_fail(err, errlen, "the corpus has %llu training samples of %u bytes, fewer than the %llu a pool needs",
                   (unsigned long long)n_train, c->model.ctx + 1, (unsigned long long)need);
    if (yuma_corpus_heldout_windows(c->corpus, c->model.ctx) == 0)
        return train_fail(err, errlen, "the corpus has no held-out window of %u bytes", c->model.ctx + 1);
    return true;
}

/* ---- set-up ----------------------------------------------------------------- */

/* The store must start empty: files of an earlier run would be read as this one's. */
static bool store_is_empty(const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? true : train_fail(err, errlen, "cannot open store %s: %s", dir, strerror(errno));
    struct dirent *de;
    bool empty = true;
    while (empty && (de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) empty = false;
    closedir(d);
    return empty ? true : train_fail(err, errlen, "store %s is not empty (it holds an earlier run's files)", dir);
}

static const yuma_adversary *adversary_of(const yuma_trainsim_config *c, uint16_t uid)
{
    for (size_t i = 0; i < c->n_adversaries; i++)
        if (c->adversaries[i].uid == uid) return &c->adversaries[i];
    return NULL;
}

static bool env_init(yuma_trainsim *s, ts_err *e)
{
    const yuma_trainsim_config *c = &s->env.cfg;
    /* the centralized run trains on one batch from every miner at once */
    uint32_t big_batch = c->mode == YUMA_SIM_CENTRAL ? c->batch * c->miners : 0;
    if (!ts_env_init(&s->env, big_batch, &s->genesis, e)) return false;
    s->heldout = ts_heldout_windows(&s->env, c->heldout_windows ? c->heldout_windows : YUMA_CORPUS_EVAL_WINDOWS,
                                    &s->n_heldout);
    s->deltas = calloc(c->miners, sizeof *s->deltas);
    if (!s->heldout || !s->deltas) return ts_fail(e, "out of memory");
    return true;
}

static bool sparse_init(yuma_trainsim *s, ts_err *e)
{
    ts_env *env = &s->env;
    const yuma_trainsim_config *c = &env->cfg;
    char serr[512];
    if (!store_is_empty(c->store_dir, serr, sizeof serr)) return ts_fail(e, "%s", serr);
    if (yuma_astore_open(&env->store, c->store_dir, serr, sizeof serr) != YUMA_ASTORE_OK) return ts_fail(e, "%s", serr);
    for (uint32_t u = 0; u < c->miners; u++, s->n_miners++)
        if (!ts_miner_init(env, &s->miners[u], (uint16_t)u, adversary_of(c, (uint16_t)u), s->genesis, e)) return false;
    for (uint32_t j = 0; j < c->validators; j++, s->n_vals++)
        if (!ts_validator_init(env, &s->vals[j], (uint16_t)(c->miners + j), j, s->genesis, e)) return false;
    if (!ts_chain_init(&s->chain, c, e)) return false;
    s->chain_ready = true;
    return ts_validator_genesis(env, &s->vals[0], e);
}

static bool baseline_init(yuma_trainsim *s, ts_err *e)
{
    ts_env *env = &s->env;
    const yuma_trainsim_config *c = &env->cfg;
    s->model = yuma_gpt_clone(s->genesis);
    if (!s->model) return ts_fail(e, "out of memory");
    uint32_t n = c->mode == YUMA_SIM_DENSE ? c->miners : c->mode == YUMA_SIM_SINGLE ? 1 : 0;
    for (uint32_t u = 0; u < n; u++, s->n_miners++)
        if (!ts_miner_init(env, &s->miners[u], (uint16_t)u, NULL, s->genesis, e)) return false;
    if (c->mode == YUMA_SIM_CENTRAL && !(s->opt = yuma_adamw_new(s->model, &c->adamw)))
        return ts_fail(e, "out of memory");
    return true;
}

yuma_trainsim *yuma_trainsim_new(const yuma_trainsim_config *c, char *err, size_t errlen)
{
    if (!yuma_trainsim_config_check(c, err, errlen)) return NULL;
    yuma_trainsim *s = calloc(1, sizeof *s);
    if (!s) {
        train_fail(err, errlen, "out of memory");
        return NULL;
    }
    s->env.cfg = *c;
    yuma_gauntlet_params *gp = &s->env.cfg.gauntlet;
    gp->gather_count = c->proto.gather; /* the weight tiers follow the peer lists */
    gp->reserve_count = c->proto.reserve;
    gp->outer_lr = c->proto.outer_lr;
    ts_err e = {err, errlen};
    bool ok = yuma_gauntlet_params_check(gp) == YUMA_GAUNTLET_OK ? true : ts_fail(&e, "scoring parameters out of range");
    ok = ok && env_init(s, &e);
    ok = ok && (c->mode == YUMA_SIM_SPARSE ? sparse_init(s, &e) : baseline_init(s, &e));
    if (!ok) {
        yuma_trainsim_free(s);
        return NULL;
    }
    return s;
}

void yuma_trainsim_free(yuma_trainsim *s)
{
    if (!s) return;
    for (uint32_t u = 0; u < s->n_miners; u++) ts_miner_free(&s->miners[u]);
    for (uint32_t j = 0; j < s->n_vals; j++) ts_validator_free(&s->vals[j]);
    if (s->chain_ready) ts_chain_free(&s->chain);
    ts_env_free(&s->env);
    yuma_gpt_free(s->genesis);
    yuma_gpt_free(s->model);
    yuma_adamw_free(s->opt);
    free(s->deltas);
    free(s->heldout);
    free(s);
}

/* ---- one window ---------------------------------------------------------------- */

const yuma_gpt *yuma_trainsim_model(const yuma_trainsim *s)
{
    if (s->env.cfg.mode == YUMA_SIM_SPARSE) return s->vals[0].theta;
    if (s->env.cfg.mode == YUMA_SIM_SINGLE) return s->miners[0].theta;
    return s->model;
}

const yuma_gpt *yuma_trainsim_miner_model(const yuma_trainsim *s, uint16_t uid)
{
    return s->env.cfg.mode == YUMA_SIM_SPARSE && uid < s->n_miners ? s->miners[uid].theta : NULL;
}

double yuma_trainsim_heldout(yuma_trainsim *s)
{
    return yuma_gpt_eval(s->env.ws, yuma_trainsim_model(s), s->heldout, s->n_heldout, NULL);
}

size_t yuma_trainsim_dense_bytes(const yuma_trainsim *s)
{
    return s->env.n_params * sizeof(float);
}

uint64_t yuma_trainsim_window(const yuma_trainsim *s)
{
    return s->window;
}

static bool sparse_window(yuma_trainsim *s, uint64_t w, ts_err *e)
{
    ts_env *env = &s->env;
    const yuma_trainsim_config *c = &env->cfg;
    for (uint32_t u = 0; u < c->miners; u++) s->kinds[u] = ts_kind_at(s->miners[u].adv, w);
    for (uint32_t u = 0; u < c->miners; u++)
        if (!ts_miner_check_sync(env, &s->miners[u], w, e)) return false;
    for (uint32_t u = 0; u < c->miners; u++)
        if (!ts_miner_work(env, &s->miners[u], w, e)) return false;
    for (uint32_t u = 0; u < c->miners; u++) /* copiers read the others' uploads */
        if (!ts_miner_copy(env, &s->miners[u], w, e)) return false;
    for (uint32_t u = 0; u < c->miners; u++)
        if (!ts_miner_sync(env, &s->miners[u], w, e)) return false;
    /* validators process w once the put window has closed; an epoch due in
     * that block runs first (the chain's epochs run at a block's start) */
    uint64_t block = ts_window_start(env, w + 1) + c->proto.put_blocks + 1;
    if (!ts_chain_advance(&s->chain, block, e)) return false;
    for (uint32_t j = 0; j < c->validators; j++)
        if (!ts_validator_process(env, &s->vals[j], w, s->kinds, e)) return false;
    if (w % c->windows_per_weights == 0)
        for (uint32_t j = 0; j < c->validators; j++) {
            uint16_t uids[TS_MAX_PEERS], values[TS_MAX_PEERS];
            size_t count;
            if (yuma_weights_to_u16(s->vals[j].weights, c->miners, uids, values, &count) != YUMA_GAUNTLET_OK)
                return ts_fail(e, "validator %u: weights are not finite", s->vals[j].uid);
            if (count) ts_chain_set_weights(&s->chain, s->vals[j].uid, uids, values, count);
        }
    return true;
}

/* §7.8 baselines 2 and 3: the miners train from the same model; dense
 * averaging steps by the mean pseudo-gradient, the single miner keeps its
 * own trajectory. */
static bool miners_baseline_window(yuma_trainsim *s, uint64_t w, ts_err *e)
{
    ts_env *env = &s->env;
    const yuma_trainsim_config *c = &env->cfg;
    bool single = c->mode == YUMA_SIM_SINGLE;
    for (uint32_t u = 0; u < s->n_miners; u++) {
        ts_miner *m = &s->miners[u];
        if (!single) yuma_gpt_copy(m->theta, s->model);
        if (!yuma_pool_draw(m->uid, w, env->n_train, env->pool_size, m->pool)) return ts_fail(e, "out of memory (pool)");
        if (!ts_miner_train(env, m, w, m->pool, c->inner_steps, single)) return ts_fail(e, "training failed");
        s->deltas[u] = m->delta;
    }
    if (single) return true;
    yuma_agg_status st = yuma_dense_outer_step(s->deltas, s->n_miners, env->n_params, c->proto.outer_lr, 0.0f, false,
                                               NULL, yuma_gpt_params(s->model));
    return st == YUMA_AGG_OK ? true : ts_fail(e, "dense outer step: %s", yuma_agg_strerror(st));
}

/* §7.8 baseline 1: one model, each inner step on the union of the miners'
 * batches for that step (uid order), batch R * B, the same schedule. */
static bool central_window(yuma_trainsim *s, uint64_t w, ts_err *e)
{
    ts_env *env = &s->env;
    const yuma_trainsim_config *c = &env->cfg;
    uint64_t *pools = malloc((size_t)c->miners * env->pool_size * sizeof *pools);
    if (!pools) return ts_fail(e, "out of memory (pools)");
    bool ok = true;
    for (uint32_t u = 0; u < c->miners && ok; u++)
        ok = yuma_pool_draw(u, w, env->n_train, env->pool_size, pools + (size_t)u * env->pool_size);
    for (uint32_t h = 0; h < c->inner_steps && ok; h++) {
        for (uint32_t u = 0; u < c->miners; u++)
            memcpy(env->ids + (size_t)u * c->batch, pools + (size_t)u * env->pool_size + (size_t)h * c->batch,
                   c->batch * sizeof *env->ids);
        const uint8_t *const *seqs = ts_samples(env, env->ids, (size_t)c->miners * c->batch);
        double lr = yuma_lr_at(&env->sched, w * c->inner_steps + h);
        ok = !isnan(yuma_gpt_train_step(env->ws, s->model, s->opt, seqs, c->miners * c->batch, lr));
    }
    free(pools);
    return ok ? true : ts_fail(e, "centralized training failed in window %llu", (unsigned long long)w);
}

static void fill_report(yuma_trainsim *s, uint64_t w)
{
    const yuma_trainsim_config *c = &s->env.cfg;
    yuma_trainsim_window_report *r = &s->report;
    memset(r, 0, sizeof *r);
    r->window = w;
    yuma_gpt_hash(yuma_trainsim_model(s), r->model_hash);
    bool measure = w + 1 == c->windows || (c->heldout_every && (w + 1) % c->heldout_every == 0);
    r->heldout = measure ? yuma_trainsim_heldout(s) : NAN;
    r->honest_overlap_max = -1;
    if (c->mode != YUMA_SIM_SPARSE) return;
    const ts_validator *lead = &s->vals[0];
    r->block = s->chain.block;
    r->gathered = lead->gathered;
    r->epochs = s->chain.epochs;
    r->honest_overlap_max = lead->honest_overlap_max;
    r->nodes = c->validators;
    uint8_t h[32];
    for (uint32_t j = 0; j < c->validators; j++) {
        yuma_gpt_hash(s->vals[j].theta, h);
        r->nodes_in_sync += memcmp(h, r->model_hash, 32) == 0;
        s->val_emission[j] = s->chain.emission[c->miners + j];
    }
    for (uint32_t u = 0; u < c->miners; u++) {
        const ts_eval *ev = &lead->ev[u];
        const yuma_gauntlet_peer *p = &lead->peers[u];
        yuma_trainsim_miner_report *m = &s->rep[u];
        yuma_gpt_hash(s->miners[u].theta, h);
        *m = (yuma_trainsim_miner_report){
            .uid = (uint16_t)u, .kind = s->kinds[u], .upload = ev->status, .upload_bytes = s->miners[u].upload_bytes,
            .gathered = ev->gathered, .evaluated = ev->evaluated, .g = ev->g, .i_own = ev->i_own,
            .i_rand = ev->i_rand, .b = ev->b, .B = p->B, .F = p->F, .weight = lead->weights[u], .sync = ev->sync,
            .sync_x = ev->sync_x, .ordinal = yuma_openskill_ordinal(&lead->gp, p->mu, p->sigma),
            .copy = ev->copy.level, .copy_overlap = ev->copy.overlap, .in_sync = memcmp(h, r->model_hash, 32) == 0,
            .catch_ups = s->miners[u].caught_up, .emission = s->chain.emission[u]};
        if (!s->miners[u].desynced) {
            r->nodes++;
            r->nodes_in_sync += m->in_sync;
        }
    }
    r->miner_count = c->miners;
    r->m = s->rep;
    r->validator_emission = s->val_emission;
}

bool yuma_trainsim_step(yuma_trainsim *s, const yuma_trainsim_window_report **report, char *err, size_t errlen)
{
    ts_err e = {err, errlen};
    if (!s || !report) return ts_fail(&e, "missing argument");
    if (s->window >= s->env.cfg.windows) return ts_fail(&e, "the run is over (%llu windows)", (unsigned long long)s->window);
    uint64_t w = s->window;
    bool ok;
    switch (s->env.cfg.mode) {
    case YUMA_SIM_SPARSE: ok = sparse_window(s, w, &e); break;
    case YUMA_SIM_CENTRAL: ok = central_window(s, w, &e); break;
    default: ok = miners_baseline_window(s, w, &e); break;
    }
    if (!ok) return false;
    fill_report(s, w);
    s->window++;
    *report = &s->report;
    return true;
}
