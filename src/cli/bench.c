/*
 * bench.c - `yuma bench epoch`: times the Yuma Consensus epoch on a random
 * subnet. The N uids get random stakes; the V highest-stake uids hold
 * validator permits and each weights a random fraction D of all uids. One
 * untimed epoch first turns the weights into bonds, then R epochs are timed
 * (the epoch call alone, writing into one reused output), on one thread
 * unless --threads says otherwise; --layout forces the epoch's sparse or
 * dense layout (yuma_epoch_options) to compare them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "yuma/epoch.h"

typedef struct {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(rng *r, uint64_t bound)
{
    return rng_next(r) % bound;
}

typedef struct {
    uint32_t n, validators;
    double density;
    uint64_t seed;
    uint32_t repeat;
    bool yuma3, liquid;
    uint32_t threads;
    yuma_layout layout;
} bench_opts;

static int usage_error(const char *msg)
{
    fprintf(stderr,
            "yuma bench: %s\n"
            "usage: yuma bench epoch --n N --validators V --density D --seed S --repeat R "
            "[--yuma3] [--liquid-alpha] [--threads T] [--layout auto|sparse|dense]\n",
            msg);
    return 2;
}

static int parse_opts(int argc, char **argv, bench_opts *o)
{
    *o = (bench_opts){.n = 4096, .validators = 256, .density = 1.0, .seed = 1, .repeat = 10, .threads = 1};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(a, "--yuma3") == 0) { o->yuma3 = true; continue; }
        if (strcmp(a, "--liquid-alpha") == 0) { o->liquid = true; continue; }
        if (!v) return usage_error("missing value after an option");
        if (strcmp(a, "--n") == 0) {
            if (!cli_parse_uint(v, 1, YUMA_MAX_UIDS, &x)) return usage_error("--n must be 1..65535");
            o->n = (uint32_t)x;
        } else if (strcmp(a, "--validators") == 0) {
            if (!cli_parse_uint(v, 0, YUMA_MAX_UIDS, &x)) return usage_error("--validators must be 0..65535");
            o->validators = (uint32_t)x;
        } else if (strcmp(a, "--density") == 0) {
            char *end;
            errno = 0;
            o->density = strtod(v, &end);
            if (errno || *end || !(o->density >= 0.0 && o->density <= 1.0))
                return usage_error("--density must be a number in [0, 1]");
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_uint(v, 0, UINT64_MAX, &o->seed)) return usage_error("--seed must be a u64");
        } else if (strcmp(a, "--repeat") == 0) {
            if (!cli_parse_uint(v, 1, 100000, &x)) return usage_error("--repeat must be 1..100000");
            o->repeat = (uint32_t)x;
        } else if (strcmp(a, "--threads") == 0) {
            if (!cli_parse_uint(v, 1, 256, &x)) return usage_error("--threads must be 1..256");
            o->threads = (uint32_t)x;
        } else if (strcmp(a, "--layout") == 0) {
            if (strcmp(v, "auto") == 0) o->layout = YUMA_LAYOUT_AUTO;
            else if (strcmp(v, "sparse") == 0) o->layout = YUMA_LAYOUT_SPARSE;
            else if (strcmp(v, "dense") == 0) o->layout = YUMA_LAYOUT_DENSE;
            else return usage_error("--layout must be auto, sparse or dense");
        } else {
            fprintf(stderr, "yuma bench: unknown option '%s'\n", a);
            return 2;
        }
        i++;
    }
    if (o->validators > o->n) return usage_error("--validators must not exceed --n");
    return 0;
}

static const uint64_t *sort_stake;
static int by_stake_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (sort_stake[x] != sort_stake[y]) return sort_stake[x] < sort_stake[y] ? 1 : -1;
    return (x > y) - (x < y);
}

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Builds the random subnet described at the top of this file. */
typedef struct {
    uint64_t *stake, *last_update, *registered_at;
    bool *permit;
    size_t *woff;
    yuma_entry *w;
    size_t nnz;
} bench_subnet;

static bool build_subnet(const bench_opts *o, bench_subnet *s)
{
    uint32_t n = o->n;
    rng r = {o->seed};
    s->stake = calloc(n, sizeof(uint64_t));
    s->last_update = calloc(n, sizeof(uint64_t));
    s->registered_at = calloc(n, sizeof(uint64_t));
    s->permit = calloc(n, sizeof(bool));
    s->woff = calloc((size_t)n + 1, sizeof(size_t));
    uint32_t *order = calloc(n, sizeof(uint32_t));
    uint32_t *pick = calloc(n, sizeof(uint32_t));
    size_t per_row = (size_t)(o->density * n + 0.5);
    if (per_row > n) per_row = n;
    s->nnz = per_row * o->validators;
    s->w = calloc(s->nnz ? s->nnz : 1, sizeof(yuma_entry));
    if (!s->stake || !s->last_update || !s->registered_at || !s->permit || !s->woff || !order ||
        !pick || !s->w) {
        free(order);
        free(pick);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        s->stake[i] = 1 + rng_below(&r, 1000000000000ull);
        s->last_update[i] = 1000;
        order[i] = i;
        pick[i] = i;
    }
    sort_stake = s->stake;
    qsort(order, n, sizeof(uint32_t), by_stake_desc);
    bool *is_validator = calloc(n, sizeof(bool));
    if (!is_validator) { free(order); free(pick); return false; }
    for (uint32_t v = 0; v < o->validators; v++) is_validator[order[v]] = s->permit[order[v]] = true;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (is_validator[i]) {
            /* a random subset of per_row uids: partial Fisher-Yates */
            for (size_t q = 0; q < per_row; q++) {
                size_t t = q + rng_below(&r, n - q);
                uint32_t tmp = pick[q];
                pick[q] = pick[t];
                pick[t] = tmp;
                s->w[k].uid = (uint16_t)pick[q];
                s->w[k].value = (uint16_t)rng_below(&r, 65536);
                k++;
            }
        }
        s->woff[i + 1] = k;
    }
    free(is_validator);
    free(order);
    free(pick);
    return true;
}

