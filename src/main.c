/*
 * main.c - trace-summary's command line: options as the original's
 * optparse took them, the read loop, messages and exit codes.
 *
 * Exit status: 0 the input was read completely; 1 the tool could not run
 * (input missing or unreadable, not a trace or log, out of memory); 2 usage
 * error; 3 the input was damaged (a truncated or corrupt file, or records
 * skipped as corrupt) but a report of everything readable was produced.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn_log.h"
#include "engine.h"
#include "err.h"
#include "fmt.h"
#include "hash.h"
#include "input.h"
#include "netset.h"
#include "pcap_in.h"
#include "resolve.h"

#define PROG "trace-summary"
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_DAMAGED 3

#define MAX_LINE (64 * 1024)
#define MAX_TOPN 100000
#define MAX_MESSAGES 10

static const char usage_line[] = "Usage: " PROG " [options] <pcap-file>|<conn-summaries>\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs(usage_line, stderr);
    fputs("\n" PROG ": error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_USAGE);
}

static void fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

static void help(void)
{
    fputs(usage_line, stdout);
    fputs("\n"
          "Summarises a libpcap trace (default) or a Zeek/Bro connection log (-c):\n"
          "top ports, hosts, services, protocols and connection states, in total,\n"
          "per direction, per local network and per time interval. Plain or\n"
          "gzip-compressed input, from a file or stdin ('-' or no file).\n"
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
          "  --reorder=SECS        how long (trace time) an interval stays open for\n"
          "                        late records before it is written (default 300)\n"
          "  --json                the whole report as one JSON document: every entry\n"
          "                        with estimate, lower and upper bound, exactness\n"
          "  --html=FILE           the report as one self-contained HTML page in FILE\n"
          "                        too: charts, no script, readable offline\n"
          "  --threads=N           1: read and count in one thread; 2: count in a\n"
          "                        second thread (default with 2 processors, unless a\n"
          "                        gzip file is inflated in a thread of its own)\n"
          "  -q, --quiet           no progress line\n"
          "\n"
          "Counts are exact while every summary fits its budget; estimates are\n"
          "marked in the report. Exit status: 0 complete, 1 could not run, 2 usage\n"
          "error, 3 input damaged (a report of what was readable is still printed).\n"
          "See trace-summary(1).\n",
          stdout);
}

struct cli {
    struct engine_opts eo;
    bool conns;
    int conn_version;
    bool memory_plan;
    bool quiet;
    bool resolve;
    const char *local_nets, *exclude_nets, *ports_file;
    const char *html; /* --html FILE */
    double sample;    /* -S */
    bool sample_set;
    bool seed_set;
    int threads; /* --threads; 0: by the number of processors */
    const char *input;
};

static long long parse_int_opt(const char *opt, const char *arg)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 0);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno != 0 || end == arg || *end != '\0')
        usage_error("option %s: invalid integer value: '%s'", opt, arg);
    return v;
}

static double parse_float_opt(const char *opt, const char *arg)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || isnan(v))
        usage_error("option %s: invalid floating-point value: '%s'", opt, arg);
    return v;
}

static size_t parse_size(const char *arg)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno != 0 || end == arg || arg[0] == '-')
        usage_error("option --memory: invalid size: '%s'", arg);
    unsigned long long mult = 1;
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
        usage_error("option --memory: invalid size: '%s'", arg);
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v > (SIZE_MAX / 4) / mult)
        usage_error("option --memory: invalid size: '%s'", arg);
    return (size_t)(v * mult);
}

enum {
    OPT_VERSION = 1000,
    OPT_CONN_VERSION,
    OPT_MEMORY,
    OPT_MEMORY_PLAN,
    OPT_SEED,
    OPT_REORDER,
    OPT_JSON,
    OPT_THREADS,
    OPT_HTML,
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
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, OPT_JSON},
    {"html", required_argument, NULL, OPT_HTML},
    {"threads", required_argument, NULL, OPT_THREADS},
    {NULL, 0, NULL, 0},
};

