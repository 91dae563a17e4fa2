/*
 * metagraph.c - a subnet's metagraph from the node (include/yuma/metagraph.h):
 * one metagraph_get for a full sync, parsed strictly into structs; an
 * incremental update that reads the events of the blocks since the last
 * sync and fetches again only if one of them changed the subnet (the
 * reference's full sync was slow enough that its users asked for a lite
 * and a delta form).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "subnet/sdk/sdk_internal.h"
#include "yuma/metagraph.h"

/* Events spanning more blocks than this are not read: a fetch is cheaper. */
#define MAX_EVENT_SPAN 10000

void yuma_metagraph_init(yuma_metagraph *mg, uint16_t netuid)
{
    memset(mg, 0, sizeof *mg);
    mg->netuid = netuid;
}

void yuma_metagraph_free(yuma_metagraph *mg)
{
    free(mg->neurons);
    mg->neurons = NULL;
    mg->n = 0;
}

static bool get_u64(const json_t *o, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool get_u16(const json_t *o, const char *key, uint16_t *out)
{
    uint64_t v;
    if (!get_u64(o, key, &v) || v > 65535) return false;
    *out = (uint16_t)v;
    return true;
}

static bool get_bool(const json_t *o, const char *key, bool *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_boolean(v)) return false;
    *out = json_is_true(v);
    return true;
}

static bool get_key(const json_t *o, const char *key, yuma_pubkey *pub, char ss58[YUMA_SS58_MAX])
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || strlen(s) >= YUMA_SS58_MAX || !sdk_parse_ss58(s, pub, NULL, 0)) return false;
    strcpy(ss58, s);
    return true;
}

/* The chain stores 16 bytes: IPv4 as ::ffff:a.b.c.d. */
static bool parse_axon(const json_t *a, yuma_axon_info *out)
{
    memset(out, 0, sizeof *out);
    if (json_is_null(a)) return true;
    uint8_t ip[16];
    uint64_t version;
    uint16_t protocol;
    if (!json_is_object(a) || !sdk_unhex(json_string_value(json_object_get(a, "ip")), ip, 16) ||
        !get_u16(a, "port", &out->port) || !get_u16(a, "protocol", &protocol) || protocol > 255 ||
        !get_u64(a, "version", &version) || version > UINT32_MAX)
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(ip, mapped, 12) == 0) inet_ntop(AF_INET, ip + 12, out->ip, sizeof out->ip);
    else inet_ntop(AF_INET6, ip, out->ip, sizeof out->ip);
    out->protocol = (uint8_t)protocol;
    out->version = (uint32_t)version;
    out->served = true;
    return true;
}

static const char *parse_neuron(const json_t *u, yuma_neuron *nr)
{
    memset(nr, 0, sizeof *nr);
    if (!json_is_object(u)) return "an entry that is not an object";
    if (!get_u16(u, "uid", &nr->uid)) return "uid";
    if (!get_key(u, "hotkey", &nr->hotkey, nr->hotkey_ss58)) return "hotkey";
    const json_t *ck = json_object_get(u, "coldkey");
    if (!json_is_null(ck)) {
        if (!get_key(u, "coldkey", &nr->coldkey, nr->coldkey_ss58)) return "coldkey";
        nr->has_coldkey = true;
    }
    if (!get_u64(u, "stake", &nr->stake)) return "stake";
    if (!get_u64(u, "root_stake", &nr->root_stake)) return "root_stake";
    if (!get_u64(u, "emission", &nr->emission)) return "emission";
    if (!get_u16(u, "consensus", &nr->consensus)) return "consensus";
    if (!get_u16(u, "incentive", &nr->incentive)) return "incentive";
    if (!get_u16(u, "dividends", &nr->dividends)) return "dividends";
    if (!get_u16(u, "validator_trust", &nr->validator_trust)) return "validator_trust";
    if (!get_u16(u, "stake_weight", &nr->stake_weight)) return "stake_weight";
    if (!get_bool(u, "validator_permit", &nr->validator_permit)) return "validator_permit";
    if (!get_bool(u, "active", &nr->active)) return "active";
    if (!get_u64(u, "last_update", &nr->last_update)) return "last_update";
    if (!get_u64(u, "registered_at", &nr->registered_at)) return "registered_at";
    if (!parse_axon(json_object_get(u, "axon"), &nr->axon)) return "axon";
    return NULL;
}

