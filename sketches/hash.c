/*
 * hash.c - the one seeded 64-bit hash that feeds every sketch.
 *
 * Purpose
 * -------
 * Space-Saving, Count-Min and HyperLogLog all take a precomputed 64-bit hash
 * of the key, so a key is hashed once per record. Keys are mostly tiny
 * (4-byte IPv4 and 16-byte IPv6 addresses, 2-byte ports) with a few short
 * strings (services, connection states), so the design favours keys of at
 * most 16 bytes and keeps a simple loop for longer ones.
 *
 * Algorithm
 * ---------
 * The primitive is a folded multiply: fold(x, y) = lo ^ hi of the 128-bit
 * product x * y. A product bit depends on every lower input bit of both
 * factors, and xoring the high half onto the low half spreads the upper input
 * bits downwards, so one fold mixes two 64-bit words into one.
 *
 *   s1 = seed ^ K1                  s2 = rotl(seed, 32) ^ K2
 *   len <= 16:  the key is read as two words a, b (little-endian):
 *
 *      len 8..16  a = bytes[0..8)        b = bytes[len-8..len)   (overlap)
 *      len 4..7   a = bytes[0..4)        b = bytes[len-4..len)
 *      len 1..3   a = b0<<16 | b[len/2]<<8 | b[len-1]   b = 0
 *      len 0      a = b = 0
 *
 *      h = fold(a ^ s1, b ^ s2)
 *   len > 16:   h = 0; for each full 16-byte block but the last (w0, w1):
 *               h = fold(w0 ^ s1, w1 ^ s2 ^ h); the last 16 bytes (possibly
 *               overlapping the previous block) give h = fold(a ^ s1, b ^ s2 ^ h)
 *   result = fold(h ^ K3, len ^ K4)
 *
 * For a fixed length the read of (a, b) covers every byte, so distinct keys of
 * one length give distinct word pairs; the length enters through the final
 * fold, so keys that read the same words at different lengths still differ.
 * The two seed words differ (s1 ^ s2 depends on the seed), so swapping the
 * roles of a and b (fold is symmetric) gives no seed-independent collision.
 *
 * Guarantee
 * ---------
 * Empirical, not proven: every output bit flips with probability 1/2 +- 0.05
 * when one input bit of a 4- or 16-byte key flips, and bucket counts pass a
 * chi-square test (tests/test_hash.c). The seed is drawn per process from
 * getrandom(2), so an attacker who sends crafted traffic cannot precompute
 * keys that collide in the sketches (hash flooding). This is a fast keyed
 * mixer in the wyhash family, not a cryptographic PRF such as SipHash: it
 * resists flooding by senders who never observe hash values (the tool never
 * prints them), not by an adversary who can query the hash directly.
 *
 * Memory: none (stateless). Cost: two 64x64->128 multiplies for keys of at
 * most 16 bytes; one more per 16 further bytes.
 *
 * Reference: the folded-multiply construction follows the idea of
 * Wang Yi's wyhash (2019) and of Vladimir Makarov's MUM hash (2016); the
 * schedule, constants and length handling here are our own.
 *
 * Deviations: hash values depend on the byte order of the host only through
 * the little-endian word reads, which are made explicit, so a fixed --seed
 * gives the same hashes on every machine.
 */
#include "config.h"

#include "hash.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#endif

/* Odd constants drawn at random once; nothing special about them. */
#define K1 0x44d4c37a495598c5ULL
#define K2 0x605acedc02bf8cb9ULL
#define K3 0xe0981d5b512ad327ULL
#define K4 0xb114e6d69258be09ULL

static inline uint64_t fold(uint64_t x, uint64_t y)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)x * y;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    /* Schoolbook 64x64->128 from four 32x32->64 products. */
    uint64_t xl = (uint32_t)x, xh = x >> 32, yl = (uint32_t)y, yh = y >> 32;
    uint64_t ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    uint64_t lo = (mid << 32) | (uint32_t)ll;
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return lo ^ hi;
#endif
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* The two seed words (s[0], s[1]) of seed. */
static inline void seed_words(uint64_t seed, uint64_t s[2])
{
    s[0] = seed ^ K1;
    s[1] = ((seed << 32) | (seed >> 32)) ^ K2;
}

