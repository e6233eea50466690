/*
 * html_page.c - renders one input as the HTML page and, for the same
 * summaries, the JSON blocks, so that tests/html.test can compare the two.
 *
 * A small stand-in for the tool's pipeline (no filters, no sampling): it
 * reads a connection log (-c) or a packet trace, counts Total, Incoming,
 * Outgoing and each local network (-l FILE), and the counters of each
 * interval (-i SECS), with host tables of k keys (-k K: small k makes the
 * address columns evict).
 *
 * Usage: html_page [-c] [-l NETS] [-i SECS] [-n N] [-k K] INPUT PAGE.html BLOCKS.json
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn_log.h"
#include "fmt.h"
#include "html_out.h"
#include "input.h"
#include "json_out.h"
#include "netset.h"
#include "pcap_in.h"
#include "report.h"
#include "sink.h"
#include "summary.h"

#define SEED 7
#define MAX_INTERVALS 100000
#define MAX_PAIRS 16

/* Distinct address pairs in order of appearance, with their counts. */
struct pairs {
    struct html_pair p[MAX_PAIRS];
    char text[MAX_PAIRS][2][64];
    size_t n;
};

static void pair_add(struct pairs *ps, const char *a, const char *b)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->text[i][0], a) == 0 && strcmp(ps->text[i][1], b) == 0) {
            ps->p[i].count++;
            return;
        }
    if (ps->n == MAX_PAIRS)
        return;
    snprintf(ps->text[ps->n][0], sizeof ps->text[0][0], "%s", a);
    snprintf(ps->text[ps->n][1], sizeof ps->text[0][1], "%s", b);
    ps->p[ps->n] = (struct html_pair){ps->text[ps->n][0], ps->text[ps->n][1], 1};
    ps->n++;
}

struct ivl {
    struct summary_counters c[3];
};

struct run {
    bool conns;
    long long ilen;
    const struct netset *nets;
    struct summary *total, *in, *out, **net;
    struct ivl *ivl;
    long long base;
    size_t lo, nivl; /* intervals [lo, nivl) of ivl were counted */
    uint64_t nonlocal, unknown_total;
    struct pairs nonlocal_pairs, unknown;
};

static void count_interval(struct run *r, double ts, int dir, const struct summary_update *u)
{
    if (r->ilen <= 0)
        return;
    long long idx = (long long)floor(ts / (double)r->ilen) - r->base;
    if (idx < 0 || idx >= MAX_INTERVALS)
        return;
    if ((size_t)idx >= r->nivl)
        r->nivl = (size_t)idx + 1;
    if ((size_t)idx < r->lo)
        r->lo = (size_t)idx;
    struct summary_counters *c = &r->ivl[idx].c[dir];
    c->pkts++;
    c->bytes += u->bytes;
}

static void add_unknown(struct run *r, const struct ts_record *rec)
{
    r->unknown_total++;
    char a[64], b[64];
    snprintf(a, sizeof a, "%.*s", (int)rec->src_text.len, rec->src_text.p);
    snprintf(b, sizeof b, "%.*s", (int)rec->dst_text.len, rec->dst_text.p);
    pair_add(&r->unknown, a, b);
}

static void add_record(struct run *r, const struct ts_record *rec)
{
    struct summary_update u;
    struct summary_strings keep;
    struct summary_update_params up = {.conns = r->conns, .hash_ports = true, .seed = SEED};
    summary_update_prepare(&u, rec, &up, &keep);
    summary_add(r->total, &u, true);
    if (r->ilen > 0 && r->nivl == 0) { /* room for records earlier than the first */
        r->base = (long long)floor(rec->ts / (double)r->ilen) - MAX_INTERVALS / 4;
        r->lo = MAX_INTERVALS;
    }
    count_interval(r, rec->ts, 0, &u);
    if (r->nets == NULL)
        return;
    int s = netset_lookup(r->nets, rec->src.b, rec->src.len);
    int d = netset_lookup(r->nets, rec->dst.b, rec->dst.len);
    int net = s >= 0 ? s : d;
    if (net < 0) {
        char a[64], b[64];
        r->nonlocal++;
        pair_add(&r->nonlocal_pairs, fmt_addr(a, sizeof a, rec->src.b, rec->src.len),
                 fmt_addr(b, sizeof b, rec->dst.b, rec->dst.len));
        return;
    }
    summary_add(r->net[net], &u, true);
    summary_add(s >= 0 ? r->out : r->in, &u, true);
    count_interval(r, rec->ts, s >= 0 ? 2 : 1, &u);
}

