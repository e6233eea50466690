/*
 * pcap_rd.h - what the trace readers behind pcap_in share: the input with
 * its read-ahead buffer, the frame a reader returns, and the reader's
 * entry in pcap_in's table of formats.
 *
 * A reader (pcap_ng.c, pcap_fast.c, pcap_lib.c) is chosen by pcap_in from
 * the first four bytes of the decompressed stream (libpcap savefile.c's
 * check_headers[]); those bytes are already consumed and kept in
 * rd->magic. The reader owns its state; the struct pcap_rd is borrowed
 * from pcap_in and outlives it.
 */
#ifndef TS_PCAP_RD_H
#define TS_PCAP_RD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "input.h"

#define PCAP_MAX_CAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN */
#define RD_SHORT (-1000)        /* pcap_rd_exact: the stream ended inside the bytes */

struct pcap_rd {
    struct ts_input *in;
    const char *name;
    uint8_t magic[4]; /* the first four bytes of the stream */
    /* the byte order of the file (pcapng: of the section) being read, 1
     * big-endian, set by the reader for the BPF filter (pcap_filter.h) */
    int be;
    /* bytes of the decompressed stream consumed so far (readers that read
     * in place move rpos and keep this themselves) */
    uint64_t offset;
    /* first error of the underlying input */
    struct ts_err ioerr;
    int have_ioerr;
    /* a frame that does not fit the read-ahead, or a block body */
    uint8_t *buf;
    size_t buf_cap;
    uint8_t rbuf[65536]; /* read-ahead */
    size_t rpos, rlen;
};

/* One frame as a reader returns it. data stays valid until the reader's
 * next call. */
struct pcap_frame {
    int dlt; /* DLT_ value of the frame's link type */
    const uint8_t *data;
    uint32_t caplen, wirelen;
    double ts;
    uint64_t at; /* offset of its record (record header or block) */
    /* the record header is invalid (a subsecond field of a second or
     * more): the frame counts as damaged, not as a packet */
    int bad;
};

/* The readers. Each has an open function (pcap_reader_open_fn), and
 *   int pcap_X_next(void *state, struct pcap_rd *rd, struct pcap_frame *f,
 *                   struct ts_err *err);
 * which returns 1 with *f set, 0 at the end, or a negative code with err
 * set (TS_EDAMAGED naming the file and offset), and
 *   void pcap_X_close(void *state);   (NULL is a no-op)
 * pcap_in calls them through a switch on the kind, not through function
 * pointers: each next then has one caller, and the compiler inlines the
 * classic fast path into the packet loop (through a pointer the reader
 * cost 3% more instructions on a trace). */
enum pcap_reader_kind { PCAP_RD_NG, PCAP_RD_FAST, PCAP_RD_LIB };

/* Opens a reader on rd, whose magic is read: returns its state (owned by
 * the caller, freed by the reader's close) with *kind set to the reader
 * that reads it, or NULL with err set. */
typedef void *pcap_reader_open_fn(struct pcap_rd *rd, enum pcap_reader_kind *kind,
                                  struct ts_err *err);

/* Refills the empty read-ahead. Returns the byte count, 0 at the end, or
 * -1 after an input error (kept in rd->ioerr). */
ssize_t pcap_rd_fill(struct pcap_rd *rd);

/* Reads exactly n bytes. Returns 1, 0 at a clean end before the first
 * byte, RD_SHORT when the stream ends inside them, or the input's error
 * code (err set). Moves rd->offset. */
int pcap_rd_exact(struct pcap_rd *rd, void *dst, size_t n, struct ts_err *err);

/* Drops n bytes; same returns as pcap_rd_exact (a clean end is RD_SHORT). */
int pcap_rd_skip(struct pcap_rd *rd, uint64_t n, struct ts_err *err);

/* Makes rd->buf hold at least n bytes. Returns 0 or TS_ENOMEM (err set). */
int pcap_rd_grow(struct pcap_rd *rd, size_t n, struct ts_err *err);

/* The input's error as a return code (err set from rd->ioerr). */
int pcap_rd_ioerr(const struct pcap_rd *rd, struct ts_err *err);

/* Integers in a file's byte order (be: big-endian). */
static inline uint32_t pcap_rd_u32(int be, const uint8_t *b)
{
    if (be)
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static inline uint16_t pcap_rd_u16(int be, const uint8_t *b)
{
    if (be)
        return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
    return (uint16_t)((uint16_t)b[1] << 8 | b[0]);
}

#endif
