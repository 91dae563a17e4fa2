/*
 * gov.c - `yuma gov`: the emission due process from the command line
 * (docs/GOVERNANCE.md). Proposals, their hearing, votes, appeal, veto
 * escrow and exit rights are signed calls; show, list, notices, council
 * and params read the node. The audit log, emission history, metrics and
 * the guardian lane are gov_audit.c's (cmd_gov_audit).
 *
 *   yuma gov propose (--netuid N | --global) --action SPEC [--action SPEC ...]
 *                    (--rationale TEXT | --rationale-file F | --rationale-hash HEX) --deposit TAO --wallet W
 *   yuma gov topup ID --amount TAO --wallet W
 *   yuma gov respond ID (--text TEXT | --text-file F | --text-hash HEX) --wallet W
 *   yuma gov vote ID aye|nay|abstain|veto [--conviction 0-5] --wallet W
 *   yuma gov appeal ID --wallet W
 *   yuma gov escrow ID lock|lock-amm|unlock|lock-tao|unlock-tao --validator SS58 --amount AMOUNT --wallet W
 *   yuma gov withdraw ID --wallet W
 *   yuma gov owner-transfer --netuid N --dest SS58 --dest-hotkey SS58 --wallet W
 *   yuma gov delegate targeted|global --to SS58 [--conviction 0-5] --wallet W
 *   yuma gov undelegate targeted|global --wallet W
 *   yuma gov show ID | list [--netuid N] [--state open|closed|all] [--mine] | notices | council | params
 *
 * Every signed call takes --dry-run (print the call, the signer and the
 * proposal's state as the chain sees it; send nothing), --json, --no-wait,
 * --rpc URL, --wallet-path DIR and --hotkey NAME (sign with that key of the
 * wallet rather than its coldkey). Texts given inline or as files are
 * stored on the node (gov_putDocument) and only their BLAKE2b-256 goes on
 * chain.
 */
#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/keys.h"
#include "gov/eaa.h"
#include "yuma/chain.h"
#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"
#include "yuma/wallet.h"

#define MAX_TEXT 32768

static const char *const USAGE =
    "usage: yuma gov propose (--netuid N | --global) --action SPEC [--action SPEC ...]\n"
    "                        (--rationale TEXT | --rationale-file F | --rationale-hash HEX) --deposit TAO --wallet W\n"
    "         SPEC: emission=off|on  registration=off|on  owner-cut=0..65535|default  owner=SS58  dissolve\n"
    "               kappa=N  weights-rate-limit=N  max-validators=N          (targeted, --netuid N)\n"
    "               param:NAME=VALUE   (global, --global; `yuma gov params` lists the names)\n"
    "               guardian-add=SS58:ORG  guardian-remove=SS58   (global: the guardian's election, House C decides)\n"
    "       yuma gov topup ID --amount TAO --wallet W\n"
    "       yuma gov respond ID (--text TEXT | --text-file F | --text-hash HEX) --wallet W [--hotkey NAME]\n"
    "       yuma gov vote ID aye|nay|abstain|veto [--conviction 0-5] --wallet W\n"
    "       yuma gov appeal ID --wallet W\n"
    "       yuma gov escrow ID lock|lock-amm|unlock --validator SS58 --amount ALPHA --wallet W\n"
    "       yuma gov escrow ID lock-tao|unlock-tao --validator SS58 --amount TAO --wallet W   (root stake)\n"
    "       yuma gov withdraw ID --wallet W\n"
    "       yuma gov owner-transfer --netuid N --dest SS58 --dest-hotkey SS58 --wallet W\n"
    "       yuma gov delegate targeted|global --to SS58 [--conviction 0-5] --wallet W | undelegate targeted|global --wallet W\n"
    "       yuma gov show ID | list [--netuid N] [--state open|closed|all] [--mine --wallet W | --address SS58]\n"
    "       yuma gov notices (--wallet W | --address SS58) | council | params\n"
    "       yuma gov log|history|metrics|guardian ...   (the audit log and emergency lane)\n"
    "       signed calls: [--dry-run] [--json] [--no-wait] [--hotkey NAME] [--wallet-path DIR]; all: [--rpc URL]\n";

typedef struct {
    const char *rpc, *wallet, *hotkey, *wallet_path, *address, *state;
    const char *text, *text_file, *text_hash, *deposit, *amount, *dest, *dest_hotkey, *validator;
    const char *actions[YUMA_TX_MAX_GOV_ACTIONS + 1];
    int nactions;
    long long netuid, conviction;
    bool global, json, dry_run, no_wait, mine;
    const char *pos[3];
    int npos;
} gopts;

static int usage_error(const char *cmd, const char *what, const char *value)
{
    fprintf(stderr, "yuma gov %s: %s%s%s\n%s", cmd, what, value ? " " : "", value ? value : "", USAGE);
    return 2;
}

/* An option's value for a usage error: what was given, or "missing". */
static const char *or_missing(const char *value)
{
    return value ? value : "missing";
}

static bool parse_number(const char *s, long long max, long long *out)
{
    uint64_t v;
    if (!cli_parse_uint(s, 0, (uint64_t)max, &v)) return false;
    *out = (long long)v;
    return true;
}

