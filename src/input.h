/*
 * input.h - a byte stream from a file or stdin, plain, gzip- or
 * zstd-compressed (detected by the magic bytes, never by the file name;
 * concatenated gzip members and zstd frames are read as one stream), and a
 * bounded line reader on top.
 *
 * Ownership: ts_input_open returns an object the caller owns
 * (ts_input_close). Lines returned by ts_lines_next are borrowed and valid
 * until the next call; the reader may modify them in place.
 */
#ifndef TS_INPUT_H
#define TS_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"

struct ts_input;

/* Opens path; NULL or "-" means stdin. Fails (TS_EIO) for a missing or
 * unreadable file or a directory, with the name quoted in err. */
struct ts_input *ts_input_open(const char *path, struct ts_err *err);
void ts_input_close(struct ts_input *in);

/* Flags of ts_input_open_flags. TS_INPUT_LOWMEM: small buffers (32 KiB of
 * raw input, 64 KiB of line read-ahead) and no inflate thread, for -m. */
#define TS_INPUT_LOWMEM 1u
struct ts_input *ts_input_open_flags(const char *path, unsigned flags, struct ts_err *err);

/* Reads up to n decompressed bytes. Returns the count, 0 at the end, or a
 * negative code (TS_EIO; TS_EDAMAGED for a corrupt or truncated stream;
 * TS_EFORMAT for a zstd frame that needs a window above the limit before
 * any byte was decoded; err says where). Bytes delivered before an error
 * stay valid, and the error repeats on every later read. */
ssize_t ts_input_read(struct ts_input *in, void *buf, size_t n, struct ts_err *err);

/* ts_input_read until n bytes came or the input ended: returns how many
 * (n unless it ended first), or the negative code of an error before
 * that (what came before it is in buf). */
ssize_t ts_input_read_full(struct ts_input *in, void *buf, size_t n, struct ts_err *err);

const char *ts_input_name(const struct ts_input *in); /* "-" for stdin */
/* True when a thread of its own decodes the input ahead of the reader. */
bool ts_input_has_thread(const struct ts_input *in);
/* What ts_input_open_flags(path, flags) would do, judged from the file's
 * first bytes only (no decoder is made, no thread started): true when it
 * would decode ahead in a thread of its own. False for stdin, pipes (never
 * opened) and files that cannot be read. Cost: an open and a read of 4
 * bytes. */
bool ts_input_probe_thread(const char *path, unsigned flags);
uint64_t ts_input_raw_offset(const struct ts_input *in); /* bytes read from the file */
uint64_t ts_input_size(const struct ts_input *in);       /* file size, 0 if unknown */

/* The libraries that decode compressed input, for --version: a static
 * string such as "gzip: ISA-L 2.30.0, zstd: libzstd 1.5.4". */
const char *ts_input_decoders(void);

struct ts_lines;

/* Line reader with a fixed buffer: lines longer than max_line bytes are
 * skipped (reported as TS_LINE_TOO_LONG) without growing memory. */
struct ts_lines *ts_lines_new(struct ts_input *in, size_t max_line);
void ts_lines_free(struct ts_lines *l);

#define TS_LINE_TOO_LONG 2

/* Returns 1 with line and len set (no newline; a trailing '\r' is kept),
 * TS_LINE_TOO_LONG for a skipped over-long line (len = its length so far),
 * 0 at the end, or a negative code from ts_input_read. A last line without
 * a newline is returned as a line. */
int ts_lines_next(struct ts_lines *l, char **line, size_t *len, struct ts_err *err);
uint64_t ts_lines_lineno(const struct ts_lines *l); /* 1-based number of the last line */
/* True when the line last returned ended with the input, without a newline
 * (the file was cut short, or only lacks its final newline). O(1). */
bool ts_lines_unterminated(const struct ts_lines *l);

#endif
