/*
 * test_gov_hearing.c - the voices and exits of the due process that
 * test_gov_proposal.c leaves out, through signed transactions on the
 * devnet-preset chain of tests/gov_testnet.h (a twin chain proves that a
 * refused call changed nothing):
 *
 *   - the hearing's responses by the target's top-3 validators (§5.2),
 *     beside the owner's;
 *   - the rage exit through the AMM with a slippage ceiling (§5.5's
 *     alternative to the pre-proposal price);
 *   - the guardian's election by House C (§5.7) as a global proposal;
 *   - the exit price: the 7-day EMA of the spot price (§5.5).
 */
#include "gov_testnet.h"

#include "gov/emergency.h"
#include "yuma/pool.h"

/* Timeline of the devnet preset (a "day" = 2 blocks). */
#define NOTICE 4
#define VOTING 14
#define TIMELOCK 14
#define TIMELOCK_MAX 60

static const uint64_t DEPOSIT = 100 * TAO;

static uint64_t propose(uint16_t netuid, const yuma_gov_action *a, uint32_t n)
{
    yuma_chain_params prm = gn_params();
    uint64_t id = gov_global_get(gn_kv(), &prm.gov).next_id;
    yuma_call c = gn_propose(netuid, 0, 0, 0, DEPOSIT);
    c.action_count = n;
    memcpy(c.actions, a, n * sizeof *a);
    gn_send(COLD, M1, c, YUMA_CALL_OK);
    return id;
}

static uint64_t propose_cut(void)
{
    yuma_gov_action a = {.kind = EAA_EMISSION, .value = 0};
    return propose(1, &a, 1);
}

/* The council (V1-V3, OWNER, OWNER2) votes one way, the stakers (the whale
 * with conviction, S1) the other way or the same. */
static void votes(uint64_t id, uint8_t council, uint8_t stakers)
{
    int seats[] = {V1, V2, V3, OWNER, OWNER2};
    size_t n = 0;
    gov_proposal p = gn_proposal(id);
    for (size_t i = 0; i < 5; i++) {
        if (p.netuid == 1 && seats[i] == OWNER) continue; /* recused */
        gn_queue(COLD, seats[i], gn_vote(id, council, 1));
        n++;
    }
    gn_queue(COLD, WHALE, gn_vote(id, stakers, 1));
    gn_queue(COLD, S1, gn_vote(id, stakers, 0));
    gn_block();
    for (size_t i = 0; i < n + 2; i++) gn_expect(i, YUMA_CALL_OK);
}

static uint64_t pass_cut(void)
{
    uint64_t id = propose_cut();
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    votes(id, GOV_AYE, GOV_AYE);
    gn_until(h + NOTICE + VOTING);
    assert_int_equal(gn_proposal(id).state, GOV_TIMELOCK);
    return id;
}

static yuma_call respond(uint64_t id, uint8_t fill)
{
    yuma_call c = gn_id_call(YUMA_CALL_GOV_RESPOND, id);
    memset(c.doc_hash, fill, 32);
    return c;
}

static yuma_call escrow(uint64_t id, int hotkey_of, uint64_t amount, uint8_t choice)
{
    yuma_call c = gn_id_call(YUMA_CALL_GOV_ESCROW, id);
    c.hotkey = gn_acc(HOT, hotkey_of);
    c.amount = amount;
    c.choice = choice;
    return c;
}

