/*
 * tsgen: deterministic generator of benchmark and test inputs for
 * trace-summary: Zeek conn.log (TSV with the full header, or JSON lines) and
 * classic libpcap traces (Ethernet, IPv4/IPv6, TCP/UDP/ICMP), optionally
 * gzip-compressed.
 *
 * Traffic model (one record = one connection, or one packet for pcap):
 *   - H local source hosts (--hosts), ranked by a Zipf(S) popularity
 *     (--zipf; S = 0 is uniform). Host rank r has the address
 *     10.P/8 (IPv4) or 2001:db8:0:PPPP::PP (IPv6), P = a keyed 24-bit
 *     permutation of r, so popular hosts are scattered over the network.
 *     Whether a host is IPv6 is a fixed, seeded property of the host, drawn
 *     with probability --ipv6 F.
 *   - D remote destinations (--dst-hosts), Zipf(S) too, dual-stack: an
 *     IPv4 address outside 0/8, 10/8, 127/8 and 224/3, and an IPv6 address
 *     in 2600::/16; the family of a record follows its source.
 *   - Responder ports Zipf(S) over all 65535 ports, common service ports
 *     first; proto and service follow the port; 2.5% of records are ICMP
 *     (Zeek convention: orig_p = ICMP type, resp_p = ICMP code).
 *   - A share --oneoff F of records come from a fresh source address that
 *     never repeats (scans, spoofing): outside 10/8 (IPv4) or in 2a02::/16
 *     (IPv6), aimed at a uniformly chosen local host, mostly S0/REJ.
 *   - Time: record i is written at START + (i + u)/RATE (u uniform in
 *     [0,1)). pcap timestamps are exactly that (non-decreasing); conn.log ts
 *     is that minus a uniform jitter of up to --jitter seconds, because Zeek
 *     writes a line when the connection ends, so ts is not monotonic.
 *   - Flows (pcap, --flows A): by default every packet is a connection of
 *     its own. With --flows, a connection is a flow of K packets, K drawn
 *     from a Pareto distribution of shape A over 1, 2, ... (P(K >= k) =
 *     k^-A, at most FLOW_MAX; one-off sources send one packet), and W
 *     flows are open at a time (--flow-window): each packet belongs to an
 *     open flow chosen uniformly, so the packets of a flow are interleaved
 *     with those of the others as on a link, and a flow that has sent its
 *     K packets is replaced by a new connection. The packets of a flow
 *     share its addresses, ports and protocol and go from the originator
 *     to the responder. --oneoff is then the share of flows, not packets.
 *
 * Everything is drawn from one xoshiro256** stream seeded with splitmix64
 * from --seed, so the output depends only on the options (and, with --gzip,
 * on the zlib version).
 *
 * --exact-top N writes exact top-N tables to stderr (by records and by
 * bytes; sources, destinations, ports, protocols), with the tie order of
 * trace-summary (count descending, then key descending; addresses compared
 * as 4- or 16-byte strings) and without the keys port 0 and protocol 0,
 * which the report never shows. Ports are id.resp_p for conn logs, and
 * both ports of each packet for pcaps (ICMP type/code; 0/0 for non-first
 * fragments). Bytes are orig_bytes + resp_bytes (unset = 0) for conn logs
 * and the IP total length for packets.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "hash.h"

#define MAX_HOSTS (1u << 24)
#define OUTBUF_SIZE (1u << 20)
#define REC_RESERVE 4096
#define ICMP_SHARE 0.025
#define FLOW_MAX 100000u       /* packets of one flow, at most */
#define FLOW_WINDOW_MAX (1u << 20)

enum format { FMT_TSV, FMT_JSON, FMT_PCAP };

/* ---- PRNG: xoshiro256** seeded by splitmix64 (Blackman and Vigna) ---- */

struct rng {
    uint64_t s[4];
};

/* A bijection on 64-bit words (the splitmix64 finaliser). */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform double in [0, 1). */
static double rng_u01(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0 (multiply-shift; bias < n / 2^64). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)(((u128)rng_next(r) * n) >> 64);
}

