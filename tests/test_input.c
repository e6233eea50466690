/*
 * test_input.c - byte streams (plain, gzip, concatenated members, damaged
 * streams, stdin, stdio cookie) and the bounded line reader.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_input.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    (void)system(cmd);
}

TestSuite(input, .init = make_tmpdir, .fini = remove_tmpdir);

static const char *write_file(const char *name, const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

/* One gzip member of data into out; returns its size. */
static size_t gzip_member(const void *data, size_t len, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = cap - zs.avail_out;
    deflateEnd(&zs);
    return n;
}

/* Reads everything; returns the final status (0 or a negative code). */
static ssize_t read_all(struct ts_input *in, char *out, size_t cap, size_t *got, struct ts_err *err)
{
    *got = 0;
    for (;;) {
        ssize_t n = ts_input_read(in, out + *got, cap - *got, err);
        if (n <= 0)
            return n;
        *got += (size_t)n;
    }
}

Test(input, missing_file_and_directory_errors)
{
    struct ts_err err;
    char path[128];
    snprintf(path, sizeof path, "%s/x.log", tmpdir);
    cr_assert_null(ts_input_open(path, &err));
    cr_assert_eq(err.code, TS_EIO);
    char want[256];
    snprintf(want, sizeof want, "'%s': no such file or directory", path);
    cr_assert_str_eq(err.msg, want);
    cr_assert_null(ts_input_open(tmpdir, &err));
    cr_assert_eq(err.code, TS_EIO);
    snprintf(want, sizeof want, "'%s': is a directory", tmpdir);
    cr_assert_str_eq(err.msg, want);
}

Test(input, unreadable_file_error)
{
    if (geteuid() == 0)
        cr_skip_test("root can read anything");
    const char *path = write_file("secret", "x", 1);
    chmod(path, 0);
    struct ts_err err;
    cr_assert_null(ts_input_open(path, &err));
    cr_assert_eq(err.code, TS_EIO);
    cr_assert(strstr(err.msg, "permission denied") != NULL, "%s", err.msg);
}

Test(input, plain_file_passes_through)
{
    const char *path = write_file("plain.log", "abc\ndef", 7);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in);
    cr_assert(!ts_input_is_gzip(in));
    cr_assert_eq(ts_input_size(in), 7);
    char buf[16];
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0);
    cr_assert_eq(got, 7);
    cr_assert(memcmp(buf, "abc\ndef", 7) == 0);
    cr_assert_eq(ts_input_offset(in), 7);
    cr_assert_null(ts_input_error(in));
    ts_input_close(in);
}

Test(input, gzip_single_member_by_magic_not_name)
{
    unsigned char z[256];
    size_t zn = gzip_member("hello\nworld\n", 12, z, sizeof z);
    const char *path = write_file("no_gz_suffix.log", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in);
    cr_assert(ts_input_is_gzip(in));
    char buf[64];
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0);
    cr_assert_eq(got, 12);
    cr_assert(memcmp(buf, "hello\nworld\n", 12) == 0);
    cr_assert_eq(ts_input_raw_offset(in), zn);
    ts_input_close(in);
}

Test(input, gzip_concatenated_members_are_one_stream)
{
    unsigned char z[1024];
    size_t zn = gzip_member("one\n", 4, z, sizeof z);
    zn += gzip_member("two\nthr", 7, z + zn, sizeof z - zn);
    zn += gzip_member("ee\n", 3, z + zn, sizeof z - zn);
    const char *path = write_file("multi", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in);
    struct ts_lines *l = ts_lines_new(in, 100);
    char *line;
    size_t len;
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "one");
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "two");
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "three");
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 0);
    ts_lines_free(l);
    ts_input_close(in);
}

/* Data that compresses poorly, so truncation cuts into the output. */
static void fill_text(char *buf, size_t n)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (i % 40 == 39) ? '\n' : (char)('a' + (x >> 16) % 26);
    }
}

