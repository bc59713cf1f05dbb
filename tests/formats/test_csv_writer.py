"""The standard CSV is byte-exact UTF-8 (no BOM), CRLF, RFC 4180; the Excel CSV has a BOM."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from tsunagu.formats import WRITERS
from tsunagu.formats.csv_writer import StandardCsvWriter, write_excel_csv
from tsunagu.model import Draft, Source

HEADER = "ID,名称,所在地_連結表記,緯度,経度,電話番号,備考"


@pytest.fixture
def table(data_path) -> pd.DataFrame:
    frame = pd.read_csv(
        data_path("outputs/facilities.csv"), dtype=str, keep_default_na=False, encoding="utf-8"
    )
    frame.index = range(2, len(frame) + 2)
    return frame


def _write(table: pd.DataFrame, tmp_path: Path, settings) -> bytes:
    draft = Draft(source=Source(Path("aed.xlsx")), table=table)
    path = WRITERS.load("csv")().write(draft, tmp_path, settings, stem="aed")
    assert path == tmp_path / "aed.csv"
    return path.read_bytes()


def test_registry_key_csv_is_standard_csv_writer():
    assert WRITERS.load("csv") is StandardCsvWriter


def test_standard_csv_round_trips_the_source_bytes(table, tmp_path, settings, data_path):
    # The fixture file was written by hand following the same rule: the bytes must be identical.
    assert _write(table, tmp_path, settings) == data_path("outputs/facilities.csv").read_bytes()


def test_standard_csv_is_utf8_without_bom_with_crlf_header(table, tmp_path, settings):
    data = _write(table, tmp_path, settings)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.startswith((HEADER + "\r\n").encode("utf-8"))
    assert "髙田近隣センター".encode() in data
    assert "①番館".encode() in data
    # Every record ends with CRLF; the only bare line break is the one quoted inside a cell.
    assert data.count(b"\r\n") == 8
    assert data.endswith(b"\r\n")


def test_standard_csv_quotes_only_when_needed(table, tmp_path, settings):
    text = _write(table, tmp_path, settings).decode("utf-8")
    assert '"1階, 正面玄関"' in text
    assert '"""夜間"" は閉館"' in text
    assert "AED001,柏市役所本庁舎," in text  # plain cells are not quoted


def test_standard_csv_keeps_formula_like_text_byte_exact(tmp_path, settings):
    table = pd.DataFrame({"ID": ["A1", "A2"], "備考": ["=1+2", "-5"]}, index=[2, 3])
    assert (
        _write(table, tmp_path, settings) == b"ID,\xe5\x82\x99\xe8\x80\x83\r\nA1,=1+2\r\nA2,-5\r\n"
    )


def test_standard_csv_of_geodataframe_drops_geometry(tmp_path, settings):
    frame = gpd.GeoDataFrame(
        {"ID": ["P1"], "名称": ["柏駅"]}, geometry=[Point(139.97, 35.86)], crs="EPSG:4326"
    )
    assert _write(frame, tmp_path, settings) == "ID,名称\r\nP1,柏駅\r\n".encode()


def test_excel_csv_has_bom_and_neutralizes_formulas(tmp_path):
    table = pd.DataFrame(
        {"名称": ['=HYPERLINK("x")', "@SUM(A1)", "柏"], "高度の値": ["-3.5", "-2+3", "10"]}
    )
    path = write_excel_csv(table, tmp_path / "aed.excel.csv", numeric_columns=["高度の値"])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["名称", "高度の値"],
        ['\'=HYPERLINK("x")', "-3.5"],
        ["'@SUM(A1)", "'-2+3"],
        ["柏", "10"],
    ]
    assert data.count(b"\r\n") == 4


# The column-wise writer (polars, in blocks) against the csv module's row writer, which is the
# byte rule: every quoting case, empty and missing cells, block edges, pandas' Arrow text.
TRICKY = ["", "a", 'a"b', "a,b", "a\nb", "a\rb", "\r\n", " a ", "\t", "\u2028", "漢字", "=1", None]


def _row_written(table: pd.DataFrame, path: Path) -> bytes:
    from tsunagu.formats.csv_writer import ENCODING, _write_rows

    return _write_rows(table, path, ENCODING, lambda _i, value: value).read_bytes()


@pytest.mark.parametrize("columns", [2, 3])
@pytest.mark.parametrize("arrow_text", [False, True])
@pytest.mark.parametrize("block", [1, 4, 100_000])
def test_block_writer_gives_the_row_writers_bytes(
    tmp_path, monkeypatch, columns, arrow_text, block
):
    from tsunagu.formats import csv_writer
    from tsunagu.formats.csv_writer import write_standard_csv

    cells = [TRICKY[(i * 7 + j * 3) % len(TRICKY)] for i in range(40) for j in range(columns)]
    table = pd.DataFrame(
        [cells[i * columns : (i + 1) * columns] for i in range(40)],
        columns=["a,b", *(f"c{j}" for j in range(1, columns))],
        index=range(3, 43),
    )
    if arrow_text:
        table = table.astype("str")
    monkeypatch.setattr(csv_writer, "BLOCK_ROWS", block)
    assert csv_writer._write_blocks(table, tmp_path / "blocks.csv")
    written = write_standard_csv(table, tmp_path / "new.csv").read_bytes()
    assert written == _row_written(table, tmp_path / "rows.csv")


def test_one_column_and_non_text_tables_keep_the_row_writer(tmp_path):
    from tsunagu.formats.csv_writer import _write_blocks, write_standard_csv

    one = pd.DataFrame({"a": ["x", "", None]})
    mixed = pd.DataFrame({"a": ["x", "y"], "b": [1, 2.5]})
    for table in (one, mixed):
        assert not _write_blocks(table, tmp_path / "blocks.csv")
        written = write_standard_csv(table, tmp_path / "new.csv").read_bytes()
        assert written == _row_written(table, tmp_path / "rows.csv")
    assert write_standard_csv(one, tmp_path / "one.csv").read_bytes() == b'a\r\nx\r\n""\r\n""\r\n'
