/*
 * test_gov_proposal.c - the proposal lifecycle (governance-and-users §5.2)
 * through real signed transactions on a devnet-preset chain
 * (tests/gov_testnet.h): every legal transition, each illegal call refused
 * with its error and no state change (checked against a twin chain), the
 * deposit rules, veto-burn, the appeal both ways, the veto escrow's stretch
 * and rage exit, exit rights, flash-stake and vote-then-dump attempts, and
 * votes in the closing block. Money is checked to the rao against values
 * computed here from the rules, and the supply audit runs every block.
 */
#include "gov_testnet.h"

#include "chain/hyperparams.h"
#include "yuma/pool.h"

/* Timeline of the devnet preset (a "day" = 2 blocks). */
#define NOTICE 4
#define VOTING 14
#define TIMELOCK 14
#define TIMELOCK_MAX 60
#define APPEAL_WINDOW 6
#define APPEAL_VOTING 14

static const uint64_t DEPOSIT = 100 * TAO;

/* Submits the emission cut of subnet 1 by M1 and returns its id; the
 * proposal is in notice from this block. */
static uint64_t propose_cut(void)
{
    yuma_chain_params prm = gn_params();
    uint64_t id = gov_global_get(gn_kv(), &prm.gov).next_id;
    gn_send(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_OK);
    return id;
}

/* Votes of the council and the stakers: aye or nay from the council
 * (V1-V3's economic seats, OWNER2's builder seat), the stakers as given. */
static void council_votes(uint64_t id, uint8_t council, uint8_t whale, uint8_t small)
{
    gn_queue(COLD, V1, gn_vote(id, council, 1));
    gn_queue(COLD, V2, gn_vote(id, council, 1));
    gn_queue(COLD, V3, gn_vote(id, council, 1));
    gn_queue(COLD, OWNER2, gn_vote(id, council, 0));
    gn_queue(COLD, WHALE, gn_vote(id, whale, 1));
    gn_queue(COLD, S1, gn_vote(id, small, 0));
    gn_block();
    for (size_t i = 0; i < 6; i++) gn_expect(i, YUMA_CALL_OK);
}

static int setup(void **state)
{
    (void)state;
    gn_setup(true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gn_teardown();
    return 0;
}

/* The council the setup seats, and the snapshot of House S. */
static void test_council_and_snapshot(void **state)
{
    (void)state;
    gov_seat *seats;
    size_t n;
    yuma_chain_params p = gn_params();
    assert_true(gov_council(gn_kv(), &p, yuma_chain_height(gn_a), &seats, &n));
    /* Economic: the validators and the owner (their hotkeys hold permits
     * and stake); builders: both subnet owners. Miners hold no stake. */
    int economic = 0, builder = 0;
    for (size_t i = 0; i < n; i++) {
        economic += seats[i].economic;
        builder += seats[i].builder;
        yuma_account m1 = gn_acc(COLD, M1);
        assert_false(memcmp(seats[i].coldkey.bytes, m1.bytes, 32) == 0);
    }
    free(seats);
    assert_int_equal(builder, 2);
    assert_int_equal(economic, 4);
    uint64_t id = propose_cut();
    gn_blocks(NOTICE);
    gov_proposal pr = gn_proposal(id);
    assert_int_equal(pr.state, GOV_VOTING);
    assert_true(pr.snapshot_taken);
    /* Recused: the proposer (M1) and the target's owner; seats left: V1-V3
     * economic, OWNER2 builder. */
    assert_int_equal(pr.tally[0].c_seats, 4);
    gov_snapshot_rec s;
    yuma_account who = gn_acc(COLD, OWNER);
    assert_false(gov_snapshot_get(gn_kv(), id, 0, &who, &s));
    assert_int_equal(gov_seats_get(gn_kv(), id, 0, &who), 0);
    who = gn_acc(COLD, WHALE);
    assert_true(gov_snapshot_get(gn_kv(), id, 0, &who, &s));
    assert_int_equal(s.count, 1);
    assert_int_equal(s.pos[0].netuid, 1);
    /* The whale's weight is its alpha at the spot price. */
    subnet_rec sub;
    assert_true(subnet_get(gn_kv(), 1, &sub));
    yuma_account v1 = gn_acc(HOT, V1);
    assert_int_equal(s.pos[0].alpha, stake_of(gn_kv(), &v1, &who, 1));
    /* V3 also stakes on subnet 2: that position counts half. */
    who = gn_acc(COLD, V3);
    assert_true(gov_snapshot_get(gn_kv(), id, 0, &who, &s));
    assert_int_equal(s.count, 2);
}

static void test_pass_and_enact(void **state)
{
    (void)state;
    uint64_t m1_before = gn_balance(COLD, M1);
    uint64_t id = propose_cut();
    uint64_t fee = yuma_chain_min_fee(gn_a, YUMA_TX_MAX_ENCODED);
    assert_int_equal(gn_balance(COLD, M1), m1_before - DEPOSIT - fee);
    gov_proposal p = gn_proposal(id);
    uint64_t h = p.submitted_at;
    assert_int_equal(p.state, GOV_NOTICE);
    assert_int_equal(p.voting_start, h + NOTICE);
    assert_true(gn_audited(id, GOV_AUDIT_ID_NOTICE));
    /* EaaNoticed{netuid, proposal_id} (§5.2) as a chain event. */
    assert_true(gn_event(GOV_EVENT_NOTICE, 1, id));
    assert_string_equal(yuma_event_name(GOV_EVENT_NOTICE), "gov_notice");
    /* The owner's hearing response, on chain beside the rationale. */
    yuma_call r = gn_id_call(YUMA_CALL_GOV_RESPOND, id);
    memset(r.doc_hash, 0x33, 32);
    gn_send(COLD, OWNER, r, YUMA_CALL_OK);
    assert_int_equal(gn_proposal(id).responses, 1);
    assert_true(gn_audited(id, GOV_AUDIT_ID_RESPONSE));
    gn_until(h + NOTICE);
    assert_int_equal(gn_proposal(id).state, GOV_VOTING);
    council_votes(id, GOV_AYE, GOV_AYE, GOV_NAY);
    gn_until(h + NOTICE + VOTING - 1);
    assert_int_equal(gn_proposal(id).state, GOV_VOTING);
    gn_block();
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_TIMELOCK);
    assert_true(p.tally[0].s_pass);
    assert_true(p.tally[0].c_pass);
    assert_int_equal(p.tally[0].c_aye, 4);
    assert_true(gn_audited(id, GOV_AUDIT_ID_PASSED));
    /* Still emitting during the timelock. */
    assert_true(gov_subnet_emits(gn_kv(), 1));
    uint64_t end = p.timelock_start + TIMELOCK;
    gn_until(end - 1);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    subnet_rec s;
    assert_true(subnet_get(gn_kv(), 1, &s));
    uint64_t owner_before = gn_balance(COLD, OWNER);
    /* Exit rights: the lock back pro rata to what remains of the term. */
    yuma_chain_params prm = gn_params();
    uint64_t remaining = s.registered_at + prm.gov.owner_term_blocks - end;
    uint64_t refund = (uint64_t)((unsigned __int128)s.lock * remaining / prm.gov.owner_term_blocks);
    gn_block();
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_ENACTED);
    assert_false(gov_subnet_emits(gn_kv(), 1));
    assert_true(gn_audited(id, EAA_EMISSION));
    assert_true(gn_event(GOV_EVENT_ENACTED, 1, id));
    assert_true(gn_audited(id, GOV_AUDIT_ID_LOCK_REFUND));
    assert_int_equal(gn_balance(COLD, OWNER), owner_before + refund);
    /* The deposit is back (less the fee M1 paid for its one call). */
    assert_int_equal(gn_balance(COLD, M1), m1_before - fee);
    /* From the next block on, subnet 1 gets nothing: no injection, no
     * alpha minted; subnet 2 goes on. */
    subnet_rec a1, a2, b1, b2;
    assert_true(subnet_get(gn_kv(), 1, &a1) && subnet_get(gn_kv(), 2, &a2));
    gn_block();
    assert_true(subnet_get(gn_kv(), 1, &b1) && subnet_get(gn_kv(), 2, &b2));
    assert_int_equal(b1.pool.tao, a1.pool.tao);
    assert_int_equal(b1.alpha_out, a1.alpha_out);
    assert_int_equal(b1.pool.alpha_in, a1.pool.alpha_in);
    assert_true(b2.alpha_out > a2.alpha_out);
    /* The subnet may take a new proposal (no cooldown after a success). */
    assert_int_equal(gov_subnet_get(gn_kv(), 1).open_id, 0);
    /* A neuron of the switched-off subnet registers once for free. */
    uint64_t m2_before = gn_balance(COLD, M2);
    yuma_call reg = gn_call(YUMA_CALL_BURNED_REGISTER);
    reg.netuid = 2;
    reg.hotkey = gn_acc(HOT, M2);
    gn_send(COLD, M2, reg, YUMA_CALL_OK);
    assert_int_equal(gn_balance(COLD, M2), m2_before - fee);
}

