/*
 * test_hyperloglog.c - HyperLogLog estimates within 3 standard errors of
 * the true distinct count at 10^2 .. 10^7 keys, merge equals union.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "hash.h"
#include "hyperloglog.h"

#define SEED 0x41c64e6d3039ULL

static uint64_t key_hash(uint64_t i)
{
    return hash64(&i, sizeof i, SEED);
}

/* Adds keys 0..10^max_exp-1 and checks the estimate at every power of ten. */
static void check_powers(unsigned p, int max_exp, uint64_t offset)
{
    struct hll *h = hll_new(p);
    cr_assert_not_null(h);
    uint64_t next = 100, added = 0;
    double se = hll_std_error(h);
    for (int e = 2; e <= max_exp; e++) {
        for (; added < next; added++)
            hll_add(h, key_hash(offset + added));
        double est = hll_estimate(h);
        double rel = (est - (double)added) / (double)added;
        cr_assert_leq(fabs(rel), 3 * se,
                      "p %u at %llu distinct: estimate %.0f (%+.2f%%, 3 se %.2f%%)", p,
                      (unsigned long long)added, est, 100 * rel, 300 * se);
        next *= 10;
    }
    hll_free(h);
}

Test(hyperloglog, p14_within_3_standard_errors_up_to_10_million)
{
    check_powers(14, 7, 0);
}

Test(hyperloglog, p10_within_3_standard_errors)
{
    check_powers(10, 6, 1ULL << 40);
}

Test(hyperloglog, p16_within_3_standard_errors)
{
    check_powers(16, 6, 2ULL << 40);
}

/* With few registers a single run is too noisy to test at 3 standard errors
 * (the tail is heavier than normal for m = 16), so check the spread itself:
 * over 400 independent seeds the mean relative error is near 0 and the
 * standard deviation near 1.04/sqrt(m). */
Test(hyperloglog, p6_spread_matches_standard_error)
{
    enum { TRIALS = 400, N = 2000 };
    double sum = 0, sum2 = 0, se = 0;
    for (uint64_t t = 0; t < TRIALS; t++) {
        struct hll *h = hll_new(6);
        se = hll_std_error(h);
        for (uint64_t i = 0; i < N; i++)
            hll_add(h, hash64(&i, sizeof i, t * 7919 + 1));
        double rel = (hll_estimate(h) - N) / N;
        sum += rel;
        sum2 += rel * rel;
        hll_free(h);
    }
    double mean = sum / TRIALS, sd = sqrt(sum2 / TRIALS - mean * mean);
    cr_assert_leq(fabs(mean), 3 * se / sqrt(TRIALS), "mean relative error %.4f", mean);
    cr_assert(sd > 0.8 * se && sd < 1.2 * se, "spread %.4f, standard error %.4f", sd, se);
}

Test(hyperloglog, duplicates_do_not_count)
{
    struct hll *h = hll_new(12);
    for (uint64_t i = 0; i < 5000; i++)
        hll_add(h, key_hash(i));
    double once = hll_estimate(h);
    for (int rep = 0; rep < 3; rep++)
        for (uint64_t i = 0; i < 5000; i++)
            hll_add(h, key_hash(i));
    cr_assert_eq(hll_estimate(h), once);
    hll_free(h);
}

Test(hyperloglog, empty_estimates_zero)
{
    struct hll *h = hll_new(14);
    cr_assert_eq(hll_estimate(h), 0.0);
    hll_add(h, 1);
    hll_clear(h);
    cr_assert_eq(hll_estimate(h), 0.0);
    hll_free(h);
}

Test(hyperloglog, merge_equals_sketch_of_union)
{
    struct hll *a = hll_new(14), *b = hll_new(14), *u = hll_new(14);
    for (uint64_t i = 0; i < 300000; i++) {
        uint64_t hv = key_hash(i);
        if (i < 200000)
            hll_add(a, hv);
        if (i >= 100000)
            hll_add(b, hv);
        hll_add(u, hv);
    }
    cr_assert_eq(hll_merge(a, b), 0);
    cr_assert_eq(hll_estimate(a), hll_estimate(u));
    double rel = fabs(hll_estimate(a) - 300000.0) / 300000.0;
    cr_assert_leq(rel, 3 * hll_std_error(a));
    hll_free(a);
    hll_free(b);
    hll_free(u);
}

