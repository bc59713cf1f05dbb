"""Sessions end: sign-out and revocation refuse every copy of the old cookie; cookie flags."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_cookie

from tests.webapp.test_auth import sign_in_from
from tsunagu.config import load_settings
from tsunagu.services.tokens import TokenStore
from tsunagu.webapp import create_app


@pytest.fixture
def session_app(tmp_path, published):
    def make(**overrides):
        settings = load_settings({"data_dir": tmp_path / "instance", **overrides}, env={})
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return create_app(settings, catalogue=published)

    return make


def _signed_in(app):
    store = TokenStore(app.extensions["tsunagu"].settings.database)
    issued = store.create("kenko")
    client = app.test_client()
    assert sign_in_from(client, issued.token, "127.0.0.1").status_code == 303
    return client, issued, store


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _csrf(client) -> str:
    from tests.webapp.test_upload import csrf_token

    return csrf_token(client.get("/upload").text)


def test_old_cookie_is_refused_after_sign_out(session_app):
    app = session_app()
    client, _, _ = _signed_in(app)
    stolen = _session_cookie(client)
    assert client.post("/upload/signout", data={"csrf_token": _csrf(client)}).status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/upload")
    assert response.status_code == 302
    assert "/upload/signin" in response.headers["Location"]


def test_old_cookie_is_refused_after_token_revocation(session_app):
    app = session_app()
    client, issued, store = _signed_in(app)
    stolen = _session_cookie(client)
    store.revoke(issued.record.id)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/upload").status_code == 302
    # signing in again with a new token does not revive the ended session
    fresh = store.create("kenko")
    assert sign_in_from(app.test_client(), fresh.token, "127.0.0.1").status_code == 303
    assert replay.get("/upload").status_code == 302


def test_signing_in_again_ends_the_previous_session(session_app):
    app = session_app()
    client, issued, _ = _signed_in(app)
    before = _session_cookie(client)
    assert sign_in_from(client, issued.token, "127.0.0.1").status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/upload").status_code == 302
    assert client.get("/upload").status_code == 200


def _set_cookie(response) -> str:
    return next(v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v)


def _sign_in_response(app, **environ):
    store = TokenStore(app.extensions["tsunagu"].settings.database)
    client = app.test_client()
    from tests.webapp.test_upload import csrf_token

    page = client.get("/upload/signin", **environ)
    return client.post(
        "/upload/signin",
        data={"csrf_token": csrf_token(page.text), "token": store.create("kenko").token},
        **environ,
    )


def test_cookie_is_httponly_lax_and_not_secure_over_plain_http(session_app):
    cookie = _set_cookie(_sign_in_response(session_app()))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert parse_cookie(cookie)["session"]


def _page_cookie(app, **environ) -> str:
    """The session cookie set with the sign-in form (it carries the CSRF token). A Secure
    cookie is not sent back over the test client's plain http, so the flag is read here."""
    return _set_cookie(app.test_client().get("/upload/signin", **environ))


def test_cookie_is_secure_when_the_trusted_proxy_says_https(session_app):
    cookie = _page_cookie(session_app(), headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_forwarded_proto_from_an_untrusted_address_is_ignored(session_app):
    spoofed = {
        "headers": {"X-Forwarded-Proto": "https"},
        "environ_base": {"REMOTE_ADDR": "198.51.100.7"},
    }
    assert "Secure" not in _page_cookie(session_app(), **spoofed)


def test_cookie_secure_always_and_never(session_app):
    assert "Secure" in _page_cookie(session_app(cookie_secure="always"))
    https = {"headers": {"X-Forwarded-Proto": "https"}}
    assert "Secure" not in _page_cookie(session_app(cookie_secure="never"), **https)