static const char short_opts[] = ":bcCeE:hi:l:n:p:P:rR:s:S:tuU:V:vmq";

/* The option as the user wrote it, for messages. */
static const char *opt_name(int c, int long_index, char *buf, size_t n)
{
    if (long_index >= 0)
        snprintf(buf, n, "--%s", long_opts[long_index].name);
    else
        snprintf(buf, n, "-%c", c);
    return buf;
}

static void parse_args(int argc, char **argv, struct cli *cl)
{
    struct engine_opts *o = &cl->eo;
    const char *ilen_text = NULL, *min_text = NULL, *max_text = NULL;
    long long topn = 10, factor = 1;
    size_t memory = 0;
    opterr = 0;
    for (;;) {
        int li = -1;
        int c = getopt_long(argc, argv, short_opts, long_opts, &li);
        if (c == -1)
            break;
        char nb[64];
        const char *name = opt_name(c, li, nb, sizeof nb);
        switch (c) {
        case 'b':
            o->by_bytes = true;
            break;
        case 'c':
            cl->conns = true;
            break;
        case OPT_CONN_VERSION: {
            long long v = parse_int_opt(name, optarg);
            if (v < 0 || v > 2)
                usage_error("option --conn-version: must be 0, 1 or 2, not %lld", v);
            cl->conn_version = (int)v;
            break;
        }
        case 'C':
            o->chema = true;
            break;
        case 'e':
            o->external = true;
            break;
        case 'E':
            cl->exclude_nets = optarg;
            break;
        case 'h':
            help();
            exit(EXIT_OK);
        case 'i':
            ilen_text = optarg;
            break;
        case 'l':
            cl->local_nets = optarg;
            break;
        case 'n':
            topn = parse_int_opt(name, optarg);
            break;
        case 'p':
            cl->ports_file = optarg;
            break;
        case 'P':
            o->write_ports = optarg;
            break;
        case 'r':
            cl->resolve = true;
            break;
        case 'R':
            o->r_tag = optarg;
            break;
        case 's':
            factor = parse_int_opt(name, optarg);
            break;
        case 'S':
            cl->sample = parse_float_opt(name, optarg);
            cl->sample_set = true;
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
            min_text = optarg;
            break;
        case 'V':
            max_text = optarg;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'q':
            cl->quiet = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_HTML:
            cl->html = optarg;
            break;
        case OPT_VERSION:
            printf("%s %s\n", PROG, PACKAGE_VERSION);
            exit(EXIT_OK);
        case OPT_MEMORY:
            memory = parse_size(optarg);
            o->memory_given = true;
            break;
        case OPT_MEMORY_PLAN:
            cl->memory_plan = true;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 0);
            if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-')
                usage_error("option --seed: invalid integer value: '%s'", optarg);
            o->seed = v;
            cl->seed_set = true;
            break;
        }
        case OPT_THREADS: {
            long long v = parse_int_opt(name, optarg);
            if (v < 1 || v > 2)
                usage_error("option --threads: must be 1 or 2, not %lld", v);
            cl->threads = (int)v;
            break;
        }
        case OPT_REORDER: {
            double v = parse_float_opt(name, optarg);
            if (!(v >= 0) || v > 1e9)
                usage_error("option --reorder: must be a number of seconds >= 0");
            o->reorder = v;
            break;
        }
        case ':':
            if (optopt && optopt < 256)
                usage_error("-%c option requires 1 argument", optopt);
            usage_error("%s option requires 1 argument", argv[optind - 1]);
        case '?':
        default:
            if (optopt && optopt < 256)
                usage_error("no such option: -%c", optopt);
            {
                const char *arg = argv[optind - 1];
                const char *eq = strchr(arg, '=');
                if (eq != NULL && strncmp(arg, "--", 2) == 0) {
                    /* "--flag=value" for an option without a value */
                    for (const struct option *lo = long_opts; lo->name; lo++)
                        if (lo->has_arg == no_argument &&
                            strncmp(lo->name, arg + 2, (size_t)(eq - arg - 2)) == 0)
                            usage_error("--%s option does not take a value", lo->name);
                }
                usage_error("no such option: %.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
            }
        }
    }
    if (argc - optind > 2)
        usage_error("Wrong number of arguments");
    cl->input = optind < argc ? argv[optind] : "-";

    if (o->external && cl->local_nets == NULL)
        fail(EXIT_FAIL, "Need -l for -e.");
    if (topn < 0)
        fail(EXIT_FAIL, "Top-n value cannot be negative");
    if (topn > MAX_TOPN)
        usage_error("option -n: %lld is too large (at most %d)", topn, MAX_TOPN);
    o->topn = (size_t)topn;
    if (ilen_text != NULL) {
        long long secs;
        if (fmt_parse_duration(ilen_text, &secs) != 0)
            usage_error("option -i: invalid interval length: '%s' (seconds, or a number "
                        "with suffix m or h)",
                        ilen_text);
        if (secs == 0)
            usage_error("option -i: the interval length must be greater than 0");
        if (secs > 100LL * 365 * 86400)
            usage_error("option -i: interval length '%s' is too long", ilen_text);
        o->ilen = secs;
    }
    o->mintime = 0;
    o->maxtime = 1e20;
    if (min_text && fmt_parse_iso_time(min_text, &o->mintime) != 0)
        usage_error("option -U: cannot parse time '%s' (expected YYYY-MM-DD-HH-MM-SS)", min_text);
    if (max_text && fmt_parse_iso_time(max_text, &o->maxtime) != 0)
        usage_error("option -V: cannot parse time '%s' (expected YYYY-MM-DD-HH-MM-SS)", max_text);
    if (factor <= 0)
        fail(EXIT_FAIL, "Sample factor must be > 0");
    o->factor = (double)factor;
    if (cl->sample_set) {
        if (cl->sample > 1.0)
            fail(EXIT_FAIL, "Sample probability cannot be > 1");
        if (!(cl->sample > 0))
            usage_error("option -S: the sample probability must be > 0 and <= 1");
        if (cl->sample < 1.0) {
            o->factor = 1.0 / cl->sample;
            o->factor_float = true;
            o->sample_p = cl->sample;
        }
    }
    if (memory == 0)
        memory = o->save_mem ? (size_t)1 << 20 : (size_t)56 << 20;
    if (memory < (size_t)256 << 10)
        usage_error("option --memory: at least 256K are needed");
    o->memory = memory;
    if (o->reorder == 0 && ilen_text != NULL)
        o->reorder = 300;
}

