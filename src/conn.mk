## conn.log side: the log parser.
noinst_LIBRARIES += libtsconn.a
libtsconn_a_SOURCES = \
	src/conn_log.c src/conn_log.h

if HAVE_CRITERION
check_PROGRAMS += tests/test_conn_log
TESTS += tests/test_conn_log
## libtscore.a again: TEST_LIBS lists it before libtsconn.a, which needs it.
tests_test_conn_log_SOURCES = tests/test_conn_log.c
tests_test_conn_log_CFLAGS = $(TEST_CFLAGS)
tests_test_conn_log_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_test_conn_log_LDADD = $(TEST_LIBS) libtscore.a
endif
