/*
 * space_saving.c - weighted Space-Saving top-k summary, mergeable.
 *
 * Purpose
 * -------
 * Keeps the heaviest keys of a stream (top ports, hosts, services) in memory
 * fixed by k, whatever the number of distinct keys, with an honest interval
 * for every count it reports.
 *
 * Algorithm
 * ---------
 * k counters, each holding a key, a count c and an over-estimation e.
 * add(x, w): if x is monitored, c(x) += w. Otherwise, if a counter is free,
 * monitor x with c = w, e = 0. Otherwise take the counter with the minimum
 * count m, give it to x with c = m + w, e = m ("evict").
 *
 * merge(A, B) (Cafaro, Pulimeno, Tempesta): for every key of A u B,
 *   c = cA(x) + cB(x), e = eA(x) + eB(x), where a side that does not monitor
 *   x contributes its minimum count mA (or mB) to both c and e if it has ever
 *   evicted, and 0 if it has not (then its absence means a true count of 0);
 *   then keep the k largest counts (ties at the smallest count kept: the
 *   keys dst already monitored first; see ss_merge_drop).
 *
 *   Merged candidates beyond the k kept are dropped; a dropped one of count
 *   above 0 makes the result inexact, and ss_merge_drop hands each dropped
 *   key's exact part (c - e) to the caller (the summaries put it in their
 *   Count-Min, as they do with evictions).
 *
 * Admission filter (ss_new_filtered; Homem and Carvalho's Filtered
 * Space-Saving, with a strict test): F cells a[], 0 at first; a(x) is the
 * cell of x's hash. add(x, w) for x not monitored, with the table full and
 * w > 0: if a(x) + w <= m (m the min count), a(x) += w and nothing else
 * changes; otherwise evict a minimum y as above, raise a(y) to m if it is
 * lower, and give x c = a(x) + w, e = a(x) (a(x) as it was before a(y)
 * was raised, in case they share a cell). While the table has room the
 * filter is not used, so a filtered sketch that never filled is the plain
 * one. Any kept weight sets the evicted flag (the weight is no longer
 * told apart), so merges charge the absent keys the minimum. Invariants:
 *   (F1) a cell never decreases (raised to m only when below it), and
 *        a[j] <= m: kept weight leaves a(x) + w <= m, a raise sets m, and
 *        m never decreases (an entering count a(x) + w exceeds m).
 *   (F2) f(x) <= a(x) for every x not monitored: x's weight while out
 *        was added to its cell, and when it was evicted its cell was
 *        raised to at least its count, which bounded f(x) then.
 *   (F3) an entering x has f(x) <= a(x) + w = c (F2) and c - e = w,
 *        exact: the bounds below hold for it.
 *   (F4) an entry replaces a count m by a(x) + w <= m + w, kept weight
 *        changes no count: the counts sum to at most N, so m <= N / k.
 * So every bound below holds with the filter too, with "the counts sum to
 * exactly N" weakened to "at most N", and e <= m for every entry as
 * before. Also, every weight the filter kept was added to one cell and
 * none decreases: a(x) bounds all the weight x ever had kept, which with
 * the exact parts of its evictions bounds its weight before it last
 * entered (ss_filter_bound; the summaries add it to their Count-Min's
 * answer). A merge or a decode sets every cell to the new minimum if the
 * result has evicted (0 otherwise): it bounds every absent key (Guarantee)
 * and is at least the sum of the two sides' cells (each at most its
 * side's minimum, and every merged count is at least the sum of the
 * minimums), so (F1), (F2) and the bound of ss_filter_bound still hold.
 *
 * Guarantee
 * ---------
 * With N the sum of all weights added and f(x) the true total of key x:
 *   c(x) - e(x) <= f(x) <= c(x)           for every monitored x
 *   f(x) <= min count <= N / k             for every x not monitored
 * so every key with f(x) > N/k is monitored. After updates only, the counts
 * sum to exactly N; after a merge they sum to at most N (the dropped entries
 * carry at least mA + mB each, which the added minimums cannot exceed).
 * The same holds after merges, N then the merged total: the kept k
 * candidates sum to at most N (each side's share of them is at most its
 * own k counts, an absent key being charged that side's minimum, which no
 * counter lies below), so the merged minimum is at most N / k; and every
 * candidate carries at least mA + mB, the most an absent key can have, so
 * no dropped or absent key exceeds the merged minimum (Agarwal et al.,
 * Cafaro et al.). While ss_has_evicted() is false every count is exact (e = 0);
 * a merge of two sketches that never evicted, whose keys of count above 0
 * fit in k counters, has not evicted either and holds the counts one pass
 * would have. For every
 * monitored x, c(x) - e(x) is exact: x's total since it was last inserted.
 * ss_add_evict reports that total for the key an eviction removes, so a
 * caller can keep what the sketch forgets (the summaries put it in a
 * Count-Min).
 *
 * Layout and memory
 * -----------------
 *   heap  [k]       {count, slot, home}   4-ary min-heap on count  (16 B;
 *                   home: the key's first index cell, so an eviction
 *                   finds the victim's index cell without its slot)
 *   slots [k]       {error, heap position, key length, key bytes}: one
 *                   record of R = 32 bytes for L <= 16, 64 for L <= 48,
 *                   else 16 + L rounded up to 16; a lookup that finds its
 *                   key, and an eviction, touch one cache line of it
 *   index [2^ceil(log2 2k)] {tag, slot+1} open addressing, linear probing,
 *                   load <= 1/2, backward-shift deletion              (8 B;
 *                   tag: 32 bits of the key's hash whose low bits are its
 *                   home cell, so that deletion finds every cell's home
 *                   and most cells of other keys fail on the tag alone)
 *
 *   filter [F]      uint64_t cells, before the heap (ss_new_filtered only)
 *
 *   bytes = sizeof(struct ss) + (16 + R) k + 8 * pow2ceil(2k) + 8 F
 *           (+ at most 4 * 63 bytes placing the arrays in cache lines)
 *   e.g. k = 1024, L = 16: 16384 + 32768 + 16384 + ~400 = about 64 KiB;
 *   k = 65536, L = 16: 4 MiB, of which the index (the first place every
 *   update looks) is 1 MiB.
 *
 * An update hashes nothing (the caller passes the hash), probes the index
 * (expected O(1)), and restores the heap with one sift (O(log k)); an
 * eviction also deletes one index entry. No allocation after ss_new.
 *
 * Encoding (ss_encode; integers are LEB128 varints unless sized)
 * --------
 *   varint k | varint L | varint N | u8 flags (bit 0: evicted) | varint n
 *   n entries, best first (count desc, key desc, as ss_top):
 *     u8 len | len key bytes | varint count (the first) or the previous
 *     count minus this one (the others) | varint error
 * Only the monitored entries are written: a sketch holding n keys of L
 * bytes takes about (L + 3) n bytes, whatever k is. ss_decode rebuilds the
 * index from the keys with the caller's seed (so the tables of files hashed
 * under another seed still merge) and rejects, before it stores anything of
 * an entry: k or L other than the sketch's, n > k, an evicted sketch not
 * full, keys out of rank order (hence no key twice), error > count, counts
 * above N, and counts not summing to N while nothing evicted: a decoded
 * sketch keeps every invariant above.
 *
 * Reference
 * ---------
 * A. Metwally, D. Agrawal, A. El Abbadi, "Efficient Computation of Frequent
 * and Top-k Elements in Data Streams", ICDT 2005.
 * N. Homem, J. P. Carvalho, "Finding top-k elements in data streams",
 * Information Sciences 180(24), 2010 (Filtered Space-Saving).
 * M. Cafaro, M. Pulimeno, P. Tempesta, "A parallel space saving algorithm for
 * frequent items and the Hurwitz zeta distribution", Information Sciences 329,
 * 2016 (the merge). P. K. Agarwal et al., "Mergeable Summaries", PODS 2012.
 *
 * Deviations
 * ----------
 * - The paper's Stream-Summary (bucket lists) supports unit increments in
 *   O(1); with weights it does not, so a 4-ary min-heap is used: O(log k).
 *   Of several counters tied at the minimum, a heap leaf is evicted when one
 *   of four probed leaves holds the minimum (no sift needed), else a node of
 *   one of the two levels above (probed the same way), else the root; the
 *   paper allows any minimum counter. The choice is made at the end of the
 *   eviction before, so that the victim's index cell and counter can be
 *   loaded in the meantime, and kept if that node still holds the minimum
 *   when the next eviction comes.
 * - Merge adds the other side's minimum only if that side has evicted; a
 *   side that never evicted knows the absent key's count is 0. This keeps
 *   merges of exact summaries exact.
 * - Weight 0 monitors a new key with count 0 while a counter is free (an
 *   exact table lists a 0-byte connection too) but never evicts, and changes
 *   nothing for a key already monitored. Counts are 64-bit and are assumed
 *   not to overflow.
 * - Keys longer than L are truncated; the entry is identified by the hash the
 *   caller passes, so callers should hash the truncated key.
 */
