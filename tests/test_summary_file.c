/*
 * test_summary_file.c - the summary file: a run written and read back
 * gives the same parameters, summaries, pair lists and run statistics;
 * the compatibility check names the differing option (table rows); every
 * truncation, a bit flip anywhere, a foreign version or magic, sizes over
 * the limit give an error naming the offset, never a crash; a reader
 * folding a file holds one summary of it at a time.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "hash.h"
#include "summary_file.h"

#define SEED 0x7e57f11e5eed0002ULL

static const struct sf_net locals[] = {{"10.0.0.0/8", "lab"}, {"2001:db8::/32", ""}};
static const struct sf_net excl[] = {{"192.168.1.0/24", "printers"}};
static const struct summary_sizes main_z = {64, 128, 8, 256, 4, 10, 256};
static const struct summary_sizes int_z = {0, 0, 0, 0, 0, 0, 0};

static struct sf_params params(void)
{
    struct sf_params p;
    memset(&p, 0, sizeof p);
    p.conns = true;
    p.ilen = 600;
    p.maxtime = 1e20;
    p.factor = 1;
    p.local = locals;
    p.n_local = 2;
    p.exclude = excl;
    p.n_exclude = 1;
    p.total = p.dir = p.net = main_z;
    p.interval = int_z;
    p.seed_fingerprint = hash_seed_fingerprint(SEED);
    p.version = "test 1.0";
    return p;
}

static void fill(struct summary *s, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        struct ts_record r;
        ts_record_clear(&r);
        uint64_t x = splitmix64(&seed);
        r.kind = TS_REC_CONN;
        r.ts = 100 + (double)i;
        r.end = r.ts + 1;
        r.src.len = r.dst.len = 4;
        uint32_t a = (uint32_t)(x % 1000), b = (uint32_t)((x >> 20) % 50);
        memcpy(r.src.b, &a, 4);
        memcpy(r.dst.b, &b, 4);
        r.dport = (uint16_t)(x >> 40) % 100;
        r.proto = 6;
        r.bytes = x % 3000;
        r.service = (struct ts_str){"http", 4};
        r.state = (struct ts_str){"SF", 2};
        struct summary_update u;
        {
            struct summary_update_params up = {.by_bytes = false, .conns = true, .hash_ports = true, .seed = SEED};
            summary_update_prepare(&u, &r, &up, NULL);
        }
        summary_add(s, &u, true);
    }
}

struct file {
    char *buf;
    size_t len;
};

/* A writer into f, in memory (*out: its stream, closed by the caller). */
static struct sf_writer *start_file(const struct sf_params *p, struct file *f, FILE **out)
{
    *out = open_memstream(&f->buf, &f->len);
    cr_assert(*out != NULL);
    struct ts_err err;
    struct sf_writer *w = sf_writer_new(*out, p, &err);
    cr_assert(w != NULL, "%s", err.msg);
    return w;
}

/* A file of Total, Incoming, Outgoing, one network, three intervals and
 * both pair lists. */
static struct file write_file(const struct sf_params *p, struct summary *keep[3])
{
    struct file f = {NULL, 0};
    FILE *out;
    struct sf_writer *w = start_file(p, &f, &out);
    struct ts_err err;
    for (int role = SF_TOTAL; role <= SF_NETWORK; role++) {
        struct summary *s = summary_new(&main_z, SEED);
        fill(s, 3000 + (size_t)role * 100, (uint64_t)role + 1);
        cr_assert_eq(sf_writer_summary(w, role, 0, 0, s, &err), 0, "%s", err.msg);
        if (role < 3 && keep != NULL)
            keep[role] = s;
        else
            summary_free(s);
    }
    for (int i = 0; i < 3; i++) {
        struct summary *s = summary_new(&int_z, SEED);
        fill(s, 100, 50 + (uint64_t)i);
        summary_set_span(s, 600.0 * i, 600.0 * (i + 1));
        cr_assert_eq(sf_writer_summary(w, SF_INTERVAL, 0, 600.0 * i, s, &err), 0);
        struct capture_counts c = {100 + (uint64_t)i, (uint64_t)i, 1};
        cr_assert_eq(sf_writer_capture(w, 600.0 * i, &c, &err), 0);
        summary_free(s);
    }
    struct sf_pair up[2] = {{(const uint8_t *)"fe80::1", (const uint8_t *)"ff02::2", 7, 7, 3},
                            {(const uint8_t *)"a", (const uint8_t *)"", 1, 0, 1}};
    struct sf_pairs unknown = {SF_PAIRS_UNKNOWN, 4, 0, 2, up};
    cr_assert_eq(sf_writer_pairs(w, &unknown, &err), 0);
    struct sf_pairs nonlocal = {SF_PAIRS_NONLOCAL, 12, 0, 0, NULL};
    cr_assert_eq(sf_writer_pairs(w, &nonlocal, &err), 0);
    struct sf_run run = {.first = 100,
                         .last = 3500,
                         .corrupt_lines = 2,
                         .late = 5,
                         .drops = 6,
                         .has_capture = true,
                         .capture = {303, 3, 3}};
    cr_assert_eq(sf_writer_finish(w, &run, &err), 0);
    cr_assert_eq(sf_writer_bytes(w), (uint64_t)ftell(out));
    sf_writer_free(w);
    fclose(out);
    return f;
}

