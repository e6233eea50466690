/*
 * test_summary.c - summaries merged and serialized, against one pass and
 * against exact counts, on seeded streams (uniform, Zipf, all distinct, one
 * heavy key) split into 2..8 contiguous parts: while nothing evicted the
 * flat merge and a tree of merges encode to the bytes of one pass; once
 * something did, every listed key's [lower, upper] contains its exact
 * count and every key above N/k is listed; encode -> decode is identical;
 * a decode under another seed keeps the tables and says what it lost.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "hash.h"
#include "summary.h"

#define SEED 0x5e1ec7ed5eed0001ULL

enum dist { UNIFORM, ZIPF, DISTINCT, HEAVY };

static const char *const services[] = {"http", "dns", "ssl", "ssh", "smtp", "-", "ntp", "irc"};
static const char *const states[] = {"SF", "S0", "REJ", "RSTO", "OTH", "SH"};

/* Record i of a stream of n over universe hosts. */
static void make_record(struct ts_record *r, enum dist d, size_t i, size_t n, uint32_t universe,
                        uint64_t seed)
{
    uint64_t st = seed * 1000003 + i;
    uint64_t x = splitmix64(&st), y = splitmix64(&st);
    uint32_t src, dst;
    switch (d) {
    case UNIFORM:
        src = (uint32_t)(x % universe);
        dst = (uint32_t)(y % universe);
        break;
    case ZIPF: { /* rank ~ u^(-1/(s-1)) for s = 1.5, cut at universe */
        double u = ((double)(x >> 11) + 1) / 9007199254740993.0;
        double rk = floor(pow(u, -2.0));
        src = (uint32_t)((rk > universe ? universe : rk) * 2654435761u);
        dst = (uint32_t)(y % 64);
        break;
    }
    case DISTINCT:
        src = (uint32_t)i;
        dst = (uint32_t)(n + i);
        break;
    default: /* one heavy key among one-offs */
        src = (x % 5 == 0) ? 0xdeadbeefu : (uint32_t)i;
        dst = (uint32_t)(y % 10);
        break;
    }
    ts_record_clear(r);
    r->kind = TS_REC_CONN;
    r->ts = 1000.0 + (double)i;
    r->end = r->ts + (double)(y % 7);
    r->src.len = r->dst.len = 4;
    memcpy(r->src.b, &src, 4);
    memcpy(r->dst.b, &dst, 4);
    r->sport = (uint16_t)(1024 + x % 30000);
    r->dport = (uint16_t)(d == DISTINCT ? (i % 60000) : (y >> 20) % 300);
    r->proto = (x >> 40) % 3 == 0 ? 17 : 6;
    r->bytes = (y >> 30) % 5000;
    r->payload = r->bytes / 2;
    const char *sv = services[(x >> 50) % 8], *sa = states[(y >> 50) % 6];
    r->service = (struct ts_str){sv, strlen(sv)};
    r->state = (struct ts_str){sa, strlen(sa)};
}

/* ---- exact counts per column: open addressing on (column, key) --------- */

struct exact {
    uint8_t (*key)[18]; /* column, length, up to 16 bytes */
    uint64_t *count;
    bool *used;
    size_t mask;
};

static void exact_init(struct exact *x, size_t expect)
{
    size_t cap = 1024;
    while (cap < 4 * expect)
        cap *= 2;
    x->key = calloc(cap, sizeof *x->key);
    x->count = calloc(cap, sizeof *x->count);
    x->used = calloc(cap, sizeof *x->used);
    cr_assert(x->key && x->count && x->used);
    x->mask = cap - 1;
}

static void exact_free(struct exact *x)
{
    free(x->key);
    free(x->count);
    free(x->used);
}

static size_t exact_pos(const struct exact *x, int col, const uint8_t *k, size_t len)
{
    uint8_t want[18] = {(uint8_t)col, (uint8_t)len};
    memcpy(want + 2, k, len);
    size_t pos = (size_t)hash64(want, sizeof want, 1) & x->mask;
    while (x->used[pos] && memcmp(x->key[pos], want, sizeof want) != 0)
        pos = (pos + 1) & x->mask;
    memcpy(x->key[pos], want, sizeof want);
    return pos;
}

