/*
 * test_count_min.c - Count-Min (conservative update) against exact counts:
 * the estimate never falls below the truth, and the share of keys whose
 * over-estimate exceeds (e/w)N stays within e^-d plus slack, after updates
 * and after merging two halves of a stream.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "count_min.h"
#include "hash.h"

#define SEED 0x0c0ffee0c0ffee00ULL

/* Exact counts of key ids 0..universe-1 (a plain array suffices: the ids
 * are dense). Keys are the ids as 4 bytes. */
struct run {
    uint32_t universe;
    uint64_t *truth;
    uint32_t *id;
    uint64_t *w;
    size_t n;
    uint64_t total;
};

static void run_zipf(struct run *r, size_t n, uint32_t universe, double z, bool weighted,
                     uint64_t seed)
{
    r->universe = universe;
    r->n = n;
    r->truth = calloc(universe, sizeof *r->truth);
    r->id = calloc(n, sizeof *r->id);
    r->w = calloc(n, sizeof *r->w);
    double *cdf = malloc(universe * sizeof *cdf);
    cr_assert(r->truth && r->id && r->w && cdf);
    double acc = 0;
    for (uint32_t i = 0; i < universe; i++) {
        acc += z > 0 ? pow(i + 1.0, -z) : 1.0;
        cdf[i] = acc;
    }
    r->total = 0;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(splitmix64(&seed) >> 11) / 9007199254740992.0 * acc;
        size_t lo = 0, hi = universe - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        r->id[i] = (uint32_t)lo;
        r->w[i] = weighted ? 1 + splitmix64(&seed) % 1500 : 1;
        r->truth[lo] += r->w[i];
        r->total += r->w[i];
    }
    free(cdf);
}

static void run_free(struct run *r)
{
    free(r->truth);
    free(r->id);
    free(r->w);
}

static uint64_t key_hash(uint32_t id)
{
    return hash64(&id, sizeof id, SEED);
}

static void feed(struct cms *c, const struct run *r, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        cms_add(c, key_hash(r->id[i]), r->w[i]);
}

/* Checks every key of the universe (seen or not). */
static void check(const struct cms *c, const struct run *r)
{
    cr_assert_eq(cms_total(c), r->total);
    double bound = exp(1.0) / (double)cms_width(c) * (double)r->total;
    size_t over = 0;
    for (uint32_t id = 0; id < r->universe; id++) {
        uint64_t est = cms_query(c, key_hash(id));
        if (est < r->truth[id])
            cr_assert_fail("key %u: estimate %llu below truth %llu", id, (unsigned long long)est,
                           (unsigned long long)r->truth[id]);
        if ((double)(est - r->truth[id]) > bound)
            over++;
    }
    double share = (double)over / r->universe;
    double allowed = exp(-(double)cms_depth(c)) + 0.01;
    cr_assert_leq(share, allowed, "w %zu d %zu: %.4f of keys over (e/w)N, allowed %.4f",
                  cms_width(c), cms_depth(c), share, allowed);
}

static void check_stream(size_t w, size_t d, double z, bool weighted, uint64_t seed)
{
    struct run r;
    run_zipf(&r, 400000, 50000, z, weighted, seed);
    struct cms *c = cms_new(w, d, SEED);
    cr_assert_not_null(c);
    feed(c, &r, 0, r.n);
    check(c, &r);

    struct cms *a = cms_new(w, d, SEED), *b = cms_new(w, d, SEED);
    feed(a, &r, 0, r.n / 2);
    feed(b, &r, r.n / 2, r.n);
    cr_assert_eq(cms_merge(a, b), 0);
    check(a, &r);

    cms_free(a);
    cms_free(b);
    cms_free(c);
    run_free(&r);
}

Test(count_min, zipf_1_1_estimates_within_bound)
{
    check_stream(1024, 4, 1.1, false, 1);
    check_stream(256, 1, 1.1, false, 2);
    check_stream(512, 2, 1.1, false, 3);
}

