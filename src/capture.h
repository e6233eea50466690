/*
 * capture.h - a live capture's counters, as libpcap's pcap_stats gives
 * them, in total or over a span (an interval, a summary file): packets the
 * filter passed, and those dropped for want of room in the kernel's buffer
 * or by the interface. Traces read from files have none.
 */
#ifndef TS_CAPTURE_H
#define TS_CAPTURE_H

#include <stdint.h>

struct capture_counts {
    uint64_t received;       /* ps_recv: packets the filter passed */
    uint64_t dropped_kernel; /* ps_drop: no room in the kernel buffer */
    uint64_t dropped_iface;  /* ps_ifdrop: dropped by the interface or its driver */
};

/* now - then, field by field (counters only grow). */
static inline struct capture_counts capture_since(const struct capture_counts *now,
                                                  const struct capture_counts *then)
{
    struct capture_counts d = {now->received - then->received,
                               now->dropped_kernel - then->dropped_kernel,
                               now->dropped_iface - then->dropped_iface};
    return d;
}

/* *acc += c, field by field. */
static inline void capture_add(struct capture_counts *acc, const struct capture_counts *c)
{
    acc->received += c->received;
    acc->dropped_kernel += c->dropped_kernel;
    acc->dropped_iface += c->dropped_iface;
}

#endif
