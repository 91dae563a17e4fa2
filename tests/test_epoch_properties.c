/*
 * test_epoch_properties.c - invariants of the epoch over thousands of seeded
 * random scenarios (run through the real parser and runner):
 *  - the emission paid never exceeds the epoch's emission, and falls short
 *    of it by no more than the flooring of the normalised shares allows;
 *  - permits never exceed max_allowed_validators (+1 for the owner), bonds
 *    are stored only for permitted rows, u16 vectors sum to at most 65535;
 *  - running a scenario twice gives the same bytes;
 *  - permuting the order of a validator's weight entries changes nothing,
 *    except under YC3 with liquid alpha (spec §6 item 12), the one place
 *    the reference reads rows in submission order.
 * It also prints a digest of every output line; CI compares the digests of
 * the Release and the sanitizer (-O0) builds, and YUMA_DIGEST_FILE names a
 * file to write it to.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vectors.h"

#define SCENARIOS 3000

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(rng *r, uint64_t bound)
{
    return bound ? next(r) % bound : 0;
}

static uint64_t digest = 0xcbf29ce484222325ull;

static void digest_add(const char *s)
{
    for (; *s; s++) digest = (digest ^ (uint8_t)*s) * 0x100000001b3ull;
    digest = (digest ^ '\n') * 0x100000001b3ull;
}

typedef struct {
    uint32_t n;
    bool yuma3, liquid;
    uint64_t emission;
    uint32_t max_validators;
    int owner;
    uint64_t stake_threshold;
} scenario_shape;

/* Writes a random set_weights entry list; `permute` shuffles it afterwards
 * with a second generator so both variants share everything else. */
static void emit_weights(strbuf *s, rng *r, uint32_t n, rng *shuffle)
{
    uint32_t count = 1 + (uint32_t)below(r, n);
    uint16_t uids[64], vals[64];
    bool used[64] = {0};
    uint32_t k = 0;
    while (k < count) {
        uint16_t u = (uint16_t)below(r, n);
        if (used[u]) continue;
        used[u] = true;
        uids[k] = u;
        uint64_t kind = below(r, 8);
        vals[k] = kind == 0 ? 0 : kind == 1 ? 65535 : (uint16_t)below(r, 65536);
        k++;
    }
    if (shuffle) {
        for (uint32_t i = count; i > 1; i--) {
            uint32_t j = (uint32_t)below(shuffle, i);
            uint16_t t = uids[i - 1]; uids[i - 1] = uids[j]; uids[j] = t;
            t = vals[i - 1]; vals[i - 1] = vals[j]; vals[j] = t;
        }
    }
    sb_printf(s, ",\"uids\":[");
    for (uint32_t i = 0; i < count; i++) sb_printf(s, "%s%u", i ? "," : "", uids[i]);
    sb_printf(s, "],\"values\":[");
    for (uint32_t i = 0; i < count; i++) sb_printf(s, "%s%u", i ? "," : "", vals[i]);
    sb_printf(s, "]");
}

static uint64_t random_stake(rng *r)
{
    switch (below(r, 5)) {
    case 0: return 0;
    case 1: return below(r, 10);
    case 2: return below(r, 1000000);
    case 3: return below(r, (uint64_t)1 << 50);
    default: return 1000000000ull * below(r, 10000);
    }
}

/* A random scenario; the same seed gives the same text, except that with
 * `shuffle` the weight entries of each set_weights come in another order. */
