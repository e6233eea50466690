/* args.c - the command line parsed into options or an error (see args.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fmt.h"

#define PROG "trace-summary"
#define USAGE_LINE "Usage: " PROG " [options] <pcap-file>|<conn-summaries>\n"

const char args_usage_line[] = USAGE_LINE;

static const char help_text[] =
    USAGE_LINE "\n"
               "Summarises a libpcap trace (default) or a Zeek/Bro connection log (-c):\n"
               "top ports, hosts, services, protocols and connection states, in total,\n"
               "per direction, per local network and per time interval. Plain, gzip or\n"
               "zstd input, from a file or stdin ('-' or no file).\n"
               "\n"
               "Options:\n"
               "  --version             show program's version number and exit\n"
               "  -h, --help            show this help message and exit\n"
               "  -b, --bytes           count fractions in terms of bytes rather than\n"
               "                        packets/connections\n"
               "  -c, --conn-summaries  input file contains Zeek/Bro connection summaries\n"
               "  --conn-version=N      with -c: 1 for Bro 1.x logs, 2 for Zeek/Bro 2.x and\n"
               "                        later, 0 (default) guesses from the first line\n"
               "  -C, --chema           for packets: include only TCP, ignore when seq==0\n"
               "  -e, --external        ignore strictly internal traffic (needs -l)\n"
               "  -E FILE, --exclude-nets=FILE\n"
               "                        excludes CIDRs in file from analysis\n"
               "  -i DUR, --intervals=DUR\n"
               "                        create summaries for time intervals of given length\n"
               "                        (seconds, or use suffix of 'h' for hours, or 'm' for\n"
               "                        minutes)\n"
               "  -l FILE, --local-nets=FILE\n"
               "                        differentiate in/out based on CIDRs in file\n"
               "  -n N, --topn=N        show top <n> (default 10)\n"
               "  -p FILE, --ports=FILE include only ports listed in file\n"
               "  -P FILE, --write-ports=FILE\n"
               "                        write top total/incoming/outgoing ports into file\n"
               "  -r, --resolve-host-names\n"
               "                        resolve host names (concurrently, 5 s deadline)\n"
               "  -R TAG, --R=TAG       write output suitable for R into files <TAG.*>\n"
               "  -s N, --sample-factor=N\n"
               "                        input was sampled 1:N; scale counts up by N\n"
               "  -S P, --do-sample=P   sample input with probability P (0 < P <= 1)\n"
               "  -m, --save-mem        do not make memory-expensive statistics (no host\n"
               "                        tables, ports >= 1024 not counted; 1 MiB budget)\n"
               "  -t, --tcp             include only TCP\n"
               "  -u, --udp             include only UDP\n"
               "  -U TIME, --min-time=TIME\n"
               "                        minimum time in ISO format (e.g. 2005-12-31-23-59-00)\n"
               "  -v, --verbose         show top-n for every interval\n"
               "  -V TIME, --max-time=TIME\n"
               "                        maximum time in ISO format\n"
               "\n"
               "Options of this version:\n"
               "  --memory=SIZE         memory budget for the summaries (K/M/G suffixes;\n"
               "                        default 56M, with -m 1M)\n"
               "  --memory-plan         print how the budget is divided, and exit\n"
               "  --seed=N              fix the hash and sampling seed (repeatable output)\n"
               "  --stream              write each interval as it closes (for unbounded\n"
               "                        inputs); by default intervals are exact whatever\n"
               "                        the order of the records, and written at the end\n"
               "  --reorder=SECS        with --stream: how long (trace time) an interval\n"
               "                        stays open for late records (default 300)\n"
               "  --json                the whole report as one JSON document: every entry\n"
               "                        with estimate, lower and upper bound, exactness\n"
               "  --html=FILE           the report as one self-contained HTML page in FILE\n"
               "                        too: charts, no script, readable offline\n"
               "  --threads=N           1: read and count in one thread; 2: count in a\n"
               "                        second thread (default with 2 processors, unless the\n"
               "                        one input is a compressed file, which is\n"
               "                        decompressed in a thread of its own)\n"
               "  -q, --quiet           no progress line\n"
               "  -w FILE               write the run's summaries to FILE ('-': stdout)\n"
               "                        instead of a report; summary files given as\n"
               "                        inputs are merged\n"
               "  --seed-file=FILE      the seed from a file holding a site secret\n";

/* The help's second half (one literal would be longer than C11 promises). */
static const char help_live[] =
               "\n"
               "Live capture (needs root or CAP_NET_RAW; see trace-summary(1)):\n"
               "  --interface=IFACE     capture on IFACE instead of reading a file; intervals\n"
               "                        are written as they close (--stream); runs until\n"
               "                        SIGINT or SIGTERM (SIGUSR1: report so far to stderr)\n"
               "  --filter=EXPR         only packets that match the BPF expression EXPR\n"
               "                        (tcpdump's syntax); for trace files too\n"
               "  --snaplen=BYTES       bytes kept of each frame (default 256: the headers)\n"
               "  -B KIB, --buffer-size=KIB\n"
               "                        kernel capture buffer in KiB (as tcpdump's -B)\n"
               "  --no-promiscuous      do not put the interface into promiscuous mode\n"
               "  --duration=SECS       stop after SECS seconds\n"
               "  --count=N             stop after N packets\n"
               "  -Z USER, --user=USER  after opening the interface, drop to USER and its\n"
               "                        groups before any output file is opened\n"
               "  -w PATTERN            with -i: one summary file per interval, named by\n"
               "                        strftime of its start (e.g. sum-%Y%m%d-%H%M.tss)\n"
               "\n"
               "Counts are exact while every summary fits its budget; estimates are\n"
               "marked in the report. Exit status: 0 complete, 1 could not run, 2 usage\n"
               "error, 3 input damaged (a report of what was readable is still printed).\n"
               "See trace-summary(1).\n";

