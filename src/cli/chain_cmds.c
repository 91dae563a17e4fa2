/*
 * chain_cmds.c - the `yuma` commands that talk to a node over JSON-RPC:
 * wallets, transfers, subnets, registration, staking, weights, metagraph,
 * blocks and transactions.
 *
 * Every command prints a readable answer by default and JSON with --json;
 * commands that send a transaction wait until it is included (or fails)
 * unless --no-wait, and explain a failure in one sentence. Secrets never
 * reach the output: passwords come from $YUMA_PASSWORD or the terminal.
 */
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/keys.h"
#include "cli/prompt.h"
#include "yuma/chain.h"
#include "yuma/genesis.h"
#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"
#include "yuma/wallet.h"

typedef struct {
    const char *rpc, *wallet, *hotkey, *wallet_path, *dest, *mnemonic, *uids, *values, *amount;
    const char *param, *value, *dest_hotkey, *take, *ip, *port, *data, *salt, *child, *proportion, *limit;
    long dest_netuid;
    bool partial;
    long netuid;
    long height;
    unsigned words;
    bool json, no_wait, plaintext, on_hotkey;
    const char *positional[4];
    int npos;
} opts;

/* One line on stderr, "yuma: MESSAGE" as a usage error prints it; returns
 * the exit status 1 (a failure at run time). */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vusage_error("yuma", NULL, fmt, ap);
    va_end(ap);
    return 1;
}

/* The same for a command line that cannot be run: exit status 2. */
#define fail_usage(...) cli_usage_error("yuma", NULL, __VA_ARGS__)

static int parse_opts(int argc, char **argv, int first, opts *o)
{
    memset(o, 0, sizeof *o);
    o->netuid = -1;
    o->dest_netuid = -1;
    o->height = -1;
    o->words = 12;
    o->rpc = getenv("YUMA_RPC") ? getenv("YUMA_RPC") : "http://127.0.0.1:9944/";
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) { o->json = true; continue; }
        if (strcmp(a, "--no-wait") == 0) { o->no_wait = true; continue; }
        if (strcmp(a, "--plaintext") == 0) { o->plaintext = true; continue; }
        if (strcmp(a, "--partial") == 0) { o->partial = true; continue; }
        if (a[0] != '-') {
            if (o->npos < 4) o->positional[o->npos++] = a;
            continue;
        }
        if (!v) return fail_usage("option %s needs a value", a);
        uint64_t x;
        if (strcmp(a, "--rpc") == 0) o->rpc = v;
        else if (strcmp(a, "--wallet") == 0) o->wallet = v;
        else if (strcmp(a, "--hotkey") == 0) o->hotkey = v;
        else if (strcmp(a, "--wallet-path") == 0) o->wallet_path = v;
        else if (strcmp(a, "--dest") == 0) o->dest = v;
        else if (strcmp(a, "--mnemonic") == 0) o->mnemonic = v;
        else if (strcmp(a, "--uids") == 0) o->uids = v;
        else if (strcmp(a, "--values") == 0) o->values = v;
        else if (strcmp(a, "--amount") == 0) o->amount = v;
        else if (strcmp(a, "--param") == 0) o->param = v;
        else if (strcmp(a, "--value") == 0) o->value = v;
        else if (strcmp(a, "--dest-hotkey") == 0) o->dest_hotkey = v;
        else if (strcmp(a, "--take") == 0) o->take = v;
        else if (strcmp(a, "--ip") == 0) o->ip = v;
        else if (strcmp(a, "--port") == 0) o->port = v;
        else if (strcmp(a, "--data") == 0) o->data = v;
        else if (strcmp(a, "--salt") == 0) o->salt = v;
        else if (strcmp(a, "--child") == 0) o->child = v;
        else if (strcmp(a, "--proportion") == 0) o->proportion = v;
        else if (strcmp(a, "--limit-price") == 0) o->limit = v;
        else if (strcmp(a, "--dest-netuid") == 0) {
            if (!cli_parse_uint(v, 0, 65535, &x)) return fail_usage("--dest-netuid must be 0..65535, not %s", v);
            o->dest_netuid = (long)x;
        }
        else if (strcmp(a, "--netuid") == 0) {
            if (!cli_parse_uint(v, 0, 65535, &x)) return fail_usage("--netuid must be 0..65535, not %s", v);
            o->netuid = (long)x;
        } else if (strcmp(a, "--words") == 0) {
            if (!cli_parse_uint(v, 12, 24, &x) || (x != 12 && x != 24)) return fail_usage("--words must be 12 or 24");
            o->words = (unsigned)x;
        } else {
            return fail_usage("unknown option %s (try 'yuma help')", a);
        }
        i++;
    }
    return 0;
}

