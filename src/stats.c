/* stats.c - confidence intervals of counts scaled from a sample (-S). */
#include "config.h"

#include "stats.h"

#include <math.h>

/* Series for P(a, x), good for x < a + 1. */
static double gamma_p_series(double a, double x)
{
    double sum = 1.0 / a, term = sum;
    for (int n = 1; n < 1000; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < fabs(sum) * 1e-15)
            break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Continued fraction for Q(a, x) = 1 - P(a, x), good for x >= a + 1
 * (modified Lentz). */
static double gamma_q_fraction(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-15)
            break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

double stats_gamma_p(double a, double x)
{
    if (x <= 0)
        return 0;
    if (x < a + 1)
        return gamma_p_series(a, x);
    return 1.0 - gamma_q_fraction(a, x);
}

double stats_gamma_quantile(double q, double a)
{
    double lo = 0, hi = a + 10 * sqrt(a) + 10;
    while (stats_gamma_p(a, hi) < q)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * (1 + hi); i++) {
        double mid = 0.5 * (lo + hi);
        if (stats_gamma_p(a, mid) < q)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void stats_sample_interval(uint64_t c, double p, double *lower, double *upper)
{
    double cd = (double)c;
    if (p >= 1) {
        *lower = *upper = cd;
        return;
    }
    if (c < 30) {
        *lower = c == 0 ? 0 : stats_gamma_quantile(0.025, cd) / p;
        *upper = stats_gamma_quantile(0.975, cd + 1) / p;
        return;
    }
    /* score interval with continuity correction: the n for which c lies
     * 1.96 standard deviations of Binomial(n, p) (plus half a count) from
     * n p; unlike c/p +- 1.96 sqrt(c (1 - p)) / p it uses the variance at
     * the bound itself */
    const double z2 = 1.96 * 1.96;
    double q = 1 - p;
    double lo_c = cd - 0.5, hi_c = cd + 0.5;
    double bl = 2 * lo_c * p + z2 * p * q, bh = 2 * hi_c * p + z2 * p * q;
    *lower = (bl - sqrt(bl * bl - 4 * p * p * lo_c * lo_c)) / (2 * p * p);
    *upper = (bh + sqrt(bh * bh - 4 * p * p * hi_c * hi_c)) / (2 * p * p);
}
