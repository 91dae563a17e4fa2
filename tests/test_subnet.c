/*
 * test_subnet.c - a subnet's life through real signed transactions: an
 * owner registers it (lock cost), starts its emission by rule, validators
 * and miners register (burn price bump), validators stake and set weights,
 * and blocks run through several epochs. Checked: every call's effect and
 * its error paths, supply conservation of TAO and alpha every block, and
 * that what the chain pays each miner equals what libyuma's epoch computes
 * from the same inputs, run independently here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain_internal.h"
#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/emission.h"
#include "yuma/epoch.h"
#include "yuma/tx.h"

enum { OWNER, V1, V2, M1, M2, M3, OWNER2, KEYS };
#define TAO YUMA_RAO_PER_TAO

typedef struct {
    unsigned char pk[32], sk[64];
} key;

static key cold[KEYS], hot[KEYS];
static yuma_account author;

static yuma_account acc(const key *k)
{
    yuma_account a;
    memcpy(a.bytes, k->pk, 32);
    return a;
}

static void make_keys(void)
{
    for (int i = 0; i < KEYS; i++) {
        unsigned char seed[32] = {1, (unsigned char)i};
        crypto_sign_seed_keypair(cold[i].pk, cold[i].sk, seed);
        seed[0] = 2;
        crypto_sign_seed_keypair(hot[i].pk, hot[i].sk, seed);
    }
    memset(author.bytes, 0xAB, 32);
}

typedef struct {
    uint8_t bytes[YUMA_TX_MAX_ENCODED];
    size_t len;
} encoded;

static encoded *pending;
static size_t pending_count;

static bool fast_lock_decay, small_subnet_limit;

static yuma_chain *new_chain(void)
{
    /* Coldkeys hold funds; hotkeys hold a little TAO to pay their fees. */
    yuma_genesis_balance bal[2 * KEYS];
    for (int i = 0; i < KEYS; i++) {
        bal[i] = (yuma_genesis_balance){acc(&cold[i]), (i == OWNER || i == OWNER2 ? 5000 : 500) * TAO};
        bal[KEYS + i] = (yuma_genesis_balance){acc(&hot[i]), TAO};
    }
    yuma_genesis g = {.chain_id = 9, .params = yuma_chain_params_default(), .balance_count = 2 * KEYS, .balances = bal};
    pending_count = 0;
    g.params.network_rate_limit = 10;
    if (fast_lock_decay) g.params.network_lock_reduction_interval = 1; /* the lock price falls back at once */
    if (small_subnet_limit) {
        g.params.subnet_limit = 2;
        g.params.network_immunity_period = 50;
    }
    yuma_chain *c;
    assert_int_equal(yuma_chain_new(&g, &c), YUMA_CHAIN_OK);
    return c;
}

static uint64_t nonces[2][KEYS];

/* Queues a call signed by a coldkey (role 0) or hotkey (role 1). */
static void queue(yuma_chain *c, int role, int who, yuma_call call)
{
    const key *k = role == 0 ? &cold[who] : &hot[who];
    static yuma_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = yuma_chain_id(c);
    yuma_chain_genesis_hash(c, tx.genesis_hash);
    tx.signer = acc(k);
    tx.nonce = nonces[role][who]++;
    tx.fee = yuma_chain_min_fee(c, YUMA_TX_MAX_ENCODED);
    tx.call = call;
    assert_true(yuma_tx_sign(&tx, k->sk));
    pending = realloc(pending, (pending_count + 1) * sizeof(encoded));
    encoded *e = &pending[pending_count++];
    e->len = yuma_tx_encode(&tx, e->bytes, sizeof e->bytes);
    assert_true(e->len > 0);
}

static void assert_audit(yuma_chain *c)
{
    char detail[256];
    if (!yuma_chain_audit_supply(c, detail, sizeof detail)) {
        print_error("block %llu: %s\n", (unsigned long long)yuma_chain_height(c), detail);
        fail();
    }
}

/* Applies a block with the queued transactions; returns their statuses.
 * When `twin` is set, the same block is applied to it too. */
