/* summary.c - one block of the report as a value: counters and sketches, updated, queried, merged, encoded. */
#include "config.h"

#include "summary.h"
#include "summary_parts.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "always_inline.h"
#include "cache_hint.h"
#include "count_min.h"
#include "hash.h"
#include "hyperloglog.h"
#include "table_mem.h"

#define PORTS 65536
#define EV_BUF 64 /* evictions waiting for the Count-Min */

/* Evictions waiting for the Count-Min (EV_BUF of them). */
struct ev_buf {
    size_t n, cap;
    struct cms_update e[];
};

#define EV_BUF_BYTES(cap) (sizeof(struct ev_buf) + (cap) * sizeof(struct cms_update))

static struct ev_buf *ev_buf_new(size_t cap)
{
    struct ev_buf *b = calloc(1, EV_BUF_BYTES(cap));
    if (b != NULL)
        b->cap = cap;
    return b;
}

struct summary {
    struct summary_counters c;
    struct summary_sizes sizes;
    struct ss *col[COL_COUNT]; /* COL_PROTS unused; COL_PORTS NULL when dense */
    /* When a Space-Saving sketch of ports would cost as much as counting
     * every port (k_ports of about 6000 and more; with k_ports >= 65536 it
     * could not even evict), the ports are counted exactly in a direct
     * table (520 KiB, where k = 65536 took 4.8 MiB), with a bit per port
     * that has been seen (a 0-byte connection still lists its port). */
    uint64_t *port_cnt;
    uint8_t *port_seen;
    uint64_t prots[256];
    bool prot_seen[256]; /* a key with weight 0 still shows, as in the original */
    struct hll *hll_src, *hll_dst;
    struct cms *cms_src, *cms_dst;
    /* The Count-Min sketches count what Space-Saving forgets: when a key is
     * evicted, its exact count since it was last monitored (count - error)
     * goes into the Count-Min. A monitored key's true total is then its
     * exact current count plus its earlier counts, and those are at most
     * both its error (Space-Saving's guarantee) and its Count-Min estimate:
     *   count - error <= true <= count - error + min(error, cms(x)).
     * Evictions wait in a short buffer so that the Count-Min's cache misses
     * overlap; queries add what is still waiting. */
    struct ev_buf *ev_src, *ev_dst; /* with the Count-Mins only */
    uint64_t seed;
};

/* Every port as a 2-byte big-endian key, for the entries of dense tables
 * (they borrow their key bytes). Filled once, before any thread starts. */
static uint8_t port_keys[PORTS][2];
static pthread_once_t port_keys_once = PTHREAD_ONCE_INIT;

static void port_keys_fill(void)
{
    for (size_t p = 0; p < PORTS; p++) {
        port_keys[p][0] = (uint8_t)(p >> 8);
        port_keys[p][1] = (uint8_t)p;
    }
}

static size_t col_k(const struct summary_sizes *z, int col)
{
    switch (col) {
    case COL_PORTS:
        return z->k_ports;
    case COL_SRCS:
    case COL_DSTS:
        return z->k_addrs;
    case COL_SERVICES:
    case COL_STATES:
        return z->k_strings;
    default:
        return 0;
    }
}

static size_t col_keylen(int col)
{
    switch (col) {
    case COL_PORTS:
        return 2;
    case COL_SRCS:
    case COL_DSTS:
        return 16;
    default:
        return SUMMARY_STR_MAX;
    }
}

/* The host tables have an admission filter (sizes->filter_cells); the
 * other columns have none: their keys are few. */
static size_t col_filter_cells(const struct summary_sizes *z, int col)
{
    return col == COL_SRCS || col == COL_DSTS ? z->filter_cells : 0;
}

static size_t add_checked(size_t a, size_t b)
{
    return (a == 0 || b == 0 || a > SIZE_MAX - b) ? 0 : a + b;
}

#define DENSE_PORT_BYTES (PORTS * sizeof(uint64_t) + PORTS / 8)

bool summary_ports_direct(const struct summary_sizes *z)
{
    if (z->k_ports == 0)
        return false;
    size_t sk = ss_mem_bytes_for(z->k_ports, 2);
    return z->k_ports >= PORTS || sk == 0 || sk >= DENSE_PORT_BYTES;
}

size_t summary_mem_bytes_for(const struct summary_sizes *z)
{
    size_t total = sizeof(struct summary);
    if (summary_ports_direct(z))
        total += DENSE_PORT_BYTES;
    for (int col = 0; col < COL_COUNT; col++) {
        size_t k = col_k(z, col);
        if (k == 0 || (col == COL_PORTS && summary_ports_direct(z)))
            continue;
        total = add_checked(total,
                            ss_mem_bytes_filtered_for(k, col_keylen(col), col_filter_cells(z, col)));
        if (total == 0)
            return 0;
    }
    if (z->hll_p) {
        total = add_checked(total, 2 * hll_mem_bytes_for(z->hll_p));
        if (total == 0)
            return 0;
    }
    if (z->cms_w && z->k_addrs) {
        total =
            add_checked(total, 2 * (cms_mem_bytes_for(z->cms_w, z->cms_d) + EV_BUF_BYTES(EV_BUF)));
        if (total == 0)
            return 0;
    }
    return total;
}

