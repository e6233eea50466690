/*
 * pcap_in.c - packet records from a pcap or pcapng trace.
 *
 * The first four bytes of the (decompressed) stream choose the reader:
 *
 *   0a 0d 0d 0a     pcapng: read by the small block reader below
 *   anything else   handed to libpcap (pcap in either byte order, micro-
 *                   or nanosecond; libpcap rejects what it cannot read)
 *
 * Classic pcap goes through libpcap: pcap_fopen_offline_with_tstamp_precision
 * at nanosecond precision on a stdio stream of our own (fopencookie) that
 * first replays the four sniffed bytes and then reads ts_input_read. The
 * stream is unbuffered, so the bytes it has delivered are exactly the bytes
 * libpcap consumed: that count gives the offset of a damaged record.
 *
 * pcapng has its own reader because libpcap 1.10 refuses a file whose
 * interfaces have different link types or snapshot lengths, and a capture
 * taken on "any" set of interfaces has exactly that. The reader walks
 * blocks with bounds-checked reads and gives every packet the link type of
 * its interface:
 *
 *   block:  type(4) total_length(4) body... total_length(4)
 *   SHB 0x0a0d0d0a  byte-order magic 1a2b3c4d, version 1.x: new section
 *   IDB 1           linktype(2) reserved(2) snaplen(4) options
 *                   (if_tsresol 9, if_tsoffset 14)
 *   EPB 6           interface(4) ts_high(4) ts_low(4) caplen(4) len(4) data
 *   SPB 3           len(4) data (interface 0, no timestamp)
 *   PB  2           interface(2) drops(2) ts_high(4) ts_low(4) caplen(4)
 *                   len(4) data (obsolete)
 *   other blocks    skipped without being buffered
 *
 * Memory is bounded: one frame buffer of at most PCAP_MAX_CAPLEN bytes,
 * one IDB buffer of at most NG_MAX_IDB bytes, at most NG_MAX_IFACES
 * interfaces per section.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pcap_in.h"

#define PCAP_MAX_CAPLEN 262144u          /* libpcap's MAXIMUM_SNAPLEN */
#define NG_MAX_BLOCK (16u * 1024 * 1024) /* libpcap's limit on a pcapng block */
#define NG_MAX_IDB 65536u
#define NG_MAX_IFACES 4096u
#define NG_MAGIC 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du
#define RD_SHORT (-1000) /* read_exact: the stream ended inside the bytes */

struct ng_iface {
    int linktype;
    uint64_t units;    /* timestamp units per second */
    int64_t ts_offset; /* seconds added to every timestamp */
};

struct pcap_in {
    struct ts_input *in;
    const char *name;
    struct pcap_in_stats st;
    size_t names_n;

    /* bytes of the decompressed stream consumed so far */
    uint64_t offset;
    /* offset of the record of the frame last returned by ng_next/pc_next */
    uint64_t frame_at;
    /* that frame's record header is invalid (a subsecond field of a second
     * or more): the frame counts as damaged, not as a packet */
    int frame_bad;
    /* classic pcap: offset of the next record and the size of a record
     * header (16; 24 in the old Kuznetzov format), counted as libpcap reads
     * through a buffered stream */
    uint64_t pc_next_at;
    unsigned pc_hdr;
    /* first error of the underlying input (seen through the cookie) */
    struct ts_err ioerr;
    int have_ioerr;

    /* classic pcap through libpcap */
    pcap_t *pc;
    int dlt;
    /* the common formats (version 2.4, 16-byte record headers, micro- or
     * nanoseconds, either byte order): libpcap checks the file header, the
     * records are read here from rbuf without stdio (see pc_fast_next) */
    int fast;
    uint32_t fast_nsec; /* 1: nanosecond timestamps; 0: microseconds */
    uint32_t fast_snap; /* libpcap's snapshot length for the file */
    uint8_t sniff[4];
    size_t sniff_len, sniff_pos;
    uint8_t rbuf[65536]; /* read-ahead for the cookie stream */
    size_t rpos, rlen;

