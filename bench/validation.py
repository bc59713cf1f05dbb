"""Validation at the speed of the disk: the fast engine against Frictionless, same file, same run.

Work timed (each run a fresh child process, reading the file included): validate the seeded
facility CSV of :mod:`bench.generate_tables` against its schema, reporting every error.
Ours: :func:`tsunagu.validators.fast.validate_csv_file`. Reference: Frictionless 5 with
``limit_errors=0`` and the same ``Detector(schema_sync=True)`` the pipeline uses.

Two ways to run it:

- ``python -m bench validation`` (the ``make bench`` runner): ``cases()`` below; the runner times
  the reference as often as ours (at 1M that is 3 × ~75 s of Frictionless) and checks after each
  case that both engines reported the same errors.
- ``python -m bench.validation`` (this module's own report, ~4–6 minutes): fast engine median of
  3 runs at 10k, 100k, 1M (UTF-8 and CP932); Frictionless **once** per size (10k, 100k, 1M),
  because at 1M it takes ~2.5 minutes; ratios, peak RSS, the targets as met / NOT MET, and
  whether both engines found the same errors (type, row, field, cell) on each file.
"""

from __future__ import annotations

# Imported here, before any clock starts: import time is not validation time. Frictionless
# imports most of itself (and jsonschema, dateutil, pandas through pyarrow) lazily on first use,
# the fast engine polars; both engines get the same head start.
import _strptime  # noqa: F401
import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dateutil.parser  # noqa: F401
import frictionless
import frictionless.formats
import frictionless.portals
import frictionless.resources
import frictionless.schemes
import jsonschema  # noqa: F401
import pandas  # noqa: F401
import polars  # noqa: F401  # the fast engine hashes key values with it (0.17 s to import)
import pyarrow.csv
import pyarrow.pandas_compat  # noqa: F401

import tsunagu.validators.frictionless_run  # noqa: F401  # the fast engine imports it lazily
from bench import Case, Target, peak_rss_mb
from bench.generate_tables import SCHEMA, facility_table, table_path
from tsunagu.validators.fast import validate_csv_file

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZE = 2_000
TARGET_1M = Target(max_seconds=5, max_peak_mb=500, min_ratio=25)
TARGET_100K = Target(max_seconds=0.6)
ROOT = Path(__file__).resolve().parent.parent


def prepare(size: int) -> None:
    facility_table(size, "utf-8")
    if size >= SIZES[-1]:
        facility_table(size, "cp932")


def run_fast(size: int, encoding: str = "utf-8") -> list[dict[str, Any]]:
    return validate_csv_file(table_path(size, encoding), SCHEMA, encoding=encoding).errors


def run_fast_cp932(size: int) -> list[dict[str, Any]]:
    return run_fast(size, "cp932")


def run_frictionless(size: int, encoding: str = "utf-8") -> list[dict[str, Any]]:
    """The reference, as ``frictionless_run.validate_csv`` runs it (relative path, untrusted)."""
    path = table_path(size, encoding)
    resource_ = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=frictionless.Schema.from_descriptor(SCHEMA),
        format="csv",
        encoding=encoding,
        detector=frictionless.Detector(schema_sync=True),
    )
    report = resource_.validate(limit_errors=0)
    return [e for task in report.to_descriptor()["tasks"] for e in task["errors"]]


def cases(quick: bool) -> list[Case]:
    """Cases for the ``make bench`` runner: Frictionless is timed as often as ours (at 1M, 3 ×
    ~75 s), and every case checks that both found the same errors (type, row, field, cell)."""
    fast, reference = "bench.validation:run_fast", "bench.validation:run_frictionless"
    same = "bench.validation:same_errors"
    if quick:
        return [Case("validate CSV (fast)", QUICK_SIZE, fast, reference, "Frictionless",
                     check=same)]  # fmt: skip
    return [
        Case("validate CSV (fast)", 10_000, fast, reference, "Frictionless", check=same),
        Case("validate CSV (fast)", 100_000, fast, reference, "Frictionless", TARGET_100K, same),
        Case("validate CSV (fast)", 1_000_000, fast, reference, "Frictionless", TARGET_1M, same),
        Case(
            "validate CP932 CSV (fast)",
            1_000_000,
            "bench.validation:run_fast_cp932",
            None,
            "",
            Target(5, 500),
        ),
    ]


