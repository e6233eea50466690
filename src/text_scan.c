/* text_scan.c - decimal numbers and IPv4/IPv6 addresses from log text, a word at a time. */
#include "config.h"

#include "text_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

const double scan_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if defined(SCAN_ASCII_ZEROS)
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
    if (!scan_digits8_all(lo))
        return false;
    uint64_t m = scan_digits8_value(lo - SCAN_ASCII_ZEROS);
    size_t lead = len - 8; /* integer digits before the last one, 0..9 */
    if (lead > 0) {
        uint64_t hi;
        memcpy(&hi, s, 8);
        size_t n = lead < 8 ? lead : 8;
        if (n < 8) /* keep s[0, n) as the last n bytes, '0's before them */
            hi = hi << (8 * (8 - n)) | SCAN_ASCII_ZEROS >> (8 * n);
        if (!scan_digits8_all(hi))
            return false;
        uint64_t h = scan_digits8_value(hi - SCAN_ASCII_ZEROS);
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
    *out = (double)m / scan_pow10[6];
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
bool scan_double(const char *s, size_t len, double *out)
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
            *out = frac ? (double)m / scan_pow10[frac] : (double)m;
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
        v = exp10 < 0 ? v / scan_pow10[-exp10] : v * scan_pow10[exp10];
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

bool scan_u64_digits(const char *s, size_t len, uint64_t *out)
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

/* Dotted quad, as inet_pton(AF_INET) accepts it (no leading zeros). */
bool scan_ipv4(const char *s, size_t len, uint8_t b[4])
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

/* scan_ipv4 for 7 to 15 bytes with 16 readable at s: the dots and digits
 * found by two compares of the whole field, the octets computed without a
 * branch per digit (their lengths vary from one address to the next, so
 * such branches are mispredicted). Accepts exactly what scan_ipv4 does. */
static bool parse_ipv4_16(const char *s, size_t len, uint8_t b[4])
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    unsigned live = (1u << len) - 1;
    __m128i isdig;
    __m128i d = digit_values(v, &isdig);
    unsigned dig = (unsigned)_mm_movemask_epi8(isdig) & live;
    unsigned dots = scan_eq_mask16(s, _mm_set1_epi8('.')) & live;
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

/* Hex digit values plus one, so that every other byte is 0 by default. */
const signed char scan_hex_table[256] = {
    ['0'] = 0 + 1,  ['1'] = 1 + 1,  ['2'] = 2 + 1,  ['3'] = 3 + 1,  ['4'] = 4 + 1,  ['5'] = 5 + 1,
    ['6'] = 6 + 1,  ['7'] = 7 + 1,  ['8'] = 8 + 1,  ['9'] = 9 + 1,  ['a'] = 10 + 1, ['b'] = 11 + 1,
    ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1,
    ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};

/* IPv6 text, accepting exactly what inet_pton(AF_INET6) accepts (groups of
 * one to four hex digits, one "::", a dotted quad at the end) without the
 * copy to a NUL-terminated buffer and the library call (a unit test
 * compares the two on random strings). */
bool scan_ipv6(const char *s, size_t len, uint8_t out[16])
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
        int d = scan_hex_digit(ch);
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
        if (ch == '.' && tp + 4 <= 16 && scan_ipv4(s + curtok, len - curtok, tmp + tp)) {
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

/* scan_ipv6 for 2 to 32 bytes with 32 readable at s, made of hex digits
 * and colons only (anything else, such as a dotted quad at the end, goes
 * to scan_ipv6): the groups found from two 32-bit masks, each group's
 * value from one word of nibbles. Returns 1 (parsed), 0 (not an address)
 * or -1 (not this form). Accepts exactly what scan_ipv6 does. */
static int parse_ipv6_32(const char *s, size_t len, uint8_t out[16])
{
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
    __m128i n0, n1;
    uint32_t live = len == 32 ? UINT32_MAX : (UINT32_C(1) << len) - 1;
    uint32_t H = (hex16(v0, &n0) | (uint32_t)hex16(v1, &n1) << 16) & live;
    __m128i colon = _mm_set1_epi8(':');
    uint32_t C = (scan_eq_mask16(s, colon) | scan_eq_mask16(s + 16, colon) << 16) & live;
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

/* Whole-field loads where the line leaves room, else the byte loops. */
bool scan_addr(const char *s, size_t len, const char *end, struct ts_addr *a)
{
    bool v4;
#if defined(__SSE2__)
    if (len >= 7 && len <= 15 && scan_readable(s, 16, end))
        v4 = parse_ipv4_16(s, len, a->b);
    else
#endif
        v4 = scan_ipv4(s, len, a->b);
    (void)end;
    if (v4) {
        a->len = 4;
        return true;
    }
    int v6 = -1;
#if defined(__SSE2__)
    if (len >= 2 && len <= 32 && scan_readable(s, 32, end))
        v6 = parse_ipv6_32(s, len, a->b);
#endif
    if (v6 < 0)
        v6 = len < 64 && scan_ipv6(s, len, a->b);
    if (v6 == 0)
        return false;
    a->len = 16;
    return true;
}
