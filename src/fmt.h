/*
 * fmt.h - the original tool's number and time formats.
 *
 * All functions write into a caller-owned buffer and return it, so they can
 * be used inside one printf call; none allocates.
 */
#ifndef TS_FMT_H
#define TS_FMT_H

#include <stdbool.h>
#include <stddef.h>

#define FMT_VAL_MAX 48
#define FMT_TIME_MAX 40

/* The original's formatVal: >= 1e9 "%3.1fg", >= 1e6 "%3.1fm", >= 1e3
 * "%3.1fk", >= 1 " %3.1f", else the value itself: "0" when is_float is
 * false, "0.0" when the counts were scaled by a fractional factor (-S), as
 * Python printed a float zero. Returns buf. */
const char *fmt_val(char *buf, size_t n, double v, bool is_float);

/* Local time "%Y-%m-%d-%H-%M-%S" of t (floored to the second), or "N/A"
 * when t is 0 or 1e20 (the original's markers for "no data"). Returns buf. */
const char *fmt_iso_time(char *buf, size_t n, double t);

/* Parses "YYYY-MM-DD-HH-MM-SS" as local time (as -U/-V take it). Returns 0
 * and sets *out, or -1 when the text is not such a time. */
int fmt_parse_iso_time(const char *s, double *out);

/* Parses an interval length: seconds, or with suffix 'm' (minutes) or 'h'
 * (hours). Returns 0 and sets *secs, or -1 (not a number, negative,
 * overflow). */
int fmt_parse_duration(const char *s, long long *secs);

/* The binary form of an address as text (inet_ntop). Returns buf. */
const char *fmt_addr(char *buf, size_t n, const unsigned char *addr, size_t len);

#endif
