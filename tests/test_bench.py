"""The benchmark runner's own logic (the benchmarks themselves never run in ``make test``)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from bench import Case, Target
from bench.__main__ import run_case

ERROR = {"type": "type-error", "rowNumber": 3, "fieldName": "定員", "cell": "十"}


def found_one(size: int) -> list[dict[str, Any]]:
    return [ERROR]


def found_another(size: int) -> list[dict[str, Any]]:
    return [{**ERROR, "rowNumber": 4}]


def same_errors(ours: list[dict[str, Any]], reference: list[dict[str, Any]]) -> list[str]:
    """A case's ``check``: what differs between two error lists (in order), as a bench names it."""
    if ours == reference:
        return []
    first = next(
        (i for i, (a, b) in enumerate(zip(ours, reference, strict=False)) if a != b),
        min(len(ours), len(reference)),
    )
    return [f"error sets differ ({len(ours):,} vs {len(reference):,}; first at #{first + 1})"]


def test_same_errors_names_the_first_difference():
    assert same_errors([ERROR], [ERROR]) == []
    assert same_errors([ERROR], found_another(0)) == ["error sets differ (1 vs 1; first at #1)"]
    assert same_errors([], [ERROR]) == ["error sets differ (0 vs 1; first at #1)"]


def test_a_faster_wrong_answer_is_not_met_even_in_quick_mode(capsys):
    here = "tests.test_bench"
    wrong = Case("demo", 10, f"{here}:found_one", f"{here}:found_another", "other",
                 Target(max_seconds=60), check=f"{here}:same_errors")  # fmt: skip
    assert run_case(wrong, runs=1, quick=True) is False
    assert "not met: error sets differ" in capsys.readouterr().out
    right = Case("demo", 10, f"{here}:found_one", f"{here}:found_one", "same",
                 Target(max_seconds=60), check=f"{here}:same_errors")  # fmt: skip
    assert run_case(right, runs=1, quick=False) is True
    assert capsys.readouterr().out.rstrip().endswith("met")


def test_target_failures_show_the_figures():
    target = Target(max_seconds=5, max_peak_mb=500, min_ratio=25)
    assert target.failures(2.0, 400, 36.0) == []
    assert target.failures(6.0, 600, 20.0) == ["6.00 s > 5 s", "600 MB > 500 MB", "20.0× < 25×"]
    assert target.failures(2.0, 400, None) == ["no reference < 25×"]


def crashes(size: int) -> None:
    raise RuntimeError("boom")


def test_a_failing_run_is_a_not_met_row_and_the_table_goes_on(capsys):
    here = "tests.test_bench"
    case = Case("demo", 10, f"{here}:crashes", f"{here}:found_one", "other", Target(max_seconds=60))
    assert run_case(case, runs=1, quick=False) is False
    row = capsys.readouterr().out
    assert "not met: ours failed: exit 1: RuntimeError: boom" in row


def test_ours_and_the_reference_alternate(tmp_path, monkeypatch):
    import bench.__main__ as runner

    order = []
    monkeypatch.setattr(
        runner, "run_once", lambda target, *a: order.append(target) or {"seconds": 1, "peak_mb": 1}
    )
    runner.measure_alternating(Case("demo", 1, "ours", "ref"), runs=3, saved=None)
    assert order == ["ours", "ref"] * 3


def test_a_command_is_timed_as_its_own_process_with_its_own_peak(tmp_path):
    from bench import Command
    from bench.__main__ import RunFailed, _run_command

    grow = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    result = _run_command(Command([sys.executable, "-c", grow], tmp_path))
    assert 200 <= result["peak_mb"] < 300  # its own 200 MB, not the test runner's size
    with pytest.raises(RunFailed, match="killed above 100 MB"):
        _run_command(Command([sys.executable, "-c", grow], tmp_path, kill_above_mb=100))
    with pytest.raises(RunFailed, match="exit 3"):
        _run_command(Command([sys.executable, "-c", "raise SystemExit(3)"], tmp_path))


def test_a_benchmark_that_cannot_load_is_a_not_met_row_and_the_exit_status_says_so(
    capsys, monkeypatch
):
    import bench.__main__ as runner

    monkeypatch.setattr(runner, "MODULES", {"gone": "bench.no_such_module"})
    assert runner.main(["gone"]) == 1
    out = capsys.readouterr().out
    assert "loading the benchmark failed: ModuleNotFoundError" in out and out.rstrip().endswith(
        "not met"
    )
