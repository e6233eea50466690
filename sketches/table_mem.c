/* table_mem.c - memory for the large sketch tables, on huge pages from 2 MiB. */
#include "config.h"

#include "table_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static int mapped(size_t n)
{
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    return n >= HUGE_PAGE;
#else
    (void)n;
    return 0;
#endif
}

void *table_alloc(size_t n)
{
    if (n == 0)
        return NULL;
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (mapped(n)) {
        size_t pg = page_size();
        if (n > SIZE_MAX - pg - HUGE_PAGE)
            return NULL;
        size_t len = (n + pg - 1) / pg * pg;
        size_t map = len + HUGE_PAGE;
        uint8_t *raw = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return NULL;
        uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        size_t head = (size_t)(start - (uintptr_t)raw);
        size_t tail = map - head - len;
        if (head > 0)
            munmap(raw, head);
        if (tail > 0)
            munmap((uint8_t *)start + len, tail);
        (void)madvise((void *)start, len, MADV_HUGEPAGE); /* a hint: may fail */
        return (void *)start;
    }
#endif
    return calloc(1, n);
}

void table_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (mapped(n)) {
        size_t pg = page_size();
        munmap(p, (n + pg - 1) / pg * pg);
        return;
    }
    free(p);
}
