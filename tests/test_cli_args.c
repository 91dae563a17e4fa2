/*
 * test_cli_args.c - the CLI's shared parsing of option values
 * (src/cli/args.h): amounts of TAO into rao, checked against values worked
 * out by hand (10^9 rao a TAO; UINT64_MAX = 18446744073709551615), and
 * every refused spelling leaves the output alone; the usage error's line,
 * byte for byte, with and without its hint. tests/cli_args.sh checks the
 * same rules through the commands that use them.
 *
 * src/cli/ is built into the yuma executable only, not into a library a
 * test can link, so this compiles args.c itself; args.c needs nothing but
 * the C library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/args.c"

static void amount_is(const char *s, uint64_t want)
{
    uint64_t got = 12345;
    if (!cli_parse_amount(s, &got)) fail_msg("'%s' was refused, want %llu rao", s, (unsigned long long)want);
    if (got != want)
        fail_msg("'%s' gave %llu rao, want %llu", s, (unsigned long long)got, (unsigned long long)want);
}

static void amount_refused(const char *s)
{
    uint64_t got = 12345;
    if (cli_parse_amount(s, &got)) fail_msg("'%s' was accepted as %llu rao", s ? s : "(null)", (unsigned long long)got);
    assert_int_equal(got, 12345); /* a refusal writes nothing */
}

static void test_amounts_in_rao(void **state)
{
    (void)state;
    amount_is("1.5", 1500000000ULL);
    amount_is("2", 2000000000ULL);
    amount_is("0", 0);
    amount_is("0.000000001", 1);           /* one rao, the 9th decimal */
    amount_is("123.456789012", 123456789012ULL);
    amount_is("000.100000000", 100000000ULL); /* leading zeros, all 9 decimals */
    amount_is("1.", 1000000000ULL);        /* a point with nothing after it */
    amount_is(".5", 500000000ULL);         /* nothing before it */
    amount_is("18446744073", 18446744073000000000ULL);
    amount_is("18446744073.709551615", UINT64_MAX); /* the largest */
}

static void test_amounts_refused(void **state)
{
    (void)state;
    amount_refused(NULL);
    amount_refused("");
    amount_refused(".");                    /* no digit at all */
    amount_refused("1.0000000001");         /* 10 decimals: finer than a rao */
    amount_refused("1.0000000000");         /* even when the 10th is a zero */
    amount_refused("18446744073.709551616"); /* UINT64_MAX + 1 rao */
    amount_refused("18446744074");          /* whole TAO past the largest */
    /* 2^64 and 2^64 + 1 as whole TAO: the digits must not wrap around to
     * 0 and 1 TAO on the way */
    amount_refused("18446744073709551616");
    amount_refused("18446744073709551617");
    amount_refused("99999999999999999999999999999999");
    amount_refused(" 1");
    amount_refused("1 ");
    amount_refused("+1");
    amount_refused("-1");
    amount_refused("1e3");
    amount_refused("0x10");
    amount_refused("1.5x");
    amount_refused("1..5");
    amount_refused("1.2.3");
    amount_refused("1,5");
}

/* The bytes cli_usage_error writes to stderr (fd 2 pointed at a temporary
 * file meanwhile), and its return value in *status. */
static const char *usage_error_text(const char *who, const char *hint, const char *value, int *status)
{
    static char text[512];
    FILE *f = tmpfile();
    assert_non_null(f);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0 && dup2(fileno(f), STDERR_FILENO) >= 0);
    *status = cli_usage_error(who, hint, "--steps must be 1..%d, not '%s'", 10, value);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

static void test_usage_error_line(void **state)
{
    (void)state;
    int status = 0;
    assert_string_equal(usage_error_text("yuma train", "try 'yuma train --help'", "0", &status),
                        "yuma train: --steps must be 1..10, not '0' (try 'yuma train --help')\n");
    assert_int_equal(status, 2);
    status = 0;
    assert_string_equal(usage_error_text("yuma", NULL, "x", &status), "yuma: --steps must be 1..10, not 'x'\n");
    assert_int_equal(status, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_in_rao),
        cmocka_unit_test(test_amounts_refused),
        cmocka_unit_test(test_usage_error_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