#include "config.h"

#include "space_saving.h"

#include <stdlib.h>
#include <string.h>

#include "always_inline.h"
#include "bytebuf.h"
#include "cache_hint.h"
#include "hash.h"
#include "table_mem.h"

#define SS_PROBE_LEVELS 3 /* heap levels, from the leaves up, min_node() probes */

struct ss_node {
    uint64_t count;
    uint32_t slot;
    uint32_t home; /* the slot's key's home index cell, hash & mask (fits: see SS_MAX_K) */
};

/* A counter's record; its key's bytes follow it (slot_key). */
struct ss_slot {
    uint64_t error;
    uint32_t heap_pos;
    uint8_t len;
};

struct ss_index {
    uint32_t tag;   /* tag_of(the key's hash) */
    uint32_t slot1; /* slot + 1; 0 marks an empty cell */
};

struct ss {
    size_t k;
    size_t max_len;
    size_t size;
    size_t mask;                    /* index cells - 1 */
    size_t cursor[SS_PROBE_LEVELS]; /* next node min_node() tries, per level */
    size_t next_victim;             /* heap position chosen for the next eviction, or
                                       SIZE_MAX (see add_new) */
    uint64_t total;
    bool evicted;
    uint32_t filter_cells; /* the admission filter's cells, at the end of block; 0: none (see
                              ss_new_filtered; in padding, so that the struct does not grow) */
    uint8_t *block; /* the arrays below, in one allocation */
    size_t block_len;
    struct ss_node *heap;
    uint8_t *slots; /* k records of stride bytes */
    size_t stride;
    struct ss_index *index;
    uint8_t victim[256]; /* the key the last eviction removed (struct ss_evicted) */
};

/* Keeps slot ids (and slot + 1) in uint32_t, and index positions (at most
 * 2^32 cells) in a tag. */
#define SS_MAX_K ((size_t)UINT32_MAX / 2)

/* A key's index tag: its home cell (hash & mask) in the low bits, the
 * hash's high bits above them. */
static inline uint32_t tag_of(const struct ss *s, uint64_t hash)
{
    return (uint32_t)((hash & s->mask) | ((hash >> 32) & ~(uint64_t)s->mask));
}

/* The admission filter: the first filter_cells * 8 bytes of the block. */
static inline uint64_t *filter_of(const struct ss *s)
{
    return (uint64_t *)(void *)s->block;
}

/* The admission filter cell of a key of index tag tag (which holds 32
 * bits of its hash): the tag mapped onto the cells by its high bits, which
 * are hash bits the index cell (the tag's low bits) does not use, for any
 * number of cells. */
static inline size_t filter_cell(const struct ss *s, uint32_t tag)
{
    return (size_t)(((uint64_t)tag * s->filter_cells) >> 32);
}

/* After a merge or a decode, which do not know where the weight a filter
 * held came from: every cell at the minimum count, which bounds every key
 * not monitored (and, being at least the cells of the sides merged, the
 * weight they held). Zero while nothing was evicted. */
static void filter_fill(struct ss *s)
{
    if (s->filter_cells == 0)
        return;
    uint64_t m = s->evicted ? ss_min_count(s) : 0;
    for (size_t i = 0; i < s->filter_cells; i++)
        filter_of(s)[i] = m;
}

static bool mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

static bool add_ok(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return false;
    *out = a + b;
    return true;
}

/* Index cells: the smallest power of two >= 2k, or 0 on overflow. */
static size_t index_cells(size_t k)
{
    size_t cells = 1;
    while (cells < 2 * k) {
        if (cells > SIZE_MAX / 2)
            return 0;
        cells *= 2;
    }
    return cells;
}

/* The three arrays live in one block (so that a large sketch gets whole huge
 * pages, see table_mem.h): the heap from 48 bytes into the first cache line
 * (see layout_for), the others each from the start of a line. */