static void test_reject_refund_and_cooldown(void **state)
{
    (void)state;
    uint64_t m1_before = gn_balance(COLD, M1);
    uint64_t fee = yuma_chain_min_fee(gn_a, YUMA_TX_MAX_ENCODED);
    uint64_t id = propose_cut();
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    /* The whale (most of the stake) and S1 vote aye and carry House S; the
     * council says no, so the cut fails. */
    council_votes(id, GOV_NAY, GOV_AYE, GOV_AYE);
    gn_until(h + NOTICE + VOTING);
    gov_proposal p = gn_proposal(id);
    assert_int_equal(p.state, GOV_REJECTED);
    assert_true(p.tally[0].s_pass);
    assert_false(p.tally[0].c_pass);
    /* The entity cap: the whale counts a tenth of the votes cast. */
    uint64_t cast = p.tally[0].s_aye + p.tally[0].s_nay + p.tally[0].s_abstain + p.tally[0].s_veto;
    gov_vote_rec w;
    yuma_account whale = gn_acc(COLD, WHALE);
    assert_true(gov_vote_get(gn_kv(), id, 0, &whale, &w));
    assert_true(w.weight > cast); /* uncapped, the whale alone outweighs everyone */
    /* The quorum moved a fifth of the way from 20% to this turnout (an
     * EMA of turnout, §5.3), within the 10%..40% band. */
    int64_t turnout = (int64_t)((unsigned __int128)p.tally[0].s_turnout * 1000000 / p.tally[0].s_eligible);
    int64_t q = 200000 + (turnout - 200000) / 5;
    if (q > 400000) q = 400000;
    if (q < 100000) q = 100000;
    yuma_chain_params prm = gn_params();
    assert_int_equal(gov_global_get(gn_kv(), &prm.gov).quorum_ppm, q);
    assert_true(gn_audited(id, GOV_AUDIT_ID_REJECTED));
    assert_true(gov_subnet_emits(gn_kv(), 1));
    assert_int_equal(gn_balance(COLD, M1), m1_before - fee);
    /* 30 "days" of cooldown for the subnet, refused with no state change. */
    gov_subnet_rec g = gov_subnet_get(gn_kv(), 1);
    assert_int_equal(g.cooldown_until, h + NOTICE + VOTING + gn_params().gov.cooldown_blocks);
    gn_send(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_ERR_GOV_COOLDOWN);
    /* Other subnets are not affected. */
    gn_send(COLD, M1, gn_propose(2, EAA_REGISTRATION, 0, 0, DEPOSIT), YUMA_CALL_OK);
    gn_until(g.cooldown_until);
    gn_send(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_OK);
}

static void test_veto_burns_deposit(void **state)
{
    (void)state;
    uint64_t id = propose_cut();
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    council_votes(id, GOV_VETO, GOV_VETO, GOV_NAY);
    gn_until(h + NOTICE + VOTING - 1);
    uint64_t recycled = supply_get(gn_kv()).total_recycled, m1 = gn_balance(COLD, M1);
    gn_block();
    gov_proposal p = gn_proposal(id);
    assert_int_equal(p.state, GOV_VETOED);
    assert_true(p.tally[0].veto);
    assert_true(gn_audited(id, GOV_AUDIT_ID_VETOED));
    /* Exactly the deposit leaves the supply; nothing goes back. */
    assert_int_equal(supply_get(gn_kv()).total_recycled, recycled + DEPOSIT);
    assert_int_equal(gn_balance(COLD, M1), m1);
    yuma_account dep = *gov_deposit_account();
    assert_int_equal(yuma_chain_balance(gn_a, &dep), 0);
    assert_true(gov_subnet_get(gn_kv(), 1).cooldown_until > yuma_chain_height(gn_a));
}

/* Passes the cut (council and stakers aye) and returns at the first block
 * of its timelock. */
static uint64_t pass_cut(void)
{
    uint64_t id = propose_cut();
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    council_votes(id, GOV_AYE, GOV_AYE, GOV_AYE);
    gn_until(h + NOTICE + VOTING);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    return id;
}