    /* pcapng */
    int ng;
    int swap; /* the file is big-endian (pcapng, and classic records read in place) */
    struct ng_iface *ifaces;
    size_t n_ifaces;
    uint8_t *buf; /* frame or IDB body */
    size_t buf_cap;
};

/* ---- the input as a stdio stream for libpcap ----------------------------- */

/* Refills the read-ahead buffer. Returns the byte count, 0 at the end, or
 * -1 after an input error (kept in p->ioerr). */
static ssize_t fill(struct pcap_in *p)
{
    struct ts_err e;
    ts_err_clear(&e);
    ssize_t got = ts_input_read(p->in, p->rbuf, sizeof p->rbuf, &e);
    if (got < 0) {
        if (!p->have_ioerr) {
            p->ioerr = e;
            p->have_ioerr = 1;
        }
        return -1;
    }
    p->rpos = 0;
    p->rlen = (size_t)got;
    return got;
}

/* The sniffed magic, then the input through a read-ahead buffer of our own
 * (ts_input_read may make one system call per call). */
static ssize_t cookie_read(void *c, char *dst, size_t n)
{
    struct pcap_in *p = c;
    size_t done = 0;
    while (done < n && p->sniff_pos < p->sniff_len)
        dst[done++] = (char)p->sniff[p->sniff_pos++];
    while (done < n) {
        if (p->rpos == p->rlen) {
            ssize_t got = fill(p);
            if (got < 0 && done == 0) {
                errno = EIO;
                return -1;
            }
            if (got <= 0)
                break;
        }
        size_t k = p->rlen - p->rpos;
        if (k > n - done)
            k = n - done;
        memcpy(dst + done, p->rbuf + p->rpos, k);
        p->rpos += k;
        done += k;
    }
    p->offset += done;
    return (ssize_t)done;
}

static int cookie_close(void *c)
{
    (void)c; /* the input belongs to the caller */
    return 0;
}

/* ---- raw reads for the pcapng reader ------------------------------------- */

/* Reads exactly n bytes. Returns 1, 0 at a clean end before the first byte,
 * RD_SHORT when the stream ends inside them, or the input's error code
 * (err set by ts_input_read). */
static int read_exact(struct pcap_in *p, void *dst, size_t n, struct ts_err *err)
{
    size_t done = 0;
    while (done < n) {
        if (p->rpos == p->rlen) {
            ssize_t got = fill(p);
            if (got < 0) {
                *err = p->ioerr;
                return p->ioerr.code < 0 ? p->ioerr.code : TS_EIO;
            }
            if (got == 0)
                return done == 0 ? 0 : RD_SHORT;
        }
        size_t k = p->rlen - p->rpos;
        if (k > n - done)
            k = n - done;
        memcpy((char *)dst + done, p->rbuf + p->rpos, k);
        p->rpos += k;
        done += k;
    }
    p->offset += n;
    return 1;
}

static int skip_bytes(struct pcap_in *p, uint64_t n, struct ts_err *err)
{
    char tmp[4096];
    while (n > 0) {
        size_t k = n < sizeof tmp ? (size_t)n : sizeof tmp;
        int rc = read_exact(p, tmp, k, err);
        if (rc <= 0)
            return rc < 0 ? rc : RD_SHORT;
        n -= k;
    }
    return 1;
}

/* Integers in the file's byte order (swap: big-endian), for pcapng blocks
 * and classic record headers alike. */