static bool open_wallets(const opts *o, yuma_wallets *w)
{
    return cli_open_wallets(o->wallet_path, w);
}

/* ---- wallet commands ---- */

static int wallet_cmd(const opts *o)
{
    const char *sub = o->npos ? o->positional[0] : "";
    yuma_wallets w;
    if (!open_wallets(o, &w)) return 1;
    if (strcmp(sub, "list") == 0) {
        yuma_wallet_names names;
        if (yuma_wallet_list(&w, &names) != YUMA_WALLET_OK) return fail("%s", yuma_wallets_error(&w));
        for (size_t i = 0; i < names.count; i++) {
            char addr[YUMA_SS58_MAX] = "";
            yuma_wallet_pubkey(&w, names.names[i], NULL, NULL, addr);
            printf("%-24s %s\n", names.names[i], addr);
        }
        yuma_wallet_names_free(&names);
        return 0;
    }
    if (!o->wallet) return fail("--wallet NAME is required");
    if (strcmp(sub, "create") == 0 || strcmp(sub, "regen") == 0 || strcmp(sub, "dev") == 0) {
        char password[256] = "";
        bool plain = o->hotkey && o->plaintext;
        if (!plain && !cli_read_password("password for the new key: ", password, sizeof password))
            return fail("a password is needed: set YUMA_PASSWORD or run in a terminal");
        char mnemonic[YUMA_MNEMONIC_MAX] = "";
        yuma_pubkey pub;
        yuma_wallet_err e;
        unsigned flags = plain ? YUMA_WALLET_PLAINTEXT : 0;
        char dev[YUMA_MNEMONIC_MAX];
        if (strcmp(sub, "dev") == 0) {
            /* A devnet's well-known key of this name (public knowledge). */
            yuma_dev_mnemonic(o->hotkey ? o->hotkey : o->wallet, dev);
            e = yuma_wallet_regen_key(&w, o->wallet, o->hotkey, dev, NULL, plain ? NULL : password, flags, &pub);
        } else if (strcmp(sub, "create") == 0)
            e = yuma_wallet_create_key(&w, o->wallet, o->hotkey, o->words, plain ? NULL : password, flags, mnemonic, &pub);
        else if (!o->mnemonic)
            return fail("--mnemonic \"words ...\" is required to regenerate a key");
        else
            e = yuma_wallet_regen_key(&w, o->wallet, o->hotkey, o->mnemonic, NULL, plain ? NULL : password, flags, &pub);
        memset(password, 0, sizeof password);
        if (e != YUMA_WALLET_OK) return fail("%s", yuma_wallets_error(&w));
        char addr[YUMA_SS58_MAX];
        yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, addr);
        printf("%s %s: %s\n", o->hotkey ? "hotkey" : "coldkey", o->hotkey ? o->hotkey : o->wallet, addr);
        if (mnemonic[0]) {
            /* Shown once, to the terminal only: the only copy of the secret. */
            fprintf(stderr, "mnemonic (write it down; it is the only way to recover this key):\n  %s\n", mnemonic);
            memset(mnemonic, 0, sizeof mnemonic);
        }
        return 0;
    }
    if (strcmp(sub, "show") == 0) {
        char addr[YUMA_SS58_MAX];
        if (yuma_wallet_pubkey(&w, o->wallet, o->hotkey, NULL, addr) != YUMA_WALLET_OK)
            return fail("%s", yuma_wallets_error(&w));
        printf("%s\n", addr);
        return 0;
    }
    return fail("usage: yuma wallet create|regen|dev|list|show --wallet NAME [--hotkey NAME]");
}

