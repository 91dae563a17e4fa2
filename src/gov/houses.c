/*
 * houses.c - who votes (governance-and-users §5.3): House S, the stake
 * house, with conviction-weighted votes read from a snapshot taken when a
 * round's voting opens, an entity cap and recusals; House C, the council
 * of scarce seats (economic, builder, miner) with one vote per seat; the
 * seat samples behind the council's 30-day EMAs; and the tally of a round.
 *
 * Consensus code: integers only, every list sorted by key before use (kv
 * scans are ordered), so every node seats the same council and counts the
 * same votes.
 *
 * Conviction (§5.3, §5.9, capped at 4x rather than Polkadot's 6x):
 *
 *   conviction   0      1     2      3     4      5
 *   multiplier   0.1x   1x    1.75x  2.5x  3.25x  4x
 *   lock periods 0      1     2      4     8      16   (of lock_period_blocks, 7 days)
 *
 * 1x to 4x rise linearly in the doubling lock (1 + 0.75 * log2 periods).
 */
#include <stdlib.h>
#include <string.h>

#include "chain/records.h"
#include "chain/staking.h"
#include "chain/subnet_rec.h"
#include "gov/gov.h"
#include "yuma/pool.h"

static const uint32_t CONVICTION_MILLI[GOV_CONVICTION_MAX + 1] = {100, 1000, 1750, 2500, 3250, 4000};
static const uint32_t CONVICTION_PERIODS[GOV_CONVICTION_MAX + 1] = {0, 1, 2, 4, 8, 16};

uint32_t gov_conviction_milli(uint8_t conviction)
{
    return conviction <= GOV_CONVICTION_MAX ? CONVICTION_MILLI[conviction] : 0;
}

uint32_t gov_conviction_periods(uint8_t conviction)
{
    return conviction <= GOV_CONVICTION_MAX ? CONVICTION_PERIODS[conviction] : 0;
}

static int cmp_account(const yuma_account *a, const yuma_account *b)
{
    return memcmp(a->bytes, b->bytes, 32);
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, ncap * size);
    if (!nv) return false;
    *v = nv;
    *cap = ncap;
    return true;
}

/* ---- stake positions (every (hotkey, netuid, coldkey) share record) ---- */

typedef struct {
    yuma_account coldkey, hotkey;
    uint16_t netuid;
    uint64_t alpha;
} position;

typedef struct {
    const ykv *kv;
    position *v;
    size_t n, cap;
    bool nomem;
} position_scan;

static bool collect_position(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)val;
    (void)vlen;
    position_scan *sc = ctx;
    if (klen != 67) return true;
    if (!grow((void **)&sc->v, &sc->cap, sc->n, sizeof *sc->v)) return !(sc->nomem = true);
    position *p = &sc->v[sc->n];
    memcpy(p->hotkey.bytes, key + 1, 32);
    p->netuid = (uint16_t)(key[33] << 8 | key[34]);
    memcpy(p->coldkey.bytes, key + 35, 32);
    p->alpha = stake_of(sc->kv, &p->hotkey, &p->coldkey, p->netuid);
    if (p->alpha > 0) sc->n++;
    return true;
}

static bool all_positions(const ykv *kv, position **out, size_t *n)
{
    position_scan sc = {.kv = kv};
    uint8_t rec = REC_ALPHA_SHARE;
    if (!ykv_scan_prefix(kv, &rec, 1, collect_position, &sc) || sc.nomem) {
        free(sc.v);
        return false;
    }
    *out = sc.v;
    *n = sc.n;
    return true;
}

/* TAO value of alpha on netuid at the subnet's spot price (I96F32); root
 * stake is TAO. prices[] holds each subnet's price, 0 for none.
 *
 * The spot price, read in the block step before any transaction of the
 * block, rather than the chain's EMA price: that EMA (economics §3.5) is
 * capped at 1.0 and takes months to approach the price of a young subnet,
 * so it would leave young subnets' stakers without weight. Pushing the spot
 * price before a snapshot costs slippage both ways and the stake behind a
 * conviction vote stays locked, so it buys little. */
