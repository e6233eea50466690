/*
 * pcap_ng.c - the pcapng reader: blocks to frames, each with its interface's link type.
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
 * Memory is bounded: one frame buffer of at most PCAP_MAX_CAPLEN bytes
 * (the reader input's), one IDB buffer of at most NG_MAX_IDB bytes, at
 * most NG_MAX_IFACES interfaces per section.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>

#include "pcap_ng.h"

#define NG_MAX_BLOCK (16u * 1024 * 1024) /* libpcap's limit on a pcapng block */
#define NG_MAX_IDB 65536u
#define NG_MAX_IFACES 4096u
#define NG_MAGIC 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du

struct ng_iface {
    int linktype;
    uint64_t units;    /* timestamp units per second */
    int64_t ts_offset; /* seconds added to every timestamp */
};

struct ng {
    struct pcap_rd *rd;
    int swap; /* the section is big-endian */
    struct ng_iface *ifaces;
    size_t n_ifaces;
};

static int ng_damaged(struct ng *p, struct ts_err *err, uint64_t at, const char *what)
{
    return ts_err_set(err, TS_EDAMAGED, "'%s': %s at offset %" PRIu64, p->rd->name, what, at);
}

/* A short read inside a block: the input's own error when it had one. */
static int ng_short(struct ng *p, struct ts_err *err, int rc, uint64_t at)
{
    if (rc < 0 && rc != RD_SHORT)
        return rc;
    return ng_damaged(p, err, at, "truncated pcapng block");
}

/* Parses the IDB body (after type and length, without the trailing length)
 * held in p->rd->buf. */
