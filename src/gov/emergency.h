/*
 * emergency.h - the emergency lane (governance-and-users §5.7): a guardian
 * multisig that can do exactly two things, each bounded in time, logged
 * and later judged by ordinary governance:
 *
 *   escrow     one subnet's emission for at most escrow_max blocks, when an
 *              exploit is stated on chain: while it runs, the coinbase moves
 *              the subnet's undistributed alpha emission (the owner,
 *              miner, validator and root pools) into the escrow record
 *              instead of letting its epoch pay it out. The escrowed alpha
 *              is not minted meanwhile (alpha_out shrinks by it), so the
 *              supply audit holds. The pool's TAO injection goes on (it is
 *              liquidity, not a payment). If no ordinary EAA ratifies the
 *              escrow within ratify_window, every escrowed rao goes back
 *              into the subnet's pending pools and its next epoch pays it
 *              to its miners, validators and stakers as the epoch would
 *              have. A ratified escrow is recycled (never minted).
 *   safe mode  chain-wide, for at most safe_mode_max blocks, extendable
 *              once by at most safe_mode_extension: every call except
 *              remove_stake, the gov_* calls and the guardian_* calls fails
 *              with YUMA_CALL_ERR_SAFE_MODE (the fee is paid, nothing else
 *              changes). Blocks, emission and epochs go on.
 *
 * Nothing else: the lane never changes parameters, ownership or
 * registration, and it cannot cancel emission (only hold it).
 *
 * The multisig: guardian_max signers (9), each with an organisation (at
 * most guardian_per_org per organisation), set at genesis. A signer
 * proposes an action (which counts as its approval); it takes effect in the
 * block its guardian_threshold-th (5th) approval lands, if that is within
 * approval_window. A signer may sign (propose or approve) at most
 * actions_per_quarter actions per quarter_blocks. The rationale must be
 * posted (guardian_rationale) within rationale_window of the activation,
 * else the action reverts in the block step (escrow paid back at once,
 * safe mode or its extension lifted) and every signer of it gets a strike;
 * max_strikes strikes remove the signer. Later members are elected by
 * House C through a global EAA that calls gov_guardians_replace().
 *
 * Terms (§5.7, "elected by House C every 6 months"): a signer's seat lasts
 * guardian_term_blocks from its election (genesis signers from block 0).
 * Once it ends the signer cannot propose, approve or post a rationale, and
 * its approvals stop counting towards the threshold, until an enacted
 * guardian_add of the same key renews the term. The block step logs the
 * end (audit entry term_ended, event gov_guardian_term_ended).
 *
 * Its parameters are chain parameters (yuma_chain_params.audit).
 *
 * Records (docs/CHAIN.md):
 *   0x36 + slot (u8)      a guardian signer
 *   0x37 + id (u64 BE)    an emergency action
 *   0x38                  lane state: next action id, safe mode, live actions
 *   0x39 + netuid (BE)    the escrow action sweeping that subnet now
 */
#ifndef YUMA_GOV_EMERGENCY_H
#define YUMA_GOV_EMERGENCY_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/calls.h"
#include "chain/kv.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/gov_audit.h"

enum {
    REC_GUARDIAN = 0x36,
    REC_EMERGENCY_ACTION = 0x37,
    REC_LANE_STATE = 0x38,
    REC_ESCROW_SUBNET = 0x39,
};

#define GOV_GUARDIAN_MAX 16          /* hard cap on guardian_max (approvals are a 16-bit mask) */
#define GOV_LANE_MAX_LIVE 64         /* actions with a timer running at once */

typedef enum {
    GOV_EMERGENCY_ESCROW = 1,
    GOV_EMERGENCY_SAFE_MODE = 2,
    GOV_EMERGENCY_EXTEND_SAFE_MODE = 3,
} gov_emergency_kind;

typedef enum {
    GOV_ACTION_PENDING = 0,          /* gathering approvals */
    GOV_ACTION_ACTIVE = 1,           /* in effect (escrow sweeping, safe mode on) */
    GOV_ACTION_ENDED = 2,            /* ran its time (an escrow now awaits ratification) */
    GOV_ACTION_EXPIRED = 3,          /* too few approvals in time: never took effect */
    GOV_ACTION_REVERTED = 4,         /* no rationale in time: undone, signers struck */
    GOV_ACTION_PAID_BACK = 5,        /* escrow not ratified: paid back to the subnet */
    GOV_ACTION_RECYCLED = 6,         /* escrow ratified by an EAA: never minted */
} gov_action_status;

