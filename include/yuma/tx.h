/*
 * tx.h - signed transactions: the calls a user can make, and their
 * canonical binary encoding (docs/TRANSACTIONS.md).
 *
 * A transaction is a signed payload. The payload names the chain (chain id
 * and genesis hash, so a transaction cannot be replayed on another chain),
 * the signer, its nonce, the fee it offers, and one call. Encoding is
 * canonical: every transaction has exactly one byte representation, and
 * decoding rejects anything else (short or trailing bytes, lengths over
 * their limits or inconsistent, booleans other than 0/1, an unknown version
 * or call), so a transaction's hash identifies it.
 *
 * The codec is syntactic only: whether a call is allowed (a netuid exists,
 * a take is within bounds, children are distinct) is the chain's business.
 */
#ifndef YUMA_TX_H
#define YUMA_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YUMA_TX_VERSION 1
#define YUMA_TX_MAX_WEIGHTS 4096       /* entries in a weights call (and in a salt) */
#define YUMA_TX_MAX_CHILDREN 5
#define YUMA_TX_MAX_COMMITMENT 128     /* bytes of a commitment record */
#define YUMA_TX_MAX_GOV_ACTIONS 4      /* EAA actions in one gov_propose */
#define YUMA_TX_MAX_SIZE (64 * 1024)   /* decoding refuses longer input unread */
/* The longest valid encoding (a reveal_weights with three full arrays);
 * a buffer this size holds any transaction. */
#define YUMA_TX_MAX_ENCODED 24746

typedef struct {
    uint8_t bytes[32];
} yuma_account;                         /* an ed25519 public key */

typedef enum {
    YUMA_CALL_TRANSFER = 1,
    YUMA_CALL_REGISTER_NETWORK = 2,
    YUMA_CALL_START_CALL = 3,
    YUMA_CALL_BURNED_REGISTER = 4,
    YUMA_CALL_SERVE_AXON = 5,
    YUMA_CALL_SET_COMMITMENT = 6,
    YUMA_CALL_SET_WEIGHTS = 7,
    YUMA_CALL_COMMIT_WEIGHTS = 8,
    YUMA_CALL_REVEAL_WEIGHTS = 9,
    YUMA_CALL_ADD_STAKE = 10,
    YUMA_CALL_REMOVE_STAKE = 11,
    YUMA_CALL_MOVE_STAKE = 12,
    YUMA_CALL_TRANSFER_STAKE = 13,
    YUMA_CALL_SWAP_STAKE = 14,
    YUMA_CALL_DECREASE_TAKE = 15,
    YUMA_CALL_INCREASE_TAKE = 16,
    YUMA_CALL_SET_CHILDREN = 17,
    YUMA_CALL_SET_CHILDKEY_TAKE = 18,
    YUMA_CALL_SET_HYPERPARAMETER = 19,
    YUMA_CALL_ROOT_REGISTER = 20,
    YUMA_CALL_TRIGGER_EPOCH = 21,
    /* Emission due process (src/gov, docs/GOVERNANCE.md). */
    YUMA_CALL_GOV_PROPOSE = 22,
    YUMA_CALL_GOV_TOPUP = 23,
    YUMA_CALL_GOV_RESPOND = 24,
    YUMA_CALL_GOV_VOTE = 25,
    YUMA_CALL_GOV_APPEAL = 26,
    YUMA_CALL_GOV_ESCROW = 27,
    YUMA_CALL_GOV_WITHDRAW = 28,
    YUMA_CALL_GOV_OWNER_TRANSFER = 29,
    /* The emergency lane's guardian multisig (src/gov/emergency.h). */
    YUMA_CALL_GUARDIAN_PROPOSE = 30,
    YUMA_CALL_GUARDIAN_APPROVE = 31,
    YUMA_CALL_GUARDIAN_RATIONALE = 32,
    /* House S per-track delegation (src/gov, docs/GOVERNANCE.md). */
    YUMA_CALL_GOV_DELEGATE = 33,
} yuma_call_kind;

#define YUMA_CALL_KIND_MAX YUMA_CALL_GOV_DELEGATE

typedef struct {
    uint64_t proportion;               /* of 2^64 - 1 */
    yuma_account child;
} yuma_child;

/* One emission-affecting action of a proposal (src/gov/eaa.h lists the
 * kinds and what param, value and account mean for each). */
typedef struct {
    uint16_t kind;
    uint16_t param;
    uint64_t value;
    yuma_account account;
} yuma_gov_action;

/* One call. Which fields are meaningful depends on kind; see
 * docs/TRANSACTIONS.md for each call's fields in encoding order. Fields a
 * call does not use are ignored by encoding and zero after decoding. */