static uint64_t tao_value(uint64_t alpha, uint16_t netuid, const yu128 *prices, uint16_t bound)
{
    if (netuid == 0) return alpha;
    if (netuid > bound) return 0;
    yu128 v;
    if (!yu128_mul_div(alpha, prices[netuid], YU96F32_ONE, &v) || v > UINT64_MAX) return UINT64_MAX;
    return (uint64_t)v;
}

static yu128 *load_prices(const ykv *kv, uint16_t bound)
{
    yu128 *prices = calloc((size_t)bound + 1, sizeof *prices);
    if (!prices) return NULL;
    for (uint16_t n = 1; n <= bound; n++) {
        subnet_rec s;
        if (subnet_get(kv, n, &s)) prices[n] = yuma_pool_price(&s.pool) >> 32;
    }
    return prices;
}

/* ---- NC(1/2) ---- */

static int cmp_u64_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x < y) - (x > y);
}

uint32_t gov_nakamoto_half(uint64_t *w, size_t n)
{
    unsigned __int128 total = 0, run = 0;
    for (size_t i = 0; i < n; i++) total += w[i];
    if (total == 0) return 0;
    qsort(w, n, sizeof *w, cmp_u64_desc);
    for (size_t i = 0; i < n; i++) {
        run += w[i];
        if (run * 2 > total) return (uint32_t)(i + 1);
    }
    return (uint32_t)n;
}

/* ---- the round's snapshot ---- */

static int cmp_snapshot_order(const void *a, const void *b)
{
    const position *x = a, *y = b;
    int c = cmp_account(&x->coldkey, &y->coldkey);
    if (c) return c;
    c = cmp_account(&x->hotkey, &y->hotkey);
    if (c) return c;
    return (x->netuid > y->netuid) - (x->netuid < y->netuid);
}

static int cmp_pos_weight(const void *a, const void *b)
{
    const gov_position *x = a, *y = b;
    if (x->weight != y->weight) return x->weight < y->weight ? 1 : -1;
    int c = cmp_account(&x->hotkey, &y->hotkey);
    if (c) return c;
    return (x->netuid > y->netuid) - (x->netuid < y->netuid);
}

static size_t snap_key(uint8_t k[42], uint8_t rec, uint64_t id, uint8_t round, const yuma_account *a)
{
    k[0] = rec;
    for (int i = 0; i < 8; i++) k[1 + i] = (uint8_t)(id >> (56 - 8 * i));
    k[9] = round;
    memcpy(k + 10, a->bytes, 32);
    return 42;
}

static bool put_snapshot(ykv *kv, uint64_t id, uint8_t round, const yuma_account *coldkey, const gov_snapshot_rec *s)
{
    uint8_t key[42], v[10 + 50 * GOV_MAX_POSITIONS];
    put_u64(v, s->weight);
    put_u16(v + 8, (uint16_t)s->count);
    for (uint32_t i = 0; i < s->count; i++) {
        uint8_t *q = v + 10 + 50 * i;
        memcpy(q, s->pos[i].hotkey.bytes, 32);
        put_u16(q + 32, s->pos[i].netuid);
        put_u64(q + 34, s->pos[i].alpha);
        put_u64(q + 42, s->pos[i].weight);
    }
    return ykv_put(kv, key, snap_key(key, REC_GOV_SNAPSHOT, id, round, coldkey), v, 10 + 50 * (size_t)s->count);
}

static bool recused(const gov_proposal *p, const yuma_account *coldkey, const yuma_account *owner, bool targeted)
{
    return cmp_account(coldkey, &p->proposer) == 0 || (targeted && cmp_account(coldkey, owner) == 0);
}

/* One coldkey's positions [from, to) of the sorted list become its
 * snapshot: the GOV_MAX_POSITIONS heaviest, weighted by TAO value and the
 * cross-subnet factor. Returns the weight stored (0: nothing stored). */
