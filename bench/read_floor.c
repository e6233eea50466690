/*
 * read_floor: the floor for pcap input. Reads a trace with libpcap's own
 * loop and touches each packet (its captured length and one byte), which
 * is the least any pcap reader must do; bench/run compares trace-summary's
 * wall time with this program's on the same file.
 */
#include "config.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct floor_sum {
    uint64_t packets, caplen, bytesum;
};

static void touch(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct floor_sum *s = (struct floor_sum *)user;
    s->packets++;
    s->caplen += h->caplen;
    if (h->caplen > 23)
        s->bytesum += data[23]; /* the IPv4 protocol byte on Ethernet */
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct floor_sum s = {0, 0, 0};
    if (argc != 2) {
        fputs("usage: read_floor TRACE.pcap\n", stderr);
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (!p) {
        fprintf(stderr, "read_floor: '%s': %s\n", argv[1], errbuf);
        return 1;
    }
    if (pcap_loop(p, -1, touch, (u_char *)&s) == PCAP_ERROR) {
        fprintf(stderr, "read_floor: '%s': %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("%" PRIu64 " packets, %" PRIu64 " bytes captured, byte sum %" PRIu64 "\n", s.packets,
           s.caplen, s.bytesum);
    return 0;
}
