/* Unit tests of the flow cache (src/flow_cache.h), alone and in the engine
 * against the uncached path. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "flow_cache.h"
#include "hash.h"
#include "netset.h"
#include "sink.h"
#include "summary.h"

/* ---- the cache alone ------------------------------------------------- */

static struct ts_record pkt(double ts, uint8_t host, uint16_t sport, uint64_t bytes, uint8_t frag)
{
    struct ts_record r;
    memset(&r, 0, sizeof r);
    r.kind = TS_REC_PACKET;
    r.ts = r.end = ts;
    r.src.len = r.dst.len = 4;
    memcpy(r.src.b, (uint8_t[]){10, 0, 0, host}, 4);
    memcpy(r.dst.b, (uint8_t[]){192, 168, 1, 1}, 4);
    r.sport = sport;
    r.dport = 80;
    r.proto = 6;
    r.bytes = bytes;
    r.payload = bytes - 40;
    r.frag = frag;
    return r;
}

/* Looks r up and, on a miss, claims its way and fills it; returns the
 * verdict and counts the flows a claim pushed out in *evicted. */
static enum flow_cache_verdict put(struct flow_cache *c, const struct ts_record *r,
                                   const struct summary_update_params *up, int *evicted)
{
    struct pipe_rec *p;
    enum flow_cache_verdict v = flow_cache_lookup(c, r, &p);
    if (v != FC_MISS)
        return v;
    p = flow_cache_claim(c, r, 0);
    cr_assert_not_null(p);
    *evicted += p->u.n > 0;
    summary_update_prepare(&p->u, r, up, NULL);
    p->src_net = p->dst_net = -1;
    p->first = 0;
    return v;
}

Test(flow_cache, packets_of_a_flow_fold_into_sums_with_the_earliest_start_and_latest_end)
{
    for (int by_bytes = 0; by_bytes < 2; by_bytes++) {
        struct flow_cache_params fp = {.sets = 8, .by_bytes = by_bytes, .seed = 1};
        struct flow_cache *c = flow_cache_new(&fp);
        cr_assert_not_null(c);
        struct summary_update_params up = {.by_bytes = by_bytes, .seed = 1};
        int evicted = 0;
        /* two flows interleaved, the second's packets out of time order */
        double ts[] = {10, 11, 12, 13, 9, 14};
        for (int i = 0; i < 6; i++) {
            struct ts_record r = pkt(ts[i], (uint8_t)(i % 2), 1000, 100 + (uint64_t)i, i == 4);
            enum flow_cache_verdict v = put(c, &r, &up, &evicted);
            cr_assert_eq(v, i < 2 ? FC_MISS : FC_FOLDED, "record %d", i);
        }
        cr_assert_eq(evicted, 0);
        cr_assert_eq(flow_cache_resident(c), 2);
        uint64_t seen = 0;
        const struct pipe_rec *p;
        while ((p = flow_cache_pop(c)) != NULL) {
            const struct summary_update *u = &p->u;
            cr_assert_eq(u->n, 3);
            bool odd = u->src.b[3] == 1;
            uint64_t bytes = odd ? 101 + 103 + 105 : 100 + 102 + 104;
            cr_assert_eq(u->bytes, bytes);
            cr_assert_eq(u->payload, bytes - 120);
            cr_assert_eq(u->weight, by_bytes ? bytes : 3);
            cr_assert_eq(u->frag, odd ? 0 : 1);
            cr_assert_eq(u->ts, odd ? 11 : 9);
            cr_assert_eq(u->end, odd ? 14 : 12);
            seen |= 1u << u->src.b[3];
        }
        cr_assert_eq(seen, 3);
        cr_assert_eq(flow_cache_resident(c), 0);
        flow_cache_free(c);
    }
}

