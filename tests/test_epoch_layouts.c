/*
 * test_epoch_layouts.c - the epoch gives the same bytes whichever way it
 * runs: the sparse layout, the dense layout with the CPU's vector kernels
 * or with the baseline ones, on 1, 2 or 3 threads, and the automatic
 * choice. The sparse layout is the one the spec vectors and the
 * reference-derived tests pin down; here every other configuration is
 * compared with it on random inputs built directly (not through scenario
 * files): sparse to full rows, rows in any order, explicit zeros, masks of
 * every kind (self, outdated, commit-reveal, recently registered bonds,
 * missing permits), stakes from 0 to huge, every beta regime, YC2 and YC3,
 * bonds fed back over several epochs, and malformed matrices (each
 * configuration must refuse them with the same status). Also the dense
 * quantile (yq_columns_dense) against yq_column on the same columns, and
 * the permits' top-k against a sort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/dense_kern.h"
#include "consensus/math.h"
#include "consensus/quantile.h"
#include "yuma/epoch.h"

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 17;
}

static uint64_t below(uint64_t bound)
{
    return bound ? rnd() % bound : 0;
}

/* ---- random epoch inputs ---- */

typedef struct {
    uint32_t n;
    yuma_epoch_input in;
    uint64_t *alpha, *root, *lu, *reg, *cb;
    bool *permit;
    size_t *woff;
    yuma_entry *w;
} case_t;

static uint64_t random_stake(void)
{
    switch (below(6)) {
    case 0: return 0;
    case 1: return below(10);
    case 2: return below(1000000);
    case 3: return below((uint64_t)1 << 50);
    case 4: return 1000000000ull * below(10000);
    default: return 1 + below(1000000000000ull);
    }
}

/* One row of `count` distinct columns in random order (or ascending),
 * values from 0 to 65535. */
static void random_row(uint32_t n, uint32_t count, bool sorted, uint32_t *pick, yuma_entry *out)
{
    for (uint32_t q = 0; q < count; q++) {
        uint32_t t = q + (uint32_t)below(n - q), tmp = pick[q];
        pick[q] = pick[t];
        pick[t] = tmp;
    }
    if (sorted) {
        for (uint32_t a = 1; a < count; a++)
            for (uint32_t b = a; b > 0 && pick[b - 1] > pick[b]; b--) {
                uint32_t tmp = pick[b];
                pick[b] = pick[b - 1];
                pick[b - 1] = tmp;
            }
    }
    for (uint32_t q = 0; q < count; q++) {
        uint64_t kind = below(10);
        out[q].uid = (uint16_t)pick[q];
        out[q].value = (uint16_t)(kind == 0 ? 0 : kind == 1 ? 65535 : below(65536));
    }
}

static void build_case(case_t *k, uint32_t n, double density)
{
    memset(k, 0, sizeof *k);
    k->n = n;
    k->alpha = calloc(n, 8);
    k->root = calloc(n, 8);
    k->lu = calloc(n, 8);
    k->reg = calloc(n, 8);
    k->cb = calloc(n, 8);
    k->permit = calloc(n, 1);
    k->woff = calloc(n + 1, sizeof(size_t));
    k->w = calloc((size_t)n * n + 1, sizeof(yuma_entry));
    uint32_t *pick = calloc(n, sizeof(uint32_t));
    assert_non_null(k->w);
    assert_non_null(pick);
    for (uint32_t i = 0; i < n; i++) pick[i] = i;
    uint64_t block = 1000 + below(100);
    bool with_reg = below(3) == 0, with_cb = below(4) == 0;
    uint32_t per_row = (uint32_t)(density * n + 0.5);
    for (uint32_t i = 0; i < n; i++) {
        k->alpha[i] = random_stake();
        k->root[i] = below(4) ? 0 : random_stake() >> 8;
        k->lu[i] = below(8) ? block - below(50) : block - 3000; /* some outdated or inactive */
        k->reg[i] = with_reg ? block - below(400) : 0;
        k->cb[i] = with_cb && below(2) ? block - below(300) : UINT64_MAX;
        k->permit[i] = below(3) != 0;
        uint32_t count = 0;
        if (below(4) != 0) {
            count = per_row ? per_row : 1;
            if (below(3) == 0) count = 1 + (uint32_t)below(n);
            if (count > n) count = n;
        }
        random_row(n, count, below(3) == 0, pick, k->w + k->woff[i]);
        k->woff[i + 1] = k->woff[i] + count;
    }
    free(pick);
    yuma_epoch_input *in = &k->in;
    in->n = n;
    in->hp = yuma_hyperparams_default();
    in->hp.tempo = (uint16_t)(1 + below(400));
    in->hp.activity_cutoff_factor_milli = (uint32_t)(1000 + below(60000));
    in->hp.kappa = below(2) ? 32767 : (uint16_t)below(65536);
    uint64_t bp = below(3);
    in->hp.bonds_penalty = bp == 0 ? 0 : bp == 1 ? 65535 : (uint16_t)below(65536);
    in->hp.bonds_moving_average = below(2) ? 900000 : below(1000001);
    in->hp.max_allowed_validators = (uint16_t)below(n + 3);
    in->hp.yuma3 = below(2);
    in->hp.liquid_alpha = below(4) == 0;
    in->hp.alpha_low = 45875;
    in->hp.alpha_high = 58982;
    in->hp.stake_threshold = below(4) == 0 ? below(100) : 0;
    in->block = block;
    in->last_epoch_block = below(2) ? block - below(400) : 0;
    in->emission = below(4) == 0 ? below(1000) : below(4000000000ull);
    in->owner_uid = below(3) == 0 ? (int32_t)below(n) : YUMA_NO_OWNER;
    in->alpha_stake = k->alpha;
    in->root_stake = below(2) ? k->root : NULL;
    in->tao_weight_raw32 = below((uint64_t)1 << 32);
    in->last_update = k->lu;
    in->registered_at = k->reg;
    in->validator_permit = k->permit;
    in->commit_block = with_cb ? k->cb : NULL;
    in->weights = (yuma_sparse_view){k->woff, k->w};
}

