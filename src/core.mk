## The tool's core: errors, input streams, formats, networks, summaries, the
## engine, reports.
noinst_LIBRARIES += libtscore.a
libtscore_a_SOURCES = \
	src/err.c src/err.h src/record.h \
	src/input.c src/input.h \
	src/fmt.c src/fmt.h \
	src/netset.c src/netset.h \
	src/summary.c src/summary.h \
	src/report.c src/report.h \
	src/resolve.c src/resolve.h \
	src/stats.c src/stats.h \
	src/json_out.c src/json_out.h \
	src/engine.c src/engine.h

if HAVE_CRITERION
check_PROGRAMS += tests/test_input
TESTS += tests/test_input
tests_test_input_SOURCES = tests/test_input.c
tests_test_input_CFLAGS = $(TEST_CFLAGS)
tests_test_input_LDADD = $(TEST_LIBS)
endif
