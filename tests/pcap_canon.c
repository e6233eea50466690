/*
 * pcap_canon.c - test helper: reads a trace through pcap_in and prints the
 * exact figures of its Total block in the canonical form of
 * ../shared/tools/pcap_oracle.py, so the two can be diffed:
 *
 *   pkts N / bytes N / frags N / unsupported N, then per column (ports,
 *   srcs, dsts, prots) the top N rows "col key pct", count descending then
 *   key descending, port 0 and protocol 0 never shown, pct as "%5.1f"
 *   without its padding.
 *
 * Usage: pcap_canon [-b] [-n N] TRACE
 * The reader's statistics (frames, packets, not IP, damaged, offloaded,
 * unsupported) go to stderr as one line.
 * Counting is exact (a growing hash table): a test helper, not the tool.
 * Exit status 0, or 1 when the trace could not be read to its end (the
 * figures of the packets before the error are printed all the same, the
 * error goes to stderr).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "pcap_in.h"

struct addr_slot {
    struct ts_addr a;
    uint64_t count;
};

struct addr_map {
    struct addr_slot *slots;
    size_t cap, used;
};

static uint64_t addr_hash(const struct ts_addr *a)
{
    uint64_t h = 1469598103934665603ull ^ a->len;
    for (unsigned i = 0; i < a->len; i++) {
        h ^= a->b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void die_nomem(void)
{
    fputs("pcap_canon: out of memory\n", stderr);
    exit(2);
}

static void addr_add(struct addr_map *m, const struct ts_addr *a, uint64_t w);

static void addr_grow(struct addr_map *m)
{
    struct addr_map n = {calloc(m->cap ? m->cap * 2 : 1024, sizeof *n.slots),
                         m->cap ? m->cap * 2 : 1024, 0};
    if (n.slots == NULL)
        die_nomem();
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].a.len != 0)
            addr_add(&n, &m->slots[i].a, m->slots[i].count);
    free(m->slots);
    *m = n;
}

static void addr_add(struct addr_map *m, const struct ts_addr *a, uint64_t w)
{
    if ((m->used + 1) * 2 > m->cap)
        addr_grow(m);
    size_t i = (size_t)(addr_hash(a) & (m->cap - 1));
    for (;;) {
        struct addr_slot *s = &m->slots[i];
        if (s->a.len == 0) {
            s->a = *a;
            s->count = w;
            m->used++;
            return;
        }
        if (s->a.len == a->len && memcmp(s->a.b, a->b, a->len) == 0) {
            s->count += w;
            return;
        }
        i = (i + 1) & (m->cap - 1);
    }
}

/* Python's order on (count, packed address) tuples, descending. */
static int addr_cmp_desc(const void *x, const void *y)
{
    const struct addr_slot *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    size_t n = a->a.len < b->a.len ? a->a.len : b->a.len;
    int c = memcmp(a->a.b, b->a.b, n);
    if (c != 0)
        return -c;
    return a->a.len == b->a.len ? 0 : (a->a.len > b->a.len ? -1 : 1);
}

static void print_pct(const char *col, const char *key, uint64_t cnt, uint64_t total)
{
    char pct[32];
    snprintf(pct, sizeof pct, "%5.1f", 100.0 * (double)cnt / (double)total);
    const char *p = pct;
    while (*p == ' ')
        p++;
    printf("%s %s %s\n", col, key, p);
}

/* Top n of an array indexed by key (ports, protocols): key 0 never shown. */
static void print_top_array(const char *col, const uint64_t *c, size_t len, int n, uint64_t total)
{
    char used[65536];
    memset(used, 0, sizeof used);
    for (int k = 0; k < n; k++) {
        size_t best = 0;
        for (size_t i = len - 1; i >= 1; i--)
            if (!used[i] && c[i] > 0 && (best == 0 || c[i] > c[best]))
                best = i;
        if (best == 0)
            return;
        used[best] = 1;
        char key[24];
        snprintf(key, sizeof key, "%zu", best);
        print_pct(col, key, c[best], total);
    }
}

