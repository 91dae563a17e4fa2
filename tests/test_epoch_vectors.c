/*
 * test_epoch_vectors.c - the reference's epoch test vectors
 * (yuma-consensus.md §5.1-5.7, §5.9 and §6 items 21-22), run as scenarios
 * through the real parser, runner and epoch. Every expected number below is
 * copied from the spec; none comes from this code's output.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vectors.h"

#define M 65535

static void assert_u64_vec(const uint64_t *got, const uint64_t *want, size_t n, const char *what, size_t epoch)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            print_error("%s[%zu] at epoch %zu: got %llu, want %llu\n", what, i, epoch,
                        (unsigned long long)got[i], (unsigned long long)want[i]);
            fail();
        }
    }
}

static void assert_u16_vec(const uint16_t *got, const uint16_t *want, size_t n, const char *what, size_t epoch)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            print_error("%s[%zu] at epoch %zu: got %u, want %u\n", what, i, epoch, got[i], want[i]);
            fail();
        }
    }
}

/* ---- §5.1 test_bonds (YC2, 8 uids) ---- */

static void test_bonds_yc2(void **state)
{
    (void)state;
    const char *sc =
        "{\"n\":8,\"hyperparameters\":{\"tempo\":1,\"max_allowed_validators\":8,\"bonds_penalty\":65535},"
        "\"owner_uid\":null,\"stake\":[1,2,3,4,0,0,0,0],\"registered_at\":[1,1,1,1,1,1,1,1],"
        "\"emission\":1000000000,\"steps\":["
        "{\"block\":1,\"op\":\"epoch\"},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":0,\"uids\":[4,5,6,7],\"values\":[16383,32767,49149,65535]},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":1,\"uids\":[4,5,6,7],\"values\":[16383,32767,49149,65535]},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":2,\"uids\":[4,5,6,7],\"values\":[16383,32767,49149,65535]},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":3,\"uids\":[4,5,6,7],\"values\":[16383,32767,49149,65535]},"
        "{\"block\":2,\"op\":\"epoch\"},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":0,\"uids\":[0],\"values\":[65535]},"
        "{\"block\":3,\"op\":\"epoch\"},"
        "{\"block\":3,\"op\":\"set_weights\",\"uid\":1,\"uids\":[1],\"values\":[65535]},"
        "{\"block\":4,\"op\":\"epoch\"},"
        "{\"block\":4,\"op\":\"set_weights\",\"uid\":2,\"uids\":[2],\"values\":[65535]},"
        "{\"block\":5,\"op\":\"epoch\"},"
        "{\"block\":5,\"op\":\"set_weights\",\"uid\":2,\"uids\":[7],\"values\":[65535]},"
        "{\"block\":6,\"op\":\"epoch\"},"
        "{\"block\":7,\"op\":\"epoch\"},"
        "{\"block\":8,\"op\":\"epoch\"},"
        "{\"block\":9,\"op\":\"epoch\"}]}";
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 9);
    /* Permit epoch: uids 0-3 get permits. */
    for (int i = 0; i < 8; i++) assert_int_equal(r.out[0].validator_permit[i], i < 4);

    static const uint64_t E[8][8] = {
        {49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272},
        {44998351, 101110561, 151667215, 202223870, 49998779, 100000610, 149996337, 200004272},
        {40496805, 90999783, 157929636, 210573773, 49998779, 100000610, 149996337, 200004272},
        {99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0},
        {36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000},
        {32799427, 73706612, 168638129, 224855830, 0, 0, 0, 500000000},
        {29518068, 66336137, 173203134, 230942659, 0, 0, 0, 500000000},
        {26565175, 59701871, 177311856, 236421095, 0, 0, 0, 500000000},
    };
    static const uint16_t Bcol[8] = {4, 4, 4, 7, 7, 7, 7, 7};
    static const uint16_t B[8][4] = {
        {16383, 32767, 49151, 65535}, {14582, 32767, 49151, 65535}, {12603, 28321, 49151, 65535},
        {12602, 28320, 49150, 65535}, {10951, 24609, 49150, 65535}, {9559, 21482, 49150, 65535},
        {8376, 18824, 49150, 65535},  {7363, 16549, 49150, 65535},
    };
    for (size_t e = 0; e < 8; e++) {
        const yuma_epoch_output *o = &r.out[e + 1];
        assert_u64_vec(o->emission, E[e], 8, "emission", e + 2);
        for (uint32_t i = 0; i < 4; i++) {
            if (bond_of(o, i, Bcol[e]) != B[e][i]) {
                print_error("bond[%u][%u] at block %zu: got %u want %u\n", i, Bcol[e], e + 2,
                            bond_of(o, i, Bcol[e]), B[e][i]);
                fail();
            }
        }
    }
    static const uint16_t D2[8] = {6553, 13106, 19660, 26214, 0, 0, 0, 0};
    static const uint16_t I2[8] = {0, 0, 0, 0, 6553, 13107, 19660, 26214};
    assert_u16_vec(r.out[1].dividends, D2, 8, "dividends", 2);
    assert_u16_vec(r.out[1].incentive, I2, 8, "incentive", 2);
    static const uint16_t C6[8] = {0, 0, 0, 0, 0, 0, 0, 26214};
    static const uint16_t I6[8] = {0, 0, 0, 0, 0, 0, 0, 65535};
    static const uint16_t D6[8] = {4776, 10734, 21438, 28585, 0, 0, 0, 0};
    assert_u16_vec(r.out[5].consensus, C6, 8, "consensus", 6);
    assert_u16_vec(r.out[5].incentive, I6, 8, "incentive", 6);
    assert_u16_vec(r.out[5].dividends, D6, 8, "dividends", 6);
    free_recorded(&r);
}