static int read_input(struct run *r, const char *path)
{
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    if (in == NULL) {
        fprintf(stderr, "html_page: %s\n", err.msg);
        return -1;
    }
    struct ts_record rec;
    if (r->conns) {
        struct conn_parser *cp = conn_parser_new(0);
        struct ts_lines *l = ts_lines_new(in, 1 << 20);
        char *line;
        size_t len;
        int rc;
        while ((rc = ts_lines_next(l, &line, &len, &err)) > 0) {
            if (rc != 1)
                continue;
            int st = conn_parse_line(cp, line, len, &rec);
            if (st == CONN_RECORD)
                add_record(r, &rec);
            else if (st == CONN_UNKNOWN_TRANSPORT)
                add_unknown(r, &rec);
        }
        ts_lines_free(l);
        conn_parser_free(cp);
    } else {
        struct pcap_in *p = pcap_in_open(in, &err);
        if (p == NULL) {
            fprintf(stderr, "html_page: %s\n", err.msg);
            ts_input_close(in);
            return -1;
        }
        while (pcap_in_next(p, &rec, &err) > 0)
            add_record(r, &rec);
        pcap_in_close(p);
    }
    ts_input_close(in);
    return 0;
}

int main(int argc, char **argv)
{
    struct run r = {0};
    const char *nets_path = NULL;
    size_t topn = 10, k = 4096;
    int c;
    while ((c = getopt(argc, argv, "cl:i:n:k:")) != -1) {
        switch (c) {
        case 'c':
            r.conns = true;
            break;
        case 'l':
            nets_path = optarg;
            break;
        case 'i':
            r.ilen = strtoll(optarg, NULL, 10);
            break;
        case 'n':
            topn = strtoull(optarg, NULL, 10);
            break;
        case 'k':
            k = strtoull(optarg, NULL, 10);
            break;
        default:
            return 2;
        }
    }
    if (argc - optind != 3) {
        fprintf(stderr,
                "usage: html_page [-c] [-l NETS] [-i SECS] [-n N] [-k K] INPUT PAGE JSON\n");
        return 2;
    }
    struct ts_err err;
    struct netset *nets = NULL;
    if (nets_path != NULL && (nets = netset_read(nets_path, NULL, NULL, &err)) == NULL) {
        fprintf(stderr, "html_page: %s\n", err.msg);
        return 1;
    }
    r.nets = nets;
    struct summary_sizes z = {
        .k_ports = 1024, .k_addrs = k, .k_strings = 256, .cms_w = 1024, .cms_d = 4, .hll_p = 12};
    r.total = summary_new(&z, SEED);
    size_t nn = nets ? netset_count(nets) : 0;
    if (nets) {
        r.in = summary_new(&z, SEED);
        r.out = summary_new(&z, SEED);
        r.net = calloc(nn ? nn : 1, sizeof *r.net);
        for (size_t i = 0; i < nn; i++)
            r.net[i] = summary_new(&z, SEED);
    }
    r.ivl = r.ilen > 0 ? calloc(MAX_INTERVALS, sizeof *r.ivl) : NULL;
    if (read_input(&r, argv[optind]) != 0)
        return 1;

    FILE *page = fopen(argv[optind + 1], "w"), *js = fopen(argv[optind + 2], "w");
    if (page == NULL || js == NULL)
        return 1;
    struct html_meta m = {.input = argv[optind],
                          .conns = r.conns,
                          .topn = topn,
                          .factor = 1,
                          .ilen = r.ilen,
                          .seed = SEED,
                          .memory = summary_mem_bytes(r.total)};
    struct report_opts o = {.conns = r.conns, .topn = topn, .factor = 1, .seed = SEED};
    struct html_page *p = html_begin(page, &m);
    struct jw w;
    jw_init(&w, js);
    jw_begin_object(&w, NULL);
    jw_begin_array(&w, "intervals");
    for (size_t i = r.lo; i < r.nivl; i++) {
        double start = (double)(r.base + (long long)i) * (double)r.ilen;
        struct ivl *v = &r.ivl[i];
        for (unsigned d = 0; d < (nets ? 3u : 1u); d++) /* intervals without records too */
            html_interval(p, d, r.base + (long long)i, start, &v->c[d]);
        jw_begin_object(&w, NULL);
        jw_double(&w, "start", start);
        for (int d = 0; d < (nets ? 3 : 1); d++) {
            static const char *const names[3] = {"total", "incoming", "outgoing"};
            jw_begin_object(&w, names[d]);
            jw_u64(&w, "records", v->c[d].pkts);
            jw_u64(&w, "bytes", v->c[d].bytes);
            jw_end_object(&w);
        }
        jw_end_object(&w);
    }
    jw_end_array(&w);
    html_block(p, "Total", r.total, &o);
    sink_json_block(&o, r.total, "Total", &w, "total");
    if (nets) {
        struct html_net *hn = calloc(nn ? nn : 1, sizeof *hn);
        size_t *rank = calloc(nn ? nn : 1, sizeof *rank);
        for (size_t i = 0; i < nn; i++)
            rank[i] = i;
        for (size_t i = 1; i < nn; i++) /* by count, ties in the file's order */
            for (size_t j = i; j > 0 && summary_counters(r.net[rank[j]])->pkts >
                                            summary_counters(r.net[rank[j - 1]])->pkts;
                 j--) {
                size_t t = rank[j];
                rank[j] = rank[j - 1];
                rank[j - 1] = t;
            }
        jw_begin_array(&w, "local_networks");
        for (size_t i = 0; i < nn; i++) {
            size_t x = rank[i];
            hn[i] = (struct html_net){netset_cidr(nets, x), netset_descr(nets, x),
                                      (double)summary_counters(r.net[x])->pkts, false};
            jw_begin_object(&w, NULL);
            jw_cstring(&w, "network", hn[i].cidr);
            jw_cstring(&w, "description", hn[i].descr);
            jw_double(&w, "count", hn[i].count);
            jw_end_object(&w);
        }
        jw_end_array(&w);
        size_t np = r.nonlocal_pairs.n < topn ? r.nonlocal_pairs.n : topn;
        html_networks(p, hn, nn, r.nonlocal, r.nonlocal_pairs.p, np);
        jw_begin_object(&w, "no_local_address");
        jw_double(&w, "count", (double)r.nonlocal);
        jw_begin_array(&w, "first_pairs");
        for (size_t i = 0; i < np; i++) {
            jw_begin_array(&w, NULL);
            jw_cstring(&w, NULL, r.nonlocal_pairs.p[i].a);
            jw_cstring(&w, NULL, r.nonlocal_pairs.p[i].b);
            jw_end_array(&w);
        }
        jw_end_array(&w);
        jw_end_object(&w);
        html_block(p, "Incoming", r.in, &o);
        sink_json_block(&o, r.in, "Incoming", &w, "incoming");
        html_block(p, "Outgoing", r.out, &o);
        sink_json_block(&o, r.out, "Outgoing", &w, "outgoing");
        free(hn);
        free(rank);
    }
    if (r.unknown_total > 0) {
        struct html_pair *u = r.unknown.p;
        for (size_t i = 1; i < r.unknown.n; i++) /* by count, ties in order of appearance */
            for (size_t j = i; j > 0 && u[j].count > u[j - 1].count; j--) {
                struct html_pair t = u[j];
                u[j] = u[j - 1];
                u[j - 1] = t;
            }
        html_unknown(p, u, r.unknown.n, (double)r.unknown_total, 0);
        jw_begin_object(&w, "unknown_transport");
        jw_double(&w, "count", (double)r.unknown_total);
        jw_begin_array(&w, "pairs");
        for (size_t i = 0; i < r.unknown.n; i++) {
            jw_begin_object(&w, NULL);
            jw_cstring(&w, "source", u[i].a);
            jw_cstring(&w, "destination", u[i].b);
            jw_double(&w, "count", u[i].count);
            jw_end_object(&w);
        }
        jw_end_array(&w);
        jw_end_object(&w);
    }
    jw_end_object(&w);
    struct html_stats st = {0};
    int rc = html_finish(p, &st);
    rc |= fclose(page) | fclose(js);
    summary_free(r.total);
    summary_free(r.in);
    summary_free(r.out);
    for (size_t i = 0; i < nn; i++)
        summary_free(r.net[i]);
    free(r.net);
    free(r.ivl);
    netset_free(nets);
    return rc ? 1 : 0;
}
