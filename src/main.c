/*
 * main.c - the command: options in, the input through a reader into the engine, exit codes out.
 *
 * Exit status: 0 the input was read completely; 1 the tool could not run
 * (input missing or unreadable, not a trace or log, out of memory); 2 usage
 * error; 3 the input was damaged (a truncated or corrupt file, or records
 * skipped as corrupt) but a report of everything readable was produced.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "engine.h"
#include "err.h"
#include "hash.h"
#include "input.h"
#include "main_live.h"
#include "netset.h"
#include "pcap_filter.h"
#include "pcap_in.h"
#include "privdrop.h"
#include "reader.h"
#include "resolve.h"
#include "sampler.h"
#include "tss_in.h"
#include "tss_out.h"

#define PROG "trace-summary"
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_DAMAGED 3

#define MAX_LINE (64 * 1024)
#define MAX_MESSAGES 10

static void fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

/* Writes at most max bytes of s to stderr, control and non-ASCII bytes
 * escaped as \xHH (the text comes from files: it must not drive the
 * terminal). */
static void put_escaped(const char *s, size_t len, size_t max)
{
    size_t show = len > max ? max : len;
    for (size_t i = 0; i < show; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 0x20 && c < 0x7f) || c == '\t')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    if (show < len)
        fputs("...", stderr);
}

static void bad_net_line(void *ctx, size_t line, const char *text)
{
    (void)line;
    fprintf(stderr, "Can't parse %s network '", (const char *)ctx);
    put_escaped(text, strlen(text), 200);
    fputs("'\n", stderr);
}

static uint8_t *read_ports(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        char sys[128];
        fail(EXIT_FAIL, PROG ": '%s': %s", path, ts_strerror(errno, sys, sizeof sys));
    }
    uint8_t *set = calloc(65536 / 8, 1);
    if (set == NULL)
        fail(EXIT_FAIL, PROG ": out of memory");
    char line[256];
    size_t lineno = 0, bad = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        /* fgets stops only at a newline, a full buffer or the end: a
         * shorter line without a newline holds a NUL byte */
        size_t got = strlen(line);
        if (got == 0 || (line[got - 1] != '\n' && got + 1 < sizeof line && !feof(f)))
            fail(EXIT_FAIL, PROG ": '%s': not a port list (binary data at line %zu)", path, lineno);
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, "\r\n");
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        p[n] = '\0';
        if (n == 0 || p[0] == '#')
            continue;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno != 0 || *end != '\0' || v < 0 || v > 65535) {
            if (++bad <= MAX_MESSAGES) {
                fprintf(stderr, PROG ": '%s': line %zu: not a port: '", path, lineno);
                put_escaped(p, n, 64);
                fputs("'\n", stderr);
            }
            continue;
        }
        set[v >> 3] |= (uint8_t)(1u << (v & 7));
    }
    bool err = ferror(f);
    fclose(f);
    if (err)
        fail(EXIT_FAIL, PROG ": '%s': read error", path);
    if (bad > MAX_MESSAGES)
        fprintf(stderr, PROG ": '%s': %zu lines are not ports\n", path, bad);
    return set;
}

struct counters {
    uint64_t corrupt;
    uint64_t too_long;
    uint64_t bandwidth;
    unsigned messages;
    uint64_t first_bad_line; /* line number of the first corrupt line */
    uint64_t unterminated;   /* number of a last line without newline, or 0 */
};

static void report_corrupt(struct counters *k, const char *line, size_t len)
{
    if (k->messages >= MAX_MESSAGES)
        return;
    k->messages++;
    /* the original printed line.strip() */
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    /* the line is attacker-controlled: show control and non-ASCII bytes
     * escaped, so a message can never drive the terminal */
    fputs("Ignoring corrupt line: ", stderr);
    put_escaped(line, len, 512);
    fputc('\n', stderr);
}

/* A progress line on stderr for big files when stderr is a terminal:
 * bytes read of the total, rate and time left, redrawn twice a second. */
struct progress {
    bool on;
    const struct ts_input *in;
    uint64_t size;
    double start, last;
    unsigned tick;
};

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress_init(struct progress *p, const struct ts_input *in, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->in = in;
    p->size = ts_input_size(in);
    p->on = !quiet && isatty(STDERR_FILENO) && p->size > (8u << 20);
    p->start = p->last = now_seconds();
}

