"""``python -m bench [--quick] [--runs N] [MODULE ...]``: run the benchmarks, print one table.

Honest measuring (performance.md): inputs are seeded and built before timing; every run of every
case is a fresh child process (``--child``), so its peak RSS is its own and one case's caches
do not help the next; the median of ``--runs`` (≥ 3) is reported; the reference is measured in
the same run on the same input and the ratio printed, because absolute times drift on shared
machines. Each target is printed as met / not met with the figure, and the exit status is 1 when
one is not met. Ours and the reference alternate run by run (ours, reference, ours, …) so
both meet the same moments of a shared machine, and the 1-minute load average is printed beside
every row. A run that fails (crash, wrong exit status, killed above its memory guard, timeout) is
printed as "not met" in its row; the table always completes. ``--quick`` runs tiny sizes with
no targets: a smoke test that the machinery works.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import Case, Command, Target, peak_rss_mb

#: Benchmark modules, by the name given on the command line. Add new ones here, explicitly.
MODULES = {
    "republish": "bench.republish",
    "api": "bench.api",
    "map_page": "bench.map_page",
    "usage": "bench.usage",
    "listing": "bench.listing",
    "cli": "bench.cli",
}
ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 600


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    detail: str = ""  # what the work reported of itself (its last run), shown under its row


class RunFailed(Exception):
    """One run did not work (crashed, wrong exit status, killed, timed out): the row says so."""


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


def run_once(target: str, size: int, out: str = "", command: bool = False) -> dict:
    """One fresh child process; its seconds and peak MB. Raises :class:`RunFailed`."""
    if command:
        return _run_command(_load(target)(size))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench", "--child", target, str(size), out],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RunFailed(f"timed out after {CHILD_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise RunFailed(f"exit {done.returncode}: {_last_line(done.stderr)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_command(command: Command) -> dict:
    """Time a command as the user types it, through :mod:`bench.spawn` (its own peak RSS)."""
    spawn = [sys.executable, "-I", "-S", str(ROOT / "bench" / "spawn.py")]
    try:
        done = subprocess.run(
            [*spawn, str(command.kill_above_mb), str(command.cwd), *command.argv],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RunFailed(f"timed out after {CHILD_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise RunFailed(f"measuring failed: {_last_line(done.stderr)}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["killed"]:
        raise RunFailed(
            f"killed above {command.kill_above_mb:g} MB after {result['seconds']:.0f} s"
        )
    if result["status"] not in command.ok_status:
        raise RunFailed(f"exit {result['status']}: {_last_line(result['stderr'])}")
    return result


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no message)"


def _median(results: list[dict]) -> Measured | None:
    if not results:
        return None
    return Measured(
        statistics.median(r["seconds"] for r in results),
        statistics.median(r["peak_mb"] for r in results),
        results[-1].get("detail", "") or "",
    )


def measure_alternating(
    case: Case, runs: int, saved: tuple[Path, Path] | None
) -> tuple[Measured | None, Measured | None, list[str]]:
    """Ours, reference, ours, reference …: both see the same moments of a shared machine.
    Returns both medians (None when a side failed) and what failed."""
    ours: list[dict] = []
    refs: list[dict] = []
    failed: list[str] = []
    sides = [("ours", case.run, ours, case.command, 0)]
    if case.reference:
        sides.append(("reference", case.reference, refs, False, 1))
    for run in range(runs):
        for label, target, results, command, slot in sides:
            if any(f.startswith(label) for f in failed):
                continue
            out = str(saved[slot]) if saved is not None and run == runs - 1 else ""
            try:
                results.append(run_once(target, case.size, out, command))
            except RunFailed as exc:
                failed.append(f"{label} failed: {exc}")
    return _median(ours) if len(ours) == runs else None, _median(refs), failed


def load_average() -> str:
    """The machine's 1-minute load average, printed beside every row (the machine is shared)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


HEADER = (
    f"{'work':<30} {'size':>10} {'median s':>9} {'rows/s':>11} {'peak MB':>8} "
    f"{'reference':<18} {'ref s':>7} {'ratio':>6} {'load':>5}  {'target':<26} result"
)


def run_case(case: Case, runs: int, quick: bool) -> bool:
    """Measure one case and its reference, alternating; print its row (always); False when a
    target is missed or a run failed."""
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
        saved = (Path(tmp) / "ours.json", Path(tmp) / "reference.json") if case.check else None
        ours, ref, failed = measure_alternating(case, runs, saved)
        differences = _check(case, saved) if saved and ours and ref else []
    ratio = ref.seconds / ours.seconds if ref and ours else None
    target = None if quick else case.target
    missed = list(failed)
    if target and ours:
        missed += target.failures(ours.seconds, ours.peak_mb, ratio)
    missed += differences  # a wrong answer is a miss even in --quick
    if missed and target is None:
        target = case.target or Target()
    result = "n/a" if target is None else ("met" if not missed else "not met: " + "; ".join(missed))
    seconds = f"{ours.seconds:>9.2f} {case.size / ours.seconds:>11,.0f} {ours.peak_mb:>8.0f}" if (
        ours) else f"{'-':>9} {'-':>11} {'-':>8}"  # fmt: skip
    print(
        f"{case.work:<30} {case.size:>10,} {seconds} {case.reference_label or '-':<18} "
        f"{f'{ref.seconds:.2f}' if ref else '-':>7} {f'{ratio:.1f}x' if ratio else '-':>6} "
        f"{load_average():>5}  {target.describe() if target else '-':<26} {result}",
        flush=True,
    )
    if ours and ours.detail:
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
        try:
            module = importlib.import_module(MODULES[name])
            found = module.cases(args.quick)
        except Exception as exc:  # the table always completes
            failed = f"loading the benchmark failed: {exc!r}"
            print(f"{name:<30} {'':>10} {failed}  {load_average()}  not met")
            all_met = False
            continue
        for case in found:
            try:
                module.prepare(case.size)
            except Exception as exc:  # the table always completes
                failed = f"preparing the input failed: {exc!r}"
                print(f"{case.work:<30} {case.size:>10,} {failed}  {load_average()}  not met")
                all_met = False
                continue
            all_met = run_case(case, runs, args.quick) and all_met
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
