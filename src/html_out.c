/* html_out.c - writes the report as one self-contained HTML page (inline CSS and SVG). */
#include "config.h"

#include "html_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"

/* Okabe and Ito's colour-blind-safe palette: black, blue, orange for the
 * three series (told apart by dashes too, for print in grey), sky blue
 * for bars, bluish green and vermillion for exact and estimate. */
static const char page_css[] =
    ":root{color-scheme:light}"
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#111;background:#fff;margin:0 auto;max-width:1240px;padding:16px 24px}"
    "h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:28px 0 8px;"
    "border-bottom:2px solid #0072B2;padding-bottom:2px}"
    "h3{font-size:14px;margin:0 0 6px}#networks h3{margin-top:16px}small,.muted{color:#555}"
    ".params{display:flex;flex-wrap:wrap;gap:2px 18px;margin:6px 0;color:#333}"
    ".params span b{font-weight:600}"
    ".figs{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
    ".fig{border:1px solid #ccc;border-radius:6px;padding:6px 10px;min-width:90px}"
    ".fig .v{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}"
    ".fig .k{font-size:12px;color:#555;text-transform:uppercase;letter-spacing:.04em}"
    ".chart{width:100%;height:auto;display:block}"
    "figure{margin:8px 0 14px}figcaption{font-weight:600;margin-bottom:2px}"
    ".legend{display:flex;gap:18px;font-size:13px;margin:2px 0}"
    ".legend svg{vertical-align:middle}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:14px}"
    ".col{border:1px solid #ddd;border-radius:6px;padding:8px 10px;break-inside:avoid}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    ".bars{width:100%}.bars th{text-align:left;font-weight:500;padding:1px 8px 1px 0;"
    "white-space:nowrap}"
    ".bars td.bar{width:100%;min-width:60px}.bars "
    "td.pct{text-align:right;white-space:nowrap;padding-left:6px}"
    ".bars svg{display:block;width:100%;height:14px}"
    ".host{display:block;font-size:11px;color:#555;font-weight:400}"
    ".tag{font-size:11px;font-weight:600;border:1px solid;border-radius:3px;padding:0 4px;"
    "margin-left:6px;vertical-align:1px}"
    ".exact{color:#00785a}.approx{color:#b34700}"
    ".note{font-size:12px;color:#444;margin:6px 0 0}"
    ".list td,.list th{padding:2px 10px 2px 0;text-align:left;border-bottom:1px solid #eee}"
    ".list td.n{text-align:right}"
    ".sketch{font-size:12px;margin-top:8px}.sketch td,.sketch th{padding:1px 10px 1px 0;"
    "text-align:left}"
    "footer{margin-top:28px;font-size:12px;color:#555;border-top:1px solid #ccc;padding-top:6px}"
    "@media print{body{max-width:none;padding:0;font-size:11px}"
    "h2,h3{break-after:avoid}.col,.fig,figure,.list,.sketch{break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".grid{grid-template-columns:1fr 1fr}}";

enum { SER_TOTAL, SER_IN, SER_OUT, SER_COUNT };

static const char *const ser_names[SER_COUNT] = {"Total", "Incoming", "Outgoing"};
static const char *const ser_ids[SER_COUNT] = {"total", "incoming", "outgoing"};
static const char *const ser_colour[SER_COUNT] = {"#000000", "#0072B2", "#E69F00"};
static const char *const ser_dash[SER_COUNT] = {"", "7 4", "2 3"};

/* The counters of `width` consecutive intervals added together. */
struct point {
    uint64_t rec[SER_COUNT], bytes[SER_COUNT];
};

/* Point i holds the intervals base + i * width .. base + (i + 1) * width - 1
 * (numbered floor(start / ilen)); those past npts are zero. */
struct html_page {
    FILE *f;
    struct html_meta m;
    struct point *pts; /* HTML_POINTS_MAX */
    size_t npts;
    uint64_t width; /* intervals per point */
    long long base; /* the number of point 0's first interval */
    long long last; /* the last interval's number */
    double origin;  /* start of interval 0: start - idx * ilen */
    uint64_t nint;  /* Total intervals given */
    bool has_dir;   /* Incoming or Outgoing were given */
    bool series_done;
    size_t nblocks;
};

static const char *const col_names[COL_COUNT] = {"Ports",    "Sources",   "Destinations",
                                                 "Services", "Protocols", "States"};
static const char *const col_ids[COL_COUNT] = {"ports",    "sources",   "destinations",
                                               "services", "protocols", "states"};

size_t html_mem_bytes(void)
{
    return sizeof(struct html_page) + HTML_POINTS_MAX * sizeof(struct point);
}

/* Writes s[0..len) as HTML text or attribute value. */
static void esc(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if (c < 0x20 || c >= 0x7f)
                fprintf(f, "&#x%02x;", c); /* the byte read as Latin-1, as in the JSON */
            else
                fputc(c, f);
        }
    }
}

static void escz(FILE *f, const char *s)
{
    if (s != NULL)
        esc(f, s, strlen(s));
}

