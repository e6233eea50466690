/*
 * pcap_lib.h - the libpcap reader behind pcap_in: every format libpcap
 * reads that no reader of our own takes (classic pcap variants: modified,
 * Kuznetzov, other versions; link types libpcap rewrites).
 */
#ifndef TS_PCAP_LIB_H
#define TS_PCAP_LIB_H

#include <pcap/pcap.h>

#include "pcap_rd.h"

struct pcap_lib;

/* Opens libpcap on the stream (the consumed magic replayed first).
 * buffered: 1 reads through a 64 KiB stdio buffer; 0 unbuffered, so that
 * libpcap takes exactly the bytes it parses (after the open: the 24-byte
 * file header). Fails with TS_EFORMAT when libpcap rejects the file,
 * naming the file, or with the input's own error. Cost: the header. */
struct pcap_lib *pcap_lib_start(struct pcap_rd *rd, int buffered, struct ts_err *err);

/* The libpcap handle (borrowed), for a reader that reads the records of
 * a file whose header libpcap checked. */
pcap_t *pcap_lib_handle(struct pcap_lib *l);

/* Next frame and close, on a state from pcap_lib_start (see pcap_rd.h).
 * Cost: libpcap's per record. */
int pcap_lib_next(void *state, struct pcap_rd *rd, struct pcap_frame *f, struct ts_err *err);
void pcap_lib_close(void *state);

/* pcap_reader_open_fn: pcap_lib_start, buffered. */
pcap_reader_open_fn pcap_lib_open;

#endif
