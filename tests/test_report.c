/* Unit tests of the text report (src/report.h) on hand-made summaries. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>
#include <string.h>

#include "report.h"
#include "summary.h"
#include "test_summaries.h"


Test(report, cells_show_share_with_one_decimal_and_original_widths)
{
    struct summary *s = small_summary(64);
    struct ts_record a = conn("10.0.0.1", "10.0.0.2", 80, 6, "http", "SF", 100);
    struct ts_record b = conn("10.0.0.3", "10.0.0.2", 53, 17, "dns", "S0", 10);
    add(s, &a);
    add(s, &a);
    add(s, &b);
    char *out = render(s, 2, true);
    const char *want =
        "\n>== Total === 2011-03-18-14-06-07 - 2011-03-18-14-06-07\n"
        "   - Connections  3.0 - Payload  210.0 - \n"
        "     Ports        | Sources                   | Destinations              | Services "
        "          | Protocols | States        |\n"
        "     80     66.7% | 10.0.0.1            66.7% | 10.0.0.2           100.0% | http        "
        " 66.7% | 6   66.7% | SF      66.7% | \n"
        "     53     33.3% | 10.0.0.3            33.3% |                           | dns         "
        " 33.3% | 17  33.3% | S0      33.3% | \n"
        "\n\n";
    cr_expect_str_eq(out, want);
    free(out);
    summary_free(s);
}

Test(report, long_ipv6_addresses_widen_only_their_column)
{
    struct summary *s = small_summary(64);
    struct ts_record r = conn("fe80::3074:17d5:2052:c324", "10.0.0.2", 5353, 17, "dns", "S0", 0);
    add(s, &r);
    char *out = render(s, 1, true);
    /* 25 characters: the Sources column grows by 25 - 15 = 10 */
    cr_expect(strstr(out, "| Sources                             | Destinations              |") !=
                  NULL,
              "%s", out);
    cr_expect(strstr(out, "| fe80::3074:17d5:2052:c324    100.0% | 10.0.0.2           100.0% |") !=
                  NULL,
              "%s", out);
    free(out);
    summary_free(s);
}

Test(report, services_shorten_icmp_and_netbios)
{
    struct summary *s = small_summary(64);
    struct ts_record a = conn("10.0.0.1", "10.0.0.2", 137, 17, "netbios-ns", "S0", 0);
    struct ts_record b = conn("10.0.0.1", "10.0.0.2", 0, 1, "icmp-echo", "OTH", 0);
    add(s, &a);
    add(s, &b);
    char *out = render(s, 2, true);
    cr_expect(strstr(out, "| nb-ns ") != NULL, "%s", out);
    cr_expect(strstr(out, "| i-echo ") != NULL, "%s", out);
    free(out);
    summary_free(s);
}

Test(report, port_zero_and_protocol_zero_are_never_shown)
{
    struct summary *s = small_summary(64);
    struct ts_record a = conn("10.0.0.1", "10.0.0.2", 0, 0, "-", "OTH", 0);
    add(s, &a);
    char *out = render(s, 1, true);
    cr_expect(strstr(out, "     0 ") == NULL, "%s", out);
    cr_expect(strstr(out, "                  | 10.0.0.1           100.0% |") != NULL, "%s", out);
    free(out);
    summary_free(s);
}

Test(report, an_evicted_column_is_marked_and_shows_ranges)
{
    /* k = 16 host slots for 40 distinct sources: the column must evict */
    struct summary *s = small_summary(16);
    char src[32];
    for (int i = 0; i < 40; i++) {
        snprintf(src, sizeof src, "10.0.1.%d", i);
        struct ts_record r = conn(src, "10.0.0.2", 80, 6, "http", "SF", 0);
        for (int j = 0; j <= (i == 0 ? 50 : i % 3); j++)
            add(s, &r);
    }
    cr_assert(!summary_col_exact(s, COL_SRCS));
    char *out = render(s, 3, true);
    cr_expect(strstr(out, "~Sources") != NULL, "%s", out);
    cr_expect(strstr(out, "| Destinations") != NULL, "exact columns keep their name: %s", out);
    cr_expect(strstr(out, "~ Sources: Space-Saving k=16 evicted keys") != NULL, "%s", out);
    /* every row of the table keeps the same width */
    char *line = strstr(out, "     80 ");
    char *next = strchr(line, '\n');
    char *header = strstr(out, "     Ports");
    /* rows end in "| " where the header ends in "|" */
    cr_expect_eq(strchr(header, '\n') - header + 1, next - line, "header and rows align: %s", out);
    free(out);
    summary_free(s);
}

/* Packets between random ports, weighted by bytes or not, with ties and
 * 0-byte packets: a summary counting ports in its direct table (k_ports =
 * 65536) lists the same ports in the same order as one with a Space-Saving
 * sketch that never evicts. */
