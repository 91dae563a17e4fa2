/*
 * test_coinbase.c - the coinbase and the epoch payout against the numeric
 * vectors of economics §10 (2, 3, 4, 5, 7, 8, 18). Every expected value is
 * the spec's; where the spec gives a tolerance, that tolerance is asserted
 * and, where the reference arithmetic lands on the spec's exact figure,
 * the figure itself too.
 *
 * The pure steps are called directly (src/chain/coinbase.h); the payout
 * (§10.8) runs coinbase_distribute on a state built with the real calls
 * (register_network, burned_register, set_children, set_childkey_take), so
 * the epoch, the parent split and the staking records are the chain's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "chain/calls.h"
#include "chain/coinbase.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/emission.h"
#include "yuma/pool.h"

#define TAO YUMA_RAO_PER_TAO
#define ONE ((yu128)1 << 32) /* 1.0 as U96F32 */

static uint64_t to_rao(yu128 u96f32)
{
    return yu96f32_to_u64(u96f32);
}

static void assert_near(uint64_t got, uint64_t want, uint64_t tolerance)
{
    uint64_t diff = got > want ? got - want : want - got;
    if (diff > tolerance) {
        print_error("got %llu, want %llu (+-%llu)\n", (unsigned long long)got, (unsigned long long)want,
                    (unsigned long long)tolerance);
        fail();
    }
}

/* A subnet whose pool is initialised with reserves (alpha x, TAO y) and
 * weight 0.5, and alpha_out outside the pool. */
static subnet_rec pool_subnet(uint64_t x, uint64_t y, uint64_t alpha_out)
{
    subnet_rec s;
    memset(&s, 0, sizeof s);
    s.pool = (yuma_pool){.alpha_in = x, .tao = y, .w2 = YUMA_POOL_HALF};
    s.pool_initialized = true;
    s.alpha_out = alpha_out;
    return s;
}

/* §10.2: with alpha issuance below the first halving (alpha_emit = 1e9),
 * cut 0 leaves nothing pending for the owner and cut 65535 pends all of it,
 * block after block. */
static void test_owner_cut(void **state)
{
    (void)state;
    assert_int_equal(coinbase_split_alpha(TAO, 0, 0).owner, 0);
    assert_int_equal(coinbase_split_alpha(TAO, 65535, 0).owner, TAO);
    yuma_chain_params p = yuma_chain_params_default();
    for (int cut = 0; cut <= 1; cut++) {
        p.subnet_owner_cut = cut ? 65535 : 0;
        subnet_rec s = pool_subnet(1000 * TAO, 1000 * TAO, 0);
        for (int block = 1; block <= 3; block++) {
            assert_int_equal(yuma_block_emission(s.pool.alpha_in + s.alpha_out), TAO);
            coinbase_emit_subnet(&s, 0, &p, 0, false);
            assert_int_equal(s.pending_owner, cut ? (uint64_t)block * TAO : 0);
        }
    }
}

/* §10.3: alpha_out 1e9, cut 0, rp = 0.25 (root TAO 1e9, w = 1, alpha
 * issuance 3e9 after the block's mint), root-sell on. */
static void test_pending_split(void **state)
{
    (void)state;
    yu128 rp = yuma_root_proportion(UINT64_MAX, TAO, 3 * TAO);
    assert_true(rp == ONE / 4); /* w = (2^64-1)/(2^64-1) is exactly 1 */
    coinbase_alpha_split x = coinbase_split_alpha(TAO, 0, rp);
    assert_near(x.server, 500000000, 1);
    assert_near(x.validator, 375000000, 1);
    assert_near(x.root, 125000000, 1);
    /* The same block through a subnet: 1e9 in the pool, 1e9 outside, so
     * the issuance is 3e9 once this block's 1e9 is minted (no TAO comes
     * in, so alpha_in adds nothing). */
    yuma_chain_params p = yuma_chain_params_default();
    p.subnet_owner_cut = 0;
    p.tao_weight = UINT64_MAX;
    subnet_rec s = pool_subnet(TAO, TAO, TAO);
    coinbase_emit_subnet(&s, 0, &p, TAO, true);
    assert_near(s.pending_server, 500000000, 1);
    assert_near(s.pending_validator, 375000000, 1);
    assert_near(s.pending_root, 125000000, 1);
    assert_int_equal(s.pending_owner, 0);
    /* Without root-sell the root part is recycled out of the issuance. */
    subnet_rec r = pool_subnet(TAO, TAO, TAO);
    coinbase_emit_subnet(&r, 0, &p, TAO, false);
    assert_int_equal(r.pending_root, 0);
    assert_int_equal(r.alpha_out, s.alpha_out - s.pending_root);
}

