## Hostile input: fuzz targets of the core (pattern: tests/fuzz/local.mk),
## the damaged-input CLI test and the hash-flooding test.

check_PROGRAMS += tests/fuzz/replay_netset
TESTS += tests/fuzz/replay_netset
tests_fuzz_replay_netset_SOURCES = tests/fuzz/fuzz_netset.c tests/fuzz/replay.c
tests_fuzz_replay_netset_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/netset"'
tests_fuzz_replay_netset_LDADD = libtscore.a libsketches.a
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_netset
tests_fuzz_fuzz_netset_SOURCES = tests/fuzz/fuzz_netset.c src/netset.c src/err.c sketches/hash.c
tests_fuzz_fuzz_netset_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_netset_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_netset_LDADD = $(PCAP_LIBS) $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/netset

check_PROGRAMS += tests/fuzz/replay_fmt
TESTS += tests/fuzz/replay_fmt
tests_fuzz_replay_fmt_SOURCES = tests/fuzz/fuzz_fmt.c tests/fuzz/replay.c
tests_fuzz_replay_fmt_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/fmt"'
tests_fuzz_replay_fmt_LDADD = libtscore.a -lm
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_fmt
tests_fuzz_fuzz_fmt_SOURCES = tests/fuzz/fuzz_fmt.c src/fmt.c
tests_fuzz_fuzz_fmt_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_fmt_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_fmt_LDADD = -lm
endif
EXTRA_DIST += tests/fuzz/corpus/fmt

check_PROGRAMS += tests/fuzz/replay_args
TESTS += tests/fuzz/replay_args
tests_fuzz_replay_args_SOURCES = tests/fuzz/fuzz_args.c tests/fuzz/replay.c
tests_fuzz_replay_args_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/args"'
tests_fuzz_replay_args_LDADD = libtscli.a libtscore.a -lm
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_args
tests_fuzz_fuzz_args_SOURCES = tests/fuzz/fuzz_args.c src/args.c src/fmt.c
tests_fuzz_fuzz_args_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_args_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_args_LDADD = -lm
endif
EXTRA_DIST += tests/fuzz/corpus/args

check_PROGRAMS += tests/fuzz/replay_input_gzip
TESTS += tests/fuzz/replay_input_gzip
tests_fuzz_replay_input_gzip_SOURCES = tests/fuzz/fuzz_input_gzip.c tests/fuzz/replay.c
tests_fuzz_replay_input_gzip_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/input_gzip"'
tests_fuzz_replay_input_gzip_LDADD = libtscore.a $(ZLIB_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_input_gzip
tests_fuzz_fuzz_input_gzip_SOURCES = tests/fuzz/fuzz_input_gzip.c src/input.c src/err.c
tests_fuzz_fuzz_input_gzip_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_input_gzip_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_input_gzip_LDADD = $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/input_gzip

check_PROGRAMS += tests/fuzz/replay_input_zstd
TESTS += tests/fuzz/replay_input_zstd
tests_fuzz_replay_input_zstd_SOURCES = tests/fuzz/fuzz_input_zstd.c tests/fuzz/replay.c
tests_fuzz_replay_input_zstd_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/input_zstd"'
tests_fuzz_replay_input_zstd_LDADD = libtscore.a $(ZLIB_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_input_zstd
tests_fuzz_fuzz_input_zstd_SOURCES = tests/fuzz/fuzz_input_zstd.c src/input.c src/err.c
tests_fuzz_fuzz_input_zstd_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_input_zstd_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_input_zstd_LDADD = $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/input_zstd

## Damaged inputs given to the CLI: exit status, report, message words.
TESTS += tests/damaged.test
EXTRA_DIST += tests/damaged.test

## Hash flooding: colliding keys neither slow down nor break the sketches.
if HAVE_CRITERION
check_PROGRAMS += tests/test_flood
TESTS += tests/test_flood
tests_test_flood_SOURCES = tests/test_flood.c
tests_test_flood_CFLAGS = $(TEST_CFLAGS)
tests_test_flood_LDADD = $(TEST_LIBS) -lm
endif

check_PROGRAMS += tests/fuzz/replay_summary_file
TESTS += tests/fuzz/replay_summary_file
tests_fuzz_replay_summary_file_SOURCES = tests/fuzz/fuzz_summary_file.c tests/fuzz/replay.c
tests_fuzz_replay_summary_file_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/summary_file"'
tests_fuzz_replay_summary_file_LDADD = libtscore.a libsketches.a -lm
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_summary_file
tests_fuzz_fuzz_summary_file_SOURCES = tests/fuzz/fuzz_summary_file.c src/summary_file.c src/summary.c src/err.c \
	sketches/bytebuf.c sketches/hash.c sketches/space_saving.c sketches/count_min.c sketches/hyperloglog.c sketches/table_mem.c
tests_fuzz_fuzz_summary_file_CFLAGS = $(FUZZ_CFLAGS) -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
tests_fuzz_fuzz_summary_file_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_summary_file_LDADD = -lm
endif
EXTRA_DIST += tests/fuzz/corpus/summary_file
