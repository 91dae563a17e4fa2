/*
 * util.c - the SDK's shared helpers (sdk_internal.h): hex, clocks, SS58
 * of raw keys and bounded messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "subnet/sdk/sdk_internal.h"

void sdk_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool sdk_unhex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

uint64_t sdk_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t sdk_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void sdk_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) continue;
}

void sdk_ss58(const yuma_pubkey *pub, char out[YUMA_SS58_MAX])
{
    yuma_ss58_encode(pub, YUMA_SS58_PREFIX, out);
}

bool sdk_parse_ss58(const char *s, yuma_pubkey *out, char *err, size_t errlen)
{
    uint16_t prefix;
    char why[160];
    if (!s || yuma_ss58_decode(s, out, &prefix, why, sizeof why) != YUMA_KEYS_OK) {
        sdk_msg(err, errlen, "\"%.64s\" is not an SS58 address: %s", s ? s : "", s ? why : "missing");
        return false;
    }
    if (prefix != YUMA_SS58_PREFIX) {
        sdk_msg(err, errlen, "\"%.64s\" has SS58 prefix %u; yuma addresses use %u", s, prefix, YUMA_SS58_PREFIX);
        return false;
    }
    return true;
}

void sdk_msg(char *out, size_t len, const char *fmt, ...)
{
    if (!out || !len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
}
