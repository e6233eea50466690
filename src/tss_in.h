/*
 * tss_in.h - summary files as inputs: recognised by their first bytes,
 * checked whole, their parameters compared with the run's, their contents
 * folded into the engine one summary at a time; and the parameters of a
 * run as a summary file states them.
 *
 * A file is read twice: once to check every section (a damaged file is
 * left out whole, never half merged), once to merge. Either pass holds one
 * summary of the file at a time.
 *
 * Ownership: a struct tss_params owns copies of everything it points to.
 */
#ifndef TS_TSS_IN_H
#define TS_TSS_IN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "err.h"
#include "netset.h"
#include "summary_file.h"

/* True when the file at path is a summary file, plain or compressed with
 * gzip or zstd (judged from its first decompressed bytes); false for "-",
 * for what is not a regular file (its first bytes would be lost to the
 * reader) and for what cannot be opened (its reader says why). Summary
 * files are read twice (checked, then merged), hence named files only. */
bool tss_is_summary_file(const char *path);

struct tss_params;

/* The parameters of a run of options o under seed (sizes zero until
 * tss_params_set_sizes). Returns NULL when memory runs out. */
struct tss_params *tss_params_of_run(const struct engine_opts *o, uint64_t seed);
void tss_params_set_sizes(struct tss_params *p, const struct summary_sizes z[4]);
const struct sf_params *tss_params_get(const struct tss_params *p);
void tss_params_free(struct tss_params *p); /* NULL is a no-op */

/* Reads the whole file at path, every section checked (under seed).
 * Returns 0 with *out its parameters (the caller frees), or a negative
 * code with err naming the file. */
int tss_check(const char *path, uint64_t seed, struct tss_params **out, struct ts_err *err);

/* Sets in o the options p's file was shaped by (-c -b -t -u -C -e -U -V
 * -s -S -p -i, the sizes; -l as a network set made from its list, which
 * the caller frees with netset_free, and -E's list kept in p). *ports: the
 * -p bitmap copy, or NULL (the caller frees). Returns 0 or a negative
 * code. */
int tss_params_to_opts(const struct tss_params *p, struct engine_opts *o, struct netset **local,
                       uint8_t **ports, struct ts_err *err);

/* -E's list of p, and its length, for a merged run's own parameters. */
void tss_params_copy_exclude(struct tss_params *dst, const struct tss_params *src);

/* Merges the file at path into e under seed; adds what its readers
 * skipped to *run. *lost: the file was written under another seed.
 * Returns 0 or a negative code with err naming the file. */
int tss_merge(struct engine *e, const char *path, uint64_t seed, struct sf_run *run, bool *lost,
              struct ts_err *err);

#endif
