/*
 * emission_history.h - each subnet's share of the block's TAO emission
 * over time, and the audit log's rule-driven entries (governance-and-users
 * §5.8): "every rule-driven change of one subnet's emission share of more
 * than 25% within a day is appended to the log", and the history "so
 * market and rule-driven drops can be told apart from governance ones".
 *
 * Every block the coinbase reports each subnet's share (parts per billion
 * of the block emission; 0 for a subnet not emitting). The share is
 * compared with a reference: the share at the start of the current day
 * window, or at the last logged change. When it differs from it by more
 * than rule_change_pct percent of the reference (any change from or to 0
 * counts), the change is
 *   - governance-driven if the audit log has a governance entry (any class
 *     but RULE) for this subnet or a global one since the reference block:
 *     that entry is its record, nothing more is logged;
 *   - rule-driven otherwise (market prices, Yuma, start_call, pruning): a
 *     RULE entry is appended, its before/after hashes committing to
 *     (netuid, block, share) at the reference and now.
 * Either way the reference moves to the new share. After rule_day_blocks
 * without such a change the reference rolls to the current share.
 *
 * A sample is kept every history_interval_blocks and at every such change,
 * in a ring of history_len per subnet, tagged with what happened since
 * the previous sample. A netuid re-registered by another subnet starts a
 * new history.
 *
 * Records (docs/CHAIN.md):
 *   0x33 + netuid (BE) + slot (u16 BE) -> a sample
 *   0x34 + netuid (BE)                 -> the ring's head and the reference
 */
#ifndef YUMA_GOV_EMISSION_HISTORY_H
#define YUMA_GOV_EMISSION_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/calls.h"
#include "chain/kv.h"
#include "chain/subnet_rec.h"
#include "yuma/fixed128.h"
#include "yuma/gov_audit.h"

enum {
    REC_HISTORY_SAMPLE = 0x33,
    REC_HISTORY_HEAD = 0x34,
};

/* The call_id of a RULE entry. */
#define GOV_RULE_SHARE_CHANGE 1

enum {
    GOV_HISTORY_RULE_CHANGE = 1,  /* a change beyond the threshold, logged as RULE (seq = that entry) */
    GOV_HISTORY_GOV_CHANGE = 2,   /* a change beyond the threshold after a governance entry (seq = that entry) */
    GOV_HISTORY_GOV_ACTION = 4,   /* a governance entry for this subnet or a global one since the last sample */
    GOV_HISTORY_ESCROWED = 8,     /* an emergency escrow holds the subnet's emission */
};

#define GOV_HISTORY_NO_SEQ UINT64_MAX

typedef struct {
    uint64_t block;
    uint32_t share_ppb;           /* of the block's TAO emission */
    uint64_t tao;                 /* rao of TAO the subnet's share came to */
    uint8_t flags;
    uint64_t seq;                 /* the audit entry the flags name, or GOV_HISTORY_NO_SEQ */
} gov_history_sample;

typedef struct {
    uint64_t registered_at;       /* of the subnet this history belongs to */
    uint64_t ref_block;
    uint32_t ref_share;
    uint16_t ring_len, next, count;
    uint64_t last_sample_block;
} gov_history_head;

/* A subnet's share of the block: tao_emission (U96F32) over the block
 * emission, in parts per billion (0 when the block emits nothing). */
uint32_t gov_share_ppb(yu128 tao_emission, uint64_t block_emission);

/* Whether a share moved by more than pct percent of the reference. */
bool gov_share_changed(uint32_t ref, uint32_t now, uint16_t pct);

/* One block of one subnet (see above). False only when out of memory. */
bool gov_history_record(ykv *kv, const yuma_gov_audit_params *p, uint64_t block, uint16_t netuid,
                        uint64_t registered_at, uint32_t share_ppb, uint64_t tao, bool escrowed);

/* The kept samples of netuid, oldest first, at most cap; returns the count
 * (0 when there is no history). */
size_t gov_history_read(const ykv *kv, uint16_t netuid, gov_history_sample *out, size_t cap);
bool gov_history_head_get(const ykv *kv, uint16_t netuid, gov_history_head *out);

/* The coinbase's hook (coinbase.c, after the block's emission, before the
 * epochs), per subnet: the emergency escrow sweep, then the history. */
bool gov_coinbase_subnet(call_ctx *cx, uint16_t netuid, subnet_rec *s, yu128 tao_emission, uint64_t block_emission);

#endif
