/*
 * pcap_fast.c - the classic pcap fast path: records of the common formats read in place.
 *
 * libpcap checks the 24-byte file header (unbuffered: it takes exactly
 * those bytes); the records are then read here from the read-ahead
 * without stdio, as libpcap 1.10 reads them (sf-pcap.c: the same checks,
 * the same truncation to the snapshot length, microseconds scaled to
 * nanoseconds):
 *
 *   record:  ts_sec(4) ts_subsec(4) caplen(4) len(4) data(caplen)
 *
 * A frame points into the read-ahead, or into the frame buffer when it
 * crosses the read-ahead's end or is cut to the snapshot length.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_fast.h"
#include "pcap_lib.h"

struct fast {
    struct pcap_rd *rd;
    struct pcap_lib *lib; /* kept open: it owns the header's stream */
    int dlt;
    int be;           /* big-endian file */
    uint32_t nsec;    /* 1: nanosecond timestamps; 0: microseconds */
    uint32_t snap;    /* libpcap's snapshot length for the file */
    uint64_t next_at; /* offset of the next record */
};

/* Makes n more bytes available at rbuf + rpos (n <= sizeof rbuf), moving
 * what is left to the front. Returns 1, 0 when the input ends first (the
 * bytes there are left in rbuf), or < 0 after an input error. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int
fast_refill(struct fast *p, size_t n)
{
    size_t left = p->rd->rlen - p->rd->rpos;
    memmove(p->rd->rbuf, p->rd->rbuf + p->rd->rpos, left);
    p->rd->rpos = 0;
    p->rd->rlen = left;
    while (p->rd->rlen < n) {
        struct ts_err e;
        ts_err_clear(&e);
        ssize_t got = ts_input_read(p->rd->in, p->rd->rbuf + p->rd->rlen,
                                    sizeof p->rd->rbuf - p->rd->rlen, &e);
        if (got < 0) {
            if (!p->rd->have_ioerr) {
                p->rd->ioerr = e;
                p->rd->have_ioerr = 1;
            }
            return -1;
        }
        if (got == 0)
            return 0;
        p->rd->rlen += (size_t)got;
    }
    return 1;
}

/* The check inline (it passes for nearly every record), the refill not. */
static inline int fast_want(struct fast *p, size_t n)
{
    return p->rd->rlen - p->rd->rpos >= n ? 1 : fast_refill(p, n);
}

/* Drops n bytes of the input (the part of an over-long record beyond the
 * snapshot length). Same returns as fast_want. */
static int fast_skip(struct fast *p, uint64_t n)
{
    while (n > 0) {
        if (p->rd->rpos == p->rd->rlen) {
            int rc = fast_want(p, 1);
            if (rc <= 0)
                return rc;
        }
        size_t k = p->rd->rlen - p->rd->rpos;
        if (k > n)
            k = (size_t)n;
        p->rd->rpos += k;
        n -= k;
    }
    return 1;
}

/* Next frame of a common classic pcap file, read as libpcap 1.10 reads it
 * (sf-pcap.c: the same checks, the same truncation to the snapshot
 * length, microseconds scaled to nanoseconds) but in place: the frame
 * points into rbuf, or into buf when it crosses the end of rbuf. */