Test(flow_cache, a_miss_pushes_out_the_least_recently_used_flow_of_its_set)
{
    struct flow_cache_params fp = {.sets = 1, .seed = 1};
    struct flow_cache *c = flow_cache_new(&fp);
    struct summary_update_params up = {.seed = 1};
    int evicted = 0;
    struct ts_record a = pkt(1, 1, 1, 100, 0), b = pkt(2, 2, 2, 100, 0), d = pkt(3, 3, 3, 100, 0);
    put(c, &a, &up, &evicted);
    put(c, &b, &up, &evicted);
    cr_assert_eq(put(c, &a, &up, &evicted), FC_FOLDED); /* b is now the older */
    cr_assert_eq(put(c, &d, &up, &evicted), FC_MISS);
    cr_assert_eq(evicted, 1);
    cr_assert_eq(put(c, &a, &up, &evicted), FC_FOLDED, "a stayed");
    cr_assert_eq(put(c, &b, &up, &evicted), FC_MISS, "b went");
    flow_cache_free(c);
}

Test(flow_cache, a_record_of_another_interval_starts_a_new_run)
{
    struct flow_cache_params fp = {.sets = 8, .ilen = 60, .seed = 1};
    struct flow_cache *c = flow_cache_new(&fp);
    struct summary_update_params up = {.seed = 1};
    int evicted = 0;
    struct ts_record r = pkt(100, 1, 1, 100, 0);
    cr_assert_eq(put(c, &r, &up, &evicted), FC_NEW_RUN, "the first record starts the first run");
    flow_cache_begin_run(c, r.ts, 0);
    r.ts = r.end = 101;
    cr_assert_eq(put(c, &r, &up, &evicted), FC_MISS);
    r.ts = r.end = 119.9;
    cr_assert_eq(put(c, &r, &up, &evicted), FC_FOLDED);
    r.ts = r.end = 120; /* interval 2 */
    cr_assert_eq(put(c, &r, &up, &evicted), FC_NEW_RUN);
    flow_cache_begin_run(c, r.ts, 0);
    r.ts = r.end = 90; /* back in interval 1: late or not, a run of its own */
    cr_assert_eq(put(c, &r, &up, &evicted), FC_NEW_RUN);
    flow_cache_free(c);
}

Test(flow_cache, turns_off_while_it_rarely_hits_and_tries_again)
{
    struct flow_cache_params fp = {.sets = 64, .adaptive = true, .seed = 1};
    struct flow_cache *c = flow_cache_new(&fp);
    struct summary_update_params up = {.seed = 1};
    int evicted = 0, drained = 0;
    for (int i = 0; i < FLOW_CACHE_WINDOW; i++) {
        struct ts_record r = pkt(i, (uint8_t)i, (uint16_t)i, 100, 0); /* all distinct */
        if (put(c, &r, &up, &evicted) == FC_DRAIN)
            drained++;
    }
    cr_assert_eq(drained, 1, "the first window ends with the cache off");
    cr_assert_eq(flow_cache_pause(c), (uint64_t)FLOW_CACHE_OFF_WINDOWS * FLOW_CACHE_WINDOW);
    while (flow_cache_pop(c) != NULL)
        ;
    /* back on: one flow only, every lookup after the first hits */
    for (int i = 0; i < 2 * FLOW_CACHE_WINDOW; i++) {
        struct ts_record r = pkt(i, 1, 1, 100, 0);
        enum flow_cache_verdict v = put(c, &r, &up, &evicted);
        cr_assert(v == FC_FOLDED || (i == 0 && v == FC_MISS), "record %d: %d", i, (int)v);
    }
    flow_cache_free(c);
}

/* ---- the engine with and without the cache ------------------------- */

/* A sink that keeps the non-local pairs and the counters. */
struct capture {
    struct sink k;
    struct sink_pair pairs[64];
    size_t npairs;
    uint64_t nonlocal;
    struct summary_counters total, in, out;
    uint64_t ivl_pkts[256];
    long long ivl_idx[256];
    size_t nivl;
    uint64_t late;
    /* bounds of the sources of Total against exact counts */
    const uint64_t *exact_src; /* by host index */
    size_t nhosts;
    size_t checked;
};

