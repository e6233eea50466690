/*
 * count_min.c - Count-Min sketch with conservative update.
 *
 * Purpose
 * -------
 * Point estimates of any key's total in fixed memory. The summaries feed it
 * the exact counts Space-Saving evicts, and bound a listed key's earlier
 * counts with it (see src/summary.c).
 *
 * Algorithm
 * ---------
 * d rows of w counters (w a power of two). A key with 64-bit hash h is
 * remixed once with the sketch seed r, x = mix(h ^ r) (mix: a
 * multiply-xorshift finalizer), and row i maps it to column
 *   g_i(h) = (x + i * y) mod w,   y = (x >> 32) | 1,
 * double hashing (Kirsch and Mitzenmacher): one mix per update instead of
 * d, with the rows behaving as independent hash functions in practice.
 *   add(x, v), conservative update (Estan and Varghese): let m = min over rows
 *     of C[i][g_i(x)]; set every C[i][g_i(x)] = max(C[i][g_i(x)], m + v).
 *   query(x) = min over rows of C[i][g_i(x)].
 *   merge: cell-wise sum (same w, d, seed).
 *
 * Guarantee
 * ---------
 * With N the sum of all weights and f(x) the true total of x:
 *   f(x) <= query(x)                                          always
 *   P[ query(x) > f(x) + (e / w) N ]  <=  e^-d                 per query
 * (Cormode and Muthukrishnan, for plain update; conservative update never
 * makes a counter larger than plain update would, so the bound carries over,
 * and the merged sum of two sketches is bounded by a sketch of both streams
 * under plain update.) Widths are rounded up to a power of two, which only
 * tightens e/w.
 *
 * Memory
 * ------
 *   bytes = sizeof(struct cms) + 8 w d
 *   e.g. w = 4096, d = 4: 131072 bytes of counters + about 180 = ~128 KiB;
 *   error <= (e / 4096) N = 0.066% of N with probability >= 1 - e^-4 = 98.2%.
 *
 * Encoding (cms_encode; LEB128 varints)
 * --------
 *   varint w | varint d | varint N | varint z (cells not 0)
 *   z times: varint zero cells skipped since the last cell written | varint cell
 * Cells run row by row. Only the cells above 0 are written: a sketch that
 * took u updates holds at most u d of them, so a quiet hour takes a few
 * bytes per eviction and an empty sketch 4 bytes, whatever w is (at most
 * about 2 + 10 bytes per cell when every cell is set). The seed is not
 * written: the caller records which seed the hashes were made under, and
 * merges only under the same one.
 *
 * Merge guarantee: cms_merge sums the cells, which is the sketch of both
 * streams under plain update at worst; the bound above holds with N the
 * merged total.
 *
 * Counters are 64-bit and saturate at UINT64_MAX instead of wrapping.
 *
 * Reference
 * ---------
 * G. Cormode, S. Muthukrishnan, "An Improved Data Stream Summary: The
 * Count-Min Sketch and its Applications", Journal of Algorithms 55(1), 2005.
 * C. Estan, G. Varghese, "New Directions in Traffic Measurement and
 * Accounting", SIGCOMM 2002 (conservative update).
 *
 * Deviations
 * ----------
 * - The paper draws rows from a pairwise-independent family; here the rows
 *   are derived from one 64-bit seeded hash of the key by one seeded remix
 *   and double hashing (A. Kirsch, M. Mitzenmacher, "Less Hashing, Same
 *   Performance", ESA 2006, shown there for Bloom filters). The unit tests
 *   check the (e/w)N bound empirically on seeded streams.
 *   Keys whose 64-bit hashes collide (probability ~n^2 / 2^65) share every
 *   cell, which is negligible next to e/w.
 * - The d <= 16 limit keeps the row positions on the stack.
 */
#include "config.h"

#include "count_min.h"

#include "always_inline.h"
#include "bytebuf.h"
#include "cache_hint.h"
#include "table_mem.h"

#include <stdlib.h>
#include <string.h>

