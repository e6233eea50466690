/*
 * test_merge_parts.c - the pieces of a merge: the interval store (parts of
 * one interval, in any order, come out as the interval of one pass; a
 * coarser length takes in the finer intervals) and the atomic output file
 * (mode 0644 less the umask, nothing under the name until the commit, no
 * temporary left, an abort keeps the old file).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_out.h"
#include "bytebuf.h"
#include "ivl_store.h"
#include "test_summaries.h"

static const struct summary_sizes sizes = {.k_ports = 64, .k_addrs = 32, .k_strings = 16,
                                           .hll_p = 10};

/* Record i of a small stream: ten sources, three ports, at time 100 + i. */
static struct ts_record rec(size_t i)
{
    char src[32];
    snprintf(src, sizeof src, "10.0.0.%zu", i % 10);
    struct ts_record r = conn(src, "192.168.1.1", (uint16_t)(80 + i % 3), 6, "http", "SF", i);
    r.ts = r.end = 100.0 + (double)i;
    return r;
}

static void add_range(struct summary *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        struct ts_record r = rec(i);
        add(s, &r);
    }
}

static bool same_summary(struct summary *a, struct summary *b)
{
    struct bb_writer x, y;
    bbw_init(&x, SIZE_MAX);
    bbw_init(&y, SIZE_MAX);
    cr_assert_eq(summary_encode(a, &x), 0);
    cr_assert_eq(summary_encode(b, &y), 0);
    bool eq = x.len == y.len && memcmp(x.buf, y.buf, x.len) == 0;
    bbw_free(&x);
    bbw_free(&y);
    return eq;
}

struct seen {
    size_t n;
    unsigned stream[8];
    long long idx[8];
    struct summary *copy[8];
    bool has_cap[8];
    struct capture_counts cap[8];
};

static int keep(void *ctx, unsigned stream, long long idx, const struct summary *s,
                const struct capture_counts *cap, struct ts_err *err)
{
    (void)err;
    struct seen *v = ctx;
    cr_assert_lt(v->n, 8);
    v->has_cap[v->n] = cap != NULL;
    if (cap != NULL)
        v->cap[v->n] = *cap;
    v->stream[v->n] = stream;
    v->idx[v->n] = idx;
    v->copy[v->n] = summary_new(&sizes, 7);
    cr_assert_eq(summary_merge(v->copy[v->n], s), 0);
    v->n++;
    return 0;
}

Test(ivl_store, parts_of_an_interval_in_any_order_give_the_interval_of_one_pass)
{
    struct ts_err err;
    struct ivl_store *st = ivl_store_new(&sizes, 7, &err);
    cr_assert_not_null(st, "%s", err.msg);
    /* interval [100, 200) cut in three parts, given last part first; then
     * [200, 300) whole, in stream 1 */
    size_t cuts[4] = {0, 30, 70, 100};
    for (int p = 2; p >= 0; p--) {
        struct summary *s = summary_new(&sizes, 7);
        add_range(s, cuts[p], cuts[p + 1]);
        cr_assert_eq(ivl_store_put(st, 0, 100, s, &err), 0, "%s", err.msg);
        summary_free(s);
    }
    struct summary *later = summary_new(&sizes, 7);
    add_range(later, 100, 150);
    cr_assert_eq(ivl_store_put(st, 1, 200, later, &err), 0);
    struct seen v = {0};
    cr_assert_eq(ivl_store_replay(st, 100, keep, &v, &err), 0);
    cr_assert_eq(v.n, 2);
    cr_expect(v.stream[0] == 0 && v.idx[0] == 1 && v.stream[1] == 1 && v.idx[1] == 2);
    struct summary *one = summary_new(&sizes, 7);
    add_range(one, 0, 100);
    summary_set_span(one, 100, 200);
    cr_expect(same_summary(v.copy[0], one), "the merged parts differ from one pass");
    cr_expect_eq(summary_counters(v.copy[1])->updates, 50);
    for (size_t i = 0; i < v.n; i++)
        summary_free(v.copy[i]);
    summary_free(one);
    summary_free(later);
    ivl_store_free(st);
}

