## The tool's core: errors, formats, networks, summaries, the engine, reports.
noinst_LIBRARIES += libtscore.a
libtscore_a_SOURCES = \
	src/err.c src/err.h src/record.h \
	src/fmt.c src/fmt.h \
	src/netset.c src/netset.h \
	src/summary.c src/summary.h \
	src/summary_file.c src/summary_file.h \
	src/report.c src/report.h \
	src/resolve.c src/resolve.h \
	src/stats.c src/stats.h \
	src/json_out.c src/json_out.h \
	src/engine.c src/engine.h

if HAVE_CRITERION
check_PROGRAMS += tests/test_summary tests/test_summary_file
TESTS += tests/test_summary tests/test_summary_file
tests_test_summary_file_SOURCES = tests/test_summary_file.c
tests_test_summary_file_CFLAGS = $(TEST_CFLAGS)
tests_test_summary_file_LDADD = $(TEST_LIBS) -lm
tests_test_summary_SOURCES = tests/test_summary.c
tests_test_summary_CFLAGS = $(TEST_CFLAGS)
tests_test_summary_LDADD = $(TEST_LIBS) -lm
endif
EXTRA_DIST += doc/summary-format.md
