/*
 * hyperparams.c - set_hyperparameter: a subnet owner tunes its subnet
 * (economics §11.3) within fixed ranges, one parameter per call. Each
 * parameter may change at most once per owner_hyperparam_rate_limit tempos
 * (the weights version key once per 5 tempos, economics §9), and nothing
 * changes in the last admin_freeze_window blocks before the subnet's
 * epoch or while an owner-triggered epoch is pending, so validators never
 * see the rules move under an epoch they are about to be judged by.
 * Parameters the reference leaves to root (kappa, max_allowed_validators,
 * weights_rate_limit) are refused with their own status: they belong to
 * governance. The table is documented in docs/CHAIN.md.
 */
#include <string.h>

#include "chain/call_recs.h"
#include "chain/calls.h"
#include "chain/hyperparams.h"
#include "chain/records.h"
#include "chain/subnet_rec.h"
#include "yuma/emission.h"

#define MIN_TEMPO 360
#define MAX_TEMPO 50400
#define MAX_UIDS 256
#define VERSION_KEY_RATE_LIMIT_TEMPOS 5
#define MAX_BONDS_MOVING_AVERAGE 975000
#define MIN_ALPHA_LOW 1638
#define MAX_BURN_HALF_LIFE 36100
#define MAX_REVEAL_PERIOD 100

static size_t last_key(uint8_t k[5], uint16_t netuid, uint16_t param)
{
    k[0] = REC_HYPERPARAM_LAST;
    k[1] = (uint8_t)(netuid >> 8);
    k[2] = (uint8_t)netuid;
    k[3] = (uint8_t)(param >> 8);
    k[4] = (uint8_t)param;
    return 5;
}

static uint64_t last_set(const ykv *kv, uint16_t netuid, uint16_t param)
{
    uint8_t key[5];
    size_t vlen;
    const uint8_t *v = ykv_get(kv, key, last_key(key, netuid, param), &vlen);
    return v && vlen == 8 ? get_u64(v) : 0;
}

static bool last_put(ykv *kv, uint16_t netuid, uint16_t param, uint64_t block)
{
    uint8_t key[5], v[8];
    put_u64(v, block);
    return ykv_put(kv, key, last_key(key, netuid, param), v, sizeof v);
}

static bool in(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v >= lo && v <= hi;
}

