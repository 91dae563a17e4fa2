/*
 * params.c - every chain parameter by id: the governance parameters'
 * mainnet values and devnet preset (governance-and-users §5.9), and one
 * table that names each chain parameter with its width, the range an
 * enacted proposal may set, and its class (emission formula, due process,
 * other). The chain encodes its parameter record in table order, genesis
 * files name parameters by the table's names, and the EAA_CHAIN_PARAM
 * action numbers them by table id: one list, so the three never disagree.
 * Ids are part of the transaction format: append, never renumber.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "yuma/chain.h"

#define DAY 7200ull

yuma_gov_params yuma_gov_params_default(void)
{
    yuma_gov_params g = {
        .notice_blocks = 2 * DAY,
        .voting_blocks = 7 * DAY,
        .timelock_blocks = 7 * DAY,
        .timelock_max_blocks = 30 * DAY,
        .param_timelock_blocks = 14 * DAY,
        .appeal_window_blocks = 3 * DAY,
        .appeal_voting_blocks = 7 * DAY,
        .topup_window_blocks = 3 * DAY,
        .cooldown_blocks = 30 * DAY,
        .lock_period_blocks = 7 * DAY,
        .min_deposit = 100ull * YUMA_RAO_PER_TAO,
        .deposit_emission_ppm = 5000,
        .deposit_window_blocks = 30 * DAY,
        .min_initial_deposit_ppm = 100000,
        .appeal_bond_ppm = 250000,
        .s_pass_num = 1, .s_pass_den = 2,
        .s_appeal_num = 3, .s_appeal_den = 5,
        .c_pass_num = 2, .c_pass_den = 3,
        .c_appeal_num = 3, .c_appeal_den = 4,
        .c_raised_num = 3, .c_raised_den = 4,
        .nc_min = 5,
        .c_turnout_num = 1, .c_turnout_den = 2,
        .veto_num = 1, .veto_den = 3,
        .entity_cap_num = 1, .entity_cap_den = 10,
        .cross_subnet_num = 1, .cross_subnet_den = 2,
        .quorum_min_ppm = 100000, .quorum_max_ppm = 400000, .quorum_initial_ppm = 200000,
        .quorum_ema_ppm = 200000,
        .escrow_extend_ppm = 50000,
        .escrow_rage_ppm = 250000,
        .economic_seats = 64, .builder_seats = 32, .miner_seats = 32,
        .seat_warmup_blocks = 30 * DAY,
        .builder_min_age_blocks = 180 * DAY,
        .miner_min_subnets = 3,
        .miner_top_ppm = 100000,
        .seat_sample_blocks = 30 * DAY / 210, /* 210 samples in 30 days, as Bittensor's 2026 design */
        .seat_ema_ppm = 20000,
        .owner_term_blocks = 365 * DAY,
        .exit_registration_blocks = 30 * DAY,
        /* §5.5 names an AMM exit "with a slippage ceiling" but no value:
         * 5% is our choice (a sale that moves the price further waits). */
        .exit_slippage_ppm = 50000,
        .price_ema_blocks = 7 * DAY,
    };
    return g;
}

/* A devnet's "day" is 2 blocks, so a whole lifecycle with an appeal and a
 * stretched timelock fits in about a hundred blocks; seat warm-ups and the
 * builder age are shorter still so a fresh devnet has a council within a
 * few dozen blocks. */
yuma_gov_params yuma_gov_params_devnet(void)
{
    const uint64_t day = 2;
    yuma_gov_params g = yuma_gov_params_default();
    g.notice_blocks = 2 * day;
    g.voting_blocks = 7 * day;
    g.timelock_blocks = 7 * day;
    g.timelock_max_blocks = 30 * day;
    g.param_timelock_blocks = 14 * day;
    g.appeal_window_blocks = 3 * day;
    g.appeal_voting_blocks = 7 * day;
    g.topup_window_blocks = 3 * day;
    g.cooldown_blocks = 30 * day;
    g.lock_period_blocks = 7 * day;
    g.deposit_window_blocks = 30 * day;
    g.seat_warmup_blocks = 10;
    g.builder_min_age_blocks = 20;
    g.seat_sample_blocks = 2;
    g.owner_term_blocks = 365 * day;
    g.exit_registration_blocks = 30 * day;
    g.price_ema_blocks = 7 * day;
    return g;
}

