/*
 * simulate.c - runs a parsed scenario on a simulated subnet, and writes the
 * per-epoch result line of ../shared/specs/scenario-format.md.
 *
 * The subnet holds what the epoch reads and writes: stake, registration and
 * last-update blocks, validator permits, weight rows, bond rows and the block
 * of the last epoch. Weight rows are growable per-uid arrays (set_weights
 * replaces one row); bonds are kept in compressed-row form since every epoch
 * replaces them all. Memory is proportional to n plus the number of stored
 * weights and bonds, never n x n.
 */
#include "yuma/scenario.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/math.h"

typedef struct {
    yuma_entry *e;
    uint32_t len, cap;
} wrow;

typedef struct {
    uint32_t n;
    uint64_t *stake;
    uint64_t *registered_at;
    uint64_t *last_update;
    bool *permit;
    wrow *w;               /* n weight rows, stored order */
    size_t *b_off;         /* n + 1 */
    yuma_entry *b_ent;     /* bonds, rows in stored order */
    size_t b_cap;
    size_t *w_off;         /* n + 1: the weights' compressed form for an epoch */
    yuma_entry *w_ent;
    size_t w_cap;
    uint16_t *scratch;     /* n: set_weights upscale */
    uint64_t last_epoch_block;
} subnet;

static void subnet_free(subnet *s)
{
    if (s->w)
        for (uint32_t i = 0; i < s->n; i++) free(s->w[i].e);
    free(s->w);
    free(s->stake);
    free(s->registered_at);
    free(s->last_update);
    free(s->permit);
    free(s->b_off);
    free(s->b_ent);
    free(s->w_off);
    free(s->w_ent);
    free(s->scratch);
}

static bool subnet_init(subnet *s, const yuma_scenario *sc)
{
    uint32_t n = sc->n;
    memset(s, 0, sizeof *s);
    s->n = n;
    s->stake = malloc(n * sizeof *s->stake);
    s->registered_at = malloc(n * sizeof *s->registered_at);
    s->last_update = malloc(n * sizeof *s->last_update);
    s->permit = calloc(n, sizeof *s->permit);
    s->w = calloc(n, sizeof *s->w);
    s->b_off = calloc((size_t)n + 1, sizeof *s->b_off);
    s->w_off = calloc((size_t)n + 1, sizeof *s->w_off);
    s->scratch = malloc(n * sizeof *s->scratch);
    if (!s->stake || !s->registered_at || !s->last_update || !s->permit || !s->w || !s->b_off ||
        !s->w_off || !s->scratch)
        return false;
    memcpy(s->stake, sc->stake, n * sizeof *s->stake);
    memcpy(s->registered_at, sc->registered_at, n * sizeof *s->registered_at);
    memcpy(s->last_update, sc->registered_at, n * sizeof *s->last_update);
    return true;
}

/* Removes from the bonds either row uid (whole_row) or every entry on
 * column uid, keeping the order of the rest. */
static void bonds_filter(subnet *s, uint16_t uid, bool whole_row)
{
    size_t w = 0, start = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        size_t end = s->b_off[i + 1];
        for (size_t k = start; k < end; k++) {
            bool drop = whole_row ? i == uid : s->b_ent[k].uid == uid;
            if (!drop) s->b_ent[w++] = s->b_ent[k];
        }
        start = end;
        s->b_off[i + 1] = w;
    }
}

static bool apply_set_weights(subnet *s, const yuma_scenario *sc, const yuma_step *st)
{
    uint16_t uid = st->uid;
    bool owner = sc->owner_uid >= 0 && (uint32_t)sc->owner_uid == uid;
    if (!owner && s->stake[uid] < sc->hp.stake_threshold) return true;
    bool self = st->count == 1 && st->uids[0] == uid;
    if (!s->permit[uid] && !self && !owner) return true;

    wrow *r = &s->w[uid];
    if (st->count > r->cap) {
        yuma_entry *e = realloc(r->e, st->count * sizeof *e);
        if (!e) return false;
        r->e = e;
        r->cap = st->count;
    }
    if (st->count) ymath_vec_u16_max_upscale_to_u16(st->values, st->count, s->scratch);
    for (uint32_t k = 0; k < st->count; k++) r->e[k] = (yuma_entry){st->uids[k], s->scratch[k]};
    r->len = st->count;
    s->last_update[uid] = st->block;
    return true;
}

