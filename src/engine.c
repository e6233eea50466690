#include "config.h"

#include "engine.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json_out.h"
#include "hash.h"
#include "hyperloglog.h"
#include "summary.h"

/* conn_state values the R output has a column for, in the original's order */
static const char *const r_states[] = {"OTH", "REJ", "RSTO", "RSTOS0", "RSTR", "RSTRH", "S0",
                                       "S1",  "S2",  "S3",   "SF",     "SH",   "SHR"};
#define N_R_STATES (sizeof r_states / sizeof r_states[0])

#define MAX_OPEN_TABLES 8       /* open intervals that keep breakdowns */
#define MAX_OPEN_COUNTERS 256   /* open intervals that keep counters only */
#define NONLOCAL_MAX 1024       /* pairs kept for the "no local address" list */
#define UNKNOWN_MAX 1024        /* pairs kept for the unknown-transport table */
#define UNKNOWN_TEXT_MAX 64     /* bytes kept of an address as written */
#define R_MAX_EMPTY_ROWS 100000 /* zero rows of empty intervals per R file */

struct slot {
    long long idx; /* interval number: floor(ts / ilen) relative to the stream */
    struct summary *s;
};

/* The intervals of one of Total, Incoming, Outgoing. */
struct istream {
    const char *name; /* "total", "incoming", "outgoing" */
    bool started;
    long long base;     /* the original's IntervalList.start / ilen */
    long long frontier; /* last interval written out */
    bool any_written;
    struct slot *slots;
    size_t nslots, maxslots;
    uint64_t late;
    /* R: rows written so far go to a temporary file, the columns of the
     * top ports >= 1024 (known only at the end) to a second one. */
    FILE *rrows, *rports;
    uint64_t rcount;
    uint64_t empty_rows, empty_skipped; /* zero rows written / left out */
};

struct pair {
    uint8_t a[17], b[17]; /* len byte + address */
};

struct engine;
static int pipe_init(struct engine *e, bool threaded);
static int pipe_finish(struct engine *e, bool discard, struct ts_err *err);

/*
 * Records travel from the reader to the summaries in batches. With an
 * aggregator thread (engine_opts.threads) the reader fills one batch while
 * the thread applies the others; without one, a full batch is applied in
 * place. Either way the sketch updates of a batch run behind their cache
 * hints (three stages, PREFETCH_STEP records apart). Memory: BATCHES *
 * BATCH_RECS pending records of 184 bytes, with 128 bytes of strings on
 * connection logs and a 16-byte eviction slot for each part in pipe.defer
 * (at most 312 KiB; with -m a quarter), fixed.
 */
#define BATCH_RECS 256
#define BATCHES 4
#define PREFETCH_STEP 4  /* records between the stages of cache hints */
#define INLINE_LAG 8     /* records between a hint and the update, see pipe.inline_parts */
#define SPIN_ROUNDS 1000 /* polls before a waiting side sleeps */
/* With pipe.defer the reader hands Total's evictions over with each batch. */
_Static_assert(BATCH_RECS <= SUMMARY_EV_DEFER, "a batch's evictions fit the deferred buffer");

/* A record as it waits in a batch: what the summaries read of it and its
 * networks. The reading thread writes it, the counting thread reads it,
 * so it holds no more than that (184 bytes); a connection's service and
 * state wait beside it, in an array of their own. */
struct pending {
    struct summary_update u;
    int src_net, dst_net;
};

struct batch {
    size_t n;
    struct pending *p;         /* cap records */
    struct summary_strings *s; /* their strings (connection logs), or NULL */
    /* What Total's sources [0] and destinations [1] evicted while the
     * reader updated them (the parts in pipe.defer): the counting thread
     * feeds it to their Count-Min. */
    struct cms_update *ev[2];
    size_t nev[2];
};

/* The hand-over between the reader (producer) and the aggregator thread
 * (consumer): batches [tail, head) are full, the rest free. head is written
 * by the producer only, tail by the consumer only; a side that found
 * nothing to do after SPIN_ROUNDS polls sleeps on a condition variable and
 * says so in *_sleeping, and the other side wakes it after moving its
 * counter (sequentially consistent, so no wake-up is lost). */
struct pipe {
    struct batch *b; /* BATCHES (1 without a thread) */
    struct pending *recs;
    struct summary_strings *strs; /* connection logs only */
    struct cms_update *evs;       /* with defer only */
    size_t cap;                   /* records per batch */
    size_t nb;
    struct batch *fill; /* the batch the producer is filling, or NULL */
    bool threaded;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv_data, cv_space;
    atomic_size_t head, tail;
    atomic_bool done, cons_sleeping, prod_sleeping, failed;
    /* Parts of Total that the reader updates itself (SUMMARY_PART_*), so
     * that both cores share the work; 0 without a thread. */
    unsigned reader_parts;
    /* The reader applies its parts as it queues the records, each record
     * INLINE_LAG records after its cache hint, in order (no second walk
     * over the batch, which cost about 120 instructions per packet): on
     * packet traces, where its parts hold no table of hosts. */
    bool inline_parts;
    /* Parts of Total (SUMMARY_PART_SRC, _DST) whose Space-Saving sketch the
     * reader updates and whose Count-Min the counting thread feeds: the
     * sources with reader_nets, where the reader is the slower side. */
    unsigned defer;
    /* The reader also updates the local networks' summaries, and of Total
     * all but the destinations: packet traces with -l and interval tables,
     * where the counting thread also has the intervals and decoding leaves
     * the reader the lighter side (without intervals the other thread
     * would wait). */
    bool reader_nets;
    int rc; /* the consumer's first error, and its message */
    struct ts_err err;
};

struct upair {
    char src[UNKNOWN_TEXT_MAX + 1], dst[UNKNOWN_TEXT_MAX + 1];
    uint64_t count;
    uint64_t hash;
    uint64_t seq; /* order of first appearance */
};

struct engine {
    struct engine_opts o;
    struct report_opts ro;
    FILE *out; /* text report target while streaming intervals */
    struct summary_sizes main_sizes, dir_sizes, net_sizes, int_sizes;
    bool hash_ports; /* some summary counts ports in a Space-Saving sketch */
    size_t n_int_streams, max_open;
    struct summary **pool; /* interval summaries ready for reuse */
    size_t npool;
    struct summary *total, *incoming, *outgoing;
    struct summary **nets;
    size_t nnets;
    struct istream is_total, is_in, is_out;
    bool interval_tables;
    double lag; /* intervals kept open behind the newest */
    uint64_t nonlocal_count;
    struct pair *nonlocal;
    size_t n_nonlocal;
    struct upair *unknown;
    size_t n_unknown;
    uint64_t unknown_total, unknown_dropped;
    uint64_t late;
    size_t mem_planned;
    struct jw jw;
    bool json_started;
    struct pipe pipe;
    struct engine_input_stats in_stats;
};

/* ---- memory plan ------------------------------------------------------ */

/* Largest k whose Space-Saving of keylen-byte keys fits bytes, within [lo, hi]. */
static size_t k_for_bytes(size_t bytes, size_t keylen, size_t lo, size_t hi)
{
    size_t best = lo;
    size_t a = lo, b = hi;
    while (a <= b) {
        size_t mid = a + (b - a) / 2;
        size_t need = ss_mem_bytes_for(mid, keylen);
        if (need != 0 && need <= bytes) {
            best = mid;
            a = mid + 1;
        } else {
            if (mid == 0)
                break;
            b = mid - 1;
        }
    }
    return best;
}

static size_t pow2_floor(size_t v)
{
    size_t p = 1;
    while (p * 2 <= v)
        p *= 2;
    return p;
}

/* Sizes for one summary given its share of the budget. With host tables:
 * sources and destinations 33% each (packets: 38%), a Count-Min beside
 * each 3%, ports 17%, services and states 3% each. Without: ports 60%,
 * strings 20% each. Domains cap what is useful: at most max_ports ports,
 * 4096 service or state names. */
/* Largest useful k for the host tables with the default budget: enough
 * for 65536 distinct hosts exact, small enough to stay in the cache;
 * --memory lifts it. */
