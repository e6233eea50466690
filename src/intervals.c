/* intervals.c - opens, fills and closes the interval summaries of each stream. */
#include "config.h"

#include "intervals.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    long long idx; /* interval number */
    struct summary *s;
};

struct stream {
    bool started;
    long long base;     /* the original's IntervalList.start / ilen */
    long long frontier; /* last interval closed */
    bool any_closed;
    struct slot *slots; /* sorted by idx */
    size_t nslots;
};

struct intervals {
    size_t nstreams, max_open;
    double ilen;
    long long lag;
    struct stream st[IVL_MAX_STREAMS];
    struct summary **all; /* the pool, for intervals_free */
    size_t nall;
    struct summary **free; /* free summaries */
    size_t nfree;
    struct ivl_closed *closed; /* FIFO of nall */
    size_t chead, ccount;
    uint64_t late;
};

struct intervals *intervals_new(size_t nstreams, size_t max_open, long long ilen, long long lag,
                                const struct summary_sizes *sizes, uint64_t seed, bool prefault)
{
    if (nstreams < 1 || nstreams > IVL_MAX_STREAMS || max_open < 2 || ilen <= 0 || lag < 1 ||
        (size_t)lag >= max_open)
        return NULL;
    struct intervals *iv = calloc(1, sizeof *iv);
    if (iv == NULL)
        return NULL;
    iv->nstreams = nstreams;
    iv->max_open = max_open;
    iv->ilen = (double)ilen;
    iv->lag = lag;
    size_t n = nstreams * max_open;
    iv->all = calloc(n, sizeof *iv->all);
    iv->free = calloc(n, sizeof *iv->free);
    iv->closed = calloc(n, sizeof *iv->closed);
    if (iv->all == NULL || iv->free == NULL || iv->closed == NULL)
        goto fail;
    for (size_t i = 0; i < nstreams; i++) {
        iv->st[i].slots = calloc(max_open, sizeof *iv->st[i].slots);
        if (iv->st[i].slots == NULL)
            goto fail;
    }
    /* every interval summary there can ever be, made (and paid for) now */
    for (size_t i = 0; i < n; i++) {
        struct summary *s = summary_new(sizes, seed);
        if (s == NULL)
            goto fail;
        if (prefault)
            summary_prefault(s);
        iv->all[iv->nall++] = s;
        iv->free[iv->nfree++] = s;
    }
    return iv;
fail:
    intervals_free(iv);
    return NULL;
}

void intervals_free(struct intervals *iv)
{
    if (iv == NULL)
        return;
    for (size_t i = 0; i < iv->nall; i++)
        summary_free(iv->all[i]);
    for (size_t i = 0; i < iv->nstreams; i++)
        free(iv->st[i].slots);
    free(iv->all);
    free(iv->free);
    free(iv->closed);
    free(iv);
}

/* Closes the oldest open interval of stream st into the closed queue. */
static void close_oldest(struct intervals *iv, unsigned stream)
{
    struct stream *st = &iv->st[stream];
    struct slot sl = st->slots[0];
    memmove(&st->slots[0], &st->slots[1], (st->nslots - 1) * sizeof *st->slots);
    st->nslots--;
    double start = (double)sl.idx * iv->ilen;
    summary_set_span(sl.s, start, start + iv->ilen);
    struct ivl_closed *c = &iv->closed[(iv->chead + iv->ccount++) % iv->nall];
    c->stream = stream;
    c->idx = sl.idx;
    c->s = sl.s;
    st->frontier = sl.idx;
    st->any_closed = true;
}

long long intervals_base(double ts, double ilen)
{
    return (long long)(ts / ilen); /* the original truncated toward 0 */
}

bool intervals_index_at(long long base, double ilen, double ts, long long *idx)
{
    double rel = floor((ts - (double)base * ilen) / ilen);
    if (!isfinite(rel) || rel > 4e15 || rel < -4e15)
        return false;
    *idx = base + (long long)rel;
    return true;
}

bool intervals_index(const struct intervals *iv, unsigned stream, double ts, long long *idx)
{
    const struct stream *st = &iv->st[stream];
    return st->started && intervals_index_at(st->base, iv->ilen, ts, idx);
}

struct summary *intervals_take_free(struct intervals *iv)
{
    return iv->nfree > 0 ? iv->free[--iv->nfree] : NULL;
}

enum ivl_result intervals_add(struct intervals *iv, unsigned stream, const struct summary_update *u)
{
    struct stream *st = &iv->st[stream];
    double ilen = iv->ilen;
    double ts = u->ts;
    if (!st->started) {
        st->started = true;
        st->base = intervals_base(ts, ilen);
    }
    long long idx;
    if (!intervals_index_at(st->base, ilen, ts, &idx))
        return IVL_ADDED; /* no interval can hold it; the totals count it */
    /* a late record counts once, on Total's stream, whichever streams it
     * also belongs to */
    if (st->any_closed && idx <= st->frontier) {
        iv->late += stream == 0 ? u->n : 0; /* the records it stands for */
        return IVL_LATE;
    }
    size_t pos = 0;
    while (pos < st->nslots && st->slots[pos].idx < idx)
        pos++;
    if (pos == st->nslots || st->slots[pos].idx != idx) {
        if (st->nslots == iv->max_open && pos == 0) {
            /* older than every open interval while all are in use */
            iv->late += stream == 0 ? u->n : 0; /* the records it stands for */
            return IVL_LATE;
        }
        if (st->nslots == iv->max_open) {
            close_oldest(iv, stream);
            pos--;
        }
        if (iv->nfree == 0)
            return IVL_FULL; /* the closed ones hold the pool; retried, this adds */
        struct summary *s = iv->free[--iv->nfree];
        memmove(&st->slots[pos + 1], &st->slots[pos], (st->nslots - pos) * sizeof *st->slots);
        st->slots[pos].idx = idx;
        st->slots[pos].s = s;
        st->nslots++;
    }
    summary_add(st->slots[pos].s, u, false);
    /* close what fell behind the reorder horizon */
    long long newest = st->slots[st->nslots - 1].idx;
    while (st->nslots > 0 && newest - st->slots[0].idx > iv->lag)
        close_oldest(iv, stream);
    return IVL_ADDED;
}

void intervals_close_all(struct intervals *iv)
{
    for (unsigned i = 0; i < iv->nstreams; i++)
        while (iv->st[i].nslots > 0)
            close_oldest(iv, i);
}

size_t intervals_take_closed(struct intervals *iv, struct ivl_closed *out, size_t cap)
{
    size_t n = 0;
    while (n < cap && iv->ccount > 0) {
        out[n++] = iv->closed[iv->chead];
        iv->chead = (iv->chead + 1) % iv->nall;
        iv->ccount--;
    }
    return n;
}

void intervals_release(struct intervals *iv, struct summary *s)
{
    summary_clear(s);
    iv->free[iv->nfree++] = s;
}

uint64_t intervals_late(const struct intervals *iv)
{
    return iv->late;
}

const struct summary *intervals_newest(const struct intervals *iv, unsigned stream)
{
    const struct stream *st = &iv->st[stream];
    return st->nslots > 0 ? st->slots[st->nslots - 1].s : NULL;
}

size_t intervals_pool_size(const struct intervals *iv)
{
    return iv->nall;
}
