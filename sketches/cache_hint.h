/*
 * cache_hint.h - a prefetch that the optimizer keeps.
 *
 * __builtin_prefetch has no effect that the compiler models, so to GCC's
 * interprocedural analysis a function that only computes addresses and
 * prefetches them is pure; its result is unused, and with link-time
 * optimization every call to it is deleted as dead code. The summaries'
 * staged cache hints (ss_prefetch and friends) are such functions. An
 * empty volatile asm beside the prefetch is an effect the
 * compiler must keep, which keeps the function and its calls; it emits no
 * instruction and orders nothing but other volatile asm.
 */
#ifndef TS_CACHE_HINT_H
#define TS_CACHE_HINT_H

static inline void cache_hint(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p);
    __asm__ volatile("" : : "r"(p));
#else
    (void)p;
#endif
}

#endif
