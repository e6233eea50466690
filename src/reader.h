/*
 * reader.h - the input formats, in one table recognised by their first
 * bytes (libpcap's savefile.c and its check_headers[]), and one interface
 * that reads any of them into struct ts_record.
 *
 * Formats come in two kinds. The kind is chosen as the original chose it:
 * -c means a connection log, anything else a packet trace. Within a kind
 * one reader family reads every format of the table:
 *
 *   kind   format                                first bytes   family
 *   trace  pcap, little-endian, microseconds     d4 c3 b2 a1   reader_pcap.c
 *   trace  pcap, big-endian, microseconds        a1 b2 c3 d4   reader_pcap.c
 *   trace  pcap, little-endian, nanoseconds      4d 3c b2 a1   reader_pcap.c
 *   trace  pcap, big-endian, nanoseconds         a1 b2 3c 4d   reader_pcap.c
 *   trace  pcapng                                0a 0d 0d 0a   reader_pcap.c
 *   trace  other formats libpcap reads           (libpcap's)   reader_pcap.c
 *   conn   Zeek TSV with its header              "#separator"  reader_conn.c
 *   conn   Zeek JSON lines                       "{"           reader_conn.c
 *   conn   Bro 1.x, or TSV without header        other text    reader_conn.c
 *   any    a summary file (-w)                   89 "TSF"...   merged (tss_in.c)
 *
 * A summary file is recognised in the file as written (not decompressed)
 * and merged whatever the kind; it has no family.
 *
 * A file of the other kind is refused with a message that says so: a trace
 * given with -c ("drop -c"), a connection log given without it ("use -c").
 * The conn family decides TSV, JSON or Bro 1.x line by line, as the
 * original did (a later header block switches the columns).
 *
 * A reader takes records from one input. To read several inputs as one
 * stream, open one reader after the other on the same sampler and add up
 * their statistics: nothing else carries over.
 *
 * Ownership: reader_open borrows the input and the sampler (both must
 * outlive the reader); records and lines returned are borrowed until the
 * next call.
 */
#ifndef TS_READER_H
#define TS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "input.h"
#include "pcap_in.h"
#include "record.h"
#include "sampler.h"

enum reader_kind {
    READER_TRACE = 0, /* packet traces (the default) */
    READER_CONN = 1,  /* Zeek/Bro connection logs (-c) */
    READER_SUMMARY = 2, /* summary files (-w): merged, not read by a family */
};

struct reader_family; /* reader_family.h */

struct reader_format {
    const char *name;
    enum reader_kind kind;
    /* The first bytes that identify the format; len 0 for the catch-all
     * entry of a kind (what its family reads when nothing else matched). */
    const unsigned char *magic;
    size_t magic_len;
    bool skip_blanks;                   /* spaces and tabs may come before the magic */
    const struct reader_family *family; /* how it is opened and read */
};

/* The table, in the order entries are tried; *n is set to its length. */
const struct reader_format *reader_formats(size_t *n);

/* The entry whose magic starts head (n bytes of the decompressed input), or
 * NULL when no entry with a magic matches. O(table size). */
const struct reader_format *reader_identify(const void *head, size_t n);

struct reader_opts {
    int conn_version;        /* conn: 0 guess, 1 Bro 1.x, 2 modern */
    size_t max_line;         /* conn: longer lines are skipped */
    struct sampler *sampler; /* borrowed; drops records before parsing */
    const char *filter;      /* trace: a BPF expression (pcap_filter.h), or NULL */
};

struct reader;

/* Opens the family of kind on in. Returns NULL with err set (TS_ENOMEM;
 * TS_EFORMAT naming the file when it is not of this kind; TS_EIO). */
struct reader *reader_open(struct ts_input *in, enum reader_kind kind, const struct reader_opts *o,
                           struct ts_err *err);
void reader_close(struct reader *r); /* NULL is a no-op */

enum reader_status {
    READER_END = 0,
    READER_RECORD = 1,    /* *out holds a record */
    READER_BAD_LINE = 2,  /* conn: an unparsable line, in *bad */
    READER_LONG_LINE = 3, /* conn: a line over max_line bytes was skipped */
};

/* A line the reader skipped, for the caller's message. */
struct reader_bad {
    const char *line; /* not NUL-terminated; NULL for READER_LONG_LINE */
    size_t len;
    uint64_t lineno; /* 1-based */
};

/* Returns an enum reader_status, or a negative code with err set
 * (TS_EDAMAGED: records before stay valid; TS_EFORMAT: not of this kind
 * after all, e.g. binary data before any record; TS_EIO). Records the
 * sampler drops are skipped unparsed. Cost: one record's parse, amortised. */
int reader_next(struct reader *r, struct ts_record *out, struct reader_bad *bad,
                struct ts_err *err);

struct reader_stats {
    uint64_t bad_lines;        /* conn: READER_BAD_LINE returned */
    uint64_t long_lines;       /* conn: READER_LONG_LINE returned */
    uint64_t first_bad_line;   /* conn: number of the first bad or long line */
    uint64_t unterminated;     /* conn: number of a last line without newline, or 0 */
    struct pcap_in_stats pcap; /* trace: frames read, skipped and why */
};

/* What the reader has read so far (all zero for a reader that failed). */
void reader_stats(const struct reader *r, struct reader_stats *st);

#endif
