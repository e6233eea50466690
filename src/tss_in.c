/* tss_in.c - summary files as inputs: recognised, checked whole, compared and merged. */
#include "config.h"

#include "tss_in.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "input.h"
#include "reader.h"
#include "spill.h"

#define PORT_BYTES (65536 / 8)

struct tss_params {
    struct sf_params p;
    struct sf_net *local, *exclude;
    uint8_t *ports;
};

/* A summary file's bytes, decompressed when they are gzip or zstd (as
 * archives keep them), as a stdio stream for the file's reader. The
 * stream owns the input. */
struct tss_src {
    struct ts_input *in;
    struct ts_err err; /* the input's first error, for the message */
};

static ssize_t src_read(void *c, char *buf, size_t n)
{
    struct tss_src *s = c;
    struct ts_err e;
    ts_err_clear(&e);
    ssize_t got = ts_input_read(s->in, buf, n, &e);
    if (got >= 0)
        return got;
    if (s->err.code == TS_OK)
        s->err = e;
    errno = EIO;
    return -1;
}

static int src_close(void *c)
{
    struct tss_src *s = c;
    ts_input_close(s->in);
    free(s);
    return 0;
}

/* Opens path through the decoders (small buffers, no decode thread: the
 * file is read through once per pass, and the merge, not the inflating,
 * takes the time). *src: the stream's state, for its error. */
static FILE *src_open(const char *path, struct tss_src **src, struct ts_err *err)
{
    struct tss_src *s = calloc(1, sizeof *s);
    if (s == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    ts_err_clear(&s->err);
    s->in = ts_input_open_flags(path, TS_INPUT_LOWMEM, err);
    if (s->in == NULL) {
        free(s);
        return NULL;
    }
    cookie_io_functions_t io = {.read = src_read, .close = src_close};
    FILE *f = fopencookie(s, "rb", io);
    if (f == NULL) {
        ts_input_close(s->in);
        free(s);
        ts_err_set(err, TS_ENOMEM, "'%s': cannot create a stream", path);
        return NULL;
    }
    *src = s;
    return f;
}

bool tss_is_summary_file(const char *path)
{
    /* a pipe or a device would lose the bytes looked at */
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    struct ts_err e;
    struct ts_input *in = ts_input_open_flags(path, TS_INPUT_LOWMEM, &e);
    if (in == NULL)
        return false;
    unsigned char head[SF_MAGIC_LEN];
    ssize_t n = ts_input_read_full(in, head, sizeof head, &e);
    ts_input_close(in);
    const struct reader_format *fm = n > 0 ? reader_identify(head, (size_t)n) : NULL;
    return fm != NULL && fm->kind == READER_SUMMARY;
}

static void free_nets(struct sf_net *n, size_t count)
{
    for (size_t i = 0; n != NULL && i < count; i++) {
        free((char *)n[i].cidr);
        free((char *)n[i].descr);
    }
    free(n);
}

void tss_params_free(struct tss_params *p)
{
    if (p == NULL)
        return;
    free_nets(p->local, p->p.n_local);
    free_nets(p->exclude, p->p.n_exclude);
    free(p->ports);
    free((char *)p->p.version);
    free(p);
}

/* Copies n networks given by their texts into *out. */
static int copy_nets(struct sf_net **out, size_t n, const char *(*cidr)(const void *, size_t),
                     const char *(*descr)(const void *, size_t), const void *src)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (*out == NULL)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].cidr = strdup(cidr(src, i));
        (*out)[i].descr = strdup(descr(src, i));
        if ((*out)[i].cidr == NULL || (*out)[i].descr == NULL)
            rc = -1;
    }
    return rc;
}

static const char *set_cidr(const void *s, size_t i)
{
    return netset_cidr(s, i);
}
static const char *set_descr(const void *s, size_t i)
{
    return netset_descr(s, i);
}
static const char *list_cidr(const void *s, size_t i)
{
    return ((const struct sf_net *)s)[i].cidr;
}
static const char *list_descr(const void *s, size_t i)
{
    return ((const struct sf_net *)s)[i].descr;
}

