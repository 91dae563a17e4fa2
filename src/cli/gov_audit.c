/*
 * gov_audit.c - the transparency and emergency side of `yuma gov`
 * (docs/GOVERNANCE.md): the hash-chained audit log and its verification,
 * a subnet's emission-share history (rule-driven vs governance changes),
 * concentration metrics, and the guardian multisig's calls. The proposal
 * side (propose, vote, ...) is src/cli/gov.c, which hands these
 * subcommands here.
 *
 *   yuma gov log [--netuid N] [--from S] [--to S] [--verify] [--json]
 *   yuma gov history --netuid N [--json]
 *   yuma gov metrics [--netuid N] [--json]
 *   yuma gov guardian list [--json]
 *   yuma gov guardian escrow --netuid N --blocks B --statement TEXT --wallet W
 *   yuma gov guardian safe-mode|extend --blocks B --statement TEXT --wallet W
 *   yuma gov guardian approve --action ID --wallet W
 *   yuma gov guardian rationale --action ID --text TEXT --wallet W
 * Every command takes --rpc URL; the guardian calls take --dry-run (print
 * the call and what the chain will check, send nothing), --json,
 * --no-wait and --hotkey NAME (sign with that key of the wallet).
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
#include "yuma/chain.h"
#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"
#include "yuma/wallet.h"

typedef struct {
    const char *rpc, *wallet, *hotkey, *wallet_path, *statement, *statement_hash, *text, *text_hash;
    long long netuid, from, to, blocks, action;
    bool json, verify, dry_run, no_wait;
} gov_opts;

static const char *const USAGE =
    "usage: yuma gov log [--netuid N] [--from SEQ] [--to SEQ] [--verify] [--json]\n"
    "       yuma gov history --netuid N [--json]\n"
    "       yuma gov metrics [--netuid N] [--json]\n"
    "       yuma gov guardian list [--json]\n"
    "       yuma gov guardian escrow --netuid N --blocks B (--statement TEXT | --statement-hash HEX) --wallet W\n"
    "       yuma gov guardian safe-mode|extend --blocks B (--statement TEXT | --statement-hash HEX) --wallet W\n"
    "       yuma gov guardian approve --action ID --wallet W\n"
    "       yuma gov guardian rationale --action ID (--text TEXT | --text-hash HEX) --wallet W\n"
    "       every command: [--rpc URL]; guardian calls: [--dry-run] [--json] [--no-wait] [--wallet-path DIR]\n"
    "       [--hotkey NAME] (sign with that key of the wallet, e.g. a dedicated signing key, not the coldkey)\n";

static int usage_error(const char *cmd, const char *what, const char *value)
{
    fprintf(stderr, "yuma gov %s: %s%s%s\n%s", cmd, what, value ? " " : "", value ? value : "", USAGE);
    return 2;
}

static bool parse_number(const char *s, long long max, long long *out)
{
    uint64_t v;
    if (!cli_parse_uint(s, 0, (uint64_t)max, &v)) return false;
    *out = (long long)v;
    return true;
}

/* Parses argv[first..]; cmd names the command in messages. */
static int parse(const char *cmd, int argc, char **argv, int first, gov_opts *o)
{
    *o = (gov_opts){.netuid = -1, .from = -1, .to = -1, .blocks = -1, .action = -1};
    o->rpc = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) { o->json = true; continue; }
        if (strcmp(a, "--verify") == 0) { o->verify = true; continue; }
        if (strcmp(a, "--dry-run") == 0) { o->dry_run = true; continue; }
        if (strcmp(a, "--no-wait") == 0) { o->no_wait = true; continue; }
        if (strncmp(a, "--", 2) != 0) return usage_error(cmd, "unexpected argument", a);
        if (!v) return usage_error(cmd, "option needs a value:", a);
        i++;
        if (strcmp(a, "--rpc") == 0) o->rpc = v;
        else if (strcmp(a, "--wallet") == 0) o->wallet = v;
        else if (strcmp(a, "--wallet-path") == 0) o->wallet_path = v;
        else if (strcmp(a, "--hotkey") == 0) o->hotkey = v;
        else if (strcmp(a, "--statement") == 0) o->statement = v;
        else if (strcmp(a, "--statement-hash") == 0) o->statement_hash = v;
        else if (strcmp(a, "--text") == 0) o->text = v;
        else if (strcmp(a, "--text-hash") == 0) o->text_hash = v;
        else if (strcmp(a, "--netuid") == 0) { if (!parse_number(v, 65534, &o->netuid)) return usage_error(cmd, "--netuid must be 0..65534, not", v); }
        else if (strcmp(a, "--from") == 0) { if (!parse_number(v, INT64_MAX, &o->from)) return usage_error(cmd, "--from must be an entry number, not", v); }
        else if (strcmp(a, "--to") == 0) { if (!parse_number(v, INT64_MAX, &o->to)) return usage_error(cmd, "--to must be an entry number, not", v); }
        else if (strcmp(a, "--blocks") == 0) { if (!parse_number(v, INT64_MAX, &o->blocks) || o->blocks == 0) return usage_error(cmd, "--blocks must be a positive number of blocks, not", v); }
        else if (strcmp(a, "--action") == 0) { if (!parse_number(v, INT64_MAX, &o->action) || o->action == 0) return usage_error(cmd, "--action must be an emergency action id (1, 2, ...), not", v); }
        else return usage_error(cmd, "unknown option", a);
    }
    if (o->from >= 0 && o->to >= 0 && o->from > o->to) return usage_error(cmd, "--from is after --to", NULL);
    return 0;
}

