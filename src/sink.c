/* sink.c - the calls of the sink interface and what several sinks share. */
#include "config.h"

#include "sink.h"

#include <stdio.h>
#include <stdlib.h>

/* Keeps the first error: every later call returns it without writing. */
static int keep_error(struct sink *k, int rc)
{
    if (rc != 0)
        k->failed = rc;
    return rc;
}

int sink_begin(struct sink *k, struct ts_err *err)
{
    if (k->failed || k->ops->begin == NULL)
        return k->failed;
    return keep_error(k, k->ops->begin(k, err));
}

int sink_interval(struct sink *k, const struct sink_interval *iv, struct ts_err *err)
{
    if (k->failed || k->ops->interval == NULL)
        return k->failed;
    return keep_error(k, k->ops->interval(k, iv, err));
}

int sink_finish(struct sink *k, const struct sink_report *r, struct ts_err *err)
{
    if (k->failed || k->ops->finish == NULL)
        return k->failed;
    return keep_error(k, k->ops->finish(k, r, err));
}

const char *sink_notice(const struct sink *k)
{
    return k->notice;
}

struct sink *sink_alloc(size_t size, const struct sink_ops *ops, const struct sink_params *p)
{
    struct sink *k = calloc(1, size);
    if (k != NULL) {
        k->ops = ops;
        k->p = p;
    }
    return k;
}

void sink_free(struct sink *k)
{
    if (k == NULL)
        return;
    if (k->ops->free)
        k->ops->free(k);
    free(k);
}

const struct summary *sink_net_block(const struct sink_params *p, const struct sink_report *r,
                                     size_t i, char *title, size_t n)
{
    size_t idx = r->net_rank[i];
    if (summary_counters(r->nets[idx])->updates == 0)
        return NULL;
    snprintf(title, n, "%s %s", netset_cidr(p->local_nets, idx), netset_descr(p->local_nets, idx));
    return r->nets[idx];
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

size_t sink_top_ports(const struct sink_report *r, size_t topn, uint16_t *out, size_t cap)
{
    const struct summary *sums[3] = {r->total, r->incoming, r->outgoing};
    size_t n = 0;
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
            for (size_t q = 0; q < n; q++)
                dup |= out[q] == p;
            if (!dup && n < cap)
                out[n++] = p;
        }
    }
    free(tmp);
    qsort(out, n, sizeof *out, cmp_u16);
    return n;
}
