/*
 * subnet_train.c - `yuma subnet train sim`: the training subnet's
 * deterministic simulation (include/yuma/trainsim.h, training-subnet.md §7):
 * N honest miners plus adversaries, V validators, the artefact store in a
 * directory and the chain's real Yuma Consensus paying emissions. Prints,
 * per window, the held-out loss and every miner's score, weight and
 * emission; --csv writes the same. The baselines of §7.8 run through the
 * same loop with --mode dense|single|central.
 *
 * Exit status: 0 ok, 1 runtime failure, 2 usage error or unusable input
 * (one line on stderr, nothing on stdout; everything is checked before the
 * first window runs).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "yuma/trainsim.h"

static void usage(FILE *f)
{
    fputs("usage: yuma subnet train sim [--config T0|T1|T2] [--windows N] [--miners N] [--validators V]\n"
          "                             [--seed S] [--adversary KIND[:UID,...][@FROM[-UNTIL]]]... [--victim UID]\n"
          "                             [--mode sparse|dense|single|central] [--corpus PATH] [--store DIR]\n"
          "                             [--threads T] [--csv FILE] [--quiet] [more options below]\n"
          "\n"
          "Simulates the training subnet window by window in one process, deterministically:\n"
          "miners train the byte-level GPT on their assigned KJV samples and upload compressed\n"
          "pseudo-gradients to a store directory, every node aggregates the same peers, validators\n"
          "score each miner by the loss its update removes and set weights, and the chain's Yuma\n"
          "Consensus pays emissions. Prints per window the held-out loss of the global model and\n"
          "each miner's score F, weight and emission so far. The same seed gives the same run.\n"
          "\n"
          "options:\n"
          "  --config C          model: T0 (0.12M parameters, H 5, B 8), T1 (0.84M, H 10, B 16) or T2; default T0\n"
          "  --windows N         windows to run, 1..100000; default 40\n"
          "  --miners N          honest miners, 0..16 (adversaries come on top, 16 miners in all); default 4\n"
          "  --validators V      validators, 1..8 (stake descending; the first is the lead); default 1\n"
          "  --seed S            model initialisation, validators' secrets, adversaries' draws; default 1\n"
          "  --adversary SPEC    KIND[:UID,...][@FROM[-UNTIL]], repeatable. KIND: noise, noise100, copier,\n"
          "                      lazy, freerider, stale, zero, late, skipper, desync. Without UIDs one such\n"
          "                      miner is added after the honest ones; honest before window FROM and again\n"
          "                      from UNTIL (a desynced miner then catches up from the checkpoint)\n"
          "  --victim UID        whom copiers copy; default the lowest honest uid\n"
          "  --mode M            sparse (the subnet; default), dense (uncompressed averaging, outer lr 1),\n"
          "                      single (miner 0 alone) or central (one model on the union of the pools)\n"
          "  --corpus PATH       the text; default data/kjv.txt (made by scripts/get-corpus.sh)\n"
          "  --store DIR         the artefact store, kept afterwards (must be empty or absent);\n"
          "                      default: a temporary directory removed at the end\n"
          "  --threads T         matrix-kernel threads, 1..64; default 1\n"
          "  --csv FILE          one row per window and miner (per window in the baselines)\n"
          "  --quiet             only the per-window lines, no per-miner rows\n"
          "  --lr X              peak inner learning rate, (0, 1]; default 0.004\n"
          "  --inner-steps H     inner AdamW steps per window, 1..10000\n"
          "  --batch B           sequences per inner step, 1..4096\n"
          "  --alpha X           binary-indicator EMA weight, (0, 1]; default 0.05 (0.2 settles in 40 windows)\n"
          "  --e-own N           own sequences per evaluation, 0 = the whole pool; default 0\n"
          "  --e-rand N          random sequences per evaluation, 32..4096; default 32\n"
          "  --eval-factor X     trial step factor, (0, 10]; default 0.2\n"
          "  --gather G          gather list size, 1..16; default 4\n"
          "  --tempo T           blocks between Yuma epochs (10 blocks per window), 1..65535; default 20\n"
          "  --heldout-every K   held-out loss every K windows (0: only at the end); default 1\n"
          "  --heldout-windows N held-out windows of ctx+1 bytes, 1..256; default 256\n"
          "\n"
          "exit status: 0 ok, 1 runtime failure, 2 usage error or unusable input\n",
          f);
}

#define usage_error(...) cli_usage_error("yuma subnet train sim", "try 'yuma subnet train sim --help'", __VA_ARGS__)

/* One --adversary: a kind, uids (explicit or auto), a window range. */
typedef struct {
    yuma_miner_kind kind;
    uint16_t uids[16];
    size_t n_uids;           /* 0: one miner with an automatic uid */
    uint64_t from, until;
} adv_spec;

