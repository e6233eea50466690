## The sketch library: no networking, no I/O.
noinst_LIBRARIES += libsketches.a
libsketches_a_SOURCES = \
	sketches/always_inline.h sketches/cache_hint.h \
	sketches/hash.c sketches/hash.h \
	sketches/bytebuf.c sketches/bytebuf.h \
	sketches/table_mem.c sketches/table_mem.h \
	sketches/space_saving.c sketches/space_saving.h \
	sketches/count_min.c sketches/count_min.h \
	sketches/hyperloglog.c sketches/hyperloglog.h

## Micro-benchmark of the sketches (not installed, not run by make check).
noinst_PROGRAMS += bench/bench_sketches
bench_bench_sketches_SOURCES = bench/bench_sketches.c
bench_bench_sketches_LDADD = libsketches.a

EXTRA_DIST += doc/sketches.md

if HAVE_CRITERION
check_PROGRAMS += tests/test_hash tests/test_space_saving tests/test_count_min tests/test_hyperloglog \
	tests/test_table_mem tests/test_bytebuf
TESTS += tests/test_hash tests/test_space_saving tests/test_count_min tests/test_hyperloglog \
	tests/test_table_mem tests/test_bytebuf
tests_test_bytebuf_SOURCES = tests/test_bytebuf.c
tests_test_bytebuf_CFLAGS = $(TEST_CFLAGS)
tests_test_bytebuf_LDADD = $(TEST_LIBS)
tests_test_hash_SOURCES = tests/test_hash.c
tests_test_hash_CFLAGS = $(TEST_CFLAGS)
tests_test_hash_LDADD = $(TEST_LIBS)
tests_test_space_saving_SOURCES = tests/test_space_saving.c
tests_test_space_saving_CFLAGS = $(TEST_CFLAGS)
tests_test_space_saving_LDADD = $(TEST_LIBS)
tests_test_count_min_SOURCES = tests/test_count_min.c
tests_test_count_min_CFLAGS = $(TEST_CFLAGS)
tests_test_count_min_LDADD = $(TEST_LIBS)
tests_test_hyperloglog_SOURCES = tests/test_hyperloglog.c
tests_test_hyperloglog_CFLAGS = $(TEST_CFLAGS)
tests_test_hyperloglog_LDADD = $(TEST_LIBS)
tests_test_table_mem_SOURCES = tests/test_table_mem.c
tests_test_table_mem_CFLAGS = $(TEST_CFLAGS)
tests_test_table_mem_LDADD = $(TEST_LIBS)
endif
