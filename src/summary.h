/*
 * summary.h - one block of the report: counters plus bounded breakdowns.
 *
 * A summary is the unit the original called an Interval: Total, Incoming,
 * Outgoing, one per local network and one per time interval are all
 * summaries. Its breakdowns are sketches of fixed size:
 *
 *   breakdown   structure                      key
 *   ports       Space-Saving, k_ports          port, 2 bytes big-endian
 *               (65536 exact counters instead when those cost no more)
 *   sources     Space-Saving, k_addrs          address, 4 or 16 bytes
 *   dests       Space-Saving, k_addrs          address, 4 or 16 bytes
 *   services    Space-Saving, k_strings        name, at most SUMMARY_STR_MAX bytes
 *   states      Space-Saving, k_strings        name, at most SUMMARY_STR_MAX bytes
 *   protocols   256 exact counters             protocol number
 *   distinct    HyperLogLog 2^hll_p each       sources, destinations
 *   bounds      Count-Min cms_w x cms_d each   sources, destinations: the
 *               counts Space-Saving evicted (see summary_bounds)
 *
 * Memory: summary_mem_bytes_for(sizes); nothing grows after summary_new.
 * With all k at 0 a summary keeps counters only (intervals without -v).
 *
 * A summary is a value: counters, sketches, exactness and the sizes and
 * seed that shaped it, with verbs to create, update and query it; nothing
 * about threads or output (the reading/counting split's verbs are in
 * summary_parts.h).
 *
 * Ownership: the caller owns the summary. Entries returned by summary_top
 * borrow key bytes until the summary next changes.
 */
#ifndef TS_SUMMARY_H
#define TS_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "count_min.h"
#include "record.h"
#include "space_saving.h"

#define SUMMARY_STR_MAX 64

enum summary_col {
    COL_PORTS = 0,
    COL_SRCS,
    COL_DSTS,
    COL_SERVICES,
    COL_PROTS,
    COL_STATES,
    COL_COUNT
};

struct summary_sizes {
    size_t k_ports;
    size_t k_addrs;
    size_t k_strings;
    size_t cms_w, cms_d; /* Count-Min beside each address column; 0: none */
    unsigned hll_p;      /* 0: no distinct counts */
    /* Admission filter cells in front of each host table (see
     * ss_new_filtered); 0: none. Not part of a summary file: a summary
     * read back has none, and merges with one that has. */
    size_t filter_cells;
};

struct summary_counters {
    uint64_t updates; /* records added */
    uint64_t pkts;    /* packets or connections */
    uint64_t bytes;
    uint64_t payload;
    uint64_t frags;
    double start; /* 1e20 while empty */
    double end;   /* 0 while empty */
};

/*
 * What one record adds: computed once per record and shared by every
 * summary it updates, so each key is hashed once.
 */
struct summary_update {
    /* what the summaries read of the record, copied: an update is handed
     * between threads, so it is kept small (about three cache lines) */
    struct ts_addr src, dst;
    /* the records it stands for: 1, or more when a flow cache
     * (flow_cache.h) folded packets of one flow, whose bytes, payload,
     * fragments and weights are then sums, ts the earliest start and end
     * the latest end */
    uint32_t n;
    double ts, end;
    uint64_t bytes, payload;
    uint16_t sport, dport;
    uint8_t proto;
    uint16_t frag;   /* fragments */
    uint64_t weight; /* 1, or the record's bytes with -b (summed when folded) */
    bool conns;      /* connection record: no source port, has service/state */
    bool count_sport, count_dport;
    bool strs16; /* service and state lie in a struct summary_strings */
    uint8_t sport_key[2], dport_key[2];
    uint64_t h_sport, h_dport, h_src, h_dst, h_service, h_state;
    const char *service; /* after the trailing '?' was dropped */
    size_t service_len;  /* at most SUMMARY_STR_MAX when conns */
    const char *state;   /* NULL: unset */
    size_t state_len;    /* at most SUMMARY_STR_MAX */
};

/* Where an update keeps its strings when it outlives the record's (see
 * summary_update_prepare): at least 16 readable bytes each, so that they
 * are hashed and compared without branches on their length. */
