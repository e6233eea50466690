/* Unit tests of the engine (src/engine.h): records in, summaries out through a sink. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "flow_cache.h"
#include "sink.h"

/* A sink that keeps what it was handed. */
struct capture {
    struct sink k;
    int begun, finished;
    size_t nivl, all_ivls;
    double ilen;
    double last_start;
    long long idx[64];
    uint64_t ivl_pkts[64];
    unsigned stream[64];
    uint64_t total_pkts, total_bytes, in_pkts, out_pkts, nonlocal, late;
    uint64_t frames_seen;
    size_t top_ports;
    uint16_t top_port;
};

static int cap_begin(struct sink *k, struct ts_err *err)
{
    (void)err;
    struct capture *c = (struct capture *)k;
    cr_assert_eq(c->all_ivls, 0, "begin comes before every interval");
    c->begun++;
    return 0;
}

static int cap_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    (void)err;
    struct capture *c = (struct capture *)k;
    cr_assert_eq(c->begun, 1);
    cr_assert_eq(iv->end - iv->start, c->ilen);
    cr_assert_gt(iv->start, c->all_ivls ? c->last_start : -1, "intervals in time order");
    c->last_start = iv->start;
    c->all_ivls++;
    if (c->nivl == 64)
        return 0;
    c->idx[c->nivl] = iv->idx;
    c->stream[c->nivl] = iv->stream;
    c->ivl_pkts[c->nivl] = summary_counters(iv->s)->pkts;
    c->nivl++;
    return 0;
}

static int cap_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    (void)err;
    struct capture *c = (struct capture *)k;
    cr_assert_eq(c->begun, 1);
    c->finished++;
    c->total_pkts = summary_counters(r->total)->pkts;
    c->total_bytes = summary_counters(r->total)->bytes;
    c->in_pkts = r->incoming ? summary_counters(r->incoming)->pkts : 0;
    c->out_pkts = r->outgoing ? summary_counters(r->outgoing)->pkts : 0;
    c->nonlocal = r->nonlocal_count;
    c->late = r->late;
    c->frames_seen = r->input ? r->input->frames : 0;
    struct ss_entry e[4];
    c->top_ports = summary_top(r->total, COL_PORTS, e, 4);
    c->top_port = c->top_ports ? (uint16_t)(e[0].key[0] << 8 | e[0].key[1]) : 0;
    return 0;
}

static void cap_free(struct sink *k)
{
    (void)k;
}

static const struct sink_ops cap_ops = {cap_begin, cap_interval, cap_finish, cap_free};

static struct engine_opts opts(struct capture *c)
{
    struct engine_opts o;
    memset(&o, 0, sizeof o);
    memset(c, 0, sizeof *c);
    c->k.ops = &cap_ops;
    o.sink = &c->k;
    o.topn = 10;
    o.factor = 1;
    o.maxtime = 1e20;
    o.reorder = 300;
    o.memory = 4u << 20;
    o.seed = 3;
    return o;
}

static struct ts_record packet(double ts, uint8_t src_last, uint16_t dport, uint8_t proto)
{
    struct ts_record r;
    memset(&r, 0, sizeof r);
    r.kind = TS_REC_PACKET;
    r.ts = r.end = ts;
    r.src.len = r.dst.len = 4;
    memcpy(r.src.b, (uint8_t[]){10, 0, 0, src_last}, 4);
    memcpy(r.dst.b, (uint8_t[]){192, 168, 1, 1}, 4);
    r.sport = 0; /* port 0 is left out of the tables */
    r.dport = dport;
    r.proto = proto;
    r.bytes = 100;
    r.payload = 60;
    return r;
}

/* Feeds n packets 1 s apart from t0, every third UDP to port 53, the rest
 * TCP to port 80. */
static void feed(struct engine *e, double t0, int n)
{
    struct ts_err err;
    for (int i = 0; i < n; i++) {
        struct ts_record r = i % 3 == 0 ? packet(t0 + i, (uint8_t)(i % 50), 53, 17)
                                        : packet(t0 + i, (uint8_t)(i % 50), 80, 6);
        cr_assert_eq(engine_add(e, &r, &err), 0, "%s", err.msg);
    }
}

static void run(struct engine_opts *o, struct capture *c, int n)
{
    struct ts_err err;
    (void)c;
    struct engine *e = engine_new(o, &err);
    cr_assert_not_null(e, "%s", err.msg);
    feed(e, 3600, n);
    struct sink_input_stats st = {.frames = (uint64_t)n};
    cr_assert_eq(engine_finish(e, &st, &err), 0, "%s", err.msg);
    engine_free(e);
}