/* A number in an attribute, exact enough to read back the same double. */
static void num_attr(FILE *f, const char *name, double v)
{
    if (isfinite(v))
        fprintf(f, " %s=\"%.17g\"", name, v);
}

/* fmt_val without the leading space it keeps for the text's columns. */
static const char *val(char *buf, size_t n, double v, bool fl)
{
    fmt_val(buf, n, v, fl);
    size_t skip = strspn(buf, " ");
    memmove(buf, buf + skip, strlen(buf + skip) + 1);
    return buf;
}

/* What turns counts into the figures shown: from the page's parameters,
 * or from a block's report options. */
struct nums {
    double factor, sample_p;
    bool by_bytes, conns, fl; /* fl: counts print as floats (-S) */
};

static struct nums nums_of_meta(const struct html_meta *m)
{
    return (struct nums){m->factor, m->sample_p, m->by_bytes, m->conns, m->factor_float};
}

static struct nums nums_of_opts(const struct report_opts *o)
{
    return (struct nums){o->factor, o->sample_p, o->by_bytes, o->conns, o->factor_float};
}

static bool sampled(const struct nums *m)
{
    return m->sample_p > 0 && m->sample_p < 1;
}

static double scale(const struct nums *m, uint64_t v)
{
    return m->factor == 1 ? (double)v : (double)v * m->factor;
}

static const char *ilen_text(char *buf, size_t n, long long s)
{
    if (s % 3600 == 0)
        snprintf(buf, n, "%lldh", s / 3600);
    else if (s % 60 == 0)
        snprintf(buf, n, "%lldm", s / 60);
    else
        snprintf(buf, n, "%llds", s);
    return buf;
}

struct html_page *html_begin(FILE *out, const struct html_meta *m)
{
    struct html_page *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->pts = calloc(HTML_POINTS_MAX, sizeof *p->pts);
    if (p->pts == NULL) {
        free(p);
        return NULL;
    }
    p->f = out;
    p->m = *m;
    p->width = 1;
    FILE *f = out;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"" PACKAGE_NAME " " PACKAGE_VERSION "\">\n"
          "<title>Traffic summary: ",
          f);
    escz(f, m->input ? m->input : "-");
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", page_css);
    fputs("<header>\n<h1>Traffic summary: ", f);
    escz(f, m->input ? m->input : "-");
    fputs("</h1>\n<div class=\"params\" id=\"parameters\">", f);
    fprintf(f, "<span data-name=\"input_kind\"><b>Input</b> %s</span>",
            m->conns ? "connection log" : "packet trace");
    fprintf(f, "<span data-name=\"topn\" data-value=\"%zu\"><b>Top</b> %zu</span>", m->topn,
            m->topn);
    fprintf(f, "<span data-name=\"percent_of\"><b>Shares of</b> %s</span>",
            m->by_bytes ? "bytes"
            : m->conns  ? "connections"
                        : "packets");
    if (m->ilen > 0) {
        char t[32];
        fprintf(
            f, "<span data-name=\"interval_seconds\" data-value=\"%lld\"><b>Interval</b> %s</span>",
            m->ilen, ilen_text(t, sizeof t, m->ilen));
    }
    if (m->sample_p > 0 && m->sample_p < 1)
        fprintf(f, "<span data-name=\"sample_probability\"><b>Sampled</b> %g</span>", m->sample_p);
    else if (m->factor != 1)
        fprintf(f, "<span data-name=\"sample_factor\"><b>Scaled by</b> %g</span>", m->factor);
    fprintf(f, "<span data-name=\"memory_budget\" data-value=\"%zu\"><b>Budget</b> %.1f MiB</span>",
            m->memory, (double)m->memory / 1048576.0);
    fprintf(f, "<span data-name=\"seed\"><b>Seed</b> %llu</span>", (unsigned long long)m->seed);
    if (m->params != NULL) {
        fputs("<span data-name=\"options\"><b>Options</b> ", f);
        escz(f, m->params);
        fputs("</span>", f);
    }
    fputs("</div>\n</header>\n", f);
    return p;
}

/* Halves the points: neighbours two by two, twice as wide. */
static void merge_points(struct html_page *p)
{
    size_t n = (p->npts + 1) / 2;
    for (size_t i = 0; i < n; i++) {
        struct point a = p->pts[2 * i];
        if (2 * i + 1 < p->npts)
            for (int s = 0; s < SER_COUNT; s++) {
                a.rec[s] += p->pts[2 * i + 1].rec[s];
                a.bytes[s] += p->pts[2 * i + 1].bytes[s];
            }
        p->pts[i] = a;
    }
    memset(&p->pts[n], 0, (p->npts - n) * sizeof *p->pts);
    p->npts = n;
    p->width *= 2;
}