static int print_json(json_t *r)
{
    char *text = json_dumps(r, JSON_INDENT(2));
    if (text) printf("%s\n", text);
    free(text);
    return 0;
}

/* Calls one read method and hands the result to show (or prints JSON). */
static int query(const gov_opts *o, const char *method, json_t *params, int (*show)(const json_t *, const gov_opts *))
{
    yuma_rpc_client *rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = o->rpc, .timeout_ms = 30000});
    if (!rc) {
        json_decref(params);
        return 1;
    }
    json_t *r = cli_call(rc, method, params);
    yuma_rpc_client_free(rc);
    if (!r) return 1;
    int st = o->json ? print_json(r) : show(r, o);
    json_decref(r);
    return st;
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

/* "12.345678%" from parts per billion. */
static void pct(char *out, size_t len, long long ppb)
{
    snprintf(out, len, "%lld.%06lld%%", ppb / 10000000, (ppb / 10) % 1000000);
}

/* ---- log ---- */

static int show_log(const json_t *r, const gov_opts *o)
{
    (void)o;
    const json_t *list = json_object_get(r, "entries");
    printf("audit log: %lld entries, head %s\n", num(r, "count"), str(r, "head_hash"));
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *e = json_array_get(list, i), *netuid = json_object_get(e, "netuid"),
                     *event = json_object_get(e, "event");
        printf("#%-5lld block %-8lld %-12s", num(e, "seq"), num(e, "block"), str(e, "class"));
        if (json_is_integer(netuid)) printf(" netuid %-5lld", (long long)json_integer_value(netuid));
        else printf(" global      ");
        if (json_is_string(event)) printf(" %-18s", json_string_value(event));
        else printf(" call %-13lld", num(e, "call_id"));
        if (num(e, "proposal_id")) printf(" id %lld", num(e, "proposal_id"));
        printf(" by %s", str(e, "origin"));
        const json_t *tallies = json_object_get(e, "tallies");
        if (num(tallies, "s_aye") || num(tallies, "s_nay") || num(tallies, "c_aye") || num(tallies, "c_nay"))
            printf(" S %lld/%lld C %lld/%lld", num(tallies, "s_aye"), num(tallies, "s_nay"), num(tallies, "c_aye"),
                   num(tallies, "c_nay"));
        if (json_is_string(json_object_get(e, "rationale_hash"))) printf(" rationale %.16s..", str(e, "rationale_hash"));
        if (json_is_string(json_object_get(e, "response_hash"))) printf(" response %.16s..", str(e, "response_hash"));
        putchar('\n');
    }
    if (json_is_true(json_object_get(r, "truncated"))) printf("(more: continue with --from)\n");
    return 0;
}

static int show_verify(const json_t *r, const gov_opts *o)
{
    (void)o;
    if (json_is_true(json_object_get(r, "ok"))) {
        printf("audit log verified at block %lld: %lld entries, hash chain intact, head %s\n", num(r, "height"),
               num(r, "count"), str(r, "head_hash"));
        return 0;
    }
    printf("AUDIT LOG BROKEN at entry %lld: %s\n", num(r, "bad_seq"), str(r, "detail"));
    return 1;
}