struct summary *summary_new(const struct summary_sizes *z, uint64_t seed)
{
    if (summary_mem_bytes_for(z) == 0)
        return NULL;
    pthread_once(&port_keys_once, port_keys_fill);
    struct summary *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->sizes = *z;
    s->seed = seed;
    s->c.start = 1e20;
    if (summary_ports_direct(z)) {
        s->port_cnt = table_alloc(PORTS * sizeof *s->port_cnt);
        s->port_seen = calloc(PORTS / 8, 1);
        if (s->port_cnt == NULL || s->port_seen == NULL)
            goto fail;
    }
    for (int col = 0; col < COL_COUNT; col++) {
        size_t k = col_k(z, col);
        if (k == 0 || col == COL_PROTS || (col == COL_PORTS && summary_ports_direct(z)))
            continue;
        s->col[col] = ss_new_filtered(k, col_keylen(col), col_filter_cells(z, col));
        if (s->col[col] == NULL)
            goto fail;
    }
    if (z->hll_p) {
        s->hll_src = hll_new(z->hll_p);
        s->hll_dst = hll_new(z->hll_p);
        if (s->hll_src == NULL || s->hll_dst == NULL)
            goto fail;
    }
    if (z->cms_w && z->k_addrs) {
        s->cms_src = cms_new(z->cms_w, z->cms_d, seed ^ 0x736f75726365ull);
        s->cms_dst = cms_new(z->cms_w, z->cms_d, seed ^ 0x64657374ull);
        s->ev_src = ev_buf_new(EV_BUF);
        s->ev_dst = ev_buf_new(EV_BUF);
        if (s->cms_src == NULL || s->cms_dst == NULL || s->ev_src == NULL || s->ev_dst == NULL)
            goto fail;
    }
    return s;
fail:
    summary_free(s);
    return NULL;
}

void summary_free(struct summary *s)
{
    if (s == NULL)
        return;
    for (int col = 0; col < COL_COUNT; col++)
        ss_free(s->col[col]);
    table_free(s->port_cnt, PORTS * sizeof *s->port_cnt);
    free(s->port_seen);
    hll_free(s->hll_src);
    hll_free(s->hll_dst);
    cms_free(s->cms_src);
    cms_free(s->cms_dst);
    free(s->ev_src);
    free(s->ev_dst);
    free(s);
}

/* Forgets every count; the Space-Saving columns are left to the caller. */
static void clear_counts(struct summary *s)
{
    memset(&s->c, 0, sizeof s->c);
    s->c.start = 1e20;
    memset(s->prots, 0, sizeof s->prots);
    memset(s->prot_seen, 0, sizeof s->prot_seen);
    if (s->port_cnt) {
        memset(s->port_cnt, 0, PORTS * sizeof *s->port_cnt);
        memset(s->port_seen, 0, PORTS / 8);
    }
    /* hll_clear and cms_clear write every cell */
    if (s->hll_src) {
        hll_clear(s->hll_src);
        hll_clear(s->hll_dst);
    }
    if (s->cms_src) {
        cms_clear(s->cms_src);
        cms_clear(s->cms_dst);
    }
    if (s->ev_src)
        s->ev_src->n = s->ev_dst->n = 0;
}

void summary_clear(struct summary *s)
{
    clear_counts(s);
    for (int col = 0; col < COL_COUNT; col++)
        if (s->col[col])
            ss_clear(s->col[col]);
}

size_t summary_mem_bytes(const struct summary *s)
{
    size_t total = sizeof *s;
    if (s->port_cnt)
        total += DENSE_PORT_BYTES;
    for (int col = 0; col < COL_COUNT; col++)
        if (s->col[col])
            total += ss_mem_bytes(s->col[col]);
    if (s->hll_src)
        total += hll_mem_bytes(s->hll_src) + hll_mem_bytes(s->hll_dst);
    if (s->cms_src)
        total += cms_mem_bytes(s->cms_src) + cms_mem_bytes(s->cms_dst) + 2 * EV_BUF_BYTES(EV_BUF);
    return total;
}

const struct summary_sizes *summary_sizes_of(const struct summary *s)
{
    return &s->sizes;
}

uint64_t summary_seed(const struct summary *s)
{
    return s->seed;
}

bool summary_ports_sketched(const struct summary *s)
{
    return s->col[COL_PORTS] != NULL;
}

/* An update's string as a key: an unset one is the empty key, kept in 16
 * zero bytes so that the 16-byte paths may read it. */
static const char no_string[16];

static inline const char *str_key(const char *p)
{
    return p != NULL ? p : no_string;
}

