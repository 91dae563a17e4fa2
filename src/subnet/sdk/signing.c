/*
 * signing.c - the signature every axon request carries
 * (include/yuma/axon.h): the text a caller signs and the header value it
 * sends. Kept apart from the server and the client because both use it,
 * and a subnet written in another language implements exactly this.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "subnet/sdk/sdk_internal.h"
#include "yuma/axon.h"

size_t yuma_axon_message(char out[YUMA_AXON_MESSAGE_MAX], const char *method, const char *path, const void *body,
                         size_t body_len, uint64_t nonce, uint64_t timestamp_ms, const yuma_pubkey *axon_hotkey,
                         const yuma_pubkey *caller)
{
    if (!method || !path || strlen(path) > YUMA_AXON_PATH_MAX || strlen(method) > 16) return 0;
    uint8_t hash[32];
    char hash_hex[65], axon[YUMA_SS58_MAX], from[YUMA_SS58_MAX];
    crypto_generichash(hash, sizeof hash, body_len ? body : NULL, body_len, NULL, 0);
    sdk_hex(hash, 32, hash_hex);
    sdk_ss58(axon_hotkey, axon);
    sdk_ss58(caller, from);
    int n = snprintf(out, YUMA_AXON_MESSAGE_MAX, "yuma-axon-v1\n%s\n%s\n%s\n%llu\n%llu\n%s\n%s", method, path,
                     hash_hex, (unsigned long long)nonce, (unsigned long long)timestamp_ms, axon, from);
    return n > 0 && n < YUMA_AXON_MESSAGE_MAX ? (size_t)n : 0;
}

bool yuma_axon_sign(const yuma_keypair *caller, const char *method, const char *path, const void *body,
                    size_t body_len, uint64_t nonce, uint64_t timestamp_ms, const yuma_pubkey *axon_hotkey,
                    char signature_hex[129])
{
    char msg[YUMA_AXON_MESSAGE_MAX];
    size_t len = yuma_axon_message(msg, method, path, body, body_len, nonce, timestamp_ms, axon_hotkey, &caller->pub);
    if (!len) return false;
    uint8_t sig[YUMA_SIGNATURE_BYTES];
    yuma_sign(caller, (const uint8_t *)msg, len, sig);
    sdk_hex(sig, sizeof sig, signature_hex);
    return true;
}
