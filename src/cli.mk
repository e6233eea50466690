## The command line side: the option parser and the input readers (the
## table of formats and one file per reader family).
noinst_LIBRARIES += libtscli.a
libtscli_a_SOURCES = \
	src/args.c src/args.h \
	src/sampler.c src/sampler.h \
	src/reader.c src/reader.h src/reader_family.h \
	src/reader_conn.c src/reader_pcap.c \
	src/privdrop.c src/privdrop.h \
	src/name_pattern.c src/name_pattern.h

if HAVE_CRITERION
check_PROGRAMS += tests/test_args tests/test_reader tests/test_name_pattern
TESTS += tests/test_args tests/test_reader tests/test_name_pattern
tests_test_args_SOURCES = tests/test_args.c tests/args_rows.h
tests_test_args_CFLAGS = $(TEST_CFLAGS)
tests_test_args_LDADD = libtscli.a $(TEST_LIBS) -lm
tests_test_name_pattern_SOURCES = tests/test_name_pattern.c
tests_test_name_pattern_CFLAGS = $(TEST_CFLAGS)
tests_test_name_pattern_LDADD = libtscli.a $(TEST_LIBS) -lm
tests_test_reader_SOURCES = tests/test_reader.c
tests_test_reader_CFLAGS = $(TEST_CFLAGS)
tests_test_reader_LDADD = libtscli.a $(TEST_LIBS) libtscore.a -lm
endif