#define CMS_MAX_DEPTH 16

struct cms {
    size_t w;
    size_t d;
    uint64_t mask;
    uint64_t seed;
    uint64_t total;
    uint64_t seed_mix;
    uint64_t *cells; /* d rows of w counters, row-major */
};

/* A multiply-xorshift finalizer (odd constants drawn at random). */
static inline uint64_t remix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7258bc5eb345f11dULL;
    x ^= x >> 29;
    x *= 0xd0d9a8ee09c60195ULL;
    x ^= x >> 32;
    return x;
}

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Rounds w up to a power of two; 0 on overflow or w == 0. */
static size_t round_width(size_t w)
{
    if (w == 0)
        return 0;
    size_t p = 1;
    while (p < w) {
        if (p > SIZE_MAX / 2)
            return 0;
        p *= 2;
    }
    return p;
}

size_t cms_mem_bytes_for(size_t w, size_t d)
{
    size_t pw = round_width(w);
    if (pw == 0 || d == 0 || d > CMS_MAX_DEPTH)
        return 0;
    if (pw > SIZE_MAX / d / sizeof(uint64_t))
        return 0;
    size_t cells = pw * d * sizeof(uint64_t);
    if (cells > SIZE_MAX - sizeof(struct cms))
        return 0;
    return sizeof(struct cms) + cells;
}

