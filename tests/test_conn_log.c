/*
 * test_conn_log.c - the conn.log line parser: TSV headers, separators,
 * unset markers, column maps, scope separators, JSON, Bro 1.x, the version
 * guess, corrupt lines and the bandwidth rule.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn_log.h"
#include "input.h"

#define HDR_FIELDS                                                                                 \
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_"                                  \
    "p\tproto\tservice\tduration\torig_"                                                           \
    "bytes\tresp_bytes\tconn_state\tlocal_orig\tmissed_bytes\thistory\torig_pkts\torig_ip_"        \
    "bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"

#define LINE_SF                                                                                    \
    "1300475168.853899\tCRn7ihZWsWE4uYev\t141.142.220.118\t43927\t141.142.2.2\t53\tudp\tdns\t0."   \
    "000435\t38\t89\tSF\tF\t0\tDd\t1\t66\t1\t117\t(empty)"

/* Feeds one line (copied, so the parser may write to it). */
static int feed(struct conn_parser *p, const char *s, struct ts_record *r, char *buf, size_t cap)
{
    size_t n = strlen(s);
    cr_assert(n < cap);
    memcpy(buf, s, n + 1);
    return conn_parse_line(p, buf, n, r);
}

static bool str_is(struct ts_str s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static char lb[8][1024];

static int feed_n(struct conn_parser *p, const char *s, struct ts_record *r, int slot)
{
    return feed(p, s, r, lb[slot], sizeof lb[slot]);
}

Test(conn_log, tsv_with_header_gives_all_fields)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p, "#separator \\x09", &r, 0), CONN_SKIP);
    cr_assert_eq(feed_n(p, "#unset_field\t-", &r, 0), CONN_SKIP);
    cr_assert_eq(feed_n(p, HDR_FIELDS, &r, 0), CONN_SKIP);
    cr_assert_eq(feed_n(p, LINE_SF, &r, 1), CONN_RECORD);
    cr_assert_eq(r.kind, TS_REC_CONN);
    cr_assert(r.ts == 1300475168.853899);
    cr_assert(r.end == 1300475168.853899 + 0.000435);
    cr_assert_eq(r.src.len, 4);
    cr_assert_eq(r.src.b[0], 141);
    cr_assert_eq(r.src.b[3], 118);
    cr_assert_eq(r.dst.b[3], 2);
    cr_assert_eq(r.sport, 43927);
    cr_assert_eq(r.dport, 53);
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(r.bytes, 127);
    cr_assert_eq(r.payload, 127);
    cr_assert(str_is(r.service, "dns"));
    cr_assert(str_is(r.state, "SF"));
    cr_assert(str_is(r.uid, "CRn7ihZWsWE4uYev"));
    cr_assert(!r.orig_bw_exceeded && !r.resp_bw_exceeded);
    conn_parser_free(p);
}

Test(conn_log, timestamp_round_trips_exactly)
{
    struct conn_parser *p = conn_parser_new(2);
    struct ts_record r;
    cr_assert_eq(feed_n(p,
                        "1300475167.096535\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tS0\tF\t0\tD"
                        "\t1\t73\t0\t0\t(empty)",
                        &r, 0),
                 CONN_RECORD);
    char out[64];
    snprintf(out, sizeof out, "%.6f", r.ts);
    cr_assert_str_eq(out, "1300475167.096535");
    cr_assert(r.ts == strtod("1300475167.096535", NULL));
    cr_assert(r.end == r.ts);
    conn_parser_free(p);
}

/* Timestamps and durations of every shape (1 to 25 digits, leading zeros,
 * fractions of 0 to 24 digits, signs, exponents) parse to exactly what
 * strtod gives: both the fast path and the general one. */
/* Feeds num as ts and as duration: the line must be corrupt when strtod
 * does not read all of num or gives no finite value, else a record with
 * strtod's value in both places. */
static void expect_strtod(struct conn_parser *p, const char *num)
{
    char line[256];
    snprintf(line, sizeof line,
             "%s\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t%s\t-\t-\tS0\tF\t0\tD\t1\t73\t0\t0\t(empty)",
             num, num);
    char *end;
    double want = strtod(num, &end);
    bool whole = *num != '\0' && *end == '\0';
    struct ts_record r;
    int got = feed_n(p, line, &r, 0);
    if (!whole || !isfinite(want)) {
        cr_assert_eq(got, CONN_CORRUPT, "'%s'", num);
        return;
    }
    cr_assert_eq(got, CONN_RECORD, "'%s'", num);
    cr_assert(r.ts == want, "'%s': %.17g != %.17g", num, r.ts, want);
    cr_assert(r.end == want + want, "'%s' as duration", num);
}

Test(conn_log, numbers_equal_strtod)
{
    struct conn_parser *p = conn_parser_new(2);
    uint64_t st = 12345;
    for (int n = 0; n < 20000; n++) {
        char num[64];
        size_t k = 0;
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        unsigned shape = (unsigned)(st >> 60);
        if (shape == 0)
            num[k++] = '+';
        size_t ip = (st >> 20) % 21, fp = (st >> 30) % 25;
        if (ip + fp == 0)
            ip = 1;
        for (size_t i = 0; i < ip; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            num[k++] = (char)('0' + (i == 0 && shape == 1 ? 0 : (st >> 33) % 10));
        }
        if (fp > 0 || shape == 2)
            num[k++] = '.';
        for (size_t i = 0; i < fp; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            num[k++] = (char)('0' + (st >> 33) % 10);
        }
        if (shape == 3)
            k += (size_t)sprintf(num + k, "e%d", (int)((st >> 40) % 40) - 20);
        num[k] = '\0';
        expect_strtod(p, num);
    }
    conn_parser_free(p);
}

