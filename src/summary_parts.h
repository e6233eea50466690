/*
 * summary_parts.h - what the reading/counting split needs of a summary.
 *
 * Two threads may share one summary's updates (see pipeline.h): each part
 * is only ever updated by one of them, and cache hints are given several
 * records ahead. Summaries of a stream split by direction merge back into
 * one without charges where a column's hosts cannot meet. None of it is
 * part of a summary's value (summary.h): a summary updated in parts holds
 * the same counts as one updated by summary_add.
 *
 * The functions stay in summary.c because they work on the sketches'
 * cells on the per-record path, inlined with summary_add's own code
 * (add_parts, addr_add); behind accessors each key would cost a call
 * more per summary updated.
 */
#ifndef TS_SUMMARY_PARTS_H
#define TS_SUMMARY_PARTS_H

#include <stddef.h>

#include "count_min.h"
#include "summary.h"

/* The parts of a summary that two threads may update at the same time
 * (each part only ever by one of them): the source column with its
 * Count-Min, the same for destinations, the two HyperLogLogs of distinct
 * hosts, and the rest (counters, ports, protocols, services, states). */
#define SUMMARY_PART_REST 1u
#define SUMMARY_PART_SRC 2u
#define SUMMARY_PART_DST 4u
#define SUMMARY_PART_DISTINCT 8u
#define SUMMARY_PART_ALL 15u
/* summary_add for the given parts only. */
void summary_add_parts(struct summary *s, const struct summary_update *u, bool adjust_time,
                       unsigned parts);

/* summary_merge for two summaries of records that no source (parts with
 * SUMMARY_PART_SRC) or no destination (SUMMARY_PART_DST) had in common:
 * those columns merge with ss_merge_disjoint, so that a host keeps the
 * count and error it had on its side; the other parts as summary_merge. */
int summary_merge_disjoint(struct summary *dst, const struct summary *src, unsigned parts);

/* Starts loading the sketch cells u will touch in the given parts (a cache
 * hint). Stage 1: the index cells; stage 2, once those are in: the
 * counters they point to; stage 3: the heap counts of those counters. Call
 * it for the records several updates ahead, so that cache misses overlap. */
void summary_prefetch(const struct summary *s, const struct summary_update *u, int stage,
                      unsigned parts);
/* The three stages at once for three updates: u[0] gets stage 1, u[1]
 * stage 2, u[2] stage 3; NULL entries none. One call instead of three
 * when the same summary takes every record (Total, an interval). */
void summary_prefetch_stages(const struct summary *s, const struct summary_update *const u[3],
                             unsigned parts);
#endif
