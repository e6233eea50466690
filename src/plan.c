/* plan.c - divides the memory budget across the summaries of a run. */
#include "config.h"

#include "plan.h"

#include <math.h>
#include <string.h>

#include "hyperloglog.h"
#include "space_saving.h"

/* Largest k whose Space-Saving of keylen-byte keys fits bytes, within [lo, hi]. */
static size_t k_for_bytes(size_t bytes, size_t keylen, size_t lo, size_t hi)
{
    size_t best = lo;
    size_t a = lo, b = hi;
    while (a <= b) {
        size_t mid = a + (b - a) / 2;
        size_t need = ss_mem_bytes_for(mid, keylen);
        if (need != 0 && need <= bytes) {
            best = mid;
            a = mid + 1;
        } else {
            if (mid == 0)
                break;
            b = mid - 1;
        }
    }
    return best;
}

static size_t pow2_floor(size_t v)
{
    size_t p = 1;
    while (p * 2 <= v)
        p *= 2;
    return p;
}

/* Largest useful k for the host tables with the default budget: enough
 * for 65536 distinct hosts exact, small enough to stay in the cache;
 * --memory lifts it. */
#define DEFAULT_MAX_K_ADDRS 65536

/* Sizes for one summary given its share of the budget (see plan.h). */
static void sizes_for_share(size_t bytes, bool addrs, bool conns, size_t max_ports,
                            size_t max_k_addrs, struct summary_sizes *z)
{
    memset(z, 0, sizeof *z);
    z->hll_p = bytes >= ((size_t)8 << 20) ? 14 : bytes >= ((size_t)1 << 20) ? 12 : 10;
    size_t hll = 2 * hll_mem_bytes_for(z->hll_p);
    size_t rest = bytes > hll + 4096 ? bytes - hll - 4096 : 0;
    if (addrs) {
        double a = conns ? 0.33 : 0.38;
        z->k_addrs = k_for_bytes((size_t)((double)rest * a), 16, 16, max_k_addrs);
        z->cms_d = 4;
        z->cms_w = pow2_floor((size_t)((double)rest * 0.03) / (8 * z->cms_d));
        if (z->cms_w < 64)
            z->cms_w = z->cms_d = 0;
        z->k_ports = k_for_bytes((size_t)((double)rest * 0.17), 2, 16, max_ports);
        z->k_strings =
            conns ? k_for_bytes((size_t)((double)rest * 0.03), SUMMARY_STR_MAX, 8, 4096) : 0;
    } else {
        z->k_ports = k_for_bytes(rest * 3 / 5, 2, 16, max_ports);
        z->k_strings = conns ? k_for_bytes(rest / 5, SUMMARY_STR_MAX, 8, 4096) : 0;
    }
}

size_t plan_interval_summaries(const struct plan *p)
{
    return p->n_int_streams * p->max_open;
}

void plan_make(const struct plan_opts *o, struct plan *p)
{
    memset(p, 0, sizeof *p);
    double budget = (double)o->memory;
    bool addrs = !o->save_mem && !o->r_output; /* like the original, -m and -R keep
                                                   no per-host tables */
    size_t max_ports = 65536;
    if (o->save_mem && !o->write_ports) {
        /* only ports < 1024 and those listed with -p can be counted */
        max_ports = 1024;
        if (o->port_set)
            for (size_t q = 1024; q < 65536; q++)
                max_ports += (o->port_set[q >> 3] >> (q & 7)) & 1;
    }
    size_t mk = o->memory_given ? (size_t)1 << 24 : DEFAULT_MAX_K_ADDRS;
    p->interval_tables = o->ilen > 0 && (o->verbose || o->r_output);
    p->max_open = p->interval_tables ? PLAN_MAX_OPEN_TABLES : PLAN_MAX_OPEN_COUNTERS;
    p->n_int_streams =
        o->ilen > 0 ? ((o->r_output || o->dir_intervals) && o->local_nets ? 3 : 1) : 0;
    if (p->interval_tables) {
        double share = budget * 0.15 / (double)(p->n_int_streams * p->max_open);
        sizes_for_share((size_t)share, addrs && o->verbose, o->conns, max_ports, mk, &p->ivl);
        budget *= 0.85;
    }
    p->dirs = o->local_nets;
    p->nnets = o->local_nets ? o->nnets : 0;
    if (p->nnets > 0) {
        sizes_for_share((size_t)(budget * 0.10 / (double)p->nnets), addrs, o->conns, max_ports, mk,
                        &p->net);
        budget *= 0.90;
    }
    if (o->local_nets) {
        sizes_for_share((size_t)(budget * 0.33), addrs, o->conns, max_ports, mk, &p->main);
        p->dir = p->main;
    } else {
        sizes_for_share((size_t)budget, addrs, o->conns, max_ports, mk, &p->main);
    }
    p->summaries_bytes = summary_mem_bytes_for(&p->main) +
                         (p->dirs ? 2 * summary_mem_bytes_for(&p->dir) : 0) +
                         summary_mem_bytes_for(&p->net) * p->nnets +
                         plan_interval_summaries(p) * summary_mem_bytes_for(&p->ivl);
    p->total_bytes = p->summaries_bytes + o->fixed_bytes;
}

static void plan_line(FILE *out, const char *what, size_t count, const struct summary_sizes *z,
                      bool conns)
{
    if (count == 0)
        return;
    fprintf(out, "%-22s %6zu x %10zu bytes\n", what, count, summary_mem_bytes_for(z));
    if (z->k_addrs)
        fprintf(out,
                "    sources, destinations  Space-Saving k=%zu each: exact up to %zu distinct "
                "hosts; else every count within N/%zu\n",
                z->k_addrs, z->k_addrs, z->k_addrs);
    if (z->cms_w)
        fprintf(out,
                "                           Count-Min %zu x %zu each: upper bounds within "
                "%.4f%% of N with probability %.1f%%\n",
                z->cms_w, z->cms_d, 100.0 * 2.718281828 / (double)z->cms_w,
                100.0 * (1 - exp(-(double)z->cms_d)));
    if (summary_ports_direct(z))
        fprintf(out, "    ports                  65536 exact counters\n");
    else if (z->k_ports)
        fprintf(out,
                "    ports                  Space-Saving k=%zu: exact up to k distinct ports\n",
                z->k_ports);
    if (conns && z->k_strings)
        fprintf(out, "    services, states       Space-Saving k=%zu each\n", z->k_strings);
    fprintf(out, "    protocols              256 exact counters\n");
    if (z->hll_p)
        fprintf(out, "    distinct hosts         HyperLogLog m=%u each: standard error %.2f%%\n",
                1u << z->hll_p, 104.0 / sqrt((double)(1u << z->hll_p)));
}

int plan_write(const struct plan *p, const struct plan_opts *o, FILE *out)
{
    fprintf(out, "memory budget for the summaries: %zu bytes (%.1f MiB)\n", o->memory,
            (double)o->memory / 1048576.0);
    plan_line(out, "Total", 1, &p->main, o->conns);
    if (p->dirs) {
        plan_line(out, "Incoming, Outgoing", 2, &p->dir, o->conns);
        plan_line(out, "local networks", o->nnets, &p->net, o->conns);
    }
    if (o->ilen > 0)
        plan_line(out, "open intervals", plan_interval_summaries(p), &p->ivl, o->conns);
    fprintf(out,
            "planned in all: %zu bytes (%.1f MiB); input buffers and record batches add "
            "about 2.5 MiB\n",
            p->total_bytes, (double)p->total_bytes / 1048576.0);
    return ferror(out) ? -1 : 0;
}