int cmd_gov_log(int argc, char **argv)
{
    gov_opts o;
    int st = parse("log", argc, argv, 1, &o);
    if (st) return st;
    if (o.verify) {
        if (o.from >= 0 || o.to >= 0 || o.netuid >= 0)
            return usage_error("log", "--verify checks the whole log: no --from, --to or --netuid", NULL);
        /* The JSON answer is the verdict either way; the exit code tells it. */
        yuma_rpc_client *rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = o.rpc, .timeout_ms = 30000});
        json_t *r = rc ? cli_call(rc, "gov_logVerify", NULL) : NULL;
        yuma_rpc_client_free(rc);
        if (!r) return 1;
        bool ok = json_is_true(json_object_get(r, "ok"));
        if (o.json) print_json(r);
        else show_verify(r, &o);
        json_decref(r);
        return ok ? 0 : 1;
    }
    json_t *p = json_object();
    if (o.from >= 0) json_object_set_new(p, "from_seq", json_integer(o.from));
    if (o.to >= 0) json_object_set_new(p, "to_seq", json_integer(o.to));
    if (o.netuid >= 0) json_object_set_new(p, "netuid", json_integer(o.netuid));
    return query(&o, "gov_log", p, show_log);
}

/* ---- history ---- */

static int show_history(const json_t *r, const gov_opts *o)
{
    (void)o;
    char ref[32];
    pct(ref, sizeof ref, num(r, "reference_share_ppb"));
    printf("subnet %lld emission share (registered at block %lld; a change above %lld%% within %lld blocks is logged)\n",
           num(r, "netuid"), num(r, "registered_at"), num(r, "threshold_pct"), num(r, "day_blocks"));
    printf("reference share %s since block %lld\n", ref, num(r, "reference_block"));
    const json_t *list = json_object_get(r, "samples");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *s = json_array_get(list, i), *change = json_object_get(s, "change"), *seq = json_object_get(s, "seq");
        char share[32];
        pct(share, sizeof share, num(s, "share_ppb"));
        long long tao = num(s, "tao");
        printf("block %-8lld %12s %6lld.%09lld TAO", num(s, "block"), share, tao / YUMA_RAO_PER_TAO,
               tao % YUMA_RAO_PER_TAO);
        if (json_is_string(change))
            printf("  %s-driven change (audit #%lld)", json_string_value(change), (long long)json_integer_value(seq));
        else if (json_is_true(json_object_get(s, "governance_action")))
            printf("  governance action since the last sample");
        if (json_is_true(json_object_get(s, "escrowed"))) printf("  [emission in emergency escrow]");
        putchar('\n');
    }
    return 0;
}

int cmd_gov_history(int argc, char **argv)
{
    gov_opts o;
    int st = parse("history", argc, argv, 1, &o);
    if (st) return st;
    if (o.netuid < 0) return usage_error("history", "--netuid N is required", NULL);
    return query(&o, "gov_emissionHistory", json_pack("{s:I}", "netuid", (json_int_t)o.netuid), show_history);
}

/* ---- metrics ---- */

static void show_conc(const char *name, const json_t *c)
{
    char gini[32], top5[32];
    pct(gini, sizeof gini, num(c, "gini_ppb"));
    pct(top5, sizeof top5, num(c, "top5_ppb"));
    printf("%-14s holders %-6lld NC(1/3) %-4lld NC(1/2) %-4lld NC(2/3) %-4lld Gini %-12s HHI %-6lld effective %lld.%03lld "
           "top-5 %s\n",
           name, num(c, "holders"), num(c, "nakamoto_third"), num(c, "nakamoto_half"), num(c, "nakamoto_two_thirds"),
           gini, num(c, "hhi"), num(c, "effective_holders_milli") / 1000, num(c, "effective_holders_milli") % 1000, top5);
}