#define SS_ALIGN 64

static size_t align_up(size_t v)
{
    return (v + SS_ALIGN - 1) / SS_ALIGN * SS_ALIGN;
}

struct ss_layout {
    size_t cells, stride, heap, slots, index, filter, bytes; /* offsets of each array, and size */
};

/* Bytes of one counter record with a key of up to max_key_len (<= 255)
 * bytes: a power of two up to a cache line, so that no record straddles
 * two lines. */
static size_t slot_stride(size_t max_key_len)
{
    size_t r = sizeof(struct ss_slot) + max_key_len;
    if (r <= 32)
        return 32;
    if (r <= 64)
        return 64;
    return (r + 15) / 16 * 16;
}

/* filter_cells: 0 (none) up to 2^32 - 1 (ss_new_filtered). */
static bool layout_for(size_t k, size_t max_key_len, size_t filter_cells, struct ss_layout *l)
{
    if (k == 0 || k > SS_MAX_K || max_key_len == 0 || max_key_len > 255)
        return false;
    if (filter_cells > UINT32_MAX || filter_cells > SIZE_MAX / 16)
        return false;
    size_t heap, slots, index;
    l->cells = index_cells(k);
    l->stride = slot_stride(max_key_len);
    if (l->cells == 0 || !mul_ok(k, sizeof(struct ss_node), &heap) ||
        !mul_ok(k, l->stride, &slots) || !mul_ok(l->cells, sizeof(struct ss_index), &index) ||
        heap > SIZE_MAX / 2 || slots > SIZE_MAX / 2)
        return false;
    /* The filter (8 bytes a cell) first, so that it is found without
     * arithmetic; then the heap, whose node 0 sits 48 bytes into a line,
     * so the four children 4p+1..4p+4 of every node p fill exactly one
     * cache line. Without a filter the heap starts the block. */
    l->filter = 0;
    l->heap = align_up(filter_cells * sizeof(uint64_t)) + SS_ALIGN - sizeof(struct ss_node);
    l->slots = align_up(l->heap + heap); /* heap <= SIZE_MAX / 2: no overflow */
    if (!add_ok(l->slots, align_up(slots), &l->index) || !add_ok(l->index, index, &l->bytes))
        return false;
    return true;
}

size_t ss_mem_bytes_filtered_for(size_t k, size_t max_key_len, size_t filter_cells)
{
    struct ss_layout l;
    size_t sum;
    if (!layout_for(k, max_key_len, filter_cells, &l) || !add_ok(sizeof(struct ss), l.bytes, &sum))
        return 0;
    return sum;
}

size_t ss_mem_bytes_for(size_t k, size_t max_key_len)
{
    return ss_mem_bytes_filtered_for(k, max_key_len, 0);
}

struct ss *ss_new(size_t k, size_t max_key_len)
{
    return ss_new_filtered(k, max_key_len, 0);
}

struct ss *ss_new_filtered(size_t k, size_t max_key_len, size_t filter_cells)
{
    struct ss_layout l;
    if (ss_mem_bytes_filtered_for(k, max_key_len, filter_cells) == 0 ||
        !layout_for(k, max_key_len, filter_cells, &l))
        return NULL;
    struct ss *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->k = k;
    s->max_len = max_key_len;
    s->mask = l.cells - 1;
    s->next_victim = SIZE_MAX;
    s->block_len = l.bytes;
    s->block = table_alloc(l.bytes); /* zeroed: the index starts empty */
    if (s->block == NULL) {
        free(s);
        return NULL;
    }
    s->heap = (struct ss_node *)(void *)(s->block + l.heap);
    s->slots = s->block + l.slots;
    s->stride = l.stride;
    s->index = (struct ss_index *)(void *)(s->block + l.index);
    s->filter_cells = (uint32_t)filter_cells;
    return s;
}

void ss_free(struct ss *s)
{
    if (s == NULL)
        return;
    table_free(s->block, s->block_len);
    free(s);
}

void ss_clear(struct ss *s)
{
    memset(s->index, 0, (s->mask + 1) * sizeof *s->index);
    if (s->filter_cells != 0)
        memset(filter_of(s), 0, s->filter_cells * sizeof(uint64_t));
    s->size = 0;
    memset(s->cursor, 0, sizeof s->cursor);
    s->next_victim = SIZE_MAX;
    s->total = 0;
    s->evicted = false;
}

void ss_prefetch(const struct ss *s, uint64_t hash)
{
    cache_hint(&s->index[(size_t)hash & s->mask]);
}

void ss_prefault(struct ss *s)
{
    memset(s->heap, 0, s->k * sizeof *s->heap);
    memset(s->slots, 0, s->k * s->stride);
    ss_clear(s);
}

static inline struct ss_slot *slot_rec(const struct ss *s, size_t slot)
{
    return (struct ss_slot *)(void *)(s->slots + slot * s->stride);
}

static inline uint8_t *slot_key(const struct ss *s, size_t slot)
{
    return s->slots + slot * s->stride + sizeof(struct ss_slot);
}

/* The two hints below take counter 0 (always in memory, and hot) where
 * the cell names none: a choice instead of a branch, which would go either
 * way at random. */
void ss_prefetch_entry(const struct ss *s, uint64_t hash)
{
    uint32_t slot1 = s->index[(size_t)hash & s->mask].slot1;
    cache_hint(slot_rec(s, slot1 - (slot1 != 0))); /* slot1 - 1, or 0 */
}

/* Written with masks: the compiler turned the conditional forms into
 * branches, which failed for every key not in the table. */
void ss_prefetch_count(const struct ss *s, uint64_t hash)
{
    const struct ss_index *cell = &s->index[(size_t)hash & s->mask];
    uint32_t slot1 = cell->slot1 & -(uint32_t)(cell->tag == tag_of(s, hash));
    uint32_t pos = slot_rec(s, slot1 - (slot1 != 0))->heap_pos;
    cache_hint(&s->heap[pos & -(uint32_t)(pos < s->size)]); /* pos, or 0 */
}

static inline void heap_place(struct ss *s, size_t pos, struct ss_node node)
{
    s->heap[pos] = node;
    slot_rec(s, node.slot)->heap_pos = (uint32_t)pos;
}

/* The heap is 4-ary: half the depth of a binary heap, and the four children
 * of a node (64 bytes) share one cache line (see layout_for). */
#define SS_ARITY 4

/* Moves the node at pos towards the leaves until its children are not
 * smaller. */