/* Times and durations with six decimals take a shortcut (eight digits per
 * load): every integer width from 0 to 12 digits, and each of those with
 * one byte replaced by a character next to the digits in ASCII, a point,
 * a letter or a sign, must give strtod's value or, when strtod does not
 * read the whole field, a corrupt line. */
Test(conn_log, six_decimal_numbers_equal_strtod)
{
    struct conn_parser *p = conn_parser_new(2);
    static const char swap[] = "/:.a-+";
    uint64_t st = 777;
    for (int ip = 0; ip <= 12; ip++) {
        for (int rep = 0; rep < 40; rep++) {
            char num[32];
            size_t k = 0;
            for (int i = 0; i < ip; i++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                num[k++] = (char)('0' + (st >> 33) % 10);
            }
            num[k++] = '.';
            for (int i = 0; i < 6; i++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                num[k++] = (char)('0' + (st >> 33) % 10);
            }
            num[k] = '\0';
            for (size_t pos = 0; pos <= k; pos++) {
                char m[32];
                memcpy(m, num, k + 1);
                if (pos < k) /* pos == k: the number unchanged */
                    m[pos] = swap[(st >> 40) % (sizeof swap - 1)];
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                expect_strtod(p, m);
            }
        }
    }
    conn_parser_free(p);
}

/* Addresses are parsed without the C library; whatever the text, the
 * result must be inet_pton's: random strings over the characters of
 * addresses, and mutations of real IPv6 and IPv4-in-IPv6 addresses; each
 * in the middle of a line (read with 16- and 32-byte loads) and at the end
 * of an exact-size one (read byte by byte). */
Test(conn_log, addresses_parse_as_inet_pton_does)
{
    static const char alphabet[] = "0123456789abcdefABCDEF:.:.::0000ffff";
    struct conn_parser *p = conn_parser_new(2);
    struct conn_parser *pt = conn_parser_new(2); /* the source address last */
    struct ts_record hr;
    cr_assert_eq(
        feed_n(pt,
               "#fields\tts\tuid\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration"
               "\torig_bytes\tresp_bytes\tconn_state\tid.orig_h",
               &hr, 0),
        CONN_SKIP);
    uint64_t st = 99;
    int v6 = 0, v4 = 0, bad = 0;
    for (int n = 0; n < 200000; n++) {
        char a[80];
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        if (n % 4 == 3) {
            /* dotted quads, some with leading zeros, large or missing octets */
            snprintf(a, sizeof a, "%s%u.%u.%u.%u%s", (st >> 61) == 0 ? "0" : "",
                     (unsigned)(st >> 24) % 300, (unsigned)(st >> 32) % 256,
                     (unsigned)(st >> 40) % 256, (unsigned)(st >> 48) % 260,
                     (st >> 58) == 1 ? ".7" : "");
        } else if (n % 2 == 0) {
            size_t len = (st >> 33) % 46;
            for (size_t i = 0; i < len; i++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                a[i] = alphabet[(st >> 33) % (sizeof alphabet - 1)];
            }
            a[len] = '\0';
        } else {
            uint8_t b[16];
            for (int i = 0; i < 16; i++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                /* zero runs make "::" */
                b[i] = (st >> 60) < 6 ? 0 : (uint8_t)(st >> 33);
            }
            if (n % 6 == 1)
                memset(b, 0, 10), b[10] = b[11] = 0xff; /* ::ffff:a.b.c.d */
            inet_ntop(AF_INET6, b, a, sizeof a);
            size_t len = strlen(a);
            /* mutate one character, or cut, or append */
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = len ? (st >> 33) % len : 0;
            switch ((st >> 20) % 5) {
            case 0:
                a[at] = alphabet[(st >> 40) % (sizeof alphabet - 1)];
                break;
            case 1:
                a[at] = '\0';
                break;
            case 2:
                if (len + 2 < sizeof a)
                    a[len] = alphabet[(st >> 40) % (sizeof alphabet - 1)], a[len + 1] = '\0';
                break;
            default:
                break; /* unchanged */
            }
        }
        if (a[0] == '\0')
            continue;
        uint8_t want[16];
        int kind = inet_pton(AF_INET, a, want) == 1 ? 4 : inet_pton(AF_INET6, a, want) == 1 ? 6 : 0;
        char line[256];
        snprintf(line, sizeof line,
                 "1.5\tC\t%s\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tS0\tF\t0\tD\t1\t73\t0\t0\t(empty)",
                 a);
        struct ts_record r;
        int got = feed_n(p, line, &r, 0);
        /* the same address as the last column of an exact-size line, where
         * the parser may not load past it */
        struct ts_record rt;
        snprintf(line, sizeof line, "1.5\tC\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tS0\t%s", a);
        size_t tl = strlen(line);
        char *tail = malloc(tl);
        cr_assert_not_null(tail);
        memcpy(tail, line, tl);
        int got_tail = conn_parse_line(pt, tail, tl, &rt);
        free(tail);
        cr_assert_eq(got_tail, got, "'%s' at the line end", a);
        if (got == CONN_RECORD) {
            cr_assert_eq(rt.src.len, r.src.len);
            cr_assert_eq(memcmp(rt.src.b, r.src.b, r.src.len), 0, "'%s' at the line end", a);
        }
        if (kind == 0) {
            cr_assert_eq(got, CONN_CORRUPT, "'%s' accepted", a);
            bad++;
            continue;
        }
        cr_assert_eq(got, CONN_RECORD, "'%s' refused", a);
        cr_assert_eq(r.src.len, kind == 4 ? 4 : 16, "'%s'", a);
        cr_assert_eq(memcmp(r.src.b, want, r.src.len), 0, "'%s' parsed differently", a);
        if (kind == 4)
            v4++;
        else
            v6++;
    }
    /* the mix reached every outcome */
    cr_assert_gt(v6, 10000);
    cr_assert_gt(v4, 10000);
    cr_assert_gt(bad, 10000);
    conn_parser_free(p);
    conn_parser_free(pt);
}

