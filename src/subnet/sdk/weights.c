/*
 * weights.c - weights the way a validator sends them: scores converted to
 * the chain's u16 values as the reference SDK does
 * (convert_weights_and_uids_for_emit: max-upscale to 65535, round half to
 * even, drop zeros), a check of every rule set_weights will apply, read
 * from the node before a fee is spent (the reference's users meet these as
 * opaque failures: SettingWeightsTooFast, no permit yet ...), and the
 * set_weights call itself.
 *
 * Floating point here is the validator's own arithmetic on its scores,
 * outside consensus; the chain only ever sees the u16 values.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/sdk/sdk_internal.h"
#include "yuma/sdk_client.h"

#define U16_MAX 65535u

static bool check_uids(const uint16_t *uids, size_t n, char *err, size_t errlen)
{
    if (n > YUMA_TX_MAX_WEIGHTS) {
        sdk_msg(err, errlen, "%zu weights is more than a call carries (%d)", n, YUMA_TX_MAX_WEIGHTS);
        return false;
    }
    uint8_t *seen = calloc(65536 / 8, 1);
    if (!seen) {
        sdk_msg(err, errlen, "out of memory");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        uint16_t u = uids[i];
        if (seen[u / 8] & (1u << (u % 8))) {
            sdk_msg(err, errlen, "uid %u is given twice (positions %zu and an earlier one); the chain refuses "
                    "repeated uids", u, i);
            ok = false;
        }
        seen[u / 8] |= (uint8_t)(1u << (u % 8));
    }
    free(seen);
    return ok;
}

bool yuma_weights_from_scores(const uint16_t *uids, const double *scores, size_t n, uint16_t *out_uids,
                              uint16_t *out_values, size_t *out_n, char *err, size_t errlen)
{
    *out_n = 0;
    if (!check_uids(uids, n, err, errlen)) return false;
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(scores[i]) || scores[i] < 0) {
            sdk_msg(err, errlen, "score %zu (uid %u) is %g; scores must be finite and not negative", i, uids[i],
                    scores[i]);
            return false;
        }
        if (scores[i] > max) max = scores[i];
    }
    if (max == 0) {
        sdk_msg(err, errlen, "every score is zero: there is nothing to set");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        /* The reference: round(float(w / max) * 65535), Python's round
         * being half to even, which is rint() in the default rounding
         * mode. */
        double v = rint(scores[i] / max * (double)U16_MAX);
        if (v == 0) continue;
        out_uids[*out_n] = uids[i];
        out_values[(*out_n)++] = (uint16_t)v;
    }
    return true;
}

bool yuma_weights_from_ints(const uint16_t *uids, const uint64_t *scores, size_t n, uint16_t *out_uids,
                            uint16_t *out_values, size_t *out_n, char *err, size_t errlen)
{
    *out_n = 0;
    if (!check_uids(uids, n, err, errlen)) return false;
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (scores[i] > max) max = scores[i];
    if (max == 0) {
        sdk_msg(err, errlen, "every score is zero: there is nothing to set");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned __int128 num = (unsigned __int128)scores[i] * U16_MAX;
        uint64_t q = (uint64_t)(num / max), r = (uint64_t)(num % max);
        /* Half to even on the exact quotient; 2r cannot overflow as r < max. */
        unsigned __int128 twice = (unsigned __int128)r * 2;
        if (twice > max || (twice == max && (q & 1))) q++;
        if (q == 0) continue;
        out_uids[*out_n] = uids[i];
        out_values[(*out_n)++] = (uint16_t)q;
    }
    return true;
}

/* ---- the pre-flight check ---- */

static uint64_t u64_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v) : 0;
}