struct summary_strings {
    char service[SUMMARY_STR_MAX], state[SUMMARY_STR_MAX];
};

struct summary;

/* Returns NULL when sizes overflow or memory runs out. seed is the hash
 * seed of every key added (for point queries). */
struct summary *summary_new(const struct summary_sizes *sizes, uint64_t seed);
void summary_free(struct summary *s);
/* Forgets every count (keeps the memory), for reuse. */
void summary_clear(struct summary *s);
/* Bytes summary_new(sizes) allocates, or 0 on overflow. */
size_t summary_mem_bytes_for(const struct summary_sizes *sizes);
size_t summary_mem_bytes(const struct summary *s);
/* The sizes and the hash seed that shaped s (what a merge must match). */
const struct summary_sizes *summary_sizes_of(const struct summary *s);
uint64_t summary_seed(const struct summary *s);

/* True when summaries of these sizes count ports in 65536 exact counters
 * (a Space-Saving sketch of k_ports keys would cost as much or more). */
bool summary_ports_direct(const struct summary_sizes *sizes);

/* What shapes the updates of a run, the same for every record. */
struct summary_update_params {
    bool by_bytes;   /* weight = the record's bytes (-b) */
    bool conns;      /* connection records: service and state, no source port */
    bool hash_ports; /* some summary keeps ports in a Space-Saving sketch */
    uint64_t seed;
    /* The ports that count (the -m/-p/-P rule), a bitmap of 65536 bits
     * (bit p of byte p / 8), borrowed; NULL: every port counts. */
    const uint8_t *ports;
};

/* Prepares u for r: copies what the summaries need, hashes the keys with
 * p->seed (the ports only with p->hash_ports). With keep, the service and
 * the state (what the summaries count of them) are copied there and u
 * points to the copies; without, u->service and u->state point to r's
 * strings, which must then outlive u. Calls nothing outside the summary
 * and the hash. */
void summary_update_prepare(struct summary_update *u, const struct ts_record *r,
                            const struct summary_update_params *p, struct summary_strings *keep);

/* True when s counts ports in a Space-Saving sketch, whose updates need
 * the port hashes (hash_ports above); false for exact port counters. */
bool summary_ports_sketched(const struct summary *s);

/* Adds u. adjust_time: widen start/end to the record's span (false for
 * intervals, whose bounds are fixed). O(log k) per breakdown. */
void summary_add(struct summary *s, const struct summary_update *u, bool adjust_time);

/* Sets the bounds of an interval summary. */
void summary_set_span(struct summary *s, double start, double end);

const struct summary_counters *summary_counters(const struct summary *s);

/* Top n of a column, count desc then key desc, keys equal to 0 (port 0,
 * protocol 0) left out as the original did. Returns the number written. */
size_t summary_top(const struct summary *s, enum summary_col col, struct ss_entry *out, size_t n);
/* Every port kept, in the order of summary_top (port 0 included), up to
 * cap; and how many there are. */
size_t summary_ports_all(const struct summary *s, struct ss_entry *out, size_t cap);
size_t summary_ports_kept(const struct summary *s);
/* Count of one port / protocol / state name (exact or Space-Saving upper bound). */
uint64_t summary_port_count(const struct summary *s, uint16_t port, uint64_t seed);
uint64_t summary_proto_count(const struct summary *s, uint8_t proto);
uint64_t summary_state_count(const struct summary *s, const char *state, uint64_t seed);

/* Bounds of the true count of entry e of column col (unscaled):
 * lower = count - error (exact: the count since the key was last monitored),
 * upper = lower + min(error, Count-Min estimate of its evicted counts). */
void summary_bounds(const struct summary *s, enum summary_col col, const struct ss_entry *e,
                    uint64_t *lower, uint64_t *upper);
/* Touches every byte of the summary's memory, so that its resident size is
 * reached at start and does not grow with the traffic. */
void summary_prefault(struct summary *s);

/* True when the column's counts are exact (its sketch never evicted). */
bool summary_col_exact(const struct summary *s, enum summary_col col);
/* True when the column is kept (protocols always; the others unless the
 * summary has counters only or -m dropped them). */
