/*
 * test_tx.c - the transaction codec (include/yuma/tx.h) against the layout
 * of docs/TRANSACTIONS.md: a fixed signed transfer vector, every call's
 * bytes rebuilt here by hand from the documented tables, seeded round trips
 * of every call, each decoding and encoding error with its message,
 * signatures (any changed byte or field fails), and a mutation test
 * (flipped, truncated, extended, spliced encodings never decode into a
 * transaction whose signature verifies).
 *
 * The expected bytes are written by this file's own little writer, not by
 * the library, so a layout mistake in src/chain/tx.c cannot hide behind
 * itself. Decoding is always done from a heap buffer of exactly the
 * input's length, so an out-of-bounds read is an ASan failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "yuma/tx.h"

#define HEADER 90 /* version 1, chain id 8, genesis 32, signer 32, nonce 8, fee 8, kind 1 */
#define SIG 64

/* ---- helpers ---- */

/* splitmix64: deterministic, seeded per test. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rnd_bytes(uint64_t *s, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd(s);
}

/* A count for an array of at most max: the edges 0, 1 and max are common. */
static uint32_t rnd_count(uint64_t *s, uint32_t max)
{
    switch (rnd(s) % 8) {
    case 0: return 0;
    case 1: return 1;
    case 2: return max;
    default: return (uint32_t)(rnd(s) % (max + 1));
    }
}

static yuma_tx *new_tx(void)
{
    yuma_tx *tx = calloc(1, sizeof *tx);
    assert_non_null(tx);
    return tx;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

typedef struct {
    uint8_t pk[32];
    uint8_t sk[64];
} keypair;

/* Seed bytes first, first + 1, ...: the fixed vector uses first = 0. */
static keypair key_from_seed(uint8_t first)
{
    keypair k;
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(first + i);
    assert_int_equal(crypto_sign_seed_keypair(k.pk, k.sk, seed), 0);
    return k;
}

/* Decodes from a heap copy of exactly len bytes (see the file comment). */
static yuma_tx_status decode_exact(const uint8_t *in, size_t len, yuma_tx *tx, size_t *plen)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len) memcpy(copy, in, len);
    yuma_tx_status s = yuma_tx_decode(copy, len, tx, plen);
    free(copy);
    return s;
}

/* ---- the documented layout, written independently of the encoder ---- */

typedef struct {
    uint8_t b[YUMA_TX_MAX_ENCODED];
    size_t n;
} tbuf;

