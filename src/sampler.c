/* sampler.c - geometric skips for the -S filter (see sampler.h). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hash.h"
#include "sampler.h"

void sampler_init(struct sampler *s, double p, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    if (!(p > 0 && p < 1))
        return;
    s->on = true;
    s->logq = log1p(-p);
    s->state = seed ^ 0x5851f42d4c957f2dull;
    sampler_draw(s);
}

void sampler_draw(struct sampler *s)
{
    double u = ((double)(splitmix64(&s->state) >> 11) + 0.5) / 9007199254740992.0;
    double k = floor(log(u) / s->logq);
    s->skip = k > 1e18 ? (uint64_t)1e18 : (uint64_t)k;
}
