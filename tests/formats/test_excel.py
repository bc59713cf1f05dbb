from __future__ import annotations

import subprocess
import sys
import time as clock
from datetime import date, datetime, time, timedelta

import pytest

from tsunagu.formats import detect_format
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.excel import ExcelReader, cell_text


def read(path, settings, **options):
    return ExcelReader().read(path, ReadOptions(**options), settings)


def test_read_first_visible_sheet_with_title_notes_and_metadata(data_path, settings):
    draft = read(data_path("formats/shelters.xlsx"), settings)
    table = draft.table
    assert list(table.columns) == ["番号", "施設名", "開設日", "受付開始", "収容人数", "面積", "倍"]
    assert list(table.index) == [4, 5, 6]
    assert table.loc[4].tolist() == [
        "1",
        "柏第一小学校",
        "2024-04-01",
        "09:30",
        "500",
        "1234.5",
        "1000",
    ]
    assert table.loc[5].tolist() == [
        "2",
        "増尾中学校",
        "2024-04-01T09:30:00",
        "08:00:15",
        "350",
        "0.1",
        "700",
    ]
    assert table.loc[6].tolist() == [
        "3",
        "髙柳近隣センター",
        "2023-10-01",
        "",
        "80",
        "0.0000001",
        "160",
    ]
    assert draft.source.sheet == "避難所"
    assert draft.source.header_row == 3
    assert draft.source.format == "xlsx"
    assert draft.report.facts == {
        "format": "xlsx",
        "sheet": "避難所",
        "sheets": ["避難所", "連絡先"],
        "hidden_sheets": ["連絡先"],
        "hidden_rows": [5],
        "hidden_columns": ["F"],
        "merged_cells": ["A1:F1"],
        "formula_cells": 3,
        "comments": 1,
        "header_row": 3,
        "title_rows": [{"row": 1, "text": "柏市指定避難所一覧"}],
        "notes_below": [{"row": 8, "text": "※ 収容人数は目安です。"}],
        "trailing_blank_rows": 0,
        "blank_rows_inside": 0,
        "rows": 3,
        "columns": 7,
    }
    assert draft.report.flatten("sheet", "row", "column", "code", "severity") == [
        ("避難所", 6, "施設名", "platform-dependent-char", "info"),
        ("連絡先", None, None, "excel-hidden-content", "warning"),
        ("避難所", 5, None, "excel-hidden-content", "warning"),
        ("避難所", None, "F", "excel-hidden-content", "warning"),
        ("避難所", None, None, "excel-formula-flattened", "warning"),
    ]
    flattened = draft.report.problems[-1]
    assert flattened.params == {"count": 3}
    assert "shelters.xlsx" in flattened.message("ja") and "shelters.xlsx" in flattened.message("en")


def test_read_named_sheet_even_if_hidden(data_path, settings):
    draft = read(data_path("formats/shelters.xlsx"), settings, sheet="連絡先")
    assert draft.table.to_dict("index") == {2: {"氏名": "柏 太郎", "携帯電話": "090-0000-0000"}}
    assert draft.report.facts["sheet"] == "連絡先"
    assert draft.report.facts["header_row"] == 1


def test_read_unknown_sheet_lists_sheet_names(data_path, settings, refused):
    path = data_path("formats/shelters.xlsx")
    error = refused(
        lambda: read(path, settings, sheet="Sheet1"), "excel-sheet-not-found", "shelters.xlsx"
    )
    assert error.problem.params == {"sheets": "避難所, 連絡先"}
    assert "避難所, 連絡先" in error.message_ja and "避難所, 連絡先" in error.message_en


def test_read_explicit_header_row(data_path, settings):
    draft = read(data_path("formats/shelters.xlsx"), settings, header_row=3)
    assert list(draft.table.index) == [4, 5, 6]