static void sift_down(struct ss *s, size_t pos)
{
    struct ss_node node = s->heap[pos];
    size_t n = s->size;
    for (;;) {
        size_t first = SS_ARITY * pos + 1;
        if (first >= n)
            break;
        size_t child = first;
        if (first + SS_ARITY <= n) {
            /* All four children: a tournament the compiler turns into
             * conditional moves (the comparisons are unpredictable). */
            const struct ss_node *h = s->heap;
            size_t a = first + (h[first + 1].count < h[first].count);
            size_t b = first + 2 + (h[first + 3].count < h[first + 2].count);
            child = h[b].count < h[a].count ? b : a;
        } else {
            for (size_t c = first + 1; c < n; c++)
                if (s->heap[c].count < s->heap[child].count)
                    child = c;
        }
        if (s->heap[child].count >= node.count)
            break;
        heap_place(s, pos, s->heap[child]);
        pos = child;
    }
    heap_place(s, pos, node);
}

static TS_INLINE void sift_up(struct ss *s, size_t pos)
{
    struct ss_node node = s->heap[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / SS_ARITY;
        if (s->heap[parent].count <= node.count)
            break;
        heap_place(s, pos, s->heap[parent]);
        pos = parent;
    }
    heap_place(s, pos, node);
}

/* Key equality with the common address sizes as fixed-size compares, which
 * the compiler inlines. */
static inline bool key_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
    switch (len) {
    case 0:
        return true;
    case 2:
        return memcmp(a, b, 2) == 0;
    case 4:
        return memcmp(a, b, 4) == 0;
    case 16:
        return memcmp(a, b, 16) == 0;
    default:
        return memcmp(a, b, len) == 0;
    }
}

/* Key equality for keys of at most 16 bytes, both stored in 16 readable
 * bytes: the bytes of [0, len) compared under a mask, whatever len is. */
static inline bool key_eq16(const uint8_t *a, const uint8_t *b, size_t len)
{
    static const uint8_t ones[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint64_t a0, a1, b0, b1, m0, m1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    memcpy(&m0, ones + 16 - len, 8); /* len bytes of 0xff, then zeros */
    memcpy(&m1, ones + 24 - len, 8);
    return (((a0 ^ b0) & m0) | ((a1 ^ b1) & m1)) == 0;
}

/* Returns the index cell holding key, or the empty cell where it would go.
 * *found tells which. wide: key_eq16 may compare (see ss_add_evict16);
 * inlined, so that each caller's loop has one comparison. */
static TS_INLINE size_t index_find(const struct ss *s, const uint8_t *key, size_t len, uint32_t tag,
                                   bool wide, bool *found)
{
    size_t pos = (size_t)tag & s->mask;
    for (;;) {
        const struct ss_index *cell = &s->index[pos];
        if (cell->slot1 == 0) {
            *found = false;
            return pos;
        }
        if (cell->tag == tag) {
            size_t slot = cell->slot1 - 1;
            if (slot_rec(s, slot)->len == len && (wide ? key_eq16(slot_key(s, slot), key, len)
                                                       : key_eq(slot_key(s, slot), key, len))) {
                *found = true;
                return pos;
            }
        }
        pos = (pos + 1) & s->mask;
    }
}

/* Removes the index cell of slot (which must be present; start: its key's
 * home cell), shifting later cells of the cluster back so that linear
 * probing needs no tombstones. Returns the cell left empty at the end;
 * *tag is the removed cell's tag. */
static size_t index_remove_slot(struct ss *s, size_t slot, size_t start, uint32_t *tag)
{
    size_t mask = s->mask;
    size_t hole = start;
    while (s->index[hole].slot1 != slot + 1)
        hole = (hole + 1) & mask;
    *tag = s->index[hole].tag;
    size_t j = hole;
    for (;;) {
        j = (j + 1) & mask;
        if (s->index[j].slot1 == 0)
            break;
        size_t home = (size_t)s->index[j].tag & mask;
        /* The cell at j may move to the hole unless its home lies cyclically
         * in (hole, j]. */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            s->index[hole] = s->index[j];
            hole = j;
        }
    }
    s->index[hole].slot1 = 0;
    return hole;
}

/* wide: key has 16 readable bytes (see ss_add_evict16), all copied; a
 * record holds at least 16 bytes of key (slot_stride). */
static void slot_set(struct ss *s, size_t slot, const uint8_t *key, size_t len, uint64_t error,
                     bool wide)
{
    struct ss_slot *r = slot_rec(s, slot);
    r->error = error;
    r->len = (uint8_t)len;
    uint8_t *to = slot_key(s, slot);
    if (wide)
        memcpy(to, key, 16);
    else if (len == 4)
        memcpy(to, key, 4);
    else if (len == 16)
        memcpy(to, key, 16);
    else if (len > 0)
        memcpy(to, key, len);
}

/* Heap position of a counter with the minimum count. Space-Saving may evict
 * any of them. The root always is one, but its replacement (count min + w)
 * must sift down through every level when many counters tie at the minimum
 * (flat traffic). A leaf holding the minimum needs no sift at all: its
 * parent is <= min. So up to four leaves, taken round-robin, are tried
 * first. Once the leaves have all risen above the minimum (a quarter of the
 * counters are inner nodes, so this happens on about a quarter of the
 * evictions with a long tail of one-off keys), the levels above are tried
 * the same way, up to SS_PROBE_LEVELS levels from the bottom, each with a
 * cursor of its own: a node of level j sifts down at most j levels. The
 * root is the fallback. Requires a full heap. */
static size_t min_node_probe(struct ss *s)
{
    uint64_t min = s->heap[0].count;
    size_t hi = s->size;
    size_t lo = (hi + SS_ARITY - 2) / SS_ARITY; /* first p with no child */
    for (int level = 0; level < SS_PROBE_LEVELS && lo < hi; level++) {
        size_t c = s->cursor[level];
        for (int i = 0; i < 4; i++, c++) {
            if (c >= hi || c < lo)
                c = lo;
            if (s->heap[c].count == min) {
                s->cursor[level] = c + 1;
                return c;
            }
        }
        s->cursor[level] = c;
        /* the level above: nodes whose children all lie in [lo, ...) */
        hi = lo;
        lo /= SS_ARITY;
    }
    return 0;
}

/* min_node_probe, then a hint for the leaves the next call probes first
 * (the cursor walks the leaves a cache line at a time, and each line was
 * a miss: min_node was 3.6% of a trace's samples, 1.1% with the hint). */
