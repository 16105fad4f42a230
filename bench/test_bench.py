"""Unit tests of bench/bench.py's statistics, parsing and checks (run by scripts/test.sh)."""

import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


class LeastSquares(unittest.TestCase):
    def test_exact_line(self):
        fit = bench.least_squares([100, 1000, 5000, 20000], [1.5 + 0.03 * x for x in (100, 1000, 5000, 20000)])
        self.assertAlmostEqual(fit.slope, 0.03)
        self.assertAlmostEqual(fit.intercept, 1.5)
        self.assertAlmostEqual(fit.r2, 1.0)

    def test_noise_lowers_r2(self):
        fit = bench.least_squares([1, 2, 3, 4], [1.0, 3.0, 2.0, 4.0])
        self.assertAlmostEqual(fit.slope, 0.8)
        self.assertAlmostEqual(fit.intercept, 0.5)
        self.assertAlmostEqual(fit.r2, 0.64)

    def test_needs_two_distinct_points(self):
        with self.assertRaises(ValueError):
            bench.least_squares([1], [1])
        with self.assertRaises(ValueError):
            bench.least_squares([2, 2], [1, 3])


class Summaries(unittest.TestCase):
    def test_min_median_max(self):
        s = bench.Summary.of([4.0, 1.0, 3.0, 2.0])
        self.assertEqual((s.min, s.median, s.max, s.n), (1.0, 2.5, 4.0, 4))

    def test_empty_is_an_error(self):
        with self.assertRaises(ValueError):
            bench.Summary.of([])


class Parsing(unittest.TestCase):
    # The lines crates/refarch-app/examples/scale.rs prints.
    SCALE_OUTPUT = (
        "scale: 1 copies, 5 stacks, 128 resources, 130398 template bytes\n"
        "  build 0.9 ms, synth 4.1 ms, write 1.2 ms, total 6.2 ms (48.4 µs per resource)\n"
        "  wrote target/bench/phases\n"
        "  peak RSS 8.9 MB\n"
        "scale copies=1 resources=128 total_ms=6.212 per_resource_us=48.531 peak_rss_mb=8.9\n"
    )

    def test_scale_key_value_line(self):
        m = bench.SCALE_RE.search(self.SCALE_OUTPUT)
        self.assertIsNotNone(m)
        self.assertEqual(m.groups(), ("1", "128", "6.212", "48.531", "8.9"))

    def test_scale_phase_line(self):
        m = bench.PHASES_RE.search(self.SCALE_OUTPUT)
        self.assertEqual(m.groups(), ("0.9", "4.1", "1.2", "6.2"))

    def test_cdk_phase_line(self):
        # What bench/cdk/app.js prints on stderr, after CDK's own warnings.
        text = "[Warning] something\ncdk: 5 stacks, 137 resources; build 2439.4 ms, synth 17722.3 ms\n"
        self.assertEqual(bench.CDK_PHASES_RE.search(text).groups(), ("2439.4", "17722.3"))

    def test_synth_bench_line(self):
        text = "  of which build 0.612 / synth 3.874 (medians); first, cold run 9.100\n"
        self.assertEqual(bench.SYNTH_BENCH_RE.search(text).groups(), ("0.612", "3.874"))


class Templates(unittest.TestCase):
    def side(self, out):
        return bench.Side("test", ["true"], Path(out))

    def test_counts_resources_of_every_template(self):
        with tempfile.TemporaryDirectory() as d:
            for name, n in (("a", 2), ("b", 3)):
                resources = {f"R{i}": {"Type": "AWS::SNS::Topic"} for i in range(n)}
                Path(d, f"{name}.template.json").write_text(json.dumps({"Resources": resources}))
            Path(d, "manifest.json").write_text("{}")
            self.assertEqual(bench.check_templates(self.side(d), 2), 5)
            self.assertEqual(bench.per_stack_counts(Path(d)), {"a": 2, "b": 3})

    def test_missing_template_empty_template_and_manifest_are_errors(self):
        with tempfile.TemporaryDirectory() as d:
            Path(d, "a.template.json").write_text(json.dumps({"Resources": {"R": {}}}))
            with self.assertRaisesRegex(bench.BenchError, "expected 2 templates"):
                bench.check_templates(self.side(d), 2)
            with self.assertRaisesRegex(bench.BenchError, "no manifest.json"):
                bench.check_templates(self.side(d), 1)
            Path(d, "a.template.json").write_text(json.dumps({"Resources": {}}))
            with self.assertRaisesRegex(bench.BenchError, "has no resources"):
                bench.check_templates(self.side(d), 1)


class Running(unittest.TestCase):
    def test_wall_clock_cpu_and_stdout(self):
        burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.05: pass\nprint('hi')"
        run = bench.run_once(bench.Side("py", [sys.executable, "-c", burn], Path(".")), keep_stdout=True)
        self.assertEqual(run.stdout, "hi\n")
        self.assertGreaterEqual(run.cpu_ms, 50)
        self.assertGreaterEqual(run.wall_ms, run.cpu_ms * 0.9)

    def test_peak_is_the_programs_own_not_the_harness(self):
        # This test process holds 200 MB; a child spawned directly would report at least that.
        ballast = bytearray(200 * 1024 * 1024)
        ballast[::4096] = b"x" * len(ballast[::4096])
        grow = "b = bytearray(64 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
        small = bench.peak_rss_mb(bench.Side("py", [sys.executable, "-c", "pass"], Path(".")))
        big = bench.peak_rss_mb(bench.Side("py", [sys.executable, "-c", grow], Path(".")))
        self.assertLess(small, 100)
        self.assertGreater(big - small, 60)
        self.assertEqual(len(ballast), 200 * 1024 * 1024)

    def test_peak_run_failure_is_reported(self):
        with self.assertRaisesRegex(bench.BenchError, r"py failed \(exit 4\)"):
            bench.peak_rss_mb(bench.Side("py", [sys.executable, "-c", "raise SystemExit(4)"], Path(".")))

    def test_failure_names_the_side_and_shows_stderr_without_repo_paths(self):
        code = "import os, sys; sys.stderr.write('broke in ' + os.environ['AT'] + '\\n'); sys.exit(3)"
        at = str(bench.REPO / "bench" / "x.js")
        with self.assertRaises(bench.BenchError) as e:
            bench.run_once(bench.Side("cdk", [sys.executable, "-c", code], Path("."), {"AT": at}))
        self.assertIn("cdk failed (exit 3)", str(e.exception))
        self.assertIn("broke in bench/x.js", str(e.exception))
        self.assertIn("AT=bench/x.js", str(e.exception))
        self.assertNotIn(str(bench.REPO), str(e.exception))

    def test_rel_is_relative_to_the_repository(self):
        self.assertEqual(bench.rel(bench.REPO / "target" / "bench"), os.path.join("target", "bench"))


if __name__ == "__main__":
    unittest.main()
