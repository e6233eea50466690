/* netset.c - network lists (-l, -E) read from a file, with longest-prefix lookup. */
#include "config.h"

#include "netset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"

#define NETSET_MAX_LINE (1u << 20)
#define NETSET_MAX_NETS (1u << 22)

struct net {
    uint8_t addr[16]; /* masked; an IPv4 address's bytes 4-15 are 0 */
    uint8_t len;      /* 4 or 16 */
    uint8_t prefix;
    char *cidr;
    char *descr;
};

/* A prefix length present in the file, with its mask over 16 bytes. */
struct plen {
    uint64_t mask[2];
    unsigned prefix;
};

struct netset {
    struct net *nets;
    size_t count, cap;
    int32_t *index; /* open addressing: net index or -1 */
    size_t index_mask;
    uint64_t seed;
    /* distinct (family, prefix) pairs present, longest first */
    struct plen lens[2][129];
    size_t nlens[2];
};

static void mask_addr(uint8_t *a, size_t len, unsigned prefix)
{
    for (size_t i = 0; i < len; i++) {
        unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
        if (bits >= 8)
            continue;
        a[i] &= (uint8_t)(0xffu << (8 - bits));
    }
}

/* The hash of a masked address in 16 bytes (zero past len), with its
 * family and prefix length in the seed. */
static uint64_t net_hash(const struct netset *s, const uint8_t a[16], size_t len, unsigned prefix)
{
    return hash64_16(a, 16,
                     s->seed ^ ((uint64_t)(prefix << 1 | (len == 16)) * 0x9e3779b97f4a7c15u));
}

int netset_parse_cidr(const char *text, uint8_t addr[16], uint8_t *addr_len, unsigned *prefix)
{
    char buf[64];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, text, n + 1);
    char *slash = strchr(buf, '/');
    long p = -1;
    if (slash != NULL) {
        *slash = '\0';
        char *end;
        errno = 0;
        if (slash[1] < '0' || slash[1] > '9')
            return -1;
        p = strtol(slash + 1, &end, 10);
        if (errno != 0 || *end != '\0')
            return -1;
    }
    if (strchr(buf, ':') != NULL) {
        if (inet_pton(AF_INET6, buf, addr) != 1)
            return -1;
        *addr_len = 16;
    } else {
        if (inet_pton(AF_INET, buf, addr) != 1)
            return -1;
        *addr_len = 4;
    }
    unsigned maxp = *addr_len * 8u;
    if (p < 0)
        p = (long)maxp;
    if ((unsigned long)p > maxp)
        return -1;
    *prefix = (unsigned)p;
    mask_addr(addr, *addr_len, *prefix);
    return 0;
}

/* a: the masked address in 16 bytes, zero past len */
static int index_find(const struct netset *s, const uint8_t a[16], size_t len, unsigned prefix,
                      uint64_t h)
{
    for (size_t i = h & s->index_mask;; i = (i + 1) & s->index_mask) {
        int32_t v = s->index[i];
        if (v < 0)
            return -1;
        const struct net *nt = &s->nets[v];
        if (nt->len == len && nt->prefix == prefix && memcmp(nt->addr, a, 16) == 0)
            return v;
    }
}

static int build_index(struct netset *s)
{
    size_t slots = 16;
    while (slots < s->count * 2 + 1)
        slots *= 2;
    s->index = malloc(slots * sizeof *s->index);
    if (s->index == NULL)
        return -1;
    memset(s->index, 0xff, slots * sizeof *s->index);
    s->index_mask = slots - 1;
    bool seen[2][129] = {{false}};
    for (size_t n = 0; n < s->count; n++) {
        struct net *nt = &s->nets[n];
        uint64_t h = net_hash(s, nt->addr, nt->len, nt->prefix);
        if (index_find(s, nt->addr, nt->len, nt->prefix, h) >= 0)
            continue; /* a duplicate: the first one wins */
        size_t i = h & s->index_mask;
        while (s->index[i] >= 0)
            i = (i + 1) & s->index_mask;
        s->index[i] = (int32_t)n;
        seen[nt->len == 16][nt->prefix] = true;
    }
    for (int f = 0; f < 2; f++) {
        for (int p = 128; p >= 0; p--) {
            if (!seen[f][p])
                continue;
            struct plen *l = &s->lens[f][s->nlens[f]++];
            uint8_t m[16] = {0};
            memset(m, 0xff, f ? 16 : 4);
            mask_addr(m, f ? 16 : 4, (unsigned)p);
            memcpy(l->mask, m, sizeof l->mask);
            l->prefix = (unsigned)p;
        }
    }
    return 0;
}