static const char version_text[] = PROG " " PACKAGE_VERSION "\n";

/* Fills res with an error of the given exit status. Returns ARGS_ERROR. */
static enum args_action error_at(struct args_result *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum args_action error_at(struct args_result *res, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->msg, sizeof res->msg, fmt, ap);
    va_end(ap);
    res->status = status;
    res->action = ARGS_ERROR;
    return ARGS_ERROR;
}

/* A usage error (optparse's parser.error): exit status 2. */
#define usage(res, ...) error_at(res, ARGS_EXIT_USAGE, __VA_ARGS__)
/* One of the original's checks after parsing, which exit with status 1. */
#define fatal(res, ...) error_at(res, ARGS_EXIT_FAIL, __VA_ARGS__)

static bool parse_int_opt(const char *opt, const char *arg, long long *out, struct args_result *res)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 0);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno != 0 || end == arg || *end != '\0') {
        usage(res, "option %s: invalid integer value: '%s'", opt, arg);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_float_opt(const char *opt, const char *arg, double *out, struct args_result *res)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || isnan(v)) {
        usage(res, "option %s: invalid floating-point value: '%s'", opt, arg);
        return false;
    }
    *out = v;
    return true;
}

/* --memory: a byte count with an optional K/M/G suffix and B. */
static bool parse_size(const char *arg, size_t *out, struct args_result *res)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    unsigned long long mult = 1;
    if (errno != 0 || end == arg || arg[0] == '-')
        goto bad;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        mult = 1ull << 10;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1ull << 20;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1ull << 30;
        end++;
        break;
    default:
        goto bad;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v > (SIZE_MAX / 4) / mult)
        goto bad;
    *out = (size_t)(v * mult);
    return true;
bad:
    usage(res, "option --memory: invalid size: '%s'", arg);
    return false;
}

enum {
    OPT_VERSION = 1000,
    OPT_CONN_VERSION,
    OPT_MEMORY,
    OPT_MEMORY_PLAN,
    OPT_SEED,
    OPT_REORDER,
    OPT_STREAM,
    OPT_JSON,
    OPT_THREADS,
    OPT_HTML,
    OPT_SEED_FILE,
    OPT_INTERFACE,
    OPT_FILTER,
    OPT_SNAPLEN,
    OPT_NO_PROMISC,
    OPT_DURATION,
    OPT_COUNT,
};

