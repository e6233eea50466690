/* flow_cache.c - folds consecutive packets of one flow into one update (see flow_cache.h). */
#include "config.h"

#include "flow_cache.h"

#include <stdlib.h>
#include <string.h>

#include "intervals.h"

#define WAYS 2

_Static_assert(sizeof(struct ts_addr) == 17, "key_hash reads an address as 8 + 8 + 1 bytes");

struct run {
    bool started; /* the stream's base is known */
    bool valid;   /* cur is the current run's interval */
    long long base, cur;
};

struct flow_cache {
    struct flow_cache_params p;
    double ilen;
    size_t mask; /* sets - 1 */
    struct pipe_rec *ent; /* sets * WAYS; ->u.n == 0: empty */
    uint32_t *tag;        /* sets * WAYS; 0: empty */
    uint8_t *stream;      /* sets * WAYS: the direction stream of the flow */
    uint8_t *lru;         /* sets: the way to evict next */
    size_t resident;
    size_t pop_at; /* where flow_cache_pop looks next */
    struct run run[3];
    /* the last miss, for flow_cache_claim */
    size_t miss_set;
    uint32_t miss_tag;
    /* adaptivity */
    uint32_t win_left, win_hits;
    uint64_t pause_windows; /* the next pause, in windows */
    uint64_t paused;        /* the last pause, in records */
    struct flow_cache_stats st;
};

size_t flow_cache_mem_bytes(size_t sets)
{
    size_t per_set = WAYS * (sizeof(struct pipe_rec) + sizeof(uint32_t) + 1) + 1;
    if (sets == 0 || sets > SIZE_MAX / per_set)
        return 0;
    return sets * per_set;
}

struct flow_cache *flow_cache_new(const struct flow_cache_params *p)
{
    if (p->sets == 0 || (p->sets & (p->sets - 1)) != 0 || flow_cache_mem_bytes(p->sets) == 0)
        return NULL;
    struct flow_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->p = *p;
    c->ilen = (double)p->ilen;
    c->mask = p->sets - 1;
    size_t n = p->sets * WAYS;
    c->ent = calloc(n, sizeof *c->ent);
    c->tag = calloc(n, sizeof *c->tag);
    c->stream = calloc(n, 1);
    c->lru = calloc(p->sets, 1);
    if (c->ent == NULL || c->tag == NULL || c->stream == NULL || c->lru == NULL) {
        flow_cache_free(c);
        return NULL;
    }
    c->win_left = FLOW_CACHE_WINDOW;
    c->pause_windows = FLOW_CACHE_OFF_WINDOWS;
    return c;
}

void flow_cache_free(struct flow_cache *c)
{
    if (c == NULL)
        return;
    free(c->ent);
    free(c->tag);
    free(c->stream);
    free(c->lru);
    free(c);
}

static inline uint64_t load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The key's hash: a multiply-xor of the address words, the ports and the
 * protocol (struct ts_addr: the length byte, then 16 address bytes, read
 * as two words and the last byte). */
static inline uint64_t key_hash(const struct ts_record *r, uint64_t seed)
{
    const uint8_t *s = (const uint8_t *)&r->src, *d = (const uint8_t *)&r->dst;
    uint64_t x = seed ^ ((uint64_t)r->sport << 40 | (uint64_t)r->dport << 24 |
                         (uint64_t)r->proto << 16 | (uint64_t)s[16] << 8 | d[16]);
    x ^= load64(s) * 0x9e3779b97f4a7c15u;
    x ^= load64(s + 8) * 0xc2b2ae3d27d4eb4fu;
    x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9u;
    x ^= load64(d) * 0x94d049bb133111ebu;
    x ^= load64(d + 8) * 0xff51afd7ed558ccdu;
    return (x ^ (x >> 32)) * 0xc4ceb9fe1a85ec53u;
}