static char *random_scenario(uint64_t seed, rng *shuffle, scenario_shape *shape)
{
    rng r = {seed};
    strbuf s = {0};
    uint32_t n = 1 + (uint32_t)below(&r, 40);
    shape->n = n;
    shape->yuma3 = below(&r, 2);
    shape->liquid = below(&r, 2);
    shape->emission = below(&r, 4) == 0 ? below(&r, 1000) : below(&r, 4000000000ull);
    shape->max_validators = (uint32_t)below(&r, n + 3);
    shape->owner = below(&r, 3) == 0 ? (int)below(&r, n) : -1;
    uint64_t bp_kind = below(&r, 3);
    shape->stake_threshold = below(&r, 4) == 0 ? below(&r, 100) : 0;
    uint16_t alo = (uint16_t)below(&r, 65536), ahi = (uint16_t)below(&r, 65536);
    if (alo > ahi) { uint16_t t = alo; alo = ahi; ahi = t; }
    sb_printf(&s,
              "{\"n\":%u,\"hyperparameters\":{\"tempo\":%u,\"kappa\":%u,\"bonds_penalty\":%u,"
              "\"bonds_moving_average\":%u,\"max_allowed_validators\":%u,\"yuma3\":%s,\"liquid_alpha\":%s,"
              "\"alpha_low\":%u,\"alpha_high\":%u,\"alpha_sigmoid_steepness\":%d,\"stake_threshold\":%u,"
              "\"activity_cutoff_factor_milli\":%u},",
              n, (unsigned)below(&r, 20), below(&r, 2) ? 32767u : (unsigned)below(&r, 65536),
              bp_kind == 0 ? 0u : bp_kind == 1 ? 65535u : (unsigned)below(&r, 65536),
              below(&r, 2) ? 900000u : (unsigned)below(&r, 1000001), shape->max_validators,
              shape->yuma3 ? "true" : "false", shape->liquid ? "true" : "false", alo, ahi,
              (int)below(&r, 4000) - 1000, (unsigned)shape->stake_threshold,
              (unsigned)(1000 + below(&r, 49000)));
    if (shape->owner >= 0) sb_printf(&s, "\"owner_uid\":%d,", shape->owner);
    else sb_printf(&s, "\"owner_uid\":null,");
    sb_printf(&s, "\"stake\":[");
    for (uint32_t i = 0; i < n; i++) sb_printf(&s, "%s%" PRIu64, i ? "," : "", random_stake(&r));
    sb_printf(&s, "],\"registered_at\":[");
    for (uint32_t i = 0; i < n; i++) sb_printf(&s, "%s%" PRIu64, i ? "," : "", below(&r, 3));
    sb_printf(&s, "],\"emission\":%" PRIu64 ",\"steps\":[", shape->emission);
    uint64_t block = below(&r, 3);
    uint32_t steps = 4 + (uint32_t)below(&r, 30);
    for (uint32_t k = 0; k < steps; k++) {
        block += below(&r, 3) == 0 ? below(&r, 30) : 0;
        uint64_t op = below(&r, 10);
        uint32_t uid = (uint32_t)below(&r, n);
        const char *sep = k ? "," : "";
        if (op < 3 || k == steps - 1) {
            sb_printf(&s, "%s{\"block\":%" PRIu64 ",\"op\":\"epoch\"}", sep, block);
        } else if (op < 8) {
            sb_printf(&s, "%s{\"block\":%" PRIu64 ",\"op\":\"set_weights\",\"uid\":%u", sep, block, uid);
            emit_weights(&s, &r, n, shuffle);
            sb_printf(&s, "}");
        } else if (op == 8) {
            sb_printf(&s, "%s{\"block\":%" PRIu64 ",\"op\":\"set_stake\",\"uid\":%u,\"stake\":%" PRIu64 "}", sep,
                      block, uid, random_stake(&r));
        } else if ((int)uid != shape->owner && below(&r, 2)) {
            sb_printf(&s, "%s{\"block\":%" PRIu64 ",\"op\":\"register\",\"uid\":%u,\"stake\":%" PRIu64 "}", sep,
                      block, uid, random_stake(&r));
        } else {
            sb_printf(&s, "%s{\"block\":%" PRIu64 ",\"op\":\"reset_bonds\",\"uid\":%u}", sep, block, uid);
        }
    }
    sb_printf(&s, "]}");
    return s.buf;
}

static uint64_t max_comb_short, max_paid_short, over_n, small_r_epochs;

