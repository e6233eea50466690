/* main_live.c - the live run of the command: capture, -Z, signals, stop conditions, report. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "main_live.h"
#include "pcap_live.h"
#include "privdrop.h"

#define PROG "trace-summary"
#define COUNTS_EVERY 0.25 /* seconds between two reads of libpcap's counters */

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

static double monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The reader's statistics as the sinks take them. */
static void input_stats(const struct pcap_live *l, const struct sink_capture *cap,
                        struct pcap_in_stats *pst, struct sink_input_stats *ist)
{
    pcap_live_stats(l, pst);
    memset(ist, 0, sizeof *ist);
    ist->frames = pst->frames;
    ist->not_ip = pst->not_ip;
    ist->not_decoded = pst->unsupported;
    ist->damaged = pst->damaged;
    ist->offloaded = pst->offloaded;
    ist->not_decoded_link_types = pst->unsupported_names;
    ist->capture = cap;
}

struct live_state {
    const char *iface;
    struct pcap_live *l;
    struct engine *e;
    struct sink_capture cap;
    uint64_t drops_told; /* drops a message already reported */
    double last_counts;  /* when libpcap's counters were last read */
    unsigned ticks;
};

/* Reads libpcap's counters into the engine and says on stderr when drops
 * appeared since the last time. */
static void update_counts(struct live_state *s)
{
    struct pcap_live_counts c;
    struct ts_err err;
    ts_err_clear(&err);
    (void)pcap_live_counts(s->l, &c, &err); /* on failure: the last values */
    s->cap.received = c.received;
    s->cap.dropped_kernel = c.dropped_kernel;
    s->cap.dropped_iface = c.dropped_iface;
    engine_set_capture(s->e, &s->cap);
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

/* The capture loop. Returns 0 when a stop condition or signal ended it,
 * or the error that did (err set). */
static int capture(struct live_state *s, const struct args_live *lo, struct ts_err *err)
{
    double start = monotonic();
    s->last_counts = start;
    for (;;) {
        if (stop_signal)
            return 0;
        struct ts_record r;
        int got = pcap_live_next(s->l, &r, err);
        if (got < 0)
            return got;
        if (got == 1) {
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
            int rc = engine_flush(s->e, err);
            if (rc != 0)
                return rc;
            struct pcap_in_stats pst;
            pcap_live_stats(s->l, &pst);
            if (lo->count && pst.frames >= lo->count)
                return 0;
        }
        if (report_signal) {
            report_signal = 0;
            update_counts(s);
            struct pcap_in_stats pst;
            struct sink_input_stats ist;
            input_stats(s->l, &s->cap, &pst, &ist);
            struct ts_err e2;
            ts_err_clear(&e2);
            if (engine_snapshot(s->e, stderr, &ist, &e2) != 0)
                fprintf(stderr, PROG ": %s\n", e2.msg);
        }
        if (lo->duration > 0) {
            if (now == 0)
                now = monotonic();
            if (now - start >= lo->duration)
                return 0;
        }
    }
}

int live_run(const struct args *cl, struct engine_opts *o)
{
    const struct args_live *lo = &cl->live;
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
    s.e = engine_new(o, &err);
    if (s.e == NULL) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        if (html != NULL)
            fclose(html);
        pcap_live_close(s.l);
        return 1;
    }
    live_handle = s.l;
    catch_signals();
    int rc = capture(&s, lo, &err);
    int status = 0;
    if (rc != 0) {
        fprintf(stderr, PROG ": %s%s\n", err.msg,
                rc == TS_EIO ? "; the capture ends, with the report of what was captured" : "");
        status = 3;
    }
    update_counts(&s);
    live_handle = NULL;
    struct pcap_in_stats pst;
    struct sink_input_stats ist;
    input_stats(s.l, &s.cap, &pst, &ist);
    ts_err_clear(&err);
    if (engine_finish(s.e, &ist, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        status = 1;
    }
    if (engine_notice(s.e) != NULL)
        fprintf(stderr, PROG ": %s\n", engine_notice(s.e));
    engine_free(s.e);
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
