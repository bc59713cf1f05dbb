"""The annotated .xlsx: their table with exactly the problem cells marked, and no formulas."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from tests.validators.test_report_json import sample_draft, use_sample_texts
from tsunagu.errors import Location
from tsunagu.model import Draft, Report, Source
from tsunagu.validators.report_xlsx import (
    DATA_SHEET,
    FILL_COLOURS,
    PROBLEMS_SHEET,
    SUMMARY_SHEET,
    write_annotated_xlsx,
)

RED, YELLOW, BLUE = (FILL_COLOURS[s] for s in ("error", "warning", "info"))


def fills(ws) -> dict[str, str]:
    """{cell address: fill colour} for every filled cell of a sheet."""
    return {
        cell.coordinate: cell.fill.fgColor.rgb[-6:]
        for row in ws.iter_rows()
        for cell in row
        if cell.fill.fill_type == "solid"
    }


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml")}


def test_xlsx_highlights_exactly_the_problem_cells(monkeypatch, tmp_path):
    path = write_annotated_xlsx(sample_draft(monkeypatch), tmp_path / "aed.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [DATA_SHEET, PROBLEMS_SHEET, SUMMARY_SHEET]
    ws = wb[DATA_SHEET]
    # A = 行番号, B 名称, C 住所, D 緯度, E 経度, F 設置日, G 電話番号, H 備考
    assert fills(ws) == {
        "H1": BLUE,  # column-unmapped: column-level, marks the header
        "F3": RED,  # date-invalid
        "A4": YELLOW,  # extra-cell: row-level, marks the row number
        "F5": YELLOW,  # missing-cell
        "D6": RED,  # type-error
        "G6": YELLOW,  # phone-invalid
        "E7": RED,  # constraint-error
    }
    commented = {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
    assert commented == set(fills(ws))
    comment = ws["D6"].comment.text
    assert comment.startswith("【エラー】値がnumberになっていません。数字だけを入力してください。")
    assert "The value is not a number. Enter digits only." in comment
    assert "date-invalid" not in comment
    assert "1-11 西暦表記になっているか" in ws["F3"].comment.text


def test_xlsx_copies_their_table_in_their_order(monkeypatch, tmp_path):
    path = write_annotated_xlsx(sample_draft(monkeypatch), tmp_path / "aed.xlsx")
    ws = load_workbook(path)[DATA_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("行番号 / row", "名称", "住所", "緯度", "経度", "設置日", "電話番号", "備考")
    assert [r[0] for r in rows[1:]] == [2, 3, 4, 5, 6, 7]
    assert rows[2][7] == "<img src=x onerror=alert(1)>"
    assert rows[4][3] == "３５．８９０１"
    assert rows[6][4] == "-42"  # a number literal stays readable (string cell, no quote)
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == "A1:H7"
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width - 10


def test_xlsx_has_no_formulas_even_for_hyperlink(monkeypatch, tmp_path):
    draft = sample_draft(monkeypatch)
    table = draft.raw_table.copy()
    table.loc[2, "名称"] = "=1+1"
    table.loc[2, "住所"] = "\x00=cmd"
    draft = draft.evolve(raw_table=table)
    # a problem on the HYPERLINK cell itself: the styled path must neutralize it too
    draft.report.add(
        "phone-invalid", "warning", Location(row=4, column="備考"), cell="=HYPERLINK(1)"
    )
    path = write_annotated_xlsx(draft, tmp_path / "aed.xlsx")
    xml = sheet_xml(path)
    assert sum(len(re.findall(r"<f[ >]", text)) for text in xml.values()) == 0
    ws = load_workbook(path)[DATA_SHEET]
    assert ws["H4"].value == '\'=HYPERLINK("http://127.0.0.1/x?"&A2,"click")'
    assert ws["H4"].data_type == "s"
    assert (ws["H5"].value, ws["H6"].value, ws["H7"].value) == (
        "'+1+cmd|' /C calc'!A0",
        "'@SUM(1;1)",
        "'\tタブで始まる備考",
    )
    assert (ws["B2"].value, ws["C2"].value) == ("'=1+1", "'\ufffd=cmd")
    problems = load_workbook(path)[PROBLEMS_SHEET]
    values = [r[3] for r in problems.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in values
    assert all(c.data_type != "f" for row in problems.iter_rows() for c in row)


def test_xlsx_problems_sheet_lists_every_problem(monkeypatch, tmp_path):
    path = write_annotated_xlsx(sample_draft(monkeypatch), tmp_path / "aed.xlsx")
    ws = load_workbook(path)[PROBLEMS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == (
        "重要度 / severity",
        "行 / row",
        "列 / column",
        "値 / value",
        "コード / code",
    )
    assert [(r[1], r[2], r[4]) for r in rows[1:]] == [
        (3, "設置日", "date-invalid"),
        (6, "緯度", "type-error"),
        (7, "経度", "constraint-error"),
        (99, "設置日", "date-invalid"),  # not in the table: listed here only
        (4, None, "extra-cell"),
        (5, "設置日", "missing-cell"),
        (6, "電話番号", "phone-invalid"),
        ("—", "備考", "column-unmapped"),
    ]
    assert rows[2][3] == "abc"
    assert rows[2][6] == "値がnumberになっていません。数字だけを入力してください。"
    assert rows[2][7] == "The value is not a number. Enter digits only."
    assert ws.auto_filter.ref == "A1:H9"
    assert fills(ws)["A2"] == RED and fills(ws)["A6"] == YELLOW and fills(ws)["A9"] == BLUE


def test_xlsx_summary_sheet(monkeypatch, tmp_path):
    path = write_annotated_xlsx(sample_draft(monkeypatch), tmp_path / "aed.xlsx")
    summary = dict(
        load_workbook(path)[SUMMARY_SHEET].iter_rows(min_row=2, max_col=2, values_only=True)
    )
    assert summary["エラー / Error"] == 4
    assert summary["警告 / Warning"] == 3
    assert summary["文字コード / Encoding found"] == "cp932"
    assert summary["判定"].startswith("公開できません。")
    assert summary["自動修正 / change"] == "全角の数字や記号を 4 件半角にしました"
    assert summary["存在しない日付 / Invalid date (date-invalid)"] == 2  # titled, not bare codes


def test_xlsx_worst_severity_wins_and_styles_stay_few(monkeypatch, tmp_path):
    use_sample_texts(monkeypatch)
    n = 1000
    table = pd.DataFrame(
        {"名称": [f"施設{i}" for i in range(n)], "電話番号": ["047-1xx"] * n}, index=range(2, n + 2)
    )
    report = Report()
    for row in range(2, n + 2):
        report.add("phone-invalid", "warning", Location(row=row, column="電話番号"))
    report.add("missing-cell", "error", Location(row=10, column="電話番号"))
    draft = Draft(source=Source(Path("big.csv")), raw_table=table, report=report)
    path = write_annotated_xlsx(draft, tmp_path / "big.xlsx")
    ws = load_workbook(path)[DATA_SHEET]
    marked = fills(ws)
    assert len(marked) == n
    assert marked["C10"] == RED and marked["C11"] == YELLOW
    assert "B10" not in marked
    assert ws["C10"].comment.text.startswith("【エラー】")
    styles = sheet_xml(path)["xl/styles.xml"]
    cell_xfs = re.search(r'<cellXfs count="(\d+)"', styles)
    assert cell_xfs is not None and int(cell_xfs.group(1)) <= 8


def test_xlsx_caps_comments_but_colours_every_cell(monkeypatch, tmp_path):
    use_sample_texts(monkeypatch)
    table = pd.DataFrame({"電話番号": ["047-1xx"] * 5}, index=range(2, 7))
    report = Report()
    for row in range(2, 7):
        report.add("phone-invalid", "warning", Location(row=row, column="電話番号"))
    draft = Draft(source=Source(Path("x.csv")), raw_table=table, report=report)
    wb = load_workbook(write_annotated_xlsx(draft, tmp_path / "x.xlsx", max_comments=2))
    ws = wb[DATA_SHEET]
    assert set(fills(ws)) == {"B2", "B3", "B4", "B5", "B6"}
    assert [ws[f"B{r}"].comment is not None for r in range(2, 7)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    notes = [v for k, v in wb[SUMMARY_SHEET].iter_rows(values_only=True) if k == "注意 / note"]
    assert notes[0].startswith(
        "問題のあるセルが多いため、コメントは最初の 2 件だけに付けました（ほか 3 件"
    )
    assert notes[1].startswith("There are many problem cells, so only the first 2 have a comment")


def test_xlsx_without_table_still_lists_problems(monkeypatch, tmp_path):
    use_sample_texts(monkeypatch)
    report = Report()
    report.add("column-unmapped", "info", Location(column="備考"))
    draft = Draft(source=Source(Path("broken.csv")), report=report)
    wb = load_workbook(write_annotated_xlsx(draft, tmp_path / "r.xlsx"))
    assert wb[DATA_SHEET]["A1"].value.startswith("表として読み込めたデータがないため")
    assert wb[PROBLEMS_SHEET].max_row == 2
