/* Unit tests of the interval replay (src/replay.h): records in any order rebuild the intervals of one pass in time order. */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hash.h"
#include "intervals.h"
#include "replay.h"
#include "summary.h"

#define SEED 11
#define ILEN 60
#define NREC 4000

static const struct summary_sizes sizes = {.k_ports = 256, .k_addrs = 512, .k_strings = 32};

static const char *const services[] = {"dns", "http", "ssl", "-"};
static const char *const states[] = {"SF", "S0", "REJ"};

/* Record i of a seeded stream: a connection of a few hosts and ports at a
 * random time in [0, 40 intervals). */
static struct ts_record make_rec(uint64_t *st)
{
    struct ts_record r;
    memset(&r, 0, sizeof r);
    r.kind = TS_REC_CONN;
    r.ts = 1e9 + (double)(splitmix64(st) % (40 * ILEN * 1000)) / 1000.0;
    r.end = r.ts;
    r.src.len = r.dst.len = 4;
    uint32_t s = (uint32_t)(splitmix64(st) % 50), d = (uint32_t)(splitmix64(st) % 70);
    memcpy(r.src.b, &s, 4);
    memcpy(r.dst.b, &d, 4);
    r.sport = (uint16_t)(1024 + splitmix64(st) % 100);
    r.dport = (uint16_t)(splitmix64(st) % 30);
    r.proto = 6;
    r.bytes = r.payload = splitmix64(st) % 5000;
    const char *svc = services[splitmix64(st) % 4], *sta = states[splitmix64(st) % 3];
    r.service.p = svc;
    r.service.len = strlen(svc);
    r.state.p = sta;
    r.state.len = strlen(sta);
    return r;
}

static void prepare(struct summary_update *u, const struct ts_record *r, struct summary_strings *k)
{
    struct summary_update_params p = {.conns = true, .hash_ports = true, .seed = SEED};
    summary_update_prepare(u, r, &p, k);
}

static void same_summary(const struct summary *a, const struct summary *b, long long idx)
{
    const struct summary_counters *x = summary_counters(a), *y = summary_counters(b);
    cr_assert_eq(x->pkts, y->pkts, "interval %lld: %llu records, want %llu", idx,
                 (unsigned long long)x->pkts, (unsigned long long)y->pkts);
    cr_assert_eq(x->bytes, y->bytes);
    cr_assert_eq(x->start, y->start);
    cr_assert_eq(x->end, y->end);
    for (int col = 0; col < COL_COUNT; col++) {
        struct ss_entry ea[64], eb[64];
        size_t na = summary_top(a, col, ea, 64), nb = summary_top(b, col, eb, 64);
        cr_assert_eq(na, nb, "interval %lld column %d", idx, col);
        for (size_t i = 0; i < na; i++)
            cr_assert(ea[i].count == eb[i].count && ea[i].len == eb[i].len &&
                          memcmp(ea[i].key, eb[i].key, ea[i].len) == 0,
                      "interval %lld column %d entry %zu", idx, col, i);
    }
}

/* Records in a shuffled order go through the intervals with a short
 * horizon (most of them late), closed ones and late ones through the
 * replay; every rebuilt interval equals the one-pass interval of the same
 * records, and they come out in order. */
