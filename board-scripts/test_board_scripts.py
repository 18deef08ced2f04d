#!/usr/bin/env python3
"""Tests of the board scripts that can run without a board or Vitis:

- vitis_reports.py on small HAND-WRITTEN excerpts in the documented formats of Vivado's report_timing_summary and
  report_utilization and of a hardware handoff (.hwh). They are NOT real reports from a build of this project;
- run-on-kria.sh --check and probe-bandwidth.sh on a fake board: a folder laid out as Kria Ubuntu's / (found by
  the scripts through FPGA_LLM_BOARD_ROOT) and stub commands (uname, modinfo, xmutil) first on the PATH;
- the energy summary on a hand-written bench CSV; the overlay template through dtc, when dtc is installed;
- bundle.sh: the bundle made from the jars runtime/target holds (skipped when they are not built; in CI they are),
  unpacked elsewhere, the CLI run from it (--help, generate on the emulator), --check run there.

    python3 board-scripts/test_board_scripts.py [-v]

Python 3 standard library only; the bundle test needs a JDK >= 22 (JAVA_HOME or the launcher's search).
"""
import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REPORTS = HERE / "vitis_reports.py"

# ---- hand-written report excerpts (the documented layouts, made-up numbers) ----

TIMING_MET = """\
Timing Report (hand-written excerpt for a test, not from a real build)

------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------
      0.118        0.000                      0               212345        0.010        0.000                      0               212305        1.250        0.000                       0                 83311


All user specified timing constraints are met.
"""

TIMING_SETUP_FAILS = TIMING_MET.replace("      0.118        0.000                      0 ",
                                        "     -0.321      -12.500                     57 ").replace(
    "All user specified timing constraints are met.", "Timing constraints are not met.")
TIMING_HOLD_FAILS = TIMING_MET.replace("        0.010        0.000                      0               212305",
                                       "       -0.004       -0.020                      5               212305")

UTIL_2023 = """\
Utilization report (hand-written excerpt for a test, not from a real build)

1. CLB Logic
------------

+----------------------------+--------+-------+------------+-----------+-------+
|          Site Type         |  Used  | Fixed | Prohibited | Available | Util% |
+----------------------------+--------+-------+------------+-----------+-------+
| CLB LUTs                   |  61234 |  5120 |          0 |    117120 | 52.28 |
|   LUT as Logic             |  57000 |  4800 |          0 |    117120 | 48.67 |
| CLB Registers              |  80123 |  6000 |          0 |    234240 | 34.21 |
+----------------------------+--------+-------+------------+-----------+-------+

3. BLOCKRAM
-----------

+-------------------+------+-------+------------+-----------+-------+
|     Site Type     | Used | Fixed | Prohibited | Available | Util% |
+-------------------+------+-------+------------+-----------+-------+
| Block RAM Tile    | 88.5 |     0 |          0 |       144 | 61.46 |
|   RAMB36/FIFO*    |   80 |     0 |          0 |       144 | 55.56 |
|   RAMB18          |   17 |     0 |          0 |       288 |  5.90 |
| URAM              |   32 |     0 |          0 |        64 | 50.00 |
+-------------------+------+-------+------------+-----------+-------+

4. ARITHMETIC
-------------

+----------------+------+-------+------------+-----------+-------+
|    Site Type   | Used | Fixed | Prohibited | Available | Util% |
+----------------+------+-------+------------+-----------+-------+
| DSPs           |  272 |     0 |          0 |      1248 | 21.79 |
|   DSP48E2 only |  272 |       |            |           |       |
+----------------+------+-------+------------+-----------+-------+
"""

# Before 2020, report_utilization had no Prohibited column.
UTIL_OLD = UTIL_2023.replace("| Prohibited ", "").replace("|          0 ", "").replace("+------------", "")

HWH = """<?xml version="1.0" encoding="UTF-8"?>
<!-- hand-written excerpt of a hardware handoff for a test, not from a real design -->
<EDKSYSTEM>
  <MODULES>
    <MODULE FULLNAME="/proc_sys_reset_0" MODTYPE="proc_sys_reset"><PARAMETERS>
      <PARAMETER NAME="PSU__SAXIGP2__DATA_WIDTH" VALUE="32"/>
    </PARAMETERS></MODULE>
    <MODULE FULLNAME="/zynq_ultra_ps_e_0" MODTYPE="zynq_ultra_ps_e"><PARAMETERS>
      <PARAMETER NAME="PSU__SAXIGP0__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__SAXIGP1__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__SAXIGP2__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__SAXIGP3__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__SAXIGP4__DATA_WIDTH" VALUE="64"/>
      <PARAMETER NAME="PSU__SAXIGP5__DATA_WIDTH" VALUE="32"/>
      <PARAMETER NAME="PSU__SAXIGP6__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__MAXIGP0__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__MAXIGP1__DATA_WIDTH" VALUE="128"/>
      <PARAMETER NAME="PSU__MAXIGP2__DATA_WIDTH" VALUE="32"/>
    </PARAMETERS></MODULE>
  </MODULES>
</EDKSYSTEM>
"""

