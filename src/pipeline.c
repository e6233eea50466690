/* pipeline.c - batches, the counting thread, and the hand-over between the two threads. */
#include "config.h"

#include "pipeline.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

void pipe_split_for(const struct pipe_load *l, struct pipe_split *out)
{
    memset(out, 0, sizeof *out);
    if (l->save_mem)
        return; /* with -m there is little to share */
    /* The reader also updates the local networks' summaries: packet
     * traces with -l and interval tables, where the counting thread also
     * has the intervals and decoding leaves the reader the lighter side
     * (without intervals the other thread would wait). With -l and
     * interval tables each record counts in one of Total, Incoming and
     * Outgoing ("its summary" below; engine.c, home_of), else in
     * Total. */
    out->reader_nets = !l->conns && l->nets && l->interval_tables;
    /* The reader takes a share of the record's summary so that both
     * threads stay busy: all of it when more summaries (networks, interval
     * tables) wait for the other thread, the rest (counters, ports,
     * protocols) when it also has the networks, otherwise none. */
    if (out->reader_nets) {
        /* Each record counts in one of Total, Incoming and Outgoing (see
         * engine.c, home_of) and the networks: with the networks and
         * the rest of its summary (counters, ports, protocols) the reader
         * is about as busy as the counting thread with the host tables and
         * the intervals. Runs of -l (10 nets) -i 1m -v over 10^6 packets,
         * means of 8 to 15: 421 ms with the sources and the distinct hosts
         * on the reader too (the split before each record had one summary
         * of its direction: 402-409 ms), 391-395 ms; the flow-structured
         * trace 220-260 ms with any of the splits tried, also when the
         * reader handed everything but the decoding over once the flow
         * cache folded half of the packets. */
        out->reader_parts = SUMMARY_PART_REST;
    } else if (l->local_nets || l->interval_tables) {
        /* Intervals without tables (-i without -v or -R) are counters
         * only: with all of Total the reader was the slower side by far
         * (10^6 packets 213 -> 114 ms, connections 306 -> 189 ms with the
         * split below). */
        out->reader_parts = SUMMARY_PART_ALL;
    } else {
        /* Nothing else waits for the counting thread: it takes all of
         * Total, and the reader reads, decodes and folds flows. With the
         * flow cache the reader was the slower side when it also kept the
         * counters, ports, protocols and distinct hosts: 10 runs each on
         * a quiet machine, 10^6 packets 122.5 -> 102.2 ms (one connection
         * per packet), flow-structured 100.9 -> 87.0 ms, -i 1m 122.7 ->
         * 113.5 ms, a 10^6-line conn.log 186.3 -> 160.2 ms (its reader
         * had the counters, ports, services and states). */
        out->reader_parts = 0;
    }
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static bool ring_empty(const struct pipe_ring *r)
{
    return atomic_load(&r->head) == atomic_load(&r->tail);
}

static void pipe_wake(struct pipe *q, atomic_bool *sleeping, pthread_cond_t *cv)
{
    if (atomic_load(sleeping)) {
        pthread_mutex_lock(&q->mu);
        pthread_cond_signal(cv);
        pthread_mutex_unlock(&q->mu);
    }
}

/* The condition a waiting side waits for. */
enum wait_for {
    WAIT_DATA,  /* consumer: a full batch, or done */
    WAIT_SPACE, /* producer: a free batch, or a closed interval to hand on */
    WAIT_FREE,  /* consumer: a summary back, or the run dropped */
    WAIT_EXIT,  /* producer: the consumer gone, or a closed interval */
};

static bool wait_over(struct pipe *q, enum wait_for w, size_t seen)
{
    switch (w) {
    case WAIT_DATA:
        return atomic_load(&q->head) != seen || atomic_load(&q->done);
    case WAIT_SPACE:
        return atomic_load(&q->tail) != seen || !ring_empty(&q->closed);
    case WAIT_FREE:
        return !ring_empty(&q->freed) || atomic_load(&q->failed);
    default:
        return atomic_load(&q->cons_exited) || !ring_empty(&q->closed);
    }
}

/* Waits until the condition holds: spins first, then sleeps with the
 * side's flag raised (sequentially consistent, so no wake-up is lost). */
static void pipe_wait(struct pipe *q, enum wait_for w, size_t seen)
{
    bool consumer = w == WAIT_DATA || w == WAIT_FREE;
    unsigned *spin = consumer ? &q->spin_cons : &q->spin_prod;
    for (unsigned i = 0; i < *spin; i++) {
        if (wait_over(q, w, seen)) {
            *spin = *spin < q->spin_max / 2 ? 2 * *spin : q->spin_max;
            return;
        }
        if (i % 64 == 63)
            sched_yield(); /* a single core: let the other side run */
        else
            cpu_relax();
    }
    *spin = *spin / 2 > PIPE_SPIN_MIN ? *spin / 2 : PIPE_SPIN_MIN;
    atomic_bool *sleeping = consumer ? &q->cons_sleeping : &q->prod_sleeping;
    pthread_cond_t *cv = consumer ? &q->cv_data : &q->cv_space;
    pthread_mutex_lock(&q->mu);
    atomic_store(sleeping, true);
    while (!wait_over(q, w, seen))
        pthread_cond_wait(cv, &q->mu);
    atomic_store(sleeping, false);
    pthread_mutex_unlock(&q->mu);
}

void pipe_closed_put(struct pipe *q, const struct ivl_closed *c)
{
    size_t h = atomic_load(&q->closed.head);
    q->closed_buf[h % q->closed.cap] = *c;
    atomic_store(&q->closed.head, h + 1);
    if (q->threaded)
        pipe_wake(q, &q->prod_sleeping, &q->cv_space);
}

bool pipe_closed_take(struct pipe *q, struct ivl_closed *c)
{
    size_t t = atomic_load(&q->closed.tail);
    if (atomic_load(&q->closed.head) == t)
        return false;
    *c = q->closed_buf[t % q->closed.cap];
    atomic_store(&q->closed.tail, t + 1);
    return true;
}

void pipe_free_put(struct pipe *q, struct summary *s)
{
    size_t h = atomic_load(&q->freed.head);
    q->freed.item[h % q->freed.cap] = s;
    atomic_store(&q->freed.head, h + 1);
    if (q->threaded)
        pipe_wake(q, &q->cons_sleeping, &q->cv_data);
}

struct summary *pipe_free_take(struct pipe *q)
{
    size_t t = atomic_load(&q->freed.tail);
    if (atomic_load(&q->freed.head) == t)
        return NULL;
    struct summary *s = q->freed.item[t % q->freed.cap];
    atomic_store(&q->freed.tail, t + 1);
    return s;
}

struct summary *pipe_free_wait(struct pipe *q)
{
    for (;;) {
        struct summary *s = pipe_free_take(q);
        if (s != NULL || atomic_load(&q->failed))
            return s;
        pipe_wait(q, WAIT_FREE, 0);
    }
}

/* The counting thread: applies full batches until the producer is done
 * and every batch is applied. After an error it keeps taking batches (so
 * that the producer never blocks) without applying them. */
static void *consumer(void *arg)
{
    struct pipe *q = arg;
    size_t t = atomic_load(&q->tail);
    for (;;) {
        size_t h = atomic_load(&q->head);
        if (h == t) {
            if (atomic_load(&q->done) && atomic_load(&q->head) == t)
                break;
            pipe_wait(q, WAIT_DATA, t);
            continue;
        }
        struct pipe_batch *bt = &q->b[t % q->nb];
        if (!atomic_load(&q->failed)) {
            q->rc = q->ops.apply(q->ops.ctx, bt, &q->err);
            if (q->rc != 0)
                atomic_store(&q->failed, true);
        }
        bt->n = 0;
        atomic_store(&q->tail, ++t);
        pipe_wake(q, &q->prod_sleeping, &q->cv_space);
    }
    atomic_store(&q->cons_exited, true);
    pipe_wake(q, &q->prod_sleeping, &q->cv_space);
    return NULL;
}

int pipe_init(struct pipe *q, bool threaded, bool shared_cores, size_t cap, bool strings,
              size_t ring_cap, const struct pipe_split *split, const struct pipe_ops *ops)
{
    memset(q, 0, sizeof *q);
    q->ops = *ops;
    q->spin_max = shared_cores ? PIPE_SPIN_MIN : PIPE_SPIN_OWN;
    q->spin_cons = q->spin_prod = q->spin_max;
    q->nb = threaded ? PIPE_BATCHES : 1;
    q->cap = cap;
    q->b = aligned_alloc(_Alignof(struct pipe_batch), q->nb * sizeof *q->b);
    if (q->b != NULL)
        memset(q->b, 0, q->nb * sizeof *q->b);
    q->recs = calloc(q->nb * q->cap, sizeof *q->recs);
    if (strings)
        q->strs = calloc(q->nb * q->cap, sizeof *q->strs);
    q->closed.cap = q->freed.cap = ring_cap ? ring_cap : 1;
    q->closed_buf = calloc(q->closed.cap, sizeof *q->closed_buf);
    q->freed.item = calloc(q->freed.cap, sizeof *q->freed.item);
    if (q->b == NULL || q->recs == NULL || (strings && q->strs == NULL) || q->closed_buf == NULL ||
        q->freed.item == NULL)
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
    atomic_init(&q->cons_exited, false);
    atomic_init(&q->closed.head, 0);
    atomic_init(&q->closed.tail, 0);
    atomic_init(&q->freed.head, 0);
    atomic_init(&q->freed.tail, 0);
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
    /* No batch has been handed over yet: the counting thread has not
     * touched the summaries, and the hand-over orders what follows. */
    q->split = *split;
    q->threaded = true;
    if (pthread_create(&q->tid, NULL, consumer, q) != 0) {
        memset(&q->split, 0, sizeof q->split);
        q->threaded = false;
        pthread_cond_destroy(&q->cv_space);
        pthread_cond_destroy(&q->cv_data);
        pthread_mutex_destroy(&q->mu);
    }
    return 0;
}

void pipe_free(struct pipe *q)
{
    free(q->b);
    free(q->recs);
    free(q->strs);
    free(q->closed_buf);
    free(q->freed.item);
    memset(q, 0, sizeof *q);
}

int pipe_publish(struct pipe *q, struct ts_err *err)
{
    if (q->fill == NULL)
        return 0;
    struct pipe_batch *bt = q->fill;
    q->fill = NULL;
    if (!q->threaded) {
        int rc = q->ops.apply(q->ops.ctx, &q->b[0], err);
        q->b[0].n = 0;
        return rc;
    }
    if (q->ops.reader_pass)
        q->ops.reader_pass(q->ops.ctx, bt);
    atomic_store(&q->head, atomic_load(&q->head) + 1);
    pipe_wake(q, &q->cons_sleeping, &q->cv_data);
    if (atomic_load(&q->failed)) {
        *err = q->err;
        return q->rc;
    }
    return q->ops.reader_idle ? q->ops.reader_idle(q->ops.ctx, err) : 0;
}

struct pipe_rec *pipe_slot(struct pipe *q, struct summary_strings **keep)
{
    if (q->fill == NULL) {
        if (!q->threaded) {
            q->fill = &q->b[0];
        } else {
            size_t h = atomic_load(&q->head);
            size_t t;
            while (h - (t = atomic_load(&q->tail)) == q->nb) {
                pipe_wait(q, WAIT_SPACE, t);
                /* a closed interval to hand on: errors surface at the
                 * next publish, from the sink's first failure */
                if (q->ops.reader_idle && !ring_empty(&q->closed)) {
                    struct ts_err ignored;
                    (void)q->ops.reader_idle(q->ops.ctx, &ignored);
                }
            }
            q->fill = &q->b[h % q->nb];
        }
    }
    size_t i = q->fill->n++;
    if (keep != NULL)
        *keep = q->fill->s ? &q->fill->s[i] : NULL;
    return &q->fill->p[i];
}

int pipe_finish(struct pipe *q, bool discard, struct ts_err *err)
{
    int rc = 0;
    if (discard) {
        atomic_store(&q->failed, true);
        if (q->fill != NULL)
            q->fill->n = 0;
        q->fill = NULL;
    } else {
        rc = pipe_publish(q, err);
    }
    if (q->threaded) {
        atomic_store(&q->done, true);
        pipe_wake(q, &q->cons_sleeping, &q->cv_data);
        /* hand closed intervals on until the consumer is gone: it may
         * wait for their summaries */
        while (!atomic_load(&q->cons_exited)) {
            pipe_wait(q, WAIT_EXIT, 0);
            if (q->ops.reader_idle && !ring_empty(&q->closed)) {
                struct ts_err e2;
                int r2 = q->ops.reader_idle(q->ops.ctx, &e2);
                if (r2 != 0 && rc == 0 && !discard) {
                    rc = r2;
                    *err = e2;
                }
            }
        }
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
