/*
 * sim.c - `yuma sim FILE|-`: runs an epoch scenario
 * (../shared/specs/scenario-format.md) and prints one JSON line per epoch
 * step, or with --table a readable table per epoch.
 *
 * Exit status: 0 on success, 2 on a usage error or malformed/unreadable
 * input (message on stderr, nothing on stdout: the whole scenario is
 * validated before anything runs), 1 on a failure while running (out of
 * memory, write error).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "yuma/scenario.h"

static void sim_usage(FILE *f)
{
    fputs("usage: yuma sim [--table] FILE|-\n"
          "\n"
          "Runs an epoch scenario (JSON; '-' reads standard input) and prints one JSON\n"
          "object per epoch step, one per line.\n"
          "\n"
          "options:\n"
          "  --table   print a readable table per epoch instead of JSON\n"
          "  --help    show this message\n"
          "\n"
          "exit status: 0 ok, 1 runtime failure, 2 usage error or malformed input\n",
          f);
}

/* Reads all of f; NULL on error (errno set) with *len untouched. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (used == cap) {
            char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno ? errno : EIO;
                free(buf);
                errno = e;
                return NULL;
            }
            break;
        }
    }
    *len = used;
    return buf;
}

typedef struct {
    unsigned long epochs;
    bool nomem;
} sim_ctx;

static bool print_json(const yuma_epoch_input *in, const yuma_epoch_output *out, void *ctx)
{
    sim_ctx *t = ctx;
    char *line = yuma_epoch_result_json(in->block, out);
    if (!line) {
        t->nomem = true;
        return false;
    }
    fputs(line, stdout);
    putchar('\n');
    free(line);
    return !ferror(stdout);
}

/* ---- --table ---- */

static int digits_u64(uint64_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* A u16 proportion v/65535 as a decimal with 4 places, rounded half up,
 * integer arithmetic only: 32767 -> "0.5000", 65535 -> "1.0000". */
static void fmt_prop(char *buf, size_t len, uint16_t v)
{
    uint32_t q = ((uint32_t)v * 20000u + 65535u) / 131070u;
    snprintf(buf, len, "%u.%04u", q / 10000u, q % 10000u);
}

/* rao as TAO (1 TAO = 10^9 rao), exact. */
static void fmt_tao(char *buf, size_t len, uint64_t rao)
{
    snprintf(buf, len, "%llu.%09llu", (unsigned long long)(rao / 1000000000u),
             (unsigned long long)(rao % 1000000000u));
}

static bool print_table(const yuma_epoch_input *in, const yuma_epoch_output *out, void *ctx)
{
    sim_ctx *t = ctx;
    uint32_t n = out->n;
    uint64_t max_stake = 0, max_em = 0, total_em = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (in->alpha_stake[i] > max_stake) max_stake = in->alpha_stake[i];
        if (out->emission[i] > max_em) max_em = out->emission[i];
        total_em += out->emission[i];
    }
    int wu = digits_u64(n ? n - 1 : 0);
    if (wu < 3) wu = 3;
    int ws = digits_u64(max_stake);
    if (ws < 5) ws = 5;
    int we = digits_u64(max_em);
    if (we < 14) we = 14;
    char tao[32];
    fmt_tao(tao, sizeof tao, max_em);
    int wt = (int)strlen(tao);
    if (wt < 14) wt = 14;

    if (t->epochs++) putchar('\n');
    char tot[32];
    fmt_tao(tot, sizeof tot, total_em);
    printf("epoch at block %llu (last epoch block %llu): %llu rao to distribute, %s TAO "
           "assigned\n",
           (unsigned long long)in->block, (unsigned long long)in->last_epoch_block,
           (unsigned long long)in->emission, tot);
    printf("%*s  %*s  %-6s  %-6s  %9s  %9s  %9s  %6s  %*s  %*s\n", wu, "uid", ws, "stake", "permit",
           "active", "consensus", "incentive", "dividends", "vtrust", we, "emission (rao)", wt,
           "emission (TAO)");
    for (uint32_t i = 0; i < n; i++) {
        char c[16], inc[16], d[16], vt[16];
        fmt_prop(c, sizeof c, out->consensus[i]);
        fmt_prop(inc, sizeof inc, out->incentive[i]);
        fmt_prop(d, sizeof d, out->dividends[i]);
        fmt_prop(vt, sizeof vt, out->validator_trust[i]);
        fmt_tao(tao, sizeof tao, out->emission[i]);
        printf("%*u  %*llu  %-6s  %-6s  %9s  %9s  %9s  %6s  %*llu  %*s\n", wu, i, ws,
               (unsigned long long)in->alpha_stake[i], out->validator_permit[i] ? "yes" : "no",
               out->active[i] ? "yes" : "no", c, inc, d, vt, we,
               (unsigned long long)out->emission[i], wt, tao);
    }
    return !ferror(stdout);
}

int cmd_sim(int argc, char **argv)
{
    const char *path = NULL;
    bool table = false, opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (!opts_done && strcmp(a, "--table") == 0) {
            table = true;
        } else if (!opts_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            sim_usage(stdout);
            return 0;
        } else if (!opts_done && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "yuma sim: unknown option '%s' (try 'yuma sim --help')\n", a);
            return 2;
        } else if (path) {
            fprintf(stderr, "yuma sim: more than one scenario file given ('%s', '%s')\n", path, a);
            return 2;
        } else {
            path = a;
        }
    }
    if (!path) {
        fputs("yuma sim: no scenario file given (try 'yuma sim --help')\n", stderr);
        return 2;
    }

    size_t len = 0;
    char *text;
    if (strcmp(path, "-") == 0) {
        text = read_all(stdin, &len);
        if (!text) {
            fprintf(stderr, "yuma sim: cannot read standard input: %s\n", strerror(errno));
            return 2;
        }
    } else {
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "yuma sim: cannot open '%s': %s\n", path, strerror(errno));
            return 2;
        }
        text = read_all(f, &len);
        int e = errno;
        fclose(f);
        if (!text) {
            fprintf(stderr, "yuma sim: cannot read '%s': %s\n", path, strerror(e));
            return 2;
        }
    }

    yuma_scenario sc;
    char err[512];
    bool ok = yuma_scenario_parse(text, len, &sc, err, sizeof err);
    free(text);
    if (!ok) {
        fprintf(stderr, "yuma sim: %s\n", err);
        return 2;
    }

    sim_ctx t = {0};
    yuma_status rc = yuma_scenario_run_ex(&sc, table ? print_table : print_json, &t);
    if (rc == YUMA_OK && t.nomem) rc = YUMA_ERR_NOMEM;
    yuma_scenario_free(&sc);
    int status = 0;
    if (rc != YUMA_OK) {
        fflush(stdout);
        fprintf(stderr, "yuma sim: epoch failed: %s\n", yuma_status_str(rc));
        status = 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (status == 0) fprintf(stderr, "yuma sim: error writing output: %s\n", strerror(errno));
        status = 1;
    }
    return status;
}
