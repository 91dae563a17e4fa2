/*
 * train_err.h - the error messages of the training subnet's internals: a
 * caller's buffer that the first failure fills with one line saying why,
 * as a bare buffer (corpus.c, gpt.c, sim.c) or as the ts_err the roles
 * pass along (sim*.c, miner*.c, validator.c, net_*.c).
 */
#ifndef YUMA_TRAIN_ERR_H
#define YUMA_TRAIN_ERR_H

#include <stdbool.h>
#include <stddef.h>

/* Formats the message into err (when err and errlen are set); always
 * false, so a failing check can `return train_fail(err, errlen, ...)`. */
bool train_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set when a store or memory failure stops the run. */
typedef struct {
    char *msg;
    size_t len;
} ts_err;

/* train_fail into e (which may be NULL); always false. */
bool ts_fail(ts_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
