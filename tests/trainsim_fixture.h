/*
 * trainsim_fixture.h - what the training subnet's tests share
 * (test_trainsim.c, test_trainsim_adversaries.c, test_trainsim_store.c,
 * test_trainnet.c): removing a temporary directory tree, the synthetic
 * corpus of numbered verses that lets them run without data/kjv.txt, and
 * a simulation started in a fresh temporary directory with its store
 * inside it.
 *
 * Static inline functions: tests/CMakeLists.txt builds each tests/test_*.c
 * as a program of its own, so every program that includes this has its
 * own copy. Include it after <cmocka.h>.
 */
#ifndef YUMA_TESTS_TRAINSIM_FIXTURE_H
#define YUMA_TESTS_TRAINSIM_FIXTURE_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yuma/trainsim.h"

/* rm -rf path: files, and directories depth first. */
static inline void trainsim_rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char sub[4096];
        int len = snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        if (len > 0 && (size_t)len < sizeof sub) trainsim_rm_rf(sub); /* the tests' paths are short */
    }
    closedir(d);
    rmdir(path);
}

/* About 80 KB of numbered verses: enough training samples for T0's pools
 * and held-out windows, and always the same bytes. false (err says why)
 * when the corpus cannot be made. */
static inline bool trainsim_synthetic_corpus(yuma_corpus *out, char *err, size_t errlen)
{
    size_t cap = 80000, n = 0;
    char *text = malloc(cap);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (int i = 0; n + 100 < cap; i++)
        n += (size_t)snprintf(text + n, cap - n, "%d:%d And the LORD spake unto Moses, saying, Speak unto the people %d.\n",
                              i / 31 + 1, i % 31 + 1, i * 7 % 13);
    bool ok = yuma_corpus_from_bytes((const uint8_t *)text, n, out, err, errlen);
    free(text);
    return ok;
}

/* A simulation whose store is <dir>/s in a fresh mkdtemp() directory. */
typedef struct {
    char dir[64];
    char store[80];
    yuma_trainsim *sim;
} trainsim_run;

/* Makes the directory from `prefix` (a path ending in XXXXXX), points
 * c->store_dir at it and starts the simulation; fails the test when
 * either cannot be done. */
static inline yuma_trainsim *trainsim_run_start(trainsim_run *r, const char *prefix, yuma_trainsim_config *c)
{
    snprintf(r->dir, sizeof r->dir, "%s", prefix);
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->store, sizeof r->store, "%s/s", r->dir);
    c->store_dir = r->store;
    char err[512];
    r->sim = yuma_trainsim_new(c, err, sizeof err);
    if (!r->sim) fail_msg("yuma_trainsim_new: %s", err);
    return r->sim;
}

/* Frees the simulation and removes its directory. */
static inline void trainsim_run_end(trainsim_run *r)
{
    yuma_trainsim_free(r->sim);
    r->sim = NULL;
    trainsim_rm_rf(r->dir);
}

#endif
