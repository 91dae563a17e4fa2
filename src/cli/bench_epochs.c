/*
 * bench_epochs.c - `yuma bench chain-epochs`: the cost of blocks in which
 * subnets run their epochs. It builds, through real signed transactions,
 * S subnets of N uids each (one owner, N-1 registrations, V staked
 * validators per subnet weighting every uid), makes every subnet due in the
 * same block (each owner triggers an epoch), and times the blocks that
 * follow: the scheduler runs at most max_epochs_per_block epochs per block
 * and defers the rest, so each of those blocks carries the maximum.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "yuma/chain.h"
#include "yuma/tx.h"

#define TAO YUMA_RAO_PER_TAO

typedef struct {
    unsigned char pk[32], sk[64];
    uint64_t nonce;
} key;

typedef struct {
    yuma_chain *chain;
    uint8_t *buf;           /* encoded transactions of the block being built */
    size_t used, cap;
    yuma_tx_bytes *txs;
    size_t count, txcap;
    yuma_tx *tx;
    yuma_account author;
    size_t failed_calls;
} builder;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static key make_key(uint32_t a, uint32_t b)
{
    key k = {.nonce = 0};
    unsigned char seed[32] = {0};
    memcpy(seed, &a, 4);
    memcpy(seed + 4, &b, 4);
    seed[31] = 0x5e;
    crypto_sign_seed_keypair(k.pk, k.sk, seed);
    return k;
}

static yuma_account acct(const key *k)
{
    yuma_account a;
    memcpy(a.bytes, k->pk, 32);
    return a;
}

static bool add_tx(builder *b, key *signer, const yuma_call *call)
{
    memset(b->tx, 0, sizeof *b->tx);
    b->tx->chain_id = yuma_chain_id(b->chain);
    yuma_chain_genesis_hash(b->chain, b->tx->genesis_hash);
    b->tx->signer = acct(signer);
    b->tx->nonce = signer->nonce++;
    b->tx->call = *call;
    size_t size = yuma_tx_encoded_size(b->tx);
    b->tx->fee = yuma_chain_min_fee(b->chain, size);
    if (!yuma_tx_sign(b->tx, signer->sk)) return false;
    if (b->used + size > b->cap || b->count == b->txcap) return false;
    size_t len = yuma_tx_encode(b->tx, b->buf + b->used, b->cap - b->used);
    b->txs[b->count++] = (yuma_tx_bytes){b->buf + b->used, len};
    b->used += len;
    return true;
}

