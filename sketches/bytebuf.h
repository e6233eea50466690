/*
 * bytebuf.h - a growing byte writer and a bounds-checked byte reader for the
 * sketches' serialized forms: little-endian fixed-width integers whatever
 * the host, LEB128 varints, and CRC32C.
 *
 * Both structs are plain values (on the caller's stack); their fields are
 * read by the functions below only. Errors are sticky: after the first
 * failed write (out of memory, over the limit) or read (past the end, a
 * malformed varint) every later call is a no-op and bbw_ok / bbr_ok return
 * false, so a sequence of calls is checked once at its end. A failed read
 * stores 0 in its result.
 *
 * Ownership: the writer owns its buffer (bbw_free); bbw_take hands it over.
 * The reader borrows the bytes it reads.
 */
#ifndef TS_BYTEBUF_H
#define TS_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bb_writer {
    uint8_t *buf;
    size_t len, cap;
    size_t limit; /* the buffer never grows past this many bytes */
    bool failed;
};

/* An empty writer that grows up to limit bytes (SIZE_MAX: no limit). No
 * allocation until the first write. */
void bbw_init(struct bb_writer *w, size_t limit);
void bbw_free(struct bb_writer *w);
/* Forgets the contents, keeps the allocation and clears the error. */
void bbw_reset(struct bb_writer *w);
bool bbw_ok(const struct bb_writer *w);

/* Appends: one byte, little-endian 16/32/64 bits, a double as its IEEE 754
 * bits (little-endian), an unsigned LEB128 varint (1 byte below 128, at
 * most 10), or n raw bytes. Amortized O(1) per byte. */
void bbw_u8(struct bb_writer *w, uint8_t v);
void bbw_u16(struct bb_writer *w, uint16_t v);
void bbw_u32(struct bb_writer *w, uint32_t v);
void bbw_u64(struct bb_writer *w, uint64_t v);
void bbw_f64(struct bb_writer *w, double v);
void bbw_varint(struct bb_writer *w, uint64_t v);
void bbw_bytes(struct bb_writer *w, const void *p, size_t n);
/* A length-prefixed string: varint n, then n bytes. */
void bbw_str(struct bb_writer *w, const void *p, size_t n);
/* Overwrites 4 bytes at offset at (already written) with v, little-endian:
 * for a length known only once what follows is written. */
void bbw_patch_u32(struct bb_writer *w, size_t at, uint32_t v);

struct bb_reader {
    const uint8_t *p;
    size_t len, pos;
    bool failed;
};

void bbr_init(struct bb_reader *r, const void *p, size_t len);
bool bbr_ok(const struct bb_reader *r);
/* Bytes left to read (0 once failed). */
size_t bbr_left(const struct bb_reader *r);
/* Marks the reader failed (a value read was out of range); returns false. */
bool bbr_fail(struct bb_reader *r);

/* The reads matching the writes above. bbr_varint rejects encodings longer
 * than 10 bytes or above 2^64 - 1, and non-minimal ones (a trailing zero
 * byte), so that every value has one encoding. */
uint8_t bbr_u8(struct bb_reader *r);
uint16_t bbr_u16(struct bb_reader *r);
uint32_t bbr_u32(struct bb_reader *r);
uint64_t bbr_u64(struct bb_reader *r);
double bbr_f64(struct bb_reader *r);
uint64_t bbr_varint(struct bb_reader *r);
/* A pointer to the next n bytes (borrowed), or NULL if fewer are left. */
const uint8_t *bbr_bytes(struct bb_reader *r, size_t n);
/* A length-prefixed string of at most max bytes: its bytes (borrowed, not
 * NUL-terminated) and length, or NULL. */
const uint8_t *bbr_str(struct bb_reader *r, size_t max, size_t *n);

/* CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78) of n
 * bytes, continuing from crc (0 to start): crc32c(crc32c(0, a), b) is the
 * CRC of a followed by b. The check value of "123456789" is 0xE3069283.
 * Table-driven, 8 bytes per step. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

#endif
