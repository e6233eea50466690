/*
 * flow_cache.h - consecutive packets of one flow folded into one update.
 *
 * Real traffic has many packets per flow, and every packet updates every
 * summary it belongs to (four with -l -i -v). A small exact cache in
 * front of the summaries keeps the flows seen lately, each as one
 * prepared update (struct pipe_rec) in which the packets of the flow are
 * folded: n (records), bytes, payload, fragments and weights summed, ts
 * the earliest start, end the latest end. A packet of a resident flow
 * only adds to it; a miss evicts the flow resident in its place, which
 * goes on to the summaries as one weighted update, and takes the place.
 *
 * Algorithm: 2-way set-associative table, sets chosen by a seeded
 * multiply-xor hash of the key (source and destination address, ports,
 * protocol), a 32-bit tag per way to pass over other keys without reading
 * their entries, the least recently used way of a set evicted. Everything
 * else a summary reads of a record follows from the key (local networks,
 * direction, -p port rule) or is summed. With intervals the cache holds
 * the flows of one run only: records whose interval, in every interval
 * stream they belong to (Total's, and Incoming's or Outgoing's), is the
 * current one. A record of another interval starts a new run: the caller
 * drains the cache (flow_cache_pop) and queues that record unfolded,
 * before anything else of the run, so the interval summaries see the same
 * sequence of interval numbers as without the cache, with the runs of one
 * number folded: every interval opens, closes and turns records away as
 * late exactly as it would without the cache. The interval numbers are
 * intervals_add's (intervals_base, intervals_index_at), the bases taken
 * from the first record of each stream, which is never folded.
 *
 * Adaptive: on traffic of one packet per connection nothing folds and the
 * lookups would be pure cost. Over each window of FLOW_CACHE_WINDOW
 * lookups the hits are counted; below one in FLOW_CACHE_MIN_HIT_RATE the
 * cache turns off: the caller drains it and passes the next
 * flow_cache_pause() records by (FLOW_CACHE_OFF_WINDOWS windows' worth,
 * twice that after each window that turned it off again, at most
 * FLOW_CACHE_OFF_WINDOWS_MAX), then looks up again, in an empty cache.
 *
 * Guarantee: a folded update changes nothing that does not depend on the
 * order of the updates: every counter, exact table (protocols, ports in
 * direct counters), HyperLogLog and Space-Saving table that never evicted
 * holds what the packets one by one would have given. A Space-Saving
 * table that evicts gets weighted updates, whose bounds hold for any
 * weights (space_saving.c; doc/sketches.md). What is not a summary's is
 * the caller's: the number of the first non-local record of a pair is
 * taken as the record arrives (pipe_rec.first).
 *
 * Memory: sets * (2 * (sizeof(struct pipe_rec) + 5) + 1) bytes, fixed at
 * flow_cache_new (flow_cache_mem_bytes): with 192-byte records, 1024 sets
 * (2048 flows, the default) 404 480 bytes, 395 KiB; 256 sets with -m
 * 101 120 bytes. Outside the memory plan, as the pipeline's batches are.
 *
 * Single-threaded (the reading thread). Ownership: the caller owns the
 * cache; entries returned by flow_cache_lookup, flow_cache_claim and
 * flow_cache_pop are the cache's, valid until its next call.
 */
#ifndef TS_FLOW_CACHE_H
#define TS_FLOW_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "record.h"

#define FLOW_CACHE_SETS 1024        /* default; -m a quarter */
#define FLOW_CACHE_WINDOW 4096      /* lookups per hit-rate window */
#define FLOW_CACHE_MIN_HIT_RATE 16  /* off below 1 hit in this many lookups */
#define FLOW_CACHE_OFF_WINDOWS 16   /* windows off before the next try */
#define FLOW_CACHE_OFF_WINDOWS_MAX 256

struct flow_cache_params {
    size_t sets;      /* a power of two, >= 1 */
    long long ilen;   /* -i seconds; 0: no intervals */
    bool dir_streams; /* Incoming and Outgoing have interval streams (streams 1, 2) */
    bool by_bytes;    /* -b: a record's weight is its bytes */
    bool adaptive;    /* turn off while the hit rate is low */
    uint64_t seed;
};

enum flow_cache_verdict {
    FC_FOLDED,  /* folded into its resident flow (*hit): nothing to queue */
    FC_MISS,    /* not resident: filter it, then flow_cache_claim */
    FC_NEW_RUN, /* another interval: drain, flow_cache_begin_run, queue it unfolded */
    FC_BYPASS,  /* the flow cannot take it (a count would overflow): queue it unfolded */
    FC_DRAIN,   /* the cache has turned off: drain, queue it unfolded, pause */
};

struct flow_cache_stats {
    uint64_t lookups; /* records looked up (not while off) */
    uint64_t hits;    /* of them folded */
    uint64_t paused; /* records passed by while off */
    uint64_t evictions; /* flows evicted by a miss (not by a drain) */
    uint64_t drains;
};

struct flow_cache;

/* Returns NULL when sets is not a power of two or memory runs out. */
struct flow_cache *flow_cache_new(const struct flow_cache_params *p);
void flow_cache_free(struct flow_cache *c);
/* Bytes flow_cache_new allocates for sets sets (0 on overflow). */
size_t flow_cache_mem_bytes(size_t sets);

/* Looks record r up. FC_FOLDED: r was added to the resident flow *hit
 * (whose .first is non-zero when it has no local address). O(1). */
enum flow_cache_verdict flow_cache_lookup(struct flow_cache *c, const struct ts_record *r,
                                          struct pipe_rec **hit);

/* After FC_MISS for r (nothing else called in between): the way r's flow
 * takes, for the caller to queue first if it holds a flow (->u.n > 0:
 * copy it out) and then to fill (u by summary_update_prepare, the
 * networks, first). stream: the direction stream r also belongs to (1
 * Incoming, 2 Outgoing; 0 none). NULL when r is of another interval in
 * that stream: then as FC_NEW_RUN. */
struct pipe_rec *flow_cache_claim(struct flow_cache *c, const struct ts_record *r,
                                  unsigned stream);

/* Makes r's interval (at ts, in Total's stream and stream as above) the
 * current run, after the caller drained the cache. */
void flow_cache_begin_run(struct flow_cache *c, double ts, unsigned stream);

/* After FC_DRAIN: how many records the caller passes by the cache (queues
 * unfolded without a lookup) before it looks up again. */
uint64_t flow_cache_pause(const struct flow_cache *c);

/* Takes a resident flow out of the cache (NULL: none left), in table
 * order. */
const struct pipe_rec *flow_cache_pop(struct flow_cache *c);

/* Flows resident now. */
size_t flow_cache_resident(const struct flow_cache *c);

void flow_cache_get_stats(const struct flow_cache *c, struct flow_cache_stats *out);

#endif