/* §10.4 (a): E = 1e8 over two subnets with EMA prices 0.1 and 0.2 (as
 * I96F32::from_num rounds them), spot prices 0.1 and 0.2, the injection
 * cap not binding (root proportion ~1): SubnetTAO grows by ~1/3 and ~2/3
 * of E (+-10), TotalIssuance by E (+-10, the reference test's epsilon). */
static void test_price_share_allocation(void **state)
{
    (void)state;
    const uint64_t e = 100000000, tao0 = 100000;
    yu128 ema[2] = {429496730, 858993459}, tao[2];
    uint64_t burned[2] = {0, 0};
    bool emits[2] = {true, true};
    coinbase_tao_shares(2, ema, burned, emits, e, tao);
    yuma_chain_params p = yuma_chain_params_default();
    p.tao_weight = UINT64_MAX;
    const uint64_t root_tao = 1000000000000000000ULL; /* rp = 1 - 1e-12 */
    subnet_rec s[2] = {pool_subnet(10 * tao0, tao0, 0), pool_subnet(5 * tao0, tao0, 0)};
    bool root_sell = coinbase_root_sell(ema[0] + ema[1]);
    assert_false(root_sell);
    uint64_t minted = 0;
    for (int i = 0; i < 2; i++) minted += coinbase_emit_subnet(&s[i], tao[i], &p, root_tao, root_sell);
    assert_near(s[0].pool.tao, tao0 + 33333333, 10);
    assert_near(s[1].pool.tao, tao0 + 66666666, 10);
    assert_near(minted, e, 10);
    assert_int_equal(s[0].protocol_alpha + s[1].protocol_alpha, 0); /* no chain buy */
}

/* §10.4 (b): E = 1e6, EMA prices 1 and 2, spot prices 1 and 2: each pool
 * receives 333,333 alpha. */
static void test_alpha_issuance_different_prices(void **state)
{
    (void)state;
    yu128 ema[2] = {ONE, 2 * ONE}, tao[2];
    uint64_t burned[2] = {0, 0};
    bool emits[2] = {true, true};
    coinbase_tao_shares(2, ema, burned, emits, 1000000, tao);
    yuma_chain_params p = yuma_chain_params_default();
    p.tao_weight = UINT64_MAX;
    subnet_rec s[2] = {pool_subnet(1000 * TAO, 1000 * TAO, 0), pool_subnet(1000 * TAO, 2000 * TAO, 0)};
    for (int i = 0; i < 2; i++) {
        uint64_t before = s[i].pool.alpha_in;
        coinbase_emit_subnet(&s[i], tao[i], &p, 1000000000000000000ULL, coinbase_root_sell(ema[0] + ema[1]));
        assert_int_equal(s[i].pool.alpha_in - before, 333333);
    }
}

/* §10.5: one subnet, E = 5e8, alpha issuance 2e15 (pool x = 1e15, y = 2e13,
 * w = 0.5, so spot 0.02; SubnetAlphaOut 1e15), R = 5e15, w = 0.18
 * (TaoWeight 3,320,413,933,267,719,290 of 2^64-1). */