static bool snapshot_coldkey(call_ctx *cx, const gov_proposal *p, const position *v, size_t from, size_t to,
                             const yu128 *prices, uint16_t bound, uint64_t *weight)
{
    const yuma_gov_params *g = &cx->params->gov;
    bool targeted = p->netuid != GOV_NETUID_GLOBAL;
    gov_position all[GOV_MAX_POSITIONS * 2];
    gov_snapshot_rec s;
    memset(&s, 0, sizeof s);
    size_t m = 0;
    *weight = 0;
    for (size_t i = from; i < to; i++) {
        uint64_t w = tao_value(v[i].alpha, v[i].netuid, prices, bound);
        if (targeted && v[i].netuid != p->netuid) w = (uint64_t)((unsigned __int128)w * g->cross_subnet_num / (g->cross_subnet_den ? g->cross_subnet_den : 1));
        if (w == 0) continue;
        all[m++] = (gov_position){v[i].hotkey, v[i].netuid, v[i].alpha, w};
        /* Keep the heaviest ones when a coldkey has very many positions. */
        if (m == sizeof all / sizeof all[0]) {
            qsort(all, m, sizeof all[0], cmp_pos_weight);
            m = GOV_MAX_POSITIONS;
        }
    }
    qsort(all, m, sizeof all[0], cmp_pos_weight);
    if (m > GOV_MAX_POSITIONS) m = GOV_MAX_POSITIONS;
    unsigned __int128 total = 0;
    for (size_t i = 0; i < m; i++) {
        s.pos[i] = all[i];
        total += all[i].weight;
    }
    s.count = (uint32_t)m;
    s.weight = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
    if (s.weight == 0) return true;
    *weight = s.weight;
    return put_snapshot(cx->kv, p->id, p->round, &v[from].coldkey, &s);
}

static bool snapshot_council(call_ctx *cx, gov_proposal *p, const yuma_account *owner)
{
    gov_seat *seats;
    size_t n;
    bool targeted = p->netuid != GOV_NETUID_GLOBAL;
    if (!gov_council(cx->kv, cx->params, cx->block, &seats, &n)) return false;
    bool ok = true;
    uint32_t total = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (recused(p, &seats[i].coldkey, owner, targeted)) continue;
        uint16_t count = (uint16_t)(seats[i].economic + seats[i].builder + seats[i].miner);
        uint8_t key[42], v[2];
        put_u16(v, count);
        ok = ykv_put(cx->kv, key, snap_key(key, REC_GOV_SEATS, p->id, p->round, &seats[i].coldkey), v, 2);
        total += count;
    }
    free(seats);
    p->tally[p->round].c_seats = total;
    return ok;
}

bool gov_take_snapshot(call_ctx *cx, gov_proposal *p)
{
    uint16_t bound = subnet_netuid_bound(cx->params);
    bool targeted = p->netuid != GOV_NETUID_GLOBAL;
    yuma_account owner = {{0}};
    subnet_rec target;
    if (targeted && subnet_get(cx->kv, p->netuid, &target)) owner = target.owner_coldkey;
    position *v = NULL;
    size_t n = 0;
    yu128 *prices = load_prices(cx->kv, bound);
    if (!prices || !all_positions(cx->kv, &v, &n)) {
        free(prices);
        return false;
    }
    qsort(v, n, sizeof *v, cmp_snapshot_order);
    uint64_t *weights = malloc((n + 1) * sizeof *weights);
    size_t nw = 0;
    unsigned __int128 eligible = 0;
    bool ok = weights != NULL;
    for (size_t i = 0; ok && i < n;) {
        size_t j = i;
        while (j < n && cmp_account(&v[j].coldkey, &v[i].coldkey) == 0) j++;
        uint64_t w = 0;
        if (!recused(p, &v[i].coldkey, &owner, targeted)) ok = snapshot_coldkey(cx, p, v, i, j, prices, bound, &w);
        if (w) {
            weights[nw++] = w;
            eligible += w;
        }
        i = j;
    }
    gov_tally *t = &p->tally[p->round];
    if (ok) {
        t->s_eligible = eligible > UINT64_MAX ? UINT64_MAX : (uint64_t)eligible;
        t->s_nakamoto = gov_nakamoto_half(weights, nw);
        t->s_quorum_ppm = gov_global_get(cx->kv, &cx->params->gov).quorum_ppm;
        ok = snapshot_council(cx, p, &owner);
    }
    free(weights);
    free(v);
    free(prices);
    if (ok) p->snapshot_taken = true;
    return ok;
}

/* ---- tally ---- */

typedef struct {
    uint64_t *eff;
    gov_vote_rec *votes;
    size_t n, cap_e, cap_v;
    bool nomem;
} vote_scan;