void summary_update_prepare(struct summary_update *u, const struct ts_record *r,
                            const struct summary_update_params *p, struct summary_strings *keep)
{
    bool conns = p->conns, hash_ports = p->hash_ports;
    uint64_t seed = p->seed;
    u->src = r->src;
    u->dst = r->dst;
    u->ts = r->ts;
    u->end = r->end;
    u->bytes = r->bytes;
    u->payload = r->payload;
    u->sport = r->sport;
    u->dport = r->dport;
    u->proto = r->proto;
    u->frag = r->frag;
    u->n = 1;
    u->weight = p->by_bytes ? r->bytes : 1;
    u->conns = conns;
    u->sport_key[0] = (uint8_t)(r->sport >> 8);
    u->sport_key[1] = (uint8_t)r->sport;
    u->dport_key[0] = (uint8_t)(r->dport >> 8);
    u->dport_key[1] = (uint8_t)r->dport;
    const uint8_t *pm = p->ports;
    u->count_sport = !conns && (pm == NULL || ((pm[r->sport >> 3] >> (r->sport & 7)) & 1));
    u->count_dport = pm == NULL || ((pm[r->dport >> 3] >> (r->dport & 7)) & 1);
    u->h_sport = hash_ports && u->count_sport ? hash64(u->sport_key, 2, seed) : 0;
    u->h_dport = hash_ports && u->count_dport ? hash64(u->dport_key, 2, seed) : 0;
    u->h_src = hash64_16(r->src.b, r->src.len, seed);
    u->h_dst = hash64_16(r->dst.b, r->dst.len, seed);
    u->service = r->service.p;
    u->service_len = r->service.len;
    u->state = r->state.p;
    u->state_len = r->state.len > SUMMARY_STR_MAX ? SUMMARY_STR_MAX : r->state.len;
    u->strs16 = false;
    if (conns) {
        if (u->service_len > 0 && u->service[u->service_len - 1] == '?')
            u->service_len--;
        if (u->service_len > SUMMARY_STR_MAX)
            u->service_len = SUMMARY_STR_MAX;
        if (keep != NULL) {
            if (u->service != NULL) {
                memcpy(keep->service, u->service, u->service_len);
                u->service = keep->service;
            }
            if (u->state != NULL) {
                memcpy(keep->state, u->state, u->state_len);
                u->state = keep->state;
            }
            u->strs16 = true;
        }
        u->h_service = hash64(str_key(u->service), u->service_len, seed);
        u->h_state = hash64(str_key(u->state), u->state_len, seed);
    } else {
        u->h_service = u->h_state = 0;
    }
}

/* Queues an eviction for the Count-Min, which takes a full buffer at once. */
static void ev_push(struct cms *c, struct ev_buf *b, struct cms_update e)
{
    b->e[b->n++] = e;
    if (b->n == b->cap) {
        cms_add_many(c, b->e, b->n);
        b->n = 0;
    }
}

static TS_INLINE void addr_add(struct ss *sk, struct cms *c, struct ev_buf *b,
                               const struct ts_addr *a, uint64_t h, uint64_t w, uint64_t seed)
{
    struct ss_evicted ev;
    if (!ss_add_evict16(sk, a->b, a->len, h, w, &ev) || c == NULL)
        return;
    ev_push(c, b, (struct cms_update){hash64(ev.key, ev.len, seed), ev.count});
}

static TS_INLINE void add_parts(struct summary *s, const struct summary_update *u, bool adjust_time,
                                unsigned parts)
{
    bool addrs = s->col[COL_SRCS] && s->col[COL_DSTS];
    if ((parts & SUMMARY_PART_SRC) && addrs)
        addr_add(s->col[COL_SRCS], s->cms_src, s->ev_src, &u->src, u->h_src, u->weight, s->seed);
    if ((parts & SUMMARY_PART_DST) && addrs)
        addr_add(s->col[COL_DSTS], s->cms_dst, s->ev_dst, &u->dst, u->h_dst, u->weight, s->seed);
    if ((parts & SUMMARY_PART_DISTINCT) && s->hll_src) {
        hll_add(s->hll_src, u->h_src);
        hll_add(s->hll_dst, u->h_dst);
    }
    if (!(parts & SUMMARY_PART_REST))
        return;
    s->c.updates += u->n;
    s->c.pkts += u->n;
    s->c.bytes += u->bytes;
    s->c.payload += u->payload;
    s->c.frags += u->frag;
    if (adjust_time) {
        if (u->ts < s->c.start)
            s->c.start = u->ts;
        if (u->end > s->c.end)
            s->c.end = u->end;
    }
    s->prots[u->proto] += u->weight;
    s->prot_seen[u->proto] = true;
    if (s->port_cnt) {
        uint16_t sp = u->sport, dp = u->dport;
        if (u->count_sport) {
            s->port_cnt[sp] += u->weight;
            s->port_seen[sp >> 3] |= (uint8_t)(1u << (sp & 7));
        }
        if (u->count_dport) {
            s->port_cnt[dp] += u->weight;
            s->port_seen[dp >> 3] |= (uint8_t)(1u << (dp & 7));
        }
    } else if (s->col[COL_PORTS]) {
        if (u->count_sport)
            ss_add(s->col[COL_PORTS], u->sport_key, 2, u->h_sport, u->weight);
        if (u->count_dport)
            ss_add(s->col[COL_PORTS], u->dport_key, 2, u->h_dport, u->weight);
    }
    if (u->conns && s->col[COL_SERVICES]) {
        if (u->strs16) {
            /* names of a few bytes, lengths at random: no branch on them */
            ss_add_evict16(s->col[COL_SERVICES], str_key(u->service), u->service_len, u->h_service,
                           u->weight, NULL);
            ss_add_evict16(s->col[COL_STATES], str_key(u->state), u->state_len, u->h_state,
                           u->weight, NULL);
        } else {
            ss_add(s->col[COL_SERVICES], str_key(u->service), u->service_len, u->h_service,
                   u->weight);
            ss_add(s->col[COL_STATES], str_key(u->state), u->state_len, u->h_state, u->weight);
        }
    }
}

/* The two splits of the threads on packet traces get a copy each, their
 * tests of parts made at compile time. */
