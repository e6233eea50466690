/*
 * pcap_in.c - packet records from a trace: the reader chosen by the magic bytes, then the decoder.
 *
 * The first four bytes of the (decompressed) stream choose the reader from
 * the table below (libpcap savefile.c's check_headers[]; the bytes are in
 * trace_magic.h, which the table of input formats in reader.c shares):
 *
 *   0a 0d 0d 0a                    pcapng            pcap_ng.c
 *   a1 b2 c3 d4, a1 b2 3c 4d,      classic pcap      pcap_fast.c (libpcap
 *   and both byte-swapped          2.4, us or ns     checks the header)
 *   anything else                  libpcap           pcap_lib.c (libpcap
 *                                                    rejects what it cannot read)
 *
 * Each frame then goes through the decoder (decode.h); frames that are not
 * packets of the summary are counted here and skipped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pcap_fast.h"
#include "pcap_filter.h"
#include "pcap_in.h"
#include "pcap_lib.h"
#include "pcap_ng.h"
#include "pcap_rd.h"
#include "trace_magic.h"

static const struct {
    const char *magic; /* TRACE_MAGIC_LEN bytes */
    pcap_reader_open_fn *open;
} check_headers[] = {
    {TRACE_MAGIC_PCAPNG, pcap_ng_open},       /* pcapng section header */
    {TRACE_MAGIC_PCAP_BE_US, pcap_fast_open}, /* pcap, big-endian, us */
    {TRACE_MAGIC_PCAP_LE_US, pcap_fast_open}, /* pcap, little-endian, us */
    {TRACE_MAGIC_PCAP_BE_NS, pcap_fast_open}, /* pcap, big-endian, ns */
    {TRACE_MAGIC_PCAP_LE_NS, pcap_fast_open}, /* pcap, little-endian, ns */
};
/* anything else: pcap_lib_open */

struct pcap_in {
    struct pcap_rd rd;
    enum pcap_reader_kind kind;
    void *state;
    struct pcap_in_stats st;
    struct pcap_filter *filter; /* NULL: every frame */
};

struct pcap_in *pcap_in_open(struct ts_input *in, struct ts_err *err)
{
    struct pcap_in *p = calloc(1, sizeof *p);
    if (p == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    p->rd.in = in;
    p->rd.name = ts_input_name(in);
    ts_err_clear(&p->rd.ioerr);

    ssize_t got = ts_input_read_full(in, p->rd.magic, 4, err);
    if (got < 0)
        goto fail;
    if (got < 4) {
        ts_err_set(err, TS_EFORMAT, "'%s': not a pcap or pcapng trace (%s)", p->rd.name,
                   got == 0 ? "empty file" : "too short");
        goto fail;
    }
    p->rd.offset = 4;
    pcap_reader_open_fn *open = pcap_lib_open;
    for (size_t i = 0; i < sizeof check_headers / sizeof check_headers[0]; i++)
        if (memcmp(p->rd.magic, check_headers[i].magic, TRACE_MAGIC_LEN) == 0) {
            open = check_headers[i].open;
            break;
        }
    p->state = open(&p->rd, &p->kind, err);
    if (p->state == NULL)
        goto fail;
    return p;
fail:
    free(p->rd.buf);
    free(p);
    return NULL;
}

void pcap_in_close(struct pcap_in *p)
{
    if (p == NULL)
        return;
    switch (p->kind) {
    case PCAP_RD_NG:
        pcap_ng_close(p->state);
        break;
    case PCAP_RD_FAST:
        pcap_fast_close(p->state);
        break;
    case PCAP_RD_LIB:
        pcap_lib_close(p->state);
        break;
    }
    pcap_filter_free(p->filter);
    free(p->rd.buf);
    free(p);
}

int pcap_in_set_filter(struct pcap_in *p, const char *expr, struct ts_err *err)
{
    pcap_filter_free(p->filter);
    p->filter = pcap_filter_new(expr, err);
    return p->filter == NULL ? err->code : 0;
}

static void note_unsupported(struct pcap_in_stats *st, int dlt)
{
    const char *name = pcap_datalink_val_to_name(dlt);
    char num[32];
    if (name == NULL) {
        snprintf(num, sizeof num, "LINKTYPE_%d", dlt);
        name = num;
    }
    /* already listed? names are separated by ", " */
    const char *s = st->unsupported_names;
    size_t nl = strlen(name);
    size_t listed = 0;
    while (*s != '\0') {
        listed++;
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == nl && memcmp(s, name, nl) == 0)
            return;
        if (e == NULL)
            break;
        s = e + 2;
    }
    if (listed >= 8)
        return;
    size_t used = strlen(st->unsupported_names);
    size_t need = nl + (used ? 2 : 0);
    if (used + need + 1 > sizeof st->unsupported_names)
        return;
    if (used) {
        memcpy(st->unsupported_names + used, ", ", 2);
        used += 2;
    }
    memcpy(st->unsupported_names + used, name, nl + 1);
}

/* The reader's next frame, by a direct call (see pcap_rd.h). */
static inline int reader_next(struct pcap_in *p, struct pcap_frame *f, struct ts_err *err)
{
    switch (p->kind) {
    case PCAP_RD_FAST:
        return pcap_fast_next(p->state, &p->rd, f, err);
    case PCAP_RD_NG:
        return pcap_ng_next(p->state, &p->rd, f, err);
    case PCAP_RD_LIB:
    default:
        return pcap_lib_next(p->state, &p->rd, f, err);
    }
}

/* Decodes one frame into *out, counting it in *st: 1 for a packet of the
 * summary, 0 for a frame that is not one. */
static inline int decode_frame(struct pcap_in_stats *st, const struct pcap_frame *f,
                               struct ts_record *out)
{
    st->frames++;
    int offloaded = 0;
    enum pkt_status ps = f->bad ? PKT_DAMAGED
                                : pkt_decode_wire(f->dlt, f->data, f->caplen, f->wirelen, out,
                                                  &offloaded);
    switch (ps) {
    case PKT_OK:
        st->packets++;
        st->offloaded += (uint64_t)offloaded;
        out->ts = f->ts;
        out->end = f->ts;
        return 1;
    case PKT_NOT_IP:
        st->not_ip++;
        break;
    case PKT_UNSUPPORTED:
        st->unsupported++;
        note_unsupported(st, f->dlt);
        break;
    case PKT_DAMAGED:
    default:
        if (st->damaged++ == 0) {
            st->first_damaged_frame = st->frames;
            st->first_damaged_offset = f->at;
        }
        break;
    }
    return 0;
}

int pcap_in_decode(struct pcap_in_stats *st, const struct pcap_frame *f, struct ts_record *out)
{
    return decode_frame(st, f, out);
}

int pcap_in_next(struct pcap_in *p, struct ts_record *out, struct ts_err *err)
{
    for (;;) {
        /* every reader sets every field; the compiler cannot see it */
        struct pcap_frame f = {.data = NULL};
        int rc = reader_next(p, &f, err);
        if (rc <= 0)
            return rc;
        if (p->filter != NULL) {
            int m = pcap_filter_match(p->filter, f.dlt, p->rd.be, f.data, f.caplen, f.wirelen, err);
            if (m < 0)
                return m;
            if (m == 0) {
                p->st.filtered++;
                continue;
            }
        }
        if (decode_frame(&p->st, &f, out))
            return 1;
    }
}

void pcap_in_stats(const struct pcap_in *p, struct pcap_in_stats *st)
{
    *st = p->st;
}