static void test_full_coinbase_mainnet_like(void **state)
{
    (void)state;
    const uint64_t e = 500000000, x = 1000000000000000ULL, y = 20000000000000ULL, root_tao = 5000000000000000ULL;
    yuma_chain_params p = yuma_chain_params_default();
    assert_int_equal(p.tao_weight, 3320413933267719290ULL);
    assert_int_equal(p.subnet_owner_cut, 11796);
    yu128 ema = ONE / 50, tao;
    uint64_t burned = 0;
    bool emits = true;
    coinbase_tao_shares(1, &ema, &burned, &emits, e, &tao);
    assert_true(tao == yu96f32_from_u64(e)); /* the only subnet takes all of E */

    subnet_rec s = pool_subnet(x, y, x);
    /* The spot price floored to U96F32: 0.02 reads 0.0199999997858. */
    yu128 price = coinbase_price_u96f32(yuma_pool_price(&s.pool));
    assert_true(price == 85899345);
    uint64_t alpha_emit = yuma_block_emission(2 * x);
    assert_int_equal(alpha_emit, TAO);
    coinbase_terms t = coinbase_subnet_terms(tao, yuma_pool_price(&s.pool), alpha_emit,
                                             yuma_root_proportion(p.tao_weight, root_tao, 2 * x));
    assert_int_equal(to_rao(t.alpha_in), 310344827);
    assert_int_equal(to_rao(t.tao_in), 6206896);
    assert_int_equal(to_rao(t.excess), 493793103);

    /* The whole block on the subnet record. */
    uint64_t minted = coinbase_emit_subnet(&s, tao, &p, root_tao, true);
    assert_int_equal(minted, 6206896 + 493793103); /* the rao of E left over is never minted */
    assert_int_equal(s.pool.tao, y + 6206896 + 493793103);
    assert_true(s.protocol_alpha > 0);
    assert_int_equal(s.pool.alpha_in + s.protocol_alpha, x + 310344827);
    assert_int_equal(s.pending_owner, 179995422);
    assert_int_equal(s.pending_server, 410002288);
    assert_int_equal(s.pending_root, 127242032);
    assert_int_equal(s.pending_validator, 282760256);
    /* rp' was read from the issuance after the mint: 2e15 + alpha_in + 1e9,
     * which the subnet now holds (the chain buy moved alpha, minted none). */
    assert_int_equal(s.pool.alpha_in + s.alpha_out, 2 * x + 310344827 + TAO);
    /* the 2 rao the truncations dropped stay in the issuance, unowned */
    assert_int_equal(s.alpha_burned, TAO - 179995422 - 410002288 - 127242032 - 282760256);
}

/* §10.7: V = 183,123,567,452, R = 837,120,949,872, w = U96F32 from 0.18;
 * hk0 (alpha 4,859,302, root 2,342,352, div 77,783,738), hk1 (23,423,
 * 859,273, 19,283,940). The spec's figures are the reference's arithmetic
 * (shares truncated to 32 fractional bits); its test asserts within 1,000. */
static void test_dividend_split(void **state)
{
    (void)state;
    const uint64_t v = 183123567452ULL, r = 837120949872ULL;
    const uint64_t d[2] = {77783738, 19283940}, alpha[2] = {4859302, 23423}, root[2] = {2342352, 859273};
    const yu128 w = 773094113; /* floor(0.18 * 2^32), I96F32::from_num(0.18) */
    assert_true(yuma_tao_weight_u96f32(yuma_chain_params_default().tao_weight) == w);
    yu128 ad[2], rd[2];
    coinbase_dividend_split(2, d, alpha, root, w, v, r, ad, rd);
    const uint64_t want_a[2] = {176856534496ULL, 6267032912ULL}, want_r[2] = {226443796624ULL, 610677153052ULL};
    for (int k = 0; k < 2; k++) {
        assert_near(to_rao(ad[k]), want_a[k], 1000);
        assert_near(to_rao(rd[k]), want_r[k], 1000);
        assert_int_equal(to_rao(ad[k]), want_a[k]);
        assert_int_equal(to_rao(rd[k]), want_r[k]);
    }
    /* short of the pools, never over them */
    assert_true(to_rao(ad[0]) + to_rao(ad[1]) <= v && to_rao(ad[0]) + to_rao(ad[1]) + 1000 >= v);
    assert_true(to_rao(rd[0]) + to_rao(rd[1]) <= r && to_rao(rd[0]) + to_rao(rd[1]) + 1000 >= r);
}

/* ---- §10.8 on a state built with the chain's calls ---- */

