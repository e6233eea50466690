/* Unit tests of the live-capture options of the parser (src/args.h): argv rows -> options or error.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "args.h"

#include "args_rows.h"

Test(args_live, every_bad_live_option_is_a_usage_error_with_its_message)
{
    static const struct {
        const char *argv;
        const char *msg;
    } rows[] = {
        {"--interface=eth0|x.pcap", "--interface reads no input file"},
        {"--interface=eth0|-c", "--interface captures packets: drop -c"},
        {"--count=5|x.pcap", "--snaplen, -B, --no-promiscuous, --duration and --count need "
                             "--interface"},
        {"-B|64|x.pcap", "--snaplen, -B, --no-promiscuous, --duration and --count need "
                         "--interface"},
        {"--interface=eth0|--count=0", "option --count: must be a number of packets > 0"},
        {"--interface=eth0|--count=x", "option --count: invalid integer value: 'x'"},
        {"--interface=eth0|--duration=0", "option --duration: must be a number of seconds > 0"},
        {"--interface=eth0|--duration=-3", "option --duration: must be a number of seconds > 0"},
        {"--interface=eth0|-B|0", "option -B: must be a size in KiB, 1 to 4194304"},
        {"--interface=eth0|--buffer-size=4194305",
         "option --buffer-size: must be a size in KiB, 1 to 4194304"},
        {"--interface=eth0|--snaplen=63", "option --snaplen: must be 64 to 262144 bytes"},
        {"--interface=eth0|--snaplen=262145", "option --snaplen: must be 64 to 262144 bytes"},
        {"--interface=eth0|-Z", "-Z option requires 1 argument"},
        {"--interface", "--interface option requires 1 argument"},
        {"--no-promiscuous=1", "--no-promiscuous option does not take a value"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct parsed p;
        enum args_action act = parse_row(rows[i].argv, &p);
        cr_expect_eq(act, ARGS_ERROR, "'%s': action %d", rows[i].argv, act);
        cr_expect_eq(p.res.status, ARGS_EXIT_USAGE, "'%s': status %d", rows[i].argv, p.res.status);
        cr_expect_str_eq(p.res.msg, rows[i].msg, "'%s'", rows[i].argv);
    }
}

Test(args_live, a_capture_streams_its_intervals_and_names_the_interface)
{
    struct parsed p;
    cr_assert_eq(parse_row("--interface=eth0|-i|1h|-B|4096|--snaplen=128|--no-promiscuous|"
                                "--duration=2.5|--count=100|-Z|nobody|--filter=tcp",
                                &p),
                 ARGS_RUN, "%s", p.res.msg);
    cr_expect_str_eq(p.a.live.iface, "eth0");
    cr_expect_str_eq(p.a.input, "eth0");
    cr_expect_str_eq(p.a.eo.input_name, "eth0");
    cr_expect(p.a.eo.stream, "a capture always streams");
    cr_expect_eq(p.a.eo.ilen, 3600);
    cr_expect_eq(p.a.eo.reorder, 1, "a capture's packets come in time order");
    cr_expect_eq(p.a.live.buffer_kib, 4096);
    cr_expect_eq(p.a.live.snaplen, 128);
    cr_expect(p.a.live.no_promisc);
    cr_expect_eq(p.a.live.duration, 2.5);
    cr_expect_eq(p.a.live.count, 100);
    cr_expect_str_eq(p.a.live.user, "nobody");
    cr_expect_str_eq(p.a.live.filter, "tcp");
}

Test(args_live, an_explicit_reorder_and_file_options_are_kept)
{
    struct parsed p;
    cr_assert_eq(parse_row("--interface=eth0|-i|60|--reorder=30", &p), ARGS_RUN);
    cr_expect_eq(p.a.eo.reorder, 30);
    cr_assert_eq(parse_row("--filter|udp|-Z|nobody|x.pcap", &p), ARGS_RUN, "%s", p.res.msg);
    cr_expect(p.a.live.iface == NULL);
    cr_expect(!p.a.eo.stream, "a file keeps exact intervals");
    cr_expect_str_eq(p.a.live.filter, "udp");
    cr_expect_str_eq(p.a.live.user, "nobody");
    cr_expect_str_eq(p.a.input, "x.pcap");
    cr_assert_eq(parse_row("--interface=eth0", &p), ARGS_RUN);
    cr_expect(!p.a.live.no_promisc, "promiscuous by default");
    cr_expect_eq(p.a.live.count, 0);
    cr_expect_eq(p.a.live.duration, 0);
}
