/*
 * iso8601.h - ISO 8601 date and time text into seconds since the epoch.
 */
#ifndef TS_ISO8601_H
#define TS_ISO8601_H

#include <stdbool.h>
#include <stddef.h>

/* Parses the whole of s[0, len) as "YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM|
 * -HH:MM]" (a space may stand for the T; no zone means UTC) into seconds
 * since 1970-01-01T00:00:00Z, proleptic Gregorian. Fractions of up to six
 * digits round like the decimal written out; digits past the ninth are
 * ignored. Returns false for any other text, or a field out of range
 * (month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-60, zone below
 * 24 h). Cost O(len), no allocation, no locale, no time zone database. */
bool iso8601_parse(const char *s, size_t len, double *out);

#endif