static yuma_call_status statuses[64];
static yuma_chain *twin;
static void block(yuma_chain *c)
{
    yuma_tx_bytes raw[64];
    assert_true(pending_count <= 64);
    for (size_t i = 0; i < pending_count; i++) raw[i] = (yuma_tx_bytes){pending[i].bytes, pending[i].len};
    yuma_block b = {.height = yuma_chain_height(c) + 1, .author = author, .tx_count = pending_count, .txs = raw};
    yuma_chain_last_hash(c, b.parent_hash);
    yuma_block_result res;
    yuma_chain_status st = yuma_chain_apply_block(c, &b, &res);
    if (st != YUMA_CHAIN_OK) {
        print_error("block %llu: %s (tx %zu)\n", (unsigned long long)b.height, yuma_chain_strerror(st), res.failed_tx);
        fail();
    }
    for (size_t i = 0; i < pending_count; i++) statuses[i] = res.call_status[i];
    free(res.call_status);
    if (twin) {
        yuma_block_result tr;
        assert_int_equal(yuma_chain_apply_block(twin, &b, &tr), YUMA_CHAIN_OK);
        assert_memory_equal(tr.state_root, res.state_root, 32);
        free(tr.call_status);
    }
    pending_count = 0;
    assert_audit(c);
}

static void expect(size_t i, yuma_call_status want)
{
    if (statuses[i] != want) {
        print_error("tx %zu: got '%s', want '%s'\n", i, yuma_call_strerror(statuses[i]), yuma_call_strerror(want));
        fail();
    }
}

static yuma_call call_of(yuma_call_kind kind)
{
    yuma_call call;
    memset(&call, 0, sizeof call);
    call.kind = kind;
    return call;
}

static yuma_call reg_network(int h)
{
    yuma_call call = call_of(YUMA_CALL_REGISTER_NETWORK);
    call.hotkey = acc(&hot[h]);
    return call;
}

static yuma_call burned_register(uint16_t netuid, int h)
{
    yuma_call call = call_of(YUMA_CALL_BURNED_REGISTER);
    call.netuid = netuid;
    call.hotkey = acc(&hot[h]);
    return call;
}

static yuma_call add_stake(uint16_t netuid, int h, uint64_t amount)
{
    yuma_call call = call_of(YUMA_CALL_ADD_STAKE);
    call.netuid = netuid;
    call.hotkey = acc(&hot[h]);
    call.amount = amount;
    return call;
}

static yuma_call set_weights(uint16_t netuid, const uint16_t *uids, const uint16_t *values, uint32_t n)
{
    yuma_call call = call_of(YUMA_CALL_SET_WEIGHTS);
    call.netuid = netuid;
    call.weight_count = n;
    memcpy(call.uids, uids, n * sizeof(uint16_t));
    memcpy(call.values, values, n * sizeof(uint16_t));
    return call;
}

static subnet_rec subnet(yuma_chain *c, uint16_t netuid)
{
    subnet_rec s;
    assert_true(subnet_get(yuma_chain_state(c), netuid, &s));
    return s;
}

static uint64_t balance(yuma_chain *c, int who)
{
    yuma_account a = acc(&cold[who]);
    return yuma_chain_balance(c, &a);
}

/* Sets up subnet 1 with an owner, two validators and three miners. */
static yuma_chain *setup(void)
{
    yuma_chain *c = new_chain();
    memset(nonces, 0, sizeof nonces);
    queue(c, 0, OWNER, reg_network(OWNER));
    block(c);
    expect(0, YUMA_CALL_OK);
    yuma_call start = call_of(YUMA_CALL_START_CALL);
    start.netuid = 1;
    queue(c, 0, OWNER, start);
    block(c);
    expect(0, YUMA_CALL_OK);
    for (int k = V1; k <= M3; k++) queue(c, 0, k, burned_register(1, k));
    block(c);
    for (int k = 0; k < 5; k++) expect((size_t)k, YUMA_CALL_OK);
    queue(c, 0, V1, add_stake(1, V1, 300 * TAO));
    queue(c, 0, V2, add_stake(1, V2, 100 * TAO));
    block(c);
    expect(0, YUMA_CALL_OK);
    expect(1, YUMA_CALL_OK);
    return c;
}