/* Ports, byte counts and IPv4 addresses are read with whole-word loads when
 * the rest of the line covers the load, byte by byte otherwise. With the
 * needed columns last, followed by 0 to 20 bytes of other columns, every
 * field sits at every distance from the end of an exact-size line (so an
 * address sanitizer sees any read past it); the values must be strtoull's
 * and inet_pton's whichever way they were read, and malformed ones (a
 * letter, a sign, a leading zero, a fifth octet, 9 to 20 digits) must make
 * the line corrupt or, for the byte counts, count 0. */
Test(conn_log, word_loads_agree_with_the_library_at_the_line_end)
{
    struct conn_parser *p = conn_parser_new(2);
    struct ts_record r;
    cr_assert_eq(feed_n(p,
                        "#fields\tts\tuid\tproto\tservice\tduration\tconn_state\torig_bytes"
                        "\tresp_bytes\tid.orig_p\tid.resp_p\tid.resp_h\tid.orig_h\tnote",
                        &r, 0),
                 CONN_SKIP);
    uint64_t st = 4242;
    int fast_ok = 0, bad = 0;
    for (int n = 0; n < 60000; n++) {
        char num[3][32], addr[2][40];
        for (int k = 0; k < 3; k++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            /* byte counts 1 to 20 digits, ports 1 to 6 */
            unsigned digits = 1 + (unsigned)(st >> 59) % (k < 2 ? 20 : 6);
            size_t j = 0;
            for (unsigned d = 0; d < digits; d++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                num[k][j++] = (char)('0' + (st >> 40) % 10);
            }
            if ((st >> 20) % 16 == 0) /* one byte that is no digit */
                num[k][(st >> 24) % j] = "a/:+-. "[(st >> 28) % 7];
            num[k][j] = '\0';
        }
        for (int k = 0; k < 2; k++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            /* some with a leading zero, a large octet or a fifth one */
            snprintf(addr[k], sizeof addr[k], "%s%u.%u.%u.%u%s", (st >> 62) == 0 ? "0" : "",
                     (unsigned)(st >> 24) % 280, (unsigned)(st >> 32) % 256,
                     (unsigned)(st >> 40) % 100, (unsigned)(st >> 48) % 300,
                     (st >> 58) == 1 ? ".1" : "");
        }
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        size_t pad = (st >> 33) % 21;
        char text[256];
        int len = snprintf(text, sizeof text, "1.5\tC\ttcp\t-\t-\tS0\t%s\t%s\t%s\t7\t%s\t%s",
                           num[0], num[1], num[2], addr[0], addr[1]);
        if (pad > 0) { /* one more column of pad - 1 bytes */
            text[len++] = '\t';
            memset(text + len, 'x', pad - 1);
            len += (int)pad - 1;
        }
        char *line = malloc((size_t)len);
        cr_assert_not_null(line);
        memcpy(line, text, (size_t)len);
        int got = conn_parse_line(p, line, (size_t)len, &r);

        uint8_t a0[4], a1[4];
        char *end;
        errno = 0;
        unsigned long long port = strtoull(num[2], &end, 10);
        bool port_ok =
            num[2][0] >= '0' && num[2][0] <= '9' && *end == '\0' && errno == 0 && port <= 65535;
        bool want =
            port_ok && inet_pton(AF_INET, addr[0], a0) == 1 && inet_pton(AF_INET, addr[1], a1) == 1;
        if (!want) {
            cr_assert_eq(got, CONN_CORRUPT, "'%.*s' accepted", len, text);
            bad++;
        } else {
            cr_assert_eq(got, CONN_RECORD, "'%.*s' refused", len, text);
            cr_assert_eq(r.sport, port);
            cr_assert_eq(r.dport, 7);
            cr_assert_eq(r.dst.len, 4);
            cr_assert_eq(memcmp(r.dst.b, a0, 4), 0, "'%s' parsed differently", addr[0]);
            cr_assert_eq(r.src.len, 4);
            cr_assert_eq(memcmp(r.src.b, a1, 4), 0, "'%s' parsed differently", addr[1]);
            uint64_t sum = 0;
            for (int k = 0; k < 2; k++) {
                errno = 0;
                unsigned long long v = strtoull(num[k], &end, 10);
                if (num[k][0] >= '0' && num[k][0] <= '9' && *end == '\0' && errno == 0)
                    sum += v;
            }
            cr_assert_eq(r.bytes, sum, "'%.*s'", len, text);
            fast_ok += strlen(num[2]) <= 8;
        }
        free(line);
    }
    cr_assert_gt(fast_ok, 1000);
    cr_assert_gt(bad, 1000);
    conn_parser_free(p);
}

