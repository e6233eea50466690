/* summary_file.c - writes and reads the summary file of a run: header, parameters, sections. */
#include "config.h"

#include "summary_file.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "hash.h"

#define TAG_PARM "PARM"
#define TAG_SUMM "SUMM"
#define TAG_PAIR "PAIR"
#define TAG_END "END "
/* sections version 1 readers may skip (lower case): a live capture's counters */
#define TAG_CAPI "capi" /* over one interval */
#define TAG_CAPT "capt" /* over the file's span, and the number of capi sections */

#define FRAME 8      /* tag, length */
#define HEADER 12    /* magic, version */
#define STR_MAX 1024 /* a network's text or description, the version */
#define PAIR_MAX 255 /* one side of a pair */

#define DEFAULT_MAX_SECTION ((size_t)1 << 30)
#define DEFAULT_MAX_SUMMARY ((size_t)4 << 30)
#define DEFAULT_MAX_NETS ((size_t)1 << 20)

/* Flags of the parameter section. */
#define P_CONNS 0x01u
#define P_BYTES 0x02u
#define P_TCP 0x04u
#define P_UDP 0x08u
#define P_CHEMA 0x10u
#define P_EXTERNAL 0x20u
#define P_FACTOR_FLOAT 0x40u
#define P_PORTS 0x80u

#define PORT_BITS 65536

bool sf_is_summary_file(const void *head, size_t len)
{
    return len >= SF_MAGIC_LEN && memcmp(head, SF_MAGIC, SF_MAGIC_LEN) == 0;
}

static bool port_in(const uint8_t *set, size_t p)
{
    return (set[p >> 3] >> (p & 7)) & 1;
}

/* ---- parameters ------------------------------------------------------------ */

static void put_sizes(struct bb_writer *w, const struct summary_sizes *z)
{
    bbw_varint(w, z->k_ports);
    bbw_varint(w, z->k_addrs);
    bbw_varint(w, z->k_strings);
    bbw_varint(w, z->cms_w);
    bbw_varint(w, z->cms_d);
    bbw_u8(w, (uint8_t)z->hll_p);
}

static void put_nets(struct bb_writer *w, const struct sf_net *n, size_t count)
{
    bbw_varint(w, count);
    for (size_t i = 0; i < count; i++) {
        bbw_str(w, n[i].cidr, strlen(n[i].cidr));
        bbw_str(w, n[i].descr, strlen(n[i].descr));
    }
}

static void put_params(struct bb_writer *w, const struct sf_params *p)
{
    unsigned f = (p->conns ? P_CONNS : 0) | (p->by_bytes ? P_BYTES : 0) |
                 (p->tcp_only ? P_TCP : 0) | (p->udp_only ? P_UDP : 0) | (p->chema ? P_CHEMA : 0) |
                 (p->external ? P_EXTERNAL : 0) | (p->factor_float ? P_FACTOR_FLOAT : 0) |
                 (p->port_set ? P_PORTS : 0);
    bbw_u8(w, (uint8_t)f);
    bbw_varint(w, p->ilen);
    bbw_f64(w, p->mintime);
    bbw_f64(w, p->maxtime);
    bbw_f64(w, p->factor);
    bbw_f64(w, p->sample_p);
    if (p->port_set) {
        size_t n = 0;
        for (size_t i = 0; i < PORT_BITS; i++)
            n += port_in(p->port_set, i);
        bbw_varint(w, n);
        size_t next = 0;
        for (size_t i = 0; i < PORT_BITS; i++)
            if (port_in(p->port_set, i)) {
                bbw_varint(w, i - next);
                next = i + 1;
            }
    }
    put_nets(w, p->local, p->n_local);
    put_nets(w, p->exclude, p->n_exclude);
    put_sizes(w, &p->total);
    put_sizes(w, &p->dir);
    put_sizes(w, &p->net);
    put_sizes(w, &p->interval);
    bbw_u64(w, p->seed_fingerprint);
    const char *v = p->version ? p->version : "";
    bbw_str(w, v, strlen(v));
}

