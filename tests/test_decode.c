/*
 * test_decode.c - pkt_decode on hand-built frames: every link type, tag
 * stacks, MPLS, PPPoE, IPv6 extension headers, fragments, ICMP ports,
 * payload arithmetic, and truncation at every byte of the headers (each cut
 * frame is copied to a buffer of exactly its length, so ASan sees any read
 * past caplen).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

struct frame {
    uint8_t b[512];
    uint32_t n;
};

static void put(struct frame *f, const void *p, uint32_t n)
{
    cr_assert(f->n + n <= sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put8(struct frame *f, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(f, &b, 1);
}

static void put16(struct frame *f, unsigned v)
{
    put8(f, v >> 8);
    put8(f, v);
}

static void put32(struct frame *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}

static void zeros(struct frame *f, uint32_t n)
{
    while (n--)
        put8(f, 0);
}

static void eth(struct frame *f, unsigned type)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    put(f, macs, 12);
    put16(f, type);
}

static const uint8_t SRC4[4] = {10, 0, 0, 1}, DST4[4] = {192, 168, 1, 2};
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* IPv4 header with IHL ihl_words, protocol, total length, flags+offset. */
static void ip4(struct frame *f, unsigned ihl_words, unsigned proto, unsigned total, unsigned fragw)
{
    put8(f, 0x40 | ihl_words);
    put8(f, 0);
    put16(f, total);
    put16(f, 0x1234);
    put16(f, fragw);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put(f, SRC4, 4);
    put(f, DST4, 4);
    zeros(f, (ihl_words - 5) * 4);
}

static void ip6(struct frame *f, unsigned next, unsigned plen)
{
    put32(f, 0x60000000u);
    put16(f, plen);
    put8(f, next);
    put8(f, 64);
    put(f, SRC6, 16);
    put(f, DST6, 16);
}

static void tcp(struct frame *f, unsigned sport, unsigned dport, uint32_t seq, unsigned doff)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, seq);
    put32(f, 0);
    put8(f, doff << 4);
    put8(f, 0x18);
    put16(f, 1024);
    put32(f, 0);
    zeros(f, (doff - 5) * 4);
}

static void udp(struct frame *f, unsigned sport, unsigned dport, unsigned len)
{
    put16(f, sport);
    put16(f, dport);
    put16(f, len);
    put16(f, 0);
}

/* An extension header of 8 * (hl + 1) bytes with valid padding. */
static void ext_opts(struct frame *f, unsigned next, unsigned hl)
{
    put8(f, next);
    put8(f, hl);
    /* PadN covering the rest */
    put8(f, 1);
    put8(f, (hl + 1) * 8 - 4);
    zeros(f, (hl + 1) * 8 - 4);
}

static enum pkt_status dec(int dlt, const struct frame *f, struct ts_record *r)
{
    /* exact-size copy: ASan catches any read past the end */
    uint8_t *copy = malloc(f->n ? f->n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, f->b, f->n);
    enum pkt_status st = pkt_decode(dlt, copy, f->n, r);
    free(copy);
    return st;
}

static void expect_v4_udp(const struct ts_record *r, unsigned total)
{
    cr_assert_eq(r->kind, TS_REC_PACKET);
    cr_assert_eq(r->src.len, 4);
    cr_assert_arr_eq(r->src.b, SRC4, 4);
    cr_assert_arr_eq(r->dst.b, DST4, 4);
    cr_assert_eq(r->proto, 17);
    cr_assert_eq(r->sport, 5353);
    cr_assert_eq(r->dport, 53);
    cr_assert_eq(r->bytes, total);
    cr_assert_eq(r->payload, total - 28);
    cr_assert_eq(r->frag, 0);
}

static void v4_udp(struct frame *f, unsigned total)
{
    ip4(f, 5, 17, total, 0);
    udp(f, 5353, 53, total - 20);
}

static void v6_tcp(struct frame *f)
{
    ip6(f, 6, 20 + 100);
    tcp(f, 40000, 443, 77, 5);
}

static void expect_v6_tcp(const struct ts_record *r)
{
    cr_assert_eq(r->src.len, 16);
    cr_assert_arr_eq(r->src.b, SRC6, 16);
    cr_assert_arr_eq(r->dst.b, DST6, 16);
    cr_assert_eq(r->proto, 6);
    cr_assert_eq(r->sport, 40000);
    cr_assert_eq(r->dport, 443);
    cr_assert_eq(r->bytes, 160);
    cr_assert_eq(r->payload, 100);
    cr_assert(r->tcp_seq_valid);
    cr_assert_eq(r->tcp_seq, 77);
}