static void test_appeal_reverses(void **state)
{
    (void)state;
    uint64_t m1 = gn_balance(COLD, M1), fee = yuma_chain_min_fee(gn_a, YUMA_TX_MAX_ENCODED);
    uint64_t id = pass_cut();
    gov_proposal p = gn_proposal(id);
    /* Only the owner appeals. */
    gn_send(COLD, M1, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_ERR_NOT_OWNER);
    uint64_t owner = gn_balance(COLD, OWNER);
    gn_send(COLD, OWNER, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_OK);
    uint64_t bond = DEPOSIT / 4;
    assert_int_equal(gn_balance(COLD, OWNER), owner - bond - fee);
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_APPEAL);
    assert_int_equal(p.appeal_bond, bond);
    assert_true(gn_audited(id, GOV_AUDIT_ID_APPEAL_FILED));
    /* Once only, and votes wait for the fresh snapshot of the next block. */
    gn_send(COLD, OWNER, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_ERR_GOV_WRONG_STATE);
    p = gn_proposal(id);
    assert_true(p.snapshot_taken);
    uint64_t start = p.round_start;
    /* The appeal vote: stakers confirm, the council does not reach 3/4. */
    gn_queue(COLD, V1, gn_vote(id, GOV_AYE, 1));
    gn_queue(COLD, V2, gn_vote(id, GOV_NAY, 1));
    gn_queue(COLD, WHALE, gn_vote(id, GOV_AYE, 1));
    gn_block();
    for (size_t i = 0; i < 3; i++) gn_expect(i, YUMA_CALL_OK);
    gn_until(start + APPEAL_VOTING - 1);
    owner = gn_balance(COLD, OWNER);
    uint64_t recycled = supply_get(gn_kv()).total_recycled;
    gn_block();
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_REVERSED);
    assert_false(p.tally[1].c_pass);
    assert_true(gn_audited(id, GOV_AUDIT_ID_APPEAL_WON));
    /* Bond back to the owner; half the deposit burned, half back. */
    assert_int_equal(gn_balance(COLD, OWNER), owner + bond);
    assert_int_equal(supply_get(gn_kv()).total_recycled, recycled + DEPOSIT / 2);
    assert_int_equal(gn_balance(COLD, M1), m1 - 2 * fee - DEPOSIT / 2); /* it proposed and tried to appeal */
    assert_true(gov_subnet_emits(gn_kv(), 1));
    gn_blocks(TIMELOCK_MAX);
    assert_true(gov_subnet_emits(gn_kv(), 1));
}

static void test_appeal_confirmed_pauses_timelock(void **state)
{
    (void)state;
    uint64_t id = pass_cut();
    gov_proposal p = gn_proposal(id);
    uint64_t tl = p.timelock_start;
    gn_blocks(2);
    gn_send(COLD, OWNER, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_OK);
    uint64_t filed = yuma_chain_height(gn_a);
    p = gn_proposal(id);
    /* Confirmation needs S > 3/5 and C >= 3/4: everyone with a say agrees. */
    council_votes(id, GOV_AYE, GOV_AYE, GOV_AYE);
    gn_until(p.round_start + APPEAL_VOTING);
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_TIMELOCK);
    assert_true(p.tally[1].s_pass && p.tally[1].c_pass);
    assert_true(gn_audited(id, GOV_AUDIT_ID_APPEAL_LOST));
    /* The timelock did not run during the appeal. */
    assert_int_equal(p.paused, yuma_chain_height(gn_a) - filed);
    uint64_t end = tl + TIMELOCK + p.paused;
    yuma_chain_params prm = gn_params();
    assert_int_equal(gov_timelock_end(&p, &prm.gov), end);
    gn_until(end - 1);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    gn_block();
    assert_int_equal(gn_proposal(id).state, GOV_ENACTED);
    assert_false(gov_subnet_emits(gn_kv(), 1));
    /* The appeal window has passed long ago for any later appeal. */
    gn_send(COLD, OWNER, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_ERR_GOV_WRONG_STATE);
}


static yuma_call escrow(uint64_t id, int hotkey_of, uint64_t amount, uint8_t dir)
{
    yuma_call c = gn_id_call(YUMA_CALL_GOV_ESCROW, id);
    c.hotkey = gn_acc(HOT, hotkey_of);
    c.amount = amount;
    c.choice = dir;
    return c;
}

static yuma_call unstake(int hotkey_of, uint16_t netuid, uint64_t amount)
{
    yuma_call c = gn_call(YUMA_CALL_REMOVE_STAKE);
    c.hotkey = gn_acc(HOT, hotkey_of);
    c.netuid = netuid;
    c.amount = amount;
    return c;
}

static uint64_t stake(int cold, int hotkey_of, uint16_t netuid)
{
    yuma_account c = gn_acc(COLD, cold), h = gn_acc(HOT, hotkey_of);
    return stake_of(gn_kv(), &h, &c, netuid);
}

/* §5.5 with the devnet seals (5% and 25%): the timelock stretches with R
 * and, at the maximum with R >= 25%, the escrowed stakers leave at the
 * pre-proposal price before the cut takes effect. */
