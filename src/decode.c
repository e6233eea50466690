/*
 * decode.c - one captured frame into a packet record.
 *
 * The frame is walked link layer first, then the outermost IP header, then
 * the transport header of that IP packet. Every byte is read through the
 * bounds-checked readers below (tcpdump's GET_BE_U_2 rule: a frame may end
 * at any byte), so a frame cut inside a header it needs is PKT_DAMAGED and
 * nothing past caplen is ever touched.
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
 * IPv4:  bytes = total length (0, from TCP segmentation offload: the rest
 *        of the frame on the wire), header = IHL * 4 (options skipped);
 *        proto = the header's protocol; AH is walked for the ports.
 * IPv6:  bytes = 40 + payload length; hop-by-hop, routing, destination
 *        options, fragment and AH headers are walked to the transport,
 *        whose number is proto. Option TLVs that overrun their header, or
 *        headers that overrun the payload, leave proto 0 (unknown).
 * Only the first fragment (offset 0) carries ports; ICMP and ICMPv6 give
 * type and code as ports. payload = bytes - IP header(s) - TCP data offset
 * or 8 for UDP; never below 0.
 */
#include "config.h"

#include <string.h>

#include "decode.h"

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

/* ---- bounds-checked big-endian readers --------------------------------- */

static int get_u8(const uint8_t *d, uint32_t len, uint32_t off, uint8_t *v)
{
    if (off >= len)
        return 0;
    *v = d[off];
    return 1;
}

static int get_be16(const uint8_t *d, uint32_t len, uint32_t off, uint16_t *v)
{
    if (off > len || len - off < 2)
        return 0;
    *v = (uint16_t)((uint16_t)d[off] << 8 | d[off + 1]);
    return 1;
}

static int get_be32(const uint8_t *d, uint32_t len, uint32_t off, uint32_t *v)
{
    if (off > len || len - off < 4)
        return 0;
    *v = (uint32_t)d[off] << 24 | (uint32_t)d[off + 1] << 16 | (uint32_t)d[off + 2] << 8 |
         (uint32_t)d[off + 3];
    return 1;
}

static int have(uint32_t len, uint32_t off, uint32_t n)
{
    return off <= len && len - off >= n;
}

/* ---- link layers --------------------------------------------------------- */

/* Skips an MPLS label stack starting at off; the payload is guessed from
 * its first nibble. */
static enum pkt_status mpls_walk(const uint8_t *d, uint32_t len, uint32_t off, uint32_t *ip_off,
                                 enum net_kind *kind)
{
    uint32_t label;
    do {
        if (!get_be32(d, len, off, &label))
            return PKT_DAMAGED;
        off += 4;
    } while ((label & 0x100u) == 0);
    *ip_off = off;
    *kind = NET_GUESS;
    return PKT_OK;
}

/* Follows the EtherType read at type_off, whose payload starts at off,
 * through VLAN tags, MPLS labels and PPPoE to an IP header. */
