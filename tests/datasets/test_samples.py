"""Kashiwa's sample departmental files are as messy as their manifests and README say.

The demo and the integration tests rely on these files having the encoding, title rows and
layout they claim, and on every manifest mapping naming real columns of the file and real fields
of the standard; a mapping typo would otherwise only show up as a confusing demo report.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tsunagu.config import PROJECT_ROOT
from tsunagu.manifest import Manifest, SourceSpec, find_manifests, load_manifest

KASHIWA = PROJECT_ROOT / "datasets" / "kashiwa"
SCHEMAS = PROJECT_ROOT / "datasets" / "schemas"
TABLE_SUFFIXES = (".csv", ".xlsx")
# Filled by the platform when the file has no such column (municipality.yaml, generated IDs).
PLATFORM_FILLED = {"全国地方公共団体コード", "地方公共団体名", "ID"}
HALF_WIDTH_KANA = re.compile(r"[\uff66-\uff9f]")
FULL_WIDTH_DIGIT = re.compile(r"[０-９]")
WAREKI = re.compile(r"^(令和|平成|昭和|[RHSＲＨＳ])")


def _manifests() -> list[Manifest]:
    return [load_manifest(path) for path in find_manifests(KASHIWA)]


# Standard datasets only: the samples of issue 15 (own schema, statistics, documents) have their
# own checks below.
TABLE_MANIFESTS = [
    m for m in _manifests() if m.standard and m.sources[0].path.suffix in TABLE_SUFFIXES
]


def _manifest(dataset_id: str) -> Manifest:
    return next(m for m in TABLE_MANIFESTS if m.id == dataset_id)


def _schema(slug: str, layout: str | None = None) -> dict[str, Any]:
    suffix = f".{layout}" if layout and layout != "current" else ""
    name = f"{slug}{suffix}.schema.json"
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def _field_names(schema: dict[str, Any]) -> list[str]:
    return [field["name"] for field in schema["fields"]]


def _required(schema: dict[str, Any]) -> set[str]:
    return {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")}


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_decode(path.read_bytes()))))


def _header(spec: SourceSpec) -> list[str]:
    row = spec.header_row or 1
    if spec.path.suffix == ".csv":
        return _csv_rows(spec.path)[row - 1]
    sheet = load_workbook(spec.path)[spec.sheet] if spec.sheet else load_workbook(spec.path).active
    return [str(cell.value) for cell in sheet[row] if cell.value is not None]


def _column(rows: list[list[str]], header_index: int, name: str) -> list[str]:
    position = rows[header_index].index(name)
    return [row[position] for row in rows[header_index + 1 :]]


# --- encodings, title rows and layouts ---------------------------------------------------------


def test_aed_csv_is_cp932_with_a_title_line() -> None:
    raw = _manifest("kashiwa-aed-installations").sources[0].path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp932"))))
    assert rows[0][0] == "柏市AED設置場所一覧（令和6年4月1日現在）"
    assert set(rows[0][1:]) == {""}
    assert "緯度（世界測地系）" in rows[1]
    assert all(HALF_WIDTH_KANA.search(kana) for kana in _column(rows, 1, "フリガナ"))
    assert all(WAREKI.match(day) for day in _column(rows, 1, "設置開始日"))
    assert {"令和3年4月1日", "H30.4.1"} <= set(_column(rows, 1, "設置開始日"))
    assert "0471671111" in _column(rows, 1, "電話番号")
    assert "9時～21時" in _column(rows, 1, "利用可能時間")
    assert any(FULL_WIDTH_DIGIT.search(cell) for row in rows[2:] for cell in row)
    assert 15 <= len(rows) - 2 <= 60


def test_child_care_csv_is_cp932_with_messy_phones_and_wareki() -> None:
    raw = _manifest("kashiwa-child-care-facilities").sources[0].path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp932"))))
    phones = set(_column(rows, 0, "電話番号"))
    assert {"04(7167)1111", "０４－７１６７－１１１１", "0471671111"} <= phones
    assert all(WAREKI.match(day) for day in _column(rows, 0, "開設年月日"))


def test_cultural_properties_name_is_empty_on_file_row_8_only() -> None:
    manifest = _manifest("kashiwa-cultural-properties")
    raw = manifest.sources[0].path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp932"))))
    names = _column(rows, 0, "文化財名")
    empty_file_rows = [i + 2 for i, name in enumerate(names) if not name]  # header is row 1
    assert empty_file_rows == [8]
    assert rows[7][rows[0].index("通称")] == "布施弁天の鐘楼"
    assert [(k["row"], k["column"]) for k in manifest.known_problems] == [(8, "文化財名")]


def test_public_toilets_csv_is_the_2020_layout_with_a_bom() -> None:
    manifest = _manifest("kashiwa-public-toilets")
    raw = manifest.sources[0].path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert manifest.layout == "suisho2020"
    header = _csv_rows(manifest.sources[0].path)[0]
    assert header == _field_names(_schema("public-toilets", "suisho2020"))
    assert "都道府県コード又は市区町村コード" not in _field_names(_schema("public-toilets"))


@pytest.mark.parametrize(
    "dataset_id", ["kashiwa-public-wireless-lan", "kashiwa-population-by-area-and-age"]
)
def test_utf8_csv_has_no_bom(dataset_id: str) -> None:
    raw = _manifest(dataset_id).sources[0].path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")


def test_population_totals_add_up() -> None:
    rows = _csv_rows(_manifest("kashiwa-population-by-area-and-age").sources[0].path)
    header, body = rows[0], rows[1:]
    assert len(body) == 24
    for row in body:
        cell = dict(zip(header, row, strict=True))
        men = sum(int(v) for k, v in cell.items() if k.endswith("歳男") or k == "85歳以上男")
        women = sum(int(v) for k, v in cell.items() if k.endswith("歳女") or k == "85歳以上女")
        assert int(cell["男"]) == men
        assert int(cell["女"]) == women
        assert int(cell["総数"]) == men + women
        assert cell["基準日"] == "令和6年4月1日"


def test_evacuation_xlsx_has_a_title_and_a_blank_row_before_the_header() -> None:
    spec = _manifest("kashiwa-designated-emergency-evacuation-sites").sources[0]
    sheet = load_workbook(spec.path)["避難場所"]
    assert sheet["A1"].value == "柏市指定緊急避難場所一覧（令和6年4月1日現在）"
    assert all(cell.value is None for cell in sheet[2])
    assert spec.header_row == 3
    assert sheet["A3"].value == "番号"
    marks = {cell.value for column in sheet.iter_cols(min_col=10, max_col=18, min_row=4)
             for cell in column}  # fmt: skip
    assert marks == {"１", None}
    header = [cell.value for cell in sheet[3]]
    position = header.index("想定収容人数")
    capacities = [str(row[position].value) for row in sheet.iter_rows(min_row=4)]
    assert any(FULL_WIDTH_DIGIT.search(value) for value in capacities)


def test_events_xlsx_has_a_merged_title_real_dates_and_wareki_text() -> None:
    spec = _manifest("kashiwa-events").sources[0]
    sheet = load_workbook(spec.path)["イベント"]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:S1"]
    assert sheet["A1"].value == "柏市イベント情報（令和6年度）"
    header = [cell.value for cell in sheet[spec.header_row]]
    starts = [row[header.index("開催日")] for row in sheet.iter_rows(min_row=4)]
    assert all(isinstance(cell.value, datetime) for cell in starts)
    assert all(cell.is_date for cell in starts)
    ends = [row[header.index("終了日")].value for row in sheet.iter_rows(min_row=4)]
    assert all(WAREKI.match(day) for day in ends)
    times = [row[header.index("開始時刻")].value for row in sheet.iter_rows(min_row=4)]
    assert all(re.fullmatch(r"\d{1,2}時\d{2}分", t) for t in times)


# --- manifests against files and schemas --------------------------------------------------------


@pytest.mark.parametrize("manifest", TABLE_MANIFESTS, ids=lambda m: m.id)
def test_mapping_names_real_columns_and_standard_fields(manifest: Manifest) -> None:
    header = _header(manifest.sources[0])
    schema_fields = _field_names(_schema(manifest.standard, manifest.layout))
    assert set(manifest.columns) <= set(header), "mapped columns missing from the file"
    targets = {t for t in manifest.columns.values() if t is not None}
    assert targets <= set(schema_fields), "mapping targets not in the schema"
    unmapped = [c for c in header if c not in manifest.columns and c not in schema_fields]
    assert unmapped == [], "file columns the manifest leaves undecided"
    current = _field_names(_schema(manifest.standard))
    assert set(manifest.constants) <= set(current)
    assert set(manifest.allow_personal_columns) <= set(current)


@pytest.mark.parametrize("manifest", TABLE_MANIFESTS, ids=lambda m: m.id)
def test_required_fields_are_covered(manifest: Manifest) -> None:
    header = _header(manifest.sources[0])
    schema = _schema(manifest.standard, manifest.layout)
    covered = {manifest.columns.get(c, c) for c in header} | set(manifest.constants)
    missing = _required(schema) - covered - PLATFORM_FILLED
    assert missing == set()


def test_sample_coordinates_lie_in_kashiwa() -> None:
    for manifest in TABLE_MANIFESTS:
        spec = manifest.sources[0]
        if spec.path.suffix != ".csv":
            continue
        rows = _csv_rows(spec.path)[(spec.header_row or 1) - 1 :]
        lat = next((c for c, t in manifest.columns.items() if t == "緯度"), "緯度")
        lon = next((c for c, t in manifest.columns.items() if t == "経度"), "経度")
        if lat not in rows[0]:
            continue
        for y, x in zip(_column(rows, 0, lat), _column(rows, 0, lon), strict=True):
            y_value, x_value = float(y.translate(_FULL)), float(x.translate(_FULL))
            assert 35.80 <= y_value <= 35.92, (manifest.id, y)
            assert 139.90 <= x_value <= 140.04, (manifest.id, x)


_FULL = str.maketrans("０１２３４５６７８９．", "0123456789.")


# --- the generator ------------------------------------------------------------------------------


def test_make_samples_reproduces_the_committed_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(KASHIWA))
    make_samples = importlib.import_module("make_samples")
    make_samples.main(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 8
    for relative in written:
        fresh, committed = tmp_path / relative, KASHIWA / relative
        if relative.suffix == ".xlsx":  # openpyxl serialises differently with and without lxml
            assert _workbook_content(fresh) == _workbook_content(committed), relative
        else:
            assert fresh.read_bytes() == committed.read_bytes(), relative


def _workbook_content(path: Path) -> list:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [
        (
            sheet.title,
            sheet.sheet_state,
            sorted(str(r) for r in sheet.merged_cells.ranges),
            [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()],
        )
        for sheet in book.worksheets
    ]
