/*
 * gov_audit.h - genesis configuration of the governance audit log, the
 * emission-share history and the emergency lane (governance-and-users
 * §5.7, §5.8, §5.9, §5.11; docs/GOVERNANCE.md).
 *
 * Every duration is in blocks. The mainnet defaults follow the spec at
 * 12 s blocks (7,200 blocks a day); the devnet preset keeps the same
 * proportions at the due process's devnet day, so a whole emergency
 * escrow, its ratification window and the payback run in a test in a few
 * dozen blocks.
 *
 * They are chain parameters (yuma_chain_params.audit, named "gov_<field>"
 * in the parameter table of src/gov/params.c and in genesis files): the
 * state root commits to them and only an enacted global proposal changes
 * them.
 */
#ifndef YUMA_GOV_AUDIT_PARAMS_H
#define YUMA_GOV_AUDIT_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "yuma/tx.h"

typedef struct {
    uint64_t rule_day_blocks;            /* the window of a rule-driven change (1 day) */
    uint16_t rule_change_pct;            /* log an emission-share change above this % of the share (25) */
    uint64_t history_interval_blocks;    /* sample each subnet's emission share every N blocks (1 h) */
    uint16_t history_len;                /* samples kept per subnet, a ring (30 days of hours) */
    uint8_t guardian_threshold;          /* approvals an emergency action needs (5) */
    uint8_t guardian_max;                /* signers in the guardian multisig (9) */
    uint8_t guardian_per_org;            /* signers from one organisation at most (2) */
    uint64_t emergency_escrow_blocks;    /* longest emission escrow (72 h) */
    uint64_t safe_mode_blocks;           /* longest safe mode (24 h) */
    uint64_t safe_mode_extension_blocks; /* its one extension at most (12 h) */
    uint64_t rationale_window_blocks;    /* rationale due after activation, else revert and strike (24 h) */
    uint64_t ratify_window_blocks;       /* an escrow no EAA ratifies within this is paid back (14 d) */
    uint64_t approval_window_blocks;     /* a proposed action expires unless approved within this (24 h) */
    uint64_t quarter_blocks;             /* the period of the per-signer cap (90 d) */
    uint8_t guardian_actions_per_quarter;/* emergency actions a signer may sign per quarter (3) */
    uint8_t guardian_max_strikes;        /* strikes that remove a signer (3) */
    uint64_t guardian_term_blocks;       /* a signer's seat lasts this long from its election (6 months) */
} yuma_gov_audit_params;

/* The §5.9 values at 7,200 blocks a day, and the devnet preset at the
 * due process's devnet day (yuma_gov_params_devnet: 2 blocks). */
yuma_gov_audit_params yuma_gov_audit_params_mainnet(void);
yuma_gov_audit_params yuma_gov_audit_params_devnet(void);
/* The rules between the parameters (each is also range-checked by the
 * parameter table): NULL when they hold, else a one-line reason. */
const char *yuma_gov_audit_params_check(const yuma_gov_audit_params *p);

#define YUMA_GUARDIAN_ORG_LEN 32

/* A guardian signer: its account and its organisation (a name, at most
 * 32 bytes, zero padded), both public on chain. */
typedef struct {
    yuma_account account;
    char org[YUMA_GUARDIAN_ORG_LEN];
} yuma_guardian;

#endif
