/*
 * summary_size.c - bytes of a summary file of a conn.log: reads the log
 * from stdin, counts its connections into a Total summary of the default
 * sizes (or those of -m with the argument "-m"), writes the summary file
 * to the path given and prints its size and each summary's encoded bytes.
 *   bench/summary_size [-m] OUT.tss < conn.log
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_log.h"
#include "hash.h"
#include "summary_file.h"

int main(int argc, char **argv)
{
    bool small = argc > 2 && strcmp(argv[1], "-m") == 0;
    if (argc < 2 || (argc > 2 && !small)) {
        fprintf(stderr, "usage: summary_size [-m] OUT.tss < conn.log\n");
        return 2;
    }
    /* the sizes --memory-plan shows for -c, and for -c -m */
    struct summary_sizes z = small ? (struct summary_sizes){1024, 0, 1812, 0, 0, 12}
                                   : (struct summary_sizes){65536, 65536, 4096, 32768, 4, 14};
    uint64_t seed = hash_random_seed();
    struct summary *s = summary_new(&z, seed);
    struct conn_parser *cp = conn_parser_new(0);
    if (s == NULL || cp == NULL)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t records = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        struct ts_record r;
        ts_record_clear(&r);
        if (conn_parse_line(cp, line, (size_t)n, &r) != CONN_RECORD)
            continue;
        struct summary_update u;
        struct summary_update_params up = {
            .conns = true, .hash_ports = summary_ports_sketched(s), .seed = seed};
        summary_update_prepare(&u, &r, &up, NULL);
        summary_add(s, &u, true);
        records++;
    }
    free(line);
    conn_parser_free(cp);
    FILE *out = fopen(argv[argc - 1], "wb");
    if (out == NULL)
        return 1;
    struct sf_params p;
    memset(&p, 0, sizeof p);
    p.conns = true;
    p.maxtime = 1e20;
    p.factor = 1;
    p.total = p.dir = p.net = z;
    p.seed_fingerprint = hash_seed_fingerprint(seed);
    p.version = PACKAGE_VERSION;
    struct ts_err err;
    struct sf_writer *w = sf_writer_new(out, &p, &err);
    if (w == NULL || sf_writer_summary(w, SF_TOTAL, 0, 0, s, &err) != 0) {
        fprintf(stderr, "summary_size: %s\n", err.msg);
        return 1;
    }
    uint64_t after_total = sf_writer_bytes(w);
    struct sf_run run = {
        summary_counters(s)->start, summary_counters(s)->end, 0, 0, 0, 0, 0, 0, 0, false};
    if (sf_writer_finish(w, &run, &err) != 0) {
        fprintf(stderr, "summary_size: %s\n", err.msg);
        return 1;
    }
    printf("%llu records, sizes k_ports=%zu k_addrs=%zu k_strings=%zu cms=%zux%zu hll_p=%u\n",
           (unsigned long long)records, z.k_ports, z.k_addrs, z.k_strings, z.cms_w, z.cms_d,
           z.hll_p);
    printf("summary in memory %zu bytes; file %llu bytes (Total section %llu)\n",
           summary_mem_bytes(s), (unsigned long long)sf_writer_bytes(w),
           (unsigned long long)(after_total));
    for (int col = 0; col < COL_COUNT; col++) {
        struct summary_col_info ci;
        summary_col_info(s, col, &ci);
        if (ci.sketched)
            printf("  column %d: k=%zu, %s\n", col, ci.k, ci.evicted ? "evicted" : "exact");
    }
    sf_writer_free(w);
    summary_free(s);
    return fclose(out) == 0 ? 0 : 1;
}