static void exact_add(struct exact *x, int col, const void *k, size_t len, uint64_t w)
{
    size_t pos = exact_pos(x, col, k, len);
    x->used[pos] = true;
    x->count[pos] += w;
}

static uint64_t exact_get(const struct exact *x, int col, const uint8_t *k, size_t len)
{
    size_t pos = exact_pos(x, col, k, len);
    return x->used[pos] ? x->count[pos] : 0;
}

/* ---- building ------------------------------------------------------------ */

static const struct summary_sizes exact_sizes = {512, 16384, 16, 1024, 4, 10, 0};
static const struct summary_sizes small_sizes = {64, 128, 4, 256, 4, 10, 256};

static void feed(struct summary *s, struct exact *x, enum dist d, size_t from, size_t to, size_t n,
                 uint32_t universe, uint64_t seed, bool by_bytes)
{
    for (size_t i = from; i < to; i++) {
        struct ts_record r;
        make_record(&r, d, i, n, universe, seed);
        struct summary_update u;
        {
            struct summary_update_params up = {.by_bytes = by_bytes, .conns = true, .hash_ports = true, .seed = SEED};
            summary_update_prepare(&u, &r, &up, NULL);
        }
        summary_add(s, &u, true);
        if (x != NULL) {
            exact_add(x, COL_SRCS, r.src.b, 4, u.weight);
            exact_add(x, COL_DSTS, r.dst.b, 4, u.weight);
            exact_add(x, COL_PORTS, u.dport_key, 2, u.weight);
            exact_add(x, COL_SERVICES, u.service, u.service_len, u.weight);
            exact_add(x, COL_STATES, u.state, u.state_len, u.weight);
        }
    }
}

static struct bb_writer encode(struct summary *s)
{
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    cr_assert_eq(summary_encode(s, &w), 0);
    return w;
}

static struct summary *decode(const struct bb_writer *w, bool same_seed)
{
    struct bb_reader r;
    bbr_init(&r, w->buf, w->len);
    struct summary_sizes z;
    cr_assert_eq(summary_decode_sizes(&r, &z), 0);
    cr_assert_eq(r.pos, 0);
    struct summary *s = summary_new(&z, SEED);
    cr_assert(s != NULL);
    cr_assert_eq(summary_decode(s, &r, same_seed), 0, "decode failed at %zu", r.pos);
    cr_assert_eq(bbr_left(&r), 0);
    return s;
}

static void assert_same_bytes(struct summary *a, struct summary *b, const char *what)
{
    struct bb_writer wa = encode(a), wb = encode(b);
    cr_assert_eq(wa.len, wb.len, "%s: %zu and %zu bytes", what, wa.len, wb.len);
    cr_assert_eq(memcmp(wa.buf, wb.buf, wa.len), 0, "%s: bytes differ", what);
    bbw_free(&wa);
    bbw_free(&wb);
}

/* Every listed key's bounds contain its exact count; every key above N/k
 * is listed. */
static void check_bounds(const struct summary *s, const struct exact *x)
{
    static const int cols[] = {COL_PORTS, COL_SRCS, COL_DSTS, COL_SERVICES, COL_STATES};
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        int col = cols[c];
        struct summary_col_info ci;
        summary_col_info(s, col, &ci);
        if (!ci.sketched)
            continue;
        size_t k = ci.k;
        struct ss_entry *e = calloc(k, sizeof *e);
        size_t n = summary_top(s, col, e, k);
        for (size_t i = 0; i < n; i++) {
            uint64_t lo, hi, truth = exact_get(x, col, e[i].key, e[i].len);
            summary_bounds(s, col, &e[i], &lo, &hi);
            if (!(lo <= truth && truth <= hi))
                cr_assert_fail("column %d entry %zu: true %llu outside [%llu, %llu]", col, i,
                               (unsigned long long)truth, (unsigned long long)lo,
                               (unsigned long long)hi);
        }
        uint64_t total = ci.weight_total;
        for (size_t pos = 0; pos <= x->mask; pos++) {
            if (!x->used[pos] || x->key[pos][0] != col || x->count[pos] * k <= total)
                continue;
            const uint8_t *key = x->key[pos] + 2;
            size_t len = x->key[pos][1];
            bool listed = false, zero = true;
            for (size_t b = 0; b < len; b++)
                zero &= key[b] == 0;
            for (size_t i = 0; i < n && !listed; i++)
                listed = e[i].len == len && memcmp(e[i].key, key, len) == 0;
            if (!listed && !zero) /* summary_top leaves port 0 out */
                cr_assert_fail("column %d: a key of count %llu > N/k not listed", col,
                               (unsigned long long)x->count[pos]);
        }
        free(e);
    }
}

