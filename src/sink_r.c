/* sink_r.c - the R files (-R TAG) and the top-ports file (-P FILE). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "sink.h"

/* conn_state values the R output has a column for, in the original's order */
static const char *const r_states[] = {"OTH", "REJ", "RSTO", "RSTOS0", "RSTR", "RSTRH", "S0",
                                       "S1",  "S2",  "S3",   "SF",     "SH",   "SHR"};
#define N_R_STATES (sizeof r_states / sizeof r_states[0])
#define R_MAX_EMPTY_ROWS 100000 /* zero rows of empty intervals per R file */
#define TOP_PORTS_MAX (3 * 1024)

static const char *const stream_names[3] = {"total", "incoming", "outgoing"};

/* The rows of one interval stream: written so far to a temporary file, the
 * columns of the top ports >= 1024 (known only at the end) to a second. */
struct r_stream {
    FILE *rows, *ports;
    bool any_written;
    long long frontier;                 /* last interval written */
    uint64_t empty_rows, empty_skipped; /* zero rows written / left out */
};

struct sink_r {
    struct sink k;
    struct r_stream st[3];
    struct summary *empty; /* a summary with nothing counted, for zero rows */
    size_t notices;
};

/* Python's str() of a count: an integer, or a float's shortest repr. */
static void fmt_count(char *buf, size_t n, const struct report_opts *o, uint64_t v)
{
    if (!o->factor_float) {
        snprintf(buf, n, "%llu", (unsigned long long)(v * (uint64_t)o->factor));
        return;
    }
    double d = (double)v * o->factor;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (strpbrk(buf, ".einn") == NULL) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, ".0");
    }
}

static void write_r_header(const struct sink_params *p, FILE *f, const uint16_t *ports, size_t np)
{
    fputs("start end count bytes payload frags srcs dsts prot.tcp prot.udp prot.icmp ", f);
    for (size_t i = 0; i < N_R_STATES; i++) {
        char low[8];
        size_t l = strlen(r_states[i]);
        for (size_t j = 0; j <= l; j++)
            low[j] = (char)(r_states[i][j] >= 'A' && r_states[i][j] <= 'Z' ? r_states[i][j] + 32
                                                                           : r_states[i][j]);
        fprintf(f, "%sstate.%s", i ? " " : "", low);
    }
    fputc(' ', f);
    for (size_t i = 0; i < p->ro.topn; i++)
        fprintf(f, "%stop.port.%zu", i ? " " : "", i + 1);
    fputc(' ', f);
    for (int q = 0; q < 1024; q++)
        fprintf(f, "%sport.%d", q ? " " : "", q);
    if (!p->save_mem) {
        fputc(' ', f);
        bool first = true;
        for (size_t i = 0; i < np; i++)
            if (ports[i] >= 1024) {
                fprintf(f, "%sport.%u", first ? "" : " ", ports[i]);
                first = false;
            }
    }
    fputc('\n', f);
}

/* Row of one summary without the top-port columns; those go to fports as
 * "port count" pairs of every monitored port >= 1024, one line per row. */
