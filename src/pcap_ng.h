/*
 * pcap_ng.h - the pcapng reader behind pcap_in (magic 0a 0d 0d 0a).
 */
#ifndef TS_PCAP_NG_H
#define TS_PCAP_NG_H

#include "pcap_rd.h"

/* pcap_reader_open_fn: reads the first section header (the magic is
 * consumed). A bad first header is TS_EFORMAT. Cost: the header's bytes. */
pcap_reader_open_fn pcap_ng_open;

/* Next frame and close (see pcap_rd.h). Cost: the block's bytes. */
int pcap_ng_next(void *state, struct pcap_rd *rd, struct pcap_frame *f, struct ts_err *err);
void pcap_ng_close(void *state);

#endif
