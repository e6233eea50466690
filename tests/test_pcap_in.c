/*
 * test_pcap_in.c - pcap_in on trace files written by the test: pcap in both
 * byte orders, micro- and nanosecond, pcapng with interfaces of different
 * link types and timestamp resolutions, gzip, and files cut in the middle
 * of a record (packets before the cut stay, the error names the offset).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pcap_in.h"

/* A file being written: zero-initialised it is empty; it grows as needed.
 * rd_open (or buf_free) releases its bytes. */
struct buf {
    uint8_t *b;
    size_t n, cap;
    int be; /* write big-endian */
};

static void put(struct buf *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2;
        w->b = realloc(w->b, w->cap);
        cr_assert_not_null(w->b);
    }
    if (n > 0)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void buf_free(struct buf *w)
{
    free(w->b);
    w->b = NULL;
    w->n = w->cap = 0;
}

static void u8(struct buf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void u16(struct buf *w, unsigned v)
{
    if (w->be) {
        u8(w, v >> 8);
        u8(w, v);
    } else {
        u8(w, v);
        u8(w, v >> 8);
    }
}

static void u32(struct buf *w, uint32_t v)
{
    if (w->be) {
        u16(w, v >> 16);
        u16(w, v & 0xffff);
    } else {
        u16(w, v & 0xffff);
        u16(w, v >> 16);
    }
}

/* A 42-byte UDP/IPv4 packet (no link header) from 10.0.0.<host>. */
static size_t ip_udp(uint8_t *p, unsigned host, unsigned dport)
{
    static const uint8_t tmpl[28] = {0x45, 0, 0,  28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0,
                                     0,    1, 10, 0,  0, 2, 0, 9, 0,  0,  0, 8, 0,  0};
    memcpy(p, tmpl, sizeof tmpl);
    p[15] = (uint8_t)host;
    p[22] = (uint8_t)(dport >> 8);
    p[23] = (uint8_t)dport;
    return sizeof tmpl;
}

static size_t eth_udp(uint8_t *p, unsigned host, unsigned dport)
{
    memset(p, 0xaa, 12);
    p[12] = 0x08;
    p[13] = 0x00;
    return 14 + ip_udp(p + 14, host, dport);
}

static char *write_file(const struct buf *w)
{
    char *path = strdup("/tmp/test_pcap_in_XXXXXX");
    cr_assert_not_null(path);
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, w->b, w->n), (ssize_t)w->n);
    close(fd);
    return path;
}

static void pcap_header(struct buf *w, uint32_t magic, uint32_t linktype)
{
    u32(w, magic);
    u16(w, 2);
    u16(w, 4);
    u32(w, 0);
    u32(w, 0);
    u32(w, 65535);
    u32(w, linktype);
}

static void pcap_record(struct buf *w, uint32_t sec, uint32_t frac, const uint8_t *p, size_t n)
{
    u32(w, sec);
    u32(w, frac);
    u32(w, (uint32_t)n);
    u32(w, (uint32_t)n);
    put(w, p, n);
}

struct reader {
    char *path;
    struct ts_input *in;
    struct pcap_in *p;
    struct ts_err err;
};

/* Writes w to a file (and frees w's bytes), opens it. */
static int rd_open(struct reader *r, struct buf *w)
{
    r->path = write_file(w);
    buf_free(w);
    ts_err_clear(&r->err);
    r->in = ts_input_open(r->path, &r->err);
    cr_assert_not_null(r->in, "%s", r->err.msg);
    r->p = pcap_in_open(r->in, &r->err);
    return r->p != NULL;
}

static void rd_close(struct reader *r)
{
    pcap_in_close(r->p);
    ts_input_close(r->in);
    unlink(r->path);
    free(r->path);
}

