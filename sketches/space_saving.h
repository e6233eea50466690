/*
 * space_saving.h - weighted Space-Saving top-k (Metwally et al. 2005),
 * mergeable (Cafaro et al.). API fixed here; space_saving.c documents the
 * algorithm, guarantee and memory formula in its header comment.
 *
 * Ownership: ss_new returns an object the caller owns (ss_free). Keys are
 * copied into the sketch (at most max_key_len bytes each). Entries returned
 * by ss_top borrow key pointers that stay valid until the sketch next changes.
 */
#ifndef TS_SPACE_SAVING_H
#define TS_SPACE_SAVING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ss;

struct ss_entry {
    const uint8_t *key; /* borrowed */
    size_t len;
    uint64_t count; /* over-estimate: true count <= count */
    uint64_t error; /* true count >= count - error */
};

/* k counters for keys of up to max_key_len bytes (1..255). Returns NULL if k
 * is 0, max_key_len is 0 or > 255, the size overflows, or allocation fails. */
struct ss *ss_new(size_t k, size_t max_key_len);
/* ss_new with an admission filter of filter_cells counters (a power of
 * two from 2 to 2^31; 0: none, as ss_new) in front of the table (Filtered
 * Space-Saving, see space_saving.c): once the table is full, a key not
 * monitored adds its weight to its filter cell and enters the table,
 * evicting a minimum, only when that cell plus the weight reaches the
 * minimum count. The bounds of ss_entry still hold, and every key not
 * monitored has a true count <= its filter cell <= min count <= N / k.
 * While the table has room it behaves exactly as ss_new's. */
struct ss *ss_new_filtered(size_t k, size_t max_key_len, size_t filter_cells);
void ss_free(struct ss *s);

/* Adds weight to key (len bytes, truncated to max_key_len). hash must be
 * hash64(key, len, seed) for one seed shared by every sketch that is merged
 * with this one; for keys longer than max_key_len, hash the truncated key so
 * that keys equal after truncation share one entry. Weight 0 monitors a new
 * key (count 0) while a counter is free, never evicts, and is otherwise a
 * no-op. No allocation. Cost: O(log k) worst case, O(1) expected for
 * increments of heavy keys. */
void ss_add(struct ss *s, const void *key, size_t len, uint64_t hash, uint64_t weight);

/* What an eviction removed: the key (a copy in the sketch, valid until its
 * next update) and its exact count since it was last monitored (count -
 * error: every increment while monitored is exact; only its count before
 * that is estimated). */
struct ss_evicted {
    const uint8_t *key;
    size_t len;
    uint64_t count;
};

/* ss_add that also reports an eviction: returns true and fills *ev when the
 * update replaced a monitored key. */
bool ss_add_evict(struct ss *s, const void *key, size_t len, uint64_t hash, uint64_t weight,
                  struct ss_evicted *ev);

/* ss_add_evict for a key of at most 16 bytes stored in (at least) 16
 * readable bytes, such as an address of either family: the key is compared
 * and copied as 16 bytes under a mask of len bytes, with no branch on its
 * length (IPv4 and IPv6 keys mixed at random mispredict one). The bytes
 * past len are ignored. Same result as ss_add_evict. */
bool ss_add_evict16(struct ss *s, const void *key, size_t len, uint64_t hash, uint64_t weight,
                    struct ss_evicted *ev);

/* Merges src into dst (Cafaro et al.); both must have the same k and
 * max_key_len and use the same hash seed. A key missing from one side gets
 * that side's min count added to its count and error if that side has
 * evicted (0 otherwise); the k largest counts are kept (ties at the
 * smallest count kept: dst's keys first, then src's in a fixed order).
 * Afterwards ss_total(dst) is the sum of both totals and the counts sum to
 * at most that; dst has evicted if either side had or keys of count above
 * 0 were dropped (so two exact sketches whose keys fit in k merge exact,
 * with the counts of one pass). Every bound of space_saving.c holds after
 * any tree of merges, N the merged total.
 * src is unchanged (dst == src is allowed). Returns 0, or -1 on mismatch or
 * allocation failure (dst unchanged). Cost: one lookup per key of each
 * side, O(log k) per key of src that replaces one of dst; in place,
 * allocating a bit per key of src for the time of the call. */
int ss_merge(struct ss *dst, const struct ss *src);

/* Called for each candidate a merge drops: the key (borrowed for the
 * call) and its exact part, count - error. */