static size_t min_node(struct ss *s)
{
    size_t found = min_node_probe(s);
    size_t c = s->cursor[0], last = c + 3;
    cache_hint(&s->heap[c < s->size ? c : 0]);
    cache_hint(&s->heap[last < s->size ? last : 0]);
    return found;
}

/* Gives a key that is not monitored the next free counter (the table has
 * room), with count and error; pos is the empty index cell its probe ended
 * at. */
static TS_INLINE void monitor_free(struct ss *s, const uint8_t *key, size_t len, uint32_t tag,
                                   size_t pos, uint64_t count, uint64_t error, bool wide)
{
    size_t slot = s->size++;
    slot_set(s, slot, key, len, error, wide);
    s->index[pos].tag = tag;
    s->index[pos].slot1 = (uint32_t)(slot + 1);
    heap_place(s, slot, (struct ss_node){count, (uint32_t)slot, tag & (uint32_t)s->mask});
    sift_up(s, slot);
}

/* Monitors a key that is not monitored yet; pos is the empty index cell
 * where the probe for it ended. Kept out of line so that the common case,
 * an increment, stays small. With a filter, a key whose cell stays below
 * the minimum count only adds its weight to the cell. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static bool
add_new(struct ss *s, const uint8_t *key, size_t len, uint32_t tag, uint64_t weight, size_t pos,
        bool wide, struct ss_evicted *ev)
{
    if (s->size < s->k) {
        monitor_free(s, key, len, tag, pos, weight, 0, wide);
        return false;
    }
    /* A weight of 0 (a connection of 0 bytes with -b) makes its key known
     * while there is room, as an exact table would, but never evicts. */
    if (weight == 0)
        return false;
    /* The earlier weight the key may have had: the minimum (plain
     * Space-Saving), or its filter cell, which is at most the minimum. */
    uint64_t base = s->heap[0].count;
    if (s->filter_cells != 0) {
        uint64_t *cell = &filter_of(s)[filter_cell(s, tag)];
        if (*cell + weight <= base) {
            *cell += weight;
            s->evicted = true; /* the weight is no longer the key's alone */
            return false;
        }
        base = *cell;
    }
    /* Evict a minimum: a leaf if possible, else the root. The node chosen
     * at the end of the last eviction is used while it still holds the
     * minimum count (any minimum will do); its index cell and counter were
     * asked into the cache then. */
    size_t hp = s->next_victim;
    if (hp >= s->size || s->heap[hp].count != s->heap[0].count)
        hp = min_node(s);
    size_t slot = s->heap[hp].slot;
    uint64_t min = s->heap[hp].count;
    /* The heap node names the victim's index cell: no wait for its slot. */
    uint32_t victim_tag;
    size_t hole = index_remove_slot(s, slot, s->heap[hp].home, &victim_tag);
    if (s->filter_cells != 0) {
        /* the victim's true count is at most min: its cell now bounds it */
        uint64_t *vc = &filter_of(s)[filter_cell(s, victim_tag)];
        if (*vc < min)
            *vc = min;
    }
    if (ev != NULL) {
        const struct ss_slot *r = slot_rec(s, slot);
        /* a record holds at least 16 bytes of key: a fixed-size copy
         * for the common lengths */
        if (r->len <= 16)
            memcpy(s->victim, slot_key(s, slot), 16);
        else
            memcpy(s->victim, slot_key(s, slot), r->len);
        ev->key = s->victim;
        ev->len = r->len;
        ev->count = min - r->error;
    }
    /* Shifting only moves cells backwards, so every cell from the key's home
     * up to pos is still occupied except, perhaps, the final hole: if the
     * hole lies in that run, the key belongs there instead. */
    size_t home = (size_t)tag & s->mask;
    if (((hole - home) & s->mask) < ((pos - home) & s->mask))
        pos = hole;
    slot_set(s, slot, key, len, base, wide);
    s->index[pos].tag = tag;
    s->index[pos].slot1 = (uint32_t)(slot + 1);
    s->heap[hp].count = base + weight; /* >= min: the heap is restored below */
    s->heap[hp].home = tag & (uint32_t)s->mask;
    s->evicted = true;
    sift_down(s, hp); /* a leaf stays put: its parent is <= min */
    /* The next victim, chosen now so that the two lines its eviction must
     * read (about two updates from now with many one-off keys) are on
     * their way: without this they were the costliest misses of an
     * eviction-heavy stream. */
    size_t nv = min_node(s);
    s->next_victim = nv;
    cache_hint(&s->index[s->heap[nv].home]);
    cache_hint(slot_rec(s, s->heap[nv].slot));
    return true;
}

static TS_INLINE bool add_evict(struct ss *s, const void *key, size_t len, uint64_t hash,
                                uint64_t weight, bool wide, struct ss_evicted *ev)
{
    if (len > s->max_len)
        len = s->max_len;
    s->total += weight;

    bool found;
    uint32_t tag = tag_of(s, hash);
    size_t pos = index_find(s, key, len, tag, wide, &found);
    if (!found)
        return add_new(s, key, len, tag, weight, pos, wide, ev);
    if (weight == 0)
        return false;
    size_t hp = slot_rec(s, s->index[pos].slot1 - 1)->heap_pos;
    s->heap[hp].count += weight;
    if (SS_ARITY * hp + 1 < s->size) /* a leaf (most heavy keys) stays put */
        sift_down(s, hp);
    return false;
}

bool ss_add_evict(struct ss *s, const void *key, size_t len, uint64_t hash, uint64_t weight,
                  struct ss_evicted *ev)
{
    return add_evict(s, key, len, hash, weight, false, ev);
}

/* Inlined into its callers (with link-time optimization, across files):
 * as a call it saved and restored six registers for an update that, for a
 * key already in the table, is about 40 instructions; 2.2% of the
 * instructions of a packet trace, 2.4% of a connection log's. The header
 * declares it without inline, so this is its external definition, which
 * may use the file's static functions (clang warns as if it could not). */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wstatic-in-inline"
