/* Unit tests of the interval streams (src/intervals.h). */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "intervals.h"
#include "summary.h"

static const struct summary_sizes counters_only = {0};

static struct summary_update at(double ts)
{
    struct summary_update u;
    memset(&u, 0, sizeof u);
    u.ts = u.end = ts;
    u.src.len = u.dst.len = 4;
    u.proto = 6;
    u.weight = 1;
    u.n = 1; /* one record */
    u.bytes = 100;
    return u;
}

/* Takes every closed interval, checks its span, adds its count to *sum
 * and releases it; returns how many closed. */
static size_t drain(struct intervals *iv, long long ilen, long long *last_idx, uint64_t *sum)
{
    struct ivl_closed c[8];
    size_t n, all = 0;
    while ((n = intervals_take_closed(iv, c, 8)) > 0) {
        for (size_t i = 0; i < n; i++) {
            const struct summary_counters *k = summary_counters(c[i].s);
            cr_assert_eq(k->start, (double)(c[i].idx * ilen));
            cr_assert_eq(k->end, (double)((c[i].idx + 1) * ilen));
            cr_assert_gt(c[i].idx, *last_idx, "intervals close in time order");
            *last_idx = c[i].idx;
            *sum += k->pkts;
            intervals_release(iv, c[i].s);
        }
        all += n;
    }
    return all;
}

Test(intervals, counts_are_conserved_and_late_records_are_counted)
{
    struct intervals *iv = intervals_new(1, 4, 10, 2, &counters_only, 1, false);
    cr_assert_not_null(iv);
    long long last = -1;
    uint64_t sum = 0, added = 0;
    for (int i = 0; i < 500; i++) {
        double ts = 1000 + i * 0.7;
        struct summary_update u = at(ts);
        cr_assert_eq(intervals_add(iv, 0, &u), IVL_ADDED);
        added++;
        drain(iv, 10, &last, &sum);
    }
    /* 1000..1349: intervals 100..134; with lag 2 the newest three are open */
    struct summary_update late = at(1005);
    cr_assert_eq(intervals_add(iv, 0, &late), IVL_LATE);
    cr_assert_eq(intervals_late(iv), 1);
    struct summary_update recent = at(1335); /* interval 133, still open */
    cr_assert_eq(intervals_add(iv, 0, &recent), IVL_ADDED);
    added++;
    intervals_close_all(iv);
    drain(iv, 10, &last, &sum);
    cr_assert_eq(sum, added, "every added record is in exactly one closed interval");
    cr_assert_eq(last, 134);
    intervals_free(iv);
}

Test(intervals, at_most_lag_plus_one_stay_open)
{
    struct intervals *iv = intervals_new(1, 8, 1, 3, &counters_only, 1, false);
    cr_assert_not_null(iv);
    long long last = -1;
    uint64_t sum = 0;
    size_t closed = 0;
    for (int i = 0; i < 100; i++) {
        struct summary_update u = at(i);
        cr_assert_eq(intervals_add(iv, 0, &u), IVL_ADDED);
        closed += drain(iv, 1, &last, &sum);
        /* intervals 0..i seen, i - 3..i open */
        cr_assert_eq(closed, i >= 3 ? (size_t)(i - 3) : 0, "after %d", i);
    }
    intervals_free(iv);
}

Test(intervals, a_full_pool_says_so_and_recovers_once_released)
{
    /* two streams of two slots: four summaries in all */
    struct intervals *iv = intervals_new(2, 2, 10, 1, &counters_only, 1, false);
    cr_assert_not_null(iv);
    cr_assert_eq(intervals_pool_size(iv), 4);
    for (unsigned st = 0; st < 2; st++) {
        struct summary_update a = at(0), b = at(10);
        cr_assert_eq(intervals_add(iv, st, &a), IVL_ADDED);
        cr_assert_eq(intervals_add(iv, st, &b), IVL_ADDED);
    }
    /* a third interval closes the oldest, but its summary is not back yet */
    struct summary_update c = at(20);
    cr_assert_eq(intervals_add(iv, 0, &c), IVL_FULL);
    struct ivl_closed out[4];
    cr_assert_eq(intervals_take_closed(iv, out, 4), 1, "the oldest closed");
    cr_assert_eq(out[0].stream, 0);
    cr_assert_eq(out[0].idx, 0);
    intervals_release(iv, out[0].s);
    cr_assert_eq(intervals_add(iv, 0, &c), IVL_ADDED);
    cr_assert_eq(intervals_take_closed(iv, out, 4), 0, "intervals 1 and 2 are within the horizon");
    intervals_close_all(iv);
    size_t n = intervals_take_closed(iv, out, 4);
    cr_assert_eq(n, 4);
    intervals_free(iv);
}

Test(intervals, an_unusable_shape_is_refused)
{
    cr_assert_null(intervals_new(0, 4, 10, 1, &counters_only, 1, false));
    cr_assert_null(intervals_new(4, 4, 10, 1, &counters_only, 1, false));
    cr_assert_null(intervals_new(1, 4, 0, 1, &counters_only, 1, false));
    cr_assert_null(intervals_new(1, 4, 10, 4, &counters_only, 1, false));
    cr_assert_null(intervals_new(1, 1, 10, 1, &counters_only, 1, false));
}
