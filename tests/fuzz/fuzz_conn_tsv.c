/*
 * fuzz_conn_tsv.c - feeds the input, line by line, to one conn.log parser,
 * so header lines change how the following data lines are read.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the conn version (0, 1 or 2). */
    int version = size > 0 ? data[0] % 3 : 0;
    struct conn_parser *p = conn_parser_new(version);
    if (p == NULL)
        return 0;
    const uint8_t *s = size > 0 ? data + 1 : data;
    size_t left = size > 0 ? size - 1 : 0;
    while (left > 0) {
        const uint8_t *nl = memchr(s, '\n', left);
        size_t n = nl != NULL ? (size_t)(nl - s) : left;
        /* An exact-size copy, so reads past the line are caught. */
        char *line = malloc(n ? n : 1);
        if (line == NULL)
            break;
        memcpy(line, s, n);
        struct ts_record rec;
        conn_parse_line(p, line, n, &rec);
        free(line);
        s += n + (nl != NULL);
        left -= n + (nl != NULL);
    }
    conn_parser_free(p);
    return 0;
}
