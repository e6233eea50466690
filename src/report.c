#include "config.h"

#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json_out.h"
#include "stats.h"

#define CELL_MAX 256

static double scaled(const struct report_opts *o, uint64_t v)
{
    return o->factor == 1 ? (double)v : (double)v * o->factor;
}

static void service_display(char *dst, size_t n, const uint8_t *key, size_t len)
{
    /* "icmp-" -> "i-", then "netbios" -> "nb", on every occurrence */
    char tmp[SUMMARY_STR_MAX * 2 + 1];
    size_t w = 0;
    for (size_t i = 0; i < len && w + 1 < sizeof tmp;) {
        if (i + 5 <= len && memcmp(key + i, "icmp-", 5) == 0) {
            tmp[w++] = 'i';
            if (w + 1 < sizeof tmp)
                tmp[w++] = '-';
            i += 5;
        } else {
            tmp[w++] = (char)key[i++];
        }
    }
    tmp[w] = '\0';
    size_t o = 0;
    for (size_t i = 0; i < w && o + 1 < n;) {
        if (i + 7 <= w && memcmp(tmp + i, "netbios", 7) == 0) {
            dst[o++] = 'n';
            if (o + 1 < n)
                dst[o++] = 'b';
            i += 7;
        } else {
            dst[o++] = tmp[i++];
        }
    }
    dst[o] = '\0';
}

static void key_text(char *buf, size_t n, enum summary_col col, const struct ss_entry *e)
{
    switch (col) {
    case COL_PORTS:
        snprintf(buf, n, "%u", (unsigned)(e->key[0] << 8 | e->key[1]));
        break;
    case COL_PROTS:
        snprintf(buf, n, "%u", (unsigned)e->key[0]);
        break;
    case COL_SRCS:
    case COL_DSTS:
        fmt_addr(buf, n, e->key, e->len);
        break;
    case COL_SERVICES:
        service_display(buf, n, e->key, e->len);
        break;
    default: {
        size_t l = e->len < n - 1 ? e->len : n - 1;
        memcpy(buf, e->key, l);
        buf[l] = '\0';
        break;
    }
    }
}

static int header_line(const struct report_opts *o, const struct summary *s, const char *title)
{
    const struct summary_counters *c = summary_counters(s);
    char t1[FMT_TIME_MAX], t2[FMT_TIME_MAX], v[FMT_VAL_MAX];
    FILE *out = o->out;
    fprintf(out, "\n>== %s === %s - %s\n   - ", title, fmt_iso_time(t1, sizeof t1, c->start),
            fmt_iso_time(t2, sizeof t2, c->end));
    double pkts = scaled(o, c->pkts);
    if (!o->conns) {
        double bytes = scaled(o, c->bytes);
        fprintf(out, "Bytes %s - ", fmt_val(v, sizeof v, bytes, o->factor_float));
        fprintf(out, "Payload %s - ", fmt_val(v, sizeof v, scaled(o, c->payload), o->factor_float));
        fprintf(out, "Pkts %s - ", fmt_val(v, sizeof v, pkts, o->factor_float));
        if (pkts == 0)
            fprintf(out, "Frags (??%%) - ");
        else
            fprintf(out, "Frags %5.1f%% - ", (scaled(o, c->frags) / pkts) * 100.0);
        double span = c->end - c->start;
        double mbit = span == 0 ? 0 : bytes * 8 / 1024.0 / 1024.0 / span;
        fprintf(out, "MBit/s %8.1f - ", mbit);
    } else {
        fprintf(out, "Connections %s - ", fmt_val(v, sizeof v, pkts, o->factor_float));
        fprintf(out, "Payload %s - ", fmt_val(v, sizeof v, scaled(o, c->payload), o->factor_float));
    }
    if (o->factor != 1)
        fprintf(out, "Sampling %.2f%% -", 100.0 / o->factor);
    return 0;
}

struct colspec {
    enum summary_col col;
    size_t width;
};