static void compare_dense_ports(bool by_bytes, uint64_t seed)
{
    struct summary_sizes zs = {.k_ports = 4096, .k_addrs = 64};
    struct summary_sizes zd = {.k_ports = 65536, .k_addrs = 64};
    struct summary *sparse = summary_new(&zs, 7), *dense = summary_new(&zd, 7);
    cr_assert_not_null(sparse);
    cr_assert_not_null(dense);
    uint64_t st = seed;
    for (int i = 0; i < 5000; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        struct ts_record r = conn("10.0.0.1", "10.0.0.2", 0, 6, "", "", 0);
        r.kind = TS_REC_PACKET;
        /* 300 ports, a few of them popular, port 0 among them */
        r.sport = (uint16_t)((st >> 33) % 300 * 97);
        r.dport = (uint16_t)(((st >> 20) % 7 == 0) ? 80 : (st >> 40) % 300 * 97);
        r.bytes = (st >> 50) % 4 == 0 ? 0 : (st >> 12) % 1500;
        struct summary_update u;
        struct summary_update_params up = {.by_bytes = by_bytes, .hash_ports = true, .seed = 7};
        summary_update_prepare(&u, &r, &up, NULL);
        summary_add(sparse, &u, true);
        summary_add(dense, &u, true);
    }
    cr_assert(summary_col_exact(dense, COL_PORTS));
    struct summary_col_info ci;
    summary_col_info(dense, COL_PORTS, &ci);
    cr_assert(!ci.sketched);
    cr_assert(summary_col_kept(dense, COL_PORTS));
    struct ss_entry a[400], b[400];
    size_t na = summary_top(sparse, COL_PORTS, a, 400), nb = summary_top(dense, COL_PORTS, b, 400);
    cr_assert_eq(na, nb);
    cr_assert_gt(na, 250);
    for (size_t i = 0; i < na; i++) {
        cr_assert_eq(memcmp(a[i].key, b[i].key, 2), 0, "rank %zu", i);
        cr_assert_eq(a[i].count, b[i].count, "rank %zu", i);
        cr_assert_eq(b[i].error, 0);
    }
    cr_assert_eq(summary_top(dense, COL_PORTS, b, 3), 3);
    cr_assert_eq(memcmp(a[2].key, b[2].key, 2), 0);
    na = summary_ports_all(sparse, a, 400);
    nb = summary_ports_all(dense, b, 400);
    cr_assert_eq(na, nb);
    cr_assert_eq(nb, summary_ports_kept(dense));
    cr_assert_eq(summary_ports_kept(sparse), summary_ports_kept(dense));
    for (size_t i = 0; i < na; i++)
        cr_assert_eq(memcmp(a[i].key, b[i].key, 2), 0, "rank %zu of all", i);
    for (unsigned p = 0; p < 300 * 97; p += 97)
        cr_assert_eq(summary_port_count(sparse, (uint16_t)p, 7),
                     summary_port_count(dense, (uint16_t)p, 7));
    cr_assert_lt(summary_mem_bytes(dense), summary_mem_bytes(sparse) + 600000);
    summary_clear(dense);
    cr_assert_eq(summary_top(dense, COL_PORTS, b, 10), 0);
    summary_free(sparse);
    summary_free(dense);
}

Test(report, ports_in_a_direct_table_rank_as_in_the_sketch)
{
    compare_dense_ports(false, 1);
    compare_dense_ports(true, 2);
}

/* Bounds of evicting address columns contain the exact counts, and the
 * Count-Min of evicted counts tightens them: a host seen early, pushed out
 * by a flood of one-off hosts and seen again gets back its earlier count
 * as an exact part of its upper bound instead of the sketch's minimum. */
Test(report, evicted_counts_tighten_upper_bounds)
{
    struct summary_sizes z = {.k_ports = 64, .k_addrs = 16, .cms_w = 4096, .cms_d = 4};
    struct summary *s = summary_new(&z, 7);
    cr_assert_not_null(s);
    uint64_t truth_a = 0, truth_b = 0;
    char ip[32];
    /* a and b: 40 connections each, then 3000 one-offs, then a and b again */
    for (int i = 0; i < 40; i++) {
        struct ts_record r = conn("10.0.0.1", "10.9.9.9", 80, 6, "http", "SF", 1);
        add(s, &r);
        truth_a++;
        r = conn("10.0.0.2", "10.9.9.9", 80, 6, "http", "SF", 1);
        add(s, &r);
        truth_b++;
    }
    for (int i = 0; i < 3000; i++) {
        snprintf(ip, sizeof ip, "172.16.%d.%d", i / 250, i % 250 + 1);
        struct ts_record r = conn(ip, "10.9.9.9", 80, 6, "http", "SF", 1);
        add(s, &r);
    }
    for (int i = 0; i < 200; i++) {
        struct ts_record r = conn("10.0.0.1", "10.9.9.9", 80, 6, "http", "SF", 1);
        add(s, &r);
        truth_a++;
        if (i % 2 == 0) {
            r = conn("10.0.0.2", "10.9.9.9", 80, 6, "http", "SF", 1);
            add(s, &r);
            truth_b++;
        }
    }
    cr_assert_not(summary_col_exact(s, COL_SRCS));
    struct ss_entry top[16];
    size_t n = summary_top(s, COL_SRCS, top, 16);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t lo, hi;
        summary_bounds(s, COL_SRCS, &top[i], &lo, &hi);
        cr_assert_leq(lo, hi);
        cr_assert_leq(hi, top[i].count);
        if (top[i].len == 4 && top[i].key[0] == 10 && top[i].key[3] <= 2) {
            uint64_t truth = top[i].key[3] == 1 ? truth_a : truth_b;
            cr_assert_leq(lo, truth);
            cr_assert_geq(hi, truth);
            /* the sketch alone would allow count; the Count-Min knows the 40 */
            cr_assert_gt(top[i].error, 40);
            cr_assert_eq(hi, truth, "upper %llu, truth %llu, count %llu", (unsigned long long)hi,
                         (unsigned long long)truth, (unsigned long long)top[i].count);
            seen++;
        }
    }
    cr_assert_eq(seen, 2);
    summary_free(s);
}
