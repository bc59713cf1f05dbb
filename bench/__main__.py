"""``python -m bench [--quick] [--runs N] [MODULE ...]``: run the benchmarks, print one table.

Honest measuring (performance.md): inputs are seeded and built before timing; every run of every
case is a fresh child process (``--child``), so its peak RSS is its own and one case's caches
do not help the next; the median of ``--runs`` (≥ 3) is reported; the reference is measured in
the same run on the same input and the ratio printed, because absolute times drift on shared
machines. Each target is printed as met / not met with the figure, and the exit status is 1 when
one is not met. ``--quick`` runs tiny sizes with no targets: a smoke test that the machinery works.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import Case, Target, peak_rss_mb

#: Benchmark modules, by the name given on the command line. Add new ones here, explicitly.
MODULES = {
    "geojson_points": "bench.geojson_points",
    "republish": "bench.republish",
    "api": "bench.api",
    "map_page": "bench.map_page",
    "validation": "bench.validation",
    "usage": "bench.usage",
    "listing": "bench.listing",
}
ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 600


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    detail: str = ""  # what the work reported of itself (its last run), shown under its row


def _load(target: str):
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def child(target: str, size: int, result_out: str = "") -> None:
    """Run one piece of work once, in this (child) process, and print time and peak RSS; with
    ``result_out``, save what the work returned there as JSON, after the clock stopped."""
    work = _load(target)  # imports happen here, before the clock starts
    start = time.perf_counter()
    result = work(size)
    seconds = time.perf_counter() - start
    if result_out:
        Path(result_out).write_text(json.dumps(result, ensure_ascii=False, default=str))
    detail = result if isinstance(result, str) else ""
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "detail": detail}))


def measure(target: str, size: int, runs: int, result_out: Path | None = None) -> Measured:
    """Median time and median peak RSS of ``runs`` fresh child processes (the last one saves
    its result to ``result_out`` when given)."""
    results = []
    for run in range(runs):
        out = str(result_out) if result_out is not None and run == runs - 1 else ""
        done = subprocess.run(
            [sys.executable, "-m", "bench", "--child", target, str(size), out],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"benchmark {target} ({size:,}) failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return Measured(
        statistics.median(r["seconds"] for r in results),
        statistics.median(r["peak_mb"] for r in results),
        results[-1].get("detail", ""),
    )


HEADER = (
    f"{'work':<26} {'size':>10} {'median s':>9} {'rows/s':>11} {'peak MB':>8} "
    f"{'reference':<18} {'ref s':>7} {'ratio':>6}  {'target':<26} result"
)


def run_case(case: Case, runs: int, quick: bool) -> bool:
    """Measure one case (and its reference), print its row; False when a target is missed."""
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
        saved = (Path(tmp) / "ours.json", Path(tmp) / "reference.json") if case.check else None
        ours = measure(case.run, case.size, runs, saved[0] if saved else None)
        ref = None
        if case.reference:
            ref = measure(case.reference, case.size, runs, saved[1] if saved else None)
        differences = _check(case, saved) if saved and case.reference else []
    ratio = ref.seconds / ours.seconds if ref else None
    target = None if quick else case.target
    missed = target.failures(ours.seconds, ours.peak_mb, ratio) if target else []
    missed += differences  # a wrong answer is a miss even in --quick
    if differences and target is None:
        target = case.target or Target()
    result = "n/a" if target is None else ("met" if not missed else "NOT MET: " + "; ".join(missed))
    print(
        f"{case.work:<26} {case.size:>10,} {ours.seconds:>9.2f} {case.size / ours.seconds:>11,.0f} "
        f"{ours.peak_mb:>8.0f} {case.reference_label or '-':<18} "
        f"{f'{ref.seconds:.2f}' if ref else '-':>7} {f'{ratio:.1f}x' if ratio else '-':>6}  "
        f"{target.describe() if target else '-':<26} {result}",
        flush=True,
    )
    if ours.detail:
        print(f"  ↳ {ours.detail}", flush=True)
    return not missed


def _check(case: Case, saved: tuple[Path, Path]) -> list[str]:
    ours, reference = (json.loads(path.read_text()) for path in saved)
    return list(_load(case.check)(ours, reference))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "modules", nargs="*", metavar="MODULE", help=f"default: all of {', '.join(MODULES)}"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no targets (smoke test)")
    parser.add_argument("--runs", type=int, help="runs per case, median shown (default 3, quick 1)")
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), *args.child[2:3])
        return 0
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(MODULES)}")
    runs = args.runs or (1 if args.quick else 3)
    if runs < 3 and not args.quick:
        parser.error("--runs must be at least 3 for a median worth reading (or use --quick)")
    print(f"Tsunagu benchmarks: median of {runs} runs, each in a fresh process\n{HEADER}")
    all_met = True
    for name in args.modules or list(MODULES):
        module = importlib.import_module(MODULES[name])
        for case in module.cases(args.quick):
            module.prepare(case.size)
            all_met = run_case(case, runs, args.quick) and all_met
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