static void human_bytes(char *buf, size_t n, double v)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* Called once per record; looks at the clock every 4096 records. */
static void progress_step(struct progress *p)
{
    if (!p->on || (++p->tick & 4095) != 0)
        return;
    double t = now_seconds();
    if (t - p->last < 0.5)
        return;
    p->last = t;
    double done = (double)ts_input_raw_offset(p->in);
    double rate = done / (t - p->start);
    char a[32], b[32], r[32];
    human_bytes(a, sizeof a, done);
    human_bytes(b, sizeof b, (double)p->size);
    human_bytes(r, sizeof r, rate);
    double left = rate > 0 ? ((double)p->size - done) / rate : 0;
    if (left < 0)
        left = 0;
    fprintf(stderr, "\r" PROG ": %s of %s (%.0f%%), %s/s, %d:%02d left ", a, b,
            100.0 * done / (double)p->size, r, (int)(left / 60), (int)left % 60);
}

static void progress_end(struct progress *p)
{
    if (p->on && p->last > p->start)
        fputs("\r\033[K", stderr);
}

/* Reads every record of rd into e, printing the messages for skipped
 * lines. Returns 0 at the end of the input or a negative code. */
static int read_input(struct reader *rd, struct engine *e, struct counters *k, struct progress *pg,
                      struct ts_err *err)
{
    for (;;) {
        struct ts_record r;
        struct reader_bad bad;
        int got = reader_next(rd, &r, &bad, err);
        if (got == READER_END)
            return 0;
        if (got < 0)
            return got;
        progress_step(pg);
        if (got == READER_LONG_LINE) {
            if (k->messages < MAX_MESSAGES) {
                k->messages++;
                fprintf(stderr, "Ignoring corrupt line: line %llu is longer than %d bytes\n",
                        (unsigned long long)bad.lineno, MAX_LINE);
            }
            continue;
        }
        if (got == READER_BAD_LINE) {
            report_corrupt(k, bad.line, bad.len);
            continue;
        }
        if (r.kind == TS_REC_CONN && (r.orig_bw_exceeded || r.resp_bw_exceeded)) {
            for (int d = 0; d < 2; d++) {
                if (!(d ? r.resp_bw_exceeded : r.orig_bw_exceeded))
                    continue;
                k->bandwidth++;
                if (k->bandwidth > MAX_MESSAGES)
                    continue;
                /* as the original: Bro 1.x logs have no uid, so the time
                 * names the connection; "originator" for both directions */
                if (r.uid.len > 0)
                    fprintf(stderr, "UID %.*s originator exceeds bandwidth\n", (int)r.uid.len,
                            r.uid.p);
                else
                    fprintf(stderr, "%.6f originator exceeds bandwidth\n", r.ts);
            }
        }
        int rc = engine_add(e, &r, err);
        if (rc != 0)
            return rc;
    }
}

/* Processors this process may run on (its affinity mask, which taskset
 * and container limits narrow), else those online. */