static void test_register_network(void **state)
{
    (void)state;
    yuma_chain *c = new_chain();
    memset(nonces, 0, sizeof nonces);
    uint64_t before = balance(c, OWNER);
    queue(c, 0, OWNER, reg_network(OWNER));
    block(c);
    expect(0, YUMA_CALL_OK);
    subnet_rec s = subnet(c, 1);
    /* First registration: cost is the minimum lock, 1,000 TAO (economics §6.1). */
    assert_int_equal(s.lock, 1000 * TAO);
    assert_int_equal(s.pool.tao, 1000 * TAO);
    assert_int_equal(s.pool.alpha_in, 1000 * TAO); /* median price 1.0 when no subnet exists */
    assert_int_equal(s.n, 1);
    assert_int_equal(s.first_emission_block, 0);
    uint64_t fee = yuma_chain_min_fee(c, YUMA_TX_MAX_ENCODED);
    assert_int_equal(balance(c, OWNER), before - 1000 * TAO - fee);
    /* Rate limit, then the doubled price (mult 2 after the first lock). */
    queue(c, 0, V1, reg_network(V1));
    block(c);
    expect(0, YUMA_CALL_ERR_NETWORK_RATE_LIMIT);
    for (int i = 0; i < 9; i++) block(c);
    queue(c, 0, V1, reg_network(V1)); /* 500 TAO cannot pay ~2,000 TAO */
    block(c);
    expect(0, YUMA_CALL_ERR_INSUFFICIENT_BALANCE);
    assert_false(subnet_get(yuma_chain_state(c), 2, &s));
    /* A hotkey owned by another coldkey cannot be used. */
    queue(c, 0, V2, reg_network(OWNER));
    block(c);
    expect(0, YUMA_CALL_ERR_HOTKEY_OWNED);
    yuma_chain_free(c);
}

static void test_start_call_rules(void **state)
{
    (void)state;
    yuma_chain *c = new_chain();
    memset(nonces, 0, sizeof nonces);
    queue(c, 0, OWNER, reg_network(OWNER));
    block(c);
    yuma_call start = call_of(YUMA_CALL_START_CALL);
    start.netuid = 1;
    queue(c, 0, V1, start); /* not the owner */
    yuma_call start0 = start;
    start0.netuid = 0;
    queue(c, 0, OWNER, start0);
    yuma_call start7 = start;
    start7.netuid = 7;
    queue(c, 0, OWNER, start7);
    queue(c, 0, OWNER, start);
    queue(c, 0, OWNER, start);
    block(c);
    expect(0, YUMA_CALL_ERR_NOT_OWNER);
    expect(1, YUMA_CALL_ERR_ROOT_NETUID);
    expect(2, YUMA_CALL_ERR_NO_SUBNET);
    expect(3, YUMA_CALL_OK);
    expect(4, YUMA_CALL_ERR_ALREADY_STARTED);
    assert_int_equal(subnet(c, 1).first_emission_block, yuma_chain_height(c) + 1);
    /* Staking before start_call is refused on another subnet. */
    yuma_chain_free(c);
}

static void test_burned_register(void **state)
{
    (void)state;
    yuma_chain *c = new_chain();
    memset(nonces, 0, sizeof nonces);
    queue(c, 0, OWNER, reg_network(OWNER));
    block(c);
    subnet_rec s0 = subnet(c, 1);
    assert_int_equal(s0.burn, TAO);
    uint64_t before = balance(c, M1);
    queue(c, 0, M1, burned_register(1, M1));
    queue(c, 0, M2, burned_register(1, M1));  /* registered already (checked before ownership) */
    queue(c, 0, M1, burned_register(1, M1));  /* already registered */
    queue(c, 0, M1, burned_register(0, M2));  /* root */
    queue(c, 0, M1, burned_register(9, M2));  /* no such subnet */
    block(c);
    expect(0, YUMA_CALL_OK);
    expect(1, YUMA_CALL_ERR_ALREADY_REGISTERED);
    expect(2, YUMA_CALL_ERR_ALREADY_REGISTERED);
    expect(3, YUMA_CALL_ERR_ROOT_NETUID);
    expect(4, YUMA_CALL_ERR_NO_SUBNET);
    subnet_rec s = subnet(c, 1);
    assert_int_equal(s.n, 2);
    uint64_t fee = yuma_chain_min_fee(c, YUMA_TX_MAX_ENCODED);
    /* The price decayed for one block before the registration (half-life
     * 360 blocks, economics §8.1), then the registrant paid it. */
    uint64_t price = yuma_burn_decay(TAO, 360, 2, YUMA_MIN_BURN_DEFAULT, YUMA_MAX_BURN_DEFAULT);
    assert_true(price < TAO && price > TAO - TAO / 300);
    assert_int_equal(balance(c, M1), before - price - 4 * fee);
    /* The burn joins the pool (minus the swap fee kept on the subnet) and
     * the alpha it bought is destroyed: alpha_out does not change. */
    assert_int_equal(s.pool.tao + s.fee_tao, s0.pool.tao + price);
    assert_true(s.pool.alpha_in < s0.pool.alpha_in);
    assert_int_equal(s.alpha_out, s0.alpha_out);
    /* The price bump: floor(burn * 1.26) after one block of decay. */
    assert_true(s.burn > TAO && s.burn <= TAO * 126 / 100);
    yuma_chain_free(c);
}

