/* sink_tss.c - the summary-file sink (-w): a run's summaries, pair lists and statistics. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "summary_file.h"

struct sink_tss {
    struct sink k;
    FILE *out;
    const char *out_name;
    const struct sf_params *params;
    struct sf_writer *w;
};

/* Names the file in a message of summary_file.c. */
static int named(struct sink_tss *t, int rc, struct ts_err *err)
{
    char msg[TS_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return ts_err_set(err, rc, "'%s': %s", t->out_name, msg);
}

static int tss_begin(struct sink *k, struct ts_err *err)
{
    struct sink_tss *t = (struct sink_tss *)k;
    t->w = sf_writer_new(t->out, t->params, err);
    return t->w == NULL ? named(t, err->code ? err->code : TS_EIO, err) : 0;
}

/* The writer feeds a summary's waiting evictions into its Count-Mins
 * before encoding it: its queries answer the same afterwards, so a
 * borrowed summary may go through it. */
static int put(struct sink_tss *t, enum sf_role role, uint64_t index, double start,
               const struct summary *s, struct ts_err *err)
{
    int rc = sf_writer_summary(t->w, role, index, start, (struct summary *)s, err);
    return rc != 0 ? named(t, rc, err) : 0;
}

static int tss_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    struct sink_tss *t = (struct sink_tss *)k;
    int rc = put(t, SF_INTERVAL, iv->stream, iv->start, iv->s, err);
    if (rc == 0 && iv->capture != NULL && iv->stream == 0 &&
        (rc = sf_writer_capture(t->w, iv->start, iv->capture, err)) != 0)
        return named(t, rc, err);
    return rc;
}

static int cmp_seq(const void *a, const void *b)
{
    const struct sink_unknown *x = *(const struct sink_unknown *const *)a;
    const struct sink_unknown *y = *(const struct sink_unknown *const *)b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Both pair lists: unknown-transport pairs in order of appearance (ties of
 * a later report keep it), non-local pairs with the number of their first
 * record as count. */
static int put_pairs(struct sink_tss *t, const struct sink_report *r, struct ts_err *err)
{
    size_t n = r->n_unknown > r->n_nonlocal ? r->n_unknown : r->n_nonlocal;
    struct sf_pair *pv = calloc(n ? n : 1, sizeof *pv);
    const struct sink_unknown **order = calloc(r->n_unknown ? r->n_unknown : 1, sizeof *order);
    if (pv == NULL || order == NULL) {
        free(pv);
        free(order);
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    }
    int rc = 0;
    if (r->unknown_kept) {
        for (size_t i = 0; i < r->n_unknown; i++)
            order[i] = &r->unknown[i];
        qsort(order, r->n_unknown, sizeof *order, cmp_seq);
        for (size_t i = 0; i < r->n_unknown; i++) {
            pv[i].a = (const uint8_t *)order[i]->src;
            pv[i].alen = strlen(order[i]->src);
            pv[i].b = (const uint8_t *)order[i]->dst;
            pv[i].blen = strlen(order[i]->dst);
            pv[i].count = order[i]->count;
        }
        struct sf_pairs u = {SF_PAIRS_UNKNOWN, r->unknown_total, r->unknown_dropped, r->n_unknown,
                             pv};
        rc = sf_writer_pairs(t->w, &u, err);
    }
    if (rc == 0 && r->incoming != NULL) {
        for (size_t i = 0; i < r->n_nonlocal; i++) {
            pv[i].a = r->nonlocal[i].a + 1;
            pv[i].alen = r->nonlocal[i].a[0];
            pv[i].b = r->nonlocal[i].b + 1;
            pv[i].blen = r->nonlocal[i].b[0];
            pv[i].count = r->nonlocal[i].first;
        }
        struct sf_pairs nl = {SF_PAIRS_NONLOCAL, r->nonlocal_count, 0, r->n_nonlocal, pv};
        rc = sf_writer_pairs(t->w, &nl, err);
    }
    free(pv);
    free(order);
    return rc != 0 ? named(t, rc, err) : 0;
}

static int tss_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    struct sink_tss *t = (struct sink_tss *)k;
    int rc = put(t, SF_TOTAL, 0, 0, r->total, err);
    if (rc == 0 && r->incoming != NULL) {
        rc = put(t, SF_INCOMING, 0, 0, r->incoming, err);
        if (rc == 0)
            rc = put(t, SF_OUTGOING, 0, 0, r->outgoing, err);
        for (size_t i = 0; rc == 0 && i < r->nnets; i++)
            rc = put(t, SF_NETWORK, i, 0, r->nets[i], err);
    }
    if (rc == 0)
        rc = put_pairs(t, r, err);
    if (rc != 0)
        return rc;
    const struct summary_counters *c = summary_counters(r->total);
    const struct sink_input_stats *st = r->input;
    struct sf_run run = {
        .first = c->updates ? c->start : 0,
        .last = c->updates ? c->end : 0,
        .late = r->late,
    };
    if (st != NULL) {
        run.corrupt_lines = st->corrupt_lines;
        run.frames = st->frames;
        run.not_ip = st->not_ip;
        run.not_decoded = st->not_decoded;
        run.damaged = st->damaged;
        run.offloaded = st->offloaded;
        run.input_damaged = st->file_damaged;
        if (st->capture != NULL) {
            run.has_capture = true;
            run.capture = *st->capture;
            run.drops = st->capture->dropped_kernel + st->capture->dropped_iface;
        }
    }
    rc = sf_writer_finish(t->w, &run, err);
    return rc != 0 ? named(t, rc, err) : 0;
}

static void tss_free(struct sink *k)
{
    struct sink_tss *t = (struct sink_tss *)k;
    sf_writer_free(t->w);
}

static const struct sink_ops tss_ops = {
    .begin = tss_begin,
    .interval = tss_interval,
    .finish = tss_finish,
    .free = tss_free,
};

struct sink *sink_tss_new(FILE *out, const char *out_name, const struct sf_params *p)
{
    struct sink_tss *t = (struct sink_tss *)sink_alloc(sizeof *t, &tss_ops, NULL);
    if (t == NULL)
        return NULL;
    t->out = out;
    t->out_name = out_name;
    t->params = p;
    return &t->k;
}