static void test_escrow_stretch_and_rage_exit(void **state)
{
    (void)state;
    yuma_chain_params prm = gn_params();
    const yuma_gov_params *g = &prm.gov;
    uint64_t id = pass_cut();
    gov_proposal p = gn_proposal(id);
    uint64_t start = p.timelock_start;
    /* Held alpha of the subnet: R's denominator. */
    subnet_rec s;
    assert_true(subnet_get(gn_kv(), 1, &s));
    uint64_t held = s.alpha_out - s.protocol_alpha - s.alpha_burned - s.pending_server - s.pending_validator -
                    s.pending_root - s.pending_owner;
    /* V2 escrows a tenth of what the subnet's stakers hold... */
    uint64_t v2 = stake(V2, V2, 1), part = held / 10;
    assert_true(v2 < part); /* V2 alone cannot reach 10% */
    uint64_t whale = stake(WHALE, V1, 1);
    gn_send(COLD, WHALE, escrow(id, V1, part, 0), YUMA_CALL_OK);
    p = gn_proposal(id);
    uint64_t r = (uint64_t)((unsigned __int128)part * 1000000 / held);
    assert_int_equal(p.escrow_peak_ppm, r);
    /* R in (5%, 25%): 14 + 46 * (R - 5%) / 20% blocks. */
    uint64_t want = start + TIMELOCK + (uint64_t)(TIMELOCK_MAX - TIMELOCK) * (r - 50000) / 200000;
    assert_int_equal(gov_timelock_end(&p, g), want);
    /* Escrowed alpha stays put; unlocking more than escrowed is refused. */
    gn_send(COLD, WHALE, unstake(V1, 1, whale), YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    gn_send(COLD, WHALE, escrow(id, V1, part + 1, 1), YUMA_CALL_ERR_GOV_NOT_ESCROWED);
    gn_send(COLD, WHALE, escrow(id, V1, whale, 0), YUMA_CALL_ERR_NOT_ENOUGH_STAKE);
    gn_send(COLD, WHALE, escrow(id, V1, 1, 5), YUMA_CALL_ERR_GOV_BAD_CHOICE);
    /* The whale escrows everything: R > 25%, the timelock is at its maximum. */
    gn_send(COLD, WHALE, escrow(id, V1, whale - part, 0), YUMA_CALL_OK);
    p = gn_proposal(id);
    assert_true(p.escrow_peak_ppm >= g->escrow_rage_ppm);
    assert_int_equal(gov_timelock_end(&p, g), start + TIMELOCK_MAX);
    /* Leaving the escrow would not shorten it (the peak stays)... but the
     * whale stays in. */
    gn_until(start + TIMELOCK_MAX - 1);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    assert_true(gov_subnet_emits(gn_kv(), 1));
    uint64_t bal = gn_balance(COLD, WHALE), owner = gn_balance(COLD, OWNER);
    whale = stake(WHALE, V1, 1); /* with the emission it earned meanwhile; the escrow holds what was locked */
    gn_block();
    assert_int_equal(gn_proposal(id).state, GOV_ENACTED);
    assert_true(gn_audited(id, GOV_AUDIT_ID_RAGE_EXIT));
    uint64_t out = whale - stake(WHALE, V1, 1); /* the escrowed alpha left the stake */
    uint64_t paid = gn_balance(COLD, WHALE) - bal;
    uint64_t refund = gn_balance(COLD, OWNER) - owner; /* the owner's exit right, after the exit */
    assert_true(subnet_get(gn_kv(), 1, &s));
    /* The escrowed alpha went back to the pool; its TAO is the pre-proposal
     * price, capped at the position's pro-rata share of the pool's TAO
     * (alpha moved from out to in, so their sum is as it was). */
    unsigned __int128 total = (unsigned __int128)s.pool.alpha_in + s.alpha_out;
    uint64_t at_price = (uint64_t)(((unsigned __int128)out * p.pre_price) >> 32);
    uint64_t share = (uint64_t)(((unsigned __int128)(s.pool.tao + refund + paid) * out) / total);
    assert_int_equal(paid, at_price < share ? at_price : share);
    assert_true(paid > 0);
    assert_false(gov_subnet_emits(gn_kv(), 1));
}

/* R's denominator: the alpha subnet 1's stakers hold. */
static uint64_t held_alpha_of_subnet1(void)
{
    subnet_rec s;
    assert_true(subnet_get(gn_kv(), 1, &s));
    return s.alpha_out - s.protocol_alpha - s.alpha_burned - s.pending_server - s.pending_validator -
           s.pending_root - s.pending_owner;
}

/* TAO counted in R: tao / pre_price (I96F32), in alpha, rounded down. */
static uint64_t alpha_equivalent(uint64_t tao, yu128 pre_price)
{
    return (uint64_t)(((unsigned __int128)tao << 32) / pre_price);
}

/* §5.5 "(and TAO delegators to its validators)": LATE's root stake on V2
 * (a validator of subnet 1) is escrowed with choice 3 and counts in R at
 * the pre-proposal price; it cannot move while escrowed; at the rage exit
 * it is unstaked 1:1 to LATE's balance beside the whale's alpha. */
static void test_escrow_root_delegators(void **state)
{
    (void)state;
    yuma_chain_params prm = gn_params();
    const yuma_gov_params *g = &prm.gov;
    gn_send(COLD, LATE, gn_stake(V2, 0, 40000 * TAO), YUMA_CALL_OK);
    gn_send(COLD, LATE, gn_stake(OWNER2, 0, 1000 * TAO), YUMA_CALL_OK); /* not a validator of subnet 1 */
    uint64_t root = stake(LATE, V2, 0);
    assert_int_equal(root, 40000 * TAO);
    uint64_t id = pass_cut();
    gov_proposal p = gn_proposal(id);
    assert_true(p.pre_price > 0);

    /* Refusals, each changing nothing (the twin). */
    assert_string_equal(yuma_call_strerror(YUMA_CALL_ERR_GOV_NOT_TARGET_VALIDATOR),
                        "only TAO delegated to a validator of the target subnet (a hotkey with a validator permit "
                        "there) can be escrowed");
    gn_try(COLD, LATE, escrow(id, OWNER2, TAO, 3), YUMA_CALL_ERR_GOV_NOT_TARGET_VALIDATOR);
    gn_try(COLD, LATE, escrow(id, V2, root + 1, 3), YUMA_CALL_ERR_NOT_ENOUGH_STAKE);
    gn_try(COLD, LATE, escrow(id, V2, TAO, 4), YUMA_CALL_ERR_GOV_NOT_ESCROWED);
    gn_try(COLD, LATE, escrow(id, V2, TAO, 5), YUMA_CALL_ERR_GOV_BAD_CHOICE);
    gn_try(COLD, WHALE, escrow(id, V1, TAO, 3), YUMA_CALL_ERR_NOT_ENOUGH_STAKE); /* no root stake on V1 */
    gn_try(COLD, LATE, escrow(id, V2, TAO, 0), YUMA_CALL_ERR_NOT_ENOUGH_STAKE);  /* no alpha on V2 */
    gn_check();
    assert_int_equal(gn_proposal(id).escrow_total, 0);

    /* A tenth of the root stake: R = its alpha equivalent over held alpha. */
    uint64_t part = root / 10, held = held_alpha_of_subnet1();
    gn_send(COLD, LATE, escrow(id, V2, part, 3), YUMA_CALL_OK);
    p = gn_proposal(id);
    yuma_account late = gn_acc(COLD, LATE), v2 = gn_acc(HOT, V2);
    assert_int_equal(gov_escrow_get(gn_kv(), id, &late, &v2, GOV_ESCROW_ROOT).amount, part);
    /* a separate position from alpha */
    assert_int_equal(gov_escrow_get(gn_kv(), id, &late, &v2, GOV_ESCROW_ALPHA).amount, 0);
    assert_int_equal(p.escrow_total, alpha_equivalent(part, p.pre_price));
    assert_int_equal(p.escrow_peak_ppm, (uint64_t)((unsigned __int128)p.escrow_total * 1000000 / held));
    /* Escrowed root stake stays put; the rest may leave. */
    gn_send(COLD, LATE, unstake(V2, 0, root), YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    gn_send(COLD, LATE, unstake(V2, 0, TAO), YUMA_CALL_OK);
    root -= TAO;
    /* Unlocking: escrow_total is the equivalent of what stays, exactly. */
    gn_send(COLD, LATE, escrow(id, V2, part / 3, 4), YUMA_CALL_OK);
    assert_int_equal(gn_proposal(id).escrow_total, alpha_equivalent(part - part / 3, p.pre_price));
    gn_send(COLD, LATE, escrow(id, V2, part / 3, 3), YUMA_CALL_OK);
    assert_int_equal(gn_proposal(id).escrow_total, alpha_equivalent(part, p.pre_price));

    /* The whale adds a tenth of the alpha; LATE the rest of its root:
     * R >= 25%, the timelock at its maximum, and at its end the rage exit. */
    uint64_t whale_part = held_alpha_of_subnet1() / 10;
    gn_send(COLD, WHALE, escrow(id, V1, whale_part, 0), YUMA_CALL_OK);
    gn_send(COLD, LATE, escrow(id, V2, root - part, 3), YUMA_CALL_OK);
    p = gn_proposal(id);
    assert_int_equal(p.escrow_total, whale_part + alpha_equivalent(root, p.pre_price));
    assert_true(p.escrow_peak_ppm >= g->escrow_rage_ppm);
    assert_int_equal(gov_timelock_end(&p, g), p.timelock_start + TIMELOCK_MAX);
    gn_until(p.timelock_start + TIMELOCK_MAX - 1);
    uint64_t bal = gn_balance(COLD, LATE), root_before = stake(LATE, V2, 0), whale_alpha = stake(WHALE, V1, 1);
    uint64_t whale_bal = gn_balance(COLD, WHALE);
    assert_true(root_before >= root);
    gn_block();
    assert_int_equal(gn_proposal(id).state, GOV_ENACTED);
    assert_true(gn_audited(id, GOV_AUDIT_ID_RAGE_EXIT));
    /* 1:1: the escrowed TAO left the validator for LATE's balance. */
    assert_int_equal(stake(LATE, V2, 0), root_before - root);
    assert_int_equal(gn_balance(COLD, LATE), bal + root);
    assert_int_equal(gov_escrow_get(gn_kv(), id, &late, &v2, GOV_ESCROW_ROOT).amount, 0);
    /* The whale's alpha left by the price exit, as before. */
    assert_int_equal(whale_alpha - stake(WHALE, V1, 1), whale_part);
    assert_true(gn_balance(COLD, WHALE) > whale_bal);
    /* LATE's other root stake was never locked. */
    gn_send(COLD, LATE, unstake(OWNER2, 0, 1000 * TAO), YUMA_CALL_OK);
}

/* Below the rage seal the escrow ends with the timelock and frees the
 * root stake (nothing is unstaked). */
static void test_escrow_root_released(void **state)
{
    (void)state;
    gn_send(COLD, LATE, gn_stake(V2, 0, 100 * TAO), YUMA_CALL_OK);
    uint64_t id = pass_cut();
    gn_send(COLD, LATE, escrow(id, V2, 100 * TAO, 3), YUMA_CALL_OK);
    gov_proposal p = gn_proposal(id);
    assert_true(p.escrow_peak_ppm < gn_params().gov.escrow_extend_ppm); /* too little to stretch */
    gn_send(COLD, LATE, unstake(V2, 0, TAO), YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    gn_until(p.timelock_start + TIMELOCK);
    assert_int_equal(gn_proposal(id).state, GOV_ENACTED);
    assert_int_equal(stake(LATE, V2, 0), 100 * TAO);
    yuma_account late = gn_acc(COLD, LATE), v2 = gn_acc(HOT, V2);
    assert_int_equal(gov_escrow_get(gn_kv(), id, &late, &v2, GOV_ESCROW_ROOT).amount, 0);
    gn_send(COLD, LATE, unstake(V2, 0, 100 * TAO), YUMA_CALL_OK);
}

/* ---- per-track delegation in House S (§5.3) ---- */

static yuma_call delegate(uint8_t track, int to_role, int to, uint8_t conviction)
{
    yuma_call c = gn_call(YUMA_CALL_GOV_DELEGATE);
    c.choice = track;
    if (to >= 0) c.dest = gn_acc(to_role, to);
    c.conviction = conviction;
    return c;
}

static gov_vote_rec vote_of(uint64_t id, int cold)
{
    gov_vote_rec v;
    yuma_account a = gn_acc(COLD, cold);
    assert_true(gov_vote_get(gn_kv(), id, 0, &a, &v));
    return v;
}

static bool has_vote(uint64_t id, int cold)
{
    gov_vote_rec v;
    yuma_account a = gn_acc(COLD, cold);
    return gov_vote_get(gn_kv(), id, 0, &a, &v);
}

static uint64_t snapshot_weight(uint64_t id, int cold)
{
    gov_snapshot_rec s;
    yuma_account a = gn_acc(COLD, cold);
    return gov_snapshot_get(gn_kv(), id, 0, &a, &s) ? s.weight : 0;
}

/* S1 delegates its targeted-track vote to V3 before the proposal: V3's
 * nay carries S1's snapshot weight with S1's conviction (and its lock).
 * V1 delegated too but votes itself: its own vote stands. LATE delegates
 * after the snapshot (flash delegation): nothing. The whale's delegation
 * is on the global track: nothing on a targeted proposal. */
static void test_delegation_targeted(void **state)
{
    (void)state;
    /* Refusals, each changing nothing. */
    assert_string_equal(yuma_call_strerror(YUMA_CALL_ERR_GOV_BAD_TRACK),
                        "the delegation track must be 0 (targeted proposals) or 1 (global proposals)");
    assert_string_equal(yuma_call_strerror(YUMA_CALL_ERR_GOV_SELF_DELEGATION),
                        "an account cannot delegate its vote to itself");
    assert_string_equal(yuma_call_strerror(YUMA_CALL_ERR_GOV_NOT_DELEGATED),
                        "there is no delegation on this track to remove");
    gn_try(COLD, S1, delegate(2, COLD, V3, 1), YUMA_CALL_ERR_GOV_BAD_TRACK);
    gn_try(COLD, S1, delegate(GOV_TRACK_TARGETED, COLD, S1, 1), YUMA_CALL_ERR_GOV_SELF_DELEGATION);
    gn_try(COLD, S1, delegate(GOV_TRACK_TARGETED, COLD, V3, 6), YUMA_CALL_ERR_GOV_BAD_CONVICTION);
    gn_try(COLD, S1, delegate(GOV_TRACK_GLOBAL, COLD, -1, 0), YUMA_CALL_ERR_GOV_NOT_DELEGATED);
    gn_check();
    gn_try(COLD, S1, delegate(GOV_TRACK_TARGETED, COLD, V3, 1), YUMA_CALL_OK);
    gn_try(COLD, V1, delegate(GOV_TRACK_TARGETED, COLD, V3, 0), YUMA_CALL_OK);
    gn_try(COLD, WHALE, delegate(GOV_TRACK_GLOBAL, COLD, V3, 0), YUMA_CALL_OK);
    gn_try(COLD, LATE, gn_stake(V3, 1, 2000 * TAO), YUMA_CALL_OK); /* in the snapshot, delegating too late */
    gn_check();
    gov_delegation_rec d;
    yuma_account s1 = gn_acc(COLD, S1);
    assert_true(gov_delegation_get(gn_kv(), GOV_TRACK_TARGETED, &s1, &d));
    assert_memory_equal(d.delegate.bytes, gn_cold[V3].pk, 32);
    assert_int_equal(d.conviction, 1);
    assert_false(gov_delegation_get(gn_kv(), GOV_TRACK_GLOBAL, &s1, &d)); /* per track */

    uint64_t id = propose_cut();
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE - 1);
    /* In the snapshot block itself: its step took the snapshot before the
     * block's transactions, so this delegation comes after it. */
    gn_send(COLD, LATE, delegate(GOV_TRACK_TARGETED, COLD, V3, 5), YUMA_CALL_OK);
    assert_int_equal(gn_proposal(id).round_start, h + NOTICE);
    assert_int_equal(yuma_chain_height(gn_a), h + NOTICE);
    assert_true(snapshot_weight(id, LATE) > 0);
    gn_send(COLD, V3, gn_vote(id, GOV_NAY, 0), YUMA_CALL_OK);
    gn_send(COLD, V1, gn_vote(id, GOV_AYE, 0), YUMA_CALL_OK);
    gn_send(COLD, V2, gn_vote(id, GOV_AYE, 0), YUMA_CALL_OK);
    /* Until the round ends nothing is cast for S1. */
    assert_false(has_vote(id, S1));
    gn_until(h + NOTICE + VOTING);
    gov_proposal p = gn_proposal(id);
    assert_true(p.tally[0].tallied);
    gov_vote_rec vs = vote_of(id, S1);
    assert_true(vs.delegated);
    assert_int_equal(vs.choice, GOV_NAY);
    assert_int_equal(vs.conviction, 1);
    assert_true(snapshot_weight(id, S1) > 0);
    assert_int_equal(vs.weight, snapshot_weight(id, S1)); /* S1 still holds all of it */
    gov_vote_rec v1 = vote_of(id, V1);
    assert_false(v1.delegated);
    assert_int_equal(v1.choice, GOV_AYE);
    assert_false(has_vote(id, LATE));
    assert_false(has_vote(id, WHALE));
    /* Turnout is the raw snapshot weight of every vote counted: the three
     * validators' and the one V3 carried for S1. */
    uint64_t turnout = vote_of(id, V1).weight + vote_of(id, V2).weight + vote_of(id, V3).weight + vs.weight;
    assert_int_equal(p.tally[0].s_turnout, turnout);
    /* S1's conviction 1 locks its position for one period after the round. */
    gn_send(COLD, S1, unstake(V2, 1, stake(S1, V2, 1)), YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    /* Taking the delegation back removes it. */
    gn_send(COLD, S1, delegate(GOV_TRACK_TARGETED, COLD, -1, 0), YUMA_CALL_OK);
    assert_false(gov_delegation_get(gn_kv(), GOV_TRACK_TARGETED, &s1, &d));
}

/* The global track: the whale's delegation carries its weight on a
 * global proposal; a delegate who does not vote passes nothing on, and a
 * delegate's own carried vote is not passed on again (no chains). */
static void test_delegation_global(void **state)
{
    (void)state;
    gn_try(COLD, WHALE, delegate(GOV_TRACK_GLOBAL, COLD, V3, 2), YUMA_CALL_OK);
    gn_try(COLD, S1, delegate(GOV_TRACK_GLOBAL, COLD, V2, 0), YUMA_CALL_OK); /* V2 will not vote */
    gn_try(COLD, V1, delegate(GOV_TRACK_GLOBAL, COLD, WHALE, 0), YUMA_CALL_OK); /* WHALE only carries */
    gn_check();
    size_t pid;
    assert_non_null(yuma_param_find("min_fee", &pid));
    yuma_chain_params prm = gn_params();
    uint64_t id = gov_global_get(gn_kv(), &prm.gov).next_id;
    gn_send(COLD, M1, gn_propose(GOV_NETUID_GLOBAL, EAA_CHAIN_PARAM, (uint16_t)pid, 1, DEPOSIT), YUMA_CALL_OK);
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    gn_send(COLD, V3, gn_vote(id, GOV_AYE, 0), YUMA_CALL_OK);
    gn_until(h + NOTICE + VOTING);
    gov_vote_rec w = vote_of(id, WHALE);
    assert_true(w.delegated);
    assert_int_equal(w.choice, GOV_AYE);
    assert_int_equal(w.conviction, 2);
    assert_int_equal(w.weight, snapshot_weight(id, WHALE));
    assert_false(has_vote(id, S1)); /* V2 did not vote */
    assert_false(has_vote(id, V1)); /* WHALE's vote was V3's, not its own */
    assert_int_equal(gn_proposal(id).tally[0].s_turnout, vote_of(id, V3).weight + w.weight);
}

/* Beanstalk's lessons: stake acquired after the snapshot has no weight,
 * stake sold before voting counts no more, and stake behind a conviction
 * vote cannot move until its lock ends. */
static void test_flash_stake_and_vote_then_dump(void **state)
{
    (void)state;
    uint64_t id = propose_cut();
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    /* LATE stakes after the snapshot: no voting power. */
    gn_send(COLD, LATE, gn_stake(V3, 1, 5000 * TAO), YUMA_CALL_OK);
    gn_send(COLD, LATE, gn_vote(id, GOV_AYE, 5), YUMA_CALL_ERR_GOV_NO_VOTING_POWER);
    /* S1 sells everything, then tries to vote with its snapshot. */
    gn_send(COLD, S1, unstake(V2, 1, stake(S1, V2, 1)), YUMA_CALL_OK);
    gn_send(COLD, S1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_ERR_GOV_NO_VOTING_POWER);
    /* V2 votes with conviction 2 (2 periods): its stake is locked until the
     * vote ends plus 2 x 14 blocks. */
    gn_send(COLD, V2, gn_vote(id, GOV_NAY, 2), YUMA_CALL_OK);
    gov_vote_rec v;
    yuma_account v2 = gn_acc(COLD, V2);
    assert_true(gov_vote_get(gn_kv(), id, 0, &v2, &v));
    gov_snapshot_rec snap;
    assert_true(gov_snapshot_get(gn_kv(), id, 0, &v2, &snap));
    assert_int_equal(v.weight, snap.weight);
    uint64_t held = stake(V2, V2, 1);
    gn_send(COLD, V2, unstake(V2, 1, held), YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    yuma_call mv = gn_call(YUMA_CALL_MOVE_STAKE);
    mv.hotkey = gn_acc(HOT, V2);
    mv.dest_hotkey = gn_acc(HOT, V3);
    mv.netuid = mv.dest_netuid = 1;
    mv.amount = held;
    gn_send(COLD, V2, mv, YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    yuma_call sw = gn_call(YUMA_CALL_SWAP_STAKE);
    sw.hotkey = gn_acc(HOT, V2);
    sw.netuid = 1;
    sw.dest_netuid = 2;
    sw.amount = held;
    gn_send(COLD, V2, sw, YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    yuma_call tr = gn_call(YUMA_CALL_TRANSFER_STAKE);
    tr.hotkey = gn_acc(HOT, V2);
    tr.dest = gn_acc(COLD, LATE);
    tr.netuid = tr.dest_netuid = 1;
    tr.amount = held;
    gn_send(COLD, V2, tr, YUMA_CALL_ERR_GOV_STAKE_LOCKED);
    /* An unlocked vote (0.1x) leaves the stake free. */
    gn_send(COLD, V3, gn_vote(id, GOV_NAY, 0), YUMA_CALL_OK);
    gn_send(COLD, V3, unstake(V3, 1, TAO), YUMA_CALL_OK);
    /* Stake above the locked amount (emission since the vote) may move. */
    uint64_t until = gn_proposal(id).round_end + 2 * gn_params().gov.lock_period_blocks;
    gn_until(until - 2);
    gn_send(COLD, V2, unstake(V2, 1, held), YUMA_CALL_ERR_GOV_STAKE_LOCKED); /* in block until - 1 */
    gn_send(COLD, V2, unstake(V2, 1, held), YUMA_CALL_OK);
}

/* The tally runs in the block step of round_end, before any transaction:
 * a vote in that block is refused and changes nothing, one a block earlier
 * counts. */
static void test_votes_in_the_closing_block_do_not_count(void **state)
{
    (void)state;
    uint64_t id = propose_cut();
    gov_proposal p = gn_proposal(id);
    gn_until(p.voting_start);
    p = gn_proposal(id);
    gn_until(p.round_end - 2);
    gn_send(COLD, V1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_OK);
    assert_int_equal(yuma_chain_height(gn_a), p.round_end - 1);
    gn_send(COLD, V2, gn_vote(id, GOV_AYE, 1), YUMA_CALL_ERR_GOV_WRONG_STATE);
    p = gn_proposal(id);
    assert_true(p.tally[0].tallied);
    assert_int_equal(p.tally[0].c_aye, 1); /* V1's seat; V2's vote came too late */
    yuma_account v2 = gn_acc(COLD, V2);
    gov_vote_rec v;
    assert_false(gov_vote_get(gn_kv(), id, 0, &v2, &v));
}

static yuma_call respond(uint64_t id, uint8_t fill)
{
    yuma_call c = gn_id_call(YUMA_CALL_GOV_RESPOND, id);
    memset(c.doc_hash, fill, 32);
    return c;
}

static yuma_call topup(uint64_t id, uint64_t amount)
{
    yuma_call c = gn_id_call(YUMA_CALL_GOV_TOPUP, id);
    c.amount = amount;
    return c;
}

/* Every call a state does not allow is refused with its own error, and
 * the twin chain shows it changed nothing but the fee and nonce. */
static void test_refused_calls_change_nothing(void **state)
{
    (void)state;
    /* Submission: what a proposal must be. */
    yuma_call none = gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT);
    none.action_count = 0;
    gn_try(COLD, M1, none, YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(1, EAA_CHAIN_PARAM, 1, 0, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(GOV_NETUID_GLOBAL, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 2, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(1, EAA_OWNER_CUT, 0, 65537, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(1, EAA_HYPERPARAM, 4, 1, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(1, 99, 0, 0, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(GOV_NETUID_GLOBAL, EAA_CHAIN_PARAM, 9999, 0, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_try(COLD, M1, gn_propose(0, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_ERR_ROOT_NETUID);
    gn_try(COLD, M1, gn_propose(9, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_ERR_NO_SUBNET);
    gn_try(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, 0), YUMA_CALL_ERR_GOV_DEPOSIT_TOO_LOW);
    gn_try(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT / 10 - 1), YUMA_CALL_ERR_GOV_DEPOSIT_TOO_LOW);
    gn_try(HOT, M1, gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_ERR_INSUFFICIENT_BALANCE);
    yuma_call taken = gn_propose(1, EAA_OWNER_CHANGE, 0, 0, DEPOSIT);
    taken.actions[0].account = gn_acc(HOT, V1); /* a hotkey another coldkey owns */
    gn_try(COLD, M1, taken, YUMA_CALL_ERR_HOTKEY_OWNED);
    gn_try(COLD, M1, gn_id_call(YUMA_CALL_GOV_WITHDRAW, 42), YUMA_CALL_ERR_GOV_NO_PROPOSAL);
    gn_try(COLD, V1, gn_vote(42, GOV_AYE, 0), YUMA_CALL_ERR_GOV_NO_PROPOSAL);
    gn_try(COLD, V1, topup(42, TAO), YUMA_CALL_ERR_GOV_NO_PROPOSAL);
    gn_try(COLD, V1, respond(42, 1), YUMA_CALL_ERR_GOV_NO_PROPOSAL);
    gn_try(COLD, V1, gn_id_call(YUMA_CALL_GOV_APPEAL, 42), YUMA_CALL_ERR_GOV_NO_PROPOSAL);
    gn_try(COLD, V1, escrow(42, V1, TAO, 0), YUMA_CALL_ERR_GOV_NO_PROPOSAL);
    gn_check();

    /* Notice. */
    uint64_t id = propose_cut();
    yuma_call ot = gn_call(YUMA_CALL_GOV_OWNER_TRANSFER);
    ot.netuid = 1;
    ot.dest = gn_acc(COLD, LATE);
    ot.hotkey = gn_acc(HOT, LATE);
    gn_try(COLD, WHALE, gn_propose(1, EAA_REGISTRATION, 0, 0, DEPOSIT), YUMA_CALL_ERR_GOV_OPEN_PROPOSAL);
    gn_try(COLD, V1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, V1, gn_vote(id, 0, 1), YUMA_CALL_ERR_GOV_BAD_CHOICE);
    gn_try(COLD, V1, gn_vote(id, 5, 1), YUMA_CALL_ERR_GOV_BAD_CHOICE);
    gn_try(COLD, V1, gn_vote(id, GOV_AYE, 6), YUMA_CALL_ERR_GOV_BAD_CONVICTION);
    gn_try(COLD, OWNER, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, WHALE, escrow(id, V1, TAO, 0), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, S1, topup(id, TAO), YUMA_CALL_ERR_GOV_WRONG_STATE); /* the deposit is complete */
    gn_try(COLD, WHALE, gn_id_call(YUMA_CALL_GOV_WITHDRAW, id), YUMA_CALL_ERR_GOV_NOT_PROPOSER);
    gn_try(COLD, WHALE, respond(id, 1), YUMA_CALL_ERR_GOV_NOT_RESPONDER);
    gn_try(COLD, OWNER, ot, YUMA_CALL_ERR_GOV_NO_EXIT_RIGHT);
    gn_try(COLD, OWNER, respond(id, 1), YUMA_CALL_OK);
    gn_try(COLD, OWNER, respond(id, 2), YUMA_CALL_OK); /* the one amendment */
    gn_try(COLD, OWNER, respond(id, 3), YUMA_CALL_ERR_GOV_RESPONSE_LIMIT);
    gn_check();
    uint8_t amended[32];
    memset(amended, 2, 32);
    assert_memory_equal(gn_proposal(id).response_hash, amended, 32);
    assert_int_equal(gn_proposal(id).state, GOV_NOTICE);

    /* Voting. */
    gn_until(gn_proposal(id).voting_start);
    gn_try(COLD, M1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_ERR_GOV_RECUSED);
    gn_try(COLD, OWNER, gn_vote(id, GOV_NAY, 1), YUMA_CALL_ERR_GOV_RECUSED);
    gn_try(COLD, LATE, gn_vote(id, GOV_NAY, 1), YUMA_CALL_ERR_GOV_NO_VOTING_POWER);
    gn_try(COLD, V1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_OK);
    gn_try(COLD, V1, gn_vote(id, GOV_NAY, 1), YUMA_CALL_ERR_GOV_ALREADY_VOTED);
    gn_try(COLD, OWNER, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, WHALE, escrow(id, V1, TAO, 0), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, S1, topup(id, TAO), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, OWNER, ot, YUMA_CALL_ERR_GOV_NO_EXIT_RIGHT);
    gn_try(COLD, V2, gn_vote(id, GOV_AYE, 1), YUMA_CALL_OK);
    gn_try(COLD, V3, gn_vote(id, GOV_AYE, 1), YUMA_CALL_OK);
    gn_try(COLD, OWNER2, gn_vote(id, GOV_AYE, 1), YUMA_CALL_OK);
    gn_try(COLD, WHALE, gn_vote(id, GOV_AYE, 1), YUMA_CALL_OK);
    gn_check();

    /* Timelock. */
    gn_until(gn_proposal(id).round_end);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    gn_try(COLD, V1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, OWNER, respond(id, 9), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, S1, topup(id, TAO), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, WHALE, escrow(id, V1, 0, 0), YUMA_CALL_ERR_ZERO_AMOUNT);
    gn_try(COLD, WHALE, escrow(id, V2, TAO, 0), YUMA_CALL_ERR_NOT_ENOUGH_STAKE); /* no stake on V2 */
    gn_try(COLD, WHALE, escrow(id, V1, TAO, 1), YUMA_CALL_ERR_GOV_NOT_ESCROWED);
    /* The exit right: the owner hands the subnet on during the timelock. */
    ot.hotkey = gn_acc(HOT, V1);
    gn_try(COLD, OWNER, ot, YUMA_CALL_ERR_HOTKEY_OWNED);
    ot.hotkey = gn_acc(HOT, LATE);
    gn_try(COLD, M2, ot, YUMA_CALL_ERR_NOT_OWNER);
    gn_try(COLD, OWNER, ot, YUMA_CALL_OK);
    gn_check();
    subnet_rec s;
    assert_true(subnet_get(gn_kv(), 1, &s));
    yuma_account late = gn_acc(COLD, LATE);
    assert_memory_equal(s.owner_coldkey.bytes, late.bytes, 32);
    assert_true(gn_audited(id, GOV_AUDIT_ID_OWNER_TRANSFER));
    /* The appeal is the owner's (now LATE), within its window only. */
    gn_until(gn_proposal(id).timelock_start + APPEAL_WINDOW - 1);
    gn_send(COLD, LATE, gn_id_call(YUMA_CALL_GOV_APPEAL, id), YUMA_CALL_ERR_GOV_WRONG_STATE);

    /* Closed. */
    gn_send(COLD, M1, gn_id_call(YUMA_CALL_GOV_WITHDRAW, id), YUMA_CALL_OK);
    assert_int_equal(gn_proposal(id).state, GOV_WITHDRAWN);
    gn_try(COLD, M1, gn_id_call(YUMA_CALL_GOV_WITHDRAW, id), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, S1, topup(id, TAO), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, V1, gn_vote(id, GOV_AYE, 1), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_try(COLD, WHALE, escrow(id, V1, TAO, 0), YUMA_CALL_ERR_GOV_WRONG_STATE);
    /* A withdrawal after voting opened starts the cooldown. */
    gn_try(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, DEPOSIT), YUMA_CALL_ERR_GOV_COOLDOWN);
    gn_check();
    assert_true(gov_subnet_emits(gn_kv(), 1));
}

/* Deposits short of the requirement wait for top-ups by anyone; each
 * contributor gets exactly its part back; an incomplete deposit expires. */
static void test_deposit_topups_and_expiry(void **state)
{
    (void)state;
    uint64_t fee = yuma_chain_min_fee(gn_a, YUMA_TX_MAX_ENCODED);
    uint64_t m1 = gn_balance(COLD, M1), s1 = gn_balance(COLD, S1), v1 = gn_balance(COLD, V1);
    yuma_chain_params prm = gn_params();
    uint64_t id = gov_global_get(gn_kv(), &prm.gov).next_id;
    gn_send(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, 50 * TAO), YUMA_CALL_OK);
    gov_proposal p = gn_proposal(id);
    assert_int_equal(p.state, GOV_PENDING_DEPOSIT);
    assert_int_equal(p.deposit_required, DEPOSIT); /* max(100 TAO, 0.5% of the small devnet emission) */
    assert_int_equal(p.deposit_total, 50 * TAO);
    /* The hearing is open from submission. */
    gn_send(COLD, OWNER, respond(id, 7), YUMA_CALL_OK);
    gn_send(COLD, S1, topup(id, 0), YUMA_CALL_ERR_ZERO_AMOUNT);
    gn_send(COLD, S1, topup(id, 30 * TAO), YUMA_CALL_OK);
    assert_int_equal(gn_proposal(id).state, GOV_PENDING_DEPOSIT);
    gn_send(COLD, V1, topup(id, 100 * TAO), YUMA_CALL_OK); /* only the 20 missing are taken */
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_NOTICE);
    assert_int_equal(p.deposit_total, DEPOSIT);
    assert_int_equal(p.voting_start, yuma_chain_height(gn_a) + NOTICE);
    assert_int_equal(gn_balance(COLD, V1), v1 - fee - 20 * TAO);
    gn_send(COLD, M1, gn_id_call(YUMA_CALL_GOV_WITHDRAW, id), YUMA_CALL_OK);
    assert_true(gn_audited(id, GOV_AUDIT_ID_WITHDRAWN));
    assert_int_equal(gn_balance(COLD, M1), m1 - 2 * fee);
    assert_int_equal(gn_balance(COLD, S1), s1 - 2 * fee);
    assert_int_equal(gn_balance(COLD, V1), v1 - fee);
    /* Withdrawn before voting: no cooldown. An incomplete deposit expires
     * after the top-up window and is refunded. */
    id++;
    gn_send(COLD, M1, gn_propose(1, EAA_EMISSION, 0, 0, 10 * TAO), YUMA_CALL_OK);
    p = gn_proposal(id);
    gn_until(p.deposit_deadline - 2);
    gn_send(COLD, S1, topup(id, TAO), YUMA_CALL_OK);
    gn_send(COLD, S1, topup(id, TAO), YUMA_CALL_ERR_GOV_WRONG_STATE); /* in the deadline block */
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_EXPIRED);
    assert_true(gn_audited(id, GOV_AUDIT_ID_EXPIRED));
    assert_int_equal(gn_balance(COLD, M1), m1 - 3 * fee);
    assert_int_equal(gn_balance(COLD, S1), s1 - 4 * fee);
    yuma_account dep = *gov_deposit_account();
    assert_int_equal(yuma_chain_balance(gn_a, &dep), 0);
    assert_int_equal(gov_subnet_get(gn_kv(), 1).cooldown_until, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_council_and_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pass_and_enact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_refund_and_cooldown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_veto_burns_deposit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appeal_reverses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appeal_confirmed_pauses_timelock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escrow_stretch_and_rage_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escrow_root_delegators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escrow_root_released, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delegation_targeted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delegation_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flash_stake_and_vote_then_dump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_votes_in_the_closing_block_do_not_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_calls_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deposit_topups_and_expiry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