#define DEFAULT_MAX_K_ADDRS 65536

static void sizes_for_share(size_t bytes, bool addrs, bool conns, size_t max_ports,
                            size_t max_k_addrs, struct summary_sizes *z)
{
    memset(z, 0, sizeof *z);
    z->hll_p = bytes >= ((size_t)8 << 20) ? 14 : bytes >= ((size_t)1 << 20) ? 12 : 10;
    size_t hll = 2 * hll_mem_bytes_for(z->hll_p);
    size_t rest = bytes > hll + 4096 ? bytes - hll - 4096 : 0;
    if (addrs) {
        double a = conns ? 0.33 : 0.38;
        z->k_addrs = k_for_bytes((size_t)((double)rest * a), 16, 16, max_k_addrs);
        z->cms_d = 4;
        z->cms_w = pow2_floor((size_t)((double)rest * 0.03) / (8 * z->cms_d));
        if (z->cms_w < 64)
            z->cms_w = z->cms_d = 0;
        z->k_ports = k_for_bytes((size_t)((double)rest * 0.17), 2, 16, max_ports);
        z->k_strings =
            conns ? k_for_bytes((size_t)((double)rest * 0.03), SUMMARY_STR_MAX, 8, 4096) : 0;
    } else {
        z->k_ports = k_for_bytes(rest * 3 / 5, 2, 16, max_ports);
        z->k_strings = conns ? k_for_bytes(rest / 5, SUMMARY_STR_MAX, 8, 4096) : 0;
    }
}

/* Shares of the budget: open intervals with tables 15% (when any), local
 * networks 10% of the rest (when -l), then Total, Incoming and Outgoing
 * 30% each with -l, else Total all of it. */
static void plan(struct engine *e)
{
    const struct engine_opts *o = &e->o;
    double budget = (double)o->memory;
    bool addrs = !o->save_mem && !o->r_tag; /* like the original, -m and -R keep
                                                no per-host tables */
    size_t max_ports = 65536;
    if (o->save_mem && !o->write_ports) {
        /* only ports < 1024 and those listed with -p can be counted */
        max_ports = 1024;
        if (o->port_set && o->port_set_nonempty)
            for (size_t p = 1024; p < 65536; p++)
                max_ports += (o->port_set[p >> 3] >> (p & 7)) & 1;
    }
    size_t mk = o->memory_given ? (size_t)1 << 24 : DEFAULT_MAX_K_ADDRS;
    memset(&e->int_sizes, 0, sizeof e->int_sizes);
    e->n_int_streams = o->ilen > 0 ? (o->r_tag && o->local_nets ? 3 : 1) : 0;
    if (e->interval_tables) {
        double share = budget * 0.15 / (double)(e->n_int_streams * e->max_open);
        sizes_for_share((size_t)share, addrs && o->verbose, o->conns, max_ports, mk, &e->int_sizes);
        budget *= 0.85;
    }
    size_t nnets = netset_count(o->local_nets);
    if (o->local_nets && nnets > 0) {
        sizes_for_share((size_t)(budget * 0.10 / (double)nnets), addrs, o->conns, max_ports, mk,
                        &e->net_sizes);
        budget *= 0.90;
    }
    if (o->local_nets) {
        sizes_for_share((size_t)(budget * 0.33), addrs, o->conns, max_ports, mk, &e->main_sizes);
        e->dir_sizes = e->main_sizes;
    } else {
        sizes_for_share((size_t)budget, addrs, o->conns, max_ports, mk, &e->main_sizes);
    }
}

static void plan_line(FILE *out, const char *what, size_t count, const struct summary_sizes *z,
                      bool conns)
{
    if (count == 0)
        return;
    fprintf(out, "%-22s %6zu x %10zu bytes\n", what, count, summary_mem_bytes_for(z));
    if (z->k_addrs)
        fprintf(out,
                "    sources, destinations  Space-Saving k=%zu each: exact up to %zu distinct "
                "hosts; else every count within N/%zu\n",
                z->k_addrs, z->k_addrs, z->k_addrs);
    if (z->cms_w)
        fprintf(out,
                "                           Count-Min %zu x %zu each: upper bounds within "
                "%.4f%% of N with probability %.1f%%\n",
                z->cms_w, z->cms_d, 100.0 * 2.718281828 / (double)z->cms_w,
                100.0 * (1 - exp(-(double)z->cms_d)));
    if (summary_ports_direct(z))
        fprintf(out, "    ports                  65536 exact counters\n");
    else if (z->k_ports)
        fprintf(out,
                "    ports                  Space-Saving k=%zu: exact up to k distinct ports\n",
                z->k_ports);
    if (conns && z->k_strings)
        fprintf(out, "    services, states       Space-Saving k=%zu each\n", z->k_strings);
    fprintf(out, "    protocols              256 exact counters\n");
    if (z->hll_p)
        fprintf(out, "    distinct hosts         HyperLogLog m=%u each: standard error %.2f%%\n",
                1u << z->hll_p, 104.0 / sqrt((double)(1u << z->hll_p)));
}

void engine_print_plan(const struct engine *e, FILE *out)
{
    const struct engine_opts *o = &e->o;
    fprintf(out, "memory budget for the summaries: %zu bytes (%.1f MiB)\n", o->memory,
            (double)o->memory / 1048576.0);
    plan_line(out, "Total", 1, &e->main_sizes, o->conns);
    if (o->local_nets) {
        plan_line(out, "Incoming, Outgoing", 2, &e->dir_sizes, o->conns);
        plan_line(out, "local networks", netset_count(o->local_nets), &e->net_sizes, o->conns);
    }
    if (o->ilen > 0)
        plan_line(out, "open intervals", e->n_int_streams * e->max_open, &e->int_sizes, o->conns);
    fprintf(out,
            "planned in all: %zu bytes (%.1f MiB); input buffers and record batches add "
            "about 2.5 MiB\n",
            e->mem_planned, (double)e->mem_planned / 1048576.0);
}

/* ---- ports filter ----------------------------------------------------- */

static bool port_counts(void *ctx, uint16_t port)
{
    const struct engine_opts *o = ctx;
    /* | rather than ||: a branch on port < 1024 goes either way at random */
    bool known = (port < 1024) | (o->write_ports != NULL);
    if (o->port_set && o->port_set_nonempty)
        return known | ((o->port_set[port >> 3] >> (port & 7)) & 1);
    return known | !o->save_mem;
}

/* ---- intervals -------------------------------------------------------- */

static int istream_init(struct istream *is, const char *name, size_t maxslots)
{
    memset(is, 0, sizeof *is);
    is->name = name;
    is->maxslots = maxslots;
    is->slots = calloc(maxslots, sizeof *is->slots);
    return is->slots ? 0 : -1;
}

static void istream_free(struct istream *is)
{
    for (size_t i = 0; i < is->nslots; i++)
        summary_free(is->slots[i].s);
    free(is->slots);
    if (is->rrows)
        fclose(is->rrows);
    if (is->rports)
        fclose(is->rports);
}

static int write_r_row(struct engine *e, FILE *f, FILE *fports, const struct summary *s,
                       double start, double end);

/* Opens the JSON document: parameters, then the array of intervals that
 * are written as they close. */
static void json_begin(struct engine *e)
{
    if (e->json_started)
        return;
    e->json_started = true;
    const struct engine_opts *o = &e->o;
    struct jw *w = &e->jw;
    jw_init(w, e->ro.out);
    jw_begin_object(w, NULL);
    jw_cstring(w, "generator", PACKAGE_NAME " " PACKAGE_VERSION);
    jw_begin_object(w, "parameters");
    jw_cstring(w, "input", o->input_name ? o->input_name : "-");
    jw_cstring(w, "input_kind", o->conns ? "connection log" : "packet trace");
    jw_u64(w, "topn", o->topn);
    jw_bool(w, "by_bytes", o->by_bytes);
    jw_double(w, "sample_factor", o->sample_p > 0 ? 1 : o->factor);
    if (o->sample_p > 0)
        jw_double(w, "sample_probability", o->sample_p);
    else
        jw_null(w, "sample_probability");
    jw_u64(w, "seed", o->seed);
    jw_u64(w, "memory_budget", o->memory);
    if (o->ilen > 0) {
        jw_double(w, "interval_seconds", (double)o->ilen);
        jw_double(w, "reorder_seconds", o->reorder);
    }
    jw_end_object(w);
    jw_begin_array(w, "intervals");
}