Test(hyperloglog, merge_rejects_different_precision)
{
    struct hll *a = hll_new(10), *b = hll_new(11);
    cr_assert_eq(hll_merge(a, b), -1);
    hll_free(a);
    hll_free(b);
}

Test(hyperloglog, extreme_hashes_do_not_overflow_registers)
{
    struct hll *h = hll_new(4);
    hll_add(h, 0);
    hll_add(h, UINT64_MAX);
    hll_add(h, (uint64_t)1 << 63);
    cr_assert_gt(hll_estimate(h), 0.0);
    hll_free(h);
}

Test(hyperloglog, precision_out_of_range_is_rejected)
{
    static const unsigned bad[] = {0, 3, 19, 64, 1000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_null(hll_new(bad[i]), "p %u", bad[i]);
        cr_assert_eq(hll_mem_bytes_for(bad[i]), 0);
    }
    hll_free(NULL);
}

Test(hyperloglog, memory_and_error_are_reported)
{
    struct hll *h = hll_new(14);
    cr_assert_eq(hll_precision(h), 14);
    cr_assert_eq(hll_mem_bytes(h), hll_mem_bytes_for(14));
    cr_assert_geq(hll_mem_bytes(h), 16384);
    cr_assert_lt(hll_mem_bytes(h), 16384 + 64);
    cr_assert_float_eq(hll_std_error(h), 1.04 / 128.0, 1e-12);
    hll_free(h);
}

/* ---- encoding ------------------------------------------------------------ */

#include <string.h>

#include "bytebuf.h"

static struct hll *round_trip(const struct hll *h, size_t *bytes)
{
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(hll_encode(h, &w), 0);
    *bytes = w.len;
    struct hll *d = hll_new(hll_precision(h));
    struct bb_reader r;
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(hll_decode(d, &r), 0);
    cr_assert_eq(bbr_left(&r), 0);
    bbw_free(&w);
    return d;
}

Test(hyperloglog, encoding_is_sparse_while_small_and_round_trips)
{
    static const size_t counts[] = {0, 1, 100, 3000, 100000};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        struct hll *h = hll_new(14);
        for (uint64_t i = 0; i < counts[c]; i++)
            hll_add(h, hash64(&i, sizeof i, SEED));
        size_t bytes;
        struct hll *d = round_trip(h, &bytes);
        cr_assert_eq(hll_estimate(h), hll_estimate(d));
        cr_assert_leq(bytes, 4 + 3 * counts[c]); /* a register and a skip of <= 2 bytes per key */
        cr_assert_leq(bytes, 2 + 16384);
        /* merged after decoding equals merged before */
        cr_assert_eq(hll_merge(d, h), 0);
        cr_assert_eq(hll_estimate(h), hll_estimate(d));
        hll_free(h);
        hll_free(d);
    }
}

Test(hyperloglog, decode_rejects_truncation_foreign_p_and_bad_registers)
{
    struct hll *h = hll_new(4), *d = hll_new(4), *e = hll_new(5);
    for (uint64_t i = 0; i < 40; i++)
        hll_add(h, hash64(&i, sizeof i, SEED));
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(hll_encode(h, &w), 0);
    struct bb_reader r;
    for (size_t len = 0; len < w.len; len++) {
        bbr_init(&r, w.buf, len);
        cr_assert_eq(hll_decode(d, &r), -1, "prefix of %zu bytes accepted", len);
    }
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(hll_decode(e, &r), -1);
    static const struct {
        uint8_t b[20];
        size_t n;
    } rows[] = {
        {{4, 0, 1, 16, 1}, 5}, /* register past the end */
        {{4, 0, 1, 0, 62}, 5}, /* rank above 64 - p + 1 */
        {{4, 0, 1, 0, 0}, 5},  /* sparse register of 0 */
        {{4, 2, 0}, 3},        /* unknown mode */
        {{4, 1, 1, 2, 3}, 5},  /* dense, short */
        {{4, 0, 17}, 3},       /* more registers than 2^p */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bbr_init(&r, rows[i].b, rows[i].n);
        cr_assert_eq(hll_decode(d, &r), -1, "row %zu accepted", i);
    }
    bbw_free(&w);
    hll_free(h);
    hll_free(d);
    hll_free(e);
}
