/*
 * trainsim.h - the training subnet at work (training-subnet.md §3-4 and §7,
 * with the measured calibration at the top of §7): the miner and validator
 * roles, the artefact store they share (a directory standing in for the
 * buckets, §7.2), the files they exchange (gradients, debug values, peer
 * lists, aggregators, checkpoints), catch-up from a checkpoint plus the
 * stored aggregators, and `sim`: a deterministic single-process
 * discrete-event loop over windows that runs N miners (honest or
 * adversarial) and V validators and pays emissions with the chain's real
 * Yuma Consensus (libyuma's yuma_epoch).
 *
 * Time is logical: a window is blocks_per_window blocks, a miner's upload
 * for window w must carry a block stamp in the put window
 * [start(w+1), start(w+1) + put_blocks], and validators process window w
 * one block after the put window closes. Nothing reads a clock, so a seed
 * reproduces a run bit for bit (the same model hash, the same emissions)
 * on any thread count.
 */
#ifndef YUMA_TRAINSIM_H
#define YUMA_TRAINSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/aggregate.h"
#include "yuma/compress.h"
#include "yuma/corpus.h"
#include "yuma/gauntlet.h"
#include "yuma/gpt.h"

/* ---- the artefact store (store_dir.c) ----------------------------------
 *
 * root/<owner uid>/<name>, written to a temporary file and renamed, so a
 * reader sees the whole object or none of it. Each object has a sidecar
 * <name>.meta ("block N\nsize S\n") written (the same way) after it: the
 * block stamp standing in for S3's LastModified. An object counts as
 * present once its .meta exists and names the object's size. */

typedef enum {
    YUMA_ASTORE_OK = 0,
    YUMA_ASTORE_ERR_ARG,        /* a NULL pointer */
    YUMA_ASTORE_ERR_NAME,       /* an object name that is empty, too long, or not [A-Za-z0-9._-] with no leading dot */
    YUMA_ASTORE_ERR_NOT_FOUND,  /* no such object (or its .meta is absent) */
    YUMA_ASTORE_ERR_IO,         /* a file or directory could not be created, written, read or renamed */
    YUMA_ASTORE_ERR_META,       /* a malformed .meta, or one whose size is not the object's */
    YUMA_ASTORE_ERR_NOMEM,
} yuma_astore_status;

const char *yuma_astore_strerror(yuma_astore_status s);

typedef struct {
    char *root;
} yuma_astore;

/* Opens (creating it if absent; its parent must exist) the store at root.
 * On error *s is zeroed and err says why. */
yuma_astore_status yuma_astore_open(yuma_astore *s, const char *root, char *err, size_t errlen);
void yuma_astore_close(yuma_astore *s);

/* Writes object name of owner with block stamp `block` (replacing any
 * older one). On error what was there stays. */
yuma_astore_status yuma_astore_put(const yuma_astore *s, uint16_t owner, const char *name, const void *data,
                                   size_t len, uint64_t block, char *err, size_t errlen);

/* Reads an object: *data (malloc'd, the caller frees; NULL when len is 0),
 * *len and its stamp. On error *data is NULL. */
yuma_astore_status yuma_astore_get(const yuma_astore *s, uint16_t owner, const char *name, uint8_t **data,
                                   size_t *len, uint64_t *block, char *err, size_t errlen);

/* ---- the protocol every node must agree on ---------------------------- */

typedef struct {
    yuma_compress_params compress;   /* §7.5: EF 0.95/1, 64x64 tiles, top-64, 4-level LUT */
    yuma_agg_mode agg_mode;          /* mean over contributors (Templar at HEAD) */
    float outer_lr;                  /* 1.0 */
    uint32_t blocks_per_window;      /* 10 */
    uint32_t put_blocks;             /* 2: uploads for w must be stamped in [start(w+1), start(w+1) + 2] */
    uint32_t gather;                 /* gather list size G: 4 */
    uint32_t reserve;                /* reserve list size: 2 */
    uint32_t peer_refresh;           /* a new peer list every 5 windows */
    uint32_t peer_margin;            /* ... effective 1 window after it is posted */
    uint32_t checkpoint_every;       /* the lead validator's ckpt-<w>.bin every 10 windows */
    uint32_t recent_windows;         /* active = an upload in this window or the 2 before */
} yuma_trainsim_protocol;

yuma_trainsim_protocol yuma_trainsim_protocol_defaults(void);

/* ---- the files nodes exchange (sim_files.c) --------------------------- */

