/* Unit tests of the HTML page (src/html_out.h) on hand-made summaries. */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_out.h"
#include "sink.h"
#include "report.h"
#include "summary.h"
#include "test_summaries.h"

/* A page being written to memory. */
struct page {
    char *buf;
    size_t len;
    FILE *f;
    struct html_page *p;
    struct report_opts o;
};

static void page_open(struct page *pg, size_t topn, long long ilen)
{
    setenv("TZ", "GMT+5", 1);
    tzset();
    pg->buf = NULL;
    pg->f = open_memstream(&pg->buf, &pg->len);
    cr_assert_not_null(pg->f);
    struct html_meta m = {.input = "conn.log",
                          .conns = true,
                          .topn = topn,
                          .factor = 1,
                          .ilen = ilen,
                          .seed = 7,
                          .memory = 1 << 20};
    pg->p = html_begin(pg->f, &m);
    cr_assert_not_null(pg->p);
    memset(&pg->o, 0, sizeof pg->o);
    pg->o.conns = true;
    pg->o.topn = topn;
    pg->o.factor = 1;
    pg->o.seed = 7;
}

/* Closes the page; returns its text (the caller frees it). */
static char *page_close(struct page *pg)
{
    struct html_stats st = {.corrupt_lines = 3};
    cr_assert_eq(html_finish(pg->p, &st), 0);
    cr_assert_eq(fclose(pg->f), 0);
    return pg->buf;
}

/* The page of one Total block of s, top n. */
static char *page_of(const struct summary *s, size_t topn)
{
    struct page pg;
    page_open(&pg, topn, 0);
    cr_assert_eq(html_block(pg.p, "Total", s, &pg.o), 0);
    return page_close(&pg);
}