static void free_subnet(bench_subnet *s)
{
    free(s->stake);
    free(s->last_update);
    free(s->registered_at);
    free(s->permit);
    free(s->woff);
    free(s->w);
}

static int bench_epoch(const bench_opts *o)
{
    bench_subnet s = {0};
    if (!build_subnet(o, &s)) {
        free_subnet(&s);
        fprintf(stderr, "yuma bench: out of memory\n");
        return 1;
    }
    yuma_epoch_input in = {
        .n = o->n,
        .hp = yuma_hyperparams_default(),
        .block = 1000,
        .last_epoch_block = 640,
        .emission = 1000000000,
        .owner_uid = YUMA_NO_OWNER,
        .alpha_stake = s.stake,
        .last_update = s.last_update,
        .registered_at = s.registered_at,
        .validator_permit = s.permit,
        .weights = {s.woff, s.w},
    };
    in.hp.max_allowed_validators = (uint16_t)(o->validators > 65535 ? 65535 : o->validators);
    in.hp.yuma3 = o->yuma3;
    in.hp.liquid_alpha = o->liquid;
    yuma_workspace *ws = yuma_workspace_new();
    yuma_epoch_options eo = {.threads = o->threads, .layout = o->layout};
    if (ws) yuma_workspace_set_options(ws, &eo);
    yuma_epoch_output warm;
    yuma_status st = ws ? yuma_epoch(&in, ws, &warm) : YUMA_ERR_NOMEM;
    if (st != YUMA_OK) {
        fprintf(stderr, "yuma bench: epoch failed: %s\n", yuma_status_str(st));
        yuma_workspace_free(ws);
        free_subnet(&s);
        return 1;
    }
    /* Time epochs that read the bonds the warm-up produced. */
    in.bonds = (yuma_sparse_view){warm.bond_offsets, warm.bonds};
    /* Wall time is the figure; the calling thread's CPU time is reported
     * beside it because on a shared machine it is what stays steady (with
     * --threads 1 the epoch runs on this thread alone). */
    double *ms = calloc(o->repeat, sizeof(double));
    double *cpu = calloc(o->repeat, sizeof(double));
    uint64_t checksum = 0;
    /* One output reused by every timed epoch (yuma_epoch_into), as a
     * simulation loop would: the first epoch allocates it, later ones only
     * write into it. */
    yuma_epoch_output out = {0};
    for (uint32_t rep = 0; rep < o->repeat && ms; rep++) {
        double t0 = now_ms(), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        st = yuma_epoch_into(&in, ws, &out);
        ms[rep] = now_ms() - t0;
        if (cpu) cpu[rep] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (st != YUMA_OK) break;
        for (uint32_t i = 0; i < o->n; i++) checksum += out.emission[i] * (i + 1);
    }
    yuma_epoch_output_free(&out);
    int rc = 0;
    if (!ms || !cpu || st != YUMA_OK) {
        fprintf(stderr, "yuma bench: epoch failed\n");
        rc = 1;
    } else {
        qsort(ms, o->repeat, sizeof(double), cmp_double);
        qsort(cpu, o->repeat, sizeof(double), cmp_double);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        static const char *layouts[] = {"auto", "sparse", "dense"};
        printf("{\"n\":%u,\"validators\":%u,\"nnz\":%zu,\"ms_min\":%.3f,\"ms_median\":%.3f,"
               "\"cpu_ms_min\":%.3f,\"cpu_ms_median\":%.3f,\"yuma3\":%s,\"liquid_alpha\":%s,\"threads\":%u,\"layout\":\"%s\",\"max_rss_kb\":%ld,"
               "\"checksum\":%llu}\n",
               o->n, o->validators, s.nnz, ms[0], ms[o->repeat / 2], cpu[0], cpu[o->repeat / 2], o->yuma3 ? "true" : "false",
               o->liquid ? "true" : "false", o->threads, layouts[o->layout], ru.ru_maxrss,
               (unsigned long long)checksum);
    }
    free(ms);
    free(cpu);
    yuma_epoch_output_free(&warm);
    yuma_workspace_free(ws);
    free_subnet(&s);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "chain") == 0) return cmd_bench_chain(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "chain-epochs") == 0) return cmd_bench_chain_epochs(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "node") == 0) return cmd_bench_node(argc, argv);
    if (argc < 2 || strcmp(argv[1], "epoch") != 0)
        return usage_error("expected 'epoch'");
    bench_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc) return rc;
    return bench_epoch(&o);
}
