/*
 * metrics.h - stake concentration metrics (governance-and-users §3.1) per
 * subnet, per governance house and network-wide, and the §5.11 rule that
 * raises House C's threshold when the stake house is too concentrated.
 *
 * Everything is integer arithmetic: the §5.11 rule feeds consensus, so the
 * same state must give the same numbers everywhere. Fractions are parts
 * per billion (1e9 = 1). Over shares s_1 >= s_2 >= ... of the population's
 * power (holders with zero power are not part of it):
 *   NC(t)  = the smallest k with s_1 + ... + s_k > t (strictly), 0 if none;
 *   Gini   = sum_i sum_j |s_i - s_j| / (2 n sum s), computed exactly as
 *            sum_i (2i - n + 1) x_(i) / (n T) over the ascending values;
 *   HHI    = sum s_i^2 (hhi_ppb); on the 0..10,000 scale hhi_ppb / 1e5;
 *   effective holders = 1 / sum s_i^2 (in thousandths);
 *   CR-5, CR-10 = the top 5 / top 10 shares.
 * Values are the exact floors when the total is below 2^62 (every real
 * total: the supply is 2.1e16 rao); above it, every power is shifted right
 * by the same number of bits first.
 */
#ifndef YUMA_GOV_METRICS_H
#define YUMA_GOV_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/kv.h"
#include "yuma/tx.h"

#define GOV_PPB 1000000000ull

typedef struct {
    uint32_t holders;            /* members of the population with power > 0 */
    unsigned __int128 total;     /* their power */
    uint32_t nc_third, nc_half, nc_two_thirds;
    uint64_t gini_ppb;
    uint64_t hhi_ppb;            /* sum of squared shares */
    uint64_t hhi;                /* the same on the 0..10,000 scale (floor) */
    uint64_t effective_milli;    /* 1000 / sum of squared shares */
    uint64_t top5_ppb, top10_ppb;
} gov_concentration;

/* Metrics of one population given as power per holder (any order; zeros
 * ignored). False only when out of memory (out zeroed). */
bool gov_concentration_compute(const uint64_t *power, size_t n, gov_concentration *out);

/* Per subnet: alpha stake of the hotkeys holding a validator permit
 * (§3.1's defined population). False when the subnet does not exist or
 * memory runs out. */
bool gov_metrics_subnet(const ykv *kv, uint16_t netuid, gov_concentration *out);

/* Network-wide (root / TAO stake): root stake per hotkey. */
bool gov_metrics_root(const ykv *kv, gov_concentration *out);

/* The stake house (House S) by coldkey: the coldkey's root TAO stake plus
 * its alpha stake on every subnet valued at the subnet's EMA price (the
 * price the chain keeps for emission, harder to move in one block than
 * the spot price), in rao. This is the weight each coldkey could bring to
 * a vote before conviction and recusals. */
bool gov_metrics_stake_house(const ykv *kv, gov_concentration *out);

/* The council (House C): one vote per seat, grouped by the seat holder's
 * coldkey (a coldkey holding two seats has power 2). The seat list is
 * govcore's (src/gov): pass it in. */
bool gov_metrics_council(const yuma_account *seat_holders, size_t n, gov_concentration *out);

/* §5.11: NC(1/2) of the stake house, and whether it is below the chain
 * parameter gov_nc_min (5), in which case House C's passing
 * threshold rises to 3/4. The proposal module calls this when voting
 * opens (the snapshot block). An empty stake house counts as concentrated
 * (NC 0). False only when out of memory. */
bool gov_metrics_stake_house_nc(const ykv *kv, uint32_t *nc_half, bool *raise_council_threshold);

#endif
