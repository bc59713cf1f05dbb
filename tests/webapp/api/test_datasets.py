"""/api/v1/datasets: paging with next links, filters, one dataset, DCAT JSON-LD, bad parameters."""

from __future__ import annotations

import json

import pytest

from tests.webapp.conftest import _file, _meta
from tsunagu.catalogue.base import PublishRequest


def test_list_pages_with_next_and_previous_links(client):
    first = client.get("/api/v1/datasets?limit=2")
    assert first.status_code == 200
    body = first.json
    assert body["count"] == 3 and body["limit"] == 2 and body["offset"] == 0
    assert body["previous"] is None
    assert body["next"] == "http://localhost/api/v1/datasets?limit=2&offset=2"
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    second = client.get(body["next"].removeprefix("http://localhost")).json
    assert len(second["results"]) == 1 and second["next"] is None
    assert second["previous"] == "http://localhost/api/v1/datasets?limit=2&offset=0"
    seen = [d["id"] for d in body["results"] + second["results"]]
    assert sorted(seen) == ["hostile", "kashiwa-aed", "kashiwa-population"]


def test_next_link_keeps_the_filters(client):
    body = client.get("/api/v1/datasets?organization=kenko&limit=1").json
    assert body["count"] == 2
    assert body["next"] == "http://localhost/api/v1/datasets?organization=kenko&limit=1&offset=1"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=人口", ["kashiwa-population"]),
        ("q=ＡＥＤ", ["hostile", "kashiwa-aed"]),  # hostile keeps the AED English title
        ("organization=shimin", ["kashiwa-population"]),
        ("standard=aed-installations", ["hostile", "kashiwa-aed"]),
        ("tags=防災", ["kashiwa-aed"]),
        ("res_format=HTML", ["kashiwa-aed"]),
        ("organization=kenko&tags=人口", []),
    ],
)
def test_filters(client, query, expected):
    body = client.get(f"/api/v1/datasets?{query}").json
    assert sorted(d["id"] for d in body["results"]) == expected and body["count"] == len(expected)


def test_one_dataset_is_bilingual_with_absolute_links(client):
    response = client.get("/api/v1/datasets/kashiwa-aed")
    body = response.json
    assert body["title"] == {"ja": "柏市AED設置箇所一覧", "en": "Kashiwa AED locations"}
    assert body["organisation"]["title"]["en"] == "Health Policy Division"
    assert body["links"]["html"] == "http://localhost/datasets/kashiwa-aed"
    assert body["links"]["ckan"] == "http://localhost/api/3/action/package_show?id=kashiwa-aed"
    csv = next(r for r in body["resources"] if r["key"] == "csv")
    assert csv["url"] == "http://localhost/datasets/kashiwa-aed/resources/csv/aed.csv"
    assert response.last_modified is not None and response.headers["ETag"]


def test_resource_urls_are_uris_with_japanese_file_names_percent_encoded(
    client, published, tmp_path
):
    """The document promises ``format: uri``: curl and older clients fetch the link as given."""
    folder = tmp_path / "jp"
    folder.mkdir()
    files = (_file(folder, "doc1", "報告書 2025.csv", "a\r\n1\r\n", "CSV", "text/csv"),)
    published.publish(PublishRequest(_meta("kashiwa-report"), files))
    body = client.get("/api/v1/datasets/kashiwa-report").json
    (url,) = [r["url"] for r in body["resources"] if r["key"] == "doc1"]
    assert url == (
        "http://localhost/datasets/kashiwa-report/resources/doc1/"
        "%E5%A0%B1%E5%91%8A%E6%9B%B8%202025.csv"
    )
    assert client.get(url.removeprefix("http://localhost")).status_code == 200


def test_unknown_dataset_is_tsunagus_404_shape(client):
    response = client.get("/api/v1/datasets/nope")
    assert response.status_code == 404
    assert response.json["ok"] is False and response.json["code"] == "dataset-not-found"
    assert response.json["status"] == 404 and response.json["errors"]