void summary_add_parts(struct summary *s, const struct summary_update *u, bool adjust_time,
                       unsigned parts)
{
    if (parts == (SUMMARY_PART_SRC | SUMMARY_PART_DST))
        add_parts(s, u, adjust_time, SUMMARY_PART_SRC | SUMMARY_PART_DST);
    else if (parts == (SUMMARY_PART_REST | SUMMARY_PART_DISTINCT))
        add_parts(s, u, adjust_time, SUMMARY_PART_REST | SUMMARY_PART_DISTINCT);
    else
        add_parts(s, u, adjust_time, parts);
}

void summary_add(struct summary *s, const struct summary_update *u, bool adjust_time)
{
    summary_add_parts(s, u, adjust_time, SUMMARY_PART_ALL);
}

/* One stage of cache hints for key hash h of table t: stage 1 its index
 * cell, 2 the counter that cell points to, 3 the counter's heap count. Each
 * call is direct (a call through a pointer chosen by stage missed its
 * target about once per record, and could not be inlined). */
static inline void ss_hint(const struct ss *t, uint64_t h, int stage)
{
    if (stage == 1)
        ss_prefetch(t, h);
    else if (stage == 2)
        ss_prefetch_entry(t, h);
    else
        ss_prefetch_count(t, h);
}

/* The hints of one stage for the ports of u: plain counters need their
 * line only (stage 1), a sketch all three stages. */
static inline void ports_hint(const struct summary *s, const struct summary_update *u, int stage)
{
    if (s->port_cnt != NULL) {
        if (stage == 1) {
            if (u->count_sport)
                cache_hint(&s->port_cnt[u->sport]);
            if (u->count_dport)
                cache_hint(&s->port_cnt[u->dport]);
        }
    } else if (s->col[COL_PORTS] != NULL) {
        if (u->count_sport)
            ss_hint(s->col[COL_PORTS], u->h_sport, stage);
        if (u->count_dport)
            ss_hint(s->col[COL_PORTS], u->h_dport, stage);
    }
}

/* The three stages of cache hints, for the parts of s an update touches. */
void summary_prefetch(const struct summary *s, const struct summary_update *u, int stage,
                      unsigned parts)
{
    if (s->col[COL_SRCS] && s->col[COL_DSTS]) {
        if (parts & SUMMARY_PART_SRC)
            ss_hint(s->col[COL_SRCS], u->h_src, stage);
        if (parts & SUMMARY_PART_DST)
            ss_hint(s->col[COL_DSTS], u->h_dst, stage);
    }
    if (parts & SUMMARY_PART_REST)
        ports_hint(s, u, stage);
}

/* The three stages for address table t, u[k] getting stage k + 1: of its
 * destination's hash with dst, else of its source's. */
static inline void addr_stages(const struct ss *t, const struct summary_update *const u[3],
                               bool dst)
{
    if (u[0] != NULL)
        ss_prefetch(t, dst ? u[0]->h_dst : u[0]->h_src);
    if (u[1] != NULL)
        ss_prefetch_entry(t, dst ? u[1]->h_dst : u[1]->h_src);
    if (u[2] != NULL)
        ss_prefetch_count(t, dst ? u[2]->h_dst : u[2]->h_src);
}

static TS_INLINE void prefetch_stages(const struct summary *s,
                                      const struct summary_update *const u[3], unsigned parts)
{
    if (s->col[COL_SRCS] != NULL && s->col[COL_DSTS] != NULL) {
        if (parts & SUMMARY_PART_SRC)
            addr_stages(s->col[COL_SRCS], u, false);
        if (parts & SUMMARY_PART_DST)
            addr_stages(s->col[COL_DSTS], u, true);
    }
    if (!(parts & SUMMARY_PART_REST))
        return;
    /* written out, so that each stage is a constant in ports_hint */
    if (u[0] != NULL)
        ports_hint(s, u[0], 1);
    if (u[1] != NULL)
        ports_hint(s, u[1], 2);
    if (u[2] != NULL)
        ports_hint(s, u[2], 3);
}

/* As summary_add_parts: the counting thread's share on packet traces gets
 * a copy of its own. */
void summary_prefetch_stages(const struct summary *s, const struct summary_update *const u[3],
                             unsigned parts)
{
    if (parts == (SUMMARY_PART_SRC | SUMMARY_PART_DST))
        prefetch_stages(s, u, SUMMARY_PART_SRC | SUMMARY_PART_DST);
    else
        prefetch_stages(s, u, parts);
}

void summary_set_span(struct summary *s, double start, double end)
{
    s->c.start = start;
    s->c.end = end;
}

const struct summary_counters *summary_counters(const struct summary *s)
{
    return &s->c;
}

static bool key_is_zero(const struct ss_entry *e)
{
    for (size_t i = 0; i < e->len; i++)
        if (e->key[i] != 0)
            return false;
    return e->len > 0;
}

static bool port_seen(const struct summary *s, size_t p)
{
    return (s->port_seen[p >> 3] >> (p & 7)) & 1;
}

static void dense_entry(const struct summary *s, size_t p, struct ss_entry *e)
{
    e->key = port_keys[p];
    e->len = 2;
    e->count = s->port_cnt[p];
    e->error = 0;
}

/* > 0 if port a ranks before port b: larger count, then larger port (the
 * order of the big-endian keys). */
