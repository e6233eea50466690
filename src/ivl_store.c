/* ivl_store.c - the intervals of a merge, each stored once, merged as parts of it come in. */
#include "config.h"

#include "ivl_store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "spill.h"

struct entry {
    double start;
    uint64_t off; /* of its encoding in the file */
    uint32_t len;
    unsigned stream;
};

struct ivl_store {
    FILE *f;
    uint64_t end; /* bytes written */
    struct entry *e;
    size_t n, cap;
    struct summary *acc, *tmp;
    struct bb_writer w;
    uint8_t *buf;
    size_t buf_cap;
};

struct ivl_store *ivl_store_new(const struct summary_sizes *sizes, uint64_t seed,
                                struct ts_err *err)
{
    struct ivl_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    bbw_init(&st->w, UINT32_MAX);
    st->acc = summary_new(sizes, seed);
    st->tmp = summary_new(sizes, seed);
    if (st->acc == NULL || st->tmp == NULL) {
        ivl_store_free(st);
        ts_err_set(err, TS_ENOMEM, "out of memory for the interval summaries");
        return NULL;
    }
    if ((st->f = ts_tmpfile(err)) == NULL) {
        ivl_store_free(st);
        return NULL;
    }
    return st;
}

void ivl_store_free(struct ivl_store *st)
{
    if (st == NULL)
        return;
    if (st->f != NULL)
        fclose(st->f);
    summary_free(st->acc);
    summary_free(st->tmp);
    bbw_free(&st->w);
    free(st->e);
    free(st->buf);
    free(st);
}

static int io_error(struct ts_err *err)
{
    return ts_err_errno(err, TS_EIO, errno ? errno : EIO,
                        "the temporary file of the intervals");
}

/* Reads entry x into s. */
static int load(struct ivl_store *st, const struct entry *x, struct summary *s, struct ts_err *err)
{
    if (x->len > st->buf_cap) {
        uint8_t *b = realloc(st->buf, x->len);
        if (b == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory");
        st->buf = b;
        st->buf_cap = x->len;
    }
    if (fseeko(st->f, (off_t)x->off, SEEK_SET) != 0 || fread(st->buf, 1, x->len, st->f) != x->len)
        return io_error(err);
    struct bb_reader r;
    bbr_init(&r, st->buf, x->len);
    if (summary_decode(s, &r, true) != 0)
        return ts_err_set(err, TS_EIO, "the temporary file of the intervals changed");
    return 0;
}

/* Appends s's encoding to the file and points x at it. */
static int save(struct ivl_store *st, struct entry *x, struct summary *s, struct ts_err *err)
{
    bbw_reset(&st->w);
    if (summary_encode(s, &st->w) != 0 || !bbw_ok(&st->w))
        return ts_err_set(err, TS_ENOMEM, "out of memory encoding an interval");
    if (fseeko(st->f, (off_t)st->end, SEEK_SET) != 0 ||
        fwrite(st->w.buf, 1, st->w.len, st->f) != st->w.len)
        return io_error(err);
    x->off = st->end;
    x->len = (uint32_t)st->w.len;
    st->end += st->w.len;
    return 0;
}

int ivl_store_put(struct ivl_store *st, unsigned stream, double start, struct summary *s,
                  struct ts_err *err)
{
    /* parts of one interval come close together: look from the newest */
    for (size_t i = st->n; i-- > 0;) {
        struct entry *x = &st->e[i];
        if (x->stream != stream || x->start != start)
            continue;
        int rc = load(st, x, st->acc, err);
        if (rc != 0)
            return rc;
        if (summary_merge(st->acc, s) != 0)
            return ts_err_set(err, TS_ENOMEM, "out of memory merging an interval");
        return save(st, x, st->acc, err);
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 64;
        struct entry *e = realloc(st->e, cap * sizeof *e);
        if (e == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory");
        st->e = e;
        st->cap = cap;
    }
    struct entry *x = &st->e[st->n];
    x->stream = stream;
    x->start = start;
    int rc = save(st, x, s, err);
    if (rc == 0)
        st->n++;
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

int ivl_store_replay(struct ivl_store *st, long long ilen, ivl_store_fn fn, void *ctx,
                     struct ts_err *err)
{
    if (st->n > 0)
        qsort(st->e, st->n, sizeof *st->e, cmp_entry);
    double len = (double)ilen;
    for (size_t i = 0; i < st->n;) {
        const struct entry *x = &st->e[i];
        long long idx = (long long)floor(x->start / len);
        int rc = load(st, x, st->acc, err);
        size_t j = i + 1;
        for (; rc == 0 && j < st->n && st->e[j].stream == x->stream &&
               (long long)floor(st->e[j].start / len) == idx;
             j++) {
            rc = load(st, &st->e[j], st->tmp, err);
            if (rc == 0 && summary_merge(st->acc, st->tmp) != 0)
                rc = ts_err_set(err, TS_ENOMEM, "out of memory merging an interval");
        }
        if (rc != 0)
            return rc;
        summary_set_span(st->acc, (double)idx * len, (double)idx * len + len);
        if ((rc = fn(ctx, x->stream, idx, st->acc, err)) != 0)
            return rc;
        i = j;
    }
    return 0;
}
