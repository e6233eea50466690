/*
 * test_space_saving.c - Space-Saving against exact counts on seeded streams.
 *
 * Every stream is checked at ten checkpoints while it is fed and again after
 * a split-and-merge: each reported interval [c - e, c] contains the true
 * count, counts sum to N (at most N after a merge), min count <= N/k, every
 * key above N/k is monitored, and the top list is ordered correctly wherever
 * intervals separate (exactly, ties included, while nothing was evicted).
 * The same streams run again through sketches with an admission filter
 * (ss_new_filtered), whose counts sum to at most N and whose filter cell
 * bounds every key not monitored.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "space_saving.h"

#define SEED 0x5eed5eed12345678ULL

/* ---- deterministic random numbers (splitmix64) ------------------------- */

static uint64_t rng_below(uint64_t *state, uint64_t n)
{
    return splitmix64(state) % n;
}

static double rng_unit(uint64_t *state)
{
    return (double)(splitmix64(state) >> 11) / 9007199254740992.0;
}

/* ---- streams of 32-bit key ids with weights ---------------------------- */

struct stream {
    uint32_t *id;
    uint64_t *w;
    size_t n;
};

static struct stream stream_alloc(size_t n)
{
    struct stream s = {calloc(n, sizeof(uint32_t)), calloc(n, sizeof(uint64_t)), n};
    cr_assert(s.id != NULL && s.w != NULL);
    for (size_t i = 0; i < n; i++)
        s.w[i] = 1;
    return s;
}

static void stream_free(struct stream *s)
{
    free(s->id);
    free(s->w);
}

static void stream_weights(struct stream *s, uint64_t seed)
{
    for (size_t i = 0; i < s->n; i++)
        s->w[i] = 1 + rng_below(&seed, 1500);
}

static void stream_shuffle(struct stream *s, uint64_t seed)
{
    for (size_t i = s->n; i > 1; i--) {
        size_t j = (size_t)rng_below(&seed, i);
        uint32_t t = s->id[i - 1];
        s->id[i - 1] = s->id[j];
        s->id[j] = t;
    }
}

static struct stream stream_uniform(size_t n, uint32_t universe, uint64_t seed)
{
    struct stream s = stream_alloc(n);
    for (size_t i = 0; i < n; i++)
        s.id[i] = (uint32_t)rng_below(&seed, universe);
    return s;
}

/* Zipf over ranks 1..universe with exponent z: P(rank r) ~ r^-z. Ids are
 * scrambled so that rank order differs from key order. */
static struct stream stream_zipf(size_t n, uint32_t universe, double z, uint64_t seed)
{
    struct stream s = stream_alloc(n);
    double *cdf = malloc(universe * sizeof *cdf);
    cr_assert(cdf != NULL);
    double acc = 0;
    for (uint32_t r = 0; r < universe; r++) {
        acc += pow((double)r + 1.0, -z);
        cdf[r] = acc;
    }
    for (size_t i = 0; i < n; i++) {
        double u = rng_unit(&seed) * acc;
        size_t lo = 0, hi = universe - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        s.id[i] = (uint32_t)(lo * 2654435761u);
    }
    free(cdf);
    return s;
}

static struct stream stream_distinct(size_t n, uint64_t seed)
{
    struct stream s = stream_alloc(n);
    for (size_t i = 0; i < n; i++)
        s.id[i] = (uint32_t)i;
    stream_shuffle(&s, seed);
    return s;
}

/* One key (id 0xffffffff) with `heavy` occurrences among `oneoffs` keys seen
 * once, shuffled. */
static struct stream stream_heavy(size_t oneoffs, size_t heavy, uint64_t seed)
{
    struct stream s = stream_alloc(oneoffs + heavy);
    for (size_t i = 0; i < oneoffs; i++)
        s.id[i] = (uint32_t)i;
    for (size_t i = 0; i < heavy; i++)
        s.id[oneoffs + i] = 0xffffffffu;
    stream_shuffle(&s, seed);
    return s;
}

/* `keys` keys each seen exactly `times` times, shuffled: all counts tie. */
static struct stream stream_ties(uint32_t keys, size_t times, uint64_t seed)
{
    struct stream s = stream_alloc((size_t)keys * times);
    for (size_t i = 0; i < s.n; i++)
        s.id[i] = (uint32_t)(i % keys) * 7919u;
    stream_shuffle(&s, seed);
    return s;
}

/* ---- exact counts: open addressing on the id -------------------------- */

struct exact {
    uint32_t *id;
    uint64_t *count; /* 0: empty */
    size_t mask;
    size_t used;
};

static void exact_init(struct exact *x, size_t expect)
{
    size_t cap = 16;
    while (cap < 2 * expect)
        cap *= 2;
    x->id = calloc(cap, sizeof *x->id);
    x->count = calloc(cap, sizeof *x->count);
    cr_assert(x->id != NULL && x->count != NULL);
    x->mask = cap - 1;
    x->used = 0;
}

static void exact_free(struct exact *x)
{
    free(x->id);
    free(x->count);
}

static size_t exact_pos(const struct exact *x, uint32_t id)
{
    size_t pos = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & x->mask;
    while (x->count[pos] != 0 && x->id[pos] != id)
        pos = (pos + 1) & x->mask;
    return pos;
}

static void exact_add(struct exact *x, uint32_t id, uint64_t w)
{
    size_t pos = exact_pos(x, id);
    if (x->count[pos] == 0) {
        x->id[pos] = id;
        x->used++;
        cr_assert(x->used * 2 <= x->mask + 1, "exact map too small");
    }
    x->count[pos] += w;
}

static uint64_t exact_get(const struct exact *x, uint32_t id)
{
    return x->count[exact_pos(x, id)];
}

/* ---- keys ---------------------------------------------------------------- */

static void key_of(uint32_t id, uint8_t out[4])
{
    out[0] = (uint8_t)(id >> 24);
    out[1] = (uint8_t)(id >> 16);
    out[2] = (uint8_t)(id >> 8);
    out[3] = (uint8_t)id;
}

static uint32_t id_of(const uint8_t *key)
{
    return ((uint32_t)key[0] << 24) | ((uint32_t)key[1] << 16) | ((uint32_t)key[2] << 8) | key[3];
}

static void feed(struct ss *s, struct exact *x, const struct stream *st, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        uint8_t key[4];
        key_of(st->id[i], key);
        ss_add(s, key, 4, hash64(key, 4, SEED), st->w[i]);
        if (x != NULL)
            exact_add(x, st->id[i], st->w[i]);
    }
}

/* ---- the invariants ------------------------------------------------------ */

/* Filter cells of the sketches run_split makes: 0 (plain Space-Saving), or
 * set by the filtered tests. */
static size_t filter_cells;

static struct ss *new_sketch(size_t k)
{
    return ss_new_filtered(k, 4, filter_cells);
}

static int entry_order(const void *pa, const void *pb)
{
    const struct ss_entry *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return -memcmp(a->key, b->key, 4); /* all keys here are 4 bytes */
}