/* Each of the n strings is (present) or is not (!present) in out. */
static void expect_all(const char *out, const char *const *strs, size_t n, bool present)
{
    for (size_t i = 0; i < n; i++)
        cr_expect((strstr(out, strs[i]) != NULL) == present, "%s %s", present ? "missing" : "found",
                  strs[i]);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

Test(html, page_is_one_document_with_a_chart_per_column)
{
    struct summary *s = small_summary(64);
    struct ts_record a = conn("10.0.0.1", "10.0.0.2", 80, 6, "http", "SF", 100);
    struct ts_record b = conn("10.0.0.3", "10.0.0.2", 53, 17, "dns", "S0", 10);
    add(s, &a);
    add(s, &a);
    add(s, &b);
    char *out = page_of(s, 5);
    cr_expect(strncmp(out, "<!DOCTYPE html>\n<html", 21) == 0, "%.60s", out);
    cr_expect(strcmp(out + strlen(out) - 8, "</html>\n") == 0);
    const char *cols[] = {"ports", "sources", "destinations", "services", "protocols", "states"};
    for (size_t i = 0; i < 6; i++) {
        char want[64];
        snprintf(want, sizeof want, "<article class=\"col\" data-col=\"%s\" data-exact=\"true\">",
                 cols[i]);
        cr_expect_eq(count(out, want), 1, "%s", cols[i]);
    }
    /* the header figures and the rows, with the text report's shares */
    const char *want[] = {"data-name=\"connections\" data-value=\"3\"",
                          "data-name=\"payload\" data-value=\"210\"", "data-key=\"80\"><th>80</th>",
                          "<td class=\"pct\">100.0%</td>",
                          "data-name=\"corrupt_lines\" data-value=\"3\""};
    expect_all(out, want, sizeof want / sizeof *want, true);
    cr_expect_eq(count(out, "<td class=\"pct\">66.7%</td>"), 5, "%s", out);
    cr_expect_eq(count(out, "<td class=\"pct\">33.3%</td>"), 5); /* one destination only */
    free(out);
    summary_free(s);
}

Test(html, nothing_is_fetched_and_nothing_runs)
{
    struct summary *s = small_summary(64);
    struct ts_record a = conn("10.0.0.1", "10.0.0.2", 80, 6, "http", "SF", 100);
    add(s, &a);
    struct page pg;
    page_open(&pg, 5, 60);
    struct summary_counters c = {.pkts = 5, .bytes = 500};
    for (unsigned k = 0; k < 3; k++)
        cr_assert_eq(html_interval(pg.p, k, 0, 0, &c), 0);
    cr_assert_eq(html_block(pg.p, "Total", s, &pg.o), 0);
    char *out = page_close(&pg);
    const char *never[] = {"<script", "src=",    "href=",   "url(",   "@import", "<link",
                           "<img",    "<iframe", "<object", "onload", "onerror", "javascript:"};
    expect_all(out, never, sizeof never / sizeof *never, false);
    const char *want[] = {"<style>", "@media print"};
    expect_all(out, want, 2, true);
    free(out);
    summary_free(s);
}

static const char *evil_name(void *ctx, const unsigned char *addr, size_t len)
{
    (void)ctx;
    (void)addr;
    (void)len;
    return "<b onmouseover=\"x\">host</b>";
}

Test(html, markup_in_any_input_string_shows_as_text)
{
    struct summary *s = small_summary(64);
    struct ts_record a =
        conn("10.0.0.1", "10.0.0.2", 80, 6, "<script>alert(1)</script>", "\"'&S0", 100);
    struct ts_record b =
        conn("10.0.0.1", "10.0.0.2", 81, 6, "<img src=x onerror=alert(1)>", "x\x01\xff", 100);
    add(s, &a);
    add(s, &b);
    struct page pg;
    page_open(&pg, 5, 0);
    pg.o.resolve = evil_name;
    cr_assert_eq(html_block(pg.p, "<i>Total</i>", s, &pg.o), 0);
    struct html_net nets[] = {{"10.0.0.0/8", "<script>x</script> lab", 2, false}};
    struct html_pair pairs[] = {{"<a>", "b\"", -1}};
    cr_assert_eq(html_networks(pg.p, nets, 1, 1, pairs, 1), 0);
    struct html_pair unk[] = {{"<svg onload=x>", "::1", 4}};
    cr_assert_eq(html_unknown(pg.p, unk, 1, 4, 0), 0);
    char *out = page_close(&pg);
    const char *never[] = {"<script", "<img", "<b ", "<i>", "<a>", "<svg onload", "\x01", "\xff"};
    expect_all(out, never, sizeof never / sizeof *never, false);
    const char *want[] = {"<th>&lt;script&gt;alert(1)&lt;/script&gt;</th>",
                          "<th>&lt;img src=x onerror=alert(1)&gt;</th>",
                          "data-key=\"&quot;&#39;&amp;S0\"",
                          "<th>x&#x01;&#xff;</th>",
                          "&lt;b onmouseover=&quot;x&quot;&gt;host&lt;/b&gt;",
                          "&lt;script&gt;x&lt;/script&gt; lab"};
    expect_all(out, want, sizeof want / sizeof *want, true);
    free(out);
    summary_free(s);
}

/* Whatever bytes a service or state holds, the page stays printable
 * ASCII: each byte outside it is a character reference. */
Test(html, every_byte_of_a_name_is_written_as_printable_ascii)
{
    struct summary *s = small_summary(64);
    char name[12][24];
    for (int i = 0; i < 12; i++) {
        for (int j = 0; j < 22; j++)
            name[i][j] = (char)(1 + (i * 22 + j) % 255);
        name[i][22] = '\0';
        struct ts_record r = conn("10.0.0.1", "10.0.0.2", 80, 6, name[i], name[11 - i], 1);
        add(s, &r);
    }
    char *out = page_of(s, 12);
    size_t shown = count(out, "<th>");
    cr_expect_geq(shown, 24, "%zu names", shown);
    for (const char *p = out; *p; p++)
        cr_assert((*p >= 0x20 && *p < 0x7f) || *p == '\n', "byte 0x%02x at %zu", (unsigned char)*p,
                  (size_t)(p - out));
    cr_expect(strstr(out, "&#x01;&#x02;&#x03;") != NULL);
    cr_expect(strstr(out, "&#xfe;&#xff;&#x01;") != NULL);
    free(out);
    summary_free(s);
}

/* Every share range of the text block is on the page too ("lo-hi%" as
 * "lo&#8211;hi%"); returns how many there were. */
static size_t expect_text_ranges(const char *text, const char *out)
{
    size_t ranges = 0;
    for (const char *p = text; (p = strchr(p, '%')) != NULL; p++) {
        const char *b = p;
        while (b > text && (b[-1] == '.' || b[-1] == '-' || (b[-1] >= '0' && b[-1] <= '9')))
            b--;
        const char *dash = memchr(b, '-', (size_t)(p - b));
        if (dash == NULL)
            continue;
        char want[64];
        snprintf(want, sizeof want, "<td class=\"pct\">%.*s&#8211;%.*s%%</td>", (int)(dash - b), b,
                 (int)(p - dash - 1), dash + 1);
        cr_expect(strstr(out, want) != NULL, "missing %s", want);
        ranges++;
    }
    return ranges;
}

/* Every range the text report prints for an evicted column is on the
 * page too, and the column is marked as estimates. */
Test(html, evicted_columns_show_the_text_reports_ranges)
{
    struct summary *s = small_summary(16);
    char src[32];
    for (int i = 0; i < 40; i++)
        for (int j = 0; j <= (i % 7); j++) {
            snprintf(src, sizeof src, "10.0.%d.%d", i / 200, i % 200 + 1);
            struct ts_record r = conn(src, "10.9.9.9", 80, 6, "http", "SF", 1);
            add(s, &r);
        }
    cr_assert(!summary_col_exact(s, COL_SRCS));
    char *text = render(s, 10, true);
    char *out = page_of(s, 10);
    const char *want[] = {"data-col=\"sources\" data-exact=\"false\"",
                          "data-col=\"ports\" data-exact=\"true\"",
                          "Space-Saving k=16 evicted keys", "class=\"range\""};
    expect_all(out, want, sizeof want / sizeof *want, true);
    cr_expect_gt(expect_text_ranges(text, out), 0, "%s", text);
    free(text);
    free(out);
    summary_free(s);
}

/* Under -S every column is an estimate: the page shows the text report's
 * confidence ranges and says what they are. */
Test(html, sampled_counts_show_the_text_reports_ranges)
{
    struct summary *s = small_summary(64);
    for (int i = 0; i < 60; i++) {
        struct ts_record r = conn(i % 3 ? "10.0.0.1" : "10.0.0.2", "10.9.9.9",
                                  (uint16_t)(80 + i % 4), 6, "http", "SF", 1);
        add(s, &r);
    }
    struct report_opts o = {
        .conns = true, .topn = 5, .factor = 2, .factor_float = true, .sample_p = 0.5, .seed = 7};
    char *text = NULL;
    size_t len;
    o.out = open_memstream(&text, &len);
    cr_assert_eq(report_block(&o, s, "Total", true), 0);
    fclose(o.out);
    struct page pg;
    page_open(&pg, 5, 0);
    cr_assert_eq(html_block(pg.p, "Total", s, &o), 0);
    char *out = page_close(&pg);
    const char *want[] = {"data-col=\"ports\" data-exact=\"false\"",
                          "Sampled with probability 0.5: ranges are 95% confidence intervals",
                          "data-name=\"connections\" data-value=\"120\""};
    expect_all(out, want, sizeof want / sizeof *want, true);
    cr_expect_geq(expect_text_ranges(text, out), 4, "%s", text);
    free(text);
    free(out);
    summary_free(s);
}

/* Sums the numbers of the first data-values="..." after marker. */
static double sum_values(const char *page, const char *marker, size_t *npoints)
{
    const char *p = strstr(page, marker);
    cr_assert_not_null(p, "%s", marker);
    p = strstr(p, "data-values=\"");
    cr_assert_not_null(p);
    p += strlen("data-values=\"");
    double sum = 0;
    *npoints = 0;
    while (*p != '"') {
        char *end;
        sum += strtod(p, &end);
        cr_assert(end != p);
        (*npoints)++;
        p = end;
        while (*p == ' ')
            p++;
    }
    return sum;
}

/* The page of n intervals of ilen seconds with -l, a Total block and ten
 * networks; returns the page. */
static char *series_page(uint64_t n, long long ilen, size_t *len)
{
    struct summary *s = small_summary(64);
    char src[32];
    for (int i = 0; i < 40; i++) {
        snprintf(src, sizeof src, "10.0.0.%d", i + 1);
        struct ts_record r = conn(src, "192.0.2.1", (uint16_t)(1000 + i), 6, "http", "SF", 10);
        add(s, &r);
    }
    struct page pg;
    page_open(&pg, 10, ilen);
    for (uint64_t i = 0; i < n; i++) {
        struct summary_counters t = {.pkts = 100 + i % 17, .bytes = 1000000 + i};
        struct summary_counters in = {.pkts = 60 + i % 5, .bytes = 400000};
        struct summary_counters o = {.pkts = 40, .bytes = 600000 + i};
        long long idx = 1300000000 / ilen + (long long)i;
        double start = (double)idx * (double)ilen;
        cr_assert_eq(html_interval(pg.p, 0, idx, start, &t), 0);
        cr_assert_eq(html_interval(pg.p, 1, idx, start, &in), 0);
        cr_assert_eq(html_interval(pg.p, 2, idx, start, &o), 0);
    }
    cr_assert_eq(html_block(pg.p, "Total", s, &pg.o), 0);
    struct html_net nets[10];
    for (int i = 0; i < 10; i++)
        nets[i] = (struct html_net){"10.0.0.0/24", "a local network", 100.0 - i, false};
    cr_assert_eq(html_networks(pg.p, nets, 10, 0, NULL, 0), 0);
    char *out = page_close(&pg);
    *len = strlen(out);
    summary_free(s);
    return out;
}

Test(html, long_series_merge_neighbours_and_keep_every_count)
{
    uint64_t n = 10080; /* a week of minutes */
    size_t len, np;
    char *out = series_page(n, 60, &len);
    uint64_t want = 0, want_b = 0;
    for (uint64_t i = 0; i < n; i++) {
        want += 100 + i % 17;
        want_b += 600000 + i;
    }
    double got = sum_values(strstr(out, "data-metric=\"records\""), "data-series=\"total\"", &np);
    cr_expect_eq(got, (double)want, "%f %f", got, (double)want);
    cr_expect_leq(np, HTML_POINTS_MAX);
    cr_expect_gt(np, HTML_POINTS_MAX / 2);
    size_t np_b;
    const char *bytes = strstr(out, "data-metric=\"bytes\"");
    cr_assert_not_null(bytes);
    cr_expect_eq(sum_values(bytes, "data-series=\"outgoing\"", &np_b), (double)want_b);
    cr_expect_eq(np_b, np);
    cr_expect(strstr(out, "data-intervals=\"10080\" data-points=\"1260\" data-merged=\"8\"") !=
              NULL);
    cr_expect(strstr(out, "each point adds up 8 consecutive intervals") != NULL);
    /* the time axis in local time (TZ=GMT+5), as the text report prints
     * it, with ticks on local midnights for a week */
    cr_expect(strstr(out, "-00-00-00</text>") != NULL);
    cr_expect(strstr(out, "2011-03-15-00-00-00</text>") != NULL);
    free(out);
}

/* The page of the Total intervals idx[0..n) (each of idx + 1 records),
 * in that order. */
static char *order_page(const long long *idx, size_t n)
{
    struct page pg;
    page_open(&pg, 3, 60);
    for (size_t i = 0; i < n; i++) {
        struct summary_counters c = {.pkts = (uint64_t)(idx[i] % 1000) + 1, .bytes = 10};
        cr_assert_eq(html_interval(pg.p, 0, idx[i], (double)idx[i] * 60, &c), 0);
    }
    return page_close(&pg);
}

/* The values of the Total records series, as written. */
static char *total_values(const char *page)
{
    const char *p = strstr(strstr(page, "data-metric=\"records\""), "data-series=\"total\"");
    cr_assert_not_null(p);
    p = strstr(p, "data-values=\"") + strlen("data-values=\"");
    return strndup(p, (size_t)(strchr(p, '"') - p));
}

Test(html, intervals_in_any_order_draw_the_same_points)
{
    enum { N = 1500 };
    static long long in_order[N], shuffled[N];
    for (size_t i = 0; i < N; i++)
        in_order[i] = shuffled[i] = 20000000 + (long long)i;
    uint64_t x = 42;
    for (size_t i = N - 1; i > 0; i--) { /* Fisher-Yates with a fixed LCG */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t j = (size_t)((x >> 33) % (i + 1));
        long long t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
    }
    char *a = order_page(in_order, N), *b = order_page(shuffled, N);
    char *va = total_values(a), *vb = total_values(b);
    cr_expect_str_eq(va, vb);
    free(va);
    free(vb);
    free(a);
    free(b);
}

Test(html, far_apart_or_reversed_intervals_keep_the_points_bounded)
{
    long long far[3] = {5, 1000000000000LL, -1000000000000LL};
    static long long reversed[10000];
    for (size_t i = 0; i < 10000; i++)
        reversed[i] = 30000000 - (long long)i;
    const long long *cases[2] = {far, reversed};
    size_t ns[2] = {3, 10000};
    for (int k = 0; k < 2; k++) {
        char *out = order_page(cases[k], ns[k]);
        size_t np;
        double got =
            sum_values(strstr(out, "data-metric=\"records\""), "data-series=\"total\"", &np);
        double want = 0;
        for (size_t i = 0; i < ns[k]; i++)
            want += (double)(cases[k][i] % 1000) + 1;
        cr_expect_eq(got, want, "case %d: %f, want %f", k, got, want);
        cr_expect_leq(np, HTML_POINTS_MAX, "case %d: %zu points", k, np);
        cr_expect_gt(np, k == 0 ? 1 : HTML_POINTS_MAX / 2, "case %d: %zu points", k, np);
        free(out);
    }
}

Test(html, page_size_is_bounded_whatever_the_number_of_intervals)
{
    size_t day, week, month;
    free(series_page(24, 3600, &day));
    free(series_page(10080, 60, &week));
    free(series_page(43200, 60, &month));
    cr_log_info("page: a day at -i 1h %zu bytes, a week at -i 1m %zu bytes, 30 days at -i 1m "
                "%zu bytes; renderer state %zu bytes",
                day, week, month, html_mem_bytes());
    fprintf(stderr,
            "html page: day -i 1h %zu B, week -i 1m %zu B, 30 days -i 1m %zu B, state %zu B\n", day,
            week, month, html_mem_bytes());
    cr_expect_lt(day, 64 * 1024);
    cr_expect_lt(week, 768 * 1024);
    /* past HTML_POINTS_MAX intervals the page stops growing */
    cr_expect_lt(month, week + week / 4);
    cr_expect_lt(html_mem_bytes(), 256 * 1024);
}

Test(html, short_series_draw_one_point_per_interval)
{
    size_t len, np;
    char *out = series_page(24, 3600, &len);
    cr_expect(strstr(out, "24 intervals of 1h, one point each.") != NULL);
    double want = 0;
    for (int i = 0; i < 24; i++)
        want += 60 + i % 5;
    cr_expect_eq(sum_values(out, "data-series=\"incoming\"", &np), want);
    cr_expect_eq(np, 24);
    free(out);
}

Test(html, a_page_without_records_is_complete)
{
    struct summary *s = small_summary(64);
    char *out = page_of(s, 10);
    cr_expect(strstr(out, "nothing counted") != NULL);
    cr_expect(strstr(out, ">N/A<br>N/A<") != NULL);
    cr_expect(strcmp(out + strlen(out) - 8, "</html>\n") == 0);
    free(out);
    summary_free(s);
}

Test(html, a_failed_write_is_reported)
{
    FILE *f = fopen("/dev/full", "w");
    cr_assert_not_null(f);
    setvbuf(f, NULL, _IONBF, 0);
    struct html_meta m = {.input = "x", .conns = true, .topn = 3, .factor = 1};
    struct html_page *p = html_begin(f, &m);
    cr_assert_not_null(p);
    struct html_stats st = {0};
    cr_expect_eq(html_finish(p, &st), -1);
    fclose(f);
}

/* The page as a sink: what finish hands over is on the page, and a write
 * error comes back once, naming the file. */
static int sink_run(FILE *f, const struct summary *s, struct ts_err *err)
{
    struct sink_params sp = {.ro = {.conns = true, .topn = 5, .factor = 1, .seed = 7},
                             .input_name = "conn.log",
                             .seed = 7,
                             .ilen = 60};
    struct sink *k = sink_html_new(&sp, f, "page.html");
    cr_assert_not_null(k);
    struct sink_input_stats in = {.conns = true, .corrupt_lines = 4};
    struct sink_unknown unk = {.src = "<u>", .dst = "v", .count = 2};
    struct sink_report r = {.total = s,
                            .unknown_kept = true,
                            .unknown = &unk,
                            .n_unknown = 1,
                            .unknown_total = 2,
                            .late = 1,
                            .input = &in};
    struct sink_interval iv = {.stream = 0, .idx = 5, .start = 300, .end = 360, .s = s};
    int rc = sink_begin(k, err);
    rc = rc ? rc : sink_interval(k, &iv, err);
    rc = rc ? rc : sink_finish(k, &r, err);
    sink_free(k);
    return rc;
}

Test(html, the_sink_writes_what_finish_hands_over)
{
    struct summary *s = small_summary(64);
    struct ts_record a = conn("10.0.0.1", "10.0.0.2", 80, 6, "http", "SF", 100);
    add(s, &a);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct ts_err err;
    cr_assert_eq(sink_run(f, s, &err), 0);
    fclose(f);
    const char *want[] = {"data-name=\"corrupt_lines\" data-value=\"4\"",
                          "data-name=\"late_records\" data-value=\"1\"",
                          "<td>&lt;u&gt;</td>",
                          "data-intervals=\"1\"",
                          "data-key=\"http\"",
                          "</html>\n"};
    expect_all(buf, want, sizeof want / sizeof *want, true);
    free(buf);
    f = fopen("/dev/full", "w");
    cr_assert_not_null(f);
    cr_expect_eq(sink_run(f, s, &err), TS_EIO);
    cr_expect(strstr(err.msg, "'page.html': cannot write the page") != NULL, "%s", err.msg);
    fclose(f);
    summary_free(s);
}