static void w_bytes(tbuf *t, const void *p, size_t n)
{
    assert_true(t->n + n <= sizeof t->b);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void w_le(tbuf *t, uint64_t v, int width)
{
    for (int i = 0; i < width; i++) t->b[t->n++] = (uint8_t)(v >> (8 * i));
}

static void w_acct(tbuf *t, const yuma_account *a)
{
    w_bytes(t, a->bytes, 32);
}

static void w_u16s(tbuf *t, const uint16_t *v, uint32_t n)
{
    w_le(t, n, 2);
    for (uint32_t i = 0; i < n; i++) w_le(t, v[i], 2);
}

/* One row per call of the byte tables in docs/TRANSACTIONS.md. */
static void doc_call(tbuf *t, const yuma_call *c)
{
    switch (c->kind) {
    case YUMA_CALL_TRANSFER:
        w_acct(t, &c->dest); w_le(t, c->amount, 8);
        break;
    case YUMA_CALL_REGISTER_NETWORK:
    case YUMA_CALL_ROOT_REGISTER:
        w_acct(t, &c->hotkey);
        break;
    case YUMA_CALL_START_CALL:
    case YUMA_CALL_TRIGGER_EPOCH:
        w_le(t, c->netuid, 2);
        break;
    case YUMA_CALL_BURNED_REGISTER:
        w_le(t, c->netuid, 2); w_acct(t, &c->hotkey);
        break;
    case YUMA_CALL_SERVE_AXON:
        w_le(t, c->netuid, 2); w_le(t, c->axon_version, 4); w_bytes(t, c->axon_ip, 16);
        w_le(t, c->axon_port, 2); w_le(t, c->axon_protocol, 1);
        break;
    case YUMA_CALL_SET_COMMITMENT:
        w_le(t, c->netuid, 2); w_le(t, c->data_len, 2); w_bytes(t, c->data, c->data_len);
        break;
    case YUMA_CALL_SET_WEIGHTS:
        w_le(t, c->netuid, 2); w_u16s(t, c->uids, c->weight_count);
        w_u16s(t, c->values, c->weight_count); w_le(t, c->version_key, 8);
        break;
    case YUMA_CALL_COMMIT_WEIGHTS:
        w_le(t, c->netuid, 2); w_bytes(t, c->commit_hash, 32);
        break;
    case YUMA_CALL_REVEAL_WEIGHTS:
        w_le(t, c->netuid, 2); w_u16s(t, c->uids, c->weight_count);
        w_u16s(t, c->values, c->weight_count); w_u16s(t, c->salt, c->salt_count);
        w_le(t, c->version_key, 8);
        break;
    case YUMA_CALL_ADD_STAKE:
    case YUMA_CALL_REMOVE_STAKE:
        w_acct(t, &c->hotkey); w_le(t, c->netuid, 2); w_le(t, c->amount, 8);
        w_le(t, c->limit_price, 8); w_le(t, c->allow_partial, 1);
        break;
    case YUMA_CALL_MOVE_STAKE:
        w_acct(t, &c->hotkey); w_acct(t, &c->dest_hotkey); w_le(t, c->netuid, 2);
        w_le(t, c->dest_netuid, 2); w_le(t, c->amount, 8); w_le(t, c->limit_price, 8);
        w_le(t, c->allow_partial, 1);
        break;
    case YUMA_CALL_TRANSFER_STAKE:
        w_acct(t, &c->dest); w_acct(t, &c->hotkey); w_le(t, c->netuid, 2);
        w_le(t, c->dest_netuid, 2); w_le(t, c->amount, 8); w_le(t, c->limit_price, 8);
        w_le(t, c->allow_partial, 1);
        break;
    case YUMA_CALL_SWAP_STAKE:
        w_acct(t, &c->hotkey); w_le(t, c->netuid, 2); w_le(t, c->dest_netuid, 2);
        w_le(t, c->amount, 8); w_le(t, c->limit_price, 8); w_le(t, c->allow_partial, 1);
        break;
    case YUMA_CALL_DECREASE_TAKE:
    case YUMA_CALL_INCREASE_TAKE:
        w_acct(t, &c->hotkey); w_le(t, c->take, 2);
        break;
    case YUMA_CALL_SET_CHILDREN:
        w_acct(t, &c->hotkey); w_le(t, c->netuid, 2); w_le(t, c->child_count, 2);
        for (uint32_t i = 0; i < c->child_count; i++) {
            w_le(t, c->children[i].proportion, 8);
            w_acct(t, &c->children[i].child);
        }
        break;
    case YUMA_CALL_SET_CHILDKEY_TAKE:
        w_acct(t, &c->hotkey); w_le(t, c->netuid, 2); w_le(t, c->take, 2);
        break;
    case YUMA_CALL_SET_HYPERPARAMETER:
        w_le(t, c->netuid, 2); w_le(t, c->param, 2); w_le(t, c->value, 8);
        break;
    case YUMA_CALL_GOV_PROPOSE:
        w_le(t, c->netuid, 2); w_bytes(t, c->doc_hash, 32); w_le(t, c->amount, 8);
        w_le(t, c->action_count, 2);
        for (uint32_t i = 0; i < c->action_count; i++) {
            w_le(t, c->actions[i].kind, 2); w_le(t, c->actions[i].param, 2);
            w_le(t, c->actions[i].value, 8); w_acct(t, &c->actions[i].account);
        }
        break;
    case YUMA_CALL_GOV_TOPUP:
        w_le(t, c->proposal_id, 8); w_le(t, c->amount, 8);
        break;
    case YUMA_CALL_GOV_RESPOND:
        w_le(t, c->proposal_id, 8); w_bytes(t, c->doc_hash, 32);
        break;
    case YUMA_CALL_GOV_VOTE:
        w_le(t, c->proposal_id, 8); w_le(t, c->choice, 1); w_le(t, c->conviction, 1);
        break;
    case YUMA_CALL_GOV_APPEAL:
    case YUMA_CALL_GOV_WITHDRAW:
        w_le(t, c->proposal_id, 8);
        break;
    case YUMA_CALL_GOV_ESCROW:
        w_le(t, c->proposal_id, 8); w_acct(t, &c->hotkey); w_le(t, c->amount, 8); w_le(t, c->choice, 1);
        break;
    case YUMA_CALL_GOV_OWNER_TRANSFER:
        w_le(t, c->netuid, 2); w_acct(t, &c->dest); w_acct(t, &c->hotkey);
        break;
    case YUMA_CALL_GUARDIAN_PROPOSE:
        w_le(t, c->choice, 1); w_le(t, c->netuid, 2); w_le(t, c->value, 8); w_bytes(t, c->doc_hash, 32);
        break;
    case YUMA_CALL_GUARDIAN_APPROVE:
        w_le(t, c->proposal_id, 8);
        break;
    case YUMA_CALL_GUARDIAN_RATIONALE:
        w_le(t, c->proposal_id, 8); w_bytes(t, c->doc_hash, 32);
        break;
    case YUMA_CALL_GOV_DELEGATE:
        w_le(t, c->choice, 1); w_acct(t, &c->dest); w_le(t, c->conviction, 1);
        break;
    default:
        fail_msg("no documented layout for kind %d", (int)c->kind);
    }
}

static void doc_tx(tbuf *t, const yuma_tx *tx, bool with_signature)
{
    t->n = 0;
    w_le(t, 1, 1);
    w_le(t, tx->chain_id, 8);
    w_bytes(t, tx->genesis_hash, 32);
    w_acct(t, &tx->signer);
    w_le(t, tx->nonce, 8);
    w_le(t, tx->fee, 8);
    w_le(t, (uint64_t)tx->call.kind, 1);
    doc_call(t, &tx->call);
    if (with_signature) w_bytes(t, tx->signature, SIG);
}

/* ---- random transactions ---- */

/* Fills every field of the call, used or not. */
static void rnd_call_all_fields(uint64_t *s, yuma_call *c, yuma_call_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    rnd_bytes(s, c->dest.bytes, 32);
    rnd_bytes(s, c->hotkey.bytes, 32);
    rnd_bytes(s, c->dest_hotkey.bytes, 32);
    c->netuid = (uint16_t)rnd(s);
    c->dest_netuid = (uint16_t)rnd(s);
    c->amount = rnd(s);
    c->limit_price = rnd(s);
    c->allow_partial = rnd(s) & 1;
    c->take = (uint16_t)rnd(s);
    c->version_key = rnd(s);
    c->weight_count = rnd_count(s, YUMA_TX_MAX_WEIGHTS);
    for (uint32_t i = 0; i < c->weight_count; i++) {
        c->uids[i] = (uint16_t)rnd(s);
        c->values[i] = (uint16_t)rnd(s);
    }
    c->salt_count = rnd_count(s, YUMA_TX_MAX_WEIGHTS);
    for (uint32_t i = 0; i < c->salt_count; i++) c->salt[i] = (uint16_t)rnd(s);
    rnd_bytes(s, c->commit_hash, 32);
    c->child_count = rnd_count(s, YUMA_TX_MAX_CHILDREN);
    for (uint32_t i = 0; i < c->child_count; i++) {
        c->children[i].proportion = rnd(s);
        rnd_bytes(s, c->children[i].child.bytes, 32);
    }
    c->data_len = rnd_count(s, YUMA_TX_MAX_COMMITMENT);
    rnd_bytes(s, c->data, c->data_len);
    c->axon_version = (uint32_t)rnd(s);
    rnd_bytes(s, c->axon_ip, 16);
    c->axon_port = (uint16_t)rnd(s);
    c->axon_protocol = (uint8_t)rnd(s);
    c->param = (uint16_t)rnd(s);
    c->value = rnd(s);
    c->proposal_id = rnd(s);
    rnd_bytes(s, c->doc_hash, 32);
    c->choice = (uint8_t)rnd(s);
    c->conviction = (uint8_t)rnd(s);
    c->action_count = rnd_count(s, YUMA_TX_MAX_GOV_ACTIONS);
    for (uint32_t i = 0; i < c->action_count; i++) {
        c->actions[i].kind = (uint16_t)rnd(s);
        c->actions[i].param = (uint16_t)rnd(s);
        c->actions[i].value = rnd(s);
        rnd_bytes(s, c->actions[i].account.bytes, 32);
    }
}

/* Zeroes what the call's documented layout does not carry: what a decoded
 * transaction must look like. Written from the docs, not from tx.c. */
static void clear_unused(yuma_call *c)
{
    yuma_call z;
    memset(&z, 0, sizeof z);
    z.kind = c->kind;
#define KEEP(f) (z.f = c->f)
#define KEEP_ARR(f, n) memcpy(z.f, c->f, sizeof c->f[0] * (n))
    switch (c->kind) {
    case YUMA_CALL_TRANSFER: KEEP(dest); KEEP(amount); break;
    case YUMA_CALL_REGISTER_NETWORK:
    case YUMA_CALL_ROOT_REGISTER: KEEP(hotkey); break;
    case YUMA_CALL_START_CALL:
    case YUMA_CALL_TRIGGER_EPOCH: KEEP(netuid); break;
    case YUMA_CALL_BURNED_REGISTER: KEEP(netuid); KEEP(hotkey); break;
    case YUMA_CALL_SERVE_AXON:
        KEEP(netuid); KEEP(axon_version); KEEP_ARR(axon_ip, 16); KEEP(axon_port);
        KEEP(axon_protocol);
        break;
    case YUMA_CALL_SET_COMMITMENT: KEEP(netuid); KEEP(data_len); KEEP_ARR(data, c->data_len); break;
    case YUMA_CALL_REVEAL_WEIGHTS:
        KEEP(salt_count); KEEP_ARR(salt, c->salt_count);
        /* fall through */
    case YUMA_CALL_SET_WEIGHTS:
        KEEP(netuid); KEEP(weight_count); KEEP_ARR(uids, c->weight_count);
        KEEP_ARR(values, c->weight_count); KEEP(version_key);
        break;
    case YUMA_CALL_COMMIT_WEIGHTS: KEEP(netuid); KEEP_ARR(commit_hash, 32); break;
    case YUMA_CALL_TRANSFER_STAKE:
        KEEP(dest);
        /* fall through */
    case YUMA_CALL_MOVE_STAKE:
        if (c->kind == YUMA_CALL_MOVE_STAKE) KEEP(dest_hotkey);
        /* fall through */
    case YUMA_CALL_SWAP_STAKE:
        KEEP(dest_netuid);
        /* fall through */
    case YUMA_CALL_ADD_STAKE:
    case YUMA_CALL_REMOVE_STAKE:
        KEEP(hotkey); KEEP(netuid); KEEP(amount); KEEP(limit_price); KEEP(allow_partial);
        break;
    case YUMA_CALL_DECREASE_TAKE:
    case YUMA_CALL_INCREASE_TAKE: KEEP(hotkey); KEEP(take); break;
    case YUMA_CALL_SET_CHILDREN:
        KEEP(hotkey); KEEP(netuid); KEEP(child_count); KEEP_ARR(children, c->child_count);
        break;
    case YUMA_CALL_SET_CHILDKEY_TAKE: KEEP(hotkey); KEEP(netuid); KEEP(take); break;
    case YUMA_CALL_SET_HYPERPARAMETER: KEEP(netuid); KEEP(param); KEEP(value); break;
    case YUMA_CALL_GOV_PROPOSE:
        KEEP(netuid); KEEP_ARR(doc_hash, 32); KEEP(amount); KEEP(action_count);
        KEEP_ARR(actions, c->action_count);
        break;
    case YUMA_CALL_GOV_TOPUP: KEEP(proposal_id); KEEP(amount); break;
    case YUMA_CALL_GOV_RESPOND: KEEP(proposal_id); KEEP_ARR(doc_hash, 32); break;
    case YUMA_CALL_GOV_VOTE: KEEP(proposal_id); KEEP(choice); KEEP(conviction); break;
    case YUMA_CALL_GOV_APPEAL:
    case YUMA_CALL_GOV_WITHDRAW: KEEP(proposal_id); break;
    case YUMA_CALL_GOV_ESCROW: KEEP(proposal_id); KEEP(hotkey); KEEP(amount); KEEP(choice); break;
    case YUMA_CALL_GOV_OWNER_TRANSFER: KEEP(netuid); KEEP(dest); KEEP(hotkey); break;
    case YUMA_CALL_GUARDIAN_PROPOSE: KEEP(choice); KEEP(netuid); KEEP(value); KEEP_ARR(doc_hash, 32); break;
    case YUMA_CALL_GUARDIAN_APPROVE: KEEP(proposal_id); break;
    case YUMA_CALL_GUARDIAN_RATIONALE: KEEP(proposal_id); KEEP_ARR(doc_hash, 32); break;
    case YUMA_CALL_GOV_DELEGATE: KEEP(choice); KEEP(dest); KEEP(conviction); break;
    default: fail_msg("kind %d", (int)c->kind);
    }
#undef KEEP
#undef KEEP_ARR
    memcpy(c, &z, sizeof z);
}

static void rnd_header(uint64_t *s, yuma_tx *tx, const keypair *k)
{
    tx->chain_id = rnd(s);
    rnd_bytes(s, tx->genesis_hash, 32);
    memcpy(tx->signer.bytes, k->pk, 32);
    tx->nonce = rnd(s);
    tx->fee = rnd(s);
}

/* A random signed transaction of the given kind, unused fields zero. */
static void rnd_tx(uint64_t *s, yuma_tx *tx, yuma_call_kind kind, const keypair *k)
{
    memset(tx, 0, sizeof *tx);
    rnd_header(s, tx, k);
    rnd_call_all_fields(s, &tx->call, kind);
    clear_unused(&tx->call);
    assert_true(yuma_tx_sign(tx, k->sk));
}

/* Every field, explicitly, then the whole struct (padding included: both
 * sides were zeroed before their fields were set). */
static void assert_tx_equal(const yuma_tx *a, const yuma_tx *b)
{
    const yuma_call *x = &a->call, *y = &b->call;
    assert_true(a->chain_id == b->chain_id);
    assert_memory_equal(a->genesis_hash, b->genesis_hash, 32);
    assert_memory_equal(a->signer.bytes, b->signer.bytes, 32);
    assert_true(a->nonce == b->nonce);
    assert_true(a->fee == b->fee);
    assert_memory_equal(a->signature, b->signature, 64);
    assert_int_equal(x->kind, y->kind);
    assert_memory_equal(x->dest.bytes, y->dest.bytes, 32);
    assert_memory_equal(x->hotkey.bytes, y->hotkey.bytes, 32);
    assert_memory_equal(x->dest_hotkey.bytes, y->dest_hotkey.bytes, 32);
    assert_int_equal(x->netuid, y->netuid);
    assert_int_equal(x->dest_netuid, y->dest_netuid);
    assert_true(x->amount == y->amount);
    assert_true(x->limit_price == y->limit_price);
    assert_int_equal(x->allow_partial, y->allow_partial);
    assert_int_equal(x->take, y->take);
    assert_true(x->version_key == y->version_key);
    assert_int_equal(x->weight_count, y->weight_count);
    assert_memory_equal(x->uids, y->uids, sizeof x->uids);
    assert_memory_equal(x->values, y->values, sizeof x->values);
    assert_int_equal(x->salt_count, y->salt_count);
    assert_memory_equal(x->salt, y->salt, sizeof x->salt);
    assert_memory_equal(x->commit_hash, y->commit_hash, 32);
    assert_int_equal(x->child_count, y->child_count);
    for (int i = 0; i < YUMA_TX_MAX_CHILDREN; i++) {
        assert_true(x->children[i].proportion == y->children[i].proportion);
        assert_memory_equal(x->children[i].child.bytes, y->children[i].child.bytes, 32);
    }
    assert_int_equal(x->data_len, y->data_len);
    assert_memory_equal(x->data, y->data, sizeof x->data);
    assert_int_equal(x->axon_version, y->axon_version);
    assert_memory_equal(x->axon_ip, y->axon_ip, 16);
    assert_int_equal(x->axon_port, y->axon_port);
    assert_int_equal(x->axon_protocol, y->axon_protocol);
    assert_int_equal(x->param, y->param);
    assert_true(x->value == y->value);
    assert_memory_equal(a, b, sizeof *a);
}

static bool is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

/* ---- names and messages ---- */

static void test_call_names(void **state)
{
    (void)state;
    static const char *const names[YUMA_CALL_KIND_MAX + 1] = {
        NULL, "transfer", "register_network", "start_call", "burned_register", "serve_axon",
        "set_commitment", "set_weights", "commit_weights", "reveal_weights", "add_stake",
        "remove_stake", "move_stake", "transfer_stake", "swap_stake", "decrease_take",
        "increase_take", "set_children", "set_childkey_take", "set_hyperparameter",
        "root_register", "trigger_epoch", "gov_propose", "gov_topup", "gov_respond", "gov_vote",
        "gov_appeal", "gov_escrow", "gov_withdraw", "gov_owner_transfer", "guardian_propose",
        "guardian_approve", "guardian_rationale", "gov_delegate",
    };
    for (int k = 1; k <= YUMA_CALL_KIND_MAX; k++)
        assert_string_equal(yuma_call_name((yuma_call_kind)k), names[k]);
    assert_string_equal(yuma_call_name((yuma_call_kind)0), "unknown");
    assert_string_equal(yuma_call_name((yuma_call_kind)(YUMA_CALL_KIND_MAX + 1)), "unknown");
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(yuma_tx_strerror(YUMA_TX_OK), "ok");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_SHORT), "transaction ends inside a field");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_TRAILING),
                        "bytes after the transaction's signature");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_VERSION), "unsupported transaction version");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_UNKNOWN_CALL), "unknown call kind");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_LENGTH),
                        "array length over its limit or inconsistent");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_BOOL), "boolean byte other than 0 or 1");
    assert_string_equal(yuma_tx_strerror(YUMA_TX_ERR_TOO_LARGE),
                        "transaction larger than the maximum size");
    assert_string_equal(yuma_tx_strerror((yuma_tx_status)99), "unknown transaction status");
}

