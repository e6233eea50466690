## Fuzz targets of the conn.log side (pattern in tests/fuzz/local.mk).

check_PROGRAMS += tests/fuzz/replay_conn_tsv
TESTS += tests/fuzz/replay_conn_tsv
tests_fuzz_replay_conn_tsv_SOURCES = tests/fuzz/fuzz_conn_tsv.c tests/fuzz/replay.c
tests_fuzz_replay_conn_tsv_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/conn_tsv"'
tests_fuzz_replay_conn_tsv_LDADD = libtsconn.a $(ZLIB_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conn_tsv
tests_fuzz_fuzz_conn_tsv_SOURCES = tests/fuzz/fuzz_conn_tsv.c src/conn_log.c $(CONN_LOG_MODULES)
tests_fuzz_fuzz_conn_tsv_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_conn_tsv_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_conn_tsv_LDADD = $(PCAP_LIBS) $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/conn_tsv

check_PROGRAMS += tests/fuzz/replay_conn_json
TESTS += tests/fuzz/replay_conn_json
tests_fuzz_replay_conn_json_SOURCES = tests/fuzz/fuzz_conn_json.c tests/fuzz/replay.c
tests_fuzz_replay_conn_json_CPPFLAGS = $(AM_CPPFLAGS) -DCORPUS_DIR='"$(srcdir)/tests/fuzz/corpus/conn_json"'
tests_fuzz_replay_conn_json_LDADD = libtsconn.a $(ZLIB_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conn_json
tests_fuzz_fuzz_conn_json_SOURCES = tests/fuzz/fuzz_conn_json.c src/conn_log.c $(CONN_LOG_MODULES)
tests_fuzz_fuzz_conn_json_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_conn_json_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_conn_json_LDADD = $(PCAP_LIBS) $(ZLIB_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/conn_json