int html_interval(struct html_page *p, unsigned stream, long long idx, double start,
                  const struct summary_counters *c)
{
    if (p->m.ilen <= 0 || stream >= SER_COUNT || c == NULL)
        return 0;
    if (p->nint == 0 && !p->has_dir && p->npts == 0) {
        p->base = p->last = idx;
        p->origin = start - (double)idx * (double)p->m.ilen;
    }
    if (idx < p->base) {
        /* earlier than every point so far: room in front, in whole points */
        uint64_t k = (uint64_t)p->base - (uint64_t)idx, shift;
        while ((shift = k / p->width + (k % p->width != 0)) > HTML_POINTS_MAX - p->npts)
            merge_points(p);
        memmove(&p->pts[shift], p->pts, p->npts * sizeof *p->pts);
        memset(p->pts, 0, shift * sizeof *p->pts);
        p->npts += shift;
        p->base -= (long long)(shift * p->width);
    }
    uint64_t off = (uint64_t)idx - (uint64_t)p->base;
    while (off / p->width >= HTML_POINTS_MAX)
        merge_points(p);
    size_t i = (size_t)(off / p->width);
    if (i >= p->npts)
        p->npts = i + 1;
    p->pts[i].rec[stream] += c->pkts;
    p->pts[i].bytes[stream] += c->bytes;
    if (idx > p->last)
        p->last = idx;
    if (stream == SER_TOTAL)
        p->nint++;
    else
        p->has_dir = true;
    return 0;
}

/* Start of the first interval of point i, and the end of the last one
 * given (the last point may be partly filled). */
static double point_start(const struct html_page *p, size_t i)
{
    return p->origin + ((double)p->base + (double)i * (double)p->width) * (double)p->m.ilen;
}

static double series_end(const struct html_page *p)
{
    return p->origin + ((double)p->last + 1) * (double)p->m.ilen;
}

static double point_mid(const struct html_page *p, size_t i)
{
    double a = point_start(p, i), b = point_start(p, i + 1), end = series_end(p);
    return (a + (b < end ? b : end)) / 2;
}

/* A round step of about max / 4: 1, 2 or 5 times a power of ten. */
static double nice_step(double max)
{
    double raw = max / 4;
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

/* The smallest round step of time that cuts span into at most 6 parts. */
static double time_step(double span)
{
    static const double steps[] = {1,     2,     5,     10,    15,     30,    60,
                                   120,   300,   600,   900,   1800,   3600,  7200,
                                   10800, 21600, 43200, 86400, 172800, 604800};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (span / steps[i] <= 6)
            return steps[i];
    return ceil(span / 6 / 604800) * 604800;
}

/* Seconds east of UTC of local time at t, so that ticks fall on round
 * local times (midnight, the hour). */
static double local_offset(double t)
{
    time_t secs = (time_t)floor(t);
    struct tm tm;
    return localtime_r(&secs, &tm) != NULL ? (double)tm.tm_gmtoff : 0;
}

#define CH_W 1100
#define CH_H 250
#define CH_L 70
#define CH_R 20
#define CH_T 12
#define CH_B 44

static double point_value(const struct html_page *p, const struct point *pt, int ser, bool bytes)
{
    struct nums n = nums_of_meta(&p->m);
    return scale(&n, bytes ? pt->bytes[ser] : pt->rec[ser]);
}

/* One chart: records or bytes of each series over time. */
static void draw_chart(struct html_page *p, bool bytes)
{
    FILE *f = p->f;
    int nser = p->has_dir ? SER_COUNT : 1;
    double t0 = point_start(p, 0), t1 = series_end(p);
    if (!(t1 > t0))
        t1 = t0 + 1;
    double ymax = 0;
    for (size_t i = 0; i < p->npts; i++)
        for (int s = 0; s < nser; s++)
            if (point_value(p, &p->pts[i], s, bytes) > ymax)
                ymax = point_value(p, &p->pts[i], s, bytes);
    double step = ymax > 0 ? nice_step(ymax) : 1;
    double ytop = ymax > 0 ? ceil(ymax / step) * step : 4;
    double pw = CH_W - CH_L - CH_R, ph = CH_H - CH_T - CH_B;
    const char *what = bytes ? "bytes" : p->m.conns ? "connections" : "packets";
    fprintf(f, "<figure class=\"series\" data-metric=\"%s\">\n<figcaption>%s per %s</figcaption>\n",
            bytes ? "bytes" : "records",
            bytes        ? "Bytes"
            : p->m.conns ? "Connections"
                         : "Packets",
            p->width == 1 ? "interval" : "point");
    fprintf(f,
            "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s per "
            "interval\" font-size=\"12\">\n",
            CH_W, CH_H, what);
    /* horizontal grid and the value axis */
    char v[FMT_VAL_MAX];
    for (double y = 0; y <= ytop + step / 2; y += step) {
        double py = CH_T + ph - y / ytop * ph;
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                CH_L, CH_W - CH_R, py, py, y == 0 ? "#444" : "#ddd", CH_L - 6, py + 4,
                val(v, sizeof v, y, step < 1));
    }
    fprintf(f,
            "<text transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
            CH_T + (int)ph / 2, what);
    /* time axis: at most seven ticks on round local times, printed as the
     * text report prints times */
    double tstep = time_step(t1 - t0);
    double off = local_offset(t0);
    for (double t = ceil((t0 + off) / tstep) * tstep - off; t <= t1 + 1e-6; t += tstep) {
        double px = CH_L + (t - t0) / (t1 - t0) * pw;
        char ts[FMT_TIME_MAX];
        const char *anchor = px < CH_L + 60 ? "start" : px > CH_W - CH_R - 60 ? "end" : "middle";
        fprintf(f,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
                px, px, CH_T + ph, CH_T + ph + 5, px, CH_T + ph + 19, anchor,
                fmt_iso_time(ts, sizeof ts, t));
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time (local)</text>\n",
            CH_L + pw / 2, CH_H - 4);
    for (int s = nser - 1; s >= 0; s--) {
        fprintf(f,
                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
                "stroke-dasharray=\"%s\" stroke-linejoin=\"round\" data-series=\"%s\" "
                "points=\"",
                ser_colour[s], s == SER_TOTAL ? "2" : "1.6", ser_dash[s], ser_ids[s]);
        for (size_t i = 0; i < p->npts; i++) {
            double px = CH_L + (point_mid(p, i) - t0) / (t1 - t0) * pw;
            double py = CH_T + ph - point_value(p, &p->pts[i], s, bytes) / ytop * ph;
            fprintf(f, "%s%.1f,%.1f", i ? " " : "", px, py);
        }
        fputs("\" data-values=\"", f);
        for (size_t i = 0; i < p->npts; i++)
            fprintf(f, "%s%.17g", i ? " " : "", point_value(p, &p->pts[i], s, bytes));
        fputs("\"/>\n", f);
        if (p->npts <= 60) /* few points: mark each */
            for (size_t i = 0; i < p->npts; i++) {
                double px = CH_L + (point_mid(p, i) - t0) / (t1 - t0) * pw;
                double py = CH_T + ph - point_value(p, &p->pts[i], s, bytes) / ytop * ph;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", px, py,
                        ser_colour[s]);
            }
    }
    fputs("</svg>\n</figure>\n", f);
}

