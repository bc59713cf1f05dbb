from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import Point

from tsunagu.formats.base import ReadOptions
from tsunagu.formats.shapefile import ShapefileZipReader
from tsunagu.geo.points import points_from_table
from tsunagu.geo.prepare import prepare_geodata
from tsunagu.manifest import load_manifest
from tsunagu.model import Draft, Source

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "datasets/kashiwa/bousai/evacuation-sites-gis"


def test_prepare_demo_shapefile_to_wgs84_inside_kashiwa(settings):
    draft = ShapefileZipReader().read(SITES / "evacuation-sites.zip", ReadOptions(), settings)
    out = prepare_geodata(draft, settings)
    assert out.report.problems == []
    assert out.table.crs == CRS.from_epsg(4326)
    facts = out.report.facts
    assert facts["crs_source"] == "file" and facts["crs"] == "EPSG:6677"
    assert facts["features"] == 16 and facts["geometry_types"] == {"Point": 16}
    west, south, east, north = facts["bbox"]
    assert 139.90 <= west < east <= 140.03 and 35.80 <= south < north <= 35.92


def test_prepare_falls_back_to_the_manifest_crs(settings, frame, to_zone_ix):
    manifest = load_manifest(SITES / "dataset.yaml")
    gdf = frame([Point(*to_zone_ix.transform(139.9757, 35.8676))], crs=None)
    draft = Draft(source=Source(path=Path("sites.shp")), table=gdf, manifest=manifest)
    out = prepare_geodata(draft, settings)
    assert out.report.facts["crs_source"] == "declared"
    assert out.table.geometry[1].x == pytest.approx(139.9757, abs=1e-7)


def test_prepare_without_any_crs_is_an_error_not_a_guess(settings, frame):
    draft = Draft(source=Source(path=Path("sites.shp")), table=frame([Point(1, 2)], crs=None))
    out = prepare_geodata(draft, settings)
    assert out.report.flatten("file", "code") == [("sites.shp", "crs-missing")]
    assert out.table.crs is None


def test_prepare_points_from_a_table(settings):
    table = pd.DataFrame(
        {"名称": ["柏市役所", "東京都庁", "未入力"], "緯度": ["35.8676", "35.6895", ""],
         "経度": ["139.9757", "139.6917", ""]},
        index=[2, 3, 4],
    )  # fmt: skip
    draft = points_from_table(Draft(source=Source(path=Path("aed.csv")), table=table))
    out = prepare_geodata(draft, settings)
    assert out.report.flatten("row", "feature", "code") == [
        (4, None, "location-missing"),
        (None, 3, "geometry-outside-municipality"),
    ]  # row 4's null geometry is not reported twice
    assert out.report.facts["crs_source"] == "points"
    assert out.report.facts["geometry_types"] == {"Point": 2}


def test_file_crs_wins_over_a_different_declared_crs_with_a_warning(settings, frame, to_zone_ix):
    manifest = load_manifest(SITES / "dataset.yaml")  # declares EPSG:6677
    gdf = frame([Point(139.9757, 35.8676)], crs="EPSG:6668")
    draft = Draft(source=Source(path=Path("sites.geojson")), table=gdf, manifest=manifest)
    out = prepare_geodata(draft, settings)
    assert out.report.flatten("code") == [("crs-declared-mismatch",)]
    assert out.report.problems[0].params == {"found": "EPSG:6668", "declared": "EPSG:6677"}
    assert out.table.geometry[1].x == pytest.approx(139.9757, abs=1e-9)