Test(engine, every_record_reaches_total_and_the_statistics_reach_the_sink)
{
    struct capture c;
    struct engine_opts o = opts(&c);
    run(&o, &c, 3000);
    cr_assert_eq(c.begun, 1);
    cr_assert_eq(c.finished, 1);
    cr_assert_eq(c.total_pkts, 3000);
    cr_assert_eq(c.total_bytes, 300000);
    cr_assert_eq(c.frames_seen, 3000);
    cr_assert_eq(c.top_port, 80, "2000 packets to port 80, 1000 to 53");
    cr_assert_eq(c.nivl, 0, "no intervals without -i");
}

Test(engine, filters_drop_before_any_summary)
{
    struct capture c;
    struct engine_opts o = opts(&c);
    o.tcp_only = true;
    run(&o, &c, 3000);
    cr_assert_eq(c.total_pkts, 2000);
    o = opts(&c);
    o.mintime = 3600 + 1000;
    o.maxtime = 3600 + 1999;
    run(&o, &c, 3000);
    cr_assert_eq(c.total_pkts, 1000);
}

Test(engine, intervals_partition_the_records_with_one_thread_and_with_two)
{
    for (int threads = 0; threads < 2; threads++) {
        struct capture c;
        struct engine_opts o = opts(&c);
        o.ilen = 60;
        c.ilen = 60;
        o.verbose = true;
        o.threads = threads;
        run(&o, &c, 3000);
        cr_assert_eq(c.total_pkts, 3000);
        cr_assert_eq(c.late, 0);
        uint64_t sum = 0;
        for (size_t i = 0; i < c.nivl; i++) {
            sum += c.ivl_pkts[i];
            cr_assert_eq(c.stream[i], 0);
            if (i > 0)
                cr_assert_eq(c.idx[i], c.idx[i - 1] + 1, "threads %d: in time order", threads);
        }
        cr_assert_eq(sum, 3000, "threads %d: every record in one interval", threads);
        cr_assert_eq(c.nivl, 50, "3000 s in 60 s intervals");
    }
}

Test(engine, many_intervals_pass_a_small_pool_with_two_threads)
{
    /* 1 s intervals with tables: 8 summaries in the pool, 3000 intervals,
     * every one handed back to the reading thread and reused */
    struct capture c;
    struct engine_opts o = opts(&c);
    o.ilen = 1;
    c.ilen = 1;
    o.verbose = true;
    o.threads = true;
    struct ts_err err;
    struct engine *e = engine_new(&o, &err);
    cr_assert_not_null(e);
    feed(e, 3600, 3000);
    cr_assert_eq(engine_finish(e, NULL, &err), 0, "%s", err.msg);
    engine_free(e);
    cr_assert_eq(c.total_pkts, 3000);
    cr_assert_eq(c.all_ivls, 3000);
}

Test(engine, a_write_error_is_reported_once_naming_the_file)
{
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL)
        cr_skip_test("no /dev/full");
    setvbuf(full, NULL, _IONBF, 0);
    struct capture c;
    struct engine_opts o = opts(&c);
    o.sink = NULL; /* the text report */
    o.out = full;
    o.out_name = "report.txt";
    o.ilen = 1;
    o.stream = true; /* intervals written while the input is read */
    struct ts_err err;
    struct engine *e = engine_new(&o, &err);
    cr_assert_not_null(e);
    int first = 0, errors = 0;
    for (int i = 0; i < 3000; i++) {
        struct ts_record r = packet(3600 + i, 1, 80, 6);
        ts_err_clear(&err);
        int rc = engine_add(e, &r, &err);
        if (rc != 0) {
            errors++;
            first = rc;
            cr_assert(strstr(err.msg, "'report.txt'") != NULL, "%s", err.msg);
            break; /* a reader stops at the first error */
        }
    }
    cr_assert_eq(errors, 1);
    cr_assert_eq(first, TS_EIO);
    ts_err_clear(&err);
    cr_assert_eq(engine_finish(e, NULL, &err), TS_EIO, "the same error at the end");
    cr_assert(strstr(err.msg, "'report.txt'") != NULL, "%s", err.msg);
    engine_free(e);
    fclose(full);
}

static struct ts_record unknown_line(const char *src, const char *dst)
{
    struct ts_record r;
    memset(&r, 0, sizeof r);
    r.kind = TS_REC_UNKNOWN_TRANSPORT;
    r.ts = r.end = 5; /* outside -V, dropped by -t: counted all the same */
    r.src_text.p = src;
    r.src_text.len = strlen(src);
    r.dst_text.p = dst;
    r.dst_text.len = strlen(dst);
    return r;
}