static bool collect_vote(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    (void)key;
    vote_scan *sc = ctx;
    if (klen != 42 || (vlen != 12 && vlen != 13)) return true; /* 13: a delegated vote */
    if (!grow((void **)&sc->votes, &sc->cap_v, sc->n, sizeof *sc->votes)) return !(sc->nomem = true);
    gov_vote_rec *r = &sc->votes[sc->n++];
    r->choice = val[0];
    r->conviction = val[1];
    r->weight = get_u64(val + 2);
    r->seats = get_u16(val + 10);
    return true;
}

/* a/b > n/d and a/b >= n/d without division. */
static bool frac_gt(unsigned __int128 a, unsigned __int128 b, uint32_t n, uint32_t d)
{
    return a * d > b * n;
}

static bool frac_ge(unsigned __int128 a, unsigned __int128 b, uint32_t n, uint32_t d)
{
    return a * d >= b * n;
}

bool gov_tally_round(const ykv *kv, const yuma_gov_params *g, gov_proposal *p, uint32_t quorum_ppm)
{
    uint8_t prefix[10];
    prefix[0] = REC_GOV_VOTE;
    for (int i = 0; i < 8; i++) prefix[1 + i] = (uint8_t)(p->id >> (56 - 8 * i));
    prefix[9] = p->round;
    vote_scan sc = {0};
    if (!ykv_scan_prefix(kv, prefix, sizeof prefix, collect_vote, &sc) || sc.nomem) {
        free(sc.votes);
        return false;
    }
    gov_tally *t = &p->tally[p->round];
    bool appeal = p->round == 1;
    /* House S: conviction-weighted, each coldkey capped at a share of all
     * votes cast (computed before capping). */
    unsigned __int128 cast = 0, turnout = 0;
    for (size_t i = 0; i < sc.n; i++) {
        cast += (unsigned __int128)sc.votes[i].weight * gov_conviction_milli(sc.votes[i].conviction) / 1000;
        turnout += sc.votes[i].weight;
    }
    unsigned __int128 cap = cast * g->entity_cap_num / (g->entity_cap_den ? g->entity_cap_den : 1);
    unsigned __int128 s[5] = {0};
    uint32_t c[5] = {0};
    for (size_t i = 0; i < sc.n; i++) {
        gov_vote_rec *r = &sc.votes[i];
        unsigned __int128 e = (unsigned __int128)r->weight * gov_conviction_milli(r->conviction) / 1000;
        if (r->choice < GOV_AYE || r->choice > GOV_VETO) continue;
        s[r->choice] += e < cap ? e : cap;
        c[r->choice] += r->seats;
    }
    free(sc.votes);
#define SAT(x) ((x) > UINT64_MAX ? UINT64_MAX : (uint64_t)(x))
    t->s_aye = SAT(s[GOV_AYE]);
    t->s_nay = SAT(s[GOV_NAY]);
    t->s_abstain = SAT(s[GOV_ABSTAIN]);
    t->s_veto = SAT(s[GOV_VETO]);
    t->s_turnout = SAT(turnout);
#undef SAT
    t->s_quorum_ppm = quorum_ppm;
    t->c_aye = c[GOV_AYE];
    t->c_nay = c[GOV_NAY];
    t->c_abstain = c[GOV_ABSTAIN];
    t->c_veto = c[GOV_VETO];
    unsigned __int128 s_decisive = s[GOV_AYE] + s[GOV_NAY] + s[GOV_VETO];
    unsigned __int128 s_all = s_decisive + s[GOV_ABSTAIN];
    uint32_t sn = appeal ? g->s_appeal_num : g->s_pass_num, sd = appeal ? g->s_appeal_den : g->s_pass_den;
    bool quorum = t->s_eligible > 0 && turnout * 1000000u >= (unsigned __int128)quorum_ppm * t->s_eligible;
    t->s_pass = quorum && s_decisive > 0 && frac_gt(s[GOV_AYE], s_decisive, sn, sd);
    /* House C: seats voting, abstentions included; the threshold rises
     * when the stake house is concentrated (§5.11). */
    uint32_t cn = appeal ? g->c_appeal_num : g->c_pass_num, cd = appeal ? g->c_appeal_den : g->c_pass_den;
    if (t->s_nakamoto < g->nc_min && (uint64_t)g->c_raised_num * cd > (uint64_t)cn * g->c_raised_den) {
        cn = g->c_raised_num;
        cd = g->c_raised_den;
    }
    uint64_t c_voting = (uint64_t)t->c_aye + t->c_nay + t->c_abstain + t->c_veto;
    bool c_turnout = t->c_seats > 0 && frac_ge(c_voting, t->c_seats, g->c_turnout_num, g->c_turnout_den);
    t->c_pass = c_turnout && c_voting > 0 && t->c_aye > 0 && frac_ge(t->c_aye, c_voting, cn, cd);
    t->veto = (s_all > 0 && frac_gt(s[GOV_VETO], s_all, g->veto_num, g->veto_den)) ||
              (c_voting > 0 && frac_gt(t->c_veto, c_voting, g->veto_num, g->veto_den));
    t->tallied = true;
    return true;
}

