/*
 * conn_log.h - Zeek/Bro connection log lines into records.
 *
 * Handles Zeek TSV with or without its header (#separator with hex escapes,
 * #unset_field, #fields in any order, any scope separator such as
 * id:orig_h; a later header block switches the column map), JSON lines
 * (numeric or ISO 8601 ts, absent fields unset), and Bro 1.x space
 * separated lines (--conn-version 1, or guessed from the first data line).
 * See ../shared/doc/reference-behaviour.md, "Connection logs".
 *
 * Ownership: the parser is owned by the caller. Records point into the line
 * passed in, which the parser may modify.
 */
#ifndef TS_CONN_LOG_H
#define TS_CONN_LOG_H

#include <stddef.h>

#include "record.h"

struct conn_parser;

/* conn_version: 0 guess (default), 1 Bro 1.x, 2 modern. */
struct conn_parser *conn_parser_new(int conn_version);
void conn_parser_free(struct conn_parser *p);

enum conn_status {
    CONN_SKIP = 0,              /* header, comment or blank line */
    CONN_RECORD = 1,            /* *out holds a connection */
    CONN_UNKNOWN_TRANSPORT = 2, /* *out has kind TS_REC_UNKNOWN_TRANSPORT, src_text/dst_text set */
    CONN_CORRUPT = -1,          /* unparsable: the caller reports the line */
};

/* Parses one line (without its newline). Returns an enum conn_status. */
int conn_parse_line(struct conn_parser *p, char *line, size_t len, struct ts_record *out);

#endif
