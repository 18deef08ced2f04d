#!/usr/bin/env python3
"""Tests of compare.py on hand-written inputs: testdata/handwritten_csynth.rpt is NOT a Vitis report, only a
table in the layout of csynth.rpt's Performance & Resource Estimates, with invented numbers."""
import io
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402

REPORT = os.path.join(HERE, "testdata", "handwritten_csynth.rpt")
LOOPS = os.path.join(HERE, "testdata", "loops.tsv")


def report(replace=None):
    text = compare.read(REPORT)
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return compare.parse_report(text)


def failures(loops, tolerance=4):
    found = []
    compare.check_report(compare.Table(LOOPS), loops, tolerance, found, io.StringIO())
    return found


class ReportTest(unittest.TestCase):
    def test_parses_every_loop_row_and_no_module_row(self):
        loops = report()
        self.assertEqual(["gemm_read_weights", "gemm_read_weights", "reciprocal_steps", "att_normalize"],
                         [r["name"] for r in loops])
        r = loops[2]
        self.assertEqual(("3", "1", "60", "yes"), (r["iteration"], r["ii"], r["trips"], r["pipelined"]))

    def test_a_report_that_follows_the_model_agrees(self):
        self.assertEqual([], failures(report()))

    def test_an_achieved_ii_other_than_the_models_disagrees(self):
        bad = report({"|  o reciprocal_steps          |     -|  1.10|       62|  310.000|         3|        1|":
                      "|  o reciprocal_steps          |     -|  1.10|      122|  610.000|         3|        2|"})
        self.assertEqual(1, len(failures(bad)))
        self.assertIn("II 2, modelled 1", failures(bad)[0])

    def test_a_deeper_pipeline_than_the_tolerance_disagrees(self):
        bad = report({"|        ?|        ?|        11|        1|   16 ~ 256  |":
                      "|        ?|        ?|        19|        1|   16 ~ 256  |"})
        self.assertIn("iteration latency 19, modelled depth 10", " ".join(failures(bad)))
        self.assertEqual([], failures(bad, tolerance=9))

    def test_a_missing_loop_disagrees(self):
        loops = [r for r in report() if r["name"] != "att_normalize"]
        self.assertIn("att_normalize: not in the report", " ".join(failures(loops)))

    def test_trip_counts_must_hold_what_csim_saw(self):
        bad = report({"   16 ~ 256  |": "   16 ~ 128  |"})
        self.assertIn("trip count 16 ~ 128 does not hold the 16..256", " ".join(failures(bad)))

    def test_an_unpipelined_loop_disagrees(self):
        bad = report({"|           60|       yes|": "|           60|        no|"})
        self.assertIn("not pipelined", " ".join(failures(bad)))

    def test_flattened_and_numbered_names_match_their_label(self):
        self.assertTrue(compare.matches("gemm_x_rows_gemm_read_x", "gemm_read_x"))
        self.assertTrue(compare.matches("gemm_read_x_1", "gemm_read_x"))
        self.assertFalse(compare.matches("gemm_read_xy", "gemm_read_x"))

    def test_a_file_without_the_table_is_refused(self):
        with self.assertRaises(ValueError):
            compare.parse_report("no table here\n")


class SourceTest(unittest.TestCase):
    def check(self, source):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "k.cpp"), "w") as f:
                f.write(source)
            found = []
            compare.check_sources(compare.Table(LOOPS), d, found)
            return found

    def test_labels_pragmas_and_trip_counts(self):
        good = ("#pragma HLS INTERFACE mode = m_axi port = weights0 bundle = gmem_w0 offset = slave "
                "num_read_outstanding = 16 max_read_burst_length = 16\n"
                "gemm_read_weights:\n    for (int i = 0; i < n; i++) {\n#pragma HLS PIPELINE II = 1\n"
                "#pragma HLS LOOP_TRIPCOUNT min = 0 max = 4194304 avg = 9\n    }\n")
        self.assertEqual([], self.check(good))
        found = self.check(good.replace("gemm_read_weights:\n", "").replace("max_read_burst_length = 16",
                                                                             "max_read_burst_length = 64"))
        self.assertEqual(2, len(found), found)
        self.assertIn("a loop without a label", found[0] + found[1])
        self.assertIn("max_read_burst_length = 64, the port table says 16", found[0] + found[1])
        found = self.check(good.replace("max = 4194304", "max = 1024"))
        self.assertIn("runs 16..50304 trips in C-simulation, outside its LOOP_TRIPCOUNT 0..1024", found[0])


if __name__ == "__main__":
    unittest.main(verbosity=1)