def test_read_huge_declared_dimension_reads_only_real_cells(data_path, settings):
    started = clock.monotonic()
    draft = read(data_path("formats/huge_dimension.xlsx"), settings)
    assert clock.monotonic() - started < 2
    assert draft.table.to_dict("index") == {2: {"施設名": "柏公民館", "電話番号": "04-7164-1811"}}
    assert draft.report.facts["columns"] == 2
    assert draft.report.problems == []


def test_read_not_a_workbook_is_refused(data_path, settings, refused):
    path = data_path("formats/not_a_workbook.xlsx")
    refused(lambda: read(path, settings), "excel-unreadable", "not_a_workbook.xlsx")


def test_read_macro_workbook_is_refused(data_path, settings, refused):
    path = data_path("formats/macro.xlsx")
    refused(
        lambda: read(path, settings, display_name="予算.xlsx"), "excel-macro-refused", "予算.xlsx"
    )


def test_detect_format_xlsx(data_path):
    assert detect_format(data_path("formats/shelters.xlsx")) == "xlsx"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "TRUE"),
        (42, "42"),
        (42.0, "42"),
        (1234.5, "1234.5"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-3.25, "-3.25"),
        (datetime(2024, 4, 1), "2024-04-01"),
        (datetime(2024, 4, 1, 9, 30), "2024-04-01T09:30:00"),
        (datetime(2024, 4, 1, 9, 29, 59, 999_500), "2024-04-01T09:30:00"),
        (date(2019, 5, 1), "2019-05-01"),
        (time(9, 30), "09:30"),
        (time(9, 30, 15), "09:30:15"),
        (timedelta(hours=25, minutes=5), "25:05:00"),
        ("#DIV/0!", "#DIV/0!"),
        ("  柏市 ", "  柏市 "),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_read_upload_stored_under_an_id_uses_display_name(data_path, tmp_path, settings):
    stored = tmp_path / "3f2a9c"
    stored.write_bytes(data_path("formats/huge_dimension.xlsx").read_bytes())
    draft = read(stored, settings, display_name="公民館.xlsx")
    assert draft.table.to_dict("index") == {2: {"施設名": "柏公民館", "電話番号": "04-7164-1811"}}


def test_read_stored_upload_named_xlsm_is_refused(data_path, tmp_path, settings, refused):
    stored = tmp_path / "3f2a9d"
    stored.write_bytes(data_path("formats/shelters.xlsx").read_bytes())
    refused(
        lambda: read(stored, settings, display_name="集計.xlsm"), "excel-macro-refused", "集計.xlsm"
    )


def test_read_row_wider_than_max_columns_is_refused(data_path, settings, refused):
    narrow = settings.replace(max_columns=5)
    path = data_path("formats/shelters.xlsx")
    error = refused(lambda: read(path, narrow), "too-many-columns", "shelters.xlsx")
    assert error.problem.location.row == 3
    assert error.problem.params == {"count": 7, "limit": 5}


def test_read_cell_too_long_names_row_and_header(data_path, settings, refused):
    strict = settings.replace(max_cell_chars=10)
    path = data_path("formats/shelters.xlsx")
    error = refused(lambda: read(path, strict), "cell-too-long", "shelters.xlsx")
    assert (error.problem.location.row, error.problem.location.column) == (5, "開設日")
    assert error.problem.params == {"length": 19, "limit": 10}


def _damaged(tmp_path, part: str, cut: int | None = None, text: bytes | None = None):
    """A real workbook with one part truncated (or replaced)."""
    import zipfile

    import openpyxl

    good = tmp_path / "good.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["名称", "住所"])
    workbook.active.append(["柏市役所", "柏5-10-1"])
    workbook.save(good)
    bad = tmp_path / f"bad-{part.replace('/', '_')}.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = text if text is not None else data[: cut or len(data) // 2]
            zout.writestr(info, data)
    return bad


