/*
 * html_out.h - the report as one self-contained HTML page.
 *
 * The page carries its own CSS and SVG: no script, font or image is
 * fetched, so it reads offline and prints (an @media print rule). Its
 * sections, in call order:
 *
 *   html_begin     title, input and parameters
 *   html_interval  one closed interval's counters (Total, and Incoming and
 *                  Outgoing with -l); drawn as time series when the first
 *                  block, the networks or the end come
 *   html_block     a summary: the first one (Total) also gives the header
 *                  figures; then one bar chart per column with each
 *                  estimate's lower-upper range, and the sketches behind it
 *   html_networks  the local networks ranking and the pairs without a
 *                  local address
 *   html_unknown   the unknown-transport pairs
 *   html_finish    what the reader skipped and the drops; closes the page
 *
 * Every string from the input (services, states, host names, network
 * descriptions, the input's name) is escaped: bytes that are markup
 * (& < > " ') and bytes outside printable ASCII become character
 * references, so a crafted name shows as text.
 *
 * Memory: fixed at html_begin, html_mem_bytes() (HTML_POINTS_MAX points
 * of the time series; neighbouring intervals are merged two by two when
 * more arrive, so a series of any length keeps at most that many). The
 * page is bounded likewise: by the points drawn, -n and the sections.
 *
 * Ownership: strings in struct html_meta are borrowed until html_finish;
 * everything else is borrowed for the call only. Functions return 0, or
 * -1 once a write failed (errno set); html_finish frees the page in any
 * case.
 */
#ifndef TS_HTML_OUT_H
#define TS_HTML_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "summary.h"

/* Points a time series keeps at most (and draws). */
#define HTML_POINTS_MAX 2048

struct html_meta {
    const char *input; /* input name(s) as given, "-" for standard input */
    bool conns;        /* connection log (else packet trace) */
    size_t topn;       /* -n */
    bool by_bytes;     /* -b */
    double factor;     /* -s N or 1/P; 1 = none */
    bool factor_float; /* counts print as floats (-S) */
    double sample_p;   /* -S P; 0 = none */
    long long ilen;    /* -i seconds; 0 = none */
    uint64_t seed;
    size_t memory;      /* sketch budget in bytes */
    const char *params; /* further options as text, or NULL */
};

struct html_page;

/* Writes the head of the page to out. Returns NULL when out of memory
 * (nothing written). Cost: html_mem_bytes(). */
struct html_page *html_begin(FILE *out, const struct html_meta *m);
size_t html_mem_bytes(void);

/* The counters of one closed interval of a stream (0 Total, 1 Incoming,
 * 2 Outgoing), unscaled: its number idx = floor(start / ilen) and its
 * start. Streams and intervals may come in any order; intervals without a
 * call count zero. Ignored without -i. O(1), amortised: when a point
 * would fall past HTML_POINTS_MAX, the points merge two by two (at most
 * 64 times in a page's life). */
int html_interval(struct html_page *p, unsigned stream, long long idx, double start,
                  const struct summary_counters *c);

/* One block: the text report's top o->topn per column, with shares as the
 * text report prints them. o->out is not used; o->resolve names hosts. */
int html_block(struct html_page *p, const char *title, const struct summary *s,
               const struct report_opts *o);

struct html_net {
    const char *cidr, *descr;
    double count;     /* connections or packets, scaled */
    bool count_float; /* print as a float (-S) */
};
struct html_pair {
    const char *a, *b;
    double count; /* < 0: not counted (pairs without a local address) */
};

/* The ranking of the local networks (already in rank order, n entries;
 * the first topn are shown), and the first pairs without a local address
 * (nonlocal of them, pairs listed). */
int html_networks(struct html_page *p, const struct html_net *nets, size_t n, uint64_t nonlocal,
                  const struct html_pair *pairs, size_t npairs);

/* The unknown-transport pairs, in rank order (the first topn shown), their
 * total and the connections of pairs not kept. */
int html_unknown(struct html_page *p, const struct html_pair *pairs, size_t n, double total,
                 uint64_t not_listed);

/* What the reader skipped. Drops are those of a live capture. */
struct html_stats {
    uint64_t corrupt_lines;                        /* conn.log lines skipped */
    uint64_t frames, not_ip, not_decoded, damaged; /* pcap frames */
    uint64_t late;                                 /* records after their interval */
    bool live;                                     /* the drops below are known */
    uint64_t drops_kernel, drops_interface;
    const char *damage; /* the input's damage, or NULL */
};

/* Closes the page and frees p. Returns 0, or -1 when any write failed. */
int html_finish(struct html_page *p, const struct html_stats *st);
/* Frees p without writing more (a run that stops early). NULL: no-op. */
void html_free(struct html_page *p);

#endif
