/*
 * input.c - byte streams from a file or stdin, plain or gzip, and a bounded
 * line reader.
 *
 * Reads go straight from the file descriptor into large buffers (256 KiB);
 * there is no stdio and no allocation after the open. A gzip stream is
 * recognised by its first two bytes (1f 8b) and inflated with zlib; when a
 * member ends and more input follows, the inflater is reset and the next
 * member continues the same stream (rotated logs concatenated with cat).
 *
 * Errors are sticky: the bytes decoded before a corrupt or truncated gzip
 * stream are delivered first, and the error is returned by the next read
 * (and by every read after it).
 *
 * Threading: for a gzip regular file a second thread inflates ahead into a
 * bounded ring of RING_SLOTS buffers of SLOT_SIZE bytes while the caller
 * parses (memory: 1 MiB more per input). The thread owns the zlib state
 * and the raw buffer; the reader only takes filled slots in order, so the
 * bytes and the errors arrive exactly as without the thread. Pipes (stdin)
 * are inflated in the caller's thread: a producer blocked in read() on a
 * pipe could not be stopped by ts_input_close.
 */
#include "config.h"

#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define INPUT_RAW_SIZE (256u * 1024u)
#define LINES_CHUNK (256u * 1024u)
#define RING_SLOTS 4
#define SLOT_SIZE (256u * 1024u)

/* One buffer of decompressed bytes handed from the inflate thread to the
 * reader. A slot ends the stream when eof or err is set. */
struct ring_slot {
    unsigned char *data;
    size_t len;
    uint64_t raw_off; /* file bytes read when the slot was filled */
    bool eof;
    int err;
    struct ts_err e;
};

struct ts_input {
    bool lowmem;    /* TS_INPUT_LOWMEM: small buffers, no inflate thread */
    size_t raw_cap; /* size of raw */
    int fd;
    bool own_fd;
    bool gzip;
    bool zinit;     /* zs initialised */
    bool raw_eof;   /* read() returned 0 */
    bool in_member; /* inside a gzip member (not between members) */
    char *name;
    unsigned char *raw; /* compressed (or leading plain) bytes */
    size_t raw_pos, raw_len;
    z_stream zs;
    uint64_t raw_off; /* bytes read from the file */
    uint64_t zin_off; /* compressed bytes consumed by inflate */
    uint64_t out_off; /* decompressed bytes delivered */
    uint64_t size;
    struct ts_err err; /* first error; code TS_OK when none */
    int zpend;         /* inflate error held back behind good bytes */
    struct ts_err zpend_err;

    /* Inflate thread (gzip regular files only): the producer owns zs, raw
     * and the raw counters; the reader takes filled slots in order. */
    bool threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t nonempty, nonfull;
    struct ring_slot ring[RING_SLOTS];
    unsigned head, count; /* under mu */
    bool stop;            /* under mu */
    size_t cpos;          /* reader's position in ring[head] */
    uint64_t raw_seen;    /* raw_off of the last slot taken */
};

static bool ring_start(struct ts_input *in);
static void ring_stop(struct ts_input *in);


/* Reads more raw bytes into in->raw (after compacting). Returns the count,
 * 0 at end of file, or TS_EIO. */