Test(ivl_store, a_longer_interval_takes_in_the_shorter_ones)
{
    struct ts_err err;
    struct ivl_store *st = ivl_store_new(&sizes, 7, &err);
    cr_assert_not_null(st);
    /* 10-second intervals 100, 110, 120, 130 replayed in 20 seconds */
    for (int i = 0; i < 4; i++) {
        struct summary *s = summary_new(&sizes, 7);
        add_range(s, (size_t)i * 10, (size_t)i * 10 + 10);
        cr_assert_eq(ivl_store_put(st, 0, 100 + 10 * i, s, &err), 0);
        summary_free(s);
    }
    struct seen v = {0};
    cr_assert_eq(ivl_store_replay(st, 20, keep, &v, &err), 0);
    cr_assert_eq(v.n, 2);
    cr_expect(v.idx[0] == 5 && v.idx[1] == 6);
    for (size_t i = 0; i < v.n; i++) {
        cr_expect_eq(summary_counters(v.copy[i])->updates, 20);
        cr_expect_eq(summary_counters(v.copy[i])->start, 100 + 20 * (double)i);
        summary_free(v.copy[i]);
    }
    ivl_store_free(st);
}

Test(ivl_store, capture_counters_add_up_per_interval_with_or_without_records)
{
    struct ts_err err;
    struct ivl_store *st = ivl_store_new(&sizes, 7, &err);
    cr_assert_not_null(st);
    /* [100, 110) has records and counters from two files; [110, 120) only
     * counters (everything dropped); [120, 130) only records */
    struct summary *s = summary_new(&sizes, 7);
    add_range(s, 0, 10);
    cr_assert_eq(ivl_store_put(st, 0, 100, s, &err), 0);
    struct capture_counts a = {10, 2, 1}, b = {5, 0, 3}, c = {7, 7, 0};
    cr_assert_eq(ivl_store_put_capture(st, 100, &a, &err), 0);
    cr_assert_eq(ivl_store_put_capture(st, 100, &b, &err), 0);
    cr_assert_eq(ivl_store_put_capture(st, 110, &c, &err), 0);
    cr_assert_eq(ivl_store_put(st, 0, 120, s, &err), 0);
    summary_free(s);
    struct seen v = {0};
    cr_assert_eq(ivl_store_replay(st, 10, keep, &v, &err), 0, "%s", err.msg);
    cr_assert_eq(v.n, 3);
    cr_expect(v.has_cap[0] && v.cap[0].received == 15 && v.cap[0].dropped_kernel == 2 &&
              v.cap[0].dropped_iface == 4);
    cr_expect_eq(summary_counters(v.copy[0])->updates, 10);
    cr_expect(v.has_cap[1] && v.cap[1].received == 7 && v.cap[1].dropped_kernel == 7);
    cr_expect_eq(summary_counters(v.copy[1])->updates, 0);
    cr_expect_eq(v.idx[1], 11);
    cr_expect(!v.has_cap[2]);
    cr_expect_eq(summary_counters(v.copy[2])->updates, 10);
    for (size_t i = 0; i < v.n; i++)
        summary_free(v.copy[i]);
    ivl_store_free(st);
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

Test(atomic_out, the_name_holds_the_old_file_until_the_commit)
{
    char dir[] = "/tmp/ts-atomic-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/out.tss", dir);
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    mode_t old = umask(022);
    struct ts_err err;
    struct atomic_out *a = atomic_out_open(path, &err);
    cr_assert_not_null(a, "%s", err.msg);
    fputs("new", atomic_out_file(a));
    char buf[8] = {0};
    f = fopen(path, "r");
    cr_assert_eq(fread(buf, 1, sizeof buf - 1, f), 3);
    fclose(f);
    cr_expect_str_eq(buf, "old", "written before the commit");
    cr_expect_eq(entries(dir), 2, "the temporary beside the name");
    cr_assert_eq(atomic_out_commit(a, &err), 0, "%s", err.msg);
    memset(buf, 0, sizeof buf);
    f = fopen(path, "r");
    cr_assert_eq(fread(buf, 1, sizeof buf - 1, f), 3);
    fclose(f);
    cr_expect_str_eq(buf, "new");
    cr_expect_eq(entries(dir), 1, "a temporary was left");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0644);
    /* an abort keeps what is there */
    a = atomic_out_open(path, &err);
    cr_assert_not_null(a);
    fputs("lost", atomic_out_file(a));
    atomic_out_abort(a);
    cr_expect_eq(entries(dir), 1);
    umask(old);
    unlink(path);
    rmdir(dir);
}

Test(atomic_out, a_missing_directory_is_an_error_naming_the_file)
{
    struct ts_err err;
    ts_err_clear(&err);
    cr_expect_null(atomic_out_open("/nonexistent-dir/x.tss", &err));
    cr_expect_neq(strstr(err.msg, "/nonexistent-dir/x.tss"), NULL, "%s", err.msg);
}
