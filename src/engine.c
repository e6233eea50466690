/* engine.c - filters each record and decides which summaries it updates. */
#include "config.h"

#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "flow_cache.h"
#include "always_inline.h"
#include "hash.h"
#include "intervals.h"
#include "ivl_store.h"
#include "pipeline.h"
#include "plan.h"
#include "replay.h"
#include "summary.h"
#include "summary_parts.h"

#define NONLOCAL_MAX 1024 /* pairs kept for the "no local address" list */
#define UNKNOWN_MAX 1024  /* pairs kept for the unknown-transport table */
#define MAX_SINKS 3       /* -P, the report (text, JSON or R), the HTML page */
#define CLOSED_BATCH 16   /* closed intervals moved at once */

struct engine {
    struct engine_opts o;
    struct plan_opts popts;
    struct plan plan;
    struct summary_update_params up;
    uint8_t *port_mask; /* the ports that count, or NULL for all */
    struct summary *total, *incoming, *outgoing;
    /* With -l and interval tables (when no report so far can be asked
     * for and nothing is merged in): every record counts in one of Total,
     * Incoming and Outgoing only, by its direction, and engine_finish
     * merges Incoming and Outgoing into Total. The same memory as counting
     * Total too, one large summary fewer for each record, and the same
     * report wherever nothing evicted (see home_of). Without interval
     * tables the merge at the end, on one thread, cost more than the
     * threads gained: the counting thread would have only the networks
     * (bench/README.md, lab notes). */
    bool total_by_merge;
    struct summary **nets;
    size_t nnets;
    struct intervals *iv; /* NULL without -i */
    struct replay *replay; /* exact intervals (not --stream); NULL with --stream */
    struct ivl_store *store; /* merging with -i: every interval until the end */
    uint64_t merged_late;
    size_t n_streams;
    uint64_t nonlocal_count;
    struct sink_pair *nonlocal;
    size_t n_nonlocal;
    struct sink_unknown *unknown;
    size_t n_unknown;
    uint64_t unknown_total, unknown_dropped;
    struct pipe pipe;
    /* packet traces: the flows folded before they are queued (NULL:
     * none), and the number of the last record without a local address
     * as records arrive (pipe_rec.first) */
    struct flow_cache *fc;
    size_t fc_sets; /* its sets, for the memory plan */
    uint64_t fc_paused; /* records still to pass by the cache while it is off */
    uint64_t nonlocal_seq;
    struct sink_params sp;
    struct sink *sinks[MAX_SINKS];
    size_t nsinks;
    bool begun;
    int out_rc; /* the sinks' first error, and its message */
    struct ts_err out_err;
    /* a live capture's counters: the latest, at the last interval written,
     * and that interval's growth (cap_idx: its index) */
    bool capturing;
    struct capture_counts cap_now, cap_mark, cap_ivl;
    long long cap_idx;
};

/* ---- output: closed intervals to the sinks, on the reading thread ----- */

static int out_failed(struct engine *e, struct ts_err *err)
{
    if (err != NULL && err != &e->out_err)
        *err = e->out_err;
    return e->out_rc;
}

static int sinks_begin(struct engine *e)
{
    if (e->begun)
        return e->out_rc;
    e->begun = true;
    for (size_t i = 0; i < e->nsinks && e->out_rc == 0; i++)
        e->out_rc = sink_begin(e->sinks[i], &e->out_err);
    return e->out_rc;
}

/* Writes one interval to every sink (unless one failed before), with the
 * capture counters cap (a merge's), or the growth of the live capture's
 * while it was open, or none. */
static void deliver_now(struct engine *e, const struct ivl_closed *c,
                        const struct capture_counts *cap)
{
    if (sinks_begin(e) != 0)
        return;
    double ilen = (double)e->o.ilen;
    struct sink_interval si = {
        .stream = c->stream,
        .idx = c->idx,
        .start = (double)c->idx * ilen,
        .end = (double)c->idx * ilen + ilen,
        .s = c->s,
    };
    if (cap != NULL) {
        if (c->stream == 0)
            si.capture = cap;
    } else if (e->capturing) {
        /* one growth per interval, shared by its streams */
        if (c->idx != e->cap_idx) {
            e->cap_idx = c->idx;
            e->cap_ivl.received = e->cap_now.received - e->cap_mark.received;
            e->cap_ivl.dropped_kernel = e->cap_now.dropped_kernel - e->cap_mark.dropped_kernel;
            e->cap_ivl.dropped_iface = e->cap_now.dropped_iface - e->cap_mark.dropped_iface;
            e->cap_mark = e->cap_now;
        }
        si.capture = &e->cap_ivl;
    }
    for (size_t i = 0; i < e->nsinks && e->out_rc == 0; i++)
        e->out_rc = sink_interval(e->sinks[i], &si, &e->out_err);
}

void engine_set_capture(struct engine *e, const struct capture_counts *now)
{
    if (!e->capturing) {
        e->capturing = true;
        e->cap_idx = LLONG_MIN;
    }
    e->cap_now = *now;
}

/* A closed interval of the raw records: to the sinks when streaming, else
 * kept for the replay at the end (a late record may still amend it); with
 * --stream while merging, to the store. */
static void deliver(struct engine *e, const struct ivl_closed *c)
{
    if (e->store == NULL && e->replay == NULL) {
        deliver_now(e, c, NULL);
        return;
    }
    if (e->out_rc == 0)
        e->out_rc = e->replay != NULL
                        ? replay_hold(e->replay, c->stream, c->idx, c->s, &e->out_err)
                        : ivl_store_put(e->store, c->stream, (double)c->idx * (double)e->o.ilen,
                                        c->s, &e->out_err);
}

