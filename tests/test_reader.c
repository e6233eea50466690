/* Unit tests of the reader table (src/reader.h): formats recognised by their first bytes. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "reader.h"

struct id_row {
    const char *head;
    size_t len;
    const char *name; /* NULL: nothing recognised */
};

Test(reader, each_format_is_recognised_by_its_first_bytes)
{
    static const struct id_row rows[] = {
        {"\xd4\xc3\xb2\xa1\x02\x00", 6, "pcap, little-endian, microseconds"},
        {"\xa1\xb2\xc3\xd4\x00\x02", 6, "pcap, big-endian, microseconds"},
        {"\x4d\x3c\xb2\xa1", 4, "pcap, little-endian, nanoseconds"},
        {"\xa1\xb2\x3c\x4d", 4, "pcap, big-endian, nanoseconds"},
        {"\x0a\x0d\x0d\x0a\x1c\x00", 6, "pcapng"},
        {"#separator \\x09", 15, "Zeek TSV connection log with header"},
        {"{\"ts\":1}", 8, "Zeek JSON connection log"},
        {"  {\"ts\":1}", 10, "Zeek JSON connection log"},
        {"\x89TSF\r\n\x1a\n\x01\x00", 10, "trace-summary summary file"},
        {"\x89TSF\r\n\x1a", 7, NULL},
        {"\xd4\xc3\xb2", 3, NULL},
        {"1300475167.096535 0.0 1.2.3.4", 29, NULL},
        {"#fields\tts", 10, NULL},
        {"", 0, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct reader_format *f = reader_identify(rows[i].head, rows[i].len);
        if (rows[i].name == NULL)
            cr_expect_null(f, "row %zu: %s", i, f ? f->name : "");
        else
            cr_expect_str_eq(f ? f->name : "(none)", rows[i].name, "row %zu", i);
    }
}

Test(reader, every_kind_has_one_catch_all_family_after_its_formats)
{
    size_t n;
    const struct reader_format *t = reader_formats(&n);
    for (int kind = READER_TRACE; kind <= READER_CONN; kind++) {
        int catch_all = 0;
        const struct reader_family *family = NULL;
        for (size_t i = 0; i < n; i++) {
            if ((int)t[i].kind != kind)
                continue;
            cr_expect_eq(catch_all, 0, "'%s' after the catch-all of its kind", t[i].name);
            if (family == NULL)
                family = t[i].family;
            cr_expect_eq(t[i].family, family, "'%s': one family a kind", t[i].name);
            catch_all += t[i].magic_len == 0;
        }
        cr_expect_eq(catch_all, 1, "kind %d", kind);
    }
}