static int cap_begin(struct sink *k, struct ts_err *err)
{
    (void)k;
    (void)err;
    return 0;
}

static int cap_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    (void)err;
    struct capture *c = (struct capture *)k;
    if (iv->stream == 0 && c->nivl < 256) {
        c->ivl_idx[c->nivl] = iv->idx;
        c->ivl_pkts[c->nivl++] = summary_counters(iv->s)->pkts;
    }
    return 0;
}

static size_t host_of(const uint8_t *key)
{
    return (size_t)key[2] << 8 | key[3];
}

static int cap_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    (void)err;
    struct capture *c = (struct capture *)k;
    c->total = *summary_counters(r->total);
    if (r->incoming)
        c->in = *summary_counters(r->incoming);
    if (r->outgoing)
        c->out = *summary_counters(r->outgoing);
    c->nonlocal = r->nonlocal_count;
    c->npairs = r->n_nonlocal < 64 ? r->n_nonlocal : 64;
    memcpy(c->pairs, r->nonlocal, c->npairs * sizeof *c->pairs);
    c->late = r->late;
    if (c->exact_src != NULL) {
        struct summary_col_info info;
        summary_col_info(r->total, COL_SRCS, &info);
        struct ss_entry *e = calloc(info.k, sizeof *e);
        size_t n = summary_top(r->total, COL_SRCS, e, info.k);
        bool *listed = calloc(c->nhosts, 1);
        for (size_t i = 0; i < n; i++) {
            uint64_t lo, hi, truth = c->exact_src[host_of(e[i].key)];
            summary_bounds(r->total, COL_SRCS, &e[i], &lo, &hi);
            cr_assert(lo <= truth && truth <= hi, "bounds [%llu, %llu] hold %llu",
                      (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)truth);
            listed[host_of(e[i].key)] = true;
            c->checked++;
        }
        for (size_t h = 0; h < c->nhosts; h++)
            if (c->exact_src[h] * info.k > info.weight_total)
                cr_assert(listed[h], "host %zu above N/k is listed", h);
        free(listed);
        free(e);
    }
    return 0;
}

static void cap_free(struct sink *k)
{
    (void)k;
}

static const struct sink_ops cap_ops = {cap_begin, cap_interval, cap_finish, cap_free};

static struct netset *nets(void)
{
    static const char text[] = "10.1.0.0/16 one\n10.2.0.0/16 two\n";
    FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
    struct ts_err err;
    struct netset *s = netset_read_stream(f, "nets", NULL, NULL, &err); /* closes f */
    cr_assert_not_null(s, "%s", err.msg);
    return s;
}

/* A stream with flow structure: W flows open at a time, each packet from
 * one chosen at random, flows of 1 to a few hundred packets; hosts in
 * 10.1/16 and 10.2/16 (local) and 172.16/16 (not), host index in the last
 * two bytes; time advancing by dt a packet, with a share of packets back
 * in time (late ones). */
struct gen {
    uint64_t rng;
    size_t hosts, window;
    double ts, dt, back, jump;
    size_t n, jump_at;
    struct ts_record open[64];
    unsigned left[64];
};

static uint64_t rnd(struct gen *g, uint64_t n)
{
    return splitmix64(&g->rng) % n;
}

static void host_addr(struct gen *g, struct ts_addr *a, size_t h)
{
    static const uint8_t nets[3][2] = {{10, 1}, {10, 2}, {172, 16}};
    const uint8_t *n = nets[rnd(g, 3)];
    memset(a, 0, sizeof *a);
    a->len = 4;
    a->b[0] = n[0];
    a->b[1] = n[1];
    a->b[2] = (uint8_t)(h >> 8);
    a->b[3] = (uint8_t)h;
}