static int replay_one(void *ctx, unsigned stream, long long idx, const struct summary *s,
                      const struct capture_counts *cap, struct ts_err *err)
{
    struct engine *e = ctx;
    (void)err;
    struct ivl_closed c = {.stream = stream, .idx = idx, .s = (struct summary *)s};
    if (stream < e->n_streams)
        deliver_now(e, &c, cap);
    return e->out_rc;
}

/* The reader's side of the hand-back: writes what the counting thread
 * closed and gives the summaries back. */
static int reader_idle(void *ctx, struct ts_err *err)
{
    struct engine *e = ctx;
    struct ivl_closed c;
    while (pipe_closed_take(&e->pipe, &c)) {
        deliver(e, &c);
        pipe_free_put(&e->pipe, c.s);
    }
    return out_failed(e, err);
}

/* The counting side: moves what closed on (to the reader, or without a
 * thread straight to the sinks) and takes back what the reader is done
 * with; with wait, until at least one summary is back. Returns 0, or a
 * negative code when the run is being dropped or a sink failed. */
static int settle_intervals(struct engine *e, bool wait)
{
    struct pipe *q = &e->pipe;
    struct ivl_closed c[CLOSED_BATCH];
    size_t n;
    if (!q->threaded) {
        while ((n = intervals_take_closed(e->iv, c, CLOSED_BATCH)) > 0)
            for (size_t i = 0; i < n; i++) {
                deliver(e, &c[i]);
                intervals_release(e->iv, c[i].s);
            }
        return e->out_rc;
    }
    while ((n = intervals_take_closed(e->iv, c, CLOSED_BATCH)) > 0)
        for (size_t i = 0; i < n; i++)
            pipe_closed_put(q, &c[i]);
    bool got = false;
    struct summary *s;
    while ((s = pipe_free_take(q)) != NULL) {
        intervals_release(e->iv, s);
        got = true;
    }
    if (wait && !got) {
        if ((s = pipe_free_wait(q)) == NULL)
            return TS_EIO; /* the run is being dropped */
        intervals_release(e->iv, s);
    }
    return 0;
}

/* Adds u to its interval in stream, waiting for a summary when all are out. */
static int interval_add(struct engine *e, unsigned stream, const struct summary_update *u,
                        struct ts_err *err)
{
    enum ivl_result res;
    while ((res = intervals_add(e->iv, stream, u)) == IVL_FULL) {
        int rc = settle_intervals(e, true);
        if (rc != 0)
            return e->out_rc ? out_failed(e, err)
                             : ts_err_set(err, rc, "interval summaries not handed back");
    }
    long long idx;
    if (res == IVL_LATE && e->replay != NULL && intervals_index(e->iv, stream, u->ts, &idx) &&
        replay_index_ok(idx))
        return replay_late(e->replay, stream, idx, u, err);
    return 0;
}

/* ---- construction ----------------------------------------------------- */

/* Touches a summary's memory at start (see summary_prefault), except with
 * -S: a sample reaches a fraction of the tables' pages (a 1% sample of 10^6
 * lines about a quarter), and zeroing all of them up front was a quarter of
 * such a run. Sampled runs let the pages fault in as they are used. */
static void prefault(const struct engine *e, struct summary *s)
{
    if (e->o.sample_p == 0)
        summary_prefault(s);
}

/* The -m/-p/-P rule as a bitmap of the ports that count (NULL: all do). */
static int make_port_mask(struct engine *e)
{
    const struct engine_opts *o = &e->o;
    bool set = o->port_set && o->port_set_nonempty;
    if (!set && (!o->save_mem || o->write_ports))
        return 0;
    e->port_mask = calloc(65536 / 8, 1);
    if (e->port_mask == NULL)
        return -1;
    for (size_t p = 0; p < 65536; p++) {
        bool known = p < 1024 || o->write_ports != NULL;
        bool counts = set ? known || ((o->port_set[p >> 3] >> (p & 7)) & 1) : known;
        if (counts)
            e->port_mask[p >> 3] |= (uint8_t)(1u << (p & 7));
    }
    return 0;
}

static void sink_params_for(struct engine *e)
{
    const struct engine_opts *o = &e->o;
    struct sink_params *p = &e->sp;
    p->ro.out = o->out ? o->out : stdout;
    p->ro.conns = o->conns;
    p->ro.topn = o->topn;
    p->ro.by_bytes = o->by_bytes;
    p->ro.factor = o->factor;
    p->ro.factor_float = o->factor_float;
    p->ro.resolve = o->resolve;
    p->ro.resolve_ctx = o->resolve_ctx;
    p->ro.resolve_want = o->resolve_want;
    p->ro.seed = o->seed;
    p->ro.sample_p = o->sample_p;
    p->out_name = o->out_name ? o->out_name : "standard output";
    p->input_name = o->input_name;
    p->seed = o->seed;
    p->memory = o->memory;
    p->ilen = o->ilen;
    p->reorder = o->reorder;
    p->verbose = o->verbose;
    p->save_mem = o->save_mem;
    p->r_tag = o->r_tag;
    p->ports_path = o->write_ports;
    p->local_nets = o->local_nets;
}

static int open_sinks(struct engine *e)
{
    const struct engine_opts *o = &e->o;
    sink_params_for(e);
    if (o->write_ports && (e->sinks[e->nsinks++] = sink_ports_new(&e->sp)) == NULL)
        return -1;
    if (o->html != NULL &&
        (e->sinks[e->nsinks++] = sink_html_new(&e->sp, o->html, o->html_name)) == NULL)
        return -1;
    if (o->sink != NULL) {
        e->sinks[e->nsinks++] = o->sink;
        return 0;
    }
    struct sink *k = o->r_tag  ? sink_r_new(&e->sp)
                     : o->json ? sink_json_new(&e->sp)
                               : sink_text_new(&e->sp);
    if (k == NULL)
        return -1;
    e->sinks[e->nsinks++] = k;
    return 0;
}