static long usable_cpus(void)
{
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* ---- several inputs: raw ones read as one stream, summary files merged */

/* What the raw inputs skipped, added up. */
struct raw_totals {
    uint64_t corrupt, bandwidth;
    struct pcap_in_stats pst; /* counts added; the last names of link types */
    size_t failed;            /* inputs that could not be read at all */
    char damage[TS_ERR_MSG_MAX];
};

/* Reads the raw input path into e with the reader's messages. Returns
 * EXIT_OK, EXIT_DAMAGED (something was read) or EXIT_FAIL. */
static int read_raw(const char *path, const struct args *cl, struct engine *e, struct sampler *smp,
                    struct raw_totals *rt, struct ts_err *err)
{
    ts_err_clear(err);
    struct ts_input *in = ts_input_open_flags(path, cl->eo.save_mem ? TS_INPUT_LOWMEM : 0, err);
    if (in == NULL) {
        fprintf(stderr, PROG ": %s\n", err->msg);
        rt->failed++;
        return EXIT_FAIL;
    }
    struct counters k = {0};
    struct progress pg;
    progress_init(&pg, in, cl->quiet);
    struct reader_opts ro = {.conn_version = cl->conn_version,
                             .max_line = MAX_LINE,
                             .sampler = smp,
                             .filter = cl->live.filter};
    struct reader *rd = reader_open(in, cl->conns ? READER_CONN : READER_TRACE, &ro, err);
    int rc = rd == NULL ? err->code : read_input(rd, e, &k, &pg, err);
    if (rc == TS_EUSAGE) /* a --filter that this trace's link type cannot take */
        fail(ARGS_EXIT_USAGE, PROG ": %s", err->msg);
    struct reader_stats rst;
    reader_stats(rd, &rst);
    reader_close(rd);
    progress_end(&pg);
    struct pcap_in_stats *pst = &rst.pcap;
    int status = EXIT_OK;
    if (rc != 0) {
        fprintf(stderr, PROG ": %s\n", err->msg);
        if (rc == TS_EDAMAGED) {
            snprintf(rt->damage, sizeof rt->damage, "%s", err->msg);
            status = EXIT_DAMAGED;
        } else if (rc == TS_EFORMAT || rc == TS_EIO) {
            ts_input_close(in);
            rt->failed++;
            return EXIT_FAIL;
        } else {
            status = EXIT_DAMAGED;
        }
    }
    uint64_t corrupt = rst.bad_lines + rst.long_lines;
    if (corrupt > 0) {
        fprintf(stderr, PROG ": '%s': %llu corrupt lines ignored (the first at line %llu)\n",
                ts_input_name(in), (unsigned long long)corrupt,
                (unsigned long long)rst.first_bad_line);
        status = EXIT_DAMAGED;
    }
    if (rst.unterminated)
        fprintf(stderr,
                PROG ": '%s': the last line (%llu) has no newline: the file may be cut short\n",
                ts_input_name(in), (unsigned long long)rst.unterminated);
    if (pst->damaged) {
        fprintf(stderr,
                PROG ": '%s': %llu damaged frames skipped (truncated or invalid in a header; "
                     "the first is frame %llu, record at offset %llu)\n",
                ts_input_name(in), (unsigned long long)pst->damaged,
                (unsigned long long)pst->first_damaged_frame,
                (unsigned long long)pst->first_damaged_offset);
        status = EXIT_DAMAGED;
    }
    rt->corrupt += corrupt;
    rt->bandwidth += k.bandwidth;
    rt->pst.frames += pst->frames;
    rt->pst.not_ip += pst->not_ip;
    rt->pst.unsupported += pst->unsupported;
    rt->pst.damaged += pst->damaged;
    rt->pst.offloaded += pst->offloaded;
    if (pst->unsupported_names[0])
        memcpy(rt->pst.unsupported_names, pst->unsupported_names, sizeof pst->unsupported_names);
    ts_input_close(in);
    return status;
}

/* True when a raw input is a compressed regular file, judged from one
 * probe of each (its first bytes): one decompressed in a thread of its
 * own, unless -m. That thread then shares the two processors with the
 * pipeline's: with one raw input the records are counted where they are
 * parsed, since three busy threads on two processors cost more than the
 * counting thread saves (10^6 lines, means of 25 runs: .gz 261 -> 240 ms,
 * .zst 260 -> 252 ms; a .pcap.zst 156 -> 143 ms, a .pcap.gz 181 either
 * way). With -m the reading thread decompresses, and a counting thread
 * beside it was slower too (.gz 410 -> 383 ms, 15 runs). */
static bool any_compressed(const struct args *cl, const bool *is_tss)
{
    bool decoder = false;
    for (size_t i = 0; i < cl->n_inputs; i++)
        if (!is_tss[i])
            decoder |= ts_input_probe_thread(cl->inputs[i], 0);
    return decoder;
}

struct merge_plan {
    bool *is_tss, *bad; /* by input */
    size_t n_raw, n_bad;
    struct tss_params *first; /* the first good summary file's parameters */
    const char *first_name;
};

static void merge_plan_free(struct merge_plan *mp)
{
    free(mp->is_tss);
    free(mp->bad);
    tss_params_free(mp->first);
}

/* Finds the summary files among the inputs, checks each whole and compares
 * its parameters with the first one's (and with the command line's when
 * raw inputs are read too); a merge of summary files alone takes its
 * options from them. Returns 0, or the exit status after a message. */
static int plan_merge(const struct args *cl, struct engine_opts *o, struct merge_plan *mp,
                      struct netset **local, uint8_t **ports)
{
    memset(mp, 0, sizeof *mp);
    mp->is_tss = calloc(cl->n_inputs, sizeof *mp->is_tss);
    mp->bad = calloc(cl->n_inputs, sizeof *mp->bad);
    if (mp->is_tss == NULL || mp->bad == NULL)
        fail(EXIT_FAIL, PROG ": out of memory");
    size_t n_tss = 0;
    for (size_t i = 0; i < cl->n_inputs; i++) {
        mp->is_tss[i] = tss_is_summary_file(cl->inputs[i]);
        n_tss += mp->is_tss[i];
    }
    mp->n_raw = cl->n_inputs - n_tss;
    if (n_tss == 0)
        return 0;
    struct ts_err err;
    uint64_t ilen = 0;
    for (size_t i = 0; i < cl->n_inputs; i++) {
        if (!mp->is_tss[i])
            continue;
        struct tss_params *p;
        if (tss_check(cl->inputs[i], o->seed, &p, &err) != 0) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            mp->bad[i] = true;
            mp->n_bad++;
            continue;
        }
        const struct sf_params *q = tss_params_get(p);
        if (mp->first == NULL) {
            mp->first = p;
            mp->first_name = cl->inputs[i];
            ilen = q->ilen;
            continue;
        }
        const char *opt = sf_params_differ(tss_params_get(mp->first), q);
        if (opt == NULL && ilen != 0 && ilen % q->ilen != 0 && q->ilen % ilen != 0)
            opt = "-i";
        if (opt != NULL) {
            fprintf(stderr, PROG ": '%s' and '%s' differ in %s: they cannot be merged\n",
                    mp->first_name, cl->inputs[i], opt);
            tss_params_free(p);
            return EXIT_USAGE;
        }
        if (q->ilen > ilen)
            ilen = q->ilen;
        tss_params_free(p);
    }
    if (mp->first == NULL)
        return 0;
    const struct sf_params *f = tss_params_get(mp->first);
    static struct summary_sizes sizes[4];
    sizes[0] = f->total;
    sizes[1] = f->dir;
    sizes[2] = f->net;
    sizes[3] = f->interval;
    if (mp->n_raw > 0) {
        struct tss_params *run = tss_params_of_run(o, o->seed);
        if (run == NULL)
            fail(EXIT_FAIL, PROG ": out of memory");
        tss_params_set_sizes(run, sizes);
        const char *opt = sf_params_differ(tss_params_get(run), f);
        tss_params_free(run);
        if (opt != NULL) {
            fprintf(stderr,
                    PROG ": '%s' and the other inputs' options differ in %s: they cannot be "
                         "merged\n",
                    mp->first_name, opt);
            return EXIT_USAGE;
        }
    } else {
        netset_free(*local);
        free(*ports);
        if (tss_params_to_opts(mp->first, o, local, ports, &err) != 0)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        if (o->ilen > 0 && o->reorder == 0)
            o->reorder = 300;
    }
    o->ilen = (long long)ilen;
    o->sizes = sizes;
    o->merging = true;
    o->threads = false;
    return 0;
}

