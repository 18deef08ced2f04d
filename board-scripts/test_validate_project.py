#!/usr/bin/env python3
"""Tests of validate_project.py: the real checkout passes (without the smoke), and removing a required file, folder,
section, exit criterion, input or template column fails with a message that names it. The smoke is tested against
stand-in launchers, so these tests need no JVM and take a few seconds.

    python3 board-scripts/test_validate_project.py [-v]

Python 3 standard library only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VALIDATOR = HERE / "validate_project.py"
SKIP = shutil.ignore_patterns(".git", "target", "build", "node_modules", "__pycache__", "*.class", "*.jsa")

GOOD_OUTPUT = """Hello, my name is deepest really exceptional Metro

--- ref backend, synthetic-tiny (fp32), greedy
prompt tokens:                 5
generated tokens:              8
prefill (time to first token): 38.4 ms
latency per generated token:   7.74 ms (129.2 tokens/s)
"""


class ValidateProjectTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="validate-test-")
        self.root = Path(self.tmp.name) / "project"
        shutil.copytree(REPO, self.root, ignore=SKIP)
        (self.root / "hls-kernels").mkdir(exist_ok=True)  # git does not keep empty folders

    def tearDown(self):
        self.tmp.cleanup()

    def validate(self, *args):
        p = subprocess.run([sys.executable, str(VALIDATOR), "--root", str(self.root), *args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr

    def assert_fails_with(self, *fragments, args=("--no-smoke",)):
        code, out = self.validate(*args)
        self.assertEqual(1, code, out)
        fail_lines = [l for l in out.splitlines() if l.startswith("FAIL")]
        for fragment in fragments:
            self.assertTrue(any(fragment in l for l in fail_lines), f"no FAIL line contains {fragment!r}:\n{out}")
        self.assertIn("validation FAILED", out)
        return out

    def edit(self, rel, old, new):
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        self.assertIn(old, text, f"{rel} no longer contains {old!r}: update the test")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def fake_launcher(self, script):
        launcher = self.root / "fpga-llm"
        launcher.write_text("#!/bin/sh\n" + script, encoding="utf-8")
        launcher.chmod(0o755)

    # --- the project as it is -----------------------------------------------------------------------------------

    def test_the_checkout_passes_every_check(self):
        code, out = self.validate("--no-smoke")
        self.assertEqual(0, code, out)
        self.assertNotIn("FAIL", out)
        self.assertIn("validation PASSED", out)
        self.assertIn("SKIP  smoke", out)

    # --- files, folders, sections -------------------------------------------------------------------------------

    def test_removed_document_is_named(self):
        (self.root / "docs" / "milestones.md").unlink()
        out = self.assert_fails_with("file docs/milestones.md is missing",
                                     "sections of docs/milestones.md: docs/milestones.md is missing",
                                     "milestone exit criteria: docs/milestones.md is missing",
                                     "README.md: link to docs/milestones.md does not resolve")
        self.assertEqual(1, out.count("docs/spec.md: link to milestones.md"), out)  # linked twice, reported once

    def test_document_that_is_not_text_is_named(self):
        (self.root / "docs" / "stack_decision.md").write_bytes(b"\xff\xfe# Board\n")
        self.assert_fails_with("docs/stack_decision.md is not UTF-8 text")

    def test_removed_template_is_named(self):
        (self.root / "results" / "benchmark_template.csv").unlink()
        self.assert_fails_with("file results/benchmark_template.csv is missing")

    def test_removed_folder_is_named(self):
        shutil.rmtree(self.root / "emulator")
        self.assert_fails_with("folder emulator/ is missing")

    def test_removed_section_is_named(self):
        self.edit("docs/spec.md", "\n## 11. Risks\n", "\n## 11. Things that may go wrong\n")
        out = self.assert_fails_with("docs/spec.md: missing section 'Risks'")
        self.assertEqual(1, out.count("missing section"), out)  # only the one removed

    def test_week_10_does_not_stand_in_for_week_1(self):
        self.edit("docs/milestones.md", "## Week 1: spec", "## Week one: spec")
        self.assert_fails_with("docs/milestones.md: missing section 'Week 1'")

    def test_heading_inside_a_code_block_does_not_count(self):
        self.edit("docs/architecture.md", "## Modules\n", "```\n## Modules\n```\n")
        self.assert_fails_with("docs/architecture.md: missing section 'Modules'")

    def test_readme_without_documents_section_fails(self):
        self.edit("README.md", "## Documents\n", "## Papers\n")
        self.assert_fails_with("README.md: missing section 'Documents'")

    def test_week_without_exit_command_is_named(self):
        self.edit("docs/milestones.md", "- Exit: `vitis_hls", "- Done when vitis_hls")
        self.assert_fails_with("docs/milestones.md: Week 9 has no exit criterion")

    def test_template_input_without_value_is_named(self):
        self.edit("docs/spec_input_filled.md", "| `CLOCK_TARGET` |", "| `CLOCK` |")
        self.assert_fails_with("no value for template input CLOCK_TARGET")

    def test_broken_link_is_named(self):
        self.edit("docs/spec.md", "[milestones.md](milestones.md)", "[milestones.md](milestone.md)")
        self.assert_fails_with("docs/spec.md: link to milestone.md does not resolve")

    # --- benchmark template -------------------------------------------------------------------------------------

    def test_missing_kpi_column_is_named(self):
        self.edit("results/benchmark_template.csv", ",quality_drop_pct", "")
        self.assert_fails_with("missing seed KPI column 'quality_drop_pct'")

    def test_duplicate_column_and_ragged_row_are_named(self):
        self.edit("results/benchmark_template.csv", "date,", "date,date,")
        with open(self.root / "results" / "benchmark_template.csv", "a", encoding="utf-8") as f:
            f.write("2026-01-01,laptop\n")
        self.assert_fails_with("column 'date' appears 2 times", "line 2 has 2 fields, the header 24")

    # --- the smoke, against stand-in launchers ------------------------------------------------------------------

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_accepts_the_generate_output_shape(self):
        self.fake_launcher("cat <<'EOF'\n" + GOOD_OUTPUT + "EOF\necho 'note: tiny weights are synthetic' >&2\n")
        code, out = self.validate()
        self.assertEqual(0, code, out)
        self.assertIn("PASS  smoke", out)

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_receives_the_documented_arguments(self):
        self.fake_launcher('[ "$*" = "generate --model tiny --max-new-tokens 8 Hello, my name is" ] || '
                           '{ echo "unexpected arguments: $*" >&2; exit 2; }\n'
                           "cat <<'EOF'\n" + GOOD_OUTPUT + "EOF\n")
        code, out = self.validate()
        self.assertEqual(0, code, out)

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_reports_a_failing_exit_code_with_the_error_line(self):
        self.fake_launcher("echo 'error: no model at tiny' >&2\nexit 2\n")
        self.assert_fails_with("exit code 2, expected 0 (stderr: error: no model at tiny)", args=())

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_names_a_missing_statistics_line(self):
        self.fake_launcher("cat <<'EOF'\n" + GOOD_OUTPUT.replace("latency per generated token", "latency") + "EOF\n")
        self.assert_fails_with("no line 'latency per generated token:' in stdout", args=())

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_rejects_output_that_does_not_start_with_the_prompt(self):
        self.fake_launcher("cat <<'EOF'\n" + GOOD_OUTPUT.replace("Hello, my name is", "Goodbye") + "EOF\n")
        self.assert_fails_with("stdout does not start with the prompt", args=())

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_rejects_too_many_tokens_and_stack_traces(self):
        self.fake_launcher("cat <<'EOF'\n" + GOOD_OUTPUT.replace("generated tokens:              8",
                                                                 "generated tokens:              9")
                           + "EOF\nprintf 'java.lang.IllegalStateException: x\\n\\tat a.b(C.java:1)\\n' >&2\n")
        self.assert_fails_with("'generated tokens: 9', expected 1..8", "stderr holds a stack trace", args=())

    @unittest.skipUnless(os.name == "posix", "stand-in launchers are shell scripts")
    def test_smoke_stops_a_launcher_that_hangs(self):
        self.fake_launcher("sleep 60\n")
        self.assert_fails_with("no answer within 1.0 s", args=("--timeout", "1"))

    @unittest.skipUnless(os.name == "posix", "file modes")
    def test_smoke_names_a_launcher_that_is_not_executable(self):
        (self.root / "fpga-llm").chmod(0o644)
        self.assert_fails_with("fpga-llm is not executable", args=())

    def test_bad_root_is_a_usage_error(self):
        p = subprocess.run([sys.executable, str(VALIDATOR), "--root", str(self.root / "nowhere")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(2, p.returncode)
        self.assertIn("is not a folder", p.stderr)


if __name__ == "__main__":
    unittest.main()