/* Standard normal (Box-Muller, one value per call). */
static double rng_normal(struct rng *r)
{
    double u1 = 1.0 - rng_u01(r); /* (0, 1] */
    double u2 = rng_u01(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- Zipf sampling by rejection-inversion ------------------------------
 * W. Hormann and G. Derflinger, "Rejection-inversion to generate variates
 * from monotone discrete distributions", ACM TOMACS 6(3), 1996.
 * P(k) proportional to k^-s on 1..n. h(x) = x^-s, H is an antiderivative of
 * h; a continuous variate x is drawn from the hat (density h on
 * [0.5, n + 0.5]) by inverting H, rounded to k, and accepted when it falls
 * in the part of [k - 0.5, k + 0.5] whose mass equals h(k). O(1) memory,
 * a few exp/log per draw, acceptance rate close to 1. */

struct zipf {
    uint64_t n;
    double s;
    double hx1, hn, sconst;
};

static double helper_expm1_div(double y) /* expm1(y) / y */
{
    return fabs(y) > 1e-8 ? expm1(y) / y : 1.0 + y * 0.5 * (1.0 + y / 3.0);
}

static double helper_log1p_div(double y) /* log1p(y) / y */
{
    return fabs(y) > 1e-8 ? log1p(y) / y : 1.0 - y * (0.5 - y / 3.0);
}

static double zipf_h(const struct zipf *z, double x)
{
    return exp(-z->s * log(x));
}

static double zipf_H(const struct zipf *z, double x)
{
    double lx = log(x);
    return helper_expm1_div((1.0 - z->s) * lx) * lx;
}

static double zipf_Hinv(const struct zipf *z, double y)
{
    double t = y * (1.0 - z->s);
    if (t < -1.0)
        t = -1.0; /* rounding guard: keeps log1p finite */
    return exp(helper_log1p_div(t) * y);
}

static void zipf_init(struct zipf *z, uint64_t n, double s)
{
    z->n = n;
    z->s = s;
    if (s == 0.0)
        return;
    z->hx1 = zipf_H(z, 1.5) - 1.0;
    z->hn = zipf_H(z, (double)n + 0.5);
    z->sconst = 2.0 - zipf_Hinv(z, zipf_H(z, 2.5) - zipf_h(z, 2.0));
}

/* Returns a rank in [0, n): rank 0 is the most popular. */
static uint64_t zipf_draw(const struct zipf *z, struct rng *r)
{
    if (z->s == 0.0 || z->n == 1)
        return rng_below(r, z->n);
    for (;;) {
        double u = z->hn + rng_u01(r) * (z->hx1 - z->hn);
        double x = zipf_Hinv(z, u);
        double kd = floor(x + 0.5);
        if (kd < 1.0)
            kd = 1.0;
        else if (kd > (double)z->n)
            kd = (double)z->n;
        if (kd - x <= z->sconst || u >= zipf_H(z, kd + 0.5) - zipf_h(z, kd))
            return (uint64_t)kd - 1;
    }
}

/* ---- keyed permutations (address scattering) ---------------------------- */

/* A bijection on [0, 2^bits), 2 <= bits <= 32: rounds of xor with a key,
 * multiplication by an odd constant and a right xorshift, each invertible
 * modulo 2^bits. */
static uint32_t perm_bits(uint32_t x, unsigned bits, uint64_t key)
{
    static const uint64_t mul[3] = {0x9e3779b1u, 0x85ebca6bu, 0xc2b2ae35u};
    uint64_t m = (bits == 32) ? 0xffffffffu : ((uint64_t)1 << bits) - 1;
    uint64_t v = x;
    for (int i = 0; i < 3; i++) {
        v = (v ^ (key >> (i * 16))) & m;
        v = (v * mul[i]) & m;
        v ^= v >> (bits / 2);
    }
    return (uint32_t)v;
}

/* Public IPv4 space used for destinations and one-off sources: 1.0.0.0 to
 * 223.255.255.255 without 10/8 and 127/8. */
static int v4_public(uint32_t a)
{
    uint32_t top = a >> 24;
    return top >= 1 && top <= 223 && top != 10 && top != 127;
}

/* The j-th public address in a keyed order (a bijection from
 * [0, number of public addresses) onto them, by cycle-walking). */
static uint32_t v4_public_nth(uint64_t j, uint64_t key)
{
    uint64_t a = j + (1u << 24);
    if (a >= (10u << 24))
        a += 1u << 24;
    if (a >= (127u << 24))
        a += 1u << 24;
    uint32_t v = (uint32_t)a;
    do
        v = perm_bits(v, 32, key);
    while (!v4_public(v));
    return v;
}

#define V4_PUBLIC_COUNT ((uint64_t)221 << 24)

/* ---- traffic model ------------------------------------------------------ */

struct port_info {
    uint16_t port;
    uint8_t udp; /* 1: UDP service */
    const char *service;
};

/* Ranked by typical popularity; ports after these come in a seeded order. */
static const struct port_info common_ports[] = {
    {443, 0, "ssl"},        {80, 0, "http"},     {53, 1, "dns"},   {123, 1, "ntp"},
    {22, 0, "ssh"},         {8080, 0, "http"},   {25, 0, "smtp"},  {993, 0, "ssl"},
    {445, 0, "gssapi,smb"}, {5353, 1, "dns"},    {137, 1, "dns"},  {3389, 0, "rdp"},
    {587, 0, "smtp"},       {8443, 0, "ssl"},    {1900, 1, NULL},  {389, 0, "ldap"},
    {88, 0, "krb_tcp"},     {143, 0, "imap"},    {995, 0, "ssl"},  {161, 1, "snmp"},
    {3306, 0, "mysql"},     {21, 0, "ftp"},      {110, 0, "pop3"}, {67, 1, "dhcp"},
    {500, 1, NULL},         {514, 1, "syslog"},  {5060, 1, "sip"}, {1194, 1, NULL},
    {6667, 0, "irc"},       {135, 0, "dce_rpc"},
};
#define N_COMMON (sizeof common_ports / sizeof common_ports[0])

enum state {
    ST_SF,
    ST_S0,
    ST_REJ,
    ST_RSTO,
    ST_RSTR,
    ST_SH,
    ST_S1,
    ST_OTH,
    ST_RSTOS0,
    ST_S2,
    ST_S3,
    ST_SHR,
    ST_RSTRH,
    ST_COUNT
};
static const char *const state_name[ST_COUNT] = {
    "SF", "S0", "REJ", "RSTO", "RSTR", "SH", "S1", "OTH", "RSTOS0", "S2", "S3", "SHR", "RSTRH"};
static const char *const tcp_history[ST_COUNT] = {"ShADadfF", "S",    "Sr", "ShADadR", "ShADadr",
                                                  "SF",       "ShAD", "CC", "SR",      "ShADF",
                                                  "ShADf",    "hF",   "Shr"};

struct cum {
    double p;
    enum state st;
};
static const struct cum tcp_states[] = {
    {0.62, ST_SF},  {0.77, ST_S0},   {0.85, ST_REJ},  {0.90, ST_RSTO},    {0.94, ST_RSTR},
    {0.955, ST_SH}, {0.97, ST_S1},   {0.98, ST_OTH},  {0.985, ST_RSTOS0}, {0.99, ST_S2},
    {0.995, ST_S3}, {0.998, ST_SHR}, {1.01, ST_RSTRH}};
static const struct cum udp_states[] = {
    {0.62, ST_SF}, {0.92, ST_S0}, {0.97, ST_SHR}, {1.01, ST_OTH}};

struct rec {
    uint64_t ts_us; /* conn: start (jittered); pcap: packet time */
    int v6;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint8_t proto; /* 6, 17, 1 (ICMP; 58 on IPv6 packets) */
    uint8_t oneoff;
    const char *service; /* NULL: unset */
    enum state state;
    int64_t dur_us;         /* -1: unset */
    int64_t obytes, rbytes; /* -1: unset */
    uint64_t opkts, rpkts, oip, rip;
    uint32_t src_rank; /* local host rank (population source, or oneoff target) */
    uint32_t dst_rank; /* remote destination rank (not oneoff) */
    unsigned port_idx; /* index into common_ports, or N_COMMON */
};

struct gen {
    enum format fmt;
    uint64_t records;
    uint32_t hosts, dst_hosts;
    double zipf_s, oneoff, ipv6;
    uint32_t snaplen;
    uint64_t seed;
    uint64_t start_us;
    double rate, jitter_s;
    double flow_alpha;    /* > 0: flow-structured pcap (--flows) */
    uint32_t flow_window; /* open flows (--flow-window) */
    struct rng rng;
    struct zipf zsrc, zdst, zport;
    uint64_t key_src, key_dst, key_v6, key_one, key_port;
    uint16_t port_by_rank[65535];
    uint8_t port_common_idx[65536]; /* index into common_ports, N_COMMON if none */
    uint64_t oneoff_v4, oneoff_v6;  /* counters of fresh sources */
};

static int host_is_v6(const struct gen *g, uint32_t rank)
{
    if (g->ipv6 <= 0.0)
        return 0;
    return (double)(mix64(rank ^ g->key_v6) >> 11) * 0x1.0p-53 < g->ipv6;
}

static void local_addr(const struct gen *g, uint32_t rank, int v6, uint8_t out[16])
{
    uint32_t p = perm_bits(rank, 24, g->key_src);
    memset(out, 0, 16);
    if (!v6) {
        out[0] = 10;
        out[1] = (uint8_t)(p >> 16);
        out[2] = (uint8_t)(p >> 8);
        out[3] = (uint8_t)p;
    } else {
        static const uint8_t pfx[4] = {0x20, 0x01, 0x0d, 0xb8};
        memcpy(out, pfx, 4);
        out[6] = (uint8_t)(p >> 16);
        out[7] = (uint8_t)(p >> 8);
        out[15] = (uint8_t)p;
    }
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static void remote_addr(const struct gen *g, uint32_t rank, int v6, uint8_t out[16])
{
    memset(out, 0, 16);
    if (!v6) {
        put_be32(out, v4_public_nth(rank, g->key_dst));
    } else {
        out[0] = 0x26;
        out[1] = 0x00;
        out[3] = (uint8_t)(rank & 0xff); /* some /32 spread */
        put_be64(out + 8, mix64(rank ^ g->key_dst));
    }
}

static void oneoff_addr(struct gen *g, int v6, uint8_t out[16])
{
    memset(out, 0, 16);
    if (!v6) {
        put_be32(out, v4_public_nth(g->oneoff_v4++ % V4_PUBLIC_COUNT, g->key_one));
    } else {
        uint64_t c = g->oneoff_v6++;
        out[0] = 0x2a;
        out[1] = 0x02;
        out[2] = (uint8_t)(c >> 8); /* varies the /32 a little; uniqueness from the low half */
        put_be64(out + 8, mix64(c ^ g->key_one));
    }
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static enum state pick_state(struct rng *r, const struct cum *t)
{
    double u = rng_u01(r);
    while (u >= t->p)
        t++;
    return t->st;
}

/* Fills the connection-level fields (shared by conn logs and pcaps). */
static void gen_next(struct gen *g, uint64_t i, struct rec *rc)
{
    struct rng *r = &g->rng;
    double u = rng_u01(r);
    uint64_t base_us = g->start_us + (uint64_t)(((double)i + u) * 1e6 / g->rate);
    int scan;
    uint16_t port;

    memset(rc, 0, sizeof *rc);
    if (g->oneoff > 0.0 && rng_u01(r) < g->oneoff) {
        scan = 1;
        rc->oneoff = 1;
        rc->src_rank = (uint32_t)rng_below(r, g->hosts); /* the target */
        rc->v6 = host_is_v6(g, rc->src_rank);
        oneoff_addr(g, rc->v6, rc->src);
        local_addr(g, rc->src_rank, rc->v6, rc->dst);
        if (rng_next(r) & 1)
            port = g->port_by_rank[zipf_draw(&g->zport, r)];
        else
            port = (uint16_t)(1 + rng_below(r, 65535));
    } else {
        scan = 0;
        rc->src_rank = (uint32_t)zipf_draw(&g->zsrc, r);
        rc->dst_rank = (uint32_t)zipf_draw(&g->zdst, r);
        rc->v6 = host_is_v6(g, rc->src_rank);
        local_addr(g, rc->src_rank, rc->v6, rc->src);
        remote_addr(g, rc->dst_rank, rc->v6, rc->dst);
        port = g->port_by_rank[zipf_draw(&g->zport, r)];
    }
    rc->port_idx = g->port_common_idx[port];
    rc->sport = (uint16_t)(1024 + rng_below(r, 65536 - 1024));
    rc->dport = port;

    if (rng_u01(r) < ICMP_SHARE) {
        static const uint8_t types[][2] = {{8, 0}, {8, 0}, {8, 0}, {3, 3}, {3, 1}, {11, 0}, {0, 0}};
        const uint8_t *tc = types[rng_below(r, 7)];
        rc->proto = 1;
        rc->sport = tc[0];
        rc->dport = tc[1];
        rc->port_idx = N_COMMON;
        rc->state = ST_OTH;
        if (rc->v6) { /* ICMPv6 echo request / unreachable / time exceeded */
            rc->sport = tc[0] == 8 ? 128 : (tc[0] == 0 ? 129 : (tc[0] == 3 ? 1 : 3));
            rc->dport = tc[0] == 3 ? (uint16_t)(tc[1] == 3 ? 4 : 3) : 0;
        }
    } else {
        int udp = rc->port_idx < N_COMMON ? common_ports[rc->port_idx].udp
                                          : ((mix64(port ^ g->key_port) & 7) == 0);
        rc->proto = udp ? 17 : 6;
        if (scan)
            rc->state = udp ? ST_S0 : ((rng_next(r) & 3) ? ST_S0 : ST_REJ);
        else
            rc->state = pick_state(r, udp ? udp_states : tcp_states);
    }

    /* service: known only when a dialogue took place */
    if (rc->proto != 1 && rc->port_idx < N_COMMON &&
        (rc->state == ST_SF || rc->state == ST_RSTO || rc->state == ST_RSTR || rc->state == ST_S1 ||
         rc->state == ST_S2 || rc->state == ST_S3) &&
        rng_u01(r) < 0.9)
        rc->service = common_ports[rc->port_idx].service;

    /* duration and bytes */
    int established = rc->state == ST_SF || rc->state == ST_RSTO || rc->state == ST_RSTR ||
                      rc->state == ST_S1 || rc->state == ST_S2 || rc->state == ST_S3 ||
                      rc->state == ST_SHR || (rc->proto == 1 && !scan);
    if (!established && (rng_next(r) & 1)) {
        rc->dur_us = -1;
        rc->obytes = -1;
        rc->rbytes = -1;
    } else if (!established) {
        rc->dur_us = (int64_t)(rng_u01(r) * 3e6);
        rc->obytes = 0;
        rc->rbytes = 0;
    } else {
        double ob = clampd(exp(5.5 + 1.8 * rng_normal(r)), 0, 2e9);
        double rb = clampd(exp(7.0 + 2.3 * rng_normal(r)), 0, 4e9);
        if (rc->proto == 1) {
            ob = 64.0 * (double)(1 + rng_below(r, 8));
            rb = rc->state == ST_OTH ? ob : 0;
        }
        if (rc->state == ST_SHR)
            ob = 0;
        double dur = clampd(exp(-1.0 + 2.2 * rng_normal(r)), 1e-6, 86400);
        /* keep each direction under 100 Mbit/s so no line trips the
         * original's 700 Mbit/s plausibility check */
        double need = (ob > rb ? ob : rb) * 8.0 / 1048576.0 / 100.0;
        if (dur < need)
            dur = need * (1.0 + rng_u01(r));
        rc->dur_us = (int64_t)(dur * 1e6) + 1;
        rc->obytes = (int64_t)ob;
        rc->rbytes = (int64_t)rb;
        if (rng_u01(r) < 0.03)
            rc->rbytes = 0;
    }
    uint64_t ob = rc->obytes > 0 ? (uint64_t)rc->obytes : 0;
    uint64_t rb = rc->rbytes > 0 ? (uint64_t)rc->rbytes : 0;
    unsigned hdr = rc->proto == 6 ? (rc->v6 ? 60 : 40) : (rc->proto == 17 ? 28 : 20);
    rc->opkts = 1 + ob / 1400 + (ob > 0);
    rc->rpkts = (rc->state == ST_S0 || rc->state == ST_SH || rc->state == ST_RSTOS0)
                    ? 0
                    : 1 + rb / 1400 + (rb > 0);
    if (rc->state == ST_REJ)
        rc->rpkts = 1;
    rc->oip = ob + rc->opkts * hdr;
    rc->rip = rb + rc->rpkts * hdr;

    if (g->fmt == FMT_PCAP) {
        rc->ts_us = base_us;
    } else {
        uint64_t jit = (uint64_t)(rng_u01(r) * g->jitter_s * 1e6);
        /* never before --start */
        rc->ts_us = base_us + (uint64_t)(g->jitter_s * 1e6) - jit;
    }
}

/* ---- output ------------------------------------------------------------- */

struct out {
    const char *name;
    FILE *fp;
    gzFile gz;
    char *buf;
    size_t len;
    uint64_t total;
    int failed;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("tsgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void out_flush(struct out *o)
{
    if (o->len == 0)
        return;
    if (o->gz) {
        if (gzwrite(o->gz, o->buf, (unsigned)o->len) != (int)o->len) {
            int zerr;
            const char *m = gzerror(o->gz, &zerr);
            die("'%s': write failed: %s", o->name,
                zerr == Z_ERRNO ? strerror(errno) : (m ? m : "zlib error"));
        }
    } else if (fwrite(o->buf, 1, o->len, o->fp) != o->len) {
        die("'%s': write failed: %s", o->name, strerror(errno));
    }
    o->total += o->len;
    o->len = 0;
}

/* Returns a write pointer with at least REC_RESERVE free bytes. */
static char *out_begin(struct out *o)
{
    if (o->len + REC_RESERVE > OUTBUF_SIZE)
        out_flush(o);
    return o->buf + o->len;
}

static void out_end(struct out *o, char *p)
{
    o->len = (size_t)(p - o->buf);
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Microseconds as seconds with six decimals. */
static char *put_us(char *p, uint64_t us)
{
    p = put_u64(p, us / 1000000);
    *p++ = '.';
    uint32_t f = (uint32_t)(us % 1000000);
    for (int d = 100000; d >= 1; d /= 10) {
        *p++ = (char)('0' + f / (uint32_t)d);
        f %= (uint32_t)d;
    }
    return p;
}

static char *put_addr(char *p, int v6, const uint8_t *a)
{
    if (!v6) {
        for (int i = 0; i < 4; i++) {
            if (i)
                *p++ = '.';
            p = put_u64(p, a[i]);
        }
        return p;
    }
    char tmp[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, a, tmp, sizeof tmp))
        die("cannot format an IPv6 address");
    return put_str(p, tmp);
}

static char *put_uid(char *p, struct rng *r)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t a = rng_next(r), b = rng_next(r);
    *p++ = 'C';
    for (int i = 0; i < 10; i++, a /= 62)
        *p++ = b62[a % 62];
    for (int i = 0; i < 7; i++, b /= 62)
        *p++ = b62[b % 62];
    return p;
}

static const char *proto_name(uint8_t proto)
{
    return proto == 6 ? "tcp" : (proto == 17 ? "udp" : "icmp");
}

static const char *history(const struct rec *rc)
{
    if (rc->proto == 6)
        return tcp_history[rc->state];
    if (rc->proto == 17)
        return rc->state == ST_SF ? "Dd" : (rc->state == ST_SHR ? "d" : "D");
    return NULL;
}

static void format_time(char *buf, size_t n, uint64_t us)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%d-%H-%M-%S", &tm) == 0)
        snprintf(buf, n, "%" PRIu64, us / 1000000);
}

static void tsv_header(struct out *o, uint64_t start_us)
{
    char tbuf[64];
    format_time(tbuf, sizeof tbuf, start_us);
    char *p = out_begin(o);
    p = put_str(p, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                   "#unset_field\t-\n#path\tconn\n#open\t");
    p = put_str(p, tbuf);
    p = put_str(p, "\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
                   "service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\t"
                   "local_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
                   "resp_ip_bytes\ttunnel_parents\n"
                   "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\t"
                   "count\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\t"
                   "count\tset[string]\n");
    out_end(o, p);
}

static void tsv_footer(struct out *o, uint64_t end_us)
{
    char tbuf[64];
    format_time(tbuf, sizeof tbuf, end_us);
    char *p = out_begin(o);
    p = put_str(p, "#close\t");
    p = put_str(p, tbuf);
    *p++ = '\n';
    out_end(o, p);
}

static char *put_opt_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return p;
    }
    return put_u64(p, (uint64_t)v);
}

static void tsv_write(struct out *o, struct rng *r, const struct rec *rc)
{
    char *p = out_begin(o);
    const char *h = history(rc);
    p = put_us(p, rc->ts_us);
    *p++ = '\t';
    p = put_uid(p, r);
    *p++ = '\t';
    p = put_addr(p, rc->v6, rc->src);
    *p++ = '\t';
    p = put_u64(p, rc->sport);
    *p++ = '\t';
    p = put_addr(p, rc->v6, rc->dst);
    *p++ = '\t';
    p = put_u64(p, rc->dport);
    *p++ = '\t';
    p = put_str(p, proto_name(rc->proto));
    *p++ = '\t';
    p = put_str(p, rc->service ? rc->service : "-");
    *p++ = '\t';
    if (rc->dur_us < 0)
        *p++ = '-';
    else
        p = put_us(p, (uint64_t)rc->dur_us);
    *p++ = '\t';
    p = put_opt_i64(p, rc->obytes);
    *p++ = '\t';
    p = put_opt_i64(p, rc->rbytes);
    *p++ = '\t';
    p = put_str(p, state_name[rc->state]);
    p = put_str(p, rc->oneoff ? "\tF\tT\t0\t" : "\tT\tF\t0\t");
    p = put_str(p, h ? h : "-");
    *p++ = '\t';
    p = put_u64(p, rc->opkts);
    *p++ = '\t';
    p = put_u64(p, rc->oip);
    *p++ = '\t';
    p = put_u64(p, rc->rpkts);
    *p++ = '\t';
    p = put_u64(p, rc->rip);
    p = put_str(p, "\t(empty)\n");
    out_end(o, p);
}

/* Zeek's JSON writer omits unset fields and empty sets. */
static void json_write(struct out *o, struct rng *r, const struct rec *rc)
{
    char *p = out_begin(o);
    const char *h = history(rc);
    p = put_str(p, "{\"ts\":");
    p = put_us(p, rc->ts_us);
    p = put_str(p, ",\"uid\":\"");
    p = put_uid(p, r);
    p = put_str(p, "\",\"id.orig_h\":\"");
    p = put_addr(p, rc->v6, rc->src);
    p = put_str(p, "\",\"id.orig_p\":");
    p = put_u64(p, rc->sport);
    p = put_str(p, ",\"id.resp_h\":\"");
    p = put_addr(p, rc->v6, rc->dst);
    p = put_str(p, "\",\"id.resp_p\":");
    p = put_u64(p, rc->dport);
    p = put_str(p, ",\"proto\":\"");
    p = put_str(p, proto_name(rc->proto));
    *p++ = '"';
    if (rc->service) {
        p = put_str(p, ",\"service\":\"");
        p = put_str(p, rc->service);
        *p++ = '"';
    }
    if (rc->dur_us >= 0) {
        p = put_str(p, ",\"duration\":");
        p = put_us(p, (uint64_t)rc->dur_us);
    }
    if (rc->obytes >= 0) {
        p = put_str(p, ",\"orig_bytes\":");
        p = put_u64(p, (uint64_t)rc->obytes);
    }
    if (rc->rbytes >= 0) {
        p = put_str(p, ",\"resp_bytes\":");
        p = put_u64(p, (uint64_t)rc->rbytes);
    }
    p = put_str(p, ",\"conn_state\":\"");
    p = put_str(p, state_name[rc->state]);
    p = put_str(p, rc->oneoff ? "\",\"local_orig\":false,\"local_resp\":true"
                              : "\",\"local_orig\":true,\"local_resp\":false");
    p = put_str(p, ",\"missed_bytes\":0");
    if (h) {
        p = put_str(p, ",\"history\":\"");
        p = put_str(p, h);
        *p++ = '"';
    }
    p = put_str(p, ",\"orig_pkts\":");
    p = put_u64(p, rc->opkts);
    p = put_str(p, ",\"orig_ip_bytes\":");
    p = put_u64(p, rc->oip);
    p = put_str(p, ",\"resp_pkts\":");
    p = put_u64(p, rc->rpkts);
    p = put_str(p, ",\"resp_ip_bytes\":");
    p = put_u64(p, rc->rip);
    p = put_str(p, "}\n");
    out_end(o, p);
}

/* ---- pcap --------------------------------------------------------------- */

/* Payload bytes come from a fixed pseudo-random block; prefix sums of its
 * big-endian 16-bit words give any payload's checksum contribution in O(1). */
#define PBLOCK 4096
struct payload {
    uint8_t block[2 * PBLOCK];   /* the block twice: no wrap when copying */
    uint64_t prefix[PBLOCK + 1]; /* prefix[i]: sum of words 0..i-1 of the doubled block */
};

static void payload_init(struct payload *pl, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed ^ 0x5041594c4f4144u);
    for (size_t i = 0; i < PBLOCK; i += 8) {
        uint64_t v = rng_next(&r);
        memcpy(pl->block + i, &v, 8);
    }
    memcpy(pl->block + PBLOCK, pl->block, PBLOCK);
    pl->prefix[0] = 0;
    for (size_t w = 0; w < PBLOCK; w++)
        pl->prefix[w + 1] =
            pl->prefix[w] + ((uint64_t)pl->block[2 * w] << 8 | pl->block[2 * w + 1]);
}

/* Sum of the big-endian 16-bit words of bytes [off, off + len) of the
 * doubled block, off even and < PBLOCK, len <= PBLOCK; an odd tail byte is
 * padded with zero, as the Internet checksum does. */
static uint64_t payload_sum(const struct payload *pl, size_t off, size_t len)
{
    size_t w0 = off / 2, nw = len / 2;
    uint64_t sum = pl->prefix[w0 + nw] - pl->prefix[w0];
    if (len & 1)
        sum += (uint64_t)pl->block[off + len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint64_t sum_words(const uint8_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint64_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint64_t)p[n - 1] << 8;
    return s;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_le32(char *p, uint32_t v)
{
    p[0] = (char)(v & 0xff);
    p[1] = (char)((v >> 8) & 0xff);
    p[2] = (char)((v >> 16) & 0xff);
    p[3] = (char)(v >> 24);
}

static void pcap_header(struct out *o, uint32_t snaplen)
{
    char *p = out_begin(o);
    put_le32(p, 0xa1b2c3d4u);
    p[4] = 2; /* version 2.4, little-endian */
    p[5] = 0;
    p[6] = 4;
    p[7] = 0;
    put_le32(p + 8, 0);  /* thiszone */
    put_le32(p + 12, 0); /* sigfigs */
    put_le32(p + 16, snaplen);
    put_le32(p + 20, 1); /* LINKTYPE_ETHERNET */
    out_end(o, p + 24);
}

struct pkt_info {
    uint32_t iplen;
    uint16_t sport, dport; /* as counted: 0/0 for non-first fragments */
    uint8_t proto;
};

/* Builds one packet of the connection in rc into the output. */
static void pcap_write(struct out *o, struct rng *r, const struct payload *pl, uint32_t snaplen,
                       const struct rec *rc, struct pkt_info *pi)
{
    uint8_t pkt[2048];
    size_t l3 = 14, l4, plen = 0;
    int frag = 0; /* 0 none, 1 first, 2 later */
    uint8_t proto = rc->proto;
    if (rc->v6 && proto == 1)
        proto = 58;
    unsigned tcp_hlen = (rng_next(r) & 3) == 0 ? 32 : 20;

    /* payload size */
    if (proto == 6) {
        double u = rng_u01(r);
        if (rc->oneoff || u < 0.4)
            plen = 0;
        else if (u < 0.75)
            plen = rc->v6 ? 1428 : 1448;
        else
            plen = 1 + rng_below(r, 1448);
    } else if (proto == 17) {
        double u = rng_u01(r);
        plen = u < 0.8 ? 20 + rng_below(r, 480) : 1000 + rng_below(r, 400);
        if (!rc->v6 && u >= 0.97) {
            plen = 1473 + rng_below(r, 2000); /* needs fragmentation */
            frag = (rng_next(r) & 1) ? 1 : 2;
        }
    } else {
        plen = 56;
    }

    memset(pkt, 0, 14 + 60 + 8);
    /* Ethernet */
    static const uint8_t dmac[6] = {0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10};
    memcpy(pkt, dmac, 6);
    pkt[6] = 0x02;
    pkt[7] = 0x42;
    memcpy(pkt + 8, rc->src + (rc->v6 ? 12 : 0), 4);
    put_be16(pkt + 12, rc->v6 ? 0x86dd : 0x0800);

    size_t thlen = proto == 6 ? tcp_hlen : 8; /* UDP, ICMP, ICMPv6 headers */
    size_t dgram = thlen + plen;              /* transport datagram */
    size_t iphl, iplen, carried, tstart;      /* bytes of datagram carried */
    if (!rc->v6) {
        iphl = 20;
        if (frag == 1)
            carried = 1480;
        else if (frag == 2)
            carried = dgram - 1480;
        else
            carried = dgram;
        iplen = iphl + carried;
        uint8_t *ip = pkt + l3;
        ip[0] = 0x45;
        put_be16(ip + 2, (uint16_t)iplen);
        put_be16(ip + 4, (uint16_t)rng_next(r));
        uint16_t ff = 0;
        if (frag == 1)
            ff = 0x2000; /* MF */
        else if (frag == 2)
            ff = 1480 / 8;
        else if (proto == 6)
            ff = 0x4000; /* DF */
        put_be16(ip + 6, ff);
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, rc->src, 4);
        memcpy(ip + 16, rc->dst, 4);
        put_be16(ip + 10, csum_fold(sum_words(ip, 20)));
        l4 = l3 + 20;
    } else {
        size_t ext = (rng_next(r) & 63) == 0 ? 8 : 0; /* sometimes a Hop-by-Hop header */
        iphl = 40 + ext;
        carried = dgram;
        iplen = iphl + carried;
        uint8_t *ip = pkt + l3;
        ip[0] = 0x60;
        put_be16(ip + 4, (uint16_t)(iplen - 40));
        ip[6] = ext ? 0 : proto;
        ip[7] = 64;
        memcpy(ip + 8, rc->src, 16);
        memcpy(ip + 24, rc->dst, 16);
        if (ext) {
            memset(ip + 40, 0, 8);
            ip[40] = proto;
            ip[41] = 0;
            ip[42] = 1; /* PadN, 4 bytes of padding */
            ip[43] = 4;
        }
        l4 = l3 + iphl;
    }

    /* transport header and payload (only the captured part is built) */
    size_t wire = 14 + iplen;
    if (wire < 60)
        wire = 60; /* Ethernet padding: frame length > 14 + IP length */
    size_t cap = wire < snaplen ? wire : snaplen;
    size_t build = cap; /* bytes of pkt to fill */
    size_t poff = 2 * rng_below(r, PBLOCK / 2);

    pi->iplen = (uint32_t)iplen;
    pi->proto = proto; /* the IP protocol number: 58 for ICMPv6 */
    pi->sport = rc->sport;
    pi->dport = rc->dport;
    if (frag == 2) {
        pi->sport = pi->dport = 0;
        tstart = 0;
        /* payload of a later fragment: the datagram from byte 1480 */
        size_t n = carried;
        size_t nbuild = build > l4 ? build - l4 : 0;
        if (nbuild > n)
            nbuild = n;
        memcpy(pkt + l4, pl->block + poff, nbuild > PBLOCK ? PBLOCK : nbuild);
    } else {
        uint8_t *t = pkt + l4;
        uint64_t ps = 0; /* pseudo-header sum */
        if (!rc->v6) {
            ps = sum_words(rc->src, 4) + sum_words(rc->dst, 4) + proto + dgram;
        } else {
            ps = sum_words(rc->src, 16) + sum_words(rc->dst, 16) + proto + dgram;
        }
        memset(t, 0, thlen);
        if (proto == 6) {
            uint8_t flags;
            uint32_t seq = (uint32_t)rng_next(r);
            if (rc->oneoff) {
                flags = 0x02;
            } else {
                uint64_t k = rng_below(r, 100);
                flags = k < 3 ? 0x02 : k < 6 ? 0x12 : k < 8 ? 0x11 : k < 9 ? 0x04 : 0x10;
                if (plen)
                    flags |= 0x08;
                if (flags == 0x04 && (k & 1))
                    seq = 0;
            }
            put_be16(t, rc->sport);
            put_be16(t + 2, rc->dport);
            put_be32(t + 4, seq);
            put_be32(t + 8, (flags & 0x10) ? (uint32_t)rng_next(r) : 0);
            t[12] = (uint8_t)((tcp_hlen / 4) << 4);
            t[13] = flags;
            put_be16(t + 14, 65535);
            if (tcp_hlen == 32) { /* NOP NOP Timestamps */
                t[20] = 1;
                t[21] = 1;
                t[22] = 8;
                t[23] = 10;
                put_be32(t + 24, (uint32_t)(rc->ts_us / 1000));
                put_be32(t + 28, 0);
            }
            uint64_t s = ps + sum_words(t, tcp_hlen) + payload_sum(pl, poff, plen);
            put_be16(t + 16, csum_fold(s));
        } else if (proto == 17) {
            put_be16(t, rc->sport);
            put_be16(t + 2, rc->dport);
            put_be16(t + 4, (uint16_t)dgram);
            /* covers the whole datagram, also when this packet is only
             * its first fragment */
            uint64_t s = ps + sum_words(t, 8) + payload_sum(pl, poff, plen);
            uint16_t c = csum_fold(s);
            put_be16(t + 6, c ? c : 0xffff);
        } else {
            /* ICMP/ICMPv6: the whole 56-byte body is built here; an error
             * message quotes the header of the datagram it reports on */
            t[0] = (uint8_t)rc->sport;
            t[1] = (uint8_t)rc->dport;
            uint8_t *b = t + 8;
            int error = proto == 1 ? (t[0] == 3 || t[0] == 11) : (t[0] < 128);
            memcpy(b, pl->block + poff, 56);
            if (!error) {
                put_be32(t + 4, (uint32_t)rng_next(r) & 0xffff); /* id 0, sequence */
            } else if (proto == 1) {
                memset(b, 0, 28);
                b[0] = 0x45;
                put_be16(b + 2, 56);
                put_be16(b + 4, (uint16_t)rng_next(r));
                b[8] = 64;
                b[9] = 17;
                memcpy(b + 12, rc->dst, 4);
                memcpy(b + 16, rc->src, 4);
                put_be16(b + 10, csum_fold(sum_words(b, 20)));
                put_be16(b + 20, (uint16_t)(1024 + rng_below(r, 64512)));
                put_be16(b + 22, (uint16_t)(1 + rng_below(r, 1023)));
                put_be16(b + 24, 36); /* UDP checksum 0: none */
            } else {
                memset(b, 0, 48);
                b[0] = 0x60;
                put_be16(b + 4, 16);
                b[6] = 17;
                b[7] = 64;
                memcpy(b + 8, rc->dst, 16);
                memcpy(b + 24, rc->src, 16);
                uint8_t *u = b + 40;
                put_be16(u, (uint16_t)(1024 + rng_below(r, 64512)));
                put_be16(u + 2, (uint16_t)(1 + rng_below(r, 1023)));
                put_be16(u + 4, 16);
                uint64_t us =
                    sum_words(rc->dst, 16) + sum_words(rc->src, 16) + 17 + 16 + sum_words(u, 16);
                uint16_t uc = csum_fold(us);
                put_be16(u + 6, uc ? uc : 0xffff);
            }
            uint64_t s = sum_words(t, 8 + 56);
            if (proto == 58)
                s += ps;
            put_be16(t + 2, csum_fold(s));
        }
        tstart = l4 + thlen;
        size_t nbuild = build > tstart ? build - tstart : 0;
        size_t inpkt = carried - thlen; /* payload bytes in this packet */
        if (nbuild > inpkt)
            nbuild = inpkt;
        if (nbuild > 0 && proto != 1 && proto != 58)
            memcpy(pkt + tstart, pl->block + poff, nbuild);
    }
    /* Ethernet padding bytes are zero */
    if (cap > 14 + iplen)
        memset(pkt + 14 + iplen, 0, cap - (14 + iplen));

    char *p = out_begin(o);
    put_le32(p, (uint32_t)(rc->ts_us / 1000000));
    put_le32(p + 4, (uint32_t)(rc->ts_us % 1000000));
    put_le32(p + 8, (uint32_t)cap);
    put_le32(p + 12, (uint32_t)wire);
    memcpy(p + 16, pkt, cap);
    out_end(o, p + 16 + cap);
}

/* ---- exact counts ------------------------------------------------------- */

struct cnt {
    uint64_t n, bytes;
};

struct oneoff_ent {
    uint8_t addr[16];
    uint8_t v6;
    uint64_t bytes;
};

struct exact {
    unsigned topn;
    struct cnt *src;   /* [hosts] */
    struct cnt *dst_r; /* [2 * dst_hosts]: rank * 2 + v6 */
    struct cnt *dst_l; /* [hosts]: one-off targets */
    struct cnt port[65536];
    struct cnt proto[256];
    struct cnt service[N_COMMON + 1]; /* by common_ports index of the name's first use; */
    struct cnt state[ST_COUNT];       /* N_COMMON: unset ("-"); conn logs only */
    struct oneoff_ent *oneoffs;
    size_t n_oneoffs, cap_oneoffs;
    uint64_t records, bytes;
};

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n, sz);
    if (!p && n)
        die("out of memory (%zu x %zu bytes)", n, sz);
    return p;
}