static const struct option long_opts[] = {
    {"bytes", no_argument, NULL, 'b'},
    {"conn-summaries", no_argument, NULL, 'c'},
    {"conn-version", required_argument, NULL, OPT_CONN_VERSION},
    {"chema", no_argument, NULL, 'C'},
    {"external", no_argument, NULL, 'e'},
    {"exclude-nets", required_argument, NULL, 'E'},
    {"help", no_argument, NULL, 'h'},
    {"intervals", required_argument, NULL, 'i'},
    {"local-nets", required_argument, NULL, 'l'},
    {"topn", required_argument, NULL, 'n'},
    {"ports", required_argument, NULL, 'p'},
    {"write-ports", required_argument, NULL, 'P'},
    {"resolve-host-names", no_argument, NULL, 'r'},
    {"R", required_argument, NULL, 'R'},
    {"sample-factor", required_argument, NULL, 's'},
    {"do-sample", required_argument, NULL, 'S'},
    {"save-mem", no_argument, NULL, 'm'},
    {"tcp", no_argument, NULL, 't'},
    {"udp", no_argument, NULL, 'u'},
    {"min-time", required_argument, NULL, 'U'},
    {"max-time", required_argument, NULL, 'V'},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-plan", no_argument, NULL, OPT_MEMORY_PLAN},
    {"seed", required_argument, NULL, OPT_SEED},
    {"reorder", required_argument, NULL, OPT_REORDER},
    {"stream", no_argument, NULL, OPT_STREAM},
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, OPT_JSON},
    {"html", required_argument, NULL, OPT_HTML},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"seed-file", required_argument, NULL, OPT_SEED_FILE},
    {"write", required_argument, NULL, 'w'},
    {"interface", required_argument, NULL, OPT_INTERFACE},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"buffer-size", required_argument, NULL, 'B'},
    {"no-promiscuous", no_argument, NULL, OPT_NO_PROMISC},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"count", required_argument, NULL, OPT_COUNT},
    {"user", required_argument, NULL, 'Z'},
    {NULL, 0, NULL, 0},
};

static const char short_opts[] = ":bcCeE:hi:l:n:p:P:rR:s:S:tuU:V:vmqw:B:Z:";

/* The option as the user wrote it, for messages. */
static const char *opt_name(int c, int long_index, char *buf, size_t n)
{
    if (long_index >= 0)
        snprintf(buf, n, "--%s", long_opts[long_index].name);
    else
        snprintf(buf, n, "-%c", c);
    return buf;
}

/* The message for getopt's '?' (an unknown option, or a value given to an
 * option without one). */