Test(count_min, zipf_0_8_estimates_within_bound)
{
    check_stream(2048, 3, 0.8, false, 4);
}

Test(count_min, zipf_1_5_estimates_within_bound)
{
    check_stream(1024, 5, 1.5, false, 5);
}

Test(count_min, uniform_estimates_within_bound)
{
    check_stream(1024, 4, 0.0, false, 6);
    check_stream(4096, 2, 0.0, false, 7);
}

Test(count_min, weighted_estimates_within_bound)
{
    check_stream(1024, 4, 1.1, true, 8);
    check_stream(512, 3, 0.0, true, 9);
}

Test(count_min, unseen_keys_estimate_zero_in_an_empty_sketch)
{
    struct cms *c = cms_new(64, 4, 1);
    cr_assert_eq(cms_query(c, 12345), 0);
    cms_add(c, 12345, 7);
    cr_assert_eq(cms_query(c, 12345), 7);
    cms_clear(c);
    cr_assert_eq(cms_query(c, 12345), 0);
    cr_assert_eq(cms_total(c), 0);
    cms_free(c);
}

Test(count_min, width_is_rounded_up_to_a_power_of_two)
{
    struct cms *c = cms_new(1000, 4, 1);
    cr_assert_eq(cms_width(c), 1024);
    cr_assert_eq(cms_depth(c), 4);
    cr_assert_eq(cms_mem_bytes(c), cms_mem_bytes_for(1000, 4));
    cr_assert_geq(cms_mem_bytes(c), 1024 * 4 * 8);
    cr_assert_lt(cms_mem_bytes(c), 1024 * 4 * 8 + 512);
    cms_free(c);
}

Test(count_min, counters_saturate_instead_of_wrapping)
{
    struct cms *c = cms_new(16, 2, 1);
    cms_add(c, 1, UINT64_MAX - 1);
    cms_add(c, 1, 5);
    cr_assert_eq(cms_query(c, 1), UINT64_MAX);
    cr_assert_eq(cms_merge(c, c), 0);
    cr_assert_eq(cms_query(c, 1), UINT64_MAX);
    cms_free(c);
}

Test(count_min, merge_rejects_mismatched_shapes_or_seeds)
{
    struct cms *a = cms_new(64, 4, 1), *b = cms_new(128, 4, 1), *c = cms_new(64, 3, 1),
               *d = cms_new(64, 4, 2);
    cr_assert_eq(cms_merge(a, b), -1);
    cr_assert_eq(cms_merge(a, c), -1);
    cr_assert_eq(cms_merge(a, d), -1);
    cms_free(a);
    cms_free(b);
    cms_free(c);
    cms_free(d);
}

struct size_row {
    size_t w, d;
};

Test(count_min, bad_or_overflowing_sizes_are_rejected)
{
    static const struct size_row rows[] = {
        {0, 4}, {64, 0}, {64, 17}, {SIZE_MAX, 1}, {SIZE_MAX / 2 + 2, 1}, {(SIZE_MAX >> 4) + 1, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cr_assert_null(cms_new(rows[i].w, rows[i].d, 1), "row %zu", i);
        cr_assert_eq(cms_mem_bytes_for(rows[i].w, rows[i].d), 0, "row %zu", i);
    }
    cms_free(NULL);
}

Test(count_min, add_many_equals_adds_one_by_one)
{
    /* cms_add_many computes each update's cells once, eight updates ahead
     * of its turn; the cells must come out as from cms_add in order, for
     * batches shorter and longer than that distance, at depth 4 (a path
     * of its own, unrolled) and at other depths. */
    static const size_t sizes[] = {0, 1, 7, 8, 9, 300};
    static const size_t depths[] = {4, 1, 3, 5, 16};
    uint64_t state = 17;
    struct cms_update u[300];
    for (size_t di = 0; di < sizeof depths / sizeof depths[0]; di++) {
        for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
            size_t d = depths[di], n = sizes[t];
            struct cms *a = cms_new(64, d, 3), *b = cms_new(64, d, 3);
            cr_assert(a != NULL && b != NULL);
            for (int round = 0; round < 3; round++) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t key = splitmix64(&state) % 500;
                    u[i].hash = hash64(&key, sizeof key, 5);
                    u[i].weight = 1 + splitmix64(&state) % 1000;
                    cms_add(a, u[i].hash, u[i].weight);
                }
                cms_add_many(b, u, n);
            }
            cr_assert_eq(cms_total(a), cms_total(b));
            for (uint64_t key = 0; key < 500; key++) {
                uint64_t h = hash64(&key, sizeof key, 5);
                cr_assert_eq(cms_query(a, h), cms_query(b, h), "depth %zu, batch %zu, key %llu", d,
                             n, (unsigned long long)key);
            }
            cms_free(a);
            cms_free(b);
        }
    }
}

