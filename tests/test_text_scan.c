/*
 * test_text_scan.c - the number and address scanners give what strtod,
 * strtoull and inet_pton give, whether a field is read by whole-word loads
 * or byte by byte; the one hex decoder.
 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_scan.h"

static uint64_t rng(uint64_t *st)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return *st >> 33;
}

/* What strtod makes of the whole of s: false when it does not read all of
 * it or the value is not finite (the scanner's contract). */
static bool strtod_whole(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return *s != '\0' && *end == '\0' && isfinite(*v) && *s != ' ' && *s != '\t' &&
           strpbrk(s, "xXnNiI") == NULL;
}

/* s scanned three ways: alone in an exact-size buffer (no byte past it
 * readable), with 40 readable bytes of junk after it, and at the end of
 * that buffer. Every way must give the same answer. */
static bool scan_double_all_ways(const char *s, double *out)
{
    size_t n = strlen(s);
    char *exact = malloc(n ? n : 1);
    cr_assert_not_null(exact);
    memcpy(exact, s, n);
    double a = 0, b = 0;
    bool ra = scan_double(exact, n, &a);
    char padded[256];
    cr_assert(n + 40 < sizeof padded);
    memcpy(padded, s, n);
    memset(padded + n, '7', 40);
    bool rb = scan_double(padded, n, &b);
    free(exact);
    cr_assert_eq(ra, rb, "'%s': %d with room after it, %d without", s, rb, ra);
    if (ra)
        cr_assert(a == b || (isnan(a) && isnan(b)), "'%s'", s);
    *out = a;
    return ra;
}

Test(text_scan, double_edge_rows)
{
    static const struct {
        const char *s;
        bool ok;
    } rows[] = {
        {"0", true},
        {"-0", true},
        {"+1", true},
        {"1.", true},
        {".5", true},
        {"0.000435", true},
        {"1300475167.096535", true},
        {"9999999999.999999", true},
        {"12345678901.123456", true},
        {"1e22", true},
        {"1e23", true},
        {"1.7976931348623157e308", true},
        {"4.9e-324", true},
        {"1e-400", true},
        {"123456789012345678901234567890", true},
        {"0.1234567890123456789012", true},
        {"", false},
        {".", false},
        {"-", false},
        {"e5", false},
        {"1e", false},
        {"1e+", false},
        {"1e400", false},
        {"1..2", false},
        {"1.2.3", false},
        {"12a", false},
        {" 1", false},
        {"1 ", false},
        {"inf", false},
        {"nan", false},
        {"0x10", false},
        {"1300475167:096535", false},
        {"130047516/.096535", false},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        double got, want;
        bool ok = scan_double_all_ways(rows[k].s, &got);
        cr_assert_eq(ok, rows[k].ok, "'%s'", rows[k].s);
        cr_assert_eq(strtod_whole(rows[k].s, &want), rows[k].ok, "row '%s' against strtod",
                     rows[k].s);
        if (ok)
            cr_assert(got == want, "'%s': %.17g, strtod %.17g", rows[k].s, got, want);
    }
}

/* Random numbers of every shape, and six-decimal ones with one byte
 * swapped for a neighbour of the digits: strtod's value or a refusal. */
Test(text_scan, double_equals_strtod_on_random_fields)
{
    static const char swap[] = "/:.a-+eE";
    uint64_t st = 2024;
    int accepted = 0;
    for (int n = 0; n < 100000; n++) {
        char num[64];
        size_t k = 0;
        unsigned shape = (unsigned)rng(&st) % 8;
        if (shape == 0)
            num[k++] = rng(&st) % 2 ? '+' : '-';
        size_t ip = shape == 7 ? rng(&st) % 12 : rng(&st) % 22;
        size_t fp = shape == 7 ? 6 : rng(&st) % 26;
        for (size_t i = 0; i < ip; i++)
            num[k++] = (char)('0' + (i == 0 && shape == 1 ? 0 : rng(&st) % 10));
        if (fp > 0 || shape == 2)
            num[k++] = '.';
        for (size_t i = 0; i < fp; i++)
            num[k++] = (char)('0' + rng(&st) % 10);
        if (shape == 3)
            k += (size_t)snprintf(num + k, sizeof num - k, "e%d", (int)(rng(&st) % 700) - 350);
        num[k] = '\0';
        if (k > 0 && rng(&st) % 4 == 0)
            num[rng(&st) % k] = swap[rng(&st) % (sizeof swap - 1)];
        double got, want;
        bool ok = scan_double_all_ways(num, &got);
        bool wok = strtod_whole(num, &want);
        cr_assert_eq(ok, wok, "'%s': scanner %d, strtod %d", num, ok, wok);
        if (ok) {
            cr_assert(got == want, "'%s': %.17g, strtod %.17g", num, got, want);
            accepted++;
        }
    }
    cr_assert_gt(accepted, 50000);
}