static enum args_action unknown_option(const char *arg, struct args_result *res)
{
    if (optopt && optopt < 256)
        return usage(res, "no such option: -%c", optopt);
    const char *eq = strchr(arg, '=');
    if (eq != NULL && strncmp(arg, "--", 2) == 0) {
        /* "--flag=value" for an option without a value */
        for (const struct option *lo = long_opts; lo->name; lo++)
            if (lo->has_arg == no_argument &&
                strncmp(lo->name, arg + 2, (size_t)(eq - arg - 2)) == 0)
                return usage(res, "--%s option does not take a value", lo->name);
    }
    return usage(res, "no such option: %.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
}

/* The options of live capture and filtering (struct args_live). Returns
 * false with res filled for a bad value. */
static bool live_option(int c, const char *name, const char *arg, struct args *a,
                        struct args_result *res)
{
    struct args_live *l = &a->live;
    long long v;
    switch (c) {
    case OPT_INTERFACE:
        l->iface = arg;
        return true;
    case OPT_FILTER:
        l->filter = arg;
        return true;
    case 'Z':
        l->user = arg;
        return true;
    case OPT_NO_PROMISC:
        l->no_promisc = true;
        return true;
    case OPT_DURATION:
        if (!parse_float_opt(name, arg, &l->duration, res))
            return false;
        if (!(l->duration > 0) || l->duration > 1e9) {
            usage(res, "option %s: must be a number of seconds > 0", name);
            return false;
        }
        return true;
    default:
        break;
    }
    if (!parse_int_opt(name, arg, &v, res))
        return false;
    if (c == OPT_COUNT) {
        if (v <= 0) {
            usage(res, "option %s: must be a number of packets > 0", name);
            return false;
        }
        l->count = (unsigned long long)v;
    } else if (c == 'B') {
        if (v <= 0 || v > 4 * 1024 * 1024) {
            usage(res, "option %s: must be a size in KiB, 1 to 4194304", name);
            return false;
        }
        l->buffer_kib = (int)v;
    } else {
        if (v < 64 || v > 262144) {
            usage(res, "option %s: must be 64 to 262144 bytes", name);
            return false;
        }
        l->snaplen = (int)v;
    }
    return true;
}

/* What live capture implies, and what it excludes. */
static enum args_action check_live(struct args *a, int operands, struct args_result *res)
{
    const struct args_live *l = &a->live;
    if (l->iface == NULL) {
        if (l->snaplen || l->buffer_kib || l->no_promisc || l->duration > 0 || l->count)
            return usage(res, "--snaplen, -B, --no-promiscuous, --duration and --count need "
                              "--interface");
        return ARGS_RUN;
    }
    if (operands > 0)
        return usage(res, "--interface reads no input file");
    if (a->conns)
        return usage(res, "--interface captures packets: drop -c");
    if (a->memory_plan)
        return ARGS_RUN;
    a->eo.stream = true;
    a->input = l->iface;
    a->eo.input_name = l->iface;
    return ARGS_RUN;
}

/* The values given as text, checked once every option is known. */
struct pending {
    const char *ilen_text, *min_text, *max_text;
    long long topn, factor;
    size_t memory;
    bool reorder_default; /* check: --reorder was not given */
};

static enum args_action check(struct args *a, struct pending *pd, struct args_result *res)
{
    struct engine_opts *o = &a->eo;
    if (o->external && a->local_nets == NULL)
        return fatal(res, "Need -l for -e.");
    if (pd->topn < 0)
        return fatal(res, "Top-n value cannot be negative");
    if (pd->topn > ARGS_MAX_TOPN)
        return usage(res, "option -n: %lld is too large (at most %d)", pd->topn, ARGS_MAX_TOPN);
    o->topn = (size_t)pd->topn;
    if (pd->ilen_text != NULL) {
        long long secs;
        if (fmt_parse_duration(pd->ilen_text, &secs) != 0)
            return usage(res,
                         "option -i: invalid interval length: '%s' (seconds, or a number "
                         "with suffix m or h)",
                         pd->ilen_text);
        if (secs == 0)
            return usage(res, "option -i: the interval length must be greater than 0");
        if (secs > 100LL * 365 * 86400)
            return usage(res, "option -i: interval length '%s' is too long", pd->ilen_text);
        o->ilen = secs;
    }
    o->mintime = 0;
    o->maxtime = 1e20;
    if (pd->min_text && fmt_parse_iso_time(pd->min_text, &o->mintime) != 0)
        return usage(res, "option -U: cannot parse time '%s' (expected YYYY-MM-DD-HH-MM-SS)",
                     pd->min_text);
    if (pd->max_text && fmt_parse_iso_time(pd->max_text, &o->maxtime) != 0)
        return usage(res, "option -V: cannot parse time '%s' (expected YYYY-MM-DD-HH-MM-SS)",
                     pd->max_text);
    if (pd->factor <= 0)
        return fatal(res, "Sample factor must be > 0");
    o->factor = (double)pd->factor;
    if (a->sample_set) {
        if (a->sample > 1.0)
            return fatal(res, "Sample probability cannot be > 1");
        if (!(a->sample > 0))
            return usage(res, "option -S: the sample probability must be > 0 and <= 1");
        if (a->sample < 1.0) {
            o->factor = 1.0 / a->sample;
            o->factor_float = true;
            o->sample_p = a->sample;
        }
    }
    size_t memory = pd->memory;
    if (memory == 0)
        memory = o->save_mem ? (size_t)1 << 20 : (size_t)56 << 20;
    if (memory < (size_t)256 << 10)
        return usage(res, "option --memory: at least 256K are needed");
    o->memory = memory;
    if (o->reorder == 0 && pd->ilen_text != NULL) {
        o->reorder = 300;
        pd->reorder_default = true;
    }
    return ARGS_RUN;
}

enum args_action args_parse(int argc, char **argv, struct args *a, struct args_result *res)
{
    memset(a, 0, sizeof *a);
    memset(res, 0, sizeof *res);
    struct engine_opts *o = &a->eo;
    struct pending pd = {.topn = 10, .factor = 1};
    opterr = 0; /* getopt prints nothing */
    optind = 0; /* and starts afresh (GNU) */
    for (;;) {
        int li = -1;
        int c = getopt_long(argc, argv, short_opts, long_opts, &li);
        if (c == -1)
            break;
        char nb[64];
        const char *name = opt_name(c, li, nb, sizeof nb);
        long long v;
        switch (c) {
        case 'b':
            o->by_bytes = true;
            break;
        case 'c':
            a->conns = true;
            break;
        case OPT_CONN_VERSION:
            if (!parse_int_opt(name, optarg, &v, res))
                return ARGS_ERROR;
            if (v < 0 || v > 2)
                return usage(res, "option --conn-version: must be 0, 1 or 2, not %lld", v);
            a->conn_version = (int)v;
            break;
        case 'C':
            o->chema = true;
            break;
        case 'e':
            o->external = true;
            break;
        case 'E':
            a->exclude_nets = optarg;
            break;
        case 'h':
            res->action = ARGS_HELP;
            {
                static char help_buf[sizeof help_text + sizeof help_live];
                snprintf(help_buf, sizeof help_buf, "%s%s", help_text, help_live);
                res->text = help_buf;
            }
            return ARGS_HELP;
        case 'i':
            pd.ilen_text = optarg;
            break;
        case 'l':
            a->local_nets = optarg;
            break;
        case 'n':
            if (!parse_int_opt(name, optarg, &pd.topn, res))
                return ARGS_ERROR;
            break;
        case 'p':
            a->ports_file = optarg;
            break;
        case 'P':
            o->write_ports = optarg;
            break;
        case 'r':
            a->resolve = true;
            break;
        case 'R':
            o->r_tag = optarg;
            break;
        case 's':
            if (!parse_int_opt(name, optarg, &pd.factor, res))
                return ARGS_ERROR;
            break;
        case 'S':
            if (!parse_float_opt(name, optarg, &a->sample, res))
                return ARGS_ERROR;
            a->sample_set = true;
            break;
        case 'm':
            o->save_mem = true;
            break;
        case 't':
            o->tcp_only = true;
            break;
        case 'u':
            o->udp_only = true;
            break;
        case 'U':
            pd.min_text = optarg;
            break;
        case 'V':
            pd.max_text = optarg;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_HTML:
            a->html = optarg;
            break;
        case OPT_VERSION:
            res->action = ARGS_VERSION;
            res->text = version_text;
            return ARGS_VERSION;
        case OPT_MEMORY:
            if (!parse_size(optarg, &pd.memory, res))
                return ARGS_ERROR;
            o->memory_given = true;
            break;
        case OPT_MEMORY_PLAN:
            a->memory_plan = true;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 0);
            if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-')
                return usage(res, "option --seed: invalid integer value: '%s'", optarg);
            if (a->seed_file)
                return usage(res, "options --seed and --seed-file exclude each other");
            o->seed = s;
            a->seed_set = true;
            break;
        }
        case OPT_SEED_FILE:
            if (a->seed_set)
                return usage(res, "options --seed and --seed-file exclude each other");
            a->seed_file = optarg;
            a->seed_set = true;
            break;
        case 'w':
            a->write = optarg;
            break;
        case OPT_THREADS:
            if (!parse_int_opt(name, optarg, &v, res))
                return ARGS_ERROR;
            if (v < 1 || v > 2)
                return usage(res, "option --threads: must be 1 or 2, not %lld", v);
            a->threads = (int)v;
            break;
        case OPT_REORDER: {
            double d;
            if (!parse_float_opt(name, optarg, &d, res))
                return ARGS_ERROR;
            if (!(d >= 0) || d > 1e9)
                return usage(res, "option --reorder: must be a number of seconds >= 0");
            o->reorder = d;
            break;
        }
        case OPT_STREAM:
            o->stream = true;
            break;
        case OPT_INTERFACE:
        case OPT_FILTER:
        case OPT_SNAPLEN:
        case OPT_NO_PROMISC:
        case OPT_DURATION:
        case OPT_COUNT:
        case 'B':
        case 'Z':
            if (!live_option(c, name, optarg, a, res))
                return ARGS_ERROR;
            break;
        case ':':
            if (optopt && optopt < 256)
                return usage(res, "-%c option requires 1 argument", optopt);
            return usage(res, "%s option requires 1 argument", argv[optind - 1]);
        case '?':
        default:
            return unknown_option(argv[optind - 1], res);
        }
    }
    static char *const stdin_only[] = {"-"};
    a->inputs = optind < argc ? (const char *const *)argv + optind : (const char *const *)stdin_only;
    a->n_inputs = optind < argc ? (size_t)(argc - optind) : 1;
    a->input = a->inputs[0];
    o->conns = a->conns;
    o->input_name = a->input;
    enum args_action act = check(a, &pd, res);
    if (act != ARGS_RUN)
        return act;
    if (o->ilen > 0 && a->live.iface != NULL && pd.reorder_default)
        o->reorder = 1; /* a capture's packets come in time order */
    return check_live(a, argc - optind, res);
}
