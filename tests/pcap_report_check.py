#!/usr/bin/env python3
"""Compares the Total block of a trace-summary text report of a packet
trace with the oracle's exact figures (tests/golden/pcap-oracle/NAME.txt,
made once with ../shared/tools/pcap_oracle.py).

Usage: pcap_report_check.py ORACLE REPORT [ORACLE REPORT ...]
Checks Bytes and Pkts (as the report formats them), the Frags share, and
every top-10 row of Ports, Sources, Destinations and Protocols, in order,
with the same percentage. Exit 0 when all agree, 1 otherwise.
"""
import sys


def fmt_val(v):
    for unit, factor in (("g", 1e9), ("m", 1e6), ("k", 1e3)):
        if v >= factor:
            return "%3.1f%s" % (v / factor, unit)
    return " %3.1f" % v if v >= 1 else "0"


def check(oracle_path, report_path):
    oracle = {"ports": [], "srcs": [], "dsts": [], "prots": []}
    nums = {}
    for line in open(oracle_path):
        f = line.split()
        if f[0] in oracle:
            oracle[f[0]].append((f[1], f[2]))
        else:
            nums[f[0]] = int(f[1])
    lines = open(report_path).read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith(">== Total ==="))
    counters = lines[start + 1]
    problems = []
    want = "Bytes %s - " % fmt_val(nums["bytes"])
    if want not in counters:
        problems.append("counters %r lack %r" % (counters, want))
    want = "Pkts %s - " % fmt_val(nums["pkts"])
    if want not in counters:
        problems.append("counters %r lack %r" % (counters, want))
    if nums["pkts"]:
        want = "Frags %5.1f%% - " % (100.0 * nums["frags"] / nums["pkts"])
        if want not in counters:
            problems.append("counters %r lack %r" % (counters, want))
    header = lines[start + 2]
    cols = [c.strip() for c in header.split("|")[:-1]]
    if cols != ["Ports", "Sources", "Destinations", "Protocols"]:
        problems.append("table header %r" % header)
    got = {"ports": [], "srcs": [], "dsts": [], "prots": []}
    for row in lines[start + 3:]:
        if not row.startswith("     "):
            break
        cells = row[5:].split(" | ")
        for name, cell in zip(("ports", "srcs", "dsts", "prots"), cells):
            f = cell.split()
            if f:
                got[name].append((f[0], f[-1].rstrip("%")))
    for name in oracle:
        if got[name] != oracle[name]:
            problems.append("%s: report %s, oracle %s" % (name, got[name], oracle[name]))
    for p in problems:
        print("%s: %s" % (report_path, p))
    return not problems


def main():
    args = sys.argv[1:]
    ok = fail = 0
    for i in range(0, len(args) - 1, 2):
        if check(args[i], args[i + 1]):
            ok += 1
        else:
            fail += 1
    print("pcap report: %d passed, %d failed" % (ok, fail))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
