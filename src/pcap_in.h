/*
 * pcap_in.h - packet records from a pcap or pcapng trace, plain or
 * gzip-compressed, file or stdin.
 */
#ifndef TS_PCAP_IN_H
#define TS_PCAP_IN_H

#include <stdint.h>

#include "err.h"
#include "input.h"
#include "record.h"

struct pcap_in;

/* Takes a borrowed input (must outlive the reader). Fails with TS_EFORMAT
 * when the input is not a trace libpcap reads, naming the file. */
struct pcap_in *pcap_in_open(struct ts_input *in, struct ts_err *err);
void pcap_in_close(struct pcap_in *p);

/* Returns 1 with *out set for a packet of the summary, 0 at the end, or
 * TS_EDAMAGED when the file is damaged (err names the file and position;
 * packets before stay counted). Frames that are not packets of the summary
 * (non-IP, link types not decoded, damaged frames) are counted in the stats
 * and skipped. */
int pcap_in_next(struct pcap_in *p, struct ts_record *out, struct ts_err *err);

/* Passes only the frames that match the BPF expression expr from now on
 * (pcap_filter.h; the others are counted as filtered, not as frames).
 * Returns 0 or TS_ENOMEM. A frame of a link type expr cannot be compiled
 * for makes pcap_in_next return TS_EUSAGE with libpcap's message. */
int pcap_in_set_filter(struct pcap_in *p, const char *expr, struct ts_err *err);

struct pcap_in_stats {
    uint64_t frames;      /* all frames read (that passed the filter) */
    uint64_t filtered;    /* frames the filter did not pass */
    uint64_t packets;     /* PKT_OK */
    uint64_t not_ip;      /* PKT_NOT_IP */
    uint64_t damaged;     /* PKT_DAMAGED */
    uint64_t unsupported; /* PKT_UNSUPPORTED */
    /* packets (PKT_OK) captured before segmentation offload (TSO, BIG
     * TCP), whose length was taken from the frame (see pkt_decode_wire) */
    uint64_t offloaded;
    /* Names of up to 8 link types seen but not decoded, comma separated
     * ("IEEE802_11_RADIO, FRELAY"), NUL-terminated. */
    char unsupported_names[160];
    /* The first damaged frame (when damaged > 0): its 1-based number among
     * all frames and the offset of its record in the decompressed stream
     * (pcap record header or pcapng block), for the message that says where. */
    uint64_t first_damaged_frame;
    uint64_t first_damaged_offset;
};
void pcap_in_stats(const struct pcap_in *p, struct pcap_in_stats *st);

struct pcap_frame; /* pcap_rd.h */
/* Decodes a frame of any source (a trace, a live capture) as pcap_in_next
 * does, counting it in *st: 1 with *out set for a packet of the summary,
 * 0 for a frame that is not one. */
int pcap_in_decode(struct pcap_in_stats *st, const struct pcap_frame *f, struct ts_record *out);

#endif
