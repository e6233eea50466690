/*
 * pipeline.h - the reading/counting split: batches of records handed from
 * the reading thread to a counting thread, and closed intervals handed
 * back.
 *
 * Records travel from the reader to the summaries in batches. With a
 * counting thread the reader fills one batch while the thread applies the
 * others; without one, a full batch is applied in place. Either way the
 * sketch updates of a batch run behind their cache hints (pipe_walk: three
 * stages, PIPE_PREFETCH_STEP records apart). The reader may take a share
 * of the work itself (struct pipe_split), so that both cores stay busy.
 *
 * Closed intervals go the other way: the counting thread queues them
 * (pipe_closed_put), the reader takes them (pipe_closed_take) and, once
 * it has written them, gives their summaries back (pipe_free_put), which
 * the counting thread reuses (pipe_free_take). Both rings hold the whole
 * interval pool, so nothing waits for room; the counting thread waits only
 * for a summary to come back, and the reader hands them back whenever it
 * publishes a batch or waits (ops.reader_idle).
 *
 * Memory: PIPE_BATCHES * cap pending records of 192 bytes, with 128
 * bytes of strings on connection logs (at most 320 KiB; with -m a
 * quarter), plus two rings of the interval pool's size; fixed at
 * pipe_init.
 *
 * Threads never write output: the counting thread only updates summaries.
 */
#ifndef TS_PIPELINE_H
#define TS_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "count_min.h"
#include "err.h"
#include "intervals.h"
#include "summary.h"
#include "summary_parts.h"

/* Polls before a waiting side sleeps (a poll is about 15 ns; every 64th
 * yields, so that one core still lets the other side run). Each side
 * starts at PIPE_SPIN_OWN, halves its polls when a wait ends in sleep and
 * doubles them (up to the start) when one ends while polling: a side
 * that waits a moment between batches keeps polling, one that waits long
 * (a slow JSON parser's partner) soon sleeps at once, as before. With a
 * fixed 1000 polls the faster side slept between batches and the slower
 * one paid a futex wake-up for each: 805 context switches over 10^6
 * flow-structured packets, 31 with these polls, and 97.8 -> 93.7 ms
 * (default trace 848 -> 367, 124.9 -> 111.3 ms). A fixed 20000 (300
 * us) also caught the JSON parser's batches and burnt 0.65 s of CPU per
 * 10^6 lines for nothing. When a decoder thread shares the two cores
 * (gzip or zstd input), polling takes its time (a .zst log 272 -> 293 ms
 * with 20000), so then the polls stay at PIPE_SPIN_MIN. */
#define PIPE_SPIN_OWN 6000u
#define PIPE_SPIN_MIN 1000u
#define PIPE_BATCH_RECS 256
#define PIPE_BATCHES 4
#define PIPE_PREFETCH_STEP 4 /* records between the stages of cache hints */

/* A record as it waits in a batch: what the summaries read of it, its
 * local networks (-1: none) and, for a record with no local address, its
 * number among those (1-based, counted as it arrived; 0 otherwise). The
 * reading thread writes it, the counting thread reads it, so it holds no
 * more than that; a connection's service and state wait beside it, in an
 * array of their own. (A flow cache keeps the same struct for the flows
 * it folds: flow_cache.h.) */
struct pipe_rec {
    struct summary_update u;
    int src_net, dst_net;
    uint64_t first;
};

/* A cache line of its own: the reader counts records into the batch it
 * fills while the counting thread reads and clears the one it applies.
 * Three batches to a line made every queued record a miss for the other
 * thread (a conn.log on two threads: 313 -> 378 ms of CPU, 165 -> 207 ms). */
struct pipe_batch {
    _Alignas(64) size_t n;
    struct pipe_rec *p;        /* cap records */
    struct summary_strings *s; /* their strings (connection logs), or NULL */
};

/* Who does what of each record's summary (Total, or with -l one of
 * Total, Incoming and Outgoing) and of the networks with a counting
 * thread. */
struct pipe_split {
    /* Parts of the record's summary that the reader updates itself
     * (SUMMARY_PART_*); 0 without a thread. */
    unsigned reader_parts;
    /* The reader also updates the local networks' summaries. */
    bool reader_nets;
};

/* What the split depends on. */
struct pipe_load {
    bool save_mem;        /* -m: little to share */
    bool conns;           /* connection logs: parsing costs as much as two host tables */
    bool nets;            /* local networks with summaries of their own */
    bool local_nets;      /* -l given */
    bool interval_tables; /* interval summaries keep breakdowns */
};

/* The split for a load (see pipeline.c for the measurements behind it). */
void pipe_split_for(const struct pipe_load *l, struct pipe_split *out);

/* What the engine does with a batch, called by the pipeline:
 *   reader_pass  on the reading thread, before the batch is handed over
 *                (the reader's share; NULL: none)
 *   apply        on the counting thread (or in place without one); stops
 *                at the first error
 *   reader_idle  on the reading thread whenever it publishes or waits:
 *                hands closed intervals on (returns 0 or an error)
 * ctx is passed to each. */
