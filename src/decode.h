/*
 * decode.h - one captured frame into a packet record.
 *
 * Every read is bounds-checked against caplen: a frame may be truncated at
 * any byte. The outermost IP header counts; tunnels are not unwrapped.
 */
#ifndef TS_DECODE_H
#define TS_DECODE_H

#include <stdint.h>

#include "record.h"

enum pkt_status {
    PKT_OK = 0,          /* *out is a packet of the summary */
    PKT_NOT_IP = 1,      /* ARP, STP, LLC, ...: not a packet of the summary */
    PKT_UNSUPPORTED = 2, /* link type we do not decode (802.11, FDDI, ...) */
    PKT_DAMAGED = 3,     /* truncated inside a header it needs, or invalid */
};

/* Decodes a frame of link type dlt (a DLT_/LINKTYPE_ value as libpcap's
 * pcap_datalink returns it). caplen bytes are readable at data. */
enum pkt_status pkt_decode(int dlt, const uint8_t *data, uint32_t caplen, struct ts_record *out);

/* As pkt_decode, with the frame's length on the wire (wirelen >= caplen):
 * a segment captured before offload (an IPv4 total length of 0; an IPv6
 * payload length of 0 with TCP or UDP next in a frame over 65,535 bytes)
 * counts as the rest of the frame on the wire, and *offloaded is set to 1
 * (0 otherwise). Cost: O(headers). */
enum pkt_status pkt_decode_wire(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                struct ts_record *out, int *offloaded);

#endif