/* ---- link layers ---------------------------------------------------------- */

Test(decode, ethernet_ipv4_tcp_fields)
{
    struct frame f = {0};
    struct ts_record r;
    eth(&f, 0x0800);
    ip4(&f, 5, 6, 1500, 0x4000); /* DF only: not a fragment */
    tcp(&f, 1234, 80, 0xdeadbeef, 8);
    cr_assert_eq(dec(1, &f, &r), PKT_OK);
    cr_assert_eq(r.proto, 6);
    cr_assert_eq(r.sport, 1234);
    cr_assert_eq(r.dport, 80);
    cr_assert_eq(r.bytes, 1500, "IP total length, not the captured length");
    cr_assert_eq(r.payload, 1500 - 20 - 32);
    cr_assert_eq(r.frag, 0);
    cr_assert(r.tcp_seq_valid);
    cr_assert_eq(r.tcp_seq, 0xdeadbeef);
}

Test(decode, vlan_stacks_of_every_tag_type)
{
    static const unsigned tags[] = {0x8100, 0x88a8, 0x9100, 0x9200};
    for (unsigned depth = 1; depth <= 4; depth++) {
        struct frame f = {0};
        struct ts_record r;
        eth(&f, tags[0]);
        for (unsigned i = 0; i < depth; i++) {
            put16(&f, 100 + i); /* TCI */
            put16(&f, i + 1 < depth ? tags[(i + 1) % 4] : 0x0800);
        }
        v4_udp(&f, 100);
        cr_assert_eq(dec(1, &f, &r), PKT_OK, "depth %u", depth);
        expect_v4_udp(&r, 100);
    }
}

Test(decode, qinq_ipv6)
{
    struct frame f = {0};
    struct ts_record r;
    eth(&f, 0x88a8);
    put16(&f, 10);
    put16(&f, 0x8100);
    put16(&f, 20);
    put16(&f, 0x86dd);
    v6_tcp(&f);
    cr_assert_eq(dec(1, &f, &r), PKT_OK);
    expect_v6_tcp(&r);
}

Test(decode, mpls_stack_guesses_ip_version)
{
    for (int v6 = 0; v6 <= 1; v6++) {
        struct frame f = {0};
        struct ts_record r;
        eth(&f, 0x8847);
        put32(&f, 0x00010040u); /* label 16, not bottom */
        put32(&f, 0x00020040u);
        put32(&f, 0x00030140u); /* bottom of stack */
        if (v6)
            v6_tcp(&f);
        else
            v4_udp(&f, 60);
        cr_assert_eq(dec(1, &f, &r), PKT_OK);
        if (v6)
            expect_v6_tcp(&r);
        else
            expect_v4_udp(&r, 60);
    }
    /* a pseudowire control word (first nibble 0) is not IP */
    struct frame f = {0};
    struct ts_record r;
    eth(&f, 0x8848);
    put32(&f, 0x00010140u);
    put32(&f, 0);
    zeros(&f, 40);
    cr_assert_eq(dec(1, &f, &r), PKT_NOT_IP);
}

Test(decode, pppoe_session_ipv4_ipv6_and_lcp)
{
    static const unsigned protos[] = {0x0021, 0x0057, 0xc021};
    for (int i = 0; i < 3; i++) {
        struct frame f = {0};
        struct ts_record r;
        eth(&f, 0x8864);
        put8(&f, 0x11);
        put8(&f, 0);
        put16(&f, 0x1234);
        put16(&f, 200);
        put16(&f, protos[i]);
        if (i == 1)
            v6_tcp(&f);
        else
            v4_udp(&f, 80);
        enum pkt_status st = dec(1, &f, &r);
        if (i == 0) {
            cr_assert_eq(st, PKT_OK);
            expect_v4_udp(&r, 80);
        } else if (i == 1) {
            cr_assert_eq(st, PKT_OK);
            expect_v6_tcp(&r);
        } else {
            cr_assert_eq(st, PKT_NOT_IP);
        }
    }
}

Test(decode, non_ip_ethernet_frames)
{
    static const unsigned types[] = {0x0806, 0x88cc, 0x0040, 0x8863, 0x8035};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct frame f = {0};
        struct ts_record r;
        eth(&f, types[i]);
        zeros(&f, 46);
        cr_assert_eq(dec(1, &f, &r), PKT_NOT_IP, "type %#x", types[i]);
    }
}

