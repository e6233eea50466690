## Benchmark: the input generator (tsgen), the pcap read floor, and
## `make bench` (bench/run; BENCH_ARGS=--quick for the small sizes).
## Generated inputs and results go to bench/out/ (not in git).

noinst_PROGRAMS += bench/tsgen bench/read_floor bench/summary_size
bench_summary_size_SOURCES = bench/summary_size.c
bench_summary_size_LDADD = libtsconn.a libtscore.a libsketches.a -lm
bench_tsgen_SOURCES = bench/tsgen.c
bench_tsgen_LDADD = $(ZLIB_LIBS)
bench_read_floor_SOURCES = bench/read_floor.c
bench_read_floor_LDADD = $(PCAP_LIBS)
EXTRA_bench_read_floor_DEPENDENCIES = $(NODBUS_DEP)

TESTS += tests/test_tsgen.sh
EXTRA_DIST += bench/run bench/soak bench/peers bench/README.md tests/test_tsgen.sh

BENCH_ARGS =
bench: bench/tsgen$(EXEEXT) bench/read_floor$(EXEEXT) bench/bench_sketches$(EXEEXT) trace-summary$(EXEEXT)
	BUILDDIR='$(abs_builddir)' bash '$(abs_srcdir)/bench/run' $(BENCH_ARGS)
.PHONY: bench
