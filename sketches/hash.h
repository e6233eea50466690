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

#endif