Test(engine, unknown_transport_lines_are_raw_counts_ties_in_order_of_appearance)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct capture c;
    struct engine_opts o = opts(&c);
    o.sink = NULL;
    o.out = f;
    o.conns = true;
    o.by_bytes = true;
    o.factor = 2;
    o.tcp_only = true;
    o.maxtime = 1;
    struct ts_err err;
    struct engine *e = engine_new(&o, &err);
    cr_assert_not_null(e);
    const char *seq[][2] = {{"10.0.0.9", "10.0.0.1"},
                            {"10.0.0.2", "10.0.0.1"},
                            {"10.0.0.3", "10.0.0.1"},
                            {"10.0.0.3", "10.0.0.1"}};
    for (size_t i = 0; i < 4; i++) {
        struct ts_record r = unknown_line(seq[i][0], seq[i][1]);
        cr_assert_eq(engine_add(e, &r, &err), 0);
    }
    char a[32];
    for (int i = 0; i < 1100; i++) { /* beyond the cap: the section says it is partial */
        snprintf(a, sizeof a, "10.1.%d.%d", i / 250, i % 250);
        struct ts_record r = unknown_line(a, "10.0.0.1");
        cr_assert_eq(engine_add(e, &r, &err), 0);
    }
    cr_assert_eq(engine_finish(e, NULL, &err), 0, "%s", err.msg);
    engine_free(e);
    fclose(f);
    const char *p3 = strstr(buf, "     10.0.0.3 "), *p9 = strstr(buf, "     10.0.0.9 "),
               *p2 = strstr(buf, "     10.0.0.2 ");
    cr_assert(p3 && p9 && p2, "%s", buf);
    cr_assert(p3 < p9 && p9 < p2, "by count, then first appearance");
    const char *nl = strchr(p3, '\n');
    cr_assert(nl - p3 > 6 && memcmp(nl - 6, "|  2.0", 6) == 0, "raw count, not -b nor -s");
    cr_assert(strstr(buf, "~ partial: the first 1024 pairs are kept; 79 lines of other pairs") !=
                  NULL,
              "%s", strstr(buf, "Total unknown"));
    cr_assert(strstr(buf, "     Total unknown_transport connections: 1.1k\n\n") != NULL);
    free(buf);
}

/* What engine_print_plan writes, as a string (the caller frees). */
static char *plan_text(const struct engine *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    engine_print_plan(e, f);
    fclose(f);
    return buf;
}
Test(engine, a_merge_of_intervals_with_tables_keeps_a_small_pool)
{
    /* summary files written with -w keep interval tables without -v: a
     * merge of them opens as few intervals as a -v run (8), not the 256
     * of intervals without tables */
    struct capture c;
    struct engine_opts o = opts(&c);
    o.ilen = 60;
    c.ilen = 60;
    o.writing = true;
    struct ts_err err;
    struct engine *w = engine_new(&o, &err);
    cr_assert_not_null(w, "%s", err.msg);
    struct summary_sizes z[4];
    engine_sizes(w, z);
    engine_free(w);
    cr_assert(z[3].k_addrs > 0, "the writer's intervals have no tables");
    o.writing = false;
    o.sizes = z;
    o.merging = true;
    struct engine *e = engine_new(&o, &err);
    cr_assert_not_null(e, "%s", err.msg);
    char *buf = plan_text(e);
    cr_expect(strstr(buf, "open intervals              8 x") != NULL, "%s", buf);
    free(buf);
    engine_free(e);
}

Test(engine, the_memory_plan_states_the_flow_cache_on_packet_traces_only)
{
    struct capture c;
    struct engine_opts o = opts(&c);
    struct ts_err err;
    for (int conns = 0; conns < 2; conns++) {
        o.conns = conns;
        struct engine *e = engine_new(&o, &err);
        cr_assert_not_null(e, "%s", err.msg);
        char *buf = plan_text(e);
        char want[128];
        snprintf(want, sizeof want, "flow cache (packet traces): 2048 flows, %zu bytes",
                 flow_cache_mem_bytes(1024));
        if (conns)
            cr_expect(strstr(buf, "flow cache") == NULL, "%s", buf);
        else
            cr_expect(strstr(buf, want) != NULL, "%s", buf);
        free(buf);
        engine_free(e);
    }
}
