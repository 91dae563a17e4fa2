/*
 * sim_err.h - the error of the training subnet's internals (sim*.c,
 * miner*.c, validator.c, net_*.c): a caller's message buffer that the
 * first failure fills, so a run stops with one line saying why.
 */
#ifndef YUMA_SIM_ERR_H
#define YUMA_SIM_ERR_H

#include <stdbool.h>
#include <stddef.h>

/* Set when a store or memory failure stops the run. */
typedef struct {
    char *msg;
    size_t len;
} ts_err;

/* Formats the message into e (when it has a buffer); always false, so a
 * failing step can `return ts_fail(e, ...)`. Defined in sim_net.c. */
bool ts_fail(ts_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
