/*
 * text_scan.h - numbers and addresses read from log text, a word at a time.
 *
 * Every scanner reads one whole field s[0, len) (not NUL-terminated) and
 * returns true only when the whole field is a value of its kind; nothing
 * is allocated, no locale is consulted, and *out is written only on
 * success. Where a scanner takes end, the bytes from s up to end (the end
 * of the line the field lies in) may be loaded past the field's own end:
 * fields with such room are read with 8-, 16- or 32-byte loads (SSE2 on
 * x86), the others byte by byte, and both accept exactly the same text.
 * end == NULL promises nothing past the field.
 */
#ifndef TS_TEXT_SCAN_H
#define TS_TEXT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "record.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/* One bit per byte of the 16 at p that equals the byte of v at its place
 * (16 bytes readable at p). One load, one compare. */
static inline uint32_t scan_eq_mask16(const char *p, __m128i v)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, v));
}
#endif

/* 10^0 .. 10^22, each exactly representable as a double. */
extern const double scan_pow10[23];

/* Hex digit values plus one, 0 for every other byte (see scan_hex_digit). */
extern const signed char scan_hex_table[256];

/* The value of the hex digit c (0-9, a-f, A-F), or -1 for any other byte.
 * One table load; the only hex decoder of the readers. */
static inline int scan_hex_digit(char c)
{
    return scan_hex_table[(unsigned char)c] - 1;
}

/* True when n bytes from s lie before end (NULL: never), so that a scanner
 * may load them whatever the field's length. Constant time. */
static inline bool scan_readable(const char *s, size_t n, const char *end)
{
    return end != NULL && (size_t)(end - s) >= n;
}

/* A decimal number: optional sign, digits, optional point and fraction,
 * optional exponent, as strtod reads it in the C locale, but only when it
 * takes the whole field and the value is finite. Correctly rounded: Zeek's
 * six-decimal times take two 8-byte loads, other numbers of at most 19
 * significant digits one exact multiplication or division, the rest
 * strtod on a bounded copy (fields of 128 bytes or more are refused).
 * Cost O(len), no allocation. */
bool scan_double(const char *s, size_t len, double *out);

/* Unsigned decimal digits, no sign, below 2^64, byte by byte. Cost O(len). */
bool scan_u64_digits(const char *s, size_t len, uint64_t *out);

/* The word-at-a-time helpers of the number scanners, inline here because
 * the readers call them for every field: the byte order of x86 and arm64. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SCAN_ASCII_ZEROS 0x3030303030303030ull

/* True when the eight bytes of x are all ASCII digits (D. Lemire's test: a
 * digit's high nibble is 3, and stays 3 after adding 6; a carry out of a
 * byte >= 0xFA fails that byte first). */
static inline bool scan_digits8_all(uint64_t x)
{
    return ((x & 0xF0F0F0F0F0F0F0F0ull) |
            (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
}

/* The value of eight digits, x already minus SCAN_ASCII_ZEROS, the byte first in
 * memory the most significant: pairs, then fours, then eights, by three
 * multiplications (simdjson's parse_eight_digits_unrolled). */
static inline uint64_t scan_digits8_value(uint64_t x)
{
    x = x * 10 + (x >> 8);
    x = (((x & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
         (((x >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
        32;
    return x & 0xFFFFFFFFull;
}
#endif

#if defined(SCAN_ASCII_ZEROS)
/* One to eight digits, eight bytes readable at s: one load, the test of
 * all eight bytes at once, three multiplications. */
static inline bool scan_u64_word(const char *s, size_t len, uint64_t *out)
{
    uint64_t x;
    memcpy(&x, s, 8);
    /* s[0, len) as the last len bytes, '0's before them */
    x = x << (8 * (8 - len)) | (SCAN_ASCII_ZEROS >> (4 * len)) >> (4 * len);
    if (!scan_digits8_all(x))
        return false;
    *out = scan_digits8_value(x - SCAN_ASCII_ZEROS);
    return true;
}
#endif

/* scan_u64_digits, but with 8 bytes readable before end, up to 8 digits
 * take one load and three multiplications, with no branch on the length.
 * Inline: ports and byte counts are read four times per line. */
static inline bool scan_u64(const char *s, size_t len, const char *end, uint64_t *out)
{
#if defined(SCAN_ASCII_ZEROS)
    if (len >= 1 && len <= 8 && scan_readable(s, 8, end))
        return scan_u64_word(s, len, out);
#else
    (void)end;
#endif
    return scan_u64_digits(s, len, out);
}

/* scan_u64 with the value at most 65535. */
static inline bool scan_port(const char *s, size_t len, const char *end, uint16_t *out)
{
    uint64_t v;
    if (!scan_u64(s, len, end, &v) || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* A dotted quad exactly as inet_pton(AF_INET) accepts it (four octets of
 * 1 to 3 digits, no leading zeros, none above 255), byte by byte. */
bool scan_ipv4(const char *s, size_t len, uint8_t out[4]);

/* IPv6 text exactly as inet_pton(AF_INET6) accepts it (groups of 1 to 4
 * hex digits, at most one "::", a dotted quad at the end), byte by byte,
 * into 16 bytes in network order. Cost O(len). */
bool scan_ipv6(const char *s, size_t len, uint8_t out[16]);

/* An IPv4 or IPv6 address into *a (len 4 or 16). With 16 (IPv4) or 32
 * (IPv6) bytes readable before end, the digits, dots and colons are found
 * by whole-field compares and the values computed without a branch per
 * digit. Cost O(len). */
bool scan_addr(const char *s, size_t len, const char *end, struct ts_addr *a);

#endif