/* ---- talking to the node ---- */

static yuma_rpc_client *client(const opts *o)
{
    yuma_rpc_client_config cfg = {.url = o->rpc, .timeout_ms = 30000};
    return yuma_rpc_client_new(&cfg);
}

static bool parse_address(const char *s, yuma_account *out)
{
    yuma_pubkey pub;
    uint16_t prefix;
    char why[128];
    if (yuma_ss58_decode(s, &pub, &prefix, why, sizeof why) != YUMA_KEYS_OK || prefix != YUMA_SS58_PREFIX) {
        fprintf(stderr, "yuma: %s is not a yuma address\n", s);
        return false;
    }
    memcpy(out->bytes, pub.bytes, 32);
    return true;
}

/* Loads the signing key: the coldkey, or the hotkey for hotkey calls. */
static bool load_signer(const opts *o, bool hotkey, yuma_keypair *kp)
{
    yuma_wallets w;
    if (!open_wallets(o, &w)) return false;
    if (!o->wallet || (hotkey && !o->hotkey)) {
        fail("--wallet NAME%s is required", hotkey ? " and --hotkey NAME" : "");
        return false;
    }
    char prompt[128];
    snprintf(prompt, sizeof prompt, "password for %s: ", hotkey ? o->hotkey : o->wallet);
    return cli_load_key(&w, o->wallet, hotkey ? o->hotkey : NULL, prompt, kp);
}

/* Signs and submits a call with the wallet's key, then waits for it. */
static int send_call(const opts *o, bool hotkey, const yuma_call *c)
{
    yuma_keypair kp;
    if (!load_signer(o, hotkey, &kp)) return 1;
    yuma_rpc_client *rc = client(o);
    int status = rc ? cli_send(rc, &kp, c, (o->no_wait ? CLI_NO_WAIT : 0) | (o->json ? CLI_JSON : 0)) : 1;
    yuma_keypair_wipe(&kp);
    yuma_rpc_client_free(rc);
    return status;
}

static bool need_netuid(const opts *o)
{
    if (o->netuid < 0) fail("--netuid N is required");
    return o->netuid >= 0;
}

static bool hotkey_address(const opts *o, yuma_account *out)
{
    yuma_wallets w;
    if (!open_wallets(o, &w)) return false;
    if (!o->wallet || !o->hotkey) return fail("--wallet NAME and --hotkey NAME are required"), false;
    yuma_pubkey pub;
    if (yuma_wallet_pubkey(&w, o->wallet, o->hotkey, &pub, NULL) != YUMA_WALLET_OK)
        return fail("%s", yuma_wallets_error(&w)), false;
    memcpy(out->bytes, pub.bytes, 32);
    return true;
}

/* Parses "1,2,3" into u16s. */
static uint32_t parse_list(const char *s, uint16_t *out, uint32_t cap)
{
    uint32_t n = 0;
    while (s && *s && n < cap) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || v > 65535) return UINT32_MAX;
        out[n++] = (uint16_t)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return UINT32_MAX;
    }
    return n;
}

