## conn.log side: input streams (plain/gzip, file/stdin) and the log parser.
noinst_LIBRARIES += libtsconn.a
libtsconn_a_SOURCES = \
	src/input.c src/input.h \
	src/conn_log.c src/conn_log.h