/* Writes value into the subnet record (a copy) when it is in range. */
static yuma_call_status assign(subnet_rec *s, uint16_t param, uint64_t v)
{
    yuma_hyperparams *h = &s->hp;
    bool ok = true;
    switch ((hyperparam_id)param) {
    case HP_TEMPO:
        if ((ok = in(v, MIN_TEMPO, MAX_TEMPO))) h->tempo = (uint16_t)v;
        break;
    case HP_ACTIVITY_CUTOFF_FACTOR_MILLI:
        if ((ok = in(v, 1000, 50000))) h->activity_cutoff_factor_milli = (uint32_t)v;
        break;
    case HP_IMMUNITY_PERIOD:
        if ((ok = v <= UINT16_MAX)) s->immunity_period = v;
        break;
    case HP_MIN_ALLOWED_WEIGHTS:
        if ((ok = v <= s->max_uids)) s->min_allowed_weights = (uint16_t)v;
        break;
    case HP_MAX_ALLOWED_UIDS: {
        /* No shrinking below the registered uids (trimming is not offered)
         * nor below the validator slots, which must fit the subnet. */
        uint64_t lo = s->n > h->max_allowed_validators ? s->n : h->max_allowed_validators;
        if ((ok = in(v, lo > 0 ? lo : 1, MAX_UIDS))) s->max_uids = (uint16_t)v;
        break;
    }
    case HP_WEIGHTS_VERSION_KEY:
        s->weights_version_key = v;
        break;
    case HP_MIN_BURN:
        if ((ok = v < YUMA_RAO_PER_TAO && v < s->max_burn)) s->min_burn = v;
        break;
    case HP_MAX_BURN:
        if ((ok = v > YUMA_RAO_PER_TAO / 10 && v > s->min_burn)) s->max_burn = v;
        break;
    case HP_BURN_HALF_LIFE:
        if ((ok = in(v, 1, MAX_BURN_HALF_LIFE))) s->burn_half_life = (uint16_t)v;
        break;
    case HP_BURN_INCREASE_MULT_MILLI:
        /* Thousandths (1.26 = 1260), stored as the reference's U64F64. */
        if ((ok = in(v, 1000, 3000))) s->burn_increase_mult = ((yu128)v << 64) / 1000;
        break;
    case HP_BONDS_MOVING_AVERAGE:
        if ((ok = v <= MAX_BONDS_MOVING_AVERAGE)) h->bonds_moving_average = v;
        break;
    case HP_BONDS_PENALTY:
        if ((ok = v <= UINT16_MAX)) h->bonds_penalty = (uint16_t)v;
        break;
    case HP_BONDS_RESET:
        if ((ok = v <= 1)) s->bonds_reset = v;
        break;
    case HP_COMMIT_REVEAL:
        if ((ok = v <= 1)) s->commit_reveal = v;
        break;
    case HP_REVEAL_PERIOD_EPOCHS:
        if ((ok = in(v, 1, MAX_REVEAL_PERIOD))) s->reveal_period_epochs = v;
        break;
    case HP_LIQUID_ALPHA:
        if ((ok = v <= 1)) h->liquid_alpha = v;
        break;
    case HP_ALPHA_VALUES: {
        /* One call sets both, as the reference's sudo_set_alpha_values, so
         * the pair is never checked against a stale partner. */
        uint64_t lo = v & 0xffff, hi = (v >> 16) & 0xffff;
        if ((ok = v >> 32 == 0 && lo >= MIN_ALPHA_LOW && lo <= hi)) {
            h->alpha_low = (uint16_t)lo;
            h->alpha_high = (uint16_t)hi;
        }
        break;
    }
    case HP_ALPHA_SIGMOID_STEEPNESS:
        /* Owners may not go negative (root may, in the reference). */
        if ((ok = v <= INT16_MAX)) h->alpha_sigmoid_steepness = (int16_t)v;
        break;
    case HP_YUMA3:
        if ((ok = v <= 1)) h->yuma3 = v;
        break;
    case HP_SERVING_RATE_LIMIT:
        s->serving_rate_limit = v;
        break;
    case HP_WEIGHTS_RATE_LIMIT:
    case HP_KAPPA:
    case HP_MAX_ALLOWED_VALIDATORS:
        return YUMA_CALL_ERR_HYPERPARAM_GOVERNANCE;
    default:
        return YUMA_CALL_ERR_UNKNOWN_HYPERPARAM;
    }
    return ok ? YUMA_CALL_OK : YUMA_CALL_ERR_HYPERPARAM_OUT_OF_RANGE;
}

/* The last admin_freeze_window blocks before the next epoch
 * (last_epoch_block + tempo), and any block while an owner-triggered epoch
 * is pending, are frozen; a subnet without epochs (tempo 0) never is. */
static bool frozen(const subnet_rec *s, uint64_t now, uint64_t window)
{
    if (s->hp.tempo == 0) return false;
    if (s->pending_epoch_at != 0) return true;
    uint64_t next = s->last_epoch_block + s->hp.tempo;
    uint64_t until = next > now ? next - now : 0;
    return until < window;
}

yuma_call_status call_set_hyperparameter(call_ctx *cx, const yuma_call *call)
{
    uint16_t netuid = call->netuid;
    subnet_rec s, updated;
    if (netuid == 0) return YUMA_CALL_ERR_ROOT_NETUID;
    if (!subnet_get(cx->kv, netuid, &s)) return YUMA_CALL_ERR_NO_SUBNET;
    if (memcmp(s.owner_coldkey.bytes, cx->signer->bytes, 32) != 0) return YUMA_CALL_ERR_NOT_OWNER;
    updated = s;
    yuma_call_status st = assign(&updated, call->param, call->value);
    if (st != YUMA_CALL_OK) return st;
    if (frozen(&s, cx->block, cx->params->admin_freeze_window)) return YUMA_CALL_ERR_ADMIN_FREEZE_WINDOW;
    /* The limit is counted in the subnet's tempo before the change. */
    uint64_t tempos = call->param == HP_WEIGHTS_VERSION_KEY ? VERSION_KEY_RATE_LIMIT_TEMPOS
                                                            : cx->params->owner_hyperparam_rate_limit;
    uint64_t limit = yu64_sat_mul(tempos, s.hp.tempo), last = last_set(cx->kv, netuid, call->param);
    if (last != 0 && cx->block - last < limit)
        return rate_limited(cx, last, limit, YUMA_CALL_ERR_HYPERPARAM_RATE_LIMIT);
    if (!last_put(cx->kv, netuid, call->param, cx->block) || !subnet_put(cx->kv, netuid, &updated))
        return YUMA_CALL_ERR_NOMEM;
    return YUMA_CALL_OK;
}