static bool refuse(yuma_sdk_tx_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool refuse(yuma_sdk_tx_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    r->outcome = YUMA_SDK_REFUSED;
    return false;
}

/* The neuron of hotkey in a metagraph_get answer, or NULL. */
static const json_t *find_neuron(const json_t *mg, const char *address)
{
    size_t i;
    const json_t *u;
    json_array_foreach(json_object_get(mg, "uids"), i, u) {
        const char *hk = json_string_value(json_object_get(u, "hotkey"));
        if (hk && strcmp(hk, address) == 0) return u;
    }
    return NULL;
}

static bool check_rules(const json_t *subnet, const json_t *mg, uint64_t head, const char *address,
                        const uint16_t *uids, size_t n, uint16_t netuid, yuma_sdk_tx_result *r)
{
    const json_t *hp = json_object_get(subnet, "hyperparameters");
    if (json_is_true(json_object_get(hp, "commit_reveal")))
        return refuse(r, "subnet %u uses commit-reveal: commit the weights' hash, then reveal them (yuma weights "
                      "commit / reveal)", netuid);
    const json_t *me = find_neuron(mg, address);
    if (!me) return refuse(r, "%s is not registered on subnet %u: register it first (yuma register)", address, netuid);
    uint64_t my_uid = u64_of(me, "uid"), count = u64_of(subnet, "n");
    const char *owner = json_string_value(json_object_get(subnet, "owner_hotkey"));
    bool is_owner = owner && strcmp(owner, address) == 0;
    uint64_t threshold = u64_of(hp, "stake_threshold");
    if (!is_owner && u64_of(me, "stake") < threshold && u64_of(me, "root_stake") == 0)
        return refuse(r, "uid %llu has %llu rao of stake on subnet %u, below the subnet's stake_threshold of %llu: "
                      "stake more to it first", (unsigned long long)my_uid, (unsigned long long)u64_of(me, "stake"),
                      netuid, (unsigned long long)threshold);
    uint64_t last = u64_of(me, "last_update"), limit = u64_of(hp, "weights_rate_limit");
    /* The earliest block the call can be in is the next one. */
    if (last != 0 && head + 1 - last < limit) {
        r->retry_at_block = last + limit;
        return refuse(r, "the weights rate limit of subnet %u (%llu blocks) has not passed since uid %llu's last "
                      "update at block %llu: it clears at block %llu (%llu blocks from now, the head is %llu)",
                      netuid, (unsigned long long)limit, (unsigned long long)my_uid, (unsigned long long)last,
                      (unsigned long long)(last + limit), (unsigned long long)(last + limit - head),
                      (unsigned long long)head);
    }
    bool self_only = n == 1 && uids[0] == my_uid;
    if (!self_only && !is_owner && !json_is_true(json_object_get(me, "validator_permit")))
        return refuse(r, "uid %llu has no validator permit on subnet %u yet: permits are given at the subnet's "
                      "epochs to the %llu largest stakes; stake more, or wait for the next epoch",
                      (unsigned long long)my_uid, netuid, (unsigned long long)u64_of(hp, "max_allowed_validators"));
    for (size_t i = 0; i < n; i++)
        if (uids[i] >= count)
            return refuse(r, "uid %u is out of range: subnet %u has %llu uids (0..%llu)", uids[i], netuid,
                          (unsigned long long)count, (unsigned long long)(count ? count - 1 : 0));
    uint64_t min = u64_of(hp, "min_allowed_weights");
    if (min > count) min = count;
    if (!self_only && n < min)
        return refuse(r, "%zu weights is fewer than subnet %u's min_allowed_weights of %llu", n, netuid,
                      (unsigned long long)min);
    return true;
}

bool yuma_sdk_weights_check(yuma_sdk_client *c, const yuma_pubkey *hotkey, uint16_t netuid, const uint16_t *uids,
                            size_t n, yuma_sdk_tx_result *r)
{
    memset(r, 0, sizeof *r);
    char address[YUMA_SS58_MAX];
    sdk_ss58(hotkey, address);
    if (!check_uids(uids, n, r->message, sizeof r->message)) {
        r->outcome = YUMA_SDK_REFUSED;
        return false;
    }
    uint64_t head;
    if (!yuma_sdk_head(c, &head, r->message, sizeof r->message)) return false;
    json_t *subnet = yuma_sdk_call(c, "subnet_get", json_pack("{s:i}", "netuid", netuid), r->message,
                                   sizeof r->message);
    json_t *mg = subnet ? yuma_sdk_call(c, "metagraph_get", json_pack("{s:i}", "netuid", netuid), r->message,
                                        sizeof r->message)
                        : NULL;
    bool ok = false;
    if (mg) ok = check_rules(subnet, mg, head, address, uids, n, netuid, r);
    else if (!subnet && strstr(r->message, "no subnet")) r->outcome = YUMA_SDK_REFUSED;
    json_decref(subnet);
    json_decref(mg);
    return ok;
}

bool yuma_sdk_set_weights(yuma_sdk_client *c, const yuma_keypair *hotkey, uint16_t netuid, const uint16_t *uids,
                          const double *scores, size_t n, uint64_t version_key, yuma_sdk_tx_result *r)
{
    memset(r, 0, sizeof *r);
    yuma_call *call = calloc(1, sizeof *call);
    if (!call) return refuse(r, "out of memory");
    size_t count = 0;
    bool ok = yuma_weights_from_scores(uids, scores, n, call->uids, call->values, &count, r->message,
                                       sizeof r->message);
    if (!ok) r->outcome = YUMA_SDK_REFUSED;
    if (ok) ok = yuma_sdk_weights_check(c, &hotkey->pub, netuid, call->uids, count, r);
    if (ok) {
        call->kind = YUMA_CALL_SET_WEIGHTS;
        call->netuid = netuid;
        call->version_key = version_key;
        call->weight_count = (uint32_t)count;
        ok = yuma_sdk_send(c, hotkey, call, true, r);
    }
    free(call);
    return ok;
}