static enum pkt_status ethertype_walk(const uint8_t *d, uint32_t len, uint32_t type_off,
                                      uint32_t off, uint32_t *ip_off, enum net_kind *kind)
{
    uint16_t type;
    if (!have(len, 0, off) || !get_be16(d, len, type_off, &type))
        return PKT_DAMAGED;
    /* Each tag consumes 4 bytes of a frame of at most 2^32 bytes: ends. */
    for (;;) {
        switch (type) {
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD1:
        case ETH_QINQ_OLD2:
            /* TCI (2 bytes), then the next EtherType. */
            if (!get_be16(d, len, off + 2, &type))
                return PKT_DAMAGED;
            off += 4;
            continue;
        case ETH_MPLS_UC:
        case ETH_MPLS_MC:
            return mpls_walk(d, len, off, ip_off, kind);
        case ETH_PPPOE_SESSION: {
            /* ver/type, code, session id, length; then the PPP protocol. */
            uint16_t proto;
            if (!get_be16(d, len, off + 6, &proto))
                return PKT_DAMAGED;
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

/* PPP with or without HDLC address/control bytes and with or without
 * protocol field compression. */
static enum pkt_status ppp_walk(const uint8_t *d, uint32_t len, int serial, uint32_t *ip_off,
                                enum net_kind *kind)
{
    uint32_t off = 0;
    uint8_t b0, b1;
    if (!get_u8(d, len, 0, &b0))
        return PKT_DAMAGED;
    /* Cisco HDLC framing shows up under DLT_PPP_SERIAL: not decoded. */
    if (serial && (b0 == 0x0f || b0 == 0x8f))
        return PKT_UNSUPPORTED;
    if (b0 == 0xff) {
        if (!get_u8(d, len, 1, &b1))
            return PKT_DAMAGED;
        if (b1 == 0x03)
            off = 2;
    }
    uint16_t proto;
    uint8_t p0;
    if (!get_u8(d, len, off, &p0))
        return PKT_DAMAGED;
    if (p0 & 1) { /* compressed: a one-byte protocol */
        proto = p0;
        off += 1;
    } else {
        if (!get_be16(d, len, off, &proto))
            return PKT_DAMAGED;
        off += 2;
    }
    if (proto == PPP_MPLS_UC || proto == PPP_MPLS_MC)
        return mpls_walk(d, len, off, ip_off, kind);
    if (proto == PPP_IPV4)
        *kind = NET_IPV4;
    else if (proto == PPP_IPV6)
        *kind = NET_IPV6;
    else
        return PKT_NOT_IP;
    *ip_off = off;
    return PKT_OK;
}

static enum pkt_status link_walk(int dlt, const uint8_t *d, uint32_t len, uint32_t *ip_off,
                                 enum net_kind *kind)
{
    uint32_t af;
    switch (dlt) {
    case LT_EN10MB:
        /* dst(6) src(6) type(2) */
        return ethertype_walk(d, len, 12, 14, ip_off, kind);
    case LT_LINUX_SLL:
        /* pkttype(2) hatype(2) halen(2) addr(8) protocol(2) */
        return ethertype_walk(d, len, 14, 16, ip_off, kind);
    case LT_LINUX_SLL2:
        /* protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
        return ethertype_walk(d, len, 0, 20, ip_off, kind);
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
        if (!have(len, 0, 4))
            return PKT_DAMAGED;
        /* host byte order of the capturing machine: either order */
        af = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
        if ((af & 0xffff0000u) != 0)
            af = (af >> 24) | ((af >> 8) & 0xff00u) | ((af << 8) & 0xff0000u) | (af << 24);
        *ip_off = 4;
        if (af_kind(af, kind) == PKT_OK)
            return PKT_OK;
        /* Some systems put an EtherType in the last two bytes instead. */
        if (d[2] == 0x08 && d[3] == 0x00) {
            *kind = NET_IPV4;
            return PKT_OK;
        }
        if (d[2] == 0x86 && d[3] == 0xdd) {
            *kind = NET_IPV6;
            return PKT_OK;
        }
        return PKT_NOT_IP;
    case LT_LOOP:
        if (!get_be32(d, len, 0, &af))
            return PKT_DAMAGED;
        *ip_off = 4;
        return af_kind(af, kind);
    case LT_PPP:
        return ppp_walk(d, len, 0, ip_off, kind);
    case LT_PPP_SERIAL:
        return ppp_walk(d, len, 1, ip_off, kind);
    default:
        return PKT_UNSUPPORTED;
    }
}

int pkt_linktype_supported(int dlt)
{
    switch (dlt) {
    case LT_NULL:
    case LT_EN10MB:
    case LT_PPP:
    case LT_RAW_A:
    case LT_RAW_B:
    case LT_PPP_SERIAL:
    case LT_RAW:
    case LT_LOOP:
    case LT_LINUX_SLL:
    case LT_IPV4:
    case LT_IPV6:
    case LT_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

/* ---- transport ---------------------------------------------------------- */

/* Fills ports, tcp_seq and the transport header length of the first
 * fragment (or unfragmented packet) whose transport header starts at off. */
static enum pkt_status transport(const uint8_t *d, uint32_t len, uint32_t off, uint8_t proto,
                                 struct ts_record *out, uint32_t *l4_hdr)
{
    uint16_t sport, dport;
    uint8_t type, code, doff;
    *l4_hdr = 0;
    switch (proto) {
    case IPP_TCP:
        /* ports, sequence number and data offset (byte 12) are needed */
        if (!get_be16(d, len, off, &sport) || !get_be16(d, len, off + 2, &dport) ||
            !get_be32(d, len, off + 4, &out->tcp_seq) || !get_u8(d, len, off + 12, &doff))
            return PKT_DAMAGED;
        out->sport = sport;
        out->dport = dport;
        out->tcp_seq_valid = true;
        *l4_hdr = (uint32_t)(doff >> 4) * 4;
        return PKT_OK;
    case IPP_UDP:
        if (!get_be16(d, len, off, &sport) || !get_be16(d, len, off + 2, &dport))
            return PKT_DAMAGED;
        out->sport = sport;
        out->dport = dport;
        *l4_hdr = 8;
        return PKT_OK;
    case IPP_ICMP:
    case IPP_ICMPV6:
        /* type and code as ports; the ICMP header counts as payload */
        if (!get_u8(d, len, off, &type) || !get_u8(d, len, off + 1, &code))
            return PKT_DAMAGED;
        out->sport = type;
        out->dport = code;
        return PKT_OK;
    default:
        return PKT_OK;
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
static enum pkt_status ah_walk(const uint8_t *d, uint32_t len, uint32_t *p, uint8_t *nh)
{
    while (*nh == IPP_AH) {
        uint8_t next, hl;
        if (!get_u8(d, len, *p, &next) || !get_u8(d, len, *p + 1, &hl))
            return PKT_DAMAGED;
        *p += ((uint32_t)hl + 2) * 4;
        *nh = next;
    }
    return PKT_OK;
}

static enum pkt_status ipv4(const uint8_t *d, uint32_t len, uint32_t off, uint32_t wirelen,
                            struct ts_record *out)
{
    if (!have(len, off, 20))
        return PKT_DAMAGED;
    const uint8_t *h = d + off;
    if ((h[0] >> 4) != 4)
        return PKT_DAMAGED;
    uint32_t hlen = (uint32_t)(h[0] & 0x0f) * 4;
    if (hlen < 20)
        return PKT_DAMAGED;
    uint64_t total = (uint16_t)((uint16_t)h[2] << 8 | h[3]);
    uint16_t fragw = (uint16_t)((uint16_t)h[6] << 8 | h[7]);
    uint16_t frag_off = fragw & 0x1fff;
    int more = (fragw & 0x2000) != 0;

    /* Total length 0: a capture before TCP segmentation offload; the IP
     * packet is the rest of the frame on the wire. */
    if (total == 0)
        total = wirelen > off ? wirelen - off : 0;
    if (total < hlen)
        return PKT_DAMAGED; /* shorter than its own header: invalid */

    out->proto = h[9];
    out->src.len = 4;
    memcpy(out->src.b, h + 12, 4);
    out->dst.len = 4;
    memcpy(out->dst.b, h + 16, 4);
    out->bytes = total;
    out->frag = (uint8_t)(more || frag_off != 0);

    uint32_t p = off + hlen, l4_hdr = 0;
    if (frag_off == 0) {
        uint8_t nh = out->proto;
        enum pkt_status st = ah_walk(d, len, &p, &nh);
        if (st == PKT_OK)
            st = transport(d, len, p, nh, out, &l4_hdr);
        if (st != PKT_OK)
            return st;
    }
    out->payload = sub0(total, (uint64_t)(p - off) + l4_hdr);
    return PKT_OK;
}

/* Checks the TLV options of a hop-by-hop or destination options header of
 * hlen bytes at p (captured). Returns 1 when they fill it exactly. */
static int ipv6_options_ok(const uint8_t *d, uint32_t p, uint32_t hlen)
{
    uint32_t o = 2;
    while (o < hlen) {
        if (d[p + o] == 0) { /* Pad1 */
            o++;
            continue;
        }
        if (hlen - o < 2 || (uint32_t)d[p + o + 1] > hlen - o - 2)
            return 0;
        o += 2u + d[p + o + 1];
    }
    return 1;
}

static enum pkt_status ipv6(const uint8_t *d, uint32_t len, uint32_t off, struct ts_record *out)
{
    if (!have(len, off, 40))
        return PKT_DAMAGED;
    const uint8_t *h = d + off;
    if ((h[0] >> 4) != 6)
        return PKT_DAMAGED;
    uint16_t plen = (uint16_t)((uint16_t)h[4] << 8 | h[5]);
    uint8_t nh = h[6];
    out->src.len = 16;
    memcpy(out->src.b, h + 8, 16);
    out->dst.len = 16;
    memcpy(out->dst.b, h + 24, 16);
    out->bytes = 40u + (uint64_t)plen;

    /* Walk the extension headers; each is at least 8 bytes long, so the
     * walk ends within caplen / 8 steps. A chain that is invalid (bad
     * options, or longer than the payload) leaves the transport unknown:
     * protocol 0, no ports. */
    uint32_t p = off + 40;
    uint64_t end = plen != 0 ? (uint64_t)off + 40 + plen : UINT64_MAX;
    int later_fragment = 0, invalid = 0;
    for (;;) {
        uint8_t next, hl;
        uint32_t ext;
        if (nh == IPP_HOPOPTS || nh == IPP_ROUTING || nh == IPP_DSTOPTS) {
            if (!get_u8(d, len, p, &next) || !get_u8(d, len, p + 1, &hl))
                return PKT_DAMAGED;
            ext = ((uint32_t)hl + 1) * 8;
            if (nh != IPP_ROUTING) {
                if (!have(len, p, ext))
                    return PKT_DAMAGED;
                if (!ipv6_options_ok(d, p, ext))
                    invalid = 1;
            }
        } else if (nh == IPP_AH) {
            if (!get_u8(d, len, p, &next) || !get_u8(d, len, p + 1, &hl))
                return PKT_DAMAGED;
            ext = ((uint32_t)hl + 2) * 4;
        } else if (nh == IPP_FRAGMENT) {
            uint16_t fo;
            if (!get_u8(d, len, p, &next) || !get_be16(d, len, p + 2, &fo))
                return PKT_DAMAGED;
            ext = 8;
            out->frag = 1;
            if ((fo >> 3) != 0)
                later_fragment = 1;
        } else {
            break;
        }
        if ((uint64_t)p + ext > end)
            invalid = 1;
        if (invalid)
            break;
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
        if (!later_fragment) {
            enum pkt_status st = transport(d, len, p, nh, out, &l4_hdr);
            if (st != PKT_OK)
                return st;
        }
    }
    out->payload = sub0(out->bytes, (uint64_t)(p - off) + l4_hdr);
    return PKT_OK;
}

enum pkt_status pkt_decode(int dlt, const uint8_t *data, uint32_t caplen, struct ts_record *out)
{
    return pkt_decode_wire(dlt, data, caplen, caplen, out);
}

enum pkt_status pkt_decode_wire(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                struct ts_record *out)
{
    ts_record_clear(out);
    out->kind = TS_REC_PACKET;
    if (data == NULL)
        caplen = 0;

    uint32_t off = 0;
    enum net_kind kind = NET_NONE;
    enum pkt_status st = link_walk(dlt, data, caplen, &off, &kind);
    if (st != PKT_OK)
        return st;

    if (kind == NET_GUESS) {
        uint8_t v;
        if (!get_u8(data, caplen, off, &v))
            return PKT_DAMAGED;
        if ((v >> 4) == 4)
            kind = NET_IPV4;
        else if ((v >> 4) == 6)
            kind = NET_IPV6;
        else if (off == 0)
            return PKT_DAMAGED; /* a raw IP link without an IP header */
        else
            return PKT_NOT_IP; /* MPLS payload that is not IP (pseudowire) */
    }
    if (wirelen < caplen)
        wirelen = caplen;
    return kind == NET_IPV4 ? ipv4(data, caplen, off, wirelen, out) : ipv6(data, caplen, off, out);
}
