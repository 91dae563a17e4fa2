/*
 * scenario.c - parsing and validation of epoch scenario files
 * (../shared/specs/scenario-format.md).
 *
 * Everything is checked here, before anything runs: JSON syntax, field
 * types, integer ranges, uids against n, block order, the set_weights shape
 * rules and the reference's input domain (the stake sum stays below 2^63 at
 * every step, bonds_moving_average <= 1000000, no block 2^64-1). Every error
 * is one line naming where it is: "steps[3] (set_weights): field \"uids\":
 * duplicate uid 4".
 *
 * Unknown keys are rejected at every level (a typo is an error rather than a
 * silently ignored field). "hyperparameters" and "owner_uid" may be absent
 * (all defaults, no owner); every other top-level field and every field an op
 * uses is required.
 *
 * Jansson cannot hold integers outside the int64 range: it fails with "too
 * big integer". Such a value is out of range for every field of the format,
 * so we find where it is (the literal is replaced by a marker string and the
 * text re-parsed) and report it against its field.
 */
#include "yuma/scenario.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAKE_LIMIT ((uint64_t)1 << 63)

typedef struct {
    char *err;
    size_t errlen;
    char prefix[96]; /* "steps[3] (set_weights): ", "hyperparameters: " or "" */
} pctx;

static bool fail(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(pctx *c, const char *fmt, ...)
{
    if (c->errlen == 0) return false;
    int k = snprintf(c->err, c->errlen, "%s", c->prefix);
    size_t used = k < 0 ? 0 : (size_t)k;
    if (used < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + used, c->errlen - used, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Keeps the message on one printable line whatever the input held. */
static void sanitize(char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f) *s = '?';
    }
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "an unknown value";
}

/* A key quoted for a message: at most 40 bytes of it. */
static void quote_key(char *buf, size_t len, const char *key)
{
    size_t kl = strlen(key);
    if (kl > 40) snprintf(buf, len, "\"%.40s...\"", key);
    else snprintf(buf, len, "\"%s\"", key);
}

/* Reads an integer in [min, max]; loc names it ("field \"n\"", "field
 * \"stake\": entry 3"). */
static bool get_int(pctx *c, const json_t *v, const char *loc, long long min,
                    unsigned long long max, long long *out)
{
    if (!json_is_integer(v)) {
        if (json_is_real(v))
            return fail(c, "%s: expected an integer, got a real number (%.17g)", loc,
                        json_real_value(v));
        return fail(c, "%s: expected an integer, got %s", loc, type_name(v));
    }
    long long x = json_integer_value(v);
    if (x < min || (x >= 0 && (unsigned long long)x > max))
        return fail(c, "%s: %lld is out of range %lld..%llu", loc, x, min, max);
    *out = x;
    return true;
}

static bool get_u64(pctx *c, const json_t *v, const char *loc, uint64_t max, uint64_t *out)
{
    long long x = 0;
    if (!get_int(c, v, loc, 0, max, &x)) return false;
    *out = (uint64_t)x;
    return true;
}

static bool get_bool(pctx *c, const json_t *v, const char *loc, bool *out)
{
    if (!json_is_boolean(v)) return fail(c, "%s: expected true or false, got %s", loc, type_name(v));
    *out = json_is_true(v);
    return true;
}

static bool get_uid(pctx *c, const json_t *v, const char *loc, uint32_t n, uint16_t *out)
{
    long long x = 0;
    if (!get_int(c, v, loc, 0, n - 1, &x)) return false;
    *out = (uint16_t)x;
    return true;
}

/* Rejects keys of obj not in the NULL-terminated list allowed. */
static bool check_keys(pctx *c, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) ok = true;
        if (!ok) {
            char q[64];
            quote_key(q, sizeof q, key);
            return fail(c, "unknown field %s", q);
        }
    }
    return true;
}

static json_t *require(pctx *c, json_t *obj, const char *key, bool *ok)
{
    json_t *v = json_object_get(obj, key);
    if (!v) *ok = fail(c, "missing field \"%s\"", key);
    else *ok = true;
    return v;
}

/* ---- hyperparameters ---- */

