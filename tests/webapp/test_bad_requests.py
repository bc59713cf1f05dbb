"""Every route, every method, fed the bad-input corpus: never a 500, always the error shape.

Issue 16: deeply nested JSON and ``Infinity``/``1e400`` in CKAN action parameters, a 23-digit
version number in a URL and CR/LF in ``next=`` each gave a 500. This sends the corpus of the
security review's bad-input table (control characters, traversal, markup, huge and non-finite
numbers, overlong text, broken percent-encoding) to every rule in the app's URL map, in every
path argument and in every query parameter any view reads, signed in and not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from werkzeug.routing import Rule

from tests.webapp.test_auth import sign_in_from
from tsunagu.services.tokens import TokenStore

NESTED = "[" * 100_000 + "]" * 100_000
# URL values stay under gunicorn's request-line limit (4094 bytes, the shipped default): a
# longer line never reaches the app. 1,500 levels are past Python's recursion limit.
CORPUS = (
    "",
    " ",
    "\r\n",
    "/upload\r\nSet-Cookie: evil=1",
    "x\x00y",
    "../../../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "'\";--",
    "A" * 3_000,
    "1e400",
    "-1e400",
    "Infinity",
    "NaN",
    "-1",
    "0",
    "12345678901234567890123",
    "-12345678901234567890123",
    "１２３",
    "kashiwa-aed\n",
    "😀",
    "%",
    "%zz",
    "1,2,3",
    "NaN,NaN,NaN,NaN",
    "1e400,0,1,1",
    "-1000,-1000,1000,1000",
    "[1,2",
    '{"a":',
    "[" * 1_500 + "]" * 1_500,
)
#: Every query parameter a view reads (grep request.args), plus CKAN's.
PARAMS = (
    "q", "next", "limit", "offset", "bbox", "sort", "page", "lang", "format", "f", "for",
    "datetime", "id", "name_or_id", "rows", "start", "fq", "facet.field", "properties",
    "organization", "standard", "tags", "res_format", "zoom", "z", "layer", "all_fields",
    "include_datasets", "order_by", "name", "bbox-crs", "crs", "since", "version",
)  # fmt: skip
REAL = {
    "dataset_id": "kashiwa-aed",
    "org_id": "kenko",
    "key": "csv",
    "name": "aed.csv",
    "version": "1",
    "collection_id": "kashiwa-aed",
    "feature_id": "1",
    "action": "package_search",
    "upload_id": "0" * 32,
    "filename": "vendor/leaflet/leaflet.js",
}


_PLACEHOLDER = re.compile(r"<(?:[^>]*:)?(\w+)>")


def _paths(rule: Rule) -> Iterator[str]:
    """The rule with real arguments, then with each argument replaced by each corpus value."""
    from urllib.parse import quote

    def build(values: dict[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), rule.rule)

    yield build(REAL)
    for name in sorted(rule.arguments):
        for value in CORPUS:
            yield build({**REAL, name: value})


def _rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def _check(response, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.data[:300])
    if response.request.method == "HEAD":
        return
    api_error = path.startswith("/api/") and response.status_code >= 400
    if api_error and response.mimetype == "application/json":
        json.loads(response.data)  # an error body is JSON, never an HTML traceback


@pytest.fixture
def signed_in(app):
    settings = app.extensions["tsunagu"].settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = TokenStore(settings.database).create("kenko").token
    client = app.test_client()
    assert sign_in_from(client, token, "127.0.0.1").status_code == 303
    return client


def _client(app, signed_in, rule: Rule):
    """Signed in for the department pages (anonymous callers only get the sign-in redirect)."""
    return signed_in if rule.rule.startswith("/upload") else app.test_client()


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"OPTIONS", "HEAD"})  # HEAD runs GET's view


def test_every_route_survives_the_corpus_in_its_path(app, signed_in):
    for rule in _rules(app):
        client = _client(app, signed_in, rule)
        for path in _paths(rule):
            for method in _methods(rule):
                _check(client.open(path, method=method), path)


@pytest.mark.parametrize("value", CORPUS, ids=range(len(CORPUS)))
def test_every_route_survives_the_corpus_in_its_query(app, signed_in, value):
    query = dict.fromkeys(PARAMS, value)
    for rule in _rules(app):
        path = next(_paths(rule))
        for method in _methods(rule):
            response = _client(app, signed_in, rule).open(path, method=method, query_string=query)
            _check(response, path)


@pytest.mark.parametrize(
    "body",
    [
        NESTED,
        '{"q": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"rows": Infinity}',
        '{"rows": 1e400}',
        '{"rows": -1e400}',
        '{"rows": NaN}',
        '{"start": 12345678901234567890123}',
        '{"rows": 1.5}',
        '{"id": {"$gt": ""}}',
        '{"fq": ["a"], "sort": 1}',
        "\xff\xfe",
        "[]",
        "null",
    ],
)
@pytest.mark.parametrize(
    "action",
    [
        "package_list",
        "package_show",
        "package_search",
        "organization_list",
        "organization_show",
        "resource_show",
        "status_show",
        "nonexistent",
    ],
)
def test_ckan_actions_answer_bad_json_with_400(client, action, body):
    response = client.post(
        f"/api/3/action/{action}", data=body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code in (200, 400, 404, 409), response.data[:300]
    assert response.mimetype == "application/json"
    json.loads(response.data)


def test_ckan_integer_parameters_out_of_range_are_validation_errors(client):
    for value in ("Infinity", "1e400", "12345678901234567890123", "NaN"):
        response = client.get("/api/3/action/package_search", query_string={"rows": value})
        assert response.status_code == 409, (value, response.data)
        assert json.loads(response.data)["error"]["__type"] == "Validation Error"


def test_a_23_digit_version_in_a_download_url_is_404(client):
    response = client.get("/datasets/kashiwa-aed/versions/12345678901234567890123/csv/aed.csv")
    assert response.status_code == 404


def test_cr_lf_in_next_never_reaches_the_location_header(app):
    settings = app.extensions["tsunagu"].settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = TokenStore(settings.database).create("kenko").token
    client = app.test_client()
    page = client.get("/upload/signin")
    from tests.webapp.test_upload import csrf_token

    response = client.post(
        "/upload/signin",
        query_string={"next": "/upload\r\nSet-Cookie: evil=1"},
        data={"csrf_token": csrf_token(page.text), "token": token},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/upload"
    assert "evil" not in str(response.headers)


def test_405_answers_carry_allow(client):
    for path, method in (
        ("/datasets", "DELETE"),
        ("/api/v1/datasets", "POST"),
        ("/upload/signin", "DELETE"),
    ):
        response = client.open(path, method=method)
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]
    assert client.post("/api/v1/datasets").is_json
