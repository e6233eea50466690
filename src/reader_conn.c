/* reader_conn.c - the conn family of reader.c: Zeek TSV, JSON and Bro 1.x through conn_log.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conn_log.h"
#include "reader_family.h"

struct conn_reader {
    struct conn_parser *p;
    struct ts_lines *lines;
    const char *name;
    struct sampler *sampler;
    uint64_t records; /* lines that gave a record */
    uint64_t bad_lines, long_lines, first_bad_line, unterminated;
};

static void conn_close(void *state)
{
    struct conn_reader *r = state;
    if (r == NULL)
        return;
    conn_parser_free(r->p);
    ts_lines_free(r->lines);
    free(r);
}

static void *conn_open(struct ts_input *in, const struct reader_opts *o, struct ts_err *err)
{
    struct conn_reader *r = calloc(1, sizeof *r);
    if (r != NULL) {
        r->p = conn_parser_new(o->conn_version);
        r->lines = ts_lines_new(in, o->max_line);
    }
    if (r == NULL || r->p == NULL || r->lines == NULL) {
        conn_close(r);
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    r->name = ts_input_name(in);
    r->sampler = o->sampler;
    return r;
}

/* A bad line: counted, and handed to the caller for its message. */
static int bad_line(struct conn_reader *r, int status, char *line, size_t len,
                    struct reader_bad *bad)
{
    uint64_t lineno = ts_lines_lineno(r->lines);
    if (r->bad_lines + r->long_lines == 0)
        r->first_bad_line = lineno;
    if (status == READER_LONG_LINE)
        r->long_lines++;
    else
        r->bad_lines++;
    bad->line = line;
    bad->len = len;
    bad->lineno = lineno;
    return status;
}

static int conn_next(void *state, struct ts_record *out, struct reader_bad *bad, struct ts_err *err)
{
    struct conn_reader *r = state;
    for (;;) {
        char *line;
        size_t len;
        int got = ts_lines_next(r->lines, &line, &len, err);
        if (got == 0) {
            if (ts_lines_unterminated(r->lines))
                r->unterminated = ts_lines_lineno(r->lines);
            return READER_END;
        }
        if (got < 0)
            return got;
        if (got == TS_LINE_TOO_LONG)
            return bad_line(r, READER_LONG_LINE, NULL, len, bad);
        if (ts_lines_lineno(r->lines) == 1) {
            const struct reader_format *f = reader_identify(line, len);
            if (f != NULL && f->kind == READER_TRACE)
                return ts_err_set(err, TS_EFORMAT,
                                  "'%s': this is a packet trace, not a connection log (drop -c)",
                                  r->name);
        }
        if ((len == 0 || line[0] != '#') && sampler_drop(r->sampler))
            continue;
        int st = conn_parse_line(r->p, line, len, out);
        if (st == CONN_SKIP)
            continue;
        if (st == CONN_CORRUPT) {
            /* binary data before any record: not a log at all */
            if (r->records == 0 && memchr(line, '\0', len) != NULL)
                return ts_err_set(err, TS_EFORMAT,
                                  "'%s': not a connection log (binary data at line %llu)", r->name,
                                  (unsigned long long)ts_lines_lineno(r->lines));
            return bad_line(r, READER_BAD_LINE, line, len, bad);
        }
        r->records++;
        return READER_RECORD;
    }
}

static void conn_stats(const void *state, struct reader_stats *st)
{
    const struct conn_reader *r = state;
    st->bad_lines = r->bad_lines;
    st->long_lines = r->long_lines;
    st->first_bad_line = r->first_bad_line;
    st->unterminated = r->unterminated;
}

const struct reader_family reader_family_conn = {conn_open, conn_next, conn_stats, conn_close};