static const char *const col_names[COL_COUNT] = {"Ports",    "Sources",   "Destinations",
                                                 "Services", "Protocols", "States"};

/* One shown entry: its key as text and its share as text. */
struct cell {
    char item[CELL_MAX];
    char pct[64];
};

/* Bounds of the true count behind entry e, scaled: Space-Saving's and
 * Count-Min's bounds, widened by the sampling interval under -S. */
static void entry_bounds(const struct report_opts *o, const struct summary *s, enum summary_col col,
                         const struct ss_entry *e, double *lo, double *hi)
{
    uint64_t lo_c = e->count, hi_c = e->count;
    if (col != COL_PROTS)
        summary_bounds(s, col, e, &lo_c, &hi_c);
    if (o->sample_p > 0 && o->sample_p < 1) {
        double l2, h2;
        stats_sample_interval(lo_c, o->sample_p, lo, &h2);
        stats_sample_interval(hi_c, o->sample_p, &l2, hi);
        if (*lo < 0)
            *lo = 0;
    } else {
        *lo = scaled(o, lo_c);
        *hi = scaled(o, hi_c);
    }
}

/* The printed range of shares, in percent with one decimal, rounded
 * outward so that the printed range contains the computed one. */
static void printed_range(double lo, double hi, double total, double *plo, double *phi)
{
    *plo = floor(lo / total * 1000.0 + 1e-9) / 10.0;
    *phi = ceil(hi / total * 1000.0 - 1e-9) / 10.0;
}

/* The share of e as the report prints it. Exact: "%5.1f%%" of the scaled
 * count, as the original. Approximate: the range of shares the true count
 * can have, "lo-hi%" rounded outward, or one value when the count is
 * known exactly. */
static void share_text(const struct report_opts *o, const struct summary *s, enum summary_col col,
                       const struct ss_entry *e, double total, bool approx, char *buf, size_t n)
{
    if (total == 0) {
        snprintf(buf, n, "(??%%)");
        return;
    }
    double lo, hi;
    if (approx)
        entry_bounds(o, s, col, e, &lo, &hi);
    if (!approx || lo == hi) {
        snprintf(buf, n, "%5.1f%%", (scaled(o, e->count) / total) * 100.0);
        return;
    }
    double plo, phi;
    printed_range(lo, hi, total, &plo, &phi);
    char a[24], b[24];
    snprintf(a, sizeof a, "%.1f", plo);
    snprintf(b, sizeof b, "%.1f", phi);
    if (strcmp(a, b) == 0)
        snprintf(buf, n, "%5s%%", a);
    else
        snprintf(buf, n, "%s-%s%%", a, b);
}