static void exact_add(struct exact *e, const struct rec *rc, uint64_t bytes, uint16_t sp,
                      uint16_t dp, uint8_t proto, int both_ports)
{
    e->records++;
    e->bytes += bytes;
    if (rc->oneoff) {
        if (e->n_oneoffs == e->cap_oneoffs) {
            size_t nc = e->cap_oneoffs ? e->cap_oneoffs * 2 : 4096;
            void *np = realloc(e->oneoffs, nc * sizeof *e->oneoffs);
            if (!np)
                die("out of memory for exact counts");
            e->oneoffs = np;
            e->cap_oneoffs = nc;
        }
        struct oneoff_ent *oe = &e->oneoffs[e->n_oneoffs++];
        memcpy(oe->addr, rc->src, 16);
        oe->v6 = (uint8_t)rc->v6;
        oe->bytes = bytes;
        e->dst_l[rc->src_rank].n++;
        e->dst_l[rc->src_rank].bytes += bytes;
    } else {
        e->src[rc->src_rank].n++;
        e->src[rc->src_rank].bytes += bytes;
        struct cnt *d = &e->dst_r[(size_t)rc->dst_rank * 2 + (size_t)rc->v6];
        d->n++;
        d->bytes += bytes;
    }
    if (both_ports) {
        e->port[sp].n++;
        e->port[sp].bytes += bytes;
    }
    e->port[dp].n++;
    e->port[dp].bytes += bytes;
    e->proto[proto].n++;
    e->proto[proto].bytes += bytes;
    if (rc->service) {
        size_t k = 0; /* the first port with this service name */
        while (strcmp(common_ports[k].service ? common_ports[k].service : "", rc->service) != 0)
            k++;
        e->service[k].n++;
        e->service[k].bytes += bytes;
    } else {
        e->service[N_COMMON].n++;
        e->service[N_COMMON].bytes += bytes;
    }
    e->state[rc->state].n++;
    e->state[rc->state].bytes += bytes;
}

