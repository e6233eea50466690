/*
 * input.c - the bytes of a file or stdin, decompressed when their magic
 * says gzip or zstd, and a bounded line reader on top.
 *
 * Reads go straight from the file descriptor into large buffers (256 KiB);
 * there is no stdio and no allocation after the open. The first four bytes
 * choose the decoder, never the file name:
 *
 *   1f 8b ...      gzip: ISA-L's isal_inflate (crc_flag ISAL_GZIP parses the
 *                  header and checks the CRC) when configure found it, zlib
 *                  otherwise. When a member ends and more input follows, the
 *                  decoder is reset and the next member continues the same
 *                  stream (rotated logs concatenated with cat).
 *   28 b5 2f fd    zstd frame  } libzstd's streaming decoder, frames one
 *   5? 2a 4d 18    skippable   } after another, skippable frames skipped;
 *                  frame       } a frame whose window exceeds ZSTD_WINDOW_LOG
 *                                is refused, so memory stays bounded.
 *   anything else  passed through.
 *
 * Errors are sticky: the bytes decoded before a corrupt or truncated stream
 * are delivered first, and the error is returned by the next read (and by
 * every read after it). A stream is truncated when the file ends inside a
 * gzip member or a zstd frame and the decoder has nothing left to flush.
 *
 * Threading: for a compressed regular file a second thread decodes ahead
 * into a bounded ring of RING_SLOTS buffers of SLOT_SIZE bytes while the
 * caller parses. The thread owns the decoder and the raw buffer; the
 * reader only takes filled slots in order, so the bytes and the errors
 * arrive exactly as without the thread. The line reader takes a slot's
 * buffer whole and gives its own in exchange, so lines are parsed where
 * the decoder wrote them; only the start of a line that runs into the next
 * slot is copied, into the room before that slot's bytes (10^6 lines from
 * a .gz: 264 -> 227 ms with the choice of threads in main.c). Pipes
 * (stdin) are decoded in the caller's thread: a producer blocked in read()
 * on a pipe could not be stopped by ts_input_close.
 *
 * Memory per input, besides the line reader (max_line + 256 KiB, or + 64
 * KiB with TS_INPUT_LOWMEM; with the ring and lines up to 64 KiB, one
 * buffer like a slot's):
 *
 *   raw buffer        256 KiB (32 KiB with TS_INPUT_LOWMEM)
 *   decode-ahead ring 3 x 320 KiB, compressed regular files without LOWMEM
 *   zlib              about 7 KiB of state + the 32 KiB window
 *   ISA-L             one struct inflate_state, 85 KiB (its output staging
 *                     buffer holds the 32 KiB window twice)
 *   zstd              94 KiB of context + about 384 KiB of block buffers +
 *                     the frame's window: at most 2^ZSTD_WINDOW_LOG = 8 MiB
 *                     (levels up to 19), 2 MiB at zstd's default level 3 on
 *                     a large file, 512 KiB at level 1, less when the frame
 *                     says its content is smaller (ZSTD_estimateDStreamSize:
 *                     2.5 MiB in all for a 2 MiB window)
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
#include <zstd.h>
#include <zstd_errors.h>
#if HAVE_ISAL
#include <isa-l.h>
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#define STR_(x) #x
#define STR(x) STR_(x)
#if HAVE_ISAL
#define GZIP_DECODER                                                                               \
    "ISA-L " STR(ISAL_MAJOR_VERSION) "." STR(ISAL_MINOR_VERSION) "." STR(ISAL_PATCH_VERSION)
#else
#define GZIP_DECODER "zlib " ZLIB_VERSION
#endif

#define INPUT_RAW_SIZE (256u * 1024u)
#define LINES_CHUNK (256u * 1024u)
#define RING_SLOTS 3
/* A decoder that found the ring full sleeps until no more than this many
 * slots are filled: one wake-up for every two slots read, not for each.
 * 10^6 lines from a .gz: 413 -> 103 context switches; the time is within
 * the noise (30 runs: .gz 235 / 237 ms, .zst 252 / 243 ms). */
#define RING_LOW 1
#define SLOT_SIZE (256u * 1024u)
/* Room before a slot's bytes: the line reader puts the start of a line
 * that began in the slot before there (lines up to this long). */