static void classic(int be, uint32_t magic, double scale)
{
    struct buf w = {.be = be};
    uint8_t pkt[64];
    pcap_header(&w, magic, 1);
    size_t n = eth_udp(pkt, 3, 53);
    pcap_record(&w, 1300000000u, 250000u, pkt, n);
    n = eth_udp(pkt, 4, 80);
    pcap_record(&w, 4000000000u, 999999u, pkt, n); /* after 2038 */
    uint8_t arp[60] = {0};
    arp[12] = 0x08;
    arp[13] = 0x06;
    pcap_record(&w, 4000000001u, 0, arp, sizeof arp);

    struct reader r;
    cr_assert(rd_open(&r, &w), "%s", r.err.msg);
    struct ts_record rec;
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1, "%s", r.err.msg);
    cr_assert_float_eq(rec.ts, 1300000000.0 + 250000.0 * scale, 1e-6);
    cr_assert_eq(rec.end, rec.ts);
    cr_assert_eq(rec.dport, 53);
    cr_assert_eq(rec.src.b[3], 3);
    cr_assert_eq(rec.bytes, 28);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1, "%s", r.err.msg);
    cr_assert_float_eq(rec.ts, 4000000000.0 + 999999.0 * scale, 1e-6);
    cr_assert_eq(rec.dport, 80);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 0, "%s", r.err.msg);
    struct pcap_in_stats st;
    pcap_in_stats(r.p, &st);
    cr_assert_eq(st.frames, 3);
    cr_assert_eq(st.packets, 2);
    cr_assert_eq(st.not_ip, 1);
    rd_close(&r);
}

Test(pcap_in, pcap_little_endian_microseconds)
{
    classic(0, 0xa1b2c3d4u, 1e-6);
}

Test(pcap_in, pcap_big_endian_microseconds)
{
    classic(1, 0xa1b2c3d4u, 1e-6);
}

Test(pcap_in, pcap_nanoseconds_both_orders)
{
    classic(0, 0xa1b23c4du, 1e-9);
    classic(1, 0xa1b23c4du, 1e-9);
}

Test(pcap_in, record_cut_short_keeps_packets_before_and_names_offset)
{
    struct buf w = {0};
    uint8_t pkt[64];
    pcap_header(&w, 0xa1b2c3d4u, 1);
    size_t n = eth_udp(pkt, 1, 53);
    pcap_record(&w, 1, 0, pkt, n); /* 24 .. 24+16+42 = 82 */
    pcap_record(&w, 2, 0, pkt, n);
    w.n -= 10; /* the second record loses its last 10 bytes */
    struct reader r;
    cr_assert(rd_open(&r, &w), "%s", r.err.msg);
    struct ts_record rec;
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), TS_EDAMAGED);
    cr_assert_not_null(strstr(r.err.msg, "offset 82"), "%s", r.err.msg);
    cr_assert_not_null(strstr(r.err.msg, r.path), "%s", r.err.msg);
    rd_close(&r);
}

Test(pcap_in, absurd_capture_length_is_damaged)
{
    struct buf w = {0};
    uint8_t pkt[64];
    pcap_header(&w, 0xa1b2c3d4u, 1);
    size_t n = eth_udp(pkt, 1, 53);
    pcap_record(&w, 1, 0, pkt, n);
    u32(&w, 2);
    u32(&w, 0);
    u32(&w, 0x7fffffffu);
    u32(&w, 0x7fffffffu);
    put(&w, pkt, n);
    struct reader r;
    cr_assert(rd_open(&r, &w), "%s", r.err.msg);
    struct ts_record rec;
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), TS_EDAMAGED);
    cr_assert_not_null(strstr(r.err.msg, "offset 82"), "%s", r.err.msg);
    rd_close(&r);
}

Test(pcap_in, not_a_trace_is_a_format_error)
{
    struct buf text = {0};
    put(&text, "hello, this is not a trace\n", 27);
    struct buf empty = {0};
    struct buf tiny = {0};
    put(&tiny, "\xd4\xc3", 2);
    struct buf *cases[] = {&text, &empty, &tiny};
    for (int i = 0; i < 3; i++) {
        struct reader r;
        cr_assert_not(rd_open(&r, cases[i]));
        cr_assert_eq(r.err.code, TS_EFORMAT, "case %d: %s", i, r.err.msg);
        cr_assert_not_null(strstr(r.err.msg, r.path));
        r.p = NULL;
        rd_close(&r);
    }
}

/* ---- pcapng ----------------------------------------------------------------- */

static void ng_block_start(struct buf *w, uint32_t type, uint32_t len)
{
    u32(w, type);
    u32(w, len);
}

static void ng_shb(struct buf *w)
{
    ng_block_start(w, 0x0a0d0d0au, 28);
    u32(w, 0x1a2b3c4du);
    u16(w, 1);
    u16(w, 0);
    u32(w, 0xffffffffu);
    u32(w, 0xffffffffu);
    u32(w, 28);
}