static bool parse_hyperparams(pctx *c, json_t *obj, yuma_hyperparams *hp)
{
    *hp = yuma_hyperparams_default();
    if (!obj) return true;
    if (!json_is_object(obj))
        return fail(c, "field \"hyperparameters\": expected an object, got %s", type_name(obj));
    snprintf(c->prefix, sizeof c->prefix, "hyperparameters: ");
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char loc[80];
        snprintf(loc, sizeof loc, "field \"%s\"", key);
        uint64_t u = 0;
        long long s = 0;
        bool ok;
        if (strcmp(key, "tempo") == 0) {
            ok = get_u64(c, v, loc, UINT16_MAX, &u);
            hp->tempo = (uint16_t)u;
        } else if (strcmp(key, "activity_cutoff_factor_milli") == 0) {
            ok = get_u64(c, v, loc, UINT32_MAX, &u);
            hp->activity_cutoff_factor_milli = (uint32_t)u;
        } else if (strcmp(key, "kappa") == 0) {
            ok = get_u64(c, v, loc, UINT16_MAX, &u);
            hp->kappa = (uint16_t)u;
        } else if (strcmp(key, "bonds_penalty") == 0) {
            ok = get_u64(c, v, loc, UINT16_MAX, &u);
            hp->bonds_penalty = (uint16_t)u;
        } else if (strcmp(key, "bonds_moving_average") == 0) {
            ok = get_u64(c, v, loc, 1000000, &u);
            hp->bonds_moving_average = u;
        } else if (strcmp(key, "max_allowed_validators") == 0) {
            ok = get_u64(c, v, loc, UINT16_MAX, &u);
            hp->max_allowed_validators = (uint16_t)u;
        } else if (strcmp(key, "yuma3") == 0) {
            ok = get_bool(c, v, loc, &hp->yuma3);
        } else if (strcmp(key, "liquid_alpha") == 0) {
            ok = get_bool(c, v, loc, &hp->liquid_alpha);
        } else if (strcmp(key, "alpha_low") == 0) {
            ok = get_u64(c, v, loc, UINT16_MAX, &u);
            hp->alpha_low = (uint16_t)u;
        } else if (strcmp(key, "alpha_high") == 0) {
            ok = get_u64(c, v, loc, UINT16_MAX, &u);
            hp->alpha_high = (uint16_t)u;
        } else if (strcmp(key, "alpha_sigmoid_steepness") == 0) {
            ok = get_int(c, v, loc, INT16_MIN, INT16_MAX, &s);
            hp->alpha_sigmoid_steepness = (int16_t)s;
        } else if (strcmp(key, "stake_threshold") == 0) {
            ok = get_u64(c, v, loc, UINT64_MAX, &u);
            hp->stake_threshold = u;
        } else {
            char q[64];
            quote_key(q, sizeof q, key);
            ok = fail(c, "unknown field %s", q);
        }
        if (!ok) return false;
    }
    c->prefix[0] = '\0';
    return true;
}

/* ---- u64 arrays of length n ---- */

static bool parse_u64_array(pctx *c, json_t *arr, const char *name, uint32_t n, uint64_t *out,
                            bool stake_sum)
{
    /* out is only written after the length check (the caller allocates after
     * check_array_len). */
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        char loc[80];
        snprintf(loc, sizeof loc, "field \"%s\": entry %u", name, i);
        if (!get_u64(c, json_array_get(arr, i), loc, UINT64_MAX, &out[i])) return false;
        if (stake_sum) {
            sum += out[i]; /* both terms < 2^63: no wrap */
            if (sum >= STAKE_LIMIT)
                return fail(c, "field \"%s\": the sum of entries 0..%u reaches 2^63 or more "
                               "(outside the reference's stake domain)", name, i);
        }
    }
    return true;
}

static bool check_array_len(pctx *c, json_t *arr, const char *name, uint32_t n)
{
    if (!json_is_array(arr))
        return fail(c, "field \"%s\": expected an array, got %s", name, type_name(arr));
    size_t len = json_array_size(arr);
    if (len != n) return fail(c, "field \"%s\": array has %zu entries, n is %u", name, len, n);
    return true;
}

/* ---- steps ---- */

static const char *const OP_NAMES[] = {"epoch", "set_weights", "set_stake", "reset_bonds", "register"};