#define SLOT_HEAD (64u * 1024u)
#define SLOT_ALLOC (SLOT_HEAD + SLOT_SIZE + 1u) /* + a NUL after the bytes */
/* The largest zstd window accepted, as a power of two: 8 MiB covers every
 * level up to 19 (levels 20-22 and --long need more). */
#define ZSTD_WINDOW_LOG 23

enum codec { CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD };

/* What one decoder step did. */
enum step {
    STEP_MORE,   /* inside a member or frame: more input or output space */
    STEP_END,    /* a gzip member or zstd frame ended, all of it delivered */
    STEP_BAD,    /* corrupt data (why says how) */
    STEP_WINDOW, /* a zstd frame needs more than the window limit */
};

/* One buffer of decompressed bytes handed from the decode thread to the
 * reader. A slot ends the stream when eof or err is set. */
struct ring_slot {
    unsigned char *data; /* SLOT_HEAD bytes into a buffer of SLOT_ALLOC */
    size_t len;
    uint64_t raw_off; /* file bytes read when the slot was filled */
    bool eof;
    int err;
    struct ts_err e;
};

struct ts_input {
    bool lowmem;    /* TS_INPUT_LOWMEM: small buffers, no decode thread */
    size_t raw_cap; /* size of raw */
    int fd;
    bool own_fd;
    enum codec codec;
    bool raw_eof;   /* read() returned 0 */
    bool in_member; /* inside a gzip member or zstd frame */
    char *name;
    unsigned char *raw; /* compressed (or leading plain) bytes */
    size_t raw_pos, raw_len;
#if HAVE_ISAL
    struct inflate_state *isal;
    bool gz_fresh; /* no byte of the member given to isal_inflate yet */
#else
    bool zinit; /* zs initialised */
    z_stream zs;
#endif
    ZSTD_DCtx *zd;
    uint64_t raw_off; /* bytes read from the file */
    uint64_t zin_off; /* compressed bytes consumed by the decoder */
    uint64_t dec_out; /* bytes decoded */
    uint64_t size;
    struct ts_err err; /* first error; code TS_OK when none */
    int zpend;         /* decoder error held back behind good bytes */
    struct ts_err zpend_err;

    /* Decode thread (compressed regular files only): the producer owns the
     * decoder, raw and the raw counters; the reader takes filled slots in
     * order. */
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

/* ---- gzip ---------------------------------------------------------------- */

#if HAVE_ISAL
static bool gz_init(struct ts_input *in)
{
    in->isal = malloc(sizeof *in->isal);
    if (in->isal == NULL)
        return false;
    isal_inflate_init(in->isal);
    in->isal->crc_flag = ISAL_GZIP;
    in->gz_fresh = true;
    return true;
}

static void gz_end(struct ts_input *in)
{
    free(in->isal);
}

static bool gz_restart(struct ts_input *in)
{
    isal_inflate_reset(in->isal);
    in->isal->crc_flag = ISAL_GZIP;
    in->gz_fresh = true;
    return true;
}

/* The words zlib uses for the same faults, so that messages do not depend
 * on the build. */
static const char *isal_why(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK:
        return "invalid block";
    case ISAL_INVALID_SYMBOL:
        return "invalid code";
    case ISAL_INVALID_LOOKBACK:
        return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
        return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD:
        return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
        return "incorrect data check";
    default:
        return "corrupt data";
    }
}

static enum step gz_step(struct ts_input *in, unsigned char *src, size_t srclen, size_t *used,
                         unsigned char *dst, size_t dstlen, size_t *made, const char **why)
{
    struct inflate_state *s = in->isal;
    if (in->gz_fresh) {
        /* isal_inflate judges a header once it has all of it; zlib looks at
         * the magic first, and so do we, so that bytes after the last
         * member give the same message with both. */
        *used = *made = 0;
        if (srclen < 2)
            return STEP_MORE; /* more input, or the end: truncated */
        if (src[0] != 0x1f || src[1] != 0x8b) {
            *why = "incorrect header check";
            return STEP_BAD;
        }
        in->gz_fresh = false;
    }
    uint32_t in_len = srclen > UINT32_MAX ? UINT32_MAX : (uint32_t)srclen;
    uint32_t out_len = dstlen > UINT32_MAX ? UINT32_MAX : (uint32_t)dstlen;
    s->next_in = src;
    s->avail_in = in_len;
    s->next_out = dst;
    s->avail_out = out_len;
    int rc = isal_inflate(s);
    *used = in_len - s->avail_in;
    *made = out_len - s->avail_out;
    if (rc < 0 || rc == ISAL_NEED_DICT) {
        *why = isal_why(rc);
        return STEP_BAD;
    }
    return s->block_state == ISAL_BLOCK_FINISH ? STEP_END : STEP_MORE;
}
#else
static bool gz_init(struct ts_input *in)
{
    memset(&in->zs, 0, sizeof in->zs);
    in->zinit = inflateInit2(&in->zs, 15 + 16) == Z_OK;
    return in->zinit;
}