/* ---- §5.2 test_active_stake (YC2, an inactive validator keeps earning on its bonds) ---- */

static void test_active_stake(void **state)
{
    (void)state;
    const char *sc =
        "{\"n\":4,\"hyperparameters\":{\"tempo\":1,\"max_allowed_validators\":4},"
        "\"owner_uid\":null,\"stake\":[1,1,1,1],\"registered_at\":[0,0,0,0],"
        "\"emission\":1000000000,\"steps\":["
        "{\"block\":0,\"op\":\"epoch\"},"
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2,3],\"values\":[32767,32767]},"
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":1,\"uids\":[2,3],\"values\":[32767,32767]},"
        "{\"block\":1,\"op\":\"epoch\"},"
        "{\"block\":5002,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2,3],\"values\":[32767,32767]},"
        "{\"block\":5002,\"op\":\"epoch\"},"
        "{\"block\":5002,\"op\":\"set_weights\",\"uid\":1,\"uids\":[2,3],\"values\":[32767,32767]},"
        "{\"block\":5003,\"op\":\"epoch\"}]}";
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 4);
    const yuma_epoch_output *o = &r.out[1];
    assert_int_equal(o->dividends[0], 32767);
    assert_int_equal(o->dividends[1], 32767);
    for (int i = 0; i < 4; i++) assert_int_equal(o->emission[i], 250000000);
    for (uint32_t i = 0; i < 2; i++)
        for (uint32_t j = 2; j < 4; j++) assert_int_equal(bond_of(o, i, j), 65535);

    o = &r.out[2];
    assert_int_equal(o->dividends[0], 36044);
    assert_int_equal(o->dividends[1], 29490);
    static const uint64_t E2[4] = {274999999, 224999999, 250000000, 250000000};
    assert_u64_vec(o->emission, E2, 4, "emission", 5002);
    for (uint32_t j = 2; j < 4; j++) {
        assert_int_equal(bond_of(o, 0, j), 65535);
        assert_int_equal(bond_of(o, 1, j), 53619);
    }

    o = &r.out[3];
    assert_int_equal(o->dividends[0], 35716);
    assert_int_equal(o->dividends[1], 29818);
    assert_int_equal(o->emission[0], 272501132);
    assert_int_equal(o->emission[1], 227498866);
    for (uint32_t j = 2; j < 4; j++) {
        assert_int_equal(bond_of(o, 0, j), 65535);
        assert_int_equal(bond_of(o, 1, j), 54712);
    }
    free_recorded(&r);
}

/* ---- §5.3 test_outdated_weights (YC2, uid replacement) ---- */

