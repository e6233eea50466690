/*
 * hyperloglog.h - HyperLogLog distinct counter (Flajolet et al. 2007) with
 * the small-range (linear counting) correction. API fixed here;
 * hyperloglog.c documents algorithm, guarantee and memory formula.
 */
#ifndef TS_HYPERLOGLOG_H
#define TS_HYPERLOGLOG_H

#include <stddef.h>
#include <stdint.h>

struct hll;

/* 2^p registers, p in 4..18. Returns NULL otherwise or on allocation failure. */
struct hll *hll_new(unsigned p);
void hll_free(struct hll *h);

/* Adds the key whose 64-bit hash is hash. O(1). */
void hll_add(struct hll *h, uint64_t hash);
/* Estimated number of distinct keys added. Standard error 1.04/sqrt(2^p). */
double hll_estimate(const struct hll *h);
/* Register-wise max; same p. Returns 0 or -1. */
int hll_merge(struct hll *dst, const struct hll *src);

struct bb_writer;
struct bb_reader;
/* Appends h's registers to w, sparse or dense whichever is shorter (layout
 * in hyperloglog.c). Returns 0, or -1 if w failed. O(2^p). */
int hll_encode(const struct hll *h, struct bb_writer *w);
/* Replaces h's registers by those encoded at r, which must have h's p.
 * Allocates nothing. Returns 0, or -1 with r failed and h cleared on bytes
 * that are not such a sketch. O(2^p). */
int hll_decode(struct hll *h, struct bb_reader *r);

unsigned hll_precision(const struct hll *h);
double hll_std_error(const struct hll *h);
size_t hll_mem_bytes(const struct hll *h);
size_t hll_mem_bytes_for(unsigned p);
void hll_clear(struct hll *h);

#endif
