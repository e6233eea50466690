/*
 * decode.c - one captured frame into a packet record.
 *
 * The frame is walked link layer first, then the outermost IP header, then
 * the transport header of that IP packet. Every byte is read through one
 * cursor (pkt_cursor.h; tcpdump's GET_BE_U_2 rule: a frame may end at any
 * byte) whose failure goes to one place, the end of pkt_decode_wire: a
 * frame cut inside a header it needs is PKT_DAMAGED and nothing past
 * caplen is ever touched.
 *
 *   link layers decoded                 how the network layer is found
 *   Ethernet (1)                        EtherType, after 802.1Q/802.1ad tags,
 *                                       MPLS labels, PPPoE session + PPP
 *   Linux SLL (113), SLL2 (276)         protocol field as an EtherType
 *   raw IP (12, 14, 101), IPv4 (228),   version nibble
 *   IPv6 (229)
 *   BSD NULL (0), LOOP (108)            address family (AF_INET 2,
 *                                       AF_INET6 24/28/30), 4 bytes
 *   PPP (9), PPP serial (50)            PPP protocol 0x0021 / 0x0057
 *                                       (or 0x0281/0x0283 MPLS)
 *   BSD NULL with an EtherType          0x0800 / 0x86dd in bytes 2-3
 *   anything else                       PKT_UNSUPPORTED, never guessed
 *
 * IPv4:  bytes = total length, header = IHL * 4 (options skipped);
 *        proto = the header's protocol; AH is walked for the ports.
 *        Fragment: MF set or offset > 0.
 * IPv6:  bytes = 40 + payload length; hop-by-hop, routing, destination
 *        options, fragment and AH headers are walked to the transport,
 *        whose number is proto; each header's own length says where the
 *        next starts (option TLVs are not looked at). A header that
 *        overruns the payload leaves proto 0 (unknown); an options header
 *        not captured whole is damaged. Fragment: a Fragment header with
 *        M set or offset > 0 (an atomic fragment, RFC 6946, is not one).
 * Offload (TSO, BIG TCP; as tcpdump): an IPv4 total length of 0, or an
 *        IPv6 payload length of 0 with TCP or UDP
 *        right after the fixed header in a frame over 65,535 bytes: the IP
 *        packet is the rest of the frame on the wire (*offloaded = 1).
 * Only the first fragment (offset 0) carries ports; ICMP and ICMPv6 give
 * type and code as ports. payload = bytes - IP header(s) - TCP data offset
 * or 8 for UDP; never below 0.
 */
#include "config.h"

#include <string.h>

#include "decode.h"
#include "pkt_cursor.h"

/* Link types (LINKTYPE_ and DLT_ values; both are accepted). */
enum {
    LT_NULL = 0,
    LT_EN10MB = 1,
    LT_PPP = 9,
    LT_RAW_A = 12, /* DLT_RAW on most systems */
    LT_RAW_B = 14, /* DLT_RAW on OpenBSD and BSD/OS */
    LT_PPP_SERIAL = 50,
    LT_RAW = 101, /* LINKTYPE_RAW */
    LT_LOOP = 108,
    LT_LINUX_SLL = 113,
    LT_IPV4 = 228,
    LT_IPV6 = 229,
    LT_LINUX_SLL2 = 276,
};

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88a8,
    ETH_QINQ_OLD1 = 0x9100,
    ETH_QINQ_OLD2 = 0x9200,
    ETH_MPLS_UC = 0x8847,
    ETH_MPLS_MC = 0x8848,
    ETH_PPPOE_SESSION = 0x8864,
};

enum {
    PPP_IPV4 = 0x0021,
    PPP_IPV6 = 0x0057,
    PPP_MPLS_UC = 0x0281,
    PPP_MPLS_MC = 0x0283,
};

enum {
    IPP_HOPOPTS = 0,
    IPP_ICMP = 1,
    IPP_TCP = 6,
    IPP_UDP = 17,
    IPP_ROUTING = 43,
    IPP_FRAGMENT = 44,
    IPP_AH = 51,
    IPP_ICMPV6 = 58,
    IPP_DSTOPTS = 60,
};

