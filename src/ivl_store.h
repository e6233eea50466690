/*
 * ivl_store.h - the intervals of a merge: every interval summary that
 * comes in (from summary files, or closed by a raw input of the same run)
 * is merged with the one stored for its stream and start, and all of them
 * are handed out at the end in order.
 *
 * Parts of one stream of records may come in any order and cut an
 * interval in two (an hourly log rotated inside a 10-minute interval):
 * every part is appended, encoded (summary_encode), to a temporary file,
 * with an entry for it in a spill sorted by stream and start (spill.h), and
 * the parts of one interval are merged as the replay reads them in order.
 * Memory holds two interval summaries and the spill's buffer (1 MiB),
 * whatever the number of intervals or files. A merge of interval lengths
 * that are multiples of each other is handed out in the
 * longest one.
 *
 * Ownership: the caller owns the store; summaries handed to replay's
 * callback are borrowed for the call.
 */
#ifndef TS_IVL_STORE_H
#define TS_IVL_STORE_H

#include <stdint.h>

#include "capture.h"
#include "err.h"
#include "summary.h"

struct ivl_store;

/* A store of intervals of the given sizes and seed. Returns NULL with err
 * set (out of memory, no temporary file). */
struct ivl_store *ivl_store_new(const struct summary_sizes *sizes, uint64_t seed,
                                struct ts_err *err);
void ivl_store_free(struct ivl_store *st); /* NULL is a no-op */

/* Merges s (its sizes and seed those of the store) into the interval of
 * stream starting at start. s may be changed (its waiting evictions go
 * into its Count-Mins). Returns 0 or a negative code. Cost: one encode,
 * plus a decode and a merge when the interval was stored before. */
int ivl_store_put(struct ivl_store *st, unsigned stream, double start, struct summary *s,
                  struct ts_err *err);

/* Adds a live capture's counters c to the interval of Total's stream
 * starting at start (an interval of them all that had no record gets an
 * empty summary). Returns 0 or a negative code. */
int ivl_store_put_capture(struct ivl_store *st, double start, const struct capture_counts *c,
                          struct ts_err *err);

/* The callback of ivl_store_replay: one interval, its number
 * floor(start / ilen), its summary (span set to the interval), and the
 * sum of the capture counters put for it (NULL: none were). */
typedef int (*ivl_store_fn)(void *ctx, unsigned stream, long long idx, const struct summary *s,
                            const struct capture_counts *cap, struct ts_err *err);

/* Hands every stored interval to fn, stream by stream, in time order,
 * those of one interval of ilen seconds merged into one. Stops at fn's
 * first non-zero return and returns it; else 0 or a negative code. */
int ivl_store_replay(struct ivl_store *st, long long ilen, ivl_store_fn fn, void *ctx,
                     struct ts_err *err);

#endif