/* The time series, once, before whatever comes after the header figures. */
static void flush_series(struct html_page *p)
{
    if (p->series_done || p->npts == 0)
        return;
    p->series_done = true;
    FILE *f = p->f;
    char il[32];
    ilen_text(il, sizeof il, p->m.ilen > 0 ? p->m.ilen : 1);
    fputs("<section id=\"series\">\n<h2>Over time</h2>\n<div class=\"legend\">", f);
    int nser = p->has_dir ? SER_COUNT : 1;
    for (int s = 0; s < nser; s++)
        fprintf(f,
                "<span><svg width=\"28\" height=\"10\"><line x1=\"0\" x2=\"28\" y1=\"5\" y2=\"5\" "
                "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/></svg> %s</span>",
                ser_colour[s], ser_dash[s], ser_names[s]);
    fputs("</div>\n", f);
    fprintf(f,
            "<p class=\"note\" id=\"aggregation\" data-intervals=\"%llu\" data-points=\"%zu\" "
            "data-merged=\"%llu\">",
            (unsigned long long)p->nint, p->npts, (unsigned long long)p->width);
    if (p->width == 1)
        fprintf(f, "%llu intervals of %s, one point each.", (unsigned long long)p->nint, il);
    else
        fprintf(f,
                "%llu intervals of %s, drawn as %zu points: each point adds up %llu "
                "consecutive intervals (at most %d points are drawn), so its values are per "
                "%llu intervals.",
                (unsigned long long)p->nint, il, p->npts, (unsigned long long)p->width,
                HTML_POINTS_MAX, (unsigned long long)p->width);
    fputs("</p>\n", f);
    draw_chart(p, false);
    draw_chart(p, true);
    fputs("</section>\n", f);
}

static void figure(FILE *f, const char *name, const char *label, double value, const char *text)
{
    fprintf(f, "<div class=\"fig\" data-name=\"%s\"", name);
    num_attr(f, "data-value", value);
    fprintf(f, "><div class=\"v\">%s</div><div class=\"k\">%s</div></div>\n", text, label);
}

