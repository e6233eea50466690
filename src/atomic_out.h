/*
 * atomic_out.h - a file written whole or not at all: written under a
 * temporary name in the same directory (created with O_EXCL|O_NOFOLLOW,
 * mode 0644 less the umask), synced, then renamed over the name. A reader
 * of the name sees the old file or the new one, never a part; a run that
 * fails or is killed leaves the old file (and at worst a temporary
 * ".NAME.XXXXXX" beside it when killed). "-" is standard output, written
 * as it comes.
 *
 * Ownership: the caller owns the struct; the FILE belongs to it.
 */
#ifndef TS_ATOMIC_OUT_H
#define TS_ATOMIC_OUT_H

#include <stdio.h>

#include "err.h"

struct atomic_out;

/* Opens the temporary file for path. Returns NULL with err set. */
struct atomic_out *atomic_out_open(const char *path, struct ts_err *err);
FILE *atomic_out_file(const struct atomic_out *a);
/* Flushes, syncs, closes and renames. Returns 0 or a negative code (the
 * temporary file is removed). Frees a. */
int atomic_out_commit(struct atomic_out *a, struct ts_err *err);
/* Removes the temporary file. Frees a; NULL is a no-op. */
void atomic_out_abort(struct atomic_out *a);

#endif