def same_errors(ours: list[dict[str, Any]], reference: list[dict[str, Any]]) -> list[str]:
    """What differs between the two error lists (type, row, field, cell; in order)."""
    mine, theirs = error_keys(ours), error_keys(reference)
    if mine == theirs:
        return []
    first = next(
        (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
        min(len(mine), len(theirs)),
    )
    return [f"error sets differ ({len(mine):,} vs {len(theirs):,}; first at #{first + 1})"]


def error_keys(errors: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What "the same error set" compares: type, row, field, cell (label errors: the label)."""
    return [
        (e.get("type"), e.get("rowNumber"), e.get("fieldName") or e.get("label"), e.get("cell"))
        for e in errors
    ]


def child(engine: str, size: int, encoding: str, keys_out: str) -> None:
    """One timed run in this process; prints seconds and peak RSS, writes the error keys."""
    work = run_fast if engine == "fast" else run_frictionless
    start = time.perf_counter()
    errors = work(size, encoding)
    seconds = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    if keys_out:
        Path(keys_out).write_text(json.dumps(error_keys(errors), ensure_ascii=False))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "errors": len(errors)}))


def measure(engine: str, size: int, encoding: str, runs: int, keys_out: Path) -> dict[str, Any]:
    """Median seconds and peak MB of ``runs`` fresh children; the last one writes its keys."""
    results = []
    for run in range(runs):
        out = str(keys_out) if run == runs - 1 else ""
        command = [sys.executable, "-m", "bench.validation", "--child", engine, str(size),
                   encoding, out]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{engine} at {size:,} failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mb": statistics.median(r["peak_mb"] for r in results),
        "errors": results[-1]["errors"],
    }


def report(runs: int) -> bool:
    """The full comparison; True when every target is met and every error set is equal."""
    print(
        f"validation: fast engine median of {runs} runs; Frictionless once per size (1M ~2.5 min)"
    )
    print(f"{'file':<16} {'engine':<13} {'s':>8} {'rows/s':>11} {'peak MB':>8} {'errors':>7}")
    all_ok = True
    for size, encoding in [(s, "utf-8") for s in SIZES] + [(SIZES[-1], "cp932")]:
        prepare(size)
        keys = {e: table_path(size, encoding).with_suffix(f".{e}.json") for e in ("fast", "fl")}
        fast = measure("fast", size, encoding, runs, keys["fast"])
        _row(size, encoding, "fast", fast)
        reference = None
        if encoding == "utf-8":
            reference = measure("frictionless", size, encoding, 1, keys["fl"])
            _row(size, encoding, "frictionless", reference)
            same = json.loads(keys["fast"].read_text()) == json.loads(keys["fl"].read_text())
            print(f"  same error set (type, row, field, cell; in order): {same} "
                  f"({fast['errors']:,} vs {reference['errors']:,})")  # fmt: skip
            all_ok &= same
        all_ok &= _targets(size, fast, reference)
    return all_ok


def _row(size: int, encoding: str, engine: str, m: dict[str, Any]) -> None:
    print(f"{f'{size:,} {encoding}':<16} {engine:<13} {m['seconds']:>8.2f} "
          f"{size / m['seconds']:>11,.0f} {m['peak_mb']:>8.0f} {m['errors']:>7,}")  # fmt: skip


def _targets(size: int, fast: dict[str, Any], reference: dict[str, Any] | None) -> bool:
    ratio = reference["seconds"] / fast["seconds"] if reference else None
    if ratio:
        print(f"  ratio Frictionless / fast: {ratio:.1f}x (Frictionless measured once)")
    target = {100_000: TARGET_100K, 1_000_000: TARGET_1M}.get(size)
    if target is None:
        return True
    if ratio is None:  # CP932: time and memory only; the ratio is the UTF-8 file's
        target = Target(target.max_seconds, target.max_peak_mb)
    missed = target.failures(fast["seconds"], fast["peak_mb"], ratio)
    print(
        f"  target {target.describe()}: "
        + ("met" if not missed else "NOT MET: " + "; ".join(missed))
    )
    return not missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.validation")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        engine, size, encoding, keys_out = args.child
        child(engine, int(size), encoding, keys_out)
        return 0
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    return 0 if report(args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
