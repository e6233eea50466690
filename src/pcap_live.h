/*
 * pcap_live.h - packet records captured live from a network interface
 * through libpcap, decoded as trace files are (pcap_in_decode).
 *
 * The capture is set up as tcpdump sets it up: pcap_create, the snap
 * length, promiscuous mode, the kernel buffer size, immediate mode off
 * (the kernel hands packets over in blocks), a read timeout so that an
 * idle interface still returns to the caller, pcap_activate, then the BPF
 * filter (pcap_setfilter, run in the kernel). Nothing is written.
 *
 * Ownership: the capture copies what it needs of the options.
 */
#ifndef TS_PCAP_LIVE_H
#define TS_PCAP_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "err.h"
#include "pcap_in.h"
#include "record.h"

/* The default snap length: the longest run of headers the decoder reads
 * (Ethernet with two 802.1Q tags and PPPoE, 30 bytes; IPv4 with options,
 * 60, or IPv6 with extension headers; TCP's fixed header, 20) with room
 * for MPLS labels and IPv6 extension headers, in one cache line's
 * multiple. Bytes and payload come from the IP header, not the frame. */
#define PCAP_LIVE_SNAPLEN 256
#define PCAP_LIVE_TIMEOUT_MS 250 /* the longest an idle capture waits */

struct pcap_live_opts {
    const char *iface;
    int snaplen;        /* bytes of each frame kept; 0: PCAP_LIVE_SNAPLEN */
    bool promisc;       /* promiscuous mode */
    int buffer_kib;     /* kernel buffer in KiB (tcpdump's -B); 0: libpcap's */
    const char *filter; /* BPF expression, or NULL */
};

struct pcap_live;

/* Opens and activates the capture. Returns NULL with err set: TS_EUSAGE
 * for a filter libpcap rejects (its message), TS_EIO for an interface
 * that cannot be captured on (libpcap's message: no such device, no
 * permission, ...), TS_ENOMEM. */
struct pcap_live *pcap_live_open(const struct pcap_live_opts *o, struct ts_err *err);
void pcap_live_close(struct pcap_live *l); /* NULL is a no-op */

/* Returns 1 with *out set for a packet of the summary, 0 when the read
 * timeout expired or pcap_live_break was called (the caller checks its
 * stop conditions and calls again), or TS_EIO when the interface went
 * away or failed (err holds libpcap's message). Frames that are not
 * packets of the summary are counted and skipped. */
int pcap_live_next(struct pcap_live *l, struct ts_record *out, struct ts_err *err);

/* After n frames (0: no limit), pcap_live_next reads no more and returns 0. */
void pcap_live_set_limit(struct pcap_live *l, uint64_t n);

/* Makes a waiting pcap_live_next return 0 (pcap_breakloop); safe from a
 * signal handler of the capturing thread. */
void pcap_live_break(struct pcap_live *l);

/* libpcap's counters since the capture was activated (pcap_stats): fills *c; the counters only grow (libpcap's 32-bit counters are
 * widened across wrap-arounds). Returns 0, or TS_EIO when libpcap cannot
 * read them (then *c keeps the last values). */
int pcap_live_counts(struct pcap_live *l, struct capture_counts *c, struct ts_err *err);

/* The frames read and why some were skipped. */
void pcap_live_stats(const struct pcap_live *l, struct pcap_in_stats *st);

#endif
