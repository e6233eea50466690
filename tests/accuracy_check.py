#!/usr/bin/env python3
"""Checks a trace-summary --json report against tsgen's exact counts.

Usage: accuracy_check.py EXACT JSON [--sampled] [--metric records|bytes]
EXACT is tsgen's --exact-top output (stderr), JSON the report. Checks, for
every column present in the report's Total block:
  - unsampled: the shown top-n equals the exact top-n (as sets, and in
    order wherever exact counts differ), and lower <= exact <= upper for
    every entry;
  - sampled: prints "cells N covered M" (entries whose printed range of
    shares contains the exact count's share of the estimated total), for
    the caller to add up across seeds.
Exit status 0 when every check holds, 1 otherwise (with a message).
"""
import json
import sys

COLS = {"sources": "src", "destinations": "dst", "ports": "port",
        "protocols": "proto", "services": "service", "states": "state"}


def load_exact(path, metric):
    exact = {}
    for line in open(path):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 5:
            continue
        section, m = f[0].split(".")
        if m != metric:
            continue
        count = int(f[3] if metric == "records" else f[4])
        exact.setdefault(section, []).append((f[2], count))
    return exact


def only_low_ports(exact):
    if "port" in exact:
        exact["port"] = [(k, c) for k, c in exact["port"] if int(k) < 1024]


def main():
    args = sys.argv[1:]
    sampled = "--sampled" in args
    low_ports = "--low-ports" in args  # -m: ports >= 1024 are not counted
    metric = "records"
    if "--metric" in args:
        metric = args[args.index("--metric") + 1]
    paths = [a for a in args if not a.startswith("--") and a not in ("records", "bytes")]
    exact = load_exact(paths[0], metric)
    if low_ports:
        only_low_ports(exact)
    report = json.load(open(paths[1]))
    total = report["total"]
    n = report["parameters"]["topn"]
    tot_est = total["bytes"] if metric == "bytes" else total.get("connections", total.get("packets"))
    ok = True
    cells = covered = 0
    for col, section in COLS.items():
        if col not in total["columns"] or section not in exact:
            continue
        entries = total["columns"][col]["entries"]
        truth = dict(exact[section])
        ranked = exact[section]
        for e in entries:
            if e["key"] not in truth:
                if sampled:
                    cells += 1
                    continue
                print(f"{col}: {e['key']} shown but not among the exact top {len(ranked)}")
                ok = False
                continue
            t = truth[e["key"]]
            if sampled and "printed_percent_range" in e:
                # what a reader sees: the printed range of shares of the
                # estimated total
                lo, hi = e["printed_percent_range"]
                share = 100.0 * t / tot_est
                inside = lo - 1e-9 <= share <= hi + 1e-9
            else:
                inside = e["lower"] - 1e-6 <= t <= e["upper"] + 1e-6
            cells += 1
            covered += inside
            if not sampled and not inside:
                print(f"{col}: {e['key']} exact {t} outside [{e['lower']}, {e['upper']}]")
                ok = False
        if sampled:
            continue
        shown = [e["key"] for e in entries]
        want = [k for k, _ in ranked[:n]]
        # the n-th place may be tied: compare what is strictly above the tie
        if len(ranked) > n:
            cut = ranked[n][1]
            want = [k for k, c in ranked[:n] if c > cut]
            shown_cmp = shown[:len(want)]
        else:
            shown_cmp = shown
        if set(shown_cmp) != set(want):
            print(f"{col}: top keys {shown_cmp} differ from exact {want}")
            ok = False
        # order: wherever exact counts differ, the report must agree
        for i in range(len(shown) - 1):
            a, b = shown[i], shown[i + 1]
            if a in truth and b in truth and truth[a] < truth[b]:
                print(f"{col}: {a} ({truth[a]}) ranked above {b} ({truth[b]})")
                ok = False
    if sampled:
        print(f"cells {cells} covered {covered}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