static void free_case(case_t *k)
{
    free(k->alpha);
    free(k->root);
    free(k->lu);
    free(k->reg);
    free(k->cb);
    free(k->permit);
    free(k->woff);
    free(k->w);
}

/* ---- comparing outputs ---- */

static void assert_same_output(const yuma_epoch_output *a, const yuma_epoch_output *b)
{
    uint32_t n = a->n;
    assert_int_equal(n, b->n);
    assert_memory_equal(a->consensus, b->consensus, n * sizeof(uint16_t));
    assert_memory_equal(a->incentive, b->incentive, n * sizeof(uint16_t));
    assert_memory_equal(a->dividends, b->dividends, n * sizeof(uint16_t));
    assert_memory_equal(a->validator_trust, b->validator_trust, n * sizeof(uint16_t));
    assert_memory_equal(a->stake_weight, b->stake_weight, n * sizeof(uint16_t));
    assert_memory_equal(a->emission, b->emission, n * sizeof(uint64_t));
    assert_memory_equal(a->server_emission, b->server_emission, n * sizeof(uint64_t));
    assert_memory_equal(a->validator_emission, b->validator_emission, n * sizeof(uint64_t));
    assert_memory_equal(a->raw_stake, b->raw_stake, n * sizeof(uint64_t));
    assert_memory_equal(a->validator_permit, b->validator_permit, n * sizeof(bool));
    assert_memory_equal(a->active, b->active, n * sizeof(bool));
    assert_memory_equal(a->bond_offsets, b->bond_offsets, (n + 1) * sizeof(size_t));
    size_t m = a->bond_offsets[n];
    for (size_t q = 0; q < m; q++) {
        assert_int_equal(a->bonds[q].uid, b->bonds[q].uid);
        assert_int_equal(a->bonds[q].value, b->bonds[q].value);
    }
}

/* The configurations compared with the sparse layout. */
static const yuma_epoch_options configs[] = {
    {.threads = 1, .layout = YUMA_LAYOUT_DENSE},
    {.threads = 1, .layout = YUMA_LAYOUT_DENSE, .portable = true},
    {.threads = 2, .layout = YUMA_LAYOUT_DENSE},
    {.threads = 3, .layout = YUMA_LAYOUT_DENSE, .portable = true},
    {.threads = 1, .layout = YUMA_LAYOUT_AUTO},
    {.threads = 2, .layout = YUMA_LAYOUT_SPARSE},
    {.threads = 1, .layout = YUMA_LAYOUT_DENSE},
    {.threads = 2, .layout = YUMA_LAYOUT_DENSE},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])
/* The dense kernels each configuration is made to use (NULL: its options
 * choose): the last two run the AVX2 and AVX-512 instances whichever the
 * CPU would pick (each only where the CPU has it; else the options). */
static const char *const forced[NCONFIGS] = {NULL, NULL, NULL, NULL, NULL, NULL, "avx2", "avx512"};

typedef struct {
    yuma_workspace *sparse;
    yuma_workspace *ws[NCONFIGS];
} runners;