typedef void (*ss_drop_fn)(void *ctx, const struct ss_evicted *dropped);

/* ss_merge that hands every dropped candidate to dropped (may be NULL)
 * before it returns. A dropped candidate of count 0 does not make dst
 * inexact. */
int ss_merge_drop(struct ss *dst, const struct ss *src, ss_drop_fn dropped, void *ctx);

/* ss_merge_drop for sketches no key was ever added to both of (the
 * caller knows it: the sources of two partitions of a stream by source,
 * say): a key missing from one side is charged nothing, since its count
 * there is 0, so every kept key keeps the count and error of its side.
 * Every bound of ss_merge holds, the one for keys not listed included
 * (space_saving.c). dst == src is refused (-1). */
int ss_merge_disjoint(struct ss *dst, const struct ss *src, ss_drop_fn dropped, void *ctx);

struct bb_writer;
struct bb_reader;

/* Appends s's monitored entries to w (layout in space_saving.c), best
 * first: equal sketches give equal bytes. Returns 0, or -1 if w failed or
 * out of memory. Cost: O(k log k), allocates O(size). */
int ss_encode(const struct ss *s, struct bb_writer *w);
/* Replaces the contents of s by the sketch encoded at r, which must have
 * s's k and max_key_len; keys are hashed with hash64(key, len, seed), the
 * seed of what s will be merged with. Allocates nothing. Returns 0, or -1
 * with r failed (at the position of the fault) and s empty when the bytes
 * are not a valid sketch. Cost: O(n) expected. */
int ss_decode(struct ss *s, struct bb_reader *r, uint64_t seed);

/* Writes up to n entries into out, ordered by count descending, ties by key
 * descending (memcmp on the common length, then the longer key is larger).
 * Returns the number written. Cost: O(k log k). */
size_t ss_top(const struct ss *s, struct ss_entry *out, size_t n);

/* Writes up to n monitored entries into out in no particular order.
 * Returns the number written. Cost: O(n). */
size_t ss_entries(const struct ss *s, struct ss_entry *out, size_t n);

/* Looks key up; returns true and fills *out if it is monitored. O(1). */
bool ss_query(const struct ss *s, const void *key, size_t len, uint64_t hash, struct ss_entry *out);

uint64_t ss_total(const struct ss *s);     /* N: sum of all weights added */
uint64_t ss_min_count(const struct ss *s); /* 0 while fewer than k keys are monitored */
bool ss_has_evicted(const struct ss *s);   /* false: every count is exact */
size_t ss_size(const struct ss *s);        /* keys monitored now */
size_t ss_capacity(const struct ss *s);    /* k */
size_t ss_mem_bytes(const struct ss *s);   /* bytes allocated, struct included */
/* Bytes ss_new(k, max_key_len) would allocate, or 0 if it would overflow. */
size_t ss_mem_bytes_for(size_t k, size_t max_key_len);
/* The same for ss_new_filtered, or 0 if the arguments are invalid. */
size_t ss_mem_bytes_filtered_for(size_t k, size_t max_key_len, size_t filter_cells);
/* An upper bound of the weight the filter took for key hash over the whole
 * stream (while the key was not monitored): its filter cell, which never
 * decreases and to which every filtered weight was added; 0 without a
 * filter. With the exact parts of the key's evictions (ss_add_evict) it
 * bounds the key's weight before it was last monitored. O(1). */
uint64_t ss_filter_bound(const struct ss *s, uint64_t hash);
/* Forgets everything (keeps the allocation). */
void ss_clear(struct ss *s);
/* Hints that key hash is about to be added: starts loading the index cell
 * it probes first, so that several sketches' cache misses overlap. O(1),
 * no effect on the contents. */
void ss_prefetch(const struct ss *s, uint64_t hash);
/* Second hint, once the index cell of hash is cached: starts loading the
 * counter and key it points to. O(1), no effect on the contents. */
void ss_prefetch_entry(const struct ss *s, uint64_t hash);
/* Third hint, once the counter slot of hash is cached: starts loading its
 * count in the heap, which an increment writes. O(1), no effect on the
 * contents. */
void ss_prefetch_count(const struct ss *s, uint64_t hash);
/* Writes every byte the sketch owns and forgets everything, so that its
 * resident memory is reached now rather than as keys arrive. O(k). */
void ss_prefault(struct ss *s);

#endif
