/*
 * engine.h - everything between the readers and the report: filters,
 * Total/Incoming/Outgoing/per-network summaries, streamed intervals, the
 * non-local and unknown-transport tables, sampling scale, and the output
 * (text report or R files).
 *
 * Memory is fixed when engine_new returns (see engine_plan): summaries are
 * sized from the budget, intervals are written out as they close, and the
 * small tables are capped.
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
    const char *input_name; /* for the JSON document */
    uint64_t seed;
};

struct engine;

struct engine *engine_new(const struct engine_opts *o, struct ts_err *err);
void engine_free(struct engine *e);

/* Feeds one record (a packet, a connection or an unknown-transport line).
 * Applies the filters, then updates every summary it belongs to. Returns 0,
 * or a negative code when writing a closed interval failed. */
int engine_add(struct engine *e, const struct ts_record *r, struct ts_err *err);

/* Closes all intervals and writes the report to out (or the R files).
 * Returns 0 or a negative code. */
int engine_finish(struct engine *e, FILE *out, struct ts_err *err);

/* What the reader skipped, for the JSON document. */
struct engine_input_stats {
    uint64_t corrupt_lines;                        /* conn.log lines skipped */
    uint64_t frames, not_ip, not_decoded, damaged; /* pcap frames */
    const char *not_decoded_link_types;
    bool file_damaged;  /* the file itself was cut short or corrupt */
    const char *damage; /* the message, or NULL */
};
void engine_set_input_stats(struct engine *e, const struct engine_input_stats *st);

/* Records that arrived after their interval had been written out. */
uint64_t engine_late_records(const struct engine *e);

/* Writes the memory plan (what each structure costs) to out. */
void engine_print_plan(const struct engine *e, FILE *out);

#endif