/* Lines are split 32 and 16 bytes at a time, then byte by byte: a uid of
 * every length from 1 to 100 moves every later separator across every
 * block boundary, and each field must still be the right one. */
Test(conn_log, fields_are_found_at_every_block_offset)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p, HDR_FIELDS, &r, 0), CONN_SKIP);
    for (int n = 1; n <= 100; n++) {
        char uid[128], line[512];
        memset(uid, 'C', (size_t)n);
        uid[n] = '\0';
        snprintf(line, sizeof line,
                 "1300475168.853899\t%s\t141.142.220.118\t43927\t2001:db8::2\t53\tudp\tdns\t0."
                 "000435\t38\t89\tSF",
                 uid);
        cr_assert_eq(feed_n(p, line, &r, 1), CONN_RECORD, "uid of %d bytes", n);
        cr_assert(str_is(r.uid, uid));
        cr_assert_eq(r.src.len, 4);
        cr_assert_eq(r.src.b[3], 118);
        cr_assert_eq(r.dst.len, 16);
        cr_assert_eq(r.dst.b[15], 2);
        cr_assert_eq(r.sport, 43927);
        cr_assert_eq(r.dport, 53);
        cr_assert_eq(r.proto, 17);
        cr_assert_eq(r.bytes, 127);
        cr_assert(str_is(r.service, "dns"));
        cr_assert(str_is(r.state, "SF"), "uid of %d bytes", n);
    }
    conn_parser_free(p);
}

Test(conn_log, separator_hex_escape_and_literal)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    feed_n(p, "#separator \\x7c", &r, 0);
    feed_n(p,
           "#fields|ts|uid|id.orig_h|id.orig_p|id.resp_h|id.resp_p|proto|service|duration|orig_"
           "bytes|resp_bytes|conn_state",
           &r, 0);
    cr_assert_eq(feed_n(p, "10.5|C1|10.0.0.1|1234|10.0.0.2|80|tcp|http|2|100|200|SF", &r, 1),
                 CONN_RECORD);
    cr_assert_eq(r.dport, 80);
    cr_assert_eq(r.bytes, 300);
    cr_assert(r.end == 12.5);
    /* A literal one-byte separator works too. */
    feed_n(p, "#separator ,", &r, 0);
    feed_n(p, "#fields,ts,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto", &r, 0);
    cr_assert_eq(feed_n(p, "1,10.0.0.1,1,10.0.0.2,22,tcp", &r, 1), CONN_RECORD);
    cr_assert_eq(r.dport, 22);
    conn_parser_free(p);
}

Test(conn_log, unset_marker_from_header)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    feed_n(p, "#unset_field\tXXX", &r, 0);
    feed_n(p, HDR_FIELDS, &r, 0);
    cr_assert_eq(feed_n(p,
                        "1300475167.1\tC\t1.2.3.4\t5353\t5.6.7.8\t5353\tudp\tXXX\tXXX\tXXX\tXXX\tS0"
                        "\tF\t0\tD\t1\t73\t0\t0\t(empty)",
                        &r, 1),
                 CONN_RECORD);
    cr_assert(r.end == r.ts);
    cr_assert_eq(r.bytes, 0);
    cr_assert(str_is(r.service, "XXX"), "an unset service is the unset marker itself");
    conn_parser_free(p);
}

Test(conn_log, reordered_columns_and_scope_separator)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    feed_n(p,
           "#fields\tuid\tidXorig_h\tidXorig_p\tidXresp_h\tidXresp_p\tproto\tservice\tduration\t"
           "orig_bytes\tresp_bytes\tconn_state\tts",
           &r, 0);
    cr_assert_eq(
        feed_n(p, "C1\t10.0.0.1\t1234\tfe80::1\t443\ttcp\tssl?\t1.5\t10\t20\tSF\t99.25", &r, 1),
        CONN_RECORD);
    cr_assert(r.ts == 99.25);
    cr_assert_eq(r.dst.len, 16);
    cr_assert_eq(r.dst.b[0], 0xfe);
    cr_assert_eq(r.dst.b[15], 1);
    cr_assert(str_is(r.service, "ssl"), "a trailing '?' is dropped");
    conn_parser_free(p);
}

Test(conn_log, later_header_block_switches_column_map)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    feed_n(p, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto", &r, 0);
    cr_assert_eq(feed_n(p, "1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp", &r, 1), CONN_RECORD);
    cr_assert_eq(r.dport, 2);
    feed_n(p, "#fields\t_node\tid.resp_p\tid.resp_h\tid.orig_p\tid.orig_h\tproto\tts", &r, 0);
    cr_assert_eq(feed_n(p, "n\t7\t10.0.0.2\t8\t10.0.0.1\tudp\t3", &r, 1), CONN_RECORD);
    cr_assert_eq(r.dport, 7);
    cr_assert_eq(r.sport, 8);
    cr_assert(r.ts == 3);
    cr_assert(str_is(r.service, "-"), "absent columns are unset");
    cr_assert(str_is(r.state, "-"));
    conn_parser_free(p);
}