static void apply_register(subnet *s, const yuma_step *st)
{
    uint16_t u = st->uid;
    s->stake[u] = st->stake;
    s->registered_at[u] = st->block;
    s->last_update[u] = st->block;
    s->permit[u] = false;
    s->w[u].len = 0;
    bonds_filter(s, u, true);
    for (uint32_t i = 0; i < s->n; i++) {
        wrow *r = &s->w[i];
        for (uint32_t k = 0; k < r->len; k++)
            if (r->e[k].uid == u) r->e[k].value = 0;
    }
}

static yuma_status run_epoch(subnet *s, const yuma_scenario *sc, const yuma_step *st,
                             yuma_workspace *ws, yuma_epoch_input_cb cb, void *ctx, bool *stop)
{
    /* Weights in compressed-row form. */
    size_t total = 0;
    for (uint32_t i = 0; i < s->n; i++) total += s->w[i].len;
    if (total > s->w_cap) {
        yuma_entry *e = realloc(s->w_ent, total * sizeof *e);
        if (!e) return YUMA_ERR_NOMEM;
        s->w_ent = e;
        s->w_cap = total;
    }
    size_t at = 0;
    s->w_off[0] = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->w[i].len) memcpy(s->w_ent + at, s->w[i].e, s->w[i].len * sizeof *s->w_ent);
        at += s->w[i].len;
        s->w_off[i + 1] = at;
    }

    yuma_epoch_input in = {
        .n = s->n,
        .hp = sc->hp,
        .block = st->block,
        .last_epoch_block = s->last_epoch_block,
        .emission = sc->emission,
        .owner_uid = sc->owner_uid,
        .alpha_stake = s->stake,
        .root_stake = NULL,
        .tao_weight_raw32 = 0,
        .last_update = s->last_update,
        .registered_at = s->registered_at,
        .validator_permit = s->permit,
        .commit_block = NULL,
        .weights = {s->w_off, s->w_ent},
        .bonds = {s->b_off, s->b_ent},
    };
    yuma_epoch_output out;
    yuma_status rc = yuma_epoch(&in, ws, &out);
    if (rc != YUMA_OK) return rc;

    *stop = cb && !cb(&in, &out, ctx);

    memcpy(s->permit, out.validator_permit, s->n * sizeof *s->permit);
    size_t nb = out.bond_offsets[s->n];
    if (nb > s->b_cap) {
        yuma_entry *e = realloc(s->b_ent, nb * sizeof *e);
        if (!e) {
            yuma_epoch_output_free(&out);
            return YUMA_ERR_NOMEM;
        }
        s->b_ent = e;
        s->b_cap = nb;
    }
    memcpy(s->b_off, out.bond_offsets, ((size_t)s->n + 1) * sizeof *s->b_off);
    if (nb) memcpy(s->b_ent, out.bonds, nb * sizeof *s->b_ent);
    s->last_epoch_block = st->block;
    yuma_epoch_output_free(&out);
    return YUMA_OK;
}

yuma_status yuma_scenario_run_ex(const yuma_scenario *sc, yuma_epoch_input_cb cb, void *ctx)
{
    if (sc->n == 0 || sc->n > YUMA_MAX_UIDS) return YUMA_ERR_TOO_MANY_UIDS;
    subnet s;
    yuma_workspace *ws = NULL;
    yuma_status rc = YUMA_OK;
    if (!subnet_init(&s, sc) || !(ws = yuma_workspace_new())) {
        rc = YUMA_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < sc->step_count; i++) {
        const yuma_step *st = &sc->steps[i];
        bool stop = false;
        switch (st->op) {
        case YUMA_STEP_EPOCH:
            rc = run_epoch(&s, sc, st, ws, cb, ctx, &stop);
            break;
        case YUMA_STEP_SET_WEIGHTS:
            if (!apply_set_weights(&s, sc, st)) rc = YUMA_ERR_NOMEM;
            break;
        case YUMA_STEP_SET_STAKE:
            s.stake[st->uid] = st->stake;
            break;
        case YUMA_STEP_RESET_BONDS:
            bonds_filter(&s, st->uid, false);
            break;
        case YUMA_STEP_REGISTER:
            apply_register(&s, st);
            break;
        }
        if (rc != YUMA_OK || stop) break;
    }
done:
    yuma_workspace_free(ws);
    subnet_free(&s);
    return rc;
}

typedef struct {
    yuma_epoch_cb cb;
    void *ctx;
} plain_cb;