static bool parse_step(pctx *c, json_t *js, size_t idx, yuma_scenario *sc, uint64_t *prev_block,
                       bool have_prev, uint64_t *cur_stake, uint64_t *stake_sum, uint8_t *seen)
{
    yuma_step *st = &sc->steps[idx];
    uint32_t n = sc->n;
    snprintf(c->prefix, sizeof c->prefix, "steps[%zu]: ", idx);
    if (!json_is_object(js)) return fail(c, "expected an object, got %s", type_name(js));

    bool ok;
    json_t *jb = require(c, js, "block", &ok);
    if (!ok) return false;
    /* 2^64-1 is outside the reference's domain (block + 1 wraps). */
    if (!get_u64(c, jb, "field \"block\"", UINT64_MAX - 1, &st->block)) return false;
    if (have_prev && st->block < *prev_block)
        return fail(c, "field \"block\": %llu is less than the previous step's block %llu",
                    (unsigned long long)st->block, (unsigned long long)*prev_block);
    *prev_block = st->block;

    json_t *jop = require(c, js, "op", &ok);
    if (!ok) return false;
    if (!json_is_string(jop)) return fail(c, "field \"op\": expected a string, got %s", type_name(jop));
    const char *opname = json_string_value(jop);
    int op = -1;
    for (int k = 0; k < 5; k++)
        if (strcmp(opname, OP_NAMES[k]) == 0 && strlen(opname) == json_string_length(jop)) op = k;
    if (op < 0) {
        char q[64];
        quote_key(q, sizeof q, opname);
        return fail(c, "field \"op\": unknown op %s (expected epoch, set_weights, set_stake, "
                       "reset_bonds or register)", q);
    }
    st->op = (yuma_step_op)op;
    snprintf(c->prefix, sizeof c->prefix, "steps[%zu] (%s): ", idx, OP_NAMES[op]);

    static const char *const k_epoch[] = {"block", "op", NULL};
    static const char *const k_weights[] = {"block", "op", "uid", "uids", "values", NULL};
    static const char *const k_stake[] = {"block", "op", "uid", "stake", NULL};
    static const char *const k_reset[] = {"block", "op", "uid", NULL};
    const char *const *allowed = op == YUMA_STEP_EPOCH          ? k_epoch
                                 : op == YUMA_STEP_SET_WEIGHTS ? k_weights
                                 : op == YUMA_STEP_RESET_BONDS ? k_reset
                                                               : k_stake;
    if (!check_keys(c, js, allowed)) return false;
    if (op == YUMA_STEP_EPOCH) return true;

    json_t *ju = require(c, js, "uid", &ok);
    if (!ok || !get_uid(c, ju, "field \"uid\"", n, &st->uid)) return false;

    if (op == YUMA_STEP_SET_STAKE || op == YUMA_STEP_REGISTER) {
        if (op == YUMA_STEP_REGISTER && sc->owner_uid >= 0 && st->uid == (uint32_t)sc->owner_uid)
            return fail(c, "field \"uid\": %u is the subnet owner (owner_uid), which the reference "
                           "never replaces", st->uid);
        json_t *js2 = require(c, js, "stake", &ok);
        if (!ok || !get_u64(c, js2, "field \"stake\"", UINT64_MAX, &st->stake)) return false;
        /* The running stake sum must stay in the reference's domain. */
        uint64_t rest = *stake_sum - cur_stake[st->uid]; /* < 2^63 */
        if (st->stake >= STAKE_LIMIT - rest)
            return fail(c, "field \"stake\": the total stake would reach 2^63 or more "
                           "(outside the reference's stake domain)");
        *stake_sum = rest + st->stake;
        cur_stake[st->uid] = st->stake;
        return true;
    }
    if (op != YUMA_STEP_SET_WEIGHTS) return true;

    json_t *juids = require(c, js, "uids", &ok);
    if (!ok) return false;
    if (!json_is_array(juids))
        return fail(c, "field \"uids\": expected an array, got %s", type_name(juids));
    json_t *jvals = require(c, js, "values", &ok);
    if (!ok) return false;
    if (!json_is_array(jvals))
        return fail(c, "field \"values\": expected an array, got %s", type_name(jvals));
    size_t cnt = json_array_size(juids);
    if (json_array_size(jvals) != cnt)
        return fail(c, "field \"values\": array has %zu entries, \"uids\" has %zu",
                    json_array_size(jvals), cnt);
    if (cnt > n) return fail(c, "field \"uids\": %zu entries, more than n (%u)", cnt, n);
    st->count = (uint32_t)cnt;
    if (cnt == 0) return true;
    st->uids = malloc(cnt * sizeof *st->uids);
    st->values = malloc(cnt * sizeof *st->values);
    if (!st->uids || !st->values) return fail(c, "out of memory");
    bool good = true;
    size_t k;
    for (k = 0; k < cnt && good; k++) {
        char loc[80];
        snprintf(loc, sizeof loc, "field \"uids\": entry %zu", k);
        if (!get_uid(c, json_array_get(juids, k), loc, n, &st->uids[k])) {
            good = false;
            break;
        }
        uint16_t u = st->uids[k];
        if (seen[u >> 3] & (1u << (u & 7))) {
            good = fail(c, "field \"uids\": duplicate uid %u", u);
            k++;
            break;
        }
        seen[u >> 3] |= (uint8_t)(1u << (u & 7));
    }
    for (size_t m = 0; m < k; m++) { /* leave the bitmap clear for the next step */
        uint16_t u = st->uids[m];
        seen[u >> 3] &= (uint8_t)~(1u << (u & 7));
    }
    if (!good) return false;
    for (k = 0; k < cnt; k++) {
        char loc[80];
        long long x = 0;
        snprintf(loc, sizeof loc, "field \"values\": entry %zu", k);
        if (!get_int(c, json_array_get(jvals, k), loc, 0, UINT16_MAX, &x)) return false;
        st->values[k] = (uint16_t)x;
    }
    return true;
}