/* ---- the fixed vector (docs/TRANSACTIONS.md, "Test vector") ---- */

static const char VECTOR_PK[] = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
static const char VECTOR_SIG[] =
    "dfdc2e850df44c70f024d6754575d240eda16d38f4e96f3b80f81429c4e6d0ba"
    "69e341e2bd470201a300ce4421d8f53c106fe77de908783b266ee5118d0a2109";
static const char VECTOR_ID[] = "69b792c3d78ff21f51b07b59343b138dc160be8d8b4b20c67fcb0c8b04ce4270";
static const char VECTOR_TX[] =
    "010807060504030201a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6"
    "b7b8b9babbbcbdbebf03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d"
    "5f1ddc8664125531b80700000000000000e80300000000000001404142434445"
    "464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f002f68590000"
    "0000dfdc2e850df44c70f024d6754575d240eda16d38f4e96f3b80f81429c4e6"
    "d0ba69e341e2bd470201a300ce4421d8f53c106fe77de908783b266ee5118d0a"
    "2109";

static void test_fixed_vector(void **state)
{
    (void)state;
    keypair k = key_from_seed(0);
    uint8_t pk[32], sig[64], id[32], hex_tx[256];
    unhex(VECTOR_PK, pk, sizeof pk);
    unhex(VECTOR_SIG, sig, sizeof sig);
    unhex(VECTOR_ID, id, sizeof id);
    size_t hex_len = unhex(VECTOR_TX, hex_tx, sizeof hex_tx);
    assert_memory_equal(k.pk, pk, 32); /* RFC 8032 key of seed 00 01 .. 1f */

    /* The payload, byte by byte from the documented layout. */
    uint8_t want[HEADER + 40 + SIG];
    size_t n = 0;
    want[n++] = 0x01;                                         /* version */
    for (int i = 8; i >= 1; i--) want[n++] = (uint8_t)i;      /* chain id 0x0102030405060708 LE */
    for (int i = 0; i < 32; i++) want[n++] = (uint8_t)(0xa0 + i); /* genesis hash */
    memcpy(want + n, pk, 32), n += 32;                        /* signer */
    const uint8_t nonce_fee[16] = {7, 0, 0, 0, 0, 0, 0, 0, 0xe8, 0x03, 0, 0, 0, 0, 0, 0};
    memcpy(want + n, nonce_fee, 16), n += 16;                 /* nonce 7, fee 1000 */
    want[n++] = 0x01;                                         /* call kind: transfer */
    for (int i = 0; i < 32; i++) want[n++] = (uint8_t)(0x40 + i); /* dest */
    const uint8_t amount[8] = {0x00, 0x2f, 0x68, 0x59, 0, 0, 0, 0}; /* 1,500,000,000 rao */
    memcpy(want + n, amount, 8), n += 8;
    assert_int_equal(n, HEADER + 40);
    /* Deterministic ed25519: this signature is the only valid one. */
    assert_int_equal(crypto_sign_verify_detached(sig, want, n, pk), 0);
    memcpy(want + n, sig, SIG), n += SIG;
    assert_int_equal(hex_len, n);
    assert_memory_equal(hex_tx, want, n);

    /* The same transaction through the library. */
    yuma_tx *tx = new_tx();
    tx->chain_id = 0x0102030405060708ull;
    for (int i = 0; i < 32; i++) tx->genesis_hash[i] = (uint8_t)(0xa0 + i);
    memcpy(tx->signer.bytes, k.pk, 32);
    tx->nonce = 7;
    tx->fee = 1000;
    tx->call.kind = YUMA_CALL_TRANSFER;
    for (int i = 0; i < 32; i++) tx->call.dest.bytes[i] = (uint8_t)(0x40 + i);
    tx->call.amount = 1500000000ull;
    assert_true(yuma_tx_sign(tx, k.sk));
    assert_memory_equal(tx->signature, sig, 64);
    assert_true(yuma_tx_verify(tx));

    uint8_t got[YUMA_TX_MAX_ENCODED];
    assert_int_equal(yuma_tx_encoded_size(tx), n);
    assert_int_equal(yuma_tx_encode(tx, got, sizeof got), n);
    assert_memory_equal(got, want, n);
    assert_int_equal(yuma_tx_encode_payload(tx, got, sizeof got), n - SIG);
    assert_memory_equal(got, want, n - SIG);

    uint8_t h[32], h2[32];
    assert_true(yuma_tx_hash(tx, h));
    assert_memory_equal(h, id, 32);
    crypto_generichash(h2, 32, want, n, NULL, 0);
    assert_memory_equal(h2, id, 32);

    yuma_tx *back = new_tx();
    size_t plen = 0;
    assert_int_equal(decode_exact(want, n, back, &plen), YUMA_TX_OK);
    assert_int_equal(plen, n - SIG);
    assert_tx_equal(back, tx);
    free(back);
    free(tx);
}

