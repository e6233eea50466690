/*
 * conn_log.c - Zeek/Bro connection log lines into records.
 *
 * Three line formats, told apart per line:
 *
 *   '#...'   a Zeek TSV header: #separator (value with \xNN escapes, after a
 *            space), #unset_field, #fields (column names, any order; the
 *            scope separator in id.orig_h may be any character). A later
 *            header block replaces the column map.
 *   '{...}'  a JSON object (Zeek's JSON writer): same field names, ts a
 *            number or an ISO 8601 string, absent fields unset.
 *   other    a data line: Zeek TSV (split on the separator when a usable
 *            #fields line was seen, else on runs of whitespace in the
 *            default column order), or Bro 1.x (space separated).
 *
 * Version guess (conn_version 0): the first data line that is not JSON
 * decides, once: fewer than 15 whitespace-separated fields means Bro 1.x,
 * unless a #fields header was seen (then it is modern).
 *
 * Everything is parsed in place: record strings point into the line, and
 * nothing is allocated per line. Where the rest of the line covers the
 * load, fields are read a word at a time (SSE2 on x86): TSV columns from
 * 32-byte separator masks, IPv4 and IPv6 addresses from masks of their
 * digits, dots and colons, ports and byte counts of up to eight digits from
 * one 8-byte load, with no branch on the lengths that vary from line to
 * line; JSON fields and fields near the line end take byte loops that
 * accept exactly the same text. Numbers are parsed by hand (no locale);
 * a decimal with at most 19 significant digits and a mantissa below 2^53
 * scaled by at most 10^22 is computed with one exact multiplication or
 * division, so it is correctly rounded (1300475167.096535 round-trips);
 * other numbers fall back to strtod on a bounded copy.
 */
#include "config.h"

#include "conn_log.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum conn_col {
    COL_TS,
    COL_UID,
    COL_ORIG_H,
    COL_ORIG_P,
    COL_RESP_H,
    COL_RESP_P,
    COL_PROTO,
    COL_SERVICE,
    COL_DURATION,
    COL_ORIG_BYTES,
    COL_RESP_BYTES,
    COL_STATE,
    COL_N
};

#define UNSET_MAX 64
#define JSON_MAX_DEPTH 32
#define BW_LIMIT_MBIT 700.0

/* Column maps: column number of each needed field, -1 if absent. */
static const int default_modern[COL_N] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
/* Bro 1.x: ts duration orig_h resp_h service orig_p resp_p proto
 * orig_bytes resp_bytes state ... (no uid) */
static const int default_bro1[COL_N] = {0, -1, 2, 5, 3, 6, 7, 4, 1, 8, 9, 10};

/* The values of the needed fields as found in one line; len 0 and p NULL
 * for an absent one. */
struct conn_fields {
    struct ts_str f[COL_N];
    bool json; /* numbers may have come as JSON null: p == NULL */
    /* The end of the line the fields lie in: the bytes up to it may be
     * loaded past a field's end (see readable). NULL: no such promise. */
    const char *end;
};

struct conn_parser {
    int version;      /* 0 not decided yet, 1 Bro 1.x, 2 modern */
    bool forced;      /* version given by the caller */
    char sep;         /* TSV field separator */
    bool have_fields; /* a usable #fields line is in force */
    int map[COL_N];
    int max_col; /* highest column number in map */
    /* Column number -> needed field, derived from the map in force (want_map,
     * want_max: which; NULL: to be derived again). */
    const int *want_map;
    int want_max;
    /* The fields of the last TSV line. Cleared when the map is derived
     * again, not per line: a line that splits completely sets every
     * mapped field, and the others (columns the header lacks) stay absent;
     * a line that does not is corrupt and its fields are never read. */
    struct conn_fields fields;
    int nwant;
    int want[COL_N * 2 + 24];
    char unset[UNSET_MAX];
    size_t unset_len;
    char scratch[4096]; /* decoded JSON strings of the last line */
};

struct conn_parser *conn_parser_new(int conn_version)
{
    if (conn_version < 0 || conn_version > 2)
        return NULL;
    struct conn_parser *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->version = conn_version;
    p->forced = conn_version != 0;
    p->sep = '\t';
    p->unset[0] = '-';
    p->unset_len = 1;
    return p;
}

void conn_parser_free(struct conn_parser *p)
{
    free(p);
}

/* ---- small scanners --------------------------------------------------- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool str_eq(struct ts_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ASCII_ZEROS 0x3030303030303030ull

/* True when the eight bytes of x are all ASCII digits (D. Lemire's test: a
 * digit's high nibble is 3, and stays 3 after adding 6; a carry out of a
 * byte >= 0xFA fails that byte first). */