int report_block(const struct report_opts *o, const struct summary *s, const char *title,
                 bool table)
{
    FILE *out = o->out;
    header_line(o, s, title);
    if (!table) {
        fputc('\n', out);
        return ferror(out) ? -1 : 0;
    }
    size_t n = o->topn;
    struct ss_entry *top[COL_COUNT];
    struct cell *cells[COL_COUNT];
    size_t got[COL_COUNT];
    bool approx[COL_COUNT];
    size_t pctw[COL_COUNT]; /* width of the share field */
    const struct summary_counters *c = summary_counters(s);
    double total = scaled(o, (o->by_bytes && c->bytes) ? c->bytes : c->pkts);
    bool sampled = o->sample_p > 0 && o->sample_p < 1;
    for (int col = 0; col < COL_COUNT; col++) {
        top[col] = n ? calloc(n, sizeof(struct ss_entry)) : NULL;
        cells[col] = n ? calloc(n, sizeof(struct cell)) : NULL;
        got[col] = top[col] && cells[col] ? summary_top(s, (enum summary_col)col, top[col], n) : 0;
        approx[col] = sampled || !summary_col_exact(s, (enum summary_col)col);
        pctw[col] = 6;
        for (size_t i = 0; i < got[col]; i++) {
            struct cell *ce = &cells[col][i];
            key_text(ce->item, sizeof ce->item, (enum summary_col)col, &top[col][i]);
            share_text(o, s, (enum summary_col)col, &top[col][i], total, approx[col], ce->pct,
                       sizeof ce->pct);
            size_t l = strlen(ce->pct);
            if (l > pctw[col])
                pctw[col] = l;
        }
    }
    /* widen the address columns by the excess over 15 characters */
    size_t srcw = 18, dstw = 18;
    for (int col = COL_SRCS; col <= COL_DSTS; col++) {
        size_t over = 0;
        for (size_t i = 0; i < got[col]; i++) {
            size_t l = strlen(cells[col][i].item);
            if (l > 15 && l - 15 > over)
                over = l - 15;
        }
        if (col == COL_SRCS)
            srcw += over;
        else
            dstw += over;
    }
    struct colspec conn_cols[] = {{COL_PORTS, 5},     {COL_SRCS, srcw}, {COL_DSTS, dstw},
                                  {COL_SERVICES, 11}, {COL_PROTS, 2},   {COL_STATES, 6}};
    struct colspec pkt_cols[] = {
        {COL_PORTS, 5}, {COL_SRCS, srcw}, {COL_DSTS, dstw}, {COL_PROTS, 2}};
    const struct colspec *cols = o->conns ? conn_cols : pkt_cols;
    size_t ncols = o->conns ? 6 : 4;

    /* header: the original's exact text while nothing is approximate;
     * each name is padded to its cell's width, cells end in "| " except
     * the last, which ends in "|" */
    fputs("\n     ", out);
    for (size_t k = 0; k < ncols; k++) {
        enum summary_col col = cols[k].col;
        char name[32];
        snprintf(name, sizeof name, "%s%s", approx[col] ? "~" : "", col_names[col]);
        fprintf(out, "%-*s|%s", (int)(cols[k].width + pctw[col] + 2), name,
                k + 1 < ncols ? " " : "");
    }
    fputc('\n', out);

    /* addresses numbered for -r, in print order */
    size_t naddrs = 0;
    struct {
        const uint8_t *key;
        size_t len;
    } *addrs = NULL;
    if (o->resolve && n)
        addrs = calloc(2 * n, sizeof *addrs);

    for (size_t i = 0; i < n; i++) {
        fputs("     ", out);
        for (size_t k = 0; k < ncols; k++) {
            enum summary_col col = cols[k].col;
            size_t w = cols[k].width;
            if (i >= got[col]) {
                fprintf(out, "%*s%*s| ", (int)w, "", (int)(pctw[col] + 2), "");
                continue;
            }
            const struct ss_entry *e = &top[col][i];
            struct cell *ce = &cells[col][i];
            if ((col == COL_SRCS || col == COL_DSTS) && addrs != NULL) {
                addrs[naddrs].key = e->key;
                addrs[naddrs].len = e->len;
                naddrs++;
                size_t l = strlen(ce->item);
                snprintf(ce->item + l, sizeof ce->item - l, "#%zu", naddrs);
            }
            fprintf(out, "%-*s %*s | ", (int)w, ce->item, (int)pctw[col], ce->pct);
        }
        fputc('\n', out);
    }
    if (addrs != NULL) {
        if (o->resolve_want != NULL)
            for (size_t i = 0; i < naddrs; i++)
                o->resolve_want(o->resolve_ctx, addrs[i].key, addrs[i].len);
        fputs("\n        ", out);
        for (size_t i = 0; i < naddrs; i++) {
            const char *name = o->resolve(o->resolve_ctx, addrs[i].key, addrs[i].len);
            fprintf(out, "#%zu=%s  ", i + 1, name);
            if ((i + 1) % 3 == 0)
                fputs("\n        ", out);
        }
        free(addrs);
    }
    /* say once which columns are estimates, and why */
    const char *unit = o->by_bytes && c->bytes ? "bytes" : o->conns ? "connections" : "packets";
    for (size_t k = 0; k < ncols; k++) {
        enum summary_col col = cols[k].col;
        const struct ss *sk = summary_col_sketch(s, col);
        if (!approx[col] || summary_col_exact(s, col) || sk == NULL)
            continue;
        double share = 100.0 * (double)ss_total(sk) / (double)ss_capacity(sk) /
                       (double)((o->by_bytes && c->bytes) ? c->bytes : c->pkts);
        fprintf(out,
                "\n     ~ %s: Space-Saving k=%zu evicted keys; each count is within %.4f%% "
                "of %s",
                col_names[col], ss_capacity(sk), share, unit);
    }
    if (sampled)
        fprintf(out,
                "\n     ~ sampled: each record kept with probability %g; ranges are 95%% "
                "confidence intervals",
                o->sample_p);
    fputs("\n\n", out);
    for (int col = 0; col < COL_COUNT; col++) {
        free(top[col]);
        free(cells[col]);
    }
    return ferror(out) ? -1 : 0;
}