static bool sizes_eq(const struct summary_sizes *a, const struct summary_sizes *b)
{
    return a->k_ports == b->k_ports && a->k_addrs == b->k_addrs && a->k_strings == b->k_strings &&
           a->cms_w == b->cms_w && a->cms_d == b->cms_d && a->hll_p == b->hll_p;
}

static bool nets_eq(const struct sf_net *a, size_t na, const struct sf_net *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].cidr, b[i].cidr) != 0 || strcmp(a[i].descr, b[i].descr) != 0)
            return false;
    return true;
}

const char *sf_params_differ(const struct sf_params *a, const struct sf_params *b)
{
    if (a->conns != b->conns)
        return "-c";
    if (a->by_bytes != b->by_bytes)
        return "-b";
    if (a->tcp_only != b->tcp_only)
        return "-t";
    if (a->udp_only != b->udp_only)
        return "-u";
    if (a->chema != b->chema)
        return "-C";
    if (a->external != b->external)
        return "-e";
    if (!a->port_set != !b->port_set ||
        (a->port_set && memcmp(a->port_set, b->port_set, PORT_BITS / 8) != 0))
        return "-p";
    if (a->mintime != b->mintime)
        return "-U";
    if (a->maxtime != b->maxtime)
        return "-V";
    if (a->factor_float != b->factor_float || a->sample_p != b->sample_p)
        return "-S";
    if (a->factor != b->factor)
        return "-s";
    if (!nets_eq(a->local, a->n_local, b->local, b->n_local))
        return "-l";
    if (!nets_eq(a->exclude, a->n_exclude, b->exclude, b->n_exclude))
        return "-E";
    if ((a->ilen == 0) != (b->ilen == 0) ||
        (a->ilen && a->ilen % b->ilen != 0 && b->ilen % a->ilen != 0))
        return "-i";
    if (!sizes_eq(&a->total, &b->total) || !sizes_eq(&a->dir, &b->dir) ||
        !sizes_eq(&a->net, &b->net) || !sizes_eq(&a->interval, &b->interval))
        return "--memory";
    return NULL;
}

bool sf_params_same_seed(const struct sf_params *a, const struct sf_params *b)
{
    return a->seed_fingerprint == b->seed_fingerprint;
}

/* ---- writer ---------------------------------------------------------------- */

struct sf_writer {
    FILE *out;
    struct bb_writer buf; /* the section being written */
    uint64_t bytes, n_summaries, n_pairs, n_captures;
    bool failed;
};

static void section_begin(struct sf_writer *w, const char *tag)
{
    bbw_reset(&w->buf);
    bbw_bytes(&w->buf, tag, 4);
    bbw_u32(&w->buf, 0);
}

static int section_end(struct sf_writer *w, struct ts_err *err)
{
    struct bb_writer *b = &w->buf;
    if (!bbw_ok(b) || b->len - FRAME > UINT32_MAX)
        return ts_err_set(err, TS_ENOMEM, "out of memory writing a summary section");
    bbw_patch_u32(b, 4, (uint32_t)(b->len - FRAME));
    bbw_u32(b, crc32c(0, b->buf, b->len));
    if (!bbw_ok(b))
        return ts_err_set(err, TS_ENOMEM, "out of memory writing a summary section");
    if (fwrite(b->buf, 1, b->len, w->out) != b->len) {
        w->failed = true;
        return ts_err_errno(err, TS_EIO, errno, "cannot write the summary file");
    }
    w->bytes += b->len;
    return 0;
}

struct sf_writer *sf_writer_new(FILE *out, const struct sf_params *p, struct ts_err *err)
{
    struct sf_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    w->out = out;
    bbw_init(&w->buf, (size_t)UINT32_MAX + FRAME + 4);
    uint8_t head[HEADER];
    memcpy(head, SF_MAGIC, SF_MAGIC_LEN);
    for (int i = 0; i < 4; i++)
        head[SF_MAGIC_LEN + i] = (uint8_t)(SF_VERSION >> (8 * i));
    if (fwrite(head, 1, sizeof head, out) != sizeof head) {
        ts_err_errno(err, TS_EIO, errno, "cannot write the summary file");
        sf_writer_free(w);
        return NULL;
    }
    w->bytes = sizeof head;
    section_begin(w, TAG_PARM);
    put_params(&w->buf, p);
    if (section_end(w, err) != 0) {
        sf_writer_free(w);
        return NULL;
    }
    return w;
}