static int show_metrics(const json_t *r, const gov_opts *o)
{
    (void)o;
    printf("stake concentration at block %lld (Gini in %% of 1, HHI on 0..10,000)\n", num(r, "block"));
    show_conc("stake house", json_object_get(r, "stake_house"));
    show_conc("council", json_object_get(r, "council"));
    show_conc("root stake", json_object_get(r, "root"));
    const json_t *list = json_object_get(r, "subnets");
    for (size_t i = 0; i < json_array_size(list); i++) {
        char name[32];
        snprintf(name, sizeof name, "subnet %lld", num(json_array_get(list, i), "netuid"));
        show_conc(name, json_array_get(list, i));
    }
    const json_t *rule = json_object_get(r, "threshold_rule");
    printf("House S NC(1/2) = %lld (limit %lld): House C threshold %s\n", num(rule, "stake_house_nakamoto_half"),
           num(rule, "limit"), json_is_true(json_object_get(rule, "council_threshold_raised")) ? "raised to 3/4" : "normal");
    return 0;
}

int cmd_gov_metrics(int argc, char **argv)
{
    gov_opts o;
    int st = parse("metrics", argc, argv, 1, &o);
    if (st) return st;
    json_t *p = json_object();
    if (o.netuid >= 0) json_object_set_new(p, "netuid", json_integer(o.netuid));
    return query(&o, "gov_concentration", p, show_metrics);
}

/* ---- guardian ---- */

static int show_guardians(const json_t *r, const gov_opts *o)
{
    (void)o;
    const json_t *rules = json_object_get(r, "rules"), *safe = json_object_get(r, "safe_mode");
    printf("guardian: %lld of %lld signatures; escrow <= %lld blocks, safe mode <= %lld (+%lld once); rationale "
           "within %lld; ratify within %lld\n",
           num(rules, "threshold"), num(rules, "max"), num(rules, "escrow_max_blocks"), num(rules, "safe_mode_max_blocks"),
           num(rules, "extension_max_blocks"), num(rules, "rationale_window_blocks"), num(rules, "ratify_window_blocks"));
    const json_t *m = json_object_get(r, "members");
    for (size_t i = 0; i < json_array_size(m); i++) {
        const json_t *g = json_array_get(m, i);
        bool in_term = json_is_true(json_object_get(g, "in_term"));
        printf("  slot %lld %s %-16s %s strikes %lld signed this quarter %lld %s %lld\n", num(g, "slot"),
               str(g, "address"), str(g, "org"), json_is_true(json_object_get(g, "active")) ? "active " : "removed",
               num(g, "strikes"), num(g, "signed_this_quarter"), in_term ? "term to block" : "TERM ENDED at block",
               num(g, "term_ends"));
    }
    if (json_array_size(m) == 0) printf("  no signers: this chain has no emergency lane\n");
    if (json_is_true(json_object_get(safe, "next_block")))
        printf("SAFE MODE through block %lld (action %lld%s)\n", num(safe, "until"), num(safe, "action"),
               num(safe, "extension") ? ", extended" : "");
    const json_t *acts = json_object_get(r, "actions");
    for (size_t i = 0; i < json_array_size(acts); i++) {
        const json_t *a = json_array_get(acts, i), *netuid = json_object_get(a, "netuid"),
                     *esc = json_object_get(a, "escrow");
        printf("action %lld %-16s %-10s", num(a, "id"), str(a, "kind"), str(a, "status"));
        if (json_is_integer(netuid)) printf(" netuid %lld", (long long)json_integer_value(netuid));
        printf(" %lld blocks, %zu signatures", num(a, "duration"), json_array_size(json_object_get(a, "signers")));
        if (num(a, "activated_at")) printf(", from block %lld to %lld", num(a, "activated_at"), num(a, "ends_at"));
        printf(", rationale %s", json_is_string(json_object_get(a, "rationale")) ? "posted" : "missing");
        long long held = num(esc, "server") + num(esc, "validator") + num(esc, "root") + num(esc, "owner");
        if (held) printf(", %lld.%09lld alpha held", held / YUMA_RAO_PER_TAO, held % YUMA_RAO_PER_TAO);
        putchar('\n');
    }
    return 0;
}

/* The 32-byte hash of a text (BLAKE2b-256, as the node hashes documents)
 * or a given 64-hex-digit hash. */
