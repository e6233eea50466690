/*
 * fuzz_summary_file.c - the input bytes as a summary file, read with the
 * reader's limits set low: every summary it hands out is queried (top
 * lists and bounds, lower <= upper), encoded, decoded and encoded again to
 * the same bytes, and folded into one result per role, as a merge of
 * files does. A refused file always says why. The corpus holds files
 * written by sf_writer from small seeded streams, with cut and damaged
 * variants, and one written by a live capture (capture counters).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "summary_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEED 0x5eedf00dULL

static void query(const struct summary *s)
{
    struct ss_entry e[8];
    for (int col = 0; col < COL_COUNT; col++) {
        size_t n = summary_top(s, col, e, 8);
        for (size_t i = 0; i < n; i++) {
            uint64_t lo, hi;
            summary_bounds(s, col, &e[i], &lo, &hi);
            if (lo > hi || hi > e[i].count)
                __builtin_trap();
        }
    }
    (void)summary_distinct(s, true);
}

/* encode -> decode -> encode gives the same bytes */
static void round_trip(struct summary *s)
{
    struct bb_writer a, b;
    bbw_init(&a, SIZE_MAX);
    bbw_init(&b, SIZE_MAX);
    if (summary_encode(s, &a) != 0)
        __builtin_trap();
    struct summary *d = summary_new(summary_sizes_of(s), SEED);
    struct bb_reader r;
    bbr_init(&r, a.buf, a.len);
    if (d == NULL || summary_decode(d, &r, true) != 0 || bbr_left(&r) != 0 ||
        summary_encode(d, &b) != 0 || a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
        __builtin_trap();
    summary_free(d);
    bbw_free(&a);
    bbw_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "rb");
    if (in == NULL)
        return 0;
    struct sf_limits lim = {1u << 20, 8u << 20, 256};
    struct ts_err err;
    ts_err_clear(&err);
    struct sf_reader *r = sf_reader_new(in, SEED, &lim, &err);
    if (r == NULL) {
        if (err.code == 0 || err.msg[0] == '\0')
            __builtin_trap();
        fclose(in);
        return 0;
    }
    struct summary *acc[5] = {NULL};
    struct sf_item it;
    int rc;
    while ((rc = sf_reader_next(r, &it, &err)) == 1) {
        /* an interval's start, and a capture's: a time the stores can number */
        if (!(it.start >= -SF_START_MAX && it.start <= SF_START_MAX))
            __builtin_trap();
        if (it.kind == SF_ITEM_CAPTURE)
            continue;
        if (it.kind != SF_ITEM_SUMMARY) {
            for (size_t i = 0; i < it.pairs.n; i++)
                if (it.pairs.pair[i].alen > 255 || it.pairs.pair[i].blen > 255)
                    __builtin_trap();
            continue;
        }
        query(it.summary);
        round_trip(it.summary);
        struct summary **a = &acc[it.role];
        if (*a == NULL)
            *a = summary_new(summary_sizes_of(it.summary), SEED);
        if (*a == NULL || summary_merge(*a, it.summary) != 0)
            __builtin_trap();
        query(*a);
    }
    if (rc < 0 && (err.code == 0 || err.msg[0] == '\0'))
        __builtin_trap();
    for (int i = 0; i < 5; i++)
        summary_free(acc[i]);
    sf_reader_free(r);
    fclose(in);
    return 0;
}
