/*
 * train.c - `yuma train`: the training subnet's centralized trainer (the
 * baseline of training-subnet.md §7.8) on the byte corpus of §7.4: trains a
 * GPT configuration with AdamW on the warm-up + cosine schedule of §7.5 and
 * reports the training loss and the held-out loss (nats and bits per byte)
 * every K steps; and `yuma train bench`, the training throughput against the
 * machine's measured floating-point peak.
 *
 * Data: the model is initialised from --seed; each step trains on B distinct
 * training samples drawn by Floyd's algorithm from a generator seeded with
 * seed + 1 (corpus.h), so a seed reproduces a run bit for bit, on any thread
 * count. The held-out loss is the mean over the corpus's held-out windows.
 *
 * Exit status: 0 ok, 1 runtime failure (out of memory, write error), 2 usage
 * error or unusable input (one line on stderr, nothing on stdout; everything
 * is checked before training starts).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "yuma/corpus.h"
#include "yuma/gpt.h"
#include "yuma/trainrng.h"

typedef struct {
    const char *config_name;
    yuma_gpt_config cfg;
    uint64_t steps, seed;
    uint32_t batch, threads;
    double lr;
    const char *corpus, *csv;
    uint64_t eval_every;
    bool json;
} train_opts;

static void train_usage(FILE *f)
{
    fputs("usage: yuma train [--config T0|T1|T2] [--steps N] [--batch B] [--lr X] [--seed S]\n"
          "                  [--corpus PATH] [--eval-every K] [--threads T] [--csv FILE] [--json]\n"
          "       yuma train bench [--config T1] [--batch 16] [--steps N] [--threads T] [--json]\n"
          "\n"
          "Trains the training subnet's byte-level GPT on one machine (the centralized\n"
          "baseline) and prints, every K steps and at the end: the step, the mean training\n"
          "loss since the last report, the held-out loss in nats and bits per byte, the\n"
          "learning rate and the training throughput in tokens (bytes) per second.\n"
          "\n"
          "options:\n"
          "  --config C      model size: T0 (0.12M parameters), T1 (0.84M) or T2 (10.8M); default T0\n"
          "  --steps N       optimizer steps, 1..10000000; default 1000\n"
          "  --batch B       sequences of ctx bytes per step, 1..4096; default 8 (T0), 16 (T1, T2)\n"
          "  --lr X          peak learning rate, (0, 1]; default 0.004 (5% warm-up, cosine to 0.1x)\n"
          "  --seed S        initialisation and data order; default 1\n"
          "  --corpus PATH   the text (default data/kjv.txt, made by scripts/get-corpus.sh)\n"
          "  --eval-every K  report every K steps (0: only at the end); default 100\n"
          "  --threads T     threads for the matrix kernels, 1..64; default: all CPUs\n"
          "  --csv FILE      also write the reports as CSV to FILE\n"
          "  --json          one JSON object per report, and a summary object at the end\n"
          "\n"
          "bench: times --steps training steps (default 20) at 1 thread and at T threads on\n"
          "synthetic bytes, checks both give the same model, and measures the machine's\n"
          "peak FLOP rate in the same run.\n"
          "\n"
          "exit status: 0 ok, 1 runtime failure, 2 usage error or unusable input\n",
          f);
}

#define usage_error(...) cli_usage_error("yuma train", "try 'yuma train --help'", __VA_ARGS__)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint32_t default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (uint32_t)n;
}

/* Parses argv[first..] into o. 0 on success, else the exit status. */
static int parse_opts(int argc, char **argv, int first, train_opts *o, bool bench)
{
    *o = (train_opts){.config_name = bench ? "T1" : "T0", .steps = bench ? 20 : 1000, .seed = 1,
                      .lr = 4e-3, .corpus = "data/kjv.txt", .eval_every = 100, .threads = default_threads()};
    bool batch_set = false;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        bool known = strcmp(a, "--config") == 0 || strcmp(a, "--steps") == 0 || strcmp(a, "--batch") == 0 ||
                     strcmp(a, "--threads") == 0 ||
                     (!bench && (strcmp(a, "--lr") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--corpus") == 0 ||
                                 strcmp(a, "--eval-every") == 0 || strcmp(a, "--csv") == 0));
        if (!known) return usage_error("unknown option '%s'", a);
        if (i + 1 >= argc) return usage_error("missing value after %s", a);
        const char *v = argv[++i];
        uint64_t x;
        if (strcmp(a, "--config") == 0) {
            if (!yuma_gpt_config_named(v, &o->cfg)) return usage_error("--config must be T0, T1 or T2, not '%s'", v);
            o->config_name = v;
        } else if (strcmp(a, "--steps") == 0) {
            if (!cli_parse_uint(v, 1, 10000000, &o->steps)) return usage_error("--steps must be 1..10000000, not '%s'", v);
        } else if (strcmp(a, "--batch") == 0) {
            if (!cli_parse_uint(v, 1, 4096, &x)) return usage_error("--batch must be 1..4096, not '%s'", v);
            o->batch = (uint32_t)x;
            batch_set = true;
        } else if (strcmp(a, "--threads") == 0) {
            if (!cli_parse_uint(v, 1, 64, &x)) return usage_error("--threads must be 1..64, not '%s'", v);
            o->threads = (uint32_t)x;
        } else if (strcmp(a, "--lr") == 0) {
            char *end;
            errno = 0;
            o->lr = strtod(v, &end);
            if (errno || end == v || *end || !(o->lr > 0 && o->lr <= 1))
                return usage_error("--lr must be a number in (0, 1], not '%s'", v);
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_uint(v, 0, UINT64_MAX, &o->seed)) return usage_error("--seed must be an integer 0..2^64-1, not '%s'", v);
        } else if (strcmp(a, "--corpus") == 0) {
            o->corpus = v;
        } else if (strcmp(a, "--eval-every") == 0) {
            if (!cli_parse_uint(v, 0, 10000000, &o->eval_every))
                return usage_error("--eval-every must be 0..10000000, not '%s'", v);
        } else {
            if (!*v) return usage_error("--csv needs a file name");
            o->csv = v;
        }
    }
    yuma_gpt_config_named(o->config_name, &o->cfg);
    if (!batch_set) o->batch = strcmp(o->config_name, "T0") == 0 ? 8 : 16;
    return 0;
}

