/*
 * gov.h - the emission due process (governance-and-users §5,
 * docs/GOVERNANCE.md): what the chain calls (the gov_* calls, the block
 * step, and the hooks through which the coinbase, registration and the
 * stake calls honour governance), and what the node and the CLI read
 * (proposals, votes, seats, the deposit a proposal needs).
 *
 * Modules: eaa.c (the only setters of emission-affecting state, reachable
 * only from an enactment), proposal.c (the lifecycle state machine and its
 * calls), houses.c (snapshots, conviction, council seats, tallies),
 * escrow.c (veto escrow, conviction locks, rage exit, exit rights),
 * gov_records.c (the records below), params.c (the parameter table).
 *
 * Records (prefixes 0x20-0x2F; docs/CHAIN.md):
 *   0x20                                   -> gov_global_rec
 *   0x21 + id (u64 BE)                     -> gov_proposal
 *   0x22 + netuid (BE)                     -> gov_subnet_rec (governance switches of one subnet)
 *   0x23 + id + round + coldkey            -> gov_vote_rec
 *   0x24 + coldkey + hotkey + netuid (BE)  -> conviction lock: amount, until
 *   0x25 + id + round + coldkey            -> House S snapshot of one coldkey (weight, positions)
 *   0x26 + id + H(coldkey || hotkey)       -> veto escrow: coldkey, hotkey, alpha amount
 *   0x27 + id + account                    -> deposit paid by account
 *   0x28 + coldkey                         -> seat EMA sample (stake, incentive, flags)
 *   0x29 + id + round + coldkey            -> council seats of one coldkey in that round
 *   0x2A + hotkey                          -> free registration (exit right) until block
 *   0x2B                                   -> ids of the open proposals, ascending
 *   0x2E + track + coldkey                 -> House S delegation: delegate, conviction, since
 *   0x2C + id + hotkey                     -> a top validator's response: hash, count, block
 *   0x2D + netuid (BE)                     -> the subnet's 7-day EMA price: I96F32, registered_at
 */
#ifndef YUMA_GOV_GOV_H
#define YUMA_GOV_GOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/calls.h"
#include "chain/kv.h"
#include "yuma/chain.h"
#include "yuma/fixed128.h"
#include "yuma/tx.h"

enum {
    REC_GOV_GLOBAL = 0x20,
    REC_GOV_PROPOSAL = 0x21,
    REC_GOV_SUBNET = 0x22,
    REC_GOV_VOTE = 0x23,
    REC_GOV_LOCK = 0x24,
    REC_GOV_SNAPSHOT = 0x25,
    REC_GOV_ESCROW = 0x26,
    REC_GOV_DEPOSIT = 0x27,
    REC_GOV_SEAT_EMA = 0x28,
    REC_GOV_SEATS = 0x29,
    REC_GOV_REG_CREDIT = 0x2A,
    REC_GOV_OPEN = 0x2B,
    REC_GOV_VALIDATOR_RESPONSE = 0x2C,
    REC_GOV_PRICE_EMA = 0x2D,
    REC_GOV_DELEGATION = 0x2E,
};

#define GOV_NETUID_GLOBAL 0xFFFFu
#define GOV_MAX_OPEN 256              /* open proposals at once (one per subnet plus globals) */
#define GOV_MAX_GLOBAL_OPEN 8         /* open global proposals at once */
#define GOV_CONVICTION_MAX 5

/* ---- proposals ---- */

typedef enum {
    GOV_PENDING_DEPOSIT = 1, /* submitted; deposit incomplete, top-ups open */
    GOV_NOTICE = 2,          /* hearing: notice given, voting opens at voting_start */
    GOV_VOTING = 3,
    GOV_TIMELOCK = 4,        /* passed; veto escrow and the appeal window open */
    GOV_APPEAL = 5,          /* the appeal vote; the timelock is paused */
    GOV_ENACTED = 6,
    GOV_REJECTED = 7,        /* a house did not pass it: deposit refunded */
    GOV_VETOED = 8,          /* > 1/3 no_with_veto: deposit burned */
    GOV_REVERSED = 9,        /* the appeal won: half the deposit burned */
    GOV_WITHDRAWN = 10,
    GOV_EXPIRED = 11,        /* deposit incomplete in time, or the target subnet is gone */
} gov_state;

static inline bool gov_state_open(uint8_t s)
{
    return s >= GOV_PENDING_DEPOSIT && s <= GOV_APPEAL;
}

const char *gov_state_name(uint8_t s);

typedef enum { GOV_AYE = 1, GOV_NAY = 2, GOV_ABSTAIN = 3, GOV_VETO = 4 } gov_choice;