struct top_ent {
    uint8_t key[16];
    uint8_t klen;
    uint64_t n, bytes;
};

/* > 0 when a ranks before b. */
static int top_cmp(const struct top_ent *a, const struct top_ent *b, int by_bytes)
{
    uint64_t x = by_bytes ? a->bytes : a->n, y = by_bytes ? b->bytes : b->n;
    if (x != y)
        return x > y ? 1 : -1;
    size_t m = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, m);
    if (c)
        return c;
    return (int)a->klen - (int)b->klen;
}

struct top {
    struct top_ent *e;
    unsigned n, cap;
    int by_bytes;
    uint64_t distinct;
};

static void top_offer(struct top *t, const struct top_ent *x)
{
    if (x->n == 0)
        return;
    t->distinct++;
    if (t->cap == 0)
        return;
    if (t->n == t->cap && top_cmp(x, &t->e[t->n - 1], t->by_bytes) <= 0)
        return;
    unsigned i = t->n < t->cap ? t->n++ : t->n - 1;
    while (i > 0 && top_cmp(x, &t->e[i - 1], t->by_bytes) > 0) {
        t->e[i] = t->e[i - 1];
        i--;
    }
    t->e[i] = *x;
}

static void top_print(const struct top *t, const char *section, const char *metric, int kind)
{
    for (unsigned i = 0; i < t->n; i++) {
        const struct top_ent *x = &t->e[i];
        char buf[INET6_ADDRSTRLEN];
        if (kind == 0) {
            if (!inet_ntop(x->klen == 4 ? AF_INET : AF_INET6, x->key, buf, sizeof buf))
                die("cannot format an address");
        } else if (kind == 2) {
            snprintf(buf, sizeof buf, "%.*s", (int)x->klen, (const char *)x->key);
        } else {
            snprintf(buf, sizeof buf, "%u", (unsigned)(x->key[0] << 8 | x->key[1]));
        }
        fprintf(stderr, "%s.%s\t%u\t%s\t%" PRIu64 "\t%" PRIu64 "\n", section, metric, i + 1, buf,
                x->n, x->bytes);
    }
}