Test(text_scan, u64_and_port_equal_strtoull)
{
    static const char *const rows[] = {"0",
                                       "7",
                                       "65535",
                                       "65536",
                                       "00080",
                                       "12345678",
                                       "99999999",
                                       "100000000",
                                       "18446744073709551615",
                                       "18446744073709551616",
                                       "",
                                       "-1",
                                       "+1",
                                       "1a",
                                       " 1",
                                       "1.0",
                                       "99999999999999999999"};
    uint64_t st = 5;
    for (int n = 0; n < 60000; n++) {
        char num[32];
        if (n < (int)(sizeof rows / sizeof rows[0])) {
            snprintf(num, sizeof num, "%s", rows[n]);
        } else {
            size_t len = 1 + rng(&st) % 21;
            for (size_t i = 0; i < len; i++)
                num[i] = (char)('0' + rng(&st) % 10);
            if (rng(&st) % 8 == 0)
                num[rng(&st) % len] = "a/:+-. "[rng(&st) % 7];
            num[len] = '\0';
        }
        size_t len = strlen(num);
        char *end;
        errno = 0;
        unsigned long long want = strtoull(num, &end, 10);
        bool wok = len > 0 && num[0] >= '0' && num[0] <= '9' && *end == '\0' && errno == 0;
        char padded[64];
        memcpy(padded, num, len);
        memset(padded + len, '9', 16); /* digits after the field must not count */
        char *exact = malloc(len ? len : 1);
        cr_assert_not_null(exact);
        memcpy(exact, num, len);
        uint64_t a = 1, b = 2;
        bool ra = scan_u64(padded, len, padded + len + 16, &a);
        bool rb = scan_u64(exact, len, exact + len, &b);
        bool rc = scan_u64_digits(num, len, &b);
        cr_assert(ra == wok && rb == wok && rc == wok, "'%s'", num);
        if (wok)
            cr_assert(a == want && b == want, "'%s'", num);
        uint16_t port;
        cr_assert_eq(scan_port(padded, len, padded + len + 16, &port), wok && want <= 65535,
                     "port '%s'", num);
        free(exact);
    }
}

/* An address scanned in an exact-size buffer and with 40 readable bytes
 * after it gives inet_pton's answer both times. */
static int addr_kind(const char *a, uint8_t want[16])
{
    return inet_pton(AF_INET, a, want) == 1 ? 4 : inet_pton(AF_INET6, a, want) == 1 ? 6 : 0;
}

static void expect_inet_pton(const char *a)
{
    uint8_t want[16];
    int kind = addr_kind(a, want);
    size_t n = strlen(a);
    char padded[128];
    cr_assert(n + 40 < sizeof padded);
    memcpy(padded, a, n);
    memset(padded + n, ':', 40); /* colons and digits after it must not count */
    memset(padded + n + 20, '1', 20);
    char *exact = malloc(n ? n : 1);
    cr_assert_not_null(exact);
    memcpy(exact, a, n);
    struct ts_addr x, y;
    bool rx = scan_addr(padded, n, padded + n + 40, &x);
    bool ry = scan_addr(exact, n, exact + n, &y);
    free(exact);
    cr_assert_eq(rx, kind != 0, "'%s' with room after it", a);
    cr_assert_eq(ry, kind != 0, "'%s' at the buffer end", a);
    if (kind == 0)
        return;
    cr_assert_eq(x.len, kind == 4 ? 4 : 16, "'%s'", a);
    cr_assert_eq(y.len, x.len, "'%s'", a);
    cr_assert_eq(memcmp(x.b, want, x.len), 0, "'%s'", a);
    cr_assert_eq(memcmp(y.b, want, y.len), 0, "'%s'", a);
    uint8_t b[16];
    if (kind == 4)
        cr_assert(scan_ipv4(a, n, b) && memcmp(b, want, 4) == 0, "'%s'", a);
    else
        cr_assert(scan_ipv6(a, n, b) && memcmp(b, want, 16) == 0, "'%s'", a);
}

