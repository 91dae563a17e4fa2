/*
 * axon_callers.c - who may call an axon, and how often: the registered
 * callers (a sorted snapshot of the metagraph, searched by hotkey) and,
 * per caller, the last accepted nonce and a token bucket, in an
 * open-addressing table keyed by a keyed hash of the hotkey (keyed, so
 * callers cannot choose keys that collide).
 *
 * The table holds at most max callers. A caller can be forgotten once its
 * bucket is full again and its last accepted timestamp is older than the
 * freshness window: every request it ever made is then refused as stale,
 * so forgetting its nonce cannot let a replay through. When the table is
 * full of callers that cannot be forgotten, a new caller is told to come
 * back later (503) rather than evicting anyone's replay protection.
 */
#include <stdlib.h>
#include <string.h>

#include "subnet/sdk/axon_internal.h"
#include "subnet/sdk/sdk_internal.h"

static int by_key(const void *a, const void *b)
{
    return memcmp(((const caller_info *)a)->key.bytes, ((const caller_info *)b)->key.bytes, 32);
}

bool callers_init(axon_callers *c, size_t max, double rate, double burst, uint64_t freshness_ms)
{
    memset(c, 0, sizeof *c);
    c->max = max;
    c->cap = 16;
    while (c->cap < 2 * max) c->cap *= 2;
    c->slot = calloc(c->cap, sizeof *c->slot);
    c->rate = rate;
    c->burst = burst;
    c->freshness_ms = freshness_ms;
    randombytes_buf(c->sipkey, sizeof c->sipkey);
    pthread_mutex_init(&c->mu, NULL);
    return c->slot != NULL;
}

void callers_free(axon_callers *c)
{
    free(c->reg);
    free(c->slot);
    pthread_mutex_destroy(&c->mu);
    memset(c, 0, sizeof *c);
}

void callers_set(axon_callers *c, const yuma_metagraph *mg)
{
    caller_info *reg = calloc(mg->n ? mg->n : 1, sizeof *reg);
    if (!reg) return; /* keep the previous snapshot rather than none */
    for (size_t i = 0; i < mg->n; i++) {
        const yuma_neuron *nr = &mg->neurons[i];
        reg[i] = (caller_info){.key = nr->hotkey, .uid = nr->uid, .stake = nr->stake, .permit = nr->validator_permit};
    }
    qsort(reg, mg->n, sizeof *reg, by_key);
    pthread_mutex_lock(&c->mu);
    caller_info *old = c->reg;
    c->reg = reg;
    c->nreg = mg->n;
    pthread_mutex_unlock(&c->mu);
    free(old);
}

bool callers_lookup(axon_callers *c, const yuma_pubkey *key, caller_info *out)
{
    caller_info probe = {.key = *key};
    pthread_mutex_lock(&c->mu);
    const caller_info *hit = c->nreg ? bsearch(&probe, c->reg, c->nreg, sizeof *c->reg, by_key) : NULL;
    if (hit) *out = *hit;
    pthread_mutex_unlock(&c->mu);
    return hit != NULL;
}

static size_t home(const axon_callers *c, const yuma_pubkey *key)
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key->bytes, 32, c->sipkey);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)v & (c->cap - 1);
}

static double refilled(const axon_callers *c, const caller_state *s, uint64_t now_us)
{
    double t = s->tokens + (double)(now_us - s->refill_us) / 1e6 * c->rate;
    return t > c->burst ? c->burst : t;
}

static bool forgettable(const axon_callers *c, const caller_state *s, uint64_t now_ms, uint64_t now_us)
{
    return s->last_ts_ms + c->freshness_ms < now_ms && refilled(c, s, now_us) >= c->burst;
}

/* Rebuilds the table without the callers that can be forgotten. */
static void sweep(axon_callers *c, uint64_t now_ms, uint64_t now_us)
{
    caller_state *old = c->slot;
    caller_state *fresh = calloc(c->cap, sizeof *fresh);
    if (!fresh) return;
    c->slot = fresh;
    c->n = 0;
    for (size_t i = 0; i < c->cap; i++) {
        if (!old[i].used || forgettable(c, &old[i], now_ms, now_us)) continue;
        size_t j = home(c, &old[i].key);
        while (c->slot[j].used) j = (j + 1) & (c->cap - 1);
        c->slot[j] = old[i];
        c->n++;
    }
    free(old);
}

static caller_state *find_or_add(axon_callers *c, const yuma_pubkey *key, uint64_t now_ms, uint64_t now_us)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t i = home(c, key);
        while (c->slot[i].used) {
            if (memcmp(c->slot[i].key.bytes, key->bytes, 32) == 0) return &c->slot[i];
            i = (i + 1) & (c->cap - 1);
        }
        if (c->n < c->max) {
            caller_state *s = &c->slot[i];
            *s = (caller_state){.key = *key, .used = true, .tokens = c->burst, .refill_us = now_us};
            c->n++;
            return s;
        }
        if (pass == 0) sweep(c, now_ms, now_us);
    }
    return NULL;
}

admit_result callers_admit(axon_callers *c, const yuma_pubkey *key, uint64_t nonce, uint64_t ts_ms, uint64_t now_ms,
                           uint64_t *last, uint64_t *retry_ms)
{
    uint64_t now_us = sdk_mono_us();
    admit_result out = ADMIT_OK;
    pthread_mutex_lock(&c->mu);
    caller_state *s = find_or_add(c, key, now_ms, now_us);
    if (!s) {
        out = ADMIT_BUSY;
    } else if (nonce <= s->last_nonce) { /* nonces start at 1 */
        *last = s->last_nonce;
        out = ADMIT_REPLAYED;
    } else {
        s->tokens = refilled(c, s, now_us);
        s->refill_us = now_us;
        if (s->tokens < 1.0) {
            *retry_ms = (uint64_t)((1.0 - s->tokens) / c->rate * 1000.0) + 1;
            out = ADMIT_RATE_LIMITED;
        } else {
            s->tokens -= 1.0;
            s->last_nonce = nonce;
            s->last_ts_ms = ts_ms;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return out;
}