static inline uint32_t file_u32(const struct pcap_in *p, const uint8_t *b)
{
    if (p->swap)
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static inline uint16_t file_u16(const struct pcap_in *p, const uint8_t *b)
{
    if (p->swap)
        return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
    return (uint16_t)((uint16_t)b[1] << 8 | b[0]);
}

static int ng_damaged(struct pcap_in *p, struct ts_err *err, uint64_t at, const char *what)
{
    return ts_err_set(err, TS_EDAMAGED, "'%s': %s at offset %" PRIu64, p->name, what, at);
}

/* A short read inside a block: the input's own error when it had one. */
static int ng_short(struct pcap_in *p, struct ts_err *err, int rc, uint64_t at)
{
    if (rc < 0 && rc != RD_SHORT)
        return rc;
    return ng_damaged(p, err, at, "truncated pcapng block");
}

static int grow_buf(struct pcap_in *p, size_t n, struct ts_err *err)
{
    if (n <= p->buf_cap)
        return 0;
    uint8_t *nb = realloc(p->buf, n);
    if (nb == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory reading '%s'", p->name);
    p->buf = nb;
    p->buf_cap = n;
    return 0;
}

/* Parses the IDB body (after type and length, without the trailing length)
 * held in p->buf. */
static int ng_add_iface(struct pcap_in *p, uint32_t body, uint64_t at, struct ts_err *err)
{
    if (body < 8)
        return ng_damaged(p, err, at, "interface description block too short");
    if (p->n_ifaces >= NG_MAX_IFACES)
        return ng_damaged(p, err, at, "too many pcapng interfaces");
    struct ng_iface ifc = {.linktype = file_u16(p, p->buf), .units = 1000000, .ts_offset = 0};
    /* options: code(2) length(2) value, padded to 4 */
    uint32_t o = 8;
    while (o + 4 <= body) {
        uint16_t code = file_u16(p, p->buf + o);
        uint16_t olen = file_u16(p, p->buf + o + 2);
        o += 4;
        if (code == 0)
            break;
        if (olen > body - o)
            return ng_damaged(p, err, at, "pcapng option runs past its block");
        if (code == 9 && olen >= 1) {
            uint8_t r = p->buf[o];
            uint64_t units = 1;
            unsigned e = r & 0x7f;
            if ((r & 0x80) ? e > 63 : e > 19)
                return ng_damaged(p, err, at, "unsupported pcapng timestamp resolution");
            for (unsigned i = 0; i < e; i++)
                units *= (r & 0x80) ? 2 : 10;
            ifc.units = units;
        } else if (code == 14 && olen >= 8) {
            uint64_t lo = file_u32(p, p->buf + o), hi = file_u32(p, p->buf + o + 4);
            uint64_t v = p->swap ? (lo << 32 | hi) : (hi << 32 | lo);
            ifc.ts_offset = (int64_t)v;
        }
        o += ((uint32_t)olen + 3u) & ~3u;
    }
    if (p->n_ifaces % 16 == 0) {
        struct ng_iface *ni = realloc(p->ifaces, (p->n_ifaces + 16) * sizeof *ni);
        if (ni == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory reading '%s'", p->name);
        p->ifaces = ni;
    }
    p->ifaces[p->n_ifaces++] = ifc;
    return 0;
}

/* Reads the rest of a section header block whose type was read at 'at'.
 * first: the file's first block (then a bad header is TS_EFORMAT). */
static int ng_section(struct pcap_in *p, uint64_t at, int first, struct ts_err *err)
{
    uint8_t h[12]; /* total length, byte-order magic, major, minor */
    int rc = read_exact(p, h, sizeof h, err);
    int code = first ? TS_EFORMAT : TS_EDAMAGED;
    if (rc < 0 && rc != RD_SHORT)
        return rc;
    if (rc <= 0) {
        if (first)
            return ts_err_set(err, TS_EFORMAT, "'%s': truncated pcapng section header", p->name);
        return ng_short(p, err, rc, at);
    }
    uint32_t bom_le = (uint32_t)h[7] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[5] << 8 | h[4];
    if (bom_le == NG_BOM)
        p->swap = 0;
    else if (bom_le == 0x4d3c2b1au)
        p->swap = 1;
    else
        return ts_err_set(err, code, "'%s': bad pcapng byte-order magic at offset %" PRIu64,
                          p->name, at + 8);
    uint32_t len = file_u32(p, h);
    uint16_t major = file_u16(p, h + 8), minor = file_u16(p, h + 10);
    if (major != 1)
        return ts_err_set(err, code, "'%s': unsupported pcapng version %u.%u at offset %" PRIu64,
                          p->name, (unsigned)major, (unsigned)minor, at);
    if (len < 28 || len % 4 != 0 || len > NG_MAX_BLOCK)
        return ts_err_set(err, code, "'%s': bad pcapng section header length at offset %" PRIu64,
                          p->name, at);
    p->n_ifaces = 0;
    /* section length (8), options, trailing length: not needed */
    rc = skip_bytes(p, (uint64_t)len - 16, err);
    if (rc <= 0)
        return ng_short(p, err, rc, at);
    return 0;
}

static double ng_time(const struct ng_iface *ifc, uint64_t t)
{
    uint64_t sec = t / ifc->units, frac = t % ifc->units;
    /* in double: an absurd offset must not overflow an integer */
    return (double)sec + (double)ifc->ts_offset + (double)frac / (double)ifc->units;
}

/* Next frame of a pcapng file: 1 with *dlt, *data, *caplen, *wirelen, *ts set, 0 at
 * the end, or a negative code. */
static int ng_next(struct pcap_in *p, int *dlt, const uint8_t **data, uint32_t *caplen,
                   uint32_t *wirelen, double *ts, struct ts_err *err)
{
    for (;;) {
        uint64_t at = p->offset;
        uint8_t h[8];
        int rc = read_exact(p, h, 4, err);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return ng_short(p, err, rc, at);
        uint32_t type = file_u32(p, h);
        if (type == NG_MAGIC) {
            rc = ng_section(p, at, 0, err);
            if (rc < 0)
                return rc;
            continue;
        }
        rc = read_exact(p, h + 4, 4, err);
        if (rc <= 0)
            return ng_short(p, err, rc, at);
        uint32_t len = file_u32(p, h + 4);
        if (len < 12 || len % 4 != 0 || len > NG_MAX_BLOCK)
            return ng_damaged(p, err, at, "bad pcapng block length");
        uint32_t body = len - 12; /* without type, length and trailing length */
        uint8_t f[20];
        uint32_t used = 0;
        int iface = 0;
        uint64_t tsv = 0;
        int has_ts = 1;
        uint32_t cap = 0, orig = 0;

        if (type == 6) { /* enhanced packet block */
            if (body < 20)
                return ng_damaged(p, err, at, "enhanced packet block too short");
            rc = read_exact(p, f, 20, err);
            if (rc <= 0)
                return ng_short(p, err, rc, at);
            iface = (int)file_u32(p, f);
            tsv = (uint64_t)file_u32(p, f + 4) << 32 | file_u32(p, f + 8);
            cap = file_u32(p, f + 12);
            orig = file_u32(p, f + 16);
            used = 20;
        } else if (type == 2) { /* obsolete packet block */
            if (body < 20)
                return ng_damaged(p, err, at, "packet block too short");
            rc = read_exact(p, f, 20, err);
            if (rc <= 0)
                return ng_short(p, err, rc, at);
            iface = file_u16(p, f);
            tsv = (uint64_t)file_u32(p, f + 4) << 32 | file_u32(p, f + 8);
            cap = file_u32(p, f + 12);
            orig = file_u32(p, f + 16);
            used = 20;
        } else if (type == 3) { /* simple packet block */
            if (body < 4)
                return ng_damaged(p, err, at, "simple packet block too short");
            rc = read_exact(p, f, 4, err);
            if (rc <= 0)
                return ng_short(p, err, rc, at);
            orig = file_u32(p, f);
            cap = body - 4 < orig ? body - 4 : orig;
            has_ts = 0;
            used = 4;
        } else if (type == 1) { /* interface description block */
            if (body > NG_MAX_IDB)
                return ng_damaged(p, err, at, "interface description block too long");
            if (grow_buf(p, body ? body : 1, err) < 0)
                return TS_ENOMEM;
            rc = read_exact(p, p->buf, body, err);
            if (body > 0 && rc <= 0)
                return ng_short(p, err, rc, at);
            rc = ng_add_iface(p, body, at, err);
            if (rc < 0)
                return rc;
            used = body;
        }

        if (type == 6 || type == 2 || type == 3) {
            if (cap > body - used)
                return ng_damaged(p, err, at, "packet data runs past its block");
            if (cap > PCAP_MAX_CAPLEN)
                return ng_damaged(p, err, at, "packet capture length too large");
            if ((size_t)iface >= p->n_ifaces || iface < 0)
                return ng_damaged(p, err, at, "packet for an undefined pcapng interface");
            if (grow_buf(p, cap ? cap : 1, err) < 0)
                return TS_ENOMEM;
            rc = read_exact(p, p->buf, cap, err);
            if (cap > 0 && rc <= 0)
                return ng_short(p, err, rc, at);
            used += cap;
        }
        /* rest of the body (padding, options) and the trailing length */
        rc = skip_bytes(p, (uint64_t)(body - used), err);
        if (rc <= 0)
            return ng_short(p, err, rc, at);
        rc = read_exact(p, f, 4, err);
        if (rc <= 0)
            return ng_short(p, err, rc, at);
        if (file_u32(p, f) != len)
            return ng_damaged(p, err, at, "pcapng block lengths disagree");

        if (type == 6 || type == 2 || type == 3) {
            const struct ng_iface *ifc = &p->ifaces[iface];
            int lt = ifc->linktype;
            /* LINKTYPE_ values that differ from the DLT_ values */
            if (lt == 100)
                lt = 11;
            else if (lt == 102)
                lt = 15;
            else if (lt == 103)
                lt = 16;
            *dlt = lt;
            p->frame_at = at;
            *data = p->buf;
            *caplen = cap;
            *wirelen = orig;
            *ts = has_ts ? ng_time(ifc, tsv) : 0.0;
            return 1;
        }
    }
}

/* ---- public interface ----------------------------------------------------- */

/* What the first bytes of a file libpcap rejected look like, as a hint
 * appended to its message ("" when nothing is recognised). */
static const char *format_hint(const uint8_t m[4])
{
    if (memcmp(m, "snoo", 4) == 0)
        return "; this is a Solaris snoop capture: convert it, e.g. editcap -F pcap";
    for (int i = 0; i < 4; i++)
        if (!(m[i] >= 0x20 && m[i] < 0x7f) && m[i] != '\t' && m[i] != '\n' && m[i] != '\r')
            return "";
    if (m[0] == '#' || m[0] == '{')
        return "; it looks like a connection log: use -c";
    return "; it looks like text";
}

struct pcap_in *pcap_in_open(struct ts_input *in, struct ts_err *err)
{
    struct pcap_in *p = calloc(1, sizeof *p);
    if (p == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    p->in = in;
    p->name = ts_input_name(in);
    ts_err_clear(&p->ioerr);

    size_t got = 0;
    while (got < 4) {
        ssize_t n = ts_input_read(in, p->sniff + got, 4 - got, err);
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got < 4) {
        ts_err_set(err, TS_EFORMAT, "'%s': not a pcap or pcapng trace (%s)", p->name,
                   got == 0 ? "empty file" : "too short");
        goto fail;
    }
    uint32_t magic = (uint32_t)p->sniff[0] << 24 | (uint32_t)p->sniff[1] << 16 |
                     (uint32_t)p->sniff[2] << 8 | p->sniff[3];
    if (magic == NG_MAGIC) {
        p->ng = 1;
        p->offset = 4;
        if (ng_section(p, 0, 1, err) < 0)
            goto fail;
        return p;
    }

    p->sniff_len = 4;
    cookie_io_functions_t io = {
        .read = cookie_read, .write = NULL, .seek = NULL, .close = cookie_close};
    FILE *fp = fopencookie(p, "rb", io);
    if (fp == NULL) {
        ts_err_set(err, TS_ENOMEM, "'%s': cannot create a stream", p->name);
        goto fail;
    }
    /* For the common formats libpcap only reads the 24-byte file header
     * (unbuffered: it takes exactly those bytes) and the records are read
     * from rbuf directly. Otherwise it reads everything, through a buffer:
     * every record is two small freads; record offsets are counted from
     * the record lengths (pc_next). */
    bool common = magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u || magic == 0xa1b23c4du ||
                  magic == 0x4d3cb2a1u;
    if (common)
        setvbuf(fp, NULL, _IONBF, 0);
    else
        setvbuf(fp, NULL, _IOFBF, 1u << 16);
    p->pc_next_at = 24;
    p->pc_hdr = (magic == 0xa1b2cd34u || magic == 0x34cdb2a1u) ? 24 : 16;
    char ebuf[PCAP_ERRBUF_SIZE];
    ebuf[0] = '\0';
    p->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (p->pc == NULL) {
        fclose(fp);
        if (p->have_ioerr)
            *err = p->ioerr;
        else
            ts_err_set(err, TS_EFORMAT, "'%s': not a pcap or pcapng trace (%s%s)", p->name, ebuf,
                       format_hint(p->sniff));
        goto fail;
    }
    p->dlt = pcap_datalink(p->pc);
    if (common && p->offset == 24 && pcap_major_version(p->pc) == 2 &&
        pcap_minor_version(p->pc) == 4 && pcap_snapshot(p->pc) > 0 &&
        (unsigned)pcap_snapshot(p->pc) <= PCAP_MAX_CAPLEN && p->dlt != DLT_DBUS &&
        p->dlt != 279 /* DLT_EBHSCR */ && p->dlt != 249 /* DLT_USBPCAP */) {
        p->fast = 1;
        p->swap = magic == 0xa1b2c3d4u || magic == 0xa1b23c4du; /* big-endian file */
        p->fast_nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
        p->fast_snap = (uint32_t)pcap_snapshot(p->pc);
    }
    return p;
fail:
    free(p);
    return NULL;
}

void pcap_in_close(struct pcap_in *p)
{
    if (p == NULL)
        return;
    if (p->pc != NULL)
        pcap_close(p->pc); /* closes the cookie stream */
    free(p->ifaces);
    free(p->buf);
    free(p);
}

static void note_unsupported(struct pcap_in *p, int dlt)
{
    const char *name = pcap_datalink_val_to_name(dlt);
    char num[32];
    if (name == NULL) {
        snprintf(num, sizeof num, "LINKTYPE_%d", dlt);
        name = num;
    }
    /* already listed? names are separated by ", " */
    const char *s = p->st.unsupported_names;
    size_t nl = strlen(name);
    while (*s != '\0') {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == nl && memcmp(s, name, nl) == 0)
            return;
        if (e == NULL)
            break;
        s = e + 2;
    }
    if (p->names_n >= 8)
        return;
    size_t used = strlen(p->st.unsupported_names);
    size_t need = nl + (used ? 2 : 0);
    if (used + need + 1 > sizeof p->st.unsupported_names)
        return;
    if (used) {
        memcpy(p->st.unsupported_names + used, ", ", 2);
        used += 2;
    }
    memcpy(p->st.unsupported_names + used, name, nl + 1);
    p->names_n++;
}

/* Makes n more bytes available at rbuf + rpos (n <= sizeof rbuf), moving
 * what is left to the front. Returns 1, 0 when the input ends first (the
 * bytes there are left in rbuf), or < 0 after an input error. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int
fast_refill(struct pcap_in *p, size_t n)
{
    size_t left = p->rlen - p->rpos;
    memmove(p->rbuf, p->rbuf + p->rpos, left);
    p->rpos = 0;
    p->rlen = left;
    while (p->rlen < n) {
        struct ts_err e;
        ts_err_clear(&e);
        ssize_t got = ts_input_read(p->in, p->rbuf + p->rlen, sizeof p->rbuf - p->rlen, &e);
        if (got < 0) {
            if (!p->have_ioerr) {
                p->ioerr = e;
                p->have_ioerr = 1;
            }
            return -1;
        }
        if (got == 0)
            return 0;
        p->rlen += (size_t)got;
    }
    return 1;
}

/* The check inline (it passes for nearly every record), the refill not. */
static inline int fast_want(struct pcap_in *p, size_t n)
{
    return p->rlen - p->rpos >= n ? 1 : fast_refill(p, n);
}

/* Drops n bytes of the input (the part of an over-long record beyond the
 * snapshot length). Same returns as fast_want. */
static int fast_skip(struct pcap_in *p, uint64_t n)
{
    while (n > 0) {
        if (p->rpos == p->rlen) {
            int rc = fast_want(p, 1);
            if (rc <= 0)
                return rc;
        }
        size_t k = p->rlen - p->rpos;
        if (k > n)
            k = (size_t)n;
        p->rpos += k;
        n -= k;
    }
    return 1;
}

/* Next frame of a common classic pcap file, read as libpcap 1.10 reads it
 * (sf-pcap.c: the same checks, the same truncation to the snapshot
 * length, microseconds scaled to nanoseconds) but in place: the frame
 * points into rbuf, or into buf when it crosses the end of rbuf. */
static int pc_fast_next(struct pcap_in *p, const uint8_t **data, uint32_t *caplen,
                        uint32_t *wirelen, double *ts, struct ts_err *err)
{
    uint64_t at = p->pc_next_at;
    int rc = fast_want(p, 16);
    if (rc < 0)
        goto ioerr;
    if (rc == 0) {
        if (p->rlen - p->rpos == 0)
            return 0; /* a clean end between records */
        return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                          p->name, at);
    }
    const uint8_t *h = p->rbuf + p->rpos;
    uint32_t sec = file_u32(p, h), sub = file_u32(p, h + 4);
    uint32_t cap = file_u32(p, h + 8), len = file_u32(p, h + 12);
    p->rpos += 16;
    if (cap > PCAP_MAX_CAPLEN) {
        char why[128];
        if (cap > p->fast_snap)
            snprintf(why, sizeof why, "invalid packet capture length %u, bigger than snaplen of %u",
                     cap, p->fast_snap);
        else
            snprintf(why, sizeof why, "invalid packet capture length %u, bigger than maximum of %u",
                     cap, PCAP_MAX_CAPLEN);
        return ts_err_set(err, TS_EDAMAGED, "'%s': bad packet record at offset %" PRIu64 " (%s)",
                          p->name, at, why);
    }
    uint32_t keep = cap > p->fast_snap ? p->fast_snap : cap;
    if (keep > sizeof p->rbuf) {
        /* larger than the read-ahead: gathered in buf */
        if (grow_buf(p, keep, err) < 0)
            return err->code;
        size_t have = 0;
        while (have < keep) {
            if (p->rpos == p->rlen) {
                rc = fast_want(p, 1);
                if (rc < 0)
                    goto ioerr;
                if (rc == 0)
                    return ts_err_set(err, TS_EDAMAGED,
                                      "'%s': truncated packet record at offset %" PRIu64, p->name,
                                      at);
            }
            size_t k = p->rlen - p->rpos;
            if (k > keep - have)
                k = keep - have;
            memcpy(p->buf + have, p->rbuf + p->rpos, k);
            p->rpos += k;
            have += k;
        }
        *data = p->buf;
    } else {
        rc = fast_want(p, keep);
        if (rc < 0)
            goto ioerr;
        if (rc == 0)
            return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                              p->name, at);
        *data = p->rbuf + p->rpos;
        p->rpos += keep;
    }
    if (keep < cap) {
        /* the frame stays valid: fast_skip only moves rpos, and a refill
         * moves nothing while the skipped bytes are all of what is left */
        if (*data != p->buf) {
            if (grow_buf(p, keep, err) < 0)
                return err->code;
            memcpy(p->buf, *data, keep);
            *data = p->buf;
        }
        rc = fast_skip(p, cap - keep);
        if (rc < 0)
            goto ioerr;
        if (rc == 0)
            return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                              p->name, at);
    }
    p->frame_at = at;
    p->pc_next_at = at + 16 + cap;
    p->offset = p->pc_next_at;
    uint64_t ns = p->fast_nsec ? sub : (uint64_t)sub * 1000u;
    p->frame_bad = ns >= 1000000000u;
    *caplen = keep;
    *wirelen = len;
    *ts = (double)sec + (double)ns / 1e9;
    return 1;
ioerr:
    *err = p->ioerr;
    return p->ioerr.code < 0 ? p->ioerr.code : TS_EIO;
}