static struct ts_record next(struct gen *g, uint64_t *exact_src)
{
    size_t i = (size_t)rnd(g, g->window);
    struct ts_record *f = &g->open[i];
    if (g->left[i] == 0) {
        memset(f, 0, sizeof *f);
        f->kind = TS_REC_PACKET;
        /* a host is always in the same network: its index picks it */
        uint64_t keep = g->rng;
        size_t hs = (size_t)rnd(g, g->hosts), hd = (size_t)rnd(g, g->hosts);
        g->rng = hs * 7919 + 1;
        host_addr(g, &f->src, hs);
        g->rng = hd * 104729 + 2;
        host_addr(g, &f->dst, hd);
        g->rng = keep;
        f->proto = rnd(g, 4) ? 6 : 17;
        f->sport = (uint16_t)(1024 + rnd(g, 60000));
        f->dport = (uint16_t)(rnd(g, 2) ? 80 : 1 + rnd(g, 2000));
        g->left[i] = (unsigned)(1 + (rnd(g, 3) ? rnd(g, 8) : rnd(g, 300)));
    }
    g->left[i]--;
    struct ts_record r = *f;
    g->ts += g->dt * (double)rnd(g, 1000) / 500.0;
    if (++g->n == g->jump_at)
        g->ts -= g->jump; /* as in traces put one after the other */
    r.ts = r.end = rnd(g, 1000) < g->back * 1000 ? g->ts - (double)rnd(g, 200) : g->ts;
    r.bytes = 40 + rnd(g, 1460);
    r.payload = r.bytes - 40;
    r.frag = rnd(g, 50) == 0;
    if (exact_src != NULL)
        exact_src[host_of(r.src.b)]++;
    return r;
}

struct run_opts {
    size_t hosts, window, records;
    double dt, back, jump; /* jump: back in time, once, halfway */
    long long ilen;
    bool local, verbose, by_bytes, threads, stream, writing, json;
    size_t memory;
    size_t sets; /* of the cache; 0: the default */
    uint64_t seed;
};

/* Runs the stream through an engine with the cache as fc; the report goes
 * to *text (text or JSON; caller frees) or, with c, to the capture sink. */
static void run(const struct run_opts *ro, enum engine_flow_cache fc, struct capture *c,
                char **text, uint64_t *exact_src)
{
    struct engine_opts o;
    memset(&o, 0, sizeof o);
    o.topn = 10;
    o.factor = 1;
    o.maxtime = 1e20;
    o.reorder = 120;
    o.memory = ro->memory ? ro->memory : 8u << 20;
    o.memory_given = ro->memory != 0;
    o.seed = 3;
    o.ilen = ro->ilen;
    o.verbose = ro->verbose;
    o.by_bytes = ro->by_bytes;
    o.threads = ro->threads;
    o.stream = ro->stream;
    o.writing = ro->writing;
    o.json = ro->json;
    o.flow_cache = fc;
    o.flow_cache_sets = ro->sets;
    struct netset *ns = ro->local ? nets() : NULL;
    o.local_nets = ns;
    size_t len = 0;
    FILE *out = NULL;
    if (c != NULL) {
        c->k.ops = &cap_ops;
        o.sink = &c->k;
    } else {
        out = open_memstream(text, &len);
        o.out = out;
    }
    struct ts_err err;
    struct engine *e = engine_new(&o, &err);
    cr_assert_not_null(e, "%s", err.msg);
    struct gen g = {.rng = ro->seed, .hosts = ro->hosts, .window = ro->window, .ts = 1e9,
                    .dt = ro->dt, .back = ro->back, .jump = ro->jump,
                    .jump_at = ro->records / 2};
    for (size_t i = 0; i < ro->records; i++) {
        struct ts_record r = next(&g, exact_src);
        cr_assert_eq(engine_add(e, &r, &err), 0, "%s", err.msg);
    }
    struct sink_input_stats st = {.frames = ro->records};
    cr_assert_eq(engine_finish(e, &st, &err), 0, "%s", err.msg);
    engine_free(e);
    if (out != NULL)
        fclose(out);
    netset_free(ns);
}

/* The report with the cache (always on, and adaptive) is the report
 * without it, byte for byte. */
