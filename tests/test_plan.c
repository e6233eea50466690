/* Unit tests of the memory plan (src/plan.h): properties over a table of options. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "summary.h"

struct row {
    size_t memory;
    bool memory_given, conns, save_mem, verbose, r_output, local_nets;
    size_t nnets;
    long long ilen;
};

static const struct row rows[] = {
    {64u << 20, false, false, false, false, false, false, 0, 0},
    {64u << 20, false, true, false, false, false, false, 0, 0},
    {64u << 20, false, true, false, true, false, true, 3, 60},
    {64u << 20, false, false, false, true, false, true, 10, 60},
    {64u << 20, false, false, true, false, false, false, 0, 3600},
    {64u << 20, false, true, false, false, true, true, 2, 3600},
    {8u << 20, true, false, false, true, false, false, 0, 1},
    {256u << 10, true, true, false, false, false, false, 0, 0},
    {1u << 20, true, false, false, true, false, true, 6, 3600},
    {512u << 20, true, false, false, false, false, true, 1, 0},
};

static void make(const struct row *r, struct plan_opts *o, struct plan *p)
{
    memset(o, 0, sizeof *o);
    o->memory = r->memory;
    o->memory_given = r->memory_given;
    o->conns = r->conns;
    o->save_mem = r->save_mem;
    o->verbose = r->verbose;
    o->r_output = r->r_output;
    o->ilen = r->ilen;
    o->local_nets = r->local_nets;
    o->nnets = r->nnets;
    o->fixed_bytes = 1000;
    plan_make(o, p);
}

Test(plan, every_summary_is_accounted_for)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct plan_opts o;
        struct plan p;
        make(&rows[i], &o, &p);
        size_t streams = rows[i].ilen > 0 ? (rows[i].r_output && rows[i].local_nets ? 3 : 1) : 0;
        cr_assert_eq(p.n_int_streams, streams, "row %zu", i);
        cr_assert_eq(p.dirs, rows[i].local_nets, "row %zu", i);
        cr_assert_eq(p.nnets, rows[i].local_nets ? rows[i].nnets : 0, "row %zu", i);
        /* what summary_new allocates for each, counted once per summary */
        size_t sum = 0;
        struct {
            const struct summary_sizes *z;
            size_t count;
        } all[4] = {{&p.main, 1},
                    {&p.dir, p.dirs ? 2 : 0},
                    {&p.net, p.nnets},
                    {&p.ivl, plan_interval_summaries(&p)}};
        for (int k = 0; k < 4; k++) {
            if (all[k].count == 0)
                continue;
            struct summary *s = summary_new(all[k].z, 1);
            cr_assert_not_null(s, "row %zu: summary %d", i, k);
            cr_assert_eq(summary_mem_bytes(s), summary_mem_bytes_for(all[k].z), "row %zu", i);
            sum += all[k].count * summary_mem_bytes(s);
            summary_free(s);
        }
        cr_assert_eq(p.summaries_bytes, sum, "row %zu", i);
        cr_assert_eq(p.total_bytes, sum + o.fixed_bytes, "row %zu", i);
        cr_assert_eq(plan_interval_summaries(&p), streams * p.max_open, "row %zu", i);
    }
}

Test(plan, the_sum_stays_within_the_budget)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct plan_opts o;
        struct plan p;
        make(&rows[i], &o, &p);
        cr_assert_leq(p.summaries_bytes, rows[i].memory, "row %zu: %zu bytes of %zu", i,
                      p.summaries_bytes, rows[i].memory);
    }
}

Test(plan, k_lies_within_its_bounds)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct plan_opts o;
        struct plan p;
        make(&rows[i], &o, &p);
        const struct row *r = &rows[i];
        size_t max_k = r->memory_given ? (size_t)1 << 24 : 65536;
        const struct summary_sizes *z[3] = {&p.main, &p.dir, &p.net};
        size_t nz = r->local_nets ? (r->nnets ? 3 : 2) : 1;
        for (size_t j = 0; j < nz; j++) {
            if (r->save_mem || r->r_output) {
                cr_assert_eq(z[j]->k_addrs, 0, "row %zu: -m and -R keep no host tables", i);
            } else {
                cr_assert_geq(z[j]->k_addrs, 16, "row %zu", i);
                cr_assert_leq(z[j]->k_addrs, max_k, "row %zu", i);
            }
            cr_assert_geq(z[j]->k_ports, 16, "row %zu", i);
            cr_assert_leq(z[j]->k_ports, r->save_mem ? 1024 : 65536, "row %zu", i);
            if (r->conns) {
                cr_assert_geq(z[j]->k_strings, 8, "row %zu", i);
                cr_assert_leq(z[j]->k_strings, 4096, "row %zu", i);
            } else {
                cr_assert_eq(z[j]->k_strings, 0, "row %zu", i);
            }
        }
        if (!p.interval_tables)
            cr_assert(p.ivl.k_addrs == 0 && p.ivl.k_ports == 0 && p.ivl.hll_p == 0, "row %zu", i);
        else if (!r->verbose)
            cr_assert_eq(p.ivl.k_addrs, 0, "row %zu: intervals keep hosts with -v only", i);
    }
}

Test(plan, a_larger_budget_never_plans_less)
{
    struct row r = {1u << 20, true, true, false, true, false, true, 4, 60};
    struct plan_opts o;
    struct plan prev, p;
    make(&r, &o, &prev);
    for (int i = 0; i < 6; i++) {
        r.memory *= 2;
        make(&r, &o, &p);
        cr_assert_geq(p.main.k_addrs, prev.main.k_addrs);
        cr_assert_geq(p.main.k_ports, prev.main.k_ports);
        cr_assert_geq(p.summaries_bytes, prev.summaries_bytes);
        prev = p;
    }
}

Test(plan, the_description_names_what_the_plan_holds)
{
    struct plan_opts o;
    struct plan p;
    make(&rows[2], &o, &p);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(plan_write(&p, &o, f), 0);
    fclose(f);
    char want[128];
    snprintf(want, sizeof want, "Space-Saving k=%zu each", p.main.k_addrs);
    cr_assert(strstr(buf, want) != NULL, "%s", buf);
    snprintf(want, sizeof want, "open intervals         %6zu x", plan_interval_summaries(&p));
    cr_assert(strstr(buf, want) != NULL, "%s", buf);
    snprintf(want, sizeof want, "planned in all: %zu bytes", p.total_bytes);
    cr_assert(strstr(buf, want) != NULL, "%s", buf);
    free(buf);
}
