/*
 * plan.h - the memory plan: how the budget is divided across the summaries.
 *
 * A run keeps Total, Incoming and Outgoing (with -l), one summary per local
 * network and a fixed pool of interval summaries (max_open per interval
 * stream). plan_make sizes every one of them from the budget before any is
 * made, so that memory is a function of the options alone:
 *
 *   share            of the budget
 *   open intervals   15% when intervals keep tables (-i with -v or -R)
 *   local networks   10% of the rest, divided by their number (with -l)
 *   Total            the rest; with -l a third each for Total, Incoming
 *                    and Outgoing
 *
 * Within a share: sources and destinations 33% each (packets: 38%), a
 * Count-Min beside each 3%, ports 17%, services and states 3% each;
 * without host tables (-m, -R) ports 60% and strings 20% each. Domains cap
 * what is useful (at most max_ports ports, 4096 names).
 *
 * The plan is a value (no allocation); plan_write describes it.
 */
#ifndef TS_PLAN_H
#define TS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "summary.h"

/* Open intervals that keep breakdowns / counters only, per stream. */
#define PLAN_MAX_OPEN_TABLES 8
#define PLAN_MAX_OPEN_COUNTERS 256

struct plan_opts {
    size_t memory;           /* the budget in bytes */
    bool memory_given;       /* --memory: lifts the cap on host tables */
    bool conns;              /* connection logs: services and states */
    bool save_mem;           /* -m */
    bool verbose;            /* -v: intervals keep tables */
    bool r_output;           /* -R: no host tables; intervals keep tables */
    bool dir_intervals;      /* Incoming and Outgoing intervals too (--html) */
    bool write_ports;        /* -P: every port counts */
    const uint8_t *port_set; /* -p bitmap of 65536 bits, or NULL */
    long long ilen;          /* -i seconds, 0 = none */
    bool local_nets;         /* -l given */
    size_t nnets;            /* networks in the -l list */
    size_t fixed_bytes;      /* the engine's small tables, added to the total */
};

struct plan {
    struct summary_sizes main, dir, net, ivl; /* Total; Incoming/Outgoing; nets; intervals */
    bool dirs;                                /* Incoming and Outgoing exist */
    size_t nnets;
    bool interval_tables;   /* interval summaries keep breakdowns */
    size_t n_int_streams;   /* 0, 1 (Total) or 3 (with Incoming, Outgoing) */
    size_t max_open;        /* interval summaries per stream */
    size_t summaries_bytes; /* what every summary of the plan allocates */
    size_t total_bytes;     /* summaries_bytes + fixed_bytes */
};

/* Fills p for o. Cost: a few binary searches over k. */
void plan_make(const struct plan_opts *o, struct plan *p);

/* Interval summaries the plan holds (n_int_streams * max_open). */
size_t plan_interval_summaries(const struct plan *p);

/* Writes what each structure costs (the --memory-plan text) to out.
 * Returns 0, or -1 on a write error (errno set). */
int plan_write(const struct plan *p, const struct plan_opts *o, FILE *out);

#endif