/* The header figures of the first block (Total). */
static void header_figures(struct html_page *p, const struct summary *s, const struct nums *m)
{
    FILE *f = p->f;
    const struct summary_counters *c = summary_counters(s);
    bool fl = m->fl;
    char v[FMT_VAL_MAX], t[2][FMT_TIME_MAX];
    double pkts = scale(m, c->pkts), bytes = scale(m, c->bytes);
    fputs("<section class=\"figs\" id=\"figures\">\n", f);
    figure(f, m->conns ? "connections" : "packets", m->conns ? "connections" : "packets", pkts,
           val(v, sizeof v, pkts, fl));
    figure(f, "bytes", "bytes", bytes, val(v, sizeof v, bytes, fl));
    figure(f, "payload", "payload", scale(m, c->payload),
           val(v, sizeof v, scale(m, c->payload), fl));
    if (!m->conns) {
        double frags = scale(m, c->frags);
        char pct[32];
        if (pkts == 0)
            snprintf(pct, sizeof pct, "??%%");
        else
            snprintf(pct, sizeof pct, "%.1f%%", frags / pkts * 100.0);
        figure(f, "frags", "fragments", frags, pct);
        double span = c->end - c->start;
        double mbit = span == 0 ? 0 : bytes * 8 / 1024.0 / 1024.0 / span;
        char mb[32];
        snprintf(mb, sizeof mb, "%.1f", mbit);
        figure(f, "mbits", "MBit/s", mbit, mb);
    }
    for (int src = 1; src >= 0; src--) {
        double d = summary_distinct(s, src);
        if (d < 0)
            continue;
        char label[64];
        snprintf(label, sizeof label, "distinct %s &#177;%.1f%%", src ? "sources" : "destinations",
                 100 * summary_distinct_stderr(s));
        figure(f, src ? "distinct_sources" : "distinct_destinations", label, floor(d + 0.5),
               val(v, sizeof v, floor(d + 0.5), false));
    }
    fprintf(
        f,
        "<div class=\"fig\" data-name=\"time_range\"><div class=\"v\" "
        "style=\"font-size:14px\">%s<br>%s</div><div class=\"k\">first &#8211; last</div></div>\n",
        fmt_iso_time(t[0], sizeof t[0], c->start), fmt_iso_time(t[1], sizeof t[1], c->end));
    fputs("</section>\n", f);
}

/* What the page shows of one entry. */
struct entry {
    double est, lo, hi, pct;
    bool exact;
    char share[64];
};

/* The entry's figures by the text report's rules: the bounds of
 * report_count_bounds, scaled and widened under -S by report_scaled_bounds;
 * the share as the text report prints it, one value when exact or known
 * to the printed precision, else the range of report_range_text. */
static void entry_figures(const struct report_opts *o, const struct summary *s,
                          enum summary_col col, const struct ss_entry *e, double total, bool approx,
                          struct entry *out)
{
    uint64_t lo_c, hi_c;
    report_count_bounds(s, col, e, &lo_c, &hi_c);
    out->est = report_scaled(o, e->count);
    report_scaled_bounds(o, lo_c, hi_c, &out->lo, &out->hi);
    bool sp = o->sample_p > 0 && o->sample_p < 1;
    out->exact = !sp && lo_c == hi_c && lo_c == e->count;
    out->pct = total ? out->est / total * 100.0 : NAN;
    if (total == 0) {
        snprintf(out->share, sizeof out->share, "??%%");
        return;
    }
    if (!approx || out->lo == out->hi) {
        snprintf(out->share, sizeof out->share, "%.1f%%", out->pct);
        return;
    }
    char a[24], b[24];
    if (report_range_text(out->lo, out->hi, total, a, b, sizeof a))
        snprintf(out->share, sizeof out->share, "%s%%", a);
    else
        snprintf(out->share, sizeof out->share, "%s&#8211;%s%%", a, b);
}

static const char *proto_name(unsigned p)
{
    switch (p) {
    case 1:
        return "icmp";
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 58:
        return "ipv6-icmp";
    case 132:
        return "sctp";
    default:
        return NULL;
    }
}

/* The key as the page shows it: as text in the data-key attribute (the
 * JSON's key) and as a table header cell. */
static void key_cell(FILE *f, enum summary_col col, const struct ss_entry *e,
                     const struct report_opts *o)
{
    char buf[64];
    const char *name = NULL;
    switch (col) {
    case COL_PORTS:
        snprintf(buf, sizeof buf, "%u", (unsigned)(e->key[0] << 8 | e->key[1]));
        break;
    case COL_PROTS:
        snprintf(buf, sizeof buf, "%u", (unsigned)e->key[0]);
        name = proto_name(e->key[0]);
        break;
    case COL_SRCS:
    case COL_DSTS:
        fmt_addr(buf, sizeof buf, e->key, e->len);
        if (o->resolve != NULL)
            name = o->resolve(o->resolve_ctx, e->key, e->len);
        break;
    default: /* services and states: the input's own bytes */
        fputs(" data-key=\"", f);
        esc(f, (const char *)e->key, e->len);
        fputs("\"><th>", f);
        esc(f, (const char *)e->key, e->len);
        return;
    }
    fprintf(f, " data-key=\"%s\"><th>%s", buf, buf);
    if (name != NULL) {
        fputs("<span class=\"host\">", f);
        escz(f, name);
        fputs("</span>", f);
    }
}

/* A bar to the estimate; where the count is a range, the part below the
 * lower bound solid, the rest up to the upper bound light, and a black
 * whisker across the range. */
