/*
 * bench_sketches.c - updates per second of each sketch.
 *
 * Usage: bench/bench_sketches [ZIPF_S [SECONDS]]   (defaults 1.1 and 0.3)
 *
 * Keys are pre-generated: 2^20 Zipf(s)-distributed ids over 10^6 distinct
 * keys, written as IPv4 (4 bytes) and IPv6 (16 bytes) addresses; weights
 * for the weighted runs are uniform in 1..1500 (packet sizes). The timed
 * loop hashes each key (hash64) and updates the sketch, as the tool does.
 * Space-Saving and Count-Min use k (and width) 1024 and 65536, Count-Min
 * depth 4, HyperLogLog p = log2 k. Prints one line per configuration: the
 * rate of the fastest pass over the keys (least disturbed by other load)
 * and the mean rate over all passes, both in CPU time of this process.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "count_min.h"
#include "hash.h"
#include "hyperloglog.h"
#include "space_saving.h"

#define NKEYS (1u << 20)
#define UNIVERSE 1000000u

static uint8_t keys4[NKEYS][4];
static uint8_t keys16[NKEYS][16];
static uint64_t weights[NKEYS];

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int generate(double s)
{
    double *cdf = malloc(UNIVERSE * sizeof *cdf);
    if (cdf == NULL)
        return -1;
    double acc = 0;
    for (uint32_t r = 0; r < UNIVERSE; r++) {
        acc += pow(r + 1.0, -s);
        cdf[r] = acc;
    }
    uint64_t state = 42;
    for (uint32_t i = 0; i < NKEYS; i++) {
        double u = (double)(rng_next(&state) >> 11) / 9007199254740992.0 * acc;
        uint32_t lo = 0, hi = UNIVERSE - 1;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint32_t id = lo * 2654435761u; /* scatter ranks over the address space */
        uint8_t v4[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
        memcpy(keys4[i], v4, 4);
        static const uint8_t prefix[12] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(keys16[i], prefix, 12);
        memcpy(keys16[i] + 12, v4, 4);
        keys16[i][8] = (uint8_t)(id >> 3); /* some variation in the middle too */
        weights[i] = 1 + rng_next(&state) % 1500;
    }
    free(cdf);
    return 0;
}

/* CPU time of this process: time spent waiting for a core while other
 * processes run is not counted, so the rates are per core actually used. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum sketch { SK_HASH, SK_SS, SK_CMS, SK_HLL };

struct config {
    enum sketch sketch;
    size_t k;
    size_t keylen;
    bool weighted;
};

static volatile uint64_t sink;

/* One pass over the key array; returns a value that depends on the work. */
static uint64_t pass(const struct config *c, struct ss *ss, struct cms *cms, struct hll *hll,
                     uint64_t seed)
{
    const uint8_t *base = c->keylen == 4 ? &keys4[0][0] : &keys16[0][0];
    size_t len = c->keylen;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < NKEYS; i++) {
        const uint8_t *key = base + (size_t)i * len;
        uint64_t w = c->weighted ? weights[i] : 1;
        uint64_t h = hash64(key, len, seed);
        switch (c->sketch) {
        case SK_HASH:
            acc += h;
            break;
        case SK_SS:
            ss_add(ss, key, len, h, w);
            break;
        case SK_CMS:
            cms_add(cms, h, w);
            break;
        case SK_HLL:
            hll_add(hll, h);
            break;
        }
    }
    return acc;
}

/* Returns the rate of the fastest pass (the one least disturbed by other
 * processes) and stores the mean rate over all passes in *mean_rate. */
static double run(const struct config *c, double seconds, double *mean_rate)
{
    uint64_t seed = hash_random_seed();
    struct ss *ss = NULL;
    struct cms *cms = NULL;
    struct hll *hll = NULL;
    unsigned p = 0;
    while (((size_t)1 << p) < c->k)
        p++;
    if (c->sketch == SK_SS)
        ss = ss_new(c->k, c->keylen);
    if (c->sketch == SK_CMS)
        cms = cms_new(c->k, 4, seed);
    if (c->sketch == SK_HLL)
        hll = hll_new(p);
    if ((c->sketch == SK_SS && ss == NULL) || (c->sketch == SK_CMS && cms == NULL) ||
        (c->sketch == SK_HLL && hll == NULL))
        return -1;

    sink += pass(c, ss, cms, hll, seed); /* warm-up: fill the sketch */
    size_t passes = 0;
    double start = now(), elapsed, best = 0;
    do {
        double t0 = now();
        sink += pass(c, ss, cms, hll, seed);
        double t = now() - t0;
        if (best == 0 || t < best)
            best = t;
        passes++;
        elapsed = now() - start;
    } while (elapsed < seconds || passes < 3);
    *mean_rate = (double)passes * NKEYS / elapsed;
    if (ss != NULL)
        sink += ss_total(ss) + ss_min_count(ss);
    if (cms != NULL)
        sink += cms_total(cms);
    if (hll != NULL)
        sink += (uint64_t)hll_estimate(hll);
    ss_free(ss);
    cms_free(cms);
    hll_free(hll);
    return NKEYS / best;
}

int main(int argc, char **argv)
{
    double s = 1.1, seconds = 0.3;
    if (argc > 1) {
        char *end;
        s = strtod(argv[1], &end);
        if (*end != '\0' || !(s >= 0 && s <= 5)) {
            fprintf(stderr, "bench_sketches: bad Zipf exponent '%s'\n", argv[1]);
            return 2;
        }
    }
    if (argc > 2) {
        char *end;
        seconds = strtod(argv[2], &end);
        if (*end != '\0' || !(seconds > 0 && seconds <= 60)) {
            fprintf(stderr, "bench_sketches: bad duration '%s'\n", argv[2]);
            return 2;
        }
    }
    if (generate(s) != 0) {
        fprintf(stderr, "bench_sketches: out of memory\n");
        return 1;
    }
    static const char *names[] = {"hash64 only", "space-saving", "count-min d=4", "hyperloglog"};
    static const size_t ks[] = {1024, 65536};
    printf("Zipf s = %.2f over %u keys, %u updates per pass, hashing included\n", s, UNIVERSE,
           NKEYS);
    printf("%-14s %7s %5s %-9s %10s %10s\n", "sketch", "k/w/m", "key", "weights", "best M/s",
           "mean M/s");
    for (int sk = SK_HASH; sk <= SK_HLL; sk++)
        for (size_t ki = 0; ki < 2; ki++)
            for (size_t keylen = 4; keylen <= 16; keylen += 12)
                for (int weighted = 0; weighted <= 1; weighted++) {
                    if ((sk == SK_HLL || sk == SK_HASH) && weighted)
                        continue;
                    if (sk == SK_HASH && ki > 0)
                        continue;
                    struct config c = {(enum sketch)sk, ks[ki], keylen, weighted != 0};
                    double mean = 0, rate = run(&c, seconds, &mean);
                    if (rate < 0) {
                        fprintf(stderr, "bench_sketches: allocation failed\n");
                        return 1;
                    }
                    printf("%-14s %7zu %5s %-9s %10.1f %10.1f\n", names[sk], ks[ki],
                           keylen == 4 ? "IPv4" : "IPv6", weighted ? "1..1500" : "unit", rate / 1e6,
                           mean / 1e6);
                }
    return 0;
}