/* ---- layout sizes, as documented ---- */

static void test_fixed_call_sizes(void **state)
{
    (void)state;
    /* Call bytes after the kind byte, from the tables of docs/TRANSACTIONS.md;
     * 0 marks the calls with arrays (sized by the formulas checked below). */
    static const size_t call_bytes[YUMA_CALL_KIND_MAX + 1] = {
        [YUMA_CALL_TRANSFER] = 40, [YUMA_CALL_REGISTER_NETWORK] = 32,
        [YUMA_CALL_START_CALL] = 2, [YUMA_CALL_BURNED_REGISTER] = 34,
        [YUMA_CALL_SERVE_AXON] = 25, [YUMA_CALL_COMMIT_WEIGHTS] = 34,
        [YUMA_CALL_ADD_STAKE] = 51, [YUMA_CALL_REMOVE_STAKE] = 51, [YUMA_CALL_MOVE_STAKE] = 85,
        [YUMA_CALL_TRANSFER_STAKE] = 85, [YUMA_CALL_SWAP_STAKE] = 53,
        [YUMA_CALL_DECREASE_TAKE] = 34, [YUMA_CALL_INCREASE_TAKE] = 34,
        [YUMA_CALL_SET_CHILDKEY_TAKE] = 36, [YUMA_CALL_SET_HYPERPARAMETER] = 12,
        [YUMA_CALL_ROOT_REGISTER] = 32, [YUMA_CALL_TRIGGER_EPOCH] = 2,
        [YUMA_CALL_GOV_TOPUP] = 16, [YUMA_CALL_GOV_RESPOND] = 40, [YUMA_CALL_GOV_VOTE] = 10,
        [YUMA_CALL_GOV_APPEAL] = 8, [YUMA_CALL_GOV_ESCROW] = 49, [YUMA_CALL_GOV_WITHDRAW] = 8,
        [YUMA_CALL_GOV_OWNER_TRANSFER] = 66, [YUMA_CALL_GUARDIAN_PROPOSE] = 43,
        [YUMA_CALL_GUARDIAN_APPROVE] = 8, [YUMA_CALL_GUARDIAN_RATIONALE] = 40,
        [YUMA_CALL_GOV_DELEGATE] = 34,
    };
    yuma_tx *tx = new_tx();
    for (int k = 1; k <= YUMA_CALL_KIND_MAX; k++) {
        tx->call.kind = (yuma_call_kind)k;
        if (call_bytes[k]) assert_int_equal(yuma_tx_encoded_size(tx), HEADER + call_bytes[k] + SIG);
    }
    tx->call.kind = YUMA_CALL_SET_COMMITMENT;
    tx->call.data_len = 100;
    assert_int_equal(yuma_tx_encoded_size(tx), HEADER + 4 + 100 + SIG);
    tx->call.kind = YUMA_CALL_SET_WEIGHTS;
    tx->call.weight_count = 10;
    assert_int_equal(yuma_tx_encoded_size(tx), HEADER + 14 + 4 * 10 + SIG);
    tx->call.kind = YUMA_CALL_REVEAL_WEIGHTS;
    tx->call.salt_count = 3;
    assert_int_equal(yuma_tx_encoded_size(tx), HEADER + 16 + 4 * 10 + 2 * 3 + SIG);
    tx->call.kind = YUMA_CALL_SET_CHILDREN;
    tx->call.child_count = 5;
    assert_int_equal(yuma_tx_encoded_size(tx), HEADER + 36 + 40 * 5 + SIG);
    tx->call.kind = YUMA_CALL_GOV_PROPOSE;
    tx->call.action_count = YUMA_TX_MAX_GOV_ACTIONS;
    assert_int_equal(yuma_tx_encoded_size(tx), HEADER + 44 + 44 * 4 + SIG);
    /* The largest transaction is exactly YUMA_TX_MAX_ENCODED. */
    tx->call.kind = YUMA_CALL_REVEAL_WEIGHTS;
    tx->call.weight_count = YUMA_TX_MAX_WEIGHTS;
    tx->call.salt_count = YUMA_TX_MAX_WEIGHTS;
    assert_int_equal(yuma_tx_encoded_size(tx), YUMA_TX_MAX_ENCODED);
    free(tx);
}

