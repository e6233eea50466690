/*
 * conn_tsv.h - Zeek TSV and Bro 1.x conn.log lines into records.
 *
 * A Zeek header sets the separator (#separator, a byte or \xNN after a
 * space), the unset marker (#unset_field) and the columns (#fields, any
 * order, any scope separator such as id:orig_h); a later header block
 * replaces them. A #fields line without the needed columns leaves data
 * lines split on whitespace in the default order, as are lines without a
 * header. Bro 1.x lines (--conn-version 1, or guessed from the first data
 * line: fewer than 15 whitespace-separated fields and no #fields header)
 * are split on whitespace in Bro's column order.
 *
 * Ownership: the reader is owned by the caller; records borrow the line
 * and the reader's unset marker, and stay valid until the next header.
 * Lines are never written to.
 */
#ifndef TS_CONN_TSV_H
#define TS_CONN_TSV_H

#include <stddef.h>

#include "record.h"

struct conn_tsv;

/* A reader for conn_version 0 (guess), 1 (Bro 1.x) or 2 (modern), or NULL
 * for another version or when memory runs out. About 1 KiB. */
struct conn_tsv *conn_tsv_new(int conn_version);

/* Frees t; NULL is a no-op. */
void conn_tsv_free(struct conn_tsv *t);

/* Reads one header line (starting at '#', without its newline); unknown
 * and damaged headers change nothing. Cost O(len). */
void conn_tsv_header(struct conn_tsv *t, const char *line, size_t len);

/* Parses one data line (without its newline) into *out. Returns
 * CONN_RECORD, CONN_UNKNOWN_TRANSPORT or CONN_CORRUPT (enum conn_status).
 * Cost O(len): one pass over the line up to the last needed column, 32
 * bytes at a time on x86; no allocation. */
int conn_tsv_line(struct conn_tsv *t, const char *line, size_t len, struct ts_record *out);

/* The unset marker in force ("-" until a #unset_field line), borrowed. */
struct ts_str conn_tsv_unset(const struct conn_tsv *t);

#endif