static void ent_addr(struct top_ent *x, int v6, const uint8_t *a, const struct cnt *c)
{
    memcpy(x->key, a, v6 ? 16 : 4);
    x->klen = v6 ? 16 : 4;
    x->n = c->n;
    x->bytes = c->bytes;
}

static void exact_report(const struct gen *g, const struct exact *e)
{
    struct top t[2];
    struct top_ent x;
    const char *metric[2] = {"records", "bytes"};

    fprintf(stderr,
            "# tsgen exact counts: format %s, records %" PRIu64 ", bytes %" PRIu64 " (ports: %s)\n",
            g->fmt == FMT_PCAP ? "pcap" : (g->fmt == FMT_JSON ? "json" : "tsv"), e->records,
            e->bytes, g->fmt == FMT_PCAP ? "source and destination" : "id.resp_p");
    fprintf(stderr, "# section.metric\trank\tkey\trecords\tbytes\n");
    for (int b = 0; b < 2; b++) {
        for (int k = 0; k < 2; k++) {
            t[k].e = xcalloc(e->topn ? e->topn : 1, sizeof *t[k].e);
            t[k].n = 0;
            t[k].cap = e->topn;
            t[k].by_bytes = b;
            t[k].distinct = 0;
        }
        /* sources (t[0]) and destinations (t[1]) */
        for (uint32_t r = 0; r < g->hosts; r++) {
            uint8_t a[16];
            int v6 = host_is_v6(g, r);
            if (e->src[r].n) {
                local_addr(g, r, v6, a);
                ent_addr(&x, v6, a, &e->src[r]);
                top_offer(&t[0], &x);
            }
            if (e->dst_l[r].n) {
                local_addr(g, r, v6, a);
                ent_addr(&x, v6, a, &e->dst_l[r]);
                top_offer(&t[1], &x);
            }
        }
        for (size_t i = 0; i < e->n_oneoffs; i++) {
            struct cnt c = {1, e->oneoffs[i].bytes};
            ent_addr(&x, e->oneoffs[i].v6, e->oneoffs[i].addr, &c);
            top_offer(&t[0], &x);
        }
        for (size_t i = 0; i < (size_t)g->dst_hosts * 2; i++) {
            if (!e->dst_r[i].n)
                continue;
            uint8_t a[16];
            remote_addr(g, (uint32_t)(i / 2), (int)(i & 1), a);
            ent_addr(&x, (int)(i & 1), a, &e->dst_r[i]);
            top_offer(&t[1], &x);
        }
        if (b == 0)
            fprintf(stderr, "# distinct sources %" PRIu64 " destinations %" PRIu64 "\n",
                    t[0].distinct, t[1].distinct);
        top_print(&t[0], "src", metric[b], 0);
        top_print(&t[1], "dst", metric[b], 0);
        /* ports and protocols, without key 0 */
        t[0].n = t[1].n = 0;
        t[0].distinct = t[1].distinct = 0;
        for (unsigned pt = 1; pt < 65536; pt++) {
            memset(&x, 0, sizeof x);
            x.key[0] = (uint8_t)(pt >> 8);
            x.key[1] = (uint8_t)pt;
            x.klen = 2;
            x.n = e->port[pt].n;
            x.bytes = e->port[pt].bytes;
            top_offer(&t[0], &x);
        }
        for (unsigned pr = 1; pr < 256; pr++) {
            memset(&x, 0, sizeof x);
            x.key[1] = (uint8_t)pr;
            x.klen = 2;
            x.n = e->proto[pr].n;
            x.bytes = e->proto[pr].bytes;
            top_offer(&t[1], &x);
        }
        if (b == 0)
            fprintf(stderr, "# distinct ports (without 0) %" PRIu64 "\n", t[0].distinct);
        top_print(&t[0], "port", metric[b], 1);
        top_print(&t[1], "proto", metric[b], 1);
        if (g->fmt != FMT_PCAP) {
            /* services (unset prints as "-") and connection states */
            t[0].n = t[1].n = 0;
            for (size_t k = 0; k <= N_COMMON; k++) {
                const char *name = k < N_COMMON ? common_ports[k].service : "-";
                if (!name)
                    continue;
                memset(&x, 0, sizeof x);
                x.klen = (uint8_t)strlen(name);
                memcpy(x.key, name, x.klen);
                x.n = e->service[k].n;
                x.bytes = e->service[k].bytes;
                top_offer(&t[0], &x);
            }
            for (int k = 0; k < ST_COUNT; k++) {
                memset(&x, 0, sizeof x);
                x.klen = (uint8_t)strlen(state_name[k]);
                memcpy(x.key, state_name[k], x.klen);
                x.n = e->state[k].n;
                x.bytes = e->state[k].bytes;
                top_offer(&t[1], &x);
            }
            top_print(&t[0], "service", metric[b], 2);
            top_print(&t[1], "state", metric[b], 2);
        }
        free(t[0].e);
        free(t[1].e);
    }
}

