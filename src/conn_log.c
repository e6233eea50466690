/* conn_log.c - one conn.log line to the reader of its format: TSV header or data, or JSON. */
#include "config.h"

#include "conn_log.h"

#include <stdlib.h>

#include "conn_json.h"
#include "conn_record.h"
#include "conn_tsv.h"

struct conn_parser {
    struct conn_tsv *tsv;
    struct conn_json *json;
};

struct conn_parser *conn_parser_new(int conn_version)
{
    struct conn_parser *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->tsv = conn_tsv_new(conn_version);
    p->json = conn_json_new();
    if (p->tsv == NULL || p->json == NULL) {
        conn_parser_free(p);
        return NULL;
    }
    return p;
}

void conn_parser_free(struct conn_parser *p)
{
    if (p == NULL)
        return;
    conn_tsv_free(p->tsv);
    conn_json_free(p->json);
    free(p);
}

int conn_parse_line(struct conn_parser *p, char *line, size_t len, struct ts_record *out)
{
    size_t i = 0;
    while (i < len && conn_is_ws(line[i]))
        i++;
    if (i == len)
        return CONN_SKIP;
    if (line[i] == '#') {
        conn_tsv_header(p->tsv, line + i, len - i);
        return CONN_SKIP;
    }
    if (line[i] == '{')
        return conn_json_line(p->json, line + i, len - i, conn_tsv_unset(p->tsv), out);
    return conn_tsv_line(p->tsv, line, len, out);
}
