"""Behind the reverse proxy: client addresses from trusted proxies only, Host allow-list."""

from __future__ import annotations

import json

import pytest

from tests.webapp.test_upload import csrf_token
from tsunagu.config import load_settings
from tsunagu.errors import ConfigError
from tsunagu.services.tokens import TokenStore
from tsunagu.webapp import create_app
from tsunagu.webapp.proxy import parse_networks


@pytest.fixture
def proxied(tmp_path, published):
    def make(**overrides):
        settings = load_settings({"data_dir": tmp_path / "instance", **overrides}, env={})
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return create_app(settings, catalogue=published)

    return make


def _guess(client, forwarded_for: str | None, peer: str = "127.0.0.1", token: str = "wrong"):  # noqa: S107  a wrong guess
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    environ = {"REMOTE_ADDR": peer}
    page = client.get("/upload/signin", headers=headers, environ_base=environ)
    return client.post(
        "/upload/signin",
        data={"csrf_token": csrf_token(page.text), "token": token},
        headers=headers,
        environ_base=environ,
    )


def test_visitors_behind_the_proxy_are_limited_one_by_one(proxied):
    """Issue 16: behind the proxy every visitor was 127.0.0.1, so 11 wrong tokens from one
    visitor locked every visitor out."""
    app = proxied()
    attacker, visitor = app.test_client(), app.test_client()
    for _ in range(10):
        assert _guess(attacker, "203.0.113.5").status_code == 401
    assert _guess(attacker, "203.0.113.5").status_code == 429
    assert _guess(visitor, "198.51.100.20").status_code == 401  # not locked: another client
    audit = app.extensions["tsunagu"].settings.data_dir / "audit.jsonl"
    failures = [json.loads(line) for line in audit.read_text().splitlines()]
    assert {f["client"] for f in failures if f["action"] == "sign-in-failed"} == {
        "203.0.113.5",
        "198.51.100.20",
    }


def test_forwarded_for_from_an_untrusted_peer_is_ignored(proxied):
    """A client talking to the app directly cannot choose a fresh address per guess."""
    app = proxied()
    client = app.test_client()
    for n in range(10):
        assert _guess(client, f"192.0.2.{n}", peer="198.51.100.9").status_code == 401
    assert _guess(client, "192.0.2.99", peer="198.51.100.9").status_code == 429


def test_hop_count_reads_the_right_address(proxied):
    """Two proxies (CDN, then nginx): the client is the second address from the right; the
    left-most one is whatever the client wrote."""
    app = proxied(proxy_hops=2)
    client = app.test_client()
    for n in range(10):
        chain = f"10.9.9.{n}, 203.0.113.5, 127.0.0.1"  # spoofed, client, CDN
        assert _guess(client, chain).status_code == 401
    assert _guess(client, "10.9.9.200, 203.0.113.5, 127.0.0.1").status_code == 429


def test_no_hops_means_forwarded_headers_are_never_read(proxied):
    app = proxied(proxy_hops=0)
    client = app.test_client()
    for n in range(10):
        assert _guess(client, f"203.0.113.{n}").status_code == 401
    assert _guess(client, "203.0.113.77").status_code == 429


def test_a_valid_token_signs_in_while_its_address_is_locked(proxied):
    app = proxied(proxy_hops=0)
    client = app.test_client()
    for _ in range(11):
        _guess(client, None)
    good = TokenStore(app.extensions["tsunagu"].settings.database).create("kenko").token
    assert _guess(client, None, token=good).status_code == 303


def test_unknown_host_is_400_and_never_reflected(proxied):
    client = proxied().test_client()
    for path in ("/api/v1/datasets", "/ogc/collections", "/api/openapi.json", "/datasets"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert b"evil.example" not in response.data
    body = json.loads(client.get("/api/v1/datasets", headers={"Host": "evil.example"}).data)
    assert body["code"] == "untrusted-host"


def test_configured_host_appears_in_absolute_links(proxied):
    client = proxied(allowed_hosts="opendata.city.kashiwa.lg.jp").test_client()
    response = client.get(
        "/api/openapi.json",
        headers={"Host": "opendata.city.kashiwa.lg.jp", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    assert json.loads(response.data)["servers"] == [{"url": "https://opendata.city.kashiwa.lg.jp"}]
    assert client.get("/api/openapi.json").status_code == 400  # "localhost" is no longer listed


def test_bad_proxy_address_is_a_config_error():
    with pytest.raises(ConfigError):
        parse_networks("127.0.0.1, not-an-address")
    with pytest.raises(ConfigError):
        load_settings({"cookie_secure": "sometimes"}, env={})