static void check_invariants(const recorded_run *r, const scenario_shape *sh)
{
    uint64_t R = sh->emission;
    for (size_t e = 0; e < r->count; e++) {
        const yuma_epoch_output *o = &r->out[e];
        uint32_t n = o->n;
        unsigned __int128 comb = 0, paid = 0;
        uint32_t permits = 0;
        uint64_t isum = 0, dsum = 0;
        for (uint32_t i = 0; i < n; i++) {
            comb += o->emission[i];
            paid += (unsigned __int128)o->server_emission[i] + o->validator_emission[i];
            permits += o->validator_permit[i];
            isum += o->incentive[i];
            dsum += o->dividends[i];
            if (!o->validator_permit[i]) assert_int_equal(bond_row_len(o, i), 0);
        }
        /* Nobody holds stake that counts: the reference pays no one. */
        bool payable = false;
        for (uint32_t i = 0; i < n; i++)
            payable |= o->raw_stake[i] > 0 && (o->raw_stake[i] >= sh->stake_threshold || (int)i == sh->owner);
        if (!payable) {
            assert_true(comb == 0 && paid == 0);
            continue;
        }
        assert_true(comb <= R);
        assert_true(paid <= R);
        /* The combined shares are floor(E_i * 2^32 / sum E): together they
         * lose less than n raws of 2^-32, worth (n-1)*R/2^32 rao, and each
         * amount floors once more (under 1 rao each). So the shortfall is at
         * most n rao while (n-1)*R < 2^32, and n + ceil((n-1)*R/2^32) in
         * general; server and validator amounts are 2n such terms. */
        uint64_t comb_short = R - (uint64_t)comb, paid_short = R - (uint64_t)paid;
        uint64_t share_loss = (uint64_t)(((unsigned __int128)R * (n - 1) + ((uint64_t)1 << 32) - 1) >> 32);
        uint64_t pair_loss = (uint64_t)(((unsigned __int128)R * (2 * n - 1) + ((uint64_t)1 << 32) - 1) >> 32);
        assert_true(comb_short <= n + share_loss);
        assert_true(paid_short <= 2 * n + pair_loss);
        if ((unsigned __int128)R * (n - 1) < ((unsigned __int128)1 << 32)) {
            assert_true(comb_short <= n);
            small_r_epochs++;
        }
        if (comb_short > max_comb_short) max_comb_short = comb_short;
        if (paid_short > max_paid_short) max_paid_short = paid_short;
        if (comb_short > n) over_n++;
        assert_true(permits <= sh->max_validators + (sh->owner >= 0));
        assert_true(isum <= 65535);
        assert_true(dsum <= 65535);
    }
}

static void test_random_scenarios(void **state)
{
    (void)state;
    size_t epochs = 0, permuted_checked = 0;
    for (uint64_t seed = 1; seed <= SCENARIOS; seed++) {
        scenario_shape sh;
        char *text = random_scenario(seed, NULL, &sh);
        recorded_run a, b;
        assert_int_equal(run_scenario_text(text, &a), 0);
        check_invariants(&a, &sh);
        epochs += a.count;
        for (size_t e = 0; e < a.count; e++) digest_add(a.json[e]);

        /* Same input, same bytes. */
        assert_int_equal(run_scenario_text(text, &b), 0);
        assert_int_equal(a.count, b.count);
        for (size_t e = 0; e < a.count; e++) assert_string_equal(a.json[e], b.json[e]);
        free_recorded(&b);

        if (!(sh.yuma3 && sh.liquid)) {
            rng shuffle = {seed * 7919};
            scenario_shape sh2;
            char *permuted = random_scenario(seed, &shuffle, &sh2);
            assert_int_equal(run_scenario_text(permuted, &b), 0);
            assert_int_equal(a.count, b.count);
            for (size_t e = 0; e < a.count; e++) assert_string_equal(a.json[e], b.json[e]);
            free_recorded(&b);
            free(permuted);
            permuted_checked++;
        }
        free_recorded(&a);
        free(text);
    }
    printf("scenarios: %d, epochs: %zu, permutation checks: %zu\n", SCENARIOS, epochs, permuted_checked);
    printf("largest shortfall: combined %" PRIu64 " rao, server+validator %" PRIu64 " rao\n", max_comb_short,
           max_paid_short);
    printf("epochs where (n-1)*R < 2^32 (shortfall <= n asserted): %" PRIu64 "\n", small_r_epochs);
    printf("epochs whose combined emission is short by more than n rao (large R): %" PRIu64 "\n", over_n);
    printf("epoch digest: %016" PRIx64 "\n", digest);
    const char *path = getenv("YUMA_DIGEST_FILE");
    if (path) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "%016" PRIx64 "\n", digest);
        fclose(f);
    }
}

/* Under YC3 with liquid alpha a row's order can matter; check that the
 * order-sensitive path still produces valid, deterministic results. */
static void test_liquid_alpha_order_is_deterministic(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SCENARIOS; seed++) {
        scenario_shape sh;
        rng shuffle = {seed};
        char *text = random_scenario(seed, &shuffle, &sh);
        if (sh.yuma3 && sh.liquid) {
            recorded_run a, b;
            assert_int_equal(run_scenario_text(text, &a), 0);
            assert_int_equal(run_scenario_text(text, &b), 0);
            check_invariants(&a, &sh);
            for (size_t e = 0; e < a.count; e++) assert_string_equal(a.json[e], b.json[e]);
            free_recorded(&a);
            free_recorded(&b);
        }
        free(text);
        if (seed > SCENARIOS / 4) break;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_scenarios),
        cmocka_unit_test(test_liquid_alpha_order_is_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