static void same_report(const struct run_opts *ro)
{
    char *off = NULL, *on = NULL, *autom = NULL;
    run(ro, ENGINE_FLOW_CACHE_OFF, NULL, &off, NULL);
    run(ro, ENGINE_FLOW_CACHE_ALWAYS, NULL, &on, NULL);
    run(ro, ENGINE_FLOW_CACHE_AUTO, NULL, &autom, NULL);
    cr_assert_gt(strlen(off), 100);
    cr_assert_str_eq(on, off);
    cr_assert_str_eq(autom, off);
    free(off);
    free(on);
    free(autom);
}

/* The stream through two engines, the cache off into a and always on
 * into b (b's exact counts, if any, set by the caller first). */
static void run_off_on(const struct run_opts *ro, struct capture *a, struct capture *b,
                       uint64_t *exact_src)
{
    memset(a, 0, sizeof *a);
    run(ro, ENGINE_FLOW_CACHE_OFF, a, NULL, NULL);
    run(ro, ENGINE_FLOW_CACHE_ALWAYS, b, NULL, exact_src);
}

/* The same intervals, with the same packet counts, in a and b. */
static void same_intervals(const struct capture *a, const struct capture *b)
{
    cr_assert_eq(a->nivl, b->nivl);
    for (size_t i = 0; i < a->nivl; i++) {
        cr_assert_eq(a->ivl_idx[i], b->ivl_idx[i]);
        cr_assert_eq(a->ivl_pkts[i], b->ivl_pkts[i], "interval %lld", a->ivl_idx[i]);
    }
}

Test(flow_cache, reports_are_the_uncached_ones_where_no_table_evicts)
{
    struct run_opts base = {.hosts = 300, .window = 16, .records = 20000, .dt = 0.05, .seed = 1};
    for (int threads = 0; threads < 2; threads++) {
        struct run_opts ro = base;
        ro.threads = threads;
        same_report(&ro);
        ro.by_bytes = true;
        same_report(&ro);
        ro = base;
        ro.threads = threads;
        ro.local = true;
        ro.ilen = 60;
        ro.verbose = true;
        same_report(&ro);
        ro.json = true;
        same_report(&ro);
        ro.json = false;
        ro.window = 64; /* more flows than a small cache keeps apart */
        ro.sets = 8;
        ro.back = 0.02; /* and late records for the replay */
        same_report(&ro);
        ro.stream = true;
        same_report(&ro);
    }
}

Test(flow_cache, counters_hold_and_bounds_contain_the_truth_where_tables_evict)
{
    struct run_opts ro = {.hosts = 20000, .window = 32, .records = 60000, .dt = 0.01,
                          .memory = 96u << 10, .local = true, .ilen = 60, .verbose = true,
                          .sets = 16, .seed = 2};
    for (int threads = 0; threads < 2; threads++) {
        ro.threads = threads;
        uint64_t *exact = calloc(1 << 16, sizeof *exact);
        struct capture a, b;
        memset(&b, 0, sizeof b);
        b.exact_src = exact;
        b.nhosts = 1 << 16;
        run_off_on(&ro, &a, &b, exact);
        cr_assert_gt(b.checked, 0);
        cr_assert_eq(memcmp(&a.total, &b.total, sizeof a.total), 0);
        cr_assert_eq(memcmp(&a.in, &b.in, sizeof a.in), 0);
        cr_assert_eq(memcmp(&a.out, &b.out, sizeof a.out), 0);
        same_intervals(&a, &b);
        free(exact);
    }
}

