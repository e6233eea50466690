/* Unit tests of the original's number and time formats (src/fmt.h). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"

struct val_case {
    double v;
    bool is_float;
    const char *want;
};

Test(fmt, format_val_matches_the_original_at_every_unit)
{
    static const struct val_case cases[] = {
        {0, false, "0"},
        {0, true, "0.0"},
        {1, false, " 1.0"},
        {126, false, " 126.0"},
        {999, false, " 999.0"},
        {999.96, false, " 1000.0"},
        {1000, false, "1.0k"},
        {16818, false, "16.8k"},
        {23000, false, "23.0k"},
        {999999, false, "1000.0k"},
        {1e6, false, "1.0m"},
        {1.2e6, false, "1.2m"},
        {227e6, false, "227.0m"},
        {1e9, false, "1.0g"},
        {2.5e12, false, "2500.0g"},
        {68, true, " 68.0"},
        {0.5, false, "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[FMT_VAL_MAX];
        fmt_val(buf, sizeof buf, cases[i].v, cases[i].is_float);
        cr_expect_str_eq(buf, cases[i].want, "fmt_val(%g)", cases[i].v);
    }
}

Test(fmt, iso_time_is_local_and_na_for_the_markers)
{
    setenv("TZ", "GMT+5", 1);
    tzset();
    char buf[FMT_TIME_MAX];
    cr_expect_str_eq(fmt_iso_time(buf, sizeof buf, 1300475167.096535), "2011-03-18-14-06-07");
    cr_expect_str_eq(fmt_iso_time(buf, sizeof buf, 1300475167.999999), "2011-03-18-14-06-07",
                     "seconds are floored, not rounded");
    cr_expect_str_eq(fmt_iso_time(buf, sizeof buf, 0), "N/A");
    cr_expect_str_eq(fmt_iso_time(buf, sizeof buf, 1e20), "N/A");
    setenv("TZ", "UTC", 1);
    tzset();
    cr_expect_str_eq(fmt_iso_time(buf, sizeof buf, 1300475167), "2011-03-18-19-06-07");
}

Test(fmt, iso_time_parses_local_time_and_rejects_garbage)
{
    setenv("TZ", "GMT+5", 1);
    tzset();
    double t;
    cr_assert_eq(fmt_parse_iso_time("2011-03-18-14-06-09", &t), 0);
    cr_expect_eq(t, 1300475169.0);
    static const char *const bad[] = {"",
                                      "yesterday",
                                      "2011-03-18",
                                      "2011-03-18-14-06-09x",
                                      "2011-13-18-14-06-09",
                                      "2011-03-18-24-06-09",
                                      "20110318140609",
                                      "2011-03-18 14:06:09"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(fmt_parse_iso_time(bad[i], &t), -1, "'%s' must not parse", bad[i]);
}

Test(fmt, durations_take_seconds_minutes_and_hours)
{
    long long s;
    cr_assert_eq(fmt_parse_duration("2", &s), 0);
    cr_expect_eq(s, 2);
    cr_assert_eq(fmt_parse_duration("5m", &s), 0);
    cr_expect_eq(s, 300);
    cr_assert_eq(fmt_parse_duration("1h", &s), 0);
    cr_expect_eq(s, 3600);
    cr_assert_eq(fmt_parse_duration("0", &s), 0);
    cr_expect_eq(s, 0);
    static const char *const bad[] = {
        "", "m", "-1", "1.5", "2x", "1hm", "99999999999999999999", "9223372036854775807h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(fmt_parse_duration(bad[i], &s), -1, "'%s' must not parse", bad[i]);
}

Test(fmt, addresses_print_as_inet_ntop_does)
{
    char buf[64];
    const unsigned char v4[4] = {141, 142, 220, 118};
    cr_expect_str_eq(fmt_addr(buf, sizeof buf, v4, 4), "141.142.220.118");
    const unsigned char v6[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                  0x30, 0x74, 0x17, 0xd5, 0x20, 0x52, 0xc3, 0x24};
    cr_expect_str_eq(fmt_addr(buf, sizeof buf, v6, 16), "fe80::3074:17d5:2052:c324");
    cr_expect_str_eq(fmt_addr(buf, sizeof buf, v4, 5), "?");
}