static int print_json(json_t *r)
{
    if (!r) return 1;
    char *text = json_dumps(r, JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    json_decref(r);
    return 0;
}

static int query(const opts *o, const char *method, json_t *params)
{
    yuma_rpc_client *rc = client(o);
    if (!rc) return 1;
    json_t *r = cli_call(rc, method, params);
    yuma_rpc_client_free(rc);
    return print_json(r);
}

/* A read about a subnet (netuid >= 0) or an account, then the notice
 * lines of any open governance proposal that concerns it (§5.2; on
 * stderr, so stdout stays one JSON document). */
static int query_with_notices(const opts *o, const char *method, json_t *params, long netuid, const char *address)
{
    yuma_rpc_client *rc = client(o);
    if (!rc) return 1;
    int st = print_json(cli_call(rc, method, params));
    if (st == 0) cli_gov_notice_lines(rc, netuid, address);
    yuma_rpc_client_free(rc);
    return st;
}

static int metagraph_cmd(const opts *o)
{
    if (!need_netuid(o)) return 2;
    yuma_rpc_client *rc = client(o);
    json_t *r = rc ? cli_call(rc, "metagraph_get", json_pack("{s:i}", "netuid", (int)o->netuid)) : NULL;
    yuma_rpc_client_free(rc);
    if (!r) return 1;
    if (o->json) return print_json(r);
    printf("subnet %d at block %lld\n", (int)o->netuid, (long long)json_integer_value(json_object_get(r, "block")));
    printf("%4s  %-48s %18s %7s %7s %7s %7s %s\n", "uid", "hotkey", "stake (TAO)", "cons", "incent", "divs", "vtrust",
           "permit");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(r, "uids"), i, u) {
        printf("%4lld  %-48s ", (long long)json_integer_value(json_object_get(u, "uid")),
               json_string_value(json_object_get(u, "hotkey")));
        uint64_t stake = (uint64_t)json_integer_value(json_object_get(u, "stake"));
        printf("%8llu.%09llu", (unsigned long long)(stake / YUMA_RAO_PER_TAO), (unsigned long long)(stake % YUMA_RAO_PER_TAO));
        const char *f[] = {"consensus", "incentive", "dividends", "validator_trust"};
        for (int k = 0; k < 4; k++) {
            long long v = json_integer_value(json_object_get(u, f[k]));
            printf(" %2lld.%04lld", v * 10000 / 65535 / 10000, v * 10000 / 65535 % 10000);
        }
        printf(" %s\n", json_is_true(json_object_get(u, "validator_permit")) ? "yes" : "no");
    }
    json_decref(r);
    return 0;
}

/* Owner hyperparameter ids (docs/CHAIN.md): names as the CLI takes them. */
static const char *const HYPERPARAMS[] = {
    NULL, "tempo", "activity_cutoff_factor_milli", "immunity_period", "min_allowed_weights", "max_allowed_uids",
    "weights_version_key", "weights_rate_limit", "min_burn", "max_burn", "burn_half_life",
    "burn_increase_mult_milli", "bonds_moving_average", "bonds_penalty", "bonds_reset", "commit_reveal",
    "reveal_period_epochs", "liquid_alpha", "alpha_values", "alpha_sigmoid_steepness", "yuma3",
    "serving_rate_limit", "kappa", "max_allowed_validators",
};

/* stake move|transfer|swap: the origin is --netuid and --hotkey. */
static int stake_move(const opts *o, const char *sub, yuma_call *c)
{
    if (!need_netuid(o) || !hotkey_address(o, &c->hotkey)) return 2;
    c->netuid = (uint16_t)o->netuid;
    c->dest_netuid = (uint16_t)(o->dest_netuid >= 0 ? o->dest_netuid : o->netuid);
    if (!cli_parse_amount(o->amount, &c->amount)) return fail("--amount (alpha) is required");
    if (o->limit && !cli_parse_amount(o->limit, &c->limit_price)) return fail("--limit-price must be a TAO price");
    c->allow_partial = o->partial;
    if (strcmp(sub, "move") == 0) {
        c->kind = YUMA_CALL_MOVE_STAKE;
        if (!o->dest_hotkey) return fail("--dest-hotkey ADDRESS is required");
        if (!parse_address(o->dest_hotkey, &c->dest_hotkey)) return 1;
    } else if (strcmp(sub, "transfer") == 0) {
        c->kind = YUMA_CALL_TRANSFER_STAKE;
        if (!o->dest) return fail("--dest COLDKEY-ADDRESS is required");
        if (!parse_address(o->dest, &c->dest)) return 1;
    } else {
        c->kind = YUMA_CALL_SWAP_STAKE;
        if (o->dest_netuid < 0) return fail("--dest-netuid N is required");
    }
    return send_call(o, false, c);
}

