## The sketch library: no networking, no I/O.
noinst_LIBRARIES += libsketches.a
libsketches_a_SOURCES = \
	sketches/hash.c sketches/hash.h \
	sketches/space_saving.c sketches/space_saving.h \
	sketches/count_min.c sketches/count_min.h \
	sketches/hyperloglog.c sketches/hyperloglog.h