static void check(const struct ss *s, const struct exact *x, bool merged)
{
    uint64_t n = ss_total(s);
    size_t k = ss_capacity(s), size = ss_size(s);
    struct ss_entry *all = calloc(size + 1, sizeof *all);
    cr_assert(all != NULL);
    cr_assert_eq(ss_top(s, all, size), size);

    /* intervals contain the truth; sums */
    uint64_t sum = 0;
    for (size_t i = 0; i < size; i++) {
        uint64_t truth = exact_get(x, id_of(all[i].key));
        sum += all[i].count;
        if (!(all[i].count - all[i].error <= truth && truth <= all[i].count))
            cr_assert_fail("key %u: true %llu outside [%llu, %llu]", id_of(all[i].key),
                           (unsigned long long)truth,
                           (unsigned long long)(all[i].count - all[i].error),
                           (unsigned long long)all[i].count);
        if (i > 0 && entry_order(&all[i - 1], &all[i]) > 0)
            cr_assert_fail("ss_top out of order at %zu", i);
    }
    if (merged || filter_cells != 0)
        cr_assert_leq(sum, n, "counts sum %llu > N %llu", (unsigned long long)sum,
                      (unsigned long long)n);
    else
        cr_assert_eq(sum, n, "counts sum %llu != N %llu", (unsigned long long)sum,
                     (unsigned long long)n);
    uint64_t min = ss_min_count(s);
    cr_assert_leq(min * k, n, "min count %llu > N/k", (unsigned long long)min);
    if (size == k)
        cr_assert_eq(min, all[size - 1].count);

    /* every key above N/k is monitored, and top-20 misses nobody above its
     * last upper bound */
    size_t top = size < 20 ? size : 20;
    uint64_t last_upper = top > 0 ? all[top - 1].count : 0;
    for (size_t pos = 0; pos <= x->mask; pos++) {
        uint64_t truth = x->count[pos];
        if (truth == 0)
            continue;
        uint8_t key[4];
        key_of(x->id[pos], key);
        bool present = ss_query(s, key, 4, hash64(key, 4, SEED), NULL);
        if (truth * k > n && !present)
            cr_assert_fail("key %u with true count %llu > N/k not monitored", x->id[pos],
                           (unsigned long long)truth);
        if (!present && truth > min)
            cr_assert_fail("unmonitored key %u above min count", x->id[pos]);
        if (!present && truth > ss_filter_bound(s, hash64(key, 4, SEED)) && filter_cells != 0)
            cr_assert_fail("unmonitored key %u (true %llu) above its filter cell %llu",
                           x->id[pos], (unsigned long long)truth,
                           (unsigned long long)ss_filter_bound(s, hash64(key, 4, SEED)));
        if (ss_filter_bound(s, hash64(key, 4, SEED)) > min && size == k)
            cr_assert_fail("filter cell of key %u above the min count", x->id[pos]);
        if (top > 0 && truth > last_upper) {
            bool listed = false;
            for (size_t i = 0; i < top; i++)
                listed |= id_of(all[i].key) == x->id[pos];
            if (!listed)
                cr_assert_fail("key %u (true %llu) missing from top %zu", x->id[pos],
                               (unsigned long long)truth, top);
        }
    }

    /* separated intervals are in true order */
    for (size_t i = 0; i < top; i++)
        for (size_t j = i + 1; j < top; j++)
            if (all[i].count - all[i].error > all[j].count)
                cr_assert_gt(exact_get(x, id_of(all[i].key)), exact_get(x, id_of(all[j].key)));

    /* exact mode: identical to the exact table, ties by key descending */
    if (!ss_has_evicted(s)) {
        cr_assert_eq(size, x->used);
        struct ss_entry *want = calloc(x->used + 1, sizeof *want);
        uint8_t(*keys)[4] = calloc(x->used + 1, 4);
        cr_assert(want != NULL && keys != NULL);
        size_t m = 0;
        for (size_t pos = 0; pos <= x->mask; pos++) {
            if (x->count[pos] == 0)
                continue;
            key_of(x->id[pos], keys[m]);
            want[m] = (struct ss_entry){keys[m], 4, x->count[pos], 0};
            m++;
        }
        qsort(want, m, sizeof *want, entry_order);
        for (size_t i = 0; i < m; i++) {
            cr_assert_eq(all[i].error, 0);
            cr_assert_eq(all[i].count, want[i].count);
            cr_assert_eq(memcmp(all[i].key, want[i].key, 4), 0, "exact order differs at %zu", i);
        }
        free(want);
        free(keys);
    }
    free(all);
}

/* Feeds the stream with checks at ten checkpoints, then splits it in two
 * halves, sketches each and checks the merge against the whole. */
static void run_split(struct stream *st, size_t k, size_t distinct_hint, size_t split)
{
    struct exact x;
    exact_init(&x, distinct_hint);
    struct ss *s = new_sketch(k);
    cr_assert(s != NULL);
    for (int part = 0; part < 10; part++) {
        feed(s, &x, st, st->n * part / 10, st->n * (part + 1) / 10);
        check(s, &x, false);
    }

    struct ss *a = new_sketch(k), *b = new_sketch(k);
    cr_assert(a != NULL && b != NULL);
    feed(a, NULL, st, 0, split);
    feed(b, NULL, st, split, st->n);
    cr_assert_eq(ss_merge(a, b), 0);
    check(a, &x, true);
    cr_assert_eq(ss_total(a), ss_total(s));

    /* and the other way round, into a fresh sketch */
    ss_clear(s);
    cr_assert_eq(ss_merge(s, b), 0);
    struct ss *c = new_sketch(k);
    feed(c, NULL, st, 0, split);
    cr_assert_eq(ss_merge(s, c), 0);
    check(s, &x, true);

    ss_free(a);
    ss_free(b);
    ss_free(c);
    ss_free(s);
    exact_free(&x);
}

static void run(struct stream *st, size_t k, size_t distinct_hint)
{
    run_split(st, k, distinct_hint, st->n / 3);
}

/* The heavy key of stream_heavy (id 0xffffffff, heavy times) ranks first
 * in a sketch of k counters, within its bounds. */
static void heavy_key_on_top(const struct stream *st, size_t k, uint64_t heavy)
{
    struct ss *s = new_sketch(k);
    cr_assert(s != NULL);
    feed(s, NULL, st, 0, st->n);
    struct ss_entry top;
    cr_assert_eq(ss_top(s, &top, 1), 1);
    cr_assert_eq(id_of(top.key), 0xffffffffu);
    cr_assert_geq(top.count, heavy);
    cr_assert_leq(top.count - top.error, heavy);
    ss_free(s);
}

/* ---- the streams ------------------------------------------------------- */

Test(space_saving, uniform_bounds_contain_true_count)
{
    struct stream st = stream_uniform(300000, 20000, 1);
    run(&st, 100, 20000);
    stream_free(&st);
}

Test(space_saving, zipf_0_8_bounds_contain_true_count)
{
    struct stream st = stream_zipf(300000, 100000, 0.8, 2);
    run(&st, 200, 100000);
    stream_free(&st);
}

