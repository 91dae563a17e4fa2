/*
 * fuzz_tx.c - libFuzzer target: any bytes through the transaction decoder.
 * Whatever decodes must re-encode to exactly the same bytes (the encoding
 * is canonical: one byte string per transaction), and its id and signature
 * check must run without a sanitizer report.
 */
#include <stdlib.h>
#include <string.h>

#include "yuma/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static yuma_tx tx;
    static uint8_t again[YUMA_TX_MAX_SIZE];
    size_t payload;
    if (yuma_tx_decode(data, size, &tx, &payload) != YUMA_TX_OK) return 0;
    size_t len = yuma_tx_encode(&tx, again, sizeof again);
    if (len != size || memcmp(again, data, size) != 0) abort();
    uint8_t id[32];
    yuma_tx_hash(&tx, id);
    (void)yuma_tx_verify(&tx);
    return 0;
}
