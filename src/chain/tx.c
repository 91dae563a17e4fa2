/*
 * tx.c - the transaction codec (include/yuma/tx.h, docs/TRANSACTIONS.md):
 * canonical encoding, strict decoding, ed25519 signing and the BLAKE2b-256
 * transaction id.
 *
 * Each call's layout is one row of a table of field codes, and one function
 * per direction turns a field code into bytes or back. Encoder and decoder
 * therefore cannot disagree on the order or width of a field, and adding a
 * call is adding a row. The decoder reads through a bounds-checked cursor
 * only, so no input can make it read outside [in, in + len).
 */
#include <stdatomic.h>
#include <string.h>

#include <sodium.h>

#include "yuma/tx.h"

/* ---- layout ---- */

enum field {
    F_END = 0,          /* terminates a row */
    F_DEST,             /* account, 32 */
    F_HOTKEY,           /* account, 32 */
    F_DEST_HOTKEY,      /* account, 32 */
    F_NETUID,           /* u16 */
    F_DEST_NETUID,      /* u16 */
    F_AMOUNT,           /* u64 */
    F_LIMIT_PRICE,      /* u64 */
    F_ALLOW_PARTIAL,    /* bool, 1 */
    F_TAKE,             /* u16 */
    F_VERSION_KEY,      /* u64 */
    F_UIDS,             /* u16 count, count x u16 */
    F_VALUES,           /* u16 count (must equal the uids count), count x u16 */
    F_SALT,             /* u16 count, count x u16 */
    F_COMMIT_HASH,      /* 32 bytes */
    F_CHILDREN,         /* u16 count, count x (u64 proportion, account 32) */
    F_DATA,             /* u16 length, length bytes */
    F_AXON_VERSION,     /* u32 */
    F_AXON_IP,          /* 16 bytes */
    F_AXON_PORT,        /* u16 */
    F_AXON_PROTOCOL,    /* u8 */
    F_PARAM,            /* u16 */
    F_VALUE,            /* u64 */
    F_PROPOSAL,         /* u64 */
    F_DOC_HASH,         /* 32 bytes */
    F_CHOICE,           /* u8 */
    F_CONVICTION,       /* u8 */
    F_ACTIONS,          /* u16 count, count x (u16 kind, u16 param, u64 value, account 32) */
};

#define MAX_FIELDS 8 /* move_stake and transfer_stake have 7, plus F_END */

/* Row k is call kind k; row 0 (no call) is empty. Keep in step with the
 * byte tables of docs/TRANSACTIONS.md. */
