#!/usr/bin/env python3
"""Checks an HTML page of trace-summary against the JSON of the same run.

usage: html_check.py [--texts FILE] PAGE.html REPORT.json

The page must be well-formed (every element closed in order, one html,
head, body and title), self-contained (no script, no event handler, no
src/href, nothing fetched from CSS), carry a chart for each column of each
block, and show the JSON's numbers: the header figures, each block's
counters, every column entry (key, estimate, lower, upper, percent,
exactness, in order), the local networks ranking and the intervals. Each
line of the --texts FILE must be in the page's visible text (markup shown
as text).
Exits 0 when all holds; prints each failure otherwise.
"""
import json
import math
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "link", "img", "input", "hr", "col", "area", "base", "wbr", "source"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.counts = {}
        self.text = []
        self.figures = {}
        self.blocks = []  # dicts: title, records, bytes, cols {id: {exact, rows}}
        self.networks = []
        self.series = {}  # (metric, series) -> values
        self.aggregation = None
        self.in_th = None
        self.section = None
        self.pairs = {}  # section id -> [[cells..., data-count]]
        self.cell = None
        self.nonlocal_count = None
        self.unknown_total = None

    def error(self, msg):
        self.errors.append(msg)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.error("end tag </%s> closes <%s>" % (tag, self.stack[-1] if self.stack else ""))
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "th":
            self.in_th = None
        if tag == "td":
            self.cell = None

    def handle_data(self, data):
        if "style" not in self.stack and "title" not in self.stack:
            self.text.append(data)
        if self.cell is not None:
            self.cell[-1] += data
        if self.in_th is not None and "span" not in self.stack[-1:]:
            self.in_th["shown"] = self.in_th.get("shown", "") + data

    def _start(self, tag, attrs):
        a = dict(attrs)
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag in ("script", "iframe", "object", "embed", "img", "link"):
            self.error("<%s> on the page" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.error("event handler %s=%r" % (k, v))
            if k in ("src", "href", "xlink:href", "action", "formaction"):
                self.error("%s=%r fetches" % (k, v))
            if v and "url(" in v:
                self.error("url() in %s" % k)
        if tag == "section":
            self.section = a.get("id")
        if tag == "tr" and a.get("class") == "pair":
            row = {"cells": [], "count": a.get("data-count")}
            self.pairs.setdefault(self.section, []).append(row)
            self.pair_row = row
        elif tag == "td" and self.stack[-1:] == ["tr"] and getattr(self, "pair_row", None) is not None:
            self.pair_row["cells"].append("")
            self.cell = self.pair_row["cells"]
        elif tag == "tr":
            self.pair_row = None
        if a.get("id") == "nonlocal":
            self.nonlocal_count = float(a["data-count"])
        if a.get("id") == "unknown_total":
            self.unknown_total = float(a["data-count"])
        if tag == "div" and a.get("class") == "fig":
            self.figures[a.get("data-name")] = a.get("data-value")
        elif tag == "section" and a.get("class") == "block":
            self.blocks.append({"title": a.get("data-title"), "cols": {}})
        elif tag == "p" and a.get("class") == "counters" and self.blocks:
            self.blocks[-1]["records"] = float(a["data-records"])
            self.blocks[-1]["bytes"] = float(a["data-bytes"])
        elif tag == "article" and a.get("class") == "col" and self.blocks:
            self.blocks[-1]["cols"][a["data-col"]] = {"exact": a["data-exact"] == "true", "rows": []}
            self.col = self.blocks[-1]["cols"][a["data-col"]]
        elif tag == "tr" and "data-estimate" in a and self.blocks:
            self.col["rows"].append(a)
            self.row = a
        elif tag == "tr" and "data-network" in a:
            self.networks.append((a["data-network"], float(a["data-count"])))
        elif tag == "tr":
            self.row = {}
        elif tag == "th" and self.stack and self.stack[-1] == "tr" and "data-estimate" in getattr(self, "row", {}):
            self.in_th = self.row
        elif tag == "figure" and a.get("class") == "series":
            self.metric = a["data-metric"]
        elif tag == "polyline" and "data-series" in a:
            vals = [float(x) for x in a["data-values"].split()]
            self.series[(self.metric, a["data-series"])] = vals
            if len(vals) != len(a["points"].split()):
                self.error("polyline %s: %d values for %d points" % (a["data-series"], len(vals), len(a["points"].split())))
        elif tag == "p" and a.get("id") == "aggregation":
            self.aggregation = a


def same(x, y):
    if x is None or y is None:
        return x is None and y is None
    x, y = float(x), float(y)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y


def check(page_path, json_path, texts):
    with open(page_path, encoding="ascii") as f:
        src = f.read()
    with open(json_path) as f:
        rep = json.load(f)
    p = Page()
    p.feed(src)
    p.close()
    fail = list(p.errors)
    if p.stack:
        fail.append("unclosed elements: %s" % p.stack)
    for tag in ("html", "head", "body", "title", "style"):
        if p.counts.get(tag) != 1:
            fail.append("%d <%s> elements" % (p.counts.get(tag, 0), tag))
    if not src.startswith("<!DOCTYPE html>"):
        fail.append("no doctype")
    text = "".join(p.text)
    for t in texts:
        if t not in text:
            fail.append("text %r not shown" % t)

    total = rep["total"]
    conns = "connections" in total
    rec_key = "connections" if conns else "packets"
    for name, want in ((rec_key, total[rec_key]), ("bytes", total["bytes"]), ("payload", total["payload"])):
        if not same(p.figures.get(name), want):
            fail.append("figure %s: page %s, json %s" % (name, p.figures.get(name), want))
    for name in ("distinct_sources", "distinct_destinations"):
        want = total[name]["estimate"]
        if want is not None and not same(p.figures.get(name), want):
            fail.append("figure %s: page %s, json %s" % (name, p.figures.get(name), want))

    blocks = {b["title"]: b for b in p.blocks}
    nblocks = 0
    for key in ("total", "incoming", "outgoing"):
        if key not in rep:
            continue
        jb = rep[key]
        b = blocks.get(jb["title"])
        if b is None:
            fail.append("block %s missing" % jb["title"])
            continue
        nblocks += 1
        if not same(b["records"], jb[rec_key]) or not same(b["bytes"], jb["bytes"]):
            fail.append("%s counters: page %s/%s, json %s/%s" % (key, b["records"], b["bytes"], jb[rec_key], jb["bytes"]))
        for cname, jc in jb["columns"].items():
            pc = b["cols"].get(cname)
            if pc is None:
                fail.append("%s: no chart for %s" % (key, cname))
                continue
            if pc["exact"] != jc["exact"]:
                fail.append("%s %s: exact %s, json %s" % (key, cname, pc["exact"], jc["exact"]))
            if len(pc["rows"]) != len(jc["entries"]):
                fail.append("%s %s: %d rows, json %d" % (key, cname, len(pc["rows"]), len(jc["entries"])))
            for i, (row, je) in enumerate(zip(pc["rows"], jc["entries"])):
                if row["data-key"] != je["key"]:
                    fail.append("%s %s #%d: key %r, json %r" % (key, cname, i + 1, row["data-key"], je["key"]))
                if row.get("shown") != je["key"]:
                    fail.append("%s %s #%d: shows %r, json %r" % (key, cname, i + 1, row.get("shown"), je["key"]))
                for f in ("estimate", "lower", "upper", "percent"):
                    if not same(row.get("data-" + f), je[f]):
                        fail.append("%s %s #%d %s: page %s, json %s" % (key, cname, i + 1, f, row.get("data-" + f), je[f]))
                if (row["data-exact"] == "true") != je["exact"]:
                    fail.append("%s %s #%d: exact differs" % (key, cname, i + 1))
        extra = set(b["cols"]) - set(jb["columns"])
        if extra:
            fail.append("%s: charts without json columns %s" % (key, extra))
    if nblocks == 0:
        fail.append("no block compared")

    if "local_networks" in rep:
        want = [(n["network"], float(n.get("count", n.get("summary", {}).get(rec_key, 0)))) for n in rep["local_networks"]]
        if not p.networks or p.networks != want[: len(p.networks)]:
            fail.append("networks: page %s, json %s" % (p.networks[:3], want[:3]))

    nl = rep.get("no_local_address")
    if nl and nl["first_pairs"]:
        got = [r["cells"][0::2] for r in p.pairs.get("networks", [])]
        if not same(p.nonlocal_count, nl["count"]):
            fail.append("no local address: page %s, json %s" % (p.nonlocal_count, nl["count"]))
        if got != nl["first_pairs"]:
            fail.append("pairs without a local address: page %s, json %s" % (got[:3], nl["first_pairs"][:3]))
    ut = rep.get("unknown_transport")
    if ut and ut["count"]:
        got = [(r["cells"][0], r["cells"][1], float(r["count"])) for r in p.pairs.get("unknown", [])]
        want = [(u["source"], u["destination"], float(u["count"])) for u in ut["pairs"]]
        if not got or got != want[: len(got)]:
            fail.append("unknown transport: page %s, json %s" % (got[:3], want[:3]))
        if not same(p.unknown_total, ut["count"]):
            fail.append("unknown transport total: page %s, json %s" % (p.unknown_total, ut["count"]))

    ivls = rep.get("intervals") or []
    # the tool's JSON has one block per interval (Total); tests/html_page's
    # has each series' records and bytes
    ivls = [iv if "total" in iv else {"total": {"records": iv[rec_key], "bytes": iv["bytes"]}} for iv in ivls]
    if ivls:
        if p.aggregation is None:
            fail.append("no time series")
        else:
            merged = int(p.aggregation["data-merged"])
            for ser in ("total", "incoming", "outgoing"):
                if ser not in ivls[0]:
                    continue
                for metric, field in (("records", "records"), ("bytes", "bytes")):
                    vals = p.series.get((metric, ser))
                    if vals is None:
                        fail.append("no %s series of %s" % (metric, ser))
                        continue
                    want = [iv[ser][field] for iv in ivls]
                    if sum(vals) != sum(want):
                        fail.append("%s %s: sum %s, json %s" % (ser, metric, sum(vals), sum(want)))
                    if merged == 1 and vals != want:
                        fail.append("%s %s: values differ from the json's" % (ser, metric))
                    if len(vals) > 2048:
                        fail.append("%s %s: %d points" % (ser, metric, len(vals)))
    for f in fail:
        print("html_check: %s: %s" % (page_path, f))
    return not fail


def main(argv):
    texts = []
    args = []
    i = 1
    while i < len(argv):
        if argv[i] == "--texts":
            with open(argv[i + 1]) as f:
                texts += [t for t in f.read().split("\n") if t]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if check(args[0], args[1], texts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
