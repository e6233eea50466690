/* args_rows.h - argv rows for the parser's tests: "-n|3|-c" -> argv -> args_parse. Header-only; each test includes it once. */
#ifndef TS_TEST_ARGS_ROWS_H
#define TS_TEST_ARGS_ROWS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

#define MAX_ARGV 16

/* One parse: the row's words, argv built on them, and what args_parse gave. */
struct parsed {
    char store[512];
    char *argv[MAX_ARGV + 2];
    struct args a;
    struct args_result res;
};

/* Splits row (words separated by '|'; the program name is added) and parses it. */
static enum args_action parse_row(const char *row, struct parsed *p)
{
    snprintf(p->store, sizeof p->store, "%s", row);
    int argc = 0;
    p->argv[argc++] = (char *)"trace-summary";
    for (char *w = p->store; *w != '\0';) {
        cr_assert_lt(argc, MAX_ARGV, "too many words in row '%s'", row);
        p->argv[argc++] = w;
        char *bar = strchr(w, '|');
        if (bar == NULL)
            break;
        *bar = '\0';
        w = bar + 1;
    }
    p->argv[argc] = NULL;
    return args_parse(argc, p->argv, &p->a, &p->res);
}

#endif
