/*
 * genesis.c - reading and writing genesis files (see genesis.h) and the
 * development keys and genesis of a local devnet.
 */
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gov/emergency.h"
#include "yuma/genesis.h"

typedef enum { P_U8, P_U16, P_U64 } param_type;

typedef struct {
    const char *name;
    size_t offset;
    param_type type;
} param_field;

#define F(name, type) {#name, offsetof(yuma_chain_params, name), type}
static const param_field PARAMS[] = {
    F(min_fee, P_U64), F(fee_per_byte, P_U64), F(default_block_emission, P_U64), F(tao_weight, P_U64),
    F(subnet_owner_cut, P_U16), F(max_epochs_per_block, P_U8), F(network_min_lock_cost, P_U64),
    F(network_lock_reduction_interval, P_U64), F(network_rate_limit, P_U64), F(subnet_limit, P_U16),
    F(start_call_delay, P_U64), F(network_immunity_period, P_U64), F(min_stake, P_U64),
    F(stake_threshold, P_U64), F(min_delegate_take, P_U16), F(max_delegate_take, P_U16),
    F(tx_delegate_take_rate_limit, P_U64), F(max_childkey_take, P_U16), F(pending_childkey_cooldown, P_U64),
    F(fee_rate, P_U16), F(commitment_rate_limit, P_U64), F(serving_rate_limit, P_U64),
    F(admin_freeze_window, P_U64), F(owner_hyperparam_rate_limit, P_U64),
};
#undef F
#define PARAM_COUNT (sizeof PARAMS / sizeof PARAMS[0])

static const param_field *find_param(const char *name)
{
    for (size_t i = 0; i < PARAM_COUNT; i++)
        if (strcmp(PARAMS[i].name, name) == 0) return &PARAMS[i];
    return NULL;
}

static uint64_t param_get(const yuma_chain_params *p, const param_field *f)
{
    const uint8_t *base = (const uint8_t *)p + f->offset;
    switch (f->type) {
    case P_U8: return *base;
    case P_U16: { uint16_t v; memcpy(&v, base, 2); return v; }
    case P_U64: { uint64_t v; memcpy(&v, base, 8); return v; }
    }
    return 0;
}

static bool param_set(yuma_chain_params *p, const param_field *f, uint64_t v)
{
    uint8_t *base = (uint8_t *)p + f->offset;
    switch (f->type) {
    case P_U8: if (v > UINT8_MAX) return false; *base = (uint8_t)v; return true;
    case P_U16: if (v > UINT16_MAX) return false; { uint16_t x = (uint16_t)v; memcpy(base, &x, 2); } return true;
    case P_U64: memcpy(base, &v, 8); return true;
    }
    return false;
}

static bool fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
    return false;
}