/* Audit log call ids of class EMERGENCY (the entry's proposal_id is the
 * action id). */
enum {
    GOV_EV_ESCROW_ON = 1,
    GOV_EV_SAFE_MODE_ON = 2,
    GOV_EV_SAFE_MODE_EXTENDED = 3,
    GOV_EV_RATIONALE = 4,
    GOV_EV_REVERTED = 5,
    GOV_EV_STRIKE = 6,
    GOV_EV_SIGNER_REMOVED = 7,
    GOV_EV_ESCROW_ENDED = 8,
    GOV_EV_ESCROW_PAID_BACK = 9,
    GOV_EV_ESCROW_RECYCLED = 10,
    GOV_EV_SAFE_MODE_OFF = 11,
    GOV_EV_RATIFY_OPENED = 12,
    GOV_EV_GUARDIANS_REPLACED = 13,
    GOV_EV_RATIFIED = 14,
    GOV_EV_RATIFY_REJECTED = 15,
    GOV_EV_TERM_ENDED = 16,          /* origin: the signer; before/after: its record */
};

typedef struct {
    yuma_account account;
    char org[YUMA_GUARDIAN_ORG_LEN];
    bool active;                     /* false once removed by strikes or replaced */
    uint8_t strikes;
    uint64_t quarter;                /* block / quarter_blocks of the count below */
    uint8_t signed_in_quarter;
    uint64_t elected_at;             /* its term runs from here (0: genesis) for guardian_term_blocks */
    bool term_ended;                 /* the block step logged the end of its term; only re-election clears it */
} gov_guardian_rec;

typedef struct {
    uint64_t id;
    uint8_t kind;                    /* gov_emergency_kind */
    uint8_t status;                  /* gov_action_status */
    uint16_t netuid;                 /* escrow: the subnet; else 0xFFFF */
    uint64_t duration;               /* blocks asked for */
    uint8_t statement[32];           /* hash of the stated exploit / emergency */
    uint16_t approvals;              /* bit per guardian slot */
    uint8_t proposer;                /* guardian slot */
    uint64_t proposed_at, activated_at, ends_at;
    uint8_t rationale[32];
    uint64_t rationale_at;           /* 0 until posted */
    uint64_t escrow_server, escrow_validator, escrow_root, escrow_owner;
    uint64_t subnet_registered_at;   /* escrow: pays back only the same subnet, not a later one */
    uint64_t ratify_proposal;        /* the EAA proposal naming this escrow, 0 if none */
    uint8_t ratified;                /* 0 undecided, 1 ratified (recycle), 2 rejected (pay back) */
    uint64_t settled_at;             /* paid back or recycled */
} gov_action_rec;

typedef struct {
    uint64_t next_id;                /* 1 for the first action */
    uint64_t safe_action;            /* the safe mode in force (0 = none) */
    uint64_t safe_from, safe_until;  /* calls are restricted in blocks safe_from..safe_until */
    uint64_t extension_action;       /* its extension (0 = none yet) */
    uint16_t live_count;
    uint64_t live[GOV_LANE_MAX_LIVE];/* actions whose timers the block step checks, ascending */
} gov_lane_state;

/* ---- genesis and elections ---- */

/* Genesis: why the signers do not fit the parameters (NULL when they
 * do): more than guardian_max, an account twice, more than
 * guardian_per_org from one organisation, an organisation name empty or
 * not NUL-terminated within its 32 bytes. No signers at all is allowed (a
 * chain without an emergency lane). */
const char *gov_lane_genesis_check(const yuma_gov_audit_params *p, const yuma_guardian *g, size_t count);
/* Writes the checked signers; false only when out of memory. */
bool gov_lane_genesis_write(ykv *kv, const yuma_guardian *g, size_t count);
/* For the enactment of a passed global EAA (the election of the guardian
 * by House C, govcore's eaa.c) only: a new signer set under the same
 * rules. Signers who stay keep their strikes and quarter counts; pending
 * (not yet active) actions expire, since their approvals named the old
 * slots. Logged as an EMERGENCY entry. Terms: every signer new to the set
 * starts its term at block, those who stay keep theirs, except renew (NULL
 * for none), the re-elected signer, whose term starts again at block. */
