/* conn_record.c - a connection record from the named fields of one conn.log line. */
#include "config.h"

#include "conn_record.h"

#include <stdint.h>

#include "text_scan.h"

#define BW_LIMIT_MBIT 700.0

/* "id" + one scope separator character + suffix, e.g. id.orig_h, id_orig_h. */
static bool is_id_field(const char *p, size_t len, const char *suffix)
{
    return len == 9 && p[0] == 'i' && p[1] == 'd' && memcmp(p + 3, suffix, 6) == 0;
}

int conn_field_col(const char *p, size_t len)
{
    /* The names other than id.*, with their lengths (no strlen per call:
     * JSON lines look up every key). */
    static const struct {
        const char *name;
        size_t len;
        int col;
    } names[] = {
        {"ts", 2, COL_TS},
        {"uid", 3, COL_UID},
        {"proto", 5, COL_PROTO},
        {"service", 7, COL_SERVICE},
        {"duration", 8, COL_DURATION},
        {"orig_bytes", 10, COL_ORIG_BYTES},
        {"resp_bytes", 10, COL_RESP_BYTES},
        {"conn_state", 10, COL_STATE},
    };
    if (len == 9 && p[0] == 'i' && p[1] == 'd') {
        if (is_id_field(p, len, "orig_h"))
            return COL_ORIG_H;
        if (is_id_field(p, len, "orig_p"))
            return COL_ORIG_P;
        if (is_id_field(p, len, "resp_h"))
            return COL_RESP_H;
        if (is_id_field(p, len, "resp_p"))
            return COL_RESP_P;
        return -1;
    }
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (names[k].len == len && memcmp(names[k].name, p, len) == 0)
            return names[k].col;
    return -1;
}

static bool is_unset(struct ts_str unset, struct ts_str s)
{
    if (s.p == NULL)
        return true;
    if (s.len == 1 && (s.p[0] == '-' || s.p[0] == '?'))
        return true;
    return s.len == unset.len && memcmp(s.p, unset.p, s.len) == 0;
}

static uint64_t bytes_value(struct ts_str s, const char *end)
{
    uint64_t v;
    if (s.p == NULL || !scan_u64(s.p, s.len, end, &v))
        return 0;
    return v;
}

/* The original's test, bits / (2^20 * duration) > BW_LIMIT_MBIT, with its
 * rounding. A rate far below the limit is told by a product first: a
 * division per direction was a sixth of this function's time. The margin
 * (2^-40) is far wider than the rounding of either form (2^-52 each), so
 * the division decides every case near the limit. */
static bool over_bandwidth(uint64_t bytes, double duration)
{
    if (!(duration > 0))
        return false;
    double bits = (double)bytes * 8.0, per = 1024.0 * 1024.0 * duration;
    if (bits <= BW_LIMIT_MBIT * per * (1.0 - 0x1p-40))
        return false;
    return bits / per > BW_LIMIT_MBIT;
}

int conn_record_build(const struct conn_fields *cf, struct ts_str unset, double ts,
                      struct ts_record *out)
{
    ts_record_clear(out);
    const struct ts_str *f = cf->f;
    if (f[COL_ORIG_H].p == NULL || f[COL_RESP_H].p == NULL || f[COL_ORIG_P].p == NULL ||
        f[COL_RESP_P].p == NULL || f[COL_PROTO].p == NULL)
        return CONN_CORRUPT;
    out->ts = ts;
    double duration = 0;
    if (!is_unset(unset, f[COL_DURATION]) &&
        !scan_double(f[COL_DURATION].p, f[COL_DURATION].len, &duration))
        duration = 0;
    out->end = ts + duration;
    if (f[COL_UID].p != NULL)
        out->uid = f[COL_UID];

    struct ts_str proto = f[COL_PROTO];
    if (conn_str_eq(proto, "unknown_transport")) {
        out->kind = TS_REC_UNKNOWN_TRANSPORT;
        out->src_text = f[COL_ORIG_H];
        out->dst_text = f[COL_RESP_H];
        (void)scan_addr(f[COL_ORIG_H].p, f[COL_ORIG_H].len, cf->end, &out->src);
        (void)scan_addr(f[COL_RESP_H].p, f[COL_RESP_H].len, cf->end, &out->dst);
        return CONN_UNKNOWN_TRANSPORT;
    }
    if (conn_str_eq(proto, "tcp"))
        out->proto = 6;
    else if (conn_str_eq(proto, "udp"))
        out->proto = 17;
    else if (conn_str_eq(proto, "icmp"))
        out->proto = 1;
    else
        return CONN_CORRUPT;
    if (!scan_addr(f[COL_ORIG_H].p, f[COL_ORIG_H].len, cf->end, &out->src) ||
        !scan_addr(f[COL_RESP_H].p, f[COL_RESP_H].len, cf->end, &out->dst))
        return CONN_CORRUPT;
    if (!scan_port(f[COL_ORIG_P].p, f[COL_ORIG_P].len, cf->end, &out->sport) ||
        !scan_port(f[COL_RESP_P].p, f[COL_RESP_P].len, cf->end, &out->dport))
        return CONN_CORRUPT;

    out->kind = TS_REC_CONN;
    uint64_t ob = bytes_value(f[COL_ORIG_BYTES], cf->end);
    uint64_t rb = bytes_value(f[COL_RESP_BYTES], cf->end);
    out->bytes = ob + rb;
    if (over_bandwidth(ob, duration)) {
        out->orig_bw_exceeded = true;
        ob = 0;
    }
    if (over_bandwidth(rb, duration)) {
        out->resp_bw_exceeded = true;
        rb = 0;
    }
    out->payload = ob + rb;

    /* An empty service is unset, as in the original (which takes the
     * unset marker when it cannot look at the last character). */
    out->service = f[COL_SERVICE].len > 0 ? f[COL_SERVICE] : unset;
    if (out->service.len > 0 && out->service.p[out->service.len - 1] == '?')
        out->service.len--;
    out->state = f[COL_STATE].p != NULL ? f[COL_STATE] : unset;
    return CONN_RECORD;
}
