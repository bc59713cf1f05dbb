"""One HTML error page and one JSON error shape (house style §3.7.5) for every failure."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from tsunagu.errors import TsunaguError


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_body(status: int, code: str, message: str) -> dict:
    return {"ok": False, "status": status, "code": code, "error": message, "errors": [message]}


def init_app(app: Flask) -> None:
    @app.errorhandler(TsunaguError)
    def _tsunagu(exc: TsunaguError):
        return _respond(exc.http_status, exc.code, exc.message_ja, exc.message_en)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "-")
        # The exception's own headers (405's Allow, 429's Retry-After, 401's WWW-Authenticate)
        # belong on the answer; only its Content-Type is ours to choose.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        description = exc.description or ""
        return _respond(exc.code or 500, code, description, description, headers)

    @app.errorhandler(RecursionError)
    @app.errorhandler(OverflowError)
    def _input_too_big(exc: Exception):
        """A safety net: only input (nesting, huge numbers) drives these; 400, not 500."""
        app.logger.warning("bad input on %s: %r", request.path, exc)
        return _respond(
            400,
            "bad-request",
            "入力の値が大きすぎるか、入れ子が深すぎます。",
            "A value in the request is too large or nested too deeply.",
        )


def _respond(
    status: int,
    code: str,
    message_ja: str,
    message_en: str,
    headers: list[tuple[str, str]] | None = None,
):
    if wants_json():
        return error_body(status, code, message_en), status, headers or []
    page = render_template(
        "error.html", status=status, message_ja=message_ja, message_en=message_en
    )
    return page, status, headers or []
