/* main_live.c - the live run of the command: capture, -Z, signals, stop conditions, report, -w. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "main_live.h"
#include "name_pattern.h"
#include "pcap_live.h"
#include "privdrop.h"
#include "tss_out.h"

#define PROG "trace-summary"
#define COUNTS_EVERY 0.25 /* seconds between two reads of libpcap's counters */
/* -w PATTERN: an idle interval's file is written this long (seconds of
 * the clock) after the interval ended, past the reorder window */
#define IDLE_GRACE 1.0

/* What the signal handlers tell the loop; the loop does the work. */
static volatile sig_atomic_t stop_signal, report_signal;
static struct pcap_live *volatile live_handle;

static void on_stop(int sig)
{
    stop_signal = sig;
    if (live_handle != NULL)
        pcap_live_break(live_handle);
}

static void on_report(int sig)
{
    (void)sig;
    report_signal = 1;
    if (live_handle != NULL)
        pcap_live_break(live_handle);
}

/* Without SA_RESTART, so that a wait in poll ends at once. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_report;
    sigaction(SIGUSR1, &sa, NULL);
}

static double clock_now(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double monotonic(void)
{
    return clock_now(CLOCK_MONOTONIC);
}

/*
 * The engine of a live run, and with -w its summary file. Without -i (or
 * without -w) one engine counts the whole capture; with -i and -w each
 * interval gets an engine and a file of its own, named by the pattern's
 * strftime of the interval's start (local time, as tcpdump -G), opened
 * when its first packet arrives and written whole (atomic_out) when a
 * packet of a later interval arrives, when the clock passes the
 * interval's end while the link is idle, or at the end. Each file is the
 * summary of the packets it counted, the capture's counters over its
 * span included, so that the files of a day merge into the day: a packet
 * whose interval's file is already written goes into the next file, which
 * places it in its own interval (the merge adds intervals of one start).
 */
struct live_state {
    const char *iface;
    const struct args *cl;
    struct engine_opts *o;
    struct pcap_live *l;
    struct engine *e;
    struct capture_counts cap; /* libpcap's, since the capture began */
    uint64_t drops_told;       /* drops a message already reported */
    double last_counts;        /* when libpcap's counters were last read */
    unsigned ticks;
    /* -w */
    bool per_interval;       /* -i and -w: a file per interval */
    struct tss_out *wout;    /* the file being written, or NULL */
    char name[NAME_PATTERN_MAX]; /* the file's name */
    char last[NAME_PATTERN_MAX]; /* the last one written */
    long long idx, last_idx; /* the open file's interval, the last written's */
    size_t written;          /* files written */
    /* what the capture had counted when the engine began */
    struct capture_counts cap_mark, cap_span;
    struct pcap_in_stats st_mark;
};

/* The capture's counters since the engine began (kept in s, for the
 * engine and the sinks to borrow). */
static const struct capture_counts *span(struct live_state *s)
{
    s->cap_span = capture_since(&s->cap, &s->cap_mark);
    return &s->cap_span;
}

/* The reader's statistics since the engine began, as the sinks take them. */
static void input_stats(struct live_state *s, struct pcap_in_stats *pst,
                        struct sink_input_stats *ist)
{
    pcap_live_stats(s->l, pst);
    memset(ist, 0, sizeof *ist);
    ist->frames = pst->frames - s->st_mark.frames;
    ist->not_ip = pst->not_ip - s->st_mark.not_ip;
    ist->not_decoded = pst->unsupported - s->st_mark.unsupported;
    ist->damaged = pst->damaged - s->st_mark.damaged;
    ist->offloaded = pst->offloaded - s->st_mark.offloaded;
    ist->not_decoded_link_types = pst->unsupported_names[0] ? pst->unsupported_names : NULL;
    ist->capture = span(s);
}

/* Starts an engine (and with -w its file, for the interval idx). Returns
 * 0, or 1 with the message printed. */
static int begin_engine(struct live_state *s, long long idx)
{
    struct ts_err err;
    ts_err_clear(&err);
    const struct args *cl = s->cl;
    struct engine_opts *o = s->o;
    if (cl->write != NULL) {
        if (s->per_interval) {
            /* a clock stepped back, or a packet whose file is written:
             * the next name, never one written before */
            if (s->written > 0 && idx <= s->last_idx)
                idx = s->last_idx + 1;
            if (!name_pattern_format(cl->write, (double)idx * (double)o->ilen, s->name,
                                     sizeof s->name))
                snprintf(s->name, sizeof s->name, "%s", cl->write); /* checked at start */
            if (s->written > 0 && strcmp(s->name, s->last) == 0) {
                /* local time repeating an hour (the end of summer time) */
                size_t len = strlen(s->name);
                snprintf(s->name + len, sizeof s->name - len, ".%lld", idx);
                fprintf(stderr, PROG ": -w: the pattern repeats '%s'; this interval's file is '%s'\n",
                        s->last, s->name);
            }
        } else {
            snprintf(s->name, sizeof s->name, "%s", cl->write);
        }
        s->idx = idx;
        o->writing = true;
        if ((s->wout = tss_out_open(s->name, o, NULL, &err)) == NULL) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            return 1;
        }
        o->sink = tss_out_sink(s->wout);
    }
    if ((s->e = engine_new(o, &err)) == NULL) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    if (s->wout != NULL)
        tss_out_set_sizes(s->wout, s->e);
    engine_set_capture(s->e, span(s));
    return 0;
}