/* Result of the link layer: where the IP header starts, or why there is
 * none. */
enum net_kind { NET_IPV4, NET_IPV6, NET_GUESS, NET_NONE };

/* ---- link layers --------------------------------------------------------- */

/* Skips an MPLS label stack starting at off; the payload is guessed from
 * its first nibble. */
static enum pkt_status mpls_walk(struct pkt_cur *c, uint32_t off, uint32_t *ip_off,
                                 enum net_kind *kind)
{
    uint32_t label;
    do {
        label = pkt_cur_be32(c, off);
        off += 4;
    } while ((label & 0x100u) == 0 && !c->trunc);
    *ip_off = off;
    *kind = NET_GUESS;
    return PKT_OK;
}

/* Follows the EtherType read at type_off, whose payload starts at off,
 * through VLAN tags, MPLS labels and PPPoE to an IP header. */
static enum pkt_status ethertype_walk(struct pkt_cur *c, uint32_t type_off, uint32_t off,
                                      uint32_t *ip_off, enum net_kind *kind)
{
    if (!pkt_cur_need(c, 0, off))
        return PKT_DAMAGED;
    uint16_t type = pkt_cur_be16(c, type_off);
    /* Each tag consumes 4 bytes of a frame of at most 2^32 bytes, and a
     * read past the end gives type 0: ends. */
    for (;;) {
        switch (type) {
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD1:
        case ETH_QINQ_OLD2:
            /* TCI (2 bytes), then the next EtherType. */
            type = pkt_cur_be16(c, off + 2);
            off += 4;
            continue;
        case ETH_MPLS_UC:
        case ETH_MPLS_MC:
            return mpls_walk(c, off, ip_off, kind);
        case ETH_PPPOE_SESSION: {
            /* ver/type, code, session id, length; then the PPP protocol. */
            uint16_t proto = pkt_cur_be16(c, off + 6);
            off += 8;
            if (proto == PPP_IPV4)
                *kind = NET_IPV4;
            else if (proto == PPP_IPV6)
                *kind = NET_IPV6;
            else
                return PKT_NOT_IP;
            *ip_off = off;
            return PKT_OK;
        }
        case ETH_IPV4:
            *ip_off = off;
            *kind = NET_IPV4;
            return PKT_OK;
        case ETH_IPV6:
            *ip_off = off;
            *kind = NET_IPV6;
            return PKT_OK;
        default:
            /* ARP, LLDP, a length field (802.3 + LLC), ...: not IP. */
            return PKT_NOT_IP;
        }
    }
}

/* BSD address family values for IPv4 and the several for IPv6. */
static enum pkt_status af_kind(uint32_t af, enum net_kind *kind)
{
    switch (af) {
    case 2:
        *kind = NET_IPV4;
        return PKT_OK;
    case 24: /* NetBSD, OpenBSD, BSD/OS */
    case 28: /* FreeBSD, DragonFly BSD */
    case 30: /* macOS, iOS */
        *kind = NET_IPV6;
        return PKT_OK;
    default:
        return PKT_NOT_IP;
    }
}

/* BSD NULL: a 4-byte address family in the byte order of the capturing
 * machine (either order is accepted), or on some systems an EtherType in
 * its last two bytes. */
static enum pkt_status null_walk(struct pkt_cur *c, uint32_t *ip_off, enum net_kind *kind)
{
    uint32_t be = pkt_cur_be32(c, 0);
    uint32_t af = be;
    if ((af & 0xffffu) == 0) /* written little-endian: af in the first bytes */
        af = (af >> 24) | ((af >> 8) & 0xff00u) | ((af << 8) & 0xff0000u) | (af << 24);
    *ip_off = 4;
    if (af_kind(af, kind) == PKT_OK)
        return PKT_OK;
    if ((be & 0xffffu) == ETH_IPV4) {
        *kind = NET_IPV4;
        return PKT_OK;
    }
    if ((be & 0xffffu) == ETH_IPV6) {
        *kind = NET_IPV6;
        return PKT_OK;
    }
    return PKT_NOT_IP;
}

