/*
 * pcap_lib.c - the libpcap fallback reader: frames of whatever libpcap reads.
 *
 * libpcap reads from pcap_fopen_offline_with_tstamp_precision at
 * nanosecond precision on a stream (fopencookie) that first replays the
 * four consumed magic bytes and then reads the input through the shared
 * read-ahead. Record offsets are counted from the record lengths: record
 * headers are 16 bytes (24 in the Kuznetzov format, magic a1b2cd34).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_lib.h"
#include "summary_file.h"

struct pcap_lib {
    struct pcap_rd *rd;
    pcap_t *pc;
    int dlt;
    size_t magic_pos; /* magic bytes replayed so far */
    uint64_t next_at; /* offset of the next record */
    unsigned hdr;     /* record header size */
};

/* The magic, then the input through the read-ahead (ts_input_read may
 * make one system call per call). */
static ssize_t cookie_read(void *c, char *dst, size_t n)
{
    struct pcap_lib *l = c;
    struct pcap_rd *rd = l->rd;
    size_t done = 0;
    while (done < n && l->magic_pos < sizeof rd->magic)
        dst[done++] = (char)rd->magic[l->magic_pos++];
    size_t replayed = done;
    while (done < n) {
        if (rd->rpos == rd->rlen) {
            ssize_t got = pcap_rd_fill(rd);
            if (got < 0 && done == 0) {
                errno = EIO;
                return -1;
            }
            if (got <= 0)
                break;
        }
        size_t k = rd->rlen - rd->rpos;
        if (k > n - done)
            k = n - done;
        memcpy(dst + done, rd->rbuf + rd->rpos, k);
        rd->rpos += k;
        done += k;
    }
    rd->offset += done - replayed; /* the magic is counted by pcap_in */
    return (ssize_t)done;
}

static int cookie_close(void *c)
{
    (void)c; /* the input belongs to pcap_in's caller */
    return 0;
}

/* What the first bytes of a file libpcap rejected look like, as a hint
 * appended to its message ("" when nothing is recognised). */
static const char *format_hint(const uint8_t m[4])
{
    if (memcmp(m, "snoo", 4) == 0)
        return "; this is a Solaris snoop capture: convert it, e.g. editcap -F pcap";
    if (memcmp(m, SF_MAGIC, 4) == 0)
        return "; it is a summary file, which is read from a named file, not from standard "
               "input or a pipe";
    for (int i = 0; i < 4; i++)
        if (!(m[i] >= 0x20 && m[i] < 0x7f) && m[i] != '\t' && m[i] != '\n' && m[i] != '\r')
            return "";
    if (m[0] == '#' || m[0] == '{')
        return "; it looks like a connection log: use -c";
    return "; it looks like text";
}

struct pcap_lib *pcap_lib_start(struct pcap_rd *rd, int buffered, struct ts_err *err)
{
    struct pcap_lib *l = calloc(1, sizeof *l);
    if (l == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    l->rd = rd;
    l->next_at = 24;
    const uint8_t *m = rd->magic;
    int kuznetzov = (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xcd && m[3] == 0x34) ||
                    (m[0] == 0x34 && m[1] == 0xcd && m[2] == 0xb2 && m[3] == 0xa1);
    l->hdr = kuznetzov ? 24 : 16;
    cookie_io_functions_t io = {
        .read = cookie_read, .write = NULL, .seek = NULL, .close = cookie_close};
    FILE *fp = fopencookie(l, "rb", io);
    if (fp == NULL) {
        ts_err_set(err, TS_ENOMEM, "'%s': cannot create a stream", rd->name);
        free(l);
        return NULL;
    }
    if (buffered)
        setvbuf(fp, NULL, _IOFBF, 1u << 16);
    else
        setvbuf(fp, NULL, _IONBF, 0);
    char ebuf[PCAP_ERRBUF_SIZE];
    ebuf[0] = '\0';
    l->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (l->pc == NULL) {
        fclose(fp);
        if (rd->have_ioerr)
            *err = rd->ioerr;
        else
            ts_err_set(err, TS_EFORMAT, "'%s': not a pcap or pcapng trace (%s%s)", rd->name, ebuf,
                       format_hint(rd->magic));
        free(l);
        return NULL;
    }
    l->dlt = pcap_datalink(l->pc);
    const uint16_t one = 1;
    int host_be = *(const uint8_t *)&one == 0;
    rd->be = pcap_is_swapped(l->pc) ? !host_be : host_be;
    return l;
}

pcap_t *pcap_lib_handle(struct pcap_lib *l)
{
    return l->pc;
}

int pcap_lib_next(void *state, struct pcap_rd *rd, struct pcap_frame *f, struct ts_err *err)
{
    struct pcap_lib *l = state;
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t at = l->next_at;
    int rc = pcap_next_ex(l->pc, &h, &d);
    if (rc == 1) {
        f->dlt = l->dlt;
        f->at = at;
        l->next_at = at + l->hdr + h->caplen;
        /* libpcap scales microseconds to nanoseconds without checking them */
        f->bad = h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000;
        f->data = d;
        f->caplen = h->caplen;
        f->wirelen = h->len;
        /* the file holds 32 unsigned bits of seconds; libpcap 1.10 passes
         * them through a signed 32-bit field (negative after 2038) */
        f->ts = (double)(uint32_t)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK) /* -2: no more packets */
        return 0;
    if (rd->have_ioerr)
        return pcap_rd_ioerr(rd, err);
    const char *why = pcap_geterr(l->pc);
    if (strstr(why, "truncated") != NULL)
        return ts_err_set(err, TS_EDAMAGED, "'%s': truncated packet record at offset %" PRIu64,
                          rd->name, at);
    return ts_err_set(err, TS_EDAMAGED, "'%s': bad packet record at offset %" PRIu64 " (%s)",
                      rd->name, at, why);
}

void pcap_lib_close(void *state)
{
    struct pcap_lib *l = state;
    if (l == NULL)
        return;
    pcap_close(l->pc); /* closes the cookie stream */
    free(l);
}

void *pcap_lib_open(struct pcap_rd *rd, enum pcap_reader_kind *kind, struct ts_err *err)
{
    struct pcap_lib *l = pcap_lib_start(rd, 1, err);
    if (l != NULL)
        *kind = PCAP_RD_LIB;
    return l;
}
