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


def site_title(lang: str) -> str:
    settings = web().settings
    return (
        settings.site_title_en if lang == "en" and settings.site_title_en else settings.site_title
    )


def city_name(lang: str) -> str:
    settings = web().settings
    if lang == "en" and settings.municipality_name_en:
        return settings.municipality_name_en
    return settings.municipality_name


@bp.app_context_processor
def _site_globals() -> dict[str, str]:
    """The site's and city's names in the page's language (registered after the catalogue's
    processor, so ``site_title`` here wins on English pages)."""
    from tsunagu.webapp.i18n import current_lang

    lang = current_lang()
    return {"city_name": city_name(lang), "site_title": site_title(lang)}


@bp.app_template_filter("tag_label")
def _tag_label(tag: str) -> str:
    from tsunagu.webapp.dataset_facts import tag_label
    from tsunagu.webapp.i18n import current_lang

    return tag_label(tag, current_lang())


@bp.app_template_filter("standard_name")
def _standard_name(meta: object) -> str:
    """A dataset's standard by name in the page's language (English from the registry)."""
    from tsunagu.webapp.dataset_facts import standard_label
    from tsunagu.webapp.i18n import current_lang

    slug = getattr(meta, "standard", "")
    fallback = getattr(meta, "standard_title", "") or slug
    return standard_label(slug, fallback, current_lang(), web().settings.schemas_dir)