static inline bool same_addr(const struct ts_addr *a, const struct ts_addr *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static inline bool same_key(const struct summary_update *u, const struct ts_record *r)
{
    return u->sport == r->sport && u->dport == r->dport && u->proto == r->proto &&
           same_addr(&u->src, &r->src) && same_addr(&u->dst, &r->dst);
}

/* r's interval in stream s is the current run's. */
static inline bool in_run(const struct flow_cache *c, unsigned s, double ts)
{
    const struct run *rn = &c->run[s];
    long long idx;
    return rn->valid && intervals_index_at(rn->base, c->ilen, ts, &idx) && idx == rn->cur;
}

/* The end of a hit-rate window: off when it hit too rarely. */
static bool window_says_off(struct flow_cache *c)
{
    if (--c->win_left > 0)
        return false;
    bool off = c->p.adaptive && c->win_hits * FLOW_CACHE_MIN_HIT_RATE < FLOW_CACHE_WINDOW;
    c->win_left = FLOW_CACHE_WINDOW;
    c->win_hits = 0;
    if (!off) {
        c->pause_windows = FLOW_CACHE_OFF_WINDOWS;
        return false;
    }
    c->paused = c->pause_windows * FLOW_CACHE_WINDOW;
    c->st.paused += c->paused;
    /* off again right after a pause: the next pause is twice as long */
    if (c->pause_windows < FLOW_CACHE_OFF_WINDOWS_MAX)
        c->pause_windows *= 2;
    for (int s = 0; s < 3; s++)
        c->run[s].valid = false; /* the first record back starts a run */
    return true;
}

enum flow_cache_verdict flow_cache_lookup(struct flow_cache *c, const struct ts_record *r,
                                          struct pipe_rec **hit)
{
    c->st.lookups++;
    if (window_says_off(c))
        return FC_DRAIN;
    if (c->ilen > 0 && !in_run(c, 0, r->ts))
        return FC_NEW_RUN;
    uint64_t h = key_hash(r, c->p.seed);
    size_t set = (size_t)(h >> 32) & c->mask;
    uint32_t tag = (uint32_t)h | 1u;
    size_t i = set * WAYS;
    for (int w = 0; w < WAYS; w++, i++) {
        if (c->tag[i] != tag || !same_key(&c->ent[i].u, r))
            continue;
        if (c->ilen > 0 && c->stream[i] != 0 && !in_run(c, c->stream[i], r->ts))
            return FC_NEW_RUN;
        struct summary_update *u = &c->ent[i].u;
        if (u->n == UINT32_MAX || u->frag > UINT16_MAX - r->frag)
            return FC_BYPASS; /* stays as it is; r goes on alone */
        u->n++;
        u->frag = (uint16_t)(u->frag + r->frag);
        u->bytes += r->bytes;
        u->payload += r->payload;
        u->weight += c->p.by_bytes ? r->bytes : 1;
        if (r->ts < u->ts)
            u->ts = r->ts;
        if (r->end > u->end)
            u->end = r->end;
        c->lru[set] = (uint8_t)(1 - w);
        c->win_hits++;
        c->st.hits++;
        *hit = &c->ent[i];
        return FC_FOLDED;
    }
    c->miss_set = set;
    c->miss_tag = tag;
    return FC_MISS;
}

struct pipe_rec *flow_cache_claim(struct flow_cache *c, const struct ts_record *r,
                                  unsigned stream)
{
    if (c->ilen > 0 && stream != 0 && !in_run(c, stream, r->ts))
        return NULL;
    size_t set = c->miss_set, base = set * WAYS;
    size_t w = c->tag[base] == 0 ? 0 : c->tag[base + 1] == 0 ? 1 : c->lru[set];
    size_t i = base + w;
    if (c->tag[i] != 0) {
        c->st.evictions++;
    } else {
        c->resident++;
        c->ent[i].u.n = 0; /* empty: nothing for the caller to queue */
    }
    c->tag[i] = c->miss_tag;
    c->stream[i] = (uint8_t)stream;
    c->lru[set] = (uint8_t)(1 - w);
    return &c->ent[i];
}

void flow_cache_begin_run(struct flow_cache *c, double ts, unsigned stream)
{
    if (c->ilen <= 0)
        return;
    c->st.drains++;
    for (unsigned s = 0; s < 3; s++) {
        if (s != 0 && s != stream)
            continue;
        struct run *rn = &c->run[s];
        if (!rn->started) {
            rn->started = true;
            rn->base = intervals_base(ts, c->ilen);
        }
        long long idx = 0;
        bool ok = intervals_index_at(rn->base, c->ilen, ts, &idx);
        if (s == 0 && (!ok || !rn->valid || idx != rn->cur)) {
            /* another interval of Total's: the direction streams start over */
            c->run[1].valid = c->run[2].valid = false;
        }
        rn->valid = ok;
        rn->cur = ok ? idx : 0;
    }
}

const struct pipe_rec *flow_cache_pop(struct flow_cache *c)
{
    size_t n = (c->mask + 1) * WAYS;
    while (c->resident > 0) {
        size_t i = c->pop_at;
        c->pop_at = i + 1 == n ? 0 : i + 1;
        if (c->tag[i] == 0)
            continue;
        c->tag[i] = 0;
        c->resident--;
        return &c->ent[i];
    }
    return NULL;
}

uint64_t flow_cache_pause(const struct flow_cache *c)
{
    return c->paused;
}

size_t flow_cache_resident(const struct flow_cache *c)
{
    return c->resident;
}

void flow_cache_get_stats(const struct flow_cache *c, struct flow_cache_stats *out)
{
    *out = c->st;
}