static void plan_opts_for(const struct engine_opts *o, struct plan_opts *po)
{
    memset(po, 0, sizeof *po);
    po->memory = o->memory;
    po->memory_given = o->memory_given;
    po->conns = o->conns;
    po->save_mem = o->save_mem;
    po->verbose = o->verbose || o->writing; /* a later report may ask for -v */
    po->writing = o->writing;
    po->r_output = o->r_tag != NULL;
    po->dir_intervals = o->html != NULL;
    po->write_ports = o->write_ports != NULL;
    po->port_set = o->port_set && o->port_set_nonempty ? o->port_set : NULL;
    po->ilen = o->ilen;
    po->local_nets = o->local_nets != NULL;
    po->nnets = netset_count(o->local_nets);
    po->fixed_bytes = (o->conns ? UNKNOWN_MAX * sizeof(struct sink_unknown) : 0) +
                      NONLOCAL_MAX * sizeof(struct sink_pair);
}

/* Packet traces get a flow cache (connection logs do not: a line is a
 * whole connection, with a service and a state of its own, and lines of
 * one flow are rare). */
static int start_flow_cache(struct engine *e)
{
    const struct engine_opts *o = &e->o;
    if (o->conns || o->flow_cache == ENGINE_FLOW_CACHE_OFF)
        return 0;
    struct flow_cache_params fp = {
        .sets = o->flow_cache_sets    ? o->flow_cache_sets
                : o->save_mem ? FLOW_CACHE_SETS / 4
                              : FLOW_CACHE_SETS,
        .ilen = e->iv != NULL ? o->ilen : 0,
        .dir_streams = e->iv != NULL && e->n_streams == 3,
        .by_bytes = o->by_bytes,
        .adaptive = o->flow_cache != ENGINE_FLOW_CACHE_ALWAYS,
        .seed = o->seed ^ 0x666c6f77u,
    };
    e->fc = flow_cache_new(&fp);
    e->fc_sets = fp.sets;
    return e->fc != NULL ? 0 : -1;
}

static void reader_pass(void *ctx, struct pipe_batch *bt);
static int apply_batch(void *ctx, struct pipe_batch *bt, struct ts_err *err);

static int start_pipe(struct engine *e)
{
    const struct engine_opts *o = &e->o;
    struct pipe_load load = {
        .save_mem = o->save_mem,
        .conns = o->conns,
        .nets = e->nnets > 0,
        .local_nets = o->local_nets != NULL,
        .interval_tables = e->plan.interval_tables,
    };
    struct pipe_split split;
    pipe_split_for(&load, &split);
    struct pipe_ops ops = {
        .reader_pass = reader_pass,
        .apply = apply_batch,
        .reader_idle = reader_idle,
        .ctx = e,
    };
    size_t cap = o->save_mem ? PIPE_BATCH_RECS / 4 : PIPE_BATCH_RECS;
    size_t ring = e->iv ? intervals_pool_size(e->iv) : 1;
    return pipe_init(&e->pipe, o->threads, o->decoder_thread, cap, o->conns, ring, &split, &ops);
}