/* Writes at most max bytes of s to stderr, control and non-ASCII bytes
 * escaped as \xHH (the text comes from files: it must not drive the
 * terminal). */
static void put_escaped(const char *s, size_t len, size_t max)
{
    size_t show = len > max ? max : len;
    for (size_t i = 0; i < show; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 0x20 && c < 0x7f) || c == '\t')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    if (show < len)
        fputs("...", stderr);
}

static void bad_net_line(void *ctx, size_t line, const char *text)
{
    (void)line;
    fprintf(stderr, "Can't parse %s network '", (const char *)ctx);
    put_escaped(text, strlen(text), 200);
    fputs("'\n", stderr);
}

static uint8_t *read_ports(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        char sys[128];
        fail(EXIT_FAIL, PROG ": '%s': %s", path, ts_strerror(errno, sys, sizeof sys));
    }
    uint8_t *set = calloc(65536 / 8, 1);
    if (set == NULL)
        fail(EXIT_FAIL, PROG ": out of memory");
    char line[256];
    size_t lineno = 0, bad = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        /* fgets stops only at a newline, a full buffer or the end: a
         * shorter line without a newline holds a NUL byte */
        size_t got = strlen(line);
        if (got == 0 || (line[got - 1] != '\n' && got + 1 < sizeof line && !feof(f)))
            fail(EXIT_FAIL, PROG ": '%s': not a port list (binary data at line %zu)", path, lineno);
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, "\r\n");
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        p[n] = '\0';
        if (n == 0 || p[0] == '#')
            continue;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno != 0 || *end != '\0' || v < 0 || v > 65535) {
            if (++bad <= MAX_MESSAGES) {
                fprintf(stderr, PROG ": '%s': line %zu: not a port: '", path, lineno);
                put_escaped(p, n, 64);
                fputs("'\n", stderr);
            }
            continue;
        }
        set[v >> 3] |= (uint8_t)(1u << (v & 7));
    }
    bool err = ferror(f);
    fclose(f);
    if (err)
        fail(EXIT_FAIL, PROG ": '%s': read error", path);
    if (bad > MAX_MESSAGES)
        fprintf(stderr, PROG ": '%s': %zu lines are not ports\n", path, bad);
    return set;
}