static ssize_t fill_raw(struct ts_input *in, struct ts_err *err)
{
    if (in->raw_eof)
        return 0;
    if (in->raw_pos > 0) {
        memmove(in->raw, in->raw + in->raw_pos, in->raw_len - in->raw_pos);
        in->raw_len -= in->raw_pos;
        in->raw_pos = 0;
    }
    if (in->raw_len == in->raw_cap)
        return (ssize_t)0;
    for (;;) {
        ssize_t got = read(in->fd, in->raw + in->raw_len, in->raw_cap - in->raw_len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return ts_err_errno(err, TS_EIO, errno, "'%s'", in->name);
        if (got == 0)
            in->raw_eof = true;
        in->raw_len += (size_t)got;
        in->raw_off += (uint64_t)got;
        return got;
    }
}

struct ts_input *ts_input_open(const char *path, struct ts_err *err)
{
    return ts_input_open_flags(path, 0, err);
}

struct ts_input *ts_input_open_flags(const char *path, unsigned flags, struct ts_err *err)
{
    bool is_stdin = path == NULL || strcmp(path, "-") == 0;
    const char *name = is_stdin ? "-" : path;
    int fd = 0;
    if (!is_stdin) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            ts_err_errno(err, TS_EIO, errno, "'%s'", name);
            return NULL;
        }
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ts_err_errno(err, TS_EIO, errno, "'%s'", name);
        if (!is_stdin)
            close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        ts_err_set(err, TS_EIO, "'%s': is a directory", name);
        if (!is_stdin)
            close(fd);
        return NULL;
    }
    struct ts_input *in = calloc(1, sizeof *in);
    size_t nlen = strlen(name);
    if (in != NULL) {
        in->name = malloc(nlen + 1);
        in->lowmem = (flags & TS_INPUT_LOWMEM) != 0;
        in->raw_cap = in->lowmem ? INPUT_RAW_SIZE / 8 : INPUT_RAW_SIZE;
        in->raw = malloc(in->raw_cap);
    }
    if (in == NULL || in->name == NULL || in->raw == NULL) {
        if (in != NULL) {
            free(in->name);
            free(in->raw);
            free(in);
        }
        if (!is_stdin)
            close(fd);
        ts_err_set(err, TS_ENOMEM, "'%s': out of memory", name);
        return NULL;
    }
    memcpy(in->name, name, nlen + 1);
    in->fd = fd;
    in->own_fd = !is_stdin;
    in->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    ts_err_clear(&in->err);

    /* Sniff the magic: read until two bytes are buffered or the end. */
    while (in->raw_len < 2 && !in->raw_eof) {
        if (fill_raw(in, err) < 0) {
            ts_input_close(in);
            return NULL;
        }
    }
    if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
        in->gzip = true;
        memset(&in->zs, 0, sizeof in->zs);
        if (inflateInit2(&in->zs, 15 + 16) != Z_OK) {
            ts_err_set(err, TS_ENOMEM, "'%s': cannot initialise zlib", name);
            ts_input_close(in);
            return NULL;
        }
        in->zinit = true;
        in->in_member = true;
        /* Inflate ahead in a second thread, unless reads could block
         * forever (a pipe), which would make closing early hang. */
        if (S_ISREG(st.st_mode) && !in->lowmem)
            (void)ring_start(in);
    }
    return in;
}

void ts_input_close(struct ts_input *in)
{
    if (in == NULL)
        return;
    if (in->threaded)
        ring_stop(in);
    if (in->zinit)
        inflateEnd(&in->zs);
    if (in->own_fd)
        close(in->fd);
    free(in->name);
    free(in->raw);
    free(in);
}

static ssize_t remember(struct ts_input *in, struct ts_err *err)
{
    if (in->err.code == TS_OK && err != NULL)
        in->err = *err;
    return err != NULL ? err->code : TS_EIO;
}

/* Inflates into buf. Returns bytes produced (> 0), 0 at the clean end, or a
 * negative code. */