struct engine *engine_new(const struct engine_opts *o, struct ts_err *err)
{
    struct engine *e = calloc(1, sizeof *e);
    if (e == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    e->o = *o;
    plan_opts_for(o, &e->popts);
    plan_make(&e->popts, &e->plan);
    if (o->sizes != NULL) {
        e->plan.main = o->sizes[0];
        e->plan.dir = o->sizes[1];
        e->plan.net = o->sizes[2];
        e->plan.ivl = o->sizes[3];
        e->plan.interval_tables = o->sizes[3].k_ports > 0 || o->sizes[3].k_addrs > 0;
        /* the pool as the plan would make it for such intervals (files
         * written with -w keep interval tables even without -v) */
        if (e->plan.interval_tables && e->plan.max_open > PLAN_MAX_OPEN_TABLES)
            e->plan.max_open = PLAN_MAX_OPEN_TABLES;
    }
    const struct plan *pl = &e->plan;
    uint64_t seed = o->seed;
    if (make_port_mask(e) != 0 || open_sinks(e) != 0)
        goto nomem;
    if (o->ilen > 0) {
        double lag = ceil(o->reorder / (double)o->ilen);
        if (!(lag >= 1))
            lag = 1;
        if (lag > (double)pl->max_open - 1)
            lag = (double)pl->max_open - 1;
        e->n_streams = pl->n_int_streams;
        e->iv = intervals_new(e->n_streams, pl->max_open, o->ilen, (long long)lag, &pl->ivl, seed,
                              o->sample_p == 0);
        if (e->iv == NULL)
            goto nomem;
        if (o->merging && (e->store = ivl_store_new(&pl->ivl, seed, err)) == NULL) {
            engine_free(e);
            return NULL;
        }
        /* raw records read while merging get their late records placed
         * too: the replay's intervals then go into the store */
        if (!o->stream) {
            e->replay = replay_new((unsigned)e->n_streams, o->ilen,
                                   o->save_mem ? REPLAY_SPILL_MEM_SMALL : REPLAY_SPILL_MEM, err);
            if (e->replay == NULL) {
                engine_free(e);
                return NULL;
            }
        }
    }
    e->total = summary_new(&pl->main, seed);
    if (e->total == NULL)
        goto nomem;
    prefault(e, e->total);
    bool hash_ports = summary_ports_sketched(e->total);
    if (o->local_nets) {
        e->incoming = summary_new(&pl->dir, seed);
        e->outgoing = summary_new(&pl->dir, seed);
        e->nnets = netset_count(o->local_nets);
        e->nets = calloc(e->nnets ? e->nnets : 1, sizeof *e->nets);
        size_t keep = o->writing ? NONLOCAL_MAX : o->topn > 1 ? o->topn - 1 : 0;
        if (keep > NONLOCAL_MAX)
            keep = NONLOCAL_MAX;
        e->nonlocal = calloc(keep ? keep : 1, sizeof *e->nonlocal);
        if (e->incoming == NULL || e->outgoing == NULL || e->nets == NULL || e->nonlocal == NULL)
            goto nomem;
        prefault(e, e->incoming);
        prefault(e, e->outgoing);
        e->total_by_merge = pl->interval_tables && !o->merging && !o->report_so_far;
        hash_ports |= summary_ports_sketched(e->incoming) || summary_ports_sketched(e->outgoing);
        for (size_t i = 0; i < e->nnets; i++) {
            e->nets[i] = summary_new(&pl->net, seed);
            if (e->nets[i] == NULL)
                goto nomem;
            prefault(e, e->nets[i]);
            hash_ports |= summary_ports_sketched(e->nets[i]);
        }
    }
    if (o->conns) {
        e->unknown = calloc(UNKNOWN_MAX, sizeof *e->unknown);
        if (e->unknown == NULL)
            goto nomem;
    }
    if (e->iv != NULL) /* the interval summaries' sizes, as summary_new reads them */
        hash_ports |= pl->ivl.k_ports > 0 && !summary_ports_direct(&pl->ivl);
    e->up = (struct summary_update_params){
        .by_bytes = o->by_bytes,
        .conns = o->conns,
        .hash_ports = hash_ports,
        .seed = seed,
        .ports = e->port_mask,
    };
    if (start_pipe(e) != 0 || start_flow_cache(e) != 0)
        goto nomem;
    return e;
nomem:
    ts_err_set(err, TS_ENOMEM, "out of memory for the summaries (try a smaller --memory or -m)");
    engine_free(e);
    return NULL;
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    struct ts_err ignored;
    pipe_finish(&e->pipe, true, &ignored);
    pipe_free(&e->pipe);
    flow_cache_free(e->fc);
    summary_free(e->total);
    summary_free(e->incoming);
    summary_free(e->outgoing);
    for (size_t i = 0; e->nets != NULL && i < e->nnets; i++)
        summary_free(e->nets[i]);
    free(e->nets);
    intervals_free(e->iv);
    replay_free(e->replay);
    ivl_store_free(e->store);
    for (size_t i = 0; i < e->nsinks; i++)
        if (e->sinks[i] != e->o.sink)
            sink_free(e->sinks[i]);
    free(e->port_mask);
    free(e->nonlocal);
    free(e->unknown);
    free(e);
}

uint64_t engine_late_records(const struct engine *e)
{
    /* without --stream late records take their place in the replay */
    return (e->iv && e->replay == NULL ? intervals_late(e->iv) : 0) + e->merged_late;
}

void engine_print_plan(const struct engine *e, FILE *out)
{
    (void)plan_write(&e->plan, &e->popts, out);
    if (e->fc != NULL)
        fprintf(out,
                "flow cache (packet traces): %zu flows, %zu bytes, outside the budget like the "
                "record batches\n",
                2 * e->fc_sets, flow_cache_mem_bytes(e->fc_sets));
}

/* ---- adding records --------------------------------------------------- */

static bool excluded(const struct engine *e, const struct ts_addr *a)
{
    return e->o.exclude_nets && netset_lookup(e->o.exclude_nets, a->b, a->len) >= 0;
}

/* Counts n connections of the pair of texts src and dst. */
static void count_unknown(struct engine *e, const void *src, size_t sl, const void *dst, size_t dl,
                          uint64_t n)
{
    char s[SINK_ADDR_TEXT_MAX + 1], d[SINK_ADDR_TEXT_MAX + 1];
    if (sl > SINK_ADDR_TEXT_MAX)
        sl = SINK_ADDR_TEXT_MAX;
    if (dl > SINK_ADDR_TEXT_MAX)
        dl = SINK_ADDR_TEXT_MAX;
    memcpy(s, src, sl);
    s[sl] = '\0';
    memcpy(d, dst, dl);
    d[dl] = '\0';
    uint64_t h = hash64(s, sl, e->o.seed) ^ hash64(d, dl, e->o.seed + 1);
    for (size_t i = 0; i < e->n_unknown; i++) {
        struct sink_unknown *p = &e->unknown[i];
        if (p->hash == h && strcmp(p->src, s) == 0 && strcmp(p->dst, d) == 0) {
            p->count += n;
            return;
        }
    }
    if (e->n_unknown == UNKNOWN_MAX) {
        e->unknown_dropped += n;
        return;
    }
    struct sink_unknown *p = &e->unknown[e->n_unknown++];
    memcpy(p->src, s, sl + 1);
    memcpy(p->dst, d, dl + 1);
    p->count = n;
    p->hash = h;
    p->seq = e->n_unknown - 1;
}

static void add_unknown(struct engine *e, const struct ts_record *r)
{
    e->unknown_total++;
    count_unknown(e, r->src_text.p ? r->src_text.p : "", r->src_text.len,
                  r->dst_text.p ? r->dst_text.p : "", r->dst_text.len, 1);
}

/* Lists the pair p of the nonlocal record number nr (1-based) unless it
 * is listed already: the original kept the pairs of the first topn - 1
 * such records. */
static void list_nonlocal(struct engine *e, const struct sink_pair *p, uint64_t nr)
{
    uint64_t limit = e->o.writing ? NONLOCAL_MAX + 1 : e->o.topn;
    if (nr >= limit || nr > NONLOCAL_MAX)
        return;
    for (size_t i = 0; i < e->n_nonlocal; i++)
        if (memcmp(e->nonlocal[i].a, p->a, sizeof p->a) == 0 &&
            memcmp(e->nonlocal[i].b, p->b, sizeof p->b) == 0) {
            /* a flow folded in the cache may come after a later one of
             * the same pair: the pair's first record is the lowest */
            if (nr < e->nonlocal[i].first)
                e->nonlocal[i].first = nr;
            return;
        }
    e->nonlocal[e->n_nonlocal] = *p;
    e->nonlocal[e->n_nonlocal++].first = nr;
}

/* Counts the u->n records of u, the first of them non-local record number
 * first (numbered as they arrived). */
static void add_nonlocal(struct engine *e, const struct summary_update *u, uint64_t first)
{
    e->nonlocal_count += u->n;
    struct sink_pair p;
    memset(&p, 0, sizeof p);
    p.a[0] = u->src.len;
    memcpy(p.a + 1, u->src.b, u->src.len);
    p.b[0] = u->dst.len;
    memcpy(p.b + 1, u->dst.b, u->dst.len);
    list_nonlocal(e, &p, first);
}

/* The local network a record counts for, or -1. */
static inline int record_net(const struct pipe_rec *pd)
{
    return pd->src_net >= 0 ? pd->src_net : pd->dst_net;
}

/* The interval stream of a record's direction (one with a local address):
 * Outgoing's when its source is local, else Incoming's. */
static inline unsigned dir_stream(int src_net)
{
    return src_net >= 0 ? 2 : 1;
}

/* The direction's summary of a record with a local address: Outgoing
 * when its source is local, else Incoming. */
static inline struct summary *dir_summary(const struct engine *e, const struct pipe_rec *pd)
{
    return pd->src_net >= 0 ? e->outgoing : e->incoming;
}

/* The summary a record counts in first: Total, or with total_by_merge its
 * direction's for a record with a local address.
 *
 * Why Total may wait for the end: every record with a local address
 * counts in exactly one of Incoming and Outgoing, every other one in Total
 * alone, and the three have equal sizes and seed. Their merge (merge_total)
 * equals one pass over all records, in every query and to the byte, while
 * no column evicted in the parts or in the merge; and a part never evicts
 * where Total would not have: a part holds at most the distinct keys Total
 * holds, in as many counters. Where Total evicts, the merged bounds hold
 * with N the merged total (space_saving.h), and every key above N/k is
 * still listed. */
static inline struct summary *home_of(const struct engine *e, const struct pipe_rec *pd)
{
    return e->total_by_merge && record_net(pd) >= 0 ? dir_summary(e, pd) : e->total;
}

/* Applies a queued record to every summary it belongs to (the counting
 * thread's share). */
static int apply_rec(void *ctx, struct pipe_rec *pd, struct ts_err *err)
{
    struct engine *e = ctx;
    const struct engine_opts *o = &e->o;
    struct summary_update *u = &pd->u;
    summary_add_parts(home_of(e, pd), u, true, SUMMARY_PART_ALL & ~e->pipe.split.reader_parts);
    int rc = 0;
    if (e->iv != NULL)
        rc = interval_add(e, 0, u, err);
    if (o->local_nets) {
        int net = record_net(pd);
        if (net >= 0) {
            if (!e->pipe.split.reader_nets)
                summary_add(e->nets[net], u, true);
            if (!e->total_by_merge)
                summary_add(dir_summary(e, pd), u, true);
            /* Incoming and Outgoing intervals are for the R files and the page */
            if (rc == 0 && e->iv != NULL && e->n_streams == 3)
                rc = interval_add(e, dir_stream(pd->src_net), u, err);
        } else {
            add_nonlocal(e, u, pd->first);
        }
    }
    return rc;
}

/* The updates of three queued records (NULL for NULL). */
static inline void updates_of(const struct pipe_rec *const p[3], const struct summary_update *u[3])
{
    for (int k = 0; k < 3; k++)
        u[k] = p[k] != NULL ? &p[k]->u : NULL;
}

/* Cache hints for the parts of three queued records' first summaries
 * (home_of), in the stages apply_hint describes. */
static void prefetch_homes(const struct engine *e, const struct pipe_rec *const p[3],
                           const struct summary_update *const u[3], unsigned parts)
{
    if (!e->total_by_merge) {
        summary_prefetch_stages(e->total, u, parts);
        return;
    }
    for (int k = 0; k < 3; k++)
        if (p[k] != NULL)
            summary_prefetch(home_of(e, p[k]), u[k], k + 1, parts);
}

/* Cache hints for three queued records: p[0] gets stage 1 (the index cells
 * of its keys start loading), p[1] stage 2 (the counters those cells point
 * to, loaded some records ago), p[2] stage 3 (the heap counts of those
 * counters); NULL entries none. */
static void apply_hint(void *ctx, const struct pipe_rec *const p[3])
{
    struct engine *e = ctx;
    const struct summary_update *u[3];
    updates_of(p, u);
    unsigned total_parts = SUMMARY_PART_ALL & ~e->pipe.split.reader_parts;
    if (total_parts)
        prefetch_homes(e, p, u, total_parts);
    if (e->o.local_nets) {
        /* the direction and the network differ from record to record */
        for (int k = 0; k < 3; k++) {
            int net = p[k] != NULL ? record_net(p[k]) : -1;
            if (net < 0)
                continue;
            if (!e->total_by_merge)
                summary_prefetch(dir_summary(e, p[k]), u[k], k + 1, SUMMARY_PART_ALL);
            if (!e->pipe.split.reader_nets)
                summary_prefetch(e->nets[net], u[k], k + 1, SUMMARY_PART_ALL);
        }
    }
    /* the newest open interval, where records in time order go */
    if (e->plan.interval_tables) {
        const struct summary *s = intervals_newest(e->iv, 0);
        if (s != NULL)
            summary_prefetch_stages(s, u, SUMMARY_PART_ALL);
    }
}

/* The reader's share of a record: the parts of Total in reader_parts. */
static void reader_hint(void *ctx, const struct pipe_rec *const p[3])
{
    struct engine *e = ctx;
    const struct summary_update *u[3];
    updates_of(p, u);
    if (e->pipe.split.reader_parts != 0)
        prefetch_homes(e, p, u, e->pipe.split.reader_parts);
    if (!e->pipe.split.reader_nets)
        return;
    for (int k = 0; k < 3; k++) {
        int net = p[k] != NULL ? record_net(p[k]) : -1;
        if (net >= 0)
            summary_prefetch(e->nets[net], u[k], k + 1, SUMMARY_PART_ALL);
    }
}

static int reader_one(void *ctx, struct pipe_rec *pd, struct ts_err *err)
{
    struct engine *e = ctx;
    (void)err;
    if (e->pipe.split.reader_parts != 0)
        summary_add_parts(home_of(e, pd), &pd->u, true, e->pipe.split.reader_parts);
    int net = record_net(pd);
    if (e->pipe.split.reader_nets && net >= 0)
        summary_add(e->nets[net], &pd->u, true);
    return 0;
}

/* The reader's share of a full batch, before it is handed over. */
static void reader_pass(void *ctx, struct pipe_batch *bt)
{
    struct engine *e = ctx;
    const struct pipe_split *sp = &e->pipe.split;
    if (sp->reader_parts != 0 || sp->reader_nets)
        (void)pipe_walk(e, bt, reader_hint, reader_one, NULL);
}

/* Applies a batch (the counting thread's share of every record). */
static int apply_batch(void *ctx, struct pipe_batch *bt, struct ts_err *err)
{
    struct engine *e = ctx;
    int rc = pipe_walk(e, bt, apply_hint, apply_rec, err);
    bt->n = 0;
    if (rc == 0 && e->iv != NULL && (rc = settle_intervals(e, false)) != 0)
        rc = out_failed(e, err);
    return rc;
}

/* The rest of queuing a record just put in the batch being filled: the
 * batch handed over when full. */
static TS_INLINE int queued(struct engine *e, struct ts_err *err)
{
    struct pipe *q = &e->pipe;
    if (q->fill->n == q->cap)
        return pipe_publish(q, err);
    return 0;
}

/* Queues a flow the cache folded (packet traces: no strings). */
static int queue_copy(struct engine *e, const struct pipe_rec *f, struct ts_err *err)
{
    struct summary_strings *keep;
    struct pipe_rec *pd = pipe_slot(&e->pipe, &keep);
    *pd = *f;
    return queued(e, err);
}

/* Queues every flow the cache holds. Returns 0 or the first error. */
static int drain_flows(struct engine *e, struct ts_err *err)
{
    int rc = 0;
    const struct pipe_rec *f;
    while ((f = flow_cache_pop(e->fc)) != NULL) {
        int r = queue_copy(e, f, err);
        if (rc == 0)
            rc = r;
    }
    return rc;
}

int engine_add(struct engine *e, const struct ts_record *r, struct ts_err *err)
{
    const struct engine_opts *o = &e->o;
    if (r->kind == TS_REC_UNKNOWN_TRANSPORT) {
        /* counted before any other check, as the original did */
        add_unknown(e, r);
        return 0;
    }
    if (o->conns) {
        if (r->ts < o->mintime || r->end > o->maxtime)
            return 0;
    } else {
        if (r->ts < o->mintime || r->ts > o->maxtime)
            return 0;
        if (o->chema && (r->proto != 6 || !r->tcp_seq_valid || r->tcp_seq == 0))
            return 0;
    }
    enum flow_cache_verdict v = FC_BYPASS;
    if (e->fc != NULL && e->fc_paused > 0) {
        e->fc_paused--;
    } else if (e->fc != NULL) {
        struct pipe_rec *hit;
        v = flow_cache_lookup(e->fc, r, &hit);
        if (v == FC_FOLDED) {
            e->nonlocal_seq += hit->first != 0;
            return 0;
        }
        if (v == FC_DRAIN) {
            e->fc_paused = flow_cache_pause(e->fc);
            int rc = drain_flows(e, err);
            if (rc != 0)
                return rc;
        }
    }
    if (o->tcp_only && r->proto != 6)
        return 0;
    if (o->udp_only && r->proto != 17)
        return 0;
    if (excluded(e, &r->src) || excluded(e, &r->dst))
        return 0;
    int src_net = -1, dst_net = -1;
    if (o->local_nets) {
        src_net = netset_lookup(o->local_nets, r->src.b, r->src.len);
        dst_net = netset_lookup(o->local_nets, r->dst.b, r->dst.len);
        if (o->external && src_net >= 0 && dst_net >= 0)
            return 0;
    }
    /* What the summaries need of the record goes into a batch, its keys
     * hashed here, in the reader's thread, or, for a flow the cache folds,
     * into the cache. On connection logs the strings live in the reader's
     * buffer, which the next line reuses: the update keeps what it counts
     * of them in the batch. */
    struct pipe_rec *pd = NULL;
    struct summary_strings *keep = NULL;
    int rc = 0;
    if (v == FC_MISS || v == FC_NEW_RUN) {
        unsigned stream = 0; /* the interval stream of its direction, as apply_rec adds it */
        if (e->n_streams == 3 && (src_net >= 0 || dst_net >= 0))
            stream = dir_stream(src_net);
        if (v == FC_MISS && (pd = flow_cache_claim(e->fc, r, stream)) != NULL) {
            /* the flow resident there goes on, r's takes its place */
            if (pd->u.n > 0)
                rc = queue_copy(e, pd, err);
        } else {
            /* another interval: what the cache holds goes first, then r alone */
            if ((rc = drain_flows(e, err)) != 0)
                return rc;
            flow_cache_begin_run(e->fc, r->ts, stream);
        }
    }
    bool folding = pd != NULL;
    if (!folding)
        pd = pipe_slot(&e->pipe, &keep);
    pd->src_net = src_net;
    pd->dst_net = dst_net;
    /* numbered as it arrives, whenever the cache lets it reach the summaries */
    pd->first = o->local_nets && src_net < 0 && dst_net < 0 ? ++e->nonlocal_seq : 0;
    summary_update_prepare(&pd->u, r, &e->up, keep);
    return folding ? rc : queued(e, err);
}

/* ---- the end ---------------------------------------------------------- */

static int cmp_pair(const void *a, const void *b)
{
    const struct sink_pair *x = a, *y = b;
    /* by source, then destination, each as the original's bytes compare */
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = part ? x->b : x->a, *q = part ? y->b : y->a;
        size_t n = p[0] < q[0] ? p[0] : q[0];
        int c = memcmp(p + 1, q + 1, n);
        if (c != 0)
            return c;
        if (p[0] != q[0])
            return p[0] < q[0] ? -1 : 1;
    }
    return 0;
}