static void runners_init(runners *r)
{
    yuma_epoch_options sp = {.layout = YUMA_LAYOUT_SPARSE};
    r->sparse = yuma_workspace_new();
    assert_non_null(r->sparse);
    yuma_workspace_set_options(r->sparse, &sp);
    for (size_t q = 0; q < NCONFIGS; q++) {
        r->ws[q] = yuma_workspace_new();
        assert_non_null(r->ws[q]);
        yuma_workspace_set_options(r->ws[q], &configs[q]);
        if (forced[q]) dense_kernels_force(r->ws[q], dense_kernels_named(forced[q]));
    }
}

static void runners_free(runners *r)
{
    yuma_workspace_free(r->sparse);
    for (size_t q = 0; q < NCONFIGS; q++) yuma_workspace_free(r->ws[q]);
}

/* Runs `in` every way; returns the sparse result's status, *ref its output. */
static yuma_status run_all(runners *r, const yuma_epoch_input *in, yuma_epoch_output *ref)
{
    yuma_status s = yuma_epoch(in, r->sparse, ref);
    for (size_t q = 0; q < NCONFIGS; q++) {
        yuma_epoch_output o;
        yuma_status t = yuma_epoch(in, r->ws[q], &o);
        assert_int_equal(t, s);
        if (s == YUMA_OK) assert_same_output(ref, &o);
        yuma_epoch_output_free(&o);
    }
    return s;
}

/* A few epochs in a row, each reading the bonds the previous one stored,
 * with the blocks moving on so that the masks change. */
static size_t run_chain(runners *r, case_t *k, int epochs)
{
    yuma_epoch_output prev = {0}, cur;
    size_t ok = 0;
    for (int e = 0; e < epochs; e++) {
        if (e > 0) {
            k->in.bonds = (yuma_sparse_view){prev.bond_offsets, prev.bonds};
            k->in.block += 1 + below(30);
            k->in.last_epoch_block = k->in.block - 1 - below(20);
        }
        yuma_status s = run_all(r, &k->in, &cur);
        yuma_epoch_output_free(&prev);
        if (s != YUMA_OK) break;
        ok++;
        prev = cur;
    }
    yuma_epoch_output_free(&prev);
    k->in.bonds = (yuma_sparse_view){0};
    return ok;
}

static void test_random_epochs_agree(void **st)
{
    (void)st;
    runners r;
    runners_init(&r);
    static const double density[] = {0.02, 0.1, 0.5, 0.9, 1.0};
    size_t epochs = 0;
    for (int round = 0; round < 160; round++) {
        uint32_t n = 1 + (uint32_t)below(round % 4 == 0 ? 150 : 70);
        case_t k;
        build_case(&k, n, density[below(5)]);
        epochs += run_chain(&r, &k, 4);
        free_case(&k);
    }
    printf("epochs compared across %zu configurations: %zu\n", NCONFIGS, epochs);
    assert_true(epochs > 400);
    runners_free(&r);
}

/* Bench-like subnets: several column blocks and row chunks, so that the
 * threads really split the work. */
static void test_large_subnets_agree(void **st)
{
    (void)st;
    runners r;
    runners_init(&r);
    for (int round = 0; round < 2; round++) {
        uint32_t n = 500 + (uint32_t)below(300), v = 40 + (uint32_t)below(40);
        case_t k;
        build_case(&k, n, 1.0);
        /* only v rows weight, each all n uids, YC2 with default beta or YC3 */
        size_t at = 0;
        uint32_t *pick = calloc(n, sizeof(uint32_t));
        assert_non_null(pick);
        for (uint32_t i = 0; i < n; i++) pick[i] = i;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t count = i % (n / v) == 0 ? n - (uint32_t)below(3) : 0;
            random_row(n, count, false, pick, k.w + at);
            at += count;
            k.woff[i + 1] = at;
            k.permit[i] = true;
            k.lu[i] = k.in.block;
        }
        free(pick);
        k.in.hp = yuma_hyperparams_default();
        k.in.hp.yuma3 = round == 1;
        k.in.hp.max_allowed_validators = (uint16_t)(v + 5);
        k.in.commit_block = NULL;
        assert_int_equal(run_chain(&r, &k, 3), 3);
        free_case(&k);
    }
    runners_free(&r);
}

/* Malformed matrices: a column >= n, a repeated column (in an ascending
 * and in an unordered row), in the weights or the bonds, in a row that
 * would be expanded and in one that would not; and rows holding every
 * column (which the dense layout validates while copying them) put out
 * of order, which every layout accepts alike. */