Test(space_saving, zipf_1_1_bounds_contain_true_count)
{
    struct stream st = stream_zipf(300000, 100000, 1.1, 3);
    run(&st, 200, 100000);
    stream_free(&st);
}

Test(space_saving, zipf_1_5_bounds_contain_true_count)
{
    struct stream st = stream_zipf(300000, 100000, 1.5, 4);
    run(&st, 100, 100000);
    stream_free(&st);
}

Test(space_saving, zipf_weighted_by_packet_bytes)
{
    struct stream st = stream_zipf(300000, 100000, 1.1, 5);
    stream_weights(&st, 55);
    run(&st, 200, 100000);
    stream_free(&st);
}

Test(space_saving, uniform_weighted_by_packet_bytes)
{
    struct stream st = stream_uniform(200000, 5000, 6);
    stream_weights(&st, 66);
    run(&st, 500, 5000);
    stream_free(&st);
}

Test(space_saving, all_distinct_keys)
{
    struct stream st = stream_distinct(200000, 7);
    run(&st, 256, 200000);
    stream_free(&st);
}

Test(space_saving, heavy_key_among_a_million_one_offs_is_found)
{
    struct stream st = stream_heavy(1000000, 20000, 8);
    run(&st, 1024, 1000001);
    heavy_key_on_top(&st, 1024, 20000);
    stream_free(&st);
}

Test(space_saving, many_ties_with_evictions)
{
    struct stream st = stream_ties(5000, 20, 9);
    run(&st, 100, 5000);
    stream_free(&st);
}

Test(space_saving, ties_without_eviction_are_exact_and_ordered_by_key)
{
    struct stream st = stream_ties(3000, 5, 10);
    run(&st, 4096, 3000);
    stream_free(&st);
}

Test(space_saving, small_k_exact_until_full)
{
    struct stream st = stream_uniform(50000, 64, 11);
    run(&st, 64, 64);
    run(&st, 65, 64);
    stream_free(&st);
}

Test(space_saving, invariants_hold_after_every_update)
{
    /* Small k and a skewed weighted stream: check after each single
     * update, without and with an admission filter. */
    for (filter_cells = 0; filter_cells <= 8; filter_cells += 8) {
        struct stream st = stream_zipf(4000, 300, 1.0, 16);
        stream_weights(&st, 17);
        struct exact x;
        exact_init(&x, 300);
        struct ss *s = new_sketch(8);
        for (size_t i = 0; i < st.n; i++) {
            feed(s, &x, &st, i, i + 1);
            check(s, &x, false);
        }
        ss_free(s);
        exact_free(&x);
        stream_free(&st);
    }
    filter_cells = 0;
}

/* ---- with an admission filter --------------------------------------------- */

Test(space_saving, filtered_uniform_zipf_and_weighted_bounds_hold)
{
    for (int cells_per_key = 1; cells_per_key <= 4; cells_per_key *= 2) {
        filter_cells = 200 * (size_t)cells_per_key;
        struct stream st = stream_uniform(300000, 20000, 1);
        run(&st, 200, 20000);
        stream_free(&st);
        st = stream_zipf(300000, 100000, 1.1, 3);
        run(&st, 200, 100000);
        stream_free(&st);
        st = stream_zipf(300000, 100000, 0.8, 2);
        stream_weights(&st, 55);
        run(&st, 200, 100000);
        stream_free(&st);
    }
    filter_cells = 0;
}

Test(space_saving, filtered_one_offs_and_a_heavy_key)
{
    filter_cells = 2048;
    struct stream st = stream_distinct(200000, 7);
    run(&st, 1024, 200000);
    stream_free(&st);
    st = stream_heavy(1000000, 20000, 8);
    run(&st, 1024, 1000001);
    heavy_key_on_top(&st, 1024, 20000);
    stream_free(&st);
    filter_cells = 0;
}

/* The filter acts only once the table is full: until then a filtered
 * sketch holds exactly what a plain one holds. */
Test(space_saving, filtered_sketch_equals_plain_until_full)
{
    struct stream st = stream_zipf(50000, 3000, 1.1, 21);
    struct ss *plain = ss_new(4096, 4), *filt = ss_new_filtered(4096, 4, 4096);
    cr_assert(plain != NULL && filt != NULL);
    feed(plain, NULL, &st, 0, st.n);
    feed(filt, NULL, &st, 0, st.n);
    cr_assert_not(ss_has_evicted(filt));
    size_t n = ss_size(plain);
    cr_assert_eq(ss_size(filt), n);
    struct ss_entry *a = calloc(n + 1, sizeof *a), *b = calloc(n + 1, sizeof *b);
    cr_assert(a != NULL && b != NULL);
    cr_assert_eq(ss_top(plain, a, n), n);
    cr_assert_eq(ss_top(filt, b, n), n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(memcmp(a[i].key, b[i].key, 4), 0);
        cr_assert_eq(a[i].count, b[i].count);
        cr_assert_eq(b[i].error, 0);
    }
    cr_assert_eq(ss_mem_bytes(filt), ss_mem_bytes_filtered_for(4096, 4, 4096));
    cr_assert_gt(ss_mem_bytes(filt), ss_mem_bytes(plain));
    free(a);
    free(b);
    ss_free(plain);
    ss_free(filt);
    stream_free(&st);
}

/* With many one-off keys the filter keeps most of them out of the table:
 * far fewer keys pass through it than through a plain sketch. */
Test(space_saving, filter_keeps_one_offs_out)
{
    struct stream st = stream_heavy(200000, 2000, 22);
    struct ss *plain = ss_new(1024, 4), *filt = ss_new_filtered(1024, 4, 2048);
    cr_assert(plain != NULL && filt != NULL);
    size_t ev_plain = 0, ev_filt = 0;
    for (size_t i = 0; i < st.n; i++) {
        uint8_t key[4];
        struct ss_evicted ev;
        key_of(st.id[i], key);
        uint64_t h = hash64(key, 4, SEED);
        ev_plain += ss_add_evict(plain, key, 4, h, st.w[i], &ev);
        ev_filt += ss_add_evict(filt, key, 4, h, st.w[i], &ev);
    }
    cr_assert_lt(ev_filt * 2, ev_plain, "evictions: %zu filtered, %zu plain", ev_filt, ev_plain);
    ss_free(plain);
    ss_free(filt);
    stream_free(&st);
}

Test(space_saving, top_of_empty_or_short_sketch)
{
    struct ss *s = ss_new(4, 4);
    struct ss_entry out[8];
    cr_assert_eq(ss_top(s, out, 8), 0);
    ss_add(s, "abcd", 4, hash64("abcd", 4, SEED), 2);
    cr_assert_eq(ss_top(s, out, 0), 0);
    cr_assert_eq(ss_top(s, out, 8), 1);
    cr_assert_eq(out[0].count, 2);
    cr_assert_eq(ss_size(s), 1);
    cr_assert_eq(ss_capacity(s), 4);
    ss_clear(s);
    cr_assert_eq(ss_size(s), 0);
    cr_assert_eq(ss_total(s), 0);
    cr_assert_not(ss_query(s, "abcd", 4, hash64("abcd", 4, SEED), NULL));
    ss_free(s);
}