int sf_writer_summary(struct sf_writer *w, enum sf_role role, uint64_t index, double start,
                      struct summary *s, struct ts_err *err)
{
    section_begin(w, TAG_SUMM);
    bbw_u8(&w->buf, (uint8_t)role);
    bbw_varint(&w->buf, index);
    bbw_f64(&w->buf, start);
    if (summary_encode(s, &w->buf) != 0)
        return ts_err_set(err, TS_ENOMEM, "out of memory writing a summary");
    w->n_summaries++;
    return section_end(w, err);
}

int sf_writer_pairs(struct sf_writer *w, const struct sf_pairs *pairs, struct ts_err *err)
{
    section_begin(w, TAG_PAIR);
    bbw_u8(&w->buf, (uint8_t)pairs->kind);
    bbw_varint(&w->buf, pairs->total);
    bbw_varint(&w->buf, pairs->dropped);
    bbw_varint(&w->buf, pairs->n);
    for (size_t i = 0; i < pairs->n; i++) {
        const struct sf_pair *p = &pairs->pair[i];
        size_t al = p->alen > PAIR_MAX ? PAIR_MAX : p->alen;
        size_t bl = p->blen > PAIR_MAX ? PAIR_MAX : p->blen;
        bbw_str(&w->buf, p->a, al);
        bbw_str(&w->buf, p->b, bl);
        bbw_varint(&w->buf, p->count);
    }
    w->n_pairs++;
    return section_end(w, err);
}

static void put_capture(struct bb_writer *b, const struct capture_counts *c)
{
    bbw_varint(b, c->received);
    bbw_varint(b, c->dropped_kernel);
    bbw_varint(b, c->dropped_iface);
}

int sf_writer_capture(struct sf_writer *w, double start, const struct capture_counts *c,
                      struct ts_err *err)
{
    section_begin(w, TAG_CAPI);
    bbw_f64(&w->buf, start);
    put_capture(&w->buf, c);
    w->n_captures++;
    return section_end(w, err);
}

int sf_writer_finish(struct sf_writer *w, const struct sf_run *run, struct ts_err *err)
{
    struct bb_writer *b = &w->buf;
    if (run->has_capture) {
        section_begin(w, TAG_CAPT);
        bbw_varint(b, w->n_captures);
        put_capture(b, &run->capture);
        int rc = section_end(w, err);
        if (rc != 0)
            return rc;
    }
    section_begin(w, TAG_END);
    bbw_varint(b, w->n_summaries);
    bbw_varint(b, w->n_pairs);
    bbw_f64(b, run->first);
    bbw_f64(b, run->last);
    bbw_varint(b, run->corrupt_lines);
    bbw_varint(b, run->frames);
    bbw_varint(b, run->not_ip);
    bbw_varint(b, run->not_decoded);
    bbw_varint(b, run->damaged);
    bbw_varint(b, run->drops);
    bbw_varint(b, run->offloaded);
    bbw_varint(b, run->late);
    bbw_u8(b, run->input_damaged ? 1 : 0);
    int rc = section_end(w, err);
    if (rc != 0)
        return rc;
    if (fflush(w->out) != 0)
        return ts_err_errno(err, TS_EIO, errno, "cannot write the summary file");
    return 0;
}

uint64_t sf_writer_bytes(const struct sf_writer *w)
{
    return w->bytes;
}

void sf_writer_free(struct sf_writer *w)
{
    if (w == NULL)
        return;
    bbw_free(&w->buf);
    free(w);
}

/* ---- reader ---------------------------------------------------------------- */

struct sf_reader {
    FILE *in;
    uint64_t seed;
    struct sf_limits lim;
    uint64_t offset; /* of the next byte */
    uint64_t sec_at; /* offset of the current section */
    char tag[5];
    uint8_t *buf; /* the current section's payload */
    size_t len, cap;
    struct sf_params params;
    char *arena; /* the parameters' strings */
    struct sf_net *nets;
    uint8_t *ports;
    bool same_seed, ended;
    uint64_t n_summaries, n_pairs, n_captures;
    struct summary *summary; /* the last one handed out */
    struct sf_pair *pairs;
    struct sf_run run;
};

