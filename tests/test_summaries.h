/*
 * test_summaries.h - hand-made summaries for the unit tests of the reports
 * (text and HTML): a connection record, a small summary, adding a record
 * and the text block of a summary. Header-only: each test includes it once.
 */
#ifndef TS_TEST_SUMMARIES_H
#define TS_TEST_SUMMARIES_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "summary.h"

static inline struct ts_record conn(const char *src, const char *dst, uint16_t dport, uint8_t proto,
                                    const char *service, const char *state, uint64_t bytes)
{
    struct ts_record r;
    memset(&r, 0, sizeof r);
    r.kind = TS_REC_CONN;
    r.ts = r.end = 1300475167;
    const char *addrs[2] = {src, dst};
    struct ts_addr *out[2] = {&r.src, &r.dst};
    for (int i = 0; i < 2; i++) {
        if (strchr(addrs[i], ':')) {
            out[i]->len = 16;
            inet_pton(AF_INET6, addrs[i], out[i]->b);
        } else {
            out[i]->len = 4;
            inet_pton(AF_INET, addrs[i], out[i]->b);
        }
    }
    r.dport = dport;
    r.proto = proto;
    r.service.p = service;
    r.service.len = strlen(service);
    r.state.p = state;
    r.state.len = strlen(state);
    r.bytes = r.payload = bytes;
    return r;
}

static inline char *render(const struct summary *s, size_t topn, bool conns)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct report_opts o = {.out = f, .conns = conns, .topn = topn, .factor = 1, .seed = 7};
    setenv("TZ", "GMT+5", 1);
    tzset();
    cr_assert_eq(report_block(&o, s, "Total", true), 0);
    fclose(f);
    return buf;
}

static inline struct summary *small_summary(size_t k_addrs)
{
    struct summary_sizes z = {.k_ports = 64, .k_addrs = k_addrs, .k_strings = 16, .hll_p = 10};
    struct summary *s = summary_new(&z, 7);
    cr_assert_not_null(s);
    return s;
}

static inline void add(struct summary *s, const struct ts_record *r)
{
    struct summary_update u;
    struct summary_update_params up = {.conns = true, .hash_ports = true, .seed = 7};
    summary_update_prepare(&u, r, &up, NULL);
    summary_add(s, &u, true);
}

#endif
