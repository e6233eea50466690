## The tool's core: errors, input streams, formats, networks, summaries, the engine, the
## pipeline, intervals, the memory plan and the sinks (outputs).
noinst_LIBRARIES += libtscore.a
libtscore_a_SOURCES = \
	src/err.c src/err.h src/record.h \
	src/input.c src/input.h \
	src/fmt.c src/fmt.h \
	src/netset.c src/netset.h \
	src/summary.c src/summary.h src/summary_parts.h \
	src/summary_file.c src/summary_file.h \
	src/report.c src/report.h \
	src/resolve.c src/resolve.h \
	src/stats.c src/stats.h \
	src/json_out.c src/json_out.h \
	src/spill.c src/spill.h \
	src/replay.c src/replay.h \
	src/plan.c src/plan.h \
	src/intervals.c src/intervals.h \
	src/pipeline.c src/pipeline.h \
	src/flow_cache.c src/flow_cache.h \
	src/sink.c src/sink.h src/capture.h \
	src/html_out.c src/html_out.h src/sink_html.c \
	src/sink_text.c src/sink_json.c src/sink_r.c src/sink_tss.c \
	src/ivl_store.c src/ivl_store.h \
	src/atomic_out.c src/atomic_out.h \
	src/tss_in.c src/tss_in.h src/tss_out.c src/tss_out.h \
	src/engine.c src/engine.h

if HAVE_CRITERION
check_PROGRAMS += tests/test_plan tests/test_intervals tests/test_engine tests/test_summary
TESTS += tests/test_plan tests/test_intervals tests/test_engine tests/test_summary
check_PROGRAMS += tests/test_flow_cache
TESTS += tests/test_flow_cache
tests_test_flow_cache_SOURCES = tests/test_flow_cache.c
tests_test_flow_cache_CFLAGS = $(TEST_CFLAGS)
tests_test_flow_cache_LDADD = $(TEST_LIBS)
tests_test_plan_SOURCES = tests/test_plan.c
tests_test_plan_CFLAGS = $(TEST_CFLAGS)
tests_test_plan_LDADD = $(TEST_LIBS)
tests_test_intervals_SOURCES = tests/test_intervals.c
tests_test_intervals_CFLAGS = $(TEST_CFLAGS)
tests_test_intervals_LDADD = $(TEST_LIBS)
tests_test_engine_SOURCES = tests/test_engine.c
tests_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_test_engine_LDADD = $(TEST_LIBS)
tests_test_summary_SOURCES = tests/test_summary.c
tests_test_summary_CFLAGS = $(TEST_CFLAGS)
tests_test_summary_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_input
TESTS += tests/test_input
tests_test_input_SOURCES = tests/test_input.c
tests_test_input_CFLAGS = $(TEST_CFLAGS)
tests_test_input_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_summary_merge tests/test_summary_file tests/test_merge_parts
TESTS += tests/test_summary_merge tests/test_summary_file tests/test_merge_parts
tests_test_merge_parts_SOURCES = tests/test_merge_parts.c tests/test_summaries.h
tests_test_merge_parts_CFLAGS = $(TEST_CFLAGS)
tests_test_merge_parts_LDADD = $(TEST_LIBS) -lm
tests_test_summary_file_SOURCES = tests/test_summary_file.c
tests_test_summary_file_CFLAGS = $(TEST_CFLAGS)
tests_test_summary_file_LDADD = $(TEST_LIBS) -lm
tests_test_summary_merge_SOURCES = tests/test_summary_merge.c
tests_test_summary_merge_CFLAGS = $(TEST_CFLAGS)
tests_test_summary_merge_LDADD = $(TEST_LIBS) -lm
endif
EXTRA_DIST += doc/summary-format.md
