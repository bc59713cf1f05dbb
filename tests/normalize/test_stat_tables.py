"""Statistics sheets (issue 15): a two-row merged header, a 合計 row, footnote marks and the
-/…/x placeholders, described and published through the CLI; never silently zeros."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from tests.validators.own_schema_support import MUNICIPALITY, download, tsunagu
from tsunagu.manifest import StatisticsSpec
from tsunagu.model import Report
from tsunagu.normalize.stat_tables import apply_statistics


def _sheet(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "年齢別"
    sheet.append(["町丁目", "男", "", "女", ""])
    sheet.append(["", "0-4歳", "5-9歳", "0-4歳", "5-9歳"])
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:E1")
    sheet.append(["柏1丁目", 12, "-", 11, 9])
    sheet.append(["柏2丁目", "1,234※1", 15, "x", "…"])
    sheet.append(["合計", 1246, 15, 11, 9])
    book.save(path)


def _dataset(tmp_path: Path, statistics: str) -> Path:
    root = tmp_path / "kashiwa"
    folder = root / "seiso" / "population"
    folder.mkdir(parents=True)
    (root / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    _sheet(folder / "年齢別人口.xlsx")
    (folder / "dataset.yaml").write_text(
        "id: kashiwa-population-age\ntitle: 年齢別人口\ndepartment: seiso\n"
        f"sources:\n  - path: 年齢別人口.xlsx\n    header_row: 1\nstatistics: {statistics}\n",
        encoding="utf-8",
    )
    return folder


def test_two_row_header_total_row_and_placeholders_publish_as_the_manifest_says(tmp_path):
    folder = _dataset(tmp_path, "{header_rows: 2, totals: drop, placeholders: empty}")
    described = tsunagu(tmp_path, "describe", str(folder / "年齢別人口.xlsx"), "--write")
    assert described.returncode == 0, described.stdout + described.stderr
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"]] == [
        "町丁目", "男_0-4歳", "男_5-9歳", "女_0-4歳", "女_5-9歳",
    ]  # fmt: skip
    assert {f["type"] for f in schema["fields"][1:]} == {"integer"}  # x and - are not text

    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr
    rows = download(tmp_path, "kashiwa-population-age", "csv").decode("utf-8").splitlines()
    assert rows[1:] == ["柏1丁目,12,,11,9", "柏2丁目,1234,15,,"]  # 合計 dropped, never zeros
    report = json.loads(download(tmp_path, "kashiwa-population-age", "report-json"))
    emptied = {(e["row"], e["column"], e["value"], e["meaning"])
               for e in report["facts"]["placeholders_emptied"]}  # fmt: skip
    assert emptied == {
        (3, "男_5-9歳", "-", "none"),
        (4, "女_0-4歳", "x", "secret"),
        (4, "女_5-9歳", "…", "not-available"),
    }
    codes = {p["code"] for p in report["problems"]}
    assert {"statistics-total-rows", "statistics-footnote-marks"} <= codes


def test_total_rows_are_kept_with_a_warning_unless_the_manifest_drops_them():
    table = pd.DataFrame(
        {"区分": ["柏", "小計", "沼南", "合計"], "人数": ["1", "1", "x", "1"]},
        index=[2, 3, 4, 5],
        dtype=str,
    )
    report = Report()
    out = apply_statistics(table, StatisticsSpec(placeholders="keep"), report, "t.csv")
    assert out["区分"].tolist() == ["柏", "小計", "沼南", "合計"]
    assert out["人数"].tolist() == ["1", "1", "x", "1"]  # kept as written when asked
    warned = [p for p in report.problems if p.code == "statistics-total-rows"]
    assert warned[0].severity == "warning" and warned[0].params["rows"] == "3, 5"


@pytest.mark.parametrize("bad", ["{header_rows: 3}", "{totals: sum}", "[1]"])
def test_a_wrong_statistics_entry_names_the_field(tmp_path, bad):
    folder = _dataset(tmp_path, bad)
    (folder / "schema.json").write_text('{"fields": [{"name": "a"}]}', encoding="utf-8")
    manifest = folder / "dataset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "schema: schema.json\n", "utf-8")
    result = tsunagu(tmp_path, "--lang", "en", "validate", str(manifest))
    assert result.returncode == 2 and "field 'statistics'" in result.stdout + result.stderr
