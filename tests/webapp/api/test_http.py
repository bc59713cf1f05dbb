"""API plumbing on every /api/ route: CORS, ETag/Last-Modified → 304, gzip, the rate limit."""

from __future__ import annotations

import gzip
import json

import pytest

from tsunagu.webapp.api.http import RateLimiter, parse_rate

API_URLS = [
    "/api/3/action/package_search",
    "/api/v1/datasets",
    "/api/v1/datasets/kashiwa-aed",
    "/api/v1/changes.atom",
    "/api/v1/changes.json",
    "/api/openapi.json",
]


@pytest.mark.parametrize("url", API_URLS)
def test_cors_and_nosniff_on_every_api_route(client, url):
    response = client.get(url, headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("url", API_URLS)
def test_api_answers_allow_nothing_to_run_and_carry_each_header_once(client, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    names = [name.lower() for name, _ in response.headers]
    assert len(names) == len(set(names)), names


def test_cors_applies_to_errors_and_the_features_blueprint(client, app):
    missing = client.get("/api/v1/datasets/nope")
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    if "features_api.features" not in app.view_functions:
        pytest.skip("the features blueprint is not registered in this app")
    features = client.get("/api/v1/datasets/kashiwa-aed/features")
    assert features.headers["Access-Control-Allow-Origin"] == "*"
    assert features.headers["RateLimit-Limit"] == app.config["TSUNAGU_API_RATE"].split("/")[0]


def test_preflight_allows_only_reads(client):
    response = client.options(
        "/api/v1/datasets",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_pages_outside_the_api_get_no_cors(client):
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


@pytest.mark.parametrize("url", API_URLS)
def test_etag_answers_if_none_match_with_304(client, url):
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_last_modified_answers_if_modified_since(client):
    first = client.get("/api/v1/datasets/kashiwa-aed")
    stamp = first.headers["Last-Modified"]
    assert (
        client.get("/api/v1/datasets/kashiwa-aed", headers={"If-Modified-Since": stamp}).status_code
        == 304
    )
    older = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert (
        client.get("/api/v1/datasets/kashiwa-aed", headers={"If-Modified-Since": older}).status_code
        == 200
    )


def test_gzip_when_accepted_and_large(client):
    plain = client.get("/api/3/action/package_search")
    assert len(plain.data) > 1024 and "Content-Encoding" not in plain.headers
    zipped = client.get("/api/3/action/package_search", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert json.loads(gzip.decompress(zipped.data)) == plain.json
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # different bytes, different tag
    again = client.get(
        "/api/3/action/package_search",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304


def test_atom_is_gzipped_too_but_small_bodies_are_not(client):
    atom = client.get("/api/v1/changes.atom", headers={"Accept-Encoding": "gzip, deflate"})
    assert atom.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(atom.data).startswith(b"<?xml")
    small = client.get("/api/3/action/status_show", headers={"Accept-Encoding": "gzip"})
    assert len(small.data) < 1024 and "Content-Encoding" not in small.headers


def test_rate_limit_answers_429_with_retry_after(app, client):
    app.config["TSUNAGU_API_RATE"] = "3/minute"
    statuses = [client.get("/api/v1/datasets").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/3/action/package_list")  # one bucket per client, all routes
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 20
    assert limited.json == {
        "ok": False,
        "status": 429,
        "code": "rate-limited",
        "error": "Too many requests: at most 3 per period; retry later",
        "errors": ["Too many requests: at most 3 per period; retry later"],
        "message": {
            "ja": "リクエストが多すぎます（期間あたり 3 回まで）。時間をおいてください",
            "en": "Too many requests: at most 3 per period; retry later",
        },
    }
    assert limited.headers["Access-Control-Allow-Origin"] == "*"
    other = client.get("/api/v1/datasets", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # another client has its own bucket
    assert client.get("/").status_code == 200  # pages are not limited


def test_token_bucket_refills_over_time():
    bucket = RateLimiter(capacity=2, per_second=0.5)
    assert bucket.take("a", now=0)[0] and bucket.take("a", now=0)[0]
    allowed, wait, _ = bucket.take("a", now=0)
    assert not allowed and wait == pytest.approx(2.0)
    assert bucket.take("a", now=2.0)[0]
    assert not bucket.take("a", now=2.1)[0]


def test_token_bucket_forgets_idle_clients_when_full():
    bucket = RateLimiter(capacity=1, per_second=1, max_clients=2)
    for n, client in enumerate(("a", "b", "c")):
        bucket.take(client, now=float(n))
    assert set(bucket._buckets) == {"c"}  # a and b had refilled: nothing to remember
    bucket.take("d", now=2.0)
    assert set(bucket._buckets) == {"c", "d"}  # at the bound, both still counting


@pytest.mark.parametrize(
    ("text", "expected"),
    [("60/minute", (60, 1.0)), ("10 / second", (10, 10.0)), ("7200/hours", (7200, 2.0))],
)
def test_parse_rate(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "60", "0/minute", "60/fortnight", "-1/second"])
def test_parse_rate_refuses_nonsense(text):
    with pytest.raises(ValueError, match="TSUNAGU_API_RATE"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("get", "/api/v1/datasets/nope", 404, "dataset-not-found"),
        ("get", "/api/v1/datasets?limit=x", 400, "parameter-not-integer"),
        ("post", "/api/v1/datasets", 405, "method-not-allowed"),
        ("delete", "/api/v1/changes.json", 405, "method-not-allowed"),
        ("get", "/api/v1/nothing-here", 404, "not-found"),
    ],
)
def test_every_non_ckan_api_error_has_the_one_json_shape(client, method, url, status, code):
    response = getattr(client, method)(url)
    assert response.status_code == status and response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"ok", "status", "code", "error", "errors", "message"}
    assert body["ok"] is False and body["status"] == status and body["code"] == code
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get_without_a_body(client):
    get = client.get("/api/v1/datasets/kashiwa-aed")
    head = client.head("/api/v1/datasets/kashiwa-aed")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
