/*
 * test_scenario.c - scenario files (../shared/specs/scenario-format.md):
 * parsing with defaults, the error contract for malformed input (fails, one
 * line, names the step and field), the simulated subnet's state rules, and
 * the structure of the per-epoch result line. The epochs' numeric outputs
 * are pinned by test_epoch_vectors.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "yuma/scenario.h"

static bool parse(const char *text, yuma_scenario *sc, char *err, size_t errlen)
{
    return yuma_scenario_parse(text, strlen(text), sc, err, errlen);
}

/* ---- success ---- */

static void test_defaults(void **state)
{
    (void)state;
    yuma_scenario sc;
    char err[256];
    bool ok = parse("{\"n\":1,\"stake\":[0],\"registered_at\":[0],\"emission\":0,\"steps\":[]}",
                    &sc, err, sizeof err);
    if (!ok) fail_msg("%s", err);
    assert_int_equal(sc.n, 1);
    assert_int_equal(sc.owner_uid, YUMA_NO_OWNER);
    assert_int_equal(sc.step_count, 0);
    /* The spec's defaults, literally. */
    assert_int_equal(sc.hp.tempo, 360);
    assert_int_equal(sc.hp.activity_cutoff_factor_milli, 13889);
    assert_int_equal(sc.hp.kappa, 32767);
    assert_int_equal(sc.hp.bonds_penalty, 65535);
    assert_int_equal(sc.hp.bonds_moving_average, 900000);
    assert_int_equal(sc.hp.max_allowed_validators, 64);
    assert_false(sc.hp.yuma3);
    assert_false(sc.hp.liquid_alpha);
    assert_int_equal(sc.hp.alpha_low, 45875);
    assert_int_equal(sc.hp.alpha_high, 58982);
    assert_int_equal(sc.hp.alpha_sigmoid_steepness, 1000);
    assert_int_equal(sc.hp.stake_threshold, 0);
    yuma_scenario_free(&sc);

    /* A subset of hyperparameters keeps the other defaults. */
    ok = parse("{\"n\":2,\"hyperparameters\":{\"kappa\":100,\"yuma3\":true,"
               "\"alpha_sigmoid_steepness\":-32768},\"owner_uid\":null,"
               "\"stake\":[1,2],\"registered_at\":[3,4],\"emission\":9223372036854775807,\"steps\":[]}",
               &sc, err, sizeof err);
    if (!ok) fail_msg("%s", err);
    assert_int_equal(sc.hp.kappa, 100);
    assert_true(sc.hp.yuma3);
    assert_int_equal(sc.hp.alpha_sigmoid_steepness, -32768);
    assert_int_equal(sc.hp.tempo, 360);
    assert_int_equal(sc.hp.bonds_penalty, 65535);
    assert_true(sc.emission == 9223372036854775807ull);
    assert_true(sc.stake[1] == 2 && sc.registered_at[0] == 3);
    yuma_scenario_free(&sc);
}

/* The example input of scenario-format.md. */
static const char SPEC_EXAMPLE[] =
    "{\n"
    "  \"n\": 5,\n"
    "  \"hyperparameters\": {\n"
    "    \"tempo\": 1, \"activity_cutoff_factor_milli\": 13889, \"kappa\": 32767,\n"
    "    \"bonds_penalty\": 0, \"bonds_moving_average\": 975000, \"max_allowed_validators\": 3,\n"
    "    \"yuma3\": true, \"liquid_alpha\": true, \"alpha_low\": 6553, \"alpha_high\": 19660,\n"
    "    \"alpha_sigmoid_steepness\": 1000, \"stake_threshold\": 0\n"
    "  },\n"
    "  \"owner_uid\": null,\n"
    "  \"stake\": [8, 1, 1, 0, 0],\n"
    "  \"registered_at\": [1, 1, 1, 1, 1],\n"
    "  \"emission\": 1000000000,\n"
    "  \"steps\": [\n"
    "    {\"block\": 2, \"op\": \"epoch\"},\n"
    "    {\"block\": 2, \"op\": \"set_weights\", \"uid\": 0, \"uids\": [3, 4], \"values\": [65535, 0]},\n"
    "    {\"block\": 3, \"op\": \"epoch\"},\n"
    "    {\"block\": 9, \"op\": \"set_stake\", \"uid\": 1, \"stake\": 5},\n"
    "    {\"block\": 9, \"op\": \"reset_bonds\", \"uid\": 3},\n"
    "    {\"block\": 9, \"op\": \"register\", \"uid\": 4, \"stake\": 0},\n"
    "    {\"block\": 10, \"op\": \"epoch\"}\n"
    "  ]\n"
    "}\n";