bool yuma_metagraph_from_json(yuma_metagraph *mg, const json_t *answer, char *err, size_t errlen)
{
    uint64_t block;
    uint16_t netuid;
    const json_t *uids = json_object_get(answer, "uids");
    if (!get_u64(answer, "block", &block) || !get_u16(answer, "netuid", &netuid) || !json_is_array(uids)) {
        sdk_msg(err, errlen, "the metagraph answer lacks block, netuid or uids; is the node a yuma node?");
        return false;
    }
    if (netuid != mg->netuid) {
        sdk_msg(err, errlen, "the metagraph answer is for subnet %u, not %u", netuid, mg->netuid);
        return false;
    }
    size_t n = json_array_size(uids);
    yuma_neuron *v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        sdk_msg(err, errlen, "out of memory for %zu neurons", n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *bad = parse_neuron(json_array_get(uids, i), &v[i]);
        if (!bad && i > 0 && v[i].uid <= v[i - 1].uid) bad = "uid (not increasing)";
        if (bad) {
            sdk_msg(err, errlen, "the metagraph of subnet %u has a bad %s at index %zu", netuid, bad, i);
            free(v);
            return false;
        }
    }
    free(mg->neurons);
    mg->neurons = v;
    mg->n = n;
    mg->block = block;
    return true;
}

bool yuma_metagraph_sync(yuma_metagraph *mg, yuma_sdk_client *c, char *err, size_t errlen)
{
    json_t *r = yuma_sdk_call(c, "metagraph_get", json_pack("{s:i}", "netuid", mg->netuid), err, errlen);
    if (!r) return false;
    mg->fetches++;
    bool ok = yuma_metagraph_from_json(mg, r, err, errlen);
    json_decref(r);
    return ok;
}

/* Whether an event changes a field of netuid's metagraph. */
static bool touches(const json_t *e, uint16_t netuid)
{
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const json_t *nj = json_object_get(e, "netuid");
    if (!kind) return true; /* unreadable: be safe */
    if (json_is_integer(nj) && json_integer_value(nj) == netuid)
        return strcmp(kind, "set_commitment") != 0 && strcmp(kind, "commit_weights") != 0;
    /* A stake move names its origin subnet; the destination is its value. */
    bool moves = strcmp(kind, "move_stake") == 0 || strcmp(kind, "transfer_stake") == 0 ||
                 strcmp(kind, "swap_stake") == 0;
    const json_t *dest = json_object_get(e, "value");
    if (moves && json_is_integer(dest) && json_integer_value(dest) == netuid) return true;
    /* Root stake is part of each neuron's root_stake. */
    if (json_is_integer(nj) && json_integer_value(nj) == 0) return true;
    return false;
}

/* Scans the events of blocks from..to; *hit when one touches the subnet.
 * *covered is the last block read. */
static bool scan_events(yuma_sdk_client *c, uint16_t netuid, uint64_t from, uint64_t to, bool *hit,
                        uint64_t *covered, char *err, size_t errlen)
{
    *hit = false;
    *covered = from - 1;
    while (!*hit && from <= to) {
        json_t *r = yuma_sdk_call(c, "chain_getEvents",
                                  json_pack("{s:I, s:I, s:i}", "from_height", (json_int_t)from, "to_height",
                                            (json_int_t)to, "limit", 10000),
                                  err, errlen);
        if (!r) return false;
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(r, "events"), i, e) if (touches(e, netuid)) *hit = true;
        uint64_t next;
        bool ok = get_u64(r, "next_from_height", &next) && next > from;
        json_decref(r);
        if (!ok) {
            sdk_msg(err, errlen, "chain_getEvents answered without progress (next_from_height)");
            return false;
        }
        *covered = next - 1;
        from = next;
    }
    return true;
}

bool yuma_metagraph_update(yuma_metagraph *mg, yuma_sdk_client *c, bool *refetched, char *err, size_t errlen)
{
    if (refetched) *refetched = false;
    if (mg->block == 0) {
        if (refetched) *refetched = true;
        return yuma_metagraph_sync(mg, c, err, errlen);
    }
    uint64_t head;
    if (!yuma_sdk_head(c, &head, err, errlen)) return false;
    if (head <= mg->block) return true;
    bool hit = head - mg->block > MAX_EVENT_SPAN;
    uint64_t covered = head;
    if (!hit && !scan_events(c, mg->netuid, mg->block + 1, head, &hit, &covered, err, errlen)) return false;
    if (!hit) {
        mg->block = covered;
        return true;
    }
    if (refetched) *refetched = true;
    return yuma_metagraph_sync(mg, c, err, errlen);
}

const yuma_neuron *yuma_metagraph_find(const yuma_metagraph *mg, const yuma_pubkey *hotkey)
{
    for (size_t i = 0; i < mg->n; i++)
        if (memcmp(mg->neurons[i].hotkey.bytes, hotkey->bytes, 32) == 0) return &mg->neurons[i];
    return NULL;
}
