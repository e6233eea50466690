/*
 * fuzz_decode.c - pkt_decode on arbitrary frames. The first input byte
 * selects the link type (all decoded ones and two that are not), the rest
 * is the frame, handed over with its exact length.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int dlts[] = {1, 113, 276, 0, 108, 9, 50, 12, 14, 101, 228, 229, 105, 127};
    if (size < 1 || size - 1 > UINT32_MAX)
        return 0;
    int dlt = dlts[data[0] % (sizeof dlts / sizeof dlts[0])];
    /* an exact-size copy so that sanitizers see any read past the end */
    uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
    if (frame == NULL)
        return 0;
    memcpy(frame, data + 1, size - 1);
    struct ts_record r;
    (void)pkt_decode(dlt, frame, (uint32_t)(size - 1), &r);
    int offloaded;
    (void)pkt_decode_wire(dlt, frame, (uint32_t)(size - 1), (uint32_t)(size + 100), &r, &offloaded);
    free(frame);
    return 0;
}
