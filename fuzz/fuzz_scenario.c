/*
 * fuzz_scenario.c - libFuzzer target: any bytes through the scenario parser;
 * whatever parses is run through the epoch, and every result line is
 * rendered. A crash, a sanitizer report or an emission above the budget is a
 * bug.
 */
#include <stdlib.h>

#include "yuma/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_epoch(uint64_t block, const yuma_epoch_output *out, void *ctx)
{
    const yuma_scenario *sc = ctx;
    unsigned __int128 paid = 0;
    for (uint32_t i = 0; i < out->n; i++) paid += out->emission[i];
    if (paid > sc->emission) abort();
    free(yuma_epoch_result_json(block, out));
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yuma_scenario sc;
    char err[256];
    if (!yuma_scenario_parse((const char *)data, size, &sc, err, sizeof err)) return 0;
    yuma_scenario_run(&sc, check_epoch, &sc);
    yuma_scenario_free(&sc);
    return 0;
}