/* ---- encoding ------------------------------------------------------------ */

#include "bytebuf.h"

static void cms_fill(struct cms *c, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t id = splitmix64(&seed) % 5000;
        cms_add(c, hash64(&id, sizeof id, SEED), 1 + id % 7);
    }
}

Test(count_min, encode_decode_round_trip_answers_every_query_alike)
{
    struct cms *a = cms_new(1024, 4, SEED), *b = cms_new(1024, 4, SEED);
    cms_fill(a, 3000, 5);
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(cms_encode(a, &w), 0);
    struct bb_reader r;
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(cms_decode(b, &r), 0);
    cr_assert_eq(bbr_left(&r), 0);
    cr_assert_eq(cms_total(a), cms_total(b));
    for (uint64_t id = 0; id < 6000; id++) {
        uint64_t h = hash64(&id, sizeof id, SEED);
        cr_assert_eq(cms_query(a, h), cms_query(b, h));
    }
    bbw_free(&w);
    cms_free(a);
    cms_free(b);
}

Test(count_min, encoding_is_sized_by_the_cells_set)
{
    struct cms *c = cms_new(1 << 16, 4, SEED);
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(cms_encode(c, &w), 0);
    cr_assert_leq(w.len, 8, "empty sketch of 2^18 cells took %zu bytes", w.len);
    bbw_reset(&w);
    cms_add(c, 12345, 3);
    cr_assert_eq(cms_encode(c, &w), 0);
    cr_assert_leq(w.len, 8 + 4 * (3 + 1), "one update took %zu bytes", w.len);
    bbw_free(&w);
    cms_free(c);
}

Test(count_min, decode_rejects_truncation_foreign_shapes_and_bad_cells)
{
    struct cms *a = cms_new(64, 2, SEED), *b = cms_new(64, 2, SEED), *c = cms_new(128, 2, SEED);
    cms_fill(a, 50, 9);
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(cms_encode(a, &w), 0);
    struct bb_reader r;
    for (size_t len = 0; len < w.len; len++) {
        bbr_init(&r, w.buf, len);
        cr_assert_eq(cms_decode(b, &r), -1, "prefix of %zu bytes accepted", len);
    }
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(cms_decode(c, &r), -1);
    /* rows: w d N z (skip value)...: a cell past the end, a cell of 0, a
     * cell above the total, more cells than the sketch has */
    static const struct {
        uint8_t b[12];
        size_t n;
    } rows[] = {
        {{64, 2, 5, 1, 128, 1, 5}, 7}, {{64, 2, 5, 1, 0, 0}, 6},         {{64, 2, 5, 1, 0, 6}, 6},
        {{64, 2, 5, 0x81, 1}, 5},      {{64, 2, 5, 2, 3, 1, 124, 1}, 8},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bbr_init(&r, rows[i].b, rows[i].n);
        cr_assert_eq(cms_decode(b, &r), -1, "row %zu accepted", i);
        cr_assert_eq(cms_total(b), 0);
    }
    bbw_free(&w);
    cms_free(a);
    cms_free(b);
    cms_free(c);
}