BENCH_CSV = """\
date,machine,backend,model,precision,softmax_mode,prompt_len,gen_tokens,seq_len,repeats,warmup,prefill_ms,latency_per_token_ms,latency_per_token_ms_min,latency_per_token_ms_max,throughput_tokens_per_sec,predicted_kv260_prefill_ms,predicted_kv260_latency_per_token_ms,avg_power_w,idle_power_w,energy_per_token_j,power_source,quality_drop_pct
2026-12-01T00:00:00Z,"kv260, made-up row for a test",xrt,synthetic-distilgpt2,w8a16,approx,32,32,64,3,1,40.00,10.000,9.000,11.000,100.00,37.777,6.8061,5.000,3.500,0.05000,INA260 hwmon,n/a
2026-12-01T00:00:00Z,"kv260, made-up row for a test",ref,synthetic-distilgpt2,fp32,exact,32,32,64,3,1,900.00,80.000,79.000,81.000,12.50,n/a,n/a,n/a,n/a,n/a,none,0.000
"""


def run(cmd, env=None, cwd=None, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class VitisReportsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="reports-test-")
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = self.dir / name
        path.write_text(text)
        return str(path)

    def reports(self, *args):
        return run([sys.executable, str(REPORTS), *args])

    def test_met_timing_passes_and_says_the_slacks(self):
        code, out, _ = self.reports("timing", self.write("t.rpt", TIMING_MET))
        self.assertEqual(0, code, out)
        self.assertIn("timing met: WNS 0.118 ns, TNS 0.000 ns, WHS 0.010 ns, THS 0.000 ns", out)

    def test_negative_setup_or_hold_slack_fails_the_build(self):
        code, out, _ = self.reports("timing", self.write("s.rpt", TIMING_SETUP_FAILS))
        self.assertEqual(1, code, out)
        self.assertIn("timing NOT met (WNS < 0): WNS -0.321 ns, TNS -12.500 ns", out)
        code, out, _ = self.reports("timing", self.write("h.rpt", TIMING_HOLD_FAILS))
        self.assertEqual(1, code, out)
        self.assertIn("(WHS < 0)", out)

    def test_a_file_that_is_not_a_timing_summary_is_refused(self):
        code, _, err = self.reports("timing", self.write("u.rpt", UTIL_2023))
        self.assertEqual(2, code)
        self.assertIn("no 'Design Timing Summary' section", err)
        self.assertEqual(1, len(err.strip().splitlines()), err)

    def test_utilization_rows_by_column_name_in_both_layouts(self):
        for text in (UTIL_2023, UTIL_OLD):
            out_csv = self.dir / "util.csv"
            code, out, err = self.reports("utilization", self.write("u.rpt", text), "--out", str(out_csv),
                                          "--app", "fpga-llm", "--clock-mhz", "200")
            self.assertEqual(0, code, out + err)
            with out_csv.open() as f:
                rows = {r["resource"]: r for r in csv.DictReader(f)}
            self.assertEqual(["LUT", "FF", "DSP", "BRAM", "URAM"], list(rows))
            self.assertEqual(("61234", "117120", "52.28"), (rows["LUT"]["used"], rows["LUT"]["available"],
                                                            rows["LUT"]["util_percent"]))
            self.assertEqual(("80123", "234240"), (rows["FF"]["used"], rows["FF"]["available"]))
            self.assertEqual(("272", "1248"), (rows["DSP"]["used"], rows["DSP"]["available"]))
            self.assertEqual(("88.5", "144"), (rows["BRAM"]["used"], rows["BRAM"]["available"]))
            self.assertEqual(("32", "64"), (rows["URAM"]["used"], rows["URAM"]["available"]))
            self.assertEqual("200", rows["URAM"]["kernel_clock_mhz"])

    def test_a_utilization_report_without_a_resource_is_refused(self):
        no_uram = "\n".join(l for l in UTIL_2023.splitlines() if not l.startswith("| URAM"))
        code, _, err = self.reports("utilization", self.write("u.rpt", no_uram), "--out", str(self.dir / "x.csv"))
        self.assertEqual(2, code)
        self.assertIn("no row for URAM", err)
        self.assertFalse((self.dir / "x.csv").exists(), "nothing half-written")

    def test_afi_pairs_follow_the_ps_port_widths(self):
        code, out, err = self.reports("afi", self.write("d.hwh", HWH))
        self.assertEqual(0, code, err)
        # HPC0/1, HP0/1 128 bits -> 0; HP2 64 -> 1; HP3 32 -> 2; LPD 128 -> 0; HPM0/1 FPD 128 -> 0xa00; HPM0 LPD 32 -> 0.
        self.assertEqual("<0 0x0>, <1 0x0>, <2 0x0>, <3 0x0>, <4 0x0>, <5 0x0>, <6 0x0>, <7 0x0>, <8 0x1>, <9 0x1>, "
                         "<10 0x2>, <11 0x2>, <12 0x0>, <13 0x0>, <14 0xa00>, <15 0x0>", out.strip())

    def test_afi_from_an_xsa_and_defaults_said_out_loud(self):
        partial = HWH.replace('      <PARAMETER NAME="PSU__MAXIGP2__DATA_WIDTH" VALUE="32"/>\n', "")
        xsa = self.dir / "platform.xsa"
        with zipfile.ZipFile(xsa, "w") as z:
            z.writestr("design_1.hwh", partial)
            z.writestr("ip/tiny.hwh", "<EDKSYSTEM/>")
        code, out, err = self.reports("afi", str(xsa))
        self.assertEqual(0, code, err)
        self.assertTrue(out.strip().endswith("<14 0xa00>, <15 0x0>"), out)
        self.assertIn("PSU__MAXIGP2__DATA_WIDTH not in", err)

    def test_the_overlay_template_compiles(self):
        if not shutil.which("dtc"):
            self.skipTest("dtc is not installed (Debian/Ubuntu: device-tree-compiler)")
        _, afi, _ = self.reports("afi", self.write("d.hwh", HWH))
        text = (HERE / "npu-overlay.dtsi.in").read_text().replace("@APP@", "fpga-llm").replace("@CONFIG_AFI@", afi.strip())
        self.assertNotIn("@", text.replace("@APP@", ""))
        dts = self.write("o.dtsi", text)
        code, _, err = run(["dtc", "-@", "-I", "dts", "-O", "dtb", "-o", str(self.dir / "o.dtbo"), dts])
        self.assertEqual(0, code, err)
        self.assertIn(b"xlnx,zocl", (self.dir / "o.dtbo").read_bytes())
        self.assertIn(b"fpga-llm.bit.bin", (self.dir / "o.dtbo").read_bytes())