@pytest.mark.parametrize(
    "query",
    ["limit=-1", "limit=1001", "limit=abc", "offset=-5", "offset=1.5", "limit=99999999999999999"],
)
def test_bad_paging_is_a_400_in_tsunagus_shape(client, query):
    response = client.get(f"/api/v1/datasets?{query}")
    assert response.status_code == 400
    assert set(response.json) == {"ok", "status", "code", "error", "errors", "message"}
    assert response.json["code"] in ("parameter-not-integer", "parameter-out-of-range")


def test_limit_zero_counts_without_results(client):
    body = client.get("/api/v1/datasets?limit=0").json
    assert body["count"] == 3 and body["results"] == [] and body["next"] is None


def _with_spatial(published, tmp_path):
    folder = tmp_path / "spatial"
    folder.mkdir()
    geo = _file(folder, "geojson", "aed.geojson", '{"type":"FeatureCollection","features":[]}',
                "GeoJSON", "application/geo+json")  # fmt: skip
    csv = _file(folder, "csv", "aed.csv", "ID\r\n1\r\n", "CSV", "text/csv")
    spatial = {
        "type": "Polygon",
        "coordinates": [
            [[139.9, 35.8], [140.05, 35.8], [140.05, 35.92], [139.9, 35.92], [139.9, 35.8]]
        ],
    }
    published.publish(PublishRequest(_meta("kashiwa-aed", spatial=spatial), (csv, geo)))


def test_dcat_jsonld_by_accept_header_and_format(client, published, tmp_path):
    _with_spatial(published, tmp_path)
    by_header = client.get(
        "/api/v1/datasets/kashiwa-aed", headers={"Accept": "application/ld+json"}
    )
    by_format = client.get("/api/v1/datasets/kashiwa-aed?format=jsonld")
    assert by_header.mimetype == by_format.mimetype == "application/ld+json"
    assert "Accept" in by_header.headers["Vary"]
    doc = json.loads(by_header.get_data(as_text=True))
    assert doc == json.loads(by_format.get_data(as_text=True))
    assert doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert doc["@context"]["dct"] == "http://purl.org/dc/terms/"
    assert doc["@type"] == "dcat:Dataset" and doc["@id"] == "http://localhost/datasets/kashiwa-aed"
    assert {"@value": "柏市AED設置箇所一覧", "@language": "ja"} in doc["dct:title"]
    assert {"@value": "Kashiwa AED locations", "@language": "en"} in doc["dct:title"]
    assert doc["dct:license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/"}
    assert doc["dct:publisher"]["@type"] == "foaf:Organization"
    assert {"@value": "防災", "@language": "ja"} in doc["dcat:keyword"]
    assert doc["dct:modified"]["@type"] == "xsd:dateTime"
    assert doc["dct:accrualPeriodicity"] == {"@id": "http://purl.org/cld/freq/annual"}
    assert doc["dct:spatial"]["dcat:bbox"]["@value"] == (
        "POLYGON((139.9 35.8, 140.05 35.8, 140.05 35.92, 139.9 35.92, 139.9 35.8))"
    )
    kinds = {d["dct:format"]: d for d in doc["dcat:distribution"]}
    assert kinds["GeoJSON"]["@type"] == "dcat:Distribution"
    assert kinds["GeoJSON"]["dcat:downloadURL"] == {
        "@id": "http://localhost/datasets/kashiwa-aed/resources/geojson/aed.geojson"
    }
    assert kinds["CSV"]["dcat:mediaType"]["@id"].endswith("/text/csv")


def test_plain_json_stays_the_default(client):
    response = client.get("/api/v1/datasets/kashiwa-aed", headers={"Accept": "*/*"})
    assert response.mimetype == "application/json" and "@context" not in response.json


def test_list_as_a_dcat_catalog(client):
    response = client.get("/api/v1/datasets?limit=2", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    doc = json.loads(response.get_data(as_text=True))
    assert (
        doc["@type"] == "dcat:Catalog" and doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    )
    assert [d["@type"] for d in doc["dcat:dataset"]] == ["dcat:Dataset", "dcat:Dataset"]
    assert all("@context" not in d for d in doc["dcat:dataset"])
    assert 'rel="next"' in response.headers["Link"]