static const unsigned char LAYOUT[YUMA_CALL_KIND_MAX + 1][MAX_FIELDS] = {
    [YUMA_CALL_TRANSFER] = {F_DEST, F_AMOUNT},
    [YUMA_CALL_REGISTER_NETWORK] = {F_HOTKEY},
    [YUMA_CALL_START_CALL] = {F_NETUID},
    [YUMA_CALL_BURNED_REGISTER] = {F_NETUID, F_HOTKEY},
    [YUMA_CALL_SERVE_AXON] = {F_NETUID, F_AXON_VERSION, F_AXON_IP, F_AXON_PORT, F_AXON_PROTOCOL},
    [YUMA_CALL_SET_COMMITMENT] = {F_NETUID, F_DATA},
    [YUMA_CALL_SET_WEIGHTS] = {F_NETUID, F_UIDS, F_VALUES, F_VERSION_KEY},
    [YUMA_CALL_COMMIT_WEIGHTS] = {F_NETUID, F_COMMIT_HASH},
    [YUMA_CALL_REVEAL_WEIGHTS] = {F_NETUID, F_UIDS, F_VALUES, F_SALT, F_VERSION_KEY},
    [YUMA_CALL_ADD_STAKE] = {F_HOTKEY, F_NETUID, F_AMOUNT, F_LIMIT_PRICE, F_ALLOW_PARTIAL},
    [YUMA_CALL_REMOVE_STAKE] = {F_HOTKEY, F_NETUID, F_AMOUNT, F_LIMIT_PRICE, F_ALLOW_PARTIAL},
    [YUMA_CALL_MOVE_STAKE] = {F_HOTKEY, F_DEST_HOTKEY, F_NETUID, F_DEST_NETUID, F_AMOUNT,
                              F_LIMIT_PRICE, F_ALLOW_PARTIAL},
    [YUMA_CALL_TRANSFER_STAKE] = {F_DEST, F_HOTKEY, F_NETUID, F_DEST_NETUID, F_AMOUNT,
                                  F_LIMIT_PRICE, F_ALLOW_PARTIAL},
    [YUMA_CALL_SWAP_STAKE] = {F_HOTKEY, F_NETUID, F_DEST_NETUID, F_AMOUNT, F_LIMIT_PRICE,
                              F_ALLOW_PARTIAL},
    [YUMA_CALL_DECREASE_TAKE] = {F_HOTKEY, F_TAKE},
    [YUMA_CALL_INCREASE_TAKE] = {F_HOTKEY, F_TAKE},
    [YUMA_CALL_SET_CHILDREN] = {F_HOTKEY, F_NETUID, F_CHILDREN},
    [YUMA_CALL_SET_CHILDKEY_TAKE] = {F_HOTKEY, F_NETUID, F_TAKE},
    [YUMA_CALL_SET_HYPERPARAMETER] = {F_NETUID, F_PARAM, F_VALUE},
    [YUMA_CALL_ROOT_REGISTER] = {F_HOTKEY},
    [YUMA_CALL_TRIGGER_EPOCH] = {F_NETUID},
    [YUMA_CALL_GOV_PROPOSE] = {F_NETUID, F_DOC_HASH, F_AMOUNT, F_ACTIONS},
    [YUMA_CALL_GOV_TOPUP] = {F_PROPOSAL, F_AMOUNT},
    [YUMA_CALL_GOV_RESPOND] = {F_PROPOSAL, F_DOC_HASH},
    [YUMA_CALL_GOV_VOTE] = {F_PROPOSAL, F_CHOICE, F_CONVICTION},
    [YUMA_CALL_GOV_APPEAL] = {F_PROPOSAL},
    [YUMA_CALL_GOV_ESCROW] = {F_PROPOSAL, F_HOTKEY, F_AMOUNT, F_CHOICE},
    [YUMA_CALL_GOV_WITHDRAW] = {F_PROPOSAL},
    [YUMA_CALL_GOV_OWNER_TRANSFER] = {F_NETUID, F_DEST, F_HOTKEY},
    [YUMA_CALL_GUARDIAN_PROPOSE] = {F_CHOICE, F_NETUID, F_VALUE, F_DOC_HASH},
    [YUMA_CALL_GUARDIAN_APPROVE] = {F_PROPOSAL},
    [YUMA_CALL_GUARDIAN_RATIONALE] = {F_PROPOSAL, F_DOC_HASH},
    [YUMA_CALL_GOV_DELEGATE] = {F_CHOICE, F_DEST, F_CONVICTION},
};

/* version, chain id, genesis hash, signer, nonce, fee, call kind */
#define HEADER_BYTES (1 + 8 + 32 + 32 + 8 + 8 + 1)
#define SIG_BYTES 64

/* The header promises a buffer of YUMA_TX_MAX_ENCODED holds any
 * transaction, and that such a transaction passes the decoder's size cap. */
_Static_assert(YUMA_TX_MAX_ENCODED ==
                   HEADER_BYTES + 2 + 3 * (2 + 2 * YUMA_TX_MAX_WEIGHTS) + 8 + SIG_BYTES,
               "YUMA_TX_MAX_ENCODED is the size of a full reveal_weights");
_Static_assert(YUMA_TX_MAX_ENCODED <= YUMA_TX_MAX_SIZE, "valid transactions pass the size cap");
/* Counts travel as u16. */
_Static_assert(YUMA_TX_MAX_WEIGHTS <= UINT16_MAX && YUMA_TX_MAX_COMMITMENT <= UINT16_MAX &&
                   YUMA_TX_MAX_CHILDREN <= UINT16_MAX && YUMA_TX_MAX_GOV_ACTIONS <= UINT16_MAX,
               "limits fit a u16 count");