/* ---- seat samples ---- */

/* One coldkey's sample: the stake EMA (TAO value), when it was first
 * seen, the incentive EMA (sum of its neurons' u16 incentives), how many
 * subnets its miners earned on, and whether it holds a validator permit. */
typedef struct {
    yuma_account coldkey;
    uint64_t stake_ema, first_seen, incentive_ema;
    uint16_t subnets;
    uint8_t validator;
} seat_sample;

static size_t seat_key(uint8_t k[33], const yuma_account *c)
{
    k[0] = REC_GOV_SEAT_EMA;
    memcpy(k + 1, c->bytes, 32);
    return 33;
}

static bool seat_put(ykv *kv, const seat_sample *s)
{
    uint8_t key[33], v[27];
    put_u64(v, s->stake_ema);
    put_u64(v + 8, s->first_seen);
    put_u64(v + 16, s->incentive_ema);
    put_u16(v + 24, s->subnets);
    v[26] = s->validator;
    return ykv_put(kv, key, seat_key(key, &s->coldkey), v, sizeof v);
}

typedef struct {
    seat_sample *v;
    size_t n, cap;
    bool nomem;
} seat_scan;

static bool collect_seat(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, void *ctx)
{
    seat_scan *sc = ctx;
    if (klen != 33 || vlen != 27) return true;
    if (!grow((void **)&sc->v, &sc->cap, sc->n, sizeof *sc->v)) return !(sc->nomem = true);
    seat_sample *s = &sc->v[sc->n++];
    memcpy(s->coldkey.bytes, key + 1, 32);
    s->stake_ema = get_u64(val);
    s->first_seen = get_u64(val + 8);
    s->incentive_ema = get_u64(val + 16);
    s->subnets = get_u16(val + 24);
    s->validator = val[26];
    return true;
}

static bool all_seat_samples(const ykv *kv, seat_sample **out, size_t *n)
{
    seat_scan sc = {0};
    uint8_t rec = REC_GOV_SEAT_EMA;
    if (!ykv_scan_prefix(kv, &rec, 1, collect_seat, &sc) || sc.nomem) {
        free(sc.v);
        return false;
    }
    *out = sc.v;
    *n = sc.n;
    return true;
}

/* This sample's raw values per coldkey, before the EMA. */
typedef struct {
    yuma_account coldkey;
    uint16_t netuid;
    uint64_t stake, incentive;
    uint8_t validator;
} raw_sample;

static int cmp_raw(const void *a, const void *b)
{
    const raw_sample *x = a, *y = b;
    int c = cmp_account(&x->coldkey, &y->coldkey);
    if (c) return c;
    return (x->netuid > y->netuid) - (x->netuid < y->netuid);
}

static uint64_t ema(uint64_t old, uint64_t x, uint32_t alpha_ppm)
{
    unsigned __int128 v = ((unsigned __int128)old * (1000000u - alpha_ppm) + (unsigned __int128)x * alpha_ppm) / 1000000u;
    return (uint64_t)v;
}