Test(space_saving, prefault_leaves_an_empty_usable_sketch)
{
    struct ss *s = ss_new(64, 16);
    ss_add(s, "abcd", 4, hash64("abcd", 4, SEED), 2);
    ss_prefault(s);
    cr_assert_eq(ss_size(s), 0);
    cr_assert_eq(ss_total(s), 0);
    cr_assert_not(ss_has_evicted(s));
    struct exact x;
    exact_init(&x, 200);
    struct stream st = stream_uniform(5000, 200, 18);
    feed(s, &x, &st, 0, st.n);
    check(s, &x, false);
    stream_free(&st);
    exact_free(&x);
    ss_free(s);
}

Test(space_saving, colliding_hashes_keep_keys_apart)
{
    /* Every key gets the same hash: the index must fall back on the key
     * bytes, and backward-shift deletion must keep long clusters intact. */
    struct ss *s = ss_new(16, 4);
    struct exact x;
    exact_init(&x, 64);
    uint64_t state = 12;
    for (size_t i = 0; i < 20000; i++) {
        uint32_t id = (uint32_t)rng_below(&state, 40);
        uint8_t key[4];
        key_of(id, key);
        ss_add(s, key, 4, (i & 1) ? 42 : id & 3, 1);
        exact_add(&x, id, 1);
        if (i % 1000 == 999) {
            cr_assert_eq(ss_total(s), i + 1);
            struct ss_entry all[16];
            size_t n = ss_top(s, all, 16);
            uint64_t sum = 0;
            for (size_t j = 0; j < n; j++)
                sum += all[j].count;
            cr_assert_eq(sum, i + 1);
        }
    }
    ss_free(s);
    exact_free(&x);
}

Test(space_saving, string_keys_tie_order_is_bytes_descending)
{
    struct ss *s = ss_new(8, 8);
    const char *keys[] = {"a", "ab", "b", "", "ba", "abc"};
    for (size_t i = 0; i < 6; i++)
        ss_add(s, keys[i], strlen(keys[i]), hash64(keys[i], strlen(keys[i]), SEED), 3);
    ss_add(s, "zz", 2, hash64("zz", 2, SEED), 1);
    const char *want[] = {"ba", "b", "abc", "ab", "a", "", "zz"};
    struct ss_entry out[8];
    cr_assert_eq(ss_top(s, out, 8), 7);
    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(out[i].len, strlen(want[i]));
        cr_assert(out[i].len == 0 || memcmp(out[i].key, want[i], out[i].len) == 0, "position %zu",
                  i);
    }
    /* top(n) with n < size picks the best n in order */
    cr_assert_eq(ss_top(s, out, 2), 2);
    cr_assert_eq(memcmp(out[0].key, "ba", 2), 0);
    cr_assert_eq(memcmp(out[1].key, "b", 1), 0);
    cr_assert_not(ss_has_evicted(s));
    cr_assert_eq(ss_min_count(s), 0);
    ss_free(s);
}

Test(space_saving, weight_zero_monitors_while_room_and_never_evicts)
{
    struct ss *s = ss_new(2, 4);
    ss_add(s, "aaaa", 4, hash64("aaaa", 4, SEED), 0);
    struct ss_entry e;
    cr_assert(ss_query(s, "aaaa", 4, hash64("aaaa", 4, SEED), &e));
    cr_assert_eq(e.count, 0);
    cr_assert_eq(ss_size(s), 1);
    ss_add(s, "bbbb", 4, hash64("bbbb", 4, SEED), 5);
    ss_add(s, "cccc", 4, hash64("cccc", 4, SEED), 0);
    cr_assert_not(ss_query(s, "cccc", 4, hash64("cccc", 4, SEED), NULL));
    cr_assert_not(ss_has_evicted(s));
    cr_assert_eq(ss_min_count(s), 0);
    cr_assert_eq(ss_total(s), 5);
    ss_add(s, "cccc", 4, hash64("cccc", 4, SEED), 1); /* evicts "aaaa" (count 0) */
    cr_assert(ss_query(s, "cccc", 4, hash64("cccc", 4, SEED), &e));
    cr_assert_eq(e.count, 1);
    cr_assert_eq(e.error, 0);
    cr_assert(ss_has_evicted(s));
    ss_free(s);
}

Test(space_saving, long_keys_are_truncated_to_max_len)
{
    struct ss *s = ss_new(4, 3);
    ss_add(s, "abcdef", 6, hash64("abc", 3, SEED), 2);
    struct ss_entry e;
    cr_assert(ss_query(s, "abcxyz", 6, hash64("abc", 3, SEED), &e));
    cr_assert_eq(e.len, 3);
    cr_assert_eq(e.count, 2);
    ss_free(s);
}

Test(space_saving, merge_adds_the_minimum_for_keys_missing_on_one_side)
{
    /* First part: 2000 keys about 50 times each (k = 100 evicts a lot, min
     * count near 1000). Second part: 100 of those keys 3000 times each (exact
     * on its own). A merged key missing from the first sketch must carry the
     * first sketch's minimum, or its upper bound falls below the truth. */
    size_t n1 = 100000, n2 = 300000;
    struct stream st = stream_alloc(n1 + n2);
    uint64_t state = 15;
    for (size_t i = 0; i < n1; i++)
        st.id[i] = (uint32_t)rng_below(&state, 2000);
    for (size_t i = 0; i < n2; i++)
        st.id[n1 + i] = (uint32_t)(i % 100);
    run_split(&st, 100, 2000, n1);
    stream_free(&st);
}

Test(space_saving, merge_that_drops_keys_reports_eviction)
{
    struct ss *a = ss_new(100, 4), *b = ss_new(100, 4);
    struct exact x;
    exact_init(&x, 200);
    struct stream st = stream_alloc(150);
    for (uint32_t i = 0; i < 150; i++)
        st.id[i] = i;
    feed(a, &x, &st, 0, 80);
    feed(b, &x, &st, 40, 120);
    cr_assert_not(ss_has_evicted(a) || ss_has_evicted(b));
    cr_assert_eq(ss_merge(a, b), 0);
    cr_assert(ss_has_evicted(a), "120 keys merged into k = 100");
    check(a, &x, true);
    stream_free(&st);
    exact_free(&x);
    ss_free(a);
    ss_free(b);
}

Test(space_saving, merge_of_exact_sketches_stays_exact)
{
    struct ss *a = ss_new(100, 4), *b = ss_new(100, 4);
    struct exact x;
    exact_init(&x, 100);
    struct stream st = stream_uniform(10000, 80, 13);
    feed(a, &x, &st, 0, 5000);
    feed(b, &x, &st, 5000, 10000);
    cr_assert_eq(ss_merge(a, b), 0);
    cr_assert_not(ss_has_evicted(a));
    check(a, &x, false);
    stream_free(&st);
    exact_free(&x);
    ss_free(a);
    ss_free(b);
}

