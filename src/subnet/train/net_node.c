/*
 * net_node.c - one training-subnet process on a chain (trainnet.h): sets
 * up trainsim's environment for one role, registers, serves its axon and
 * publishes its commitment, then follows the chain's blocks window by
 * window, running trainsim's miner or validator step at the blocks the
 * protocol fixes, publishing and mirroring artefacts (net_store.c), and,
 * for validators, setting weights by transactions. After every window it
 * saves its state (net_state.c); a process that starts after window 0
 * began restores that state, catches its model up from the lead's
 * checkpoint and aggregators and joins the next window.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subnet/train/net_internal.h"

#define WAIT_SLICE_MS 1000u
/* the most windows a restarted validator works through to resume where it stopped */
#define VALIDATOR_BACKLOG 8u

bool yuma_trainnet_config_check(const yuma_trainnet_config *c, char *err, size_t errlen)
{
    ts_err e = {err, errlen};
    if (!c || !c->rpc_url || !c->dir || !c->ip) return ts_fail(&e, "missing rpc url, directory or axon address");
    if (!yuma_trainsim_config_check(&c->sim, err, errlen)) return false;
    if (c->sim.mode != YUMA_SIM_SPARSE) return ts_fail(&e, "a network runs the sparse protocol only");
    if (c->role == YUMA_TRAINNET_MINER && c->index >= c->sim.miners)
        return ts_fail(&e, "miner index %u is not below the %u miners", c->index, c->sim.miners);
    if (c->role == YUMA_TRAINNET_VALIDATOR && c->index >= c->sim.validators)
        return ts_fail(&e, "validator index %u is not below the %u validators", c->index, c->sim.validators);
    if (c->role == YUMA_TRAINNET_MINER && c->kind == YUMA_MINER_COPIER)
        return ts_fail(&e, "a copier needs its victim's upload before its own: not supported on a network");
    if (c->netuid == 0) return ts_fail(&e, "netuid 0 is root, not a subnet");
    return true;
}

/* ---- the environment ------------------------------------------------------ */

static bool env_init(tn_node *n, ts_err *e)
{
    if (!ts_env_init(&n->env, 0, &n->genesis, e)) return false;
    n->heldout = ts_heldout_windows(&n->env, n->cfg->heldout_windows, &n->n_heldout);
    return n->heldout ? true : ts_fail(e, "out of memory");
}

static void node_free(tn_node *n)
{
    if (n->miner_ready) ts_miner_free(&n->miner);
    if (n->val_ready) ts_validator_free(&n->val);
    if (n->axon) {
        yuma_axon_stop(n->axon);
        yuma_axon_free(n->axon);
    }
    yuma_dendrite_free(n->dendrite);
    yuma_metagraph_free(&n->mg);
    yuma_sdk_client_free(n->client);
    ts_env_free(&n->env);
    free(n->heldout);
    yuma_gpt_free(n->genesis);
}

static bool make_dir(const char *path, ts_err *e)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) return true;
    return ts_fail(e, "cannot create %s: %s", path, strerror(errno));
}

/* ---- the chain ------------------------------------------------------------- */

/* Waits (long polls) until the head reaches `height`; false when stopped. */
static bool wait_until(tn_node *n, uint64_t height, ts_err *e)
{
    char err[256];
    while (n->head < height) {
        if (*n->stop) return false;
        if (!yuma_sdk_wait_block(n->client, n->head, WAIT_SLICE_MS, &n->head, err, sizeof err))
            return ts_fail(e, "waiting for block %" PRIu64 ": %s", height, err);
    }
    return !*n->stop;
}