static void test_outdated_weights(void **state)
{
    (void)state;
    const char *sc =
        "{\"n\":4,\"hyperparameters\":{\"tempo\":0,\"max_allowed_validators\":4,\"bonds_penalty\":65535},"
        "\"owner_uid\":null,\"stake\":[1,1,1,1],\"registered_at\":[1,1,1,1],"
        "\"emission\":1000000000,\"steps\":["
        "{\"block\":1,\"op\":\"epoch\"},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2,3],\"values\":[43690,21845]},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":1,\"uids\":[2,3],\"values\":[43690,21845]},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":2,\"uids\":[2],\"values\":[65535]},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":3,\"uids\":[3],\"values\":[65535]},"
        "{\"block\":2,\"op\":\"epoch\"},"
        "{\"block\":2,\"op\":\"register\",\"uid\":3,\"stake\":0},"
        "{\"block\":3,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2,3],\"values\":[43690,21845]},"
        "{\"block\":3,\"op\":\"epoch\"}]}";
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 3);
    static const uint64_t E2[4] = {250000000, 250000000, 333331637, 166668361};
    static const uint16_t D2[4] = {32767, 32767, 0, 0};
    assert_u64_vec(r.out[1].emission, E2, 4, "emission", 2);
    assert_u16_vec(r.out[1].dividends, D2, 4, "dividends", 2);
    const yuma_epoch_output *o = &r.out[2];
    assert_int_equal(o->dividends[0], 32767);
    static const uint64_t E3[4] = {250000000, 250000000, 500000000, 0};
    assert_u64_vec(o->emission, E3, 4, "emission", 3);
    assert_int_equal(bond_of(o, 0, 2), 65535);
    assert_int_equal(bond_of(o, 0, 3), 65535);
    free_recorded(&r);
}

/* ---- §5.4 test_zero_weights (emission falls back to stake) ---- */

static void test_zero_weights(void **state)
{
    (void)state;
    const char *sc =
        "{\"n\":2,\"hyperparameters\":{\"tempo\":65534},"
        "\"owner_uid\":null,\"stake\":[1,0],\"registered_at\":[0,0],"
        "\"emission\":1000000000,\"steps\":["
        "{\"block\":0,\"op\":\"epoch\"},"
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":1,\"uids\":[1],\"values\":[65535]},"
        "{\"block\":1,\"op\":\"epoch\"},"
        "{\"block\":2,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1],\"values\":[65535]},"
        "{\"block\":2,\"op\":\"register\",\"uid\":1,\"stake\":0},"
        "{\"block\":2,\"op\":\"epoch\"},"
        "{\"block\":3,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1],\"values\":[65535]},"
        "{\"block\":3,\"op\":\"epoch\"}]}";
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 4);
    static const uint64_t fallback[2] = {1000000000, 0};
    static const uint64_t split[2] = {500000000, 500000000};
    for (size_t e = 0; e < 3; e++) assert_u64_vec(r.out[e].emission, fallback, 2, "emission", e);
    assert_u64_vec(r.out[3].emission, split, 2, "emission", 3);
    free_recorded(&r);
}

/* ---- §5.5 graph tests ---- */

static void test_1_graph(void **state)
{
    (void)state;
    const char *sc =
        "{\"n\":1,\"owner_uid\":null,\"stake\":[1000000000],\"registered_at\":[0],"
        "\"emission\":1000000000,\"hyperparameters\":{\"tempo\":1},\"steps\":["
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[0],\"values\":[65535]},"
        "{\"block\":1,\"op\":\"epoch\"}]}";
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.out[0].consensus[0], 0);
    assert_int_equal(r.out[0].incentive[0], 0);
    assert_int_equal(r.out[0].dividends[0], 0);
    assert_int_equal(r.out[0].emission[0], 1000000000);
    free_recorded(&r);
}

static void test_10_graph(void **state)
{
    (void)state;
    strbuf s = {0};
    sb_printf(&s, "{\"n\":10,\"owner_uid\":null,\"stake\":[1,1,1,1,1,1,1,1,1,1],"
                  "\"registered_at\":[0,0,0,0,0,0,0,0,0,0],\"emission\":1000000000,"
                  "\"hyperparameters\":{\"tempo\":1},\"steps\":[");
    for (int i = 0; i < 10; i++)
        sb_printf(&s, "{\"block\":1,\"op\":\"set_weights\",\"uid\":%d,\"uids\":[%d],\"values\":[65535]},", i, i);
    sb_printf(&s, "{\"block\":1,\"op\":\"epoch\"}]}");
    recorded_run r;
    assert_int_equal(run_scenario_text(s.buf, &r), 0);
    assert_int_equal(r.count, 1);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(r.out[0].consensus[i], 0);
        assert_int_equal(r.out[0].incentive[i], 0);
        assert_int_equal(r.out[0].dividends[i], 0);
        assert_int_equal(r.out[0].emission[i], 99999999);
    }
    free_recorded(&r);
    free(s.buf);
}

