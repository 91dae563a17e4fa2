/*
 * sdk_internal.h - small helpers the SDK's files share (hex, clocks,
 * SS58 of a raw key, bounded formatting). Not part of the public API.
 */
#ifndef YUMA_SDK_INTERNAL_H
#define YUMA_SDK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yuma/keys.h"

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void sdk_hex(const uint8_t *b, size_t n, char *out);
/* Exactly 2n hex digits (either case) into out; false otherwise. */
bool sdk_unhex(const char *s, uint8_t *out, size_t n);

/* Milliseconds since the Unix epoch (wall clock: request timestamps). */
uint64_t sdk_wall_ms(void);
/* Microseconds of a monotonic clock (latencies, token buckets). */
uint64_t sdk_mono_us(void);
void sdk_sleep_ms(long ms);

/* SS58 (prefix 42) of a public key. */
void sdk_ss58(const yuma_pubkey *pub, char out[YUMA_SS58_MAX]);
/* A prefix-42 SS58 address into a key; false (with a message) otherwise. */
bool sdk_parse_ss58(const char *s, yuma_pubkey *out, char *err, size_t errlen);

/* snprintf into a fixed buffer that never fails on truncation warnings. */
void sdk_msg(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