static ssize_t inflate_some(struct ts_input *in, unsigned char *buf, size_t n, struct ts_err *err)
{
    size_t produced = 0;
    if (in->zpend != 0) {
        if (err != NULL)
            *err = in->zpend_err;
        return in->zpend;
    }
    if (n > UINT_MAX)
        n = UINT_MAX;
    while (produced == 0) {
        if (in->raw_pos == in->raw_len) {
            ssize_t got = fill_raw(in, err);
            if (got < 0)
                return got;
            if (got == 0 && in->raw_pos == in->raw_len) {
                if (!in->in_member)
                    return 0;
                return ts_err_set(err, TS_EDAMAGED,
                                  "'%s': truncated gzip stream at compressed offset %llu", in->name,
                                  (unsigned long long)in->zin_off);
            }
        }
        if (!in->in_member) {
            /* Between members: more input follows, so start a new one. */
            if (inflateReset(&in->zs) != Z_OK)
                return ts_err_set(err, TS_EDAMAGED, "'%s': cannot reset zlib", in->name);
            in->in_member = true;
        }
        size_t avail = in->raw_len - in->raw_pos;
        in->zs.next_in = in->raw + in->raw_pos;
        in->zs.avail_in = (uInt)(avail > UINT_MAX ? UINT_MAX : avail);
        uInt before_in = in->zs.avail_in;
        in->zs.next_out = buf + produced;
        in->zs.avail_out = (uInt)(n - produced);
        uInt before_out = in->zs.avail_out;
        int rc = inflate(&in->zs, Z_NO_FLUSH);
        size_t used = before_in - in->zs.avail_in;
        in->raw_pos += used;
        in->zin_off += used;
        produced += before_out - in->zs.avail_out;
        if (rc == Z_STREAM_END) {
            in->in_member = false;
        } else if (rc == Z_BUF_ERROR) {
            /* No progress possible: needs more input (handled above). */
            if (used == 0 && in->raw_pos != in->raw_len)
                return ts_err_set(err, TS_EDAMAGED,
                                  "'%s': corrupt gzip stream at compressed offset %llu", in->name,
                                  (unsigned long long)in->zin_off);
        } else if (rc != Z_OK) {
            const char *why = in->zs.msg != NULL ? in->zs.msg : "corrupt data";
            in->zpend = ts_err_set(&in->zpend_err, TS_EDAMAGED,
                                   "'%s': corrupt gzip stream (%s) at compressed offset %llu",
                                   in->name, why, (unsigned long long)in->zin_off);
            if (produced > 0)
                return (ssize_t)produced; /* the error comes next time */
            if (err != NULL)
                *err = in->zpend_err;
            return in->zpend;
        }
    }
    return (ssize_t)produced;
}

/* ---- inflate thread ---------------------------------------------------- */

static void *inflate_thread(void *arg)
{
    struct ts_input *in = arg;
    for (;;) {
        pthread_mutex_lock(&in->mu);
        while (in->count == RING_SLOTS && !in->stop)
            pthread_cond_wait(&in->nonfull, &in->mu);
        bool stop = in->stop;
        struct ring_slot *s = &in->ring[(in->head + in->count) % RING_SLOTS];
        pthread_mutex_unlock(&in->mu);
        if (stop)
            break;
        /* The slot is ours until it is published below. */
        s->len = 0;
        s->eof = false;
        s->err = 0;
        ts_err_clear(&s->e);
        while (s->len < SLOT_SIZE) {
            ssize_t got = inflate_some(in, s->data + s->len, SLOT_SIZE - s->len, &s->e);
            if (got < 0)
                s->err = (int)got;
            else if (got == 0)
                s->eof = true;
            else
                s->len += (size_t)got;
            if (got <= 0)
                break;
        }
        s->raw_off = in->raw_off;
        bool last = s->eof || s->err != 0;
        pthread_mutex_lock(&in->mu);
        in->count++;
        pthread_cond_signal(&in->nonempty);
        pthread_mutex_unlock(&in->mu);
        if (last)
            break;
    }
    return NULL;
}

/* Starts the inflate thread. Returns false (and stays single-threaded) if
 * anything is missing. */
static bool ring_start(struct ts_input *in)
{
    for (unsigned k = 0; k < RING_SLOTS; k++) {
        in->ring[k].data = malloc(SLOT_SIZE);
        if (in->ring[k].data == NULL)
            goto fail;
    }
    if (pthread_mutex_init(&in->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&in->nonempty, NULL) != 0) {
        pthread_mutex_destroy(&in->mu);
        goto fail;
    }
    if (pthread_cond_init(&in->nonfull, NULL) != 0) {
        pthread_cond_destroy(&in->nonempty);
        pthread_mutex_destroy(&in->mu);
        goto fail;
    }
    if (pthread_create(&in->thread, NULL, inflate_thread, in) != 0) {
        pthread_cond_destroy(&in->nonfull);
        pthread_cond_destroy(&in->nonempty);
        pthread_mutex_destroy(&in->mu);
        goto fail;
    }
    in->threaded = true;
    return true;
fail:
    for (unsigned k = 0; k < RING_SLOTS; k++) {
        free(in->ring[k].data);
        in->ring[k].data = NULL;
    }
    return false;
}