/* Reads a whole file from memory: 0, or the code and message of the
 * first error. Counts summaries and pairs. */
static int read_all(const void *buf, size_t len, uint64_t seed, const struct sf_limits *lim,
                    struct ts_err *err, size_t *summaries)
{
    FILE *in = fmemopen((void *)buf, len, "rb");
    if (len == 0)
        in = fopen("/dev/null", "rb");
    cr_assert(in != NULL);
    ts_err_clear(err);
    struct sf_reader *r = sf_reader_new(in, seed, lim, err);
    int rc = r == NULL ? err->code : 1;
    size_t n = 0;
    while (rc == 1) {
        struct sf_item it;
        rc = sf_reader_next(r, &it, err);
        n += rc == 1 && it.kind == SF_ITEM_SUMMARY;
    }
    if (summaries != NULL)
        *summaries = n;
    sf_reader_free(r);
    fclose(in);
    return rc;
}

Test(summary_file, written_run_reads_back_identical)
{
    struct sf_params p = params();
    struct summary *keep[3];
    struct file f = write_file(&p, keep);
    cr_assert(sf_is_summary_file(f.buf, f.len));
    FILE *in = fmemopen(f.buf, f.len, "rb");
    struct ts_err err;
    struct sf_reader *r = sf_reader_new(in, SEED, NULL, &err);
    cr_assert(r != NULL, "%s", err.msg);
    const struct sf_params *q = sf_reader_params(r);
    cr_assert_null(sf_params_differ(&p, q));
    cr_assert(sf_reader_same_seed(r));
    cr_assert_str_eq(q->local[1].cidr, "2001:db8::/32");
    cr_assert_str_eq(q->exclude[0].descr, "printers");
    cr_assert_str_eq(q->version, "test 1.0");
    size_t summaries = 0, lists = 0, captures = 0;
    struct sf_item it;
    int rc;
    while ((rc = sf_reader_next(r, &it, &err)) == 1) {
        if (it.kind == SF_ITEM_CAPTURE) {
            /* after its interval, with its counters */
            cr_assert_eq(it.start, 600.0 * (double)captures);
            cr_assert_eq(it.capture.received, 100 + captures);
            cr_assert_eq(it.capture.dropped_kernel, captures);
            cr_assert_eq(it.capture.dropped_iface, 1);
            captures++;
            continue;
        }
        if (it.kind == SF_ITEM_PAIRS) {
            if (it.pairs.kind == SF_PAIRS_UNKNOWN) {
                cr_assert_eq(it.pairs.n, 2);
                cr_assert_eq(it.pairs.pair[0].count, 3);
                cr_assert_eq(memcmp(it.pairs.pair[0].b, "ff02::2", 7), 0);
                cr_assert_eq(it.pairs.pair[1].blen, 0);
            } else {
                cr_assert_eq(it.pairs.total, 12);
            }
            lists++;
            continue;
        }
        if (it.role < 3) {
            /* the summary encodes to the bytes of the one written */
            struct bb_writer a, b;
            bbw_init(&a, SIZE_MAX);
            bbw_init(&b, SIZE_MAX);
            cr_assert_eq(summary_encode(it.summary, &a), 0);
            cr_assert_eq(summary_encode(keep[it.role], &b), 0);
            cr_assert(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
            bbw_free(&a);
            bbw_free(&b);
        }
        if (it.role == SF_INTERVAL)
            cr_assert_eq(summary_counters(it.summary)->start, it.start);
        summaries++;
    }
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(summaries, 7);
    cr_assert_eq(lists, 2);
    cr_assert_eq(captures, 3);
    const struct sf_run *run = sf_reader_run(r);
    cr_assert(run->has_capture);
    cr_assert(run->capture.received == 303 && run->capture.dropped_kernel == 3 &&
              run->capture.dropped_iface == 3 && run->drops == 6);
    cr_assert_eq(sf_reader_run(r)->late, 5);
    cr_assert_eq(sf_reader_run(r)->last, 3500);
    cr_assert_eq(sf_reader_offset(r), f.len);
    sf_reader_free(r);
    fclose(in);
    for (int i = 0; i < 3; i++)
        summary_free(keep[i]);
    free(f.buf);
}

Test(summary_file, another_seed_reads_tables_and_says_what_is_lost)
{
    struct sf_params p = params();
    struct file f = write_file(&p, NULL);
    FILE *in = fmemopen(f.buf, f.len, "rb");
    struct ts_err err;
    struct sf_reader *r = sf_reader_new(in, SEED + 1, NULL, &err);
    cr_assert(r != NULL);
    cr_assert_not(sf_reader_same_seed(r));
    struct sf_item it;
    cr_assert_eq(sf_reader_next(r, &it, &err), 1);
    cr_assert_eq(it.role, SF_TOTAL);
    cr_assert_eq(summary_lost(it.summary), SUMMARY_LOST_BOUNDS | SUMMARY_LOST_DISTINCT);
    cr_assert_gt(summary_counters(it.summary)->pkts, 0);
    struct ss_entry top1;
    cr_assert_gt(summary_top(it.summary, COL_SRCS, &top1, 1), 0);
    sf_reader_free(r);
    fclose(in);
    free(f.buf);
}

Test(summary_file, compatibility_names_the_differing_option)
{
    static const struct {
        const char *opt;
        int field;
    } rows[] = {{"-c", 0},  {"-b", 1},  {"-t", 2},  {"-u", 3},       {"-C", 4},  {"-e", 5},
                {"-p", 6},  {"-U", 7},  {"-V", 8},  {"-s", 9},       {"-S", 10}, {"-l", 11},
                {"-E", 12}, {"-i", 13}, {"-l", 14}, {"--memory", 15}};
    static uint8_t ports[8192] = {1};
    static const struct sf_net other[] = {{"10.0.0.0/8", "lab"}, {"2001:db8::/48", ""}};
    static const struct sf_net renamed[] = {{"10.0.0.0/8", "office"}, {"2001:db8::/32", ""}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sf_params a = params(), b = params();
        switch (rows[i].field) {
        case 0:
            b.conns = false;
            break;
        case 1:
            b.by_bytes = true;
            break;
        case 2:
            b.tcp_only = true;
            break;
        case 3:
            b.udp_only = true;
            break;
        case 4:
            b.chema = true;
            break;
        case 5:
            b.external = true;
            break;
        case 6:
            b.port_set = ports;
            break;
        case 7:
            b.mintime = 5;
            break;
        case 8:
            b.maxtime = 5;
            break;
        case 9:
            b.factor = 10;
            break;
        case 10:
            b.sample_p = 0.1;
            b.factor = 10;
            b.factor_float = true;
            break;
        case 11:
            b.local = other;
            break;
        case 12:
            b.n_exclude = 0;
            break;
        case 13:
            b.ilen = 900;
            break;
        case 14:
            b.local = renamed;
            break;
        default:
            b.net.k_addrs = 64;
            break;
        }
        const char *d = sf_params_differ(&a, &b);
        cr_assert(d != NULL && strcmp(d, rows[i].opt) == 0, "row %zu: %s, not %s", i,
                  d ? d : "(none)", rows[i].opt);
        d = sf_params_differ(&b, &a);
        cr_assert(d != NULL && strcmp(d, rows[i].opt) == 0, "row %zu reversed", i);
    }
    /* -i lengths that are multiples merge; a seed is no refusal */
    struct sf_params a = params(), b = params();
    b.ilen = 3600;
    b.seed_fingerprint ^= 1;
    cr_assert_null(sf_params_differ(&a, &b));
    cr_assert_null(sf_params_differ(&b, &a));
    cr_assert_not(sf_params_same_seed(&a, &b));
    b.ilen = 0;
    cr_assert_str_eq(sf_params_differ(&a, &b), "-i");
}

Test(summary_file, every_truncation_is_an_error_naming_an_offset)
{
    struct sf_params p = params();
    struct file f = write_file(&p, NULL);
    size_t n;
    struct ts_err err;
    cr_assert_eq(read_all(f.buf, f.len, SEED, NULL, &err, &n), 0, "%s", err.msg);
    for (size_t len = 0; len < f.len; len += 1 + len / 200) {
        int rc = read_all(f.buf, len, SEED, NULL, &err, NULL);
        cr_assert_lt(rc, 0, "a prefix of %zu bytes read as a whole file", len);
        if (len >= SF_MAGIC_LEN) {
            cr_assert_eq(rc, TS_EDAMAGED, "prefix %zu: %s", len, err.msg);
            cr_assert(strstr(err.msg, "offset") != NULL, "prefix %zu: %s", len, err.msg);
        } else {
            cr_assert_eq(rc, TS_EFORMAT);
        }
    }
    free(f.buf);
}

Test(summary_file, bit_flips_are_errors_or_valid_files)
{
    struct sf_params p = params();
    struct file f = write_file(&p, NULL);
    struct ts_err err;
    size_t flipped = 0;
    for (size_t bit = 0; bit < f.len * 8; bit += 7) {
        f.buf[bit / 8] ^= (char)(1u << (bit % 8));
        int rc = read_all(f.buf, f.len, SEED, NULL, &err, NULL);
        /* CRC32C catches every single-bit error of a section */
        cr_assert_lt(rc, 0, "bit %zu flipped, file accepted", bit);
        cr_assert(err.msg[0] != '\0');
        flipped++;
        f.buf[bit / 8] ^= (char)(1u << (bit % 8));
    }
    cr_assert_gt(flipped, 100);
    free(f.buf);
}

Test(summary_file, foreign_files_and_versions_are_refused)
{
    struct sf_params p = params();
    struct file f = write_file(&p, NULL);
    struct ts_err err;
    f.buf[8] = 2;
    cr_assert_eq(read_all(f.buf, f.len, SEED, NULL, &err, NULL), TS_EFORMAT);
    cr_assert(strstr(err.msg, "version 2") != NULL, "%s", err.msg);
    f.buf[8] = 1;
    static const uint8_t pcap[] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0};
    static const uint8_t gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0, 0};
    static const char text[] = "#separator \\x09\n#fields\tts\n";
    cr_assert_eq(read_all(pcap, sizeof pcap, SEED, NULL, &err, NULL), TS_EFORMAT);
    cr_assert_eq(read_all(gz, sizeof gz, SEED, NULL, &err, NULL), TS_EFORMAT);
    cr_assert_eq(read_all(text, sizeof text - 1, SEED, NULL, &err, NULL), TS_EFORMAT);
    cr_assert_not(sf_is_summary_file(text, sizeof text - 1));
    /* sizes over the caller's memory limit are refused before allocation */
    struct sf_limits lim = {0, 4096, 0};
    cr_assert_eq(read_all(f.buf, f.len, SEED, &lim, &err, NULL), TS_EDAMAGED);
    cr_assert(strstr(err.msg, "limit") != NULL, "%s", err.msg);
    struct sf_limits small_sections = {64, 0, 0};
    cr_assert_eq(read_all(f.buf, f.len, SEED, &small_sections, &err, NULL), TS_EDAMAGED);
    free(f.buf);
}