/* PPP with or without HDLC address/control bytes and with or without
 * protocol field compression. */
static enum pkt_status ppp_walk(struct pkt_cur *c, int serial, uint32_t *ip_off,
                                enum net_kind *kind)
{
    uint32_t off = 0;
    uint8_t b0 = pkt_cur_u8(c, 0);
    /* Cisco HDLC framing shows up under DLT_PPP_SERIAL: not decoded. */
    if (serial && (b0 == 0x0f || b0 == 0x8f))
        return PKT_UNSUPPORTED;
    if (b0 == 0xff && pkt_cur_u8(c, 1) == 0x03)
        off = 2;
    uint16_t proto;
    uint8_t p0 = pkt_cur_u8(c, off);
    if (p0 & 1) { /* compressed: a one-byte protocol */
        proto = p0;
        off += 1;
    } else {
        proto = pkt_cur_be16(c, off);
        off += 2;
    }
    if (proto == PPP_MPLS_UC || proto == PPP_MPLS_MC)
        return mpls_walk(c, off, ip_off, kind);
    if (proto == PPP_IPV4)
        *kind = NET_IPV4;
    else if (proto == PPP_IPV6)
        *kind = NET_IPV6;
    else
        return PKT_NOT_IP;
    *ip_off = off;
    return PKT_OK;
}