static int dense_rank(const struct summary *s, size_t a, size_t b)
{
    if (s->port_cnt[a] != s->port_cnt[b])
        return s->port_cnt[a] > s->port_cnt[b] ? 1 : -1;
    return (a > b) - (a < b);
}

/* Puts port p at the root of the heap h[0..m) whose root is the worst
 * ranked, and sifts it down. */
static void dense_sift_down(const struct summary *s, size_t *h, size_t m, size_t p)
{
    size_t pos = 0;
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= m)
            break;
        if (c + 1 < m && dense_rank(s, h[c + 1], h[c]) < 0)
            c++;
        if (dense_rank(s, h[c], p) >= 0)
            break;
        h[pos] = h[c];
        pos = c;
    }
    h[pos] = p;
}

/* The n best seen ports, best first (skip_zero: without port 0). A
 * bounded heap whose root is the worst kept: O(65536 log n). */
static size_t dense_top(const struct summary *s, struct ss_entry *out, size_t n, bool skip_zero)
{
    size_t *h = malloc((n ? n : 1) * sizeof *h);
    if (h == NULL)
        return 0;
    size_t m = 0;
    for (size_t p = skip_zero ? 1 : 0; p < PORTS; p++) {
        if (!port_seen(s, p))
            continue;
        size_t pos;
        if (m < n) {
            pos = m++;
            while (pos > 0 && dense_rank(s, p, h[(pos - 1) / 2]) < 0) {
                h[pos] = h[(pos - 1) / 2];
                pos = (pos - 1) / 2;
            }
            h[pos] = p;
            continue;
        }
        if (n == 0 || dense_rank(s, p, h[0]) <= 0)
            continue;
        dense_sift_down(s, h, m, p);
    }
    /* pop the worst to the back */
    for (size_t end = m; end > 1; end--) {
        size_t worst = h[0];
        dense_sift_down(s, h, end - 1, h[end - 1]);
        h[end - 1] = worst;
    }
    for (size_t i = 0; i < m; i++)
        dense_entry(s, h[i], &out[i]);
    free(h);
    return m;
}

size_t summary_ports_all(const struct summary *s, struct ss_entry *out, size_t cap)
{
    if (s->port_cnt)
        return dense_top(s, out, cap, false);
    if (s->col[COL_PORTS] == NULL)
        return 0;
    return ss_top(s->col[COL_PORTS], out, cap);
}

size_t summary_ports_kept(const struct summary *s)
{
    if (s->port_cnt) {
        size_t n = 0;
        for (size_t i = 0; i < PORTS / 8; i++)
            n += (size_t)__builtin_popcount(s->port_seen[i]);
        return n;
    }
    return s->col[COL_PORTS] ? ss_size(s->col[COL_PORTS]) : 0;
}

size_t summary_top(const struct summary *s, enum summary_col col, struct ss_entry *out, size_t n)
{
    if (n == 0)
        return 0;
    if (col == COL_PROTS) {
        /* protocol numbers as 1-byte keys; key 0 is never shown */
        static const uint8_t keys[256] = {
#define K16(b)                                                                                     \
    b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12,      \
        b + 13, b + 14, b + 15
            K16(0),   K16(16),  K16(32),  K16(48),  K16(64),  K16(80),  K16(96), K16(112), K16(128),
            K16(144), K16(160), K16(176), K16(192), K16(208), K16(224), K16(240)
#undef K16
        };
        size_t got = 0;
        bool used[256] = {false};
        while (got < n) {
            int best = -1;
            for (int p = 255; p >= 1; p--)
                if (!used[p] && s->prot_seen[p] && (best < 0 || s->prots[p] > s->prots[best]))
                    best = p;
            if (best < 0)
                break;
            used[best] = true;
            out[got].key = &keys[best];
            out[got].len = 1;
            out[got].count = s->prots[best];
            out[got].error = 0;
            got++;
        }
        return got;
    }
    if (col == COL_PORTS && s->port_cnt)
        return dense_top(s, out, n, true);
    const struct ss *sk = s->col[col];
    if (sk == NULL)
        return 0;
    /* ask for one more: a zero key may have to be dropped */
    size_t want = n + 1;
    struct ss_entry buf[64];
    struct ss_entry *tmp = want <= 64 ? buf : malloc(want * sizeof *tmp);
    if (tmp == NULL)
        return 0;
    size_t got = ss_top(sk, tmp, want);
    size_t w = 0;
    bool drop_zero = col == COL_PORTS;
    for (size_t i = 0; i < got && w < n; i++) {
        if (drop_zero && key_is_zero(&tmp[i]))
            continue;
        out[w++] = tmp[i];
    }
    if (tmp != buf)
        free(tmp);
    return w;
}

uint64_t summary_port_count(const struct summary *s, uint16_t port, uint64_t seed)
{
    if (s->port_cnt)
        return s->port_cnt[port];
    if (s->col[COL_PORTS] == NULL)
        return 0;
    uint8_t k[2] = {(uint8_t)(port >> 8), (uint8_t)port};
    struct ss_entry e;
    if (ss_query(s->col[COL_PORTS], k, 2, hash64(k, 2, seed), &e))
        return e.count;
    return 0;
}

uint64_t summary_proto_count(const struct summary *s, uint8_t proto)
{
    return s->prots[proto];
}

