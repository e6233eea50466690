/* conn_tsv.c - Zeek TSV and Bro 1.x conn.log lines: headers, column maps, fields split by separator
 * or whitespace. */
#include "config.h"

#include "conn_tsv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "conn_record.h"
#include "text_scan.h"

#define UNSET_MAX 64

/* Column maps: column number of each needed field, -1 if absent. */
static const int default_modern[COL_N] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
/* Bro 1.x: ts duration orig_h resp_h service orig_p resp_p proto
 * orig_bytes resp_bytes state ... (no uid) */
static const int default_bro1[COL_N] = {0, -1, 2, 5, 3, 6, 7, 4, 1, 8, 9, 10};

struct conn_tsv {
    int version;      /* 0 not decided yet, 1 Bro 1.x, 2 modern */
    char sep;         /* TSV field separator */
    bool have_fields; /* a usable #fields line is in force */
    int map[COL_N];
    int max_col; /* highest column number in map */
    /* Column number -> needed field, derived from the map in force (want_map,
     * want_max: which; NULL: to be derived again). */
    const int *want_map;
    int want_max;
    /* The fields of the last line. Cleared when the map is derived again,
     * not per line: a line that splits completely sets every mapped field,
     * and the others (columns the header lacks) stay absent; a line that
     * does not is corrupt and its fields are never read. */
    struct conn_fields fields;
    int nwant;
    int want[COL_N * 2 + 24];
    char unset[UNSET_MAX];
    size_t unset_len;
};

struct conn_tsv *conn_tsv_new(int conn_version)
{
    if (conn_version < 0 || conn_version > 2)
        return NULL;
    struct conn_tsv *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->version = conn_version;
    p->sep = '\t';
    p->unset[0] = '-';
    p->unset_len = 1;
    return p;
}

void conn_tsv_free(struct conn_tsv *p)
{
    free(p);
}

struct ts_str conn_tsv_unset(const struct conn_tsv *p)
{
    return (struct ts_str){p->unset, p->unset_len};
}

/* ---- headers ---------------------------------------------------------- */

/* Decodes a #separator value (\xNN escapes); sets sep if it is one byte. */
static void header_separator(struct conn_tsv *p, const char *v, size_t len)
{
    unsigned char c;
    if (len == 1) {
        c = (unsigned char)v[0];
    } else if (len == 4 && v[0] == '\\' && (v[1] == 'x' || v[1] == 'X')) {
        int hi = scan_hex_digit(v[2]), lo = scan_hex_digit(v[3]);
        if (hi < 0 || lo < 0)
            return;
        c = (unsigned char)(hi * 16 + lo);
    } else {
        return;
    }
    if (c == '\n' || c == '\0')
        return;
    p->sep = (char)c;
}

static void header_fields(struct conn_tsv *p, const char *v, size_t len)
{
    int map[COL_N];
    for (int c = 0; c < COL_N; c++)
        map[c] = -1;
    int col = 0, max_col = -1;
    size_t i = 0;
    while (i <= len) {
        const char *f = v + i;
        const char *e = memchr(f, p->sep, len - i);
        size_t flen = e != NULL ? (size_t)(e - f) : len - i;
        if (flen > 0 && f[flen - 1] == '\r' && e == NULL)
            flen--;
        int c = conn_field_col(f, flen);
        if (c >= 0 && map[c] < 0) {
            map[c] = col;
            if (col > max_col)
                max_col = col;
        }
        col++;
        if (e == NULL || col > 100000)
            break;
        i += flen + 1;
    }
    /* Usable only with the fields every record needs. */
    if (map[COL_TS] < 0 || map[COL_ORIG_H] < 0 || map[COL_ORIG_P] < 0 || map[COL_RESP_H] < 0 ||
        map[COL_RESP_P] < 0 || map[COL_PROTO] < 0) {
        p->have_fields = false;
        return;
    }
    memcpy(p->map, map, sizeof map);
    p->max_col = max_col;
    p->have_fields = true;
    p->want_map = NULL;
}

void conn_tsv_header(struct conn_tsv *p, const char *line, size_t len)
{
    /* line starts with '#'. The keyword ends at a space or the separator. */
    size_t k = 1;
    while (k < len && line[k] != ' ' && line[k] != p->sep && line[k] != '\t')
        k++;
    const char *kw = line + 1;
    size_t kwlen = k - 1;
    const char *v = k < len ? line + k + 1 : line + len;
    size_t vlen = k < len ? len - k - 1 : 0;
    if (vlen > 0 && v[vlen - 1] == '\r')
        vlen--;
    if (kwlen == 9 && memcmp(kw, "separator", 9) == 0) {
        header_separator(p, v, vlen);
    } else if (kwlen == 11 && memcmp(kw, "unset_field", 11) == 0) {
        if (vlen > 0 && vlen < UNSET_MAX) {
            memcpy(p->unset, v, vlen);
            p->unset_len = vlen;
        }
    } else if (kwlen == 6 && memcmp(kw, "fields", 6) == 0) {
        header_fields(p, v, vlen);
    }
}

/* ---- data lines ------------------------------------------------------- */

static size_t count_ws_fields(const char *s, size_t len, size_t limit)
{
    size_t n = 0, i = 0;
    while (i < len && n < limit) {
        while (i < len && conn_is_ws(s[i]))
            i++;
        if (i == len)
            break;
        n++;
        while (i < len && !conn_is_ws(s[i]))
            i++;
    }
    return n;
}

