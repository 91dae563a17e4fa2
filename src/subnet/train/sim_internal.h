/*
 * sim_internal.h - what the training subnet's roles share inside the
 * simulation (sim.c, sim_env.c, sim_net.c, miner*.c, validator.c) and
 * with a node on a chain (net_internal.h): the environment every node
 * reads (configuration, corpus, store, tensor list, workspace), peer
 * lists, fetching and gathering updates, and the miner and validator
 * state. The simulated chain is apart, in sim_chain.h, which only sim.c
 * needs: a node on a real chain sets weights by transactions.
 */
#ifndef YUMA_SIM_INTERNAL_H
#define YUMA_SIM_INTERNAL_H

#include "subnet/train/train_err.h"
#include "yuma/trainsim.h"
#include "yuma/update.h"

#define TS_MAX_PEERS YUMA_TRAINSIM_MAX_MINERS

/* ---- the environment ---------------------------------------------------- */

typedef struct {
    yuma_trainsim_config cfg;
    const yuma_corpus *corpus;
    uint64_t n_train;              /* training samples of ctx + 1 bytes */
    yuma_astore store;
    yuma_gpt_ws *ws;
    yuma_tensor_desc *descs;
    yuma_tensor_list tl;
    yuma_tile_geom *geom;          /* per tensor */
    size_t n_params;
    size_t *dbg_pos;               /* yuma_debug_positions */
    size_t n_dbg;
    yuma_lr_schedule sched;        /* over windows * H inner steps */
    uint32_t pool_size;            /* H * B */
    uint16_t lead;                 /* the lead validator's uid */
    const uint8_t **seqs;          /* scratch: sequence pointers */
    uint64_t *ids;                 /* scratch: sample ids */
    size_t scratch_n;              /* entries in seqs and ids */
    float *scratch;                /* n_params floats */
} ts_env;

/* Sets up env from env->cfg (sim_env.c), all but the store: *genesis gets
 * the model seeded with cfg.seed (the caller frees it, also after a
 * failure), the workspace takes batches of max(B, 64, big_batch). After a
 * failure env holds what was made so far, for ts_env_free. */
bool ts_env_init(ts_env *env, uint32_t big_batch, yuma_gpt **genesis, ts_err *e);
/* Frees what ts_env_init made and closes the store. */
void ts_env_free(ts_env *env);
/* The first min(want, available) held-out windows of the corpus (*n of
 * them); NULL when out of memory. */
const uint8_t **ts_heldout_windows(const ts_env *env, size_t want, size_t *n);

/* start(w) = w * blocks_per_window */
uint64_t ts_window_start(const ts_env *env, uint64_t w);
/* Sample pointers of ids into env->seqs (n <= scratch_n). */
const uint8_t *const *ts_samples(ts_env *env, const uint64_t *ids, size_t n);
/* The kind a miner behaves as in window w. */
yuma_miner_kind ts_kind_at(const yuma_adversary *adv, uint64_t w);

/* ---- peer lists and gathering (sim_net.c) ----------------------------- */

typedef struct {
    uint32_t n_gather, n_reserve;
    uint16_t gather[TS_MAX_PEERS], reserve[TS_MAX_PEERS];
} ts_peers;

/* peers-<effective>.txt of the lead: "peers E\ngather u u ...\nreserve u ...\n". */
bool ts_peers_post(ts_env *env, uint64_t effective, const ts_peers *p, uint64_t block, ts_err *e);
/* The newest list effective at or before w (looking back at most
 * 2 * peer_refresh + peer_margin windows); false when none is there. */
bool ts_peers_read(ts_env *env, uint64_t w, ts_peers *out, ts_err *e);

/* One uid's upload for a window as a node fetched it. */
typedef struct {
    uint16_t uid;
    yuma_upload_status status;
    uint64_t stamp;
    uint8_t *bytes;
    size_t len;
    yuma_sparse_update upd;        /* decoded when status is OK */
} ts_fetched;

/* Fetches and checks gradient-<w>-<uid>: stamp inside the put window,
 * decoder checks (window, uid, model, encoding). false only on a runtime
 * failure (I/O other than absence, memory). */
bool ts_fetch(ts_env *env, uint16_t uid, uint64_t w, ts_fetched *f, ts_err *e);
void ts_fetched_free(ts_fetched *f);

