#!/usr/bin/env python3
"""Holds the kernel's modelled schedule against its source and against Vitis HLS's synthesis report.

The model is the table of loops the kernel's C-simulation counted (`tb_npu --loops FILE`: every NPU_LOOP's label,
charge, port, II, depth, tail, and the fewest and most trips one execution had) and its port table. Checks:

  1. source, always: every `for`/`while` of the kernel is labelled; the INTERFACE pragmas of npu_top.cpp declare
     the outstanding requests and burst lengths of the port table; every instrumented loop's LOOP_TRIPCOUNT range
     holds the trip counts C-simulation saw;
  2. report, with --report or --report-dir: for every modelled loop, the synthesis report's loops of that label
     exist, are pipelined, achieve the modelled II, have an iteration latency within --depth-tolerance cycles of
     the modelled depth, and report trip counts that hold the counts C-simulation saw.

The report is the text csynth.rpt of Vitis HLS (its "Performance & Resource Estimates" table: one row per module
and loop, loops marked "o"; UG1393 "Interpreting the HLS Report" lists the columns). Exit 0 when every check
passes, 1 on a disagreement (each printed), 2 on bad input.

  compare.py --loops build/loops.tsv --sources src [--report-dir build/npu_hls/kv260/syn/report]
"""
import argparse
import glob
import os
import re
import sys

INTERFACE = re.compile(r"#pragma HLS INTERFACE mode = m_axi port = (\w+) bundle = (\w+)(.*)")
TRIPCOUNT = re.compile(r"#pragma HLS LOOP_TRIPCOUNT min = (\d+) max = (\d+)")
LABEL = re.compile(r"^\s*([A-Za-z_]\w*):\s*$")
LOOP = re.compile(r"^\s*(for|while)\s*\(")
# The bundles of the four weight ports share one row of the port table.
BUNDLE_ROW = {"gmem_w0": "gmem_w", "gmem_w1": "gmem_w", "gmem_w2": "gmem_w", "gmem_w3": "gmem_w"}


def read(path):
    with open(path) as f:
        return f.read()


class Table:
    """The model: loops by label, ports by bundle."""

    def __init__(self, path):
        self.loops, self.ports = {}, {}
        section = None
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("# loops"):
                    section = "loops"
                elif line.startswith("# ports"):
                    section = "ports"
                elif line and section == "loops":
                    label, kind, port, ii, depth, tail, lo, hi = line.split("\t")
                    self.loops[label] = {"kind": kind, "port": port, "ii": int(ii), "depth": int(depth),
                                         "tail": tail, "min": int(lo), "max": int(hi)}
                elif line and section == "ports":
                    bundle, beat, outstanding, burst = line.split("\t")
                    self.ports[bundle] = {"beat": int(beat), "outstanding": int(outstanding), "burst": int(burst)}
        if not self.loops or not self.ports:
            raise ValueError(path + ": no '# loops' or '# ports' section (write it with tb_npu --loops FILE)")


def check_sources(table, sources, failures):
    """Labels on every loop, INTERFACE pragmas against the port table, LOOP_TRIPCOUNT against observed trips."""
    files = sorted(glob.glob(os.path.join(sources, "*.cpp")) + glob.glob(os.path.join(sources, "*.h")))
    files = [f for f in files if not os.path.basename(f).startswith("cost.")]  # C-simulation bookkeeping only
    if not files:
        raise ValueError("no kernel sources in " + sources)
    interfaces = 0
    for path in files:
        lines = read(path).split("\n")
        for i, line in enumerate(lines):
            if LOOP.match(line) and not LABEL.match(lines[i - 1] if i > 0 else ""):
                failures.append("%s:%d: a loop without a label: %s" % (path, i + 1, line.strip()))
            m = LABEL.match(line)
            if m and m.group(1) in table.loops:
                loop = table.loops[m.group(1)]
                for follow in lines[i + 1:i + 5]:
                    t = TRIPCOUNT.search(follow)
                    if t and (loop["min"] < int(t.group(1)) or loop["max"] > int(t.group(2))):
                        failures.append("%s:%d: %s runs %d..%d trips in C-simulation, outside its LOOP_TRIPCOUNT %s..%s"
                                        % (path, i + 1, m.group(1), loop["min"], loop["max"], t.group(1), t.group(2)))
            m = INTERFACE.search(line)
            if m:
                interfaces += 1
                port, bundle, options = m.groups()
                row = table.ports.get(BUNDLE_ROW.get(bundle, bundle))
                if row is None:
                    failures.append("%s:%d: bundle %s is not in the port table" % (path, i + 1, bundle))
                    continue
                declared = dict(re.findall(r"(\w+) = (\d+)", options))
                for direction in ("read", "write"):
                    if "num_%s_outstanding" % direction not in declared:
                        continue
                    for option, want in (("num_%s_outstanding" % direction, row["outstanding"]),
                                         ("max_%s_burst_length" % direction, row["burst"])):
                        if int(declared.get(option, -1)) != want:
                            failures.append("%s:%d: %s: %s = %s, the port table says %d"
                                            % (path, i + 1, port, option, declared.get(option, "(not set)"), want))
    if interfaces == 0:
        failures.append("no m_axi INTERFACE pragma found in " + sources)


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_report(text):
    """Loops of a csynth.rpt Performance & Resource Estimates table: [{name, ii, iteration, trips, pipelined}]."""
    lines = text.split("\n")
    header = None
    for i, line in enumerate(lines):
        if "Modules" in line and "Loops" not in line and line.strip().startswith("|") and i + 1 < len(lines) and "Loops" in lines[i + 1]:
            top, bottom = cells(line), cells(lines[i + 1])
            header = [(" ".join((a + " " + b).split())) for a, b in zip(top, bottom)]
            start = i + 2
            break
    if header is None:
        raise ValueError("no 'Modules & Loops' table (the Performance & Resource Estimates of csynth.rpt)")

    def column(name):
        for k, h in enumerate(header):
            if h.replace(" ", "").lower() == name.replace(" ", "").lower():
                return k
        raise ValueError("the report's table has no column '%s' (columns: %s)" % (name, header))

    k_name, k_iter, k_ii, k_trip, k_pipe = (column("Modules & Loops"), column("Iteration Latency"),
                                            column("Interval"), column("Trip Count"), column("Pipelined"))
    loops = []
    for line in lines[start:]:
        s = line.strip()
        if not s.startswith("|"):
            if loops and not s.startswith("+"):
                break
            continue
        c = cells(s)
        if len(c) < len(header):
            continue
        m = re.match(r"^[\s+*o|-]*?o\s+(\S+)$", c[k_name])
        if not m:
            continue
        loops.append({"name": m.group(1), "iteration": c[k_iter], "ii": c[k_ii], "trips": c[k_trip],
                      "pipelined": c[k_pipe]})
    return loops