typedef enum {
    YUMA_ARTEFACT_OK = 0,
    YUMA_ARTEFACT_ERR_ARG,
    YUMA_ARTEFACT_ERR_NOMEM,
    YUMA_ARTEFACT_ERR_TRUNCATED,     /* ends inside a field or before the CRC */
    YUMA_ARTEFACT_ERR_TRAILING,      /* bytes after the CRC */
    YUMA_ARTEFACT_ERR_MAGIC,
    YUMA_ARTEFACT_ERR_VERSION,
    YUMA_ARTEFACT_ERR_WINDOW,        /* not the window asked for */
    YUMA_ARTEFACT_ERR_UID,           /* not the uid asked for */
    YUMA_ARTEFACT_ERR_MODEL,         /* a configuration or size that is not the model's */
    YUMA_ARTEFACT_ERR_VALUE,         /* a non-finite parameter or debug value */
    YUMA_ARTEFACT_ERR_HASH,          /* a checkpoint whose parameters do not hash to its stated hash */
    YUMA_ARTEFACT_ERR_ORDER,         /* aggregator peers not in ascending uid order (or repeated) */
    YUMA_ARTEFACT_ERR_CRC,
    YUMA_ARTEFACT_ERR_PEER,          /* an aggregator entry's update is refused by the update decoder */
    YUMA_ARTEFACT_ERR_MISSING,       /* catch-up: no checkpoint at or before the target, or an aggregator absent */
} yuma_artefact_status;

const char *yuma_artefact_strerror(yuma_artefact_status s);

/* debug-<w>-<uid>.bin (§7.5 step 8): "YDBG", version u16, window u64,
 * uid u16, the BLAKE2b-256 hash of the model after the outer step, n u32,
 * n f32 values (2 per tensor at yuma_debug_positions), CRC-32. */
typedef struct {
    uint64_t window;
    uint16_t uid;
    uint8_t hash[32];
    uint32_t n;
    float *values;                   /* owned by a decoded record */
} yuma_debug_record;

yuma_artefact_status yuma_debug_encode(const yuma_debug_record *r, uint8_t **out, size_t *len);
/* Checks window, uid and n (the expected count) and that every value is
 * finite. */
yuma_artefact_status yuma_debug_decode(const uint8_t *data, size_t len, uint64_t window, uint16_t uid, uint32_t n,
                                       yuma_debug_record *out);
void yuma_debug_record_free(yuma_debug_record *r);

/* ckpt-<w>.bin: "YCKP", version u16, window u64 (the model is theta_w, the
 * model at the start of window w), the configuration (6 x u32), n_params
 * u64, the model hash, the parameters (f32), CRC-32. */
yuma_artefact_status yuma_checkpoint_encode(uint64_t window, const yuma_gpt *m, uint8_t **out, size_t *len);
/* Loads into m (same configuration) after checking everything; m is left
 * unchanged on error. */
yuma_artefact_status yuma_checkpoint_decode(const uint8_t *data, size_t len, uint64_t window, yuma_gpt *m);

/* aggregator-<w>.bin (§3.7): the lead validator's gathered set for window
 * w, replayed by nodes catching up: "YAGG", version u16, window u64, n u32,
 * then per peer in ascending uid order: uid u16, stamp u64, len u32, the
 * update file's bytes; CRC-32. */
typedef struct {
    uint16_t uid;
    uint64_t stamp;
    const uint8_t *bytes;
    size_t len;
} yuma_aggregator_entry;

yuma_artefact_status yuma_aggregator_encode(uint64_t window, const yuma_aggregator_entry *e, size_t n,
                                            uint8_t **out, size_t *len);
/* *entries (malloc'd) point into data. */
yuma_artefact_status yuma_aggregator_decode(const uint8_t *data, size_t len, uint64_t window,
                                            yuma_aggregator_entry **entries, size_t *n);

/* The outer step every node takes for a window from its gathered updates
 * (§3.6): median-norm clip, mean over contributors, theta -= outer_lr * agg.
 * scratch holds tl->total floats. Nothing happens when n is 0. */
yuma_artefact_status yuma_trainsim_outer_step(const yuma_trainsim_protocol *p, const yuma_tensor_list *tl,
                                              const yuma_sparse_update *const *updates, size_t n, float *theta,
                                              float *scratch);

/* The tensor list of a model (one entry per yuma_gpt_tensors entry).
 * descs holds yuma_gpt_num_tensors(m) entries. */
void yuma_trainsim_tensor_list(const yuma_gpt *m, yuma_tensor_desc *descs, yuma_tensor_list *tl);

