/* test_spill.c - the external sort against a stable in-memory sort. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "spill.h"

struct item {
    uint64_t key;
    uint32_t len;
    uint32_t seq; /* arrival; also the first 4 bytes of the record */
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A record's bytes follow from its arrival number: 4 bytes of seq, then
 * len - 4 bytes of a pattern. */
static void make_rec(uint8_t *buf, uint32_t seq, uint32_t len)
{
    uint64_t st = seq;
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)splitmix64(&st);
    if (len >= 4)
        memcpy(buf, &seq, 4);
}

static uint64_t data_bytes; /* of the last check_sort, with the 12-byte headers */

static char tmpdir[] = "/tmp/test-spill-XXXXXX";

static void fresh_tmpdir(void)
{
    cr_assert_not_null(mkdtemp(tmpdir));
    setenv("TMPDIR", tmpdir, 1);
}

static size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Puts n records with keys below nkeys and lengths in [4, maxlen] through a
 * spill of mem bytes and checks that they come back in stable key order. */
static void check_sort(size_t n, uint64_t nkeys, uint32_t maxlen, size_t mem, uint64_t seed,
                       uint64_t *disk_out)
{
    struct ts_err err;
    struct spill *s = spill_new(mem, &err);
    cr_assert_not_null(s);
    struct item *want = malloc(n * sizeof *want);
    uint8_t *buf = malloc(SPILL_REC_MAX);
    cr_assert(want && buf);
    uint64_t st = seed;
    data_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        want[i].key = splitmix64(&st) % nkeys;
        want[i].len = 4 + (uint32_t)(splitmix64(&st) % (maxlen - 3));
        want[i].seq = (uint32_t)i;
        data_bytes += 12 + want[i].len;
        make_rec(buf, want[i].seq, want[i].len);
        cr_assert_eq(spill_put(s, want[i].key, buf, want[i].len, &err), 0, "%s", err.msg);
        /* nothing of the spill is visible in the directory */
        if (i % 4096 == 0)
            cr_assert_eq(files_in(tmpdir), 0);
    }
    qsort(want, n, sizeof *want, cmp_item);
    cr_assert_eq(spill_rewind(s, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < n; i++) {
        uint64_t key = 0, peek = 0;
        const void *rec = NULL;
        size_t len = 0;
        cr_assert_eq(spill_peek(s, &peek, &err), 1);
        cr_assert_eq(spill_next(s, &key, &rec, &len, &err), 1, "record %zu: %s", i, err.msg);
        cr_assert_eq(peek, key);
        cr_assert_eq(key, want[i].key, "record %zu: key %llu, want %llu", i,
                     (unsigned long long)key, (unsigned long long)want[i].key);
        cr_assert_eq(len, want[i].len);
        make_rec(buf, want[i].seq, want[i].len);
        cr_assert(memcmp(rec, buf, len) == 0, "record %zu: bytes differ (stable order lost)", i);
    }
    uint64_t key;
    const void *rec;
    size_t len;
    cr_assert_eq(spill_next(s, &key, &rec, &len, &err), 0);
    cr_assert_eq(spill_count(s), n);
    *disk_out = spill_disk_bytes(s);
    spill_free(s);
    cr_assert_eq(files_in(tmpdir), 0);
    free(want);
    free(buf);
}

Test(spill, in_memory_when_it_fits)
{
    fresh_tmpdir();
    uint64_t disk;
    check_sort(1000, 50, 40, 1 << 20, 1, &disk);
    cr_assert_eq(disk, 0, "a spill that fits its buffer wrote %llu bytes",
                 (unsigned long long)disk);
    rmdir(tmpdir);
}

Test(spill, stable_key_order_across_runs)
{
    fresh_tmpdir();
    uint64_t disk;
    /* about 20 runs: one merge of level 0, then the rest at rewind */
    check_sort(20000, 300, 120, SPILL_MEM_MIN, 2, &disk);
    cr_assert_gt(disk, 0);
    rmdir(tmpdir);
}

