/*
 * pool.h - a small persistent thread pool for the epoch's block passes,
 * internal to libyuma (the epoch's workspace owns one when asked for
 * threads).
 *
 * ypool_run(p, tasks, fn, arg) calls fn(arg, t, worker) once for every task
 * index t in [0, tasks) and returns when all have finished; the calling
 * thread works too, as worker 0 (helpers are 1 .. threads - 1). Which worker
 * runs a task is not fixed, so callers keep results independent of it: a
 * task writes only its own outputs, uses `worker` only to pick scratch
 * memory or a partial sum that is exact in any order (integer adds), and
 * the caller combines the partials.
 */
#ifndef YUMA_CONSENSUS_POOL_H
#define YUMA_CONSENSUS_POOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ypool ypool;
typedef void (*ypool_fn)(void *arg, size_t task, uint32_t worker);

/* A pool of threads - 1 helpers (threads >= 2); NULL when they cannot be
 * started (the caller then runs alone). */
ypool *ypool_new(uint32_t threads);
void ypool_free(ypool *p);
/* Threads that take part in ypool_run (helpers + the caller); 1 for NULL. */
uint32_t ypool_threads(const ypool *p);
/* Runs fn over the tasks; a NULL pool runs them in order on this thread. */
void ypool_run(ypool *p, size_t tasks, ypool_fn fn, void *arg);

#endif
