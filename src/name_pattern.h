/*
 * name_pattern.h - the file names of -w PATTERN with -i: strftime of each
 * interval's start in local time, as tcpdump -w takes them with -G, and
 * the check that neighbouring intervals get names of their own.
 */
#ifndef TS_NAME_PATTERN_H
#define TS_NAME_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* The longest name, with its NUL: a buffer this size takes any name that
 * name_pattern_check let pass. */
#define NAME_PATTERN_MAX 4096

/* The name of the interval that starts at t (seconds since the epoch):
 * pattern through strftime in local time, into out[n]. False when the
 * name is empty or does not fit. */
bool name_pattern_format(const char *pattern, double t, char *out, size_t n);

/* NULL when every two neighbouring intervals of ilen seconds get two
 * names, judged from the clock at now over the year that follows; else
 * the reason, written into why[n]. Names that the end of summer time
 * repeats (the local time's offset from UTC changes between the two) do
 * not count: the capture appends the interval number to those. */
const char *name_pattern_check(const char *pattern, long long ilen, double now, char *why,
                               size_t n);

#endif