Test(space_saving, merge_with_itself_doubles)
{
    struct ss *a = ss_new(10, 4);
    struct stream st = stream_uniform(1000, 5, 14);
    feed(a, NULL, &st, 0, st.n);
    cr_assert_eq(ss_merge(a, a), 0);
    cr_assert_eq(ss_total(a), 2000);
    stream_free(&st);
    ss_free(a);
}

Test(space_saving, merge_rejects_mismatched_sizes)
{
    struct ss *a = ss_new(10, 4), *b = ss_new(11, 4), *c = ss_new(10, 5);
    cr_assert_eq(ss_merge(a, b), -1);
    cr_assert_eq(ss_merge(a, c), -1);
    ss_free(a);
    ss_free(b);
    ss_free(c);
}

struct size_row {
    size_t k, len;
};

Test(space_saving, bad_or_overflowing_sizes_are_rejected)
{
    static const struct size_row rows[] = {
        {0, 4}, {4, 0}, {4, 256}, {SIZE_MAX, 16}, {SIZE_MAX / 255 + 1, 255}, {SIZE_MAX / 2, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cr_assert_null(ss_new(rows[i].k, rows[i].len), "row %zu", i);
        cr_assert_eq(ss_mem_bytes_for(rows[i].k, rows[i].len), 0, "row %zu", i);
    }
    ss_free(NULL);
}

Test(space_saving, memory_is_reported)
{
    struct ss *s = ss_new(1024, 16);
    cr_assert_eq(ss_mem_bytes(s), ss_mem_bytes_for(1024, 16));
    /* heap nodes 16 B, counter records 32 B (with L = 16), index 2k x 8 B */
    cr_assert_geq(ss_mem_bytes(s), 1024 * (16 + 32) + 2048 * 8);
    cr_assert_lt(ss_mem_bytes(s), 1024 * (16 + 32) + 2048 * 8 + 1024);
    ss_free(s);
}

Test(space_saving, entries_lists_every_monitored_key_once)
{
    struct ss *s = ss_new(256, 4);
    struct exact x;
    exact_init(&x, 1000);
    struct stream st = stream_zipf(20000, 1000, 1.1, 23);
    feed(s, &x, &st, 0, st.n);
    cr_assert(ss_has_evicted(s));
    struct ss_entry all[256], top[256];
    size_t n = ss_entries(s, all, 256);
    cr_assert_eq(n, ss_size(s));
    cr_assert_eq(ss_top(s, top, 256), n);
    /* the same entries as ss_top, in some order */
    qsort(all, n, sizeof *all, entry_order);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(id_of(all[i].key), id_of(top[i].key), "entry %zu", i);
        cr_assert_eq(all[i].count, top[i].count);
        cr_assert_eq(all[i].error, top[i].error);
    }
    cr_assert_eq(ss_entries(s, all, 10), 10);
    stream_free(&st);
    exact_free(&x);
    ss_free(s);
}

/* An eviction reports the evicted key's hash and its exact count since it
 * was last monitored: checked against counts kept per monitored period. */
static uint32_t zipf_rank(uint32_t id)
{
    /* stream_zipf scrambles rank r to r * 2654435761 (odd: invertible) */
    uint32_t a = 2654435761u, x = a;
    for (int i = 0; i < 5; i++)
        x *= 2 - a * x;
    return id * x;
}

Test(space_saving, eviction_reports_the_exact_count_of_the_last_period)
{
    enum { U = 2000 };
    struct ss *s = ss_new(32, 4);
    struct stream st = stream_zipf(30000, U, 0.9, 77);
    stream_weights(&st, 78);
    uint64_t *period = calloc(U, sizeof *period); /* count in the current period, by rank */
    uint64_t *hashes = calloc(U, sizeof *hashes);
    cr_assert_not_null(period);
    cr_assert_not_null(hashes);
    for (uint32_t r = 0; r < U; r++) {
        uint8_t k[4];
        key_of(r * 2654435761u, k);
        hashes[r] = hash64(k, 4, SEED);
    }
    size_t evictions = 0;
    for (size_t i = 0; i < st.n; i++) {
        uint8_t key[4];
        key_of(st.id[i], key);
        uint32_t rank = zipf_rank(st.id[i]);
        cr_assert_lt(rank, U);
        uint64_t h = hashes[rank];
        bool was = ss_query(s, key, 4, h, NULL);
        struct ss_evicted ev;
        bool evicted = ss_add_evict(s, key, 4, h, st.w[i], &ev);
        if (!was)
            period[rank] = 0;
        period[rank] += st.w[i];
        if (!evicted)
            continue;
        evictions++;
        cr_assert_eq(ev.len, 4);
        uint32_t gone = zipf_rank(id_of(ev.key));
        cr_assert_lt(gone, U);
        cr_assert_neq(gone, rank);
        uint8_t kg[4];
        key_of(gone * 2654435761u, kg);
        cr_assert_arr_eq(kg, ev.key, 4);
        cr_assert_not(ss_query(s, kg, 4, hashes[gone], NULL), "evicted key still monitored");
        cr_assert_eq(ev.count, period[gone], "update %zu: evicted rank %u reported %llu, had %llu",
                     i, gone, (unsigned long long)ev.count, (unsigned long long)period[gone]);
        if (i % 97 == 0) {
            /* every monitored key: count - error is its period count */
            struct ss_entry all[32];
            size_t n = ss_entries(s, all, 32);
            for (size_t j = 0; j < n; j++)
                cr_assert_eq(all[j].count - all[j].error, period[zipf_rank(id_of(all[j].key))]);
        }
    }
    cr_assert_gt(evictions, 1000);
    free(period);
    free(hashes);
    stream_free(&st);
    ss_free(s);
}

Test(space_saving, every_eviction_removes_a_minimum_counter)
{
    /* The counter to evict next is chosen one eviction ahead; in between,
     * increments often raise it above the minimum (12 counters, keys drawn
     * from 40, half of them the ones just monitored). Each eviction must
     * still remove a counter holding the minimum count. */
    enum { K = 12 };
    struct ss *s = ss_new(K, 4);
    cr_assert_not_null(s);
    uint64_t state = 91;
    uint32_t recent[K] = {0};
    size_t evictions = 0, checked = 0;
    for (size_t i = 0; i < 20000; i++) {
        uint64_t r = splitmix64(&state);
        uint32_t id = (r & 1) ? recent[(r >> 8) % K] : (uint32_t)((r >> 8) % 40);
        uint8_t key[4];
        key_of(id, key);
        struct ss_entry before[K];
        size_t n = ss_entries(s, before, K);
        uint64_t counts[K];
        uint32_t ids[K];
        for (size_t j = 0; j < n; j++) {
            counts[j] = before[j].count;
            ids[j] = id_of(before[j].key);
        }
        uint64_t min = ss_min_count(s);
        struct ss_evicted ev;
        bool evicted = ss_add_evict(s, key, 4, hash64(key, 4, SEED), 1 + (r >> 60), &ev);
        recent[i % K] = id;
        if (!evicted)
            continue;
        evictions++;
        uint32_t gone = id_of(ev.key);
        for (size_t j = 0; j < n; j++)
            if (ids[j] == gone) {
                cr_assert_eq(counts[j], min, "update %zu: evicted key %u had %llu, minimum %llu", i,
                             gone, (unsigned long long)counts[j], (unsigned long long)min);
                checked++;
            }
    }
    cr_assert_gt(evictions, 1000);
    cr_assert_eq(checked, evictions);
    ss_free(s);
}