/* Reads exactly n bytes into p; returns how many were read before the end. */
static size_t read_n(struct sf_reader *r, void *p, size_t n)
{
    size_t got = n > 0 ? fread(p, 1, n, r->in) : 0;
    r->offset += got;
    return got;
}

/* Reads the next section into r->buf. Returns 1, 0 at a clean end of file
 * (no section began), or a negative code. The buffer grows with the bytes
 * that arrive, not with the length the frame claims. */
static int read_section(struct sf_reader *r, struct ts_err *err)
{
    uint8_t frame[FRAME];
    r->sec_at = r->offset;
    size_t got = read_n(r, frame, FRAME);
    if (got == 0 && feof(r->in))
        return 0;
    if (ferror(r->in))
        return ts_err_errno(err, TS_EIO, errno, "cannot read");
    if (got < FRAME)
        return ts_err_set(err, TS_EDAMAGED,
                          "truncated summary file: section header cut at offset %llu",
                          (unsigned long long)r->sec_at);
    memcpy(r->tag, frame, 4);
    r->tag[4] = '\0';
    for (int i = 0; i < 4; i++)
        if (frame[i] < 0x20 || frame[i] > 0x7e)
            return ts_err_set(err, TS_EDAMAGED,
                              "damaged summary file: no section tag at offset %llu",
                              (unsigned long long)r->sec_at);
    uint32_t len = (uint32_t)frame[4] | (uint32_t)frame[5] << 8 | (uint32_t)frame[6] << 16 |
                   (uint32_t)frame[7] << 24;
    if (len > r->lim.max_section)
        return ts_err_set(err, TS_EDAMAGED,
                          "damaged summary file: section '%s' of %lu bytes at offset %llu is "
                          "over the limit of %zu",
                          r->tag, (unsigned long)len, (unsigned long long)r->sec_at,
                          r->lim.max_section);
    r->len = 0;
    while (r->len < len) {
        if (r->len == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 4096;
            if (cap > len)
                cap = len;
            uint8_t *nb = realloc(r->buf, cap);
            if (nb == NULL)
                return ts_err_set(err, TS_ENOMEM, "out of memory");
            r->buf = nb;
            r->cap = cap;
        }
        size_t want = (r->cap < len ? r->cap : len) - r->len;
        size_t n = read_n(r, r->buf + r->len, want);
        r->len += n;
        if (n < want) {
            if (ferror(r->in))
                return ts_err_errno(err, TS_EIO, errno, "cannot read");
            return ts_err_set(err, TS_EDAMAGED,
                              "truncated summary file: section '%s' at offset %llu cut at "
                              "offset %llu",
                              r->tag, (unsigned long long)r->sec_at, (unsigned long long)r->offset);
        }
    }
    uint8_t crc[4];
    if (read_n(r, crc, 4) < 4) {
        if (ferror(r->in))
            return ts_err_errno(err, TS_EIO, errno, "cannot read");
        return ts_err_set(err, TS_EDAMAGED,
                          "truncated summary file: checksum of section '%s' at offset %llu cut",
                          r->tag, (unsigned long long)r->sec_at);
    }
    uint32_t want =
        (uint32_t)crc[0] | (uint32_t)crc[1] << 8 | (uint32_t)crc[2] << 16 | (uint32_t)crc[3] << 24;
    uint32_t have = crc32c(crc32c(0, frame, FRAME), r->buf, r->len);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    have = want; /* the fuzzer reaches the decoders past the checksums */
#endif
    if (have != want)
        return ts_err_set(err, TS_EDAMAGED,
                          "damaged summary file: bad checksum of section '%s' at offset %llu",
                          r->tag, (unsigned long long)r->sec_at);
    return 1;
}

/* A malformed payload: the offset of the byte where reading failed. */
static int malformed(struct sf_reader *r, const struct bb_reader *b, const char *what,
                     struct ts_err *err)
{
    return ts_err_set(err, TS_EDAMAGED, "damaged summary file: bad %s at offset %llu", what,
                      (unsigned long long)(r->sec_at + FRAME + b->pos));
}

