"""Department tokens, sign-in, lockout and the authorize gate."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.webapp.test_upload import csrf_token, sign_in
from tsunagu.config import load_settings
from tsunagu.services.tokens import TOKENS, FailureLimiter, TokenStore
from tsunagu.webapp import create_app
from tsunagu.webapp.auth import authorize


@pytest.fixture
def store(settings) -> TokenStore:
    settings.data_dir.mkdir(parents=True)
    return TokenStore(settings.database)


@pytest.fixture
def auth_app(tmp_path, published):
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True)
    return create_app(settings, catalogue=published)


@pytest.fixture
def auth_store(auth_app) -> TokenStore:
    return TokenStore(auth_app.extensions["tsunagu"].settings.database)


def test_token_create_and_verify(store):
    issued = store.create("kenko", note="健康政策課 担当A")
    assert len(issued.token) >= 43
    record = store.verify(issued.token)
    assert record is not None
    assert (record.id, record.department, record.note) == (
        issued.record.id,
        "kenko",
        "健康政策課 担当A",
    )
    assert store.verify(issued.token + "x") is None
    assert store.verify("") is None


def test_tokens_are_stored_as_hashes_only(store):
    issued = store.create("kenko")
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(select(TOKENS))]
    assert len(rows) == 1
    assert issued.token not in repr(rows)
    assert hashlib.sha256(issued.token.encode()).hexdigest() in rows[0]


def test_revoke_by_id_and_by_department(store):
    first, second, other = store.create("kenko"), store.create("kenko"), store.create("shimin")
    assert store.revoke(first.record.id) == 1
    assert store.verify(first.token) is None
    assert store.verify(second.token) is not None
    assert store.revoke("kenko") == 1
    assert store.verify(second.token) is None
    assert store.verify(other.token) is not None
    assert store.revoke("kenko") == 0
    listed = {r.id: r for r in store.list()}
    assert not listed[first.record.id].active
    assert listed[other.record.id].active


def test_limiter_window_and_bound():
    limiter = FailureLimiter(limit=3, window=60, max_clients=2)
    for t in (0, 1, 2):
        assert limiter.retry_after("a", now=t) == 0
        limiter.fail("a", now=t)
    assert limiter.retry_after("a", now=10) == 51
    assert limiter.retry_after("a", now=61) == 0  # the first failure left the window
    limiter.fail("b", now=62)
    limiter.fail("c", now=63)  # "a" is forgotten: at most two clients are tracked
    assert limiter.retry_after("a", now=64) == 0
    assert len(limiter._failures) == 2


def test_sign_in_keeps_token_id_not_token(auth_app, auth_store):
    issued = auth_store.create("kenko")
    client = auth_app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    response = sign_in(client, issued.token)
    assert response.status_code == 303
    assert response.location == "/upload"
    with client.session_transaction() as session:
        assert session["token_id"] == issued.record.id
        assert session["department"] == "kenko"
        assert "planted" not in session  # a fresh session on sign-in
        assert issued.token not in repr(dict(session))


def test_sign_in_failure_is_401(auth_app):
    client = auth_app.test_client()
    response = sign_in(client, "not-a-token")
    assert response.status_code == 401
    assert "トークンが正しくないか" in response.text
    assert client.get("/upload").status_code == 302


def test_sign_in_without_csrf_is_400(auth_app, auth_store):
    response = auth_app.test_client().post(
        "/upload/signin", data={"token": auth_store.create("kenko").token}
    )
    assert response.status_code == 400


def test_lockout_after_ten_failures_spares_a_valid_token(auth_app, auth_store):
    """Ten wrong guesses from one address lock out guessing from it, not the departments
    there (issue 16: behind the proxy 11 wrong tokens locked every department out)."""
    client = auth_app.test_client()
    for _ in range(10):
        assert sign_in(client, "wrong").status_code == 401
    response = sign_in(client, "wrong-again")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    good = auth_store.create("kenko").token
    assert sign_in(client, good).status_code == 303  # its own id: its own bucket


def test_failures_against_one_token_id_lock_only_that_id(auth_app, auth_store):
    target, other = auth_store.create("kenko"), auth_store.create("shimin")
    token_id = target.record.id
    client = auth_app.test_client()
    for _ in range(10):
        assert sign_in(client, f"{token_id}.guessed-secret").status_code == 401
    assert sign_in(client, f"{token_id}.guessed-secret").status_code == 429
    assert sign_in(client, target.token).status_code == 429  # that id, from that address
    assert sign_in(client, other.token).status_code == 303  # another department is unaffected
    elsewhere = auth_app.test_client()
    response = sign_in_from(elsewhere, target.token, "10.0.0.9")
    assert response.status_code == 303  # the same token from another address


def sign_in_from(client, token: str, address: str):
    page = client.get("/upload/signin", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/upload/signin",
        data={"csrf_token": csrf_token(page.text), "token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_revoked_token_stops_working_at_once(auth_app, auth_store):
    issued = auth_store.create("kenko")
    client = auth_app.test_client()
    sign_in(client, issued.token)
    assert client.get("/upload").status_code == 200
    auth_store.revoke(issued.record.id)
    assert client.get("/upload").status_code == 302


def test_sign_out_clears_the_session(auth_app, auth_store):
    client = auth_app.test_client()
    sign_in(client, auth_store.create("kenko").token)
    token = csrf_token(client.get("/upload").text)
    assert client.post("/upload/signout", data={"csrf_token": token}).status_code == 303
    with client.session_transaction() as session:
        assert "token_id" not in session
    assert client.get("/upload").status_code == 302


def test_next_never_leaves_the_upload_area(auth_app, auth_store):
    client = auth_app.test_client()
    page = client.get("/upload/signin?next=//evil.example/upload")
    response = client.post(
        "/upload/signin?next=//evil.example/upload",
        data={"csrf_token": csrf_token(page.text), "token": auth_store.create("kenko").token},
    )
    assert response.location == "/upload"


def test_authorize_rejects_unknown_actions(auth_app):
    with auth_app.test_request_context("/upload"), pytest.raises(ValueError, match="delete"):
        authorize("kenko", "delete")


def test_every_upload_route_goes_through_authorize(auth_app, monkeypatch):
    """Route audit: any new upload.* endpoint must call authorize (or be sign-in/out)."""
    calls: list[str] = []
    real = authorize

    def spy(department, action):
        calls.append(action)
        return real(department, action)

    monkeypatch.setattr("tsunagu.webapp.auth.authorize", spy)
    auth_app.config["WTF_CSRF_ENABLED"] = False
    client = auth_app.test_client()
    open_routes = {"upload.signin", "upload.signout"}
    checked = 0
    for rule in auth_app.url_map.iter_rules():
        if not rule.endpoint.startswith("upload.") or rule.endpoint in open_routes:
            continue
        url = rule.build({"upload_id": "a" * 32, "name": "report.html"}, append_unknown=False)[1]
        method = "POST" if "POST" in rule.methods else "GET"
        calls.clear()
        response = client.open(url, method=method)
        assert calls, f"{rule.endpoint} does not call authorize ({response.status_code})"
        assert response.status_code == 302, rule.endpoint
        checked += 1
    assert checked >= 5
