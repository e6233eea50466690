/* sink_text.c - the text report: blocks, network and unknown-transport sections, trailer. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "sink.h"

struct sink_text {
    struct sink k;
};

static int write_failed(struct sink *k, struct ts_err *err)
{
    return ts_err_errno(err, TS_EIO, errno ? errno : EIO, "'%s': cannot write the report",
                        k->p->out_name);
}

/* A live capture's counters, as a line of the report. */
static void capture_line(const struct capture_counts *c, FILE *out)
{
    fprintf(out, "Capture: %llu packets received, %llu dropped by the kernel, %llu dropped by the "
                 "interface\n",
            (unsigned long long)c->received, (unsigned long long)c->dropped_kernel,
            (unsigned long long)c->dropped_iface);
}

static int text_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    /* the text report has Total's intervals only */
    if (iv->stream != 0 || summary_counters(iv->s)->updates == 0)
        return 0;
    if (report_block(&k->p->ro, iv->s, "", k->p->verbose) != 0)
        return write_failed(k, err);
    if (iv->capture != NULL) {
        capture_line(iv->capture, k->p->ro.out);
        if (fflush(k->p->ro.out) != 0)
            return write_failed(k, err);
    }
    return 0;
}

static void local_sections(const struct sink_params *p, const struct sink_report *r, FILE *out)
{
    const struct report_opts *o = &p->ro;
    const char *type = o->conns ? "connections" : "packets";
    fprintf(out, "\n>== Top %zu local networks by number of %s\n\n", o->topn, type);
    for (size_t i = 0; r->net_rank != NULL && i < r->nnets && i < o->topn; i++) {
        size_t idx = r->net_rank[i];
        const struct summary_counters *c = summary_counters(r->nets[idx]);
        char v[FMT_VAL_MAX];
        double pk = (double)c->pkts * (c->updates ? o->factor : 1);
        bool fl = o->factor_float && c->updates > 0;
        fprintf(out, "    %2zu %5s  %-16s %s \n", i + 1, fmt_val(v, sizeof v, pk, fl),
                netset_cidr(p->local_nets, idx), netset_descr(p->local_nets, idx));
    }
    fputc('\n', out);
    if (r->n_nonlocal > 0) {
        fprintf(out, "\n>== %llu %s did not have any local address. Here are the first %zu:\n\n",
                (unsigned long long)r->nonlocal_count, type, o->topn);
        for (size_t i = 0; i < r->n_nonlocal; i++) {
            char a[64], b[64];
            fprintf(out, "    %s <-> %s\n",
                    fmt_addr(a, sizeof a, r->nonlocal[i].a + 1, r->nonlocal[i].a[0]),
                    fmt_addr(b, sizeof b, r->nonlocal[i].b + 1, r->nonlocal[i].b[0]));
        }
    }
}

/* The unknown-transport pairs as the original printed them: raw line
 * counts (not weighted by -b nor scaled by -s/-S), every pair kept, by
 * count, ties in order of first appearance. */
static void unknown_section(const struct sink_report *r, FILE *out)
{
    if (r->unknown_total == 0)
        return;
    char v[FMT_VAL_MAX];
    fputs("\n>== Unknown Transport Connections Summary by Source/Destination IPs\n\n", out);
    fprintf(out, "     %-40s | %-40s | Count\n     ", "Source IP", "Destination IP");
    for (int i = 0; i < 100; i++)
        fputc('-', out);
    fputc('\n', out);
    for (size_t i = 0; i < r->n_unknown; i++)
        fprintf(out, "     %-40s | %-40s | %s\n", r->unknown[i].src, r->unknown[i].dst,
                fmt_val(v, sizeof v, (double)r->unknown[i].count, false));
    if (r->unknown_dropped)
        fprintf(out,
                "     ~ partial: the first %zu pairs are kept; %llu lines of other pairs count "
                "in the total only\n",
                r->n_unknown, (unsigned long long)r->unknown_dropped);
    fprintf(out, "\n     Total unknown_transport connections: %s\n\n",
            fmt_val(v, sizeof v, (double)r->unknown_total, false));
}

/* The reader's lines after the report: what it could not count. */
static void trailer(const struct sink_report *r, FILE *out)
{
    const struct sink_input_stats *st = r->input;
    if (st != NULL && !st->conns) {
        if (st->not_decoded)
            fprintf(out, "Not decoded: %llu frames of link types %s\n",
                    (unsigned long long)st->not_decoded,
                    st->not_decoded_link_types ? st->not_decoded_link_types : "");
        if (st->not_ip)
            fprintf(out, "Not IP: %llu frames (ARP, STP, LLC, ...)\n",
                    (unsigned long long)st->not_ip);
        if (st->damaged)
            fprintf(out, "Damaged: %llu frames truncated or invalid in a header\n",
                    (unsigned long long)st->damaged);
        if (st->offloaded)
            fprintf(out,
                    "Offloaded: %llu packets captured before segmentation offload (TSO, BIG "
                    "TCP), sized from the frame\n",
                    (unsigned long long)st->offloaded);
        if (st->capture != NULL)
            capture_line(st->capture, out);
    }
    if (r->late)
        fprintf(out,
                "Late: %llu records arrived after their interval had been written "
                "(counted in the totals only; see --reorder)\n",
                (unsigned long long)r->late);
}

static int text_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    const struct sink_params *p = k->p;
    const struct report_opts *o = &p->ro;
    FILE *out = o->out;
    int rc = report_block(o, r->total, "Total", true);
    if (r->incoming != NULL) {
        local_sections(p, r, out);
        rc |= report_block(o, r->incoming, "Incoming", true);
        rc |= report_block(o, r->outgoing, "Outgoing", true);
        /* per-network blocks in the ranking's order, as the original sorted
         * its list in place before printing them */
        for (size_t i = 0; r->net_rank != NULL && i < r->nnets; i++) {
            char title[512];
            const struct summary *s = sink_net_block(p, r, i, title, sizeof title);
            if (s != NULL)
                rc |= report_block(o, s, title, true);
        }
    }
    unknown_section(r, out);
    rc |= report_first_last(o, r->total);
    if (rc == 0)
        trailer(r, out);
    if (fflush(out) != 0 || ferror(out) || rc != 0)
        return write_failed(k, err);
    return 0;
}

static const struct sink_ops text_ops = {
    .interval = text_interval,
    .finish = text_finish,
};

struct sink *sink_text_new(const struct sink_params *p)
{
    return sink_alloc(sizeof(struct sink_text), &text_ops, p);
}