/* The last 16 bytes as words a and b, after h of the blocks before them
 * (0 when there were none), with the seed words and the length. */
static inline uint64_t finish(uint64_t a, uint64_t b, uint64_t h, const uint64_t s[2], size_t len)
{
    h = fold(a ^ s[0], b ^ s[1] ^ h);
    return fold(h ^ K3, (uint64_t)len ^ K4);
}

uint64_t hash64(const void *key, size_t len, uint64_t seed)
{
    const uint8_t *p = key;
    uint64_t s[2];
    seed_words(seed, s);
    uint64_t a, b, h = 0;

    if (len <= 16) {
        if (len >= 8) {
            a = load64(p);
            b = load64(p + len - 8);
        } else if (len >= 4) {
            a = load32(p);
            b = load32(p + len - 4);
        } else if (len > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len / 2] << 8) | p[len - 1];
            b = 0;
        } else {
            a = 0;
            b = 0;
        }
    } else {
        size_t rem = len;
        while (rem > 16) {
            h = fold(load64(p) ^ s[0], load64(p + 8) ^ s[1] ^ h);
            p += 16;
            rem -= 16;
        }
        a = load64(p + rem - 16);
        b = load64(p + rem - 8);
    }
    return finish(a, b, h, s, len);
}

uint64_t hash64_16(const void *key, size_t len, uint64_t seed)
{
    if (len < 4 || len > 16)
        return hash64(key, len, seed);
    /* hash64's two words for 4 <= len <= 16, every load inside the 16
     * bytes, one of each pair chosen by len */
    const uint8_t *p = key;
    bool wide = len >= 8;
    uint64_t a8 = load64(p), a4 = load32(p);
    uint64_t b8 = load64(p + ((len - 8) & -(size_t)wide)), b4 = load32(p + len - 4);
    uint64_t s[2];
    seed_words(seed, s);
    return finish(wide ? a8 : a4, wide ? b8 : b4, 0, s, len);
}

uint64_t hash_random_seed(void)
{
    uint64_t seed = 0;
#if defined(__linux__)
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
        return seed;
#endif
    /* Fallback: weak but still per process. Mix time, pid and a stack address
     * so that two processes started in the same nanosecond differ. */
    struct timespec ts = {0, 0};
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t t = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec;
    uint64_t pid = (uint64_t)getpid();
    uint64_t where = (uint64_t)(uintptr_t)&seed;
    uint64_t words[3] = {t, pid, where};
    return hash64(words, sizeof words, t ^ (pid << 40));
}

/* SipHash-2-4 (J.-P. Aumasson, D. J. Bernstein, "SipHash: a fast
 * short-input PRF", INDOCRYPT 2012) of n bytes under the key (k0, k1). */
static uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl64(v1, 13);                                                                       \
        v1 ^= v0;                                                                                  \
        v0 = rotl64(v0, 32);                                                                       \
        v2 += v3;                                                                                  \
        v3 = rotl64(v3, 16);                                                                       \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl64(v3, 21);                                                                       \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl64(v1, 17);                                                                       \
        v1 ^= v2;                                                                                  \
        v2 = rotl64(v2, 32);                                                                       \
    } while (0)

uint64_t hash_siphash24(const void *msg, size_t n, uint64_t k0, uint64_t k1)
{
    const uint8_t *m = msg;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int b = 0; b < 8; b++)
            w |= (uint64_t)m[i + b] << (8 * b);
        v3 ^= w;
        SIPROUND;
        SIPROUND;
        v0 ^= w;
    }
    uint64_t last = (uint64_t)(n & 0xff) << 56;
    for (size_t b = 0; i + b < n; b++)
        last |= (uint64_t)m[i + b] << (8 * b);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t hash_seed_fingerprint(uint64_t seed)
{
    static const char what[] = "trace-summary seed fingerprint v1";
    return hash_siphash24(what, sizeof what - 1, seed, ~seed);
}
