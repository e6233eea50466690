/*
 * engine.h - between the readers and the sinks: the filters, and which
 * summaries a record updates (Total, Incoming, Outgoing, its local
 * network, its intervals), plus the small tables (records without a local
 * address, unknown-transport pairs).
 *
 *   reader -> engine_add -> filters -> pipeline (pipeline.h: batches, the
 *   counting thread) -> summaries, intervals (intervals.h) -> sinks
 *   (sink.h: text, JSON, R, -P), on the reading thread
 *
 * Memory is fixed when engine_new returns (plan.h): summaries are sized
 * from the budget, intervals are written out as they close, and the small
 * tables are capped. The sinks are chosen from the options at engine_new.
 */
#ifndef TS_ENGINE_H
#define TS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "netset.h"
#include "record.h"
#include "report.h"
#include "sink.h"
#include "summary_file.h"

/* The flow cache in front of the summaries, on packet traces. */
enum engine_flow_cache {
    ENGINE_FLOW_CACHE_AUTO = 0, /* on, off while it rarely hits */
    ENGINE_FLOW_CACHE_OFF,
    ENGINE_FLOW_CACHE_ALWAYS, /* on whatever its hit rate (tests) */
};

struct engine_opts {
    bool conns;                        /* -c */
    bool by_bytes;                     /* -b */
    bool chema;                        /* -C */
    bool external;                     /* -e */
    bool tcp_only;                     /* -t */
    bool udp_only;                     /* -u */
    bool save_mem;                     /* -m */
    bool verbose;                      /* -v */
    size_t topn;                       /* -n */
    long long ilen;                    /* -i, seconds; 0 = none */
    double reorder;                    /* seconds of trace time an interval stays open */
    bool stream;                       /* --stream: intervals written as they close */
    double mintime;                    /* -U; 0 = none */
    double maxtime;                    /* -V; 1e20 = none */
    double factor;                     /* -s N or 1/P */
    bool factor_float;                 /* -S given */
    double sample_p;                   /* -S P; 0 = none */
    const struct netset *local_nets;   /* -l, borrowed */
    const struct netset *exclude_nets; /* -E, borrowed */
    const uint8_t *port_set;           /* -p bitmap of 65536 bits, borrowed; NULL = none */
    bool port_set_nonempty;
    const char *write_ports;   /* -P FILE */
    const char *r_tag;         /* -R TAG */
    report_resolve_fn resolve; /* -r */
    void (*resolve_want)(void *ctx, const unsigned char *addr, size_t len);
    void *resolve_ctx;
    size_t memory;          /* sketch budget in bytes */
    bool memory_given;      /* --memory was given: use all of it */
    bool json;              /* --json: the report as one JSON document */
    bool threads;           /* apply records in a second thread while reading */
    bool decoder_thread;    /* an input is decompressed in a thread of its own */
    enum engine_flow_cache flow_cache; /* packets of one flow folded (flow_cache.h) */
    size_t flow_cache_sets;            /* its sets, a power of two; 0: the default */
    const char *input_name; /* for the JSON document */
    uint64_t seed;
    FILE *out;            /* the report's stream; NULL: stdout */
    const char *out_name; /* its name in messages; NULL: "standard output" */
    FILE *html;            /* --html: the page's stream as well (borrowed), or NULL */
    const char *html_name; /* its name in messages */
    /* A sink of the caller's instead of the report the options choose
     * (borrowed; -P still writes its file). NULL: text, JSON or R. */
    struct sink *sink;
    /* Summaries will be merged in (engine_merge_*): the sizes of Total,
     * Incoming and Outgoing, each network and each interval, as the files
     * state them (NULL: from the plan), and the intervals, whatever their
     * source, are collected and written at engine_finish. */
    const struct summary_sizes *sizes; /* 4 of them, or NULL */
    bool merging;
    bool report_so_far; /* engine_snapshot may be asked for Total at any time (live capture) */
    bool writing; /* -w: keep what a later report may ask for (every non-local pair the
                     list holds, whatever -n; interval tables as -v keeps them, and
                     Incoming and Outgoing intervals with -l, for -R) */
};

struct engine;

struct engine *engine_new(const struct engine_opts *o, struct ts_err *err);
void engine_free(struct engine *e);

/* Feeds one record (a packet, a connection or an unknown-transport line).
 * Applies the filters, then updates every summary it belongs to. Returns 0,
 * or a negative code when a sink failed to write a closed interval. */
int engine_add(struct engine *e, const struct ts_record *r, struct ts_err *err);

/* A live capture's counters so far (they only grow): each interval
 * written from now on is handed the growth since the last one. */
void engine_set_capture(struct engine *e, const struct capture_counts *now);

/* Applies the records waiting in a batch and writes the intervals that
 * closed: for a live capture that goes idle. Returns 0 or a sink's error. */
int engine_flush(struct engine *e, struct ts_err *err);

/* Writes the report so far (Total, as finish writes it, with st) as text
 * to out, without stopping; only without a counting thread (threads
 * false), so that the reading thread owns every summary. Returns 0 or
 * TS_EIO. */
int engine_snapshot(struct engine *e, FILE *out, const struct sink_input_stats *st,
                    struct ts_err *err);

/* Stops the counting thread, closes all intervals and hands everything
 * to the sinks with the reader's statistics st (borrowed; NULL: none).
 * Returns 0 or a negative code (the first error of any sink, reported
 * once, naming the file). */
int engine_finish(struct engine *e, const struct sink_input_stats *st, struct ts_err *err);

/* A message for the user that is not an error, left by a sink at finish
 * (e.g. rows the R files left out), or NULL. */
const char *engine_notice(const struct engine *e);

/* Records that arrived after their interval had been written out. */
uint64_t engine_late_records(const struct engine *e);

/* The sizes of Total, of Incoming and Outgoing, of each network and of
 * each interval, in that order (what a summary file states). */
void engine_sizes(const struct engine *e, struct summary_sizes out[4]);

/* Merges s (of the sizes engine_sizes gives; s may be changed) into the
 * summary of role: Total, Incoming, Outgoing, network index, or the
 * interval of stream index starting at start. Only before the first
 * engine_add. Returns 0 or a negative code (TS_EFORMAT: the role does not
 * exist in this run). */
int engine_merge_summary(struct engine *e, enum sf_role role, uint64_t index, double start,
                         struct summary *s, struct ts_err *err);
/* Merges a file's pair list: its unknown-transport pairs after those seen
 * so far, its non-local pairs as records after those counted so far. */
void engine_merge_pairs(struct engine *e, const struct sf_pairs *p);
/* Adds a live capture's counters over the interval of Total's stream at
 * start to that interval (with -i; else they are the caller's, in the
 * reader's statistics). Returns 0 or a negative code. */
int engine_merge_capture(struct engine *e, double start, const struct capture_counts *c,
                         struct ts_err *err);
/* Adds the records a file counted as late. */
void engine_merge_late(struct engine *e, uint64_t late);

/* Writes the memory plan (what each structure costs) to out. */
void engine_print_plan(const struct engine *e, FILE *out);

#endif