static int ng_add_iface(struct ng *p, uint32_t body, uint64_t at, struct ts_err *err)
{
    if (body < 8)
        return ng_damaged(p, err, at, "interface description block too short");
    if (p->n_ifaces >= NG_MAX_IFACES)
        return ng_damaged(p, err, at, "too many pcapng interfaces");
    struct ng_iface ifc = {
        .linktype = pcap_rd_u16(p->swap, p->rd->buf), .units = 1000000, .ts_offset = 0};
    /* options: code(2) length(2) value, padded to 4 */
    uint32_t o = 8;
    while (o + 4 <= body) {
        uint16_t code = pcap_rd_u16(p->swap, p->rd->buf + o);
        uint16_t olen = pcap_rd_u16(p->swap, p->rd->buf + o + 2);
        o += 4;
        if (code == 0)
            break;
        if (olen > body - o)
            return ng_damaged(p, err, at, "pcapng option runs past its block");
        if (code == 9 && olen >= 1) {
            uint8_t r = p->rd->buf[o];
            uint64_t units = 1;
            unsigned e = r & 0x7f;
            if ((r & 0x80) ? e > 63 : e > 19)
                return ng_damaged(p, err, at, "unsupported pcapng timestamp resolution");
            for (unsigned i = 0; i < e; i++)
                units *= (r & 0x80) ? 2 : 10;
            ifc.units = units;
        } else if (code == 14 && olen >= 8) {
            uint64_t lo = pcap_rd_u32(p->swap, p->rd->buf + o),
                     hi = pcap_rd_u32(p->swap, p->rd->buf + o + 4);
            uint64_t v = p->swap ? (lo << 32 | hi) : (hi << 32 | lo);
            ifc.ts_offset = (int64_t)v;
        }
        o += ((uint32_t)olen + 3u) & ~3u;
    }
    if (p->n_ifaces % 16 == 0) {
        struct ng_iface *ni = realloc(p->ifaces, (p->n_ifaces + 16) * sizeof *ni);
        if (ni == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory reading '%s'", p->rd->name);
        p->ifaces = ni;
    }
    p->ifaces[p->n_ifaces++] = ifc;
    return 0;
}

/* Reads the rest of a section header block whose type was read at 'at'.
 * first: the file's first block (then a bad header is TS_EFORMAT). */
static int ng_section(struct ng *p, uint64_t at, int first, struct ts_err *err)
{
    uint8_t h[12]; /* total length, byte-order magic, major, minor */
    int rc = pcap_rd_exact(p->rd, h, sizeof h, err);
    int code = first ? TS_EFORMAT : TS_EDAMAGED;
    if (rc < 0 && rc != RD_SHORT)
        return rc;
    if (rc <= 0) {
        if (first)
            return ts_err_set(err, TS_EFORMAT, "'%s': truncated pcapng section header",
                              p->rd->name);
        return ng_short(p, err, rc, at);
    }
    uint32_t bom_le = (uint32_t)h[7] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[5] << 8 | h[4];
    if (bom_le == NG_BOM)
        p->swap = 0;
    else if (bom_le == 0x4d3c2b1au)
        p->swap = 1;
    else
        return ts_err_set(err, code, "'%s': bad pcapng byte-order magic at offset %" PRIu64,
                          p->rd->name, at + 8);
    p->rd->be = p->swap;
    uint32_t len = pcap_rd_u32(p->swap, h);
    uint16_t major = pcap_rd_u16(p->swap, h + 8), minor = pcap_rd_u16(p->swap, h + 10);
    if (major != 1)
        return ts_err_set(err, code, "'%s': unsupported pcapng version %u.%u at offset %" PRIu64,
                          p->rd->name, (unsigned)major, (unsigned)minor, at);
    if (len < 28 || len % 4 != 0 || len > NG_MAX_BLOCK)
        return ts_err_set(err, code, "'%s': bad pcapng section header length at offset %" PRIu64,
                          p->rd->name, at);
    p->n_ifaces = 0;
    /* section length (8), options, trailing length: not needed */
    rc = pcap_rd_skip(p->rd, (uint64_t)len - 16, err);
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

int pcap_ng_next(void *state, struct pcap_rd *rd, struct pcap_frame *fr, struct ts_err *err)
{
    struct ng *p = state;
    (void)rd; /* the same as p->rd */
    for (;;) {
        uint64_t at = p->rd->offset;
        uint8_t h[8];
        int rc = pcap_rd_exact(p->rd, h, 4, err);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return ng_short(p, err, rc, at);
        uint32_t type = pcap_rd_u32(p->swap, h);
        if (type == NG_MAGIC) {
            rc = ng_section(p, at, 0, err);
            if (rc < 0)
                return rc;
            continue;
        }
        rc = pcap_rd_exact(p->rd, h + 4, 4, err);
        if (rc <= 0)
            return ng_short(p, err, rc, at);
        uint32_t len = pcap_rd_u32(p->swap, h + 4);
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
            rc = pcap_rd_exact(p->rd, f, 20, err);
            if (rc <= 0)
                return ng_short(p, err, rc, at);
            iface = (int)pcap_rd_u32(p->swap, f);
            tsv = (uint64_t)pcap_rd_u32(p->swap, f + 4) << 32 | pcap_rd_u32(p->swap, f + 8);
            cap = pcap_rd_u32(p->swap, f + 12);
            orig = pcap_rd_u32(p->swap, f + 16);
            used = 20;
        } else if (type == 2) { /* obsolete packet block */
            if (body < 20)
                return ng_damaged(p, err, at, "packet block too short");
            rc = pcap_rd_exact(p->rd, f, 20, err);
            if (rc <= 0)
                return ng_short(p, err, rc, at);
            iface = pcap_rd_u16(p->swap, f);
            tsv = (uint64_t)pcap_rd_u32(p->swap, f + 4) << 32 | pcap_rd_u32(p->swap, f + 8);
            cap = pcap_rd_u32(p->swap, f + 12);
            orig = pcap_rd_u32(p->swap, f + 16);
            used = 20;
        } else if (type == 3) { /* simple packet block */
            if (body < 4)
                return ng_damaged(p, err, at, "simple packet block too short");
            rc = pcap_rd_exact(p->rd, f, 4, err);
            if (rc <= 0)
                return ng_short(p, err, rc, at);
            orig = pcap_rd_u32(p->swap, f);
            cap = body - 4 < orig ? body - 4 : orig;
            has_ts = 0;
            used = 4;
        } else if (type == 1) { /* interface description block */
            if (body > NG_MAX_IDB)
                return ng_damaged(p, err, at, "interface description block too long");
            if (pcap_rd_grow(p->rd, body ? body : 1, err) < 0)
                return TS_ENOMEM;
            rc = pcap_rd_exact(p->rd, p->rd->buf, body, err);
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
            if (pcap_rd_grow(p->rd, cap ? cap : 1, err) < 0)
                return TS_ENOMEM;
            rc = pcap_rd_exact(p->rd, p->rd->buf, cap, err);
            if (cap > 0 && rc <= 0)
                return ng_short(p, err, rc, at);
            used += cap;
        }
        /* rest of the body (padding, options) and the trailing length */
        rc = pcap_rd_skip(p->rd, (uint64_t)(body - used), err);
        if (rc <= 0)
            return ng_short(p, err, rc, at);
        rc = pcap_rd_exact(p->rd, f, 4, err);
        if (rc <= 0)
            return ng_short(p, err, rc, at);
        if (pcap_rd_u32(p->swap, f) != len)
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
            fr->dlt = lt;
            fr->at = at;
            fr->bad = 0;
            fr->data = p->rd->buf;
            fr->caplen = cap;
            fr->wirelen = orig;
            fr->ts = has_ts ? ng_time(ifc, tsv) : 0.0;
            return 1;
        }
    }
}

void pcap_ng_close(void *state)
{
    struct ng *p = state;
    if (p == NULL)
        return;
    free(p->ifaces);
    free(p);
}

void *pcap_ng_open(struct pcap_rd *rd, enum pcap_reader_kind *kind, struct ts_err *err)
{
    struct ng *p = calloc(1, sizeof *p);
    if (p == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    p->rd = rd;
    if (ng_section(p, 0, 1, err) < 0) {
        pcap_ng_close(p);
        return NULL;
    }
    *kind = PCAP_RD_NG;
    return p;
}