def numbers(cell):
    """'8' -> (8, 8); '1 ~ 16' -> (1, 16); '?' or '-' -> None."""
    v = re.findall(r"\d+", cell)
    if not v:
        return None
    return int(v[0]), int(v[-1])


def matches(report_name, label):
    # a loop keeps its label; a flattened nest joins the labels outer_inner; HLS numbers copies label_1, label_2
    return re.fullmatch(r"(\w+_)?%s(_\d+)?" % re.escape(label), report_name) is not None


def check_report(table, loops, tolerance, failures, out):
    out.write("%-22s %9s %9s %11s | %-30s %4s %9s %11s %s\n"
              % ("loop", "model II", "depth", "trips seen", "report loop", "II", "iter. lat", "trips", "verdict"))
    for label, loop in sorted(table.loops.items()):
        if loop["kind"] == "fixed":
            continue
        found = [r for r in loops if matches(r["name"], label)]
        if not found:
            failures.append("%s: not in the report (inlined into a caller's pipeline, renamed, or removed)" % label)
            out.write("%-22s %9d %9d %5d..%-5d | %-30s %s\n" % (label, loop["ii"], loop["depth"], loop["min"], loop["max"],
                                                                "(missing)", "FAIL"))
            continue
        for r in found:
            problems = []
            ii = numbers(r["ii"])
            if r["pipelined"].lower() != "yes":
                problems.append("not pipelined")
            if ii is None or ii[0] != loop["ii"] or ii[1] != loop["ii"]:
                problems.append("II %s, modelled %d" % (r["ii"], loop["ii"]))
            it = numbers(r["iteration"])
            if it is None or abs(it[1] - loop["depth"]) > tolerance:
                problems.append("iteration latency %s, modelled depth %d" % (r["iteration"], loop["depth"]))
            trips = numbers(r["trips"])
            if trips is None or trips[0] > loop["min"] or trips[1] < loop["max"]:
                problems.append("trip count %s does not hold the %d..%d C-simulation saw" % (r["trips"], loop["min"], loop["max"]))
            for p in problems:
                failures.append("%s (report loop %s): %s" % (label, r["name"], p))
            out.write("%-22s %9d %9d %5d..%-5d | %-30s %4s %9s %11s %s\n"
                      % (label, loop["ii"], loop["depth"], loop["min"], loop["max"], r["name"], r["ii"], r["iteration"],
                         r["trips"], "ok" if not problems else "FAIL"))


def main(argv=None, out=sys.stdout):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--loops", required=True, help="the loop and port tables (tb_npu --loops FILE)")
    p.add_argument("--sources", default="src", help="the kernel's sources (default: src)")
    p.add_argument("--report", help="a csynth.rpt")
    p.add_argument("--report-dir", help="a solution's syn/report folder (its csynth.rpt is read)")
    p.add_argument("--depth-tolerance", type=int, default=4,
                   help="cycles an iteration latency may differ from the modelled depth (default: 4)")
    a = p.parse_args(argv)
    try:
        table = Table(a.loops)
        failures = []
        check_sources(table, a.sources, failures)
        report = a.report or (os.path.join(a.report_dir, "csynth.rpt") if a.report_dir else None)
        if report:
            check_report(table, parse_report(read(report)), a.depth_tolerance, failures, out)
    except (OSError, ValueError) as e:
        sys.stderr.write("compare.py: %s\n" % e)
        return 2
    for f in failures:
        out.write("DISAGREES: %s\n" % f)
    what = "the sources and " + report if report else "the sources (no synthesis report given)"
    out.write("compare.py: %d loops modelled; %s: %s\n"
              % (len(table.loops), what, "%d disagreement(s)" % len(failures) if failures else "all agree"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