Test(decode, linux_sll_and_sll2)
{
    struct frame f = {0};
    struct ts_record r;
    /* SLL: pkttype, hatype, halen, 8 address bytes, protocol */
    put16(&f, 0);
    put16(&f, 1);
    put16(&f, 6);
    zeros(&f, 8);
    put16(&f, 0x0800);
    v4_udp(&f, 70);
    cr_assert_eq(dec(113, &f, &r), PKT_OK);
    expect_v4_udp(&r, 70);

    /* SLL2: protocol, reserved, ifindex, hatype, pkttype, halen, address */
    struct frame g = {0};
    put16(&g, 0x86dd);
    put16(&g, 0);
    put32(&g, 3);
    put16(&g, 1);
    put8(&g, 0);
    put8(&g, 6);
    zeros(&g, 8);
    v6_tcp(&g);
    cr_assert_eq(dec(276, &g, &r), PKT_OK);
    expect_v6_tcp(&r);

    /* SLL2 with a VLAN tag after the header */
    struct frame h = {0};
    put16(&h, 0x8100);
    zeros(&h, 18);
    put16(&h, 5);
    put16(&h, 0x0800);
    v4_udp(&h, 70);
    cr_assert_eq(dec(276, &h, &r), PKT_OK);
    expect_v4_udp(&r, 70);

    /* SLL carrying ARP */
    struct frame a = {0};
    zeros(&a, 14);
    put16(&a, 0x0806);
    zeros(&a, 28);
    cr_assert_eq(dec(113, &a, &r), PKT_NOT_IP);
}

Test(decode, raw_ip_link_types)
{
    static const int raw[] = {12, 14, 101};
    for (unsigned i = 0; i < 3; i++) {
        struct frame f = {0}, g = {0};
        struct ts_record r;
        v4_udp(&f, 40);
        cr_assert_eq(dec(raw[i], &f, &r), PKT_OK);
        expect_v4_udp(&r, 40);
        v6_tcp(&g);
        cr_assert_eq(dec(raw[i], &g, &r), PKT_OK);
        expect_v6_tcp(&r);
        g.b[0] = 0x50; /* version 5 */
        cr_assert_eq(dec(raw[i], &g, &r), PKT_DAMAGED);
    }
    struct frame f = {0}, g = {0};
    struct ts_record r;
    v4_udp(&f, 40);
    cr_assert_eq(dec(228, &f, &r), PKT_OK);
    cr_assert_eq(dec(229, &f, &r), PKT_DAMAGED, "LINKTYPE_IPV6 with an IPv4 header");
    v6_tcp(&g);
    cr_assert_eq(dec(229, &g, &r), PKT_OK);
    cr_assert_eq(dec(228, &g, &r), PKT_DAMAGED);
}

Test(decode, bsd_null_and_loop_address_families)
{
    static const uint32_t afs6[] = {24, 28, 30};
    struct ts_record r;
    for (int swap = 0; swap <= 1; swap++) {
        struct frame f = {0};
        uint8_t af[4] = {2, 0, 0, 0};
        if (swap) {
            af[0] = 0;
            af[3] = 2;
        }
        put(&f, af, 4);
        v4_udp(&f, 40);
        cr_assert_eq(dec(0, &f, &r), PKT_OK);
        expect_v4_udp(&r, 40);
        for (unsigned i = 0; i < 3; i++) {
            struct frame g = {0};
            uint8_t a6[4] = {(uint8_t)afs6[i], 0, 0, 0};
            if (swap) {
                a6[0] = 0;
                a6[3] = (uint8_t)afs6[i];
            }
            put(&g, a6, 4);
            v6_tcp(&g);
            cr_assert_eq(dec(0, &g, &r), PKT_OK);
            expect_v6_tcp(&r);
        }
    }
    /* an EtherType in the last two bytes */
    struct frame e = {0};
    put8(&e, 0x0f);
    put8(&e, 0);
    put16(&e, 0x0800);
    v4_udp(&e, 40);
    cr_assert_eq(dec(0, &e, &r), PKT_OK);
    /* unknown family (AF_APPLETALK 16) */
    struct frame u = {0};
    put8(&u, 16);
    zeros(&u, 3);
    v4_udp(&u, 40);
    cr_assert_eq(dec(0, &u, &r), PKT_NOT_IP);
    /* LOOP: network byte order */
    struct frame l = {0};
    put32(&l, 28);
    v6_tcp(&l);
    cr_assert_eq(dec(108, &l, &r), PKT_OK);
    expect_v6_tcp(&r);
}