static struct tss_params *params_new(void)
{
    struct tss_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->p.version = strdup(PACKAGE_VERSION);
    if (p->p.version == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

struct tss_params *tss_params_of_run(const struct engine_opts *o, uint64_t seed)
{
    struct tss_params *p = params_new();
    if (p == NULL)
        return NULL;
    struct sf_params *q = &p->p;
    q->conns = o->conns;
    q->by_bytes = o->by_bytes;
    q->tcp_only = o->tcp_only;
    q->udp_only = o->udp_only;
    q->chema = o->chema;
    q->external = o->external;
    q->ilen = o->ilen > 0 ? (uint64_t)o->ilen : 0;
    q->mintime = o->mintime;
    q->maxtime = o->maxtime;
    q->factor = o->factor;
    q->factor_float = o->factor_float;
    q->sample_p = o->sample_p;
    q->seed_fingerprint = hash_seed_fingerprint(seed);
    int rc = 0;
    if (o->port_set != NULL && o->port_set_nonempty) {
        if ((p->ports = malloc(PORT_BYTES)) == NULL)
            rc = -1;
        else
            memcpy(p->ports, o->port_set, PORT_BYTES);
        q->port_set = p->ports;
    }
    q->n_local = netset_count(o->local_nets);
    q->n_exclude = netset_count(o->exclude_nets);
    if (rc == 0 && o->local_nets)
        rc = copy_nets(&p->local, q->n_local, set_cidr, set_descr, o->local_nets);
    if (rc == 0 && o->exclude_nets)
        rc = copy_nets(&p->exclude, q->n_exclude, set_cidr, set_descr, o->exclude_nets);
    q->local = p->local;
    q->exclude = p->exclude;
    if (rc != 0) {
        tss_params_free(p);
        return NULL;
    }
    return p;
}

/* A copy of what the reader's parameters hold. */
static struct tss_params *params_copy(const struct sf_params *src)
{
    struct tss_params *p = params_new();
    if (p == NULL)
        return NULL;
    const char *version = p->p.version;
    p->p = *src;
    p->p.version = version;
    p->p.local = p->p.exclude = NULL;
    p->p.port_set = NULL;
    int rc = copy_nets(&p->local, src->n_local, list_cidr, list_descr, src->local);
    if (rc == 0)
        rc = copy_nets(&p->exclude, src->n_exclude, list_cidr, list_descr, src->exclude);
    if (rc == 0 && src->port_set != NULL) {
        if ((p->ports = malloc(PORT_BYTES)) == NULL)
            rc = -1;
        else
            memcpy(p->ports, src->port_set, PORT_BYTES);
    }
    p->p.local = p->local;
    p->p.exclude = p->exclude;
    p->p.port_set = p->ports;
    if (rc != 0) {
        tss_params_free(p);
        return NULL;
    }
    return p;
}

void tss_params_set_sizes(struct tss_params *p, const struct summary_sizes z[4])
{
    p->p.total = z[0];
    p->p.dir = z[1];
    p->p.net = z[2];
    p->p.interval = z[3];
}

const struct sf_params *tss_params_get(const struct tss_params *p)
{
    return &p->p;
}

void tss_params_copy_exclude(struct tss_params *dst, const struct tss_params *src)
{
    struct sf_net *copy;
    if (copy_nets(&copy, src->p.n_exclude, list_cidr, list_descr, src->exclude) != 0) {
        free_nets(copy, src->p.n_exclude);
        return;
    }
    free_nets(dst->exclude, dst->p.n_exclude);
    dst->exclude = copy;
    dst->p.exclude = copy;
    dst->p.n_exclude = src->p.n_exclude;
}

/* Names the file in the reader's message; a read error of a compressed
 * file is told by its decoder (a cut or corrupt stream: damaged). */
static int named(const char *path, const struct tss_src *src, int rc, struct ts_err *err)
{
    if (rc == TS_EIO && src != NULL && src->err.code != TS_OK) {
        *err = src->err; /* names the file already */
        return err->code;
    }
    char msg[TS_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return ts_err_set(err, rc, "'%s': %s", path, msg);
}

static struct sf_reader *open_file(const char *path, uint64_t seed, FILE **f, struct tss_src **src,
                                   struct ts_err *err)
{
    *f = src_open(path, src, err);
    if (*f == NULL)
        return NULL;
    struct sf_reader *r = sf_reader_new(*f, seed, NULL, err);
    if (r == NULL) {
        named(path, *src, err->code, err);
        fclose(*f);
    }
    return r;
}

int tss_check(const char *path, uint64_t seed, struct tss_params **out, struct ts_err *err)
{
    FILE *f;
    struct tss_src *src;
    struct sf_reader *r = open_file(path, seed, &f, &src, err);
    if (r == NULL)
        return err->code;
    struct sf_item it;
    int rc;
    while ((rc = sf_reader_next(r, &it, err)) > 0)
        ;
    if (rc == 0 && (*out = params_copy(sf_reader_params(r))) == NULL)
        rc = ts_err_set(err, TS_ENOMEM, "out of memory");
    else if (rc < 0)
        rc = named(path, src, rc, err);
    sf_reader_free(r);
    fclose(f);
    return rc;
}

int tss_params_to_opts(const struct tss_params *p, struct engine_opts *o, struct netset **local,
                       uint8_t **ports, struct ts_err *err)
{
    const struct sf_params *q = &p->p;
    o->conns = q->conns;
    o->by_bytes = q->by_bytes;
    o->tcp_only = q->tcp_only;
    o->udp_only = q->udp_only;
    o->chema = q->chema;
    o->external = q->external;
    o->ilen = (long long)q->ilen;
    o->mintime = q->mintime;
    o->maxtime = q->maxtime;
    o->factor = q->factor;
    o->factor_float = q->factor_float;
    o->sample_p = q->sample_p;
    *ports = NULL;
    *local = NULL;
    if (q->port_set != NULL) {
        if ((*ports = malloc(PORT_BYTES)) == NULL)
            return ts_err_set(err, TS_ENOMEM, "out of memory");
        memcpy(*ports, q->port_set, PORT_BYTES);
        o->port_set = *ports;
        o->port_set_nonempty = true;
    }
    o->local_nets = NULL;
    if (q->n_local == 0)
        return 0;
    /* the networks as a file lists them, read by the network file's reader */
    FILE *f = ts_tmpfile(err);
    if (f == NULL)
        return err->code;
    for (size_t i = 0; i < q->n_local; i++)
        fprintf(f, "%s %s\n", q->local[i].cidr, q->local[i].descr);
    if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return ts_err_errno(err, TS_EIO, errno ? errno : EIO, "the temporary network list");
    }
    *local = netset_read_stream(f, "the networks of a summary file", NULL, NULL, err);
    if (*local == NULL)
        return err->code;
    o->local_nets = *local;
    return 0;
}

int tss_merge(struct engine *e, const char *path, uint64_t seed, struct sf_run *run, bool *lost,
              struct ts_err *err)
{
    FILE *f;
    struct tss_src *src;
    struct sf_reader *r = open_file(path, seed, &f, &src, err);
    if (r == NULL)
        return err->code;
    *lost = !sf_reader_same_seed(r);
    struct sf_item it;
    int rc;
    while ((rc = sf_reader_next(r, &it, err)) > 0) {
        if (it.kind == SF_ITEM_PAIRS)
            engine_merge_pairs(e, &it.pairs);
        else if (it.kind == SF_ITEM_CAPTURE) {
            if ((rc = engine_merge_capture(e, it.start, &it.capture, err)) != 0)
                break;
        } else if ((rc = engine_merge_summary(e, it.role, it.index, it.start, it.summary, err)) != 0)
            break;
    }
    if (rc == 0) {
        const struct sf_run *s = sf_reader_run(r);
        if (run->first == 0 || (s->first != 0 && s->first < run->first))
            run->first = s->first;
        if (s->last > run->last)
            run->last = s->last;
        run->corrupt_lines += s->corrupt_lines;
        run->frames += s->frames;
        run->not_ip += s->not_ip;
        run->not_decoded += s->not_decoded;
        run->damaged += s->damaged;
        run->drops += s->drops;
        if (s->has_capture) {
            run->has_capture = true;
            capture_add(&run->capture, &s->capture);
        }
        run->offloaded += s->offloaded;
        run->late += s->late;
        run->input_damaged |= s->input_damaged;
        engine_merge_late(e, s->late);
    } else {
        rc = named(path, src, rc, err);
    }
    sf_reader_free(r);
    fclose(f);
    return rc;
}