/* ---- round trips ---- */

static void test_round_trip_every_call(void **state)
{
    (void)state;
    uint64_t seed = 0x7478313233ull;
    keypair k = key_from_seed(0x20);
    yuma_tx *tx = new_tx(), *back = new_tx();
    static tbuf want;
    static uint8_t enc[YUMA_TX_MAX_ENCODED], enc2[YUMA_TX_MAX_ENCODED];
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        for (int it = 0; it < 60; it++) {
            rnd_tx(&seed, tx, (yuma_call_kind)kind, &k);
            size_t n = yuma_tx_encode(tx, enc, sizeof enc);
            assert_true(n > 0);
            assert_int_equal(n, yuma_tx_encoded_size(tx));
            doc_tx(&want, tx, true);
            assert_int_equal(n, want.n);
            assert_memory_equal(enc, want.b, n);

            size_t plen = 0;
            assert_int_equal(decode_exact(enc, n, back, &plen), YUMA_TX_OK);
            assert_int_equal(plen, n - SIG);
            assert_tx_equal(back, tx);
            assert_true(yuma_tx_verify(back));
            assert_int_equal(yuma_tx_encode(back, enc2, sizeof enc2), n);
            assert_memory_equal(enc2, enc, n);
        }
    }
    free(tx);
    free(back);
}

/* Encoding ignores the fields a call does not use; decoding leaves them 0. */
static void test_unused_fields(void **state)
{
    (void)state;
    uint64_t seed = 99;
    keypair k = key_from_seed(0x20);
    yuma_tx *full = new_tx(), *clean = new_tx(), *back = new_tx();
    static uint8_t a[YUMA_TX_MAX_ENCODED], b[YUMA_TX_MAX_ENCODED];
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        for (int it = 0; it < 10; it++) {
            memset(full, 0, sizeof *full);
            rnd_header(&seed, full, &k);
            rnd_call_all_fields(&seed, &full->call, (yuma_call_kind)kind);
            rnd_bytes(&seed, full->signature, 64);
            memcpy(clean, full, sizeof *full);
            clear_unused(&clean->call);
            size_t n = yuma_tx_encode(full, a, sizeof a);
            assert_int_equal(yuma_tx_encode(clean, b, sizeof b), n);
            assert_memory_equal(a, b, n);
            assert_int_equal(decode_exact(a, n, back, NULL), YUMA_TX_OK);
            assert_tx_equal(back, clean);
        }
    }
    free(full);
    free(clean);
    free(back);
}

/* ---- decoding errors ---- */

static void expect_decode(const uint8_t *in, size_t len, yuma_tx_status want)
{
    yuma_tx *tx = new_tx();
    memset(tx, 0x5a, sizeof *tx);
    size_t plen = 12345;
    yuma_tx_status got = decode_exact(in, len, tx, &plen);
    if (got != want)
        fail_msg("decode of %zu bytes: got \"%s\", want \"%s\"", len, yuma_tx_strerror(got),
                 yuma_tx_strerror(want));
    if (want != YUMA_TX_OK) {
        /* A failed decode leaves nothing half-filled behind. */
        assert_true(is_zero(tx, sizeof *tx));
        assert_int_equal(plen, 0);
    }
    free(tx);
}

/* A small valid signed transaction of the given kind, in t. */
static void small_tx(tbuf *t, yuma_call_kind kind)
{
    uint64_t seed = 5 + (uint64_t)kind;
    keypair k = key_from_seed(0x20);
    yuma_tx *tx = new_tx();
    memset(tx, 0, sizeof *tx);
    rnd_header(&seed, tx, &k);
    tx->call.kind = kind;
    tx->call.netuid = 3;
    tx->call.weight_count = 2;
    tx->call.uids[0] = 1, tx->call.uids[1] = 2;
    tx->call.values[0] = 100, tx->call.values[1] = 200;
    tx->call.salt_count = 1;
    tx->call.salt[0] = 77;
    tx->call.child_count = 1;
    tx->call.children[0].proportion = 1;
    tx->call.data_len = 3;
    tx->call.allow_partial = true;
    clear_unused(&tx->call);
    assert_true(yuma_tx_sign(tx, k.sk));
    doc_tx(t, tx, true);
    free(tx);
}