/* Geometric skips for -S: the number of records to drop before the next
 * one kept, so dropped records are never parsed. */
struct sampler {
    double logq; /* log(1 - P) */
    uint64_t state;
    uint64_t skip;
    bool on;
};

static void sampler_draw(struct sampler *s)
{
    double u = ((double)(splitmix64(&s->state) >> 11) + 0.5) / 9007199254740992.0;
    double k = floor(log(u) / s->logq);
    s->skip = k > 1e18 ? (uint64_t)1e18 : (uint64_t)k;
}

/* True when this record is dropped. */
static bool sampler_drop(struct sampler *s)
{
    if (!s->on)
        return false;
    if (s->skip > 0) {
        s->skip--;
        return true;
    }
    sampler_draw(s);
    return false;
}

struct counters {
    uint64_t corrupt;
    uint64_t too_long;
    uint64_t bandwidth;
    unsigned messages;
    uint64_t first_bad_line; /* line number of the first corrupt line */
    uint64_t unterminated;   /* number of a last line without newline, or 0 */
    uint64_t records;        /* lines that gave a record */
};

static void report_corrupt(struct counters *k, const char *line, size_t len)
{
    k->corrupt++;
    if (k->messages >= MAX_MESSAGES)
        return;
    k->messages++;
    /* the original printed line.strip() */
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    /* the line is attacker-controlled: show control and non-ASCII bytes
     * escaped, so a message can never drive the terminal */
    fputs("Ignoring corrupt line: ", stderr);
    put_escaped(line, len, 512);
    fputc('\n', stderr);
}

/* True when a connection log starts like a pcap or pcapng trace. */
static bool looks_like_trace(const char *line, size_t len)
{
    static const unsigned char magic[][4] = {{0xd4, 0xc3, 0xb2, 0xa1},
                                             {0xa1, 0xb2, 0xc3, 0xd4},
                                             {0x4d, 0x3c, 0xb2, 0xa1},
                                             {0xa1, 0xb2, 0x3c, 0x4d},
                                             {0x0a, 0x0d, 0x0d, 0x0a}};
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
        if (len >= 4 && memcmp(line, magic[i], 4) == 0)
            return true;
    return false;
}

/* A progress line on stderr for big files when stderr is a terminal:
 * bytes read of the total, rate and time left, redrawn twice a second. */
struct progress {
    bool on;
    const struct ts_input *in;
    uint64_t size;
    double start, last;
    unsigned tick;
};

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress_init(struct progress *p, const struct ts_input *in, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->in = in;
    p->size = ts_input_size(in);
    p->on = !quiet && isatty(STDERR_FILENO) && p->size > (8u << 20);
    p->start = p->last = now_seconds();
}