/* Next frame of a classic pcap file through libpcap. */
static int pc_next(struct pcap_in *p, const uint8_t **data, uint32_t *caplen, uint32_t *wirelen,
                   double *ts, struct ts_err *err)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t at = p->pc_next_at;
    int rc = pcap_next_ex(p->pc, &h, &d);
    if (rc == 1) {
        p->frame_at = at;
        p->pc_next_at = at + p->pc_hdr + h->caplen;
        /* libpcap scales microseconds to nanoseconds without checking them */
        p->frame_bad = h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000;
        *data = d;
        *caplen = h->caplen;
        *wirelen = h->len;
        /* the file holds 32 unsigned bits of seconds; libpcap 1.10 passes
         * them through a signed 32-bit field (negative after 2038) */
        *ts = (double)(uint32_t)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK) /* -2: no more packets */
        return 0;
    if (p->have_ioerr) {
        *err = p->ioerr;
        return p->ioerr.code < 0 ? p->ioerr.code : TS_EIO;
    }
    const char *why = pcap_geterr(p->pc);
    if (strstr(why, "truncated") != NULL)
        return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                          p->name, at);
    return ts_err_set(err, TS_EDAMAGED, "'%s': bad packet record at offset %" PRIu64 " (%s)",
                      p->name, at, why);
}