static void test_spec_example(void **state)
{
    (void)state;
    yuma_scenario sc;
    char err[256];
    if (!parse(SPEC_EXAMPLE, &sc, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(sc.n, 5);
    assert_int_equal(sc.hp.tempo, 1);
    assert_int_equal(sc.hp.bonds_penalty, 0);
    assert_int_equal(sc.hp.bonds_moving_average, 975000);
    assert_int_equal(sc.hp.max_allowed_validators, 3);
    assert_true(sc.hp.yuma3 && sc.hp.liquid_alpha);
    assert_int_equal(sc.hp.alpha_low, 6553);
    assert_int_equal(sc.hp.alpha_high, 19660);
    assert_int_equal(sc.step_count, 7);
    assert_int_equal(sc.steps[0].op, YUMA_STEP_EPOCH);
    assert_int_equal(sc.steps[1].op, YUMA_STEP_SET_WEIGHTS);
    assert_int_equal(sc.steps[1].uid, 0);
    assert_int_equal(sc.steps[1].count, 2);
    assert_int_equal(sc.steps[1].uids[0], 3);
    assert_int_equal(sc.steps[1].uids[1], 4);
    assert_int_equal(sc.steps[1].values[0], 65535);
    assert_int_equal(sc.steps[1].values[1], 0);
    assert_int_equal(sc.steps[3].op, YUMA_STEP_SET_STAKE);
    assert_int_equal(sc.steps[3].stake, 5);
    assert_int_equal(sc.steps[4].op, YUMA_STEP_RESET_BONDS);
    assert_int_equal(sc.steps[4].uid, 3);
    assert_int_equal(sc.steps[5].op, YUMA_STEP_REGISTER);
    assert_int_equal(sc.steps[5].uid, 4);
    assert_int_equal(sc.steps[6].block, 10);
    yuma_scenario_free(&sc);
}

/* ---- malformed input ---- */

typedef struct {
    const char *json;
    const char *want[3]; /* substrings the message must contain */
} bad_case;

#define BASE5 "\"n\":5,\"stake\":[1,1,1,0,0],\"registered_at\":[0,0,0,0,0],\"emission\":1000"
#define STEPS(list) "{" BASE5 ",\"steps\":[" list "]}"
#define EP(b) "{\"block\":" #b ",\"op\":\"epoch\"}"

static const bad_case BAD[] = {
    /* JSON itself */
    {"{\"n\":", {"invalid JSON at line 1 column"}},
    {"", {"invalid JSON"}},
    {"{\"n\":5} x", {"invalid JSON", "end of file expected"}},
    {"{\"n\":5,\"n\":5}", {"invalid JSON", "duplicate"}},
    {"[1,2]", {"expected a JSON object"}},
    {"{\"n\":5,\"stake\":[1,1,1,0,0],\"registered_at\":[0,0,0,0,0],\"emission\":1000,\"steps\":[],"
     "\"nn\":1}",
     {"unknown field \"nn\""}},
    /* n */
    {"{\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}", {"missing field \"n\""}},
    {"{\"n\":0,\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"n\"", "out of range"}},
    {"{\"n\":65536,\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"n\"", "65536 is out of range 1..65535"}},
    {"{\"n\":\"5\",\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"n\"", "expected an integer, got a string"}},
    {"{\"n\":5.0,\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"n\"", "real number"}},
    {"{\"n\":true,\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"n\"", "got true"}},
    {"{\"n\":18446744073709551615,\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"n\"", "18446744073709551615 is out of range"}},
    /* huge n with short arrays */
    {"{\"n\":65535,\"stake\":[1],\"registered_at\":[0],\"emission\":0,\"steps\":[]}",
     {"field \"stake\": array has 1 entries, n is 65535"}},
    {"{\"n\":65535,\"stake\":[],\"registered_at\":[],\"emission\":0,\"steps\":[]}",
     {"field \"stake\": array has 0 entries, n is 65535"}},
    /* stake, registered_at, emission */
    {"{\"n\":5,\"stake\":[1,2,3],\"registered_at\":[0,0,0,0,0],\"emission\":0,\"steps\":[]}",
     {"field \"stake\": array has 3 entries, n is 5"}},
    {"{\"n\":2,\"stake\":[1,2],\"registered_at\":[0,0,0],\"emission\":0,\"steps\":[]}",
     {"field \"registered_at\": array has 3 entries, n is 2"}},
    {"{\"n\":2,\"stake\":{},\"registered_at\":[0,0],\"emission\":0,\"steps\":[]}",
     {"field \"stake\"", "expected an array"}},
    {"{\"n\":3,\"stake\":[1,-1,0],\"registered_at\":[0,0,0],\"emission\":0,\"steps\":[]}",
     {"field \"stake\": entry 1", "-1 is out of range"}},
    {"{\"n\":3,\"stake\":[1,2,9223372036854775808],\"registered_at\":[0,0,0],\"emission\":0,\"steps\":[]}",
     {"field \"stake\": entry 2", "9223372036854775808 is out of range"}},
    {"{\"n\":3,\"stake\":[1,18446744073709551615,0],\"registered_at\":[0,0,0],\"emission\":0,"
     "\"steps\":[]}",
     {"field \"stake\": entry 1", "18446744073709551615 is out of range"}},
    {"{\"n\":2,\"stake\":[4611686018427387904,4611686018427387904],\"registered_at\":[0,0],"
     "\"emission\":0,\"steps\":[]}",
     {"field \"stake\"", "2^63"}},
    {"{\"n\":2,\"stake\":[1,2],\"registered_at\":[0,false],\"emission\":0,\"steps\":[]}",
     {"field \"registered_at\": entry 1", "got false"}},
    {"{\"n\":2,\"stake\":[1,2],\"registered_at\":[0,0],\"emission\":-1,\"steps\":[]}",
     {"field \"emission\"", "-1 is out of range"}},
    {"{\"n\":2,\"stake\":[1,2],\"registered_at\":[0,0],\"emission\":18446744073709551615,\"steps\":[]}",
     {"field \"emission\"", "out of range"}},
    {"{\"n\":2,\"stake\":[1,2],\"registered_at\":[0,0],\"steps\":[]}", {"missing field \"emission\""}},
    /* the first of several huge literals is the one named */
    {"{\"n\":2,\"stake\":[1,99999999999999999999],\"registered_at\":[0,0],"
     "\"emission\":18446744073709551615,\"steps\":[]}",
     {"field \"stake\": entry 1", "99999999999999999999"}},
    {"{\"n\":2,\"stake\":[1,2],\"registered_at\":[-9223372036854775809,0],\"emission\":0,\"steps\":[]}",
     {"field \"registered_at\": entry 0", "-9223372036854775809 is out of range"}},
    /* owner */
    {"{\"n\":2,\"owner_uid\":2,\"stake\":[1,2],\"registered_at\":[0,0],\"emission\":0,\"steps\":[]}",
     {"field \"owner_uid\"", "2 is out of range 0..1"}},
    {"{\"n\":2,\"owner_uid\":\"a\",\"stake\":[1,2],\"registered_at\":[0,0],\"emission\":0,\"steps\":[]}",
     {"field \"owner_uid\"", "got a string"}},
    /* hyperparameters */
    {"{\"n\":1,\"hyperparameters\":{\"tempoo\":1},\"stake\":[0],\"registered_at\":[0],\"emission\":0,"
     "\"steps\":[]}",
     {"hyperparameters: unknown field \"tempoo\""}},
    {"{\"n\":1,\"hyperparameters\":{\"bonds_moving_average\":1000001},\"stake\":[0],"
     "\"registered_at\":[0],\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"bonds_moving_average\"", "1000001 is out of range 0..1000000"}},
    {"{\"n\":1,\"hyperparameters\":{\"tempo\":65536},\"stake\":[0],\"registered_at\":[0],"
     "\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"tempo\"", "out of range"}},
    {"{\"n\":1,\"hyperparameters\":{\"activity_cutoff_factor_milli\":4294967296},\"stake\":[0],"
     "\"registered_at\":[0],\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"activity_cutoff_factor_milli\"", "out of range"}},
    {"{\"n\":1,\"hyperparameters\":{\"yuma3\":1},\"stake\":[0],\"registered_at\":[0],"
     "\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"yuma3\"", "expected true or false"}},
    {"{\"n\":1,\"hyperparameters\":{\"alpha_sigmoid_steepness\":-32769},\"stake\":[0],"
     "\"registered_at\":[0],\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"alpha_sigmoid_steepness\"", "out of range -32768..32767"}},
    {"{\"n\":1,\"hyperparameters\":{\"kappa\":-1},\"stake\":[0],\"registered_at\":[0],"
     "\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"kappa\"", "out of range"}},
    {"{\"n\":1,\"hyperparameters\":{\"stake_threshold\":18446744073709551615},\"stake\":[0],"
     "\"registered_at\":[0],\"emission\":0,\"steps\":[]}",
     {"hyperparameters: field \"stake_threshold\"", "out of range"}},
    {"{\"n\":1,\"hyperparameters\":[],\"stake\":[0],\"registered_at\":[0],\"emission\":0,"
     "\"steps\":[]}",
     {"field \"hyperparameters\"", "expected an object"}},
    /* steps: shape, block, op */
    {"{" BASE5 ",\"steps\":{}}", {"field \"steps\"", "expected an array"}},
    {"{" BASE5 "}", {"missing field \"steps\""}},
    {STEPS("3"), {"steps[0]: expected an object"}},
    {STEPS("{\"op\":\"epoch\"}"), {"steps[0]: missing field \"block\""}},
    {STEPS(EP(1) "," "{\"block\":-1,\"op\":\"epoch\"}"), {"steps[1]: field \"block\"", "-1 is out of range"}},
    {STEPS(EP(1) "," EP(9) "," "{\"block\":7,\"op\":\"epoch\"}"),
     {"steps[2]: field \"block\": 7 is less than the previous step's block 9"}},
    {STEPS(EP(1) "," "{\"block\":18446744073709551615,\"op\":\"epoch\"}"),
     {"steps[1]", "field \"block\"", "18446744073709551615 is out of range"}},
    {STEPS(EP(1) "," "{\"block\":9223372036854775808,\"op\":\"epoch\"}"),
     {"steps[1]", "field \"block\"", "out of range"}},
    {STEPS(EP(1) "," "{\"block\":2.5,\"op\":\"epoch\"}"), {"steps[1]: field \"block\"", "real number"}},
    {STEPS("{\"block\":1}"), {"steps[0]: missing field \"op\""}},
    {STEPS("{\"block\":1,\"op\":\"vote\"}"), {"steps[0]: field \"op\": unknown op \"vote\""}},
    {STEPS("{\"block\":1,\"op\":7}"), {"steps[0]: field \"op\"", "expected a string"}},
    {STEPS("{\"block\":1,\"op\":\"epoch\",\"uid\":1}"), {"steps[0] (epoch): unknown field \"uid\""}},
    {STEPS("{\"block\":1,\"op\":\"reset_bonds\",\"uid\":1,\"stake\":3}"),
     {"steps[0] (reset_bonds): unknown field \"stake\""}},
    {STEPS("{\"block\":1,\"op\":\"reset_bonds\"}"), {"steps[0] (reset_bonds): missing field \"uid\""}},
    /* set_weights */
    {STEPS(EP(1) "," "{\"block\":1,\"op\":\"set_weights\",\"uid\":5,\"uids\":[0],\"values\":[1]}"),
     {"steps[1] (set_weights): field \"uid\"", "5 is out of range 0..4"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1,5],\"values\":[1,1]}"),
     {"steps[0] (set_weights): field \"uids\": entry 1", "5 is out of range 0..4"}},
    {STEPS(EP(1) "," EP(1) "," EP(1) "," "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[4,1,4],\"values\":[1,1,1]}"),
     {"steps[3] (set_weights): field \"uids\": duplicate uid 4"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1,2],\"values\":[1]}"),
     {"steps[0] (set_weights): field \"values\"", "1 entries", "\"uids\" has 2"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[0,1,2,3,4,0],"
           "\"values\":[1,1,1,1,1,1]}"),
     {"steps[0] (set_weights): field \"uids\"", "more than n"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1,2],\"values\":[1,65536]}"),
     {"steps[0] (set_weights): field \"values\": entry 1", "65536 is out of range 0..65535"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1],\"values\":[0.5]}"),
     {"steps[0] (set_weights): field \"values\": entry 0", "real number"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1,2],"
           "\"values\":[1,18446744073709551615]}"),
     {"steps[0] (set_weights): field \"values\": entry 1", "out of range"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"values\":[1]}"),
     {"steps[0] (set_weights): missing field \"uids\""}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":3,\"values\":[1]}"),
     {"steps[0] (set_weights): field \"uids\"", "expected an array"}},
    {STEPS("{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[null],\"values\":[1]}"),
     {"steps[0] (set_weights): field \"uids\": entry 0", "got null"}},
    /* register, set_stake */
    {"{\"n\":3,\"owner_uid\":1,\"stake\":[1,1,1],\"registered_at\":[0,0,0],\"emission\":1,\"steps\":["
     EP(1) ",{\"block\":2,\"op\":\"register\",\"uid\":1,\"stake\":0}]}",
     {"steps[1] (register): field \"uid\"", "owner"}},
    {STEPS("{\"block\":1,\"op\":\"register\",\"uid\":1,\"stake\":-9223372036854775809}"),
     {"steps[0] (register): field \"stake\"", "out of range"}},
    {STEPS("{\"block\":1,\"op\":\"set_stake\",\"uid\":1}"), {"steps[0] (set_stake): missing field \"stake\""}},
    {STEPS("{\"block\":1,\"op\":\"set_stake\",\"uid\":1,\"stake\":9223372036854775806}"),
     {"steps[0] (set_stake): field \"stake\"", "2^63"}},
    {"{\"n\":2,\"stake\":[4611686018427387904,0],\"registered_at\":[0,0],\"emission\":0,\"steps\":["
     "{\"block\":1,\"op\":\"set_stake\",\"uid\":0,\"stake\":1},"
     "{\"block\":1,\"op\":\"register\",\"uid\":1,\"stake\":9223372036854775807}]}",
     {"steps[1] (register): field \"stake\"", "2^63"}},
};

