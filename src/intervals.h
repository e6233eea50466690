/*
 * intervals.h - the interval streams: open slots, closing, lateness.
 *
 * A record belongs to the interval floor(ts / ilen), counted from the first
 * record's interval as the original did. Each stream (Total; with -R and
 * -l also Incoming and Outgoing) keeps at most max_open intervals open,
 * sorted by number; an interval closes when it falls more than lag
 * intervals behind the newest one, when a new one needs its slot, or at
 * the end (intervals_close_all). A record for an interval already closed
 * is late: counted, not added.
 *
 * Memory is fixed at intervals_new: a pool of nstreams * max_open
 * summaries, each either open in a slot, closed (waiting in the closed
 * queue until intervals_take_closed moves it out), out with the caller, or
 * free. A closed summary comes back with intervals_release; until it does,
 * intervals_add may answer IVL_FULL (nothing was added: release what was
 * taken, then add again).
 *
 * Single-threaded: one thread calls every function of one struct
 * intervals (the hand-over of closed intervals between threads is the
 * pipeline's). Ownership: the pool's summaries belong to the intervals;
 * a closed one is lent to the caller until released.
 */
#ifndef TS_INTERVALS_H
#define TS_INTERVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "summary.h"

#define IVL_MAX_STREAMS 3

enum ivl_result {
    IVL_ADDED = 0, /* added to its interval */
    IVL_LATE = 1,  /* its interval was closed: counted as late */
    IVL_FULL = 2,  /* no free summary for a new interval: release, then retry */
};

/* A closed interval: its stream, number and summary (span already set to
 * [idx * ilen, (idx + 1) * ilen)). */
struct ivl_closed {
    unsigned stream;
    long long idx;
    struct summary *s;
};

struct intervals;

/* nstreams (1..IVL_MAX_STREAMS) streams of max_open (>= 2) intervals of
 * ilen seconds; an interval closes lag (1..max_open - 1) intervals behind
 * the newest. Makes the whole pool now (and touches its pages with
 * prefault). Returns NULL when memory runs out. */
struct intervals *intervals_new(size_t nstreams, size_t max_open, long long ilen, long long lag,
                                const struct summary_sizes *sizes, uint64_t seed, bool prefault);
/* Frees every summary of the pool, released or not. NULL is a no-op. */
void intervals_free(struct intervals *iv);

/* Adds u to its interval (by u->ts) in stream. O(max_open). */
enum ivl_result intervals_add(struct intervals *iv, unsigned stream,
                              const struct summary_update *u);

/* The interval number a record at ts belongs to in stream (after the
 * stream's first record), or false when no interval can hold it. */
bool intervals_index(const struct intervals *iv, unsigned stream, double ts, long long *idx);

/* What intervals_add computes of a record, as pure functions (for the
 * flow cache, which must group records exactly as the intervals do): the
 * base a stream takes from its first record's ts, and the interval of ts
 * in a stream of that base, or false when no interval can hold it. */
long long intervals_base(double ts, double ilen);
bool intervals_index_at(long long base, double ilen, double ts, long long *idx);

/* A free summary of the pool, or NULL: with every interval closed and
 * released, one to rebuild intervals in (give it back with
 * intervals_release). */
struct summary *intervals_take_free(struct intervals *iv);

/* Closes every open interval (the end of the input). */
void intervals_close_all(struct intervals *iv);

/* Moves up to cap closed intervals, in the order they closed, to out;
 * returns how many. */
size_t intervals_take_closed(struct intervals *iv, struct ivl_closed *out, size_t cap);

/* Gives a summary taken with intervals_take_closed back to the pool. */
void intervals_release(struct intervals *iv, struct summary *s);

/* Records that came after their interval had closed, in all streams (an
 * update counts the records it stands for, summary_update.n). */
uint64_t intervals_late(const struct intervals *iv);

/* The newest open interval of stream, or NULL (for cache hints). */
const struct summary *intervals_newest(const struct intervals *iv, unsigned stream);

/* The pool's size: nstreams * max_open. */
size_t intervals_pool_size(const struct intervals *iv);

#endif
