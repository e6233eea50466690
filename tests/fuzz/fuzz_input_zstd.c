/*
 * fuzz_input_zstd.c - a round trip through ts_input. The bytes after the
 * first are compressed as one or two zstd frames (a skippable frame between
 * them, or the reader's window limit exceeded, as the first byte says),
 * cut where it says, and read back from a memfd. Whole, the bytes come back
 * exactly; cut, a prefix comes back, reported damaged unless the cut falls
 * between frames; a frame over the window limit is refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A frame header that asks for a 16 MiB window (exponent 14), then junk. */
static const uint8_t big_window[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x70};
static const uint8_t skippable[] = {0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'x', 'y', 'z'};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 1 << 16)
        return 0;
    unsigned ctl = data[0];
    const uint8_t *text = data + 1;
    size_t n = size - 1, half = (ctl & 1) ? n / 2 : n, cap = 2 * ZSTD_compressBound(n) + 64;
    uint8_t *z = malloc(cap), *out = malloc(n + 1);
    size_t zn = 0, b1 = 0, b2 = 0; /* b1, b2: where frames end */
    bool refuse = (ctl & 6) == 6;
    if (refuse) {
        memcpy(z, big_window, sizeof big_window);
        memcpy(z + sizeof big_window, text, n);
        zn = sizeof big_window + n;
    } else {
        zn = b1 = ZSTD_compress(z, cap, text, half, 1 + (ctl >> 7));
        if (ctl & 2) {
            memcpy(z + zn, skippable, sizeof skippable);
            zn += sizeof skippable;
        }
        b2 = zn;
        if (half < n)
            zn += ZSTD_compress(z + zn, cap - zn, text + half, n - half, 1);
    }
    size_t cut = (ctl & 0x78) == 0 ? zn : zn * ((ctl >> 3) & 15) / 16;
    int fd = memfd_create("fuzz_input_zstd", 0);
    if (fd >= 0 && write(fd, z, cut) == (ssize_t)cut) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        struct ts_err err;
        struct ts_input *in = ts_input_open(path, &err);
        size_t got = 0;
        ssize_t r = 1;
        while (in != NULL && (r = ts_input_read(in, out + got, n + 1 - got, &err)) > 0)
            got += (size_t)r;
        ts_input_close(in);
        bool boundary = cut == zn || cut == b1 || cut == b2;
        if (cut >= sizeof big_window && refuse && (r != TS_EFORMAT || got != 0))
            abort();
        if (cut >= 4 && !refuse && (got > n || memcmp(out, text, got) != 0))
            abort();
        if (cut >= 4 && !refuse && (r == 0) != boundary)
            abort();
        if (cut == zn && !refuse && got != n)
            abort();
    }
    if (fd >= 0)
        close(fd);
    free(z);
    free(out);
    return 0;
}
