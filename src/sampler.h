/*
 * sampler.h - the -S filter: keeps each record with probability P by
 * drawing geometric skips, so that a reader can drop records before it
 * parses them.
 *
 * The draws come from one splitmix64 stream seeded by the run's seed: the
 * same seed keeps the same records. One sampler may serve several readers
 * in turn (inputs read as one stream). O(1) a record; a draw (one log) per
 * record kept.
 */
#ifndef TS_SAMPLER_H
#define TS_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

struct sampler {
    double logq; /* log(1 - P) */
    uint64_t state;
    uint64_t skip; /* records still to drop before the next one kept */
    bool on;
};

/* Sets s up for probability p (0 < p < 1), or off (keeps every record)
 * for any other p. */
void sampler_init(struct sampler *s, double p, uint64_t seed);

/* Draws the number of records to drop before the next one kept. */
void sampler_draw(struct sampler *s);

/* True when this record is dropped. */
static inline bool sampler_drop(struct sampler *s)
{
    if (!s->on)
        return false;
    if (s->skip > 0) {
        s->skip--;
        return true;
    }
    sampler_draw(s);
    return false;
}

#endif