static void test_decode_errors(void **state)
{
    (void)state;
    static tbuf t;
    static uint8_t m[YUMA_TX_MAX_SIZE + 1];

    /* Short: empty input, and every strict prefix of valid transactions. */
    expect_decode(NULL, 0, YUMA_TX_ERR_SHORT);
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        small_tx(&t, (yuma_call_kind)kind);
        expect_decode(t.b, t.n, YUMA_TX_OK);
        for (size_t n = 0; n < t.n; n++) expect_decode(t.b, n, YUMA_TX_ERR_SHORT);
        /* Trailing: one byte or many after the signature. */
        memcpy(m, t.b, t.n);
        m[t.n] = 0;
        expect_decode(m, t.n + 1, YUMA_TX_ERR_TRAILING);
        memset(m + t.n, 0xff, 100);
        expect_decode(m, t.n + 100, YUMA_TX_ERR_TRAILING);
    }

    /* Version: anything but 1, whatever follows. */
    small_tx(&t, YUMA_CALL_TRANSFER);
    const uint8_t versions[] = {0, 2, 0xff};
    for (size_t i = 0; i < sizeof versions; i++) {
        memcpy(m, t.b, t.n);
        m[0] = versions[i];
        expect_decode(m, t.n, YUMA_TX_ERR_VERSION);
        expect_decode(m, 1, YUMA_TX_ERR_VERSION); /* reported before running short */
    }

    /* Unknown call kinds. */
    const uint8_t kinds[] = {0, YUMA_CALL_KIND_MAX + 1, 0x80, 0xff};
    for (size_t i = 0; i < sizeof kinds; i++) {
        memcpy(m, t.b, t.n);
        m[HEADER - 1] = kinds[i];
        expect_decode(m, t.n, YUMA_TX_ERR_UNKNOWN_CALL);
        expect_decode(m, HEADER, YUMA_TX_ERR_UNKNOWN_CALL);
    }

    /* Booleans: allow_partial is the last call byte of the five staking calls. */
    const yuma_call_kind staking[] = {YUMA_CALL_ADD_STAKE, YUMA_CALL_REMOVE_STAKE,
                                      YUMA_CALL_MOVE_STAKE, YUMA_CALL_TRANSFER_STAKE,
                                      YUMA_CALL_SWAP_STAKE};
    for (size_t i = 0; i < 5; i++) {
        small_tx(&t, staking[i]);
        size_t at = t.n - SIG - 1;
        assert_int_equal(t.b[at], 1);
        memcpy(m, t.b, t.n);
        m[at] = 0;
        expect_decode(m, t.n, YUMA_TX_OK);
        m[at] = 2;
        expect_decode(m, t.n, YUMA_TX_ERR_BOOL);
        m[at] = 0xff;
        expect_decode(m, t.n, YUMA_TX_ERR_BOOL);
        expect_decode(m, at + 1, YUMA_TX_ERR_BOOL); /* before the missing signature */
    }

    /* Lengths over their limits, checked before the items are read (so a
     * count over the limit is reported even when the items are absent). */
    struct {
        yuma_call_kind kind;
        size_t at;      /* offset of the count after the kind byte */
        uint16_t limit;
    } counts[] = {
        {YUMA_CALL_SET_WEIGHTS, 2, YUMA_TX_MAX_WEIGHTS},          /* uids */
        {YUMA_CALL_SET_WEIGHTS, 2 + 2 + 4, YUMA_TX_MAX_WEIGHTS},  /* values */
        {YUMA_CALL_REVEAL_WEIGHTS, 2, YUMA_TX_MAX_WEIGHTS},
        {YUMA_CALL_REVEAL_WEIGHTS, 2 + 2 + 4, YUMA_TX_MAX_WEIGHTS},
        {YUMA_CALL_REVEAL_WEIGHTS, 2 + 6 + 6, YUMA_TX_MAX_WEIGHTS}, /* salt */
        {YUMA_CALL_SET_CHILDREN, 34, YUMA_TX_MAX_CHILDREN},
        {YUMA_CALL_SET_COMMITMENT, 2, YUMA_TX_MAX_COMMITMENT},
        {YUMA_CALL_GOV_PROPOSE, 2 + 32 + 8, YUMA_TX_MAX_GOV_ACTIONS},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        small_tx(&t, counts[i].kind);
        size_t at = HEADER + counts[i].at;
        memcpy(m, t.b, t.n);
        const uint16_t bad[] = {(uint16_t)(counts[i].limit + 1), 0xffff};
        for (int j = 0; j < 2; j++) {
            m[at] = (uint8_t)bad[j];
            m[at + 1] = (uint8_t)(bad[j] >> 8);
            expect_decode(m, t.n, YUMA_TX_ERR_LENGTH);
            expect_decode(m, at + 2, YUMA_TX_ERR_LENGTH);
        }
    }

    /* uids and values counts that differ (both within the limit). */
    small_tx(&t, YUMA_CALL_SET_WEIGHTS); /* 2 uids, 2 values */
    memcpy(m, t.b, t.n);
    m[HEADER + 8] = 1; /* values count 1: the bytes still add up, the counts don't */
    expect_decode(m, t.n, YUMA_TX_ERR_LENGTH);
    m[HEADER + 8] = 3;
    expect_decode(m, t.n, YUMA_TX_ERR_LENGTH);
    m[HEADER + 8] = 0;
    expect_decode(m, HEADER + 10, YUMA_TX_ERR_LENGTH);

    /* Too large: refused unread above the cap, read normally at it. */
    small_tx(&t, YUMA_CALL_TRANSFER);
    memset(m, 0, sizeof m);
    memcpy(m, t.b, t.n);
    expect_decode(m, YUMA_TX_MAX_SIZE + 1, YUMA_TX_ERR_TOO_LARGE);
    expect_decode(m, YUMA_TX_MAX_SIZE, YUMA_TX_ERR_TRAILING);
    m[0] = 9; /* even a bad version is not looked at above the cap */
    expect_decode(m, YUMA_TX_MAX_SIZE + 1, YUMA_TX_ERR_TOO_LARGE);

    /* payload_len may be NULL. */
    small_tx(&t, YUMA_CALL_ROOT_REGISTER);
    yuma_tx *tx = new_tx();
    assert_int_equal(yuma_tx_decode(t.b, t.n, tx, NULL), YUMA_TX_OK);
    assert_int_equal(yuma_tx_decode(t.b, t.n - 1, tx, NULL), YUMA_TX_ERR_SHORT);
    free(tx);
}

