/*
 * report.h - the original tool's text report: one block of a summary.
 *
 * Writes blocks exactly as the original printed them whenever the counts
 * are exact; see ../shared/doc/reference-behaviour.md, "The text report".
 * Functions write to out and never fail silently: they return 0 or -1 on a
 * write error (errno set).
 */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "summary.h"

/* Resolves an address to a host name for -r. Returns a string that stays
 * valid until the resolver is freed ("<???>" when unknown). */
typedef const char *(*report_resolve_fn)(void *ctx, const unsigned char *addr, size_t len);

struct report_opts {
    FILE *out;
    bool conns;                /* connection logs: Services and States columns */
    size_t topn;               /* -n */
    bool by_bytes;             /* -b */
    double factor;             /* -s N or 1/P for -S P; 1 = no sampling */
    bool factor_float;         /* counts print as floats (-S) */
    report_resolve_fn resolve; /* -r, or NULL */
    /* queues an address ahead of resolve, so that every address of a
     * table is looked up at once, concurrently */
    void (*resolve_want)(void *ctx, const unsigned char *addr, size_t len);
    void *resolve_ctx;
    uint64_t seed;   /* hash seed of the summaries */
    double sample_p; /* -S P: records were kept with probability P; 0 = none */
};

/* One block: the "\n>== TITLE === START - END" line, the counters line and,
 * when table is true, the top-n table. The trailing newline the original's
 * print() added is included. */
int report_block(const struct report_opts *o, const struct summary *s, const char *title,
                 bool table);

/* The pieces of an entry both the text and the JSON report show. */
#define REPORT_KEY_MAX 256 /* room for an entry's name (report_key_text) */
/* A count scaled by -s/-S (o->factor). */
double report_scaled(const struct report_opts *o, uint64_t v);
/* Entry e of col as the report names it (a port, an address, a service
 * with "icmp-" and "netbios" shortened as the original did), in buf. */
void report_key_text(char *buf, size_t n, enum summary_col col, const struct ss_entry *e);
/* Bounds of the true count behind e, unscaled: Space-Saving's and
 * Count-Min's (summary_bounds); protocols are exact. */
void report_count_bounds(const struct summary *s, enum summary_col col, const struct ss_entry *e,
                         uint64_t *lo_c, uint64_t *hi_c);
/* The unscaled bounds scaled, widened by the 95% sampling interval under -S. */
void report_scaled_bounds(const struct report_opts *o, uint64_t lo_c, uint64_t hi_c, double *lo,
                          double *hi);
/* The printed range of shares of [lo, hi] in total, in percent with one
 * decimal, rounded outward so that it contains the computed one. */
void report_printed_range(double lo, double hi, double total, double *plo, double *phi);
/* The same range as the report prints it: in
 * percent with one decimal, rounded outward so that it contains the
 * computed one, written to a and b (n bytes each). Returns true when both
 * ends print the same, so that one value stands for the range. */
bool report_range_text(double lo, double hi, double total, char *a, char *b, size_t n);

/* "First: ... Last: ..." from the Total's span. */
int report_first_last(const struct report_opts *o, const struct summary *total);

#endif
