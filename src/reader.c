/* reader.c - the table of input formats and the reader that dispatches to their families. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "reader_family.h"
#include "summary_file.h"
#include "trace_magic.h"

#define MAGIC(s) (const unsigned char *)(s), sizeof(s) - 1

/* Tried in order; the catch-all entry of each kind (magic_len 0) comes
 * after the kind's other entries and names the family of the kind. */
static const struct reader_format table[] = {
    {"trace-summary summary file", READER_SUMMARY, MAGIC(SF_MAGIC), false, NULL},
    {"pcap, little-endian, microseconds", READER_TRACE, MAGIC(TRACE_MAGIC_PCAP_LE_US), false,
     &reader_family_pcap},
    {"pcap, big-endian, microseconds", READER_TRACE, MAGIC(TRACE_MAGIC_PCAP_BE_US), false,
     &reader_family_pcap},
    {"pcap, little-endian, nanoseconds", READER_TRACE, MAGIC(TRACE_MAGIC_PCAP_LE_NS), false,
     &reader_family_pcap},
    {"pcap, big-endian, nanoseconds", READER_TRACE, MAGIC(TRACE_MAGIC_PCAP_BE_NS), false,
     &reader_family_pcap},
    {"pcapng", READER_TRACE, MAGIC(TRACE_MAGIC_PCAPNG), false, &reader_family_pcap},
    {"other trace formats libpcap reads", READER_TRACE, NULL, 0, false, &reader_family_pcap},
    {"Zeek TSV connection log with header", READER_CONN, MAGIC("#separator"), false,
     &reader_family_conn},
    {"Zeek JSON connection log", READER_CONN, MAGIC("{"), true, &reader_family_conn},
    {"Bro 1.x connection log, or TSV without header", READER_CONN, NULL, 0, false,
     &reader_family_conn},
};

#define TABLE_N (sizeof table / sizeof table[0])

const struct reader_format *reader_formats(size_t *n)
{
    *n = TABLE_N;
    return table;
}

const struct reader_format *reader_identify(const void *head, size_t n)
{
    const unsigned char *h = head;
    for (size_t i = 0; i < TABLE_N; i++) {
        const struct reader_format *f = &table[i];
        if (f->magic_len == 0)
            continue;
        size_t at = 0;
        if (f->skip_blanks)
            while (at < n && (h[at] == ' ' || h[at] == '\t'))
                at++;
        if (n - at >= f->magic_len && memcmp(h + at, f->magic, f->magic_len) == 0)
            return f;
    }
    return NULL;
}

struct reader {
    const struct reader_family *family;
    void *state;
};

struct reader *reader_open(struct ts_input *in, enum reader_kind kind, const struct reader_opts *o,
                           struct ts_err *err)
{
    const struct reader_family *family = NULL;
    for (size_t i = 0; i < TABLE_N && family == NULL; i++)
        if (table[i].kind == kind && table[i].magic_len == 0)
            family = table[i].family;
    if (family == NULL) {
        ts_err_set(err, TS_EUSAGE, "no reader for this kind of input");
        return NULL;
    }
    struct reader *r = malloc(sizeof *r);
    if (r == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    r->family = family;
    r->state = family->open(in, o, err);
    if (r->state == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void reader_close(struct reader *r)
{
    if (r == NULL)
        return;
    r->family->close(r->state);
    free(r);
}

int reader_next(struct reader *r, struct ts_record *out, struct reader_bad *bad, struct ts_err *err)
{
    return r->family->next(r->state, out, bad, err);
}

void reader_stats(const struct reader *r, struct reader_stats *st)
{
    memset(st, 0, sizeof *st);
    if (r != NULL)
        r->family->stats(r->state, st);
}