static yuma_account account(uint8_t tag)
{
    yuma_account a;
    memset(a.bytes, tag, 32);
    return a;
}

static yuma_call call_of(yuma_call_kind kind, uint16_t netuid, const yuma_account *hotkey)
{
    yuma_call c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.netuid = netuid;
    c.hotkey = *hotkey;
    return c;
}

/* §10.8: a parent hotkey with 1e9 alpha gives proportion 1.0 to a child
 * of another coldkey with childkey take 6553/65535; CKBurn 0; no miners;
 * S = V = 5e8. The parent gains ~900,000,000 and the child ~100,000,000
 * (tolerance 10,000). */
static void test_child_take(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    assert_non_null(kv);
    yuma_chain_params p = yuma_chain_params_default();
    yuma_account owner_ck = account(1), owner_hk = account(2), child_ck = account(3), child_hk = account(4),
                 parent_ck = account(5), parent_hk = account(6), author = account(7);
    assert_true(account_put(kv, &owner_ck, (account_rec){10000 * TAO, 0}));
    assert_true(account_put(kv, &child_ck, (account_rec){10 * TAO, 0}));
    call_ctx cx = {.kv = kv, .params = &p, .block = 1, .signer = &owner_ck, .author = &author};
    yuma_call c = call_of(YUMA_CALL_REGISTER_NETWORK, 0, &owner_hk);
    assert_int_equal(call_register_network(&cx, &c), YUMA_CALL_OK);
    cx.block = 2;
    cx.signer = &child_ck;
    c = call_of(YUMA_CALL_BURNED_REGISTER, 1, &child_hk);
    assert_int_equal(call_burned_register(&cx, &c), YUMA_CALL_OK);
    /* The parent is a staked hotkey of its own coldkey, not registered on
     * the subnet, as in the reference's test. */
    hotkey_rec ph = {.owner = parent_ck, .take = p.max_delegate_take, .last_take_block = 0};
    assert_true(hotkey_put(kv, &parent_hk, &ph));
    assert_int_equal(stake_add(kv, &parent_hk, &parent_ck, 1, TAO), STAKE_OK);
    cx.block = 3;
    cx.signer = &parent_ck;
    c = call_of(YUMA_CALL_SET_CHILDREN, 1, &parent_hk);
    c.child_count = 1;
    c.children[0] = (yuma_child){.proportion = UINT64_MAX, .child = child_hk};
    assert_int_equal(call_set_children(&cx, &c), YUMA_CALL_OK); /* before start_call: applied at once */
    cx.signer = &child_ck;
    c = call_of(YUMA_CALL_SET_CHILDKEY_TAKE, 1, &child_hk);
    c.take = 65535 / 10; /* 6553 */
    assert_int_equal(call_set_childkey_take(&cx, &c), YUMA_CALL_OK);

    subnet_rec s;
    assert_true(subnet_get(kv, 1, &s));
    s.pending_server = s.pending_validator = 500000000;
    s.alpha_out += TAO; /* the pending pools were minted when they accrued */
    uint64_t child_before = stake_total(kv, &child_hk, 1);
    assert_int_equal(child_before, 0);
    cx.block = 4;
    assert_int_equal(coinbase_distribute(&cx, 1, &s), YUMA_CHAIN_OK);
    assert_int_equal(s.pending_server + s.pending_validator + s.pending_root + s.pending_owner, 0);
    assert_near(stake_total(kv, &parent_hk, 1) - TAO, 900000000, 10000);
    assert_near(stake_total(kv, &child_hk, 1) - child_before, 100000000, 10000);
    ykv_free(kv);
}

/* Root dividends reach the hotkey's root stakers (economics §4.4 step 8):
 * after the hotkey's take (18 %), in proportion to their root stake, as
 * alpha stake with the hotkey on the subnet. */