Test(input, truncated_gzip_is_damaged_after_good_bytes)
{
    enum { N = 200000 };
    static char text[N];
    static unsigned char z[N + 1024];
    static char out[N];
    fill_text(text, N);
    size_t zn = gzip_member(text, N, z, sizeof z);
    size_t cut = zn / 2;
    const char *path = write_file("cut.gz", z, cut);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in);
    size_t got;
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), TS_EDAMAGED);
    cr_assert_eq(err.code, TS_EDAMAGED);
    cr_assert(got > 0 && got < N, "got %zu", got);
    cr_assert(memcmp(out, text, got) == 0, "every byte before the damage is right");
    cr_assert(strstr(err.msg, "cut.gz'") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
    char off[32];
    snprintf(off, sizeof off, "%zu", cut);
    cr_assert(strstr(err.msg, off) != NULL, "offset %s in '%s'", off, err.msg);
    /* The error sticks and is visible through ts_input_error. */
    cr_assert_eq(ts_input_read(in, out, 10, &err), TS_EDAMAGED);
    cr_assert_not_null(ts_input_error(in));
    ts_input_close(in);
}

Test(input, corrupt_gzip_is_damaged)
{
    enum { N = 100000 };
    static char text[N];
    static unsigned char z[N + 1024];
    static char out[N];
    fill_text(text, N);
    size_t zn = gzip_member(text, N, z, sizeof z);
    for (size_t i = zn / 2; i < zn / 2 + 64; i++)
        z[i] ^= 0x5a;
    const char *path = write_file("bad.gz", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in);
    size_t got;
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), TS_EDAMAGED);
    cr_assert(memcmp(out, text, got < 1000 ? got : 1000) == 0);
    cr_assert(strstr(err.msg, "'") != NULL);
    ts_input_close(in);
}

Test(input, truncated_gzip_through_lines_gives_lines_then_error)
{
    unsigned char z[256];
    size_t zn = gzip_member("first\nsecond\n", 13, z, sizeof z);
    /* Drop the 8-byte trailer: all data decodes, the stream is unfinished. */
    const char *path = write_file("notrailer.gz", z, zn - 8);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    struct ts_lines *l = ts_lines_new(in, 100);
    char *line;
    size_t len;
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "first");
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "second");
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), TS_EDAMAGED);
    ts_lines_free(l);
    ts_input_close(in);
}

Test(input, lines_last_line_without_newline_and_cr_kept)
{
    const char *path = write_file("crlf", "a\r\n\nlast", 8);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    struct ts_lines *l = ts_lines_new(in, 100);
    char *line;
    size_t len;
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_eq(len, 2);
    cr_assert(memcmp(line, "a\r", 2) == 0);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_eq(len, 0);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_eq(len, 4);
    cr_assert(memcmp(line, "last", 4) == 0);
    cr_assert_eq(ts_lines_lineno(l), 3);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 0);
    ts_lines_free(l);
    ts_input_close(in);
}

Test(input, huge_lines_are_skipped_and_reported)
{
    /* 3 MiB line between two short ones, reader limit 1000 bytes. */
    size_t big = 3u << 20;
    char *data = malloc(big + 2048);
    cr_assert_not_null(data);
    size_t n = 0;
    memcpy(data, "short\n", 6);
    n = 6;
    memset(data + n, 'x', big);
    n += big;
    data[n++] = '\n';
    memcpy(data + n, "after\n", 6);
    n += 6;
    memset(data + n, 'y', 1500); /* an over-long last line without newline */
    n += 1500;
    const char *path = write_file("huge", data, n);
    free(data);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    struct ts_lines *l = ts_lines_new(in, 1000);
    char *line;
    size_t len;
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "short");
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), TS_LINE_TOO_LONG);
    cr_assert_eq(len, big);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_str_eq(line, "after");
    cr_assert_eq(ts_lines_lineno(l), 3);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), TS_LINE_TOO_LONG);
    cr_assert_eq(len, 1500);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 0);
    ts_lines_free(l);
    ts_input_close(in);
}

Test(input, line_of_exactly_max_line_is_kept)
{
    char data[40];
    memset(data, 'z', 32);
    data[32] = '\n';
    const char *path = write_file("exact", data, 33);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    struct ts_lines *l = ts_lines_new(in, 32);
    char *line;
    size_t len;
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 1);
    cr_assert_eq(len, 32);
    cr_assert_eq(ts_lines_next(l, &line, &len, &err), 0);
    ts_lines_free(l);
    ts_input_close(in);
}

