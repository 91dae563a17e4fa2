/*
 * vectors.h - test helper: runs a scenario (JSON text, the `yuma sim`
 * format) through the real parser and runner and keeps a copy of every
 * epoch's outputs, so a test can assert reference vectors by epoch index.
 */
#ifndef YUMA_TESTS_VECTORS_H
#define YUMA_TESTS_VECTORS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yuma/scenario.h"

#define MAX_RECORDED_EPOCHS 64

typedef struct {
    size_t count;
    uint64_t block[MAX_RECORDED_EPOCHS];
    yuma_epoch_output out[MAX_RECORDED_EPOCHS];
    char *json[MAX_RECORDED_EPOCHS];
} recorded_run;

static inline void *dup_mem(const void *p, size_t bytes)
{
    void *q = malloc(bytes ? bytes : 1);
    if (q && bytes) memcpy(q, p, bytes);
    return q;
}

static inline bool record_epoch(uint64_t block, const yuma_epoch_output *o, void *ctx)
{
    recorded_run *r = ctx;
    if (r->count >= MAX_RECORDED_EPOCHS) return false;
    size_t n = o->n;
    yuma_epoch_output *c = &r->out[r->count];
    c->n = o->n;
    c->consensus = dup_mem(o->consensus, n * sizeof(uint16_t));
    c->incentive = dup_mem(o->incentive, n * sizeof(uint16_t));
    c->dividends = dup_mem(o->dividends, n * sizeof(uint16_t));
    c->validator_trust = dup_mem(o->validator_trust, n * sizeof(uint16_t));
    c->stake_weight = dup_mem(o->stake_weight, n * sizeof(uint16_t));
    c->emission = dup_mem(o->emission, n * sizeof(uint64_t));
    c->server_emission = dup_mem(o->server_emission, n * sizeof(uint64_t));
    c->validator_emission = dup_mem(o->validator_emission, n * sizeof(uint64_t));
    c->raw_stake = dup_mem(o->raw_stake, n * sizeof(uint64_t));
    c->validator_permit = dup_mem(o->validator_permit, n * sizeof(bool));
    c->active = dup_mem(o->active, n * sizeof(bool));
    c->bond_offsets = dup_mem(o->bond_offsets, (n + 1) * sizeof(size_t));
    c->bonds = dup_mem(o->bonds, o->bond_offsets[n] * sizeof(yuma_entry));
    r->json[r->count] = yuma_epoch_result_json(block, o);
    r->block[r->count++] = block;
    return true;
}

/* Parses and runs; returns 0 on success. */
static inline int run_scenario_text(const char *text, recorded_run *r)
{
    memset(r, 0, sizeof(*r));
    yuma_scenario sc;
    char err[512];
    if (!yuma_scenario_parse(text, strlen(text), &sc, err, sizeof err)) {
        fprintf(stderr, "scenario rejected: %s\n", err);
        return -1;
    }
    yuma_status s = yuma_scenario_run(&sc, record_epoch, r);
    yuma_scenario_free(&sc);
    return s == YUMA_OK ? 0 : -2;
}

static inline void free_recorded(recorded_run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        yuma_epoch_output_free(&r->out[i]);
        free(r->json[i]);
    }
    r->count = 0;
}

/* Stored bond value of row i on column j (0 when absent). */
static inline uint16_t bond_of(const yuma_epoch_output *o, uint32_t i, uint32_t j)
{
    for (size_t k = o->bond_offsets[i]; k < o->bond_offsets[i + 1]; k++)
        if (o->bonds[k].uid == j) return o->bonds[k].value;
    return 0;
}

static inline size_t bond_row_len(const yuma_epoch_output *o, uint32_t i)
{
    return o->bond_offsets[i + 1] - o->bond_offsets[i];
}

/* A growable string for building scenario JSON in tests. */
typedef struct {
    char *buf;
    size_t len, cap;
} strbuf;

static inline void sb_printf(strbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (s->len + (size_t)need + 1 > s->cap) {
        s->cap = (s->len + (size_t)need + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
    }
    va_start(ap, fmt);
    vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
    va_end(ap);
    s->len += (size_t)need;
}

#endif
