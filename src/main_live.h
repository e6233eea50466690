/*
 * main_live.h - the command's live run (--interface): the capture opened
 * with root's rights, -Z, the engine, the loop until a signal or a stop
 * condition, the report. Part of the command, like main.c: it prints the
 * messages and chooses the exit status.
 */
#ifndef TS_MAIN_LIVE_H
#define TS_MAIN_LIVE_H

#include "args.h"
#include "engine.h"

/* Runs the capture cl->live describes with the engine options o (filters
 * loaded). Returns the exit status: 0 stopped as asked, 1 the capture
 * could not start, 2 a filter libpcap rejects, 3 the interface failed or
 * went away (the report of what was captured is written). */
int live_run(const struct args *cl, struct engine_opts *o);

#endif
