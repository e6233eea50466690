/* report.c - the original's text blocks of a summary, with bounds where counts are estimates. */
#include "config.h"

#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "stats.h"

#define CELL_MAX REPORT_KEY_MAX

double report_scaled(const struct report_opts *o, uint64_t v)
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

void report_key_text(char *buf, size_t n, enum summary_col col, const struct ss_entry *e)
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
    double pkts = report_scaled(o, c->pkts);
    if (!o->conns) {
        double bytes = report_scaled(o, c->bytes);
        fprintf(out, "Bytes %s - ", fmt_val(v, sizeof v, bytes, o->factor_float));
        fprintf(out, "Payload %s - ",
                fmt_val(v, sizeof v, report_scaled(o, c->payload), o->factor_float));
        fprintf(out, "Pkts %s - ", fmt_val(v, sizeof v, pkts, o->factor_float));
        if (pkts == 0)
            fprintf(out, "Frags (??%%) - ");
        else
            fprintf(out, "Frags %5.1f%% - ", (report_scaled(o, c->frags) / pkts) * 100.0);
        double span = c->end - c->start;
        double mbit = span == 0 ? 0 : bytes * 8 / 1024.0 / 1024.0 / span;
        fprintf(out, "MBit/s %8.1f - ", mbit);
    } else {
        fprintf(out, "Connections %s - ", fmt_val(v, sizeof v, pkts, o->factor_float));
        fprintf(out, "Payload %s - ",
                fmt_val(v, sizeof v, report_scaled(o, c->payload), o->factor_float));
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

void report_scaled_bounds(const struct report_opts *o, uint64_t lo_c, uint64_t hi_c, double *lo,
                          double *hi)
{
    if (o->sample_p > 0 && o->sample_p < 1) {
        double l2, h2;
        stats_sample_interval(lo_c, o->sample_p, lo, &h2);
        stats_sample_interval(hi_c, o->sample_p, &l2, hi);
        if (*lo < 0)
            *lo = 0;
    } else {
        *lo = report_scaled(o, lo_c);
        *hi = report_scaled(o, hi_c);
    }
}

/* Bounds of the true count behind entry e, unscaled (protocols are exact). */
void report_count_bounds(const struct summary *s, enum summary_col col, const struct ss_entry *e,
                         uint64_t *lo_c, uint64_t *hi_c)
{
    *lo_c = *hi_c = e->count;
    if (col != COL_PROTS)
        summary_bounds(s, col, e, lo_c, hi_c);
}

/* The printed range of shares, in percent with one decimal, rounded
 * outward so that the printed range contains the computed one. */
void report_printed_range(double lo, double hi, double total, double *plo, double *phi)
{
    *plo = floor(lo / total * 1000.0 + 1e-9) / 10.0;
    *phi = ceil(hi / total * 1000.0 - 1e-9) / 10.0;
}

bool report_range_text(double lo, double hi, double total, char *a, char *b, size_t n)
{
    double plo, phi;
    report_printed_range(lo, hi, total, &plo, &phi);
    snprintf(a, n, "%.1f", plo);
    snprintf(b, n, "%.1f", phi);
    return strcmp(a, b) == 0;
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
    double lo = 0, hi = 0;
    if (approx) {
        uint64_t lo_c, hi_c;
        report_count_bounds(s, col, e, &lo_c, &hi_c);
        report_scaled_bounds(o, lo_c, hi_c, &lo, &hi);
    }
    if (!approx || lo == hi) {
        snprintf(buf, n, "%5.1f%%", (report_scaled(o, e->count) / total) * 100.0);
        return;
    }
    char a[24], b[24];
    if (report_range_text(lo, hi, total, a, b, sizeof a))
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
    double total = report_scaled(o, (o->by_bytes && c->bytes) ? c->bytes : c->pkts);
    bool sampled = o->sample_p > 0 && o->sample_p < 1;
    for (int col = 0; col < COL_COUNT; col++) {
        top[col] = n ? calloc(n, sizeof(struct ss_entry)) : NULL;
        cells[col] = n ? calloc(n, sizeof(struct cell)) : NULL;
        got[col] = top[col] && cells[col] ? summary_top(s, (enum summary_col)col, top[col], n) : 0;
        approx[col] = sampled || !summary_col_exact(s, (enum summary_col)col);
        pctw[col] = 6;
        for (size_t i = 0; i < got[col]; i++) {
            struct cell *ce = &cells[col][i];
            report_key_text(ce->item, sizeof ce->item, (enum summary_col)col, &top[col][i]);
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
        struct summary_col_info ci;
        summary_col_info(s, col, &ci);
        if (!approx[col] || summary_col_exact(s, col) || !ci.sketched)
            continue;
        double share = 100.0 * (double)ci.weight_total / (double)ci.k /
                       (double)((o->by_bytes && c->bytes) ? c->bytes : c->pkts);
        fprintf(out,
                "\n     ~ %s: Space-Saving k=%zu evicted keys; each count is within %.4f%% "
                "of %s",
                col_names[col], ci.k, share, unit);
    }
    if (sampled)
        fprintf(out,
                "\n     ~ sampled: each record kept with probability %g; ranges are 95%% "
                "confidence intervals",
                o->sample_p);
    if (summary_lost(s) & SUMMARY_LOST_BOUNDS)
        fputs("\n     ~ merged across seeds: the Count-Min tightening of the host bounds is lost",
              out);
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
    fprintf(o->out, "First: %16s (%.6f) Last: %s %.6f\n", fmt_iso_time(t1, sizeof t1, c->start),
            c->start, fmt_iso_time(t2, sizeof t2, c->end), c->end);
    return ferror(o->out) ? -1 : 0;
}
