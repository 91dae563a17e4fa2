/*
 * test_trainnet.c - the pieces of the training subnet's network processes
 * (include/yuma/trainnet.h) that need no node: the .meta sidecar a reader
 * checks (exactly "block N\nsize S\n"; anything else refused), the
 * on-chain commitment that maps a hotkey to its training uid (validators
 * after the miners; out-of-range and malformed ones refused), and the
 * configuration check with each of its messages. The processes themselves
 * run against a real node in tests/cli_train_devnet.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainsim_fixture.h"
#include "yuma/trainnet.h"

static void test_meta(void **state)
{
    (void)state;
    uint64_t b = 7, s = 7;
    const char *good = "block 123\nsize 4567\n";
    assert_true(yuma_trainnet_parse_meta(good, strlen(good), &b, &s));
    assert_int_equal(b, 123);
    assert_int_equal(s, 4567);
    const char *zero = "block 0\nsize 0\n";
    assert_true(yuma_trainnet_parse_meta(zero, strlen(zero), &b, &s));
    assert_int_equal(b, 0);
    assert_int_equal(s, 0);
    const char *max = "block 18446744073709551615\nsize 1\n";
    assert_true(yuma_trainnet_parse_meta(max, strlen(max), &b, &s));
    assert_true(b == UINT64_MAX);
    /* refused, and the outputs left alone */
    const char *bad[] = {
        "",                            /* empty */
        "block 12\n",                  /* no size */
        "block 12\nsize 3",            /* no final newline */
        "block 12\nsize 3\nextra\n",   /* trailing text */
        "block  12\nsize 3\n",         /* two spaces */
        "block -1\nsize 3\n",          /* negative */
        "block 012\nsize 3\n",         /* not the canonical form */
        "size 3\nblock 12\n",          /* order */
        "block 12\r\nsize 3\r\n",      /* CRLF */
        "block 99999999999999999999\nsize 3\n", /* above 2^64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b = s = 42;
        if (yuma_trainnet_parse_meta(bad[i], strlen(bad[i]), &b, &s)) fail_msg("accepted .meta #%zu", i);
        assert_int_equal(b, 42);
        assert_int_equal(s, 42);
    }
    /* a NUL inside, and NULL */
    const char nul[] = "block 1\0size 3\n";
    assert_false(yuma_trainnet_parse_meta(nul, sizeof nul - 1, &b, &s));
    assert_false(yuma_trainnet_parse_meta(NULL, 5, &b, &s));
}

static void test_commitment(void **state)
{
    (void)state;
    uint16_t u = 999;
    assert_true(yuma_trainnet_parse_commitment("ytrain1 miner 0", 4, 2, &u));
    assert_int_equal(u, 0);
    assert_true(yuma_trainnet_parse_commitment("ytrain1 miner 3", 4, 2, &u));
    assert_int_equal(u, 3);
    /* validators follow the miners: 4 miners, validator 1 is training uid 5 */
    assert_true(yuma_trainnet_parse_commitment("ytrain1 validator 0", 4, 2, &u));
    assert_int_equal(u, 4);
    assert_true(yuma_trainnet_parse_commitment("ytrain1 validator 1", 4, 2, &u));
    assert_int_equal(u, 5);
    const char *bad[] = {
        "ytrain1 miner 4",      /* index out of range */
        "ytrain1 validator 2",  /* index out of range */
        "ytrain1 owner 0",      /* unknown role */
        "ytrain2 miner 0",      /* another version */
        "ytrain1 miner",        /* no index */
        "ytrain1 miner 0 ",     /* trailing space */
        "ytrain1 miner 01",     /* not canonical */
        "ytrain1  miner 0",     /* two spaces */
        "ytrain1 miner -1",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        u = 999;
        if (yuma_trainnet_parse_commitment(bad[i], 4, 2, &u)) fail_msg("accepted commitment '%s'", bad[i]);
        assert_int_equal(u, 999);
    }
    assert_false(yuma_trainnet_parse_commitment(NULL, 4, 2, &u));
}

/* A synthetic corpus (the check wants one with enough samples for a pool). */
static yuma_corpus corpus;

static yuma_trainnet_config good_config(void)
{
    yuma_trainnet_config c;
    memset(&c, 0, sizeof c);
    assert_true(yuma_trainsim_defaults("T0", &c.sim));
    c.sim.corpus = &corpus;
    c.sim.store_dir = "/tmp/unused";
    c.rpc_url = "http://127.0.0.1:9944/";
    c.dir = "/tmp/unused";
    c.ip = "127.0.0.2";
    c.netuid = 1;
    return c;
}

static void expect_refused(const yuma_trainnet_config *c, const char *want)
{
    char err[512] = "";
    assert_false(yuma_trainnet_config_check(c, err, sizeof err));
    if (!strstr(err, want)) fail_msg("message '%s' lacks '%s'", err, want);
}

static void test_config(void **state)
{
    (void)state;
    char err[512];
    yuma_trainnet_config c = good_config();
    if (!yuma_trainnet_config_check(&c, err, sizeof err)) fail_msg("refused: %s", err);
    c.role = YUMA_TRAINNET_VALIDATOR;
    assert_true(yuma_trainnet_config_check(&c, err, sizeof err));

    c = good_config();
    c.index = 4;
    expect_refused(&c, "miner index 4 is not below the 4 miners");
    c = good_config();
    c.role = YUMA_TRAINNET_VALIDATOR;
    c.index = 1;
    expect_refused(&c, "validator index 1 is not below the 1 validators");
    c = good_config();
    c.kind = YUMA_MINER_COPIER;
    expect_refused(&c, "a copier");
    c = good_config();
    c.netuid = 0;
    expect_refused(&c, "netuid 0 is root");
    c = good_config();
    c.rpc_url = NULL;
    expect_refused(&c, "missing rpc url");
    c = good_config();
    c.sim.mode = YUMA_SIM_DENSE;
    expect_refused(&c, "sparse protocol only");
    c = good_config();
    c.sim.miners = 0;
    expect_refused(&c, "miners must be");
    assert_false(yuma_trainnet_config_check(NULL, err, sizeof err));
}

int main(void)
{
    char err[128];
    if (!trainsim_synthetic_corpus(&corpus, err, sizeof err)) {
        fprintf(stderr, "synthetic corpus: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_commitment),
        cmocka_unit_test(test_config),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    yuma_corpus_free(&corpus);
    return rc;
}
