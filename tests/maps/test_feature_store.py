"""tsunagu.services.features: columns, spatial index, filters, grid cells, LRU (no Flask)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.services.features import (
    FeatureQuery,
    FeatureQueryError,
    FeatureStore,
    FeaturesUnreadable,
    load_layer,
    page_json,
    query_etag,
    query_layer,
)
from tsunagu.webapp.api.features import parse_query

RING = [[139.90, 35.80], [139.92, 35.80], [139.92, 35.82], [139.90, 35.80]]
POINT = {"type": "Point", "coordinates": [139.97, 35.86]}
MIXED = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "p1", "geometry": POINT,
         "properties": {"名称": "柏駅前", "定員": 120, "備考": None}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [RING]},
         "properties": {"名称": "避難区域A"}},
        {"type": "Feature", "id": "nowhere", "geometry": None, "properties": {"名称": "位置なし"}},
        {"type": "Feature", "id": "bad", "geometry": {"type": "Nonsense", "coordinates": 1},
         "properties": {}},
    ],
}  # fmt: skip


@pytest.fixture
def layer_path(tmp_path):
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(MIXED, ensure_ascii=False), encoding="utf-8")
    return path


def test_load_layer_keeps_points_polygons_and_stringifies_properties(layer_path):
    layer = load_layer(layer_path)
    assert layer.fields == ["名称", "定員", "備考"]
    assert layer.ids == ["p1", 2, "nowhere", "bad"]
    result = query_layer(layer, FeatureQuery())
    assert result["total"] == 2  # features without a usable geometry are not on the map
    point, polygon = result["features"]
    assert point["properties"] == {"名称": "柏駅前", "定員": "120", "備考": ""}
    assert point["geometry"] == {"type": "Point", "coordinates": [139.97, 35.86]}
    assert polygon["geometry"]["type"] == "Polygon"


def test_bbox_intersects_polygon_envelopes(layer_path):
    layer = load_layer(layer_path)
    hits = query_layer(layer, FeatureQuery(bbox=(139.915, 35.815, 139.95, 35.85)))
    assert [f["id"] for f in hits["features"]] == [2]


def test_q_is_case_insensitive_substring_over_every_field(layer_path):
    layer = load_layer(layer_path)
    assert query_layer(layer, FeatureQuery(q="駅"))["total"] == 1
    assert query_layer(layer, FeatureQuery(q="120"))["total"] == 1
    assert query_layer(layer, FeatureQuery(q="zzz"))["total"] == 0


def test_grid_cells_count_every_match(tmp_path):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.9 + i * 1e-4, 35.85]},
         "properties": {"n": str(i)}}
        for i in range(1000)
    ]  # fmt: skip
    path = tmp_path / "many.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = query_layer(load_layer(path), FeatureQuery(zoom=11, limit=10))
    assert result["mode"] == "grid"
    assert sum(c["count"] for c in result["cells"]) == 1000
    assert len(result["features"]) == 10
    assert query_layer(load_layer(path), FeatureQuery(limit=10))["mode"] == "features"


@pytest.mark.parametrize(
    "args",
    [{"bbox": "1,2,3"}, {"bbox": "3,0,1,1"}, {"limit": "-1"}, {"offset": "100001"}, {"zoom": "x"}],
)
def test_parse_query_rejects_bad_values(args):
    with pytest.raises(FeatureQueryError):
        parse_query(args)


def test_parse_query_separates_field_filters():
    query = parse_query({"bbox": "139,35,140,36", "zoom": "12", "名称": "柏", "q": "駅"})
    assert query.bbox == (139.0, 35.0, 140.0, 36.0)
    assert (query.zoom, query.q, dict(query.filters)) == (12, "駅", {"名称": "柏"})


@pytest.mark.parametrize("content", ["{", "[" * 100_000, '{"features": 3}', "null"])
def test_unreadable_published_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "broken.geojson"
    path.write_text(content)
    with pytest.raises(FeaturesUnreadable, match="publish the dataset again"):
        load_layer(path)


def test_store_loads_once_per_checksum_and_evicts_least_recent(layer_path):
    calls = []
    versions = {"a": "sha-1", "b": "sha-1", "c": "sha-1"}

    def opener(dataset_id):
        calls.append(dataset_id)
        return layer_path, versions[dataset_id]

    store = FeatureStore(opener, max_layers=2, lookup_ttl=0)
    first = store.layer("a")
    assert store.layer("a") is first
    store.layer("b")
    store.layer("c")  # evicts "a"
    assert len(store) == 2
    assert store.layer("a") is not first
    versions["b"] = "sha-2"  # a new version is a new entry
    assert store.query("b", FeatureQuery())["dataset"] == "b"
    assert store.nbytes > 0
    assert calls.count("a") == 3  # no lookup cache with lookup_ttl=0


def test_store_reuses_the_catalogue_lookup_for_a_while(layer_path):
    calls = []
    store = FeatureStore(lambda i: calls.append(i) or (layer_path, "sha"), lookup_ttl=60)
    for _ in range(5):
        store.query("a", FeatureQuery())
    assert calls == ["a"]


def test_unfiltered_whole_layer_views_are_answered_once(layer_path):
    layer = load_layer(layer_path)
    view = FeatureQuery(bbox=(139.0, 35.0, 141.0, 36.0), zoom=12)
    first = query_layer(layer, view)
    first["dataset"] = "changed by a caller"
    again = query_layer(layer, view)
    assert "dataset" not in again  # callers get their own top-level dict
    assert again["features"] == first["features"]
    assert list(layer.whole_views) == [(12, 0, 500)]
    query_layer(layer, FeatureQuery(bbox=(139.0, 35.0, 141.0, 36.0), q="駅"))
    query_layer(layer, FeatureQuery(bbox=(139.96, 35.85, 139.98, 35.87)))
    assert len(layer.whole_views) == 1  # filtered or partial views are not kept


def test_page_json_is_the_query_layer_document_joined_from_fragments(layer_path, tmp_path):
    layer = load_layer(layer_path)
    for query in (FeatureQuery(), FeatureQuery(q="駅"), FeatureQuery(zoom=3, limit=1)):
        body = page_json(layer, query, ok=True, dataset="d")
        assert json.loads(body) == {"ok": True, "dataset": "d", **query_layer(layer, query)}
    assert query_layer(layer, FeatureQuery(zoom=3, limit=1))["mode"] == "grid"
    assert (
        bytes(layer.fragments(np.array([0]))[0])
        == (
            '{"type":"Feature","id":"p1","geometry":{"type":"Point","coordinates":[139.97,35.86]},'
            '"properties":{"名称":"柏駅前","定員":"120","備考":""}}'
        ).encode()
    )
    assert len(layer.starts) == 5 and layer.starts[-1] == len(layer.text)
    assert json.loads(bytes(layer.fragments(np.array([2]))[0]))["geometry"] is None


def test_page_json_keeps_hostile_text_as_json_strings(tmp_path):
    text = '</script>"\\\n\u2028😀'
    path = tmp_path / "hostile.geojson"
    feature = {"type": "Feature", "id": text, "geometry": POINT, "properties": {text: text}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    got = json.loads(page_json(load_layer(path), FeatureQuery()))["features"][0]
    assert (got["id"], got["properties"]) == (text, {text: text})


def test_query_etag_follows_dataset_checksum_and_normalised_query():
    base = query_etag("d", "sha-1", FeatureQuery(bbox=(139.9, 35.8, 140.0, 35.9), zoom=12))
    assert base == query_etag("d", "sha-1", FeatureQuery(bbox=(139.90, 35.80, 140, 35.9), zoom=12))
    assert len(base) == 32
    others = {
        query_etag("e", "sha-1", FeatureQuery(bbox=(139.9, 35.8, 140.0, 35.9), zoom=12)),
        query_etag("d", "sha-2", FeatureQuery(bbox=(139.9, 35.8, 140.0, 35.9), zoom=12)),
        query_etag("d", "sha-1", FeatureQuery(bbox=(139.9, 35.8, 140.0, 35.9), zoom=13)),
        query_etag("d", "sha-1", FeatureQuery(bbox=(139.9, 35.8, 140.0, 35.9), offset=1)),
    }
    assert base not in others and len(others) == 4
    a = query_etag("d", "s", FeatureQuery(filters={"a": "1", "b": "2"}))
    assert a == query_etag("d", "s", FeatureQuery(filters={"b": "2", "a": "1"}))


def test_lookup_gives_checksum_and_layer_and_forget_sees_a_new_version(layer_path):
    versions = {"a": "sha-1"}
    store = FeatureStore(lambda i: (layer_path, versions[i]), lookup_ttl=60)
    sha, first = store.lookup("a")
    versions["a"] = "sha-2"
    assert store.lookup("a") == (sha, first) == ("sha-1", first)  # within the TTL
    store.forget("a")
    sha, second = store.lookup("a")
    assert sha == "sha-2" and second is not first


@st.composite
def boxes_and_layer(draw):
    """A layer of points and rectangles (some unlocated), and a bbox: small (the STRtree) or
    large (the column scan)."""
    coordinate = st.tuples(st.floats(139.8, 140.1), st.floats(35.7, 36.0))
    features = []
    for kind, (x, y), (w, h) in draw(st.lists(st.tuples(
        st.sampled_from(["point", "box", "none"]), coordinate,
        st.tuples(st.floats(0, 0.05), st.floats(0, 0.05)),
    ), min_size=1, max_size=40)):  # fmt: skip
        if kind == "point":
            geometry = {"type": "Point", "coordinates": [x, y]}
        elif kind == "box":
            ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
            geometry = {"type": "Polygon", "coordinates": [ring]}
        else:
            geometry = None
        features.append({"type": "Feature", "geometry": geometry, "properties": {}})
    sizes = st.sampled_from([0.0, 0.001, 0.01, 0.1, 0.4])
    (west, south), (width, height) = draw(coordinate), draw(st.tuples(sizes, sizes))
    return features, (west, south, west + width, south + height)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(boxes_and_layer())
def test_bbox_rows_equal_a_per_feature_envelope_test(tmp_path_factory, case):
    features, bbox = case
    path = tmp_path_factory.mktemp("bbox") / "layer.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    layer = load_layer(path)
    west, south, east, north = bbox
    expected = [
        row for row, feature in enumerate(features) if feature["geometry"] is not None
        and (bounds := shapely.geometry.shape(feature["geometry"]).bounds)
        and bounds[0] <= east and bounds[2] >= west and bounds[1] <= north and bounds[3] >= south
    ]  # fmt: skip
    found = query_layer(layer, FeatureQuery(bbox=bbox, limit=5000))
    assert [f["id"] for f in found["features"]] == [row + 1 for row in expected]
    assert found["total"] == len(expected)


def test_a_layer_without_any_properties_loads(tmp_path):
    path = tmp_path / "bare.geojson"
    bare = {"type": "Feature", "geometry": POINT, "properties": {}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [bare, bare]}))
    found = query_layer(load_layer(path), FeatureQuery())
    assert found["total"] == 2 and found["features"][1]["properties"] == {}