Test(flow_cache, intervals_and_late_records_are_the_uncached_ones)
{
    /* 0.02 s a record on average, a fifth of them up to 200 s back, and
     * halfway the time goes back 150 s: many interval boundaries, late
     * records in and beyond the horizon, alone and in runs */
    struct run_opts ro = {.hosts = 200, .window = 8, .records = 20000, .dt = 0.02, .back = 0.2,
                          .jump = 150, .ilen = 1, .local = true, .sets = 16, .seed = 3};
    for (int stream = 0; stream < 2; stream++) {
        ro.stream = stream;
        struct capture a, b;
        memset(&b, 0, sizeof b);
        run_off_on(&ro, &a, &b, NULL);
        cr_assert_gt(a.nivl, 100);
        same_intervals(&a, &b);
        cr_assert_eq(a.late, b.late);
        if (stream)
            cr_assert_gt(a.late, 0, "some records came too late");
        cr_assert_eq(memcmp(&a.total, &b.total, sizeof a.total), 0);
    }
}

static int cmp_pairs(const void *x, const void *y)
{
    return memcmp(x, y, offsetof(struct sink_pair, first));
}

Test(flow_cache, non_local_pairs_keep_the_number_of_their_first_record)
{
    /* few hosts, many flows of one pair with other ports, interleaved:
     * a pair's later flow often leaves the cache before its first one */
    struct run_opts ro = {.hosts = 12, .window = 48, .records = 20000, .dt = 0.01,
                          .local = true, .writing = true, .sets = 4, .seed = 4};
    for (int threads = 0; threads < 2; threads++) {
        ro.threads = threads;
        struct capture a, b;
        memset(&b, 0, sizeof b);
        run_off_on(&ro, &a, &b, NULL);
        cr_assert_gt(a.npairs, 10);
        cr_assert_eq(a.nonlocal, b.nonlocal);
        cr_assert_eq(a.npairs, b.npairs);
        qsort(a.pairs, a.npairs, sizeof *a.pairs, cmp_pairs);
        qsort(b.pairs, b.npairs, sizeof *b.pairs, cmp_pairs);
        for (size_t i = 0; i < a.npairs; i++) {
            cr_assert_eq(cmp_pairs(&a.pairs[i], &b.pairs[i]), 0);
            cr_assert_eq(a.pairs[i].first, b.pairs[i].first, "pair %zu", i);
        }
    }
}

Test(flow_cache, a_pair_whose_later_flow_leaves_first_keeps_its_first_number)
{
    /* one set of two ways: P's flow on port 1, P's flow on port 2, port 1
     * again (now the newer), then Q, which pushes port 2 out first */
    struct ts_record rs[4];
    uint16_t ports[4] = {1, 2, 1, 3};
    for (int i = 0; i < 4; i++) {
        rs[i] = pkt(100 + i, 7, ports[i], 100, 0);
        memcpy(rs[i].src.b, (uint8_t[]){172, 16, 0, (uint8_t)(i == 3 ? 9 : 7)}, 4);
    }
    for (int fc = 0; fc < 2; fc++) {
        struct engine_opts o;
        memset(&o, 0, sizeof o);
        o.topn = 10;
        o.factor = 1;
        o.maxtime = 1e20;
        o.reorder = 300;
        o.memory = 4u << 20;
        o.seed = 3;
        o.writing = true;
        o.flow_cache = fc ? ENGINE_FLOW_CACHE_ALWAYS : ENGINE_FLOW_CACHE_OFF;
        o.flow_cache_sets = 1;
        struct netset *ns = nets();
        o.local_nets = ns;
        struct capture c;
        memset(&c, 0, sizeof c);
        c.k.ops = &cap_ops;
        o.sink = &c.k;
        struct ts_err err;
        struct engine *e = engine_new(&o, &err);
        cr_assert_not_null(e, "%s", err.msg);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(engine_add(e, &rs[i], &err), 0);
        cr_assert_eq(engine_finish(e, NULL, &err), 0);
        engine_free(e);
        netset_free(ns);
        cr_assert_eq(c.nonlocal, 4);
        cr_assert_eq(c.npairs, 2);
        for (size_t i = 0; i < 2; i++)
            cr_assert_eq(c.pairs[i].first, c.pairs[i].a[4] == 7 ? 1u : 4u, "cache %d, pair %zu", fc,
                         i);
    }
}