static void print_top_addrs(const char *col, struct addr_map *m, int n, uint64_t total)
{
    struct addr_slot *v = malloc((m->used ? m->used : 1) * sizeof *v);
    if (v == NULL)
        die_nomem();
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].a.len != 0 && m->slots[i].count > 0)
            v[k++] = m->slots[i];
    qsort(v, k, sizeof *v, addr_cmp_desc);
    for (size_t i = 0; i < k && i < (size_t)n; i++) {
        char key[INET6_ADDRSTRLEN];
        inet_ntop(v[i].a.len == 4 ? AF_INET : AF_INET6, v[i].a.b, key, sizeof key);
        print_pct(col, key, v[i].count, total);
    }
    free(v);
}

int main(int argc, char **argv)
{
    int by_bytes = 0, n = 10;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-b") == 0) {
            by_bytes = 1;
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 1 || v > 1000) {
                fputs("pcap_canon: bad -n\n", stderr);
                return 2;
            }
            n = (int)v;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL) {
        fputs("usage: pcap_canon [-b] [-n N] TRACE\n", stderr);
        return 2;
    }

    struct ts_err err;
    ts_err_clear(&err);
    struct ts_input *in = ts_input_open(path, &err);
    if (in == NULL) {
        fprintf(stderr, "pcap_canon: %s\n", err.msg);
        return 1;
    }
    struct pcap_in *p = pcap_in_open(in, &err);
    if (p == NULL) {
        fprintf(stderr, "pcap_canon: %s\n", err.msg);
        ts_input_close(in);
        return 1;
    }

    static uint64_t ports[65536];
    uint64_t prots[256] = {0};
    struct addr_map srcs = {0}, dsts = {0};
    uint64_t pkts = 0, bytes = 0, frags = 0;
    struct ts_record r;
    int rc;
    /* PCAP_CANON_DUMP=1: one line per packet, for finding a difference */
    const char *dump = getenv("PCAP_CANON_DUMP");
    while ((rc = pcap_in_next(p, &r, &err)) == 1) {
        if (dump != NULL && dump[0] == '1') {
            struct pcap_in_stats fs;
            char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
            pcap_in_stats(p, &fs);
            inet_ntop(r.src.len == 4 ? AF_INET : AF_INET6, r.src.b, s, sizeof s);
            inet_ntop(r.dst.len == 4 ? AF_INET : AF_INET6, r.dst.b, d, sizeof d);
            printf("%llu %s %s %u %u %u %llu %u %llu\n", (unsigned long long)fs.frames, s, d,
                   r.proto, r.sport, r.dport, (unsigned long long)r.bytes, r.frag,
                   (unsigned long long)r.payload);
        }
        uint64_t w = by_bytes ? r.bytes : 1;
        pkts++;
        bytes += r.bytes;
        frags += r.frag;
        ports[r.sport] += w;
        ports[r.dport] += w;
        prots[r.proto] += w;
        addr_add(&srcs, &r.src, w);
        addr_add(&dsts, &r.dst, w);
    }
    struct pcap_in_stats st;
    pcap_in_stats(p, &st);
    uint64_t total = by_bytes ? bytes : pkts;

    printf("pkts %llu\nbytes %llu\nfrags %llu\nunsupported %llu\n", (unsigned long long)pkts,
           (unsigned long long)bytes, (unsigned long long)frags,
           (unsigned long long)st.unsupported);
    if (total > 0) {
        print_top_array("ports", ports, 65536, n, total);
        print_top_addrs("srcs", &srcs, n, total);
        print_top_addrs("dsts", &dsts, n, total);
        print_top_array("prots", prots, 256, n, total);
    }
    fprintf(
        stderr,
        "frames %llu packets %llu not_ip %llu damaged %llu offloaded %llu unsupported %llu%s%s\n",
        (unsigned long long)st.frames, (unsigned long long)st.packets,
        (unsigned long long)st.not_ip, (unsigned long long)st.damaged,
        (unsigned long long)st.offloaded, (unsigned long long)st.unsupported,
        st.unsupported_names[0] ? " " : "", st.unsupported_names);
    if (rc < 0)
        fprintf(stderr, "pcap_canon: %s\n", err.msg);
    pcap_in_close(p);
    ts_input_close(in);
    free(srcs.slots);
    free(dsts.slots);
    return rc < 0 ? 1 : 0;
}
