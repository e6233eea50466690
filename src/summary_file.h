/*
 * summary_file.h - the summary file of a run (-w): its parameters, its
 * summaries one section at a time, its pair lists and what its readers
 * skipped; written as the run goes and read back one summary at a time.
 *
 * Layout, checks and limits: doc/summary-format.md. In short: 8 magic
 * bytes, a version, then sections (tag, length, payload, CRC32C), all
 * integers little-endian. A writer takes summaries one at a time (an
 * interval as it closes); a reader hands them out one at a time, so that a
 * caller folding each into a result (summary_merge) holds one summary of
 * the file at a time, whatever the number of files or intervals.
 *
 * Errors: TS_EFORMAT (not a summary file, or a version this build does not
 * read), TS_EDAMAGED (truncated, bad checksum, malformed section; the
 * message names the offset), TS_EIO, TS_ENOMEM; the caller adds the file
 * name. Ownership: the writer borrows its FILE and the summaries it is
 * given; what the reader returns is borrowed until its next call.
 */
#ifndef TS_SUMMARY_FILE_H
#define TS_SUMMARY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "err.h"
#include "summary.h"

#define SF_MAGIC "\x89TSF\r\n\x1a\n"
#define SF_MAGIC_LEN 8
#define SF_VERSION 1

/* True when the first bytes of a file (at least SF_MAGIC_LEN of them) are
 * a summary file's magic. */
bool sf_is_summary_file(const void *head, size_t len);

struct sf_net {
    const char *cidr;  /* as written in the network file */
    const char *descr; /* "" when none */
};

/* Everything that shaped the summaries of a run. */
struct sf_params {
    bool conns;                           /* -c: connections, else packets */
    bool by_bytes;                        /* -b */
    bool tcp_only, udp_only;              /* -t, -u */
    bool chema, external;                 /* -C, -e */
    uint64_t ilen;                        /* -i in seconds; 0 none */
    double mintime, maxtime;              /* -U, -V (0 and 1e20: none) */
    double factor;                        /* -s N, or 1/P with -S */
    bool factor_float;                    /* -S given */
    double sample_p;                      /* -S P; 0 none */
    const uint8_t *port_set;              /* -p: 65536-bit bitmap; NULL none */
    const struct sf_net *local, *exclude; /* -l, -E */
    size_t n_local, n_exclude;
    struct summary_sizes total, dir, net, interval; /* Total; Incoming and
                                            Outgoing; each network; each interval */
    uint64_t seed_fingerprint;                      /* hash_seed_fingerprint(seed) */
    const char *version;                            /* the tool's version */
};

/* The option that makes summaries of a and b impossible to merge, as the
 * user writes it ("-c", "-b", "-l", "-i", "--memory", ...), or NULL when
 * they merge. Interval lengths merge when one is a multiple of the other.
 * A different seed is not a refusal (see sf_params_same_seed). */
const char *sf_params_differ(const struct sf_params *a, const struct sf_params *b);
bool sf_params_same_seed(const struct sf_params *a, const struct sf_params *b);

enum sf_role {
    SF_TOTAL = 0,
    SF_INCOMING = 1,
    SF_OUTGOING = 2,
    SF_NETWORK = 3,  /* index: the network's position in the -l file */
    SF_INTERVAL = 4, /* index: the interval stream (0 Total, 1 Incoming,
                        2 Outgoing); start: the interval's start */
};

enum sf_pair_kind {
    SF_PAIRS_UNKNOWN = 0,  /* unknown-transport connections: address texts, counts */
    SF_PAIRS_NONLOCAL = 1, /* pairs without a local address: addresses, count the
                              number of the first record of the pair (1-based) */
};

struct sf_pair {
    const uint8_t *a, *b; /* borrowed */
    size_t alen, blen;    /* at most 255 each */
    uint64_t count;
};

struct sf_pairs {
    enum sf_pair_kind kind;
    uint64_t total;   /* records of this kind seen */
    uint64_t dropped; /* records of pairs not listed */
    size_t n;
    const struct sf_pair *pair;
};