bool gov_sample_seats(call_ctx *cx)
{
    const yuma_gov_params *g = &cx->params->gov;
    uint16_t bound = subnet_netuid_bound(cx->params);
    position *pos = NULL;
    size_t np = 0, nr = 0, cap = 0, ns = 0;
    raw_sample *raw = NULL;
    seat_sample *old = NULL;
    yu128 *prices = load_prices(cx->kv, bound);
    bool ok = prices && all_positions(cx->kv, &pos, &np);
    /* Stake: one raw entry per position (netuid 0xFFFF keeps them apart
     * from the neuron entries when sorted). */
    for (size_t i = 0; ok && i < np; i++) {
        ok = grow((void **)&raw, &cap, nr, sizeof *raw);
        if (ok) raw[nr++] = (raw_sample){pos[i].coldkey, 0xFFFF, tao_value(pos[i].alpha, pos[i].netuid, prices, bound), 0, 0};
    }
    /* Neurons: permits and miners' incentive, per owning coldkey. */
    for (uint16_t netuid = 1; ok && netuid <= bound; netuid++) {
        subnet_rec s;
        if (!subnet_get(cx->kv, netuid, &s)) continue;
        for (uint16_t uid = 0; ok && uid < s.n; uid++) {
            neuron_rec nrec;
            hotkey_rec h;
            if (!neuron_get(cx->kv, netuid, uid, &nrec) || !hotkey_get(cx->kv, &nrec.hotkey, &h)) continue;
            if (!nrec.validator_permit && nrec.incentive == 0) continue;
            ok = grow((void **)&raw, &cap, nr, sizeof *raw);
            if (ok) raw[nr++] = (raw_sample){h.owner, netuid, 0, nrec.incentive, nrec.validator_permit};
        }
    }
    ok = ok && all_seat_samples(cx->kv, &old, &ns);
    if (ok && nr) qsort(raw, nr, sizeof *raw, cmp_raw);
    /* Merge the sorted raw entries with the sorted old samples. */
    size_t i = 0, j = 0;
    while (ok && (i < nr || j < ns)) {
        int c = i == nr ? 1 : j == ns ? -1 : cmp_account(&raw[i].coldkey, &old[j].coldkey);
        seat_sample s = {0};
        uint64_t stake = 0, incentive = 0;
        uint16_t subnets = 0, last = 0;
        uint8_t validator = 0;
        if (c <= 0) {
            s.coldkey = raw[i].coldkey;
            for (; i < nr && cmp_account(&raw[i].coldkey, &s.coldkey) == 0; i++) {
                stake = stake > UINT64_MAX - raw[i].stake ? UINT64_MAX : stake + raw[i].stake;
                incentive += raw[i].incentive;
                validator |= raw[i].validator;
                if (raw[i].incentive > 0 && raw[i].netuid != 0xFFFF && raw[i].netuid != last) {
                    subnets++;
                    last = raw[i].netuid;
                }
            }
        }
        if (c >= 0) {
            s.coldkey = old[j].coldkey;
            s.stake_ema = old[j].stake_ema;
            s.first_seen = old[j].first_seen;
            s.incentive_ema = old[j].incentive_ema;
            j++;
        } else {
            s.first_seen = cx->block;
        }
        s.stake_ema = ema(s.stake_ema, stake, g->seat_ema_ppm);
        s.incentive_ema = ema(s.incentive_ema, incentive, g->seat_ema_ppm);
        s.subnets = subnets;
        s.validator = validator;
        if (s.stake_ema == 0 && s.incentive_ema == 0 && stake == 0 && incentive == 0) {
            uint8_t key[33];
            ok = ykv_del(cx->kv, key, seat_key(key, &s.coldkey));
        } else {
            ok = seat_put(cx->kv, &s);
        }
    }
    free(prices);
    free(pos);
    free(raw);
    free(old);
    return ok;
}

/* ---- the council ---- */

static int cmp_stake_ema(const void *a, const void *b)
{
    const seat_sample *x = a, *y = b;
    if (x->stake_ema != y->stake_ema) return x->stake_ema < y->stake_ema ? 1 : -1;
    return cmp_account(&x->coldkey, &y->coldkey);
}

static int cmp_incentive_ema(const void *a, const void *b)
{
    const seat_sample *x = a, *y = b;
    if (x->incentive_ema != y->incentive_ema) return x->incentive_ema < y->incentive_ema ? 1 : -1;
    return cmp_account(&x->coldkey, &y->coldkey);
}

typedef struct {
    yuma_account coldkey;
    uint64_t registered_at;
} builder;