static uint64_t stake(int cold, int hotkey_of, uint16_t netuid)
{
    yuma_account c = gn_acc(COLD, cold), h = gn_acc(HOT, hotkey_of);
    return stake_of(gn_kv(), &h, &c, netuid);
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

/* ---- the top validators' responses ---- */

static bool same(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

static void test_top_validators_respond(void **state)
{
    (void)state;
    /* The setup's stakes on subnet 1: V1 holds the whale's 20,000 TAO and
     * its own 1,000, V2 1,000 and S1's 500, V3 1,000; the owner's hotkey
     * and the miners hold none. So the three are V1, V2, V3 in that order. */
    yuma_account top[GOV_RESPONDING_VALIDATORS];
    assert_int_equal(gov_top_validators(gn_kv(), 1, top), 3);
    yuma_account v1 = gn_acc(HOT, V1), v2 = gn_acc(HOT, V2), v3 = gn_acc(HOT, V3);
    assert_true(same(&top[0], &v1));
    assert_true(same(&top[1], &v2));
    assert_true(same(&top[2], &v3));
    assert_int_equal(gov_top_validators(gn_kv(), GOV_NETUID_GLOBAL, top), 0);
    assert_int_equal(gov_top_validators(gn_kv(), 9, top), 0);

    uint64_t id = propose_cut();
    /* V1's hotkey responds in the notice, and amends once. */
    gn_send(HOT, V1, respond(id, 0x11), YUMA_CALL_OK);
    assert_true(gn_audited(id, GOV_AUDIT_ID_VALIDATOR_RESPONSE));
    assert_true(gn_event(GOV_EVENT_VALIDATOR_RESPONSE, 1, id));
    assert_string_equal(yuma_event_name(GOV_EVENT_VALIDATOR_RESPONSE), "gov_validator_response");
    uint64_t first = yuma_chain_height(gn_a);
    gn_send(HOT, V1, respond(id, 0x12), YUMA_CALL_OK);
    /* The owner's response is its own: none filed yet. */
    gov_proposal p = gn_proposal(id);
    assert_int_equal(p.responses, 0);
    gn_send(COLD, OWNER, respond(id, 0x33), YUMA_CALL_OK);
    /* Refused, each changing nothing: a third response of V1; a miner's
     * hotkey; V2's coldkey (the validator is its hotkey); the whale. */
    gn_try(HOT, V1, respond(id, 0x13), YUMA_CALL_ERR_GOV_RESPONSE_LIMIT);
    gn_try(HOT, M1, respond(id, 0x14), YUMA_CALL_ERR_GOV_NOT_RESPONDER);
    gn_try(COLD, V2, respond(id, 0x15), YUMA_CALL_ERR_GOV_NOT_RESPONDER);
    gn_try(COLD, WHALE, respond(id, 0x16), YUMA_CALL_ERR_GOV_NOT_RESPONDER);
    gn_check();
    /* V3 responds during the vote. */
    uint64_t h = gn_proposal(id).submitted_at;
    gn_until(h + NOTICE);
    gn_send(HOT, V3, respond(id, 0x31), YUMA_CALL_OK);
    /* The entries name the validator (before) and its text's hash (after). */
    gov_validator_response r[8];
    assert_int_equal(gov_validator_responses(gn_kv(), id, r, 8), 2);
    bool seen1 = false, seen3 = false;
    for (size_t i = 0; i < 2; i++) {
        uint8_t want[32];
        if (same(&r[i].hotkey, &v1)) {
            seen1 = true;
            memset(want, 0x12, 32);
            assert_int_equal(r[i].count, 2);
            assert_int_equal(r[i].block, first + 1);
        } else {
            assert_true(same(&r[i].hotkey, &v3));
            seen3 = true;
            memset(want, 0x31, 32);
            assert_int_equal(r[i].count, 1);
        }
        assert_memory_equal(r[i].hash, want, 32);
    }
    assert_true(seen1 && seen3);
    uint64_t entries = 0;
    for (uint64_t s = 0; s < gov_audit_count(gn_kv()); s++) {
        gov_audit_entry e;
        assert_int_equal(gov_audit_get(gn_kv(), s, &e), GOV_AUDIT_OK);
        if (e.proposal_id != id || e.call_id != GOV_AUDIT_ID_VALIDATOR_RESPONSE) continue;
        entries++;
        assert_true(memcmp(e.before_hash, v1.bytes, 32) == 0 || memcmp(e.before_hash, v3.bytes, 32) == 0);
    }
    assert_int_equal(entries, 3);
    /* The hearing closes with the vote: V2 is too late. */
    gn_until(h + NOTICE + VOTING);
    gn_try(HOT, V2, respond(id, 0x21), YUMA_CALL_ERR_GOV_WRONG_STATE);
    gn_check();
    /* A global proposal has no hearing. */
    size_t pid;
    assert_non_null(yuma_param_find("min_fee", &pid));
    yuma_gov_action a = {.kind = EAA_CHAIN_PARAM, .param = (uint16_t)pid, .value = 1};
    uint64_t g = propose(GOV_NETUID_GLOBAL, &a, 1);
    gn_try(HOT, V1, respond(g, 0x41), YUMA_CALL_ERR_GOV_NOT_TARGETED);
    gn_check();
}

/* ---- the AMM exit ---- */

/* The whale escrows all its stake on V1 for the exit through the AMM;
 * the rage exit sells it down to the ceiling below the spot price. */
static void rage_exit_through_amm(uint32_t slippage_ppm)
{
    yuma_chain_params prm = gn_params();
    prm.gov.exit_slippage_ppm = slippage_ppm;
    gn_setup_with(&prm, true);
    uint64_t id = pass_cut();
    uint64_t start = gn_proposal(id).timelock_start;
    uint64_t locked = stake(WHALE, V1, 1);
    gn_send(COLD, WHALE, escrow(id, V1, locked, 2), YUMA_CALL_OK);
    yuma_account wc = gn_acc(COLD, WHALE), wh = gn_acc(HOT, V1);
    assert_int_equal(gov_escrow_get(gn_kv(), id, &wc, &wh, GOV_ESCROW_ALPHA).exit_mode, GOV_EXIT_AMM);
    gov_proposal p = gn_proposal(id);
    assert_true(p.escrow_peak_ppm >= prm.gov.escrow_rage_ppm);
    gn_until(start + TIMELOCK_MAX - 1);
    uint64_t bal = gn_balance(COLD, WHALE), owner = gn_balance(COLD, OWNER), before = stake(WHALE, V1, 1);
    gn_block();
    assert_int_equal(gn_proposal(id).state, GOV_ENACTED);
    assert_true(gn_audited(id, GOV_AUDIT_ID_RAGE_EXIT));
    /* Out of the escrow, sold or not. */
    assert_int_equal(gov_escrow_get(gn_kv(), id, &wc, &wh, GOV_ESCROW_ALPHA).amount, 0);
    uint64_t sold = before - stake(WHALE, V1, 1), paid = gn_balance(COLD, WHALE) - bal;
    uint64_t refund = gn_balance(COLD, OWNER) - owner; /* the owner's exit right, after the exit */
    subnet_rec s;
    assert_true(subnet_get(gn_kv(), 1, &s));
    if (slippage_ppm == 0) {
        /* No room below the spot price: nothing sold, nothing paid. */
        assert_int_equal(sold, 0);
        assert_int_equal(paid, 0);
    } else {
        /* The pool just before the sale: the alpha sold had not come in
         * yet, the TAO paid and the refund not gone out. */
        yuma_pool pre = s.pool;
        pre.alpha_in -= sold;
        pre.tao += paid + refund;
        yuma_pool post = s.pool;
        post.tao += refund;
        yu128 spot = yuma_pool_price(&pre), after = yuma_pool_price(&post);
        /* The floor: spot x (1 - ceiling) in rao, rounded up (never past
         * the ceiling). */
        unsigned __int128 num = spot * (unsigned __int128)((1000000 - slippage_ppm) * YUMA_RAO_PER_TAO);
        unsigned __int128 den = ((unsigned __int128)1 << 64) * 1000000;
        uint64_t limit = (uint64_t)(num / den + (num % den != 0));
        /* Sold, but the ceiling bound the sale: part of the escrow is
         * still staked, and the price fell to the ceiling, no further (to
         * a millionth: the pool's own rounding). */
        assert_true(sold > 0 && sold < locked);
        assert_true(paid > 0);
        assert_true(after < spot);
        assert_true(after + (after >> 20) >= yuma_pool_limit_price(limit));
        assert_true(after <= yuma_pool_limit_price(limit) + (after >> 20));
        /* At least the last price for every alpha, at most the first. */
        assert_true((unsigned __int128)paid * ((yu128)1 << 64) >= (unsigned __int128)sold * after - ((yu128)1 << 64));
        assert_true((unsigned __int128)paid * ((yu128)1 << 64) <= (unsigned __int128)sold * spot);
        /* And it is exactly the AMM's own sale, fee-free, to the limit. */
        yuma_swap_result r;
        assert_int_equal(yuma_pool_swap(&pre, YUMA_SWAP_SELL, locked, limit, 0, true, &r), YUMA_POOL_OK);
        assert_true(r.limited);
        assert_int_equal(r.delta_in, sold);
        assert_int_equal(r.delta_out, paid);
    }
    /* What is left is free to move. */
    yuma_call u = gn_call(YUMA_CALL_REMOVE_STAKE);
    u.hotkey = wh;
    u.netuid = 1;
    u.amount = stake(WHALE, V1, 1);
    gn_send(COLD, WHALE, u, YUMA_CALL_OK);
}

static void test_rage_exit_through_amm(void **state)
{
    (void)state;
    rage_exit_through_amm(10000); /* 1% */
}

static void test_rage_exit_amm_ceiling_zero(void **state)
{
    (void)state;
    rage_exit_through_amm(0);
}

/* ---- the guardian's election ---- */

static const yuma_guardian GENESIS_GUARDIANS[2] = {{{{0x61}}, "alpha"}, {{{0x62}}, "beta"}};

static int setup_guardians(void **state)
{
    (void)state;
    gn_guardians = GENESIS_GUARDIANS;
    gn_guardian_count = 2;
    gn_setup(true);
    return 0;
}

static int teardown_guardians(void **state)
{
    gn_guardians = NULL;
    gn_guardian_count = 0;
    return teardown(state);
}

static yuma_gov_action guardian_add(yuma_account who, const char *org)
{
    yuma_gov_action a = {.kind = EAA_GUARDIAN_ADD, .account = who};
    assert_true(eaa_org_pack(org, &a.value));
    return a;
}

static gov_guardian_rec term_of(uint8_t slot)
{
    gov_guardian_rec m;
    assert_true(gov_guardian_get(gn_kv(), slot, &m));
    return m;
}

static size_t active_guardians(yuma_guardian out[GOV_GUARDIAN_MAX])
{
    size_t n = 0;
    for (uint8_t i = 0; i < GOV_GUARDIAN_MAX; i++) {
        gov_guardian_rec m;
        if (!gov_guardian_get(gn_kv(), i, &m) || !m.active) continue;
        out[n].account = m.account;
        memcpy(out[n].org, m.org, YUMA_GUARDIAN_ORG_LEN);
        n++;
    }
    return n;
}

static void test_org_packing(void **state)
{
    (void)state;
    uint64_t v;
    char out[9];
    assert_true(eaa_org_pack("acme", &v));
    assert_int_equal(v, 0x61636d6500000000ull); /* 'a' 'c' 'm' 'e', first byte highest */
    assert_true(eaa_org_unpack(v, out));
    assert_string_equal(out, "acme");
    assert_true(eaa_org_pack("12345678", &v));
    assert_true(eaa_org_unpack(v, out));
    assert_string_equal(out, "12345678");
    assert_false(eaa_org_pack("", &v));
    assert_false(eaa_org_pack("123456789", &v));
    assert_false(eaa_org_pack("a b", &v));
    assert_false(eaa_org_pack("caf\xc3\xa9", &v));
    assert_false(eaa_org_unpack(0, out));
    assert_false(eaa_org_unpack(0x6100610000000000ull, out)); /* a gap */
    assert_false(eaa_org_unpack(0x0a00000000000000ull, out)); /* not printable */
}

/* House C elects the guardian alone: the same votes (the council for,
 * the stake against) pass an election and reject a parameter change. */
static void test_guardian_election_by_house_c(void **state)
{
    (void)state;
    yuma_account a = gn_acc(HOT, M2), b = gn_acc(HOT, S1), c = gn_acc(HOT, LATE);
    yuma_account g0 = GENESIS_GUARDIANS[0].account;
    /* Refused, changing nothing: an election targeted at a subnet; a zero
     * signer; an organisation that is not one; a value on a removal. */
    yuma_gov_action bad = guardian_add(a, "acme");
    gn_try(COLD, M1, gn_propose(1, bad.kind, 0, bad.value, DEPOSIT), YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    yuma_call z = gn_propose(GOV_NETUID_GLOBAL, EAA_GUARDIAN_ADD, 0, bad.value, DEPOSIT);
    gn_try(COLD, M1, z, YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    yuma_call o = gn_propose(GOV_NETUID_GLOBAL, EAA_GUARDIAN_ADD, 0, 0x6100610000000000ull, DEPOSIT);
    o.actions[0].account = a;
    gn_try(COLD, M1, o, YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    yuma_call rv = gn_propose(GOV_NETUID_GLOBAL, EAA_GUARDIAN_REMOVE, 0, 1, DEPOSIT);
    rv.actions[0].account = g0;
    gn_try(COLD, M1, rv, YUMA_CALL_ERR_GOV_BAD_ACTIONS);
    gn_check();

    /* The election: A and B of "acme" join, C of "acme" would be a third
     * of one organisation (guardian_per_org is 2), the first genesis
     * signer leaves. The contrast: a parameter change under the same votes. */
    yuma_gov_action el[4] = {guardian_add(a, "acme"), guardian_add(b, "acme"), guardian_add(c, "acme"),
                             {.kind = EAA_GUARDIAN_REMOVE, .account = g0}};
    uint64_t e = propose(GOV_NETUID_GLOBAL, el, 4);
    size_t pid;
    assert_non_null(yuma_param_find("min_fee", &pid));
    yuma_gov_action pa = {.kind = EAA_CHAIN_PARAM, .param = (uint16_t)pid, .value = 1};
    uint64_t q = propose(GOV_NETUID_GLOBAL, &pa, 1);
    gn_until(gn_proposal(q).voting_start);
    votes(e, GOV_AYE, GOV_NAY);
    votes(q, GOV_AYE, GOV_NAY);
    gn_until(gn_proposal(q).round_end);
    gov_proposal pe = gn_proposal(e), pq = gn_proposal(q);
    assert_false(pe.tally[0].s_pass);
    assert_true(pe.tally[0].c_pass);
    assert_int_equal(pe.state, GOV_TIMELOCK);
    assert_false(pq.tally[0].s_pass);
    assert_int_equal(pq.state, GOV_REJECTED);
    /* Nothing changes before the timelock ends. */
    yuma_guardian now[GOV_GUARDIAN_MAX];
    assert_int_equal(active_guardians(now), 2);
    gn_until(pe.timelock_start + TIMELOCK);
    assert_int_equal(gn_proposal(e).state, GOV_ENACTED);
    /* B (beta), A (acme), B (acme) remain in that order; C was refused. */
    size_t n = active_guardians(now);
    assert_int_equal(n, 3);
    assert_true(same(&now[0].account, &GENESIS_GUARDIANS[1].account));
    assert_string_equal(now[0].org, "beta");
    assert_true(same(&now[1].account, &a));
    assert_string_equal(now[1].org, "acme");
    assert_true(same(&now[2].account, &b));
    assert_string_equal(now[2].org, "acme");
    assert_true(gn_audited(e, EAA_GUARDIAN_ADD));
    assert_true(gn_audited(e, EAA_GUARDIAN_REMOVE));
    assert_true(gn_audited(e, GOV_AUDIT_ID_ACTION_FAILED | EAA_GUARDIAN_ADD));
    /* Each applied change is also the lane's own entry. */
    size_t replaced = 0;
    for (uint64_t s = 0; s < gov_audit_count(gn_kv()); s++) {
        gov_audit_entry en;
        assert_int_equal(gov_audit_get(gn_kv(), s, &en), GOV_AUDIT_OK);
        if (en.class_ == GOV_AUDIT_EMERGENCY && en.call_id == GOV_EV_GUARDIANS_REPLACED && en.proposal_id == e)
            replaced++;
    }
    assert_int_equal(replaced, 3);

    /* Terms (§5.7): the elected start theirs at the enactment, the
     * signer who stayed keeps its genesis term. */
    gov_audit_entry added = {0};
    for (uint64_t s = 0; s < gov_audit_count(gn_kv()); s++) {
        gov_audit_entry en;
        assert_int_equal(gov_audit_get(gn_kv(), s, &en), GOV_AUDIT_OK);
        if (en.proposal_id == e && en.call_id == EAA_GUARDIAN_ADD && en.class_ == GOV_AUDIT_EAA_GLOBAL) added = en;
    }
    assert_true(added.block > 0);
    assert_int_equal(term_of(1).elected_at, added.block); /* A */
    assert_int_equal(term_of(0).elected_at, 0);           /* beta, from genesis */
    /* Re-electing the sitting beta signer (guardian_add of its key) renews
     * its term; the audited hashes before and after differ by it alone. */
    yuma_gov_action re = guardian_add(GENESIS_GUARDIANS[1].account, "beta");
    uint64_t e2 = propose(GOV_NETUID_GLOBAL, &re, 1);
    gn_until(gn_proposal(e2).voting_start);
    votes(e2, GOV_AYE, GOV_NAY);
    gn_until(gn_proposal(e2).round_end);
    gn_until(gn_proposal(e2).timelock_start + TIMELOCK);
    assert_int_equal(gn_proposal(e2).state, GOV_ENACTED);
    gov_audit_entry renewed = {0};
    for (uint64_t s = 0; s < gov_audit_count(gn_kv()); s++) {
        gov_audit_entry en;
        assert_int_equal(gov_audit_get(gn_kv(), s, &en), GOV_AUDIT_OK);
        if (en.proposal_id == e2 && en.call_id == EAA_GUARDIAN_ADD && en.class_ == GOV_AUDIT_EAA_GLOBAL) renewed = en;
    }
    assert_true(renewed.block > added.block);
    assert_int_equal(term_of(0).elected_at, renewed.block);
    assert_int_equal(term_of(1).elected_at, added.block); /* the others keep theirs */
    assert_memory_not_equal(renewed.before_hash, renewed.after_hash, 32);
    assert_int_equal(active_guardians(now), 3);
}

/* ---- the exit price ---- */

static yu128 spot_now(void)
{
    subnet_rec s;
    assert_true(subnet_get(gn_kv(), 1, &s));
    return yuma_pool_price(&s.pool) >> 32; /* I96F32, as the EMA */
}

/* The EMA follows the samples by its rule (devnet: a sample every 2
 * blocks over a 14-block window, weight 2*2/(14+2) = 1/4), lags a dump,
 * and a proposal made right after the dump exits at the EMA. */
static void test_exit_price_is_the_7_day_ema(void **state)
{
    (void)state;
    yuma_chain_params prm = gn_params();
    assert_int_equal(prm.gov.seat_sample_blocks, 2);
    assert_int_equal(prm.gov.price_ema_blocks, 14);
    yu128 ema;
    assert_true(gov_price_ema(gn_kv(), 1, &ema));
    assert_false(gov_price_ema(gn_kv(), 9, &ema)); /* no such subnet */
    /* The setup ends on a sample block (40); from there, by hand. */
    assert_int_equal(yuma_chain_height(gn_a) % 2, 0);
    yu128 want = ema;
    for (int i = 0; i < 6; i++) {
        gn_block();
        /* 3/4 of the old value and 1/4 of the spot, each floored. */
        if (yuma_chain_height(gn_a) % 2 == 0) want = want * 12 / 16 + spot_now() * 4 / 16;
        assert_true(gov_price_ema(gn_kv(), 1, &ema));
        assert_true(ema == want);
    }
    /* The whale dumps half its stake: the spot price falls at once, the
     * EMA only by a quarter of the gap at the next sample. */
    yuma_call u = gn_call(YUMA_CALL_REMOVE_STAKE);
    u.hotkey = gn_acc(HOT, V1);
    u.netuid = 1;
    yuma_account wc = gn_acc(COLD, WHALE), wh = gn_acc(HOT, V1);
    u.amount = stake_of(gn_kv(), &wh, &wc, 1) / 2;
    while (yuma_chain_height(gn_a) % 2 != 0) gn_block();
    gn_send(COLD, WHALE, u, YUMA_CALL_OK); /* an odd block: no sample */
    assert_true(gov_price_ema(gn_kv(), 1, &ema));
    yu128 spot = spot_now();
    assert_true(spot < ema);
    /* A proposal right after the dump: the exit price is the EMA. */
    uint64_t id = propose_cut();
    gov_proposal p = gn_proposal(id);
    yu128 ema_then;
    assert_true(gov_price_ema(gn_kv(), 1, &ema_then)); /* the sample of the proposal's block came first */
    assert_true(ema_then > spot_now());
    assert_true(p.pre_price == ema_then);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_top_validators_respond, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rage_exit_through_amm, NULL, teardown),
        cmocka_unit_test_setup_teardown(test_rage_exit_amm_ceiling_zero, NULL, teardown),
        cmocka_unit_test(test_org_packing),
        cmocka_unit_test_setup_teardown(test_guardian_election_by_house_c, setup_guardians, teardown_guardians),
        cmocka_unit_test_setup_teardown(test_exit_price_is_the_7_day_ema, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
