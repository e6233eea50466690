/* Unit tests for netset: longest-prefix lookup against a scan of every
 * network, on random lists of both families with mixed prefix lengths. */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netset.h"

struct ref_net {
    uint8_t addr[16];
    uint8_t len;
    unsigned prefix;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool contains(const struct ref_net *n, const uint8_t *a, size_t len)
{
    if (n->len != len)
        return false;
    for (unsigned bit = 0; bit < n->prefix; bit++) {
        unsigned m = 0x80u >> (bit % 8);
        if ((n->addr[bit / 8] & m) != (a[bit / 8] & m))
            return false;
    }
    return true;
}

/* The longest network of the list containing a; of equal ones the first. */
static int scan(const struct ref_net *nets, size_t n, const uint8_t *a, size_t len)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (contains(&nets[i], a, len) && (best < 0 || nets[i].prefix > nets[best].prefix))
            best = (int)i;
    return best;
}

/* A random address, often inside one of the networks (the rest of its
 * bits random) so that most prefix lengths get hits. */
static size_t random_addr(const struct ref_net *nets, size_t n, uint8_t a[16])
{
    size_t len = rnd() % 3 == 0 ? 16 : 4;
    for (int i = 0; i < 16; i++)
        a[i] = (uint8_t)rnd();
    if (n > 0 && rnd() % 4 != 0) {
        const struct ref_net *base = &nets[rnd() % n];
        len = base->len;
        for (unsigned bit = 0; bit < base->prefix; bit++) {
            unsigned m = 0x80u >> (bit % 8);
            a[bit / 8] = (uint8_t)((a[bit / 8] & ~m) | (base->addr[bit / 8] & m));
        }
    }
    return len;
}

static void check_round(uint64_t seed, size_t count, const unsigned *v4p, size_t n4,
                        const unsigned *v6p, size_t n6)
{
    rng_state = seed;
    struct ref_net nets[64];
    cr_assert(count <= 64);
    char path[] = "/tmp/test_netset_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    cr_assert(f != NULL);
    for (size_t i = 0; i < count; i++) {
        struct ref_net *n = &nets[i];
        bool v6 = n6 > 0 && (n4 == 0 || rnd() % 2 == 0);
        n->len = v6 ? 16 : 4;
        n->prefix = v6 ? v6p[rnd() % n6] : v4p[rnd() % n4];
        memset(n->addr, 0, sizeof n->addr);
        /* nearby networks: few random high bits, so that they nest */
        if (i > 0 && rnd() % 3 == 0 && nets[i - 1].len == n->len)
            memcpy(n->addr, nets[i - 1].addr, n->len);
        else
            for (size_t b = 0; b < n->len; b++)
                n->addr[b] = (uint8_t)(b < 2 ? rnd() % 4 : rnd());
        char text[INET6_ADDRSTRLEN];
        cr_assert(inet_ntop(v6 ? AF_INET6 : AF_INET, n->addr, text, sizeof text) != NULL);
        /* the file keeps host bits; the list masks them */
        fprintf(f, "%s/%u net%zu\n", text, n->prefix, i);
        for (unsigned bit = n->prefix; bit < n->len * 8u; bit++)
            n->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    }
    cr_assert(fclose(f) == 0);
    struct ts_err err;
    struct netset *s = netset_read(path, NULL, NULL, &err);
    unlink(path);
    cr_assert(s != NULL);
    cr_assert_eq(netset_count(s), count);
    for (int t = 0; t < 20000; t++) {
        uint8_t a[16];
        size_t len = random_addr(nets, count, a);
        int want = scan(nets, count, a, len);
        int got = netset_lookup(s, a, len);
        cr_assert_eq(got, want, "seed %llu, lookup %d: got %d, want %d", (unsigned long long)seed,
                     t, got, want);
    }
    netset_free(s);
}

Test(netset, lookup_matches_scan_mixed)
{
    static const unsigned v4[] = {0, 1, 7, 8, 9, 12, 16, 23, 24, 31, 32};
    static const unsigned v6[] = {0, 3, 32, 48, 49, 63, 64, 65, 96, 120, 127, 128};
    for (uint64_t seed = 1; seed <= 40; seed++)
        check_round(seed * 0x9e3779b97f4a7c15u, 1 + seed % 60, v4, sizeof v4 / sizeof v4[0], v6,
                    sizeof v6 / sizeof v6[0]);
}

Test(netset, lookup_matches_scan_one_length)
{
    static const unsigned v4[] = {12};
    static const unsigned v6[] = {49};
    for (uint64_t seed = 1; seed <= 10; seed++) {
        check_round(seed * 0xbf58476d1ce4e5b9u, 10, v4, 1, v6, 1);
        check_round(seed * 0x94d049bb133111ebu, 30, v4, 1, NULL, 0);
        check_round(seed * 0x2545f4914f6cdd1du, 30, NULL, 0, v6, 1);
    }
}

Test(netset, other_lengths_and_empty)
{
    struct ts_err err;
    char path[] = "/tmp/test_netset_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert(write(fd, "# none\n\n", 8) == 8);
    close(fd);
    struct netset *s = netset_read(path, NULL, NULL, &err);
    unlink(path);
    cr_assert(s != NULL);
    uint8_t a[16] = {10, 1, 2, 3};
    cr_assert_eq(netset_lookup(s, a, 4), -1);
    cr_assert_eq(netset_lookup(s, a, 16), -1);
    cr_assert_eq(netset_lookup(s, a, 5), -1);
    netset_free(s);
    cr_assert_eq(netset_lookup(NULL, a, 4), -1);
}
