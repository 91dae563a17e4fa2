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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_council_and_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pass_and_enact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_refund_and_cooldown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_veto_burns_deposit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appeal_reverses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appeal_confirmed_pauses_timelock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