static void bar_svg(FILE *f, const struct entry *en, double max, bool approx)
{
    fputs("<svg viewBox=\"0 0 100 14\" preserveAspectRatio=\"none\" aria-hidden=\"true\">", f);
    bool range = approx && en->lo != en->hi && max > 0;
    double w = max > 0 ? (range ? en->lo : en->est) / max * 100 : 0;
    fprintf(f, "<rect x=\"0\" y=\"2\" width=\"%.2f\" height=\"10\" fill=\"#56B4E9\"/>", w);
    if (range) {
        double a = en->lo / max * 100, b = en->hi / max * 100;
        fprintf(f,
                "<g class=\"range\"><rect x=\"%.2f\" y=\"2\" width=\"%.2f\" height=\"10\" "
                "fill=\"#56B4E9\" fill-opacity=\"0.35\"/><path d=\"M%.2f 7H%.2fM%.2f 2V12M%.2f "
                "2V12\" stroke=\"#000\" stroke-width=\"1.5\" "
                "vector-effect=\"non-scaling-stroke\"/></g>",
                a, b - a, a, b, a, b);
    }
    fputs("</svg>", f);
}

static const char *unit_of(const struct nums *m, const struct summary_counters *c)
{
    return m->by_bytes && c->bytes ? "bytes" : m->conns ? "connections" : "packets";
}

/* One column's bar chart. */
static void column_chart(struct html_page *p, const struct summary *s, enum summary_col col,
                         const struct report_opts *o, struct ss_entry *top, struct entry *ens)
{
    FILE *f = p->f;
    struct nums nm = nums_of_opts(o);
    const struct nums *m = &nm;
    const struct summary_counters *c = summary_counters(s);
    uint64_t base = m->by_bytes && c->bytes ? c->bytes : c->pkts;
    double total = scale(m, base);
    bool exact = summary_col_exact(s, col);
    bool approx = sampled(m) || !exact;
    fprintf(f, "<article class=\"col\" data-col=\"%s\" data-exact=\"%s\">\n<h3>%s", col_ids[col],
            approx ? "false" : "true", col_names[col]);
    if (approx)
        fputs("<span class=\"tag approx\" title=\"estimates: the black bar is the range of the "
              "true count\">&#8776; estimate</span>",
              f);
    else
        fputs("<span class=\"tag exact\">exact</span>", f);
    fputs("</h3>\n", f);
    size_t got = summary_top(s, col, top, o->topn);
    if (got == 0) {
        fputs("<p class=\"muted\">nothing counted</p>\n</article>\n", f);
        return;
    }
    if ((col == COL_SRCS || col == COL_DSTS) && o->resolve != NULL && o->resolve_want != NULL)
        for (size_t i = 0; i < got; i++)
            o->resolve_want(o->resolve_ctx, top[i].key, top[i].len);
    double max = 0;
    for (size_t i = 0; i < got; i++) {
        entry_figures(o, s, col, &top[i], total, approx, &ens[i]);
        double hi = ens[i].hi > ens[i].est ? ens[i].hi : ens[i].est;
        if (hi > max)
            max = hi;
    }
    fputs("<table class=\"bars\">\n", f);
    for (size_t i = 0; i < got; i++) {
        const struct entry *en = &ens[i];
        fputs("<tr", f);
        num_attr(f, "data-estimate", en->est);
        num_attr(f, "data-lower", en->lo);
        num_attr(f, "data-upper", en->hi);
        num_attr(f, "data-percent", en->pct);
        fprintf(f, " data-exact=\"%s\"", en->exact ? "true" : "false");
        key_cell(f, col, &top[i], o);
        fputs("</th><td class=\"bar\">", f);
        bar_svg(f, en, max, approx);
        fprintf(f, "</td><td class=\"pct\">%s</td></tr>\n", en->share);
    }
    fputs("</table>\n", f);
    struct summary_col_info ci;
    summary_col_info(s, col, &ci);
    if (!exact && ci.sketched && base > 0)
        fprintf(f,
                "<p class=\"note\">Space-Saving k=%zu evicted keys; each count is within "
                "%.4f%% of %s.</p>\n",
                ci.k, 100.0 * (double)ci.weight_total / (double)ci.k / (double)base, unit_of(m, c));
    if (sampled(m))
        fprintf(f,
                "<p class=\"note\">Sampled with probability %g: ranges are 95%% confidence "
                "intervals.</p>\n",
                m->sample_p);
    fputs("</article>\n", f);
}

