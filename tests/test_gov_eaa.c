/*
 * test_gov_eaa.c - the hard rule of governance-and-users §5.1: no call
 * reaches an emission-affecting setter except the enactment of a passed
 * proposal. Every call kind (including the governance and guardian calls)
 * is sent from every kind of origin (subnet owner, whale, validator,
 * miner, a hotkey, a key that never signed) with random and with targeted
 * fields; afterwards no setter was invoked and the emission-affecting
 * state (chain parameters, each subnet's switches, owner, governance-only
 * hyperparameters) is byte for byte what it was. Then each kind of EAA is
 * enacted through the due process and its effect checked.
 */
#include "gov_testnet.h"

#include "chain/hyperparams.h"
#include "gov/emergency.h"

static const uint64_t DEPOSIT = 100 * TAO;

/* Everything an EAA can change, hashed: the parameter record, for
 * subnets 1 and 2, existence, owner, switches and governance-only
 * hyperparameters, and the guardian's signers. */
static void eaa_state(uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    uint8_t key[2] = {REC_GLOBAL, GLOBAL_PARAMS};
    size_t vlen;
    const uint8_t *v = ykv_get(gn_kv(), key, 2, &vlen);
    assert_non_null(v);
    crypto_generichash_update(&st, v, vlen);
    for (uint16_t n = 1; n <= 2; n++) {
        subnet_rec s;
        uint8_t buf[1 + 64 + 2 + 2 + 8 + 1 + 2];
        memset(buf, 0, sizeof buf);
        buf[0] = subnet_get(gn_kv(), n, &s);
        if (buf[0]) {
            memcpy(buf + 1, s.owner_coldkey.bytes, 32);
            memcpy(buf + 33, s.owner_hotkey.bytes, 32);
            put_u16(buf + 65, s.hp.kappa);
            put_u16(buf + 67, s.hp.max_allowed_validators);
            put_u64(buf + 69, s.weights_rate_limit);
        }
        gov_subnet_rec g = gov_subnet_get(gn_kv(), n);
        buf[77] = g.flags;
        put_u16(buf + 78, g.owner_cut);
        crypto_generichash_update(&st, buf, sizeof buf);
    }
    /* The guardian's signers (elected by guardian_add/remove actions). */
    for (uint8_t i = 0; i < GOV_GUARDIAN_MAX; i++) {
        gov_guardian_rec m;
        uint8_t buf[32 + YUMA_GUARDIAN_ORG_LEN + 1];
        memset(buf, 0, sizeof buf);
        if (gov_guardian_get(gn_kv(), i, &m)) {
            memcpy(buf, m.account.bytes, 32);
            memcpy(buf + 32, m.org, YUMA_GUARDIAN_ORG_LEN);
            buf[32 + YUMA_GUARDIAN_ORG_LEN] = m.active;
        }
        crypto_generichash_update(&st, buf, sizeof buf);
    }
    crypto_generichash_final(&st, out, 32);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A call of this kind with every field random but small counts, and then
 * biased to hit the subnets, the governance-only hyperparameters and the
 * chain parameters. */
static yuma_call random_call(int kind, int variant)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = (yuma_call_kind)kind;
    for (int i = 0; i < 32; i++) {
        c.dest.bytes[i] = (uint8_t)next();
        c.hotkey.bytes[i] = (uint8_t)next();
        c.dest_hotkey.bytes[i] = (uint8_t)next();
        c.doc_hash[i] = (uint8_t)next();
    }
    static const uint16_t netuids[] = {0, 1, 2, 3, GOV_NETUID_GLOBAL};
    c.netuid = netuids[next() % 5];
    c.dest_netuid = netuids[next() % 5];
    c.amount = next() % (variant & 1 ? 1000 * TAO : 1000);
    c.param = (uint16_t)(next() % 30);
    c.value = next() % 70000;
    c.take = (uint16_t)next();
    c.proposal_id = next() % 4;
    c.choice = (uint8_t)(next() % 6);
    c.conviction = (uint8_t)(next() % 7);
    c.weight_count = (uint32_t)(next() % 4);
    for (uint32_t i = 0; i < c.weight_count; i++) {
        c.uids[i] = (uint16_t)(next() % 8);
        c.values[i] = (uint16_t)next();
    }
    c.action_count = (uint32_t)(next() % 3);
    for (uint32_t i = 0; i < c.action_count; i++) {
        c.actions[i].kind = (uint16_t)(next() % 23); /* every kind, 21-22 the guardian election */
        c.actions[i].param = (uint16_t)(next() % 30);
        c.actions[i].value = next() % 3;
        memcpy(c.actions[i].account.bytes, c.dest.bytes, 32);
    }
    switch (variant % 4) {
    case 0: /* aimed at subnet 1's owner-only and governance-only settings */
        c.netuid = 1;
        c.param = (uint16_t[]){HP_KAPPA, HP_MAX_ALLOWED_VALIDATORS, HP_WEIGHTS_RATE_LIMIT, HP_TEMPO}[next() % 4];
        c.value = 0;
        break;
    case 1: /* existing keys as hotkeys and destinations */
        c.hotkey = gn_acc(HOT, (int)(next() % GN_KEYS));
        c.dest = gn_acc(COLD, (int)(next() % GN_KEYS));
        c.dest_hotkey = gn_acc(HOT, (int)(next() % GN_KEYS));
        break;
    default: break;
    }
    return c;
}