@pytest.mark.parametrize(
    ("part", "text"),
    [
        ("xl/workbook.xml", None),
        ("xl/workbook.xml", b"<workbook"),
        ("xl/worksheets/sheet1.xml", None),
        ("xl/styles.xml", None),
        ("[Content_Types].xml", b"not xml"),
    ],
)
def test_damaged_workbook_part_is_exit_2_in_the_cli(tmp_path, part, text):
    """Issue 16: a malformed workbook.xml was an lxml traceback with exit 1; unreadable input is
    exit 2 with the file named and a way to fix it, in both languages."""

    bad = _damaged(tmp_path, part, text=text)
    for lang, expected in (("en", "cannot be opened as an Excel workbook"), ("ja", "開けません")):
        result = subprocess.run(
            [sys.executable, "-m", "tsunagu", "--lang", lang, "validate", str(bad),
             "--schema", "aed-installations"],
            capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert expected in result.stdout + result.stderr
        assert bad.name in result.stdout + result.stderr


def _valid_my_numbers(count: int) -> list[str]:
    import numpy as np

    from tsunagu.identifiers.check_digit import my_number_valid

    rng, found = np.random.default_rng(7), []
    while len(found) < count:
        candidate = "".join(str(d) for d in rng.integers(0, 10, 12))
        if my_number_valid([candidate])[0]:
            found.append(candidate)
    return found


def _ledger(tmp_path, *, hidden_column: list[str] | None = None, hidden_sheet=None):
    """The AED sample as a workbook, with a hidden column or hidden sheet of extra data."""
    import openpyxl
    import pandas as pd

    from tsunagu.config import PROJECT_ROOT

    source = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations/AED設置場所一覧.csv"
    frame = pd.read_csv(source, encoding="cp932", header=1, dtype=str).fillna("")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "一覧"
    header = list(frame.columns) + (["備考2"] if hidden_column else [])
    sheet.append(header)
    for number, row in enumerate(frame.itertuples(index=False)):
        sheet.append(list(row) + ([hidden_column[number]] if hidden_column else []))
    if hidden_column:
        sheet.column_dimensions[openpyxl.utils.get_column_letter(len(header))].hidden = True
    if hidden_sheet:
        extra = workbook.create_sheet("台帳")
        for row in hidden_sheet:
            extra.append(row)
        extra.sheet_state = "hidden"
    path = tmp_path / "aed.xlsx"
    workbook.save(path)
    return path, len(frame)


def _validate_cli(path):
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--lang", "en", "validate", str(path),
         "--schema", "aed-installations"],
        capture_output=True, text=True, env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_my_numbers_in_a_hidden_column_block_like_visible_ones(tmp_path, settings):
    """Issue 16: a hidden column of My Numbers (left out by the mapping, so never scanned) was
    only a "hidden content" warning; it now blocks, naming the sheet, column and rows."""
    path, rows = _ledger(tmp_path, hidden_column=_valid_my_numbers(19))
    result = _validate_cli(path)
    assert result.returncode == 1, result.stdout
    assert "look like My Numbers" in result.stdout
    draft = read(path, settings)
    blocks = [p for p in draft.report.problems if p.code == "excel-hidden-personal-number"]
    assert len(blocks) == 1
    assert blocks[0].severity == "block"
    assert (blocks[0].location.sheet, blocks[0].location.column) == ("一覧", "N")
    assert blocks[0].params["count"] == rows


def test_my_numbers_in_a_hidden_sheet_block(tmp_path, settings):
    numbers = _valid_my_numbers(19)
    ledger = [["氏名", "個人番号"], *[[f"柏 太郎{n}", number] for n, number in enumerate(numbers)]]
    path, _ = _ledger(tmp_path, hidden_sheet=ledger)
    result = _validate_cli(path)
    assert result.returncode == 1, result.stdout
    blocks = [
        p for p in read(path, settings).report.problems if p.code == "excel-hidden-personal-number"
    ]
    assert [(p.location.sheet, p.location.column) for p in blocks] == [("台帳", "B")]