def xclbin_header(major, minor, patch):
    """The first 332 bytes of an xclbin: magic, then axlf_header's version at byte 328 (xclbin.h)."""
    head = bytearray(b"xclbin2\0" + bytes(320))
    head[328:332] = bytes([patch & 0xFF, patch >> 8, major, minor])
    return bytes(head)


class FakeBoard:
    """A folder laid out as a KV260 under Kria Ubuntu 22.04 with everything in place, and stub commands."""

    def __init__(self, base: Path, arch="aarch64", xrt="2.16.204", zocl="2.16.204", xclbin=(2, 16, 204)):
        self.root = base / "board"
        self.bin = base / "bin"
        self.bin.mkdir(parents=True)
        self.stub("uname", 'if [ "${1:-}" = -m ]; then echo %s; else echo "Linux kria 5.15.0-1027-xilinx-zynqmp %s"; fi' % (arch, arch))
        self.stub("modinfo", 'echo "%s"' % zocl)
        self.stub("xmutil", 'echo "xmutil stub $*"')
        self.file("etc/os-release", 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n')
        self.file("proc/device-tree/model", "ZynqMP SMK-K26 Rev1/B/A\0")
        self.meminfo(cma_free_mib=900, available_mib=3000)
        lib = "usr/lib/aarch64-linux-gnu"
        for name in ("libxrt_coreutil", "libxrt_core"):
            self.file("%s/%s.so.%s" % (lib, name, xrt), "")
            (self.root / lib / (name + ".so.2")).symlink_to("%s.so.%s" % (name, xrt))
        app = "lib/firmware/xilinx/fpga-llm"
        self.file(app + "/fpga-llm.bit.bin", "bits")
        self.file(app + "/fpga-llm.dtbo", "\0\0compatible\0xlnx,zocl\0")
        (self.root / app / "fpga-llm.xclbin").write_bytes(xclbin_header(*xclbin))
        self.file(app + "/shell.json", '{"shell_type" : "XRT_FLAT", "num_slots": "1"}')
        self.file("sys/class/hwmon/hwmon1/name", "ina260_u14\n")

    def stub(self, name, body):
        path = self.bin / name
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)

    def file(self, rel, text):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def meminfo(self, cma_free_mib, available_mib):
        self.file("proc/meminfo", "MemTotal:        4030000 kB\nMemAvailable:    %d kB\nCmaTotal:        1048576 kB\n"
                  "CmaFree:         %d kB\n" % (available_mib * 1024, cma_free_mib * 1024))