/* Splitting a data line at its separators, up to the last needed column. */
struct split {
    const char *line;
    const int *map;  /* field -> column */
    const int *want; /* column -> field, for columns < nwant */
    int nwant;
    int max_col;
    int col;      /* column being read */
    size_t start; /* where it starts */
    struct conn_fields *cf;
};

/* The column sp->col ends at end (a separator or the end of the line).
 * Returns true once that was the last needed column. */
static inline bool split_end(struct split *sp, size_t end)
{
    int c = -1;
    if (sp->col < sp->nwant) {
        c = sp->want[sp->col];
    } else {
        for (int k = 0; k < COL_N; k++)
            if (sp->map[k] == sp->col)
                c = k;
    }
    if (c >= 0) {
        sp->cf->f[c].p = sp->line + sp->start;
        sp->cf->f[c].len = end - sp->start;
    }
    if (sp->col == sp->max_col)
        return true;
    sp->col++;
    sp->start = end + 1;
    return false;
}

/* Finds the fields of columns 0..max_col in line[0, len). One pass: on x86
 * 32 bytes at a time (two compares and a bit mask per block, a bit per
 * separator), instead of a memchr call per field. Returns false when the
 * line ends before max_col. */
#if defined(__SSE2__)
/* The separators of a block at line + at, one bit each in m: true once
 * the last needed column has ended. */
static inline bool split_bits(struct split *sp, size_t at, uint32_t m)
{
    for (; m != 0; m &= m - 1)
        if (split_end(sp, at + (size_t)__builtin_ctz(m)))
            return true;
    return false;
}
#endif

static bool split_fields(struct split *sp, size_t len, char sep)
{
    const char *line = sp->line;
    size_t i = 0;
#if defined(__SSE2__)
    /* from a general register: _mm_set1_epi8 stored sep as a byte and read
     * it back as four, a store-forwarding stall on every line */
    const __m128i vsep = _mm_set1_epi32((int)(0x01010101u * (unsigned char)sep));
    /* 32 bytes per mask: the loop over a mask's bits is left at an
     * unpredictable point once per mask, so fewer masks, fewer misses
     * (64 bytes per mask: fewer still, but more work, and slower) */
    for (; i + 32 <= len; i += 32)
        if (split_bits(sp, i,
                       scan_eq_mask16(line + i, vsep) | scan_eq_mask16(line + i + 16, vsep) << 16))
            return true;
    for (; i + 16 <= len; i += 16)
        if (split_bits(sp, i, scan_eq_mask16(line + i, vsep)))
            return true;
#endif
    for (; i < len; i++)
        if (line[i] == sep && split_end(sp, i))
            return true;
    return split_end(sp, len);
}

int conn_tsv_line(struct conn_tsv *p, const char *line, size_t len, struct ts_record *out)
{
    if (p->version == 0)
        p->version = p->have_fields || count_ws_fields(line, len, 15) >= 15 ? 2 : 1;

    const int *map;
    int max_col;
    bool by_sep = p->version == 2 && p->have_fields;
    if (by_sep) {
        map = p->map;
        max_col = p->max_col;
    } else {
        map = p->version == 1 ? default_bro1 : default_modern;
        max_col = p->version == 1 ? 10 : 11;
    }
    /* Column number -> needed field, for the columns up to max_col; derived
     * once per header. */
    int *want = p->want;
    if (p->want_map != map || p->want_max != max_col) {
        int nw = max_col + 1;
        if (nw > (int)(sizeof p->want / sizeof p->want[0])) {
            /* Wide maps: look the column up in map instead. */
            nw = 0;
        }
        for (int c = 0; c < nw; c++)
            want[c] = -1;
        for (int c = 0; c < COL_N; c++)
            if (map[c] >= 0 && map[c] < nw)
                want[map[c]] = c;
        p->nwant = nw;
        p->want_map = map;
        p->want_max = max_col;
        memset(&p->fields, 0, sizeof p->fields);
    }
    int nwant = p->nwant;

    struct conn_fields *cf = &p->fields;
    cf->end = line + len;
    int col = 0;
    size_t i = 0;
    if (by_sep) {
        if (len > 0 && line[len - 1] == '\r')
            len--;
        struct split sp = {line, map, want, nwant, max_col, 0, 0, cf};
        if (!split_fields(&sp, len, p->sep))
            return CONN_CORRUPT; /* a needed column is missing */
    } else {
        bool complete = false;
        for (;;) {
            while (i < len && conn_is_ws(line[i]))
                i++;
            if (i == len)
                break;
            size_t st = i;
            while (i < len && !conn_is_ws(line[i]))
                i++;
            if (col < nwant && want[col] >= 0) {
                cf->f[want[col]].p = line + st;
                cf->f[want[col]].len = i - st;
            }
            if (col == max_col) {
                complete = true;
                break;
            }
            col++;
        }
        if (!complete)
            return CONN_CORRUPT; /* a needed column is missing */
    }
    if (p->version == 1)
        cf->f[COL_UID].p = NULL;

    double ts = 0;
    if (cf->f[COL_TS].p == NULL || !scan_double(cf->f[COL_TS].p, cf->f[COL_TS].len, &ts)) {
        /* an unknown_transport line counts whatever its ts (it is counted
         * before any check that would need the time) */
        if (!conn_str_eq(cf->f[COL_PROTO], "unknown_transport"))
            return CONN_CORRUPT;
        ts = 0;
    }
    return conn_record_build(cf, conn_tsv_unset(p), ts, out);
}