Test(decode, ppp_framings)
{
    struct ts_record r;
    struct frame a = {0}, b = {0}, c = {0}, d = {0}, e = {0};
    put8(&a, 0xff);
    put8(&a, 0x03);
    put16(&a, 0x0021);
    v4_udp(&a, 40);
    cr_assert_eq(dec(9, &a, &r), PKT_OK);
    expect_v4_udp(&r, 40);
    cr_assert_eq(dec(50, &a, &r), PKT_OK);

    put8(&b, 0x21); /* protocol field compression, no address/control */
    v4_udp(&b, 40);
    cr_assert_eq(dec(9, &b, &r), PKT_OK);
    expect_v4_udp(&r, 40);

    put16(&c, 0x0057);
    v6_tcp(&c);
    cr_assert_eq(dec(9, &c, &r), PKT_OK);
    expect_v6_tcp(&r);

    put8(&d, 0xff);
    put8(&d, 0x03);
    put16(&d, 0x0281); /* MPLS */
    put32(&d, 0x00010140u);
    v4_udp(&d, 40);
    cr_assert_eq(dec(9, &d, &r), PKT_OK);
    expect_v4_udp(&r, 40);

    put8(&e, 0x0f); /* Cisco HDLC under PPP_SERIAL */
    put8(&e, 0);
    put16(&e, 0x0800);
    v4_udp(&e, 40);
    cr_assert_eq(dec(50, &e, &r), PKT_UNSUPPORTED);

    struct frame lcp = {0};
    put8(&lcp, 0xff);
    put8(&lcp, 0x03);
    put16(&lcp, 0xc021);
    zeros(&lcp, 10);
    cr_assert_eq(dec(9, &lcp, &r), PKT_NOT_IP);
}

Test(decode, other_link_types_are_unsupported_never_guessed)
{
    static const int others[] = {105, 127, 107, 104, 239, 10, 227, 271, 6, 192};
    struct frame f = {0};
    struct ts_record r;
    v4_udp(&f, 40); /* even a frame that looks like IP */
    for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++) {
        cr_assert_eq(dec(others[i], &f, &r), PKT_UNSUPPORTED, "dlt %d", others[i]);
    }
    /* the link types decoded: an empty frame is damaged, not unsupported */
    static const int ours[] = {0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276};
    for (unsigned i = 0; i < sizeof ours / sizeof ours[0]; i++)
        cr_assert_eq(pkt_decode(ours[i], NULL, 0, &r), PKT_DAMAGED, "dlt %d", ours[i]);
}

/* ---- IPv4 ------------------------------------------------------------------ */

Test(decode, ipv4_fragments_first_carries_ports_later_do_not)
{
    struct ts_record r;
    struct frame first = {0}, later = {0}, last = {0};
    ip4(&first, 5, 17, 1500, 0x2000); /* MF, offset 0 */
    udp(&first, 5353, 53, 3000);
    cr_assert_eq(dec(101, &first, &r), PKT_OK);
    cr_assert_eq(r.frag, 1);
    cr_assert_eq(r.sport, 5353);
    cr_assert_eq(r.payload, 1500 - 28);

    ip4(&later, 5, 17, 1500, 0x2000 | 185); /* MF, offset 1480 */
    zeros(&later, 8);
    cr_assert_eq(dec(101, &later, &r), PKT_OK);
    cr_assert_eq(r.frag, 1);
    cr_assert_eq(r.sport, 0);
    cr_assert_eq(r.dport, 0);
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(r.payload, 1480, "no transport header in a later fragment");

    ip4(&last, 5, 17, 60, 370); /* offset only */
    cr_assert_eq(dec(101, &last, &r), PKT_OK, "a later fragment needs no transport bytes");
    cr_assert_eq(r.frag, 1);
}

Test(decode, ipv4_options_and_payload_arithmetic)
{
    struct ts_record r;
    struct frame f = {0}, g = {0}, h = {0};
    ip4(&f, 7, 6, 400, 0); /* 28-byte header */
    tcp(&f, 1, 2, 3, 6);   /* 24-byte TCP header */
    cr_assert_eq(dec(101, &f, &r), PKT_OK);
    cr_assert_eq(r.payload, 400 - 28 - 24);

    ip4(&g, 5, 47, 100, 0); /* GRE: only the IP header is subtracted */
    zeros(&g, 4);
    cr_assert_eq(dec(101, &g, &r), PKT_OK);
    cr_assert_eq(r.proto, 47);
    cr_assert_eq(r.sport, 0);
    cr_assert_eq(r.payload, 80);

    ip4(&h, 5, 6, 30, 0); /* total shorter than the headers: payload 0 */
    tcp(&h, 1, 2, 3, 5);
    cr_assert_eq(dec(101, &h, &r), PKT_OK);
    cr_assert_eq(r.payload, 0);
}