/* ---- writing ---- */

/* With buf NULL the writer only counts, which is how sizes are computed
 * without a second description of the layout. */
typedef struct {
    uint8_t *buf;
    size_t pos;
} writer;

static void put_bytes(writer *w, const void *p, size_t n)
{
    if (w->buf) memcpy(w->buf + w->pos, p, n);
    w->pos += n;
}

static void put_u8(writer *w, uint8_t v)
{
    put_bytes(w, &v, 1);
}

/* Little-endian by shifts, independent of the host's byte order. */
static void put_le(writer *w, uint64_t v, size_t width)
{
    uint8_t b[8];
    for (size_t i = 0; i < width; i++) b[i] = (uint8_t)(v >> (8 * i));
    put_bytes(w, b, width);
}

static void put_u16s(writer *w, const uint16_t *v, uint32_t n)
{
    put_le(w, n, 2);
    for (uint32_t i = 0; i < n; i++) put_le(w, v[i], 2);
}

static void put_field(writer *w, const yuma_call *c, enum field f)
{
    switch (f) {
    case F_END: break;
    case F_DEST: put_bytes(w, c->dest.bytes, 32); break;
    case F_HOTKEY: put_bytes(w, c->hotkey.bytes, 32); break;
    case F_DEST_HOTKEY: put_bytes(w, c->dest_hotkey.bytes, 32); break;
    case F_NETUID: put_le(w, c->netuid, 2); break;
    case F_DEST_NETUID: put_le(w, c->dest_netuid, 2); break;
    case F_AMOUNT: put_le(w, c->amount, 8); break;
    case F_LIMIT_PRICE: put_le(w, c->limit_price, 8); break;
    case F_ALLOW_PARTIAL: put_u8(w, c->allow_partial ? 1 : 0); break;
    case F_TAKE: put_le(w, c->take, 2); break;
    case F_VERSION_KEY: put_le(w, c->version_key, 8); break;
    case F_UIDS: put_u16s(w, c->uids, c->weight_count); break;
    case F_VALUES: put_u16s(w, c->values, c->weight_count); break;
    case F_SALT: put_u16s(w, c->salt, c->salt_count); break;
    case F_COMMIT_HASH: put_bytes(w, c->commit_hash, 32); break;
    case F_CHILDREN:
        put_le(w, c->child_count, 2);
        for (uint32_t i = 0; i < c->child_count; i++) {
            put_le(w, c->children[i].proportion, 8);
            put_bytes(w, c->children[i].child.bytes, 32);
        }
        break;
    case F_DATA:
        put_le(w, c->data_len, 2);
        put_bytes(w, c->data, c->data_len);
        break;
    case F_AXON_VERSION: put_le(w, c->axon_version, 4); break;
    case F_AXON_IP: put_bytes(w, c->axon_ip, 16); break;
    case F_AXON_PORT: put_le(w, c->axon_port, 2); break;
    case F_AXON_PROTOCOL: put_u8(w, c->axon_protocol); break;
    case F_PARAM: put_le(w, c->param, 2); break;
    case F_VALUE: put_le(w, c->value, 8); break;
    case F_PROPOSAL: put_le(w, c->proposal_id, 8); break;
    case F_DOC_HASH: put_bytes(w, c->doc_hash, 32); break;
    case F_CHOICE: put_u8(w, c->choice); break;
    case F_CONVICTION: put_u8(w, c->conviction); break;
    case F_ACTIONS:
        put_le(w, c->action_count, 2);
        for (uint32_t i = 0; i < c->action_count; i++) {
            put_le(w, c->actions[i].kind, 2);
            put_le(w, c->actions[i].param, 2);
            put_le(w, c->actions[i].value, 8);
            put_bytes(w, c->actions[i].account.bytes, 32);
        }
        break;
    }
}

