## Fuzz targets. Each target tests/fuzz/fuzz_NAME.c defines
## LLVMFuzzerTestOneInput and keeps its corpus in tests/fuzz/corpus/NAME/.
## `make check` always builds tests/fuzz/replay_NAME (target + replay.c,
## sanitizers as configured) and runs it over the corpus; with
## --enable-fuzzing, tests/fuzz/fuzz_NAME is the libFuzzer binary.
## Targets are declared in tests/fuzz/conn.mk, tests/fuzz/pcap.mk and
## tests/fuzz/core.mk, one block per target, following this pattern:
##
##   check_PROGRAMS += tests/fuzz/replay_NAME
##   TESTS += tests/fuzz/replay_NAME
##   tests_fuzz_replay_NAME_SOURCES = tests/fuzz/fuzz_NAME.c tests/fuzz/replay.c
##   tests_fuzz_replay_NAME_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/NAME"'
##   tests_fuzz_replay_NAME_LDADD = <libraries>
##   if ENABLE_FUZZING
##   noinst_PROGRAMS += tests/fuzz/fuzz_NAME
##   tests_fuzz_fuzz_NAME_SOURCES = tests/fuzz/fuzz_NAME.c <module sources>
##   tests_fuzz_fuzz_NAME_CFLAGS = $(FUZZ_CFLAGS)
##   tests_fuzz_fuzz_NAME_LDFLAGS = $(FUZZ_CFLAGS)
##   tests_fuzz_fuzz_NAME_LDADD = $(PCAP_LIBS) $(ZLIB_LIBS)
##   endif
##   EXTRA_DIST += tests/fuzz/corpus/NAME

EXTRA_DIST += tests/fuzz/replay.c

include tests/fuzz/conn.mk
include tests/fuzz/pcap.mk
include tests/fuzz/core.mk
