/*
 * pool.c - the epoch's persistent thread pool (see pool.h).
 *
 * One job at a time: ypool_run publishes (fn, arg, tasks) under the lock,
 * bumps a generation counter and wakes the helpers; every thread, the
 * caller included, then claims task indices from an atomic counter until
 * none are left. The caller waits until every helper has left the job
 * before returning, so the job's arguments may live on its stack. Helpers
 * sleep on a condition variable between jobs.
 */
#include "consensus/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct {
    ypool *pool;
    uint32_t worker;
} helper_arg;

struct ypool {
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* helpers: a new job or shutdown */
    pthread_cond_t done;      /* caller: the last helper left the job */
    pthread_t *helpers;
    helper_arg *args;
    uint32_t nhelpers;
    uint64_t generation;      /* bumped for every job */
    bool stop;
    ypool_fn fn;
    void *arg;
    size_t tasks;
    atomic_size_t next;       /* next unclaimed task */
    uint32_t busy;            /* helpers still inside the current job */
};

static void work(ypool *p, ypool_fn fn, void *arg, size_t tasks, uint32_t worker)
{
    for (;;) {
        size_t t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (t >= tasks) return;
        fn(arg, t, worker);
    }
}

static void *helper_main(void *v)
{
    ypool *p = ((helper_arg *)v)->pool;
    uint32_t worker = ((helper_arg *)v)->worker;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop) break;
        seen = p->generation;
        ypool_fn fn = p->fn;
        void *arg = p->arg;
        size_t tasks = p->tasks;
        pthread_mutex_unlock(&p->lock);
        work(p, fn, arg, tasks, worker);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

ypool *ypool_new(uint32_t threads)
{
    if (threads < 2) return NULL;
    ypool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->helpers = calloc(threads - 1, sizeof(pthread_t));
    p->args = calloc(threads - 1, sizeof(helper_arg));
    if (!p->helpers || !p->args || pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p->helpers);
        free(p->args);
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    for (uint32_t k = 0; k + 1 < threads; k++) {
        p->args[k] = (helper_arg){p, k + 1};
        if (pthread_create(&p->helpers[k], NULL, helper_main, &p->args[k]) != 0) break;
        p->nhelpers++;
    }
    if (p->nhelpers == 0) {
        ypool_free(p);
        return NULL;
    }
    return p;
}

void ypool_free(ypool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (uint32_t k = 0; k < p->nhelpers; k++) pthread_join(p->helpers[k], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    free(p->helpers);
    free(p->args);
    free(p);
}

uint32_t ypool_threads(const ypool *p)
{
    return p ? p->nhelpers + 1 : 1;
}

void ypool_run(ypool *p, size_t tasks, ypool_fn fn, void *arg)
{
    if (!p || tasks < 2) {
        for (size_t t = 0; t < tasks; t++) fn(arg, t, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->arg = arg;
    p->tasks = tasks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->busy = p->nhelpers;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    work(p, fn, arg, tasks, 0);
    pthread_mutex_lock(&p->lock);
    while (p->busy > 0) pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