static int setup(void **state)
{
    (void)state;
    gn_setup(false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gn_teardown();
    return 0;
}

static void test_no_call_reaches_an_eaa_setter(void **state)
{
    (void)state;
    uint8_t before[32], after[32];
    eaa_state(before);
    uint64_t refused = eaa_refused_invocations(), enacted = eaa_enacted_invocations();
    /* The direct routes an admin key would use in the reference. */
    static const uint16_t governance_params[] = {HP_KAPPA, HP_MAX_ALLOWED_VALIDATORS, HP_WEIGHTS_RATE_LIMIT};
    for (size_t i = 0; i < 3; i++) {
        yuma_call c = gn_call(YUMA_CALL_SET_HYPERPARAMETER);
        c.netuid = 1;
        c.param = governance_params[i];
        c.value = 1;
        gn_try(COLD, OWNER, c, YUMA_CALL_ERR_HYPERPARAM_GOVERNANCE);
        gn_try(COLD, WHALE, c, YUMA_CALL_ERR_NOT_OWNER);
    }
    yuma_call ot = gn_call(YUMA_CALL_GOV_OWNER_TRANSFER);
    ot.netuid = 1;
    ot.dest = gn_acc(COLD, WHALE);
    ot.hotkey = gn_acc(HOT, WHALE);
    gn_try(COLD, OWNER, ot, YUMA_CALL_ERR_GOV_NO_EXIT_RIGHT);
    gn_try(COLD, WHALE, ot, YUMA_CALL_ERR_NOT_OWNER);
    gn_check();
    /* Every call kind, from every kind of origin, many field values. */
    static const int origins[][2] = {{COLD, OWNER}, {COLD, WHALE}, {COLD, V1}, {COLD, M1}, {HOT, OWNER}, {COLD, LATE}};
    size_t sent = 0;
    for (int kind = 1; kind <= YUMA_CALL_KIND_MAX; kind++) {
        for (int variant = 0; variant < 8; variant++) {
            for (size_t o = 0; o < sizeof origins / sizeof origins[0]; o++) {
                gn_queue(origins[o][0], origins[o][1], random_call(kind, variant));
                sent++;
            }
        }
        gn_block();
        /* Nothing a call did may change emission-affecting state. */
        eaa_state(after);
        if (memcmp(before, after, 32) != 0) {
            print_error("a %s call changed emission-affecting state\n", yuma_call_name((yuma_call_kind)kind));
            fail();
        }
    }
    assert_true(sent >= (size_t)YUMA_CALL_KIND_MAX * 48);
    /* Let any proposal those calls opened run its course: none passes (no
     * votes), so none enacts. */
    gn_blocks(40);
    eaa_state(after);
    assert_memory_equal(before, after, 32);
    assert_int_equal(eaa_refused_invocations(), refused);
    assert_int_equal(eaa_enacted_invocations(), enacted);
    /* The setters refuse outside an enactment, and count it. */
    call_ctx cx = {.kv = (ykv *)gn_kv(), .params = NULL, .block = yuma_chain_height(gn_a)};
    yuma_gov_action a = {.kind = EAA_EMISSION, .value = 0};
    uint8_t h1[32], h2[32];
    assert_int_equal(eaa_apply(&cx, 1, 1, &a, h1, h2), YUMA_CALL_ERR_UNSUPPORTED);
    assert_int_equal(eaa_refused_invocations(), refused + 1);
    assert_true(gov_subnet_emits(gn_kv(), 1));
}

/* Passes a proposal with the given actions (M1 proposes; everyone with a
 * say votes aye) and runs it to enactment. */
static uint64_t enact(uint16_t netuid, const yuma_gov_action *actions, uint32_t n, uint64_t timelock)
{
    yuma_call c = gn_propose(netuid, 0, 0, 0, DEPOSIT);
    c.action_count = n;
    memcpy(c.actions, actions, n * sizeof *actions);
    yuma_chain_params prm = gn_params();
    uint64_t id = gov_global_get(gn_kv(), &prm.gov).next_id;
    gn_send(COLD, M1, c, YUMA_CALL_OK);
    gov_proposal p = gn_proposal(id);
    gn_until(p.voting_start);
    int voters[] = {OWNER, OWNER2, WHALE, V1, V2, V3, S1};
    for (size_t i = 0; i < 7; i++)
        if (netuid == GOV_NETUID_GLOBAL || (voters[i] != OWNER)) gn_queue(COLD, voters[i], gn_vote(id, GOV_AYE, 1));
    gn_block();
    gn_until(gn_proposal(id).round_end);
    p = gn_proposal(id);
    assert_int_equal(p.state, GOV_TIMELOCK);
    assert_int_equal(p.timelock_base, timelock);
    gn_until(p.timelock_start + timelock - 1);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    uint64_t enacted = eaa_enacted_invocations();
    gn_block();
    assert_int_equal(gn_proposal(id).state, GOV_ENACTED);
    assert_int_equal(eaa_enacted_invocations(), enacted + n);
    return id;
}

static void test_global_parameter_changes(void **state)
{
    (void)state;
    size_t min_stake_id, voting_id;
    assert_non_null(yuma_param_find("min_stake", &min_stake_id));
    assert_non_null(yuma_param_find("gov_voting_blocks", &voting_id));
    assert_int_equal(yuma_param_info_of(min_stake_id)->cls, YUMA_PARAM_OTHER);
    assert_int_equal(yuma_param_info_of(voting_id)->cls, YUMA_PARAM_GOVERNANCE);
    /* An ordinary parameter: the base timelock (7 "days"). */
    yuma_gov_action a = {.kind = EAA_CHAIN_PARAM, .param = (uint16_t)min_stake_id, .value = 5 * TAO};
    gn_send(COLD, S1, gn_stake(V2, 1, 3 * TAO), YUMA_CALL_OK);
    uint64_t id = enact(GOV_NETUID_GLOBAL, &a, 1, 14);
    assert_true(gn_audited(id, EAA_CHAIN_PARAM));
    yuma_chain_params now;
    assert_true(chain_params_load(gn_kv(), &now));
    assert_int_equal(now.min_stake, 5 * TAO);
    /* The chain applies it: 3 TAO is below the new minimum stake. */
    gn_send(COLD, S1, gn_stake(V2, 1, 3 * TAO), YUMA_CALL_ERR_AMOUNT_TOO_LOW);
    /* A rule of the due process: the 14-"day" timelock. */
    a = (yuma_gov_action){.kind = EAA_CHAIN_PARAM, .param = (uint16_t)voting_id, .value = 20};
    enact(GOV_NETUID_GLOBAL, &a, 1, 28);
    assert_true(chain_params_load(gn_kv(), &now));
    assert_int_equal(now.gov.voting_blocks, 20);
    /* The next proposal votes for 20 blocks. */
    yuma_chain_params prm = gn_params();
    id = gov_global_get(gn_kv(), &prm.gov).next_id;
    gn_send(COLD, M1, gn_propose(1, EAA_REGISTRATION, 0, 0, DEPOSIT), YUMA_CALL_OK);
    gn_until(gn_proposal(id).voting_start);
    gov_proposal p = gn_proposal(id);
    assert_int_equal(p.round_end - p.round_start, 20);
}

static void test_targeted_actions(void **state)
{
    (void)state;
    /* Owner cut to 0, registration closed, kappa set: one proposal. */
    yuma_gov_action a[3] = {{.kind = EAA_OWNER_CUT, .value = 0},
                            {.kind = EAA_REGISTRATION, .value = 0},
                            {.kind = EAA_HYPERPARAM, .param = HP_KAPPA, .value = 40000}};
    uint64_t id = enact(1, a, 3, 14);
    assert_true(gn_audited(id, EAA_OWNER_CUT) && gn_audited(id, EAA_REGISTRATION) && gn_audited(id, EAA_HYPERPARAM));
    subnet_rec s1, s2;
    assert_true(subnet_get(gn_kv(), 1, &s1));
    assert_int_equal(s1.hp.kappa, 40000);
    assert_false(gov_registration_allowed(gn_kv(), 1));
    assert_int_equal(gov_owner_cut(gn_kv(), 1, 11796), 0);
    assert_true(gov_subnet_emits(gn_kv(), 1));
    /* Subnet 1 still emits, but its owner's pending cut no longer grows;
     * subnet 2's does. */
    assert_true(subnet_get(gn_kv(), 2, &s2));
    gn_block();
    subnet_rec t1, t2;
    assert_true(subnet_get(gn_kv(), 1, &t1) && subnet_get(gn_kv(), 2, &t2));
    assert_true(t1.alpha_out > s1.alpha_out || t1.pending_server > s1.pending_server);
    assert_int_equal(t1.pending_owner, s1.pending_owner);
    assert_true(t2.pending_owner > s2.pending_owner);
    yuma_call reg = gn_call(YUMA_CALL_BURNED_REGISTER);
    reg.netuid = 1;
    reg.hotkey = gn_acc(HOT, LATE);
    gn_send(COLD, LATE, reg, YUMA_CALL_ERR_REGISTRATION_CLOSED);
    /* A forced owner change: the new owner controls its owner hotkey. */
    yuma_gov_action oc = {.kind = EAA_OWNER_CHANGE, .account = gn_acc(COLD, LATE)};
    gn_blocks(1);
    id = enact(1, &oc, 1, 14);
    assert_true(subnet_get(gn_kv(), 1, &s1));
    yuma_account late = gn_acc(COLD, LATE);
    assert_memory_equal(s1.owner_coldkey.bytes, late.bytes, 32);
    hotkey_rec h;
    assert_true(hotkey_get(gn_kv(), &late, &h));
    assert_memory_equal(h.owner.bytes, late.bytes, 32);
}

static void test_dissolve_pays_holders_and_clears_switches(void **state)
{
    (void)state;
    yuma_gov_action a[2] = {{.kind = EAA_REGISTRATION, .value = 0}, {.kind = EAA_DISSOLVE}};
    uint64_t v3 = gn_balance(COLD, V3);
    yuma_account hk = gn_acc(HOT, OWNER2), ck = gn_acc(COLD, V3);
    assert_true(stake_of(gn_kv(), &hk, &ck, 2) > 0);
    uint64_t id = enact(2, a, 2, 14);
    assert_true(gn_audited(id, EAA_DISSOLVE));
    assert_false(subnet_exists(gn_kv(), 2));
    /* V3's stake on subnet 2 was paid out in TAO; the switches are gone
     * with the subnet, so a subnet taking netuid 2 starts clean. */
    assert_true(gn_balance(COLD, V3) > v3);
    assert_int_equal(stake_of(gn_kv(), &hk, &ck, 2), 0);
    gov_subnet_rec g = gov_subnet_get(gn_kv(), 2);
    assert_int_equal(g.flags, 0);
    assert_true(gov_registration_allowed(gn_kv(), 2));
}

/* The emergency lane's escrow, ratified (or not) by an ordinary proposal
 * (docs/GOVERNANCE_AUDIT.md): two guardians (threshold 2 for the test)
 * escrow subnet 1's emission; a proposal naming the escrow decides it. */
static yuma_guardian guardians[2];

static int setup_lane(void **state)
{
    (void)state;
    gn_keys();
    guardians[0] = (yuma_guardian){.account = gn_acc(COLD, V3), .org = "north"};
    guardians[1] = (yuma_guardian){.account = gn_acc(COLD, S1), .org = "south"};
    gn_guardians = guardians;
    gn_guardian_count = 2;
    yuma_chain_params p = gn_params();
    p.audit = yuma_gov_audit_params_devnet();
    p.audit.guardian_threshold = 2;
    gn_setup_with(&p, false);
    gn_guardians = NULL;
    gn_guardian_count = 0;
    /* The escrow: proposed by V3 (its approval), approved by S1, rationale. */
    yuma_call c = gn_call(YUMA_CALL_GUARDIAN_PROPOSE);
    c.choice = 1;
    c.netuid = 1;
    c.value = p.audit.emergency_escrow_blocks;
    memset(c.doc_hash, 0x5A, 32);
    gn_send(COLD, V3, c, YUMA_CALL_OK);
    gn_send(COLD, S1, gn_id_call(YUMA_CALL_GUARDIAN_APPROVE, 1), YUMA_CALL_OK);
    c = gn_id_call(YUMA_CALL_GUARDIAN_RATIONALE, 1);
    memset(c.doc_hash, 0x5B, 32);
    gn_send(COLD, V3, c, YUMA_CALL_OK);
    gov_action_rec a;
    assert_true(gov_action_get(gn_kv(), 1, &a));
    assert_int_equal(a.status, GOV_ACTION_ACTIVE);
    return 0;
}

static void test_a_passed_proposal_ratifies_an_emergency_escrow(void **state)
{
    (void)state;
    yuma_gov_action r = {.kind = EAA_RATIFY_ESCROW, .value = 1};
    /* Only a real escrow can be named. */
    yuma_call bad = gn_propose(1, EAA_RATIFY_ESCROW, 0, 7, DEPOSIT);
    gn_send(COLD, M1, bad, YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    uint64_t id = enact(1, &r, 1, 14);
    gov_action_rec a;
    assert_true(gov_action_get(gn_kv(), 1, &a));
    assert_int_equal(a.ratify_proposal, id);
    assert_int_equal(a.ratified, 1);
    gn_block(); /* the lane settles it in its next block step */
    assert_true(gov_action_get(gn_kv(), 1, &a));
    assert_int_equal(a.status, GOV_ACTION_RECYCLED);
    assert_true(gn_audited(id, EAA_RATIFY_ESCROW));
}

static void test_a_withdrawn_ratification_pays_the_escrow_back(void **state)
{
    (void)state;
    yuma_chain_params prm = gn_params();
    uint64_t id = gov_global_get(gn_kv(), &prm.gov).next_id;
    gn_send(COLD, M1, gn_propose(1, EAA_RATIFY_ESCROW, 0, 1, DEPOSIT), YUMA_CALL_OK);
    gov_action_rec a;
    assert_true(gov_action_get(gn_kv(), 1, &a));
    assert_int_equal(a.ratify_proposal, id);
    gn_send(COLD, M1, gn_id_call(YUMA_CALL_GOV_WITHDRAW, id), YUMA_CALL_OK);
    gn_blocks(40); /* past the ratification window */
    assert_true(gov_action_get(gn_kv(), 1, &a));
    assert_int_equal(a.status, GOV_ACTION_PAID_BACK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_call_reaches_an_eaa_setter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_parameter_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_targeted_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dissolve_pays_holders_and_clears_switches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_passed_proposal_ratifies_an_emergency_escrow, setup_lane, teardown),
        cmocka_unit_test_setup_teardown(test_a_withdrawn_ratification_pays_the_escrow_back, setup_lane, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