const char *gov_choice_name(uint8_t c);

/* One round's tally (round 0: the vote; round 1: the appeal). House S
 * values are conviction-weighted and capped per entity, in rao of TAO
 * value; turnout and eligible are the raw snapshot stake. */
typedef struct {
    uint64_t s_aye, s_nay, s_abstain, s_veto;
    uint64_t s_turnout, s_eligible;
    uint32_t s_quorum_ppm;           /* the quorum the round had to reach */
    uint32_t s_nakamoto;             /* NC(1/2) of the round's stake snapshot */
    uint32_t c_aye, c_nay, c_abstain, c_veto;
    uint32_t c_seats;                /* eligible seats (after recusals) */
    bool s_pass, c_pass, veto;       /* set by the tally */
    bool tallied;
} gov_tally;

typedef struct {
    uint64_t id;
    uint8_t state;
    uint8_t round;                   /* 0 until an appeal, then 1 */
    uint16_t netuid;                 /* GOV_NETUID_GLOBAL for a global proposal */
    uint64_t target_registered_at;   /* the target subnet's registration (a reused netuid is another subnet) */
    yuma_account proposer;
    uint8_t rationale_hash[32];
    uint8_t response_hash[32];
    uint8_t responses;               /* 0, 1, or 2 with the amendment */
    uint64_t deposit_required, deposit_total;
    uint64_t submitted_at, deposit_deadline;
    uint64_t voting_start;           /* notice ends */
    uint64_t round_start, round_end; /* the current round's voting blocks [start, end) */
    bool snapshot_taken;             /* of the current round */
    uint64_t timelock_start, timelock_base, paused;
    uint64_t escrow_total;           /* alpha in the veto escrow now */
    uint32_t escrow_peak_ppm;        /* highest R seen: the stretch never shrinks */
    yu128 pre_price;                 /* the target's exit price (I96F32): max(spot, EMA) at submission */
    yuma_account appellant;
    uint64_t appeal_bond;
    uint64_t closed_at;
    gov_tally tally[2];
    uint32_t action_count;
    yuma_gov_action actions[YUMA_TX_MAX_GOV_ACTIONS];
} gov_proposal;

bool gov_proposal_get(const ykv *kv, uint64_t id, gov_proposal *out);
bool gov_proposal_put(ykv *kv, const gov_proposal *p);
void gov_proposal_hash(const gov_proposal *p, uint8_t out[32]);

/* When the timelock ends given R's peak (§5.5): base + stretch + pauses. */
uint64_t gov_timelock_end(const gov_proposal *p, const yuma_gov_params *g);
/* The current round's [start, end) voting blocks are open for votes. */
bool gov_voting_open(const gov_proposal *p, uint64_t now);
/* Whether enacting the proposal would stop the subnet's emission or
 * dissolve it (the exit rights of §5.6 apply). */
bool gov_proposal_disabling(const gov_proposal *p);

/* ---- global record and open list ---- */

typedef struct {
    uint64_t next_id;                /* ids start at 1 */
    uint32_t quorum_ppm;             /* House S's adaptive quorum (EMA of turnout) */
    uint64_t enactments;             /* proposals enacted so far */
} gov_global_rec;

gov_global_rec gov_global_get(const ykv *kv, const yuma_gov_params *g);
bool gov_global_put(ykv *kv, const gov_global_rec *r);
size_t gov_open_get(const ykv *kv, uint64_t ids[GOV_MAX_OPEN]);
bool gov_open_put(ykv *kv, const uint64_t *ids, size_t n);

/* ---- per-subnet governance switches (written only by eaa.c) ---- */

enum {
    GOV_SUBNET_EMISSION_OFF = 1,     /* the coinbase gives the subnet nothing */
    GOV_SUBNET_REGISTRATION_OFF = 2, /* burned_register refuses */
    GOV_SUBNET_OWNER_CUT = 4,        /* owner_cut overrides the chain's subnet_owner_cut */
};

typedef struct {
    uint8_t flags;
    uint16_t owner_cut;
    uint64_t open_id;                /* the open targeted proposal, 0 when none */
    uint64_t cooldown_until;         /* no new targeted proposal before this block */
} gov_subnet_rec;

gov_subnet_rec gov_subnet_get(const ykv *kv, uint16_t netuid);
bool gov_subnet_put(ykv *kv, uint16_t netuid, const gov_subnet_rec *r);

/* ---- hooks the chain calls ---- */