/* A non-negative JSON integer (jansson's json_int_t is signed 64-bit). */
static bool get_u64(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static int cmp_balance(const void *a, const void *b)
{
    return memcmp(((const yuma_genesis_balance *)a)->account.bytes, ((const yuma_genesis_balance *)b)->account.bytes, 32);
}

/* "guardians": [{"address": SS58, "org": NAME}], the emergency lane's
 * signers, checked by the lane's own genesis rules (src/gov/emergency.h). */
static bool parse_guardians(json_t *list, yuma_genesis_file *g, char *err, size_t errlen)
{
    if (!list) return true;
    if (!json_is_array(list)) return fail(err, errlen, "field \"guardians\": must be an array%s%s", "", "");
    size_t n = json_array_size(list);
    g->owned_guardians = calloc(n ? n : 1, sizeof *g->owned_guardians);
    if (!g->owned_guardians) return fail(err, errlen, "out of memory%s%s", "", "");
    char num[32];
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(list, i), *addr = json_object_get(e, "address"), *org = json_object_get(e, "org");
        snprintf(num, sizeof num, "%zu", i);
        if (!json_is_object(e) || json_object_size(e) != 2 || !json_is_string(addr) || !json_is_string(org))
            return fail(err, errlen, "guardians[%s]: must be {\"address\": \"...\", \"org\": \"...\"}%s", num, "");
        yuma_pubkey pub;
        uint16_t prefix;
        char why[128] = "";
        if (yuma_ss58_decode(json_string_value(addr), &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK ||
            prefix != YUMA_SS58_PREFIX) {
            snprintf(err, errlen, "guardians[%s]: field \"address\": %s", num, why[0] ? why : "prefix is not yuma's (42)");
            return false;
        }
        memcpy(g->owned_guardians[i].account.bytes, pub.bytes, 32);
        size_t len = strlen(json_string_value(org));
        if (len == 0 || len >= YUMA_GUARDIAN_ORG_LEN)
            return fail(err, errlen, "guardians[%s]: field \"org\": must be 1..31 bytes%s", num, "");
        memcpy(g->owned_guardians[i].org, json_string_value(org), len);
    }
    const char *why = gov_lane_genesis_check(&g->genesis.params.audit, g->owned_guardians, n);
    if (why) return fail(err, errlen, "guardians: %s%s", why, "");
    g->genesis.guardian_count = n;
    g->genesis.guardians = g->owned_guardians;
    return true;
}

bool yuma_genesis_parse(const char *json, size_t len, yuma_genesis_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
        return false;
    }
    bool ok = false;
    yuma_genesis_file g = {.genesis = {.params = yuma_chain_params_default()}};
    const char *key;
    json_t *v;
    char num[32];
    if (!json_is_object(root)) {
        fail(err, errlen, "the genesis must be a JSON object%s%s", "", "");
        goto out;
    }
    json_object_foreach(root, key, v) {
        if (strcmp(key, "chain_id") && strcmp(key, "params") && strcmp(key, "balances") && strcmp(key, "guardians")) {
            fail(err, errlen, "unknown field \"%s\"%s", key, "");
            goto out;
        }
    }
    if (!get_u64(json_object_get(root, "chain_id"), &g.genesis.chain_id)) {
        fail(err, errlen, "field \"chain_id\": must be a non-negative integer%s%s", "", "");
        goto out;
    }
    json_t *params = json_object_get(root, "params");
    if (params && !json_is_object(params)) {
        fail(err, errlen, "field \"params\": must be an object%s%s", "", "");
        goto out;
    }
    json_object_foreach(params, key, v) {
        const param_field *f = find_param(key);
        uint64_t x;
        /* The due process's parameters ("gov_...") come from the chain's
         * parameter table, with its ranges. */
        const yuma_param_info *gp = strncmp(key, "gov_", 4) == 0 ? yuma_param_find(key, NULL) : NULL;
        if (gp) {
            if (!get_u64(v, &x) || !yuma_param_write(&g.genesis.params, gp, x)) {
                snprintf(err, errlen, "params: \"%s\" is not an integer in its range (%llu..%llu)", key,
                         (unsigned long long)gp->min, (unsigned long long)gp->max);
                goto out;
            }
            continue;
        }
        if (!f) {
            fail(err, errlen, "params: unknown parameter \"%s\"%s", key, "");
            goto out;
        }
        if (!get_u64(v, &x) || !param_set(&g.genesis.params, f, x)) {
            fail(err, errlen, "params: \"%s\" is not an integer in its range (%s)", key,
                 f->type == P_U8 ? "0..255" : f->type == P_U16 ? "0..65535" : "0..2^63-1");
            goto out;
        }
    }
    char invalid[160];
    if (!yuma_chain_params_valid(&g.genesis.params, invalid, sizeof invalid)) {
        snprintf(err, errlen, "params: %s", invalid);
        goto out;
    }
    json_t *bal = json_object_get(root, "balances");
    if (!json_is_array(bal)) {
        fail(err, errlen, "field \"balances\": must be an array%s%s", "", "");
        goto out;
    }
    size_t n = json_array_size(bal);
    g.owned = calloc(n ? n : 1, sizeof *g.owned);
    if (!g.owned) {
        fail(err, errlen, "out of memory%s%s", "", "");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(bal, i);
        snprintf(num, sizeof num, "%zu", i);
        json_t *addr = json_object_get(e, "address");
        if (!json_is_object(e) || json_object_size(e) != 2 || !json_is_string(addr)) {
            fail(err, errlen, "balances[%s]: must be {\"address\": \"...\", \"balance\": n}%s", num, "");
            goto out;
        }
        yuma_pubkey pub;
        uint16_t prefix;
        char why[128] = "";
        if (yuma_ss58_decode(json_string_value(addr), &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK) {
            snprintf(err, errlen, "balances[%s]: field \"address\": %s", num, why);
            goto out;
        }
        if (prefix != YUMA_SS58_PREFIX) {
            snprintf(err, errlen, "balances[%s]: field \"address\": prefix %u is not yuma's (42)", num, prefix);
            goto out;
        }
        memcpy(g.owned[i].account.bytes, pub.bytes, 32);
        if (!get_u64(json_object_get(e, "balance"), &g.owned[i].balance)) {
            fail(err, errlen, "balances[%s]: field \"balance\": must be a non-negative integer (rao)%s", num, "");
            goto out;
        }
    }
    /* Duplicates and the supply cap are the chain's rules; check them here
     * too so the message can name the entry. */
    yuma_genesis_balance *sorted = malloc(sizeof *sorted * (n ? n : 1));
    if (!sorted) goto out;
    memcpy(sorted, g.owned, sizeof *sorted * n);
    qsort(sorted, n, sizeof *sorted, cmp_balance);
    unsigned __int128 total = 0;
    bool dup = false;
    for (size_t i = 0; i < n; i++) {
        total += sorted[i].balance;
        if (i && cmp_balance(&sorted[i - 1], &sorted[i]) == 0) dup = true;
    }
    free(sorted);
    if (dup) {
        fail(err, errlen, "balances: an address appears twice%s%s", "", "");
        goto out;
    }
    if (total > YUMA_TOTAL_SUPPLY) {
        fail(err, errlen, "balances: they add up to more than the 21,000,000 TAO supply%s%s", "", "");
        goto out;
    }
    g.genesis.balance_count = n;
    g.genesis.balances = g.owned;
    if (!parse_guardians(json_object_get(root, "guardians"), &g, err, errlen)) goto out;
    *out = g;
    g.owned = NULL;
    g.owned_guardians = NULL;
    ok = true;
out:
    free(g.owned);
    free(g.owned_guardians);
    json_decref(root);
    return ok;
}

void yuma_genesis_file_free(yuma_genesis_file *g)
{
    free(g->owned);
    free(g->owned_guardians);
    memset(g, 0, sizeof *g);
}

char *yuma_genesis_to_json(const yuma_genesis *g)
{
    json_t *root = json_object(), *params = json_object(), *bal = json_array();
    if (!root || !params || !bal) {
        json_decref(root);
        json_decref(params);
        json_decref(bal);
        return NULL;
    }
    json_object_set_new(root, "chain_id", json_integer((json_int_t)g->chain_id));
    for (size_t i = 0; i < PARAM_COUNT; i++)
        json_object_set_new(params, PARAMS[i].name, json_integer((json_int_t)param_get(&g->params, &PARAMS[i])));
    for (size_t id = 1; id <= yuma_param_count(); id++) {
        const yuma_param_info *f = yuma_param_info_of(id);
        if (f->cls == YUMA_PARAM_GOVERNANCE)
            json_object_set_new(params, f->name, json_integer((json_int_t)yuma_param_read(&g->params, f)));
    }
    json_object_set_new(root, "params", params);
    for (size_t i = 0; i < g->balance_count; i++) {
        char addr[YUMA_SS58_MAX];
        yuma_pubkey pub;
        memcpy(pub.bytes, g->balances[i].account.bytes, 32);
        yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, addr);
        json_array_append_new(bal, json_pack("{s:s, s:I}", "address", addr, "balance", (json_int_t)g->balances[i].balance));
    }
    json_object_set_new(root, "balances", bal);
    if (g->guardian_count) {
        json_t *gl = json_array();
        for (size_t i = 0; gl && i < g->guardian_count; i++) {
            char addr[YUMA_SS58_MAX], org[YUMA_GUARDIAN_ORG_LEN + 1] = "";
            yuma_pubkey pub;
            memcpy(pub.bytes, g->guardians[i].account.bytes, 32);
            yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, addr);
            memcpy(org, g->guardians[i].org, YUMA_GUARDIAN_ORG_LEN);
            json_array_append_new(gl, json_pack("{s:s, s:s}", "address", addr, "org", org));
        }
        json_object_set_new(root, "guardians", gl);
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return text;
}

