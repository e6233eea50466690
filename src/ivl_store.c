/* ivl_store.c - the intervals of a merge, each stored once, merged as parts of it come in. */
#include "config.h"

#include "ivl_store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "spill.h"

/*
 * Each interval summary that comes in is appended, encoded, to a temporary
 * file, and an entry pointing at it goes into a spill (spill.h) keyed by
 * stream and start; nothing is merged on the way in. The replay reads the
 * entries back in key order and merges the parts of each interval as they
 * come. Memory: the spill's buffer and two summaries, whatever the number
 * of intervals or files. Disk: the encodings of every part, plus 48 bytes
 * an entry. Capture counters are entries without an encoding (len 0).
 */
#define STORE_SPILL_MEM ((size_t)1 << 20)
#define START_BIAS (1LL << 58)

struct entry {
    double start;
    uint64_t off; /* of its encoding in the file */
    uint32_t len; /* 0: capture counters only */
    uint32_t stream;
    struct capture_counts cap;
};

struct ivl_store {
    FILE *f;
    uint64_t end; /* bytes written */
    struct spill *idx;
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
    if ((st->idx = spill_new(STORE_SPILL_MEM, err)) == NULL ||
        (st->f = ts_tmpfile(err)) == NULL) {
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
    spill_free(st->idx);
    summary_free(st->acc);
    summary_free(st->tmp);
    bbw_free(&st->w);
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

/* The spill key of an interval part: stream, then start (whole seconds;
 * the starts of one stream's parts are multiples of their lengths). */
static uint64_t key_of(unsigned stream, double start)
{
    double t = floor(start);
    if (!(t > -(double)START_BIAS && t < (double)START_BIAS))
        t = 0;
    return (uint64_t)stream << 60 | (uint64_t)((long long)t + START_BIAS);
}

int ivl_store_put(struct ivl_store *st, unsigned stream, double start, struct summary *s,
                  struct ts_err *err)
{
    struct entry x = {.start = start, .stream = stream};
    int rc = save(st, &x, s, err);
    if (rc != 0)
        return rc;
    return spill_put(st->idx, key_of(stream, start), &x, sizeof x, err);
}

int ivl_store_put_capture(struct ivl_store *st, double start, const struct capture_counts *c,
                          struct ts_err *err)
{
    struct entry x = {.start = start, .stream = 0, .cap = *c};
    return spill_put(st->idx, key_of(0, start), &x, sizeof x, err);
}

/* Adds entry x to the interval being rebuilt: its summary into acc (the
 * first one loaded, the others merged), its counters into cap. */
static int take(struct ivl_store *st, const struct entry *x, bool *loaded,
                struct capture_counts *cap, bool *has_cap, struct ts_err *err)
{
    if (x->len == 0) {
        capture_add(cap, &x->cap);
        *has_cap = true;
        return 0;
    }
    int rc = load(st, x, *loaded ? st->tmp : st->acc, err);
    if (rc != 0)
        return rc;
    if (*loaded && summary_merge(st->acc, st->tmp) != 0)
        return ts_err_set(err, TS_ENOMEM, "out of memory merging an interval");
    *loaded = true;
    return 0;
}

/* The next entry in key order into *x: 1, 0 at the end, or a negative code. */
static int next_entry(struct ivl_store *st, struct entry *x, struct ts_err *err)
{
    uint64_t key = 0;
    const void *rec = NULL;
    size_t len = 0;
    int rc = spill_next(st->idx, &key, &rec, &len, err);
    if (rc <= 0)
        return rc;
    if (len != sizeof *x)
        return ts_err_set(err, TS_EIO, "the temporary file of the intervals changed");
    memcpy(x, rec, sizeof *x);
    return 1;
}

int ivl_store_replay(struct ivl_store *st, long long ilen, ivl_store_fn fn, void *ctx,
                     struct ts_err *err)
{
    if (fflush(st->f) != 0)
        return io_error(err);
    int rc = spill_rewind(st->idx, err);
    if (rc != 0)
        return rc;
    double len = (double)ilen;
    struct entry x, y;
    int got = next_entry(st, &x, err);
    while (got == 1) {
        long long idx = (long long)floor(x.start / len);
        bool loaded = false, has_cap = false;
        struct capture_counts cap = {0, 0, 0};
        if ((rc = take(st, &x, &loaded, &cap, &has_cap, err)) != 0)
            return rc;
        /* the other parts of the same interval follow in key order */
        while ((got = next_entry(st, &y, err)) == 1 && y.stream == x.stream &&
               (long long)floor(y.start / len) == idx)
            if ((rc = take(st, &y, &loaded, &cap, &has_cap, err)) != 0)
                return rc;
        if (!loaded)
            summary_clear(st->acc);
        summary_set_span(st->acc, (double)idx * len, (double)idx * len + len);
        if ((rc = fn(ctx, x.stream, idx, st->acc, has_cap ? &cap : NULL, err)) != 0)
            return rc;
        x = y;
    }
    return got;
}
