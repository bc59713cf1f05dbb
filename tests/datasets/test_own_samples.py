"""Kashiwa's samples of datasets no standard covers (issue 15) are what their manifests say.

``make demo`` publishes them with the standard samples; these checks keep each one the shape it
exists to show (a two-row header with a 合計 row, a CP932 calendar, a polygon GeoPackage in zone
IX, a real PDF) and the generator in step with the committed files.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.datasets.test_samples import KASHIWA, _workbook_content
from tsunagu.manifest import find_manifests, load_manifest

OWN = {
    "kashiwa-population-by-age-group": "shimin/population-by-age-group",
    "kashiwa-garbage-collection-calendar": "haikibutsu/garbage-collection-calendar",
    "kashiwa-flood-hazard-areas": "bousai/flood-hazard-areas",
    "kashiwa-waste-annual-report": "haikibutsu/waste-annual-report",
}


@pytest.fixture(scope="module")
def generator(tmp_path_factory, request):
    """The generator's output in a temporary folder (it imports make_samples beside it)."""
    root = tmp_path_factory.mktemp("own-samples")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.syspath_prepend(str(KASHIWA))
    request.addfinalizer(monkeypatch.undo)
    importlib.import_module("make_own_samples").main(root)
    return root


def test_each_kind_has_its_sample_and_the_kind_the_catalogue_shows():
    manifests = {m.id: m for m in (load_manifest(p) for p in find_manifests(KASHIWA))}
    kinds = {dataset_id: manifests[dataset_id].kind for dataset_id in OWN}
    assert kinds == {
        "kashiwa-population-by-age-group": "own-schema",
        "kashiwa-garbage-collection-calendar": "own-schema",
        "kashiwa-flood-hazard-areas": "own-schema",
        "kashiwa-waste-annual-report": "documents",
    }
    statistics = manifests["kashiwa-population-by-age-group"].statistics
    assert statistics is not None and (statistics.header_rows, statistics.totals) == (2, "drop")


@pytest.mark.parametrize(
    "folder", [f for f in OWN.values() if "report" not in f], ids=lambda f: f.split("/")[1]
)
def test_own_schema_names_the_columns_describe_confirmed(folder):
    schema = json.loads((KASHIWA / folder / "schema.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    assert names and len(names) == len(set(names))
    assert "schema: schema.json" in (KASHIWA / folder / "dataset.yaml").read_text("utf-8")


def test_statistics_sheet_has_a_merged_two_row_header_a_total_row_and_a_secret_cell():
    folder = KASHIWA / OWN["kashiwa-population-by-age-group"]
    sheet = load_workbook(folder / "年齢3区分別人口.xlsx")["年齢3区分"]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A2:A3", "B2:C2", "D2:E2", "F2:G2"}
    assert [c.value for c in sheet[3]][1:3] == ["男", "女"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    body, total = rows[:-1], rows[-1]
    assert total[0] == "合計" and any("x" in row for row in body)
    schema = json.loads(
        (KASHIWA / OWN["kashiwa-population-by-age-group"] / "schema.json").read_text("utf-8")
    )
    assert [f["name"] for f in schema["fields"]][:3] == ["地区", "0～14歳_男", "0～14歳_女"]


def test_garbage_calendar_is_cp932_area_by_item():
    raw = (KASHIWA / OWN["kashiwa-garbage-collection-calendar"] / "ごみ収集日程.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("cp932").splitlines()
    assert lines[0].split(",")[:4] == ["区域", "主な町名", "品目", "収集曜日"]
    pairs = {tuple(line.split(",")[i] for i in (0, 2)) for line in lines[1:]}
    assert len(pairs) == len(lines) - 1 == 16  # one row per 区域 × 品目


def test_hazard_layer_is_polygons_in_zone_ix():
    import geopandas as gpd

    frame = gpd.read_file(KASHIWA / OWN["kashiwa-flood-hazard-areas"] / "浸水想定区域.gpkg")
    assert frame.crs.to_epsg() == 6677
    assert set(frame.geom_type) == {"Polygon"} and len(frame) == 5


def test_report_is_a_pdf_with_its_title_in_the_info_dictionary():
    folder = KASHIWA / OWN["kashiwa-waste-annual-report"]
    raw = (folder / "一般廃棄物処理実績報告書.pdf").read_bytes()
    assert raw.startswith(b"%PDF-1.4") and raw.rstrip().endswith(b"%%EOF")
    title = "一般廃棄物処理実績報告書（令和5年度）".encode("utf-16-be").hex().upper().encode()
    assert b"/Title <FEFF" + title + b">" in raw


def test_generator_reproduces_the_committed_files(generator: Path):
    import geopandas as gpd

    written = sorted(p.relative_to(generator) for p in generator.rglob("*") if p.is_file())
    assert len(written) == 4
    for relative in written:
        fresh, committed = generator / relative, KASHIWA / relative
        if relative.suffix == ".xlsx":
            assert _workbook_content(fresh) == _workbook_content(committed), relative
        elif relative.suffix == ".gpkg":  # the GeoPackage stamps its write time: compare features
            assert gpd.read_file(fresh).equals(gpd.read_file(committed)), relative
        else:
            assert fresh.read_bytes() == committed.read_bytes(), relative