/* 64 validators with equal stake weight all 448 servers; the validators
 * are interleaved with the servers in three layouts, and servers may or may
 * not set a (masked) self-weight. */
static void run_512_graph(int interleave, bool server_self_weight)
{
    enum { N = 512, V = 64 };
    bool is_validator[N] = {0};
    for (int k = 0; k < V; k++) {
        int uid = interleave == 0 ? k : interleave == 1 ? N - V + k : k * (N / V);
        is_validator[uid] = true;
    }
    strbuf s = {0};
    sb_printf(&s, "{\"n\":%d,\"owner_uid\":null,\"hyperparameters\":{\"tempo\":1,\"max_allowed_validators\":64},"
                  "\"emission\":1000000000,\"stake\":[", N);
    for (int i = 0; i < N; i++) sb_printf(&s, "%s%s", i ? "," : "", is_validator[i] ? "328125000000000" : "0");
    sb_printf(&s, "],\"registered_at\":[");
    for (int i = 0; i < N; i++) sb_printf(&s, "%s0", i ? "," : "");
    sb_printf(&s, "],\"steps\":[{\"block\":1,\"op\":\"epoch\"}");
    for (int i = 0; i < N; i++) {
        if (is_validator[i]) {
            sb_printf(&s, ",{\"block\":1,\"op\":\"set_weights\",\"uid\":%d,\"uids\":[", i);
            int first = 1;
            for (int j = 0; j < N; j++)
                if (!is_validator[j]) { sb_printf(&s, "%s%d", first ? "" : ",", j); first = 0; }
            sb_printf(&s, "],\"values\":[");
            for (int j = 0; j < N - V; j++) sb_printf(&s, "%s127", j ? "," : "");
            sb_printf(&s, "]}");
        } else if (server_self_weight) {
            sb_printf(&s, ",{\"block\":1,\"op\":\"set_weights\",\"uid\":%d,\"uids\":[%d],\"values\":[65535]}", i, i);
        }
    }
    sb_printf(&s, ",{\"block\":2,\"op\":\"epoch\"},{\"block\":3,\"op\":\"epoch\"},{\"block\":4,\"op\":\"epoch\"}]}");
    recorded_run r;
    assert_int_equal(run_scenario_text(s.buf, &r), 0);
    assert_int_equal(r.count, 4);
    int first_server = -1, first_validator = -1;
    for (int i = N - 1; i >= 0; i--) {
        if (is_validator[i]) first_validator = i; else first_server = i;
    }
    for (size_t e = 1; e < 4; e++) {
        const yuma_epoch_output *o = &r.out[e];
        for (int i = 0; i < N; i++) {
            if (is_validator[i]) {
                assert_int_equal(o->consensus[i], 0);
                assert_int_equal(o->incentive[i], 0);
                assert_int_equal(o->dividends[i], 1023);
                assert_int_equal(o->emission[i], 7812500);
                assert_int_equal(bond_of(o, i, first_server), 65535);
                assert_int_equal(bond_of(o, i, first_validator), 0);
            } else {
                assert_int_equal(o->consensus[i], 146);
                assert_int_equal(o->incentive[i], 146);
                assert_int_equal(o->dividends[i], 0);
                assert_int_equal(o->emission[i], 1116071);
                assert_int_equal(bond_row_len(o, i), 0);
            }
        }
    }
    free_recorded(&r);
    free(s.buf);
}

static void test_512_graph(void **state)
{
    (void)state;
    for (int interleave = 0; interleave < 3; interleave++) {
        run_512_graph(interleave, false);
        run_512_graph(interleave, true);
    }
}

/* ---- §5.6/5.7/5.9 YC3 scenarios ---- */

/* Builds the setup_yuma_3_scenario of §5.6 with the given stakes and, per
 * epoch e (0..5), each validator's weights on miners 3 and 4. */