/* Ends the engine: its report, or its file written whole. Returns 0, or
 * 1 with the message printed. */
static int end_engine(struct live_state *s)
{
    struct ts_err err;
    ts_err_clear(&err);
    struct pcap_in_stats pst;
    struct sink_input_stats ist;
    input_stats(s, &pst, &ist);
    /* the next engine counts from here */
    s->cap_mark = s->cap;
    s->st_mark = pst;
    int status = 0;
    if (engine_finish(s->e, &ist, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        status = 1;
    }
    if (engine_notice(s->e) != NULL)
        fprintf(stderr, PROG ": %s\n", engine_notice(s->e));
    engine_free(s->e);
    s->e = NULL;
    if (s->wout != NULL) {
        if (status != 0) {
            tss_out_abort(s->wout);
        } else if (tss_out_commit(s->wout, &err) != 0) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            status = 1;
        } else {
            snprintf(s->last, sizeof s->last, "%s", s->name);
            s->last_idx = s->idx;
            s->written++;
        }
        s->wout = NULL;
        s->o->sink = NULL;
    }
    return status;
}

/* -w PATTERN: the file of the interval idx is the open one, ending the
 * one before when idx is later. Returns 0 or 1 (message printed). */
static int rotate_to(struct live_state *s, long long idx)
{
    if (s->e != NULL && idx <= s->idx)
        return 0;
    if (s->e != NULL && end_engine(s) != 0)
        return 1;
    return begin_engine(s, idx);
}

/* Reads libpcap's counters into the engine and says on stderr when drops
 * appeared since the last time. */
static void update_counts(struct live_state *s)
{
    struct capture_counts c;
    struct ts_err err;
    ts_err_clear(&err);
    (void)pcap_live_counts(s->l, &c, &err); /* on failure: the last values */
    s->cap = c;
    if (s->e != NULL) {
        engine_set_capture(s->e, span(s));
    }
    uint64_t drops = c.dropped_kernel + c.dropped_iface;
    if (drops > s->drops_told) {
        fprintf(stderr,
                PROG ": %s: %llu packets dropped (%llu by the kernel, %llu by the interface, "
                     "of %llu received)\n",
                s->iface, (unsigned long long)(drops - s->drops_told),
                (unsigned long long)c.dropped_kernel, (unsigned long long)c.dropped_iface,
                (unsigned long long)c.received);
        s->drops_told = drops;
    }
}

/* -w PATTERN while idle: writes the open file once the clock is past its
 * interval's end and the reorder window. Returns 0 or 1 (message printed). */
static int end_idle_interval(struct live_state *s)
{
    if (!s->per_interval || s->e == NULL)
        return 0;
    double end = (double)(s->idx + 1) * (double)s->o->ilen + s->o->reorder + IDLE_GRACE;
    return clock_now(CLOCK_REALTIME) >= end ? end_engine(s) : 0;
}

/* The report so far (SIGUSR1), on standard error. */
static void report_so_far(struct live_state *s)
{
    update_counts(s);
    if (s->e == NULL) {
        fprintf(stderr, PROG ": no packet since '%s' was written\n", s->last);
        return;
    }
    struct pcap_in_stats pst;
    struct sink_input_stats ist;
    input_stats(s, &pst, &ist);
    struct ts_err err;
    ts_err_clear(&err);
    if (engine_snapshot(s->e, stderr, &ist, &err) != 0)
        fprintf(stderr, PROG ": %s\n", err.msg);
}

#define WRITE_FAILED 1 /* capture's return when a file could not be written */

/* The capture loop. Returns 0 when a stop condition or signal ended it,
 * WRITE_FAILED (message printed), or the error that did (err set). */
static int capture(struct live_state *s, const struct args_live *lo, struct ts_err *err)
{
    double start = monotonic();
    s->last_counts = start;
    double ilen = (double)s->o->ilen;
    for (;;) {
        if (stop_signal)
            return 0;
        struct ts_record r;
        int got = pcap_live_next(s->l, &r, err);
        if (got < 0)
            return got;
        if (got == 1) {
            if (s->per_interval && rotate_to(s, (long long)floor(r.ts / ilen)) != 0)
                return WRITE_FAILED;
            int rc = engine_add(s->e, &r, err);
            if (rc != 0)
                return rc;
        }
        /* the clock every 256 packets, and whenever idle */
        double now = got == 1 && (++s->ticks & 255) != 0 ? 0 : monotonic();
        if (now - s->last_counts >= COUNTS_EVERY) {
            s->last_counts = now;
            update_counts(s);
        }
        if (got == 0) {
            /* idle, or a signal, or the count reached */
            int rc = s->e != NULL ? engine_flush(s->e, err) : 0;
            if (rc != 0)
                return rc;
            if (end_idle_interval(s) != 0)
                return WRITE_FAILED;
            struct pcap_in_stats pst;
            pcap_live_stats(s->l, &pst);
            if (lo->count && pst.frames >= lo->count)
                return 0;
        }
        if (report_signal) {
            report_signal = 0;
            report_so_far(s);
        }
        if (lo->duration > 0) {
            if (now == 0)
                now = monotonic();
            if (now - start >= lo->duration)
                return 0;
        }
    }
}

