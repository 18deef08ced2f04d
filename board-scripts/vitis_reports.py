#!/usr/bin/env python3
"""The build gates of board-scripts/build-xclbin.sh, over the text reports Vivado and Vitis write.

  vitis_reports.py timing FILE.rpt                 WNS/TNS/WHS of report_timing_summary; exit 1 when setup or
                                                   hold slack is negative (the kernel clock is fixed: v++ does not
                                                   scale it down, so a failing design would run wrong, not slow)
  vitis_reports.py utilization FILE.rpt --out CSV [--app NAME] [--clock-mhz F]
                                                   LUT, FF, DSP, BRAM, URAM of report_utilization into CSV
  vitis_reports.py afi FILE.hwh|FILE.xsa           the overlay's config-afi pairs from the PS port widths of the
                                                   hardware handoff (the XSA holds the .hwh)

The formats are the ones UG906 (Vivado Design Analysis) documents and Vivado 2023.2 prints: the "Design Timing
Summary" table of report_timing_summary and the "Site Type | Used | Fixed | Prohibited | Available | Util%" tables of
report_utilization (older releases have no Prohibited column; both are read by column name). Exit 2 on a file that
is not such a report.
"""
import argparse
import csv
import datetime
import os
import re
import sys
import zipfile


class ReportError(Exception):
    """The file is not the report it should be."""


# ---- timing ----

def parse_timing_summary(text):
    """{'WNS': ns, 'TNS': ns, 'WHS': ns, 'THS': ns, ...} from report_timing_summary's Design Timing Summary."""
    at = text.find("Design Timing Summary")
    if at < 0:
        raise ReportError("no 'Design Timing Summary' section")
    lines = text[at:].splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("WNS(ns)"):
            # Header names are separated by two or more spaces ("TNS Failing Endpoints" is one name).
            names = re.split(r"\s{2,}", line.strip())
            values = next((l.split() for l in lines[i + 1:i + 4] if l.strip() and not set(l.strip()) <= {"-", " "}), None)
            if values is None or len(values) != len(names):
                raise ReportError("the Design Timing Summary table has no value row matching its header")
            out = {}
            for name, value in zip(names, values):
                key = name.replace("(ns)", "").strip()
                try:
                    out[key] = float(value)
                except ValueError:
                    out[key] = None  # "NA" where a check has no endpoints
            if out.get("WNS") is None:
                raise ReportError("WNS is not a number")
            return out
    raise ReportError("no WNS(ns) header in the Design Timing Summary")


def timing_gate(path):
    t = parse_timing_summary(read(path))
    fmt = lambda k: "n/a" if t.get(k) is None else "%.3f ns" % t[k]
    summary = "WNS %s, TNS %s, WHS %s, THS %s" % (fmt("WNS"), fmt("TNS"), fmt("WHS"), fmt("THS"))
    failing = [k for k in ("WNS", "WHS") if t.get(k) is not None and t[k] < 0]
    if failing:
        print("timing NOT met (%s < 0): %s (%s)" % (", ".join(failing), summary, path))
        return 1
    print("timing met: %s (%s)" % (summary, path))
    return 0


# ---- utilization ----

# Row names in report_utilization for UltraScale+ (first) and 7-series parts.
RESOURCES = [
    ("LUT", ("CLB LUTs", "Slice LUTs")),
    ("FF", ("CLB Registers", "Slice Registers")),
    ("DSP", ("DSPs",)),
    ("BRAM", ("Block RAM Tile",)),  # 36 Kb tiles; a RAMB18 counts 0.5
    ("URAM", ("URAM",)),
]


def parse_utilization(text):
    """{'LUT': (used, available), ...}: the first table row of each resource, read by column name."""
    found = {}
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "Site Type":
            header = cells
            continue
        if header is None or len(cells) != len(header):
            continue
        name = cells[0].rstrip("*").strip()
        for key, names in RESOURCES:
            if key not in found and name in names:
                try:
                    found[key] = (float(cells[header.index("Used")]), float(cells[header.index("Available")]))
                except (ValueError, IndexError) as e:
                    raise ReportError("row '%s' has no numeric Used/Available: %s" % (name, e))
    if not found:
        raise ReportError("no 'Site Type' table with LUT, register, DSP, block RAM or URAM rows")
    absent = [k for k, _ in RESOURCES if k not in found]
    if absent:
        raise ReportError("no row for %s" % ", ".join(absent))
    return found


def utilization(path, out, app, clock_mhz):
    used = parse_utilization(read(path))
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "app", "kernel_clock_mhz", "scope", "resource", "used", "available", "util_percent",
                    "report"])
        for key, _ in RESOURCES:
            u, a = used[key]
            w.writerow([date, app, clock_mhz, "full design (platform + kernel)", key, "%g" % u, "%g" % a,
                        "%.2f" % (100 * u / a if a else 0), os.path.basename(path)])
    os.replace(tmp, out)
    print("utilization: " + ", ".join("%s %g/%g" % (k, used[k][0], used[k][1]) for k, _ in RESOURCES) + " -> " + out)
    return 0