static char *dup_range(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static int add_line(struct netset *s, char *line, size_t lineno, netset_bad_line_fn bad, void *ctx)
{
    /* strip leading/trailing white space */
    char *p = line;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
        p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n' ||
                     p[n - 1] == '\v' || p[n - 1] == '\f'))
        p[--n] = '\0';
    if (n == 0 || p[0] == '#')
        return 0;
    size_t w = strcspn(p, " \t\v\f\r");
    char *first = dup_range(p, w);
    if (first == NULL)
        return -1;
    /* description: remaining words joined by single spaces */
    char *descr = malloc(n + 1);
    if (descr == NULL) {
        free(first);
        return -1;
    }
    size_t dl = 0;
    const char *q = p + w;
    for (;;) {
        q += strspn(q, " \t\v\f\r");
        if (*q == '\0')
            break;
        size_t wl = strcspn(q, " \t\v\f\r");
        if (dl > 0)
            descr[dl++] = ' ';
        memcpy(descr + dl, q, wl);
        dl += wl;
        q += wl;
    }
    descr[dl] = '\0';

    struct net nt = {0};
    unsigned prefix;
    if (netset_parse_cidr(first, nt.addr, &nt.len, &prefix) != 0) {
        if (bad != NULL)
            bad(ctx, lineno, first);
        free(first);
        free(descr);
        return 0;
    }
    nt.prefix = (uint8_t)prefix;
    nt.cidr = first;
    nt.descr = descr;
    if (s->count == s->cap) {
        if (s->cap >= NETSET_MAX_NETS) {
            free(first);
            free(descr);
            return -2;
        }
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct net *nn = realloc(s->nets, nc * sizeof *nn);
        if (nn == NULL) {
            free(first);
            free(descr);
            return -1;
        }
        s->nets = nn;
        s->cap = nc;
    }
    s->nets[s->count++] = nt;
    return 0;
}

struct netset *netset_read(const char *path, netset_bad_line_fn bad, void *ctx, struct ts_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ts_err_errno(err, TS_EIO, errno, "'%s'", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        ts_err_set(err, TS_EIO, "'%s': is a directory", path);
        return NULL;
    }
    struct netset *s = calloc(1, sizeof *s);
    char *line = malloc(NETSET_MAX_LINE + 1);
    if (s == NULL || line == NULL) {
        free(s);
        free(line);
        fclose(f);
        ts_err_set(err, TS_ENOMEM, "out of memory reading '%s'", path);
        return NULL;
    }
    s->seed = hash_random_seed();
    size_t lineno = 0;
    int rc = 0;
    for (;;) {
        size_t len = 0;
        int c;
        bool too_long = false;
        while ((c = getc(f)) != EOF && c != '\n') {
            if (c == '\0') {
                rc = -3;
                break;
            }
            if (len < NETSET_MAX_LINE)
                line[len++] = (char)c;
            else
                too_long = true;
        }
        if (rc != 0)
            break;
        if (c == EOF && len == 0) {
            if (ferror(f))
                rc = -4;
            break;
        }
        lineno++;
        if (too_long) {
            rc = -3;
            break;
        }
        line[len] = '\0';
        rc = add_line(s, line, lineno, bad, ctx);
        if (rc != 0)
            break;
        if (c == EOF)
            break;
    }
    if (rc == 0 && build_index(s) != 0)
        rc = -1;
    free(line);
    fclose(f);
    if (rc != 0) {
        if (rc == -3)
            ts_err_set(err, TS_EFORMAT, "'%s': not a network list (binary data at line %zu)", path,
                       lineno + 1);
        else if (rc == -4)
            ts_err_set(err, TS_EIO, "'%s': read error", path);
        else if (rc == -2)
            ts_err_set(err, TS_ERANGE, "'%s': too many networks", path);
        else
            ts_err_set(err, TS_ENOMEM, "out of memory reading '%s'", path);
        netset_free(s);
        return NULL;
    }
    return s;
}

void netset_free(struct netset *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->nets[i].cidr);
        free(s->nets[i].descr);
    }
    free(s->nets);
    free(s->index);
    free(s);
}

int netset_lookup(const struct netset *s, const uint8_t *addr, size_t len)
{
    if (s == NULL || s->count == 0 || (len != 4 && len != 16))
        return -1;
    int f = len == 16;
    uint64_t w[2] = {0, 0};
    memcpy(w, addr, len);
    /* each prefix length: the address masked a word at a time (the byte
     * loop and a general hash were a tenth of a run with -l) */
    for (size_t i = 0; i < s->nlens[f]; i++) {
        const struct plen *l = &s->lens[f][i];
        uint64_t m[2] = {w[0] & l->mask[0], w[1] & l->mask[1]};
        uint8_t a[16];
        memcpy(a, m, sizeof a);
        int v = index_find(s, a, len, l->prefix, net_hash(s, a, len, l->prefix));
        if (v >= 0)
            return v;
    }
    return -1;
}

size_t netset_count(const struct netset *s)
{
    return s ? s->count : 0;
}

const char *netset_cidr(const struct netset *s, size_t i)
{
    return s->nets[i].cidr;
}

const char *netset_descr(const struct netset *s, size_t i)
{
    return s->nets[i].descr;
}
