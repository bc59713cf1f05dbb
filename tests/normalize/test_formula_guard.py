"""Formula-like cells: never made live by normalisation, always named in a warning (issue 16)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tsunagu.config import PROJECT_ROOT
from tsunagu.model import Report
from tsunagu.normalize.formula_guard import keep_formulas_dead, warn_formula_like

AED = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations"
# (A CR inside a cell is a line break to the CSV reader, so " +1" stands for trimming here.)
HOSTILE = ["＝1+1", "\t=1+1", '=HYPERLINK("http://x")', "＠SUM(1)", " +1", "－"]


def test_values_normalisation_turned_into_formulas_are_kept_as_written():
    before = pd.DataFrame(
        {"備考": ["＝1+1", "\t=1+1", "=1+1", "ＡＢＣ", "－"], "数": ["－５", "＋1", "1", "2", "3"]},
        index=[2, 3, 4, 5, 6],
    )
    after = pd.DataFrame(
        {"備考": ["=1+1", "=1+1", "=1+1", "ABC", "-"], "数": ["-5", "+1", "1", "2", "3"]},
        index=[2, 3, 4, 5, 6],
    )
    report = Report()
    out = keep_formulas_dead(before, after, {"数"}, report)
    assert out["備考"].tolist() == ["＝1+1", "\t=1+1", "=1+1", "ABC", "－"]
    assert out["数"].tolist() == ["-5", "+1", "1", "2", "3"]  # numbers stay numbers
    assert report.changes["formula-not-created"] == 3


def test_warning_names_the_column_and_rows():
    table = pd.DataFrame({"備考": ["a", "＝1", "b", "@x", "-"], "数": ["-5", "1", "2", "3", "4"]})
    table.index = [2, 3, 4, 5, 6]
    report = Report()
    warn_formula_like(table, {"数"}, report, "x.csv", {"備考": "備考欄"})
    [problem] = report.problems
    assert (problem.code, problem.severity) == ("formula-like-cells", "warning")
    assert (problem.location.column, problem.location.row) == ("備考欄", 3)
    assert problem.params == {"count": 3, "rows": "3, 5, 6"}


def _dataset_with(tmp_path: Path, values: list[str]) -> Path:
    """The AED sample with its 備考 cells replaced by ``values`` (CP932, as the city sends it)."""
    folder = tmp_path / "kashiwa" / "kenko" / "aed-installations"
    folder.mkdir(parents=True)
    (tmp_path / "kashiwa" / "municipality.yaml").write_bytes(
        (PROJECT_ROOT / "datasets/kashiwa/municipality.yaml").read_bytes()
    )
    (folder / "dataset.yaml").write_bytes((AED / "dataset.yaml").read_bytes())
    source = (AED / "AED設置場所一覧.csv").read_text(encoding="cp932")
    rows = list(csv.reader(io.StringIO(source, newline="")))
    for offset, value in enumerate(values):
        rows[2 + offset][-1] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    (folder / "AED設置場所一覧.csv").write_bytes(out.getvalue().encode("cp932"))
    return folder / "dataset.yaml"


def _tsunagu(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--lang", "en", *args],
        capture_output=True, text=True, cwd=cwd, env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


@pytest.fixture
def converted(tmp_path):
    manifest = _dataset_with(tmp_path, HOSTILE)
    result = _tsunagu("convert", str(manifest), "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path, result


def test_canonical_csv_never_gets_a_live_formula_from_normalisation(converted):
    tmp_path, result = converted
    path = tmp_path / "out" / "kashiwa-aed-installations" / "kashiwa-aed-installations.csv"
    published = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    remarks = [row["備考"] for row in published[:6]]
    # kept as written: the department's own =HYPERLINK stays byte-exact (open data), the
    # full-width and TAB/CR-prefixed ones are not folded or trimmed into =1+1 / @SUM / +1
    assert remarks == HOSTILE
    assert "Kept 5 cells as written" in result.stdout


def test_report_names_the_formula_like_cells(converted):
    tmp_path, _ = converted
    report = json.loads(
        (tmp_path / "out" / "kashiwa-aed-installations" / "report.json").read_text("utf-8")
    )
    [problem] = [p for p in report["problems"] if p["code"] == "formula-like-cells"]
    assert problem["location"]["column"] == "備考"
    assert problem["params"]["rows"] == "3, 4, 5, 6, 7, 8"
    assert problem["severity"] == "warning"


def test_listed_spaces_are_every_character_the_pattern_treats_as_space():
    """The start-up list of leading spaces is exactly what ``[\\s\\u3000]`` matches in Unicode."""
    import re

    from tsunagu.normalize import formula_guard

    every = "".join(map(chr, range(0x110000)))
    assert frozenset(re.findall(r"[\s\u3000]", every)) == formula_guard._SPACES