/* The fields of a line are kept between lines (they are cleared when the
 * column map changes, not per line): a column that a later header block
 * lacks must read as absent, and a corrupt line in between must leave
 * nothing behind. */
Test(conn_log, fields_of_earlier_lines_never_leak)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    feed_n(p, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tconn_state",
           &r, 0);
    cr_assert_eq(feed_n(p, "1\t10.0.0.1\t1\t10.0.0.2\t53\tudp\tdns\tSF", &r, 1), CONN_RECORD);
    cr_assert(str_is(r.service, "dns"));
    cr_assert_eq(feed_n(p, "2\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\thttp", &r, 2), CONN_CORRUPT);
    cr_assert_eq(feed_n(p, "3\t10.0.0.3\t4\t10.0.0.4\t22\ttcp\tssh\tS0", &r, 3), CONN_RECORD);
    cr_assert(str_is(r.service, "ssh"));
    cr_assert(str_is(r.state, "S0"));
    cr_assert_eq(r.dport, 22);
    feed_n(p, "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto", &r, 0);
    cr_assert_eq(feed_n(p, "4\t10.0.0.5\t6\t10.0.0.6\t443\ttcp", &r, 4), CONN_RECORD);
    cr_assert(str_is(r.service, "-"), "a column the header lacks is unset");
    cr_assert(str_is(r.state, "-"));
    cr_assert_eq(r.dport, 443);
    conn_parser_free(p);
}

Test(conn_log, headerless_default_order_split_on_whitespace)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p, LINE_SF, &r, 1), CONN_RECORD);
    cr_assert_eq(r.bytes, 127);
    cr_assert_eq(feed_n(p, "1.0 C 1.2.3.4  5 6.7.8.9 10 icmp - - - - OTH x y z", &r, 1),
                 CONN_RECORD);
    cr_assert_eq(r.proto, 1);
    conn_parser_free(p);
}

Test(conn_log, leading_whitespace_before_header)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p, "\t#separator \\x09", &r, 0), CONN_SKIP);
    cr_assert_eq(feed_n(p, "   ", &r, 0), CONN_SKIP);
    cr_assert_eq(feed_n(p, "", &r, 0), CONN_SKIP);
    conn_parser_free(p);
}

Test(conn_log, bro1_fields_and_unset_marker)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p,
                        "1300475168.859163 ? 141.142.220.118 208.80.152.3 http 49998 80 tcp "
                        "1130 734 S1 L %4",
                        &r, 1),
                 CONN_RECORD);
    cr_assert_eq(r.sport, 49998);
    cr_assert_eq(r.dport, 80);
    cr_assert_eq(r.bytes, 1864);
    cr_assert(r.end == r.ts);
    cr_assert(str_is(r.service, "http"));
    cr_assert(str_is(r.state, "S1"));
    cr_assert_eq(r.uid.len, 0);
    cr_assert_eq(
        feed_n(p, "1300475167.099816 0.5 141.142.220.50 224.0.0.251 other 5353 5353 udp 151 ? S0 L",
               &r, 1),
        CONN_RECORD);
    cr_assert_eq(r.bytes, 151);
    cr_assert(r.end == 1300475167.099816 + 0.5);
    conn_parser_free(p);
}

Test(conn_log, guess_uses_first_data_line)
{
    /* 15 or more fields: modern, and it stays modern. */
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p, LINE_SF, &r, 1), CONN_RECORD);
    cr_assert_eq(feed_n(p, "1 ? 1.2.3.4 5.6.7.8 http 1 80 tcp 1 2 S1", &r, 1), CONN_CORRUPT);
    conn_parser_free(p);
    /* Fewer: Bro 1.x, and a modern line is then read as Bro 1.x. */
    p = conn_parser_new(0);
    cr_assert_eq(feed_n(p, "1 ? 1.2.3.4 5.6.7.8 http 1 80 tcp 1 2 S1", &r, 1), CONN_RECORD);
    cr_assert_eq(feed_n(p, LINE_SF, &r, 1), CONN_CORRUPT);
    conn_parser_free(p);
    /* Forced modern: a short line is corrupt rather than Bro 1.x. */
    p = conn_parser_new(2);
    cr_assert_eq(feed_n(p, "1 ? 1.2.3.4 5.6.7.8 http 1 80 tcp 1 2 S1", &r, 1), CONN_CORRUPT);
    conn_parser_free(p);
    cr_assert_null(conn_parser_new(3));
}

Test(conn_log, json_numeric_ts_and_absent_fields)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p,
                        "{\"ts\":1300475167.096535,\"uid\":\"Cx\",\"id.orig_h\":\"141.142.220."
                        "202\",\"id.orig_p\":5353,\"id.resp_h\":\"224.0.0.251\",\"id.resp_p\":5353,"
                        "\"proto\":\"udp\",\"service\":\"dns\",\"conn_state\":\"S0\",\"local_"
                        "orig\":false,\"tunnel_parents\":[]}",
                        &r, 1),
                 CONN_RECORD);
    cr_assert(r.ts == 1300475167.096535);
    cr_assert(r.end == r.ts);
    cr_assert_eq(r.bytes, 0);
    cr_assert(str_is(r.service, "dns"));
    cr_assert(str_is(r.uid, "Cx"));
    cr_assert_eq(feed_n(p,
                        "{\"ts\":5,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0."
                        "0.2\",\"id.resp_p\":2,\"proto\":\"tcp\",\"service\":null}",
                        &r, 1),
                 CONN_RECORD);
    cr_assert(str_is(r.service, "-"), "absent service is the unset marker");
    cr_assert(str_is(r.state, "-"));
    cr_assert_eq(r.uid.len, 0);
    conn_parser_free(p);
}