/* The coinbase: false when governance switched the subnet's emission off. */
bool gov_subnet_emits(const ykv *kv, uint16_t netuid);
/* The owner cut of this subnet (an override, else the chain's). */
uint16_t gov_owner_cut(const ykv *kv, uint16_t netuid, uint16_t chain_cut);
/* burned_register: false when governance closed registration. */
bool gov_registration_allowed(const ykv *kv, uint16_t netuid);
/* burned_register: a neuron of a subnet switched off by governance
 * registers once without burn within the exit period; consumes it. */
bool gov_take_registration_credit(ykv *kv, const yuma_account *hotkey, uint64_t now, bool *used);
/* The stake calls: alpha of (coldkey, hotkey, netuid) that must stay put
 * (conviction lock or veto escrow), now. */
uint64_t gov_locked_stake(const ykv *kv, const yuma_account *coldkey, const yuma_account *hotkey, uint16_t netuid,
                          uint64_t now);
/* dissolve.c: a subnet is gone (its netuid may be reused): its switches go. */
bool gov_subnet_dissolved(ykv *kv, uint16_t netuid);

/* The block step (dispatch.c): seat samples, snapshots, tallies, timelock
 * ends, rage exits and enactments, expiries. */
yuma_chain_status gov_block_step(call_ctx *cx);

/* ---- calls ---- */