struct pipe_ops {
    void (*reader_pass)(void *ctx, struct pipe_batch *b);
    int (*apply)(void *ctx, struct pipe_batch *b, struct ts_err *err);
    int (*reader_idle)(void *ctx, struct ts_err *err);
    void *ctx;
};

/* A ring between two threads: one puts, the other takes. */
struct pipe_ring {
    void **item;
    size_t cap;
    atomic_size_t head, tail;
};

struct pipe {
    struct pipe_batch *b; /* nb */
    struct pipe_rec *recs;
    struct summary_strings *strs; /* connection logs only */
    size_t cap;                   /* records per batch */
    size_t nb;
    struct pipe_batch *fill; /* the batch the producer is filling, or NULL */
    bool threaded;
    unsigned spin_max;             /* polls before a wait sleeps, at most */
    unsigned spin_cons, spin_prod; /* now, for each side (its own thread) */
    struct pipe_split split;
    struct pipe_ops ops;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv_data, cv_space;
    /* batches [tail, head) are full, the rest free; head is written by the
     * producer only, tail by the consumer only; a side that found nothing
     * to do sleeps on a condition variable and says so in *_sleeping, and
     * the other side wakes it after moving its counter */
    atomic_size_t head, tail;
    atomic_bool done, cons_sleeping, prod_sleeping, failed, cons_exited;
    struct pipe_ring closed, freed; /* counting -> reading, reading -> counting */
    struct ivl_closed *closed_buf;  /* the closed ring's items */
    int rc;                         /* the consumer's first error, and its message */
    struct ts_err err;
};

/* Sets q up: a counting thread when threaded (and one can be started;
 * shared_cores: another busy thread, a decoder, shares the processors),
 * batches of cap records (with strings for connection logs), split
 * applied when the thread runs, rings for ring_cap closed intervals.
 * Called before anything is queued. Returns 0 or -1 out of memory. */
int pipe_init(struct pipe *q, bool threaded, bool shared_cores, size_t cap, bool strings,
              size_t ring_cap, const struct pipe_split *split, const struct pipe_ops *ops);
/* Frees the memory of q (after pipe_finish). */
void pipe_free(struct pipe *q);

/* A free slot for the next record (waits for one with a thread); *keep is
 * where its strings go (NULL without strings). */
struct pipe_rec *pipe_slot(struct pipe *q, struct summary_strings **keep);
/* Hands the batch being filled over (or applies it in place). */
int pipe_publish(struct pipe *q, struct ts_err *err);
/* Applies everything queued (or, with discard, drops it) and stops the
 * thread, handing closed intervals on until it has. Returns the first
 * error. Idempotent. */
int pipe_finish(struct pipe *q, bool discard, struct ts_err *err);

/* Closed intervals and free summaries, across the threads. */
void pipe_closed_put(struct pipe *q, const struct ivl_closed *c); /* counting side */
bool pipe_closed_take(struct pipe *q, struct ivl_closed *c);      /* reading side */
void pipe_free_put(struct pipe *q, struct summary *s);            /* reading side */
struct summary *pipe_free_take(struct pipe *q);                   /* counting side, no wait */
/* Waits until a summary comes back; NULL when the run is being dropped. */
struct summary *pipe_free_wait(struct pipe *q);

/* The records of a batch in order with cache hints ahead of the work:
 * while record i is done, record i + 3 * PIPE_PREFETCH_STEP gets its first
 * hint, i + 2 * PIPE_PREFETCH_STEP its second, i + PIPE_PREFETCH_STEP its
 * third, all in one call of hint. Stops at the first error of do_one.
 * Inline, so that hint and do_one are inlined into the walk. */
static inline int pipe_walk(void *ctx, struct pipe_batch *bt,
                            void (*hint)(void *, const struct pipe_rec *const[3]),
                            int (*do_one)(void *, struct pipe_rec *, struct ts_err *),
                            struct ts_err *err)
{
    size_t n = bt->n;
    const size_t st = PIPE_PREFETCH_STEP;
    /* before record 0: the records up to 3 * step get the stages they
     * would have had by then */
    for (size_t j = 0; j < n && j < 3 * st; j++) {
        const struct pipe_rec *p[3] = {
            &bt->p[j],
            j >= st ? &bt->p[j - st] : NULL,
            j >= 2 * st ? &bt->p[j - 2 * st] : NULL,
        };
        hint(ctx, p);
    }
    for (size_t i = 0; i < n; i++) {
        const struct pipe_rec *p[3] = {
            i + 3 * st < n ? &bt->p[i + 3 * st] : NULL,
            i + 2 * st < n ? &bt->p[i + 2 * st] : NULL,
            i + st < n ? &bt->p[i + st] : NULL,
        };
        if (p[2] != NULL)
            hint(ctx, p);
        int rc = do_one(ctx, &bt->p[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

#endif
