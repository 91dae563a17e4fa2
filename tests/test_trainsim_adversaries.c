/*
 * test_trainsim_adversaries.c - the adversaries of training-subnet.md §7.10
 * against honest controls, with the pass criteria as revised by the
 * measured calibration at the top of §7, on T0 and the KJV corpus
 * (data/kjv.txt; skipped with a message when absent).
 *
 * Per seed, three runs of four honest miners: alone (the loss control),
 * with group A and with group B of the adversaries (roles below). Each
 * adversary is judged against the honest controls of its run, which is
 * what the criteria compare; the adversaries of a group barely touch each
 * other (only the noise miner and the copier are ever gathered). Seeds:
 * $YUMA_TRAINSIM_SEEDS (default "1"; bench/train_subnet.sh runs "1 2 3"),
 * windows: $YUMA_TRAINSIM_WINDOWS (default 40; under AddressSanitizer 12,
 * which checks only the mechanical criteria).
 *
 * The free-rider that stops uploading at window 15 and the desynced miner
 * (windows 10-32, then catch-up from the checkpoint of window 30 and three
 * aggregators) are honest outside those windows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainsim_fixture.h"
#include "yuma/trainsim.h"

#define MAXW 200

/* Under AddressSanitizer (CI's second build, several times slower) the
 * runs are short and only the mechanical criteria are checked: the
 * statistical ones need 40 windows and are checked in the Release build. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif
static uint64_t QUIT_AT = 15, DESYNC_FROM = 10, DESYNC_UNTIL = 33;

/* Where each role sits in a run (-1: not in it). */
typedef struct {
    const char *name;
    uint32_t miners;
    uint16_t honest[4];
    int noise, copier, victim, noise100, freerider, quitter, zero, late, desync; /* group A */
    int lazy, stale, skipper;                                                 /* group B */
} roles;

/* A: the noise miner and the copier in the first gather list (uids 0-3),
 * the rest outside it. Miners that rank by g (noise, desync) do not share a
 * run with those whose criterion is to rank last (stale, lazy): with one
 * another below them, they would not. */