#define CP(field, w, lo, hi, cls) {#field, offsetof(yuma_chain_params, field), w, lo, hi, cls}
#define GP(field, w, lo, hi) {"gov_" #field, offsetof(yuma_chain_params, gov.field), w, lo, hi, YUMA_PARAM_GOVERNANCE}
#define AP(field, w, lo, hi) {"gov_" #field, offsetof(yuma_chain_params, audit.field), w, lo, hi, YUMA_PARAM_GOVERNANCE}
#define E YUMA_PARAM_EMISSION
#define O YUMA_PARAM_OTHER
#define MAXU64 UINT64_MAX
#define YEAR (365 * DAY)

/* In the order of the chain's parameter record (chain.c). */
static const yuma_param_info TABLE[] = {
    CP(min_fee, 8, 0, 1000 * YUMA_RAO_PER_TAO, O),
    CP(fee_per_byte, 8, 0, YUMA_RAO_PER_TAO, O),
    CP(default_block_emission, 8, 0, 10 * YUMA_RAO_PER_TAO, E),
    CP(tao_weight, 8, 0, MAXU64, E),
    CP(subnet_owner_cut, 2, 0, 65535, E),
    CP(max_epochs_per_block, 1, 1, 255, E),
    CP(network_min_lock_cost, 8, 0, 1000000 * YUMA_RAO_PER_TAO, E),
    CP(network_lock_reduction_interval, 8, 1, 10 * YEAR, E),
    CP(network_rate_limit, 8, 0, 10 * YEAR, E),
    CP(subnet_limit, 2, 1, 4095, E),
    CP(start_call_delay, 8, 0, YEAR, E),
    CP(network_immunity_period, 8, 0, 10 * YEAR, E),
    CP(min_stake, 8, 0, 1000 * YUMA_RAO_PER_TAO, O),
    CP(stake_threshold, 8, 0, 1000000 * YUMA_RAO_PER_TAO, E),
    CP(min_delegate_take, 2, 0, 65535, O),
    CP(max_delegate_take, 2, 0, 65535, O),
    CP(tx_delegate_take_rate_limit, 8, 0, 10 * YEAR, O),
    CP(max_childkey_take, 2, 0, 65535, O),
    CP(pending_childkey_cooldown, 8, 0, YEAR, O),
    CP(fee_rate, 2, 0, 10000, O),
    CP(commitment_rate_limit, 8, 0, YEAR, O),
    CP(serving_rate_limit, 8, 0, YEAR, O),
    CP(admin_freeze_window, 8, 0, 50400, O),
    CP(owner_hyperparam_rate_limit, 8, 0, 1000, O),
    GP(notice_blocks, 8, 1, YEAR),
    GP(voting_blocks, 8, 1, YEAR),
    GP(timelock_blocks, 8, 1, YEAR),
    GP(timelock_max_blocks, 8, 1, YEAR),
    GP(param_timelock_blocks, 8, 1, YEAR),
    GP(appeal_window_blocks, 8, 1, YEAR),
    GP(appeal_voting_blocks, 8, 1, YEAR),
    GP(topup_window_blocks, 8, 1, YEAR),
    GP(cooldown_blocks, 8, 0, YEAR),
    GP(lock_period_blocks, 8, 1, YEAR),
    GP(min_deposit, 8, 1, 1000000 * YUMA_RAO_PER_TAO),
    GP(deposit_emission_ppm, 4, 0, 1000000),
    GP(deposit_window_blocks, 8, 1, YEAR),
    GP(min_initial_deposit_ppm, 4, 0, 1000000),
    GP(appeal_bond_ppm, 4, 0, 1000000),
    GP(s_pass_num, 4, 0, 1000000), GP(s_pass_den, 4, 1, 1000000),
    GP(s_appeal_num, 4, 0, 1000000), GP(s_appeal_den, 4, 1, 1000000),
    GP(c_pass_num, 4, 0, 1000000), GP(c_pass_den, 4, 1, 1000000),
    GP(c_appeal_num, 4, 0, 1000000), GP(c_appeal_den, 4, 1, 1000000),
    GP(c_raised_num, 4, 0, 1000000), GP(c_raised_den, 4, 1, 1000000),
    GP(nc_min, 4, 0, 1000),
    GP(c_turnout_num, 4, 0, 1000000), GP(c_turnout_den, 4, 1, 1000000),
    GP(veto_num, 4, 0, 1000000), GP(veto_den, 4, 1, 1000000),
    GP(entity_cap_num, 4, 1, 1000000), GP(entity_cap_den, 4, 1, 1000000),
    GP(cross_subnet_num, 4, 0, 1000000), GP(cross_subnet_den, 4, 1, 1000000),
    GP(quorum_min_ppm, 4, 0, 1000000), GP(quorum_max_ppm, 4, 0, 1000000),
    GP(quorum_initial_ppm, 4, 0, 1000000), GP(quorum_ema_ppm, 4, 0, 1000000),
    GP(escrow_extend_ppm, 4, 0, 1000000), GP(escrow_rage_ppm, 4, 1, 1000000),
    GP(economic_seats, 2, 0, 1024), GP(builder_seats, 2, 0, 1024), GP(miner_seats, 2, 0, 1024),
    GP(seat_warmup_blocks, 8, 0, YEAR),
    GP(builder_min_age_blocks, 8, 0, 10 * YEAR),
    GP(miner_min_subnets, 2, 1, 4095),
    GP(miner_top_ppm, 4, 1, 1000000),
    GP(seat_sample_blocks, 8, 1, YEAR),
    GP(seat_ema_ppm, 4, 1, 1000000),
    GP(owner_term_blocks, 8, 1, 10 * YEAR),
    GP(exit_registration_blocks, 8, 0, YEAR),
    /* The audit log, emission history and emergency lane (yuma/gov_audit.h). */
    AP(rule_day_blocks, 8, 1, YEAR), AP(rule_change_pct, 2, 1, 1000),
    AP(history_interval_blocks, 8, 1, YEAR), AP(history_len, 2, 1, 8760),
    AP(guardian_threshold, 1, 1, 16), AP(guardian_max, 1, 0, 16), AP(guardian_per_org, 1, 1, 16),
    AP(emergency_escrow_blocks, 8, 1, 30 * DAY), AP(safe_mode_blocks, 8, 1, 30 * DAY),
    AP(safe_mode_extension_blocks, 8, 0, 30 * DAY), AP(rationale_window_blocks, 8, 1, 30 * DAY),
    AP(ratify_window_blocks, 8, 1, YEAR), AP(approval_window_blocks, 8, 1, 30 * DAY),
    AP(quarter_blocks, 8, 1, 10 * YEAR), AP(guardian_actions_per_quarter, 1, 1, 255),
    AP(guardian_max_strikes, 1, 1, 255),
    /* Added later: at the end, so the ids above stay. */
    GP(exit_slippage_ppm, 4, 0, 1000000),
    GP(price_ema_blocks, 8, 1, YEAR),
    AP(guardian_term_blocks, 8, 1, 10 * YEAR),
};