static bool get_sizes(struct bb_reader *b, struct summary_sizes *z, size_t max_summary)
{
    uint64_t v[5];
    for (int i = 0; i < 5; i++)
        v[i] = bbr_varint(b);
    unsigned p = bbr_u8(b);
    for (int i = 0; i < 5; i++)
        if (v[i] > ((uint64_t)1 << 40))
            return bbr_fail(b);
    *z = (struct summary_sizes){(size_t)v[0], (size_t)v[1], (size_t)v[2],
                                (size_t)v[3], (size_t)v[4], p, 0};
    size_t cost = summary_mem_bytes_for(z);
    bool cms_ok = z->cms_w == 0 || z->k_addrs == 0 || cms_mem_bytes_for(z->cms_w, z->cms_d) != 0;
    if (!bbr_ok(b) || cost == 0 || cost > max_summary || !cms_ok)
        return bbr_fail(b);
    return true;
}

/* A network list: counts checked against the limit and against the bytes
 * left (each entry takes at least 2) before the array is allocated;
 * strings copied NUL-terminated into the arena at *at. */
static bool get_nets(struct sf_reader *r, struct bb_reader *b, struct sf_net **out, size_t *n,
                     size_t *used, char **at)
{
    uint64_t count = bbr_varint(b);
    if (!bbr_ok(b) || count > r->lim.max_nets || count > bbr_left(b) / 2)
        return bbr_fail(b);
    *out = r->nets + *used;
    *n = (size_t)count;
    for (size_t i = 0; i < *n; i++) {
        const char **dst[2] = {&(*out)[i].cidr, &(*out)[i].descr};
        for (int j = 0; j < 2; j++) {
            size_t len;
            const uint8_t *s = bbr_str(b, STR_MAX, &len);
            if (s == NULL || memchr(s, '\0', len) != NULL)
                return bbr_fail(b);
            memcpy(*at, s, len);
            (*at)[len] = '\0';
            *dst[j] = *at;
            *at += len + 1;
        }
    }
    *used += *n;
    return true;
}