static char *yc3_scenario(const uint64_t stake[3], const uint16_t w[6][3][2], bool liquid)
{
    strbuf s = {0};
    sb_printf(&s, "{\"n\":5,\"hyperparameters\":{\"tempo\":1,\"kappa\":32767,\"bonds_penalty\":0,"
                  "\"alpha_sigmoid_steepness\":1000,\"bonds_moving_average\":975000,\"liquid_alpha\":%s,"
                  "\"alpha_low\":6553,\"alpha_high\":19660,\"yuma3\":true,\"max_allowed_validators\":3},"
                  "\"owner_uid\":null,\"stake\":[%llu,%llu,%llu,0,0],\"registered_at\":[1,1,1,1,1],"
                  "\"emission\":1000000000,\"steps\":[{\"block\":2,\"op\":\"epoch\"}",
              liquid ? "true" : "false", (unsigned long long)stake[0], (unsigned long long)stake[1],
              (unsigned long long)stake[2]);
    for (int e = 0; e < 6; e++) {
        for (int v = 0; v < 3; v++)
            sb_printf(&s, ",{\"block\":%d,\"op\":\"set_weights\",\"uid\":%d,\"uids\":[3,4],\"values\":[%u,%u]}",
                      2 + e, v, w[e][v][0], w[e][v][1]);
        sb_printf(&s, ",{\"block\":%d,\"op\":\"epoch\"}", 3 + e);
    }
    sb_printf(&s, "]}");
    return s.buf;
}

static void test_yuma3_kappa_moves_first(void **state)
{
    (void)state;
    static const uint64_t stake[3] = {8, 1, 1};
    static const uint16_t w[6][3][2] = {
        {{M, 0}, {M, 0}, {M, 0}}, {{0, M}, {M, 0}, {M, 0}}, {{0, M}, {0, M}, {M, 0}},
        {{0, M}, {0, M}, {0, M}}, {{0, M}, {0, M}, {0, M}}, {{0, M}, {0, M}, {0, M}},
    };
    char *sc = yc3_scenario(stake, w, true);
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 7);
    static const uint16_t C[6][5] = {{0, 0, 0, 65535, 0}, {0, 0, 0, 0, 65535}, {0, 0, 0, 0, 65535},
                                     {0, 0, 0, 0, 65535}, {0, 0, 0, 0, 65535}, {0, 0, 0, 0, 65535}};
    static const uint16_t D[6][5] = {{52428, 6553, 6553, 0, 0}, {65535, 0, 0, 0, 0},
                                     {61486, 4048, 0, 0, 0},    {57796, 5068, 2669, 0, 0},
                                     {56122, 5531, 3881, 0, 0}, {55170, 5795, 4569, 0, 0}};
    static const uint64_t E[6][5] = {
        {400000000, 49999999, 49999999, 500000000, 0}, {500000000, 0, 0, 0, 500000000},
        {469114009, 30885990, 0, 0, 500000000},        {440959013, 38671990, 20368996, 0, 500000000},
        {428185483, 42204163, 29610352, 0, 500000000}, {420923057, 44213590, 34863351, 0, 500000000},
    };
    /* bonds[e][validator] = {bond on 3, bond on 4}; 0 = no entry */
    static const uint16_t Bd[6][3][2] = {
        {{6640, 0}, {6640, 0}, {6640, 0}},
        {{5951, 6640}, {24229, 0}, {24229, 0}},
        {{5336, 12607}, {20770, 6640}, {36565, 0}},
        {{4786, 17970}, {18119, 12607}, {28221, 6640}},
        {{4294, 22789}, {15957, 17970}, {23518, 12607}},
        {{3853, 27120}, {14133, 22789}, {20244, 17970}},
    };
    for (size_t e = 0; e < 6; e++) {
        const yuma_epoch_output *o = &r.out[e + 1];
        assert_u16_vec(o->consensus, C[e], 5, "consensus", e);
        assert_u16_vec(o->incentive, C[e], 5, "incentive", e);
        assert_u16_vec(o->dividends, D[e], 5, "dividends", e);
        assert_u64_vec(o->emission, E[e], 5, "emission", e);
        for (uint32_t v = 0; v < 3; v++) {
            size_t entries = 0;
            for (uint32_t m = 0; m < 2; m++) {
                uint16_t want = Bd[e][v][m];
                if (want) entries++;
                if (bond_of(o, v, 3 + m) != want) {
                    print_error("bond[%u][%u] at e%zu: got %u want %u\n", v, 3 + m, e, bond_of(o, v, 3 + m), want);
                    fail();
                }
            }
            assert_int_equal(bond_row_len(o, v), entries);
        }
    }
    free_recorded(&r);
    free(sc);
}