Test(decode, icmp_type_and_code_are_ports)
{
    struct ts_record r;
    struct frame f = {0}, g = {0};
    ip4(&f, 5, 1, 84, 0);
    put8(&f, 3); /* unreachable */
    put8(&f, 13);
    zeros(&f, 62);
    cr_assert_eq(dec(228, &f, &r), PKT_OK);
    cr_assert_eq(r.proto, 1);
    cr_assert_eq(r.sport, 3);
    cr_assert_eq(r.dport, 13);
    cr_assert_eq(r.payload, 64, "the ICMP header counts as payload");
    cr_assert_not(r.tcp_seq_valid);

    ip6(&g, 58, 64);
    put8(&g, 128); /* echo request */
    put8(&g, 0);
    zeros(&g, 62);
    cr_assert_eq(dec(229, &g, &r), PKT_OK);
    cr_assert_eq(r.proto, 58);
    cr_assert_eq(r.sport, 128);
    cr_assert_eq(r.dport, 0);
    cr_assert_eq(r.payload, 64);
}

Test(decode, ipv4_ah_is_walked_for_ports)
{
    struct ts_record r;
    struct frame f = {0};
    ip4(&f, 5, 51, 20 + 24 + 8 + 10, 0);
    put8(&f, 17);
    put8(&f, 4); /* (4 + 2) * 4 = 24 bytes */
    zeros(&f, 22);
    udp(&f, 5353, 53, 18);
    cr_assert_eq(dec(101, &f, &r), PKT_OK);
    cr_assert_eq(r.proto, 51, "IPv4 reports the IP header's protocol");
    cr_assert_eq(r.sport, 5353);
    cr_assert_eq(r.payload, 10);
}

Test(decode, snaplen_truncated_packet_counts_ip_length)
{
    struct ts_record r;
    struct frame f = {0};
    eth(&f, 0x0800);
    ip4(&f, 5, 6, 9000, 0);
    tcp(&f, 22, 50000, 1, 5); /* 54 bytes captured of 9014 */
    cr_assert_eq(dec(1, &f, &r), PKT_OK);
    cr_assert_eq(r.bytes, 9000);
    cr_assert_eq(r.payload, 9000 - 40);
}

/* Segments captured before offload (TSO, BIG TCP): Ethernet frames cut to
 * their headers, with the IP length field, the headers after the fixed
 * one, and the length on the wire of each row. */
Test(decode, offloaded_segments_take_the_length_from_the_frame)
{
    enum { V4, V6 };
    static const struct {
        int ip, proto, hbh;
        unsigned len; /* total length (IPv4) or payload length (IPv6) */
        uint32_t wire;
        enum pkt_status st;
        uint64_t bytes;
        int offloaded;
    } rows[] = {
        {V4, 6, 0, 0, 14 + 3966, PKT_OK, 3966, 1},         /* TSO */
        {V4, 17, 0, 0, 14 + 60000, PKT_OK, 60000, 1},      /* UDP GSO */
        {V4, 6, 0, 40, 14 + 3966, PKT_OK, 40, 0},          /* a length: kept */
        {V4, 1, 0, 0, 14 + 3966, PKT_OK, 3966, 1},         /* ICMP too */
        {V4, 6, 0, 10, 14 + 3966, PKT_DAMAGED, 0, 0},      /* below the header */
        {V6, 6, 0, 0, 14 + 40 + 70000, PKT_OK, 70040, 1},  /* BIG TCP */
        {V6, 17, 0, 0, 14 + 40 + 70000, PKT_OK, 70040, 1}, /* BIG UDP */
        {V6, 6, 0, 0, 65535, PKT_OK, 40, 0},               /* frame not over 65,535 */
        {V6, 6, 0, 0, 65536, PKT_OK, 65536 - 14, 1},       /* just over */
        {V6, 6, 1, 0, 14 + 40 + 70000, PKT_OK, 40, 0},     /* extension header first */
        {V6, 58, 0, 0, 14 + 40 + 70000, PKT_OK, 40, 0},    /* ICMPv6 */
        {V6, 6, 0, 20, 14 + 40 + 70000, PKT_OK, 60, 0},    /* a length: kept */
    };
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct frame f = {0};
        struct ts_record r;
        eth(&f, rows[i].ip == V4 ? 0x0800 : 0x86dd);
        unsigned l4 = rows[i].proto == 6 ? 20 : rows[i].proto == 17 ? 8 : 0;
        if (rows[i].ip == V4) {
            ip4(&f, 5, (unsigned)rows[i].proto, rows[i].len, 0x4000);
        } else {
            ip6(&f, rows[i].hbh ? 0 : (unsigned)rows[i].proto, rows[i].len);
            if (rows[i].hbh)
                ext_opts(&f, (unsigned)rows[i].proto, 0);
        }
        if (rows[i].proto == 6)
            tcp(&f, 88, 50000, 1, 5);
        else
            udp(&f, 88, 50000, 8); /* as an ICMP header: type 0, code 88 */
        int off = -1;
        cr_assert_eq(pkt_decode_wire(1, f.b, f.n, rows[i].wire, &r, &off), rows[i].st, "row %u", i);
        if (rows[i].st != PKT_OK)
            continue;
        cr_assert_eq(r.bytes, rows[i].bytes, "row %u: %llu", i, (unsigned long long)r.bytes);
        cr_assert_eq(off, rows[i].offloaded, "row %u", i);
        if (rows[i].offloaded)
            cr_assert_eq(r.payload, rows[i].bytes - (rows[i].ip == V4 ? 20 : 40) - l4, "row %u", i);
    }
}

