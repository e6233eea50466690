/* reader_pcap.c - the trace family of the reader table: pcap and pcapng through pcap_in.h. */
#include "config.h"

#include <stdlib.h>

#include "reader_family.h"

struct pcap_reader {
    struct pcap_in *p;
    struct sampler *sampler;
};

static void *pcap_open(struct ts_input *in, const struct reader_opts *o, struct ts_err *err)
{
    struct pcap_reader *r = malloc(sizeof *r);
    if (r == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    r->sampler = o->sampler;
    r->p = pcap_in_open(in, err);
    if (r->p == NULL) {
        if (err->code == 0)
            err->code = TS_EFORMAT;
        free(r);
        return NULL;
    }
    if (o->filter != NULL && pcap_in_set_filter(r->p, o->filter, err) != 0) {
        pcap_in_close(r->p);
        free(r);
        return NULL;
    }
    return r;
}

static int pcap_next(void *state, struct ts_record *out, struct reader_bad *bad, struct ts_err *err)
{
    struct pcap_reader *r = state;
    (void)bad;
    for (;;) {
        int got = pcap_in_next(r->p, out, err);
        if (got <= 0)
            return got;
        if (!sampler_drop(r->sampler))
            return READER_RECORD;
    }
}

static void pcap_stats(const void *state, struct reader_stats *st)
{
    const struct pcap_reader *r = state;
    pcap_in_stats(r->p, &st->pcap);
}

static void pcap_close(void *state)
{
    struct pcap_reader *r = state;
    pcap_in_close(r->p);
    free(r);
}

const struct reader_family reader_family_pcap = {pcap_open, pcap_next, pcap_stats, pcap_close};