/* ---- flows -------------------------------------------------------------- */

struct flow {
    struct rec rc;
    uint64_t left; /* packets still to send; 0: the slot is free */
};

/* Packets in a flow: Pareto of shape alpha on [1, inf), rounded down, so
 * P(K >= k) = k^-alpha; one-off sources send a single packet. */
static uint64_t flow_packets(struct rng *r, double alpha, int oneoff)
{
    if (oneoff)
        return 1;
    double u = 1.0 - rng_u01(r); /* (0, 1] */
    double k = floor(pow(u, -1.0 / alpha));
    return k >= FLOW_MAX ? FLOW_MAX : (uint64_t)k;
}

/* The next packet i of a flow-structured trace: from an open flow chosen
 * uniformly, starting a new connection in the slot when it is free.
 * Returns 1 when the packet starts a flow. */
static int flow_next(struct gen *g, struct flow *slots, uint64_t i, struct rec *rc)
{
    struct rng *r = &g->rng;
    struct flow *f = &slots[rng_below(r, g->flow_window)];
    int started = 0;
    if (f->left == 0) {
        gen_next(g, i, &f->rc);
        f->left = flow_packets(r, g->flow_alpha, f->rc.oneoff);
        started = 1;
    }
    f->left--;
    *rc = f->rc;
    rc->ts_us = g->start_us + (uint64_t)(((double)i + rng_u01(r)) * 1e6 / g->rate);
    return started;
}