#define COUNT (sizeof TABLE / sizeof TABLE[0])

size_t yuma_param_count(void)
{
    return COUNT;
}

const yuma_param_info *yuma_param_info_of(size_t id)
{
    return id >= 1 && id <= COUNT ? &TABLE[id - 1] : NULL;
}

const yuma_param_info *yuma_param_find(const char *name, size_t *id)
{
    for (size_t i = 0; i < COUNT; i++)
        if (strcmp(TABLE[i].name, name) == 0) {
            if (id) *id = i + 1;
            return &TABLE[i];
        }
    return NULL;
}

uint64_t yuma_param_read(const yuma_chain_params *p, const yuma_param_info *f)
{
    const uint8_t *base = (const uint8_t *)p + f->offset;
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (f->width) {
    case 1: memcpy(&v8, base, 1); return v8;
    case 2: memcpy(&v16, base, 2); return v16;
    case 4: memcpy(&v32, base, 4); return v32;
    default: memcpy(&v64, base, 8); return v64;
    }
}

bool yuma_param_write(yuma_chain_params *p, const yuma_param_info *f, uint64_t v)
{
    if (v < f->min || v > f->max) return false;
    uint8_t *base = (uint8_t *)p + f->offset;
    uint8_t v8 = (uint8_t)v;
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;
    switch (f->width) {
    case 1: memcpy(base, &v8, 1); break;
    case 2: memcpy(base, &v16, 2); break;
    case 4: memcpy(base, &v32, 4); break;
    default: memcpy(base, &v, 8); break;
    }
    return true;
}

