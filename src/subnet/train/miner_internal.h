/*
 * miner_internal.h - the pieces of the miner role that the adversaries
 * (miner_adversary.c) reuse: training, compression, upload.
 */
#ifndef YUMA_MINER_INTERNAL_H
#define YUMA_MINER_INTERNAL_H

#include "subnet/train/sim_internal.h"

/* `steps` AdamW steps of B samples each from `samples` at the schedule's
 * rates for window w; m->delta gets theta_start - theta_end and theta goes
 * back to theta_start unless keep. false on a training failure. */
bool ts_miner_train(ts_env *env, ts_miner *m, uint64_t w, const uint64_t *samples, uint32_t steps, bool keep);
/* Encodes u and writes gradient-<w>-<uid> stamped `block`. */
bool ts_miner_upload(ts_env *env, ts_miner *m, uint64_t w, const yuma_sparse_update *u, uint64_t block, ts_err *e);
/* Error feedback + compression of m->delta through ef (with the pool's
 * receipt), then the upload. */
bool ts_miner_compress_upload(ts_env *env, ts_miner *m, uint64_t w, float *ef, uint64_t block, ts_err *e);

bool ts_adversary_noise(ts_env *env, ts_miner *m, uint64_t w, double norm_factor, ts_err *e);
bool ts_adversary_stale(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);
bool ts_adversary_zero(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);
bool ts_adversary_copy(ts_env *env, ts_miner *m, uint64_t w, ts_err *e);

#endif