Test(summary_file, huge_claimed_length_allocates_only_what_arrives)
{
    /* header, then a section claiming 1 GiB - 1 of which 3 bytes follow */
    uint8_t b[12 + 8 + 3];
    memcpy(b, SF_MAGIC, 8);
    memcpy(b + 8, "\1\0\0\0PARM\xff\xff\xff\x3f", 12);
    memset(b + 20, 0, 3);
    struct ts_err err;
    cr_assert_eq(read_all(b, sizeof b, SEED, NULL, &err, NULL), TS_EDAMAGED);
    cr_assert(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
}

Test(summary_file, trailing_bytes_after_the_end_are_an_error)
{
    struct sf_params p = params();
    struct file f = write_file(&p, NULL);
    char *g = malloc(f.len + 1);
    memcpy(g, f.buf, f.len);
    g[f.len] = 0;
    struct ts_err err;
    cr_assert_eq(read_all(g, f.len + 1, SEED, NULL, &err, NULL), TS_EDAMAGED);
    cr_assert(strstr(err.msg, "after the end") != NULL, "%s", err.msg);
    free(g);
    free(f.buf);
}

/* f without its first section tagged tag (a copy, or NULL when none). */
static char *without_section(const struct file *f, const char *tag, size_t *len)
{
    for (size_t at = 12; at + 8 <= f->len;) {
        const unsigned char *h = (const unsigned char *)f->buf + at;
        size_t n = (size_t)h[4] | (size_t)h[5] << 8 | (size_t)h[6] << 16 | (size_t)h[7] << 24;
        size_t whole = 8 + n + 4;
        if (memcmp(h, tag, 4) == 0) {
            char *g = malloc(f->len - whole);
            memcpy(g, f->buf, at);
            memcpy(g + at, f->buf + at + whole, f->len - at - whole);
            *len = f->len - whole;
            return g;
        }
        at += whole;
    }
    return NULL;
}

Test(summary_file, a_lost_capture_section_is_an_error)
{
    struct sf_params p = params();
    struct file f = write_file(&p, NULL);
    struct ts_err err;
    size_t len;
    char *g = without_section(&f, "capi", &len);
    cr_assert_not_null(g);
    cr_assert_eq(read_all(g, len, SEED, NULL, &err, NULL), TS_EDAMAGED);
    cr_assert(strstr(err.msg, "counts 3 intervals, the file holds 2") != NULL, "%s", err.msg);
    free(g);
    g = without_section(&f, "capt", &len);
    cr_assert_not_null(g);
    cr_assert_eq(read_all(g, len, SEED, NULL, &err, NULL), TS_EDAMAGED);
    cr_assert(strstr(err.msg, "capture counters of 3 intervals but none in total") != NULL, "%s",
              err.msg);
    free(g);
    free(f.buf);
}

/* A file with one interval summary, or one capture's counters, at start. */
static struct file one_item_at(const struct sf_params *p, bool capture, double start)
{
    struct file f = {NULL, 0};
    FILE *out;
    struct sf_writer *w = start_file(p, &f, &out);
    struct ts_err err;
    if (capture) {
        struct capture_counts c = {1, 0, 0};
        cr_assert_eq(sf_writer_capture(w, start, &c, &err), 0);
    } else {
        struct summary *s = summary_new(&p->interval, SEED);
        fill(s, 10, 3);
        cr_assert_eq(sf_writer_summary(w, SF_INTERVAL, 0, start, s, &err), 0);
        summary_free(s);
    }
    struct sf_run run = {.first = 100, .last = 200, .has_capture = capture, .capture = {1, 0, 0}};
    cr_assert_eq(sf_writer_finish(w, &run, &err), 0);
    sf_writer_free(w);
    fclose(out);
    return f;
}

/* A start no interval can have (NaN, infinite, beyond 2^53 seconds) is
 * damage, for summaries and capture counters alike: the merge numbers
 * intervals by start / -i, which such a start would overflow. */
Test(summary_file, a_start_out_of_range_is_damage)
{
    struct sf_params p = params();
    const double bad[] = {NAN, INFINITY, -INFINITY, 1e300, -1e300, 2 * SF_START_MAX};
    for (int capture = 0; capture <= 1; capture++) {
        struct file ok = one_item_at(&p, capture, -SF_START_MAX);
        struct ts_err err;
        cr_assert_eq(read_all(ok.buf, ok.len, SEED, NULL, &err, NULL), 0, "%s", err.msg);
        free(ok.buf);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            struct file f = one_item_at(&p, capture, bad[i]);
            cr_assert_eq(read_all(f.buf, f.len, SEED, NULL, &err, NULL), TS_EDAMAGED,
                         "start %g (capture %d): %s", bad[i], capture, err.msg);
            cr_assert(strstr(err.msg, capture ? "capture counters" : "summary start") != NULL, "%s",
                      err.msg);
            free(f.buf);
        }
    }
}
