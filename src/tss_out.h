/*
 * tss_out.h - -w: a summary file being written, as one piece: the file
 * written whole or not at all (atomic_out.h), the parameters it states
 * (tss_in.h) and the sink that writes the run into it (sink_tss.c).
 *
 * Use: tss_out_open before engine_new (the engine takes tss_out_sink as
 * its sink, engine_opts.sink); tss_out_set_sizes once the engine made its
 * summaries (the file states their sizes); engine_finish; then
 * tss_out_commit, or tss_out_abort when the run failed.
 *
 * Ownership: the caller owns the struct until commit or abort free it.
 */
#ifndef TS_TSS_OUT_H
#define TS_TSS_OUT_H

#include "engine.h"
#include "err.h"
#include "tss_in.h"

struct tss_out;

/* Opens path ("-": standard output) for the summaries of a run of o. With
 * merged (the parameters of the first summary file merged, or NULL) the
 * file states its -E list. Returns NULL with err set. */
struct tss_out *tss_out_open(const char *path, const struct engine_opts *o,
                             const struct tss_params *merged, struct ts_err *err);
/* The sink to hand the engine (borrowed from w). */
struct sink *tss_out_sink(const struct tss_out *w);
/* The sizes of e's summaries, as the file states them. */
void tss_out_set_sizes(struct tss_out *w, const struct engine *e);
/* Syncs and renames the file into place. Returns 0 or a negative code
 * (the file is removed). Frees w. */
int tss_out_commit(struct tss_out *w, struct ts_err *err);
/* Removes the file. Frees w; NULL is a no-op. */
void tss_out_abort(struct tss_out *w);

#endif
