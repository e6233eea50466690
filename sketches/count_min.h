/*
 * count_min.h - Count-Min sketch with conservative update (Cormode and
 * Muthukrishnan 2005; Estan and Varghese 2002). API fixed here; count_min.c
 * documents algorithm, guarantee and memory formula.
 */
#ifndef TS_COUNT_MIN_H
#define TS_COUNT_MIN_H

#include <stddef.h>
#include <stdint.h>

struct cms;

/* Width w (rounded up to a power of two), depth d (1..16), row seeds derived
 * from seed. Returns NULL on zero sizes, overflow or allocation failure. */
struct cms *cms_new(size_t w, size_t d, uint64_t seed);
void cms_free(struct cms *c);

/* Adds weight to the key whose 64-bit hash is hash (conservative update).
 * Cost: O(d). */
void cms_add(struct cms *c, uint64_t hash, uint64_t weight);
/* One update of cms_add_many. */
struct cms_update {
    uint64_t hash;
    uint64_t weight;
};
/* cms_add of each of u[0..n), in order (the same cells result), with each
 * update's cells computed once and asked into the cache eight updates
 * ahead. O(n d). */
void cms_add_many(struct cms *c, const struct cms_update *u, size_t n);
/* Estimate: never below the true count; above it by more than (e/w)N with
 * probability at most e^-d (plain update; conservative update only lowers). */
uint64_t cms_query(const struct cms *c, uint64_t hash);
/* Merges src into dst (cell-wise sum): same w, d, seed. Returns 0 or -1. */
int cms_merge(struct cms *dst, const struct cms *src);

struct bb_writer;
struct bb_reader;
/* Appends c's cells above 0 to w (layout in count_min.c). Returns 0, or -1
 * if w failed. O(w d). */
int cms_encode(const struct cms *c, struct bb_writer *w);
/* Replaces c's cells by those encoded at r, which must have c's w and d
 * (and have been made under c's seed: not checked here). Allocates
 * nothing. Returns 0, or -1 with r failed and c cleared on bytes that are
 * not such a sketch. O(w d). */
int cms_decode(struct cms *c, struct bb_reader *r);

uint64_t cms_total(const struct cms *c);
size_t cms_width(const struct cms *c);
size_t cms_depth(const struct cms *c);
size_t cms_mem_bytes(const struct cms *c);
size_t cms_mem_bytes_for(size_t w, size_t d);
void cms_clear(struct cms *c);

#endif
