"""The site's own pages: about (``/about``) and terms of use (``/terms``: data licence,
disclaimer, and privacy — what the site records), linked from every footer.

What the privacy section says is what the code does: the access log (gunicorn.conf.py) keeps
address, time, method, path without the query string, status, size, duration and user agent;
the ``lang`` cookie remembers the language; department staff get a session cookie; the API rate
limit counts requests per address in memory only. Tests check the page against those facts.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.wrappers import Response

from tsunagu.webapp.context import web

bp = Blueprint("site_pages", __name__)
#: The city's name in English pages (the setting holds the Japanese name).
CITY_EN = {"千葉県柏市": "Kashiwa City, Chiba"}


@bp.get("/about")
def about() -> str:
    page = web().catalogue.search("", rows=10_000)
    return render_template("about.html", page=page)


@bp.get("/terms")
def terms() -> str:
    return render_template("terms.html", rate=web().settings.api_rate)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico before reading the page's <link rel="icon">."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)  # type: ignore[return-value]


@bp.app_context_processor
def _site_globals() -> dict[str, str]:
    from tsunagu.webapp.i18n import current_lang

    settings = web().settings
    name = settings.municipality_name
    return {"city_name": CITY_EN.get(name, name) if current_lang() == "en" else name}