struct cms *cms_new(size_t w, size_t d, uint64_t seed)
{
    if (cms_mem_bytes_for(w, d) == 0)
        return NULL;
    struct cms *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->w = round_width(w);
    c->d = d;
    c->mask = (uint64_t)(c->w - 1);
    c->seed = seed;
    c->seed_mix = remix(seed + 0x9e3779b97f4a7c15ULL);
    c->cells = table_alloc(c->w * d * sizeof *c->cells);
    if (c->cells == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void cms_free(struct cms *c)
{
    if (c == NULL)
        return;
    table_free(c->cells, c->w * c->d * sizeof *c->cells);
    free(c);
}

void cms_clear(struct cms *c)
{
    memset(c->cells, 0, c->w * c->d * sizeof *c->cells);
    c->total = 0;
}

#if defined(__GNUC__)
#define CMS_UNROLL _Pragma("GCC unroll 4")
#else
#define CMS_UNROLL
#endif

/* The helpers below take the depth d as an argument (c->d): inlined with
 * a constant, their loops unroll (see cms_add_many). */

/* The cell positions of hash, one per row. */
static TS_INLINE void cells_of(const struct cms *c, uint64_t hash, size_t *at, size_t d)
{
    uint64_t x = remix(hash ^ c->seed_mix);
    uint64_t y = (x >> 32) | 1;
    CMS_UNROLL
    for (size_t i = 0; i < d; i++, x += y)
        at[i] = i * c->w + (size_t)(x & c->mask);
}

/* The smallest of the cells at[0..d). */
static TS_INLINE uint64_t min_at(const struct cms *c, const size_t *at, size_t d)
{
    uint64_t min = UINT64_MAX;
    CMS_UNROLL
    for (size_t i = 0; i < d; i++) {
        uint64_t v = c->cells[at[i]];
        min = v < min ? v : min;
    }
    return min;
}

/* Conservative update of the cells at[0..d) by weight. */
static TS_INLINE void add_at(struct cms *c, const size_t *at, uint64_t weight, size_t d)
{
    uint64_t target = sat_add(min_at(c, at, d), weight);
    /* every cell stored, raised or not: a branch on the comparison goes
     * either way at random, and the lines are in the cache already */
    CMS_UNROLL
    for (size_t i = 0; i < d; i++) {
        uint64_t v = c->cells[at[i]];
        c->cells[at[i]] = v < target ? target : v;
    }
    c->total = sat_add(c->total, weight);
}

void cms_add(struct cms *c, uint64_t hash, uint64_t weight)
{
    size_t at[CMS_MAX_DEPTH];
    cells_of(c, hash, at, c->d);
    add_at(c, at, weight, c->d);
}

#define CMS_AHEAD 8 /* updates between an update's cache hints and its turn */

/* The cell positions of hash, and a cache hint for each. */
static TS_INLINE void cells_ahead(const struct cms *c, uint64_t hash, size_t *at, size_t d)
{
    cells_of(c, hash, at, d);
    CMS_UNROLL
    for (size_t r = 0; r < d; r++)
        cache_hint(&c->cells[at[r]]);
}

static TS_INLINE void add_many(struct cms *c, const struct cms_update *u, size_t n, size_t d)
{
    size_t at[CMS_AHEAD][CMS_MAX_DEPTH];
    for (size_t i = 0; i < n && i < CMS_AHEAD; i++)
        cells_ahead(c, u[i].hash, at[i], d);
    for (size_t i = 0; i < n; i++) {
        size_t *a = at[i % CMS_AHEAD];
        add_at(c, a, u[i].weight, d);
        if (i + CMS_AHEAD < n)
            cells_ahead(c, u[i + CMS_AHEAD].hash, a, d);
    }
}

/* Depth 4, every summary's, as a constant: the loops unroll (the
 * Count-Min took 94 -> 50 instructions per packet of a trace). */
void cms_add_many(struct cms *c, const struct cms_update *u, size_t n)
{
    if (c->d == 4)
        add_many(c, u, n, 4);
    else
        add_many(c, u, n, c->d);
}

uint64_t cms_query(const struct cms *c, uint64_t hash)
{
    size_t at[CMS_MAX_DEPTH];
    cells_of(c, hash, at, c->d);
    return min_at(c, at, c->d);
}

int cms_merge(struct cms *dst, const struct cms *src)
{
    if (dst->w != src->w || dst->d != src->d || dst->seed != src->seed)
        return -1;
    size_t n = dst->w * dst->d;
    for (size_t i = 0; i < n; i++)
        dst->cells[i] = sat_add(dst->cells[i], src->cells[i]);
    dst->total = sat_add(dst->total, src->total);
    return 0;
}

uint64_t cms_total(const struct cms *c)
{
    return c->total;
}

size_t cms_width(const struct cms *c)
{
    return c->w;
}

size_t cms_depth(const struct cms *c)
{
    return c->d;
}

size_t cms_mem_bytes(const struct cms *c)
{
    return cms_mem_bytes_for(c->w, c->d);
}

int cms_encode(const struct cms *c, struct bb_writer *w)
{
    size_t n = c->w * c->d, nnz = 0;
    for (size_t i = 0; i < n; i++)
        nnz += c->cells[i] != 0;
    bbw_varint(w, c->w);
    bbw_varint(w, c->d);
    bbw_varint(w, c->total);
    bbw_varint(w, nnz);
    size_t next = 0; /* the first cell not yet covered */
    for (size_t i = 0; i < n; i++) {
        if (c->cells[i] == 0)
            continue;
        bbw_varint(w, i - next);
        bbw_varint(w, c->cells[i]);
        next = i + 1;
    }
    return bbw_ok(w) ? 0 : -1;
}

int cms_decode(struct cms *c, struct bb_reader *r)
{
    cms_clear(c);
    uint64_t w = bbr_varint(r), d = bbr_varint(r), total = bbr_varint(r), nnz = bbr_varint(r);
    size_t n = c->w * c->d;
    if (!bbr_ok(r) || w != c->w || d != c->d || nnz > n)
        goto bad;
    size_t next = 0;
    for (uint64_t j = 0; j < nnz; j++) {
        uint64_t skip = bbr_varint(r), v = bbr_varint(r);
        /* no cell twice, none past the end, none 0, none above the total
         * (every update adds its weight to the total, at most to a cell) */
        if (!bbr_ok(r) || skip >= n - next || v == 0 || v > total)
            goto bad;
        c->cells[next + skip] = v;
        next += (size_t)skip + 1;
    }
    c->total = total;
    return 0;
bad:
    cms_clear(c);
    bbr_fail(r);
    return -1;
}