static int write_r_row(const struct sink_params *p, FILE *f, FILE *fports, const struct summary *s,
                       double start, double end)
{
    const struct report_opts *o = &p->ro;
    const struct summary_counters *c = summary_counters(s);
    char b[5][48];
    fprintf(f, "%.16g %.16g %s %s %s %s ", start, end, (fmt_count(b[0], 48, o, c->pkts), b[0]),
            (fmt_count(b[1], 48, o, c->bytes), b[1]), (fmt_count(b[2], 48, o, c->payload), b[2]),
            (fmt_count(b[3], 48, o, c->frags), b[3]));
    double ds = summary_distinct(s, true), dd = summary_distinct(s, false);
    fprintf(f, "%.0f %.0f ", ds < 0 ? 0 : ds, dd < 0 ? 0 : dd);
    uint8_t protos[3] = {6, 17, 1};
    for (int i = 0; i < 3; i++) {
        fmt_count(b[0], 48, o, summary_proto_count(s, protos[i]));
        fprintf(f, "%s ", b[0]);
    }
    for (size_t i = 0; i < N_R_STATES; i++) {
        fmt_count(b[0], 48, o, summary_state_count(s, r_states[i], p->seed));
        fprintf(f, "%s%s", i ? " " : "", b[0]);
    }
    fputc(' ', f);
    size_t topn = o->topn;
    struct ss_entry *tmp = calloc(topn ? topn : 1, sizeof *tmp);
    size_t got = tmp ? summary_top(s, COL_PORTS, tmp, topn) : 0;
    for (size_t i = 0; i < topn; i++)
        fprintf(f, "%s%u", i ? " " : "",
                i < got ? (unsigned)(tmp[i].key[0] << 8 | tmp[i].key[1]) : 0u);
    free(tmp);
    fputc(' ', f);
    for (int q = 0; q < 1024; q++) {
        fmt_count(b[0], 48, o, summary_port_count(s, (uint16_t)q, p->seed));
        fprintf(f, "%s%s", q ? " " : "", b[0]);
    }
    fputc('\n', f);
    /* ports >= 1024 of this row */
    if (summary_col_kept(s, COL_PORTS)) {
        size_t k = summary_ports_kept(s);
        struct ss_entry *all = calloc(k ? k : 1, sizeof *all);
        if (all == NULL)
            return -1;
        size_t n = summary_ports_all(s, all, k);
        for (size_t i = 0; i < n; i++) {
            unsigned q = (unsigned)(all[i].key[0] << 8 | all[i].key[1]);
            if (q >= 1024)
                fprintf(fports, "%u %llu ", q, (unsigned long long)all[i].count);
        }
        free(all);
    }
    fputc('\n', fports);
    return ferror(f) || ferror(fports) ? -1 : 0;
}

/* Copies rows from the temporary files into f, appending the columns of
 * the top ports >= 1024. */
static int r_merge_rows(const struct sink_params *p, FILE *f, FILE *rows, FILE *ports,
                        const uint16_t *tp, size_t ntp, const char *const *prefixes)
{
    rewind(rows);
    rewind(ports);
    char *line = NULL, *pline = NULL;
    size_t cap = 0, pcap = 0;
    ssize_t len;
    size_t row = 0;
    uint64_t *counts = calloc(65536, sizeof *counts);
    if (counts == NULL)
        return -1;
    while ((len = getline(&line, &cap, rows)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        memset(counts, 0, 65536 * sizeof *counts);
        if (getline(&pline, &pcap, ports) > 0) {
            char *q = pline;
            for (;;) {
                char *end;
                unsigned long port = strtoul(q, &end, 10);
                if (end == q)
                    break;
                q = end;
                unsigned long long cnt = strtoull(q, &end, 10);
                if (end == q)
                    break;
                q = end;
                if (port < 65536)
                    counts[port] = cnt;
            }
        }
        if (prefixes)
            fprintf(f, "%s ", prefixes[row]);
        fputs(line, f);
        if (!p->save_mem) {
            fputc(' ', f);
            bool first = true;
            for (size_t i = 0; i < ntp; i++)
                if (tp[i] >= 1024) {
                    char b[48];
                    fmt_count(b, sizeof b, &p->ro, counts[tp[i]]);
                    fprintf(f, "%s%s", first ? "" : " ", b);
                    first = false;
                }
        }
        fputc('\n', f);
        row++;
    }
    free(counts);
    free(line);
    free(pline);
    return ferror(f) ? -1 : 0;
}

static int r_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    struct sink_r *r = (struct sink_r *)k;
    const struct sink_params *p = k->p;
    struct r_stream *st = &r->st[iv->stream];
    double ilen = (double)p->ilen;
    int rc = 0;
    if (st->rows == NULL) {
        st->rows = tmpfile();
        st->ports = tmpfile();
        if (st->rows == NULL || st->ports == NULL)
            return ts_err_errno(err, TS_EIO, errno, "cannot create a temporary file");
    }
    /* empty intervals between two written ones are zero rows, as in the
     * original; a crafted time gap must not fill the disk, so at most
     * R_MAX_EMPTY_ROWS of them are written per file, the rest counted */
    if (st->any_written && iv->idx > st->frontier + 1) {
        for (long long g = st->frontier + 1; g < iv->idx; g++) {
            if (st->empty_rows >= R_MAX_EMPTY_ROWS) {
                st->empty_skipped += (uint64_t)(iv->idx - g);
                break;
            }
            st->empty_rows++;
            double start = (double)g * ilen;
            rc |= write_r_row(p, st->rows, st->ports, r->empty, start, start + ilen);
        }
    }
    rc |= write_r_row(p, st->rows, st->ports, iv->s, iv->start, iv->end);
    st->frontier = iv->idx;
    st->any_written = true;
    if (rc != 0)
        return ts_err_errno(err, TS_EIO, errno, "cannot write the R rows to a temporary file");
    return 0;
}

