/*
 * sink.h - where a run's summaries go: one interface, one implementation
 * per output format.
 *
 *   sink          file           writes
 *   text          sink_text.c    the original's report (report.c blocks),
 *                                the local-network and unknown-transport
 *                                sections and the reader's trailer lines
 *   JSON          sink_json.c    the whole JSON document
 *   R             sink_r.c       the R files TAG.dat, TAG.{total,incoming,
 *                                outgoing}.dat
 *   ports         sink_r.c       the -P file: the top ports, one a line
 *   HTML          sink_html.c    the report as one page (html_out.h), beside
 *                                the others, in a file of its own
 *   summary file  sink_tss.c     -w: the summaries themselves, for a later
 *                                merge (summary_file.h)
 *
 * The engine drives a sink through three calls, all on one thread (the
 * reading thread; closed intervals are handed back to it):
 *
 *   begin     once, before anything is written (before the first closed
 *             interval, or at finish when none closed)
 *   interval  each closed interval, in the order they closed, per stream
 *             in time order; the summary is borrowed for the call
 *   finish    once, at the end: Total, Incoming, Outgoing, the local
 *             networks, the small tables and the reader's statistics
 *
 * Each returns 0 or a negative TS_E* code with err filled. A sink reports a
 * write error once: after its first failure, every later call returns the
 * same code without writing or filling err again (sink_failed). The
 * message names the file.
 *
 * A new format (a summary file, HTML) is a struct sink_ops and a
 * constructor taking struct sink_params; nothing else changes.
 *
 * Ownership: a sink borrows params' pointers (they outlive it) and
 * everything the calls hand it, for the duration of the call only.
 */
#ifndef TS_SINK_H
#define TS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "err.h"
#include "netset.h"
#include "report.h"
#include "summary.h"

/* What the reader skipped: handed to finish as one struct. */
struct sink_input_stats {
    bool conns;                                    /* a connection log (else a trace) */
    uint64_t corrupt_lines;                        /* conn.log lines skipped */
    uint64_t frames, not_ip, not_decoded, damaged; /* pcap frames */
    uint64_t offloaded; /* packets sized from the frame (TSO, BIG TCP) */
    const char *not_decoded_link_types;            /* names, or NULL */
    bool file_damaged;                             /* the file itself was cut short or corrupt */
    const char *damage;                            /* the message, or NULL */
    const struct capture_counts *capture;            /* a live capture's totals, or NULL */
};

/* What shaped the run, as the outputs state it. */
struct sink_params {
    struct report_opts ro; /* topn, scale, resolver, seed... (ro.out: the report's stream) */
    const char *out_name;  /* the report's stream, for messages */
    const char *input_name;
    uint64_t seed;
    size_t memory;
    long long ilen;                  /* -i seconds, 0 = none */
    double reorder;                  /* seconds an interval stays open */
    bool verbose;                    /* -v: interval blocks with tables */
    bool save_mem;                   /* -m */
    const char *r_tag;               /* -R TAG */
    const char *ports_path;          /* -P FILE */
    const struct netset *local_nets; /* -l, or NULL */
};

/* A closed interval: stream 0 is Total, 1 Incoming, 2 Outgoing. */
struct sink_interval {
    unsigned stream;
    long long idx; /* floor(start / ilen) */
    double start, end;
    const struct summary *s;
    /* a live capture's counters while the interval was open (from its
     * first record to when it was written), or NULL */
    const struct capture_counts *capture;
};

/* A pair of addresses of a record without a local address: length byte,
 * then the address. */
struct sink_pair {
    uint8_t a[17], b[17];
    uint64_t first; /* the number of the first record of the pair (1-based) */
};

#define SINK_ADDR_TEXT_MAX 64 /* bytes kept of an address as a log wrote it */

/* An unknown-transport pair as the log wrote it, and its line count. */
struct sink_unknown {
    char src[SINK_ADDR_TEXT_MAX + 1], dst[SINK_ADDR_TEXT_MAX + 1];
    uint64_t count;
    uint64_t hash;
    uint64_t seq; /* order of first appearance */
};

/* Everything finish reports, borrowed. */
struct sink_report {
    const struct summary *total;
    const struct summary *incoming, *outgoing; /* NULL without -l */
    const struct summary *const *nets;         /* nnets, in the -l file's order */
    size_t nnets;
    const size_t *net_rank; /* nets by count, ties in file order (NULL without memory) */
    uint64_t nonlocal_count;
    const struct sink_pair *nonlocal; /* the first ones, sorted */
    size_t n_nonlocal;
    bool unknown_kept;                  /* connection logs keep the unknown-transport table */
    const struct sink_unknown *unknown; /* by count, ties in order of appearance */
    size_t n_unknown;
    uint64_t unknown_total, unknown_dropped;
    uint64_t late; /* records after their interval closed */
    const struct sink_input_stats *input;
};

struct sink;

struct sink_ops {
    int (*begin)(struct sink *k, struct ts_err *err);
    int (*interval)(struct sink *k, const struct sink_interval *iv, struct ts_err *err);
    int (*finish)(struct sink *k, const struct sink_report *r, struct ts_err *err);
    void (*free)(struct sink *k); /* what the sink holds; NULL: nothing but itself */
};

/* The common head of every sink (implementations embed it first). */
struct sink {
    const struct sink_ops *ops;
    const struct sink_params *p;
    int failed;   /* the first error's code, or 0 */
    char *notice; /* a message for the user that is not an error, or NULL */
    char notice_buf[TS_ERR_MSG_MAX];
};

/* For implementations: size zeroed bytes (a struct embedding struct sink
 * first) with ops and p set, or NULL when memory runs out. */
struct sink *sink_alloc(size_t size, const struct sink_ops *ops, const struct sink_params *p);

/* The sinks. Each returns NULL when memory runs out. */
struct sink *sink_text_new(const struct sink_params *p);
struct sink *sink_json_new(const struct sink_params *p);
struct sink *sink_r_new(const struct sink_params *p);
struct sink *sink_ports_new(const struct sink_params *p);
/* The page goes to out (borrowed, named name in messages). */
struct sink *sink_html_new(const struct sink_params *p, FILE *out, const char *name);
struct sf_params;
/* -w: the summaries to out (named out_name in messages) under the
 * parameters p, whose sizes the caller fills before the first call (all
 * borrowed). Flushes out at finish; the caller syncs and closes it. */
struct sink *sink_tss_new(FILE *out, const char *out_name, const struct sf_params *p);

/* The calls, with the write-once rule applied (see above). */
int sink_begin(struct sink *k, struct ts_err *err);
int sink_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err);
int sink_finish(struct sink *k, const struct sink_report *r, struct ts_err *err);
/* A notice finish left (e.g. rows the R files leave out), or NULL. */
const char *sink_notice(const struct sink *k);
/* Frees k (ops->free first). NULL is a no-op. */
void sink_free(struct sink *k);

/* The block of network i of the ranking (r->net_rank[i]), in the order
 * the text report prints them: its summary, with its title "CIDR
 * description" in title (n bytes); NULL when it counted nothing. */
const struct summary *sink_net_block(const struct sink_params *p, const struct sink_report *r,
                                     size_t i, char *title, size_t n);

/* The union of the top-n ports of Total, Incoming and Outgoing, ascending,
 * at most cap (for the R files and -P). Returns how many. */
size_t sink_top_ports(const struct sink_report *r, size_t topn, uint16_t *out, size_t cap);

#endif