/* The sketches behind the block's columns, and their bounds. */
static void sketch_table(struct html_page *p, const struct summary *s, const enum summary_col *cols,
                         size_t ncols)
{
    FILE *f = p->f;
    fputs("<table class=\"sketch\"><tr><th>column</th><th>structure</th><th>k</th>"
          "<th>evicted</th><th>max error</th><th>Count-Min w&#215;d</th></tr>\n",
          f);
    for (size_t k = 0; k < ncols; k++) {
        enum summary_col col = cols[k];
        if (!summary_col_kept(s, col))
            continue;
        struct summary_col_info ci;
        summary_col_info(s, col, &ci);
        fprintf(f, "<tr data-col=\"%s\"><td>%s</td>", col_ids[col], col_names[col]);
        if (!ci.sketched) {
            fputs("<td>exact counters</td><td></td><td></td><td>0</td><td></td></tr>\n", f);
            continue;
        }
        size_t cw = 0, cd = 0;
        if (col == COL_SRCS || col == COL_DSTS)
            summary_cms_dims(s, &cw, &cd);
        fprintf(f, "<td>Space-Saving</td><td>%zu</td><td>%s</td><td>%llu</td><td>", ci.k,
                ci.evicted ? "yes" : "no", (unsigned long long)ci.max_error);
        if (cw)
            fprintf(f, "%zu&#215;%zu", cw, cd);
        fputs("</td></tr>\n", f);
    }
    double se = summary_distinct_stderr(s);
    if (se >= 0)
        fprintf(f,
                "<tr><td>distinct hosts</td><td>HyperLogLog</td><td colspan=\"4\">relative "
                "standard error %.2f%%</td></tr>\n",
                100 * se);
    fputs("</table>\n", f);
}

int html_block(struct html_page *p, const char *title, const struct summary *s,
               const struct report_opts *o)
{
    FILE *f = p->f;
    struct nums nm = nums_of_opts(o);
    const struct nums *m = &nm;
    if (p->nblocks == 0)
        header_figures(p, s, m);
    flush_series(p);
    p->nblocks++;
    const struct summary_counters *c = summary_counters(s);
    char t1[FMT_TIME_MAX], t2[FMT_TIME_MAX], v[FMT_VAL_MAX];
    fprintf(f, "<section class=\"block\" id=\"block%zu\" data-title=\"", p->nblocks);
    escz(f, title);
    fputs("\">\n<h2>", f);
    escz(f, title);
    fprintf(f, " <small>%s &#8211; %s</small></h2>\n", fmt_iso_time(t1, sizeof t1, c->start),
            fmt_iso_time(t2, sizeof t2, c->end));
    bool fl = m->fl;
    fprintf(f, "<p class=\"counters\" data-records=\"%.17g\" data-bytes=\"%.17g\">%s %s",
            scale(m, c->pkts), scale(m, c->bytes), m->conns ? "Connections" : "Packets",
            val(v, sizeof v, scale(m, c->pkts), fl));
    fprintf(f, " &#183; Bytes %s", val(v, sizeof v, scale(m, c->bytes), fl));
    fprintf(f, " &#183; Payload %s</p>\n", val(v, sizeof v, scale(m, c->payload), fl));
    static const enum summary_col conn_cols[] = {COL_PORTS,    COL_SRCS,  COL_DSTS,
                                                 COL_SERVICES, COL_PROTS, COL_STATES};
    static const enum summary_col pkt_cols[] = {COL_PORTS, COL_SRCS, COL_DSTS, COL_PROTS};
    const enum summary_col *cols = m->conns ? conn_cols : pkt_cols;
    size_t ncols = m->conns ? 6 : 4;
    size_t n = o->topn;
    struct ss_entry *top = n ? calloc(n, sizeof *top) : NULL;
    struct entry *ens = n ? calloc(n, sizeof *ens) : NULL;
    if (n && (top == NULL || ens == NULL)) {
        free(top);
        free(ens);
        fputs("<p>out of memory</p>\n</section>\n", f);
        return -1;
    }
    if (n) {
        fputs("<div class=\"grid\">\n", f);
        for (size_t k = 0; k < ncols; k++)
            if (summary_col_kept(s, cols[k]))
                column_chart(p, s, cols[k], o, top, ens);
        fputs("</div>\n", f);
    }
    sketch_table(p, s, cols, ncols);
    fputs("</section>\n", f);
    free(top);
    free(ens);
    return ferror(f) ? -1 : 0;
}