/* Arrays at exactly their limits decode. */
static void test_decode_limits(void **state)
{
    (void)state;
    keypair k = key_from_seed(0x20);
    yuma_tx *tx = new_tx(), *back = new_tx();
    static uint8_t enc[YUMA_TX_MAX_ENCODED];
    uint64_t seed = 1;
    rnd_header(&seed, tx, &k);
    tx->call.kind = YUMA_CALL_REVEAL_WEIGHTS;
    tx->call.weight_count = YUMA_TX_MAX_WEIGHTS;
    tx->call.salt_count = YUMA_TX_MAX_WEIGHTS;
    for (int i = 0; i < YUMA_TX_MAX_WEIGHTS; i++) {
        tx->call.uids[i] = (uint16_t)i;
        tx->call.values[i] = (uint16_t)(65535 - i);
        tx->call.salt[i] = (uint16_t)(i * 7);
    }
    assert_true(yuma_tx_sign(tx, k.sk));
    size_t n = yuma_tx_encode(tx, enc, sizeof enc);
    assert_int_equal(n, YUMA_TX_MAX_ENCODED);
    assert_int_equal(decode_exact(enc, n, back, NULL), YUMA_TX_OK);
    assert_tx_equal(back, tx);

    memset(tx, 0, sizeof *tx);
    rnd_header(&seed, tx, &k);
    tx->call.kind = YUMA_CALL_SET_CHILDREN;
    tx->call.child_count = YUMA_TX_MAX_CHILDREN;
    for (int i = 0; i < YUMA_TX_MAX_CHILDREN; i++)
        tx->call.children[i].proportion = UINT64_MAX - (uint64_t)i;
    n = yuma_tx_encode(tx, enc, sizeof enc);
    assert_int_equal(decode_exact(enc, n, back, NULL), YUMA_TX_OK);
    assert_tx_equal(back, tx);

    memset(tx, 0, sizeof *tx);
    rnd_header(&seed, tx, &k);
    tx->call.kind = YUMA_CALL_SET_COMMITMENT;
    tx->call.data_len = YUMA_TX_MAX_COMMITMENT;
    memset(tx->call.data, 0xc3, YUMA_TX_MAX_COMMITMENT);
    n = yuma_tx_encode(tx, enc, sizeof enc);
    assert_int_equal(decode_exact(enc, n, back, NULL), YUMA_TX_OK);
    assert_tx_equal(back, tx);
    free(tx);
    free(back);
}

/* ---- encoding errors ---- */

static void expect_unencodable(yuma_tx *tx, yuma_tx_status want)
{
    static uint8_t out[YUMA_TX_MAX_ENCODED], untouched[YUMA_TX_MAX_ENCODED];
    keypair k = key_from_seed(0x20);
    yuma_tx_status got = yuma_call_check(&tx->call);
    if (got != want)
        fail_msg("check: got \"%s\", want \"%s\"", yuma_tx_strerror(got), yuma_tx_strerror(want));
    assert_int_equal(yuma_tx_encoded_size(tx), 0);
    memset(out, 0xee, sizeof out);
    memcpy(untouched, out, sizeof out);
    assert_int_equal(yuma_tx_encode(tx, out, sizeof out), 0);
    assert_int_equal(yuma_tx_encode_payload(tx, out, sizeof out), 0);
    assert_memory_equal(out, untouched, sizeof out);
    /* Nothing signs, verifies or hashes what cannot be encoded. */
    memcpy(tx->signer.bytes, k.pk, 32);
    memset(tx->signature, 0x11, 64);
    assert_false(yuma_tx_sign(tx, k.sk));
    for (int i = 0; i < 64; i++) assert_int_equal(tx->signature[i], 0x11);
    assert_false(yuma_tx_verify(tx));
    uint8_t h[32];
    memset(h, 0xee, 32);
    assert_false(yuma_tx_hash(tx, h));
    assert_true(is_zero(h, 32));
}

static void test_encode_errors(void **state)
{
    (void)state;
    yuma_tx *tx = new_tx();

    tx->call.kind = (yuma_call_kind)0;
    expect_unencodable(tx, YUMA_TX_ERR_UNKNOWN_CALL);
    tx->call.kind = (yuma_call_kind)(YUMA_CALL_KIND_MAX + 1);
    expect_unencodable(tx, YUMA_TX_ERR_UNKNOWN_CALL);

    memset(tx, 0, sizeof *tx);
    tx->call.kind = YUMA_CALL_SET_WEIGHTS;
    tx->call.weight_count = YUMA_TX_MAX_WEIGHTS + 1;
    expect_unencodable(tx, YUMA_TX_ERR_LENGTH);
    tx->call.kind = YUMA_CALL_REVEAL_WEIGHTS;
    expect_unencodable(tx, YUMA_TX_ERR_LENGTH);
    tx->call.weight_count = 0;
    tx->call.salt_count = YUMA_TX_MAX_WEIGHTS + 1;
    expect_unencodable(tx, YUMA_TX_ERR_LENGTH);

    memset(tx, 0, sizeof *tx);
    tx->call.kind = YUMA_CALL_SET_CHILDREN;
    tx->call.child_count = YUMA_TX_MAX_CHILDREN + 1;
    expect_unencodable(tx, YUMA_TX_ERR_LENGTH);

    memset(tx, 0, sizeof *tx);
    tx->call.kind = YUMA_CALL_SET_COMMITMENT;
    tx->call.data_len = YUMA_TX_MAX_COMMITMENT + 1;
    expect_unencodable(tx, YUMA_TX_ERR_LENGTH);

    memset(tx, 0, sizeof *tx);
    tx->call.kind = YUMA_CALL_GOV_PROPOSE;
    tx->call.action_count = YUMA_TX_MAX_GOV_ACTIONS + 1;
    expect_unencodable(tx, YUMA_TX_ERR_LENGTH);

    /* Counts a call does not use are not its problem. */
    memset(tx, 0, sizeof *tx);
    tx->call.kind = YUMA_CALL_TRANSFER;
    tx->call.weight_count = 100000;
    tx->call.salt_count = 100000;
    tx->call.child_count = 100;
    tx->call.data_len = 1000;
    assert_int_equal(yuma_call_check(&tx->call), YUMA_TX_OK);
    assert_int_equal(yuma_tx_encoded_size(tx), HEADER + 40 + SIG);

    /* Output buffer: one byte short writes nothing; exact fits. */
    uint8_t out[HEADER + 40 + SIG + 1];
    memset(out, 0xee, sizeof out);
    assert_int_equal(yuma_tx_encode(tx, out, HEADER + 40 + SIG - 1), 0);
    assert_int_equal(yuma_tx_encode_payload(tx, out, HEADER + 40 - 1), 0);
    assert_int_equal(yuma_tx_encode(tx, NULL, 0), 0);
    for (size_t i = 0; i < sizeof out; i++) assert_int_equal(out[i], 0xee);
    assert_int_equal(yuma_tx_encode_payload(tx, out, HEADER + 40), HEADER + 40);
    assert_int_equal(out[HEADER + 40], 0xee);
    assert_int_equal(yuma_tx_encode(tx, out, HEADER + 40 + SIG), HEADER + 40 + SIG);
    assert_int_equal(out[HEADER + 40 + SIG], 0xee);
    free(tx);
}

/* ---- signatures and ids ---- */

