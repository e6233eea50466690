/*
 * pcap_filter.h - a BPF filter expression (tcpdump's syntax) compiled by
 * libpcap and matched against frames of traces, per link type.
 *
 * A trace file's frames go through pcap_offline_filter with a program
 * compiled for the frame's link type, as `tcpdump -r FILE EXPR` compiles
 * one for the file's; a pcapng file with interfaces of several link types
 * gets one program per link type (at most PCAP_FILTER_DLTS). Programs are
 * compiled as tcpdump compiles them for a file: on a savefile handle of
 * that link type and byte order (libpcap's code generator treats files
 * apart: e.g. on BSD loopback a file's "ip6" matches the AF_INET6 values
 * of every system, a live capture's only the host's, and a file of the
 * other byte order has its AF_ values swapped), optimised, netmask 0, the
 * snap length libpcap's largest (a program's result is only tested for
 * zero, so the snap length does not change which frames match).
 *
 * Ownership: the filter copies the expression.
 */
#ifndef TS_PCAP_FILTER_H
#define TS_PCAP_FILTER_H

#include <stdint.h>

#include "err.h"

#define PCAP_FILTER_DLTS 8

struct pcap_filter;

/* Checks expr by compiling it for Ethernet (the link type every capture
 * tool accepts it for): returns 0, or TS_EUSAGE with libpcap's message. */
int pcap_filter_check(const char *expr, struct ts_err *err);

/* A filter for expr; programs are compiled as link types appear. Returns
 * NULL with err set (TS_ENOMEM). */
struct pcap_filter *pcap_filter_new(const char *expr, struct ts_err *err);
void pcap_filter_free(struct pcap_filter *f); /* NULL is a no-op */

/* 1 when the frame (of link type dlt, from a file of byte order be: 1
 * big-endian) matches, 0 when not, or TS_EUSAGE (err set, naming the link
 * type) when expr cannot be compiled for dlt or more link types appear
 * than the filter holds programs for. */
int pcap_filter_match(struct pcap_filter *f, int dlt, int be, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, struct ts_err *err);

#endif
