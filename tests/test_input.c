/*
 * test_input.c - byte streams (plain, gzip, zstd, concatenated members and
 * frames, damaged streams as table rows read three ways, stdin) and the
 * bounded line reader. Built once per gzip back end (ISA-L, zlib), the same
 * assertions hold for both.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

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
    cr_assert(!ts_input_has_thread(in), "nothing to decode ahead");
    cr_assert_eq(ts_input_size(in), 7);
    char buf[16];
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0);
    cr_assert_eq(got, 7);
    cr_assert(memcmp(buf, "abc\ndef", 7) == 0);
    cr_assert_eq(ts_input_read(in, buf, sizeof buf, &err), 0, "the end repeats");
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
    cr_assert(ts_input_has_thread(in), "a compressed regular file is decoded ahead");
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
    /* The error sticks. */
    cr_assert_eq(ts_input_read(in, out, 10, &err), TS_EDAMAGED);
    cr_assert(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
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
    char buf[64];
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0);
    cr_assert_eq(got, 11);
    cr_assert(memcmp(buf, "from stdin\n", 11) == 0);
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
    /* Too short for any magic: passed through. */
    path = write_file("one", "\x1f", 1);
    in = ts_input_open(path, &err);
    cr_assert_eq(ts_input_read(in, buf, sizeof buf, &err), 1);
    cr_assert_eq(buf[0], 0x1f);
    ts_input_close(in);
    path = write_file("three", "\x28\xb5\x2f", 3);
    in = ts_input_open(path, &err);
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0);
    cr_assert_eq(got, 3);
    cr_assert(memcmp(buf, "\x28\xb5\x2f", 3) == 0);
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
    ts_input_close(in);
    /* Closing after one small read must not wait for the rest. */
    in = ts_input_open(path, &err);
    cr_assert_eq(ts_input_read(in, out, 10, &err), 10);
    ts_input_close(in);
    free(text);
    free(z);
    free(out);
}

/* ---- zstd ---------------------------------------------------------------- */

/* One zstd frame of data into out, with a checksum as the zstd tool writes
 * it. window_log 0: sized to the data; otherwise that window, declared in a
 * header without the content size (as for a stream). Returns its size. */
static size_t zstd_frame(const void *data, size_t len, unsigned char *out, size_t cap,
                         int window_log)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    cr_assert_not_null(cc);
    cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    size_t n;
    if (window_log == 0) {
        n = ZSTD_compress2(cc, out, cap, data, len);
    } else {
        cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, window_log)));
        ZSTD_inBuffer ib = {data, len, 0};
        ZSTD_outBuffer ob = {out, cap, 0};
        cr_assert(!ZSTD_isError(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue)));
        size_t left;
        do
            left = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
        while (left != 0 && !ZSTD_isError(left));
        cr_assert(!ZSTD_isError(left));
        n = ob.pos;
    }
    cr_assert(!ZSTD_isError(n));
    ZSTD_freeCCtx(cc);
    return n;
}

/* A skippable frame (magic 0x184d2a5X, length, payload). */
static size_t skippable_frame(unsigned char *out, const char *payload)
{
    size_t n = strlen(payload);
    memcpy(out, "\x53\x2a\x4d\x18", 4);
    out[4] = (unsigned char)n;
    out[5] = out[6] = out[7] = 0;
    memcpy(out + 8, payload, n);
    return 8 + n;
}

Test(input, zstd_by_magic_frames_and_skippable_frames_are_one_stream)
{
    unsigned char z[1024];
    size_t zn = skippable_frame(z, "leading");
    zn += zstd_frame("one\ntw", 6, z + zn, sizeof z - zn, 0);
    zn += skippable_frame(z + zn, "between");
    zn += zstd_frame("", 0, z + zn, sizeof z - zn, 0);
    zn += zstd_frame("o\nthree\n", 8, z + zn, sizeof z - zn, 0);
    zn += skippable_frame(z + zn, "trailing");
    const char *path = write_file("frames.log", z, zn);
    for (unsigned flags = 0; flags <= TS_INPUT_LOWMEM; flags++) {
        struct ts_err err;
        struct ts_input *in = ts_input_open_flags(path, flags, &err);
        cr_assert_not_null(in);
        char buf[64];
        size_t got;
        cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0, "%s", err.msg);
        cr_assert_eq(got, 14);
        cr_assert(memcmp(buf, "one\ntwo\nthree\n", 14) == 0);
        cr_assert_eq(ts_input_raw_offset(in), zn);
        ts_input_close(in);
    }
}