/* ss_add_evict16 compares and copies keys as 16 bytes under a mask: on a
 * stream of 4- and 16-byte keys (and some of 0 to 16 bytes) mixed at
 * random, each in a 16-byte buffer whose bytes past the key are random
 * too, it must evict the same keys with the same counts and end with the
 * same entries as ss_add_evict, including keys that share their first
 * four bytes. */
Test(space_saving, add_evict16_equals_add_evict_on_mixed_lengths)
{
    struct ss *a = ss_new(512, 16), *b = ss_new(512, 16);
    cr_assert(a != NULL && b != NULL);
    uint64_t st = 31337;
    size_t evictions = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = splitmix64(&st);
        uint8_t key[16], junk[16];
        /* ids in a Zipf-like spread: frequent small ids, a long tail */
        uint32_t id = (uint32_t)(rng_below(&st, 1 + rng_below(&st, 5000)));
        /* mostly addresses (4 or 16 bytes), some names of 0 to 16 */
        size_t len = (r & 7) == 0 ? (size_t)((r >> 8) % 17) : (r & 3) == 0 ? 16 : 4;
        for (int j = 0; j < 16; j++)
            junk[j] = (uint8_t)splitmix64(&st);
        memcpy(key, junk, 16);
        memcpy(key, &id, 4); /* a 16-byte key differs from the 4-byte one in its tail */
        if (len == 16)
            memset(key + 4, (int)(id & 7), 12);
        uint64_t h = hash64(key, len, 5);
        uint64_t w = 1 + (r >> 60);
        struct ss_evicted ea, eb;
        bool va = ss_add_evict(a, key, len, h, w, &ea);
        bool vb = ss_add_evict16(b, key, len, h, w, &eb);
        cr_assert_eq(va, vb, "update %d", i);
        if (va) {
            evictions++;
            cr_assert_eq(ea.len, eb.len);
            cr_assert_eq(memcmp(ea.key, eb.key, ea.len), 0, "update %d", i);
            cr_assert_eq(ea.count, eb.count);
        }
    }
    cr_assert_gt(evictions, 10000);
    struct ss_entry ta[512], tb[512];
    size_t n = ss_top(a, ta, 512);
    cr_assert_eq(ss_top(b, tb, 512), n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ta[i].len, tb[i].len);
        cr_assert_eq(memcmp(ta[i].key, tb[i].key, ta[i].len), 0, "entry %zu", i);
        cr_assert_eq(ta[i].count, tb[i].count);
        cr_assert_eq(ta[i].error, tb[i].error);
    }
    ss_free(a);
    ss_free(b);
}

/* ---- encoding and merges of many parts ---------------------------------- */

#include "bytebuf.h"

/* s encoded, in a writer the caller frees. */
static struct bb_writer encode(const struct ss *s)
{
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(ss_encode(s, &w), 0);
    return w;
}

/* A fresh sketch of k, L decoded from w under seed. */
static struct ss *decode(const struct bb_writer *w, size_t k, size_t len, uint64_t seed)
{
    struct ss *d = ss_new(k, len);
    struct bb_reader r;
    bbr_init(&r, w->buf, w->len);
    cr_assert_eq(ss_decode(d, &r, seed), 0, "decode failed at %zu", r.pos);
    cr_assert_eq(bbr_left(&r), 0);
    return d;
}

static void assert_same_bytes(const struct ss *a, const struct ss *b)
{
    struct bb_writer wa = encode(a), wb = encode(b);
    cr_assert_eq(wa.len, wb.len, "encodings of %zu and %zu bytes", wa.len, wb.len);
    cr_assert_eq(memcmp(wa.buf, wb.buf, wa.len), 0);
    bbw_free(&wa);
    bbw_free(&wb);
}

/* Splits st into parts contiguous pieces, sketches each (through an
 * encode/decode round trip), merges them flat and as a tree, and checks
 * both against the exact counts and against one pass. */
static void run_parts(struct stream *st, size_t k, size_t distinct_hint, size_t parts)
{
    struct exact x;
    exact_init(&x, distinct_hint);
    struct ss *whole = ss_new(k, 4);
    feed(whole, &x, st, 0, st->n);
    struct ss *part[8];
    bool any_evicted = false;
    for (size_t p = 0; p < parts; p++) {
        struct ss *s = ss_new(k, 4);
        feed(s, NULL, st, st->n * p / parts, st->n * (p + 1) / parts);
        any_evicted |= ss_has_evicted(s);
        struct bb_writer w = encode(s);
        part[p] = decode(&w, k, 4, SEED);
        assert_same_bytes(s, part[p]);
        bbw_free(&w);
        ss_free(s);
    }
    struct ss *flat = ss_new(k, 4), *left = ss_new(k, 4), *right = ss_new(k, 4);
    for (size_t p = 0; p < parts; p++) {
        cr_assert_eq(ss_merge(flat, part[p]), 0);
        cr_assert_eq(ss_merge(p < parts / 2 ? left : right, part[p]), 0);
    }
    cr_assert_eq(ss_merge(left, right), 0);
    cr_assert_eq(ss_total(flat), ss_total(whole));
    check(flat, &x, true);
    check(left, &x, true);
    if (!ss_has_evicted(whole) && !any_evicted) {
        /* nothing evicted anywhere: the merges are the one pass */
        cr_assert_not(ss_has_evicted(flat));
        assert_same_bytes(flat, whole);
        assert_same_bytes(left, whole);
    }
    for (size_t p = 0; p < parts; p++)
        ss_free(part[p]);
    ss_free(flat);
    ss_free(left);
    ss_free(right);
    ss_free(whole);
    exact_free(&x);
}

Test(space_saving, merged_parts_equal_one_pass_while_nothing_evicted)
{
    for (size_t parts = 2; parts <= 8; parts++) {
        struct stream u = stream_uniform(20000, 500, 100 + parts);
        run_parts(&u, 512, 600, parts);
        stream_free(&u);
        struct stream z = stream_zipf(20000, 400, 1.1, 200 + parts);
        stream_weights(&z, 300 + parts);
        run_parts(&z, 512, 600, parts);
        stream_free(&z);
    }
}

Test(space_saving, merged_parts_keep_bounds_after_evictions)
{
    for (size_t parts = 2; parts <= 8; parts++) {
        struct stream u = stream_uniform(30000, 3000, 400 + parts);
        run_parts(&u, 200, 4000, parts);
        stream_free(&u);
        struct stream z = stream_zipf(30000, 100000, 1.1, 500 + parts);
        run_parts(&z, 200, 40000, parts);
        stream_free(&z);
        struct stream d = stream_distinct(20000, 600 + parts);
        run_parts(&d, 200, 20000, parts);
        stream_free(&d);
        struct stream h = stream_heavy(20000, 3000, 700 + parts);
        run_parts(&h, 100, 21000, parts);
        stream_free(&h);
    }
}

