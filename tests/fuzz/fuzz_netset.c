/*
 * fuzz_netset.c - the input bytes as a network file (-l, -E): written to a
 * memfd, read with netset_read, then a few addresses looked up (fixed ones
 * and two built from the input's first bytes). Also netset_parse_cidr on
 * the first line as text.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "netset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t bad_lines;

static void on_bad(void *ctx, size_t line, const char *text)
{
    (void)ctx;
    (void)line;
    bad_lines += strlen(text) > 0;
}

static void lookups(const struct netset *s, const uint8_t *data, size_t size)
{
    static const uint8_t fixed[][16] = {
        {10, 1, 2, 3},
        {192, 168, 0, 1},
        {0, 0, 0, 0},
        {255, 255, 255, 255},
        {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        size_t len = i < 4 ? 4 : 16;
        int v = netset_lookup(s, fixed[i], len);
        if (v >= 0 && (size_t)v >= netset_count(s))
            __builtin_trap();
    }
    uint8_t a[16] = {0};
    memcpy(a, data, size < 16 ? size : 16);
    int v4 = netset_lookup(s, a, 4), v6 = netset_lookup(s, a, 16);
    if ((v4 >= 0 && (size_t)v4 >= netset_count(s)) || (v6 >= 0 && (size_t)v6 >= netset_count(s)))
        __builtin_trap();
    for (size_t i = 0; i < netset_count(s); i++) {
        const char *c = netset_cidr(s, i), *d = netset_descr(s, i);
        if (c == NULL || d == NULL)
            __builtin_trap();
        /* the CIDR as written parses again, and finds a network */
        uint8_t addr[16];
        uint8_t alen;
        unsigned prefix;
        if (netset_parse_cidr(c, addr, &alen, &prefix) != 0 || netset_lookup(s, addr, alen) < 0)
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first line on its own, NUL-terminated */
    char text[80];
    size_t n = 0;
    while (n < size && n < sizeof text - 1 && data[n] != '\n')
        n++;
    memcpy(text, data, n);
    text[n] = '\0';
    uint8_t addr[16];
    uint8_t alen;
    unsigned prefix;
    if (netset_parse_cidr(text, addr, &alen, &prefix) == 0 &&
        ((alen != 4 && alen != 16) || prefix > alen * 8u))
        __builtin_trap();

    int fd = memfd_create("fuzz_netset", 0);
    if (fd < 0)
        return 0;
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct ts_err err;
    ts_err_clear(&err);
    struct netset *s = netset_read(path, on_bad, NULL, &err);
    if (s != NULL)
        lookups(s, data, size);
    else if (err.code == 0 || err.msg[0] == '\0')
        __builtin_trap(); /* a failure always says why */
    netset_free(s);
    close(fd);
    return 0;
}