Test(input, zstd_window_up_to_the_limit_is_read_above_it_refused)
{
    enum { N = 100000 };
    static char text[N];
    static unsigned char z[2 * N];
    static char out[N];
    fill_text(text, N);
    /* 2^23 (8 MiB): the limit, read. */
    size_t zn = zstd_frame(text, N, z, sizeof z, 23);
    const char *path = write_file("w23.zst", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    size_t got;
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), 0, "%s", err.msg);
    cr_assert_eq(got, N);
    cr_assert(memcmp(out, text, N) == 0);
    ts_input_close(in);
    /* 2^24: refused before any byte, the message states the limit. */
    zn = zstd_frame(text, N, z, sizeof z, 24);
    path = write_file("w24.zst", z, zn);
    in = ts_input_open(path, &err);
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), TS_EFORMAT);
    cr_assert_eq(got, 0);
    cr_assert(strstr(err.msg,
                     "w24.zst': zstd frame needs a window larger than the limit of 8 MiB") != NULL,
              "%s", err.msg);
    ts_input_close(in);
    /* After a good frame: what was read stays, the stream is damaged. */
    zn = zstd_frame("good\n", 5, z, sizeof z, 0);
    size_t first = zn;
    zn += zstd_frame(text, N, z + zn, sizeof z - zn, 24);
    path = write_file("late_w24.zst", z, zn);
    in = ts_input_open(path, &err);
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), TS_EDAMAGED);
    cr_assert_eq(got, 5);
    cr_assert(memcmp(out, "good\n", 5) == 0);
    char want[64];
    snprintf(want, sizeof want, "8 MiB, at compressed offset %zu", first);
    cr_assert(strstr(err.msg, want) != NULL, "'%s' in '%s'", want, err.msg);
    ts_input_close(in);
}

Test(input, large_zstd_spans_many_buffers_and_early_close)
{
    enum { N = 3000000 };
    char *text = malloc(N);
    unsigned char *z = malloc(N + 4096);
    char *out = malloc(N);
    cr_assert(text != NULL && z != NULL && out != NULL);
    fill_text(text, N);
    size_t zn = zstd_frame(text, N / 3, z, N + 4096, 0);
    zn += zstd_frame(text + N / 3, N - N / 3, z + zn, N + 4096 - zn, 21);
    const char *path = write_file("large.zst", z, zn);
    for (unsigned flags = 0; flags <= TS_INPUT_LOWMEM; flags++) {
        struct ts_err err;
        struct ts_input *in = ts_input_open_flags(path, flags, &err);
        cr_assert_eq(ts_input_has_thread(in), flags == 0);
        size_t got;
        cr_assert_eq(read_all(in, out, N, &got, &err), 0, "%s", err.msg);
        cr_assert_eq(got, N);
        cr_assert(memcmp(out, text, N) == 0);
        ts_input_close(in);
    }
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_eq(ts_input_read(in, out, 10, &err), 10);
    ts_input_close(in);
    free(text);
    free(z);
    free(out);
}

/* ---- damaged streams, both formats, three ways --------------------------- */

enum mutation {
    CUT_HALF,      /* the file ends in the middle */
    CUT_TAIL,      /* the last 4 bytes (gzip ISIZE, zstd checksum) missing */
    FLIP_CHECK,    /* one byte of the CRC (gzip) or checksum (zstd) changed */
    FLIP_MIDDLE,   /* 64 bytes of the compressed data changed */
    GARBAGE_AFTER, /* bytes that are no member or frame follow the stream */
};