static int parse(const char *cmd, int argc, char **argv, gopts *o)
{
    memset(o, 0, sizeof *o);
    o->netuid = -1;
    o->conviction = -1;
    o->rpc = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(a, "--", 2) != 0) {
            if (o->npos == 3) return usage_error(cmd, "unexpected argument", a);
            o->pos[o->npos++] = a;
            continue;
        }
        if (strcmp(a, "--json") == 0) { o->json = true; continue; }
        if (strcmp(a, "--dry-run") == 0) { o->dry_run = true; continue; }
        if (strcmp(a, "--no-wait") == 0) { o->no_wait = true; continue; }
        if (strcmp(a, "--global") == 0) { o->global = true; continue; }
        if (strcmp(a, "--mine") == 0) { o->mine = true; continue; }
        if (!v) return usage_error(cmd, "option needs a value:", a);
        i++;
        if (strcmp(a, "--rpc") == 0) o->rpc = v;
        else if (strcmp(a, "--wallet") == 0) o->wallet = v;
        else if (strcmp(a, "--hotkey") == 0) o->hotkey = v;
        else if (strcmp(a, "--wallet-path") == 0) o->wallet_path = v;
        else if (strcmp(a, "--address") == 0) o->address = v;
        else if (strcmp(a, "--state") == 0) o->state = v;
        else if (strcmp(a, "--rationale") == 0 || strcmp(a, "--text") == 0) o->text = v;
        else if (strcmp(a, "--rationale-file") == 0 || strcmp(a, "--text-file") == 0) o->text_file = v;
        else if (strcmp(a, "--rationale-hash") == 0 || strcmp(a, "--text-hash") == 0) o->text_hash = v;
        else if (strcmp(a, "--deposit") == 0) o->deposit = v;
        else if (strcmp(a, "--amount") == 0) o->amount = v;
        else if (strcmp(a, "--dest") == 0 || strcmp(a, "--to") == 0) o->dest = v;
        else if (strcmp(a, "--dest-hotkey") == 0) o->dest_hotkey = v;
        else if (strcmp(a, "--validator") == 0) o->validator = v;
        else if (strcmp(a, "--action") == 0) {
            if (o->nactions == YUMA_TX_MAX_GOV_ACTIONS) return usage_error(cmd, "at most 4 --action per proposal, not more:", v);
            o->actions[o->nactions++] = v;
        } else if (strcmp(a, "--netuid") == 0) {
            if (!parse_number(v, 65534, &o->netuid)) return usage_error(cmd, "--netuid must be 0..65534, not", v);
        } else if (strcmp(a, "--conviction") == 0) {
            if (!parse_number(v, 5, &o->conviction)) return usage_error(cmd, "--conviction must be 0..5, not", v);
        } else {
            return usage_error(cmd, "unknown option", a);
        }
    }
    return 0;
}