/* Folds every good summary file into e. Returns how many were merged. */
static size_t merge_files(const struct args *cl, struct merge_plan *mp, struct engine *e,
                          struct sf_run *run, int *status)
{
    size_t made = 0;
    bool lost_any = false;
    for (size_t i = 0; i < cl->n_inputs; i++) {
        if (!mp->is_tss[i])
            continue;
        if (mp->bad[i]) {
            *status = EXIT_DAMAGED;
            continue;
        }
        struct ts_err err;
        bool lost = false;
        if (tss_merge(e, cl->inputs[i], cl->eo.seed, run, &lost, &err) != 0) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            *status = EXIT_DAMAGED;
            continue;
        }
        if (lost && !lost_any)
            fprintf(stderr,
                    PROG ": '%s' was written under another seed (--seed, --seed-file): its "
                         "tables and counts are merged, its Count-Min bounds and distinct "
                         "counts are lost\n",
                    cl->inputs[i]);
        lost_any |= lost;
        made++;
    }
    if (run->drops)
        fprintf(stderr, PROG ": the captures dropped %llu packets\n",
                (unsigned long long)run->drops);
    return made;
}

/* Drops a run that read nothing: the engine and the summary file being
 * written (removed). Returns EXIT_FAIL. */
static int give_up(struct engine *e, struct tss_out *w, struct merge_plan *mp)
{
    engine_free(e);
    tss_out_abort(w);
    merge_plan_free(mp);
    return EXIT_FAIL;
}

