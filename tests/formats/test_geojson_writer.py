"""GeoJsonWriter writes RFC 7946: no crs, 7 decimals, right-hand rule, bbox, ids, nulls."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import wkt

from tsunagu.errors import PublishError
from tsunagu.formats import WRITERS
from tsunagu.formats.geojson_writer import GeoJsonWriter
from tsunagu.model import Draft, Source


@pytest.fixture
def table(data_path) -> pd.DataFrame:
    frame = pd.read_csv(data_path("outputs/facilities.csv"), dtype=str, keep_default_na=False)
    frame.index = range(2, len(frame) + 2)  # record numbers, as a reader would set them
    return frame


def _write(table, tmp_path: Path, settings, name: str = "aed.xlsx") -> tuple[dict, str, Draft]:
    draft = Draft(source=Source(Path(name)), table=table)
    path = WRITERS.load("geojson")().write(draft, tmp_path, settings, stem="aed")
    assert path == tmp_path / "aed.geojson"
    text = path.read_text(encoding="utf-8")
    return json.loads(text), text, draft


def test_registry_key_geojson_is_geojson_writer():
    assert WRITERS.load("geojson") is GeoJsonWriter


def test_points_from_lat_lon_have_ids_rounding_bbox_and_nulls(table, tmp_path, settings):
    doc, text, _ = _write(table, tmp_path, settings)
    assert "crs" not in doc
    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == ["AED001", "AED002", "AED003", 7]
    first = doc["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [139.9757, 35.8676123]}
    assert doc["features"][3]["geometry"]["coordinates"] == [139.9512346, 35.8983456]
    assert doc["bbox"] == [139.9512346, 35.8676123, 139.9757, 35.8983456]
    # properties are the table's text, empty cells null; 緯度 keeps the department's digits
    assert first["properties"]["緯度"] == "35.8676123456"
    assert doc["features"][1]["properties"]["電話番号"] is None
    assert doc["features"][1]["properties"]["名称"] == "髙田近隣センター"
    assert doc["features"][2]["properties"]["備考"] == "2行の\r\n備考"
    assert "髙田" in text and "①番館" in text  # UTF-8, not \\u escapes
    numbers = re.findall(r'"coordinates":\[([^\]]*)\]', text)
    assert all(len(n.split(".")[1]) <= 7 for pair in numbers for n in pair.split(","))


def test_rows_without_position_are_left_out_and_reported(table, tmp_path, settings):
    doc, _, draft = _write(table, tmp_path, settings)
    assert len(doc["features"]) == 4
    assert draft.report.flatten("file", "row", "code") == [
        ("aed.xlsx", 5, "geojson-no-coordinates"),
        ("aed.xlsx", 6, "geojson-no-coordinates"),
    ]
    assert draft.report.facts["geojson_features"] == 4


def test_features_are_written_one_per_line(table, tmp_path, settings):
    _, text, _ = _write(table, tmp_path, settings)
    lines = text.splitlines()
    assert lines[0].startswith('{"type":"FeatureCollection","bbox":')
    assert [json.loads(line.rstrip(","))["type"] for line in lines[1:-1]] == ["Feature"] * 4
    assert lines[-1] == "]}"


CLOCKWISE_WITH_HOLE = (
    "POLYGON ((139.9 35.8, 139.9 35.9, 140.0 35.9, 140.0 35.8, 139.9 35.8),"
    " (139.92 35.82, 139.98 35.82, 139.98 35.88, 139.92 35.88, 139.92 35.82))"
)


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def test_polygons_follow_right_hand_rule(tmp_path, settings):
    frame = gpd.GeoDataFrame(
        {"ID": ["Z1"], "名称": ["柏の葉地区"]},
        geometry=[wkt.loads(CLOCKWISE_WITH_HOLE)],
        crs="EPSG:4326",
        index=[2],
    )
    assert frame.geometry.iloc[0].exterior.is_ccw is False  # the input really is clockwise
    doc, _, _ = _write(frame, tmp_path, settings)
    exterior, hole = doc["features"][0]["geometry"]["coordinates"]
    assert _signed_area(exterior) > 0  # counter-clockwise
    assert _signed_area(hole) < 0  # clockwise
    assert doc["bbox"] == [139.9, 35.8, 140.0, 35.9]
    assert doc["features"][0]["properties"] == {"ID": "Z1", "名称": "柏の葉地区"}


def test_geodataframe_coordinates_rounded_and_empty_geometry_reported(tmp_path, settings):
    frame = gpd.GeoDataFrame(
        {"ID": ["P1", "P2"]},
        geometry=[wkt.loads("POINT (139.97123456789 35.86123449)"), None],
        crs="EPSG:4326",
        index=[2, 3],
    )
    doc, _, draft = _write(frame, tmp_path, settings, name="aed.gpkg")
    assert [f["geometry"]["coordinates"] for f in doc["features"]] == [[139.9712346, 35.8612345]]
    assert draft.report.flatten("row", "code") == [(3, "geojson-no-geometry")]


def test_refuses_geodataframe_not_in_wgs84(tmp_path, settings):
    frame = gpd.GeoDataFrame(
        {"ID": ["P1"]}, geometry=[wkt.loads("POINT (-5000 -35000)")], crs="EPSG:6677"
    )
    with pytest.raises(PublishError) as caught:
        _write(frame, tmp_path, settings)
    assert caught.value.code == "geojson-crs-not-wgs84"
    assert "EPSG:6677" in caught.value.message_en


def test_more_than_100_left_out_rows_are_summarised(tmp_path, settings):
    table = pd.DataFrame({"ID": [f"X{i}" for i in range(103)], "緯度": "", "経度": ""})
    table.index = range(2, 105)
    doc, _, draft = _write(table, tmp_path, settings)
    assert doc == {"type": "FeatureCollection", "features": []}
    codes = [p.code for p in draft.report.problems]
    assert codes == ["geojson-no-coordinates"] * 100 + ["geojson-rows-left-out-more"]
    assert draft.report.problems[-1].params == {"count": 3}


# The column-wise point writer against the per-feature one (``json.dumps``), which is the byte
# rule: every JSON escape, ids from ID or the row, rows left out, block edges, GeoDataFrames.
TRICKY = ["", "a", 'a"b', "a\\b", "a\nb", "\t", "\x01", "\u2028", "漢字", "😀", "</", None]


def _both_ways(table, monkeypatch) -> tuple[str, str, bool]:
    import io

    from tsunagu.formats import geojson_writer

    features = geojson_writer._Features(table, "x.geojson")
    fast = geojson_writer._point_blocks(features) is not None
    new = io.StringIO()
    geojson_writer._write_collection(features, new)
    monkeypatch.setattr(geojson_writer, "_point_blocks", lambda _features: None)
    old = io.StringIO()
    geojson_writer._write_collection(features, old)
    return new.getvalue(), old.getvalue(), fast


def _tricky_table(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ID": [TRICKY[(i * 5) % len(TRICKY)] for i in range(rows)],
            '名"称': [TRICKY[(i * 7) % len(TRICKY)] for i in range(rows)],
            "緯度": [["35.1", "", "x", "35.123456789", "-0.0"][i % 5] for i in range(rows)],
            "経度": [["139.5", "140.00000001", "", "0"][i % 4] for i in range(rows)],
        },
        index=range(3, 3 + rows),
    )


@pytest.mark.parametrize("block", [1, 3, 100_000])
@pytest.mark.parametrize("arrow_text", [False, True])
@pytest.mark.parametrize("with_id", [False, True])
def test_point_blocks_give_the_per_feature_bytes(monkeypatch, block, arrow_text, with_id):
    from tsunagu.formats import geojson_writer

    monkeypatch.setattr(geojson_writer, "BLOCK_ROWS", block)
    table = _tricky_table(37)
    table = table if with_id else table.drop(columns="ID")
    table = table.astype("str") if arrow_text else table
    new, old, fast = _both_ways(table, monkeypatch)
    assert fast
    assert new == old


def test_point_blocks_of_a_geodataframe_and_the_rest_per_feature(monkeypatch):
    from shapely import Point, box

    table = _tricky_table(20)
    points = [Point(139 + i / 7, 35 + i / 11) if i % 6 else None for i in range(20)]
    new, old, fast = _both_ways(gpd.GeoDataFrame(table, geometry=points, crs=4326), monkeypatch)
    assert fast and new == old
    mixed = gpd.GeoDataFrame(table[:2], geometry=[Point(1, 2), box(0, 0, 1, 1)], crs=4326)
    new, old, fast = _both_ways(mixed, monkeypatch)
    assert not fast and new == old