/* ---- options ------------------------------------------------------------ */

static uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        die("%s: '%s' is not a non-negative integer", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        die("%s: '%s' is not a non-negative integer", opt, s);
    if (v < lo || v > hi)
        die("%s: %llu is out of range [%" PRIu64 ", %" PRIu64 "]", opt, v, lo, hi);
    return (uint64_t)v;
}

static double parse_double(const char *opt, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v))
        die("%s: '%s' is not a number", opt, s);
    if (v < lo || v > hi)
        die("%s: %s is out of range [%g, %g]", opt, s, lo, hi);
    return v;
}

static void usage(FILE *f)
{
    fputs("usage: tsgen [options] [-o FILE]\n"
          "Deterministic generator of Zeek conn.logs and pcap traces for trace-summary.\n"
          "  --format tsv|json|pcap  output format (default tsv)\n"
          "  --records N             records: connections, or packets for pcap (default 1000000)\n"
          "  --hosts H               local source hosts, 1..2^24 (default 10000)\n"
          "  --dst-hosts D           remote destinations, 1..2^24 (default 10000)\n"
          "  --zipf S                popularity exponent of hosts and ports, 0 = uniform (1.1)\n"
          "  --oneoff F              share of records from fresh never-repeated sources (0)\n"
          "  --ipv6 F                share of IPv6 hosts and one-off sources (0)\n"
          "  --snaplen N             pcap snapshot length, 1..262144 (65535)\n"
          "  --seed N                PRNG seed (1)\n"
          "  --start EPOCH           time of the first record, seconds (1700000000)\n"
          "  --rate R                records per second of trace time (1000)\n"
          "  --jitter S              conn.log ts jitter, up to S seconds back (3)\n"
          "  --flows A               pcap: connections are flows of Pareto(A) packets, A > 0,\n"
          "                          P(K >= k) = k^-A, interleaved as on a link (off: one\n"
          "                          packet per connection; --oneoff is then a share of flows)\n"
          "  --flow-window W         pcap with --flows: flows open at a time (1024)\n"
          "  --gzip                  gzip the output\n"
          "  --gzip-level N          zlib level 1..9 (6)\n"
          "  --exact-top N           print exact top-N tables to stderr\n"
          "  -o, --output FILE       output file (default stdout)\n"
          "  -h, --help              this text\n",
          f);
}