static void ring_stop(struct ts_input *in)
{
    pthread_mutex_lock(&in->mu);
    in->stop = true;
    pthread_cond_signal(&in->nonfull);
    pthread_mutex_unlock(&in->mu);
    pthread_join(in->thread, NULL);
    pthread_cond_destroy(&in->nonfull);
    pthread_cond_destroy(&in->nonempty);
    pthread_mutex_destroy(&in->mu);
    for (unsigned k = 0; k < RING_SLOTS; k++)
        free(in->ring[k].data);
    in->threaded = false;
}

/* Copies from the oldest filled slot; releases it when drained. */
static ssize_t ring_read(struct ts_input *in, unsigned char *buf, size_t n, struct ts_err *err)
{
    pthread_mutex_lock(&in->mu);
    while (in->count == 0)
        pthread_cond_wait(&in->nonempty, &in->mu);
    struct ring_slot *s = &in->ring[in->head];
    pthread_mutex_unlock(&in->mu);
    in->raw_seen = s->raw_off;
    if (in->cpos == s->len) {
        /* A drained slot is only kept when it ends the stream. */
        if (s->err != 0) {
            if (err != NULL)
                *err = s->e;
            return s->err;
        }
        return 0;
    }
    size_t k = s->len - in->cpos;
    if (k > n)
        k = n;
    memcpy(buf, s->data + in->cpos, k);
    in->cpos += k;
    if (in->cpos == s->len && !s->eof && s->err == 0) {
        in->cpos = 0;
        pthread_mutex_lock(&in->mu);
        in->head = (in->head + 1) % RING_SLOTS;
        in->count--;
        pthread_cond_signal(&in->nonfull);
        pthread_mutex_unlock(&in->mu);
    }
    return (ssize_t)k;
}

ssize_t ts_input_read(struct ts_input *in, void *buf, size_t n, struct ts_err *err)
{
    struct ts_err local;
    if (err == NULL)
        err = &local;
    if (in->err.code != TS_OK) {
        *err = in->err;
        return in->err.code;
    }
    if (n == 0)
        return 0;
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    ssize_t got;
    if (in->threaded) {
        got = ring_read(in, buf, n, err);
    } else if (in->gzip) {
        got = inflate_some(in, buf, n, err);
    } else if (in->raw_pos < in->raw_len) {
        size_t have = in->raw_len - in->raw_pos;
        if (have > n)
            have = n;
        memcpy(buf, in->raw + in->raw_pos, have);
        in->raw_pos += have;
        got = (ssize_t)have;
    } else if (in->raw_eof) {
        got = 0;
    } else {
        for (;;) {
            got = read(in->fd, buf, n);
            if (got < 0 && errno == EINTR)
                continue;
            break;
        }
        if (got < 0)
            got = ts_err_errno(err, TS_EIO, errno, "'%s'", in->name);
        else if (got == 0)
            in->raw_eof = true;
        else
            in->raw_off += (uint64_t)got;
    }
    if (got < 0)
        return remember(in, err);
    in->out_off += (uint64_t)got;
    return got;
}

const char *ts_input_name(const struct ts_input *in)
{
    return in->name;
}

bool ts_input_has_thread(const struct ts_input *in)
{
    return in->threaded;
}

bool ts_input_is_gzip(const struct ts_input *in)
{
    return in->gzip;
}

uint64_t ts_input_raw_offset(const struct ts_input *in)
{
    if (in->threaded)
        return in->raw_seen;
    return in->raw_off;
}

uint64_t ts_input_size(const struct ts_input *in)
{
    return in->size;
}

uint64_t ts_input_offset(const struct ts_input *in)
{
    return in->out_off;
}

const struct ts_err *ts_input_error(const struct ts_input *in)
{
    return in->err.code != TS_OK ? &in->err : NULL;
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    struct ts_input *in = cookie;
    struct ts_err e;
    ts_err_clear(&e);
    ssize_t got = ts_input_read(in, buf, size, &e);
    if (got < 0) {
        errno = EIO;
        return -1;
    }
    return got;
}

static int cookie_close(void *cookie)
{
    (void)cookie;
    return 0;
}