static void test_malformed(void **state)
{
    (void)state;
    size_t count = sizeof BAD / sizeof BAD[0];
    assert_true(count >= 25);
    for (size_t i = 0; i < count; i++) {
        yuma_scenario sc;
        char err[512];
        memset(&sc, 0xAB, sizeof sc);
        bool ok = parse(BAD[i].json, &sc, err, sizeof err);
        if (ok) {
            yuma_scenario_free(&sc);
            fail_msg("case %zu parsed but should not: %s", i, BAD[i].json);
        }
        /* *out is left zeroed. */
        assert_null(sc.stake);
        assert_null(sc.steps);
        assert_int_equal(sc.step_count, 0);
        assert_true(err[0] != '\0');
        assert_null(strchr(err, '\n'));
        for (int k = 0; k < 3 && BAD[i].want[k]; k++)
            if (!strstr(err, BAD[i].want[k]))
                fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err, BAD[i].want[k]);
    }
}

/* Control characters from the input never break the one-line message. */
static void test_message_one_line(void **state)
{
    (void)state;
    yuma_scenario sc;
    char err[512];
    assert_false(parse("{\"n\":1,\"hyperparameters\":{\"a\\nb\":1}}", &sc, err, sizeof err));
    assert_null(strchr(err, '\n'));
    assert_non_null(strstr(err, "hyperparameters: unknown field"));
    assert_false(parse("{\"n\":\n\n  tru}", &sc, err, sizeof err));
    assert_null(strchr(err, '\n'));
    assert_non_null(strstr(err, "line 3"));
    /* A short buffer truncates but stays terminated. */
    char small[8];
    assert_false(parse("{\"n\":0}", &sc, small, sizeof small));
    assert_true(strlen(small) < sizeof small);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[sz] = '\0';
    *len = (size_t)sz;
    return buf;
}