Test(conn_log, json_iso_ts_scope_separator_and_escapes)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p,
                        " { \"ts\" : \"2011-03-18T19:06:08.123456Z\" , \"id_orig_h\":\"::1\","
                        "\"id_orig_p\":\"80\",\"id_resp_h\":\"10.0.0.2\",\"id_resp_p\":2,"
                        "\"proto\":\"t\\u0063p\",\"service\":\"a\\\"b\",\"x\":{\"y\":[1,{}]}} ",
                        &r, 1),
                 CONN_RECORD);
    /* 2011-03-18T19:06:08Z is 1300475168. */
    cr_assert(r.ts == 1300475168.123456);
    cr_assert_eq(r.src.len, 16);
    cr_assert_eq(r.sport, 80);
    cr_assert_eq(r.proto, 6);
    cr_assert(str_is(r.service, "a\"b"));
    conn_parser_free(p);
}

Test(conn_log, json_other_log_types)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    /* A line naming another stream is not a connection. */
    cr_assert_eq(feed_n(p,
                        "{\"@stream\":\"dns\",\"ts\":1,\"id_orig_h\":\"10.0.0.1\",\"id_orig_p\":1,"
                        "\"id_resp_h\":\"10.0.0.2\",\"id_resp_p\":53,\"proto\":\"udp\"}",
                        &r, 1),
                 CONN_SKIP);
    /* Without the id fields it is corrupt. */
    cr_assert_eq(feed_n(p, "{\"ts\":1,\"fuid\":\"F\"}", &r, 1), CONN_CORRUPT);
    conn_parser_free(p);
}

struct corrupt_case {
    const char *line;
    int status;
};

Test(conn_log, corrupt_lines_table)
{
    static const struct corrupt_case cases[] = {
        {"1\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_RECORD},
        {"1\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-", CONN_CORRUPT},     /* too few fields */
        {"x\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT}, /* ts */
        {"-\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT}, /* ts unset */
        {"nan\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.256\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t1\t5.6.7.8:\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t1\tfe80:::1\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t65536\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t-1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t1\t5.6.7.8\t8x\ttcp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t1\t5.6.7.8\t2\tsctp\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\t1.2.3.4\t1\t5.6.7.8\t2\tTCP\t-\t-\t-\t-\tSF", CONN_CORRUPT},
        {"1\tC\tx\t0\ty\t0\tunknown_transport\t-\t-\t-\t-\tOTH", CONN_UNKNOWN_TRANSPORT},
        {"1\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\tbad\tx\t-\tSF", CONN_RECORD}, /* lenient */
        {"{\"ts\":1,\"id.orig_h\":\"1.2.3.4\"", CONN_CORRUPT},                /* truncated */
        {"{\"ts\":1,}", CONN_CORRUPT},
        {"{\"ts\":01}", CONN_CORRUPT},
        {"{\"ts\":1} x", CONN_CORRUPT},
        {"{\"ts\":\"\\q\"}", CONN_CORRUPT},
        {"{\"ts\":1,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"1.2.3.5\","
         "\"id.resp_p\":99999,\"proto\":\"tcp\"}",
         CONN_CORRUPT},
        {"{\"ts\":1,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"1.2.3.5\","
         "\"id.resp_p\":9,\"proto\":\"tcp\"}",
         CONN_RECORD},
        {"{\"ts\":\"2011-13-18T19:06:08Z\",\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,"
         "\"id.resp_h\":\"1.2.3.5\",\"id.resp_p\":9,\"proto\":\"tcp\"}",
         CONN_CORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct conn_parser *p = conn_parser_new(2);
        struct ts_record r;
        int got = feed_n(p, cases[i].line, &r, 2);
        cr_expect_eq(got, cases[i].status, "case %zu '%s': got %d, want %d", i, cases[i].line, got,
                     cases[i].status);
        conn_parser_free(p);
    }
}

Test(conn_log, deeply_nested_json_is_refused)
{
    char line[600];
    size_t n = 0;
    n += (size_t)snprintf(line, sizeof line, "{\"x\":");
    for (int i = 0; i < 200; i++)
        line[n++] = '[';
    for (int i = 0; i < 200; i++)
        line[n++] = ']';
    line[n++] = '}';
    line[n] = '\0';
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(conn_parse_line(p, line, n, &r), CONN_CORRUPT);
    conn_parser_free(p);
}

Test(conn_log, unknown_transport_keeps_text)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p,
                        "1088696689.872282\tClE\t10.28.6.42\t0\t10.28.6.44\t0\tunknown_transport\t-"
                        "\t0.000349\t0\t0\tOTH\tT\tT\t0\t-\t1\t56\t1\t56\t-\t132",
                        &r, 1),
                 CONN_UNKNOWN_TRANSPORT);
    cr_assert_eq(r.kind, TS_REC_UNKNOWN_TRANSPORT);
    cr_assert(str_is(r.src_text, "10.28.6.42"));
    cr_assert(str_is(r.dst_text, "10.28.6.44"));
    conn_parser_free(p);
}

Test(conn_log, missing_needed_column_in_line_is_corrupt)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    feed_n(p, HDR_FIELDS, &r, 0);
    cr_assert_eq(feed_n(p, "1\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-", &r, 1), CONN_CORRUPT);
    /* A #fields line without the id fields is not usable: default order. */
    feed_n(p, "#fields\tts\tfuid\tsource", &r, 0);
    cr_assert_eq(feed_n(p, LINE_SF, &r, 1), CONN_RECORD);
    conn_parser_free(p);
}