static void test_sign_verify(void **state)
{
    (void)state;
    keypair k = key_from_seed(0x20), other = key_from_seed(0x40);
    uint64_t seed = 4242;
    yuma_tx *tx = new_tx(), *mod = new_tx();
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        rnd_tx(&seed, tx, (yuma_call_kind)kind, &k);
        assert_true(yuma_tx_verify(tx));
        /* Deterministic: signing again gives the same bytes. */
        memcpy(mod, tx, sizeof *tx);
        assert_true(yuma_tx_sign(mod, k.sk));
        assert_memory_equal(mod->signature, tx->signature, 64);

        /* Replay on another chain: chain id or any genesis byte. */
        memcpy(mod, tx, sizeof *tx);
        mod->chain_id ^= 1;
        assert_false(yuma_tx_verify(mod));
        for (int i = 0; i < 32; i++) {
            memcpy(mod, tx, sizeof *tx);
            mod->genesis_hash[i] ^= 0x80;
            assert_false(yuma_tx_verify(mod));
        }
        memcpy(mod, tx, sizeof *tx);
        mod->nonce++;
        assert_false(yuma_tx_verify(mod));
        memcpy(mod, tx, sizeof *tx);
        mod->fee--;
        assert_false(yuma_tx_verify(mod));
        memcpy(mod, tx, sizeof *tx);
        mod->call.kind = (yuma_call_kind)(kind % YUMA_CALL_KIND_MAX + 1);
        assert_false(yuma_tx_verify(mod));
        /* Another signer: the signature is not theirs. */
        memcpy(mod, tx, sizeof *tx);
        memcpy(mod->signer.bytes, other.pk, 32);
        assert_false(yuma_tx_verify(mod));
        /* Any signature byte. */
        for (int i = 0; i < 64; i++) {
            memcpy(mod, tx, sizeof *tx);
            mod->signature[i] ^= 0x01;
            assert_false(yuma_tx_verify(mod));
        }
    }

    /* A key that is not the signer's does not sign. */
    rnd_tx(&seed, tx, YUMA_CALL_TRANSFER, &k);
    memcpy(mod, tx, sizeof *tx);
    assert_false(yuma_tx_sign(mod, other.sk));
    assert_memory_equal(mod->signature, tx->signature, 64);
    free(tx);
    free(mod);
}

/* Flipping any bit of any payload byte breaks decoding or the signature;
 * when it still decodes, the decoded transaction re-encodes to the mutated
 * bytes (canonical), so the signature was checked against them. */
static void test_every_payload_byte(void **state)
{
    (void)state;
    keypair k = key_from_seed(0x20);
    uint64_t seed = 777;
    yuma_tx *tx = new_tx(), *back = new_tx();
    static uint8_t enc[YUMA_TX_MAX_ENCODED], m[YUMA_TX_MAX_ENCODED], re[YUMA_TX_MAX_ENCODED];
    int decoded = 0;
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        do rnd_tx(&seed, tx, (yuma_call_kind)kind, &k);
        while (yuma_tx_encoded_size(tx) > 600); /* keep it to small ones: every byte, every bit */
        size_t n = yuma_tx_encode(tx, enc, sizeof enc);
        for (size_t i = 0; i < n; i++) {
            for (int bit = 0; bit < 8; bit++) {
                memcpy(m, enc, n);
                m[i] ^= (uint8_t)(1u << bit);
                if (decode_exact(m, n, back, NULL) != YUMA_TX_OK) continue;
                decoded++;
                assert_false(yuma_tx_verify(back));
                assert_int_equal(yuma_tx_encode(back, re, sizeof re), n);
                assert_memory_equal(re, m, n);
            }
        }
    }
    assert_true(decoded > 10000); /* most flips decode: the signature is what catches them */
    free(tx);
    free(back);
}

static void test_hash(void **state)
{
    (void)state;
    keypair k = key_from_seed(0x20);
    uint64_t seed = 31337;
    yuma_tx *tx = new_tx(), *mod = new_tx();
    static uint8_t enc[YUMA_TX_MAX_ENCODED];
    uint8_t h[32], h2[32], want[32];
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        rnd_tx(&seed, tx, (yuma_call_kind)kind, &k);
        size_t n = yuma_tx_encode(tx, enc, sizeof enc);
        crypto_generichash(want, 32, enc, n, NULL, 0);
        assert_true(yuma_tx_hash(tx, h));
        assert_memory_equal(h, want, 32);
        /* The id covers the signature too. */
        memcpy(mod, tx, sizeof *tx);
        mod->signature[63] ^= 1;
        assert_true(yuma_tx_hash(mod, h2));
        assert_memory_not_equal(h, h2, 32);
    }
    free(tx);
    free(mod);
}

/* ---- mutations ---- */

static void test_mutations(void **state)
{
    (void)state;
    keypair k = key_from_seed(0x20);
    uint64_t seed = 0xfeedull;
    yuma_tx *tx = new_tx(), *back = new_tx();
    static uint8_t enc[YUMA_TX_MAX_ENCODED], m[YUMA_TX_MAX_ENCODED + 256];
    static uint8_t re[YUMA_TX_MAX_ENCODED];
    int decoded = 0, tries = 0;
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        for (int t = 0; t < 8; t++) {
            rnd_tx(&seed, tx, (yuma_call_kind)kind, &k);
            size_t n = yuma_tx_encode(tx, enc, sizeof enc);
            for (int it = 0; it < 60; it++) {
                size_t len = n;
                memcpy(m, enc, n);
                switch (rnd(&seed) % 6) {
                case 0: /* flip one to eight random bytes */
                    for (int f = 1 + (int)(rnd(&seed) % 8); f > 0; f--)
                        m[rnd(&seed) % n] ^= (uint8_t)(1 + rnd(&seed) % 255);
                    break;
                case 1: /* truncate */
                    len = rnd(&seed) % n;
                    break;
                case 2: /* extend with random bytes */
                    len = n + 1 + rnd(&seed) % 255;
                    rnd_bytes(&seed, m + n, len - n);
                    break;
                case 3: { /* insert one byte */
                    size_t at = rnd(&seed) % (n + 1);
                    memmove(m + at + 1, m + at, n - at);
                    m[at] = (uint8_t)rnd(&seed);
                    len = n + 1;
                    break;
                }
                case 4: { /* delete one byte */
                    size_t at = rnd(&seed) % n;
                    memmove(m + at, m + at + 1, n - at - 1);
                    len = n - 1;
                    break;
                }
                default: /* a count field set to a random value: the header ends at 90 */
                    if (n >= HEADER + 4) {
                        size_t at = HEADER + rnd(&seed) % (n - HEADER - 1);
                        m[at] = (uint8_t)rnd(&seed);
                        m[at + 1] = (uint8_t)rnd(&seed);
                    }
                    break;
                }
                tries++;
                if (len == n && memcmp(m, enc, n) == 0) continue; /* a no-op mutation */
                if (decode_exact(m, len, back, NULL) != YUMA_TX_OK) continue;
                decoded++;
                assert_false(yuma_tx_verify(back));
                assert_int_equal(yuma_tx_encode(back, re, sizeof re), len);
                assert_memory_equal(re, m, len);
            }
        }
    }
    assert_int_equal(tries, YUMA_CALL_KIND_MAX * 8 * 60);
    assert_true(decoded > 500); /* the verify path is exercised, not just the decoder's errors */
    free(tx);
    free(back);
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "test_tx: libsodium failed to initialise\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_names),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_fixed_vector),
        cmocka_unit_test(test_fixed_call_sizes),
        cmocka_unit_test(test_round_trip_every_call),
        cmocka_unit_test(test_unused_fields),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_limits),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_every_payload_byte),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