Test(decode, bad_ipv4_headers_are_damaged)
{
    struct ts_record r;
    struct frame f = {0}, g = {0};
    ip4(&f, 5, 6, 40, 0);
    tcp(&f, 1, 2, 3, 5);
    f.b[0] = 0x44; /* IHL 4 */
    cr_assert_eq(dec(101, &f, &r), PKT_DAMAGED);
    ip4(&g, 5, 6, 40, 0);
    tcp(&g, 1, 2, 3, 5);
    g.b[0] = 0x75; /* version 7 */
    cr_assert_eq(dec(228, &g, &r), PKT_DAMAGED);
    struct frame h = {0};
    ip4(&h, 5, 17, 10, 0); /* total length below the header length */
    udp(&h, 1, 2, 8);
    cr_assert_eq(dec(101, &h, &r), PKT_DAMAGED);
}

/* ---- IPv6 ------------------------------------------------------------------ */

Test(decode, ipv6_each_extension_header_is_walked)
{
    /* hop-by-hop, routing, destination options, fragment (first), AH */
    static const unsigned kinds[] = {0, 43, 60, 44, 51};
    for (unsigned i = 0; i < 5; i++) {
        struct frame f = {0};
        struct ts_record r;
        unsigned ext = kinds[i] == 51 ? 16 : (kinds[i] == 44 ? 8 : 16);
        ip6(&f, kinds[i], ext + 8 + 20);
        switch (kinds[i]) {
        case 0:
        case 60:
            ext_opts(&f, 17, 1);
            break;
        case 43:
            put8(&f, 17);
            put8(&f, 1);
            put8(&f, 0); /* type 0 */
            put8(&f, 0); /* segments left */
            zeros(&f, 12);
            break;
        case 44:
            put8(&f, 17);
            put8(&f, 0);
            put16(&f, 0x0001); /* offset 0, M */
            put32(&f, 99);
            break;
        case 51:
            put8(&f, 17);
            put8(&f, 2); /* (2 + 2) * 4 = 16 */
            zeros(&f, 14);
            break;
        }
        udp(&f, 5353, 53, 28);
        cr_assert_eq(dec(229, &f, &r), PKT_OK, "header %u", kinds[i]);
        cr_assert_eq(r.proto, 17, "header %u", kinds[i]);
        cr_assert_eq(r.sport, 5353);
        cr_assert_eq(r.dport, 53);
        cr_assert_eq(r.bytes, 40 + ext + 28);
        cr_assert_eq(r.payload, 20, "header %u", kinds[i]);
        cr_assert_eq(r.frag, kinds[i] == 44 ? 1 : 0);
    }
}

Test(decode, ipv6_chain_of_headers)
{
    struct frame f = {0};
    struct ts_record r;
    ip6(&f, 0, 8 + 16 + 8 + 20);
    ext_opts(&f, 60, 0);
    ext_opts(&f, 44, 1);
    put8(&f, 6);
    put8(&f, 0);
    put16(&f, 0); /* atomic fragment: offset 0, no M */
    put32(&f, 1);
    tcp(&f, 1000, 2000, 5, 5);
    cr_assert_eq(dec(229, &f, &r), PKT_OK);
    cr_assert_eq(r.proto, 6);
    cr_assert_eq(r.sport, 1000);
    cr_assert_eq(r.frag, 0, "an atomic fragment (offset 0, M 0) is not a fragment");
    cr_assert_eq(r.payload, 0);
}

/* A Fragment header (offset in 8-byte units, M) in front of UDP: a true
 * fragment when M is set or the offset is not 0 (RFC 6946); ports only in
 * the first fragment. */
