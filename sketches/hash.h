/*
 * hash.h - one seeded 64-bit hash for every sketch.
 * (API fixed; the implementation file documents the algorithm.)
 */
#ifndef TS_HASH_H
#define TS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Hashes len bytes at key with seed. Any len is accepted; keys up to 16
 * bytes (addresses, ports) take a fast path. Cost: O(len). */
uint64_t hash64(const void *key, size_t len, uint64_t seed);

/* hash64 of a key of len bytes stored in (at least) 16 readable bytes, such
 * as an address of either family: the same value, computed without a branch
 * on len for 4 <= len <= 16 (IPv4 and IPv6 keys mixed at random mispredict
 * one). */
uint64_t hash64_16(const void *key, size_t len, uint64_t seed);

/* A random seed from the operating system (getrandom, else time and pid). */
uint64_t hash_random_seed(void);

/* SipHash-2-4 of n bytes at msg under the 128-bit key (k0, k1): a keyed
 * pseudorandom function (Aumasson and Bernstein 2012), for values that
 * may be shown while their key must stay secret. O(n). */
uint64_t hash_siphash24(const void *msg, size_t n, uint64_t k0, uint64_t k1);

/* A fingerprint of seed that may be stored and compared in the open: the
 * SipHash-2-4 of a fixed text keyed by the seed, so that files hashed
 * under one seed can be recognised without revealing it (recovering the
 * seed takes a search of the seed space: a seed from a site secret, not a
 * small number, keeps that out of reach). */
uint64_t hash_seed_fingerprint(uint64_t seed);

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): advances *state and returns the next value of
 * a 2^64-periodic sequence whose outputs pass BigCrush. The one generator
 * of the project's samplers, seeders and tests. Cost: a few instructions. */
static inline uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