Test(space_saving, decode_rehashes_keys_under_the_callers_seed)
{
    struct ss *s = ss_new(64, 4);
    struct stream st = stream_uniform(5000, 300, 21);
    feed(s, NULL, &st, 0, st.n);
    struct bb_writer w = encode(s);
    uint64_t other = SEED ^ 0xabcdef;
    struct ss *d = decode(&w, 64, 4, other);
    struct ss_entry top[64];
    size_t n = ss_top(d, top, 64);
    cr_assert_eq(n, ss_size(s));
    for (size_t i = 0; i < n; i++) {
        struct ss_entry e;
        cr_assert(ss_query(d, top[i].key, 4, hash64(top[i].key, 4, other), &e));
        cr_assert_eq(e.count, top[i].count);
    }
    assert_same_bytes(s, d);
    bbw_free(&w);
    stream_free(&st);
    ss_free(s);
    ss_free(d);
}

Test(space_saving, encoding_holds_the_monitored_keys_only)
{
    struct ss *s = ss_new(65536, 16);
    uint8_t key[16] = {10, 0, 0, 1};
    ss_add(s, key, 4, hash64(key, 4, SEED), 7);
    struct bb_writer w = encode(s);
    /* k, L, N, flags, n, then len, 4 key bytes, count, error */
    cr_assert_eq(w.len, 3 + 1 + 1 + 1 + 1 + 1 + 4 + 1 + 1);
    bbw_free(&w);
    ss_free(s);
}

struct drops {
    size_t n;
    uint64_t exact_sum;
};

static void on_drop(void *ctx, const struct ss_evicted *ev)
{
    struct drops *d = ctx;
    d->n++;
    d->exact_sum += ev->count;
}

Test(space_saving, merge_drop_hands_over_what_the_result_forgets)
{
    struct ss *a = ss_new(100, 4), *b = ss_new(100, 4);
    struct stream st = stream_alloc(150);
    for (uint32_t i = 0; i < 150; i++)
        st.id[i] = i;
    feed(a, NULL, &st, 0, 80);
    feed(b, NULL, &st, 80, 150);
    struct drops d = {0, 0};
    cr_assert_eq(ss_merge_drop(a, b, on_drop, &d), 0);
    cr_assert_eq(d.n, 50);
    /* what is kept plus what was handed over is everything, exactly */
    struct ss_entry e[100];
    size_t n = ss_top(a, e, 100);
    uint64_t kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += e[i].count - e[i].error;
    cr_assert_eq(kept + d.exact_sum, 150);
    stream_free(&st);
    ss_free(a);
    ss_free(b);
}

Test(space_saving, merge_dropping_only_zero_counts_stays_exact)
{
    struct ss *a = ss_new(4, 4), *b = ss_new(4, 4);
    uint8_t key[4];
    for (uint32_t i = 0; i < 4; i++) {
        key_of(i, key);
        ss_add(a, key, 4, hash64(key, 4, SEED), 5);
    }
    key_of(99, key);
    ss_add(b, key, 4, hash64(key, 4, SEED), 0); /* a 0-byte connection */
    cr_assert_eq(ss_merge(a, b), 0);
    cr_assert_not(ss_has_evicted(a));
    cr_assert_eq(ss_size(a), 4);
    ss_free(a);
    ss_free(b);
}

/* Every prefix of a valid encoding is rejected; every single bit flip is
 * rejected or decodes to a sketch that keeps the invariants. */