static bool doc_hash(const char *text, const char *hex, uint8_t out[32], const char *what)
{
    if ((text != NULL) == (hex != NULL)) {
        fprintf(stderr, "yuma gov guardian: give the %s as text or as a hash (one of them)\n", what);
        return false;
    }
    if (text) {
        if (!*text) {
            fprintf(stderr, "yuma gov guardian: the %s must not be empty\n", what);
            return false;
        }
        crypto_generichash(out, 32, (const uint8_t *)text, strlen(text), NULL, 0);
        return true;
    }
    size_t n = strlen(hex);
    const char *h = n == 66 && hex[0] == '0' && hex[1] == 'x' ? hex + 2 : hex;
    bool ok = strlen(h) == 64, zero = true;
    for (int i = 0; ok && i < 64; i++) ok = isxdigit((unsigned char)h[i]) != 0;
    for (int i = 0; ok && i < 32; i++) {
        char byte[3] = {h[2 * i], h[2 * i + 1], 0};
        out[i] = (uint8_t)strtoul(byte, NULL, 16);
        zero = zero && out[i] == 0;
    }
    if (!ok) fprintf(stderr, "yuma gov guardian: the %s hash must be 64 hex digits, not %s\n", what, hex);
    else if (zero) fprintf(stderr, "yuma gov guardian: the %s hash must not be zero\n", what);
    return ok && !zero;
}

/* The guardian signs with its wallet's coldkey, or with the wallet's key
 * --hotkey NAME when the signer keeps a dedicated signing key. */
/* 0: kp holds the signer's key; 2: no --wallet (a usage error); 1: the
 * key could not be loaded (the reason is on stderr). */
static int load_signer(const gov_opts *o, yuma_keypair *kp)
{
    if (!o->wallet) {
        fprintf(stderr, "yuma gov guardian: --wallet NAME is required (the signer's key)\n");
        return 2;
    }
    char prompt[160];
    snprintf(prompt, sizeof prompt, "password for wallet %s: ", o->wallet);
    yuma_wallets w;
    return cli_open_wallets(o->wallet_path, &w) && cli_load_key(&w, o->wallet, o->hotkey, prompt, kp) ? 0 : 1;
}

/* --dry-run: the call as it would be signed, and the chain's view of the
 * signer and the lane, without sending anything. */
static int dry_run(const gov_opts *o, const yuma_keypair *kp, const yuma_call *c)
{
    char addr[YUMA_SS58_MAX], hash[65];
    yuma_ss58_encode(&kp->pub, YUMA_SS58_PREFIX, addr);
    for (int i = 0; i < 32; i++) snprintf(hash + 2 * i, 3, "%02x", c->doc_hash[i]);
    yuma_rpc_client *rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = o->rpc, .timeout_ms = 30000});
    json_t *g = rc ? cli_call(rc, "gov_guardians", NULL) : NULL;
    yuma_rpc_client_free(rc);
    if (!g) return 1;
    const json_t *members = json_object_get(g, "members"), *me = NULL;
    for (size_t i = 0; i < json_array_size(members); i++)
        if (strcmp(str(json_array_get(members, i), "address"), addr) == 0) me = json_array_get(members, i);
    json_t *out = json_pack("{s:b, s:s, s:s, s:b, s:b, s:I}", "dry_run", 1, "call", yuma_call_name(c->kind), "signer",
                            addr, "signer_is_guardian", me != NULL, "signer_active",
                            me && json_is_true(json_object_get(me, "active")), "signed_this_quarter",
                            (json_int_t)(me ? num(me, "signed_this_quarter") : 0));
    json_object_set_new(out, "signer_in_term", json_boolean(me && json_is_true(json_object_get(me, "in_term"))));
    if (c->kind == YUMA_CALL_GUARDIAN_PROPOSE) {
        json_object_set_new(out, "action", json_integer(c->choice));
        json_object_set_new(out, "blocks", json_integer((json_int_t)c->value));
        if (c->choice == 1) json_object_set_new(out, "netuid", json_integer(c->netuid));
    } else {
        json_object_set_new(out, "action_id", json_integer((json_int_t)c->proposal_id));
    }
    if (c->kind != YUMA_CALL_GUARDIAN_APPROVE) json_object_set_new(out, "hash", json_string(hash));
    json_object_set(out, "rules", json_object_get(g, "rules"));
    json_object_set(out, "safe_mode", json_object_get(g, "safe_mode"));
    if (o->json) print_json(out);
    else {
        printf("dry run: %s signed by %s (%s); nothing sent\n", yuma_call_name(c->kind), addr,
               !me ? "NOT a guardian signer: the chain would refuse it"
               : !json_is_true(json_object_get(me, "active"))  ? "a REMOVED guardian signer: the chain would refuse it"
               : json_is_true(json_object_get(me, "in_term"))   ? "an active guardian signer"
                                                               : "a guardian signer whose TERM ENDED: the chain would refuse it");
        if (c->kind != YUMA_CALL_GUARDIAN_APPROVE) printf("hash %s\n", hash);
    }
    json_decref(out);
    json_decref(g);
    return 0;
}