static bool any_evicted(const struct summary *s)
{
    for (int col = 0; col < COL_COUNT; col++)
        if (!summary_col_exact(s, col))
            return true;
    return false;
}

/* One stream split into parts: parts round-tripped, merged flat and as a
 * tree, checked against one pass and the exact counts. */
static bool run(enum dist d, size_t n, uint32_t universe, const struct summary_sizes *z,
                size_t parts, uint64_t seed, bool by_bytes)
{
    struct exact x;
    exact_init(&x, 2 * n);
    struct summary *whole = summary_new(z, SEED);
    feed(whole, &x, d, 0, n, n, universe, seed, by_bytes);
    struct summary *part[8];
    bool evicted = any_evicted(whole);
    for (size_t p = 0; p < parts; p++) {
        struct summary *s = summary_new(z, SEED);
        feed(s, NULL, d, n * p / parts, n * (p + 1) / parts, n, universe, seed, by_bytes);
        evicted |= any_evicted(s);
        struct bb_writer w = encode(s);
        part[p] = decode(&w, true);
        assert_same_bytes(s, part[p], "round trip");
        bbw_free(&w);
        summary_free(s);
    }
    struct summary *flat = summary_new(z, SEED), *left = summary_new(z, SEED),
                   *right = summary_new(z, SEED);
    for (size_t p = 0; p < parts; p++) {
        cr_assert_eq(summary_merge(flat, part[p]), 0);
        cr_assert_eq(summary_merge(p < parts / 2 ? left : right, part[p]), 0);
    }
    cr_assert_eq(summary_merge(left, right), 0);
    const struct summary_counters *cw = summary_counters(whole), *cf = summary_counters(flat);
    cr_assert_eq(cf->pkts, cw->pkts);
    cr_assert_eq(cf->bytes, cw->bytes);
    cr_assert_eq(cf->start, cw->start);
    cr_assert_eq(cf->end, cw->end);
    cr_assert_eq(summary_distinct(flat, true), summary_distinct(whole, true));
    cr_assert_eq(summary_distinct(left, false), summary_distinct(whole, false));
    if (!evicted) {
        cr_assert_not(any_evicted(flat));
        assert_same_bytes(flat, whole, "flat merge and one pass");
        assert_same_bytes(left, whole, "merge of merges and one pass");
    } else {
        check_bounds(flat, &x);
        check_bounds(left, &x);
    }
    check_bounds(whole, &x);
    for (size_t p = 0; p < parts; p++)
        summary_free(part[p]);
    summary_free(flat);
    summary_free(left);
    summary_free(right);
    summary_free(whole);
    exact_free(&x);
    return evicted;
}

Test(summary, merged_parts_encode_to_one_pass_while_nothing_evicted)
{
    for (size_t parts = 2; parts <= 8; parts++) {
        cr_assert_not(run(UNIFORM, 20000, 3000, &exact_sizes, parts, parts, false));
        cr_assert_not(run(ZIPF, 20000, 3000, &exact_sizes, parts, 10 + parts, true));
        cr_assert_not(run(DISTINCT, 500, 0, &exact_sizes, parts, 20 + parts, false));
        cr_assert_not(run(HEAVY, 5000, 0, &exact_sizes, parts, 30 + parts, true));
    }
}

Test(summary, merged_parts_keep_every_bound_after_evictions)
{
    for (size_t parts = 2; parts <= 8; parts++) {
        cr_assert(run(UNIFORM, 20000, 3000, &small_sizes, parts, 40 + parts, false));
        cr_assert(run(ZIPF, 20000, 100000, &small_sizes, parts, 50 + parts, true));
        cr_assert(run(DISTINCT, 10000, 0, &small_sizes, parts, 60 + parts, false));
        cr_assert(run(HEAVY, 10000, 0, &small_sizes, parts, 70 + parts, false));
    }
}

