/*
 * trace_magic.h - the first four bytes of the trace formats read without
 * libpcap's help, as strings (libpcap savefile.c's check_headers[]): one
 * definition for the table of input formats (reader.c) and the table of
 * trace readers (pcap_in.c).
 */
#ifndef TS_TRACE_MAGIC_H
#define TS_TRACE_MAGIC_H

#define TRACE_MAGIC_LEN 4
#define TRACE_MAGIC_PCAPNG "\x0a\x0d\x0d\x0a"     /* section header block */
#define TRACE_MAGIC_PCAP_BE_US "\xa1\xb2\xc3\xd4" /* classic pcap, big-endian, us */
#define TRACE_MAGIC_PCAP_LE_US "\xd4\xc3\xb2\xa1" /* little-endian, us */
#define TRACE_MAGIC_PCAP_BE_NS "\xa1\xb2\x3c\x4d" /* big-endian, ns */
#define TRACE_MAGIC_PCAP_LE_NS "\x4d\x3c\xb2\xa1" /* little-endian, ns */

#endif