struct damage_row {
    const char *name;
    bool zstd;
    enum mutation mut;
    int code;
    const char *words; /* in the message, after the quoted name */
    bool all_text;     /* every byte of the text comes before the error */
};

static const struct damage_row damage_rows[] = {
    {"gz_cut_half", false, CUT_HALF, TS_EDAMAGED, "': truncated gzip stream at compressed offset ",
     false},
    {"gz_cut_tail", false, CUT_TAIL, TS_EDAMAGED, "': truncated gzip stream at compressed offset ",
     true},
    {"gz_bad_crc", false, FLIP_CHECK, TS_EDAMAGED,
     "': corrupt gzip stream (incorrect data check) at compressed offset ", true},
    {"gz_flip_middle", false, FLIP_MIDDLE, TS_EDAMAGED, "': corrupt gzip stream (", false},
    {"gz_garbage_after", false, GARBAGE_AFTER, TS_EDAMAGED,
     "': corrupt gzip stream (incorrect header check) at compressed offset ", true},
    {"zst_cut_half", true, CUT_HALF, TS_EDAMAGED, "': truncated zstd stream at compressed offset ",
     false},
    {"zst_cut_tail", true, CUT_TAIL, TS_EDAMAGED, "': truncated zstd stream at compressed offset ",
     false},
    {"zst_bad_checksum", true, FLIP_CHECK, TS_EDAMAGED,
     "': corrupt zstd stream (Restored data doesn't match checksum) at compressed offset ", false},
    {"zst_flip_middle", true, FLIP_MIDDLE, TS_EDAMAGED, "': corrupt zstd stream (", false},
    {"zst_garbage_after", true, GARBAGE_AFTER, TS_EDAMAGED,
     "': corrupt zstd stream (Unknown frame descriptor) at compressed offset ", true},
};

/* Reads path (NULL: stdin) and checks the row: the code, the words, and
 * that every byte delivered is the text's. */
static void check_damage(const struct damage_row *r, const char *path, unsigned flags,
                         const char *text, size_t n, size_t cut)
{
    static char out[100000];
    struct ts_err err;
    struct ts_input *in = ts_input_open_flags(path, flags, &err);
    cr_assert_not_null(in, "%s: %s", r->name, err.msg);
    size_t got;
    cr_assert_eq(read_all(in, out, sizeof out, &got, &err), r->code, "%s: %s", r->name, err.msg);
    cr_assert_eq(err.code, r->code);
    /* Changed data may decode to other bytes before the fault shows. */
    cr_assert(r->mut == FLIP_MIDDLE || (got <= n && memcmp(out, text, got) == 0),
              "%s: the bytes before the damage are the text's", r->name);
    if (r->all_text)
        cr_assert_eq(got, n, "%s: all the text before the damage", r->name);
    char want[256];
    snprintf(want, sizeof want, "'%s%s", path != NULL ? path : "-", r->words);
    cr_assert(strstr(err.msg, want) != NULL, "%s: '%s' in '%s'", r->name, want, err.msg);
    if (r->mut == CUT_HALF || r->mut == CUT_TAIL) {
        snprintf(want, sizeof want, "offset %zu", cut);
        cr_assert(strstr(err.msg, want) != NULL, "%s: '%s' in '%s'", r->name, want, err.msg);
    }
    cr_assert_eq(ts_input_read(in, out, 10, &err), r->code, "%s: the error repeats", r->name);
    ts_input_close(in);
}