bool summary_col_kept(const struct summary *s, enum summary_col col);
/* What bounds the counts of a column, for the reporter. */
struct summary_col_info {
    bool sketched;         /* a Space-Saving sketch (else exact counters or not kept) */
    size_t k;              /* its capacity */
    bool evicted;          /* it has evicted a key: counts are bounds */
    uint64_t weight_total; /* the weight it was given (N) */
    uint64_t max_error;    /* the largest over-estimate of a count (0 until it evicts) */
};
/* Fills *info for col: sketched is false for protocols, for ports counted
 * in a direct table and for a column not kept. O(1). */
void summary_col_info(const struct summary *s, enum summary_col col, struct summary_col_info *info);
/* Distinct sources / destinations (HyperLogLog), -1 when not kept. */
double summary_distinct(const struct summary *s, bool sources);
/* Relative standard error of summary_distinct, or -1. */
double summary_distinct_stderr(const struct summary *s);
/* Count-Min width and depth beside the address columns (0 when none). */
void summary_cms_dims(const struct summary *s, size_t *w, size_t *d);

/* ---- merging and serialization (summary files) ---------------------------
 *
 * A summary merges with another of the same sizes and seed (Agarwal et
 * al. 2012, "Mergeable summaries"): counters add, protocols and exact ports
 * add, Space-Saving columns merge (space_saving.h: every bound holds after
 * any tree of merges, N the merged total), Count-Mins add cell by cell (the
 * keys a Space-Saving merge drops go into them, as evictions do), and
 * HyperLogLogs take the register-wise max. While no column evicted, in the
 * parts or in the merge, the merge equals one pass over both streams in
 * every query, and encodes to the same bytes.
 *
 * Under another hash seed the Count-Mins and HyperLogLogs of a summary
 * cannot be used: decoding with same_seed false keeps the counters and the
 * Space-Saving tables (their keys are hashed again under this summary's
 * seed) and drops the rest, and a merge with such a summary drops them
 * from the result too. summary_lost says what was dropped.
 */
struct bb_writer;
struct bb_reader;

#define SUMMARY_LOST_BOUNDS 1u   /* Count-Min tightening of the address bounds */
#define SUMMARY_LOST_DISTINCT 2u /* distinct counts (summary_distinct is -1) */
/* SUMMARY_LOST_* flags of what a merge across seeds dropped; 0 when
 * nothing was. */
unsigned summary_lost(const struct summary *s);

/* Merges src into dst. Both must have equal sizes and seed (and not be the
 * same summary). Returns 0, or -1 on a mismatch (dst unchanged) or when
 * memory runs out (dst then holds part of src: free it). Cost: O(k log k)
 * per column plus the Count-Min and HyperLogLog sizes; allocates O(k)
 * temporarily. */
int summary_merge(struct summary *dst, const struct summary *src);

/* Appends s to w: sizes, flags, counters, protocols, ports, then each
 * column's monitored entries and the sparse HyperLogLogs and Count-Mins
 * (doc/summary-format.md). Equal summaries give equal bytes. Feeds the
 * evictions still waiting into the Count-Mins first (queries answer the
 * same). Returns 0, or -1 if w failed or memory ran out. */
int summary_encode(struct summary *s, struct bb_writer *w);

/* Reads the sizes at the start of an encoded summary without moving r, so
 * that the caller can check summary_mem_bytes_for(sizes) against its limit
 * before summary_new. Returns 0, or -1 with r failed. */
int summary_decode_sizes(struct bb_reader *r, struct summary_sizes *sizes);

/* Replaces the contents of s (fresh from summary_new with the sizes that
 * summary_decode_sizes read) by the summary encoded at r. same_seed: the
 * encoding was made under s's seed; if not, or if the encoding had lost
 * them, s drops its Count-Mins and HyperLogLogs (for good). Allocates only
 * scratch sketches of the checked sizes when s has dropped its own.
 * Returns 0, or -1 with r failed at the position of the fault and s
 * cleared. */
int summary_decode(struct summary *s, struct bb_reader *r, bool same_seed);

#endif