void yuma_dev_mnemonic(const char *name, char out[YUMA_MNEMONIC_MAX])
{
    uint8_t entropy[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof entropy);
    crypto_generichash_update(&st, (const uint8_t *)"yuma devnet key: ", 17);
    crypto_generichash_update(&st, (const uint8_t *)name, strlen(name));
    crypto_generichash_final(&st, entropy, sizeof entropy);
    yuma_mnemonic_from_entropy(entropy, sizeof entropy, out);
}

void yuma_dev_keypair(const char *name, yuma_keypair *kp)
{
    char phrase[YUMA_MNEMONIC_MAX];
    yuma_dev_mnemonic(name, phrase);
    yuma_keypair_from_mnemonic(phrase, NULL, kp, NULL, 0);
    sodium_memzero(phrase, sizeof phrase);
}

bool yuma_genesis_devnet(const char *const *names, size_t count, uint64_t balance, yuma_genesis_file *out)
{
    memset(out, 0, sizeof *out);
    out->owned = calloc(count ? count : 1, sizeof *out->owned);
    if (!out->owned) return false;
    for (size_t i = 0; i < count; i++) {
        yuma_keypair kp;
        yuma_dev_keypair(names[i], &kp);
        memcpy(out->owned[i].account.bytes, kp.pub.bytes, 32);
        out->owned[i].balance = balance;
        yuma_keypair_wipe(&kp);
    }
    yuma_chain_params p = yuma_chain_params_default();
    p.network_rate_limit = 1;
    p.network_min_lock_cost = 100 * YUMA_RAO_PER_TAO;
    p.network_lock_reduction_interval = 100;
    p.pending_childkey_cooldown = 10;
    p.tx_delegate_take_rate_limit = 10;
    p.commitment_rate_limit = 1;
    p.serving_rate_limit = 1;
    p.gov = yuma_gov_params_devnet();
    p.audit = yuma_gov_audit_params_devnet();
    size_t guardians = count < 6 ? count : 6;
    out->owned_guardians = calloc(guardians ? guardians : 1, sizeof *out->owned_guardians);
    if (!out->owned_guardians) {
        free(out->owned);
        out->owned = NULL;
        return false;
    }
    for (size_t i = 0; i < guardians; i++) {
        out->owned_guardians[i].account = out->owned[i].account;
        snprintf(out->owned_guardians[i].org, YUMA_GUARDIAN_ORG_LEN, "devnet-%zu", i / 2 + 1);
    }
    out->genesis = (yuma_genesis){.chain_id = 42, .params = p, .balance_count = count, .balances = out->owned,
                                  .guardian_count = guardians, .guardians = out->owned_guardians};
    return true;
}