int cmd_chain(int argc, char **argv)
{
    const char *cmd = argv[0];
    opts o;
    int rc = parse_opts(argc, argv, 1, &o);
    if (rc) return rc;
    yuma_call c;
    memset(&c, 0, sizeof c);
    const char *sub = o.npos ? o.positional[0] : "";
    if (strcmp(cmd, "wallet") == 0) return wallet_cmd(&o);
    if (strcmp(cmd, "metagraph") == 0) return metagraph_cmd(&o);
    if (strcmp(cmd, "block") == 0) {
        if (!o.npos) return query(&o, "chain_head", NULL);
        uint64_t height;
        if (!cli_parse_uint(sub, 0, (uint64_t)INT64_MAX, &height))
            return fail_usage("the block height must be 0, 1, 2, ..., not %s", sub);
        return query(&o, "chain_getBlock", json_pack("{s:I}", "height", (json_int_t)height));
    }
    if (strcmp(cmd, "tx") == 0) {
        if (!o.npos) return fail("usage: yuma tx ID");
        return query(&o, "tx_status", json_pack("{s:s}", "id", sub));
    }
    if (strcmp(cmd, "balance") == 0) {
        yuma_account a;
        if (!o.npos) return fail("usage: yuma balance ADDRESS");
        if (!parse_address(sub, &a)) return 1;
        return query_with_notices(&o, "account_get", json_pack("{s:s}", "address", sub), -1, sub);
    }
    if (strcmp(cmd, "transfer") == 0) {
        c.kind = YUMA_CALL_TRANSFER;
        if (!o.dest) return fail("--dest ADDRESS is required");
        if (!parse_address(o.dest, &c.dest)) return 1;
        if (!cli_parse_amount(o.amount, &c.amount)) return fail("--amount TAO (e.g. 1.5) is required");
        return send_call(&o, false, &c);
    }
    if (strcmp(cmd, "subnet") == 0) {
        if (strcmp(sub, "list") == 0) return query(&o, "subnet_list", NULL);
        if (strcmp(sub, "show") == 0)
            return need_netuid(&o) ? query_with_notices(&o, "subnet_get", json_pack("{s:i}", "netuid", (int)o.netuid),
                                                        o.netuid, NULL)
                                   : 2;
        if (strcmp(sub, "hyperparameters") == 0)
            return need_netuid(&o) ? query(&o, "subnet_get", json_pack("{s:i}", "netuid", (int)o.netuid)) : 2;
        if (strcmp(sub, "create") == 0) {
            c.kind = YUMA_CALL_REGISTER_NETWORK;
            if (!hotkey_address(&o, &c.hotkey)) return 1;
            return send_call(&o, false, &c);
        }
        if (strcmp(sub, "start") == 0) {
            c.kind = YUMA_CALL_START_CALL;
            if (!need_netuid(&o)) return 2;
            c.netuid = (uint16_t)o.netuid;
            return send_call(&o, false, &c);
        }
        if (strcmp(sub, "set") == 0) {
            c.kind = YUMA_CALL_SET_HYPERPARAMETER;
            if (!need_netuid(&o)) return 2;
            c.netuid = (uint16_t)o.netuid;
            for (uint16_t k = 1; k < sizeof HYPERPARAMS / sizeof HYPERPARAMS[0]; k++)
                if (o.param && strcmp(o.param, HYPERPARAMS[k]) == 0) c.param = k;
            if (!c.param) return fail("--param NAME: one of the names in docs/CHAIN.md (e.g. tempo)");
            if (!cli_parse_uint(o.value, 0, UINT64_MAX, &c.value)) return fail("--value must be a non-negative integer");
            return send_call(&o, false, &c);
        }
        if (strcmp(sub, "trigger-epoch") == 0) {
            c.kind = YUMA_CALL_TRIGGER_EPOCH;
            if (!need_netuid(&o)) return 2;
            c.netuid = (uint16_t)o.netuid;
            return send_call(&o, false, &c);
        }
        return fail("usage: yuma subnet list|show|hyperparameters|create|start|set|trigger-epoch ...");
    }
    if (strcmp(cmd, "register") == 0) {
        c.kind = YUMA_CALL_BURNED_REGISTER;
        if (!need_netuid(&o) || !hotkey_address(&o, &c.hotkey)) return 2;
        c.netuid = (uint16_t)o.netuid;
        return send_call(&o, false, &c);
    }
    if (strcmp(cmd, "stake") == 0) {
        if (strcmp(sub, "move") == 0 || strcmp(sub, "transfer") == 0 || strcmp(sub, "swap") == 0)
            return stake_move(&o, sub, &c);
        if (strcmp(sub, "list") == 0) {
            yuma_account hk;
            yuma_wallets w;
            char addr[YUMA_SS58_MAX];
            if (!need_netuid(&o) || !hotkey_address(&o, &hk) || !open_wallets(&o, &w) ||
                yuma_wallet_pubkey(&w, o.wallet, NULL, NULL, addr) != YUMA_WALLET_OK)
                return 2;
            char hk_addr[YUMA_SS58_MAX];
            yuma_pubkey pub;
            memcpy(pub.bytes, hk.bytes, 32);
            yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, hk_addr);
            return query_with_notices(&o, "stake_get",
                                      json_pack("{s:s, s:s, s:i}", "hotkey", hk_addr, "coldkey", addr, "netuid", (int)o.netuid),
                                      o.netuid, NULL);
        }
        bool add = strcmp(sub, "add") == 0;
        if (!add && strcmp(sub, "remove") != 0)
            return fail("usage: yuma stake add|remove|move|transfer|swap|list --wallet W --hotkey H --netuid N --amount X");
        if (o.limit && !cli_parse_amount(o.limit, &c.limit_price)) return fail("--limit-price must be a TAO price");
        c.allow_partial = o.partial;
        c.kind = add ? YUMA_CALL_ADD_STAKE : YUMA_CALL_REMOVE_STAKE;
        if (!need_netuid(&o) || !hotkey_address(&o, &c.hotkey)) return 2;
        if (!cli_parse_amount(o.amount, &c.amount)) return fail("--amount is required (TAO to stake, or alpha to unstake)");
        c.netuid = (uint16_t)o.netuid;
        return send_call(&o, false, &c);
    }
    if (strcmp(cmd, "weights") == 0 && strcmp(sub, "reveal") == 0) {
        c.kind = YUMA_CALL_REVEAL_WEIGHTS;
        if (!need_netuid(&o)) return 2;
        c.netuid = (uint16_t)o.netuid;
        uint32_t nu = parse_list(o.uids, c.uids, YUMA_TX_MAX_WEIGHTS), nv = parse_list(o.values, c.values, YUMA_TX_MAX_WEIGHTS);
        uint32_t ns = parse_list(o.salt, c.salt, YUMA_TX_MAX_WEIGHTS);
        if (nu == UINT32_MAX || nv == UINT32_MAX || ns == UINT32_MAX || nu != nv || nu == 0 || ns == 0)
            return fail("--uids, --values (same length) and --salt must be comma-separated u16 lists");
        c.weight_count = nu;
        c.salt_count = ns;
        return send_call(&o, true, &c);
    }
    if (strcmp(cmd, "weights") == 0 && strcmp(sub, "commit") == 0) {
        c.kind = YUMA_CALL_COMMIT_WEIGHTS;
        if (!need_netuid(&o)) return 2;
        c.netuid = (uint16_t)o.netuid;
        unsigned v;
        for (int i = 0; i < 32; i++) {
            if (!o.data || strlen(o.data) != 64 || sscanf(o.data + 2 * i, "%2x", &v) != 1)
                return fail("--data HASH: the 32-byte commit hash in hex (docs/TRANSACTIONS.md, commit-reveal hash)");
            c.commit_hash[i] = (uint8_t)v;
        }
        return send_call(&o, true, &c);
    }
    if (strcmp(cmd, "serve") == 0) {
        c.kind = YUMA_CALL_SERVE_AXON;
        if (!need_netuid(&o)) return 2;
        c.netuid = (uint16_t)o.netuid;
        unsigned a, b, cc, d;
        uint64_t port;
        if (!o.ip || sscanf(o.ip, "%u.%u.%u.%u", &a, &b, &cc, &d) != 4 || a > 255 || b > 255 || cc > 255 || d > 255)
            return fail("--ip must be an IPv4 address");
        if (!cli_parse_uint(o.port, 1, 65535, &port)) return fail("--port must be 1..65535");
        c.axon_ip[10] = c.axon_ip[11] = 0xff; /* IPv4-mapped */
        c.axon_ip[12] = (uint8_t)a, c.axon_ip[13] = (uint8_t)b, c.axon_ip[14] = (uint8_t)cc, c.axon_ip[15] = (uint8_t)d;
        c.axon_port = (uint16_t)port;
        c.axon_version = 1;
        return send_call(&o, true, &c);
    }
    if (strcmp(cmd, "commit") == 0) {
        c.kind = YUMA_CALL_SET_COMMITMENT;
        if (!need_netuid(&o)) return 2;
        c.netuid = (uint16_t)o.netuid;
        size_t len = o.data ? strlen(o.data) : 0;
        if (len == 0 || len > YUMA_TX_MAX_COMMITMENT) return fail("--data TEXT of 1..128 bytes is required");
        memcpy(c.data, o.data, len);
        c.data_len = (uint32_t)len;
        return send_call(&o, true, &c);
    }
    if (strcmp(cmd, "delegate") == 0 && strcmp(sub, "take") == 0) {
        uint64_t take;
        if (!hotkey_address(&o, &c.hotkey)) return 2;
        if (!cli_parse_uint(o.take, 0, 65535, &take)) return fail("--take must be 0..65535 (of 65535)");
        c.take = (uint16_t)take;
        c.kind = o.npos > 1 && strcmp(o.positional[1], "increase") == 0 ? YUMA_CALL_INCREASE_TAKE : YUMA_CALL_DECREASE_TAKE;
        return send_call(&o, false, &c);
    }
    if (strcmp(cmd, "children") == 0 && strcmp(sub, "set") == 0) {
        c.kind = YUMA_CALL_SET_CHILDREN;
        if (!need_netuid(&o) || !hotkey_address(&o, &c.hotkey)) return 2;
        c.netuid = (uint16_t)o.netuid;
        if (o.child) {
            uint64_t prop;
            if (!parse_address(o.child, &c.children[0].child)) return 2;
            if (!cli_parse_uint(o.proportion, 0, UINT64_MAX, &prop)) return fail("--proportion must be a u64 proportion of 2^64-1");
            c.children[0].proportion = prop;
            c.child_count = 1;
        }
        return send_call(&o, false, &c);
    }
    if (strcmp(cmd, "weights") == 0) {
        if (strcmp(sub, "set") != 0) return fail("usage: yuma weights set --wallet W --hotkey H --netuid N --uids 1,2 --values 10,20");
        c.kind = YUMA_CALL_SET_WEIGHTS;
        if (!need_netuid(&o)) return 2;
        c.netuid = (uint16_t)o.netuid;
        uint32_t nu = parse_list(o.uids, c.uids, YUMA_TX_MAX_WEIGHTS), nv = parse_list(o.values, c.values, YUMA_TX_MAX_WEIGHTS);
        if (nu == UINT32_MAX || nv == UINT32_MAX || nu != nv || nu == 0)
            return fail("--uids and --values must be comma-separated u16 lists of the same length");
        c.weight_count = nu;
        return send_call(&o, true, &c);
    }
    return fail("unknown command '%s' (try 'yuma help')", cmd);
}
