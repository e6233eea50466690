/*
 * replay.h - the intervals of a finite input, exact whatever the order of
 * its records.
 *
 * A Zeek conn.log is written in order of connection end, while a record
 * belongs to the interval of its start: a connection that lasted hours
 * comes hours after its interval closed. For a finite input nothing is
 * written until the end, so nothing needs to be left out: the intervals
 * module closes intervals as usual (memory stays that of its open slots),
 * and the engine hands here
 *
 *   replay_hold   each closed interval, encoded (summary_encode) into a
 *                 temporary file of its stream, in the order they close
 *                 (by number, within a stream);
 *   replay_late   each record whose interval had closed already (or found
 *                 no free slot), into a spill (spill.h) keyed by interval.
 *
 * At the end replay_next rebuilds the intervals in the order of their
 * number (streams in order within one number): the held summary, if any,
 * plus every late record of the same interval, added as if it had come in
 * time. While no sketch evicted, each interval then holds exactly what one
 * pass over the records in time order would have given it, so the report
 * is the original's. Intervals that only late records reach (before the
 * first, or in a gap) appear where they belong.
 *
 * Threads: replay_hold is called by one thread, replay_late by one thread
 * (maybe another: the two touch disjoint state), replay_rewind and
 * replay_next by one thread once both are done.
 *
 * Memory: the spill's buffer (spill_mem) and its merge buffers, and one
 * encoded interval summary at a time. Disk: the encoded closed intervals
 * (a summary's encoding is proportional to what its sketches hold: a few
 * dozen bytes for counters only, up to its tables with -v), plus about
 * sizeof(struct summary_update) + 12 bytes and the strings per late
 * record. Every file is unlinked when created (spill.h), so no exit path
 * leaves one behind; a full disk is an error naming $TMPDIR.
 */
#ifndef TS_REPLAY_H
#define TS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "summary.h"

#define REPLAY_MAX_STREAMS 3
/* the spill buffer for late records (-m: the small one) */
#define REPLAY_SPILL_MEM ((size_t)1 << 20)
#define REPLAY_SPILL_MEM_SMALL ((size_t)1 << 16)

struct replay;

/* nstreams (1..REPLAY_MAX_STREAMS) streams of intervals of ilen seconds;
 * spill_mem bytes for sorting late records. Creates no file yet. Returns
 * NULL and fills err. */
struct replay *replay_new(unsigned nstreams, long long ilen, size_t spill_mem,
                          struct ts_err *err);
void replay_free(struct replay *r);

/* True when idx can be replayed (|idx| < 2^60; other records count in the
 * totals only). */
bool replay_index_ok(long long idx);

/* Keeps closed interval idx of stream (its summary s is encoded; s is not
 * kept). Intervals of one stream must come in increasing idx. Returns 0 or
 * a negative code. */
int replay_hold(struct replay *r, unsigned stream, long long idx, struct summary *s,
                struct ts_err *err);

/* Keeps the late update u of interval idx of stream (copied, strings
 * included). Returns 0 or a negative code. */
int replay_late(struct replay *r, unsigned stream, long long idx, const struct summary_update *u,
                struct ts_err *err);

/* Ends the keeping; then replay_next. Returns 0 or a negative code. */
int replay_rewind(struct replay *r, struct ts_err *err);

/* Rebuilds the next interval into s (a summary of the interval sizes,
 * cleared by the caller; its span is set): returns 1 with *stream and *idx,
 * 0 when none is left, or a negative code. */
int replay_next(struct replay *r, struct summary *s, unsigned *stream, long long *idx,
                struct ts_err *err);

/* Late records kept, and bytes written to temporary files so far. */
uint64_t replay_late_count(const struct replay *r);
uint64_t replay_disk_bytes(const struct replay *r);

#endif
