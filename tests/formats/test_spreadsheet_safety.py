"""Formula-injection neutralisation for spreadsheet exports (ASVS 5.0 V1.2.10)."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from tsunagu.formats.spreadsheet_safety import (
    EXCEL_MAX_CELL_CHARS,
    excel_text,
    is_formula_like,
    neutralize_formula,
)

HYPERLINK = '=HYPERLINK("http://127.0.0.1/x?"&A2,"click")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1,1)", "'@SUM(1,1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\x00=1", "'\x00=1"),
        ("-42", "'-42"),  # a text column: even a number-like value is quoted
        ("柏市役所", "柏市役所"),
        ("04-7167-1111", "04-7167-1111"),
        ("＝1+1", "＝1+1"),  # full-width is not evaluated, so not changed
        (" =1", " =1"),
        ("", ""),
    ],
)
def test_neutralize_formula_text_columns(value, expected):
    assert neutralize_formula(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-42", "-42"),
        ("+1.5", "+1.5"),
        ("-3e5", "-3e5"),
        ("-.5", "-.5"),
        ("-2+3", "'-2+3"),  # not a number: still quoted in a numeric column
        ("=1", "'=1"),
        ("-", "'-"),
        ("42", "42"),
    ],
)
def test_neutralize_formula_numeric_columns(value, expected):
    assert neutralize_formula(value, numeric=True) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=A1", True),
        ("+81", True),
        ("@x", True),
        ("\tx", True),
        ("＝ＳＵＭ(1)", True),
        ("＋81", True),
        ("－1", True),
        ("＠home", True),
        ("柏", False),
        ("a=b", False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_is_formula_like(value, expected):
    assert is_formula_like(value) is expected


def test_excel_text_replaces_illegal_characters_and_caps_length():
    assert excel_text("a\x01b\x1fc") == "a\ufffdb\ufffdc"
    assert excel_text("\x00=1") == "'\ufffd=1"
    assert excel_text("改行\nと\tタブ") == "改行\nと\tタブ"
    long = excel_text("x" * (EXCEL_MAX_CELL_CHARS + 10))
    assert len(long) == EXCEL_MAX_CELL_CHARS and long.endswith("…")


def test_openpyxl_stores_neutralized_text_as_strings(tmp_path):
    values = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1", "\x00=cmd"]
    wb = Workbook()
    ws = wb.active
    for value in values:
        ws.append([excel_text(value)])
    ws.append([HYPERLINK])  # control: openpyxl alone makes this a formula
    path = tmp_path / "t.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert len(re.findall(r"<f[ >]", xml)) == 1  # only the control row
    cells = [row[0] for row in load_workbook(path).active.iter_rows(max_row=len(values))]
    assert [c.data_type for c in cells] == ["s"] * len(values)
    assert cells[0].value == "'" + HYPERLINK