/* Only call with a call that passed yuma_call_check(). */
static void put_payload(writer *w, const yuma_tx *tx)
{
    put_u8(w, YUMA_TX_VERSION);
    put_le(w, tx->chain_id, 8);
    put_bytes(w, tx->genesis_hash, 32);
    put_bytes(w, tx->signer.bytes, 32);
    put_le(w, tx->nonce, 8);
    put_le(w, tx->fee, 8);
    put_u8(w, (uint8_t)tx->call.kind);
    const unsigned char *row = LAYOUT[tx->call.kind];
    for (int i = 0; i < MAX_FIELDS && row[i] != F_END; i++)
        put_field(w, &tx->call, (enum field)row[i]);
}

/* Whether the call's layout has field f (never asked for F_END). */
static bool uses(yuma_call_kind kind, enum field f)
{
    return memchr(LAYOUT[kind], (int)f, MAX_FIELDS) != NULL;
}

yuma_tx_status yuma_call_check(const yuma_call *call)
{
    /* Compared as an integer: an enum may hold any value its type fits. */
    int kind = (int)call->kind;
    if (kind < 1 || kind > YUMA_CALL_KIND_MAX) return YUMA_TX_ERR_UNKNOWN_CALL;
    yuma_call_kind k = call->kind;
    bool over = (uses(k, F_UIDS) && call->weight_count > YUMA_TX_MAX_WEIGHTS) ||
                (uses(k, F_SALT) && call->salt_count > YUMA_TX_MAX_WEIGHTS) ||
                (uses(k, F_CHILDREN) && call->child_count > YUMA_TX_MAX_CHILDREN) ||
                (uses(k, F_DATA) && call->data_len > YUMA_TX_MAX_COMMITMENT) ||
                (uses(k, F_ACTIONS) && call->action_count > YUMA_TX_MAX_GOV_ACTIONS);
    return over ? YUMA_TX_ERR_LENGTH : YUMA_TX_OK;
}

static size_t payload_size(const yuma_tx *tx)
{
    if (yuma_call_check(&tx->call) != YUMA_TX_OK) return 0;
    writer w = {NULL, 0};
    put_payload(&w, tx);
    return w.pos;
}

size_t yuma_tx_encoded_size(const yuma_tx *tx)
{
    size_t n = payload_size(tx);
    return n ? n + SIG_BYTES : 0;
}

size_t yuma_tx_encode_payload(const yuma_tx *tx, uint8_t *out, size_t out_cap)
{
    size_t n = payload_size(tx);
    if (n == 0 || n > out_cap) return 0;
    writer w = {out, 0};
    put_payload(&w, tx);
    return w.pos;
}

size_t yuma_tx_encode(const yuma_tx *tx, uint8_t *out, size_t out_cap)
{
    size_t n = yuma_tx_encoded_size(tx);
    if (n == 0 || n > out_cap) return 0;
    writer w = {out, 0};
    put_payload(&w, tx);
    put_bytes(&w, tx->signature, SIG_BYTES);
    return w.pos;
}

/* ---- reading ---- */

typedef struct {
    const uint8_t *in;
    size_t len, pos;
} reader;

/* Every read goes through here: it checks the remaining length before
 * touching a byte, so no input can move the cursor past the end. */
static yuma_tx_status get_bytes(reader *r, void *p, size_t n)
{
    if (r->len - r->pos < n) return YUMA_TX_ERR_SHORT;
    if (n) memcpy(p, r->in + r->pos, n);
    r->pos += n;
    return YUMA_TX_OK;
}

static yuma_tx_status get_le(reader *r, uint64_t *v, size_t width)
{
    uint8_t b[8];
    yuma_tx_status s = get_bytes(r, b, width);
    if (s != YUMA_TX_OK) return s;
    *v = 0;
    for (size_t i = 0; i < width; i++) *v |= (uint64_t)b[i] << (8 * i);
    return YUMA_TX_OK;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        yuma_tx_status s_ = (expr);                                                                \
        if (s_ != YUMA_TX_OK) return s_;                                                           \
    } while (0)

static yuma_tx_status get_u8(reader *r, uint8_t *v)
{
    return get_bytes(r, v, 1);
}