#endif
TS_INLINE bool ss_add_evict16(struct ss *s, const void *key, size_t len, uint64_t hash,
                              uint64_t weight, struct ss_evicted *ev)
{
    if (len > 16)
        return ss_add_evict(s, key, len, hash, weight, ev);
    return add_evict(s, key, len, hash, weight, true, ev);
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

void ss_add(struct ss *s, const void *key, size_t len, uint64_t hash, uint64_t weight)
{
    (void)ss_add_evict(s, key, len, hash, weight, NULL);
}

static void entry_of(const struct ss *s, size_t slot, struct ss_entry *out)
{
    const struct ss_slot *r = slot_rec(s, slot);
    out->key = slot_key(s, slot);
    out->len = r->len;
    out->count = s->heap[r->heap_pos].count;
    out->error = r->error;
}

static bool query_tag(const struct ss *s, const uint8_t *key, size_t len, uint32_t tag,
                      struct ss_entry *out)
{
    bool found;
    size_t pos = index_find(s, key, len, tag, false, &found);
    if (!found)
        return false;
    if (out != NULL)
        entry_of(s, s->index[pos].slot1 - 1, out);
    return true;
}

bool ss_query(const struct ss *s, const void *key, size_t len, uint64_t hash, struct ss_entry *out)
{
    if (len > s->max_len)
        len = s->max_len;
    return query_tag(s, key, len, tag_of(s, hash), out);
}

/* Key order: memcmp on the common length, then the longer key is larger
 * (the order of Python bytes and str). */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int r = n > 0 ? memcmp(a, b, n) : 0;
    if (r != 0)
        return r;
    return (alen > blen) - (alen < blen);
}

/* > 0 if a ranks before b in the report: larger count, then larger key. */
static int rank_cmp(const struct ss_entry *a, const struct ss_entry *b)
{
    if (a->count != b->count)
        return a->count > b->count ? 1 : -1;
    return key_cmp(a->key, a->len, b->key, b->len);
}

static int rank_qsort(const void *pa, const void *pb)
{
    return rank_cmp(pb, pa); /* best first */
}

/* Ranking many entries (ss_top of a whole table, which ss_encode writes
 * for every closed interval, and the candidates of a merge): qsort with
 * rank_qsort spent about 20 instructions a comparison in calls and memcmp,
 * 8% of a run with interval tables. Keys of up to 16 bytes are packed
 * instead into two big-endian words, zero-padded, and sorted by an inlined
 * comparison: padded words and then the length order exactly as key_cmp
 * does (a key that is a prefix of another pads with zeros, which no byte
 * is below, and the longer one is the larger on a tie). */
struct rank_key {
    uint64_t count, hi, lo;
    uint32_t idx; /* the entry's position before the sort */
    uint32_t len;
};

static inline bool rk_before(const struct rank_key *a, const struct rank_key *b)
{
    if (a->count != b->count)
        return a->count > b->count;
    if (a->hi != b->hi)
        return a->hi > b->hi;
    if (a->lo != b->lo)
        return a->lo > b->lo;
    return a->len > b->len;
}

static void rk_fill(struct rank_key *k, const struct ss_entry *e, size_t i)
{
    uint8_t b[16] = {0};
    memcpy(b, e->key, e->len);
    uint64_t hi = 0, lo = 0;
    for (int j = 0; j < 8; j++) {
        hi = hi << 8 | b[j];
        lo = lo << 8 | b[8 + j];
    }
    *k = (struct rank_key){e->count, hi, lo, (uint32_t)i, (uint32_t)e->len};
}

static void rk_sift(struct rank_key *a, size_t n, size_t pos)
{
    struct rank_key v = a[pos];
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= n)
            break;
        /* a heap whose root ranks last, so that the sort puts it at the end */
        if (c + 1 < n && rk_before(&a[c], &a[c + 1]))
            c++;
        if (!rk_before(&v, &a[c]))
            break;
        a[pos] = a[c];
        pos = c;
    }
    a[pos] = v;
}

/* Best first: quicksort (median of three, Hoare's partition), insertion
 * sort below 16 entries, heapsort once the depth exceeds 2 log2 n, so
 * O(n log n) whatever the counts. */