uint64_t summary_state_count(const struct summary *s, const char *state, uint64_t seed)
{
    if (s->col[COL_STATES] == NULL)
        return 0;
    size_t len = strlen(state);
    struct ss_entry e;
    if (ss_query(s->col[COL_STATES], state, len, hash64(state, len, seed), &e))
        return e.count;
    return 0;
}

/* What the Count-Min holds for hash h, with the evictions still waiting. */
static uint64_t evicted_count(const struct cms *c, const struct ev_buf *b, uint64_t h)
{
    uint64_t v = cms_query(c, h);
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].hash == h)
            v += b->e[i].weight;
    return v;
}

void summary_bounds(const struct summary *s, enum summary_col col, const struct ss_entry *e,
                    uint64_t *lower, uint64_t *upper)
{
    *lower = e->count >= e->error ? e->count - e->error : 0;
    *upper = e->count;
    const struct cms *c = col == COL_SRCS ? s->cms_src : col == COL_DSTS ? s->cms_dst : NULL;
    const struct ev_buf *b = col == COL_SRCS ? s->ev_src : s->ev_dst;
    if (c != NULL && s->col[col] != NULL && ss_has_evicted(s->col[col])) {
        /* before the key was last monitored: its evicted exact parts (the
         * Count-Min) and what the admission filter took while it was not
         * monitored (at most its cell) */
        uint64_t h = hash64(e->key, e->len, s->seed);
        uint64_t earlier = evicted_count(c, b, h) + ss_filter_bound(s->col[col], h);
        if (earlier < e->error)
            *upper = *lower + earlier;
    }
}

bool summary_col_kept(const struct summary *s, enum summary_col col)
{
    return col == COL_PROTS || s->col[col] != NULL || (col == COL_PORTS && s->port_cnt);
}

void summary_prefault(struct summary *s)
{
    clear_counts(s);
    for (int col = 0; col < COL_COUNT; col++)
        if (s->col[col])
            ss_prefault(s->col[col]);
}

bool summary_col_exact(const struct summary *s, enum summary_col col)
{
    if (col == COL_PROTS || (col == COL_PORTS && s->port_cnt))
        return true;
    return s->col[col] == NULL || !ss_has_evicted(s->col[col]);
}

void summary_col_info(const struct summary *s, enum summary_col col, struct summary_col_info *info)
{
    const struct ss *sk = col == COL_PROTS ? NULL : s->col[col];
    memset(info, 0, sizeof *info);
    if (sk == NULL)
        return;
    info->sketched = true;
    info->k = ss_capacity(sk);
    info->evicted = ss_has_evicted(sk);
    info->weight_total = ss_total(sk);
    info->max_error = info->evicted ? ss_min_count(sk) : 0;
}

double summary_distinct(const struct summary *s, bool sources)
{
    const struct hll *h = sources ? s->hll_src : s->hll_dst;
    return h ? hll_estimate(h) : -1;
}

double summary_distinct_stderr(const struct summary *s)
{
    return s->hll_src ? hll_std_error(s->hll_src) : -1;
}

void summary_cms_dims(const struct summary *s, size_t *w, size_t *d)
{
    *w = s->cms_src ? cms_width(s->cms_src) : 0;
    *d = s->cms_src ? cms_depth(s->cms_src) : 0;
}

/* ---- merging and serialization (summary files) ------------------------- */

#include "bytebuf.h"

unsigned summary_lost(const struct summary *s)
{
    unsigned lost = 0;
    if (s->sizes.cms_w && s->sizes.k_addrs && s->cms_src == NULL)
        lost |= SUMMARY_LOST_BOUNDS;
    if (s->sizes.hll_p && s->hll_src == NULL)
        lost |= SUMMARY_LOST_DISTINCT;
    return lost;
}

static bool sizes_equal(const struct summary_sizes *a, const struct summary_sizes *b)
{
    return a->k_ports == b->k_ports && a->k_addrs == b->k_addrs && a->k_strings == b->k_strings &&
           a->cms_w == b->cms_w && a->cms_d == b->cms_d && a->hll_p == b->hll_p;
}

/* Feeds the evictions still waiting into the Count-Mins (the same cells
 * as if they had been fed at once; queries answer alike). */
static void flush_evictions(struct summary *s)
{
    if (s->cms_src == NULL)
        return;
    if (s->ev_src->n) {
        cms_add_many(s->cms_src, s->ev_src->e, s->ev_src->n);
        s->ev_src->n = 0;
    }
    if (s->ev_dst->n) {
        cms_add_many(s->cms_dst, s->ev_dst->e, s->ev_dst->n);
        s->ev_dst->n = 0;
    }
}

/* The bounds of the address columns are lost (another seed): from now on
 * only Space-Saving's own interval is reported. */
static void drop_bounds(struct summary *s)
{
    cms_free(s->cms_src);
    cms_free(s->cms_dst);
    s->cms_src = s->cms_dst = NULL;
}

static void drop_distinct(struct summary *s)
{
    hll_free(s->hll_src);
    hll_free(s->hll_dst);
    s->hll_src = s->hll_dst = NULL;
}

struct drop_ctx {
    struct summary *s;
    struct cms *c;
    struct ev_buf *b;
};

/* A key a merge drops goes where an eviction goes: its exact part into the
 * Count-Min, so that later bounds of the key still cover it. */