static yuma_tx_status get_u16(reader *r, uint16_t *v)
{
    uint64_t x;
    TRY(get_le(r, &x, 2));
    *v = (uint16_t)x;
    return YUMA_TX_OK;
}

static yuma_tx_status get_u32(reader *r, uint32_t *v)
{
    uint64_t x;
    TRY(get_le(r, &x, 4));
    *v = (uint32_t)x;
    return YUMA_TX_OK;
}

/* A u16 count, checked against its limit before any item is read. */
static yuma_tx_status get_count(reader *r, uint32_t limit, uint32_t *n)
{
    uint16_t c;
    TRY(get_u16(r, &c));
    if (c > limit) return YUMA_TX_ERR_LENGTH;
    *n = c;
    return YUMA_TX_OK;
}

static yuma_tx_status get_u16s(reader *r, uint16_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) TRY(get_u16(r, &v[i]));
    return YUMA_TX_OK;
}

static yuma_tx_status get_field(reader *r, yuma_call *c, enum field f)
{
    uint8_t b;
    uint32_t n;
    switch (f) {
    case F_END: return YUMA_TX_OK;
    case F_DEST: return get_bytes(r, c->dest.bytes, 32);
    case F_HOTKEY: return get_bytes(r, c->hotkey.bytes, 32);
    case F_DEST_HOTKEY: return get_bytes(r, c->dest_hotkey.bytes, 32);
    case F_NETUID: return get_u16(r, &c->netuid);
    case F_DEST_NETUID: return get_u16(r, &c->dest_netuid);
    case F_AMOUNT: return get_le(r, &c->amount, 8);
    case F_LIMIT_PRICE: return get_le(r, &c->limit_price, 8);
    case F_ALLOW_PARTIAL:
        TRY(get_u8(r, &b));
        if (b > 1) return YUMA_TX_ERR_BOOL;
        c->allow_partial = b == 1;
        return YUMA_TX_OK;
    case F_TAKE: return get_u16(r, &c->take);
    case F_VERSION_KEY: return get_le(r, &c->version_key, 8);
    case F_UIDS:
        TRY(get_count(r, YUMA_TX_MAX_WEIGHTS, &c->weight_count));
        return get_u16s(r, c->uids, c->weight_count);
    case F_VALUES:
        /* The struct has one count for both arrays, so two that differ
         * have no representation; rejecting them keeps decoding total. */
        TRY(get_count(r, YUMA_TX_MAX_WEIGHTS, &n));
        if (n != c->weight_count) return YUMA_TX_ERR_LENGTH;
        return get_u16s(r, c->values, n);
    case F_SALT:
        TRY(get_count(r, YUMA_TX_MAX_WEIGHTS, &c->salt_count));
        return get_u16s(r, c->salt, c->salt_count);
    case F_COMMIT_HASH: return get_bytes(r, c->commit_hash, 32);
    case F_CHILDREN:
        TRY(get_count(r, YUMA_TX_MAX_CHILDREN, &c->child_count));
        for (uint32_t i = 0; i < c->child_count; i++) {
            TRY(get_le(r, &c->children[i].proportion, 8));
            TRY(get_bytes(r, c->children[i].child.bytes, 32));
        }
        return YUMA_TX_OK;
    case F_DATA:
        TRY(get_count(r, YUMA_TX_MAX_COMMITMENT, &c->data_len));
        return get_bytes(r, c->data, c->data_len);
    case F_AXON_VERSION: return get_u32(r, &c->axon_version);
    case F_AXON_IP: return get_bytes(r, c->axon_ip, 16);
    case F_AXON_PORT: return get_u16(r, &c->axon_port);
    case F_AXON_PROTOCOL: return get_u8(r, &c->axon_protocol);
    case F_PARAM: return get_u16(r, &c->param);
    case F_VALUE: return get_le(r, &c->value, 8);
    case F_PROPOSAL: return get_le(r, &c->proposal_id, 8);
    case F_DOC_HASH: return get_bytes(r, c->doc_hash, 32);
    case F_CHOICE: return get_u8(r, &c->choice);
    case F_CONVICTION: return get_u8(r, &c->conviction);
    case F_ACTIONS:
        TRY(get_count(r, YUMA_TX_MAX_GOV_ACTIONS, &c->action_count));
        for (uint32_t i = 0; i < c->action_count; i++) {
            TRY(get_u16(r, &c->actions[i].kind));
            TRY(get_u16(r, &c->actions[i].param));
            TRY(get_le(r, &c->actions[i].value, 8));
            TRY(get_bytes(r, c->actions[i].account.bytes, 32));
        }
        return YUMA_TX_OK;
    }
    return YUMA_TX_OK; /* not reached: the switch covers every field */
}