static void load(const char *path, yuma_scenario *sc)
{
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) fail_msg("cannot read %s (tests run from the source directory)", path);
    char err[512];
    bool ok = yuma_scenario_parse(text, len, sc, err, sizeof err);
    free(text);
    if (!ok) fail_msg("%s: %s", path, err);
}

/* ---- the result line ---- */

static void test_result_json_format(void **state)
{
    (void)state;
    uint16_t cons[3] = {0, 65535, 7}, inc[3] = {1, 2, 3}, div[3] = {4, 5, 6}, vt[3] = {7, 8, 9};
    uint64_t em[3] = {18446744073709551615ull, 0, 10}, sem[3] = {0, 1, 2}, vem[3] = {3, 4, 5};
    bool permit[3] = {true, false, true}, active[3] = {false, true, true};
    size_t off[4] = {0, 3, 3, 5};
    /* Row 0 stored out of order with a zero; row 2 holds only a zero and one bond. */
    yuma_entry bonds[5] = {{2, 100}, {0, 0}, {1, 65535}, {1, 0}, {0, 9}};
    yuma_epoch_output out = {
        .n = 3, .consensus = cons, .incentive = inc, .dividends = div, .validator_trust = vt,
        .emission = em, .server_emission = sem, .validator_emission = vem,
        .validator_permit = permit, .active = active, .bond_offsets = off, .bonds = bonds,
    };
    char *line = yuma_epoch_result_json(18446744073709551614ull, &out);
    assert_non_null(line);
    assert_string_equal(line,
                        "{\"block\":18446744073709551614,\"consensus\":[0,65535,7],\"incentive\":[1,2,3],"
                        "\"dividends\":[4,5,6],\"validator_trust\":[7,8,9],"
                        "\"emission\":[18446744073709551615,0,10],\"server_emission\":[0,1,2],"
                        "\"validator_emission\":[3,4,5],\"validator_permit\":[true,false,true],"
                        "\"active\":[false,true,true],\"bonds\":[[[1,65535],[2,100]],[],[[0,9]]]}");
    /* The stored order is not touched. */
    assert_int_equal(bonds[0].uid, 2);
    free(line);
}