static inline bool digits8_all(uint64_t x)
{
    return ((x & 0xF0F0F0F0F0F0F0F0ull) |
            (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
}

/* The value of eight digits, x already minus ASCII_ZEROS, the byte first in
 * memory the most significant: pairs, then fours, then eights, by three
 * multiplications (simdjson's parse_eight_digits_unrolled). */
static inline uint64_t digits8_value(uint64_t x)
{
    x = x * 10 + (x >> 8);
    x = (((x & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
         (((x >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
        32;
    return x & 0xFFFFFFFFull;
}

/* Zeek writes times and durations with six decimals: 1 to 10 digits, a
 * point, six digits ("1700000000.063554", "0.000435"). Those are read with
 * two 8-byte loads inside the field (three bytes more for 10 integer
 * digits) instead of a loop per digit. Returns false for any other form,
 * which the general code then reads; the value is the one it would give. */
static bool parse_fixed6(const char *s, size_t len, double *out)
{
    if (len < 8 || len > 17 || s[len - 7] != '.')
        return false;
    uint64_t lo;
    memcpy(&lo, s + len - 8, 8); /* the last integer digit, '.', six decimals */
    /* '0', that digit, the decimals: the last seven digits as a number */
    lo = (lo & 0xFFFFFFFFFFFF0000ull) | (lo & 0xFF) << 8 | 0x30;
    if (!digits8_all(lo))
        return false;
    uint64_t m = digits8_value(lo - ASCII_ZEROS);
    size_t lead = len - 8; /* integer digits before the last one, 0..9 */
    if (lead > 0) {
        uint64_t hi;
        memcpy(&hi, s, 8);
        size_t n = lead < 8 ? lead : 8;
        if (n < 8) /* keep s[0, n) as the last n bytes, '0's before them */
            hi = hi << (8 * (8 - n)) | ASCII_ZEROS >> (8 * n);
        if (!digits8_all(hi))
            return false;
        uint64_t h = digits8_value(hi - ASCII_ZEROS);
        if (lead == 9) {
            unsigned d = (unsigned)(s[8] - '0');
            if (d > 9)
                return false;
            h = h * 10 + d;
        }
        m += h * 10000000ull;
    }
    if (m > (UINT64_C(1) << 53))
        return false;
    *out = (double)m / pow10_exact[6];
    return true;
}
#else
static bool parse_fixed6(const char *s, size_t len, double *out)
{
    (void)s;
    (void)len;
    (void)out;
    return false;
}
#endif

/* Parses a whole field as a decimal number (optional sign, digits, point,
 * exponent). Returns false unless the field is exactly a finite number. */
static bool parse_double(const char *s, size_t len, double *out)
{
    if (parse_fixed6(s, len, out))
        return true;
    /* Fast path for what logs hold: unsigned digits with an optional
     * fraction, at most 19 digits, the value exactly representable
     * (m <= 2^53) and scaled by an exact power of ten, so that the one
     * division rounds correctly. Anything else takes the general path. */
    {
        uint64_t m = 0;
        size_t i = 0, frac = 0;
        while (i < len && (unsigned)(s[i] - '0') < 10)
            m = m * 10 + (unsigned)(s[i++] - '0');
        size_t ip = i;
        if (i < len && s[i] == '.') {
            size_t fs = ++i;
            while (i < len && (unsigned)(s[i] - '0') < 10)
                m = m * 10 + (unsigned)(s[i++] - '0');
            frac = i - fs;
        }
        size_t nd = ip + frac;
        if (i == len && nd >= 1 && nd <= 19 && m <= (UINT64_C(1) << 53) && frac <= 22) {
            *out = frac ? (double)m / pow10_exact[frac] : (double)m;
            return true;
        }
    }
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    uint64_t m = 0;
    int nd = 0, exp10 = 0, digits = 0;
    bool dropped = false;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (m == 0 && d == 0)
            continue;
        if (nd < 19) {
            m = m * 10 + d;
            nd++;
        } else {
            exp10++;
            dropped = dropped || d != 0;
        }
    }
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            unsigned d = (unsigned)(s[i] - '0');
            if (m == 0 && d == 0) {
                exp10--;
                continue;
            }
            if (nd < 19) {
                m = m * 10 + d;
                nd++;
                exp10--;
            } else {
                dropped = dropped || d != 0;
            }
        }
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i == len || s[i] < '0' || s[i] > '9')
            return false;
        int e = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return false;
    double v;
    if (m == 0) {
        v = neg ? -0.0 : 0.0;
    } else if (!dropped && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        v = (double)m;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        if (neg)
            v = -v;
    } else {
        char buf[128];
        if (len >= sizeof buf)
            return false;
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *end;
        v = strtod(buf, &end); /* the sign is in buf */
        if (end != buf + len)
            return false;
    }
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* True when n bytes from s lie before end, the end of the line (NULL:
 * unknown). Parsers then load whole words and ignore what lies past the
 * field, instead of a loop per byte. */
static inline bool readable(const char *s, size_t n, const char *end)
{
    return end != NULL && (size_t)(end - s) >= n;
}

#if defined(ASCII_ZEROS)
/* One to eight digits, eight bytes readable at s: one load, the test of
 * all eight bytes at once, three multiplications. */
static inline bool parse_u64_word(const char *s, size_t len, uint64_t *out)
{
    uint64_t x;
    memcpy(&x, s, 8);
    /* s[0, len) as the last len bytes, '0's before them */
    x = x << (8 * (8 - len)) | (ASCII_ZEROS >> (4 * len)) >> (4 * len);
    if (!digits8_all(x))
        return false;
    *out = digits8_value(x - ASCII_ZEROS);
    return true;
}
#endif

/* Parses a whole field of decimal digits. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    if (len <= 19) { /* cannot overflow: no check per digit */
        for (size_t i = 0; i < len; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            if (d > 9)
                return false;
            v = v * 10 + d;
        }
        *out = v;
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* parse_u64, for a field that may be read up to end (see readable). */
static inline bool parse_u64_in(const char *s, size_t len, const char *end, uint64_t *out)
{
#if defined(ASCII_ZEROS)
    if (len >= 1 && len <= 8 && readable(s, 8, end))
        return parse_u64_word(s, len, out);
#else
    (void)end;
#endif
    return parse_u64(s, len, out);
}

static bool parse_port(struct ts_str s, const char *end, uint16_t *out)
{
    uint64_t v;
    if (!parse_u64_in(s.p, s.len, end, &v) || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* Dotted quad, as inet_pton(AF_INET) accepts it (no leading zeros). */
static bool parse_ipv4(const char *s, size_t len, uint8_t b[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        unsigned d;
        if (i >= len || (d = (unsigned)(s[i] - '0')) > 9)
            return false;
        unsigned v = d;
        i++;
        if (i < len && (d = (unsigned)(s[i] - '0')) <= 9) {
            if (v == 0)
                return false; /* a leading zero */
            v = v * 10 + d;
            i++;
            if (i < len && (d = (unsigned)(s[i] - '0')) <= 9) {
                v = v * 10 + d;
                i++;
                if (v > 255)
                    return false;
            }
        }
        b[k] = (uint8_t)v;
    }
    return i == len;
}

#if defined(__SSE2__)
/* One bit per byte of the 16 at p that equals the byte of v at its place. */
static inline uint32_t eq_mask16(const char *p, __m128i v)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, v));
}

/* The bytes of v minus '0', and in *isdig 0xff where that is a digit. */
static inline __m128i digit_values(__m128i v, __m128i *isdig)
{
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    *isdig = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
    return d;
}

/* The value of the octet of n digits that ends before D[e] (D: digit
 * values, 0 elsewhere, three zeros before D[0]); sets *bad unless n is 1 to
 * 3 without a leading zero and the value at most 255. */
static inline unsigned quad_octet(const uint8_t *D, int e, int n, unsigned *bad)
{
    static const uint8_t m100[4] = {0, 0, 0, 100}, m10[4] = {0, 0, 10, 10};
    unsigned k = (unsigned)n & 3;
    unsigned v = D[e - 3] * m100[k] + D[e - 2] * m10[k] + D[e - 1];
    *bad |= ((unsigned)n - 1 > 2) | ((k > 1) & (D[e - (int)k] == 0)) | (v > 255);
    return v;
}

/* parse_ipv4 for 7 to 15 bytes with 16 readable at s: the dots and digits
 * found by two compares of the whole field, the octets computed without a
 * branch per digit (their lengths vary from one address to the next, so
 * such branches are mispredicted). Accepts exactly what parse_ipv4 does. */
static bool parse_ipv4_16(const char *s, size_t len, uint8_t b[4])
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    unsigned live = (1u << len) - 1;
    __m128i isdig;
    __m128i d = digit_values(v, &isdig);
    unsigned dig = (unsigned)_mm_movemask_epi8(isdig) & live;
    unsigned dots = eq_mask16(s, _mm_set1_epi8('.')) & live;
    unsigned m1 = dots & (dots - 1), m2 = m1 & (m1 - 1);
    /* only digits and dots, exactly three dots */
    if ((dig | dots) != live || m2 == 0 || (m2 & (m2 - 1)) != 0)
        return false;
    int p1 = __builtin_ctz(dots), p2 = __builtin_ctz(m1), p3 = __builtin_ctz(m2);
    uint8_t buf[32];
    _mm_storeu_si128((__m128i *)(void *)buf, _mm_setzero_si128());
    _mm_storeu_si128((__m128i *)(void *)(buf + 16), _mm_and_si128(d, isdig));
    const uint8_t *D = buf + 16;
    unsigned bad = 0;
    b[0] = (uint8_t)quad_octet(D, p1, p1, &bad);
    b[1] = (uint8_t)quad_octet(D, p2, p2 - p1 - 1, &bad);
    b[2] = (uint8_t)quad_octet(D, p3, p3 - p2 - 1, &bad);
    b[3] = (uint8_t)quad_octet(D, (int)len, (int)len - p3 - 1, &bad);
    return bad == 0;
}
#endif

/* Hex digit values, -1 for other bytes. */
static const signed char hex_val[256] = {
    ['0'] = 0 + 1,  ['1'] = 1 + 1,  ['2'] = 2 + 1,  ['3'] = 3 + 1,  ['4'] = 4 + 1,  ['5'] = 5 + 1,
    ['6'] = 6 + 1,  ['7'] = 7 + 1,  ['8'] = 8 + 1,  ['9'] = 9 + 1,  ['a'] = 10 + 1, ['b'] = 11 + 1,
    ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1,
    ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};

/* The table holds value + 1 so that every other byte is 0 by default. */
static int hex_value(char c)
{
    return hex_val[(unsigned char)c] - 1;
}

/* IPv6 text, accepting exactly what inet_pton(AF_INET6) accepts (groups of
 * one to four hex digits, one "::", a dotted quad at the end) without the
 * copy to a NUL-terminated buffer and the library call (a unit test
 * compares the two on random strings). */
static bool parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint8_t tmp[16] = {0};
    size_t tp = 0, colonp = SIZE_MAX, i = 0;
    if (len == 0)
        return false;
    if (s[0] == ':') {
        if (len < 2 || s[1] != ':')
            return false;
        i = 1;
    }
    size_t curtok = i;
    unsigned val = 0, xdigits = 0;
    while (i < len) {
        char ch = s[i++];
        int d = hex_value(ch);
        if (d >= 0) {
            if (xdigits == 4)
                return false;
            val = val << 4 | (unsigned)d;
            xdigits++;
            continue;
        }
        if (ch == ':') {
            curtok = i;
            if (xdigits == 0) {
                if (colonp != SIZE_MAX)
                    return false;
                colonp = tp;
                continue;
            }
            if (i == len || tp + 2 > 16)
                return false;
            tmp[tp++] = (uint8_t)(val >> 8);
            tmp[tp++] = (uint8_t)val;
            xdigits = 0;
            val = 0;
            continue;
        }
        if (ch == '.' && tp + 4 <= 16 && parse_ipv4(s + curtok, len - curtok, tmp + tp)) {
            tp += 4;
            xdigits = 0;
            break;
        }
        return false;
    }
    if (xdigits > 0) {
        if (tp + 2 > 16)
            return false;
        tmp[tp++] = (uint8_t)(val >> 8);
        tmp[tp++] = (uint8_t)val;
    }
    if (colonp != SIZE_MAX) {
        if (tp == 16)
            return false; /* "::" would stand for no group at all */
        size_t n = tp - colonp;
        memmove(tmp + 16 - n, tmp + colonp, n);
        memset(tmp + colonp, 0, 16 - n - colonp);
        tp = 16;
    }
    if (tp != 16)
        return false;
    memcpy(out, tmp, 16);
    return true;
}

#if defined(__SSE2__)
/* Hex digits of v as a bit mask, and their values (0 for other bytes). */
static inline unsigned hex16(__m128i v, __m128i *nib)
{
    __m128i isdig;
    __m128i d = digit_values(v, &isdig);
    __m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i islet = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
    *nib = _mm_or_si128(_mm_and_si128(d, isdig),
                        _mm_and_si128(_mm_add_epi8(l, _mm_set1_epi8(10)), islet));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(isdig, islet));
}

/* parse_ipv6 for 2 to 32 bytes with 32 readable at s, made of hex digits
 * and colons only (anything else, such as a dotted quad at the end, goes
 * to parse_ipv6): the groups found from two 32-bit masks, each group's
 * value from one word of nibbles. Returns 1 (parsed), 0 (not an address)
 * or -1 (not this form). Accepts exactly what parse_ipv6 does. */
static int parse_ipv6_32(const char *s, size_t len, uint8_t out[16])
{
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
    __m128i n0, n1;
    uint32_t live = len == 32 ? UINT32_MAX : (UINT32_C(1) << len) - 1;
    uint32_t H = (hex16(v0, &n0) | (uint32_t)hex16(v1, &n1) << 16) & live;
    __m128i colon = _mm_set1_epi8(':');
    uint32_t C = (eq_mask16(s, colon) | eq_mask16(s + 16, colon) << 16) & live;
    if ((H | C) != live)
        return -1;
    uint32_t dc = C & (C >> 1); /* the first colon of each "::" */
    uint32_t single = C & ~(dc | dc << 1);
    uint32_t run5 = H & (H >> 1) & (H >> 2) & (H >> 3) & (H >> 4);
    if ((dc & (dc - 1)) != 0 || run5 != 0 ||
        (single & ~((H << 1) & (H >> 1))) != 0) /* a lone colon needs a group on each side */
        return 0;
    uint8_t nib[4 + 32];
    memset(nib, 0, 4);
    _mm_storeu_si128((__m128i *)(void *)(nib + 4), n0);
    _mm_storeu_si128((__m128i *)(void *)(nib + 20), n1);
    uint32_t starts = H & ~(H << 1), ends = H & ~(H >> 1);
    uint16_t g[8];
    int n = 0, before = 0;
    while (ends != 0) {
        if (n == 8)
            return 0;
        int st = __builtin_ctz(starts), e = __builtin_ctz(ends);
        starts &= starts - 1;
        ends &= ends - 1;
        uint32_t w;
        memcpy(&w, nib + 4 + e - 3, 4); /* the nibbles of e - 3 .. e */
        w &= UINT32_MAX << (8 * (3 - (e - st)));
        uint32_t x = __builtin_bswap32(w); /* byte 0: the last digit */
        x |= x >> 4;
        g[n] = (uint16_t)((x & 0xff) | ((x >> 8) & 0xff00));
        before += dc != 0 && e < __builtin_ctz(dc);
        n++;
    }
    if (dc == 0 ? n != 8 : n > 7)
        return 0;
    memset(out, 0, 16);
    int k = 0;
    for (; k < before; k++) {
        out[2 * k] = (uint8_t)(g[k] >> 8);
        out[2 * k + 1] = (uint8_t)g[k];
    }
    for (int at = 8 - (n - before); k < n; k++, at++) {
        out[2 * at] = (uint8_t)(g[k] >> 8);
        out[2 * at + 1] = (uint8_t)g[k];
    }
    return 1;
}
#endif

/* An address field that may be read up to end (see readable). */
static bool parse_addr(struct ts_str s, const char *end, struct ts_addr *a)
{
    bool v4;
#if defined(__SSE2__)
    if (s.len >= 7 && s.len <= 15 && readable(s.p, 16, end))
        v4 = parse_ipv4_16(s.p, s.len, a->b);
    else
#endif
        v4 = parse_ipv4(s.p, s.len, a->b);
    (void)end;
    if (v4) {
        a->len = 4;
        return true;
    }
    int v6 = -1;
#if defined(__SSE2__)
    if (s.len >= 2 && s.len <= 32 && readable(s.p, 32, end))
        v6 = parse_ipv6_32(s.p, s.len, a->b);
#endif
    if (v6 < 0)
        v6 = s.len < 64 && parse_ipv6(s.p, s.len, a->b);
    if (v6 == 0)
        return false;
    a->len = 16;
    return true;
}

/* "id" + one scope separator character + suffix, e.g. id.orig_h, id_orig_h. */
static bool is_id_field(const char *p, size_t len, const char *suffix)
{
    return len == 9 && p[0] == 'i' && p[1] == 'd' && memcmp(p + 3, suffix, 6) == 0;
}

static int field_col(const char *p, size_t len)
{
    static const char *const names[COL_N] = {"ts",       "uid",        "",           "",
                                             "",         "",           "proto",      "service",
                                             "duration", "orig_bytes", "resp_bytes", "conn_state"};
    if (is_id_field(p, len, "orig_h"))
        return COL_ORIG_H;
    if (is_id_field(p, len, "orig_p"))
        return COL_ORIG_P;
    if (is_id_field(p, len, "resp_h"))
        return COL_RESP_H;
    if (is_id_field(p, len, "resp_p"))
        return COL_RESP_P;
    for (int c = 0; c < COL_N; c++) {
        size_t n = strlen(names[c]);
        if (n > 0 && n == len && memcmp(names[c], p, n) == 0)
            return c;
    }
    return -1;
}

/* ---- TSV headers ------------------------------------------------------ */

/* Decodes a #separator value (\xNN escapes); sets sep if it is one byte. */
static void header_separator(struct conn_parser *p, const char *v, size_t len)
{
    unsigned char c;
    if (len == 1) {
        c = (unsigned char)v[0];
    } else if (len == 4 && v[0] == '\\' && (v[1] == 'x' || v[1] == 'X')) {
        unsigned val = 0;
        for (int k = 2; k < 4; k++) {
            char h = v[k];
            unsigned d;
            if (h >= '0' && h <= '9')
                d = (unsigned)(h - '0');
            else if (h >= 'a' && h <= 'f')
                d = (unsigned)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
                d = (unsigned)(h - 'A' + 10);
            else
                return;
            val = val * 16 + d;
        }
        c = (unsigned char)val;
    } else {
        return;
    }
    if (c == '\n' || c == '\0')
        return;
    p->sep = (char)c;
}

static void header_fields(struct conn_parser *p, const char *v, size_t len)
{
    int map[COL_N];
    for (int c = 0; c < COL_N; c++)
        map[c] = -1;
    int col = 0, max_col = -1;
    size_t i = 0;
    while (i <= len) {
        const char *f = v + i;
        const char *e = memchr(f, p->sep, len - i);
        size_t flen = e != NULL ? (size_t)(e - f) : len - i;
        if (flen > 0 && f[flen - 1] == '\r' && e == NULL)
            flen--;
        int c = field_col(f, flen);
        if (c >= 0 && map[c] < 0) {
            map[c] = col;
            if (col > max_col)
                max_col = col;
        }
        col++;
        if (e == NULL || col > 100000)
            break;
        i += flen + 1;
    }
    /* Usable only with the fields every record needs. */
    if (map[COL_TS] < 0 || map[COL_ORIG_H] < 0 || map[COL_ORIG_P] < 0 || map[COL_RESP_H] < 0 ||
        map[COL_RESP_P] < 0 || map[COL_PROTO] < 0) {
        p->have_fields = false;
        return;
    }
    memcpy(p->map, map, sizeof map);
    p->max_col = max_col;
    p->have_fields = true;
    p->want_map = NULL;
}

static void parse_header(struct conn_parser *p, char *line, size_t len)
{
    /* line starts with '#'. The keyword ends at a space or the separator. */
    size_t k = 1;
    while (k < len && line[k] != ' ' && line[k] != p->sep && line[k] != '\t')
        k++;
    const char *kw = line + 1;
    size_t kwlen = k - 1;
    const char *v = k < len ? line + k + 1 : line + len;
    size_t vlen = k < len ? len - k - 1 : 0;
    if (vlen > 0 && v[vlen - 1] == '\r')
        vlen--;
    if (kwlen == 9 && memcmp(kw, "separator", 9) == 0) {
        header_separator(p, v, vlen);
    } else if (kwlen == 11 && memcmp(kw, "unset_field", 11) == 0) {
        if (vlen > 0 && vlen < UNSET_MAX) {
            memcpy(p->unset, v, vlen);
            p->unset_len = vlen;
        }
    } else if (kwlen == 6 && memcmp(kw, "fields", 6) == 0) {
        header_fields(p, v, vlen);
    }
}

/* ---- record assembly -------------------------------------------------- */

static bool is_unset(const struct conn_parser *p, struct ts_str s)
{
    if (s.p == NULL)
        return true;
    if (s.len == 1 && (s.p[0] == '-' || s.p[0] == '?'))
        return true;
    return s.len == p->unset_len && memcmp(s.p, p->unset, s.len) == 0;
}

static uint64_t bytes_value(struct ts_str s, const char *end)
{
    uint64_t v;
    if (s.p == NULL || !parse_u64_in(s.p, s.len, end, &v))
        return 0;
    return v;
}

static bool over_bandwidth(uint64_t bytes, double duration)
{
    if (!(duration > 0))
        return false;
    return (double)bytes * 8.0 / (1024.0 * 1024.0 * duration) > BW_LIMIT_MBIT;
}

static int build_record(struct conn_parser *p, struct conn_fields *cf, double ts,
                        struct ts_record *out)
{
    ts_record_clear(out);
    struct ts_str *f = cf->f;
    if (f[COL_ORIG_H].p == NULL || f[COL_RESP_H].p == NULL || f[COL_ORIG_P].p == NULL ||
        f[COL_RESP_P].p == NULL || f[COL_PROTO].p == NULL)
        return CONN_CORRUPT;
    out->ts = ts;
    double duration = 0;
    if (!is_unset(p, f[COL_DURATION]) &&
        !parse_double(f[COL_DURATION].p, f[COL_DURATION].len, &duration))
        duration = 0;
    out->end = ts + duration;
    if (f[COL_UID].p != NULL)
        out->uid = f[COL_UID];

    struct ts_str proto = f[COL_PROTO];
    if (str_eq(proto, "unknown_transport")) {
        out->kind = TS_REC_UNKNOWN_TRANSPORT;
        out->src_text = f[COL_ORIG_H];
        out->dst_text = f[COL_RESP_H];
        (void)parse_addr(f[COL_ORIG_H], cf->end, &out->src);
        (void)parse_addr(f[COL_RESP_H], cf->end, &out->dst);
        return CONN_UNKNOWN_TRANSPORT;
    }
    if (str_eq(proto, "tcp"))
        out->proto = 6;
    else if (str_eq(proto, "udp"))
        out->proto = 17;
    else if (str_eq(proto, "icmp"))
        out->proto = 1;
    else
        return CONN_CORRUPT;
    if (!parse_addr(f[COL_ORIG_H], cf->end, &out->src) ||
        !parse_addr(f[COL_RESP_H], cf->end, &out->dst))
        return CONN_CORRUPT;
    if (!parse_port(f[COL_ORIG_P], cf->end, &out->sport) ||
        !parse_port(f[COL_RESP_P], cf->end, &out->dport))
        return CONN_CORRUPT;

    out->kind = TS_REC_CONN;
    uint64_t ob = bytes_value(f[COL_ORIG_BYTES], cf->end);
    uint64_t rb = bytes_value(f[COL_RESP_BYTES], cf->end);
    out->bytes = ob + rb;
    if (over_bandwidth(ob, duration)) {
        out->orig_bw_exceeded = true;
        ob = 0;
    }
    if (over_bandwidth(rb, duration)) {
        out->resp_bw_exceeded = true;
        rb = 0;
    }
    out->payload = ob + rb;

    struct ts_str unset = {p->unset, p->unset_len};
    out->service = f[COL_SERVICE].p != NULL ? f[COL_SERVICE] : unset;
    if (out->service.len > 0 && out->service.p[out->service.len - 1] == '?')
        out->service.len--;
    out->state = f[COL_STATE].p != NULL ? f[COL_STATE] : unset;
    return CONN_RECORD;
}

/* ---- TSV and whitespace data lines ------------------------------------ */

static size_t count_ws_fields(const char *s, size_t len, size_t limit)
{
    size_t n = 0, i = 0;
    while (i < len && n < limit) {
        while (i < len && is_ws(s[i]))
            i++;
        if (i == len)
            break;
        n++;
        while (i < len && !is_ws(s[i]))
            i++;
    }
    return n;
}

/* Splitting a data line at its separators, up to the last needed column. */
struct split {
    const char *line;
    const int *map;  /* field -> column */
    const int *want; /* column -> field, for columns < nwant */
    int nwant;
    int max_col;
    int col;      /* column being read */
    size_t start; /* where it starts */
    struct conn_fields *cf;
};

/* The column sp->col ends at end (a separator or the end of the line).
 * Returns true once that was the last needed column. */
static inline bool split_end(struct split *sp, size_t end)
{
    int c = -1;
    if (sp->col < sp->nwant) {
        c = sp->want[sp->col];
    } else {
        for (int k = 0; k < COL_N; k++)
            if (sp->map[k] == sp->col)
                c = k;
    }
    if (c >= 0) {
        sp->cf->f[c].p = sp->line + sp->start;
        sp->cf->f[c].len = end - sp->start;
    }
    if (sp->col == sp->max_col)
        return true;
    sp->col++;
    sp->start = end + 1;
    return false;
}

/* Finds the fields of columns 0..max_col in line[0, len). One pass: on x86
 * 32 bytes at a time (two compares and a bit mask per block, a bit per
 * separator), instead of a memchr call per field. Returns false when the
 * line ends before max_col. */
#if defined(__SSE2__)
/* The separators of a block at line + at, one bit each in m: true once
 * the last needed column has ended. */
static inline bool split_bits(struct split *sp, size_t at, uint32_t m)
{
    for (; m != 0; m &= m - 1)
        if (split_end(sp, at + (size_t)__builtin_ctz(m)))
            return true;
    return false;
}
#endif

static bool split_fields(struct split *sp, size_t len, char sep)
{
    const char *line = sp->line;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i vsep = _mm_set1_epi8(sep);
    /* 32 bytes per mask: the loop over a mask's bits is left at an
     * unpredictable point once per mask, so fewer masks, fewer misses
     * (64 bytes per mask: fewer still, but more work, and slower) */
    for (; i + 32 <= len; i += 32)
        if (split_bits(sp, i, eq_mask16(line + i, vsep) | eq_mask16(line + i + 16, vsep) << 16))
            return true;
    for (; i + 16 <= len; i += 16)
        if (split_bits(sp, i, eq_mask16(line + i, vsep)))
            return true;
#endif
    for (; i < len; i++)
        if (line[i] == sep && split_end(sp, i))
            return true;
    return split_end(sp, len);
}

static int parse_data(struct conn_parser *p, char *line, size_t len, struct ts_record *out)
{
    if (p->version == 0)
        p->version = p->have_fields || count_ws_fields(line, len, 15) >= 15 ? 2 : 1;

    const int *map;
    int max_col;
    bool by_sep = p->version == 2 && p->have_fields;
    if (by_sep) {
        map = p->map;
        max_col = p->max_col;
    } else {
        map = p->version == 1 ? default_bro1 : default_modern;
        max_col = p->version == 1 ? 10 : 11;
    }
    /* Column number -> needed field, for the columns up to max_col; derived
     * once per header. */
    int *want = p->want;
    if (p->want_map != map || p->want_max != max_col) {
        int nw = max_col + 1;
        if (nw > (int)(sizeof p->want / sizeof p->want[0])) {
            /* Wide maps: look the column up in map instead. */
            nw = 0;
        }
        for (int c = 0; c < nw; c++)
            want[c] = -1;
        for (int c = 0; c < COL_N; c++)
            if (map[c] >= 0 && map[c] < nw)
                want[map[c]] = c;
        p->nwant = nw;
        p->want_map = map;
        p->want_max = max_col;
        memset(&p->fields, 0, sizeof p->fields);
    }
    int nwant = p->nwant;

    struct conn_fields *cf = &p->fields;
    cf->end = line + len;
    int col = 0;
    size_t i = 0;
    if (by_sep) {
        if (len > 0 && line[len - 1] == '\r')
            len--;
        struct split sp = {line, map, want, nwant, max_col, 0, 0, cf};
        if (!split_fields(&sp, len, p->sep))
            return CONN_CORRUPT; /* a needed column is missing */
    } else {
        bool complete = false;
        for (;;) {
            while (i < len && is_ws(line[i]))
                i++;
            if (i == len)
                break;
            size_t st = i;
            while (i < len && !is_ws(line[i]))
                i++;
            if (col < nwant && want[col] >= 0) {
                cf->f[want[col]].p = line + st;
                cf->f[want[col]].len = i - st;
            }
            if (col == max_col) {
                complete = true;
                break;
            }
            col++;
        }
        if (!complete)
            return CONN_CORRUPT; /* a needed column is missing */
    }
    if (p->version == 1)
        cf->f[COL_UID].p = NULL;

    double ts;
    if (cf->f[COL_TS].p == NULL || !parse_double(cf->f[COL_TS].p, cf->f[COL_TS].len, &ts))
        return CONN_CORRUPT;
    return build_record(p, cf, ts, out);
}

/* ---- JSON ------------------------------------------------------------- */

struct json {
    char *s;
    size_t len, i;
};

static void json_ws(struct json *j)
{
    while (j->i < j->len &&
           (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\r' || j->s[j->i] == '\n'))
        j->i++;
}

static int hexval(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

static bool json_hex4(const struct json *j, size_t at, unsigned *out)
{
    if (at + 4 > j->len)
        return false;
    unsigned v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(j->s[at + k]);
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
        while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9')
            j->i++;
    if (j->i < j->len && j->s[j->i] == '.') {
        j->i++;
        size_t d = j->i;
        while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9')
            j->i++;
        if (j->i == d)
            return false;
    }
    if (j->i < j->len && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->len && (j->s[j->i] == '+' || j->s[j->i] == '-'))
            j->i++;
        size_t d = j->i;
        while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9')
            j->i++;
        if (j->i == d)
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

static int days_from_civil(int y, unsigned m, unsigned d)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int)doe - 719468;
}

static bool digits_n(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (unsigned)(s[k] - '0');
    }
    *out = v;
    return true;
}

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" in UTC. */
static bool parse_iso8601(const char *s, size_t len, double *out)
{
    unsigned y, mo, d, h, mi, se;
    if (len < 19 || !digits_n(s, 4, &y) || s[4] != '-' || !digits_n(s + 5, 2, &mo) || s[7] != '-' ||
        !digits_n(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits_n(s + 11, 2, &h) ||
        s[13] != ':' || !digits_n(s + 14, 2, &mi) || s[16] != ':' || !digits_n(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    size_t i = 19;
    uint64_t frac = 0;
    int nfrac = 0;
    if (i < len && s[i] == '.') {
        i++;
        size_t st = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (nfrac < 9) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                nfrac++;
            }
        if (i == st)
            return false;
    }
    long off = 0;
    if (i < len && s[i] == 'Z') {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        unsigned oh, om;
        if (len - i != 6 || !digits_n(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            !digits_n(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (long)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    }
    if (i != len)
        return false;
    int64_t secs = (int64_t)days_from_civil((int)y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    /* secs.frac as one decimal, so it rounds like the number written out. */
    if (secs >= 0 && secs < (INT64_C(1) << 33) && nfrac <= 6) {
        uint64_t scale = 1;
        for (int k = 0; k < nfrac; k++)
            scale *= 10;
        *out = (double)((uint64_t)secs * scale + frac) / pow10_exact[nfrac];
    } else {
        *out = (double)secs + (double)frac / pow10_exact[nfrac];
    }
    return true;
}

static bool json_key_is(struct ts_str k, const char *lit)
{
    return str_eq(k, lit);
}

static int parse_json(struct conn_parser *p, char *line, size_t len, struct ts_record *out)
{
    struct json j = {line, len, 0};
    struct conn_fields cf;
    memset(&cf, 0, sizeof cf);
    cf.json = true;
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
            int c = field_col(key.p, key.len);
            bool path = json_key_is(key, "_path") || json_key_is(key, "@stream");
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
            } else if (path && t == JT_STRING && !str_eq(val, "conn")) {
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
        if (v.len > sizeof p->scratch - used)
            return CONN_CORRUPT;
        struct json sub = {line, len, (size_t)(v.p - line) - 1};
        if (!json_string(&sub, p->scratch + used, &cf.f[c]))
            return CONN_CORRUPT;
        used += cf.f[c].len;
    }

    double ts;
    struct ts_str t = cf.f[COL_TS];
    if (t.p == NULL)
        return CONN_CORRUPT;
    if (types[COL_TS] == JT_NUMBER) {
        if (!parse_double(t.p, t.len, &ts))
            return CONN_CORRUPT;
    } else if (!parse_double(t.p, t.len, &ts) && !parse_iso8601(t.p, t.len, &ts)) {
        return CONN_CORRUPT;
    }
    /* Addresses and the protocol are strings; ports and counts numbers
     * (a string of digits is accepted too). */
    if (cf.f[COL_ORIG_H].p != NULL && types[COL_ORIG_H] != JT_STRING)
        return CONN_CORRUPT;
    if (cf.f[COL_RESP_H].p != NULL && types[COL_RESP_H] != JT_STRING)
        return CONN_CORRUPT;
    if (cf.f[COL_PROTO].p != NULL && types[COL_PROTO] != JT_STRING)
        return CONN_CORRUPT;
    return build_record(p, &cf, ts, out);
}

/* ---- entry point ------------------------------------------------------ */

int conn_parse_line(struct conn_parser *p, char *line, size_t len, struct ts_record *out)
{
    size_t i = 0;
    while (i < len && is_ws(line[i]))
        i++;
    if (i == len)
        return CONN_SKIP;
    if (line[i] == '#') {
        parse_header(p, line + i, len - i);
        return CONN_SKIP;
    }
    if (line[i] == '{')
        return parse_json(p, line + i, len - i, out);
    return parse_data(p, line, len, out);
}
