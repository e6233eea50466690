/* pcap_rd.c - the input of the trace readers: read-ahead, exact reads, the frame buffer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pcap_rd.h"

ssize_t pcap_rd_fill(struct pcap_rd *rd)
{
    struct ts_err e;
    ts_err_clear(&e);
    ssize_t got = ts_input_read(rd->in, rd->rbuf, sizeof rd->rbuf, &e);
    if (got < 0) {
        if (!rd->have_ioerr) {
            rd->ioerr = e;
            rd->have_ioerr = 1;
        }
        return -1;
    }
    rd->rpos = 0;
    rd->rlen = (size_t)got;
    return got;
}

int pcap_rd_ioerr(const struct pcap_rd *rd, struct ts_err *err)
{
    *err = rd->ioerr;
    return rd->ioerr.code < 0 ? rd->ioerr.code : TS_EIO;
}

int pcap_rd_exact(struct pcap_rd *rd, void *dst, size_t n, struct ts_err *err)
{
    size_t done = 0;
    while (done < n) {
        if (rd->rpos == rd->rlen) {
            ssize_t got = pcap_rd_fill(rd);
            if (got < 0)
                return pcap_rd_ioerr(rd, err);
            if (got == 0)
                return done == 0 ? 0 : RD_SHORT;
        }
        size_t k = rd->rlen - rd->rpos;
        if (k > n - done)
            k = n - done;
        memcpy((char *)dst + done, rd->rbuf + rd->rpos, k);
        rd->rpos += k;
        done += k;
    }
    rd->offset += n;
    return 1;
}

int pcap_rd_skip(struct pcap_rd *rd, uint64_t n, struct ts_err *err)
{
    char tmp[4096];
    while (n > 0) {
        size_t k = n < sizeof tmp ? (size_t)n : sizeof tmp;
        int rc = pcap_rd_exact(rd, tmp, k, err);
        if (rc <= 0)
            return rc < 0 ? rc : RD_SHORT;
        n -= k;
    }
    return 1;
}

int pcap_rd_grow(struct pcap_rd *rd, size_t n, struct ts_err *err)
{
    if (n <= rd->buf_cap)
        return 0;
    uint8_t *nb = realloc(rd->buf, n);
    if (nb == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory reading '%s'", rd->name);
    rd->buf = nb;
    rd->buf_cap = n;
    return 0;
}
