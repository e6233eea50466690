/* bytebuf.c - little-endian integers, varints and CRC32C in and out of byte buffers. */
#include "config.h"

#include "bytebuf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void bbw_init(struct bb_writer *w, size_t limit)
{
    w->buf = NULL;
    w->len = w->cap = 0;
    w->limit = limit;
    w->failed = false;
}

void bbw_free(struct bb_writer *w)
{
    free(w->buf);
    bbw_init(w, w->limit);
}

void bbw_reset(struct bb_writer *w)
{
    w->len = 0;
    w->failed = false;
}

bool bbw_ok(const struct bb_writer *w)
{
    return !w->failed;
}

/* Room for n more bytes; false (and the writer failed) if not possible. */
static bool reserve(struct bb_writer *w, size_t n)
{
    if (w->failed)
        return false;
    if (n > w->limit || w->len > w->limit - n) {
        w->failed = true;
        return false;
    }
    if (w->len + n <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n)
        cap = cap > SIZE_MAX / 2 ? w->len + n : cap * 2;
    if (cap > w->limit)
        cap = w->limit;
    uint8_t *nb = realloc(w->buf, cap);
    if (nb == NULL) {
        w->failed = true;
        return false;
    }
    w->buf = nb;
    w->cap = cap;
    return true;
}

void bbw_bytes(struct bb_writer *w, const void *p, size_t n)
{
    if (n == 0 || !reserve(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

/* The low n bytes of v, least significant first. */
static void put_le(struct bb_writer *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    bbw_bytes(w, b, n);
}

void bbw_u8(struct bb_writer *w, uint8_t v)
{
    put_le(w, v, 1);
}

void bbw_u16(struct bb_writer *w, uint16_t v)
{
    put_le(w, v, 2);
}

void bbw_u32(struct bb_writer *w, uint32_t v)
{
    put_le(w, v, 4);
}

void bbw_u64(struct bb_writer *w, uint64_t v)
{
    put_le(w, v, 8);
}

void bbw_f64(struct bb_writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_le(w, bits, 8);
}

void bbw_varint(struct bb_writer *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        b[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    bbw_bytes(w, b, n);
}

void bbw_str(struct bb_writer *w, const void *p, size_t n)
{
    bbw_varint(w, n);
    bbw_bytes(w, p, n);
}

void bbw_patch_u32(struct bb_writer *w, size_t at, uint32_t v)
{
    if (w->failed || at > w->len || w->len - at < 4)
        return;
    for (size_t i = 0; i < 4; i++)
        w->buf[at + i] = (uint8_t)(v >> (8 * i));
}

void bbr_init(struct bb_reader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = p != NULL ? len : 0;
    r->pos = 0;
    r->failed = false;
}

bool bbr_ok(const struct bb_reader *r)
{
    return !r->failed;
}

size_t bbr_left(const struct bb_reader *r)
{
    return r->failed ? 0 : r->len - r->pos;
}

bool bbr_fail(struct bb_reader *r)
{
    r->failed = true;
    return false;
}

const uint8_t *bbr_bytes(struct bb_reader *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint64_t get_le(struct bb_reader *r, size_t n)
{
    const uint8_t *b = bbr_bytes(r, n);
    uint64_t v = 0;
    if (b == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint8_t bbr_u8(struct bb_reader *r)
{
    return (uint8_t)get_le(r, 1);
}

uint16_t bbr_u16(struct bb_reader *r)
{
    return (uint16_t)get_le(r, 2);
}

uint32_t bbr_u32(struct bb_reader *r)
{
    return (uint32_t)get_le(r, 4);
}

uint64_t bbr_u64(struct bb_reader *r)
{
    return get_le(r, 8);
}

double bbr_f64(struct bb_reader *r)
{
    uint64_t bits = get_le(r, 8);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

uint64_t bbr_varint(struct bb_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        const uint8_t *b = bbr_bytes(r, 1);
        if (b == NULL)
            return 0;
        uint64_t part = *b & 0x7f;
        /* the tenth byte may hold only the top bit of 64 */
        if (shift == 63 && part > 1)
            break;
        v |= part << shift;
        if (!(*b & 0x80)) {
            if (*b == 0 && shift > 0)
                break; /* non-minimal: a trailing zero group */
            return v;
        }
    }
    r->failed = true;
    return 0;
}

const uint8_t *bbr_str(struct bb_reader *r, size_t max, size_t *n)
{
    uint64_t len = bbr_varint(r);
    *n = 0;
    if (r->failed || len > max) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = bbr_bytes(r, (size_t)len);
    if (p != NULL)
        *n = (size_t)len;
    return p;
}

/* Slicing-by-8 tables of the reflected polynomial. */
static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & -(c & 1u));
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

uint32_t crc32c(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const uint8_t *b = p;
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                             (uint32_t)b[3] << 24);
        crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
              crc_tab[4][lo >> 24] ^ crc_tab[3][b[4]] ^ crc_tab[2][b[5]] ^ crc_tab[1][b[6]] ^
              crc_tab[0][b[7]];
        b += 8;
        n -= 8;
    }
    while (n-- > 0)
        crc = (crc >> 8) ^ crc_tab[0][(crc ^ *b++) & 0xff];
    return ~crc;
}