static const char *const KEYS[] = {"block", "emission", "consensus", "incentive", "dividends",
                                   "validator_trust", "server_emission", "validator_emission",
                                   "validator_permit", "active", "bonds"};

typedef struct {
    int epochs;
    uint64_t last_block;
    uint32_t n;
} count_ctx;

static bool check_line(uint64_t block, const yuma_epoch_output *out, void *ctx)
{
    count_ctx *c = ctx;
    char *line = yuma_epoch_result_json(block, out);
    assert_non_null(line);
    assert_null(strchr(line, ' '));
    assert_null(strchr(line, '\n'));
    /* Keys in the format's order. */
    static const char *const order[] = {"\"block\":", "\"consensus\":", "\"incentive\":",
                                        "\"dividends\":", "\"validator_trust\":", "\"emission\":",
                                        "\"server_emission\":", "\"validator_emission\":",
                                        "\"validator_permit\":", "\"active\":", "\"bonds\":"};
    const char *at = line;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        const char *p = strstr(at, order[k]);
        if (!p) fail_msg("key %s missing or out of order in %s", order[k], line);
        at = p + strlen(order[k]);
    }
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    if (!j) fail_msg("result line is not JSON: %s", je.text);
    assert_int_equal(json_object_size(j), 11);
    for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
        json_t *v = json_object_get(j, KEYS[k]);
        assert_non_null(v);
        if (k == 0) {
            assert_true(json_is_integer(v));
            assert_true((uint64_t)json_integer_value(v) == block);
        } else {
            assert_true(json_is_array(v));
            assert_int_equal(json_array_size(v), c->n);
        }
    }
    /* Bond rows: [uid, u16] pairs, ascending uid, no zeros. */
    json_t *rows = json_object_get(j, "bonds");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        long long prev = -1;
        for (size_t k = 0; k < json_array_size(row); k++) {
            json_t *pair = json_array_get(row, k);
            assert_int_equal(json_array_size(pair), 2);
            long long u = json_integer_value(json_array_get(pair, 0));
            long long v = json_integer_value(json_array_get(pair, 1));
            assert_true(u > prev && u < c->n);
            assert_true(v > 0 && v <= 65535);
            prev = u;
        }
    }
    json_decref(j);
    free(line);
    assert_true(c->epochs == 0 || block >= c->last_block);
    c->last_block = block;
    c->epochs++;
    return true;
}