struct net_rank {
    size_t idx;
    uint64_t pkts;
};

static int cmp_net_rank(const void *a, const void *b)
{
    const struct net_rank *x = a, *y = b;
    if (x->pkts != y->pkts)
        return x->pkts > y->pkts ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx); /* ties keep the file's order */
}

static int cmp_unknown(const void *a, const void *b)
{
    const struct sink_unknown *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq); /* first appearance first */
}

/* The local networks by count, ties in the file's order (qsort with the
 * index as tie-break is stable). The caller frees it; NULL without memory. */
static size_t *rank_networks(const struct engine *e)
{
    size_t n = e->nnets;
    struct net_rank *rank = calloc(n ? n : 1, sizeof *rank);
    size_t *order = calloc(n ? n : 1, sizeof *order);
    if (rank == NULL || order == NULL) {
        free(rank);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        rank[i].idx = i;
        rank[i].pkts = summary_counters(e->nets[i])->pkts;
    }
    qsort(rank, n, sizeof *rank, cmp_net_rank);
    for (size_t i = 0; i < n; i++)
        order[i] = rank[i].idx;
    free(rank);
    return order;
}

/* Rebuilds the kept intervals in order and writes them (one thread left,
 * every summary of the pool back in it). */
static int replay_intervals(struct engine *e)
{
    if (e->out_rc != 0)
        return e->out_rc;
    struct summary *s = intervals_take_free(e->iv);
    if (s == NULL)
        return e->out_rc = ts_err_set(&e->out_err, TS_ENOMEM, "no summary left to replay in");
    int rc = replay_rewind(e->replay, &e->out_err);
    struct ivl_closed c;
    while (rc == 0 && e->out_rc == 0) {
        summary_clear(s);
        unsigned stream = 0;
        long long idx = 0;
        rc = replay_next(e->replay, s, &stream, &idx, &e->out_err);
        if (rc <= 0)
            break;
        c.stream = stream;
        c.idx = idx;
        c.s = s;
        if (e->store != NULL)
            e->out_rc =
                ivl_store_put(e->store, stream, (double)idx * (double)e->o.ilen, s, &e->out_err);
        else
            deliver_now(e, &c, NULL);
        rc = 0;
    }
    intervals_release(e->iv, s);
    if (rc < 0 && e->out_rc == 0)
        e->out_rc = rc;
    return e->out_rc;
}