static bool call_plain(const yuma_epoch_input *in, const yuma_epoch_output *out, void *ctx)
{
    const plain_cb *p = ctx;
    return p->cb(in->block, out, p->ctx);
}

yuma_status yuma_scenario_run(const yuma_scenario *sc, yuma_epoch_cb cb, void *ctx)
{
    plain_cb p = {cb, ctx};
    return yuma_scenario_run_ex(sc, cb ? call_plain : NULL, &p);
}

/* ---- the result line ---- */

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) *p++ = tmp[--k];
    return p;
}

static char *put_str(char *p, const char *s)
{
    size_t l = strlen(s);
    memcpy(p, s, l);
    return p + l;
}

static char *put_u16s(char *p, const char *key, const uint16_t *v, uint32_t n)
{
    p = put_str(p, key);
    *p++ = '[';
    for (uint32_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        p = put_u64(p, v[i]);
    }
    *p++ = ']';
    return p;
}

static char *put_u64s(char *p, const char *key, const uint64_t *v, uint32_t n)
{
    p = put_str(p, key);
    *p++ = '[';
    for (uint32_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        p = put_u64(p, v[i]);
    }
    *p++ = ']';
    return p;
}

static char *put_bools(char *p, const char *key, const bool *v, uint32_t n)
{
    p = put_str(p, key);
    *p++ = '[';
    for (uint32_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        p = put_str(p, v[i] ? "true" : "false");
    }
    *p++ = ']';
    return p;
}

static int cmp_entry_uid(const void *a, const void *b)
{
    const yuma_entry *x = a, *y = b;
    return (x->uid > y->uid) - (x->uid < y->uid);
}

char *yuma_epoch_result_json(uint64_t block, const yuma_epoch_output *out)
{
    uint32_t n = out->n;
    size_t nb = out->bond_offsets ? out->bond_offsets[n] : 0;
    size_t maxrow = 0;
    for (uint32_t i = 0; out->bond_offsets && i < n; i++) {
        size_t l = out->bond_offsets[i + 1] - out->bond_offsets[i];
        if (l > maxrow) maxrow = l;
    }
    /* Upper bound: u16 "65535," x4, u64 20 digits + comma x3, "false," x2,
     * "[]," per bond row, "[65535,65535]," per bond, keys and block. */
    size_t cap = 512 + (size_t)n * (4 * 6 + 3 * 21 + 2 * 6 + 3) + nb * 14;
    char *buf = malloc(cap);
    yuma_entry *row = maxrow ? malloc(maxrow * sizeof *row) : NULL;
    if (!buf || (maxrow && !row)) {
        free(buf);
        free(row);
        return NULL;
    }
    char *p = buf;
    p = put_str(p, "{\"block\":");
    p = put_u64(p, block);
    p = put_u16s(p, ",\"consensus\":", out->consensus, n);
    p = put_u16s(p, ",\"incentive\":", out->incentive, n);
    p = put_u16s(p, ",\"dividends\":", out->dividends, n);
    p = put_u16s(p, ",\"validator_trust\":", out->validator_trust, n);
    p = put_u64s(p, ",\"emission\":", out->emission, n);
    p = put_u64s(p, ",\"server_emission\":", out->server_emission, n);
    p = put_u64s(p, ",\"validator_emission\":", out->validator_emission, n);
    p = put_bools(p, ",\"validator_permit\":", out->validator_permit, n);
    p = put_bools(p, ",\"active\":", out->active, n);
    p = put_str(p, ",\"bonds\":[");
    for (uint32_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        *p++ = '[';
        size_t len = out->bond_offsets ? out->bond_offsets[i + 1] - out->bond_offsets[i] : 0;
        if (len) {
            memcpy(row, out->bonds + out->bond_offsets[i], len * sizeof *row);
            bool sorted = true;
            for (size_t k = 1; k < len && sorted; k++) sorted = row[k - 1].uid < row[k].uid;
            if (!sorted) qsort(row, len, sizeof *row, cmp_entry_uid);
        }
        bool first = true;
        for (size_t k = 0; k < len; k++) {
            if (row[k].value == 0) continue;
            if (!first) *p++ = ',';
            first = false;
            *p++ = '[';
            p = put_u64(p, row[k].uid);
            *p++ = ',';
            p = put_u64(p, row[k].value);
            *p++ = ']';
        }
        *p++ = ']';
    }
    p = put_str(p, "]}");
    *p = '\0';
    free(row);
    return buf;
}