static void test_malformed_refused_alike(void **st)
{
    (void)st;
    runners r;
    runners_init(&r);
    for (int round = 0; round < 240; round++) {
        /* a quarter of the rounds span several column blocks */
        uint32_t n = 2 + (uint32_t)below(round % 4 ? 60 : 200);
        case_t k;
        build_case(&k, n, 0.7);
        k.in.hp.liquid_alpha = false;
        /* bonds: a full ascending row on some uids */
        size_t *boff = calloc(n + 1, sizeof(size_t));
        yuma_entry *b = calloc((size_t)n * n + 2, sizeof(yuma_entry));
        assert_non_null(boff);
        assert_non_null(b);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t cnt = below(2) ? n : 0;
            for (uint32_t j = 0; j < cnt; j++) b[boff[i] + j] = (yuma_entry){(uint16_t)j, (uint16_t)below(65536)};
            boff[i + 1] = boff[i] + cnt;
        }
        k.in.bonds = (yuma_sparse_view){boff, b};
        uint32_t i = (uint32_t)below(n);
        bool in_bonds = below(2) && boff[i + 1] - boff[i] >= 2;
        size_t len = in_bonds ? boff[i + 1] - boff[i] : k.woff[i + 1] - k.woff[i];
        yuma_entry *row = in_bonds ? b + boff[i] : k.w + k.woff[i];
        uint64_t kind = below(4);
        if (len >= 2 && kind == 3) {
            /* valid but out of order: two entries swapped, every layout agrees */
            size_t a = below(len), z = below(len);
            yuma_entry t = row[a];
            row[a] = row[z];
            row[z] = t;
            yuma_epoch_output ref;
            yuma_status want = run_all(&r, &k.in, &ref);
            assert_int_equal(want, YUMA_OK);
            yuma_epoch_output_free(&ref);
            free(boff);
            free(b);
            free_case(&k);
            continue;
        } else if (len >= 2 && kind == 0) {
            row[len - 1].uid = row[0].uid; /* repeated */
        } else if (len >= 2 && kind == 1) {
            row[1].uid = row[0].uid;       /* repeated, adjacent */
        } else if (len >= 1) {
            row[below(len)].uid = (uint16_t)(n + below(3)); /* out of range */
        } else {
            free(boff);
            free(b);
            free_case(&k);
            continue;
        }
        yuma_epoch_output ref;
        assert_int_equal(run_all(&r, &k.in, &ref), YUMA_ERR_MATRIX);
        free(boff);
        free(b);
        free_case(&k);
    }
    runners_free(&r);
}

/* yq_columns_dense on a group of strided columns equals yq_column on the
 * compact list of each column's positive weights: long and short columns,
 * empty ones, ties, voters without a slot, kappa from 0 to above the
 * voters' stake. */