/* Writes out every interval still open or waiting (one thread left). */
static int close_intervals(struct engine *e)
{
    (void)reader_idle(e, NULL); /* handed back, not yet written */
    struct summary *s;
    while ((s = pipe_free_take(&e->pipe)) != NULL)
        intervals_release(e->iv, s);
    settle_intervals(e, false); /* closed, not yet handed back */
    intervals_close_all(e->iv);
    int rc = settle_intervals(e, false);
    if (rc != 0 || e->replay == NULL)
        return rc;
    return replay_intervals(e);
}

/* Total from its part and Incoming's and Outgoing's (total_by_merge), once
 * every record is in. Returns 0, or -1 out of memory for the merge's
 * scratch. */
static int merge_total(struct engine *e)
{
    /* Incoming's destinations are local, those of the records without a
     * local address are not; Outgoing's sources are local, the others'
     * are not: those columns have no host in common */
    if (summary_merge_disjoint(e->total, e->incoming, SUMMARY_PART_DST) != 0 ||
        summary_merge_disjoint(e->total, e->outgoing, SUMMARY_PART_SRC) != 0)
        return -1;
    return 0;
}

struct merge_job {
    struct engine *e;
    int rc;
};

static void *merge_total_thread(void *arg)
{
    struct merge_job *job = arg;
    job->rc = merge_total(job->e);
    return NULL;
}