static bool within(uint16_t got, double want, double tol)
{
    return fabs(got / 65535.0 - want) <= tol + 1e-12;
}

static void check_yc3_targets(const recorded_run *r, const double D[6][3], const double B[6][2][2])
{
    for (size_t e = 0; e < 6; e++) {
        const yuma_epoch_output *o = &r->out[e + 1];
        for (uint32_t v = 0; v < 3; v++) {
            if (!within(o->dividends[v], D[e][v], 0.001)) {
                print_error("dividend[%u] at e%zu: got %.4f want %.4f\n", v, e, o->dividends[v] / 65535.0, D[e][v]);
                fail();
            }
            const double *b = v < 2 ? B[e][0] : B[e][1]; /* A and B share targets */
            for (uint32_t m = 0; m < 2; m++) {
                if (!within(bond_of(o, v, 3 + m), b[m], 0.001)) {
                    print_error("bond[%u][%u] at e%zu: got %.4f want %.4f\n", v, 3 + m, e,
                                bond_of(o, v, 3 + m) / 65535.0, b[m]);
                    fail();
                }
            }
        }
    }
}

static const uint64_t switch_stake[3] = {33, 33, 34};
static const uint16_t switch_weights[6][3][2] = {
    {{M, 0}, {M, 0}, {M, 0}}, {{M, 0}, {M, 0}, {M, 0}}, {{M, 0}, {M, 0}, {0, M}},
    {{M, 0}, {M, 0}, {M, 0}}, {{M, 0}, {M, 0}, {M, 0}}, {{M, 0}, {M, 0}, {M, 0}},
};

static void test_yuma3_one_epoch_switch(void **state)
{
    (void)state;
    static const double D[6][3] = {{0.33, 0.33, 0.34},       {0.33, 0.33, 0.34},
                                   {0.3782, 0.3782, 0.2436}, {0.3628, 0.3628, 0.2745},
                                   {0.3541, 0.3541, 0.2917}, {0.3487, 0.3487, 0.3026}};
    static const double B[6][2][2] = {
        {{0.1013, 0}, {0.1013, 0}},      {{0.1924, 0}, {0.1924, 0}},      {{0.2742, 0}, {0.1715, 0.2987}},
        {{0.3478, 0}, {0.2554, 0.2618}}, {{0.4139, 0}, {0.3309, 0.2312}}, {{0.4733, 0}, {0.3987, 0.2051}},
    };
    char *sc = yc3_scenario(switch_stake, switch_weights, true);
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 7);
    check_yc3_targets(&r, D, B);
    free_recorded(&r);
    free(sc);
}

static void test_yuma3_liquid_alpha_disabled(void **state)
{
    (void)state;
    static const double D[6][3] = {{0.33, 0.33, 0.34},       {0.33, 0.33, 0.34},
                                   {0.3734, 0.3734, 0.2532}, {0.3611, 0.3611, 0.2779},
                                   {0.3541, 0.3541, 0.2919}, {0.3495, 0.3495, 0.3009}};
    static const double B[6][2][2] = {
        {{0.0250, 0}, {0.0250, 0}},      {{0.0494, 0}, {0.0494, 0}},      {{0.0731, 0}, {0.0481, 0.0250}},
        {{0.0963, 0}, {0.0719, 0.0244}}, {{0.1189, 0}, {0.0951, 0.0238}}, {{0.1409, 0}, {0.1178, 0.0232}},
    };
    char *sc = yc3_scenario(switch_stake, switch_weights, false);
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 7);
    check_yc3_targets(&r, D, B);
    free_recorded(&r);
    free(sc);
}

/* ---- §6 items 21 and 22 (exact vectors in scenario form) ---- */

