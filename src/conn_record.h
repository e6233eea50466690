/*
 * conn_record.h - the fields a connection record needs, by name, and the
 * record made of them; shared by the TSV and the JSON reader.
 *
 * Ownership: fields and records borrow the line they were found in (or a
 * reader's scratch buffer); nothing here allocates.
 */
#ifndef TS_CONN_RECORD_H
#define TS_CONN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "conn_log.h"
#include "record.h"

enum conn_col {
    COL_TS,
    COL_UID,
    COL_ORIG_H,
    COL_ORIG_P,
    COL_RESP_H,
    COL_RESP_P,
    COL_PROTO,
    COL_SERVICE,
    COL_DURATION,
    COL_ORIG_BYTES,
    COL_RESP_BYTES,
    COL_STATE,
    COL_N
};

/* The values of the needed fields as found in one line; len 0 and p NULL
 * for an absent one. */
struct conn_fields {
    struct ts_str f[COL_N];
    /* The end of the line the fields lie in: the bytes up to it may be
     * loaded past a field's end (see scan_readable). NULL: no such promise. */
    const char *end;
};

/* True for the bytes isspace() takes in the C locale. */
static inline bool conn_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* True when s is exactly the NUL-terminated lit. */
static inline bool conn_str_eq(struct ts_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* The needed field a column name stands for (ts, uid, id.orig_h with any
 * one-character scope separator, ..., conn_state), or -1 for any other
 * name. Cost: a few comparisons. */
int conn_field_col(const char *name, size_t len);

/* Fills *out (cleared first) from the fields of one line whose start time
 * ts is already parsed; unset is the log's unset marker, which absent
 * service and state fields take, and which an unset duration may be
 * written as; an empty service counts as unset, as in the original.
 * Returns CONN_RECORD, CONN_UNKNOWN_TRANSPORT (the addresses kept as
 * text too) or CONN_CORRUPT (a needed field absent, an unknown protocol,
 * an address or port that does not parse). The strings of *out borrow
 * cf's and unset's bytes. Cost O(line length), no allocation. */
int conn_record_build(const struct conn_fields *cf, struct ts_str unset, double ts,
                      struct ts_record *out);

#endif