int pcap_fast_next(void *state, struct pcap_rd *rd, struct pcap_frame *f, struct ts_err *err)
{
    struct fast *p = state;
    const uint8_t **data = &f->data;
    uint64_t at = p->next_at;
    int rc = fast_want(p, 16);
    if (rc < 0)
        goto ioerr;
    if (rc == 0) {
        if (p->rd->rlen - p->rd->rpos == 0)
            return 0; /* a clean end between records */
        return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                          p->rd->name, at);
    }
    const uint8_t *h = p->rd->rbuf + p->rd->rpos;
    uint32_t sec = pcap_rd_u32(p->be, h), sub = pcap_rd_u32(p->be, h + 4);
    uint32_t cap = pcap_rd_u32(p->be, h + 8), len = pcap_rd_u32(p->be, h + 12);
    p->rd->rpos += 16;
    if (cap > PCAP_MAX_CAPLEN) {
        char why[128];
        if (cap > p->snap)
            snprintf(why, sizeof why, "invalid packet capture length %u, bigger than snaplen of %u",
                     cap, p->snap);
        else
            snprintf(why, sizeof why, "invalid packet capture length %u, bigger than maximum of %u",
                     cap, PCAP_MAX_CAPLEN);
        return ts_err_set(err, TS_EDAMAGED, "'%s': bad packet record at offset %" PRIu64 " (%s)",
                          p->rd->name, at, why);
    }
    uint32_t keep = cap > p->snap ? p->snap : cap;
    if (keep > sizeof p->rd->rbuf) {
        /* larger than the read-ahead: gathered in buf */
        if (pcap_rd_grow(p->rd, keep, err) < 0)
            return err->code;
        size_t have = 0;
        while (have < keep) {
            if (p->rd->rpos == p->rd->rlen) {
                rc = fast_want(p, 1);
                if (rc < 0)
                    goto ioerr;
                if (rc == 0)
                    return ts_err_set(err, TS_EDAMAGED,
                                      "'%s': truncated packet record at offset %" PRIu64,
                                      p->rd->name, at);
            }
            size_t k = p->rd->rlen - p->rd->rpos;
            if (k > keep - have)
                k = keep - have;
            memcpy(p->rd->buf + have, p->rd->rbuf + p->rd->rpos, k);
            p->rd->rpos += k;
            have += k;
        }
        *data = p->rd->buf;
    } else {
        rc = fast_want(p, keep);
        if (rc < 0)
            goto ioerr;
        if (rc == 0)
            return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                              p->rd->name, at);
        *data = p->rd->rbuf + p->rd->rpos;
        p->rd->rpos += keep;
    }
    if (keep < cap) {
        /* the frame stays valid: fast_skip only moves rpos, and a refill
         * moves nothing while the skipped bytes are all of what is left */
        if (*data != p->rd->buf) {
            if (pcap_rd_grow(p->rd, keep, err) < 0)
                return err->code;
            memcpy(p->rd->buf, *data, keep);
            *data = p->rd->buf;
        }
        rc = fast_skip(p, cap - keep);
        if (rc < 0)
            goto ioerr;
        if (rc == 0)
            return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                              p->rd->name, at);
    }
    f->dlt = p->dlt;
    f->at = at;
    p->next_at = at + 16 + cap;
    rd->offset = p->next_at;
    uint64_t ns = p->nsec ? sub : (uint64_t)sub * 1000u;
    f->bad = ns >= 1000000000u;
    f->caplen = keep;
    f->wirelen = len;
    f->ts = (double)sec + (double)ns / 1e9;
    return 1;
ioerr:
    return pcap_rd_ioerr(rd, err);
}

void pcap_fast_close(void *state)
{
    struct fast *p = state;
    if (p == NULL)
        return;
    pcap_lib_close(p->lib);
    free(p);
}

void *pcap_fast_open(struct pcap_rd *rd, enum pcap_reader_kind *kind, struct ts_err *err)
{
    struct pcap_lib *lib = pcap_lib_start(rd, 0, err);
    if (lib == NULL)
        return NULL;
    pcap_t *pc = pcap_lib_handle(lib);
    int dlt = pcap_datalink(pc);
    if (!(rd->offset == 24 && pcap_major_version(pc) == 2 && pcap_minor_version(pc) == 4 &&
          pcap_snapshot(pc) > 0 && (unsigned)pcap_snapshot(pc) <= PCAP_MAX_CAPLEN &&
          dlt != DLT_DBUS && dlt != 279 /* DLT_EBHSCR */ && dlt != 249 /* DLT_USBPCAP */)) {
        *kind = PCAP_RD_LIB; /* libpcap reads the records */
        return lib;
    }
    struct fast *p = calloc(1, sizeof *p);
    if (p == NULL) {
        pcap_lib_close(lib);
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    const uint8_t *m = rd->magic;
    p->rd = rd;
    p->lib = lib;
    p->dlt = dlt;
    p->be = m[0] == 0xa1;                   /* a1 b2 c3 d4 or a1 b2 3c 4d */
    rd->be = p->be;
    p->nsec = m[2] == 0x3c || m[1] == 0x3c; /* a1 b2 3c 4d or 4d 3c b2 a1 */
    p->snap = (uint32_t)pcap_snapshot(pc);
    p->next_at = 24;
    *kind = PCAP_RD_FAST;
    return p;
}
