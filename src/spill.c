/* spill.c - an external merge sort of keyed records in fixed memory (see spill.h). */
#include "config.h"

#include "spill.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * On disk a run is a sequence of records, each
 *
 *   +--------+--------+---------------+
 *   | key    | len    | len bytes     |
 *   | u64    | u32    |               |
 *   +--------+--------+---------------+
 *
 * in the host's byte order (the files never outlive the process). Runs live
 * in one file per level: a level-0 run is a sorted buffer; SPILL_FANIN runs
 * of a level merge into one run of the next level, and the level's file is
 * truncated for reuse. Older records are always in higher levels, and
 * within a level in earlier runs, which is what keeps the sort stable.
 */
#define HDR 12u
#define LEVELS 16
#define WBUF (64u * 1024)

struct ent {
    uint64_t key;
    uint64_t seq;
    size_t off;
    uint32_t len;
};

struct run {
    uint64_t off, len;
};

struct level {
    int fd; /* -1 until first used */
    uint64_t size;
    unsigned n;
    struct run runs[SPILL_FANIN];
};

/* One input of a merge: a run on disk read through a buffer, or the sorted
 * buffer in memory. */
struct src {
    bool mem;
    int fd;
    uint64_t pos, end; /* file offsets still to read */
    uint8_t *buf;
    size_t have, at; /* bytes in buf, offset of the current record */
    size_t mi;       /* memory source: index into the sorted entries */
    bool live;
    uint64_t key;
    const uint8_t *rec;
    uint32_t len;
};

struct spill {
    uint8_t *arena;
    size_t arena_cap, arena_used;
    struct ent *idx;
    size_t idx_cap, n;
    uint64_t seq;
    struct level lv[LEVELS];
    uint64_t count, disk;
    /* writing a run */
    uint8_t *wbuf;
    size_t wlen;
    /* reading */
    bool reading;
    uint8_t *rbufs; /* SPILL_FANIN buffers of SPILL_READ_BUF */
    struct src src[SPILL_FANIN];
    unsigned nsrc;
    int pending; /* source whose record was last returned, to advance; -1 none */
};

const char *ts_tmpdir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

static int tmp_fd(struct ts_err *err)
{
    const char *dir = ts_tmpdir();
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/trace-summary-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return ts_err_set(err, TS_EIO, "temporary directory name too long: '%s'", dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return ts_err_errno(err, TS_EIO, errno, "cannot create a temporary file in '%s'", dir);
    unlink(path);
    return fd;
}

FILE *ts_tmpfile(struct ts_err *err)
{
    int fd = tmp_fd(err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w+");
    if (f == NULL) {
        ts_err_errno(err, TS_EIO, errno, "cannot open a temporary file in '%s'", ts_tmpdir());
        close(fd);
    }
    return f;
}

struct spill *spill_new(size_t mem, struct ts_err *err)
{
    if (mem < SPILL_MEM_MIN)
        mem = SPILL_MEM_MIN;
    struct spill *s = calloc(1, sizeof *s);
    if (s == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory for the spill buffer");
        return NULL;
    }
    /* three quarters for record bytes, a quarter for their index */
    s->arena_cap = mem / 4 * 3;
    s->idx_cap = (mem - s->arena_cap) / sizeof(struct ent);
    s->arena = malloc(s->arena_cap);
    s->idx = malloc(s->idx_cap * sizeof *s->idx);
    if (s->arena == NULL || s->idx == NULL) {
        spill_free(s);
        ts_err_set(err, TS_ENOMEM, "out of memory for the spill buffer");
        return NULL;
    }
    for (int i = 0; i < LEVELS; i++)
        s->lv[i].fd = -1;
    s->pending = -1;
    return s;
}

void spill_free(struct spill *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < LEVELS; i++)
        if (s->lv[i].fd >= 0)
            close(s->lv[i].fd);
    free(s->arena);
    free(s->idx);
    free(s->wbuf);
    free(s->rbufs);
    free(s);
}

uint64_t spill_count(const struct spill *s)
{
    return s->count;
}

uint64_t spill_disk_bytes(const struct spill *s)
{
    return s->disk;
}

/* ---- writing runs -------------------------------------------------------- */

static int write_all(int fd, uint64_t off, const uint8_t *p, size_t n, struct ts_err *err)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ts_err_errno(err, TS_EIO, w < 0 ? errno : ENOSPC,
                                "cannot write a temporary file in '%s'", ts_tmpdir());
        p += w;
        off += (uint64_t)w;
        n -= (size_t)w;
    }
    return 0;
}

/* Appends to the run being written at the end of level l's file. */
static int run_put(struct spill *s, struct level *l, uint64_t key, const void *rec, uint32_t len,
                   struct ts_err *err)
{
    if (s->wlen + HDR + len > WBUF) {
        if (write_all(l->fd, l->size, s->wbuf, s->wlen, err) < 0)
            return TS_EIO;
        l->size += s->wlen;
        s->disk += s->wlen;
        s->wlen = 0;
    }
    memcpy(s->wbuf + s->wlen, &key, 8);
    memcpy(s->wbuf + s->wlen + 8, &len, 4);
    memcpy(s->wbuf + s->wlen + HDR, rec, len);
    s->wlen += HDR + len;
    return 0;
}