Test(input, stdin_gzip_is_detected)
{
    unsigned char z[256];
    size_t zn = gzip_member("from stdin\n", 11, z, sizeof z);
    const char *path = write_file("stdin.gz", z, zn);
    FILE *f = freopen(path, "rb", stdin);
    cr_assert_not_null(f);
    struct ts_err err;
    struct ts_input *in = ts_input_open("-", &err);
    cr_assert_not_null(in);
    cr_assert_str_eq(ts_input_name(in), "-");
    cr_assert(ts_input_is_gzip(in));
    char buf[64];
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0);
    cr_assert_eq(got, 11);
    ts_input_close(in);
}

Test(input, stdio_cookie_reads_decompressed_bytes)
{
    unsigned char z[256];
    size_t zn = gzip_member("cookie data\n", 12, z, sizeof z);
    zn += gzip_member("more\n", 5, z + zn, sizeof z - zn);
    const char *path = write_file("cookie.gz", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    FILE *f = ts_input_fopen(in);
    cr_assert_not_null(f);
    char buf[64];
    size_t got = fread(buf, 1, sizeof buf, f);
    cr_assert_eq(got, 17);
    cr_assert(memcmp(buf, "cookie data\nmore\n", 17) == 0);
    fclose(f);
    cr_assert_null(ts_input_error(in));
    ts_input_close(in);
}

Test(input, stdio_cookie_remembers_damage)
{
    unsigned char z[256];
    size_t zn = gzip_member("some bytes\n", 11, z, sizeof z);
    const char *path = write_file("cookie_cut.gz", z, zn - 4);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    FILE *f = ts_input_fopen(in);
    char buf[64];
    (void)fread(buf, 1, sizeof buf, f);
    cr_assert(ferror(f));
    fclose(f);
    cr_assert_not_null(ts_input_error(in));
    cr_assert_eq(ts_input_error(in)->code, TS_EDAMAGED);
    ts_input_close(in);
}

Test(input, empty_and_one_byte_files)
{
    struct ts_err err;
    const char *path = write_file("empty", "", 0);
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in);
    char buf[4];
    cr_assert_eq(ts_input_read(in, buf, sizeof buf, &err), 0);
    ts_input_close(in);
    path = write_file("one", "\x1f", 1);
    in = ts_input_open(path, &err);
    cr_assert(!ts_input_is_gzip(in));
    cr_assert_eq(ts_input_read(in, buf, sizeof buf, &err), 1);
    ts_input_close(in);
}

Test(input, large_gzip_spans_many_buffers_and_early_close)
{
    /* 3 MB in two members: more than the inflate-ahead ring holds. */
    enum { N = 3000000 };
    char *text = malloc(N);
    unsigned char *z = malloc(N + 4096);
    char *out = malloc(N);
    cr_assert(text != NULL && z != NULL && out != NULL);
    fill_text(text, N);
    size_t zn = gzip_member(text, N / 3, z, N + 4096);
    zn += gzip_member(text + N / 3, N - N / 3, z + zn, N + 4096 - zn);
    const char *path = write_file("large.gz", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    size_t got;
    cr_assert_eq(read_all(in, out, N, &got, &err), 0);
    cr_assert_eq(got, N);
    cr_assert(memcmp(out, text, N) == 0);
    cr_assert_eq(ts_input_offset(in), N);
    ts_input_close(in);
    /* Closing after one small read must not wait for the rest. */
    in = ts_input_open(path, &err);
    cr_assert_eq(ts_input_read(in, out, 10, &err), 10);
    ts_input_close(in);
    free(text);
    free(z);
    free(out);
}

Test(input, stdin_pipe_truncated_gzip_is_damaged)
{
    enum { N = 50000 };
    static char text[N];
    static unsigned char z[N + 1024];
    static char out[N];
    fill_text(text, N);
    size_t zn = gzip_member(text, N, z, sizeof z);
    /* Through a pipe (inflated in the caller's thread); it fits the pipe
     * buffer, so no writer process is needed. */
    cr_assert(zn < 60000);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(write(fds[1], z, zn - 100), (ssize_t)(zn - 100));
    close(fds[1]);
    cr_assert_eq(dup2(fds[0], 0), 0);
    close(fds[0]);
    struct ts_err err;
    struct ts_input *in = ts_input_open(NULL, &err);
    size_t got;
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), TS_EDAMAGED);
    cr_assert(got > 0 && memcmp(out, text, got) == 0);
    cr_assert(strstr(err.msg, "'-': truncated") != NULL, "%s", err.msg);
    ts_input_close(in);
}
