/* sink_html.c - the HTML page (html_out.h) as a sink: the report, drawn, in a file of its own. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "html_out.h"
#include "sink.h"

struct sink_html {
    struct sink k;
    FILE *f;
    const char *name;
    struct html_page *page; /* between begin and finish */
};

static int write_failed(struct sink_html *h, struct ts_err *err)
{
    return ts_err_errno(err, TS_EIO, errno ? errno : EIO, "'%s': cannot write the page", h->name);
}

static int html_sink_begin(struct sink *k, struct ts_err *err)
{
    struct sink_html *h = (struct sink_html *)k;
    const struct sink_params *p = k->p;
    struct html_meta m = {
        .input = p->input_name ? p->input_name : "-",
        .conns = p->ro.conns,
        .topn = p->ro.topn,
        .by_bytes = p->ro.by_bytes,
        .factor = p->ro.factor,
        .factor_float = p->ro.factor_float,
        .sample_p = p->ro.sample_p,
        .ilen = p->ilen,
        .seed = p->seed,
        .memory = p->memory,
    };
    h->page = html_begin(h->f, &m);
    if (h->page == NULL)
        return ts_err_set(err, TS_ENOMEM, "'%s': out of memory for the page", h->name);
    return ferror(h->f) ? write_failed(h, err) : 0;
}

static int html_sink_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    struct sink_html *h = (struct sink_html *)k;
    (void)err;
    return html_interval(h->page, iv->stream, iv->idx, iv->start, summary_counters(iv->s));
}

/* The ranking and the pairs without a local address, as html_networks
 * takes them. Returns 0 or -1 (out of memory or a write error). */
static int networks(struct sink_html *h, const struct sink_report *r)
{
    const struct sink_params *p = h->k.p;
    const struct report_opts *o = &p->ro;
    size_t n = r->net_rank != NULL ? r->nnets : 0;
    struct html_net *nets = calloc(n ? n : 1, sizeof *nets);
    struct html_pair *pairs = calloc(r->n_nonlocal ? r->n_nonlocal : 1, sizeof *pairs);
    char(*text)[2][64] = calloc(r->n_nonlocal ? r->n_nonlocal : 1, sizeof *text);
    int rc = -1;
    if (nets != NULL && pairs != NULL && text != NULL) {
        for (size_t i = 0; i < n; i++) {
            size_t idx = r->net_rank[i];
            const struct summary_counters *c = summary_counters(r->nets[idx]);
            /* as the text report: an empty network's count is not scaled */
            nets[i] = (struct html_net){
                netset_cidr(p->local_nets, idx), netset_descr(p->local_nets, idx),
                (double)c->pkts * (c->updates ? o->factor : 1), o->factor_float && c->updates > 0};
        }
        for (size_t i = 0; i < r->n_nonlocal; i++) {
            const struct sink_pair *sp = &r->nonlocal[i];
            pairs[i] = (struct html_pair){
                fmt_addr(text[i][0], sizeof text[i][0], sp->a + 1, sp->a[0]),
                fmt_addr(text[i][1], sizeof text[i][1], sp->b + 1, sp->b[0]), -1};
        }
        rc = html_networks(h->page, nets, n, r->nonlocal_count, pairs, r->n_nonlocal);
    }
    free(nets);
    free(pairs);
    free(text);
    return rc;
}

static int unknown(struct sink_html *h, const struct sink_report *r)
{
    const struct report_opts *o = &h->k.p->ro;
    struct html_pair *pairs = calloc(r->n_unknown ? r->n_unknown : 1, sizeof *pairs);
    if (pairs == NULL)
        return -1;
    for (size_t i = 0; i < r->n_unknown; i++)
        pairs[i] = (struct html_pair){r->unknown[i].src, r->unknown[i].dst,
                                      (double)r->unknown[i].count * o->factor};
    int rc = html_unknown(h->page, pairs, r->n_unknown, (double)r->unknown_total * o->factor,
                          r->unknown_dropped);
    free(pairs);
    return rc;
}

static int html_sink_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    struct sink_html *h = (struct sink_html *)k;
    const struct sink_params *p = k->p;
    const struct report_opts *o = &p->ro;
    int rc = html_block(h->page, "Total", r->total, o);
    if (r->incoming != NULL) {
        rc |= networks(h, r);
        rc |= html_block(h->page, "Incoming", r->incoming, o);
        rc |= html_block(h->page, "Outgoing", r->outgoing, o);
        for (size_t i = 0; r->net_rank != NULL && i < r->nnets; i++) {
            char title[512];
            const struct summary *s = sink_net_block(p, r, i, title, sizeof title);
            if (s != NULL)
                rc |= html_block(h->page, title, s, o);
        }
    }
    if (r->unknown_kept && r->unknown_total > 0)
        rc |= unknown(h, r);
    struct html_stats st = {.late = r->late};
    if (r->input != NULL) {
        st.corrupt_lines = r->input->corrupt_lines;
        st.frames = r->input->frames;
        st.not_ip = r->input->not_ip;
        st.not_decoded = r->input->not_decoded;
        st.damaged = r->input->damaged;
        st.damage = r->input->damage;
    }
    rc |= html_finish(h->page, &st);
    h->page = NULL;
    if (fflush(h->f) != 0 || rc != 0)
        return write_failed(h, err);
    return 0;
}

static void html_sink_free(struct sink *k)
{
    struct sink_html *h = (struct sink_html *)k;
    html_free(h->page);
}

static const struct sink_ops html_ops = {
    .begin = html_sink_begin,
    .interval = html_sink_interval,
    .finish = html_sink_finish,
    .free = html_sink_free,
};

struct sink *sink_html_new(const struct sink_params *p, FILE *out, const char *name)
{
    struct sink_html *h = (struct sink_html *)sink_alloc(sizeof *h, &html_ops, p);
    if (h == NULL)
        return NULL;
    h->f = out;
    h->name = name;
    return &h->k;
}
