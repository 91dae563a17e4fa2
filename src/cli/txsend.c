/*
 * txsend.c - signing, submitting and following one transaction over
 * JSON-RPC, shared by the chain commands and the devnet: the nonce comes
 * from the node (counting the signer's pending transactions), the fee is
 * the chain's minimum for the encoded size, and with waiting the node's
 * long-poll reports each new block until the transaction is in one.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "yuma/chain.h"
#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/tx.h"

json_t *cli_call(yuma_rpc_client *c, const char *method, json_t *params)
{
    yuma_rpc_client_error err;
    json_t *r = yuma_rpc_client_call(c, method, params, &err);
    json_decref(params);
    if (!r) fprintf(stderr, "yuma: %s\n", err.message);
    return r;
}

static json_t *address_json(const yuma_account *a)
{
    char addr[YUMA_SS58_MAX];
    yuma_pubkey pub;
    memcpy(pub.bytes, a->bytes, 32);
    yuma_ss58_encode(&pub, YUMA_SS58_PREFIX, addr);
    return json_string(addr);
}

static bool hex_decode(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return false;
        out[i] = (uint8_t)v;
    }
    return true;
}

int cli_send(yuma_rpc_client *rc, const yuma_keypair *kp, const yuma_call *c, unsigned flags)
{
    bool wait = !(flags & CLI_NO_WAIT), json = flags & CLI_JSON, quiet = flags & CLI_QUIET;
    yuma_tx *tx = calloc(1, sizeof *tx);
    uint8_t *buf = malloc(YUMA_TX_MAX_ENCODED);
    int rc_status = 1;
    json_t *head = NULL, *acct = NULL, *gen = NULL, *res = NULL;
    if (!rc || !tx || !buf) goto out;
    yuma_account signer;
    memcpy(signer.bytes, kp->pub.bytes, 32);
    if (!(head = cli_call(rc, "chain_head", NULL)) || !(gen = cli_call(rc, "chain_genesis", NULL)) ||
        !(acct = cli_call(rc, "account_get", json_pack("{s:o}", "address", address_json(&signer)))))
        goto out;
    tx->chain_id = (uint64_t)json_integer_value(json_object_get(head, "chain_id"));
    if (!hex_decode(json_string_value(json_object_get(head, "genesis_hash")), tx->genesis_hash, 32)) goto out;
    tx->signer = signer;
    tx->nonce = (uint64_t)json_integer_value(json_object_get(acct, "next_nonce"));
    tx->call = *c;
    json_t *params = json_object_get(gen, "params");
    uint64_t min_fee = (uint64_t)json_integer_value(json_object_get(params, "min_fee"));
    uint64_t per_byte = (uint64_t)json_integer_value(json_object_get(params, "fee_per_byte"));
    tx->fee = min_fee + per_byte * yuma_tx_encoded_size(tx);
    if (!yuma_tx_sign(tx, kp->secret)) {
        fprintf(stderr, "yuma: the call cannot be encoded (check its arguments)\n");
        goto out;
    }
    size_t len = yuma_tx_encode(tx, buf, YUMA_TX_MAX_ENCODED);
    char *hex = malloc(2 * len + 1);
    for (size_t i = 0; hex && i < len; i++) sprintf(hex + 2 * i, "%02x", buf[i]);
    res = hex ? cli_call(rc, "tx_submit", json_pack("{s:s}", "tx", hex)) : NULL;
    free(hex);
    if (!res) goto out;
    const char *id = json_string_value(json_object_get(res, "id"));
    if (!wait) {
        if (json) printf("{\"id\":\"%s\",\"status\":\"pending\"}\n", id);
        else if (!quiet) printf("submitted %s (fee %llu rao)\n", id, (unsigned long long)tx->fee);
        rc_status = 0;
        goto out;
    }
    /* Follow new blocks until the transaction is in one. */
    for (int tries = 0; tries < 120; tries++) {
        json_t *st = cli_call(rc, "tx_status", json_pack("{s:s}", "id", id));
        if (!st) goto out;
        const char *s = json_string_value(json_object_get(st, "status"));
        if (s && strcmp(s, "included") == 0) {
            bool ok = json_is_true(json_object_get(st, "ok"));
            if (json) {
                json_object_set_new(st, "id", json_string(id));
                char *text = json_dumps(st, JSON_COMPACT);
                printf("%s\n", text);
                free(text);
            } else if (ok && !quiet) {
                printf("included in block %lld (%s)\n", (long long)json_integer_value(json_object_get(st, "height")), id);
            } else if (!ok) {
                long long height = (long long)json_integer_value(json_object_get(st, "height"));
                json_t *retry = json_object_get(st, "retry_at_block");
                FILE *out = quiet ? stderr : stdout;
                fprintf(out, "included in block %lld but failed: %s (the fee was paid)", height,
                        json_string_value(json_object_get(st, "result")));
                /* A rate limit: say when it clears, so the fix is plain. */
                if (json_is_integer(retry))
                    fprintf(out, "; it clears at block %lld (%lld blocks after this one): send it again then",
                            (long long)json_integer_value(retry), (long long)json_integer_value(retry) - height);
                fputc('\n', out);
            }
            rc_status = ok ? 0 : 1;
            json_decref(st);
            goto out;
        }
        json_decref(st);
        uint64_t h = 0;
        bool timed_out;
        yuma_rpc_client_error werr;
        uint64_t now = (uint64_t)json_integer_value(json_object_get(head, "height"));
        yuma_rpc_client_wait_block(rc, now + (uint64_t)tries, 15000, &h, &timed_out, &werr);
    }
    fprintf(stderr, "yuma: transaction %s was not included in time; check it later with 'yuma tx %s'\n", id, id);
out:
    json_decref(head);
    json_decref(gen);
    json_decref(acct);
    json_decref(res);
    free(tx);
    free(buf);
    return rc_status;
}