static void test_root_dividends_reach_root_stakers(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    yuma_chain_params p = yuma_chain_params_default();
    yuma_account owner_ck = account(11), owner_hk = account(12), val_ck = account(13), val_hk = account(14),
                 r1 = account(15), r2 = account(16), author = account(17);
    assert_true(account_put(kv, &owner_ck, (account_rec){10000 * TAO, 0}));
    assert_true(account_put(kv, &val_ck, (account_rec){10 * TAO, 0}));
    call_ctx cx = {.kv = kv, .params = &p, .block = 1, .signer = &owner_ck, .author = &author};
    yuma_call c = call_of(YUMA_CALL_REGISTER_NETWORK, 0, &owner_hk);
    assert_int_equal(call_register_network(&cx, &c), YUMA_CALL_OK);
    cx.block = 2;
    cx.signer = &val_ck;
    c = call_of(YUMA_CALL_BURNED_REGISTER, 1, &val_hk);
    assert_int_equal(call_burned_register(&cx, &c), YUMA_CALL_OK);
    /* the validator's own alpha, and two root stakers on its hotkey */
    assert_int_equal(stake_add(kv, &val_hk, &val_ck, 1, TAO), STAKE_OK);
    assert_int_equal(stake_add(kv, &val_hk, &r1, 0, 3 * TAO), STAKE_OK);
    assert_int_equal(stake_add(kv, &val_hk, &r2, 0, 1 * TAO), STAKE_OK);
    subnet_rec s;
    assert_true(subnet_get(kv, 1, &s));
    const uint64_t R = 400000000;
    s.pending_root = R;
    s.alpha_out += R; /* minted when it accrued */
    cx.block = 3;
    assert_int_equal(coinbase_distribute(&cx, 1, &s), YUMA_CHAIN_OK);
    uint64_t a1 = stake_of(kv, &val_hk, &r1, 1), a2 = stake_of(kv, &val_hk, &r2, 1);
    assert_true(a2 > 0);
    assert_true(a1 + 3 >= 3 * a2 && a1 <= 3 * a2 + 3);           /* 3 : 1, as their root stake */
    uint64_t after_take = R - R * 11796 / 65535;                 /* the hotkey keeps its 18 % take */
    assert_true(a1 + a2 + 10 >= after_take && a1 + a2 <= after_take + 10);
    ykv_free(kv);
}

/* §10.18: non-immune uids with (Emission, registration block) u0 (5, 10),
 * u1 (3, 20), u2 (3, 15), u3 (9, 5) and more than 10 non-immune uids in
 * all: u2 goes (lowest emission, then the earlier registration). */
static void test_neuron_prune(void **state)
{
    (void)state;
    ykv *kv = ykv_new();
    assert_non_null(kv);
    const uint64_t emission[4] = {5, 3, 3, 9}, reg[4] = {10, 20, 15, 5};
    subnet_rec s;
    memset(&s, 0, sizeof s);
    s.owner_hotkey = account(200);
    s.immunity_period = 100;
    s.n = 16;
    const uint64_t now = 1000;
    for (uint16_t uid = 0; uid < s.n; uid++) {
        neuron_rec nr;
        memset(&nr, 0, sizeof nr);
        nr.hotkey = account((uint8_t)(10 + uid));
        if (uid < 4) {
            nr.emission = emission[uid];
            nr.registered_at = reg[uid];
        } else if (uid < 15) {
            nr.emission = 50; /* 11 more non-immune uids, well above the four */
            nr.registered_at = 1;
        } else {
            nr.hotkey = s.owner_hotkey; /* the owner's hotkey: never pruned */
            nr.emission = 0;
            nr.registered_at = 0;
        }
        assert_true(neuron_put(kv, 1, uid, &nr));
    }
    uint16_t out = 999;
    assert_true(neuron_prune_candidate(kv, 1, &s, now, &out));
    assert_int_equal(out, 2);
    ykv_free(kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_cut),
        cmocka_unit_test(test_pending_split),
        cmocka_unit_test(test_price_share_allocation),
        cmocka_unit_test(test_alpha_issuance_different_prices),
        cmocka_unit_test(test_full_coinbase_mainnet_like),
        cmocka_unit_test(test_dividend_split),
        cmocka_unit_test(test_child_take),
        cmocka_unit_test(test_root_dividends_reach_root_stakers),
        cmocka_unit_test(test_neuron_prune),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
