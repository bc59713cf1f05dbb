"""OGC API – Features Part 1 Core at /ogc: documents, links, paging, negotiation, errors, and
real clients written by others (OWSLib; QGIS's request pattern) against the served app."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import requests

from tests.webapp.conftest import XSS, _meta
from tsunagu.catalogue.base import PublishRequest, ResourceFile

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
AED = "kashiwa-aed-19"
AREAS = "kashiwa-areas"
ALL_AED = [f"AED{n:03d}" for n in range(1, 20)]
CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
TIMEOUT = 10


def _resource(folder: Path, source: Path, key: str = "geojson") -> ResourceFile:
    path = folder / source.name
    shutil.copyfile(source, path)
    data = path.read_bytes()
    fmt, media = ("CSV", "text/csv") if key == "csv" else ("GeoJSON", "application/geo+json")
    return ResourceFile(
        key, path, source.name, fmt, media, hashlib.sha256(data).hexdigest(), len(data)
    )


@pytest.fixture
def app(app, published, data_path, tmp_path):
    """The shared app (3 datasets without map data), plus Kashiwa's 19 AED points, 6 町丁目
    polygons and a layer whose title and properties are an XSS payload."""
    folder = tmp_path / "ogc-files"
    folder.mkdir()
    aed = (
        _resource(folder, data_path("webapp/api/aed_kashiwa.csv"), "csv"),
        _resource(folder, data_path("webapp/api/aed_kashiwa.geojson")),
    )
    published.publish(PublishRequest(_meta(AED), aed))
    areas = _resource(folder, data_path("webapp/api/areas_kashiwa.geojson"))
    published.publish(
        PublishRequest(_meta(AREAS, title_ja="柏市町丁目", title_en="Districts"), (areas,))
    )
    hostile = tmp_path / "hostile.geojson"
    feature = {
        "type": "Feature",
        "id": XSS,
        "geometry": {"type": "Point", "coordinates": [139.97, 35.86]},
        "properties": {"名称": XSS},
    }
    hostile.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    published.publish(
        PublishRequest(
            _meta("hostile-geo", title_ja=XSS, description_ja=XSS), (_resource(folder, hostile),)
        )
    )
    return app


def _rels(doc: dict) -> dict[str, dict]:
    return {(link["rel"], link["type"]): link for link in doc["links"]}


def _ids(doc: dict) -> list[str]:
    return [f["id"] for f in doc["features"]]


def test_landing_page_links(client):
    response = client.get("/ogc")
    assert response.status_code == 200 and response.mimetype == "application/json"
    rels = _rels(response.get_json())
    assert rels[("self", "application/json")]["href"] == "http://localhost/ogc?f=json"
    assert rels[("alternate", "text/html")]["href"] == "http://localhost/ogc?f=html"
    service = rels[("service-desc", "application/vnd.oai.openapi+json;version=3.1")]
    assert service["href"] == "http://localhost/api/openapi.json"
    linked = client.get("/api/openapi.json").get_json()["openapi"]
    assert linked.startswith("3.1.")  # the version advertised is the document's own
    assert rels[("conformance", "application/json")]["href"] == "http://localhost/ogc/conformance"
    assert rels[("data", "application/json")]["href"] == "http://localhost/ogc/collections"


def test_conformance_classes(client):
    doc = client.get("/ogc/conformance").get_json()
    assert doc["conformsTo"] == [CONF + c for c in ("core", "geojson", "html", "oas30")]


def test_one_collection_per_geo_dataset(client):
    doc = client.get("/ogc/collections").get_json()
    assert sorted(c["id"] for c in doc["collections"]) == ["hostile-geo", AED, AREAS]
    areas = client.get(f"/ogc/collections/{AREAS}", query_string={"lang": "en"}).get_json()
    assert (areas["title"], areas["itemType"], areas["crs"]) == ("Districts", "feature", [CRS84])
    assert areas["extent"]["spatial"]["bbox"] == [[139.948, 35.83, 140.026, 35.899]]
    items = _rels(areas)[("items", "application/geo+json")]
    assert items["href"] == f"http://localhost/ogc/collections/{AREAS}/items"


def test_items_page_counts_and_links(client):
    response = client.get(f"/ogc/collections/{AED}/items")
    doc = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert (doc["numberMatched"], doc["numberReturned"], _ids(doc)) == (19, 10, ALL_AED[:10])
    assert doc["timeStamp"].endswith("Z")
    rels = {link["rel"] for link in doc["links"]}
    assert rels == {"self", "alternate", "collection", "next"}
    assert _rels(doc)[("next", "application/geo+json")]["href"] == (
        f"http://localhost/ogc/collections/{AED}/items?offset=10&f=json"
    )
    last = client.get(f"/ogc/collections/{AED}/items", query_string={"offset": 10}).get_json()
    assert (_ids(last), {link["rel"] for link in last["links"]} - {"self", "alternate"}) == (
        ALL_AED[10:],
        {"collection", "prev"},
    )
    assert "offset=0" in _rels(last)[("prev", "application/geo+json")]["href"]


def test_bbox_on_points_and_polygons(client):
    box = "139.96,35.855,139.98,35.87"
    points = client.get(f"/ogc/collections/{AED}/items", query_string={"bbox": box}).get_json()
    assert _ids(points) == ["AED001", "AED003", "AED005", "AED008", "AED009", "AED018"]
    polygons = client.get(
        f"/ogc/collections/{AREAS}/items", query_string={"bbox": "139.965,35.855,139.99,35.87"}
    ).get_json()
    assert _ids(polygons) == ["122173001"]
    assert polygons["features"][0]["geometry"]["type"] == "Polygon"


def test_property_filter_and_offset_past_the_end(client):
    doc = client.get(f"/ogc/collections/{AED}/items?小児対応設備の有無=無&limit=2").get_json()
    assert (doc["numberMatched"], _ids(doc)) == (5, ["AED003", "AED005"])
    empty = client.get(f"/ogc/collections/{AED}/items?offset=100").get_json()
    assert (empty["numberMatched"], empty["numberReturned"], empty["features"]) == (19, 0, [])


def test_single_item(client):
    doc = client.get(f"/ogc/collections/{AED}/items/AED014").get_json()
    assert doc["type"] == "Feature" and doc["id"] == "AED014"
    assert doc["geometry"] == {"type": "Point", "coordinates": [140.0188, 35.8214]}
    assert doc["properties"]["名称"] == "柏市立風早北部小学校"
    assert {link["rel"] for link in doc["links"]} == {"self", "alternate", "collection"}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ogc?f=html", {}),
        ("/ogc/conformance", {"Accept": "text/html"}),
        ("/ogc/collections", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}),
        ("/ogc/collections/hostile-geo?f=html", {}),
        ("/ogc/collections/hostile-geo/items?f=html", {}),
        ("/ogc/collections/hostile-geo/items/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E?f=html", {}),
    ],
)
def test_html_pages_use_the_site_layout_and_escape(client, path, headers):
    response = client.get(path, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<main id="main"' in html and 'class="skip"' in html
    assert XSS not in html
    if "hostile" in path:
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


BAD = [
    (f"/ogc/collections/{AED}/items?bbox=1,2,3", 400, "parameter-invalid"),
    (f"/ogc/collections/{AED}/items?bbox=a,b,c,d", 400, "parameter-invalid"),
    (f"/ogc/collections/{AED}/items?bbox=140,35,139,36", 400, "parameter-invalid"),  # W > E
    (f"/ogc/collections/{AED}/items?bbox=139,36,140,35", 400, "parameter-invalid"),  # S > N
    (f"/ogc/collections/{AED}/items?bbox=-181,35,139,36", 400, "parameter-invalid"),
    (f"/ogc/collections/{AED}/items?bbox=139,-91,140,36", 400, "parameter-invalid"),
    (
        f"/ogc/collections/{AED}/items?bbox=139,35,140,36&bbox-crs=EPSG:6677",
        400,
        "parameter-invalid",
    ),
    (
        f"/ogc/collections/{AED}/items?crs=http://www.opengis.net/def/crs/EPSG/0/6668",
        400,
        "parameter-invalid",
    ),
    (f"/ogc/collections/{AED}/items?limit=0", 400, "parameter-out-of-range"),
    (f"/ogc/collections/{AED}/items?limit=-5", 400, "parameter-out-of-range"),
    (f"/ogc/collections/{AED}/items?limit=ten", 400, "parameter-not-integer"),
    (f"/ogc/collections/{AED}/items?limit=10001", 400, "parameter-out-of-range"),
    (f"/ogc/collections/{AED}/items?offset=-1", 400, "parameter-out-of-range"),
    (f"/ogc/collections/{AED}/items?offset={10**30}", 400, "parameter-out-of-range"),
    (f"/ogc/collections/{AED}/items?datetime=yesterday", 400, "parameter-invalid"),
    (f"/ogc/collections/{AED}/items?color=red", 400, "parameter-unknown"),
    (f"/ogc/collections/{AED}/items?f=xml", 400, "parameter-invalid"),
    ("/ogc/collections/nope", 404, "collection-not-found"),
    ("/ogc/collections/nope/items", 404, "collection-not-found"),
    (
        "/ogc/collections/kashiwa-aed/items",
        404,
        "collection-not-found",
    ),  # a dataset without map data
    (f"/ogc/collections/{AED}/items/AED999", 404, "feature-not-found"),
]


@pytest.mark.parametrize(("path", "status", "code"), BAD)
def test_errors_answer_the_json_error_shape(client, path, status, code):
    response = client.get(path)
    body = response.get_json()
    assert response.status_code == status
    assert set(body) == {"ok", "status", "code", "error", "errors", "message", "description"}
    assert (body["ok"], body["status"], body["code"]) == (False, status, code)
    assert body["description"] == body["error"]


def test_error_as_html_when_html_is_asked_for(client):
    response = client.get("/ogc/collections/nope?f=html")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_datetime_is_accepted(client):
    doc = client.get(f"/ogc/collections/{AED}/items?datetime=2024-01-01T00:00:00Z/..").get_json()
    assert doc["numberMatched"] == 19


def test_owslib_client(live_url):
    from owslib.ogcapi.features import Features

    api = Features(f"{live_url}/ogc/", timeout=TIMEOUT)
    assert CONF + "geojson" in api.conformance()["conformsTo"]
    ids = {c["id"] for c in api.collections()["collections"]}
    assert ids == {AED, AREAS, "hostile-geo"}
    assert api.collection(AED)["title"] == "柏市AED設置箇所一覧"
    found = api.collection_items(AED, bbox=[139.96, 35.855, 139.98, 35.87], limit=3)
    assert (found["numberMatched"], _ids(found)) == (6, ["AED001", "AED003", "AED005"])
    assert api.collection_item(AREAS, "122173004")["properties"]["町丁目名"] == "増尾四丁目"


@pytest.mark.parametrize(("collection", "limit"), [(AED, 4), (AREAS, 1000)])
def test_qgis_style_paging_returns_the_whole_dataset(live_url, data_path, collection, limit):
    """What QGIS's OAPIF provider sends: bbox in CRS84 with bbox-crs, GeoJSON Accept, a limit,
    then follows ``next`` links until there are none."""
    source = "aed_kashiwa" if collection == AED else "areas_kashiwa"
    expected = json.loads(data_path(f"webapp/api/{source}.geojson").read_text(encoding="utf-8"))
    session = requests.Session()
    session.headers["Accept"] = "application/geo+json"
    url: str | None = (
        f"{live_url}/ogc/collections/{collection}/items?limit={limit}"
        f"&bbox=139.5,35.5,140.5,36.2&bbox-crs={CRS84}"
    )
    features: list[dict] = []
    for _ in range(20):  # bounded: 19 features at 4 per page is 5 pages
        assert url is not None
        page = session.get(url, timeout=TIMEOUT)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("application/geo+json")
        doc = page.json()
        features += doc["features"]
        url = next((li["href"] for li in doc["links"] if li["rel"] == "next"), None)
        if url is None:
            break
    assert url is None
    assert sorted(features, key=lambda f: f["id"]) == sorted(
        expected["features"], key=lambda f: f["id"]
    )
