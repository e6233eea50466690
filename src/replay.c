/* replay.c - closed intervals and their late records kept on disk, rebuilt in order at the end. */
#include "config.h"

#include "replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "spill.h"

/*
 * A held interval in its stream's file:
 *
 *   +--------+--------+----------------------------+
 *   | idx    | len    | summary_encode, len bytes  |
 *   | i64    | u32    |                            |
 *   +--------+--------+----------------------------+
 *
 * A late record in the spill, under the key of its interval:
 *
 *   +-----------------------------+------------------+----------------+
 *   | struct summary_update       | service bytes    | state bytes    |
 *   | (pointers meaningless)      | service_len      | state_len      |
 *   +-----------------------------+------------------+----------------+
 *
 * Both in the host's layout: the files never outlive the process.
 */
#define IDX_BIAS (1LL << 60)
#define HELD_MAX ((size_t)1 << 31) /* longer than any summary's encoding */

struct held {
    FILE *f; /* NULL until the first interval of the stream */
    bool have_head;
    long long head_idx;
    uint32_t head_len;
    bool done;
};

struct replay {
    unsigned nstreams;
    double ilen;
    struct held held[REPLAY_MAX_STREAMS];
    struct bb_writer enc; /* the reader thread's encoding buffer */
    uint64_t held_bytes;
    struct spill *late;
    uint64_t nlate;
    bool reading;
    uint8_t *blob; /* the replaying thread's read buffer */
    size_t blob_cap;
};

bool replay_index_ok(long long idx)
{
    return idx > -IDX_BIAS && idx < IDX_BIAS;
}

static uint64_t key_of(unsigned stream, long long idx)
{
    return (uint64_t)(idx + IDX_BIAS) << 2 | stream;
}

struct replay *replay_new(unsigned nstreams, long long ilen, size_t spill_mem, struct ts_err *err)
{
    if (nstreams < 1 || nstreams > REPLAY_MAX_STREAMS || ilen <= 0) {
        ts_err_set(err, TS_EUSAGE, "replay: bad streams or interval length");
        return NULL;
    }
    struct replay *r = calloc(1, sizeof *r);
    if (r == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory for the interval replay");
        return NULL;
    }
    r->nstreams = nstreams;
    r->ilen = (double)ilen;
    bbw_init(&r->enc, HELD_MAX);
    r->late = spill_new(spill_mem, err);
    if (r->late == NULL) {
        replay_free(r);
        return NULL;
    }
    return r;
}

void replay_free(struct replay *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; i < REPLAY_MAX_STREAMS; i++)
        if (r->held[i].f != NULL)
            fclose(r->held[i].f);
    bbw_free(&r->enc);
    spill_free(r->late);
    free(r->blob);
    free(r);
}

static int write_failed(int e, struct ts_err *err)
{
    return ts_err_errno(err, TS_EIO, e ? e : ENOSPC, "cannot write a temporary file in '%s'",
                        ts_tmpdir());
}

int replay_hold(struct replay *r, unsigned stream, long long idx, struct summary *s,
                struct ts_err *err)
{
    if (r->reading || stream >= r->nstreams)
        return ts_err_set(err, TS_EUSAGE, "replay_hold after the end or of a bad stream");
    struct held *h = &r->held[stream];
    if (h->f == NULL && (h->f = ts_tmpfile(err)) == NULL)
        return TS_EIO;
    bbw_reset(&r->enc);
    if (summary_encode(s, &r->enc) != 0 || !bbw_ok(&r->enc))
        return ts_err_set(err, TS_ENOMEM, "out of memory encoding a closed interval");
    int64_t i64 = idx;
    uint32_t len = (uint32_t)r->enc.len;
    errno = 0;
    if (fwrite(&i64, sizeof i64, 1, h->f) != 1 || fwrite(&len, sizeof len, 1, h->f) != 1 ||
        fwrite(r->enc.buf, 1, len, h->f) != len)
        return write_failed(errno, err);
    r->held_bytes += sizeof i64 + sizeof len + len;
    return 0;
}

/* The bytes of a string of the update that are kept (a summary keeps at
 * most SUMMARY_STR_MAX of a name). */
static size_t kept_len(const char *p, size_t len)
{
    return p == NULL ? 0 : len > SUMMARY_STR_MAX ? SUMMARY_STR_MAX : len;
}

int replay_late(struct replay *r, unsigned stream, long long idx, const struct summary_update *u,
                struct ts_err *err)
{
    if (r->reading || stream >= r->nstreams || !replay_index_ok(idx))
        return ts_err_set(err, TS_EUSAGE, "replay_late after the end or of a bad interval");
    uint8_t rec[sizeof *u + 2 * SUMMARY_STR_MAX];
    size_t svc = kept_len(u->service, u->service_len), st = kept_len(u->state, u->state_len);
    memcpy(rec, u, sizeof *u);
    if (svc)
        memcpy(rec + sizeof *u, u->service, svc);
    if (st)
        memcpy(rec + sizeof *u + svc, u->state, st);
    int rc = spill_put(r->late, key_of(stream, idx), rec, sizeof *u + svc + st, err);
    if (rc == 0)
        r->nlate++;
    return rc;
}