static int parse_adversary(const char *v, adv_spec *a)
{
    char buf[256];
    if (strlen(v) >= sizeof buf) return usage_error("--adversary '%.40s...' is too long", v);
    strcpy(buf, v);
    *a = (adv_spec){.until = UINT64_MAX};
    char *at = strchr(buf, '@');
    if (at) {
        *at++ = '\0';
        char *dash = strchr(at, '-');
        if (dash) *dash++ = '\0';
        if (!cli_parse_uint(at, 0, 1000000, &a->from) || (dash && !cli_parse_uint(dash, 1, 1000000, &a->until)) ||
            a->from >= a->until)
            return usage_error("--adversary '%s': the window range must be @FROM or @FROM-UNTIL with FROM < UNTIL", v);
    }
    char *colon = strchr(buf, ':');
    if (colon) {
        *colon++ = '\0';
        for (char *tok = strtok(colon, ","); tok; tok = strtok(NULL, ",")) {
            uint64_t u;
            if (!cli_parse_uint(tok, 0, 15, &u)) return usage_error("--adversary '%s': uid '%s' is not 0..15", v, tok);
            if (a->n_uids == 16) return usage_error("--adversary '%s': too many uids", v);
            a->uids[a->n_uids++] = (uint16_t)u;
        }
        if (a->n_uids == 0) return usage_error("--adversary '%s': no uid after ':'", v);
    }
    if (!yuma_miner_kind_parse(buf, &a->kind) || a->kind == YUMA_MINER_HONEST)
        return usage_error("--adversary kind must be noise, noise100, copier, lazy, freerider, stale, zero, late, "
                           "skipper or desync, not '%s'",
                           buf);
    return 0;
}

typedef struct {
    yuma_trainsim_config cfg;
    uint32_t honest;
    adv_spec adv[16];
    size_t n_adv;
    int64_t victim;          /* -1: the lowest honest uid */
    const char *corpus_path, *store, *csv;
    bool quiet;
} sim_opts;

/* Places the adversaries on uids (explicit first, then automatic ones
 * after the honest block) and fills cfg.adversaries. */