static bool why(char *out, size_t len, const char *msg)
{
    if (out && len) snprintf(out, len, "%s", msg);
    return false;
}

bool yuma_chain_params_valid(const yuma_chain_params *p, char *out, size_t len)
{
    const yuma_gov_params *g = &p->gov;
    for (size_t i = 0; i < COUNT; i++) {
        uint64_t v = yuma_param_read(p, &TABLE[i]);
        if (v < TABLE[i].min || v > TABLE[i].max) {
            if (out && len) snprintf(out, len, "parameter %s = %llu is outside %llu..%llu", TABLE[i].name,
                                     (unsigned long long)v, (unsigned long long)TABLE[i].min,
                                     (unsigned long long)TABLE[i].max);
            return false;
        }
    }
    if (p->min_delegate_take > p->max_delegate_take) return why(out, len, "min_delegate_take is above max_delegate_take");
    const uint32_t fr[][2] = {{g->s_pass_num, g->s_pass_den},       {g->s_appeal_num, g->s_appeal_den},
                              {g->c_pass_num, g->c_pass_den},       {g->c_appeal_num, g->c_appeal_den},
                              {g->c_raised_num, g->c_raised_den},   {g->c_turnout_num, g->c_turnout_den},
                              {g->veto_num, g->veto_den},           {g->entity_cap_num, g->entity_cap_den},
                              {g->cross_subnet_num, g->cross_subnet_den}};
    for (size_t i = 0; i < sizeof fr / sizeof fr[0]; i++)
        if (fr[i][0] > fr[i][1]) return why(out, len, "a governance fraction has its numerator above its denominator");
    if (g->timelock_max_blocks < g->timelock_blocks)
        return why(out, len, "gov_timelock_max_blocks is below gov_timelock_blocks");
    if (g->quorum_min_ppm > g->quorum_max_ppm || g->quorum_initial_ppm < g->quorum_min_ppm ||
        g->quorum_initial_ppm > g->quorum_max_ppm)
        return why(out, len, "the House S quorum needs min <= initial <= max");
    if (g->escrow_extend_ppm >= g->escrow_rage_ppm)
        return why(out, len, "gov_escrow_extend_ppm must be below gov_escrow_rage_ppm");
    if (g->appeal_window_blocks > g->timelock_blocks)
        return why(out, len, "the appeal window must fit in the base timelock");
    const char *audit = yuma_gov_audit_params_check(&p->audit);
    if (audit) return why(out, len, audit);
    return true;
}