static int send_guardian(const gov_opts *o, const yuma_call *c)
{
    yuma_keypair kp;
    int ls = load_signer(o, &kp);
    if (ls) return ls;
    int st;
    if (o->dry_run) {
        st = dry_run(o, &kp, c);
    } else {
        yuma_rpc_client *rc = yuma_rpc_client_new(&(yuma_rpc_client_config){.url = o->rpc, .timeout_ms = 30000});
        st = rc ? cli_send(rc, &kp, c, (o->no_wait ? CLI_NO_WAIT : 0) | (o->json ? CLI_JSON : 0)) : 1;
        yuma_rpc_client_free(rc);
    }
    yuma_keypair_wipe(&kp);
    return st;
}

int cmd_gov_guardian(int argc, char **argv)
{
    if (argc < 2) return usage_error("guardian", "which? list, escrow, safe-mode, extend, approve or rationale", NULL);
    const char *sub = argv[1];
    gov_opts o;
    int st = parse("guardian", argc, argv, 2, &o);
    if (st) return st;
    if (strcmp(sub, "list") == 0) return query(&o, "gov_guardians", NULL, show_guardians);
    yuma_call c;
    memset(&c, 0, sizeof c);
    if (strcmp(sub, "escrow") == 0 || strcmp(sub, "safe-mode") == 0 || strcmp(sub, "extend") == 0) {
        bool escrow = strcmp(sub, "escrow") == 0;
        if (escrow && o.netuid < 0) return usage_error("guardian", "escrow needs --netuid N (the subnet whose emission to hold)", NULL);
        if (!escrow && o.netuid >= 0) return usage_error("guardian", "--netuid is only for escrow", NULL);
        if (o.blocks < 0) return usage_error("guardian", "--blocks B is required (how long, within the chain's cap)", NULL);
        c.kind = YUMA_CALL_GUARDIAN_PROPOSE;
        c.choice = escrow ? 1 : strcmp(sub, "safe-mode") == 0 ? 2 : 3;
        c.netuid = escrow ? (uint16_t)o.netuid : 0;
        c.value = (uint64_t)o.blocks;
        if (!doc_hash(o.statement, o.statement_hash, c.doc_hash, "statement (the exploit or emergency)")) return 2;
    } else if (strcmp(sub, "approve") == 0 || strcmp(sub, "rationale") == 0) {
        if (o.action < 0) return usage_error("guardian", "--action ID is required", NULL);
        c.kind = strcmp(sub, "approve") == 0 ? YUMA_CALL_GUARDIAN_APPROVE : YUMA_CALL_GUARDIAN_RATIONALE;
        c.proposal_id = (uint64_t)o.action;
        if (c.kind == YUMA_CALL_GUARDIAN_RATIONALE && !doc_hash(o.text, o.text_hash, c.doc_hash, "rationale"))
            return 2;
    } else {
        return usage_error("guardian", "unknown subcommand", sub);
    }
    return send_guardian(&o, &c);
}

/* `yuma gov` for the subcommands of this file; govcore's gov.c, which owns
 * `yuma gov`, hands log, history, metrics and guardian to the functions
 * above (this entry serves until it does). */
int cmd_gov_audit(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub && strcmp(sub, "log") == 0) return cmd_gov_log(argc - 1, argv + 1);
    if (sub && strcmp(sub, "history") == 0) return cmd_gov_history(argc - 1, argv + 1);
    if (sub && strcmp(sub, "metrics") == 0) return cmd_gov_metrics(argc - 1, argv + 1);
    if (sub && strcmp(sub, "guardian") == 0) return cmd_gov_guardian(argc - 1, argv + 1);
    fprintf(stderr, "yuma gov: %s%s\n%s", sub ? "unknown subcommand " : "which subcommand?", sub ? sub : "", USAGE);
    return 2;
}
