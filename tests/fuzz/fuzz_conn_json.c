/*
 * fuzz_conn_json.c - one JSON log line (the whole input) into a parser.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conn_parser *p = conn_parser_new(0);
    char *line = malloc(size + 1);
    if (p == NULL || line == NULL)
        goto out;
    /* Always a JSON line: the parser only sees '{' + the input. */
    line[0] = '{';
    memcpy(line + 1, data, size);
    struct ts_record rec;
    int st = conn_parse_line(p, line, size + 1, &rec);
    if (st == CONN_RECORD && rec.service.len > 0)
        (void)rec.service.p[rec.service.len - 1];
    /* The parser must leave a JSON line as it was read. */
    if (line[0] != '{' || memcmp(line + 1, data, size) != 0)
        abort();
out:
    free(line);
    conn_parser_free(p);
    return 0;
}
