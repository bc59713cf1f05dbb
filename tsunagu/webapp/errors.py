"""One HTML error page and one JSON error shape (house style §3.7.5) for every failure."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from tsunagu.errors import TsunaguError


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_body(status: int, code: str, message: str, message_ja: str | None = None) -> dict:
    """The one JSON error shape: ``error`` in English for clients that show one string, and
    ``message`` in both languages (Japanese first) for the city's own pages and users."""
    return {
        "ok": False,
        "status": status,
        "code": code,
        "error": message,
        "errors": [message],
        "message": {"ja": message_ja or message, "en": message},
    }


def init_app(app: Flask) -> None:
    from tsunagu.webapp.error_pages import error_text

    app.jinja_env.globals["error_text"] = error_text

    @app.errorhandler(TsunaguError)
    def _tsunagu(exc: TsunaguError) -> ResponseReturnValue:
        return _respond(exc.http_status, exc.code, exc.message_ja, exc.message_en)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        code = (exc.name or "error").lower().replace(" ", "-")
        status = exc.code or 500
        # The exception's own headers (405's Allow, 429's Retry-After, 401's WWW-Authenticate)
        # belong on the answer; only its Content-Type is ours to choose.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if wants_json():
            description = exc.description or ""
            return _respond(status, code, description, description, headers)
        # Pages: werkzeug's developer sentence is replaced by the site's own words.
        from tsunagu.webapp.error_pages import error_text

        text = error_text(status)
        if exc.description and exc.description != type(exc).description:  # our own abort text
            return _respond(status, code, exc.description, exc.description, headers)
        return _respond(status, code, text.help_ja, text.help_en, headers)

    @app.errorhandler(RecursionError)
    @app.errorhandler(OverflowError)
    def _input_too_big(exc: Exception) -> ResponseReturnValue:
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
) -> ResponseReturnValue:
    if wants_json():
        return error_body(status, code, message_en, message_ja), status, headers or []
    from tsunagu.webapp.error_pages import error_text

    page = render_template(
        "error.html",
        status=status,
        message_ja=message_ja,
        message_en=message_en,
        error=error_text(status),
        blocked=_blocked_dataset() if status == 404 else None,
    )
    return page, status, headers or []


def _blocked_dataset() -> Any:
    """The blocked dataset a missing dataset page is about, if that is why it is missing."""
    if request.endpoint != "catalogue.dataset" or not request.view_args:
        return None
    from tsunagu.webapp.blocked import blocked_datasets
    from tsunagu.webapp.context import web

    settings = web().settings
    wanted = request.view_args.get("dataset_id")
    found = blocked_datasets(settings.data_dir, settings.datasets_dir, set())
    return next((b for b in found if b.id == wanted), None)
