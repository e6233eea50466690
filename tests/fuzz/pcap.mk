## Fuzz targets of the packet side (pattern: tests/fuzz/local.mk).

check_PROGRAMS += tests/fuzz/replay_decode
TESTS += tests/fuzz/replay_decode
tests_fuzz_replay_decode_SOURCES = tests/fuzz/fuzz_decode.c tests/fuzz/replay.c
tests_fuzz_replay_decode_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/decode"'
tests_fuzz_replay_decode_LDADD = libtspcap.a libtscore.a
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_decode
tests_fuzz_fuzz_decode_SOURCES = tests/fuzz/fuzz_decode.c src/decode.c
tests_fuzz_fuzz_decode_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_decode_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_decode_LDADD = $(PCAP_LIBS) $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/decode

check_PROGRAMS += tests/fuzz/replay_pcap_file
TESTS += tests/fuzz/replay_pcap_file
tests_fuzz_replay_pcap_file_SOURCES = tests/fuzz/fuzz_pcap_file.c tests/fuzz/replay.c
tests_fuzz_replay_pcap_file_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/pcap_file"'
tests_fuzz_replay_pcap_file_LDADD = libtspcap.a libtsconn.a libtscore.a $(PCAP_LIBS) $(ZLIB_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_pcap_file
tests_fuzz_fuzz_pcap_file_SOURCES = tests/fuzz/fuzz_pcap_file.c src/decode.c src/pcap_in.c \
	src/pcap_rd.c src/pcap_ng.c src/pcap_fast.c src/pcap_lib.c src/pcap_filter.c src/input.c src/err.c
tests_fuzz_fuzz_pcap_file_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_pcap_file_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_pcap_file_LDADD = $(PCAP_LIBS) $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/pcap_file