/* Writes interval slot i out and removes it. */
static int istream_flush_one(struct engine *e, struct istream *is, size_t i)
{
    struct slot sl = is->slots[i];
    memmove(&is->slots[i], &is->slots[i + 1], (is->nslots - i - 1) * sizeof *is->slots);
    is->nslots--;
    int rc = 0;
    double ilen = (double)e->o.ilen;
    if (e->o.r_tag) {
        if (is->rrows == NULL) {
            is->rrows = tmpfile();
            is->rports = tmpfile();
            if (is->rrows == NULL || is->rports == NULL) {
                summary_clear(sl.s);
                e->pool[e->npool++] = sl.s;
                return -1;
            }
        }
        /* empty intervals between two written ones are zero rows */
        /* empty intervals between two written ones are zero rows, as in the
         * original; a crafted time gap must not fill the disk, so at most
         * R_MAX_EMPTY_ROWS of them are written per file, the rest counted */
        if (is->any_written && sl.idx > is->frontier + 1) {
            struct summary *z = summary_new(&(struct summary_sizes){0}, e->o.seed);
            if (z == NULL)
                return -1;
            for (long long g = is->frontier + 1; g < sl.idx; g++) {
                if (is->empty_rows >= R_MAX_EMPTY_ROWS) {
                    is->empty_skipped += (uint64_t)(sl.idx - g);
                    break;
                }
                is->empty_rows++;
                double st = (double)g * ilen;
                rc |= write_r_row(e, is->rrows, is->rports, z, st, st + ilen);
            }
            summary_free(z);
        }
        double st = (double)sl.idx * ilen;
        rc |= write_r_row(e, is->rrows, is->rports, sl.s, st, st + ilen);
    } else if (is == &e->is_total && summary_counters(sl.s)->updates > 0) {
        double st = (double)sl.idx * ilen;
        summary_set_span(sl.s, st, st + ilen);
        if (e->o.json) {
            json_begin(e);
            report_block_json(&e->ro, sl.s, "", &e->jw, NULL);
        } else {
            rc = report_block(&e->ro, sl.s, "", e->o.verbose);
        }
    }
    is->frontier = sl.idx;
    is->any_written = true;
    summary_clear(sl.s);
    e->pool[e->npool++] = sl.s;
    return rc;
}

static int istream_add(struct engine *e, struct istream *is, double ts,
                       const struct summary_update *u)
{
    double ilen = (double)e->o.ilen;
    if (!is->started) {
        is->started = true;
        is->base = (long long)(ts / ilen); /* the original truncated toward 0 */
    }
    double rel = floor((ts - (double)is->base * ilen) / ilen);
    if (!isfinite(rel) || rel > 4e15 || rel < -4e15)
        return 0;
    long long idx = is->base + (long long)rel;
    if (is->any_written && idx <= is->frontier) {
        is->late++;
        e->late++;
        return 0;
    }
    /* find or open the slot; slots are kept sorted by idx */
    size_t pos = 0;
    while (pos < is->nslots && is->slots[pos].idx < idx)
        pos++;
    if (pos == is->nslots || is->slots[pos].idx != idx) {
        if (is->nslots == is->maxslots) {
            if (pos == 0) {
                /* older than every open interval while all are in use */
                is->late++;
                e->late++;
                return 0;
            }
            if (istream_flush_one(e, is, 0) != 0)
                return -1;
            pos--;
        }
        if (e->npool == 0) {
            errno = ENOMEM; /* cannot happen: the pool holds max_open per stream */
            return -1;
        }
        struct summary *s = e->pool[--e->npool];
        memmove(&is->slots[pos + 1], &is->slots[pos], (is->nslots - pos) * sizeof *is->slots);
        is->slots[pos].idx = idx;
        is->slots[pos].s = s;
        is->nslots++;
    }
    summary_add(is->slots[pos].s, u, false);
    /* write out what fell behind the reorder horizon */
    long long newest = is->slots[is->nslots - 1].idx;
    while (is->nslots > 0 && (double)(newest - is->slots[0].idx) > e->lag)
        if (istream_flush_one(e, is, 0) != 0)
            return -1;
    return 0;
}

