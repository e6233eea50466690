/*
 * conn_json.h - conn.log lines of Zeek's JSON writer into records.
 *
 * One object per line with the field names of the TSV log (any scope
 * separator such as id_orig_h), ts a number or an ISO 8601 string, absent
 * or null fields unset; objects of another log (_path or @stream other
 * than "conn") are skipped. String escapes, \uXXXX and surrogate pairs
 * included, are decoded into UTF-8.
 *
 * Ownership: the reader is owned by the caller. Records borrow the line
 * and, for strings that held escapes, the reader's scratch buffer, valid
 * until the next line. Lines are never written to.
 */
#ifndef TS_CONN_JSON_H
#define TS_CONN_JSON_H

#include <stddef.h>

#include "record.h"

struct conn_json;

/* A reader (4 KiB of scratch for decoded strings), or NULL when memory
 * runs out. */
struct conn_json *conn_json_new(void);

/* Frees cj; NULL is a no-op. */
void conn_json_free(struct conn_json *cj);

/* Parses one line (a JSON object, leading whitespace skipped, without its
 * newline) into *out; unset is the unset marker that absent service and
 * state take (borrowed into *out). Returns CONN_RECORD,
 * CONN_UNKNOWN_TRANSPORT, CONN_SKIP (another log's object) or CONN_CORRUPT
 * (not one JSON object, nested deeper than 32, a needed field of the wrong
 * type, decoded strings over 4 KiB). Cost O(len), no allocation. */
int conn_json_line(struct conn_json *cj, const char *line, size_t len, struct ts_str unset,
                   struct ts_record *out);

#endif