static int place_adversaries(sim_opts *o)
{
    size_t instances = 0;
    for (size_t i = 0; i < o->n_adv; i++) instances += o->adv[i].n_uids ? o->adv[i].n_uids : 1;
    uint64_t total = o->honest + instances;
    if (total == 0) return usage_error("no miners: --miners 0 and no --adversary");
    if (total > YUMA_TRAINSIM_MAX_MINERS)
        return usage_error("%llu miners in all (honest plus adversaries); at most %u", (unsigned long long)total,
                           YUMA_TRAINSIM_MAX_MINERS);
    bool taken[YUMA_TRAINSIM_MAX_MINERS] = {false};
    yuma_trainsim_config *c = &o->cfg;
    c->miners = (uint32_t)total;
    c->n_adversaries = 0;
    for (size_t i = 0; i < o->n_adv; i++)
        for (size_t k = 0; k < o->adv[i].n_uids; k++) {
            uint16_t u = o->adv[i].uids[k];
            if (u >= total) return usage_error("adversary uid %u is not below the %llu miners", u, (unsigned long long)total);
            if (taken[u]) return usage_error("uid %u is given two adversary roles", u);
            taken[u] = true;
            c->adversaries[c->n_adversaries++] = (yuma_adversary){o->adv[i].kind, u, o->adv[i].from, o->adv[i].until, 0};
        }
    for (size_t i = 0; i < o->n_adv; i++) {
        if (o->adv[i].n_uids) continue;
        uint32_t u = o->honest;
        while (u < total && taken[u]) u++;
        if (u == total)
            for (u = 0; taken[u]; u++) {}
        taken[u] = true;
        c->adversaries[c->n_adversaries++] = (yuma_adversary){o->adv[i].kind, (uint16_t)u, o->adv[i].from, o->adv[i].until, 0};
    }
    int64_t victim = o->victim;
    if (victim < 0)
        for (uint32_t u = 0; u < total && victim < 0; u++)
            if (!taken[u]) victim = u;
    for (size_t i = 0; i < c->n_adversaries; i++) {
        if (c->adversaries[i].kind != YUMA_MINER_COPIER) continue;
        if (victim < 0) return usage_error("a copier needs a victim: give --victim UID");
        if (victim >= (int64_t)total || victim == c->adversaries[i].uid)
            return usage_error("--victim %lld must be another miner (0..%llu)", (long long)victim,
                               (unsigned long long)total - 1);
        c->adversaries[i].victim = (uint16_t)victim;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->victim = -1;
    o->honest = 4;
    o->corpus_path = "data/kjv.txt";
    const char *config = "T0";
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    if (!yuma_trainsim_defaults(config, &o->cfg)) return usage_error("--config must be T0, T1 or T2, not '%s'", config);
    yuma_trainsim_config *c = &o->cfg;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        static const char *const valued[] = {"--config", "--windows", "--miners", "--validators", "--seed", "--adversary",
                                             "--victim", "--mode", "--corpus", "--store", "--threads", "--csv", "--lr",
                                             "--inner-steps", "--batch", "--alpha", "--e-own", "--e-rand",
                                             "--eval-factor", "--gather", "--tempo", "--heldout-every",
                                             "--heldout-windows", NULL};
        bool known = false;
        for (int k = 0; valued[k]; k++) known = known || strcmp(a, valued[k]) == 0;
        if (!known) return usage_error("unknown option '%s'", a);
        if (i + 1 >= argc) return usage_error("missing value after %s", a);
        const char *v = argv[++i];
        uint64_t x;
        double d;
        if (strcmp(a, "--config") == 0) {
            continue;
        } else if (strcmp(a, "--windows") == 0) {
            if (!cli_parse_uint(v, 1, 100000, &c->windows)) return usage_error("--windows must be 1..100000, not '%s'", v);
        } else if (strcmp(a, "--miners") == 0) {
            if (!cli_parse_uint(v, 0, 16, &x)) return usage_error("--miners must be 0..16, not '%s'", v);
            o->honest = (uint32_t)x;
        } else if (strcmp(a, "--validators") == 0) {
            if (!cli_parse_uint(v, 1, YUMA_TRAINSIM_MAX_VALIDATORS, &x)) return usage_error("--validators must be 1..8, not '%s'", v);
            c->validators = (uint32_t)x;
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_uint(v, 0, UINT64_MAX, &c->seed)) return usage_error("--seed must be an integer 0..2^64-1, not '%s'", v);
        } else if (strcmp(a, "--adversary") == 0) {
            if (o->n_adv == 16) return usage_error("at most 16 --adversary flags");
            int rc = parse_adversary(v, &o->adv[o->n_adv]);
            if (rc) return rc;
            o->n_adv++;
        } else if (strcmp(a, "--victim") == 0) {
            if (!cli_parse_uint(v, 0, 15, &x)) return usage_error("--victim must be a uid 0..15, not '%s'", v);
            o->victim = (int64_t)x;
        } else if (strcmp(a, "--mode") == 0) {
            if (strcmp(v, "sparse") == 0) c->mode = YUMA_SIM_SPARSE;
            else if (strcmp(v, "dense") == 0) c->mode = YUMA_SIM_DENSE;
            else if (strcmp(v, "single") == 0) c->mode = YUMA_SIM_SINGLE;
            else if (strcmp(v, "central") == 0) c->mode = YUMA_SIM_CENTRAL;
            else return usage_error("--mode must be sparse, dense, single or central, not '%s'", v);
        } else if (strcmp(a, "--corpus") == 0) {
            o->corpus_path = v;
        } else if (strcmp(a, "--store") == 0) {
            if (!*v) return usage_error("--store needs a directory");
            o->store = v;
        } else if (strcmp(a, "--threads") == 0) {
            if (!cli_parse_uint(v, 1, 64, &x)) return usage_error("--threads must be 1..64, not '%s'", v);
            c->threads = (uint32_t)x;
        } else if (strcmp(a, "--csv") == 0) {
            if (!*v) return usage_error("--csv needs a file name");
            o->csv = v;
        } else if (strcmp(a, "--lr") == 0) {
            if (!cli_parse_real(v, 0, 1, &c->inner_lr)) return usage_error("--lr must be a number in (0, 1], not '%s'", v);
        } else if (strcmp(a, "--inner-steps") == 0) {
            if (!cli_parse_uint(v, 1, 10000, &x)) return usage_error("--inner-steps must be 1..10000, not '%s'", v);
            c->inner_steps = (uint32_t)x;
        } else if (strcmp(a, "--batch") == 0) {
            if (!cli_parse_uint(v, 1, 4096, &x)) return usage_error("--batch must be 1..4096, not '%s'", v);
            c->batch = (uint32_t)x;
        } else if (strcmp(a, "--alpha") == 0) {
            if (!cli_parse_real(v, 0, 1, &d)) return usage_error("--alpha must be a number in (0, 1], not '%s'", v);
            c->gauntlet.binary_alpha = d;
        } else if (strcmp(a, "--e-own") == 0) {
            if (!cli_parse_uint(v, 0, 1000000, &x)) return usage_error("--e-own must be 0..1000000, not '%s'", v);
            c->e_own = (uint32_t)x;
        } else if (strcmp(a, "--e-rand") == 0) {
            if (!cli_parse_uint(v, 32, 4096, &x)) return usage_error("--e-rand must be 32..4096, not '%s'", v);
            c->e_rand = (uint32_t)x;
        } else if (strcmp(a, "--eval-factor") == 0) {
            if (!cli_parse_real(v, 0, 10, &c->eval_lr_factor)) return usage_error("--eval-factor must be in (0, 10], not '%s'", v);
        } else if (strcmp(a, "--gather") == 0) {
            if (!cli_parse_uint(v, 1, 16, &x)) return usage_error("--gather must be 1..16, not '%s'", v);
            c->proto.gather = (uint32_t)x;
        } else if (strcmp(a, "--tempo") == 0) {
            if (!cli_parse_uint(v, 1, 65535, &x)) return usage_error("--tempo must be 1..65535, not '%s'", v);
            c->tempo = (uint32_t)x;
        } else if (strcmp(a, "--heldout-every") == 0) {
            if (!cli_parse_uint(v, 0, 1000000, &x)) return usage_error("--heldout-every must be 0..1000000, not '%s'", v);
            c->heldout_every = (uint32_t)x;
        } else {
            if (!cli_parse_uint(v, 1, 256, &x)) return usage_error("--heldout-windows must be 1..256, not '%s'", v);
            c->heldout_windows = (uint32_t)x;
        }
    }
    if (c->mode == YUMA_SIM_SPARSE && c->e_own > c->inner_steps * c->batch)
        return usage_error("--e-own %u exceeds the pool of H * B = %u sequences", c->e_own, c->inner_steps * c->batch);
    return place_adversaries(o);
}