bool gov_guardians_replace(ykv *kv, uint64_t block, uint64_t proposal_id, const yuma_guardian *g, size_t count,
                           const yuma_account *renew, const char **why);
/* Whether the signer may sign in this block: active, and its term neither
 * past nor logged as ended. */
bool gov_guardian_in_term(const gov_guardian_rec *m, const yuma_gov_audit_params *p, uint64_t block);

/* Readers (RPC, tests). */
bool gov_guardian_get(const ykv *kv, uint8_t slot, gov_guardian_rec *out);
bool gov_action_get(const ykv *kv, uint64_t id, gov_action_rec *out);
gov_lane_state gov_lane_state_get(const ykv *kv);
/* Whether an escrow holds netuid's emission in this block. */
bool gov_escrow_active(const ykv *kv, uint16_t netuid, uint64_t block);
/* Whether calls are restricted in this block. */
bool gov_safe_mode_active(const ykv *kv, uint64_t block);
/* The calls safe mode lets through: remove_stake, gov_*, guardian_*. */
bool gov_safe_mode_allows(yuma_call_kind kind);
const char *gov_action_kind_name(uint8_t kind);
const char *gov_action_status_name(uint8_t status);
const char *gov_emergency_event_name(uint16_t call_id);

/* ---- the calls (dispatch.c) ---- */

/* guardian_propose: choice = kind, netuid (escrow), value = duration in
 * blocks, doc_hash = the stated exploit or emergency. */
yuma_call_status gov_call_guardian_propose(call_ctx *cx, const yuma_call *call);
/* guardian_approve: proposal_id = action id. */
yuma_call_status gov_call_guardian_approve(call_ctx *cx, const yuma_call *call);
/* guardian_rationale: proposal_id = action id, doc_hash = the rationale. */
yuma_call_status gov_call_guardian_rationale(call_ctx *cx, const yuma_call *call);

/* ---- the block step and the coinbase ---- */

/* Timers, before the coinbase: expiries, reverts without a rationale
 * (with strikes), ends of escrows and safe modes, paybacks. */
yuma_chain_status gov_lane_block_step(call_ctx *cx);
/* Per subnet, after the block's emission was minted into its pending
 * pools and before epochs run: sweeps them into an active escrow
 * (*active tells whether one holds the subnet in this block). False only
 * when out of memory. */
bool gov_escrow_sweep(call_ctx *cx, uint16_t netuid, subnet_rec *s, bool *active);

/* ---- ratification (govcore's proposal module) ---- */

typedef enum {
    GOV_RATIFY_OK = 0,
    GOV_RATIFY_ERR_NO_ACTION,        /* no emergency action with that id */
    GOV_RATIFY_ERR_NOT_ESCROW,       /* only escrows are ratified */
    GOV_RATIFY_ERR_SETTLED,          /* already paid back, recycled or reverted */
    GOV_RATIFY_ERR_WINDOW,           /* the ratification window has closed */
    GOV_RATIFY_ERR_OTHER_PROPOSAL,   /* another proposal already names this escrow */
    GOV_RATIFY_ERR_NOMEM,
} gov_ratify_status;

const char *gov_ratify_strerror(gov_ratify_status s);

/* A proposal that ratifies escrow action_id was submitted: the payback
 * waits for its outcome even past ratify_window. Must be within the
 * window (ordinary proposals take longer than 14 days to enact, so the
 * window bounds the submission, not the enactment). */
gov_ratify_status gov_emergency_ratify_opened(ykv *kv, uint64_t block, uint64_t action_id, uint64_t proposal_id);
/* Its outcome. passed: the escrow is confirmed and its alpha recycled
 * (once the escrow has run its time). Otherwise (failed, withdrawn,
 * vetoed, expired): paid back now, or at ratify_window if that is later. */
gov_ratify_status gov_emergency_ratify(ykv *kv, uint64_t block, uint64_t action_id, uint64_t proposal_id,
                                       bool passed);

#endif