Test(decode, ipv6_fragment_header_rows)
{
    static const struct {
        unsigned offset, more;
        uint8_t frag;
        uint16_t sport;
    } rows[] = {
        {0, 0, 0, 5353}, /* atomic: not a fragment */
        {0, 1, 1, 5353}, /* first fragment */
        {185, 1, 1, 0},  /* middle */
        {185, 0, 1, 0},  /* last */
        {8191, 0, 1, 0}, /* largest offset */
    };
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct frame f = {0};
        struct ts_record r;
        ip6(&f, 44, 8 + 8);
        put8(&f, 17);
        put8(&f, 0);
        put16(&f, rows[i].offset << 3 | rows[i].more);
        put32(&f, 7);
        udp(&f, 5353, 53, 8);
        cr_assert_eq(dec(229, &f, &r), PKT_OK, "row %u", i);
        cr_assert_eq(r.frag, rows[i].frag, "row %u", i);
        cr_assert_eq(r.proto, 17, "row %u", i);
        cr_assert_eq(r.sport, rows[i].sport, "row %u", i);
    }
}

Test(decode, ipv6_many_atomic_fragment_headers_are_no_fragment)
{
    struct frame f = {0};
    struct ts_record r;
    ip6(&f, 44, 33 * 8 + 8);
    for (unsigned i = 0; i < 33; i++) {
        put8(&f, i == 32 ? 17 : 44);
        put8(&f, 0);
        put16(&f, 0);
        put32(&f, i);
    }
    udp(&f, 5353, 53, 8);
    cr_assert_eq(dec(229, &f, &r), PKT_OK);
    cr_assert_eq(r.frag, 0);
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(r.sport, 5353);
    cr_assert_eq(r.payload, 0);
}

Test(decode, ipv6_later_fragment_has_protocol_but_no_ports)
{
    struct frame f = {0};
    struct ts_record r;
    ip6(&f, 44, 8 + 100);
    put8(&f, 17);
    put8(&f, 0);
    put16(&f, 1480 | 1);
    put32(&f, 7);
    zeros(&f, 4); /* a few data bytes only */
    cr_assert_eq(dec(229, &f, &r), PKT_OK);
    cr_assert_eq(r.frag, 1);
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(r.sport, 0);
    cr_assert_eq(r.dport, 0);
    cr_assert_eq(r.payload, 100);
}

Test(decode, ipv6_header_length_not_option_tlvs_finds_the_transport)
{
    /* hop-by-hop and destination options whose option overruns the header */
    static const unsigned kinds[] = {0, 60};
    for (unsigned i = 0; i < 2; i++) {
        struct frame f = {0};
        struct ts_record r;
        ip6(&f, kinds[i], 16 + 8);
        put8(&f, 17);
        put8(&f, 1);
        put8(&f, 0xc9); /* Home Address option claiming 144 bytes */
        put8(&f, 144);
        zeros(&f, 12);
        udp(&f, 1, 2, 8);
        cr_assert_eq(dec(229, &f, &r), PKT_OK);
        cr_assert_eq(r.proto, 17, "header %u", kinds[i]);
        cr_assert_eq(r.sport, 1);
        cr_assert_eq(r.dport, 2);
        cr_assert_eq(r.payload, 0);
        /* the header itself not captured whole: damaged */
        struct frame cut = f;
        cut.n = 40 + 15;
        cr_assert_eq(dec(229, &cut, &r), PKT_DAMAGED, "header %u", kinds[i]);
    }
}

Test(decode, ipv6_header_longer_than_payload_leaves_transport_unknown)
{
    struct ts_record r;

    struct frame g = {0};
    ip6(&g, 60, 8); /* header longer than the payload */
    ext_opts(&g, 17, 1);
    udp(&g, 1, 2, 8);
    cr_assert_eq(dec(229, &g, &r), PKT_OK);
    cr_assert_eq(r.proto, 0);
}

Test(decode, ipv6_non_transport_next_header)
{
    struct frame f = {0};
    struct ts_record r;
    ip6(&f, 50, 40); /* ESP */
    zeros(&f, 40);
    cr_assert_eq(dec(229, &f, &r), PKT_OK);
    cr_assert_eq(r.proto, 50);
    cr_assert_eq(r.sport, 0);
    cr_assert_eq(r.payload, 40);
}

/* ---- truncation at every byte -------------------------------------------- */

/* Cuts f at every length: below need the frame is DAMAGED, from need on it
 * decodes to the same record as the whole frame. */