typedef struct {
    yuma_call_kind kind;
    yuma_account dest;                 /* transfer: recipient; transfer_stake: destination coldkey */
    yuma_account hotkey;               /* staking, registration, takes, children */
    yuma_account dest_hotkey;          /* move_stake */
    uint16_t netuid;                   /* the subnet (origin subnet for moves) */
    uint16_t dest_netuid;              /* move/transfer/swap stake */
    uint64_t amount;                   /* rao (TAO for add_stake/transfer, alpha otherwise) */
    uint64_t limit_price;              /* rao per alpha; 0 = no limit */
    bool allow_partial;
    uint16_t take;                     /* u16 proportion */
    uint64_t version_key;
    uint32_t weight_count;             /* entries of uids and of values */
    uint16_t uids[YUMA_TX_MAX_WEIGHTS];
    uint16_t values[YUMA_TX_MAX_WEIGHTS];
    uint32_t salt_count;
    uint16_t salt[YUMA_TX_MAX_WEIGHTS];
    uint8_t commit_hash[32];
    uint32_t child_count;
    yuma_child children[YUMA_TX_MAX_CHILDREN];
    uint32_t data_len;
    uint8_t data[YUMA_TX_MAX_COMMITMENT];
    /* serve_axon */
    uint32_t axon_version;
    uint8_t axon_ip[16];               /* IPv4-mapped or IPv6, network order */
    uint16_t axon_port;
    uint8_t axon_protocol;
    /* set_hyperparameter */
    uint16_t param;
    uint64_t value;
    /* governance (gov_*) */
    uint64_t proposal_id;
    uint8_t doc_hash[32];              /* BLAKE2b-256 of a rationale or response text */
    uint8_t choice;                    /* gov_vote: 1 aye .. 4 no_with_veto; gov_escrow: 0 lock, 1 unlock */
    uint8_t conviction;                /* gov_vote: 0 (0.1x, no lock) .. 5 */
    uint32_t action_count;
    yuma_gov_action actions[YUMA_TX_MAX_GOV_ACTIONS];
} yuma_call;

typedef struct {
    uint64_t chain_id;
    uint8_t genesis_hash[32];
    yuma_account signer;
    uint64_t nonce;
    uint64_t fee;                      /* rao offered; at least the chain's minimum */
    yuma_call call;
    uint8_t signature[64];             /* ed25519 over the encoded payload */
} yuma_tx;

typedef enum {
    YUMA_TX_OK = 0,
    YUMA_TX_ERR_SHORT,                 /* input ends inside a field */
    YUMA_TX_ERR_TRAILING,              /* bytes after the signature */
    YUMA_TX_ERR_VERSION,
    YUMA_TX_ERR_UNKNOWN_CALL,
    YUMA_TX_ERR_LENGTH,                /* an array length over its limit or inconsistent */
    YUMA_TX_ERR_BOOL,                  /* a boolean byte other than 0 or 1 */
    YUMA_TX_ERR_TOO_LARGE,             /* input longer than YUMA_TX_MAX_SIZE */
} yuma_tx_status;

/* What a status means, one line, never NULL. */
const char *yuma_tx_strerror(yuma_tx_status s);

/* Whether a call can be encoded: YUMA_TX_ERR_UNKNOWN_CALL for a kind
 * outside 1..YUMA_CALL_KIND_MAX, YUMA_TX_ERR_LENGTH for a count over its
 * limit (only the counts the call uses are checked). */
yuma_tx_status yuma_call_check(const yuma_call *call);
/* Bytes yuma_tx_encode() writes (payload and signature); 0 when the call
 * fails yuma_call_check(). */
size_t yuma_tx_encoded_size(const yuma_tx *tx);

/* Encodes the signed payload (everything but the signature). Returns the
 * number of bytes written, or 0 (out untouched) when the call fails
 * yuma_call_check() or out_cap is too small. */
size_t yuma_tx_encode_payload(const yuma_tx *tx, uint8_t *out, size_t out_cap);
/* Payload followed by the 64-byte signature; same failure rule. */
size_t yuma_tx_encode(const yuma_tx *tx, uint8_t *out, size_t out_cap);
/* Strict decoding of a whole transaction, reporting the first problem in
 * reading order. *tx is zeroed first (and again on failure), so unused
 * fields are zero. payload_len, if not NULL, receives the length of the
 * signed part (the signature follows it). Does not check the signature. */
yuma_tx_status yuma_tx_decode(const uint8_t *in, size_t len, yuma_tx *tx, size_t *payload_len);

/* Signs with a 64-byte libsodium ed25519 secret key (seed || public key).
 * False, signature untouched, when the key's public half is not tx->signer
 * or the call fails yuma_call_check(). */
bool yuma_tx_sign(yuma_tx *tx, const uint8_t secret_key[64]);
/* Checks the signature over the re-encoded payload against tx->signer. */
bool yuma_tx_verify(const yuma_tx *tx);
/* BLAKE2b-256 of the full encoding (signature included): the transaction's
 * id. False, out zeroed, when the call fails yuma_call_check(). */
bool yuma_tx_hash(const yuma_tx *tx, uint8_t out[32]);

/* snake_case name ("transfer", "set_weights"); "unknown" for other values. */
const char *yuma_call_name(yuma_call_kind kind);

#endif