Test(input, damaged_streams_table)
{
    enum { N = 50000 };
    static char text[N];
    static unsigned char z[N + 1024];
    fill_text(text, N);
    for (size_t i = 0; i < sizeof damage_rows / sizeof damage_rows[0]; i++) {
        const struct damage_row *r = &damage_rows[i];
        size_t zn =
            r->zstd ? zstd_frame(text, N, z, sizeof z, 0) : gzip_member(text, N, z, sizeof z);
        switch (r->mut) {
        case CUT_HALF:
            zn /= 2;
            break;
        case CUT_TAIL:
            zn -= 4;
            break;
        case FLIP_CHECK:
            z[zn - (r->zstd ? 1 : 8)] ^= 0x01;
            break;
        case FLIP_MIDDLE:
            for (size_t k = zn / 2; k < zn / 2 + 64; k++)
                z[k] ^= 0x5a;
            break;
        case GARBAGE_AFTER:
            memcpy(z + zn, "junk\n", 5);
            zn += 5;
            break;
        }
        char name[64];
        snprintf(name, sizeof name, "%s.bin", r->name);
        const char *path = write_file(name, z, zn);
        char saved[128];
        snprintf(saved, sizeof saved, "%s", path);
        check_damage(r, saved, 0, text, N, zn);               /* decoded ahead */
        check_damage(r, saved, TS_INPUT_LOWMEM, text, N, zn); /* in the caller */
        /* Through a pipe on stdin; it fits the pipe buffer. */
        cr_assert(zn < 60000);
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        cr_assert_eq(write(fds[1], z, zn), (ssize_t)zn);
        close(fds[1]);
        cr_assert_eq(dup2(fds[0], 0), 0);
        close(fds[0]);
        check_damage(r, NULL, 0, text, N, zn);
    }
}

Test(input, gzip_header_fields_are_skipped)
{
    /* A member with FEXTRA, FNAME, FCOMMENT and FHCRC, as gzip -N and
     * other writers may set them. */
    unsigned char z[512];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    static unsigned char extra[] = "AB\x02\x00xy";
    static char fname[] = "conn.log", comment[] = "rotated";
    gz_header h;
    memset(&h, 0, sizeof h);
    h.extra = extra;
    h.extra_len = 6;
    h.name = (Bytef *)fname;
    h.comment = (Bytef *)comment;
    h.hcrc = 1;
    cr_assert_eq(deflateSetHeader(&zs, &h), Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t) "with header\n";
    zs.avail_in = 12;
    zs.next_out = z;
    zs.avail_out = sizeof z;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t zn = sizeof z - zs.avail_out;
    deflateEnd(&zs);
    const char *path = write_file("header.gz", z, zn);
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    char buf[64];
    size_t got;
    cr_assert_eq(read_all(in, buf, sizeof buf, &got, &err), 0, "%s", err.msg);
    cr_assert_eq(got, 12);
    cr_assert(memcmp(buf, "with header\n", 12) == 0);
    ts_input_close(in);
}

Test(input, decoders_name_the_gzip_back_end_of_the_build)
{
    const char *d = ts_input_decoders();
#if HAVE_ISAL
    cr_assert(strncmp(d, "gzip: ISA-L ", 12) == 0, "%s", d);
#else
    cr_assert(strncmp(d, "gzip: zlib ", 11) == 0, "%s", d);
#endif
    cr_assert(strstr(d, ", zstd: libzstd 1.") != NULL, "%s", d);
}

/* ---- lines where the decoder put them ------------------------------------ */

/* Text with lines of every kind the line reader tells apart: empty, short,
 * a few KiB, over 64 KiB (longer than the room a decode slot keeps before
 * its bytes), and a last line without a newline. */
static size_t mixed_lines(char *buf, size_t cap)
{
    uint32_t x = 777;
    size_t n = 0;
    while (n + 200000 < cap) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 16) % 1000;
        size_t len = r < 50 ? 0 : r < 980 ? r % 300 : r < 995 ? 3000 + r * 7 : 66000 + r * 40;
        for (size_t i = 0; i < len; i++)
            buf[n + i] = (char)('a' + (i + r) % 26);
        n += len;
        buf[n++] = '\n';
    }
    memcpy(buf + n, "no newline at the end", 21);
    return n + 21;
}

struct line_seen {
    int status;
    size_t len;
    uint64_t lineno;
    uint32_t sum; /* of the line's bytes */
};

/* Every line of path through a line reader of max_line, after a first
 * plain read of skip bytes; returns the number of lines, *end the last
 * status. */