/* TAG.dat: total, incoming, outgoing, then each local network with counts. */
static int write_main_file(struct sink_r *r, const struct sink_report *rep, const uint16_t *tp,
                           size_t ntp, struct ts_err *err)
{
    const struct sink_params *p = r->k.p;
    char path[4096];
    FILE *rows = tmpfile(), *ports = tmpfile();
    const char **prefixes = calloc(3 + rep->nnets, sizeof *prefixes);
    char **netnames = calloc(rep->nnets ? rep->nnets : 1, sizeof *netnames);
    int rc = 0;
    size_t nrows = 0;
    if (rows == NULL || ports == NULL) {
        rc = ts_err_errno(err, TS_EIO, errno, "cannot create a temporary file");
        goto out;
    }
    if (prefixes == NULL || netnames == NULL) {
        rc = ts_err_set(err, TS_ENOMEM, "out of memory for the R files");
        goto out;
    }
    const struct summary *order[3] = {rep->total, rep->incoming ? rep->incoming : r->empty,
                                      rep->outgoing ? rep->outgoing : r->empty};
    for (int i = 0; i < 3; i++) {
        const struct summary_counters *c = summary_counters(order[i]);
        prefixes[nrows++] = stream_names[i];
        rc |= write_r_row(p, rows, ports, order[i], c->start, c->end);
    }
    for (size_t i = 0; i < rep->nnets; i++) {
        if (summary_counters(rep->nets[i])->updates == 0)
            continue;
        netnames[i] = strdup(netset_cidr(p->local_nets, i));
        if (netnames[i] == NULL) {
            rc = ts_err_set(err, TS_ENOMEM, "out of memory for the R files");
            goto out;
        }
        for (char *q = netnames[i]; *q; q++)
            if (*q == ' ')
                *q = '_';
        prefixes[nrows++] = netnames[i];
        const struct summary_counters *c = summary_counters(rep->nets[i]);
        rc |= write_r_row(p, rows, ports, rep->nets[i], c->start, c->end);
    }
    if (rc != 0) {
        rc = ts_err_errno(err, TS_EIO, errno, "cannot write the R rows to a temporary file");
        goto out;
    }
    snprintf(path, sizeof path, "%s.dat", p->r_tag);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        rc = ts_err_errno(err, TS_EIO, errno, "'%s'", path);
        goto out;
    }
    fputs("tag ", f);
    write_r_header(p, f, tp, ntp);
    rc = r_merge_rows(p, f, rows, ports, tp, ntp, prefixes);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        rc = ts_err_errno(err, TS_EIO, errno, "'%s': cannot write the R file", path);
