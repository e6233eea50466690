/* sink_json.c - the JSON document: parameters, intervals, summaries, input statistics. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "fmt.h"
#include "json_out.h"
#include "sink.h"

struct sink_json {
    struct sink k;
    struct jw jw;
};

static const char *const json_col_names[COL_COUNT] = {"ports",    "sources",   "destinations",
                                                      "services", "protocols", "states"};

/* One block as a JSON object (key may be NULL inside an array): its
 * counters, distinct sources and destinations, and every column's top
 * entries with estimate, lower and upper bound and exactness, plus the
 * parameters behind the bounds. */
/* A live capture's counters as an object. */
static void json_capture(struct jw *w, const struct capture_counts *c)
{
    jw_begin_object(w, "capture");
    jw_u64(w, "received", c->received);
    jw_u64(w, "dropped_kernel", c->dropped_kernel);
    jw_u64(w, "dropped_interface", c->dropped_iface);
    jw_end_object(w);
}

static void block_fields(const struct report_opts *o, const struct summary *s, const char *title,
                         struct jw *w);

static void json_block(const struct report_opts *o, const struct summary *s, const char *title,
                       struct jw *w, const char *key)
{
    jw_begin_object(w, key);
    block_fields(o, s, title, w);
    jw_end_object(w);
}

/* The members of a block's object. */
static void block_fields(const struct report_opts *o, const struct summary *s, const char *title,
                         struct jw *w)
{
    const struct summary_counters *c = summary_counters(s);
    bool sampled = o->sample_p > 0 && o->sample_p < 1;
    jw_cstring(w, "title", title);
    if (c->updates > 0) {
        jw_double(w, "start", c->start);
        jw_double(w, "end", c->end);
    } else {
        jw_null(w, "start");
        jw_null(w, "end");
    }
    jw_double(w, o->conns ? "connections" : "packets", report_scaled(o, c->pkts));
    jw_double(w, "bytes", report_scaled(o, c->bytes));
    jw_double(w, "payload", report_scaled(o, c->payload));
    if (!o->conns)
        jw_double(w, "frags", report_scaled(o, c->frags));
    jw_bool(w, "exact_counters", !sampled);
    double se = summary_distinct_stderr(s);
    for (int src = 1; src >= 0; src--) {
        double d = summary_distinct(s, src);
        jw_begin_object(w, src ? "distinct_sources" : "distinct_destinations");
        if (d < 0) {
            jw_null(w, "estimate");
        } else {
            jw_double(w, "estimate", floor(d + 0.5));
            jw_double(w, "relative_std_error", se);
        }
        jw_end_object(w);
    }
    unsigned lost = summary_lost(s);
    if (lost != 0) { /* a merge across seeds */
        jw_begin_object(w, "lost_in_merge");
        jw_bool(w, "count_min_bounds", (lost & SUMMARY_LOST_BOUNDS) != 0);
        jw_bool(w, "distinct_counts", (lost & SUMMARY_LOST_DISTINCT) != 0);
        jw_end_object(w);
    }
    double total = report_scaled(o, (o->by_bytes && c->bytes) ? c->bytes : c->pkts);
    jw_cstring(w, "percent_of",
               o->by_bytes && c->bytes ? "bytes"
               : o->conns              ? "connections"
                                       : "packets");
    jw_begin_object(w, "columns");
    size_t n = o->topn;
    struct ss_entry *top = n ? calloc(n, sizeof *top) : NULL;
    for (int col = 0; col < COL_COUNT; col++) {
        if (!o->conns && (col == COL_SERVICES || col == COL_STATES))
            continue;
        struct summary_col_info ci;
        summary_col_info(s, (enum summary_col)col, &ci);
        if (!summary_col_kept(s, (enum summary_col)col))
            continue; /* not kept (-m, -R) */
        bool exact = summary_col_exact(s, (enum summary_col)col);
        jw_begin_object(w, json_col_names[col]);
        jw_bool(w, "exact", exact && !sampled);
        jw_begin_object(w, "sketch");
        if (!ci.sketched) {
            jw_cstring(w, "algorithm", "exact counters"); /* protocols, ports in a direct table */
        } else {
            jw_cstring(w, "algorithm", "space-saving");
            jw_u64(w, "k", ci.k);
            jw_bool(w, "evicted", ci.evicted);
            jw_u64(w, "weight_total", ci.weight_total);
            jw_u64(w, "max_error", ci.max_error);
            size_t cw, cd;
            summary_cms_dims(s, &cw, &cd);
            if ((col == COL_SRCS || col == COL_DSTS) && cw) {
                jw_begin_object(w, "count_min");
                jw_u64(w, "width", cw);
                jw_u64(w, "depth", cd);
                jw_end_object(w);
            }
        }
        if (sampled) {
            jw_double(w, "sample_probability", o->sample_p);
            jw_double(w, "confidence", 0.95);
        }
        jw_end_object(w);
        jw_begin_array(w, "entries");
        size_t got = top ? summary_top(s, (enum summary_col)col, top, n) : 0;
        for (size_t i = 0; i < got; i++) {
            const struct ss_entry *e = &top[i];
            char item[REPORT_KEY_MAX];
            report_key_text(item, sizeof item, (enum summary_col)col, e);
            double lo, hi, est = report_scaled(o, e->count);
            uint64_t lo_c, hi_c;
            report_count_bounds(s, (enum summary_col)col, e, &lo_c, &hi_c);
            report_scaled_bounds(o, lo_c, hi_c, &lo, &hi);
            jw_begin_object(w, NULL);
            if (col == COL_SERVICES || col == COL_STATES)
                jw_string(w, "key", (const char *)e->key, e->len);
            else
                jw_cstring(w, "key", item);
            jw_double(w, "estimate", est);
            jw_double(w, "lower", lo);
            jw_double(w, "upper", hi);
            jw_double(w, "percent", total ? est / total * 100.0 : NAN);
            if (total && lo != hi) {
                double plo, phi;
                report_printed_range(lo, hi, total, &plo, &phi);
                jw_begin_array(w, "printed_percent_range");
                jw_double(w, NULL, plo);
                jw_double(w, NULL, phi);
                jw_end_array(w);
            }
            jw_bool(w, "exact", !sampled && lo_c == hi_c && lo_c == e->count);
            jw_end_object(w);
        }
        jw_end_array(w);
        jw_end_object(w);
    }
    free(top);
    jw_end_object(w); /* columns */
}

