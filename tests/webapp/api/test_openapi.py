"""/api/openapi.json: a valid OpenAPI 3.1 document, in step with the URL map (every /api/ and /ogc
route), and true to the responses the app really gives (validated with jsonschema)."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.webapp.conftest import _file, _meta
from tsunagu.catalogue.base import PublishRequest
from tsunagu.services.ckan.actions import ACTIONS

GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "bbox": [139.97, 35.86, 139.98, 35.87],
        "features": [
            {
                "type": "Feature",
                "id": "1",
                "geometry": {"type": "Point", "coordinates": [139.9757, 35.8676]},
                "properties": {"ID": "1", "名称": "柏市役所"},
            }
        ],
    },
    ensure_ascii=False,
)
GEOJSON_TYPE = "application/geo+json"
# A real request for every documented GET (path parameters filled in).
REQUESTS = {
    "/api/v1/datasets": "/api/v1/datasets?limit=2",
    "/api/v1/datasets/{dataset_id}": "/api/v1/datasets/kashiwa-aed",
    "/api/v1/datasets/{dataset_id}/features": "/api/v1/datasets/kashiwa-aed/features",
    "/api/v1/datasets/{dataset_id}/rows": "/api/v1/datasets/kashiwa-aed/rows?limit=1",
    "/api/v1/datasets/{dataset_id}/rows.csv": "/api/v1/datasets/kashiwa-aed/rows.csv",
    "/api/v1/changes.atom": "/api/v1/changes.atom",
    "/api/v1/changes.json": "/api/v1/changes.json",
    "/api/v1/indicators": "/api/v1/indicators?department=kenko",
    "/api/v1/indicators.csv": "/api/v1/indicators.csv",
    "/api/v1/indicators/schema.json": "/api/v1/indicators/schema.json",
    "/api/3/action/{action}": "/api/3/action/package_search?fq=organization:kenko",
    "/api/action/{action}": "/api/action/package_show?id=kashiwa-aed",
    "/api/openapi.json": "/api/openapi.json",
    "/api/": "/api/",
    "/api/v1": "/api/v1",
    "/api/v1/": "/api/v1/?lang=en",
    "/ogc": "/ogc?f=json",
    "/ogc/": "/ogc/?f=json",
    "/ogc/conformance": "/ogc/conformance?f=json",
    "/ogc/collections": "/ogc/collections?f=json",
    "/ogc/collections/{collectionId}": "/ogc/collections/kashiwa-aed?f=json",
    "/ogc/collections/{collectionId}/items": (
        "/ogc/collections/kashiwa-aed/items?limit=5&bbox=139.9,35.8,140.0,35.9"
    ),
    "/ogc/collections/{collectionId}/items/{featureId}": "/ogc/collections/kashiwa-aed/items/1",
}
#: The spec names OGC path parameters as OGC does (collectionId); the URL map's are snake_case.
SPEC_NAMES = {"collection_id": "collectionId", "feature_id": "featureId"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


@pytest.fixture
def with_geojson(published, tmp_path):
    folder = tmp_path / "geo"
    folder.mkdir()
    csv = published.open_file("kashiwa-aed", "csv")[0].read_text(encoding="utf-8")
    files = (
        _file(folder, "csv", "aed.csv", csv, "CSV", "text/csv"),
        _file(folder, "geojson", "aed.geojson", GEOJSON, "GeoJSON", "application/geo+json"),
    )
    published.publish(PublishRequest(_meta("kashiwa-aed"), files))
    return published


def _openapi_path(rule: str) -> str:
    return re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "{" + SPEC_NAMES.get(m[1], m[1]) + "}", rule
    )


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": "http://localhost"}]
    validate(spec)  # raises OpenAPIValidationError with the failing part


def test_every_query_parameter_may_be_empty_as_every_route_reads_it(spec):
    operations = [op for item in spec["paths"].values() for op in item.values()]
    parameters = [*spec["components"]["parameters"].values()]
    parameters += [p for op in operations for p in op.get("parameters", []) if "$ref" not in p]
    query = [p for p in parameters if p["in"] == "query"]
    assert len(query) > 40 and all(p["allowEmptyValue"] is True for p in query)


def test_the_documented_ckan_actions_are_the_served_ones(spec):
    action = spec["components"]["parameters"]["CkanAction"]["schema"]
    assert sorted(action["enum"]) == sorted(ACTIONS)


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/ogc")):
            methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
            routes.setdefault(_openapi_path(rule.rule), set()).update(methods)
    documented = {path: set(item) & {"get", "post"} for path, item in spec["paths"].items()}
    assert routes == documented


def _validator(spec: dict, pointer: str) -> Draft202012Validator:
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:tsunagu:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:tsunagu:openapi#{pointer}"}, registry=registry)


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _schema_pointer(spec: dict, path: str, status: str, media: str) -> str | None:
    response = spec["paths"][path]["get"]["responses"][status]
    pointer = f"/paths/{_escape(path)}/get/responses/{status}"
    if "$ref" in response:
        pointer = response["$ref"].removeprefix("#")
        response = spec["components"]["responses"][pointer.rsplit("/", 1)[-1]]
    if media not in response.get("content", {}):
        return None
    return f"{pointer}/content/{_escape(media)}/schema"


@pytest.mark.usefixtures("with_geojson")
def test_real_responses_match_the_documented_schemas(client, spec):
    assert set(REQUESTS) == set(spec["paths"]), "give every documented path a real request"
    for path, url in REQUESTS.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        content = spec["paths"][path]["get"]["responses"]["200"]
        if "$ref" in content:
            content = spec["components"]["responses"][content["$ref"].rsplit("/", 1)[-1]]
        assert response.mimetype in content["content"], (url, response.mimetype)
        pointer = _schema_pointer(spec, path, "200", response.mimetype)
        if response.mimetype.endswith("json"):
            errors = list(_validator(spec, pointer).iter_errors(json.loads(response.data)))
            assert not errors, (url, [e.message for e in errors][:3])


@pytest.mark.usefixtures("with_geojson")
def test_ogc_items_and_item_are_geojson_and_their_schemas_can_fail(client, spec):
    items = "/ogc/collections/{collectionId}/items"
    page = json.loads(client.get(REQUESTS[items]).data)
    assert (page["numberReturned"], page["features"][0]["id"]) == (1, "1")
    validator = _validator(spec, _schema_pointer(spec, items, "200", "application/geo+json"))
    one = REQUESTS[items + "/{featureId}"]
    feature = json.loads(client.get(one).data)
    assert feature["properties"]["名称"] == "柏市役所" and feature["links"]
    assert {e.validator for e in validator.iter_errors(feature)} == {"const", "required"}
    item = _validator(spec, _schema_pointer(spec, items + "/{featureId}", "200", GEOJSON_TYPE))
    assert list(item.iter_errors({**feature, "links": "none"}))


def test_ogc_landing_points_at_this_document(client, spec):
    landing = client.get("/ogc?f=json").json
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert desc["href"] == "http://localhost/api/openapi.json"
    assert "/ogc/collections/{collectionId}/items" in spec["paths"]


def test_documented_errors_match_the_schemas(client, spec):
    cases = [
        ("/api/v1/datasets/{dataset_id}", "/api/v1/datasets/nope", "404"),
        ("/api/v1/datasets", "/api/v1/datasets?limit=-1", "400"),
        ("/api/3/action/{action}", "/api/3/action/package_show?id=nope", "404"),
        ("/api/3/action/{action}", "/api/3/action/package_search?rows=-1", "409"),
        ("/api/3/action/{action}", "/api/3/action/nope", "400"),
        ("/api/v1/datasets/{dataset_id}/features", "/api/v1/datasets/x/features?bbox=1,2", "400"),
        ("/api/v1/datasets/{dataset_id}/features", "/api/v1/datasets/nope/features", "404"),
        (
            "/api/v1/datasets/{dataset_id}/rows",
            "/api/v1/datasets/kashiwa-aed/rows?sort=nope",
            "400",
        ),
        ("/api/v1/datasets/{dataset_id}/rows", "/api/v1/datasets/nope/rows", "404"),
        ("/ogc/collections", "/ogc/collections?f=xml", "400"),
        ("/ogc/collections/{collectionId}", "/ogc/collections/nope", "404"),
        ("/ogc/collections/{collectionId}/items", "/ogc/collections/nope/items", "404"),
    ]
    for path, url, status in cases:
        response = client.get(url)
        assert str(response.status_code) == status, url
        pointer = _schema_pointer(spec, path, status, "application/json")
        errors = list(_validator(spec, pointer).iter_errors(response.json))
        assert not errors, (url, [e.message for e in errors][:3])


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/api/v1/datasets/{dataset_id}", "/api/v1/datasets/kashiwa-aed?format=jsonld"),
        ("/api/v1/datasets", "/api/v1/datasets?format=jsonld"),
    ],
)
def test_dcat_answers_match_their_documented_schemas(client, spec, path, url):
    response = client.get(url)
    assert response.mimetype == "application/ld+json"
    pointer = _schema_pointer(spec, path, "200", "application/ld+json")
    assert not list(_validator(spec, pointer).iter_errors(json.loads(response.data)))