FILE *ts_input_fopen(struct ts_input *in)
{
    cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
    return fopencookie(in, "rb", io);
}

/* ---- line reader ------------------------------------------------------ */

struct ts_lines {
    struct ts_input *in;
    char *buf;
    size_t cap;        /* bytes in buf (one more is kept for a NUL) */
    size_t start, end; /* unread bytes are buf[start, end) */
    size_t scan;       /* no newline in buf[start, scan) */
    size_t max_line;
    uint64_t lineno;
    bool eof;
    bool unterminated; /* the last line returned had no newline */
    int pending;       /* an input error to return after the buffered lines */
    struct ts_err pending_err;
};

struct ts_lines *ts_lines_new(struct ts_input *in, size_t max_line)
{
    if (max_line == 0 || max_line > SIZE_MAX / 2 - LINES_CHUNK)
        return NULL;
    struct ts_lines *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->cap = max_line + (in->lowmem ? LINES_CHUNK / 4 : LINES_CHUNK);
    l->buf = malloc(l->cap + 1);
    if (l->buf == NULL) {
        free(l);
        return NULL;
    }
    l->in = in;
    l->max_line = max_line;
    return l;
}

void ts_lines_free(struct ts_lines *l)
{
    if (l == NULL)
        return;
    free(l->buf);
    free(l);
}

/* Moves the unread bytes to the front and reads more. Returns bytes read,
 * 0 at the end, or a negative code (remembered as pending). */
static ssize_t lines_fill(struct ts_lines *l)
{
    if (l->start > 0) {
        size_t keep = l->end - l->start;
        memmove(l->buf, l->buf + l->start, keep);
        l->scan -= l->start;
        l->start = 0;
        l->end = keep;
    }
    if (l->eof || l->pending != 0 || l->end == l->cap)
        return 0;
    struct ts_err e;
    ts_err_clear(&e);
    ssize_t got = ts_input_read(l->in, l->buf + l->end, l->cap - l->end, &e);
    if (got < 0) {
        l->pending = (int)got;
        l->pending_err = e;
        return got;
    }
    if (got == 0)
        l->eof = true;
    l->end += (size_t)got;
    return got;
}

int ts_lines_next(struct ts_lines *l, char **line, size_t *len, struct ts_err *err)
{
    *line = NULL; /* set on every return, not only when a line is there */
    *len = 0;
    bool skipping = false;
    size_t skipped = 0;
    for (;;) {
        char *nl = NULL;
        if (l->scan < l->end)
            nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
        if (nl != NULL) {
            size_t pos = (size_t)(nl - l->buf);
            size_t n = pos - l->start;
            char *p = l->buf + l->start;
            l->start = pos + 1;
            l->scan = l->start;
            l->lineno++;
            l->unterminated = false;
            if (skipping || n > l->max_line) {
                *line = NULL;
                *len = skipped + n;
                return TS_LINE_TOO_LONG;
            }
            *nl = '\0';
            *line = p;
            *len = n;
            return 1;
        }
        l->scan = l->end;
        if (l->end - l->start > l->max_line) {
            /* Over-long: drop what we have and keep reading to its end. */
            skipping = true;
            skipped += l->end - l->start;
            l->start = l->scan = l->end = 0;
        }
        if (l->eof || l->pending != 0) {
            if (l->end > l->start || skipping) {
                size_t n = l->end - l->start;
                char *p = l->buf + l->start;
                l->start = l->scan = l->end;
                l->lineno++;
                l->unterminated = true;
                if (skipping || n > l->max_line) {
                    *line = NULL;
                    *len = skipped + n;
                    return TS_LINE_TOO_LONG;
                }
                p[n] = '\0';
                *line = p;
                *len = n;
                return 1;
            }
            if (l->pending != 0) {
                if (err != NULL)
                    *err = l->pending_err;
                return l->pending;
            }
            return 0;
        }
        lines_fill(l);
    }
}

uint64_t ts_lines_lineno(const struct ts_lines *l)
{
    return l->lineno;
}

bool ts_lines_unterminated(const struct ts_lines *l)
{
    return l->unterminated;
}