static void test_examples_run(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int epochs;
    } ex[] = {
        {"examples/subnet.json", 10},
        {"examples/inactive_validator.json", 3},
        {"examples/registration_inherits_bonds.json", 4},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        yuma_scenario sc;
        load(ex[i].path, &sc);
        count_ctx c = {.n = sc.n};
        assert_int_equal(yuma_scenario_run(&sc, check_line, &c), YUMA_OK);
        assert_int_equal(c.epochs, ex[i].epochs);
        yuma_scenario_free(&sc);
    }
}

/* ---- the simulated subnet ---- */

typedef struct {
    int epochs;
    int stop_after; /* 0: never */
    /* snapshot of each epoch's input */
    uint64_t last_epoch_block[8];
    uint64_t last_update[8][8];
    uint64_t registered_at[8][8];
    uint64_t stake[8][8];
    bool permit_in[8][8];
    char weights[8][256];
    char bonds[8][256];
} snap_ctx;

static void dump_rows(char *buf, size_t len, const yuma_sparse_view *m, uint32_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        used += (size_t)snprintf(buf + used, len - used, "%s", i ? "|" : "");
        size_t a = m->offsets ? m->offsets[i] : 0, b = m->offsets ? m->offsets[i + 1] : 0;
        for (size_t k = a; k < b; k++)
            used += (size_t)snprintf(buf + used, len - used, "%s%u:%u", k > a ? "," : "",
                                     m->entries[k].uid, m->entries[k].value);
        assert_true(used < len);
    }
}

