/* Unit tests of BPF filters on frames (src/pcap_filter.h): expressions, link types, byte orders. */
#include "config.h"

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <string.h>

#include "err.h"
#include "pcap_filter.h"

/* An Ethernet frame carrying IPv4 with protocol proto (ports 1234 -> port). */
static size_t eth_ipv4(uint8_t *f, uint8_t proto, uint16_t port)
{
    memset(f, 0, 64);
    f[12] = 0x08; /* EtherType IPv4 */
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = 40; /* total length */
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, "\x0a\x00\x00\x01\xc0\xa8\x01\x02", 8); /* 10.0.0.1 -> 192.168.1.2 */
    uint8_t *l4 = ip + 20;
    l4[0] = 0x04, l4[1] = 0xd2;
    l4[2] = (uint8_t)(port >> 8), l4[3] = (uint8_t)port;
    l4[12] = 0x50;
    return 54;
}

Test(pcap_filter, a_bad_expression_is_a_usage_error_with_libpcaps_message)
{
    static const char *const bad[] = {"tcp port", "host", "ip and and", "port 99999", "tcp["};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ts_err err;
        ts_err_clear(&err);
        cr_expect_eq(pcap_filter_check(bad[i], &err), TS_EUSAGE, "'%s'", bad[i]);
        cr_expect(strstr(err.msg, bad[i]) != NULL, "'%s': %s", bad[i], err.msg);
    }
    static const char *const good[] = {
        "", "tcp", "udp and not port 53", "net 10.0.0.0/8", "ip6", "vlan and tcp"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ts_err err;
        cr_expect_eq(pcap_filter_check(good[i], &err), 0, "'%s': %s", good[i], err.msg);
    }
}

Test(pcap_filter, frames_match_as_the_expression_says)
{
    static const struct {
        const char *expr;
        uint8_t proto;
        uint16_t port;
        int want;
    } rows[] = {
        {"tcp", 6, 80, 1},
        {"tcp", 17, 80, 0},
        {"udp and not port 53", 17, 53, 0},
        {"udp and not port 53", 17, 123, 1},
        {"net 10.0.0.0/8", 17, 123, 1},
        {"dst net 10.0.0.0/8", 17, 123, 0},
        {"ip6", 6, 80, 0},
        {"", 6, 80, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct ts_err err;
        struct pcap_filter *f = pcap_filter_new(rows[i].expr, &err);
        cr_assert_not_null(f);
        uint8_t frame[64];
        size_t n = eth_ipv4(frame, rows[i].proto, rows[i].port);
        int got = pcap_filter_match(f, DLT_EN10MB, 0, frame, (uint32_t)n, (uint32_t)n, &err);
        cr_expect_eq(got, rows[i].want, "'%s' on proto %u port %u: %d", rows[i].expr, rows[i].proto,
                     rows[i].port, got);
        pcap_filter_free(f);
    }
}

/* BSD loopback: a 4-byte address family in the byte order of the machine
 * that wrote the file, then the packet. */
static size_t null_frame(uint8_t *f, uint32_t af, int be)
{
    memset(f, 0, 48);
    for (int i = 0; i < 4; i++)
        f[be ? i : 3 - i] = (uint8_t)(af >> (24 - 8 * i));
    f[4] = 0x60; /* IPv6 */
    f[10] = 6;   /* next header TCP */
    return 44;
}

Test(pcap_filter, a_files_loopback_frames_match_every_systems_ipv6_family_in_its_byte_order)
{
    struct ts_err err;
    struct pcap_filter *f = pcap_filter_new("ip6", &err);
    cr_assert_not_null(f);
    uint8_t frame[48];
    /* AF_INET6 of Darwin (30), FreeBSD (28) and the other BSDs (24), as
     * tcpdump -r matches them, in either byte order */
    static const uint32_t afs[] = {24, 28, 30};
    for (int be = 0; be < 2; be++)
        for (size_t i = 0; i < 3; i++) {
            size_t n = null_frame(frame, afs[i], be);
            cr_expect_eq(pcap_filter_match(f, DLT_NULL, be, frame, (uint32_t)n, (uint32_t)n, &err),
                         1, "AF %u, big-endian %d", afs[i], be);
        }
    size_t n = null_frame(frame, 2 /* AF_INET */, 0);
    cr_expect_eq(pcap_filter_match(f, DLT_NULL, 0, frame, (uint32_t)n, (uint32_t)n, &err), 0);
    pcap_filter_free(f);
}

Test(pcap_filter, an_expression_a_link_type_cannot_take_is_a_usage_error_naming_it)
{
    struct ts_err err;
    struct pcap_filter *f = pcap_filter_new("vlan", &err);
    cr_assert_not_null(f);
    uint8_t frame[48];
    size_t n = null_frame(frame, 30, 0);
    cr_expect_eq(pcap_filter_match(f, DLT_NULL, 0, frame, (uint32_t)n, (uint32_t)n, &err),
                 TS_EUSAGE);
    cr_expect(strstr(err.msg, "NULL") != NULL, "%s", err.msg);
    pcap_filter_free(f);
}

Test(pcap_filter, programs_are_kept_for_at_most_the_stated_number_of_link_types)
{
    static const int dlts[] = {DLT_EN10MB, DLT_NULL, DLT_RAW,        DLT_LINUX_SLL, DLT_PPP,
                               DLT_LOOP,   228,      229 /* IPV6 */, DLT_IEEE802_11};
    _Static_assert(sizeof dlts / sizeof dlts[0] == PCAP_FILTER_DLTS + 1, "one too many");
    struct ts_err err;
    struct pcap_filter *f = pcap_filter_new("", &err);
    cr_assert_not_null(f);
    uint8_t frame[64] = {0};
    for (size_t i = 0; i < PCAP_FILTER_DLTS; i++)
        cr_expect_geq(pcap_filter_match(f, dlts[i], 0, frame, 64, 64, &err), 0, "link type %d: %s",
                      dlts[i], err.msg);
    cr_expect_eq(pcap_filter_match(f, dlts[PCAP_FILTER_DLTS], 0, frame, 64, 64, &err), TS_EUSAGE);
    pcap_filter_free(f);
}
