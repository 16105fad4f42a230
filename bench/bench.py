#!/usr/bin/env python3
"""Times our synth against the equivalent AWS CDK app (bench/cdk), whole process, interleaved.

Run through scripts/bench.sh, which builds the release binaries and installs the CDK app's
pinned dependencies first; `scripts/bench.sh --help` lists the options. Standard library only.

Every timed run is one process started with posix_spawn and reaped with wait4: the wall clock
from spawn to exit and its CPU time (user + system). Peak memory is measured in a separate,
untimed run (see peak_rss_mb: a process's ru_maxrss would otherwise include this harness's own
memory). The sides alternate (A B A B ...), so load from other work on the machine falls on
both alike and the ratio stays fair while absolute figures move with the load.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CDK_DIR = REPO / "bench" / "cdk"

# Goals of issue 17 (benchmarks, not timed tests).
GOAL_DEFAULT_MS = 6.5
GOAL_DEFAULT_RATIO = 400.0
GOAL_SCALE_RATIO = 100.0
GOAL_SCALE_PEAK_MB = 30.0
GOAL_LINEAR_R2 = 0.99
SCALE_POINTS = (1, 10, 50, 200)


def rel(path: Path | str) -> str:
    """`path` relative to the repository (never an absolute, machine-specific path)."""
    try:
        return os.path.relpath(Path(path).resolve(), REPO)
    except ValueError:
        return Path(path).name


# ---------------------------------------------------------------- statistics


@dataclass
class Summary:
    """min / median / max of a sample."""

    min: float
    median: float
    max: float
    n: int

    @staticmethod
    def of(values: list[float]) -> "Summary":
        if not values:
            raise ValueError("no samples")
        return Summary(min(values), statistics.median(values), max(values), len(values))


@dataclass
class Fit:
    """Least squares y = intercept + slope * x, with the coefficient of determination."""

    slope: float
    intercept: float
    r2: float


def least_squares(xs: list[float], ys: list[float]) -> Fit:
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("a fit needs at least two (x, y) points")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a fit needs at least two distinct x values")
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return Fit(slope, intercept, r2)


# ---------------------------------------------------------------- running


class BenchError(Exception):
    """A side failed or produced no templates: the message says which and why."""


@dataclass
class Run:
    wall_ms: float
    cpu_ms: float
    stdout: str
    stderr: str = ""


@dataclass
class Side:
    """One program to time: its label, argv, extra environment and output directory."""

    label: str
    argv: list[str]
    out: Path
    env: dict[str, str] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    peak_mb: float = float("nan")

    def describe(self) -> str:
        """The command line as one would type it in the repository (no machine-specific path)."""
        env = " ".join(f"{k}={shown(v)}" for k, v in self.env.items())
        argv = " ".join([Path(self.argv[0]).name if not inside_repo(self.argv[0]) else rel(self.argv[0])]
                        + [shown(a) for a in self.argv[1:]])
        return f"{env} {argv}".strip()


def inside_repo(arg: str) -> bool:
    return os.path.isabs(arg) and Path(arg).resolve().is_relative_to(REPO)


def shown(arg: str) -> str:
    """`arg`, with a path inside the repository made relative to it."""
    return rel(arg) if inside_repo(arg) else arg


def _executable(side: Side) -> str:
    exe = shutil.which(side.argv[0]) if os.sep not in side.argv[0] else side.argv[0]
    if exe is None or not os.access(exe, os.X_OK):
        raise BenchError(f"{side.label}: {side.argv[0]} not found")
    return exe


def _failure(side: Side, code: int, err) -> BenchError:
    err.seek(0)
    text = err.read().decode(errors="replace").replace(str(REPO) + os.sep, "")
    tail = [line[:300] for line in text.splitlines()[-15:]]
    return BenchError(f"{side.label} failed (exit {code}): {side.describe()}\n  " + "\n  ".join(tail))


def run_once(side: Side, keep_stdout: bool = False) -> Run:
    """Runs `side` once, spawned directly: wall clock from spawn to exit, and its CPU time."""
    exe = _executable(side)
    env = {**os.environ, **side.env}
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            actions = [
                (os.POSIX_SPAWN_DUP2, out.fileno() if keep_stdout else devnull, 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            ]
            start = time.perf_counter_ns()
            pid = os.posix_spawn(exe, side.argv, env, file_actions=actions)
            _, status, usage = os.wait4(pid, 0)
            wall_ms = (time.perf_counter_ns() - start) / 1e6
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                raise _failure(side, code, err)
            out.seek(0)
            text = out.read().decode(errors="replace") if keep_stdout else ""
            err.seek(0)
            errors = err.read().decode(errors="replace")
    finally:
        os.close(devnull)
    return Run(wall_ms, (usage.ru_utime + usage.ru_stime) * 1e3, text, errors)


_PR_SET_CHILD_SUBREAPER = 36
_subreaper: bool | None = None


def _become_subreaper() -> bool:
    """Orphaned grandchildren are re-parented to this process (Linux prctl), once."""
    global _subreaper
    if _subreaper is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        except (OSError, AttributeError):
            _subreaper = False
    return _subreaper


def peak_rss_mb(side: Side) -> float:
    """Runs `side` once (untimed) and returns its peak resident set in MB (10^6 bytes).

    A process's ru_maxrss also counts the address space it had before exec: spawned from this
    Python process it would read at least Python's own RSS (about 10 MB, more than our whole
    synth). So the program is forked from a small shell instead (`sh -c 'prog &'`), which
    exits at once; the orphan is re-parented to this process (a child subreaper) and reaped
    here, and its ru_maxrss is its own peak (the shell's copy it starts from is about 1 MB).
    """
    if not _become_subreaper():
        raise BenchError("cannot measure peak memory: prctl(PR_SET_CHILD_SUBREAPER) failed (Linux only)")
    exe = _executable(side)
    env = {**os.environ, **side.env}
    read_end, write_end = os.pipe()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        with tempfile.TemporaryFile() as err:
            actions = [
                (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
                (os.POSIX_SPAWN_DUP2, write_end, 3),
            ]
            script = '"$@" 3>&- & echo $! >&3'
            shell = os.posix_spawn("/bin/sh", ["sh", "-c", script, "sh", exe, *side.argv[1:]], env,
                                   file_actions=actions)
            os.close(write_end)
            write_end = -1
            _, status, _ = os.wait4(shell, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise _failure(side, os.waitstatus_to_exitcode(status), err)
            pid = int(os.read(read_end, 64).decode().strip())
            _, status, usage = os.wait4(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                raise _failure(side, code, err)
    finally:
        os.close(devnull)
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    # ru_maxrss is in KiB on Linux.
    return usage.ru_maxrss * 1024 / 1e6


def check_templates(side: Side, stacks: int) -> int:
    """The side wrote `stacks` templates that parse, each with resources; returns the total."""
    templates = sorted(side.out.glob("*.template.json"))
    if len(templates) != stacks:
        raise BenchError(
            f"{side.label}: expected {stacks} templates in {rel(side.out)}, found {len(templates)}"
        )
    total = 0
    for t in templates:
        try:
            resources = json.loads(t.read_text()).get("Resources") or {}
        except (OSError, ValueError) as e:
            raise BenchError(f"{side.label}: {rel(t)} is not a JSON template: {e}") from e
        if not resources:
            raise BenchError(f"{side.label}: {rel(t)} has no resources")
        total += len(resources)
    if not (side.out / "manifest.json").is_file():
        raise BenchError(f"{side.label}: no manifest.json in {rel(side.out)}")
    return total


def per_stack_counts(out: Path) -> dict[str, int]:
    counts = {}
    for t in sorted(out.glob("*.template.json")):
        name = t.name[: -len(".template.json")]
        counts[name] = len(json.loads(t.read_text()).get("Resources") or {})
    return counts


def interleave(sides: list[Side], rounds: int, title: str) -> None:
    """A B A B ...: `rounds` runs of each side, alternating, progress on stderr."""
    for r in range(rounds):
        parts = []
        for side in sides:
            run = run_once(side)
            side.runs.append(run)
            parts.append(f"{side.label} {fmt_ms(run.wall_ms)}")
        print(f"  {title} round {r + 1}/{rounds}: " + ", ".join(parts), file=sys.stderr, flush=True)


def fmt_ms(ms: float) -> str:
    if ms >= 10_000:
        return f"{ms / 1000:.1f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    return f"{ms:.1f} ms"


def report_sides(sides: list[Side], resources: dict[str, int]) -> None:
    print(f"  {'':<22} {'wall clock':^32} {'CPU':>10}")
    print(
        f"  {'side':<22} {'min':>10} {'median':>10} {'max':>10} {'median':>10} {'peak RSS':>10}"
        "  resources  command"
    )
    for s in sides:
        w = Summary.of([r.wall_ms for r in s.runs])
        cpu = Summary.of([r.cpu_ms for r in s.runs])
        print(
            f"  {s.label:<22} {fmt_ms(w.min):>10} {fmt_ms(w.median):>10} {fmt_ms(w.max):>10} "
            f"{fmt_ms(cpu.median):>10} {s.peak_mb:>7.1f} MB  {resources[s.label]:>9}  {s.describe()}"
        )


CDK_PHASES_RE = re.compile(r"^cdk: .*; build ([\d.]+) ms, synth ([\d.]+) ms$", re.M)


def report_cdk_phases(side: Side) -> None:
    """bench/cdk/app.js prints its own build and app.synth() times; the rest is start-up."""
    phases = [CDK_PHASES_RE.search(r.stderr) for r in side.runs]
    if not all(phases):
        print(f"  {side.label}: no phase line on stderr")
        return
    build = statistics.median(float(m.group(1)) for m in phases)
    synth = statistics.median(float(m.group(2)) for m in phases)
    # Per run: what the app did not time itself (Node start-up, loading aws-cdk-lib, exit).
    rest = statistics.median(
        r.wall_ms - float(m.group(1)) - float(m.group(2)) for r, m in zip(side.runs, phases)
    )
    print(
        f"  {side.label} phases (medians): Node start-up, loading aws-cdk-lib and exit "
        f"{fmt_ms(max(rest, 0))}, build tree {fmt_ms(build)}, app.synth() {fmt_ms(synth)}"
    )


def ratio(ours: Side, other: Side, cpu: bool = False) -> tuple[float, float]:
    """(median ratio, min ratio) of `other` over `ours`: wall clock, or CPU time."""
    a = Summary.of([r.cpu_ms if cpu else r.wall_ms for r in ours.runs])
    b = Summary.of([r.cpu_ms if cpu else r.wall_ms for r in other.runs])
    return b.median / a.median, b.min / a.min


# ---------------------------------------------------------------- our phases

PHASES_RE = re.compile(
    r"build ([\d.]+) ms, synth ([\d.]+) ms, write ([\d.]+) ms, total ([\d.]+) ms"
)
SCALE_RE = re.compile(
    r"^scale copies=(\d+) resources=(\d+) total_ms=([\d.]+) per_resource_us=([\d.]+) peak_rss_mb=(\S+)$",
    re.M,
)
SYNTH_BENCH_RE = re.compile(r"of which build ([\d.]+) / synth ([\d.]+) \(medians\)")


def scale_run(scale_bin: Path, copies: int, out: Path) -> tuple[Run, dict[str, float]]:
    side = Side(f"scale {copies}", [str(scale_bin), "--copies", str(copies), "--out", str(out)], out)
    run = run_once(side, keep_stdout=True)
    m = SCALE_RE.search(run.stdout)
    if not m:
        raise BenchError(f"scale --copies {copies}: no `scale copies=...` line in its output")
    phases = PHASES_RE.search(run.stdout)
    values = {
        "resources": float(m.group(2)),
        "total_ms": float(m.group(3)),
        "per_resource_us": float(m.group(4)),
        "peak_rss_mb": float(m.group(5)) if m.group(5) != "n/a" else float("nan"),
    }
    if phases:
        values.update(
            build_ms=float(phases.group(1)),
            synth_ms=float(phases.group(2)),
            write_ms=float(phases.group(3)),
        )
    return run, values


def report_phases(bins: Path, scale_bin: Path, work: Path, runs: int, iterations: int) -> dict:
    print(f"\n== our phases, default architecture, in process ({runs} runs of the scale example at 1 copy,")
    print(f"   {iterations} iterations of synth-bench)")
    build, synth, write = [], [], []
    for _ in range(runs):
        _, v = scale_run(scale_bin, 1, work / "phases")
        if "build_ms" in v:
            build.append(v["build_ms"])
            synth.append(v["synth_ms"])
            write.append(v["write_ms"])
    bench = Side("synth-bench", [str(bins / "synth-bench"), "--iterations", str(iterations)], work)
    text = run_once(bench, keep_stdout=True).stdout
    m = SYNTH_BENCH_RE.search(text)
    sb_build, sb_synth = (float(m.group(1)), float(m.group(2))) if m else (None, None)

    def med(xs: list[float]) -> str:
        return f"{statistics.median(xs):.2f} ms" if xs else "n/a"

    not_exposed = "not exposed"
    print(f"  {'parse config':<14} {not_exposed:>10}  the default configuration is built in; no binary times `--config` parsing")
    print(
        f"  {'build tree':<14} {med(build):>10}  (synth-bench median: "
        f"{f'{sb_build:.2f} ms' if sb_build is not None else 'n/a'})"
    )
    print(
        f"  {'validate':<14} {'':>10}  \\ together {med(synth)} (synth-bench median: "
        f"{f'{sb_synth:.2f} ms' if sb_synth is not None else 'n/a'}): synth::synth does ids, references,"
    )
    print(f"  {'serialize':<14} {'':>10}  / validation and JSON in one call; neither binary times them apart")
    print(f"  {'write':<14} {med(write):>10}  (templates, manifest; the asset is not rewritten when present)")
    return {"build": build, "synth": synth, "write": write}


def report_scale(scale_bin: Path, work: Path, runs: int) -> tuple[Fit, dict[int, dict]]:
    print(f"\n== our scale example at {', '.join(map(str, SCALE_POINTS))} copies ({runs} runs each; figures are the median run)")
    print(f"  {'copies':>6} {'resources':>9} {'in-process':>11} {'per resource':>13} {'whole process':>14} {'peak RSS':>9}  (VmHWM)")
    points: dict[int, dict] = {}
    for copies in SCALE_POINTS:
        results = [scale_run(scale_bin, copies, work / f"scale-{copies}") for _ in range(runs)]
        totals = sorted(results, key=lambda rv: rv[1]["total_ms"])
        _, median_values = totals[len(totals) // 2]
        wall = statistics.median(r.wall_ms for r, _ in results)
        # The example's own VmHWM (its address space only).
        peak = max(v["peak_rss_mb"] for _, v in results)
        points[copies] = {**median_values, "wall_ms": wall, "peak_mb": peak}
        print(
            f"  {copies:>6} {int(median_values['resources']):>9} {fmt_ms(median_values['total_ms']):>11} "
            f"{median_values['per_resource_us']:>10.1f} µs {fmt_ms(wall):>14} {peak:>6.1f} MB"
        )
    xs = [points[c]["resources"] for c in SCALE_POINTS]
    fit = least_squares(xs, [points[c]["total_ms"] for c in SCALE_POINTS])
    wall_fit = least_squares(xs, [points[c]["wall_ms"] for c in SCALE_POINTS])
    print(
        f"  least squares, in-process total vs resources: {fit.slope * 1000:.2f} µs per resource "
        f"+ {fit.intercept:.2f} ms, R² {fit.r2:.4f}"
    )
    print(
        f"  least squares, whole process vs resources:    {wall_fit.slope * 1000:.2f} µs per resource "
        f"+ {wall_fit.intercept:.2f} ms, R² {wall_fit.r2:.4f}"
    )
    return fit, points


# ---------------------------------------------------------------- main


def cdk_version() -> str:
    try:
        meta = json.loads((CDK_DIR / "node_modules" / "aws-cdk-lib" / "package.json").read_text())
        return meta["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def node_version() -> str:
    node = shutil.which("node")
    if not node:
        return "?"
    side = Side("node", [node, "--version"], REPO)
    return run_once(side, keep_stdout=True).stdout.strip()


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="scripts/bench.sh",
        description="Whole-process synth: ours vs the equivalent AWS CDK app, interleaved.",
    )
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds, default app (default 7)")
    p.add_argument("--scale-rounds", type=int, default=3, help="interleaved rounds, 50 copies (default 3)")
    p.add_argument("--fit-runs", type=int, default=3, help="runs per point of the scale fit (default 3)")
    p.add_argument(
        "--cdk-validation",
        choices=("both", "on", "off"),
        default="both",
        help="time CDK with its built-in template validation (on, as shipped), without it "
        "(CDK_VALIDATION=false, its fastest), or both (default)",
    )
    p.add_argument("--quick", action="store_true", help="3 rounds, 1 round at 50 copies, 1 run per fit point")
    p.add_argument("--check", action="store_true", help="exit 1 when a goal of issue 17 is not met")
    p.add_argument("--bin-dir", default=str(REPO / "target" / "release"), help=argparse.SUPPRESS)
    p.add_argument("--parse-only", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.scale_rounds, a.fit_runs = 3, 1, 1
    for name in ("rounds", "scale_rounds", "fit_runs"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return a


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.parse_only:  # scripts/bench.sh checks the arguments before it builds
        return 0
    os.chdir(REPO)  # our binary packages app/ relative to the working directory
    bins = Path(args.bin_dir)
    refarch, scale_bin = bins / "refarch-app", bins / "examples" / "scale"
    for b in (refarch, scale_bin, bins / "synth-bench"):
        if not os.access(b, os.X_OK):
            raise BenchError(f"{rel(b)} is missing: build it with scripts/bench.sh (cargo build --release)")
    node = shutil.which("node")
    if not node:
        raise BenchError("node not found: the CDK side needs Node.js >= 20")
    work = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")).resolve() / "bench"
    work.mkdir(parents=True, exist_ok=True)
    app_js = str(CDK_DIR / "app.js")
    variants = {"on": [("cdk", {})], "off": [("cdk (no validation)", {"CDK_VALIDATION": "false"})]}
    variants["both"] = variants["on"] + variants["off"]
    cdk_variants = variants[args.cdk_validation]

    started = time.time()
    print("== synth benchmark: ours vs AWS CDK, whole process, interleaved")
    print(
        f"  {datetime.date.today().isoformat()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start; {platform.system()} {platform.machine()}; "
        f"Node {node_version()}, aws-cdk-lib {cdk_version()}"
    )
    print("  The machine may be shared: the sides alternate (A B A B ...) so that load falls on both;")
    print("  absolute times move with the load, the ratio much less. Outputs: " + rel(work))

    def sides_for(copies: int | None) -> list[Side]:
        tag = "default" if copies is None else f"{copies}-copies"
        if copies is None:
            ours = Side("ours", [str(refarch), "synth", "--out", str(work / f"ours-{tag}")], work / f"ours-{tag}")
        else:
            ours = Side(
                "ours",
                [str(scale_bin), "--copies", str(copies), "--out", str(work / f"ours-{tag}")],
                work / f"ours-{tag}",
            )
        sides = [ours]
        for i, (label, env) in enumerate(cdk_variants):
            out = work / f"cdk-{tag}-{i}"
            env = {**env, "CDK_OUTDIR": str(out)}
            if copies is not None:
                env["COPIES"] = str(copies)
            sides.append(Side(label, [node, app_js], out, env))
        return sides

    results = {}
    for copies, rounds in ((None, args.rounds), (50, args.scale_rounds)):
        stacks = 5 * (copies or 1)
        title = "default app" if copies is None else f"{copies} copies"
        sides = sides_for(copies)
        print(f"\n== {title}: check both produce templates (one untimed run each, which also measures")
        print("   the peak memory and warms the caches)")
        resources = {}
        for s in sides:
            shutil.rmtree(s.out, ignore_errors=True)
            s.peak_mb = peak_rss_mb(s)
            resources[s.label] = check_templates(s, stacks)
            print(
                f"  {s.label:<22} {stacks} templates, {resources[s.label]} resources in {rel(s.out)}, "
                f"peak RSS {s.peak_mb:.1f} MB"
            )
        if copies is None:
            ours_counts = per_stack_counts(sides[0].out)
            cdk_counts = per_stack_counts(sides[1].out)
            print("  resources per stack (ours / CDK): " + ", ".join(
                f"{name.rsplit('-', 1)[-1]} {n}/{cdk_counts.get(name, 0)}" for name, n in ours_counts.items()
            ))
        print(f"\n== {title}: {rounds} interleaved rounds")
        interleave(sides, rounds, title)
        report_sides(sides, resources)
        for other in sides[1:]:
            report_cdk_phases(other)
        for other in sides[1:]:
            med, mn = ratio(sides[0], other)
            cpu, _ = ratio(sides[0], other, cpu=True)
            print(
                f"  ratio {other.label} / ours: {med:,.0f}× wall clock (medians), {mn:,.0f}× (minimums); "
                f"{cpu:,.0f}× CPU time (medians)"
            )
        results[copies] = sides

    phases = report_phases(bins, scale_bin, work, max(3, args.fit_runs), 200)
    fit, points = report_scale(scale_bin, work, args.fit_runs)

    # Goals: judged against the fastest CDK configuration timed (the conservative ratio).
    print("\n== goals of issue 17 (wall clock medians; --check fails on any line NOT met, so the")
    print("   ratios must hold against every CDK configuration timed, its fastest included)")
    failures = []

    def goal(ok: bool, text: str) -> None:
        print(f"  [{'met' if ok else 'NOT met'}] {text}")
        if not ok:
            failures.append(text)

    d_ours = Summary.of([r.wall_ms for r in results[None][0].runs])
    goal(d_ours.median <= GOAL_DEFAULT_MS,
         f"default synth whole process: median {d_ours.median:.1f} ms (goal ≤ {GOAL_DEFAULT_MS} ms)")
    for cdk in results[None][1:]:
        r, _ = ratio(results[None][0], cdk)
        goal(r >= GOAL_DEFAULT_RATIO, f"default app vs {cdk.label}: {r:,.0f}× (goal ≥ {GOAL_DEFAULT_RATIO:.0f}×)")
    for cdk in results[50][1:]:
        r, _ = ratio(results[50][0], cdk)
        goal(r >= GOAL_SCALE_RATIO, f"50 copies vs {cdk.label}: {r:,.0f}× (goal ≥ {GOAL_SCALE_RATIO:.0f}×)")
    s_peak = results[50][0].peak_mb
    goal(s_peak <= GOAL_SCALE_PEAK_MB,
         f"50 copies peak memory: {s_peak:.1f} MB (goal ≤ {GOAL_SCALE_PEAK_MB:.0f} MB)")
    goal(fit.r2 >= GOAL_LINEAR_R2,
         f"linear cost: {fit.slope * 1000:.2f} µs per resource, R² {fit.r2:.4f} over "
         f"{', '.join(map(str, SCALE_POINTS))} copies (goal R² ≥ {GOAL_LINEAR_R2})")
    print("  (goal 1's \"per-resource synth cost halved\" is relative to a baseline this run does not have:")
    print(f"   compare the fitted {fit.slope * 1000:.1f} µs per resource with an earlier run's)")
    if not phases["build"]:
        print("  (the scale example printed no phase line: per-phase figures missing)")
    print(f"\nbench: done in {time.time() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end")
    if args.check and failures:
        print(f"bench: {len(failures)} goal(s) not met", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
