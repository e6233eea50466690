## Unit tests (Criterion) live in the fragment of the module they test.
## CLI golden tests: tests/golden/TESTLIST run by tests/golden.test.
TESTS += tests/golden.test
EXTRA_DIST += tests/golden.test tests/golden/TESTLIST tests/golden/expected
AM_TESTS_ENVIRONMENT = srcdir='$(srcdir)'; export srcdir; top_builddir='$(top_builddir)'; export top_builddir;
