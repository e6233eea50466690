/*
 * args.h - the command line turned into options, or into an error with its
 * message and exit status; never prints, never exits.
 *
 * Options are those of the original's optparse, with the same messages,
 * plus the options of this version (--memory, --seed, --json, ...). The
 * caller prints and exits: args_parse only fills values.
 *
 * Ownership: every string in struct args (file names, tags, the input)
 * points into argv, which must outlive it. args_parse permutes argv as GNU
 * getopt does (options before operands) and resets getopt's state, so it
 * can be called again on another vector.
 */
#ifndef TS_ARGS_H
#define TS_ARGS_H

#include <stdbool.h>

#include "engine.h"
#include "err.h"

/* Exit statuses of the errors args_parse returns. */
#define ARGS_EXIT_FAIL 1  /* the original's "fatal" checks (-e without -l, ...) */
#define ARGS_EXIT_USAGE 2 /* optparse's usage errors: print the usage line first */

/* The largest -n accepted. */
#define ARGS_MAX_TOPN 100000

enum args_action {
    ARGS_RUN = 0,     /* run with the options in struct args */
    ARGS_HELP = 1,    /* print result.text on stdout, exit 0 */
    ARGS_VERSION = 2, /* print result.text on stdout, exit 0 */
    ARGS_ERROR = 3,   /* print result.msg (see ARGS_EXIT_*), exit result.status */
};

struct args {
    /* Filled but for what depends on the machine: seed (when !seed_set),
     * threads, and the filters read from files (local_nets, exclude_nets,
     * port_set), which the caller loads from the names below. */
    struct engine_opts eo;
    bool conns;       /* -c */
    int conn_version; /* --conn-version: 0 guess, 1, 2 */
    bool memory_plan; /* --memory-plan */
    bool quiet;       /* -q */
    bool resolve;     /* -r */
    const char *local_nets, *exclude_nets, *ports_file;
    const char *html; /* --html FILE, or NULL */
    double sample;    /* -S P */
    bool sample_set;
    bool seed_set;
    int threads;       /* --threads; 0: by the number of processors */
    const char *input; /* the first operand, "-" for stdin */
    const char *const *inputs; /* every operand (read as one stream), or "-" */
    size_t n_inputs;
    const char *write;     /* -w FILE: the summaries instead of a report */
    const char *seed_file; /* --seed-file FILE */
    /* Live capture and the BPF filter. */
    struct args_live {
        const char *iface;        /* --interface; NULL: read the input */
        const char *filter;       /* --filter EXPR (live and files) */
        int snaplen;              /* --snaplen; 0: the default */
        int buffer_kib;           /* -B KIB; 0: libpcap's */
        bool no_promisc;          /* --no-promiscuous */
        double duration;          /* --duration SECS; 0: none */
        unsigned long long count; /* --count N packets; 0: none */
        const char *user;         /* -Z USER */
    } live;
};

struct args_result {
    enum args_action action;
    int status;               /* ARGS_ERROR: ARGS_EXIT_FAIL or ARGS_EXIT_USAGE */
    const char *text;         /* ARGS_HELP, ARGS_VERSION: static text, newline-terminated */
    char msg[TS_ERR_MSG_MAX]; /* ARGS_ERROR: the message, without newline */
};

/* Parses argv[1..argc-1] into *a (zeroed first). Returns res->action; on
 * ARGS_ERROR res->status and res->msg say what to print. The first error
 * in the order the original checks them wins. Cost: O(total length). */
enum args_action args_parse(int argc, char **argv, struct args *a, struct args_result *res);

/* "Usage: trace-summary [options] ...\n", printed before a usage error. */
extern const char args_usage_line[];

#endif