int report_first_last(const struct report_opts *o, const struct summary *total)
{
    const struct summary_counters *c = summary_counters(total);
    char t1[FMT_TIME_MAX], t2[FMT_TIME_MAX];
    fprintf(o->out, "First: %-16s (%.6f) Last: %s %.6f\n", fmt_iso_time(t1, sizeof t1, c->start),
            c->start, fmt_iso_time(t2, sizeof t2, c->end), c->end);
    return ferror(o->out) ? -1 : 0;
}

static const char *const json_col_names[COL_COUNT] = {"ports",    "sources",   "destinations",
                                                      "services", "protocols", "states"};

void report_block_json(const struct report_opts *o, const struct summary *s, const char *title,
                       struct jw *w, const char *key)
{
    const struct summary_counters *c = summary_counters(s);
    bool sampled = o->sample_p > 0 && o->sample_p < 1;
    jw_begin_object(w, key);
    jw_cstring(w, "title", title);
    if (c->updates > 0) {
        jw_double(w, "start", c->start);
        jw_double(w, "end", c->end);
    } else {
        jw_null(w, "start");
        jw_null(w, "end");
    }
    jw_double(w, o->conns ? "connections" : "packets", scaled(o, c->pkts));
    jw_double(w, "bytes", scaled(o, c->bytes));
    jw_double(w, "payload", scaled(o, c->payload));
    if (!o->conns)
        jw_double(w, "frags", scaled(o, c->frags));
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
    double total = scaled(o, (o->by_bytes && c->bytes) ? c->bytes : c->pkts);
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
        const struct ss *sk = summary_col_sketch(s, (enum summary_col)col);
        if (!summary_col_kept(s, (enum summary_col)col))
            continue; /* not kept (-m, -R) */
        bool exact = summary_col_exact(s, (enum summary_col)col);
        jw_begin_object(w, json_col_names[col]);
        jw_bool(w, "exact", exact && !sampled);
        jw_begin_object(w, "sketch");
        if (sk == NULL) {
            jw_cstring(w, "algorithm", "exact counters"); /* protocols, ports in a direct table */
        } else {
            jw_cstring(w, "algorithm", "space-saving");
            jw_u64(w, "k", ss_capacity(sk));
            jw_bool(w, "evicted", ss_has_evicted(sk));
            jw_u64(w, "weight_total", ss_total(sk));
            jw_u64(w, "max_error", ss_has_evicted(sk) ? ss_min_count(sk) : 0);
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
            char item[CELL_MAX];
            key_text(item, sizeof item, (enum summary_col)col, e);
            double lo, hi, est = scaled(o, e->count);
            entry_bounds(o, s, (enum summary_col)col, e, &lo, &hi);
            uint64_t lo_c = e->count, hi_c = e->count;
            if (col != COL_PROTS)
                summary_bounds(s, (enum summary_col)col, e, &lo_c, &hi_c);
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
                printed_range(lo, hi, total, &plo, &phi);
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
    jw_end_object(w);
    jw_end_object(w);
}
