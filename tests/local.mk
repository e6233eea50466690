## Unit tests (Criterion) live in the fragment of the module they test.
## CLI golden tests: tests/golden/TESTLIST run by tests/golden.test.
TESTS += tests/golden.test tests/accuracy.test tests/pcap_report.test tests/resolve_deadline.test \
	tests/cache_hints.test tests/merge.test tests/threads.test
EXTRA_DIST += tests/merge.test tests/threads.test tests/cache_hints.test tests/golden.test tests/accuracy.test tests/accuracy_check.py tests/pcap_report.test tests/pcap_report_check.py tests/resolve_deadline.test tests/golden/TESTLIST tests/golden/TESTLIST.malformed tests/golden/expected tests/golden/inputs tests/golden/nets-all.txt
AM_TESTS_ENVIRONMENT = srcdir='$(srcdir)'; export srcdir; top_builddir='$(top_builddir)'; export top_builddir;

## `make demo`: summarise samples that the project generates itself.
DEMO_ENV = TZ=UTC
demo: trace-summary bench/tsgen
	./bench/tsgen --format tsv --records 200000 --hosts 5000 --ipv6 0.1 --seed 7 --gzip -o sample-conn.log.gz
	$(DEMO_ENV) ./trace-summary -c -i 1m sample-conn.log.gz | tail -n 30
	./bench/tsgen --format pcap --records 100000 --hosts 2000 --ipv6 0.2 --snaplen 96 --seed 8 -o sample.pcap
	$(DEMO_ENV) ./trace-summary -n 5 sample.pcap
.PHONY: demo
CLEANFILES += sample-conn.log.gz sample.pcap

clean-local: clean-local-golden
clean-local-golden:
	rm -rf tests/golden-actual
.PHONY: clean-local-golden

if HAVE_CRITERION
check_PROGRAMS += tests/test_fmt tests/test_report tests/test_netset
TESTS += tests/test_fmt tests/test_report tests/test_netset
tests_test_fmt_SOURCES = tests/test_fmt.c
tests_test_fmt_CFLAGS = $(TEST_CFLAGS)
tests_test_fmt_LDADD = $(TEST_LIBS)
tests_test_report_SOURCES = tests/test_report.c tests/test_summaries.h
tests_test_report_CFLAGS = $(TEST_CFLAGS)
tests_test_report_LDADD = $(TEST_LIBS)
tests_test_netset_SOURCES = tests/test_netset.c
tests_test_netset_CFLAGS = $(TEST_CFLAGS)
tests_test_netset_LDADD = $(TEST_LIBS)
endif

if HAVE_CRITERION
check_PROGRAMS += tests/test_spill
TESTS += tests/test_spill
tests_test_spill_SOURCES = tests/test_spill.c
tests_test_spill_CFLAGS = $(TEST_CFLAGS)
tests_test_spill_LDADD = $(TEST_LIBS)
endif

if HAVE_CRITERION
check_PROGRAMS += tests/test_html
TESTS += tests/test_html
tests_test_html_SOURCES = tests/test_html.c tests/test_summaries.h
tests_test_html_CFLAGS = $(TEST_CFLAGS)
tests_test_html_LDADD = $(TEST_LIBS)
endif

## The HTML page against the JSON of the same run, and rendered.
TESTS += tests/html.test tests/html_render.test
EXTRA_DIST += tests/html.test tests/html_check.py tests/html_render.test tests/png_check.py tests/html-nets.txt

if HAVE_CRITERION
check_PROGRAMS += tests/test_replay
TESTS += tests/test_replay
tests_test_replay_SOURCES = tests/test_replay.c
tests_test_replay_CFLAGS = $(TEST_CFLAGS)
tests_test_replay_LDADD = $(TEST_LIBS)
endif