int pcap_in_next(struct pcap_in *p, struct ts_record *out, struct ts_err *err)
{
    for (;;) {
        const uint8_t *data = NULL;
        uint32_t caplen = 0, wirelen = 0;
        double ts = 0;
        int dlt = p->dlt;
        int rc = p->ng     ? ng_next(p, &dlt, &data, &caplen, &wirelen, &ts, err)
                 : p->fast ? pc_fast_next(p, &data, &caplen, &wirelen, &ts, err)
                           : pc_next(p, &data, &caplen, &wirelen, &ts, err);
        if (rc <= 0)
            return rc;
        p->st.frames++;
        enum pkt_status ps =
            p->frame_bad ? PKT_DAMAGED : pkt_decode_wire(dlt, data, caplen, wirelen, out);
        p->frame_bad = 0;
        switch (ps) {
        case PKT_OK:
            p->st.packets++;
            out->ts = ts;
            out->end = ts;
            return 1;
        case PKT_NOT_IP:
            p->st.not_ip++;
            break;
        case PKT_UNSUPPORTED:
            p->st.unsupported++;
            note_unsupported(p, dlt);
            break;
        case PKT_DAMAGED:
        default:
            if (p->st.damaged++ == 0) {
                p->st.first_damaged_frame = p->st.frames;
                p->st.first_damaged_offset = p->frame_at;
            }
            break;
        }
    }
}

void pcap_in_stats(const struct pcap_in *p, struct pcap_in_stats *st)
{
    *st = p->st;
}