/* Registers (when needed), serves the axon and publishes the commitment. */
static bool join(tn_node *n, ts_err *e)
{
    const yuma_trainnet_config *c = n->cfg;
    char err[512];
    yuma_sdk_tx_result r;
    if (!yuma_metagraph_sync(&n->mg, n->client, err, sizeof err)) return ts_fail(e, "metagraph: %s", err);
    const yuma_neuron *me = yuma_metagraph_find(&n->mg, &c->hotkey.pub);
    if (!me) {
        if (!c->have_coldkey) return ts_fail(e, "the hotkey is not registered on subnet %u and no coldkey was given", c->netuid);
        if (!yuma_sdk_register(n->client, &c->coldkey, &c->hotkey.pub, c->netuid, &r))
            return ts_fail(e, "registering: %s", r.message);
        fprintf(n->log, "registered on subnet %u at block %" PRIu64 "\n", c->netuid, r.height);
        if (!yuma_metagraph_sync(&n->mg, n->client, err, sizeof err)) return ts_fail(e, "metagraph: %s", err);
        me = yuma_metagraph_find(&n->mg, &c->hotkey.pub);
        if (!me) return ts_fail(e, "registered, but the hotkey is not in the metagraph");
    }
    yuma_axon_set_metagraph(n->axon, &n->mg);
    uint16_t port = yuma_axon_port(n->axon);
    if (!me->axon.served || me->axon.port != port || strcmp(me->axon.ip, c->ip) != 0) {
        if (!yuma_sdk_serve_axon(n->client, &c->hotkey, c->netuid, c->ip, port, 4, 1, &r))
            return ts_fail(e, "serve_axon: %s", r.message);
    }
    char text[64];
    if (c->role == YUMA_TRAINNET_MINER) snprintf(text, sizeof text, "ytrain1 miner %u", c->index);
    else snprintf(text, sizeof text, "ytrain1 validator %u", c->index);
    if (!yuma_sdk_set_commitment(n->client, &c->hotkey, c->netuid, text, strlen(text), &r))
        return ts_fail(e, "set_commitment: %s", r.message);
    fprintf(n->log, "chain uid %u serves %s:%u as training uid %u (\"%s\")\n", (unsigned)me->uid, c->ip,
            (unsigned)port, (unsigned)n->self, text);
    fflush(n->log);
    return true;
}

/* ---- state across restarts ------------------------------------------------------ */