static void merge_dropped(void *ctx, const struct ss_evicted *ev)
{
    struct drop_ctx *d = ctx;
    if (d->c != NULL && ev->count > 0)
        ev_push(d->c, d->b, (struct cms_update){hash64(ev->key, ev->len, d->s->seed), ev->count});
}

static int merge(struct summary *dst, const struct summary *src, unsigned disjoint)
{
    if (dst == src || !sizes_equal(&dst->sizes, &src->sizes) || dst->seed != src->seed)
        return -1;
    struct summary_counters *c = &dst->c;
    const struct summary_counters *o = &src->c;
    c->updates += o->updates;
    c->pkts += o->pkts;
    c->bytes += o->bytes;
    c->payload += o->payload;
    c->frags += o->frags;
    if (o->start < c->start)
        c->start = o->start;
    if (o->end > c->end)
        c->end = o->end;
    for (size_t p = 0; p < 256; p++) {
        dst->prots[p] += src->prots[p];
        dst->prot_seen[p] |= src->prot_seen[p];
    }
    if (dst->port_cnt != NULL) {
        for (size_t p = 0; p < PORTS; p++)
            dst->port_cnt[p] += src->port_cnt[p];
        for (size_t i = 0; i < PORTS / 8; i++)
            dst->port_seen[i] |= src->port_seen[i];
    }
    /* Count-Mins first, so that the keys the address merges drop land in
     * the merged one */
    if (dst->cms_src != NULL && src->cms_src != NULL) {
        flush_evictions(dst);
        if (cms_merge(dst->cms_src, src->cms_src) != 0 ||
            cms_merge(dst->cms_dst, src->cms_dst) != 0)
            return -1;
        for (size_t i = 0; i < src->ev_src->n; i++)
            ev_push(dst->cms_src, dst->ev_src, src->ev_src->e[i]);
        for (size_t i = 0; i < src->ev_dst->n; i++)
            ev_push(dst->cms_dst, dst->ev_dst, src->ev_dst->e[i]);
    } else if (dst->cms_src != NULL) {
        drop_bounds(dst);
    }
    for (int col = 0; col < COL_COUNT; col++) {
        if (dst->col[col] == NULL)
            continue;
        struct drop_ctx d = {dst, NULL, NULL};
        bool apart = false;
        if (col == COL_SRCS) {
            d = (struct drop_ctx){dst, dst->cms_src, dst->ev_src};
            apart = disjoint & SUMMARY_PART_SRC;
        } else if (col == COL_DSTS) {
            d = (struct drop_ctx){dst, dst->cms_dst, dst->ev_dst};
            apart = disjoint & SUMMARY_PART_DST;
        }
        if ((apart ? ss_merge_disjoint : ss_merge_drop)(dst->col[col], src->col[col], merge_dropped,
                                                        &d) != 0)
            return -1;
    }
    if (dst->hll_src != NULL && src->hll_src != NULL) {
        if (hll_merge(dst->hll_src, src->hll_src) != 0 ||
            hll_merge(dst->hll_dst, src->hll_dst) != 0)
            return -1;
    } else if (dst->hll_src != NULL) {
        drop_distinct(dst);
    }
    return 0;
}

int summary_merge(struct summary *dst, const struct summary *src)
{
    return merge(dst, src, 0);
}

int summary_merge_disjoint(struct summary *dst, const struct summary *src, unsigned parts)
{
    return merge(dst, src, parts & (SUMMARY_PART_SRC | SUMMARY_PART_DST));
}

/* Flags of the encoding: which optional parts follow. */
#define ENC_BOUNDS 1u
#define ENC_DISTINCT 2u
#define ENC_PORTS_DIRECT 4u
#define ENC_FLAGS 7u

int summary_encode(struct summary *s, struct bb_writer *w)
{
    flush_evictions(s);
    const struct summary_sizes *z = &s->sizes;
    bbw_varint(w, z->k_ports);
    bbw_varint(w, z->k_addrs);
    bbw_varint(w, z->k_strings);
    bbw_varint(w, z->cms_w);
    bbw_varint(w, z->cms_d);
    bbw_u8(w, (uint8_t)z->hll_p);
    bbw_u8(w, (uint8_t)((s->cms_src ? ENC_BOUNDS : 0) | (s->hll_src ? ENC_DISTINCT : 0) |
                        (s->port_cnt ? ENC_PORTS_DIRECT : 0)));
    bbw_varint(w, s->c.updates);
    bbw_varint(w, s->c.pkts);
    bbw_varint(w, s->c.bytes);
    bbw_varint(w, s->c.payload);
    bbw_varint(w, s->c.frags);
    bbw_f64(w, s->c.start);
    bbw_f64(w, s->c.end);
    size_t n = 0;
    for (size_t p = 0; p < 256; p++)
        n += s->prot_seen[p];
    bbw_varint(w, n);
    for (size_t p = 0; p < 256; p++)
        if (s->prot_seen[p]) {
            bbw_u8(w, (uint8_t)p);
            bbw_varint(w, s->prots[p]);
        }
    if (s->port_cnt != NULL) {
        bbw_varint(w, summary_ports_kept(s));
        size_t next = 0;
        for (size_t p = 0; p < PORTS; p++)
            if (port_seen(s, p)) {
                bbw_varint(w, p - next);
                bbw_varint(w, s->port_cnt[p]);
                next = p + 1;
            }
    }
    for (int col = 0; col < COL_COUNT; col++)
        if (s->col[col] != NULL && ss_encode(s->col[col], w) != 0)
            return -1;
    if (s->hll_src != NULL && (hll_encode(s->hll_src, w) != 0 || hll_encode(s->hll_dst, w) != 0))
        return -1;
    if (s->cms_src != NULL && (cms_encode(s->cms_src, w) != 0 || cms_encode(s->cms_dst, w) != 0))
        return -1;
    return bbw_ok(w) ? 0 : -1;
}