static bool parse_address(const char *s, yuma_account *out)
{
    yuma_pubkey pub;
    uint16_t prefix;
    char why[128];
    if (!s || yuma_ss58_decode(s, &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK || prefix != YUMA_SS58_PREFIX)
        return false;
    memcpy(out->bytes, pub.bytes, 32);
    return true;
}

static bool parse_hex32(const char *s, uint8_t out[32])
{
    if (s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
    if (!s || strlen(s) != 64) return false;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return false;
        out[i] = (uint8_t)v;
    }
    return true;
}

static void hex32(const uint8_t b[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int print_json(json_t *r)
{
    char *text = json_dumps(r, JSON_INDENT(2));
    if (text) printf("%s\n", text);
    free(text);
    return 0;
}

static yuma_rpc_client *client(const gopts *o)
{
    return yuma_rpc_client_new(&(yuma_rpc_client_config){.url = o->rpc, .timeout_ms = 30000});
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* ---- keys ---- */

/* 0: kp holds the signer's key; 2: no --wallet (a usage error); 1: the
 * key could not be loaded (the reason is on stderr). */
static int load_signer(const char *cmd, const gopts *o, yuma_keypair *kp)
{
    if (!o->wallet) return usage_error(cmd, "--wallet NAME is required (the signer's key)", NULL);
    char prompt[160];
    snprintf(prompt, sizeof prompt, "password for wallet %s: ", o->wallet);
    yuma_wallets w;
    return cli_open_wallets(o->wallet_path, &w) && cli_load_key(&w, o->wallet, o->hotkey, prompt, kp) ? 0 : 1;
}

/* ---- texts ---- */

/* The text options' usage, checked before the wallet is opened: exactly
 * one of text, file and hash, and a hash of 64 hex digits. */
static bool text_options_ok(const char *cmd, const gopts *o)
{
    int given = (o->text != NULL) + (o->text_file != NULL) + (o->text_hash != NULL);
    if (given != 1) {
        usage_error(cmd, strcmp(cmd, "propose") == 0 ? "give exactly one of --rationale, --rationale-file, --rationale-hash"
                                                     : "give exactly one of --text, --text-file, --text-hash",
                    NULL);
        return false;
    }
    uint8_t hash[32];
    if (o->text_hash && !parse_hex32(o->text_hash, hash)) {
        usage_error(cmd, "the hash must be 64 hex digits, not", o->text_hash);
        return false;
    }
    return true;
}

/* The hash of the text the options name (given hash, inline text or a
 * file; text_options_ok has passed them); the text (if any) is stored on
 * the node unless this is a dry run. */
static bool text_hash(const gopts *o, yuma_rpc_client *rc, uint8_t out[32])
{
    if (o->text_hash) return parse_hex32(o->text_hash, out);
    char *text = NULL;
    size_t len;
    if (o->text) {
        text = strdup(o->text);
        len = strlen(o->text);
    } else {
        FILE *f = fopen(o->text_file, "rb");
        if (!f) {
            fprintf(stderr, "yuma: cannot read %s\n", o->text_file);
            return false;
        }
        text = malloc(MAX_TEXT + 2);
        len = text ? fread(text, 1, MAX_TEXT + 1, f) : 0;
        fclose(f);
        if (text) text[len] = 0;
    }
    if (!text) return false;
    if (len == 0 || len > MAX_TEXT || strlen(text) != len) {
        fprintf(stderr, "yuma: the text must be 1 to %d bytes of text (no NUL bytes)\n", MAX_TEXT);
        free(text);
        return false;
    }
    crypto_generichash(out, 32, (const uint8_t *)text, len, NULL, 0);
    bool ok = true;
    if (!o->dry_run) {
        json_t *r = cli_call(rc, "gov_putDocument", json_pack("{s:s}", "text", text));
        ok = r != NULL;
        json_decref(r);
    }
    free(text);
    return ok;
}

/* ---- actions ---- */

static bool parse_action(const char *spec, bool global, yuma_gov_action *a, char *why, size_t why_len)
{
    memset(a, 0, sizeof *a);
    char key[64];
    const char *eq = strchr(spec, '=');
    size_t klen = eq ? (size_t)(eq - spec) : strlen(spec);
    if (klen >= sizeof key) klen = sizeof key - 1;
    memcpy(key, spec, klen);
    key[klen] = 0;
    const char *val = eq ? eq + 1 : NULL;
    long long n;
    if (strncmp(key, "param:", 6) == 0) {
        size_t id;
        const yuma_param_info *f = yuma_param_find(key + 6, &id);
        if (!global) return snprintf(why, why_len, "param:NAME is a global action: use --global"), false;
        if (!f) return snprintf(why, why_len, "no chain parameter %s (see `yuma gov params`)", key + 6), false;
        if (!val || !parse_number(val, INT64_MAX, &n)) return snprintf(why, why_len, "%s needs =VALUE (an integer)", key), false;
        *a = (yuma_gov_action){.kind = 20, .param = (uint16_t)id, .value = (uint64_t)n};
        return true;
    }
    if (strcmp(key, "guardian-add") == 0 || strcmp(key, "guardian-remove") == 0) {
        bool add = strcmp(key, "guardian-add") == 0;
        if (!global) return snprintf(why, why_len, "%s is a global action: use --global", key), false;
        char addr[128];
        const char *colon = val ? strchr(val, ':') : NULL;
        size_t alen = colon ? (size_t)(colon - val) : (val ? strlen(val) : 0);
        if (!val || alen >= sizeof addr || (add != (colon != NULL)))
            return snprintf(why, why_len, add ? "guardian-add=SS58:ORG (ORG: 1-8 printable characters, no space)"
                                              : "guardian-remove=SS58"), false;
        memcpy(addr, val, alen);
        addr[alen] = 0;
        a->kind = add ? EAA_GUARDIAN_ADD : EAA_GUARDIAN_REMOVE;
        if (!parse_address(addr, &a->account)) return snprintf(why, why_len, "%s: not an SS58 address", key), false;
        if (add && !eaa_org_pack(colon + 1, &a->value))
            return snprintf(why, why_len, "guardian-add: the organisation must be 1-8 printable characters, no space"), false;
        return true;
    }
    if (global) return snprintf(why, why_len, "%s acts on one subnet: use --netuid N, not --global", key), false;
    if (strcmp(key, "emission") == 0 || strcmp(key, "registration") == 0) {
        if (!val || (strcmp(val, "on") && strcmp(val, "off")))
            return snprintf(why, why_len, "%s=on or %s=off", key, key), false;
        *a = (yuma_gov_action){.kind = key[0] == 'e' ? 1 : 2, .value = strcmp(val, "on") == 0};
        return true;
    }
    if (strcmp(key, "owner-cut") == 0) {
        if (val && strcmp(val, "default") == 0) n = 65536;
        else if (!val || !parse_number(val, 65535, &n)) return snprintf(why, why_len, "owner-cut=0..65535 or owner-cut=default"), false;
        *a = (yuma_gov_action){.kind = 3, .value = (uint64_t)n};
        return true;
    }
    if (strcmp(key, "owner") == 0) {
        a->kind = 4;
        if (!parse_address(val, &a->account)) return snprintf(why, why_len, "owner=SS58 (the new owner's coldkey)"), false;
        return true;
    }
    if (strcmp(key, "dissolve") == 0) {
        if (val) return snprintf(why, why_len, "dissolve takes no value"), false;
        a->kind = 5;
        return true;
    }
    static const struct {
        const char *name;
        uint16_t id;
    } hp[] = {{"weights-rate-limit", 7}, {"kappa", 22}, {"max-validators", 23}};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(key, hp[i].name) == 0) {
            if (!val || !parse_number(val, INT64_MAX, &n)) return snprintf(why, why_len, "%s=N", key), false;
            *a = (yuma_gov_action){.kind = 6, .param = hp[i].id, .value = (uint64_t)n};
            return true;
        }
    return snprintf(why, why_len, "unknown action %s", key), false;
}

/* ---- sending ---- */

static int dry_run(const gopts *o, yuma_rpc_client *rc, const yuma_keypair *kp, const yuma_call *c)
{
    char addr[YUMA_SS58_MAX], hash[65];
    yuma_ss58_encode(&kp->pub, YUMA_SS58_PREFIX, addr);
    json_t *out = json_pack("{s:b, s:s, s:s}", "dry_run", 1, "call", yuma_call_name(c->kind), "signer", addr);
    if (c->kind == YUMA_CALL_GOV_PROPOSE) {
        json_t *acts = json_array();
        for (uint32_t i = 0; i < c->action_count; i++)
            json_array_append_new(acts, json_pack("{s:i, s:i, s:I}", "kind", c->actions[i].kind, "param",
                                                  c->actions[i].param, "value", (json_int_t)c->actions[i].value));
        hex32(c->doc_hash, hash);
        json_object_set_new(out, "target", c->netuid == 0xFFFF ? json_string("global") : json_integer(c->netuid));
        json_object_set_new(out, "actions", acts);
        json_object_set_new(out, "rationale_hash", json_string(hash));
        json_object_set_new(out, "deposit", json_integer((json_int_t)c->amount));
        json_t *d = cli_call(rc, "gov_deposit", json_pack("{s:i}", "netuid", c->netuid));
        if (!d) {
            json_decref(out);
            return 1;
        }
        json_object_set_new(out, "deposit_rule", d);
    } else if (c->kind == YUMA_CALL_GOV_OWNER_TRANSFER) {
        json_object_set_new(out, "netuid", json_integer(c->netuid));
    } else if (c->kind == YUMA_CALL_GOV_DELEGATE) {
        static const uint8_t nobody[32];
        char to[YUMA_SS58_MAX];
        yuma_pubkey pk;
        memcpy(pk.bytes, c->dest.bytes, 32);
        yuma_ss58_encode(&pk, YUMA_SS58_PREFIX, to);
        json_object_set_new(out, "track", json_string(c->choice ? "global" : "targeted"));
        json_object_set_new(out, "delegate", memcmp(c->dest.bytes, nobody, 32) ? json_string(to) : json_null());
        json_object_set_new(out, "conviction", json_integer(c->conviction));
    } else {
        json_object_set_new(out, "proposal_id", json_integer((json_int_t)c->proposal_id));
        json_t *p = cli_call(rc, "gov_proposal", json_pack("{s:I}", "id", (json_int_t)c->proposal_id));
        if (!p) {
            json_decref(out);
            return 1;
        }
        json_object_set_new(out, "proposal_state", json_string(str(p, "state")));
        json_decref(p);
        if (c->kind == YUMA_CALL_GOV_VOTE) {
            json_t *v = cli_call(rc, "gov_voter", json_pack("{s:I, s:s}", "id", (json_int_t)c->proposal_id, "address", addr));
            if (v) json_object_set_new(out, "voting_power", json_pack("{s:I, s:I}", "stake_weight", (json_int_t)num(v, "weight"),
                                                                      "seats", (json_int_t)num(v, "seats")));
            json_decref(v);
        }
    }
    if (o->json) print_json(out);
    else {
        char *text = json_dumps(out, JSON_COMPACT);
        printf("dry run, nothing sent: %s\n", text ? text : "");
        free(text);
    }
    json_decref(out);
    return 0;
}

static int send(const char *cmd, const gopts *o, yuma_call *c, bool needs_text)
{
    yuma_keypair kp;
    if (needs_text && !text_options_ok(cmd, o)) return 2;
    yuma_rpc_client *rc = client(o);
    if (!rc) return 1;
    int st = load_signer(cmd, o, &kp);
    if (st == 0) {
        st = 1;
        if (!needs_text || text_hash(o, rc, c->doc_hash)) {
            if (o->dry_run) st = dry_run(o, rc, &kp, c);
            else st = cli_send(rc, &kp, c, (o->no_wait ? CLI_NO_WAIT : 0) | (o->json ? CLI_JSON : 0));
        }
        yuma_keypair_wipe(&kp);
    }
    yuma_rpc_client_free(rc);
    return st;
}

/* What every signed subcommand starts with: its options parsed, and a
 * call of its kind with every other field zero. Returns parse's status
 * (0: go on). */
static int begin_call(const char *cmd, int argc, char **argv, yuma_call_kind kind, gopts *o, yuma_call *c)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    return parse(cmd, argc, argv, o);
}

static bool proposal_id(const char *cmd, const gopts *o, uint64_t *id)
{
    long long v;
    if (o->npos < 1 || !parse_number(o->pos[0], INT64_MAX, &v) || v == 0) {
        usage_error(cmd, "the proposal id (1, 2, ...) comes first, not", o->npos ? o->pos[0] : "nothing");
        return false;
    }
    *id = (uint64_t)v;
    return true;
}

static int cmd_propose(int argc, char **argv)
{
    gopts o;
    yuma_call c;
    int st = begin_call("propose", argc, argv, YUMA_CALL_GOV_PROPOSE, &o, &c);
    if (st) return st;
    if (o.global == (o.netuid >= 0)) return usage_error("propose", "give --netuid N (one subnet) or --global", NULL);
    if (o.nactions == 0) return usage_error("propose", "at least one --action SPEC", NULL);
    c.netuid = o.global ? 0xFFFF : (uint16_t)o.netuid;
    if (!cli_parse_amount(o.deposit, &c.amount))
        return usage_error("propose", "--deposit TAO is required (e.g. 100), not", or_missing(o.deposit));
    for (int i = 0; i < o.nactions; i++) {
        char why[160];
        if (!parse_action(o.actions[i], o.global, &c.actions[i], why, sizeof why))
            return usage_error("propose", why, NULL);
    }
    c.action_count = (uint32_t)o.nactions;
    return send("propose", &o, &c, true);
}

/* A vote's choice (1 aye .. 4 veto) and conviction. */
static int vote_args(const char *cmd, const gopts *o, yuma_call *c)
{
    static const char *const choices[] = {NULL, "aye", "nay", "abstain", "veto"};
    const char *ch = o->npos > 1 ? o->pos[1] : "";
    for (uint8_t i = 1; i <= 4; i++)
        if (strcmp(ch, choices[i]) == 0) c->choice = i;
    if (!c->choice) return usage_error(cmd, "the vote is aye, nay, abstain or veto, not", ch);
    c->conviction = o->conviction < 0 ? 0 : (uint8_t)o->conviction;
    return 0;
}

/* An escrow's direction (the call's choice), validator and amount: alpha
 * on the target, or for lock-tao / unlock-tao root TAO delegated to a
 * validator of the target (§5.5's "TAO delegators to its validators"). */
static int escrow_args(const char *cmd, const gopts *o, yuma_call *c)
{
    static const char *const dirs[] = {"lock", "unlock", "lock-amm", "lock-tao", "unlock-tao"};
    const char *dir = o->npos > 1 ? o->pos[1] : "";
    c->choice = 255;
    for (uint8_t i = 0; i < 5; i++)
        if (strcmp(dir, dirs[i]) == 0) c->choice = i;
    if (c->choice == 255) return usage_error(cmd, "lock, lock-amm, unlock, lock-tao or unlock-tao, not", dir);
    if (!parse_address(o->validator, &c->hotkey))
        return usage_error(cmd, "--validator SS58 (the hotkey your stake is on), not", or_missing(o->validator));
    bool root_tao = c->choice >= 3;
    if (!cli_parse_amount(o->amount, &c->amount))
        return usage_error(cmd, root_tao ? "--amount TAO is required, not" : "--amount ALPHA is required, not",
                           or_missing(o->amount));
    return 0;
}

static int cmd_with_id(const char *cmd, yuma_call_kind kind, int argc, char **argv)
{
    gopts o;
    yuma_call c;
    int st = begin_call(cmd, argc, argv, kind, &o, &c);
    if (st) return st;
    if (!proposal_id(cmd, &o, &c.proposal_id)) return 2;
    if (kind == YUMA_CALL_GOV_TOPUP && !cli_parse_amount(o.amount, &c.amount))
        return usage_error(cmd, "--amount TAO is required, not", or_missing(o.amount));
    if (kind == YUMA_CALL_GOV_VOTE) st = vote_args(cmd, &o, &c);
    if (kind == YUMA_CALL_GOV_ESCROW) st = escrow_args(cmd, &o, &c);
    return st ? st : send(cmd, &o, &c, kind == YUMA_CALL_GOV_RESPOND);
}

static int cmd_owner_transfer(int argc, char **argv)
{
    const char *cmd = "owner-transfer";
    gopts o;
    yuma_call c;
    int st = begin_call(cmd, argc, argv, YUMA_CALL_GOV_OWNER_TRANSFER, &o, &c);
    if (st) return st;
    if (o.netuid < 0) return usage_error(cmd, "--netuid N is required", NULL);
    c.netuid = (uint16_t)o.netuid;
    if (!parse_address(o.dest, &c.dest))
        return usage_error(cmd, "--dest SS58 (the new owner's coldkey), not", or_missing(o.dest));
    if (!parse_address(o.dest_hotkey, &c.hotkey))
        return usage_error(cmd, "--dest-hotkey SS58, not", or_missing(o.dest_hotkey));
    return send(cmd, &o, &c, false);
}

/* yuma gov delegate targeted|global --to SS58 [--conviction N]; yuma gov
 * undelegate targeted|global: House S's per-track delegation (§5.3). */
static int cmd_delegate(const char *cmd, int argc, char **argv)
{
    gopts o;
    yuma_call c;
    int st = begin_call(cmd, argc, argv, YUMA_CALL_GOV_DELEGATE, &o, &c);
    if (st) return st;
    const char *track = o.npos > 0 ? o.pos[0] : "";
    if (strcmp(track, "targeted") && strcmp(track, "global"))
        return usage_error(cmd, "the track is targeted or global, not", track[0] ? track : "missing");
    c.choice = strcmp(track, "global") == 0 ? 1 : 0;
    bool undelegate = strcmp(cmd, "undelegate") == 0;
    if (undelegate && (o.dest || o.conviction >= 0))
        return usage_error(cmd, "takes no --to or --conviction", NULL);
    if (!undelegate && !parse_address(o.dest, &c.dest))
        return usage_error(cmd, "--to SS58 (the delegate's coldkey), not", or_missing(o.dest));
    c.conviction = o.conviction < 0 ? 0 : (uint8_t)o.conviction;
    return send(cmd, &o, &c, false);
}

/* ---- reading ---- */

static void print_proposal(const json_t *p, bool full)
{
    const json_t *netuid = json_object_get(p, "netuid");
    char target[32];
    if (json_is_integer(netuid)) snprintf(target, sizeof target, "subnet %lld", (long long)json_integer_value(netuid));
    else snprintf(target, sizeof target, "global");
    printf("#%lld %-15s %-9s by %s\n", num(p, "id"), str(p, "state"), target, str(p, "proposer"));
    const json_t *acts = json_object_get(p, "actions");
    for (size_t i = 0; i < json_array_size(acts); i++) {
        const json_t *a = json_array_get(acts, i);
        const char *pn = json_string_value(json_object_get(a, "param_name"));
        const char *acct = json_string_value(json_object_get(a, "account"));
        const char *org = json_string_value(json_object_get(a, "org"));
        if (org) {
            printf("    action %s %s of %s\n", str(a, "kind"), acct ? acct : "?", org);
            continue;
        }
        printf("    action %s%s%s = %lld%s%s\n", str(a, "kind"), pn ? " " : "", pn ? pn : "", num(a, "value"),
               acct ? " account " : "", acct ? acct : "");
    }
    if (!full) return;
    printf("  rationale %s%s%s\n", str(p, "rationale_hash"), json_is_string(json_object_get(p, "rationale")) ? ": " : "",
           json_is_string(json_object_get(p, "rationale")) ? str(p, "rationale") : "");
    if (json_is_string(json_object_get(p, "response_hash")))
        printf("  owner's response (%lld filed) %s%s%s\n", num(p, "responses"), str(p, "response_hash"),
               json_is_string(json_object_get(p, "response")) ? ": " : "",
               json_is_string(json_object_get(p, "response")) ? str(p, "response") : "");
    else printf("  owner's response: none yet\n");
    const json_t *vr = json_object_get(p, "validator_responses");
    for (size_t i = 0; i < json_array_size(vr); i++) {
        const json_t *r = json_array_get(vr, i);
        printf("  validator %s's response (%lld filed) %s%s%s\n", str(r, "hotkey"), num(r, "count"), str(r, "hash"),
               json_is_string(json_object_get(r, "text")) ? ": " : "",
               json_is_string(json_object_get(r, "text")) ? str(r, "text") : "");
    }
    printf("  deposit %lld of %lld rao; submitted at %lld; voting from %lld to %lld\n", num(p, "deposit_total"),
           num(p, "deposit_required"), num(p, "submitted_at"), num(p, "voting_start"), num(p, "round_end"));
    const json_t *tl = json_object_get(p, "timelock_end");
    if (json_is_integer(tl)) {
        const json_t *e = json_object_get(p, "escrow");
        printf("  timelock from %lld to %lld (paused %lld); veto escrow %lld alpha, R %lld ppm (peak %lld)\n",
               num(p, "timelock_start"), (long long)json_integer_value(tl), num(p, "paused"), num(e, "alpha"),
               num(e, "ratio_ppm"), num(e, "peak_ppm"));
    }
    const json_t *tally = json_object_get(p, "tally");
    for (size_t r = 0; r < 2; r++) {
        const json_t *t = json_array_get(tally, r);
        if (!json_is_true(json_object_get(t, "tallied"))) continue;
        const json_t *s = json_object_get(t, "stake"), *c = json_object_get(t, "council");
        printf("  %s: stake aye %lld nay %lld abstain %lld veto %lld (turnout %lld of %lld) %s; "
               "council aye %lld nay %lld abstain %lld veto %lld of %lld seats %s%s\n",
               r ? "appeal" : "vote", num(s, "aye"), num(s, "nay"), num(s, "abstain"), num(s, "no_with_veto"),
               num(s, "turnout"), num(s, "eligible"), json_is_true(json_object_get(s, "passed")) ? "passed" : "failed",
               num(c, "aye"), num(c, "nay"), num(c, "abstain"), num(c, "no_with_veto"), num(c, "seats"),
               json_is_true(json_object_get(c, "passed")) ? "passed" : "failed",
               json_is_true(json_object_get(t, "veto")) ? "; VETOED" : "");
    }
}

static int read_cmd(const char *cmd, const gopts *o, const char *method, json_t *params, bool list, bool full)
{
    yuma_rpc_client *rc = client(o);
    if (!rc) {
        json_decref(params);
        return 1;
    }
    json_t *r = cli_call(rc, method, params);
    yuma_rpc_client_free(rc);
    (void)cmd;
    if (!r) return 1;
    if (o->json) print_json(r);
    else if (list) {
        if (json_array_size(r) == 0) printf("no proposals\n");
        for (size_t i = 0; i < json_array_size(r); i++) print_proposal(json_array_get(r, i), full);
    } else {
        print_proposal(r, true);
    }
    json_decref(r);
    return 0;
}

/* The address of --address, or of the wallet's coldkey; the status as
 * load_signer's. */
static int who(const char *cmd, const gopts *o, char out[YUMA_SS58_MAX])
{
    if (o->address) {
        yuma_account a;
        if (!parse_address(o->address, &a))
            return usage_error(cmd, "--address must be a yuma SS58 address, not", o->address);
        snprintf(out, YUMA_SS58_MAX, "%s", o->address);
        return 0;
    }
    yuma_keypair kp;
    int st = load_signer(cmd, o, &kp);
    if (st) return st;
    yuma_ss58_encode(&kp.pub, YUMA_SS58_PREFIX, out);
    yuma_keypair_wipe(&kp);
    return 0;
}

static int cmd_show(int argc, char **argv)
{
    gopts o;
    uint64_t id;
    int st = parse("show", argc, argv, &o);
    if (st) return st;
    if (!proposal_id("show", &o, &id)) return 2;
    return read_cmd("show", &o, "gov_proposal", json_pack("{s:I}", "id", (json_int_t)id), false, true);
}

static int cmd_list(int argc, char **argv)
{
    gopts o;
    int st = parse("list", argc, argv, &o);
    if (st) return st;
    json_t *params = json_object();
    if (o.netuid >= 0) json_object_set_new(params, "netuid", json_integer(o.netuid));
    if (o.state) {
        if (strcmp(o.state, "open") && strcmp(o.state, "closed") && strcmp(o.state, "all")) {
            json_decref(params);
            return usage_error("list", "--state is open, closed or all, not", o.state);
        }
        json_object_set_new(params, "state", json_string(o.state));
    }
    if (o.mine || o.address) {
        char addr[YUMA_SS58_MAX];
        int wst = who("list", &o, addr);
        if (wst) {
            json_decref(params);
            return wst;
        }
        json_object_set_new(params, "address", json_string(addr));
    }
    return read_cmd("list", &o, "gov_proposals", params, true, false);
}

/* One notice line of §5.2 for an open targeted proposal: what it does,
 * where it stands, and where to read the rationale and the responses. */
static void notice_line(const json_t *p, const char *role)
{
    char acts[160] = "";
    const json_t *a = json_object_get(p, "actions");
    for (size_t i = 0; i < json_array_size(a); i++) {
        size_t used = strlen(acts);
        snprintf(acts + used, sizeof acts - used, "%s%s=%lld", i ? ", " : "", str(json_array_get(a, i), "kind"),
                 num(json_array_get(a, i), "value"));
    }
    const char *st = str(p, "state");
    char when[160];
    if (strcmp(st, "pending_deposit") == 0)
        snprintf(when, sizeof when, "awaiting its deposit until block %lld", num(p, "deposit_deadline"));
    else if (strcmp(st, "notice") == 0)
        snprintf(when, sizeof when, "hearing open, voting opens at block %lld", num(p, "voting_start"));
    else if (strcmp(st, "voting") == 0)
        snprintf(when, sizeof when, "voting until block %lld", num(p, "round_end"));
    else if (strcmp(st, "appeal") == 0)
        snprintf(when, sizeof when, "appeal vote until block %lld", num(p, "round_end"));
    else
        snprintf(when, sizeof when, "passed, takes effect at block %lld (stakers may escrow or leave before)",
                 num(p, "timelock_end"));
    fprintf(stderr, "notice: governance proposal #%lld targets subnet %lld (%s)%s%s%s: %s; read it: yuma gov show %lld\n",
            num(p, "id"), num(p, "netuid"), acts, role ? " [you: " : "", role ? role : "", role ? "]" : "", when,
            num(p, "id"));
}

void cli_gov_notice_lines(yuma_rpc_client *rc, long netuid, const char *address)
{
    yuma_rpc_client_error err;
    json_t *params = netuid >= 0 ? json_pack("{s:i, s:s}", "netuid", (int)netuid, "state", "open")
                                 : json_pack("{s:s}", "address", address);
    json_t *r = yuma_rpc_client_call(rc, netuid >= 0 ? "gov_proposals" : "gov_notices", params, &err);
    json_decref(params);
    if (!r) return; /* a node without governance: nothing to show */
    for (size_t i = 0; i < json_array_size(r); i++) {
        const json_t *p = json_array_get(r, i);
        if (!json_is_integer(json_object_get(p, "netuid"))) continue;
        notice_line(p, json_string_value(json_object_get(p, "role")));
    }
    json_decref(r);
}

/* The notice of §5.2: what an owner or staker of a targeted subnet must see. */
static int cmd_notices(int argc, char **argv)
{
    gopts o;
    int st = parse("notices", argc, argv, &o);
    if (st) return st;
    char addr[YUMA_SS58_MAX];
    if ((st = who("notices", &o, addr))) return st;
    yuma_rpc_client *rc = client(&o);
    json_t *r = rc ? cli_call(rc, "gov_notices", json_pack("{s:s}", "address", addr)) : NULL;
    yuma_rpc_client_free(rc);
    if (!r) return 1;
    if (o.json) print_json(r);
    else if (json_array_size(r) == 0) printf("no open proposal targets a subnet %s owns or stakes on\n", addr);
    for (size_t i = 0; !o.json && i < json_array_size(r); i++) {
        const json_t *p = json_array_get(r, i);
        printf("NOTICE: proposal #%lld (%s) targets subnet %lld, where you are %s.\n", num(p, "id"), str(p, "state"),
               num(p, "netuid"), strcmp(str(p, "role"), "owner") == 0 ? "the OWNER" : "a staker");
        print_proposal(p, true);
        if (strcmp(str(p, "role"), "owner") == 0)
            printf("  you may respond: yuma gov respond %lld --text-file RESPONSE --wallet W; and appeal in the timelock\n",
                   num(p, "id"));
        else
            printf("  you may vote (yuma gov vote %lld aye|nay ...) and, in the timelock, escrow your stake "
                   "(yuma gov escrow %lld lock ...)\n", num(p, "id"), num(p, "id"));
    }
    json_decref(r);
    return 0;
}

static void print_council(const json_t *r)
{
    const json_t *s = json_object_get(r, "seats"), *m = json_object_get(r, "members");
    printf("council at block %lld: %lld seats (%lld economic, %lld builder, %lld miner)\n", num(r, "block"),
           num(s, "total"), num(s, "economic"), num(s, "builder"), num(s, "miner"));
    for (size_t i = 0; i < json_array_size(m); i++) {
        const json_t *e = json_array_get(m, i);
        printf("  %s %s%s%s\n", str(e, "coldkey"), json_is_true(json_object_get(e, "economic")) ? " economic" : "",
               json_is_true(json_object_get(e, "builder")) ? " builder" : "",
               json_is_true(json_object_get(e, "miner")) ? " miner" : "");
    }
}

static void print_params(const json_t *r)
{
    const json_t *l = json_object_get(r, "params");
    printf("House S quorum now: %lld ppm\n", num(r, "quorum_ppm"));
    for (size_t i = 0; i < json_array_size(l); i++) {
        const json_t *p = json_array_get(l, i);
        printf("  %3lld %-34s %20lld  %s\n", num(p, "id"), str(p, "name"), num(p, "value"), str(p, "class"));
    }
}

/* A read subcommand that takes no parameters (council, params): the
 * node's answer to method, as JSON with --json, else as print shows it. */
static int read_plain(const char *cmd, int argc, char **argv, const char *method, void (*print)(const json_t *))
{
    gopts o;
    int st = parse(cmd, argc, argv, &o);
    if (st) return st;
    yuma_rpc_client *rc = client(&o);
    json_t *r = rc ? cli_call(rc, method, NULL) : NULL;
    yuma_rpc_client_free(rc);
    if (!r) return 1;
    if (o.json) print_json(r);
    else print(r);
    json_decref(r);
    return 0;
}

int cmd_gov(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub) {
        fprintf(stderr, "yuma gov: which subcommand?\n%s", USAGE);
        return 2;
    }
    int n = argc - 1;
    char **v = argv + 1;
    if (strcmp(sub, "propose") == 0) return cmd_propose(n, v);
    if (strcmp(sub, "topup") == 0) return cmd_with_id("topup", YUMA_CALL_GOV_TOPUP, n, v);
    if (strcmp(sub, "respond") == 0) return cmd_with_id("respond", YUMA_CALL_GOV_RESPOND, n, v);
    if (strcmp(sub, "vote") == 0) return cmd_with_id("vote", YUMA_CALL_GOV_VOTE, n, v);
    if (strcmp(sub, "appeal") == 0) return cmd_with_id("appeal", YUMA_CALL_GOV_APPEAL, n, v);
    if (strcmp(sub, "escrow") == 0) return cmd_with_id("escrow", YUMA_CALL_GOV_ESCROW, n, v);
    if (strcmp(sub, "withdraw") == 0) return cmd_with_id("withdraw", YUMA_CALL_GOV_WITHDRAW, n, v);
    if (strcmp(sub, "owner-transfer") == 0) return cmd_owner_transfer(n, v);
    if (strcmp(sub, "delegate") == 0 || strcmp(sub, "undelegate") == 0) return cmd_delegate(sub, n, v);
    if (strcmp(sub, "show") == 0) return cmd_show(n, v);
    if (strcmp(sub, "list") == 0) return cmd_list(n, v);
    if (strcmp(sub, "notices") == 0) return cmd_notices(n, v);
    if (strcmp(sub, "council") == 0) return read_plain("council", n, v, "gov_council", print_council);
    if (strcmp(sub, "params") == 0) return read_plain("params", n, v, "gov_params", print_params);
    /* The audit log, history, metrics and guardian lane: gov_audit.c. */
    if (strcmp(sub, "log") == 0 || strcmp(sub, "history") == 0 || strcmp(sub, "metrics") == 0 ||
        strcmp(sub, "guardian") == 0)
        return cmd_gov_audit(argc, argv);
    fprintf(stderr, "yuma gov: unknown subcommand %s\n%s", sub, USAGE);
    return 2;
}