Test(text_scan, address_edge_rows)
{
    static const char *const rows[] = {"0.0.0.0",
                                       "255.255.255.255",
                                       "1.2.3.4",
                                       "01.2.3.4",
                                       "1.2.3.04",
                                       "256.1.1.1",
                                       "1.2.3",
                                       "1.2.3.4.5",
                                       "1..3.4",
                                       ".1.2.3",
                                       "1.2.3.4.",
                                       "1.2.3.-4",
                                       "::",
                                       "::1",
                                       "1::",
                                       "1:2:3:4:5:6:7:8",
                                       "1:2:3:4:5:6:7:8:9",
                                       "1:2:3:4:5:6:7::",
                                       "::2:3:4:5:6:7:8",
                                       "1:2:3:4:5:6:7::8",
                                       "1::2::3",
                                       ":1::2",
                                       "1::2:",
                                       "12345::",
                                       "fFfF::AbCd",
                                       "g::1",
                                       "::ffff:1.2.3.4",
                                       "::1.2.3.4",
                                       "1:2:3:4:5:6:1.2.3.4",
                                       "1:2:3:4:5:6:7:1.2.3.4",
                                       "::ffff:1.2.3",
                                       "::ffff:01.2.3.4",
                                       "1.2.3.4::",
                                       "fe80::217:f2ff:fed7:cf65",
                                       "2001:db8:0:0:0:0:0:1",
                                       ":",
                                       ":::",
                                       "",
                                       "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
                                       "2001:0db8:85a3:0000:0000:8a2e:0370:73345"};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        expect_inet_pton(rows[k]);
}

Test(text_scan, address_equals_inet_pton_on_random_text)
{
    static const char alphabet[] = "0123456789abcdefABCDEF:.:.::0000ffff";
    uint64_t st = 77;
    for (int n = 0; n < 100000; n++) {
        char a[64];
        if (n % 3 == 0) {
            snprintf(a, sizeof a, "%s%u.%u.%u.%u", rng(&st) % 8 == 0 ? "0" : "",
                     (unsigned)(rng(&st) % 300), (unsigned)(rng(&st) % 256),
                     (unsigned)(rng(&st) % 256), (unsigned)(rng(&st) % 260));
        } else if (n % 3 == 1) {
            uint8_t b[16];
            for (int i = 0; i < 16; i++)
                b[i] = rng(&st) % 3 == 0 ? 0 : (uint8_t)rng(&st);
            inet_ntop(AF_INET6, b, a, sizeof a);
            size_t len = strlen(a);
            if (rng(&st) % 2)
                a[rng(&st) % len] = alphabet[rng(&st) % (sizeof alphabet - 1)];
        } else {
            size_t len = rng(&st) % 46;
            for (size_t i = 0; i < len; i++)
                a[i] = alphabet[rng(&st) % (sizeof alphabet - 1)];
            a[len] = '\0';
        }
        expect_inet_pton(a);
    }
}

Test(text_scan, hex_digit_of_every_byte)
{
    for (int c = 0; c < 256; c++) {
        int want = -1;
        if (c >= '0' && c <= '9')
            want = c - '0';
        else if (c >= 'a' && c <= 'f')
            want = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            want = c - 'A' + 10;
        cr_assert_eq(scan_hex_digit((char)c), want, "byte %d", c);
    }
}
