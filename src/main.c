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

#define PROG "trace-summary"
#define EXIT_OK 0
#define EXIT_FAIL 1
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
    if (!cl.seed_set)
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
    struct ts_input *in = ts_input_open_flags(cl.input, o->save_mem ? TS_INPUT_LOWMEM : 0, &err);
    if (in == NULL)
        fail(EXIT_FAIL, PROG ": %s", err.msg);
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
    /* A compressed file is inflated by a thread of its own. With zlib that
     * thread alone is slower than parsing, and a third thread gained
     * nothing on two processors (10^6 gzipped packets: 0.29-0.34 s without
     * it, 0.32-0.40 s with it). ISA-L and zstd inflate faster than a line
     * is parsed, so the parser becomes the critical path and the counting
     * thread is kept (callgrind, 10^6 lines: the parsing thread's share
     * goes from 2.79 G to 2.43 G instructions, 1.21x to 1.06x plain). */
    if (cl.threads == 0 && ts_input_has_thread(in) && !ts_input_inflates_fast(in))
        o->threads = false;
    struct engine *e = engine_new(o, &err);
    if (e == NULL) {
        ts_input_close(in);
        fail(EXIT_FAIL, PROG ": %s", err.msg);
    }

    struct sampler smp;
    sampler_init(&smp, cl.sample, o->seed);
    struct counters k = {0};
    struct pcap_in_stats pst;
    memset(&pst, 0, sizeof pst);
    struct progress pg;
    progress_init(&pg, in, cl.quiet);
    struct reader_opts ro = {
        .conn_version = cl.conn_version,
        .max_line = MAX_LINE,
        .sampler = &smp,
        .filter = cl.live.filter};
    struct reader *rd = reader_open(in, cl.conns ? READER_CONN : READER_TRACE, &ro, &err);
    int rc = rd == NULL ? err.code : read_input(rd, e, &k, &pg, &err);
    struct reader_stats rst;
    reader_stats(rd, &rst);
    reader_close(rd);
    k.corrupt = rst.bad_lines;
    k.too_long = rst.long_lines;
    k.first_bad_line = rst.first_bad_line;
    k.unterminated = rst.unterminated;
    pst = rst.pcap;
    progress_end(&pg);
    int status = EXIT_OK;
    if (rc != 0) {
        if (rc == TS_EUSAGE) {
            fail(ARGS_EXIT_USAGE, PROG ": %s", err.msg);
        } else if (rc == TS_EDAMAGED) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            status = EXIT_DAMAGED;
        } else if (!cl.conns && pst.frames == 0 && rc == TS_EFORMAT) {
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        } else {
            fprintf(stderr, PROG ": %s\n", err.msg);
            if (rc == TS_EFORMAT || rc == TS_EIO) {
                ts_input_close(in);
                engine_free(e);
                return EXIT_FAIL;
            }
            status = EXIT_DAMAGED;
        }
    }
    struct sink_input_stats ist = {
        .conns = cl.conns,
        .corrupt_lines = k.corrupt + k.too_long,
        .frames = pst.frames,
        .not_ip = pst.not_ip,
        .not_decoded = pst.unsupported,
        .damaged = pst.damaged,
        .offloaded = pst.offloaded,
        .not_decoded_link_types = pst.unsupported_names,
        .file_damaged = rc == TS_EDAMAGED,
        .damage = rc == TS_EDAMAGED ? err.msg : NULL,
    };
    char damage_msg[TS_ERR_MSG_MAX];
    if (ist.damage) {
        snprintf(damage_msg, sizeof damage_msg, "%s", err.msg);
        ist.damage = damage_msg;
    }
    ts_err_clear(&err);
    if (engine_finish(e, &ist, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        status = EXIT_FAIL;
    }
    if (engine_notice(e) != NULL)
        fprintf(stderr, PROG ": %s\n", engine_notice(e));
    if (k.corrupt + k.too_long > 0) {
        fprintf(stderr, PROG ": '%s': %llu corrupt lines ignored (the first at line %llu)\n",
                ts_input_name(in), (unsigned long long)(k.corrupt + k.too_long),
                (unsigned long long)k.first_bad_line);
        if (status == EXIT_OK)
            status = EXIT_DAMAGED;
    }
    if (k.unterminated)
        fprintf(stderr,
                PROG ": '%s': the last line (%llu) has no newline: the file may be cut short\n",
                ts_input_name(in), (unsigned long long)k.unterminated);
    if (k.bandwidth > MAX_MESSAGES)
        fprintf(stderr, PROG ": %llu directions exceeded the bandwidth limit in all\n",
                (unsigned long long)k.bandwidth);
    if (pst.damaged) {
        fprintf(stderr,
                PROG ": '%s': %llu damaged frames skipped (truncated or invalid in a header; "
                     "the first is frame %llu, record at offset %llu)\n",
                ts_input_name(in), (unsigned long long)pst.damaged,
                (unsigned long long)pst.first_damaged_frame,
                (unsigned long long)pst.first_damaged_offset);
        if (status == EXIT_OK)
            status = EXIT_DAMAGED;
    }
    ts_input_close(in);
    engine_free(e);
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