Test(replay, rebuilds_the_intervals_of_one_pass)
{
    uint64_t st = 42;
    struct ts_record *recs = calloc(NREC, sizeof *recs);
    for (size_t i = 0; i < NREC; i++)
        recs[i] = make_rec(&st);
    /* one pass in time order, one summary per interval */
    enum { NIVL = 64 };
    struct summary *want[NIVL] = {0};
    long long base = (long long)(1e9 / ILEN);
    for (size_t i = 0; i < NREC; i++) {
        long long idx = (long long)(recs[i].ts / ILEN) - base;
        cr_assert(idx >= 0 && idx < NIVL);
        if (want[idx] == NULL) {
            want[idx] = summary_new(&sizes, SEED);
            summary_set_span(want[idx], (double)(idx + base) * ILEN,
                             (double)(idx + base + 1) * ILEN);
        }
        struct summary_update u;
        struct summary_strings k;
        prepare(&u, &recs[i], &k);
        summary_add(want[idx], &u, false);
    }
    /* the same records shuffled, through intervals of lag 1 and the replay */
    for (size_t i = NREC - 1; i > 0; i--) {
        size_t j = splitmix64(&st) % (i + 1);
        struct ts_record t = recs[i];
        recs[i] = recs[j];
        recs[j] = t;
    }
    struct ts_err err;
    struct intervals *iv = intervals_new(1, 3, ILEN, 1, &sizes, SEED, false);
    struct replay *rp = replay_new(1, ILEN, 0, &err);
    cr_assert(iv && rp);
    size_t late = 0;
    for (size_t i = 0; i < NREC; i++) {
        struct summary_update u;
        struct summary_strings k;
        prepare(&u, &recs[i], &k);
        enum ivl_result res = intervals_add(iv, 0, &u);
        cr_assert_neq(res, IVL_FULL);
        if (res == IVL_LATE) {
            long long idx;
            cr_assert(intervals_index(iv, 0, u.ts, &idx));
            cr_assert_eq(replay_late(rp, 0, idx, &u, &err), 0, "%s", err.msg);
            late++;
        }
        struct ivl_closed c[8];
        size_t n;
        while ((n = intervals_take_closed(iv, c, 8)) > 0)
            for (size_t m = 0; m < n; m++) {
                cr_assert_eq(replay_hold(rp, 0, c[m].idx, c[m].s, &err), 0, "%s", err.msg);
                intervals_release(iv, c[m].s);
            }
    }
    intervals_close_all(iv);
    struct ivl_closed c[8];
    size_t n;
    while ((n = intervals_take_closed(iv, c, 8)) > 0)
        for (size_t m = 0; m < n; m++) {
            cr_assert_eq(replay_hold(rp, 0, c[m].idx, c[m].s, &err), 0);
            intervals_release(iv, c[m].s);
        }
    cr_assert_gt(late, NREC / 2, "the test needs most records late (%zu)", late);
    cr_assert_eq(replay_late_count(rp), late);
    cr_assert_eq(replay_rewind(rp, &err), 0);
    struct summary *s = intervals_take_free(iv);
    cr_assert_not_null(s);
    long long prev = -1;
    size_t got = 0;
    for (;;) {
        summary_clear(s);
        unsigned stream;
        long long idx;
        int rc = replay_next(rp, s, &stream, &idx, &err);
        cr_assert_geq(rc, 0, "%s", err.msg);
        if (rc == 0)
            break;
        cr_assert_eq(stream, 0);
        cr_assert_gt(idx - base, prev, "intervals in order");
        prev = idx - base;
        cr_assert_not_null(want[prev], "interval %lld has no record", prev);
        same_summary(s, want[prev], prev);
        got++;
    }
    size_t nwant = 0;
    for (int i = 0; i < NIVL; i++)
        nwant += want[i] != NULL;
    cr_assert_eq(got, nwant);
    intervals_release(iv, s);
    replay_free(rp);
    intervals_free(iv);
    for (int i = 0; i < NIVL; i++)
        summary_free(want[i]);
    free(recs);
}

/* Streams come in order of interval, then stream. */
Test(replay, streams_interleave_by_interval)
{
    struct ts_err err;
    struct replay *rp = replay_new(3, ILEN, 0, &err);
    struct summary *s = summary_new(&sizes, SEED);
    uint64_t st = 5;
    struct ts_record r = make_rec(&st);
    struct summary_update u;
    struct summary_strings k;
    prepare(&u, &r, &k);
    cr_assert_eq(replay_late(rp, 2, 7, &u, &err), 0);
    cr_assert_eq(replay_late(rp, 0, 7, &u, &err), 0);
    cr_assert_eq(replay_late(rp, 1, 3, &u, &err), 0);
    summary_add(s, &u, false);
    cr_assert_eq(replay_hold(rp, 1, 5, s, &err), 0);
    cr_assert_eq(replay_rewind(rp, &err), 0);
    static const struct {
        unsigned stream;
        long long idx;
    } want[] = {{1, 3}, {1, 5}, {0, 7}, {2, 7}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        unsigned stream;
        long long idx;
        summary_clear(s);
        cr_assert_eq(replay_next(rp, s, &stream, &idx, &err), 1);
        cr_assert(stream == want[i].stream && idx == want[i].idx, "%zu: %u %lld", i, stream, idx);
        cr_assert_eq(summary_counters(s)->pkts, 1);
        cr_assert_eq(summary_counters(s)->start, (double)idx * ILEN);
    }
    unsigned stream;
    long long idx;
    cr_assert_eq(replay_next(rp, s, &stream, &idx, &err), 0);
    summary_free(s);
    replay_free(rp);
}

/* A full disk while keeping late records is an error, not a short report. */
Test(replay, full_disk_is_an_error)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 200000, .rlim_max = 200000};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    struct ts_err err;
    struct replay *rp = replay_new(1, ILEN, 0, &err);
    uint64_t st = 9;
    int rc = 0;
    for (int i = 0; i < 100000 && rc == 0; i++) {
        struct ts_record r = make_rec(&st);
        struct summary_update u;
        struct summary_strings k;
        prepare(&u, &r, &k);
        rc = replay_late(rp, 0, i, &u, &err);
    }
    cr_assert_eq(rc, TS_EIO);
    cr_assert(strstr(err.msg, "temporary file") != NULL, "message: %s", err.msg);
    replay_free(rp);
}