/* What the run saw and skipped, known at its end. */
struct sf_run {
    double first, last;                            /* first and last record times; 0 when none */
    uint64_t corrupt_lines;                        /* conn.log lines skipped */
    uint64_t frames, not_ip, not_decoded, damaged; /* pcap frames */
    uint64_t drops;                                /* packets the capture dropped */
    bool has_capture;                              /* a live capture: its counters follow */
    struct capture_counts capture;                 /* libpcap's, over the file's span */
    uint64_t offloaded; /* packets sized from the frame (TSO, BIG TCP) */
    uint64_t late;                                 /* records after their interval was written */
    bool input_damaged;                            /* an input was cut short or corrupt */
};

struct sf_writer;

/* Writes the header and the parameter section to out. Returns NULL with
 * err set on a write error or out of memory. */
struct sf_writer *sf_writer_new(FILE *out, const struct sf_params *p, struct ts_err *err);
/* Writes one summary as a section (feeds its waiting evictions into its
 * Count-Mins, see summary_encode). Returns 0 or a negative code. */
int sf_writer_summary(struct sf_writer *w, enum sf_role role, uint64_t index, double start,
                      struct summary *s, struct ts_err *err);
int sf_writer_pairs(struct sf_writer *w, const struct sf_pairs *pairs, struct ts_err *err);
/* Writes a live capture's counters over the interval of Total's stream
 * starting at start (a "capi" section). Returns 0 or a negative code. */
int sf_writer_capture(struct sf_writer *w, double start, const struct capture_counts *c,
                      struct ts_err *err);
/* Writes the end section (after a "capt" section with run->capture when
 * run->has_capture) and flushes out. Returns 0 or a negative code. */
int sf_writer_finish(struct sf_writer *w, const struct sf_run *run, struct ts_err *err);
/* Bytes written so far. */
uint64_t sf_writer_bytes(const struct sf_writer *w);
void sf_writer_free(struct sf_writer *w);

/* What a reader may allocate: no section longer than max_section bytes,
 * no summary costing more than max_summary bytes (summary_mem_bytes_for),
 * no more than max_nets networks per list. 0 fields take the defaults. */
struct sf_limits {
    size_t max_section;
    size_t max_summary;
    size_t max_nets;
};

struct sf_reader;

/* Reads the header and the parameter section from in. Summaries will be
 * decoded under seed (the seed of the summaries they are merged into);
 * under another seed than the file's, their Count-Mins and HyperLogLogs are
 * dropped (summary_lost). Returns NULL with err set. */
struct sf_reader *sf_reader_new(FILE *in, uint64_t seed, const struct sf_limits *lim,
                                struct ts_err *err);
/* Borrowed for the reader's life. */
const struct sf_params *sf_reader_params(const struct sf_reader *r);
/* True when the file was written under the reader's seed. */
bool sf_reader_same_seed(const struct sf_reader *r);

enum sf_item_kind {
    SF_ITEM_SUMMARY,
    SF_ITEM_PAIRS,
    SF_ITEM_CAPTURE, /* a live capture's counters over the interval at start */
};

/* The largest interval start a reader takes, in either direction (2^53
 * seconds, where doubles still hold every second): beyond it, or NaN, the
 * section is damage. Interval numbers (start / -i) then fit every index
 * the stores and the replay keep. */
#define SF_START_MAX 9007199254740992.0

struct sf_item {
    enum sf_item_kind kind;
    enum sf_role role; /* SF_ITEM_SUMMARY: */
    uint64_t index;
    double start;            /* |start| <= SF_START_MAX */
    struct summary *summary; /* borrowed until the next call; the caller may
                                merge it, or change it */
    struct sf_pairs pairs;   /* SF_ITEM_PAIRS, borrowed until the next call */
    struct capture_counts capture; /* SF_ITEM_CAPTURE (with start) */
};

/* The next summary or pair list: returns 1 and fills *it, 0 at the end
 * section (whose contents sf_reader_run then gives; bytes after it are an
 * error), or a negative code. */
int sf_reader_next(struct sf_reader *r, struct sf_item *it, struct ts_err *err);
/* The end section, once sf_reader_next returned 0. */
const struct sf_run *sf_reader_run(const struct sf_reader *r);
/* Offset of the next byte to read. */
uint64_t sf_reader_offset(const struct sf_reader *r);
void sf_reader_free(struct sf_reader *r);

#endif
