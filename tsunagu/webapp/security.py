"""Response headers every page gets: a strict Content-Security-Policy and friends.

Scripts and styles come only from the app itself ('self'; no CDN, no inline script without the
per-request nonce), images also from the configured tile server; pages cannot be framed except
the map embed view, which is meant to be embedded anywhere. API answers (``/api/``) are data:
their policy allows nothing at all, and no nonce is made for them.
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


#: API answers are data, never documents: nothing in them may load, run or be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def page_policy(tiles: str, embed: bool, nonce: str) -> str:
    """The page policy; ``nonce`` is empty when the page asked for none (no inline script)."""
    scripts = f"script-src 'self' 'nonce-{nonce}'" if nonce else "script-src 'self'"
    policy = [
        "default-src 'self'",
        scripts,
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: {tiles}".strip(),
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors *" if embed else "frame-ancestors 'self'",
    ]
    return "; ".join(policy)


def add_missing(response: Response, headers: list[tuple[str, str]]) -> None:
    """Add each header the view did not set itself, looking at the response's headers once.

    (``Headers.setdefault`` scans them all for every call: an API answer at hundreds of
    requests a second paid for hundreds of string comparisons per request.)"""
    present = {name.lower() for name, _ in response.headers}
    response.headers.extend([(k, v) for k, v in headers if k.lower() not in present])


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    tiles = _tile_origin(app)
    common = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]
    api = [("Content-Security-Policy", API_POLICY), *common, ("X-Frame-Options", "DENY")]

    @app.after_request
    def _headers(response: Response) -> Response:
        if request.path.startswith("/api/"):
            add_missing(response, api)
            return response
        embed = request.endpoint is not None and request.endpoint.endswith(".embed")
        nonce = g.get("csp_nonce", "")
        headers = [("Content-Security-Policy", page_policy(tiles, embed, nonce)), *common]
        if not embed:
            headers.append(("X-Frame-Options", "SAMEORIGIN"))
        add_missing(response, headers)
        return response