/* The seed from a file holding a site secret (at most 4096 bytes read). */
static uint64_t seed_from_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        char sys[128];
        fail(EXIT_FAIL, PROG ": '%s': %s", path, ts_strerror(errno, sys, sizeof sys));
    }
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad || n == 0)
        fail(EXIT_FAIL, PROG ": '%s': %s", path, bad ? "read error" : "empty seed file");
    return hash64(buf, n, 0x7473732d73656564ull);
}

int main(int argc, char **argv)
{
    struct args cl;
    struct args_result ar;
    switch (args_parse(argc, argv, &cl, &ar)) {
    case ARGS_RUN:
        break;
    case ARGS_HELP:
        fputs(ar.text, stdout);
        return EXIT_OK;
    case ARGS_VERSION:
        fputs(ar.text, stdout);
        printf("%s\n", ts_input_decoders());
        return EXIT_OK;
    case ARGS_ERROR:
        if (ar.status == ARGS_EXIT_USAGE)
            fprintf(stderr, "%s\n" PROG ": error: %s\n", args_usage_line, ar.msg);
        else
            fprintf(stderr, "%s\n", ar.msg);
        return ar.status;
    }
    struct engine_opts *o = &cl.eo;
    if (cl.seed_file)
        o->seed = seed_from_file(cl.seed_file);
    else if (!cl.seed_set)
        o->seed = hash_random_seed();
    o->threads = cl.threads ? cl.threads == 2 : usable_cpus() > 1;

    struct ts_err err;
    ts_err_clear(&err);
    struct netset *local = NULL, *excl = NULL;
    if (cl.local_nets) {
        local = netset_read(cl.local_nets, bad_net_line, "local", &err);
        if (local == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        o->local_nets = local;
    }
    if (cl.exclude_nets) {
        excl = netset_read(cl.exclude_nets, bad_net_line, "exclude", &err);
        if (excl == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        o->exclude_nets = excl;
    }
    uint8_t *ports = NULL;
    if (cl.ports_file) {
        ports = read_ports(cl.ports_file);
        for (size_t i = 0; i < 65536 / 8; i++)
            o->port_set_nonempty |= ports[i] != 0;
        o->port_set = ports;
    }
    struct resolver *res = NULL;
    if (cl.resolve) {
        res = resolver_new(5.0, 15.0);
        o->resolve = resolver_name;
        o->resolve_want = resolver_want;
        o->resolve_ctx = res;
    }
    if (cl.memory_plan) {
        struct engine *e = engine_new(o, &err);
        if (e == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        engine_print_plan(e, stdout);
        engine_free(e);
        resolver_free(res);
        netset_free(local);
        netset_free(excl);
        free(ports);
        return EXIT_OK;
    }

    if (cl.live.filter != NULL && pcap_filter_check(cl.live.filter, &err) != 0)
        fail(ARGS_EXIT_USAGE, "%s\n" PROG ": error: %s", args_usage_line, err.msg);
    if (cl.live.iface != NULL) {
        int st = live_run(&cl, o);
        resolver_free(res);
        netset_free(local);
        netset_free(excl);
        free(ports);
        return st;
    }
    if (cl.live.user != NULL && privdrop_to(cl.live.user, &err) != 0)
        fail(EXIT_FAIL, PROG ": %s", err.msg);
    /* output files are opened once root is given up (-Z) */
    FILE *html = NULL;
    if (cl.html) {
        char sys[128];
        if ((html = fopen(cl.html, "w")) == NULL)
            fail(EXIT_FAIL, PROG ": '%s': cannot write: %s", cl.html,
                 ts_strerror(errno, sys, sizeof sys));
        o->html = html;
        o->html_name = cl.html;
    }
    struct merge_plan mp;
    int mrc = plan_merge(&cl, o, &mp, &local, &ports);
    if (mrc != 0) {
        merge_plan_free(&mp);
        resolver_free(res);
        netset_free(local);
        netset_free(excl);
        free(ports);
        return mrc;
    }
    struct tss_out *wout = NULL;
    if (cl.write) {
        o->writing = true;
        if ((wout = tss_out_open(cl.write, o, mp.first, &err)) == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        o->sink = tss_out_sink(wout);
    }
    bool compressed = o->threads && any_compressed(&cl, mp.is_tss);
    if (cl.threads == 0 && mp.n_raw == 1 && compressed)
        o->threads = false;
    o->decoder_thread = o->threads && compressed && !o->save_mem;
    struct engine *e = engine_new(o, &err);
    if (e == NULL) {
        tss_out_abort(wout);
        fail(EXIT_FAIL, PROG ": %s", err.msg);
    }
    if (wout != NULL)
        tss_out_set_sizes(wout, e);
    int status = EXIT_OK;
    struct sf_run merged = {0};
    size_t made = merge_files(&cl, &mp, e, &merged, &status);
    struct sampler smp;
    sampler_init(&smp, cl.sample, o->seed);
    struct raw_totals rt;
    memset(&rt, 0, sizeof rt);
    for (size_t i = 0; i < cl.n_inputs; i++) {
        if (mp.is_tss[i])
            continue;
        int r = read_raw(cl.inputs[i], &cl, e, &smp, &rt, &err);
        if (r == EXIT_FAIL && cl.n_inputs == 1)
            return give_up(e, wout, &mp);
        if (r == EXIT_OK)
            made++;
        else if (status == EXIT_OK || r == EXIT_DAMAGED)
            status = EXIT_DAMAGED;
    }
    if (made == 0 && rt.failed + mp.n_bad == cl.n_inputs)
        return give_up(e, wout, &mp);
    struct sink_input_stats ist = {
        .conns = o->conns,
        .corrupt_lines = rt.corrupt + merged.corrupt_lines,
        .frames = rt.pst.frames + merged.frames,
        .not_ip = rt.pst.not_ip + merged.not_ip,
        .not_decoded = rt.pst.unsupported + merged.not_decoded,
        .damaged = rt.pst.damaged + merged.damaged,
        .offloaded = rt.pst.offloaded + merged.offloaded,
        .not_decoded_link_types = rt.pst.unsupported_names[0] ? rt.pst.unsupported_names : NULL,
        .file_damaged = rt.damage[0] != '\0' || merged.input_damaged,
        .damage = rt.damage[0] ? rt.damage : NULL,
        .capture = merged.has_capture ? &merged.capture : NULL,
    };
    ts_err_clear(&err);
    if (engine_finish(e, &ist, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        status = EXIT_FAIL;
    }
    if (engine_notice(e) != NULL)
        fprintf(stderr, PROG ": %s\n", engine_notice(e));
    engine_free(e); /* before the summary file's sink goes */
    if (wout != NULL) {
        if (status == EXIT_FAIL) {
            tss_out_abort(wout);
        } else if (tss_out_commit(wout, &err) != 0) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            status = EXIT_FAIL;
        }
    }
    if (rt.bandwidth > MAX_MESSAGES)
        fprintf(stderr, PROG ": %llu directions exceeded the bandwidth limit in all\n",
                (unsigned long long)rt.bandwidth);
    merge_plan_free(&mp);
    resolver_free(res);
    netset_free(local);
    netset_free(excl);
    free(ports);
    if (html != NULL && fclose(html) != 0) {
        char sys[128];
        fprintf(stderr, PROG ": '%s': cannot write the page: %s\n", cl.html,
                ts_strerror(errno, sys, sizeof sys));
        status = EXIT_FAIL;
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return EXIT_FAIL;
    return status;
}