static int cmp_builder(const void *a, const void *b)
{
    const builder *x = a, *y = b;
    if (x->registered_at != y->registered_at) return x->registered_at < y->registered_at ? -1 : 1;
    return cmp_account(&x->coldkey, &y->coldkey);
}

static int cmp_seat(const void *a, const void *b)
{
    return cmp_account(&((const gov_seat *)a)->coldkey, &((const gov_seat *)b)->coldkey);
}

/* Adds one seat of a kind to coldkey in the list (kept unsorted here). */
static bool give_seat(gov_seat **v, size_t *n, size_t *cap, const yuma_account *coldkey, int kind)
{
    for (size_t i = 0; i < *n; i++)
        if (cmp_account(&(*v)[i].coldkey, coldkey) == 0) {
            if (kind == 0) (*v)[i].economic = 1;
            else if (kind == 1) (*v)[i].builder = 1;
            else (*v)[i].miner = 1;
            return true;
        }
    if (!grow((void **)v, cap, *n, sizeof **v)) return false;
    gov_seat s = {.coldkey = *coldkey};
    if (kind == 0) s.economic = 1;
    else if (kind == 1) s.builder = 1;
    else s.miner = 1;
    (*v)[(*n)++] = s;
    return true;
}

bool gov_council(const ykv *kv, const yuma_chain_params *p, uint64_t now, gov_seat **out, size_t *count)
{
    const yuma_gov_params *g = &p->gov;
    seat_sample *smp = NULL;
    size_t ns = 0, n = 0, cap = 0;
    gov_seat *seats = NULL;
    *out = NULL;
    *count = 0;
    if (!all_seat_samples(kv, &smp, &ns)) return false;
    bool ok = true;
    /* Economic: validators ranked by the stake EMA, after the warm-up. */
    if (ns) qsort(smp, ns, sizeof *smp, cmp_stake_ema);
    size_t given = 0;
    for (size_t i = 0; ok && i < ns && given < g->economic_seats; i++) {
        if (!smp[i].validator || smp[i].stake_ema == 0 || now < smp[i].first_seen + g->seat_warmup_blocks) continue;
        ok = give_seat(&seats, &n, &cap, &smp[i].coldkey, 0);
        given++;
    }
    /* Miners: the top decile of the incentive EMA, earning on enough subnets. */
    if (ns) qsort(smp, ns, sizeof *smp, cmp_incentive_ema);
    size_t earners = 0;
    for (size_t i = 0; i < ns; i++)
        if (smp[i].incentive_ema > 0) earners++;
    size_t decile = (size_t)(((unsigned __int128)earners * g->miner_top_ppm + 999999u) / 1000000u);
    given = 0;
    for (size_t i = 0; ok && i < decile && given < g->miner_seats; i++) {
        if (smp[i].subnets < g->miner_min_subnets || now < smp[i].first_seen + g->seat_warmup_blocks) continue;
        ok = give_seat(&seats, &n, &cap, &smp[i].coldkey, 2);
        given++;
    }
    free(smp);
    /* Builders: owners of subnets old enough, one seat per coldkey, oldest first. */
    uint16_t bound = subnet_netuid_bound(p);
    builder *b = ok ? calloc((size_t)bound + 1, sizeof *b) : NULL;
    size_t nb = 0;
    ok = ok && b;
    for (uint16_t netuid = 1; ok && netuid <= bound; netuid++) {
        subnet_rec s;
        if (!subnet_get(kv, netuid, &s) || now < s.registered_at + g->builder_min_age_blocks) continue;
        b[nb++] = (builder){s.owner_coldkey, s.registered_at};
    }
    if (ok && nb) qsort(b, nb, sizeof *b, cmp_builder);
    given = 0;
    for (size_t i = 0; ok && i < nb && given < g->builder_seats; i++) {
        bool dup = false;
        for (size_t k = 0; k < i; k++)
            if (cmp_account(&b[k].coldkey, &b[i].coldkey) == 0) dup = true;
        if (dup) continue;
        ok = give_seat(&seats, &n, &cap, &b[i].coldkey, 1);
        given++;
    }
    free(b);
    if (!ok) {
        free(seats);
        return false;
    }
    if (n) qsort(seats, n, sizeof *seats, cmp_seat);
    *out = seats;
    *count = n;
    return true;
}