def test_hidden_numbers_that_are_not_my_numbers_only_warn(tmp_path, settings):
    """Order numbers and 12-digit timestamps in a hidden sheet: about 1 in 11 random 12-digit
    numbers passes the check digit, so a column blocks only when most cells do (or its header
    says マイナンバー), as in the visible check."""
    import random

    random.seed(3)
    orders = [str(random.randrange(10**11, 10**12)) for _ in range(40)]
    stamps = [f"2024{m:02d}1512{m:02d}" for m in range(1, 13)]
    ledger = [["受付番号", "受付日時"], *[[o, stamps[n % 12]] for n, o in enumerate(orders)]]
    path, _ = _ledger(tmp_path, hidden_sheet=ledger)
    codes = {p.code for p in read(path, settings).report.problems}
    assert "excel-hidden-personal-number" not in codes
    assert "excel-hidden-content" in codes


def test_sheet_read_in_small_blocks_gives_the_same_draft(tmp_path, settings, monkeypatch):
    """Issue 17: the sheet streams into the table in blocks. With blocks of 7 rows (edges
    everywhere) the table, its row numbers, the facts and every problem are those of one block;
    the title row, notes, a hidden column of My Numbers and a hidden sheet are all still seen."""
    import openpyxl
    import pandas as pd

    from tsunagu.formats import hidden_pii, layout_blocks

    numbers = _valid_my_numbers(240)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["柏市AED設置一覧（令和6年4月1日現在）"])
    sheet.append(["番号", "施設名", "住所", "控え"])
    for i, number in enumerate(numbers):
        sheet.append([i + 1, f"施設{i}", f"柏市柏{i}", number])
    sheet.append([])
    sheet.append(["※ 休館日は除く"])
    sheet.column_dimensions["D"].hidden = True
    extra = book.create_sheet("台帳")
    extra.append(["個人番号"])
    for number in numbers:
        extra.append([number])
    extra.sheet_state = "hidden"
    path = tmp_path / "blocks.xlsx"
    book.save(path)

    def summary(draft):
        problems = [(p.code, p.severity, p.location, p.params) for p in draft.report.problems]
        return draft.table, draft.report.facts, problems

    whole = summary(read(path, settings))
    monkeypatch.setattr(layout_blocks, "BLOCK_ROWS", 7)
    monkeypatch.setattr(hidden_pii, "BLOCK_ROWS", 7)
    table, facts, problems = summary(read(path, settings))
    pd.testing.assert_frame_equal(table, whole[0])
    assert (facts, problems) == whole[1:]
    assert list(table.index) == list(range(3, 243)) and table.loc[242, "控え"] == numbers[-1]
    assert facts["title_rows"] == [{"row": 1, "text": "柏市AED設置一覧（令和6年4月1日現在）"}]
    assert facts["notes_below"] == [{"row": 244, "text": "※ 休館日は除く"}]
    blocks = [p for p in problems if p[0] == "excel-hidden-personal-number"]
    assert [(p[2].sheet, p[2].column, p[3]["count"]) for p in blocks] == [
        ("Sheet", "D", 240),
        ("台帳", "A", 240),
    ]


def test_values_right_of_the_table_are_an_error_not_lost_silently(tmp_path, settings):
    """A value typed to the right of the last headed column would not be read: like a CSV row
    with extra cells it is an error naming the sheet and row, in the CLI too (exit 1)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "一覧"
    sheet.append(["名称", "所在地", "電話番号"])
    for n in range(1, 8):
        sheet.append([f"施設{n}", f"柏市柏{n}丁目", f"04-7167-{n:04d}"])
    sheet.cell(row=5, column=5, value="駐車場あり")  # two columns right of 電話番号
    path = tmp_path / "一覧.xlsx"
    book.save(path)
    draft = read(path, settings)
    (problem,) = [p for p in draft.report.problems if p.code == "sheet-cells-beyond-header"]
    assert problem.severity == "error"
    assert (problem.location.sheet, problem.location.row) == ("一覧", 5)
    assert problem.params == {"count": 5, "expected": 3}
    result = subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "tsunagu", "--lang", "en", "validate", str(path)],
        capture_output=True, text=True, env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert "without a header" in result.stdout, result.stdout
