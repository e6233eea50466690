## conn.log side: the log parser.
noinst_LIBRARIES += libtsconn.a
libtsconn_a_SOURCES = \
	src/conn_log.c src/conn_log.h
## The modules of the conn.log parser (the fuzz targets build them too).
CONN_LOG_MODULES = \
	src/conn_tsv.c src/conn_tsv.h \
	src/conn_json.c src/conn_json.h \
	src/conn_record.c src/conn_record.h \
	src/iso8601.c src/iso8601.h \
	src/text_scan.c src/text_scan.h
libtsconn_a_SOURCES += $(CONN_LOG_MODULES)

if HAVE_CRITERION
check_PROGRAMS += tests/test_conn_log
TESTS += tests/test_conn_log
## libtscore.a again: TEST_LIBS lists it before libtsconn.a, which needs it.
tests_test_conn_log_SOURCES = tests/test_conn_log.c
tests_test_conn_log_CFLAGS = $(TEST_CFLAGS)
tests_test_conn_log_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_test_conn_log_LDADD = $(TEST_LIBS) libtscore.a
check_PROGRAMS += tests/test_text_scan tests/test_iso8601 tests/test_conn_json
TESTS += tests/test_text_scan tests/test_iso8601 tests/test_conn_json
tests_test_text_scan_SOURCES = tests/test_text_scan.c
tests_test_text_scan_CFLAGS = $(TEST_CFLAGS)
tests_test_text_scan_LDADD = $(TEST_LIBS)
tests_test_iso8601_SOURCES = tests/test_iso8601.c
tests_test_iso8601_CFLAGS = $(TEST_CFLAGS)
tests_test_iso8601_LDADD = $(TEST_LIBS)
tests_test_conn_json_SOURCES = tests/test_conn_json.c
tests_test_conn_json_CFLAGS = $(TEST_CFLAGS)
tests_test_conn_json_LDADD = $(TEST_LIBS)
endif

## Golden cases of the conn.log readers (run by tests/golden.test).
EXTRA_DIST += tests/golden/TESTLIST.conn tests/golden/conn-empty-service.json \
	tests/golden/conn-empty-service.log
## Side by side with the original on the shared conn logs (skips without it).
EXTRA_DIST += bench/compare-original