static void hex32(const uint8_t h[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- training --------------------------------------------------------- */

typedef struct {
    yuma_corpus corpus;
    yuma_gpt *model;
    yuma_gpt_ws *ws;
    yuma_adamw *opt;
    const uint8_t **heldout, **batch;
    uint64_t *ids;
    size_t n_heldout;
    FILE *csv;
} trainer;

static void trainer_free(trainer *t)
{
    yuma_corpus_free(&t->corpus);
    yuma_gpt_free(t->model);
    yuma_gpt_ws_free(t->ws);
    yuma_adamw_free(t->opt);
    free(t->heldout);
    free(t->batch);
    free(t->ids);
    if (t->csv) fclose(t->csv);
}

/* Loads and checks everything a run needs; 0, or the exit status. */
static int trainer_setup(const train_opts *o, trainer *t)
{
    char err[256];
    if (!yuma_corpus_load(o->corpus, &t->corpus, err, sizeof err)) {
        if (access(o->corpus, F_OK) != 0)
            return usage_error("%s (make it with scripts/get-corpus.sh)", err);
        return usage_error("%s", err);
    }
    uint32_t ctx = o->cfg.ctx;
    uint64_t n_train = yuma_corpus_train_samples(&t->corpus, ctx);
    t->n_heldout = yuma_corpus_heldout_windows(&t->corpus, ctx);
    if (n_train < o->batch || t->n_heldout == 0)
        return usage_error("corpus %s (%zu bytes) is too small for %s: %llu training samples of %u bytes for a "
                           "batch of %u, %zu held-out windows",
                           o->corpus, t->corpus.size, o->config_name, (unsigned long long)n_train, ctx + 1, o->batch,
                           t->n_heldout);
    if (o->csv && !(t->csv = fopen(o->csv, "w")))
        return usage_error("cannot write --csv %s: %s", o->csv, strerror(errno));
    t->model = yuma_gpt_new(&o->cfg, err, sizeof err);
    t->ws = t->model ? yuma_gpt_ws_new(&o->cfg, o->batch, o->threads, err, sizeof err) : NULL;
    yuma_adamw_config ac = yuma_adamw_defaults();
    t->opt = t->ws ? yuma_adamw_new(t->model, &ac) : NULL;
    t->heldout = calloc(t->n_heldout, sizeof *t->heldout);
    t->batch = calloc(o->batch, sizeof *t->batch);
    t->ids = calloc(o->batch, sizeof *t->ids);
    if (!t->model || !t->ws || !t->opt || !t->heldout || !t->batch || !t->ids) {
        fprintf(stderr, "yuma train: %s\n", t->model && t->ws ? "out of memory" : err);
        return 1;
    }
    for (size_t j = 0; j < t->n_heldout; j++) t->heldout[j] = yuma_corpus_heldout_window(&t->corpus, ctx, j);
    yuma_gpt_init(t->model, o->seed);
    return 0;
}

typedef struct {
    uint64_t step;
    double train_loss, heldout, lr, tokens_per_s;
} report;

/* The training loss of the step-0 report is not defined: null in JSON, an
 * empty CSV field, "-" in the text table. */
static void print_report(const train_opts *o, trainer *t, const report *r)
{
    double bits = r->heldout / log(2.0);
    char loss[32] = "";
    if (!isnan(r->train_loss)) snprintf(loss, sizeof loss, "%.6f", r->train_loss);
    if (o->json)
        printf("{\"step\":%llu,\"train_loss\":%s,\"heldout_nats\":%.6f,\"heldout_bits\":%.6f,\"lr\":%.6g,"
               "\"tokens_per_s\":%.1f}\n",
               (unsigned long long)r->step, *loss ? loss : "null", r->heldout, bits, r->lr, r->tokens_per_s);
    else if (isnan(r->train_loss))
        printf("%8llu %11s %12.4f %12.4f %10.3g %11.0f\n", (unsigned long long)r->step, "-", r->heldout, bits, r->lr,
               r->tokens_per_s);
    else
        printf("%8llu %11.4f %12.4f %12.4f %10.3g %11.0f\n", (unsigned long long)r->step, r->train_loss, r->heldout,
               bits, r->lr, r->tokens_per_s);
    fflush(stdout);
    if (t->csv)
        fprintf(t->csv, "%llu,%s,%.6f,%.6f,%.6g,%.1f\n", (unsigned long long)r->step, loss, r->heldout, bits, r->lr,
                r->tokens_per_s);
}

static int run_training(const train_opts *o)
{
    trainer t = {0};
    int rc = trainer_setup(o, &t);
    if (rc) {
        trainer_free(&t);
        return rc;
    }
    uint32_t ctx = o->cfg.ctx;
    uint64_t n_train = yuma_corpus_train_samples(&t.corpus, ctx);
    yuma_lr_schedule sched = yuma_lr_schedule_default(o->lr, o->steps);
    yuma_rng data;
    yuma_rng_seed(&data, o->seed + 1);
    if (!o->json)
        printf("# yuma train: %s (%zu parameters), batch %u x %u bytes, lr %g, seed %llu, %u threads, %s kernels,\n"
               "# corpus %s: %llu training samples, %zu held-out windows\n"
               "#   step  train_loss heldout_nats heldout_bits         lr    tokens/s\n",
               o->config_name, yuma_gpt_num_params(t.model), o->batch, ctx, o->lr, (unsigned long long)o->seed,
               yuma_gpt_ws_threads(t.ws), yuma_gpt_kernel_isa(), o->corpus, (unsigned long long)n_train, t.n_heldout);
    if (t.csv) fprintf(t.csv, "step,train_loss,heldout_nats,heldout_bits,lr,tokens_per_s\n");

    report r = {0, NAN, yuma_gpt_eval(t.ws, t.model, t.heldout, t.n_heldout, NULL), sched.peak_lr, 0};
    print_report(o, &t, &r);
    double loss_sum = 0, train_time = 0, total_time = 0;
    uint64_t since = 0;
    for (uint64_t step = 0; step < o->steps; step++) {
        if (!yuma_floyd_sample(&data, n_train, o->batch, t.ids)) {
            fprintf(stderr, "yuma train: out of memory\n");
            trainer_free(&t);
            return 1;
        }
        for (uint32_t b = 0; b < o->batch; b++) t.batch[b] = yuma_corpus_train_sample(&t.corpus, ctx, t.ids[b]);
        double lr = yuma_lr_at(&sched, step), t0 = now_s();
        loss_sum += yuma_gpt_train_step(t.ws, t.model, t.opt, t.batch, o->batch, lr);
        double dt = now_s() - t0;
        train_time += dt;
        total_time += dt;
        since++;
        bool last = step + 1 == o->steps;
        if (last || (o->eval_every && (step + 1) % o->eval_every == 0)) {
            r = (report){step + 1, loss_sum / since, yuma_gpt_eval(t.ws, t.model, t.heldout, t.n_heldout, NULL), lr,
                         (double)since * o->batch * ctx / train_time};
            print_report(o, &t, &r);
            loss_sum = 0;
            train_time = 0;
            since = 0;
        }
    }
    uint8_t h[32];
    char hex[65];
    yuma_gpt_hash(t.model, h);
    hex32(h, hex);
    double tps = (double)o->steps * o->batch * ctx / total_time;
    if (o->json)
        printf("{\"done\":true,\"config\":\"%s\",\"steps\":%llu,\"heldout_nats\":%.6f,\"heldout_bits\":%.6f,"
               "\"tokens_per_s\":%.1f,\"threads\":%u,\"isa\":\"%s\",\"model_hash\":\"%s\"}\n",
               o->config_name, (unsigned long long)o->steps, r.heldout, r.heldout / log(2.0), tps,
               yuma_gpt_ws_threads(t.ws), yuma_gpt_kernel_isa(), hex);
    else
        printf("# done: held-out %.4f nats/byte (%.4f bits/byte), %.0f tokens/s over the run, model %s\n", r.heldout,
               r.heldout / log(2.0), tps, hex);
    int status = 0;
    if (fflush(stdout) != 0 || ferror(stdout) || (t.csv && (fflush(t.csv) != 0 || ferror(t.csv)))) {
        fprintf(stderr, "yuma train: write error: %s\n", strerror(errno));
        status = 1;
    }
    trainer_free(&t);
    return status;
}

/* ---- bench ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double median, best; /* tokens/s at the median and at the fastest step */
    double per_cpu_s;    /* tokens per second of the process's CPU time (all threads) */
    uint8_t hash[32];    /* the model after the steps */
} step_timing;

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Times o->steps training steps one by one (after 2 untimed) on fixed
 * pseudo-random bytes. false when memory runs out. */
static bool time_steps(const train_opts *o, uint32_t threads, step_timing *out)
{
    yuma_gpt *m = yuma_gpt_new(&o->cfg, NULL, 0);
    yuma_gpt_ws *ws = m ? yuma_gpt_ws_new(&o->cfg, o->batch, threads, NULL, 0) : NULL;
    yuma_adamw_config ac = yuma_adamw_defaults();
    yuma_adamw *opt = ws ? yuma_adamw_new(m, &ac) : NULL;
    uint32_t len = o->cfg.ctx + 1;
    uint8_t *bytes = malloc((size_t)o->batch * len);
    const uint8_t **seqs = malloc(sizeof *seqs * o->batch);
    double *dt = malloc(sizeof *dt * o->steps);
    bool ok = opt && bytes && seqs && dt;
    if (ok) {
        yuma_gpt_init(m, 1);
        yuma_rng r;
        yuma_rng_seed(&r, 2);
        for (size_t i = 0; i < (size_t)o->batch * len; i++) bytes[i] = (uint8_t)(32 + yuma_rng_below(&r, 64));
        for (uint32_t b = 0; b < o->batch; b++) seqs[b] = bytes + (size_t)b * len;
        for (int i = 0; i < 2; i++) yuma_gpt_train_step(ws, m, opt, seqs, o->batch, 1e-3);
        double c0 = cpu_s();
        for (uint64_t i = 0; i < o->steps; i++) {
            double t0 = now_s();
            yuma_gpt_train_step(ws, m, opt, seqs, o->batch, 1e-3);
            dt[i] = now_s() - t0;
        }
        double tokens = (double)o->batch * o->cfg.ctx;
        out->per_cpu_s = tokens * (double)o->steps / (cpu_s() - c0);
        qsort(dt, o->steps, sizeof *dt, cmp_double);
        out->median = tokens / dt[o->steps / 2];
        out->best = tokens / dt[0];
        yuma_gpt_hash(m, out->hash);
    }
    free(dt);
    free(bytes);
    free(seqs);
    yuma_adamw_free(opt);
    yuma_gpt_ws_free(ws);
    yuma_gpt_free(m);
    return ok;
}

/* The best of five short runs: on a shared machine the fastest run is the
 * one least disturbed. */
static double peak_best(const char *isa, bool fused, uint32_t threads)
{
    double best = 0;
    for (int i = 0; i < 5; i++) {
        double g = yuma_gpt_peak_gflops(isa, fused, threads, 0.1);
        if (g > best) best = g;
    }
    return best;
}

static int run_bench(const train_opts *o)
{
    static const char *const isas[] = {"generic", "avx2", "avx512"};
    double peak[3][2] = {{0}}, peak1[3] = {0};
    for (int i = 0; i < 3; i++) {
        for (int f = 0; f < 2; f++) peak[i][f] = peak_best(isas[i], f, o->threads);
        peak1[i] = peak_best(isas[i], false, 1);
    }
    double flops_per_token = yuma_gpt_train_flops(&o->cfg, o->batch) / ((double)o->batch * o->cfg.ctx);
    step_timing t1, tn;
    if (!time_steps(o, 1, &t1) || !time_steps(o, o->threads, &tn)) {
        fprintf(stderr, "yuma train: out of memory\n");
        return 1;
    }
    bool same = memcmp(t1.hash, tn.hash, 32) == 0;
    const char *isa = yuma_gpt_kernel_isa();
    int k = strcmp(isa, "avx512") == 0 ? 2 : strcmp(isa, "avx2") == 0 ? 1 : 0;
    double g = flops_per_token / 1e9;
    if (o->json) {
        printf("{\"config\":\"%s\",\"batch\":%u,\"steps\":%llu,\"isa\":\"%s\",\"threads\":%u,"
               "\"flops_per_token\":%.0f,\"tokens_per_s_1\":%.1f,\"tokens_per_s_1_best\":%.1f,"
               "\"tokens_per_s\":%.1f,\"tokens_per_s_best\":%.1f,\"tokens_per_cpu_s_1\":%.1f,"
               "\"tokens_per_cpu_s\":%.1f,\"gflops_1\":%.2f,\"gflops\":%.2f,\"deterministic\":%s",
               o->config_name, o->batch, (unsigned long long)o->steps, isa, o->threads, flops_per_token, t1.median,
               t1.best, tn.median, tn.best, t1.per_cpu_s, tn.per_cpu_s, t1.median * g, tn.median * g,
               same ? "true" : "false");
        for (int i = 0; i < 3; i++)
            printf(",\"peak_%s_1\":%.1f,\"peak_%s\":%.1f,\"peak_%s_fma\":%.1f", isas[i], peak1[i], isas[i],
                   peak[i][0], isas[i], peak[i][1]);
        printf("}\n");
    } else {
        printf("peak (tight multiply-add loop, best of 5), GFLOP/s:\n");
        for (int i = 0; i < 3; i++)
            if (peak[i][0] > 0)
                printf("  %-8s mul+add %7.1f on 1 thread, %7.1f on %u;  fused (FMA) %7.1f on %u\n", isas[i], peak1[i],
                       peak[i][0], o->threads, peak[i][1], o->threads);
        printf("training %s, %u x %u bytes per step, %s kernels, %.2f MFLOP per token (median / fastest step):\n",
               o->config_name, o->batch, o->cfg.ctx, isa, flops_per_token / 1e6);
        printf("  1 thread   %8.0f / %8.0f tokens/s  %6.1f / %6.1f GFLOP/s  %4.0f%% of the 1-thread %s mul+add peak\n",
               t1.median, t1.best, t1.median * g, t1.best * g, 100 * t1.best * g / peak1[k], isa);
        printf("  %u threads  %8.0f / %8.0f tokens/s  %6.1f / %6.1f GFLOP/s  %4.0f%% of the %u-thread peak\n", o->threads,
               tn.median, tn.best, tn.median * g, tn.best * g, 100 * tn.best * g / peak[k][0], o->threads);
        printf("  per second of CPU time (all threads): %.0f tokens on 1 thread, %.0f on %u\n", t1.per_cpu_s,
               tn.per_cpu_s, o->threads);
        printf("  1 and %u threads give the same model: %s\n", o->threads, same ? "yes" : "NO");
    }
    return same ? 0 : 1;
}

int cmd_train(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            train_usage(stdout);
            return 0;
        }
    bool bench = argc > 1 && strcmp(argv[1], "bench") == 0;
    train_opts o;
    int rc = parse_opts(argc, argv, bench ? 2 : 1, &o, bench);
    if (rc) return rc;
    return bench ? run_bench(&o) : run_training(&o);
}
