"""Every API route answers a bad query parameter with one JSON error shape and one code per
kind of mistake (issue 12: the same ``limit=x`` once got three codes, one per blueprint).

The test walks the app's URL map, so a new API route fails here until it is listed in
:data:`ROUTES` with the parameters it reads. CKAN's action API keeps CKAN's own envelope
(``{"success": false, "error": {"__type": ...}}``, documented in the OpenAPI description), but
its ``__type`` is as stable as Tsunagu's codes.
"""

from __future__ import annotations

import json

import pytest

from tests.webapp.api.test_ogc import _resource
from tests.webapp.conftest import _meta
from tests.webapp.test_bad_requests import _PLACEHOLDER, REAL
from tsunagu.catalogue.base import PublishRequest
from tsunagu.services.request_input import (
    INVALID_VALUE,
    NOT_INTEGER,
    OUT_OF_RANGE,
    UNKNOWN_PARAMETER,
)

GEO = "kashiwa-aed-19"
#: A value of each kind of mistake a whole-number parameter can carry.
INTEGER_MISTAKES = {
    NOT_INTEGER: ("x", "1.5", "1e400", "-1e400", "Infinity", "NaN", "１０", "0x10", " 1"),
    OUT_OF_RANGE: ("-1", "12345678901234567890123", "99999999999999999999"),
}
_OGC_INVALID = {"f": "xml"}
#: rule -> (whole-number parameters, {parameter: a malformed value}, takes field filters)
ROUTES: dict[str, tuple[tuple[str, ...], dict[str, str], bool]] = {
    "/api": ((), {}, False),
    "/api/": ((), {}, False),
    "/api/openapi.json": ((), {}, False),
    "/api/v1": ((), {}, False),
    "/api/v1/": ((), {}, False),
    "/api/v1/changes.atom": ((), {}, False),
    "/api/v1/changes.json": ((), {}, False),
    "/api/v1/datasets": (("limit", "offset"), {}, False),
    "/api/v1/datasets/<dataset_id>": ((), {}, False),
    "/api/v1/datasets/<dataset_id>/features": (
        ("limit", "offset", "zoom"),
        {"bbox": "1,2,3"},
        True,
    ),
    "/api/v1/datasets/<dataset_id>/rows": (("limit", "offset"), {"sort": "no-such-field"}, True),
    "/api/v1/datasets/<dataset_id>/rows.csv": (
        ("limit", "offset"),
        {"sort": "no-such-field"},
        True,
    ),
    "/api/v1/indicators": ((), {}, False),
    "/api/v1/indicators.csv": ((), {}, False),
    "/api/v1/indicators/schema.json": ((), {}, False),
    "/ogc/": ((), _OGC_INVALID, False),
    "/ogc": ((), _OGC_INVALID, False),
    "/ogc/conformance": ((), _OGC_INVALID, False),
    "/ogc/collections": ((), _OGC_INVALID, False),
    "/ogc/collections/<collection_id>": ((), _OGC_INVALID, False),
    "/ogc/collections/<collection_id>/items": (
        ("limit", "offset"),
        {**_OGC_INVALID, "bbox": "1,2,3", "datetime": "yesterday", "bbox-crs": "EPSG:4326"},
        True,
    ),
    "/ogc/collections/<collection_id>/items/<path:feature_id>": ((), _OGC_INVALID, False),
}
#: The CKAN-compatible actions' whole-number parameters (CKAN's envelope, CKAN's __type).
CKAN_INTEGERS = {
    "package_list": ("limit", "offset"),
    "package_search": ("rows", "start"),
    "organization_list": ("limit", "offset"),
    "datastore_search": ("limit", "offset"),
}
CKAN_RULES = {"/api/3/action/<action>", "/api/action/<action>"}


@pytest.fixture
def app(app, published, data_path, tmp_path):
    """The shared app plus one dataset with a map layer, so features and OGC items answer."""
    folder = tmp_path / "parameter-files"
    folder.mkdir()
    files = (
        _resource(folder, data_path("webapp/api/aed_kashiwa.csv"), "csv"),
        _resource(folder, data_path("webapp/api/aed_kashiwa.geojson"), "geojson"),
    )
    published.publish(PublishRequest(_meta(GEO), files))
    return app


def _api_rules(app) -> dict[str, str]:
    """Every GET rule under /api or /ogc → its path with real arguments."""
    real = {**REAL, "dataset_id": GEO, "collection_id": GEO, "feature_id": "AED001"}
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/ogc")) and "GET" in (rule.methods or ()):
            found[rule.rule] = _PLACEHOLDER.sub(lambda m: real[m.group(1)], rule.rule)
    return found


def _assert_error(response, path: str, query: dict[str, str], code: str) -> None:
    where = (path, query)
    assert response.status_code == 400, (*where, response.status_code, response.data[:200])
    assert response.mimetype == "application/json", where
    body = json.loads(response.data)
    assert body["ok"] is False and body["status"] == 400, where
    assert body["code"] == code, (*where, body)
    assert isinstance(body["error"], str) and body["error"], where
    assert body["errors"] == [body["error"]], where
    assert body["message"]["en"] == body["error"], where
    assert body["message"]["ja"], where
    name = next(iter(query))
    assert name in body["error"] and name in body["message"]["ja"], (*where, body)