/* ---- the document ---- */

static bool parse_doc(pctx *c, json_t *root, yuma_scenario *sc)
{
    static const char *const top_keys[] = {"n", "hyperparameters", "owner_uid", "stake",
                                           "registered_at", "emission", "steps", NULL};
    if (!json_is_object(root)) return fail(c, "expected a JSON object, got %s", type_name(root));
    if (!check_keys(c, root, top_keys)) return false;

    bool ok;
    json_t *jn = require(c, root, "n", &ok);
    long long n = 0;
    if (!ok || !get_int(c, jn, "field \"n\"", 1, YUMA_MAX_UIDS, &n)) return false;
    sc->n = (uint32_t)n;

    if (!parse_hyperparams(c, json_object_get(root, "hyperparameters"), &sc->hp)) return false;

    sc->owner_uid = YUMA_NO_OWNER;
    json_t *jo = json_object_get(root, "owner_uid");
    if (jo && !json_is_null(jo)) {
        uint16_t o = 0;
        if (!json_is_integer(jo))
            return fail(c, "field \"owner_uid\": expected a uid or null, got %s", type_name(jo));
        if (!get_uid(c, jo, "field \"owner_uid\"", sc->n, &o)) return false;
        sc->owner_uid = o;
    }

    json_t *jstake = require(c, root, "stake", &ok);
    if (!ok || !check_array_len(c, jstake, "stake", sc->n)) return false;
    json_t *jreg = require(c, root, "registered_at", &ok);
    if (!ok || !check_array_len(c, jreg, "registered_at", sc->n)) return false;
    json_t *jem = require(c, root, "emission", &ok);
    if (!ok || !get_u64(c, jem, "field \"emission\"", UINT64_MAX, &sc->emission)) return false;
    json_t *jsteps = require(c, root, "steps", &ok);
    if (!ok) return false;
    if (!json_is_array(jsteps))
        return fail(c, "field \"steps\": expected an array, got %s", type_name(jsteps));

    /* Array lengths are known to match n: n-sized memory is backed by input. */
    sc->stake = malloc(sc->n * sizeof *sc->stake);
    sc->registered_at = malloc(sc->n * sizeof *sc->registered_at);
    if (!sc->stake || !sc->registered_at) return fail(c, "out of memory");
    if (!parse_u64_array(c, jstake, "stake", sc->n, sc->stake, true)) return false;
    if (!parse_u64_array(c, jreg, "registered_at", sc->n, sc->registered_at, false)) return false;

    size_t count = json_array_size(jsteps);
    if (count == 0) return true;
    sc->steps = calloc(count, sizeof *sc->steps);
    uint64_t *cur = malloc(sc->n * sizeof *cur);
    uint8_t *seen = calloc((sc->n + 7) / 8, 1);
    bool good = sc->steps && cur && seen;
    if (!good) {
        fail(c, "out of memory");
    } else {
        sc->step_count = count;
        memcpy(cur, sc->stake, sc->n * sizeof *cur);
        uint64_t sum = 0;
        for (uint32_t i = 0; i < sc->n; i++) sum += cur[i];
        uint64_t prev = 0;
        for (size_t i = 0; i < count && good; i++)
            good = parse_step(c, json_array_get(jsteps, i), i, sc, &prev, i > 0, cur, &sum, seen);
    }
    free(cur);
    free(seen);
    return good;
}