class BoardChecksTest(unittest.TestCase):
    """run-on-kria.sh --check in a copy of the scripts beside a stand-in jar, on a fake board."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="board-test-")
        self.base = Path(self.tmp.name)
        self.bundle = self.base / "bundle"
        (self.bundle / "board-scripts").mkdir(parents=True)
        for script in ("run-on-kria.sh", "probe-bandwidth.sh", "kria-lib.sh"):
            shutil.copy2(HERE / script, self.bundle / "board-scripts" / script)
        shutil.copy2(REPO / "fpga-llm", self.bundle / "fpga-llm")
        (self.bundle / ".mvn").mkdir()
        shutil.copy2(REPO / ".mvn/jdk.sh", self.bundle / ".mvn/jdk.sh")
        (self.bundle / "runtime/target/lib").mkdir(parents=True)
        (self.bundle / "runtime/target/fpga-llm.jar").write_bytes(b"PK stand-in")
        self.jdk = self.base / "jdk"
        (self.jdk / "bin").mkdir(parents=True)
        (self.jdk / "release").write_text('JAVA_VERSION="25.0.1"\n')
        (self.jdk / "bin/java").write_text("#!/bin/sh\necho 'openjdk version \"25.0.1\"' >&2\n")
        (self.jdk / "bin/java").chmod(0o755)
        (self.jdk / "bin/javac").write_text("#!/bin/sh\nexit 0\n")
        (self.jdk / "bin/javac").chmod(0o755)
        self.home = self.base / "home"
        self.home.mkdir()

    def tearDown(self):
        self.tmp.cleanup()

    def env(self, board, jdk=True):
        env = {"PATH": "%s:/usr/bin:/bin" % board.bin, "HOME": str(self.home), "FPGA_LLM_BOARD_ROOT": str(board.root),
               "FPGA_LLM_HOME": str(self.home / "fpga-llm"), "FPGA_LLM_JDK_DIRS": str(self.base / "no-jvms")}
        if jdk:
            env["JAVA_HOME"] = str(self.jdk)
        else:
            # a java on the PATH, too old
            board.stub("java", "echo 'openjdk version \"11.0.21\"' >&2")
        return env

    def check(self, board, *args, jdk=True):
        return run(["bash", str(self.bundle / "board-scripts/run-on-kria.sh"), "--check", *args],
                   env=self.env(board, jdk))

    def lines(self, out, status):
        return {l.split()[1]: l for l in out.splitlines() if l.startswith(status)}

    def assert_clean_stderr(self, err):
        self.assertEqual("", err.strip(), "no shell errors or stack traces on stderr")

    def test_a_complete_board_passes(self):
        board = FakeBoard(self.base)
        code, out, err = self.check(board)
        self.assert_clean_stderr(err)
        self.assertEqual(0, code, out)
        self.assertEqual({}, self.lines(out, "MISSING"), out)
        ok = self.lines(out, "ok")
        for item in ("board", "os", "jdk", "jar", "xrt", "zocl", "xmutil", "app", "overlay", "xclbin", "cma", "ram",
                     "disk", "power"):
            self.assertIn(item, ok, out)
        self.assertIn("XRT 2.16.204 in /usr/lib/aarch64-linux-gnu", ok["xrt"])
        self.assertIn("made with XRT 2.16.204 tools", ok["xclbin"])
        self.assertIn("later    render", out)
        self.assertIn("(needs 546 MiB)", ok["disk"], "64 MiB + the 482 MB synthetic DistilGPT2, not made yet")
        self.assertIn("all prerequisites met", out)

    def test_an_empty_x86_machine_gets_one_line_per_missing_item_with_its_fix(self):
        board = FakeBoard(self.base, arch="x86_64")
        shutil.rmtree(board.root)
        board.root.mkdir()
        (board.bin / "xmutil").unlink()
        board.stub("modinfo", "echo 'modinfo: ERROR: Module zocl not found.' >&2; exit 1")
        code, out, err = self.check(board, jdk=False)
        self.assert_clean_stderr(err)
        self.assertEqual(1, code, out)
        missing = self.lines(out, "MISSING")
        self.assertEqual(["board", "jdk", "xrt", "zocl", "xmutil", "app", "cma", "ram"], list(missing), out)
        for line in missing.values():
            self.assertIn(" -> fix: ", line)
        self.assertIn("Adoptium", missing["jdk"])
        self.assertIn("preinstalled", missing["xmutil"])
        self.assertIn("8 missing: fix the MISSING lines above", out)

    def test_versions_are_checked_against_the_xclbin_and_each_other(self):
        board = FakeBoard(self.base, xrt="2.13.0", zocl="2.16.0", xclbin=(2, 16, 204))
        code, out, err = self.check(board)
        self.assertEqual(1, code, out)
        missing = self.lines(out, "MISSING")
        self.assertIn("zocl 2.16.0, XRT 2.13.0", missing["zocl"])
        self.assertIn("made with XRT 2.16.204 tools, the board has XRT 2.13.0", missing["xclbin"])
        self.assertIn("install XRT 2.16 or newer", missing["xclbin"])

    def test_small_cma_low_memory_and_an_overlay_without_zocl(self):
        board = FakeBoard(self.base)
        board.meminfo(cma_free_mib=64, available_mib=2000)
        board.file("lib/firmware/xilinx/fpga-llm/fpga-llm.dtbo", "\0no driver node\0")
        code, out, _ = self.check(board)
        self.assertEqual(1, code, out)
        missing, warnings = self.lines(out, "MISSING"), self.lines(out, "warning")
        self.assertIn("64 MiB of CMA free", missing["cma"])
        self.assertIn("needs ~128 MiB", missing["cma"])
        self.assertIn("no zocl node", missing["overlay"])
        self.assertIn("--baselines none", warnings["ram"])
        code, out, _ = self.check(board, "--baselines", "none", "--cma-mib", "48", "--model", "tiny")
        self.assertNotIn("cma", self.lines(out, "MISSING"))
        self.assertNotIn("ram", self.lines(out, "warning"))

    def test_a_firmware_folder_in_the_bundle_is_named_in_the_fix(self):
        board = FakeBoard(self.base)
        shutil.rmtree(board.root / "lib/firmware/xilinx/fpga-llm")
        (self.bundle / "firmware/fpga-llm").mkdir(parents=True)
        code, out, _ = self.check(board)
        self.assertEqual(1, code)
        self.assertIn("sudo cp %s/firmware/fpga-llm/* /lib/firmware/xilinx/fpga-llm/" % self.bundle,
                      self.lines(out, "MISSING")["app"])

    def test_bad_options_are_one_line_and_exit_2(self):
        board = FakeBoard(self.base)
        for args, says in ((["--repeats", "x"], "--repeats needs a whole number"), (["--bogus"], "unknown option"),
                           (["--model", "/nowhere"], "neither a preset"), (["--app", "a b"], "app name")):
            code, out, err = run(["bash", str(self.bundle / "board-scripts/run-on-kria.sh"), *args], env=self.env(board))
            self.assertEqual(2, code, out + err)
            self.assertEqual(1, len(err.strip().splitlines()), err)
            self.assertIn(says, err)

    def test_the_run_stops_before_loading_when_something_is_missing(self):
        board = FakeBoard(self.base, arch="x86_64")
        board.stub("sudo", "echo SUDO-CALLED >&2; exit 99")
        code, out, err = run(["bash", str(self.bundle / "board-scripts/run-on-kria.sh")], env=self.env(board))
        self.assertEqual(1, code, out + err)
        self.assertIn("prerequisites are missing (nothing was loaded)", err)
        self.assertIn("MISSING  board", err)
        self.assertNotIn("SUDO-CALLED", err)
        self.assertFalse((self.bundle / "results").exists(), "no results folder for a run that did not start")

    def test_the_probe_needs_a_probe_app(self):
        board = FakeBoard(self.base)
        code, out, err = run(["bash", str(self.bundle / "board-scripts/probe-bandwidth.sh")], env=self.env(board))
        self.assertEqual(1, code, out + err)
        self.assertIn("no fpga-llm-probe-<F>mhz app", out)
        probe = "lib/firmware/xilinx/fpga-llm-probe-200mhz/"
        board.file(probe + "fpga-llm-probe-200mhz.bit.bin", "bits")
        code, out, err = run(["bash", str(self.bundle / "board-scripts/probe-bandwidth.sh")], env=self.env(board))
        self.assertIn("no fpga-llm-probe-200mhz.dtbo", out)


class EnergySummaryTest(unittest.TestCase):
    def test_gross_and_net_of_idle(self):
        with tempfile.TemporaryDirectory() as tmp:
            bench = Path(tmp) / "bench.csv"
            bench.write_text(BENCH_CSV)
            script = 'root=%s app=fpga-llm; source %s; energy_summary %s' % (REPO, HERE / "kria-lib.sh", bench)
            code, out, err = run(["bash", "-c", script])
            self.assertEqual(0, code, err)
            rows = list(csv.DictReader(io.StringIO(out)))
            # 5.0 W x 10 ms = 0.05 J gross; (5.0 - 3.5) W x 10 ms = 0.015 J net
            self.assertEqual(("xrt", "0.05000", "0.01500"), (rows[0]["backend"], rows[0]["energy_per_token_j_gross"],
                                                             rows[0]["energy_per_token_j_net"]))
            self.assertEqual(("ref", "n/a", "n/a"), (rows[1]["backend"], rows[1]["energy_per_token_j_gross"],
                                                     rows[1]["energy_per_token_j_net"]))


class BundleTest(unittest.TestCase):
    """The bundle as a person with a board gets it, unpacked away from the checkout."""

    def test_bundle_unpacked_elsewhere_runs_the_cli_and_the_check(self):
        jar = REPO / "runtime/target/fpga-llm.jar"
        if not jar.exists():
            if os.environ.get("CI"):
                self.fail("runtime/target/fpga-llm.jar is missing after the build")
            self.skipTest("the runtime jar is not built (./mvnw package)")
        with tempfile.TemporaryDirectory(prefix="bundle-test-") as tmp:
            tmp = Path(tmp)
            code, out, err = run(["bash", str(HERE / "bundle.sh"), "--skip-build", "--no-firmware", "--out", str(tmp / "out")])
            self.assertEqual(0, code, out + err)
            tarball = next((tmp / "out").glob("fpga-llm-*.tar.gz"))
            with tarfile.open(tarball) as t:
                names = t.getnames()
            (tmp / "board").mkdir()
            code, _, err = run(["tar", "-xzf", str(tarball), "-C", str(tmp / "board")])
            self.assertEqual(0, code, err)
            top = names[0].split("/")[0]
            for want in ("fpga-llm", "BUNDLE.txt", "README.md", "docs/board.md", "board-scripts/run-on-kria.sh",
                         "board-scripts/kria-lib.sh", "board-scripts/probe-bandwidth.sh", "runtime/target/fpga-llm.jar"):
                self.assertIn(top + "/" + want, names)
            self.assertTrue(any(n.startswith(top + "/runtime/target/lib/onnxruntime-") for n in names), names)
            self.assertFalse(any(n.endswith("pom.xml") or "/src/" in n for n in names), "no sources: nothing to build")
            unpacked = tmp / "board" / top
            env = dict(os.environ, FPGA_LLM_HOME=str(tmp / "home"))
            code, out, err = run([str(unpacked / "fpga-llm"), "--help"], env=env)
            self.assertEqual(0, code, err)
            self.assertIn("probe-bandwidth", out)
            self.assertNotIn("building", err)
            code, out, err = run([str(unpacked / "fpga-llm"), "generate", "--model", "tiny", "--backend", "emu",
                                  "--max-new-tokens", "4", "Hello"], env=env)
            self.assertEqual(0, code, err)
            self.assertIn("--- emu backend", out)
            code, out, err = run(["bash", str(unpacked / "board-scripts/run-on-kria.sh"), "--check"], env=env)
            self.assertEqual(1, code, out)
            self.assertIn("MISSING  board", out)
            self.assertIn("ok       jar", out)
            self.assertNotIn("Exception", out + err)


if __name__ == "__main__":
    unittest.main()
