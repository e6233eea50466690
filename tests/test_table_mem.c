/* Unit tests of table_mem: zeroed, usable, huge-page aligned when large. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "table_mem.h"

static void check_table(size_t n)
{
    uint8_t *p = table_alloc(n);
    cr_assert_not_null(p, "table_alloc(%zu)", n);
    for (size_t i = 0; i < n; i += 4093)
        cr_assert_eq(p[i], 0, "byte %zu of %zu not zeroed", i, n);
    cr_assert_eq(p[n - 1], 0);
    memset(p, 0xa5, n);
    cr_assert_eq(p[n - 1], 0xa5);
    if (n >= ((size_t)2 << 20))
        cr_assert_eq((uintptr_t)p % ((uintptr_t)2 << 20), 0, "large table not 2 MiB aligned");
    table_free(p, n);
}

Test(table_mem, small_tables_are_zeroed_and_usable)
{
    check_table(1);
    check_table(4096);
    check_table((2 << 20) - 1);
}

Test(table_mem, large_tables_are_zeroed_aligned_and_usable)
{
    check_table(2 << 20);
    check_table((2 << 20) + 1);
    check_table(5 * (1 << 20) + 12345);
}

Test(table_mem, zero_bytes_and_null)
{
    cr_assert_null(table_alloc(0));
    table_free(NULL, 0);
    table_free(NULL, 8 << 20);
}
