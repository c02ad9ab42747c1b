#!/usr/bin/env python3
"""Checks rvprof's output files (and optionally runs rvprof first).

  rvprof_check.py --dir DIR [--expect NAME=CALLS ...] [--functions a,b] [--stdout-table]
                  [--sampled] [-- command ...]

With a command: runs it (rvprof with --out DIR), requires exit status 0, and parses the
table it printed; else reads DIR/table.txt. Then requires:
  * flamegraph.svg parses as XML (xml.etree), root <svg>, exactly one embedded <script>
    and no href/src (self-contained), every function of
    the table with calls appears in a frame title (a sampled run may list a function whose
    calls were all cut by a detach, with 0 calls);
  * trace.json parses as JSON, has traceEvents; for every function, the number of "X"
    events equals the table's calls column (when the bounded trace filled: events plus
    the dropped count equal the table's calls, none above a function's); ts/dur numeric;
  * profile.folded lines are "a;b;c N" and every function appears;
  * --expect NAME=CALLS: the table's count for NAME is CALLS;
  * --functions: these names are all in the table.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def parse_estimates(text):
    est = {}
    in_table = False
    for line in text.splitlines():
        if line.startswith("function ") and "est.calls" in line:
            in_table = True
            continue
        if line.startswith("#") or line.startswith("rvprof") or not line.strip():
            in_table = False
            continue
        if in_table:
            parts = line.split()
            est[parts[0]] = float(parts[2])
    return est


def parse_table(text):
    rows = {}
    sampled = False
    in_table = False
    for line in text.splitlines():
        if line.startswith("# SAMPLED"):
            sampled = True
        if line.startswith("function "):
            in_table = True
            continue
        if line.startswith("#") or line.startswith("rvprof") or not line.strip():
            in_table = False
            continue
        if not in_table:
            continue
        parts = line.split()
        if len(parts) < 6 or not parts[1].isdigit():
            continue
        rows[parts[0]] = int(parts[1])
    return rows, sampled


def main():
    argv = sys.argv[1:]
    cmd = []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--functions", default="")
    ap.add_argument("--sampled", action="store_true")
    ap.add_argument("--tids", type=int, default=0,
                    help="the trace must have X events on exactly this many threads")
    ap.add_argument("--estimate", action="append", default=[],
                    help="NAME=PER_RUN:TOL: est.calls of NAME within TOL (fraction) of "
                         "PER_RUN times the runs rvprof reports")
    args = ap.parse_args(argv)

    if cmd:
        for f in ("flamegraph.svg", "trace.json", "profile.folded", "table.txt"):
            p = os.path.join(args.dir, f)
            if os.path.exists(p):
                os.remove(p)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        if r.returncode != 0:
            fail("rvprof exited with %d" % r.returncode)
        table, sampled = parse_table(r.stdout)
        estimates = parse_estimates(r.stdout)
        m = re.search(r"^rvprof: (\d+) run\(s\)", r.stdout, re.M)
        runs = int(m.group(1)) if m else 0
        for e in args.estimate:
            name, rest = e.split("=")
            per_run, tol = rest.split(":")
            truth = int(per_run) * runs
            got = estimates.get(name)
            if got is None or truth == 0:
                fail("no estimate for %s (runs %d)" % (name, runs))
            if abs(got - truth) > float(tol) * truth:
                fail("%s: est.calls %.0f, true %d calls (%d runs x %s): off by more than %s"
                     % (name, got, truth, runs, per_run, tol))
            print("estimate %s: %.0f vs true %d (%+.1f%%)" % (name, got, truth,
                                                              100.0 * (got - truth) / truth))
        for f in ("flamegraph.svg", "trace.json"):
            if os.path.join(args.dir, f) not in r.stdout and f not in r.stdout:
                fail("rvprof did not say where %s went" % f)
    else:
        with open(os.path.join(args.dir, "table.txt")) as fh:
            table, sampled = parse_table(fh.read())
    if not table:
        fail("no table rows")
    if args.sampled != sampled:
        fail("table says sampled=%s, expected %s" % (sampled, args.sampled))
    for name in filter(None, args.functions.split(",")):
        if name not in table:
            fail("function %s not in the table %s" % (name, sorted(table)))
    for e in args.expect:
        name, calls = e.split("=")
        if table.get(name) != int(calls):
            fail("%s: table says %s calls, expected %s" % (name, table.get(name), calls))

    # SVG: well-formed XML, every function in a frame.
    svg_path = os.path.join(args.dir, "flamegraph.svg")
    try:
        root = ET.parse(svg_path).getroot()
    except ET.ParseError as ex:
        fail("flamegraph.svg is not valid XML: %s" % ex)
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        fail("root element is %s" % root.tag)
    ns = "{http://www.w3.org/2000/svg}"
    # Interactive (one embedded script) but self-contained: nothing loaded from elsewhere.
    scripts = list(root.iter(ns + "script"))
    if len(scripts) != 1 or not (scripts[0].text or "").strip():
        fail("svg has %d scripts, expected one embedded script" % len(scripts))
    for el in root.iter():
        for attr in el.attrib:
            if attr.endswith("href") or attr == "src":
                fail("svg references %s=%s" % (attr, el.attrib[attr]))
    titles = [t.text or "" for t in root.iter(ns + "title")]
    frame_names = {re.sub(r" \(\d+ calls,.*$", "", t) for t in titles}
    for name in (n for n, c in table.items() if c > 0):
        if name not in frame_names:
            fail("function %s has no frame in the SVG (frames: %s)" % (name, sorted(frame_names)))

    # JSON: valid, one X event per counted call.
    with open(os.path.join(args.dir, "trace.json")) as fh:
        try:
            trace = json.load(fh)
        except json.JSONDecodeError as ex:
            fail("trace.json is not valid JSON: %s" % ex)
    events = trace.get("traceEvents")
    if not isinstance(events, list) or not events:
        fail("trace.json has no traceEvents")
    counts = {}
    tids = set()
    for ev in events:
        for k in ("name", "ph", "pid", "tid"):
            if k not in ev:
                fail("event without %s: %s" % (k, ev))
        if ev["ph"] == "X":
            if not isinstance(ev.get("ts"), (int, float)) or not isinstance(ev.get("dur"), (int, float)):
                fail("X event without numeric ts/dur: %s" % ev)
            counts[ev["name"]] = counts.get(ev["name"], 0) + 1
            tids.add(ev["tid"])
    if args.tids and len(tids) != args.tids:
        fail("X events on %d threads, expected %d" % (len(tids), args.tids))
    dropped = trace.get("otherData", {}).get("dropped_events", 0)
    if dropped:
        # A bounded trace (--max-events per thread) that filled: how many calls a timed run
        # makes depends on the machine's speed, so a run may fill it. Every completed call
        # is still either an X event or counted as dropped, and no function can have more
        # events than calls.
        if sum(counts.values()) + dropped != sum(table.values()):
            fail("%d X events + %d dropped != %d calls in the table"
                 % (sum(counts.values()), dropped, sum(table.values())))
        for name, calls in table.items():
            if counts.get(name, 0) > calls:
                fail("%s: %d X events in trace.json, more than the table's %d"
                     % (name, counts.get(name, 0), calls))
    else:
        for name, calls in table.items():
            if counts.get(name, 0) != calls:
                fail("%s: %d X events in trace.json, table says %d"
                     % (name, counts.get(name, 0), calls))
    if set(counts) - set(table):
        fail("trace has functions not in the table: %s" % (set(counts) - set(table)))

    # Folded stacks.
    seen = set()
    with open(os.path.join(args.dir, "profile.folded")) as fh:
        for line in fh:
            m = re.match(r"^(.+) (\d+)$", line.rstrip("\n"))
            if not m:
                fail("bad folded line: %r" % line)
            seen.update(m.group(1).split(";"))
    for name in (n for n, c in table.items() if c > 0):
        if name not in seen:
            fail("function %s not in profile.folded" % name)
    print("OK: %d functions, %d calls; SVG and JSON valid and consistent with the table"
          % (len(table), sum(table.values())))


if __name__ == "__main__":
    main()