static void gz_end(struct ts_input *in)
{
    if (in->zinit)
        inflateEnd(&in->zs);
}

static bool gz_restart(struct ts_input *in)
{
    return inflateReset(&in->zs) == Z_OK;
}

static enum step gz_step(struct ts_input *in, unsigned char *src, size_t srclen, size_t *used,
                         unsigned char *dst, size_t dstlen, size_t *made, const char **why)
{
    uInt in_len = srclen > UINT_MAX ? UINT_MAX : (uInt)srclen;
    uInt out_len = dstlen > UINT_MAX ? UINT_MAX : (uInt)dstlen;
    in->zs.next_in = src;
    in->zs.avail_in = in_len;
    in->zs.next_out = dst;
    in->zs.avail_out = out_len;
    int rc = inflate(&in->zs, Z_NO_FLUSH);
    *used = in_len - in->zs.avail_in;
    *made = out_len - in->zs.avail_out;
    if (rc == Z_STREAM_END)
        return STEP_END;
    if (rc == Z_OK || rc == Z_BUF_ERROR) /* Z_BUF_ERROR: no progress possible */
        return STEP_MORE;
    *why = in->zs.msg != NULL ? in->zs.msg : "corrupt data";
    return STEP_BAD;
}
#endif

/* ---- zstd ---------------------------------------------------------------- */

static bool zst_init(struct ts_input *in)
{
    in->zd = ZSTD_createDCtx();
    if (in->zd == NULL)
        return false;
    return !ZSTD_isError(ZSTD_DCtx_setParameter(in->zd, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG));
}

/* After a frame the context starts the next one by itself. */
static enum step zst_step(struct ts_input *in, unsigned char *src, size_t srclen, size_t *used,
                          unsigned char *dst, size_t dstlen, size_t *made, const char **why)
{
    ZSTD_inBuffer ib = {src, srclen, 0};
    ZSTD_outBuffer ob = {dst, dstlen, 0};
    size_t rc = ZSTD_decompressStream(in->zd, &ob, &ib);
    *used = ib.pos;
    *made = ob.pos;
    if (ZSTD_isError(rc)) {
        if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
            return STEP_WINDOW;
        *why = ZSTD_getErrorName(rc);
        return STEP_BAD;
    }
    return rc == 0 ? STEP_END : STEP_MORE;
}

/* ---- the stream ---------------------------------------------------------- */

static const char *codec_name(const struct ts_input *in)
{
    return in->codec == CODEC_ZSTD ? "zstd" : "gzip";
}

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

/* The decoder the magic asks for (the first four bytes, fewer in a short
 * file). */