/* IDB; tsresol 0 = default microseconds. */
static void ng_idb(struct buf *w, unsigned linktype, unsigned tsresol)
{
    uint32_t len = 20 + (tsresol ? 12 : 0);
    ng_block_start(w, 1, len);
    u16(w, linktype);
    u16(w, 0);
    u32(w, tsresol ? 0 : 262144); /* snaplens differ too */
    if (tsresol) {
        u16(w, 9);
        u16(w, 1);
        u8(w, tsresol);
        u8(w, 0);
        u8(w, 0);
        u8(w, 0);
        u16(w, 0); /* opt_endofopt */
        u16(w, 0);
    }
    u32(w, len);
}

static void ng_epb(struct buf *w, uint32_t iface, uint64_t ts, const uint8_t *p, size_t n)
{
    size_t pad = (4 - n % 4) % 4;
    uint32_t len = (uint32_t)(32 + n + pad);
    ng_block_start(w, 6, len);
    u32(w, iface);
    u32(w, (uint32_t)(ts >> 32));
    u32(w, (uint32_t)ts);
    u32(w, (uint32_t)n);
    u32(w, (uint32_t)n);
    put(w, p, n);
    for (size_t i = 0; i < pad; i++)
        u8(w, 0);
    u32(w, len);
}

static void ng_multi(int be)
{
    struct buf w = {.be = be};
    uint8_t pkt[64];
    ng_shb(&w);
    ng_idb(&w, 1, 0);   /* Ethernet, microseconds */
    ng_idb(&w, 101, 9); /* raw IP, nanoseconds */
    ng_idb(&w, 105, 0); /* 802.11: not decoded */
    ng_idb(&w, 113, 0); /* Linux SLL */
    /* a name resolution block to skip */
    ng_block_start(&w, 4, 16);
    u32(&w, 0);
    u32(&w, 16);
    size_t n = eth_udp(pkt, 1, 53);
    ng_epb(&w, 0, 1500000000123456ull, pkt, n);
    n = ip_udp(pkt, 2, 123);
    ng_epb(&w, 1, 1500000000123456789ull, pkt, n);
    ng_epb(&w, 2, 1, pkt, n);
    memset(pkt, 0, 14);
    pkt[14] = 0x08;
    pkt[15] = 0x00;
    n = 16 + ip_udp(pkt + 16, 4, 443);
    ng_epb(&w, 3, 1, pkt, n);

    struct reader r;
    cr_assert(rd_open(&r, &w), "%s", r.err.msg);
    struct ts_record rec;
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1, "%s", r.err.msg);
    cr_assert_eq(rec.dport, 53);
    cr_assert_float_eq(rec.ts, 1500000000.0 + 123456e-6, 1e-6);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1, "%s", r.err.msg);
    cr_assert_eq(rec.dport, 123);
    cr_assert_float_eq(rec.ts, 1500000000.0 + 123456789e-9, 1e-6);
    cr_assert_neq(rec.ts, 1500000000.0 + 123456e-6, "nanoseconds kept");
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1, "%s", r.err.msg);
    cr_assert_eq(rec.dport, 443);
    cr_assert_eq(rec.src.b[3], 4);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 0, "%s", r.err.msg);
    struct pcap_in_stats st;
    pcap_in_stats(r.p, &st);
    cr_assert_eq(st.frames, 4);
    cr_assert_eq(st.packets, 3);
    cr_assert_eq(st.unsupported, 1);
    cr_assert_str_eq(st.unsupported_names, "IEEE802_11");
    rd_close(&r);
}

Test(pcap_in, pcapng_interfaces_of_different_link_types)
{
    ng_multi(0);
}

Test(pcap_in, pcapng_big_endian_section)
{
    ng_multi(1);
}

Test(pcap_in, pcapng_cut_in_a_block_keeps_packets_before)
{
    struct buf w = {0};
    uint8_t pkt[64];
    ng_shb(&w);
    ng_idb(&w, 1, 0);
    size_t n = eth_udp(pkt, 1, 53);
    ng_epb(&w, 0, 1, pkt, n);
    size_t second = w.n;
    ng_epb(&w, 0, 2, pkt, n);
    w.n -= 7;
    struct reader r;
    cr_assert(rd_open(&r, &w), "%s", r.err.msg);
    struct ts_record rec;
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), 1);
    cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), TS_EDAMAGED);
    char want[32];
    snprintf(want, sizeof want, "offset %zu", second);
    cr_assert_not_null(strstr(r.err.msg, want), "%s", r.err.msg);
    rd_close(&r);
}

