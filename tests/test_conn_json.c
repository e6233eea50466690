/*
 * test_conn_json.c - the JSON reader: string escapes decoded as JSON
 * defines them, and the lines it refuses or skips, as table rows.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_json.h"
#include "conn_log.h"

#define JSON_HEAD                                                                                  \
    "{\"ts\":1.5,\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":1,\"id.resp_h\":\"5.6.7.8\","             \
    "\"id.resp_p\":2,\"proto\":\"tcp\""

/* Parses JSON_HEAD + tail + "}" from an exact-size copy that must come
 * back unchanged. */
static int parse_tail(struct conn_json *cj, const char *tail, struct ts_record *r, char **keep)
{
    char text[1024];
    int n = snprintf(text, sizeof text, "%s%s}", JSON_HEAD, tail);
    cr_assert(n > 0 && (size_t)n < sizeof text);
    char *line = malloc((size_t)n);
    cr_assert_not_null(line);
    memcpy(line, text, (size_t)n);
    static const char dash[] = "-";
    int st = conn_json_line(cj, line, (size_t)n, (struct ts_str){dash, 1}, r);
    cr_assert_eq(memcmp(line, text, (size_t)n), 0, "the line was written to");
    *keep = line;
    return st;
}

Test(conn_json, string_escapes_decode)
{
    static const struct {
        const char *json; /* the service value as written, quotes included */
        const char *want; /* decoded */
        size_t want_len;
    } rows[] = {
        {"\"dns\"", "dns", 3},
        {"\"a\\\"b\"", "a\"b", 3},
        {"\"a\\\\b\"", "a\\b", 3},
        {"\"a\\/b\"", "a/b", 3},
        {"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5},
        {"\"\\u0041\\u00e9\"", "A\xc3\xa9", 3},
        {"\"\\u20AC\"", "\xe2\x82\xac", 3},
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4},
        {"\"\\uD83D\\uDE00x\"", "\xf0\x9f\x98\x80x", 5},
        {"\"\\u0000\"", "\0", 1},
        {"\"x\\ud800\"", "x\xed\xa0\x80", 4}, /* a lone surrogate, as its three bytes */
        {"\"\xc3\xa9\"", "\xc3\xa9", 2},      /* raw UTF-8 stays */
    };
    struct conn_json *cj = conn_json_new();
    cr_assert_not_null(cj);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        char tail[128];
        snprintf(tail, sizeof tail, ",\"service\":%s", rows[k].json);
        struct ts_record r;
        char *line;
        cr_assert_eq(parse_tail(cj, tail, &r, &line), CONN_RECORD, "%s", rows[k].json);
        cr_assert_eq(r.service.len, rows[k].want_len, "%s", rows[k].json);
        cr_assert_eq(memcmp(r.service.p, rows[k].want, rows[k].want_len), 0, "%s", rows[k].json);
        free(line);
    }
    conn_json_free(cj);
}

Test(conn_json, lines_refused_or_skipped)
{
    static const struct {
        const char *tail;
        int want;
    } rows[] = {
        {"", CONN_RECORD},
        {",\"_path\":\"conn\"", CONN_RECORD},
        {",\"_path\":\"dns\"", CONN_SKIP},
        {",\"@stream\":\"http\"", CONN_SKIP},
        {",\"other\":[1,{\"a\":[true,false,null]}]", CONN_RECORD},
        {",\"service\":\"\\x41\"", CONN_CORRUPT},
        {",\"service\":\"\\u00g1\"", CONN_CORRUPT},
        {",\"service\":\"\\u00\"", CONN_CORRUPT},
        {",\"service\":\"a\tb\"", CONN_CORRUPT}, /* a raw control character */
        {",\"service\":\"abc", CONN_CORRUPT},
        {",\"service\":true", CONN_CORRUPT},
        {",\"service\":[\"dns\"]", CONN_CORRUPT},
        {",\"orig_bytes\":01", CONN_CORRUPT},
        {",\"orig_bytes\":1.", CONN_CORRUPT},
        {",\"orig_bytes\":1e", CONN_CORRUPT},
        {",\"orig_bytes\":-", CONN_CORRUPT},
        {",\"orig_bytes\":1e+5", CONN_RECORD},
        {",", CONN_CORRUPT},
        {",\"a\"", CONN_CORRUPT},
        {",\"a\":", CONN_CORRUPT},
        {"}", CONN_CORRUPT}, /* text after the object */
        {",\"proto\":\"icmp\"", CONN_RECORD},
        {",\"proto\":\"sctp\"", CONN_CORRUPT},
        {",\"proto\":\"unknown_transport\"", CONN_UNKNOWN_TRANSPORT},
        {",\"ts\":\"2011-03-18T19:06:07.096535Z\"", CONN_RECORD},
        {",\"ts\":\"yesterday\"", CONN_CORRUPT},
        {",\"ts\":null", CONN_CORRUPT},
        {",\"id.orig_h\":17", CONN_CORRUPT},
    };
    struct conn_json *cj = conn_json_new();
    cr_assert_not_null(cj);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct ts_record r;
        char *line;
        cr_assert_eq(parse_tail(cj, rows[k].tail, &r, &line), rows[k].want, "'%s'", rows[k].tail);
        free(line);
    }
    conn_json_free(cj);
}

/* Decoded strings go to a 4 KiB scratch: a line whose escaped strings
 * need more is refused, not truncated. */
Test(conn_json, decoded_strings_beyond_the_scratch_are_refused)
{
    struct conn_json *cj = conn_json_new();
    cr_assert_not_null(cj);
    size_t n = 5000;
    char *big = malloc(n + 256);
    cr_assert_not_null(big);
    int k = snprintf(big, 256, "%s,\"uid\":\"\\n", JSON_HEAD);
    cr_assert(k > 0 && k < 256);
    memset(big + k, 'u', n);
    memcpy(big + k + n, "\"}", 2);
    size_t len = (size_t)k + n + 2;
    static const char dash[] = "-";
    struct ts_record r;
    cr_assert_eq(conn_json_line(cj, big, len, (struct ts_str){dash, 1}, &r), CONN_CORRUPT);
    big[k - 2] = 'u'; /* no escape: the raw text is used, nothing decoded */
    big[k - 1] = 'u';
    cr_assert_eq(conn_json_line(cj, big, len, (struct ts_str){dash, 1}, &r), CONN_RECORD);
    cr_assert_eq(r.uid.len, n + 2);
    free(big);
    conn_json_free(cj);
}