/* The field splitter reads 16-byte blocks: padding the uid and the
 * service by every length from 0 to 40 moves each later separator across
 * every position of a block and across block ends; the fields must come
 * out the same, and a line cut before the last needed column (at any
 * length) must stay corrupt. */
Test(conn_log, fields_split_at_every_block_offset)
{
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    static char line[512], cut[512];
    feed_n(p, HDR_FIELDS, &r, 0);
    for (int a = 0; a <= 40; a++) {
        for (int b = 0; b <= 40; b += 3) {
            int n = snprintf(line, sizeof line,
                             "1300475168.853899\tC%.*s\t141.142.220.118\t43927\t141.142.2.2\t53\t"
                             "udp\td%.*s\t0.000435\t38\t89\tSF\tF\t0\tDd\t1\t66",
                             a, "0123456789012345678901234567890123456789", b,
                             "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
            cr_assert(n > 0 && (size_t)n < sizeof line);
            memcpy(cut, line, (size_t)n + 1);
            cr_assert_eq(conn_parse_line(p, line, (size_t)n, &r), CONN_RECORD, "a=%d b=%d", a, b);
            cr_assert_eq(r.uid.len, (size_t)a + 1);
            cr_assert_eq(r.src.b[3], 118);
            cr_assert_eq(r.dst.b[3], 2);
            cr_assert_eq(r.sport, 43927);
            cr_assert_eq(r.dport, 53);
            cr_assert_eq(r.proto, 17);
            cr_assert_eq(r.service.len, (size_t)b + 1);
            cr_assert_eq(r.bytes, 127);
            cr_assert(str_is(r.state, "SF"), "a=%d b=%d", a, b);
            /* conn_state is the last needed column: cut inside or before it */
            const char *st = strstr(cut, "\tSF\t");
            cr_assert(st != NULL);
            size_t upto = (size_t)(st - cut);
            cut[upto] = '\0';
            cr_assert_eq(conn_parse_line(p, cut, upto, &r), CONN_CORRUPT, "a=%d b=%d", a, b);
        }
    }
    conn_parser_free(p);
}

Test(conn_log, bandwidth_over_700_mbit_zeroes_that_direction)
{
    struct conn_parser *p = conn_parser_new(2);
    struct ts_record r;
    /* 1 s: 700 Mbit = 91750400 bytes exactly is not over; one more is. */
    cr_assert_eq(
        feed_n(p, "1\tCu\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t1\t91750400\t91750401\tSF", &r, 1),
        CONN_RECORD);
    cr_assert(!r.orig_bw_exceeded);
    cr_assert(r.resp_bw_exceeded);
    cr_assert_eq(r.bytes, 91750400u + 91750401u);
    cr_assert_eq(r.payload, 91750400u);
    cr_assert(str_is(r.uid, "Cu"));
    /* Unset or zero duration: no rate, nothing dropped. */
    cr_assert_eq(feed_n(p, "1\tCu\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t999999999\t0\tSF", &r, 1),
                 CONN_RECORD);
    cr_assert(!r.orig_bw_exceeded);
    cr_assert_eq(r.payload, 999999999u);
    conn_parser_free(p);
}

/* Near the limit the rule decides as the original's division does (the
 * parser tries a product first): byte counts around the boundary for
 * durations over twelve orders of magnitude. */
Test(conn_log, bandwidth_rule_at_the_boundary_is_the_division_s)
{
    struct conn_parser *p = conn_parser_new(2);
    uint64_t x = 88172645463325252u;
    unsigned over = 0, under = 0;
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d = ldexp((double)(x >> 11) / 9007199254740992.0 + 0.5, (int)(x % 40) - 20);
        double edge = floor(700.0 * 1024.0 * 1024.0 * d / 8.0);
        for (int k = -2; k <= 2; k++) {
            double b = edge + k;
            if (b < 0 || b > 1e18)
                continue;
            char line[256];
            snprintf(line, sizeof line, "0\tCu\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t%.17g\t%.0f\t0\tSF",
                     d, b);
            struct ts_record r;
            cr_assert_eq(feed_n(p, line, &r, 1), CONN_RECORD, "%s", line);
            double dur = r.end; /* ts 0: the duration as parsed */
            bool want = dur > 0 && b * 8.0 / (1024.0 * 1024.0 * dur) > 700.0;
            cr_assert_eq(r.orig_bw_exceeded, want, "%s", line);
            over += want;
            under += !want;
        }
    }
    cr_assert_gt(over, 1000);
    cr_assert_gt(under, 1000);
    conn_parser_free(p);
}

