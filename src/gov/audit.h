/*
 * audit.h - the governance audit log (governance-and-users §5.8): an
 * append-only, hash-chained list of every emission-affecting action (EAA),
 * emergency action, appeal and rule-driven emission-share change, kept in
 * chain state so the state root commits to it.
 *
 * Each entry has a fixed canonical little-endian encoding
 * (GOV_AUDIT_ENTRY_SIZE bytes, field order as in the struct) and carries
 * prev_entry_hash = BLAKE2b-256 of the previous entry's encoding (all zeros
 * for seq 0). A head record keeps the entry count and the hash of the last
 * entry, so dropping, altering or reordering any entry is detected by
 * gov_audit_verify().
 *
 * Records (prefixes 0x30-0x3F belong to this module and its siblings
 * emission_history.c and emergency.c; see docs/CHAIN.md):
 *   0x30                       -> head: count (u64), last entry hash [32]
 *   0x31 + seq (u64 big endian) -> the entry's canonical encoding
 *   0x32 + netuid (big endian)  -> block and seq of the last entry of a
 *                                  class other than RULE for that netuid
 *                                  (0xFFFF: global), so the emission-share
 *                                  history can tell governance from rules
 */
#ifndef YUMA_GOV_AUDIT_H
#define YUMA_GOV_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/kv.h"

enum {
    REC_AUDIT_HEAD = 0x30,
    REC_AUDIT_ENTRY = 0x31,
    REC_AUDIT_GOV_LAST = 0x32,
};

typedef enum {
    GOV_AUDIT_RULE = 0,          /* rule-driven emission-share change (not an EAA) */
    GOV_AUDIT_EAA_TARGETED = 1,  /* an enacted EAA on one subnet */
    GOV_AUDIT_EAA_GLOBAL = 2,    /* an enacted EAA on the emission formula (netuid 0xFFFF) */
    GOV_AUDIT_EMERGENCY = 3,     /* a guardian action, its rationale, revert, payback or strike */
    GOV_AUDIT_APPEAL = 4,        /* an appeal and its outcome */
} gov_audit_class;

#define GOV_AUDIT_CLASS_MAX GOV_AUDIT_APPEAL
#define GOV_AUDIT_NETUID_GLOBAL 0xFFFFu

/* The fixed encoding: 8+8+1+2+2+32+32+8+32+32+32+4*8+32 bytes. */
#define GOV_AUDIT_ENTRY_SIZE 253

typedef struct {
    uint64_t seq;                /* assigned by gov_audit_append: 0, 1, 2, ... */
    uint64_t block;              /* inclusion block, assigned by gov_audit_append */
    uint8_t class_;              /* gov_audit_class */
    uint16_t netuid;             /* GOV_AUDIT_NETUID_GLOBAL for global */
    uint16_t call_id;            /* which setter / action (the module's own id space per class) */
    uint8_t before_hash[32];     /* hash of the affected parameters before */
    uint8_t after_hash[32];      /* ... and after */
    uint64_t proposal_id;        /* 0 for RULE; the emergency action id for EMERGENCY */
    uint8_t origin[32];          /* proposer / guardian signer / zeros = the protocol */
    uint8_t rationale_hash[32];
    uint8_t response_hash[32];   /* owner's hearing response, zeros if none */
    uint64_t tally_s_aye, tally_s_nay, tally_c_aye, tally_c_nay; /* 0 for RULE and EMERGENCY */
    uint8_t prev_entry_hash[32]; /* assigned by gov_audit_append */
} gov_audit_entry;

typedef enum {
    GOV_AUDIT_OK = 0,
    GOV_AUDIT_ERR_NOMEM,         /* the state store ran out of memory (nothing written) */
    GOV_AUDIT_ERR_CLASS,         /* class_ outside 0..GOV_AUDIT_CLASS_MAX (nothing written) */
    GOV_AUDIT_ERR_RANGE,         /* a read outside 0..count-1 */
    GOV_AUDIT_ERR_CORRUPT,       /* a stored record has the wrong length */
} gov_audit_status;

const char *gov_audit_strerror(gov_audit_status s);

/* Canonical encoding and its strict inverse (decode: false unless len is
 * exactly GOV_AUDIT_ENTRY_SIZE and class_ is known). */
void gov_audit_encode(const gov_audit_entry *e, uint8_t out[GOV_AUDIT_ENTRY_SIZE]);
bool gov_audit_decode(const uint8_t *in, size_t len, gov_audit_entry *e);
/* BLAKE2b-256 of the encoding: what the next entry's prev_entry_hash holds. */
void gov_audit_entry_hash(const gov_audit_entry *e, uint8_t out[32]);

/* Appends e: sets e->seq to the current count, e->block to block and
 * e->prev_entry_hash to the hash of the last entry, stores the entry and
 * the new head. Every other field is the caller's. On error nothing is
 * written and e is unchanged. Callers inside a call or the block step get
 * the chain's savepoint, so a failing call also undoes its entries. */
gov_audit_status gov_audit_append(ykv *kv, uint64_t block, gov_audit_entry *e);

/* The last governance (non-RULE) entry for netuid (GOV_AUDIT_NETUID_GLOBAL
 * for global ones): false when there is none. */
bool gov_audit_last_governance(const ykv *kv, uint16_t netuid, uint64_t *block, uint64_t *seq);

/* Entries so far, and the hash of the last one (zeros when empty). */
uint64_t gov_audit_count(const ykv *kv);
void gov_audit_head_hash(const ykv *kv, uint8_t out[32]);
gov_audit_status gov_audit_get(const ykv *kv, uint64_t seq, gov_audit_entry *out);

/* Recomputes the chain of hashes from seq 0 to the head. OK when every
 * entry from 0 to count-1 exists, decodes, has its own seq, a block not
 * lower than its predecessor's and the predecessor's hash, the head's hash
 * is the last entry's, and no entry exists past the head. Otherwise
 * *bad_seq gets the first entry at fault (count for a head mismatch or a
 * stray entry) and detail a one-line explanation. */
typedef struct {
    bool ok;
    uint64_t count;              /* entries checked */
    uint64_t bad_seq;
    uint8_t head_hash[32];
    char detail[160];
} gov_audit_verify_result;

void gov_audit_verify(const ykv *kv, gov_audit_verify_result *out);

/* A short hash of any parameter bytes, for before_hash / after_hash:
 * BLAKE2b-256 of the bytes under a domain tag ("yuma/gov/param"). */
void gov_audit_param_hash(const void *bytes, size_t len, uint8_t out[32]);

/* Display name of a class ("rule", "eaa_targeted", ...; "unknown"). */
const char *gov_audit_class_name(uint8_t class_);

#endif