static yuma_tx_status decode(reader *r, yuma_tx *tx, size_t *payload_len)
{
    uint8_t b;
    TRY(get_u8(r, &b));
    if (b != YUMA_TX_VERSION) return YUMA_TX_ERR_VERSION;
    TRY(get_le(r, &tx->chain_id, 8));
    TRY(get_bytes(r, tx->genesis_hash, 32));
    TRY(get_bytes(r, tx->signer.bytes, 32));
    TRY(get_le(r, &tx->nonce, 8));
    TRY(get_le(r, &tx->fee, 8));
    TRY(get_u8(r, &b));
    if (b < 1 || b > YUMA_CALL_KIND_MAX) return YUMA_TX_ERR_UNKNOWN_CALL;
    tx->call.kind = (yuma_call_kind)b;
    const unsigned char *row = LAYOUT[b];
    for (int i = 0; i < MAX_FIELDS && row[i] != F_END; i++)
        TRY(get_field(r, &tx->call, (enum field)row[i]));
    *payload_len = r->pos;
    TRY(get_bytes(r, tx->signature, SIG_BYTES));
    if (r->pos != r->len) return YUMA_TX_ERR_TRAILING;
    return YUMA_TX_OK;
}

yuma_tx_status yuma_tx_decode(const uint8_t *in, size_t len, yuma_tx *tx, size_t *payload_len)
{
    memset(tx, 0, sizeof *tx);
    reader r = {in, len, 0};
    size_t plen = 0;
    /* Checked first so that oversized input costs nothing to refuse. */
    yuma_tx_status s = len > YUMA_TX_MAX_SIZE ? YUMA_TX_ERR_TOO_LARGE : decode(&r, tx, &plen);
    if (s != YUMA_TX_OK) {
        /* No half-decoded transaction reaches the caller. */
        memset(tx, 0, sizeof *tx);
        plen = 0;
    }
    if (payload_len) *payload_len = plen;
    return s;
}

/* ---- signatures and id ---- */

/* Signing, verification and hashing need no randomness, so a failed
 * sodium_init() (no random source) does not affect them; it is called only
 * so libsodium picks its fastest implementations first. sodium_init() takes
 * a global lock on every call, so the flag keeps parallel verification from
 * queueing on it; a race merely calls it twice, which it allows. */
static atomic_bool sodium_ready;

static void crypto_ready(void)
{
    if (atomic_load_explicit(&sodium_ready, memory_order_acquire)) return;
    int r = sodium_init();
    (void)r;
    atomic_store_explicit(&sodium_ready, true, memory_order_release);
}

bool yuma_tx_sign(yuma_tx *tx, const uint8_t secret_key[64])
{
    uint8_t pk[32];
    uint8_t buf[YUMA_TX_MAX_ENCODED];
    crypto_ready();
    crypto_sign_ed25519_sk_to_pk(pk, secret_key);
    /* A signature by any other key could never verify: refuse early. */
    if (memcmp(pk, tx->signer.bytes, 32) != 0) return false;
    size_t n = yuma_tx_encode_payload(tx, buf, sizeof buf);
    if (n == 0) return false;
    crypto_sign_detached(tx->signature, NULL, buf, n, secret_key);
    return true;
}

bool yuma_tx_verify(const yuma_tx *tx)
{
    uint8_t buf[YUMA_TX_MAX_ENCODED];
    crypto_ready();
    size_t n = yuma_tx_encode_payload(tx, buf, sizeof buf);
    if (n == 0) return false;
    return crypto_sign_verify_detached(tx->signature, buf, n, tx->signer.bytes) == 0;
}

