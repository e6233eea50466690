/*
 * always_inline.h - TS_INLINE: inline, and with GCC or clang always inlined.
 *
 * For small hot helpers whose constant arguments (a depth, a mask of
 * parts, a flag) must reach each caller's copy so that the branches and
 * loops on them fold away; the compiler's own heuristics kept some of them
 * as calls (see count_min.c, space_saving.c and summary.c).
 */
#ifndef TS_ALWAYS_INLINE_H
#define TS_ALWAYS_INLINE_H

#if defined(__GNUC__)
#define TS_INLINE inline __attribute__((always_inline))
#else
#define TS_INLINE inline
#endif

#endif