static int write_failed(struct sink *k, struct ts_err *err)
{
    return ts_err_errno(err, TS_EIO, errno ? errno : EIO, "'%s': cannot write the report",
                        k->p->out_name);
}

/* Opens the document: parameters, then the array of intervals that are
 * written as they close. */
static int json_begin(struct sink *k, struct ts_err *err)
{
    struct sink_json *j = (struct sink_json *)k;
    const struct sink_params *p = k->p;
    const struct report_opts *o = &p->ro;
    struct jw *w = &j->jw;
    jw_init(w, o->out);
    jw_begin_object(w, NULL);
    jw_cstring(w, "generator", PACKAGE_NAME " " PACKAGE_VERSION);
    jw_begin_object(w, "parameters");
    jw_cstring(w, "input", p->input_name ? p->input_name : "-");
    jw_cstring(w, "input_kind", o->conns ? "connection log" : "packet trace");
    jw_u64(w, "topn", o->topn);
    jw_bool(w, "by_bytes", o->by_bytes);
    jw_double(w, "sample_factor", o->sample_p > 0 ? 1 : o->factor);
    if (o->sample_p > 0)
        jw_double(w, "sample_probability", o->sample_p);
    else
        jw_null(w, "sample_probability");
    jw_u64(w, "seed", p->seed);
    jw_u64(w, "memory_budget", p->memory);
    if (p->ilen > 0) {
        jw_double(w, "interval_seconds", (double)p->ilen);
        jw_double(w, "reorder_seconds", p->reorder);
    }
    jw_end_object(w);
    jw_begin_array(w, "intervals");
    return ferror(o->out) ? write_failed(k, err) : 0;
}

static int json_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    struct sink_json *j = (struct sink_json *)k;
    if (iv->stream != 0 || summary_counters(iv->s)->updates == 0)
        return 0;
    jw_begin_object(&j->jw, NULL);
    block_fields(&k->p->ro, iv->s, "", &j->jw);
    if (iv->capture != NULL)
        json_capture(&j->jw, iv->capture);
    jw_end_object(&j->jw);
    if (iv->capture != NULL)
        fflush(k->p->ro.out);
    return ferror(k->p->ro.out) ? write_failed(k, err) : 0;
}