static void rk_sort(struct rank_key *a, size_t n, int depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            for (size_t i = n / 2; i-- > 0;)
                rk_sift(a, n, i);
            for (size_t m = n; m-- > 1;) {
                struct rank_key t = a[0];
                a[0] = a[m];
                a[m] = t;
                rk_sift(a, m, 0);
            }
            return;
        }
        size_t mid = n / 2;
        struct rank_key x = a[0], y = a[mid], z = a[n - 1], pivot;
        if (rk_before(&x, &y))
            pivot = rk_before(&y, &z) ? y : rk_before(&x, &z) ? z : x;
        else
            pivot = rk_before(&x, &z) ? x : rk_before(&y, &z) ? z : y;
        size_t i = 0, j = n - 1;
        for (;;) {
            while (rk_before(&a[i], &pivot))
                i++;
            while (rk_before(&pivot, &a[j]))
                j--;
            if (i >= j)
                break;
            struct rank_key t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* [0, j] ranks before or with the pivot, (j, n) after or with it */
        size_t left = j + 1;
        if (left >= n) {
            depth = 0; /* cannot happen with distinct keys; heapsort if it does */
            continue;
        }
        if (left < n - left) {
            rk_sort(a, left, depth);
            a += left;
            n -= left;
        } else {
            rk_sort(a + left, n - left, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        struct rank_key v = a[i];
        size_t j = i;
        for (; j > 0 && rk_before(&v, &a[j - 1]); j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Sorts n records of size bytes, each beginning with a struct ss_entry,
 * best first. Returns false (nothing changed) when a key is longer than
 * 16 bytes or memory runs out: the caller then sorts with qsort. */
static bool rank_sort_records(void *base, size_t n, size_t size)
{
    if (n < 2)
        return true;
    if (n > UINT32_MAX)
        return false;
    struct rank_key *k = malloc(n * sizeof *k);
    uint8_t *tmp = malloc(n * size);
    bool ok = k != NULL && tmp != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const struct ss_entry *e = (const void *)((uint8_t *)base + i * size);
        if (e->len > 16)
            ok = false;
        else
            rk_fill(&k[i], e, i);
    }
    if (ok) {
        int depth = 0;
        for (size_t m = n; m > 1; m >>= 1)
            depth += 2;
        rk_sort(k, n, depth);
        memcpy(tmp, base, n * size);
        for (size_t i = 0; i < n; i++)
            memcpy((uint8_t *)base + i * size, tmp + (size_t)k[i].idx * size, size);
    }
    free(k);
    free(tmp);
    return ok;
}

static void rank_sort_entries(struct ss_entry *e, size_t n)
{
    if (!rank_sort_records(e, n, sizeof *e))
        qsort(e, n, sizeof *e, rank_qsort);
}

/* out[0..n) as a heap whose root is the worst-ranked entry. */
static void worst_heap_down(struct ss_entry *h, size_t n, size_t pos)
{
    struct ss_entry e = h[pos];
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= n)
            break;
        if (child + 1 < n && rank_cmp(&h[child + 1], &h[child]) < 0)
            child++;
        if (rank_cmp(&h[child], &e) >= 0)
            break;
        h[pos] = h[child];
        pos = child;
    }
    h[pos] = e;
}

size_t ss_top(const struct ss *s, struct ss_entry *out, size_t n)
{
    if (n > s->size)
        n = s->size;
    if (n == 0)
        return 0;
    for (size_t slot = 0; slot < n; slot++)
        entry_of(s, slot, &out[slot]);
    if (n == s->size) {
        /* every entry: no selection needed */
        rank_sort_entries(out, n);
        return n;
    }
    for (size_t i = n / 2; i-- > 0;)
        worst_heap_down(out, n, i);
    for (size_t slot = n; slot < s->size; slot++) {
        struct ss_entry e;
        entry_of(s, slot, &e);
        if (rank_cmp(&e, &out[0]) > 0) {
            out[0] = e;
            worst_heap_down(out, n, 0);
        }
    }
    rank_sort_entries(out, n);
    return n;
}

size_t ss_entries(const struct ss *s, struct ss_entry *out, size_t n)
{
    if (n > s->size)
        n = s->size;
    for (size_t slot = 0; slot < n; slot++)
        entry_of(s, slot, &out[slot]);
    return n;
}

int ss_merge(struct ss *dst, const struct ss *src)
{
    return ss_merge_drop(dst, src, NULL, NULL);
}

/* Hands dst's counter at heap position hp (the root) over to a key of
 * src's that ranks above it: the old key goes to dropped_fn, the new one
 * takes its slot with count c and error e. */
static void merge_replace(struct ss *dst, size_t hp, const uint8_t *key, size_t len, uint32_t tag,
                          uint64_t c, uint64_t e, ss_drop_fn dropped_fn, void *ctx)
{
    size_t slot = dst->heap[hp].slot;
    if (dropped_fn != NULL) {
        const struct ss_slot *r = slot_rec(dst, slot);
        struct ss_evicted ev = {slot_key(dst, slot), r->len, dst->heap[hp].count - r->error};
        dropped_fn(ctx, &ev);
    }
    uint32_t old_tag;
    (void)index_remove_slot(dst, slot, dst->heap[hp].home, &old_tag);
    bool found;
    size_t pos = index_find(dst, key, len, tag, false, &found);
    slot_set(dst, slot, key, len, e, false);
    dst->index[pos].tag = tag;
    dst->index[pos].slot1 = (uint32_t)(slot + 1);
    dst->heap[hp].count = c;
    dst->heap[hp].home = tag & (uint32_t)dst->mask;
    sift_down(dst, hp);
}

/*
 * In place, in two passes, with no second table:
 *   1. every counter of dst adds src's count and error for its key (or
 *      src's minimum, if src has evicted), and marks that entry of src;
 *      then the heap is rebuilt on the new counts;
 *   2. every unmarked entry of src (in a scrambled index order), with dst's
 *      minimum added, takes a free counter, or replaces dst's minimum
 *      counter if its count is larger, or else is dropped.
 * Pass 2 keeps the k largest candidates: the minimum only rises, so every
 * candidate dropped (or replaced) had a count at most the final minimum,
 * and no kept one lies below it. Among candidates tied at that minimum the
 * ones already in dst stay. Both passes walk the index (its cells hold
 * the keys' tags). Cost: one lookup in src per counter of dst and
 * O(log k) per replacement; allocates a bit per entry of src.
 */
/*
 * disjoint (ss_merge_disjoint): no key was added to both sides, so a key
 * missing from one side has count 0 there and is charged nothing; pass 1
 * has nothing to look up, and every key of src goes to pass 2.
 */
static int merge(struct ss *dst, const struct ss *src, bool disjoint, ss_drop_fn dropped_fn,
                 void *ctx)
{
    if (dst->k != src->k || dst->max_len != src->max_len || (disjoint && dst == src))
        return -1;
    if (src->size == 0) {
        dst->total += src->total;
        return 0;
    }
    uint64_t m_dst = dst->evicted && !disjoint ? ss_min_count(dst) : 0;
    uint64_t m_src = src->evicted && !disjoint ? ss_min_count(src) : 0;
    uint64_t *marked = calloc((src->size + 63) / 64, sizeof *marked);
    if (marked == NULL)
        return -1;
    /* both passes walk the index, whose cells hold the keys' tags */
    for (size_t cell = 0; cell <= dst->mask && !disjoint; cell++) {
        if (dst->index[cell].slot1 == 0)
            continue;
        size_t slot = dst->index[cell].slot1 - 1;
        struct ss_slot *r = slot_rec(dst, slot);
        uint64_t *count = &dst->heap[r->heap_pos].count;
        bool found;
        size_t pos =
            index_find(src, slot_key(dst, slot), r->len, dst->index[cell].tag, false, &found);
        if (found) {
            size_t other = src->index[pos].slot1 - 1;
            const struct ss_slot *o = slot_rec(src, other);
            *count += src->heap[o->heap_pos].count;
            r->error += o->error;
            marked[other / 64] |= (uint64_t)1 << (other % 64);
        } else {
            *count += m_src;
            r->error += m_src;
        }
    }
    for (size_t i = disjoint ? 0 : dst->size / SS_ARITY + 1; i-- > 0;)
        if (i < dst->size)
            sift_down(dst, i);
    bool dropped = false;
    for (size_t i = 0; i <= src->mask; i++) {
        /* src's cells in an order unrelated to their position (an odd
         * multiplier permutes the powers of two): taken in index order,
         * the keys entered dst's index in the order of their home cells,
         * and the cells behind that front filled up solid, so that every
         * later probe and removal walked a growing run (the merge of -l
         * took 200 ms instead of 26) */
        size_t cell = (i * (size_t)0x9e3779b97f4a7c15u) & src->mask;
        /* dst == src: every key is marked, none inserted */
        if (src->index[cell].slot1 == 0)
            continue;
        size_t other = src->index[cell].slot1 - 1;
        uint32_t tag = src->index[cell].tag;
        if (marked[other / 64] & ((uint64_t)1 << (other % 64)))
            continue;
        const struct ss_slot *o = slot_rec(src, other);
        const uint8_t *key = slot_key(src, other);
        uint64_t c = src->heap[o->heap_pos].count + m_dst;
        uint64_t e = o->error + m_dst;
        if (dst->size < dst->k) {
            bool found;
            size_t pos = index_find(dst, key, o->len, tag, false, &found);
            monitor_free(dst, key, o->len, tag, pos, c, e, false);
        } else if (c > dst->heap[0].count) {
            dropped = dropped || dst->heap[0].count > 0;
            merge_replace(dst, 0, key, o->len, tag, c, e, dropped_fn, ctx);
        } else {
            /* a dropped candidate of count 0 loses nothing: its true
             * count is 0, and one pass would not have monitored it */
            dropped = dropped || c > 0;
            if (dropped_fn != NULL) {
                struct ss_evicted ev = {key, o->len, c - e};
                dropped_fn(ctx, &ev);
            }
        }
    }
    dst->total += src->total;
    dst->evicted = dst->evicted || src->evicted || dropped;
    dst->next_victim = SIZE_MAX;
    filter_fill(dst);
    free(marked);
    return 0;
}

int ss_merge_drop(struct ss *dst, const struct ss *src, ss_drop_fn dropped_fn, void *ctx)
{
    return merge(dst, src, false, dropped_fn, ctx);
}

/*
 * Why every bound still holds when nothing is charged: a kept entry's
 * count and error are its own side's, and its true count is that side's.
 * A key in neither table has f(x) <= the minimum of the side it could
 * belong to (0 if that side never evicted); a side that evicted is full,
 * so k of the candidates count at least its minimum, and the k kept count
 * at least that much: the merged minimum bounds every key not listed.
 * Dropped candidates count at most the merged minimum (pass 2), and the
 * counts sum to at most N.
 */
int ss_merge_disjoint(struct ss *dst, const struct ss *src, ss_drop_fn dropped_fn, void *ctx)
{
    return merge(dst, src, true, dropped_fn, ctx);
}

uint64_t ss_total(const struct ss *s)
{
    return s->total;
}

uint64_t ss_min_count(const struct ss *s)
{
    return s->size < s->k ? 0 : s->heap[0].count;
}

bool ss_has_evicted(const struct ss *s)
{
    return s->evicted;
}

size_t ss_size(const struct ss *s)
{
    return s->size;
}

size_t ss_capacity(const struct ss *s)
{
    return s->k;
}

size_t ss_mem_bytes(const struct ss *s)
{
    return ss_mem_bytes_filtered_for(s->k, s->max_len, s->filter_cells);
}

uint64_t ss_filter_bound(const struct ss *s, uint64_t hash)
{
    return s->filter_cells != 0 ? filter_of(s)[filter_cell(s, tag_of(s, hash))] : 0;
}

/* Serialized form (see the header comment of space_saving.h). */
#define SS_ENC_EVICTED 1u

int ss_encode(const struct ss *s, struct bb_writer *w)
{
    struct ss_entry *e = malloc((s->size > 0 ? s->size : 1) * sizeof *e);
    if (e == NULL)
        return -1;
    size_t n = ss_top(s, e, s->size);
    bbw_varint(w, s->k);
    bbw_varint(w, s->max_len);
    bbw_varint(w, s->total);
    bbw_u8(w, s->evicted ? SS_ENC_EVICTED : 0);
    bbw_varint(w, n);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        bbw_u8(w, (uint8_t)e[i].len);
        bbw_bytes(w, e[i].key, e[i].len);
        bbw_varint(w, i == 0 ? e[i].count : prev - e[i].count);
        bbw_varint(w, e[i].error);
        prev = e[i].count;
    }
    free(e);
    return bbw_ok(w) ? 0 : -1;
}

