/*
 * coinbase.h - the pieces of the block step (coinbase.c) as small
 * functions, so tests can hold each against the economics §10 vectors.
 *
 * The pure ones take numbers and return numbers in the reference's own
 * fixed-point types: U96F32 values are yu128 raws (value = raw / 2^32),
 * converted to rao (truncating) only where the reference converts them.
 * The others act on a subnet record or on the state store, exactly as
 * run_coinbase uses them.
 */
#ifndef YUMA_CHAIN_COINBASE_H
#define YUMA_CHAIN_COINBASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/calls.h"
#include "chain/kv.h"
#include "chain/subnet_rec.h"
#include "yuma/chain.h"
#include "yuma/fixed128.h"
#include "yuma/tx.h"

/* ---- §3.2 TAO shares ------------------------------------------------- */

/*
 * The block's TAO emission of each subnet as U96F32: E * share_i, share_i
 * = p_i / sum(p) (U64F64) weighted by the miner incentive the subnet did
 * not withhold, renormalised. p_i is the stored EMA price (I96F32 raw),
 * only subnets with emits[i] take part; the others, and every subnet when
 * the price sum is 0, get 0.
 */
void coinbase_tao_shares(size_t n, const yu128 *moving_price, const uint64_t *miner_burned_ppb, const bool *emits,
                         uint64_t block_emission, yu128 *tao_out);

/* root_sell_flag of §3.4: the emitting subnets' EMA prices sum above 1. */
bool coinbase_root_sell(yu128 moving_price_sum);

/* ---- §3.3 pool injection terms --------------------------------------- */

typedef struct {
    yu128 tao_in;   /* U96F32: TAO that joins the pool with alpha_in */
    yu128 alpha_in; /* U96F32: alpha minted into the pool */
    yu128 excess;   /* U96F32: TAO spent on a chain buy */
} coinbase_terms;

/* The spot price (U64F64) as the coinbase uses it: U96F32, floored. */
yu128 coinbase_price_u96f32(yu128 spot_u64f64);

/*
 * get_subnet_terms for one subnet: alpha_in = tao_emission / price (0 when
 * the price is 0), capped at rp * alpha_emit, in which case tao_in =
 * alpha_in * price; excess = tao_emission - tao_in. tao_emission and rp
 * are U96F32 raws, spot a U64F64 raw; rp is the root proportion from the
 * alpha issuance before this block.
 */
coinbase_terms coinbase_subnet_terms(yu128 tao_emission, yu128 spot_u64f64, uint64_t alpha_emit, yu128 rp);

/*
 * Steps a-d of §3.3 on a subnet: reweight the pool for (tao_in, alpha_in),
 * cancelling both when the weight would leave [0.01, 0.99]; buy alpha
 * with the excess, fee-free, as protocol alpha; add the reserves. Every
 * term is truncated to rao here. Returns the TAO that entered the pool
 * (injection plus what the chain buy spent): what the block mints.
 */
uint64_t coinbase_inject(subnet_rec *s, const coinbase_terms *t);

/* ---- §3.4 alpha out --------------------------------------------------- */

typedef struct {
    uint64_t owner, server, validator, root; /* each truncated from U96F32 */
} coinbase_alpha_split;

/*
 * One block's alpha out split: owner = a * cut/65535, a' = a - owner,
 * root = rp * a' * 0.5, server = a' * 0.5, validator = a' - server - root,
 * all in U96F32, each truncated to rao. rp_after is the root proportion
 * with this block's alpha_in and alpha_out already minted.
 */
coinbase_alpha_split coinbase_split_alpha(uint64_t alpha_out, uint16_t owner_cut, yu128 rp_after);

/*
 * Mints alpha_emit into alpha_out and accumulates the split into the
 * pending pools; without root_sell the root part is recycled. The rao the
 * truncations drop stay in alpha_out, owned by no one (counted as burned),
 * as in the reference.
 */
void coinbase_emit_alpha(subnet_rec *s, uint64_t alpha_emit, const yuma_chain_params *p, uint64_t root_tao,
                         bool root_sell);

/*
 * One emitting subnet's whole coinbase (§3.3 then §3.4): alpha emission
 * and root proportion from the issuance before the block, terms,
 * injection, alpha out. Returns the TAO minted into the subnet.
 */
uint64_t coinbase_emit_subnet(subnet_rec *s, yu128 tao_emission, const yuma_chain_params *p, uint64_t root_tao,
                              bool root_sell);

/* ---- §4.4 and §7.6 paying an epoch ------------------------------------ */

/*
 * The alpha / root split of dividends (calculate_dividend_distribution):
 * for each hotkey k with dividend d_k, own alpha a_k and root stake r_k,
 * rootfrac = w*r / (a + w*r), rd = d*rootfrac, ad = d - rd; then
 * alpha_div_k = V * (ad_k / sum ad), root_div_k = R * (rd_k / sum rd).
 * w (tau) and every result are U96F32 raws; every product and quotient
 * truncates to 32 fractional bits, as the reference's do.
 */
void coinbase_dividend_split(size_t n, const uint64_t *d, const uint64_t *alpha, const uint64_t *root, yu128 tau,
                             uint64_t validator_pool, uint64_t root_pool, yu128 *alpha_div, yu128 *root_div);

/* One parent of a validator: its stake contribution (U96F32 raw) and
 * whether its coldkey differs from the validator's. */
typedef struct {
    yu128 contribution;
    bool other_coldkey;
} coinbase_parent;

/*
 * get_parent_child_dividends_distribution: each parent gets d *
 * (contribution / total) (U96F32, the factor truncated), less the childkey
 * take (ck_take/65535) when its coldkey differs; the validator keeps the
 * rest plus the takes. total = self_contribution (whole rao, as the
 * reference truncates it) + the parents' contributions. to_parent[p] and
 * *to_self are truncated to rao.
 */
void coinbase_parent_split(uint64_t d, uint64_t self_contribution, const coinbase_parent *parents, size_t np,
                           uint16_t ck_take, uint64_t *to_parent, uint64_t *to_self);

/*
 * Runs a subnet's epoch on its pending emission (drained to 0) and pays
 * it: miners, owner cut, dividends through parents, alpha and root pools,
 * delegate takes. The rao flooring leaves unpaid stay in alpha_out, owned
 * by no one. Writes the neurons' epoch outputs and bonds, not the subnet
 * record (the caller does).
 */
yuma_chain_status coinbase_distribute(call_ctx *cx, uint16_t netuid, subnet_rec *s);

/* should_run_epoch of §4.1 (before the per-block cap). */
bool coinbase_epoch_due(const subnet_rec *s, uint64_t now);

#endif