/* ---- locating integers jansson cannot hold ---- */

#define HUGE_FIRST "\\u0000yuma:huge-first"
#define HUGE_OTHER "\\u0000yuma:huge-other"
static const char HUGE_FIRST_VAL[] = "\0yuma:huge-first";

static bool is_marker(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) == sizeof HUGE_FIRST_VAL - 1 &&
           memcmp(json_string_value(v), HUGE_FIRST_VAL, sizeof HUGE_FIRST_VAL - 1) == 0;
}

/* Appends to loc (of size len) the path of the marker within v, if any. */
static bool find_marker(const json_t *v, char *loc, size_t len)
{
    size_t used = strlen(loc);
    if (is_marker(v)) return true;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(loc + used, len - used, "%sentry %zu", used ? ": " : "", i);
            if (find_marker(json_array_get(v, i), loc, len)) return true;
        }
    } else if (json_is_object(v)) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) {
            char q[64];
            quote_key(q, sizeof q, key);
            snprintf(loc + used, len - used, "%sfield %s", used ? ": " : "", q);
            if (find_marker(val, loc, len)) return true;
        }
    }
    loc[used] = '\0';
    return false;
}

/* Names the place of the marker in root in the format of parse_doc's
 * messages: prefix (step or hyperparameters) and location. */
static bool locate_marker(json_t *root, char *prefix, size_t plen, char *loc, size_t llen)
{
    prefix[0] = loc[0] = '\0';
    if (!json_is_object(root)) return find_marker(root, loc, llen);
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "steps") == 0 && json_is_array(val)) {
            for (size_t i = 0; i < json_array_size(val); i++) {
                json_t *st = json_array_get(val, i);
                if (!json_is_object(st)) {
                    snprintf(prefix, plen, "steps[%zu]: ", i);
                    if (find_marker(st, loc, llen)) return true;
                    continue;
                }
                const char *skey;
                json_t *sval;
                json_object_foreach(st, skey, sval) {
                    json_t *op = json_object_get(st, "op");
                    bool named = strcmp(skey, "block") != 0 && json_is_string(op);
                    const char *on = named ? json_string_value(op) : "";
                    bool known = false;
                    for (int k = 0; k < 5; k++) known |= named && strcmp(on, OP_NAMES[k]) == 0;
                    if (known) snprintf(prefix, plen, "steps[%zu] (%s): ", i, on);
                    else snprintf(prefix, plen, "steps[%zu]: ", i);
                    char q[64];
                    quote_key(q, sizeof q, skey);
                    snprintf(loc, llen, "field %s", q);
                    if (find_marker(sval, loc, llen)) return true;
                }
            }
            prefix[0] = loc[0] = '\0';
        } else if (strcmp(key, "hyperparameters") == 0 && json_is_object(val)) {
            snprintf(prefix, plen, "hyperparameters: ");
            if (find_marker(val, loc, llen)) return true;
            prefix[0] = loc[0] = '\0';
        } else {
            char q[64];
            quote_key(q, sizeof q, key);
            snprintf(loc, llen, "field %s", q);
            if (find_marker(val, loc, llen)) return true;
            loc[0] = '\0';
        }
    }
    return false;
}