int ss_decode(struct ss *s, struct bb_reader *r, uint64_t seed)
{
    ss_clear(s);
    uint64_t k = bbr_varint(r), max_len = bbr_varint(r), total = bbr_varint(r);
    uint8_t flags = bbr_u8(r);
    uint64_t n = bbr_varint(r);
    bool evicted = (flags & SS_ENC_EVICTED) != 0;
    /* n is checked against k before anything is read for it; an evicted
     * sketch is full (its minimum bounds every absent key) */
    if (!bbr_ok(r) || k != s->k || max_len != s->max_len || (flags & ~SS_ENC_EVICTED) || n > k ||
        (evicted && n != k))
        goto bad;
    uint64_t sum = 0, prev = 0;
    struct ss_entry last = {NULL, 0, 0, 0};
    for (size_t slot = 0; slot < n; slot++) {
        struct ss_entry e;
        e.len = bbr_u8(r);
        e.key = bbr_bytes(r, e.len <= s->max_len ? e.len : SIZE_MAX);
        uint64_t c = bbr_varint(r);
        e.error = bbr_varint(r);
        if (!bbr_ok(r) || (slot > 0 && c > prev))
            goto bad;
        e.count = slot == 0 ? c : prev - c;
        /* ranked strictly (so no key twice), error within the count, the
         * counts within the total, and exact counts while nothing evicted */
        if (e.error > e.count || (!evicted && e.error != 0) || e.count > total - sum ||
            (slot > 0 && rank_cmp(&last, &e) <= 0))
            goto bad;
        sum += e.count;
        prev = e.count;
        uint64_t hash = hash64(e.key, e.len, seed);
        uint32_t tag = tag_of(s, hash);
        bool found;
        size_t pos = index_find(s, e.key, e.len, tag, false, &found);
        if (found)
            goto bad;
        slot_set(s, slot, e.key, e.len, e.error, false);
        s->index[pos].tag = tag;
        s->index[pos].slot1 = (uint32_t)(slot + 1);
        s->heap[slot] = (struct ss_node){e.count, (uint32_t)slot, tag & (uint32_t)s->mask};
        slot_rec(s, slot)->heap_pos = (uint32_t)slot;
        s->size = slot + 1;
        last = e;
        last.key = slot_key(s, slot);
    }
    if (!evicted && sum != total)
        goto bad;
    /* the entries came best first: a heapify, O(k), makes the min-heap */
    for (size_t i = s->size / 2; i-- > 0;)
        sift_down(s, i);
    s->total = total;
    s->evicted = evicted;
    filter_fill(s);
    return 0;
bad:
    ss_clear(s);
    bbr_fail(r);
    return -1;
}