/* Closes the intervals and, with total_by_merge, makes Total. With a
 * second processor the merge (25 ms for 10^6 packets with the default
 * budget) runs in a thread of its own while the intervals are written:
 * neither touches the other's summaries. */
static int close_all(struct engine *e, struct ts_err *err)
{
    pthread_t merger;
    struct merge_job job = {e, 0};
    bool beside = e->total_by_merge && e->o.threads &&
                  pthread_create(&merger, NULL, merge_total_thread, &job) == 0;
    if (e->total_by_merge && !beside)
        job.rc = merge_total(e);
    int rc = e->iv != NULL && close_intervals(e) != 0 ? out_failed(e, err) : 0;
    if (beside)
        pthread_join(merger, NULL);
    if (rc == 0 && job.rc != 0)
        rc = ts_err_set(err, TS_ENOMEM, "out of memory merging Incoming and Outgoing into Total");
    return rc;
}

int engine_finish(struct engine *e, const struct sink_input_stats *st, struct ts_err *err)
{
    int rc = e->fc != NULL ? drain_flows(e, err) : 0;
    if (rc == 0)
        rc = pipe_finish(&e->pipe, false, err);
    if (rc == 0)
        rc = close_all(e, err);
    if (rc != 0)
        return rc;
    if (e->store != NULL && ivl_store_replay(e->store, e->o.ilen, replay_one, e, &e->out_err) != 0) {
        if (e->out_rc == 0)
            e->out_rc = e->out_err.code;
        return out_failed(e, err);
    }
    if (sinks_begin(e) != 0)
        return out_failed(e, err);
    size_t *rank = e->o.local_nets ? rank_networks(e) : NULL;
    if (e->n_nonlocal > 0)
        qsort(e->nonlocal, e->n_nonlocal, sizeof *e->nonlocal, cmp_pair);
    if (e->n_unknown > 0)
        qsort(e->unknown, e->n_unknown, sizeof *e->unknown, cmp_unknown);
    struct sink_report rep = {
        .total = e->total,
        .incoming = e->incoming,
        .outgoing = e->outgoing,
        .nets = (const struct summary *const *)e->nets,
        .nnets = e->nnets,
        .net_rank = rank,
        .nonlocal_count = e->nonlocal_count,
        .nonlocal = e->nonlocal,
        .n_nonlocal = e->n_nonlocal,
        .unknown_kept = e->o.conns,
        .unknown = e->unknown,
        .n_unknown = e->n_unknown,
        .unknown_total = e->unknown_total,
        .unknown_dropped = e->unknown_dropped,
        .late = engine_late_records(e),
        .input = st,
    };
    for (size_t i = 0; i < e->nsinks && e->out_rc == 0; i++)
        e->out_rc = sink_finish(e->sinks[i], &rep, &e->out_err);
    free(rank);
    return e->out_rc ? out_failed(e, err) : 0;
}