static void every_cut(int dlt, const struct frame *f, uint32_t need)
{
    struct ts_record whole, r;
    cr_assert_eq(dec(dlt, f, &whole), PKT_OK);
    for (uint32_t k = 0; k <= f->n; k++) {
        struct frame c = *f;
        c.n = k;
        enum pkt_status st = dec(dlt, &c, &r);
        if (k < need) {
            cr_assert_eq(st, PKT_DAMAGED, "dlt %d cut at %u of %u", dlt, k, f->n);
        } else {
            cr_assert_eq(st, PKT_OK, "dlt %d cut at %u", dlt, k);
            cr_assert_eq(r.bytes, whole.bytes);
            cr_assert_eq(r.sport, whole.sport);
            cr_assert_eq(r.dport, whole.dport);
            cr_assert_eq(r.proto, whole.proto);
            cr_assert_eq(r.payload, whole.payload);
        }
    }
}

Test(decode, truncation_at_every_offset_ethernet_ipv4_tcp)
{
    struct frame f = {0};
    eth(&f, 0x0800);
    ip4(&f, 6, 6, 100, 0);
    tcp(&f, 1, 2, 3, 5);
    zeros(&f, 10);
    every_cut(1, &f, 14 + 24 + 13); /* TCP needed through its data offset */
}

Test(decode, truncation_at_every_offset_vlan_ipv6_ext_udp)
{
    struct frame f = {0};
    eth(&f, 0x88a8);
    put16(&f, 1);
    put16(&f, 0x8100);
    put16(&f, 2);
    put16(&f, 0x86dd);
    ip6(&f, 0, 16 + 8 + 16 + 8);
    ext_opts(&f, 44, 1);
    put8(&f, 51);
    put8(&f, 0);
    put16(&f, 1);
    put32(&f, 3);
    put8(&f, 17);
    put8(&f, 2);
    zeros(&f, 14);
    udp(&f, 7, 8, 8);
    every_cut(1, &f, 22 + 40 + 16 + 8 + 16 + 4);
}

/* Destination options whose option overruns the header, then an atomic
 * fragment: the header's own length leads to UDP at every cut. */
Test(decode, truncation_at_every_offset_ipv6_bad_option_atomic_fragment)
{
    struct frame f = {0};
    eth(&f, 0x86dd);
    ip6(&f, 60, 16 + 8 + 8);
    put8(&f, 44);
    put8(&f, 1);
    put8(&f, 0xca); /* an option claiming 144 bytes */
    put8(&f, 144);
    zeros(&f, 12);
    put8(&f, 17);
    put8(&f, 0);
    put16(&f, 0); /* offset 0, M 0 */
    put32(&f, 9);
    udp(&f, 30000, 13000, 8);
    struct ts_record r;
    cr_assert_eq(dec(1, &f, &r), PKT_OK);
    cr_assert(r.proto == 17 && r.frag == 0 && r.sport == 30000);
    every_cut(1, &f, 14 + 40 + 16 + 8 + 4);
}

Test(decode, truncation_at_every_offset_pppoe_mpls_sll2_icmp)
{
    struct frame f = {0};
    eth(&f, 0x8864);
    put8(&f, 0x11);
    put8(&f, 0);
    put16(&f, 1);
    put16(&f, 50);
    put16(&f, 0x0021);
    ip4(&f, 5, 1, 48, 0);
    put8(&f, 8);
    put8(&f, 0);
    zeros(&f, 6);
    every_cut(1, &f, 14 + 8 + 20 + 2);

    struct frame m = {0};
    eth(&m, 0x8847);
    put32(&m, 0x00010040u);
    put32(&m, 0x00020140u);
    v6_tcp(&m);
    every_cut(1, &m, 14 + 8 + 40 + 13);

    struct frame s = {0};
    put16(&s, 0x86dd);
    zeros(&s, 18);
    ip6(&s, 58, 8);
    put8(&s, 135);
    put8(&s, 0);
    zeros(&s, 6);
    every_cut(276, &s, 20 + 40 + 2);

    struct frame n = {0};
    put32(&n, 0x02000000u);
    v4_udp(&n, 40);
    every_cut(0, &n, 4 + 20 + 4);

    struct frame p = {0};
    put8(&p, 0xff);
    put8(&p, 0x03);
    put16(&p, 0x0057);
    v6_tcp(&p);
    every_cut(9, &p, 4 + 40 + 13);

    struct frame l = {0};
    zeros(&l, 14);
    put16(&l, 0x0800);
    v4_udp(&l, 40);
    every_cut(113, &l, 16 + 24);
}

Test(decode, empty_and_null_frames_are_damaged)
{
    struct ts_record r;
    cr_assert_eq(pkt_decode(1, NULL, 0, &r), PKT_DAMAGED);
    cr_assert_eq(pkt_decode(101, (const uint8_t *)"", 0, &r), PKT_DAMAGED);
}
