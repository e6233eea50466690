/* pcap_filter.c - BPF filter expressions compiled per link type and matched against frames. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_filter.h"
#include "pcap_rd.h"

struct pcap_filter {
    char *expr;
    size_t n;
    int dlt[PCAP_FILTER_DLTS], be[PCAP_FILTER_DLTS];
    struct bpf_program prog[PCAP_FILTER_DLTS];
};

static void put32(uint8_t *p, int be, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[be ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put16(uint8_t *p, int be, uint16_t v)
{
    p[be ? 0 : 1] = (uint8_t)(v >> 8);
    p[be ? 1 : 0] = (uint8_t)v;
}

/* A savefile handle of link type dlt and byte order be: libpcap reads
 * the header of an empty pcap file from memory. NULL out of memory. */
static pcap_t *savefile_handle(int dlt, int be)
{
    uint8_t hdr[24] = {0};
    put32(hdr, be, 0xa1b2c3d4u);
    put16(hdr + 4, be, 2);
    put16(hdr + 6, be, 4);
    put32(hdr + 16, be, PCAP_MAX_CAPLEN);
    put32(hdr + 20, be, (uint32_t)dlt);
    FILE *fp = fmemopen(hdr, sizeof hdr, "rb");
    if (fp == NULL)
        return NULL;
    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *pd = pcap_fopen_offline(fp, ebuf);
    if (pd == NULL) {
        fclose(fp);
        return pcap_open_dead(dlt, (int)PCAP_MAX_CAPLEN); /* a link type files cannot hold */
    }
    return pd;
}

/* Compiles expr for dlt and byte order be into *prog: 0, or TS_EUSAGE
 * with libpcap's message. */
static int compile(const char *expr, int dlt, int be, struct bpf_program *prog, struct ts_err *err)
{
    pcap_t *pd = savefile_handle(dlt, be);
    if (pd == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    int rc = 0;
    if (pcap_compile(pd, prog, expr, 1, 0) != 0) {
        const char *name = pcap_datalink_val_to_name(dlt);
        rc = ts_err_set(err, TS_EUSAGE, "filter '%s' for link type %s: %s", expr,
                        name ? name : "unknown", pcap_geterr(pd));
    }
    pcap_close(pd);
    return rc;
}

int pcap_filter_check(const char *expr, struct ts_err *err)
{
    struct bpf_program prog;
    int rc = compile(expr, DLT_EN10MB, 0, &prog, err);
    if (rc == 0)
        pcap_freecode(&prog);
    return rc;
}

struct pcap_filter *pcap_filter_new(const char *expr, struct ts_err *err)
{
    struct pcap_filter *f = calloc(1, sizeof *f);
    if (f != NULL)
        f->expr = strdup(expr);
    if (f == NULL || f->expr == NULL) {
        free(f);
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    return f;
}

void pcap_filter_free(struct pcap_filter *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++)
        pcap_freecode(&f->prog[i]);
    free(f->expr);
    free(f);
}

int pcap_filter_match(struct pcap_filter *f, int dlt, int be, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, struct ts_err *err)
{
    size_t i = 0;
    while (i < f->n && (f->dlt[i] != dlt || f->be[i] != be))
        i++;
    if (i == f->n) {
        if (f->n == PCAP_FILTER_DLTS)
            return ts_err_set(err, TS_EUSAGE, "filter '%s': more than %d link types", f->expr,
                              PCAP_FILTER_DLTS);
        int rc = compile(f->expr, dlt, be, &f->prog[i], err);
        if (rc != 0)
            return rc;
        f->dlt[i] = dlt;
        f->be[i] = be;
        f->n++;
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = caplen;
    h.len = wirelen;
    return pcap_offline_filter(&f->prog[i], &h, data) != 0;
}