Test(pcap_in, pcapng_bad_blocks_are_damaged)
{
    uint8_t pkt[64];
    size_t n = eth_udp(pkt, 1, 53);
    for (int k = 0; k < 3; k++) {
        struct buf w = {0};
        ng_shb(&w);
        ng_idb(&w, 1, 0);
        if (k == 0) {
            ng_epb(&w, 7, 1, pkt, n); /* undefined interface */
        } else if (k == 1) {
            ng_epb(&w, 0, 1, pkt, n);
            w.b[w.n - 1] ^= 1; /* trailing length differs */
        } else {
            ng_block_start(&w, 6, 13); /* length not a multiple of 4 */
            u32(&w, 0);
        }
        struct reader r;
        cr_assert(rd_open(&r, &w), "%s", r.err.msg);
        struct ts_record rec;
        cr_assert_eq(pcap_in_next(r.p, &rec, &r.err), TS_EDAMAGED, "case %d", k);
        cr_assert_not_null(strstr(r.err.msg, "offset 48"), "case %d: %s", k, r.err.msg);
        rd_close(&r);
    }
}

Test(pcap_in, gzip_compressed_pcap)
{
    struct buf w = {0};
    uint8_t pkt[64];
    pcap_header(&w, 0xa1b2c3d4u, 1);
    size_t n = eth_udp(pkt, 9, 53);
    pcap_record(&w, 5, 6, pkt, n);
    char path[] = "/tmp/test_pcap_in_gz_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    gzFile gz = gzdopen(fd, "wb");
    cr_assert_not_null(gz);
    cr_assert_eq(gzwrite(gz, w.b, (unsigned)w.n), (int)w.n);
    gzclose(gz);
    buf_free(&w);
    struct ts_err err;
    ts_err_clear(&err);
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in, "%s", err.msg);
    struct pcap_in *p = pcap_in_open(in, &err);
    cr_assert_not_null(p, "%s", err.msg);
    struct ts_record rec;
    cr_assert_eq(pcap_in_next(p, &rec, &err), 1, "%s", err.msg);
    cr_assert_eq(rec.src.b[3], 9);
    cr_assert_eq(pcap_in_next(p, &rec, &err), 0, "%s", err.msg);
    pcap_in_close(p);
    ts_input_close(in);
    unlink(path);
}

/* ---- the in-place reader against libpcap ---------------------------------- */

static uint32_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

/* Random files in both byte orders and resolutions, with snapshot lengths
 * of 100, 65535, 262144 and 0, records longer than the snapshot length,
 * longer than the read-ahead buffer, absurdly long, with sub-second fields
 * out of range, and cut anywhere: pcap_in sees the frames libpcap sees,
 * with the same times, and ends where libpcap ends, cleanly or not. */
