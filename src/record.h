/*
 * record.h - the one record every reader produces and the aggregator eats.
 *
 * A record is a packet (pcap input) or a connection (conn.log input). The
 * readers fill it in place; strings point into the reader's own buffer and
 * stay valid only until the reader's next call (nothing is copied per
 * record). Addresses are kept in binary form: 4 bytes for IPv4, 16 for IPv6.
 *
 *   field     packet                         connection
 *   ts        capture time                   ts
 *   end       = ts                           ts + duration (unset: ts)
 *   bytes     IP total length                orig_bytes + resp_bytes
 *   payload   bytes - IP hdrs - L4 header    bytes, minus a direction over 700 Mbit/s
 *   sport     TCP/UDP port, ICMP type        id.orig_p
 *   dport     TCP/UDP port, ICMP code        id.resp_p
 *   frag      1 for a true fragment          0
 *   service   -                              service (trailing '?' dropped)
 *   state     -                              conn_state
 */
#ifndef TS_RECORD_H
#define TS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ts_addr {
    uint8_t len; /* 4 or 16; 0 = absent */
    uint8_t b[16];
};

struct ts_str {
    const char *p; /* not NUL-terminated; borrowed from the reader */
    size_t len;
};

enum ts_record_kind {
    TS_REC_PACKET = 0,
    TS_REC_CONN = 1,
    TS_REC_UNKNOWN_TRANSPORT = 2, /* conn.log proto "unknown_transport" */
};

struct ts_record {
    enum ts_record_kind kind;
    double ts;
    double end;
    struct ts_addr src, dst;
    uint16_t sport, dport;
    uint8_t proto; /* IP protocol number; 0 = unknown */
    uint8_t frag;  /* 1 = a true fragment */
    uint64_t bytes;
    uint64_t payload;
    uint32_t tcp_seq;      /* packets: TCP sequence number (for -C) */
    bool tcp_seq_valid;    /* packets: a TCP header with its seq was captured */
    struct ts_str service; /* conn only */
    struct ts_str state;   /* conn only */
    struct ts_str uid;     /* conn only; for the bandwidth message */
    /* conn only: a direction exceeded 700 Mbit/s; its payload counts 0. */
    bool orig_bw_exceeded, resp_bw_exceeded;
    /* unknown_transport lines: the addresses as written in the log. */
    struct ts_str src_text, dst_text;
};

/* Every field of r zero (absent), once per record. A memset of this
 * constant size compiles to "rep stos" with GCC's generic x86 tuning,
 * whose start-up cost was a quarter of the packet decoder's samples; with
 * the size hidden from the optimizer it is a call to the C library's
 * memset, which uses vector stores. */
static inline void ts_record_clear(struct ts_record *r)
{
    size_t n = sizeof *r;
#if defined(__GNUC__)
    __asm__("" : "+r"(n));
#endif
    memset(r, 0, n);
}

#endif
