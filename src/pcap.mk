## Packet side: the frame decoder and the trace reader.
noinst_LIBRARIES += libtspcap.a
libtspcap_a_SOURCES = \
	src/decode.c src/decode.h src/pkt_cursor.h \
	src/pcap_in.c src/pcap_in.h src/trace_magic.h \
	src/pcap_rd.c src/pcap_rd.h \
	src/pcap_ng.c src/pcap_ng.h \
	src/pcap_fast.c src/pcap_fast.h \
	src/pcap_lib.c src/pcap_lib.h \
	src/pcap_filter.c src/pcap_filter.h \
	src/pcap_live.c src/pcap_live.h

## pcap_canon: reads a trace through pcap_in and prints the figures of its
## Total block in the oracle's canonical form (tests/pcap_oracle.test).
check_PROGRAMS += tests/pcap_canon
tests_pcap_canon_SOURCES = tests/pcap_canon.c
tests_pcap_canon_LDADD = libtspcap.a libtsconn.a libtscore.a $(PCAP_LIBS) $(ZLIB_LIBS)

## Golden figures of ../shared/data/pcap traces, generated once with
## ../shared/tools/pcap_oracle.py (see tests/golden/pcap-oracle/SKIPPED).
TESTS += tests/pcap_oracle.test
EXTRA_DIST += tests/pcap_oracle.test tests/golden/pcap-oracle

if HAVE_CRITERION
check_PROGRAMS += tests/test_decode tests/test_pcap_in
TESTS += tests/test_decode tests/test_pcap_in
tests_test_decode_SOURCES = tests/test_decode.c
tests_test_decode_CFLAGS = $(TEST_CFLAGS)
tests_test_decode_LDADD = $(TEST_LIBS)
tests_test_pcap_in_SOURCES = tests/test_pcap_in.c
tests_test_pcap_in_CFLAGS = $(TEST_CFLAGS)
tests_test_pcap_in_LDADD = $(TEST_LIBS)
endif

## Live capture in a private network namespace (root; skipped otherwise).
TESTS += tests/live.test
EXTRA_DIST += tests/live.test

if HAVE_CRITERION
check_PROGRAMS += tests/test_pcap_filter tests/test_args_live
TESTS += tests/test_pcap_filter tests/test_args_live
tests_test_pcap_filter_SOURCES = tests/test_pcap_filter.c
tests_test_pcap_filter_CFLAGS = $(TEST_CFLAGS)
tests_test_pcap_filter_LDADD = $(TEST_LIBS)
tests_test_args_live_SOURCES = tests/test_args_live.c tests/args_rows.h
tests_test_args_live_CFLAGS = $(TEST_CFLAGS)
tests_test_args_live_LDADD = libtscli.a $(TEST_LIBS) -lm
endif
