"""GeoPackageWriter: one layer named by stem, EPSG:4326, same features as the GeoJSON."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely import wkt

from tsunagu.errors import PublishError
from tsunagu.formats import WRITERS
from tsunagu.formats.geopackage_writer import GeoPackageWriter
from tsunagu.model import Draft, Source


@pytest.fixture
def table(data_path) -> pd.DataFrame:
    frame = pd.read_csv(data_path("outputs/facilities.csv"), dtype=str, keep_default_na=False)
    frame.index = range(2, len(frame) + 2)
    return frame


def _write(table, tmp_path: Path, settings) -> tuple[Path, Draft]:
    draft = Draft(source=Source(Path("aed.xlsx")), table=table)
    path = WRITERS.load("gpkg")().write(draft, tmp_path, settings, stem="kashiwa-aed")
    return path, draft


def test_registry_key_gpkg_is_geopackage_writer():
    assert WRITERS.load("gpkg") is GeoPackageWriter


def test_points_table_becomes_one_wgs84_layer(table, tmp_path, settings):
    path, draft = _write(table, tmp_path, settings)
    assert path == tmp_path / "kashiwa-aed.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == ["kashiwa-aed"]
    frame = gpd.read_file(path, layer="kashiwa-aed")
    assert frame.crs.to_epsg() == 4326
    assert frame["ID"].fillna("").tolist() == ["AED001", "AED002", "AED003", ""]
    assert frame["名称"].tolist()[:2] == ["柏市役所本庁舎", "髙田近隣センター"]
    assert (round(frame.geometry.x.iloc[0], 7), round(frame.geometry.y.iloc[0], 7)) == (
        139.9757,
        35.8676123,
    )
    assert draft.report.flatten("row", "code") == [
        (5, "geojson-no-coordinates"),
        (6, "geojson-no-coordinates"),
    ]


def test_rewrite_replaces_the_file(table, tmp_path, settings):
    _write(table, tmp_path, settings)
    path, _ = _write(table.iloc[:1], tmp_path, settings)
    assert len(gpd.read_file(path, layer="kashiwa-aed")) == 1


def test_geodataframe_not_in_wgs84_is_refused(tmp_path, settings):
    frame = gpd.GeoDataFrame(
        {"ID": ["P1"]}, geometry=[wkt.loads("POINT (-5000 -35000)")], crs="EPSG:6677"
    )
    with pytest.raises(PublishError) as caught:
        _write(frame, tmp_path, settings)
    assert caught.value.code == "geojson-crs-not-wgs84"