static void test_stake_and_weights_errors(void **state)
{
    (void)state;
    yuma_chain *c = setup();
    uint64_t v1 = stake_of(yuma_chain_state(c), &(yuma_account){{0}}, &(yuma_account){{0}}, 1);
    assert_int_equal(v1, 0);
    yuma_account h1 = acc(&hot[V1]), c1 = acc(&cold[V1]);
    assert_true(stake_of(yuma_chain_state(c), &h1, &c1, 1) > 0);
    /* add_stake errors */
    queue(c, 0, V1, add_stake(1, V1, 1000)); /* below the minimum stake */
    queue(c, 0, V1, add_stake(1, V1, 10000 * TAO));
    yuma_call unknown = add_stake(1, V1, 10 * TAO);
    memset(unknown.hotkey.bytes, 0x77, 32);
    queue(c, 0, V1, unknown);
    queue(c, 0, V1, add_stake(5, V1, 10 * TAO));
    block(c);
    expect(0, YUMA_CALL_ERR_AMOUNT_TOO_LOW);
    expect(1, YUMA_CALL_ERR_INSUFFICIENT_BALANCE);
    expect(2, YUMA_CALL_ERR_NO_HOTKEY);
    expect(3, YUMA_CALL_ERR_NO_SUBNET);
    /* set_weights errors, in the reference's order */
    uint16_t uids[3] = {3, 4, 5}, vals[3] = {100, 200, 300};
    queue(c, 1, M1, set_weights(1, uids, vals, 3));           /* rate limit: registered this tempo */
    queue(c, 1, V1, set_weights(0, uids, vals, 3));           /* root */
    yuma_call nosub = set_weights(9, uids, vals, 3);
    queue(c, 1, V1, nosub);
    uint16_t many[8] = {0, 1, 2, 3, 4, 5, 6, 7}, manyv[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    queue(c, 1, V1, set_weights(1, many, manyv, 8));          /* more than n = 6 */
    block(c);
    expect(0, YUMA_CALL_ERR_WEIGHTS_RATE_LIMIT);
    expect(1, YUMA_CALL_ERR_ROOT_NETUID);
    expect(2, YUMA_CALL_ERR_NO_SUBNET);
    expect(3, YUMA_CALL_ERR_TOO_MANY_WEIGHTS);
    yuma_chain_free(c);
}

/* The independent check: rebuild the epoch input from the state just before
 * the epoch block and run libyuma's epoch (what `yuma sim` runs); the chain
 * must pay each miner exactly its server amount (as stake on the miner's
 * hotkey) and store the epoch's outputs. */
typedef struct {
    subnet_rec s;
    size_t n;
    uint64_t alpha[8], root[8], lu[8], reg[8], miner_stake[3];
    bool permit[8];
    size_t woff[9], boff[9];
    yuma_entry w[64], b[64];
    int32_t owner;
} epoch_snapshot;

static void snapshot(yuma_chain *c, uint16_t netuid, epoch_snapshot *e)
{
    const ykv *kv = yuma_chain_state(c);
    memset(e, 0, sizeof *e);
    e->s = subnet(c, netuid);
    e->n = e->s.n;
    e->owner = -1;
    for (int m = 0; m < 3; m++) {
        yuma_account hk = acc(&hot[M1 + m]), ck = acc(&cold[M1 + m]);
        e->miner_stake[m] = stake_of(kv, &hk, &ck, netuid);
    }
    for (uint16_t uid = 0; uid < e->n; uid++) {
        neuron_rec nr;
        assert_true(neuron_get(kv, netuid, uid, &nr));
        if (memcmp(nr.hotkey.bytes, e->s.owner_hotkey.bytes, 32) == 0) e->owner = uid;
        e->alpha[uid] = stake_total(kv, &nr.hotkey, netuid);
        e->root[uid] = stake_total(kv, &nr.hotkey, 0);
        e->lu[uid] = nr.last_update;
        e->reg[uid] = nr.registered_at;
        e->permit[uid] = nr.validator_permit;
        e->woff[uid + 1] = e->woff[uid] + row_get(kv, REC_WEIGHTS, netuid, uid, e->w + e->woff[uid], 8);
        e->boff[uid + 1] = e->boff[uid] + row_get(kv, REC_BONDS, netuid, uid, e->b + e->boff[uid], 8);
    }
}

/* After the epoch block: compare the chain's payouts with the epoch. */
static void check_payout(yuma_chain *c, uint16_t netuid, const epoch_snapshot *e, bool miners_ranked)
{
    const ykv *kv = yuma_chain_state(c);
    assert_int_equal(subnet(c, netuid).epoch_index, e->s.epoch_index + 1);
    /* The epoch distributes what was pending plus this block's alpha after
     * the owner cut (no root stake: the root share is 0). Economics §3.4
     * keeps a' = alpha - cut in U96F32 and truncates the server half and
     * the validator rest separately. */
    uint64_t one_block = yuma_block_emission(e->s.pool.alpha_in + e->s.alpha_out);
    uint64_t frac = (uint64_t)((((unsigned __int128)yuma_chain_params_default().subnet_owner_cut) << 32) / 65535u);
    unsigned __int128 after_cut = ((unsigned __int128)one_block << 32) - (unsigned __int128)one_block * frac;
    unsigned __int128 server_half = after_cut / 2;
    uint64_t out = (uint64_t)(server_half >> 32) + (uint64_t)((after_cut - server_half) >> 32);
    yuma_epoch_input in = {.n = (uint32_t)e->n, .hp = e->s.hp, .block = yuma_chain_height(c),
                           .last_epoch_block = e->s.last_step_block, .owner_uid = e->owner, .alpha_stake = e->alpha,
                           .root_stake = e->root,
                           .tao_weight_raw32 = (uint64_t)yuma_tao_weight_u96f32(yuma_chain_params_default().tao_weight),
                           .last_update = e->lu, .registered_at = e->reg, .validator_permit = e->permit,
                           .weights = {e->woff, e->w}, .bonds = {e->boff, e->b},
                           .emission = e->s.pending_server + e->s.pending_validator + e->s.pending_root + out};
    yuma_epoch_output o;
    assert_int_equal(yuma_epoch(&in, NULL, &o), YUMA_OK);
    for (int m = 0; m < 3; m++) {
        yuma_account hk = acc(&hot[M1 + m]), ck = acc(&cold[M1 + m]);
        uint64_t got = stake_of(kv, &hk, &ck, netuid) - e->miner_stake[m];
        uint16_t uid = (uint16_t)(3 + m);
        /* Share pools round in the pool's favour: at most a rao less. */
        if (got > o.server_emission[uid] || got + 1 < o.server_emission[uid]) {
            print_error("subnet %u miner %d: paid %llu, epoch says %llu\n", netuid, m, (unsigned long long)got,
                        (unsigned long long)o.server_emission[uid]);
            fail();
        }
        neuron_rec nr;
        assert_true(neuron_get(kv, netuid, uid, &nr));
        assert_int_equal(nr.incentive, o.incentive[uid]);
        assert_int_equal(nr.dividends, o.dividends[uid]);
        assert_int_equal(nr.emission, o.emission[uid]);
    }
    for (uint16_t uid = 0; uid < e->n; uid++) {
        neuron_rec nr;
        assert_true(neuron_get(kv, netuid, uid, &nr));
        assert_int_equal(nr.validator_permit, o.validator_permit[uid]);
        size_t stored = row_get(kv, REC_BONDS, netuid, uid, (yuma_entry[8]){0}, 8);
        assert_int_equal(stored, o.bond_offsets[uid + 1] - o.bond_offsets[uid]);
    }
    if (miners_ranked) assert_true(o.server_emission[3] > o.server_emission[5]);
    yuma_epoch_output_free(&o);
}

/* Two subnets with the same validators and miners (hotkeys can serve
 * several subnets), weights through real transactions, several tempos. */
static void test_epochs_pay_what_the_epoch_computes(void **state)
{
    (void)state;
    yuma_chain *c = setup();
    /* a second subnet, owned by another coldkey, with the same cast */
    for (int i = 0; i < 10; i++) block(c); /* the network rate limit */
    queue(c, 0, OWNER2, reg_network(OWNER2));
    block(c);
    expect(0, YUMA_CALL_OK);
    yuma_call start = call_of(YUMA_CALL_START_CALL);
    start.netuid = 2;
    queue(c, 0, OWNER2, start);
    for (int k = V1; k <= M3; k++) queue(c, 0, k, burned_register(2, k));
    block(c);
    for (int k = 0; k < 6; k++) expect((size_t)k, YUMA_CALL_OK);
    queue(c, 0, V1, add_stake(2, V1, 50 * TAO));
    queue(c, 0, V2, add_stake(2, V2, 120 * TAO));
    block(c);
    expect(0, YUMA_CALL_OK);
    expect(1, YUMA_CALL_OK);
    /* First epochs grant the validators their permits. */
    while (subnet(c, 1).epoch_index == 0 || subnet(c, 2).epoch_index == 0) block(c);
    for (int i = 0; i < 100; i++) block(c); /* the weights rate limit */
    uint16_t uids[3] = {3, 4, 5};
    uint16_t v1w[3] = {65535, 32768, 0}, v2w[3] = {65535, 32768, 16384}, v2w2[3] = {65535, 20000, 1000};
    queue(c, 1, V1, set_weights(1, uids, v1w, 3));
    queue(c, 1, V2, set_weights(1, uids, v2w, 3));
    queue(c, 1, V1, set_weights(2, uids, v2w2, 3));
    queue(c, 1, V2, set_weights(2, uids, v1w, 3));
    block(c);
    for (int k = 0; k < 4; k++) expect((size_t)k, YUMA_CALL_OK);
    int checked[3] = {0, 0, 0};
    while (checked[1] < 3 || checked[2] < 3) {
        /* Stop one block before the next epoch of either subnet. */
        uint64_t due[3];
        for (uint16_t id = 1; id <= 2; id++) {
            subnet_rec s = subnet(c, id);
            due[id] = s.last_epoch_block + s.hp.tempo;
        }
        uint64_t next = due[1] < due[2] ? due[1] : due[2];
        while (yuma_chain_height(c) + 1 < next) block(c);
        epoch_snapshot snap[3];
        for (uint16_t id = 1; id <= 2; id++)
            if (due[id] == next) snapshot(c, id, &snap[id]);
        block(c); /* the epoch block */
        for (uint16_t id = 1; id <= 2; id++)
            if (due[id] == next) {
                check_payout(c, id, &snap[id], checked[id] > 0);
                checked[id]++;
            }
    }
    const ykv *kv = yuma_chain_state(c);
    yuma_account h3 = acc(&hot[M1]), c3 = acc(&cold[M1]), h5 = acc(&hot[M3]), c5 = acc(&cold[M3]);
    for (uint16_t id = 1; id <= 2; id++) assert_true(stake_of(kv, &h3, &c3, id) > stake_of(kv, &h5, &c5, id));
    yuma_chain_free(c);
}

static yuma_call trigger(uint16_t netuid)
{
    yuma_call call = call_of(YUMA_CALL_TRIGGER_EPOCH);
    call.netuid = netuid;
    return call;
}

/* An owner's trigger brings the epoch forward by rule; with several
 * subnets due at once the scheduler runs at most max_epochs_per_block (2)
 * per block, in netuid order, and defers the rest by a block. */
static void test_trigger_epoch_and_scheduler_cap(void **state)
{
    (void)state;
    fast_lock_decay = true;
    yuma_chain *c = new_chain();
    fast_lock_decay = false;
    memset(nonces, 0, sizeof nonces);
    /* three subnets of one owner, with three hotkeys */
    for (int k = 0; k < 3; k++) {
        queue(c, 0, OWNER, reg_network(k));
        block(c);
        expect(0, YUMA_CALL_OK);
        for (int i = 0; i < 10; i++) block(c);
    }
    queue(c, 0, V1, trigger(1));   /* not the owner */
    queue(c, 0, OWNER, trigger(0));
    queue(c, 0, OWNER, trigger(1));
    queue(c, 0, OWNER, trigger(1));
    queue(c, 0, OWNER, trigger(2));
    queue(c, 0, OWNER, trigger(3));
    block(c);
    expect(0, YUMA_CALL_ERR_NOT_OWNER);
    expect(1, YUMA_CALL_ERR_ROOT_NETUID);
    expect(2, YUMA_CALL_OK);
    expect(3, YUMA_CALL_ERR_EPOCH_TRIGGER_PENDING);
    expect(4, YUMA_CALL_OK);
    expect(5, YUMA_CALL_OK);
    uint64_t at = yuma_chain_height(c) + yuma_chain_params_default().admin_freeze_window;
    for (int k = 1; k <= 3; k++) assert_int_equal(subnet(c, (uint16_t)k).pending_epoch_at, at);
    while (yuma_chain_height(c) < at) block(c);
    /* block `at`: subnets 1 and 2 ran their epoch, subnet 3 was deferred */
    assert_int_equal(subnet(c, 1).epoch_index, 1);
    assert_int_equal(subnet(c, 2).epoch_index, 1);
    assert_int_equal(subnet(c, 3).epoch_index, 0);
    assert_int_equal(subnet(c, 3).pending_epoch_at, at + 1);
    block(c);
    assert_int_equal(subnet(c, 3).epoch_index, 1);
    assert_int_equal(subnet(c, 3).last_epoch_block, at + 1);
    /* within the freeze window of the next automatic epoch, no trigger */
    subnet_rec s = subnet(c, 1);
    while (yuma_chain_height(c) + 1 < s.last_epoch_block + s.hp.tempo - 5) block(c);
    queue(c, 0, OWNER, trigger(1));
    block(c);
    expect(0, YUMA_CALL_ERR_EPOCH_TOO_CLOSE);
    assert_string_equal(yuma_call_strerror(YUMA_CALL_ERR_EPOCH_TOO_CLOSE),
                        "the next epoch is already within the freeze window");
    yuma_chain_free(c);
}

/* At the subnet limit a registration dissolves the lowest-priced non-immune
 * subnet: its pool's TAO goes back to the alpha holders pro rata (the
 * protocol's share and the kept fees are recycled) and its netuid is reused. */
static void test_subnet_limit_prunes_and_pays_out(void **state)
{
    (void)state;
    fast_lock_decay = small_subnet_limit = true;
    yuma_chain *c = new_chain(), *t = new_chain(); /* t mirrors c block for block */
    fast_lock_decay = small_subnet_limit = false;
    twin = t;
    memset(nonces, 0, sizeof nonces);
    queue(c, 0, OWNER, reg_network(OWNER));
    block(c);
    for (int i = 0; i < 10; i++) block(c);
    queue(c, 0, OWNER, reg_network(V1));
    yuma_call start = call_of(YUMA_CALL_START_CALL);
    start.netuid = 1;
    queue(c, 0, OWNER, start);
    block(c);
    expect(0, YUMA_CALL_OK);
    expect(1, YUMA_CALL_OK);
    queue(c, 0, M1, burned_register(1, M1));
    block(c);
    queue(c, 0, M1, add_stake(1, M1, 50 * TAO));
    block(c);
    expect(0, YUMA_CALL_OK);
    /* a third subnet while both are immune: refused */
    for (int i = 0; i < 10; i++) block(c);
    queue(c, 0, OWNER, reg_network(V2));
    block(c);
    expect(0, YUMA_CALL_ERR_SUBNET_LIMIT);
    while (yuma_chain_height(c) < 60) block(c);
    /* The dissolving block on c; the same block without the registration on
     * t, whose state is then what the dissolution started from. */
    twin = NULL;
    uint64_t before = balance(c, M1);
    queue(c, 0, OWNER, reg_network(V2));
    block(c);
    expect(0, YUMA_CALL_OK);
    yuma_block empty = {.height = yuma_chain_height(t) + 1, .author = author};
    yuma_chain_last_hash(t, empty.parent_hash);
    yuma_block_result tr;
    assert_int_equal(yuma_chain_apply_block(t, &empty, &tr), YUMA_CHAIN_OK);
    free(tr.call_status);
    const ykv *tkv = yuma_chain_state(t), *kv = yuma_chain_state(c);
    subnet_rec s1;
    assert_true(subnet_get(tkv, 1, &s1));
    yuma_account hk = acc(&hot[M1]), ck = acc(&cold[M1]), oh = acc(&hot[OWNER]), oc = acc(&cold[OWNER]);
    uint64_t v = stake_of(tkv, &hk, &ck, 1), owner_v = stake_of(tkv, &oh, &oc, 1);
    uint64_t hk_own = stake_of(tkv, &hk, &oc, 1); /* no one else staked on subnet 1 */
    assert_true(v > 0);
    assert_int_equal(hk_own, 0);
    unsigned __int128 total = (unsigned __int128)v + owner_v + s1.pool.alpha_in + s1.protocol_alpha;
    uint64_t want = (uint64_t)(((unsigned __int128)s1.pool.tao * v) / total);
    uint64_t got = balance(c, M1) - before;
    assert_true(got == want || got == want + 1); /* plus, perhaps, one rounding leftover rao */
    /* subnet 1 (registered first; equal EMA prices) went; its netuid is reused */
    subnet_rec fresh = subnet(c, 1);
    assert_memory_equal(fresh.owner_hotkey.bytes, hot[V2].pk, 32);
    assert_int_equal(fresh.registered_at, yuma_chain_height(c));
    uint16_t uid;
    assert_false(uid_get(kv, 1, &hk, &uid));
    assert_int_equal(stake_of(kv, &hk, &ck, 1), 0);
    /* what the protocol held, and the kept fees, were recycled */
    assert_true(yuma_chain_total_issuance(c) < yuma_chain_total_issuance(t));
    yuma_chain_free(c);
    yuma_chain_free(t);
}

/* A parent hotkey that gives all its stake to a child validator (economics
 * §4.2, §7.6): the epoch sees the stake on the child, and the child's
 * dividends are shared with the parent in proportion to the stake each
 * contributes. */
static void test_child_keys_inherit_stake_and_share_dividends(void **state)
{
    (void)state;
    yuma_chain *c = new_chain();
    memset(nonces, 0, sizeof nonces);
    queue(c, 0, OWNER, reg_network(OWNER));
    block(c);
    queue(c, 0, V1, burned_register(1, V1));
    queue(c, 0, M3, burned_register(1, M3));
    block(c);
    /* Before start_call child keys apply at once. M3's hotkey is the parent. */
    yuma_call kids = call_of(YUMA_CALL_SET_CHILDREN);
    kids.netuid = 1;
    kids.hotkey = acc(&hot[M3]);
    kids.child_count = 1;
    kids.children[0] = (yuma_child){.proportion = UINT64_MAX, .child = acc(&hot[V1])};
    queue(c, 0, M3, kids);
    yuma_call start = call_of(YUMA_CALL_START_CALL);
    start.netuid = 1;
    queue(c, 0, OWNER, start);
    block(c);
    expect(0, YUMA_CALL_OK);
    expect(1, YUMA_CALL_OK);
    queue(c, 0, V1, add_stake(1, V1, 100 * TAO));
    queue(c, 0, M3, add_stake(1, M3, 300 * TAO));
    block(c);
    expect(0, YUMA_CALL_OK);
    expect(1, YUMA_CALL_OK);
    const ykv *kv = yuma_chain_state(c);
    uint16_t uid_v1, uid_p;
    yuma_account hv = acc(&hot[V1]), hp = acc(&hot[M3]), cv = acc(&cold[V1]), cp = acc(&cold[M3]);
    assert_true(uid_get(kv, 1, &hv, &uid_v1));
    assert_true(uid_get(kv, 1, &hp, &uid_p));
    /* two epochs: the first grants permits, the second pays dividends */
    uint64_t idx = subnet(c, 1).epoch_index;
    while (subnet(c, 1).epoch_index < idx + 1) block(c);
    neuron_rec nv, np;
    assert_true(neuron_get(kv, 1, uid_v1, &nv));
    assert_true(neuron_get(kv, 1, uid_p, &np));
    assert_int_equal(np.stake_weight, 0);      /* the parent gave everything away */
    assert_true(nv.validator_permit);
    assert_false(np.validator_permit);
    uint64_t x_v = stake_total(kv, &hv, 1), x_p = stake_total(kv, &hp, 1);
    uint64_t v_before = stake_of(kv, &hv, &cv, 1), p_before = stake_of(kv, &hp, &cp, 1);
    while (subnet(c, 1).epoch_index < idx + 2) block(c);
    uint64_t dv = stake_of(kv, &hv, &cv, 1) - v_before, dp = stake_of(kv, &hp, &cp, 1) - p_before;
    assert_true(dv > 0 && dp > 0);
    /* shares follow own stake: x_p : x_v (3 : 1 here), to within rounding */
    unsigned __int128 lhs = (unsigned __int128)dp * x_v, rhs = (unsigned __int128)dv * x_p;
    unsigned __int128 diff = lhs > rhs ? lhs - rhs : rhs - lhs;
    assert_true(diff * 1000 < rhs);
    yuma_chain_free(c);
}

int main(void)
{
    make_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_network),
        cmocka_unit_test(test_start_call_rules),
        cmocka_unit_test(test_burned_register),
        cmocka_unit_test(test_stake_and_weights_errors),
        cmocka_unit_test(test_epochs_pay_what_the_epoch_computes),
        cmocka_unit_test(test_trigger_epoch_and_scheduler_cap),
        cmocka_unit_test(test_subnet_limit_prunes_and_pays_out),
        cmocka_unit_test(test_child_keys_inherit_stake_and_share_dividends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