static int run_begin(struct spill *s, struct level *l, uint64_t *start, struct ts_err *err)
{
    if (l->fd < 0 && (l->fd = tmp_fd(err)) < 0)
        return TS_EIO;
    if (s->wbuf == NULL && (s->wbuf = malloc(WBUF)) == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory for the spill buffer");
    s->wlen = 0;
    *start = l->size;
    return 0;
}

static int run_end(struct spill *s, struct level *l, uint64_t start, struct ts_err *err)
{
    if (s->wlen > 0) {
        if (write_all(l->fd, l->size, s->wbuf, s->wlen, err) < 0)
            return TS_EIO;
        l->size += s->wlen;
        s->disk += s->wlen;
        s->wlen = 0;
    }
    l->runs[l->n].off = start;
    l->runs[l->n].len = l->size - start;
    l->n++;
    return 0;
}

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- merging ------------------------------------------------------------- */

static int src_refill(struct src *c, struct ts_err *err)
{
    size_t tail = c->have - c->at;
    memmove(c->buf, c->buf + c->at, tail);
    c->have = tail;
    c->at = 0;
    while (c->pos < c->end && c->have < SPILL_READ_BUF) {
        size_t want = SPILL_READ_BUF - c->have;
        if ((uint64_t)want > c->end - c->pos)
            want = (size_t)(c->end - c->pos);
        ssize_t r = pread(c->fd, c->buf + c->have, want, (off_t)c->pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return ts_err_errno(err, TS_EIO, r < 0 ? errno : EIO,
                                "cannot read a temporary file in '%s'", ts_tmpdir());
        c->have += (size_t)r;
        c->pos += (uint64_t)r;
    }
    return 0;
}

/* Makes the record at c->at current, reading more of the run as needed. */
static int src_load(struct src *c, struct ts_err *err)
{
    for (;;) {
        size_t avail = c->have - c->at;
        if (avail >= HDR) {
            uint32_t len;
            memcpy(&len, c->buf + c->at + 8, 4);
            if (len > SPILL_REC_MAX)
                return ts_err_set(err, TS_EIO, "a temporary file in '%s' was changed",
                                  ts_tmpdir());
            if (avail >= HDR + (size_t)len) {
                memcpy(&c->key, c->buf + c->at, 8);
                c->len = len;
                c->rec = c->buf + c->at + HDR;
                c->live = true;
                return 0;
            }
        }
        if (c->pos >= c->end) {
            c->live = false;
            if (avail == 0)
                return 0;
            return ts_err_set(err, TS_EIO, "a temporary file in '%s' was cut short", ts_tmpdir());
        }
        int rc = src_refill(c, err);
        if (rc != 0)
            return rc;
    }
}

/* Makes the source's first record current. */
static int src_first(struct spill *s, struct src *c, struct ts_err *err)
{
    if (c->mem) {
        c->live = c->mi < s->n;
        if (c->live) {
            const struct ent *e = &s->idx[c->mi];
            c->key = e->key;
            c->rec = s->arena + e->off;
            c->len = e->len;
        }
        return 0;
    }
    c->have = c->at = 0;
    c->len = 0;
    return src_load(c, err);
}

static int src_advance(struct spill *s, struct src *c, struct ts_err *err)
{
    if (c->mem) {
        c->mi++;
        return src_first(s, c, err);
    }
    c->at += HDR + c->len;
    c->len = 0;
    return src_load(c, err);
}

/* The live source with the smallest key; ties go to the older source (the
 * lower index: sources are set up oldest first). -1 when all are done. */
static int src_min(const struct src *c, unsigned n)
{
    int best = -1;
    for (unsigned i = 0; i < n; i++)
        if (c[i].live && (best < 0 || c[i].key < c[best].key))
            best = (int)i;
    return best;
}

static int rbufs_ready(struct spill *s, struct ts_err *err)
{
    if (s->rbufs == NULL && (s->rbufs = malloc((size_t)SPILL_FANIN * SPILL_READ_BUF)) == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory for the spill buffers");
    return 0;
}

static void src_disk(struct spill *s, unsigned i, int fd, const struct run *r)
{
    struct src *c = &s->src[i];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->pos = r->off;
    c->end = r->off + r->len;
    c->buf = s->rbufs + (size_t)i * SPILL_READ_BUF;
}

/* Merges every run of level l into one new run at the end of level l + 1
 * (whose runs are all older), then empties level l. */
static int merge_level(struct spill *s, int l, struct ts_err *err)
{
    if (l + 1 >= LEVELS)
        return ts_err_set(err, TS_ENOMEM, "too many records to spill");
    struct level *from = &s->lv[l], *to = &s->lv[l + 1];
    int rc = rbufs_ready(s, err);
    for (unsigned i = 0; rc == 0 && i < from->n; i++) {
        src_disk(s, i, from->fd, &from->runs[i]);
        rc = src_first(s, &s->src[i], err);
    }
    uint64_t start = 0;
    if (rc == 0)
        rc = run_begin(s, to, &start, err);
    for (int m; rc == 0 && (m = src_min(s->src, from->n)) >= 0;) {
        struct src *c = &s->src[m];
        rc = run_put(s, to, c->key, c->rec, c->len, err);
        if (rc == 0)
            rc = src_advance(s, c, err);
    }
    if (rc == 0)
        rc = run_end(s, to, start, err);
    if (rc != 0)
        return rc;
    if (ftruncate(from->fd, 0) != 0)
        return ts_err_errno(err, TS_EIO, errno, "cannot truncate a temporary file in '%s'",
                            ts_tmpdir());
    from->size = 0;
    from->n = 0;
    if (to->n == SPILL_FANIN)
        return merge_level(s, l + 1, err);
    return 0;
}

/* Writes the buffer, sorted, as a run of level 0. */
static int flush_buffer(struct spill *s, struct ts_err *err)
{
    qsort(s->idx, s->n, sizeof *s->idx, cmp_ent);
    struct level *l = &s->lv[0];
    uint64_t start = 0;
    int rc = run_begin(s, l, &start, err);
    for (size_t i = 0; rc == 0 && i < s->n; i++)
        rc = run_put(s, l, s->idx[i].key, s->arena + s->idx[i].off, s->idx[i].len, err);
    if (rc == 0)
        rc = run_end(s, l, start, err);
    if (rc != 0)
        return rc;
    s->n = 0;
    s->arena_used = 0;
    if (l->n == SPILL_FANIN)
        return merge_level(s, 0, err);
    return 0;
}

int spill_put(struct spill *s, uint64_t key, const void *rec, size_t len, struct ts_err *err)
{
    if (s->reading)
        return ts_err_set(err, TS_EUSAGE, "spill_put after spill_rewind");
    if (len > SPILL_REC_MAX)
        return ts_err_set(err, TS_ERANGE, "a spilled record of %zu bytes is too long", len);
    if (s->n == s->idx_cap || s->arena_cap - s->arena_used < len) {
        int rc = flush_buffer(s, err);
        if (rc != 0)
            return rc;
    }
    struct ent *e = &s->idx[s->n++];
    e->key = key;
    e->seq = s->seq++;
    e->off = s->arena_used;
    e->len = (uint32_t)len;
    if (len > 0)
        memcpy(s->arena + s->arena_used, rec, len);
    s->arena_used += len;
    s->count++;
    return 0;
}

static unsigned disk_runs(const struct spill *s)
{
    unsigned t = 0;
    for (int l = 0; l < LEVELS; l++)
        t += s->lv[l].n;
    return t;
}

int spill_rewind(struct spill *s, struct ts_err *err)
{
    if (s->reading)
        return ts_err_set(err, TS_EUSAGE, "spill_rewind called twice");
    s->reading = true;
    qsort(s->idx, s->n, sizeof *s->idx, cmp_ent);
    /* at most SPILL_FANIN - 1 disk runs, so that the buffer joins them */
    for (int l = 0; l < LEVELS - 1 && disk_runs(s) > SPILL_FANIN - 1; l++)
        if (s->lv[l].n > 0) {
            int rc = merge_level(s, l, err);
            if (rc != 0)
                return rc;
        }
    int rc = disk_runs(s) ? rbufs_ready(s, err) : 0;
    if (rc != 0)
        return rc;
    unsigned k = 0;
    for (int l = LEVELS - 1; l >= 0; l--)
        for (unsigned i = 0; i < s->lv[l].n; i++)
            src_disk(s, k++, s->lv[l].fd, &s->lv[l].runs[i]);
    memset(&s->src[k], 0, sizeof s->src[k]);
    s->src[k].mem = true;
    k++;
    s->nsrc = k;
    for (unsigned i = 0; i < k; i++)
        if ((rc = src_first(s, &s->src[i], err)) != 0)
            return rc;
    s->pending = -1;
    return 0;
}

static int settle(struct spill *s, struct ts_err *err)
{
    if (!s->reading)
        return ts_err_set(err, TS_EUSAGE, "spill read before spill_rewind");
    if (s->pending >= 0) {
        int rc = src_advance(s, &s->src[s->pending], err);
        s->pending = -1;
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The source holding the next record in key order, after advancing the
 * one last returned: its index, -1 at the end, or a negative code in *rc. */
static int current(struct spill *s, int *rc, struct ts_err *err)
{
    *rc = settle(s, err);
    return *rc != 0 ? -1 : src_min(s->src, s->nsrc);
}

int spill_peek(struct spill *s, uint64_t *key, struct ts_err *err)
{
    int rc, m = current(s, &rc, err);
    if (m < 0)
        return rc;
    *key = s->src[m].key;
    return 1;
}

int spill_next(struct spill *s, uint64_t *key, const void **rec, size_t *len, struct ts_err *err)
{
    int rc, m = current(s, &rc, err);
    if (m < 0)
        return rc;
    *key = s->src[m].key;
    *rec = s->src[m].rec;
    *len = s->src[m].len;
    s->pending = m;
    return 1;
}