static enum codec sniff(const unsigned char *m, size_t n)
{
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        return CODEC_GZIP;
    if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return CODEC_ZSTD;
    if (n >= 4 && (m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18)
        return CODEC_ZSTD;
    return CODEC_PLAIN;
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

    /* Sniff the magic: read until four bytes are buffered or the end. */
    while (in->raw_len < 4 && !in->raw_eof) {
        if (fill_raw(in, err) < 0) {
            ts_input_close(in);
            return NULL;
        }
    }
    in->codec = sniff(in->raw, in->raw_len);
    if (in->codec != CODEC_PLAIN) {
        bool ok = in->codec == CODEC_GZIP ? gz_init(in) : zst_init(in);
        if (!ok) {
            ts_err_set(err, TS_ENOMEM, "'%s': cannot initialise the %s decoder", name,
                       codec_name(in));
            ts_input_close(in);
            return NULL;
        }
        in->in_member = true;
        /* Decode ahead in a second thread, unless reads could block
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
    if (in->codec == CODEC_GZIP)
        gz_end(in);
    ZSTD_freeDCtx(in->zd);
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

/* Holds back the error that ends the stream; returns it at once when no
 * bytes were decoded before it in this call. */
static ssize_t held_back(struct ts_input *in, size_t produced, struct ts_err *err)
{
    if (produced > 0)
        return (ssize_t)produced; /* the error comes next time */
    if (err != NULL)
        *err = in->zpend_err;
    return in->zpend;
}

static ssize_t truncated(const struct ts_input *in, struct ts_err *err)
{
    return ts_err_set(err, TS_EDAMAGED, "'%s': truncated %s stream at compressed offset %llu",
                      in->name, codec_name(in), (unsigned long long)in->zin_off);
}

/* Decodes into buf. Returns bytes produced (> 0), 0 at the clean end, or a
 * negative code. */
static ssize_t decode_some(struct ts_input *in, unsigned char *buf, size_t n, struct ts_err *err)
{
    size_t produced = 0;
    if (in->zpend != 0)
        return held_back(in, 0, err);
    while (produced == 0) {
        bool at_end = false;
        if (in->raw_pos == in->raw_len) {
            ssize_t got = fill_raw(in, err);
            if (got < 0)
                return got;
            if (got == 0 && in->raw_pos == in->raw_len) {
                if (!in->in_member)
                    return 0;
                at_end = true; /* one more step flushes what the decoder holds */
            }
        }
        if (!in->in_member) {
            /* Between members: more input follows, so start a new one. */
            if (in->codec == CODEC_GZIP && !gz_restart(in))
                return ts_err_set(err, TS_EDAMAGED, "'%s': cannot reset the gzip decoder",
                                  in->name);
            in->in_member = true;
        }
        size_t used = 0, made = 0;
        const char *why = "corrupt data";
        unsigned char *src = in->raw + in->raw_pos;
        size_t avail = in->raw_len - in->raw_pos;
        enum step st = in->codec == CODEC_GZIP
                           ? gz_step(in, src, avail, &used, buf, n, &made, &why)
                           : zst_step(in, src, avail, &used, buf, n, &made, &why);
        in->raw_pos += used;
        in->zin_off += used;
        in->dec_out += made;
        produced += made;
        if (st == STEP_END) {
            in->in_member = false;
        } else if (st == STEP_WINDOW) {
            /* Refused before a byte is out: not a file this reader takes. */
            in->zpend = ts_err_set(&in->zpend_err, in->dec_out == 0 ? TS_EFORMAT : TS_EDAMAGED,
                                   "'%s': zstd frame needs a window larger than the limit of "
                                   "%u MiB, at compressed offset %llu (recompress without "
                                   "--long or --ultra)",
                                   in->name, (1u << ZSTD_WINDOW_LOG) >> 20,
                                   (unsigned long long)in->zin_off);
            return held_back(in, produced, err);
        } else if (st == STEP_BAD) {
            in->zpend = ts_err_set(&in->zpend_err, TS_EDAMAGED,
                                   "'%s': corrupt %s stream (%s) at compressed offset %llu",
                                   in->name, codec_name(in), why, (unsigned long long)in->zin_off);
            return held_back(in, produced, err);
        } else if (used == 0 && made == 0) {
            if (at_end)
                return truncated(in, err);
            if (in->raw_pos != in->raw_len && in->raw_len == in->raw_cap)
                return ts_err_set(err, TS_EDAMAGED,
                                  "'%s': corrupt %s stream at compressed offset %llu", in->name,
                                  codec_name(in), (unsigned long long)in->zin_off);
            /* Otherwise the decoder wants more input than is buffered. */
            if (in->raw_pos != in->raw_len) {
                ssize_t got = fill_raw(in, err);
                if (got < 0)
                    return got;
                if (got == 0)
                    return truncated(in, err);
            }
        }
    }
    return (ssize_t)produced;
}

/* ---- decode thread ------------------------------------------------------ */

static void *decode_thread(void *arg)
{
    struct ts_input *in = arg;
    for (;;) {
        pthread_mutex_lock(&in->mu);
        if (in->count == RING_SLOTS)
            while (in->count > RING_LOW && !in->stop)
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
            ssize_t got = decode_some(in, s->data + s->len, SLOT_SIZE - s->len, &s->e);
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

/* Starts the decode thread. Returns false (and stays single-threaded) if
 * anything is missing. */
static bool ring_start(struct ts_input *in)
{
    for (unsigned k = 0; k < RING_SLOTS; k++) {
        unsigned char *b = malloc(SLOT_ALLOC);
        if (b == NULL)
            goto fail;
        in->ring[k].data = b + SLOT_HEAD;
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
    if (pthread_create(&in->thread, NULL, decode_thread, in) != 0) {
        pthread_cond_destroy(&in->nonfull);
        pthread_cond_destroy(&in->nonempty);
        pthread_mutex_destroy(&in->mu);
        goto fail;
    }
    in->threaded = true;
    return true;
fail:
    for (unsigned k = 0; k < RING_SLOTS; k++) {
        if (in->ring[k].data != NULL)
            free(in->ring[k].data - SLOT_HEAD);
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
        free(in->ring[k].data - SLOT_HEAD);
    in->threaded = false;
}

/* The oldest filled slot, waited for. */
static struct ring_slot *ring_head(struct ts_input *in)
{
    pthread_mutex_lock(&in->mu);
    while (in->count == 0)
        pthread_cond_wait(&in->nonempty, &in->mu);
    struct ring_slot *s = &in->ring[in->head];
    pthread_mutex_unlock(&in->mu);
    in->raw_seen = s->raw_off;
    return s;
}

/* What a drained slot says: a drained slot is only kept when it ends the
 * stream. */
static ssize_t ring_end(const struct ring_slot *s, struct ts_err *err)
{
    if (s->err != 0) {
        if (err != NULL)
            *err = s->e;
        return s->err;
    }
    return 0;
}

/* Hands the drained head slot back to the decoder, unless it ends the
 * stream. */
static void ring_release(struct ts_input *in, const struct ring_slot *s)
{
    if (in->cpos != s->len || s->eof || s->err != 0)
        return;
    in->cpos = 0;
    pthread_mutex_lock(&in->mu);
    in->head = (in->head + 1) % RING_SLOTS;
    if (--in->count == RING_LOW)
        pthread_cond_signal(&in->nonfull);
    pthread_mutex_unlock(&in->mu);
}

/* Copies from the oldest filled slot; releases it when drained. */
static ssize_t ring_read(struct ts_input *in, unsigned char *buf, size_t n, struct ts_err *err)
{
    struct ring_slot *s = ring_head(in);
    if (in->cpos == s->len)
        return ring_end(s, err);
    size_t k = s->len - in->cpos;
    if (k > n)
        k = n;
    memcpy(buf, s->data + in->cpos, k);
    in->cpos += k;
    ring_release(in, s);
    return (ssize_t)k;
}

/* Takes the rest of the oldest filled slot without a copy, for the line
 * reader: its buffer *buf (SLOT_ALLOC bytes, from a slot or made alike)
 * goes to the ring in the slot's place and the slot's buffer becomes the
 * reader's. The keep bytes at *at, the start of a line that is not
 * complete yet (keep <= SLOT_HEAD), are put right before the slot's
 * bytes first. Sets *at to them and returns the bytes after them, 0 at
 * the end, or a negative code (with *err) as ts_input_read does. */
static ssize_t ring_swap(struct ts_input *in, unsigned char **buf, unsigned char **at, size_t keep,
                         struct ts_err *err)
{
    struct ring_slot *s = ring_head(in);
    if (in->cpos == s->len)
        return ring_end(s, err);
    unsigned char *mine = s->data + in->cpos - keep;
    memmove(mine, *at, keep);
    size_t k = s->len - in->cpos;
    unsigned char *given = *buf;
    *buf = s->data - SLOT_HEAD;
    s->data = given + SLOT_HEAD;
    *at = mine;
    in->cpos = s->len;
    ring_release(in, s);
    return (ssize_t)k;
}

/* The error the stream stopped at, given again to every later read (a
 * failed stream keeps failing the same way), or TS_OK. */
static int sticky_error(const struct ts_input *in, struct ts_err *err)
{
    if (in->err.code != TS_OK)
        *err = in->err;
    return in->err.code;
}

ssize_t ts_input_read(struct ts_input *in, void *buf, size_t n, struct ts_err *err)
{
    struct ts_err local;
    if (err == NULL)
        err = &local;
    if (sticky_error(in, err) != TS_OK)
        return in->err.code;
    if (n == 0)
        return 0;
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    ssize_t got;
    if (in->threaded) {
        got = ring_read(in, buf, n, err);
    } else if (in->codec != CODEC_PLAIN) {
        got = decode_some(in, buf, n, err);
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
    return got;
}

/* ring_swap for the line reader, with ts_input_read's sticky errors. */
static ssize_t input_swap(struct ts_input *in, unsigned char **buf, unsigned char **at, size_t keep,
                          struct ts_err *err)
{
    if (sticky_error(in, err) != TS_OK)
        return in->err.code;
    ssize_t got = ring_swap(in, buf, at, keep, err);
    if (got < 0)
        return remember(in, err);
    return got;
}

ssize_t ts_input_read_full(struct ts_input *in, void *buf, size_t n, struct ts_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = ts_input_read(in, (unsigned char *)buf + got, n - got, err);
        if (k < 0)
            return k;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

const char *ts_input_name(const struct ts_input *in)
{
    return in->name;
}

bool ts_input_has_thread(const struct ts_input *in)
{
    return in->threaded;
}

bool ts_input_probe_thread(const char *path, unsigned flags)
{
    if (strcmp(path, "-") == 0 || (flags & TS_INPUT_LOWMEM))
        return false;
    /* not opened unless regular: opening a named pipe and closing it again
     * would make its writer fail */
    struct stat pst;
    if (stat(path, &pst) != 0 || !S_ISREG(pst.st_mode))
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    unsigned char m[4];
    ssize_t n = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        n = read(fd, m, sizeof m);
    close(fd);
    /* the conditions under which ts_input_open_flags starts ring_start */
    return n > 0 && sniff(m, (size_t)n) != CODEC_PLAIN;
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

/* ---- line reader ------------------------------------------------------ */

struct ts_lines {
    struct ts_input *in;
    char *buf;
    /* With a decode thread (and lines up to SLOT_HEAD), buf points into
     * a buffer of SLOT_ALLOC bytes that is swapped with the ring's slots
     * (input_swap): the lines are read where the decoder put them. */
    unsigned char *swap;
    size_t cap;        /* without swap: bytes in buf (one more is kept for a NUL) */
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
    if (in->threaded && max_line <= SLOT_HEAD) {
        l->swap = malloc(SLOT_ALLOC);
        if (l->swap != NULL)
            l->buf = (char *)l->swap + SLOT_HEAD;
    } else {
        l->cap = max_line + (in->lowmem ? LINES_CHUNK / 4 : LINES_CHUNK);
        l->buf = malloc(l->cap + 1);
    }
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
    free(l->swap != NULL ? (void *)l->swap : (void *)l->buf);
    free(l);
}

/* lines_fill with a decode thread: the unread bytes (the start of a line)
 * go before the next slot's, which become buf. */
static ssize_t lines_swap(struct ts_lines *l)
{
    if (l->eof || l->pending != 0)
        return 0;
    size_t keep = l->end - l->start;
    unsigned char *at = (unsigned char *)l->buf + l->start;
    struct ts_err e;
    ts_err_clear(&e);
    ssize_t got = input_swap(l->in, &l->swap, &at, keep, &e);
    if (got < 0) {
        l->pending = (int)got;
        l->pending_err = e;
        return got;
    }
    if (got == 0) {
        l->eof = true;
        return 0;
    }
    l->buf = (char *)at;
    l->scan -= l->start;
    l->start = 0;
    l->end = keep + (size_t)got;
    return got;
}

/* Moves the unread bytes to the front and reads more. Returns bytes read,
 * 0 at the end, or a negative code (remembered as pending). */
static ssize_t lines_fill(struct ts_lines *l)
{
    if (l->swap != NULL)
        return lines_swap(l);
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

const char *ts_input_decoders(void)
{
    return "gzip: " GZIP_DECODER ", zstd: libzstd " ZSTD_VERSION_STRING;
}
