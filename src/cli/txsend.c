/*
 * txsend.c - one transaction from the command line: the subnet SDK's
 * client signs, submits and follows it (include/yuma/sdk_client.h: the
 * nonce from the node, the chain's minimum fee, the node's long poll until
 * it is in a block); this file prints the outcome for people or as JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "yuma/chain.h"
#include "yuma/keys.h"
#include "yuma/rpc_client.h"
#include "yuma/sdk_client.h"
#include "yuma/tx.h"

json_t *cli_call(yuma_rpc_client *c, const char *method, json_t *params)
{
    yuma_rpc_client_error err;
    json_t *r = yuma_rpc_client_call(c, method, params, &err);
    json_decref(params);
    if (!r) fprintf(stderr, "yuma: %s\n", err.message);
    return r;
}

int cli_send(yuma_rpc_client *rc, const yuma_keypair *kp, const yuma_call *c, unsigned flags)
{
    bool wait = !(flags & CLI_NO_WAIT), json = flags & CLI_JSON, quiet = flags & CLI_QUIET;
    yuma_sdk_client *sdk = yuma_sdk_client_wrap(rc, 120);
    if (!sdk) return 1;
    yuma_sdk_tx_result r;
    bool ok = yuma_sdk_send(sdk, kp, c, wait, &r);
    yuma_sdk_client_free(sdk);
    bool included = r.outcome == YUMA_SDK_OK || r.outcome == YUMA_SDK_FAILED;
    if (json && (included || r.outcome == YUMA_SDK_PENDING)) {
        json_t *out = r.outcome == YUMA_SDK_PENDING
                          ? json_pack("{s:s, s:s}", "id", r.id, "status", "pending")
                          : json_pack("{s:s, s:I, s:I, s:b, s:s}", "status", "included", "height",
                                      (json_int_t)r.height, "index", (json_int_t)r.index, "ok", ok, "result",
                                      r.result);
        if (out && r.retry_at_block) json_object_set_new(out, "retry_at_block", json_integer((json_int_t)r.retry_at_block));
        if (out && included) json_object_set_new(out, "id", json_string(r.id));
        char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
        if (text) printf("%s\n", text);
        free(text);
        json_decref(out);
    } else if (r.outcome == YUMA_SDK_FAILED) {
        /* A rate limit says when it clears (the SDK's message), so the fix is plain. */
        fprintf(quiet ? stderr : stdout, "%s\n", r.message);
    } else if (ok && !quiet) {
        printf("%s\n", r.message);
    } else if (!ok) {
        fprintf(stderr, "yuma: %s\n", r.message);
    }
    return ok ? 0 : 1;
}