int html_networks(struct html_page *p, const struct html_net *nets, size_t n, uint64_t nonlocal,
                  const struct html_pair *pairs, size_t npairs)
{
    FILE *f = p->f;
    const struct html_meta *m = &p->m;
    const char *type = m->conns ? "connections" : "packets";
    flush_series(p);
    fprintf(f,
            "<section id=\"networks\">\n<h2>Top %zu local networks by number of %s</h2>\n"
            "<table class=\"list bars\" style=\"width:auto;min-width:60%%\">\n"
            "<tr><th>#</th><th>%s</th><th>network</th><th>description</th><th></th></tr>\n",
            m->topn, type, type);
    double max = 0;
    for (size_t i = 0; i < n && i < m->topn; i++)
        if (nets[i].count > max)
            max = nets[i].count;
    for (size_t i = 0; i < n && i < m->topn; i++) {
        char v[FMT_VAL_MAX];
        fprintf(f, "<tr data-network=\"");
        escz(f, nets[i].cidr);
        fputs("\"", f);
        num_attr(f, "data-count", nets[i].count);
        fprintf(f, "><td>%zu</td><td class=\"n\">%s</td><td>", i + 1,
                val(v, sizeof v, nets[i].count, nets[i].count_float));
        escz(f, nets[i].cidr);
        fputs("</td><td>", f);
        escz(f, nets[i].descr);
        fprintf(f,
                "</td><td style=\"width:200px\"><svg viewBox=\"0 0 100 14\" "
                "preserveAspectRatio=\"none\" style=\"width:200px\"><rect x=\"0\" y=\"2\" "
                "width=\"%.2f\" height=\"10\" fill=\"#56B4E9\"/></svg></td></tr>\n",
                max > 0 ? nets[i].count / max * 100 : 0);
    }
    fputs("</table>\n", f);
    if (npairs > 0) {
        fprintf(f,
                "<h3 id=\"nonlocal\" data-count=\"%llu\">%llu %s did not have any local address. "
                "Here are the first %zu:</h3>\n<table class=\"list\">\n",
                (unsigned long long)nonlocal, (unsigned long long)nonlocal, type, m->topn);
        for (size_t i = 0; i < npairs; i++) {
            fputs("<tr class=\"pair\"><td>", f);
            escz(f, pairs[i].a);
            fputs("</td><td>&#8596;</td><td>", f);
            escz(f, pairs[i].b);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    fputs("</section>\n", f);
    return ferror(f) ? -1 : 0;
}

int html_unknown(struct html_page *p, const struct html_pair *pairs, size_t n, double total,
                 uint64_t not_listed)
{
    FILE *f = p->f;
    const struct html_meta *m = &p->m;
    bool fl = m->factor_float;
    char v[FMT_VAL_MAX];
    flush_series(p);
    fputs("<section id=\"unknown\">\n<h2>Unknown transport connections by source and "
          "destination</h2>\n<table class=\"list\">\n<tr><th>source</th><th>destination</th>"
          "<th>connections</th></tr>\n",
          f);
    for (size_t i = 0; i < n && i < m->topn; i++) {
        fputs("<tr class=\"pair\"", f);
        num_attr(f, "data-count", pairs[i].count);
        fputs("><td>", f);
        escz(f, pairs[i].a);
        fputs("</td><td>", f);
        escz(f, pairs[i].b);
        fprintf(f, "</td><td class=\"n\">%s</td></tr>\n", val(v, sizeof v, pairs[i].count, fl));
    }
    fputs("</table>\n", f);
    if (not_listed)
        fprintf(f, "<p class=\"note\">%llu connections of further pairs not listed.</p>\n",
                (unsigned long long)not_listed);
    fprintf(f, "<p id=\"unknown_total\"");
    num_attr(f, "data-count", total);
    fprintf(f, ">Total unknown-transport connections: <b>%s</b></p>\n</section>\n",
            val(v, sizeof v, total, fl));
    return ferror(f) ? -1 : 0;
}

static void stat_row(FILE *f, const char *name, const char *label, uint64_t v)
{
    fprintf(f,
            "<tr data-name=\"%s\" data-value=\"%llu\"><td>%s</td><td class=\"n\">%llu</td></tr>\n",
            name, (unsigned long long)v, label, (unsigned long long)v);
}

void html_free(struct html_page *p)
{
    if (p != NULL)
        free(p->pts);
    free(p);
}

int html_finish(struct html_page *p, const struct html_stats *st)
{
    FILE *f = p->f;
    flush_series(p);
    fputs("<section id=\"input\">\n<h2>Input and drops</h2>\n<table class=\"list\">\n", f);
    if (p->m.conns) {
        stat_row(f, "corrupt_lines", "corrupt lines skipped", st->corrupt_lines);
    } else {
        stat_row(f, "frames", "frames read", st->frames);
        stat_row(f, "not_ip", "frames not IP", st->not_ip);
        stat_row(f, "not_decoded", "frames of link types not decoded", st->not_decoded);
        stat_row(f, "damaged_frames", "frames damaged inside a header", st->damaged);
    }
    stat_row(f, "late_records", "records after their interval was written", st->late);
    if (st->live) {
        stat_row(f, "drops_kernel", "packets dropped by the kernel", st->drops_kernel);
        stat_row(f, "drops_interface", "packets dropped by the interface", st->drops_interface);
    } else {
        fputs("<tr data-name=\"drops\"><td>drops</td><td class=\"n\">not a live capture</td>"
              "</tr>\n",
              f);
    }
    fputs("</table>\n", f);
    if (st->damage != NULL) {
        fputs("<p class=\"note\" id=\"damage\">The input is damaged: ", f);
        escz(f, st->damage);
        fputs("</p>\n", f);
    }
    fputs("</section>\n<footer>Made by " PACKAGE_NAME " " PACKAGE_VERSION
          ". The page is self-contained: no script, and nothing is fetched. Bars are drawn to "
          "the column's largest count; a black line across a bar is the range the true count "
          "lies in.</footer>\n</body>\n</html>\n",
          f);
    int rc = ferror(f) ? -1 : 0;
    html_free(p);
    return rc;
}
