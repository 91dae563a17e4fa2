/*
 * scenario.h - epoch scenarios: one subnet's Yuma Consensus driven through a
 * sequence of blocks without a chain around it (`yuma sim`). The file format
 * and its error contract are ../shared/specs/scenario-format.md.
 *
 * Parsing validates everything up front (types, integer ranges, uids, block
 * order, the reference's input domain) so that running a parsed scenario
 * cannot fail on bad input; the runner then applies the steps to a simulated
 * subnet and hands each epoch's outputs to a callback.
 */
#ifndef YUMA_SCENARIO_H
#define YUMA_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/epoch.h"

typedef enum {
    YUMA_STEP_EPOCH,
    YUMA_STEP_SET_WEIGHTS,
    YUMA_STEP_SET_STAKE,
    YUMA_STEP_RESET_BONDS,
    YUMA_STEP_REGISTER,
} yuma_step_op;

typedef struct {
    yuma_step_op op;
    uint64_t block;
    uint16_t uid;          /* set_weights, set_stake, reset_bonds, register */
    uint64_t stake;        /* set_stake, register */
    uint32_t count;        /* set_weights: entries */
    uint16_t *uids;        /* set_weights */
    uint16_t *values;      /* set_weights */
} yuma_step;

typedef struct {
    uint32_t n;
    yuma_hyperparams hp;
    int32_t owner_uid;     /* YUMA_NO_OWNER when null */
    uint64_t *stake;       /* n */
    uint64_t *registered_at; /* n */
    uint64_t emission;
    size_t step_count;
    yuma_step *steps;
} yuma_scenario;

/* Parses and validates a scenario. On failure returns false, writes a
 * one-line message naming the step and field into err, and leaves *out
 * zeroed. */
bool yuma_scenario_parse(const char *text, size_t len, yuma_scenario *out,
                         char *err, size_t errlen);
void yuma_scenario_free(yuma_scenario *sc);

/* Called once per epoch step with that epoch's outputs; return false to stop. */
typedef bool (*yuma_epoch_cb)(uint64_t block, const yuma_epoch_output *out, void *ctx);

/* Runs every step of a parsed scenario in order. */
yuma_status yuma_scenario_run(const yuma_scenario *sc, yuma_epoch_cb cb, void *ctx);

/* Like yuma_epoch_cb, but also sees the epoch's input (the simulated subnet's
 * state the epoch ran on: stake, permits, weights, ...; in->block is the
 * step's block). Valid only during the call. */
typedef bool (*yuma_epoch_input_cb)(const yuma_epoch_input *in, const yuma_epoch_output *out,
                                    void *ctx);

/* yuma_scenario_run with the input-aware callback. */
yuma_status yuma_scenario_run_ex(const yuma_scenario *sc, yuma_epoch_input_cb cb, void *ctx);

/* The result line of scenario-format.md for one epoch (no trailing newline);
 * malloc'd, NULL on allocation failure. */
char *yuma_epoch_result_json(uint64_t block, const yuma_epoch_output *out);

#endif