static void hex32(const uint8_t h[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void state_id_init(tn_node *n)
{
    const yuma_trainnet_config *c = n->cfg;
    const ts_env *env = &n->env;
    n->state_id = (tn_state_id){.role = c->role,
                                .self = n->self,
                                .miners = c->sim.miners,
                                .validators = c->sim.validators,
                                .seed = c->sim.seed,
                                .start_block = c->start_block,
                                .n_params = env->n_params,
                                .n_norms = env->tl.n,
                                .n_dbg = env->n_dbg,
                                .tl = &env->tl,
                                .chunk = env->cfg.proto.compress.chunk,
                                .topk = env->cfg.proto.compress.topk};
}

/* Loads <dir>/state.bin when there is one. The line it logs carries the
 * checksum of the state as it now is in memory (encoded again), which
 * must be the file's: a restart resumes from exactly what was saved. */
static bool restore_state(tn_node *n, ts_err *e)
{
    state_id_init(n);
    uint64_t w;
    uint8_t file_sum[32];
    int st = tn_state_load(n->cfg->dir, &n->state_id, &w, n->miner_ready ? &n->miner : NULL,
                           n->val_ready ? &n->val : NULL, file_sum, e);
    if (st < 0) n->state_refused = true;
    if (st <= 0) return st == 0;
    uint8_t *again;
    size_t len;
    if (!tn_state_encode(&n->state_id, w, &n->miner, &n->val, &again, &len, e)) return false;
    bool same = memcmp(again + len - 32, file_sum, 32) == 0;
    char hex[65];
    hex32(again + len - 32, hex);
    free(again);
    if (!same) return ts_fail(e, "the state restored from %s/" TN_STATE_FILE " does not encode back to it", n->cfg->dir);
    fprintf(n->log, "state restored window %" PRIu64 " %s\n", w, hex);
    fflush(n->log);
    n->restored = true;
    n->restored_window = w;
    return true;
}

static bool save_state(tn_node *n, uint64_t w, ts_err *e)
{
    uint8_t sum[32];
    if (!tn_state_save(n->cfg->dir, &n->state_id, w, &n->miner, &n->val, sum, e)) return false;
    char hex[65];
    hex32(sum, hex);
    fprintf(n->log, "state saved window %" PRIu64 " %s\n", w, hex);
    fflush(n->log);
    return true;
}

/* ---- set-up ----------------------------------------------------------------- */

static bool node_init(tn_node *n, const yuma_trainnet_config *c, ts_err *e)
{
    char err[512];
    n->env.cfg = c->sim;
    yuma_gauntlet_params *gp = &n->env.cfg.gauntlet;
    gp->gather_count = c->sim.proto.gather;
    gp->reserve_count = c->sim.proto.reserve;
    gp->outer_lr = c->sim.proto.outer_lr;
    if (yuma_gauntlet_params_check(gp) != YUMA_GAUNTLET_OK) return ts_fail(e, "scoring parameters out of range");
    n->self = (uint16_t)(c->role == YUMA_TRAINNET_MINER ? c->index : c->sim.miners + c->index);
    snprintf(n->store_dir, sizeof n->store_dir, "%s/store", c->dir);
    snprintf(n->pub_dir, sizeof n->pub_dir, "%s/pub", c->dir);
    if (!make_dir(c->dir, e) || !make_dir(n->pub_dir, e)) return false;
    if (!env_init(n, e)) return false;
    if (yuma_astore_open(&n->env.store, n->store_dir, err, sizeof err) != YUMA_ASTORE_OK) return ts_fail(e, "%s", err);
    if (c->role == YUMA_TRAINNET_MINER) {
        n->adv = (yuma_adversary){.kind = c->kind, .uid = n->self, .from = 0, .until = UINT64_MAX};
        if (!ts_miner_init(&n->env, &n->miner, n->self, c->kind == YUMA_MINER_HONEST ? NULL : &n->adv, n->genesis, e))
            return false;
        n->miner_ready = true;
    } else {
        if (!ts_validator_init(&n->env, &n->val, n->self, c->index, n->genesis, e)) return false;
        n->val_ready = true;
    }
    /* before anything changes on disk or the network: a refused state starts nothing */
    if (!restore_state(n, e) || !tn_drop_unpublished(n, e)) return false;
    n->client = yuma_sdk_client_new(&(yuma_sdk_config){.url = c->rpc_url, .wait_blocks = 200}, err, sizeof err);
    if (!n->client) return ts_fail(e, "%s", err);
    yuma_metagraph_init(&n->mg, c->netuid);
    /* peers fetch a handful of files per window each: far above the default rate */
    yuma_axon_config ac = {.hotkey = c->hotkey.pub, .address = c->ip, .files_dir = n->pub_dir, .rate_per_s = 500};
    if (!(n->axon = yuma_axon_new(&ac, err, sizeof err)) || !yuma_axon_start(n->axon, err, sizeof err))
        return ts_fail(e, "axon: %s", err);
    if (!(n->dendrite = yuma_dendrite_new(&(yuma_dendrite_config){.caller = &c->hotkey})))
        return ts_fail(e, "out of memory (dendrite)");
    return true;
}

/* The lead's genesis files (first peer list, ckpt-0) are in its store
 * already: a restart must not post them again. */
static bool exists_genesis(const tn_node *n)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/%u/ckpt-0.bin.meta", n->store_dir, (unsigned)n->self);
    return access(path, F_OK) == 0;
}

/* ---- windows ------------------------------------------------------------------ */

static void log_model(tn_node *n, uint64_t w, const yuma_gpt *m)
{
    uint8_t h[32];
    char hex[65];
    yuma_gpt_hash(m, h);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    fprintf(n->log, "window %" PRIu64 " model %s\n", w, hex);
    fflush(n->log);
}

static uint64_t window_start(const tn_node *n, uint64_t w)
{
    return tn_block(n, w * n->cfg->sim.proto.blocks_per_window);
}

/* The block after window w's put window closes: validators and the
 * miners' gather read window w's uploads from here. */
static uint64_t after_put(const tn_node *n, uint64_t w)
{
    return window_start(n, w + 1) + n->cfg->sim.proto.put_blocks + 1;
}

/* Catches m up to theta_target: from the lead's newest checkpoint through
 * its aggregators as far as they go (a slow lead posts them late), then
 * the remaining windows by gathering the miners' uploads and taking the
 * outer step, as every honest node does (the same set, so the same model).
 * Called once the put window of target - 1 has closed. */
static bool catch_up(tn_node *n, uint64_t target, yuma_gpt *m, ts_err *e)
{
    char err[512];
    if (!tn_refresh_peers(n, e) || !tn_mirror(n, -1, e)) return false;
    uint64_t k = target, from = 0;
    for (;; k--) {
        yuma_artefact_status st =
            yuma_trainsim_catch_up(&n->env.store, n->env.lead, &n->env.cfg.proto, k, m, &from, err, sizeof err);
        if (st == YUMA_ARTEFACT_OK) break;
        if (st != YUMA_ARTEFACT_ERR_MISSING || k == 0)
            return ts_fail(e, "catch-up to window %" PRIu64 ": %s", target, err);
    }
    for (uint64_t w = k; w < target; w++) {
        ts_gather g;
        if (!ts_gather_run(&n->env, w, &g, e)) {
            ts_gather_free(&g);
            return false;
        }
        yuma_artefact_status st = yuma_trainsim_outer_step(&n->env.cfg.proto, &n->env.tl, g.ptr, g.n,
                                                           yuma_gpt_params(m), n->env.scratch);
        ts_gather_free(&g);
        if (st != YUMA_ARTEFACT_OK)
            return ts_fail(e, "catch-up: outer step of window %" PRIu64 ": %s", w, yuma_artefact_strerror(st));
    }
    fprintf(n->log, "caught up to window %" PRIu64 " from checkpoint %" PRIu64 " (the lead's aggregators to window %" PRIu64
                    ", then %" PRIu64 " window(s) gathered)\n",
            target, from, k, target - k);
    return true;
}

static bool miner_window(tn_node *n, uint64_t w, ts_err *e)
{
    if (!wait_until(n, window_start(n, w), e)) return false;
    if (!ts_miner_work(&n->env, &n->miner, w, e)) return false;
    /* the upload appears in the put window: not before it opens */
    if (!wait_until(n, window_start(n, w + 1), e) || !tn_publish(n, e)) return false;
    if (n->head > window_start(n, w + 1) + n->cfg->sim.proto.put_blocks)
        fprintf(n->log, "window %" PRIu64 ": the upload went out after the put window (block %" PRIu64 ")\n", w,
                n->head);
    if (!wait_until(n, after_put(n, w), e)) return false;
    if (!tn_refresh_peers(n, e) || !tn_mirror(n, -1, e)) return false;
    if (!ts_miner_sync(&n->env, &n->miner, w, e) || !tn_publish(n, e)) return false;
    log_model(n, w, n->miner.theta);
    return save_state(n, w, e);
}

/* set_weights from the validator's scores, mapped to chain uids. A rate
 * limit keeps them pending until the block the chain names. */
static void set_weights(tn_node *n, uint64_t w, uint64_t *retry_at, bool *pending)
{
    uint16_t uids[TS_MAX_PEERS] = {0};
    double scores[TS_MAX_PEERS] = {0};
    size_t k = 0;
    for (uint32_t u = 0; u < n->cfg->sim.miners; u++) {
        if (!n->peers[u].known) continue;
        uids[k] = (uint16_t)n->peers[u].chain_uid;
        scores[k++] = n->val.weights[u] > 0 ? n->val.weights[u] : 0;
    }
    yuma_sdk_tx_result r;
    if (yuma_sdk_set_weights(n->client, &n->cfg->hotkey, n->cfg->netuid, uids, scores, k, 0, &r)) {
        fprintf(n->log, "window %" PRIu64 ": weights set at block %" PRIu64 ":", w, r.height);
        for (size_t i = 0; i < k; i++) fprintf(n->log, " %u=%.4f", (unsigned)uids[i], scores[i]);
        fprintf(n->log, "\n");
        *pending = false;
    } else if (r.retry_at_block) {
        fprintf(n->log, "window %" PRIu64 ": weights wait for block %" PRIu64 " (%s)\n", w, r.retry_at_block, r.message);
        *retry_at = r.retry_at_block;
        *pending = true;
    } else {
        fprintf(n->log, "window %" PRIu64 ": weights not set: %s\n", w, r.message);
        *pending = false;
    }
    fflush(n->log);
}

/* The lead posts the peer list for window e = w + 1 + margin after window
 * w. Readers gather window e with the newest list they hold, so a list
 * that appears once window e has begun would reach the miners (who gather
 * e promptly) and a validator running late at different times: their
 * gather sets, and models, would part. A lead that is that late (running
 * behind, or resuming after a restart) withholds the list instead, and
 * every node, itself included, keeps the older one. */
static bool withhold_late_peers(tn_node *n, uint64_t w, ts_err *e)
{
    const yuma_trainsim_config *c = &n->cfg->sim;
    if (n->val.index != 0 || (w + 1) % c->proto.peer_refresh != 0) return true;
    uint64_t eff = w + 1 + c->proto.peer_margin;
    char err[256];
    if (!yuma_sdk_head(n->client, &n->head, err, sizeof err)) return ts_fail(e, "chain head: %s", err);
    if (n->head < window_start(n, eff)) return true;
    char path[8400];
    snprintf(path, sizeof path, "%s/%u/peers-%" PRIu64 ".txt.meta", n->store_dir, (unsigned)n->self, eff);
    bool ok = unlink(path) == 0 || errno == ENOENT; /* the .meta first: the object is gone for readers at once */
    path[strlen(path) - 5] = 0;
    ok = ok && (unlink(path) == 0 || errno == ENOENT);
    if (!ok) return ts_fail(e, "cannot remove %s: %s", path, strerror(errno));
    fprintf(n->log, "withheld peers-%" PRIu64 ".txt: window %" PRIu64 " began at block %" PRIu64 ", before it was ready\n",
            eff, eff, window_start(n, eff));
    return true;
}

static bool validator_window(tn_node *n, uint64_t w, uint64_t *retry_at, bool *pending, ts_err *e)
{
    if (*pending && *retry_at <= after_put(n, w)) {
        if (!wait_until(n, *retry_at, e)) return false;
        set_weights(n, w, retry_at, pending);
    }
    if (!wait_until(n, after_put(n, w), e)) return false;
    if (!tn_refresh_peers(n, e) || !tn_mirror(n, -1, e)) return false;
    yuma_miner_kind kinds[TS_MAX_PEERS] = {YUMA_MINER_HONEST}; /* only the overlap statistic reads them */
    if (!ts_validator_process(&n->env, &n->val, w, kinds, e) || !withhold_late_peers(n, w, e) || !tn_publish(n, e))
        return false;
    log_model(n, w, n->val.theta);
    fprintf(n->log, "window %" PRIu64 " scores:", w);
    for (uint32_t u = 0; u < n->cfg->sim.miners; u++)
        fprintf(n->log, " %u:%s/%.4f", u, yuma_upload_status_name(n->val.ev[u].status), n->val.weights[u]);
    fprintf(n->log, "\n");
    if (n->val.index == 0 && n->n_heldout)
        fprintf(n->log, "heldout %" PRIu64 " %.6f\n", w,
                yuma_gpt_eval(n->env.ws, n->val.theta, n->heldout, n->n_heldout, NULL));
    fflush(n->log);
    if (w % n->cfg->sim.windows_per_weights == 0) set_weights(n, w, retry_at, pending);
    return save_state(n, w, e);
}

/* Whether every validator has published its debug file for window w
 * (mirrored from its axon now): it has read the miners' uploads of w. */
static bool validators_done(tn_node *n, uint64_t w)
{
    ts_err quiet = {NULL, 0};
    if (!tn_refresh_peers(n, &quiet)) return false;
    for (uint32_t j = 0; j < n->cfg->sim.validators; j++) {
        uint16_t uid = (uint16_t)(n->cfg->sim.miners + j);
        char path[8400];
        snprintf(path, sizeof path, "%s/%u/debug-%" PRIu64 "-%u.bin", n->store_dir, (unsigned)uid, w, (unsigned)uid);
        if (access(path, F_OK) == 0) continue;
        if (!tn_mirror(n, uid, &quiet) || access(path, F_OK) != 0) return false;
    }
    return true;
}

/* The first window this process takes part in: 0 before window 0 starts;
 * afterwards (a restart or a late start) the next window, from the model
 * caught up to it. */
static bool first_window(tn_node *n, uint64_t *w, ts_err *e)
{
    char err[256];
    if (!yuma_sdk_head(n->client, &n->head, err, sizeof err)) return ts_fail(e, "chain head: %s", err);
    uint64_t bpw = n->cfg->sim.proto.blocks_per_window;
    if (n->head < window_start(n, 0) + (n->cfg->role == YUMA_TRAINNET_MINER ? 0 : bpw)) {
        *w = 0;
        return true;
    }
    uint64_t cur = (n->head - n->cfg->start_block) / bpw;
    if (n->cfg->role == YUMA_TRAINNET_MINER) {
        /* a catch-up that misses its window (the lead's files not there in
         * time, a peer unreachable) tries the next one */
        for (*w = cur + 1; *w < n->cfg->sim.windows; (*w)++) {
            if (!wait_until(n, after_put(n, *w - 1) + 1, e)) return false;
            fprintf(n->log, "joining at window %" PRIu64 "\n", *w);
            char msg[512];
            ts_err ce = {msg, sizeof msg};
            if (catch_up(n, *w, n->miner.theta, &ce)) return true;
            if (*n->stop) return false;
            fprintf(n->log, "%s; trying the next window\n", msg);
            fflush(n->log);
        }
        return true;
    }
    /* a validator processes window cur next: its uploads are in by
     * after_put(cur). One that saved its state after window s < cur - 1
     * resumes at s + 1 instead, when that is at most VALIDATOR_BACKLOG
     * windows back: the miners still serve those windows' uploads, with
     * the blocks they appeared at, so it scores and gathers them exactly as
     * it would have, and its ratings and model come out as if it had
     * never stopped (only later); a peer list it would post too late is
     * withheld (withhold_late_peers). */
    *w = cur;
    if (n->restored && n->restored_window + 1 < cur && cur - (n->restored_window + 1) <= VALIDATOR_BACKLOG)
        *w = n->restored_window + 1;
    fprintf(n->log, "joining at window %" PRIu64 "\n", *w);
    if (!wait_until(n, after_put(n, *w - 1) + 1, e)) return false;
    return catch_up(n, *w, n->val.theta, e); /* the lead replays its own files */
}

int yuma_trainnet_run(const yuma_trainnet_config *c, volatile sig_atomic_t *stop, FILE *log, char *err,
                      size_t errlen)
{
    if (!yuma_trainnet_config_check(c, err, errlen)) return 1;
    tn_node *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    n->cfg = c;
    n->log = log;
    n->stop = stop;
    ts_err e = {err, errlen};
    bool ok = node_init(n, c, &e) && join(n, &e);
    uint64_t w = 0, retry_at = 0;
    bool pending = false;
    if (ok && c->role == YUMA_TRAINNET_VALIDATOR && c->index == 0 && !exists_genesis(n)) {
        ok = ts_validator_genesis(&n->env, &n->val, &e) && tn_publish(n, &e);
    }
    ok = ok && first_window(n, &w, &e);
    for (; ok && w < c->sim.windows && !*stop; w++)
        ok = c->role == YUMA_TRAINNET_MINER ? miner_window(n, w, &e) : validator_window(n, w, &retry_at, &pending, &e);
    /* peers read this process's last files after its last window: keep
     * serving until the validators have processed that window (a miner
     * waits for their debug files of it, for three windows at most) */
    if (ok && !*stop && c->sim.windows > 0) {
        uint64_t last = c->sim.windows - 1, bpw = c->sim.proto.blocks_per_window;
        ts_err quiet = {NULL, 0};
        if (c->role == YUMA_TRAINNET_MINER) {
            uint64_t until = after_put(n, last) + 3 * bpw;
            while (!validators_done(n, last) && n->head < until && wait_until(n, n->head + 1, &quiet)) {
            }
        } else {
            wait_until(n, after_put(n, last) + bpw / 2, &quiet);
        }
    }
    if (ok || *stop) {
        fprintf(log, "done: %" PRIu64 " files mirrored, %" PRIu64 " refused\n", n->fetched, n->refused);
        fflush(log);
    }
    int rc = ok || *stop ? 0 : n->state_refused ? 2 : 1;
    node_free(n);
    free(n);
    return rc;
}