yuma_call_status gov_call_propose(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_topup(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_respond(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_vote(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_appeal(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_escrow(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_withdraw(call_ctx *cx, const yuma_call *call);
yuma_call_status gov_call_owner_transfer(call_ctx *cx, const yuma_call *call);

/* ---- responses of the target's top validators (§5.2) ---- */

/* Besides the owner, the target subnet's top validators may each file a
 * response (and one amendment) in the hearing, signed by their hotkey. */
#define GOV_RESPONDING_VALIDATORS 3

typedef struct {
    yuma_account hotkey;
    uint8_t hash[32];                /* BLAKE2b-256 of the response text */
    uint8_t count;                   /* 1, or 2 with the amendment */
    uint64_t block;                  /* when the last one was filed */
} gov_validator_response;

/* The subnet's top validators now: neurons with a validator permit ranked
 * by alpha stake on it (ties: the lower hotkey first), at most 3. */
size_t gov_top_validators(const ykv *kv, uint16_t netuid, yuma_account out[GOV_RESPONDING_VALIDATORS]);
/* The validators' responses to proposal id (ordered by hotkey); returns
 * how many there are, fills at most cap. */
size_t gov_validator_responses(const ykv *kv, uint64_t id, gov_validator_response *out, size_t cap);

/* ---- the deposit account ---- */

/* Deposits and appeal bonds are held as the balance of this account (no
 * key can sign for it: it is a hash, not a public key of a known secret),
 * so the supply audit counts them as any balance. */
const yuma_account *gov_deposit_account(void);

/* max(min_deposit, deposit_emission_ppm of the target's estimated
 * deposit-window emission); min_deposit for a global proposal. */
uint64_t gov_required_deposit(const ykv *kv, const yuma_chain_params *p, uint16_t netuid);

/* ---- houses (houses.c) ---- */

/* Conviction multiplier in thousandths and lock periods (§5.3): 0 -> 0.1x
 * no lock; 1..5 -> 1x, 1.75x, 2.5x, 3.25x, 4x for 1, 2, 4, 8, 16 periods. */
uint32_t gov_conviction_milli(uint8_t conviction);
uint32_t gov_conviction_periods(uint8_t conviction);

/* House S snapshot of one coldkey: weight (rao of TAO value, target stake
 * 1x, other stake x cross-subnet factor on targeted proposals) and the
 * positions it came from, which a conviction vote locks. */
#define GOV_MAX_POSITIONS 64
typedef struct {
    yuma_account hotkey;
    uint16_t netuid;
    uint64_t alpha;                  /* stake at the snapshot */
    uint64_t weight;                 /* its TAO-value weight */
} gov_position;

typedef struct {
    uint64_t weight;
    uint32_t count;
    gov_position pos[GOV_MAX_POSITIONS];
} gov_snapshot_rec;

bool gov_snapshot_get(const ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, gov_snapshot_rec *out);
uint16_t gov_seats_get(const ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey);

/* Takes the round's snapshots (House S stakes and council seats) at the
 * block voting opens; fills the tally's eligible totals. */
bool gov_take_snapshot(call_ctx *cx, gov_proposal *p);

typedef struct {
    uint8_t choice, conviction;
    uint64_t weight;                 /* House S: snapshot weight still held when voting (pre-conviction) */
    uint16_t seats;                  /* House C */
    bool delegated;                  /* cast for the coldkey by its delegate at the round's end */
} gov_vote_rec;

/* ---- per-track delegation of House S votes (§5.3) ---- */

enum { GOV_TRACK_TARGETED = 0, GOV_TRACK_GLOBAL = 1 };

typedef struct {
    yuma_account delegate;
    uint8_t conviction;              /* the delegator's own conviction for what it delegates */
    uint64_t since;                  /* the block it was set: counts only in rounds whose snapshot is later */
} gov_delegation_rec;

bool gov_delegation_get(const ykv *kv, uint8_t track, const yuma_account *delegator, gov_delegation_rec *out);
/* gov_delegate: choice = track, dest = the delegate (all zero: remove the
 * delegation), conviction 0-5. */
yuma_call_status gov_call_delegate(call_ctx *cx, const yuma_call *call);
/* At the end of a round, before its tally: every coldkey that delegated
 * p's track before the round's snapshot and did not vote itself gets the
 * vote its delegate cast (if any), with its own snapshot weight still
 * held, its own conviction and the conviction lock that goes with it. */
yuma_call_status gov_apply_delegations(call_ctx *cx, gov_proposal *p);

bool gov_vote_get(const ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, gov_vote_rec *out);
bool gov_vote_put(ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, const gov_vote_rec *v);

/* Counts the round's votes (entity cap, quorum, thresholds, veto) into
 * p->tally[round]; does not change p->state. quorum_ppm is House S's. */
bool gov_tally_round(const ykv *kv, const yuma_gov_params *g, gov_proposal *p, uint32_t quorum_ppm);

/* The seat EMA sample (every seat_sample_blocks). */
bool gov_sample_seats(call_ctx *cx);

/* One council seat holder. */
typedef struct {
    yuma_account coldkey;
    uint8_t economic, builder, miner;
} gov_seat;

/* The council as it would be seated at block now (sorted by coldkey);
 * *out is malloc'ed, the caller frees it. False only when out of memory. */
bool gov_council(const ykv *kv, const yuma_chain_params *p, uint64_t now, gov_seat **out, size_t *count);

/* NC(1/2): the fewest weights (largest first) summing to more than half. */
uint32_t gov_nakamoto_half(uint64_t *weights, size_t n);

/* ---- the exit price (exit_price.c) ---- */

/* §5.5's "pre-proposal 7-day EMA price" of a subnet: an EMA of its spot
 * price (I96F32 TAO per alpha) over price_ema_blocks, sampled in the block
 * step every seat_sample_blocks with weight 2S/(W+S) (S the sample
 * interval, W the window; 1 when S >= W). Not the chain's own EMA price,
 * which is capped at 1.0 and moves over months (economics §3.5). False
 * before the subnet's first sample (a new subnet: the spot price serves). */
bool gov_price_ema(const ykv *kv, uint16_t netuid, yu128 *out);
/* Samples every subnet's spot price into its EMA (the block step). */
bool gov_sample_prices(call_ctx *cx);

/* ---- escrow and locks (escrow.c) ---- */

bool gov_lock_add(ykv *kv, const yuma_account *coldkey, const yuma_account *hotkey, uint16_t netuid, uint64_t amount,
                  uint64_t until);
/* Where an escrowed position's stake is: alpha on the target, or TAO
 * delegated (root stake) to one of the target's validators (§5.5). */
enum { GOV_ESCROW_ALPHA = 0, GOV_ESCROW_ROOT = 1 };
/* How an escrowed position leaves at a rage exit (gov_escrow choice 0 or 2). */
enum { GOV_EXIT_PRICE = 0, GOV_EXIT_AMM = 1 };
typedef struct {
    uint64_t amount;   /* alpha, or TAO for root stake; 0: no position */
    uint8_t exit_mode; /* GOV_EXIT_PRICE or GOV_EXIT_AMM (root stake: always the price) */
} gov_escrow_position;
/* What coldkey escrowed on hotkey for proposal id from source: alpha
 * (GOV_ESCROW_ALPHA, gov_escrow choices 0-2) or root TAO (GOV_ESCROW_ROOT,
 * choices 3 and 4); {0, GOV_EXIT_PRICE} where there is none. */
gov_escrow_position gov_escrow_get(const ykv *kv, uint64_t id, const yuma_account *coldkey,
                                   const yuma_account *hotkey, uint8_t source);
/* What tao of root stake counts in R: tao / p's pre-proposal price, in alpha. */
uint64_t gov_escrow_root_alpha(const gov_proposal *p, uint64_t tao);
/* R now: escrowed alpha (and escrowed root TAO at the pre-proposal price,
 * in alpha) over the alpha the subnet's stakers hold, ppm, at most 1e6. */
uint32_t gov_escrow_ratio_ppm(const ykv *kv, const gov_proposal *p);
/* At the end of a timelock stretched to the maximum with R at or above the
 * rage seal: every escrowed position is unstaked, those that chose it at
 * the pre-proposal price, paid from the pool (capped at their pro-rata
 * share of the pool's TAO, and pro rata if the pool cannot pay all), then
 * those that chose the AMM sold into the pool down to exit_slippage_ppm
 * below the spot price before each sale (the rest stays staked). */
yuma_call_status gov_rage_exit(call_ctx *cx, gov_proposal *p);
/* The exit rights of §5.6 when a disabling EAA is enacted: the owner's
 * lock refund and the neurons' free registration. */
yuma_call_status gov_exit_rights(call_ctx *cx, const gov_proposal *p);

/* ---- money ---- */

yuma_call_status gov_pay_in(call_ctx *cx, const yuma_account *from, uint64_t amount);
yuma_call_status gov_pay_out(call_ctx *cx, const yuma_account *to, uint64_t amount);
/* Destroys held deposit: out of the deposit account and the issuance. */
yuma_call_status gov_burn(call_ctx *cx, uint64_t amount);

/* ---- audit (ids this module uses as call_id beside the action kinds) ---- */

enum {
    GOV_AUDIT_ID_NOTICE = 0x8000,        /* deposit complete: notice given, hearing open */
    GOV_AUDIT_ID_REJECTED = 0x8001,
    GOV_AUDIT_ID_VETOED = 0x8002,
    GOV_AUDIT_ID_WITHDRAWN = 0x8003,
    GOV_AUDIT_ID_EXPIRED = 0x8004,
    GOV_AUDIT_ID_PASSED = 0x8005,        /* both houses passed: timelock starts */
    GOV_AUDIT_ID_RESPONSE = 0x8006,      /* the owner's response filed */
    GOV_AUDIT_ID_VALIDATOR_RESPONSE = 0x8007, /* a top validator's response (before: its hotkey, after: the hash) */
    GOV_AUDIT_ID_APPEAL_FILED = 0x8010,
    GOV_AUDIT_ID_APPEAL_LOST = 0x8011,   /* the EAA was confirmed: timelock resumes */
    GOV_AUDIT_ID_APPEAL_WON = 0x8012,    /* the EAA is reversed */
    GOV_AUDIT_ID_RAGE_EXIT = 0x8020,
    GOV_AUDIT_ID_LOCK_REFUND = 0x8021,
    GOV_AUDIT_ID_OWNER_TRANSFER = 0x8022,
    GOV_AUDIT_ID_ACTION_FAILED = 0x4000, /* | action kind: the action could not apply at enactment */
};

/* Chain events of the due process (kinds 512..639 of the governance range;
 * 640..767 are left to the audit side): one per audited step, with netuid
 * the target (YUMA_EVENT_NO_NETUID for global), who the proposer, value the
 * proposal id and amount the action kind (enactments) or 0. */
enum {
    GOV_EVENT_NOTICE = 512, GOV_EVENT_REJECTED, GOV_EVENT_VETOED, GOV_EVENT_WITHDRAWN, GOV_EVENT_EXPIRED,
    GOV_EVENT_PASSED, GOV_EVENT_RESPONSE, GOV_EVENT_APPEAL_FILED, GOV_EVENT_APPEAL_LOST, GOV_EVENT_APPEAL_WON,
    GOV_EVENT_RAGE_EXIT, GOV_EVENT_LOCK_REFUND, GOV_EVENT_OWNER_TRANSFER, GOV_EVENT_ENACTED, GOV_EVENT_ACTION_FAILED,
    GOV_EVENT_VALIDATOR_RESPONSE,
    GOV_EVENT_GUARDIAN_TERM_ENDED, /* 528: who = the signer, amount = its slot, value = the block its term ended */
    GOV_EVENT_LAST = GOV_EVENT_GUARDIAN_TERM_ENDED,
};

/* "gov_notice", ... for the kinds above; NULL otherwise. */
const char *gov_event_name(uint16_t kind);
/* What an audit call_id of this module means ("notice", "rejected", an
 * action kind's name, ...); NULL for an id it does not use. */
const char *gov_audit_id_name(uint16_t call_id);

/* Appends one entry about p (class by target, or APPEAL) with before and
 * after hashes of whatever changed, and emits its chain event. */
bool gov_audit_proposal(call_ctx *cx, const gov_proposal *p, uint8_t class_, uint16_t call_id,
                        const uint8_t before[32], const uint8_t after[32]);

#endif
