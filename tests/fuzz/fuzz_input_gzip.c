/*
 * fuzz_input_gzip.c - the input bytes as a file read through ts_input and
 * ts_lines (gzip when they start with 1f 8b), on a memfd.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_input_gzip", 0);
    if (fd < 0)
        return 0;
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    if (in != NULL) {
        struct ts_lines *l = ts_lines_new(in, 64);
        char *line;
        size_t len;
        while (l != NULL && ts_lines_next(l, &line, &len, &err) > 0)
            ;
        ts_lines_free(l);
        ts_input_close(in);
    }
    close(fd);
    return 0;
}