static const roles GROUP_A = {"A", 12, {2, 3, 4, 5}, 0, 1, 2, 6, 7, 8, 9, 10, 11, -1, -1, -1};
static const roles GROUP_B = {"B", 7, {0, 1, 2, 3}, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6};
static const roles ALONE = {"honest only", 4, {0, 1, 2, 3}, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
#define NH 4

static yuma_corpus corpus;
static bool have_corpus;

typedef struct {
    const roles *r;
    uint64_t windows;
    yuma_trainsim_miner_report m[MAXW][16];
    uint32_t nodes[MAXW], nodes_in_sync[MAXW];
    double overlap[MAXW];
    double final_loss;
    uint8_t hash[32];
    uint64_t emission[16];
} trace;

static uint64_t env_windows(void)
{
    const char *s = getenv("YUMA_TRAINSIM_WINDOWS");
    uint64_t w = s ? strtoull(s, NULL, 10) : SANITIZED ? 12 : 40;
    if (w < 36) { /* a short run: the free-rider stops and the desync ends early */
        QUIT_AT = 3, DESYNC_FROM = 3, DESYNC_UNTIL = 8;
        return w < 12 ? 12 : w;
    }
    return w > MAXW ? MAXW : w;
}

static yuma_trainsim_config base_config(uint64_t seed, uint64_t windows)
{
    yuma_trainsim_config c;
    assert_true(yuma_trainsim_defaults("T0", &c));
    c.corpus = &corpus;
    c.seed = seed;
    c.windows = windows;
    c.gauntlet.binary_alpha = 0.2; /* §7.6: short test runs settle with alpha 0.2 */
    c.heldout_every = 0;           /* the loss at the end only */
    c.threads = 1;
    return c;
}

static void run(yuma_trainsim_config *c, const roles *roles_of, trace *t)
{
    trainsim_run fx;
    yuma_trainsim *s = trainsim_run_start(&fx, "/tmp/test-trainsim-adv-XXXXXX", c);
    char err[512];
    memset(t, 0, sizeof *t);
    t->r = roles_of;
    t->windows = c->windows;
    for (uint64_t w = 0; w < c->windows; w++) {
        const yuma_trainsim_window_report *r;
        if (!yuma_trainsim_step(s, &r, err, sizeof err)) fail_msg("window %llu: %s", (unsigned long long)w, err);
        memcpy(t->m[w], r->m, r->miner_count * sizeof *r->m);
        t->nodes[w] = r->nodes;
        t->nodes_in_sync[w] = r->nodes_in_sync;
        t->overlap[w] = r->honest_overlap_max;
        if (w + 1 == c->windows) {
            t->final_loss = r->heldout;
            memcpy(t->hash, r->model_hash, 32);
            for (size_t i = 0; i < r->miner_count; i++) t->emission[i] = r->m[i].emission;
        }
    }
    trainsim_run_end(&fx);
}

static void add(yuma_trainsim_config *c, int uid, yuma_miner_kind kind, uint64_t from, uint64_t until, int victim)
{
    if (uid < 0) return;
    c->adversaries[c->n_adversaries++] = (yuma_adversary){kind, (uint16_t)uid, from, until, (uint16_t)(victim < 0 ? 0 : victim)};
}

static void place(yuma_trainsim_config *c, const roles *r)
{
    c->miners = r->miners;
    c->n_adversaries = 0;
    add(c, r->noise, YUMA_MINER_NOISE, 0, UINT64_MAX, -1);
    add(c, r->copier, YUMA_MINER_COPIER, 0, UINT64_MAX, r->victim);
    add(c, r->noise100, YUMA_MINER_NOISE100, 0, UINT64_MAX, -1);
    add(c, r->freerider, YUMA_MINER_FREERIDER, 0, UINT64_MAX, -1);
    add(c, r->quitter, YUMA_MINER_FREERIDER, QUIT_AT, UINT64_MAX, -1);
    add(c, r->zero, YUMA_MINER_ZERO, 0, UINT64_MAX, -1);
    add(c, r->late, YUMA_MINER_LATE, 0, UINT64_MAX, -1);
    add(c, r->desync, YUMA_MINER_DESYNC, DESYNC_FROM, DESYNC_UNTIL, -1);
    add(c, r->lazy, YUMA_MINER_LAZY, 0, UINT64_MAX, -1);
    add(c, r->stale, YUMA_MINER_STALE, 0, UINT64_MAX, -1);
    add(c, r->skipper, YUMA_MINER_SKIPPER, 0, UINT64_MAX, -1);
}

/* ---- statistics over a trace -------------------------------------------- */

static double mean_weight(const trace *t, uint16_t u, uint64_t from)
{
    double s = 0;
    for (uint64_t w = from; w < t->windows; w++) s += t->m[w][u].weight;
    return s / (double)(t->windows - from);
}

static double honest_mean_weight(const trace *t, uint64_t from)
{
    double s = 0;
    for (int i = 0; i < NH; i++) s += mean_weight(t, t->r->honest[i], from);
    return s / NH;
}

static double mean_B(const trace *t, uint16_t u, uint64_t from)
{
    double s = 0;
    for (uint64_t w = from; w < t->windows; w++) s += t->m[w][u].B;
    return s / (double)(t->windows - from);
}

/* Share of u's evaluations from window `from` on with b = +1. */
static double plus_share(const trace *t, uint16_t u, uint64_t from, int *evals)
{
    int n = 0, plus = 0;
    for (uint64_t w = from; w < t->windows; w++)
        if (t->m[w][u].evaluated) {
            n++;
            plus += t->m[w][u].b > 0;
        }
    *evals = n;
    return n ? (double)plus / n : 0;
}

/* Share of u's evaluations in which its g is below every honest miner's. */
static double below_honest_share(const trace *t, uint16_t u, int *evals)
{
    int n = 0, below = 0;
    for (uint64_t w = 0; w < t->windows; w++) {
        if (!t->m[w][u].evaluated) continue;
        bool all = true, any = false;
        for (int i = 0; i < NH; i++) {
            const yuma_trainsim_miner_report *h = &t->m[w][t->r->honest[i]];
            if (!h->evaluated) continue;
            any = true;
            all = all && t->m[w][u].g < h->g;
        }
        if (!any) continue;
        n++;
        below += all;
    }
    *evals = n;
    return n ? (double)below / n : 0;
}

/* ---- the criteria --------------------------------------------------------- */

typedef struct {
    int failed;
} verdicts;

static void check(verdicts *v, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %s ", ok ? "pass" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok) v->failed++;
}

static void check_sync(verdicts *v, const trace *t)
{
    bool sync = true;
    for (uint64_t w = 0; w < t->windows; w++) sync = sync && t->nodes_in_sync[w] == t->nodes[w];
    check(v, sync, "shared: every node that applies the aggregate holds the lead's model after every window");
}

static void shared_controls(verdicts *v, const trace *t, const trace *honest)
{
    uint64_t W = t->windows;
    bool f_pos = true;
    for (int i = 0; i < NH; i++) f_pos = f_pos && t->m[W - 1][t->r->honest[i]].F > 0;
    check(v, f_pos, "shared: every honest miner ends with F > 0 (F = %.3f %.3f %.3f %.3f)", t->m[W - 1][t->r->honest[0]].F,
          t->m[W - 1][t->r->honest[1]].F, t->m[W - 1][t->r->honest[2]].F, t->m[W - 1][t->r->honest[3]].F);
    /* honest share of the weight, the lazy miner exempt (calibration box) */
    double share = 0;
    for (uint64_t w = 20; w < W; w++) {
        double hon = 0, total = 0;
        for (uint16_t u = 0; u < t->r->miners; u++) {
            if ((int)u == t->r->lazy) continue;
            total += t->m[w][u].weight;
            for (int i = 0; i < NH; i++) hon += u == t->r->honest[i] ? t->m[w][u].weight : 0;
        }
        share += total > 0 ? hon / total : 1;
    }
    share /= (double)(W - 20);
    check(v, share >= 0.9, "shared: honest miners hold %.1f %% of the weight (lazy exempt) over windows 20+, >= 90 %%",
          100 * share);
    check(v, t->final_loss <= honest->final_loss + 0.03,
          "shared: held-out loss with the adversaries %.4f <= honest-only %.4f + 0.03", t->final_loss,
          honest->final_loss);
    check_sync(v, t);
}

static void copy_detector(verdicts *v, const trace *t)
{
    double max_all = -1, max_late = -1;
    bool flagged = false;
    for (uint64_t w = 0; w < t->windows; w++) {
        if (t->overlap[w] > max_all) max_all = t->overlap[w];
        if (w >= 5 && t->overlap[w] > max_late) max_late = t->overlap[w];
        for (int i = 0; i < NH; i++) flagged = flagged || t->m[w][t->r->honest[i]].copy != YUMA_COPY_NONE;
    }
    check(v, max_late < 0.3 && !flagged,
          "copy detector (%s): honest pairs overlap at most %.3f from window 5 (%.3f in all windows), < 0.3, 2-D tiles; "
          "no honest miner flagged",
          t->r->name, max_late, max_all);
}

static void a1_noise(verdicts *v, const trace *t, uint16_t u, const char *name)
{
    int evals;
    double below = below_honest_share(t, u, &evals);
    check(v, below >= 0.9, "A1 %s: g below every honest miner's in %.0f %% of %d evaluations (>= 90 %%)", name,
          100 * below, evals);
    double maxw = 0;
    for (uint64_t w = 20; w < t->windows; w++) maxw = fmax(maxw, t->m[w][u].weight);
    check(v, maxw <= 0.01, "A1 %s: weight <= 1 %% after window 20 (max %.4f)", name, maxw);
    uint64_t last_gathered = 0;
    bool ever = false;
    for (uint64_t w = 0; w < t->windows; w++)
        if (t->m[w][u].gathered) last_gathered = w, ever = true;
    if ((int)u == t->r->noise)
        check(v, ever && last_gathered < 11,
              "A1 %s: gathered at first, out of the gather set within 2 peer refreshes (last gathered in window %llu, "
              "< 11)",
              name, (unsigned long long)last_gathered);
}

static void a2_copier(verdicts *v, const trace *t)
{
    bool caught = t->m[5][t->r->copier].copy == YUMA_COPY_MEGA && t->m[5][t->r->copier].copy_overlap == 1.0;
    bool zero = true;
    for (uint64_t w = 5; w < t->windows; w++) zero = zero && t->m[w][t->r->copier].F == 0 && t->m[w][t->r->copier].weight == 0;
    check(v, caught && zero, "A2 copier: overlap %.3f at round 5 ('mega': reset and ban), F = 0 and weight 0 from then",
          t->m[5][t->r->copier].copy_overlap);
    bool untouched = true;
    for (uint64_t w = 0; w < t->windows; w++) untouched = untouched && t->m[w][t->r->victim].copy == YUMA_COPY_NONE;
    double vw = mean_weight(t, t->r->victim, 5), hm = honest_mean_weight(t, 5);
    double ws[NH];
    for (int i = 0; i < NH; i++) ws[i] = mean_weight(t, t->r->honest[i], 5);
    for (int i = 0; i < NH; i++) /* sort for the median */
        for (int j = i + 1; j < NH; j++)
            if (ws[j] < ws[i]) {
                double x = ws[i];
                ws[i] = ws[j];
                ws[j] = x;
            }
    check(v, untouched && t->m[t->windows - 1][t->r->victim].F > 0 && vw >= 0.5 * hm,
          "A2 victim: never blamed, F > 0 at the end, mean weight %.3f >= half the honest mean %.3f "
          "(honest median %.3f: %s)",
          vw, hm, (ws[1] + ws[2]) / 2, vw >= (ws[1] + ws[2]) / 2 ? "at or above" : "below");
}

static void a3_lazy(verdicts *v, const trace *t)
{
    uint64_t from = t->windows - 20;
    double lw = mean_weight(t, t->r->lazy, from), hm = honest_mean_weight(t, from);
    bool below = true;
    for (uint64_t w = from; w < t->windows; w++)
        for (int i = 0; i < NH; i++) below = below && t->m[w][t->r->lazy].F < t->m[w][t->r->honest[i]].F;
    check(v, below && lw <= 0.7 * hm,
          "A3 lazy: F below every honest miner's over the last 20 windows, weight %.4f <= 0.7 x honest mean %.4f", lw,
          hm);
}

static void a4_freerider(verdicts *v, const trace *t)
{
    bool never = true;
    for (uint64_t w = 0; w < t->windows; w++)
        never = never && !t->m[w][t->r->freerider].evaluated && t->m[w][t->r->freerider].weight == 0 &&
                t->m[w][t->r->freerider].upload == YUMA_UPLOAD_NONE;
    check(v, never, "A4 free-rider: never uploads, never evaluated, weight 0 throughout");
    bool decayed = true;
    for (uint64_t w = QUIT_AT + 4; w < t->windows; w++)
        decayed = decayed && t->m[w][t->r->quitter].F == 0 && t->m[w][t->r->quitter].weight == 0;
    check(v, decayed, "A4 stops uploading at window %d: F %.3f at %d, %.3f at %d, 0 from window %d on", (int)QUIT_AT,
          t->m[QUIT_AT - 1][t->r->quitter].F, (int)QUIT_AT - 1, t->m[QUIT_AT + 1][t->r->quitter].F, (int)QUIT_AT + 1,
          (int)QUIT_AT + 4);
}

static void a5_stale(verdicts *v, const trace *t)
{
    bool stale = true;
    double maxF = -INFINITY;
    for (uint64_t w = 20; w < t->windows; w++) {
        /* F = ordinal * max(0, B - 0.3) * sync: last in every match, its
         * ordinal is negative, so "F = 0" reads as no positive score */
        stale = stale && t->m[w][t->r->stale].F <= 0 && t->m[w][t->r->stale].weight == 0;
        maxF = fmax(maxF, t->m[w][t->r->stale].F);
    }
    int evals;
    double share = plus_share(t, t->r->stale, 0, &evals);
    check(v, stale,
          "A5a stale: no positive F (max %.3f) and weight 0 from window 20 (its b = +1 in %.0f %% of %d evaluations: "
          "a coin flip)",
          maxF, 100 * share, evals);
}

static void a5_zero_late(verdicts *v, const trace *t)
{
    bool zero = true, late = true;
    for (uint64_t w = 0; w < t->windows; w++) {
        const yuma_trainsim_miner_report *z = &t->m[w][t->r->zero], *l = &t->m[w][t->r->late];
        zero = zero && z->upload == YUMA_UPLOAD_INVALID && z->F == 0 && z->weight == 0;
        late = late && l->upload == YUMA_UPLOAD_LATE && l->F == 0 && l->weight == 0 && !l->gathered;
    }
    check(v, zero, "A5b zero: every upload refused as invalid (scale 0), F = 0 and weight 0 throughout");
    check(v, late, "A5c late: every upload late, never gathered, F = 0 and weight 0 (as no upload) throughout");
}

static void a6_skipper(verdicts *v, const trace *t)
{
    double bs = mean_B(t, t->r->skipper, 20), bh = 0;
    for (int i = 0; i < NH; i++) bh += mean_B(t, t->r->honest[i], 20) / NH;
    int evals;
    double skip = plus_share(t, t->r->skipper, 10, &evals), hon_min = 1;
    for (int i = 0; i < NH; i++) {
        int e;
        hon_min = fmin(hon_min, plus_share(t, t->r->honest[i], 10, &e));
    }
    bool b_test = bs <= 0.5 * bh, rate_test = skip <= 0.65 && hon_min >= 0.8;
    double sw = mean_weight(t, t->r->skipper, 20), hm = honest_mean_weight(t, 20);
    check(v, (b_test || rate_test) && sw <= 0.3 * hm,
          "A6 skipper: mean B %.3f vs honest %.3f (<= 0.5x: %s); b = +1 in %.0f %% of %d evaluations from window 10 vs "
          "honest >= %.0f %% (rate test: %s); weight %.4f <= 0.3 x honest mean %.4f",
          bs, bh, b_test ? "yes" : "no", 100 * skip, evals, 100 * hon_min, rate_test ? "yes" : "no", sw, hm);
}

static void a7_desync(verdicts *v, const trace *t)
{
    bool zero = true;
    for (uint64_t w = DESYNC_FROM + 1; w <= DESYNC_UNTIL; w++)
        zero = zero && t->m[w][t->r->desync].F == 0 && !(t->m[w][t->r->desync].sync_x <= 3);
    /* §7.5 step 1: back to honest, it finds its hash differing from the
     * lead's at window UNTIL and catches up, once */
    bool back = t->m[DESYNC_UNTIL][t->r->desync].in_sync && t->m[DESYNC_UNTIL + 1][t->r->desync].sync == 1.0 &&
                t->m[DESYNC_UNTIL - 1][t->r->desync].catch_ups == 0 && t->m[t->windows - 1][t->r->desync].catch_ups == 1;
    for (int i = 0; i < NH; i++) back = back && t->m[t->windows - 1][t->r->honest[i]].catch_ups == 0;
    check(v, zero && back,
          "A7 desync: x > 3 and F = 0 in windows %d-%d; finds its hash differing from the lead's at window %d and "
          "catches up from the checkpoint and the aggregators (once; honest miners never), sync %.2f one window later",
          (int)DESYNC_FROM + 1, (int)DESYNC_UNTIL, (int)DESYNC_UNTIL, t->m[DESYNC_UNTIL + 1][t->r->desync].sync);
}

static void test_adversaries(void **state)
{
    (void)state;
    if (!have_corpus) skip();
    const char *seeds = getenv("YUMA_TRAINSIM_SEEDS");
    if (!seeds || !*seeds) seeds = "1";
    uint64_t windows = env_windows();
    char *list = strdup(seeds);
    int failed = 0;
    static trace honest, a, b;
    for (char *tok = strtok(list, " ,"); tok; tok = strtok(NULL, " ,")) {
        uint64_t seed = strtoull(tok, NULL, 10);
        yuma_trainsim_config c = base_config(seed, windows);
        if (windows >= 36) { /* the loss control */
            place(&c, &ALONE);
            run(&c, &ALONE, &honest);
            c = base_config(seed, windows);
        }
        place(&c, &GROUP_A);
        run(&c, &GROUP_A, &a);
        c = base_config(seed, windows);
        place(&c, &GROUP_B);
        run(&c, &GROUP_B, &b);
        if (windows >= 36)
            printf("seed %llu, %llu windows: held-out %.4f honest only, %.4f with group A, %.4f with group B\n",
                   (unsigned long long)seed, (unsigned long long)windows, honest.final_loss, a.final_loss, b.final_loss);
        verdicts v = {0};
        if (windows < 36) { /* mechanical criteria only */
            printf(" group A, %llu windows (mechanical criteria):\n", (unsigned long long)windows);
            check_sync(&v, &a);
            copy_detector(&v, &a);
            a2_copier(&v, &a);
            a4_freerider(&v, &a);
            a5_zero_late(&v, &a);
            a7_desync(&v, &a);
            printf(" group B, %llu windows (mechanical criteria):\n", (unsigned long long)windows);
            check_sync(&v, &b);
            copy_detector(&v, &b);
        } else {
            copy_detector(&v, &honest);
            printf(" group A (noise and copier gathered first; noise x100, free-riders, zero, late, desync):\n");
            shared_controls(&v, &a, &honest);
            copy_detector(&v, &a);
            a1_noise(&v, &a, (uint16_t)a.r->noise, "noise");
            a1_noise(&v, &a, (uint16_t)a.r->noise100, "noise x100");
            a2_copier(&v, &a);
            a4_freerider(&v, &a);
            a5_zero_late(&v, &a);
            a7_desync(&v, &a);
            printf(" group B (lazy, stale, skipper):\n");
            shared_controls(&v, &b, &honest);
            copy_detector(&v, &b);
            a3_lazy(&v, &b);
            a5_stale(&v, &b);
            a6_skipper(&v, &b);
        }
        printf("seed %llu: %d criteria failed\n", (unsigned long long)seed, v.failed);
        failed += v.failed;
    }
    free(list);
    fflush(stdout);
    assert_int_equal(failed, 0);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    have_corpus = yuma_corpus_load("data/kjv.txt", &corpus, err, sizeof err);
    if (!have_corpus)
        fprintf(stderr, "skipping: %s (make it with scripts/get-corpus.sh; tests run from the source directory)\n", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (have_corpus) yuma_corpus_free(&corpus);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_adversaries)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
