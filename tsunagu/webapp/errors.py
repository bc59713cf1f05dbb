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
        return _respond(exc.code or 500, code, exc.description or "", exc.description or "")


def _respond(status: int, code: str, message_ja: str, message_en: str):
    if wants_json():
        return error_body(status, code, message_en), status
    return render_template(
        "error.html", status=status, message_ja=message_ja, message_en=message_en
    ), status