Test(summary, exact_ports_table_merges_and_round_trips)
{
    struct summary_sizes z = {65536, 256, 8, 0, 0, 0, 0};
    cr_assert(summary_ports_direct(&z));
    cr_assert_not(run(UNIFORM, 8000, 100, &z, 3, 80, false));
    cr_assert(run(DISTINCT, 8000, 0, &z, 5, 81, false));
}

Test(summary, counters_only_summaries_merge)
{
    struct summary_sizes z = {0, 0, 0, 0, 0, 0, 0};
    cr_assert_not(run(UNIFORM, 3000, 100, &z, 4, 82, true));
}

Test(summary, another_seed_keeps_tables_and_says_what_it_lost)
{
    struct summary *s = summary_new(&small_sizes, SEED);
    feed(s, NULL, ZIPF, 0, 5000, 5000, 50000, 90, false);
    struct bb_writer w = encode(s);
    struct summary *d = decode(&w, false);
    cr_assert_eq(summary_lost(d), SUMMARY_LOST_BOUNDS | SUMMARY_LOST_DISTINCT);
    cr_assert_eq(summary_distinct(d, true), -1);
    for (int col = 0; col < COL_COUNT; col++) {
        if (!summary_col_kept(s, col))
            continue;
        struct ss_entry ea[128], eb[128];
        size_t na = summary_top(s, col, ea, 128), nb = summary_top(d, col, eb, 128);
        cr_assert_eq(na, nb);
        for (size_t i = 0; i < na; i++)
            cr_assert(ea[i].count == eb[i].count && ea[i].error == eb[i].error &&
                      memcmp(ea[i].key, eb[i].key, ea[i].len) == 0);
    }
    /* a merge with it loses the same, and keeps its own tables' bounds */
    struct summary *m = summary_new(&small_sizes, SEED);
    cr_assert_eq(summary_merge(m, s), 0);
    cr_assert_eq(summary_lost(m), 0);
    cr_assert_eq(summary_merge(m, d), 0);
    cr_assert_eq(summary_lost(m), SUMMARY_LOST_BOUNDS | SUMMARY_LOST_DISTINCT);
    cr_assert_eq(summary_counters(m)->pkts, 10000);
    /* and what it lost is written: decoding says so again */
    struct bb_writer w2 = encode(m);
    struct summary *d2 = decode(&w2, true);
    cr_assert_eq(summary_lost(d2), SUMMARY_LOST_BOUNDS | SUMMARY_LOST_DISTINCT);
    bbw_free(&w);
    bbw_free(&w2);
    summary_free(s);
    summary_free(d);
    summary_free(m);
    summary_free(d2);
}

Test(summary, merge_refuses_other_sizes_or_seeds)
{
    struct summary *a = summary_new(&small_sizes, SEED), *b = summary_new(&exact_sizes, SEED),
                   *c = summary_new(&small_sizes, SEED + 1);
    cr_assert_eq(summary_merge(a, b), -1);
    cr_assert_eq(summary_merge(a, c), -1);
    cr_assert_eq(summary_merge(a, a), -1);
    summary_free(a);
    summary_free(b);
    summary_free(c);
}

Test(summary, decode_rejects_every_truncation)
{
    struct summary *s = summary_new(&small_sizes, SEED);
    feed(s, NULL, UNIFORM, 0, 2000, 2000, 500, 91, false);
    struct bb_writer w = encode(s);
    struct summary *d = summary_new(&small_sizes, SEED);
    for (size_t len = 0; len < w.len; len += 1 + len / 64) {
        struct bb_reader r;
        bbr_init(&r, w.buf, len);
        cr_assert_eq(summary_decode(d, &r, true), -1, "prefix of %zu bytes accepted", len);
        cr_assert_eq(summary_counters(d)->pkts, 0);
    }
    bbw_free(&w);
    summary_free(s);
    summary_free(d);
}
