/*
 * test_bytebuf.c - the byte writer and reader: little-endian layout on any
 * host, varints (table rows, with the malformed ones), sticky errors, the
 * writer's limit, CRC32C and SipHash-2-4 against their published values.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "bytebuf.h"
#include "hash.h"

Test(bytebuf, fixed_width_integers_are_little_endian)
{
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    bbw_u8(&w, 0x01);
    bbw_u16(&w, 0x0302);
    bbw_u32(&w, 0x07060504);
    bbw_u64(&w, 0x0f0e0d0c0b0a0908ULL);
    cr_assert(bbw_ok(&w));
    cr_assert_eq(w.len, 15);
    for (size_t i = 0; i < 15; i++)
        cr_assert_eq(w.buf[i], i + 1);
    struct bb_reader r;
    bbr_init(&r, w.buf, w.len);
    cr_assert_eq(bbr_u8(&r), 0x01);
    cr_assert_eq(bbr_u16(&r), 0x0302);
    cr_assert_eq(bbr_u32(&r), 0x07060504);
    cr_assert_eq(bbr_u64(&r), 0x0f0e0d0c0b0a0908ULL);
    cr_assert(bbr_ok(&r));
    cr_assert_eq(bbr_u8(&r), 0, "a read past the end gives 0");
    cr_assert_not(bbr_ok(&r));
    bbw_free(&w);
}

Test(bytebuf, varints_round_trip_in_their_shortest_form)
{
    static const struct {
        uint64_t v;
        size_t len;
    } rows[] = {{0, 1},          {1, 1},           {127, 1},
                {128, 2},        {16383, 2},       {16384, 3},
                {UINT32_MAX, 5}, {UINT64_MAX, 10}, {(uint64_t)1 << 63, 10}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct bb_writer w;
        bbw_init(&w, SIZE_MAX);
        bbw_varint(&w, rows[i].v);
        cr_assert_eq(w.len, rows[i].len, "row %zu: %zu bytes", i, w.len);
        struct bb_reader r;
        bbr_init(&r, w.buf, w.len);
        cr_assert_eq(bbr_varint(&r), rows[i].v);
        cr_assert(bbr_ok(&r));
        cr_assert_eq(bbr_left(&r), 0);
        bbw_free(&w);
    }
}

Test(bytebuf, malformed_varints_are_rejected)
{
    static const struct {
        uint8_t b[11];
        size_t n;
    } rows[] = {
        {{0x80}, 1},                                                              /* cut short */
        {{0x80, 0x00}, 2},                                                        /* not minimal */
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 10},       /* above 2^64 */
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 11}, /* 11 bytes */
        {{0}, 0},                                                                 /* nothing */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct bb_reader r;
        bbr_init(&r, rows[i].b, rows[i].n);
        cr_assert_eq(bbr_varint(&r), 0);
        cr_assert_not(bbr_ok(&r), "row %zu accepted", i);
        cr_assert_eq(bbr_left(&r), 0);
    }
}

Test(bytebuf, strings_and_doubles_round_trip_and_lengths_are_checked)
{
    struct bb_writer w;
    bbw_init(&w, SIZE_MAX);
    bbw_str(&w, "conn", 4);
    bbw_f64(&w, 1234.5);
    struct bb_reader r;
    bbr_init(&r, w.buf, w.len);
    size_t n;
    const uint8_t *p = bbr_str(&r, 16, &n);
    cr_assert(p != NULL && n == 4 && memcmp(p, "conn", 4) == 0);
    cr_assert_eq(bbr_f64(&r), 1234.5);
    bbr_init(&r, w.buf, w.len);
    cr_assert_null(bbr_str(&r, 3, &n), "a string above its maximum");
    cr_assert_not(bbr_ok(&r));
    /* a length that runs past the end */
    static const uint8_t long_len[] = {0x7f, 'a'};
    bbr_init(&r, long_len, sizeof long_len);
    cr_assert_null(bbr_str(&r, 1000, &n));
    bbw_free(&w);
}

Test(bytebuf, writer_stops_at_its_limit_and_stays_failed)
{
    struct bb_writer w;
    bbw_init(&w, 10);
    bbw_u64(&w, 1);
    cr_assert(bbw_ok(&w));
    bbw_u32(&w, 2);
    cr_assert_not(bbw_ok(&w));
    cr_assert_eq(w.len, 8);
    bbw_u8(&w, 3);
    cr_assert_eq(w.len, 8, "no write after a failure");
    bbw_reset(&w);
    cr_assert(bbw_ok(&w));
    bbw_u32(&w, 0);
    bbw_patch_u32(&w, 0, 0x04030201);
    cr_assert_eq(w.buf[0], 1);
    cr_assert_eq(w.buf[3], 4);
    bbw_free(&w);
}

Test(bytebuf, crc32c_matches_the_check_value_and_continues)
{
    cr_assert_eq(crc32c(0, "123456789", 9), 0xE3069283u);
    cr_assert_eq(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    cr_assert_eq(crc32c(0, "", 0), 0);
    /* 32 bytes of zeros (RFC 3720, B.4) */
    static const uint8_t zeros[32];
    cr_assert_eq(crc32c(0, zeros, sizeof zeros), 0x8A9136AAu);
}

Test(hash, siphash24_matches_the_reference_vector)
{
    uint8_t msg[15];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    /* the paper's appendix: key 00..0f, message 00..0e */
    cr_assert_eq(hash_siphash24(msg, sizeof msg, 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL),
                 0xa129ca6149be45e5ULL);
    cr_assert_neq(hash_seed_fingerprint(1), hash_seed_fingerprint(2));
    cr_assert_neq(hash_seed_fingerprint(1), 1);
}
