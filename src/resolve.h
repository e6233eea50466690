/*
 * resolve.h - reverse DNS for -r, concurrent and with an overall deadline,
 * so that a dead resolver costs seconds, not minutes.
 *
 * Memory: at most RESOLVE_MAX addresses are kept (those shown in the
 * report); further ones print as "<???>".
 */
#ifndef TS_RESOLVE_H
#define TS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#define RESOLVE_MAX 4096

struct resolver;

/* deadline: seconds one resolver_run may take at most; budget: seconds all
 * of them may take together, after which every new address is "<???>"
 * at once. */
struct resolver *resolver_new(double deadline, double budget);
/* Waits for nothing: lookups still running are abandoned. */
void resolver_free(struct resolver *r);

/* Queues addr (len 4 or 16) for the next resolver_run. */
void resolver_want(void *r, const unsigned char *addr, size_t len);
/* Resolves every queued address concurrently; returns when all are done or
 * the deadline has passed. */
void resolver_run(struct resolver *r);
/* The name of addr ("<???>" when unknown or timed out); resolves it first
 * (within the deadline) if it was never queued. The string lives as long
 * as the resolver. */
const char *resolver_name(void *r, const unsigned char *addr, size_t len);

#endif
