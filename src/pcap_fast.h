/*
 * pcap_fast.h - the classic pcap reader behind pcap_in for the common
 * formats: version 2.4, micro- or nanoseconds, either byte order (magic
 * a1b2c3d4, a1b23c4d and their byte swaps).
 */
#ifndef TS_PCAP_FAST_H
#define TS_PCAP_FAST_H

#include "pcap_rd.h"

/* pcap_reader_open_fn: libpcap checks the file header; the records are
 * then read in place from the read-ahead. A header libpcap accepts but
 * whose records it rewrites (another version, a snapshot length beyond
 * PCAP_MAX_CAPLEN, D-Bus, USBPcap, EBHSCR) is left to the libpcap reader
 * (*kind is PCAP_RD_LIB then). Cost: the header. */
pcap_reader_open_fn pcap_fast_open;

/* Next frame and close (see pcap_rd.h). Cost: O(1) per record, plus a
 * copy for a frame that crosses the read-ahead's end. */
int pcap_fast_next(void *state, struct pcap_rd *rd, struct pcap_frame *f, struct ts_err *err);
void pcap_fast_close(void *state);

#endif