/* ---- output --------------------------------------------------------------- */

static void hex32(const uint8_t h[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void print_window(const sim_opts *o, const yuma_trainsim_window_report *r)
{
    const yuma_trainsim_config *c = &o->cfg;
    char loss[64];
    if (isnan(r->heldout)) snprintf(loss, sizeof loss, "heldout      -                     ");
    else snprintf(loss, sizeof loss, "heldout %.4f nats %.4f bits/byte", r->heldout, r->heldout / log(2.0));
    if (c->mode != YUMA_SIM_SPARSE) {
        printf("window %4llu  %s\n", (unsigned long long)r->window, loss);
        return;
    }
    printf("window %4llu  %s  gathered %u  in-sync %u/%u  epochs %u\n", (unsigned long long)r->window, loss,
           r->gathered, r->nodes_in_sync, r->nodes, r->epochs);
    if (o->quiet) return;
    for (size_t i = 0; i < r->miner_count; i++) {
        const yuma_trainsim_miner_report *m = &r->m[i];
        char g[32] = "        -", b[8] = " -";
        if (m->evaluated) {
            snprintf(g, sizeof g, "%+9.5f", 100 * m->g);
            snprintf(b, sizeof b, "%+d", m->b);
        }
        printf("  %3u %-9s %-7s g%% %s  b %s  B %+7.4f  F %9.4f  weight %6.4f  emission %llu\n", m->uid,
               yuma_miner_kind_name(m->kind), yuma_upload_status_name(m->upload), g, b, m->B, m->F, m->weight,
               (unsigned long long)m->emission);
    }
}

static void csv_header(FILE *f)
{
    fputs("window,heldout_nats,heldout_bits,uid,kind,upload,upload_bytes,gathered,evaluated,g,i_own,i_rand,b,B,"
          "ordinal,sync,F,weight,emission_rao,in_sync\n",
          f);
}

static void csv_rows(FILE *f, const yuma_trainsim_window_report *r)
{
    char loss[64] = ",";
    if (!isnan(r->heldout)) snprintf(loss, sizeof loss, "%.6f,%.6f", r->heldout, r->heldout / log(2.0));
    if (r->miner_count == 0) {
        fprintf(f, "%llu,%s,,,,,,,,,,,,,,,,,\n", (unsigned long long)r->window, loss);
        return;
    }
    for (size_t i = 0; i < r->miner_count; i++) {
        const yuma_trainsim_miner_report *m = &r->m[i];
        fprintf(f, "%llu,%s,%u,%s,%s,%zu,%d,%d,", (unsigned long long)r->window, loss, m->uid,
                yuma_miner_kind_name(m->kind), yuma_upload_status_name(m->upload), m->upload_bytes, m->gathered,
                m->evaluated);
        if (m->evaluated) fprintf(f, "%.9g,%.9g,%.9g,%d,", m->g, m->i_own, m->i_rand, m->b);
        else fputs(",,,,", f);
        fprintf(f, "%.9g,%.9g,%.9g,%.9g,%.9g,%llu,%d\n", m->B, m->ordinal, m->sync, m->F, m->weight,
                (unsigned long long)m->emission, m->in_sync);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    uint64_t upload_bytes, uploads;
    double last_heldout;
} totals;

static int run(sim_opts *o, yuma_trainsim *s, FILE *csv, const char *store)
{
    const yuma_trainsim_config *c = &o->cfg;
    uint32_t miners = c->mode == YUMA_SIM_SINGLE ? 1 : c->miners; /* single: miner 0 alone */
    printf("# yuma subnet train sim: %s (%zu parameters), mode %s, %u miner%s (%u honest", c->config_name,
           yuma_gpt_num_params(yuma_trainsim_model(s)), yuma_sim_mode_name(c->mode), miners, miners == 1 ? "" : "s",
           miners - (uint32_t)c->n_adversaries);
    for (size_t i = 0; i < c->n_adversaries; i++)
        printf("; %s %u", yuma_miner_kind_name(c->adversaries[i].kind), c->adversaries[i].uid);
    printf("), %u validator%s, %llu windows, H %u, B %u, lr %g, seed %llu\n", c->validators,
           c->validators == 1 ? "" : "s", (unsigned long long)c->windows, c->inner_steps, c->batch, c->inner_lr,
           (unsigned long long)c->seed);
    if (c->mode == YUMA_SIM_SPARSE) printf("# store %s\n", store);
    if (csv) csv_header(csv);
    totals t = {0, 0, NAN};
    double t0 = now_s();
    char err[512];
    for (uint64_t w = 0; w < c->windows; w++) {
        const yuma_trainsim_window_report *r;
        if (!yuma_trainsim_step(s, &r, err, sizeof err)) {
            fflush(stdout);
            fprintf(stderr, "yuma subnet train sim: window %llu: %s\n", (unsigned long long)w, err);
            return 1;
        }
        print_window(o, r);
        fflush(stdout); /* a long run shows (and keeps) every window as it ends */
        if (csv) {
            csv_rows(csv, r);
            fflush(csv);
        }
        for (size_t i = 0; i < r->miner_count; i++)
            if (r->m[i].upload_bytes && r->m[i].kind == YUMA_MINER_HONEST) {
                t.upload_bytes += r->m[i].upload_bytes;
                t.uploads++;
            }
        if (!isnan(r->heldout)) t.last_heldout = r->heldout;
        if (w + 1 == c->windows) {
            double dt = now_s() - t0;
            uint8_t h[32];
            char hex[65];
            yuma_gpt_hash(yuma_trainsim_model(s), h);
            hex32(h, hex);
            printf("# done: %llu windows in %.1f s (%.2f s per window); held-out %.4f nats/byte (%.4f bits/byte); "
                   "model %s\n",
                   (unsigned long long)c->windows, dt, dt / (double)c->windows, t.last_heldout,
                   t.last_heldout / log(2.0), hex);
            if (r->miner_count) {
                printf("# emissions (rao):");
                for (size_t i = 0; i < r->miner_count; i++)
                    printf(" %u:%llu", r->m[i].uid, (unsigned long long)r->m[i].emission);
                printf("; validators:");
                for (uint32_t j = 0; j < c->validators; j++)
                    printf(" %u:%llu", c->miners + j, (unsigned long long)r->validator_emission[j]);
                printf("\n");
            }
            if (t.uploads) {
                double avg = (double)t.upload_bytes / (double)t.uploads;
                size_t dense = yuma_trainsim_dense_bytes(s);
                printf("# upload per honest miner per window: %.0f bytes on average vs %zu dense fp32 (%.1fx smaller)\n",
                       avg, dense, dense / avg);
            }
        }
    }
    return 0;
}

int cmd_subnet_train(int argc, char **argv)
{
    /* argv[0] "train", argv[1] the subcommand */
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "miner") == 0 || strcmp(argv[1], "validator") == 0)
        return cmd_subnet_train_net(argc - 1, argv + 1);
    if (strcmp(argv[1], "sim") != 0) {
        fprintf(stderr, "yuma subnet train: unknown subcommand '%s' (try 'yuma subnet train sim --help')\n", argv[1]);
        return 2;
    }
    argc--, argv++;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    sim_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc) return rc;
    yuma_corpus corpus;
    char err[512];
    if (!yuma_corpus_load(o.corpus_path, &corpus, err, sizeof err)) {
        if (access(o.corpus_path, F_OK) != 0) return usage_error("%s (make it with scripts/get-corpus.sh)", err);
        return usage_error("%s", err);
    }
    o.cfg.corpus = &corpus;
    char tmpdir[] = "/tmp/yuma-subnet-XXXXXX";
    bool temporary = false;
    if (o.cfg.mode == YUMA_SIM_SPARSE && !o.store) {
        if (!mkdtemp(tmpdir)) {
            yuma_corpus_free(&corpus);
            fprintf(stderr, "yuma subnet train sim: cannot create a temporary store: %s\n", strerror(errno));
            return 1;
        }
        temporary = true;
        o.store = tmpdir;
    }
    o.cfg.store_dir = o.store;
    FILE *csv = NULL;
    yuma_trainsim *s = NULL;
    if (!yuma_trainsim_config_check(&o.cfg, err, sizeof err)) rc = usage_error("%s", err);
    else if (o.csv && !(csv = fopen(o.csv, "w"))) rc = usage_error("cannot write --csv %s: %s", o.csv, strerror(errno));
    else if (!(s = yuma_trainsim_new(&o.cfg, err, sizeof err))) rc = usage_error("%s", err);
    else rc = run(&o, s, csv, o.store);
    yuma_trainsim_free(s);
    if (csv && (fclose(csv) != 0) && rc == 0) {
        fprintf(stderr, "yuma subnet train sim: write error on %s: %s\n", o.csv, strerror(errno));
        rc = 1;
    }
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "yuma subnet train sim: write error: %s\n", strerror(errno));
        rc = 1;
    }
    if (temporary) nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    yuma_corpus_free(&corpus);
    return rc;
}