int engine_flush(struct engine *e, struct ts_err *err)
{
    int rc = e->fc != NULL ? drain_flows(e, err) : 0;
    if (rc == 0)
        rc = pipe_publish(&e->pipe, err);
    if (rc == 0 && e->pipe.threaded)
        rc = reader_idle(e, err);
    return rc;
}

int engine_snapshot(struct engine *e, FILE *out, const struct sink_input_stats *st,
                    struct ts_err *err)
{
    if (e->pipe.threaded)
        return ts_err_set(err, TS_EUSAGE, "a report so far needs one thread");
    int rc = engine_flush(e, err);
    if (rc != 0)
        return rc;
    struct sink_params sp = e->sp;
    sp.ro.out = out;
    sp.out_name = "standard error";
    struct sink *k = sink_text_new(&sp);
    if (k == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    struct sink_report rep = {
        .total = e->total,
        .late = engine_late_records(e),
        .input = st,
    };
    rc = sink_finish(k, &rep, err);
    sink_free(k);
    return rc;
}

const char *engine_notice(const struct engine *e)
{
    for (size_t i = 0; i < e->nsinks; i++)
        if (sink_notice(e->sinks[i]) != NULL)
            return sink_notice(e->sinks[i]);
    return NULL;
}

/* ---- merging summary files -------------------------------------------- */

void engine_sizes(const struct engine *e, struct summary_sizes out[4])
{
    out[0] = e->plan.main;
    out[1] = e->plan.dir;
    out[2] = e->plan.net;
    out[3] = e->plan.ivl;
}

int engine_merge_summary(struct engine *e, enum sf_role role, uint64_t index, double start,
                         struct summary *s, struct ts_err *err)
{
    struct summary *dst = NULL;
    switch (role) {
    case SF_TOTAL:
        dst = e->total;
        break;
    case SF_INCOMING:
        dst = e->incoming;
        break;
    case SF_OUTGOING:
        dst = e->outgoing;
        break;
    case SF_NETWORK:
        dst = index < e->nnets ? e->nets[index] : NULL;
        break;
    case SF_INTERVAL:
        if (e->store == NULL || index >= IVL_MAX_STREAMS)
            break;
        return ivl_store_put(e->store, (unsigned)index, start, s, err);
    }
    if (dst == NULL)
        return ts_err_set(err, TS_EFORMAT, "a summary this run does not have (role %d, %llu)",
                          (int)role, (unsigned long long)index);
    if (summary_merge(dst, s) != 0)
        return ts_err_set(err, TS_ENOMEM, "out of memory merging the summaries");
    return 0;
}

void engine_merge_pairs(struct engine *e, const struct sf_pairs *p)
{
    if (p->kind == SF_PAIRS_UNKNOWN) {
        if (e->unknown == NULL)
            return;
        for (size_t i = 0; i < p->n; i++)
            count_unknown(e, p->pair[i].a, p->pair[i].alen, p->pair[i].b, p->pair[i].blen,
                          p->pair[i].count);
        e->unknown_total += p->total;
        e->unknown_dropped += p->dropped;
        return;
    }
    if (e->nonlocal == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        const struct sf_pair *q = &p->pair[i];
        if (q->alen > 16 || q->blen > 16)
            continue;
        struct sink_pair sp;
        memset(&sp, 0, sizeof sp);
        sp.a[0] = (uint8_t)q->alen;
        memcpy(sp.a + 1, q->a, q->alen);
        sp.b[0] = (uint8_t)q->blen;
        memcpy(sp.b + 1, q->b, q->blen);
        list_nonlocal(e, &sp, e->nonlocal_seq + q->count);
    }
    e->nonlocal_count += p->total;
    e->nonlocal_seq += p->total;
}

int engine_merge_capture(struct engine *e, double start, const struct capture_counts *c,
                         struct ts_err *err)
{
    return e->store != NULL ? ivl_store_put_capture(e->store, start, c, err) : 0;
}

void engine_merge_late(struct engine *e, uint64_t late)
{
    e->merged_late += late;
}