Test(pcap_in, records_are_read_as_libpcap_reads_them)
{
    uint64_t st = 2024;
    static const uint32_t snaps[4] = {100, 65535, 262144, 0};
    for (int trial = 0; trial < 400; trial++) {
        struct buf w = {.be = trial & 1};
        int ns = (trial >> 1) & 1;
        uint32_t snap = snaps[(trial >> 2) & 3];
        u32(&w, ns ? 0xa1b23c4du : 0xa1b2c3d4u);
        u16(&w, 2);
        u16(&w, 4);
        u32(&w, 0);
        u32(&w, 0);
        u32(&w, snap);
        u32(&w, 1);
        int nrec = (int)(lcg(&st) % 12);
        for (int i = 0; i < nrec; i++) {
            uint32_t kind = lcg(&st) % 20, cap;
            if (kind == 0)
                cap = 70000; /* longer than the read-ahead buffer */
            else if (kind == 1)
                cap = 150; /* longer than a snapshot length of 100 */
            else if (kind == 2 && trial % 7 == 0)
                cap = 300000; /* absurd */
            else
                cap = 42 + lcg(&st) % 160;
            uint32_t sub = kind == 3 ? (ns ? 1000000000u : 1000000u) + lcg(&st) % 1000
                                     : lcg(&st) % (ns ? 1000000000u : 1000000u);
            u32(&w, 1500000000u + (uint32_t)i);
            u32(&w, sub);
            u32(&w, cap);
            u32(&w, cap + (lcg(&st) % 3 == 0 ? 10 : 0));
            uint8_t pkt[64];
            size_t n = eth_udp(pkt, (unsigned)i, 53);
            put(&w, pkt, n);
            if (cap > 300000 - 1)
                break; /* nothing after an absurd length is read */
            for (size_t k = n; k < cap; k++)
                put(&w, (uint8_t[]){(uint8_t)k}, 1);
        }
        if (lcg(&st) % 3 == 0 && w.n > 24)
            w.n = 24 + lcg(&st) % (w.n - 24); /* cut anywhere after the header */

        char *path = write_file(&w);
        buf_free(&w);

        /* libpcap itself */
        char ebuf[PCAP_ERRBUF_SIZE];
        pcap_t *pc =
            pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
        cr_assert_not_null(pc, "trial %d: %s", trial, ebuf);
        double times[64];
        size_t frames = 0, bad = 0;
        struct pcap_pkthdr *h;
        const u_char *d;
        int rc;
        while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
            if (h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000)
                bad++;
            else if (frames - bad < 64)
                times[frames - bad] = (double)(uint32_t)h->ts.tv_sec + h->ts.tv_usec / 1e9;
            frames++;
        }
        pcap_close(pc);

        /* pcap_in */
        struct ts_err err;
        ts_err_clear(&err);
        struct ts_input *in = ts_input_open(path, &err);
        cr_assert_not_null(in);
        struct pcap_in *p = pcap_in_open(in, &err);
        cr_assert_not_null(p, "trial %d: %s", trial, err.msg);
        struct ts_record rec;
        size_t got = 0;
        int prc;
        while ((prc = pcap_in_next(p, &rec, &err)) == 1) {
            cr_assert_lt(got, 64);
            cr_assert(rec.ts == times[got], "trial %d frame %zu: %.9f != %.9f", trial, got, rec.ts,
                      times[got]);
            got++;
        }
        struct pcap_in_stats ps;
        pcap_in_stats(p, &ps);
        cr_assert_eq(ps.frames, frames, "trial %d: %llu frames, libpcap %zu", trial,
                     (unsigned long long)ps.frames, frames);
        cr_assert_eq(ps.damaged, bad, "trial %d", trial);
        cr_assert_eq(got, frames - bad, "trial %d", trial);
        cr_assert_eq(prc == 0, rc == PCAP_ERROR_BREAK, "trial %d: pcap_in %d, libpcap %d (%s)",
                     trial, prc, rc, err.msg);
        pcap_in_close(p);
        ts_input_close(in);
        unlink(path);
        free(path);
    }
}

/* Segments captured before offload: an IPv4 total length of 0 takes the
 * length from the frame on the wire and is counted as offloaded; an
 * ordinary packet is not, nor is a damaged one. */
Test(pcap_in, offloaded_segments_are_counted)
{
    struct buf w = {.be = 0};
    uint8_t pkt[64];
    pcap_header(&w, 0xa1b2c3d4u, 1);
    size_t n = eth_udp(pkt, 3, 53);
    pkt[14 + 2] = 0; /* total length 0 */
    pkt[14 + 3] = 0;
    u32(&w, 1);
    u32(&w, 0);
    u32(&w, (uint32_t)n);
    u32(&w, 14 + 4000); /* on the wire */
    put(&w, pkt, n);
    n = eth_udp(pkt, 4, 53);
    pcap_record(&w, 2, 0, pkt, n);
    n = eth_udp(pkt, 5, 53);
    pkt[14 + 2] = 0;
    pkt[14 + 3] = 10; /* total length below the header's */
    pcap_record(&w, 3, 0, pkt, n);

    struct reader r;
    cr_assert(rd_open(&r, &w), "%s", r.err.msg);
    static const uint64_t bytes[] = {4000, 28}, payload[] = {4000 - 28, 0};
    struct ts_record rec;
    int got;
    unsigned i = 0;
    while ((got = pcap_in_next(r.p, &rec, &r.err)) == 1 && i < 2) {
        cr_assert_eq(rec.bytes, bytes[i], "packet %u", i);
        cr_assert_eq(rec.payload, payload[i], "packet %u", i);
        i++;
    }
    cr_assert_eq(got, 0, "%s", r.err.msg);
    cr_assert_eq(i, 2);
    struct pcap_in_stats st = {0};
    pcap_in_stats(r.p, &st);
    cr_assert(st.packets == 2 && st.offloaded == 1 && st.damaged == 1);
    rd_close(&r);
}
