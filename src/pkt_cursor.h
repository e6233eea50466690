/*
 * pkt_cursor.h - bounds-checked big-endian reads of one captured frame.
 *
 * Every byte the decoder takes from a frame goes through these readers
 * (tcpdump's GET_BE_U_2 family): a frame may end at any byte. A read that
 * does not fit returns 0 and sets the cursor's sticky 'trunc' flag; the
 * decoder goes on with the zeros and its one exit turns a set flag into
 * PKT_DAMAGED, as tcpdump's GET_ macros all jump to one truncation path.
 * A walk that loops on what it reads (label stacks, extension headers)
 * stops when the flag is set. No longjmp: the flag costs one store on the
 * rare failure and nothing when the read fits.
 *
 * Offsets are from the start of the frame; 'len' is its captured length.
 * The functions are inline: the decoder reads a few dozen fields per frame
 * on the hot path of every trace. Cost: O(1) each.
 */
#ifndef TS_PKT_CURSOR_H
#define TS_PKT_CURSOR_H

#include <stdint.h>
#include <string.h>

struct pkt_cur {
    const uint8_t *data;
    uint32_t len;   /* captured bytes readable at data */
    uint32_t trunc; /* set by the first read past len; never cleared */
};

#if defined(__GNUC__)
#define PKT_CUR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PKT_CUR_UNLIKELY(x) (x)
#endif

/* True when n bytes at off are captured (no flag set). */
static inline int pkt_cur_has(const struct pkt_cur *c, uint32_t off, uint32_t n)
{
    return (uint64_t)off + n <= c->len;
}

/* Requires n bytes at off (tcpdump's ND_TCHECK_LEN): sets the flag when
 * they are not all captured. Returns 1 when they are. */
static inline int pkt_cur_need(struct pkt_cur *c, uint32_t off, uint32_t n)
{
    if (PKT_CUR_UNLIKELY(!pkt_cur_has(c, off, n))) {
        c->trunc = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t pkt_cur_u8(struct pkt_cur *c, uint32_t off)
{
    if (PKT_CUR_UNLIKELY(off >= c->len)) {
        c->trunc = 1;
        return 0;
    }
    return c->data[off];
}

static inline uint16_t pkt_cur_be16(struct pkt_cur *c, uint32_t off)
{
    if (PKT_CUR_UNLIKELY(!pkt_cur_has(c, off, 2))) {
        c->trunc = 1;
        return 0;
    }
    const uint8_t *b = c->data + off;
    return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline uint32_t pkt_cur_be32(struct pkt_cur *c, uint32_t off)
{
    if (PKT_CUR_UNLIKELY(!pkt_cur_has(c, off, 4))) {
        c->trunc = 1;
        return 0;
    }
    const uint8_t *b = c->data + off;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Copies n bytes at off to dst, or zeros with the flag set. */
static inline void pkt_cur_copy(struct pkt_cur *c, uint32_t off, void *dst, uint32_t n)
{
    if (PKT_CUR_UNLIKELY(!pkt_cur_has(c, off, n))) {
        c->trunc = 1;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, c->data + off, n);
}

#endif
