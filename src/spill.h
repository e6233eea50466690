/*
 * spill.h - records sorted by key on disk, in memory of a fixed size.
 *
 * What the intervals of a finite input need when records come in any
 * order: what cannot stay in memory (closed intervals, the late records
 * that amend them) is put here with the number of its interval as key,
 * and read back at the end in key order. Records are byte strings of at
 * most SPILL_REC_MAX bytes; records of one key come back in the order
 * they were put (the sort is stable).
 *
 * Algorithm: an external merge sort (Knuth, TAOCP vol. 3, 5.4.1). Records
 * collect in a buffer of mem bytes; a full buffer is sorted (by key, then
 * by arrival) and written out as a run. spill_rewind merges the runs,
 * SPILL_FANIN at a time through one buffer each, in as many passes as
 * there are more runs than that (a pass writes merged runs to a new
 * file), then serves the records from the last merge. When everything fits
 * the buffer, nothing touches the disk.
 *
 * Memory: mem (at least SPILL_MEM_MIN) for the buffer and its index, plus
 * SPILL_FANIN x SPILL_READ_BUF bytes while merging; nothing grows with the
 * number of records. Disk: the records' bytes plus 12 per record, twice
 * during a merge pass.
 *
 * Temporary files go in $TMPDIR (else /tmp) and are unlinked as soon as
 * they are created, so that no exit path, a signal included, leaves one
 * behind. A full disk is an error (TS_EIO, naming the directory), never a
 * short read later.
 *
 * Ownership: the caller owns the spill. Records returned by spill_next are
 * borrowed until the next call.
 */
#ifndef TS_SPILL_H
#define TS_SPILL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define SPILL_REC_MAX (32u * 1024)
#define SPILL_MEM_MIN (64u * 1024)
#define SPILL_FANIN 16
#define SPILL_READ_BUF (64u * 1024)

struct spill;

/* A spill whose buffer takes mem bytes (raised to SPILL_MEM_MIN). Returns
 * NULL and fills err when memory runs out. Creates no file yet. */
struct spill *spill_new(size_t mem, struct ts_err *err);
void spill_free(struct spill *s);

/* Adds a record of len bytes (at most SPILL_REC_MAX) under key. Copies rec.
 * Returns 0, or a negative code (a full disk: TS_EIO). Not after
 * spill_rewind. Cost: O(len), and a sort of the buffer each time it fills. */
int spill_put(struct spill *s, uint64_t key, const void *rec, size_t len, struct ts_err *err);

/* Ends the adding and prepares the reading in key order. Returns 0 or a
 * negative code. */
int spill_rewind(struct spill *s, struct ts_err *err);

/* The next record in key order: returns 1 with *key, *rec, *len set, 0 at
 * the end, or a negative code (a read error, or a file changed under us:
 * TS_EIO). */
int spill_next(struct spill *s, uint64_t *key, const void **rec, size_t *len,
               struct ts_err *err);

/* The key of the record spill_next would return, without taking it: 1 and
 * *key, 0 at the end, or a negative code. */
int spill_peek(struct spill *s, uint64_t *key, struct ts_err *err);

/* Records put, and bytes written to disk so far (0 while all fit). */
uint64_t spill_count(const struct spill *s);
uint64_t spill_disk_bytes(const struct spill *s);

/* A temporary file in $TMPDIR (else /tmp), opened for reading and writing
 * and already unlinked: it goes away when closed or when the process ends,
 * however it ends. Returns NULL and fills err. */
FILE *ts_tmpfile(struct ts_err *err);

/* The directory of temporary files: $TMPDIR, else /tmp. */
const char *ts_tmpdir(void);

#endif
