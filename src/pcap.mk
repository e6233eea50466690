## Packet side: the frame decoder and the trace reader.
noinst_LIBRARIES += libtspcap.a
libtspcap_a_SOURCES = \
	src/decode.c src/decode.h \
	src/pcap_in.c src/pcap_in.h