/* Lines through ts_lines into the parser, from the reference inputs. */
static void count_file(const char *name, int version, unsigned *rec, unsigned *corrupt,
                       unsigned *unknown)
{
    char path[512];
    snprintf(path, sizeof path, "%s/../shared/data/zeek-trace-summary/inputs/%s", TOP_SRCDIR, name);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in, "%s", err.msg);
    struct ts_lines *l = ts_lines_new(in, 4096);
    struct conn_parser *p = conn_parser_new(version);
    char *line;
    size_t len;
    int rc;
    *rec = *corrupt = *unknown = 0;
    while ((rc = ts_lines_next(l, &line, &len, &err)) > 0) {
        struct ts_record r;
        int s = conn_parse_line(p, line, len, &r);
        *rec += s == CONN_RECORD;
        *corrupt += s == CONN_CORRUPT;
        *unknown += s == CONN_UNKNOWN_TRANSPORT;
    }
    cr_assert_eq(rc, 0);
    conn_parser_free(p);
    ts_lines_free(l);
    ts_input_close(in);
}

Test(conn_log, reference_inputs_record_counts)
{
    static const struct {
        const char *name;
        unsigned rec, unknown;
    } files[] = {
        {"conn.log", 34, 0},
        {"conn.log_json", 34, 0},
        {"conn.log_json_scope_sep", 34, 0},
        {"conn.log_no_header", 34, 0},
        {"conn.log_reorder", 34, 0},
        {"conn.log_scope_sep", 34, 0},
        {"conn.log_separator", 34, 0},
        {"conn.log_unknown_transport", 0, 2},
        {"conn.log_unset_field", 34, 0},
        {"conn2.log", 17, 0},
        {"conn_ipv4.log", 25, 0},
        {"conn_ver1.log", 31, 0},
    };
    char dir[512];
    snprintf(dir, sizeof dir, "%s/../shared/data/zeek-trace-summary/inputs", TOP_SRCDIR);
    if (access(dir, R_OK) != 0)
        cr_skip_test("no shared test data beside the source tree (%s)", dir);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        unsigned rec, corrupt, unknown;
        count_file(files[i].name, 0, &rec, &corrupt, &unknown);
        cr_expect_eq(rec, files[i].rec, "%s: %u records", files[i].name, rec);
        cr_expect_eq(corrupt, 0, "%s: %u corrupt", files[i].name, corrupt);
        cr_expect_eq(unknown, files[i].unknown, "%s", files[i].name);
    }
}

Test(conn_log, json_line_is_left_unchanged)
{
    const char *orig =
        "{\"ts\":1,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"1.2.3.5\","
        "\"id.resp_p\":70000,\"proto\":\"tcp\",\"service\":\"a\\\"b\\u00e9\"}";
    struct conn_parser *p = conn_parser_new(0);
    struct ts_record r;
    cr_assert_eq(feed_n(p, orig, &r, 1), CONN_CORRUPT);
    cr_assert_str_eq(lb[1], orig, "a corrupt line can be shown as read");
    conn_parser_free(p);
}

/* The service a record counts, one row per form it takes in a log: an
 * empty one is the unset marker, as the original reads it (it takes the
 * last character of the service, fails, and counts the unset marker). */
Test(conn_log, service_as_counted_table)
{
    static const struct {
        const char *header; /* a TSV header line before the data line, or NULL */
        const char *line;
        const char *service;
    } rows[] = {
        {NULL,
         "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
         "\"id.resp_p\":2,\"proto\":\"tcp\",\"service\":\"dns\"}",
         "dns"},
        {NULL,
         "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
         "\"id.resp_p\":2,\"proto\":\"tcp\",\"service\":\"\"}",
         "-"},
        {NULL,
         "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
         "\"id.resp_p\":2,\"proto\":\"tcp\"}",
         "-"},
        {NULL,
         "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
         "\"id.resp_p\":2,\"proto\":\"tcp\",\"service\":null}",
         "-"},
        {NULL,
         "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
         "\"id.resp_p\":2,\"proto\":\"tcp\",\"service\":\"http?\"}",
         "http"},
        {NULL,
         "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","
         "\"id.resp_p\":2,\"proto\":\"tcp\",\"service\":\"\\u0064ns\"}",
         "dns"},
        {HDR_FIELDS, "1.5\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t\t-\t-\t-\tS0", "-"},
        {HDR_FIELDS, "1.5\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-\t-\t-\tS0", "-"},
        {HDR_FIELDS, "1.5\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\tssl?\t-\t-\t-\tS0", "ssl"},
        {"#unset_field\t(none)", "1.5\tC\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t\t-\t-\t-\tS0", "(none)"},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct conn_parser *p = conn_parser_new(0);
        struct ts_record r;
        if (rows[k].header != NULL) {
            cr_assert_eq(feed_n(p, HDR_FIELDS, &r, 0), CONN_SKIP);
            cr_assert_eq(feed_n(p, rows[k].header, &r, 0), CONN_SKIP);
        }
        cr_assert_eq(feed_n(p, rows[k].line, &r, 1), CONN_RECORD, "row %zu", k);
        cr_assert(str_is(r.service, rows[k].service), "row %zu: '%.*s', expected '%s'", k,
                  (int)r.service.len, r.service.p, rows[k].service);
        conn_parser_free(p);
    }
}
