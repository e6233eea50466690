/*
 * fuzz_args.c - the option parser (args_parse) on an argument vector: the
 * input is the arguments after the program name, separated by NUL bytes.
 * Whatever the vector, the parser returns one action whose fields hold.
 * A time before 1970 is a negative -U or -V, as the original's mktime
 * gives it: only a time that is not a number would be wrong.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64
#define MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the words, NUL-terminated, in a buffer one byte longer than any input */
    static char words[MAX_INPUT + 1];
    if (size > MAX_INPUT)
        return 0;
    memcpy(words, data, size);
    words[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"trace-summary";
    for (size_t i = 0; i < size && argc <= MAX_ARGS; i += strlen(words + i) + 1)
        argv[argc++] = words + i;
    argv[argc] = NULL;

    struct args a;
    struct args_result res;
    switch (args_parse(argc, argv, &a, &res)) {
    case ARGS_RUN:
        if (a.input == NULL || a.eo.topn > ARGS_MAX_TOPN || a.eo.memory < (256u << 10) ||
            !(a.eo.factor > 0) || (a.eo.external && a.local_nets == NULL) ||
            !isfinite(a.eo.mintime) || !isfinite(a.eo.maxtime) || a.threads < 0 || a.threads > 2)
            __builtin_trap();
        break;
    case ARGS_HELP:
    case ARGS_VERSION:
        if (res.text == NULL || strchr(res.text, '\n') == NULL)
            __builtin_trap();
        break;
    case ARGS_ERROR:
        if ((res.status != ARGS_EXIT_FAIL && res.status != ARGS_EXIT_USAGE) || res.msg[0] == '\0' ||
            memchr(res.msg, '\0', sizeof res.msg) == NULL)
            __builtin_trap();
        break;
    default:
        __builtin_trap();
    }
    return 0;
}