/* Reads the next interval header of h, if any. */
static int held_head(struct held *h, struct ts_err *err)
{
    h->have_head = false;
    if (h->f == NULL || h->done)
        return 0;
    int64_t i64;
    uint32_t len;
    size_t got = fread(&i64, 1, sizeof i64, h->f);
    if (got == 0 && feof(h->f)) {
        h->done = true;
        return 0;
    }
    if (got != sizeof i64 || fread(&len, sizeof len, 1, h->f) != 1)
        return ts_err_set(err, TS_EIO, "a temporary file in '%s' was cut short", ts_tmpdir());
    h->have_head = true;
    h->head_idx = i64;
    h->head_len = len;
    return 0;
}

int replay_rewind(struct replay *r, struct ts_err *err)
{
    if (r->reading)
        return ts_err_set(err, TS_EUSAGE, "replay_rewind called twice");
    r->reading = true;
    for (unsigned i = 0; i < r->nstreams; i++) {
        struct held *h = &r->held[i];
        if (h->f == NULL)
            continue;
        if (fflush(h->f) != 0 || ferror(h->f))
            return write_failed(errno, err);
        rewind(h->f);
        int rc = held_head(h, err);
        if (rc != 0)
            return rc;
    }
    bbw_free(&r->enc);
    return spill_rewind(r->late, err);
}

/* Decodes the held head of h into s and reads the next header. */
static int held_take(struct replay *r, struct held *h, struct summary *s, struct ts_err *err)
{
    size_t len = h->head_len;
    if (len > r->blob_cap) {
        uint8_t *b = realloc(r->blob, len);
        if (b == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory reading a closed interval");
        r->blob = b;
        r->blob_cap = len;
    }
    if (fread(r->blob, 1, len, h->f) != len)
        return ts_err_set(err, TS_EIO, "a temporary file in '%s' was cut short", ts_tmpdir());
    struct bb_reader br;
    bbr_init(&br, r->blob, len);
    if (summary_decode(s, &br, true) != 0)
        return ts_err_set(err, TS_EIO, "a temporary file in '%s' was changed", ts_tmpdir());
    return held_head(h, err);
}

int replay_next(struct replay *r, struct summary *s, unsigned *stream, long long *idx,
                struct ts_err *err)
{
    if (!r->reading)
        return ts_err_set(err, TS_EUSAGE, "replay_next before replay_rewind");
    /* the smallest (idx, stream) among the held heads and the late records */
    uint64_t best = UINT64_MAX;
    bool any = false;
    for (unsigned i = 0; i < r->nstreams; i++)
        if (r->held[i].have_head) {
            uint64_t k = key_of(i, r->held[i].head_idx);
            if (!any || k < best)
                best = k;
            any = true;
        }
    uint64_t lk = 0;
    int rc = spill_peek(r->late, &lk, err);
    if (rc < 0)
        return rc;
    if (rc == 1 && (!any || lk < best)) {
        best = lk;
        any = true;
    }
    if (!any)
        return 0;
    unsigned st = (unsigned)(best & 3);
    long long ix = (long long)(best >> 2) - IDX_BIAS;
    struct held *h = &r->held[st];
    if (h->have_head && h->head_idx == ix && (rc = held_take(r, h, s, err)) != 0)
        return rc;
    /* every late record of this interval, in the order it came */
    for (;;) {
        rc = spill_peek(r->late, &lk, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || lk != best)
            break;
        const void *rec = NULL;
        size_t len = 0;
        if ((rc = spill_next(r->late, &lk, &rec, &len, err)) < 0)
            return rc;
        struct summary_update u;
        struct summary_strings keep;
        if (len < sizeof u)
            return ts_err_set(err, TS_EIO, "a temporary file in '%s' was changed", ts_tmpdir());
        memcpy(&u, rec, sizeof u);
        size_t svc = kept_len(u.service, u.service_len), stl = kept_len(u.state, u.state_len);
        if (len != sizeof u + svc + stl)
            return ts_err_set(err, TS_EIO, "a temporary file in '%s' was changed", ts_tmpdir());
        memset(&keep, 0, sizeof keep);
        memcpy(keep.service, (const uint8_t *)rec + sizeof u, svc);
        memcpy(keep.state, (const uint8_t *)rec + sizeof u + svc, stl);
        if (u.service)
            u.service = keep.service;
        if (u.state)
            u.state = keep.state;
        u.strs16 = true;
        summary_add(s, &u, false);
    }
    double start = (double)ix * r->ilen;
    summary_set_span(s, start, start + r->ilen);
    *stream = st;
    *idx = ix;
    return 1;
}

uint64_t replay_late_count(const struct replay *r)
{
    return r->nlate;
}

uint64_t replay_disk_bytes(const struct replay *r)
{
    return r->held_bytes + spill_disk_bytes(r->late);
}
