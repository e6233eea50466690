/*
 * netset.h - a list of networks (CIDR) read from a file, with longest-prefix
 * lookup. Used for -l (local networks) and -E (excluded networks).
 *
 * File format: one CIDR per line (IPv4 or IPv6, a bare address is a /32 or
 * /128), optional free text after it (the description), blank lines and
 * lines starting with '#' ignored. Networks keep the file's order (the
 * report breaks ties by it) and the CIDR text as written.
 *
 * Memory: proportional to the number of networks in the file (the user's
 * own configuration, not the traffic), plus a hash index of 2 slots per
 * network. Lookup costs one hash probe per distinct prefix length present.
 */
#ifndef TS_NETSET_H
#define TS_NETSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct netset;

/* Called for each line that is not a network; line is its 1-based number
 * and text the first word. */
typedef void (*netset_bad_line_fn)(void *ctx, size_t line, const char *text);

/* Reads path. Returns NULL with err set when the file cannot be read (or
 * is binary garbage: a NUL byte or over 1 MiB per line); lines that do not
 * parse are passed to bad (may be NULL) and skipped. */
struct netset *netset_read(const char *path, netset_bad_line_fn bad, void *ctx, struct ts_err *err);
/* Parses one CIDR text into addr/len/prefix. Returns 0 or -1. */
/* netset_read on an open stream (closed when done), named path in messages. */
struct netset *netset_read_stream(FILE *f, const char *path, netset_bad_line_fn bad, void *ctx,
                                  struct ts_err *err);
int netset_parse_cidr(const char *text, uint8_t addr[16], uint8_t *addr_len, unsigned *prefix);
void netset_free(struct netset *s);

/* Index of the longest network containing addr (len 4 or 16), or -1. */
int netset_lookup(const struct netset *s, const uint8_t *addr, size_t len);

size_t netset_count(const struct netset *s);
const char *netset_cidr(const struct netset *s, size_t i);  /* as written */
const char *netset_descr(const struct netset *s, size_t i); /* words joined by one space */

#endif
