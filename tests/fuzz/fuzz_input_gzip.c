/*
 * fuzz_input_gzip.c - the input bytes as a file read through ts_input and
 * ts_lines (gzip when they start with 1f 8b, zstd with a zstd magic: the
 * corpus has both). Even sizes come from a memfd (a regular file: decoded
 * in a second thread), odd ones from a pipe (decoded in the caller's
 * thread).
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
    int fds[2] = {-1, -1};
    bool use_pipe = size % 2 == 1 && size < 60000;
    if (use_pipe) {
        if (pipe(fds) != 0)
            return 0;
    } else {
        fds[0] = memfd_create("fuzz_input_gzip", 0);
        fds[1] = fds[0];
        if (fds[0] < 0)
            return 0;
    }
    if (size > 0 && write(fds[1], data, size) != (ssize_t)size)
        goto out;
    if (use_pipe) {
        close(fds[1]);
        fds[1] = -1;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
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
out:
    close(fds[0]);
    if (fds[1] >= 0 && fds[1] != fds[0])
        close(fds[1]);
    return 0;
}
