#!/bin/sh
# Smoke test of bench/tsgen: every format parses with an independent tool,
# the output is deterministic, and options are checked.
set -eu
TSGEN=./bench/tsgen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# TSV: header, 21 columns on every data line, #close at the end
$TSGEN --records 2000 --ipv6 0.3 --oneoff 0.2 --seed 7 -o "$tmp/c.log"
awk -F'\t' '!/^#/ { if (NF != 21) { print "line " NR ": " NF " columns"; bad = 1 } ; n++ }
    END { if (n != 2000 || bad) exit 1 }' "$tmp/c.log" || fail "TSV column count"
grep -q '^#fields	ts	uid	id.orig_h' "$tmp/c.log" || fail "TSV #fields"
tail -n 1 "$tmp/c.log" | grep -q '^#close	' || fail "TSV #close"

# deterministic: the same options give the same bytes
$TSGEN --records 2000 --ipv6 0.3 --oneoff 0.2 --seed 7 | cmp -s - "$tmp/c.log" ||
    fail "output not deterministic"

# JSON: every line is a JSON object (checked by python3 when present)
$TSGEN --format json --records 500 --ipv6 0.3 --oneoff 0.2 -o "$tmp/c.json"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line); n += 1
    assert isinstance(o["ts"], float) and o["proto"] in ("tcp", "udp", "icmp")
assert n == 500' "$tmp/c.json" || fail "JSON"
fi

# gzip round trip
$TSGEN --records 300 --gzip -o "$tmp/c.log.gz"
$TSGEN --records 300 -o "$tmp/c2.log"
gzip -dc "$tmp/c.log.gz" | cmp -s - "$tmp/c2.log" || fail "gzip output differs"

# pcap: right size, and tshark (when present) reads every packet
$TSGEN --format pcap --records 3000 --ipv6 0.3 --oneoff 0.1 --snaplen 96 -o "$tmp/t.pcap"
if command -v tshark >/dev/null 2>&1; then
    n=$(tshark -r "$tmp/t.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
    [ "$n" -eq 3000 ] || fail "tshark read $n packets of 3000"
    # checksums of IPv4 headers, TCP, UDP and ICMP must be right; random
    # payloads may look malformed to application dissectors, but no
    # malformation may be found at or below the transport layer
    bad=$(tshark -r "$tmp/t.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
        -o udp.check_checksum:TRUE -T fields -e frame.protocols -Y \
        'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 ||
         icmp.checksum.status==0 || icmpv6.checksum.status==0 || _ws.malformed' 2>/dev/null |
        awk -F: '{ n = split($0, a, ":"); last = a[n] }
                 last ~ /^(eth|ethertype|ip|ipv6|tcp|udp|icmp|icmpv6|data|ipv6.hopopts)$/ { c++ }
                 END { print c + 0 }')
    [ "$bad" -eq 0 ] || fail "tshark flags $bad packets"
fi

# flows (--flows): deterministic with --seed, a new seed gives another trace
FLOWS="--format pcap --records 20000 --hosts 5000 --oneoff 0.1 --ipv6 0.3 --flows 1.1 --flow-window 16"
$TSGEN $FLOWS --seed 3 --exact-top 0 -o "$tmp/f.pcap" 2>"$tmp/ftop"
$TSGEN $FLOWS --seed 3 | cmp -s - "$tmp/f.pcap" || fail "--flows output not deterministic"
$TSGEN $FLOWS --seed 4 | cmp -s - "$tmp/f.pcap" && fail "--flows ignores --seed"
flows=$(sed -n 's/^# flows \([0-9]*\) (16 open at a time)$/\1/p' "$tmp/ftop")
[ -n "$flows" ] || fail "--flows: no flow count in the exact counts"
[ "$flows" -lt 10000 ] || fail "--flows: $flows flows for 20000 packets"
# read back independently: every packet is there, the packets of a flow
# share its 5-tuple, they are interleaved with other flows, and the sizes
# are heavy-tailed (the largest flow is many times the mean)
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/f.pcap" "$flows" <<'PY' || fail "--flows trace structure"
import struct, sys
from collections import Counter
data = open(sys.argv[1], "rb").read()
flows = int(sys.argv[2])
off, pkts, keys, prev, changes = 24, 0, Counter(), None, 0
while off < len(data):
    caplen = struct.unpack_from("<I", data, off + 8)[0]
    p = data[off + 16 : off + 16 + caplen]
    off += 16 + caplen
    pkts += 1
    et = struct.unpack_from(">H", p, 12)[0]
    if et == 0x0800:
        ihl = (p[14] & 15) * 4
        if struct.unpack_from(">H", p, 20)[0] & 0x1FFF:
            continue  # a later fragment carries no ports
        src, dst, proto, l4 = p[26:30], p[30:34], p[23], 14 + ihl
    else:
        src, dst, proto, l4 = p[22:38], p[38:54], p[20], 54
        if proto == 0:  # Hop-by-Hop header
            proto, l4 = p[54], 62
    key = (src, dst, proto, p[l4 : l4 + (4 if proto in (6, 17) else 2)])  # ICMP: type, code
    keys[key] += 1
    changes += key != prev
    prev = key
assert pkts == 20000, pkts
assert 0.95 * flows <= len(keys) <= flows, (len(keys), flows)
assert changes > 0.9 * pkts, changes
mean = pkts / flows
assert max(keys.values()) > 10 * mean, (max(keys.values()), mean)
PY
fi
if $TSGEN --flows 1.1 2>"$tmp/err"; then fail "accepted --flows for a conn.log"; fi
grep -q "only for --format pcap" "$tmp/err" || fail "error message for --flows"
if $TSGEN --format pcap --flows 0 2>/dev/null; then fail "accepted --flows 0"; fi
if $TSGEN --format pcap --flows 1 --flow-window 0 2>/dev/null; then fail "accepted --flow-window 0"; fi

# bad options are refused with a message
if $TSGEN --format xml 2>"$tmp/err"; then fail "accepted --format xml"; fi
grep -q "not tsv, json or pcap" "$tmp/err" || fail "error message for --format"
if $TSGEN --hosts 0 2>/dev/null; then fail "accepted --hosts 0"; fi
if $TSGEN --zipf x 2>/dev/null; then fail "accepted --zipf x"; fi

# exact counts: records sum and sorted order
$TSGEN --records 5000 --exact-top 5 -o /dev/null 2>"$tmp/top"
grep -q '^# tsgen exact counts: format tsv, records 5000' "$tmp/top" || fail "exact header"
[ "$(grep -c '^src.records' "$tmp/top")" -eq 5 ] || fail "exact top-5 sources"
awk -F'\t' '$1 == "src.records" { if (prev != "" && $4 > prev) exit 1; prev = $4 }' "$tmp/top" ||
    fail "exact top not sorted"

# Zipf: with s = 1.1 the top two ports are in the ratio 2^1.1 = 2.14
$TSGEN --records 100000 --zipf 1.1 --exact-top 2 -o /dev/null 2>"$tmp/top"
awk -F'\t' '$1 == "port.records" { c[$2] = $4 }
    END { r = c[1] / c[2]; if (r < 2.0 || r > 2.3) { print "ratio " r; exit 1 } }' "$tmp/top" ||
    fail "Zipf port ratio"

# --oneoff 1: every source is new
$TSGEN --format pcap --records 20000 --oneoff 1 --ipv6 0.5 --exact-top 0 -o /dev/null 2>"$tmp/top"
grep -q '^# distinct sources 20000 ' "$tmp/top" || fail "one-off sources repeat"
exit 0
