/*
 * report.h - the original tool's text report.
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

struct jw;
/* The same block as a JSON object (key may be NULL inside an array): its
 * counters, distinct sources and destinations, and every column's top
 * entries with estimate, lower and upper bound and exactness, plus the
 * parameters behind the bounds. */
void report_block_json(const struct report_opts *o, const struct summary *s, const char *title,
                       struct jw *w, const char *key);

/* "First: ... Last: ..." from the Total's span. */
int report_first_last(const struct report_opts *o, const struct summary *total);

#endif