/* Applies the pending transactions as one pre-verified block; returns ms. */
static double seal(builder *b)
{
    yuma_block blk = {.height = yuma_chain_height(b->chain) + 1, .author = b->author, .tx_count = b->count,
                      .txs = b->txs, .signatures_verified = true};
    yuma_chain_last_hash(b->chain, blk.parent_hash);
    yuma_block_result res;
    double t0 = now_ms();
    yuma_chain_status st = yuma_chain_apply_block(b->chain, &blk, &res);
    double ms = now_ms() - t0;
    if (st != YUMA_CHAIN_OK) {
        fprintf(stderr, "yuma bench: block %llu: %s\n", (unsigned long long)blk.height, yuma_chain_strerror(st));
        exit(1);
    }
    for (size_t i = 0; i < res.tx_count; i++) {
        if (res.call_status[i] == YUMA_CALL_OK) continue;
        if (b->failed_calls++ == 0)
            fprintf(stderr, "yuma bench: block %llu tx %zu: %s\n", (unsigned long long)blk.height, i,
                    yuma_call_strerror(res.call_status[i]));
    }
    free(res.call_status);
    b->used = b->count = 0;
    return ms;
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t v;
    if (!cli_parse_uint(s, lo, hi, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

int cmd_bench_chain_epochs(int argc, char **argv)
{
    uint32_t subnets = 128, uids = 256, validators = 63; /* + the owner: the 64 permits */
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        bool ok = strcmp(argv[i], "--subnets") == 0   ? parse_u32(v, 1, 128, &subnets)
                  : strcmp(argv[i], "--uids") == 0    ? parse_u32(v, 2, 256, &uids)
                  : strcmp(argv[i], "--validators") == 0 ? parse_u32(v, 1, 256, &validators)
                                                         : false;
        if (!ok) {
            fprintf(stderr, "yuma bench chain-epochs: bad option '%s' (usage: yuma bench chain-epochs "
                            "[--subnets S<=128] [--uids N<=256] [--validators V<=N])\n", argv[i]);
            return 2;
        }
        i++;
    }
    if (validators > uids) validators = uids;
    if (sodium_init() < 0) return 1;
    /* Keys: per subnet an owner coldkey, a funder coldkey owning the other
     * hotkeys, and the hotkeys themselves (validator hotkeys hold fees). */
    key *owners = calloc(subnets, sizeof(key)), *funders = calloc(subnets, sizeof(key));
    key *hot = calloc((size_t)subnets * uids, sizeof(key));
    size_t accounts = (size_t)subnets * (2 + validators);
    yuma_genesis_balance *bal = calloc(accounts, sizeof *bal);
    builder b = {.cap = 64u << 20, .txcap = 1u << 16};
    b.buf = malloc(b.cap);
    b.txs = calloc(b.txcap, sizeof(yuma_tx_bytes));
    b.tx = malloc(sizeof(yuma_tx));
    if (!owners || !funders || !hot || !bal || !b.buf || !b.txs || !b.tx) return 1;
    memset(b.author.bytes, 0xAB, 32);
    size_t a = 0;
    for (uint32_t s = 0; s < subnets; s++) {
        owners[s] = make_key(1, s);
        funders[s] = make_key(2, s);
        bal[a++] = (yuma_genesis_balance){acct(&owners[s]), 2000 * TAO};
        bal[a++] = (yuma_genesis_balance){acct(&funders[s]), 30000 * TAO};
        for (uint32_t u = 0; u < uids; u++) hot[(size_t)s * uids + u] = make_key(3 + s, u);
        for (uint32_t v = 1; v <= validators && v < uids; v++)
            bal[a++] = (yuma_genesis_balance){acct(&hot[(size_t)s * uids + v]), TAO};
    }
    yuma_genesis g = {.chain_id = 128, .params = yuma_chain_params_default(), .balance_count = a, .balances = bal};
    /* Let registrations follow each other quickly and cheaply. */
    g.params.network_rate_limit = 1;
    g.params.network_lock_reduction_interval = 1;
    if (yuma_chain_new(&g, &b.chain) != YUMA_CHAIN_OK) return 1;
    double t_setup = now_ms();

    yuma_call call;
    for (uint32_t s = 0; s < subnets; s++) { /* one subnet per two blocks: the lock price falls back */
        memset(&call, 0, sizeof call);
        call.kind = YUMA_CALL_REGISTER_NETWORK;
        call.hotkey = acct(&hot[(size_t)s * uids]);
        add_tx(&b, &owners[s], &call);
        seal(&b);
        seal(&b);
    }
    for (uint32_t s = 0; s < subnets; s++) {
        memset(&call, 0, sizeof call);
        call.kind = YUMA_CALL_START_CALL;
        call.netuid = (uint16_t)(s + 1);
        add_tx(&b, &owners[s], &call);
    }
    seal(&b);
    for (uint32_t s = 0; s < subnets; s++) {
        for (uint32_t u = 1; u < uids; u++) {
            memset(&call, 0, sizeof call);
            call.kind = YUMA_CALL_BURNED_REGISTER;
            call.netuid = (uint16_t)(s + 1);
            call.hotkey = acct(&hot[(size_t)s * uids + u]);
            add_tx(&b, &funders[s], &call);
        }
        seal(&b);
    }
    for (uint32_t s = 0; s < subnets; s++) {
        for (uint32_t v = 1; v <= validators && v < uids; v++) {
            memset(&call, 0, sizeof call);
            call.kind = YUMA_CALL_ADD_STAKE;
            call.netuid = (uint16_t)(s + 1);
            call.hotkey = acct(&hot[(size_t)s * uids + v]);
            call.amount = (10 + v) * TAO;
            add_tx(&b, &funders[s], &call);
        }
        seal(&b);
    }
    /* An epoch everywhere grants the validators their permits. */
    for (uint32_t s = 0; s < subnets; s++) {
        memset(&call, 0, sizeof call);
        call.kind = YUMA_CALL_TRIGGER_EPOCH;
        call.netuid = (uint16_t)(s + 1);
        add_tx(&b, &owners[s], &call);
    }
    seal(&b);
    for (int i = 0; i < 110 + (int)subnets; i++) seal(&b); /* triggers, deferrals, weights rate limit */
    for (uint32_t s = 0; s < subnets; s++) {
        for (uint32_t v = 1; v <= validators && v < uids; v++) {
            memset(&call, 0, sizeof call);
            call.kind = YUMA_CALL_SET_WEIGHTS;
            call.netuid = (uint16_t)(s + 1);
            call.weight_count = uids;
            for (uint32_t u = 0; u < uids; u++) {
                call.uids[u] = (uint16_t)u;
                call.values[u] = (uint16_t)(1 + ((u * 2654435761u + v * 40503u) >> 16) % 65535);
            }
            add_tx(&b, &hot[(size_t)s * uids + v], &call);
        }
        seal(&b);
    }
    for (uint32_t s = 0; s < subnets; s++) {
        memset(&call, 0, sizeof call);
        call.kind = YUMA_CALL_TRIGGER_EPOCH;
        call.netuid = (uint16_t)(s + 1);
        add_tx(&b, &owners[s], &call);
    }
    size_t failed_setup = b.failed_calls;
    seal(&b);
    t_setup = now_ms() - t_setup;
    for (uint64_t i = 0; i < yuma_chain_params_default().admin_freeze_window - 1; i++) seal(&b);
    /* Every subnet is now due: time the blocks that carry their epochs. */
    uint32_t blocks = (subnets + g.params.max_epochs_per_block - 1) / g.params.max_epochs_per_block;
    double *ms = calloc(blocks, sizeof(double)), sum = 0, max = 0, empty = 0;
    for (uint32_t i = 0; i < blocks && ms; i++) {
        ms[i] = seal(&b);
        sum += ms[i];
        if (ms[i] > max) max = ms[i];
    }
    for (int i = 0; i < 20; i++) empty += seal(&b) / 20;
    printf("{\"subnets\":%u,\"uids\":%u,\"validators\":%u,\"max_epochs_per_block\":%u,\"epoch_blocks\":%u,"
           "\"block_ms_mean\":%.2f,\"block_ms_max\":%.2f,\"block_without_epochs_ms\":%.3f,"
           "\"setup_s\":%.1f,\"setup_failed_calls\":%zu}\n",
           subnets, uids, validators, g.params.max_epochs_per_block, blocks, ms ? sum / blocks : 0, max, empty,
           t_setup / 1e3, failed_setup);
    free(ms);
    yuma_chain_free(b.chain);
    free(owners);
    free(funders);
    free(hot);
    free(bal);
    free(b.buf);
    free(b.txs);
    free(b.tx);
    return failed_setup ? 1 : 0;
}