/* What -w takes in a live run: a file, or with -i a pattern whose
 * neighbouring intervals get two names; no page or R files beside the
 * files of intervals. Returns 0, or 2 with the message printed. */
static int check_write(const struct args *cl, const struct engine_opts *o)
{
    if (cl->write == NULL || o->ilen <= 0)
        return 0;
    char why[TS_ERR_MSG_MAX];
    const char *bad = NULL;
    if (strcmp(cl->write, "-") == 0)
        bad = "-w -: with -i a capture writes a file per interval; give a pattern";
    else if (cl->html != NULL || o->r_tag != NULL || o->write_ports != NULL)
        bad = "with -i, -w writes a file per interval: --html, -R and -P would be rewritten "
              "each time (make them from the files)";
    else
        bad = name_pattern_check(cl->write, o->ilen, clock_now(CLOCK_REALTIME), why, sizeof why);
    if (bad == NULL)
        return 0;
    fprintf(stderr, "%s\n" PROG ": error: %s\n", args_usage_line, bad);
    return 2;
}

int live_run(const struct args *cl, struct engine_opts *o)
{
    const struct args_live *lo = &cl->live;
    int st = check_write(cl, o);
    if (st != 0)
        return st;
    struct ts_err err;
    ts_err_clear(&err);
    struct pcap_live_opts po = {
        .iface = lo->iface,
        .snaplen = lo->snaplen,
        .promisc = !lo->no_promisc,
        .buffer_kib = lo->buffer_kib,
        .filter = lo->filter,
    };
    struct live_state s;
    memset(&s, 0, sizeof s);
    s.iface = lo->iface;
    s.cl = cl;
    s.o = o;
    s.per_interval = cl->write != NULL && o->ilen > 0;
    s.l = pcap_live_open(&po, &err);
    if (s.l == NULL) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return err.code == TS_EUSAGE ? 2 : 1;
    }
    pcap_live_set_limit(s.l, lo->count);
    /* the interface is open: root is needed no more */
    if (lo->user != NULL && privdrop_to(lo->user, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        pcap_live_close(s.l);
        return 1;
    }
    /* output files are opened once root is given up */
    FILE *html = NULL;
    if (cl->html != NULL) {
        if ((html = fopen(cl->html, "w")) == NULL) {
            char sys[128];
            fprintf(stderr, PROG ": '%s': cannot write: %s\n", cl->html,
                    ts_strerror(errno, sys, sizeof sys));
            pcap_live_close(s.l);
            return 1;
        }
        o->html = html;
        o->html_name = cl->html;
    }
    /* the report so far (SIGUSR1) reads the summaries the reading
     * thread updates itself */
    o->threads = false;
    o->report_so_far = true;
    int status = 0;
    if (!s.per_interval && begin_engine(&s, 0) != 0)
        status = 1;
    if (status == 0) {
        live_handle = s.l;
        catch_signals();
        int rc = capture(&s, lo, &err);
        if (rc == WRITE_FAILED) {
            status = 1;
        } else if (rc != 0) {
            fprintf(stderr, PROG ": %s%s\n", err.msg,
                    rc == TS_EIO ? "; the capture ends, with the report of what was captured"
                                 : "");
            status = 3;
        }
        update_counts(&s);
        live_handle = NULL;
        /* -w PATTERN: the open interval's file; a capture that counted
         * nothing since the last file still says what it received */
        const struct capture_counts *since = span(&s);
        bool untold = s.written == 0 || since->received || since->dropped_kernel ||
                      since->dropped_iface;
        if (s.per_interval && s.e == NULL && rc != WRITE_FAILED && untold &&
            begin_engine(&s, (long long)floor(clock_now(CLOCK_REALTIME) / (double)o->ilen)) != 0)
            status = 1;
    }
    if (s.e != NULL && end_engine(&s) != 0)
        status = 1;
    tss_out_abort(s.wout); /* begin_engine failed half way, or NULL */
    o->sink = NULL;
    pcap_live_close(s.l);
    if (html != NULL && fclose(html) != 0) {
        char sys[128];
        fprintf(stderr, PROG ": '%s': cannot write the page: %s\n", cl->html,
                ts_strerror(errno, sys, sizeof sys));
        status = 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return 1;
    return status;
}