static int get_params(struct sf_reader *r, struct ts_err *err)
{
    struct bb_reader b;
    bbr_init(&b, r->buf, r->len);
    struct sf_params *p = &r->params;
    /* every string and network fits in what the section holds */
    r->arena = malloc(r->len + 1);
    r->nets = calloc(r->len / 2 + 1, sizeof *r->nets);
    if (r->arena == NULL || r->nets == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    char *at = r->arena;
    unsigned f = bbr_u8(&b);
    p->conns = f & P_CONNS;
    p->by_bytes = f & P_BYTES;
    p->tcp_only = f & P_TCP;
    p->udp_only = f & P_UDP;
    p->chema = f & P_CHEMA;
    p->external = f & P_EXTERNAL;
    p->factor_float = f & P_FACTOR_FLOAT;
    p->ilen = bbr_varint(&b);
    p->mintime = bbr_f64(&b);
    p->maxtime = bbr_f64(&b);
    p->factor = bbr_f64(&b);
    p->sample_p = bbr_f64(&b);
    if (!bbr_ok(&b))
        return malformed(r, &b, "parameters", err);
    if (f & P_PORTS) {
        r->ports = calloc(PORT_BITS / 8, 1);
        if (r->ports == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory");
        uint64_t n = bbr_varint(&b);
        if (n > PORT_BITS)
            bbr_fail(&b);
        size_t next = 0;
        for (uint64_t i = 0; i < n && bbr_ok(&b); i++) {
            uint64_t skip = bbr_varint(&b);
            if (skip >= PORT_BITS - next) {
                bbr_fail(&b);
                break;
            }
            next += (size_t)skip;
            r->ports[next >> 3] |= (uint8_t)(1u << (next & 7));
            next++;
        }
        if (!bbr_ok(&b))
            return malformed(r, &b, "port list (-p)", err);
        p->port_set = r->ports;
    }
    size_t used = 0;
    struct sf_net *local = NULL, *exclude = NULL;
    if (!get_nets(r, &b, &local, &p->n_local, &used, &at))
        return malformed(r, &b, "network list (-l)", err);
    if (!get_nets(r, &b, &exclude, &p->n_exclude, &used, &at))
        return malformed(r, &b, "network list (-E)", err);
    p->local = local;
    p->exclude = exclude;
    size_t max = r->lim.max_summary;
    if (!get_sizes(&b, &p->total, max) || !get_sizes(&b, &p->dir, max) ||
        !get_sizes(&b, &p->net, max) || !get_sizes(&b, &p->interval, max))
        return malformed(r, &b, "sketch sizes (or sizes over the memory limit)", err);
    p->seed_fingerprint = bbr_u64(&b);
    size_t vlen;
    const uint8_t *v = bbr_str(&b, STR_MAX, &vlen);
    if (v == NULL || memchr(v, '\0', vlen) != NULL)
        return malformed(r, &b, "version", err);
    memcpy(at, v, vlen);
    at[vlen] = '\0';
    p->version = at;
    if (bbr_left(&b) != 0 || (p->ilen && p->ilen > ((uint64_t)1 << 40)))
        return malformed(r, &b, "parameters", err);
    return 0;
}

struct sf_reader *sf_reader_new(FILE *in, uint64_t seed, const struct sf_limits *lim,
                                struct ts_err *err)
{
    struct sf_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    r->in = in;
    r->seed = seed;
    if (lim != NULL)
        r->lim = *lim;
    if (r->lim.max_section == 0)
        r->lim.max_section = DEFAULT_MAX_SECTION;
    if (r->lim.max_summary == 0)
        r->lim.max_summary = DEFAULT_MAX_SUMMARY;
    if (r->lim.max_nets == 0)
        r->lim.max_nets = DEFAULT_MAX_NETS;
    uint8_t head[HEADER];
    size_t got = read_n(r, head, HEADER);
    int rc = 0;
    if (got < SF_MAGIC_LEN || !sf_is_summary_file(head, got)) {
        rc = ts_err_set(err, TS_EFORMAT, "not a summary file");
        if (ferror(in))
            rc = ts_err_errno(err, TS_EIO, errno, "cannot read");
    } else if (got < HEADER) {
        rc = ts_err_set(err, TS_EDAMAGED, "truncated summary file: version cut at offset %zu", got);
    } else {
        uint32_t v = (uint32_t)head[8] | (uint32_t)head[9] << 8 | (uint32_t)head[10] << 16 |
                     (uint32_t)head[11] << 24;
        if (v != SF_VERSION)
            rc = ts_err_set(err, TS_EFORMAT,
                            "summary file of version %lu at offset 8: this build reads "
                            "version %d",
                            (unsigned long)v, SF_VERSION);
    }
    if (rc == 0) {
        rc = read_section(r, err);
        if (rc == 0)
            rc = ts_err_set(err, TS_EDAMAGED,
                            "truncated summary file: no parameter section at offset %d", HEADER);
        else if (rc > 0 && strcmp(r->tag, TAG_PARM) != 0)
            rc = ts_err_set(err, TS_EDAMAGED,
                            "damaged summary file: section '%s' at offset %d where the "
                            "parameters belong",
                            r->tag, HEADER);
        else if (rc > 0)
            rc = get_params(r, err);
    }
    if (rc < 0) {
        sf_reader_free(r);
        return NULL;
    }
    r->same_seed = r->params.seed_fingerprint == hash_seed_fingerprint(seed);
    return r;
}

const struct sf_params *sf_reader_params(const struct sf_reader *r)
{
    return &r->params;
}

bool sf_reader_same_seed(const struct sf_reader *r)
{
    return r->same_seed;
}

const struct sf_run *sf_reader_run(const struct sf_reader *r)
{
    return &r->run;
}

uint64_t sf_reader_offset(const struct sf_reader *r)
{
    return r->offset;
}

static const struct summary_sizes *role_sizes(const struct sf_params *p, unsigned role)
{
    switch (role) {
    case SF_TOTAL:
        return &p->total;
    case SF_INCOMING:
    case SF_OUTGOING:
        return &p->dir;
    case SF_NETWORK:
        return &p->net;
    default:
        return &p->interval;
    }
}

static int get_summary(struct sf_reader *r, struct sf_item *it, struct ts_err *err)
{
    struct bb_reader b;
    bbr_init(&b, r->buf, r->len);
    uint8_t role = bbr_u8(&b);
    uint64_t index = bbr_varint(&b);
    double start = bbr_f64(&b);
    if (!bbr_ok(&b) || role > SF_INTERVAL || (role == SF_NETWORK && index >= r->params.n_local) ||
        (role == SF_INTERVAL && index > 2) || (role < SF_NETWORK && index != 0))
        return malformed(r, &b, "summary role", err);
    if (!(fabs(start) <= SF_START_MAX))
        return malformed(r, &b, "summary start", err);
    struct summary_sizes z;
    if (summary_decode_sizes(&b, &z) != 0 || !sizes_eq(&z, role_sizes(&r->params, role)))
        return malformed(r, &b, "summary sizes (not those of the parameters)", err);
    /* sizes equal to the parameters' ones, whose cost was checked */
    r->summary = summary_new(&z, r->seed);
    if (r->summary == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    if (summary_decode(r->summary, &b, r->same_seed) != 0)
        return malformed(r, &b, "summary", err);
    if (bbr_left(&b) != 0)
        return malformed(r, &b, "summary (trailing bytes)", err);
    it->kind = SF_ITEM_SUMMARY;
    it->role = role;
    it->index = index;
    it->start = start;
    it->summary = r->summary;
    r->n_summaries++;
    return 1;
}

static int get_pairs(struct sf_reader *r, struct sf_item *it, struct ts_err *err)
{
    struct bb_reader b;
    bbr_init(&b, r->buf, r->len);
    uint8_t kind = bbr_u8(&b);
    uint64_t total = bbr_varint(&b), dropped = bbr_varint(&b), n = bbr_varint(&b);
    /* each pair takes at least 3 bytes: n is bounded before allocating */
    if (!bbr_ok(&b) || kind > SF_PAIRS_NONLOCAL || n > bbr_left(&b) / 3)
        return malformed(r, &b, "pair list", err);
    r->pairs = malloc((n ? n : 1) * sizeof *r->pairs);
    if (r->pairs == NULL)
        return ts_err_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct sf_pair *p = &r->pairs[i];
        p->a = bbr_str(&b, PAIR_MAX, &p->alen);
        p->b = bbr_str(&b, PAIR_MAX, &p->blen);
        p->count = bbr_varint(&b);
        if (!bbr_ok(&b))
            return malformed(r, &b, "pair", err);
    }
    if (bbr_left(&b) != 0)
        return malformed(r, &b, "pair list (trailing bytes)", err);
    it->kind = SF_ITEM_PAIRS;
    it->summary = NULL;
    it->pairs = (struct sf_pairs){kind, total, dropped, (size_t)n, r->pairs};
    r->n_pairs++;
    return 1;
}

static bool get_capture(struct bb_reader *b, struct capture_counts *c)
{
    c->received = bbr_varint(b);
    c->dropped_kernel = bbr_varint(b);
    c->dropped_iface = bbr_varint(b);
    return bbr_ok(b);
}

static int get_capture_interval(struct sf_reader *r, struct sf_item *it, struct ts_err *err)
{
    struct bb_reader b;
    bbr_init(&b, r->buf, r->len);
    double start = bbr_f64(&b);
    if (r->run.has_capture || !get_capture(&b, &it->capture) || bbr_left(&b) != 0 ||
        !(fabs(start) <= SF_START_MAX))
        return malformed(r, &b, "capture counters of an interval", err);
    it->kind = SF_ITEM_CAPTURE;
    it->start = start;
    r->n_captures++;
    return 1;
}

/* The counters over the file's span: once, after every capi section. */
static int get_capture_total(struct sf_reader *r, struct ts_err *err)
{
    struct bb_reader b;
    bbr_init(&b, r->buf, r->len);
    uint64_t n = bbr_varint(&b);
    if (r->run.has_capture || !get_capture(&b, &r->run.capture) || bbr_left(&b) != 0)
        return malformed(r, &b, "capture counters", err);
    if (n != r->n_captures)
        return ts_err_set(err, TS_EDAMAGED,
                          "damaged summary file: the capture section at offset %llu counts %llu "
                          "intervals, the file holds %llu",
                          (unsigned long long)r->sec_at, (unsigned long long)n,
                          (unsigned long long)r->n_captures);
    r->run.has_capture = true;
    return 0;
}

static int get_end(struct sf_reader *r, struct ts_err *err)
{
    struct bb_reader b;
    bbr_init(&b, r->buf, r->len);
    uint64_t ns = bbr_varint(&b), np = bbr_varint(&b);
    struct sf_run *run = &r->run;
    run->first = bbr_f64(&b);
    run->last = bbr_f64(&b);
    run->corrupt_lines = bbr_varint(&b);
    run->frames = bbr_varint(&b);
    run->not_ip = bbr_varint(&b);
    run->not_decoded = bbr_varint(&b);
    run->damaged = bbr_varint(&b);
    run->drops = bbr_varint(&b);
    run->offloaded = bbr_varint(&b);
    run->late = bbr_varint(&b);
    uint8_t dmg = bbr_u8(&b);
    if (!bbr_ok(&b) || dmg > 1 || bbr_left(&b) != 0)
        return malformed(r, &b, "end section", err);
    run->input_damaged = dmg;
    if (r->n_captures > 0 && !run->has_capture)
        return ts_err_set(err, TS_EDAMAGED,
                          "damaged summary file: capture counters of %llu intervals but none "
                          "in total before the end section at offset %llu",
                          (unsigned long long)r->n_captures, (unsigned long long)r->sec_at);
    if (ns != r->n_summaries || np != r->n_pairs)
        return ts_err_set(err, TS_EDAMAGED,
                          "damaged summary file: the end section at offset %llu counts %llu "
                          "summaries and %llu lists, the file holds %llu and %llu",
                          (unsigned long long)r->sec_at, (unsigned long long)ns,
                          (unsigned long long)np, (unsigned long long)r->n_summaries,
                          (unsigned long long)r->n_pairs);
    uint8_t extra;
    if (read_n(r, &extra, 1) != 0)
        return ts_err_set(err, TS_EDAMAGED,
                          "damaged summary file: bytes after the end section at offset %llu",
                          (unsigned long long)(r->offset - 1));
    /* the end of the stream, not an error reading it (a compressed file's
     * checksum is checked there) */
    if (ferror(r->in))
        return ts_err_errno(err, TS_EIO, errno, "cannot read");
    r->ended = true;
    return 0;
}

int sf_reader_next(struct sf_reader *r, struct sf_item *it, struct ts_err *err)
{
    memset(it, 0, sizeof *it);
    summary_free(r->summary);
    r->summary = NULL;
    free(r->pairs);
    r->pairs = NULL;
    if (r->ended)
        return 0;
    for (;;) {
        int rc = read_section(r, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return ts_err_set(err, TS_EDAMAGED,
                              "truncated summary file: no end section at offset %llu",
                              (unsigned long long)r->offset);
        if (strcmp(r->tag, TAG_SUMM) == 0)
            return get_summary(r, it, err);
        if (strcmp(r->tag, TAG_PAIR) == 0)
            return get_pairs(r, it, err);
        if (strcmp(r->tag, TAG_END) == 0)
            return get_end(r, err);
        if (strcmp(r->tag, TAG_CAPI) == 0)
            return get_capture_interval(r, it, err);
        if (strcmp(r->tag, TAG_CAPT) == 0) {
            int rc2 = get_capture_total(r, err);
            if (rc2 != 0)
                return rc2;
            continue;
        }
        /* a section a later version added: skipped when its tag starts
         * in lower case (it may be ignored), refused otherwise */
        if (r->tag[0] < 'a' || r->tag[0] > 'z')
            return ts_err_set(err, TS_EDAMAGED,
                              "damaged summary file: unknown section '%s' at offset %llu", r->tag,
                              (unsigned long long)r->sec_at);
    }
}

void sf_reader_free(struct sf_reader *r)
{
    if (r == NULL)
        return;
    summary_free(r->summary);
    free(r->pairs);
    free(r->buf);
    free(r->arena);
    free(r->nets);
    free(r->ports);
    free(r);
}