out:
    for (size_t i = 0; netnames != NULL && i < rep->nnets; i++)
        free(netnames[i]);
    free(netnames);
    free(prefixes);
    if (rows)
        fclose(rows);
    if (ports)
        fclose(ports);
    return rc;
}

static void note_skipped(struct sink_r *r, const char *path, uint64_t skipped)
{
    if (r->notices++ == 0)
        snprintf(r->k.notice_buf, sizeof r->k.notice_buf,
                 "'%.300s': %llu empty intervals left out after the first %d zero rows (a time gap "
                 "in the input)",
                 path, (unsigned long long)skipped, R_MAX_EMPTY_ROWS);
    else if (r->notices == 2) {
        size_t l = strlen(r->k.notice_buf);
        snprintf(r->k.notice_buf + l, sizeof r->k.notice_buf - l,
                 "; the other interval files left out rows as well");
    }
    r->k.notice = r->k.notice_buf;
}

static int r_finish(struct sink *k, const struct sink_report *rep, struct ts_err *err)
{
    struct sink_r *r = (struct sink_r *)k;
    const struct sink_params *p = k->p;
    uint16_t tp[TOP_PORTS_MAX];
    size_t ntp = sink_top_ports(rep, p->ro.topn, tp, TOP_PORTS_MAX);
    int rc = write_main_file(r, rep, tp, ntp, err);
    if (rc != 0)
        return rc;
    /* the interval files */
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.%s.dat", p->r_tag, stream_names[i]);
        FILE *f = fopen(path, "w");
        if (f == NULL)
            return ts_err_errno(err, TS_EIO, errno, "'%s'", path);
        write_r_header(p, f, tp, ntp);
        struct r_stream *st = &r->st[i];
        if (st->rows)
            rc = r_merge_rows(p, f, st->rows, st->ports, tp, ntp, NULL);
        if (st->empty_skipped)
            note_skipped(r, path, st->empty_skipped);
        if (fclose(f) != 0)
            rc = -1;
        if (rc != 0)
            return ts_err_errno(err, TS_EIO, errno, "'%s': cannot write the R file", path);
    }
    return 0;
}

static void r_free(struct sink *k)
{
    struct sink_r *r = (struct sink_r *)k;
    for (int i = 0; i < 3; i++) {
        if (r->st[i].rows)
            fclose(r->st[i].rows);
        if (r->st[i].ports)
            fclose(r->st[i].ports);
    }
    summary_free(r->empty);
}

static const struct sink_ops r_ops = {
    .interval = r_interval,
    .finish = r_finish,
    .free = r_free,
};

struct sink *sink_r_new(const struct sink_params *p)
{
    struct sink_r *r = (struct sink_r *)sink_alloc(sizeof(struct sink_r), &r_ops, p);
    if (r == NULL)
        return NULL;
    r->empty = summary_new(&(struct summary_sizes){0}, p->seed);
    if (r->empty == NULL) {
        sink_free(&r->k);
        return NULL;
    }
    return &r->k;
}

/* ---- -P: the top ports ------------------------------------------------ */

static int ports_finish(struct sink *k, const struct sink_report *rep, struct ts_err *err)
{
    const struct sink_params *p = k->p;
    uint16_t tp[TOP_PORTS_MAX];
    size_t ntp = sink_top_ports(rep, p->ro.topn, tp, TOP_PORTS_MAX);
    FILE *f = fopen(p->ports_path, "w");
    if (f == NULL)
        return ts_err_errno(err, TS_EIO, errno, "'%s'", p->ports_path);
    for (size_t i = 0; i < ntp; i++)
        fprintf(f, "%u\n", tp[i]);
    if (fclose(f) != 0)
        return ts_err_errno(err, TS_EIO, errno, "'%s'", p->ports_path);
    return 0;
}

static const struct sink_ops ports_ops = {
    .finish = ports_finish,
};

struct sink *sink_ports_new(const struct sink_params *p)
{
    return sink_alloc(sizeof(struct sink), &ports_ops, p);
}
