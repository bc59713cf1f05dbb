"""``GET /api/v1/datasets/<id>/features``: exact features by bbox and filter; JSON errors."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.maps.catalogue import add_map_layers

URL = "/api/v1/datasets/kashiwa-aed-map/features"
CITY = "139.9,35.8,140.0,35.9"


@pytest.fixture
def geo_client(app, published, tmp_path):
    add_map_layers(published, tmp_path / "geo")
    return app.test_client()


def _ids(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def test_bbox_returns_exactly_the_features_inside(geo_client):
    body = geo_client.get(f"{URL}?bbox=139.96,35.86,139.98,35.89").get_json()
    assert body["ok"] is True
    assert body["total"] == 2
    assert _ids(body) == ["1", "2"]
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [139.9757, 35.8676]}
    assert body["features"][0]["properties"]["名称"] == "柏市役所"
    assert body["mode"] == "features"


def test_field_filter_is_exact_and_q_matches_any_field(geo_client):
    exact = geo_client.get(URL, query_string={"bbox": CITY, "名称": "柏市立図書館"}).get_json()
    assert _ids(exact) == ["2"]
    partial = geo_client.get(URL, query_string={"bbox": CITY, "名称": "柏市"}).get_json()
    assert partial["total"] == 0
    anywhere = geo_client.get(URL, query_string={"bbox": CITY, "q": "近隣センター"}).get_json()
    assert _ids(anywhere) == ["3", "4"]


def test_limit_offset_page_through_in_file_order(geo_client):
    first = geo_client.get(f"{URL}?bbox={CITY}&limit=3").get_json()
    rest = geo_client.get(f"{URL}?bbox={CITY}&limit=3&offset=3").get_json()
    assert (first["total"], _ids(first), _ids(rest)) == (4, ["1", "2", "3"], ["4"])


def test_more_matches_than_a_page_at_a_zoom_come_with_grid_cells(geo_client):
    body = geo_client.get(f"{URL}?bbox={CITY}&zoom=10&limit=1").get_json()
    assert body["mode"] == "grid"
    assert sum(cell["count"] for cell in body["cells"]) == 4
    assert len(body["features"]) == 1


def test_payload_properties_come_back_as_plain_json_strings(geo_client):
    body = geo_client.get("/api/v1/datasets/payloads/features").get_json()
    assert body["total"] == 5
    names = [f["properties"]["名称"] for f in body["features"]]
    assert names[:3] == [
        "<img src=x onerror=alert(1)>",
        "</script><script>alert(1)</script>",
        "${alert(1)}",
    ]
    assert "<img src=x onerror=alert(2)>" in body["fields"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("bbox=1,2,3", "parameter-invalid"),
        ("bbox=a,b,c,d", "parameter-invalid"),
        ("bbox=140,35,139,36", "parameter-invalid"),
        ("bbox=nan,35,140,36", "parameter-invalid"),
        ("bbox=0,-91,1,1", "parameter-invalid"),
        ("limit=-1", "parameter-out-of-range"),
        ("limit=100000", "parameter-out-of-range"),
        ("limit=ten", "parameter-not-integer"),
        ("offset=99999999999", "parameter-out-of-range"),
        ("zoom=99", "parameter-out-of-range"),
        ("no-such-field=1", "parameter-unknown"),
    ],
)
def test_bad_requests_are_400_with_the_json_error_shape(geo_client, query, code):
    response = geo_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"ok", "status", "code", "error", "errors", "message"}
    assert (body["ok"], body["status"], body["code"]) == (False, 400, code)


def test_unknown_field_error_names_the_field(geo_client):
    body = geo_client.get(f"{URL}?色=赤").get_json()
    assert "'色'" in body["error"]


def test_unknown_dataset_is_404_json(geo_client):
    response = geo_client.get("/api/v1/datasets/no-such-dataset/features")
    assert response.status_code == 404
    assert response.get_json()["code"] == "dataset-not-found"


def test_dataset_without_geojson_is_404_json(geo_client):
    response = geo_client.get("/api/v1/datasets/kashiwa-population/features")
    assert response.status_code == 404
    assert response.get_json()["code"] == "features-not-found"


def test_etag_comes_from_the_query_and_answers_304_before_any_work(geo_client, monkeypatch):
    first = geo_client.get(f"{URL}?bbox=139.90,35.80,140.00,35.90&limit=3")
    etag = first.headers["ETag"]
    same = geo_client.get(f"{URL}?limit=3&bbox={CITY}")  # the same query, spelled differently
    assert same.headers["ETag"] == etag and same.data == first.data
    assert geo_client.get(f"{URL}?bbox={CITY}&limit=2").headers["ETag"] != etag

    def no_work(*args, **kwargs):
        raise AssertionError("a matching If-None-Match must not build the body")

    monkeypatch.setattr("tsunagu.webapp.api.features.page_json", no_work)
    again = geo_client.get(f"{URL}?bbox={CITY}&limit=3", headers={"If-None-Match": etag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_has_its_own_tag_and_the_same_document(geo_client):
    plain = geo_client.get(f"{URL}?bbox={CITY}")
    zipped = geo_client.get(f"{URL}?bbox={CITY}", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()
    tag = zipped.headers["ETag"]
    again = geo_client.get(
        f"{URL}?bbox={CITY}", headers={"Accept-Encoding": "gzip", "If-None-Match": tag}
    )
    assert (again.status_code, again.headers["ETag"]) == (304, tag)


def test_body_is_one_json_document_with_the_dataset_and_cache_headers(geo_client):
    response = geo_client.get(f"{URL}?bbox={CITY}&zoom=10&limit=1")
    assert response.mimetype == "application/geo+json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    body = json.loads(response.data)  # strict parse of the joined bytes
    assert (body["dataset"], body["ok"], body["total"], body["limit"]) == (
        "kashiwa-aed-map",
        True,
        4,
        1,
    )
    assert "柏市役所".encode() in response.data  # UTF-8, not \\u escapes, as the app's JSON


def test_a_new_version_is_served_once_the_lookup_is_forgotten(geo_client, app, published, tmp_path):
    from tests.maps.catalogue import DATA, publish_geojson
    from tsunagu.webapp.api.features import store

    before = geo_client.get(f"{URL}?bbox={CITY}")
    assert before.get_json()["total"] == 4
    publish_geojson(
        published, tmp_path / "v2", "kashiwa-aed-map", "柏市AED", DATA / "payloads.geojson"
    )
    with app.app_context():
        store().forget("kashiwa-aed-map")
    after = geo_client.get(URL)
    assert after.get_json()["total"] == 5 and after.headers["ETag"] != before.headers["ETag"]


def test_warm_loads_every_map_layer_and_skips_unreadable_ones(app, published, tmp_path):
    from tests.maps.catalogue import publish_geojson
    from tsunagu.webapp.api.features import warm

    add_map_layers(published, tmp_path / "geo")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": 3}', encoding="utf-8")
    publish_geojson(published, tmp_path / "bad", "broken-map", "壊れた地図", broken)
    assert sorted(warm(app)) == ["kashiwa-aed-map", "payloads"]
    assert len(app.extensions["tsunagu_features"]) == 2
    response = app.test_client().get("/api/v1/datasets/broken-map/features")
    assert (response.status_code, response.get_json()["code"]) == (500, "features-unreadable")


def test_features_are_served_as_geojson(geo_client):
    response = geo_client.get("/api/v1/datasets/payloads/features")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.get_json()["type"] == "FeatureCollection"
