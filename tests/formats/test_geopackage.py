from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pyproj import CRS

from tsunagu.errors import FormatError
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.geopackage import GeoPackageReader

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "datasets/kashiwa/bousai/areas/areas.gpkg"


def refused(path: Path, settings, **options) -> FormatError:
    with pytest.raises(FormatError) as info:
        GeoPackageReader().read(path, ReadOptions(**options), settings)
    assert info.value.problem.location.file == path.name
    return info.value


def test_several_layers_and_none_chosen_lists_the_layers(data_path, settings):
    error = refused(data_path("gis/two_layers.gpkg"), settings)
    assert error.code == "gis-layer-ambiguous"
    assert error.problem.params == {"layers": "shelters, areas"}
    assert "shelters, areas" in error.message_ja


def test_the_chosen_layer_is_read(data_path, settings):
    draft = GeoPackageReader().read(
        data_path("gis/two_layers.gpkg"), ReadOptions(layer="shelters"), settings
    )
    assert draft.table.loc[1, "施設名"] == "柏第一小学校" and len(draft.table) == 3
    assert draft.table.crs == CRS.from_epsg(6677)
    assert draft.report.facts == {"crs_source": "file", "layer": "shelters"}


def test_unknown_layer_is_an_error(data_path, settings):
    error = refused(data_path("gis/two_layers.gpkg"), settings, layer="evil; DROP TABLE x")
    assert error.code == "gis-layer-not-found"
    assert error.problem.params["layers"] == "shelters, areas"


def test_plain_sqlite_is_not_a_geopackage(tmp_path, settings):
    path = tmp_path / "data.gpkg"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    assert refused(path, settings).code == "gpkg-not-geopackage"
    assert not GeoPackageReader().sniff(path.read_bytes()[:100], path)


def test_demo_areas(settings):
    draft = GeoPackageReader().read(DEMO, ReadOptions(), settings)
    assert len(draft.table) == 5 and set(draft.table.geom_type) == {"Polygon"}
    assert draft.table.loc[1, "地域名"] == "柏一丁目" and draft.table.loc[1, "総人口"] == "2400"
    assert GeoPackageReader().sniff(DEMO.read_bytes()[:100], DEMO)


def test_damaged_geopackage_is_unreadable_not_a_crash(data_path, tmp_path, settings):
    path = tmp_path / "damaged.gpkg"
    path.write_bytes(data_path("gis/two_layers.gpkg").read_bytes()[:1024] + b"\0garbage" * 64)
    error = refused(path, settings, layer="shelters")
    assert error.code == "gis-unreadable"
