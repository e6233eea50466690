/*
 * conn_log.h - Zeek/Bro connection log lines into records.
 *
 * Handles Zeek TSV with or without its header (#separator with hex escapes,
 * #unset_field, #fields in any order, any scope separator such as
 * id:orig_h; a later header block switches the column map), JSON lines
 * (numeric or ISO 8601 ts, absent fields unset), and Bro 1.x space
 * separated lines (--conn-version 1, or guessed from the first data line).
 * See ../shared/doc/reference-behaviour.md, "Connection logs". The
 * readers are conn_tsv.h and conn_json.h; fields are read by text_scan.h.
 *
 * Ownership: the parser is owned by the caller. Records point into the line
 * passed in and into the parser, valid until the next call; the line is
 * not written to.
 */
#ifndef TS_CONN_LOG_H
#define TS_CONN_LOG_H

#include <stddef.h>

#include "record.h"

struct conn_parser;

/* A parser for conn_version 0 (guess, the default), 1 (Bro 1.x) or 2
 * (modern), or NULL for another version or when memory runs out (about
 * 5 KiB, the caller's to free). */
struct conn_parser *conn_parser_new(int conn_version);

/* Frees p; NULL is a no-op. */
void conn_parser_free(struct conn_parser *p);

enum conn_status {
    CONN_SKIP = 0,              /* header, comment or blank line */
    CONN_RECORD = 1,            /* *out holds a connection */
    CONN_UNKNOWN_TRANSPORT = 2, /* *out has kind TS_REC_UNKNOWN_TRANSPORT, src_text/dst_text set */
    CONN_CORRUPT = -1,          /* unparsable: the caller reports the line */
};

/* Parses one line (without its newline): a '#' line is a TSV header, a
 * '{' line JSON, any other a TSV or Bro 1.x data line. Returns an enum
 * conn_status; *out is set for CONN_RECORD and CONN_UNKNOWN_TRANSPORT.
 * Cost O(len), no allocation. */
int conn_parse_line(struct conn_parser *p, char *line, size_t len, struct ts_record *out);

#endif