bool yuma_tx_hash(const yuma_tx *tx, uint8_t out[32])
{
    uint8_t buf[YUMA_TX_MAX_ENCODED];
    crypto_ready();
    size_t n = yuma_tx_encode(tx, buf, sizeof buf);
    if (n == 0) {
        memset(out, 0, 32);
        return false;
    }
    crypto_generichash(out, 32, buf, n, NULL, 0);
    return true;
}

/* ---- names ---- */

const char *yuma_tx_strerror(yuma_tx_status s)
{
    switch (s) {
    case YUMA_TX_OK: return "ok";
    case YUMA_TX_ERR_SHORT: return "transaction ends inside a field";
    case YUMA_TX_ERR_TRAILING: return "bytes after the transaction's signature";
    case YUMA_TX_ERR_VERSION: return "unsupported transaction version";
    case YUMA_TX_ERR_UNKNOWN_CALL: return "unknown call kind";
    case YUMA_TX_ERR_LENGTH: return "array length over its limit or inconsistent";
    case YUMA_TX_ERR_BOOL: return "boolean byte other than 0 or 1";
    case YUMA_TX_ERR_TOO_LARGE: return "transaction larger than the maximum size";
    }
    return "unknown transaction status";
}

const char *yuma_call_name(yuma_call_kind kind)
{
    switch (kind) {
    case YUMA_CALL_TRANSFER: return "transfer";
    case YUMA_CALL_REGISTER_NETWORK: return "register_network";
    case YUMA_CALL_START_CALL: return "start_call";
    case YUMA_CALL_BURNED_REGISTER: return "burned_register";
    case YUMA_CALL_SERVE_AXON: return "serve_axon";
    case YUMA_CALL_SET_COMMITMENT: return "set_commitment";
    case YUMA_CALL_SET_WEIGHTS: return "set_weights";
    case YUMA_CALL_COMMIT_WEIGHTS: return "commit_weights";
    case YUMA_CALL_REVEAL_WEIGHTS: return "reveal_weights";
    case YUMA_CALL_ADD_STAKE: return "add_stake";
    case YUMA_CALL_REMOVE_STAKE: return "remove_stake";
    case YUMA_CALL_MOVE_STAKE: return "move_stake";
    case YUMA_CALL_TRANSFER_STAKE: return "transfer_stake";
    case YUMA_CALL_SWAP_STAKE: return "swap_stake";
    case YUMA_CALL_DECREASE_TAKE: return "decrease_take";
    case YUMA_CALL_INCREASE_TAKE: return "increase_take";
    case YUMA_CALL_SET_CHILDREN: return "set_children";
    case YUMA_CALL_SET_CHILDKEY_TAKE: return "set_childkey_take";
    case YUMA_CALL_SET_HYPERPARAMETER: return "set_hyperparameter";
    case YUMA_CALL_ROOT_REGISTER: return "root_register";
    case YUMA_CALL_TRIGGER_EPOCH: return "trigger_epoch";
    case YUMA_CALL_GOV_PROPOSE: return "gov_propose";
    case YUMA_CALL_GOV_TOPUP: return "gov_topup";
    case YUMA_CALL_GOV_RESPOND: return "gov_respond";
    case YUMA_CALL_GOV_VOTE: return "gov_vote";
    case YUMA_CALL_GOV_APPEAL: return "gov_appeal";
    case YUMA_CALL_GOV_ESCROW: return "gov_escrow";
    case YUMA_CALL_GOV_WITHDRAW: return "gov_withdraw";
    case YUMA_CALL_GOV_OWNER_TRANSFER: return "gov_owner_transfer";
    case YUMA_CALL_GUARDIAN_PROPOSE: return "guardian_propose";
    case YUMA_CALL_GUARDIAN_APPROVE: return "guardian_approve";
    case YUMA_CALL_GUARDIAN_RATIONALE: return "guardian_rationale";
    case YUMA_CALL_GOV_DELEGATE: return "gov_delegate";
    }
    return "unknown";
}
