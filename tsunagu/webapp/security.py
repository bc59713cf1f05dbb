"""Response headers every page gets: a strict Content-Security-Policy and friends.

Scripts and styles come only from the app itself ('self'; no CDN, no inline script without the
per-request nonce), images also from the configured tile server; pages cannot be framed except
the map embed view, which is meant to be embedded anywhere.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask.wrappers import Response


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _tile_origin(app: Flask) -> str:
    parts = urlsplit(app.extensions["tsunagu"].settings.tile_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    tiles = _tile_origin(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        embed = request.endpoint is not None and request.endpoint.endswith(".embed")
        policy = [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{csp_nonce()}'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {tiles}".strip(),
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors *" if embed else "frame-ancestors 'self'",
        ]
        response.headers.setdefault("Content-Security-Policy", "; ".join(policy))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if not embed:
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response