/*
 * Catch-up (§3.7): a node that fell behind loads the newest of the lead
 * validator's checkpoints at or before `target` and replays every later
 * window's aggregator through the same outer step, ending with theta_target
 * in m. *from (may be NULL) gets the checkpoint's window. m is unchanged on
 * error (err says which file and why).
 */
yuma_artefact_status yuma_trainsim_catch_up(const yuma_astore *st, uint16_t lead, const yuma_trainsim_protocol *p,
                                            uint64_t target, yuma_gpt *m, uint64_t *from, char *err, size_t errlen);

/* ---- the simulation (sim.c, miner.c, validator.c, sim_chain.c) --------- */

typedef enum {
    YUMA_MINER_HONEST = 0,
    YUMA_MINER_NOISE,        /* A1: random indices, Gaussian values at the honest median norm */
    YUMA_MINER_NOISE100,     /* A1 variant: 100x that norm */
    YUMA_MINER_COPIER,       /* A2: the victim's update re-signed as its own, uploaded one block later */
    YUMA_MINER_LAZY,         /* A3: H/5 inner steps (on the first H/5 batches of its pool) */
    YUMA_MINER_FREERIDER,    /* A4: registered, uploads nothing */
    YUMA_MINER_STALE,        /* A5a: trains once, then re-uploads that update every window */
    YUMA_MINER_ZERO,         /* A5b: all-zero values (refused by the decoder: scale 0) */
    YUMA_MINER_LATE,         /* A5c: honest, but stamped one block after the put window */
    YUMA_MINER_SKIPPER,      /* A6: trains honestly on random samples that are not its pool */
    YUMA_MINER_DESYNC,       /* A7: never applies the aggregate (until `until`, then catches up) */
    YUMA_MINER_KINDS
} yuma_miner_kind;

/* "honest", "noise", "noise100", "copier", "lazy", "freerider", "stale",
 * "zero", "late", "skipper", "desync". */
const char *yuma_miner_kind_name(yuma_miner_kind k);
bool yuma_miner_kind_parse(const char *name, yuma_miner_kind *out);

typedef struct {
    yuma_miner_kind kind;
    uint16_t uid;
    uint64_t from;           /* honest before this window */
    uint64_t until;          /* and again from this window (UINT64_MAX: never); desync resyncs here */
    uint16_t victim;         /* copier: whose update it copies */
} yuma_adversary;

#define YUMA_TRAINSIM_MAX_MINERS 16u   /* validators evaluate every eval peer (§7.6: all while <= 16) */
#define YUMA_TRAINSIM_MAX_VALIDATORS 8u

typedef enum {
    YUMA_SIM_SPARSE = 0,     /* the subnet: compressed updates, validators, emissions */
    YUMA_SIM_DENSE,          /* §7.8 baseline 3: dense pseudo-gradients averaged, outer lr 1.0, no momentum */
    YUMA_SIM_SINGLE,         /* baseline 2: one miner alone (uid 0's pools), the same rounds */
    YUMA_SIM_CENTRAL,        /* baseline 1: one model on the union of the miners' pools, batch R*B */
} yuma_sim_mode;

const char *yuma_sim_mode_name(yuma_sim_mode m);

typedef struct {
    char config_name[8];             /* "T0", "T1", "T2" */
    yuma_gpt_config model;
    uint32_t inner_steps;            /* H: T0 5, T1 10 */
    uint32_t batch;                  /* B: T0 8, T1 16 */
    double inner_lr;                 /* peak, 5 % warm-up, cosine to 0.1x over windows * H steps: 4e-3 */
    yuma_adamw_config adamw;
    uint64_t windows;
    uint32_t miners;                 /* uids 0..miners-1; the adversaries' uids misbehave, the rest are honest */
    yuma_adversary adversaries[YUMA_TRAINSIM_MAX_MINERS];
    size_t n_adversaries;
    uint32_t validators;             /* uids miners..miners+V-1, stake descending: the first is the lead */
    uint64_t seed;                   /* model init, validators' secrets, adversaries' draws */
    yuma_sim_mode mode;
    const yuma_corpus *corpus;       /* borrowed */
    const char *store_dir;           /* the artefact store (sparse mode) */
    uint32_t threads;                /* matrix-kernel threads, 1..64 */
    yuma_trainsim_protocol proto;
    /* validator (§4.2, §7.6, calibration box) */
    uint32_t e_own;                  /* own sequences per evaluation: 0 = the whole pool, else a random subset */
    uint32_t e_rand;                 /* random sequences, >= 32 */
    double eval_lr_factor;           /* 0.2 */
    yuma_gauntlet_params gauntlet;   /* gather_count and reserve_count follow proto */
    uint32_t windows_per_weights;    /* set_weights every 2 windows */
    /* chain */
    uint32_t tempo;                  /* blocks between epochs: 20 */
    uint64_t emission_per_block;     /* rao: 1e9 */
    uint64_t validator_stake;        /* rao of the lead; validator j holds (V - j) / V of it */
    /* observation */
    uint32_t heldout_every;          /* held-out loss every k windows (0: only after the last) */
    uint32_t heldout_windows;        /* held-out windows evaluated (0: all, at most 256) */
} yuma_trainsim_config;