static enum pkt_status link_walk(int dlt, struct pkt_cur *c, uint32_t *ip_off, enum net_kind *kind)
{
    switch (dlt) {
    case LT_EN10MB:
        /* dst(6) src(6) type(2) */
        return ethertype_walk(c, 12, 14, ip_off, kind);
    case LT_LINUX_SLL:
        /* pkttype(2) hatype(2) halen(2) addr(8) protocol(2) */
        return ethertype_walk(c, 14, 16, ip_off, kind);
    case LT_LINUX_SLL2:
        /* protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
        return ethertype_walk(c, 0, 20, ip_off, kind);
    case LT_RAW_A:
    case LT_RAW_B:
    case LT_RAW:
        *ip_off = 0;
        *kind = NET_GUESS;
        return PKT_OK;
    case LT_IPV4:
        *ip_off = 0;
        *kind = NET_IPV4;
        return PKT_OK;
    case LT_IPV6:
        *ip_off = 0;
        *kind = NET_IPV6;
        return PKT_OK;
    case LT_NULL:
        return null_walk(c, ip_off, kind);
    case LT_LOOP:
        *ip_off = 4;
        return af_kind(pkt_cur_be32(c, 0), kind);
    case LT_PPP:
        return ppp_walk(c, 0, ip_off, kind);
    case LT_PPP_SERIAL:
        return ppp_walk(c, 1, ip_off, kind);
    default:
        return PKT_UNSUPPORTED;
    }
}

/* ---- transport ---------------------------------------------------------- */

/* Fills ports, tcp_seq and the transport header length of the first
 * fragment (or unfragmented packet) whose transport header starts at off. */
static void transport(struct pkt_cur *c, uint32_t off, uint8_t proto, struct ts_record *out,
                      uint32_t *l4_hdr)
{
    *l4_hdr = 0;
    switch (proto) {
    case IPP_TCP:
        /* ports, sequence number and data offset (byte 12) are needed */
        out->sport = pkt_cur_be16(c, off);
        out->dport = pkt_cur_be16(c, off + 2);
        out->tcp_seq = pkt_cur_be32(c, off + 4);
        out->tcp_seq_valid = true;
        *l4_hdr = (uint32_t)(pkt_cur_u8(c, off + 12) >> 4) * 4;
        return;
    case IPP_UDP:
        out->sport = pkt_cur_be16(c, off);
        out->dport = pkt_cur_be16(c, off + 2);
        *l4_hdr = 8;
        return;
    case IPP_ICMP:
    case IPP_ICMPV6:
        /* type and code as ports; the ICMP header counts as payload */
        out->sport = pkt_cur_u8(c, off);
        out->dport = pkt_cur_u8(c, off + 1);
        return;
    default:
        return;
    }
}

/* a - b, or 0 when b >= a; with a mask, since the compiler made a branch
 * of the conditional form and the payload may or may not be there. */
static uint64_t sub0(uint64_t a, uint64_t b)
{
    return (a - b) & -(uint64_t)(a > b);
}

/* Walks IPv4 AH headers from *p to the transport (the protocol field of
 * the IP header still names AH). */
static void ah_walk(struct pkt_cur *c, uint32_t *p, uint8_t *nh)
{
    while (*nh == IPP_AH && !c->trunc) {
        uint8_t next = pkt_cur_u8(c, *p);
        uint8_t hl = pkt_cur_u8(c, *p + 1);
        *p += ((uint32_t)hl + 2) * 4;
        *nh = next;
    }
}

static enum pkt_status ipv4(struct pkt_cur *c, uint32_t off, uint32_t wirelen,
                            struct ts_record *out, int *offloaded)
{
    /* the 20 bytes of the fixed header are read below, up to the
     * destination address at 16-19 */
    uint8_t vhl = pkt_cur_u8(c, off);
    if ((vhl >> 4) != 4)
        return PKT_DAMAGED;
    uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4;
    if (hlen < 20)
        return PKT_DAMAGED;
    uint64_t total = pkt_cur_be16(c, off + 2);
    uint16_t fragw = pkt_cur_be16(c, off + 6);
    uint16_t frag_off = fragw & 0x1fff;
    int more = (fragw & 0x2000) != 0;

    out->proto = pkt_cur_u8(c, off + 9);
    /* Total length 0: a segment captured before segmentation offload
     * (TSO); the IP packet is the rest of the frame on the wire, whatever
     * its protocol (tcpdump's print-ip.c, Wireshark and Zeek alike). */
    if (total == 0) {
        total = wirelen > off ? wirelen - off : 0;
        *offloaded = 1;
    }
    if (total < hlen)
        return PKT_DAMAGED; /* shorter than its own header: invalid */

    out->src.len = 4;
    pkt_cur_copy(c, off + 12, out->src.b, 4);
    out->dst.len = 4;
    pkt_cur_copy(c, off + 16, out->dst.b, 4);
    out->bytes = total;
    out->frag = (uint8_t)(more || frag_off != 0);

    uint32_t p = off + hlen, l4_hdr = 0;
    if (frag_off == 0) {
        uint8_t nh = out->proto;
        ah_walk(c, &p, &nh);
        transport(c, p, nh, out, &l4_hdr);
    }
    out->payload = sub0(total, (uint64_t)(p - off) + l4_hdr);
    return PKT_OK;
}

static enum pkt_status ipv6(struct pkt_cur *c, uint32_t off, uint32_t wirelen,
                            struct ts_record *out, int *offloaded)
{
    /* the 40 bytes of the fixed header are read below, up to the
     * destination address at 24-39 */
    if ((pkt_cur_u8(c, off) >> 4) != 6)
        return PKT_DAMAGED;
    uint16_t plen = pkt_cur_be16(c, off + 4);
    uint8_t nh = pkt_cur_u8(c, off + 6);
    out->src.len = 16;
    pkt_cur_copy(c, off + 8, out->src.b, 16);
    out->dst.len = 16;
    pkt_cur_copy(c, off + 24, out->dst.b, 16);
    out->bytes = 40u + (uint64_t)plen;
    /* Payload length 0 with TCP or UDP right after the fixed header (so no
     * Jumbo Payload option) in a frame over 65,535 bytes: a segment
     * captured before BIG TCP offload; the IP packet is the rest of the
     * frame on the wire (tcpdump's print-ip6.c). */
    if (plen == 0 && (nh == IPP_TCP || nh == IPP_UDP) && wirelen > 65535u) {
        out->bytes = wirelen - off;
        *offloaded = 1;
    }

    /* Walk the extension headers; each is at least 8 bytes long, so the
     * walk ends within caplen / 8 steps. A header's own length field says
     * where the next one starts (the option TLVs inside are not looked
     * at); a header that runs past the payload leaves the transport
     * unknown: protocol 0, no ports. */
    uint32_t p = off + 40;
    uint64_t end = plen != 0 ? (uint64_t)off + 40 + plen : UINT64_MAX;
    int later_fragment = 0, invalid = 0;
    for (;;) {
        uint8_t next;
        uint32_t ext;
        if (nh == IPP_HOPOPTS || nh == IPP_ROUTING || nh == IPP_DSTOPTS) {
            next = pkt_cur_u8(c, p);
            ext = ((uint32_t)pkt_cur_u8(c, p + 1) + 1) * 8;
            /* options headers are read whole: damaged when not captured */
            if (nh != IPP_ROUTING)
                pkt_cur_need(c, p, ext);
        } else if (nh == IPP_AH) {
            next = pkt_cur_u8(c, p);
            ext = ((uint32_t)pkt_cur_u8(c, p + 1) + 2) * 4;
        } else if (nh == IPP_FRAGMENT) {
            /* next(1) reserved(1) offset(13 bits) res(2) M(1) id(4); an
             * atomic fragment (offset 0, M 0; RFC 6946) is not one */
            next = pkt_cur_u8(c, p);
            uint16_t fo = pkt_cur_be16(c, p + 2);
            ext = 8;
            if ((fo >> 3) != 0)
                later_fragment = 1;
            if (later_fragment || (fo & 1u))
                out->frag = 1;
        } else {
            break;
        }
        if (c->trunc)
            return PKT_DAMAGED;
        if ((uint64_t)p + ext > end) {
            invalid = 1;
            break;
        }
        p += ext;
        nh = next;
        if (later_fragment)
            break;
    }
    uint32_t l4_hdr = 0;
    if (invalid) {
        out->proto = 0;
    } else {
        out->proto = nh;
        if (!later_fragment)
            transport(c, p, nh, out, &l4_hdr);
    }
    out->payload = sub0(out->bytes, (uint64_t)(p - off) + l4_hdr);
    return PKT_OK;
}

/* Frames of 2^31 bytes or more are read as their first 2^31 - 1 bytes, so
 * that no offset of the walk wraps. */
#define PKT_MAX_CAPLEN 0x7fffffffu

enum pkt_status pkt_decode(int dlt, const uint8_t *data, uint32_t caplen, struct ts_record *out)
{
    int offloaded;
    return pkt_decode_wire(dlt, data, caplen, caplen, out, &offloaded);
}

enum pkt_status pkt_decode_wire(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                struct ts_record *out, int *offloaded)
{
    *offloaded = 0;
    ts_record_clear(out);
    out->kind = TS_REC_PACKET;
    if (data == NULL)
        caplen = 0;
    if (caplen > PKT_MAX_CAPLEN)
        caplen = PKT_MAX_CAPLEN;
    if (wirelen < caplen)
        wirelen = caplen;
    struct pkt_cur c = {.data = data, .len = caplen, .trunc = 0};

    uint32_t off = 0;
    enum net_kind kind = NET_NONE;
    enum pkt_status st = link_walk(dlt, &c, &off, &kind);
    if (st == PKT_OK && kind == NET_GUESS) {
        uint8_t v = pkt_cur_u8(&c, off) >> 4;
        if (v == 4)
            kind = NET_IPV4;
        else if (v == 6)
            kind = NET_IPV6;
        else if (off == 0)
            st = PKT_DAMAGED; /* a raw IP link without an IP header */
        else
            st = PKT_NOT_IP; /* MPLS payload that is not IP (pseudowire) */
    }
    if (st == PKT_OK)
        st = kind == NET_IPV4 ? ipv4(&c, off, wirelen, out, offloaded)
                              : ipv6(&c, off, wirelen, out, offloaded);
    /* the one truncation path: a read past caplen anywhere above */
    return c.trunc ? PKT_DAMAGED : st;
}
