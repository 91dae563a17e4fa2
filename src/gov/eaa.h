/*
 * eaa.h - emission-affecting actions (governance-and-users §5.1): every
 * state change that alters one subnet's emission, eligibility or ownership
 * (targeted) or the emission formula for all (global), and their setters.
 *
 * The setters in eaa.c are the only code that writes this state, and they
 * refuse (and count the attempt) unless an enactment of a passed proposal
 * is in progress (gov_enact in proposal.c opens one with eaa_enact_begin).
 * No transaction call reaches them: tests/test_gov_eaa.c sends every call
 * kind from every kind of origin and checks the counter and the state.
 *
 * Classification of every chain parameter: yuma_param_info.cls (the table
 * in params.c); every parameter, EAA or not, changes only through
 * EAA_CHAIN_PARAM, a global action.
 */
#ifndef YUMA_GOV_EAA_H
#define YUMA_GOV_EAA_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/calls.h"
#include "yuma/tx.h"

/* Action kinds: part of the transaction format (gov_propose), never
 * renumber. */
typedef enum {
    /* targeted: one subnet (the proposal's netuid) */
    EAA_EMISSION = 1,        /* value 0: switch the subnet's emission off; 1: back on */
    EAA_REGISTRATION = 2,    /* value 0: close registration; 1: reopen it */
    EAA_OWNER_CUT = 3,       /* value 0..65535: the subnet's owner cut; 65536: back to the chain's */
    EAA_OWNER_CHANGE = 4,    /* account: the new owner (coldkey and owner hotkey) */
    EAA_DISSOLVE = 5,        /* dissolve outside the pruning rule (holders paid as by pruning) */
    EAA_HYPERPARAM = 6,      /* param: 7 weights_rate_limit, 22 kappa, 23 max_allowed_validators; value */
    EAA_RATIFY_ESCROW = 7,   /* value: an emergency escrow's action id (src/gov/emergency.h): confirm it */
    /* global: every subnet */
    EAA_CHAIN_PARAM = 20,    /* param: id in the parameter table (1..yuma_param_count()); value */
    /* the guardian's election (§5.7: "members are elected by House C"):
     * global, decided by House C alone when every action of the proposal
     * is one of these (docs/GOVERNANCE_AUDIT.md) */
    EAA_GUARDIAN_ADD = 21,   /* account: the signer; value: its organisation, 1-8 printable ASCII bytes
                                packed first byte highest, zero padded (eaa_org_pack) */
    EAA_GUARDIAN_REMOVE = 22,/* account: the signer */
} eaa_kind;

/* An organisation name of 1-8 printable ASCII bytes (no space) <-> the
 * action's value. Pack returns false for a name that does not fit;
 * unpack writes a NUL-terminated name and returns false for a value that
 * is not one. */
bool eaa_org_pack(const char *name, uint64_t *value);
bool eaa_org_unpack(uint64_t value, char out[9]);
/* Whether every action of the list is a guardian election action (House C
 * alone decides such a proposal). */
bool eaa_guardian_election(const yuma_gov_action *a, uint32_t count);

const char *eaa_kind_name(uint16_t kind);
bool eaa_is_targeted(uint16_t kind);

/* Syntax and range of one action against its proposal's target (netuid
 * or GOV_NETUID_GLOBAL), as at submission; the chain's state is checked
 * again at enactment. */
yuma_call_status eaa_check(const call_ctx *cx, uint16_t netuid, const yuma_gov_action *a);
/* Whether a global action changes a rule of the due process (the longer
 * timelock applies). */
bool eaa_changes_governance(const yuma_gov_action *a);

/* Applies one action; before/after receive hashes of the affected state.
 * Refused (YUMA_CALL_ERR_UNSUPPORTED, counted) outside an enactment. An
 * action that no longer fits the chain (the subnet is gone, the hotkey was
 * taken) returns its error and writes nothing. */
yuma_call_status eaa_apply(call_ctx *cx, uint64_t proposal_id, uint16_t netuid, const yuma_gov_action *a,
                           uint8_t before[32], uint8_t after[32]);

/* Brackets an enactment (proposal.c's gov_enact only). */
void eaa_enact_begin(void);
void eaa_enact_end(void);

/* Setter invocations so far in this process: from enactments, and refused
 * attempts from anywhere else (which must stay 0). */
uint64_t eaa_enacted_invocations(void);
uint64_t eaa_refused_invocations(void);

#endif