static size_t read_lines(const char *path, size_t max_line, size_t skip, struct line_seen *seen,
                         size_t cap, int *end, bool *threaded)
{
    struct ts_err err;
    struct ts_input *in = ts_input_open(path, &err);
    cr_assert_not_null(in, "%s", err.msg);
    *threaded = ts_input_has_thread(in);
    char head[16];
    cr_assert_eq(ts_input_read_full(in, head, skip, &err), (ssize_t)skip);
    struct ts_lines *l = ts_lines_new(in, max_line);
    cr_assert_not_null(l);
    size_t n = 0;
    for (;;) {
        char *line;
        size_t len;
        int st = ts_lines_next(l, &line, &len, &err);
        if (st <= 0) {
            *end = st;
            break;
        }
        cr_assert_lt(n, cap);
        uint32_t sum = 0;
        if (st == 1) {
            cr_assert_eq(line[len], '\0', "a line ends in a NUL");
            for (size_t i = 0; i < len; i++)
                sum = sum * 31u + (unsigned char)line[i];
        }
        seen[n++] = (struct line_seen){st, len, ts_lines_lineno(l), sum};
    }
    ts_lines_free(l);
    ts_input_close(in);
    return n;
}

Test(input, compressed_lines_equal_the_plain_file_s)
{
    enum { N = 3000000, MAXL = 40000 };
    char *text = malloc(N);
    unsigned char *z = malloc(N + 65536);
    struct line_seen *want = malloc(MAXL * sizeof *want), *got = malloc(MAXL * sizeof *got);
    cr_assert(text != NULL && z != NULL && want != NULL && got != NULL);
    size_t n = mixed_lines(text, N);
    char plain[128], gz[128], cut[128], zst[128];
    snprintf(plain, sizeof plain, "%s", write_file("lines", text, n));
    size_t zn = gzip_member(text, n, z, N + 65536);
    snprintf(gz, sizeof gz, "%s", write_file("lines.gz", z, zn));
    snprintf(cut, sizeof cut, "%s", write_file("lines-cut.gz", z, zn * 2 / 3));
    size_t sn = zstd_frame(text, n, z, N + 65536, 0);
    snprintf(zst, sizeof zst, "%s", write_file("lines.zst", z, sn));
    /* max_line within the slots' room (lines read in place), exactly at
     * it, and beyond it (lines copied as before) */
    static const size_t max_lines[] = {1000, 65536, 100000};
    for (size_t m = 0; m < sizeof max_lines / sizeof max_lines[0]; m++) {
        for (size_t skip = 0; skip <= 7; skip += 7) {
            int wend, gend;
            bool threaded;
            size_t nw = read_lines(plain, max_lines[m], skip, want, MAXL, &wend, &threaded);
            cr_assert(!threaded);
            cr_assert_eq(wend, 0);
            cr_assert_gt(nw, 2000);
            const char *packed[] = {gz, zst};
            for (size_t k = 0; k < 2; k++) {
                size_t ng = read_lines(packed[k], max_lines[m], skip, got, MAXL, &gend, &threaded);
                cr_assert(threaded, "%s is decoded ahead", packed[k]);
                cr_assert_eq(gend, 0, "%s: %d", packed[k], gend);
                cr_assert_eq(ng, nw, "%s, max_line %zu: %zu lines, want %zu", packed[k],
                             max_lines[m], ng, nw);
                for (size_t i = 0; i < nw; i++)
                    cr_assert(memcmp(&got[i], &want[i], sizeof want[i]) == 0,
                              "%s, max_line %zu, skip %zu: line %zu differs", packed[k],
                              max_lines[m], skip, i + 1);
            }
            /* a cut stream: the lines before the cut, then the damage */
            size_t nc = read_lines(cut, max_lines[m], skip, got, MAXL, &gend, &threaded);
            cr_assert_eq(gend, TS_EDAMAGED);
            cr_assert_gt(nc, nw / 2);
            cr_assert_lt(nc, nw);
            for (size_t i = 0; i + 1 < nc; i++)
                cr_assert(memcmp(&got[i], &want[i], sizeof want[i]) == 0,
                          "cut stream, line %zu differs", i + 1);
        }
    }
    free(text);
    free(z);
    free(want);
    free(got);
}
