/*
 * test_hash.c - sanity of the seeded 64-bit hash: determinism, seed and
 * length sensitivity, avalanche on 2-, 4- and 16-byte keys, bucket
 * uniformity (chi-square) on sequential addresses.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

static void fill(uint8_t *buf, size_t len, uint64_t *state)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)splitmix64(state);
}

Test(hash, same_input_same_hash)
{
    const char *key = "10.0.0.1";
    cr_assert_eq(hash64(key, strlen(key), 7), hash64(key, strlen(key), 7));
}

Test(hash, different_seeds_give_different_hashes)
{
    uint64_t state = 1;
    for (int i = 0; i < 10000; i++) {
        uint8_t key[16];
        size_t len = (size_t)(splitmix64(&state) % 17);
        fill(key, len, &state);
        uint64_t s1 = splitmix64(&state), s2 = s1 ^ ((uint64_t)1 << (i % 64));
        cr_assert_neq(hash64(key, len, s1), hash64(key, len, s2), "len %zu", len);
    }
}

Test(hash, random_seeds_differ)
{
    cr_assert_neq(hash_random_seed(), hash_random_seed());
}

Test(hash, every_length_of_zero_bytes_differs)
{
    static const uint8_t zeros[80];
    uint64_t seen[81];
    for (size_t len = 0; len <= 80; len++) {
        seen[len] = hash64(zeros, len, 99);
        for (size_t j = 0; j < len; j++)
            cr_assert_neq(seen[j], seen[len], "lengths %zu and %zu collide", j, len);
    }
}

Test(hash, every_byte_position_matters)
{
    uint64_t state = 2;
    for (size_t len = 1; len <= 70; len++) {
        uint8_t key[70];
        fill(key, len, &state);
        uint64_t h = hash64(key, len, 5);
        for (size_t i = 0; i < len; i++) {
            key[i] ^= 0x01;
            cr_assert_neq(hash64(key, len, 5), h, "len %zu byte %zu ignored", len, i);
            key[i] ^= 0x01;
        }
    }
}

/* Flips each input bit of random keys and counts how often each output bit
 * flips: every ratio must be 1/2 +- 0.05 (10000 keys: 10 standard
 * deviations). */
static void avalanche(size_t len, uint64_t seed)
{
    enum { KEYS = 10000 };
    static uint32_t flips[128][64];
    memset(flips, 0, sizeof flips);
    uint64_t state = seed;
    for (int n = 0; n < KEYS; n++) {
        uint8_t key[16];
        fill(key, len, &state);
        uint64_t hseed = splitmix64(&state);
        uint64_t h = hash64(key, len, hseed);
        for (size_t bit = 0; bit < len * 8; bit++) {
            key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            uint64_t d = h ^ hash64(key, len, hseed);
            key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            for (int o = 0; o < 64; o++)
                flips[bit][o] += (uint32_t)((d >> o) & 1);
        }
    }
    for (size_t bit = 0; bit < len * 8; bit++)
        for (int o = 0; o < 64; o++) {
            double p = flips[bit][o] / (double)KEYS;
            cr_assert(fabs(p - 0.5) < 0.05,
                      "len %zu: input bit %zu flips output bit %d with p %.3f", len, bit, o, p);
        }
}

Test(hash, avalanche_on_16_byte_keys)
{
    avalanche(16, 3);
}

Test(hash, avalanche_on_4_byte_keys)
{
    avalanche(4, 4);
}

Test(hash, avalanche_on_2_byte_keys)
{
    avalanche(2, 5);
}

Test(hash, avalanche_on_11_byte_keys)
{
    avalanche(11, 6);
}

/* Chi-square of 2^16 keys over 1024 buckets: 1023 degrees of freedom, mean
 * 1023, standard deviation 45; accept below mean + 6 sd. */
static void chi_square(size_t len, int shift)
{
    enum { BUCKETS = 1024, KEYS = 1 << 16 };
    static uint32_t count[BUCKETS];
    memset(count, 0, sizeof count);
    for (uint32_t i = 0; i < KEYS; i++) {
        uint8_t key[16] = {0x20, 0x01, 0x0d, 0xb8};
        key[len - 1] = (uint8_t)i;
        key[len - 2] = (uint8_t)(i >> 8);
        count[(hash64(key, len, 11) >> shift) % BUCKETS]++;
    }
    double expect = (double)KEYS / BUCKETS, chi = 0;
    for (int b = 0; b < BUCKETS; b++)
        chi += (count[b] - expect) * (count[b] - expect) / expect;
    cr_assert_lt(chi, 1023 + 6 * 45.2, "len %zu shift %d: chi-square %.1f", len, shift, chi);
    cr_assert_gt(chi, 1023 - 6 * 45.2, "len %zu shift %d: chi-square %.1f (too even)", len, shift,
                 chi);
}

Test(hash, sequential_ipv4_addresses_fill_buckets_evenly)
{
    chi_square(4, 0);
    chi_square(4, 27);
    chi_square(4, 54);
}

Test(hash, sequential_ipv6_addresses_fill_buckets_evenly)
{
    chi_square(16, 0);
    chi_square(16, 27);
    chi_square(16, 54);
}

Test(hash, long_keys_fill_buckets_evenly)
{
    enum { BUCKETS = 256, KEYS = 1 << 15 };
    static uint32_t count[BUCKETS];
    char key[48];
    memset(key, 'x', sizeof key);
    for (uint32_t i = 0; i < KEYS; i++) {
        memcpy(key + 20, &i, sizeof i);
        count[hash64(key, sizeof key, 3) >> 56]++;
    }
    double expect = (double)KEYS / BUCKETS, chi = 0;
    for (int b = 0; b < BUCKETS; b++)
        chi += (count[b] - expect) * (count[b] - expect) / expect;
    cr_assert_lt(chi, 255 + 6 * 22.6, "chi-square %.1f", chi);
}

/* hash64_16 is hash64 for keys in 16 readable bytes: every length from 0
 * to 16, random bytes in and past the key, several seeds. */
Test(hash, hash64_16_equals_hash64)
{
    uint64_t st = 12345;
    for (int n = 0; n < 20000; n++) {
        uint8_t buf[16];
        for (int i = 0; i < 16; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = (uint8_t)(st >> 40);
        }
        size_t len = (size_t)(n % 17);
        uint64_t seed = st >> 7;
        cr_assert_eq(hash64_16(buf, len, seed), hash64(buf, len, seed), "len %zu", len);
    }
}