typedef struct {
    ts_peers list;
    size_t n;                      /* gathered, ascending uid */
    ts_fetched f[TS_MAX_PEERS];
    const yuma_sparse_update *ptr[TS_MAX_PEERS];
    uint32_t listed;               /* gather-list members */
    uint32_t listed_ok;            /* of those, gathered */
    uint16_t missed[TS_MAX_PEERS]; /* gather-list members not gathered */
    size_t n_missed;
} ts_gather;

/* The gather of §3.5: the gather list, failures replaced from the reserve
 * list in order. */
bool ts_gather_run(ts_env *env, uint64_t w, ts_gather *g, ts_err *e);
void ts_gather_free(ts_gather *g);

/* debug-<w>-<uid> (§7.5 step 8): the model's hash and debug values. */
bool ts_write_debug(ts_env *env, uint16_t uid, uint64_t w, const yuma_gpt *theta, uint64_t block, ts_err *e);

/* ---- miners (miner.c) ---------------------------------------------------- */

typedef struct {
    uint16_t uid;
    const yuma_adversary *adv;     /* NULL: honest */
    yuma_gpt *theta;               /* its replica of the global model */
    yuma_adamw *opt;               /* kept across windows (§7.5 step 3) */
    float *ef;                     /* error feedback */
    float *delta;                  /* theta_start, then the pseudo-gradient */
    uint64_t *pool;
    yuma_rng rng;                  /* private draws: the skipper's samples, the noise */
    double *norms;                 /* per tensor: the last gather's median norms (noise) */
    bool have_norms;
    yuma_sparse_update kept;       /* stale: the update it re-sends */
    bool have_kept;
    bool desynced;                 /* trains on its own model, ignores the aggregate */
    uint32_t caught_up;            /* catch-ups so far */
    size_t upload_bytes;           /* this window's upload (0: none) */
} ts_miner;

bool ts_miner_init(ts_env *env, ts_miner *m, uint16_t uid, const yuma_adversary *adv, const yuma_gpt *genesis,
                   ts_err *e);
void ts_miner_free(ts_miner *m);
/* §7.5 steps 1-6: train (or misbehave) and upload gradient-<w>-<uid>.
 * Copiers do nothing here: they run in ts_miner_copy, after the others. */
bool ts_miner_work(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);
bool ts_miner_copy(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);
/* §7.5 steps 7-8: gather, outer step, debug-<w>-<uid>. */
bool ts_miner_sync(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);
/* §7.5 step 1 before window w's work: the model's hash against the lead
 * validator's published one; on a mismatch, catch-up from the checkpoint
 * and the aggregators (§3.7). */
bool ts_miner_check_sync(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);

/* ---- validators (validator.c) -------------------------------------------- */

typedef struct {
    yuma_upload_status status;
    bool gathered, evaluated;
    double g, i_own, i_rand, sync, sync_x;
    int b;
    yuma_copy_verdict copy;
} ts_eval;

typedef struct {
    uint16_t uid;
    uint32_t index;                /* 0 = the lead */
    uint64_t secret;               /* seeds its random evaluation data */
    yuma_gpt *theta, *trial;
    yuma_gauntlet_params gp;
    yuma_gauntlet_peer peers[TS_MAX_PEERS];
    uint64_t last_seen[TS_MAX_PEERS]; /* last window with an upload + 1 (0: never) */
    float *avg_change, *before, *after;
    bool *have_change;
    double weights[TS_MAX_PEERS];
    double *norms;
    const uint8_t **own_seqs, **rand_seqs;
    uint64_t *own_ids, *pick;      /* the pool, and the subset evaluated */
    ts_eval ev[TS_MAX_PEERS];      /* this window */
    ts_fetched fetched[TS_MAX_PEERS];
    ts_gather gather;
    uint32_t gathered;
    double honest_overlap_max;     /* lead: among honest uploads this window (-1: none) */
} ts_validator;

bool ts_validator_init(ts_env *env, ts_validator *v, uint16_t uid, uint32_t index, const yuma_gpt *genesis,
                       ts_err *e);
void ts_validator_free(ts_validator *v);
/* §4.2 for window w, then the outer step to theta_{w+1} and, for the lead,
 * the aggregator, peer list and checkpoint files. `kinds` (per miner) is
 * only read for the honest-overlap statistic. */
bool ts_validator_process(ts_env *env, ts_validator *v, uint64_t w, const yuma_miner_kind *kinds, ts_err *e);
/* The lead's first peer list and checkpoint (before window 0). */
bool ts_validator_genesis(ts_env *env, ts_validator *v, ts_err *e);

#endif
