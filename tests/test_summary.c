/* Unit tests of summary queries (src/summary.h): exactness, bounds, column parameters. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "summary.h"

static void add_src(struct summary *s, uint32_t host, uint64_t weight)
{
    struct ts_record r;
    memset(&r, 0, sizeof r);
    r.kind = TS_REC_PACKET;
    r.ts = r.end = 100;
    r.src.len = r.dst.len = 4;
    memcpy(r.src.b, &host, 4);
    r.dport = 80;
    r.proto = 6;
    r.bytes = weight;
    struct summary_update_params p = {.by_bytes = true, .hash_ports = true, .seed = 9};
    struct summary_update u;
    summary_update_prepare(&u, &r, &p, NULL);
    summary_add(s, &u, true);
}

static const struct summary_sizes sizes = {.k_ports = 32, .k_addrs = 64, .cms_w = 256, .cms_d = 4};

Test(summary, a_column_is_exact_until_its_sketch_evicts)
{
    struct summary *s = summary_new(&sizes, 9);
    cr_assert_not_null(s);
    uint64_t n = 0;
    for (uint32_t h = 0; h < 64; h++) {
        add_src(s, h, h + 1);
        n += h + 1;
    }
    struct summary_col_info ci;
    summary_col_info(s, COL_SRCS, &ci);
    cr_assert(ci.sketched);
    cr_assert_eq(ci.k, 64);
    cr_assert(!ci.evicted);
    cr_assert_eq(ci.max_error, 0);
    cr_assert_eq(ci.weight_total, n);
    cr_assert(summary_col_exact(s, COL_SRCS));
    add_src(s, 1000, 1);
    summary_col_info(s, COL_SRCS, &ci);
    cr_assert(ci.evicted);
    cr_assert_gt(ci.max_error, 0);
    cr_assert(!summary_col_exact(s, COL_SRCS));
    summary_free(s);
}

Test(summary, bounds_contain_the_true_count_of_every_entry)
{
    struct summary *s = summary_new(&sizes, 9);
    uint64_t truth[500] = {0};
    uint64_t st = 1;
    for (int i = 0; i < 20000; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t h = (uint32_t)(st >> 33) % 500;
        if (h % 4 == 0)
            h %= 20; /* heavy keys among one-offs */
        uint64_t w = 1 + (st >> 20) % 9;
        truth[h] += w;
        add_src(s, h, w);
    }
    struct ss_entry e[64];
    size_t n = summary_top(s, COL_SRCS, e, 64);
    cr_assert_gt(n, 10);
    for (size_t i = 0; i < n; i++) {
        uint32_t h;
        memcpy(&h, e[i].key, 4);
        uint64_t lo, hi;
        summary_bounds(s, COL_SRCS, &e[i], &lo, &hi);
        cr_assert_leq(lo, truth[h], "entry %zu", i);
        cr_assert_geq(hi, truth[h], "entry %zu", i);
        cr_assert_leq(hi, e[i].count);
    }
    summary_free(s);
}

Test(summary, protocols_and_dense_ports_are_exact_counters)
{
    struct summary_sizes z = {.k_ports = 65536};
    struct summary *s = summary_new(&z, 9);
    cr_assert_not_null(s);
    struct summary_col_info ci;
    summary_col_info(s, COL_PROTS, &ci);
    cr_assert(!ci.sketched);
    summary_col_info(s, COL_PORTS, &ci);
    cr_assert(!ci.sketched, "65536 ports are counted directly");
    cr_assert(summary_col_kept(s, COL_PORTS));
    cr_assert(!summary_col_kept(s, COL_SRCS));
    for (uint32_t h = 0; h < 100; h++)
        add_src(s, h, 10);
    cr_assert_eq(summary_proto_count(s, 6), 1000);
    cr_assert_eq(summary_port_count(s, 80, 9), 1000);
    cr_assert(summary_col_exact(s, COL_PORTS));
    summary_free(s);
}

Test(summary, it_states_the_sizes_and_seed_that_shaped_it)
{
    struct summary *s = summary_new(&sizes, 1234);
    cr_assert_not_null(s);
    cr_assert_eq(summary_seed(s), 1234);
    cr_assert_eq(memcmp(summary_sizes_of(s), &sizes, sizeof sizes), 0);
    cr_assert_eq(summary_mem_bytes(s), summary_mem_bytes_for(summary_sizes_of(s)));
    summary_free(s);
}