static void json_networks(const struct sink_params *p, const struct sink_report *r, struct jw *w)
{
    const struct report_opts *o = &p->ro;
    json_block(o, r->incoming, "Incoming", w, "incoming");
    json_block(o, r->outgoing, "Outgoing", w, "outgoing");
    jw_begin_array(w, "local_networks");
    for (size_t i = 0; r->net_rank != NULL && i < r->nnets; i++) {
        size_t idx = r->net_rank[i];
        char title[512];
        snprintf(title, sizeof title, "%s %s", netset_cidr(p->local_nets, idx),
                 netset_descr(p->local_nets, idx));
        jw_begin_object(w, NULL);
        jw_u64(w, "rank", i + 1);
        jw_cstring(w, "network", netset_cidr(p->local_nets, idx));
        jw_cstring(w, "description", netset_descr(p->local_nets, idx));
        json_block(o, r->nets[idx], title, w, "summary");
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_begin_object(w, "no_local_address");
    jw_double(w, "count", (double)r->nonlocal_count);
    jw_begin_array(w, "first_pairs");
    for (size_t i = 0; i < r->n_nonlocal; i++) {
        char a[64], b[64];
        jw_begin_array(w, NULL);
        jw_cstring(w, NULL, fmt_addr(a, sizeof a, r->nonlocal[i].a + 1, r->nonlocal[i].a[0]));
        jw_cstring(w, NULL, fmt_addr(b, sizeof b, r->nonlocal[i].b + 1, r->nonlocal[i].b[0]));
        jw_end_array(w);
    }
    jw_end_array(w);
    jw_end_object(w);
}

static void json_unknown(const struct sink_report *r, struct jw *w)
{
    jw_begin_object(w, "unknown_transport");
    jw_double(w, "count", (double)r->unknown_total); /* raw lines */
    jw_begin_array(w, "pairs");
    for (size_t i = 0; i < r->n_unknown; i++) {
        jw_begin_object(w, NULL);
        jw_cstring(w, "source", r->unknown[i].src);
        jw_cstring(w, "destination", r->unknown[i].dst);
        jw_double(w, "count", (double)r->unknown[i].count);
        jw_end_object(w);
    }
    jw_end_array(w);
    jw_u64(w, "not_listed", r->unknown_dropped);
    jw_end_object(w);
}

static void json_input(const struct sink_report *r, struct jw *w)
{
    static const struct sink_input_stats none;
    const struct sink_input_stats *st = r->input ? r->input : &none;
    jw_begin_object(w, "input");
    if (st->conns) {
        jw_u64(w, "corrupt_lines", st->corrupt_lines);
    } else {
        jw_u64(w, "frames", st->frames);
        jw_u64(w, "not_ip", st->not_ip);
        jw_u64(w, "not_decoded", st->not_decoded);
        jw_cstring(w, "not_decoded_link_types",
                   st->not_decoded_link_types ? st->not_decoded_link_types : "");
        jw_u64(w, "damaged_frames", st->damaged);
        jw_u64(w, "offloaded_packets", st->offloaded);
        if (st->capture != NULL)
            json_capture(w, st->capture);
    }
    jw_u64(w, "late_records", r->late);
    jw_bool(w, "file_damaged", st->file_damaged);
    if (st->damage)
        jw_cstring(w, "damage", st->damage);
    else
        jw_null(w, "damage");
    jw_end_object(w);
}

static int json_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    struct sink_json *j = (struct sink_json *)k;
    const struct sink_params *p = k->p;
    struct jw *w = &j->jw;
    jw_end_array(w); /* intervals */
    json_block(&p->ro, r->total, "Total", w, "total");
    if (r->incoming != NULL)
        json_networks(p, r, w);
    if (r->unknown_kept)
        json_unknown(r, w);
    json_input(r, w);
    jw_end_object(w);
    if (fflush(p->ro.out) != 0 || ferror(p->ro.out))
        return write_failed(k, err);
    return 0;
}

static const struct sink_ops json_ops = {
    .begin = json_begin,
    .interval = json_interval,
    .finish = json_finish,
};

struct sink *sink_json_new(const struct sink_params *p)
{
    return sink_alloc(sizeof(struct sink_json), &json_ops, p);
}
