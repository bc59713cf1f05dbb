"""The one `authorize` every upload route uses, and the Flask side of sign-in (session cookie,
failure limits, audit). Tokens and sessions themselves live in :mod:`tsunagu.services.tokens`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, redirect, request, session, url_for

from tsunagu.errors import PermissionDenied
from tsunagu.services.tokens import ACTIONS, FailureLimiter, TokenRecord, TokenStore
from tsunagu.webapp.context import web


@dataclass(frozen=True)
class Principal:
    token_id: str
    department: str


def token_store() -> TokenStore:
    """One store per app (one engine, one pool), made on first use."""
    from flask import current_app

    store = current_app.extensions.get("tsunagu_tokens")
    if store is None:
        store = current_app.extensions["tsunagu_tokens"] = TokenStore(web().settings.database)
    return store


def limiter() -> FailureLimiter:
    from flask import current_app

    return current_app.extensions.setdefault("tsunagu_signin_limiter", FailureLimiter())


def client_address() -> str:
    """The visitor's address: ``REMOTE_ADDR`` as rewritten by the trusted-proxy middleware."""
    return request.remote_addr or "unknown"


def limiter_keys(client: str, token: str) -> str:
    """The failure bucket of one sign-in attempt: per token id when the token names a real one,
    else per client. A department presenting its own valid ``<id>.<secret>`` is thus never
    refused because of other people's wrong guesses from the same address."""
    token_id = token_store().known_id(token)
    return f"{client}|{token_id}" if token_id else client


def audit(action: str, actor: str, **details: Any) -> None:
    """One record in the instance's hash-chained audit log (the same file the CLI writes)."""
    from tsunagu.publisher.audit import AuditLog

    AuditLog(web().settings.data_dir / "audit.jsonl").record(action, actor, **details)


def sign_in(record: TokenRecord) -> None:
    """A fresh session on every sign-in (no fixation): the old one, CSRF token included, goes."""
    previous = session.get("sid")
    if previous:
        token_store().end_session(previous)
    session.clear()
    session["sid"] = token_store().start_session(record)
    session["token_id"] = record.id
    session["department"] = record.department
    session.permanent = False


def sign_out() -> None:
    """End the server-side session, so a copy of the old cookie is refused too."""
    sid = session.get("sid")
    if sid:
        token_store().end_session(sid)
    session.clear()


def current_principal() -> Principal | None:
    """The signed-in department, re-checked against the session and token tables on every
    request (sign-out and revocation take effect at once, for every copy of the cookie)."""
    sid, token_id, department = (
        session.get("sid"),
        session.get("token_id"),
        session.get("department"),
    )
    if not sid or not token_id or not department:
        if session:
            session.clear()
        return None
    record = token_store().session_token(sid)
    if record is None or record.id != token_id or record.department != department:
        session.clear()
        return None
    return Principal(record.id, record.department)


def authorize(department: str | None, action: str) -> Principal:
    """The gate for every upload route: signed in, a known action, and the same department.

    ``department`` is the owner of what is being touched (None for "my own area", such as the
    upload form). Not signed in → redirect to sign-in; another department's data → 403.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {ACTIONS}")
    principal = current_principal()
    if principal is None:
        abort(redirect(url_for("upload.signin", next=request.path)))
    if department is not None and department != principal.department:
        audit(
            "refused",
            f"department:{principal.department}",
            token_id=principal.token_id,
            owner=department,
            attempted=action,
            path=request.path,
        )
        raise PermissionDenied(
            f"This belongs to another department; you cannot {action} it.",
            message_ja="他の部署のデータです。操作できません。",
            code="other-department",
        )
    return principal