/* Sizes as read: each one bounded before summary_mem_bytes_for sees it. */
static bool read_sizes(struct bb_reader *r, struct summary_sizes *z)
{
    uint64_t v[5];
    for (int i = 0; i < 5; i++)
        v[i] = bbr_varint(r);
    unsigned p = bbr_u8(r);
    if (!bbr_ok(r))
        return false;
    for (int i = 0; i < 5; i++)
        if (v[i] > SIZE_MAX / 2 || v[i] > ((uint64_t)1 << 40))
            return bbr_fail(r);
    *z = (struct summary_sizes){(size_t)v[0], (size_t)v[1], (size_t)v[2],
                                (size_t)v[3], (size_t)v[4], p, 0};
    return true;
}

int summary_decode_sizes(struct bb_reader *r, struct summary_sizes *sizes)
{
    struct bb_reader peek = *r;
    if (!read_sizes(&peek, sizes)) {
        r->pos = peek.pos;
        bbr_fail(r);
        return -1;
    }
    return 0;
}

int summary_decode(struct summary *s, struct bb_reader *r, bool same_seed)
{
    struct summary_sizes z;
    if (!read_sizes(r, &z) || !sizes_equal(&z, &s->sizes))
        goto bad;
    uint8_t flags = bbr_u8(r);
    summary_clear(s);
    if (!bbr_ok(r) || (flags & ~ENC_FLAGS) || !(flags & ENC_PORTS_DIRECT) != !s->port_cnt ||
        ((flags & ENC_BOUNDS) && s->cms_src == NULL && !summary_lost(s)) ||
        ((flags & ENC_DISTINCT) && s->hll_src == NULL && !summary_lost(s)))
        goto bad;
    /* what the file lost, or what cannot be used under another seed, is
     * lost here too */
    bool bounds = (flags & ENC_BOUNDS) != 0, distinct = (flags & ENC_DISTINCT) != 0;
    if ((!bounds || !same_seed) && s->cms_src != NULL)
        drop_bounds(s);
    if ((!distinct || !same_seed) && s->hll_src != NULL)
        drop_distinct(s);
    s->c.updates = bbr_varint(r);
    s->c.pkts = bbr_varint(r);
    s->c.bytes = bbr_varint(r);
    s->c.payload = bbr_varint(r);
    s->c.frags = bbr_varint(r);
    s->c.start = bbr_f64(r);
    s->c.end = bbr_f64(r);
    uint64_t n = bbr_varint(r);
    if (!bbr_ok(r) || n > 256)
        goto bad;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t p = bbr_u8(r);
        uint64_t v = bbr_varint(r);
        if (!bbr_ok(r) || s->prot_seen[p])
            goto bad;
        s->prot_seen[p] = true;
        s->prots[p] = v;
    }
    if (s->port_cnt != NULL) {
        n = bbr_varint(r);
        if (!bbr_ok(r) || n > PORTS)
            goto bad;
        size_t next = 0;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t skip = bbr_varint(r), v = bbr_varint(r);
            if (!bbr_ok(r) || skip >= PORTS - next)
                goto bad;
            size_t p = next + (size_t)skip;
            s->port_cnt[p] = v;
            s->port_seen[p >> 3] |= (uint8_t)(1u << (p & 7));
            next = p + 1;
        }
    }
    for (int col = 0; col < COL_COUNT; col++)
        if (s->col[col] != NULL && ss_decode(s->col[col], r, s->seed) != 0)
            goto bad;
    /* sketches this side cannot use are read into scratch (allocated from
     * sizes already checked) and dropped */
    if (distinct) {
        struct hll *a = s->hll_src, *b = s->hll_dst;
        struct hll *ta = a ? NULL : hll_new(z.hll_p), *tb = b ? NULL : hll_new(z.hll_p);
        int rc = (a || ta) && (b || tb) ? 0 : -1;
        if (rc == 0)
            rc = hll_decode(a ? a : ta, r) | hll_decode(b ? b : tb, r);
        hll_free(ta);
        hll_free(tb);
        if (rc != 0)
            goto bad;
    }
    if (bounds) {
        struct cms *a = s->cms_src, *b = s->cms_dst;
        struct cms *ta = a ? NULL : cms_new(z.cms_w, z.cms_d, 0);
        struct cms *tb = b ? NULL : cms_new(z.cms_w, z.cms_d, 0);
        int rc = (a || ta) && (b || tb) ? 0 : -1;
        if (rc == 0)
            rc = cms_decode(a ? a : ta, r) | cms_decode(b ? b : tb, r);
        cms_free(ta);
        cms_free(tb);
        if (rc != 0)
            goto bad;
    }
    if (!bbr_ok(r))
        goto bad;
    return 0;
bad:
    summary_clear(s);
    bbr_fail(r);
    return -1;
}