static void human_bytes(char *buf, size_t n, double v)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* Called once per record; looks at the clock every 4096 records. */
static void progress_step(struct progress *p)
{
    if (!p->on || (++p->tick & 4095) != 0)
        return;
    double t = now_seconds();
    if (t - p->last < 0.5)
        return;
    p->last = t;
    double done = (double)ts_input_raw_offset(p->in);
    double rate = done / (t - p->start);
    char a[32], b[32], r[32];
    human_bytes(a, sizeof a, done);
    human_bytes(b, sizeof b, (double)p->size);
    human_bytes(r, sizeof r, rate);
    double left = rate > 0 ? ((double)p->size - done) / rate : 0;
    if (left < 0)
        left = 0;
    fprintf(stderr, "\r" PROG ": %s of %s (%.0f%%), %s/s, %d:%02d left ", a, b,
            100.0 * done / (double)p->size, r, (int)(left / 60), (int)left % 60);
}

static void progress_end(struct progress *p)
{
    if (p->on && p->last > p->start)
        fputs("\r\033[K", stderr);
}

static int run_conn(struct cli *cl, struct engine *e, struct ts_input *in, struct sampler *smp,
                    struct counters *k, struct progress *pg, struct ts_err *err)
{
    struct conn_parser *p = conn_parser_new(cl->conn_version);
    struct ts_lines *lines = ts_lines_new(in, MAX_LINE);
    if (p == NULL || lines == NULL) {
        conn_parser_free(p);
        ts_lines_free(lines);
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (;;) {
        char *line;
        size_t len;
        int got = ts_lines_next(lines, &line, &len, err);
        if (got == 0) {
            if (ts_lines_unterminated(lines))
                k->unterminated = ts_lines_lineno(lines);
            break;
        }
        if (got < 0) {
            rc = got;
            break;
        }
        progress_step(pg);
        if (got == TS_LINE_TOO_LONG) {
            if (k->corrupt + k->too_long == 0)
                k->first_bad_line = ts_lines_lineno(lines);
            k->too_long++;
            if (k->messages < MAX_MESSAGES) {
                k->messages++;
                fprintf(stderr, "Ignoring corrupt line: line %llu is longer than %d bytes\n",
                        (unsigned long long)ts_lines_lineno(lines), MAX_LINE);
            }
            continue;
        }
        if (ts_lines_lineno(lines) == 1 && looks_like_trace(line, len)) {
            rc = ts_err_set(err, TS_EFORMAT,
                            "'%s': this is a packet trace, not a connection log (drop -c)",
                            ts_input_name(in));
            break;
        }
        if ((len == 0 || line[0] != '#') && sampler_drop(smp))
            continue;
        struct ts_record r;
        int st = conn_parse_line(p, line, len, &r);
        if (st == CONN_SKIP)
            continue;
        if (st == CONN_CORRUPT) {
            /* binary data before any record: not a log at all */
            if (k->records == 0 && memchr(line, '\0', len) != NULL) {
                rc = ts_err_set(err, TS_EFORMAT,
                                "'%s': not a connection log (binary data at line %llu)",
                                ts_input_name(in), (unsigned long long)ts_lines_lineno(lines));
                break;
            }
            if (k->corrupt + k->too_long == 0)
                k->first_bad_line = ts_lines_lineno(lines);
            report_corrupt(k, line, len);
            continue;
        }
        k->records++;
        if (st == CONN_RECORD && (r.orig_bw_exceeded || r.resp_bw_exceeded)) {
            for (int d = 0; d < 2; d++) {
                if (!(d ? r.resp_bw_exceeded : r.orig_bw_exceeded))
                    continue;
                k->bandwidth++;
                if (k->bandwidth > MAX_MESSAGES)
                    continue;
                /* as the original: Bro 1.x logs have no uid, so the time
                 * names the connection; "originator" for both directions */
                if (r.uid.len > 0)
                    fprintf(stderr, "UID %.*s originator exceeds bandwidth\n", (int)r.uid.len,
                            r.uid.p);
                else
                    fprintf(stderr, "%.6f originator exceeds bandwidth\n", r.ts);
            }
        }
        if ((rc = engine_add(e, &r, err)) != 0)
            break;
    }
    conn_parser_free(p);
    ts_lines_free(lines);
    return rc;
}

static int run_pcap(struct engine *e, struct ts_input *in, struct sampler *smp,
                    struct pcap_in_stats *st, struct progress *pg, struct ts_err *err)
{
    struct pcap_in *p = pcap_in_open(in, err);
    if (p == NULL)
        return err->code ? err->code : TS_EFORMAT;
    int rc = 0;
    for (;;) {
        struct ts_record r;
        int got = pcap_in_next(p, &r, err);
        if (got == 0)
            break;
        if (got < 0) {
            rc = got;
            break;
        }
        progress_step(pg);
        if (sampler_drop(smp))
            continue;
        if ((rc = engine_add(e, &r, err)) != 0)
            break;
    }
    pcap_in_stats(p, st);
    pcap_in_close(p);
    return rc;
}

/* Processors this process may run on (its affinity mask, which taskset
 * and container limits narrow), else those online. */
static long usable_cpus(void)
{
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

int main(int argc, char **argv)
{
    struct cli cl;
    memset(&cl, 0, sizeof cl);
    parse_args(argc, argv, &cl);
    struct engine_opts *o = &cl.eo;
    o->conns = cl.conns;
    o->input_name = cl.input;
    if (!cl.seed_set)
        o->seed = hash_random_seed();
    o->threads = cl.threads ? cl.threads == 2 : usable_cpus() > 1;

    struct ts_err err;
    ts_err_clear(&err);
    struct netset *local = NULL, *excl = NULL;
    if (cl.local_nets) {
        local = netset_read(cl.local_nets, bad_net_line, "local", &err);
        if (local == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        o->local_nets = local;
    }
    if (cl.exclude_nets) {
        excl = netset_read(cl.exclude_nets, bad_net_line, "exclude", &err);
        if (excl == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        o->exclude_nets = excl;
    }
    uint8_t *ports = NULL;
    if (cl.ports_file) {
        ports = read_ports(cl.ports_file);
        for (size_t i = 0; i < 65536 / 8; i++)
            o->port_set_nonempty |= ports[i] != 0;
        o->port_set = ports;
    }
    struct resolver *res = NULL;
    if (cl.resolve) {
        res = resolver_new(5.0, 15.0);
        o->resolve = resolver_name;
        o->resolve_want = resolver_want;
        o->resolve_ctx = res;
    }
    if (cl.memory_plan) {
        struct engine *e = engine_new(o, &err);
        if (e == NULL)
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        engine_print_plan(e, stdout);
        engine_free(e);
        resolver_free(res);
        netset_free(local);
        netset_free(excl);
        free(ports);
        return EXIT_OK;
    }

    FILE *html = NULL;
    if (cl.html) {
        char sys[128];
        if ((html = fopen(cl.html, "w")) == NULL)
            fail(EXIT_FAIL, PROG ": '%s': cannot write: %s", cl.html,
                 ts_strerror(errno, sys, sizeof sys));
        o->html = html;
        o->html_name = cl.html;
    }
    struct ts_input *in = ts_input_open_flags(cl.input, o->save_mem ? TS_INPUT_LOWMEM : 0, &err);
    if (in == NULL)
        fail(EXIT_FAIL, PROG ": %s", err.msg);
    /* A gzip file is inflated by a thread of its own: with two processors
     * both are busy already, and a third thread gains nothing (10^6
     * gzipped packets: 0.29-0.34 s without it, 0.32-0.40 s with it in one
     * series, the same in another). */
    if (cl.threads == 0 && ts_input_has_thread(in))
        o->threads = false;
    struct engine *e = engine_new(o, &err);
    if (e == NULL) {
        ts_input_close(in);
        fail(EXIT_FAIL, PROG ": %s", err.msg);
    }

    struct sampler smp = {0};
    if (cl.sample > 0 && cl.sample < 1) {
        smp.on = true;
        smp.logq = log1p(-cl.sample);
        smp.state = o->seed ^ 0x5851f42d4c957f2dull;
        sampler_draw(&smp);
    }
    struct counters k = {0};
    struct pcap_in_stats pst;
    memset(&pst, 0, sizeof pst);
    struct progress pg;
    progress_init(&pg, in, cl.quiet);
    int rc = cl.conns ? run_conn(&cl, e, in, &smp, &k, &pg, &err)
                      : run_pcap(e, in, &smp, &pst, &pg, &err);
    progress_end(&pg);
    int status = EXIT_OK;
    if (rc != 0) {
        if (rc == TS_EDAMAGED) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            status = EXIT_DAMAGED;
        } else if (!cl.conns && pst.frames == 0 && rc == TS_EFORMAT) {
            fail(EXIT_FAIL, PROG ": %s", err.msg);
        } else {
            fprintf(stderr, PROG ": %s\n", err.msg);
            if (rc == TS_EFORMAT || rc == TS_EIO) {
                ts_input_close(in);
                engine_free(e);
                return EXIT_FAIL;
            }
            status = EXIT_DAMAGED;
        }
    }
    struct sink_input_stats ist = {
        .conns = cl.conns,
        .corrupt_lines = k.corrupt + k.too_long,
        .frames = pst.frames,
        .not_ip = pst.not_ip,
        .not_decoded = pst.unsupported,
        .damaged = pst.damaged,
        .not_decoded_link_types = pst.unsupported_names,
        .file_damaged = rc == TS_EDAMAGED,
        .damage = rc == TS_EDAMAGED ? err.msg : NULL,
    };
    char damage_msg[TS_ERR_MSG_MAX];
    if (ist.damage) {
        snprintf(damage_msg, sizeof damage_msg, "%s", err.msg);
        ist.damage = damage_msg;
    }
    ts_err_clear(&err);
    if (engine_finish(e, &ist, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        status = EXIT_FAIL;
    }
    if (engine_notice(e) != NULL)
        fprintf(stderr, PROG ": %s\n", engine_notice(e));
    if (k.corrupt + k.too_long > 0) {
        fprintf(stderr, PROG ": '%s': %llu corrupt lines ignored (the first at line %llu)\n",
                ts_input_name(in), (unsigned long long)(k.corrupt + k.too_long),
                (unsigned long long)k.first_bad_line);
        if (status == EXIT_OK)
            status = EXIT_DAMAGED;
    }
    if (k.unterminated)
        fprintf(stderr,
                PROG ": '%s': the last line (%llu) has no newline: the file may be cut short\n",
                ts_input_name(in), (unsigned long long)k.unterminated);
    if (k.bandwidth > MAX_MESSAGES)
        fprintf(stderr, PROG ": %llu directions exceeded the bandwidth limit in all\n",
                (unsigned long long)k.bandwidth);
    if (pst.damaged) {
        fprintf(stderr,
                PROG ": '%s': %llu damaged frames skipped (truncated or invalid in a header; "
                     "the first is frame %llu, record at offset %llu)\n",
                ts_input_name(in), (unsigned long long)pst.damaged,
                (unsigned long long)pst.first_damaged_frame,
                (unsigned long long)pst.first_damaged_offset);
        if (status == EXIT_OK)
            status = EXIT_DAMAGED;
    }
    ts_input_close(in);
    engine_free(e);
    resolver_free(res);
    netset_free(local);
    netset_free(excl);
    free(ports);
    if (html != NULL && fclose(html) != 0) {
        char sys[128];
        fprintf(stderr, PROG ": '%s': cannot write the page: %s\n", cl.html,
                ts_strerror(errno, sys, sizeof sys));
        status = EXIT_FAIL;
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return EXIT_FAIL;
    return status;
}