/* Start of the number literal that ends at or just before byte pos. */
static bool literal_at(const char *text, size_t len, size_t pos, size_t *start, size_t *end)
{
    if (pos > len) pos = len;
    size_t e = pos;
    while (e > 0 && !(text[e - 1] >= '0' && text[e - 1] <= '9')) {
        if (pos - e > 2) return false;
        e--;
    }
    if (e == 0) return false;
    size_t s = e;
    while (s > 0 && ((text[s - 1] >= '0' && text[s - 1] <= '9') || text[s - 1] == '-')) s--;
    *start = s;
    *end = e;
    return true;
}

/* text failed with "too big integer" at error position pos: replaces that
 * literal (and any later ones) by marker strings, re-parses, and writes a
 * message naming the field. Returns false if it cannot tell. */
static bool report_huge(pctx *c, const char *text, size_t len, size_t pos)
{
    size_t s, e;
    if (!literal_at(text, len, pos, &s, &e)) return false;
    char lit[48];
    size_t ll = e - s;
    if (ll > 40) snprintf(lit, sizeof lit, "%.40s...", text + s);
    else snprintf(lit, sizeof lit, "%.*s", (int)ll, text + s);

    size_t cap = len + sizeof HUGE_FIRST + 16;
    char *buf = malloc(cap);
    if (!buf) return false;
    memcpy(buf, text, s);
    size_t blen = s;
    memcpy(buf + blen, "\"" HUGE_FIRST "\"", sizeof HUGE_FIRST + 1);
    blen += sizeof HUGE_FIRST + 1;
    size_t scanned = blen; /* later literals lie after this */
    memcpy(buf + blen, text + e, len - e);
    blen += len - e;

    json_t *root = NULL;
    for (int tries = 0; tries < 100000; tries++) {
        json_error_t je;
        root = json_loadb(buf, blen, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        if (root) break;
        size_t s2, e2;
        if (json_error_code(&je) != json_error_numeric_overflow || strncmp(je.text, "too big", 7) != 0 ||
            je.position < 0 || !literal_at(buf, blen, (size_t)je.position, &s2, &e2) || s2 < scanned)
            break;
        size_t mlen = sizeof HUGE_OTHER + 1;
        if (mlen > e2 - s2) { /* grow */
            size_t need = blen + mlen - (e2 - s2);
            if (need > cap) {
                char *nb = realloc(buf, need + 64);
                if (!nb) break;
                buf = nb;
                cap = need + 64;
            }
        }
        memmove(buf + s2 + mlen, buf + e2, blen - e2);
        memcpy(buf + s2, "\"" HUGE_OTHER "\"", mlen);
        blen = blen - (e2 - s2) + mlen;
        scanned = s2 + mlen;
    }
    free(buf);
    if (!root) return false;
    char prefix[96], loc[192];
    bool found = locate_marker(root, prefix, sizeof prefix, loc, sizeof loc);
    json_decref(root);
    if (!found) return false;
    snprintf(c->prefix, sizeof c->prefix, "%s", prefix);
    if (loc[0])
        fail(c, "%s: %s is out of range (integers of this format are below 2^63)", loc, lit);
    else
        fail(c, "%s is out of range (integers of this format are below 2^63)", lit);
    return true;
}

/* ---- public ---- */

bool yuma_scenario_parse(const char *text, size_t len, yuma_scenario *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    pctx c = {.err = err, .errlen = errlen, .prefix = ""};
    if (errlen) err[0] = '\0';

    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        bool done = false;
        if (json_error_code(&je) == json_error_numeric_overflow && strncmp(je.text, "too big", 7) == 0 &&
            je.position >= 0)
            done = report_huge(&c, text, len, (size_t)je.position);
        if (!done) {
            c.prefix[0] = '\0';
            fail(&c, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
        }
        if (errlen) sanitize(err);
        return false;
    }
    bool ok = parse_doc(&c, root, out);
    json_decref(root);
    if (!ok) {
        yuma_scenario_free(out);
        if (errlen) {
            if (!err[0]) snprintf(err, errlen, "invalid scenario");
            sanitize(err);
        }
        return false;
    }
    return true;
}

void yuma_scenario_free(yuma_scenario *sc)
{
    if (!sc) return;
    if (sc->steps) {
        for (size_t i = 0; i < sc->step_count; i++) {
            free(sc->steps[i].uids);
            free(sc->steps[i].values);
        }
        free(sc->steps);
    }
    free(sc->stake);
    free(sc->registered_at);
    memset(sc, 0, sizeof *sc);
}