int main(int argc, char **argv)
{
    static struct gen g; /* large tables: static storage */
    const char *outname = NULL;
    int gzip = 0;
    unsigned gzlevel = 6;
    uint64_t topn = 0;
    int want_exact = 0;

    g.fmt = FMT_TSV;
    g.records = 1000000;
    g.hosts = 10000;
    g.dst_hosts = 10000;
    g.zipf_s = 1.1;
    g.snaplen = 65535;
    g.seed = 1;
    g.start_us = 1700000000ull * 1000000ull;
    g.rate = 1000;
    g.jitter_s = 3;
    g.flow_window = 1024;

    enum {
        O_FORMAT = 256,
        O_RECORDS,
        O_HOSTS,
        O_DST,
        O_ZIPF,
        O_ONEOFF,
        O_IPV6,
        O_SNAP,
        O_SEED,
        O_START,
        O_RATE,
        O_JITTER,
        O_GZIP,
        O_GZLEVEL,
        O_EXACT,
        O_FLOWS,
        O_FLOW_WINDOW
    };
    static const struct option lopts[] = {
        {"format", required_argument, NULL, O_FORMAT},
        {"records", required_argument, NULL, O_RECORDS},
        {"hosts", required_argument, NULL, O_HOSTS},
        {"dst-hosts", required_argument, NULL, O_DST},
        {"zipf", required_argument, NULL, O_ZIPF},
        {"oneoff", required_argument, NULL, O_ONEOFF},
        {"ipv6", required_argument, NULL, O_IPV6},
        {"snaplen", required_argument, NULL, O_SNAP},
        {"seed", required_argument, NULL, O_SEED},
        {"start", required_argument, NULL, O_START},
        {"rate", required_argument, NULL, O_RATE},
        {"jitter", required_argument, NULL, O_JITTER},
        {"gzip", no_argument, NULL, O_GZIP},
        {"gzip-level", required_argument, NULL, O_GZLEVEL},
        {"exact-top", required_argument, NULL, O_EXACT},
        {"flows", required_argument, NULL, O_FLOWS},
        {"flow-window", required_argument, NULL, O_FLOW_WINDOW},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT:
            if (strcmp(optarg, "tsv") == 0)
                g.fmt = FMT_TSV;
            else if (strcmp(optarg, "json") == 0)
                g.fmt = FMT_JSON;
            else if (strcmp(optarg, "pcap") == 0)
                g.fmt = FMT_PCAP;
            else
                die("--format: '%s' is not tsv, json or pcap", optarg);
            break;
        case O_RECORDS:
            g.records = parse_u64("--records", optarg, 0, UINT64_C(1) << 40);
            break;
        case O_HOSTS:
            g.hosts = (uint32_t)parse_u64("--hosts", optarg, 1, MAX_HOSTS);
            break;
        case O_DST:
            g.dst_hosts = (uint32_t)parse_u64("--dst-hosts", optarg, 1, MAX_HOSTS);
            break;
        case O_ZIPF:
            g.zipf_s = parse_double("--zipf", optarg, 0, 10);
            break;
        case O_ONEOFF:
            g.oneoff = parse_double("--oneoff", optarg, 0, 1);
            break;
        case O_IPV6:
            g.ipv6 = parse_double("--ipv6", optarg, 0, 1);
            break;
        case O_SNAP:
            g.snaplen = (uint32_t)parse_u64("--snaplen", optarg, 1, 262144);
            break;
        case O_SEED:
            g.seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
            break;
        case O_START: {
            double s = parse_double("--start", optarg, 0, 4e9);
            g.start_us = (uint64_t)llround(s * 1e6);
            break;
        }
        case O_RATE:
            g.rate = parse_double("--rate", optarg, 1e-6, 1e9);
            break;
        case O_JITTER:
            g.jitter_s = parse_double("--jitter", optarg, 0, 86400);
            break;
        case O_GZIP:
            gzip = 1;
            break;
        case O_GZLEVEL:
            gzlevel = (unsigned)parse_u64("--gzip-level", optarg, 1, 9);
            break;
        case O_EXACT:
            topn = parse_u64("--exact-top", optarg, 0, 100000);
            want_exact = 1;
            break;
        case O_FLOWS:
            g.flow_alpha = parse_double("--flows", optarg, 0.01, 100);
            break;
        case O_FLOW_WINDOW:
            g.flow_window = (uint32_t)parse_u64("--flow-window", optarg, 1, FLOW_WINDOW_MAX);
            break;
        case 'o':
            outname = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (g.flow_alpha > 0 && g.fmt != FMT_PCAP)
        die("--flows: only for --format pcap (a conn.log record is a whole connection)");
    double end_s = (double)g.start_us / 1e6 + (double)g.records / g.rate + 1;
    if (end_s >= 4294967295.0)
        die("--start/--rate/--records: the trace would end after 2106 (pcap time overflow)");

    rng_seed(&g.rng, g.seed);
    uint64_t kseed = g.seed ^ 0x747367656e6b6579u;
    g.key_src = splitmix64(&kseed);
    g.key_dst = splitmix64(&kseed);
    g.key_v6 = splitmix64(&kseed);
    g.key_one = splitmix64(&kseed);
    g.key_port = splitmix64(&kseed);
    zipf_init(&g.zsrc, g.hosts, g.zipf_s);
    zipf_init(&g.zdst, g.dst_hosts, g.zipf_s);
    zipf_init(&g.zport, 65535, g.zipf_s);

    /* port ranking: common ports, then the others in a seeded order */
    {
        static uint8_t used[65536];
        size_t n = 0;
        memset(g.port_common_idx, N_COMMON, sizeof g.port_common_idx);
        for (size_t i = 0; i < N_COMMON; i++) {
            g.port_by_rank[n++] = common_ports[i].port;
            used[common_ports[i].port] = 1;
            g.port_common_idx[common_ports[i].port] = (uint8_t)i;
        }
        size_t first_rest = n;
        for (unsigned pt = 1; pt < 65536; pt++)
            if (!used[pt])
                g.port_by_rank[n++] = (uint16_t)pt;
        struct rng pr;
        rng_seed(&pr, g.key_port);
        for (size_t i = n - 1; i > first_rest; i--) {
            size_t j = first_rest + rng_below(&pr, i - first_rest + 1);
            uint16_t t = g.port_by_rank[i];
            g.port_by_rank[i] = g.port_by_rank[j];
            g.port_by_rank[j] = t;
        }
    }

    struct out o;
    memset(&o, 0, sizeof o);
    o.name = outname ? outname : "<stdout>";
    o.buf = malloc(OUTBUF_SIZE);
    if (!o.buf)
        die("out of memory");
    if (outname) {
        o.fp = fopen(outname, "wb");
        if (!o.fp)
            die("'%s': cannot open for writing: %s", outname, strerror(errno));
    } else {
        o.fp = stdout;
    }
    if (gzip) {
        char mode[8];
        snprintf(mode, sizeof mode, "wb%u", gzlevel);
        int fd = dup(fileno(o.fp));
        if (fd < 0 || !(o.gz = gzdopen(fd, mode)))
            die("'%s': cannot start gzip output", o.name);
        gzbuffer(o.gz, 1u << 18);
    }

    static struct exact ex;
    static struct payload pl;
    if (want_exact) {
        ex.topn = (unsigned)topn;
        ex.src = xcalloc(g.hosts, sizeof *ex.src);
        ex.dst_l = xcalloc(g.hosts, sizeof *ex.dst_l);
        ex.dst_r = xcalloc((size_t)g.dst_hosts * 2, sizeof *ex.dst_r);
    }
    if (g.fmt == FMT_PCAP) {
        payload_init(&pl, g.seed);
        pcap_header(&o, g.snaplen);
    } else if (g.fmt == FMT_TSV) {
        tsv_header(&o, g.start_us);
    }

    struct flow *slots = NULL;
    uint64_t flows = 0;
    if (g.flow_alpha > 0)
        slots = xcalloc(g.flow_window, sizeof *slots);

    struct rec rc;
    uint64_t last_us = g.start_us;
    for (uint64_t i = 0; i < g.records; i++) {
        if (slots)
            flows += (uint64_t)flow_next(&g, slots, i, &rc);
        else
            gen_next(&g, i, &rc);
        if (g.fmt == FMT_PCAP) {
            struct pkt_info pi;
            pcap_write(&o, &g.rng, &pl, g.snaplen, &rc, &pi);
            if (want_exact)
                exact_add(&ex, &rc, pi.iplen, pi.sport, pi.dport, pi.proto, 1);
        } else {
            if (g.fmt == FMT_TSV)
                tsv_write(&o, &g.rng, &rc);
            else
                json_write(&o, &g.rng, &rc);
            if (want_exact) {
                uint64_t b = (rc.obytes > 0 ? (uint64_t)rc.obytes : 0) +
                             (rc.rbytes > 0 ? (uint64_t)rc.rbytes : 0);
                exact_add(&ex, &rc, b, rc.sport, rc.dport, rc.proto, 0);
            }
        }
        if (rc.ts_us > last_us)
            last_us = rc.ts_us;
    }
    if (g.fmt == FMT_TSV)
        tsv_footer(&o, last_us + (uint64_t)(g.jitter_s * 1e6));
    out_flush(&o);
    if (o.gz) {
        int rc2 = gzclose(o.gz);
        if (rc2 != Z_OK)
            die("'%s': write failed: %s", o.name,
                rc2 == Z_ERRNO ? strerror(errno) : "zlib error on close");
    }
    if (fflush(o.fp) != 0 || (outname && fclose(o.fp) != 0))
        die("'%s': write failed: %s", o.name, strerror(errno));
    if (want_exact) {
        exact_report(&g, &ex);
        if (slots)
            fprintf(stderr, "# flows %" PRIu64 " (%u open at a time)\n", flows, g.flow_window);
    }
    free(slots);
    free(o.buf);
    free(ex.src);
    free(ex.dst_l);
    free(ex.dst_r);
    free(ex.oneoffs);
    return 0;
}
