/* conn_json.c - conn.log lines written by Zeek's JSON writer into records. */
#include "config.h"

#include "conn_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conn_record.h"
#include "iso8601.h"
#include "text_scan.h"

#define JSON_MAX_DEPTH 32

struct conn_json {
    char scratch[4096]; /* decoded strings of the last line */
};

struct conn_json *conn_json_new(void)
{
    return calloc(1, sizeof(struct conn_json));
}

void conn_json_free(struct conn_json *cj)
{
    free(cj);
}

struct json {
    const char *s;
    size_t len, i;
};

static void json_ws(struct json *j)
{
    while (j->i < j->len &&
           (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\r' || j->s[j->i] == '\n'))
        j->i++;
}

static bool json_hex4(const struct json *j, size_t at, unsigned *out)
{
    if (at + 4 > j->len)
        return false;
    unsigned v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = scan_hex_digit(j->s[at + k]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

/* Scans a string starting at '"' and validates its escapes. Sets *out to
 * the raw contents, or, when dst is given (room for the raw length), to
 * the decoded contents written there. The line itself is never changed,
 * so a corrupt line can still be shown as it was read. */
static bool json_string(struct json *j, char *dst, struct ts_str *out)
{
    if (j->i >= j->len || j->s[j->i] != '"')
        return false;
    size_t start = ++j->i;
    size_t w = 0;
    bool decode = dst != NULL;
    while (j->i < j->len) {
        unsigned char c = (unsigned char)j->s[j->i];
        if (c == '"') {
            out->p = decode ? dst : j->s + start;
            out->len = decode ? w : j->i - start;
            j->i++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            if (decode)
                dst[w++] = (char)c;
            j->i++;
            continue;
        }
        if (j->i + 1 >= j->len)
            return false;
        char e = j->s[j->i + 1];
        char lit;
        switch (e) {
        case '"':
            lit = '"';
            break;
        case '\\':
            lit = '\\';
            break;
        case '/':
            lit = '/';
            break;
        case 'b':
            lit = '\b';
            break;
        case 'f':
            lit = '\f';
            break;
        case 'n':
            lit = '\n';
            break;
        case 'r':
            lit = '\r';
            break;
        case 't':
            lit = '\t';
            break;
        case 'u': {
            unsigned cp;
            if (!json_hex4(j, j->i + 2, &cp))
                return false;
            j->i += 6;
            if (cp >= 0xd800 && cp <= 0xdbff && j->i + 1 < j->len && j->s[j->i] == '\\' &&
                j->s[j->i + 1] == 'u') {
                unsigned lo;
                if (json_hex4(j, j->i + 2, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    j->i += 6;
                }
            }
            if (decode) {
                /* UTF-8 is never longer than the escape it replaces. */
                /* (so the decoded string fits in the raw length) */
                if (cp < 0x80) {
                    dst[w++] = (char)cp;
                } else if (cp < 0x800) {
                    dst[w++] = (char)(0xc0 | (cp >> 6));
                    dst[w++] = (char)(0x80 | (cp & 0x3f));
                } else if (cp < 0x10000) {
                    dst[w++] = (char)(0xe0 | (cp >> 12));
                    dst[w++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    dst[w++] = (char)(0x80 | (cp & 0x3f));
                } else {
                    dst[w++] = (char)(0xf0 | (cp >> 18));
                    dst[w++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                    dst[w++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    dst[w++] = (char)(0x80 | (cp & 0x3f));
                }
            }
            continue;
        }
        default:
            return false;
        }
        if (decode)
            dst[w++] = lit;
        j->i += 2;
    }
    return false;
}

/* Skips a run of decimal digits; returns how many. */
static size_t json_digits(struct json *j)
{
    size_t d = j->i;
    while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9')
        j->i++;
    return j->i - d;
}

static bool json_number(struct json *j, struct ts_str *out)
{
    size_t st = j->i;
    if (j->i < j->len && j->s[j->i] == '-')
        j->i++;
    if (j->i >= j->len || j->s[j->i] < '0' || j->s[j->i] > '9')
        return false;
    if (j->s[j->i] == '0')
        j->i++;
    else
        json_digits(j);
    if (j->i < j->len && j->s[j->i] == '.') {
        j->i++;
        if (json_digits(j) == 0)
            return false;
    }
    if (j->i < j->len && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->len && (j->s[j->i] == '+' || j->s[j->i] == '-'))
            j->i++;
        if (json_digits(j) == 0)
            return false;
    }
    out->p = j->s + st;
    out->len = j->i - st;
    return true;
}

static bool json_literal(struct json *j, const char *lit)
{
    size_t n = strlen(lit);
    if (j->len - j->i < n || memcmp(j->s + j->i, lit, n) != 0)
        return false;
    j->i += n;
    return true;
}

enum json_type { JT_STRING, JT_NUMBER, JT_NULL, JT_BOOL, JT_NESTED };

static bool json_value(struct json *j, int depth, enum json_type *type, struct ts_str *out);

static bool json_container(struct json *j, int depth)
{
    if (depth >= JSON_MAX_DEPTH)
        return false;
    char open = j->s[j->i];
    char close = open == '{' ? '}' : ']';
    j->i++;
    json_ws(j);
    if (j->i < j->len && j->s[j->i] == close) {
        j->i++;
        return true;
    }
    for (;;) {
        enum json_type t;
        struct ts_str v;
        if (open == '{') {
            if (!json_string(j, NULL, &v))
                return false;
            json_ws(j);
            if (j->i >= j->len || j->s[j->i] != ':')
                return false;
            j->i++;
            json_ws(j);
        }
        if (!json_value(j, depth + 1, &t, &v))
            return false;
        json_ws(j);
        if (j->i >= j->len)
            return false;
        if (j->s[j->i] == close) {
            j->i++;
            return true;
        }
        if (j->s[j->i] != ',')
            return false;
        j->i++;
        json_ws(j);
    }
}

static bool json_value(struct json *j, int depth, enum json_type *type, struct ts_str *out)
{
    if (j->i >= j->len)
        return false;
    char c = j->s[j->i];
    out->p = NULL;
    out->len = 0;
    switch (c) {
    case '"':
        *type = JT_STRING;
        return json_string(j, NULL, out);
    case '{':
    case '[':
        *type = JT_NESTED;
        return json_container(j, depth);
    case 't':
        *type = JT_BOOL;
        return json_literal(j, "true");
    case 'f':
        *type = JT_BOOL;
        return json_literal(j, "false");
    case 'n':
        *type = JT_NULL;
        return json_literal(j, "null");
    default:
        *type = JT_NUMBER;
        return json_number(j, out);
    }
}

int conn_json_line(struct conn_json *cj, const char *line, size_t len, struct ts_str unset,
                   struct ts_record *out)
{
    struct json j = {line, len, 0};
    struct conn_fields cf;
    memset(&cf, 0, sizeof cf);
    enum json_type types[COL_N] = {JT_NULL};
    bool other_log = false;
    json_ws(&j);
    if (j.i >= j.len || j.s[j.i] != '{')
        return CONN_CORRUPT;
    j.i++;
    json_ws(&j);
    if (j.i < j.len && j.s[j.i] == '}') {
        j.i++;
    } else {
        for (;;) {
            struct ts_str key, val;
            enum json_type t;
            if (!json_string(&j, NULL, &key))
                return CONN_CORRUPT;
            json_ws(&j);
            if (j.i >= j.len || j.s[j.i] != ':')
                return CONN_CORRUPT;
            j.i++;
            json_ws(&j);
            int c = conn_field_col(key.p, key.len);
            bool path = conn_str_eq(key, "_path") || conn_str_eq(key, "@stream");
            if (!json_value(&j, 1, &t, &val))
                return CONN_CORRUPT;
            if (c >= 0) {
                if (t == JT_NULL) {
                    cf.f[c].p = NULL;
                    cf.f[c].len = 0;
                } else {
                    cf.f[c] = val;
                    types[c] = t;
                    if (t == JT_BOOL || t == JT_NESTED)
                        return CONN_CORRUPT;
                }
            } else if (path && t == JT_STRING && !conn_str_eq(val, "conn")) {
                other_log = true;
            }
            json_ws(&j);
            if (j.i >= j.len)
                return CONN_CORRUPT;
            if (j.s[j.i] == '}') {
                j.i++;
                break;
            }
            if (j.s[j.i] != ',')
                return CONN_CORRUPT;
            j.i++;
            json_ws(&j);
        }
    }
    json_ws(&j);
    if (j.i != j.len)
        return CONN_CORRUPT;
    if (other_log)
        return CONN_SKIP;
    /* Decode the needed strings that have escapes into the scratch. */
    size_t used = 0;
    for (int c = 0; c < COL_N; c++) {
        struct ts_str v = cf.f[c];
        if (v.p == NULL || types[c] != JT_STRING || memchr(v.p, '\\', v.len) == NULL)
            continue;
        if (v.len > sizeof cj->scratch - used)
            return CONN_CORRUPT;
        struct json sub = {line, len, (size_t)(v.p - line) - 1};
        if (!json_string(&sub, cj->scratch + used, &cf.f[c]))
            return CONN_CORRUPT;
        used += cf.f[c].len;
    }

    double ts = 0;
    struct ts_str t = cf.f[COL_TS];
    bool ts_ok = t.p != NULL &&
                 (types[COL_TS] == JT_NUMBER
                      ? scan_double(t.p, t.len, &ts)
                      : scan_double(t.p, t.len, &ts) || iso8601_parse(t.p, t.len, &ts));
    /* an unknown_transport line counts whatever its ts (it is counted
     * before any check that would need the time) */
    if (!ts_ok && !conn_str_eq(cf.f[COL_PROTO], "unknown_transport"))
        return CONN_CORRUPT;
    if (!ts_ok)
        ts = 0;
    /* Addresses and the protocol are strings; ports and counts numbers
     * (a string of digits is accepted too). */
    if (cf.f[COL_ORIG_H].p != NULL && types[COL_ORIG_H] != JT_STRING)
        return CONN_CORRUPT;
    if (cf.f[COL_RESP_H].p != NULL && types[COL_RESP_H] != JT_STRING)
        return CONN_CORRUPT;
    if (cf.f[COL_PROTO].p != NULL && types[COL_PROTO] != JT_STRING)
        return CONN_CORRUPT;
    return conn_record_build(&cf, unset, ts, out);
}