static void test_inactive_validator_keeps_row(void **state)
{
    (void)state;
    const char *sc =
        "{\"n\":5,\"hyperparameters\":{\"tempo\":1,\"yuma3\":true,\"liquid_alpha\":false,\"bonds_penalty\":65535,"
        "\"bonds_moving_average\":900000,\"max_allowed_validators\":3},\"owner_uid\":null,\"stake\":[1,1,1,0,0],"
        "\"registered_at\":[0,0,0,0,0],\"emission\":1000000000,\"steps\":[{\"block\":1,\"op\":\"epoch\"},"
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[3],\"values\":[65535]},"
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":1,\"uids\":[4],\"values\":[65535]},"
        "{\"block\":1,\"op\":\"set_weights\",\"uid\":2,\"uids\":[4],\"values\":[65535]},"
        "{\"block\":2,\"op\":\"epoch\"},{\"block\":20,\"op\":\"set_weights\",\"uid\":0,\"uids\":[3],\"values\":[65535]},"
        "{\"block\":20,\"op\":\"set_weights\",\"uid\":1,\"uids\":[4],\"values\":[65535]},{\"block\":20,\"op\":\"epoch\"}]}";
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 3);
    const yuma_epoch_output *o = &r.out[2];
    static const uint16_t VT[5] = {65535, 65535, 65535, 0, 0};
    static const uint16_t D[5] = {43689, 21844, 0, 0, 0};
    static const uint64_t E[5] = {333333333, 166666666, 0, 250000000, 250000000};
    assert_u16_vec(o->validator_trust, VT, 5, "validator_trust", 20);
    assert_u16_vec(o->dividends, D, 5, "dividends", 20);
    assert_u64_vec(o->emission, E, 5, "emission", 20);
    assert_int_equal(bond_row_len(o, 2), 1);
    assert_int_equal(bond_of(o, 2, 4), 12451);
    free_recorded(&r);
}

static char *registration_scenario(int register_block)
{
    strbuf s = {0};
    sb_printf(&s,
              "{\"n\":4,\"hyperparameters\":{\"tempo\":1,\"yuma3\":true,\"liquid_alpha\":false,\"bonds_penalty\":65535,"
              "\"bonds_moving_average\":900000,\"max_allowed_validators\":2},\"owner_uid\":null,\"stake\":[1,1,0,0],"
              "\"registered_at\":[0,0,0,0],\"emission\":1000000000,\"steps\":[{\"block\":1,\"op\":\"epoch\"},"
              "{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2],\"values\":[65535]},"
              "{\"block\":1,\"op\":\"set_weights\",\"uid\":1,\"uids\":[3],\"values\":[65535]},"
              "{\"block\":2,\"op\":\"epoch\"},{\"block\":3,\"op\":\"epoch\"},"
              "{\"block\":%d,\"op\":\"register\",\"uid\":2,\"stake\":0},"
              "{\"block\":5,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2],\"values\":[65535]},"
              "{\"block\":5,\"op\":\"set_weights\",\"uid\":1,\"uids\":[2],\"values\":[65535]},"
              "{\"block\":5,\"op\":\"epoch\"}]}",
              register_block);
    return s.buf;
}

static void test_registration_in_epoch_block_inherits_bonds(void **state)
{
    (void)state;
    char *sc = registration_scenario(3);
    recorded_run r;
    assert_int_equal(run_scenario_text(sc, &r), 0);
    assert_int_equal(r.count, 4);
    const yuma_epoch_output *o = &r.out[3];
    static const uint16_t D[4] = {47870, 17664, 0, 0};
    static const uint64_t E[4] = {365225867, 134774132, 500000000, 0};
    assert_u16_vec(o->dividends, D, 4, "dividends", 5);
    assert_u64_vec(o->emission, E, 4, "emission", 5);
    assert_int_equal(bond_row_len(o, 0), 1);
    assert_int_equal(bond_of(o, 0, 2), 17759);
    free_recorded(&r);
    free(sc);

    /* Registering one block later starts the new uid without bonds. */
    sc = registration_scenario(4);
    assert_int_equal(run_scenario_text(sc, &r), 0);
    static const uint16_t D4[4] = {32767, 32767, 0, 0};
    assert_u16_vec(r.out[3].dividends, D4, 4, "dividends", 5);
    free_recorded(&r);
    free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bonds_yc2),
        cmocka_unit_test(test_active_stake),
        cmocka_unit_test(test_outdated_weights),
        cmocka_unit_test(test_zero_weights),
        cmocka_unit_test(test_1_graph),
        cmocka_unit_test(test_10_graph),
        cmocka_unit_test(test_512_graph),
        cmocka_unit_test(test_yuma3_kappa_moves_first),
        cmocka_unit_test(test_yuma3_one_epoch_switch),
        cmocka_unit_test(test_yuma3_liquid_alpha_disabled),
        cmocka_unit_test(test_inactive_validator_keeps_row),
        cmocka_unit_test(test_registration_in_epoch_block_inherits_bonds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
