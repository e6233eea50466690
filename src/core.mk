## The tool's core: errors, records, options, aggregation, reports.
noinst_LIBRARIES += libtscore.a
libtscore_a_SOURCES = \
	src/err.c src/err.h src/record.h