Test(space_saving, decode_rejects_truncation_and_survives_bit_flips)
{
    struct ss *s = ss_new(16, 4);
    struct stream st = stream_zipf(2000, 100, 1.1, 31);
    feed(s, NULL, &st, 0, st.n);
    cr_assert(ss_has_evicted(s));
    struct bb_writer w = encode(s);
    struct ss *d = ss_new(16, 4);
    for (size_t len = 0; len < w.len; len++) {
        struct bb_reader r;
        bbr_init(&r, w.buf, len);
        cr_assert_eq(ss_decode(d, &r, SEED), -1, "prefix of %zu bytes accepted", len);
        cr_assert_eq(ss_size(d), 0);
    }
    for (size_t bit = 0; bit < w.len * 8; bit++) {
        w.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct bb_reader r;
        bbr_init(&r, w.buf, w.len);
        if (ss_decode(d, &r, SEED) == 0) {
            struct ss_entry e[16];
            size_t n = ss_top(d, e, 16);
            uint64_t sum = 0;
            for (size_t i = 0; i < n; i++) {
                cr_assert_leq(e[i].error, e[i].count);
                sum += e[i].count;
            }
            cr_assert_leq(sum, ss_total(d));
            cr_assert(!ss_has_evicted(d) || n == 16);
        }
        w.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* table rows: foreign sizes */
    struct ss *other_k = ss_new(17, 4), *other_len = ss_new(16, 5);
    struct bb_reader r;
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(ss_decode(other_k, &r, SEED), -1);
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(ss_decode(other_len, &r, SEED), -1);
    ss_free(other_k);
    ss_free(other_len);
    bbw_free(&w);
    stream_free(&st);
    ss_free(s);
    ss_free(d);
}

/* The report order, written out as the format defines it: larger count
 * first, then the larger key by memcmp over the shorter length, then the
 * longer key. */
static int report_order(const struct ss_entry *a, const struct ss_entry *b)
{
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int r = n > 0 ? memcmp(a->key, b->key, n) : 0;
    if (r != 0)
        return r > 0 ? -1 : 1;
    return a->len == b->len ? 0 : a->len > b->len ? -1 : 1;
}

/* Whole tables and top-n selections come out in the report order for keys
 * of mixed lengths (prefixes of one another among them), many tied counts,
 * and keys longer than 16 bytes (which take another sort). */
Test(space_saving, order_mixed_lengths_and_ties)
{
    static const size_t lens[] = {2, 4, 16, 5, 16, 20, 32};
    for (size_t round = 0; round < 12; round++) {
        size_t maxlen = round % 3 == 2 ? 32 : 16;
        size_t k = round < 4 ? 64 : round < 8 ? 1500 : 5000;
        struct ss *s = ss_new(k, maxlen);
        cr_assert(s != NULL);
        uint64_t st = 0x1234 + round;
        for (size_t i = 0; i < 4 * k; i++) {
            uint8_t key[32] = {0};
            size_t len = lens[rng_below(&st, maxlen == 16 ? 5 : 7)];
            /* few distinct first bytes, so that many keys share prefixes */
            for (size_t j = 0; j < len; j++)
                key[j] = (uint8_t)(j < 3 ? rng_below(&st, 3) : rng_below(&st, 256));
            uint64_t w = round % 2 ? 1 : 1 + rng_below(&st, 3);
            ss_add(s, key, len, hash64(key, len, 7), w);
        }
        size_t size = ss_size(s);
        struct ss_entry *all = calloc(size + 1, sizeof *all);
        struct ss_entry *top = calloc(size + 1, sizeof *top);
        cr_assert(all != NULL && top != NULL);
        cr_assert_eq(ss_top(s, all, size), size);
        for (size_t i = 1; i < size; i++)
            if (report_order(&all[i - 1], &all[i]) >= 0)
                cr_assert_fail("round %zu: entries %zu and %zu out of order", round, i - 1, i);
        size_t n = size / 3 + 1;
        cr_assert_eq(ss_top(s, top, n), n);
        for (size_t i = 0; i < n; i++)
            cr_assert(top[i].len == all[i].len && top[i].count == all[i].count &&
                          memcmp(top[i].key, all[i].key, top[i].len) == 0,
                      "round %zu: top-%zu differs from the whole table at %zu", round, n, i);
        free(all);
        free(top);
        ss_free(s);
    }
}

/* The merged candidates, worked out from both sides' entries as the
 * header defines them: a key's counts and errors add, a side without it
 * adding its minimum if it has evicted. */
struct cand {
    uint8_t key[4];
    uint64_t count, error;
};

static size_t merge_candidates(const struct ss *a, const struct ss *b, struct cand *out)
{
    struct ss_entry ea[256], eb[256];
    size_t na = ss_entries(a, ea, 256), nb = ss_entries(b, eb, 256), n = 0;
    uint64_t ma = ss_has_evicted(a) ? ss_min_count(a) : 0;
    uint64_t mb = ss_has_evicted(b) ? ss_min_count(b) : 0;
    for (size_t i = 0; i < na; i++) {
        struct ss_entry o;
        struct cand *c = &out[n++];
        memcpy(c->key, ea[i].key, 4);
        bool both = ss_query(b, ea[i].key, 4, hash64(ea[i].key, 4, SEED), &o);
        c->count = ea[i].count + (both ? o.count : mb);
        c->error = ea[i].error + (both ? o.error : mb);
    }
    for (size_t i = 0; i < nb; i++) {
        if (ss_query(a, eb[i].key, 4, hash64(eb[i].key, 4, SEED), NULL))
            continue;
        struct cand *c = &out[n++];
        memcpy(c->key, eb[i].key, 4);
        c->count = eb[i].count + ma;
        c->error = eb[i].error + ma;
    }
    return n;
}

/* In-place merges of full tables keep k of the candidates, with their
 * merged counts and errors, and no candidate left out counts more than
 * any kept. */
Test(space_saving, merge_keeps_the_largest_candidates)
{
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct ss *a = ss_new(200, 4), *b = ss_new(200, 4);
        struct stream x =
            seed % 2 ? stream_zipf(6000, 50000, 1.1, seed) : stream_uniform(6000, 900, seed);
        feed(a, NULL, &x, 0, 2000 + 100 * seed);
        feed(b, NULL, &x, 2000 + 100 * seed, x.n);
        struct cand c[512];
        size_t nc = merge_candidates(a, b, c);
        cr_assert_gt(nc, 200, "seed %llu: the merge must drop", (unsigned long long)seed);
        cr_assert_eq(ss_merge(a, b), 0);
        struct ss_entry kept[200];
        size_t nk = ss_entries(a, kept, 200);
        cr_assert_eq(nk, 200);
        uint64_t kept_min = UINT64_MAX;
        for (size_t i = 0; i < nk; i++) {
            size_t j = 0;
            while (j < nc && memcmp(c[j].key, kept[i].key, 4) != 0)
                j++;
            cr_assert_lt(j, nc, "a kept key that was no candidate");
            cr_assert_eq(kept[i].count, c[j].count);
            cr_assert_eq(kept[i].error, c[j].error);
            c[j].count = UINT64_MAX; /* marks it kept */
            if (kept[i].count < kept_min)
                kept_min = kept[i].count;
        }
        for (size_t j = 0; j < nc; j++)
            if (c[j].count != UINT64_MAX)
                cr_assert_leq(c[j].count, kept_min, "seed %llu: a dropped candidate counts more",
                              (unsigned long long)seed);
        cr_assert_eq(ss_min_count(a), kept_min);
        cr_assert(ss_has_evicted(a));
        stream_free(&x);
        ss_free(a);
        ss_free(b);
    }
}

/* Two sketches of a stream split by key (odd and even ids: no key in
 * both), merged as disjoint: every guarantee check() knows holds against
 * the exact counts of the whole stream, every kept key has its side's
 * count and error, and no error exceeds the charged merge's. */
static void run_disjoint(const struct stream *st, size_t k, size_t distinct_hint)
{
    struct exact x;
    exact_init(&x, distinct_hint);
    struct ss *side[2] = {ss_new(k, 4), ss_new(k, 4)};
    for (size_t i = 0; i < st->n; i++) {
        uint8_t key[4];
        key_of(st->id[i], key);
        ss_add(side[st->id[i] & 1], key, 4, hash64(key, 4, SEED), st->w[i]);
        exact_add(&x, st->id[i], st->w[i]);
    }
    struct ss *apart = ss_new(k, 4), *charged = ss_new(k, 4);
    cr_assert_eq(ss_merge(apart, side[0]), 0);
    cr_assert_eq(ss_merge(charged, side[0]), 0);
    cr_assert_eq(ss_merge_disjoint(apart, side[1], NULL, NULL), 0);
    cr_assert_eq(ss_merge(charged, side[1]), 0);
    check(apart, &x, true);
    struct ss_entry *e = calloc(k, sizeof *e);
    size_t n = ss_top(apart, e, k);
    for (size_t i = 0; i < n; i++) {
        struct ss_entry own, other;
        cr_assert(
            ss_query(side[id_of(e[i].key) & 1], e[i].key, 4, hash64(e[i].key, 4, SEED), &own));
        cr_assert_eq(e[i].count, own.count);
        cr_assert_eq(e[i].error, own.error);
        if (ss_query(charged, e[i].key, 4, hash64(e[i].key, 4, SEED), &other))
            cr_assert_leq(e[i].error, other.error);
    }
    cr_assert_eq(ss_merge_disjoint(apart, apart, NULL, NULL), -1);
    free(e);
    ss_free(side[0]);
    ss_free(side[1]);
    ss_free(apart);
    ss_free(charged);
    exact_free(&x);
}

Test(space_saving, disjoint_merge_keeps_each_sides_counts_and_every_bound)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        struct stream z = stream_zipf(30000, 100000, 1.1, 800 + seed);
        run_disjoint(&z, 200, 40000);
        stream_free(&z);
        struct stream u = stream_uniform(30000, 3000, 900 + seed);
        run_disjoint(&u, 200, 4000);
        stream_free(&u);
        struct stream h = stream_heavy(20000, 3000, 1000 + seed);
        run_disjoint(&h, 100, 21000);
        stream_free(&h);
        struct stream small = stream_uniform(3000, 150, 1100 + seed);
        run_disjoint(&small, 200, 400); /* nothing evicts: exact */
        stream_free(&small);
    }
}