# ---- AFI widths for the overlay ----

# The PS ports of zynq_ultra_ps_e and the AFI register ids the xlnx,afi-fpga driver writes (linux-xlnx,
# Documentation/devicetree/bindings/fpga/xlnx,afi-fpga.txt): ids 0-13 are AFIFM0..6 read/write control, value
# 0 = 128, 1 = 64, 2 = 32 bits; id 14 is AFIFS (HPM0_FPD width in bits 9:8, HPM1_FPD in 11:10: 0 = 32, 1 = 64,
# 2 = 128 bits); id 15 is AFIFS_SS2 (HPM0_LPD: 0x000 = 32, 0x100 = 64, 0x200 = 128 bits). AFIFM0..6 are the
# slave ports S_AXI_HPC0, HPC1, HP0, HP1, HP2, HP3 and LPD, i.e. the PS parameters S_AXI_GP0..6; the masters
# M_AXI_HPM0_FPD, HPM1_FPD, HPM0_LPD are M_AXI_GP0..2.
SLAVE_WIDTH = {128: 0, 64: 1, 32: 2}
MASTER_FIELD = {32: 0, 64: 1, 128: 2}
# zynq_ultra_ps_e's defaults, used for a port whose width the handoff does not list (said on stderr).
DEFAULT_WIDTH = {"PSU__MAXIGP0__DATA_WIDTH": 128, "PSU__MAXIGP1__DATA_WIDTH": 128, "PSU__MAXIGP2__DATA_WIDTH": 32}


def ps_parameters(hwh):
    """The PARAMETER NAME/VALUE pairs of the zynq_ultra_ps_e MODULE of a .hwh (hardware handoff XML)."""
    at = re.search(r'<MODULE\b[^>]*MODTYPE="zynq_ultra_ps_e"', hwh)
    if not at:
        raise ReportError("no zynq_ultra_ps_e MODULE in the hardware handoff")
    end = hwh.find("</MODULE>", at.end())
    block = hwh[at.end():end if end > 0 else len(hwh)]
    return dict(re.findall(r'<PARAMETER\s+NAME="([^"]+)"\s+VALUE="([^"]*)"', block))


def afi_pairs(params):
    """[(regid, value)] for ids 0..15, and the names of widths taken from the defaults."""
    defaulted = []

    def width(name):
        value = params.get(name)
        if value is None:
            defaulted.append(name)
            return DEFAULT_WIDTH.get(name, 128)
        w = int(value)
        if w not in (32, 64, 128):
            raise ReportError("%s = %s is not 32, 64 or 128" % (name, value))
        return w

    pairs = []
    for fm in range(7):
        v = SLAVE_WIDTH[width("PSU__SAXIGP%d__DATA_WIDTH" % fm)]
        pairs += [(2 * fm, v), (2 * fm + 1, v)]
    afifs = (MASTER_FIELD[width("PSU__MAXIGP0__DATA_WIDTH")] << 8) | (MASTER_FIELD[width("PSU__MAXIGP1__DATA_WIDTH")] << 10)
    pairs.append((14, afifs))
    pairs.append((15, MASTER_FIELD[width("PSU__MAXIGP2__DATA_WIDTH")] << 8))
    return pairs, defaulted


def read_hwh(path):
    if path.endswith(".xsa"):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.endswith(".hwh")]
            if not names:
                raise ReportError("no .hwh inside " + path)
            # The top-level design's handoff is the largest; IP-level ones are small.
            name = max(names, key=lambda n: z.getinfo(n).file_size)
            return z.read(name).decode("utf-8", "replace")
    return read(path)


def afi(path):
    pairs, defaulted = afi_pairs(ps_parameters(read_hwh(path)))
    for name in defaulted:
        print("vitis_reports: %s not in %s; zynq_ultra_ps_e's default %d bits assumed"
              % (name, path, DEFAULT_WIDTH.get(name, 128)), file=sys.stderr)
    print(", ".join("<%d 0x%x>" % p for p in pairs))
    return 0


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("timing").add_argument("report")
    u = sub.add_parser("utilization")
    u.add_argument("report")
    u.add_argument("--out", required=True)
    u.add_argument("--app", default="fpga-llm")
    u.add_argument("--clock-mhz", default="n/a")
    sub.add_parser("afi").add_argument("handoff")
    args = parser.parse_args(argv)
    try:
        if args.command == "timing":
            return timing_gate(args.report)
        if args.command == "utilization":
            return utilization(args.report, args.out, args.app, args.clock_mhz)
        return afi(args.handoff)
    except (ReportError, OSError, zipfile.BadZipFile) as e:
        print("vitis_reports: %s: %s" % (getattr(args, "report", getattr(args, "handoff", "")), e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
