/*
 * reader_family.h - what a reader family (one file: reader_pcap.c,
 * reader_conn.c) gives the reader table of reader.c. Not for other callers.
 */
#ifndef TS_READER_FAMILY_H
#define TS_READER_FAMILY_H

#include "reader.h"

struct reader_family {
    /* Returns the family's state, or NULL with err set. */
    void *(*open)(struct ts_input *in, const struct reader_opts *o, struct ts_err *err);
    /* As reader_next. */
    int (*next)(void *state, struct ts_record *out, struct reader_bad *bad, struct ts_err *err);
    /* Adds nothing: fills the fields of the family, leaves the others. */
    void (*stats)(const void *state, struct reader_stats *st);
    void (*close)(void *state);
};

extern const struct reader_family reader_family_pcap; /* reader_pcap.c */
extern const struct reader_family reader_family_conn; /* reader_conn.c */

#endif
