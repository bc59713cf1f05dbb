"""The web app: catalogue pages, the map viewer, department uploads and the developer APIs.

``create_app(settings)`` is the only entry point (flaskr's factory): configuration flows in from
the caller, so one test process can build many differently configured apps, and nothing is read
at import time. The app reads whichever catalogue is configured (local by default, CKAN by URL).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from tsunagu.config import Settings, load_settings


def _secret_key(settings: Settings) -> str:
    """From the environment when set; else generated once and kept under the data dir."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(
    settings: Settings | None = None,
    overrides: dict[str, Any] | None = None,
    catalogue: Any = None,
) -> Flask:
    from tsunagu.catalogue import open_catalogue
    from tsunagu.webapp import errors, i18n, security
    from tsunagu.webapp.api import features as features_api
    from tsunagu.webapp.context import WebContext
    from tsunagu.webapp.pages import catalogue as catalogue_pages
    from tsunagu.webapp.pages import maps as map_pages
    from tsunagu.webapp.pages import upload as upload_pages

    settings = settings or load_settings(overrides)
    app = Flask(__name__, instance_path=str(Path(settings.data_dir).resolve()))
    from tsunagu.catalogue.openness import format_stars

    app.jinja_env.globals["format_stars"] = format_stars  # 5★ level per resource (issue 15)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
        TSUNAGU_API_RATE=settings.api_rate,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it
    app.extensions["tsunagu"] = WebContext(settings, catalogue or open_catalogue(settings))
    _recover(settings, app.extensions["tsunagu"].catalogue)
    from tsunagu.webapp import proxy, sessions

    proxy.init_app(app, settings)  # X-Forwarded-* only from trusted proxies; Host allow-list
    sessions.init_app(app, settings)  # Secure cookie over HTTPS
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    if settings.indicators_daily == "on":
        _schedule_daily_indicators(app, upload_pages)
    app.register_blueprint(catalogue_pages.bp)
    app.register_blueprint(upload_pages.bp)
    app.register_blueprint(map_pages.bp)
    app.register_blueprint(features_api.bp)
    from tsunagu.webapp.api import ckan_compat, datasets, feed, http, openapi

    app.register_blueprint(http.bp)  # CORS, ETag/304, gzip, rate limit for every /api/ path
    app.register_blueprint(ckan_compat.bp)
    app.register_blueprint(datasets.bp)
    app.register_blueprint(feed.bp)
    app.register_blueprint(openapi.bp)
    from tsunagu.webapp.api import ogc, rows

    app.register_blueprint(rows.bp)
    app.register_blueprint(ogc.bp)
    from tsunagu.webapp import usage
    from tsunagu.webapp.pages import dashboard

    usage.init_app(app, settings, app.extensions["tsunagu"].catalogue)  # counts only, no IPs
    app.register_blueprint(dashboard.bp)

    from tsunagu.webapp.api import index as api_index

    app.register_blueprint(api_index.bp)  # /api and /api/v1 answer an index, not 404
    from tsunagu.webapp.pages import developers, site

    app.register_blueprint(developers.bp)  # /developers and the interactive API reference
    app.register_blueprint(site.bp)  # /about, /terms, /favicon.ico
    return app


def _schedule_daily_indicators(app: Flask, upload_pages: Any) -> None:
    """The first request of each day queues the indicators' publication (see indicators.daily);
    the queue is made lazily in the serving process, never in gunicorn's master."""
    from tsunagu.indicators.daily import DailyTrigger

    trigger = DailyTrigger(lambda job: upload_pages._jobs().enqueue(job))

    def tick() -> None:  # before_request: returning anything would replace the page
        trigger.tick()

    app.before_request(tick)
    app.extensions["tsunagu.daily"] = trigger


def _recover(settings: Any, catalogue: Any) -> None:
    """Audit what a killed publish left unaudited and sweep its leftovers, as ``tsunagu publish``
    does; a catalogue that is down now must not stop the site from starting (it is logged)."""
    import logging

    from tsunagu.errors import TsunaguError
    from tsunagu.services import publishing

    try:
        publishing.recover(settings, catalogue)
    except (TsunaguError, OSError):
        logging.getLogger(__name__).exception("recovering interrupted publishes failed")
