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
from tsunagu.normalize.stat_tables import apply_statistics, header_pairs, to_long

ROWS = [
    ["柏1丁目", 12, "-", 11, 9],
    ["柏2丁目", "1,234※1", 15, "x", "…"],
    ["合計", 1246, 15, 11, 9],
]


def _sheet(path: Path, rows: list[list] = ROWS) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "年齢別"
    sheet.append(["町丁目", "男", "", "女", ""])
    sheet.append(["", "0-4歳", "5-9歳", "0-4歳", "5-9歳"])
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:E1")
    for row in rows:
        sheet.append(row)
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


def test_long_form_melts_each_value_cell_into_a_row_that_keeps_its_file_row():
    table = pd.DataFrame(
        [["", "", "0-4歳", "5-9歳", "0-4歳"], ["柏1丁目", "1", "12", "", "11"]],
        columns=["町丁目", "コード", "男", "Unnamed: 3", "女"],
        index=[4, 5],
        dtype=str,
    )
    pairs = header_pairs(table)
    assert pairs[:3] == [("町丁目", ""), ("コード", ""), ("男", "0-4歳")]
    flat = table.drop(index=4).set_axis(
        ["町丁目", "コード", "男_0-4歳", "男_5-9歳", "女_0-4歳"], axis=1
    )
    report = Report()
    spec = StatisticsSpec(header_rows=2, shape="long", names=("性別", "年齢", "人口"))
    long = to_long(flat, pairs, spec, report, "t.xlsx")
    assert long.columns.tolist() == ["町丁目", "コード", "性別", "年齢", "人口"]
    assert long.index.tolist() == [5, 5, 5]  # every long row points at its file row
    assert long.to_numpy().tolist() == [
        ["柏1丁目", "1", "男", "0-4歳", "12"],
        ["柏1丁目", "1", "男", "5-9歳", ""],  # an empty cell stays a row, never dropped
        ["柏1丁目", "1", "女", "0-4歳", "11"],
    ]
    assert [p.code for p in report.problems] == ["statistics-long-form"]

    clash = StatisticsSpec(header_rows=2, shape="long", names=("町丁目", "年齢", "人口"))
    kept = to_long(flat, pairs, clash, report, "t.xlsx")
    assert kept.equals(flat)  # left wide, and blocked: never half-melted
    assert report.problems[-1].code == "statistics-long-impossible"
    assert report.problems[-1].severity == "error"


def test_long_form_is_described_published_and_reported_at_file_rows(tmp_path):
    statistics = "{header_rows: 2, totals: drop, shape: long, names: [性別, 年齢, 人口]}"
    folder = _dataset(tmp_path, statistics)
    # The long form's 年齢 holds the sheet's age bands (0-4歳): counts by age group are
    # aggregates, not a person's age, so it is published without allow_columns (§2.5).
    described = tsunagu(tmp_path, "describe", str(folder / "年齢別人口.xlsx"), "--write")
    assert described.returncode == 0, described.stdout + described.stderr
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["type"]) for f in schema["fields"]] == [
        ("町丁目", "string"), ("性別", "string"), ("年齢", "string"), ("人口", "integer"),
    ]  # fmt: skip

    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr
    rows = download(tmp_path, "kashiwa-population-age", "csv").decode("utf-8").splitlines()
    assert rows == [
        "町丁目,性別,年齢,人口",
        "柏1丁目,男,0-4歳,12",
        "柏1丁目,男,5-9歳,",  # "-": none, empty with its reason, not 0
        "柏1丁目,女,0-4歳,11",
        "柏1丁目,女,5-9歳,9",
        "柏2丁目,男,0-4歳,1234",
        "柏2丁目,男,5-9歳,15",
        "柏2丁目,女,0-4歳,",  # "x": secret
        "柏2丁目,女,5-9歳,",  # "…": not available
    ]  # 合計 dropped
    report = json.loads(download(tmp_path, "kashiwa-population-age", "report-json"))
    emptied = {(e["row"], e["column"], e["value"], e["meaning"])
               for e in report["facts"]["placeholders_emptied"]}  # fmt: skip
    assert (3, "男_5-9歳", "-", "none") in emptied and len(emptied) == 3

    # The department's contract says a count is never negative; a later file breaks it in
    # file row 4 (柏2丁目, 男 5-9歳): found after the melt, reported at the file's row and
    # column, not at the long table's 人口 (which is not in the department's sheet).
    field = next(f for f in schema["fields"] if f["name"] == "人口")
    field["constraints"] = {**field.get("constraints", {}), "minimum": 0}
    (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), "utf-8")
    _sheet(folder / "年齢別人口.xlsx", [ROWS[0], ["柏2丁目", 7, -3, 5, 6], ROWS[2]])
    blocked = tsunagu(tmp_path, "--lang", "en", "validate", str(folder / "dataset.yaml"))
    assert blocked.returncode != 0
    assert 'row 4, column "男_5-9歳"' in blocked.stdout, blocked.stdout
    assert "-3" in blocked.stdout


def test_ages_without_statistics_are_held_as_personal_data_until_allowed(tmp_path):
    """The same age bands in a table not declared a statistics sheet: the header rule holds the
    column (a list of people looks the same), and publishing waits for the department."""
    root = tmp_path / "kashiwa"
    folder = root / "seiso" / "visitors"
    folder.mkdir(parents=True)
    (root / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    (folder / "来館者.csv").write_text(
        "受付日,年齢,地区\n2024-04-01,0-4歳,柏\n2024-04-01,65歳以上,沼南\n", encoding="utf-8"
    )
    (folder / "dataset.yaml").write_text(
        "id: kashiwa-visitors\ntitle: 来館者\ndepartment: seiso\nsources: [来館者.csv]\n",
        encoding="utf-8",
    )
    assert tsunagu(tmp_path, "describe", str(folder / "来館者.csv"), "--write").returncode == 0
    report = tmp_path / "r.json"
    checked = tsunagu(
        tmp_path, "validate", str(folder / "dataset.yaml"), "--report-json", str(report)
    )
    assert checked.returncode == 1, checked.stdout
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    found = {(p["code"], p["location"].get("column")) for p in problems}
    assert ("personal-data-suspected", "年齢") in found
    held = tsunagu(tmp_path, "publish", str(folder))
    assert held.returncode == 1 and "blocked" in held.stdout, held.stdout