/* The defaults for a named configuration (T0: H 5, B 8; T1: H 10, B 16;
 * T2: H 10, B 16); 4 honest miners, 1 validator, 40 windows, sparse mode.
 * false for an unknown name. */
bool yuma_trainsim_defaults(const char *config_name, yuma_trainsim_config *out);

/* Checks a configuration (every field's range, adversary uids distinct and
 * below miners, a copier's victim a different miner, a corpus with enough
 * samples for a pool); false with a one-line reason. */
bool yuma_trainsim_config_check(const yuma_trainsim_config *c, char *err, size_t errlen);

typedef enum {
    YUMA_UPLOAD_NONE = 0,            /* no file */
    YUMA_UPLOAD_OK,
    YUMA_UPLOAD_EARLY,               /* stamped before the put window */
    YUMA_UPLOAD_LATE,                /* stamped after it */
    YUMA_UPLOAD_INVALID,             /* refused by the decoder */
} yuma_upload_status;

const char *yuma_upload_status_name(yuma_upload_status s);

/* One miner in one window, as the lead validator saw it. */
typedef struct {
    uint16_t uid;
    yuma_miner_kind kind;            /* its kind (honest while outside [from, until)) */
    yuma_upload_status upload;
    size_t upload_bytes;
    bool gathered;                   /* in this window's aggregate */
    bool evaluated;                  /* scored this window (a valid upload was measured) */
    double g, i_own, i_rand;         /* this window's measurements (when evaluated) */
    int b;
    double B, F, weight, sync, sync_x;
    double ordinal;
    yuma_copy_level copy;            /* this window's verdict as an offender */
    double copy_overlap;
    bool in_sync;                    /* its model hash after the window equals the lead validator's */
    uint32_t catch_ups;              /* times it found its model differing from the lead's and caught up */
    uint64_t emission;               /* rao received so far */
} yuma_trainsim_miner_report;

typedef struct {
    uint64_t window;
    uint64_t block;                  /* the chain's block after the window */
    double heldout;                  /* nats per byte of the global model after the window; NAN when not measured */
    uint8_t model_hash[32];          /* the lead validator's model after the window (theta_{w+1}) */
    uint32_t gathered;               /* peers in the aggregate */
    uint32_t nodes_in_sync, nodes;   /* honest miners and validators whose model equals the lead's */
    uint32_t epochs;                 /* Yuma epochs run so far */
    double honest_overlap_max;       /* the largest pairwise overlap (2-D tiles) among honest uploads; -1: none */
    size_t miner_count;
    const yuma_trainsim_miner_report *m;
    uint64_t *validator_emission;    /* rao received so far, per validator */
} yuma_trainsim_window_report;

typedef struct yuma_trainsim yuma_trainsim;

/* Builds a simulation (models, validators, the store); NULL with a reason.
 * The configuration is copied (its corpus is borrowed). */
yuma_trainsim *yuma_trainsim_new(const yuma_trainsim_config *c, char *err, size_t errlen);
void yuma_trainsim_free(yuma_trainsim *s);

/* Runs the next window. *report stays valid until the next call. false
 * with a reason on a runtime failure (memory, the store). */
bool yuma_trainsim_step(yuma_trainsim *s, const yuma_trainsim_window_report **report, char *err, size_t errlen);
/* Windows run so far. */
uint64_t yuma_trainsim_window(const yuma_trainsim *s);

/* The global model (the lead validator's; in the baselines, the model). */
const yuma_gpt *yuma_trainsim_model(const yuma_trainsim *s);
/* The held-out loss of the global model now (nats per byte). */
double yuma_trainsim_heldout(yuma_trainsim *s);
/* A node's model: miner uid (its own replica), or NULL when it has none. */
const yuma_gpt *yuma_trainsim_miner_model(const yuma_trainsim *s, uint16_t uid);
/* Bytes of a dense fp32 update of the model (the comparison of §7.9). */
size_t yuma_trainsim_dense_bytes(const yuma_trainsim *s);

#endif
