/*
 * epoch.h - one subnet's Yuma Consensus epoch, as the chain runs it.
 *
 * yuma_epoch() is a pure function: it reads a subnet's epoch inputs (stake,
 * weights, bonds, permits, registration and update blocks, hyperparameters)
 * and writes every output the reference stores (consensus, incentive,
 * dividends, validator trust, permits, bonds, emission amounts). It keeps no
 * global state, allocates only inside the output and a caller-owned
 * workspace, and uses integer fixed-point arithmetic only, so the same
 * inputs give the same bytes everywhere. The algorithm is the sparse epoch of
 * ../shared/specs/yuma-consensus.md section 2.
 *
 * Sparse matrices (weights and bonds) are in compressed-row form: row i's
 * entries are entries[offsets[i] .. offsets[i+1]), in stored order (the
 * reference keeps weights in submission order, and one lookup of liquid
 * alpha depends on that order).
 */
#ifndef YUMA_EPOCH_H
#define YUMA_EPOCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YUMA_MAX_UIDS 65535u
#define YUMA_NO_OWNER (-1)

typedef struct {
    uint16_t uid;
    uint16_t value;
} yuma_entry;

typedef struct {
    const size_t *offsets;     /* n + 1 offsets; NULL means every row empty */
    const yuma_entry *entries;
} yuma_sparse_view;

typedef struct {
    uint16_t tempo;
    uint32_t activity_cutoff_factor_milli;
    uint16_t kappa;
    uint16_t bonds_penalty;
    uint64_t bonds_moving_average;    /* parts per million, <= 1000000 */
    uint16_t max_allowed_validators;
    bool yuma3;
    bool liquid_alpha;
    uint16_t alpha_low;
    uint16_t alpha_high;
    int16_t alpha_sigmoid_steepness;
    uint64_t stake_threshold;
} yuma_hyperparams;

/* The defaults of scenario-format.md (a mix of storage and new-subnet values). */
yuma_hyperparams yuma_hyperparams_default(void);

typedef struct {
    uint32_t n;                        /* uids 0..n-1, at most 65535 */
    yuma_hyperparams hp;
    uint64_t block;                    /* current block */
    uint64_t last_epoch_block;         /* LastMechansimStepBlock, 0 if none */
    uint64_t emission;                 /* rao to distribute */
    int32_t owner_uid;                 /* YUMA_NO_OWNER or a uid < n */
    const uint64_t *alpha_stake;       /* n: (inherited) alpha stake */
    const uint64_t *root_stake;        /* n or NULL: root TAO stake */
    uint64_t tao_weight_raw32;         /* tau as U96F32 raw (with root_stake) */
    const uint64_t *last_update;       /* n */
    const uint64_t *registered_at;     /* n */
    const bool *validator_permit;      /* n: permits from the previous epoch */
    const uint64_t *commit_block;      /* n or NULL: commit-reveal mask, UINT64_MAX = none */
    yuma_sparse_view weights;
    yuma_sparse_view bonds;
} yuma_epoch_input;

typedef struct {
    uint32_t n;
    uint16_t *consensus;
    uint16_t *incentive;
    uint16_t *dividends;
    uint16_t *validator_trust;
    uint16_t *stake_weight;
    uint64_t *emission;            /* combined amount (drives pruning) */
    uint64_t *server_emission;
    uint64_t *validator_emission;
    uint64_t *raw_stake;           /* floor(T_i), unfiltered */
    bool *validator_permit;        /* new permits */
    bool *active;
    size_t *bond_offsets;          /* n + 1 */
    yuma_entry *bonds;             /* rows as stored, in stored order */
    /* Allocated room, for yuma_epoch_into's reuse; managed by the library
     * (0 in an output the library did not fill). */
    uint32_t capacity_n;           /* per-uid arrays hold this many uids */
    size_t capacity_bonds;         /* bonds holds this many entries */
} yuma_epoch_output;

typedef enum {
    YUMA_OK = 0,
    YUMA_ERR_NOMEM,
    YUMA_ERR_TOO_MANY_UIDS,    /* n > 65535 */
    YUMA_ERR_OWNER,            /* owner uid >= n */
    YUMA_ERR_STAKE_DOMAIN,     /* total stake >= 2^63 */
    YUMA_ERR_BONDS_MOVING_AVERAGE, /* > 1000000 */
    YUMA_ERR_MATRIX,           /* offsets not monotone, column >= n or duplicate column */
} yuma_status;

const char *yuma_status_str(yuma_status s);

/* Scratch memory reused across epochs (optional: pass NULL to allocate per
 * call). Holds no state that influences results. One epoch at a time may
 * use a workspace. */
typedef struct yuma_workspace yuma_workspace;
yuma_workspace *yuma_workspace_new(void);
void yuma_workspace_free(yuma_workspace *ws);

/* How the epoch lays out the weights and bonds. AUTO picks the dense
 * layout when the rows holding weights or bonds fill at least half of their
 * row x n cells (memory stays proportional to the entries) and the sparse
 * one otherwise; the others force a layout, for tests and benchmarks (a
 * forced dense layout uses memory proportional to those rows times n, and
 * YC3 with liquid alpha always runs sparse). Every layout gives the same
 * bytes. */
typedef enum {
    YUMA_LAYOUT_AUTO = 0,
    YUMA_LAYOUT_SPARSE,
    YUMA_LAYOUT_DENSE,
} yuma_layout;

typedef struct {
    uint32_t threads;    /* 0 or 1: the calling thread alone; k > 1: k threads */
    yuma_layout layout;
    bool portable;       /* the baseline instruction set's kernels, not the
                          * CPU's vector ones (tests compare the two) */
} yuma_epoch_options;

/* Options for every later epoch that uses this workspace (a new workspace
 * has threads = 1 and AUTO). With threads > 1 the workspace starts a pool of
 * threads - 1 helpers on the first epoch that can use them (the dense
 * layout) and keeps it until yuma_workspace_free. Results are the same
 * bytes for every option. */
void yuma_workspace_set_options(yuma_workspace *ws, const yuma_epoch_options *opt);

/* Runs the epoch. On YUMA_OK, *out owns freshly allocated arrays (free with
 * yuma_epoch_output_free); on error *out is zeroed and nothing is allocated. */
yuma_status yuma_epoch(const yuma_epoch_input *in, yuma_workspace *ws, yuma_epoch_output *out);
void yuma_epoch_output_free(yuma_epoch_output *out);

/* yuma_epoch writing into a reused output: *out is either zeroed or a
 * result of an earlier yuma_epoch / yuma_epoch_into (any n), whose arrays
 * are kept when they are large enough and replaced otherwise, so that a
 * loop of epochs stops allocating (and page-faulting in) its outputs. The
 * results are the same bytes as yuma_epoch's. The input must not point
 * into *out (e.g. in->bonds must not be out->bonds: alternate two outputs
 * to feed bonds back). On error *out is freed and zeroed, as yuma_epoch
 * leaves it. Free with yuma_epoch_output_free. */
yuma_status yuma_epoch_into(const yuma_epoch_input *in, yuma_workspace *ws, yuma_epoch_output *out);

#endif
