/*
 * table_mem.h - memory for the large tables of the sketches.
 *
 * The sketches are read and written at random positions, so with 4 KiB
 * pages nearly every update of a table of several MiB also misses the
 * TLB. Tables of at least 2 MiB are therefore mapped at a 2 MiB boundary
 * and marked for transparent huge pages (madvise MADV_HUGEPAGE, honoured
 * when the system's THP mode is "madvise" or "always"); smaller ones come
 * from calloc. Either way the memory is zeroed, and the resident size is
 * that of the bytes asked for (rounded up to a 4 KiB page): the mapping is
 * trimmed to the table, so whole 2 MiB extents get huge pages and the tail
 * keeps small ones.
 */
#ifndef TS_TABLE_MEM_H
#define TS_TABLE_MEM_H

#include <stddef.h>

/* n zeroed bytes (n > 0), or NULL. */
void *table_alloc(size_t n);
/* Frees p, which table_alloc(n) returned (NULL is allowed). */
void table_free(void *p, size_t n);

#endif