static int istream_finish(struct engine *e, struct istream *is)
{
    int rc = 0;
    while (is->nslots > 0)
        rc |= istream_flush_one(e, is, 0);
    return rc;
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

struct engine *engine_new(const struct engine_opts *o, struct ts_err *err)
{
    struct engine *e = calloc(1, sizeof *e);
    if (e == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    e->o = *o;
    e->ro.conns = o->conns;
    e->ro.topn = o->topn;
    e->ro.by_bytes = o->by_bytes;
    e->ro.factor = o->factor;
    e->ro.factor_float = o->factor_float;
    e->ro.resolve = o->resolve;
    e->ro.resolve_ctx = o->resolve_ctx;
    e->ro.resolve_want = o->resolve_want;
    e->ro.seed = o->seed;
    e->ro.sample_p = o->sample_p;
    e->ro.out = stdout;
    e->interval_tables = o->ilen > 0 && (o->verbose || o->r_tag);
    e->max_open = e->interval_tables ? MAX_OPEN_TABLES : MAX_OPEN_COUNTERS;
    plan(e);
    uint64_t seed = o->seed;
    if (o->ilen > 0) {
        e->lag = ceil(o->reorder / (double)o->ilen);
        if (e->lag < 1)
            e->lag = 1;
        if (e->lag > (double)e->max_open - 1)
            e->lag = (double)e->max_open - 1;
        if (istream_init(&e->is_total, "total", e->max_open) != 0 ||
            istream_init(&e->is_in, "incoming", e->max_open) != 0 ||
            istream_init(&e->is_out, "outgoing", e->max_open) != 0)
            goto nomem;
        /* every interval summary there can ever be, made (and paid for) now */
        size_t n = e->n_int_streams * e->max_open;
        e->pool = calloc(n, sizeof *e->pool);
        if (e->pool == NULL)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            e->pool[i] = summary_new(&e->int_sizes, seed);
            if (e->pool[i] == NULL)
                goto nomem;
            prefault(e, e->pool[i]);
            e->npool++;
        }
    }
    e->total = summary_new(&e->main_sizes, seed);
    if (e->total == NULL)
        goto nomem;
    prefault(e, e->total);
    if (o->local_nets) {
        e->incoming = summary_new(&e->dir_sizes, seed);
        e->outgoing = summary_new(&e->dir_sizes, seed);
        e->nnets = netset_count(o->local_nets);
        e->nets = calloc(e->nnets ? e->nnets : 1, sizeof *e->nets);
        size_t keep = o->topn > 1 ? o->topn - 1 : 0;
        if (keep > NONLOCAL_MAX)
            keep = NONLOCAL_MAX;
        e->nonlocal = calloc(keep ? keep : 1, sizeof *e->nonlocal);
        if (e->incoming == NULL || e->outgoing == NULL || e->nets == NULL || e->nonlocal == NULL)
            goto nomem;
        prefault(e, e->incoming);
        prefault(e, e->outgoing);
        for (size_t i = 0; i < e->nnets; i++) {
            e->nets[i] = summary_new(&e->net_sizes, seed);
            if (e->nets[i] == NULL)
                goto nomem;
            prefault(e, e->nets[i]);
        }
    }
    if (o->conns) {
        e->unknown = calloc(UNKNOWN_MAX, sizeof *e->unknown);
        if (e->unknown == NULL)
            goto nomem;
    }
    e->hash_ports = summary_ports_sketched(e->total);
    if (o->local_nets) {
        e->hash_ports |= summary_ports_sketched(e->incoming) || summary_ports_sketched(e->outgoing);
        for (size_t i = 0; i < e->nnets; i++)
            e->hash_ports |= summary_ports_sketched(e->nets[i]);
    }
    for (size_t i = 0; i < e->npool; i++)
        e->hash_ports |= summary_ports_sketched(e->pool[i]);
    e->mem_planned = summary_mem_bytes_for(&e->main_sizes) +
                     (o->local_nets ? 2 * summary_mem_bytes_for(&e->dir_sizes) : 0) +
                     summary_mem_bytes_for(&e->net_sizes) * e->nnets +
                     e->n_int_streams * e->max_open * summary_mem_bytes_for(&e->int_sizes) +
                     (o->conns ? UNKNOWN_MAX * sizeof(struct upair) : 0) +
                     NONLOCAL_MAX * sizeof(struct pair);
    if (pipe_init(e, o->threads) != 0)
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
    pipe_finish(e, true, &ignored);
    free(e->pipe.b);
    free(e->pipe.recs);
    free(e->pipe.strs);
    free(e->pipe.evs);
    summary_free(e->total);
    summary_free(e->incoming);
    summary_free(e->outgoing);
    for (size_t i = 0; i < e->nnets; i++)
        summary_free(e->nets[i]);
    free(e->nets);
    for (size_t i = 0; i < e->npool; i++)
        summary_free(e->pool[i]);
    free(e->pool);
    if (e->o.ilen > 0) {
        istream_free(&e->is_total);
        istream_free(&e->is_in);
        istream_free(&e->is_out);
    }
    free(e->nonlocal);
    free(e->unknown);
    free(e);
}

uint64_t engine_late_records(const struct engine *e)
{
    return e->late;
}

/* ---- adding records --------------------------------------------------- */

static bool excluded(const struct engine *e, const struct ts_addr *a)
{
    return e->o.exclude_nets && netset_lookup(e->o.exclude_nets, a->b, a->len) >= 0;
}

static void add_unknown(struct engine *e, const struct ts_record *r)
{
    e->unknown_total++;
    char s[UNKNOWN_TEXT_MAX + 1], d[UNKNOWN_TEXT_MAX + 1];
    size_t sl = r->src_text.len > UNKNOWN_TEXT_MAX ? UNKNOWN_TEXT_MAX : r->src_text.len;
    size_t dl = r->dst_text.len > UNKNOWN_TEXT_MAX ? UNKNOWN_TEXT_MAX : r->dst_text.len;
    memcpy(s, r->src_text.p ? r->src_text.p : "", sl);
    s[sl] = '\0';
    memcpy(d, r->dst_text.p ? r->dst_text.p : "", dl);
    d[dl] = '\0';
    uint64_t h = hash64(s, sl, e->o.seed) ^ hash64(d, dl, e->o.seed + 1);
    for (size_t i = 0; i < e->n_unknown; i++) {
        struct upair *p = &e->unknown[i];
        if (p->hash == h && strcmp(p->src, s) == 0 && strcmp(p->dst, d) == 0) {
            p->count++;
            return;
        }
    }
    if (e->n_unknown == UNKNOWN_MAX) {
        e->unknown_dropped++;
        return;
    }
    struct upair *p = &e->unknown[e->n_unknown++];
    memcpy(p->src, s, sl + 1);
    memcpy(p->dst, d, dl + 1);
    p->count = 1;
    p->hash = h;
    p->seq = e->n_unknown - 1;
}

static void add_nonlocal(struct engine *e, const struct summary_update *u)
{
    e->nonlocal_count++;
    /* the original kept the pairs of the first topn - 1 such records */
    if (e->nonlocal_count >= e->o.topn || e->nonlocal_count > NONLOCAL_MAX)
        return;
    struct pair p;
    memset(&p, 0, sizeof p);
    p.a[0] = u->src.len;
    memcpy(p.a + 1, u->src.b, u->src.len);
    p.b[0] = u->dst.len;
    memcpy(p.b + 1, u->dst.b, u->dst.len);
    for (size_t i = 0; i < e->n_nonlocal; i++)
        if (memcmp(&e->nonlocal[i], &p, sizeof p) == 0)
            return;
    e->nonlocal[e->n_nonlocal++] = p;
}

/* The local network a record counts for, or -1. */
static inline int record_net(const struct pending *pd)
{
    return pd->src_net >= 0 ? pd->src_net : pd->dst_net;
}

/* Applies a queued record to every summary it belongs to. */
static int apply_pending(struct engine *e, struct pending *pd, struct ts_err *err)
{
    const struct engine_opts *o = &e->o;
    struct summary_update *u = &pd->u;
    summary_add_parts(e->total, u, true, SUMMARY_PART_ALL & ~e->pipe.reader_parts);
    int rc = 0;
    if (o->ilen > 0)
        rc |= istream_add(e, &e->is_total, u->ts, u);
    if (o->local_nets) {
        int net = record_net(pd);
        if (net >= 0) {
            if (!e->pipe.reader_nets)
                summary_add(e->nets[net], u, true);
            summary_add(pd->src_net >= 0 ? e->outgoing : e->incoming, u, true);
            /* Incoming and Outgoing intervals only appear in the R files */
            if (o->ilen > 0 && e->n_int_streams == 3)
                rc |= istream_add(e, pd->src_net >= 0 ? &e->is_out : &e->is_in, u->ts, u);
        } else {
            add_nonlocal(e, u);
        }
    }
    if (rc != 0)
        return ts_err_errno(err, TS_EIO, errno, "cannot write interval output");
    return 0;
}

/* The updates of three queued records (NULL for NULL). */
static inline void updates_of(const struct pending *const p[3], const struct summary_update *u[3])
{
    for (int k = 0; k < 3; k++)
        u[k] = p[k] != NULL ? &p[k]->u : NULL;
}

/* Cache hints for three queued records: p[0] gets stage 1 (the index cells
 * of its keys start loading), p[1] stage 2 (the counters those cells point
 * to, loaded some records ago), p[2] stage 3 (the heap counts of those
 * counters); NULL entries none. */
static void prefetch_pending(struct engine *e, const struct pending *const p[3])
{
    const struct summary_update *u[3];
    updates_of(p, u);
    unsigned total_parts = SUMMARY_PART_ALL & ~e->pipe.reader_parts;
    if (total_parts)
        summary_prefetch_stages(e->total, u, total_parts);
    if (e->o.local_nets) {
        /* the direction and the network differ from record to record */
        for (int k = 0; k < 3; k++) {
            int net = p[k] != NULL ? record_net(p[k]) : -1;
            if (net < 0)
                continue;
            summary_prefetch(p[k]->src_net >= 0 ? e->outgoing : e->incoming, u[k], k + 1,
                             SUMMARY_PART_ALL);
            if (!e->pipe.reader_nets)
                summary_prefetch(e->nets[net], u[k], k + 1, SUMMARY_PART_ALL);
        }
    }
    /* the newest open interval, where records in time order go */
    const struct istream *is = &e->is_total;
    if (e->interval_tables && is->nslots > 0)
        summary_prefetch_stages(is->slots[is->nslots - 1].s, u, SUMMARY_PART_ALL);
}

/* Walks a batch in order with cache hints ahead of the work: while record i
 * is done, record i + 3 * PREFETCH_STEP gets its first hint, i + 2 *
 * PREFETCH_STEP its second, i + PREFETCH_STEP its third, all in one call
 * of hint. Stops at the first error of do_one. */
static inline int walk_batch(struct engine *e, struct batch *bt,
                             void (*hint)(struct engine *, const struct pending *const[3]),
                             int (*do_one)(struct engine *, struct pending *, struct ts_err *),
                             struct ts_err *err)
{
    size_t n = bt->n;
    /* before record 0: the records up to 3 * PREFETCH_STEP get the stages
     * they would have had by then */
    for (size_t j = 0; j < n && j < 3 * PREFETCH_STEP; j++) {
        const struct pending *p[3] = {
            &bt->p[j],
            j >= PREFETCH_STEP ? &bt->p[j - PREFETCH_STEP] : NULL,
            j >= 2 * PREFETCH_STEP ? &bt->p[j - 2 * PREFETCH_STEP] : NULL,
        };
        hint(e, p);
    }
    for (size_t i = 0; i < n; i++) {
        const struct pending *p[3] = {
            i + 3 * PREFETCH_STEP < n ? &bt->p[i + 3 * PREFETCH_STEP] : NULL,
            i + 2 * PREFETCH_STEP < n ? &bt->p[i + 2 * PREFETCH_STEP] : NULL,
            i + PREFETCH_STEP < n ? &bt->p[i + PREFETCH_STEP] : NULL,
        };
        if (p[2] != NULL)
            hint(e, p);
        int rc = do_one(e, &bt->p[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The reader's share of a record: the parts of Total in reader_parts. */
static void reader_hint(struct engine *e, const struct pending *const p[3])
{
    const struct summary_update *u[3];
    updates_of(p, u);
    summary_prefetch_stages(e->total, u, e->pipe.reader_parts);
    if (!e->pipe.reader_nets)
        return;
    for (int k = 0; k < 3; k++) {
        int net = p[k] != NULL ? record_net(p[k]) : -1;
        if (net >= 0)
            summary_prefetch(e->nets[net], u[k], k + 1, SUMMARY_PART_ALL);
    }
}

static int reader_one(struct engine *e, struct pending *pd, struct ts_err *err)
{
    (void)err;
    summary_add_parts(e->total, &pd->u, true, e->pipe.reader_parts);
    int net = record_net(pd);
    if (e->pipe.reader_nets && net >= 0)
        summary_add(e->nets[net], &pd->u, true);
    return 0;
}

/* The parts whose evictions a batch carries, by index of batch.ev. */
static const unsigned deferred_part[2] = {SUMMARY_PART_SRC, SUMMARY_PART_DST};

/* The reader's share of a full batch, before it is handed over. */
static void reader_pass(struct engine *e, struct batch *bt)
{
    if (e->pipe.inline_parts) {
        /* the records engine_add left for later */
        size_t n = bt->n;
        for (size_t i = n > INLINE_LAG ? n - INLINE_LAG : 0; i < n; i++)
            summary_add_parts(e->total, &bt->p[i].u, true, e->pipe.reader_parts);
    } else if (e->pipe.reader_parts != 0) {
        (void)walk_batch(e, bt, reader_hint, reader_one, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (e->pipe.defer & deferred_part[i])
            bt->nev[i] = summary_take_evictions(e->total, deferred_part[i], bt->ev[i]);
}

/* Applies a batch (the counting thread's share of every record). */
static int apply_batch(struct engine *e, struct batch *bt, struct ts_err *err)
{
    for (int i = 0; i < 2; i++) {
        if (bt->nev[i] > 0) {
            summary_put_evictions(e->total, deferred_part[i], bt->ev[i], bt->nev[i]);
            bt->nev[i] = 0;
        }
    }
    int rc = walk_batch(e, bt, prefetch_pending, apply_pending, err);
    bt->n = 0;
    return rc;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits until *ctr differs from seen (or, for the consumer, until done is
 * set): spins first, then sleeps on cv with *sleeping raised. */
static void pipe_wait(struct pipe *q, atomic_size_t *ctr, size_t seen, atomic_bool *sleeping,
                      pthread_cond_t *cv, bool consumer)
{
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        if (atomic_load(ctr) != seen || (consumer && atomic_load(&q->done)))
            return;
        if (i % 64 == 63)
            sched_yield(); /* a single core: let the other side run */
        else
            cpu_relax();
    }
    pthread_mutex_lock(&q->mu);
    atomic_store(sleeping, true);
    while (atomic_load(ctr) == seen && !(consumer && atomic_load(&q->done)))
        pthread_cond_wait(cv, &q->mu);
    atomic_store(sleeping, false);
    pthread_mutex_unlock(&q->mu);
}

static void pipe_wake(struct pipe *q, atomic_bool *sleeping, pthread_cond_t *cv)
{
    if (atomic_load(sleeping)) {
        pthread_mutex_lock(&q->mu);
        pthread_cond_signal(cv);
        pthread_mutex_unlock(&q->mu);
    }
}

/* The aggregator thread: applies full batches until the producer is done
 * and every batch is applied. After an error it keeps taking batches (so
 * that the producer never blocks) without applying them. */
static void *aggregator(void *arg)
{
    struct engine *e = arg;
    struct pipe *q = &e->pipe;
    size_t t = atomic_load(&q->tail);
    for (;;) {
        size_t h = atomic_load(&q->head);
        if (h == t) {
            if (atomic_load(&q->done) && atomic_load(&q->head) == t)
                break;
            pipe_wait(q, &q->head, t, &q->cons_sleeping, &q->cv_data, true);
            continue;
        }
        struct batch *bt = &q->b[t % q->nb];
        if (!atomic_load(&q->failed)) {
            q->rc = apply_batch(e, bt, &q->err);
            if (q->rc != 0)
                atomic_store(&q->failed, true);
        }
        bt->n = 0;
        atomic_store(&q->tail, ++t);
        pipe_wake(q, &q->prod_sleeping, &q->cv_space);
    }
    return NULL;
}

/* Whether the reader also updates the local networks' summaries (see
 * pipe.reader_nets). */
static bool reader_takes_nets(const struct engine *e)
{
    return !e->o.save_mem && !e->o.conns && e->nnets > 0 && e->interval_tables;
}

/* The reader takes a share of Total so that both threads stay busy: all
 * of it when more summaries (networks, interval tables) wait for the other
 * thread, but for the destinations when it also has the networks;
 * otherwise the counters, ports, services and states on connection logs
 * (parsing costs about as much as the two host tables), and on packet
 * traces the counters, ports, protocols and distinct hosts, leaving both
 * host tables to the other thread. (Total's sources on the reader instead
 * left the other thread idle a third of its time, and the walk over each
 * batch for them cost about 120 instructions per packet.) With -m there is
 * little to share. */
static unsigned reader_share(const struct engine *e)
{
    if (e->o.save_mem)
        return 0;
    /* With the networks and all of Total the reader was still the slower
     * side (perf: 56% of the samples, the other thread waiting a tenth of
     * its time); the destinations, and the sources' Count-Min, go to the
     * counting thread. 15 alternating runs of -l (10 nets) -i 1m -v over
     * 10^6 packets: 451 / 529 -> 388 / 486 ms (fastest / median). */
    if (reader_takes_nets(e))
        return SUMMARY_PART_REST | SUMMARY_PART_SRC | SUMMARY_PART_DISTINCT;
    /* Intervals without tables (-i without -v or -R) are counters only:
     * with all of Total the reader was the slower side by far (10^6
     * packets 213 -> 114 ms, connections 306 -> 189 ms with the split
     * below). */
    if (e->o.local_nets || e->interval_tables)
        return SUMMARY_PART_ALL;
    return e->o.conns ? SUMMARY_PART_REST : SUMMARY_PART_REST | SUMMARY_PART_DISTINCT;
}

static int pipe_init(struct engine *e, bool threaded)
{
    struct pipe *q = &e->pipe;
    q->nb = threaded ? BATCHES : 1;
    q->cap = e->o.save_mem ? BATCH_RECS / 4 : BATCH_RECS;
    q->b = calloc(q->nb, sizeof *q->b);
    q->recs = calloc(q->nb * q->cap, sizeof *q->recs);
    if (e->o.conns)
        q->strs = calloc(q->nb * q->cap, sizeof *q->strs);
    if (q->b == NULL || q->recs == NULL || (e->o.conns && q->strs == NULL))
        return -1;
    for (size_t i = 0; i < q->nb; i++) {
        q->b[i].p = q->recs + i * q->cap;
        q->b[i].s = q->strs ? q->strs + i * q->cap : NULL;
    }
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->done, false);
    atomic_init(&q->cons_sleeping, false);
    atomic_init(&q->prod_sleeping, false);
    atomic_init(&q->failed, false);
    if (!threaded)
        return 0;
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return 0; /* no thread then: the batches are applied in place */
    if (pthread_cond_init(&q->cv_data, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        return 0;
    }
    if (pthread_cond_init(&q->cv_space, NULL) != 0) {
        pthread_cond_destroy(&q->cv_data);
        pthread_mutex_destroy(&q->mu);
        return 0;
    }
    if (pthread_create(&q->tid, NULL, aggregator, e) != 0) {
        pthread_cond_destroy(&q->cv_space);
        pthread_cond_destroy(&q->cv_data);
        pthread_mutex_destroy(&q->mu);
        return 0;
    }
    q->threaded = true;
    /* No batch has been handed over yet: the counting thread has not
     * touched the summaries, and the hand-over orders what follows. */
    q->reader_nets = reader_takes_nets(e);
    q->reader_parts = reader_share(e);
    q->inline_parts = q->reader_parts == (SUMMARY_PART_REST | SUMMARY_PART_DISTINCT);
    /* the reader's evictions from Total's sources go to the counting
     * thread with each batch, which feeds them to their Count-Min */
    unsigned defer = q->reader_nets ? SUMMARY_PART_SRC : 0;
    if (defer != 0) {
        /* a part left without the memory is fed by the reader itself */
        size_t lists = (defer & SUMMARY_PART_SRC ? 1 : 0) + (defer & SUMMARY_PART_DST ? 1 : 0);
        q->evs = calloc(lists * q->nb * q->cap, sizeof *q->evs);
        size_t k = 0; /* lists handed out */
        for (int i = 0; i < 2 && q->evs != NULL; i++) {
            if (!(defer & deferred_part[i]) ||
                summary_defer_evictions(e->total, deferred_part[i]) != 0)
                continue;
            q->defer |= deferred_part[i];
            for (size_t j = 0; j < q->nb; j++)
                q->b[j].ev[i] = q->evs + (k * q->nb + j) * q->cap;
            k++;
        }
    }
    return 0;
}

/* Hands the batch being filled over (or, without a thread, applies it). */
static int pipe_publish(struct engine *e, struct ts_err *err)
{
    struct pipe *q = &e->pipe;
    if (q->fill == NULL)
        return 0;
    struct batch *bt = q->fill;
    q->fill = NULL;
    if (!q->threaded)
        return apply_batch(e, &q->b[0], err);
    reader_pass(e, bt);
    atomic_store(&q->head, atomic_load(&q->head) + 1);
    pipe_wake(q, &q->cons_sleeping, &q->cv_data);
    if (atomic_load(&q->failed)) {
        *err = q->err;
        return q->rc;
    }
    return 0;
}

/* A free slot for the next record. */
static struct pending *pipe_slot(struct engine *e)
{
    struct pipe *q = &e->pipe;
    if (q->fill == NULL) {
        if (!q->threaded) {
            q->fill = &q->b[0];
        } else {
            size_t h = atomic_load(&q->head);
            size_t t;
            while (h - (t = atomic_load(&q->tail)) == q->nb)
                pipe_wait(q, &q->tail, t, &q->prod_sleeping, &q->cv_space, false);
            q->fill = &q->b[h % q->nb];
        }
    }
    return &q->fill->p[q->fill->n++];
}

/* Applies everything queued (or, with discard, drops it) and stops the
 * thread. Returns the first error of any update. Idempotent. */
static int pipe_finish(struct engine *e, bool discard, struct ts_err *err)
{
    struct pipe *q = &e->pipe;
    int rc = 0;
    if (discard) {
        atomic_store(&q->failed, true);
        if (q->fill != NULL)
            q->fill->n = 0;
        q->fill = NULL;
    } else {
        rc = pipe_publish(e, err);
    }
    if (q->threaded) {
        atomic_store(&q->done, true);
        pipe_wake(q, &q->cons_sleeping, &q->cv_data);
        pthread_join(q->tid, NULL);
        pthread_cond_destroy(&q->cv_space);
        pthread_cond_destroy(&q->cv_data);
        pthread_mutex_destroy(&q->mu);
        q->threaded = false;
        if (!discard && q->rc != 0 && rc == 0) {
            *err = q->err;
            rc = q->rc;
        }
    }
    return rc;
}

int engine_add(struct engine *e, const struct ts_record *r, struct ts_err *err)
{
    const struct engine_opts *o = &e->o;
    if (r->kind == TS_REC_UNKNOWN_TRANSPORT) {
        if (o->tcp_only || o->udp_only || r->ts < o->mintime || r->end > o->maxtime)
            return 0;
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
     * hashed here, in the reader's thread. */
    struct pipe *q = &e->pipe;
    struct pending *pd = pipe_slot(e);
    pd->src_net = src_net;
    pd->dst_net = dst_net;
    /* On connection logs the strings live in the reader's buffer, which
     * the next line reuses: the update keeps what it counts of them in the
     * batch. Packet records have none. */
    struct summary_strings *keep = o->conns ? &q->fill->s[pd - q->fill->p] : NULL;
    summary_update_prepare(&pd->u, r, o->by_bytes, o->conns, o->seed, e->hash_ports, port_counts,
                           (void *)o, keep);
    if (q->inline_parts) {
        summary_prefetch_ports(e->total, &pd->u);
        size_t n = q->fill->n;
        if (n > INLINE_LAG)
            summary_add_parts(e->total, &q->fill->p[n - 1 - INLINE_LAG].u, true, q->reader_parts);
    }
    if (q->fill->n == q->cap)
        return pipe_publish(e, err);
    return 0;
}

/* ---- output ----------------------------------------------------------- */

/* Python's str() of a count: an integer, or a float's shortest repr. */
static void fmt_count(char *buf, size_t n, const struct engine *e, uint64_t v)
{
    if (!e->o.factor_float) {
        snprintf(buf, n, "%llu", (unsigned long long)(v * (uint64_t)e->o.factor));
        return;
    }
    double d = (double)v * e->o.factor;
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

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* The union of the top-n ports of Total, Incoming and Outgoing, ascending. */
static size_t top_ports(const struct engine *e, uint16_t *out, size_t cap)
{
    const struct summary *sums[3] = {e->total, e->incoming, e->outgoing};
    size_t n = 0;
    size_t topn = e->o.topn;
    struct ss_entry *tmp = calloc(topn ? topn : 1, sizeof *tmp);
    if (tmp == NULL)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (sums[i] == NULL)
            continue;
        size_t got = summary_top(sums[i], COL_PORTS, tmp, topn);
        for (size_t j = 0; j < got; j++) {
            uint16_t p = (uint16_t)(tmp[j].key[0] << 8 | tmp[j].key[1]);
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup |= out[k] == p;
            if (!dup && n < cap)
                out[n++] = p;
        }
    }
    free(tmp);
    qsort(out, n, sizeof *out, cmp_u16);
    return n;
}

static void write_r_header(const struct engine *e, FILE *f, const uint16_t *ports, size_t np)
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
    for (size_t i = 0; i < e->o.topn; i++)
        fprintf(f, "%stop.port.%zu", i ? " " : "", i + 1);
    fputc(' ', f);
    for (int p = 0; p < 1024; p++)
        fprintf(f, "%sport.%d", p ? " " : "", p);
    if (!e->o.save_mem) {
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
static int write_r_row(struct engine *e, FILE *f, FILE *fports, const struct summary *s,
                       double start, double end)
{
    const struct summary_counters *c = summary_counters(s);
    char b[5][48];
    fprintf(f, "%.16g %.16g %s %s %s %s ", start, end, (fmt_count(b[0], 48, e, c->pkts), b[0]),
            (fmt_count(b[1], 48, e, c->bytes), b[1]), (fmt_count(b[2], 48, e, c->payload), b[2]),
            (fmt_count(b[3], 48, e, c->frags), b[3]));
    double ds = summary_distinct(s, true), dd = summary_distinct(s, false);
    fprintf(f, "%.0f %.0f ", ds < 0 ? 0 : ds, dd < 0 ? 0 : dd);
    uint8_t protos[3] = {6, 17, 1};
    for (int i = 0; i < 3; i++) {
        fmt_count(b[0], 48, e, summary_proto_count(s, protos[i]));
        fprintf(f, "%s ", b[0]);
    }
    for (size_t i = 0; i < N_R_STATES; i++) {
        fmt_count(b[0], 48, e, summary_state_count(s, r_states[i], e->o.seed));
        fprintf(f, "%s%s", i ? " " : "", b[0]);
    }
    fputc(' ', f);
    size_t topn = e->o.topn;
    struct ss_entry *tmp = calloc(topn ? topn : 1, sizeof *tmp);
    size_t got = tmp ? summary_top(s, COL_PORTS, tmp, topn) : 0;
    for (size_t i = 0; i < topn; i++)
        fprintf(f, "%s%u", i ? " " : "",
                i < got ? (unsigned)(tmp[i].key[0] << 8 | tmp[i].key[1]) : 0u);
    free(tmp);
    fputc(' ', f);
    for (int p = 0; p < 1024; p++) {
        fmt_count(b[0], 48, e, summary_port_count(s, (uint16_t)p, e->o.seed));
        fprintf(f, "%s%s", p ? " " : "", b[0]);
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
            unsigned p = (unsigned)(all[i].key[0] << 8 | all[i].key[1]);
            if (p >= 1024)
                fprintf(fports, "%u %llu ", p, (unsigned long long)all[i].count);
        }
        free(all);
    }
    fputc('\n', fports);
    return ferror(f) || ferror(fports) ? -1 : 0;
}

/* Copies rows from the temporary files into f, appending the columns of
 * the top ports >= 1024. */
static int r_merge_rows(const struct engine *e, FILE *f, FILE *rows, FILE *ports,
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
            char *p = pline;
            for (;;) {
                char *end;
                unsigned long port = strtoul(p, &end, 10);
                if (end == p)
                    break;
                p = end;
                unsigned long long cnt = strtoull(p, &end, 10);
                if (end == p)
                    break;
                p = end;
                if (port < 65536)
                    counts[port] = cnt;
            }
        }
        if (prefixes)
            fprintf(f, "%s ", prefixes[row]);
        fputs(line, f);
        if (!e->o.save_mem) {
            fputc(' ', f);
            bool first = true;
            for (size_t i = 0; i < ntp; i++)
                if (tp[i] >= 1024) {
                    char b[48];
                    fmt_count(b, sizeof b, e, counts[tp[i]]);
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

static int write_r_files(struct engine *e, struct ts_err *err)
{
    uint16_t tp[3 * 1024];
    size_t ntp = top_ports(e, tp, sizeof tp / sizeof tp[0]);
    char path[4096];
    /* TAG.dat: total, incoming, outgoing, then each local network */
    FILE *rows = tmpfile(), *ports = tmpfile();
    if (rows == NULL || ports == NULL)
        return ts_err_errno(err, TS_EIO, errno, "cannot create a temporary file");
    struct summary *empty = summary_new(&(struct summary_sizes){0}, e->o.seed);
    const struct summary *order[3] = {e->total, e->incoming ? e->incoming : empty,
                                      e->outgoing ? e->outgoing : empty};
    const char **prefixes = calloc(3 + e->nnets, sizeof *prefixes);
    char **netnames = calloc(e->nnets ? e->nnets : 1, sizeof *netnames);
    int rc = 0;
    size_t nrows = 0;
    if (empty == NULL || prefixes == NULL || netnames == NULL) {
        rc = -1;
        goto out;
    }
    static const char *const names[3] = {"total", "incoming", "outgoing"};
    for (int i = 0; i < 3; i++) {
        const struct summary_counters *c = summary_counters(order[i]);
        prefixes[nrows++] = names[i];
        rc |= write_r_row(e, rows, ports, order[i], c->start, c->end);
    }
    for (size_t i = 0; i < e->nnets; i++) {
        if (summary_counters(e->nets[i])->updates == 0)
            continue;
        const char *cidr = netset_cidr(e->o.local_nets, i);
        netnames[i] = strdup(cidr);
        if (netnames[i] == NULL) {
            rc = -1;
            goto out;
        }
        for (char *p = netnames[i]; *p; p++)
            if (*p == ' ')
                *p = '_';
        prefixes[nrows++] = netnames[i];
        const struct summary_counters *c = summary_counters(e->nets[i]);
        rc |= write_r_row(e, rows, ports, e->nets[i], c->start, c->end);
    }
    snprintf(path, sizeof path, "%s.dat", e->o.r_tag);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        rc = ts_err_errno(err, TS_EIO, errno, "'%s'", path);
        goto out;
    }
    fputs("tag ", f);
    write_r_header(e, f, tp, ntp);
    rc |= r_merge_rows(e, f, rows, ports, tp, ntp, prefixes);
    if (fclose(f) != 0)
        rc = -1;
    /* the interval files */
    struct istream *iss[3] = {&e->is_total, &e->is_in, &e->is_out};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s.%s.dat", e->o.r_tag, names[i]);
        f = fopen(path, "w");
        if (f == NULL) {
            rc = ts_err_errno(err, TS_EIO, errno, "'%s'", path);
            goto out;
        }
        write_r_header(e, f, tp, ntp);
        if (e->o.ilen > 0 && iss[i]->rrows)
            rc |= r_merge_rows(e, f, iss[i]->rrows, iss[i]->rports, tp, ntp, NULL);
        if (e->o.ilen > 0 && iss[i]->empty_skipped)
            fprintf(stderr,
                    "trace-summary: '%s': %llu empty intervals left out after the first %d "
                    "zero rows (a time gap in the input)\n",
                    path, (unsigned long long)iss[i]->empty_skipped, R_MAX_EMPTY_ROWS);
        if (fclose(f) != 0)
            rc = -1;
    }
out:
    for (size_t i = 0; i < e->nnets; i++)
        free(netnames ? netnames[i] : NULL);
    free(netnames);
    free(prefixes);
    summary_free(empty);
    fclose(rows);
    fclose(ports);
    if (rc != 0 && err->code == 0)
        ts_err_errno(err, TS_EIO, errno, "cannot write the R files '%s.*'", e->o.r_tag);
    return rc ? TS_EIO : 0;
}

static int write_ports_file(struct engine *e, struct ts_err *err)
{
    uint16_t tp[3 * 1024];
    size_t ntp = top_ports(e, tp, sizeof tp / sizeof tp[0]);
    FILE *f = fopen(e->o.write_ports, "w");
    if (f == NULL)
        return ts_err_errno(err, TS_EIO, errno, "'%s'", e->o.write_ports);
    for (size_t i = 0; i < ntp; i++)
        fprintf(f, "%u\n", tp[i]);
    if (fclose(f) != 0)
        return ts_err_errno(err, TS_EIO, errno, "'%s'", e->o.write_ports);
    return 0;
}

static int cmp_pair(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
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

static int cmp_upair(const void *a, const void *b)
{
    const struct upair *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq); /* first appearance first */
}

/* The local networks by count, ties in the file's order (qsort with the
 * index as tie-break is stable). The caller frees it; NULL without memory. */
static struct net_rank *rank_networks(const struct engine *e)
{
    size_t n = e->nnets;
    struct net_rank *rank = calloc(n ? n : 1, sizeof *rank);
    if (rank == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        rank[i].idx = i;
        rank[i].pkts = summary_counters(e->nets[i])->pkts;
    }
    qsort(rank, n, sizeof *rank, cmp_net_rank);
    return rank;
}

static struct net_rank *print_local_sections(struct engine *e, FILE *out)
{
    const char *type = e->o.conns ? "connections" : "packets";
    size_t n = e->nnets;
    struct net_rank *rank = rank_networks(e);
    if (rank == NULL)
        return NULL;
    fprintf(out, "\n>== Top %zu local networks by number of %s\n\n", e->o.topn, type);
    for (size_t i = 0; i < n && i < e->o.topn; i++) {
        char v[FMT_VAL_MAX];
        double pk = (double)rank[i].pkts *
                    (summary_counters(e->nets[rank[i].idx])->updates ? e->o.factor : 1);
        bool fl = e->o.factor_float && summary_counters(e->nets[rank[i].idx])->updates > 0;
        fprintf(out, "    %2zu %5s  %-16s %s \n", i + 1, fmt_val(v, sizeof v, pk, fl),
                netset_cidr(e->o.local_nets, rank[i].idx),
                netset_descr(e->o.local_nets, rank[i].idx));
    }
    fputc('\n', out);
    if (e->n_nonlocal > 0) {
        fprintf(out, "\n>== %llu %s did not have any local address. Here are the first %zu:\n\n",
                (unsigned long long)e->nonlocal_count, type, e->o.topn);
        qsort(e->nonlocal, e->n_nonlocal, sizeof *e->nonlocal, cmp_pair);
        for (size_t i = 0; i < e->n_nonlocal; i++) {
            char a[64], b[64];
            fprintf(out, "    %s <-> %s\n",
                    fmt_addr(a, sizeof a, e->nonlocal[i].a + 1, e->nonlocal[i].a[0]),
                    fmt_addr(b, sizeof b, e->nonlocal[i].b + 1, e->nonlocal[i].b[0]));
        }
    }
    return rank;
}

static void print_unknown(struct engine *e, FILE *out)
{
    if (e->unknown_total == 0)
        return;
    if (e->n_unknown > 0)
        qsort(e->unknown, e->n_unknown, sizeof *e->unknown, cmp_upair);
    char v[FMT_VAL_MAX];
    fprintf(out, "\n>== Unknown Transport Connections Summary by Source/Destination IPs\n\n");
    fprintf(out, "%-40s | %-40s | %s\n", "Source IP", "Destination IP", "Connections");
    for (int i = 0; i < 40 + 3 + 40 + 3 + 11; i++)
        fputc('-', out);
    fputc('\n', out);
    size_t shown = e->n_unknown < e->o.topn ? e->n_unknown : e->o.topn;
    for (size_t i = 0; i < shown; i++)
        fprintf(out, "%-40s | %-40s | %s\n", e->unknown[i].src, e->unknown[i].dst,
                fmt_val(v, sizeof v, (double)e->unknown[i].count * e->o.factor, e->o.factor_float));
    if (e->unknown_dropped)
        fprintf(out, "(%llu connections of further pairs not listed)\n",
                (unsigned long long)e->unknown_dropped);
    fprintf(out, "\nTotal unknown_transport connections: %s\n",
            fmt_val(v, sizeof v, (double)e->unknown_total * e->o.factor, e->o.factor_float));
}

void engine_set_input_stats(struct engine *e, const struct engine_input_stats *st)
{
    e->in_stats = *st;
}

static void json_finish(struct engine *e, struct net_rank *rank)
{
    const struct engine_opts *o = &e->o;
    struct jw *w = &e->jw;
    json_begin(e);
    jw_end_array(w); /* intervals */
    report_block_json(&e->ro, e->total, "Total", w, "total");
    if (o->local_nets) {
        report_block_json(&e->ro, e->incoming, "Incoming", w, "incoming");
        report_block_json(&e->ro, e->outgoing, "Outgoing", w, "outgoing");
        jw_begin_array(w, "local_networks");
        for (size_t r = 0; rank != NULL && r < e->nnets; r++) {
            size_t i = rank[r].idx;
            char title[512];
            snprintf(title, sizeof title, "%s %s", netset_cidr(o->local_nets, i),
                     netset_descr(o->local_nets, i));
            jw_begin_object(w, NULL);
            jw_u64(w, "rank", r + 1);
            jw_cstring(w, "network", netset_cidr(o->local_nets, i));
            jw_cstring(w, "description", netset_descr(o->local_nets, i));
            report_block_json(&e->ro, e->nets[i], title, w, "summary");
            jw_end_object(w);
        }
        jw_end_array(w);
        jw_begin_object(w, "no_local_address");
        jw_double(w, "count", (double)e->nonlocal_count);
        jw_begin_array(w, "first_pairs");
        for (size_t i = 0; i < e->n_nonlocal; i++) {
            char a[64], b[64];
            jw_begin_array(w, NULL);
            jw_cstring(w, NULL, fmt_addr(a, sizeof a, e->nonlocal[i].a + 1, e->nonlocal[i].a[0]));
            jw_cstring(w, NULL, fmt_addr(b, sizeof b, e->nonlocal[i].b + 1, e->nonlocal[i].b[0]));
            jw_end_array(w);
        }
        jw_end_array(w);
        jw_end_object(w);
    }
    if (o->conns) {
        jw_begin_object(w, "unknown_transport");
        jw_double(w, "count", (double)e->unknown_total * o->factor);
        jw_begin_array(w, "pairs");
        for (size_t i = 0; i < e->n_unknown; i++) {
            jw_begin_object(w, NULL);
            jw_cstring(w, "source", e->unknown[i].src);
            jw_cstring(w, "destination", e->unknown[i].dst);
            jw_double(w, "count", (double)e->unknown[i].count * o->factor);
            jw_end_object(w);
        }
        jw_end_array(w);
        jw_u64(w, "not_listed", e->unknown_dropped);
        jw_end_object(w);
    }
    const struct engine_input_stats *st = &e->in_stats;
    jw_begin_object(w, "input");
    if (o->conns) {
        jw_u64(w, "corrupt_lines", st->corrupt_lines);
    } else {
        jw_u64(w, "frames", st->frames);
        jw_u64(w, "not_ip", st->not_ip);
        jw_u64(w, "not_decoded", st->not_decoded);
        jw_cstring(w, "not_decoded_link_types",
                   st->not_decoded_link_types ? st->not_decoded_link_types : "");
        jw_u64(w, "damaged_frames", st->damaged);
    }
    jw_u64(w, "late_records", e->late);
    jw_bool(w, "file_damaged", st->file_damaged);
    if (st->damage)
        jw_cstring(w, "damage", st->damage);
    else
        jw_null(w, "damage");
    jw_end_object(w);
    jw_end_object(w);
}

int engine_finish(struct engine *e, FILE *out, struct ts_err *err)
{
    int rc = pipe_finish(e, false, err);
    if (rc != 0)
        return rc;
    e->ro.out = out;
    if (e->o.ilen > 0) {
        rc |= istream_finish(e, &e->is_total);
        rc |= istream_finish(e, &e->is_in);
        rc |= istream_finish(e, &e->is_out);
        if (rc != 0)
            return ts_err_errno(err, TS_EIO, errno, "cannot write interval output");
    }
    if (e->o.write_ports && (rc = write_ports_file(e, err)) != 0)
        return rc;
    if (e->o.r_tag)
        return write_r_files(e, err);
    if (e->o.json) {
        struct net_rank *rank = e->o.local_nets ? rank_networks(e) : NULL;
        if (e->n_nonlocal > 0)
            qsort(e->nonlocal, e->n_nonlocal, sizeof *e->nonlocal, cmp_pair);
        if (e->n_unknown > 0)
            qsort(e->unknown, e->n_unknown, sizeof *e->unknown, cmp_upair);
        json_finish(e, rank);
        free(rank);
        if (fflush(out) != 0 || ferror(out))
            return ts_err_errno(err, TS_EIO, errno, "cannot write the report");
        return 0;
    }
    rc |= report_block(&e->ro, e->total, "Total", true);
    if (e->o.local_nets) {
        struct net_rank *rank = print_local_sections(e, out);
        rc |= report_block(&e->ro, e->incoming, "Incoming", true);
        rc |= report_block(&e->ro, e->outgoing, "Outgoing", true);
        /* per-network blocks in the ranking's order, as the original sorted
         * its list in place before printing them */
        for (size_t r = 0; rank != NULL && r < e->nnets; r++) {
            size_t i = rank[r].idx;
            if (summary_counters(e->nets[i])->updates == 0)
                continue;
            char title[512];
            snprintf(title, sizeof title, "%s %s", netset_cidr(e->o.local_nets, i),
                     netset_descr(e->o.local_nets, i));
            rc |= report_block(&e->ro, e->nets[i], title, true);
        }
        free(rank);
    }
    print_unknown(e, out);
    rc |= report_first_last(&e->ro, e->total);
    if (fflush(out) != 0 || rc != 0)
        return ts_err_errno(err, TS_EIO, errno, "cannot write the report");
    return 0;
}