static void test_dense_quantile(void **st)
{
    (void)st;
    enum { SLOTS = 300, STRIDE = 11 };
    uint64_t *w = calloc((size_t)SLOTS * STRIDE, sizeof(uint64_t)), *key = calloc(SLOTS, sizeof(uint64_t));
    uint64_t *tmp = calloc((size_t)YQ_GROUP * SLOTS, sizeof(uint64_t));
    uint32_t *next = calloc((size_t)YQ_GROUP * SLOTS, sizeof(uint32_t));
    yfx *stake = calloc(SLOTS + 5, sizeof(yfx)), *slot_stake = calloc(SLOTS, sizeof(yfx));
    yfx *hist = calloc((size_t)YQ_GROUP * (YQ_MAX_BUCKETS + 16), sizeof(yfx));
    uint32_t *head = calloc((size_t)YQ_GROUP * (YQ_MAX_BUCKETS + 16), sizeof(uint32_t));
    uint32_t *vid = calloc(SLOTS, sizeof(uint32_t));
    uint16_t *idx = calloc((size_t)YQ_GROUP * SLOTS, sizeof(uint16_t));
    assert_true(w && key && tmp && next && stake && slot_stake && hist && head && vid && idx);
    size_t columns = 0;
    for (int round = 0; round < 600; round++) {
        /* half the rounds fill a whole group: the vector kernels' path */
        size_t slots = 1 + below(SLOTS), voters = slots + below(5),
               cols = below(2) ? YQ_GROUP : 1 + below(YQ_GROUP);
        yfx sigma = 0;
        for (size_t q = 0; q < voters; q++) {
            stake[q] = (yfx)below((uint64_t)1 << 24);
            sigma += stake[q];
        }
        for (size_t q = 0; q < slots; q++) {
            vid[q] = (uint32_t)(q + (voters - slots)); /* some voters have no slot */
            slot_stake[q] = stake[vid[q]];
        }
        uint64_t max1 = 0;
        size_t count[YQ_GROUP] = {0};
        for (size_t l = 0; l < cols; l++) {
            uint64_t span = 1 + below(below(2) ? 100 : (uint64_t)1 << 32);
            uint64_t zeros = below(3) == 0 ? 1 : below(4) == 0 ? 95 : 25; /* percent */
            for (size_t q = 0; q < slots; q++) {
                uint64_t x = below(100) < zeros ? 0 : 1 + below(span);
                if (x > (uint64_t)1 << 32) x = (uint64_t)1 << 32;
                w[q * STRIDE + l] = x;
                count[l] += x != 0;
                if (x && x - 1 > max1) max1 = x - 1;
            }
        }
        yfx kappa = (yfx)below((uint64_t)sigma + 2);
        yq_voters v = {stake, voters, sigma, sigma - kappa};
        /* column by column, then with the vector and the baseline kernels
         * (the chosen buckets' keys found by each kernel, and in C) */
        const dense_kernels *vec = dense_kernels_get(false), *base = dense_kernels_get(true);
        yq_bucket_fn fns[4] = {NULL, vec->buckets, base->buckets, vec->buckets};
        yq_match_fn mfns[4] = {NULL, vec->matches, base->matches, NULL};
        yfx got[4][YQ_GROUP];
        for (int f = 0; f < 4; f++) {
            yq_group_scratch gs = {hist, head, tmp, next, idx, fns[f], mfns[f]};
            yq_columns_dense(w, STRIDE, cols, vid, slot_stake, slots, count, (uint32_t)max1, &v, &gs,
                             got[f]);
        }
        for (size_t l = 0; l < cols; l++) {
            size_t k = 0;
            for (size_t q = 0; q < slots; q++)
                if (w[q * STRIDE + l]) key[k++] = YQ_KEY(w[q * STRIDE + l], vid[q]);
            yq_scratch s = {hist, tmp};
            yfx want = yq_column(key, k, (uint32_t)max1, &v, &s);
            for (int f = 0; f < 4; f++) assert_int_equal(got[f][l], want);
            columns++;
        }
    }
    assert_true(columns > 2000);
    free(w);
    free(key);
    free(tmp);
    free(next);
    free(stake);
    free(slot_stake);
    free(hist);
    free(head);
    free(vid);
    free(idx);
}

/* The permits' top-k (a radix selection) against its definition: a
 * stable ascending sort of the values clears the n - k first, here with a
 * plain insertion sort on (value, index). Many ties, zeros, negative and
 * extreme values. */
static void test_topk_matches_sort(void **st)
{
    (void)st;
    enum { MAXN = 300 };
    yfx v[MAXN];
    size_t order[MAXN];
    bool got[MAXN], want[MAXN];
    for (int round = 0; round < 3000; round++) {
        size_t n = below(MAXN + 1), k = below(n + 3);
        uint64_t kind = below(4);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rnd();
            v[i] = kind == 0 ? (yfx)(r % 4) : kind == 1 ? (yfx)(r << 17) : kind == 2 ? (yfx)(r % 1000) - 500
                                                                                     : (yfx)((r % 3) << 40);
            if (below(50) == 0) v[i] = below(2) ? INT64_MAX : INT64_MIN;
        }
        for (size_t i = 0; i < n; i++) order[i] = i;
        for (size_t a = 1; a < n; a++)
            for (size_t b = a; b > 0 && (v[order[b - 1]] > v[order[b]] ||
                                         (v[order[b - 1]] == v[order[b]] && order[b - 1] > order[b]));
                 b--) {
                size_t t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
        bool nonzero = below(2);
        for (size_t i = 0; i < n; i++) want[i] = nonzero ? v[i] != 0 : true;
        if (n > k)
            for (size_t q = 0; q < n - k; q++) want[order[q]] = false;
        assert_true(nonzero ? ymath_is_topk_nonzero(v, n, k, got) : ymath_is_topk(v, n, k, got));
        if (n) assert_memory_equal(got, want, n * sizeof(bool));
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_quantile),
        cmocka_unit_test(test_topk_matches_sort),
        cmocka_unit_test(test_random_epochs_agree),
        cmocka_unit_test(test_large_subnets_agree),
        cmocka_unit_test(test_malformed_refused_alike),
    };
    if (argc > 1) cmocka_set_test_filter(argv[1]); /* one test by name, when timing them */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