static bool snap(const yuma_epoch_input *in, const yuma_epoch_output *out, void *ctx)
{
    (void)out;
    snap_ctx *c = ctx;
    int e = c->epochs++;
    assert_true(e < 8 && in->n <= 8);
    assert_null(in->root_stake);
    assert_null(in->commit_block);
    c->last_epoch_block[e] = in->last_epoch_block;
    for (uint32_t i = 0; i < in->n; i++) {
        c->last_update[e][i] = in->last_update[i];
        c->registered_at[e][i] = in->registered_at[i];
        c->stake[e][i] = in->alpha_stake[i];
        c->permit_in[e][i] = in->validator_permit[i];
    }
    dump_rows(c->weights[e], sizeof c->weights[e], &in->weights, in->n);
    dump_rows(c->bonds[e], sizeof c->bonds[e], &in->bonds, in->n);
    return c->stop_after == 0 || c->epochs < c->stop_after;
}

static void run_snap(const char *json, snap_ctx *c)
{
    yuma_scenario sc;
    char err[512];
    if (!parse(json, &sc, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(yuma_scenario_run_ex(&sc, snap, c), YUMA_OK);
    yuma_scenario_free(&sc);
}

/* set_weights acceptance: permit, self-weight, owner, stake threshold. */
static void test_set_weights_rules(void **state)
{
    (void)state;
    snap_ctx c = {0};
    /* uid 0 and 1 have stake (permits after the first epoch), 2 has stake 5
     * below the threshold 10, 3 is the owner with no stake, 4 (stake 20) gets
     * no permit (max_allowed_validators 2). */
    run_snap("{\"n\":5,\"hyperparameters\":{\"stake_threshold\":10,\"max_allowed_validators\":2},"
             "\"owner_uid\":3,\"stake\":[100,50,5,0,20],\"registered_at\":[0,0,0,0,0],"
             "\"emission\":1000,\"steps\":["
             /* before any epoch nobody has a permit */
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1],\"values\":[5]},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":4,\"uids\":[4],\"values\":[7]},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":3,\"uids\":[0,1],\"values\":[1,2]},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":2,\"uids\":[2],\"values\":[9]},"
             "{\"block\":2,\"op\":\"epoch\"},"
             /* now 0 and 1 hold permits */
             "{\"block\":3,\"op\":\"set_weights\",\"uid\":0,\"uids\":[4,2,1],\"values\":[300,0,100]},"
             "{\"block\":3,\"op\":\"set_weights\",\"uid\":4,\"uids\":[4,0],\"values\":[7,7]},"
             "{\"block\":4,\"op\":\"set_weights\",\"uid\":1,\"uids\":[],\"values\":[]},"
             "{\"block\":5,\"op\":\"epoch\"}]}",
             &c);
    assert_int_equal(c.epochs, 2);
    /* Epoch 1: uid 0 ignored (no permit, not a self-weight), uid 4's
     * self-weight stored, owner stored, uid 2 below threshold ignored. */
    assert_string_equal(c.weights[0], "|||0:32768,1:65535|4:65535");
    assert_int_equal(c.last_update[0][4], 1);
    assert_int_equal(c.last_update[0][0], 0);
    assert_int_equal(c.last_update[0][2], 0);
    assert_int_equal(c.last_epoch_block[0], 0);
    for (int i = 0; i < 5; i++) assert_false(c.permit_in[0][i]);
    /* Epoch 2: uid 0's row max-upscaled, order and explicit zero kept; uid 4
     * (no permit) ignored; uid 1's empty row stored. */
    assert_string_equal(c.weights[1], "4:65535,2:0,1:21845|||0:32768,1:65535|4:65535");
    assert_true(c.permit_in[1][0] && c.permit_in[1][1]);
    assert_false(c.permit_in[1][2]);
    assert_false(c.permit_in[1][4]);
    assert_int_equal(c.last_epoch_block[1], 2);
    assert_int_equal(c.last_update[1][0], 3);
    assert_int_equal(c.last_update[1][1], 4);
    assert_int_equal(c.last_update[1][4], 1);
}

/* The owner's weights are stored without a permit, below the threshold. */
static void test_owner_rows(void **state)
{
    (void)state;
    snap_ctx c = {0};
    run_snap("{\"n\":3,\"hyperparameters\":{\"stake_threshold\":10},\"owner_uid\":2,"
             "\"stake\":[100,50,0],\"registered_at\":[0,0,0],\"emission\":1000,\"steps\":["
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":2,\"uids\":[0,1],\"values\":[100,200]},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":1,\"uids\":[1],\"values\":[3]},"
             "{\"block\":2,\"op\":\"epoch\"}]}",
             &c);
    assert_string_equal(c.weights[0], "|1:65535|0:32768,1:65535");
    assert_int_equal(c.last_update[0][2], 1);
}

/* register, reset_bonds, set_stake; bonds carried from one epoch to the next. */
static void test_register_and_reset(void **state)
{
    (void)state;
    snap_ctx c = {0};
    run_snap("{\"n\":5,\"hyperparameters\":{\"tempo\":1,\"yuma3\":true,\"max_allowed_validators\":3},"
             "\"owner_uid\":null,\"stake\":[1,1,1,0,0],\"registered_at\":[0,0,0,0,0],"
             "\"emission\":1000000000,\"steps\":["
             "{\"block\":1,\"op\":\"epoch\"},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[3,4],\"values\":[100,200]},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":1,\"uids\":[4,3],\"values\":[1,1]},"
             "{\"block\":1,\"op\":\"set_weights\",\"uid\":2,\"uids\":[4],\"values\":[1]},"
             "{\"block\":2,\"op\":\"epoch\"},"
             "{\"block\":3,\"op\":\"epoch\"},"
             "{\"block\":4,\"op\":\"reset_bonds\",\"uid\":3},"
             "{\"block\":4,\"op\":\"register\",\"uid\":2,\"stake\":7},"
             "{\"block\":4,\"op\":\"register\",\"uid\":4,\"stake\":0},"
             "{\"block\":5,\"op\":\"set_stake\",\"uid\":1,\"stake\":42},"
             "{\"block\":5,\"op\":\"epoch\"}]}",
             &c);
    assert_int_equal(c.epochs, 4);
    assert_string_equal(c.weights[1], "3:32768,4:65535|4:65535,3:65535|4:65535||");
    assert_int_equal(c.last_epoch_block[2], 2);
    assert_int_equal(c.last_epoch_block[3], 3);
    /* Epoch 3 ran on epoch 2's bonds: every validator holds bonds on 3 or 4. */
    assert_non_null(strstr(c.bonds[2], "4:"));
    assert_non_null(strstr(c.bonds[2], "3:"));
    /* After reset_bonds(3) and the registrations of 2 and 4: no bond on 3,
     * no bond on 4 (bonds on a replaced uid are dropped by the epoch's
     * recently-registered mask, not by register), row 2 empty. Weights on 4
     * are kept with value 0; row 2 cleared. */
    assert_null(strstr(c.bonds[3], "3:"));
    const char *row2 = c.bonds[3];
    for (int k = 0; k < 2; k++) row2 = strchr(row2, '|') + 1;
    assert_true(row2[0] == '|');
    assert_string_equal(c.weights[3], "3:32768,4:0|4:0,3:65535|||");
    assert_int_equal(c.registered_at[3][2], 4);
    assert_int_equal(c.last_update[3][2], 4);
    assert_int_equal(c.registered_at[3][4], 4);
    assert_int_equal(c.last_update[3][4], 4);
    assert_int_equal(c.last_update[3][0], 1);
    assert_false(c.permit_in[3][2]);
    assert_true(c.permit_in[3][0] && c.permit_in[3][1]);
    assert_int_equal(c.stake[3][1], 42);
    assert_int_equal(c.stake[3][2], 7);
    assert_int_equal(c.stake[3][0], 1);
}

static void test_callback_stops(void **state)
{
    (void)state;
    snap_ctx c = {.stop_after = 2};
    run_snap(STEPS(EP(1) "," EP(2) "," EP(3) "," EP(4)), &c);
    assert_int_equal(c.epochs, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_message_one_line),
        cmocka_unit_test(test_result_json_format),
        cmocka_unit_test(test_examples_run),
        cmocka_unit_test(test_set_weights_rules),
        cmocka_unit_test(test_owner_rows),
        cmocka_unit_test(test_register_and_reset),
        cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