def test_every_api_route_is_listed_with_the_parameters_it_reads(app):
    assert set(_api_rules(app)) == set(ROUTES) | CKAN_RULES


def test_every_route_answers_a_bad_parameter_with_one_shape_and_one_code_per_kind(app):
    client = app.test_client()
    rules = _api_rules(app)
    for rule, (integers, invalid, filters) in ROUTES.items():
        path = rules[rule]
        assert client.get(path).status_code == 200, path  # the route works without them
        for name in integers:
            for code, values in INTEGER_MISTAKES.items():
                for value in values:
                    query = {name: value}
                    _assert_error(client.get(path, query_string=query), path, query, code)
        for name, value in invalid.items():
            query = {name: value}
            _assert_error(client.get(path, query_string=query), path, query, INVALID_VALUE)
        if filters:
            query = {"no-such-field": "1"}
            _assert_error(client.get(path, query_string=query), path, query, UNKNOWN_PARAMETER)
        if not (integers or invalid or filters):  # parameters a route does not read are ignored
            assert client.get(path, query_string={"limit": "x"}).status_code == 200, path


def test_a_limit_past_each_routes_cap_is_out_of_range(app):
    client = app.test_client()
    rules = _api_rules(app)
    for rule, (integers, _invalid, _filters) in ROUTES.items():
        if "limit" in integers and not rules[rule].endswith(".csv"):  # the CSV has no cap
            query = {"limit": "10000001"}
            response = client.get(rules[rule], query_string=query)
            _assert_error(response, rules[rule], query, OUT_OF_RANGE)


def test_a_search_text_past_200_characters_is_refused_not_cut(app):
    """Searching for the first 200 characters of a longer ``q`` would answer another question;
    every route that searches refuses it the same way, as /api/openapi.json says."""
    client = app.test_client()
    rules = _api_rules(app)
    for rule in ROUTES:
        if not rule.startswith("/api/v1/datasets") or rule.endswith("<dataset_id>"):
            continue
        path = rules[rule]
        assert client.get(path, query_string={"q": "柏" * 200}).status_code == 200, path
        query = {"q": "柏" * 201}
        _assert_error(client.get(path, query_string=query), path, query, OUT_OF_RANGE)


@pytest.mark.parametrize("bbox", [" 1,2,3,4", "1_0,2,30,40", "1,2,3,4,", "0x1,2,3,4"])
def test_a_bbox_is_read_by_its_documented_grammar_not_by_float(app, bbox):
    """``float()`` reads `` 1`` and ``1_0``; the documented pattern does not, nor does the API."""
    path = _api_rules(app)["/api/v1/datasets/<dataset_id>/features"]
    query = {"bbox": bbox}
    _assert_error(app.test_client().get(path, query_string=query), path, query, INVALID_VALUE)
    assert app.test_client().get(path, query_string={"bbox": "1e0,2,3,4"}).status_code == 200


def test_an_empty_parameter_is_no_parameter_on_every_route(app):
    """Documented as ``allowEmptyValue`` on every query parameter of /api/openapi.json."""
    client = app.test_client()
    rules = _api_rules(app)
    for rule, (integers, invalid, _filters) in ROUTES.items():
        searched = () if rule.startswith("/ogc") else ("q",)  # OGC refuses names it lacks
        query = dict.fromkeys((*integers, *invalid, *searched, "lang"), "")
        assert client.get(rules[rule], query_string=query).status_code == 200, (rule, query)


@pytest.mark.parametrize("prefix", sorted(CKAN_RULES))
def test_ckan_actions_answer_bad_integers_in_ckans_envelope_with_a_stable_type(app, prefix):
    client = app.test_client()
    shown = client.get("/api/3/action/package_show", query_string={"id": GEO}).get_json()
    csv_id = next(r["id"] for r in shown["result"]["resources"] if r["format"] == "CSV")
    for action, names in CKAN_INTEGERS.items():
        path = prefix.replace("<action>", action)
        base = {"resource_id": csv_id} if action.startswith("datastore") else {}
        assert client.get(path, query_string=base).status_code == 200, path
        for name in names:
            for code, values in INTEGER_MISTAKES.items():
                for value in values:
                    if value in ("１０", " 1"):
                        continue  # CKAN's int_validator is Python's int(): it reads both
                    if code == OUT_OF_RANGE and value != "-1" and action == "package_search":
                        continue  # CKAN accepts any natural number of rows (capped at 1000)
                    response = client.get(path, query_string={**base, name: value})
                    where = (path, name, value)
                    assert response.status_code == 409, (*where, response.data[:200])
                    body = response.get_json()
                    assert body["success"] is False, where
                    assert body["error"]["__type"] == "Validation Error", (*where, body)
                    assert body["error"][name], (*where, body)
                    if code == NOT_INTEGER and name != "offset":
                        expected = ["Invalid integer", "Please enter an integer value"]
                        assert body["error"][name] == expected, (*where, body)