Test(spill, stable_key_order_across_levels, .timeout = 60)
{
    fresh_tmpdir();
    uint64_t disk;
    /* several hundred runs: merges cascade over three levels */
    check_sort(300000, 100000, 200, SPILL_MEM_MIN, 3, &disk);
    /* written at level 0, merged into level 1 and again into level 2 */
    cr_assert_gt(disk, 2 * data_bytes, "disk %llu, data %llu", (unsigned long long)disk,
                 (unsigned long long)data_bytes);
    rmdir(tmpdir);
}

Test(spill, one_key_and_all_distinct)
{
    fresh_tmpdir();
    uint64_t disk;
    check_sort(50000, 1, 60, SPILL_MEM_MIN, 4, &disk);
    check_sort(50000, UINT64_MAX, 60, SPILL_MEM_MIN, 5, &disk);
    rmdir(tmpdir);
}

Test(spill, long_records)
{
    fresh_tmpdir();
    uint64_t disk;
    check_sort(400, 7, SPILL_REC_MAX, SPILL_MEM_MIN, 6, &disk);
    rmdir(tmpdir);
}

Test(spill, empty)
{
    struct ts_err err;
    struct spill *s = spill_new(0, &err);
    cr_assert_not_null(s);
    cr_assert_eq(spill_rewind(s, &err), 0);
    uint64_t key;
    const void *rec;
    size_t len;
    cr_assert_eq(spill_peek(s, &key, &err), 0);
    cr_assert_eq(spill_next(s, &key, &rec, &len, &err), 0);
    spill_free(s);
    spill_free(NULL);
}

struct misuse {
    const char *what;
    int code;
};

Test(spill, misuse_is_an_error)
{
    struct ts_err err;
    struct spill *s = spill_new(0, &err);
    static uint8_t big[SPILL_REC_MAX + 1];
    cr_assert_eq(spill_put(s, 1, big, sizeof big, &err), TS_ERANGE);
    cr_assert_eq(spill_next(s, &(uint64_t){0}, &(const void *){NULL}, &(size_t){0}, &err),
                 TS_EUSAGE);
    cr_assert_eq(spill_rewind(s, &err), 0);
    cr_assert_eq(spill_put(s, 1, big, 1, &err), TS_EUSAGE);
    cr_assert_eq(spill_rewind(s, &err), TS_EUSAGE);
    spill_free(s);
}

/* A full disk: with a file size limit the writes fail (EFBIG), which must
 * come back as an error that names the directory. */
Test(spill, full_disk_is_an_error)
{
    fresh_tmpdir();
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 100000, .rlim_max = 100000};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    struct ts_err err;
    struct spill *s = spill_new(0, &err);
    uint8_t rec[100] = {0};
    int rc = 0;
    for (int i = 0; i < 100000 && rc == 0; i++)
        rc = spill_put(s, (uint64_t)i, rec, sizeof rec, &err);
    cr_assert_eq(rc, TS_EIO);
    cr_assert(strstr(err.msg, tmpdir) != NULL, "message: %s", err.msg);
    spill_free(s);
    cr_assert_eq(files_in(tmpdir), 0);
    rmdir(tmpdir);
}

Test(spill, missing_tmpdir_is_an_error)
{
    setenv("TMPDIR", "/nonexistent/dir", 1);
    struct ts_err err;
    cr_assert_null(ts_tmpfile(&err));
    cr_assert_eq(err.code, TS_EIO);
    cr_assert(strstr(err.msg, "'/nonexistent/dir'") != NULL, "message: %s", err.msg);
    struct spill *s = spill_new(0, &err);
    uint8_t rec[1000] = {0};
    int rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++)
        rc = spill_put(s, 1, rec, sizeof rec, &err);
    cr_assert_eq(rc, TS_EIO);
    spill_free(s);
}

Test(spill, tmpfile_is_unlinked)
{
    fresh_tmpdir();
    struct ts_err err;
    FILE *f = ts_tmpfile(&err);
    cr_assert_not_null(f, "%s", err.msg);
    cr_assert_eq(files_in(tmpdir), 0);
    cr_assert_eq(fputs("x", f) >= 0, 1);
    fclose(f);
    rmdir(tmpdir);
}
