/*
 * stats.h - confidence intervals for counts scaled up from a sample.
 *
 * A count c seen among records each kept with probability P estimates
 * c / P. Its 95% interval is about c/P +- 1.96 sqrt(c (1 - P)) / P (normal
 * approximation of the binomial thinning); for small c (below 30) the exact
 * Poisson limits (Garwood 1936) are used instead:
 *   lower = Gamma^-1(0.025; c),  upper = Gamma^-1(0.975; c + 1)
 * where Gamma^-1(q; a) is the q-quantile of the Gamma(a, 1) distribution.
 */
#ifndef TS_STATS_H
#define TS_STATS_H

#include <stdint.h>

/* Regularized lower incomplete gamma function P(a, x), a > 0, x >= 0. */
double stats_gamma_p(double a, double x);
/* The q-quantile (0 < q < 1) of Gamma(a, 1), a > 0. */
double stats_gamma_quantile(double q, double a);
/* 95% interval of the unsampled count given c kept with probability p
 * (0 < p <= 1); with p = 1 both bounds are c. */
void stats_sample_interval(uint64_t c, double p, double *lower, double *upper);

#endif
