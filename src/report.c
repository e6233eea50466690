#include "config.h"

#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define CELL_MAX 256

/* Python's "%s %5.1f%%%s" of (float(count) / total) * 100, with counts and
 * total scaled by the sampling factor first, as the original scaled them. */
static void fmt_pct_cell(char *buf, size_t n, const char *item, double count, double total)
{
    if (total == 0)
        snprintf(buf, n, "%s (??%%) | ", item);
    else
        snprintf(buf, n, "%s %5.1f%% | ", item, (count / total) * 100.0);
}

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
    size_t got[COL_COUNT];
    for (int col = 0; col < COL_COUNT; col++) {
        top[col] = n ? calloc(n, sizeof(struct ss_entry)) : NULL;
        got[col] = top[col] ? summary_top(s, (enum summary_col)col, top[col], n) : 0;
    }
    /* widen the address columns by the excess over 15 characters */
    size_t srcw = 18, dstw = 18;
    for (int col = COL_SRCS; col <= COL_DSTS; col++) {
        size_t over = 0;
        for (size_t i = 0; i < got[col]; i++) {
            char a[64];
            size_t l = strlen(fmt_addr(a, sizeof a, top[col][i].key, top[col][i].len));
            if (l > 15 && l - 15 > over)
                over = l - 15;
        }
        if (col == COL_SRCS)
            srcw += over;
        else
            dstw += over;
    }
    fprintf(out, "\n     %-5s        | %-*s        | %-*s        | ", "Ports", (int)srcw, "Sources",
            (int)dstw, "Destinations");
    if (o->conns)
        fprintf(out, "%-18s | %1s | States        |\n", "Services", "Protocols");
    else
        fprintf(out, "%1s |\n", "Protocols");

    struct colspec conn_cols[] = {{COL_PORTS, 5},    {COL_SRCS, srcw}, {COL_DSTS, dstw},
                                  {COL_SERVICES, 11}, {COL_PROTS, 2},  {COL_STATES, 6}};
    struct colspec pkt_cols[] = {
        {COL_PORTS, 5}, {COL_SRCS, srcw}, {COL_DSTS, dstw}, {COL_PROTS, 2}};
    const struct colspec *cols = o->conns ? conn_cols : pkt_cols;
    size_t ncols = o->conns ? 6 : 4;

    const struct summary_counters *c = summary_counters(s);
    double total = scaled(o, (o->by_bytes && c->bytes) ? c->bytes : c->pkts);
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
                fprintf(out, "%*s        | ", (int)w, "");
                continue;
            }
            const struct ss_entry *e = &top[col][i];
            char item[CELL_MAX], padded[CELL_MAX + 64], cell[CELL_MAX + 128];
            key_text(item, sizeof item, col, e);
            if ((col == COL_SRCS || col == COL_DSTS) && addrs != NULL) {
                addrs[naddrs].key = e->key;
                addrs[naddrs].len = e->len;
                naddrs++;
                size_t l = strlen(item);
                snprintf(item + l, sizeof item - l, "#%zu", naddrs);
            }
            snprintf(padded, sizeof padded, "%-*s", (int)w, item);
            fmt_pct_cell(cell, sizeof cell, padded, scaled(o, e->count), total);
            fputs(cell, out);
        }
        fputc('\n', out);
    }
    if (addrs != NULL) {
        fputs("\n        ", out);
        for (size_t i = 0; i < naddrs; i++) {
            const char *name = o->resolve(o->resolve_ctx, addrs[i].key, addrs[i].len);
            fprintf(out, "#%zu=%s  ", i + 1, name);
            if ((i + 1) % 3 == 0)
                fputs("\n        ", out);
        }
        free(addrs);
    }
    fputs("\n\n", out);
    for (int col = 0; col < COL_COUNT; col++)
        free(top[col]);
    return ferror(out) ? -1 : 0;
}

void report_block_addrs(const struct report_opts *o, const struct summary *s,
                        void (*fn)(void *ctx, const unsigned char *addr, size_t len), void *ctx)
{
    size_t n = o->topn;
    if (n == 0)
        return;
    struct ss_entry *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return;
    }
    size_t na = summary_top(s, COL_SRCS, a, n), nb = summary_top(s, COL_DSTS, b, n);
    for (size_t i = 0; i < n; i++) {
        if (i < na)
            fn(ctx, a[i].key, a[i].len);
        if (i < nb)
            fn(ctx, b[i].key, b[i].len);
    }
    free(a);
    free(b);
}

int report_first_last(const struct report_opts *o, const struct summary *total)
{
    const struct summary_counters *c = summary_counters(total);
    char t1[FMT_TIME_MAX], t2[FMT_TIME_MAX];
    fprintf(o->out, "First: %-16s (%.6f) Last: %s %.6f\n", fmt_iso_time(t1, sizeof t1, c->start),
            c->start, fmt_iso_time(t2, sizeof t2, c->end), c->end);
    return ferror(o->out) ? -1 : 0;
}
